/*
 * workloads.h: the benchmark's training steps, W1 (moons) and W2 (digits).
 *
 * W1 is examples/moons.c's own training step and W2 the classifier step of
 * examples/digits.c, compiled here from those files without their programs
 * (EX_STEP_ONLY: no main, no option parsing, no examples/lib code linked).
 * Why not a copy: the benchmark claims "the moons and digits examples train
 * at X times the hand-written floor", and a copy can drift from what the
 * examples run while still matching the hand-written loop; one source
 * cannot. The step functions are static, so every file that includes this
 * header compiles its own copy and may leave some unused.
 *
 * moons: micrograd's demo. MLP(2, [16, 16, 1]), relu hidden layers, linear
 * output, U(-1, 1) weights and zero biases; the loss over all points is
 *   L = (1/N) sum_i max(0, 1 - y_i s_i) + 1e-4 sum_p p^2
 * and step k updates p -= lr_k dL/dp with lr_k = 1.0 - 0.9 k / 100.
 *
 * digits: MLP(64, [64, 64, 10]) on the 8x8 digits, softmax cross-entropy,
 * minibatches of DIGITS_BATCH; the data handling (split, batches) is the
 * bench's own, below.
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

#include "nn.h"

/* moons_run, moons_setup/free, moons_step_record/replay (MOONS_SEED) and
 * clf, clf_setup/free, clf_step_record/replay, clf_predict */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#define EX_STEP_ONLY
#include "../examples/moons.c"  // NOLINT(bugprone-suspicious-include): the example's step is the workload
#include "../examples/digits.c" // NOLINT(bugprone-suspicious-include): idem
#undef EX_STEP_ONLY
#pragma GCC diagnostic pop

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
