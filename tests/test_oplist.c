/*
 * test_oplist.c: the op list (ag_ops.h) and what it generates: the new unary
 * ops against their closed-form derivatives; every op's local derivative
 * recorded as ops (ag_local_derivative) against the derivative the sweep
 * uses, before and after a replay; and the coverage check: a list with a row
 * whose kernels are missing (the tangent ones of forward over reverse
 * included), or a row with a field missing, does not compile.
 */
#include "autograd.h"
#include "op_fns.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool near(double a, double b, double tol)
{
    return fabs(a - b) <= tol * fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* ---- the new unary ops: value and derivative, closed forms written
 * independently of the kernels (tan' as 1/cos^2, not 1 + tan^2, ...) ---- */

typedef struct unary_case {
    const char *name;
    ag_node (*op)(ag_tape *, ag_node);
    double (*f)(double);
    double (*df)(double);
} unary_case;

static double d_log1p(double x) { return 1.0 / (1.0 + x); }
static double d_expm1(double x) { return exp(x); }
static double d_tan(double x) { return 1.0 / (cos(x) * cos(x)); }
static double d_atan(double x) { return 1.0 / (1.0 + x * x); }
static double d_sinh(double x) { return (exp(x) + exp(-x)) / 2; }
static double d_cosh(double x) { return (exp(x) - exp(-x)) / 2; }
static double d_erf(double x) { return 2.0 / sqrt(acos(-1.0)) * exp(-x * x); }
static double zero(double x) { return x * 0.0; }
static double sign_ref(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }
static double step_ref(double x) { return x > 0 ? 1.0 : 0.0; }

static const unary_case unary_cases[] = {
    {"log1p", u_log1p, log1p, d_log1p}, {"expm1", u_expm1, expm1, d_expm1},
    {"tan", u_tan, tan, d_tan},         {"atan", u_atan, atan, d_atan},
    {"sinh", u_sinh, sinh, d_sinh},     {"cosh", u_cosh, cosh, d_cosh},
    {"erf", u_erf, erf, d_erf},         {"sign", u_sign, sign_ref, zero},
    {"step", u_step, step_ref, zero},
};

Test(oplist, new_unary_ops_match_their_closed_forms)
{
    static const double xs[] = {-0.85, -0.3, 0.0, 1e-9, 0.4, 1.1};
    for (size_t c = 0; c < sizeof unary_cases / sizeof *unary_cases; c++) {
        const unary_case *u = &unary_cases[c];
        for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
            ag_tape *t = ag_tape_new(0);
            ag_node x = ag_var(t, xs[i]);
            ag_node y = u->op(t, x);
            cr_assert_str_eq(ag_op_info_of(ag_node_op(t, y))->name, u->name);
            cr_assert(near(ag_value(t, y), u->f(xs[i]), 1e-15), "%s(%g) = %.17g", u->name, xs[i], ag_value(t, y));
            cr_assert_eq(ag_backward(t, y), AG_OK);
            cr_assert(near(ag_grad(t, x), u->df(xs[i]), 1e-14), "%s'(%g) = %.17g, want %.17g", u->name, xs[i],
                      ag_grad(t, x), u->df(xs[i]));
            ag_tape_free(t);
        }
    }
}

Test(oplist, sign_and_step_at_their_kinks)
{
    ag_tape *t = ag_tape_new(0);
    ag_node z = ag_var(t, 0.0), m = ag_var(t, -0.0);
    ag_node s = ag_unary(t, AG_OP_SIGN, z), h = ag_unary(t, AG_OP_STEP, z), hm = ag_unary(t, AG_OP_STEP, m);
    cr_assert_eq(ag_value(t, s), 0.0);
    cr_assert_eq(ag_value(t, h), 0.0); /* step(0) = 0: 1 only for x > 0 */
    cr_assert_eq(ag_value(t, hm), 0.0);
    ag_node L = ag_add(t, s, h);
    cr_assert_eq(ag_backward(t, L), AG_OK);
    cr_assert_eq(ag_grad(t, z), 0.0); /* sign' = step' = 0, kink included */
    ag_tape_free(t);
}

/* ---- every op's local derivative recorded as ops ---- */

/* A node of op `op` over fresh variables (values from v), its inputs in
 * *in (n_in of them); AG_NULL for leaves. */
static ag_node make(ag_tape *t, ag_op op, const double *v, ag_node *in, size_t *n_in)
{
    const ag_op_info *info = ag_op_info_of(op);
    switch (op) {
    case AG_OP_CONST:
    case AG_OP_VAR:
        return AG_NULL;
    case AG_OP_POWC:
    case AG_OP_LEAKY_RELU:
        in[0] = ag_var(t, v[0]);
        in[1] = ag_const(t, op == AG_OP_POWC ? 2.5 : 0.1);
        *n_in = 2;
        return ag_apply(t, op, in, 2);
    case AG_OP_SUM_RUN: {
        ag_run r = ag_vars(t, v, 3);
        for (size_t k = 0; k < 3; k++)
            in[k] = ag_at(t, r, k);
        *n_in = 3;
        return ag_sum(t, r);
    }
    case AG_OP_DOT_RUN: {
        ag_run w = ag_vars(t, v, 2), x = ag_vars(t, v + 2, 2);
        ag_node b = ag_var(t, v[4]);
        ag_node y = ag_dot(t, w, x, b);
        *n_in = ag_node_arity(t, y);
        for (size_t k = 0; k < *n_in; k++)
            in[k] = ag_node_input(t, y, k);
        return y;
    }
    default:
        break;
    }
    size_t n = info->arity >= 0 ? (size_t)info->arity : op == AG_OP_DOT ? 5 : 3;
    for (size_t k = 0; k < n; k++)
        in[k] = ag_var(t, v[k]);
    *n_in = n;
    return ag_apply(t, op, in, n);
}

/* dy/din[k] as the sweep computes it: y's inputs are distinct variables
 * (constants aside), so after one backward each holds exactly its local
 * derivative. */
static double sweep_local(ag_tape *t, ag_node y, ag_node in)
{
    ag_zero_grad(t);
    cr_assert_eq(ag_backward(t, y), AG_OK, "%s", ag_tape_error(t));
    return ag_grad(t, in);
}

static void check_op(ag_op op, const double *v, const double *v2)
{
    ag_tape *t = ag_tape_new(0);
    ag_node in[8];
    size_t n = 0;
    ag_mark m0 = ag_tape_mark(t);
    ag_node y = make(t, op, v, in, &n);
    const char *name = ag_op_info_of(op)->name;
    if (ag_is_null(y)) {
        ag_tape_free(t);
        return;
    }
    cr_assert_eq(ag_node_op(t, y), op, "%s recorded as %s", name, ag_op_info_of(ag_node_op(t, y))->name);
    ag_node d[8];
    for (size_t k = 0; k < n; k++) {
        d[k] = ag_local_derivative(t, y, k);
        cr_assert(!ag_is_null(d[k]), "%s input %zu: %s", name, k, ag_tape_error(t));
    }
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < n; k++) {
            double want = ag_node_op(t, in[k]) == AG_OP_CONST ? 0.0 : sweep_local(t, y, in[k]);
            cr_assert(near(ag_value(t, d[k]), want, 1e-13), "%s (pass %d) d/d input %zu: recorded %.17g, sweep %.17g",
                      name, pass, k, ag_value(t, d[k]), want);
        }
        /* replay with new values: the recorded derivatives follow */
        for (size_t k = 0; k < n; k++)
            if (ag_node_op(t, in[k]) == AG_OP_VAR)
                ag_set_value(t, in[k], v2[k]);
        for (size_t k = 0; k < n; k++)
            cr_assert_eq(ag_forward(t, m0, d[k]), AG_OK, "%s", ag_tape_error(t));
    }
    ag_tape_free(t);
}

