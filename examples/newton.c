/*
 * newton.c: Newton's method next to gradient descent, on logistic
 * regression for two classes of the 8x8 digits (3 against 8: the pair a
 * linear model finds hardest). The parameters are w (64 pixel weights) and
 * a bias b; with z_i = w . x_i + b and y_i in {0, 1} the loss is
 *
 *   L = (1/N) sum_i [softplus(z_i) - y_i z_i] + (lambda/2) |w|^2,
 *
 * whose Hessian is X~^T diag(p_i (1 - p_i)) X~ / N + lambda I_w (X~ the
 * pixels with a column of 1s, p = sigmoid(z)): positive definite, so each
 * Newton step p <- p - H^-1 dL/dp is a Cholesky solve. The engine gives
 * dL/dp (ag_backward) and H (ag_hessian, from the recorded gradient) of the
 * very same recorded loss. Gradient descent takes p <- p - eta dL/dp.
 *
 * Both start from zero and print their loss curves side by side; Newton
 * reaches a gradient norm below 1e-10 in a handful of steps, gradient
 * descent is still far from the minimum after as many.
 *
 * usage: newton [--data digits.csv] [--steps N] [--lr ETA] [--lambda L]
 * Exit status: 0 when Newton converged (|dL/dp| < 1e-10) within the steps
 * and ends below gradient descent; 1 when not; 2 bad usage or data.
 */
#include "autograd.h"
#include "excli.h"
#include "nn.h"
#include "nn_io.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "newton"
#define CLASS_NEG 3
#define CLASS_POS 8
#define D 64      /* pixels                      */
#define P (D + 1) /* parameters: w then b        */

typedef struct problem {
    size_t n;      /* samples of the two classes  */
    double *x;     /* n x P: pixels and a 1       */
    double *y;     /* n labels, 0 or 1            */
    double lambda;
} problem;

/* Record L at parameters p (a run of P variables); its node. */
static ag_node record_loss(ag_tape *t, const problem *pb, ag_run p)
{
    ag_run x = ag_consts(t, pb->x, pb->n * P), y = ag_consts(t, pb->y, pb->n);
    /* z_i = sum_k x_ik p_k: one dot per sample, the bias as w_64 against 1 */
    ag_run z = ag_dot_rows(t, x, p, AG_NULL_RUN);
    ag_node fit = nn_loss(t, NN_LOSS_BCE_LOGITS, z, y, NN_MEAN);
    ag_run w = ag_run_of(p.first, D);
    ag_node l2 = ag_dot(t, w, w, AG_NULL); /* |w|^2, not the bias */
    return ag_add(t, fit, ag_mul(t, ag_const(t, 0.5 * pb->lambda), l2));
}

/* Solve H d = g in place (d overwrites g) by Cholesky, H = L L^T
 * (overwritten). false when H is not positive definite. */
static bool cholesky_solve(double *h, double *g, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        double s = h[j * n + j];
        for (size_t k = 0; k < j; k++)
            s -= h[j * n + k] * h[j * n + k];
        if (!(s > 0))
            return false;
        h[j * n + j] = sqrt(s);
        for (size_t i = j + 1; i < n; i++) {
            double u = h[i * n + j];
            for (size_t k = 0; k < j; k++)
                u -= h[i * n + k] * h[j * n + k];
            h[i * n + j] = u / h[j * n + j];
        }
    }
    for (size_t i = 0; i < n; i++) { /* L u = g */
        for (size_t k = 0; k < i; k++)
            g[i] -= h[i * n + k] * g[k];
        g[i] /= h[i * n + i];
    }
    for (size_t i = n; i-- > 0;) { /* L^T d = u */
        for (size_t k = i + 1; k < n; k++)
            g[i] -= h[k * n + i] * g[k];
        g[i] /= h[i * n + i];
    }
    return true;
}

/* One step of either method from the parameters' current values: loss and
 * gradient norm before the step. */
