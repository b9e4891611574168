/*
 * test_hand.c: the hand-written backprop floor (bench/w_hand.c) and the
 * example data sets. The floor's gradients are checked against central
 * finite differences of a loss computed here from its forward pass, its
 * forward against a plain reference written here, its SGD step against F15
 * exactly; the data files against the generator and their stated shapes.
 *
 * bench/w_hand.c is compiled into this file (a unity-build include) because
 * the test runner links only the tests/ files and the libraries.
 */
#include "require.h"
#include "../bench/w_hand.c"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* splitmix64: a seeded stream of doubles in [lo, hi) */
static uint64_t hand_rng;
static double hand_uniform(double lo, double hi)
{
    uint64_t z = (hand_rng += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    z ^= z >> 31;
    return lo + (hi - lo) * (double)(z >> 11) * 0x1.0p-53;
}

static size_t hand_pick(size_t lo, size_t hi) /* integer in [lo, hi] */
{
    return lo + (size_t)hand_uniform(0, (double)(hi - lo + 1));
}

#define N_EX 7

/* A random MLP: n_in inputs, the given hidden widths (relu), then n_out
 * linear outputs; weights and biases uniform in [-1, 1). */
static void random_mlp(hand_mlp *m, size_t n_in, const size_t *hidden, size_t n_hidden,
                       size_t n_out, size_t max_batch)
{
    size_t sizes[8];
    hand_act acts[8];
    for (size_t l = 0; l < n_hidden; l++) {
        sizes[l] = hidden[l];
        acts[l] = HAND_RELU;
    }
    sizes[n_hidden] = n_out;
    acts[n_hidden] = HAND_LINEAR;
    cr_assert_eq(hand_mlp_init(m, n_in, sizes, acts, n_hidden + 1, max_batch), 0);
    for (size_t l = 0; l < m->n_layers; l++) {
        for (size_t k = 0; k < m->size[l + 1] * m->size[l]; k++)
            m->w[l][k] = hand_uniform(-1, 1);
        for (size_t k = 0; k < m->size[l + 1]; k++)
            m->b[l][k] = hand_uniform(-1, 1);
    }
}

/* Reference forward of one example, written from the definition
 * z^l_j = b^l_j + sum_k W^l_jk a^{l-1}_k, a^l = f(z^l): returns the
 * outputs in out and the smallest |z| of any relu unit (the distance to
 * the kink), and counts the relu units that are on and off. */
static double ref_forward(const hand_mlp *m, const double *x, double *out, int *n_on, int *n_off)
{
    double a[64], z[64], min_abs = HUGE_VAL;
    memcpy(a, x, m->size[0] * sizeof *a);
    for (size_t l = 0; l < m->n_layers; l++) {
        size_t nin = m->size[l], nout = m->size[l + 1];
        for (size_t j = 0; j < nout; j++) {
            z[j] = m->b[l][j];
            for (size_t k = 0; k < nin; k++)
                z[j] += m->w[l][j * nin + k] * a[k];
        }
        for (size_t j = 0; j < nout; j++) {
            if (m->act[l] == HAND_RELU) {
                min_abs = fmin(min_abs, fabs(z[j]));
                *n_on += z[j] > 0;
                *n_off += z[j] < 0;
                a[j] = z[j] > 0 ? z[j] : 0;
            } else {
                a[j] = z[j];
            }
        }
    }
    memcpy(out, a, m->size[m->n_layers] * sizeof *out);
    return min_abs;
}

/* The two losses, computed here from hand_mlp_forward's scores. */
static double sum_sq_params(const hand_mlp *m)
{
    double s = 0;
    for (size_t l = 0; l < m->n_layers; l++) {
        for (size_t k = 0; k < m->size[l + 1] * m->size[l]; k++)
            s += m->w[l][k] * m->w[l][k];
        for (size_t k = 0; k < m->size[l + 1]; k++)
            s += m->b[l][k] * m->b[l][k];
    }
    return s;
}

typedef struct loss_case {
    int softmax;
    const double *x, *y;
    const int *labels;
    size_t n;
    double alpha;
} loss_case;

/* The case's loss, computed here from hand_mlp_forward's scores s:
 * hinge (1/n) sum max(0, 1 - y s) + alpha sum p^2, or cross-entropy
 * (1/n) sum -log(e^{s_label} / sum_j e^{s_j}), unshifted (scores are O(1)). */
static double case_loss(hand_mlp *m, const loss_case *c)
{
    double s[N_EX * 8], total = 0;
    size_t nc = m->size[m->n_layers];
    hand_mlp_forward(m, c->x, c->n, s);
    for (size_t i = 0; i < c->n; i++) {
        if (!c->softmax) {
            total += fmax(0, 1 - c->y[i] * s[i]);
            continue;
        }
        double sum = 0;
        for (size_t j = 0; j < nc; j++)
            sum += exp(s[i * nc + j]);
        total += -log(exp(s[i * nc + (size_t)c->labels[i]]) / sum);
    }
    return total / (double)c->n + (c->softmax ? 0 : c->alpha * sum_sq_params(m));
}

/* Check every dL/dp the floor computes against (L(p+h) - L(p-h)) / 2h, and
 * the returned loss against the test's own. Returns how many gradient
 * components were nonzero. */
static int check_fd(hand_mlp *m, const loss_case *c, const char *what)
{
    const double h = 1e-6;
    double loss = c->softmax ? hand_softmax_ce_grad(m, c->x, c->labels, c->n)
                             : hand_hinge_grad(m, c->x, c->y, c->n, c->alpha);
    cr_assert_float_eq(loss, case_loss(m, c), 1e-12 * fmax(1, fabs(loss)), "%s: loss", what);
    int nonzero = 0;
    for (size_t l = 0; l < m->n_layers; l++) {
        size_t nw = m->size[l + 1] * m->size[l], nb = m->size[l + 1];
        for (size_t k = 0; k < nw + nb; k++) {
            double *p = k < nw ? &m->w[l][k] : &m->b[l][k - nw];
            double g = k < nw ? m->gw[l][k] : m->gb[l][k - nw];
            double p0 = *p;
            *p = p0 + h;
            double lp = case_loss(m, c);
            *p = p0 - h;
            double lm = case_loss(m, c);
            *p = p0;
            double fd = (lp - lm) / (2 * h); /* error ~1e-8 relative here */
            cr_assert(fabs(g - fd) <= 1e-6 * fmax(fabs(fd), 1e-3),
                      "%s: layer %zu param %zu: grad %.12g, finite difference %.12g", what, l,
                      k, g, fd);
            nonzero += g != 0;
        }
    }
    return nonzero;
}

/* Random data for one case; asserts that no relu unit and no hinge margin
 * is within 1e-3 of its kink (so the finite differences, with |dz| <~ 1e-5,
 * see a smooth function) and that the relus take both branches. */
static void random_inputs(hand_mlp *m, double *x, double *y, int *labels, size_t n)
{
    size_t n_in = m->size[0], c = m->size[m->n_layers];
    int on = 0, off = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < n_in; k++)
            x[i * n_in + k] = hand_uniform(-2, 2);
        y[i] = hand_uniform(0, 1) < 0.5 ? -1.0 : 1.0;
        labels[i] = (int)hand_pick(0, c - 1);
        double out[8];
        double kink = ref_forward(m, x + i * n_in, out, &on, &off);
        cr_assert_gt(kink, 1e-3, "a relu input within 1e-3 of 0: pick another seed");
        if (c == 1)
            cr_assert_gt(fabs(1 - y[i] * out[0]), 1e-3, "a hinge margin near 0");
    }
    cr_assert(on > 0 && off > 0, "the relus should take both branches (on %d, off %d)", on, off);
}

