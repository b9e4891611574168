/*
 * test_runs.c: runs (ag_run) and the engine calls that record runs of nodes
 * at once (ag_consts, ag_vars, ag_dot_rows, ag_map, ag_map2, including ops
 * that share one constant node): the nodes they record are the nodes the
 * one-at-a-time calls record, with the same values and gradients, and their
 * misuse is reported.
 */
#include "autograd.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

static ag_tape *t;
static void setup(void) { t = ag_tape_new(0); }
static void teardown(void) { ag_tape_free(t); }
TestSuite(runs, .init = setup, .fini = teardown);

static ag_node nth(ag_run r, size_t k) { return ag_at(t, r, k); }

Test(runs, leaf_runs_are_consecutive_with_their_values)
{
    double v[5] = {1, -2, 3.5, 0, 1e300};
    ag_run c = ag_consts(t, v, 5), w = ag_vars(t, NULL, 3);
    cr_assert(!ag_run_is_null(c) && !ag_run_is_null(w));
    cr_assert_eq(c.n, 5);
    cr_assert_eq(w.first.idx, c.first.idx + 5);
    for (size_t k = 0; k < 5; k++) {
        cr_assert_eq(ag_value(t, nth(c, k)), v[k]);
        cr_assert_eq(ag_node_op(t, nth(c, k)), AG_OP_CONST);
    }
    for (size_t k = 0; k < 3; k++) {
        cr_assert_eq(ag_value(t, nth(w, k)), 0.0);
        cr_assert_eq(ag_node_op(t, nth(w, k)), AG_OP_VAR);
    }
    cr_assert(ag_run_is_null(ag_consts(t, v, 0)));
    cr_assert_eq(ag_tape_status(t), AG_EINVAL);
}

Test(runs, dot_rows_is_a_matrix_vector_product)
{
    /* W = [[1, 2, 3], [4, 5, 6]], x = (1, -1, 2), b = (0.5, -0.5):
     * z = W x + b = (1 - 2 + 6 + 0.5, 4 - 5 + 12 - 0.5) = (5.5, 10.5);
     * L = z_0 + 2 z_1: dL/dW = [[x], [2x]], dL/dx = W^T (1, 2) = (9, 12, 15),
     * dL/db = (1, 2) */
    double wv[6] = {1, 2, 3, 4, 5, 6}, xv[3] = {1, -1, 2}, bv[2] = {0.5, -0.5};
    ag_run w = ag_vars(t, wv, 6), x = ag_vars(t, xv, 3), b = ag_vars(t, bv, 2);
    ag_run z = ag_dot_rows(t, w, x, b);
    cr_assert(!ag_run_is_null(z), "%s", ag_tape_error(t));
    cr_assert_eq(z.n, 2);
    cr_assert_eq(ag_value(t, z.first), 5.5);
    cr_assert_eq(ag_value(t, nth(z, 1)), 10.5);
    ag_node L = ag_add(t, z.first, ag_mul(t, ag_const(t, 2), nth(z, 1)));
    cr_assert_eq(ag_backward(t, L), AG_OK);
    for (size_t i = 0; i < 3; i++) {
        cr_assert_eq(ag_grad(t, nth(w, i)), xv[i]);
        cr_assert_eq(ag_grad(t, nth(w, 3 + i)), 2 * xv[i]);
        cr_assert_eq(ag_grad(t, nth(x, i)), wv[i] + 2 * wv[3 + i]);
    }
    cr_assert_eq(ag_grad(t, b.first), 1.0);
    cr_assert_eq(ag_grad(t, nth(b, 1)), 2.0);
    /* without bias */
    ag_run z2 = ag_dot_rows(t, w, x, AG_NULL_RUN);
    cr_assert_eq(ag_value(t, nth(z2, 1)), 11.0);
}

