/*
 * test_teach.c: the chain-rule ledger and the gradient check (teach.h). The
 * stepper against ag_backward on random graphs (bit for bit), the ledger of
 * F8's neuron against numbers computed here by hand, and ag_gradcheck on
 * smooth functions, at kinks, and refusing what it cannot check.
 */
#include "teach.h"
#include "teach_util.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

/* splitmix64: seeded doubles in [lo, hi) and indices below n */
static uint64_t rng_state;
static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}
static double uniform(double lo, double hi) { return lo + (hi - lo) * (double)(rng_next() >> 11) * 0x1.0p-53; }
static size_t below(size_t n) { return (size_t)(rng_next() % n); }

/* ---- the stepper runs ag_backward's sweep ---- */

/* x > 0 whatever x: softplus(x) + 1/4, for log, sqrt, div and pow operands */
static ag_node positive(ag_tape *t, ag_node x) { return ag_add(t, ag_unary(t, AG_OP_SOFTPLUS, x), ag_const(t, 0.25)); }

enum { KINDS = 25, POOL = 256 };

/* One op of kind k over operands drawn from the pool (so nodes are shared);
 * every op of the engine appears among the kinds. */
static ag_node random_op(ag_tape *t, int k, const ag_node *pool, size_t n, ag_node vars)
{
    ag_node a = pool[below(n)], b = pool[below(n)];
    ag_node xs[3] = {pool[below(n)], pool[below(n)], pool[below(n)]};
    ag_node ws[3] = {pool[below(n)], pool[below(n)], pool[below(n)]};
    switch (k) {
    case 0: return ag_add(t, a, b);
    case 1: return ag_sub(t, a, b);
    case 2: return ag_mul(t, a, b);
    case 3: return ag_div(t, a, positive(t, b));
    case 4: return ag_binary(t, AG_OP_POW, positive(t, a), ag_unary(t, AG_OP_TANH, b));
    case 5: return ag_powc(t, a, (double)(2 + below(2)));
    case 6: return ag_neg(t, a);
    case 7: return ag_unary(t, AG_OP_EXP, ag_unary(t, AG_OP_TANH, a));
    case 8: return ag_unary(t, AG_OP_LOG, positive(t, a));
    case 9: return ag_unary(t, AG_OP_SQRT, positive(t, a));
    case 10: return ag_unary(t, AG_OP_ABS, a);
    case 11: return ag_unary(t, AG_OP_SIN, a);
    case 12: return ag_unary(t, AG_OP_COS, a);
    case 13: return ag_unary(t, AG_OP_TANH, a);
    case 14: return ag_unary(t, AG_OP_SIGMOID, a);
    case 15: return ag_unary(t, AG_OP_SOFTPLUS, a);
    case 16: return ag_unary(t, AG_OP_RELU, a);
    case 17: return ag_binary(t, AG_OP_LEAKY_RELU, a, ag_const(t, 0.1));
    case 18: return ag_binary(t, AG_OP_MIN, a, b);
    case 19: return ag_binary(t, AG_OP_MAX, a, b);
    case 20: return ag_apply(t, AG_OP_SUM, xs, 3);
    case 21: return ag_sum(t, ag_run_of(vars, 4));
    case 22: {
        ag_node in[7] = {ws[0], xs[0], ws[1], xs[1], ws[2], xs[2], a}; /* bias a, or none */
        return ag_apply(t, AG_OP_DOT, in, below(2) ? 7 : 6);
    }
    case 23: {
        /* a run of four freshly recorded nodes against the variables' run */
        ag_node first = ag_unary(t, AG_OP_TANH, xs[0]);
        ag_unary(t, AG_OP_SIN, xs[1]);
        ag_unary(t, AG_OP_COS, xs[2]);
        ag_unary(t, AG_OP_SIGMOID, a);
        return ag_dot(t, ag_run_of(vars, 4), ag_run_of(first, 4), below(2) ? b : AG_NULL);
    }
    default: return ag_apply(t, AG_OP_LOGSUMEXP, xs, 3);
    }
}

/* Four variables, two constants, 2 * KINDS random ops (every kind twice),
 * each op kept small with tanh when it grows; y sums all of them. */
