/*
 * cli.c: the agrad command line: global and per-command options, inputs
 * (name=value), dispatch to the subcommands; and the one place that turns an
 * expression into a tape for them (cli_prog_build) and reports anomalies.
 *
 * Invariant: every path out of agrad_run frees what it allocated and
 * returns one of the CLI_* exit statuses; nothing here calls exit().
 */
#include "cli.h"
#include "lang.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const cmd_names[CLI_NCMD] = {"grad",      "trace",    "step",   "dot", "check",
                                                "gradcheck", "jacobian", "hessian"};

const char *cli_cmd_name(cli_cmd cmd) { return cmd < CLI_NCMD ? cmd_names[cmd] : "agrad"; }

#define BIT(c) (1u << (c))
#define ALL_CMDS (BIT(CLI_NCMD) - 1u)

typedef enum opt_id {
    O_HELP, O_ANOMALY, O_JSON, O_WRT, O_EXPECT, O_POINTS, O_SEED, O_RADIUS, O_TOL, O_ATOL, O_OUTPUT,
    O_HIGHLIGHT, O_FILE, O_OF, O_ASCII, O_DATA, O_ORDER
} opt_id;

typedef struct opt_row {
    const char *name, *alias;
    opt_id id;
    bool takes_value;
    unsigned cmds; /* which subcommands accept it */
} opt_row;

static const opt_row opts[] = {
    {"--help", "-h", O_HELP, false, ALL_CMDS},
    {"--anomaly", NULL, O_ANOMALY, false, ALL_CMDS},
    {"--json", NULL, O_JSON, false, BIT(CLI_GRAD) | BIT(CLI_CHECK) | BIT(CLI_JACOBIAN) | BIT(CLI_HESSIAN)},
    {"--wrt", NULL, O_WRT, true, BIT(CLI_CHECK) | BIT(CLI_JACOBIAN) | BIT(CLI_HESSIAN) | BIT(CLI_TRACE) | BIT(CLI_DOT)},
    {"--file", "-f", O_FILE, true,
     BIT(CLI_GRAD) | BIT(CLI_CHECK) | BIT(CLI_JACOBIAN) | BIT(CLI_TRACE) | BIT(CLI_STEP) | BIT(CLI_DOT) |
         BIT(CLI_HESSIAN)},
    {"--order", NULL, O_ORDER, true, BIT(CLI_GRAD) | BIT(CLI_TRACE) | BIT(CLI_DOT)},
    {"--of", NULL, O_OF, true, BIT(CLI_JACOBIAN)},
    {"--data", NULL, O_DATA, true, BIT(CLI_CHECK)},
    {"--ascii", NULL, O_ASCII, false, ALL_CMDS},
    {"--expect", NULL, O_EXPECT, true, BIT(CLI_CHECK)},
    {"--points", NULL, O_POINTS, true, BIT(CLI_CHECK)},
    {"--seed", NULL, O_SEED, true, BIT(CLI_CHECK)},
    {"--radius", NULL, O_RADIUS, true, BIT(CLI_CHECK)},
    {"--tol", NULL, O_TOL, true, BIT(CLI_CHECK) | BIT(CLI_GRADCHECK)},
    {"--atol", NULL, O_ATOL, true, BIT(CLI_CHECK) | BIT(CLI_GRADCHECK)},
    {"--output", "-o", O_OUTPUT, true, BIT(CLI_DOT)},
    {"--highlight", NULL, O_HIGHLIGHT, true, BIT(CLI_DOT)},
};
#define N_OPTS (sizeof opts / sizeof opts[0])

/* The row for arg ("--tol", "--tol=1e-6", "-o"); *value set for "=" forms. */
static const opt_row *find_opt(const char *arg, const char **value)
{
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    *value = NULL;
    for (size_t i = 0; i < N_OPTS; i++) {
        const char *names[2] = {opts[i].name, opts[i].alias};
        for (int k = 0; k < 2; k++) {
            if (names[k] && strlen(names[k]) == len && strncmp(arg, names[k], len) == 0) {
                *value = eq ? eq + 1 : NULL;
                return &opts[i];
            }
        }
    }
    return NULL;
}

static bool parse_double(const char *s, double *out)
{
    if (!s)
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE)
        return false;
    *out = v;
    return true;
}

static int usage_error(const cli_io *io, cli_cmd cmd, const char *fmt, const char *what)
{
    fprintf(io->err, "agrad%s%s: ", cmd < CLI_NCMD ? " " : "", cmd < CLI_NCMD ? cli_cmd_name(cmd) : "");
    fprintf(io->err, fmt, what);
    fprintf(io->err, "\n(see 'agrad %s%s--help')\n", cmd < CLI_NCMD ? cli_cmd_name(cmd) : "",
            cmd < CLI_NCMD ? " " : "");
    return CLI_USAGE;
}

