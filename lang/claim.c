/*
 * claim.c: evaluating one claim at one point.
 *
 * A claim dF/dX = expr compares d F / d X from autodiff with the value of
 * expr. Shapes: F scalar gives X's shape; F a vector of n and X a scalar
 * gives n entries; F a vector of n and X a vector of m gives the n x m
 * Jacobian (row i = d F_i). Indices pick entries: dL/dW[2,1] is one entry;
 * an index that is not a name of the program is an index variable
 * (ds[i]/dx[k] = if(i == k, ...)), and expr is then evaluated once per
 * value of the variables (1-based), with them in scope.
 *
 * X may be any named value, inputs and intermediates alike: an
 * intermediate's entries are interior nodes, and after ag_backward(F_i)
 * their gradients are dF_i/dX (nodes recorded after F_i get 0).
 */
#include "claim.h"
#include "deriv.h"
#include "lex.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void lg__claim_lhs(const lg_prog *p, const stmt *st, char *buf, size_t size)
{
    char idx[2][48] = {"", ""};
    const int *ix[2] = {st->of_idx, st->wrt_idx};
    int nx[2] = {st->n_of_idx, st->n_wrt_idx};
    for (int h = 0; h < 2; h++) {
        size_t w = 0;
        for (int k = 0; k < nx[h]; k++) {
            const ex_node *x = &p->ex[ix[h][k]];
            int m = x->kind == EX_NAME ? snprintf(idx[h] + w, sizeof idx[h] - w, "%s%.8s", k ? "," : "[", x->name)
                                       : snprintf(idx[h] + w, sizeof idx[h] - w, "%s%g", k ? "," : "[", x->num);
            if (m > 0 && (size_t)m < sizeof idx[h] - w)
                w += (size_t)m;
        }
        if (nx[h] && w + 2 < sizeof idx[h])
            memcpy(idx[h] + w, "]", 2);
    }
    if (st->order > 1)
        snprintf(buf, size, "d%d%.40s%s/d%.40s%s%d", st->order, st->of, idx[0], st->wrt, idx[1], st->order);
    else
        snprintf(buf, size, "d%.40s%s/d%.40s%s", st->of, idx[0], st->wrt, idx[1]);
}

double lg__scale(const double *a, size_t n)
{
    double s = 0;
    for (size_t k = 0; k < n; k++)
        if (isfinite(a[k]) && fabs(a[k]) > s)
            s = fabs(a[k]);
    return s;
}

bool lg__close(double a, double b, double rtol, double stol, double scale, double round)
{
    if (a == b || (isnan(a) && isnan(b)))
        return true;
    return fabs(a - b) <= rtol * fmax(fabs(a), fabs(b)) + stol * scale + round;
}

const lg_check_opts lg__check_defaults = {20, 0.25, 1e-9, 1e-12};

bool lg_agrees(double a, double b, const lg_check_opts *o, double scale, ag_tape *t, size_t from, ag_node formula)
{
    if (!o) /* as lg_check: NULL is the defaults */
        o = &lg__check_defaults;
    if (lg__close(a, b, o->rtol, o->stol, scale, 0.0))
        return true;
    return t && isfinite(b) && lg__close(a, b, o->rtol, o->stol, scale, lg__rounding(t, from, formula));
}

double lg__rounding(ag_tape *t, size_t from, ag_node entry)
{
    ag_op op = ag_node_op(t, entry);
    if (op == AG_OP_CONST || op == AG_OP_VAR)
        return 0.0;
    ag_zero_grad(t);
    if (ag_backward(t, entry) != AG_OK) {
        ag_tape_clear_error(t);
        return 0.0;
    }
    /* sum over the formula's own nodes of |d entry/d node| |node|: each
     * node's value carries a relative rounding error of about eps */
    double s = 0.0;
    for (size_t i = from; i <= entry.idx; i++) {
        ag_node n = ag_node_from_index(t, i);
        ag_op o = ag_node_op(t, n);
        if (o == AG_OP_CONST || o == AG_OP_VAR)
            continue;
        double g = ag_grad(t, n), v = ag_value(t, n);
        if (isfinite(g * v))
            s += fabs(g * v);
    }
    return 8.0 * DBL_EPSILON * s;
}

void lg__cm_free(cm *m)
{
    ag_free(m->a);
    ag_free(m->b);
    ag_free(m->bn);
    memset(m, 0, sizeof *m);
}

/* d f / d xs[k] into out[k]: one backward sweep from f. */
static void grads_of(lg_run *r, ag_node f, const ag_node *xs, size_t n, double *out)
{
    ag_tape *t = r->t;
    bool leaf_const = ag_node_op(t, f) == AG_OP_CONST;
    if (!leaf_const) {
        ag_zero_grad(t);
        if (ag_backward(t, f) != AG_OK)
            ag_tape_clear_error(t); /* an anomaly: the values say it */
    }
    for (size_t k = 0; k < n; k++)
        out[k] = leaf_const || xs[k].idx > f.idx ? 0.0 : ag_grad(t, xs[k]);
}

