/*
 * ops.c: the op table. One row per op: its name, symbol, arity, its forward
 * value and its local derivatives, written side by side.
 *
 * Each backward adds g * (d node / d input_k) to every input's gradient
 * (always +=: an input used twice receives both contributions). Every local
 * derivative is a closed form in the input values x, a, b and the node's own
 * value y, all of which other ops can compute: recording backward on the tape
 * (grad of grad) is a matter of emitting those ops instead of doubles.
 *
 * Conventions at kinks and edges (tested): relu'(0) = 0, abs'(0) = 0,
 * leaky_relu'(0) = slope, max sends the gradient to a when a >= b, min to a
 * when a <= b, d(a^c)/da = 0 when c = 0, d(a^b)/db = 0 when a = 0 and b > 0.
 * F1-F5 are the derivations in docs/formulas.md.
 */
#include "tape_internal.h"

#include "kernels.h"

#include <assert.h>
#include <math.h>

#define VAL(t, i) ((t)->value[(i)])

/* Add g * local to input `in`'s gradient; tell the stepper, if one listens. */
static inline void edge(ag_tape *t, ag_sink *s, uint32_t in, double g, double local)
{
    double c = g * local;
    t->grad[in] += c;
    if (s)
        ag__sink_push(s, in, local, c);
}

/* ---- unary ops: y = FWD(x), dy/dx = DER(x, y) ---- */

#define UNARY(name, FWD, DER)                                                        \
    static double fw_##name(const ag_tape *t, uint64_t l)                            \
    {                                                                                \
        double x = VAL(t, ag__link_a(l));                                            \
        return FWD;                                                                  \
    }                                                                                \
    static void bw_##name(ag_tape *t, uint32_t i, double g, ag_sink *s)              \
    {                                                                                \
        uint32_t a = ag__link_a(t->link[i]);                                         \
        double x = VAL(t, a), y = VAL(t, i);                                         \
        (void)x, (void)y;                                                            \
        edge(t, s, a, g, DER);                                                       \
    }

static double sigmoid(double x)
{
    /* never exponentiates a positive number: sigmoid(+-1000) is exactly 1 or 0 */
    if (x >= 0)
        return 1.0 / (1.0 + exp(-x));
    double e = exp(x);
    return e / (1.0 + e);
}

static double softplus(double x)
{
    /* log(1 + e^x) = max(x, 0) + log1p(e^-|x|) */
    return fmax(x, 0.0) + log1p(exp(-fabs(x)));
}

UNARY(neg, -x, -1.0)                             /* d(-x) = -1              */
UNARY(exp, exp(x), y)                            /* d e^x = e^x (F0c)       */
UNARY(log, log(x), 1.0 / x)                      /* d log x = 1/x           */
UNARY(sqrt, sqrt(x), 0.5 / y)                    /* d sqrt x = 1/(2 sqrt x) */
UNARY(abs, fabs(x), x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0)
UNARY(sin, sin(x), cos(x))
UNARY(cos, cos(x), -sin(x))
/* F4: tanh' = 1 - tanh^2 = 4 e^-2|x| / (1 + e^-2|x|)^2; the second form
 * keeps full relative accuracy in the tails, where 1 - y^2 cancels to 0 */
static double dtanh(double x, double y)
{
    if (fabs(x) < 0.5)
        return 1.0 - y * y;
    double s = exp(-2.0 * fabs(x));
    return 4.0 * s / ((1.0 + s) * (1.0 + s));
}

/* F1: sigmoid' = s(1 - s) = s(x) s(-x); for x > 0, 1 - s cancels, and
 * s(-x) is the accurate way to get it */
static double dsigmoid(double x, double y) { return x > 0 ? y * sigmoid(-x) : y * (1.0 - y); }

UNARY(tanh, tanh(x), dtanh(x, y))                /* F4: 1 - tanh^2          */
UNARY(sigmoid, sigmoid(x), dsigmoid(x, y))       /* F1: s(1 - s)            */
UNARY(softplus, softplus(x), sigmoid(x))         /* d softplus = sigmoid    */
UNARY(relu, relu(x), step(x))                    /* F2, relu'(0) = 0        */

/* ---- ops with a constant operand b (a node holding c): y = FWD, dy/da = DER ---- */

