/*
 * higher.c: the backward pass recorded on the tape (ag_grad_nodes), and the
 * Hessian-vector product, Hessian and Jacobian built on the engine's sweeps.
 *
 * The recorded sweep is ag_backward's reverse loop with nodes in place of
 * doubles: when node i is reached, every node using i has already added
 * its term to i's adjoint, so the adjoint is complete and is recorded as
 * one node; then each input k whose past holds a node of x receives the
 * term adj_i * (d i / d input_k), the local derivative recorded by the op
 * list's derivative-as-ops. Terms wait in slots counted beforehand until
 * their node is reached and are then recorded together, as one dot over
 * the pairs (adj, local) plus the lone terms as its bias: a weight used by
 * 32 samples gets one node of 32 pairs, not 32 products and 31 sums.
 * What is built on it (HVP, Hessian, Jacobian) is in dense.c.
 *
 * Invariant: ag_grad_nodes only appends (after y); it reads values but
 * writes no value or gradient of an existing node. Constants 0 and 1 are
 * folded while the terms are gathered (a term times 0 is dropped, a factor
 * 1 dropped): they are structure, the same at every replay.
 */
#include "tape_internal.h"

#include <string.h>

/* One term of a waiting adjoint: a * b, or a alone when b is AG_NONE. */
typedef struct term {
    uint32_t a, b;
} term;

/* Node i's terms fill the slots terms[off[i - lo] .. off[i - lo + 1]),
 * counted before the sweep (one slot per edge into i from a node that
 * reaches x, one for the seed); end[i - lo] is the next free one. One
 * node's terms are contiguous: gathering them reads memory in order. */
typedef struct sweep {
    ag_tape *t;
    uint32_t lo, hi;      /* nodes lo..hi are swept (x's first .. y)        */
    uint32_t *off, *end;  /* slots of node i's terms, and the fill mark     */
    unsigned char *reach; /* reach[i - lo]: a node of x is in i's past      */
    uint32_t *xpos;       /* xpos[i - lo]: i's first position in x, or AG_NONE */
    term *terms;
} sweep;

/* A constant this sweep recorded (the seed, a derivative's 1 or 0), whose
 * value is structure and may be folded. Constants recorded before the call
 * (targets, masks) are leaves that replay may change: never folded. */
static bool const_value(const sweep *s, uint32_t i, double *v)
{
    const ag_tape *t = s->t;
    if (i <= s->hi || ag__link_op(t->link[i]) != AG_OP_CONST)
        return false;
    *v = t->value[i];
    return true;
}

/* Add the term g * local to node in's adjoint (its slot was counted). */
static void push(sweep *s, uint32_t in, ag_node g, ag_node local)
{
    uint32_t a = g.idx, b = local.idx;
    double c;
    if (const_value(s, b, &c)) {
        if (c == 0.0)
            return;
        if (c == 1.0)
            b = AG_NONE;
    }
    if (const_value(s, a, &c)) {
        if (c == 0.0)
            return;
        if (c == 1.0 && b != AG_NONE)
            a = b, b = AG_NONE;
    }
    s->terms[s->end[in - s->lo]++] = (term){a, b};
}

/* Record node i's adjoint from its waiting terms, appended directly in
 * the layout record.c gives these ops (every operand is a live node of this
 * tape, so no handle needs checking): a lone term is the adjoint itself,
 * lone terms sum in a SUM node, and the pairs make one DOT whose bias is
 * that sum. Its index, or AG_NONE when the tape could not grow. */
