/*
 * test_ops.c: every op's value and local derivative, against closed forms
 * written out here in plain C (docs/formulas.md F0-F4 where they apply) at fixed
 * points, and against central finite differences of the engine's own forward
 * at 100 seeded random points per op.
 */
#include "autograd.h"
#include "op_fns.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>

/* splitmix64: a seeded stream of doubles in [lo, hi) for the random points */
static uint64_t rng_state;
static double uniform(double lo, double hi)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) * 0x1.0p-53;
}

/* |got - want| relative to the larger of the two: a pure relative error at
 * every magnitude (sigmoid'(8) ~ 3.4e-4 is held to 1e-12 of itself, not of
 * 1). Equal values (infinities, 0 and -0) give 0, NaN gives NaN (fails). */
static double rel_err(double got, double want)
{
    if (got == want)
        return 0.0;
    return fabs(got - want) / fmax(fabs(got), fabs(want));
}

/* ---- unary ops: engine constructor, closed-form value and derivative ---- */

typedef struct unary_case {
    const char *name;
    ag_node (*op)(ag_tape *, ag_node);
    double (*f)(double);
    double (*df)(double);
    double lo, hi; /* domain for random points (avoiding kinks) */
} unary_case;

static double neg_f(double x) { return -x; }
static double neg_df(double x) { (void)x; return -1; }
static double exp_df(double x) { return exp(x); }          /* F0c */
static double log_df(double x) { return 1 / x; }
static double sqrt_df(double x) { return 1 / (2 * sqrt(x)); }
static double abs_df(double x) { return x > 0 ? 1 : -1; }
static double sin_df(double x) { return cos(x); }
static double cos_df(double x) { return -sin(x); }
/* F4: tanh = (e^z - e^-z)/(e^z + e^-z), tanh' = ((e^z+e^-z)^2 - (e^z-e^-z)^2)/(e^z+e^-z)^2 */
static double tanh_f(double z) { return (exp(z) - exp(-z)) / (exp(z) + exp(-z)); }
static double tanh_df(double z)
{
    double p = exp(z) + exp(-z), m = exp(z) - exp(-z);
    return (p * p - m * m) / (p * p);
}
/* F1: sigma = 1/(1+e^-z), sigma' = e^-z/(1+e^-z)^2 (the form derived with F0b, F0c) */
static double sigmoid_f(double z) { return 1 / (1 + exp(-z)); }
static double sigmoid_df(double z) { return exp(-z) / ((1 + exp(-z)) * (1 + exp(-z))); }
static double softplus_f(double x) { return log(1 + exp(x)); }
static double softplus_df(double x) { return 1 / (1 + exp(-x)); }
/* F2 */
static double relu_f(double z) { return z > 0 ? z : 0; }
static double relu_df(double z) { return z > 0 ? 1 : 0; }

static const unary_case unary_cases[] = {
    {"neg", ag_neg, neg_f, neg_df, -5, 5},
    {"exp", u_exp, exp, exp_df, -5, 5},
    {"log", u_log, log, log_df, 0.05, 20},
    {"sqrt", u_sqrt, sqrt, sqrt_df, 0.05, 20},
    {"abs", u_abs, fabs, abs_df, -5, 5},
    {"sin", u_sin, sin, sin_df, -6, 6},
    {"cos", u_cos, cos, cos_df, -6, 6},
    {"tanh", u_tanh, tanh_f, tanh_df, -4, 4},
    {"sigmoid", u_sigmoid, sigmoid_f, sigmoid_df, -8, 8},
    {"softplus", u_softplus, softplus_f, softplus_df, -8, 8},
    {"relu", u_relu, relu_f, relu_df, -5, 5},
};

/* Engine value and gradient of op at x. */
static void eval_unary(const unary_case *c, double x, double *value, double *grad)
{
    ag_tape *t = ag_tape_new(0);
    ag_node xn = ag_var(t, x);
    ag_node y = c->op(t, xn);
    cr_assert_eq(ag_backward(t, y), AG_OK, "%s: %s", c->name, ag_tape_error(t));
    *value = ag_value(t, y);
    *grad = ag_grad(t, xn);
    ag_tape_free(t);
}

