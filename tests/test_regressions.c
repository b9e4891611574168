/*
 * test_regressions.c: one test per bug found by review, each failing on the
 * code before its fix. The comment above each says what went wrong.
 */
#include "nn.h"
#include "teach.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static void expect_in(const char *msg, const char *part)
{
    cr_assert(strstr(msg, part) != NULL, "'%s' not in: %s", part, msg);
}

/* A rewind to a mark with nothing after it opened a new segment, so a run
 * ending there (a model's parameters) could not grow as one run any more:
 * nn_zero_grad then failed silently and gradients kept accumulating. The
 * engine kept such runs growable by a special case (a rewind that dropped
 * nothing opened no segment); that case is gone, so every rewind opens a
 * segment and nn refuses a parameter added after one, cleanly: the model
 * and the tape's nodes stay as they were, and the model still trains. */
Test(regressions, parameter_after_a_rewind_is_refused_and_the_model_still_trains)
{
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    cr_assert_eq(nn_param_new(m, "a", 2, 0, NN_INIT_UNIFORM, &rng, NULL), AG_OK);
    ag_mark mk = ag_tape_mark(t);
    cr_assert_eq(ag_tape_rewind(t, mk), AG_OK); /* drops nothing */
    cr_assert_eq(nn_param_new(m, "b", 1, 0, NN_INIT_UNIFORM, &rng, NULL), AG_EINVAL);
    cr_assert_eq(ag_tape_status(t), AG_EINVAL);
    expect_in(ag_tape_error(t), "nn_param_new");
    expect_in(ag_tape_error(t), "before the first rewind or training step");
    /* a layer (two tensors recorded together) is refused the same way */
    ag_tape_clear_error(t);
    cr_assert_eq(nn_dense_new(m, "0", 1, 1, NN_ACT_LINEAR, NN_INIT_UNIFORM, &rng, NULL), AG_EINVAL);
    expect_in(ag_tape_error(t), "nn_dense_new");
    ag_tape_clear_error(t);
    /* the model and the tape's nodes as they were: no name, layer or node kept */
    cr_assert_eq(nn_model_params(m).n, 2);
    cr_assert_eq(ag_tape_len(t), 2);
    cr_assert_null(nn_param_at(m, 1));
    cr_assert_null(nn_layer_at(m, 0));
    cr_assert_eq(nn_param_find(m, "b", NULL), NN_ENOTFOUND);
    cr_assert_eq(nn_param_find(m, "0.weight", NULL), NN_ENOTFOUND);
    ag_node p = nn_model_params(m).first;
    /* the two form one run: a loss over them, zero_grad between steps, the
     * gradient 1 each step (not accumulated) */
    for (int step = 0; step < 3; step++) {
        ag_mark top = ag_tape_mark(t);
        ag_node L = ag_sum(t, nn_model_params(m));
        nn_zero_grad(m);
        cr_assert_eq(ag_backward(t, L), AG_OK);
        cr_assert_eq(ag_grad(t, ag_at(t, ag_run_of(p, 2), 1)), 1.0, "step %d", step);
        ag_tape_rewind(t, top);
    }
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    nn_model_free(m);
    ag_tape_free(t);
}

/* Building a model then training it (nothing rewound in between) keeps its
 * parameters one run, whatever the number of tensors and layers. */
Test(regressions, build_then_train_keeps_one_run)
{
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, 2);
    size_t sizes[] = {3, 1};
    nn_act acts[] = {NN_ACT_TANH, NN_ACT_LINEAR};
    cr_assert_eq(nn_mlp_build(m, 2, sizes, acts, 2, NN_INIT_XAVIER, &rng), AG_OK);
    cr_assert_eq(nn_param_new(m, "scale", 1, 0, NN_INIT_UNIFORM, &rng, NULL), AG_OK);
    ag_run all = nn_model_params(m);
    cr_assert_eq(all.n, 2 * 3 + 3 + 3 * 1 + 1 + 1);
    cr_assert_eq(ag_check(t, all, "test", 1), AG_OK);
    ag_mark mk = ag_tape_mark(t);
    for (int step = 0; step < 3; step++) {
        ag_run x = ag_consts(t, (const double[]){0.5, -1}, 2);
        ag_node L = ag_sum(t, nn_mlp_forward(m, x));
        L = ag_add(t, L, ag_sum(t, all)); /* every parameter in the loss */
        nn_zero_grad(m);
        cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));
        /* d/d scale = 1 (the last parameter, only in the sum), each step */
        cr_assert_eq(ag_grad(t, ag_at(t, all, all.n - 1)), 1.0, "step %d", step);
        cr_assert_eq(ag_tape_rewind(t, mk), AG_OK);
    }
    nn_model_free(m);
    ag_tape_free(t);
}