/* The value a claim's name stands for; else the error, at the name. */
static const binding *value_of(lg_run *r, const char *name, int col, const stmt *st, ag_error *err)
{
    const binding *b = lg__lookup(r, name);
    if (!b) {
        err->status = LG_ENOTFOUND;
        snprintf(err->message, sizeof err->message, "the claim is about '%.64s', which the program does not define",
                 name);
        err->line = st->line;
        err->column = col;
    }
    return b;
}

/* Index variables: names in the claim's indices that the program does not
 * define. Their ranges come from the axis they index. */
typedef struct ivars {
    const char *name[2];
    size_t range[2];
    int n;
} ivars;

static void find_ivars(lg_run *r, const stmt *st, lg_shape fs, lg_shape xs, ivars *iv)
{
    const int *ix[2] = {st->of_idx, st->wrt_idx};
    int nx[2] = {st->n_of_idx, st->n_wrt_idx};
    lg_shape sh[2] = {fs, xs};
    iv->n = 0;
    for (int h = 0; h < 2; h++) {
        for (int k = 0; k < nx[h]; k++) {
            const ex_node *x = &r->p->ex[ix[h][k]];
            if (x->kind != EX_NAME || lg__lookup(r, x->name))
                continue;
            bool seen = false;
            for (int v = 0; v < iv->n; v++)
                seen = seen || strcmp(iv->name[v], x->name) == 0;
            if (!seen && iv->n < 2) {
                iv->name[iv->n] = x->name;
                iv->range[iv->n] = k == 0 ? sh[h].rows : sh[h].cols;
                iv->n++;
            }
        }
    }
}

/* The node picked by the indices of one side, NULL-safe. */
static bool pick(ev *e, const int *ix, int n, val v, ag_node *out)
{
    val idx[2], one;
    for (int k = 0; k < n; k++)
        if (!lg__eval_expr(e, ix[k], &idx[k]))
            return false;
    if (!lg__index(e, &e->r->p->ex[ix[0]], v, idx, n, &one))
        return false;
    *out = one.n[0];
    return true;
}

static bool alloc_cm(cm *m, size_t na, size_t nb)
{
    m->a = ag_realloc(NULL, (na ? na : 1) * sizeof *m->a);
    m->b = ag_realloc(NULL, (nb ? nb : 1) * sizeof *m->b);
    m->bn = ag_realloc(NULL, (nb ? nb : 1) * sizeof *m->bn);
    return m->a && m->b && m->bn;
}

/* Whether a node recorded from `from` on is not finite. */
static bool overflowed(ag_tape *t, size_t from)
{
    for (size_t i = from; i < ag_tape_len(t); i++)
        if (!isfinite(ag_value(t, ag_node_from_index(t, i))))
            return true;
    return false;
}

static bool eval_indexed(ev *e, const stmt *st, val F, val X, const ivars *iv, cm *m)
{
    lg_run *r = e->r;
    size_t n0 = iv->range[0], n1 = iv->n > 1 ? iv->range[1] : 1, n = n0 * n1;
    m->sa = m->sb = iv->n > 1 ? (lg_shape){2, n0, n1} : (lg_shape){1, n0, 1};
    if (!alloc_cm(m, n, n)) {
        lg__fail(e, NULL, AG_ENOMEM, "out of memory");
        return false;
    }
    m->of_finite = true;
    size_t nb0 = r->nb;
    for (size_t k = 0; k < n && !e->failed; k++) {
        size_t v[2] = {k / n1 + 1, k % n1 + 1};
        lg__unbind_to(r, nb0);
        for (int q = 0; q < iv->n && q < 2; q++) {
            val c = {{0, 1, 1}, NULL};
            if (!lg__val_new(e, (lg_shape){0, 1, 1}, &c))
                break;
            c.n[0] = ag_const(r->t, (double)v[q]);
            lg__bind(e, iv->name[q], c, -1);
        }
        ag_node f = F.n[0], x = X.n[0];
        if ((st->n_of_idx && !pick(e, st->of_idx, st->n_of_idx, F, &f)) ||
            (st->n_wrt_idx && !pick(e, st->wrt_idx, st->n_wrt_idx, X, &x)))
            break;
        m->of_finite = m->of_finite && isfinite(ag_value(r->t, f));
        grads_of(r, f, &x, 1, &m->a[k]);
        val b;
        size_t claim_start = ag_tape_len(r->t);
        if (!lg__eval_expr(e, st->expr, &b))
            break;
        m->overflowed = m->overflowed || overflowed(r->t, claim_start);
        if (b.s.ndim != 0) {
            lg__fail(e, &r->p->ex[st->expr], AG_EINVAL, "an entry-wise claim must be a scalar for each index");
            break;
        }
        m->bn[k] = b.n[0];
        m->b[k] = ag_value(r->t, b.n[0]);
    }
    lg__unbind_to(r, nb0);
    return !e->failed;
}

