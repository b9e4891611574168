/*
 * cmd_grad.c: `agrad grad`: the value of the expression and its derivative
 * with respect to every input, in the order the inputs were given; as text,
 * or with --json as exactly one object
 *   {"value": V, "grad": {"x": GX, ...}}
 * whose numbers are printed with %.17g (they read back as the same double)
 * and whose non-finite numbers are the strings "NaN", "Infinity",
 * "-Infinity" (JSON has no such numbers; null would lose which one it was).
 * Exit 1 when the value or a gradient is not finite (with its cause on
 * stderr, --anomaly or not), 0 when all are finite.
 */
#include "cli.h"


int cli_grad(const cli_args *a, const cli_io *io)
{
    cli_prog p;
    int rc = cli_prog_differentiate(&p, a, io);
    if (rc != CLI_OK) {
        cli_prog_free(&p);
        return rc;
    }
    double value = ag_value(p.t, p.out);
    const char *f = cli_out_name(p.t, p.out);
    if (a->json) {
        fputs("{\"value\": ", io->out);
        cli_json_number(io->out, value);
        fputs(", \"grad\": {", io->out);
        for (size_t i = 0; i < p.n_inputs; i++) {
            fprintf(io->out, "%s\"%s\": ", i ? ", " : "", a->inputs[i].name);
            cli_json_number(io->out, ag_grad(p.t, p.inputs[i]));
        }
        fputs("}}\n", io->out);
    } else {
        fprintf(io->out, "%s = %.17g\n", f, value);
        for (size_t i = 0; i < p.n_inputs; i++)
            fprintf(io->out, "d%s/d%s = %.17g\n", f, a->inputs[i].name, ag_grad(p.t, p.inputs[i]));
    }
    rc = cli_flag_nonfinite(&p, a, io, CLI_OK);
    cli_prog_free(&p);
    return rc;
}
