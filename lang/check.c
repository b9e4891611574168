/*
 * check.c: lg_check: every claim of a program at every sample point, and
 * the verdicts.
 *
 * Per point the program is recorded afresh on one tape (rewound between
 * points), so what a comparison or an index reads steers the recording
 * legitimately. Per entry, autodiff a and claim b agree when
 *   a == b, both NaN, or
 *   |a - b| <= rtol*max(|a|,|b|) + stol*S + R
 * with S the largest |entry| of the autodiff matrix (the size of the
 * gradients involved) and R a first-order bound of the rounding error of
 * the claim's formula (claim.c), computed only for entries that fail
 * without it. So a 5x error in a tiny gradient (sigmoid' at z = -40) is
 * caught, while sigma(z)(1 - sigma(z)) = 0 at z = 40 is rounding, not a
 * disagreement. Where autodiff is finite but the claim is not, the claim
 * "overflows here"; where the program (the claim's F) is not finite, the
 * point is outside its domain and skipped. A point that sits exactly on a
 * kink (u = 0) decides no verdict: the derivative there is a convention.
 */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *lg__verdict_name(lg_verdict v)
{
    switch (v) {
    case LG_AGREES: return "agrees";
    case LG_DISAGREES: return "DISAGREES";
    case LG_OVERFLOWS: return "OVERFLOWS";
    case LG_NOT_CHECKED: return "NOT CHECKED";
    case LG_CLAIM_ERROR: return "ERROR";
    }
    return "?";
}

size_t lg__compare(lg_run *r, const cm *m, const lg_check_opts *o, double *worst_rel, lg_entry *shown,
                   size_t *n_shown, bool *overflow)
{
    size_t na = lg__size(m->sa), nb = lg__size(m->sb), bad = 0, bounds = 0;
    double S = lg__scale(m->a, na);
    *worst_rel = 0;
    *overflow = false;
    if (n_shown)
        *n_shown = 0;
    if (!(m->sa.ndim == m->sb.ndim && na == nb && m->sa.rows == m->sb.rows) && nb != 1) {
        *worst_rel = (double)INFINITY;
        return na > nb ? na : nb;
    }
    for (size_t k = 0; k < na; k++) {
        double a = m->a[k], b = m->b[nb == 1 ? 0 : k];
        if (!isfinite(a))
            continue; /* autodiff itself is not finite: nothing to compare */
        if (!isfinite(b)) {
            *overflow = true;
            continue;
        }
        if (lg__close(a, b, o->rtol, o->stol, S, 0.0))
            continue;
        /* the rounding bound costs a sweep: only for entries that need it */
        if (r && bounds < 32) {
            bounds++;
            if (lg__close(a, b, o->rtol, o->stol, S, lg__rounding(r->t, r->n_start, m->bn[nb == 1 ? 0 : k])))
                continue;
        }
        if (m->overflowed) { /* an intermediate of the formula overflowed */
            *overflow = true;
            continue;
        }
        double rel = fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), 1e-300);
        if (rel > *worst_rel)
            *worst_rel = rel;
        if (shown && *n_shown < LG_SHOWN) {
            size_t cols = m->sa.ndim == 2 ? m->sa.cols : 1;
            shown[(*n_shown)++] = (lg_entry){k / cols + 1, k % cols + 1, a, b};
        }
        bad++;
    }
    return bad;
}

static bool on_kink(const lg_run *r)
{
    for (size_t q = 0; q < r->nk; q++)
        if (r->k[q].at == 0.0)
            return true;
    return false;
}

bool lg__agrees_at(lg_prog *p, const pts *P, size_t j, const stmt *st, const char *from, const char *to,
                   const lg_check_opts *o)
{
    ag_tape *t = ag_tape_new(0);
    ag_error err;
    lg_run *r = t ? lg__eval_at(p, t, (const double *const *)P->v[j], &err) : NULL;
    bool ok = false;
    if (r) {
        r->subst_from = from;
        r->subst_to = to;
        cm m;
        double rel;
        bool ovf;
        if (lg__claim_eval(r, st, &m, &err))
            ok = lg__compare(r, &m, o, &rel, NULL, NULL, &ovf) == 0 && !ovf;
        lg__cm_free(&m);
    }
    lg_run_free(r);
    ag_tape_free(t);
    return ok;
}

