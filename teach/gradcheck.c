/*
 * gradcheck.c: finite-difference gradient checks. For each input variable
 * x_k: the numeric derivative (f(x+h) - f(x-h)) / ((x+h) - (x-h)), with f
 * evaluated by replaying the tape from a mark (ag_forward), against the
 * analytic one from one ag_backward.
 *
 * Invariant: on return (success or failure after the checks pass) every
 * input holds its original value and the values from the mark to y are
 * recomputed from them, so they are bit-identical to before; the gradients
 * are what one ag_backward(t, y) leaves (see teach.h for accumulation).
 *
 * Built on the public engine API (autograd.h) alone.
 */
#include "teach.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Every input a live variable: an interior node's value cannot be set, and
 * a constant has no gradient to compare with. */
static ag_status check_inputs(ag_tape *t, const ag_node *inputs, size_t n)
{
    char fn[64], label[AG_NAME_MAX + 32];
    for (size_t k = 0; k < n; k++) {
        snprintf(fn, sizeof fn, "ag_gradcheck: inputs[%zu]", k);
        ag_status s = ag_check(t, ag_run_of(inputs[k], 1), fn, 4);
        if (s != AG_OK)
            return s;
        ag_op op = ag_node_op(t, inputs[k]);
        ag_node_label(t, inputs[k], label, sizeof label);
        if (op == AG_OP_CONST)
            return ag_tape_fail(t, AG_EINVAL,
                            "ag_gradcheck: inputs[%zu] (node #%u '%s') is a constant: it carries no gradient to check; record it with ag_var",
                            k, inputs[k].idx, label);
        if (op != AG_OP_VAR)
            return ag_tape_fail(t, AG_EINVAL,
                            "ag_gradcheck: inputs[%zu] (node #%u '%s', %s) is not a leaf: only a leaf's value can be perturbed",
                            k, inputs[k].idx, label, ag_op_info_of(op)->name);
    }
    return AG_OK;
}

/* A computed node below the mark that y needs and that depends on an input
 * would keep its old value in the replay, and the numeric derivative would
 * silently miss that path: refuse. */
static ag_status check_mark(ag_tape *t, ag_mark from, ag_node y, const ag_node *inputs, size_t n)
{
    uint32_t lo = UINT32_MAX;
    for (size_t k = 0; k < n; k++)
        lo = inputs[k].idx < lo ? inputs[k].idx : lo;
    if (lo >= from.len || lo > y.idx)
        return AG_OK; /* no computed node lies between an input and the mark */
    uint32_t hi = from.len - 1 < y.idx ? from.len - 1 : y.idx;
    size_t len = (size_t)y.idx + 1;
    unsigned char *needed = ag_realloc(NULL, 2 * len);
    if (!needed)
        return ag_tape_fail(t, AG_ENOMEM, "ag_gradcheck: out of memory");
    unsigned char *reach = needed + len;
    memset(needed, 0, 2 * len);
    needed[y.idx] = 1;
    for (uint32_t i = y.idx + 1; i-- > 0;) { /* y's past, users before inputs */
        if (!needed[i])
            continue;
        ag_node v = ag_node_from_index(t, i);
        for (size_t k = 0, a = ag_node_arity(t, v); k < a; k++)
            needed[ag_node_input(t, v, k).idx] = 1;
    }
    for (size_t k = 0; k < n; k++)
        reach[inputs[k].idx] = 1;
    ag_status s = AG_OK;
    for (uint32_t i = lo; i <= hi && s == AG_OK; i++) { /* inputs before users */
        ag_node v = ag_node_from_index(t, i);
        size_t a = ag_node_arity(t, v);
        for (size_t k = 0; k < a && !reach[i]; k++)
            reach[i] = reach[ag_node_input(t, v, k).idx];
        if (a > 0 && reach[i] && needed[i])
            s = ag_tape_fail(t, AG_EINVAL,
                         "ag_gradcheck: node #%u (%s) is below the mark (%u nodes) but depends on an input: the replay would not recompute it; take the mark before it",
                         i, ag_op_info_of(ag_node_op(t, v))->name, from.len);
    }
    ag_free(needed);
    return s;
}

/* The numeric derivatives, one input at a time, each restored before the
 * next; on a failed replay the input is restored and the status returned. */
