/*
 * test_numeric.c: numeric edge cases. Saturating ops give exact limits with
 * finite derivatives; domain errors and overflow give what IEEE 754 and C's
 * libm give; and anomaly mode names the first node (its op and its name)
 * that produced a NaN or an infinity, in the forward or the backward sweep.
 * Each expected value is derived in the comment next to it.
 */
#include "autograd.h"
#include "nn.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

/* A tape in anomaly mode. */
static ag_tape *anomaly_tape(void)
{
    ag_tape *t = ag_tape_new(0);
    cr_assert_eq(ag_anomaly_enable(t, true), AG_OK);
    return t;
}

/* The tape holds an anomaly whose message names each of the strings. */
#define assert_anomaly(t, ...)                                                                   \
    do {                                                                                         \
        cr_assert_eq(ag_tape_status(t), AG_EANOMALY, "status %s (%s)",                         \
                     ag_status_str(ag_tape_status(t)), ag_tape_error(t));                        \
        const char *want_[] = {__VA_ARGS__};                                                     \
        for (size_t k_ = 0; k_ < sizeof want_ / sizeof want_[0]; k_++)                           \
            cr_assert(strstr(ag_tape_error(t), want_[k_]), "message '%s' lacks '%s'",            \
                      ag_tape_error(t), want_[k_]);                                              \
    } while (0)

/* sigmoid(x) = 1/(1 + e^-x) is computed without exponentiating a positive
 * number: at x = 1000, e^-1000 underflows to 0 and 1/(1 + 0) = 1 exactly;
 * at x = -1000, e^-1000/(1 + e^-1000) = 0. Its derivative s(1 - s) is then
 * 1 * 0 = 0 and 0 * 1 = 0: finite, and no anomaly. */
Test(numeric, sigmoid_saturates_exactly)
{
    ag_tape *t = anomaly_tape();
    ag_node p = ag_var(t, 1000.0), n = ag_var(t, -1000.0);
    ag_node sp = ag_unary(t, AG_OP_SIGMOID, p), sn = ag_unary(t, AG_OP_SIGMOID, n);
    cr_assert_eq(ag_value(t, sp), 1.0);
    cr_assert_eq(ag_value(t, sn), 0.0);
    cr_assert_eq(ag_backward(t, ag_add(t, sp, sn)), AG_OK);
    cr_assert_eq(ag_grad(t, p), 0.0);
    cr_assert_eq(ag_grad(t, n), 0.0);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_tape_free(t);
}

/* tanh(+-1000) = +-1 exactly (libm's tanh saturates past |x| ~ 19), and
 * tanh' = 1 - tanh^2 = 4 e^-2|x| / (1 + e^-2|x|)^2 = 0 since e^-2000
 * underflows to 0: finite. */
Test(numeric, tanh_saturates_exactly)
{
    ag_tape *t = anomaly_tape();
    ag_node p = ag_var(t, 1000.0), n = ag_var(t, -1000.0);
    ag_node tp = ag_unary(t, AG_OP_TANH, p), tn = ag_unary(t, AG_OP_TANH, n);
    cr_assert_eq(ag_value(t, tp), 1.0);
    cr_assert_eq(ag_value(t, tn), -1.0);
    cr_assert_eq(ag_backward(t, ag_sub(t, tp, tn)), AG_OK);
    cr_assert_eq(ag_grad(t, p), 0.0);
    cr_assert_eq(ag_grad(t, n), 0.0);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_tape_free(t);
}

/* softmax(1000, 0, -1000), max-shifted (F5): with m = 1000,
 * s_i = e^(z_i - m) / sum_j e^(z_j - m) = (1, e^-1000, e^-2000) / (1 + e^-1000
 * + e^-2000); e^-1000 underflows to 0 (below the least subnormal, ~e^-745),
 * so s = (1, 0, 0) exactly. The naive e^1000 would be inf and inf/inf NaN. */
Test(numeric, softmax_of_huge_logits)
{
    ag_tape *t = anomaly_tape();
    const double z[3] = {1000.0, 0.0, -1000.0};
    ag_node zs = ag_vars(t, z, 3).first;
    ag_node s = nn_activate(t, NN_ACT_SOFTMAX, ag_run_of(zs, 3), 0.0).first;
    cr_assert(!ag_is_null(s), "%s", ag_tape_error(t));
    double m = 1000.0, den = 0.0;
    for (int i = 0; i < 3; i++)
        den += exp(z[i] - m);
    for (size_t i = 0; i < 3; i++) {
        double v = ag_value(t, ag_at(t, ag_run_of(s, i + 1), i));
        cr_assert(!isnan(v));
        cr_assert_eq(v, exp(z[i] - m) / den, "s_%zu = %g", i, v);
    }
    cr_assert_eq(ag_value(t, s), 1.0);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_tape_free(t);
}

/* Cross-entropy of a confident wrong prediction (F17): logits (1000, 0,
 * -1000), the true class the last. L = logsumexp(z) - z_2 = 1000 + log(1 +
 * e^-1000 + e^-2000) + 1000 = 2000 (the log term rounds to 0), finite where
 * log(softmax) would be log(0) = -inf. dL/dz = softmax(z) - y = (1, 0, -1). */
