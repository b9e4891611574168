/*
 * cmd_check.c: `agrad check`: is my hand-derived derivative right?
 *
 * The expression and the formula (--expect) are each recorded once on their
 * own tape, over the same inputs; every point is then a replay (ag_set_value
 * on the inputs, ag_forward), not a new parse. Point 0 is the point given;
 * points 1..N (--points, default 20) move every input x to
 *   x + R·u·max(|x|, 1),  u uniform in [-1, 1]
 * (--radius R, default 0.25; u from splitmix64 seeded by --seed, default 1),
 * so the step is relative for large inputs and at least R-sized near 0.
 *
 * Inputs named by --data (labels, targets: a comma-separated list) stay
 * at their values.
 *
 * Autodiff a and formula b agree when
 *   a == b (equal infinities too), both are NaN,
 *   |a − b| <= tol·max(|a|, |b|)   (--tol, default 1e-9, relative), or
 *   |a − b| <= atol·S               (--atol, default 1e-12, times S, the
 *                                    largest |autodiff| seen so far: the
 *                                    tolerance follows the size of the
 *                                    gradient, so 5·σ'(−40) ≈ 2e-17 is
 *                                    caught where 1e-12 absolute hid it),
 * or within the formula's own rounding bound (lang's one rule, lg_agrees:
 * 2*x + 0.1 - 0.1 is right, its 0 at x = 1e-20 is rounding).
 * Points where the expression itself is not finite are outside its domain
 * and skipped (and say so). Exit 0 when every other point agrees, 1 when one
 * does not (naming the worst), 2 for usage errors.
 */
#include "cli.h"
#include "lang.h"

#include <math.h>
#include <string.h>

