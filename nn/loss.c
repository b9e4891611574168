/*
 * loss.c: losses recorded on the tape. Predictions and targets are runs of
 * n nodes; each loss is a few runs of elementwise ops and one reducing dot
 * or sum node, so it costs no bytes per input beyond its nodes.
 *
 * Invariant: every loss returns one node whose value is the documented
 * formula and whose gradient the engine derives; no loss reads a value
 * while recording, so a recorded loss replays with new targets.
 */
#include "nn.h"

/* Operand of an elementwise run: a run (step 1) or one node for all (step 0). */
typedef struct operand {
    ag_node first;
    uint32_t step;
} operand;

static inline operand run(ag_node first) { return (operand){first, 1}; }
static inline operand one_node(ag_node n) { return (operand){n, 0}; }
static inline ag_node elem(operand o, size_t k)
{
    o.first.idx += o.step * (uint32_t)k;
    return o.first;
}

/* The run op(a_k, b_k), k < n; its first node. */
static ag_node binary_run(ag_tape *t, ag_node (*op)(ag_tape *, ag_node, ag_node), operand a,
                          operand b, size_t n)
{
    ag_node out = op(t, elem(a, 0), elem(b, 0));
    bool ok = !ag_is_null(out);
    for (size_t k = 1; k < n; k++)
        ok &= !ag_is_null(op(t, elem(a, k), elem(b, k)));
    return ok ? out : AG_NULL;
}

/* x * c, or x itself when c = 1 */
static ag_node scale(ag_tape *t, ag_node x, double c)
{
    if (ag_is_null(x) || c == 1.0)
        return x;
    return ag_mul(t, x, ag_const(t, c));
}

static double reduction(nn_reduce r, size_t n) { return r == NN_MEAN ? 1.0 / (double)n : 1.0; }

/* n in range, the two operand runs live and n long (checked before
 * anything is recorded: elem() offsets handles, and a short run would reach
 * the loss's own new nodes), and room for the loss's nodes up front */
static bool start(ag_tape *t, size_t n, ag_node a, ag_node y, const char *fn)
{
    if (n == 0 || n >= AG_MAX_NODES / 8) {
        ag_tape_fail(t, AG_EINVAL, "%s: %zu terms (want 1 or more)", fn, n);
        return false;
    }
    if (!ag_values_run(t, a, n) || !ag_values_run(t, y, n))
        return false;
    return ag_tape_reserve(t, 6 * n + 8, 8) == AG_OK;
}

/* sum_k (a_k - y_k)^2 as one dot of the difference run with itself:
 * d/da_k = 2 (a_k - y_k), exactly */
static ag_node sum_sq_diff(ag_tape *t, ag_node a, ag_node y, size_t n)
{
    ag_node d = binary_run(t, ag_sub, run(a), run(y), n);
    return ag_is_null(d) ? AG_NULL : ag_dot_run(t, d, d, n, AG_NULL);
}

ag_node nn_loss_half_se(ag_tape *t, ag_node a, ag_node y, size_t n, nn_reduce r)
{
    if (!start(t, n, a, y, "nn_loss_half_se"))
        return AG_NULL;
    return scale(t, sum_sq_diff(t, a, y, n), 0.5 * reduction(r, n)); /* F6 */
}

ag_node nn_loss_se(ag_tape *t, ag_node a, ag_node y, size_t n, nn_reduce r)
{
    if (!start(t, n, a, y, "nn_loss_se"))
        return AG_NULL;
    return scale(t, sum_sq_diff(t, a, y, n), reduction(r, n)); /* F7 */
}

