/*
 * test_hess_oracles.c: higher-order derivatives against closed forms derived
 * by hand (issue 11), at 1e-12 relative unless a comment says why not.
 *
 * Each expected value is computed here from its formula with plain C, in a
 * form that is itself accurate where the test looks (tails included); the
 * engine's values come from recorded gradients (ag_grad_nodes, nested for
 * higher orders) and from ag_hessian. Every Hessian is also checked for
 * symmetry, entry by entry.
 */
#include "autograd.h"
#include "op_fns.h"
#include "oracle.h"

#include <criterion/criterion.h>
#include <math.h>

/* d^order y / dx^order at the tape's current values, by nesting
 * ag_grad_nodes (x is one node: a run of 1). */
static double nth(ag_tape *t, ag_node y, ag_node x, int order)
{
    ag_node g = y;
    for (int k = 0; k < order; k++)
        cr_assert_eq(ag_grad_nodes(t, g, &x, 1, &g), AG_OK, "%s", ag_tape_error(t));
    return ag_value(t, g);
}

static double sig(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }

#define CHECK_REL(got, want, tol, ...)                                                       \
    cr_expect_leq(orc_rel((got), (want), 0.0), (tol), __VA_ARGS__)

/* points from the left tail to the right tail; not near 0 where the
 * formulas with a factor (1 - 2 sigma) or tanh themselves cancel */
static const double PTS[] = {-30.0, -12.0, -4.5, -1.25, -0.3, 0.3, 0.8, 2.0, 7.5, 19.0, 30.0};
#define NPTS (sizeof PTS / sizeof PTS[0])

typedef ag_node (*unary_fn)(ag_tape *, ag_node);

static double nth_of(unary_fn f, double x0, int order)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, x0);
    double v = nth(t, f(t, x), x, order);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_tape_free(t);
    return v;
}

Test(hess_oracle, sigmoid_second)
{
    /* sigma'' = s (1 - s) (1 - 2 s) = s sb (sb - s), sb = 1 - s = sigma(-x)
     * computed directly (no 1 - s cancellation in the right tail) */
    for (size_t i = 0; i < NPTS; i++) {
        double x = PTS[i], s = sig(x), sb = sig(-x);
        CHECK_REL(nth_of(u_sigmoid, x, 2), s * sb * (sb - s), 1e-12, "sigma''(%g)", x);
        CHECK_REL(nth_of(u_sigmoid, x, 1), s * sb, 1e-12, "sigma'(%g)", x);
    }
}

Test(hess_oracle, tanh_second)
{
    /* tanh'' = -2 tanh (1 - tanh^2), with 1 - tanh^2 = 1/cosh^2 (accurate in
     * the tails, where 1 - tanh^2 itself cancels to 0) */
    for (size_t i = 0; i < NPTS; i++) {
        double x = PTS[i], c = cosh(x);
        if (fabs(x) > 19)
            continue; /* cosh^2 overflows nothing here, but tanh'' < 1e-16: see tails test */
        CHECK_REL(nth_of(u_tanh, x, 2), -2.0 * tanh(x) / (c * c), 1e-12, "tanh''(%g)", x);
    }
}

Test(hess_oracle, softplus_second)
{
    /* softplus' = sigma, softplus'' = sigma (1 - sigma) = s sb */
    for (size_t i = 0; i < NPTS; i++) {
        double x = PTS[i];
        CHECK_REL(nth_of(u_softplus, x, 2), sig(x) * sig(-x), 1e-12, "softplus''(%g)", x);
    }
}

Test(hess_oracle, exp_third_and_log_second)
{
    for (double x = -3.0; x <= 3.0; x += 0.75) {
        CHECK_REL(nth_of(u_exp, x, 3), exp(x), 1e-12, "(e^x)''' at %g", x);
        CHECK_REL(nth_of(u_exp, x, 4), exp(x), 1e-12, "(e^x)'''' at %g", x);
    }
    for (double x = 0.125; x < 40; x *= 2.5)
        CHECK_REL(nth_of(u_log, x, 2), -1.0 / (x * x), 1e-12, "(log x)'' at %g", x);
}

/* Symmetric within 1e-12 relative, entry by entry. */
static void expect_symmetric(const double *h, size_t n, const char *what)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            cr_expect_leq(orc_rel(h[i * n + j], h[j * n + i], 1e-300), 1e-12, "%s: H[%zu][%zu] = %.17g, H[%zu][%zu] = %.17g",
                          what, i, j, h[i * n + j], j, i, h[j * n + i]);
}

