/*
 * diagnose.c: when a claim disagrees, what is it close to? Each test is
 * cheap and exact within the checker's tolerance, at point 0 and at the
 * worst point:
 *   - shapes: the claim is the transpose, or has a batch axis autodiff does
 *     not have (its sum over the batch agrees: the sum is missing; or its
 *     mean);
 *   - a constant factor: -1 (sign), 2 or 1/2, 1/m or m for a whole number m
 *     (a mean where a sum belongs, or the reverse), or any other constant;
 *   - the transpose of a square matrix;
 *   - a pattern: the diagonal agrees and the rest does not, or the reverse
 *     (F5's off-diagonal -s_i s_k);
 *   - a name slip: reading one name of the claim as another name of the
 *     program makes it agree (sigma'(z1) where sigma'(z2) belongs).
 */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static bool close_all(const double *a, const double *b, size_t n, const lg_check_opts *o)
{
    double S = lg__scale(a, n);
    for (size_t k = 0; k < n; k++)
        if (!lg__close(a[k], b[k], o->rtol * 10, o->stol * 10, S, 0.0))
            return false;
    return true;
}

/* sum (or mean) of B over axis 1 (rows), into out (cols entries) */
static void reduce_rows(const cm *m, bool over_rows, bool mean, double *out)
{
    size_t R = m->sb.rows, C = m->sb.cols, n_out = over_rows ? C : R, n_in = over_rows ? R : C;
    for (size_t o = 0; o < n_out; o++) {
        double s = 0;
        for (size_t k = 0; k < n_in; k++)
            s += over_rows ? m->b[k * C + o] : m->b[o * C + k];
        out[o] = mean ? s / (double)n_in : s;
    }
}

static bool shape_diagnosis(const cm *m, const lg_check_opts *o, char *d, size_t size)
{
    size_t na = lg__size(m->sa);
    if (m->sa.ndim == 2 && m->sb.ndim == 2 && m->sa.rows == m->sb.cols && m->sa.cols == m->sb.rows) {
        double *tb = ag_realloc(NULL, na * sizeof *tb);
        bool ok = false;
        if (tb) {
            for (size_t i = 0; i < m->sb.rows; i++)
                for (size_t j = 0; j < m->sb.cols; j++)
                    tb[j * m->sb.rows + i] = m->b[i * m->sb.cols + j];
            ok = close_all(m->a, tb, na, o);
        }
        ag_free(tb);
        if (ok) {
            snprintf(d, size, "the claim is the transpose of the right answer (%zux%zu where %zux%zu belongs): "
                     "transpose it, or swap the arguments of outer / the factors of @", m->sb.rows, m->sb.cols,
                     m->sa.rows, m->sa.cols);
            return true;
        }
    }
    if (m->sb.ndim == 2 && m->sa.ndim <= 1) {
        double *red = ag_realloc(NULL, (m->sb.rows + m->sb.cols) * sizeof *red);
        for (int axis = 1; red && axis <= 2; axis++) {
            size_t n_out = axis == 1 ? m->sb.cols : m->sb.rows;
            if (n_out != na)
                continue;
            for (int mean = 0; mean <= 1; mean++) {
                reduce_rows(m, axis == 1, mean, red);
                if (close_all(m->a, red, na, o)) {
                    snprintf(d, size, "the claim keeps the batch axis: its %s over %s (%s(..., %d)) agrees, so the %s over "
                             "the batch is missing", mean ? "mean" : "sum", axis == 1 ? "the rows" : "the columns",
                             mean ? "mean" : "sum", axis, mean ? "mean" : "sum");
                    ag_free(red);
                    return true;
                }
            }
        }
        ag_free(red);
    }
    return false;
}

/* b = k a for one k at both matrices: the factor, or 0 when none */
static double factor(const cm *const *ms, int n_ms, const lg_check_opts *o)
{
    double k = 0;
    for (int q = 0; q < n_ms; q++) {
        const cm *m = ms[q];
        size_t n = lg__size(m->sa);
        double S = lg__scale(m->a, n);
        for (size_t i = 0; i < n; i++) {
            if (!(fabs(m->a[i]) > 1e-6 * S))
                continue;
            double r = m->b[i] / m->a[i];
            if (k == 0)
                k = r;
            else if (!(fabs(r - k) <= 1e-6 * fabs(k)))
                return 0;
        }
        for (size_t i = 0; i < n; i++)
            if (!lg__close(k * m->a[i], m->b[i], o->rtol * 100, o->stol * 100, S, 0.0))
                return 0;
    }
    return k;
}

