/*
 * test_cli_expr.c: the command line's scalar expressions through the
 * language library (lang/: lg_parse, name=value inputs, lg_eval), the one
 * parser: error statuses and exact columns for malformed input, what gets
 * recorded (powc for constant exponents, names, origins), the nesting
 * limit, arbitrary bytes, and injected allocation failures. Suite `expr`.
 */
#include "lang.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* As `agrad grad SRC x=.. y=..` does: parse, give the scalar inputs (an
 * input the text does not use is skipped when allow_unused, else it is
 * the error), record on t. *out: the scalar output, AG_NULL on failure. */
static ag_status parse_on(ag_tape *t, const char *src, size_t len, const char *const *names, const double *vals,
                          size_t n, bool allow_unused, ag_node *out, ag_error *e)
{
    *out = AG_NULL;
    lg_prog *p = lg_parse(src, len, e);
    if (!p)
        return e->status;
    for (size_t i = 0; i < n; i++)
        if (lg_prog_set_input(p, names[i], &vals[i], 1, e) != AG_OK && !(allow_unused && e->status == LG_ENOTFOUND)) {
            lg_prog_free(p);
            return e->status;
        }
    lg_run *r = lg_eval(p, t, e);
    lg_value v;
    if (r && lg_run_output(r, &v, NULL) && v.shape.rows * v.shape.cols == 1)
        *out = v.nodes[0];
    ag_status s = r ? AG_OK : e->status;
    lg_run_free(r);
    lg_prog_free(p);
    return s;
}

static const char *const XY[2] = {"x", "y"};

typedef struct bad_case {
    const char *src;
    ag_status status;
    int line, column;
    const char *says;
} bad_case;

/* Columns counted by hand; at the end of the input the caret marks the last
 * token (after which something was expected). */
static const bad_case bad[] = {
    {"sigmoid(x", LG_EPARSE, 1, 9, "expected ')' after the arguments of sigmoid"},
    {"x +", LG_EPARSE, 1, 3, "expected an expression after '+', found the end of the input"},
    {"(x + 1", LG_EPARSE, 1, 6, "expected ')' to close the '(' at line 1, column 1"},
    {"x + * y", LG_EPARSE, 1, 5, "expected an expression after '+', found '*'"},
    {"x $ y", LG_EPARSE, 1, 3, "unexpected character '$'"},
    {"foo(x)", LG_EPARSE, 1, 1, "unknown function 'foo'; the functions are: exp log"},
    {"pow(x)", AG_EINVAL, 1, 1, "pow takes 2 arguments, given 1: pow(x, y)"},
    {"sigmoid(x, y)", LG_EPARSE, 1, 10, "sigmoid takes 1 argument: sigmoid(x)"},
    {"max(x y)", LG_EPARSE, 1, 7, "expected ',' or ')' after argument 1 of max, found the name 'y'"},
    {"2x", LG_EPARSE, 1, 1, "a number runs into a name"},
    {"1e+ 2", LG_EPARSE, 1, 1, "expected digits after the exponent"},
    {"x y", LG_EPARSE, 1, 3, "expected an operator or the end of the statement, found the name 'y'"},
    {"", LG_EPARSE, 1, 1, "the program is empty"},
    {"  # only a comment", LG_EPARSE, 1, 19, "the program is empty"},
    {"a = x; a = 2; a", AG_ENAME, 1, 8, "'a' is already assigned at line 1"},
    {"leaky_relu(x, y)", AG_EINVAL, 1, 15, "argument 2 of leaky_relu must be a number"},
    {"x + y = 3", LG_EPARSE, 1, 7, "'=' must follow a name"},
    {"exp + 1", LG_EPARSE, 1, 1, "'exp' is a function"},
    {"exp = 1; x", AG_ENAME, 1, 1, "'exp' is a function and cannot be assigned"},
    {"q * x", LG_ENOTFOUND, 1, 1, "unknown name 'q'"},
    {"z = x*y;\n  sigmoid(z", LG_EPARSE, 2, 11, "expected ')' after the arguments of sigmoid"},
    /* é (two bytes) is one character, reported whole, on line 2 */
    {"x*y # é\n\xc3\xa9 + @", LG_EPARSE, 2, 1, "unexpected character '\xc3\xa9'"},
    {"x\x00y", LG_EPARSE, 1, 2, "unexpected character the byte \\x00"},
    {"1e999 * x", LG_EPARSE, 1, 1, "a number too large"},
};

