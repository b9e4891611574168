/*
 * test_formulas_act.c: the activations of nn/ (nn_activate, its softmax and a
 * dense layer's leaky ReLU) against FORMULAS.md F1-F5 and the saturation
 * half of F16, computed here in plain C at fixed and seeded random points.
 *
 * Every expected value is the formula itself (helpers in oracle.h); each
 * test prints the largest relative error it saw per formula.
 */
#include "oracle.h"

#include <float.h>

#define N_RANDOM 400

/* Points: fixed ones (0, small, +-1, +-2, ...) then seeded random ones in
 * [-range, range]. Returns the count. */
static size_t act_points(double *z, size_t cap, double range, uint64_t seed)
{
    static const double fixed[] = {0.0, 0.5, -0.5, 1.0, -1.0, 2.0, -2.0, 1e-8, -1e-8, 3.0, -3.0};
    size_t n = 0;
    for (size_t k = 0; k < sizeof fixed / sizeof fixed[0] && n < cap; k++)
        if (fabs(fixed[k]) <= range)
            z[n++] = fixed[k];
    orc_rng r = {seed};
    while (n < cap)
        z[n++] = orc_uniform(&r, -range, range);
    return n;
}

/* Record z as a run of variables, act over it, and differentiate the sum of
 * the outputs: dL/dz_k = f'(z_k) since output k depends on z_k alone. Fills
 * the values a_k and derivatives d_k. */
static void act_run(nn_act act, double slope, const double *z, size_t n, double *a, double *d)
{
    ag_tape *t = ag_tape_new(0);
    ag_node zs = ag_vars(t, z, n).first;
    ag_node as = nn_activate(t, act, ag_run_of(zs, n), slope).first;
    ag_node L = ag_sum(t, ag_run_of(as, n));
    cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));
    memcpy(a, ag_values(t, ag_run_of(as, n)), n * sizeof *a);
    memcpy(d, ag_grads(t, ag_run_of(zs, n)), n * sizeof *d);
    ag_tape_free(t);
}

/* The pre-activations are kept to |z| <= 8 for F1: the engine's sigma' is
 * s(1 - s) (F1's first form), whose 1 - s loses relative accuracy as s
 * rounds towards 1, about eps e^z relative, against the e^-z form: at
 * z = 8 that is at most 3e-13, at z = 15 2e-10 and at z = 30 1e-3. */
Test(formulas, F1_sigmoid)
{
    double z[N_RANDOM], a[N_RANDOM], d[N_RANDOM];
    size_t n = act_points(z, N_RANDOM, 8.0, 11);
    act_run(NN_ACT_SIGMOID, 0.0, z, n, a, d);
    orc_stat sv = {.name = "F1 sigma(z)"}, s1 = {.name = "F1 sigma'=s(1-s)"}, s2 = {.name = "F1 sigma'=e^-z/(1+e^-z)^2"};
    for (size_t k = 0; k < n; k++) {
        double s = 1.0 / (1.0 + exp(-z[k]));
        double e = exp(-z[k]);
        ORC_CHECK(&sv, a[k], s, 0.0, "at z = %.17g", z[k]);
        ORC_CHECK(&s1, d[k], s * (1.0 - s), 0.0, "at z = %.17g", z[k]);
        ORC_CHECK(&s2, d[k], e / ((1.0 + e) * (1.0 + e)), 0.0, "at z = %.17g", z[k]);
    }
    /* sigma(0) = 1/2 and sigma'(0) = 1/4 exactly */
    cr_assert_eq(a[0], 0.5);
    cr_assert_eq(d[0], 0.25);
    orc_stat_print(&sv);
    orc_stat_print(&s1);
    orc_stat_print(&s2);
}

Test(formulas, F2_relu_and_kink)
{
    double z[N_RANDOM + 4], a[N_RANDOM + 4], d[N_RANDOM + 4];
    size_t n = act_points(z, N_RANDOM, 8.0, 12);
    /* the kink and its nearest neighbours, including subnormals */
    z[n++] = -0.0;
    z[n++] = DBL_TRUE_MIN;
    z[n++] = -DBL_TRUE_MIN;
    z[n++] = -DBL_MIN;
    act_run(NN_ACT_RELU, 0.0, z, n, a, d);
    orc_stat st = {.name = "F2 relu'"};
    for (size_t k = 0; k < n; k++) {
        /* F2: f = z, f' = 1 for z > 0; f = 0, f' = 0 for z < 0; f'(0) = 0 */
        double f = z[k] > 0 ? z[k] : 0.0, df = z[k] > 0 ? 1.0 : 0.0;
        cr_assert_eq(a[k], f, "relu(%.17g) = %.17g", z[k], a[k]);
        ORC_CHECK(&st, d[k], df, 0.0, "at z = %.17g", z[k]);
    }
    cr_assert_eq(z[0], 0.0);
    cr_assert_eq(d[0], 0.0, "relu'(0) must be 0 (the documented convention)");
    orc_stat_print(&st);
}

