/*
 * test_hess_cli.c: higher order on the command line and in the language
 * (issue 11), in-process: `agrad grad --order N` and `agrad hessian`
 * against closed forms written out here, `trace` and `dot` of a recorded
 * backward pass with its nodes told apart, d(f, x) nested in expressions,
 * second-order claims (d2L/dw2, a Hessian as a matrix) and their verdicts.
 */
#include "../tools/cli.h"
#include "lang.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct run {
    int rc;
    char *out, *err;
} run;

static run agrad_v(const char *first, ...)
{
    char *argv[32] = {"agrad", (char *)first};
    int argc = 2;
    va_list ap;
    va_start(ap, first);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 31;)
        argv[argc++] = (char *)a;
    va_end(ap);
    run r = {0, NULL, NULL};
    size_t no, ne;
    FILE *out = open_memstream(&r.out, &no), *err = open_memstream(&r.err, &ne);
    FILE *in = fmemopen((void *)"", 1, "r");
    cr_assert(out && err && in);
    r.rc = agrad_run(argc, argv, in, out, err);
    fclose(out);
    fclose(err);
    fclose(in);
    return r;
}
#define agrad(...) agrad_v(__VA_ARGS__, (const char *)NULL)

static void run_free(run *r)
{
    free(r->out);
    free(r->err);
}

static double sig(double x) { return 1.0 / (1.0 + exp(-x)); }

static bool rel_close(double got, double want, double tol) { return fabs(got - want) <= tol * fmax(fabs(want), 1e-300); }

Test(hess_cli, grad_order_two_is_sigma_second)
{
    run r = agrad("grad", "--order", "2", "--json", "sigmoid(z)", "z=0.5");
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert(j, "%s", r.out);
    double s = sig(0.5), want = s * (1 - s) * (1 - 2 * s);
    double got = json_number_value(json_object_get(json_object_get(j, "derivatives"), "z"));
    cr_expect(rel_close(got, want, 1e-12), "sigma''(0.5) = %.17g, want %.17g", got, want);
    cr_expect_eq(json_integer_value(json_object_get(j, "order")), 2);
    json_decref(j);
    run_free(&r);
    /* (e^2x)''' = 8 e^2x, as text */
    r = agrad("grad", "--order", "3", "exp(2*x)", "x=0.25");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    double v;
    const char *line = strstr(r.out, "d3f/dx3 = ");
    cr_assert(line, "%s", r.out);
    cr_assert_eq(sscanf(line, "d3f/dx3 = %lf", &v), 1);
    cr_expect(rel_close(v, 8 * exp(0.5), 1e-12), "%.17g", v);
    run_free(&r);
    r = agrad("grad", "--order", "0", "x", "x=1");
    cr_expect_eq(r.rc, 2);
    cr_expect(strstr(r.err, "--order"), "%s", r.err);
    run_free(&r);
}

Test(hess_cli, hessian_matrix_labelled)
{
    /* f = sin(x) e^y: H = [[-sin x e^y, cos x e^y], [cos x e^y, sin x e^y]] */
    run r = agrad("hessian", "--json", "f = sin(x)*exp(y)", "x=1", "y=2");
    cr_assert_eq(r.rc, 0, "%s%s", r.out, r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert(j, "%s", r.out);
    json_t *wrt = json_object_get(j, "wrt"), *h = json_object_get(j, "hessian");
    cr_assert_eq(json_array_size(wrt), 2);
    int ix = strcmp(json_string_value(json_array_get(wrt, 0)), "x") == 0 ? 0 : 1, iy = 1 - ix;
    double e2 = exp(2.0), want[2][2] = {{-sin(1.0) * e2, cos(1.0) * e2}, {cos(1.0) * e2, sin(1.0) * e2}};
    int id[2] = {ix, iy};
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 2; b++) {
            double got = json_number_value(json_array_get(json_array_get(h, (size_t)id[a]), (size_t)id[b]));
            cr_expect(rel_close(got, want[a][b], 1e-14), "H[%d][%d] = %.17g, want %.17g", a, b, got, want[a][b]);
        }
    json_decref(j);
    run_free(&r);
    /* a vector input: the 1/2 SE Hessian of a linear neuron is x x^T */
    r = agrad("hessian", "w: 3; x = [1, 2, 3]; L = 0.5*(sum(w*x) - 1)^2", "--wrt", "w");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strstr(r.out, "w[1], w[2], w[3]"), "%s", r.out);
    cr_expect(strstr(r.out, "w[3]                            3                      6                      9"), "%s", r.out);
    run_free(&r);
    r = agrad("hessian", "x*y", "x=1", "y=2", "--wrt", "q");
    cr_expect_eq(r.rc, 2);
    cr_expect(strstr(r.err, "no value named 'q'"), "%s", r.err);
    run_free(&r);
}

