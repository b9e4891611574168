/*
 * tape_internal.h: the tape's private layout, shared by the autograd sources only.
 *
 * Invariants:
 *   - value[i], grad[i], link[i] describe node i for every i < len; nodes are
 *     in append order, and every input index of node i is < i.
 *   - link[i] packs the op (6 bits) and two 29-bit operands a, b. Unary and
 *     binary ops hold their inputs there; POWC and LEAKY_RELU hold their
 *     constant as an input node; n-ary ops hold (aux offset, n) or (first, n).
 *   - seg[0..nseg) are the tape's segments, sorted by start, seg[0].start = 0:
 *     node i belongs to the last segment with start <= i, and a handle is live
 *     iff its gen equals that segment's gen. A rewind to position m pops the
 *     segments starting at or after m and opens a new one at m with a fresh
 *     gen, so handles to dropped nodes never match again.
 *   - first_op is the lowest index of a non-leaf node (AG_NONE when none):
 *     the reverse sweep never goes below it.
 *   - every non-variable node at or above grad_dirty has gradient 0: a node is
 *     recorded with 0, and only a sweep (or the stepper) dirties gradients,
 *     so backward clears just [first_op, grad_dirty) before it seeds.
 */
#ifndef AGRAD_TAPE_INTERNAL_H
#define AGRAD_TAPE_INTERNAL_H

#include "autograd.h"

#include <stdarg.h>

#define AG_IDX_BITS 29
#define AG_IDX_MASK ((UINT64_C(1) << AG_IDX_BITS) - 1)
#define AG_NONE UINT32_MAX /* "no node" in aux words (a dot without bias) */
/* In a DOT_RUN's w and x words: every node of that run is a constant, so
 * no gradient flows into it and backward skips its half of the work (the
 * inputs of a first layer, one-hot targets). Indices use 29 bits only. */
#define AG_RUN_CONST UINT32_C(0x80000000)

static inline uint64_t ag__link(ag_op op, uint32_t a, uint32_t b)
{
    return (uint64_t)op << (2 * AG_IDX_BITS) | (uint64_t)a << AG_IDX_BITS | (uint64_t)b;
}
static inline ag_op ag__link_op(uint64_t l) { return (ag_op)(l >> (2 * AG_IDX_BITS)); }
static inline uint32_t ag__link_a(uint64_t l) { return (uint32_t)((l >> AG_IDX_BITS) & AG_IDX_MASK); }
static inline uint32_t ag__link_b(uint64_t l) { return (uint32_t)(l & AG_IDX_MASK); }

typedef struct ag_segment {
    uint32_t start;
    uint32_t gen;
} ag_segment;

typedef struct ag_origin {
    const char *file;
    int line;
} ag_origin;

struct ag_name_entry;

struct ag_tape {
    /* node storage (struct of arrays, 24 bytes a node) */
    double *value;
    double *grad;
    uint64_t *link;
    uint32_t len, cap;
    /* side array of n-ary nodes */
    uint32_t *aux;
    uint32_t aux_len, aux_cap;
    uint32_t first_op;
    uint32_t grad_dirty;

    /* liveness of handles */
    ag_segment *seg;
    uint32_t nseg, seg_cap;
    uint32_t serial;   /* this tape's number, in every handle */
    uint32_t next_gen;

    /* first error since the last clear */
    ag_status status;
    char error[320];
    ag_error_fn on_error;
    void *on_error_ctx;

    /* names (uthash, two views of one set of entries) */
    struct ag_name_entry *by_name;
    struct ag_name_entry *by_idx;
    uint32_t named_top; /* 1 + highest named index, 0 when none */

    /* anomaly mode: per-node origins, allocated while it is on */
    bool anomaly;
    bool anomaly_seen; /* one was found since the current sweep began: a sweep
                          reports it even when an older error holds the
                          tape's status (first error wins there) */
    ag_origin *origin;
    ag_origin here;

    /* replay check: an interior value read while recording, then a record */
    uint32_t pending_read; /* AG_NONE or the index read last */
    uint32_t steered_by;   /* AG_NONE or the first read followed by a record */
};

/* ---- tape.c ---- */
/* Record `fmt` as the tape's error unless one is already recorded; always
 * calls the error hook. Returns `s`. */
