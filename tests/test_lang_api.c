/*
 * test_lang_api.c: lang.h as a library: parse errors with their place and
 * window, evaluation into a tape (entry names, shapes, broadcasting, @),
 * Jacobians against closed forms, JSON that parses, limits and bad input
 * (deep nesting, huge shapes, long files, unknown names, cycles, NaN).
 * Suite `lang_api`.
 */
#include "lang.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static ag_error parse_fail(const char *src)
{
    ag_error e;
    lg_prog *p = lg_parse(src, strlen(src), &e);
    if (p) { /* a program that parses may fail when run */
        ag_tape *t = ag_tape_new(0);
        lg_run *r = lg_eval(p, t, &e);
        cr_assert_null(r, "'%s' ran", src);
        ag_tape_free(t);
        lg_prog_free(p);
    }
    cr_assert_neq(e.status, AG_OK);
    cr_assert(e.message[0]);
    return e;
}

Test(lang_api, errors_say_what_and_where)
{
    ag_error e = parse_fail("x = 1\ny = x +\n");
    cr_assert_eq(e.status, LG_EPARSE);
    cr_assert_eq(e.line, 2);
    e = parse_fail("x = 1\nz = q * x\n");
    cr_assert_eq(e.status, LG_ENOTFOUND);
    cr_assert_eq(e.line, 2);
    cr_assert_eq(e.column, 5);
    cr_assert(strstr(e.message, "'q'"), "%s", e.message);
    /* a cycle of names: used before assigned, both places named */
    e = parse_fail("x = 1\na = b + x\nb = a * 2\n");
    cr_assert(strstr(e.message, "'b' is used before it is assigned (at line 3)"), "%s", e.message);
    /* shapes: both shapes and the operator */
    e = parse_fail("W: 3x2\na: 3\nz = W @ a\n");
    cr_assert(strstr(e.message, "W is 3x2, a has 3 entries: @ needs 2"), "%s", e.message);
    e = parse_fail("u = [1, 2, 3]\nv = [1, 2]\nw = u + v\n");
    cr_assert(strstr(e.message, "u has 3 entries, v has 2 entries: +"), "%s", e.message);
    e = parse_fail("u = [1, 2, 3]\nw = u[4]\n");
    cr_assert(strstr(e.message, "index is 4"), "%s", e.message);
    e = parse_fail("x = 1\nx = 2\n");
    cr_assert(strstr(e.message, "already assigned"), "%s", e.message);
}

Test(lang_api, a_claim_about_a_missing_name)
{
    const char *s0 = "x = 1\nf = x^2\nclaim dg/dx = 2*x\n";
    lg_prog *p = lg_parse(s0, strlen(s0), NULL);
    cr_assert(p);
    lg_report r;
    cr_assert_eq(lg_check(p, NULL, &r, NULL), AG_OK);
    cr_assert_eq(r.claims[0].verdict, LG_CLAIM_ERROR);
    cr_assert(strstr(r.claims[0].message, "'g'"), "%s", r.claims[0].message);
    cr_assert_not(r.all_agree);
    lg_report_free(&r);
    lg_prog_free(p);
}

Test(lang_api, the_error_window_is_short)
{
    /* a 100000-character line: the window shows about 72 columns around the caret */
    size_t n = 100000;
    char *src = malloc(n + 16);
    memset(src, ' ', n);
    memcpy(src, "x = 1 + ", 8);
    memcpy(src + n / 2, "$", 1);
    src[n] = '\0';
    ag_error e;
    cr_assert_null(lg_parse(src, n, &e));
    cr_assert_eq(e.column, (int)(n / 2) + 1);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    cr_assert_eq(lg_error_write(&e, src, "f.txt", LG_TEXT, m), AG_OK);
    fclose(m);
    cr_assert_lt(len, 400, "%zu bytes of error", len);
    cr_assert(strstr(text, "f.txt:1:50001: parse error"), "%s", text);
    cr_assert(strstr(text, "...") && strstr(text, "$"), "%s", text);
    free(text);
    free(src);
}