static ag_node random_graph(ag_tape *t, int g)
{
    ag_node pool[POOL];
    size_t n = 0;
    double v[4];
    for (int k = 0; k < 4; k++)
        v[k] = uniform(-2, 2);
    ag_node vars = ag_vars(t, v, 4).first;
    for (size_t k = 0; k < 4; k++)
        pool[n++] = ag_at(t, ag_run_of(vars, k + 1), k);
    pool[n++] = ag_const(t, uniform(-2, 2));
    pool[n++] = ag_const(t, uniform(-2, 2));
    for (int s = 0; s < 2 * KINDS; s++) {
        ag_node r = random_op(t, (s + g) % KINDS, pool, n, vars);
        const double *rv = ag_values(t, ag_run_of(r, 1));
        if (fabs(*rv) > 10)
            r = ag_unary(t, AG_OP_TANH, r);
        pool[n++] = r;
    }
    return ag_apply(t, AG_OP_SUM, pool + 6, n - 6); /* every op node is in y's past */
}

Test(teach, stepper_matches_backward_bit_for_bit_on_random_graphs)
{
    rng_state = 20240601;
    for (int g = 0; g < 60; g++) {
        ag_tape *t = ag_tape_new(0);
        ag_node y = random_graph(t, g);
        cr_assert_eq(ag_tape_status(t), AG_OK, "graph %d: %s", g, ag_tape_error(t));
        size_t len = ag_tape_len(t);
        double *want = malloc(len * sizeof *want);
        cr_assert_not_null(want);

        ag_zero_grad(t);
        cr_assert_eq(ag_backward(t, y), AG_OK);
        for (size_t i = 0; i < len; i++)
            want[i] = ag_grad(t, ag_node_from_index(t, i));

        ag_zero_grad(t);
        ag_stepper *st = ag_stepper_new(t, y);
        cr_assert_not_null(st);
        ag_stepper_step step;
        uint32_t last = UINT32_MAX;
        size_t steps = 0;
        while (ag_stepper_next(st, &step)) {
            steps++;
            cr_assert_lt(step.node.idx, last, "graph %d: steps in reverse tape order", g);
            last = step.node.idx;
            for (size_t e = 0; e < step.n_edges; e++) {
                /* each edge's contribution is upstream times local, exactly */
                double c = step.upstream * step.edges[e].local;
                cr_assert(memcmp(&c, &step.edges[e].contribution, sizeof c) == 0,
                          "graph %d node #%u edge %zu", g, step.node.idx, e);
                cr_assert_neq(ag_node_op(t, step.edges[e].input), AG_OP_CONST);
            }
        }
        ag_stepper_free(st);
        cr_assert_gt(steps, 2 * KINDS, "graph %d: every op node of y's past is visited", g);
        /* ag_grad, not the raw array: a constant's slot is scratch (see the
         * report on constants below the first op) and ag_grad gives 0 */
        for (size_t i = 0; i < len; i++) {
            double got = ag_grad(t, ag_node_from_index(t, i));
            cr_assert(memcmp(&got, &want[i], sizeof got) == 0,
                      "graph %d node #%zu: stepper %.17g, backward %.17g", g, i, got, want[i]);
        }
        free(want);
        ag_tape_free(t);
    }
}

/* ---- the ledger of F8's neuron ---- */

typedef struct neuron {
    ag_tape *t;
    ag_mark start;
    ag_node w1, x1, b, y, z, a, d, C, wx;
} neuron;

/* F8 (004): z = w1·x1 + b, a = σ(z), C = ½(a − y)², with w1 = 0.5, x1 = 1.5,
 * b = -0.3, y = 1. */
static neuron f8(void)
{
    neuron n;
    ag_tape *t = n.t = ag_tape_new(0);
    n.start = ag_tape_mark(t);
    n.w1 = ag_var(t, 0.5);
    n.x1 = ag_const(t, 1.5);
    n.b = ag_var(t, -0.3);
    n.y = ag_const(t, 1.0);
    n.wx = ag_mul(t, n.w1, n.x1);
    n.z = ag_add(t, n.wx, n.b);
    n.a = ag_unary(t, AG_OP_SIGMOID, n.z);
    n.d = ag_sub(t, n.a, n.y);
    ag_node sq = ag_powc(t, n.d, 2.0);
    ag_node half = ag_const(t, 0.5);
    n.C = ag_mul(t, half, sq);
    ag_name_set(t, n.w1, "w1");
    ag_name_set(t, n.x1, "x1");
    ag_name_set(t, n.b, "b");
    ag_name_set(t, n.y, "y");
    ag_name_set(t, n.z, "z");
    ag_name_set(t, n.a, "a");
    ag_name_set(t, n.C, "C");
    return n;
}

