/*
 * kernels.h: every op's forward value fw_<stem>, numeric local derivatives
 * bw_<stem> and, for forward over reverse (ag_hvp), its tangent jv_<stem>
 * and pair backward hv_<stem> (one set per row of ag_ops.h; the n-ary
 * ops' jv_/hv_ in tangents.h, the inner loops under them in loops.h).
 * Included by sweep.c only, whose loops inline them. Private.
 */
#ifndef AGRAD_KERNELS_H
#define AGRAD_KERNELS_H

#include "tape_internal.h"

#if defined(__GNUC__)
#define AG_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define AG_ALWAYS_INLINE inline
#endif

#include "loops.h"

#include <math.h>

/* ---- the op kernels ----------------------------------------------------------
 * fw_<stem>(t, i) stores node i's value from its inputs' values; leaves keep
 * theirs. bw_<stem>(t, i, g, s) adds g * (d node / d input_k) to every
 * input's gradient (always +=: an input used twice receives both), telling
 * the stepper's sink s when there is one (NULL in plain sweeps: the calls
 * fold away). Every local derivative is a closed form in the input values
 * x, a, b and the node's own value y; ops.c records the same forms as ops.
 *
 * Conventions at kinks and edges (tested): relu'(0) = 0, abs'(0) = 0,
 * leaky_relu'(0) = slope, sign' = step' = 0, max sends the gradient to a
 * when a >= b, min to a when a <= b, d(a^c)/da = 0 when c = 0,
 * d(a^b)/db = 0 when a = 0 and b > 0. */

#define VAL(t, i) ((t)->value[(i)])

/* Add g * local to input `in`'s gradient; tell the stepper, if one listens. */
static inline void edge(ag_tape *t, ag_sink *s, uint32_t in, double g, double local)
{
    double c = g * local;
    t->grad[in] += c;
    if (s)
        ag__sink_push(s, in, local, c);
}

/* Forward over reverse (ag_hvp): TAN(t, i) is node i's tangent, the
 * derivative of its value along v; the backward sweep carries each
 * adjoint g in grad and its tangent gd in tgrad. jv_<stem>(t, i) stores
 * node i's tangent, sum_k (d node / d input_k) times input k's tangent;
 * hv_<stem>(t, i, g, gd) is bw_<stem> for the pair: each input gets
 * g d_k, and gd d_k + g (tangent of d_k), the tangent of d_k being
 * sum_j (d2 node / d input_k d input_j) times input j's tangent. */
#define TAN(t, i) ((t)->tan[(i)])

static inline void pair_edge(ag_tape *t, uint32_t in, double g, double gd, double d, double dd)
{
    t->grad[in] += g * d;
    t->tgrad[in] += gd * d + g * dd;
}

static inline void fw_const(ag_tape *t, uint32_t i) { (void)t, (void)i; }
static inline void jv_const(ag_tape *t, uint32_t i) { (void)t, (void)i; }
static inline void jv_var(ag_tape *t, uint32_t i) { (void)t, (void)i; }
static inline void hv_const(ag_tape *t, uint32_t i, double g, double gd) { (void)t, (void)i, (void)g, (void)gd; }
static inline void hv_var(ag_tape *t, uint32_t i, double g, double gd) { (void)t, (void)i, (void)g, (void)gd; }
static inline void fw_var(ag_tape *t, uint32_t i) { (void)t, (void)i; }
static inline void bw_const(ag_tape *t, uint32_t i, double g, ag_sink *s) { (void)t, (void)i, (void)g, (void)s; }
static inline void bw_var(ag_tape *t, uint32_t i, double g, ag_sink *s) { (void)t, (void)i, (void)g, (void)s; }

/* ---- unary ops: y = FWD(x), dy/dx = DER(x, y), d2y/dx2 = DER2(x, y) ---- */

