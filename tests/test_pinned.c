/*
 * test_pinned.c: tolerances and constants pinned from both sides, and a
 * second, independent test for behaviours that rested on one.
 *
 * Near misses: `agrad check`, `agrad gradcheck` and ag_gradcheck must flag
 * a derivative off by 1e-6 relative (at values above and below 1) and
 * must not flag rounding. gradcheck's near miss is exact: the central
 * difference of f(x) = e^{kx} at x = 0 with step h is
 *     (e^{kh} - e^{-kh}) / 2h = k sinh(kh)/(kh) = k (1 + (kh)^2/6 + O((kh)^4)),
 * so its relative error is (kh)^2/6 with h = cbrt(DBL_EPSILON) (the step
 * documented in teach.h, about 6.06e-6): 2.0e-6 for k = 572 (just over
 * the 1e-6 tolerance) and 5.0e-7 for k = 286 (just under it).
 *
 * Constants: BCE's log clamp at -100 (PyTorch's BCELoss): p = 1 with
 * y = 0 costs exactly 100.
 *
 * Second tests: softmax cross-entropy's logsumexp at logits near 1000 (its
 * first test, F17, uses small ones); SGD momentum's velocity against the
 * closed form of a constant gradient (no dampening); ag_zero_grad and
 * nn_zero_grad clearing the last gradient.
 */
#include "require.h"

#include "nn.h"
#include "teach.h"

#include <float.h>
#include <math.h>
#include <stdio.h>

/* ---- the agrad binary ------------------------------------------------------ */

typedef struct shout {
    int rc;
    char text[8192];
} shout;

/* $AGRAD_BUILD/agrad ARGS (a shell word list), stdout and stderr together */
static shout agrad_sh(const char *args)
{
    const char *b = getenv("AGRAD_BUILD");
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s/agrad %s 2>&1", b && *b ? b : "build", args);
    shout r = {-1, ""};
    FILE *p = popen(cmd, "r");
    cr_assert(p, "popen %s", cmd);
    size_t n = fread(r.text, 1, sizeof r.text - 1, p);
    r.text[n] = '\0';
    int st = pclose(p);
    r.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

#define EXPECT_RC(args, want)                                                                    \
    do {                                                                                         \
        shout r_ = agrad_sh(args);                                                               \
        cr_expect_eq(r_.rc, (want), "agrad %s: exit %d, want %d\n%s", (args), r_.rc, (want), r_.text); \
    } while (0)

/* check: tolerance 1e-9 relative, 1e-12 absolute (tools/cmd_check.c) */
Test(pinned, check_catches_one_part_in_a_million_and_not_rounding)
{
    /* d x^2 = 2x; the formula off by 1e-6 and 1e-8 relative */
    EXPECT_RC("check 'x^2' --wrt x --expect '2*x*(1+1e-6)' x=1.5", 1);
    EXPECT_RC("check 'x^2' --wrt x --expect '2*x*(1+1e-8)' x=1.5", 1);
    /* below 1, where an absolute floor would hide it: 2e-10 absolute */
    EXPECT_RC("check 'x^2' --wrt x --expect '2*x*(1+1e-6)' --points 0 x=1e-4", 1);
    /* the same derivative written differently: equal up to rounding (F1's two forms) */
    EXPECT_RC("check 'sigmoid(z)' --wrt z --expect 'exp(-z)/(1+exp(-z))^2' z=0.5", 0);
    EXPECT_RC("check 'x^3/3' --wrt x --expect 'x*x' x=1e-3", 0);
    EXPECT_RC("check 'x^2' --wrt x --expect '2*x' x=1.5", 0);
    /* near 0 a correct formula's rounding is not flagged: 2e-20 against the 0
     * of 2*x + 0.1 - 0.1 is within its own rounding bound (8 eps * 0.1) */
    EXPECT_RC("check 'x^2' --wrt x --expect '2*x + 0.1 - 0.1' --points 0 x=1e-20", 0);
    /* the floor follows the largest |autodiff| over the points (0.942 at point
     * 0), not the point's own: point 1 of seed 1 at radius 1 moves y to
     * y + 0.942..., about 1e-16 here, where 1e-13 is within 1e-12 * 0.942 and
     * 1e-11 is not */
    EXPECT_RC("check 'x*y' --wrt x --expect 'y + 1e-13' y=-0.94200550717359234 x=1 --points 1 --radius 1", 0);
    EXPECT_RC("check 'x*y' --wrt x --expect 'y + 1e-11' y=-0.94200550717359234 x=1 --points 1 --radius 1", 1);
    /* no point in the domain: nothing was checked, which is not a pass */
    EXPECT_RC("check 'log(x)' --wrt x --expect '1/x' --radius 0.1 x=-5", 1);
}

/* gradcheck: tolerance 1e-6 relative, 1e-8 absolute (tools/cmd_teach.c) */
Test(pinned, gradcheck_cli_near_miss)
{
    EXPECT_RC("gradcheck 'exp(572*x)' x=0", 1);          /* rel 2.0e-6, abs 1.1e-3 */
    EXPECT_RC("gradcheck 'exp(286*x)' x=0", 0);          /* rel 5.0e-7             */
    EXPECT_RC("gradcheck 'exp(572*x)/10000' x=0", 1);    /* rel 2.0e-6, abs 1.1e-7 */
    EXPECT_RC("gradcheck 'sin(x)*exp(y)/sqrt(x)' x=1.5 y=0.25", 0); /* rounding */
}

/* f = e^{kx} / scale at x = 0 through ag_gradcheck; returns its row */
static ag_gradcheck_row lib_gradcheck(double k, double scale, char *table, size_t cap)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 0.0);
    ag_mark from = ag_tape_mark(t);
    ag_node y = ag_div(t, ag_unary(t, AG_OP_EXP, ag_mul(t, ag_const(t, k), x)), ag_const(t, scale));
    ag_gradcheck_row row;
    cr_assert_eq(ag_gradcheck(t, from, y, &x, 1, &row), AG_OK, "%s", ag_tape_error(t));
    FILE *f = fmemopen(table, cap, "w");
    cr_assert(f);
    cr_assert_eq(ag_gradcheck_print(t, &row, 1, 0.0, f), AG_OK); /* tol 0: the default 1e-6 */
    fclose(f);
    ag_tape_free(t);
    return row;
}

