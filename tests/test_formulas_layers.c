/*
 * test_formulas_layers.c: nn/'s dense layers and MLPs against docs/formulas.md
 * F8-F13 and F18: every weight, bias and activation gradient the engine
 * derives on seeded random networks (depth 2-4, widths 1-8, every
 * activation; softmax as an output with cross-entropy) is compared with
 * backpropagation written from the formulas with plain arrays (oracle.h),
 * or, for F8, F13 and F18, with the formula written out in the test.
 *
 * How engine gradients are read: dL/dW and dL/db from the parameter runs;
 * delta^l = dL/dz^l as the gradient of layer l's bias (F10: dL/db = delta)
 * and of its pre-activation nodes; dL/da^l from the output run of each
 * nn_dense_forward call (interior gradients are kept after backward).
 */
#include "oracle.h"

#include <stdlib.h>

enum { LOSS_HALF_SE, LOSS_SE, LOSS_CE };

typedef struct net_case {
    orc_mlp o;
    ag_tape *t;
    nn_model *m;
    int loss;
    size_t n_in;
    ag_node x;                            /* inputs, as variables: dL/da^0 */
    ag_node zrun[ORC_MAX_LAYERS + 1];     /* first pre-activation of layer l */
    ag_node arun[ORC_MAX_LAYERS + 1];     /* first activation of layer l    */
    double xv[ORC_MAX_WIDTH], y[ORC_MAX_WIDTH];
    char ctx[128];
} net_case;

static const nn_act all_acts[] = {NN_ACT_SIGMOID, NN_ACT_TANH, NN_ACT_RELU, NN_ACT_LEAKY_RELU,
                                  NN_ACT_LINEAR};
#define N_SEEDS 24

/* Build a random network (weights and biases U(-1, 1), inputs U(-2, 2)),
 * record its forward and loss, differentiate, and run the oracle on the
 * same numbers. kind < 5: every layer uses all_acts[kind] and the loss is
 * F6 or F7; kind == 5: hidden activations vary, the output is softmax with
 * cross-entropy -sum y log s against a one-hot y. */
