/*
 * tangents.h: forward over reverse for the n-ary ops (the unary and binary
 * ones are generated beside their value and first derivative in
 * kernels.h): jv_<stem> stores a node's tangent, hv_<stem> carries the
 * adjoint g and its tangent gd to the inputs (see TAN in kernels.h).
 * Included at the end of kernels.h, for sweep.c only. Private.
 *
 * Sums and dots are linear in each input, so the tangent of a local
 * derivative is the tangent of the other factor of a pair (0 for a sum's
 * 1); logsumexp's softmax p_k has tangent p_k (x'_k - y'). A run flagged
 * constant (AG_RUN_CONST) carries no tangent, as it carries no gradient.
 */
#ifndef AGRAD_TANGENTS_H
#define AGRAD_TANGENTS_H

static inline void jv_sum(ag_tape *t, uint32_t i)
{
    uint64_t l = t->link[i];
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = 0.0;
    for (uint32_t k = 0; k < n; k++)
        y += TAN(t, xs[k]);
    TAN(t, i) = y;
}
static inline void hv_sum(ag_tape *t, uint32_t i, double g, double gd)
{
    uint64_t l = t->link[i];
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    for (uint32_t k = 0; k < n; k++)
        pair_edge(t, xs[k], g, gd, 1.0, 0.0);
}

static inline void jv_sum_run(ag_tape *t, uint32_t i)
{
    uint64_t l = t->link[i];
    const double *x = t->tan + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = 0.0;
    for (uint32_t k = 0; k < n; k++)
        y += x[k];
    TAN(t, i) = y;
}
static inline void hv_sum_run(ag_tape *t, uint32_t i, double g, double gd)
{
    uint64_t l = t->link[i];
    uint32_t first = ag__link_a(l), n = ag__link_b(l);
    double *gx = t->grad + first, *tx = t->tgrad + first;
    for (uint32_t k = 0; k < n; k++) {
        gx[k] += g;
        tx[k] += gd;
    }
}

/* y = bias + sum w_k x_k: y' = bias' + sum (w'_k x_k + w_k x'_k) */
static inline void jv_dot(ag_tape *t, uint32_t i)
{
    uint64_t l = t->link[i];
    const uint32_t *op = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    const uint32_t *w = op + 1, *x = op + 1 + n;
    double y = op[0] == AG_NONE ? 0.0 : TAN(t, op[0]);
    for (uint32_t k = 0; k < n; k++)
        y += TAN(t, w[k]) * VAL(t, x[k]) + VAL(t, w[k]) * TAN(t, x[k]);
    TAN(t, i) = y;
}
static inline void hv_dot(ag_tape *t, uint32_t i, double g, double gd)
{
    uint64_t l = t->link[i];
    const uint32_t *op = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    const uint32_t *w = op + 1, *x = op + 1 + n;
    for (uint32_t k = 0; k < n; k++) {
        double wk = VAL(t, w[k]), xk = VAL(t, x[k]), twk = TAN(t, w[k]), txk = TAN(t, x[k]);
        pair_edge(t, w[k], g, gd, xk, txk);
        pair_edge(t, x[k], g, gd, wk, twk);
    }
    if (op[0] != AG_NONE)
        pair_edge(t, op[0], g, gd, 1.0, 0.0);
}

static AG_ALWAYS_INLINE void jv_dot_run(ag_tape *t, uint32_t i)
{
    ag_dotrow d = ag__dotrow(t->aux, t->link[i], i);
    double y = d.bias == AG_NONE ? 0.0 : TAN(t, d.bias);
    if (!d.w_const)
        y += dot_kernel(t->tan + d.w, t->value + d.x, d.n);
    if (!d.x_const)
        y += dot_kernel(t->value + d.w, t->tan + d.x, d.n);
    TAN(t, i) = y;
}

/* The pair over one side of a dot whose other side is constant:
 * g_k += g o_k, gd_k += gd o_k (o the other side's values). */
static inline void pair_axpy_kernel(double *restrict gy, double *restrict ty, const double *restrict o, double g,
                                    double gd, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        gy[k] += g * o[k];
        ty[k] += gd * o[k];
    }
}

/* The hot loop of ag_hvp on a dense layer: both sides, runs disjoint. */
static inline void pair_dot_kernel(double *restrict gw, double *restrict gx, double *restrict tgw,
                                   double *restrict tgx, const double *restrict vw, const double *restrict vx,
                                   const double *restrict tw, const double *restrict tx, double g, double gd,
                                   size_t n)
{
    for (size_t k = 0; k < n; k++) {
        double wk = vw[k], xk = vx[k];
        gw[k] += g * xk;
        gx[k] += g * wk;
        tgw[k] += gd * xk + g * tx[k];
        tgx[k] += gd * wk + g * tw[k];
    }
}

static AG_ALWAYS_INLINE void hv_dot_run(ag_tape *t, uint32_t i, double g, double gd)
{
    ag_dotrow d = ag__dotrow(t->aux, t->link[i], i);
    uint32_t n = d.n, w = d.w, x = d.x;
    if (d.x_const) {
        if (!d.w_const)
            pair_axpy_kernel(t->grad + w, t->tgrad + w, t->value + x, g, gd, n);
    } else if (d.w_const) {
        pair_axpy_kernel(t->grad + x, t->tgrad + x, t->value + w, g, gd, n);
    } else if (w + n <= x || x + n <= w) {
        pair_dot_kernel(t->grad + w, t->grad + x, t->tgrad + w, t->tgrad + x, t->value + w, t->value + x,
                        t->tan + w, t->tan + x, g, gd, n);
    } else {
        /* overlapping runs (a sum of squares d.d): one element at a time */
        for (uint32_t k = 0; k < n; k++) {
            double wk = VAL(t, w + k), xk = VAL(t, x + k), twk = TAN(t, w + k), txk = TAN(t, x + k);
            pair_edge(t, w + k, g, gd, xk, txk);
            pair_edge(t, x + k, g, gd, wk, twk);
        }
    }
    if (d.bias != AG_NONE)
        pair_edge(t, d.bias, g, gd, 1.0, 0.0);
}

/* F5: d y / d x_k = p_k = e^(x_k - y), and p_k' = p_k (x'_k - y') */
static inline void jv_logsumexp(ag_tape *t, uint32_t i)
{
    uint64_t l = t->link[i];
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = VAL(t, i), s = 0.0;
    for (uint32_t k = 0; k < n; k++)
        s += exp(VAL(t, xs[k]) - y) * TAN(t, xs[k]);
    TAN(t, i) = s;
}
static inline void hv_logsumexp(ag_tape *t, uint32_t i, double g, double gd)
{
    uint64_t l = t->link[i];
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = VAL(t, i), ty = TAN(t, i);
    for (uint32_t k = 0; k < n; k++) {
        double p = exp(VAL(t, xs[k]) - y);
        pair_edge(t, xs[k], g, gd, p, p * (TAN(t, xs[k]) - ty));
    }
}

#endif /* AGRAD_TANGENTS_H */
