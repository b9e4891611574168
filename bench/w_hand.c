/*
 * w_hand.c: the hand-written backprop floor (see w_hand.h for the shapes and
 * formulas). Plain row-major arrays, every buffer allocated once in
 * hand_mlp_init, and inner loops over contiguous memory that the compiler
 * vectorises: the forward pass is a dot product per (example, output) with
 * four partial sums (like the engine's dot), the backward passes are axpy
 * rows (gW_j += delta_ij a_i, dL/da_i += delta_ij W_j).
 *
 * Invariant: a batch longer than max_batch is processed in chunks of at most
 * max_batch examples whose contributions add up, so the result is the same
 * sum over the whole batch (only the summation order differs).
 */
#include "w_hand.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- kernels -------------------------------------------------------------- */

/* u . v with four partial sums: the four chains run in parallel instead of
 * one latency-bound chain, and the compiler may pack them into vectors. */
static inline double dot(const double *restrict u, const double *restrict v, size_t n)
{
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        s0 += u[k] * v[k];
        s1 += u[k + 1] * v[k + 1];
        s2 += u[k + 2] * v[k + 2];
        s3 += u[k + 3] * v[k + 3];
    }
    for (; k < n; k++)
        s0 += u[k] * v[k];
    return (s0 + s1) + (s2 + s3);
}

/* y += c x: independent lanes, vectorised without reassociation. Written
 * four lanes at a time because gcc's -O2 cost model does not vectorise the
 * plain loop (its trip count is unknown) but does pack the four lanes. */
static inline void axpy(double *restrict y, double c, const double *restrict x, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        y[k] += c * x[k];
        y[k + 1] += c * x[k + 1];
        y[k + 2] += c * x[k + 2];
        y[k + 3] += c * x[k + 3];
    }
    for (; k < n; k++)
        y[k] += c * x[k];
}

/* One dense layer forward on nb examples: out_i = f(W in_i + b). */
static void layer_forward(const double *restrict in, size_t nb, size_t nin,
                          const double *restrict w, const double *restrict b, size_t nout,
                          hand_act act, double *restrict out)
{
    for (size_t i = 0; i < nb; i++) {
        const double *ai = in + i * nin;
        double *zi = out + i * nout;
        for (size_t j = 0; j < nout; j++)
            zi[j] = b[j] + dot(w + j * nin, ai, nin);
        if (act == HAND_RELU)
            for (size_t j = 0; j < nout; j++)
                zi[j] = zi[j] > 0 ? zi[j] : 0.0;
    }
}

/* ---- setup ----------------------------------------------------------------- */

/* a * b, or 0 when it overflows size_t or is too large to be a byte count of
 * doubles. */
static size_t mul_count(size_t a, size_t b)
{
    if (a != 0 && b > SIZE_MAX / sizeof(double) / a)
        return 0;
    return a * b;
}

int hand_mlp_init(hand_mlp *m, size_t n_in, const size_t *sizes, const hand_act *acts,
                  size_t n_layers, size_t max_batch)
{
    memset(m, 0, sizeof *m);
    if (n_layers == 0 || n_layers > HAND_MAX_LAYERS || n_in == 0 || max_batch == 0)
        return -1;
    m->n_layers = n_layers;
    m->max_batch = max_batch;
    m->size[0] = n_in;
    for (size_t l = 0; l < n_layers; l++) {
        if (sizes[l] == 0)
            return -1;
        m->size[l + 1] = sizes[l];
        m->act[l] = acts[l];
        if (sizes[l] > m->max_width)
            m->max_width = sizes[l];
    }
    for (size_t l = 0; l < n_layers; l++) {
        size_t nw = mul_count(m->size[l + 1], m->size[l]);
        size_t na = mul_count(max_batch, m->size[l + 1]);
        if (nw == 0 || na == 0)
            goto fail;
        m->w[l] = calloc(nw, sizeof(double));
        m->gw[l] = calloc(nw, sizeof(double));
        m->b[l] = calloc(m->size[l + 1], sizeof(double));
        m->gb[l] = calloc(m->size[l + 1], sizeof(double));
        m->a[l] = malloc(na * sizeof(double));
        if (!m->w[l] || !m->gw[l] || !m->b[l] || !m->gb[l] || !m->a[l])
            goto fail;
    }
    size_t nd = mul_count(max_batch, m->max_width);
    if (nd == 0)
        goto fail;
    for (int k = 0; k < 2; k++)
        if (!(m->delta[k] = malloc(nd * sizeof(double))))
            goto fail;
    return 0;
fail:
    hand_mlp_free(m);
    return -1;
}

