/*
 * test_formulas_loss.c: nn/'s losses against docs/formulas.md F6, F7, F14, F17
 * and the closed forms of the others (MSE, BCE from logits, hinge, L2):
 * value and gradient, each computed here in plain C from the formula, with
 * NN_SUM and NN_MEAN reductions.
 *
 * Predictions are variables (their gradients are the formula's dL/da),
 * targets are constants, as a training step records them.
 */
#include "oracle.h"

/* A tape with predictions a (variables) and targets y (constants). */
typedef struct loss_case {
    ag_tape *t;
    ag_node a, y;
    size_t n;
    double av[16], yv[16];
} loss_case;

static void loss_begin(loss_case *c, size_t n)
{
    c->t = ag_tape_new(0);
    c->n = n;
    c->a = ag_vars(c->t, c->av, n).first;
    c->y = ag_consts(c->t, c->yv, n).first;
}

static const double *loss_grads(loss_case *c, ag_node L)
{
    cr_assert(!ag_is_null(L), "%s", ag_tape_error(c->t));
    cr_assert_eq(ag_backward(c->t, L), AG_OK, "%s", ag_tape_error(c->t));
    return ag_grads(c->t, ag_run_of(c->a, c->n));
}

/* F6, note 001's worked numbers: a = (0.3, 0.5), y = (0, 1):
 * L = 1/2 (0.3^2 + 0.5^2) = 0.17, dL/da = (0.3 - 0, 0.5 - 1) = (0.3, -0.5),
 * exactly: a - y is exact for these, and 2 (a - y) / 2 is exact. */
Test(formulas, F6_half_square_error)
{
    orc_stat st = {.name = "F6"};
    loss_case c = {.av = {0.3, 0.5}, .yv = {0.0, 1.0}};
    loss_begin(&c, 2);
    ag_node L = nn_loss(c.t, NN_LOSS_HALF_SE, ag_run_of(c.a, 2), ag_run_of(c.y, 2), NN_SUM);
    const double *g = loss_grads(&c, L);
    cr_assert_eq(g[0], 0.3);
    cr_assert_eq(g[1], -0.5);
    ORC_CHECK(&st, ag_value(c.t, L), 0.17, 0.0, "worked example L");
    ag_tape_free(c.t);

    /* random: L = 1/2 sum (y - a)^2 (/ n for the mean), dL/da_j = a_j - y_j */
    orc_rng r = {6};
    for (int k = 0; k < 100; k++) {
        size_t n = orc_pick(&r, 1, 16);
        nn_reduce red = k % 2 ? NN_MEAN : NN_SUM;
        double scale = red == NN_MEAN ? 1.0 / (double)n : 1.0, want_L = 0.0;
        for (size_t j = 0; j < n; j++) {
            c.av[j] = orc_uniform(&r, -2, 2);
            c.yv[j] = orc_uniform(&r, -2, 2);
            want_L += 0.5 * (c.yv[j] - c.av[j]) * (c.yv[j] - c.av[j]);
        }
        loss_begin(&c, n);
        L = nn_loss(c.t, NN_LOSS_HALF_SE, ag_run_of(c.a, n), ag_run_of(c.y, n), red);
        g = loss_grads(&c, L);
        ORC_CHECK(&st, ag_value(c.t, L), scale * want_L, 0.0, "case %d L", k);
        for (size_t j = 0; j < n; j++)
            ORC_CHECK(&st, g[j], scale * (c.av[j] - c.yv[j]), 0.0, "case %d dL/da_%zu", k, j);
        ag_tape_free(c.t);
    }
    orc_stat_print(&st);
}

/* F7 (note 003): L = (y - a)^2, dL/da = -2 (y - a) = 2 (a - y); summed over
 * n outputs, and with NN_MEAN it is the mean squared error:
 * L = 1/n sum (y - a)^2, dL/da_j = 2 (a_j - y_j) / n. */
