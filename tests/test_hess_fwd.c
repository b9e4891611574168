/*
 * test_hess_fwd.c: ag_hvp by forward over reverse (the op list's jv_/hv_
 * tangent kernels) against three independent oracles: every op's Hessian
 * column by column against central differences of its numeric local
 * derivative (ag_backward at perturbed inputs); ag_hvp_recorded (reverse
 * over reverse, the recorded derivative-as-ops, which shares no
 * second-derivative code with it) on random expressions over every op and
 * on W1/W2-like MLPs; closed forms at kinks and in the tails. Also: no
 * allocation once the scratch is there, and the tape left as it was.
 */
#include "autograd.h"
#include "op_fns.h"
#include "nn.h"
#include "oracle.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- every op: H e_j against central differences of the gradient ---- */

/* A node of op `op` over one run of variables (values v), the run in *x:
 * the same shapes as test_oplist.c's, with the constant operand of POWC
 * and LEAKY_RELU outside the run. AG_NULL for leaves. */
static ag_node make(ag_tape *t, ag_op op, const double *v, ag_run *x)
{
    const ag_op_info *info = ag_op_info_of(op);
    switch (op) {
    case AG_OP_CONST:
    case AG_OP_VAR:
        return AG_NULL;
    case AG_OP_POWC:
    case AG_OP_LEAKY_RELU: {
        *x = ag_vars(t, v, 1);
        ag_node in[2] = {x->first, ag_const(t, op == AG_OP_POWC ? 2.5 : 0.1)};
        return ag_apply(t, op, in, 2);
    }
    case AG_OP_SUM_RUN:
        *x = ag_vars(t, v, 3);
        return ag_sum(t, *x);
    case AG_OP_DOT_RUN:
        *x = ag_vars(t, v, 5);
        return ag_dot(t, ag_run_of(ag_at(t, *x, 0), 2), ag_run_of(ag_at(t, *x, 2), 2), ag_at(t, *x, 4));
    default:
        break;
    }
    size_t n = info->arity >= 0 ? (size_t)info->arity : op == AG_OP_DOT ? 5 : 3;
    *x = ag_vars(t, v, n);
    ag_node in[8];
    for (size_t k = 0; k < n; k++)
        in[k] = ag_at(t, *x, k);
    return ag_apply(t, op, in, n);
}

/* dy/dx at the run's current values (ag_backward, the numeric kernels) */
static void grad_at(ag_tape *t, ag_mark m, ag_node y, ag_run x, double *g)
{
    cr_assert_eq(ag_forward(t, m, y), AG_OK, "%s", ag_tape_error(t));
    ag_zero_grad(t);
    cr_assert_eq(ag_backward(t, y), AG_OK, "%s", ag_tape_error(t));
    for (size_t k = 0; k < x.n; k++)
        g[k] = ag_grad(t, ag_at(t, x, k));
}