void hand_mlp_free(hand_mlp *m)
{
    for (size_t l = 0; l < HAND_MAX_LAYERS; l++) {
        free(m->w[l]);
        free(m->b[l]);
        free(m->gw[l]);
        free(m->gb[l]);
        free(m->a[l]);
    }
    free(m->delta[0]);
    free(m->delta[1]);
    memset(m, 0, sizeof *m);
}

/* ---- passes ------------------------------------------------------------------ */

/* Forward nb <= max_batch examples; the last layer's output goes to `last`
 * (a[n_layers-1] or the caller's array), the others to a[l]. */
static void forward_chunk(hand_mlp *m, const double *x, size_t nb, double *last)
{
    const double *in = x;
    for (size_t l = 0; l < m->n_layers; l++) {
        double *out = l + 1 == m->n_layers ? last : m->a[l];
        layer_forward(in, nb, m->size[l], m->w[l], m->b[l], m->size[l + 1], m->act[l], out);
        in = out;
    }
}

/* delta (nb x width) *= f'(z) where a = f(z): relu'(z) = 1 iff z > 0 iff
 * a > 0 (so relu'(0) = 0); linear' = 1. */
static void apply_act_derivative(double *restrict delta, const double *restrict a,
                                 size_t count, hand_act act)
{
    if (act != HAND_RELU)
        return;
    for (size_t k = 0; k < count; k++)
        delta[k] = a[k] > 0 ? delta[k] : 0.0;
}

/* Backward over a chunk whose forward values are in a[] and whose output
 * delta (dL/dz of the last layer, nb x size[n_layers]) is in delta[0]:
 * adds this chunk's dL/dW, dL/db into gw, gb (F10, F13) and carries
 * delta^{l-1} = ((W^l)^T delta^l) (.) f'(z^{l-1}) down (F11). */
static void backward_chunk(hand_mlp *m, const double *x, size_t nb)
{
    int cur = 0;
    for (size_t l = m->n_layers; l-- > 0;) {
        size_t nin = m->size[l], nout = m->size[l + 1];
        const double *in = l > 0 ? m->a[l - 1] : x;
        const double *d = m->delta[cur];
        const double *w = m->w[l];
        double *gw = m->gw[l], *gb = m->gb[l];
        for (size_t i = 0; i < nb; i++) {
            const double *di = d + i * nout, *ai = in + i * nin;
            for (size_t j = 0; j < nout; j++) {
                if (di[j] == 0) /* a dead relu or a satisfied margin: adds nothing */
                    continue;
                gb[j] += di[j];
                axpy(gw + j * nin, di[j], ai, nin);
            }
        }
        if (l == 0)
            break;
        double *p = m->delta[1 - cur];
        memset(p, 0, nb * nin * sizeof *p);
        for (size_t i = 0; i < nb; i++) {
            const double *di = d + i * nout;
            double *pi = p + i * nin;
            for (size_t j = 0; j < nout; j++)
                if (di[j] != 0)
                    axpy(pi, di[j], w + j * nin, nin);
        }
        apply_act_derivative(p, m->a[l - 1], nb * nin, m->act[l - 1]);
        cur = 1 - cur;
    }
}

static void zero_grads(hand_mlp *m)
{
    for (size_t l = 0; l < m->n_layers; l++) {
        memset(m->gw[l], 0, m->size[l + 1] * m->size[l] * sizeof(double));
        memset(m->gb[l], 0, m->size[l + 1] * sizeof(double));
    }
}

/* ---- losses ------------------------------------------------------------------ */

double hand_hinge_grad(hand_mlp *m, const double *x, const double *y, size_t n, double alpha)
{
    size_t L = m->n_layers, n_in = m->size[0];
    zero_grads(m);
    if (n == 0 || m->size[L] != 1)
        return (double)NAN;
    double inv_n = 1.0 / (double)n, hinge = 0;
    for (size_t s = 0; s < n; s += m->max_batch) {
        size_t nb = n - s < m->max_batch ? n - s : m->max_batch;
        const double *xs = x + s * n_in, *ys = y + s;
        forward_chunk(m, xs, nb, m->a[L - 1]);
        /* margin_i = 1 - y_i s_i; dL/ds_i = -y_i / n where margin_i > 0,
         * else 0 (the kink margin = 0 included) */
        const double *score = m->a[L - 1];
        double *d = m->delta[0];
        for (size_t i = 0; i < nb; i++) {
            double margin = 1.0 - ys[i] * score[i];
            hinge += margin > 0 ? margin : 0.0;
            d[i] = margin > 0 ? -ys[i] * inv_n : 0.0;
        }
        apply_act_derivative(d, score, nb, m->act[L - 1]);
        backward_chunk(m, xs, nb);
    }
    /* alpha sum p^2, and its gradient 2 alpha p */
    double reg = 0;
    if (alpha != 0) {
        for (size_t l = 0; l < L; l++) {
            size_t nw = m->size[l + 1] * m->size[l], nb = m->size[l + 1];
            const double *w = m->w[l], *b = m->b[l];
            double *gw = m->gw[l], *gb = m->gb[l];
            reg += dot(w, w, nw) + dot(b, b, nb);
            for (size_t k = 0; k < nw; k++)
                gw[k] += 2 * alpha * w[k];
            for (size_t k = 0; k < nb; k++)
                gb[k] += 2 * alpha * b[k];
        }
    }
    return hinge * inv_n + alpha * reg;
}

