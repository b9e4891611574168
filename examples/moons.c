/*
 * moons.c: micrograd's demo in C. A 2-16-16-1 relu MLP learns to separate
 * the two moons with a max-margin (hinge) loss and plain SGD:
 *
 *   L = (1/N) sum_i max(0, 1 - y_i s_i) + 1e-4 sum_p p^2,  y_i in {-1, 1}
 *   p <- p - lr_k dL/dp,  lr_k = 1.0 - 0.9 k / 100   (k = 0 .. 99)
 *
 * Every step is one full-batch forward pass over the 100 points, one
 * backward pass and one update. With --replay the step's graph is recorded
 * once and then only recomputed (ag_forward) from the updated weights: the
 * same numbers, no recording (valid because the graph depends on the
 * data set's size, never on values: relu's kink changes a derivative, not
 * which nodes exist).
 *
 * usage: moons [--data FILE.csv] [--steps N] [--seed N] [--replay]
 *              [--load FILE.safetensors] [--save FILE.safetensors] [--svg DIR]
 *              [--verbose]
 * Prints "step k loss L accuracy A" every 10 steps (--verbose: every step),
 * the last step included, and, last,
 * "final loss=L accuracy=A" for the last step's forward pass.
 * Exit status: 0 when the final accuracy is 1, 1 when it is not, 2 on bad
 * usage or data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "excli.h"
#include "nn.h"
#include "svg.h"

#include <math.h>

/* ---- the training step: record (or replay), differentiate, update ----
 * bench/workloads.h compiles this part alone (EX_STEP_ONLY): the benchmark's
 * W1 measures this very step, from this one source, without the program. */

#define MOONS_SEED 1337
#define MOONS_STEPS 100

typedef struct moons_run {
    ag_tape *t;
    nn_model *model;
    nn_optim *opt;
    nn_schedule sched;
    const nn_dataset *d;
    size_t step;        /* steps taken so far (the schedule's k)             */
    ag_mark mark;       /* just above the parameters                         */
    ag_run *hidden;     /* d->rows last-hidden-layer runs (scratch)           */
    double *ymat;       /* the labels as doubles                             */
    bool recorded;      /* replay: the graph below is live                   */
    ag_run scores;      /* one score a point                                 */
    ag_node loss;
    ag_mark eval_mark;  /* above the replay graph (or = mark)                */
} moons_run;

static ag_status moons_setup(moons_run *w, const nn_dataset *d, uint64_t seed, char *why, size_t why_size)
{
    memset(w, 0, sizeof *w);
    w->d = d;
    if (d->cols != 2 || d->rows == 0) {
        snprintf(why, why_size, "the moons data needs 2 feature columns and a label, not %zu features", d->cols);
        return NN_EFORMAT;
    }
    for (size_t i = 0; i < d->rows; i++)
        if (d->y[i] != 1.0 && d->y[i] != -1.0) {
            snprintf(why, why_size, "data row %zu: label %g is not -1 or 1", i + 1, d->y[i]);
            return NN_EFORMAT;
        }
    w->t = ag_tape_new(0);
    if (!w->t) {
        snprintf(why, why_size, "out of memory");
        return AG_ENOMEM;
    }
    w->model = nn_model_new(w->t);
    w->hidden = ag_realloc(NULL, d->rows * sizeof *w->hidden);
    w->ymat = ag_realloc(NULL, d->rows * sizeof *w->ymat);
    if (!w->model || !w->hidden || !w->ymat) {
        snprintf(why, why_size, "out of memory");
        return AG_ENOMEM;
    }
    memcpy(w->ymat, d->y, d->rows * sizeof *w->ymat);
    static const size_t sizes[] = {16, 16, 1};
    static const nn_act acts[] = {NN_ACT_RELU, NN_ACT_RELU, NN_ACT_LINEAR};
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    nn_optim_opts o = {.kind = NN_OPTIM_SGD, .lr = 1.0};
    ag_status s = nn_mlp_build(w->model, 2, sizes, acts, 3, NN_INIT_UNIFORM, &rng);
    if (s == AG_OK && !(w->opt = nn_optim_new(w->model, &o)))
        s = ag_tape_status(w->t);
    if (s != AG_OK) {
        snprintf(why, why_size, "%s", ag_tape_error(w->t));
        return s;
    }
    /* micrograd: learning_rate = 1.0 - 0.9 * k / 100 */
    w->sched = (nn_schedule){.kind = NN_SCHED_LINEAR, .lr0 = 1.0, .lr_end = 0.1, .total = MOONS_STEPS};
    w->mark = w->eval_mark = ag_tape_mark(w->t);
    return AG_OK;
}