static void expect_line(const char *text, const char *fmt, ...)
{
    char want[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want, fmt, ap);
    va_end(ap);
    cr_assert(strstr(text, want) != NULL, "missing line:\n%s\nin the ledger:\n%s", want, text);
}

Test(teach, trace_of_f8_neuron_matches_hand_computation)
{
    neuron n = f8();
    capture c;
    capture_open(&c);
    cr_assert_eq(ag_trace(n.t, n.C, NULL, c.f), AG_OK, "%s", ag_tape_error(n.t));
    char *text = capture_close(&c);

    /* by hand, F1 and F8, no engine */
    double w1 = 0.5, x1 = 1.5, b = -0.3, y = 1.0;
    double z = w1 * x1 + b;                                  /* 0.45      */
    double a = 1.0 / (1.0 + exp(-z));                        /* σ(z)      */
    double ds = exp(-z) / ((1.0 + exp(-z)) * (1.0 + exp(-z))); /* σ'(z), F1 */
    double C = 0.5 * (a - y) * (a - y);
    double delta = (a - y) * ds;                             /* ∂C/∂z = ∂C/∂b */
    double dw1 = delta * x1;                                 /* ∂C/∂w1    */

    expect_line(text, "backward from C = %.6g (seed dC/dC = 1)\n", C);
    expect_line(text, "\na = σ(z) = %.6g\n", a);
    expect_line(text, "\n  dC/da += dC/dsub#%u (%.6g) × dsub#%u/da (= 1) = %.6g   → dC/da = %.6g\n",
                n.d.idx, a - y, n.d.idx, a - y, a - y);
    expect_line(text,
                "\n  dC/dz += dC/da (%.6g) × da/dz (σ(z)(1 - σ(z)) = %.6g × %.6g = %.6g) = %.6g   → dC/dz = %.6g\n",
                a - y, a, 1 - a, ds, delta, delta);
    expect_line(text, "\nz = mul#%u + b = %.6g\n", n.wx.idx, z);
    expect_line(text, "\n  dC/db += dC/dz (%.6g) × dz/db (= 1) = %.6g   → dC/db = %.6g\n", delta, delta, delta);
    expect_line(text, "\n  dC/dw1 += dC/dmul#%u (%.6g) × dmul#%u/dw1 (x1 = 1.5) = %.6g   → dC/dw1 = %.6g\n",
                n.wx.idx, delta, n.wx.idx, dw1, dw1);
    expect_line(text, "\ngradients: dC/dw1 = %.6g, dC/db = %.6g\n", dw1, delta);
    /* one line per edge into a non-constant: C->powc, powc->sub, sub->a,
     * a->z, z->mul, z->b, mul->w1 */
    cr_assert_eq(count(text, " += "), 7, "%s", text);
    /* and the gradients it leaves are F8's */
    cr_assert_float_eq(ag_grad(n.t, n.w1), dw1, 1e-15);
    cr_assert_float_eq(ag_grad(n.t, n.b), delta, 1e-15);
    free(text);
    ag_tape_free(n.t);
}

Test(teach, trace_leaves_what_backward_leaves_and_no_steering)
{
    neuron n = f8();
    ag_backward(n.t, n.C);
    double gw = ag_grad(n.t, n.w1), gz = ag_grad(n.t, n.z);
    ag_zero_grad(n.t);
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_eq(ag_trace(n.t, n.C, NULL, sink), AG_OK);
    fclose(sink);
    cr_assert_eq(ag_grad(n.t, n.w1), gw);
    cr_assert_eq(ag_grad(n.t, n.z), gz);
    /* the trace read interior values, but not through ag_value: recording
     * more afterwards must not look like a value-steered graph */
    ag_node more = ag_add(n.t, n.C, n.w1);
    cr_assert_eq(ag_forward(n.t, n.start, more), AG_OK, "%s", ag_tape_error(n.t));
    ag_tape_free(n.t);
}

Test(teach, trace_ascii_and_dead_branches)
{
    /* y = relu(u) + 2x, u = 3x, x = -1: relu passes 0 back (u = -3 <= 0),
     * so u's gradient is 0 and u propagates nothing */
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, -1.0);
    ag_node u = ag_mul(t, ag_const(t, 3.0), x);
    ag_node y = ag_add(t, ag_unary(t, AG_OP_RELU, u), ag_mul(t, ag_const(t, 2.0), x));
    ag_name_set(t, x, "x");
    ag_name_set(t, u, "u");
    ag_name_set(t, y, "y");
    capture c;
    capture_open(&c);
    ag_trace_opts o = {.ascii = true};
    cr_assert_eq(ag_trace(t, y, &o, c.f), AG_OK);
    char *text = capture_close(&c);
    for (const char *p = text; *p; p++)
        cr_assert_lt((unsigned char)*p, 0x80, "ASCII only:\n%s", text);
    cr_assert(strstr(text, "(0 since u = -3 <= 0)") != NULL, "%s", text);
    cr_assert(strstr(text, "dy/du = 0: nothing flows back through it") != NULL, "%s", text);
    cr_assert(strstr(text, "-> dy/dx = 2") != NULL, "%s", text);
    free(text);
    ag_tape_free(t);
}