#define WITH_CONST(name, FWD, DER)                                                   \
    static double fw_##name(const ag_tape *t, uint64_t l)                            \
    {                                                                                \
        double x = VAL(t, ag__link_a(l)), c = VAL(t, ag__link_b(l));                 \
        return FWD;                                                                  \
    }                                                                                \
    static void bw_##name(ag_tape *t, uint32_t i, double g, ag_sink *s)              \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        double x = VAL(t, ag__link_a(l)), c = VAL(t, ag__link_b(l)), y = VAL(t, i);  \
        (void)y;                                                                     \
        edge(t, s, ag__link_a(l), g, DER);                                           \
    }

WITH_CONST(powc, pow(x, c), c == 0 ? 0.0 : c * pow(x, c - 1.0)) /* d x^c = c x^(c-1) */
WITH_CONST(leaky_relu, x > 0 ? x : c * x, x > 0 ? 1.0 : c)       /* F3               */

/* ---- binary ops: y = FWD(a, b), dy/da = DA, dy/db = DB ---- */

#define BINARY(name, FWD, DA, DB)                                                    \
    static double fw_##name(const ag_tape *t, uint64_t l)                            \
    {                                                                                \
        double a = VAL(t, ag__link_a(l)), b = VAL(t, ag__link_b(l));                 \
        return FWD;                                                                  \
    }                                                                                \
    static void bw_##name(ag_tape *t, uint32_t i, double g, ag_sink *s)              \
    {                                                                                \
        uint64_t l = t->link[i];                                                     \
        uint32_t ia = ag__link_a(l), ib = ag__link_b(l);                             \
        double a = VAL(t, ia), b = VAL(t, ib), y = VAL(t, i);                        \
        (void)a, (void)b, (void)y;                                                   \
        edge(t, s, ia, g, DA);                                                       \
        edge(t, s, ib, g, DB);                                                       \
    }

static double dpow_db(double a, double b, double y)
{
    /* d a^b / db = a^b log a; taken as 0 where a = 0 and b > 0 (y is 0 there
     * for every nearby b), NaN for a < 0 as log gives. At a = b = 0 it is
     * 1 * log 0 = -inf: 0^b falls from +inf (b < 0) through 1 to 0 (b > 0),
     * and both one-sided difference quotients tend to -inf (PyTorch says 0). */
    if (a == 0 && b > 0)
        return 0.0;
    return y * log(a);
}

BINARY(add, a + b, 1.0, 1.0)
BINARY(sub, a - b, 1.0, -1.0)
BINARY(mul, a * b, b, a)
BINARY(div, a / b, 1.0 / b, -y / b)                         /* F0b: d(1/b) = -1/b^2 */
BINARY(pow, pow(a, b), b == 0 ? 0.0 : b * pow(a, b - 1.0), dpow_db(a, b, y))
BINARY(min, a <= b ? a : b, a <= b ? 1.0 : 0.0, a <= b ? 0.0 : 1.0)
BINARY(max, a >= b ? a : b, a >= b ? 1.0 : 0.0, a >= b ? 0.0 : 1.0)

/* ---- n-ary ops ----
 * SUM:       a = aux offset of n indices, b = n.   y = sum x_k,  dy/dx_k = 1
 * SUM_RUN:   a = first index, b = n.               the same over a run
 * DOT:       a = aux offset of [bias, w_0..w_n-1, x_0..x_n-1], b = n
 *            y = bias + sum w_k x_k,  dy/dw_k = x_k, dy/dx_k = w_k, dy/dbias = 1
 * DOT_RUN:   a = aux offset of [w_first, x_first, bias], b = n; w_first and
 *            x_first carry AG_RUN_CONST when their run is all constants
 * LOGSUMEXP: a = aux offset of n indices, b = n.   y = log sum e^x_k,
 *            dy/dx_k = e^(x_k - y) = softmax_k (F5)
 * A bias word of AG_NONE means no bias. */

static double fw_sum(const ag_tape *t, uint64_t l)
{
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = 0.0;
    for (uint32_t k = 0; k < n; k++)
        y += VAL(t, xs[k]);
    return y;
}
static void bw_sum(ag_tape *t, uint32_t i, double g, ag_sink *s)
{
    uint64_t l = t->link[i];
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    for (uint32_t k = 0; k < n; k++)
        edge(t, s, xs[k], g, 1.0);
}

