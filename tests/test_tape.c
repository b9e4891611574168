/*
 * test_tape.c: storage, marks and rewind, stale handles, growth, names,
 * replay with ag_forward, and a 10^7-node chain.
 */
#include "autograd.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

Test(tape, rewind_keeps_parameters_and_their_gradients)
{
    ag_tape *t = ag_tape_new(0);
    ag_node w = ag_var(t, 3.0), b = ag_var(t, -1.0);
    ag_mark m = ag_tape_mark(t);
    for (int step = 1; step <= 3; step++) {
        /* y = w*x + b at x = step: dy/dw = x, dy/db = 1, accumulated */
        ag_node x = ag_const(t, step);
        ag_node y = ag_add(t, ag_mul(t, w, x), b);
        cr_assert_eq(ag_backward(t, y), AG_OK);
        cr_assert_eq(ag_tape_rewind(t, m), AG_OK);
        cr_assert_eq(ag_tape_len(t), 2);
    }
    cr_assert_eq(ag_value(t, w), 3.0);
    cr_assert_eq(ag_value(t, b), -1.0);
    cr_assert_eq(ag_grad(t, w), 1.0 + 2.0 + 3.0);
    cr_assert_eq(ag_grad(t, b), 3.0);
    cr_assert_eq(ag_tape_status(t), AG_OK);
    ag_tape_free(t);
}

Test(tape, stale_handle_after_rewind_is_reported)
{
    ag_tape *t = ag_tape_new(0);
    ag_node w = ag_var(t, 2.0);
    ag_mark m = ag_tape_mark(t);
    ag_node old = ag_mul(t, w, w);
    ag_tape_rewind(t, m);
    ag_node fresh = ag_add(t, w, w); /* reuses old's index */
    cr_assert_eq(fresh.idx, old.idx);
    ag_node bad = ag_mul(t, old, w);
    cr_assert(ag_is_null(bad));
    cr_assert_eq(ag_tape_status(t), AG_ESTALE);
    cr_assert(strstr(ag_tape_error(t), "ag_mul") && strstr(ag_tape_error(t), "argument 1") &&
                  strstr(ag_tape_error(t), "rewind"),
              "message: %s", ag_tape_error(t));
    cr_assert(isnan(ag_value(t, old)));
    /* the fresh node and the parameter are fine */
    ag_tape_clear_error(t);
    cr_assert_eq(ag_value(t, fresh), 4.0);
    cr_assert_eq(ag_value(t, w), 2.0);
    cr_assert_eq(ag_tape_status(t), AG_OK);
    ag_tape_free(t);
}

Test(tape, nested_marks)
{
    ag_tape *t = ag_tape_new(0);
    ag_node p = ag_var(t, 1.0);
    ag_mark outer = ag_tape_mark(t);
    ag_node q = ag_mul(t, p, p);
    ag_mark inner = ag_tape_mark(t);
    ag_node r = ag_add(t, q, p);
    ag_tape_rewind(t, inner);
    cr_assert_eq(ag_value(t, q), 1.0, "below the inner mark: still live");
    cr_assert(isnan(ag_value(t, r)));
    ag_tape_clear_error(t);
    ag_tape_rewind(t, outer);
    cr_assert(isnan(ag_value(t, q)), "dropped by the outer rewind");
    cr_assert_eq(ag_tape_status(t), AG_ESTALE);
    ag_tape_clear_error(t);
    /* the inner mark was dropped with it: rewinding to it again is refused */
    ag_mul(t, p, p);
    ag_mul(t, p, p);
    cr_assert_eq(ag_tape_rewind(t, inner), AG_ESTALE);
    ag_tape_free(t);
}

Test(tape, growth_keeps_handles_valid)
{
    ag_tape *t = ag_tape_new(4);
    ag_node first = ag_var(t, 1.0);
    ag_node x = first;
    for (int i = 0; i < 100000; i++)
        x = ag_add(t, x, ag_const(t, 1.0));
    cr_assert_eq(ag_tape_status(t), AG_OK);
    cr_assert_eq(ag_value(t, first), 1.0);
    cr_assert_eq(ag_value(t, x), 100001.0);
    ag_backward(t, x);
    cr_assert_eq(ag_grad(t, first), 1.0);
    ag_tape_free(t);
}

Test(tape, foreign_handle_is_reported)
{
    ag_tape *a = ag_tape_new(0), *b = ag_tape_new(0);
    ag_node xa = ag_var(a, 1.0);
    ag_var(b, 1.0);
    ag_node y = ag_unary(b, AG_OP_EXP, xa);
    cr_assert(ag_is_null(y));
    cr_assert_eq(ag_tape_status(b), AG_EFOREIGN);
    cr_assert(strstr(ag_tape_error(b), "ag_unary(exp)"), "%s", ag_tape_error(b));
    cr_assert_eq(ag_tape_status(a), AG_OK);
    ag_tape_free(a);
    ag_tape_free(b);
}

