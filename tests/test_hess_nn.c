/*
 * test_hess_nn.c: second order on nn models (issue 11): a small MLP's
 * Hessian-vector product against central differences of its gradient (each
 * gradient an ordinary ag_backward at perturbed parameters), its Hessian
 * symmetric and equal to H e_k column by column, and the Newton example
 * converging in a handful of steps where gradient descent does not.
 */
#include "autograd.h"
#include "nn.h"
#include "oracle.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

enum { NIN = 3, NOUT = 2, BATCH = 4 };

static const double XS[BATCH][NIN] = {{0.5, -1.0, 2.0}, {1.5, 0.25, -0.5}, {-0.75, 1.0, 0.1}, {0.3, -0.3, 0.9}};
static const double YS[BATCH][NOUT] = {{1, 0}, {0, 1}, {0, 1}, {1, 0}};

/* MLP(3, [5, 2]) tanh then linear, softmax-CE summed over the batch */
static ag_node mlp_loss(nn_model *m)
{
    ag_tape *t = nn_model_tape(m);
    ag_node terms[BATCH];
    for (int s = 0; s < BATCH; s++) {
        ag_run x = ag_consts(t, XS[s], NIN), y = ag_consts(t, YS[s], NOUT);
        terms[s] = nn_loss(t, NN_LOSS_SOFTMAX_CE, nn_mlp_forward(m, x), y, NN_SUM);
    }
    return ag_apply(t, AG_OP_SUM, terms, BATCH);
}

static nn_model *small_mlp(ag_tape *t)
{
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, 7);
    size_t sizes[] = {5, NOUT};
    nn_act acts[] = {NN_ACT_TANH, NN_ACT_LINEAR};
    cr_assert_eq(nn_mlp_build(m, NIN, sizes, acts, 2, NN_INIT_XAVIER, &rng), AG_OK);
    /* non-zero biases, so that no second derivative vanishes by symmetry */
    ag_run p = nn_model_params(m);
    size_t n = p.n;
    double *v = ag_values(t, p);
    for (size_t k = 0; k < n; k++)
        v[k] += 0.05 * (double)(k % 7) - 0.1;
    return m;
}

/* gradient of the loss at the current parameters, into g */
static void gradient(nn_model *m, double *g)
{
    ag_tape *t = nn_model_tape(m);
    ag_mark mk = ag_tape_mark(t);
    ag_node L = mlp_loss(m);
    nn_zero_grad(m);
    cr_assert_eq(ag_backward(t, L), AG_OK);
    ag_run p = nn_model_params(m);
    memcpy(g, ag_grads(t, p), p.n * sizeof *g);
    ag_tape_rewind(t, mk);
}

Test(hess_nn, mlp_hvp_matches_finite_differences_of_the_gradient)
{
    ag_tape *t = ag_tape_new(0);
    nn_model *m = small_mlp(t);
    ag_run p = nn_model_params(m);
    size_t n = p.n;
    cr_assert_eq(n, 3 * 5 + 5 + 5 * 2 + 2);
    double *v = calloc(n, sizeof *v), *hv = calloc(n, sizeof *hv), *gp = calloc(n, sizeof *gp),
           *gm = calloc(n, sizeof *gm), *p0 = calloc(n, sizeof *p0);
    orc_rng r = {3};
    for (size_t k = 0; k < n; k++)
        v[k] = orc_uniform(&r, -1, 1);
    memcpy(p0, ag_values(t, p), n * sizeof *p0);
    ag_mark mk = ag_tape_mark(t);
    ag_node L = mlp_loss(m);
    cr_assert_eq(ag_hvp(t, L, nn_model_params(m), v, hv), AG_OK, "%s", ag_tape_error(t));
    ag_tape_rewind(t, mk);
    /* (g(p + h v) - g(p - h v)) / 2h = H v + O(h^2): h = 1e-5 leaves
     * truncation ~1e-10 and rounding ~1e-11 relative to |H v| ~ 1 */
    double h = 1e-5, scale = 0;
    for (int side = 0; side < 2; side++) {
        double *pv = ag_values(t, p);
        for (size_t k = 0; k < n; k++)
            pv[k] = p0[k] + (side ? h : -h) * v[k];
        gradient(m, side ? gp : gm);
    }
    memcpy(ag_values(t, p), p0, n * sizeof *p0);
    for (size_t k = 0; k < n; k++)
        scale = fmax(scale, fabs(hv[k]));
    cr_assert_gt(scale, 0.1);
    for (size_t k = 0; k < n; k++) {
        double fd = (gp[k] - gm[k]) / (2 * h);
        cr_expect_leq(fabs(hv[k] - fd), 1e-7 * scale, "Hv[%zu] = %.17g, finite differences %.17g", k, hv[k], fd);
    }
    /* the full Hessian: symmetric, and H v is its product with v */
    double *H = NULL;
    L = mlp_loss(m);
    cr_assert_eq(ag_hessian(t, L, nn_model_params(m), &H), AG_OK, "%s", ag_tape_error(t));
    for (size_t i = 0; i < n; i++) {
        double want = 0;
        for (size_t j = 0; j < n; j++) {
            want += H[i * n + j] * v[j];
            cr_expect_leq(fabs(H[i * n + j] - H[j * n + i]), 1e-12 * fmax(fabs(H[i * n + j]), 1e-300) + 1e-15,
                          "H[%zu][%zu] = %.17g, H[%zu][%zu] = %.17g", i, j, H[i * n + j], j, i, H[j * n + i]);
        }
        cr_expect_leq(fabs(hv[i] - want), 1e-12 * scale);
    }
    ag_free(H);
    free(v), free(hv), free(gp), free(gm), free(p0);
    nn_model_free(m);
    ag_tape_free(t);
}

Test(hess_nn, newton_example_converges_where_gradient_descent_does_not)
{
    const char *b = getenv("AGRAD_BUILD");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s/examples/newton 2>&1", b && *b ? b : "build");
    FILE *p = popen(cmd, "r");
    cr_assert(p);
    char line[512];
    double newton_last = (double)NAN, gd_last = (double)NAN, newton_first = (double)NAN;
    long after = -1;
    int rows = 0;
    while (fgets(line, sizeof line, p)) {
        long k;
        double ln, gn, lg, gg;
        if (sscanf(line, "%ld %lf %lf %lf %lf", &k, &ln, &gn, &lg, &gg) == 5) {
            if (rows++ == 0)
                newton_first = ln;
            newton_last = ln, gd_last = lg;
        }
        sscanf(line, "Newton: |grad| < 1e-10 after %ld steps", &after);
    }
    int st = pclose(p);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "newton exited %d", WEXITSTATUS(st));
    /* at zero weights every p_i = 1/2: L = log 2 (the bias term adds 0) */
    cr_expect_leq(fabs(newton_first - log(2.0)), 1e-13); /* a mean of 357 terms: rounding */
    cr_expect(after >= 1 && after <= 10, "Newton converged after %ld steps", after);
    cr_expect_lt(newton_last, 0.5 * gd_last, "Newton %.6f, gradient descent %.6f", newton_last, gd_last);
}