Test(hess_cli, trace_and_dot_tell_the_recorded_backward_apart)
{
    run r = agrad("trace", "--order", "2", "--wrt", "w", "a = sigmoid(w*x); a^2", "w=1", "x=2");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    /* the output of the ledger is the recorded df/dw, named so */
    cr_expect(strstr(r.out, "backward from df/dw = "), "%s", r.out);
    cr_expect(strstr(r.out, "[recorded] df/dw = "), "%s", r.out);
    /* the forward nodes are there too, unmarked */
    cr_expect(strstr(r.out, "\na = σ(mul#2)"), "%s", r.out);
    /* d2f/dw2 at w=1, x=2: f = a^2, a = s(2w): f'' = 2 x^2 (a'^2/x^2... ) =
     * 2 x^2 [ (s(1-s))^2 + s * s(1-s)(1-2s) ] */
    double s = sig(2.0), want = 2 * 4 * (pow(s * (1 - s), 2) + s * s * (1 - s) * (1 - 2 * s));
    char buf[64];
    snprintf(buf, sizeof buf, "gradients: ddf/dw/dw = %.6g,", want);
    cr_expect(strstr(r.out, buf), "want '%s' in\n%s", buf, r.out);
    run_free(&r);
    r = agrad("dot", "--order", "2", "a = sigmoid(z)", "z=0.5");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_expect(strstr(r.out, "dashed blue: nodes of the recorded backward pass"), "%s", r.out);
    cr_expect(strstr(r.out, "style=dashed"), "%s", r.out);
    /* the forward sigmoid is drawn plainly */
    cr_expect(strstr(r.out, "n1 [label=\"{ a | value 0.622459 | grad 0.377541 }\"];"), "%s", r.out);
    run_free(&r);
}

/* ---- the language: d(f, x) and second-order claims ---- */

static lg_report check_text(const char *src)
{
    ag_error e;
    lg_prog *p = lg_parse(src, strlen(src), &e);
    cr_assert(p, "%s", e.message);
    lg_report r;
    cr_assert_eq(lg_check(p, &(lg_check_opts){20, 0.25, 1e-9, 1e-12}, &r, &e), AG_OK, "%s", e.message);
    lg_prog_free(p);
    return r;
}

Test(hess_cli, nested_d_is_a_value)
{
    const char *src = "x = 1.5\nf = x^4\ng = d(d(f, x), x)\ng";
    ag_error e;
    lg_prog *p = lg_parse(src, strlen(src), &e);
    cr_assert(p, "%s", e.message);
    ag_tape *t = ag_tape_new(0);
    lg_run *r = lg_eval(p, t, &e);
    cr_assert(r, "%s", e.message);
    lg_value g;
    cr_assert(lg_run_lookup(r, "g", &g));
    cr_expect_eq(ag_value(t, g.nodes[0]), 12 * 1.5 * 1.5); /* (x^4)'' = 12 x^2 */
    /* an expression of the run: a gradient takes the shape of its variable */
    lg_value v;
    cr_assert(lg_run_expr(r, "d(sum([x, 2*x]^2), x)", 21, &v, &e), "%s", e.message);
    cr_expect_eq(v.shape.ndim, 0);
    cr_expect_eq(ag_value(t, v.nodes[0]), 2 * 1.5 + 8 * 1.5); /* d(x^2 + 4x^2) = 10x */
    lg_run_free(r);
    ag_tape_free(t);
    lg_prog_free(p);
    /* a matrix on both sides is refused with both shapes */
    src = "W: 2x2\nM = W*2\nd(M, W)";
    p = lg_parse(src, strlen(src), &e);
    t = ag_tape_new(0);
    r = lg_eval(p, t, &e);
    cr_expect_null(r);
    cr_expect(strstr(e.message, "2x2") || strstr(e.message, "2×2"), "%s", e.message);
    lg_run_free(r);
    ag_tape_free(t);
    lg_prog_free(p);
}

Test(hess_cli, second_order_claims_and_their_verdicts)
{
    lg_report r = check_text("z = 0.3\ns = sigmoid(z)\n"
                             "claim d2s/dz2 = s*(1 - s)*(1 - 2*s)\n"
                             "claim d2s/dz2 = s*(1 - s)\n"
                             "w: 3\nx = [0.5, -1, 2]\nL = 0.5*(sum(w*x) - 1)^2\n"
                             "claim d2L/dw^2 = outer(x, x)\n"
                             "claim d2L/dw2 = outer(x, x) + eye(3)\n");
    cr_assert_eq(r.n_claims, 4);
    cr_expect_eq(r.claims[0].verdict, LG_AGREES, "%s", r.claims[0].message);
    cr_expect_eq(r.claims[1].verdict, LG_DISAGREES);
    cr_expect_eq(r.claims[2].verdict, LG_AGREES, "%s", r.claims[2].message);
    cr_expect_eq(r.claims[2].shape.rows, 3);
    cr_expect_eq(r.claims[2].shape.cols, 3);
    cr_expect_eq(r.claims[3].verdict, LG_DISAGREES);
    cr_expect_str_eq(r.claims[0].lhs, "d2s/dz2");
    cr_expect(!r.all_agree);
    lg_report_free(&r);
    /* mismatched powers are a parse error, said so */
    ag_error e;
    const char *bad = "z = 1\nclaim d2s/dz^3 = 1\n";
    cr_expect_null(lg_parse(bad, strlen(bad), &e));
    cr_expect(strstr(e.message, "powers must match"), "%s", e.message);
}
