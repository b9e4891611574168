/*
 * optim.c: optimizers (SGD with momentum, Adam, AdamW), learning-rate
 * schedules and gradient clipping. Each is a flat loop over the model's
 * parameter run: p[k], g[k] and the optimizer's state arrays line up.
 *
 * Invariant: an optimizer belongs to one model and holds state for exactly
 * that model's parameter count; a step on any other model is refused.
 */
#include "nn.h"

#include <math.h>
#include <string.h>

struct nn_optim {
    const nn_model *owner;
    size_t n;
    nn_optim_opts o;
    double *m, *v; /* SGD: m is the velocity; Adam: first and second moments */
    uint64_t steps;
};

nn_optim *nn_optim_new(nn_model *model, const nn_optim_opts *opts)
{
    ag_tape *t = nn_model_tape(model);
    size_t n = nn_model_params(model).n;
    if (!opts || (unsigned)opts->kind >= NN_OPTIM_COUNT || !(opts->lr >= 0) || !(opts->momentum >= 0) ||
        !(opts->weight_decay >= 0) || !(opts->beta1 >= 0 && opts->beta1 < 1) ||
        !(opts->beta2 >= 0 && opts->beta2 < 1) || !(opts->eps >= 0)) {
        ag_tape_fail(t, AG_EINVAL, "nn_optim_new: invalid options (kind, lr >= 0, momentum >= 0, 0 <= beta < 1, eps >= 0, weight_decay >= 0)");
        return NULL;
    }
    if (n == 0) {
        ag_tape_fail(t, AG_EINVAL, "nn_optim_new: the model has no parameters");
        return NULL;
    }
    nn_optim *o = ag_realloc(NULL, sizeof *o);
    bool adam = opts->kind != NN_OPTIM_SGD;
    double *m = ag_realloc(NULL, n * sizeof *m);
    double *v = adam ? ag_realloc(NULL, n * sizeof *v) : NULL;
    if (!o || !m || (adam && !v)) {
        ag_free(o);
        ag_free(m);
        ag_free(v);
        ag_tape_fail(t, AG_ENOMEM, "nn_optim_new: out of memory for %zu parameters", n);
        return NULL;
    }
    memset(m, 0, n * sizeof *m);
    if (v)
        memset(v, 0, n * sizeof *v);
    *o = (nn_optim){model, n, *opts, m, v, 0};
    if (adam) {
        /* each missing option on its own: beta1 alone must not leave beta2 = 0 */
        if (o->o.beta1 == 0)
            o->o.beta1 = 0.9;
        if (o->o.beta2 == 0)
            o->o.beta2 = 0.999;
        if (o->o.eps == 0)
            o->o.eps = 1e-8;
    }
    return o;
}

void nn_optim_free(nn_optim *o)
{
    if (!o)
        return;
    ag_free(o->m);
    ag_free(o->v);
    ag_free(o);
}

void nn_optim_set_lr(nn_optim *o, double lr) { o->o.lr = lr; }

static void sgd(nn_optim *o, double *p, const double *g)
{
    double lr = o->o.lr, mu = o->o.momentum, wd = o->o.weight_decay;
    if (mu == 0 && wd == 0) {
        for (size_t k = 0; k < o->n; k++)
            p[k] -= lr * g[k]; /* F15: w <- w - eta dL/dw */
        return;
    }
    /* PyTorch's form: d = g + wd p; v = mu v + d; p -= lr v */
    double *v = o->m;
    for (size_t k = 0; k < o->n; k++) {
        double d = g[k] + wd * p[k];
        v[k] = mu * v[k] + d;
        p[k] -= lr * v[k];
    }
}

static void adam(nn_optim *o, double *p, const double *g)
{
    double lr = o->o.lr, b1 = o->o.beta1, b2 = o->o.beta2, eps = o->o.eps, wd = o->o.weight_decay;
    bool decoupled = o->o.kind == NN_OPTIM_ADAMW;
    o->steps++;
    /* bias corrections 1 - beta^t for the zero-initialised moments */
    double c1 = 1.0 - pow(b1, (double)o->steps), c2 = 1.0 - pow(b2, (double)o->steps);
    double *m = o->m, *v = o->v;
    for (size_t k = 0; k < o->n; k++) {
        double d = g[k];
        if (decoupled)
            p[k] -= lr * wd * p[k]; /* AdamW: decay apart from the moments */
        else
            d += wd * p[k];         /* Adam: L2 folded into the gradient */
        m[k] = b1 * m[k] + (1.0 - b1) * d;
        v[k] = b2 * v[k] + (1.0 - b2) * d * d;
        p[k] -= lr * (m[k] / c1) / (sqrt(v[k] / c2) + eps);
    }
}

ag_status nn_optim_step(nn_optim *o, nn_model *model)
{
    ag_tape *t = nn_model_tape(model);
    if (o->owner != model)
        return ag_tape_fail(t, AG_EINVAL, "nn_optim_step: this optimizer was made for another model (%zu parameters)",
                            o->n);
    ag_run run = nn_model_params(model);
    if (run.n != o->n)
        return ag_tape_fail(t, AG_EINVAL, "nn_optim_step: the model has %u parameters now, the optimizer was made for %zu",
                            run.n, o->n);
    double *p = ag_values(t, run);
    const double *g = ag_grads(t, run);
    if (!p || !g)
        return ag_tape_status(t);
    if (o->o.kind == NN_OPTIM_SGD)
        sgd(o, p, g);
    else
        adam(o, p, g);
    return AG_OK;
}

double nn_schedule_lr(const nn_schedule *s, size_t k)
{
    switch (s->kind) {
    case NN_SCHED_LINEAR: {
        if (s->total == 0)
            return s->lr_end;
        size_t kk = k < s->total ? k : s->total;
        return s->lr0 + (s->lr_end - s->lr0) * (double)kk / (double)s->total;
    }
    case NN_SCHED_STEP:
        /* floor(k / step_size) is meant: the integer division */
        return s->step_size ? s->lr0 * pow(s->gamma, (double)(k / s->step_size)) : s->lr0; // NOLINT(bugprone-integer-division)
    case NN_SCHED_CONSTANT:
    case NN_SCHED_COUNT:
        break;
    }
    return s->lr0;
}

double nn_clip_grad_norm(nn_model *model, double max_norm)
{
    ag_run run = nn_model_params(model);
    size_t n = run.n;
    if (n == 0)
        return 0.0;
    double *g = ag_grads(nn_model_tape(model), run);
    if (!g)
        return (double)NAN;
    double ss = 0.0;
    for (size_t k = 0; k < n; k++)
        ss += g[k] * g[k];
    double norm = sqrt(ss);
    if (norm > max_norm && norm > 0) {
        double c = max_norm / norm;
        for (size_t k = 0; k < n; k++)
            g[k] *= c;
    }
    return norm;
}