static int set_option(cli_args *a, const opt_row *o, const char *arg, const char *v, const cli_io *io)
{
    double d = 0.0;
    switch (o->id) {
    case O_HELP: case O_ANOMALY: case O_JSON:
        break;
    case O_ASCII: a->ascii = true; break;
    case O_FILE: a->file = v; break;
    case O_OF: a->of = v; break;
    case O_DATA: a->data = v; break;
    case O_WRT: a->wrt = v; break;
    case O_EXPECT: a->expect = v; break;
    case O_OUTPUT: a->output = v; break;
    case O_HIGHLIGHT: a->highlight = v; break;
    case O_ORDER:
        if (!parse_double(v, &d) || d < 1 || d > 9 || d != floor(d))
            return usage_error(io, a->cmd, "--order wants a whole number from 1 to 9, not '%s'", v);
        a->order = (long)d;
        break;
    case O_POINTS:
        if (!parse_double(v, &d) || d < 0 || d > 1e6 || d != floor(d))
            return usage_error(io, a->cmd, "--points wants a whole number from 0 to 1000000, not '%s'", v);
        a->points = (long)d;
        break;
    case O_SEED: {
        char *end;
        errno = 0;
        if (!v)
            return usage_error(io, a->cmd, "%s needs a value", arg);
        unsigned long long s = strtoull(v, &end, 0);
        if (end == v || *end || errno || v[0] == '-')
            return usage_error(io, a->cmd, "--seed wants a non-negative whole number, not '%s'", v);
        a->seed = (uint64_t)s;
        break;
    }
    case O_RADIUS: case O_TOL: case O_ATOL:
        if (!parse_double(v, &d) || !(d >= 0) || isinf(d))
            return usage_error(io, a->cmd, "wants a finite number >= 0: %s", arg);
        if (o->id == O_RADIUS)
            a->radius = d;
        else if (o->id == O_TOL)
            a->tol = d;
        else
            a->atol = d;
        break;
    }
    return CLI_OK;
}

/* Whether name[0..len) can name an input: a letter or '_' then letters,
 * digits or '_', at most AG_NAME_MAX, and not a function of the language. */
static bool name_ok(const char *name, size_t len)
{
    if (len == 0 || len > AG_NAME_MAX || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return false;
    for (size_t i = 1; i < len; i++)
        if (!(isalnum((unsigned char)name[i]) || name[i] == '_'))
            return false;
    for (size_t k = 0; lg_function(k); k++)
        if (strlen(lg_function(k)) == len && strncmp(lg_function(k), name, len) == 0)
            return false;
    return true;
}

static int add_input(cli_args *a, const char *arg, const cli_io *io)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return usage_error(io, a->cmd, "expected an input name=value, not '%s'", arg);
    size_t len = (size_t)(eq - arg);
    if (!name_ok(arg, len))
        return usage_error(io, a->cmd,
                           "'%s': an input name is a letter or '_' then letters, digits or '_' (and not a function name)",
                           arg);
    cli_input *in = &a->inputs[a->n_inputs];
    memcpy(in->name, arg, len);
    in->name[len] = '\0';
    for (size_t i = 0; i < a->n_inputs; i++)
        if (strcmp(a->inputs[i].name, in->name) == 0)
            return usage_error(io, a->cmd, "the input '%s' is given twice", in->name);
    if (!parse_double(eq + 1, &in->value))
        return usage_error(io, a->cmd, "the value of input '%s' is not a number", arg);
    a->n_inputs++;
    return CLI_OK;
}

/* -name or --name[=value]: anything else starting with '-' ("-x^2", "-2*x")
 * can only be an expression. */