Test(tape, errors_propagate_through_an_expression)
{
    ag_tape *t = ag_tape_new(0);
    ag_node x = ag_var(t, 1.0);
    ag_node forged = {x.idx + 1000, x.gen, x.tape};
    ag_node y = ag_add(t, ag_mul(t, x, forged), ag_unary(t, AG_OP_EXP, x));
    cr_assert(ag_is_null(y));
    cr_assert_eq(ag_tape_status(t), AG_ERANGE, "the first error is kept: %s", ag_tape_error(t));
    ag_tape_free(t);
}

Test(tape, runs_must_lie_in_one_live_segment)
{
    ag_tape *t = ag_tape_new(0);
    ag_node w = ag_var(t, 1.0);
    ag_var(t, 2.0);
    ag_mark m = ag_tape_mark(t);
    ag_const(t, 9.0); /* dropped by the rewind, which opens a new segment */
    ag_tape_rewind(t, m);
    ag_node x = ag_const(t, 3.0);
    ag_const(t, 4.0);
    /* a run from w over 3 nodes crosses the rewind boundary at 2 */
    cr_assert(ag_is_null(ag_sum(t, ag_run_of(w, 3))));
    cr_assert_eq(ag_tape_status(t), AG_ERANGE);
    ag_tape_clear_error(t);
    ag_node d = ag_dot(t, ag_run_of(w, 2), ag_run_of(x, 2), AG_NULL);
    cr_assert_eq(ag_value(t, d), 1.0 * 3.0 + 2.0 * 4.0);
    cr_assert(ag_is_null(ag_sum(t, ag_run_of(x, 99))));
    ag_tape_free(t);
}

Test(tape, names)
{
    ag_tape *t = ag_tape_new(0);
    ag_node w = ag_var(t, 1.0), b = ag_var(t, 2.0);
    cr_assert_eq(ag_name_set(t, w, "w"), AG_OK);
    cr_assert_eq(ag_name_set(t, b, "b"), AG_OK);
    cr_assert_eq(ag_name_find(t, "w").idx, w.idx);
    cr_assert_str_eq(ag_name_of(t, b), "b");
    /* duplicate-name policy: refused, the holder keeps it */
    cr_assert_eq(ag_name_set(t, b, "w"), AG_ENAME);
    cr_assert(strstr(ag_tape_error(t), "taken"), "%s", ag_tape_error(t));
    ag_tape_clear_error(t);
    cr_assert_str_eq(ag_name_of(t, b), "b");
    /* rename: the old name is released */
    cr_assert_eq(ag_name_set(t, w, "weight"), AG_OK);
    cr_assert(ag_is_null(ag_name_find(t, "w")));
    cr_assert_eq(ag_name_find(t, "weight").idx, w.idx);
    cr_assert_eq(ag_name_set(t, b, "w"), AG_OK, "a released name can be reused");
    cr_assert_eq(ag_name_set(t, w, ""), AG_ENAME);
    ag_tape_clear_error(t);
    /* names of dropped nodes go with them */
    ag_mark m = ag_tape_mark(t);
    ag_node z = ag_mul(t, w, b);
    ag_name_set(t, z, "z");
    ag_tape_rewind(t, m);
    cr_assert(ag_is_null(ag_name_find(t, "z")));
    ag_node z2 = ag_add(t, w, b);
    cr_assert_null(ag_name_of(t, z2));
    cr_assert_eq(ag_name_set(t, z2, "z"), AG_OK);
    cr_assert_str_eq(ag_name_of(t, w), "weight");
    ag_tape_free(t);
}

Test(tape, replay_recomputes_with_new_inputs)
{
    ag_tape *t = ag_tape_new(0);
    ag_node w = ag_var(t, 0.5);
    ag_mark m = ag_tape_mark(t);
    ag_node x = ag_const(t, 2.0);
    ag_node y = ag_unary(t, AG_OP_TANH, ag_mul(t, w, x));
    cr_assert_eq(ag_forward(t, m, y), AG_OK);
    for (double xv = -1.0; xv <= 1.0; xv += 0.5) {
        ag_set_value(t, x, xv);
        cr_assert_eq(ag_forward(t, m, y), AG_OK);
        ag_zero_grad(t);
        ag_backward(t, y);
        double th = tanh(0.5 * xv);
        cr_assert_eq(ag_value(t, y), th);
        cr_assert_float_eq(ag_grad(t, w), (1 - th * th) * xv, 1e-15);
    }
    ag_tape_free(t);
}