Test(teach, trace_errors)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 2.0);
    ag_node y = ag_mul(t, x, x);
    ag_node c = ag_const(t, 1.0);
    cr_assert_eq(ag_trace(t, c, NULL, stdout), AG_EINVAL);
    cr_assert(strstr(ag_tape_error(t), "constant") != NULL);
    ag_tape_clear_error(t);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        setvbuf(full, NULL, _IONBF, 0);
        cr_assert_eq(ag_trace(t, y, NULL, full), AG_TEACH_EIO);
        cr_assert(strstr(ag_tape_error(t), "ag_trace") != NULL);
        fclose(full);
    }
    ag_tape_free(t);
}

/* ---- gradcheck ---- */

Test(teach, gradcheck_agrees_on_smooth_functions)
{
    rng_state = 77;
    ag_tape *t = ag_tape_new(0);
    ag_node x[3] = {ag_var(t, 0), ag_var(t, 0), ag_var(t, 0)};
    ag_mark m = ag_tape_mark(t);
    /* f = sin(x0) e^x1 / (1 + x2²) + log(softplus(x0 x1)) + tanh(x2) σ(x0) + sqrt(x1² + 1) */
    ag_node one = ag_const(t, 1.0);
    ag_node f1 = ag_div(t, ag_mul(t, ag_unary(t, AG_OP_SIN, x[0]), ag_unary(t, AG_OP_EXP, x[1])), ag_add(t, one, ag_powc(t, x[2], 2)));
    ag_node f2 = ag_unary(t, AG_OP_LOG, ag_unary(t, AG_OP_SOFTPLUS, ag_mul(t, x[0], x[1])));
    ag_node f3 = ag_mul(t, ag_unary(t, AG_OP_TANH, x[2]), ag_unary(t, AG_OP_SIGMOID, x[0]));
    ag_node f4 = ag_unary(t, AG_OP_SQRT, ag_add(t, ag_mul(t, x[1], x[1]), one));
    ag_node fs[4] = {f1, f2, f3, f4};
    ag_node y = ag_apply(t, AG_OP_SUM, fs, 4);
    for (int p = 0; p < 20; p++) {
        for (int k = 0; k < 3; k++)
            ag_set_value(t, x[k], uniform(-2, 2));
        cr_assert_eq(ag_forward(t, m, y), AG_OK);
        double y0 = ag_value(t, y), x0 = ag_value(t, x[0]);
        /* previous gradients: the variables accumulate, analytic does not */
        ag_zero_grad(t);
        ag_grads(t, ag_run_of(x[0], 1))[0] = 10.0;
        ag_gradcheck_row rows[3];
        cr_assert_eq(ag_gradcheck(t, m, y, x, 3, rows), AG_OK, "%s", ag_tape_error(t));
        for (int k = 0; k < 3; k++) {
            cr_assert_lt(rows[k].rel_err, 1e-6, "point %d input %d: %g vs %g", p, k, rows[k].analytic,
                         rows[k].numeric);
            cr_assert_eq(rows[k].input.idx, x[k].idx);
            cr_assert_float_eq(rows[k].step, cbrt(0x1p-52) * fmax(fabs(ag_value(t, x[k])), 1.0), 1e-20);
        }
        /* values restored exactly; gradients as one backward leaves them */
        cr_assert(ag_value(t, y) == y0 && ag_value(t, x[0]) == x0);
        cr_assert_eq(ag_grad(t, x[0]), 10.0 + rows[0].analytic);
        double got1 = ag_grad(t, x[1]), got2 = ag_grad(t, x[2]);
        ag_zero_grad(t);
        ag_backward(t, y);
        cr_assert_eq(rows[1].analytic, ag_grad(t, x[1]));
        cr_assert_eq(got1, ag_grad(t, x[1]));
        cr_assert_eq(got2, ag_grad(t, x[2]));
    }
    ag_tape_free(t);
}