Test(runs, dot_rows_refuses_short_runs)
{
    ag_run w = ag_vars(t, NULL, 5), x = ag_vars(t, NULL, 3);
    /* a 4 x 3 weight run of 12 from w's first passes the tape's end */
    cr_assert(ag_run_is_null(ag_dot_rows(t, ag_run_of(w.first, 12), x, AG_NULL_RUN)));
    cr_assert_eq(ag_tape_status(t), AG_ERANGE);
    cr_assert(strstr(ag_tape_error(t), "ag_dot_rows") != NULL);
    ag_tape_clear_error(t);
    /* 5 weights are no whole number of rows of 3 */
    cr_assert(ag_run_is_null(ag_dot_rows(t, w, x, AG_NULL_RUN)));
    cr_assert_eq(ag_tape_status(t), AG_EINVAL);
    ag_tape_clear_error(t);
    cr_assert(ag_run_is_null(ag_dot_rows(t, w, ag_run_of(x.first, 0), AG_NULL_RUN)));
    cr_assert_eq(ag_tape_status(t), AG_ERANGE);
}

Test(runs, map_applies_a_unary_op_to_a_run)
{
    double v[4] = {-1.5, 0, 0.25, 3};
    ag_run x = ag_vars(t, v, 4);
    ag_run y = ag_map(t, AG_OP_TANH, x, AG_NULL_RUN);
    cr_assert(!ag_run_is_null(y));
    ag_node L = ag_sum(t, y);
    cr_assert_eq(ag_backward(t, L), AG_OK);
    for (size_t k = 0; k < 4; k++) {
        double th = tanh(v[k]);
        cr_assert_eq(ag_value(t, nth(y, k)), th);
        cr_assert_float_eq(ag_grad(t, nth(x, k)), 1 - th * th, 1e-15); /* F4 */
    }
    cr_assert(ag_run_is_null(ag_map(t, AG_OP_ADD, x, AG_NULL_RUN)));
    cr_assert_eq(ag_tape_status(t), AG_EINVAL);
}

Test(runs, shared_constant_operand)
{
    /* leaky_relu with one slope node for a whole run, and x^c with a shared c */
    ag_node slope = ag_const(t, 0.1), c = ag_const(t, 3);
    double v[3] = {-2, 0, 2};
    ag_run x = ag_vars(t, v, 3);
    ag_run y = ag_map(t, AG_OP_LEAKY_RELU, x, ag_run_of(slope, 1));
    cr_assert_eq(y.n, 3);
    ag_node y0 = nth(y, 0), y1 = nth(y, 1), y2 = nth(y, 2);
    cr_assert_eq(y1.idx, y0.idx + 1);
    cr_assert_eq(y2.idx, y0.idx + 2);
    cr_assert_eq(ag_node_input(t, y2, 1).idx, slope.idx);
    cr_assert_eq(ag_value(t, y0), -0.2);
    ag_node L = ag_add(t, ag_add(t, y0, y1), y2);
    ag_backward(t, L);
    cr_assert_eq(ag_grad(t, x.first), 0.1);
    cr_assert_eq(ag_grad(t, nth(x, 1)), 0.1); /* F3 at the kink: the slope */
    cr_assert_eq(ag_grad(t, nth(x, 2)), 1.0);
    ag_zero_grad(t);
    ag_node p = ag_apply(t, AG_OP_POWC, (const ag_node[]){nth(x, 2), c}, 2);
    ag_backward(t, p);
    cr_assert_eq(ag_value(t, p), 8.0);
    cr_assert_eq(ag_grad(t, nth(x, 2)), 12.0); /* 3 x^2 */
    /* the operand must be a constant */
    cr_assert(ag_is_null(ag_apply(t, AG_OP_POWC, (const ag_node[]){x.first, nth(x, 1)}, 2)));
    cr_assert_eq(ag_tape_status(t), AG_EINVAL);
    ag_tape_clear_error(t);
    cr_assert(ag_run_is_null(ag_map(t, AG_OP_LEAKY_RELU, x, ag_run_of(nth(x, 1), 1))));
    cr_assert_eq(ag_tape_status(t), AG_EINVAL);
}