Test(pinned, ag_gradcheck_near_miss_and_its_error_figures)
{
    double h = cbrt(DBL_EPSILON);
    const double ks[] = {572, 286}, scales[] = {1, 1e4};
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            char table[1024] = "";
            double k = ks[a], kh = k * h;
            ag_gradcheck_row r = lib_gradcheck(k, scales[b], table, sizeof table);
            double want_rel = kh * kh / 6.0 * (1.0 + kh * kh / 20.0); /* sinh(u)/u - 1 */
            cr_expect(fabs(r.step - h) <= 1e-16 * h, "step %.17g, want cbrt(eps) = %.17g", r.step, h);
            cr_expect(fabs(r.analytic - k / scales[b]) <= 1e-15 * k / scales[b]);
            cr_expect(fabs(r.rel_err - want_rel) <= 1e-3 * want_rel, "k %g scale %g: rel err %.6g, want (kh)^2/6 = %.6g",
                      k, scales[b], r.rel_err, want_rel);
            cr_expect(fabs(r.abs_err - want_rel * k / scales[b]) <= 1e-3 * want_rel * k / scales[b]);
            /* the default tolerance 1e-6 applies to both errors: flagged when
             * both exceed it, i.e. for k = 572 at scale 1 only */
            bool flagged = strstr(table, "disagree") != NULL;
            cr_expect_eq(flagged, a == 0 && b == 0, "k %g scale %g:\n%s", k, scales[b], table);
        }
}

/* ---- BCE's clamp ------------------------------------------------------------- */

static double bce(double p, double y, nn_reduce red, size_t n)
{
    ag_tape *t = ag_tape_new(0);
    double pv[2] = {p, p}, yv[2] = {y, y};
    ag_node L = nn_loss(t, NN_LOSS_BCE, ag_consts(t, pv, n), ag_consts(t, yv, n), red);
    cr_assert(!ag_is_null(L), "%s", ag_tape_error(t));
    double v = ag_value(t, L);
    ag_tape_free(t);
    return v;
}

