/*
 * digits.c: handwritten digits (8x8 images, 64 features in [0, 1]) with an
 * MLP(64, [64, 64, 10]), relu hidden layers, softmax cross-entropy on the
 * logits and minibatch SGD (batch 32, learning rate 0.1, He-uniform
 * initial weights). The 1797 images are shuffled once with the seed: the
 * first 1440 (45 batches) train, the other 357 test. Each epoch visits the
 * training images in a new order; after it, the mean training loss and the
 * test accuracy are printed, and at the end the test set's confusion matrix.
 *
 * With --replay one batch's graph is recorded once, with the inputs and the
 * one-hot targets as constant placeholders; every batch then writes its
 * images and labels into them and replays.
 *
 * The classifier's step (clf_*, first below) is also fashion.c's training
 * step and the benchmark's W2: both compile it from this file alone
 * (EX_STEP_ONLY), so there is one source for it.
 *
 * usage: digits [--data FILE.csv] [--epochs N] [--seed N] [--replay]
 *               [--save FILE.safetensors] [--verbose]
 * --verbose prints every batch's loss.
 * Exit status: 0 when the final test accuracy is at least 95%, 1 when not,
 * 2 on bad usage or data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "excli.h"
#include "nn.h"

#include <math.h>

/* ---- a softmax-CE classifier trained by minibatch steps: record every
 * step, or record once and replay (ag_forward) with each new batch. Replay
 * is valid because an MLP's graph depends on the batch size, never on
 * values (relu's kink changes a derivative, not which nodes exist). ---- */

typedef struct clf_config {
    size_t n_in, n_classes;
    const size_t *hidden; /* widths of the relu hidden layers              */
    size_t n_hidden;
    size_t batch;         /* examples per step (the loss is their mean)     */
    nn_init init;
    nn_optim_opts optim;
    uint64_t seed;        /* initial weights                                */
} clf_config;

typedef struct clf {
    ag_tape *t;
    nn_model *model;
    nn_optim *opt;
    size_t n_in, n_classes, batch;
    ag_mark mark;     /* just above the parameters                          */
    ag_node *losses;  /* batch per-example loss nodes (scratch)             */
    double *onehot;   /* batch * n_classes targets (record mode)            */
    bool recorded;    /* replay: the graph below is live                    */
    ag_run x, y;      /* replay: input run, target run                      */
    ag_node loss;     /* replay: the mean loss                              */
    ag_mark eval_mark;  /* above the replay graph (or = mark)               */
} clf;

static ag_status clf_setup(clf *c, const clf_config *cfg)
{
    memset(c, 0, sizeof *c);
    if (cfg->n_hidden > 8 || cfg->batch == 0 || cfg->n_classes < 2 || cfg->n_in == 0)
        return AG_EINVAL;
    c->n_in = cfg->n_in;
    c->n_classes = cfg->n_classes;
    c->batch = cfg->batch;
    c->t = ag_tape_new(0);
    if (!c->t)
        return AG_ENOMEM;
    c->model = nn_model_new(c->t);
    c->losses = ag_realloc(NULL, cfg->batch * sizeof *c->losses);
    c->onehot = ag_realloc(NULL, cfg->batch * cfg->n_classes * sizeof *c->onehot);
    if (!c->model || !c->losses || !c->onehot)
        return ag_tape_fail(c->t, AG_ENOMEM, "clf_setup: out of memory");
    size_t sizes[9];
    nn_act acts[9];
    for (size_t k = 0; k < cfg->n_hidden; k++) {
        sizes[k] = cfg->hidden[k];
        acts[k] = NN_ACT_RELU;
    }
    sizes[cfg->n_hidden] = cfg->n_classes; /* logits: softmax lives in the loss */
    acts[cfg->n_hidden] = NN_ACT_LINEAR;
    nn_rng rng;
    nn_rng_seed(&rng, cfg->seed);
    ag_status s = nn_mlp_build(c->model, cfg->n_in, sizes, acts, cfg->n_hidden + 1, cfg->init, &rng);
    if (s != AG_OK)
        return s;
    c->opt = nn_optim_new(c->model, &cfg->optim);
    if (!c->opt)
        return ag_tape_status(c->t);
    c->mark = c->eval_mark = ag_tape_mark(c->t);
    return AG_OK;
}

static void clf_free(clf *c)
{
    nn_optim_free(c->opt);
    nn_model_free(c->model);
    ag_tape_free(c->t);
    ag_free(c->losses);
    ag_free(c->onehot);
    memset(c, 0, sizeof *c);
}

static void fill_onehot(double *y, const int *labels, size_t batch, size_t n_classes)
{
    memset(y, 0, batch * n_classes * sizeof *y);
    for (size_t i = 0; i < batch; i++)
        y[i * n_classes + (size_t)labels[i]] = 1.0;
}

/* Record the batch graph: L = (1/B) sum_i [logsumexp(z_i) - y_i . z_i]
 * (F17 for each example, the mean over the batch). Inputs and targets are
 * constants recorded first, so replay can overwrite them. */