Test(formulas, F3_leaky_relu_and_kink)
{
    double z[N_RANDOM + 2], a[N_RANDOM + 2], d[N_RANDOM + 2];
    orc_stat st = {.name = "F3 leaky'"};
    static const double slopes[] = {0.01, 0.2, 0.5};
    for (size_t s = 0; s < 3; s++) {
        size_t n = act_points(z, N_RANDOM, 8.0, 13 + s);
        z[n++] = -0.0;
        z[n++] = DBL_TRUE_MIN;
        double c = slopes[s];
        act_run(NN_ACT_LEAKY_RELU, c, z, n, a, d);
        for (size_t k = 0; k < n; k++) {
            /* F3: f = z, f' = 1 for z > 0; f = c z, f' = c for z <= 0 */
            double f = z[k] > 0 ? z[k] : c * z[k], df = z[k] > 0 ? 1.0 : c;
            ORC_CHECK(&st, a[k], f, 0.0, "value at z = %.17g, slope %g", z[k], c);
            ORC_CHECK(&st, d[k], df, 0.0, "at z = %.17g, slope %g", z[k], c);
        }
        cr_assert_eq(d[0], c, "leaky_relu'(0) must be the slope");
    }

    /* NN_ACT_LEAKY_RELU in a dense layer uses the default slope 0.01:
     * one input, w = 1, b = 0, so z = x and dL/dx = f'(x) */
    cr_assert_eq(NN_LEAKY_SLOPE, 0.01);
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    nn_layer ly;
    cr_assert_eq(nn_dense_new(m, "0", 1, 1, NN_ACT_LEAKY_RELU, NN_INIT_UNIFORM, &rng, &ly), AG_OK);
    cr_assert_eq(ly.slope, 0.01);
    *ag_values(t, ly.w) = 1.0;
    *ag_values(t, ly.b) = 0.0;
    static const double xs[] = {-3.5, -1e-9, 0.0, 1e-9, 2.25};
    for (size_t k = 0; k < 5; k++) {
        ag_mark mk = ag_tape_mark(t);
        ag_node x = ag_var(t, xs[k]);
        ag_node out = nn_dense_forward(t, &ly, ag_run_of(x, 1)).first;
        cr_assert_eq(ag_backward(t, out), AG_OK, "%s", ag_tape_error(t));
        double df = xs[k] > 0 ? 1.0 : 0.01, f = xs[k] > 0 ? xs[k] : 0.01 * xs[k];
        ORC_CHECK(&st, ag_value(t, out), f, 0.0, "layer value at x = %g", xs[k]);
        ORC_CHECK(&st, ag_grad(t, x), df, 0.0, "layer at x = %g", xs[k]);
        cr_assert_eq(ag_tape_rewind(t, mk), AG_OK);
    }
    nn_model_free(m);
    ag_tape_free(t);
    orc_stat_print(&st);
}

/* The (e^z - e^-z) forms are evaluated as written. The derivative's
 * difference of squares, ((e^z+e^-z)^2 - (e^z-e^-z)^2), is 4 computed from
 * two numbers near e^{2|z|}, so it carries about eps e^{2|z|} / 4 relative
 * error of its own: that form is compared on |z| <= 2 (a few 1e-15), the
 * others on |z| <= 4. 1 - f^2 itself (the engine's tanh' and the F4 form)
 * amplifies an ulp of f by 2 / (1 - f^2): about 2e-13 relative at |z| = 4,
 * 3e-10 at |z| = 8, and at |z| >= 19 f rounds to 1 and 1 - f^2 to 0. */
Test(formulas, F4_tanh)
{
    double z[N_RANDOM], a[N_RANDOM], d[N_RANDOM];
    orc_stat sv = {.name = "F4 tanh(z)"}, s1 = {.name = "F4 tanh'=1-f^2"},
             s2 = {.name = "F4 tanh'=((e^z+e^-z)^2-(e^z-e^-z)^2)/(e^z+e^-z)^2"};
    size_t n = act_points(z, N_RANDOM, 4.0, 14);
    act_run(NN_ACT_TANH, 0.0, z, n, a, d);
    for (size_t k = 0; k < n; k++) {
        double ep = exp(z[k]), em = exp(-z[k]);
        double f = (ep - em) / (ep + em);
        /* (e^z - e^-z) cancels for small |z|: relative error eps / |z|
         * (1e-8 at z = 1e-8), so the value is compared to libm's tanh
         * there, the definition evaluated without cancellation */
        double fv = fabs(z[k]) < 0.1 ? tanh(z[k]) : f;
        ORC_CHECK(&sv, a[k], fv, 0.0, "at z = %.17g", z[k]);
        ORC_CHECK(&s1, d[k], 1.0 - fv * fv, 0.0, "at z = %.17g", z[k]);
        if (fabs(z[k]) <= 2.0) {
            double p = ep + em, q = ep - em;
            ORC_CHECK(&s2, d[k], (p * p - q * q) / (p * p), 0.0, "at z = %.17g", z[k]);
        }
    }
    cr_assert_eq(d[0], 1.0, "tanh'(0) = 1");
    orc_stat_print(&sv);
    orc_stat_print(&s1);
    orc_stat_print(&s2);
}

