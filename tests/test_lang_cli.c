/*
 * test_lang_cli.c: the agrad commands over the derivation language,
 * in-process: check -f FILE and from stdin, a derivation given as text,
 * grad -f, jacobian (against F5's closed form), --json reports, the old
 * check's tolerance now relative to the gradient, --data, the flags on
 * non-finite values, ASCII output, --version and help for an unknown name.
 * Suite `lang_cli`.
 */
#include "cli_run.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>


Test(lang_cli, check_a_file_and_stdin)
{
    run r = agrad("check", "-f", "examples/derivations/004_batched.txt");
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "8 claims: 8 agree"), "%s", r.out);
    run_free(&r);
    r = agrad("check", "-f", "examples/derivations/mistakes.txt");
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.out, "diagnosis: the claim is the transpose"), "%s", r.out);
    run_free(&r);
    r = agrad_in("x = 3\nf = x^3\nclaim df/dx = 3*x^2\n", "check", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    run_free(&r);
    r = agrad("check", "x = 3; f = x^3; claim df/dx = 3*x");
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.out, "DISAGREES"), "%s", r.out);
    run_free(&r);
    r = agrad("check", "-f", "/nonexistent/file.txt");
    cr_assert_eq(r.rc, 3);
    cr_assert(strstr(r.err, "cannot open /nonexistent/file.txt"), "%s", r.err);
    run_free(&r);
    r = agrad_in("x = 1\ny = x +* 2\n", "check", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "-:2:8: parse error"), "%s", r.err);
    run_free(&r);
}

Test(lang_cli, json_report)
{
    run r = agrad("check", "--json", "x = [1, 2]; f = sum(exp(x)); claim df/dx = exp(x); claim df/dx = x");
    cr_assert_eq(r.rc, 1);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert(j, "%s", r.out);
    cr_assert(json_is_false(json_object_get(j, "all_agree")));
    cr_assert_eq(json_array_size(json_object_get(j, "claims")), 2);
    json_decref(j);
    run_free(&r);
}

Test(lang_cli, grad_file_and_jacobian)
{
    run r = agrad_in("W = [[1, 2], [3, 4]]\nx = [1, -1]\nL = sum((W @ x)^2)\n", "grad", "-f", "-",
                     (const char *)NULL);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    /* Wx = (-1, -1), L = 2; dL/dW[i,j] = 2 (Wx)_i x_j: W[1,1] -> -2; dL/dx = 2 W^T Wx = (-8, -12) */
    cr_assert(strstr(r.out, "L = 2\n"), "%s", r.out);
    cr_assert(strstr(r.out, "dL/dW[1,1] = -2\n") && strstr(r.out, "dL/dx[2] = -12\n"), "%s", r.out);
    run_free(&r);
    r = agrad("jacobian", "--json", "x = [1, 2, 0.5]; s = softmax(x)", "--wrt", "x");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert(j, "%s", r.out);
    double e1 = exp(1.0), e2 = exp(2.0), e3 = exp(0.5), S = e1 + e2 + e3;
    double s[3] = {e1 / S, e2 / S, e3 / S};
    json_t *v = json_object_get(j, "values");
    for (size_t i = 0; i < 3; i++)
        for (size_t k = 0; k < 3; k++)
            cr_assert_float_eq(json_number_value(json_array_get(json_array_get(v, i), k)), s[i] * ((i == k) - s[k]),
                               1e-15);
    json_decref(j);
    run_free(&r);
    r = agrad("jacobian", "x = [1, 2]; s = softmax(x)", "--wrt", "q");
    cr_assert_eq(r.rc, 2);
    run_free(&r);
}

Test(lang_cli, old_check_tolerance_and_data)
{
    /* the example: 5 sigma'(z) at z = -40 was "agrees" with an absolute 1e-12 */
    run r = agrad("check", "sigmoid(z)", "--wrt", "z", "--expect", "5*sigmoid(z)*(1-sigmoid(z))", "z=-40");
    cr_assert_eq(r.rc, 1, "%s", r.out);
    run_free(&r);
    /* softmax-CE with the labels as scalars: s1 - y1 needs y fixed (sum y = 1) */
    const char *ce = "m = max(a, b); s = exp(a - m) + exp(b - m); -(ya*(a - m - log(s)) + yb*(b - m - log(s)))";
    r = agrad("check", ce, "--wrt", "a", "--expect", "exp(a)/(exp(a) + exp(b)) - ya", "a=0.3", "b=-0.2", "ya=1",
              "yb=0");
    cr_assert_eq(r.rc, 1, "perturbed labels should break s - y: %s", r.out);
    run_free(&r);
    r = agrad("check", ce, "--wrt", "a", "--expect", "exp(a)/(exp(a) + exp(b)) - ya", "a=0.3", "b=-0.2", "ya=1",
              "yb=0", "--data", "ya,yb");
    cr_assert_eq(r.rc, 0, "%s", r.out);
    run_free(&r);
}

