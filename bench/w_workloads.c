/*
 * workloads.c: the moons and digits training steps (see workloads.h for the
 * models, the losses and when replay is valid).
 *
 * Invariant: after every call the tape holds the model's parameters and, in
 * replay mode once the first step ran, exactly one recorded step graph.
 * Values are read with ag_value and ag_values (reading is pure).
 */
#include "workloads.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- moons ------------------------------------------------------------------ */

ag_status moons_setup(moons_run *w, const nn_dataset *d, uint64_t seed, char *why, size_t why_size)
{
    memset(w, 0, sizeof *w);
    w->d = d;
    if (d->cols != 2 || d->rows == 0) {
        snprintf(why, why_size, "the moons data needs 2 feature columns and a label, not %zu features", d->cols);
        return AG_EFORMAT;
    }
    for (size_t i = 0; i < d->rows; i++)
        if (d->y[i] != 1.0 && d->y[i] != -1.0) {
            snprintf(why, why_size, "data row %zu: label %g is not -1 or 1", i + 1, d->y[i]);
            return AG_EFORMAT;
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

void moons_free(moons_run *w)
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
 * point back to back, so the N scores form one run for nn_loss_hinge. */
static ag_node moons_record(moons_run *w)
{
    ag_tape *t = w->t;
    size_t n = w->d->rows, n_layers = nn_layer_count(w->model);
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
    ag_node data = nn_loss_hinge(t, w->scores, ys, NN_MEAN);
    ag_node reg = ag_mul(t, ag_const(t, 1e-4), nn_l2(w->model));
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

ag_status moons_step_record(moons_run *w, double *loss, double *accuracy)
{
    ag_node L = moons_record(w);
    ag_status s = ag_is_null(L) ? ag_tape_status(w->t) : moons_descend(w, L, loss, accuracy);
    ag_tape_rewind(w->t, w->mark);
    return s;
}

ag_status moons_step_replay(moons_run *w, double *loss, double *accuracy)
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

ag_status moons_evaluate(moons_run *w, double *loss, double *accuracy)
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

double moons_score(moons_run *w, double x1, double x2)
{
    double x[2] = {x1, x2};
    ag_run s = nn_mlp_forward(w->model, ag_consts(w->t, x, 2));
    const double *v = ag_run_is_null(s) ? NULL : ag_values(w->t, s);
    double r = v ? *v : (double)NAN;
    ag_tape_rewind(w->t, w->eval_mark);
    return r;
}

/* ---- digits ------------------------------------------------------------------ */

ag_status digits_setup(digits_run *w, const nn_dataset *d, uint64_t seed, char *why, size_t why_size)
{
    memset(w, 0, sizeof *w);
    w->d = d;
    if (d->cols != DIGITS_FEATURES || d->rows <= DIGITS_TRAIN) {
        snprintf(why, why_size, "the digits data needs %d features and more than %d rows, not %zu x %zu",
                 DIGITS_FEATURES, DIGITS_TRAIN, d->rows, d->cols);
        return AG_EFORMAT;
    }
    for (size_t i = 0; i < d->rows; i++) {
        double y = d->y[i];
        if (!(y >= 0 && y < DIGITS_CLASSES && y == floor(y))) {
            snprintf(why, why_size, "data row %zu: label %g is not a digit 0..9", i + 1, y);
            return AG_EFORMAT;
        }
    }
    static const size_t hidden[] = {64, 64};
    clf_config cfg = {
        .n_in = DIGITS_FEATURES, .n_classes = DIGITS_CLASSES, .hidden = hidden, .n_hidden = 2,
        .batch = DIGITS_BATCH, .init = NN_INIT_HE,
        .optim = {.kind = NN_OPTIM_SGD, .lr = DIGITS_LR}, .seed = seed,
    };
    ag_status s = clf_setup(&w->c, &cfg);
    w->xb = ag_realloc(NULL, DIGITS_BATCH * DIGITS_FEATURES * sizeof *w->xb);
    w->lb = ag_realloc(NULL, DIGITS_BATCH * sizeof *w->lb);
    if (s == AG_OK && (!w->xb || !w->lb))
        s = AG_ENOMEM;
    if (s != AG_OK)
        snprintf(why, why_size, "%s", w->c.t && ag_tape_status(w->c.t) ? ag_tape_error(w->c.t) : ag_status_str(s));
    return s;
}

void digits_free(digits_run *w)
{
    clf_free(&w->c);
    ag_free(w->xb);
    ag_free(w->lb);
    memset(w, 0, sizeof *w);
}

void digits_shuffle(size_t *idx, size_t n, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    nn_rng_shuffle(&rng, idx, n);
}

static void gather(digits_run *w, const size_t *rows)
{
    for (size_t i = 0; i < DIGITS_BATCH; i++) {
        memcpy(w->xb + i * DIGITS_FEATURES, w->d->x + rows[i] * DIGITS_FEATURES,
               DIGITS_FEATURES * sizeof *w->xb);
        w->lb[i] = (int)w->d->y[rows[i]];
    }
}

ag_status digits_step_record(digits_run *w, const size_t *rows, double *loss)
{
    gather(w, rows);
    return clf_step_record(&w->c, w->xb, w->lb, loss);
}

ag_status digits_step_replay(digits_run *w, const size_t *rows, double *loss)
{
    gather(w, rows);
    return clf_step_replay(&w->c, w->xb, w->lb, loss);
}

int digits_predict(digits_run *w, size_t r)
{
    return clf_predict(&w->c, w->d->x + r * DIGITS_FEATURES);
}