Test(teach, gradcheck_reports_kinks)
{
    ag_tape *t = ag_tape_new(0);
    ag_mark m = ag_tape_mark(t);
    ag_node x = ag_var(t, 0.0), e = ag_var(t, 1e-9);
    ag_node y = ag_add(t, ag_unary(t, AG_OP_RELU, x), ag_unary(t, AG_OP_ABS, e));
    ag_node in[2] = {x, e};
    ag_gradcheck_row rows[2];
    cr_assert_eq(ag_gradcheck(t, m, y, in, 2, rows), AG_OK, "%s", ag_tape_error(t));
    /* relu at 0: relu'(0) = 0 by convention, but (relu(h) - relu(-h)) / 2h = h / 2h = 1/2 */
    cr_assert_eq(rows[0].analytic, 0.0);
    cr_assert_float_eq(rows[0].numeric, 0.5, 1e-12);
    cr_assert_float_eq(rows[0].abs_err, 0.5, 1e-12);
    cr_assert_float_eq(rows[0].rel_err, 1.0, 1e-12);
    /* abs at ε = 1e-9, inside the step h ≈ 6e-6: abs' = 1, but
     * (|ε + h| - |ε - h|) / 2h = ((ε + h) - (h - ε)) / 2h = ε / h ≈ 1.7e-4 */
    double h = rows[1].step;
    cr_assert_eq(rows[1].analytic, 1.0);
    cr_assert_float_eq(rows[1].numeric, 1e-9 / h, 1e-9);
    cr_assert_gt(rows[1].rel_err, 0.99);
    capture c;
    capture_open(&c);
    cr_assert_eq(ag_gradcheck_print(t, rows, 2, 0, c.f), AG_OK);
    char *text = capture_close(&c);
    cr_assert_eq(count(text, "<-- disagree"), 2, "%s", text);
    free(text);
    ag_tape_free(t);
}

Test(teach, gradcheck_refuses_what_it_cannot_check)
{
    ag_tape *t = ag_tape_new(0);
    ag_node w = ag_var(t, 1.5);
    ag_node u = ag_mul(t, w, w); /* below the mark, and depends on w */
    ag_mark m = ag_tape_mark(t);
    ag_node c = ag_const(t, 2.0);
    ag_node y = ag_add(t, ag_mul(t, u, c), w);
    ag_name_set(t, u, "u");
    ag_gradcheck_row rows[1];

    ag_node bad[1] = {u};
    cr_assert_eq(ag_gradcheck(t, m, y, bad, 1, rows), AG_EINVAL);
    cr_assert(strstr(ag_tape_error(t), "inputs[0]") && strstr(ag_tape_error(t), "'u'") &&
                  strstr(ag_tape_error(t), "not a leaf"),
              "%s", ag_tape_error(t));
    ag_tape_clear_error(t);

    bad[0] = c;
    cr_assert_eq(ag_gradcheck(t, m, y, bad, 1, rows), AG_EINVAL);
    cr_assert(strstr(ag_tape_error(t), "constant") != NULL, "%s", ag_tape_error(t));
    ag_tape_clear_error(t);

    /* u = w² lies below the mark: the replay would not see w move */
    bad[0] = w;
    double before = ag_value(t, y);
    cr_assert_eq(ag_gradcheck(t, m, y, bad, 1, rows), AG_EINVAL);
    char want[64];
    snprintf(want, sizeof want, "node #%u (mul) is below the mark", u.idx);
    cr_assert(strstr(ag_tape_error(t), want) != NULL, "%s", ag_tape_error(t));
    cr_assert_eq(ag_value(t, y), before);
    cr_assert_eq(ag_value(t, w), 1.5);
    ag_tape_free(t);
}

Test(teach, gradcheck_refuses_a_value_steered_recording)
{
    ag_tape *t = ag_tape_new(0);
    ag_mark m = ag_tape_mark(t);
    ag_node x = ag_var(t, 2.0);
    ag_node u = ag_mul(t, x, x);
    /* branching on u's value: the recording depends on it */
    ag_node y = ag_steer(t, u) > 1 ? ag_unary(t, AG_OP_SIN, u) : ag_unary(t, AG_OP_COS, u);
    ag_node in[1] = {x};
    ag_gradcheck_row rows[1];
    cr_assert_eq(ag_gradcheck(t, m, y, in, 1, rows), AG_EINVAL);
    cr_assert_eq(ag_value(t, x), 2.0);
    ag_tape_free(t);
}