static bool looks_like_option(const char *arg)
{
    const char *s = arg + (arg[1] == '-' ? 2 : 1);
    if (arg[0] != '-' || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return false;
    size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_");
    return s[n] == '\0' || s[n] == '=';
}

/* name=value with a plain name: an input, even when it comes first. */
static bool looks_like_input(const char *arg)
{
    const char *eq = strchr(arg, '=');
    return eq && name_ok(arg, (size_t)(eq - arg)) && eq[1] != '=';
}

/* Options may come anywhere after the command; "--" ends them (for an
 * expression that starts with '-'). */
static int parse_args(int argc, char **argv, int first, cli_args *a, bool *help, const cli_io *io)
{
    bool options_done = false;
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
            continue;
        }
        if (!options_done && looks_like_option(arg)) {
            const char *v;
            const opt_row *o = find_opt(arg, &v);
            if (!o || !(o->cmds & BIT(a->cmd)))
                return usage_error(io, a->cmd,
                                   "unknown option '%s' (an expression starting with '-' goes after --)", arg);
            if (o->takes_value && !v) {
                if (i + 1 >= argc)
                    return usage_error(io, a->cmd, "%s needs a value", o->name);
                v = argv[++i];
            } else if (!o->takes_value && v) {
                return usage_error(io, a->cmd, "%s takes no value", o->name);
            }
            if (o->id == O_HELP)
                *help = true;
            if (o->id == O_ANOMALY)
                a->anomaly = true;
            if (o->id == O_JSON)
                a->json = true;
            int rc = set_option(a, o, arg, v, io);
            if (rc != CLI_OK)
                return rc;
            continue;
        }
        int rc = CLI_OK;
        if (!a->expr && !(a->file && strchr(arg, '=') && looks_like_input(arg)))
            a->expr = arg;
        else
            rc = add_input(a, arg, io);
        if (rc != CLI_OK)
            return rc;
    }
    if (*help)
        return CLI_OK;
    if (!a->expr && !a->file)
        return usage_error(io, a->cmd, "%s", "missing the expression");
    if (a->file && a->expr)
        return usage_error(io, a->cmd, "%s", "give the program either as -f FILE or as text, not both");
    if (a->cmd == CLI_JACOBIAN && !a->wrt)
        return usage_error(io, a->cmd, "%s", "needs --wrt NAME");
    if (a->cmd == CLI_CHECK && !a->file && (a->wrt || a->expect) && (!a->wrt || !a->expect))
        return usage_error(io, a->cmd, "%s", "needs --wrt NAME and --expect 'FORMULA'");
    return CLI_OK;
}

typedef int (*cmd_fn)(const cli_args *, const cli_io *);
static const cmd_fn cmd_fns[CLI_NCMD] = {cli_grad, cli_trace, cli_step, cli_dot, cli_check, cli_gradcheck,
                                         cli_jacobian, cli_hessian};

int agrad_run(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    cli_io io = {in, out, err};
    int i = 1;
    bool anomaly = false;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_help(out, CLI_NCMD);
            return CLI_OK;
        }
        if (strcmp(argv[i], "--version") == 0) {
            fprintf(out, "agrad %s\n", AGRAD_VERSION);
            return CLI_OK;
        }
        if (strcmp(argv[i], "--anomaly") == 0) {
            anomaly = true;
            continue;
        }
        return usage_error(&io, CLI_NCMD, "unknown option '%s'", argv[i]);
    }
    if (i >= argc) {
        cli_help(err, CLI_NCMD);
        return CLI_USAGE;
    }
    cli_cmd cmd = CLI_NCMD;
    for (int c = 0; c < CLI_NCMD; c++)
        if (strcmp(argv[i], cmd_names[c]) == 0)
            cmd = (cli_cmd)c;
    if (strcmp(argv[i], "help") == 0) {
        cli_cmd which = CLI_NCMD;
        for (int c = 0; i + 1 < argc && c < CLI_NCMD; c++)
            if (strcmp(argv[i + 1], cmd_names[c]) == 0)
                which = (cli_cmd)c;
        if (i + 1 < argc && which == CLI_NCMD)
            return usage_error(&io, CLI_NCMD,
                               "no help for '%s': the commands are grad, trace, step, dot, check, gradcheck, jacobian, hessian",
                               argv[i + 1]);
        cli_help(out, which);
        return CLI_OK;
    }
    if (cmd == CLI_NCMD)
        return usage_error(&io, CLI_NCMD,
                           "unknown command '%s'; the commands are grad, trace, step, dot, check, gradcheck, jacobian, hessian",
                           argv[i]);
    cli_args a = {.cmd = cmd, .anomaly = anomaly, .points = 20, .seed = 1, .radius = 0.25, .order = 1,
                  .tol = cmd == CLI_CHECK ? 1e-9 : 1e-6, .atol = cmd == CLI_CHECK ? 1e-12 : 1e-8};
    a.inputs = ag_realloc(NULL, (size_t)argc * sizeof *a.inputs);
    if (!a.inputs) {
        fprintf(err, "agrad: out of memory\n");
        return CLI_FAIL;
    }
    bool help = false;
    int rc = parse_args(argc, argv, i + 1, &a, &help, &io);
    if (rc == CLI_OK && help)
        cli_help(out, cmd);
    else if (rc == CLI_OK && cmd == CLI_CHECK && (a.file || !a.wrt))
        rc = cli_check_file(&a, &io);
    else if (rc == CLI_OK && cmd == CLI_GRAD && a.order > 1)
        rc = cli_grad_order(&a, &io);
    else if (rc == CLI_OK && a.file && cmd == CLI_GRAD)
        rc = cli_grad_file(&a, &io);
    else if (rc == CLI_OK)
        rc = cmd_fns[cmd](&a, &io);
    ag_free(a.inputs);
    return rc;
}

