/*
 * fashion.c: Fashion-MNIST (70 000 28x28 grey images of clothes in 10
 * classes) with an MLP(784, [128, 10]): relu hidden layer, softmax
 * cross-entropy, minibatches of 32, Adam (lr 1e-3), He-uniform initial
 * weights. Pixels are scaled to [0, 1]. Each batch replays one recorded
 * graph (--record records every batch instead). After each
 * epoch the test accuracy over the 10 000 test images is printed.
 *
 * The data comes from Debian's dataset-fashion-mnist package, gzipped IDX
 * files in /usr/share/datasets/fashion-mnist (apt-get install
 * dataset-fashion-mnist, or `make fashion`).
 *
 * usage: fashion [--dir DIR] [--epochs N] [--train N] [--seed N] [--record]
 *                [--save FILE.safetensors]
 * --train N uses the first N training images only.
 * Exit status: 0 when the final test accuracy is at least 85%, 1 when not,
 * 2 on bad usage or a malformed file, 77 (skipped) when the data is not
 * installed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "excli.h"
#include "idx.h"
#include "nn.h"

#define PROG "fashion"

/* ---- a softmax-CE classifier trained by minibatch steps: record every
 * step, or record once and replay (ag_forward) with each new batch ---- */

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
        c->losses[i] = nn_loss_softmax_ce(t, z, ag_run_of(ag_at(t, *ys, i * c->n_classes), c->n_classes));
    }
    return nn_reduce_nodes(t, c->losses, c->batch, NN_MEAN);
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

/* ---- the program ---- */

#define PIXELS 784
#define CLASSES 10
#define BATCH 32

typedef struct options {
    const char *dir, *save;
    size_t epochs, train;
    uint64_t seed;
    int record;
} options;

typedef struct dataset {
    ex_idx images, labels;
    size_t n;
} dataset;

static const char *const class_names[CLASSES] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.dir = "/usr/share/datasets/fashion-mnist", .epochs = 3, .seed = 1};
    const ex_opt opts[] = {
        {"--dir", EX_STR, &o->dir},        {"--save", EX_STR, &o->save},    {"--epochs", EX_SIZE, &o->epochs},
        {"--train", EX_SIZE, &o->train},   {"--seed", EX_U64, &o->seed},    {"--record", EX_FLAG, &o->record},
        {NULL, EX_FLAG, NULL},
    };
    return ex_options(PROG, argc, argv, opts,
                      "[--dir DIR] [--epochs N] [--train N] [--seed N] [--record]\n"
                      "               [--save FILE.safetensors]");
}

/* Load DIR/<prefix>-images-idx3-ubyte.gz and its labels, checked against
 * each other: same count, 28x28 images, labels below 10. */
static int load(const char *dir, const char *prefix, dataset *d)
{
    char path[4096], why[1024];
    memset(d, 0, sizeof *d);
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    if (ex_idx_load(path, 3, &d->images, why, sizeof why) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", why);
        return EX_USAGE;
    }
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    if (ex_idx_load(path, 1, &d->labels, why, sizeof why) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", why);
        return EX_USAGE;
    }
    if (d->images.dims[1] != 28 || d->images.dims[2] != 28 || d->images.dims[0] != d->labels.dims[0]) {
        fprintf(stderr, PROG ": %s: %zu images of %zux%zu and %zu labels (28x28 and one label each expected)\n",
                dir, d->images.dims[0], d->images.dims[1], d->images.dims[2], d->labels.dims[0]);
        return EX_USAGE;
    }
    for (size_t i = 0; i < d->labels.count; i++)
        if (d->labels.data[i] >= CLASSES) {
            fprintf(stderr, PROG ": %s: byte %zu: label %d is not a class 0..9\n", path, 8 + i, d->labels.data[i]);
            return EX_USAGE;
        }
    d->n = d->labels.count;
    return EX_OK;
}

static void free_set(dataset *d)
{
    ex_idx_free(&d->images);
    ex_idx_free(&d->labels);
}

/* Pixels of image i scaled to [0, 1]. */
static void pixels(const dataset *d, size_t i, double *x)
{
    for (size_t k = 0; k < PIXELS; k++)
        x[k] = d->images.data[i * PIXELS + k] / 255.0;
}

static double accuracy(clf *c, const dataset *test, size_t per_class[CLASSES], double *x)
{
    size_t right = 0;
    memset(per_class, 0, CLASSES * sizeof *per_class);
    for (size_t i = 0; i < test->n; i++) {
        pixels(test, i, x);
        int guess = clf_predict(c, x), truth = test->labels.data[i];
        if (guess < 0)
            return -1;
        right += guess == truth;
        per_class[truth] += guess == truth;
    }
    return (double)right / (double)test->n;
}

