/*
 * cmd_teach.c: `agrad trace`, `agrad dot` and `agrad gradcheck`: thin
 * wrappers over the engine's teaching functions (teach.h: ag_trace,
 * ag_graph_dot / ag_graph_write, ag_gradcheck); no sweep of their own.
 *
 * gradcheck passes an input when rel_err <= --tol (default 1e-6) or
 * abs_err <= --atol (default 1e-8): a central difference with
 * h = cbrt(eps)·max(|x|,1) is good to about 1e-10 relative, and a gradient
 * that is 0 has no meaningful relative error.
 */
#include "cli.h"
#include "teach.h"

#include <string.h>

int cli_trace(const cli_args *a, const cli_io *io)
{
    cli_prog p;
    int rc = cli_prog_build(&p, a, a->expr, false, "expression", io);
    if (rc == CLI_OK)
        rc = cli_anomaly(&p, io);
    /* --order N: the backward pass of d^(N-1) f, its recorded nodes marked */
    ag_node y = p.out;
    ag_trace_opts o = {.ascii = cli_ascii(a)};
    if (rc == CLI_OK && a->order > 1)
        rc = cli_recorded_derivative(&p, a, io, &y, &o.recorded_from);
    if (rc == CLI_OK && ag_node_op(p.t, y) == AG_OP_CONST) {
        fprintf(io->out, "the derivative is the constant %.17g: there is no backward pass to show\n", ag_value(p.t, y));
    } else if (rc == CLI_OK && ag_trace(p.t, y, &o, io->out) != AG_OK)
        rc = cli_tape_failure(&p, "trace", io);
    if (rc == CLI_OK)
        rc = cli_anomaly(&p, io);
    rc = cli_flag_nonfinite(&p, a, io, rc);
    cli_prog_free(&p);
    return rc;
}

int cli_dot(const cli_args *a, const cli_io *io)
{
    cli_prog p;
    int rc = cli_prog_differentiate(&p, a, io);
    ag_graph_opts o = {.highlight = AG_NULL, .show_grad = true, .title = a->expr};
    /* --order N: the graph of d^(N-1) f, its recorded nodes drawn apart */
    ag_node y = p.out;
    if (rc == CLI_OK && a->order > 1 && (rc = cli_recorded_derivative(&p, a, io, &y, &o.recorded_from)) == CLI_OK &&
        ag_node_op(p.t, y) != AG_OP_CONST) {
        ag_zero_grad(p.t);
        if (ag_backward(p.t, y) != AG_OK)
            rc = cli_tape_failure(&p, "dot", io);
    }
    if (rc == CLI_OK && a->highlight) {
        o.highlight = ag_name_find(p.t, a->highlight);
        if (ag_is_null(o.highlight)) {
            fprintf(io->err, "agrad dot: --highlight %s: no input or assigned name '%s' in the expression\n",
                    a->highlight, a->highlight);
            rc = CLI_USAGE;
        }
    }
    if (rc == CLI_OK) {
        ag_status s = a->output ? ag_graph_write(p.t, y, &o, a->output) : ag_graph_dot(p.t, y, &o, io->out);
        if (s != AG_OK)
            rc = cli_tape_failure(&p, a->output ? a->output : "dot", io);
        else if (a->output)
            fprintf(io->out, "wrote %s\n", a->output);
    }
    rc = cli_flag_nonfinite(&p, a, io, rc);
    cli_prog_free(&p);
    return rc;
}

int cli_gradcheck(const cli_args *a, const cli_io *io)
{
    cli_prog p;
    int rc = cli_prog_build(&p, a, a->expr, false, "expression", io);
    if (rc == CLI_OK)
        rc = cli_anomaly(&p, io);
    ag_gradcheck_row *rows = ag_realloc(NULL, (p.n_inputs + 1) * sizeof *rows);
    if (rc == CLI_OK && !rows) {
        fprintf(io->err, "agrad: out of memory\n");
        rc = CLI_FAIL;
    }
    if (rc == CLI_OK && ag_gradcheck(p.t, p.start, p.out, p.inputs, p.n_inputs, rows) != AG_OK)
        rc = cli_tape_failure(&p, "gradcheck", io);
    if (rc == CLI_OK)
        rc = cli_anomaly(&p, io);
    if (rc == CLI_OK) {
        const char *f = cli_out_name(p.t, p.out);
        size_t bad = 0;
        fprintf(io->out, "%s = %.17g\n", f, ag_value(p.t, p.out));
        fprintf(io->out, "%-12s %24s %24s %10s %10s %10s\n", "input", "autodiff", "finite diff", "step",
                "abs err", "rel err");
        for (size_t i = 0; i < p.n_inputs; i++) {
            const ag_gradcheck_row *r = &rows[i];
            bool ok = r->rel_err <= a->tol || r->abs_err <= a->atol;
            bad += !ok;
            fprintf(io->out, "%-12s %24.17g %24.17g %10.3g %10.3g %10.3g%s\n", a->inputs[i].name, r->analytic, r->numeric,
                    r->step, r->abs_err, r->rel_err, ok ? "" : "  <-- disagrees");
        }
        if (bad) {
            fprintf(io->out, "%zu of %zu gradients disagree with finite differences (rel err > %g and abs err > %g)\n",
                    bad, p.n_inputs, a->tol, a->atol);
            rc = CLI_NO;
        } else {
            fprintf(io->out, "all %zu gradients agree with finite differences (rel err <= %g or abs err <= %g)\n",
                    p.n_inputs, a->tol, a->atol);
        }
    }
    ag_free(rows);
    cli_prog_free(&p);
    return rc;
}