Test(runs, tape_fail_records_the_first_error)
{
    cr_assert_eq(ag_tape_fail(t, AG_EINVAL, "lib: %s %d", "bad", 7), AG_EINVAL);
    cr_assert_eq(ag_tape_fail(t, AG_ENOMEM, "second"), AG_ENOMEM);
    cr_assert_eq(ag_tape_status(t), AG_EINVAL);
    cr_assert_str_eq(ag_tape_error(t), "lib: bad 7");
}

Test(runs, logsumexp_run_equals_the_listed_form)
{
    /* log(e^1 + e^2 + e^3) and its gradient softmax (F5), by both calls */
    double v[3] = {1, 2, 3};
    ag_run x = ag_vars(t, v, 3);
    ag_node list[3] = {nth(x, 0), nth(x, 1), nth(x, 2)};
    ag_node a = ag_logsumexp(t, x), b = ag_apply(t, AG_OP_LOGSUMEXP, list, 3);
    double want = log(exp(1.0) + exp(2.0) + exp(3.0));
    cr_assert_float_eq(ag_value(t, a), want, 1e-15);
    cr_assert_eq(ag_value(t, a), ag_value(t, b));
    ag_backward(t, a);
    double ga[3];
    for (size_t k = 0; k < 3; k++) {
        ga[k] = ag_grad(t, nth(x, k));
        cr_assert_float_eq(ga[k], exp(v[k]) / exp(want), 1e-15);
    }
    ag_zero_grad(t);
    ag_backward(t, b);
    for (size_t k = 0; k < 3; k++)
        cr_assert_eq(ag_grad(t, nth(x, k)), ga[k]);
}

Test(runs, dot_over_constant_runs_skips_only_what_has_no_gradient)
{
    /* x constant (a first layer's inputs): dL/dW = x, exactly as with
     * variable inputs; a run mixing constants and variables still sends
     * the variables theirs. L = sum_j z_j with z = W x, W = [[1, 2], [3, 4]]. */
    double wv[4] = {1, 2, 3, 4}, xv[2] = {5, -6};
    ag_run w = ag_vars(t, wv, 4), x = ag_consts(t, xv, 2);
    ag_run z = ag_dot_rows(t, w, x, AG_NULL_RUN);
    ag_node L = ag_sum(t, z);
    cr_assert_eq(ag_value(t, L), (5 - 12) + (15 - 24));
    ag_backward(t, L);
    for (size_t k = 0; k < 4; k++)
        cr_assert_eq(ag_grad(t, nth(w, k)), xv[k % 2]);
    cr_assert_eq(ag_grad(t, x.first), 0.0); /* constants carry none */
    /* mixed run: c (constant) then v (variable) as x; dL/dv = w_1 = 2 */
    ag_node c = ag_const(t, 5), v = ag_var(t, -6);
    cr_assert_eq(v.idx, c.idx + 1);
    ag_node d = ag_dot(t, ag_run_of(w.first, 2), ag_run_of(c, 2), AG_NULL);
    ag_zero_grad(t);
    ag_backward(t, d);
    cr_assert_eq(ag_value(t, d), 1 * 5 + 2 * -6);
    cr_assert_eq(ag_grad(t, v), 2.0);
    cr_assert_eq(ag_grad(t, w.first), 5.0);
    cr_assert_eq(ag_grad(t, nth(w, 1)), -6.0);
    /* replay with new constant values: the weights' gradients follow them */
    ag_mark m = ag_tape_mark(t);
    ag_run z2 = ag_dot_rows(t, w, x, AG_NULL_RUN);
    ag_node L2 = ag_sum(t, z2);
    double *xs = ag_values(t, x);
    xs[0] = 7;
    xs[1] = 8;
    cr_assert_eq(ag_forward(t, m, L2), AG_OK);
    ag_zero_grad(t);
    ag_backward(t, L2);
    cr_assert_eq(ag_value(t, L2), (7 + 16) + (21 + 32));
    cr_assert_eq(ag_grad(t, nth(w, 2)), 7.0);
    cr_assert_eq(ag_grad(t, nth(w, 3)), 8.0);
}
