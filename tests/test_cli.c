/*
 * test_cli.c: the agrad command, in-process (agrad_run with memory
 * streams): `grad --json` against closed-form derivatives written out here,
 * check, step, trace, dot, gradcheck, anomaly, inputs and usage errors.
 * Suite `cli`. The expression parser's own errors are in test_cli_expr.c.
 */
#include "cli_run.h"
#include "require.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>


/* ---- grad --json against closed forms ---- */

static bool close_to(double got, double want)
{
    return got == want || fabs(got - want) <= 1e-12 * fabs(want);
}

static double num(json_t *j)
{
    cr_assert(json_is_number(j), "not a JSON number");
    return json_number_value(j);
}

/* Run grad --json EXPR with the inputs and compare value and gradients. */
static void expect_grad(const char *expr, const char *const *inputs, size_t n, double value, const double *grad)
{
    char *argv[16] = {"agrad", "grad", "--json", (char *)expr};
    int argc = 4;
    for (size_t i = 0; i < n; i++)
        argv[argc++] = (char *)inputs[i];
    char *out = NULL, *err = NULL;
    size_t no, ne;
    FILE *fo = open_memstream(&out, &no), *fe = open_memstream(&err, &ne);
    int rc = agrad_run(argc, argv, stdin, fo, fe);
    fclose(fo);
    fclose(fe);
    cr_assert_eq(rc, 0, "%s: exit %d: %s", expr, rc, err);
    json_error_t je;
    json_t *root = json_loads(out, 0, &je); /* rejects anything after the one object */
    cr_assert(root, "%s: bad JSON (%s): %s", expr, je.text, out);
    cr_assert(close_to(num(json_object_get(root, "value")), value), "%s: value %s, want %.17g", expr, out, value);
    json_t *g = json_object_get(root, "grad");
    cr_assert(json_is_object(g) && json_object_size(g) == n, "%s: %s", expr, out);
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(inputs[i], "="), inputs[i]);
        double got = num(json_object_get(g, name));
        cr_assert(close_to(got, grad[i]), "%s: d/d%s = %.17g, want %.17g", expr, name, got, grad[i]);
    }
    json_decref(root);
    free(out);
    free(err);
}

#define IN(...) ((const char *const[]){__VA_ARGS__})
#define G(...) ((const double[]){__VA_ARGS__})
#define N(...) (sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))
#define GRAD(expr, value, grads, ...) expect_grad(expr, IN(__VA_ARGS__), N(__VA_ARGS__), value, grads)

static double sig(double z) { return 1.0 / (1.0 + exp(-z)); }

Test(cli, json_arithmetic)
{
    double x = 3.0, y = -2.0;
    GRAD("x*y", x * y, G(y, x), "x=3", "y=-2");                     /* (y, x) */
    GRAD("x+y", x + y, G(1, 1), "x=3", "y=-2");
    GRAD("x-y", x - y, G(1, -1), "x=3", "y=-2");
    GRAD("x/y", x / y, G(1 / y, -x / (y * y)), "x=3", "y=-2");      /* (1/y, -x/y^2) */
    GRAD("(x+y)*(x-y)", x * x - y * y, G(2 * x, -2 * y), "x=3", "y=-2");
    GRAD("x - -y", x + y, G(1, 1), "x=3", "y=-2");
    GRAD("1/x", 1 / x, G(-1 / (x * x)), "x=3");                     /* F0b */
    GRAD("x*x*x", x * x * x, G(3 * x * x), "x=3");
    GRAD("x", x, G(1), "x=3");
    GRAD("1e-3*x + .5", 1e-3 * x + 0.5, G(1e-3), "x=3");
}