static void check_op(ag_op op, const double *v)
{
    ag_tape *t = ag_tape_new(0);
    ag_mark m = ag_tape_mark(t);
    ag_run x;
    ag_node y = make(t, op, v, &x);
    if (ag_is_null(y)) {
        ag_tape_free(t);
        return;
    }
    const char *name = ag_op_info_of(op)->name;
    size_t n = x.n;
    double H[8][8], e[8], gp[8], gm[8];
    for (size_t j = 0; j < n; j++) {
        memset(e, 0, sizeof e);
        e[j] = 1.0;
        cr_assert_eq(ag_hvp(t, y, x, e, H[j]), AG_OK, "%s: %s", name, ag_tape_error(t));
        /* column j by central differences of the numeric first derivative */
        double *xv = ag_values(t, x), x0 = xv[j], h = 1e-5 * fmax(1.0, fabs(x0));
        xv[j] = x0 + h;
        grad_at(t, m, y, x, gp);
        xv[j] = x0 - h;
        grad_at(t, m, y, x, gm);
        xv[j] = x0;
        cr_assert_eq(ag_forward(t, m, y), AG_OK);
        for (size_t i = 0; i < n; i++) {
            double fd = (gp[i] - gm[i]) / (2 * h);
            cr_expect_leq(orc_rel(H[j][i], fd, ORC_TOL), 1e-6, "%s: H[%zu][%zu] = %.17g, differences %.17g",
                          name, i, j, H[j][i], fd);
        }
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            cr_expect_leq(orc_rel(H[i][j], H[j][i], 1e-300), 1e-13, "%s: H not symmetric at %zu %zu", name, i, j);
    ag_tape_free(t);
}

Test(hess_fwd, every_op_matches_differences_of_its_numeric_derivative)
{
    /* inside every domain and away from every kink (ties of min/max, 0 of
     * relu/abs/sign/step/leaky_relu), two points per op (op_fns.h) */
    for (int op = 0; op < AG_OP_COUNT; op++) {
        bool needs_pos = op_needs_positive((ag_op)op);
        check_op((ag_op)op, needs_pos ? OP_AT_POS : OP_AT_1);
        check_op((ag_op)op, needs_pos ? OP_AT_POS + 1 : OP_AT_2);
    }
}

/* ---- random expressions over every op: forward over reverse against
 * reverse over reverse ---- */

/* a node in the domain of log, sqrt, pow's base, a divisor: a^2 + 0.5 */
static ag_node positive(ag_tape *t, ag_node a) { return ag_add(t, ag_mul(t, a, a), ag_const(t, 0.5)); }

static ag_node random_node(ag_tape *t, orc_rng *r, const ag_node *pool, size_t np, ag_run x)
{
    ag_node a = pool[orc_pick(r, 0, np - 1)], b = pool[orc_pick(r, 0, np - 1)];
    ag_op op = (ag_op)orc_pick(r, 0, AG_OP_COUNT - 1);
    switch (op) {
    case AG_OP_CONST:
        return ag_mul(t, a, ag_const(t, orc_uniform(r, -1.5, 1.5)));
    case AG_OP_VAR:
        return ag_at(t, x, orc_pick(r, 0, x.n - 1));
    case AG_OP_LOG:
    case AG_OP_SQRT:
        return ag_apply(t, op, (ag_node[]){positive(t, a)}, 1);
    case AG_OP_LOG1P:
        return ag_unary(t, AG_OP_LOG1P, ag_mul(t, a, a));
    case AG_OP_TAN:
        return ag_unary(t, AG_OP_TAN, ag_unary(t, AG_OP_TANH, a));
    case AG_OP_EXP:
    case AG_OP_EXPM1:
    case AG_OP_SINH:
    case AG_OP_COSH:
        return ag_apply(t, op, (ag_node[]){ag_unary(t, AG_OP_TANH, a)}, 1); /* bounded growth */
    case AG_OP_DIV:
        return ag_div(t, a, positive(t, b));
    case AG_OP_POW:
        return ag_binary(t, AG_OP_POW, positive(t, a), ag_unary(t, AG_OP_TANH, b));
    case AG_OP_POWC:
        return ag_powc(t, positive(t, a), orc_uniform(r, -1.5, 2.5));
    case AG_OP_LEAKY_RELU:
        return ag_binary(t, AG_OP_LEAKY_RELU, a, ag_const(t, 0.1));
    case AG_OP_SUM:
    case AG_OP_LOGSUMEXP:
    case AG_OP_DOT: {
        ag_node in[5] = {a, b, pool[orc_pick(r, 0, np - 1)], pool[orc_pick(r, 0, np - 1)], pool[np - 1]};
        return ag_apply(t, op, in, op == AG_OP_DOT ? 5 : 3);
    }
    case AG_OP_SUM_RUN:
        return ag_sum(t, x);
    case AG_OP_DOT_RUN: /* x . (its own map): runs of nodes */
        return ag_dot(t, x, ag_map(t, AG_OP_SIN, x, AG_NULL_RUN), a);
    default:
        return ag_apply(t, op, (ag_node[]){a, b}, (size_t)ag_op_info_of(op)->arity);
    }
}

Test(hess_fwd, random_expressions_agree_with_reverse_over_reverse)
{
    orc_rng r = {UINT64_C(0x5eed11)};
    double worst = 0;
    int compared = 0;
    for (int round = 0; round < 60; round++) {
        ag_tape *t = ag_tape_new(0);
        enum { NX = 4, NP = 40 };
        double xv[NX], v[NX], hf[NX], hr[NX];
        for (int k = 0; k < NX; k++)
            xv[k] = orc_uniform(&r, -1.2, 1.2), v[k] = orc_uniform(&r, -1, 1);
        ag_run x = ag_vars(t, xv, NX);
        ag_node pool[NP];
        size_t np = 0;
        for (; np < NX; np++)
            pool[np] = ag_at(t, x, np);
        for (; np < NP; np++)
            pool[np] = random_node(t, &r, pool, np, x);
        /* y mixes the last nodes, so most of the pool is in its past */
        ag_node y = ag_apply(t, AG_OP_SUM, pool + NP - 8, 8);
        cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
        size_t len = ag_tape_len(t);
        cr_assert_eq(ag_hvp(t, y, x, v, hf), AG_OK, "%s", ag_tape_error(t));
        cr_assert_eq(ag_tape_len(t), len, "ag_hvp records nothing");
        cr_assert_eq(ag_hvp_recorded(t, y, x, v, hr), AG_OK, "%s", ag_tape_error(t));
        double scale = 0;
        bool finite = true;
        for (int k = 0; k < NX; k++)
            scale = fmax(scale, fabs(hr[k])), finite = finite && isfinite(hr[k]);
        if (!finite) { /* an overflow in the recorded form: no comparison */
            ag_tape_free(t);
            continue;
        }
        compared++;
        for (int k = 0; k < NX; k++) {
            double d = fabs(hf[k] - hr[k]) / fmax(scale, 1e-300);
            worst = fmax(worst, d);
            cr_expect_leq(d, 1e-13, "round %d, k %d: forward over reverse %.17g, recorded %.17g", round, k, hf[k],
                          hr[k]);
        }
        ag_tape_free(t);
    }
    cr_assert_geq(compared, 50, "only %d of 60 rounds were finite", compared);
    cr_log_info("random expressions: worst relative difference %.3g", worst);
}

/* ---- W1/W2-like MLPs: relu, hinge + L2; relu, softmax-CE ---- */

static void mlp_case(bool moons, size_t n_in, const size_t *sizes, size_t batch)
{
    ag_tape *t = ag_tape_new(0);
    nn_model *m = nn_model_new(t);
    nn_rng rng;
    nn_rng_seed(&rng, moons ? 3 : 4);
    nn_act acts[] = {NN_ACT_RELU, NN_ACT_RELU, NN_ACT_LINEAR};
    cr_assert_eq(nn_mlp_build(m, n_in, sizes, acts, 3, NN_INIT_HE, &rng), AG_OK);
    orc_rng r = {moons ? 11u : 12u};
    ag_node terms[16];
    for (size_t s = 0; s < batch; s++) {
        double xs[16], y[10] = {0};
        for (size_t k = 0; k < n_in; k++)
            xs[k] = orc_uniform(&r, -1.5, 1.5);
        ag_run out = nn_mlp_forward(m, ag_consts(t, xs, n_in));
        if (moons) {
            y[0] = s % 2 ? 1.0 : -1.0;
            terms[s] = nn_loss(t, NN_LOSS_HINGE, out, ag_consts(t, y, 1), NN_SUM);
        } else {
            y[s % sizes[2]] = 1.0;
            terms[s] = nn_loss(t, NN_LOSS_SOFTMAX_CE, out, ag_consts(t, y, sizes[2]), NN_SUM);
        }
    }
    ag_node L = ag_apply(t, AG_OP_SUM, terms, batch);
    if (moons)
        L = ag_add(t, L, ag_mul(t, ag_const(t, 1e-2), ag_dot(t, nn_model_params(m), nn_model_params(m), AG_NULL)));
    ag_run p = nn_model_params(m);
    double *v = malloc(p.n * sizeof *v), *hf = malloc(p.n * sizeof *hf), *hr = malloc(p.n * sizeof *hr);
    for (size_t k = 0; k < p.n; k++)
        v[k] = sin(0.7 * (double)k + 0.3);
    cr_assert_eq(ag_hvp(t, L, p, v, hf), AG_OK, "%s", ag_tape_error(t));
    cr_assert_eq(ag_hvp_recorded(t, L, p, v, hr), AG_OK, "%s", ag_tape_error(t));
    double scale = 0, worst = 0;
    for (size_t k = 0; k < p.n; k++)
        scale = fmax(scale, fabs(hr[k]));
    cr_assert_gt(scale, 0.0);
    for (size_t k = 0; k < p.n; k++)
        worst = fmax(worst, fabs(hf[k] - hr[k]) / scale);
    cr_expect_leq(worst, 1e-13, "%s: forward over reverse and recorded differ by %.3g", moons ? "W1" : "W2", worst);
    free(v), free(hf), free(hr);
    nn_model_free(m);
    ag_tape_free(t);
}

Test(hess_fwd, w1_and_w2_like_mlps_agree_with_reverse_over_reverse)
{
    mlp_case(true, 2, (const size_t[]){8, 8, 1}, 12);
    mlp_case(false, 16, (const size_t[]){12, 12, 10}, 6);
}

/* ---- kinks, tails, pow(0, c) ---- */

/* d^2 f / dx^2 at x0 by ag_hvp over one variable */
static double second(ag_node (*f)(ag_tape *, ag_node), double x0)
{
    ag_tape *t = ag_tape_new(0);
    ag_run x = ag_vars(t, &x0, 1);
    double h = (double)NAN;
    cr_assert_eq(ag_hvp(t, f(t, x.first), x, (const double[]){1.0}, &h), AG_OK, "%s", ag_tape_error(t));
    ag_tape_free(t);
    return h;
}

static ag_node relu_sq(ag_tape *t, ag_node x) { return ag_mul(t, ag_unary(t, AG_OP_RELU, x), x); } /* x relu(x) */

Test(hess_fwd, kinks)
{
    const double at[] = {-1.0, -0.0, 0.0, 1.0};
    for (int i = 0; i < 4; i++) {
        cr_expect_eq(second(u_relu, at[i]), 0.0, "relu''(%g)", at[i]);
        cr_expect_eq(second(u_abs, at[i]), 0.0, "abs''(%g)", at[i]);
        cr_expect_eq(second(u_sign, at[i]), 0.0);
        cr_expect_eq(second(u_step, at[i]), 0.0);
    }
    /* (x relu x)'' = 2 step(x): 2 for x > 0, 0 for x <= 0 (relu'(0) = 0) */
    cr_expect_eq(second(relu_sq, 1.0), 2.0);
    cr_expect_eq(second(relu_sq, 0.0), 0.0);
    cr_expect_eq(second(relu_sq, -1.0), 0.0);
    /* max(a, b)^2 at a tie: the gradient goes to a at every order, so
     * H = [[2, 0], [0, 0]]; min the same */
    for (int k = 0; k < 2; k++) {
        ag_tape *t = ag_tape_new(0);
        ag_run x = ag_vars(t, (const double[]){0.5, 0.5}, 2);
        ag_node a = ag_at(t, x, 0), b = ag_at(t, x, 1), m = k ? ag_binary(t, AG_OP_MIN, a, b) : ag_binary(t, AG_OP_MAX, a, b);
        ag_node y = ag_mul(t, m, m);
        double c0[2], c1[2];
        cr_assert_eq(ag_hvp(t, y, x, (const double[]){1, 0}, c0), AG_OK);
        cr_assert_eq(ag_hvp(t, y, x, (const double[]){0, 1}, c1), AG_OK);
        cr_expect(c0[0] == 2 && c0[1] == 0 && c1[0] == 0 && c1[1] == 0, "%s: H = %g %g %g %g", k ? "min" : "max",
                  c0[0], c0[1], c1[0], c1[1]);
        ag_tape_free(t);
    }
}

static ag_node cube(ag_tape *t, ag_node x) { return ag_powc(t, x, 3.0); }
static ag_node square(ag_tape *t, ag_node x) { return ag_powc(t, x, 2.0); }
static ag_node linear(ag_tape *t, ag_node x) { return ag_powc(t, x, 1.0); }

Test(hess_fwd, pow_of_zero)
{
    /* (x^c)'' = c (c-1) x^(c-2): at 0, 6 x = 0 for c = 3, 2 for c = 2, and
     * 0 for c = 1 (the factor c - 1 ends the chain, no 0 * inf) */
    cr_expect_eq(second(cube, 0.0), 0.0);
    cr_expect_eq(second(square, 0.0), 2.0);
    cr_expect_eq(second(linear, 0.0), 0.0);
}

static double sig(double x) { return x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)); }