/* splitmix64 (Steele, Lea, Flood 2014): a full-period 64-bit generator */
static uint64_t next_u64(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* uniform in [-1, 1]: 53 random bits scaled to [0, 1], then stretched */
static double uniform_pm1(uint64_t *s) { return (double)(next_u64(s) >> 11) * 0x1.0p-52 - 1.0; }

/* lang's one tolerance rule (lg_agrees): relative, plus atol times the
 * largest |autodiff| so far, plus the formula's own rounding bound */
static bool agree(cli_prog *g, double x, double y, const cli_args *a, double scale, double *rel)
{
    double diff = fabs(x - y), big = fmax(fabs(x), fabs(y));
    *rel = big > 0 ? diff / big : (diff == 0 ? 0.0 : (double)NAN);
    if (x == y || (isnan(x) && isnan(y)))
        *rel = 0.0;
    lg_check_opts o = {(int)a->points, a->radius, a->tol, a->atol};
    return lg_agrees(x, y, &o, scale, g->t, g->start.len, g->out);
}

/* Whether name is in the --data list (comma-separated). */
static bool is_data(const cli_args *a, const char *name)
{
    size_t n = strlen(name);
    for (const char *s = a->data; s && *s; s += strcspn(s, ",") + (s[strcspn(s, ",")] == ',')) {
        if (strcspn(s, ",") == n && strncmp(s, name, n) == 0)
            return true;
    }
    return false;
}

typedef struct worst {
    long point;
    double rel, autodiff, formula;
    double *at; /* the inputs' values there */
} worst;

static int run_points(const cli_args *a, const cli_io *io, cli_prog *f, cli_prog *g, size_t wrt)
{
    size_t n = a->n_inputs;
    double *x = ag_realloc(NULL, 2 * (n + 1) * sizeof *x);
    if (!x) {
        fprintf(io->err, "agrad check: out of memory\n");
        return CLI_FAIL;
    }
    worst bad = {-1, -1.0, 0.0, 0.0, x + n + 1};
    uint64_t rng = a->seed;
    long n_bad = 0, n_skipped = 0;
    double scale = 0.0; /* the largest |autodiff| so far */
    fprintf(io->out, "%5s", "point");
    for (size_t i = 0; i < n; i++)
        fprintf(io->out, " %14s", a->inputs[i].name);
    fprintf(io->out, " %24s %24s %10s\n", "autodiff", "formula", "rel err");
    for (long k = 0; k <= a->points; k++) {
        for (size_t i = 0; i < n; i++) {
            double x0 = a->inputs[i].value;
            double u = uniform_pm1(&rng); /* drawn for data too: the other points do not move */
            x[i] = k == 0 || is_data(a, a->inputs[i].name) ? x0 : x0 + a->radius * u * fmax(fabs(x0), 1.0);
            ag_set_value(f->t, f->inputs[i], x[i]);
            if (!ag_is_null(g->inputs[i])) /* the formula need not use every input */
                ag_set_value(g->t, g->inputs[i], x[i]);
        }
        ag_zero_grad(f->t);
        if (ag_forward(f->t, f->start, f->out) != AG_OK || ag_backward(f->t, f->out) != AG_OK ||
            ag_forward(g->t, g->start, g->out) != AG_OK) {
            int rc = ag_tape_status(f->t) != AG_OK ? cli_tape_failure(f, "check", io) : cli_tape_failure(g, "check", io);
            ag_free(x);
            return rc;
        }
        double ad = ag_grad(f->t, f->inputs[wrt]), fo = ag_value(g->t, g->out), rel;
        fprintf(io->out, "%5ld", k);
        for (size_t i = 0; i < n; i++)
            fprintf(io->out, " %14.8g", x[i]);
        if (!isfinite(ag_value(f->t, f->out))) {
            fprintf(io->out, "   skipped: the expression is %g here (outside its domain)\n", ag_value(f->t, f->out));
            n_skipped++;
            continue;
        }
        if (isfinite(ad) && fabs(ad) > scale)
            scale = fabs(ad);
        bool ok = agree(g, ad, fo, a, scale, &rel);
        fprintf(io->out, " %24.17g %24.17g %10.3g%s\n", ad, fo, rel, ok ? "" : "  <-- disagrees");
        if (!ok) {
            n_bad++;
            if (bad.point < 0 || isnan(rel) || rel > bad.rel) {
                bad = (worst){k, isnan(rel) ? (double)INFINITY : rel, ad, fo, bad.at};
                memcpy(bad.at, x, n * sizeof *x);
            }
        }
    }
    long n_points = a->points + 1, n_checked = n_points - n_skipped;
    int rc = CLI_OK;
    if (n_checked == 0) {
        fprintf(io->out, "no point checked: the expression is not finite at any of the %ld points\n", n_points);
        rc = CLI_NO;
    } else if (n_bad) {
        fprintf(io->out, "DISAGREES at %ld of %ld points; worst at point %ld (", n_bad, n_checked, bad.point);
        for (size_t i = 0; i < n; i++)
            fprintf(io->out, "%s%s=%.17g", i ? ", " : "", a->inputs[i].name, bad.at[i]);
        fprintf(io->out, "): autodiff %.17g, formula %.17g, rel err %.3g (tolerance %g relative, %g times the largest "
                "|autodiff|)\n", bad.autodiff, bad.formula, bad.rel, a->tol, a->atol);
        rc = CLI_NO;
    } else {
        fprintf(io->out, "agrees: the formula matches autodiff at all %ld points checked", n_checked);
        if (n_skipped)
            fprintf(io->out, " (%ld skipped outside the domain)", n_skipped);
        fprintf(io->out, " (rel err <= %g, abs err <= %g times the largest |autodiff|, or within the formula's own rounding)\n",
                a->tol, a->atol);
    }
    ag_free(x);
    return rc;
}

int cli_check(const cli_args *a, const cli_io *io)
{
    size_t wrt = a->n_inputs;
    for (size_t i = 0; i < a->n_inputs; i++)
        if (strcmp(a->inputs[i].name, a->wrt) == 0)
            wrt = i;
    if (wrt == a->n_inputs && strchr(a->expr, '=') && !strchr(a->expect, ';'))
        return cli_check_name(a, io); /* an intermediate: the derivation language can */
    if (wrt == a->n_inputs) {
        fprintf(io->err, "agrad check: --wrt %s: '%s' is not one of the inputs given (name=value)\n", a->wrt,
                a->wrt);
        return CLI_USAGE;
    }
    cli_prog f, g;
    memset(&g, 0, sizeof g);
    int rc = cli_prog_build(&f, a, a->expr, false, "expression", io);
    if (rc == CLI_OK)
        rc = cli_prog_build(&g, a, a->expect, true, "--expect formula", io);
    if (rc == CLI_OK)
        rc = cli_anomaly(&f, io);
    if (rc == CLI_OK)
        rc = cli_anomaly(&g, io);
    if (rc == CLI_OK) {
        fprintf(io->out, "d%s/d%s of %s\n  autodiff vs the formula %s\n", cli_out_name(f.t, f.out), a->wrt, a->expr,
                a->expect);
        rc = run_points(a, io, &f, &g, wrt);
        if (rc == CLI_OK)
            rc = cli_check_kinks(a, io);
    }
    cli_prog_free(&f);
    cli_prog_free(&g);
    return rc;
}