static void fd_cases(int softmax)
{
    for (uint64_t seed = 1; seed <= 6; seed++) {
        hand_rng = seed * 1000 + (uint64_t)softmax;
        size_t hidden[2] = {hand_pick(3, 5), hand_pick(3, 5)};
        size_t n_hidden = seed % 3 == 0 ? 2 : 1; /* mostly 2 layers, some 3 */
        size_t n_in = hand_pick(2, 4), n_out = softmax ? hand_pick(3, 4) : 1;
        hand_mlp m;
        random_mlp(&m, n_in, hidden, n_hidden, n_out, N_EX);
        double x[N_EX * 4], y[N_EX];
        int labels[N_EX];
        random_inputs(&m, x, y, labels, N_EX);
        loss_case c = {softmax, x, y, labels, N_EX, softmax ? 0 : 1e-2};
        char what[64];
        snprintf(what, sizeof what, "%s seed %u", softmax ? "softmax" : "hinge", (unsigned)seed);
        int nonzero = check_fd(&m, &c, what);
        cr_assert_gt(nonzero, 0);
        hand_mlp_free(&m);
    }
}

Test(hand, hinge_gradients_match_finite_differences) { fd_cases(0); }
Test(hand, softmax_ce_gradients_match_finite_differences) { fd_cases(1); }