/* Central difference of the engine's own forward: records op at x +- h. */
static double fd_unary(const unary_case *c, double x)
{
    double h = 1e-6 * fmax(1.0, fabs(x)), vp, vm, g;
    eval_unary(c, x + h, &vp, &g);
    eval_unary(c, x - h, &vm, &g);
    return (vp - vm) / (2 * h);
}

Test(ops, unary_closed_forms_at_fixed_points)
{
    static const double points[] = {-2.5, -1.0, -0.3, 0.4, 1.0, 3.0};
    for (size_t i = 0; i < sizeof unary_cases / sizeof unary_cases[0]; i++) {
        const unary_case *c = &unary_cases[i];
        for (size_t p = 0; p < sizeof points / sizeof points[0]; p++) {
            double x = points[p];
            if (x < c->lo)
                x = c->lo + fabs(x); /* into the op's domain */
            double v, g;
            eval_unary(c, x, &v, &g);
            cr_assert_lt(rel_err(v, c->f(x)), 1e-13, "%s(%g) = %.17g, want %.17g", c->name, x, v,
                         c->f(x));
            cr_assert_lt(rel_err(g, c->df(x)), 1e-13, "%s'(%g) = %.17g, want %.17g", c->name, x, g,
                         c->df(x));
        }
    }
}

Test(ops, unary_finite_differences_at_random_points)
{
    rng_state = 20261122;
    for (size_t i = 0; i < sizeof unary_cases / sizeof unary_cases[0]; i++) {
        const unary_case *c = &unary_cases[i];
        for (int k = 0; k < 100; k++) {
            double x = uniform(c->lo, c->hi);
            if ((c->op == u_abs || c->op == u_relu) && fabs(x) < 1e-3)
                continue; /* a central difference straddling the kink is meaningless */
            double v, g;
            eval_unary(c, x, &v, &g);
            double fd = fd_unary(c, x);
            cr_assert_lt(rel_err(g, fd), 1e-6, "%s'(%.17g): engine %.17g, finite difference %.17g",
                         c->name, x, g, fd);
            cr_assert_lt(rel_err(g, c->df(x)), 1e-12, "%s'(%.17g)", c->name, x);
        }
    }
}

/* ---- binary ops ---- */

typedef struct binary_case {
    const char *name;
    ag_node (*op)(ag_tape *, ag_node, ag_node);
    double (*f)(double, double);
    double (*da)(double, double);
    double (*db)(double, double);
    double alo, ahi, blo, bhi;
} binary_case;

static double add_f(double a, double b) { return a + b; }
static double one(double a, double b) { (void)a, (void)b; return 1; }
static double minus_one(double a, double b) { (void)a, (void)b; return -1; }
static double sub_f(double a, double b) { return a - b; }
static double mul_f(double a, double b) { return a * b; }
static double mul_da(double a, double b) { (void)a; return b; }
static double mul_db(double a, double b) { (void)b; return a; }
static double div_f(double a, double b) { return a / b; }
static double div_da(double a, double b) { (void)a; return 1 / b; }
static double div_db(double a, double b) { return -a / (b * b); } /* F0b */
static double pow_da(double a, double b) { return b * pow(a, b - 1); }
static double pow_db(double a, double b) { return pow(a, b) * log(a); }
static double min_f(double a, double b) { return a < b ? a : b; }
static double min_da(double a, double b) { return a < b ? 1 : 0; }
static double min_db(double a, double b) { return a < b ? 0 : 1; }
static double max_f(double a, double b) { return a > b ? a : b; }
static double max_da(double a, double b) { return a > b ? 1 : 0; }
static double max_db(double a, double b) { return a > b ? 0 : 1; }

static const binary_case binary_cases[] = {
    {"add", ag_add, add_f, one, one, -5, 5, -5, 5},
    {"sub", ag_sub, sub_f, one, minus_one, -5, 5, -5, 5},
    {"mul", ag_mul, mul_f, mul_da, mul_db, -5, 5, -5, 5},
    {"div", ag_div, div_f, div_da, div_db, -5, 5, 0.2, 5},
    {"pow", b_pow, pow, pow_da, pow_db, 0.1, 4, -3, 3},
    {"min", b_min, min_f, min_da, min_db, -5, 5, -5, 5},
    {"max", b_max, max_f, max_da, max_db, -5, 5, -5, 5},
};