static uint32_t adjoint(sweep *s, uint32_t i)
{
    ag_tape *t = s->t;
    const term *tm = s->terms + s->off[i - s->lo], *te = s->terms + s->end[i - s->lo];
    size_t np = 0, ns = 0;
    uint32_t single = AG_NONE;
    for (const term *p = tm; p < te; p++) {
        if (p->b == AG_NONE)
            ns++, single = p->a;
        else
            np++;
    }
    if (np == 0 && ns == 1)
        return single;
    size_t nodes = (ns >= 2) + (np >= 1);
    size_t words = (ns >= 2 ? ns : 0) + (np >= 2 || (np == 1 && ns >= 1) ? 2 * np + 1 : 0);
    if (ag__reserve(t, nodes, words, "ag_grad_nodes") != AG_OK)
        return AG_NONE;
    uint32_t bias = single;
    if (ns >= 2) {
        uint32_t at = t->aux_len, *w = t->aux + at;
        for (const term *p = tm; p < te; p++)
            if (p->b == AG_NONE)
                *w++ = p->a;
        t->aux_len += (uint32_t)ns;
        bias = ag__append(t, ag__link(AG_OP_SUM, at, (uint32_t)ns)).idx;
    }
    if (np == 0)
        return bias;
    if (np == 1 && ns == 0) {
        while (tm->b == AG_NONE)
            tm++;
        return ag__append(t, ag__link(AG_OP_MUL, tm->a, tm->b)).idx;
    }
    /* DOT: aux [bias, a_0 .. a_np-1, b_0 .. b_np-1] */
    uint32_t at = t->aux_len, *op = t->aux + at, *a = op + 1, *b = op + 1 + np;
    op[0] = bias;
    for (const term *p = tm; p < te; p++)
        if (p->b != AG_NONE)
            *a++ = p->a, *b++ = p->b;
    t->aux_len += (uint32_t)(2 * np + 1);
    return ag__append(t, ag__link(AG_OP_DOT, at, (uint32_t)np)).idx;
}

/* reach[i]: i is a node of x or has an input whose past holds one; and
 * one slot counted in off[] for each edge from a reaching node into a
 * reaching input. A dot over runs is read run by run (a run of constants
 * skipped whole): it is most of a layer's inputs. */
static void count_in(sweep *s, uint32_t in, bool *r)
{
    if (in >= s->lo && s->reach[in - s->lo]) {
        s->off[in - s->lo]++;
        *r = true;
    }
}

static void mark_reach(sweep *s)
{
    ag_tape *t = s->t;
    for (uint32_t i = s->lo; i <= s->hi; i++) {
        uint64_t l = t->link[i];
        ag_op op = ag__link_op(l);
        bool r = false;
        if (ag__is_leaf(op)) {
        } else if (op == AG_OP_DOT_RUN) {
            ag_dotrow d = ag__dotrow(t->aux, l, i);
            for (uint32_t k = 0; k < d.n && !d.w_const; k++)
                count_in(s, d.w + k, &r);
            for (uint32_t k = 0; k < d.n && !d.x_const; k++)
                count_in(s, d.x + k, &r);
            if (d.bias != AG_NONE)
                count_in(s, d.bias, &r);
        } else {
            size_t n = ag__arity(t, i);
            for (size_t k = 0; k < n; k++)
                count_in(s, ag__input(t, i, k), &r);
        }
        s->reach[i - s->lo] = r || s->xpos[i - s->lo] != AG_NONE;
    }
}

static bool reaches(const sweep *s, uint32_t in) { return in >= s->lo && s->reach[in - s->lo]; }

/* Slots from the counts: off[] becomes each node's first slot (a prefix
 * sum), end[] its fill mark; the term array is allocated at its full size. */
static bool place_slots(sweep *s, size_t span)
{
    size_t total = 0;
    for (size_t k = 0; k < span; k++) {
        size_t c = s->off[k];
        s->off[k] = s->end[k] = (uint32_t)total;
        total += c;
        if (total >= UINT32_MAX)
            return false;
    }
    s->off[span] = (uint32_t)total;
    s->terms = ag_realloc(NULL, total * sizeof *s->terms + 1);
    return s->terms != NULL;
}

/* Input k of node i takes the term g * (d i / d input_k), the local
 * derivative recorded by the op list. */
