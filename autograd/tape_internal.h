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
 *   - runs: a call that records several nodes (ag_consts, ag_dot_rows,
 *     ag_map) records them back to back with one op, so the sweeps, which
 *     dispatch once per stretch of equal ops, loop inside the op's case.
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

/* A DOT_RUN node's operands. Its link holds (aux offset of its layer's
 * block, n); the block, 4 words for the whole layer (ag_dot_rows) or for
 * one node (ag_dot), is [w0, x, b0, first]: node i is row j = i - first,
 * reading w0 + j n.. (n weights), x.. (n inputs) and bias b0 + j (b0 is
 * AG_NONE without bias). w0 and x carry AG_RUN_CONST when their whole run
 * is constants (backward skips their gradients). */
typedef struct ag_dotrow {
    uint32_t w, x, bias, n;
    bool w_const, x_const;
} ag_dotrow;
static inline ag_dotrow ag__dotrow(const uint32_t *aux, uint64_t l, uint32_t i)
{
    const uint32_t *blk = aux + ag__link_a(l);
    uint32_t n = ag__link_b(l), j = i - blk[3];
    return (ag_dotrow){(blk[0] & ~AG_RUN_CONST) + j * n, blk[1] & ~AG_RUN_CONST,
                       blk[2] == AG_NONE ? AG_NONE : blk[2] + j, n, (blk[0] & AG_RUN_CONST) != 0,
                       (blk[1] & AG_RUN_CONST) != 0};
}

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
    uint32_t bad_node, bad_input; /* the anomaly seen (AG_NONE: no input) */
    double bad_value;

    /* replay check: the highest interior node read with ag_steer */
    uint32_t steered_by; /* AG_NONE when none */

    /* ag_hvp's scratch (dense.c), kept between calls and grown with the
     * tape: one block of 3 * hv_cap doubles, the adjoints, tangents and
     * adjoint tangents of forward over reverse. tan and tgrad point into
     * it; they are read only by the tangent sweeps (ag__hvp_sweeps). */
    double *hv_block, *tan, *tgrad;
    uint32_t hv_cap;

    /* the growth warning: backward sweeps in a row that found the tape
     * longer than the sweep before and no rewind between them */
    uint32_t last_sweep_len, growing_sweeps;
    bool rewound, warned_growth;
};

/* ---- tape.c ---- */
/* Record `fmt` as the tape's error unless one is already recorded; always
 * calls the error hook. Returns `s`. (The public ag_tape_fail.) */
#define ag__fail ag_tape_fail
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
/* Same for a run: every node live and in one segment (no rewind boundary
 * inside), n >= 1. Inline when it holds. */
ag_status ag__check_run_slow(ag_tape *t, uint32_t idx, uint32_t gen, uint32_t tape, uint32_t n, const char *fn,
                             int argno);
static inline ag_status ag__check_run(ag_tape *t, ag_run r, const char *fn, int argno)
{
    /* fields read one by one: copying the 16-byte run whole made GCC spill
     * it and reload it as a vector, a store-forwarding stall on every call */
    uint32_t idx = r.first.idx, n = r.n;
    if (r.first.tape == t->serial && idx < t->len && n >= 1 && n <= t->len - idx) {
        uint32_t k = ag__seg_of(t, idx);
        if (t->seg[k].gen == r.first.gen && (k + 1 == t->nseg || idx + (n - 1) < t->seg[k + 1].start))
            return AG_OK;
    }
    return ag__check_run_slow(t, idx, r.first.gen, r.first.tape, n, fn, argno);
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
/* ---- ops.c: the op table (ag_ops.h), one row per op ---- */
extern const ag_op_info ag__ops[AG_OP_COUNT];
static inline bool ag__is_leaf(ag_op op) { return op == AG_OP_CONST || op == AG_OP_VAR; }
size_t ag__arity(const ag_tape *t, uint32_t i);
/* ag_local_derivative without its checks: n live and not a leaf, k below
 * its arity (the recorded backward's sweep, which knows both) */
ag_node ag__local_derivative(ag_tape *t, ag_node n, size_t k);

/* ---- higher.c ---- */
/* Index of the k-th input of node i (k < arity). */
uint32_t ag__input(const ag_tape *t, uint32_t i, size_t k);

/* ---- sweep.c: the two sweeps, each one loop ---- */
/* Values of [from, to] from their inputs (leaves keep theirs) and their
 * gradients cleared; anomaly checks when anomaly mode is on. Recording,
 * ag_forward and the stepper all run this. */
void ag__forward(ag_tape *t, uint32_t from, uint32_t to);
/* One node's forward step, per op: the recording path's (ag__append). */
extern void (*const ag__fw_one[AG_OP_COUNT])(ag_tape *t, uint32_t i);
void ag__anomaly_forward(ag_tape *t, uint32_t i); /* anomaly.c */
/* Forward over reverse over nodes lo..y (dense.c's ag_hvp): the tangents
 * of lo..y from their inputs' (t->tan, leaves set by the caller), then the
 * backward sweep from y of the adjoints, in `adj`, and their tangents, in
 * t->tgrad, down to lo. adj and t->tgrad must be 0 over [lo, y]. */
void ag__hvp_sweeps(ag_tape *t, uint32_t lo, uint32_t y, double *adj);
/* Drop the nodes above m (a valid mark) WITHOUT opening a new segment, so
 * that the tape reads as if they had never been recorded: for calls that
 * undo their own scratch nodes, no handle to which escaped (a handle to one
 * would not be detected as stale). Cannot fail. */
void ag__truncate(ag_tape *t, ag_mark m);
/* ag_grad_nodes over a run (higher.c), for the dense results: no list of
 * handles to build. */
ag_status ag__grad_nodes_run(ag_tape *t, ag_node y, ag_run x, ag_node *out, const char *fn);
/* Receives each edge while the stepper runs; NULL in plain backward. */
typedef struct ag_sink {
    ag_tape *t;
    ag_edge *edges;
    size_t n, cap;
    bool failed;
} ag_sink;
void ag__sink_push(ag_sink *s, uint32_t in, double local, double contribution);

/* Append a node with link l and compute its value; room must be reserved.
 * Leaves get their value from the caller afterwards. */
static inline ag_node ag__append(ag_tape *t, uint64_t l)
{
    uint32_t i = t->len++;
    t->link[i] = l;
    t->grad[i] = 0.0;
    if (t->anomaly)
        t->origin[i] = t->here;
    if (!ag__is_leaf(ag__link_op(l))) {
        if (t->first_op > i)
            t->first_op = i;
        ag__fw_one[ag__link_op(l)](t, i);
        if (t->anomaly)
            ag__anomaly_forward(t, i);
    }
    return (ag_node){i, t->seg[t->nseg - 1].gen, t->serial};
}

/* ---- names.c ---- */
void ag__names_drop_from(ag_tape *t, uint32_t len);
void ag__names_free(ag_tape *t);

/* ---- anomaly.c ---- */
void ag__anomaly_backward(ag_tape *t, uint32_t i);
ag_status ag__origin_grow(ag_tape *t, uint32_t cap);

#endif /* AGRAD_TAPE_INTERNAL_H */
