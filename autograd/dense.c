/*
 * dense.c: numbers out of second order: the Hessian-vector product by
 * forward over reverse (the sweeps' tangent mode, no recording) and by
 * reverse over reverse (the recorded backward pass, higher.c), the full
 * Hessian (n products) and the Jacobian (ordinary backward sweeps).
 *
 * Invariant: each call leaves the tape as it found it: its length (what it
 * recorded is rewound), every value, and every gradient (saved and put
 * back, or never touched: ag_hvp's adjoints live in its scratch), so
 * variables do not accumulate; a dense result over half the machine's memory is
 * refused before anything is allocated. ag_hvp's scratch (three arrays of
 * the tape's capacity) stays on the tape for the next call.
 */
#include "tape_internal.h"

#include <string.h>
#include <unistd.h>

/* y live, x a live run, out not NULL (and room to undo a recording). */
static ag_status check_args(ag_tape *t, ag_node y, ag_run x, const void *out, const char *fn)
{
    ag_status s = ag__check(t, y, fn, 1);
    if (s == AG_OK)
        s = ag__check_run(t, x, fn, 2);
    if (s == AG_OK && !out)
        s = ag__fail(t, AG_EINVAL, "%s: the output array is NULL", fn);
    return s;
}

/* Each saves the gradients below the tape's end, runs ordinary backward
 * sweeps, reads the rows, then restores the gradients and rewinds what it
 * recorded: the tape looks untouched afterwards. */

static size_t dense_limit(void)
{
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    if (pages > 0 && size > 0 && (unsigned long)pages <= SIZE_MAX / 2 / (unsigned long)size)
        return (size_t)pages / 2 * (size_t)size;
#endif
    return (size_t)1 << 30;
}

/* Refuse a rows x cols matrix of doubles over the limit, before allocating. */
static ag_status dense_alloc(ag_tape *t, size_t rows, size_t cols, double **out, const char *fn)
{
    size_t lim = dense_limit();
    if (rows != 0 && cols > lim / sizeof(double) / rows)
        return ag__fail(t, AG_ENOMEM,
                        "%s: a %zu x %zu matrix needs %.3g GB, over the limit of %.3g GB (half this machine's memory); use ag_hvp for products with it",
                        fn, rows, cols, (double)rows * (double)cols * 8e-9, (double)lim * 1e-9);
    *out = ag_realloc(NULL, rows * cols * sizeof **out + 1);
    if (!*out) {
        ag__fail(t, AG_ENOMEM, "%s: out of memory for the %zu x %zu result", fn, rows, cols);
        return AG_ENOMEM;
    }
    return AG_OK;
}

typedef struct saved {
    ag_mark m;
    double *grad; /* grad[0..m.len) at entry */
} saved;

static ag_status save(ag_tape *t, saved *sv, const char *fn)
{
    sv->m = ag_tape_mark(t);
    sv->grad = ag_realloc(NULL, (size_t)sv->m.len * sizeof *sv->grad + 1);
    if (!sv->grad) {
        ag__fail(t, AG_ENOMEM, "%s: out of memory saving %u gradients", fn, sv->m.len);
        return AG_ENOMEM;
    }
    memcpy(sv->grad, t->grad, (size_t)sv->m.len * sizeof *sv->grad);
    return AG_OK;
}

static void restore(ag_tape *t, saved *sv)
{
    ag__truncate(t, sv->m); /* the scratch nodes were ours alone */
    memcpy(t->grad, sv->grad, (size_t)sv->m.len * sizeof *sv->grad);
    ag_free(sv->grad);
    /* every gradient below the mark is as it was; above it nothing is left */
    t->grad_dirty = t->len;
}

/* row[k] = d g / d x_k by one ordinary backward sweep from g (0 for a
 * constant g, which ag_backward refuses: nothing depends on x there). */
