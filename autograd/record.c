/*
 * record.c: the public constructors. Each checks its handles, makes room,
 * then appends one node whose value the op table computes.
 *
 * Invariant: a constructor either appends exactly one node (two for ops
 * whose constant operand is stored as a node) and returns its handle, or
 * appends nothing, records why on the tape and returns AG_NULL.
 */
#include "tape_internal.h"

/* Every failure path returns through this out-of-line function. Returning
 * the 12-byte handle from two merging paths makes GCC assemble it on the
 * stack and reload it whole: a store-forwarding stall on every node recorded
 * (about a third of the recording time, measured). */
#if defined(__GNUC__)
__attribute__((cold, noinline))
#endif
static ag_node no_node(void)
{
    return AG_NULL;
}

static ag_node leaf(ag_tape *t, ag_op op, double v, const char *fn)
{
    if (ag__reserve(t, 1, 0, fn) != AG_OK)
        return no_node();
    ag_node n = ag__append(t, ag__link(op, 0, 0));
    t->value[n.idx] = v;
    return n;
}

ag_node ag_const(ag_tape *t, double v) { return leaf(t, AG_OP_CONST, v, "ag_const"); }
ag_node ag_var(ag_tape *t, double v) { return leaf(t, AG_OP_VAR, v, "ag_var"); }

/* Every failure path of a run returns through this, as no_node. */
#if defined(__GNUC__)
__attribute__((cold, noinline))
#endif
static ag_run no_run(void)
{
    return AG_NULL_RUN;
}

static ag_run leaf_run(ag_tape *t, ag_op op, const double *v, size_t n, const char *fn)
{
    if (n == 0 || n >= AG_MAX_NODES) {
        ag__fail(t, AG_EINVAL, "%s: a run of %zu leaves (want 1 or more)", fn, n);
        return no_run();
    }
    if (ag__reserve(t, n, 0, fn) != AG_OK)
        return no_run();
    ag_node first = ag__append(t, ag__link(op, 0, 0));
    for (size_t k = 1; k < n; k++)
        ag__append(t, ag__link(op, 0, 0));
    for (size_t k = 0; k < n; k++)
        t->value[first.idx + k] = v ? v[k] : 0.0;
    return (ag_run){first, (uint32_t)n};
}

ag_run ag_consts(ag_tape *t, const double *v, size_t n) { return leaf_run(t, AG_OP_CONST, v, n, "ag_consts"); }
ag_run ag_vars(ag_tape *t, const double *v, size_t n) { return leaf_run(t, AG_OP_VAR, v, n, "ag_vars"); }

static ag_node unary(ag_tape *t, ag_op op, ag_node a, const char *fn)
{
    if (ag__check(t, a, fn, 1) != AG_OK || ag__reserve(t, 1, 0, fn) != AG_OK)
        return no_node();
    return ag__append(t, ag__link(op, a.idx, 0));
}

static ag_node binary(ag_tape *t, ag_op op, ag_node a, ag_node b, const char *fn)
{
    if (ag__check(t, a, fn, 1) != AG_OK || ag__check(t, b, fn, 2) != AG_OK ||
        ag__reserve(t, 1, 0, fn) != AG_OK)
        return no_node();
    return ag__append(t, ag__link(op, a.idx, b.idx));
}

/* An op with a constant operand: the constant becomes a node of its own, so
 * that graphs and traces show it and the table reads it like any input. */
static ag_node with_const(ag_tape *t, ag_op op, ag_node a, double c, const char *fn)
{
    if (ag__check(t, a, fn, 1) != AG_OK)
        return no_node();
    if (ag__reserve(t, 2, 0, fn) != AG_OK) /* both nodes or neither */
        return no_node();
    ag_node cn = ag__append(t, ag__link(AG_OP_CONST, 0, 0));
    t->value[cn.idx] = c;
    return ag__append(t, ag__link(op, a.idx, cn.idx));
}

ag_node ag_add(ag_tape *t, ag_node a, ag_node b) { return binary(t, AG_OP_ADD, a, b, "ag_add"); }
ag_node ag_sub(ag_tape *t, ag_node a, ag_node b) { return binary(t, AG_OP_SUB, a, b, "ag_sub"); }
ag_node ag_mul(ag_tape *t, ag_node a, ag_node b) { return binary(t, AG_OP_MUL, a, b, "ag_mul"); }
ag_node ag_div(ag_tape *t, ag_node a, ag_node b) { return binary(t, AG_OP_DIV, a, b, "ag_div"); }
ag_node ag_powc(ag_tape *t, ag_node a, double c) { return with_const(t, AG_OP_POWC, a, c, "ag_powc"); }