/* dst becomes a copy of src (the arrays duplicated); false when out of memory. */
static bool keep(cm *dst, const cm *src)
{
    lg__cm_free(dst);
    size_t na = lg__size(src->sa), nb = lg__size(src->sb);
    dst->sa = src->sa;
    dst->sb = src->sb;
    dst->of_finite = src->of_finite;
    dst->a = ag_realloc(NULL, (na ? na : 1) * sizeof *dst->a);
    dst->b = ag_realloc(NULL, (nb ? nb : 1) * sizeof *dst->b);
    if (!dst->a || !dst->b) {
        lg__cm_free(dst);
        return false;
    }
    memcpy(dst->a, src->a, na * sizeof *dst->a);
    memcpy(dst->b, src->b, nb * sizeof *dst->b);
    return true;
}

/* One point: every claim. */
static void check_point(lg_run *r, size_t j, acc *A, size_t nc, const lg_check_opts *o, lg_claim_result *res)
{
    bool kinked = on_kink(r);
    for (size_t c = 0; c < nc; c++) {
        acc *a = &A[c];
        if (a->error)
            continue;
        cm m;
        ag_error err;
        if (!lg__claim_eval(r, a->st, &m, &err)) {
            lg__cm_free(&m);
            if (j == 0) {
                a->error = true;
                snprintf(res[c].message, sizeof res[c].message, "line %d, column %d: %.360s", err.line ? err.line : a->st->line,
                         err.column ? err.column : a->st->col, err.message);
            } else {
                a->n_skipped++;
            }
            continue;
        }
        a->n_points++;
        if (!m.of_finite) {
            a->n_skipped++;
            lg__cm_free(&m);
            continue;
        }
        double rel;
        bool ovf;
        lg_entry shown[LG_SHOWN];
        size_t n_shown = 0, bad = lg__compare(r, &m, o, &rel, shown, &n_shown, &ovf);
        if (bad && kinked) {
            a->n_kink_only++;
            bad = 0;
        }
        if (ovf && a->first_overflow < 0)
            a->first_overflow = (long)j;
        a->n_overflow += ovf;
        if (j == 0)
            res[c].shape = m.sa;
        if (bad) {
            a->n_bad++;
            if (a->worst < 0 || rel > a->worst_rel) {
                a->worst = (long)j;
                a->worst_rel = rel;
                res[c].n_bad_entries = bad;
                res[c].n_shown = n_shown;
                memcpy(res[c].shown, shown, sizeof shown);
                a->havew = keep(&a->atw, &m);
            }
        }
        if (j == 0)
            a->have0 = keep(&a->at0, &m);
        lg__cm_free(&m);
    }
}

static void verdict(lg_prog *p, const pts *P, acc *a, const lg_check_opts *o, lg_claim_result *r)
{
    r->n_points = a->n_points;
    r->n_bad_points = a->n_bad;
    r->n_skipped = a->n_skipped;
    r->worst_point = a->worst;
    r->worst_rel = a->worst_rel;
    size_t checked = a->n_points - (a->n_skipped < a->n_points ? a->n_skipped : a->n_points);
    if (a->error) {
        r->verdict = LG_CLAIM_ERROR;
        return;
    }
    if (a->n_bad) {
        r->verdict = LG_DISAGREES;
        char sa[32], sb[32];
        if (a->havew && (a->atw.sa.ndim != a->atw.sb.ndim || a->atw.sa.rows != a->atw.sb.rows ||
                         a->atw.sa.cols != a->atw.sb.cols) && lg__size(a->atw.sb) != 1)
            snprintf(r->message, sizeof r->message, "the claim has %s where %s has %s",
                     lg__shape_str(a->atw.sb, sb, sizeof sb), r->lhs, lg__shape_str(a->atw.sa, sa, sizeof sa));
        else
            snprintf(r->message, sizeof r->message,
                     "disagrees at %zu of %zu points; worst at point %ld (%zu entr%s, rel err %.3g)", a->n_bad, checked,
                     a->worst, r->n_bad_entries, r->n_bad_entries == 1 ? "y" : "ies", a->worst_rel);
        lg__diagnose(p, P, a, o, r);
    } else if (a->n_overflow) {
        r->verdict = LG_OVERFLOWS;
        snprintf(r->message, sizeof r->message,
                 "the claimed formula overflows here: at %zu of %zu point%s (first: point %ld) it or a part of it is not "
                 "finite where autodiff is%s", a->n_overflow, checked, checked == 1 ? "" : "s", a->first_overflow,
                 a->n_overflow < checked ? "; it agrees wherever it is finite" : "; rewrite it in a stable form");
    } else if (checked == 0) {
        r->verdict = LG_NOT_CHECKED;
        snprintf(r->message, sizeof r->message, "no point checked: d%s is not finite at any of the %zu points", a->st->of,
                 a->n_points);
    } else {
        r->verdict = LG_AGREES;
        snprintf(r->message, sizeof r->message, "agrees at all %zu points checked%s", checked,
                 a->n_skipped ? " (some outside the domain, skipped)" : "");
    }
    if (a->n_kink_only && r->verdict != LG_CLAIM_ERROR) {
        size_t w = strlen(r->message);
        snprintf(r->message + w, sizeof r->message - w,
                 "; at %zu point%s exactly on a kink it differs, which decides nothing (the derivative there is a convention)",
                 a->n_kink_only, a->n_kink_only == 1 ? "" : "s");
    }
}