static int train(const options *o, clf *c, const dataset *tr, const dataset *te)
{
    size_t n = o->train && o->train < tr->n ? o->train : tr->n, per_class[CLASSES];
    size_t *order = malloc(n * sizeof *order);
    double *xb = malloc(BATCH * PIXELS * sizeof *xb);
    int lb[BATCH], rc = EX_FAILED;
    if (!order || !xb)
        goto done;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    nn_rng rng;
    nn_rng_seed(&rng, o->seed + 1);
    double acc = 0, t0 = ex_now();
    printf("training on %zu images, testing on %zu; %s\n", n, te->n, o->record ? "recording every batch" : "replaying one recorded batch");
    for (size_t e = 0; e < o->epochs; e++) {
        nn_rng_shuffle(&rng, order, n);
        double sum = 0;
        size_t batches = n / BATCH; /* the last n % BATCH images wait for the next epoch */
        for (size_t b = 0; b < batches; b++) {
            for (size_t i = 0; i < BATCH; i++) {
                pixels(tr, order[b * BATCH + i], xb + i * PIXELS);
                lb[i] = tr->labels.data[order[b * BATCH + i]];
            }
            double loss;
            ag_status s = o->record ? clf_step_record(c, xb, lb, &loss) : clf_step_replay(c, xb, lb, &loss);
            if (s != AG_OK) {
                fprintf(stderr, PROG ": epoch %zu batch %zu: %s\n", e + 1, b, ag_tape_error(c->t));
                goto done;
            }
            sum += loss;
            if ((b + 1) % 500 == 0)
                printf("  epoch %zu batch %zu/%zu mean loss %.4f (%.0f s)\n", e + 1, b + 1, batches,
                       sum / (double)(b + 1), ex_now() - t0);
        }
        acc = accuracy(c, te, per_class, xb);
        printf("epoch %zu loss %.4f test accuracy %.4f (%.0f s)\n", e + 1, sum / (double)batches, acc,
               ex_now() - t0);
        fflush(stdout);
    }
    if (o->epochs == 0)
        acc = accuracy(c, te, per_class, xb);
    if (acc < 0) {
        fprintf(stderr, PROG ": evaluation failed: %s\n", ag_tape_error(c->t));
        goto done;
    }
    printf("test accuracy per class:");
    for (int k = 0; k < CLASSES; k++)
        printf("%s %s %.2f", k ? "," : "", class_names[k], (double)per_class[k] / 1000.0);
    printf("\n");
    if (o->save) {
        nn_error err;
        if (nn_model_save(c->model, o->save, &err) != AG_OK) {
            fprintf(stderr, PROG ": %s\n", err.message);
            rc = EX_USAGE;
            goto done;
        }
        printf("saved the model to %s\n", o->save);
    }
    printf("final test accuracy=%.4f time=%.1f s\n", acc, ex_now() - t0);
    rc = acc >= 0.85 ? EX_OK : EX_FAILED;
done:
    free(order);
    free(xb);
    return rc;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse(argc, argv, &o);
    if (rc != EX_OK)
        return rc;
    char probe[4096];
    struct stat st;
    snprintf(probe, sizeof probe, "%s/train-images-idx3-ubyte.gz", o.dir);
    if (stat(probe, &st) != 0 && errno == ENOENT) {
        printf(PROG ": skipped: the Fashion-MNIST data is not installed (%s is missing).\n"
               "Get it with:  apt-get install dataset-fashion-mnist   (or: make fashion)\n", probe);
        return EX_SKIPPED;
    }
    dataset tr, te;
    clf c;
    memset(&tr, 0, sizeof tr);
    memset(&te, 0, sizeof te);
    memset(&c, 0, sizeof c);
    static const size_t hidden[] = {128};
    clf_config cfg = {.n_in = PIXELS, .n_classes = CLASSES, .hidden = hidden, .n_hidden = 1, .batch = BATCH,
                      .init = NN_INIT_HE, .optim = {.kind = NN_OPTIM_ADAM, .lr = 1e-3}, .seed = o.seed};
    rc = load(o.dir, "train", &tr);
    if (rc == EX_OK)
        rc = load(o.dir, "t10k", &te);
    if (rc == EX_OK && clf_setup(&c, &cfg) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", c.t ? ag_tape_error(c.t) : "out of memory");
        rc = EX_FAILED;
    }
    if (rc == EX_OK)
        rc = train(&o, &c, &tr, &te);
    clf_free(&c);
    free_set(&tr);
    free_set(&te);
    return rc;
}