static ag_status spread_one(sweep *s, ag_node self, size_t k, uint32_t in, ag_node g)
{
    ag_tape *t = s->t;
    ag_node local = ag__local_derivative(t, self, k);
    if (ag_is_null(local))
        return t->status != AG_OK ? t->status : AG_ENOMEM;
    push(s, in, g, local);
    return AG_OK;
}

/* Propagate node i's adjoint g to the inputs that lead to x (a dot over
 * runs walked run by run, its inputs numbered w_0, x_0, w_1, ... as
 * ag_node_input numbers them). */
static ag_status spread(sweep *s, uint32_t i, ag_node g)
{
    ag_tape *t = s->t;
    uint64_t l = t->link[i];
    ag_node self = ag__handle(t, i);
    ag_status st = AG_OK;
    if (ag__link_op(l) == AG_OP_DOT_RUN) {
        ag_dotrow d = ag__dotrow(t->aux, l, i);
        const uint32_t first[2] = {d.w, d.x};
        const bool constant[2] = {d.w_const, d.x_const};
        for (int side = 0; side < 2 && st == AG_OK; side++)
            for (uint32_t k = 0; k < d.n && !constant[side] && st == AG_OK; k++)
                if (reaches(s, first[side] + k))
                    st = spread_one(s, self, 2 * (size_t)k + (size_t)side, first[side] + k, g);
        if (st == AG_OK && d.bias != AG_NONE && reaches(s, d.bias))
            st = spread_one(s, self, 2 * (size_t)d.n, d.bias, g);
        return st;
    }
    size_t n = ag__arity(t, i);
    for (size_t k = 0; k < n && st == AG_OK; k++) {
        uint32_t in = ag__input(t, i, k);
        if (reaches(s, in))
            st = spread_one(s, self, k, in, g);
    }
    return st;
}

/* The nodes of x: a run, or a list of handles (checked by the caller). */
typedef struct xset {
    const ag_node *list; /* NULL for the run                               */
    ag_run run;
    size_t n;
} xset;

static uint32_t x_idx(const xset *x, size_t k) { return x->list ? x->list[k].idx : x->run.first.idx + (uint32_t)k; }

static ag_status sweep_run(sweep *s, const xset *x, ag_node *out)
{
    ag_tape *t = s->t;
    size_t span = (size_t)(s->hi - s->lo) + 1;
    s->off = ag_realloc(NULL, (span + 1) * sizeof *s->off);
    s->end = ag_realloc(NULL, span * sizeof *s->end);
    s->xpos = ag_realloc(NULL, span * sizeof *s->xpos);
    s->reach = ag_realloc(NULL, span);
    if (!s->off || !s->end || !s->xpos || !s->reach)
        return ag__fail(t, AG_ENOMEM, "ag_grad_nodes: out of memory for the sweep over %zu nodes", span);
    memset(s->off, 0, (span + 1) * sizeof *s->off);
    memset(s->xpos, 0xff, span * sizeof *s->xpos); /* AG_NONE everywhere */
    for (size_t k = x->n; k-- > 0;) { /* the first position of a repeated node wins */
        uint32_t i = x_idx(x, k);
        if (i >= s->lo && i <= s->hi)
            s->xpos[i - s->lo] = (uint32_t)k;
    }
    mark_reach(s);
    if (!s->reach[s->hi - s->lo])
        return AG_OK; /* y does not depend on x: every gradient is 0 */
    s->off[s->hi - s->lo]++; /* the seed's slot */
    if (!place_slots(s, span))
        return ag__fail(t, AG_ENOMEM, "ag_grad_nodes: out of memory for the terms of the sweep over %zu nodes", span);
    ag_node one = ag_const(t, 1.0);
    if (ag_is_null(one))
        return t->status;
    push(s, s->hi, one, one);
    for (uint32_t i = s->hi + 1; i-- > s->lo;) {
        if (s->end[i - s->lo] == s->off[i - s->lo])
            continue;
        uint32_t gi = adjoint(s, i);
        if (gi == AG_NONE)
            return t->status != AG_OK ? t->status : AG_ENOMEM;
        ag_node g = ag__handle(t, gi);
        if (s->xpos[i - s->lo] != AG_NONE)
            out[s->xpos[i - s->lo]] = g;
        ag_status st;
        if (!ag__is_leaf(ag__link_op(t->link[i])) && (st = spread(s, i, g)) != AG_OK)
            return st;
    }
    for (size_t k = 0; k < x->n; k++) { /* repeated nodes */
        uint32_t i = x_idx(x, k);
        if (i >= s->lo && i <= s->hi && s->xpos[i - s->lo] != k)
            out[k] = out[s->xpos[i - s->lo]];
    }
    return AG_OK;
}