Test(cli, json_powers_and_precedence)
{
    double x = 1.5, y = 2.5;
    /* d x^y = (y x^(y-1), x^y ln x) */
    GRAD("x^y", pow(x, y), G(y * pow(x, y - 1), pow(x, y) * log(x)), "x=1.5", "y=2.5");
    GRAD("pow(x, y)", pow(x, y), G(y * pow(x, y - 1), pow(x, y) * log(x)), "x=1.5", "y=2.5");
    GRAD("x^2", 9.0, G(6.0), "x=3");                                 /* 2x */
    GRAD("x^-2", pow(3, -2), G(-2 * pow(3, -3)), "x=3");             /* -2 x^-3 */
    GRAD("x^0.5", sqrt(x), G(0.5 / sqrt(x)), "x=1.5");
    GRAD("-x^2", -9.0, G(-6.0), "x=3");                              /* -(x^2), not (-x)^2 */
    GRAD("(-x)^2", 9.0, G(6.0), "x=3");
    GRAD("2*-x^2", -18.0, G(-12.0), "x=3");                          /* 2 * -(x^2): -4x */
    expect_grad("2^3^2", NULL, 0, 512.0, NULL);                      /* 2^(3^2), right assoc */
    expect_grad("(2^3)^2", NULL, 0, 64.0, NULL);
    GRAD("2^x^2", pow(2, 4), G(pow(2, 4) * log(2) * 2 * 2), "x=2");  /* d 2^(x^2) = 2^(x^2) ln2 2x */
}

Test(cli, json_functions)
{
    double x = 0.7, s = sig(x);
    GRAD("sigmoid(z)", s, G(s * (1 - s)), "z=0.7");                  /* F1 */
    GRAD("tanh(x)", tanh(x), G(1 - tanh(x) * tanh(x)), "x=0.7");     /* F4 */
    GRAD("exp(sin(x))", exp(sin(x)), G(exp(sin(x)) * cos(x)), "x=0.7"); /* F0a, F0c */
    GRAD("log(x)", log(x), G(1 / x), "x=0.7");
    GRAD("sqrt(x)", sqrt(x), G(0.5 / sqrt(x)), "x=0.7");
    GRAD("cos(x)", cos(x), G(-sin(x)), "x=0.7");
    GRAD("softplus(x)", log1p(exp(x)), G(s), "x=0.7");               /* d log(1+e^x) = sigmoid */
    GRAD("abs(x)", 2.0, G(-1.0), "x=-2");
    GRAD("relu(x)", 0.0, G(0.0), "x=-1");                            /* F2 */
    GRAD("relu(x)", 2.0, G(1.0), "x=2");
    GRAD("leaky_relu(x, 0.1)", -0.2, G(0.1), "x=-2");
    GRAD("leaky_relu(x)", -0.03, G(0.01), "x=-3");                   /* F3: slope 0.01 */
    GRAD("min(x, y)", 1.0, G(1, 0), "x=1", "y=2");
    GRAD("max(x, y)", 2.0, G(0, 1), "x=1", "y=2");
    GRAD("exp(-x^2/2)", exp(-x * x / 2), G(-x * exp(-x * x / 2)), "x=0.7");
}

Test(cli, json_statements)
{
    /* F8: z = w x + b, a = σ(z), C = ½(a − y)²:
     * dC/dw = (a−y)σ'(z)x, dC/dx = (a−y)σ'(z)w, dC/db = (a−y)σ'(z), dC/dy = −(a−y) */
    double w = -3, x = 2, b = 0.5, y = 1, z = w * x + b, a = sig(z), d = (a - y) * a * (1 - a);
    GRAD("z = w*x + b; a = sigmoid(z); 0.5*(a - y)^2", 0.5 * (a - y) * (a - y), G(d * x, d * w, d, -(a - y)),
         "w=-3", "x=2", "b=0.5", "y=1");
    GRAD("z = w*x + b;\n# the activation\na = sigmoid(z);\nL = 0.5*(a - y)^2;", 0.5 * (a - y) * (a - y),
         G(d * x, d * w, d, -(a - y)), "w=-3", "x=2", "b=0.5", "y=1");
    /* b = a is an alias: a + b = 2xy */
    GRAD("a = x*y; b = a; a + b", 12.0, G(2 * 3.0, 2 * 2.0), "x=2", "y=3");
    GRAD("c = 2; x^c", 9.0, G(6.0), "x=3");
}

