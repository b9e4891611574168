/*
 * test_misuse.c: API misuse is detected and reported, never undefined
 * behaviour (the suite runs under ASan + UBSan in `make check`). Each case
 * checks the status and that the message names the call and the handle
 * (its node index or argument position), and that the tape stays usable.
 *
 * Every node is a scalar, so "backward on a non-scalar output" cannot
 * arise: the closest misuse, backward from a constant (nothing to
 * differentiate), is refused instead.
 */
#include "autograd.h"
#include "nn.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The tape's status is s and its message contains each of the strings. */
#define assert_error(t, s, ...)                                                                  \
    do {                                                                                         \
        cr_assert_eq(ag_tape_status(t), (s), "status %s, want %s (%s)",                       \
                     ag_status_str(ag_tape_status(t)), ag_status_str(s), ag_tape_error(t));      \
        const char *want_[] = {__VA_ARGS__};                                                     \
        for (size_t k_ = 0; k_ < sizeof want_ / sizeof want_[0]; k_++)                           \
            cr_assert(strstr(ag_tape_error(t), want_[k_]), "message '%s' lacks '%s'",            \
                      ag_tape_error(t), want_[k_]);                                              \
    } while (0)

/* After an error: clear it and check the tape still computes 2 * 3. */
static void assert_usable(ag_tape *t)
{
    ag_tape_clear_error(t);
    ag_node a = ag_var(t, 2.0), b = ag_const(t, 3.0);
    ag_node y = ag_mul(t, a, b);
    cr_assert_eq(ag_value(t, y), 6.0);
    cr_assert_eq(ag_backward(t, y), AG_OK);
    cr_assert_eq(ag_grad(t, a), 3.0);
    cr_assert_eq(ag_tape_status(t), AG_OK);
}

Test(misuse, handle_from_another_tape)
{
    ag_tape *t1 = ag_tape_new(0), *t2 = ag_tape_new(0);
    ag_node a = ag_var(t1, 1.0);
    ag_node x = ag_var(t2, 2.0), y = ag_var(t2, 3.0); /* x has a's index 0 */
    cr_assert_eq(x.idx, a.idx);
    cr_assert(ag_is_null(ag_add(t1, a, y)));
    /* argument 2, node #1 of the other tape */
    assert_error(t1, AG_EFOREIGN, "ag_add", "argument 2", "#1", "belongs to tape");
    ag_tape_clear_error(t1);
    cr_assert(isnan(ag_value(t1, x)));
    assert_error(t1, AG_EFOREIGN, "ag_value", "#0");
    ag_tape_clear_error(t1);
    cr_assert_eq(ag_backward(t1, x), AG_EFOREIGN);
    assert_error(t1, AG_EFOREIGN, "ag_backward");
    /* a mark of the other tape */
    ag_tape_clear_error(t1);
    cr_assert_eq(ag_tape_rewind(t1, ag_tape_mark(t2)), AG_EFOREIGN);
    assert_error(t1, AG_EFOREIGN, "ag_tape_rewind", "mark");
    cr_assert_eq(ag_tape_status(t2), AG_OK); /* the other tape is not touched */
    assert_usable(t1);
    ag_tape_free(t1);
    ag_tape_free(t2);
}

Test(misuse, handle_dropped_by_rewind)
{
    ag_tape *t = ag_tape_new(0);
    ag_node w = ag_var(t, 2.0);
    ag_mark m = ag_tape_mark(t);
    ag_node z = ag_unary(t, AG_OP_EXP, w); /* node #1 */
    cr_assert_eq(ag_tape_rewind(t, m), AG_OK);
    cr_assert(ag_is_null(ag_neg(t, z)));
    assert_error(t, AG_ESTALE, "ag_neg", "argument 1", "#1", "rewind");
    /* even when a new node took index 1 again */
    ag_tape_clear_error(t);
    ag_node fresh = ag_unary(t, AG_OP_SIN, w);
    cr_assert_eq(fresh.idx, z.idx);
    cr_assert_eq(ag_backward(t, z), AG_ESTALE);
    assert_error(t, AG_ESTALE, "ag_backward", "#1");
    ag_tape_clear_error(t);
    cr_assert_eq(ag_set_value(t, z, 1.0), AG_ESTALE);
    assert_error(t, AG_ESTALE, "ag_set_value", "#1");
    ag_tape_clear_error(t);
    cr_assert_eq(ag_name_set(t, z, "z"), AG_ESTALE);
    assert_error(t, AG_ESTALE, "ag_name_set");
    assert_usable(t);
    ag_tape_free(t);
}