/* Check y and the nodes of x. */
static ag_status check_args(ag_tape *t, ag_node y, const xset *x, const void *out, const char *fn)
{
    ag_status s = ag__check(t, y, fn, 1);
    if (s != AG_OK)
        return s;
    if (!x->list)
        s = ag__check_run(t, x->run, fn, 2);
    else if (x->n == 0)
        s = ag__fail(t, AG_EINVAL, "%s: no nodes to differentiate with respect to", fn);
    for (size_t k = 0; x->list && k < x->n && s == AG_OK; k++)
        s = ag__check(t, x->list[k], fn, 2);
    if (s != AG_OK)
        return s;
    if (!out) {
        ag__fail(t, AG_EINVAL, "%s: the output array is NULL", fn);
        return AG_EINVAL;
    }
    return AG_OK;
}

static ag_status grad_nodes(ag_tape *t, ag_node y, const xset *x, ag_node *out, const char *fn)
{
    for (size_t k = 0; out && k < x->n; k++)
        out[k] = AG_NULL;
    ag_status st = check_args(t, y, x, out, fn);
    if (st != AG_OK)
        return st;
    ag_mark m = ag_tape_mark(t);
    t->anomaly_seen = false; /* as a sweep: report what this call meets */
    sweep s = {.t = t, .lo = UINT32_MAX, .hi = y.idx};
    for (size_t k = 0; k < x->n; k++)
        if (x_idx(x, k) < s.lo)
            s.lo = x_idx(x, k);
    if (s.lo <= s.hi)
        st = sweep_run(&s, x, out);
    ag_node zero = AG_NULL;
    for (size_t k = 0; k < x->n && st == AG_OK; k++) {
        if (!ag_is_null(out[k]))
            continue;
        if (ag_is_null(zero) && ag_is_null(zero = ag_const(t, 0.0)))
            st = t->status;
        out[k] = zero;
    }
    ag_free(s.off);
    ag_free(s.end);
    ag_free(s.xpos);
    ag_free(s.reach);
    ag_free(s.terms);
    if (st != AG_OK) {
        for (size_t k = 0; k < x->n; k++)
            out[k] = AG_NULL;
        ag__truncate(t, m); /* out[] holds no handle to them: nothing escaped */
        return st;
    }
    /* in anomaly mode, a recorded derivative that is not finite from finite
     * inputs (sqrt'(0)) is reported as ag_backward would; the nodes stay */
    return t->anomaly && t->anomaly_seen ? AG_EANOMALY : AG_OK;
}

ag_status ag__grad_nodes_run(ag_tape *t, ag_node y, ag_run x, ag_node *out, const char *fn)
{
    xset xs = {NULL, x, x.n};
    return grad_nodes(t, y, &xs, out, fn);
}

ag_status ag_grad_nodes(ag_tape *t, ag_node y, const ag_node *x, size_t n, ag_node *out)
{
    if (!x)
        return ag__fail(t, AG_EINVAL, "ag_grad_nodes: the list of nodes is NULL");
    xset xs = {x, AG_NULL_RUN, n};
    return grad_nodes(t, y, &xs, out, "ag_grad_nodes");
}