static const char *act_name(nn_act a)
{
    static const char *const names[NN_ACT_COUNT] = {"linear", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"};
    return (unsigned)a < NN_ACT_COUNT ? names[a] : "?";
}

static void net_run(net_case *c, unsigned kind, uint64_t seed, size_t depth)
{
    memset(c, 0, sizeof *c);
    orc_rng r = {seed * 1000003u + kind * 7919u + depth};
    size_t sizes[ORC_MAX_LAYERS];
    nn_act acts[ORC_MAX_LAYERS];
    c->n_in = orc_pick(&r, 1, 8);
    for (size_t l = 0; l < depth; l++) {
        sizes[l] = orc_pick(&r, 1, 8);
        acts[l] = kind < 5 ? all_acts[kind] : all_acts[(seed + l) % 5];
    }
    if (kind == 5) {
        acts[depth - 1] = NN_ACT_SOFTMAX;
        sizes[depth - 1] = orc_pick(&r, 2, 8);
    }
    c->loss = kind == 5 ? LOSS_CE : (seed % 2 ? LOSS_SE : LOSS_HALF_SE);
    snprintf(c->ctx, sizeof c->ctx, "[seed %u, %s net of depth %zu, loss %d]", (unsigned)seed,
             act_name(acts[kind == 5 ? 0 : depth - 1]), depth, c->loss);

    c->t = ag_tape_new(0);
    c->m = nn_model_new(c->t);
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    cr_assert_eq(nn_mlp_build(c->m, c->n_in, sizes, acts, depth, NN_INIT_UNIFORM, &rng), AG_OK);
    orc_randomise_params(c->m, &r, -1, 1);
    orc_mlp_from_model(&c->o, c->m, c->n_in, sizes, acts, depth, 0.01); /* F3's slope */

    size_t n_out = sizes[depth - 1];
    for (size_t i = 0; i < c->n_in; i++)
        c->xv[i] = orc_uniform(&r, -2, 2);
    size_t hot = orc_pick(&r, 0, n_out - 1);
    for (size_t j = 0; j < n_out; j++)
        c->y[j] = c->loss == LOSS_CE ? (j == hot) : orc_uniform(&r, -1, 1);

    ag_tape *t = c->t;
    c->x = ag_vars(t, c->xv, c->n_in).first;
    ag_node a = c->x;
    for (size_t l = 1; l <= depth; l++) {
        size_t before = ag_tape_len(t);
        a = nn_dense_forward(t, nn_layer_at(c->m, l - 1), ag_run_of(a, nn_layer_at(c->m, l - 1)->n_in)).first;
        cr_assert(!ag_is_null(a), "%s", ag_tape_error(t));
        c->zrun[l] = ag_node_from_index(t, before); /* the dot nodes come first */
        c->arun[l] = a;
    }
    ag_node yc = ag_consts(t, c->y, n_out).first, L;
    if (c->loss == LOSS_CE) {
        /* -sum_c y_c log s_c, the logs as a run for one dot */
        ag_node logs = ag_unary(t, AG_OP_LOG, a);
        for (size_t j = 1; j < n_out; j++)
            ag_unary(t, AG_OP_LOG, ag_at(t, ag_run_of(a, j + 1), j));
        L = ag_neg(t, ag_dot(t, ag_run_of(yc, n_out), ag_run_of(logs, n_out), AG_NULL));
    } else if (c->loss == LOSS_SE) {
        L = nn_loss(t, NN_LOSS_SE, ag_run_of(a, n_out), ag_run_of(yc, n_out), NN_SUM);
    } else {
        L = nn_loss(t, NN_LOSS_HALF_SE, ag_run_of(a, n_out), ag_run_of(yc, n_out), NN_SUM);
    }
    nn_zero_grad(c->m);
    cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));

    /* the oracle, from dL/da^L of the loss: F6 a - y, F7 2(a - y), and
     * -y/s for cross-entropy */
    orc_mlp *o = &c->o;
    orc_forward(o, c->xv);
    double dLda[ORC_MAX_WIDTH], mag[ORC_MAX_WIDTH];
    for (size_t j = 0; j < n_out; j++) {
        double aj = o->a[depth][j], am = o->amag[depth][j];
        if (c->loss == LOSS_CE) {
            dLda[j] = -c->y[j] / aj;
            mag[j] = fabs(dLda[j]) * (1.0 + am / aj); /* s's relative error */
        } else {
            double k = c->loss == LOSS_SE ? 2.0 : 1.0;
            dLda[j] = k * (aj - c->y[j]);
            mag[j] = k * (fabs(aj - c->y[j]) + am); /* a's error reaches a - y */
        }
    }
    orc_backward(o, dLda, mag);
}

static void net_free(net_case *c)
{
    nn_model_free(c->m);
    ag_tape_free(c->t);
}

typedef void (*net_check)(net_case *c, orc_stat *st);

/* Every kind of network, N_SEEDS seeds each, depths 2-4 (or only 2). */
static void for_each_net(net_check check, orc_stat *st, bool two_layers)
{
    for (unsigned kind = 0; kind < 6; kind++)
        for (uint64_t seed = 0; seed < N_SEEDS; seed++) {
            net_case *c = malloc(sizeof *c);
            cr_assert(c);
            net_run(c, kind, seed, two_layers ? 2 : 2 + seed % 3);
            check(c, st);
            net_free(c);
            free(c);
        }
}

/* F9, written out here: delta^L_j = (a_j - y_j) f'(z_j) for F6,
 * 2 (a_j - y_j) f'(z_j) for F7, and s - y for softmax with cross-entropy
 * (F17's collapse of F5 and the log). */
static void check_f9(net_case *c, orc_stat *st)
{
    orc_mlp *o = &c->o;
    size_t L = o->n_layers, n = o->size[L];
    const double *db = ag_grads(c->t, nn_layer_at(c->m, L - 1)->b);
    for (size_t j = 0; j < n; j++) {
        double a = o->a[L][j], z = o->z[L][j], want, fl = ORC_MAG_FLOOR * o->mag.delta[L][j];
        if (c->loss == LOSS_CE)
            want = a - c->y[j];
        else
            want = (c->loss == LOSS_SE ? 2.0 : 1.0) * (a - c->y[j]) * orc_dact(o->act[L], z, a, o->slope);
        ORC_CHECK(st, ag_grad(c->t, ag_at(c->t, ag_run_of(c->zrun[L], j + 1), j)), want, fl, "%s dL/dz^L_%zu", c->ctx, j);
        ORC_CHECK(st, db[j], want, fl, "%s dL/db^L_%zu", c->ctx, j);
    }
}

