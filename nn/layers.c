/*
 * layers.c: what turns runs into runs: a dense layer's forward, the
 * activations, softmax and dropout.
 *
 * Invariant: every function here takes a run of consecutive nodes and
 * records its outputs as a run (ops of one kind recorded back to back), so
 * the next layer can read them with ag_dot_run. Handles inside a run are
 * formed by offsetting the first one; the engine checks each is live.
 */
#include "nn.h"

#include <string.h>

/* The node k places after `first` (same segment: the engine checks it). */
static inline ag_node at(ag_node first, size_t k)
{
    first.idx += (uint32_t)k;
    return first;
}

static const char *const act_names[NN_ACT_COUNT] = {
    [NN_ACT_LINEAR] = "linear",   [NN_ACT_SIGMOID] = "sigmoid",       [NN_ACT_TANH] = "tanh",
    [NN_ACT_RELU] = "relu",       [NN_ACT_LEAKY_RELU] = "leaky_relu", [NN_ACT_SOFTMAX] = "softmax",
};

const char *nn_act_name(nn_act a) { return (unsigned)a < NN_ACT_COUNT ? act_names[a] : "?"; }

ag_status nn_act_from_name(const char *name, nn_act *out)
{
    for (int k = 0; name && k < NN_ACT_COUNT; k++)
        if (strcmp(name, act_names[k]) == 0) {
            *out = (nn_act)k;
            return AG_OK;
        }
    return AG_ENOTFOUND;
}

ag_node nn_softmax(ag_tape *t, ag_node first, size_t n)
{
    if (n == 0) {
        ag_tape_fail(t, AG_EINVAL, "nn_softmax: empty run");
        return AG_NULL;
    }
    if (ag_tape_reserve(t, 2 * n + 2, n) != AG_OK)
        return AG_NULL;
    /* s_k = exp(z_k - logsumexp(z)): no exponent is positive, and the
     * gradient through logsumexp is softmax itself (F5) */
    ag_node lse = ag_logsumexp_run(t, first, n);
    ag_node d0 = ag_sub(t, first, lse);
    bool ok = !ag_is_null(d0);
    for (size_t k = 1; k < n; k++)
        ok &= !ag_is_null(ag_sub(t, at(first, k), lse));
    return ok ? ag_map(t, AG_OP_EXP, d0, n) : AG_NULL;
}

/* act over a run known to be live and n long */
static ag_node activate_run(ag_tape *t, nn_act act, ag_node first, size_t n, double slope)
{
    switch (act) {
    case NN_ACT_LINEAR:
        return first;
    case NN_ACT_SIGMOID:
        return ag_map(t, AG_OP_SIGMOID, first, n);
    case NN_ACT_TANH:
        return ag_map(t, AG_OP_TANH, first, n);
    case NN_ACT_RELU:
        return ag_map(t, AG_OP_RELU, first, n);
    case NN_ACT_LEAKY_RELU: {
        /* one shared slope constant, recorded before the run */
        ag_node c = ag_const(t, slope);
        ag_node out = ag_leaky_relu_node(t, first, c);
        bool ok = !ag_is_null(out);
        for (size_t k = 1; k < n; k++)
            ok &= !ag_is_null(ag_leaky_relu_node(t, at(first, k), c));
        return ok ? out : AG_NULL;
    }
    case NN_ACT_SOFTMAX:
        return nn_softmax(t, first, n);
    case NN_ACT_COUNT:
        break;
    }
    ag_tape_fail(t, AG_EINVAL, "nn_activate: unknown activation %d", (int)act);
    return AG_NULL;
}

ag_node nn_activate(ag_tape *t, nn_act act, ag_node first, size_t n, double slope)
{
    if (n == 0) {
        ag_tape_fail(t, AG_EINVAL, "nn_activate: empty run");
        return AG_NULL;
    }
    /* the whole input run checked first: at() offsets handles, and a short
     * run would reach this call's own new nodes */
    if (!ag_values_run(t, first, n))
        return AG_NULL;
    return activate_run(t, act, first, n, slope);
}

ag_node nn_dense_forward(ag_tape *t, const nn_layer *l, ag_node x)
{
    if (ag_is_null(x))
        return AG_NULL;
    /* z_j = b_j + sum_i W[j][i] x_i: one dot node per output over row j of W
     * and the input run, recorded as a run; then the activations as a run */
    ag_node z = ag_dot_rows(t, l->w, x, l->n_in, l->n_out, l->b);
    if (ag_is_null(z))
        return AG_NULL;
    return activate_run(t, l->act, z, l->n_out, l->slope); /* z: just recorded, n_out long */
}

ag_node nn_dropout(ag_tape *t, nn_rng *rng, ag_node x, size_t n, double p, bool training)
{
    if (!(p >= 0.0 && p < 1.0)) {
        ag_tape_fail(t, AG_EINVAL, "nn_dropout: p = %g is outside [0, 1)", p);
        return AG_NULL;
    }
    if (!ag_values_run(t, x, n)) /* the whole run, as in nn_activate */
        return AG_NULL;
    if (!training || p == 0.0)
        return x;
    /* inverted dropout: keep with probability 1 - p, scaled by 1/(1 - p), so
     * the expected activation is the same in training and evaluation */
    ag_node mask = ag_consts(t, NULL, n);
    if (ag_is_null(mask))
        return AG_NULL;
    double *mv = ag_values_run(t, mask, n), keep = 1.0 / (1.0 - p);
    for (size_t k = 0; k < n; k++)
        mv[k] = nn_rng_uniform(rng) < p ? 0.0 : keep;
    ag_node out = ag_mul(t, x, mask);
    bool ok = !ag_is_null(out);
    for (size_t k = 1; k < n; k++)
        ok &= !ag_is_null(ag_mul(t, at(x, k), at(mask, k)));
    return ok ? out : AG_NULL;
}