Test(misuse, out_of_range_indices)
{
    ag_tape *t = ag_tape_new(0);
    ag_node a = ag_var(t, 1.0);
    ag_node b = ag_var(t, 2.0);
    cr_assert(ag_is_null(ag_node_from_index(t, 2)));
    assert_error(t, AG_ERANGE, "ag_node_from_index", "index 2");
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(ag_node_input(t, ag_add(t, a, b), 2)));
    assert_error(t, AG_ERANGE, "ag_node_input", "#2");
    /* a run past the end, and an offset that wraps size_t */
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(ag_sum(t, ag_run_of(a, 10))));
    assert_error(t, AG_ERANGE, "ag_sum", "#0");
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(ag_at(t, ag_run_of(a, 1), SIZE_MAX)));
    assert_error(t, AG_ERANGE, "ag_at");
    ag_tape_clear_error(t);
    cr_assert_null(ag_values(t, ag_run_of(b, 5))); /* #1..#5: the tape holds #0..#2 */
    assert_error(t, AG_ERANGE, "ag_values", "#1");
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(ag_apply(t, AG_OP_SUM, NULL, 3)));
    assert_error(t, AG_EINVAL, "ag_apply(sum)");
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(ag_map(t, (ag_op)1000, ag_run_of(a, 1), AG_NULL_RUN).first));
    assert_error(t, AG_EINVAL, "ag_map");
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(ag_map(t, AG_OP_MUL, ag_run_of(a, 1), AG_NULL_RUN).first));
    assert_error(t, AG_EINVAL, "ag_map", "mul");
    assert_usable(t);
    ag_tape_free(t);
}

Test(misuse, forged_handles)
{
    ag_tape *t = ag_tape_new(0);
    ag_node a = ag_var(t, 1.0);
    /* the right tape and generation, an index past the end or past any
     * possible tape, and the top of uint32_t (AG_NULL_IDX is the null) */
    ag_node past = {a.idx + 5, a.gen, a.tape};
    ag_node huge = {(uint32_t)AG_MAX_NODES + 7, a.gen, a.tape};
    ag_node top = {UINT32_MAX - 1, a.gen + 1000, a.tape};
    cr_assert(ag_is_null(ag_mul(t, a, past)));
    assert_error(t, AG_ERANGE, "ag_mul", "argument 2", "#5", "past the tape's end");
    ag_tape_clear_error(t);
    cr_assert(isnan(ag_grad(t, huge)));
    char idx[32];
    snprintf(idx, sizeof idx, "%u", huge.idx);
    assert_error(t, AG_ERANGE, "ag_grad", idx);
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(ag_unary(t, AG_OP_TANH, top)));
    cr_assert_neq(ag_tape_status(t), AG_OK);
    cr_assert(strstr(ag_tape_error(t), "ag_unary(tanh)"), "%s", ag_tape_error(t));
    /* a wrong generation on a live index reads as dropped */
    ag_tape_clear_error(t);
    ag_node wrong_gen = {a.idx, a.gen + 1, a.tape};
    cr_assert_eq(ag_backward(t, wrong_gen), AG_ESTALE);
    assert_error(t, AG_ESTALE, "ag_backward", "#0");
    assert_usable(t);
    ag_tape_free(t);
}