#define UNARY(name, FWD, DER, DER2)                                                  \
    static inline void fw_##name(ag_tape *t, uint32_t i)                             \
    {                                                                                \
        double x = VAL(t, ag__link_a(t->link[i]));                                   \
        VAL(t, i) = FWD;                                                             \
    }                                                                                \
    static inline void bw_##name(ag_tape *t, uint32_t i, double g, ag_sink *s)       \
    {                                                                                \
        uint32_t a = ag__link_a(t->link[i]);                                         \
        double x = VAL(t, a), y = VAL(t, i);                                         \
        (void)x, (void)y;                                                            \
        edge(t, s, a, g, DER);                                                       \
    }                                                                                \
    static inline void jv_##name(ag_tape *t, uint32_t i)                             \
    {                                                                                \
        uint32_t a = ag__link_a(t->link[i]);                                         \
        double x = VAL(t, a), y = VAL(t, i);                                         \
        (void)x, (void)y;                                                            \
        TAN(t, i) = (DER) * TAN(t, a);                                               \
    }                                                                                \
    static inline void hv_##name(ag_tape *t, uint32_t i, double g, double gd)        \
    {                                                                                \
        uint32_t a = ag__link_a(t->link[i]);                                         \
        double x = VAL(t, a), y = VAL(t, i);                                         \
        (void)x, (void)y;                                                            \
        pair_edge(t, a, g, gd, DER, (DER2) * TAN(t, a));                             \
    }

