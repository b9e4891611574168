/*
 * test_semantics.c: gradient semantics of the tape (issue 2, point 6):
 * shared nodes accumulate, variables accumulate across backward calls until
 * zero_grad, interior gradients are fresh, constants get none.
 */
#include "autograd.h"

#include <criterion/criterion.h>

static ag_tape *t;
static void setup(void) { t = ag_tape_new(0); }
static void teardown(void) { ag_tape_free(t); }
TestSuite(semantics, .init = setup, .fini = teardown);

Test(semantics, shared_node_doubles)
{
    /* a = 1; b = a + a; c = b + b: dc/da = 4 */
    ag_node a = ag_var(t, 1.0);
    ag_node b = ag_add(t, a, a);
    ag_node c = ag_add(t, b, b);
    cr_assert_eq(ag_backward(t, c), AG_OK);
    cr_assert_eq(ag_grad(t, a), 4.0);
    cr_assert_eq(ag_grad(t, b), 2.0);
}

Test(semantics, square_of_self)
{
    /* d(x*x)/dx = 2x */
    ag_node x = ag_var(t, 3.0);
    ag_node y = ag_mul(t, x, x);
    ag_backward(t, y);
    cr_assert_eq(ag_grad(t, x), 6.0);
}

Test(semantics, diamond)
{
    /* u = x*2; v = u*u; w = u+3; y = v*w = 4x^2 (2x+3): dy/dx = 24x^2 + 24x */
    double xv = 1.5;
    ag_node x = ag_var(t, xv);
    ag_node u = ag_mul(t, x, ag_const(t, 2.0));
    ag_node v = ag_mul(t, u, u);
    ag_node w = ag_add(t, u, ag_const(t, 3.0));
    ag_node y = ag_mul(t, v, w);
    ag_backward(t, y);
    cr_assert_float_eq(ag_grad(t, x), 24 * xv * xv + 24 * xv, 1e-12);
}

Test(semantics, node_used_by_hundred)
{
    /* y = sum_{k=1..100} k*x: dy/dx = 5050 */
    ag_node x = ag_var(t, 0.25);
    ag_node terms[100];
    for (int k = 0; k < 100; k++)
        terms[k] = ag_mul(t, ag_const(t, k + 1), x);
    ag_node y = ag_apply(t, AG_OP_SUM, terms, 100);
    ag_backward(t, y);
    cr_assert_eq(ag_grad(t, x), 5050.0);
}

Test(semantics, variables_accumulate_until_zero_grad)
{
    ag_node x = ag_var(t, 2.0);
    ag_node y = ag_mul(t, x, ag_const(t, 5.0));
    ag_backward(t, y);
    ag_backward(t, y);
    cr_assert_eq(ag_grad(t, x), 10.0);
    ag_zero_grad(t);
    cr_assert_eq(ag_grad(t, x), 0.0);
    ag_backward(t, y);
    cr_assert_eq(ag_grad(t, x), 5.0);
}

Test(semantics, interior_gradients_are_fresh)
{
    ag_node x = ag_var(t, 2.0);
    ag_node u = ag_mul(t, x, x);
    ag_node y = ag_mul(t, u, ag_const(t, 3.0));
    ag_backward(t, y);
    ag_backward(t, y);
    cr_assert_eq(ag_grad(t, u), 3.0);
    cr_assert_eq(ag_grad(t, x), 24.0); /* 2 * (3 * 2x) */
}

Test(semantics, constants_have_no_gradient)
{
    ag_node c = ag_const(t, 4.0);
    ag_node x = ag_var(t, 1.0);
    ag_node y = ag_mul(t, c, x);
    ag_backward(t, y);
    cr_assert_eq(ag_grad(t, c), 0.0);
    cr_assert_eq(ag_grad(t, x), 4.0);
}

Test(semantics, backward_of_a_constant_is_refused)
{
    ag_node c = ag_const(t, 4.0);
    cr_assert_eq(ag_backward(t, c), AG_EINVAL);
    cr_assert(strstr(ag_tape_error(t), "constant") != NULL, "message: %s", ag_tape_error(t));
}

Test(semantics, interior_gradients_fresh_across_outputs_and_replay)
{
    /* u = x*x, y1 = 3u, y2 = u + x: backward(y1), backward(y2) must not mix */
    ag_mark m = ag_tape_mark(t);
    ag_node x = ag_var(t, 2.0);
    ag_node u = ag_mul(t, x, x);
    ag_node y1 = ag_mul(t, u, ag_const(t, 3.0));
    ag_node y2 = ag_add(t, u, x);
    ag_backward(t, y1);
    cr_assert_eq(ag_grad(t, u), 3.0);
    ag_zero_grad(t);
    ag_backward(t, y2);
    cr_assert_eq(ag_grad(t, u), 1.0, "u's gradient is rebuilt for y2");
    cr_assert_eq(ag_grad(t, x), 2 * 2.0 + 1);
    /* replay with x = 5 and differentiate twice: fresh both times */
    ag_set_value(t, x, 5.0);
    cr_assert_eq(ag_forward(t, m, y2), AG_OK);
    for (int k = 0; k < 2; k++) {
        ag_zero_grad(t);
        ag_backward(t, y2);
        cr_assert_eq(ag_grad(t, u), 1.0);
        cr_assert_eq(ag_grad(t, x), 2 * 5.0 + 1);
    }
}
