/*
 * bench/bench.c: the engine against hand-written backprop (issue 5).
 *
 *   W1  moons: MLP(2, [16, 16, 1]), hinge + 1e-4 L2, 100 full-batch SGD steps
 *   W2  digits: MLP(64, [64, 64, 10]), softmax-CE, batch 32, one epoch (45
 *       batches) of SGD with learning rate 0.1
 *
 * Each three ways from the same initial weights and data, in one run:
 * (a) the engine re-recording every step, (b) the engine replaying one
 * recorded step, (c) plain arrays and the seed formulas (bench/w_hand.c).
 * The engine ways run exactly the examples' training code (examples/lib).
 * All three must reach the same final loss within 1e-9, or the bench fails.
 * Times are medians of REPS repetitions of the training loop alone (setup
 * excluded); ratios are taken within this one run.
 *
 * Usage: bench [--json] [--reps N] [--data DIR] [--only W1|W2]
 */
#include "w_hand.h"
#include "w_timing.h"
#include "workloads.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define MAX_REPS 51
#define TOL 1e-9


static long peak_rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* What one workload measured. */
typedef struct result {
    const char *name;
    double record_s, replay_s, hand_s;      /* medians                       */
    double loss_record, loss_replay, loss_hand;
    size_t steps, nodes_per_step, edges_per_step;
    double bytes_per_node;
    long peak_rss_kb;
} result;

/* Nodes, edges and bytes of the step graph recorded above `mark`. */
static void graph_size(ag_tape *t, ag_mark mark, result *r)
{
    ag_mark top = ag_tape_mark(t);
    size_t nodes = top.len - mark.len, edges = 0;
    for (size_t i = mark.len; i < top.len; i++)
        edges += ag_node_arity(t, ag_node_from_index(t, i));
    r->nodes_per_step = nodes;
    r->edges_per_step = edges;
    /* value + gradient + link word per node, plus the n-ary operand words */
    r->bytes_per_node = (24.0 * (double)nodes + 4.0 * (double)(top.aux_len - mark.aux_len)) / (double)nodes;
}

/* Copy a model's dense layers into the hand-written network. */
static void copy_weights(nn_model *m, hand_mlp *h)
{
    ag_tape *t = nn_model_tape(m);
    const nn_layer *ly;
    for (size_t l = 0; (ly = nn_layer_at(m, l)); l++) {
        memcpy(h->w[l], ag_values(t, ly->w), ly->n_in * ly->n_out * sizeof(double));
        memcpy(h->b[l], ag_values(t, ly->b), ly->n_out * sizeof(double));
    }
}

/* ---- W1: moons ---- */

static int moons_engine(const nn_dataset *d, bool replay, double *secs, double *loss, result *r)
{
    moons_run w;
    char why[256] = "";
    if (moons_setup(&w, d, MOONS_SEED, why, sizeof why) != AG_OK) {
        fprintf(stderr, "bench: moons: %s\n", why);
        moons_free(&w);
        return 1;
    }
    double acc = 0, t0 = bench_now();
    ag_status s = AG_OK;
    for (size_t k = 0; k < MOONS_STEPS && s == AG_OK; k++)
        s = replay ? moons_step_replay(&w, loss, &acc) : moons_step_record(&w, loss, &acc);
    *secs = bench_now() - t0;
    if (s != AG_OK)
        fprintf(stderr, "bench: moons: %s\n", ag_tape_error(w.t));
    else if (replay && r)
        graph_size(w.t, w.mark, r);
    moons_free(&w);
    return s != AG_OK;
}

static int moons_hand(const nn_dataset *d, double *secs, double *loss)
{
    /* the same initial weights: built by the engine's setup, copied over */
    moons_run w;
    char why[256] = "";
    hand_mlp h;
    static const size_t sizes[] = {16, 16, 1};
    static const hand_act acts[] = {HAND_RELU, HAND_RELU, HAND_LINEAR};
    if (moons_setup(&w, d, MOONS_SEED, why, sizeof why) != AG_OK ||
        hand_mlp_init(&h, 2, sizes, acts, 3, d->rows) != 0) {
        fprintf(stderr, "bench: moons (hand): %s\n", why[0] ? why : "out of memory");
        moons_free(&w);
        return 1;
    }
    copy_weights(w.model, &h);
    double t0 = bench_now();
    for (size_t k = 0; k < MOONS_STEPS; k++)
        *loss = hand_hinge_step(&h, d->x, d->y, d->rows, 1e-4, nn_schedule_lr(&w.sched, k));
    *secs = bench_now() - t0;
    hand_mlp_free(&h);
    moons_free(&w);
    return 0;
}

/* ---- W2: digits, one epoch ---- */

#define DIGITS_STEPS (DIGITS_TRAIN / DIGITS_BATCH)

