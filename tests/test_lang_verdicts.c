/*
 * test_lang_verdicts.c: the verdicts a student must be able to trust, each
 * from a derivation whose right and wrong answers are known by hand:
 * labels held fixed, claims right only at the given point rejected, the
 * tolerance relative to the gradients' size, kinks straddled, overflow
 * reported as such, near-miss diagnoses with the disagreeing entries.
 * Suite `lang_verdicts`.
 */
#include "lang.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

/* Check src; return the report (the caller frees it). */
static lg_report check(const char *src)
{
    ag_error e;
    lg_prog *p = lg_parse(src, strlen(src), &e);
    cr_assert(p, "%d:%d: %s", e.line, e.column, e.message);
    lg_report r;
    cr_assert_eq(lg_check(p, NULL, &r, &e), AG_OK, "%s", e.message);
    lg_prog_free(p);
    return r;
}

static lg_verdict verdict1(const char *src)
{
    lg_report r = check(src);
    cr_assert_eq(r.n_claims, 1);
    lg_verdict v = r.claims[0].verdict;
    lg_report_free(&r);
    return v;
}

Test(lang_verdicts, one_hot_labels_stay_fixed_and_softmax_ce_is_accepted)
{
    /* F17: d/dz of -sum(y log softmax(z)) = softmax(z) - y for a one-hot y */
    lg_report r = check("z = [0.2, -1.3, 0.8, 2.0]\ny = [0, 0, 1, 0]\ns = softmax(z)\nL = -sum(y * log(s))\n"
                        "claim dL/dz = s - y\n");
    cr_assert_eq(r.claims[0].verdict, LG_AGREES, "%s", r.claims[0].message);
    cr_assert(strstr(r.inputs_note, "y (one-hot"), "%s", r.inputs_note);
    lg_report_free(&r);
    /* a batch of one-hot rows is labels too */
    cr_assert_eq(verdict1("Z = [[1, 2], [0.5, -1]]\nY = [[0, 1], [1, 0]]\nL = -sum(Y * (Z - [logsumexp(Z[1, :]), "
                          "logsumexp(Z[2, :])].T))\nclaim dL/dZ[1,1] = softmax(Z[1, :])[1] - Y[1,1]\n"),
                 LG_AGREES);
    /* 'vary' perturbs a one-hot anyway: s - y assumed sum(y) = 1, so it fails */
    cr_assert_eq(verdict1("z = [0.2, -1.3, 0.8]\nvary y = [0, 0, 1]\ns = softmax(z)\nL = -sum(y * log(s))\n"
                          "claim dL/dz = s - y\n"),
                 LG_DISAGREES);
}

Test(lang_verdicts, a_claim_right_only_at_the_given_value_is_rejected)
{
    /* d(x^2)/dx = 2x, which is 4 at x = 2 only */
    cr_assert_eq(verdict1("x = 2\nf = x^2\nclaim df/dx = 4\n"), LG_DISAGREES);
    cr_assert_eq(verdict1("x = 2\nf = x^2\nclaim df/dx = 2*x\n"), LG_AGREES);
    /* declared data stays at its value: then 2*c is right everywhere checked */
    cr_assert_eq(verdict1("data c = 2\nx = 1\nf = c^2 * x\nclaim df/dx = 4\n"), LG_AGREES);
}

/* A literal with more than one 1 in a row is not labels: it is perturbed,
 * so a claim that leans on its given sum is caught. L = -sum(y log
 * softmax(z)) has dL/dz = sum(y) s - y, which is 2s - y only where sum(y) = 2. */
Test(lang_verdicts, a_multi_hot_literal_is_perturbed)
{
    lg_report r = check("z = [0.2, -1.3, 0.8]\ny = [1, 0, 1]\ns = softmax(z)\nL = -sum(y * log(s))\n"
                        "claim dL/dz = 2*s - y\n");
    cr_assert_eq(r.claims[0].verdict, LG_DISAGREES, "%s", r.claims[0].message);
    cr_assert_null(strstr(r.inputs_note, "one-hot"), "%s", r.inputs_note);
    lg_report_free(&r);
    /* the right formula holds at every perturbed y */
    cr_assert_eq(verdict1("z = [0.2, -1.3, 0.8]\ny = [1, 0, 1]\ns = softmax(z)\nL = -sum(y * log(s))\n"
                          "claim dL/dz = sum(y)*s - y\n"),
                 LG_AGREES);
}

