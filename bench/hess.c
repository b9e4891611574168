/*
 * bench/hess.c: the cost of second order (issue 11).
 *
 *  1. A Hessian-vector product against one gradient, on the W1 and W2
 *     models: "gradient" = record the loss + ag_backward; "HVP" = record the
 *     loss + ag_hvp over every parameter (forward over reverse: a tangent
 *     sweep and one backward sweep of adjoints and their tangents);
 *     "recorded" = record the loss + ag_hvp_recorded (reverse over reverse:
 *     records the backward pass as nodes, then one backward through it),
 *     so the choice is measured. Target: HVP <= 5x gradient.
 *       W1  moons: MLP(2, [16, 16, 1]) relu, the 100 points of moons.csv,
 *           mean hinge + 1e-4 L2 (337 parameters)
 *       W2  digits: MLP(64, [64, 64, 10]) relu, softmax-CE over a batch of 32
 *           rows of digits.csv (8970 parameters)
 *  2. The full Hessian (ag_hessian: n products H e_k) of MLP(4, [h, h, 1]) tanh with ½SE over
 *     16 points, for h = 3 .. 20 (n = h^2 + 7h + 1 parameters: 31 .. 541,
 *     99 at h = 7): time, and the peak of the bytes agrad has allocated
 *     (through the allocation hook: tape, scratch and the n x n result)
 *     during the call, with the growth exponents between sizes; beside it,
 *     the time of the same Hessian by reverse over reverse (ag_grad_nodes,
 *     then a backward per row: the measured alternative).
 * Medians of REPS runs, ratios within this one run.
 *
 * Usage: hess [--json] [--data DIR]
 */
#include "autograd.h"
#include "nn.h"
#include "nn_io.h"
#include "w_timing.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPS 15

/* ---- a counting allocator: live and peak bytes through agrad's hook ---- */

static size_t live_bytes, peak_bytes;

static void *counting(void *ctx, void *p, size_t n)
{
    (void)ctx;
    size_t *h = p ? (size_t *)p - 2 : NULL; /* two words keep 16-byte alignment */
    size_t old = h ? h[0] : 0;
    if (n == 0) {
        live_bytes -= old;
        free(h);
        return NULL;
    }
    size_t *q = realloc(h, n + 2 * sizeof(size_t));
    if (!q)
        return NULL;
    q[0] = n;
    live_bytes += n - old;
    if (live_bytes > peak_bytes)
        peak_bytes = live_bytes;
    return q + 2;
}

/* ---- the two models ---- */

typedef struct model {
    const char *name;
    ag_tape *t;
    nn_model *m;
    nn_dataset d;
    size_t rows;       /* samples in one loss                                */
    bool moons;
} model;

static ag_node record_loss(model *w)
{
    ag_tape *t = w->t;
    size_t n_in = w->d.cols;
    ag_node *terms = malloc(w->rows * sizeof *terms);
    for (size_t i = 0; i < w->rows; i++) {
        ag_run x = ag_consts(t, w->d.x + i * n_in, n_in);
        ag_run s = nn_mlp_forward(w->m, x);
        if (w->moons) {
            terms[i] = nn_loss(t, NN_LOSS_HINGE, s, ag_consts(t, &w->d.y[i], 1), NN_SUM);
        } else {
            double onehot[10] = {0};
            onehot[(int)w->d.y[i]] = 1.0;
            terms[i] = nn_loss(t, NN_LOSS_SOFTMAX_CE, s, ag_consts(t, onehot, 10), NN_SUM);
        }
    }
    ag_node L = ag_mul(t, ag_const(t, 1.0 / (double)w->rows), ag_apply(t, AG_OP_SUM, terms, w->rows));
    free(terms);
    if (w->moons)
        L = ag_add(t, L, ag_mul(t, ag_const(t, 1e-4), ag_dot(t, nn_model_params(w->m), nn_model_params(w->m), AG_NULL)));
    return L;
}