bool lg__claim_eval(lg_run *r, const stmt *st, cm *m, ag_error *err)
{
    memset(m, 0, sizeof *m);
    memset(err, 0, sizeof *err);
    ev e = {.r = r, .err = err};
    const binding *fb = value_of(r, st->of, st->of_col, st, err),
                  *xb = fb ? value_of(r, st->wrt, st->wrt_col, st, err) : NULL;
    if (!xb)
        return false;
    val F = fb->v, X = xb->v;
    ivars iv;
    find_ivars(r, st, F.s, X.s, &iv);
    if (iv.n > 0)
        return eval_indexed(&e, st, F, X, &iv, m);
    if (st->n_of_idx) {
        ag_node f;
        if (!pick(&e, st->of_idx, st->n_of_idx, F, &f) || !lg__val_new(&e, (lg_shape){0, 1, 1}, &F))
            return false;
        F.n[0] = f;
    }
    if (st->n_wrt_idx) {
        ag_node x;
        if (!pick(&e, st->wrt_idx, st->n_wrt_idx, X, &x) || !lg__val_new(&e, (lg_shape){0, 1, 1}, &X))
            return false;
        X.n[0] = x;
    }
    if (st->order > 1 && X.s.ndim != 0 && (F.s.ndim != 0 || X.s.ndim == 2)) {
        /* said here, with the claim's own names and shapes: past the first
         * derivative F would be a Jacobian, named as if it were F */
        char a[32], b[32], how[160];
        if (F.s.ndim != 0)
            snprintf(how, sizeof how, "of a vector or matrix with respect to a vector is a tensor: claim it for one "
                     "entry (d%d%s[i]/d%s%d)", st->order, st->of, st->wrt, st->order);
        else
            snprintf(how, sizeof how, "with respect to a matrix is a tensor: claim it with respect to a vector (the "
                     "Hessian)");
        lg__fail(&e, NULL, AG_EINVAL, "%s is %s and %s is %s: a derivative of order %d %s", st->of,
                 lg__shape_str(F.s, a, sizeof a), st->wrt, lg__shape_str(X.s, b, sizeof b), st->order, how);
        err->line = st->line;
        err->column = st->of_col;
        return false;
    }
    if (st->order > 1 && !lg__claim_order(&e, st->order, &F, X)) {
        err->line = st->line;
        err->column = st->col;
        return false;
    }
    size_t nf = lg__size(F.s), nx = lg__size(X.s);
    if (F.s.ndim == 0)
        m->sa = X.s;
    else if (X.s.ndim == 0)
        m->sa = F.s;
    else if (F.s.ndim == 1 && X.s.ndim == 1)
        m->sa = (lg_shape){2, nf, nx};
    else {
        char a[32], b[32];
        lg__fail(&e, NULL, AG_EINVAL,
                 "%s is %s and %s is %s: a claim about a matrix needs a scalar on the other side; pick entries "
                 "(d%s[i,j]/d%s)", st->of, lg__shape_str(F.s, a, sizeof a), st->wrt, lg__shape_str(X.s, b, sizeof b),
                 st->of, st->wrt);
        err->line = st->line;
        err->column = st->col;
        return false;
    }
    val B;
    size_t claim_start = ag_tape_len(r->t);
    if (!lg__eval_expr(&e, st->expr, &B))
        return false;
    m->overflowed = overflowed(r->t, claim_start);
    m->sb = B.s;
    size_t na = nf * nx, nb = lg__size(B.s);
    if (!alloc_cm(m, na, nb)) {
        lg__fail(&e, NULL, AG_ENOMEM, "out of memory");
        return false;
    }
    m->of_finite = true;
    for (size_t i = 0; i < nf; i++) {
        m->of_finite = m->of_finite && isfinite(ag_value(r->t, F.n[i]));
        grads_of(r, F.n[i], X.n, nx, m->a + i * nx);
    }
    for (size_t k = 0; k < nb; k++) {
        m->bn[k] = B.n[k];
        m->b[k] = ag_value(r->t, B.n[k]);
    }
    return true;
}

ag_status lg_jacobian(lg_run *r, lg_value of, lg_value wrt, double *out, lg_shape *shape, ag_error *err)
{
    ag_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    size_t nf = lg__size(of.shape), nx = lg__size(wrt.shape);
    if (!r || !out || !of.nodes || !wrt.nodes) {
        err->status = AG_ENULL;
        snprintf(err->message, sizeof err->message, "lg_jacobian: NULL argument");
        return err->status;
    }
    if (of.shape.ndim == 0)
        *shape = wrt.shape;
    else if (wrt.shape.ndim == 0)
        *shape = of.shape;
    else if (of.shape.ndim == 1 && wrt.shape.ndim == 1)
        *shape = (lg_shape){2, nf, nx};
    else {
        err->status = AG_EINVAL;
        snprintf(err->message, sizeof err->message,
                 "a Jacobian of a matrix, or with respect to a matrix, needs a scalar on the other side");
        return err->status;
    }
    for (size_t i = 0; i < nf; i++)
        grads_of(r, of.nodes[i], wrt.nodes, nx, out + i * nx);
    return AG_OK;
}