static ag_status step(ag_tape *t, const problem *pb, ag_run p, bool newton, double lr, double *loss, double *gnorm)
{
    ag_mark m = ag_tape_mark(t);
    ag_node L = record_loss(t, pb, p);
    memset(ag_grads(t, p), 0, P * sizeof(double));
    ag_status s = ag_backward(t, L);
    if (s != AG_OK)
        return s;
    *loss = ag_value(t, L);
    double g[P], *h = NULL, ss = 0;
    memcpy(g, ag_grads(t, p), sizeof g);
    for (size_t k = 0; k < P; k++)
        ss += g[k] * g[k];
    *gnorm = sqrt(ss);
    if (newton) {
        if ((s = ag_hessian(t, L, p, &h)) != AG_OK)
            return s;
        bool ok = cholesky_solve(h, g, P);
        ag_free(h);
        if (!ok)
            return ag_tape_fail(t, AG_EINVAL, "newton: the Hessian is not positive definite");
    } else {
        for (size_t k = 0; k < P; k++)
            g[k] *= lr;
    }
    double *v = ag_values(t, p);
    for (size_t k = 0; k < P; k++)
        v[k] -= g[k];
    return ag_tape_rewind(t, m);
}

static bool load(const char *path, double lambda, problem *pb)
{
    nn_dataset d;
    *pb = (problem){0, NULL, NULL, lambda};
    if (!ex_load_csv(PROG, path, &d))
        return false;
    if (d.cols != D) {
        fprintf(stderr, PROG ": %s: %zu features, want %d (the 8x8 digits)\n", path, d.cols, D);
        nn_dataset_free(&d);
        return false;
    }
    *pb = (problem){0, malloc(d.rows * P * sizeof(double)), malloc(d.rows * sizeof(double)), lambda};
    for (size_t r = 0; pb->x && pb->y && r < d.rows; r++) {
        if (d.y[r] != CLASS_NEG && d.y[r] != CLASS_POS)
            continue;
        memcpy(pb->x + pb->n * P, d.x + r * D, D * sizeof(double));
        pb->x[pb->n * P + D] = 1.0;
        pb->y[pb->n++] = d.y[r] == CLASS_POS;
    }
    nn_dataset_free(&d);
    if (!pb->x || !pb->y || pb->n == 0) {
        fprintf(stderr, PROG ": %s: %s\n", path, pb->n == 0 ? "no digits 3 or 8" : "out of memory");
        return false;
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *path = "examples/data/digits.csv";
    size_t steps = 8;
    double lr = 0.5, lambda = 1e-3;
    const ex_opt opts[] = {
        {"--data", EX_STR, &path},     {"--steps", EX_SIZE, &steps},
        {"--lr", EX_DOUBLE, &lr},      {"--lambda", EX_DOUBLE, &lambda},
        {NULL, EX_FLAG, NULL},
    };
    if (ex_options(PROG, argc, argv, opts, "[--data digits.csv] [--steps N] [--lr ETA] [--lambda L]") != EX_OK)
        return EX_USAGE;
    if (steps < 1 || !(lr > 0) || !(lambda > 0)) {
        fprintf(stderr, PROG ": --steps, --lr and --lambda must be positive\n");
        return EX_USAGE;
    }
    problem pb;
    if (!load(path, lambda, &pb)) {
        free(pb.x);
        free(pb.y);
        return EX_USAGE;
    }
    ag_tape *t = ag_tape_new(0);
    /* two parameter runs from zero: one for each method */
    ag_run pn = ag_vars(t, NULL, P), pg = ag_vars(t, NULL, P);
    printf("logistic regression, digit %d vs %d: %zu samples, %d parameters, lambda %g\n", CLASS_POS, CLASS_NEG,
           pb.n, P, lambda);
    printf("%4s  %22s %12s  %22s %12s\n", "step", "Newton loss", "|grad|", "gradient descent loss", "|grad|");
    double ln = 0, gn = (double)INFINITY, lg = 0, gg = 0;
    long converged = -1;
    ag_status s = AG_OK;
    for (long k = 0; k <= (long)steps && s == AG_OK; k++) {
        if ((s = step(t, &pb, pn, true, lr, &ln, &gn)) == AG_OK)
            s = step(t, &pb, pg, false, lr, &lg, &gg);
        if (s == AG_OK)
            printf("%4ld  %22.17f %12.3e  %22.17f %12.3e\n", k, ln, gn, lg, gg);
        if (converged < 0 && gn < 1e-10)
            converged = k;
    }
    if (s != AG_OK)
        fprintf(stderr, PROG ": %s\n", ag_tape_error(t));
    else if (converged >= 0)
        printf("Newton: |grad| < 1e-10 after %ld steps; gradient descent (lr %g) is at loss %.6f after %zu\n", converged,
               lr, lg, steps);
    else
        printf("Newton did not reach |grad| < 1e-10 in %zu steps\n", steps);
    int rc = s == AG_OK && converged >= 0 && ln < lg ? EX_OK : EX_FAILED;
    ag_tape_free(t);
    free(pb.x);
    free(pb.y);
    return rc;
}
