/*
 * deriv.c: derivatives inside the language. d(f, x) is the derivative of f
 * with respect to x recorded as nodes (ag_grad_nodes, the engine's
 * recorded backward pass), so it is a value like any other: it can be
 * named, used in expressions and claims, and differentiated again,
 * d(d(f, x), x). A claim d2L/dw2 = H is checked as d(d(L, w), w) against H.
 *
 * Shapes, as for claims: f scalar gives x's shape; f a vector of n and x a
 * scalar gives n entries; f a vector of n and x a vector of m gives the
 * n x m Jacobian (row i = d f_i). x is usually a name (an input or an
 * intermediate); an expression recorded after f (d(f, 2*x)) is a new node
 * that f does not depend on, and gives 0.
 */
#include "builtins.h"
#include "deriv.h"

#include <string.h>

/* out = d f / d x as nodes, with the shape rules above. */
static bool derive(ev *e, const ex_node *at, val f, val x, val *out)
{
    ag_tape *t = e->r->t;
    size_t nf = lg__size(f.s), nx = lg__size(x.s);
    lg_shape s;
    if (f.s.ndim == 0)
        s = x.s;
    else if (x.s.ndim == 0)
        s = f.s;
    else if (f.s.ndim == 1 && x.s.ndim == 1)
        s = (lg_shape){2, nf, nx};
    else {
        char a[32], b[32];
        lg__fail(e, at, AG_EINVAL, "d(f, x): f is %s and x is %s: a derivative of a matrix, or with respect to one, "
                                   "needs a scalar on the other side",
                 lg__shape_str(f.s, a, sizeof a), lg__shape_str(x.s, b, sizeof b));
        return false;
    }
    if (!lg__val_new(e, s, out))
        return false;
    for (size_t i = 0; i < nf; i++)
        if (ag_grad_nodes(t, f.n[i], x.n, nx, out->n + i * nx) != AG_OK) {
            lg__fail(e, at, ag_tape_status(t), "d(f, x): %s", ag_tape_error(t));
            ag_tape_clear_error(t);
            return false;
        }
    return true;
}

bool lg__f_d(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    (void)n;
    return derive(e, at, a[0], a[1], out);
}

bool lg__claim_order(ev *e, int order, val *f, val x)
{
    for (int k = 1; k < order; k++) {
        if (k > 1 && x.s.ndim != 0) {
            lg__fail(e, NULL, AG_EINVAL, "a derivative of order %d with respect to a vector is a tensor: claim "
                                         "entries, or use d(...) on a scalar", order);
            return false;
        }
        val g;
        if (!derive(e, NULL, *f, x, &g))
            return false;
        *f = g;
    }
    return true;
}
