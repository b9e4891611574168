/*
 * test_hess_api.c: the higher-order API's contract (issue 11): gradients as
 * nodes (differentiable again, named, replayed, rewound), HVP, Hessian and
 * Jacobian agreeing with each other and leaving the tape untouched, kinks
 * and pow(0, c) at every order, tails, and bad input (stale and foreign
 * gradient nodes, a Hessian too large to allocate).
 */
#include "autograd.h"
#include "op_fns.h"
#include "oracle.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static ag_node d1(ag_tape *t, ag_node y, ag_node x)
{
    ag_node g = AG_NULL;
    cr_assert_eq(ag_grad_nodes(t, y, &x, 1, &g), AG_OK, "%s", ag_tape_error(t));
    return g;
}

Test(hess_api, gradient_is_a_node_differentiable_again)
{
    /* y = x^3 y2 ... here f = x^3 z: df/dx = 3 x^2 z, d2f/dx2 = 6 x z,
     * d2f/dxdz = 3 x^2, and ag_backward from the gradient node gives both */
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 2.0), z = ag_var(t, 5.0);
    ag_node f = ag_mul(t, ag_powc(t, x, 3.0), z);
    ag_node g = d1(t, f, x);
    cr_expect_eq(ag_value(t, g), 60.0);
    cr_expect_eq(ag_name_set(t, g, "df/dx"), AG_OK);
    cr_expect_eq(ag_name_find(t, "df/dx").idx, g.idx);
    ag_zero_grad(t);
    cr_assert_eq(ag_backward(t, g), AG_OK);
    cr_expect_eq(ag_grad(t, x), 60.0);
    cr_expect_eq(ag_grad(t, z), 12.0);
    /* third and fourth order: 6 z, then 0 */
    ag_node g2 = d1(t, g, x);
    cr_expect_eq(ag_value(t, g2), 60.0);
    cr_expect_eq(ag_value(t, d1(t, g2, x)), 30.0);
    cr_expect_eq(ag_value(t, d1(t, d1(t, g2, x), x)), 0.0);
    /* the gradient used in a new expression: h = f + g^2 */
    ag_node h = ag_add(t, f, ag_mul(t, g, g));
    cr_expect_eq(ag_value(t, h), 40.0 + 3600.0);
    ag_tape_free(t);
}

Test(hess_api, several_inputs_and_unreached_ones)
{
    ag_tape *t = ag_tape_new(0);
    ag_run x = ag_vars(t, (const double[]){1.5, -2.0, 3.0}, 3);
    ag_node x0 = ag_at(t, x, 0), x1 = ag_at(t, x, 1);
    ag_node y = ag_mul(t, ag_unary(t, AG_OP_SIN, x0), x1); /* does not use x2 */
    ag_node g[3], xl[3];
    cr_assert_eq(ag_grad_nodes(t, y, run_nodes(t, x, xl), 3, g), AG_OK);
    cr_expect_eq(ag_value(t, g[0]), cos(1.5) * -2.0);
    cr_expect_eq(ag_value(t, g[1]), sin(1.5));
    cr_expect_eq(ag_value(t, g[2]), 0.0);
    cr_expect_eq(ag_node_op(t, g[2]), AG_OP_CONST);
    /* y below x: nothing can depend on it */
    ag_node late = ag_var(t, 1.0);
    cr_assert_eq(ag_grad_nodes(t, y, &late, 1, g), AG_OK);
    cr_expect_eq(ag_value(t, g[0]), 0.0);
    /* the gradient of x w.r.t. itself is 1 */
    cr_assert_eq(ag_grad_nodes(t, x1, xl, 3, g), AG_OK);
    cr_expect_eq(ag_value(t, g[1]), 1.0);
    cr_expect_eq(ag_value(t, g[0]), 0.0);
    ag_tape_free(t);
}