Test(formulas, F7_square_error_and_mse)
{
    orc_stat st = {.name = "F7"}, sm = {.name = "MSE"};
    orc_rng r = {7};
    for (int k = 0; k < 100; k++) {
        loss_case c;
        size_t n = k < 10 ? 1 : orc_pick(&r, 1, 16);
        nn_reduce red = k % 2 ? NN_MEAN : NN_SUM;
        orc_stat *s = red == NN_MEAN ? &sm : &st;
        double scale = red == NN_MEAN ? 1.0 / (double)n : 1.0, want_L = 0.0;
        for (size_t j = 0; j < n; j++) {
            c.av[j] = orc_uniform(&r, -2, 2);
            c.yv[j] = orc_uniform(&r, -2, 2);
            want_L += (c.yv[j] - c.av[j]) * (c.yv[j] - c.av[j]);
        }
        loss_begin(&c, n);
        ag_node L = nn_loss(c.t, NN_LOSS_SE, ag_run_of(c.a, n), ag_run_of(c.y, n), red);
        const double *g = loss_grads(&c, L);
        ORC_CHECK(s, ag_value(c.t, L), scale * want_L, 0.0, "case %d L", k);
        for (size_t j = 0; j < n; j++)
            ORC_CHECK(s, g[j], scale * -2.0 * (c.yv[j] - c.av[j]), 0.0, "case %d dL/da_%zu", k, j);
        ag_tape_free(c.t);
    }
    orc_stat_print(&st);
    orc_stat_print(&sm);
}

/* F14: L = -sum [y log y^ + (1 - y) log(1 - y^)] with y^ = sigma(z):
 * dL/dy^ = -y/y^ + (1 - y)/(1 - y^) and delta = dL/dz = y^ - y. The labels
 * are 0 or 1, and fractional for a quarter of the cases. The engine reaches
 * delta as -y (1 - y^) + (1 - y) y^, the oracle as y^ - y: where y^ is near
 * a fractional y the two round differently by a few ulps of those terms,
 * hence the floor ORC_MAG_FLOOR (y (1 - y^) + (1 - y) y^) (oracle.h). */
Test(formulas, F14_bce_with_sigmoid_output)
{
    orc_stat sd = {.name = "F14 delta=y^-y"}, sp = {.name = "F14 dL/dy^"}, sv = {.name = "F14 L"};
    orc_rng r = {14};
    for (int k = 0; k < 100; k++) {
        size_t n = orc_pick(&r, 1, 16);
        nn_reduce red = k % 2 ? NN_MEAN : NN_SUM;
        double scale = red == NN_MEAN ? 1.0 / (double)n : 1.0;
        double z[16], y[16];
        for (size_t j = 0; j < n; j++) {
            z[j] = orc_uniform(&r, -6, 6);
            y[j] = k % 4 == 3 ? orc_uniform(&r, 0, 1) : (double)(orc_u64(&r) & 1);
        }
        ag_tape *t = ag_tape_new(0);
        ag_node zs = ag_vars(t, z, n).first;
        ag_node p = nn_activate(t, NN_ACT_SIGMOID, ag_run_of(zs, n), 0.0).first;
        ag_node L = nn_loss(t, NN_LOSS_BCE, ag_run_of(p, n), ag_run_of(ag_consts(t, y, n).first, n), red);
        cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));
        double want_L = 0.0;
        for (size_t j = 0; j < n; j++) {
            double yh = orc_sigmoid(z[j]);
            want_L -= y[j] * log(yh) + (1.0 - y[j]) * log(1.0 - yh);
            double fl = ORC_MAG_FLOOR * scale * (y[j] * (1.0 - yh) + (1.0 - y[j]) * yh);
            ORC_CHECK(&sd, ag_grad(t, ag_at(t, ag_run_of(zs, j + 1), j)), scale * (yh - y[j]), fl, "case %d dL/dz_%zu", k, j);
            ORC_CHECK(&sp, ag_grad(t, ag_at(t, ag_run_of(p, j + 1), j)), scale * (-y[j] / yh + (1.0 - y[j]) / (1.0 - yh)),
                      ORC_MAG_FLOOR * scale * (y[j] / yh + (1.0 - y[j]) / (1.0 - yh)), "case %d dL/dy^_%zu", k, j);
        }
        ORC_CHECK(&sv, ag_value(t, L), scale * want_L, 0.0, "case %d L", k);
        ag_tape_free(t);
    }
    orc_stat_print(&sd);
    orc_stat_print(&sp);
    orc_stat_print(&sv);
}

/* F14's decision rule (note 001): y^ > 0.5 is class 1, y^ < 0.5 class 0.
 * With y^ = sigma(z) that is the sign of z: sigma(0) = 1/2 exactly (no
 * class), and for |z| >= 1e-15 (past the rounding of 1/2 + z/4) the class
 * of the engine's y^ is the class of z. */
