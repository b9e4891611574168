/*
 * dops_tmp.c: TEMPORARY stand-in for the op list's derivative-as-ops field
 * (core's api-v1 brings it into the op list itself; this file goes then).
 * ag__dop(t, y, k) records d y / d input_k as nodes with public ag_* calls.
 */
#include "tape_internal.h"

ag_node ag__dop(ag_tape *t, ag_node y, size_t k);

ag_node ag__dop(ag_tape *t, ag_node y, size_t k)
{
    ag_op op = ag__link_op(t->link[y.idx]);
    if (op == AG_OP_DOT_RUN || op == AG_OP_DOT) {
        size_t n = ag__arity(t, y.idx);
        if (n % 2 == 1 && k == n - 1)
            return ag_const(t, 1.0); /* the bias */
        return ag__handle(t, ag__input(t, y.idx, k ^ 1));
    }
    ag_node a = ag_node_input(t, y, 0);
    ag_node b = ag_node_arity(t, y) > 1 ? ag_node_input(t, y, 1) : AG_NULL;
    switch (op) {
    case AG_OP_ADD:
        return ag_const(t, 1.0);
    case AG_OP_SUB:
        return ag_const(t, k == 0 ? 1.0 : -1.0);
    case AG_OP_MUL:
        return k == 0 ? b : a;
    case AG_OP_DIV:
        return k == 0 ? ag_powc(t, b, -1.0) : ag_neg(t, ag_div(t, y, b));
    case AG_OP_POW:
        return k == 0 ? ag_mul(t, b, ag_pow(t, a, ag_sub(t, b, ag_const(t, 1.0))))
                      : ag_mul(t, y, ag_log(t, a));
    case AG_OP_POWC: {
        double c = t->value[b.idx];
        if (c == 0)
            return ag_const(t, 0.0);
        return ag_mul(t, b, ag_powc(t, a, c - 1.0));
    }
    case AG_OP_NEG:
        return ag_const(t, -1.0);
    case AG_OP_EXP:
        return y;
    case AG_OP_LOG:
        return ag_powc(t, a, -1.0);
    case AG_OP_SQRT:
        return ag_mul(t, ag_const(t, 0.5), ag_powc(t, y, -1.0));
    case AG_OP_SIN:
        return ag_cos(t, a);
    case AG_OP_COS:
        return ag_neg(t, ag_sin(t, a));
    case AG_OP_TANH:
        return ag_sub(t, ag_const(t, 1.0), ag_mul(t, y, y));
    case AG_OP_SIGMOID:
        return ag_mul(t, y, ag_sigmoid(t, ag_neg(t, a)));
    case AG_OP_SOFTPLUS:
        return ag_sigmoid(t, a);
    case AG_OP_ABS:
    case AG_OP_RELU:
    case AG_OP_LEAKY_RELU:
    case AG_OP_MIN:
    case AG_OP_MAX: {
        /* not replay-safe: the stand-in freezes the branch as a constant */
        double x = t->value[a.idx], bv = b.idx != AG_NULL_IDX ? t->value[b.idx] : 0.0;
        double d = 0.0;
        if (op == AG_OP_ABS)
            d = x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
        else if (op == AG_OP_RELU)
            d = x > 0;
        else if (op == AG_OP_LEAKY_RELU)
            d = k == 0 ? (x > 0 ? 1.0 : bv) : 0.0;
        else if (op == AG_OP_MIN)
            d = (x <= bv) == (k == 0);
        else
            d = (x >= bv) == (k == 0);
        return ag_const(t, d);
    }
    case AG_OP_SUM:
    case AG_OP_SUM_RUN:
        return ag_const(t, 1.0);
    case AG_OP_DOT:
    case AG_OP_DOT_RUN: {
        size_t n = ag_node_arity(t, y);
        if (n % 2 == 1 && k == n - 1)
            return ag_const(t, 1.0); /* the bias */
        return ag_node_input(t, y, k ^ 1);
    }
    case AG_OP_LOGSUMEXP:
        return ag_exp(t, ag_sub(t, ag_node_input(t, y, k), y));
    default:
        return ag_const(t, 0.0);
    }
}