/* Losses and activations offset handles through runs without checking the
 * run first: a run shorter than n read the call's own new nodes. */
Test(regressions, short_runs_are_refused_before_recording)
{
    ag_tape *t = ag_tape_new(0);
    double v[3] = {1, 2, 3};
    ag_node y = ag_consts(t, v, 3).first, a = ag_vars(t, v, 1).first; /* a: the tape's last node */
    size_t len = ag_tape_len(t);
    cr_assert(ag_is_null(nn_loss(t, NN_LOSS_SE, ag_run_of(a, 3), ag_run_of(y, 3), NN_SUM)));
    cr_assert_eq(ag_tape_status(t), AG_ERANGE);
    cr_assert_eq(ag_tape_len(t), len); /* nothing recorded */
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(nn_activate(t, NN_ACT_LEAKY_RELU, ag_run_of(a, 3), 0.1).first));
    cr_assert_eq(ag_tape_status(t), AG_ERANGE);
    ag_tape_clear_error(t);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    cr_assert(ag_is_null(nn_dropout(t, &rng, ag_run_of(a, 3), 0.5, true).first));
    cr_assert_eq(ag_tape_len(t), len);
    ag_tape_free(t);
}

/* BCE computed 0 * log 0 = NaN for a confident right answer (p rounded to
 * exactly 1 with y = 1); clamping each log at -100 gives PyTorch's 0. */
Test(regressions, bce_of_a_confident_right_answer_is_zero)
{
    ag_tape *t = ag_tape_new(0);
    ag_node z = ag_var(t, 40.0), y = ag_const(t, 1.0);
    ag_node p = ag_unary(t, AG_OP_SIGMOID, z);
    cr_assert_eq(ag_value(t, p), 1.0);
    ag_node L = nn_loss(t, NN_LOSS_BCE, ag_run_of(p, 1), ag_run_of(y, 1), NN_SUM);
    cr_assert_eq(ag_value(t, L), 0.0);
    cr_assert_eq(ag_backward(t, L), AG_OK);
    cr_assert(isfinite(ag_grad(t, z)));
    ag_tape_free(t);
}

/* The replay guard kept the last value read and the first read followed
 * by a record: reading an interior node above the mark, then one below it,
 * then recording, slipped through. */
Test(regressions, replay_guard_keeps_the_highest_read)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 2.0);
    ag_node c = ag_unary(t, AG_OP_EXP, x); /* interior, below the mark */
    ag_mark m = ag_tape_mark(t);
    ag_node y = ag_mul(t, x, x); /* interior, above */
    (void)ag_steer(t, y);
    (void)ag_steer(t, c);
    ag_node z = ag_add(t, y, c); /* a program may have branched on y */
    cr_assert_eq(ag_forward(t, m, z), AG_EINVAL);
    ag_tape_free(t);
}

/* After one anomaly found while recording, anomaly mode stayed silent
 * until the next sweep, even across a rewind and a cleared error; and
 * ag_trace returned AG_EANOMALY for an old anomaly. */
Test(regressions, anomaly_mode_reports_again_after_rewind_and_clear)
{
    ag_tape *t = ag_tape_new(0);
    ag_anomaly_enable(t, true);
    ag_node x = ag_var(t, -1.0);
    ag_mark m = ag_tape_mark(t);
    ag_unary(t, AG_OP_LOG, x);
    cr_assert_eq(ag_tape_status(t), AG_EANOMALY);
    ag_tape_clear_error(t);
    ag_tape_rewind(t, m);
    ag_node zero = ag_sub(t, x, x);
    ag_node l0 = ag_unary(t, AG_OP_LOG, zero);
    cr_assert_eq(ag_tape_status(t), AG_EANOMALY);
    ag_tape_clear_error(t);
    ag_tape_rewind(t, m);
    /* a clean graph: the trace does not report the old anomaly */
    ag_node sq = ag_mul(t, x, x);
    FILE *out = fopen("/dev/null", "w");
    cr_assert_eq(ag_trace(t, sq, NULL, out), AG_OK);
    fclose(out);
    (void)l0;
    ag_tape_free(t);
}