ag_node nn_loss_bce(ag_tape *t, ag_node p, ag_node y, size_t n, nn_reduce r)
{
    if (!start(t, n, p, y, "nn_loss_bce"))
        return AG_NULL;
    /* F14: L = -(sum y log p + sum (1 - y) log(1 - p)), two dots over runs,
     * each log clamped at -100 (PyTorch's BCELoss): a confident right answer
     * p = 1 then gives 0 * -100 = 0 instead of 0 * log 0 = NaN */
    ag_node one = ag_const(t, 1.0), floor = ag_const(t, -100.0);
    ag_node logp = ag_map(t, AG_OP_LOG, p, n);
    logp = ag_is_null(logp) ? AG_NULL : binary_run(t, ag_max, run(logp), one_node(floor), n);
    ag_node q = binary_run(t, ag_sub, one_node(one), run(p), n); /* 1 - p */
    ag_node logq = ag_is_null(q) ? AG_NULL : ag_map(t, AG_OP_LOG, q, n);
    logq = ag_is_null(logq) ? AG_NULL : binary_run(t, ag_max, run(logq), one_node(floor), n);
    ag_node ny = binary_run(t, ag_sub, one_node(one), run(y), n); /* 1 - y */
    if (ag_is_null(logp) || ag_is_null(logq) || ag_is_null(ny))
        return AG_NULL;
    ag_node s = ag_add(t, ag_dot_run(t, y, logp, n, AG_NULL), ag_dot_run(t, ny, logq, n, AG_NULL));
    return scale(t, s, -reduction(r, n));
}

ag_node nn_loss_bce_logits(ag_tape *t, ag_node z, ag_node y, size_t n, nn_reduce r)
{
    if (!start(t, n, z, y, "nn_loss_bce_logits"))
        return AG_NULL;
    /* -[y log s(z) + (1 - y) log(1 - s(z))] = softplus(z) - y z, which never
     * takes the log of a rounded-to-0 probability; d/dz = sigmoid(z) - y */
    ag_node sp = ag_map(t, AG_OP_SOFTPLUS, z, n);
    if (ag_is_null(sp))
        return AG_NULL;
    ag_node s = ag_sub(t, ag_sum_run(t, sp, n), ag_dot_run(t, y, z, n, AG_NULL));
    return scale(t, s, reduction(r, n));
}

ag_node nn_loss_softmax_ce(ag_tape *t, ag_node z, ag_node y, size_t n)
{
    if (!start(t, n, z, y, "nn_loss_softmax_ce"))
        return AG_NULL;
    /* F17: -sum_c y_c log softmax_c(z) = logsumexp(z) sum_c y_c - sum_c y_c z_c,
     * and sum_c y_c = 1 for a one-hot target: dL/dz = softmax(z) - y */
    ag_node lse = ag_logsumexp_run(t, z, n);
    return ag_sub(t, lse, ag_dot_run(t, y, z, n, AG_NULL));
}

ag_node nn_loss_hinge(ag_tape *t, ag_node s, ag_node y, size_t n, nn_reduce r)
{
    if (!start(t, n, s, y, "nn_loss_hinge"))
        return AG_NULL;
    /* max(0, 1 - y s) = relu(1 - y s); at the kink 1 - y s = 0 the gradient
     * is 0 (relu'(0) = 0) */
    ag_node one = ag_const(t, 1.0);
    ag_node ys = binary_run(t, ag_mul, run(y), run(s), n);
    ag_node margin = ag_is_null(ys) ? AG_NULL : binary_run(t, ag_sub, one_node(one), run(ys), n);
    ag_node h = ag_is_null(margin) ? AG_NULL : ag_map(t, AG_OP_RELU, margin, n);
    if (ag_is_null(h))
        return AG_NULL;
    return scale(t, ag_sum_run(t, h, n), reduction(r, n));
}

ag_node nn_l2(nn_model *m)
{
    size_t n;
    ag_node p = nn_model_params(m, &n);
    ag_tape *t = nn_model_tape(m);
    if (n == 0) {
        ag_tape_fail(t, AG_EINVAL, "nn_l2: the model has no parameters");
        return AG_NULL;
    }
    return ag_dot_run(t, p, p, n, AG_NULL); /* sum p^2, d/dp = 2p */
}

ag_node nn_reduce_nodes(ag_tape *t, const ag_node *xs, size_t n, nn_reduce r)
{
    ag_node s = n == 1 && xs ? xs[0] : ag_sum(t, xs, n);
    return scale(t, s, reduction(r, n)); /* F13: the batch sum, or its mean */
}