Test(numeric, cross_entropy_of_a_confident_wrong_prediction)
{
    ag_tape *t = anomaly_tape();
    ag_node z = ag_vars(t, (const double[]){1000.0, 0.0, -1000.0}, 3).first;
    ag_node y = ag_consts(t, (const double[]){0.0, 0.0, 1.0}, 3).first;
    ag_node L = nn_loss(t, NN_LOSS_SOFTMAX_CE, ag_run_of(z, 3), ag_run_of(y, 3), NN_SUM);
    cr_assert(!ag_is_null(L), "%s", ag_tape_error(t));
    cr_assert_eq(ag_value(t, L), 2000.0);
    cr_assert_eq(ag_backward(t, L), AG_OK);
    const double want[3] = {1.0, 0.0, -1.0};
    for (size_t i = 0; i < 3; i++) {
        double g = ag_grad(t, ag_at(t, ag_run_of(z, i + 1), i));
        cr_assert(isfinite(g));
        cr_assert_eq(g, want[i], "dL/dz_%zu = %g", i, g);
    }
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_tape_free(t);
}

/* e^710 overflows: the largest double is ~e^709.78, so IEEE gives +inf
 * (C's exp sets ERANGE and returns HUGE_VAL). Anomaly mode names the exp
 * node, its name and where it was recorded. */
Test(numeric, exp_overflow_is_named)
{
    ag_tape *t = anomaly_tape();
    ag_node x = ag_var(t, 710.0);
    AG_HERE(t);
    ag_node e = ag_unary(t, AG_OP_EXP, x);
    ag_name_set(t, e, "big");
    cr_assert(isinf(ag_value(t, e)) && ag_value(t, e) > 0);
    assert_anomaly(t, "forward", "exp", "test_numeric.c");
    ag_tape_free(t);
}

/* Named before the anomaly so that the message can carry the name: the
 * node is recorded, named, then a second op on it overflows. */
Test(numeric, anomaly_message_carries_the_node_name)
{
    ag_tape *t = anomaly_tape();
    ag_node x = ag_var(t, 400.0);
    ag_node twice = ag_add(t, x, x); /* 800: finite */
    cr_assert_eq(ag_name_set(t, twice, "twice"), AG_OK);
    ag_node e = ag_unary(t, AG_OP_EXP, twice); /* e^800 = inf */
    cr_assert_eq(ag_name_set(t, e, "boom"), AG_OK);
    cr_assert(isinf(ag_value(t, e)));
    /* the exp node is the first bad one; its input 'twice' was finite */
    assert_anomaly(t, "exp", "800");
    ag_tape_free(t);
}

/* log(0) = -inf: the pole, as C99 Annex F specifies (divide-by-zero
 * exception, -HUGE_VAL). */
Test(numeric, log_of_zero)
{
    ag_tape *t = anomaly_tape();
    ag_node x = ag_var(t, 0.0);
    ag_node l = ag_unary(t, AG_OP_LOG, x);
    cr_assert(isinf(ag_value(t, l)) && ag_value(t, l) < 0);
    assert_anomaly(t, "forward", "log");
    ag_tape_free(t);
}

/* 0/0 is NaN (IEEE invalid operation). */
Test(numeric, zero_over_zero)
{
    ag_tape *t = anomaly_tape();
    ag_node a = ag_var(t, 0.0), b = ag_var(t, 0.0);
    ag_node q = ag_div(t, a, b);
    cr_assert(isnan(ag_value(t, q)));
    assert_anomaly(t, "forward", "div");
    ag_tape_free(t);
}

/* pow(0, 0) = 1, as C's pow gives (C99 F.9.4.4: pow(x, +-0) is 1 for any
 * x). With a constant exponent (powc) the derivative d a^c/da = c a^(c-1) is
 * taken as 0 when c = 0 (a^0 is the constant 1), where the formula would be
 * 0 * 0^-1 = 0 * inf = NaN. */
Test(numeric, pow_zero_zero_with_constant_exponent)
{
    ag_tape *t = anomaly_tape();
    ag_node a = ag_var(t, 0.0);
    ag_node p = ag_powc(t, a, 0.0);
    cr_assert_eq(ag_value(t, p), 1.0);
    cr_assert_eq(ag_backward(t, p), AG_OK);
    cr_assert_eq(ag_grad(t, a), 0.0);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_tape_free(t);
}

/* pow(a, b) with both nodes at (0, 0): value 1 (C), d/da = b a^(b-1) is 0
 * when b = 0, as for powc. d/db = a^b log a = 1 * log 0 = -inf: b -> 0^b
 * jumps from +inf (b < 0) through 1 to 0 (b > 0), so both one-sided
 * difference quotients tend to -inf (ops.c documents the convention). The
 * gradient is infinite from finite values: anomaly mode names the pow node
 * in the backward sweep. */