Test(hand, forward_matches_hand_calculation)
{
    /* 2 -> 2 (relu) -> 1. W1 = [[1, -2], [0.5, 1]], b1 = [0.5, -1],
     * W2 = [[2, -3]], b2 = [0.25]; x = (1, 1):
     * z1 = (1 - 2 + 0.5, 0.5 + 1 - 1) = (-0.5, 0.5), a1 = (0, 0.5),
     * s = 2*0 - 3*0.5 + 0.25 = -1.25.
     * x = (2, -1): z1 = (2 + 2 + 0.5, 1 - 1 - 1) = (4.5, -1), a1 = (4.5, 0),
     * s = 9 + 0.25 = 9.25. */
    hand_mlp m;
    size_t sizes[2] = {2, 1};
    hand_act acts[2] = {HAND_RELU, HAND_LINEAR};
    cr_assert_eq(hand_mlp_init(&m, 2, sizes, acts, 2, 1), 0); /* max_batch 1: two chunks */
    const double w1[4] = {1, -2, 0.5, 1}, b1[2] = {0.5, -1}, w2[2] = {2, -3};
    memcpy(m.w[0], w1, sizeof w1);
    memcpy(m.b[0], b1, sizeof b1);
    memcpy(m.w[1], w2, sizeof w2);
    m.b[1][0] = 0.25;
    const double x[4] = {1, 1, 2, -1};
    double s[2];
    hand_mlp_forward(&m, x, 2, s);
    cr_assert_eq(s[0], -1.25);
    cr_assert_eq(s[1], 9.25);

    /* hinge, y = (1, 1), alpha = 0: margins 1 + 1.25 = 2.25 and 1 - 9.25 < 0,
     * L = 2.25 / 2 = 1.125; dL/ds = (-1/2, 0). Only example 1 counts:
     * dL/db2 = -0.5, dL/dW2 = -0.5 a1 = (0, -0.25); delta1 = W2^T (-0.5)
     * (.) relu'(z1) = (-1, 1.5) (.) (0, 1) = (0, 1.5): dL/db1 = (0, 1.5),
     * dL/dW1 = delta1 x^T = [[0, 0], [1.5, 1.5]]. */
    const double y[2] = {1, 1};
    cr_assert_eq(hand_hinge_grad(&m, x, y, 2, 0), 1.125);
    cr_assert_eq(m.gb[1][0], -0.5);
    cr_assert_eq(m.gw[1][0], 0);
    cr_assert_eq(m.gw[1][1], -0.25);
    cr_assert_eq(m.gb[0][0], 0);
    cr_assert_eq(m.gb[0][1], 1.5);
    const double gw1[4] = {0, 0, 1.5, 1.5};
    for (int k = 0; k < 4; k++)
        cr_assert_eq(m.gw[0][k], gw1[k], "dL/dW1[%d]", k);
    hand_mlp_free(&m);
}