static void eval_binary(const binary_case *c, double a, double b, double *v, double *ga, double *gb)
{
    ag_tape *t = ag_tape_new(0);
    ag_node an = ag_var(t, a), bn = ag_var(t, b);
    ag_node y = c->op(t, an, bn);
    cr_assert_eq(ag_backward(t, y), AG_OK, "%s: %s", c->name, ag_tape_error(t));
    *v = ag_value(t, y);
    *ga = ag_grad(t, an);
    *gb = ag_grad(t, bn);
    ag_tape_free(t);
}

Test(ops, binary_closed_forms_and_finite_differences)
{
    rng_state = 4004;
    for (size_t i = 0; i < sizeof binary_cases / sizeof binary_cases[0]; i++) {
        const binary_case *c = &binary_cases[i];
        for (int k = 0; k < 100; k++) {
            double a = uniform(c->alo, c->ahi), b = uniform(c->blo, c->bhi);
            if ((c->op == b_min || c->op == b_max) && fabs(a - b) < 1e-3)
                continue;
            double v, ga, gb, vp, vm, d1, d2;
            eval_binary(c, a, b, &v, &ga, &gb);
            cr_assert_lt(rel_err(v, c->f(a, b)), 1e-13, "%s(%g, %g)", c->name, a, b);
            cr_assert_lt(rel_err(ga, c->da(a, b)), 1e-12, "d%s/da at (%g, %g)", c->name, a, b);
            cr_assert_lt(rel_err(gb, c->db(a, b)), 1e-12, "d%s/db at (%g, %g)", c->name, a, b);
            double ha = 1e-6 * fmax(1.0, fabs(a)), hb = 1e-6 * fmax(1.0, fabs(b));
            eval_binary(c, a + ha, b, &vp, &d1, &d2);
            eval_binary(c, a - ha, b, &vm, &d1, &d2);
            cr_assert_lt(rel_err(ga, (vp - vm) / (2 * ha)), 1e-6, "%s: fd in a at (%g, %g)", c->name, a, b);
            eval_binary(c, a, b + hb, &vp, &d1, &d2);
            eval_binary(c, a, b - hb, &vm, &d1, &d2);
            cr_assert_lt(rel_err(gb, (vp - vm) / (2 * hb)), 1e-6, "%s: fd in b at (%g, %g)", c->name, a, b);
        }
    }
}

/* ---- ops with a constant operand ---- */

Test(ops, powc_and_leaky_relu)
{
    rng_state = 77;
    for (int k = 0; k < 100; k++) {
        double x = uniform(0.1, 5), c = uniform(-3, 3);
        ag_tape *t = ag_tape_new(0);
        ag_node xn = ag_var(t, x);
        ag_node y = ag_powc(t, xn, c);
        ag_backward(t, y);
        cr_assert_lt(rel_err(ag_value(t, y), pow(x, c)), 1e-13);
        cr_assert_lt(rel_err(ag_grad(t, xn), c * pow(x, c - 1)), 1e-12, "d x^%g at %g", c, x);
        ag_tape_free(t);

        /* F3: leaky relu with slope 0.01 (and a random slope) */
        double z = uniform(-5, 5), slope = k % 2 ? 0.01 : uniform(0, 0.5);
        if (fabs(z) < 1e-9)
            continue;
        t = ag_tape_new(0);
        ag_node zn = ag_var(t, z);
        y = ag_binary(t, AG_OP_LEAKY_RELU, zn, ag_const(t, slope));
        ag_backward(t, y);
        cr_assert_eq(ag_value(t, y), z > 0 ? z : slope * z);
        cr_assert_eq(ag_grad(t, zn), z > 0 ? 1.0 : slope);
        ag_tape_free(t);
    }
}

/* ---- n-ary ops ---- */