Test(expr, malformed_input_status_and_column)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const bad_case *c = &bad[i];
        ag_tape *t = ag_tape_new(0);
        const double v[2] = {1.0, 2.0};
        ag_error e;
        ag_node out;
        size_t len = strcmp(c->src, "x") == 0 ? 3 : strlen(c->src); /* "x\0y" is three bytes */
        ag_status s = parse_on(t, c->src, len, XY, v, 2, true, &out, &e);
        cr_expect_eq(s, c->status, "case %zu '%s': status %d, want %d (%s)", i, c->src, s, c->status, e.message);
        cr_expect_eq(e.status, s);
        cr_expect(ag_is_null(out));
        cr_expect_eq(e.line, c->line, "case %zu '%s': line %d, want %d", i, c->src, e.line, c->line);
        cr_expect_eq(e.column, c->column, "case %zu '%s': column %d, want %d (%s)", i, c->src, e.column, c->column,
                     e.message);
        cr_expect(strstr(e.message, c->says), "case %zu '%s': message '%s' lacks '%s'", i, c->src, e.message, c->says);
        ag_tape_free(t);
    }
}

Test(expr, unused_inputs_have_no_column)
{
    ag_tape *t = ag_tape_new(0);
    const double v[2] = {1.0, 2.0};
    ag_error e;
    ag_node out;
    cr_assert_eq(parse_on(t, "x^2", 3, XY, v, 2, false, &out, &e), LG_ENOTFOUND);
    cr_assert_eq(e.column, 0);
    cr_assert(strstr(e.message, "y"), "%s", e.message);
    cr_assert_eq(parse_on(t, "x^2", 3, XY, v, 2, true, &out, &e), AG_OK);
    ag_tape_free(t);
}

Test(expr, records_powc_names_and_origins)
{
    ag_tape *t = ag_tape_new(0);
    ag_anomaly_enable(t, true);
    ag_mark m0 = ag_tape_mark(t);
    const double v[2] = {3.0, 2.0};
    ag_error e;
    ag_node out;
    const char *src = "sq = x^2;\nr = x^y; sq + r";
    cr_assert_eq(parse_on(t, src, strlen(src), XY, v, 2, false, &out, &e), AG_OK, "%s", e.message);
    ag_node sq = ag_name_find(t, "sq"), r = ag_name_find(t, "r");
    cr_assert_eq(ag_node_op(t, sq), AG_OP_POWC); /* a number exponent */
    cr_assert_eq(ag_node_op(t, r), AG_OP_POW);   /* a node exponent   */
    cr_assert_eq(ag_node_op(t, out), AG_OP_ADD);
    /* 3^2 + 3^2 = 18 */
    cr_assert_eq(ag_value(t, out), 18.0);
    /* origins, as an anomaly reports them: the operator's column, and the
     * line in the label past line 1. x = 1e200 makes sq the first infinity;
     * x = -1, y = 0.5 leaves sq = 1 and makes r = (-1)^0.5 the first NaN. */
    ag_node x = ag_name_find(t, "x"), y = ag_name_find(t, "y");
    ag_anomaly a;
    ag_set_value(t, x, 1e200);
    cr_assert_eq(ag_forward(t, m0, out), AG_EANOMALY);
    cr_assert(ag_anomaly_last(t, &a));
    cr_assert_eq(a.node.idx, sq.idx);
    cr_assert_str_eq(a.file, "<expr>");
    cr_assert_eq(a.line, 7);
    ag_tape_clear_error(t);
    ag_set_value(t, x, -1.0);
    ag_set_value(t, y, 0.5);
    cr_assert_eq(ag_forward(t, m0, out), AG_EANOMALY);
    cr_assert(ag_anomaly_last(t, &a));
    cr_assert_eq(a.node.idx, r.idx);
    cr_assert_str_eq(a.file, "<expr>:2");
    cr_assert_eq(a.line, 6);
    ag_tape_free(t);
}

