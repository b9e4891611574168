/*
 * oracle.h: plain-C helpers of the formula oracle tests (test_formulas_*.c):
 * a seeded stream of test inputs, the relative-error check with its per-
 * formula record of the largest error, and a dense network (forward and
 * backward) written from docs/formulas.md F1-F5 and F9-F12 with plain arrays.
 *
 * Invariant: nothing below the "bridge" section calls the engine; the
 * oracle network sees the engine's model only through the weights copied
 * out of it (orc_mlp_from_model): its shape, activations and slope come from
 * the test's own description, so every expected gradient comes from the
 * formulas, never from the code under test.
 */
#ifndef AGRAD_TESTS_ORACLE_H
#define AGRAD_TESTS_ORACLE_H

#include "nn.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- seeded test inputs (splitmix64 as a plain counter-based stream) ---- */

typedef struct orc_rng {
    uint64_t x;
} orc_rng;

static inline uint64_t orc_u64(orc_rng *r)
{
    uint64_t z = (r->x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* uniform in [lo, hi) */
static inline double orc_uniform(orc_rng *r, double lo, double hi)
{
    return lo + (hi - lo) * (double)(orc_u64(r) >> 11) * 0x1.0p-53;
}

/* integer in [lo, hi] */
static inline size_t orc_pick(orc_rng *r, size_t lo, size_t hi)
{
    return lo + (size_t)(orc_u64(r) % (uint64_t)(hi - lo + 1));
}

/* ---- relative error and the per-formula record --------------------------- */

#define ORC_TOL 1e-12

typedef struct orc_stat {
    const char *name; /* "F9", ...                                            */
    double max_rel;   /* largest error relative to the check's scale         */
    size_t n;         /* values compared                                     */
    double max_pure;  /* largest plain |got - want| / max(|got|, |want|)      */
    size_t n_floored; /* values that passed only thanks to a floor           */
} orc_stat;

/* |got - want| / max(|got|, |want|, floor / ORC_TOL): the pure relative
 * error when floor = 0; a floor > 0 turns the check into
 * |got - want| <= max(ORC_TOL * max(|got|, |want|), floor) for values that
 * are legitimately near 0 (each caller says why). Equal values (0 and -0
 * included) give 0; NaN anywhere gives NaN, which fails every check. */
static inline double orc_rel(double got, double want, double abs_floor)
{
    if (got == want)
        return 0.0;
    double scale = fmax(fmax(fabs(got), fabs(want)), abs_floor / ORC_TOL);
    return fabs(got - want) / scale;
}

/* Print the record and fail when it holds no comparison: an oracle whose
 * loop never ran (an empty case list, a skipped branch) must not pass. */
static inline void orc_stat_print(const orc_stat *s)
{
    cr_assert_gt(s->n, 0, "%s: the oracle compared no value", s->name);
    if (s->n_floored == 0)
        fprintf(stderr, "%s max rel err %.1e over %zu gradients\n", s->name, s->max_rel, s->n);
    else
        fprintf(stderr, "%s max rel err %.1e over %zu gradients (%zu cancelled below the magnitude floor: plain max %.1e)\n",
                s->name, s->max_rel, s->n, s->n_floored, s->max_pure);
}

/* Record one comparison; returns the error relative to the check's scale. */
static inline double orc_note(orc_stat *s, double got, double want, double abs_floor)
{
    double r = orc_rel(got, want, abs_floor), pure = orc_rel(got, want, 0.0);
    s->n++;
    if (r > s->max_rel || r != r)
        s->max_rel = r;
    if (pure > s->max_pure || pure != pure)
        s->max_pure = pure;
    if (pure > ORC_TOL && r <= ORC_TOL)
        s->n_floored++;
    return r;
}

/* Compare one engine value to its formula; on failure print the record so
 * far and fail the test with the context given printf-style. */
#define ORC_CHECK(st, got, want, flr, ...)                                                      \
    do {                                                                                        \
        double g_ = (got), w_ = (want);                                                         \
        double r_ = orc_note((st), g_, w_, (flr));                                              \
        if (!(r_ <= ORC_TOL)) {                                                                 \
            char ctx_[256];                                                                     \
            snprintf(ctx_, sizeof ctx_, __VA_ARGS__);                                           \
            orc_stat_print(st);                                                                 \
            cr_assert_fail("%s %s: engine %.17g, formula %.17g (rel err %.3g > %g)", (st)->name, \
                           ctx_, g_, w_, r_, ORC_TOL);                                          \
        }                                                                                       \
    } while (0)

/* ---- activations, from the formulas ---------------------------------------- */

/* F1: sigma(z) = 1/(1 + e^-z) */
static inline double orc_sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

/* f(z) for the elementwise activations (softmax is a vector map: below) */
static inline double orc_act(nn_act act, double z, double slope)
{
    switch (act) {
    case NN_ACT_SIGMOID:
        return orc_sigmoid(z);
    case NN_ACT_TANH:
        return tanh(z);
    case NN_ACT_RELU: /* F2 */
        return z > 0 ? z : 0.0;
    case NN_ACT_LEAKY_RELU: /* F3 */
        return z > 0 ? z : slope * z;
    default:
        return z;
    }
}

/* f'(z), given z and a = f(z): F1 sigma(1 - sigma), F4 1 - tanh^2, F2 and
 * F3 with the documented kink convention relu'(0) = 0, leaky'(0) = slope */
static inline double orc_dact(nn_act act, double z, double a, double slope)
{
    switch (act) {
    case NN_ACT_SIGMOID:
        return a * (1.0 - a);
    case NN_ACT_TANH:
        return 1.0 - a * a;
    case NN_ACT_RELU:
        return z > 0 ? 1.0 : 0.0;
    case NN_ACT_LEAKY_RELU:
        return z > 0 ? 1.0 : slope;
    default:
        return 1.0;
    }
}

/* F5: s_i = e^{z_i} / sum_j e^{z_j} (inputs of the tests are small: no shift) */
static inline void orc_softmax(const double *z, double *s, size_t n)
{
    double sum = 0.0;
    for (size_t j = 0; j < n; j++)
        sum += exp(z[j]);
    for (size_t i = 0; i < n; i++)
        s[i] = exp(z[i]) / sum;
}

/* ---- a dense network from the formulas -------------------------------------- */

#define ORC_MAX_LAYERS 5
#define ORC_MAX_WIDTH 16

/* Magnitude floor. Where a formula's sum cancels (F11's sum_k W_kj delta_k
 * with sum_k delta_k = 0 after softmax cross-entropy, a - y with a near y,
 * a pre-activation near 0), the last-place rounding of its terms, in the
 * engine and in the oracle alike, is amplified by |terms| / |result|. The
 * oracle therefore also runs every recursion on absolute values (|W|, |f'|,
 * |dL/da|, plus how far each input's own rounding reaches): the
 * "magnitude" m of each value, the size of the numbers it was computed
 * from. A check passes when |engine - formula| <= max(1e-12 |value|,
 * ORC_MAG_FLOOR m): ORC_MAG_FLOOR = 1e-15 is about 4.5 units in the last
 * place of the terms, so it matters only for values that cancel by three
 * orders of magnitude or more, and never hides an error in the terms. */
#define ORC_MAG_FLOOR 1e-15

/* Results of one backward pass: the values, or their magnitudes. */
typedef struct orc_grads {
    double delta[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH]; /* F9/F11: dL/dz^l       */
    double dA[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH];    /* F12: dL/da^l          */
    double dW[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH * ORC_MAX_WIDTH];
    double db[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH];
} orc_grads;

typedef struct orc_mlp {
    size_t n_layers;
    size_t size[ORC_MAX_LAYERS + 1]; /* size[0] inputs, size[l] outputs of l  */
    nn_act act[ORC_MAX_LAYERS + 1];  /* act[l] of layer l = 1..n_layers       */
    double slope;
    /* W[l][j * size[l-1] + i]: weight from input i to output j ([out][in]) */
    double W[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH * ORC_MAX_WIDTH];
    double b[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH];
    double z[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH];    /* z^l                    */
    double a[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH];    /* a^l, a^0 = x           */
    double zmag[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH]; /* magnitudes of z and a  */
    double amag[ORC_MAX_LAYERS + 1][ORC_MAX_WIDTH];
    orc_grads g;   /* the gradients                                          */
    orc_grads mag; /* their magnitudes                                       */
} orc_mlp;

/* f''(z) given a = f(z), for how far an error in z moves f'(z) */
static inline double orc_d2act(nn_act act, double a)
{
    switch (act) {
    case NN_ACT_SIGMOID:
        return a * (1.0 - a) * (1.0 - 2.0 * a);
    case NN_ACT_TANH:
        return -2.0 * a * (1.0 - a * a);
    default:
        return 0.0;
    }
}

/* z^l = W^l a^{l-1} + b^l, a^l = f(z^l); with the magnitudes
 * |z|^l = |b| + |W| |a|^{l-1} and |a|^l = |a^l| + |f'(z)| |z|^l */
static inline void orc_forward(orc_mlp *m, const double *x)
{
    for (size_t i = 0; i < m->size[0]; i++) {
        m->a[0][i] = x[i];
        m->amag[0][i] = fabs(x[i]);
    }
    for (size_t l = 1; l <= m->n_layers; l++) {
        size_t n_in = m->size[l - 1], n_out = m->size[l];
        for (size_t j = 0; j < n_out; j++) {
            double s = m->b[l][j], sm = fabs(m->b[l][j]);
            for (size_t i = 0; i < n_in; i++) {
                s += m->W[l][j * n_in + i] * m->a[l - 1][i];
                sm += fabs(m->W[l][j * n_in + i]) * m->amag[l - 1][i];
            }
            m->z[l][j] = s;
            m->zmag[l][j] = sm;
        }
        if (m->act[l] == NN_ACT_SOFTMAX) {
            orc_softmax(m->z[l], m->a[l], n_out);
            double spread = 0.0; /* ds_k = s_k (dz_k - sum_j s_j dz_j) */
            for (size_t j = 0; j < n_out; j++)
                spread += m->a[l][j] * m->zmag[l][j];
            for (size_t j = 0; j < n_out; j++)
                m->amag[l][j] = m->a[l][j] * (1.0 + m->zmag[l][j] + spread);
            continue;
        }
        for (size_t j = 0; j < n_out; j++) {
            double z = m->z[l][j], a = orc_act(m->act[l], z, m->slope);
            m->a[l][j] = a;
            m->amag[l][j] = fabs(a) + fabs(orc_dact(m->act[l], z, a, m->slope)) * m->zmag[l][j];
        }
    }
}

/* dL/dz^l from dL/da^l: times f'(z) elementwise, or for softmax through the
 * full F5 Jacobian: dL/dz_k = sum_i dL/ds_i s_i ([i = k] - s_k). With `mag`,
 * the same on absolute values, plus the reach of z's and s's own errors
 * (through f'' and the Jacobian's dependence on s). */
static inline void orc_act_back(const orc_mlp *m, size_t l, const double *dA, double *dz, bool mag)
{
    size_t n = m->size[l];
    const double *a = m->a[l], *z = m->z[l];
    if (m->act[l] == NN_ACT_SOFTMAX) {
        double rel = 0.0; /* largest relative error scale of the s_i */
        for (size_t i = 0; mag && i < n; i++)
            rel = fmax(rel, m->amag[l][i] / a[i]);
        for (size_t k = 0; k < n; k++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++) {
                double J = i == k ? a[i] * (1.0 - a[i]) : -a[i] * a[k];
                s += mag ? (dA[i] + fabs(m->g.dA[l][i]) * 2.0 * rel) * fabs(J) : dA[i] * J;
            }
            dz[k] = s;
        }
        return;
    }
    for (size_t j = 0; j < n; j++) {
        double d = orc_dact(m->act[l], z[j], a[j], m->slope);
        dz[j] = mag ? dA[j] * fabs(d) + fabs(m->g.dA[l][j] * orc_d2act(m->act[l], a[j])) * m->zmag[l][j]
                    : dA[j] * d;
    }
}

/* Backpropagation from dL/da^L (after orc_forward):
 *   F9   delta^L = dL/da^L (.) f'(z^L)
 *   F11  delta^l = ((W^{l+1})^T delta^{l+1}) (.) f'(z^l)
 *   F10  dL/dW^l[j][i] = a^{l-1}_i delta^l_j,  dL/db^l_j = delta^l_j
 *   F12  dL/da^k = (W^{k+1})^T (dL/da^{k+1} (.) f'(z^{k+1})), computed as its
 *        own induction on activations (not from the delta array)
 * With `mag`, into m->mag from the magnitudes of dL/da^L, on |W| and |a|. */
static inline void orc_backward_pass(orc_mlp *m, const double *dLdaL, bool mag)
{
    orc_grads *g = mag ? &m->mag : &m->g;
    size_t L = m->n_layers;
    memcpy(g->dA[L], dLdaL, m->size[L] * sizeof *dLdaL);
    orc_act_back(m, L, g->dA[L], g->delta[L], mag); /* F9 */
    for (size_t l = L - 1; l >= 1; l--) {           /* F11 */
        size_t n = m->size[l], n_next = m->size[l + 1];
        double back[ORC_MAX_WIDTH];
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t k = 0; k < n_next; k++) {
                double w = m->W[l + 1][k * n + j];
                s += (mag ? fabs(w) : w) * g->delta[l + 1][k];
            }
            back[j] = s;
        }
        orc_act_back(m, l, back, g->delta[l], mag);
    }
    for (size_t l = 1; l <= L; l++) { /* F10 */
        size_t n_in = m->size[l - 1];
        for (size_t j = 0; j < m->size[l]; j++) {
            g->db[l][j] = g->delta[l][j];
            for (size_t i = 0; i < n_in; i++)
                g->dW[l][j * n_in + i] = mag ? m->amag[l - 1][i] * g->delta[l][j]
                                             : m->a[l - 1][i] * g->delta[l][j];
        }
    }
    for (size_t k = L; k >= 1; k--) { /* F12 */
        double d[ORC_MAX_WIDTH];
        orc_act_back(m, k, g->dA[k], d, mag);
        size_t n = m->size[k - 1];
        for (size_t j = 0; j < n; j++) {
            double s = 0.0;
            for (size_t q = 0; q < m->size[k]; q++) {
                double w = m->W[k][q * n + j];
                s += d[q] * (mag ? fabs(w) : w);
            }
            g->dA[k - 1][j] = s;
        }
    }
}