Test(ops, sum_dot_logsumexp_random)
{
    rng_state = 9;
    for (int trial = 0; trial < 100; trial++) {
        size_t n = 1 + (size_t)(uniform(0, 12));
        ag_tape *t = ag_tape_new(0);
        double wv[16], xv[16], bv = uniform(-1, 1);
        ag_node w[16], x[16];
        for (size_t k = 0; k < n; k++)
            w[k] = ag_var(t, wv[k] = uniform(-2, 2));
        for (size_t k = 0; k < n; k++)
            x[k] = ag_var(t, xv[k] = uniform(-2, 2));
        ag_node b = ag_var(t, bv);
        ag_node wxb[33]; /* DOT's listed inputs: w0, x0, w1, x1, ..., bias */
        for (size_t k = 0; k < n; k++) {
            wxb[2 * k] = w[k];
            wxb[2 * k + 1] = x[k];
        }
        wxb[2 * n] = b;
        ag_node d_list = ag_apply(t, AG_OP_DOT, wxb, 2 * n + 1);
        ag_node d_run = ag_dot(t, ag_run_of(w[0], n), ag_run_of(x[0], n), b);
        ag_node s_list = ag_apply(t, AG_OP_SUM, x, n);
        ag_node s_run = ag_sum(t, ag_run_of(x[0], n));
        ag_node lse = ag_apply(t, AG_OP_LOGSUMEXP, x, n);

        double dot = bv, sum = 0, mass = 0;
        for (size_t k = 0; k < n; k++) {
            dot += wv[k] * xv[k];
            sum += xv[k];
            mass += exp(xv[k]);
        }
        cr_assert_lt(rel_err(ag_value(t, d_list), dot), 1e-13);
        cr_assert_lt(rel_err(ag_value(t, d_run), dot), 1e-13);
        cr_assert_lt(rel_err(ag_value(t, s_list), sum), 1e-13);
        cr_assert_lt(rel_err(ag_value(t, s_run), sum), 1e-13);
        cr_assert_lt(rel_err(ag_value(t, lse), log(mass)), 1e-13);

        /* d dot/dw_k = x_k, d dot/dx_k = w_k, d dot/db = 1, for both forms */
        ag_node dots[2] = {d_list, d_run};
        for (int f = 0; f < 2; f++) {
            ag_zero_grad(t);
            ag_backward(t, dots[f]);
            for (size_t k = 0; k < n; k++) {
                cr_assert_eq(ag_grad(t, w[k]), xv[k]);
                cr_assert_eq(ag_grad(t, x[k]), wv[k]);
            }
            cr_assert_eq(ag_grad(t, b), 1.0);
        }
        ag_node sums[2] = {s_list, s_run};
        for (int f = 0; f < 2; f++) {
            ag_zero_grad(t);
            ag_backward(t, sums[f]);
            for (size_t k = 0; k < n; k++)
                cr_assert_eq(ag_grad(t, x[k]), 1.0);
        }
        /* F5: d log sum e^x / dx_k = softmax_k */
        ag_zero_grad(t);
        ag_backward(t, lse);
        for (size_t k = 0; k < n; k++)
            cr_assert_lt(rel_err(ag_grad(t, x[k]), exp(xv[k]) / mass), 1e-13);
        ag_tape_free(t);
    }
}

/* ---- kinks: the documented conventions ---- */

Test(ops, kinks_follow_the_documented_convention)
{
    ag_tape *t = ag_tape_new(0);
    ag_node z = ag_var(t, 0.0);
    ag_node r = ag_unary(t, AG_OP_RELU, z), a = ag_unary(t, AG_OP_ABS, z), l = ag_binary(t, AG_OP_LEAKY_RELU, z, ag_const(t, 0.01));
    ag_backward(t, r);
    cr_assert_eq(ag_grad(t, z), 0.0, "relu'(0) = 0");
    ag_zero_grad(t);
    ag_backward(t, a);
    cr_assert_eq(ag_grad(t, z), 0.0, "abs'(0) = 0");
    ag_zero_grad(t);
    ag_backward(t, l);
    cr_assert_eq(ag_grad(t, z), 0.01, "leaky_relu'(0) = slope");

    ag_node p = ag_var(t, 2.0), q = ag_var(t, 2.0);
    ag_node mx = ag_binary(t, AG_OP_MAX, p, q), mn = ag_binary(t, AG_OP_MIN, p, q);
    ag_zero_grad(t);
    ag_backward(t, mx);
    cr_assert(ag_grad(t, p) == 1.0 && ag_grad(t, q) == 0.0, "max ties go to the first argument");
    ag_zero_grad(t);
    ag_backward(t, mn);
    cr_assert(ag_grad(t, p) == 1.0 && ag_grad(t, q) == 0.0, "min ties go to the first argument");
    ag_tape_free(t);
}