static void moons_free(moons_run *w)
{
    nn_optim_free(w->opt);
    nn_model_free(w->model);
    ag_tape_free(w->t);
    ag_free(w->hidden);
    ag_free(w->ymat);
    memset(w, 0, sizeof *w);
}

/* Record the whole-data-set loss. The hidden layers run point by point;
 * then the output layer (one linear unit: one dot node) runs for every
 * point back to back, so the N scores form one run for nn_loss (NN_LOSS_HINGE). */
static ag_node moons_record(moons_run *w)
{
    ag_tape *t = w->t;
    size_t n = w->d->rows, n_layers = 0;
    while (nn_layer_at(w->model, n_layers))
        n_layers++;
    ag_run xs = ag_consts(t, w->d->x, 2 * n);
    ag_run ys = ag_consts(t, w->ymat, n);
    if (ag_run_is_null(xs) || ag_run_is_null(ys))
        return AG_NULL;
    for (size_t i = 0; i < n; i++) {
        ag_run h = ag_run_of(ag_at(t, xs, 2 * i), 2);
        for (size_t k = 0; k + 1 < n_layers; k++)
            h = nn_dense_forward(t, nn_layer_at(w->model, k), h);
        w->hidden[i] = h;
    }
    const nn_layer *out = nn_layer_at(w->model, n_layers - 1);
    size_t before = ag_tape_len(t);
    w->scores = ag_run_of(nn_dense_forward(t, out, w->hidden[0]).first, n);
    for (size_t i = 1; i < n; i++)
        nn_dense_forward(t, out, w->hidden[i]);
    if (ag_tape_status(t) != AG_OK)
        return AG_NULL;
    if (ag_tape_len(t) - before != n) {
        ag_tape_fail(t, AG_EINVAL, "moons: the output layer did not record one node a point");
        return AG_NULL;
    }
    ag_node data = nn_loss(t, NN_LOSS_HINGE, w->scores, ys, NN_MEAN);
    ag_node reg = ag_mul(t, ag_const(t, 1e-4), ag_dot(t, nn_model_params(w->model), nn_model_params(w->model), AG_NULL));
    return ag_add(t, data, reg);
}

/* Loss and accuracy from the recorded values. */
static ag_status moons_read(moons_run *w, ag_node L, double *loss, double *accuracy)
{
    size_t n = w->d->rows, right = 0;
    double lv = ag_value(w->t, L);
    const double *sv = ag_values(w->t, w->scores);
    if (!sv || ag_tape_status(w->t) != AG_OK)
        return ag_tape_status(w->t);
    for (size_t i = 0; i < n; i++)
        right += (w->d->y[i] > 0) == (sv[i] > 0);
    *loss = lv;
    *accuracy = (double)right / (double)n;
    return AG_OK;
}

/* Loss and accuracy, then the SGD step k. */
static ag_status moons_descend(moons_run *w, ag_node L, double *loss, double *accuracy)
{
    ag_status s = moons_read(w, L, loss, accuracy);
    if (s != AG_OK)
        return s;
    nn_zero_grad(w->model);
    if ((s = ag_backward(w->t, L)) != AG_OK)
        return s;
    nn_optim_set_lr(w->opt, nn_schedule_lr(&w->sched, w->step));
    w->step++;
    return nn_optim_step(w->opt, w->model);
}

static ag_status moons_step_record(moons_run *w, double *loss, double *accuracy)
{
    ag_node L = moons_record(w);
    ag_status s = ag_is_null(L) ? ag_tape_status(w->t) : moons_descend(w, L, loss, accuracy);
    ag_tape_rewind(w->t, w->mark);
    return s;
}

static ag_status moons_step_replay(moons_run *w, double *loss, double *accuracy)
{
    if (!w->recorded) {
        w->loss = moons_record(w);
        if (ag_is_null(w->loss)) {
            ag_tape_rewind(w->t, w->mark);
            return ag_tape_status(w->t);
        }
        w->recorded = true;
        w->eval_mark = ag_tape_mark(w->t);
    } else {
        /* the weights changed: recompute every value above the mark */
        ag_status s = ag_forward(w->t, w->mark, w->loss);
        if (s != AG_OK)
            return s;
    }
    return moons_descend(w, w->loss, loss, accuracy);
}

static ag_status moons_evaluate(moons_run *w, double *loss, double *accuracy)
{
    /* recorded above a replay graph, if any, and dropped again */
    ag_mark top = ag_tape_mark(w->t);
    ag_run keep = w->scores;
    ag_node L = moons_record(w);
    ag_status s = ag_is_null(L) ? ag_tape_status(w->t) : moons_read(w, L, loss, accuracy);
    ag_tape_rewind(w->t, top);
    w->scores = keep;
    return s;
}