Test(pinned, bce_clamps_each_log_at_minus_100)
{
    /* L = -(y max(log p, -100) + (1 - y) max(log(1 - p), -100)) */
    cr_assert_eq(bce(1.0, 0.0, NN_SUM, 1), 100.0); /* log(1 - 1) = -inf -> -100 */
    cr_assert_eq(bce(0.0, 1.0, NN_SUM, 1), 100.0); /* log 0 = -inf -> -100 */
    cr_assert_eq(bce(1.0, 1.0, NN_SUM, 1), 0.0);   /* 0 * -100, not 0 * -inf */
    cr_assert_eq(bce(0.0, 0.0, NN_SUM, 1), 0.0);
    cr_assert_eq(bce(1.0, 0.0, NN_SUM, 2), 200.0);
    cr_assert_eq(bce(1.0, 0.0, NN_MEAN, 2), 100.0);
    /* just inside the clamp: log p = -99 is kept (e^-99 is a normal double) */
    double p = exp(-99.0);
    cr_assert(fabs(bce(p, 1.0, NN_SUM, 1) - 99.0) <= 1e-13 * 99.0);
}

/* ---- softmax cross-entropy at large logits (second test of its logsumexp) ---- */

Test(pinned, softmax_ce_logsumexp_at_large_logits)
{
    /* z = (1000, 999, 990): L = logsumexp(z) - z_c with
     * logsumexp(z) = 1000 + log(1 + e^-1 + e^-10), and dL/dz = s - y with
     * s = (1, e^-1, e^-10) / (1 + e^-1 + e^-10). An unshifted e^1000 is inf. */
    const double z[3] = {1000, 999, 990};
    double q = 1.0 + exp(-1.0) + exp(-10.0), s[3] = {1 / q, exp(-1.0) / q, exp(-10.0) / q};
    for (size_t c = 0; c < 3; c++) {
        ag_tape *t = ag_tape_new(0);
        double y[3] = {0, 0, 0};
        y[c] = 1;
        ag_run zr = ag_vars(t, z, 3);
        ag_node L = nn_loss(t, NN_LOSS_SOFTMAX_CE, zr, ag_consts(t, y, 3), NN_SUM);
        cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));
        /* the engine forms L as (1000 + log q) - z_c: the logsumexp rounds at
         * the scale of 1000 (ulp 1.1e-13), so the floor is 4 ulp(1000) for
         * the value and, through s_k = e^{z_k - lse}, 4 ulp(1000) s_k for
         * the gradient */
        double want = (1000.0 - z[c]) + log1p(exp(-1.0) + exp(-10.0)), ulp = 1000.0 * DBL_EPSILON;
        cr_expect(fabs(ag_value(t, L) - want) <= 4 * ulp, "class %zu: L = %.17g, want %.17g", c,
                  ag_value(t, L), want);
        const double *g = ag_grads(t, zr);
        for (size_t k = 0; k < 3; k++) {
            double gw = s[k] - y[k];
            cr_expect(fabs(g[k] - gw) <= 4 * ulp * s[k] + 4 * DBL_EPSILON * fabs(gw), "class %zu: dL/dz_%zu = %.17g, want %.17g", c, k,
                      g[k], gw);
        }
        ag_tape_free(t);
    }
}

/* ---- a model on its own tape, with a seeded generator ------------------------ */

typedef struct pin_model {
    ag_tape *t;
    nn_model *m;
    nn_rng rng;
} pin_model;

static pin_model pin_new(uint64_t seed)
{
    pin_model p;
    p.t = ag_tape_new(0);
    p.m = nn_model_new(p.t);
    cr_assert(p.t && p.m);
    nn_rng_seed(&p.rng, seed);
    return p;
}

static void pin_free(pin_model *p)
{
    nn_model_free(p->m);
    ag_tape_free(p->t);
}

/* ---- SGD momentum against a closed form (second test of its velocity) ---- */