Test(formulas, F9_output_delta)
{
    orc_stat st = {.name = "F9"};
    for_each_net(check_f9, &st, false);
    orc_stat_print(&st);
}

/* F10: dL/dW^l[j][i] = a^{l-1}_i delta^l_j (nn stores W as [out][in]),
 * dL/db^l_j = delta^l_j, every layer, every weight. */
static void check_f10(net_case *c, orc_stat *st)
{
    orc_mlp *o = &c->o;
    for (size_t l = 1; l <= o->n_layers; l++) {
        const nn_layer *ly = nn_layer_at(c->m, l - 1);
        const double *dW = ag_grads(c->t, ly->w);
        const double *db = ag_grads(c->t, ly->b);
        for (size_t j = 0; j < ly->n_out; j++) {
            for (size_t i = 0; i < ly->n_in; i++)
                ORC_CHECK(st, dW[j * ly->n_in + i], o->g.dW[l][j * ly->n_in + i],
                          ORC_MAG_FLOOR * o->mag.dW[l][j * ly->n_in + i], "%s dL/dW^%zu[%zu][%zu]",
                          c->ctx, l, j, i);
            ORC_CHECK(st, db[j], o->g.db[l][j], ORC_MAG_FLOOR * o->mag.db[l][j], "%s dL/db^%zu_%zu", c->ctx, l, j);
        }
    }
}

Test(formulas, F10_weight_and_bias_gradients)
{
    orc_stat st = {.name = "F10"};
    for_each_net(check_f10, &st, false);
    orc_stat_print(&st);
}

/* F11: delta^l = ((W^{l+1})^T delta^{l+1}) (.) f'(z^l) for every hidden
 * layer, read from the engine as dL/db^l (F10) and as dL/dz^l. */
static void check_f11(net_case *c, orc_stat *st)
{
    orc_mlp *o = &c->o;
    for (size_t l = 1; l < o->n_layers; l++) {
        const nn_layer *ly = nn_layer_at(c->m, l - 1);
        const double *db = ag_grads(c->t, ly->b);
        for (size_t j = 0; j < ly->n_out; j++) {
            ORC_CHECK(st, db[j], o->g.delta[l][j], ORC_MAG_FLOOR * o->mag.delta[l][j], "%s delta^%zu_%zu (bias)", c->ctx, l, j);
            ORC_CHECK(st, ag_grad(c->t, ag_at(c->t, ag_run_of(c->zrun[l], j + 1), j)), o->g.delta[l][j],
                      ORC_MAG_FLOOR * o->mag.delta[l][j],
                      "%s delta^%zu_%zu (z node)", c->ctx, l, j);
        }
    }
}

Test(formulas, F11_hidden_delta)
{
    orc_stat st = {.name = "F11"};
    for_each_net(check_f11, &st, false);
    orc_stat_print(&st);
}

/* F12 (note 003): dL/da^k from dL/da^{k+1} through da^{k+1}/dz^{k+1} and
 * dz^{k+1}/da^k = W^{k+1}, down to the inputs (k = 0: the input variables),
 * against the engine's gradient at each layer's output nodes. */
static void check_f12(net_case *c, orc_stat *st)
{
    orc_mlp *o = &c->o;
    for (size_t k = 0; k <= o->n_layers; k++) {
        ag_node first = k == 0 ? c->x : c->arun[k];
        for (size_t j = 0; j < o->size[k]; j++)
            ORC_CHECK(st, ag_grad(c->t, ag_at(c->t, ag_run_of(first, j + 1), j)), o->g.dA[k][j],
                      ORC_MAG_FLOOR * o->mag.dA[k][j], "%s dL/da^%zu_%zu",
                      c->ctx, k, j);
    }
}

Test(formulas, F12_activation_gradient_induction)
{
    orc_stat st = {.name = "F12"};
    for_each_net(check_f12, &st, false);
    orc_stat_print(&st);
}

/* ---- F18: the vectorised two-layer form of note 002 ---------------------- */

/* out = M^T v for M [rows][cols] row-major: out_c = sum_r M[r][c] v_r */
static void mat_t_vec(const double *M, size_t rows, size_t cols, const double *v, double *out)
{
    for (size_t col = 0; col < cols; col++) {
        out[col] = 0.0;
        for (size_t row = 0; row < rows; row++)
            out[col] += M[row * cols + col] * v[row];
    }
}