Test(hess_oracle, softmax_ce_hessian)
{
    /* L = logsumexp(z) - z_c: H = diag(s) - s s^T, s = softmax(z) (F5, F17) */
    enum { N = 6 };
    orc_rng r = {11};
    for (int rep = 0; rep < 5; rep++) {
        double z0[N];
        for (int k = 0; k < N; k++)
            z0[k] = orc_uniform(&r, -3, 3);
        ag_tape *t = ag_tape_new(0);
        ag_run z = ag_vars(t, z0, N);
        ag_node c = ag_at(t, z, (size_t)rep % N);
        ag_node L = ag_sub(t, ag_logsumexp(t, z), c);
        double *h = NULL;
        cr_assert_eq(ag_hessian(t, L, z, &h), AG_OK, "%s", ag_tape_error(t));
        double m = z0[0], sum = 0, s[N];
        for (int k = 1; k < N; k++)
            m = fmax(m, z0[k]);
        for (int k = 0; k < N; k++)
            sum += exp(z0[k] - m);
        for (int k = 0; k < N; k++)
            s[k] = exp(z0[k] - m) / sum;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < N; j++)
                CHECK_REL(h[i * N + j], (i == j ? s[i] * (1 - s[i]) : -s[i] * s[j]), 1e-12,
                          "softmax-CE H[%d][%d]", i, j);
        expect_symmetric(h, N, "softmax-CE");
        ag_free(h);
        ag_tape_free(t);
    }
}

Test(hess_oracle, logistic_regression_hessian)
{
    /* L = sum_i softplus(z_i) - y_i z_i, z_i = w . x_i + b (BCE from logits):
     * H = X^T diag(p (1 - p)) X over the features with a column of 1s for b */
    enum { M = 9, D = 3, P = D + 1 };
    orc_rng r = {23};
    double X[M][P], y[M];
    for (int i = 0; i < M; i++) {
        for (int k = 0; k < D; k++)
            X[i][k] = orc_uniform(&r, -2, 2);
        X[i][D] = 1.0;
        y[i] = (double)(orc_u64(&r) & 1);
    }
    double w0[P] = {0.4, -1.1, 0.7, 0.2};
    ag_tape *t = ag_tape_new(0);
    ag_run w = ag_vars(t, w0, P);
    ag_node terms[M];
    for (int i = 0; i < M; i++) {
        ag_run xi = ag_consts(t, X[i], P);
        ag_node zi = ag_dot(t, w, xi, AG_NULL);
        terms[i] = ag_sub(t, ag_unary(t, AG_OP_SOFTPLUS, zi), ag_mul(t, ag_const(t, y[i]), zi));
    }
    ag_node L = ag_apply(t, AG_OP_SUM, terms, M);
    double *h = NULL;
    cr_assert_eq(ag_hessian(t, L, w, &h), AG_OK, "%s", ag_tape_error(t));
    double want[P][P] = {{0}};
    for (int i = 0; i < M; i++) {
        double z = 0;
        for (int k = 0; k < P; k++)
            z += w0[k] * X[i][k];
        double q = sig(z) * sig(-z); /* p (1 - p) */
        for (int a = 0; a < P; a++)
            for (int b = 0; b < P; b++)
                want[a][b] += X[i][a] * q * X[i][b];
    }
    for (int a = 0; a < P; a++)
        for (int b = 0; b < P; b++)
            CHECK_REL(h[a * P + b], want[a][b], 1e-12, "logistic H[%d][%d] = %.17g, want %.17g", a, b,
                      h[a * P + b], want[a][b]);
    expect_symmetric(h, P, "logistic regression");
    ag_free(h);
    ag_tape_free(t);
}

Test(hess_oracle, half_se_linear_neuron_hessian)
{
    /* L = 1/2 (w . x + b - y)^2 (F6): H over (w, b) = x~ x~^T, x~ = (x, 1);
     * every entry is a product of two inputs, exact in floating point */
    enum { D = 4, P = D + 1 };
    double x[P] = {0.5, -1.5, 2.25, 3.0, 1.0}, p0[P] = {0.1, 0.2, -0.3, 0.4, 0.05};
    ag_tape *t = ag_tape_new(0);
    ag_run p = ag_vars(t, p0, P);
    ag_run xs = ag_consts(t, x, P);
    ag_node e = ag_sub(t, ag_dot(t, p, xs, AG_NULL), ag_const(t, 0.75));
    ag_node L = ag_mul(t, ag_const(t, 0.5), ag_powc(t, e, 2.0));
    double *h = NULL;
    cr_assert_eq(ag_hessian(t, L, p, &h), AG_OK, "%s", ag_tape_error(t));
    for (int a = 0; a < P; a++)
        for (int b = 0; b < P; b++)
            cr_expect_eq(h[a * P + b], x[a] * x[b], "H[%d][%d] = %.17g, want %.17g", a, b, h[a * P + b], x[a] * x[b]);
    ag_free(h);
    ag_tape_free(t);
}

/* ---- finite differences of the gradient on random expressions ---------- */

enum { RV = 3 };

/* A random expression over x[0..RV) of depth d, with ops whose domains
 * the inputs (in [0.5, 1.5]) keep: log and sqrt see exp or a square + 1. */