static ag_status row_of(ag_tape *t, ag_node g, ag_run x, double *row)
{
    ag_status st = AG_OK;
    memset(t->grad + x.first.idx, 0, x.n * sizeof *t->grad);
    if (ag__link_op(t->link[g.idx]) != AG_OP_CONST && (st = ag_backward(t, g)) != AG_OK)
        return st;
    for (size_t k = 0; k < x.n; k++) {
        uint32_t i = x.first.idx + (uint32_t)k;
        row[k] = ag__link_op(t->link[i]) == AG_OP_CONST ? 0.0 : t->grad[i];
    }
    return AG_OK;
}

static ag_status hvp_args(ag_tape *t, ag_node y, ag_run x, const double *v, double *hv, const char *fn)
{
    ag_status st = check_args(t, y, x, hv, fn);
    if (st == AG_OK && !v)
        st = ag__fail(t, AG_EINVAL, "%s: the vector v is NULL", fn);
    return st;
}

/* The scratch of forward over reverse: three arrays of the tape's
 * capacity, allocated when the tape has outgrown them and kept (a training
 * loop's HVPs allocate nothing after the first). */
static ag_status hv_scratch(ag_tape *t)
{
    if (t->hv_cap >= t->len)
        return AG_OK;
    ag_free(t->hv_block);
    t->hv_block = ag_realloc(NULL, 3 * (size_t)t->cap * sizeof *t->hv_block);
    if (!t->hv_block) {
        t->hv_cap = 0;
        t->tan = t->tgrad = NULL;
        return ag__fail(t, AG_ENOMEM, "ag_hvp: out of memory for the tangents of %u nodes", t->len);
    }
    t->hv_cap = t->cap;
    t->tan = t->hv_block + t->hv_cap;
    t->tgrad = t->tan + t->hv_cap;
    return AG_OK;
}

/* Forward over reverse: the tangent sweep with x' = v, then one backward
 * sweep carrying each adjoint and its tangent; the tangents of x's
 * adjoints are H v. Nothing is recorded; values and gradients are not
 * touched (the adjoints live in the scratch). */
ag_status ag_hvp(ag_tape *t, ag_node y, ag_run x, const double *v, double *hv)
{
    ag_status st = hvp_args(t, y, x, v, hv, "ag_hvp");
    if (st != AG_OK)
        return st;
    /* x' = v is seeded on x's own tangents, which the tangent sweep would
     * recompute from their inputs for a computed node, and a constant has
     * no derivative: both would give a silently wrong H v */
    for (uint32_t k = 0; k < x.n; k++) {
        ag_op op = ag__link_op(t->link[x.first.idx + k]);
        if (op != AG_OP_VAR)
            return ag__fail(t, AG_EINVAL,
                            "ag_hvp: entry %u of x (node #%u) is a %s, not a variable: ag_hvp and ag_hessian "
                            "differentiate with respect to variables (ag_hvp_recorded and ag_grad_nodes take any node)",
                            k, x.first.idx + k, ag_op_info_of(op)->name);
    }
    if ((st = hv_scratch(t)) != AG_OK)
        return st;
    uint32_t lo = x.first.idx, top = y.idx;
    memset(hv, 0, x.n * sizeof *hv);
    if (lo > top)
        return AG_OK; /* y is older than x: it does not depend on it */
    size_t span = (size_t)top + 1;
    double *adj = t->hv_block;
    memset(adj, 0, span * sizeof *adj);
    memset(t->tan, 0, span * sizeof *t->tan);
    memset(t->tgrad, 0, span * sizeof *t->tgrad);
    for (uint32_t k = 0; k < x.n && lo + k <= top; k++)
        t->tan[lo + k] = v[k];
    ag__hvp_sweeps(t, lo, top, adj);
    for (uint32_t k = 0; k < x.n && lo + k <= top; k++)
        if (ag__link_op(t->link[lo + k]) != AG_OP_CONST)
            hv[k] = t->tgrad[lo + k];
    return AG_OK;
}

