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
 * images and labels into them and replays (classifier.h).
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
#include "workloads.h"

#define PROG "digits"

typedef struct options {
    const char *data, *save;
    size_t epochs;
    uint64_t seed;
    int replay, verbose;
} options;

static int usage(void)
{
    fprintf(stderr, "usage: " PROG " [--data FILE.csv] [--epochs N] [--seed N] [--replay]\n"
                    "              [--save FILE.safetensors] [--verbose]\n");
    return EX_USAGE;
}

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.data = "examples/data/digits.csv", .epochs = 20, .seed = 1};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--replay") == 0) {
            o->replay = 1;
            continue;
        }
        if (strcmp(a, "--verbose") == 0) {
            o->verbose = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || strcmp(a, "--help") == 0 || !(v = ex_optarg(PROG, argc, argv, &i)))
            return usage();
        if (strcmp(a, "--data") == 0)
            o->data = v;
        else if (strcmp(a, "--save") == 0)
            o->save = v;
        else if (strcmp(a, "--epochs") == 0) {
            if (!ex_parse_size(PROG, a, v, &o->epochs))
                return EX_USAGE;
        } else if (strcmp(a, "--seed") == 0) {
            if (!ex_parse_u64(PROG, a, v, &o->seed))
                return EX_USAGE;
        } else
            return usage();
    }
    return EX_OK;
}

/* Test accuracy over rows test[0..n); fills confusion[true][predicted]. */
static double evaluate(digits_run *w, const size_t *test, size_t n, size_t confusion[10][10])
{
    size_t right = 0;
    memset(confusion, 0, 10 * sizeof *confusion);
    for (size_t i = 0; i < n; i++) {
        int truth = (int)w->d->y[test[i]], guess = digits_predict(w, test[i]);
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

static int train(const options *o, digits_run *w, size_t *idx)
{
    size_t n_test = w->d->rows - DIGITS_TRAIN, confusion[10][10];
    const size_t *test = idx + DIGITS_TRAIN;
    nn_rng order;
    nn_rng_seed(&order, o->seed + 1);
    double acc = 0, t0 = ex_now();
    for (size_t e = 0; e < o->epochs; e++) {
        nn_rng_shuffle(&order, idx, DIGITS_TRAIN); /* the training part only */
        double sum = 0;
        for (size_t b = 0; b < DIGITS_TRAIN / DIGITS_BATCH; b++) {
            double loss;
            const size_t *rows = idx + b * DIGITS_BATCH;
            ag_status s = o->replay ? digits_step_replay(w, rows, &loss) : digits_step_record(w, rows, &loss);
            if (s != AG_OK) {
                fprintf(stderr, PROG ": epoch %zu batch %zu: %s\n", e, b, ag_tape_error(w->c.t));
                return EX_FAILED;
            }
            if (o->verbose)
                printf("batch %zu loss %.17g\n", b, loss);
            sum += loss;
        }
        acc = evaluate(w, test, n_test, confusion);
        printf("epoch %zu loss %.17g test accuracy %.4f (%.1f s)\n", e + 1,
               sum / (DIGITS_TRAIN / DIGITS_BATCH), acc, ex_now() - t0);
    }
    if (o->epochs == 0)
        acc = evaluate(w, test, n_test, confusion);
    if (acc < 0) {
        fprintf(stderr, PROG ": evaluation failed: %s\n", ag_tape_error(w->c.t));
        return EX_FAILED;
    }
    print_confusion(confusion);
    if (o->save) {
        nn_error err;
        if (nn_model_save(w->c.model, o->save, &err) != AG_OK) {
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
    digits_run w;
    char why[600];
    size_t *idx = malloc(d.rows * sizeof *idx);
    if (!idx)
        rc = EX_FAILED;
    else if (digits_setup(&w, &d, o.seed, why, sizeof why) != AG_OK) {
        fprintf(stderr, PROG ": %s: %s\n", o.data, why);
        rc = EX_USAGE;
    } else {
        digits_shuffle(idx, d.rows, o.seed); /* the split: train first */
        rc = train(&o, &w, idx);
    }
    digits_free(&w);
    free(idx);
    nn_dataset_free(&d);
    return rc;
}