Test(pinned, sgd_momentum_closed_form_without_dampening)
{
    /* L = c w has the constant gradient c. PyTorch's SGD (dampening 0):
     * v_1 = c, v_t = mu v_{t-1} + c, so v_t = c (1 - mu^t)/(1 - mu) and
     * w_t = w_0 - lr c sum_{s=1..t} (1 - mu^s)/(1 - mu). */
    const double c = 0.75, mu = 0.9, lr = 0.1, w0 = 2.0;
    pin_model pm = pin_new(1);
    ag_tape *t = pm.t;
    nn_model *m = pm.m;
    nn_param w;
    cr_assert_eq(nn_param_new(m, "w", 1, 0, NN_INIT_ZERO, &pm.rng, &w), AG_OK);
    ag_set_value(t, w.v.first, w0);
    nn_optim_opts o = {.kind = NN_OPTIM_SGD, .lr = lr, .momentum = mu};
    nn_optim *opt = nn_optim_new(m, &o);
    cr_assert(opt);
    ag_mark mark = ag_tape_mark(t);
    double want = w0;
    for (int step = 1; step <= 6; step++) {
        cr_assert_eq(ag_tape_rewind(t, mark), AG_OK);
        ag_node L = ag_mul(t, w.v.first, ag_const(t, c));
        nn_zero_grad(m);
        cr_assert_eq(ag_backward(t, L), AG_OK);
        cr_assert_eq(nn_optim_step(opt, m), AG_OK);
        want -= lr * c * (1.0 - pow(mu, step)) / (1.0 - mu);
        double got = ag_value(t, w.v.first);
        cr_expect(fabs(got - want) <= 1e-14 * fabs(want), "step %d: w = %.17g, want %.17g", step, got, want);
    }
    nn_optim_free(opt);
    pin_free(&pm);
}

/* ---- PyTorch's state_dict names ---------------------------------------------- */

Test(pinned, mlp_tensor_names_follow_sequential_numbering)
{
    /* Sequential(Linear(2,3), Linear(3,4), ReLU(), Linear(4,1)): a linear
     * layer has no activation module, so the Linears are modules 0, 1, 3 */
    pin_model pm = pin_new(5);
    nn_model *m = pm.m;
    size_t sizes[3] = {3, 4, 1};
    nn_act acts[3] = {NN_ACT_LINEAR, NN_ACT_RELU, NN_ACT_LINEAR};
    cr_assert_eq(nn_mlp_build(m, 2, sizes, acts, 3, NN_INIT_HE, &pm.rng), AG_OK);
    const char *names[] = {"0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "3.bias"};
    for (size_t k = 0; k < 6; k++) {
        nn_param p;
        cr_expect_eq(nn_param_find(m, names[k], &p), AG_OK, "no tensor %s", names[k]);
    }
    nn_param p;
    cr_expect_neq(nn_param_find(m, "2.weight", &p), AG_OK);
    pin_free(&pm);
}

/* ---- Xavier's range ---------------------------------------------------------- */

Test(pinned, xavier_range_uses_fan_in_and_fan_out)
{
    /* U(-r, r), r = sqrt(6 / (fan_in + fan_out)); 16 x 4: r = sqrt(0.3).
     * 64 draws: all within r, and the largest beyond 0.8 r unless the
     * generator is broken (probability 0.8^64 ~ 6e-7 for a fixed seed) */
    pin_model pm = pin_new(11);
    ag_tape *t = pm.t;
    nn_model *m = pm.m;
    nn_param w;
    cr_assert_eq(nn_param_new(m, "w", 4, 16, NN_INIT_XAVIER, &pm.rng, &w), AG_OK);
    const double *v = ag_values(t, w.v);
    cr_assert_eq(w.v.n, 64);
    double r = sqrt(6.0 / 20.0), big = 0.0;
    for (size_t k = 0; k < 64; k++) {
        cr_expect(fabs(v[k]) <= r, "w[%zu] = %g outside +-%g", k, v[k], r);
        big = fmax(big, fabs(v[k]));
    }
    cr_expect_gt(big, 0.8 * r);
    pin_free(&pm);
}

/* ---- zero_grad clears the whole run, its last element included ---- */

Test(pinned, zero_grad_clears_every_variable_the_last_included)
{
    ag_tape *t = ag_tape_new(0);
    const double v[5] = {1, 2, 3, 4, 5};
    ag_node before = ag_var(t, 7.0);
    ag_run x = ag_vars(t, v, 5);
    ag_node after = ag_var(t, 9.0);
    /* L = before * after + x . x: every gradient nonzero */
    ag_node L = ag_add(t, ag_mul(t, before, after), ag_dot(t, x, x, AG_NULL));
    cr_assert_eq(ag_backward(t, L), AG_OK);
    cr_assert_eq(ag_grad(t, after), 7.0);
    /* a variable recorded last (the tape's last node) holding a gradient */
    ag_node last = ag_var(t, 1.0);
    ag_grads(t, ag_run_of(last, 1))[0] = 5.0;
    ag_zero_grad(t);
    cr_expect_eq(ag_grad(t, last), 0.0, "the tape's last node kept its gradient");
    const double *g = ag_grads(t, x);
    for (size_t k = 0; k < 5; k++)
        cr_expect_eq(g[k], 0.0, "x[%zu] kept gradient %g", k, g[k]);
    cr_expect_eq(ag_grad(t, before), 0.0);
    cr_expect_eq(ag_grad(t, after), 0.0, "the tape's last variable kept its gradient");
    ag_tape_free(t);
}

Test(pinned, nn_zero_grad_clears_every_parameter)
{
    pin_model pm = pin_new(3);
    ag_tape *t = pm.t;
    nn_model *m = pm.m;
    size_t sizes[2] = {3, 2};
    nn_act acts[2] = {NN_ACT_TANH, NN_ACT_LINEAR};
    cr_assert_eq(nn_mlp_build(m, 2, sizes, acts, 2, NN_INIT_XAVIER, &pm.rng), AG_OK);
    ag_run first = nn_model_params(m);
    size_t n = first.n;
    double *p = ag_values(t, first);
    for (size_t k = 0; k < n; k++)
        p[k] = 0.1 * (double)(k + 1); /* biases too, so no gradient is 0 by accident */
    const double xv[2] = {0.5, -1.5}, yv[2] = {3, -3};
    ag_run out = nn_mlp_forward(m, ag_consts(t, xv, 2));
    ag_node L = nn_loss(t, NN_LOSS_HALF_SE, out, ag_consts(t, yv, 2), NN_SUM);
    cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));
    const double *g = ag_grads(t, first);
    cr_assert_neq(g[n - 1], 0.0, "the last bias has a gradient to clear");
    nn_zero_grad(m);
    for (size_t k = 0; k < n; k++)
        cr_expect_eq(g[k], 0.0, "parameter %zu of %zu kept gradient %g", k, n, g[k]);
    pin_free(&pm);
}

