/*
 * test_anomaly.c: anomaly mode names the first node that makes a NaN or an
 * infinity from finite inputs: its op, its name and where it was recorded
 * (AG_HERE), in the forward pass (recording and replay) and in backward
 * (ag_backward, the stepper and the trace alike), and blames no node that
 * only passed a bad number on.
 */
#include "teach.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static void expect_in(const char *msg, const char *part)
{
    cr_assert(msg && strstr(msg, part) != NULL, "'%s' not in the message: %s", part, msg ? msg : "(null)");
}

Test(anomaly, forward_names_the_log_at_recording)
{
    ag_tape *t = ag_tape_new(0);
    cr_assert_eq(ag_anomaly_enable(t, true), AG_OK);
    ag_node x = ag_var(t, 1.0);
    ag_node d = ag_sub(t, x, x); /* 0: finite */
    AG_HERE(t); const int line = __LINE__;
    ag_node l = ag_unary(t, AG_OP_LOG, d); /* log 0 = -inf from the finite input 0 */
    ag_unary(t, AG_OP_EXP, l);             /* e^-inf = 0: passes it on, not the first */
    cr_assert_eq(ag_tape_status(t), AG_EANOMALY);
    const char *msg = ag_tape_error(t);
    char where[128];
    snprintf(where, sizeof where, "test_anomaly.c:%d", line);
    expect_in(msg, "forward");
    expect_in(msg, "(log)");
    expect_in(msg, where);
    expect_in(msg, "-inf");
    cr_assert(strstr(msg, "(exp)") == NULL, "%s", msg);
    ag_tape_free(t);
}

Test(anomaly, forward_names_the_named_log_in_a_replay)
{
    /* recorded at x = 2 (log(2 - 1) = 0, finite), named, then replayed at
     * x = 1: log(1 - 1) = -inf */
    ag_tape *t = ag_tape_new(0);
    cr_assert_eq(ag_anomaly_enable(t, true), AG_OK);
    ag_mark m = ag_tape_mark(t);
    ag_node x = ag_var(t, 2.0);
    ag_node d = ag_sub(t, x, ag_const(t, 1.0));
    AG_HERE(t); const int line = __LINE__;
    ag_node l = ag_unary(t, AG_OP_LOG, d);
    ag_node y = ag_mul(t, l, ag_const(t, 3.0));
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    ag_name_set(t, l, "log_of_gap");
    ag_set_value(t, x, 1.0);
    cr_assert_eq(ag_forward(t, m, y), AG_EANOMALY);
    const char *msg = ag_tape_error(t);
    char where[128];
    snprintf(where, sizeof where, "test_anomaly.c:%d", line);
    expect_in(msg, "forward");
    expect_in(msg, "'log_of_gap'");
    expect_in(msg, "(log)");
    expect_in(msg, where);
    cr_assert(strstr(msg, "(mul)") == NULL, "the mul only passed -inf on: %s", msg);
    ag_tape_free(t);
}

/* Finite values, an infinite gradient: x = 700, big = e^700 ≈ 1.01e304,
 * c = 1e-300, p = big·c ≈ 1.01e4, L = p·1e10 ≈ 1.01e14, all finite. Backward:
 * dL/dp = 1e10, then p sends dL/dc = 1e10 · big ≈ 1e314 = inf to c. */
typedef struct overflow {
    ag_tape *t;
    ag_node x, big, c, p, L;
    int line;
} overflow;

static overflow overflow_graph(bool anomaly)
{
    overflow o;
    ag_tape *t = o.t = ag_tape_new(0);
    ag_anomaly_enable(t, anomaly);
    o.x = ag_var(t, 700.0);
    o.big = ag_unary(t, AG_OP_EXP, o.x);
    o.c = ag_var(t, 1e-300);
    AG_HERE(t); o.line = __LINE__;
    o.p = ag_mul(t, o.big, o.c);
    o.L = ag_mul(t, o.p, ag_const(t, 1e10));
    ag_name_set(t, o.big, "big");
    ag_name_set(t, o.p, "p");
    ag_name_set(t, o.L, "L");
    cr_assert(isfinite(ag_value(t, o.L)) && isfinite(ag_value(t, o.big)));
    cr_assert_eq(ag_tape_status(t), AG_OK, "%s", ag_tape_error(t));
    return o;
}

static void expect_blames_p(const overflow *o)
{
    const char *msg = ag_tape_error(o->t);
    char where[128];
    snprintf(where, sizeof where, "test_anomaly.c:%d", o->line);
    expect_in(msg, "backward");
    expect_in(msg, "'p' (mul)");
    expect_in(msg, where);
    expect_in(msg, "sent inf");
    char to[32];
    snprintf(to, sizeof to, "to node #%u (var)", o->c.idx);
    expect_in(msg, to);
}

Test(anomaly, backward_names_the_node_that_sent_inf)
{
    overflow o = overflow_graph(true);
    cr_assert_eq(ag_backward(o.t, o.L), AG_EANOMALY);
    expect_blames_p(&o);
    ag_tape_free(o.t);
}

Test(anomaly, trace_reports_the_same_anomaly)
{
    overflow o = overflow_graph(true);
    FILE *sink = fopen("/dev/null", "w");
    cr_assert_eq(ag_trace(o.t, o.L, NULL, sink), AG_EANOMALY);
    fclose(sink);
    expect_blames_p(&o);
    ag_tape_free(o.t);
}

Test(anomaly, off_means_plain_ieee_results)
{
    overflow o = overflow_graph(false);
    cr_assert_eq(ag_backward(o.t, o.L), AG_OK);
    cr_assert(isinf(ag_grad(o.t, o.c)));
    cr_assert_eq(ag_tape_status(o.t), AG_OK);
    ag_tape_free(o.t);
}

Test(anomaly, found_even_when_an_older_error_holds_the_status)
{
    /* an unrelated, uncleared error (a duplicate name) must not hide an
     * anomaly met by a later replay, and once the replay is finite again the
     * sweep reports AG_OK again */
    ag_tape *t = ag_tape_new(0);
    cr_assert_eq(ag_anomaly_enable(t, true), AG_OK);
    ag_node x = ag_const(t, 2.0);
    ag_mark m = ag_tape_mark(t);
    ag_node y = ag_unary(t, AG_OP_LOG, ag_sub(t, x, ag_const(t, 0.5)));
    ag_name_set(t, y, "y");
    cr_assert_eq(ag_name_set(t, x, "y"), AG_ENAME);
    cr_assert_eq(ag_forward(t, m, y), AG_OK);
    ag_set_value(t, x, 0.5); /* log(0) = -inf from finite inputs */
    cr_assert_eq(ag_forward(t, m, y), AG_EANOMALY);
    cr_assert_eq(ag_tape_status(t), AG_ENAME); /* first error still wins */
    ag_set_value(t, x, 2.0);
    cr_assert_eq(ag_forward(t, m, y), AG_OK);
    ag_tape_clear_error(t);
    ag_set_value(t, x, 0.5);
    cr_assert_eq(ag_forward(t, m, y), AG_EANOMALY);
    expect_in(ag_tape_error(t), "'y' (log)");
    ag_tape_free(t);
}