static inline double sigmoid(double x)
{
    /* never exponentiates a positive number: sigmoid(+-1000) is exactly 1 or 0 */
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

static inline double softplus(double x)
{
    /* log(1 + e^x) = max(x, 0) + log1p(e^-|x|) */
    return fmax(x, 0.0) + log1p(exp(-fabs(x)));
}

/* F4: tanh' = 1 - tanh^2 = 4 e^-2|x| / (1 + e^-2|x|)^2; the second form
 * keeps full relative accuracy in the tails, where 1 - y^2 cancels to 0 */
static inline double dtanh(double x, double y)
{
    if (fabs(x) < 0.5)
        return 1.0 - y * y;
    double s = exp(-2.0 * fabs(x));
    return 4.0 * s / ((1.0 + s) * (1.0 + s));
}

/* F1: sigmoid' = s(1 - s) = s(x) s(-x); for x > 0, 1 - s cancels, and
 * s(-x) is the accurate way to get it */
static inline double dsigmoid(double x, double y) { return x > 0 ? y * sigmoid(-x) : y * (1.0 - y); }

/* sign(x) in {-1, 0, 1}; NaN passes through (as relu's does) */
static inline double sign(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }
/* 1 for x > 0, else 0; NaN passes through */
static inline double step(double x) { return x > 0 ? 1.0 : x <= 0 ? 0.0 : x; }

#define TWO_OVER_SQRT_PI 1.12837916709551257390 /* 2/sqrt(pi), erf's slope at 0 */

UNARY(neg, -x, -1.0, 0.0) /* d(-x) = -1 */
UNARY(exp, exp(x), y, y) /* d e^x = e^x (F0c) */
UNARY(log, log(x), 1.0 / x, -1.0 / (x * x)) /* d log x = 1/x */
UNARY(sqrt, sqrt(x), 0.5 / y, -0.25 / (y * y * y)) /* d sqrt x = 1/(2 sqrt x) */
UNARY(abs, fabs(x), x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0, 0.0)
UNARY(sin, sin(x), cos(x), -y)
UNARY(cos, cos(x), -sin(x), -y)
UNARY(tanh, tanh(x), dtanh(x, y), -2.0 * y * dtanh(x, y)) /* F4: 1 - tanh^2 */
UNARY(sigmoid, sigmoid(x), dsigmoid(x, y), -tanh(0.5 * x) * dsigmoid(x, y)) /* F1: s(1 - s) */
UNARY(softplus, softplus(x), sigmoid(x), dsigmoid(x, sigmoid(x))) /* d softplus = sigmoid */
UNARY(relu, relu(x), step01(x), 0.0) /* F2, relu'(0) = 0 */
UNARY(log1p, log1p(x), 1.0 / (1.0 + x), -1.0 / ((1.0 + x) * (1.0 + x))) /* d log(1+x) = 1/(1+x) */
UNARY(expm1, expm1(x), exp(x), exp(x)) /* d (e^x - 1) = e^x */
UNARY(tan, tan(x), 1.0 + y * y, 2.0 * y * (1.0 + y * y)) /* d tan = sec^2 = 1 + tan^2 */
UNARY(atan, atan(x), 1.0 / (1.0 + x * x), -2.0 * x / ((1.0 + x * x) * (1.0 + x * x))) /* d atan = 1/(1+x^2) */
UNARY(sinh, sinh(x), cosh(x), y)
UNARY(cosh, cosh(x), sinh(x), y)
UNARY(erf, erf(x), TWO_OVER_SQRT_PI * exp(-x * x), -2.0 * x * TWO_OVER_SQRT_PI * exp(-x * x)) /* d erf = 2/sqrt(pi) e^-x^2 */
UNARY(sign, sign(x), 0.0, 0.0) /* flat; sign'(0) = 0 */
UNARY(step, step(x), 0.0, 0.0) /* flat; step'(0) = 0 */

/* ---- ops with a constant operand b (a node holding c): y = FWD, dy/da = DER,
 * d2y/da2 = DER2 ---- */

#define WITH_CONST(name, FWD, DER, DER2)                                             \
    static inline void fw_##name(ag_tape *t, uint32_t i)                             \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        double x = VAL(t, ag__link_a(l)), c = VAL(t, ag__link_b(l));                 \
        VAL(t, i) = FWD;                                                             \
    }                                                                                \
    static inline void bw_##name(ag_tape *t, uint32_t i, double g, ag_sink *s)       \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        double x = VAL(t, ag__link_a(l)), c = VAL(t, ag__link_b(l));                 \
        edge(t, s, ag__link_a(l), g, DER);                                           \
    }                                                                                \
    /* the constant operand is structure: no derivative flows into it */           \
    static inline void jv_##name(ag_tape *t, uint32_t i)                             \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        double x = VAL(t, ag__link_a(l)), c = VAL(t, ag__link_b(l));                 \
        TAN(t, i) = (DER) * TAN(t, ag__link_a(l));                                   \
    }                                                                                \
    static inline void hv_##name(ag_tape *t, uint32_t i, double g, double gd)        \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        uint32_t a = ag__link_a(l);                                                  \
        double x = VAL(t, a), c = VAL(t, ag__link_b(l));                             \
        pair_edge(t, a, g, gd, DER, (DER2) * TAN(t, a));                             \
    }

/* d x^c = c x^(c-1), d^2 x^c = c (c-1) x^(c-2); a factor c or c - 1 that
 * is 0 ends the chain (0, not 0 * inf at x = 0), as the recorded form does */
WITH_CONST(powc, pow(x, c), c == 0 ? 0.0 : c * pow(x, c - 1.0),
           c == 0 || c == 1 ? 0.0 : c * (c - 1.0) * pow(x, c - 2.0))
WITH_CONST(leaky_relu, x > 0 ? x : c * x, x > 0 ? 1.0 : c, 0.0) /* F3; flat slopes */

/* ---- binary ops: y = FWD(a, b), dy/da = DA, dy/db = DB, and the second
 * derivatives d2y/da2 = DAA, d2y/dadb = DAB, d2y/db2 = DBB ---- */

