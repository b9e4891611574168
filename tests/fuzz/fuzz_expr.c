/*
 * fuzz_expr.c: libFuzzer target for the expression language. Any bytes are
 * parsed by ax_parse onto a tape that holds three inputs (x, y, z), in
 * anomaly mode; when the parse succeeds the output is differentiated by
 * ag_backward, replayed with new input values by ag_forward and walked by
 * the stepper. Invariant checked: a failed parse reports a status and a
 * message; nothing may crash, leak or trip ASan/UBSan.
 */
#include "autograd.h"
#include "expr.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ag_tape *t = ag_tape_new(0);
    if (!t)
        return 0;
    ag_anomaly_enable(t, true);
    ag_mark start = ag_tape_mark(t);
    ax_input in[3] = {{"x", ag_var(t, 0.5)}, {"y", ag_var(t, -1.25)}, {"z", ag_var(t, 3.0)}};
    ax_options opts = {.allow_unused = true};
    ag_node out;
    ax_error err;
    ag_status s = ax_parse(t, (const char *)data, size, in, 3, &opts, &out, &err);
    if (s != AG_OK) {
        /* a failure says what (and, for text errors, where) */
        if (err.status != s || err.message[0] == '\0' || strlen(err.message) >= sizeof err.message)
            abort();
        if (s == AG_EPARSE && (err.offset > size || err.line < 1 || err.column < 1))
            abort();
    } else {
        ag_tape_clear_error(t); /* an anomaly while recording is fine here */
        ag_backward(t, out);
        for (int k = 0; k < 3; k++)
            (void)ag_grad(t, in[k].node);
        ag_set_value(t, in[0].node, -2.0);
        ag_forward(t, start, out);
        ag_tape_clear_error(t);
        ag_stepper *st = ag_stepper_new(t, out);
        if (st) {
            ag_stepper_step step;
            for (int n = 0; n < 100000 && ag_stepper_next(st, &step); n++)
                ;
            ag_stepper_free(st);
        }
    }
    ag_tape_free(t);
    return 0;
}