static ag_node record_batch(clf *c, const double *x, const double *y, ag_run *xs, ag_run *ys)
{
    ag_tape *t = c->t;
    *xs = ag_consts(t, x, c->batch * c->n_in);
    *ys = ag_consts(t, y, c->batch * c->n_classes);
    if (ag_run_is_null(*xs) || ag_run_is_null(*ys))
        return AG_NULL;
    for (size_t i = 0; i < c->batch; i++) {
        ag_run z = nn_mlp_forward(c->model, ag_run_of(ag_at(t, *xs, i * c->n_in), c->n_in));
        ag_run yi = ag_run_of(ag_at(t, *ys, i * c->n_classes), c->n_classes);
        c->losses[i] = nn_loss(t, NN_LOSS_SOFTMAX_CE, z, yi, NN_SUM);
    }
    /* the batch mean: one SUM node over the examples' losses, times 1/B */
    ag_node sum = ag_apply(t, AG_OP_SUM, c->losses, c->batch);
    return ag_mul(t, sum, ag_const(t, 1.0 / (double)c->batch));
}

/* Gradient and update from the recorded loss L; *loss its value. */
static ag_status descend(clf *c, ag_node L, double *loss)
{
    *loss = ag_value(c->t, L);
    if (ag_tape_status(c->t) != AG_OK)
        return ag_tape_status(c->t);
    nn_zero_grad(c->model);
    ag_status s = ag_backward(c->t, L);
    return s != AG_OK ? s : nn_optim_step(c->opt, c->model);
}

static ag_status clf_step_record(clf *c, const double *x, const int *labels, double *loss)
{
    fill_onehot(c->onehot, labels, c->batch, c->n_classes);
    ag_run xs, ys;
    ag_node L = record_batch(c, x, c->onehot, &xs, &ys);
    ag_status s = ag_is_null(L) ? ag_tape_status(c->t) : descend(c, L, loss);
    ag_tape_rewind(c->t, c->mark);
    return s;
}

static ag_status clf_step_replay(clf *c, const double *x, const int *labels, double *loss)
{
    if (!c->recorded) {
        fill_onehot(c->onehot, labels, c->batch, c->n_classes);
        c->loss = record_batch(c, x, c->onehot, &c->x, &c->y);
        if (ag_is_null(c->loss)) {
            ag_tape_rewind(c->t, c->mark);
            return ag_tape_status(c->t);
        }
        c->recorded = true;
        c->eval_mark = ag_tape_mark(c->t);
    } else {
        double *xv = ag_values(c->t, c->x);
        double *yv = ag_values(c->t, c->y);
        if (!xv || !yv)
            return ag_tape_status(c->t);
        memcpy(xv, x, c->batch * c->n_in * sizeof *xv);
        fill_onehot(yv, labels, c->batch, c->n_classes);
        ag_status s = ag_forward(c->t, c->mark, c->loss);
        if (s != AG_OK)
            return s;
    }
    return descend(c, c->loss, loss);
}

static int clf_predict(clf *c, const double *x)
{
    ag_tape *t = c->t;
    ag_run z = nn_mlp_forward(c->model, ag_consts(t, x, c->n_in));
    const double *v = ag_run_is_null(z) ? NULL : ag_values(t, z);
    int best = -1;
    for (size_t k = 0; v && k < c->n_classes; k++)
        if (best < 0 || v[k] > v[best])
            best = (int)k;
    ag_tape_rewind(t, c->eval_mark);
    return best;
}

/* ---- the program: the digits data set ---- */
#ifndef EX_STEP_ONLY

#define PROG "digits"
#define FEATURES 64
#define CLASSES 10
#define BATCH 32
#define TRAIN 1440 /* 45 batches; the other rows are the test set */

typedef struct options {
    const char *data, *save;
    size_t epochs;
    uint64_t seed;
    int replay, verbose;
} options;

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.data = "examples/data/digits.csv", .epochs = 20, .seed = 1};
    const ex_opt opts[] = {
        {"--data", EX_STR, &o->data},      {"--save", EX_STR, &o->save},
        {"--epochs", EX_SIZE, &o->epochs}, {"--seed", EX_U64, &o->seed},
        {"--replay", EX_FLAG, &o->replay}, {"--verbose", EX_FLAG, &o->verbose}, {NULL, EX_FLAG, NULL},
    };
    return ex_options(PROG, argc, argv, opts,
                      "[--data FILE.csv] [--epochs N] [--seed N] [--replay]\n"
                      "              [--save FILE.safetensors] [--verbose]");
}

/* 64 features, more than TRAIN rows, labels 0..9; else a message. */
static bool valid(const char *path, const nn_dataset *d)
{
    if (d->cols != FEATURES || d->rows <= TRAIN) {
        fprintf(stderr, PROG ": %s: the digits data needs %d features and more than %d rows, not %zu x %zu\n",
                path, FEATURES, TRAIN, d->rows, d->cols);
        return false;
    }
    for (size_t i = 0; i < d->rows; i++) {
        double y = d->y[i];
        if (!(y >= 0 && y < CLASSES && y == floor(y))) {
            fprintf(stderr, PROG ": %s: data row %zu: label %g is not a digit 0..9\n", path, i + 1, y);
            return false;
        }
    }
    return true;
}

