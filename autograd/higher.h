/*
 * higher.h: higher-order derivatives. Included by autograd.h; part of the
 * engine's public API.
 *
 * ag_grad_nodes records the backward pass of y on the tape as ordinary
 * nodes: each gradient dy/dx_k is a node of its own, with a value, that any
 * op can use and that can be differentiated again (grad of grad, to any
 * order), named, traced, replayed with ag_forward and dropped by a rewind.
 * Every local derivative it records comes from the op list (the op's
 * derivative-as-ops, beside its value and its numeric derivative), so the
 * recorded gradients are exactly the chain rule ag_backward applies, in ops.
 * ag_backward itself records nothing and keeps its speed.
 *
 * Numbers out, nothing left on the tape:
 *   - ag_hvp:      H v, the Hessian of y times a vector, by forward over
 *                  reverse, which records nothing: a tangent sweep (x' = v)
 *                  and one backward sweep of each adjoint and its tangent,
 *                  through every op's second derivative (jv_/hv_ kernels,
 *                  kernels.h, one pair per row of the op list);
 *   - ag_hvp_recorded: the same by reverse over reverse (record the
 *                  gradient g, then backward from g . v);
 *   - ag_hessian:  the full n x n Hessian (row k = H e_k by ag_hvp);
 *   - ag_jacobian: the m x n Jacobian of m outputs (one backward per output).
 * These leave every value and gradient on the tape as they found it
 * (variables do not accumulate), and the tape as long as it was.
 *
 * Why ag_hvp is forward over reverse: measured in bench/hess.c, reverse
 * over reverse costs 16-30x a gradient on the W1/W2 models (one recorded
 * term per edge, gathered into dots over listed nodes), forward over
 * reverse 2-3x: its sweeps run a layer as dot kernels over runs, like
 * ag_backward. Its price is a second derivative per op as a number (the
 * jv_/hv_ kernels; a row without them does not compile). The Hessian
 * follows: n products beat one recorded backward and a plain backward per
 * row (bench/hess.c measures both), and record nothing.
 *
 * Semantics (tested, tests/test_hess_*.c; ag_hvp's kernels follow the
 * same conventions, so both HVPs agree to rounding, test_hess_fwd.c):
 *   - The recorded gradient of y with respect to x_k is the total derivative
 *     through every path, as ag_backward gives; a node of x that y does not
 *     depend on gets the constant 0. No value steers what is recorded
 *     (zero gradients are not pruned, unlike ag_backward's sweep): the
 *     recorded graph depends on the graph of y only, so replay is exact.
 *   - Kinks keep ag_backward's conventions in every order: relu' = step,
 *     so relu'' = 0 everywhere, 0 at 0 included; abs' = sign, abs'' = 0;
 *     max/min send a tie to their first argument at every order, and their
 *     second derivatives are 0. Where an op's first derivative is already
 *     infinite (sqrt and log at 0, pow(0, c) with 0 < c < 1), the next one
 *     is too, and a zero upstream times it gives NaN, not 0.
 *   - pow(0, c) with a constant c: d^k/dx^k x^c = c (c-1) ... (c-k+1)
 *     x^(c-k), with 0^0 = 1 and a factor (c - j) = 0 ending the chain:
 *     x^2 at 0 gives 0, 2, 0, 0, ... pow(a, b) with a node exponent at
 *     a = 0 gives NaN where ag_backward takes the limit 0 (b a^(b-1) at
 *     b = 0, a^b log a): a value-dependent limit no ops express without
 *     branching; use powc for a constant exponent.
 *   - sigmoid, tanh, softplus and logsumexp keep their relative accuracy in
 *     the tails at higher orders: their derivatives are recorded in forms
 *     that never subtract nearly equal numbers there (sigmoid' =
 *     sigmoid(x) sigmoid(-x), tanh' = 4 sigmoid(2x) sigmoid(-2x), softplus' = sigmoid,
 *     logsumexp' = exp(x_k - y)).
 *
 * Anomaly mode: ag_grad_nodes returns AG_EANOMALY (its nodes recorded,
 * the message naming the first one) when a derivative it records is NaN or
 * infinite from finite inputs (sqrt at 0), as ag_backward does. ag_hvp
 * (and ag_hessian) check nothing there: a NaN or infinity shows in H v.
 *
 * Bad input: the dense results refuse, before allocating anything, a size
 * whose matrix would exceed half the machine's memory (AG_ENOMEM with the
 * size in the message); stale or foreign handles are refused as everywhere
 * (AG_ESTALE, AG_EFOREIGN). A failure (out of memory while recording)
 * rewinds what the call recorded and leaves the error on the tape.
 */
#ifndef AGRAD_HIGHER_H
#define AGRAD_HIGHER_H

#include "autograd.h"

/* Record out[k] = dy/dx_k for the n listed nodes x[0..n) (any nodes,
 * repeats allowed: parameters, entries of a vector that is not one run,
 * intermediates), as new nodes after y. AG_OK, or the error (also on the
 * tape; out is then all AG_NULL and nothing is left recorded). */
ag_status ag_grad_nodes(ag_tape *t, ag_node y, const ag_node *x, size_t n, ag_node *out);

/* hv = H v, H the Hessian of y with respect to run x (x.n entries each),
 * by forward over reverse: numbers only, nothing recorded; scratch kept
 * on the tape (allocated once, grown with it). Every node of x must be a
 * variable (AG_EINVAL otherwise: a constant has no derivative, and for a
 * computed node use ag_hvp_recorded or ag_grad_nodes). */
ag_status ag_hvp(ag_tape *t, ag_node y, ag_run x, const double *v, double *hv);

/* The same by reverse over reverse (ag_grad_nodes, then one backward from
 * g . v): slower (bench/hess.c measures both); the oracle of ag_hvp's
 * tests, since the two share no second-derivative code. */
ag_status ag_hvp_recorded(ag_tape *t, ag_node y, ag_run x, const double *v, double *hv);

/* *h = the x.n x x.n Hessian of y, row-major, H[i][j] =
 * d^2 y / dx_i dx_j, in a block from ag_realloc (free it with ag_free).
 * x: variables, as for ag_hvp. */
ag_status ag_hessian(ag_tape *t, ag_node y, ag_run x, double **h);

/* *j = the m x x.n Jacobian of ys[0..m), row-major, J[i][k] =
 * d ys[i] / dx_k, allocated as for ag_hessian. */
ag_status ag_jacobian(ag_tape *t, const ag_node *ys, size_t m, ag_run x, double **j);

#endif /* AGRAD_HIGHER_H */