Test(numeric, pow_zero_zero_with_node_exponent)
{
    ag_tape *t = anomaly_tape();
    ag_node a = ag_var(t, 0.0), b = ag_var(t, 0.0);
    ag_node p = ag_binary(t, AG_OP_POW, a, b);
    ag_name_set(t, p, "p");
    cr_assert_eq(ag_value(t, p), 1.0);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_backward(t, p);
    cr_assert_eq(ag_grad(t, a), 0.0);
    cr_assert(isinf(ag_grad(t, b)) && ag_grad(t, b) < 0);
    assert_anomaly(t, "backward", "pow", "'p'");
    ag_tape_free(t);
}

/* pow(-8, 1/3) is NaN: C's pow of a negative finite base and a finite
 * non-integer exponent is a domain error (C99 F.9.4.4), even though the
 * real cube root -2 exists (1/3 is not exactly representable anyway). Use
 * cbrt-style -pow(-x, 1/3) for real roots of negatives. */
Test(numeric, pow_of_negative_base_fractional_exponent)
{
    ag_tape *t = anomaly_tape();
    ag_node a = ag_var(t, -8.0);
    ag_node r = ag_powc(t, a, 1.0 / 3.0);
    cr_assert(isnan(ag_value(t, r)));
    assert_anomaly(t, "forward", "powc");
    ag_tape_clear_error(t);
    ag_tape_free(t);
}

/* Finite values, infinite gradient through a local derivative: log at the
 * subnormal 1e-320 is finite (~ -736.8), but d log x/dx = 1/x = 1e320
 * overflows to inf. The log node (named 'l') is the first to send a
 * non-finite gradient, to x. */
Test(numeric, local_derivative_overflow_in_backward)
{
    ag_tape *t = anomaly_tape();
    ag_node x = ag_var(t, 1e-320);
    ag_name_set(t, x, "x");
    ag_node l = ag_unary(t, AG_OP_LOG, x);
    ag_name_set(t, l, "l");
    cr_assert(isfinite(ag_value(t, l)));
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_backward(t, l);
    cr_assert(isinf(ag_grad(t, x)));
    assert_anomaly(t, "backward", "log", "'l'", "'x'");
    ag_tape_free(t);
}

/* Finite values, infinite gradient through the chain rule: y = a b with
 * a = 1e300, b = 1e-300 is 1; L = y * 1e300 = 1e300 is finite. But
 * dL/dy = 1e300 and dL/db = dL/dy * a = 1e600 = inf. The first node to
 * produce it is the mul named 'y' (its gradient 1e300 is finite). */
Test(numeric, chain_rule_overflow_in_backward)
{
    ag_tape *t = anomaly_tape();
    ag_node a = ag_var(t, 1e300), b = ag_var(t, 1e-300);
    ag_node y = ag_mul(t, a, b);
    ag_name_set(t, y, "y");
    ag_node L = ag_mul(t, y, ag_const(t, 1e300));
    ag_name_set(t, L, "L");
    cr_assert_eq(ag_value(t, L), 1e300);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_backward(t, L);
    cr_assert_eq(ag_grad(t, a), 1e300 * 1e-300);
    cr_assert(isinf(ag_grad(t, b)));
    assert_anomaly(t, "backward", "mul", "'y'");
    cr_assert(!strstr(ag_tape_error(t), "'L'"), "blames L: %s", ag_tape_error(t));
    ag_tape_free(t);
}

/* A NaN that only passes through is not the first bad node: sqrt(-1) is
 * (C: domain error, NaN), then exp(NaN) is NaN but from a NaN input, so the
 * anomaly names sqrt, not exp. */
Test(numeric, anomaly_names_the_first_node_only)
{
    ag_tape *t = anomaly_tape();
    ag_node x = ag_var(t, -1.0);
    ag_node r = ag_unary(t, AG_OP_SQRT, x);
    ag_node e = ag_unary(t, AG_OP_EXP, r);
    cr_assert(isnan(ag_value(t, e)));
    assert_anomaly(t, "sqrt");
    cr_assert(!strstr(ag_tape_error(t), "(exp)"), "%s", ag_tape_error(t));
    ag_tape_free(t);
}

/* Regression: logsumexp shifts by the max found with fmax, which skips
 * NaNs, so all-NaN inputs (or NaN with -inf) left the max at -inf and gave
 * -inf, hiding the NaN. IEEE propagates NaN: log(e^NaN + ...) is NaN. */
Test(numeric, logsumexp_propagates_nan)
{
    ag_tape *t = ag_tape_new(0);
    ag_node a = ag_var(t, (double)NAN), b = ag_var(t, -(double)INFINITY);
    ag_node xs[2] = {a, b};
    cr_assert(isnan(ag_value(t, ag_apply(t, AG_OP_LOGSUMEXP, xs, 2))));
    ag_node ys[1] = {a};
    cr_assert(isnan(ag_value(t, ag_apply(t, AG_OP_LOGSUMEXP, ys, 1))));
    /* -inf alone is the empty mass: log 0 = -inf */
    ag_node zs[1] = {b};
    double v = ag_value(t, ag_apply(t, AG_OP_LOGSUMEXP, zs, 1));
    cr_assert(isinf(v) && v < 0);
    ag_tape_free(t);
}