Test(lang_api, limits)
{
    /* 10^5-deep nesting */
    size_t depth = 100000;
    char *src = malloc(2 * depth + 16);
    size_t w = 0;
    memcpy(src, "x = 1\nf = ", 10);
    w = 10;
    for (size_t i = 0; i < depth; i++)
        src[w++] = '(';
    src[w++] = 'x';
    for (size_t i = 0; i < depth; i++)
        src[w++] = ')';
    src[w] = '\0';
    ag_error e;
    cr_assert_null(lg_parse(src, w, &e));
    cr_assert_eq(e.status, AG_ERANGE);
    cr_assert(strstr(e.message, "nests more than"), "%s", e.message);
    free(src);
    /* a huge shape */
    e = parse_fail("W: 100000x100000\n");
    cr_assert_eq(e.status, AG_ERANGE);
    cr_assert(strstr(e.message, "10000000000 entries"), "%s", e.message);
    /* a product too big for memory is refused before it is recorded */
    e = parse_fail("W: 1024x1024\nV = W @ W\n");
    cr_assert_eq(e.status, AG_ERANGE);
    cr_assert(strstr(e.message, "multiply-adds"), "%s", e.message);
    /* a long file of statements: 10^6 characters */
    size_t n = 1000000;
    src = malloc(n + 64);
    w = (size_t)sprintf(src, "a0 = 1\n");
    for (int k = 1; w + 40 < n; k++)
        w += (size_t)sprintf(src + w, "a%d = a%d + 1\n", k, k - 1);
    lg_prog *p = lg_parse(src, w, &e);
    cr_assert(p, "%s", e.message);
    ag_tape *t = ag_tape_new(0);
    lg_run *r = lg_eval(p, t, &e);
    cr_assert(r, "%s", e.message);
    lg_run_free(r);
    ag_tape_free(t);
    lg_prog_free(p);
    free(src);
    /* NaN inputs */
    p = lg_parse("x = 1\nf = x^2\n", 13, NULL);
    double nan = (double)NAN;
    cr_assert_eq(lg_prog_set_input(p, "x", &nan, 1, &e), AG_OK);
    t = ag_tape_new(0);
    cr_assert_null(lg_eval(p, t, &e));
    cr_assert(strstr(e.message, "must be finite"), "%s", e.message);
    ag_tape_free(t);
    lg_prog_free(p);
}

Test(lang_api, entries_are_named_nodes_and_jacobians_match_closed_forms)
{
    const char *src = "W = [[1, 2], [3, 4], [5, 6]]\nx = [0.5, -1]\nz = W @ x\ns = softmax(z)\n";
    lg_prog *p = lg_parse(src, strlen(src), NULL);
    ag_tape *t = ag_tape_new(0);
    lg_run *r = lg_eval(p, t, NULL);
    cr_assert(r);
    lg_value W, z, s, x;
    cr_assert(lg_run_lookup(r, "W", &W) && lg_run_lookup(r, "z", &z) && lg_run_lookup(r, "s", &s) &&
              lg_run_lookup(r, "x", &x));
    cr_assert_eq(W.shape.rows, 3);
    cr_assert_eq(W.shape.cols, 2);
    cr_assert_str_eq(ag_name_of(t, W.nodes[3]), "W[2,2]");
    cr_assert_str_eq(ag_name_of(t, z.nodes[1]), "z[2]");
    /* z = W x by hand: (0.5 - 2, 1.5 - 4, 2.5 - 6) */
    cr_assert_float_eq(ag_value(t, z.nodes[2]), -3.5, 1e-15);
    /* F5: ds_i/dz_k = s_i (delta_ik - s_k) */
    double J[9];
    lg_shape sh;
    cr_assert_eq(lg_jacobian(r, s, z, J, &sh, NULL), AG_OK);
    cr_assert_eq(sh.rows, 3);
    cr_assert_eq(sh.cols, 3);
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 3; k++) {
            double si = ag_value(t, s.nodes[i]), sk = ag_value(t, s.nodes[k]);
            cr_assert_float_eq(J[i * 3 + k], si * ((i == k) - sk), 1e-15);
        }
    /* dz/dx = W */
    cr_assert_eq(lg_jacobian(r, z, x, J, &sh, NULL), AG_OK);
    for (int k = 0; k < 6; k++)
        cr_assert_float_eq(J[k], (double)(k + 1), 0);
    lg_value extra;
    cr_assert(lg_run_expr(r, "sum(z * z)", 10, &extra, NULL));
    cr_assert_float_eq(ag_value(t, extra.nodes[0]), 1.5 * 1.5 + 2.5 * 2.5 + 3.5 * 3.5, 1e-12);
    lg_run_free(r);
    ag_tape_free(t);
    lg_prog_free(p);
}