Test(hand, kinks_have_zero_derivative)
{
    /* One linear layer 1 -> 1 with w = 0, b = 1: s = 1 for every x, so
     * with y = 1 the margin 1 - y s is exactly 0: the hinge term and its
     * derivative are 0 (only the regulariser's 2 alpha p remains). */
    hand_mlp m;
    size_t one = 1;
    hand_act lin = HAND_LINEAR;
    cr_assert_eq(hand_mlp_init(&m, 1, &one, &lin, 1, 4), 0);
    m.b[0][0] = 1;
    const double x[1] = {3}, y[1] = {1};
    cr_assert_eq(hand_hinge_grad(&m, x, y, 1, 0.5), 0.5); /* 0 + 0.5 * 1^2 */
    cr_assert_eq(m.gb[0][0], 1.0);                          /* 2 * 0.5 * 1 */
    cr_assert_eq(m.gw[0][0], 0.0);
    hand_mlp_free(&m);

    /* relu'(0) = 0: 1 -> 1 (relu) -> 1 with w1 = 1, b1 = -3 and x = 3 puts
     * the hidden unit exactly at z = 0; y = -1, w2 = 1, b2 = 0 gives margin
     * 1 - (-1)(0) = 1 > 0, dL/ds = 1, but nothing flows into layer 0. */
    size_t sizes[2] = {1, 1};
    hand_act acts[2] = {HAND_RELU, HAND_LINEAR};
    cr_assert_eq(hand_mlp_init(&m, 1, sizes, acts, 2, 4), 0);
    m.w[0][0] = 1;
    m.b[0][0] = -3;
    m.w[1][0] = 1;
    const double ym[1] = {-1};
    cr_assert_eq(hand_hinge_grad(&m, x, ym, 1, 0), 1.0);
    cr_assert_eq(m.gb[1][0], 1.0);
    cr_assert_eq(m.gw[1][0], 0.0); /* a1 = 0 */
    cr_assert_eq(m.gw[0][0], 0.0);
    cr_assert_eq(m.gb[0][0], 0.0);
    hand_mlp_free(&m);
}

Test(hand, softmax_ce_at_zero_weights)
{
    /* All weights and biases 0: every score is 0, softmax = 1/C, so
     * L = log C for any label, and dL/db_j = (1/n) sum_i (1/C - [label_i = j]).
     * C = 4, labels (0, 0, 3): dL/db = (1/4 - 2/3, 1/4, 1/4, 1/4 - 1/3). */
    hand_mlp m;
    size_t c = 4;
    hand_act lin = HAND_LINEAR;
    cr_assert_eq(hand_mlp_init(&m, 2, &c, &lin, 1, 8), 0);
    const double x[6] = {1, 2, 3, 4, 5, 6};
    const int labels[3] = {0, 0, 3};
    cr_assert_float_eq(hand_softmax_ce_grad(&m, x, labels, 3), log(4.0), 1e-15);
    const double want[4] = {0.25 - 2.0 / 3, 0.25, 0.25, 0.25 - 1.0 / 3};
    for (int j = 0; j < 4; j++)
        cr_assert_float_eq(m.gb[0][j], want[j], 1e-15, "dL/db[%d]", j);
    /* dL/dW_jk = (1/n) sum_i (1/4 - [label_i = j]) x_ik; for j = 1 (no label):
     * (1/3)(1/4)(1 + 3 + 5) = 0.75 for k = 0 */
    cr_assert_float_eq(m.gw[0][1 * 2 + 0], 0.75, 1e-15);
    hand_mlp_free(&m);
}

Test(hand, softmax_is_stable_for_large_scores)
{
    /* scores (1000, 0): logsumexp = 1000 + log(1 + e^-1000) = 1000 in
     * doubles; label 1 gives L = 1000 - 0 = 1000, not inf. */
    hand_mlp m;
    size_t c = 2;
    hand_act lin = HAND_LINEAR;
    cr_assert_eq(hand_mlp_init(&m, 1, &c, &lin, 1, 1), 0);
    m.b[0][0] = 1000;
    const double x[1] = {0};
    const int label[1] = {1};
    cr_assert_eq(hand_softmax_ce_grad(&m, x, label, 1), 1000.0);
    cr_assert_eq(m.gb[0][0], 1.0); /* softmax (1, 0) - onehot (0, 1) */
    cr_assert_eq(m.gb[0][1], -1.0);
    hand_mlp_free(&m);
}

/* F15: one step leaves exactly p - lr * dL/dp, with dL/dp from *_grad at
 * the same weights (both losses). */