static ag_node rand_expr(ag_tape *t, orc_rng *r, const ag_node *x, int d)
{
    if (d == 0)
        return x[orc_pick(r, 0, RV - 1)];
    ag_node a = rand_expr(t, r, x, d - 1);
    switch (orc_pick(r, 0, 11)) {
    case 0:
        return ag_add(t, a, rand_expr(t, r, x, d - 1));
    case 1:
        return ag_mul(t, a, rand_expr(t, r, x, d - 1));
    case 2:
        return ag_sub(t, a, rand_expr(t, r, x, d - 1));
    case 3:
        return ag_div(t, a, ag_add(t, ag_const(t, 2.0), ag_unary(t, AG_OP_TANH, rand_expr(t, r, x, d - 1))));
    case 4:
        return ag_unary(t, AG_OP_SIN, a);
    case 5:
        return ag_unary(t, AG_OP_TANH, a);
    case 6:
        return ag_unary(t, AG_OP_SIGMOID, a);
    case 7:
        return ag_unary(t, AG_OP_LOG, ag_add(t, ag_const(t, 1.0), ag_mul(t, a, a)));
    case 8:
        return ag_unary(t, AG_OP_SQRT, ag_unary(t, AG_OP_EXP, a));
    case 9:
        return ag_powc(t, a, 3.0);
    case 10:
        return ag_unary(t, AG_OP_SOFTPLUS, a);
    default: {
        ag_node xs[2] = {a, rand_expr(t, r, x, d - 1)};
        return ag_apply(t, AG_OP_LOGSUMEXP, xs, 2);
    }
    }
}

Test(hess_oracle, random_expressions_match_finite_differences)
{
    orc_rng r = {5};
    for (int rep = 0; rep < 40; rep++) {
        double x0[RV];
        for (int k = 0; k < RV; k++)
            x0[k] = orc_uniform(&r, 0.5, 1.5);
        ag_tape *t = ag_tape_new(0);
        ag_run x = ag_vars(t, x0, RV);
        ag_node xs[RV];
        for (int k = 0; k < RV; k++)
            xs[k] = ag_at(t, x, (size_t)k);
        ag_mark m = ag_tape_mark(t);
        uint64_t state = r.x;
        ag_node y = rand_expr(t, &r, xs, 4);
        cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
        double *h = NULL;
        cr_assert_eq(ag_hessian(t, y, x, &h), AG_OK, "%s", ag_tape_error(t));
        expect_symmetric(h, RV, "random expression");
        /* column j by central differences of the gradient, step 1e-5:
         * truncation ~ h^2 |y''''| and rounding ~ eps/h, so 1e-6 relative
         * to the Hessian's largest entry */
        double scale = 0;
        for (int k = 0; k < RV * RV; k++)
            scale = fmax(scale, fabs(h[k]));
        for (int j = 0; j < RV; j++) {
            double g[2][RV], step = 1e-5;
            for (int side = 0; side < 2; side++) {
                ag_tape_rewind(t, m);
                double *v = ag_values(t, x);
                for (int k = 0; k < RV; k++)
                    v[k] = x0[k] + (k == j ? (side ? step : -step) : 0.0);
                orc_rng again = {state};
                ag_node yy = rand_expr(t, &again, xs, 4);
                ag_zero_grad(t);
                cr_assert_eq(ag_backward(t, yy), AG_OK);
                for (int k = 0; k < RV; k++)
                    g[side][k] = ag_grad(t, xs[k]);
            }
            for (int i = 0; i < RV; i++) {
                double fd = (g[1][i] - g[0][i]) / (2 * step);
                cr_expect_leq(fabs(h[i * RV + j] - fd), 1e-6 * fmax(scale, 1.0), "rep %d: H[%d][%d] = %.17g, fd %.17g",
                              rep, i, j, h[i * RV + j], fd);
            }
        }
        ag_free(h);
        ag_tape_free(t);
    }
}

Test(hess_oracle, softmax_jacobian)
{
    /* s_k = exp(z_k - logsumexp(z)): ds_i/dz_j = s_i (delta_ij - s_j) (F5) */
    enum { N = 5 };
    double z0[N] = {0.3, -1.2, 2.0, 0.0, -0.4};
    ag_tape *t = ag_tape_new(0);
    ag_run z = ag_vars(t, z0, N);
    ag_node s[N];
    ag_node lse = ag_logsumexp(t, z);
    for (int k = 0; k < N; k++)
        s[k] = ag_unary(t, AG_OP_EXP, ag_sub(t, ag_at(t, z, (size_t)k), lse));
    double *j = NULL;
    cr_assert_eq(ag_jacobian(t, s, N, z, &j), AG_OK, "%s", ag_tape_error(t));
    double m = 2.0, sum = 0, sv[N];
    for (int k = 0; k < N; k++)
        sum += exp(z0[k] - m);
    for (int k = 0; k < N; k++)
        sv[k] = exp(z0[k] - m) / sum;
    for (int a = 0; a < N; a++)
        for (int b = 0; b < N; b++)
            CHECK_REL(j[a * N + b], sv[a] * ((a == b) - sv[b]), 1e-12, "J[%d][%d] = %.17g", a, b, j[a * N + b]);
    ag_free(j);
    ag_tape_free(t);
}