Test(misuse, null_handles)
{
    ag_tape *t = ag_tape_new(0);
    ag_node a = ag_var(t, 1.0);
    cr_assert(ag_is_null(ag_div(t, a, AG_NULL)));
    assert_error(t, AG_ENULL, "ag_div", "argument 2", "null");
    /* with an error already recorded, AG_NULL propagates quietly: the
     * first error is kept, so a whole expression is checked once */
    ag_node chain = ag_unary(t, AG_OP_EXP, ag_div(t, a, AG_NULL));
    cr_assert(ag_is_null(chain));
    assert_error(t, AG_ENULL, "ag_div");
    ag_tape_clear_error(t);
    cr_assert_eq(ag_backward(t, AG_NULL), AG_ENULL);
    assert_error(t, AG_ENULL, "ag_backward");
    ag_tape_clear_error(t);
    ag_node xs[2] = {a, AG_NULL};
    cr_assert(ag_is_null(ag_apply(t, AG_OP_SUM, xs, 2)));
    assert_error(t, AG_ENULL, "ag_apply(sum)");
    ag_tape_clear_error(t);
    cr_assert_null(ag_stepper_new(t, AG_NULL));
    assert_error(t, AG_ENULL, "ag_stepper_new");
    assert_usable(t);
    ag_tape_free(t);
}

Test(misuse, backward_on_a_constant)
{
    ag_tape *t = ag_tape_new(0);
    ag_node c = ag_const(t, 4.0);
    cr_assert_eq(ag_backward(t, c), AG_EINVAL);
    assert_error(t, AG_EINVAL, "ag_backward", "#0", "constant");
    ag_tape_clear_error(t);
    /* a variable is a fine output: dv/dv = 1 */
    ag_node v = ag_var(t, 4.0);
    cr_assert_eq(ag_backward(t, v), AG_OK);
    cr_assert_eq(ag_grad(t, v), 1.0);
    /* leaves only: set_value on an op */
    ag_node y = ag_mul(t, v, c);
    cr_assert_eq(ag_set_value(t, y, 1.0), AG_EINVAL);
    assert_error(t, AG_EINVAL, "ag_set_value", "#2", "not a leaf");
    ag_tape_clear_error(t);
    assert_usable(t);
    ag_tape_free(t);
}

Test(misuse, rewind_to_a_mark_an_earlier_rewind_dropped)
{
    ag_tape *t = ag_tape_new(0);
    ag_var(t, 1.0);
    ag_mark outer = ag_tape_mark(t);
    ag_var(t, 2.0);
    ag_var(t, 3.0);
    ag_mark inner = ag_tape_mark(t); /* at 3 nodes */
    ag_var(t, 4.0);
    cr_assert_eq(ag_tape_rewind(t, outer), AG_OK);
    /* the tape is back to 1 node: the inner mark is past its end */
    cr_assert_eq(ag_tape_rewind(t, inner), AG_ESTALE);
    assert_error(t, AG_ESTALE, "ag_tape_rewind", "3 nodes", "dropped");
    /* and after regrowing past 3 nodes the old mark is still refused: the
     * node below it is a new one */
    ag_tape_clear_error(t);
    for (int k = 0; k < 4; k++)
        ag_var(t, k);
    cr_assert_eq(ag_tape_rewind(t, inner), AG_ESTALE);
    assert_error(t, AG_ESTALE, "ag_tape_rewind");
    cr_assert_eq(ag_tape_len(t), 5);
    /* a stale mark for replay */
    ag_tape_clear_error(t);
    ag_node last = ag_node_from_index(t, 4);
    cr_assert_eq(ag_forward(t, inner, last), AG_ESTALE);
    assert_error(t, AG_ESTALE, "ag_forward", "mark");
    assert_usable(t);
    ag_tape_free(t);
}

Test(misuse, run_crossing_a_rewind_boundary)
{
    ag_tape *t = ag_tape_new(0);
    ag_node first = ag_vars(t, (const double[]){1, 2, 3}, 3).first; /* #0..#2 */
    ag_mark m = ag_tape_mark(t);
    ag_var(t, 4.0);
    cr_assert_eq(ag_tape_rewind(t, m), AG_OK);
    ag_var(t, 5.0); /* #3 again, in a new segment */
    cr_assert_eq(ag_tape_len(t), 4);
    /* #0..#3 are all live, but not one run recorded together */
    cr_assert(ag_is_null(ag_sum(t, ag_run_of(first, 4))));
    assert_error(t, AG_ERANGE, "ag_sum", "#0", "#3", "crosses a rewind boundary");
    ag_tape_clear_error(t);
    cr_assert_null(ag_grads(t, ag_run_of(first, 4)));
    assert_error(t, AG_ERANGE, "ag_grads", "rewind boundary");
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(ag_at(t, ag_run_of(first, 3 + 1), 3)));
    assert_error(t, AG_ERANGE, "ag_at");
    /* the run below the boundary is fine */
    ag_tape_clear_error(t);
    ag_node s = ag_sum(t, ag_run_of(first, 3));
    cr_assert_eq(ag_value(t, s), 6.0);
    assert_usable(t);
    ag_tape_free(t);
}