Test(expr, nesting_limit)
{
    char src[700];
    memset(src, '(', 300);
    src[300] = 'x';
    memset(src + 301, ')', 300);
    src[601] = '\0';
    ag_tape *t = ag_tape_new(0);
    const double v[1] = {1.0};
    ag_error e;
    ag_node out;
    cr_assert_eq(parse_on(t, src, strlen(src), XY, v, 1, false, &out, &e), AG_ERANGE);
    cr_assert(strstr(e.message, "nests more than 200 levels"), "%s", e.message);
    /* the top level is depth 1 and each '(' one more: depth 201 starts at column 201 */
    cr_assert_eq(e.column, 201);
    /* 199 parentheses are fine, and so are 10^4 unary minuses' worth of ... no: they nest too */
    memset(src, '(', 199);
    src[199] = 'x';
    memset(src + 200, ')', 199);
    src[399] = '\0';
    cr_assert_eq(parse_on(t, src, strlen(src), XY, v, 1, false, &out, &e), AG_OK, "%s", e.message);
    memset(src, '-', 500);
    src[500] = 'x';
    src[501] = '\0';
    cr_assert_eq(parse_on(t, src, strlen(src), XY, v, 1, false, &out, &e), AG_ERANGE); /* a limit, as lang says */
    ag_tape_free(t);
}

Test(expr, any_bytes)
{
    /* seeded random byte strings drawn mostly from the language's alphabet:
     * the parser returns a status (never crashes), and an error's column lies
     * within the text */
    static const char alphabet[] = "xy+-*/^(),;=.e1 2\n#sigmoid max(z";
    uint64_t s = 12345;
    for (int k = 0; k < 3000; k++) {
        char src[64];
        size_t len = (size_t)(k % 63);
        for (size_t i = 0; i < len; i++) {
            s = s * 6364136223846793005ULL + 1442695040888963407ULL;
            unsigned r = (unsigned)(s >> 33);
            src[i] = (r & 7) == 0 ? (char)(r >> 8) : alphabet[(r >> 8) % (sizeof alphabet - 1)];
        }
        ag_tape *t = ag_tape_new(0);
        const double v[2] = {0.5, -1.5};
        ag_error e;
        ag_node out;
        ag_status st = parse_on(t, src, len, XY, v, 2, true, &out, &e);
        if (st != AG_OK) {
            cr_assert(e.message[0] != '\0');
            cr_assert(e.column >= 1 && (size_t)e.column <= len + 1, "'%.*s': column %d", (int)len, src, e.column);
        }
        ag_tape_free(t);
    }
}

/* An allocator that fails from the n-th call on. */
static long calls, fail_at;
static void *failing(void *ctx, void *p, size_t n)
{
    (void)ctx;
    if (n == 0) {
        free(p);
        return NULL;
    }
    if (calls++ >= fail_at)
        return NULL;
    return realloc(p, n);
}

Test(expr, allocation_failures_are_reported)
{
    const char *src = "z = w*x + b; a = sigmoid(z); L = 0.5*(a - y)^2; L";
    bool succeeded = false;
    for (fail_at = 0; fail_at < 200 && !succeeded; fail_at++) {
        ag_tape *t = ag_tape_new(4); /* small: the tape must grow while parsing */
        static const char *const names[4] = {"w", "x", "b", "y"};
        const double v[4] = {1, 2, 3, 4};
        calls = 0;
        ag_set_allocator(failing, NULL);
        ag_error e;
        ag_node out;
        ag_status s = parse_on(t, src, strlen(src), names, v, 4, false, &out, &e);
        ag_set_allocator(NULL, NULL);
        if (s == AG_OK) {
            succeeded = true;
            /* z = 1*2 + 3 = 5 */
            cr_assert_eq(ag_value(t, ag_name_find(t, "z")), 5.0);
        } else {
            cr_assert_eq(s, AG_ENOMEM, "allocation %ld: status %d (%s)", fail_at, s, e.message);
            cr_assert(strstr(e.message, "out of memory"), "%s", e.message);
        }
        ag_tape_free(t);
    }
    cr_assert(succeeded);
}