Test(lang_cli, messages)
{
    run r = agrad("grad", "log(x)", "x=-1");
    cr_assert_eq(r.rc, 1); /* flagged and not "as if all were well" */
    cr_assert(strstr(r.err, "not finite") && strstr(r.err, "log"), "%s", r.err);
    run_free(&r);
    r = agrad("--version");
    cr_assert_eq(r.rc, 0);
    cr_assert(strncmp(r.out, "agrad ", 6) == 0, "%s", r.out);
    run_free(&r);
    r = agrad("help", "nosuch");
    cr_assert_eq(r.rc, 2);
    run_free(&r);
    r = agrad("trace", "--ascii", "a = sigmoid(w*x); a^2", "w=1", "x=2");
    cr_assert_eq(r.rc, 0);
    for (const unsigned char *c = (const unsigned char *)r.out; *c; c++)
        cr_assert_lt(*c, 0x80, "non-ASCII byte in: %s", r.out);
    run_free(&r);
    /* the output is called f, as grad calls it */
    r = agrad_in("n\nn\nq\n", "step", "sigmoid(w*x)", "w=1", "x=2", (const char *)NULL);
    cr_assert(strstr(r.out, "step 1: f = "), "%s", r.out);
    run_free(&r);
}

Test(lang_cli, check_wrt_an_intermediate)
{
    /* delta = dL/dz for L = (a - y)^2 / 2, a = sigma(z): (a - y) a (1 - a), F9 */
    run r = agrad("check", "z = w*x + b; a = sigmoid(z); L = 0.5*(a - y)^2", "--wrt", "z", "--expect",
                  "(a - y)*a*(1 - a)", "w=0.5", "x=1.5", "b=-0.2", "y=1", "--data", "y");
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "held fixed: y"), "%s", r.out);
    run_free(&r);
    r = agrad("check", "z = w*x + b; a = sigmoid(z); L = 0.5*(a - y)^2", "--wrt", "z", "--expect", "(a - y)*a",
              "w=0.5", "x=1.5", "b=-0.2", "y=1");
    cr_assert_eq(r.rc, 1, "%s%s", r.out, r.err);
    run_free(&r);
}

Test(lang_cli, trace_and_dot_of_a_file)
{
    /* L = sum(sigmoid(W x)); the trace names the entries z[1], z[2] */
    run r = agrad_in("W = [[1, 2], [3, 4]]\nx = [0.5, -1]\nz = W @ x\nL = sum(sigmoid(z))\n", "trace", "--ascii", "-f",
                     "-", (const char *)NULL);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "backward from L") && strstr(r.out, "dL/dz[2]"), "%s", r.out);
    run_free(&r);
    r = agrad_in("x = 2\nf = x^2\n", "dot", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "digraph"), "%s", r.out);
    run_free(&r);
    r = agrad_in("x = [1, 2]\ns = softmax(x)\n", "trace", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "not a scalar"), "%s", r.err);
    run_free(&r);
}

Test(lang_cli, step_shows_the_local_formula_as_trace_does)
{
    /* z = w x at w = 2, x = 0.5: dz/dw = x = 0.5, and the gradients are not counted twice */
    run r = agrad_in("\n\n\n", "step", "--ascii", "z = w*x; a = sigmoid(z)", "w=2", "x=0.5", (const char *)NULL);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "local dz/dw = 0.5 [x = 0.5]"), "%s", r.out);
    cr_assert(strstr(r.out, "[sigmoid(z)(1 - sigmoid(z)) = "), "%s", r.out);
    double s = 1 / (1 + exp(-1.0)), dz = s * (1 - s);
    char want[128];
    snprintf(want, sizeof want, "end of the sweep: da/dw = %.10g", dz * 0.5);
    cr_assert(strstr(r.out, want), "%s", r.out);
    run_free(&r);
}

Test(lang_cli, old_check_straddles_kinks)
{
    /* relu'(x) = 1 only for x > 0; at x = 0.24 the 5 seeded points all land
     * right of the kink, the two kink points do not */
    run r = agrad("check", "relu(x)", "--wrt", "x", "--expect", "1", "x=0.24", "--points", "5");
    cr_assert_eq(r.rc, 1, "%s", r.out);
    cr_assert(strstr(r.out, "DISAGREES across a kink"), "%s", r.out);
    run_free(&r);
    r = agrad("check", "relu(x)", "--wrt", "x", "--expect", "step(x)", "x=0.24", "--points", "5");
    cr_assert_eq(r.rc, 0, "%s", r.out);
    run_free(&r);
}

Test(lang_cli, non_finite_values_of_a_file_name_their_place)
{
    /* log(2x) at x = 0 is -inf: flagged with the node, its input and its place (line 3, column 5) */
    run r = agrad_in("x = 0\ny = 2*x\nf = log(y)\n", "grad", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.err, "not finite") && strstr(r.err, "(y = 0)") && strstr(r.err, "line 3, column 5"), "%s",
              r.err);
    run_free(&r);
    r = agrad_in("x = 0\ny = 2*x\nf = log(y)\n", "--anomaly", "trace", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.err, "  f = log(y)\n      ^\n"), "%s", r.err);
    run_free(&r);
}

Test(lang_cli, the_notes_symbols_and_ascii_output)
{
    /* ⊙ is the element-wise product, σ the sigmoid, ᵀ the transpose: d/dx sum(x ⊙ x) = 2x */
    run r = agrad_in("x = [1, 2]\nW = [[1, 0], [2, 1]]\nf = sum(x \xE2\x8A\x99 x) + sum(\xCF\x83(W\xE1\xB5\x80 @ x))\n"
                     "claim df/dx = 2 \xE2\x8A\x99 x + W @ (\xCF\x83(W.T @ x) * (1 - sigmoid(W.T @ x)))\n",
                     "check", "--ascii", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    for (const unsigned char *c = (const unsigned char *)r.out; *c; c++)
        cr_assert_lt(*c, 0x80, "non-ASCII byte in: %s", r.out);
    run_free(&r);
}
