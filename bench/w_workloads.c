/*
 * w_workloads.c: W2's data handling around the digits example's classifier
 * step (workloads.h): the data checked, the split, one batch gathered.
 *
 * Invariant: after every call the tape holds the model's parameters and, in
 * replay mode once the first step ran, exactly one recorded step graph.
 */
#include "workloads.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- digits ------------------------------------------------------------------ */

ag_status digits_setup(digits_run *w, const nn_dataset *d, uint64_t seed, char *why, size_t why_size)
{
    memset(w, 0, sizeof *w);
    w->d = d;
    if (d->cols != DIGITS_FEATURES || d->rows <= DIGITS_TRAIN) {
        snprintf(why, why_size, "the digits data needs %d features and more than %d rows, not %zu x %zu",
                 DIGITS_FEATURES, DIGITS_TRAIN, d->rows, d->cols);
        return NN_EFORMAT;
    }
    for (size_t i = 0; i < d->rows; i++) {
        double y = d->y[i];
        if (!(y >= 0 && y < DIGITS_CLASSES && y == floor(y))) {
            snprintf(why, why_size, "data row %zu: label %g is not a digit 0..9", i + 1, y);
            return NN_EFORMAT;
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