Test(ops, stable_sigmoid_tanh_softplus_at_extremes)
{
    ag_tape *t = ag_tape_new(0);
    ag_node big = ag_var(t, 1000.0), small = ag_var(t, -1000.0);
    ag_node s1 = ag_unary(t, AG_OP_SIGMOID, big), s0 = ag_unary(t, AG_OP_SIGMOID, small);
    cr_assert_eq(ag_value(t, s1), 1.0);
    cr_assert_eq(ag_value(t, s0), 0.0);
    ag_backward(t, s1);
    cr_assert_eq(ag_grad(t, big), 0.0);
    ag_node th = ag_unary(t, AG_OP_TANH, small);
    cr_assert_eq(ag_value(t, th), -1.0);
    ag_node sp = ag_unary(t, AG_OP_SOFTPLUS, big), sn = ag_unary(t, AG_OP_SOFTPLUS, small);
    cr_assert_eq(ag_value(t, sp), 1000.0);
    cr_assert_eq(ag_value(t, sn), 0.0);
    ag_backward(t, sp);
    cr_assert_eq(ag_grad(t, big), 1.0);
    ag_tape_free(t);
}

/* In the saturated tails s(1 - s) and 1 - tanh^2 cancel to rounding noise;
 * the engine keeps full relative accuracy there. Oracles: F1's own form
 * e^-z / (1 + e^-z)^2 (no cancellation for z > 0) and 1 / cosh^2 z (F4's
 * ((e^z + e^-z)^2 - (e^z - e^-z)^2) / (e^z + e^-z)^2 simplified: the
 * numerator is 4, so tanh' = 4 / (e^z + e^-z)^2 = 1 / cosh^2). */
Test(ops, sigmoid_and_tanh_derivatives_keep_relative_accuracy_in_the_tails)
{
    static const double zs[] = {8, 15, 19, 30, 37, 50, 200, -8, -15, -30, -50};
    for (size_t k = 0; k < sizeof zs / sizeof zs[0]; k++) {
        double z = zs[k];
        ag_tape *t = ag_tape_new(0);
        ag_node x = ag_var(t, z);
        ag_backward(t, ag_unary(t, AG_OP_SIGMOID, x));
        double e = exp(-fabs(z)), want = e / ((1 + e) * (1 + e)); /* F1, symmetric in z */
        cr_assert(fabs(ag_grad(t, x) - want) <= 1e-14 * want, "sigmoid'(%g) = %.17g, F1 gives %.17g", z,
                  ag_grad(t, x), want);
        ag_zero_grad(t);
        ag_backward(t, ag_unary(t, AG_OP_TANH, x));
        double c = cosh(z), want_t = isinf(c) ? 0.0 : 1.0 / (c * c);
        cr_assert(fabs(ag_grad(t, x) - want_t) <= 1e-14 * want_t, "tanh'(%g) = %.17g, F4 gives %.17g", z,
                  ag_grad(t, x), want_t);
        ag_tape_free(t);
    }
}

Test(ops, domain_errors_give_libm_values_without_crashing)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 0.0), m = ag_var(t, -1.0);
    cr_assert(isinf(ag_value(t, ag_unary(t, AG_OP_LOG, x))) && ag_value(t, ag_unary(t, AG_OP_LOG, x)) < 0, "log 0 = -inf");
    cr_assert(isnan(ag_value(t, ag_unary(t, AG_OP_LOG, m))), "log -1 = NaN");
    cr_assert(isnan(ag_value(t, ag_div(t, x, x))), "0/0 = NaN");
    cr_assert(isnan(ag_value(t, ag_unary(t, AG_OP_SQRT, m))), "sqrt -1 = NaN");
    ag_node y = ag_div(t, ag_const(t, 1.0), x);
    cr_assert(isinf(ag_value(t, y)));
    cr_assert_eq(ag_backward(t, y), AG_OK);
    cr_assert_eq(ag_tape_status(t), AG_OK, "domain errors are values, not errors");
    ag_tape_free(t);
}