/* out = u v^T, [len u][len v] */
static void outer(const double *u, size_t nu, const double *v, size_t nv, double *out)
{
    for (size_t i = 0; i < nu; i++)
        for (size_t j = 0; j < nv; j++)
            out[i * nv + j] = u[i] * v[j];
}

/* dJ/dz2 = C'(y^, y) (.) f2'(z2) (s - y for softmax with cross-entropy);
 * dJ/db2 = dJ/dz2; dJ/dW2 = dJ/dz2 (a1)^T; dJ/db1 = ((W2)^T dJ/dz2) (.) f1'(z1);
 * dJ/dW1 = dJ/db1 x^T. The magnitude floors are the oracle network's
 * (oracle.h: ORC_MAG_FLOOR), the values are computed here. */
static void check_f18(net_case *c, orc_stat *st)
{
    orc_mlp *o = &c->o;
    size_t n0 = o->size[0], n1 = o->size[1], n2 = o->size[2];
    double dz2[ORC_MAX_WIDTH], back[ORC_MAX_WIDTH], db1[ORC_MAX_WIDTH];
    double dW2[ORC_MAX_WIDTH * ORC_MAX_WIDTH], dW1[ORC_MAX_WIDTH * ORC_MAX_WIDTH];
    for (size_t j = 0; j < n2; j++) {
        double yh = o->a[2][j];
        double Cp = c->loss == LOSS_SE ? 2.0 * (yh - c->y[j]) : yh - c->y[j];
        dz2[j] = c->loss == LOSS_CE ? yh - c->y[j] : Cp * orc_dact(o->act[2], o->z[2][j], yh, o->slope);
    }
    outer(dz2, n2, o->a[1], n1, dW2);
    mat_t_vec(o->W[2], n2, n1, dz2, back);
    for (size_t i = 0; i < n1; i++)
        db1[i] = back[i] * orc_dact(o->act[1], o->z[1][i], o->a[1][i], o->slope);
    outer(db1, n1, c->xv, n0, dW1);

    const nn_layer *l1 = nn_layer_at(c->m, 0), *l2 = nn_layer_at(c->m, 1);
    const double *gW1 = ag_grads(c->t, l1->w), *gb1 = ag_grads(c->t, l1->b);
    const double *gW2 = ag_grads(c->t, l2->w), *gb2 = ag_grads(c->t, l2->b);
    for (size_t k = 0; k < n2; k++)
        ORC_CHECK(st, gb2[k], dz2[k], ORC_MAG_FLOOR * o->mag.db[2][k], "%s dJ/db2_%zu", c->ctx, k);
    for (size_t k = 0; k < n2 * n1; k++)
        ORC_CHECK(st, gW2[k], dW2[k], ORC_MAG_FLOOR * o->mag.dW[2][k], "%s dJ/dW2[%zu]", c->ctx, k);
    for (size_t k = 0; k < n1; k++)
        ORC_CHECK(st, gb1[k], db1[k], ORC_MAG_FLOOR * o->mag.db[1][k], "%s dJ/db1_%zu", c->ctx, k);
    for (size_t k = 0; k < n1 * n0; k++)
        ORC_CHECK(st, gW1[k], dW1[k], ORC_MAG_FLOOR * o->mag.dW[1][k], "%s dJ/dW1[%zu]", c->ctx, k);
}

Test(formulas, F18_two_layer_vectorised)
{
    orc_stat st = {.name = "F18"};
    for_each_net(check_f18, &st, true);
    orc_stat_print(&st);
}

/* ---- F8: note 004's single neuron ------------------------------------------ */

/* z = w1 x1 + b, a = sigma(z), C = 1/2 (a - y)^2:
 * dC/dw1 = (a - y) sigma'(z) x1, dC/db = (a - y) sigma'(z). The first case
 * is fixed: w1 = 0.5, x1 = 2, b = -1 give z = 0, a = 1/2, sigma' = 1/4, and
 * with y = 1: dC/dw1 = (-1/2)(1/4)(2) = -1/4, dC/db = -1/8 exactly. */