ag_status ag_hvp_recorded(ag_tape *t, ag_node y, ag_run x, const double *v, double *hv)
{
    ag_status st = hvp_args(t, y, x, v, hv, "ag_hvp_recorded");
    if (st != AG_OK)
        return st;
    saved sv;
    ag_node *g = ag_realloc(NULL, 3 * (size_t)x.n * sizeof *g);
    if (!g)
        return ag__fail(t, AG_ENOMEM, "ag_hvp_recorded: out of memory for %zu gradient handles", (size_t)x.n);
    if ((st = save(t, &sv, "ag_hvp_recorded")) != AG_OK) {
        ag_free(g);
        return st;
    }
    /* H v = d/dx (g . v): record g, then one backward from the dot, whose
     * inputs interleave g_k and v_k (ag_apply's order for DOT) */
    ag_node *in = g + x.n;
    if ((st = ag__grad_nodes_run(t, y, x, g, "ag_hvp_recorded")) == AG_OK) {
        ag_run v0 = ag_consts(t, v, x.n);
        for (size_t k = 0; k < x.n && !ag_run_is_null(v0); k++) {
            in[2 * k] = g[k];
            in[2 * k + 1] = ag__handle(t, v0.first.idx + (uint32_t)k);
        }
        ag_node s = ag_run_is_null(v0) ? AG_NULL : ag_apply(t, AG_OP_DOT, in, 2 * (size_t)x.n);
        st = ag_is_null(s) ? t->status : row_of(t, s, x, hv);
    }
    restore(t, &sv);
    ag_free(g);
    return st;
}

ag_status ag_hessian(ag_tape *t, ag_node y, ag_run x, double **h)
{
    ag_status st = check_args(t, y, x, h, "ag_hessian");
    if (st != AG_OK)
        return st;
    size_t n = x.n;
    if ((st = dense_alloc(t, n, n, h, "ag_hessian")) != AG_OK)
        return st;
    /* row k = H e_k (H is symmetric), one forward-over-reverse product
     * each: measured in bench/hess.c, faster than one recorded backward
     * and a plain backward per row (0.66 against 1.09 ms at n = 99, even at
     * n = 541), and it records nothing */
    double *e = ag_realloc(NULL, n * sizeof *e);
    if (!e) {
        ag_free(*h);
        *h = NULL;
        ag__fail(t, AG_ENOMEM, "ag_hessian: out of memory for a vector of %zu", n);
        return AG_ENOMEM;
    }
    memset(e, 0, n * sizeof *e);
    for (size_t k = 0; k < n && st == AG_OK; k++) {
        e[k] = 1.0;
        st = ag_hvp(t, y, x, e, *h + k * n);
        e[k] = 0.0;
    }
    ag_free(e);
    if (st != AG_OK) {
        ag_free(*h);
        *h = NULL;
    }
    return st;
}

ag_status ag_jacobian(ag_tape *t, const ag_node *ys, size_t m, ag_run x, double **j)
{
    ag_status st = ag__check_run(t, x, "ag_jacobian", 4);
    if (st != AG_OK)
        return st;
    if (!ys || !j || m == 0)
        return ag__fail(t, AG_EINVAL, "ag_jacobian: %s", !ys || m == 0 ? "no outputs given" : "the result pointer is NULL");
    for (size_t i = 0; i < m; i++)
        if ((st = ag__check(t, ys[i], "ag_jacobian", 1)) != AG_OK)
            return st;
    if ((st = dense_alloc(t, m, x.n, j, "ag_jacobian")) != AG_OK)
        return st;
    saved sv;
    if ((st = save(t, &sv, "ag_jacobian")) == AG_OK) {
        for (size_t i = 0; i < m && st == AG_OK; i++)
            st = row_of(t, ys[i], x, *j + i * x.n);
        restore(t, &sv);
    }
    if (st != AG_OK) {
        ag_free(*j);
        *j = NULL;
    }
    return st;
}