Test(tape, replay_refuses_a_graph_steered_by_a_value)
{
    ag_tape *t = ag_tape_new(0);
    ag_node w = ag_var(t, 0.5);
    ag_mark m = ag_tape_mark(t);
    ag_node x = ag_const(t, 2.0);
    ag_node z = ag_mul(t, w, x);
    /* a program that branches on a recorded value, and says so */
    ag_node y = ag_steer(t, z) > 0 ? ag_unary(t, AG_OP_EXP, z) : ag_neg(t, z);
    cr_assert_eq(ag_forward(t, m, y), AG_EINVAL);
    cr_assert(strstr(ag_tape_error(t), "ag_steer"), "%s", ag_tape_error(t));
    ag_tape_clear_error(t);
    cr_assert_eq(ag_forward(t, m, z), AG_EINVAL); /* z itself was steered on */
    ag_tape_free(t);
}

Test(tape, ten_million_node_chain, .timeout = 120)
{
    /* y = x + 1 + 1 + ...: backward is one loop, no recursion, no stack */
    const size_t n = 10 * 1000 * 1000;
    ag_tape *t = ag_tape_new(0);
    ag_node one = ag_const(t, 1.0);
    ag_node x = ag_var(t, 0.0), y = x;
    for (size_t i = 0; i < n; i++)
        y = ag_add(t, y, one);
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    cr_assert_eq(ag_tape_len(t), n + 2);
    cr_assert_eq(ag_value(t, y), (double)n);
    cr_assert_eq(ag_backward(t, y), AG_OK);
    cr_assert_eq(ag_grad(t, x), 1.0);
    ag_tape_free(t);
}

Test(tape, bytes_per_node)
{
    /* value + gradient + link word, nothing else per node */
    ag_tape *t = ag_tape_new(1 << 16);
    size_t before = ag_tape_bytes(t);
    ag_tape_free(t);
    t = ag_tape_new(1 << 17);
    size_t after = ag_tape_bytes(t);
    ag_tape_free(t);
    cr_assert_eq((after - before) / (1 << 16), 24);
}

Test(tape, reading_is_pure)
{
    /* reading interior values while recording (as traces, examples and
     * tools do) leaves the recording replayable; only ag_steer marks it */
    ag_tape *t = ag_tape_new(0);
    ag_node w = ag_var(t, 0.5);
    ag_mark m = ag_tape_mark(t);
    ag_node z = ag_mul(t, w, ag_const(t, 2.0));
    double before = ag_value(t, z);
    ag_node y = ag_unary(t, AG_OP_EXP, z);
    cr_assert_eq(ag_value(t, z), before);
    cr_assert_eq(ag_set_value(t, w, 1.0), AG_OK);
    cr_assert_eq(ag_forward(t, m, y), AG_OK);
    cr_assert_eq(ag_value(t, y), exp(2.0));
    cr_assert_eq(ag_tape_status(t), AG_OK);
    ag_tape_free(t);
}

typedef struct hook_log {
    int calls, warnings;
    ag_status last;
    char msg[400];
} hook_log;

static void log_hook(void *ctx, ag_status s, const char *message)
{
    hook_log *h = ctx;
    h->calls++;
    h->last = s;
    if (s == AG_OK && strncmp(message, "warning:", 8) == 0)
        h->warnings++;
    snprintf(h->msg, sizeof h->msg, "%s", message);
}

/* one training step: record on top of whatever is there, differentiate */
static void step_without_rewind(ag_tape *t, ag_node w)
{
    ag_node L = ag_mul(t, w, w);
    cr_assert_eq(ag_backward(t, L), AG_OK);
}

Test(tape, growth_without_rewind_warns_once)
{
    ag_tape *t = ag_tape_new(0);
    hook_log h = {0};
    ag_tape_on_error(t, log_hook, &h);
    ag_node w = ag_var(t, 1.0);
    ag_mark m = ag_tape_mark(t);
    /* rewinding every step: the tape does not grow, no warning */
    for (int k = 0; k < 100; k++) {
        step_without_rewind(t, w);
        cr_assert_eq(ag_tape_rewind(t, m), AG_OK);
    }
    cr_assert_eq(h.calls, 0);
    /* forgetting to: one warning, through the hook, not as an error */
    for (int k = 0; k < 100; k++)
        step_without_rewind(t, w);
    cr_assert_eq(h.warnings, 1, "%d warnings: %s", h.warnings, h.msg);
    cr_assert_eq(h.calls, 1);
    cr_assert(strstr(h.msg, "ag_tape_rewind") != NULL, "%s", h.msg);
    cr_assert_eq(ag_tape_status(t), AG_OK);
    cr_assert_str_eq(ag_tape_error(t), "");
    ag_tape_free(t);
}
