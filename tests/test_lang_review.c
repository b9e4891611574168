/*
 * test_lang_review.c: bugs of the language and its command line found by
 * review, one test each, each failing on the code before its fix.
 */
#include "cli_run.h"
#include "lang.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

/* An expression that used a name f as an input failed: the unnamed output
 * was named f too ("the name 'f' is taken"). Now it is called out. */
Test(lang_review, an_input_named_f_leaves_the_output_its_own_name)
{
    run r = agrad("grad", "x*f", "x=1", "f=2");
    cr_assert_eq(r.rc, 0, "%s", r.err);
    cr_assert(strstr(r.out, "dout/dx = 2"), "%s", r.out);
    cr_assert(strstr(r.out, "dout/df = 1"), "%s", r.out);
    run_free(&r);
}

/* -f of a directory was read as an empty program (a parse error). */
Test(lang_review, a_file_that_cannot_be_read_is_an_io_error)
{
    run r = agrad("check", "-f", "/");
    cr_assert_eq(r.rc, 3, "%s", r.err);
    cr_assert(strstr(r.err, "cannot read /"), "%s", r.err);
    run_free(&r);
}

/* A name too long for an entry's node name (W[i,j]) was silently left
 * unnamed, and the CLI printed df/d(null). Now a parse error at its column. */
Test(lang_review, an_overlong_name_is_a_parse_error)
{
    char name[202], src[600];
    memset(name, 'a', 201);
    name[201] = '\0';
    snprintf(src, sizeof src, "%s = 2\nf = 3*%s\n", name, name);
    ag_error e;
    lg_prog *p = lg_parse(src, strlen(src), &e);
    cr_assert_null(p);
    cr_assert_eq(e.status, LG_EPARSE);
    cr_assert_eq(e.line, 1);
    cr_assert_eq(e.column, 1);
    cr_assert(strstr(e.message, "longer than 200"), "%s", e.message);
    name[200] = '\0'; /* 200 is allowed */
    snprintf(src, sizeof src, "%s = 2\nf = 3*%s\n", name, name);
    p = lg_parse(src, strlen(src), &e);
    cr_assert_not_null(p, "%s", e.message);
    lg_prog_free(p);
}

/* The "held fixed" note overwrote items that did not fit and cut the
 * last one mid-word; now it ends with "and N more". */
Test(lang_review, a_long_list_of_data_inputs_ends_with_and_n_more)
{
    char src[4096];
    size_t w = 0;
    for (int i = 0; i < 13; i++)
        w += (size_t)snprintf(src + w, sizeof src - w, "data label_vector_number_%02d = 1\n", i);
    w += (size_t)snprintf(src + w, sizeof src - w, "x = 2\nf = x^2");
    for (int i = 0; i < 13; i++)
        w += (size_t)snprintf(src + w, sizeof src - w, " + label_vector_number_%02d", i);
    snprintf(src + w, sizeof src - w, "\nclaim df/dx = 2*x\n");
    ag_error e;
    lg_prog *p = lg_parse(src, strlen(src), &e);
    cr_assert_not_null(p, "%s", e.message);
    lg_report r;
    cr_assert_eq(lg_check(p, NULL, &r, &e), AG_OK, "%s", e.message);
    cr_assert(r.all_agree);
    const char *more = strstr(r.inputs_note, ", and ");
    cr_assert_not_null(more, "%s", r.inputs_note);
    unsigned listed = 0, rest = 0;
    for (const char *q = r.inputs_note; (q = strstr(q, "(declared data)")); q++)
        listed++;
    cr_assert_eq(sscanf(more, ", and %u more", &rest), 1, "%s", more);
    cr_assert_eq(listed + rest, 13, "%s", r.inputs_note);
    lg_report_free(&r);
    lg_prog_free(p);
}

/* check --json -f on a file without claims wrote its error as text to
 * stderr and nothing to stdout; --json errors are a JSON object there. */
Test(lang_review, check_json_without_claims_is_a_json_error)
{
    const char *src = "x = 2\nL = x^2\n";
    run r = agrad_in(src, "check", "--json", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 2, "%s%s", r.out, r.err);
    cr_assert_str_eq(r.err, "");
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    cr_assert(j, "not JSON: '%s'", r.out);
    json_t *err = json_object_get(j, "error");
    cr_assert_str_eq(json_string_value(json_object_get(err, "status")), "invalid argument");
    cr_assert(strstr(json_string_value(json_object_get(err, "message")), "no claim to check"), "%s", r.out);
    cr_assert_eq(json_integer_value(json_object_get(err, "line")), 0); /* no place in the file */
    json_decref(j);
    run_free(&r);
    /* without --json: text on stderr, nothing on stdout, as before */
    r = agrad_in(src, "check", "-f", "-", (const char *)NULL);
    cr_assert_eq(r.rc, 2, "%s%s", r.out, r.err);
    cr_assert_str_eq(r.out, "");
    cr_assert(strstr(r.err, "agrad check: no claim to check"), "%s", r.err);
    run_free(&r);
}

/* lg_agrees dereferenced its options: NULL crashed, although lg_check
 * takes NULL as the defaults. Now NULL is the defaults for both
 * (rtol 1e-9, stol 1e-12: lang.h), and a struct given is taken as it is. */
Test(lang_review, lg_agrees_takes_null_as_the_defaults)
{
    /* rtol 1e-9 relative to max(|a|,|b|) = 1 (scale 0: no stol term) */
    cr_assert(lg_agrees(1.0, 1.0 + 0.5e-9, NULL, 0.0, NULL, 0, AG_NULL));
    cr_assert(!lg_agrees(1.0, 1.0 + 2e-9, NULL, 0.0, NULL, 0, AG_NULL));
    /* stol 1e-12 times the scale: 1e-6 differs from 0 within 1e-12 * 1e6 */
    cr_assert(lg_agrees(0.0, 1e-6, NULL, 1e6, NULL, 0, AG_NULL));
    cr_assert(!lg_agrees(0.0, 1e-6, NULL, 1e5, NULL, 0, AG_NULL));
    /* the same as the defaults spelled out */
    const lg_check_opts d = {20, 0.25, 1e-9, 1e-12};
    cr_assert(lg_agrees(1.0, 1.0 + 0.5e-9, &d, 0.0, NULL, 0, AG_NULL));
    cr_assert(!lg_agrees(1.0, 1.0 + 2e-9, &d, 0.0, NULL, 0, AG_NULL));
    /* a zeroed struct is taken as given, as lg_check does: exact */
    const lg_check_opts zero = {0, 0.0, 0.0, 0.0};
    cr_assert(lg_agrees(1.0, 1.0, &zero, 1.0, NULL, 0, AG_NULL));
    cr_assert(!lg_agrees(1.0, 1.0 + 0x1p-52, &zero, 1.0, NULL, 0, AG_NULL));
}