/* lg_check's default tolerance (NULL options): 1e-9 relative. d x^2 = 2x
 * off by one part in a million, or in 1e8, is caught; the same derivative
 * written another way (F1's two forms) is rounding, not a disagreement. */
Test(lang_verdicts, the_default_tolerance_catches_a_near_miss_and_not_rounding)
{
    cr_assert_eq(verdict1("x = 1.5\nf = x^2\nclaim df/dx = 2*x*(1 + 1e-6)\n"), LG_DISAGREES);
    cr_assert_eq(verdict1("x = 1.5\nf = x^2\nclaim df/dx = 2*x*(1 + 1e-8)\n"), LG_DISAGREES);
    cr_assert_eq(verdict1("x = 1.5\nf = x^2\nclaim df/dx = 2*x\n"), LG_AGREES);
    cr_assert_eq(verdict1("z = 0.5\ns = sigmoid(z)\nclaim ds/dz = exp(-z)/(1 + exp(-z))^2\n"), LG_AGREES);
}

Test(lang_verdicts, tolerance_is_relative_to_the_gradients)
{
    /* sigma'(-40) = e^-40/(1+e^-40)^2 ~ 4.2e-18: a 5x error is caught */
    cr_assert_eq(verdict1("z = -40\ns = sigmoid(z)\nclaim ds/dz = 5*sigmoid(z)*(1 - sigmoid(z))\n"), LG_DISAGREES);
    cr_assert_eq(verdict1("z = -40\ns = sigmoid(z)\nclaim ds/dz = sigmoid(z)*(1 - sigmoid(z))\n"), LG_AGREES);
    /* at z = 40, sigma(1 - sigma) rounds to 0 while the true value is 4.2e-18:
     * rounding of a correct formula, not a disagreement */
    cr_assert_eq(verdict1("z = 40\ns = sigmoid(z)\nclaim ds/dz = sigmoid(z)*(1 - sigmoid(z))\n"), LG_AGREES);
    /* a sum computed in another order: rounding again */
    cr_assert_eq(verdict1("x = [0.1, 0.2, 0.3, 1e8, -1e8]\nf = sum(x)^2\nclaim df/dx = 2*(x[1] + x[2] + x[3] + "
                          "x[4] + x[5]) + 0*x\n"),
                 LG_AGREES);
}

Test(lang_verdicts, points_straddle_kinks)
{
    /* x = 0.01 sits next to relu's kink: relu' = 1 there, but a claim of 1
     * everywhere is wrong on the other side, which the radius alone might miss */
    lg_report r = check("x = 0.01\nf = relu(x)\nclaim df/dx = 1\nclaim df/dx = step(x)\n");
    cr_assert_eq(r.claims[0].verdict, LG_DISAGREES);
    cr_assert_eq(r.claims[1].verdict, LG_AGREES);
    cr_assert_geq(r.n_kinks, 1);
    cr_assert_geq(r.n_straddled, 1);
    lg_report_free(&r);
    /* with a tiny radius, only the kink points can see the other side */
    const char *tiny = "x = 0.001\nf = abs(x)\nclaim df/dx = 1\n";
    lg_prog *p = lg_parse(tiny, strlen(tiny), NULL);
    cr_assert(p);
    lg_check_opts o = {20, 1e-6, 1e-9, 1e-12};
    cr_assert_eq(lg_check(p, &o, &r, NULL), AG_OK);
    cr_assert_eq(r.claims[0].verdict, LG_AGREES); /* the kink is out of reach of radius 1e-6 */
    lg_report_free(&r);
    lg_prog_free(p);
    /* max and if have kinks too */
    cr_assert_eq(verdict1("a = 1.001\nb = 1\nm = max(a, b)\nclaim dm/da = 1\n"), LG_DISAGREES);
    cr_assert_eq(verdict1("a = 1.001\nb = 1\nm = max(a, b)\nclaim dm/da = step(a - b)\n"), LG_AGREES);
    cr_assert_eq(verdict1("x = -0.002\nf = if(x > 0, x, 2*x)\nclaim df/dx = 2\n"), LG_DISAGREES);
}

