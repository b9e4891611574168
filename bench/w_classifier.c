/*
 * classifier.c: the minibatch softmax-CE classifier of classifier.h.
 *
 * Invariant: after every call the tape holds the parameters, then (replay
 * mode, after the first step) exactly one recorded batch graph, and nothing
 * else. Nothing here branches on a value while recording (no ag_steer), so
 * the recorded batch graph replays with new inputs.
 */
#include "classifier.h"

#include <string.h>

ag_status clf_setup(clf *c, const clf_config *cfg)
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

void clf_free(clf *c)
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

ag_status clf_step_record(clf *c, const double *x, const int *labels, double *loss)
{
    fill_onehot(c->onehot, labels, c->batch, c->n_classes);
    ag_run xs, ys;
    ag_node L = record_batch(c, x, c->onehot, &xs, &ys);
    ag_status s = ag_is_null(L) ? ag_tape_status(c->t) : descend(c, L, loss);
    ag_tape_rewind(c->t, c->mark);
    return s;
}

ag_status clf_step_replay(clf *c, const double *x, const int *labels, double *loss)
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

int clf_predict(clf *c, const double *x)
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