Test(formulas, F8_single_neuron)
{
    orc_stat st = {.name = "F8"};
    orc_rng r = {8};
    for (int k = 0; k < 60; k++) {
        double w1 = 0.5, x1 = 2.0, b = -1.0, y = 1.0;
        if (k > 0) {
            w1 = orc_uniform(&r, -2, 2);
            x1 = orc_uniform(&r, -2, 2);
            b = orc_uniform(&r, -2, 2);
            y = orc_uniform(&r, 0, 1);
        }
        ag_tape *t = ag_tape_new(0);
        nn_model *m = nn_model_new(t);
        nn_rng rng;
        nn_rng_seed(&rng, (uint64_t)k);
        nn_layer ly;
        cr_assert_eq(nn_dense_new(m, "0", 1, 1, NN_ACT_SIGMOID, NN_INIT_UNIFORM, &rng, &ly), AG_OK);
        *ag_values(t, ly.w) = w1;
        *ag_values(t, ly.b) = b;
        ag_node x = ag_const(t, x1), yc = ag_const(t, y);
        ag_node a = nn_dense_forward(t, &ly, ag_run_of(x, 1)).first;
        ag_node C = nn_loss(t, NN_LOSS_HALF_SE, ag_run_of(a, 1), ag_run_of(yc, 1), NN_SUM);
        cr_assert_eq(ag_backward(t, C), AG_OK, "%s", ag_tape_error(t));
        double z = w1 * x1 + b, s = 1.0 / (1.0 + exp(-z)), ds = s * (1.0 - s);
        if (k == 0) {
            cr_assert_eq(ag_grad(t, ly.w.first), -0.25);
            cr_assert_eq(ag_grad(t, ly.b.first), -0.125);
        }
        ORC_CHECK(&st, ag_value(t, C), 0.5 * (s - y) * (s - y), 0.0, "C at case %d", k);
        ORC_CHECK(&st, ag_grad(t, ly.w.first), (s - y) * ds * x1, 0.0, "dC/dw1 at case %d", k);
        ORC_CHECK(&st, ag_grad(t, ly.b.first), (s - y) * ds, 0.0, "dC/db at case %d", k);
        nn_model_free(m);
        ag_tape_free(t);
    }
    orc_stat_print(&st);
}

/* ---- F13: the batched form of note 004 --------------------------------------- */

#define MAX_B 16

/* A two-layer sigmoid network n0 -> n1 -> n2 over a batch of B examples,
 * each recorded by its own forward and F6 loss, summed with one SUM node
 * (ag_apply). Rows are examples (note 004):
 *   D2 = (A2 - Y) (.) s'(Z2), dW2 = D2^T A1, db2 = sum_batch D2,
 *   D1 = (D2 W2) (.) s'(Z1),  dW1 = D1^T A0, db1 = sum_batch D1
 * (W stored [out][in], so D2 W2 is note 004's D2 W2^T), times 1/B for the
 * mean. */