Test(cli, json_keys_in_input_order_and_nonfinite)
{
    run r = agrad("grad", "--json", "x*y", "y=2", "x=5");
    cr_assert_eq(r.rc, 0);
    char *py = strstr(r.out, "\"y\""), *px = strstr(r.out, "\"x\"");
    cr_assert(py && px && py < px, "%s", r.out);
    run_free(&r);
    /* log(0) = -inf, d/dx = 1/0 = +inf: strings, since JSON has no infinity */
    r = agrad("grad", "--json", "log(x)", "x=0");
    cr_assert_eq(r.rc, 1); /* not finite: exit 1 */
    cr_assert_str_eq(r.out, "{\"value\": \"-Infinity\", \"grad\": {\"x\": \"Infinity\"}}\n");
    run_free(&r);
}

Test(cli, grad_text)
{
    run r = agrad("grad", "L = x*y", "x=2", "y=3");
    cr_assert_eq(r.rc, 0);
    cr_assert_str_eq(r.out, "L = 6\ndL/dx = 3\ndL/dy = 2\n");
    run_free(&r);
}

/* ---- inputs and usage ---- */

Test(cli, missing_and_unused_inputs)
{
    run r = agrad("grad", "x*q", "x=1");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "'q'"), "%s", r.err);
    run_free(&r);
    r = agrad("grad", "x*2", "x=1", "y=2", "w=3");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "'y', 'w' are given but not used"), "%s", r.err);
    run_free(&r);
    r = agrad("grad", "x = 2; x", "x=1");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "cannot assign to the input 'x'"), "%s", r.err);
    run_free(&r);
    r = agrad("grad", "x", "x=1", "x=2");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "'x' is given twice"), "%s", r.err);
    run_free(&r);
    r = agrad("grad", "x", "x=abc");
    cr_assert_eq(r.rc, 2);
    run_free(&r);
}

Test(cli, usage_errors_and_help)
{
    run r = agrad("--help");
    cr_assert_eq(r.rc, 0);
    cr_assert(strstr(r.out, "usage: agrad") && strstr(r.out, "gradcheck"));
    run_free(&r);
    const char *cmds[] = {"grad", "trace", "step", "dot", "check", "gradcheck"};
    for (size_t i = 0; i < 6; i++) {
        r = agrad(cmds[i], "--help");
        cr_assert_eq(r.rc, 0, "%s --help", cmds[i]);
        cr_assert(strstr(r.out, "usage: agrad ") && strstr(r.out, cmds[i]) && strstr(r.out, "example"));
        run_free(&r);
    }
    r = agrad("frobnicate", "x", "x=1");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "unknown command 'frobnicate'"), "%s", r.err);
    run_free(&r);
    r = agrad("grad", "--wrt", "x", "x", "x=1"); /* a check option */
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "unknown option '--wrt'"), "%s", r.err);
    run_free(&r);
    r = agrad("grad");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "missing the expression"), "%s", r.err);
    run_free(&r);
    r = agrad_in(NULL, (const char *)NULL); /* no command: the overview, on stderr */
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "usage: agrad"), "%s", r.err);
    run_free(&r);
    r = agrad("check", "x^2", "x=1"); /* check needs --wrt and --expect */
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "--wrt") && strstr(r.err, "--expect"), "%s", r.err);
    run_free(&r);
    r = agrad("grad", "--", "-x", "x=2"); /* an expression starting with '-' after -- */
    cr_assert_eq(r.rc, 0);
    cr_assert_str_eq(r.out, "f = -2\ndf/dx = -1\n");
    run_free(&r);
}