static bool model_init(model *w, const char *dir, bool moons)
{
    char path[512];
    nn_error err;
    snprintf(path, sizeof path, "%s/%s", dir, moons ? "moons.csv" : "digits.csv");
    *w = (model){moons ? "W1 moons" : "W2 digits", ag_tape_new(0), NULL, {0}, moons ? 100 : 32, moons};
    if (nn_csv_load(path, &(nn_csv_opts){-1, 1}, &w->d, &err) != AG_OK) {
        fprintf(stderr, "bench/hess: %s\n", err.message);
        return false;
    }
    w->m = nn_model_new(w->t);
    nn_rng rng;
    nn_rng_seed(&rng, 1337);
    size_t s1[] = {16, 16, 1}, s2[] = {64, 64, 10};
    nn_act acts[] = {NN_ACT_RELU, NN_ACT_RELU, NN_ACT_LINEAR};
    return nn_mlp_build(w->m, w->d.cols, moons ? s1 : s2, acts, 3, NN_INIT_HE, &rng) == AG_OK;
}

static void model_free(model *w)
{
    nn_model_free(w->m);
    ag_tape_free(w->t);
    nn_dataset_free(&w->d);
}

typedef struct hvp_result {
    double grad_s, hvp_s, ratio, rr_s, rr_ratio;
    double best_ratio, rr_best; /* fastest HVP over fastest gradient: less exposed to load */
    double max_diff;            /* max |HVP - recorded| / max |recorded|             */
    size_t params, fwd_nodes, recorded_nodes;
} hvp_result;

static int bench_hvp(model *w, hvp_result *r)
{
    ag_tape *t = w->t;
    ag_run p = nn_model_params(w->m);
    size_t n = p.n;
    double *v = malloc(n * sizeof *v), *hv = malloc(n * sizeof *hv), *hr = malloc(n * sizeof *hr);
    double tg[REPS], th[REPS], tr[REPS];
    ag_node *g = malloc(2 * n * sizeof *g), *pl = g + n; /* pl: p's handles, listed */
    for (size_t k = 0; k < n; k++)
        pl[k] = ag_at(t, p, k);
    for (size_t k = 0; k < n; k++)
        v[k] = sin((double)k);
    ag_mark m = ag_tape_mark(t);
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = bench_now();
        ag_node L = record_loss(w);
        nn_zero_grad(w->m);
        ag_backward(t, L);
        double t1 = bench_now();
        ag_tape_rewind(t, m);
        double t2 = bench_now();
        L = record_loss(w);
        ag_hvp(t, L, p, v, hv);
        double t3 = bench_now();
        ag_tape_rewind(t, m);
        double t4 = bench_now();
        L = record_loss(w);
        ag_hvp_recorded(t, L, p, v, hr);
        double t5 = bench_now();
        tg[rep] = t1 - t0;
        th[rep] = t3 - t2;
        tr[rep] = t5 - t4;
        if (rep == 0) {
            double d = 0.0, big = 0.0;
            for (size_t k = 0; k < n; k++) {
                d = fmax(d, fabs(hv[k] - hr[k]));
                big = fmax(big, fabs(hr[k]));
            }
            r->max_diff = d / big;
            r->fwd_nodes = ag_tape_len(t) - m.len;
            ag_grad_nodes(t, L, pl, n, g);
            r->recorded_nodes = ag_tape_len(t) - m.len - r->fwd_nodes;
        }
        ag_tape_rewind(t, m);
    }
    int ok = ag_tape_status(t) == AG_OK;
    if (!ok)
        fprintf(stderr, "bench/hess: %s: %s\n", w->name, ag_tape_error(t));
    r->grad_s = bench_median(tg, REPS); /* sorts tg and th */
    r->hvp_s = bench_median(th, REPS);
    r->rr_s = bench_median(tr, REPS);
    r->best_ratio = th[0] / tg[0];
    r->rr_best = tr[0] / tg[0];
    r->ratio = r->hvp_s / r->grad_s;
    r->rr_ratio = r->rr_s / r->grad_s;
    r->params = n;
    free(v), free(hv), free(hr), free(g);
    return ok;
}

