/*
 * cli.h: the agrad command, callable in-process (agrad_run) so the test
 * runner can drive it with memory streams; the pieces the subcommand files
 * share (argument record, one parsed expression on its own tape, error and
 * anomaly display). Private to tools/ and its tests.
 *
 * Every expression and file goes through the language library (lang/):
 * cli_prog_build parses and records it with lg_parse and lg_eval; there is
 * no parser here.
 *
 * Exit statuses: 0 success (every value and gradient finite, every check
 * agrees); 1 a negative answer (a value or gradient that is not finite,
 * --anomaly or not; check or gradcheck found a disagreement); 2 a usage
 * error (unknown command or option, malformed expression, missing or unused
 * input); 3 a failure to do the work (out of memory, a file that cannot be
 * read or written).
 */
#ifndef AGRAD_TOOLS_CLI_H
#define AGRAD_TOOLS_CLI_H

#include "autograd.h"

#include <stdint.h>
#include <stdio.h>

enum { CLI_OK = 0, CLI_NO = 1, CLI_USAGE = 2, CLI_FAIL = 3 };

#define AGRAD_VERSION "0.2.0"

typedef enum cli_cmd {
    CLI_GRAD, CLI_TRACE, CLI_STEP, CLI_DOT, CLI_CHECK, CLI_GRADCHECK, CLI_JACOBIAN, CLI_HESSIAN, CLI_NCMD
} cli_cmd;

typedef struct cli_input {
    char name[AG_NAME_MAX + 1];
    double value;
} cli_input;

typedef struct cli_args {
    cli_cmd cmd;
    const char *expr;
    cli_input *inputs;
    size_t n_inputs;
    bool anomaly, json;
    const char *wrt, *expect, *output, *highlight;
    const char *file, *of;   /* -f FILE (or - for stdin), --of NAME        */
    const char *data;        /* --data NAME,NAME: inputs check holds fixed */
    bool ascii;
    long points;
    uint64_t seed;
    double radius, tol, atol;
    long order;              /* --order N: grad, trace, dot (default 1)     */
} cli_args;

typedef struct cli_io {
    FILE *in, *out, *err;
} cli_io;

/* Run the command line argv[0..argc) ("agrad", "grad", ...); returns the
 * exit status. Reads `in` only for `step`. */
int agrad_run(int argc, char **argv, FILE *in, FILE *out, FILE *err);

/* One expression recorded on its own tape after its inputs (ag_var leaves
 * named by the inputs, in the order given). */
typedef struct cli_prog {
    ag_tape *t;
    ag_mark start;   /* before the inputs: replay with ag_forward from here */
    ag_node *inputs; /* n_inputs handles                                   */
    size_t n_inputs;
    ag_node out;
    const char *src;
    char *owned_src; /* the text of -f FILE, freed with the program       */
} cli_prog;

/* Build the tape; on failure print what and where to io->err (`what` names
 * the text: "expression", "--expect formula") and return the exit status. */
int cli_prog_build(cli_prog *p, const cli_args *a, const char *src, bool allow_unused,
                   const char *what, const cli_io *io);
void cli_prog_free(cli_prog *p);
/* After recording or a sweep in anomaly mode: when the tape holds an
 * anomaly, print it with a caret under its origin and return CLI_NO. */
int cli_anomaly(const cli_prog *p, const cli_io *io);
/* cli_prog_build of the expression, then ag_backward from its output, with
 * an anomaly check after each (what grad and dot start with). */
int cli_prog_differentiate(cli_prog *p, const cli_args *a, const cli_io *io);
/* Print "agrad: <tape error>" and return CLI_FAIL (or CLI_NO for an anomaly). */
int cli_tape_failure(const cli_prog *p, const char *doing, const cli_io *io);

/* After grad without --anomaly found a value or gradient that is not
 * finite: say so on io->err with its cause (the first node that made it,
 * found by a second run in anomaly mode). */
void cli_explain_nonfinite(const cli_args *a, const cli_io *io);
/* After a command on p succeeded (rc CLI_OK): when the output's value or an
 * input's gradient is not finite, cli_explain_nonfinite and CLI_NO (exit
 * 1); else rc. */
int cli_flag_nonfinite(const cli_prog *p, const cli_args *a, const cli_io *io, int rc);
/* Whether output should be plain ASCII: --ascii, or a C/POSIX locale. */
bool cli_ascii(const cli_args *a);