static void f13_case(uint64_t seed, nn_reduce red, orc_stat *st)
{
    orc_rng r = {13000 + seed};
    size_t n0 = orc_pick(&r, 1, 6), n1 = orc_pick(&r, 1, 6), n2 = orc_pick(&r, 1, 4);
    size_t B = 1 + (size_t)(seed % MAX_B);
    size_t sizes[2] = {n1, n2};
    nn_act acts[2] = {NN_ACT_SIGMOID, NN_ACT_SIGMOID};
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    cr_assert_eq(nn_mlp_build(m, n0, sizes, acts, 2, NN_INIT_UNIFORM, &rng), AG_OK);
    orc_randomise_params(m, &r, -1, 1);
    const nn_layer *l1 = nn_layer_at(m, 0), *l2 = nn_layer_at(m, 1);
    double W1[36], b1[6], W2[24], b2[4];
    memcpy(W1, ag_values(t, l1->w), n1 * n0 * sizeof(double));
    memcpy(b1, ag_values(t, l1->b), n1 * sizeof(double));
    memcpy(W2, ag_values(t, l2->w), n2 * n1 * sizeof(double));
    memcpy(b2, ag_values(t, l2->b), n2 * sizeof(double));

    double A0[MAX_B][6], Y[MAX_B][4], Z1[MAX_B][6], A1[MAX_B][6], Z2[MAX_B][4], A2[MAX_B][4];
    ag_node losses[MAX_B];
    for (size_t e = 0; e < B; e++) {
        for (size_t i = 0; i < n0; i++)
            A0[e][i] = orc_uniform(&r, -2, 2);
        for (size_t j = 0; j < n2; j++)
            Y[e][j] = orc_uniform(&r, 0, 1);
        ag_run out = nn_mlp_forward(m, ag_consts(t, A0[e], n0));
        losses[e] = nn_loss(t, NN_LOSS_HALF_SE, out, ag_consts(t, Y[e], n2), NN_SUM);
        cr_assert(!ag_is_null(losses[e]), "%s", ag_tape_error(t));
    }
    ag_node L = ag_apply(t, AG_OP_SUM, losses, B); /* F13: the batch sum, or its mean */
    if (red == NN_MEAN)
        L = ag_mul(t, L, ag_const(t, 1.0 / (double)B));
    nn_zero_grad(m);
    cr_assert_eq(ag_backward(t, L), AG_OK, "%s", ag_tape_error(t));

    double D1[MAX_B][6], D2[MAX_B][4];
    for (size_t e = 0; e < B; e++) {
        for (size_t i = 0; i < n1; i++) {
            Z1[e][i] = b1[i];
            for (size_t k = 0; k < n0; k++)
                Z1[e][i] += A0[e][k] * W1[i * n0 + k];
            A1[e][i] = orc_sigmoid(Z1[e][i]);
        }
        for (size_t j = 0; j < n2; j++) {
            Z2[e][j] = b2[j];
            for (size_t i = 0; i < n1; i++)
                Z2[e][j] += A1[e][i] * W2[j * n1 + i];
            A2[e][j] = orc_sigmoid(Z2[e][j]);
            D2[e][j] = (A2[e][j] - Y[e][j]) * A2[e][j] * (1.0 - A2[e][j]);
        }
        for (size_t i = 0; i < n1; i++) {
            double s = 0.0;
            for (size_t j = 0; j < n2; j++)
                s += D2[e][j] * W2[j * n1 + i];
            D1[e][i] = s * A1[e][i] * (1.0 - A1[e][i]);
        }
    }
    double scale = red == NN_MEAN ? 1.0 / (double)B : 1.0;
    const double *gW1 = ag_grads(t, l1->w), *gb1 = ag_grads(t, l1->b);
    const double *gW2 = ag_grads(t, l2->w), *gb2 = ag_grads(t, l2->b);
    const char *rn = red == NN_MEAN ? "mean" : "sum";
    for (size_t j = 0; j < n2; j++) {
        double sb = 0.0;
        for (size_t e = 0; e < B; e++)
            sb += D2[e][j];
        ORC_CHECK(st, gb2[j], scale * sb, 0.0, "seed %u %s B=%zu db2_%zu", (unsigned)seed, rn, B, j);
        for (size_t i = 0; i < n1; i++) {
            double s = 0.0;
            for (size_t e = 0; e < B; e++)
                s += D2[e][j] * A1[e][i];
            ORC_CHECK(st, gW2[j * n1 + i], scale * s, 0.0, "seed %u %s B=%zu dW2[%zu][%zu]", (unsigned)seed, rn,
                      B, j, i);
        }
    }
    for (size_t i = 0; i < n1; i++) {
        double sb = 0.0;
        for (size_t e = 0; e < B; e++)
            sb += D1[e][i];
        ORC_CHECK(st, gb1[i], scale * sb, 0.0, "seed %u %s B=%zu db1_%zu", (unsigned)seed, rn, B, i);
        for (size_t k = 0; k < n0; k++) {
            double s = 0.0;
            for (size_t e = 0; e < B; e++)
                s += D1[e][i] * A0[e][k];
            ORC_CHECK(st, gW1[i * n0 + k], scale * s, 0.0, "seed %u %s B=%zu dW1[%zu][%zu]", (unsigned)seed, rn,
                      B, i, k);
        }
    }
    nn_model_free(m);
    ag_tape_free(t);
}

Test(formulas, F13_batch_sum_and_mean)
{
    orc_stat st = {.name = "F13"};
    for (uint64_t seed = 0; seed < 2 * MAX_B; seed++) {
        f13_case(seed, NN_SUM, &st);
        f13_case(seed, NN_MEAN, &st);
    }
    orc_stat_print(&st);
}