static ag_status numeric(ag_tape *t, ag_mark from, ag_node y, const ag_node *inputs, size_t n,
                         ag_gradcheck_row *rows)
{
    for (size_t k = 0; k < n; k++) {
        double x = ag_value(t, inputs[k]);
        double h = cbrt(DBL_EPSILON) * fmax(fabs(x), 1.0); /* see teach.h */
        double xp = x + h, xm = x - h, fp = 0.0, fm = 0.0;
        ag_status s;
        ag_set_value(t, inputs[k], xp);
        if ((s = ag_forward(t, from, y)) == AG_OK) {
            fp = ag_value(t, y);
            ag_set_value(t, inputs[k], xm);
            if ((s = ag_forward(t, from, y)) == AG_OK)
                fm = ag_value(t, y);
        }
        ag_set_value(t, inputs[k], x);
        if (s != AG_OK)
            return s;
        /* divide by the distance between the two points evaluated: x + h
         * and x - h are rounded, and xp - xm is exact (Sterbenz: they are
         * within a factor of two of each other unless x is within h of 0,
         * where the subtraction rounds by half an ulp at most) */
        rows[k] = (ag_gradcheck_row){inputs[k], 0.0, (fp - fm) / (xp - xm), h, 0.0, 0.0};
    }
    return AG_OK;
}

ag_status ag_gradcheck(ag_tape *t, ag_mark from, ag_node y, const ag_node *inputs, size_t n,
                       ag_gradcheck_row *rows)
{
    ag_status s = ag_check(t, ag_run_of(y, 1), "ag_gradcheck", 3);
    if (s != AG_OK)
        return s;
    if (n == 0 || !inputs || !rows)
        return ag_tape_fail(t, AG_EINVAL, "ag_gradcheck: no inputs to check (n = %zu, inputs %s, rows %s)",
                        n, inputs ? "given" : "NULL", rows ? "given" : "NULL");
    if ((s = check_inputs(t, inputs, n)) != AG_OK)
        return s;
    /* one plain replay first: it checks the mark and that nothing was steered on before
     * any value is touched */
    if ((s = ag_forward(t, from, y)) != AG_OK)
        return s;
    if ((s = check_mark(t, from, y, inputs, n)) != AG_OK)
        return s;
    s = numeric(t, from, y, inputs, n, rows);
    ag_status r = ag_forward(t, from, y); /* the original values again */
    if (s != AG_OK)
        return s;
    if (r != AG_OK)
        return r;

    /* Analytic: ag_backward adds dy/dv to what variable v holds. Park each
     * input's previous gradient in abs_err, start the inputs from 0 so that
     * the backward leaves dy/dinput alone, then give back previous + dy/dv:
     * what a plain ag_backward would have left. Duplicated inputs read the
     * same value, as every read happens before any write-back. */
    for (size_t k = 0; k < n; k++)
        rows[k].abs_err = ag_grad(t, inputs[k]);
    for (size_t k = 0; k < n; k++)
        *ag_grads(t, ag_run_of(inputs[k], 1)) = 0.0; /* the inputs are variables (checked) */
    s = ag_backward(t, y);
    for (size_t k = 0; k < n; k++)
        rows[k].analytic = ag_grad(t, inputs[k]);
    for (size_t k = 0; k < n; k++) {
        ag_gradcheck_row *w = &rows[k];
        *ag_grads(t, ag_run_of(inputs[k], 1)) = w->abs_err + w->analytic;
        w->abs_err = fabs(w->analytic - w->numeric);
        w->rel_err = w->abs_err / fmax(fmax(fabs(w->analytic), fabs(w->numeric)), 1e-300);
    }
    return s;
}

ag_status ag_gradcheck_print(ag_tape *t, const ag_gradcheck_row *rows, size_t n, double tol,
                             FILE *out)
{
    if (!out || (n && !rows))
        return ag_tape_fail(t, AG_EINVAL, "ag_gradcheck_print: %s is NULL", out ? "rows" : "the stream");
    if (!(tol > 0))
        tol = 1e-6;
    char label[AG_NAME_MAX + 32];
    fprintf(out, "%-16s %15s %15s %9s %9s %9s\n", "input", "analytic", "numeric", "step", "abs err",
            "rel err");
    for (size_t k = 0; k < n; k++) {
        const ag_gradcheck_row *w = &rows[k];
        bool bad = !(w->rel_err <= tol) && !(w->abs_err <= tol); /* NaN counts as bad */
        fprintf(out, "%-16s %15.9g %15.9g %9.2g %9.2g %9.2g%s\n",
                ag_node_label(t, w->input, label, sizeof label), w->analytic, w->numeric, w->step,
                w->abs_err, w->rel_err, bad ? "  <-- disagree" : "");
    }
    if (ferror(out) || fflush(out) != 0)
        return ag_tape_fail(t, AG_TEACH_EIO, "ag_gradcheck_print: writing the table failed");
    return AG_OK;
}