static void name_factor(double k, char *d, size_t size)
{
    double m = 1 / k, mi = nearbyint(m), ki = nearbyint(k);
    if (fabs(k + 1) < 1e-6)
        snprintf(d, size, "the claim is -1 times the right answer: the sign is flipped (a - y where y - a belongs?)");
    else if (fabs(k - 2) < 1e-6)
        snprintf(d, size, "the claim is 2 times the right answer: an extra factor 2 (the loss has a 1/2?)");
    else if (fabs(k - 0.5) < 1e-6)
        snprintf(d, size, "the claim is 1/2 of the right answer: a factor 2 is missing (d(u^2) = 2u du)");
    else if (mi >= 3 && fabs(m - mi) < 1e-6 * mi)
        snprintf(d, size, "the claim is 1/%.0f of the right answer (a mean where the sum belongs, if %.0f is the "
                 "batch size)", mi, mi);
    else if (ki >= 3 && fabs(k - ki) < 1e-6 * ki)
        snprintf(d, size, "the claim is %.0f times the right answer (a sum where the mean belongs, if %.0f is the "
                 "batch size)", ki, ki);
    else
        snprintf(d, size, "the claim is a constant factor %.6g times the right answer", k);
}

static bool pattern(const cm *m, const lg_check_opts *o, char *d, size_t size)
{
    if (m->sa.ndim != 2 || m->sa.rows != m->sa.cols || m->sb.rows != m->sa.rows || m->sb.cols != m->sa.cols)
        return false;
    size_t n = m->sa.rows, bad_diag = 0, bad_off = 0;
    double S = lg__scale(m->a, n * n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (!lg__close(m->a[i * n + j], m->b[i * n + j], o->rtol, o->stol, S, 0.0))
                {
                if (i == j)
                    bad_diag++;
                else
                    bad_off++;
            }
    if (bad_off && !bad_diag)
        snprintf(d, size, "the diagonal (i = k) agrees; %zu off-diagonal entr%s (i != k) disagree: check the i != k case",
                 bad_off, bad_off == 1 ? "y" : "ies");
    else if (bad_diag && !bad_off)
        snprintf(d, size, "the off-diagonal entries agree; %zu diagonal entr%s (i = k) disagree: check the i = k case",
                 bad_diag, bad_diag == 1 ? "y" : "ies");
    else
        return false;
    return true;
}

static void claim_names(const lg_prog *p, int e, const char **names, int *n, int cap)
{
    if (e < 0)
        return;
    const ex_node *x = &p->ex[e];
    if (x->kind == EX_NAME) {
        for (int k = 0; k < *n; k++)
            if (strcmp(names[k], x->name) == 0)
                return;
        if (*n < cap)
            names[(*n)++] = x->name;
        return;
    }
    claim_names(p, x->a, names, n, cap);
    claim_names(p, x->b, names, n, cap);
    for (int k = 0; k < x->nkid; k++)
        claim_names(p, p->kids[x->kid0 + k], names, n, cap);
}

static bool substitution(lg_prog *p, const pts *P, const acc *a, const lg_check_opts *o, char *d, size_t size)
{
    const char *names[16];
    int n = 0, tries = 0;
    claim_names(p, a->st->expr, names, &n, 16);
    size_t j2 = a->worst > 0 ? (size_t)a->worst : (P->n_points > 1 ? 1 : 0);
    for (int k = 0; k < n; k++) {
        for (size_t i = 0; i < p->n_st && tries < 64; i++) {
            const char *to = p->st[i].name;
            if (!to || strcmp(to, names[k]) == 0 || p->st[i].kind == ST_CLAIM)
                continue;
            tries++;
            if (lg__agrees_at(p, P, 0, a->st, names[k], to, o) && lg__agrees_at(p, P, j2, a->st, names[k], to, o)) {
                snprintf(d, size, "it agrees when %s is replaced by %s: %s where %s belongs?", names[k], to, names[k], to);
                return true;
            }
        }
    }
    return false;
}

void lg__diagnose(lg_prog *p, const pts *P, const acc *a, const lg_check_opts *o, lg_claim_result *r)
{
    char *d = r->diagnosis;
    size_t size = sizeof r->diagnosis;
    d[0] = '\0';
    const cm *m = a->havew ? &a->atw : &a->at0;
    if (!a->havew && !a->have0)
        return;
    bool same = m->sa.ndim == m->sb.ndim && m->sa.rows == m->sb.rows && m->sa.cols == m->sb.cols;
    if (!same) {
        shape_diagnosis(m, o, d, size);
        return;
    }
    const cm *ms[2] = {&a->at0, &a->atw};
    int n_ms = a->have0 && a->havew ? 2 : 1;
    if (n_ms == 1)
        ms[0] = m;
    double k = factor(ms, n_ms, o);
    if (k != 0) {
        name_factor(k, d, size);
        return;
    }
    if (m->sa.ndim == 2 && m->sa.rows == m->sa.cols && shape_diagnosis(&(cm){.sa = m->sa, .sb = m->sb, .a = m->a, .b = m->b}, o, d, size))
        return;
    if (substitution(p, P, a, o, d, size))
        return;
    pattern(m, o, d, size);
}