Test(oplist, every_local_derivative_recorded_as_ops_equals_the_sweeps)
{
    /* two points per op, inside every domain (log, sqrt, pow need a > 0),
     * each side of the kinks (relu, abs, leaky_relu, min/max, sign, step) */
    for (int op = 0; op < AG_OP_COUNT; op++) /* the points of op_fns.h */
        check_op((ag_op)op, OP_AT_1, op_needs_positive((ag_op)op) ? OP_AT_POS : OP_AT_2);
}

Test(oplist, local_derivative_misuse)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 1.0), y = ag_unary(t, AG_OP_SIN, x);
    cr_assert(ag_is_null(ag_local_derivative(t, x, 0)));
    cr_assert_eq(ag_tape_status(t), AG_ERANGE);
    ag_tape_clear_error(t);
    cr_assert(ag_is_null(ag_local_derivative(t, y, 1)));
    cr_assert(strstr(ag_tape_error(t), "ag_local_derivative") != NULL);
    ag_tape_free(t);
}

Test(oplist, table_rows_are_complete)
{
    for (int op = 0; op < AG_OP_COUNT; op++) {
        const ag_op_info *r = ag_op_info_of((ag_op)op);
        cr_assert_not_null(r);
        cr_assert(r->name && *r->name && r->symbol && *r->symbol, "op %d", op);
    }
    cr_assert_str_eq(ag_op_info_of(AG_OP_COUNT)->name, "?"); /* not an op, never NULL */
    cr_assert_eq(ag_op_info_of(AG_OP_COUNT)->arity, 0);
}

