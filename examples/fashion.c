/*
 * fashion.c: Fashion-MNIST (70 000 28x28 grey images of clothes in 10
 * classes) with an MLP(784, [128, 10]): relu hidden layer, softmax
 * cross-entropy, minibatches of 32, Adam (lr 1e-3), He-uniform initial
 * weights. Pixels are scaled to [0, 1]. Each batch replays one recorded
 * graph (--record records every batch instead): digits.c's classifier step,
 * on another data set. After each
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

/* ---- the training step: digits.c's classifier (clf_setup, clf_step_record,
 * clf_step_replay, clf_predict), compiled here from that one file without
 * its program (EX_STEP_ONLY). The two examples are one classifier on two
 * data sets; what differs, and lives here, is the data and its report. ---- */
#define EX_STEP_ONLY
#include "digits.c" // NOLINT(bugprone-suspicious-include): the classifier's one source
#undef EX_STEP_ONLY

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