static double fw_sum_run(const ag_tape *t, uint64_t l)
{
    const double *x = t->value + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = 0.0;
    for (uint32_t k = 0; k < n; k++)
        y += x[k];
    return y;
}
static void bw_sum_run(ag_tape *t, uint32_t i, double g, ag_sink *s)
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

static double fw_dot(const ag_tape *t, uint64_t l)
{
    const uint32_t *op = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    const uint32_t *w = op + 1, *x = op + 1 + n;
    double y = op[0] == AG_NONE ? 0.0 : VAL(t, op[0]);
    for (uint32_t k = 0; k < n; k++)
        y += VAL(t, w[k]) * VAL(t, x[k]);
    return y;
}
static void bw_dot(ag_tape *t, uint32_t i, double g, ag_sink *s)
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

static double fw_dot_run(const ag_tape *t, uint64_t l)
{
    const uint32_t *op = t->aux + ag__link_a(l);
    double bias = op[2] == AG_NONE ? 0.0 : VAL(t, op[2]);
    uint32_t w = op[0] & ~AG_RUN_CONST, x = op[1] & ~AG_RUN_CONST;
    return bias + dot_kernel(t->value + w, t->value + x, ag__link_b(l));
}

static void bw_dot_run(ag_tape *t, uint32_t i, double g, ag_sink *s)
{
    uint64_t l = t->link[i];
    const uint32_t *op = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l), w = op[0] & ~AG_RUN_CONST, x = op[1] & ~AG_RUN_CONST;
    bool w_const = op[0] & AG_RUN_CONST, x_const = op[1] & AG_RUN_CONST;
    if (!s && x_const) {
        /* a first layer: its inputs are constants, only dw_k += g x_k */
        if (!w_const)
            axpy_kernel(t->grad + w, t->value + x, g, n);
    } else if (!s && w_const) {
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
    if (op[2] != AG_NONE)
        edge(t, s, op[2], g, 1.0);
}

static double fw_logsumexp(const ag_tape *t, uint64_t l)
{
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
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
static void bw_logsumexp(ag_tape *t, uint32_t i, double g, ag_sink *s)
{
    uint64_t l = t->link[i];
    const uint32_t *xs = t->aux + ag__link_a(l);
    uint32_t n = ag__link_b(l);
    double y = VAL(t, i);
    for (uint32_t k = 0; k < n; k++)
        edge(t, s, xs[k], g, exp(VAL(t, xs[k]) - y)); /* softmax_k */
}

/* ---- the table ----
 * Every computed op once: enum suffix, function stem, symbol, arity (-1:
 * n-ary). The table and the sweeps' switch below are both generated from
 * this list, so they cannot drift apart. */

#define AG_COMPUTED_OPS(X)                                                           \
    X(ADD, add, "+", 2)                                                              \
    X(SUB, sub, "-", 2)                                                              \
    X(MUL, mul, "*", 2)                                                              \
    X(DIV, div, "/", 2)                                                              \
    X(POW, pow, "^", 2)                                                              \
    X(POWC, powc, "^", 2)                                                            \
    X(NEG, neg, "-", 1)                                                              \
    X(EXP, exp, "exp", 1)                                                            \
    X(LOG, log, "log", 1)                                                            \
    X(SQRT, sqrt, "sqrt", 1)                                                         \
    X(ABS, abs, "abs", 1)                                                            \
    X(SIN, sin, "sin", 1)                                                            \
    X(COS, cos, "cos", 1)                                                            \
    X(TANH, tanh, "tanh", 1)                                                         \
    X(SIGMOID, sigmoid, "sigmoid", 1)                                                \
    X(SOFTPLUS, softplus, "softplus", 1)                                             \
    X(RELU, relu, "relu", 1)                                                         \
    X(LEAKY_RELU, leaky_relu, "leaky_relu", 2)                                       \
    X(MIN, min, "min", 2)                                                            \
    X(MAX, max, "max", 2)                                                            \
    X(SUM, sum, "sum", -1)                                                           \
    X(SUM_RUN, sum_run, "sum", -1)                                                   \
    X(DOT, dot, "dot", -1)                                                           \
    X(DOT_RUN, dot_run, "dot", -1)                                                   \
    X(LOGSUMEXP, logsumexp, "logsumexp", -1)

#define ROW(OP, stem, sym, n) [AG_OP_##OP] = {#stem, sym, n, fw_##stem, bw_##stem},

const ag_op_row ag__ops[AG_OP_COUNT] = {
    [AG_OP_CONST] = {"const", "const", 0, NULL, NULL},
    [AG_OP_VAR] = {"var", "var", 0, NULL, NULL},
    AG_COMPUTED_OPS(ROW)
};
static_assert(sizeof ag__ops / sizeof ag__ops[0] == AG_OP_COUNT, "ag__ops must cover ag_op");

/* ---- the sweeps' inner loops ----
 * A switch over the same list instead of calls through the table: each
 * op's forward and backward are inlined into its case, and the stepper's
 * sink (always NULL here) folds away. About 10-15% of a training step on
 * small layers, where the per-node overhead is most of the work. */

void ag__forward_run(ag_tape *t, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i <= to; i++) {
        uint64_t l = t->link[i];
        double v;
        switch (ag__link_op(l)) {
#define FORWARD_CASE(OP, stem, sym, n)                                               \
    case AG_OP_##OP:                                                                 \
        v = fw_##stem(t, l);                                                         \
        break;
            AG_COMPUTED_OPS(FORWARD_CASE)
        default:
            continue; /* leaves keep their values */
        }
        t->value[i] = v;
        t->grad[i] = 0.0;
    }
}

