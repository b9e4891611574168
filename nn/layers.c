/*
 * layers.c: what turns runs into runs: a dense layer's forward, the
 * activations, softmax and dropout.
 *
 * Invariant: every function here takes a run (ag_run) and records its
 * outputs as a run (ops of one kind recorded back to back by one engine
 * call), so the next layer can read them with one DOT_RUN per output and
 * the sweeps dispatch once per run. The engine checks every run it is given.
 */
#include "nn.h"

/* softmax over a run (F5): s_i = exp(z_i - logsumexp(z)) */
static ag_run nn_softmax(ag_tape *t, ag_run z)
{
    /* s_k = exp(z_k - logsumexp(z)): no exponent is positive, and the
     * gradient through logsumexp is softmax itself (F5) */
    ag_node lse = ag_logsumexp(t, z);
    if (ag_is_null(lse))
        return AG_NULL_RUN;
    return ag_map(t, AG_OP_EXP, ag_map(t, AG_OP_SUB, z, ag_run_of(lse, 1)), AG_NULL_RUN);
}

/* act over a run already checked (or just recorded by the caller) */
static ag_run activate(ag_tape *t, nn_act act, ag_run x, double slope)
{
    switch (act) {
    case NN_ACT_LINEAR:
        return x;
    case NN_ACT_SIGMOID:
        return ag_map(t, AG_OP_SIGMOID, x, AG_NULL_RUN);
    case NN_ACT_TANH:
        return ag_map(t, AG_OP_TANH, x, AG_NULL_RUN);
    case NN_ACT_RELU:
        return ag_map(t, AG_OP_RELU, x, AG_NULL_RUN);
    case NN_ACT_LEAKY_RELU: /* one shared slope constant, recorded before the run */
        return ag_map(t, AG_OP_LEAKY_RELU, x, ag_run_of(ag_const(t, slope), 1));
    case NN_ACT_SOFTMAX:
        return nn_softmax(t, x);
    case NN_ACT_COUNT:
        break;
    }
    ag_tape_fail(t, AG_EINVAL, "nn_activate: unknown activation %d", (int)act);
    return AG_NULL_RUN;
}

ag_run nn_activate(ag_tape *t, nn_act act, ag_run x, double slope)
{
    if (ag_check(t, x, "nn_activate", 3) != AG_OK) /* before anything is recorded (leaky's slope) */
        return AG_NULL_RUN;
    return activate(t, act, x, slope);
}

ag_run nn_dense_forward(ag_tape *t, const nn_layer *l, ag_run x)
{
    if (ag_run_is_null(x))
        return AG_NULL_RUN; /* an earlier failure, already on the tape */
    if (x.n != l->n_in) {
        ag_tape_fail(t, AG_EINVAL, "nn_dense_forward: an input of width %u for a layer of %zu inputs", x.n,
                     l->n_in);
        return AG_NULL_RUN;
    }
    /* z_j = b_j + sum_i W[j][i] x_i: one dot node per output over row j of W
     * and the input run, recorded as a run; then the activations as a run */
    ag_run z = ag_dot_rows(t, l->w, x, l->b);
    if (ag_run_is_null(z))
        return AG_NULL_RUN;
    return activate(t, l->act, z, l->slope); /* z: just recorded */
}

ag_run nn_dropout(ag_tape *t, nn_rng *rng, ag_run x, double p, bool training)
{
    if (!(p >= 0.0 && p < 1.0)) {
        ag_tape_fail(t, AG_EINVAL, "nn_dropout: p = %g is outside [0, 1)", p);
        return AG_NULL_RUN;
    }
    if (ag_check(t, x, "nn_dropout", 3) != AG_OK)
        return AG_NULL_RUN;
    if (!training || p == 0.0)
        return x;
    /* inverted dropout: keep with probability 1 - p, scaled by 1/(1 - p), so
     * the expected activation is the same in training and evaluation */
    ag_run mask = ag_consts(t, NULL, x.n);
    double *mv = ag_values(t, mask), keep = 1.0 / (1.0 - p);
    if (!mv)
        return AG_NULL_RUN;
    for (size_t k = 0; k < x.n; k++)
        mv[k] = nn_rng_uniform(rng) < p ? 0.0 : keep;
    return ag_map(t, AG_OP_MUL, x, mask);
}