/* Test accuracy over rows test[0..n); fills confusion[true][predicted]. */
static double evaluate(clf *c, const nn_dataset *d, const size_t *test, size_t n, size_t confusion[10][10])
{
    size_t right = 0;
    memset(confusion, 0, 10 * sizeof *confusion);
    for (size_t i = 0; i < n; i++) {
        int truth = (int)d->y[test[i]], guess = clf_predict(c, d->x + test[i] * FEATURES);
        if (guess < 0)
            return -1;
        confusion[truth][guess]++;
        right += guess == truth;
    }
    return (double)right / (double)n;
}

static void print_confusion(size_t confusion[10][10])
{
    printf("confusion matrix (rows: true digit, columns: predicted)\n     ");
    for (int c = 0; c < 10; c++)
        printf("%4d", c);
    printf("\n");
    for (int r = 0; r < 10; r++) {
        printf("  %d: ", r);
        for (int c = 0; c < 10; c++)
            printf("%4zu", confusion[r][c]);
        printf("\n");
    }
}

static int train(const options *o, clf *c, const nn_dataset *d, size_t *idx)
{
    size_t n_test = d->rows - TRAIN, confusion[10][10];
    const size_t *test = idx + TRAIN;
    double xb[BATCH * FEATURES]; /* one batch of images, gathered */
    int lb[BATCH];               /* and their labels              */
    nn_rng order;
    nn_rng_seed(&order, o->seed + 1);
    double acc = 0, t0 = ex_now();
    for (size_t e = 0; e < o->epochs; e++) {
        nn_rng_shuffle(&order, idx, TRAIN); /* the training part only */
        double sum = 0;
        for (size_t b = 0; b < TRAIN / BATCH; b++) {
            const size_t *rows = idx + b * BATCH;
            for (size_t i = 0; i < BATCH; i++) {
                memcpy(xb + i * FEATURES, d->x + rows[i] * FEATURES, FEATURES * sizeof *xb);
                lb[i] = (int)d->y[rows[i]];
            }
            double loss;
            ag_status s = o->replay ? clf_step_replay(c, xb, lb, &loss) : clf_step_record(c, xb, lb, &loss);
            if (s != AG_OK) {
                fprintf(stderr, PROG ": epoch %zu batch %zu: %s\n", e, b, ag_tape_error(c->t));
                return EX_FAILED;
            }
            if (o->verbose)
                printf("batch %zu loss %.17g\n", b, loss);
            sum += loss;
        }
        acc = evaluate(c, d, test, n_test, confusion);
        printf("epoch %zu loss %.17g test accuracy %.4f (%.1f s)\n", e + 1, sum / (TRAIN / BATCH), acc,
               ex_now() - t0);
    }
    if (o->epochs == 0)
        acc = evaluate(c, d, test, n_test, confusion);
    if (acc < 0) {
        fprintf(stderr, PROG ": evaluation failed: %s\n", ag_tape_error(c->t));
        return EX_FAILED;
    }
    print_confusion(confusion);
    if (o->save) {
        nn_error err;
        if (nn_model_save(c->model, o->save, &err) != AG_OK) {
            fprintf(stderr, PROG ": %s\n", err.message);
            return EX_USAGE;
        }
        printf("saved the model to %s\n", o->save);
    }
    printf("final test accuracy=%.4f on %zu test images\n", acc, n_test);
    return acc >= 0.95 ? EX_OK : EX_FAILED;
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
    static const size_t hidden[] = {64, 64};
    clf_config cfg = {.n_in = FEATURES, .n_classes = CLASSES, .hidden = hidden, .n_hidden = 2, .batch = BATCH,
                      .init = NN_INIT_HE, .optim = {.kind = NN_OPTIM_SGD, .lr = 0.1}, .seed = o.seed};
    clf c;
    memset(&c, 0, sizeof c);
    size_t *idx = malloc(d.rows * sizeof *idx);
    if (!idx)
        rc = EX_FAILED;
    else if (!valid(o.data, &d))
        rc = EX_USAGE;
    else if (clf_setup(&c, &cfg) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", c.t ? ag_tape_error(c.t) : "out of memory");
        rc = EX_FAILED;
    } else {
        nn_rng split; /* the split, with the seed: training rows first */
        nn_rng_seed(&split, o.seed);
        for (size_t i = 0; i < d.rows; i++)
            idx[i] = i;
        nn_rng_shuffle(&split, idx, d.rows);
        rc = train(&o, &c, &d, idx);
    }
    clf_free(&c);
    free(idx);
    nn_dataset_free(&d);
    return rc;
}
#endif /* EX_STEP_ONLY */