Test(cli, parse_error_display)
{
    run r = agrad("grad", "sigmoid(z", "z=1");
    cr_assert_eq(r.rc, 2);
    cr_assert_str_eq(r.err, "agrad: parse error at column 9: expected ')' after the arguments of sigmoid\n"
                            "  sigmoid(z\n"
                            "          ^\n");
    run_free(&r);
    r = agrad("grad", "z = w*x;\n\tsigmoid(z", "w=1", "x=1");
    cr_assert_eq(r.rc, 2);
    cr_assert(strstr(r.err, "at line 2, column 10:"), "%s", r.err);
    cr_assert(strstr(r.err, "\n  \tsigmoid(z\n  \t        ^\n"), "%s", r.err); /* the tab is kept */
    run_free(&r);
    r = agrad("grad", "x + unknown_fn(x)", "x=1");
    cr_assert(strstr(r.err, "unknown function 'unknown_fn'; the functions are: exp log ln sqrt abs sin cos tanh "
                            "sigmoid softplus relu log1p expm1 tan atan sinh cosh erf sign step leaky_relu "
                            "pow max min clip"),
              "%s", r.err);
    run_free(&r);
}

/* ---- check ---- */

Test(cli, check_accepts_the_right_formula)
{
    run r = agrad("check", "sigmoid(z)", "--wrt", "z", "--expect", "sigmoid(z)*(1-sigmoid(z))", "z=0.5");
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    cr_assert(strstr(r.out, "agrees") && strstr(r.out, "all 21 points"), "%s", r.out);
    run_free(&r);
    /* d(x y)/dy = x: a formula may leave inputs unused */
    r = agrad("check", "x*y + sin(y)", "--wrt", "y", "--expect", "x + cos(y)", "x=2", "y=1", "--points", "50");
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    run_free(&r);
}

Test(cli, check_rejects_the_wrong_formula)
{
    run r = agrad("check", "sigmoid(z)", "--wrt", "z", "--expect", "sigmoid(z)*(1+sigmoid(z))", "z=0.5");
    cr_assert_eq(r.rc, 1);
    /* at z = 0.5: autodiff σ(1−σ), formula σ(1+σ); says where and by how much */
    double s = sig(0.5), ad = s * (1 - s), fo = s * (1 + s);
    char want[128];
    snprintf(want, sizeof want, "%.17g", fo);
    cr_assert(strstr(r.out, "DISAGREES at 21 of 21 points; worst at point"), "%s", r.out);
    cr_assert(strstr(r.out, "rel err"), "%s", r.out);
    cr_assert(strstr(r.out, want), "formula value %s missing:\n%s", want, r.out);
    /* the table's row for point 0 (z = 0.5): autodiff within rounding of σ(1−σ) */
    const char *row = strstr(r.out, "\n    0 ");
    double z0 = 0, got_ad = 0, got_fo = 0;
    cr_assert(row && sscanf(row, " 0 %lf %lf %lf", &z0, &got_ad, &got_fo) == 3, "%s", r.out);
    cr_assert_eq(z0, 0.5);
    cr_assert(fabs(got_ad - ad) <= 1e-15 * ad, "autodiff %.17g, σ(1−σ) = %.17g", got_ad, ad);
    cr_assert(fabs(got_fo - fo) <= 1e-15 * fo, "formula %.17g, σ(1+σ) = %.17g", got_fo, fo);
    run_free(&r);
}

Test(cli, check_catches_a_formula_right_at_one_point_only)
{
    /* d(x^3)/dx = 3x^2; the wrong 3x agrees at x = 1 only */
    run r = agrad("check", "x^3", "--wrt", "x", "--expect", "3*x", "x=1");
    cr_assert_eq(r.rc, 1, "%s", r.out);
    cr_assert(strstr(r.out, "DISAGREES at 20 of 21 points"), "%s", r.out);
    run_free(&r);
    r = agrad("check", "x^3", "--wrt", "y", "--expect", "3*x", "x=1");
    cr_assert_eq(r.rc, 2);
    run_free(&r);
}

