/*
 * ops.c: the op table (one row per line of ag_ops.h) and each op's local
 * derivative recorded as ops, for higher order.
 *
 * d_<stem>(t, n, k) records d n / d input_k with the public ag_* calls and
 * returns it (ag_local_derivative, autograd.h, states the contract). Each
 * is the closed form of bw_<stem> in kernels.h written in ops: what the
 * sweep computes as a double, this records as nodes, so differentiating it
 * again is ordinary backward. Rows and kernels come from one list, so a row
 * without its kernels does not compile (make oplist-check). F1-F5 are the
 * derivations in docs/formulas.md.
 */
#include "tape_internal.h"

#include <math.h>

#define ROW(ENUM, stem, sym, n, form, kink, dtext) [AG_OP_##ENUM] = {#stem, sym, n, AG_FORM_##form, kink, dtext},
const ag_op_info ag__ops[AG_OP_COUNT] = {AG_OPLIST(ROW)};
#undef ROW

/* what a value that is not an op reads as (a misused enum, the AG_OP_COUNT
 * that ag_node_op returns for a bad handle) */
static const ag_op_info not_an_op = {"?", "?", 0, AG_FORM_LEAF, NULL, ""};

const ag_op_info *ag_op_info_of(ag_op op) { return (unsigned)op < AG_OP_COUNT ? &ag__ops[op] : &not_an_op; }

/* ---- local derivatives as ops ---- */

/* n was checked by ag_local_derivative, and k < its arity: its inputs are
 * live, so they are read without a second check (the recorded backward
 * calls this once per edge) */
#define IN(k) ag__handle(t, ag__input(t, n.idx, (k)))
#define C(v) ag_const(t, (v))

static ag_node none(ag_tape *t, ag_node n, size_t k) { return (void)t, (void)n, (void)k, AG_NULL; }
#define d_const none
#define d_var none

static ag_node one(ag_tape *t, ag_node n, size_t k) { return (void)n, (void)k, C(1.0); }
static ag_node zero(ag_tape *t, ag_node n, size_t k) { return (void)n, (void)k, C(0.0); }
#define d_add one
#define d_sum one
#define d_sum_run one
#define d_sign zero /* flat everywhere, kink included */
#define d_step zero

static ag_node d_sub(ag_tape *t, ag_node n, size_t k) { return (void)n, C(k == 0 ? 1.0 : -1.0); }
static ag_node d_neg(ag_tape *t, ag_node n, size_t k) { return (void)n, (void)k, C(-1.0); }
static ag_node d_mul(ag_tape *t, ag_node n, size_t k) { return IN(1 - k); } /* the other factor */
static ag_node d_div(ag_tape *t, ag_node n, size_t k)
{
    /* d(a/b)/da = 1/b; d(a/b)/db = -y/b (F0b) */
    return k == 0 ? ag_div(t, C(1.0), IN(1)) : ag_neg(t, ag_div(t, n, IN(1)));
}
static ag_node d_pow(ag_tape *t, ag_node n, size_t k)
{
    /* b a^(b-1); a^b log a. At a = 0 these give 0 * inf or 0 * log 0 = NaN
     * where the sweep takes the limit 0 (kernels.h): a value-dependent case
     * no ops express without branching. */
    ag_node a = IN(0), b = IN(1);
    if (k == 0)
        return ag_mul(t, b, ag_binary(t, AG_OP_POW, a, ag_sub(t, b, C(1.0))));
    return ag_mul(t, n, ag_unary(t, AG_OP_LOG, a));
}
static ag_node d_powc(ag_tape *t, ag_node n, size_t k)
{
    double c = ag_value(t, IN(1));
    if (k == 1 || c == 0) /* the constant operand; d a^0 = 0 */
        return C(0.0);
    return ag_mul(t, C(c), ag_powc(t, IN(0), c - 1.0));
}
static ag_node d_exp(ag_tape *t, ag_node n, size_t k) { return (void)t, (void)k, n; } /* e^x itself */
static ag_node d_log(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_div(t, C(1.0), IN(0)); }
static ag_node d_sqrt(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_div(t, C(0.5), n); }
static ag_node d_abs(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_unary(t, AG_OP_SIGN, IN(0)); }
static ag_node d_sin(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_unary(t, AG_OP_COS, IN(0)); }
static ag_node d_cos(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_neg(t, ag_unary(t, AG_OP_SIN, IN(0))); }
/* F4: 1 - y^2 = 1/cosh^2 = 4 s(2x) s(-2x), s the sigmoid: the last form
 * keeps full relative accuracy in the tails at every order (1 - y^2
 * cancels to 0 there, and cosh overflows), as bw_tanh does at first */
static ag_node d_tanh(ag_tape *t, ag_node n, size_t k)
{
    ag_node x = IN(0);
    (void)n, (void)k;
    return ag_mul(t, C(4.0), ag_mul(t, ag_unary(t, AG_OP_SIGMOID, ag_mul(t, C(2.0), x)), ag_unary(t, AG_OP_SIGMOID, ag_mul(t, C(-2.0), x))));
}
/* F1: s (1 - s) = s(x) s(-x): 1 - s cancels for x > 0, s(-x) does not
 * (bw_sigmoid's form); differentiated again it stays accurate in both tails */