/* Display helpers (show.c). */
void cli_show_source_line(FILE *f, const char *src, int line, int col);
struct ag_error;
void cli_show_parse_error(FILE *f, const char *src, const struct ag_error *e, const char *what);
/* A node for people: its name, a constant's value, else op#index. */
const char *cli_node_label(ag_tape *t, ag_node n, char *buf, size_t size);
/* The node's operation over its inputs' labels: "w * x", "sigmoid(z)". */
const char *cli_node_formula(ag_tape *t, ag_node n, char *buf, size_t size);
/* The output's name for d<name>/d...: its node name, else "f". */
const char *cli_out_name(ag_tape *t, ag_node out);
/* msg with every "#N" that is a named node replaced by its name, and every
 * origin "<expr>:C" / "<expr>:L:C" said as "column C" / "line L, column C". */
const char *cli_name_nodes(ag_tape *t, const char *msg, char *buf, size_t size);
/* A number in JSON: %.17g, or the strings "NaN", "Infinity", "-Infinity". */
void cli_json_number(FILE *f, double v);

/* Subcommands. */
int cli_grad(const cli_args *a, const cli_io *io);
int cli_trace(const cli_args *a, const cli_io *io);
int cli_dot(const cli_args *a, const cli_io *io);
int cli_gradcheck(const cli_args *a, const cli_io *io);
int cli_step(const cli_args *a, const cli_io *io);
int cli_check(const cli_args *a, const cli_io *io);
/* The derivation language (cmd_derive.c, over lang/): check -f FILE,
 * grad -f FILE, jacobian. */
int cli_check_file(const cli_args *a, const cli_io *io);
int cli_grad_file(const cli_args *a, const cli_io *io);
int cli_jacobian(const cli_args *a, const cli_io *io);
/* check --wrt NAME where NAME is assigned in EXPR (an intermediate, such as
 * z in 'z = w*x + b; sigmoid(z)'): checked as the derivation EXPR plus
 * 'claim dOUT/dNAME = FORMULA', so FORMULA may use EXPR's names too. */
int cli_check_name(const cli_args *a, const cli_io *io);
/* After check's table agreed: the same claim through the derivation
 * language, whose points straddle the kinks near the given point; prints
 * its report and returns CLI_NO when it disagrees there. */
int cli_check_kinks(const cli_args *a, const cli_io *io);
/* The same loading (program text or -f FILE, name=value inputs) and
 * evaluation on a fresh tape, for the other commands over lang/. */
struct lg_prog;
struct lg_run;
struct lg_prog *cli_lang_load(const cli_args *a, const cli_io *io, char **text, int *rc);
/* Parse src with lang and apply the name=value inputs and --data; an input
 * the text does not use is an error unless allow_unused. Errors are shown
 * as the command line's (caret under the column, `what` naming the text:
 * "expression", "--expect formula"), or, what NULL, as lang's file:line:col
 * (with --json: lang's error object on the output). */
struct lg_prog *cli_lang_parse(const char *src, size_t len, const cli_args *a, bool allow_unused, const char *what,
                               const cli_io *io, int *rc);
/* Evaluate on t; NULL with lang's error shown (src: the program's text). */
struct lg_run *cli_lang_eval(struct lg_prog *p, const char *src, ag_tape *t, const cli_args *a, const cli_io *io);
/* Higher order (cmd_hess.c): agrad hessian, agrad grad --order N, and
 * trace/dot of a recorded backward pass (--order 2: the backward pass of
 * the first derivative, its recorded nodes marked). */
int cli_hessian(const cli_args *a, const cli_io *io);
int cli_grad_order(const cli_args *a, const cli_io *io);
/* d^(order-1) out / d wrt^(order-1) recorded on p's tape (wrt: --wrt or the
 * first input); *from = the first node the recorded passes added. */
int cli_recorded_derivative(cli_prog *p, const cli_args *a, const cli_io *io, ag_node *g, size_t *from);

/* Help text (help.c): the overview for cmd == CLI_NCMD. */
void cli_help(FILE *f, cli_cmd cmd);
const char *cli_cmd_name(cli_cmd cmd);

#endif /* AGRAD_TOOLS_CLI_H */