void ag__backward_run(ag_tape *t, uint32_t top, uint32_t bottom)
{
    for (uint32_t i = top + 1; i-- > bottom;) {
        double g = t->grad[i];
        if (g == 0.0)
            continue; /* see sweep_node in backward.c */
        switch (ag__link_op(t->link[i])) {
#define BACKWARD_CASE(OP, stem, sym, n)                                              \
    case AG_OP_##OP:                                                                 \
        bw_##stem(t, i, g, NULL);                                                    \
        break;
            AG_COMPUTED_OPS(BACKWARD_CASE)
        default:
            break;
        }
    }
}

const char *ag_op_name(ag_op op)
{
    return (unsigned)op < AG_OP_COUNT && ag__ops[op].name ? ag__ops[op].name : "?";
}

const char *ag_op_symbol(ag_op op)
{
    return (unsigned)op < AG_OP_COUNT && ag__ops[op].symbol ? ag__ops[op].symbol : "?";
}

size_t ag__arity(const ag_tape *t, uint32_t i)
{
    uint64_t l = t->link[i];
    ag_op op = ag__link_op(l);
    if (ag__ops[op].arity >= 0)
        return (size_t)ag__ops[op].arity;
    uint32_t n = ag__link_b(l);
    switch (op) {
    case AG_OP_DOT:
        return 2 * (size_t)n + (t->aux[ag__link_a(l)] != AG_NONE);
    case AG_OP_DOT_RUN:
        return 2 * (size_t)n + (t->aux[ag__link_a(l) + 2] != AG_NONE);
    default:
        return n;
    }
}

/* Inputs in order: a then b; sum terms; for dot w_0, x_0, w_1, x_1, ..., bias. */
uint32_t ag__input(const ag_tape *t, uint32_t i, size_t k)
{
    uint64_t l = t->link[i];
    uint32_t a = ag__link_a(l), n = ag__link_b(l);
    switch (ag__link_op(l)) {
    case AG_OP_SUM:
    case AG_OP_LOGSUMEXP:
        return t->aux[a + k];
    case AG_OP_SUM_RUN:
        return a + (uint32_t)k;
    case AG_OP_DOT: {
        const uint32_t *op = t->aux + a;
        if (k == 2 * (size_t)n)
            return op[0];
        return k % 2 == 0 ? op[1 + k / 2] : op[1 + n + k / 2];
    }
    case AG_OP_DOT_RUN: {
        const uint32_t *op = t->aux + a;
        if (k == 2 * (size_t)n)
            return op[2];
        return ((k % 2 == 0 ? op[0] : op[1]) & ~AG_RUN_CONST) + (uint32_t)(k / 2);
    }
    default:
        return k == 0 ? a : ag__link_b(l);
    }
}