ag_status ag__fail(ag_tape *t, ag_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The segment holding index i (i < len). */
static inline uint32_t ag__seg_of(const ag_tape *t, uint32_t i)
{
    uint32_t k = t->nseg - 1;
    while (t->seg[k].start > i)
        k--;
    return k;
}
static inline uint32_t ag__gen_at(const ag_tape *t, uint32_t i) { return t->seg[ag__seg_of(t, i)].gen; }
static inline ag_node ag__handle(const ag_tape *t, uint32_t i)
{
    return (ag_node){i, ag__gen_at(t, i), t->serial};
}
static inline bool ag__live(const ag_tape *t, ag_node n)
{
    return n.tape == t->serial && n.idx < t->len && ag__gen_at(t, n.idx) == n.gen;
}
/* AG_OK when n is live; otherwise records why, naming the call `fn` and the
 * argument position `argno` (1-based), and returns the status. A null handle
 * given after an earlier error propagates quietly (AG_ENULL, no new error).
 * The live case is inline: it is on the path of every recorded node. */
ag_status ag__check_slow(ag_tape *t, ag_node n, const char *fn, int argno);
static inline ag_status ag__check(ag_tape *t, ag_node n, const char *fn, int argno)
{
    return ag__live(t, n) ? AG_OK : ag__check_slow(t, n, fn, argno);
}
/* Same for the run [first, first + n): every node live and in one segment
 * (no rewind boundary inside). Inline when it holds. */
ag_status ag__check_run_slow(ag_tape *t, ag_node first, size_t n, const char *fn, int argno);
static inline ag_status ag__check_run(ag_tape *t, ag_node first, size_t n, const char *fn, int argno)
{
    if (first.tape == t->serial && first.idx < t->len && n >= 1 && n <= t->len - first.idx) {
        uint32_t k = ag__seg_of(t, first.idx);
        if (t->seg[k].gen == first.gen &&
            (k + 1 == t->nseg || first.idx + (n - 1) < t->seg[k + 1].start))
            return AG_OK;
    }
    return ag__check_run_slow(t, first, n, fn, argno);
}
/* Room for `nodes` more nodes and `aux_words` more aux words; on failure
 * records an error naming the call `fn`. Inline when there is room. */
ag_status ag__reserve_slow(ag_tape *t, size_t nodes, size_t aux_words, const char *fn);
static inline ag_status ag__reserve(ag_tape *t, size_t nodes, size_t aux_words, const char *fn)
{
    if (nodes <= t->cap - t->len && aux_words <= t->aux_cap - t->aux_len)
        return AG_OK;
    return ag__reserve_slow(t, nodes, aux_words, fn);
}
/* Append node with link l, compute its value with the op table, stamp its
 * origin. Room must have been reserved. */
static inline ag_node ag__append(ag_tape *t, uint64_t l);

/* ---- ops.c: the op table ---- */
typedef struct ag_sink ag_sink;
typedef struct ag_op_row {
    const char *name;
    const char *symbol;
    int arity;                                      /* -1: n-ary          */
    double (*forward)(const ag_tape *t, uint64_t l); /* value from inputs  */
    /* dy/dinput_k += dy/dnode * dnode/dinput_k, for every input k */
    void (*backward)(ag_tape *t, uint32_t i, double g, ag_sink *s);
} ag_op_row;
extern const ag_op_row ag__ops[AG_OP_COUNT];

/* The plain sweeps (no stepper, no anomaly mode): values and cleared
 * gradients of [from, to]; backward of top down to bottom. */
void ag__forward_run(ag_tape *t, uint32_t from, uint32_t to);
void ag__backward_run(ag_tape *t, uint32_t top, uint32_t bottom);

static inline bool ag__is_leaf(ag_op op) { return op == AG_OP_CONST || op == AG_OP_VAR; }
size_t ag__arity(const ag_tape *t, uint32_t i);
/* Index of the k-th input of node i (k < arity). */
uint32_t ag__input(const ag_tape *t, uint32_t i, size_t k);

void ag__append_slow(ag_tape *t, uint32_t i);

static inline ag_node ag__append(ag_tape *t, uint64_t l)
{
    uint32_t i = t->len++;
    ag_op op = ag__link_op(l);
    t->link[i] = l;
    t->grad[i] = 0.0;
    if (!ag__is_leaf(op)) {
        t->value[i] = ag__ops[op].forward(t, l);
        if (t->first_op > i)
            t->first_op = i;
    }
    /* rare cases (a value read before this record, anomaly mode) out of line */
    if (t->pending_read != AG_NONE || t->anomaly)
        ag__append_slow(t, i);
    return (ag_node){i, t->seg[t->nseg - 1].gen, t->serial};
}

/* ---- backward.c ---- */
/* Receives each edge while the stepper runs; NULL in plain backward. */
struct ag_sink {
    ag_tape *t;
    ag_edge *edges;
    size_t n, cap;
    bool failed;
};
void ag__sink_push(ag_sink *s, uint32_t in, double local, double contribution);

/* ---- names.c ---- */
void ag__names_drop_from(ag_tape *t, uint32_t len);
void ag__names_free(ag_tape *t);

/* ---- anomaly.c ---- */
void ag__anomaly_forward(ag_tape *t, uint32_t i);
void ag__anomaly_backward(ag_tape *t, uint32_t i);
ag_status ag__origin_grow(ag_tape *t, uint32_t cap);

#endif /* AGRAD_TAPE_INTERNAL_H */