Test(formulas, F14_decision_rule)
{
    orc_rng r = {141};
    double z[64];
    z[0] = 0.0;
    z[1] = 1e-15;
    z[2] = -1e-15;
    for (size_t k = 3; k < 64; k++)
        z[k] = orc_uniform(&r, -8, 8);
    ag_tape *t = ag_tape_new(0);
    ag_node p = nn_activate(t, NN_ACT_SIGMOID, ag_run_of(ag_consts(t, z, 64).first, 64), 0.0).first;
    const double *yh = ag_values(t, ag_run_of(p, 64));
    cr_assert_eq(yh[0], 0.5);
    for (size_t k = 1; k < 64; k++) {
        cr_assert_eq(yh[k] > 0.5, z[k] > 0, "z = %g gives y^ = %.17g", z[k], yh[k]);
        cr_assert_eq(yh[k] < 0.5, z[k] < 0, "z = %g gives y^ = %.17g", z[k], yh[k]);
    }
    ag_tape_free(t);
}

/* BCE from logits: L = sum softplus(z) - y z = -[y log sigma(z) + (1 - y)
 * log(1 - sigma(z))], dL/dz = sigma(z) - y (F14's delta without the
 * sigmoid node). The value is compared with the log form; near z = 6 and
 * y = 1 it is softplus(z) - z, a difference of numbers 2.4e3 times its
 * size, so both carry that many ulps: floor ORC_MAG_FLOOR (softplus + |y z|),
 * and for the gradient ORC_MAG_FLOOR (sigma + y) (the terms of sigma - y). */
Test(formulas, F14_bce_from_logits)
{
    orc_stat sd = {.name = "F14 logits delta=sigma-y"}, sv = {.name = "F14 logits L"};
    orc_rng r = {142};
    for (int k = 0; k < 100; k++) {
        size_t n = orc_pick(&r, 1, 16);
        nn_reduce red = k % 2 ? NN_MEAN : NN_SUM;
        double scale = red == NN_MEAN ? 1.0 / (double)n : 1.0;
        double z[16], y[16], want_L = 0.0, mag_L = 0.0;
        for (size_t j = 0; j < n; j++) {
            z[j] = orc_uniform(&r, -6, 6);
            y[j] = k % 4 == 3 ? orc_uniform(&r, 0, 1) : (double)(orc_u64(&r) & 1);
            double s = orc_sigmoid(z[j]);
            want_L -= y[j] * log(s) + (1.0 - y[j]) * log(1.0 - s);
            mag_L += log1p(exp(z[j])) + fabs(y[j] * z[j]);
        }
        ag_tape *t = ag_tape_new(0);
        ag_node zs = ag_vars(t, z, n).first;
        ag_node L = nn_loss(t, NN_LOSS_BCE_LOGITS, ag_run_of(zs, n), ag_run_of(ag_consts(t, y, n).first, n), red);
        cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));
        for (size_t j = 0; j < n; j++) {
            double s = orc_sigmoid(z[j]);
            ORC_CHECK(&sd, ag_grad(t, ag_at(t, ag_run_of(zs, j + 1), j)), scale * (s - y[j]), ORC_MAG_FLOOR * scale * (s + y[j]),
                      "case %d dL/dz_%zu", k, j);
        }
        ORC_CHECK(&sv, ag_value(t, L), scale * want_L, ORC_MAG_FLOOR * scale * mag_L, "case %d L", k);
        ag_tape_free(t);
    }
    orc_stat_print(&sd);
    orc_stat_print(&sv);
}

/* F17: softmax cross-entropy L = -sum_c y_c log s_c on logits z, against a
 * one-hot y (and, every third case, any probability vector y: the collapse
 * needs only sum_c y_c = 1): dL/dz = s - y, floor ORC_MAG_FLOOR (s + y)
 * for the terms of s - y. */
Test(formulas, F17_softmax_cross_entropy)
{
    orc_stat sd = {.name = "F17 dL/dz=s-y"}, sv = {.name = "F17 L"};
    orc_rng r = {17};
    for (int k = 0; k < 120; k++) {
        size_t n = orc_pick(&r, 2, 12), hot = orc_pick(&r, 0, n - 1);
        double z[16], y[16], s[16], sum = 0.0;
        for (size_t j = 0; j < n; j++) {
            z[j] = orc_uniform(&r, -3, 3);
            y[j] = k % 3 == 2 ? orc_uniform(&r, 0, 1) : (double)(j == hot);
            sum += y[j];
        }
        for (size_t j = 0; j < n; j++)
            y[j] /= sum; /* exact for one-hot: sum = 1 */
        orc_softmax(z, s, n);
        double want_L = 0.0;
        for (size_t j = 0; j < n; j++)
            want_L -= y[j] * log(s[j]);
        ag_tape *t = ag_tape_new(0);
        ag_node zs = ag_vars(t, z, n).first;
        ag_node L = nn_loss(t, NN_LOSS_SOFTMAX_CE, ag_run_of(zs, n), ag_run_of(ag_consts(t, y, n).first, n), NN_SUM);
        cr_assert(!ag_is_null(L), "%s", ag_tape_error(t));
        cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));
        for (size_t j = 0; j < n; j++)
            ORC_CHECK(&sd, ag_grad(t, ag_at(t, ag_run_of(zs, j + 1), j)), s[j] - y[j], ORC_MAG_FLOOR * (s[j] + y[j]),
                      "case %d dL/dz_%zu", k, j);
        ORC_CHECK(&sv, ag_value(t, L), want_L, 0.0, "case %d L", k);
        ag_tape_free(t);
    }
    orc_stat_print(&sd);
    orc_stat_print(&sv);
}