/* Both passes: the gradients from dL/da^L, then their magnitudes from the
 * magnitudes of dL/da^L. */
static inline void orc_backward(orc_mlp *m, const double *dLdaL, const double *dLdaL_mag)
{
    orc_backward_pass(m, dLdaL, false);
    orc_backward_pass(m, dLdaL_mag, true);
}

/* ---- bridge: copying parameters between the engine's model and the oracle ---- */

/* The oracle network from the test's own description of it: n_in inputs,
 * layer l (1-based) with sizes[l-1] outputs and activation acts[l-1], leaky
 * relu's slope `slope` (F3 says 0.01). Only the weights and biases are
 * copied out of the engine's model; its layers must have the described
 * sizes. Sizes, activations and slope never come from the model, so a model
 * built wrong (layers swapped, an activation replaced) is not checked
 * against itself. */
static inline void orc_mlp_from_model(orc_mlp *o, nn_model *m, size_t n_in, const size_t *sizes,
                                      const nn_act *acts, size_t depth, double slope)
{
    ag_tape *t = nn_model_tape(m);
    cr_assert(depth >= 1 && depth <= ORC_MAX_LAYERS && n_in <= ORC_MAX_WIDTH);
    size_t layers = 0;
    while (nn_layer_at(m, layers))
        layers++;
    cr_assert_eq(layers, depth, "the model has %zu layers, the test built %zu", layers, depth);
    o->n_layers = depth;
    o->slope = slope;
    o->size[0] = n_in;
    for (size_t l = 1; l <= depth; l++) {
        const nn_layer *ly = nn_layer_at(m, l - 1);
        size_t in = o->size[l - 1], out = sizes[l - 1];
        cr_assert(out <= ORC_MAX_WIDTH);
        cr_assert(ly->n_in == in && ly->n_out == out && ly->w.n == out * in && ly->b.n == out,
                  "layer %zu is %zu -> %zu in the model, %zu -> %zu in the test", l, ly->n_in,
                  ly->n_out, in, out);
        o->size[l] = out;
        o->act[l] = acts[l - 1];
        const double *w = ag_values(t, ly->w);
        const double *b = ag_values(t, ly->b);
        cr_assert(w && b, "%s", ag_tape_error(t));
        memcpy(o->W[l], w, out * in * sizeof *w);
        memcpy(o->b[l], b, out * sizeof *b);
    }
}

/* Overwrite every parameter of the model with uniform values in [lo, hi)
 * (biases too: nn initialises them to 0, which would hide the bias terms). */
static inline void orc_randomise_params(nn_model *m, orc_rng *r, double lo, double hi)
{
    size_t n;
    ag_node first = ((n) = nn_model_params(m).n, nn_model_params(m).first);
    double *p = ag_values(nn_model_tape(m), ag_run_of(first, n));
    cr_assert(p, "%s", ag_tape_error(nn_model_tape(m)));
    for (size_t k = 0; k < n; k++)
        p[k] = orc_uniform(r, lo, hi);
}

#endif /* AGRAD_TESTS_ORACLE_H */
