/*
 * test_hess_ops.c: every op's derivative-as-ops (the op list's recorded
 * local derivative) against its numeric one, op by op: the recorded
 * gradient equals ag_backward's within rounding, and the recorded second
 * derivative equals central differences of ag_backward's first. A row whose
 * two derivatives drift apart fails here, by name.
 */
#include "autograd.h"
#include "op_fns.h"
#include "oracle.h"

#include <criterion/criterion.h>
#include <math.h>

typedef ag_node (*unary_fn)(ag_tape *, ag_node);
typedef ag_node (*binary_fn)(ag_tape *, ag_node, ag_node);

/* the ops with a constant operand, at fixed constants */
static ag_node sq(ag_tape *t, ag_node x) { return ag_powc(t, x, 2.0); }
static ag_node cube(ag_tape *t, ag_node x) { return ag_powc(t, x, 3.0); }
static ag_node root(ag_tape *t, ag_node x) { return ag_powc(t, x, 0.5); }
static ag_node leaky(ag_tape *t, ag_node x) { return ag_binary(t, AG_OP_LEAKY_RELU, x, ag_const(t, 0.1)); }

static const struct {
    const char *name;
    unary_fn f;
    double lo, hi; /* sample points in [lo, hi], away from kinks          */
} UNARY[] = {
    {"neg", ag_neg, -2, 2},           {"exp", u_exp, -2, 2},         {"log", u_log, 0.2, 3},
    {"sqrt", u_sqrt, 0.2, 3},        {"abs", u_abs, 0.1, 2},        {"sin", u_sin, -2, 2},
    {"cos", u_cos, -2, 2},           {"tanh", u_tanh, -2, 2},       {"sigmoid", u_sigmoid, -3, 3},
    {"softplus", u_softplus, -3, 3}, {"relu", u_relu, 0.1, 2},   {"log1p", u_log1p, -0.5, 2},
    {"expm1", u_expm1, -2, 2},       {"tan", u_tan, -1.2, 1.2},     {"atan", u_atan, -3, 3},
    {"sinh", u_sinh, -2, 2},         {"cosh", u_cosh, -2, 2},       {"erf", u_erf, -2, 2},
    {"sign", u_sign, 0.1, 2},        {"step", u_step, 0.1, 2},      {"relu<0", u_relu, -2, -0.1},
    {"abs<0", u_abs, -2, -0.1},      {"sq", sq, -2, 2},              {"cube", cube, -2, 2},
    {"root", root, 0.2, 3},           {"leaky", leaky, -2, -0.1},     {"leaky>0", leaky, 0.1, 2},
};

static const struct {
    const char *name;
    binary_fn f;
    double lo, hi;
} BINARY[] = {
    {"add", ag_add, -2, 2}, {"sub", ag_sub, -2, 2},   {"mul", ag_mul, -2, 2},
    {"div", ag_div, 0.5, 2}, {"pow", b_pow, 0.5, 2},   {"min", b_min, -2, 2},
    {"max", b_max, -2, 2},
};

/* first and second derivatives of f at x: recorded (grad nodes, twice) */
static void recorded(ag_tape *t, ag_node y, ag_node x, double *d1, double *d2)
{
    ag_node g, h;
    cr_assert_eq(ag_grad_nodes(t, y, &x, 1, &g), AG_OK, "%s", ag_tape_error(t));
    cr_assert_eq(ag_grad_nodes(t, g, &x, 1, &h), AG_OK, "%s", ag_tape_error(t));
    *d1 = ag_value(t, g);
    *d2 = ag_value(t, h);
}

/* the numeric derivative of y = build(x0) by ag_backward */
typedef struct builder {
    int kind; /* 0 unary, 1 binary in a (b fixed), 2 binary in b (a fixed) */
    int k;
    double other;
} builder;

static ag_node build(ag_tape *t, const builder *b, ag_node x)
{
    if (b->kind == 0)
        return UNARY[b->k].f(t, x);
    ag_node o = ag_const(t, b->other);
    return b->kind == 1 ? BINARY[b->k].f(t, x, o) : BINARY[b->k].f(t, o, x);
}

static double numeric_d1(const builder *b, double x0)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, x0);
    cr_assert_eq(ag_backward(t, build(t, b, x)), AG_OK);
    double g = ag_grad(t, x);
    ag_tape_free(t);
    return g;
}

static void check(const builder *b, const char *name, double x0)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, x0);
    double d1, d2;
    recorded(t, build(t, b, x), x, &d1, &d2);
    ag_tape_free(t);
    double n1 = numeric_d1(b, x0), h = 1e-5 * fmax(1.0, fabs(x0));
    double fd2 = (numeric_d1(b, x0 + h) - numeric_d1(b, x0 - h)) / (2 * h);
    /* the two first derivatives are two formulas for one number: a few ulps */
    cr_expect_leq(orc_rel(d1, n1, 1e-300), 1e-14, "%s: recorded d1 %.17g, numeric %.17g at %g", name, d1, n1, x0);
    /* central differences: truncation ~h^2, rounding ~eps/h: 1e-7 of the scale */
    cr_expect_leq(fabs(d2 - fd2), 1e-7 * fmax(1.0, fabs(fd2)), "%s: recorded d2 %.17g, differences %.17g at %g", name, d2,
                  fd2, x0);
}

Test(hess_ops, unary_rows_agree_with_their_numeric_derivatives)
{
    orc_rng r = {17};
    for (int k = 0; k < (int)(sizeof UNARY / sizeof UNARY[0]); k++)
        for (int p = 0; p < 5; p++) {
            builder b = {0, k, 0};
            check(&b, UNARY[k].name, orc_uniform(&r, UNARY[k].lo, UNARY[k].hi));
        }
}

Test(hess_ops, binary_rows_agree_in_each_argument)
{
    orc_rng r = {19};
    for (int k = 0; k < (int)(sizeof BINARY / sizeof BINARY[0]); k++)
        for (int p = 0; p < 5; p++) {
            double other = orc_uniform(&r, BINARY[k].lo, BINARY[k].hi);
            builder a = {1, k, other}, b = {2, k, other};
            check(&a, BINARY[k].name, orc_uniform(&r, BINARY[k].lo, BINARY[k].hi));
            check(&b, BINARY[k].name, orc_uniform(&r, BINARY[k].lo, BINARY[k].hi));
        }
}