#define BINARY(name, FWD, DA, DB, DAA, DAB, DBB)                                    \
    static inline void fw_##name(ag_tape *t, uint32_t i)                             \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        double a = VAL(t, ag__link_a(l)), b = VAL(t, ag__link_b(l));                 \
        VAL(t, i) = FWD;                                                             \
    }                                                                                \
    static inline void bw_##name(ag_tape *t, uint32_t i, double g, ag_sink *s)       \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        uint32_t ia = ag__link_a(l), ib = ag__link_b(l);                             \
        double a = VAL(t, ia), b = VAL(t, ib), y = VAL(t, i);                        \
        (void)a, (void)b, (void)y;                                                   \
        edge(t, s, ia, g, DA);                                                       \
        edge(t, s, ib, g, DB);                                                       \
    }                                                                                \
    static inline void jv_##name(ag_tape *t, uint32_t i)                             \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        uint32_t ia = ag__link_a(l), ib = ag__link_b(l);                             \
        double a = VAL(t, ia), b = VAL(t, ib), y = VAL(t, i);                        \
        (void)a, (void)b, (void)y;                                                   \
        TAN(t, i) = (DA) * TAN(t, ia) + (DB) * TAN(t, ib);                           \
    }                                                                                \
    static inline void hv_##name(ag_tape *t, uint32_t i, double g, double gd)        \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        uint32_t ia = ag__link_a(l), ib = ag__link_b(l);                             \
        double a = VAL(t, ia), b = VAL(t, ib), y = VAL(t, i);                        \
        double ta = TAN(t, ia), tb = TAN(t, ib);                                     \
        (void)a, (void)b, (void)y;                                                   \
        pair_edge(t, ia, g, gd, DA, (DAA) * ta + (DAB) * tb);                        \
        pair_edge(t, ib, g, gd, DB, (DAB) * ta + (DBB) * tb);                        \
    }

static inline double dpow_db(double a, double b, double y)
{
    /* d a^b / db = a^b log a; taken as 0 where a = 0 and b > 0 (y is 0 there
     * for every nearby b), NaN for a < 0 as log gives. At a = b = 0 it is
     * 1 * log 0 = -inf: 0^b falls from +inf (b < 0) through 1 to 0 (b > 0),
     * and both one-sided difference quotients tend to -inf (PyTorch says 0). */
    if (a == 0 && b > 0)
        return 0.0;
    return y * log(a);
}

/* Second derivatives of a^b, as the recorded forms (ops.c) give them:
 * d2/da2 = b (b-1) a^(b-2) (0 when b or b - 1 is 0), d2/dadb = a^(b-1) +
 * b a^(b-1) log a, d2/db2 = a^b log^2 a (0 where a = 0 and b > 0). */
static inline double dpow_daa(double a, double b) { return b == 0 || b == 1 ? 0.0 : b * (b - 1.0) * pow(a, b - 2.0); }
static inline double dpow_dab(double a, double b)
{
    double p = pow(a, b - 1.0);
    return p + b * dpow_db(a, b - 1.0, p);
}
static inline double dpow_dbb(double a, double b, double y) { return dpow_db(a, b, y) * log(a); }

/* rows: name, value, d/da, d/db, d2/da2, d2/dadb, d2/db2 */
BINARY(add, a + b, 1.0, 1.0, 0.0, 0.0, 0.0)
BINARY(sub, a - b, 1.0, -1.0, 0.0, 0.0, 0.0)
BINARY(mul, a * b, b, a, 0.0, 1.0, 0.0)
BINARY(div, a / b, 1.0 / b, -y / b, 0.0, -1.0 / (b * b), 2.0 * y / (b * b)) /* F0b: d(1/b) = -1/b^2 */
BINARY(pow, pow(a, b), b == 0 ? 0.0 : b * pow(a, b - 1.0), dpow_db(a, b, y), dpow_daa(a, b), dpow_dab(a, b),
       dpow_dbb(a, b, y))
BINARY(min, a <= b ? a : b, a <= b ? 1.0 : 0.0, a <= b ? 0.0 : 1.0, 0.0, 0.0, 0.0) /* flat pieces */
BINARY(max, a >= b ? a : b, a >= b ? 1.0 : 0.0, a >= b ? 0.0 : 1.0, 0.0, 0.0, 0.0)