Test(lang_api, json_renders_parse)
{
    const char *src = "x = [1, -2]\nf = sum(x^2)\nclaim df/dx = 2*x\nclaim df/dx = x\n";
    lg_prog *p = lg_parse(src, strlen(src), NULL);
    lg_report r;
    cr_assert_eq(lg_check(p, NULL, &r, NULL), AG_OK);
    char buf[8192] = {0};
    FILE *bm = fmemopen(buf, sizeof buf, "w");
    cr_assert_eq(lg_report_write(&r, LG_JSON, bm), AG_OK);
    size_t n = (size_t)ftell(bm);
    fclose(bm);
    cr_assert(n > 0 && n < sizeof buf);
    json_error_t je;
    json_t *j = json_loads(buf, 0, &je);
    cr_assert(j, "%s: %s", je.text, buf);
    json_t *claims = json_object_get(j, "claims");
    cr_assert_eq(json_array_size(claims), 2);
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(claims, 0), "verdict")), "agrees");
    json_t *c1 = json_array_get(claims, 1);
    cr_assert_str_eq(json_string_value(json_object_get(c1, "verdict")), "DISAGREES");
    json_t *ent = json_array_get(json_object_get(c1, "entries"), 0);
    cr_assert(json_is_number(json_object_get(ent, "autodiff")) && json_is_integer(json_object_get(ent, "i")));
    json_decref(j);
    lg_report_free(&r);
    /* gradient and trace */
    ag_tape *t = ag_tape_new(0);
    lg_run *run = lg_eval(p, t, NULL);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    cr_assert_eq(lg_run_write(run, LG_JSON, m), AG_OK);
    fclose(m);
    j = json_loads(text, 0, &je);
    cr_assert(j, "%s", text);
    cr_assert_float_eq(json_number_value(json_object_get(json_object_get(j, "grad"), "x[2]")), -4.0, 1e-15);
    json_decref(j);
    free(text);
    m = open_memstream(&text, &len);
    cr_assert_eq(lg_run_write(run, LG_TRACE, m), AG_OK);
    fclose(m);
    j = json_loads(text, 0, &je);
    cr_assert(j, "%s", text);
    cr_assert_gt(json_array_size(json_object_get(j, "steps")), 0);
    json_decref(j);
    free(text);
    lg_run_free(run);
    ag_tape_free(t);
    lg_prog_free(p);
    /* an error as JSON, with its window and caret */
    ag_error e;
    cr_assert_null(lg_parse("x = 1 +* 2", 10, &e));
    memset(buf, 0, sizeof buf);
    bm = fmemopen(buf, sizeof buf, "w");
    cr_assert_eq(lg_error_write(&e, "x = 1 +* 2", NULL, LG_JSON, bm), AG_OK);
    fclose(bm);
    j = json_loads(buf, 0, &je);
    cr_assert(j, "%s", buf);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "error"), "column")), 8);
    cr_assert_eq(json_integer_value(json_object_get(json_object_get(j, "error"), "caret")), 7);
    json_decref(j);
}