static ag_node d_sigmoid(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_mul(t, n, ag_unary(t, AG_OP_SIGMOID, ag_neg(t, IN(0)))); }
static ag_node d_softplus(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_unary(t, AG_OP_SIGMOID, IN(0)); }
static ag_node d_relu(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_unary(t, AG_OP_STEP, IN(0)); }
static ag_node d_leaky_relu(ag_tape *t, ag_node n, size_t k)
{
    /* x > 0 ? 1 : c  =  step(x) (1 - c) + c */
    double c = ag_value(t, IN(1));
    if (k == 1)
        return C(0.0);
    return ag_add(t, ag_mul(t, ag_unary(t, AG_OP_STEP, IN(0)), C(1.0 - c)), IN(1));
}
static ag_node d_min(ag_tape *t, ag_node n, size_t k)
{
    /* ties to a: d/da = [a <= b] = 1 - step(a - b), d/db = step(a - b) */
    ag_node s = ag_unary(t, AG_OP_STEP, ag_sub(t, IN(0), IN(1)));
    return k == 0 ? ag_sub(t, C(1.0), s) : s;
}
static ag_node d_max(ag_tape *t, ag_node n, size_t k)
{
    /* ties to a: d/da = [a >= b] = 1 - step(b - a), d/db = step(b - a) */
    ag_node s = ag_unary(t, AG_OP_STEP, ag_sub(t, IN(1), IN(0)));
    return k == 0 ? ag_sub(t, C(1.0), s) : s;
}
static ag_node d_dot(ag_tape *t, ag_node n, size_t k)
{
    /* inputs w_0, x_0, w_1, x_1, ..., bias: the other of the pair, 1 for the bias */
    if (k % 2 == 0 && k + 1 == ag__arity(t, n.idx))
        return C(1.0);
    return IN(k ^ 1);
}
/* the same over two runs, read straight from the node's layer block
 * (ag__dotrow: the recorded backward asks once per edge) */
static ag_node d_dot_run(ag_tape *t, ag_node n, size_t k)
{
    ag_dotrow d = ag__dotrow(t->aux, t->link[n.idx], n.idx);
    if (k == 2 * (size_t)d.n)
        return C(1.0); /* the bias */
    return ag__handle(t, (k % 2 == 0 ? d.x : d.w) + (uint32_t)(k / 2));
}
static ag_node d_logsumexp(ag_tape *t, ag_node n, size_t k) { return ag_unary(t, AG_OP_EXP, ag_sub(t, IN(k), n)); } /* softmax_k */
static ag_node d_log1p(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_div(t, C(1.0), ag_add(t, C(1.0), IN(0))); }
static ag_node d_expm1(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_unary(t, AG_OP_EXP, IN(0)); }
/* 1 + tan^2 */
static ag_node d_tan(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_add(t, C(1.0), ag_mul(t, n, n)); }
static ag_node d_atan(ag_tape *t, ag_node n, size_t k)
{
    ag_node x = IN(0);
    return (void)k, ag_div(t, C(1.0), ag_add(t, C(1.0), ag_mul(t, x, x)));
}
static ag_node d_sinh(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_unary(t, AG_OP_COSH, IN(0)); }
static ag_node d_cosh(ag_tape *t, ag_node n, size_t k) { return (void)k, ag_unary(t, AG_OP_SINH, IN(0)); }
static ag_node d_erf(ag_tape *t, ag_node n, size_t k)
{
    ag_node x = IN(0); /* 2/sqrt(pi) e^(-x^2) */
    return (void)k, ag_mul(t, C(1.12837916709551257390), ag_unary(t, AG_OP_EXP, ag_neg(t, ag_mul(t, x, x))));
}

typedef ag_node (*derive_fn)(ag_tape *t, ag_node n, size_t k);
#define DERIVE(ENUM, stem, sym, n, form, kink, dtext) [AG_OP_##ENUM] = d_##stem,
static const derive_fn derive[AG_OP_COUNT] = {AG_OPLIST(DERIVE)};
#undef DERIVE

ag_node ag_local_derivative(ag_tape *t, ag_node n, size_t k)
{
    if (ag__check(t, n, "ag_local_derivative", 1) != AG_OK)
        return AG_NULL;
    ag_op op = ag__link_op(t->link[n.idx]);
    size_t arity = ag__arity(t, n.idx);
    if (ag__is_leaf(op) || k >= arity) {
        ag__fail(t, AG_ERANGE, "ag_local_derivative: node #%u (%s) has %zu inputs, no input %zu", n.idx,
                 ag__ops[op].name, arity, k);
        return AG_NULL;
    }
    return derive[op](t, n, k);
}

ag_node ag__local_derivative(ag_tape *t, ag_node n, size_t k)
{
    return derive[ag__link_op(t->link[n.idx])](t, n, k);
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
        return 2 * (size_t)n + (ag__dotrow(t->aux, l, i).bias != AG_NONE);
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
        ag_dotrow d = ag__dotrow(t->aux, l, i);
        if (k == 2 * (size_t)n)
            return d.bias;
        return (k % 2 == 0 ? d.w : d.x) + (uint32_t)(k / 2);
    }
    default:
        return k == 0 ? a : ag__link_b(l);
    }
}