Test(misuse, optimizer_given_another_model)
{
    ag_tape *t = ag_tape_new(0);
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    nn_model *m1 = nn_model_new(t), *m2 = nn_model_new(t);
    cr_assert_eq(nn_dense_new(m1, "0", 2, 1, NN_ACT_LINEAR, NN_INIT_UNIFORM, &rng, NULL), AG_OK);
    cr_assert_eq(nn_dense_new(m2, "0", 2, 1, NN_ACT_LINEAR, NN_INIT_UNIFORM, &rng, NULL), AG_OK);
    nn_optim_opts opts = {.kind = NN_OPTIM_SGD, .lr = 0.1};
    nn_optim *o = nn_optim_new(m1, &opts);
    cr_assert_not_null(o);
    ag_node p2 = nn_model_params(m2).first;
    double before = ag_value(t, p2);
    cr_assert_eq(nn_optim_step(o, m2), AG_EINVAL);
    assert_error(t, AG_EINVAL, "nn_optim_step", "another model");
    cr_assert_eq(ag_value(t, p2), before); /* nothing stepped */
    ag_tape_clear_error(t);
    cr_assert_eq(nn_optim_step(o, m1), AG_OK);
    nn_optim_free(o);
    nn_model_free(m1);
    nn_model_free(m2);
    assert_usable(t);
    ag_tape_free(t);
}

Test(misuse, bad_names)
{
    ag_tape *t = ag_tape_new(0);
    ag_node a = ag_var(t, 1.0), b = ag_var(t, 2.0);
    cr_assert_eq(ag_name_set(t, a, "w"), AG_OK);
    cr_assert_eq(ag_name_set(t, b, "w"), AG_ENAME);
    assert_error(t, AG_ENAME, "ag_name_set", "w");
    ag_tape_clear_error(t);
    cr_assert_eq(ag_name_set(t, b, ""), AG_ENAME);
    ag_tape_clear_error(t);
    char longname[AG_NAME_MAX + 2];
    memset(longname, 'n', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    cr_assert_eq(ag_name_set(t, b, longname), AG_ENAME);
    ag_tape_clear_error(t);
    cr_assert_neq(ag_name_set(t, b, NULL), AG_OK);
    assert_usable(t);
    ag_tape_free(t);
}

/* The error hook sees every error as it is recorded, even the ones after
 * the first (which the sticky status keeps). */
static void count_errors(void *ctx, ag_status s, const char *message)
{
    (void)s;
    cr_assert(message && *message);
    ++*(int *)ctx;
}

Test(misuse, error_hook_sees_each_error)
{
    ag_tape *t = ag_tape_new(0);
    int n = 0;
    ag_tape_on_error(t, count_errors, &n);
    ag_node a = ag_var(t, 1.0);
    ag_node bad = {a.idx + 9, a.gen, a.tape};
    ag_unary(t, AG_OP_EXP, bad);
    ag_unary(t, AG_OP_LOG, bad);
    cr_assert_eq(n, 2);
    assert_error(t, AG_ERANGE, "ag_unary(exp)"); /* the first one is kept */
    ag_tape_free(t);
}

Test(misuse, nn_inputs_of_the_wrong_width)
{
    /* a 1-wide input for a 2-input model used to read the next node (the
     * target) as its second feature */
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, 3);
    static const size_t sizes[] = {3, 1};
    static const nn_act acts[] = {NN_ACT_TANH, NN_ACT_LINEAR};
    cr_assert_eq(nn_mlp_build(m, 2, sizes, acts, 2, NN_INIT_XAVIER, &rng), AG_OK);
    size_t len = ag_tape_len(t);
    ag_run x = ag_consts(t, (const double[]){0.5}, 1);
    ag_run y = ag_consts(t, (const double[]){1.0}, 1);
    cr_assert(ag_run_is_null(nn_mlp_forward(m, x)));
    assert_error(t, AG_EINVAL, "nn_mlp_forward", "width 1", "2 inputs");
    ag_tape_clear_error(t);
    cr_assert(ag_run_is_null(nn_dense_forward(t, nn_layer_at(m, 1), x)));
    assert_error(t, AG_EINVAL, "nn_dense_forward", "width 1", "3 inputs");
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(nn_loss(t, NN_LOSS_SE, ag_run_of(x.first, 2), y, NN_SUM)));
    assert_error(t, AG_EINVAL, "nn_loss", "width 2", "width 1");
    cr_assert_eq(ag_tape_len(t), len + 2); /* only x and y */
    nn_model_free(m);
    ag_tape_free(t);
}