/* ---- n-ary ops ----
 * SUM:       a = aux offset of n indices, b = n.   y = sum x_k,  dy/dx_k = 1
 * SUM_RUN:   a = first index, b = n.               the same over a run
 * DOT:       a = aux offset of [bias, w_0..w_n-1, x_0..x_n-1], b = n
 *            y = bias + sum w_k x_k,  dy/dw_k = x_k, dy/dx_k = w_k, dy/dbias = 1
 * DOT_RUN:   a = aux offset of its layer's block [w0, x, b0, first], b = n:
 *            row i - first of a layer (ag__dotrow, tape_internal.h)
 * LOGSUMEXP: a = aux offset of n indices, b = n.   y = log sum e^x_k,
 *            dy/dx_k = e^(x_k - y) = softmax_k (F5)
 * A bias word of AG_NONE means no bias. */

static inline void fw_sum(ag_tape *t, uint32_t i)
{
    uint64_t l = t->link[i];
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = 0.0;
    for (uint32_t k = 0; k < n; k++)
        y += VAL(t, xs[k]);
    VAL(t, i) = y;
}
static inline void bw_sum(ag_tape *t, uint32_t i, double g, ag_sink *s)
{
    uint64_t l = t->link[i];
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    for (uint32_t k = 0; k < n; k++)
        edge(t, s, xs[k], g, 1.0);
}

static inline void fw_sum_run(ag_tape *t, uint32_t i)
{
    uint64_t l = t->link[i];
    const double *x = t->value + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = 0.0;
    for (uint32_t k = 0; k < n; k++)
        y += x[k];
    VAL(t, i) = y;
}
static inline void bw_sum_run(ag_tape *t, uint32_t i, double g, ag_sink *s)
{
    uint64_t l = t->link[i];
    uint32_t first = ag__link_a(l), n = ag__link_b(l);
    if (!s) {
        double *gx = t->grad + first;
        for (uint32_t k = 0; k < n; k++)
            gx[k] += g;
        return;
    }
    for (uint32_t k = 0; k < n; k++)
        edge(t, s, first + k, g, 1.0);
}

static inline void fw_dot(ag_tape *t, uint32_t i)
{
    uint64_t l = t->link[i];
    const uint32_t *op = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    const uint32_t *w = op + 1, *x = op + 1 + n;
    double y = op[0] == AG_NONE ? 0.0 : VAL(t, op[0]);
    for (uint32_t k = 0; k < n; k++)
        y += VAL(t, w[k]) * VAL(t, x[k]);
    VAL(t, i) = y;
}
static inline void bw_dot(ag_tape *t, uint32_t i, double g, ag_sink *s)
{
    uint64_t l = t->link[i];
    const uint32_t *op = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    const uint32_t *w = op + 1, *x = op + 1 + n;
    for (uint32_t k = 0; k < n; k++) {
        double wk = VAL(t, w[k]), xk = VAL(t, x[k]);
        edge(t, s, w[k], g, xk);
        edge(t, s, x[k], g, wk);
    }
    if (op[0] != AG_NONE)
        edge(t, s, op[0], g, 1.0);
}

static AG_ALWAYS_INLINE void fw_dot_run(ag_tape *t, uint32_t i)
{
    ag_dotrow d = ag__dotrow(t->aux, t->link[i], i);
    double bias = d.bias == AG_NONE ? 0.0 : VAL(t, d.bias);
    VAL(t, i) = bias + dot_kernel(t->value + d.w, t->value + d.x, d.n);
}

/* The forward sweep's DOT_RUN case (no anomaly checks): the stretch of
 * DOT_RUN nodes from i, up to `to`. Consecutive rows of one layer share
 * their link word, so each next row is the last one moved on by a row (w by
 * n, the bias by one) instead of decoded again. Returns the next index. */