/* ---- one expression on its own tape ---- */

void cli_prog_free(cli_prog *p)
{
    ag_free(p->owned_src);
    ag_tape_free(p->t);
    ag_free(p->inputs);
    memset(p, 0, sizeof *p);
}

/* The line an origin label stands for: lang stamps each node with "<expr>"
 * for line 1 or "<expr>:N" for line N, and its column as the origin's line
 * (the labels are lang's public contract: lang.h, at lg_eval); 0 for
 * another label, "<expr>:>64" included. */
static int origin_line(const char *label)
{
    if (!label || strncmp(label, "<expr>", 6) != 0)
        return 0;
    if (label[6] == '\0')
        return 1;
    char *end;
    long line = label[6] == ':' ? strtol(label + 7, &end, 10) : 0;
    return line > 1 && line <= 1000000 && *end == '\0' ? (int)line : 0;
}

/* Where the anomaly's node was recorded: the origin lang stamped on it. */
static void show_origin(const cli_prog *p, const cli_io *io)
{
    ag_anomaly an;
    int line = 0;
    if (ag_anomaly_last(p->t, &an) && an.file && (line = origin_line(an.file)) > 0) {
        fprintf(io->err, "at line %d, column %d of the expression:\n", line, an.line);
        cli_show_source_line(io->err, p->src, line, an.line);
    }
}

int cli_anomaly(const cli_prog *p, const cli_io *io)
{
    if (ag_tape_status(p->t) != AG_EANOMALY)
        return CLI_OK;
    const char *msg = ag_tape_error(p->t);
    char named[1024];
    fprintf(io->err, "agrad: anomaly: %s\n", cli_name_nodes(p->t, msg, named, sizeof named));
    show_origin(p, io);
    return CLI_NO;
}

void cli_explain_nonfinite(const cli_args *a, const cli_io *io)
{
    cli_args b = *a;
    b.anomaly = true;
    cli_prog p;
    char *buf = NULL;
    size_t len = 0;
    FILE *sink = open_memstream(&buf, &len); /* the second run's own messages are not shown */
    cli_io quiet = {io->in, sink ? sink : io->err, sink ? sink : io->err};
    int rc = cli_prog_differentiate(&p, &b, &quiet);
    if (rc == CLI_NO) {
        char named[1024];
        fprintf(io->err, "agrad: warning: a value or gradient is not finite; the first: %s\n",
                cli_name_nodes(p.t, ag_tape_error(p.t), named, sizeof named));
        show_origin(&p, io);
    } else {
        fprintf(io->err, "agrad: warning: a value or gradient is not finite\n");
    }
    if (sink)
        (void)fclose(sink);
    free(buf);
    cli_prog_free(&p);
}

int cli_flag_nonfinite(const cli_prog *p, const cli_args *a, const cli_io *io, int rc)
{
    if (rc != CLI_OK || !p->t || ag_is_null(p->out))
        return rc;
    bool finite = isfinite(ag_value(p->t, p->out));
    for (size_t i = 0; i < p->n_inputs; i++)
        finite = finite && (ag_is_null(p->inputs[i]) || isfinite(ag_grad(p->t, p->inputs[i])));
    if (finite)
        return rc;
    cli_explain_nonfinite(a, io);
    return CLI_NO; /* not finite is not "all well" */
}

bool cli_ascii(const cli_args *a)
{
    const char *vars[] = {"LC_ALL", "LC_CTYPE", "LANG"};
    if (a->ascii)
        return true;
    for (int i = 0; i < 3; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strcmp(v, "C") == 0 || strcmp(v, "POSIX") == 0 || !(strstr(v, "UTF-8") || strstr(v, "utf8"));
    }
    return false;
}

int cli_prog_differentiate(cli_prog *p, const cli_args *a, const cli_io *io)
{
    int rc = cli_prog_build(p, a, a->expr, false, "expression", io);
    if (rc == CLI_OK)
        rc = cli_anomaly(p, io);
    if (rc == CLI_OK && ag_backward(p->t, p->out) != AG_OK)
        rc = cli_tape_failure(p, "backward", io);
    if (rc == CLI_OK)
        rc = cli_anomaly(p, io);
    return rc;
}

int cli_tape_failure(const cli_prog *p, const char *doing, const cli_io *io)
{
    if (ag_tape_status(p->t) == AG_EANOMALY)
        return cli_anomaly(p, io);
    fprintf(io->err, "agrad: %s: %s\n", doing, ag_tape_error(p->t));
    return CLI_FAIL;
}
