/*
 * test_lang_ops.c: the language's functions are the engine's op list (every
 * op of arity 1 and CALL form is a function, computed and differentiated
 * as the engine does, listed in the list's order, its kink straddled;
 * lookup and listing in that order); the origin labels of lang.h; lang's
 * own status codes and their names; and three defects fixed (a
 * second-order claim's shapes, check --json -f on a parse error, the
 * column of a claim's unknown name). Suite `lang_ops`.
 */
#include "cli_run.h"
#include "lang.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* The position of name in lang's function list, -1 when it is not there. */
static long function_index(const char *name)
{
    for (size_t k = 0; lg_function(k); k++)
        if (strcmp(lg_function(k), name) == 0)
            return (long)k;
    return -1;
}

static bool is_function_op(ag_op op)
{
    const ag_op_info *in = ag_op_info_of(op);
    return in && in->arity == 1 && in->form == AG_FORM_CALL;
}

/* f(x) and df/dx at x through the language: "x = X\nf = NAME(x)". */
static void through_lang(const char *name, double x, double *value, double *grad)
{
    char src[128];
    snprintf(src, sizeof src, "x = %.17g\nf = %s(x)\n", x, name);
    ag_error e;
    lg_prog *p = lg_parse(src, strlen(src), &e);
    cr_assert(p, "%s: %s", src, e.message);
    ag_tape *t = ag_tape_new(0);
    lg_run *r = lg_eval(p, t, &e);
    cr_assert(r, "%s: %s", src, e.message);
    lg_value f, xv;
    lg_shape s;
    cr_assert(lg_run_output(r, &f, NULL) && lg_run_lookup(r, "x", &xv));
    cr_assert_eq(lg_jacobian(r, f, xv, grad, &s, &e), AG_OK, "%s", e.message);
    *value = ag_value(t, f.nodes[0]);
    lg_run_free(r);
    ag_tape_free(t);
    lg_prog_free(p);
}

Test(lang_ops, every_unary_op_is_a_function)
{
    size_t n_ops = 0;
    long last = -1;
    const double x = 0.3; /* inside every unary op's domain (log, sqrt: x > 0) */
    for (int i = 0; i < AG_OP_COUNT; i++) {
        ag_op op = (ag_op)i;
        if (!is_function_op(op))
            continue;
        const char *name = ag_op_info_of(op)->name;
        long k = function_index(name);
        cr_assert_geq(k, 0, "the op %s is not a function of the language", name);
        cr_assert_gt(k, last, "%s is listed out of the op list's order", name);
        last = k;
        n_ops++;
        double v, g;
        through_lang(name, x, &v, &g);
        /* the engine's own op on its own tape */
        ag_tape *t = ag_tape_new(0);
        ag_node xn = ag_var(t, x), y = ag_unary(t, op, xn);
        cr_assert_eq(ag_backward(t, y), AG_OK);
        cr_assert_eq(v, ag_value(t, y), "%s(0.3): lang %.17g, engine %.17g", name, v, ag_value(t, y));
        cr_assert_eq(g, ag_grad(t, xn), "%s'(0.3): lang %.17g, engine %.17g", name, g, ag_grad(t, xn));
        /* and both are the derivative: a central difference agrees */
        double h = 1e-6, fd = (ag_value(t, ag_unary(t, op, ag_const(t, x + h))) -
                               ag_value(t, ag_unary(t, op, ag_const(t, x - h)))) / (2 * h);
        cr_assert_leq(fabs(g - fd), 1e-6 * fmax(1.0, fabs(g)), "%s'(0.3) = %.17g, central difference %.17g", name, g,
                      fd);
        ag_tape_free(t);
    }
    cr_assert_geq(n_ops, 19, "only %zu unary ops found", n_ops);
    /* the alias right after its op, then the language's own functions */
    cr_assert_eq(function_index("ln"), function_index("log") + 1);
    cr_assert_eq(function_index("leaky_relu"), last + 1, "the composites follow the ops");
    cr_assert_eq(function_index("leaky_relu"), (long)n_ops + 1, "the ops and ln come first");
}

/* The kink column of the op's row is what the checker straddles: an op
 * with a kink reports one near 0.01, a smooth op none. */
Test(lang_ops, kinks_come_from_the_op_rows)
{
    size_t n_kinked = 0;
    for (int i = 0; i < AG_OP_COUNT; i++) {
        ag_op op = (ag_op)i;
        if (!is_function_op(op))
            continue;
        const ag_op_info *in = ag_op_info_of(op);
        char src[160];
        snprintf(src, sizeof src, "x = 0.01\nf = %s(x)\nclaim df/dx = d(f, x)\n", in->name);
        lg_prog *p = lg_parse(src, strlen(src), NULL);
        cr_assert(p, "%s", src);
        lg_report r;
        ag_error e;
        cr_assert_eq(lg_check(p, NULL, &r, &e), AG_OK, "%s: %s", src, e.message);
        if (in->kink) {
            n_kinked++;
            cr_assert_geq(r.n_kinks, 1, "%s has a kink (%s) the check did not straddle", in->name, in->kink);
        } else {
            cr_assert_eq(r.n_kinks, 0, "%s is smooth, yet %zu kinks", in->name, r.n_kinks);
        }
        lg_report_free(&r);
        lg_prog_free(p);
    }
    cr_assert_geq(n_kinked, 4); /* abs, relu, sign, step at least */
}