static AG_ALWAYS_INLINE uint32_t fw_dot_run_stretch(ag_tape *t, uint32_t i, uint32_t to)
{
    uint64_t prev = 0;
    ag_dotrow d = {0, 0, AG_NONE, 0, false, false};
    for (; i <= to; i++) {
        uint64_t l = t->link[i];
        if (ag__link_op(l) != AG_OP_DOT_RUN)
            break;
        if (l == prev) {
            d.w += d.n;
            d.bias += d.bias != AG_NONE;
        } else {
            d = ag__dotrow(t->aux, l, i);
            prev = l;
        }
        VAL(t, i) = (d.bias == AG_NONE ? 0.0 : VAL(t, d.bias)) + dot_kernel(t->value + d.w, t->value + d.x, d.n);
        t->grad[i] = 0.0;
    }
    return i;
}

static AG_ALWAYS_INLINE void bw_dot_run(ag_tape *t, uint32_t i, double g, ag_sink *s)
{
    ag_dotrow d = ag__dotrow(t->aux, t->link[i], i);
    uint32_t n = d.n, w = d.w, x = d.x;
    if (!s && d.x_const) {
        /* a first layer: its inputs are constants, only dw_k += g x_k */
        if (!d.w_const)
            axpy_kernel(t->grad + w, t->value + x, g, n);
    } else if (!s && d.w_const) {
        axpy_kernel(t->grad + x, t->value + w, g, n);
    } else if (!s && (w + n <= x || x + n <= w)) {
        /* the hot loop of every dense layer */
        dot_backward_kernel(t->grad + w, t->grad + x, t->value + w, t->value + x, g, n);
    } else if (!s) {
        /* overlapping runs (a sum of squares d.d): in order, one element at a time */
        for (uint32_t k = 0; k < n; k++) {
            double wk = VAL(t, w + k), xk = VAL(t, x + k);
            t->grad[w + k] += g * xk;
            t->grad[x + k] += g * wk;
        }
    } else {
        for (uint32_t k = 0; k < n; k++) {
            double wk = VAL(t, w + k), xk = VAL(t, x + k);
            edge(t, s, w + k, g, xk);
            edge(t, s, x + k, g, wk);
        }
    }
    if (d.bias != AG_NONE)
        edge(t, s, d.bias, g, 1.0);
}

static inline double logsumexp(const ag_tape *t, const uint32_t *xs, uint32_t n)
{
    /* shift by the max so that no exponent is positive */
    double m = -HUGE_VAL;
    for (uint32_t k = 0; k < n; k++)
        m = fmax(m, VAL(t, xs[k]));
    if (isinf(m)) {
        /* all -inf (empty mass) or some +inf; fmax skips NaNs, so a NaN
         * input would vanish into -inf here: pass it on instead */
        for (uint32_t k = 0; k < n; k++)
            if (isnan(VAL(t, xs[k])))
                return VAL(t, xs[k]);
        return m;
    }
    double sum = 0.0;
    for (uint32_t k = 0; k < n; k++)
        sum += exp(VAL(t, xs[k]) - m);
    /* n >= 1 and the max term adds e^0 = 1, so sum >= 1 (or NaN) */
    // cppcheck-suppress invalidFunctionArg
    return m + log(sum);
}
static inline void fw_logsumexp(ag_tape *t, uint32_t i)
{
    uint64_t l = t->link[i];
    VAL(t, i) = logsumexp(t, t->aux + ag__link_a(l), ag__link_b(l));
}
static inline void bw_logsumexp(ag_tape *t, uint32_t i, double g, ag_sink *s)
{
    uint64_t l = t->link[i];
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = VAL(t, i);
    for (uint32_t k = 0; k < n; k++)
        edge(t, s, xs[k], g, exp(VAL(t, xs[k]) - y)); /* softmax_k */
}

#include "tangents.h" /* the n-ary ops' jv_ and hv_ */

#endif /* AGRAD_KERNELS_H */
