/*
 * test_custom_model.c: the documented way to write a custom model (nn.h):
 * parameters and layers from nn, a forward function of one's own over
 * nn_dense_forward, nn_activate and raw ag_* ops. Here a residual block
 *
 *   h = relu(W1 x + b1),  r = h + x,  out = s * (W2 r + b2)
 *
 * with a raw scalar parameter s. The model trains with the same optimizer,
 * its gradients agree with central finite differences of the engine's own
 * replayed forward, and it saves and loads like an MLP.
 */
#include "nn.h"
#include "teach.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#define N 3

typedef struct resnet {
    nn_model *m;
    nn_layer l1, l2;
    nn_param scale;
} resnet;

static void resnet_build(resnet *r, ag_tape *t, uint64_t seed)
{
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    r->m = nn_model_new(t);
    cr_assert_not_null(r->m);
    cr_assert_eq(nn_dense_new(r->m, "block", N, N, NN_ACT_RELU, NN_INIT_HE, &rng, &r->l1), AG_OK);
    cr_assert_eq(nn_dense_new(r->m, "head", N, 1, NN_ACT_LINEAR, NN_INIT_XAVIER, &rng, &r->l2), AG_OK);
    cr_assert_eq(nn_param_new(r->m, "scale", 1, 0, NN_INIT_UNIFORM, &rng, &r->scale), AG_OK);
}

/* out for the input run x (N nodes) */
static ag_node resnet_forward(resnet *r, ag_tape *t, ag_run x)
{
    ag_run h = nn_dense_forward(t, &r->l1, x);
    ag_node first = AG_NULL;
    for (size_t k = 0; k < N; k++) {
        ag_node hk = ag_at(t, h, k), xk = ag_at(t, x, k);
        ag_node rk = ag_add(t, hk, xk); /* the skip connection */
        if (k == 0)
            first = rk;
    }
    ag_run head = nn_dense_forward(t, &r->l2, ag_run_of(first, N));
    return ag_mul(t, r->scale.v.first, head.first);
}

static const double X[4][N] = {{1, 0, -1}, {0.5, 2, 0}, {-1, -1, 1}, {2, 0.5, -0.5}};
static const double Y[4] = {1, -1, 0.5, 2};

/* mean squared error over the four points, recorded above the model */
static ag_node resnet_loss(resnet *r, ag_tape *t)
{
    ag_node terms[4];
    for (size_t i = 0; i < 4; i++) {
        ag_run x = ag_consts(t, X[i], N), y = ag_consts(t, &Y[i], 1);
        terms[i] = nn_loss(t, NN_LOSS_SE, ag_run_of(resnet_forward(r, t, x), 1), y, NN_SUM);
    }
    return ag_mul(t, ag_apply(t, AG_OP_SUM, terms, 4), ag_const(t, 0.25)); /* the mean */
}

Test(custom_model, residual_gradients_agree_with_finite_differences)
{
    ag_tape *t = ag_tape_new(0);
    resnet r;
    resnet_build(&r, t, 7);
    ag_mark m = ag_tape_mark(t);
    ag_node L = resnet_loss(&r, t);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    size_t n;
    ag_node p = ((n) = nn_model_params(r.m).n, nn_model_params(r.m).first);
    cr_assert_eq(n, N * N + N + N + 1 + 1);
    ag_node inputs[32];
    for (size_t k = 0; k < n; k++)
        inputs[k] = ag_at(t, ag_run_of(p, k + 1), k);
    ag_gradcheck_row rows[32];
    nn_zero_grad(r.m);
    cr_assert_eq(ag_gradcheck(t, m, L, inputs, n, rows), AG_OK, "%s", ag_tape_error(t));
    for (size_t k = 0; k < n; k++)
        cr_assert(rows[k].abs_err <= 1e-7 * fmax(1.0, fabs(rows[k].numeric)),
                  "parameter %zu: autodiff %.17g, finite difference %.17g", k, rows[k].analytic,
                  rows[k].numeric);
    nn_model_free(r.m);
    ag_tape_free(t);
}

Test(custom_model, trains_with_adam_and_round_trips_through_a_file)
{
    ag_tape *t = ag_tape_new(0);
    resnet r;
    resnet_build(&r, t, 11);
    nn_optim *o = nn_optim_new(r.m, &(nn_optim_opts){.kind = NN_OPTIM_ADAM, .lr = 0.05});
    cr_assert_not_null(o);
    ag_mark m = ag_tape_mark(t);
    double first = 0, last = 0;
    for (int step = 0; step < 200; step++) {
        ag_node L = resnet_loss(&r, t);
        last = *ag_values(t, ag_run_of(L, 1));
        if (step == 0)
            first = last;
        nn_zero_grad(r.m);
        cr_assert_eq(ag_backward(t, L), AG_OK);
        cr_assert_eq(nn_optim_step(o, r.m), AG_OK);
        cr_assert_eq(ag_tape_rewind(t, m), AG_OK);
    }
    cr_assert(last < 0.1 * first, "loss %g -> %g", first, last);

    /* save, then load into the same architecture built from another seed:
     * the outputs agree bit for bit */
    char path[] = "/tmp/agrad-custom-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    nn_error err;
    cr_assert_eq(nn_model_save(r.m, path, &err), AG_OK, "%s", err.message);
    ag_tape *t2 = ag_tape_new(0);
    resnet r2;
    resnet_build(&r2, t2, 99);
    cr_assert_eq(nn_model_load(r2.m, path, &err), AG_OK, "%s", err.message);
    unlink(path);
    /* the message is optional: a failed load with no nn_error still reports */
    cr_assert_neq(nn_model_load(r2.m, path, NULL), AG_OK);
    cr_assert_eq(nn_model_save(r2.m, "/nonexistent-dir/m.safetensors", NULL), NN_EIO);
    for (size_t i = 0; i < 4; i++) {
        ag_node a = resnet_forward(&r, t, ag_consts(t, X[i], N));
        ag_node b = resnet_forward(&r2, t2, ag_consts(t2, X[i], N));
        cr_assert_eq(ag_value(t, a), ag_value(t2, b));
    }
    nn_optim_free(o);
    nn_model_free(r.m);
    nn_model_free(r2.m);
    ag_tape_free(t);
    ag_tape_free(t2);
}