Test(hand, step_is_gradient_descent)
{
    for (int softmax = 0; softmax < 2; softmax++) {
        hand_rng = 77 + (uint64_t)softmax;
        size_t hidden[1] = {4};
        hand_mlp a, b;
        random_mlp(&a, 3, hidden, 1, softmax ? 3 : 1, N_EX);
        hand_rng = 77 + (uint64_t)softmax; /* b: the same weights as a */
        random_mlp(&b, 3, hidden, 1, softmax ? 3 : 1, N_EX);
        double x[N_EX * 3], y[N_EX];
        int labels[N_EX];
        for (size_t i = 0; i < N_EX; i++) {
            for (size_t k = 0; k < 3; k++)
                x[i * 3 + k] = hand_uniform(-2, 2);
            y[i] = i % 2 ? 1.0 : -1.0;
            labels[i] = (int)(i % 3);
        }
        const double lr = 0.1, alpha = 1e-4;
        double la = softmax ? hand_softmax_ce_grad(&a, x, labels, N_EX)
                            : hand_hinge_grad(&a, x, y, N_EX, alpha);
        double lb = softmax ? hand_softmax_ce_step(&b, x, labels, N_EX, lr)
                            : hand_hinge_step(&b, x, y, N_EX, alpha, lr);
        cr_assert_eq(la, lb, "the step returns the loss before the update");
        for (size_t l = 0; l < 2; l++) {
            for (size_t k = 0; k < a.size[l + 1] * a.size[l]; k++)
                cr_assert_eq(b.w[l][k], a.w[l][k] - lr * a.gw[l][k]);
            for (size_t k = 0; k < a.size[l + 1]; k++)
                cr_assert_eq(b.b[l][k], a.b[l][k] - lr * a.gb[l][k]);
        }
        hand_mlp_free(&a);
        hand_mlp_free(&b);
    }
}

/* A batch longer than max_batch is cut into chunks: same loss and
 * gradients (to rounding) as one chunk. */
Test(hand, chunks_add_up)
{
    hand_rng = 5;
    size_t hidden[2] = {5, 3};
    hand_mlp one, chunked;
    random_mlp(&one, 2, hidden, 2, 3, N_EX);
    hand_rng = 5;
    random_mlp(&chunked, 2, hidden, 2, 3, 2); /* chunks of 2, 2, 2, 1 */
    double x[N_EX * 2];
    int labels[N_EX];
    for (size_t i = 0; i < N_EX; i++) {
        x[2 * i] = hand_uniform(-2, 2);
        x[2 * i + 1] = hand_uniform(-2, 2);
        labels[i] = (int)(i % 3);
    }
    double l1 = hand_softmax_ce_grad(&one, x, labels, N_EX);
    double l2 = hand_softmax_ce_grad(&chunked, x, labels, N_EX);
    cr_assert_float_eq(l1, l2, 1e-14);
    for (size_t l = 0; l < 3; l++) {
        for (size_t k = 0; k < one.size[l + 1] * one.size[l]; k++)
            cr_assert_float_eq(one.gw[l][k], chunked.gw[l][k], 1e-14);
        for (size_t k = 0; k < one.size[l + 1]; k++)
            cr_assert_float_eq(one.gb[l][k], chunked.gb[l][k], 1e-14);
    }
    hand_mlp_free(&one);
    hand_mlp_free(&chunked);
}

Test(hand, bad_arguments)
{
    hand_mlp m;
    size_t sizes[2] = {3, 0};
    hand_act acts[2] = {HAND_RELU, HAND_LINEAR};
    cr_assert_eq(hand_mlp_init(&m, 2, sizes, acts, 0, 4), -1);
    cr_assert_eq(hand_mlp_init(&m, 2, sizes, acts, 9, 4), -1);
    cr_assert_eq(hand_mlp_init(&m, 2, sizes, acts, 2, 4), -1); /* a zero width */
    cr_assert_eq(hand_mlp_init(&m, 2, sizes, acts, 1, 0), -1); /* max_batch 0 */
    cr_assert_eq(hand_mlp_init(&m, 2, sizes, acts, 1, 4), 0);
    /* 3 outputs: the hinge wants one score; label 3 is out of range. Both
     * return NaN and leave the weights alone. */
    m.b[0][0] = 0.5;
    const double x[2] = {1, 1}, y[1] = {1};
    const int label[1] = {3};
    cr_assert(isnan(hand_hinge_step(&m, x, y, 1, 0, 1)));
    cr_assert(isnan(hand_softmax_ce_step(&m, x, label, 1, 1)));
    cr_assert_eq(m.b[0][0], 0.5);
    hand_mlp_free(&m);
}

/* ---- the example data sets ------------------------------------------------- */

/* Reads a whole stream, or the file at path when f is NULL; NUL-terminated. */
static char *slurp(FILE *f, const char *path, size_t *len)
{
    FILE *opened = f ? NULL : (f = fopen(path, "rb"));
    cr_assert_not_null(f, "cannot open %s (run the tests from the repository root)", path);
    size_t cap = 1 << 16, n = 0, got;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            buf = realloc(buf, cap *= 2);
            cr_assert_not_null(buf);
        }
    }
    buf[n] = '\0';
    *len = n;
    if (opened)
        fclose(opened);
    return buf;
}

