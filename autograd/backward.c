/*
 * backward.c: the reverse sweep (ag_backward, and the stepper that runs the
 * very same sweep one node at a time), gradient clearing, and the forward
 * sweep that replays a recorded tape with new leaf values.
 *
 * Invariant: when node i is swept, grad[i] is complete (every node that uses
 * i comes after it on the tape and was swept before), so one reverse loop in
 * tape order is a correct reverse topological order.
 */
#include "tape_internal.h"

#include <string.h>

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

/* Propagate node i's gradient to its inputs. A zero gradient propagates
 * nothing, so nodes outside y's past, and dead relus, cost nothing and never
 * turn an infinite local derivative into 0 * inf = NaN. */
static void sweep_node(ag_tape *t, uint32_t i, ag_sink *s)
{
    double g = t->grad[i];
    ag_op op = ag__link_op(t->link[i]);
    if (g == 0.0 || ag__is_leaf(op))
        return;
    ag__ops[op].backward(t, i, g, s);
    if (t->anomaly)
        ag__anomaly_backward(t, i);
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

ag_status ag_backward(ag_tape *t, ag_node y)
{
    ag_status s = check_output(t, y, "ag_backward");
    if (s != AG_OK)
        return s;
    seed(t, y.idx);
    if (!t->anomaly) {
        ag__backward_run(t, y.idx, t->first_op);
        return AG_OK;
    }
    for (uint32_t i = y.idx + 1; i-- > t->first_op;)
        sweep_node(t, i, NULL);
    return t->anomaly_seen ? AG_EANOMALY : AG_OK;
}

void ag_zero_grad(ag_tape *t)
{
    for (uint32_t i = 0; i < t->len; i++)
        if (ag__link_op(t->link[i]) == AG_OP_VAR)
            t->grad[i] = 0.0;
}

ag_status ag_zero_grad_run(ag_tape *t, ag_node first, size_t n)
{
    ag_status s = ag__check_run(t, first, n, "ag_zero_grad_run", 1);
    if (s != AG_OK)
        return s;
    memset(t->grad + first.idx, 0, n * sizeof *t->grad);
    return AG_OK;
}

/* ---- replay ---- */

ag_status ag_replay_check(ag_tape *t, ag_mark from)
{
    if (t->steered_by != AG_NONE && t->steered_by >= from.len)
        return ag__fail(t, AG_EINVAL,
                        "ag_replay_check: the value of node #%u (%s) was read while recording and more was recorded after it: the graph may depend on values, so replaying it with new inputs may be wrong",
                        t->steered_by, ag_op_name(ag__link_op(t->link[t->steered_by])));
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
    if ((s = ag_replay_check(t, from)) != AG_OK)
        return s;
    t->anomaly_seen = false;
    /* new values make old gradients meaningless: clear them on the way, which
     * spares the next backward its own clearing pass over these nodes */
    if (!t->anomaly)
        ag__forward_run(t, from.len, to.idx);
    for (uint32_t i = from.len; t->anomaly && i <= to.idx; i++) {
        uint64_t l = t->link[i];
        ag_op op = ag__link_op(l);
        if (ag__is_leaf(op))
            continue;
        t->value[i] = ag__ops[op].forward(t, l);
        t->grad[i] = 0.0;
        if (t->anomaly)
            ag__anomaly_forward(t, i);
    }
    if (t->grad_dirty <= to.idx + 1 && t->grad_dirty > from.len)
        t->grad_dirty = from.len;
    return t->anomaly_seen ? AG_EANOMALY : AG_OK;
}

/* ---- the stepper: the same sweep, one node per call, edges recorded ---- */

struct ag_stepper {
    ag_tape *t;
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
    for (uint32_t i = y.idx + 1; i-- > t->first_op;) {
        if (!needed[i] || ag__is_leaf(ag__link_op(t->link[i])))
            continue;
        size_t n = ag__arity(t, i);
        for (size_t k = 0; k < n; k++)
            needed[ag__input(t, i, k)] = 1;
    }
    *st = (ag_stepper){t, y.idx + 1, t->first_op, needed, {t, NULL, 0, 0, false}};
    seed(t, y.idx);
    return st;
}

bool ag_stepper_next(ag_stepper *st, ag_step *out)
{
    ag_tape *t = st->t;
    while (st->pos > st->first) {
        uint32_t i = --st->pos;
        if (!st->needed[i] || ag__is_leaf(ag__link_op(t->link[i])))
            continue;
        st->sink.n = 0;
        out->node = ag__handle(t, i);
        out->upstream = t->grad[i];
        sweep_node(t, i, &st->sink);
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

void ag_stepper_free(ag_stepper *st)
{
    if (!st)
        return;
    ag_free(st->needed);
    ag_free(st->sink.edges);
    ag_free(st);
}