/* ---- a shape that differs only in its columns ---------------------------------- */

Test(pinned, safetensors_shape_differing_in_columns_only)
{
    /* [2, 4] in the file for a [2, 3] tensor: refused by the shape check
     * itself (not only by the byte count that follows it) */
    char hdr[] = "{\"w\":{\"dtype\":\"F64\",\"shape\":[2,4],\"data_offsets\":[0,64]}}";
    size_t hn = sizeof hdr - 1, len = 8 + hn + 64;
    unsigned char buf[256] = {0};
    for (int k = 0; k < 8; k++)
        buf[k] = (unsigned char)(hn >> (8 * k));
    memcpy(buf + 8, hdr, hn);
    double w[6] = {0};
    nn_tensor t = {"w", 2, {2, 3}, w};
    nn_error err;
    cr_assert_eq(nn_safetensors_load_mem(buf, len, "m.st", &t, 1, &err), NN_EFORMAT);
    cr_expect(strstr(err.message, "tensor 'w': shape [2, 4] in the file, [2, 3] expected"), "%s", err.message);
}

/* ---- recorded local derivatives keep the sweep's tie convention ---------------- */

Test(pinned, recorded_min_max_derivatives_send_ties_to_a)
{
    /* ops.c: max sends a tie's gradient to a (a >= b), min too (a <= b);
     * the derivative recorded as ops for higher order must say the same
     * as the sweep, at the tie and on both sides of it */
    const double bs[] = {2.0, 1.5, 2.5};
    for (size_t k = 0; k < 3; k++) {
        ag_tape *t = ag_tape_new(0);
        ag_node a = ag_var(t, 2.0), b = ag_var(t, bs[k]);
        ag_node mx = ag_binary(t, AG_OP_MAX, a, b), mn = ag_binary(t, AG_OP_MIN, a, b);
        double want_max_a = 2.0 >= bs[k], want_min_a = 2.0 <= bs[k];
        cr_expect_eq(ag_value(t, ag_local_derivative(t, mx, 0)), want_max_a, "dmax/da at b = %g", bs[k]);
        cr_expect_eq(ag_value(t, ag_local_derivative(t, mx, 1)), 1.0 - want_max_a, "dmax/db at b = %g", bs[k]);
        cr_expect_eq(ag_value(t, ag_local_derivative(t, mn, 0)), want_min_a, "dmin/da at b = %g", bs[k]);
        cr_expect_eq(ag_value(t, ag_local_derivative(t, mn, 1)), 1.0 - want_min_a, "dmin/db at b = %g", bs[k]);
        ag_tape_free(t);
    }
}