/* F5: one backward per output s_i of nn_softmax gives the row i of the
 * Jacobian: ds_i/dz_k = s_i (1 - s_i) if i = k, -s_i s_k otherwise. */
Test(formulas, F5_softmax_full_jacobian)
{
    orc_stat sv = {.name = "F5 softmax s_i"}, sj = {.name = "F5 softmax Jacobian"};
    for (uint64_t seed = 0; seed < 40; seed++) {
        orc_rng r = {1000 + seed};
        size_t n = orc_pick(&r, 2, 10);
        double z[16], s[16];
        for (size_t k = 0; k < n; k++)
            z[k] = orc_uniform(&r, -3, 3);
        orc_softmax(z, s, n);
        ag_tape *t = ag_tape_new(0);
        ag_node zs = ag_vars(t, z, n).first;
        /* the two entry points record the same thing: alternate them */
        ag_node ss = nn_activate(t, NN_ACT_SOFTMAX, ag_run_of(zs, n), 0.0).first;
        cr_assert(!ag_is_null(ss), "%s", ag_tape_error(t));
        for (size_t i = 0; i < n; i++) {
            ag_node si = ag_at(t, ag_run_of(ss, i + 1), i);
            ORC_CHECK(&sv, ag_value(t, si), s[i], 0.0, "seed %u s_%zu", (unsigned)seed, i);
            ag_zero_grad(t); /* variables accumulate across backward calls */
            cr_assert_eq(ag_backward(t, si), AG_OK);
            const double *g = ag_grads(t, ag_run_of(zs, n));
            for (size_t k = 0; k < n; k++) {
                double want = i == k ? s[i] * (1.0 - s[i]) : -s[i] * s[k];
                ORC_CHECK(&sj, g[k], want, 0.0, "seed %u n %zu ds_%zu/dz_%zu", (unsigned)seed, n, i, k);
            }
        }
        ag_tape_free(t);
    }
    orc_stat_print(&sv);
    orc_stat_print(&sj);
}

/* F16, the activation half: for |z| >= 30, sigma'(z) = sigma(1 - sigma)
 * < e^-|z| <= e^-30 ~ 9.4e-14, below 1e-12, and shrinking with |z|; ReLU's
 * derivative stays exactly 1 at the same positive z. */
Test(formulas, F16_saturated_sigmoid_vs_relu)
{
    static const double z[] = {30.0, -30.0, 35.0, -40.0, 50.0, -100.0, 700.0, -1000.0};
    enum { N = sizeof z / sizeof z[0] };
    double a[N], d[N], ar[N], dr[N];
    act_run(NN_ACT_SIGMOID, 0.0, z, N, a, d);
    act_run(NN_ACT_RELU, 0.0, z, N, ar, dr);
    for (size_t k = 0; k < N; k++) {
        cr_assert(isfinite(d[k]) && d[k] >= 0.0 && d[k] < 1e-12, "sigma'(%g) = %g", z[k], d[k]);
        /* e^-|z| bounds it above, up to the rounding of s near 1: 1 - s is
         * off by at most eps/2 absolute (6e-4 relative at z = 30, 6% at
         * z = 35: see F1_sigmoid) */
        cr_assert(d[k] <= exp(-fabs(z[k])) + DBL_EPSILON / 2, "sigma'(%g) = %g > e^-|z| + eps/2", z[k],
                  d[k]);
        if (z[k] > 0)
            cr_assert_eq(dr[k], 1.0, "relu'(%g) = %g", z[k], dr[k]);
    }
    /* shrinking: sigma'(30) > sigma'(35) > sigma'(50) on the positive side,
     * and the negative side is exact (e^z/(1+e^z) never cancels) */
    cr_assert(d[0] > d[2] && d[2] >= d[4]);
    cr_assert(d[1] > d[3] && d[3] > d[5]);
    double e = exp(-30.0);
    orc_stat st = {.name = "F16 sigma'(-30)"};
    ORC_CHECK(&st, d[1], e / ((1 + e) * (1 + e)), 0.0, "sigma'(-30)");
    orc_stat_print(&st);
}