/* Hinge (micrograd's moons loss): L = sum max(0, 1 - y s), y in {-1, 1}:
 * dL/ds = -y where 1 - y s > 0, else 0, and 0 at the kink y s = 1
 * (relu'(0) = 0). Every fourth score sits on the kink: s = y. */
Test(formulas, loss_hinge)
{
    orc_stat st = {.name = "hinge"};
    orc_rng r = {18};
    for (int k = 0; k < 100; k++) {
        loss_case c;
        size_t n = orc_pick(&r, 1, 16);
        nn_reduce red = k % 2 ? NN_MEAN : NN_SUM;
        double scale = red == NN_MEAN ? 1.0 / (double)n : 1.0, want_L = 0.0;
        for (size_t j = 0; j < n; j++) {
            c.yv[j] = orc_u64(&r) & 1 ? 1.0 : -1.0;
            c.av[j] = j % 4 == 3 ? c.yv[j] : orc_uniform(&r, -3, 3);
            want_L += fmax(0.0, 1.0 - c.yv[j] * c.av[j]);
        }
        loss_begin(&c, n);
        ag_node L = nn_loss(c.t, NN_LOSS_HINGE, ag_run_of(c.a, n), ag_run_of(c.y, n), red);
        const double *g = loss_grads(&c, L);
        ORC_CHECK(&st, ag_value(c.t, L), scale * want_L, 0.0, "case %d L", k);
        for (size_t j = 0; j < n; j++) {
            double want = 1.0 - c.yv[j] * c.av[j] > 0 ? -c.yv[j] : 0.0;
            ORC_CHECK(&st, g[j], scale * want, 0.0, "case %d dL/ds_%zu (s %g, y %g)", k, j, c.av[j], c.yv[j]);
        }
        ag_tape_free(c.t);
    }
    orc_stat_print(&st);
}

/* L2 penalty: sum p^2 over every parameter of a model, dL/dp = 2 p. */
Test(formulas, loss_l2)
{
    orc_stat st = {.name = "L2"};
    for (uint64_t seed = 0; seed < 10; seed++) {
        ag_tape *t = ag_tape_new(0);
        nn_model *m = nn_model_new(t);
        nn_rng rng;
        nn_rng_seed(&rng, seed);
        size_t sizes[2] = {1 + seed % 5, 2};
        nn_act acts[2] = {NN_ACT_TANH, NN_ACT_LINEAR};
        cr_assert_eq(nn_mlp_build(m, 3, sizes, acts, 2, NN_INIT_XAVIER, &rng), AG_OK);
        orc_rng r = {seed};
        orc_randomise_params(m, &r, -2, 2);
        size_t n;
        ag_node first = ((n) = nn_model_params(m).n, nn_model_params(m).first);
        double p[64], want_L = 0.0;
        cr_assert(n <= 64);
        memcpy(p, ag_values(t, ag_run_of(first, n)), n * sizeof *p);
        for (size_t k = 0; k < n; k++)
            want_L += p[k] * p[k];
        ag_node L = ag_dot(t, nn_model_params(m), nn_model_params(m), AG_NULL); /* the L2 penalty, one DOT node */
        cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));
        const double *g = ag_grads(t, ag_run_of(first, n));
        ORC_CHECK(&st, ag_value(t, L), want_L, 0.0, "seed %u L", (unsigned)seed);
        for (size_t k = 0; k < n; k++)
            ORC_CHECK(&st, g[k], 2.0 * p[k], 0.0, "seed %u dL/dp_%zu", (unsigned)seed, k);
        nn_model_free(m);
        ag_tape_free(t);
    }
    orc_stat_print(&st);
}