/* ---- step, trace, dot, gradcheck, anomaly ---- */

Test(cli, step_next_previous_quit)
{
    /* a = σ(z), z = w x at w = 2, x = 0.5: z = 1; da/dz = σ(1)(1 − σ(1));
     * da/dw = da/dz · x, da/dx = da/dz · w */
    run r = agrad_in("n\nn\np\nq\nn\n", "step", "z = w*x; a = sigmoid(z)", "w=2", "x=0.5", (const char *)NULL);
    cr_assert_eq(r.rc, 0, "%s", r.err);
    double dz = sig(1) * (1 - sig(1));
    char want[256];
    /* trace's notation (σ, ×; the local derivative's formula in brackets) */
    snprintf(want, sizeof want, "step 1: a = σ(z) = %.10g\n  upstream da/da = 1\n  edge a -> z: local da/dz = %.10g [σ(z)(1 - σ(z))",
             sig(1), dz);
    cr_assert(strstr(r.out, want), "%s", r.out);
    snprintf(want, sizeof want, "step 2: z = w × x = 1\n  upstream da/dz = %.10g\n  edge z -> w: local dz/dw = 0.5 [x = 0.5]", dz);
    cr_assert(strstr(r.out, want), "%s", r.out);
    snprintf(want, sizeof want, "da/dx = %.10g", dz * 2);
    cr_assert(strstr(r.out, want), "%s", r.out);
    cr_assert(strstr(r.out, "(again) step 1: a = σ(z)"), "%s", r.out);
    cr_assert(!strstr(r.out, "end of the sweep"), "q stops the walk:\n%s", r.out);
    run_free(&r);
    /* to the end: the input gradients */
    r = agrad_in("\n\n\n", "step", "z = w*x; a = sigmoid(z)", "w=2", "x=0.5", (const char *)NULL);
    snprintf(want, sizeof want, "end of the sweep: da/dw = %.10g, da/dx = %.10g\n", dz * 0.5, dz * 2);
    cr_assert(strstr(r.out, want), "%s", r.out);
    run_free(&r);
}

Test(cli, trace_dot_gradcheck)
{
    run r = agrad("trace", "z = w*x + b; a = sigmoid(z)", "w=-3", "x=2", "b=0.5");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "da/dz") && strstr(r.out, "da/dw"), "%s", r.out);
    run_free(&r);
    r = agrad("dot", "z = w*x + b; a = sigmoid(z)", "w=-3", "x=2", "b=0.5", "--highlight", "w");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "digraph") && strstr(r.out, "sigmoid"), "%s", r.out);
    run_free(&r);
    char dir[] = "/tmp/agrad_cli_dot_XXXXXX", path[64];
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/g.dot", dir);
    r = agrad("dot", "-o", path, "a = sigmoid(w)", "w=1");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    FILE *f = fopen(path, "r");
    char buf[256] = "";
    cr_assert(f && fread(buf, 1, sizeof buf - 1, f) > 0);
    cr_assert(strstr(buf, "digraph"), "%s", buf);
    fclose(f);
    remove(path);
    rmdir(dir);
    run_free(&r);
    r = agrad("dot", "-o", "/nonexistent-dir/g.dot", "a = sigmoid(w)", "w=1");
    cr_assert_eq(r.rc, 3, "a file that cannot be written: %s", r.err);
    run_free(&r);
    r = agrad("dot", "a = sigmoid(w)", "w=1", "--highlight", "nope");
    cr_assert_eq(r.rc, 2);
    run_free(&r);
    r = agrad("gradcheck", "z = w*x + b; 0.5*(sigmoid(z) - y)^2", "w=-3", "x=2", "b=0.5", "y=1");
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    run_free(&r);
    /* relu'(0) = 0 by convention; the central difference sees (h − 0)/2h = 1/2 */
    r = agrad("gradcheck", "relu(x)", "x=0");
    cr_assert_eq(r.rc, 1, "%s", r.out);
    cr_assert(strstr(r.out, "disagree"), "%s", r.out);
    run_free(&r);
}