Test(hess_api, interior_node_gets_the_total_derivative)
{
    /* y = z^2 + z x with z = 3x: dy/dz = 2z + x (with x held), as
     * torch.autograd.grad(y, z) gives */
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 0.5);
    ag_node z = ag_mul(t, ag_const(t, 3.0), x);
    ag_node y = ag_add(t, ag_mul(t, z, z), ag_mul(t, z, x));
    cr_expect_eq(ag_value(t, d1(t, y, z)), 2 * 1.5 + 0.5);
    ag_tape_free(t);
}

/* ---- numbers out: consistency, and the tape left as it was -------------- */

Test(hess_api, hvp_hessian_jacobian_agree_and_leave_the_tape_alone)
{
    enum { N = 4 };
    double x0[N] = {0.3, -0.7, 1.1, 0.25};
    ag_tape *t = ag_tape_new(0);
    ag_run x = ag_vars(t, x0, N);
    ag_node xs[N];
    for (int k = 0; k < N; k++)
        xs[k] = ag_at(t, x, (size_t)k);
    /* y = sum_i tanh(x_i x_{i+1}) + exp(x_0) x_3 */
    ag_node terms[N];
    for (int k = 0; k < N - 1; k++)
        terms[k] = ag_unary(t, AG_OP_TANH, ag_mul(t, xs[k], xs[k + 1]));
    terms[N - 1] = ag_mul(t, ag_unary(t, AG_OP_EXP, xs[0]), xs[3]);
    ag_node y = ag_apply(t, AG_OP_SUM, terms, N);
    /* state before: a backward leaves gradients to keep */
    cr_assert_eq(ag_backward(t, y), AG_OK);
    size_t len = ag_tape_len(t);
    double grads[N], val = ag_value(t, y);
    for (int k = 0; k < N; k++)
        grads[k] = ag_grad(t, xs[k]);

    double *h = NULL, *j = NULL, hv[N], v[N] = {1.0, -2.0, 0.5, 3.0};
    cr_assert_eq(ag_hessian(t, y, x, &h), AG_OK, "%s", ag_tape_error(t));
    cr_assert_eq(ag_hvp(t, y, x, v, hv), AG_OK, "%s", ag_tape_error(t));
    for (int i = 0; i < N; i++) {
        double want = 0;
        for (int k = 0; k < N; k++)
            want += h[i * N + k] * v[k];
        cr_expect_leq(fabs(hv[i] - want), 1e-13 * (1 + fabs(want)), "Hv[%d] %.17g vs H v %.17g", i, hv[i], want);
    }
    /* the Jacobian of the gradient nodes (reverse over reverse) is the
     * Hessian (ag_hessian: forward over reverse), to rounding */
    ag_mark m = ag_tape_mark(t);
    ag_node g[N], xl[N];
    cr_assert_eq(ag_grad_nodes(t, y, run_nodes(t, x, xl), N, g), AG_OK);
    cr_assert_eq(ag_jacobian(t, g, N, x, &j), AG_OK, "%s", ag_tape_error(t));
    for (int k = 0; k < N * N; k++)
        cr_expect_leq(fabs(j[k] - h[k]), 1e-14 * (1 + fabs(h[k])), "J[%d] = %.17g, H = %.17g", k, j[k], h[k]);
    cr_assert_eq(ag_tape_rewind(t, m), AG_OK);
    /* nothing changed: length, value, accumulated gradients */
    cr_expect_eq(ag_tape_len(t), len);
    cr_expect_eq(ag_value(t, y), val);
    for (int k = 0; k < N; k++)
        cr_expect_eq(ag_grad(t, xs[k]), grads[k]);
    /* and a backward after it still accumulates as usual */
    cr_assert_eq(ag_backward(t, y), AG_OK);
    cr_expect_eq(ag_grad(t, xs[2]), 2 * grads[2]);
    ag_free(h);
    ag_free(j);
    ag_tape_free(t);
}

/* ---- marks, rewind, stale and foreign gradient nodes --------------------- */

