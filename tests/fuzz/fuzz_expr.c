/*
 * fuzz_expr.c: libFuzzer target for the command line's path through the
 * language (lang/): any bytes are parsed by lg_parse, given the scalar
 * inputs x, y, z (name=value, as `agrad grad EXPR x=..` does; a name the
 * text does not use is skipped), evaluated onto a tape in anomaly mode;
 * when that succeeds the scalar output is differentiated by ag_backward,
 * replayed with a new value of x by ag_forward (as `agrad check` does) and
 * walked by the stepper (`agrad step`). Invariants: a failed parse or
 * evaluation reports a status, a message and (for text errors) a place;
 * nothing may crash, leak or trip ASan/UBSan.
 */
#include "autograd.h"
#include "lang.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const ag_error *e)
{
    if (e->status == AG_OK || e->message[0] == '\0' || strlen(e->message) >= sizeof e->message)
        abort();
    if (e->status == LG_EPARSE && (e->line < 1 || e->column < 1))
        abort();
}

static void differentiate(lg_run *r, ag_tape *t, ag_mark start)
{
    lg_value out, x;
    if (!lg_run_output(r, &out, NULL) || out.shape.rows * out.shape.cols != 1)
        return;
    ag_node f = out.nodes[0];
    ag_tape_clear_error(t); /* an anomaly while recording is fine here */
    ag_backward(t, f);
    if (lg_run_lookup(r, "x", &x) && x.shape.rows * x.shape.cols == 1 && ag_node_op(t, x.nodes[0]) == AG_OP_VAR) {
        (void)ag_grad(t, x.nodes[0]);
        ag_set_value(t, x.nodes[0], -2.0);
        ag_forward(t, start, f);
    }
    ag_tape_clear_error(t);
    ag_stepper *st = ag_stepper_new(t, f);
    if (st) {
        ag_stepper_step step;
        for (int n = 0; n < 100000 && ag_stepper_next(st, &step); n++)
            ;
        ag_stepper_free(st);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ag_error e;
    lg_prog *p = lg_parse((const char *)data, size, &e);
    if (!p) {
        check_error(&e);
        return 0;
    }
    const char *names[3] = {"x", "y", "z"};
    const double values[3] = {0.5, -1.25, 3.0};
    for (int k = 0; k < 3; k++)
        if (lg_prog_set_input(p, names[k], &values[k], 1, &e) != AG_OK && e.status != LG_ENOTFOUND &&
            e.status != AG_EINVAL && e.status != AG_ENAME)
            check_error(&e);
    ag_tape *t = ag_tape_new(0);
    if (t) {
        ag_anomaly_enable(t, true);
        ag_mark start = ag_tape_mark(t);
        lg_run *r = lg_eval(p, t, &e);
        if (r)
            differentiate(r, t, start);
        else
            check_error(&e);
        lg_run_free(r);
        ag_tape_free(t);
    }
    lg_prog_free(p);
    return 0;
}