Test(cli, anomaly_names_the_node_and_column)
{
    run r = agrad("--anomaly", "grad", "y = x - x; log(y)", "x=1");
    cr_assert_eq(r.rc, 1);
    /* log starts at column 12 */
    cr_assert(strstr(r.err, "log") && strstr(r.err, "created at column 12"), "%s", r.err);
    cr_assert(!strstr(r.err, "<expr>"), "a column is called a column:\n%s", r.err);
    cr_assert(strstr(r.err, "  y = x - x; log(y)\n             ^\n"), "%s", r.err);
    run_free(&r);
    /* without --anomaly the same is -inf, flagged: exit 1, not "all well" */
    r = agrad("grad", "y = x - x; log(y)", "x=1");
    cr_assert_eq(r.rc, 1);
    cr_assert(strstr(r.out, "-inf"), "%s", r.out);
    run_free(&r);
}

/* ---- the built binary, through a pipe ---- */

Test(cli, binary_step_from_a_pipe)
{
    const char *build = getenv("AGRAD_BUILD");
    if (!build)
        AG_TEST_SKIP("AGRAD_BUILD is not set (run through make test)");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "printf 'n\\nq\\n' | LC_ALL=C %s/agrad step 'a = sigmoid(x)' x=0 2>&1", build);
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    int status = pclose(p);
    cr_assert_eq(status, 0, "%s", buf);
    /* σ(0) = 1/2, σ'(0) = 1/4 */
    /* plain ASCII under LC_ALL=C, in trace's ASCII notation */
    cr_assert(strstr(buf, "step 1: a = sigmoid(x) = 0.5\n") &&
                  strstr(buf, "local da/dx = 0.25 [sigmoid(x)(1 - sigmoid(x)) = 0.5 * 0.5 = 0.25]"),
              "%s", buf);
    cr_assert(!strstr(buf, "[Enter/n"), "no prompt when stdin is a pipe:\n%s", buf);
    snprintf(cmd, sizeof cmd, "%s/agrad --help >/dev/null 2>&1", build);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/agrad nope >/dev/null 2>&1", build);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2);
}

/* log(-1) is NaN: every command that shows it exits 1 and says where it
 * came from, --anomaly or not (exit 0 would look as if all were well) */
Test(cli, not_finite_exits_1_with_its_cause_in_every_command)
{
    const char *cmds[][3] = {{"grad", NULL, NULL},      {"trace", NULL, NULL},       {"dot", NULL, NULL},
                             {"hessian", NULL, NULL},   {"grad", "--order", "2"},    {"grad", "--json", NULL}};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        run r = cmds[i][1] ? agrad(cmds[i][0], cmds[i][1], cmds[i][2] ? cmds[i][2] : "--ascii", "log(x)", "x=-1")
                           : agrad(cmds[i][0], "log(x)", "x=-1");
        cr_expect_eq(r.rc, 1, "%s %s: exit %d\n%s", cmds[i][0], cmds[i][1] ? cmds[i][1] : "", r.rc, r.err);
        cr_expect(strstr(r.err, "not finite") && strstr(r.err, "(x = -1)") && strstr(r.err, "column 1"), "%s %s:\n%s",
                  cmds[i][0], cmds[i][1] ? cmds[i][1] : "", r.err);
        run_free(&r);
    }
    run r = agrad_in("n\nn\n", "step", "log(x)", "x=-1", (const char *)NULL);
    cr_expect_eq(r.rc, 1, "step: exit %d", r.rc);
    run_free(&r);
    /* finite: 0 */
    r = agrad("trace", "log(x)", "x=2");
    cr_expect_eq(r.rc, 0, "%s", r.err);
    run_free(&r);
}