Test(lang_verdicts, an_overflowing_formula_is_reported_as_such)
{
    lg_report r = check("z = -800\ns = sigmoid(z)\nclaim ds/dz = exp(-z)/(1 + exp(-z))^2\n");
    cr_assert_eq(r.claims[0].verdict, LG_OVERFLOWS);
    cr_assert(strstr(r.claims[0].message, "the claimed formula overflows here"), "%s", r.claims[0].message);
    lg_report_free(&r);
    /* outside the program's domain: skipped, not blamed on the claim */
    r = check("x = -0.5\nf = sqrt(x)\nclaim df/dx = 0.5/sqrt(x)\n");
    cr_assert_neq(r.claims[0].verdict, LG_DISAGREES);
    lg_report_free(&r);
}

Test(lang_verdicts, near_misses_are_diagnosed_with_entries)
{
    const char *prog = "a0: 4x3\nW: 3x2\nb: 2\ny = [[1, 0], [0, 1], [0, 1], [1, 0]]\nz = a0 @ W + b\n"
                       "a = sigmoid(z)\nL = 0.5*sum((a - y)^2)\nd = (a - y)*a*(1 - a)\n";
    const char *claims[][2] = {
        {"claim dL/dW = d.T @ a0", "transpose"},
        {"claim dL/db = d", "sum over the batch is missing"},
        {"claim dL/db = mean(d, 1)", "1/4"},
        {"claim dL/dz = -d", "sign is flipped"},
        {"claim dL/dz = 2*d", "2 times"},
        {"claim dL/dz = 0.5*d", "1/2 of"},
        {"claim dL/dW = a0.T @ d", ""},
    };
    for (size_t k = 0; k < sizeof claims / sizeof claims[0]; k++) {
        char src[1024];
        snprintf(src, sizeof src, "%s%s\n", prog, claims[k][0]);
        lg_report r = check(src);
        const lg_claim_result *c = &r.claims[0];
        if (!claims[k][1][0]) {
            cr_assert_eq(c->verdict, LG_AGREES, "%s: %s", claims[k][0], c->message);
        } else {
            cr_assert_eq(c->verdict, LG_DISAGREES, "%s", claims[k][0]);
            cr_assert(strstr(c->diagnosis, claims[k][1]), "%s: diagnosis '%s'", claims[k][0], c->diagnosis);
        }
        lg_report_free(&r);
    }
    /* the disagreeing entries come with (i, j) and both values: d(x_i^2)/dx_i = 2 x_i */
    lg_report r = check("x = [1, -2, 3]\nf = sum(x^2)\nclaim df/dx = [2*x[1], 2*x[2], x[3]]\n");
    const lg_claim_result *c = &r.claims[0];
    cr_assert_eq(c->verdict, LG_DISAGREES);
    cr_assert_eq(c->n_shown, 1);
    cr_assert_eq(c->shown[0].i, 3);
    cr_assert_eq(c->shown[0].j, 1);
    cr_assert_float_eq(c->shown[0].autodiff, 2 * c->shown[0].claim, 1e-12);
    lg_report_free(&r);
}

Test(lang_verdicts, claims_about_intermediates_and_earlier_quantities)
{
    /* delta recursion: d2 defined from the program, d1 from d2 */
    lg_report r = check("x: 2\nW1: 3x2\nW2: 1x3\nz1 = W1 @ x\na1 = tanh(z1)\nz2 = W2 @ a1\nL = sum(z2^2)\n"
                        "d2 = 2*z2\nclaim dL/dz2 = d2\nd1 = (W2.T @ d2) * (1 - a1^2)\nclaim dL/dz1 = d1\n"
                        "claim dL/da1 = W2.T @ d2\nclaim dz2/dz1 = W2 * (1 - a1^2)\n");
    for (size_t c = 0; c < r.n_claims; c++)
        cr_assert_eq(r.claims[c].verdict, LG_AGREES, "%s: %s", r.claims[c].lhs, r.claims[c].message);
    lg_report_free(&r);
}