static void inputs_note(lg_prog *p, lg_report *out)
{
    /* room kept at the end for ", and N more" when the list does not fit */
    enum { TAIL = 24 };
    size_t w = 0, left_out = 0;
    out->inputs_note[0] = '\0';
    for (size_t k = 0; k < lg__prog_n_inputs(p); k++) {
        lg_input_info in;
        lg_prog_input(p, k, &in);
        if (!in.data)
            continue;
        size_t room = sizeof out->inputs_note - TAIL - w;
        int m = left_out ? -1
                         : snprintf(out->inputs_note + w, room, "%s%s (%s)", w ? ", " : "held fixed: ", in.name, in.why);
        if (m > 0 && (size_t)m < room) {
            w += (size_t)m;
        } else {
            out->inputs_note[w] = '\0'; /* drop the partial item */
            left_out++;
        }
    }
    if (left_out)
        snprintf(out->inputs_note + w, sizeof out->inputs_note - w, "%sand %zu more", w ? ", " : "held fixed: ",
                 left_out);
}

ag_status lg_check(lg_prog *p, const lg_check_opts *opts, lg_report *out, ag_error *err)
{
    ag_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    memset(out, 0, sizeof *out);
    lg_check_opts o = opts ? *opts : lg__check_defaults;
    ag_tape *t = ag_tape_new(0);
    ag_mark m0 = t ? ag_tape_mark(t) : (ag_mark){0, 0, 0, 0};
    lg_run *r0 = t ? lg__eval_at(p, t, NULL, err) : NULL;
    size_t nc = lg__prog_n_claims(p);
    acc *A = ag_realloc(NULL, (nc ? nc : 1) * sizeof *A);
    out->claims = ag_realloc(NULL, (nc ? nc : 1) * sizeof *out->claims);
    pts P;
    memset(&P, 0, sizeof P);
    bool ok = r0 && A && out->claims && lg__points(&P, p, r0, &o, p->seed);
    if (ok) {
        memset(A, 0, nc * sizeof *A);
        memset(out->claims, 0, nc * sizeof *out->claims);
        out->n_claims = nc;
        for (size_t i = 0, c = 0; i < p->n_st; i++) {
            if (p->st[i].kind != ST_CLAIM)
                continue;
            A[c] = (acc){.st = &p->st[i], .worst = -1, .first_overflow = -1};
            lg__claim_lhs(p, &p->st[i], out->claims[c].lhs, sizeof out->claims[c].lhs);
            out->claims[c].text = p->st[i].text;
            out->claims[c].line = p->st[i].line;
            out->claims[c].worst_point = -1;
            c++;
        }
        lg_run_free(r0);
        r0 = NULL;
        for (size_t j = 0; j < P.n_points; j++) {
            ag_tape_rewind(t, m0);
            ag_tape_clear_error(t);
            ag_error e2;
            lg_run *r = lg__eval_at(p, t, (const double *const *)P.v[j], &e2);
            if (!r) {
                if (j == 0) {
                    *err = e2;
                    ok = false;
                    break;
                }
                continue;
            }
            check_point(r, j, A, nc, &o, out->claims);
            lg_run_free(r);
        }
        out->n_points = P.n_points;
        out->n_kinks = P.n_kinks;
        out->n_straddled = P.n_straddled;
        out->all_agree = ok;
        for (size_t c = 0; ok && c < nc; c++) {
            verdict(p, &P, &A[c], &o, &out->claims[c]);
            out->all_agree = out->all_agree && out->claims[c].verdict == LG_AGREES;
        }
        inputs_note(p, out);
    } else if (err->status == AG_OK) {
        err->status = AG_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
    }
    for (size_t c = 0; A && c < out->n_claims; c++) {
        lg__cm_free(&A[c].at0);
        lg__cm_free(&A[c].atw);
    }
    ag_free(A);
    lg__points_free(&P);
    lg_run_free(r0);
    ag_tape_free(t);
    if (!ok) {
        lg_report_free(out);
        return err->status ? err->status : AG_ENOMEM;
    }
    return AG_OK;
}

void lg_report_free(lg_report *r)
{
    if (!r)
        return;
    ag_free(r->claims);
    memset(r, 0, sizeof *r);
}
