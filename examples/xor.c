/*
 * xor.c: the smallest problem a single neuron cannot solve. A 2-4-1 network
 * of sigmoid units learns XOR with the half square error of F6,
 *
 *   L = ½ Σ_i (a_i - y_i)²   over the four points (0,0) (0,1) (1,0) (1,1),
 *
 * and full-batch gradient descent p <- p - η ∂L/∂p (F15). Each step records
 * the four forward passes above the model's mark, differentiates, updates
 * and rewinds. Xavier-uniform initial weights, learning rate 2 (the loss
 * is a sum over four points, and sigmoid's slope is at most 1/4).
 *
 * usage: xor [--steps N] [--lr ETA] [--seed N]
 * Exit status: 0 when all four points are classified right (a > 0.5 for
 * y = 1), 1 when not, 2 on bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "excli.h"
#include "nn.h"

#define PROG "xor"

static const double X[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
static const double Y[4] = {0, 1, 1, 0};

/* Record L for the current weights; out[i] receives point i's output node. */
static ag_node record_loss(ag_tape *t, nn_model *m, ag_run *out)
{
    ag_run xs = ag_consts(t, &X[0][0], 8), ys = ag_consts(t, Y, 4);
    for (size_t i = 0; i < 4; i++)
        out[i] = nn_mlp_forward(m, ag_run_of(ag_at(t, xs, 2 * i), 2));
    /* the outputs are not consecutive (each point's hidden layer sits
     * between them): sum the four squared errors node by node */
    ag_node terms[4];
    for (size_t i = 0; i < 4; i++)
        terms[i] = nn_loss(t, NN_LOSS_HALF_SE, out[i], ag_run_of(ag_at(t, ys, i), 1), NN_SUM);
    return ag_apply(t, AG_OP_SUM, terms, 4);
}

int main(int argc, char **argv)
{
    size_t steps = 5000;
    double lr = 2.0;
    uint64_t seed = 7;
    const ex_opt opts[] = {
        {"--steps", EX_SIZE, &steps}, {"--lr", EX_DOUBLE, &lr}, {"--seed", EX_U64, &seed}, {NULL, EX_FLAG, NULL},
    };
    if (ex_options(PROG, argc, argv, opts, "[--steps N] [--lr ETA] [--seed N]") != EX_OK)
        return EX_USAGE;
    ag_tape *t = ag_tape_new(0);
    nn_model *m = t ? nn_model_new(t) : NULL;
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    static const size_t sizes[] = {4, 1};
    static const nn_act acts[] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    nn_optim_opts o = {.kind = NN_OPTIM_SGD, .lr = lr};
    nn_optim *opt = NULL;
    int rc = EX_FAILED;
    if (!m || nn_mlp_build(m, 2, sizes, acts, 2, NN_INIT_XAVIER, &rng) != AG_OK ||
        !(opt = nn_optim_new(m, &o))) {
        fprintf(stderr, PROG ": %s\n", t ? ag_tape_error(t) : "out of memory");
        goto done;
    }
    ag_mark mark = ag_tape_mark(t);
    ag_run out[4];
    for (size_t k = 0; k < steps; k++) {
        ag_node L = record_loss(t, m, out);
        nn_zero_grad(m);
        if (ag_is_null(L) || ag_backward(t, L) != AG_OK || nn_optim_step(opt, m) != AG_OK) {
            fprintf(stderr, PROG ": step %zu: %s\n", k, ag_tape_error(t));
            goto done;
        }
        if (k % 500 == 0)
            printf("step %5zu loss %.6f\n", k, ag_value(t, L));
        ag_tape_rewind(t, mark);
    }
    /* the trained network on the four points */
    ag_node L = record_loss(t, m, out);
    if (ag_is_null(L)) {
        fprintf(stderr, PROG ": %s\n", ag_tape_error(t));
        goto done;
    }
    int right = 0;
    printf("after %zu steps: loss %.6f\n", steps, ag_value(t, L));
    for (size_t i = 0; i < 4; i++) {
        double a = ag_value(t, out[i].first);
        int ok = (a > 0.5) == (Y[i] > 0.5);
        right += ok;
        printf("  %g xor %g = %g   network: %.4f  %s\n", X[i][0], X[i][1], Y[i], a, ok ? "right" : "WRONG");
    }
    printf("%d of 4 right\n", right);
    rc = right == 4 ? EX_OK : EX_FAILED;
done:
    nn_optim_free(opt);
    nn_model_free(m);
    ag_tape_free(t);
    return rc;
}