Test(hess_api, rewind_drops_gradient_nodes_and_they_become_stale)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 1.25);
    ag_node y = ag_unary(t, AG_OP_SIN, ag_mul(t, x, x));
    ag_mark m = ag_tape_mark(t);
    ag_node g = d1(t, y, x);
    cr_expect_eq(ag_value(t, g), cos(1.5625) * 2.5);
    cr_assert_eq(ag_tape_rewind(t, m), AG_OK);
    ag_node again;
    cr_expect_eq(ag_grad_nodes(t, g, &x, 1, &again), AG_ESTALE);
    cr_expect(strstr(ag_tape_error(t), "rewind") != NULL, "%s", ag_tape_error(t));
    cr_expect(ag_is_null(again));
    ag_tape_clear_error(t);
    cr_expect(isnan(ag_value(t, g)));
    cr_expect_eq(ag_tape_status(t), AG_ESTALE);
    ag_tape_clear_error(t);
    /* recording again after the rewind reuses the slots, under a new gen */
    ag_node g2 = d1(t, y, x);
    cr_expect_eq(g2.idx, g.idx);
    cr_expect_eq(ag_value(t, g2), cos(1.5625) * 2.5);
    cr_expect_eq(ag_hvp(t, g, ag_run_of(x, 1), (const double[]){1.0}, (double[1]){0}), AG_ESTALE);
    ag_tape_free(t);
}

Test(hess_api, foreign_gradient_node_refused)
{
    ag_tape *a = ag_tape_new(0), *b = ag_tape_new(0);
    ag_node xa = ag_var(a, 2.0), xb = ag_var(b, 2.0);
    ag_node ga = d1(a, ag_unary(a, AG_OP_EXP, xa), xa);
    ag_node out;
    cr_expect_eq(ag_grad_nodes(b, ga, &xb, 1, &out), AG_EFOREIGN);
    cr_expect(strstr(ag_tape_error(b), "ag_grad_nodes") != NULL, "%s", ag_tape_error(b));
    ag_tape_clear_error(b);
    double *h = NULL;
    cr_expect_eq(ag_hessian(b, ag_unary(b, AG_OP_EXP, xb), ag_run_of(xa, 1), &h), AG_EFOREIGN);
    cr_expect_null(h);
    ag_tape_free(a);
    ag_tape_free(b);
}

/* counts allocations while the 10^5 Hessian is refused */
static long allocs;
static void *counting(void *ctx, void *p, size_t n)
{
    (void)ctx;
    if (n == 0) {
        free(p);
        return NULL;
    }
    allocs++;
    return realloc(p, n);
}

Test(hess_api, huge_hessian_refused_before_allocating)
{
    enum { N = 100000 };
    ag_tape *t = ag_tape_new(0);
    ag_run x = ag_vars(t, NULL, N);
    ag_node y = ag_dot(t, x, x, AG_NULL);
    size_t len = ag_tape_len(t);
    double *h = (double *)&len; /* must be set to NULL */
    allocs = 0;
    ag_set_allocator(counting, NULL);
    ag_status s = ag_hessian(t, y, x, &h);
    ag_set_allocator(NULL, NULL);
    cr_expect_eq(s, AG_ENOMEM);
    cr_expect_eq(allocs, 0, "%ld allocations before refusing", allocs);
    cr_expect_eq(ag_tape_len(t), len);
    cr_expect(strstr(ag_tape_error(t), "100000 x 100000") != NULL, "%s", ag_tape_error(t));
    cr_expect(strstr(ag_tape_error(t), "80 GB") != NULL, "%s", ag_tape_error(t));
    cr_expect(strstr(ag_tape_error(t), "ag_hvp") != NULL, "%s", ag_tape_error(t));
    ag_tape_clear_error(t);
    /* an HVP of the same size is fine: H = 2 I for y = x . x */
    double *v = calloc(N, sizeof *v), *hv = calloc(N, sizeof *hv);
    v[7] = 1.5;
    cr_assert_eq(ag_hvp(t, y, x, v, hv), AG_OK, "%s", ag_tape_error(t));
    cr_expect_eq(hv[7], 3.0);
    cr_expect_eq(hv[8], 0.0);
    free(v);
    free(hv);
    ag_tape_free(t);
}