/* nn_mlp_build built the layers before a bad size and left them behind. */
Test(regressions, mlp_build_checks_every_size_first)
{
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, 1);
    size_t sizes[] = {4, 0};
    nn_act acts[] = {NN_ACT_RELU, NN_ACT_LINEAR};
    cr_assert_eq(nn_mlp_build(m, 2, sizes, acts, 2, NN_INIT_HE, &rng), AG_EINVAL);
    cr_assert_null(nn_layer_at(m, 0)); /* no layer */
    cr_assert_eq(nn_model_params(m).n, 0);
    cr_assert_eq(ag_tape_len(t), 0);
    nn_model_free(m);
    ag_tape_free(t);
}

/* relu(NaN) was 0, hiding a NaN from everything downstream. */
Test(regressions, relu_passes_nan_on)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, (double)NAN);
    cr_assert(isnan(ag_value(t, ag_unary(t, AG_OP_RELU, x))));
    double v[3] = {-2, (double)NAN, 3};
    ag_node r = ag_map(t, AG_OP_RELU, ag_run_of(ag_vars(t, v, 3).first, 3), AG_NULL_RUN).first;
    cr_assert_eq(ag_value(t, r), 0.0);
    cr_assert(isnan(ag_value(t, ag_at(t, ag_run_of(r, 1 + 1), 1))));
    cr_assert_eq(ag_value(t, ag_at(t, ag_run_of(r, 2 + 1), 2)), 3.0);
    ag_tape_free(t);
}

/* ---- found by the review of the integrated tree (issues 10-13) ---- */

#include "higher.h"

/* ag_hvp seeded x' = v on x's own tangents, and the tangent sweep then
 * recomputed a computed node's tangent from its inputs (0): H v of y with
 * respect to z = tanh(v) came out 0, silently. Refused now; the recorded
 * product takes any node and gives z0^2 z1's H e0 = (2 z1, 2 z0). */
Test(regressions, hvp_refuses_computed_nodes_in_x)
{
    ag_tape *t = ag_tape_new(0);
    ag_run v = ag_vars(t, (const double[]){0.3, -0.7}, 2);
    ag_run z = ag_map(t, AG_OP_TANH, v, AG_NULL_RUN);
    ag_node z0 = ag_at(t, z, 0), z1 = ag_at(t, z, 1);
    ag_node y = ag_mul(t, ag_mul(t, z0, z0), z1);
    double e0[2] = {1, 0}, hv[2];
    cr_assert_eq(ag_hvp(t, y, z, e0, hv), AG_EINVAL);
    expect_in(ag_tape_error(t), "not a variable");
    ag_tape_clear_error(t);
    cr_assert_eq(ag_hvp_recorded(t, y, z, e0, hv), AG_OK, "%s", ag_tape_error(t));
    cr_assert_float_eq(hv[0], 2 * tanh(-0.7), 1e-15);
    cr_assert_float_eq(hv[1], 2 * tanh(0.3), 1e-15);
    ag_tape_free(t);
}

/* A constant in x got a Hessian column (y = c w^2 gave [[0, 3], [0, 6]]):
 * a constant has no derivative. Refused by ag_hvp and ag_hessian. */
Test(regressions, hessian_refuses_constants_in_x)
{
    ag_tape *t = ag_tape_new(0);
    ag_node c = ag_const(t, 3.0);
    ag_node w = ag_var(t, 1.5);
    ag_node y = ag_mul(t, c, ag_mul(t, w, w));
    double *h = NULL;
    cr_assert_eq(ag_hessian(t, y, ag_run_of(c, 2), &h), AG_EINVAL);
    cr_assert_null(h);
    expect_in(ag_tape_error(t), "is a const, not a variable");
    ag_tape_clear_error(t);
    cr_assert_eq(ag_hessian(t, y, ag_run_of(w, 1), &h), AG_OK, "%s", ag_tape_error(t));
    cr_assert_eq(h[0], 6.0); /* d2(3 w^2)/dw2 */
    ag_free(h);
    ag_tape_free(t);
}