/* nn_loss keyed by an enum: an unknown loss or reduction is refused before
 * anything is recorded; softmax cross-entropy (one example's loss over its
 * classes) is the same node whatever the reduction. */
Test(misuse, nn_loss_kind_and_reduction)
{
    ag_tape *t = ag_tape_new(0);
    ag_run z = ag_vars(t, (const double[]){0.5, -1.0, 2.0}, 3);
    ag_run y = ag_consts(t, (const double[]){0.0, 1.0, 0.0}, 3);
    size_t len = ag_tape_len(t);
    cr_assert(ag_is_null(nn_loss(t, NN_LOSS_COUNT, z, y, NN_SUM)));
    assert_error(t, AG_EINVAL, "nn_loss", "unknown loss");
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(nn_loss(t, NN_LOSS_SE, z, y, (nn_reduce)7)));
    assert_error(t, AG_EINVAL, "nn_loss", "unknown reduction");
    ag_tape_clear_error(t);
    cr_assert_eq(ag_tape_len(t), len);
    /* F17 by hand: logsumexp(z) - z_1 = log(e^0.5 + e^-1 + e^2) + 1 */
    double want = log(exp(0.5) + exp(-1.0) + exp(2.0)) + 1.0;
    ag_node s = nn_loss(t, NN_LOSS_SOFTMAX_CE, z, y, NN_SUM);
    ag_node m = nn_loss(t, NN_LOSS_SOFTMAX_CE, z, y, NN_MEAN);
    cr_assert_float_eq(ag_value(t, s), want, 1e-15);
    cr_assert_eq(ag_value(t, m), ag_value(t, s));
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_tape_free(t);
}

Test(misuse, adam_fills_each_missing_option_on_its_own)
{
    /* beta1 given alone used to leave beta2 = 0 (v = g^2, no memory);
     * now beta2 gets its default 0.999 on its own. The first Adam step is
     * lr * sign(g) either way; the second tells them apart, so two steps
     * are checked against Adam's formulas with beta1 = 0.5, beta2 = 0.999. */
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_param p;
    cr_assert_eq(nn_param_new(m, "p", 1, 0, NN_INIT_ZERO, NULL, &p), AG_OK);
    nn_optim_opts o = {.kind = NN_OPTIM_ADAM, .lr = 0.1, .beta1 = 0.5};
    nn_optim *opt = nn_optim_new(m, &o);
    cr_assert_not_null(opt);
    double g[2] = {1.0, 3.0}, want = 0.0, mm = 0.0, vv = 0.0;
    for (int k = 0; k < 2; k++) {
        ag_grads(t, p.v)[0] = g[k];
        cr_assert_eq(nn_optim_step(opt, m), AG_OK);
        mm = 0.5 * mm + 0.5 * g[k];
        vv = 0.999 * vv + 0.001 * g[k] * g[k];
        double mh = mm / (1 - pow(0.5, k + 1)), vh = vv / (1 - pow(0.999, k + 1));
        want -= 0.1 * mh / (sqrt(vh) + 1e-8);
        cr_assert_float_eq(ag_value(t, p.v.first), want, 1e-12, "step %d: %.17g, want %.17g", k,
                           ag_value(t, p.v.first), want);
    }
    nn_optim_free(opt);
    nn_model_free(m);
    ag_tape_free(t);
}