/* ---- replay of a step containing recorded gradients --------------------- */

/* L = (w x - t)^2 ... a gradient penalty: f = tanh(w1 x) relu(w2 x) + w1 w2,
 * L = f + lambda (df/dx)^2; records f, its gradient node, L. */
static ag_node penalty_step(ag_tape *t, ag_run w, ag_node x)
{
    ag_node w1 = ag_at(t, w, 0), w2 = ag_at(t, w, 1);
    ag_node f = ag_add(t, ag_mul(t, ag_unary(t, AG_OP_TANH, ag_mul(t, w1, x)), ag_unary(t, AG_OP_RELU, ag_mul(t, w2, x))), ag_mul(t, w1, w2));
    ag_node g = d1(t, f, x);
    return ag_add(t, f, ag_mul(t, ag_const(t, 0.1), ag_mul(t, g, g)));
}

Test(hess_api, replay_of_a_gradient_penalty_step)
{
    ag_tape *t = ag_tape_new(0);
    ag_run w = ag_vars(t, (const double[]){0.8, -0.6}, 2);
    ag_mark m = ag_tape_mark(t);
    ag_node x = ag_const(t, 1.5);
    ag_node L = penalty_step(t, w, x);
    /* new inputs, including a sign change of relu's argument (x < 0) */
    const double xs[] = {-2.0, 0.7, 3.0};
    for (size_t k = 0; k < 3; k++) {
        ag_set_value(t, x, xs[k]);
        cr_assert_eq(ag_forward(t, m, L), AG_OK, "%s", ag_tape_error(t));
        ag_zero_grad(t);
        cr_assert_eq(ag_backward(t, L), AG_OK);
        double replayed = ag_value(t, L), dw0 = ag_grad(t, ag_at(t, w, 0)), dw1 = ag_grad(t, ag_at(t, w, 1));
        /* the same step recorded afresh, on a tape of its own */
        ag_tape *f = ag_tape_new(0);
        ag_run wf = ag_vars(f, ag_values(t, w), 2);
        ag_node L2 = penalty_step(f, wf, ag_const(f, xs[k]));
        cr_assert_eq(ag_backward(f, L2), AG_OK);
        cr_expect_eq(replayed, ag_value(f, L2), "x = %g: replayed %.17g, recorded %.17g", xs[k], replayed, ag_value(f, L2));
        cr_expect_eq(dw0, ag_grad(f, ag_at(f, wf, 0)));
        cr_expect_eq(dw1, ag_grad(f, ag_at(f, wf, 1)));
        ag_tape_free(f);
    }
    ag_tape_free(t);
}

/* ---- kinks and pow(0, c) at every order ---------------------------------- */

static double nth(double (*build)(ag_tape *, ag_node, int), double x0, int order)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, x0);
    double v = build(t, x, order);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_tape_free(t);
    return v;
}

#define NTH_OF(name, expr)                                                                    \
    static double name(ag_tape *t, ag_node x, int order)                                      \
    {                                                                                         \
        ag_node g = (expr);                                                                   \
        for (int k = 0; k < order; k++)                                                       \
            g = d1(t, g, x);                                                                  \
        return ag_value(t, g);                                                                \
    }

NTH_OF(relu_n, ag_unary(t, AG_OP_RELU, x))
NTH_OF(abs_n, ag_unary(t, AG_OP_ABS, x))
NTH_OF(max_n, ag_binary(t, AG_OP_MAX, ag_mul(t, x, x), ag_const(t, 1.0)))  /* max(x^2, 1) */
NTH_OF(min_n, ag_binary(t, AG_OP_MIN, ag_mul(t, x, x), ag_const(t, 1.0)))  /* min(x^2, 1) */
NTH_OF(sq_n, ag_powc(t, x, 2.0))
NTH_OF(cube_n, ag_powc(t, x, 3.0))
NTH_OF(root_n, ag_powc(t, x, 0.5))

