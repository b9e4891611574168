/*
 * check.h: what the checker keeps per claim across the points, and the
 * diagnosis of a disagreeing claim (private to lang/).
 */
#ifndef AGRAD_LANG_CHECK_H
#define AGRAD_LANG_CHECK_H

#include "claim.h"
#include "points.h"

typedef struct acc {
    const stmt *st;
    bool error;
    size_t n_points, n_bad, n_skipped, n_overflow, n_kink_only;
    long worst, first_overflow;
    double worst_rel;
    cm at0, atw;            /* the matrices at point 0 and at the worst point */
    bool have0, havew;
} acc;

/* "agrees", "DISAGREES", ... */
const char *lg__verdict_name(lg_verdict v);
/* The JSON forms (json.c) that lg_report_write and lg_error_write give. */
ag_status lg__report_json(const lg_report *r, FILE *f);
ag_status lg__error_json(const ag_error *e, const char *src, FILE *f);
/* The window of line `line` of src around column col, and a caret. */
void lg__source_window(FILE *f, const char *src, int line, int col);
/* The same window as one string, for JSON (its text, the caret's column). */
size_t lg__window_text(const char *src, int line, int col, char *buf, size_t size, int *caret);

/* Fill r->diagnosis for a claim that disagrees: what it is close to. */
void lg__diagnose(lg_prog *p, const pts *P, const acc *a, const lg_check_opts *o, lg_claim_result *r);
/* Whether claim st agrees at point j, with `from` read as `to`. */
bool lg__agrees_at(lg_prog *p, const pts *P, size_t j, const stmt *st, const char *from, const char *to,
                   const lg_check_opts *o);
/* Compare matrices: number of disagreeing entries, the largest relative
 * error, and the entries shown (up to LG_SHOWN) when `shown` is given. */
size_t lg__compare(lg_run *r, const cm *m, const lg_check_opts *o, double *worst_rel, lg_entry *shown,
                   size_t *n_shown, bool *overflow);

#endif /* AGRAD_LANG_CHECK_H */