/* ---- the coverage check: broken lists do not compile ---- */

/* Compile the sweep and the table with an extra row given by -D; 0 when
 * the compiler accepts them. The sources are found from this file's path
 * (tests/..), as make test runs from the top of the tree. */
static int compile_with_defs(const char *extra_row, const char *defs)
{
    const char *cc = getenv("CC");
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "%s -std=c11 -fsyntax-only -Werror -Iautograd %s %s%s%s autograd/sweep.c autograd/ops.c >/dev/null 2>&1",
             cc && *cc ? cc : "cc", defs, extra_row ? "'-DAG_OPLIST_EXTRA(X)=" : "", extra_row ? extra_row : "",
             extra_row ? "'" : "");
    return system(cmd);
}
static int compile_with(const char *extra_row) { return compile_with_defs(extra_row, ""); }

Test(oplist, a_row_without_kernels_or_with_a_field_missing_does_not_compile)
{
    /* control: the real list compiles this way */
    cr_assert_eq(compile_with(NULL), 0, "the unbroken list must compile (run from the top of the tree)");
    /* a row whose fw_/bw_/d_ kernels nobody wrote */
    cr_assert_neq(compile_with("X(BOGUS, bogus, \"bogus\", 1, CALL, NULL, \"\")"), 0);
    /* a row with its form missing */
    cr_assert_neq(compile_with("X(BOGUS, exp, \"bogus\", 1, CALL, NULL)"), 0);
    /* a row whose value and first derivatives exist (exp's, named by the
     * row's stem) but not its tangent kernels (forward over reverse) */
    const char *row = "X(BOGUS, bogus, \"bogus\", 1, CALL, NULL, \"\")";
    const char *first = "-Dfw_bogus=fw_exp -Dbw_bogus=bw_exp -Dd_bogus=d_exp";
    char all[256];
    snprintf(all, sizeof all, "%s -Djv_bogus=jv_exp -Dhv_bogus=hv_exp", first);
    cr_assert_eq(compile_with_defs(row, all), 0, "control: the row with every kernel compiles");
    cr_assert_neq(compile_with_defs(row, first), 0, "a row without jv_/hv_ must not compile");
}
