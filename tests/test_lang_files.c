/*
 * test_lang_files.c: every derivation file in examples/derivations/ is
 * checked with the default options, and each claim's verdict must be the
 * one its file announces on the "# expect: VERDICT [| TEXT]" line just
 * before it (TEXT: a piece of the diagnosis or message that must appear).
 * The expectations were written from the seed notes' formulas (and, for
 * the slips and mistakes, from what the formula gets wrong), not from the
 * checker's output. Suite `lang_files`.
 */
#include "lang.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DIR_PATH "examples/derivations"

typedef struct expect {
    char verdict[32];
    char text[128];
} expect;

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    char *buf = malloc(1 << 20);
    cr_assert(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static size_t expectations(const char *src, expect *ex, size_t cap)
{
    size_t n = 0;
    for (const char *l = src; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
        if (strncmp(l, "# expect: ", 10) != 0 || n == cap)
            continue;
        const char *v = l + 10, *end = v + strcspn(v, "\n"), *bar = memchr(v, '|', (size_t)(end - v));
        const char *vend = bar ? bar : end;
        while (vend > v && vend[-1] == ' ')
            vend--;
        memset(&ex[n], 0, sizeof ex[n]);
        snprintf(ex[n].verdict, sizeof ex[n].verdict, "%.*s", (int)(vend - v), v);
        if (bar)
            snprintf(ex[n].text, sizeof ex[n].text, "%.*s", (int)(end - bar - 2), bar + 2);
        n++;
    }
    return n;
}

/* The verdicts as the files' "# expect:" lines spell them (lang's report
 * text writes the same words). */
static const char *verdict_name(lg_verdict v)
{
    static const char *const names[] = {[LG_AGREES] = "agrees", [LG_DISAGREES] = "DISAGREES",
                                        [LG_OVERFLOWS] = "OVERFLOWS", [LG_NOT_CHECKED] = "NOT CHECKED",
                                        [LG_CLAIM_ERROR] = "ERROR"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

static void check_file(const char *path, size_t *n_claims)
{
    size_t len;
    char *src = slurp(path, &len);
    expect ex[64];
    size_t n_ex = expectations(src, ex, 64);
    ag_error e;
    lg_prog *p = lg_parse(src, len, &e);
    cr_assert(p, "%s:%d:%d: %s", path, e.line, e.column, e.message);
    lg_report r;
    cr_assert_eq(lg_check(p, NULL, &r, &e), AG_OK, "%s: %s", path, e.message);
    cr_assert_eq(r.n_claims, n_ex, "%s: %zu claims but %zu expect lines", path, r.n_claims, n_ex);
    for (size_t c = 0; c < r.n_claims; c++) {
        const lg_claim_result *cl = &r.claims[c];
        cr_expect(strcasecmp(verdict_name(cl->verdict), ex[c].verdict) == 0,
                  "%s line %d (%s): verdict %s, expected %s (%s)", path, cl->line, cl->lhs,
                  verdict_name(cl->verdict), ex[c].verdict, cl->message);
        if (ex[c].text[0])
            cr_expect(strstr(cl->diagnosis, ex[c].text) || strstr(cl->message, ex[c].text),
                      "%s line %d: '%s' not in the diagnosis '%s' / message '%s'", path, cl->line, ex[c].text,
                      cl->diagnosis, cl->message);
    }
    *n_claims += r.n_claims;
    lg_report_free(&r);
    lg_prog_free(p);
    free(src);
}

Test(lang_files, every_derivation_file_has_its_verdicts)
{
    DIR *d = opendir(DIR_PATH);
    cr_assert(d, "cannot open " DIR_PATH " (run the tests from the repository root)");
    size_t files = 0, claims = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL;) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 4, ".txt") != 0)
            continue;
        char path[512];
        snprintf(path, sizeof path, DIR_PATH "/%s", de->d_name);
        check_file(path, &claims);
        files++;
    }
    closedir(d);
    cr_assert_geq(files, 8, "only %zu derivation files", files);
    cr_assert_geq(claims, 60, "only %zu claims", claims);
}

/* The two slips of note 002 (docs/formulas.md) are rejected with the right diagnosis. */
Test(lang_files, the_slips_of_note_002_are_rejected_with_their_diagnosis)
{
    size_t len;
    char *src = slurp(DIR_PATH "/002_slip_sigma_prime_z1.txt", &len);
    lg_prog *p = lg_parse(src, len, NULL);
    lg_report r;
    cr_assert(p && lg_check(p, NULL, &r, NULL) == AG_OK);
    cr_assert_eq(r.claims[1].verdict, LG_DISAGREES);
    cr_assert(strstr(r.claims[1].diagnosis, "z1 is replaced by z2"), "%s", r.claims[1].diagnosis);
    cr_assert_gt(r.claims[1].n_shown, 0);
    lg_report_free(&r);
    lg_prog_free(p);
    free(src);
    src = slurp(DIR_PATH "/002_slip_softmax_jacobian.txt", &len);
    p = lg_parse(src, len, NULL);
    cr_assert(p && lg_check(p, NULL, &r, NULL) == AG_OK);
    cr_assert_eq(r.claims[0].verdict, LG_DISAGREES);
    cr_assert(strstr(r.claims[0].diagnosis, "diagonal (i = k) agrees"), "%s", r.claims[0].diagnosis);
    /* every shown entry is off the diagonal */
    for (size_t k = 0; k < r.claims[0].n_shown; k++)
        cr_assert_neq(r.claims[0].shown[k].i, r.claims[0].shown[k].j);
    lg_report_free(&r);
    lg_prog_free(p);
    free(src);
}