/* ---- the full Hessian of MLP(4, [h, h, 1]) ---- */

typedef struct full_result {
    size_t h, n;
    double secs, rr_secs; /* ag_hessian (n forward-over-reverse products);
                           * the recorded way: ag_grad_nodes, then the
                           * Jacobian of the gradient nodes (a backward per row) */
    size_t peak, result_bytes;
} full_result;

static int bench_full(size_t h, full_result *r)
{
    live_bytes = peak_bytes = 0;
    ag_set_allocator(counting, NULL);
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, 5);
    size_t sizes[] = {h, h, 1};
    nn_act acts[] = {NN_ACT_TANH, NN_ACT_TANH, NN_ACT_LINEAR};
    nn_mlp_build(m, 4, sizes, acts, 3, NN_INIT_XAVIER, &rng);
    ag_run p = nn_model_params(m);
    size_t n = p.n;
    ag_node terms[16];
    for (int i = 0; i < 16; i++) {
        double x[4] = {sin(i), cos(3.0 * i), 0.1 * i, 1.0 - 0.05 * i}, y = sin(0.4 * i);
        ag_run out = nn_mlp_forward(m, ag_consts(t, x, 4));
        terms[i] = nn_loss(t, NN_LOSS_HALF_SE, out, ag_consts(t, &y, 1), NN_SUM);
    }
    ag_node L = ag_apply(t, AG_OP_SUM, terms, 16);
    double times[REPS], *H = NULL;
    size_t before = live_bytes, peak = 0;
    int reps = h >= 14 ? 3 : REPS;
    for (int rep = 0; rep < reps; rep++) {
        peak_bytes = live_bytes;
        double t0 = bench_now();
        ag_hessian(t, L, p, &H);
        times[rep] = bench_now() - t0;
        if (peak_bytes - before > peak)
            peak = peak_bytes - before;
        ag_free(H);
    }
    /* the alternative measured: reverse over reverse, as ag_hessian was */
    double htimes[REPS];
    ag_node *g = malloc(2 * n * sizeof *g), *pl = g + n; /* pl: p's handles, listed */
    for (size_t k = 0; k < n; k++)
        pl[k] = ag_at(t, p, k);
    for (int rep = 0; rep < reps; rep++) {
        ag_mark mk = ag_tape_mark(t);
        double t0 = bench_now();
        ag_grad_nodes(t, L, pl, n, g);
        ag_jacobian(t, g, n, p, &H);
        htimes[rep] = bench_now() - t0;
        ag_free(H);
        ag_tape_rewind(t, mk);
    }
    free(g);
    int ok = ag_tape_status(t) == AG_OK;
    nn_model_free(m);
    ag_tape_free(t);
    ag_set_allocator(NULL, NULL);
    *r = (full_result){h, n, bench_median(times, reps), bench_median(htimes, reps), peak, n * n * sizeof(double)};
    return ok;
}