static int digits_engine(const nn_dataset *d, const size_t *idx, bool replay, double *secs, double *loss,
                         result *r)
{
    digits_run w;
    char why[256] = "";
    if (digits_setup(&w, d, 1, why, sizeof why) != AG_OK) {
        fprintf(stderr, "bench: digits: %s\n", why);
        digits_free(&w);
        return 1;
    }
    double t0 = bench_now();
    ag_status s = AG_OK;
    for (size_t b = 0; b < DIGITS_STEPS && s == AG_OK; b++) {
        const size_t *rows = idx + b * DIGITS_BATCH;
        s = replay ? digits_step_replay(&w, rows, loss) : digits_step_record(&w, rows, loss);
    }
    *secs = bench_now() - t0;
    if (s != AG_OK)
        fprintf(stderr, "bench: digits: %s\n", ag_tape_error(w.c.t));
    else if (replay && r)
        graph_size(w.c.t, w.c.mark, r);
    digits_free(&w);
    return s != AG_OK;
}

static int digits_hand(const nn_dataset *d, const size_t *idx, double *secs, double *loss)
{
    digits_run w;
    char why[256] = "";
    hand_mlp h;
    static const size_t sizes[] = {64, 64, DIGITS_CLASSES};
    static const hand_act acts[] = {HAND_RELU, HAND_RELU, HAND_LINEAR};
    double *x = malloc(DIGITS_TRAIN * DIGITS_FEATURES * sizeof *x);
    int *labels = malloc(DIGITS_TRAIN * sizeof *labels);
    if (!x || !labels || digits_setup(&w, d, 1, why, sizeof why) != AG_OK ||
        hand_mlp_init(&h, DIGITS_FEATURES, sizes, acts, 3, DIGITS_BATCH) != 0) {
        fprintf(stderr, "bench: digits (hand): %s\n", why[0] ? why : "out of memory");
        free(x);
        free(labels);
        digits_free(&w);
        return 1;
    }
    copy_weights(w.c.model, &h);
    /* the epoch's rows gathered in order, outside the timed loop (the
     * engine gathers each batch inside its step: that is in its time) */
    for (size_t i = 0; i < DIGITS_TRAIN; i++) {
        memcpy(x + i * DIGITS_FEATURES, d->x + idx[i] * DIGITS_FEATURES, DIGITS_FEATURES * sizeof *x);
        labels[i] = (int)d->y[idx[i]];
    }
    double t0 = bench_now();
    for (size_t b = 0; b < DIGITS_STEPS; b++)
        *loss = hand_softmax_ce_step(&h, x + b * DIGITS_BATCH * DIGITS_FEATURES, labels + b * DIGITS_BATCH,
                                     DIGITS_BATCH, DIGITS_LR);
    *secs = bench_now() - t0;
    hand_mlp_free(&h);
    digits_free(&w);
    free(x);
    free(labels);
    return 0;
}

/* ---- driver ---- */

typedef int (*way_fn)(void *ctx, int way, double *secs, double *loss, result *r);

typedef struct moons_ctx {
    const nn_dataset *d;
} moons_ctx;

static int moons_way(void *ctx, int way, double *secs, double *loss, result *r)
{
    const nn_dataset *d = ((moons_ctx *)ctx)->d;
    return way == 2 ? moons_hand(d, secs, loss) : moons_engine(d, way == 1, secs, loss, r);
}

typedef struct digits_ctx {
    const nn_dataset *d;
    const size_t *idx;
} digits_ctx;

static int digits_way(void *ctx, int way, double *secs, double *loss, result *r)
{
    digits_ctx *c = ctx;
    return way == 2 ? digits_hand(c->d, c->idx, secs, loss) : digits_engine(c->d, c->idx, way == 1, secs, loss, r);
}

/* Run the three ways REPS times each, interleaved so that a slow spell of
 * the machine hits all three alike; medians; check the losses agree. */
static int run(result *r, way_fn fn, void *ctx, int reps)
{
    double t[3][MAX_REPS], loss[3] = {0, 0, 0};
    for (int k = 0; k < reps; k++)
        for (int way = 0; way < 3; way++)
            if (fn(ctx, way, &t[way][k], &loss[way], r) != 0)
                return 1;
    r->record_s = bench_median(t[0], reps);
    r->replay_s = bench_median(t[1], reps);
    r->hand_s = bench_median(t[2], reps);
    r->loss_record = loss[0];
    r->loss_replay = loss[1];
    r->loss_hand = loss[2];
    r->peak_rss_kb = peak_rss_kb();
    double scale = fmax(fabs(loss[2]), 1.0);
    if (!(fabs(loss[0] - loss[2]) <= TOL * scale && fabs(loss[1] - loss[2]) <= TOL * scale)) {
        fprintf(stderr, "bench: %s: final losses disagree: record %.17g, replay %.17g, hand %.17g\n", r->name,
                loss[0], loss[1], loss[2]);
        return 1;
    }
    return 0;
}

