/*
 * workloads.h: the benchmark's own training steps, W1 (moons) and W2
 * (digits): the same models, losses and updates as examples/moons.c and
 * examples/digits.c, kept here so that the benchmark depends on no example.
 *
 * moons: micrograd's demo. MLP(2, [16, 16, 1]), relu hidden layers, linear
 * output, U(-1, 1) weights and zero biases; the loss over all points is
 *   L = (1/N) sum_i max(0, 1 - y_i s_i) + 1e-4 sum_p p^2
 * and step k updates p -= lr_k dL/dp with lr_k = 1.0 - 0.9 k / 100.
 *
 * digits: MLP(64, [64, 64, 10]) on the 8x8 digits, softmax cross-entropy,
 * minibatches of DIGITS_BATCH (classifier.h does the work).
 *
 * Each has a record step (record, differentiate, update, rewind) and a
 * replay step (record once, then only ag_forward + ag_backward + update).
 * When is a recorded tape valid for new inputs? When the program that
 * recorded it would have recorded the same nodes for any input values: the
 * graph may not depend on values. These models branch on nothing (relu, max
 * and abs have kinks, but a kink changes a derivative's value, not the
 * graph), and the inputs and targets are constants that replay overwrites.
 * A program that branches on a value while recording says so with
 * ag_steer (if (ag_steer(...) > 0) ...) and is refused by ag_forward.
 */
#ifndef AGRAD_BENCH_WORKLOADS_H
#define AGRAD_BENCH_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "classifier.h"
#include "nn.h"

/* ---- moons ------------------------------------------------------------------ */

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

/* Validate d (2 features, labels -1 or 1), build the model from `seed`.
 * On failure a message is in `why` (why_size bytes); call moons_free anyway. */
ag_status moons_setup(moons_run *w, const nn_dataset *d, uint64_t seed, char *why, size_t why_size);
void moons_free(moons_run *w);
/* One step: *loss and *accuracy of the forward pass before the update. */
ag_status moons_step_record(moons_run *w, double *loss, double *accuracy);
ag_status moons_step_replay(moons_run *w, double *loss, double *accuracy);
/* Loss and accuracy of the current weights, without a step. */
ag_status moons_evaluate(moons_run *w, double *loss, double *accuracy);
/* The model's score at (x1, x2), for drawing; NaN on error. */
double moons_score(moons_run *w, double x1, double x2);

/* ---- digits ------------------------------------------------------------------ */

#define DIGITS_FEATURES 64
#define DIGITS_CLASSES 10
#define DIGITS_BATCH 32
#define DIGITS_TRAIN 1440 /* 45 batches; the other rows are the test set */
#define DIGITS_LR 0.1

typedef struct digits_run {
    clf c;
    const nn_dataset *d;
    double *xb; /* one batch of features, gathered                          */
    int *lb;    /* its labels                                               */
} digits_run;

/* Validate d (64 features in [0, 1], labels 0..9, more than DIGITS_TRAIN
 * rows) and build the model from `seed`; message in `why` on failure. */
ag_status digits_setup(digits_run *w, const nn_dataset *d, uint64_t seed, char *why, size_t why_size);
void digits_free(digits_run *w);
/* idx[0..rows) shuffled with `seed`: the split (train first) and, per
 * epoch, the order of the training rows. */
void digits_shuffle(size_t *idx, size_t n, uint64_t seed);
/* One step on the DIGITS_BATCH rows rows[0..DIGITS_BATCH). */
ag_status digits_step_record(digits_run *w, const size_t *rows, double *loss);
ag_status digits_step_replay(digits_run *w, const size_t *rows, double *loss);
/* Predicted class of data row r. */
int digits_predict(digits_run *w, size_t r);

#endif
