/*
 * tape.c: the tape's storage: creation, growth, marks and rewind, handle
 * checks, errors, and reading nodes back.
 *
 * Invariant: growth is geometric and all-or-nothing (a failed growth leaves
 * every array as it was); handles are indices, so growth never invalidates
 * them.
 */
#include "tape_internal.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_CAPACITY 1024u

static atomic_uint_fast32_t tape_serials = 1;

/* The one way errors reach the tape (ag__fail is this): the message is
 * formatted once; the first error is kept, the hook sees all. */
ag_status ag_tape_fail(ag_tape *t, ag_status s, const char *fmt, ...)
{
    char buf[sizeof t->error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (t->status == AG_OK) {
        t->status = s;
        memcpy(t->error, buf, sizeof buf);
    }
    if (t->on_error)
        t->on_error(t->on_error_ctx, s, buf);
    return s;
}

ag_status ag_tape_status(const ag_tape *t) { return t->status; }
const char *ag_tape_error(const ag_tape *t) { return t->status == AG_OK ? "" : t->error; }

void ag_tape_clear_error(ag_tape *t)
{
    t->status = AG_OK;
    t->anomaly_seen = false;
    t->error[0] = '\0';
}

void ag_tape_on_error(ag_tape *t, ag_error_fn fn, void *ctx)
{
    t->on_error = fn;
    t->on_error_ctx = ctx;
}

/* Resize *p to n elements of size sz; leaves *p untouched on failure. */
static bool resize(void **p, size_t n, size_t sz)
{
    void *q = ag_realloc(*p, n * sz);
    if (!q)
        return false;
    *p = q;
    return true;
}

static bool grow_nodes(ag_tape *t, size_t want)
{
    if (want <= t->cap)
        return true;
    if (want > AG_MAX_NODES)
        return false;
    /* double, or jump straight to a larger request (an exact reserve) */
    size_t cap = t->cap ? 2 * (size_t)t->cap : DEFAULT_CAPACITY;
    if (cap < want)
        cap = want;
    if (cap > AG_MAX_NODES)
        cap = AG_MAX_NODES;
    /* Each array is resized in turn; a failure part way leaves the earlier
     * arrays larger than cap, which is harmless: cap only grows on success. */
    if (!resize((void **)&t->value, cap, sizeof *t->value) ||
        !resize((void **)&t->grad, cap, sizeof *t->grad) ||
        !resize((void **)&t->link, cap, sizeof *t->link))
        return false;
    if (t->anomaly && ag__origin_grow(t, (uint32_t)cap) != AG_OK)
        return false;
    t->cap = (uint32_t)cap;
    return true;
}

static bool grow_aux(ag_tape *t, size_t want)
{
    if (want <= t->aux_cap)
        return true;
    size_t cap = t->aux_cap ? 2 * (size_t)t->aux_cap : 256u;
    if (cap < want)
        cap = want;
    if (cap > AG_MAX_NODES) /* aux offsets share the 29-bit operand field */
        cap = AG_MAX_NODES;
    if (!resize((void **)&t->aux, cap, sizeof *t->aux))
        return false;
    t->aux_cap = (uint32_t)cap;
    return true;
}

ag_tape *ag_tape_new(size_t capacity)
{
    ag_tape *t = ag_realloc(NULL, sizeof *t);
    if (!t)
        return NULL;
    memset(t, 0, sizeof *t);
    t->serial = (uint32_t)atomic_fetch_add(&tape_serials, 1);
    t->steered_by = t->first_op = AG_NONE;
    t->seg_cap = 4;
    t->seg = ag_realloc(NULL, t->seg_cap * sizeof *t->seg);
    if (!t->seg || !grow_nodes(t, capacity ? capacity : DEFAULT_CAPACITY)) {
        ag_tape_free(t);
        return NULL;
    }
    t->seg[0] = (ag_segment){0, t->next_gen++};
    t->nseg = 1;
    return t;
}

void ag_tape_free(ag_tape *t)
{
    if (!t)
        return;
    ag__names_free(t);
    ag_free(t->value);
    ag_free(t->grad);
    ag_free(t->link);
    ag_free(t->aux);
    ag_free(t->seg);
    ag_free(t->origin);
    ag_free(t->hv_block);
    ag_free(t);
}

size_t ag_tape_len(const ag_tape *t) { return t->len; }

size_t ag_tape_bytes(const ag_tape *t)
{
    size_t per_node = sizeof *t->value + sizeof *t->grad + sizeof *t->link;
    return sizeof *t + (size_t)t->cap * per_node + (size_t)t->aux_cap * sizeof *t->aux +
           (size_t)t->seg_cap * sizeof *t->seg + (t->origin ? (size_t)t->cap * sizeof *t->origin : 0) + 3 * (size_t)t->hv_cap * sizeof *t->hv_block;
}

ag_status ag__reserve_slow(ag_tape *t, size_t nodes, size_t aux_words, const char *fn)
{
    if (nodes > AG_MAX_NODES - 1 - t->len)
        return ag__fail(t, AG_EFULL, "%s: %zu more nodes would pass the tape's limit of %zu (it holds %u)",
                        fn, nodes, (size_t)AG_MAX_NODES - 1, t->len);
    if (aux_words > AG_MAX_NODES - t->aux_len)
        return ag__fail(t, AG_EFULL, "%s: %zu more operand words would pass the limit of %zu",
                        fn, aux_words, (size_t)AG_MAX_NODES);
    if (!grow_nodes(t, (size_t)t->len + nodes))
        return ag__fail(t, AG_ENOMEM, "%s: out of memory growing the tape past %u nodes", fn, t->len);
    if (aux_words && !grow_aux(t, (size_t)t->aux_len + aux_words))
        return ag__fail(t, AG_ENOMEM, "%s: out of memory for %zu operand words", fn, aux_words);
    return AG_OK;
}

ag_status ag_tape_reserve(ag_tape *t, size_t nodes, size_t aux_words)
{
    return ag__reserve(t, nodes, aux_words, "ag_tape_reserve");
}

ag_status ag__check_slow(ag_tape *t, ag_node n, const char *fn, int argno)
{
    if (ag_is_null(n)) {
        if (t->status != AG_OK)
            return AG_ENULL; /* propagate an earlier failure quietly */
        return ag__fail(t, AG_ENULL, "%s: argument %d is the null handle", fn, argno);
    }
    if (n.tape != t->serial)
        return ag__fail(t, AG_EFOREIGN,
                        "%s: argument %d (node #%u) belongs to tape %u, not to this tape (%u)",
                        fn, argno, n.idx, n.tape, t->serial);
    if (n.idx >= t->len && n.gen == t->seg[t->nseg - 1].gen)
        return ag__fail(t, AG_ERANGE, "%s: argument %d (node #%u) is past the tape's end (%u nodes)",
                        fn, argno, n.idx, t->len);
    if (n.idx >= AG_MAX_NODES)
        return ag__fail(t, AG_ERANGE, "%s: argument %d (index %u) is out of range", fn, argno,
                        n.idx);
    return ag__fail(t, AG_ESTALE,
                    "%s: argument %d (node #%u, generation %u) was dropped by a rewind", fn, argno,
                    n.idx, n.gen);
}

ag_status ag__check_run_slow(ag_tape *t, uint32_t idx, uint32_t gen, uint32_t tape, uint32_t n, const char *fn,
                             int argno)
{
    ag_run r = {{idx, gen, tape}, n};
    ag_status s = ag__check(t, r.first, fn, argno);
    if (s != AG_OK)
        return s;
    if (r.n == 0 || r.n > t->len - r.first.idx)
        return ag__fail(t, AG_ERANGE, "%s: argument %d: a run of %u nodes from #%u passes the end (%u nodes)",
                        fn, argno, r.n, r.first.idx, t->len);
    uint32_t last = r.first.idx + (r.n - 1);
    if (ag__gen_at(t, last) != r.first.gen)
        return ag__fail(t, AG_ERANGE, "%s: argument %d: the run #%u..#%u crosses a rewind boundary",
                        fn, argno, r.first.idx, last);
    return AG_OK;
}

ag_status ag_check(ag_tape *t, ag_run r, const char *fn, int argno)
{
    return ag__check_run(t, r, fn ? fn : "ag_check", argno);
}

ag_mark ag_tape_mark(ag_tape *t)
{
    uint32_t gen = t->len ? ag__gen_at(t, t->len - 1) : t->seg[0].gen;
    return (ag_mark){t->len, t->aux_len, gen, t->serial};
}

static void drop_above(ag_tape *t, ag_mark m);

ag_status ag_tape_rewind(ag_tape *t, ag_mark m)
{
    if (m.tape != t->serial)
        return ag__fail(t, AG_EFOREIGN, "ag_tape_rewind: the mark belongs to tape %u, not to this tape (%u)",
                        m.tape, t->serial);
    if (m.len > t->len || m.aux_len > t->aux_len ||
        (m.len > 0 && ag__gen_at(t, m.len - 1) != m.gen))
        return ag__fail(t, AG_ESTALE,
                        "ag_tape_rewind: the mark at %u nodes was dropped by an earlier rewind below it (the tape now holds %u)",
                        m.len, t->len);
    while (t->nseg > 1 && t->seg[t->nseg - 1].start >= m.len)
        t->nseg--;
    if (t->nseg == t->seg_cap) {
        if (!resize((void **)&t->seg, (size_t)t->seg_cap * 2, sizeof *t->seg))
            return ag__fail(t, AG_ENOMEM, "ag_tape_rewind: out of memory");
        t->seg_cap *= 2;
    }
    if (m.len == 0)
        t->nseg = 0;
    /* a new generation from the mark on: every handle above it goes stale */
    t->seg[t->nseg++] = (ag_segment){m.len, t->next_gen++};
    drop_above(t, m);
    return AG_OK;
}

void ag__truncate(ag_tape *t, ag_mark m)
{
    /* no new generation: the nodes above m were the caller's own, and the
     * segment below goes on as if they had never been recorded */
    while (t->nseg > 1 && t->seg[t->nseg - 1].start >= m.len)
        t->nseg--;
    drop_above(t, m);
}

/* What a rewind and a truncation share: everything above m is forgotten. */
static void drop_above(ag_tape *t, ag_mark m)
{
    t->len = m.len;
    t->aux_len = m.aux_len;
    t->rewound = true;
    t->anomaly_seen = false; /* the next recording may report again */
    if (t->first_op != AG_NONE && t->first_op >= m.len)
        t->first_op = AG_NONE;
    if (t->grad_dirty > m.len)
        t->grad_dirty = m.len;
    if (t->named_top > m.len)
        ag__names_drop_from(t, m.len);
    if (t->steered_by != AG_NONE && t->steered_by >= m.len)
        t->steered_by = AG_NONE;
}

/* ---- reading and writing nodes ---- */

double ag_value(ag_tape *t, ag_node n)
{
    if (ag__check(t, n, "ag_value", 1) != AG_OK)
        return (double)NAN;
    return t->value[n.idx];
}

double ag_grad(ag_tape *t, ag_node n)
{
    if (ag__check(t, n, "ag_grad", 1) != AG_OK)
        return (double)NAN;
    if (ag__link_op(t->link[n.idx]) == AG_OP_CONST)
        return 0.0;
    return t->grad[n.idx];
}

ag_status ag_set_value(ag_tape *t, ag_node leaf, double v)
{
    ag_status s = ag__check(t, leaf, "ag_set_value", 1);
    if (s != AG_OK)
        return s;
    if (!ag__is_leaf(ag__link_op(t->link[leaf.idx])))
        return ag__fail(t, AG_EINVAL, "ag_set_value: node #%u is a %s, not a leaf", leaf.idx,
                        ag_op_info_of(ag__link_op(t->link[leaf.idx]))->name);
    t->value[leaf.idx] = v;
    return AG_OK;
}

double *ag_values(ag_tape *t, ag_run r)
{
    return ag__check_run(t, r, "ag_values", 1) == AG_OK ? t->value + r.first.idx : NULL;
}

double *ag_grads(ag_tape *t, ag_run r)
{
    return ag__check_run(t, r, "ag_grads", 1) == AG_OK ? t->grad + r.first.idx : NULL;
}

ag_node ag_at(ag_tape *t, ag_run r, size_t k)
{
    if (ag__check_run(t, r, "ag_at", 1) != AG_OK)
        return AG_NULL;
    if (k >= r.n) {
        ag__fail(t, AG_ERANGE, "ag_at: node %zu of a run of %u nodes from #%u", k, r.n, r.first.idx);
        return AG_NULL;
    }
    return (ag_node){r.first.idx + (uint32_t)k, r.first.gen, t->serial};
}

ag_node ag_node_from_index(ag_tape *t, size_t idx)
{
    if (idx >= t->len) {
        ag__fail(t, AG_ERANGE, "ag_node_from_index: index %zu is past the tape's end (%u nodes)",
                 idx, t->len);
        return AG_NULL;
    }
    return ag__handle(t, (uint32_t)idx);
}

ag_op ag_node_op(ag_tape *t, ag_node n)
{
    if (ag__check(t, n, "ag_node_op", 1) != AG_OK)
        return AG_OP_COUNT;
    return ag__link_op(t->link[n.idx]);
}

size_t ag_node_arity(ag_tape *t, ag_node n)
{
    if (ag__check(t, n, "ag_node_arity", 1) != AG_OK)
        return 0;
    return ag__arity(t, n.idx);
}

ag_node ag_node_input(ag_tape *t, ag_node n, size_t k)
{
    if (ag__check(t, n, "ag_node_input", 1) != AG_OK)
        return AG_NULL;
    size_t arity = ag__arity(t, n.idx);
    if (k >= arity) {
        ag__fail(t, AG_ERANGE, "ag_node_input: node #%u has %zu inputs, not %zu", n.idx, arity,
                 k + 1);
        return AG_NULL;
    }
    return ag__handle(t, ag__input(t, n.idx, k));
}