Test(hand, make_moons_reproduces_the_shipped_file)
{
    const char *build = getenv("AGRAD_BUILD");
    if (!build)
        AG_TEST_SKIP("AGRAD_BUILD is not set (make test sets it)");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s/examples/make_moons", build);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p, "cannot run %s", cmd);
    size_t n_gen, n_file;
    char *gen = slurp(p, cmd, &n_gen);
    cr_assert_eq(pclose(p), 0, "%s failed", cmd);
    char *file = slurp(NULL, "examples/data/moons.csv", &n_file);
    cr_assert_eq(n_gen, n_file, "%s: %zu bytes, moons.csv %zu", cmd, n_gen, n_file);
    cr_assert(memcmp(gen, file, n_file) == 0, "make_moons output differs from moons.csv");
    free(gen);
    free(file);
}

Test(hand, moons_csv_shape)
{
    size_t len;
    char *text = slurp(NULL, "examples/data/moons.csv", &len);
    cr_assert(strncmp(text, "x1,x2,y\n", 8) == 0, "header");
    int rows = 0, count[2] = {0, 0};
    double dist[2] = {0, 0};
    for (char *line = strtok(text + 8, "\n"); line; line = strtok(NULL, "\n")) {
        double x1, x2;
        int y, used = 0;
        cr_assert_eq(sscanf(line, "%lf,%lf,%d%n", &x1, &x2, &y, &used), 3, "row %d", rows + 1);
        cr_assert_eq(line[used], '\0', "row %d: trailing text", rows + 1);
        cr_assert(y == -1 || y == 1, "row %d: label %d", rows + 1, y);
        /* the upper moon is the unit circle around (0, 0), the lower one
         * the unit circle around (1, 0.5); noise sd 0.1 keeps each point
         * within 5 sd = 0.5 of its circle, and the mean distance near 1
         * (E|p + e| = 1 + sd^2/2 + ... ~ 1.005; the mean of 50 has sd ~ 0.014) */
        double r = y < 0 ? hypot(x1, x2) : hypot(x1 - 1, x2 - 0.5);
        cr_assert_lt(fabs(r - 1), 0.5, "row %d: %g from its circle", rows + 1, r);
        count[y > 0]++;
        dist[y > 0] += r;
        rows++;
    }
    cr_assert_eq(rows, 100);
    cr_assert_eq(count[0], 50);
    cr_assert_eq(count[1], 50);
    cr_assert_float_eq(dist[0] / 50, 1.0, 0.05, "upper moon mean radius");
    cr_assert_float_eq(dist[1] / 50, 1.0, 0.05, "lower moon mean radius");
    free(text);
}

Test(hand, digits_csv_shape)
{
    size_t len;
    char *text = slurp(NULL, "examples/data/digits.csv", &len);
    char header[1024];
    size_t h = 0;
    for (int k = 0; k < 64; k++)
        h += (size_t)snprintf(header + h, sizeof header - h, "p%d,", k);
    snprintf(header + h, sizeof header - h, "label\n");
    cr_assert(strncmp(text, header, strlen(header)) == 0, "header");
    int rows = 0, count[10] = {0};
    for (char *line = strtok(text + strlen(header), "\n"); line; line = strtok(NULL, "\n")) {
        rows++;
        char *s = line, *end;
        for (int k = 0; k < 64; k++) {
            double v = strtod(s, &end);
            cr_assert(end != s && *end == ',', "row %d column %d", rows, k);
            /* in [0, 1] and a multiple of 1/16: 16 v is an integer 0..16 */
            cr_assert(v >= 0 && v <= 1 && 16 * v == floor(16 * v), "row %d p%d = %.17g",
                      rows, k, v);
            s = end + 1;
        }
        long label = strtol(s, &end, 10);
        cr_assert(end != s && *end == '\0' && label >= 0 && label <= 9, "row %d label", rows);
        count[label]++;
    }
    cr_assert_eq(rows, 1797);
    for (int d = 0; d < 10; d++)
        cr_assert(count[d] >= 170 && count[d] <= 185, "digit %d: %d samples", d, count[d]);
    free(text);
}
