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

/* The handles of run r's nodes in out[0..r.n), for calls that take listed
 * nodes (ag_grad_nodes). */
static inline const ag_node *run_nodes(ag_tape *t, ag_run r, ag_node *out)
{
    for (uint32_t k = 0; k < r.n; k++)
        out[k] = ag_at(t, r, k);
    return out;
}

#endif