Test(hess_fwd, tails_keep_their_accuracy)
{
    const double at[] = {-40.0, -25.0, -3.0, 0.01, 3.0, 25.0, 40.0};
    for (int i = 0; i < 7; i++) {
        double x = at[i], s = sig(x), sb = sig(-x), c = cosh(x);
        /* sigma'' = s (1 - s)(1 - 2 s) = s sb (sb - s); tanh'' = -2 tanh /
         * cosh^2; softplus'' = s sb: forms without cancellation */
        cr_expect_leq(orc_rel(second(u_sigmoid, x), s * sb * (sb - s), 0), 1e-12, "sigma''(%g)", x);
        cr_expect_leq(orc_rel(second(u_tanh, x), -2 * tanh(x) / (c * c), 0), 1e-12, "tanh''(%g) = %.17g", x,
                      second(u_tanh, x));
        cr_expect_leq(orc_rel(second(u_softplus, x), s * sb, 0), 1e-12, "softplus''(%g)", x);
    }
}

/* ---- scratch: allocated once, the tape left alone ---- */

static long allocs;
static void *counting(void *ctx, void *p, size_t n)
{
    (void)ctx;
    allocs++;
    if (n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, n);
}

Test(hess_fwd, no_allocation_in_steady_state_and_the_tape_untouched)
{
    ag_tape *t = ag_tape_new(0);
    ag_run x = ag_vars(t, (const double[]){0.3, -0.7, 1.1}, 3);
    ag_node y = ag_mul(t, ag_unary(t, AG_OP_TANH, ag_dot(t, x, x, AG_NULL)), ag_unary(t, AG_OP_SIN, ag_at(t, x, 0)));
    cr_assert_eq(ag_backward(t, y), AG_OK);
    double g[3], v[3] = {1, 2, 3}, h1[3], h2[3];
    for (int k = 0; k < 3; k++)
        g[k] = ag_grad(t, ag_at(t, x, k));
    size_t len = ag_tape_len(t);
    double yv = ag_value(t, y);
    cr_assert_eq(ag_hvp(t, y, x, v, h1), AG_OK); /* the scratch is made here */
    allocs = 0;
    ag_set_allocator(counting, NULL);
    ag_status s = ag_hvp(t, y, x, v, h2);
    ag_set_allocator(NULL, NULL);
    cr_assert_eq(s, AG_OK);
    cr_expect_eq(allocs, 0, "%ld allocations in a second ag_hvp", allocs);
    for (int k = 0; k < 3; k++) {
        cr_expect_eq(h1[k], h2[k]);
        cr_expect_eq(ag_grad(t, ag_at(t, x, k)), g[k], "the variables' gradients are left as they were");
    }
    cr_expect_eq(ag_tape_len(t), len);
    cr_expect_eq(ag_value(t, y), yv);
    /* a longer tape grows the scratch once, then again none */
    ag_node z = ag_unary(t, AG_OP_EXP, y);
    cr_assert_eq(ag_hvp(t, z, x, v, h1), AG_OK);
    for (int i = 0; i < 2000; i++)
        z = ag_add(t, z, ag_const(t, 1e-3));
    cr_assert_eq(ag_hvp(t, z, x, v, h2), AG_OK);
    for (int k = 0; k < 3; k++)
        cr_expect(fabs(h1[k] - h2[k]) <= 1e-15 * fabs(h1[k]), "a constant shift changes no second derivative");
    allocs = 0;
    ag_set_allocator(counting, NULL);
    s = ag_hvp(t, z, x, v, h2);
    ag_set_allocator(NULL, NULL);
    cr_assert_eq(s, AG_OK);
    cr_expect_eq(allocs, 0);
    ag_tape_free(t);
}