static double moons_score(moons_run *w, double x1, double x2)
{
    double x[2] = {x1, x2};
    ag_run s = nn_mlp_forward(w->model, ag_consts(w->t, x, 2));
    const double *v = ag_run_is_null(s) ? NULL : ag_values(w->t, s);
    double r = v ? *v : (double)NAN;
    ag_tape_rewind(w->t, w->eval_mark);
    return r;
}

/* ---- the program ---- */
#ifndef EX_STEP_ONLY

#define PROG "moons"

typedef struct options {
    const char *data, *load, *save, *svg;
    size_t steps;
    uint64_t seed;
    int replay, verbose;
} options;

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.data = "examples/data/moons.csv", .steps = MOONS_STEPS, .seed = MOONS_SEED};
    const ex_opt opts[] = {
        {"--data", EX_STR, &o->data},   {"--load", EX_STR, &o->load},      {"--save", EX_STR, &o->save},
        {"--svg", EX_STR, &o->svg},     {"--steps", EX_SIZE, &o->steps},   {"--seed", EX_U64, &o->seed},
        {"--replay", EX_FLAG, &o->replay}, {"--verbose", EX_FLAG, &o->verbose}, {NULL, EX_FLAG, NULL},
    };
    return ex_options(PROG, argc, argv, opts,
                      "[--data FILE.csv] [--steps N] [--seed N] [--replay]\n"
                      "             [--load FILE.safetensors] [--save FILE.safetensors] [--svg DIR] [--verbose]");
}

static double score_at(void *ctx, double x1, double x2) { return moons_score(ctx, x1, x2); }

static int write_svgs(moons_run *w, const char *dir, const double *curve, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/moons_boundary.svg", dir);
    if (!ex_svg_boundary(path, w->d, score_at, w))
        return EX_USAGE;
    printf("wrote %s\n", path);
    snprintf(path, sizeof path, "%s/moons_loss.svg", dir);
    if (!ex_svg_curve(path, curve, n, "moons: loss per step"))
        return EX_USAGE;
    printf("wrote %s\n", path);
    return EX_OK;
}

static int run(const options *o, const nn_dataset *d, moons_run *w, double *curve)
{
    char why[600];
    nn_error err;
    if (moons_setup(w, d, o->seed, why, sizeof why) != AG_OK) {
        fprintf(stderr, PROG ": %s: %s\n", o->data, why);
        return EX_USAGE;
    }
    if (o->load && nn_model_load(w->model, o->load, &err) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", err.message);
        return EX_USAGE;
    }
    double loss = 0, acc = 0;
    for (size_t k = 0; k < o->steps; k++) {
        ag_status s = o->replay ? moons_step_replay(w, &loss, &acc) : moons_step_record(w, &loss, &acc);
        if (s != AG_OK) {
            fprintf(stderr, PROG ": step %zu: %s\n", k, ag_tape_error(w->t));
            return EX_FAILED;
        }
        curve[k] = loss;
        if (o->verbose || k % 10 == 0 || k + 1 == o->steps)
            printf("step %zu loss %.17g accuracy %.4f\n", k, loss, acc);
    }
    if (o->steps == 0 && moons_evaluate(w, &loss, &acc) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", ag_tape_error(w->t));
        return EX_FAILED;
    }
    if (o->save) {
        if (nn_model_save(w->model, o->save, &err) != AG_OK) {
            fprintf(stderr, PROG ": %s\n", err.message);
            return EX_USAGE;
        }
        printf("saved the model to %s\n", o->save);
    }
    if (o->svg) {
        int rc = write_svgs(w, o->svg, curve, o->steps);
        if (rc != EX_OK)
            return rc;
    }
    printf("final loss=%.17g accuracy=%.4f\n", loss, acc);
    return acc == 1.0 ? EX_OK : EX_FAILED;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse(argc, argv, &o);
    if (rc != EX_OK)
        return rc;
    nn_dataset d;
    if (!ex_load_csv(PROG, o.data, &d))
        return EX_USAGE;
    double *curve = malloc((o.steps ? o.steps : 1) * sizeof *curve);
    moons_run w;
    memset(&w, 0, sizeof w);
    rc = curve ? run(&o, &d, &w, curve) : EX_FAILED;
    moons_free(&w);
    free(curve);
    nn_dataset_free(&d);
    return rc;
}
#endif /* EX_STEP_ONLY */