Test(hess_api, kinks_at_every_order)
{
    const double at[] = {-0.5, 0.0, 0.5};
    for (int i = 0; i < 3; i++) {
        double x = at[i];
        cr_expect_eq(nth(relu_n, x, 1), x > 0 ? 1.0 : 0.0, "relu'(%g)", x);
        cr_expect_eq(nth(relu_n, x, 2), 0.0, "relu''(%g)", x);
        cr_expect_eq(nth(abs_n, x, 1), x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0, "abs'(%g)", x);
        cr_expect_eq(nth(abs_n, x, 2), 0.0, "abs''(%g)", x);
    }
    /* max(x^2, 1): a tie at x = 1 goes to the first argument, x^2, at both
     * orders (2x = 2, then 2); below it the constant wins (0, 0) */
    cr_expect_eq(nth(max_n, 1.0, 1), 2.0);
    cr_expect_eq(nth(max_n, 1.0, 2), 2.0);
    cr_expect_eq(nth(max_n, 0.5, 1), 0.0);
    cr_expect_eq(nth(max_n, 0.5, 2), 0.0);
    cr_expect_eq(nth(min_n, 1.0, 2), 2.0);
    cr_expect_eq(nth(min_n, 2.0, 2), 0.0);
}

Test(hess_api, pow_of_zero_at_every_order)
{
    /* x^2 at 0: 0, 2, 0; x^3: 0, 0, 6, 0 (0^0 = 1 and c - j = 0 ends the chain) */
    cr_expect_eq(nth(sq_n, 0.0, 1), 0.0);
    cr_expect_eq(nth(sq_n, 0.0, 2), 2.0);
    cr_expect_eq(nth(sq_n, 0.0, 3), 0.0);
    cr_expect_eq(nth(cube_n, 0.0, 2), 0.0);
    cr_expect_eq(nth(cube_n, 0.0, 3), 6.0);
    cr_expect_eq(nth(cube_n, 0.0, 4), 0.0);
    /* sqrt's derivative is infinite at 0, and so is the next */
    cr_expect(isinf(nth(root_n, 0.0, 1)));
    cr_expect(isinf(nth(root_n, 0.0, 2)) || isnan(nth(root_n, 0.0, 2)));
}

static double sig(double x) { return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x)); }

NTH_OF(sigmoid_n, ag_unary(t, AG_OP_SIGMOID, x))
NTH_OF(tanh_n, ag_unary(t, AG_OP_TANH, x))
NTH_OF(softplus_n, ag_unary(t, AG_OP_SOFTPLUS, x))

Test(hess_api, tails_keep_their_accuracy_at_higher_orders)
{
    const double at[] = {-40.0, -25.0, 25.0, 40.0};
    for (int i = 0; i < 4; i++) {
        double x = at[i], s = sig(x), sb = sig(-x), c = cosh(x);
        /* sigma''' = s sb (1 - 6 s sb), written without cancellation */
        cr_expect_leq(orc_rel(nth(sigmoid_n, x, 2), s * sb * (sb - s), 0), 1e-12, "sigma''(%g)", x);
        cr_expect_leq(orc_rel(nth(sigmoid_n, x, 3), s * sb * (1 - 6 * s * sb), 0), 1e-12, "sigma'''(%g) %.17g", x,
                      nth(sigmoid_n, x, 3));
        cr_expect_leq(orc_rel(nth(tanh_n, x, 2), -2 * tanh(x) / (c * c), 0), 1e-12, "tanh''(%g) = %.17g", x,
                      nth(tanh_n, x, 2));
        cr_expect_leq(orc_rel(nth(softplus_n, x, 2), s * sb, 0), 1e-12, "softplus''(%g)", x);
    }
    /* logsumexp(0, -40): H = diag(s) - s s^T with s_2 = e^-40 / (1 + e^-40) */
    ag_tape *t = ag_tape_new(0);
    ag_run z = ag_vars(t, (const double[]){0.0, -40.0}, 2);
    double *h = NULL;
    cr_assert_eq(ag_hessian(t, ag_logsumexp(t, z), z, &h), AG_OK);
    double s2 = sig(-40.0), s1 = sig(40.0);
    cr_expect_leq(orc_rel(h[3], s2 * s1, 0), 1e-12, "H[1][1] = %.17g", h[3]);
    cr_expect_leq(orc_rel(h[1], -s2 * s1, 0), 1e-12, "H[0][1] = %.17g", h[1]);
    ag_free(h);
    ag_tape_free(t);
}

