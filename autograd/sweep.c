/*
 * sweep.c: the two sweeps, each ONE loop, and everything that runs them:
 * recording (a node's value), ag_forward (replay), ag_backward, the stepper
 * (the backward loop one node at a time, edges listed) and anomaly mode
 * (the same loops with a check after each node).
 *
 * Invariants: append order is a topological order, so the forward loop in
 * tape order sees every input before its users, and when the backward loop
 * reaches node i, grad[i] is complete. Both loops dispatch once per stretch
 * of consecutive nodes of one op (a layer's dots, an activation mapped over
 * a run: what one call recorded) and loop inside the op's case, where the
 * kernel is inlined; every node stays a node.
 */
#include "kernels.h"

#include <stdio.h>
#include <string.h>

#define ALWAYS_INLINE AG_ALWAYS_INLINE

/* The forward loop. `check`: anomaly mode; `tangent`: the tangents of
 * forward over reverse (jv_<stem>) in place of the values (both constant
 * at each call site, so the plain sweep carries no test for them). Each
 * case loops while the next node has the same op: one dispatch per
 * stretch, the kernel inlined. */
static ALWAYS_INLINE void forward_loop(ag_tape *t, uint32_t from, uint32_t to, bool check, bool tangent)
{
    const uint64_t *link = t->link;
    uint32_t i = from;
    while (i <= to) {
        switch (ag__link_op(link[i])) {
#define FORWARD_CASE(ENUM, stem, sym, n, form, kink, d)                                     \
    case AG_OP_##ENUM:                                                               \
        if (AG_OP_##ENUM == AG_OP_DOT_RUN && !check && !tangent) {                   \
            i = fw_dot_run_stretch(t, i, to); /* a layer's rows, row by row */     \
            break;                                                                   \
        }                                                                            \
        do {                                                                         \
            if (tangent) {                                                           \
                jv_##stem(t, i);                                                     \
                continue;                                                            \
            }                                                                        \
            fw_##stem(t, i);                                                         \
            if (!ag__is_leaf(AG_OP_##ENUM)) {                                        \
                t->grad[i] = 0.0; /* new values make old gradients meaningless */  \
                if (check)                                                           \
                    ag__anomaly_forward(t, i);                                       \
            }                                                                        \
        } while (++i <= to && ag__link_op(link[i]) == AG_OP_##ENUM);                 \
        break;
            AG_OPLIST(FORWARD_CASE)
#undef FORWARD_CASE
        case AG_OP_COUNT:
            i++;
            break;
        }
    }
}

/* The forward step of one node, per op, for the node-at-a-time recording
 * path (ag__append): a small function each, called through the table. */
#define FW_ONE(ENUM, stem, sym, n, form, kink, d)                                          \
    static void fw_one_##stem(ag_tape *t, uint32_t i) { fw_##stem(t, i); }
AG_OPLIST(FW_ONE)
#undef FW_ONE
#define FW_ROW(ENUM, stem, sym, n, form, kink, d) [AG_OP_##ENUM] = fw_one_##stem,
void (*const ag__fw_one[AG_OP_COUNT])(ag_tape *t, uint32_t i) = {AG_OPLIST(FW_ROW)};
#undef FW_ROW

void ag__forward(ag_tape *t, uint32_t from, uint32_t to)
{
    if (t->anomaly)
        forward_loop(t, from, to, true, false);
    else
        forward_loop(t, from, to, false, false);
}

/* The backward loop, from top down to bottom. A zero gradient propagates
 * nothing, so nodes outside y's past, and dead relus, cost nothing and never
 * turn an infinite local derivative into 0 * inf = NaN. `s` is the
 * stepper's sink (NULL in plain sweeps), `check` anomaly mode, `pair` the
 * backward of forward over reverse (hv_<stem>: the adjoint and its tangent,
 * in t->tgrad; a node is skipped when both are 0). */
static ALWAYS_INLINE void backward_loop(ag_tape *t, uint32_t top, uint32_t bottom, ag_sink *s, bool check,
                                        bool pair)
{
    const uint64_t *link = t->link;
    uint32_t i = top + 1; /* one past the next node to sweep */
    while (i > bottom) {
        switch (ag__link_op(link[i - 1])) {
#define BACKWARD_CASE(ENUM, stem, sym, n, form, kink, d)                                     \
    case AG_OP_##ENUM:                                                               \
        do {                                                                         \
            double g = t->grad[--i];                                                 \
            if (pair) {                                                              \
                double gd = t->tgrad[i];                                             \
                if (g != 0.0 || gd != 0.0)                                           \
                    hv_##stem(t, i, g, gd);                                          \
                continue;                                                            \
            }                                                                        \
            if (g != 0.0) {                                                          \
                bw_##stem(t, i, g, s);                                               \
                if (check)                                                           \
                    ag__anomaly_backward(t, i);                                      \
            }                                                                        \
        } while (i > bottom && ag__link_op(link[i - 1]) == AG_OP_##ENUM);            \
        break;
            AG_OPLIST(BACKWARD_CASE)
#undef BACKWARD_CASE
        case AG_OP_COUNT:
            i--;
            break;
        }
    }
}

/* Clear the gradients the sweep from y will rebuild: every non-variable node
 * from the first op up to y that an earlier sweep may have left non-zero.
 * Variables keep theirs (they accumulate); y is seeded with dy/dy = 1. */
static void seed(ag_tape *t, uint32_t y)
{
    uint32_t end = t->grad_dirty < y + 1 ? t->grad_dirty : y + 1;
    t->anomaly_seen = false;
    for (uint32_t i = t->first_op; i < end; i++)
        if (ag__link_op(t->link[i]) != AG_OP_VAR)
            t->grad[i] = 0.0;
    if (t->grad_dirty < y + 1)
        t->grad_dirty = y + 1;
    if (ag__link_op(t->link[y]) == AG_OP_VAR)
        t->grad[y] += 1.0;
    else
        t->grad[y] = 1.0;
}

static ag_status check_output(ag_tape *t, ag_node y, const char *fn)
{
    ag_status s = ag__check(t, y, fn, 1);
    if (s != AG_OK)
        return s;
    if (ag__link_op(t->link[y.idx]) == AG_OP_CONST)
        return ag__fail(t, AG_EINVAL, "%s: node #%u is a constant: nothing depends on a variable", fn,
                        y.idx);
    return AG_OK;
}

/* A training loop that forgets to rewind records every step on top of the
 * last: the tape grows and each step gets slower. Say so once, through the
 * error hook (status AG_OK: a warning, never the tape's error). */
#define GROWTH_SWEEPS 32
static void watch_growth(ag_tape *t)
{
    if (t->rewound || t->len <= t->last_sweep_len)
        t->growing_sweeps = 0;
    else if (++t->growing_sweeps == GROWTH_SWEEPS && !t->warned_growth && t->on_error) {
        char msg[sizeof t->error];
        snprintf(msg, sizeof msg,
                 "warning: ag_backward: the tape grew across %d backward sweeps in a row without a rewind (%u nodes now): a training loop records each step on top of the last and slows down; take a mark after the model (ag_tape_mark) and rewind to it after each step (ag_tape_rewind)",
                 GROWTH_SWEEPS, t->len);
        t->warned_growth = true;
        t->on_error(t->on_error_ctx, AG_OK, msg);
    }
    t->rewound = false;
    t->last_sweep_len = t->len;
}

ag_status ag_backward(ag_tape *t, ag_node y)
{
    ag_status s = check_output(t, y, "ag_backward");
    if (s != AG_OK)
        return s;
    watch_growth(t);
    seed(t, y.idx);
    if (t->first_op > y.idx)
        return AG_OK; /* y is a variable and nothing is computed below it */
    if (!t->anomaly) {
        backward_loop(t, y.idx, t->first_op, NULL, false, false);
        return AG_OK;
    }
    backward_loop(t, y.idx, t->first_op, NULL, true, false);
    return t->anomaly_seen ? AG_EANOMALY : AG_OK;
}

void ag__hvp_sweeps(ag_tape *t, uint32_t lo, uint32_t y, double *adj)
{
    /* the kernels accumulate adjoints into t->grad: lend them adj, so the
     * tape's own gradients are left as they were */
    double *grad = t->grad;
    t->grad = adj;
    forward_loop(t, lo, y, false, true);
    adj[y] = 1.0;
    backward_loop(t, y, lo, NULL, false, true);
    t->grad = grad;
}

void ag_zero_grad(ag_tape *t)
{
    for (uint32_t i = 0; i < t->len; i++)
        if (ag__link_op(t->link[i]) == AG_OP_VAR)
            t->grad[i] = 0.0;
}

/* ---- replay ---- */

double ag_steer(ag_tape *t, ag_node n)
{
    if (ag__check(t, n, "ag_steer", 1) != AG_OK)
        return (double)NAN;
    /* a leaf's value is the input itself: branching on it is what replay
     * with new inputs would redo only if the leaf is reset, so only
     * computed nodes count */
    if (!ag__is_leaf(ag__link_op(t->link[n.idx])) && (t->steered_by == AG_NONE || n.idx > t->steered_by))
        t->steered_by = n.idx;
    return t->value[n.idx];
}

static ag_status replay_check(ag_tape *t, ag_mark from)
{
    if (t->steered_by != AG_NONE && t->steered_by >= from.len)
        return ag__fail(t, AG_EINVAL,
                        "ag_forward: the recording steered on the value of node #%u (%s) (ag_steer): the graph may depend on values, so replaying it with new inputs may be wrong",
                        t->steered_by, ag__ops[ag__link_op(t->link[t->steered_by])].name);
    return AG_OK;
}

ag_status ag_forward(ag_tape *t, ag_mark from, ag_node to)
{
    ag_status s = ag__check(t, to, "ag_forward", 2);
    if (s != AG_OK)
        return s;
    if (from.tape != t->serial || from.len > to.idx + 1 ||
        (from.len > 0 && ag__gen_at(t, from.len - 1) != from.gen))
        return ag__fail(t, AG_ESTALE, "ag_forward: the mark at %u nodes is not live on this tape or is past node #%u",
                        from.len, to.idx);
    if ((s = replay_check(t, from)) != AG_OK)
        return s;
    t->anomaly_seen = false;
    /* the loop clears the gradients it recomputes values of, which spares
     * the next backward its own clearing pass over these nodes */
    if (from.len <= to.idx)
        ag__forward(t, from.len, to.idx);
    if (t->grad_dirty <= to.idx + 1 && t->grad_dirty > from.len)
        t->grad_dirty = from.len;
    return t->anomaly_seen ? AG_EANOMALY : AG_OK;
}

/* ---- the stepper: the backward loop, one node per call, edges listed ---- */

struct ag_stepper {
    ag_tape *t;
    ag_node y;             /* the output: a rewind that drops it ends the sweep */
    uint32_t pos;          /* next index to consider + 1; 0 when done        */
    uint32_t first;        /* lowest index to consider                       */
    unsigned char *needed; /* needed[i]: y depends on node i                 */
    ag_sink sink;
};

void ag__sink_push(ag_sink *s, uint32_t in, double local, double contribution)
{
    ag_tape *t = s->t;
    if (ag__link_op(t->link[in]) == AG_OP_CONST || s->failed)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        ag_edge *e = ag_realloc(s->edges, cap * sizeof *e);
        if (!e) {
            s->failed = true;
            return;
        }
        s->edges = e;
        s->cap = cap;
    }
    s->edges[s->n++] = (ag_edge){ag__handle(t, in), local, contribution, t->grad[in]};
}

ag_stepper *ag_stepper_new(ag_tape *t, ag_node y)
{
    if (check_output(t, y, "ag_stepper_new") != AG_OK)
        return NULL;
    ag_stepper *st = ag_realloc(NULL, sizeof *st);
    unsigned char *needed = ag_realloc(NULL, (size_t)y.idx + 1);
    if (!st || !needed) {
        ag_free(st);
        ag_free(needed);
        ag__fail(t, AG_ENOMEM, "ag_stepper_new: out of memory");
        return NULL;
    }
    /* which nodes y depends on: one reverse pass, like the sweep itself */
    memset(needed, 0, (size_t)y.idx + 1);
    needed[y.idx] = 1;
    uint32_t first = t->first_op == AG_NONE ? y.idx + 1 : t->first_op;
    for (uint32_t i = y.idx + 1; i-- > first;) {
        if (!needed[i] || ag__is_leaf(ag__link_op(t->link[i])))
            continue;
        size_t n = ag__arity(t, i);
        for (size_t k = 0; k < n; k++)
            needed[ag__input(t, i, k)] = 1;
    }
    *st = (ag_stepper){t, y, y.idx + 1, first, needed, {t, NULL, 0, 0, false}};
    seed(t, y.idx);
    return st;
}

bool ag_stepper_next(ag_stepper *st, ag_stepper_step *out)
{
    ag_tape *t = st->t;
    if (st->pos > st->first && !ag__live(t, st->y)) {
        /* its nodes, links and gradients may be reused by newer records */
        ag__fail(t, AG_ESTALE, "ag_stepper_next: the output (node #%u) was dropped by a rewind", st->y.idx);
        st->pos = 0;
        return false;
    }
    while (st->pos > st->first) {
        uint32_t i = --st->pos;
        if (!st->needed[i] || ag__is_leaf(ag__link_op(t->link[i])))
            continue;
        st->sink.n = 0;
        out->node = ag__handle(t, i);
        out->upstream = t->grad[i];
        backward_loop(t, i, i, &st->sink, t->anomaly, false);
        if (st->sink.failed) {
            ag__fail(t, AG_ENOMEM, "ag_stepper_next: out of memory listing the edges of node #%u", i);
            st->pos = 0;
            return false;
        }
        out->n_edges = st->sink.n;
        out->edges = st->sink.edges;
        return true;
    }
    return false;
}

ag_status ag_stepper_free(ag_stepper *st)
{
    if (!st)
        return AG_OK;
    ag_status s = st->t->anomaly && st->t->anomaly_seen ? AG_EANOMALY : AG_OK;
    ag_free(st->needed);
    ag_free(st->sink.edges);
    ag_free(st);
    return s;
}