/* The constant operand given as a node: it must be a constant, since the
 * op's derivative treats it as one. */
static ag_node with_const_node(ag_tape *t, ag_op op, ag_node a, ag_node c, const char *fn)
{
    if (ag__check(t, a, fn, 1) != AG_OK || ag__check(t, c, fn, 2) != AG_OK)
        return no_node();
    if (ag__link_op(t->link[c.idx]) != AG_OP_CONST) {
        ag__fail(t, AG_EINVAL, "%s: argument 2 (node #%u) is a %s, not a constant", fn, c.idx,
                 ag_op_info_of(ag__link_op(t->link[c.idx]))->name);
        return no_node();
    }
    if (ag__reserve(t, 1, 0, fn) != AG_OK)
        return no_node();
    return ag__append(t, ag__link(op, a.idx, c.idx));
}

ag_node ag_neg(ag_tape *t, ag_node a) { return unary(t, AG_OP_NEG, a, "ag_neg"); }

/* Check n listed handles and make room for the node and `words` aux words. */
static bool check_list(ag_tape *t, const ag_node *xs, size_t n, int argno, const char *fn)
{
    if (!xs || n == 0 || n >= AG_MAX_NODES) {
        ag__fail(t, AG_EINVAL, "%s: argument %d: %zu operands (want 1 or more)", fn, argno, xs ? n : 0);
        return false;
    }
    for (size_t k = 0; k < n; k++)
        if (ag__check(t, xs[k], fn, argno) != AG_OK)
            return false;
    return true;
}

static ag_node nary_list(ag_tape *t, ag_op op, const ag_node *xs, size_t n, const char *fn)
{
    if (!check_list(t, xs, n, 2, fn) || ag__reserve(t, 1, n, fn) != AG_OK)
        return no_node();
    uint32_t at = t->aux_len;
    for (size_t k = 0; k < n; k++)
        t->aux[at + k] = xs[k].idx;
    t->aux_len += (uint32_t)n;
    return ag__append(t, ag__link(op, at, (uint32_t)n));
}

ag_node ag_logsumexp(ag_tape *t, ag_run x)
{
    const char *fn = "ag_logsumexp";
    if (ag__check_run(t, x, fn, 2) != AG_OK || ag__reserve(t, 1, x.n, fn) != AG_OK)
        return no_node();
    /* the same node as ag_apply(LOGSUMEXP) of the run's nodes: its operand
     * list spelled out in aux */
    uint32_t at = t->aux_len;
    for (uint32_t k = 0; k < x.n; k++)
        t->aux[at + k] = x.first.idx + k;
    t->aux_len += x.n;
    return ag__append(t, ag__link(AG_OP_LOGSUMEXP, at, x.n));
}

ag_node ag_sum(ag_tape *t, ag_run x)
{
    if (ag__check_run(t, x, "ag_sum", 2) != AG_OK || ag__reserve(t, 1, 0, "ag_sum") != AG_OK)
        return no_node();
    return ag__append(t, ag__link(AG_OP_SUM_RUN, x.first.idx, x.n));
}

/* first's index, flagged AG_RUN_CONST when the run of n is all constants
 * (backward then skips its gradients) */
static uint32_t run_word(const ag_tape *t, uint32_t first, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (ag__link_op(t->link[first + k]) != AG_OP_CONST)
            return first;
    return first | AG_RUN_CONST;
}

static bool check_bias(ag_tape *t, ag_node bias, int argno, const char *fn)
{
    return ag_is_null(bias) || ag__check(t, bias, fn, argno) == AG_OK;
}

ag_node ag_dot(ag_tape *t, ag_run w, ag_run x, ag_node bias)
{
    const char *fn = "ag_dot";
    if (ag__check_run(t, w, fn, 2) != AG_OK || ag__check_run(t, x, fn, 3) != AG_OK ||
        !check_bias(t, bias, 4, fn))
        return no_node();
    if (w.n != x.n) {
        ag__fail(t, AG_EINVAL, "%s: runs of %u and %u nodes (want equal lengths)", fn, w.n, x.n);
        return no_node();
    }
    if (ag__reserve(t, 1, 4, fn) != AG_OK)
        return no_node();
    /* a block of one row (ag__dotrow) */
    uint32_t at = t->aux_len, *op = t->aux + at;
    op[0] = run_word(t, w.first.idx, w.n);
    op[1] = run_word(t, x.first.idx, x.n);
    op[2] = ag_is_null(bias) ? AG_NONE : bias.idx;
    op[3] = t->len;
    t->aux_len += 4;
    return ag__append(t, ag__link(AG_OP_DOT_RUN, at, w.n));
}

