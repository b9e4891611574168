/*
 * loss.c: losses recorded on the tape. Predictions and targets are runs of
 * n nodes; each loss is a few runs of elementwise ops and one reducing dot
 * or sum node, so it costs no bytes per input beyond its nodes.
 *
 * One entry, nn_loss, keyed by nn_loss_kind through a table with a row per
 * kind. Invariant: every loss returns one node whose value is the documented
 * formula and whose gradient the engine derives; no loss reads a value
 * while recording, so a recorded loss replays with new targets.
 */
#include "nn.h"

/* x * c, or x itself when c = 1 */
static ag_node scale(ag_tape *t, ag_node x, double c)
{
    if (ag_is_null(x) || c == 1.0)
        return x;
    return ag_mul(t, x, ag_const(t, c));
}

/* the two operand runs live and of one width, checked before anything is
 * recorded, and room for the loss's nodes up front */
static bool start(ag_tape *t, ag_run a, ag_run y, const char *fn)
{
    if (ag_check(t, a, fn, 3) != AG_OK || ag_check(t, y, fn, 4) != AG_OK)
        return false;
    if (a.n != y.n) {
        ag_tape_fail(t, AG_EINVAL, "%s: a prediction of width %u for a target of width %u", fn, a.n, y.n);
        return false;
    }
    return ag_tape_reserve(t, 6 * (size_t)a.n + 8, 8) == AG_OK;
}

static ag_run one_node(ag_node n) { return ag_run_of(n, 1); }

/* sum_k (a_k - y_k)^2 as one dot of the difference run with itself:
 * d/da_k = 2 (a_k - y_k), exactly */
static ag_node sum_sq_diff(ag_tape *t, ag_run a, ag_run y)
{
    ag_run d = ag_map(t, AG_OP_SUB, a, y);
    return ag_run_is_null(d) ? AG_NULL : ag_dot(t, d, d, AG_NULL);
}

static ag_node half_se(ag_tape *t, ag_run a, ag_run y, double red)
{
    return scale(t, sum_sq_diff(t, a, y), 0.5 * red); /* F6 */
}

static ag_node se(ag_tape *t, ag_run a, ag_run y, double red)
{
    return scale(t, sum_sq_diff(t, a, y), red); /* F7 */
}

static ag_node bce(ag_tape *t, ag_run p, ag_run y, double red)
{
    /* F14: L = -(sum y log p + sum (1 - y) log(1 - p)), two dots over runs,
     * each log clamped at -100 (PyTorch's BCELoss): a confident right answer
     * p = 1 then gives 0 * -100 = 0 instead of 0 * log 0 = NaN */
    ag_run one = one_node(ag_const(t, 1.0)), floor = one_node(ag_const(t, -100.0));
    ag_run logp = ag_map(t, AG_OP_MAX, ag_map(t, AG_OP_LOG, p, AG_NULL_RUN), floor);
    ag_run q = ag_map(t, AG_OP_SUB, one, p); /* 1 - p */
    ag_run logq = ag_map(t, AG_OP_MAX, ag_map(t, AG_OP_LOG, q, AG_NULL_RUN), floor);
    ag_run ny = ag_map(t, AG_OP_SUB, one, y); /* 1 - y */
    if (ag_run_is_null(logp) || ag_run_is_null(logq) || ag_run_is_null(ny))
        return AG_NULL;
    ag_node s = ag_add(t, ag_dot(t, y, logp, AG_NULL), ag_dot(t, ny, logq, AG_NULL));
    return scale(t, s, -red);
}

static ag_node bce_logits(ag_tape *t, ag_run z, ag_run y, double red)
{
    /* -[y log s(z) + (1 - y) log(1 - s(z))] = softplus(z) - y z, which never
     * takes the log of a rounded-to-0 probability; d/dz = sigmoid(z) - y */
    ag_run sp = ag_map(t, AG_OP_SOFTPLUS, z, AG_NULL_RUN);
    if (ag_run_is_null(sp))
        return AG_NULL;
    ag_node s = ag_sub(t, ag_sum(t, sp), ag_dot(t, y, z, AG_NULL));
    return scale(t, s, red);
}

static ag_node softmax_ce(ag_tape *t, ag_run z, ag_run y, double red)
{
    (void)red; /* one example's loss over its classes: nothing to reduce */
    /* F17: -sum_c y_c log softmax_c(z) = logsumexp(z) sum_c y_c - sum_c y_c z_c,
     * and sum_c y_c = 1 for a one-hot target: dL/dz = softmax(z) - y */
    ag_node lse = ag_logsumexp(t, z);
    return ag_sub(t, lse, ag_dot(t, y, z, AG_NULL));
}

static ag_node hinge(ag_tape *t, ag_run s, ag_run y, double red)
{
    /* max(0, 1 - y s) = relu(1 - y s); at the kink 1 - y s = 0 the gradient
     * is 0 (relu'(0) = 0) */
    ag_run one = one_node(ag_const(t, 1.0));
    ag_run ys = ag_map(t, AG_OP_MUL, y, s);
    ag_run h = ag_map(t, AG_OP_RELU, ag_map(t, AG_OP_SUB, one, ys), AG_NULL_RUN);
    if (ag_run_is_null(h))
        return AG_NULL;
    return scale(t, ag_sum(t, h), red);
}

/* one row per nn_loss_kind, in its order (checked at compile time by the
 * designated initializers and the size below) */
typedef ag_node (*loss_fn)(ag_tape *t, ag_run a, ag_run y, double red);
static const loss_fn losses[NN_LOSS_COUNT] = {
    [NN_LOSS_HALF_SE] = half_se,       [NN_LOSS_SE] = se,
    [NN_LOSS_BCE] = bce,               [NN_LOSS_BCE_LOGITS] = bce_logits,
    [NN_LOSS_SOFTMAX_CE] = softmax_ce, [NN_LOSS_HINGE] = hinge,
};

ag_node nn_loss(ag_tape *t, nn_loss_kind kind, ag_run a, ag_run y, nn_reduce r)
{
    if ((unsigned)kind >= NN_LOSS_COUNT || !losses[kind]) {
        ag_tape_fail(t, AG_EINVAL, "nn_loss: unknown loss %d", (int)kind);
        return AG_NULL;
    }
    if (r != NN_SUM && r != NN_MEAN) {
        ag_tape_fail(t, AG_EINVAL, "nn_loss: unknown reduction %d", (int)r);
        return AG_NULL;
    }
    if (!start(t, a, y, "nn_loss"))
        return AG_NULL;
    return losses[kind](t, a, y, r == NN_MEAN ? 1.0 / (double)a.n : 1.0);
}