int main(int argc, char **argv)
{
    bool json = false;
    const char *dir = "examples/data";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            dir = argv[++i];
        else {
            fprintf(stderr, "usage: hess [--json] [--data DIR]\n");
            return 2;
        }
    }
    hvp_result hr[2];
    for (int k = 0; k < 2; k++) {
        model w;
        int ok = model_init(&w, dir, k == 0) && bench_hvp(&w, &hr[k]);
        model_free(&w);
        if (!ok)
            return 1;
    }
    static const size_t HS[] = {3, 5, 7, 10, 14, 20};
    enum { NH = sizeof HS / sizeof HS[0] };
    full_result fr[NH];
    for (int k = 0; k < NH; k++)
        if (!bench_full(HS[k], &fr[k]))
            return 1;
    if (json) {
        printf("{\"hvp\": [");
        for (int k = 0; k < 2; k++)
            printf("%s{\"model\": \"%s\", \"params\": %zu, \"gradient_s\": %.6g, \"hvp_s\": %.6g, \"ratio\": %.3f, "
                   "\"best_ratio\": %.3f, \"recorded_hvp_s\": %.6g, \"recorded_ratio\": %.3f, "
                   "\"recorded_best_ratio\": %.3f, \"max_rel_diff\": %.3g, \"forward_nodes\": %zu, "
                   "\"recorded_backward_nodes\": %zu}",
                   k ? ", " : "", k ? "W2" : "W1", hr[k].params, hr[k].grad_s, hr[k].hvp_s, hr[k].ratio, hr[k].best_ratio,
                   hr[k].rr_s, hr[k].rr_ratio, hr[k].rr_best, hr[k].max_diff, hr[k].fwd_nodes, hr[k].recorded_nodes);
        printf("], \"hessian\": [");
        for (int k = 0; k < NH; k++)
            printf("%s{\"n\": %zu, \"seconds\": %.6g, \"recorded_seconds\": %.6g, \"peak_bytes\": %zu}", k ? ", " : "",
                   fr[k].n, fr[k].secs, fr[k].rr_secs, fr[k].peak);
        printf("]}\n");
        return 0;
    }
    printf("Hessian-vector product vs one gradient (record the loss, then backward / HVP), medians of %d\n", REPS);
    printf("  %-10s %7s %11s %11s %8s %7s %11s %8s %7s %8s %9s %12s\n", "model", "params", "gradient", "fwd/rev",
           "HVP/grad", "(best)", "rev/rev", "HVP/grad", "(best)", "rel diff", "fwd nodes", "recorded bwd");
    for (int k = 0; k < 2; k++)
        printf("  %-10s %7zu %8.3f ms %8.3f ms %7.2fx %6.2fx %8.3f ms %7.2fx %6.2fx %8.1e %9zu %12zu\n",
               k ? "W2 digits" : "W1 moons", hr[k].params, 1e3 * hr[k].grad_s, 1e3 * hr[k].hvp_s, hr[k].ratio,
               hr[k].best_ratio, 1e3 * hr[k].rr_s, hr[k].rr_ratio, hr[k].rr_best, hr[k].max_diff, hr[k].fwd_nodes,
               hr[k].recorded_nodes);
    printf("  (fwd/rev: ag_hvp, forward over reverse; rev/rev: ag_hvp_recorded, reverse over reverse; best: fastest\n"
           "   HVP over fastest gradient of the %d runs; rel diff: max |difference| / max |H v| between the two)\n",
           REPS);
    printf("full Hessian (ag_hessian) of MLP(4, [h, h, 1]), 16 points; peak = most bytes agrad held during the call\n");
    printf("  %4s %6s %12s %14s %14s %12s %12s %12s\n", "h", "n", "time", "peak", "n*n*8", "time exp", "peak exp",
           "recorded");
    for (int k = 0; k < NH; k++) {
        double te = k ? log(fr[k].secs / fr[k - 1].secs) / log((double)fr[k].n / (double)fr[k - 1].n) : (double)NAN;
        double pe = k ? log((double)fr[k].peak / (double)fr[k - 1].peak) / log((double)fr[k].n / (double)fr[k - 1].n) : (double)NAN;
        printf("  %4zu %6zu %9.3f ms %11.1f KiB %11.1f KiB %12.2f %12.2f %9.3f ms\n", fr[k].h, fr[k].n, 1e3 * fr[k].secs,
               (double)fr[k].peak / 1024, (double)fr[k].result_bytes / 1024, te, pe, 1e3 * fr[k].rr_secs);
    }
    printf("  (exp: growth exponent d log / d log n from the row above; recorded: the same Hessian by reverse\n"
           "   over reverse, ag_grad_nodes then a backward per row, the alternative to ag_hessian's n products)\n");
    return 0;
}