static void print_json(const result *r, size_t n)
{
    printf("{");
    for (size_t k = 0; k < n; k++) {
        const result *w = &r[k];
        printf("%s\"%s\": {\"record_s\": %.6g, \"replay_s\": %.6g, \"hand_s\": %.6g, "
               "\"ratio_record\": %.4f, \"ratio_replay\": %.4f, \"nodes_per_step\": %zu, "
               "\"edges_per_step\": %zu, \"ns_per_node_record\": %.3f, \"ns_per_node_replay\": %.3f, "
               "\"bytes_per_node\": %.2f, \"peak_rss_mb\": %.1f, \"final_loss\": %.17g}",
               k ? ", " : "", w->name, w->record_s, w->replay_s, w->hand_s, w->record_s / w->hand_s,
               w->replay_s / w->hand_s, w->nodes_per_step, w->edges_per_step,
               1e9 * w->record_s / (double)(w->steps * w->nodes_per_step),
               1e9 * w->replay_s / (double)(w->steps * w->nodes_per_step), w->bytes_per_node,
               (double)w->peak_rss_kb / 1024.0, w->loss_hand);
    }
    printf("}\n");
}

static void print_table(const result *r, size_t n, int reps)
{
    printf("agrad vs hand-written backprop: medians of %d runs of the training loop\n", reps);
    printf("%-4s %10s %10s %10s %8s %8s %8s %8s %7s %7s %8s %9s\n", "", "record ms", "replay ms", "hand ms",
           "rec/hand", "rep/hand", "nodes", "edges", "ns/node", "B/node", "RSS MiB", "loss");
    for (size_t k = 0; k < n; k++) {
        const result *w = &r[k];
        printf("%-4s %10.3f %10.3f %10.3f %8.2f %8.2f %8zu %8zu %7.2f %7.2f %8.1f %9.6f\n", w->name,
               1e3 * w->record_s, 1e3 * w->replay_s, 1e3 * w->hand_s, w->record_s / w->hand_s,
               w->replay_s / w->hand_s, w->nodes_per_step, w->edges_per_step,
               1e9 * w->record_s / (double)(w->steps * w->nodes_per_step), w->bytes_per_node,
               (double)w->peak_rss_kb / 1024.0, w->loss_hand);
    }
    printf("(nodes and edges per step; ns/node when recording; final losses agree within %g)\n", TOL);
}

int main(int argc, char **argv)
{
    bool json = false;
    int reps = 7;
    const char *dir = "examples/data", *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            json = true;
        else if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
            only = argv[++i];
        else {
            fprintf(stderr, "usage: bench [--json] [--reps N (1..%d)] [--data DIR] [--only W1|W2]\n", MAX_REPS);
            return 2;
        }
    }
    if (reps < 1 || reps > MAX_REPS) {
        fprintf(stderr, "bench: --reps takes 1 to %d\n", MAX_REPS);
        return 2;
    }
    char path[1024];
    nn_dataset moons = {0}, digits = {0};
    nn_error err;
    nn_csv_opts opts = {.label_col = -1, .header = 1};
    snprintf(path, sizeof path, "%s/moons.csv", dir);
    if (nn_csv_load(path, &opts, &moons, &err) != AG_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        return 2;
    }
    snprintf(path, sizeof path, "%s/digits.csv", dir);
    if (nn_csv_load(path, &opts, &digits, &err) != AG_OK) {
        fprintf(stderr, "bench: %s\n", err.message);
        nn_dataset_free(&moons);
        return 2;
    }
    size_t *idx = malloc(digits.rows * sizeof *idx);
    if (!idx) {
        fprintf(stderr, "bench: out of memory\n");
        return 1;
    }
    digits_shuffle(idx, digits.rows, 1); /* the examples' split: train first */

    result r[2] = {{.name = "W1", .steps = MOONS_STEPS}, {.name = "W2", .steps = DIGITS_STEPS}};
    moons_ctx mc = {&moons};
    digits_ctx dc = {&digits, idx};
    bool w1 = !only || strcmp(only, "W1") == 0, w2 = !only || strcmp(only, "W2") == 0;
    int fail = (w1 && run(&r[0], moons_way, &mc, reps)) || (w2 && run(&r[1], digits_way, &dc, reps));
    const result *shown = w1 ? r : r + 1;
    size_t n_shown = (size_t)w1 + (size_t)w2;
    if (!fail && n_shown) {
        if (json)
            print_json(shown, n_shown);
        else
            print_table(shown, n_shown, reps);
    }
    free(idx);
    nn_dataset_free(&moons);
    nn_dataset_free(&digits);
    return fail;
}
