/*
 * classifier.h: a softmax-cross-entropy MLP classifier trained by minibatch
 * steps, in the two ways the engine allows (W2 of the benchmark; the digits
 * and fashion examples carry their own copy of the same loop):
 *
 *   record: every step records the batch's graph after the model's mark,
 *           differentiates it, updates the weights and rewinds;
 *   replay: the first step records the graph once with the inputs and
 *           one-hot targets as constant placeholders; every later step
 *           writes the new batch into those placeholders (ag_values),
 *           recomputes the values (ag_forward), differentiates and updates:
 *           no recording, no allocation.
 *
 * Both do the same arithmetic in the same order, so they give the same
 * losses bit for bit. Replay is valid because an MLP's graph depends only on
 * the batch size, never on values: relu's kink changes a derivative's value,
 * not which nodes exist (see ag_steer).
 */
#ifndef AGRAD_BENCH_CLASSIFIER_H
#define AGRAD_BENCH_CLASSIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn.h"

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

/* Build the model (tensors "0.weight", "0.bias", "2.weight"...) and its
 * optimizer. On failure the message is in ag_tape_error(c->t) when c->t is
 * not NULL; call clf_free either way. */
ag_status clf_setup(clf *c, const clf_config *cfg);
void clf_free(clf *c);

/* One optimizer step on c->batch examples: x holds batch rows of n_in
 * features, labels batch class indices < n_classes. *loss is the batch's
 * mean loss before the update. */
ag_status clf_step_record(clf *c, const double *x, const int *labels, double *loss);
ag_status clf_step_replay(clf *c, const double *x, const int *labels, double *loss);

/* The predicted class (largest logit) of one example, or -1 on error. */
int clf_predict(clf *c, const double *x);

#endif