/* The error of evaluating foo(x), an unknown function, into *e. */
static void unknown_function_error(ag_error *e)
{
    lg_prog *p = lg_parse("foo(x)", 6, NULL);
    ag_tape *t = ag_tape_new(0);
    cr_assert(p);
    cr_assert_eq(lg_prog_set_input(p, "x", (double[]){1.0}, 1, e), AG_OK, "%s", e->message);
    cr_assert_null(lg_eval(p, t, e));
    ag_tape_free(t);
    lg_prog_free(p);
}

Test(lang_ops, unknown_function_lists_the_op_order)
{
    ag_error e;
    unknown_function_error(&e);
    cr_assert_eq(e.status, LG_EPARSE);
    cr_assert(strstr(e.message, "the functions are: exp log ln sqrt abs sin cos tanh sigmoid softplus relu log1p "
                                "expm1 tan atan sinh cosh erf sign step leaky_relu pow max min clip if sum"),
              "%s", e.message);
}

Test(lang_ops, status_codes_are_langs)
{
    /* lang's block: AG_STATUS_LAYER_BASE + 32 .. + 47 */
    cr_assert_eq((int)LG_EPARSE, AG_STATUS_LAYER_BASE + 32);
    cr_assert((int)LG_ENOTFOUND > (int)LG_EPARSE && (int)LG_EIO < AG_STATUS_LAYER_BASE + 48);
    cr_assert_str_eq(lg_status_str(LG_EPARSE), "parse error");
    cr_assert_str_eq(lg_status_str(LG_ENOTFOUND), "not found");
    cr_assert_str_eq(lg_status_str(AG_ENOMEM), ag_status_str(AG_ENOMEM));
    /* an error's JSON names lang's status itself */
    ag_error e;
    cr_assert_null(lg_parse("x = (1", 6, &e));
    char buf[1024] = {0};
    FILE *m = fmemopen(buf, sizeof buf, "w");
    cr_assert_eq(lg_error_write(&e, "x = (1", NULL, LG_JSON, m), AG_OK);
    fclose(m);
    json_error_t je;
    json_t *j = json_loads(buf, 0, &je);
    cr_assert(j, "%s", buf);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "status")), "parse error");
    json_decref(j);
    /* LG_TRACE is a run's format only: an error refuses it */
    cr_assert_eq(lg_error_write(&e, "x = (1", NULL, LG_TRACE, stdout), AG_EINVAL);
}

/* The claim d2s/dx2 about a vector s with respect to a vector x named s
 * as its Jacobian ("s is 3x3"); it names both as they are. */
Test(lang_ops, second_order_vector_claim_names_the_shapes)
{
    const char *src = "x = [1, 2, 3]\ns = softmax(x)\nclaim d2s/dx2 = 0\n";
    lg_prog *p = lg_parse(src, strlen(src), NULL);
    lg_report r;
    cr_assert_eq(lg_check(p, NULL, &r, NULL), AG_OK);
    cr_assert_eq(r.claims[0].verdict, LG_CLAIM_ERROR);
    const char *msg = r.claims[0].message;
    cr_assert(strstr(msg, "s is 3 entries and x is 3 entries"), "%s", msg);
    cr_assert(!strstr(msg, "3x3"), "%s", msg);
    cr_assert(strstr(msg, "column 9"), "at the name s: %s", msg);
    lg_report_free(&r);
    lg_prog_free(p);
}

Test(lang_ops, unknown_claim_name_points_at_the_name)
{
    /* "claim dL/dq": q is column 11; ∂ is one character, so column 11 too */
    const char *srcs[] = {"x = [1, 2]\nL = sum(x^3)\nclaim dL/dq = 3*x^2\n",
                          "x = [1, 2]\nL = sum(x^3)\nclaim \xe2\x88\x82L/\xe2\x88\x82q = 3*x^2\n",
                          "x = [1, 2]\nL = sum(x^3)\nclaim dM/dx = 3*x^2\n"};
    const char *col[] = {"line 3, column 11", "line 3, column 11", "line 3, column 8"};
    for (int i = 0; i < 3; i++) {
        lg_prog *p = lg_parse(srcs[i], strlen(srcs[i]), NULL);
        lg_report r;
        cr_assert_eq(lg_check(p, NULL, &r, NULL), AG_OK);
        cr_assert_eq(r.claims[0].verdict, LG_CLAIM_ERROR);
        cr_assert(strstr(r.claims[0].message, col[i]), "%s: %s", srcs[i], r.claims[0].message);
        lg_report_free(&r);
        lg_prog_free(p);
    }
}

