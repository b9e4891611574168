/*
 * test_lang_review.c: bugs of the language and its command line found by
 * review, one test each, each failing on the code before its fix.
 */
#include "cli_run.h"
#include "lang.h"

#include <criterion/criterion.h>
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