/* The recorded backward folded terms by the value of any constant, a
 * target or a mask included: with c = 0 at recording, g = d(c x^2)/dx was
 * recorded as 0 and replay with c = 3 still gave 0 (12 is right). */
Test(regressions, recorded_gradient_replays_with_new_constants)
{
    ag_tape *t = ag_tape_new(0);
    ag_mark m0 = ag_tape_mark(t);
    ag_node x = ag_var(t, 2.0), c = ag_const(t, 0.0);
    ag_node y = ag_mul(t, c, ag_mul(t, x, x));
    ag_node g;
    cr_assert_eq(ag_grad_nodes(t, y, &x, 1, &g), AG_OK, "%s", ag_tape_error(t));
    cr_assert_eq(ag_value(t, g), 0.0);
    cr_assert_eq(ag_set_value(t, c, 3.0), AG_OK);
    cr_assert_eq(ag_forward(t, m0, g), AG_OK, "%s", ag_tape_error(t));
    cr_assert_eq(ag_value(t, g), 12.0); /* 2 c x */
    ag_tape_free(t);
}

/* A stepper whose output a rewind dropped went on stepping through the
 * dropped nodes' links, with no error. */
Test(regressions, stepper_stops_when_its_output_is_dropped)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 2.0);
    ag_mark m = ag_tape_mark(t);
    ag_run v = ag_vars(t, (const double[]){1, 2, 3}, 3);
    ag_node y = ag_dot(t, v, v, x);
    ag_stepper *s = ag_stepper_new(t, y);
    cr_assert_not_null(s);
    cr_assert_eq(ag_tape_rewind(t, m), AG_OK);
    (void)ag_mul(t, x, x);
    ag_stepper_step st;
    cr_assert(!ag_stepper_next(s, &st));
    cr_assert_eq(ag_tape_status(t), AG_ESTALE);
    expect_in(ag_tape_error(t), "dropped by a rewind");
    ag_stepper_free(s);
    ag_tape_free(t);
}

/* ag_jacobian and ag_hvp_recorded record scratch nodes and drop them again.
 * Dropping them by a rewind opened a segment, so the tape was not "as they
 * found it": a model's next parameter tensor was refused as split by a
 * rewind the user never made, and the error hook saw an engine error. */
static int hook_calls;
static void count_hook(void *ctx, ag_status s, const char *msg)
{
    (void)ctx, (void)s, (void)msg;
    hook_calls++;
}

Test(regressions, dense_results_leave_no_rewind_boundary)
{
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    cr_assert_eq(nn_dense_new(m, "0", 2, 2, NN_ACT_TANH, NN_INIT_XAVIER, &rng, NULL), AG_OK);
    ag_run p = nn_model_params(m);
    ag_node y = ag_at(t, p, 1); /* a parameter itself: nothing recorded above them */
    size_t len = ag_tape_len(t);
    double *j = NULL, v[6] = {1, 0, 0, 0, 0, 1}, hv[6];
    ag_tape_on_error(t, count_hook, NULL);
    cr_assert_eq(ag_jacobian(t, &y, 1, p, &j), AG_OK, "%s", ag_tape_error(t));
    cr_assert_eq(j[1], 1.0); /* dy/dp_1 */
    cr_assert_eq(ag_hvp_recorded(t, y, p, v, hv), AG_OK, "%s", ag_tape_error(t));
    ag_free(j);
    cr_assert_eq(ag_tape_len(t), len);
    /* the parameters' run still grows: nothing split it */
    cr_assert_eq(nn_param_new(m, "extra", 3, 0, NN_INIT_ZERO, NULL, NULL), AG_OK, "%s", ag_tape_error(t));
    cr_assert_eq(nn_model_params(m).n, 9);
    cr_assert_eq(hook_calls, 0, "the error hook saw an error");
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    nn_model_free(m);
    ag_tape_free(t);
}