Test(lang_ops, check_json_file_parse_error_is_json)
{
    run r = agrad_in("x = [1, 2]\nL = sum(x^3\n", "check", "--json", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 2, "%s%s", r.out, r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert(j, "not JSON: '%s' (stderr '%s')", r.out, r.err);
    json_t *err = json_object_get(j, "error");
    cr_assert_str_eq(json_string_value(json_object_get(err, "status")), "parse error");
    cr_assert_eq(json_integer_value(json_object_get(err, "line")), 2);
    cr_assert_geq(json_integer_value(json_object_get(err, "column")), 8); /* after "sum(" */
    json_decref(j);
    cr_assert_str_eq(r.err, "");
    run_free(&r);
    /* and an error of the program when it runs */
    r = agrad_in("x = [1, 2]\nL = sum(q)\nclaim dL/dx = x\n", "check", "--json", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 2, "%s%s", r.out, r.err);
    j = json_loads(r.out, 0, &je);
    cr_assert(j, "not JSON: '%s' (stderr '%s')", r.out, r.err);
    cr_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "error"), "status")), "not found");
    json_decref(j);
    run_free(&r);
}

/* The origin labels lang.h documents at lg_eval (tools parse them): in
 * anomaly mode a node's origin is "<expr>" on line 1, "<expr>:N" on line
 * N, "<expr>:>64" past line 64, with the column of its operator or call. */
static void first_anomaly_origin(const char *src, const char **file, int *col)
{
    ag_error e;
    lg_prog *p = lg_parse(src, strlen(src), &e);
    cr_assert(p, "%s", e.message);
    ag_tape *t = ag_tape_new(0);
    cr_assert_eq(ag_anomaly_enable(t, true), AG_OK);
    lg_run *r = lg_eval(p, t, &e);
    ag_anomaly an;
    cr_assert(ag_anomaly_last(t, &an), "no anomaly met in %s", src);
    *file = an.file;
    *col = an.line;
    lg_run_free(r);
    ag_tape_free(t);
    lg_prog_free(p);
}

Test(lang_ops, origin_labels_are_the_documented_ones)
{
    const char *file;
    int col;
    /* log(0) = -inf: the log call is the first bad node */
    first_anomaly_origin("x = 1\nL = 2 + log(x - 1)\n", &file, &col);
    cr_assert_str_eq(file, "<expr>:2");
    cr_assert_eq(col, 9, "the column of the call log(...)");
    first_anomaly_origin("L = log(0 * 3)", &file, &col);
    cr_assert_str_eq(file, "<expr>");
    cr_assert_eq(col, 5);
    char src[2048];
    size_t w = 0;
    for (int i = 1; i <= 66; i++)
        w += (size_t)snprintf(src + w, sizeof src - w, "a%d = %d\n", i, i);
    snprintf(src + w, sizeof src - w, "L = a1 / (a1 - 1)\n"); /* line 67: 1/0 = inf at the '/' */
    first_anomaly_origin(src, &file, &col);
    cr_assert_str_eq(file, "<expr>:>64");
    cr_assert_eq(col, 8);
}

/* Lookup and the listing walk the one order lg_function gives: every
 * function is found by its name (it cannot be assigned), and the unknown
 * function message lists the names in lg_function's order. */
Test(lang_ops, lookup_and_listing_follow_lg_function)
{
    char all[2048] = "";
    size_t w = 0, n = 0;
    for (const char *name; (name = lg_function(n)) != NULL; n++) {
        cr_assert_lt(w + strlen(name) + 2, sizeof all);
        w += (size_t)snprintf(all + w, sizeof all - w, "%s%s", w ? " " : "", name);
        if (strcmp(name, "d") == 0) /* d stays free as a name (the notes' delta) */
            continue;
        char src[64];
        snprintf(src, sizeof src, "%s = 1\n", name);
        ag_error e;
        cr_assert_null(lg_parse(src, strlen(src), &e), "%s was not found as a function", name);
        cr_assert(strstr(e.message, "is a function"), "%s: %s", name, e.message);
    }
    cr_assert_geq(n, 30);
    ag_error e;
    unknown_function_error(&e);
    const char *list = strstr(e.message, "the functions are: ");
    cr_assert(list, "%s", e.message);
    list += strlen("the functions are: ");
    /* the list is whole names, cut to fit the message: a prefix of all */
    cr_assert_gt(strlen(list), 100, "%s", list);
    cr_assert(strncmp(all, list, strlen(list)) == 0, "listed: %s\nlg_function: %s", list, all);
    cr_assert(all[strlen(list)] == ' ' || all[strlen(list)] == '\0', "cut mid-name: %s", list);
}