/* The README's Hessian in ten lines, run as written (its printf aside). */
Test(hess_api, readme_hessian_snippet)
{
    ag_tape *t = ag_tape_new(0);
    ag_run p = ag_vars(t, (const double[]){1.0, 2.0}, 2);
    ag_node x = ag_at(t, p, 0), y = ag_at(t, p, 1);
    ag_node f = ag_mul(t, ag_unary(t, AG_OP_SIN, x), ag_unary(t, AG_OP_EXP, y));
    double *H;
    cr_assert_eq(ag_hessian(t, f, p, &H), AG_OK);
    double e = exp(2.0);
    cr_expect_leq(orc_rel(H[0], -sin(1.0) * e, 0), 1e-15);
    cr_expect_leq(orc_rel(H[1], cos(1.0) * e, 0), 1e-15);
    cr_expect_leq(orc_rel(H[2], cos(1.0) * e, 0), 1e-15);
    cr_expect_leq(orc_rel(H[3], sin(1.0) * e, 0), 1e-15);
    ag_free(H);
    ag_node g;
    cr_assert_eq(ag_grad_nodes(t, f, &x, 1, &g), AG_OK);
    cr_expect_leq(orc_rel(ag_value(t, g), cos(1.0) * e, 0), 1e-15);
    ag_tape_free(t);
}

Test(hess_api, listed_nodes_interior_and_repeated)
{
    /* f = z^2 y with z = x y: df/dz = 2 z y, df/dx = 2 z y^2, listed out
     * of order and with a repeat */
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 1.5), y = ag_var(t, -2.0);
    ag_node z = ag_mul(t, x, y);
    ag_node f = ag_mul(t, ag_mul(t, z, z), y);
    ag_node xs[4] = {z, x, z, y}, g[4];
    cr_assert_eq(ag_grad_nodes(t, f, xs, 4, g), AG_OK, "%s", ag_tape_error(t));
    double zv = -3.0;
    cr_expect_eq(ag_value(t, g[0]), 2 * zv * -2.0);
    cr_expect_eq(ag_value(t, g[1]), 2 * zv * 4.0);
    cr_expect_eq(g[2].idx, g[0].idx);
    /* df/dy = z^2 + 2 z y x (through z and directly) */
    cr_expect_eq(ag_value(t, g[3]), zv * zv + 2 * zv * -2.0 * 1.5);
    cr_expect_eq(ag_grad_nodes(t, f, NULL, 2, g), AG_EINVAL);
    ag_tape_free(t);
}

Test(hess_api, anomaly_mode_names_a_derivative_that_overflows)
{
    /* sqrt'(x) = 0.5 / sqrt(x) is infinite at 0: the recorded node says so */
    ag_tape *t = ag_tape_new(0);
    cr_assert_eq(ag_anomaly_enable(t, true), AG_OK);
    ag_node z = ag_var(t, 0.0);
    ag_node w = ag_unary(t, AG_OP_SQRT, z), g;
    cr_expect_eq(ag_grad_nodes(t, w, &z, 1, &g), AG_EANOMALY);
    cr_expect(isinf(ag_value(t, g)));
    cr_expect(strstr(ag_tape_error(t), "inf"), "%s", ag_tape_error(t));
    ag_tape_clear_error(t);
    /* a finite one afterwards is fine */
    ag_node u = ag_var(t, 4.0);
    cr_expect_eq(ag_grad_nodes(t, ag_unary(t, AG_OP_SQRT, u), &u, 1, &g), AG_OK);
    cr_expect_eq(ag_value(t, g), 0.25);
    ag_tape_free(t);
}
