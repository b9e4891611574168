/*
 * op_fns.h (tests only): every op of the list as a function, for tests
 * that keep tables of ops as function pointers: u_exp(t, a) is
 * ag_unary(t, AG_OP_EXP, a) and b_max(t, a, b) is ag_binary(t, AG_OP_MAX,
 * a, b). Generated from the op list, so a new op has its pair here too
 * (the wrong arity for an op is the engine's AG_EINVAL, never called).
 */
#ifndef AGRAD_TESTS_OP_FNS_H
#define AGRAD_TESTS_OP_FNS_H

#include "autograd.h"

#define OP_FNS_(ENUM, stem, sym, n, form, kink, d)                                              \
    static inline ag_node u_##stem(ag_tape *t, ag_node a) { return ag_unary(t, AG_OP_##ENUM, a); } \
    static inline ag_node b_##stem(ag_tape *t, ag_node a, ag_node b) { return ag_binary(t, AG_OP_##ENUM, a, b); }
AG_OPLIST(OP_FNS_)
#undef OP_FNS_

/* Sample inputs for every op (enough for the n-ary ones): two points inside
 * every domain, each side of the kinks (relu, abs, leaky_relu, sign, step at
 * 0; min/max ties), away from both; OP_AT_POS for the ops that need a > 0
 * (log, sqrt, pow, powc), the same magnitudes made positive. */
static const double OP_AT_1[] = {0.7, 1.3, 0.45, -0.6, 0.9, 0.2};
static const double OP_AT_2[] = {-0.35, 0.8, 1.6, 0.25, -1.1, 0.5};
static const double OP_AT_POS[] = {0.35, 0.8, 1.6, 0.25, 1.1, 0.5};
static inline bool op_needs_positive(ag_op op)
{
    return op == AG_OP_LOG || op == AG_OP_SQRT || op == AG_OP_POW || op == AG_OP_POWC;
}

/* The handles of run r's nodes in out[0..r.n), for calls that take listed
 * nodes (ag_grad_nodes). */
static inline const ag_node *run_nodes(ag_tape *t, ag_run r, ag_node *out)
{
    for (uint32_t k = 0; k < r.n; k++)
        out[k] = ag_at(t, r, k);
    return out;
}

#endif