/* Append n nodes of op whose operands step through (a0 + k da, b0 + k db),
 * then compute their values in one forward sweep. Room must be reserved. */
static ag_run append_run(ag_tape *t, ag_op op, size_t n, uint32_t a0, uint32_t da, uint32_t b0, uint32_t db)
{
    uint32_t first = t->len;
    /* node k's link is node 0's plus k steps: the operand fields never
     * carry into each other (reserve keeps every index below 2^29) */
    uint64_t *lk = t->link + first, l = ag__link(op, a0, b0), step = ag__link(0, da, db);
    for (size_t k = 0; k < n; k++, l += step)
        lk[k] = l;
    t->len += (uint32_t)n;
    if (t->anomaly)
        for (uint32_t i = first; i < t->len; i++)
            t->origin[i] = t->here;
    if (t->first_op > first)
        t->first_op = first;
    ag__forward(t, first, t->len - 1);
    return (ag_run){{first, t->seg[t->nseg - 1].gen, t->serial}, (uint32_t)n};
}

ag_run ag_dot_rows(ag_tape *t, ag_run w, ag_run x, ag_run b)
{
    const char *fn = "ag_dot_rows";
    if (ag__check_run(t, w, fn, 2) != AG_OK || ag__check_run(t, x, fn, 3) != AG_OK ||
        (!ag_run_is_null(b) && ag__check_run(t, b, fn, 4) != AG_OK))
        return no_run();
    /* n_out from the biases when there are some: no division on the path
     * of every layer of every step */
    size_t n_in = x.n, n_out = ag_run_is_null(b) ? w.n / x.n : b.n;
    if ((size_t)w.n != n_out * n_in) {
        ag__fail(t, AG_EINVAL, "%s: %u weights for %u inputs%s%u biases (want n_out x %u weights and n_out biases)",
                 fn, w.n, x.n, ag_run_is_null(b) ? ", no biases" : " and ", ag_run_is_null(b) ? 0 : b.n, x.n);
        return no_run();
    }
    if (ag__reserve(t, n_out, 4, fn) != AG_OK)
        return no_run();
    /* one block for the layer (ag__dotrow): node j reads row j */
    uint32_t at = t->aux_len, *op = t->aux + at;
    op[0] = run_word(t, w.first.idx, w.n);
    op[1] = run_word(t, x.first.idx, n_in);
    op[2] = ag_run_is_null(b) ? AG_NONE : b.first.idx;
    op[3] = t->len;
    t->aux_len += 4;
    return append_run(t, AG_OP_DOT_RUN, n_out, at, 0, (uint32_t)n_in, 0);
}

/* A DOT from its inputs in ag_node_input's order: w_0, x_0, w_1, x_1, ...
 * and the bias last when n is odd. */
static ag_node dot_interleaved(ag_tape *t, const ag_node *in, size_t n, const char *fn)
{
    size_t m = n / 2;
    if (m == 0 || !check_list(t, in, n, 3, fn) || ag__reserve(t, 1, 2 * m + 1, fn) != AG_OK)
        return no_node();
    uint32_t at = t->aux_len, *op = t->aux + at;
    op[0] = n % 2 ? in[n - 1].idx : AG_NONE;
    for (size_t k = 0; k < m; k++) {
        op[1 + k] = in[2 * k].idx;
        op[1 + m + k] = in[2 * k + 1].idx;
    }
    t->aux_len += (uint32_t)(2 * m + 1);
    return ag__append(t, ag__link(AG_OP_DOT, at, (uint32_t)m));
}