static int labels_ok(const int *labels, size_t n, size_t n_classes)
{
    for (size_t i = 0; i < n; i++)
        if (labels[i] < 0 || (size_t)labels[i] >= n_classes)
            return 0;
    return 1;
}

double hand_softmax_ce_grad(hand_mlp *m, const double *x, const int *labels, size_t n)
{
    size_t L = m->n_layers, n_in = m->size[0], c = m->size[L];
    zero_grads(m);
    if (n == 0 || !labels_ok(labels, n, c))
        return (double)NAN;
    double inv_n = 1.0 / (double)n, total = 0;
    for (size_t s = 0; s < n; s += m->max_batch) {
        size_t nb = n - s < m->max_batch ? n - s : m->max_batch;
        const double *xs = x + s * n_in;
        forward_chunk(m, xs, nb, m->a[L - 1]);
        const double *score = m->a[L - 1];
        double *d = m->delta[0];
        for (size_t i = 0; i < nb; i++) {
            const double *si = score + i * c;
            double *di = d + i * c;
            /* logsumexp shifted by the max, so every exp is <= 1 (F5, F17):
             * lse = mx + log sum_j e^{s_j - mx}, softmax_j = e^{s_j - mx} / sum */
            double mx = si[0];
            for (size_t j = 1; j < c; j++)
                mx = si[j] > mx ? si[j] : mx;
            double sum = 0;
            for (size_t j = 0; j < c; j++) {
                di[j] = exp(si[j] - mx);
                sum += di[j];
            }
            int label = labels[s + i];
            total += mx + log(sum) - si[label];
            double scale = inv_n / sum;
            for (size_t j = 0; j < c; j++)
                di[j] *= scale;
            di[label] -= inv_n; /* (softmax - onehot) / n */
        }
        apply_act_derivative(d, score, nb * c, m->act[L - 1]);
        backward_chunk(m, xs, nb);
    }
    return total * inv_n;
}

/* ---- steps ------------------------------------------------------------------- */

void hand_sgd_step(hand_mlp *m, double lr)
{
    for (size_t l = 0; l < m->n_layers; l++) {
        size_t nw = m->size[l + 1] * m->size[l], nb = m->size[l + 1];
        double *restrict w = m->w[l], *restrict b = m->b[l];
        const double *restrict gw = m->gw[l], *restrict gb = m->gb[l];
        for (size_t k = 0; k < nw; k++)
            w[k] -= lr * gw[k];
        for (size_t k = 0; k < nb; k++)
            b[k] -= lr * gb[k];
    }
}

double hand_hinge_step(hand_mlp *m, const double *x, const double *y, size_t n, double alpha,
                       double lr)
{
    if (n == 0 || m->size[m->n_layers] != 1)
        return (double)NAN;
    double loss = hand_hinge_grad(m, x, y, n, alpha);
    hand_sgd_step(m, lr);
    return loss;
}

double hand_softmax_ce_step(hand_mlp *m, const double *x, const int *labels, size_t n, double lr)
{
    if (n == 0 || !labels_ok(labels, n, m->size[m->n_layers]))
        return (double)NAN;
    double loss = hand_softmax_ce_grad(m, x, labels, n);
    hand_sgd_step(m, lr);
    return loss;
}

void hand_mlp_forward(hand_mlp *m, const double *x, size_t n, double *out)
{
    size_t n_in = m->size[0], n_out = m->size[m->n_layers];
    for (size_t s = 0; s < n; s += m->max_batch) {
        size_t nb = n - s < m->max_batch ? n - s : m->max_batch;
        forward_chunk(m, x + s * n_in, nb, out + s * n_out);
    }
}