ag_run ag_map(ag_tape *t, ag_op op, ag_run a, ag_run b)
{
    const char *fn = "ag_map";
    int arity = (unsigned)op < AG_OP_COUNT ? ag__ops[op].arity : 0;
    if (ag_run_is_null(b) && b.n == 0) { /* unary */
        if (arity != 1) {
            ag__fail(t, AG_EINVAL, "%s: op %s is not unary (b is AG_NULL_RUN)", fn, ag_op_info_of(op)->name);
            return no_run();
        }
        if (ag__check_run(t, a, fn, 3) != AG_OK || ag__reserve(t, a.n, 0, fn) != AG_OK)
            return no_run();
        return append_run(t, op, a.n, a.first.idx, 1, 0, 0);
    }
    if (arity != 2) {
        ag__fail(t, AG_EINVAL, "%s: op %s is not binary", fn, ag_op_info_of(op)->name);
        return no_run();
    }
    if (ag__check_run(t, a, fn, 3) != AG_OK || ag__check_run(t, b, fn, 4) != AG_OK)
        return no_run();
    uint32_t n = a.n > b.n ? a.n : b.n;
    if ((a.n != n && a.n != 1) || (b.n != n && b.n != 1)) {
        ag__fail(t, AG_EINVAL, "%s: runs of %u and %u nodes (want equal lengths, or one of 1)", fn, a.n, b.n);
        return no_run();
    }
    if (op == AG_OP_POWC || op == AG_OP_LEAKY_RELU)
        for (uint32_t k = 0; k < b.n; k++)
            if (ag__link_op(t->link[b.first.idx + k]) != AG_OP_CONST) {
                ag__fail(t, AG_EINVAL, "%s: argument 4: node #%u is a %s, not a constant", fn, b.first.idx + k,
                         ag_op_info_of(ag__link_op(t->link[b.first.idx + k]))->name);
                return no_run();
            }
    if (ag__reserve(t, n, 0, fn) != AG_OK)
        return no_run();
    return append_run(t, op, n, a.first.idx, a.n > 1, b.first.idx, b.n > 1);
}

/* How errors name a call by op ("ag_unary(exp): argument 1 ..."). */
typedef struct call_names {
    const char *unary, *binary, *apply;
} call_names;
#define CALL_NAMES_(ENUM, stem, sym, n, form, kink, d) \
    [AG_OP_##ENUM] = {"ag_unary(" #stem ")", "ag_binary(" #stem ")", "ag_apply(" #stem ")"},
static const call_names call_name[AG_OP_COUNT] = {AG_OPLIST(CALL_NAMES_)};
#undef CALL_NAMES_

/* "ag_binary: exp is not a binary op", or the number of a value that is
 * not an op at all */
static void not_an_op_of(ag_tape *t, const char *fn, ag_op op, const char *want)
{
    if ((unsigned)op < AG_OP_COUNT)
        ag__fail(t, AG_EINVAL, "%s: %s is not %s", fn, ag__ops[op].name, want);
    else
        ag__fail(t, AG_EINVAL, "%s: %d is not an op (the ops are 0..%d)", fn, (int)op, AG_OP_COUNT - 1);
}

ag_node ag_unary(ag_tape *t, ag_op op, ag_node a)
{
    if ((unsigned)op >= AG_OP_COUNT || ag__ops[op].arity != 1) {
        not_an_op_of(t, "ag_unary", op, "a unary op");
        return no_node();
    }
    return unary(t, op, a, call_name[op].unary);
}

ag_node ag_binary(ag_tape *t, ag_op op, ag_node a, ag_node b)
{
    if ((unsigned)op >= AG_OP_COUNT || ag__ops[op].arity != 2) {
        not_an_op_of(t, "ag_binary", op, "a binary op");
        return no_node();
    }
    if (op == AG_OP_POWC || op == AG_OP_LEAKY_RELU)
        return with_const_node(t, op, a, b, call_name[op].binary);
    return binary(t, op, a, b, call_name[op].binary);
}

ag_node ag_apply(ag_tape *t, ag_op op, const ag_node *in, size_t n)
{
    if ((unsigned)op >= AG_OP_COUNT || ag__is_leaf(op)) {
        not_an_op_of(t, "ag_apply", op, "an op with inputs");
        return no_node();
    }
    const char *fn = call_name[op].apply;
    int arity = ag__ops[op].arity;
    if (!in) {
        ag__fail(t, AG_EINVAL, "%s: the list of inputs is NULL", fn);
        return no_node();
    }
    if ((arity >= 0 && n != (size_t)arity) || n == 0) {
        if (arity >= 0)
            ag__fail(t, AG_EINVAL, "%s: takes %d input%s, not %zu", fn, arity, arity == 1 ? "" : "s", n);
        else
            ag__fail(t, AG_EINVAL, "%s: takes 1 or more inputs, not 0", fn);
        return no_node();
    }
    switch (op) {
    case AG_OP_POWC:
    case AG_OP_LEAKY_RELU:
        return with_const_node(t, op, in[0], in[1], fn);
    case AG_OP_SUM:
    case AG_OP_SUM_RUN:
        return nary_list(t, AG_OP_SUM, in, n, fn);
    case AG_OP_LOGSUMEXP:
        return nary_list(t, AG_OP_LOGSUMEXP, in, n, fn);
    case AG_OP_DOT:
    case AG_OP_DOT_RUN:
        return dot_interleaved(t, in, n, fn);
    default:
        break;
    }
    if (arity == 1)
        return unary(t, op, in[0], fn);
    return binary(t, op, in[0], in[1], fn);
}
