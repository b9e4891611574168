/*
 * cmd_derive.c: the commands over the derivation language (lang/):
 *   agrad check -f FILE | 'TEXT'   every claim of a derivation, with verdicts
 *   agrad grad -f FILE             value and gradient of a vector program
 *   agrad jacobian ... --wrt X     d output (or --of F) / d X as a matrix
 * FILE "-" is standard input. name=value arguments give scalar inputs.
 * The file is read here (tools/ touches files; lang/ never does).
 */
#include "cli.h"
#include "lang.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE ((size_t)64 << 20)

/* The whole file (or stdin for "-"), NUL-terminated; NULL with a message. */
static char *read_all(const char *path, FILE *in, size_t *len, const cli_io *io)
{
    FILE *f = strcmp(path, "-") == 0 ? in : fopen(path, "rb");
    if (!f) {
        fprintf(io->err, "agrad: cannot open %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = ag_realloc(NULL, cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0)
            break;
        if (n + 1 == cap) {
            char *q = cap < MAX_FILE ? ag_realloc(buf, cap * 2) : NULL;
            if (!q) {
                fprintf(io->err, "agrad: %s is larger than %zu MiB\n", path, MAX_FILE >> 20);
                ag_free(buf);
                buf = NULL;
                break;
            }
            buf = q;
            cap *= 2;
        }
    }
    if (buf && ferror(f)) { /* a directory, a device error: not an empty program */
        fprintf(io->err, "agrad: cannot read %s: %s\n", path, strerror(errno));
        ag_free(buf);
        buf = NULL;
    }
    if (f != in)
        (void)fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* lang's error: with --json as its JSON object on the output (what a
 * program reads there, whatever failed), else as text with a caret. */
static void lang_error(const ag_error *e, const char *src, const cli_args *a, const cli_io *io)
{
    if (a->json)
        (void)lg_error_write(e, src, a->file, LG_JSON, io->out);
    else
        (void)lg_error_write(e, src, a->file, LG_TEXT, io->err);
}

lg_prog *cli_lang_parse(const char *src, size_t len, const cli_args *a, bool allow_unused, const char *what,
                        const cli_io *io, int *rc)
{
    ag_error e;
    lg_prog *p = lg_parse(src, len, &e);
    if (!p) {
        if (what)
            cli_show_parse_error(io->err, src, &e, what);
        else
            lang_error(&e, src, a, io);
        *rc = e.status == AG_ENOMEM ? CLI_FAIL : CLI_USAGE;
        return NULL;
    }
    lg_prog_set_seed(p, a->seed);
    /* on the command line (what: the expression), a name=value input the
     * text assigns is an error, as it always was; a file's 'x = 2' is a
     * default that name=value overrides */
    lg_input_info in;
    for (size_t k = 0, i; what && !allow_unused && lg_prog_input(p, k, &in); k++) {
        for (i = 0; i < a->n_inputs; i++)
            if (strcmp(in.name, a->inputs[i].name) == 0) {
                fprintf(io->err, "agrad: error in the %s: cannot assign to the input '%s' (given as %s=%g)\n", what,
                        in.name, in.name, a->inputs[i].value);
                lg_prog_free(p);
                *rc = CLI_USAGE;
                return NULL;
            }
    }
    size_t n_unused = 0;
    bool *unused = ag_realloc(NULL, a->n_inputs + 1);
    if (!unused) {
        fprintf(io->err, "agrad: out of memory\n");
        lg_prog_free(p);
        *rc = CLI_FAIL;
        return NULL;
    }
    for (size_t i = 0; i < a->n_inputs; i++) {
        unused[i] = false;
        if (lg_prog_set_input(p, a->inputs[i].name, &a->inputs[i].value, 1, &e) == AG_OK)
            continue;
        if (e.status == LG_ENOTFOUND && (allow_unused || what)) {
            unused[i] = !allow_unused; /* a hand formula need not use every input */
            n_unused += unused[i];
            continue;
        }
        ag_free(unused);
        fprintf(io->err, "agrad: %s=%g: %s\n", a->inputs[i].name, a->inputs[i].value, e.message);
        lg_prog_free(p);
        *rc = e.status == AG_ENOMEM ? CLI_FAIL : CLI_USAGE;
        return NULL;
    }
    if (n_unused) { /* every one named at once: "'y', 'w' are given but not used" */
        fprintf(io->err, "agrad: error in the %s: the input%s ", what, n_unused > 1 ? "s" : "");
        for (size_t i = 0, k = 0; i < a->n_inputs; i++)
            if (unused[i])
                fprintf(io->err, "%s'%s'", k++ ? ", " : "", a->inputs[i].name);
        fprintf(io->err, " %s given but not used\n", n_unused > 1 ? "are" : "is");
        ag_free(unused);
        lg_prog_free(p);
        *rc = CLI_USAGE;
        return NULL;
    }
    ag_free(unused);
    for (const char *s = a->data; s && *s; s += strcspn(s, ",") + (s[strcspn(s, ",")] == ',')) {
        char name[AG_NAME_MAX + 1];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(s, ","), s);
        if (lg_prog_set_data(p, name, true, &e) != AG_OK) {
            if (allow_unused && e.status == LG_ENOTFOUND)
                continue;
            fprintf(io->err, "agrad: --data %s: %s\n", name, e.message);
            lg_prog_free(p);
            *rc = e.status == AG_ENOMEM ? CLI_FAIL : CLI_USAGE;
            return NULL;
        }
    }
    *rc = CLI_OK;
    return p;
}

/* Parse the program (file or text) and apply name=value inputs. */
lg_prog *cli_lang_load(const cli_args *a, const cli_io *io, char **text, int *rc)
{
    size_t len = 0;
    *text = NULL;
    const char *src = a->expr;
    if (a->file) {
        *text = read_all(a->file, io->in, &len, io);
        if (!*text) {
            *rc = CLI_FAIL;
            return NULL;
        }
        src = *text;
    } else {
        len = strlen(src);
    }
    return cli_lang_parse(src, len, a, false, NULL, io, rc);
}

int cli_check_file(const cli_args *a, const cli_io *io)
{
    char *text;
    int rc;
    lg_prog *p = cli_lang_load(a, io, &text, &rc);
    if (!p) {
        ag_free(text);
        return rc;
    }
    const char *src = text ? text : a->expr;
    lg_check_opts o = {(int)a->points, a->radius, a->tol, a->atol};
    lg_report r;
    ag_error e;
    if (lg_check(p, &o, &r, &e) != AG_OK) {
        lang_error(&e, src, a, io);
        rc = e.status == AG_ENOMEM ? CLI_FAIL : CLI_USAGE;
    } else if (r.n_claims == 0) {
        /* with --json an error object on the output, as every other error */
        ag_error none = {.status = AG_EINVAL};
        snprintf(none.message, sizeof none.message, "no claim to check: write claims (claim dL/dx = ...) or give "
                                                     "--wrt NAME and --expect 'FORMULA'");
        if (a->json)
            (void)lg_error_write(&none, NULL, a->file, LG_JSON, io->out);
        else
            fprintf(io->err, "agrad check: %s\n", none.message);
        rc = CLI_USAGE;
        lg_report_free(&r);
    } else {
        (void)lg_report_write(&r, a->json ? LG_JSON : cli_ascii(a) ? LG_ASCII : LG_TEXT, io->out);
        rc = r.all_agree ? CLI_OK : CLI_NO;
        lg_report_free(&r);
    }
    lg_prog_free(p);
    ag_free(text);
    return rc;
}

/* Evaluate on a fresh tape; NULL with the error shown. */
lg_run *cli_lang_eval(lg_prog *p, const char *src, ag_tape *t, const cli_args *a, const cli_io *io)
{
    ag_error e;
    lg_run *r = t ? lg_eval(p, t, &e) : NULL;
    if (!r && t)
        lang_error(&e, src, a, io);
    return r;
}

int cli_grad_file(const cli_args *a, const cli_io *io)
{
    char *text;
    int rc;
    lg_prog *p = cli_lang_load(a, io, &text, &rc);
    ag_tape *t = p ? ag_tape_new(0) : NULL;
    if (t)
        (void)ag_anomaly_enable(t, true); /* a value that is not finite is flagged with its cause */
    const char *src = text ? text : a->expr;
    lg_run *r = p ? cli_lang_eval(p, src, t, a, io) : NULL;
    int anomaly = CLI_OK;
    if (r && ag_tape_status(t) == AG_EANOMALY) {
        cli_prog shown = {.t = t, .src = src};
        fprintf(io->err, "agrad: warning: a value is not finite; the first:\n");
        anomaly = cli_anomaly(&shown, io);
        ag_tape_clear_error(t);
    }
    lg_value out;
    const char *name = "f";
    if (r && (!lg_run_output(r, &out, &name) || out.shape.rows * out.shape.cols != 1)) {
        fprintf(io->err, "agrad grad: the output %s is not a scalar: use agrad jacobian\n", name);
        rc = CLI_USAGE;
    } else if (r && a->json) {
        rc = lg_run_write(r, LG_JSON, io->out) == AG_OK ? CLI_OK : CLI_FAIL;
    } else if (r) {
        size_t nx = 0;
        fprintf(io->out, "%s = %.17g\n", name, ag_value(t, out.nodes[0]));
        lg_input_info in;
        for (size_t k = 0; lg_prog_input(p, k, &in); k++) {
            lg_value v;
            if (!lg_run_lookup(r, in.name, &v))
                continue;
            nx = v.shape.rows * v.shape.cols;
            double *g = ag_realloc(NULL, nx * sizeof *g);
            lg_shape s;
            if (g && lg_jacobian(r, out, v, g, &s, NULL) == AG_OK)
                for (size_t i = 0; i < nx; i++) {
                    fprintf(io->out, "d%s/d%s = %.17g\n", name, ag_name_of(t, v.nodes[i]), g[i]);
                    if (!isfinite(g[i]) && anomaly == CLI_OK) {
                        fprintf(io->err, "agrad: warning: d%s/d%s is not finite\n", name, ag_name_of(t, v.nodes[i]));
                        anomaly = CLI_NO;
                    }
                }
            ag_free(g);
        }
    } else if (p) {
        rc = t ? CLI_USAGE : CLI_FAIL;
    }
    if (rc == CLI_OK)
        rc = anomaly; /* a value or gradient that is not finite: exit 1 */
    lg_run_free(r);
    ag_tape_free(t);
    lg_prog_free(p);
    ag_free(text);
    return rc;
}

int cli_jacobian(const cli_args *a, const cli_io *io)
{
    char *text;
    int rc;
    lg_prog *p = cli_lang_load(a, io, &text, &rc);
    ag_tape *t = p ? ag_tape_new(0) : NULL;
    lg_run *r = p ? cli_lang_eval(p, text ? text : a->expr, t, a, io) : NULL;
    lg_value of, wrt;
    const char *name = a->of;
    double *J = NULL;
    if (r) {
        bool ok_of = a->of ? lg_run_lookup(r, a->of, &of) : lg_run_output(r, &of, &name);
        if (!ok_of || !lg_run_lookup(r, a->wrt, &wrt)) {
            fprintf(io->err, "agrad jacobian: no value named '%s' in the program\n", ok_of ? a->wrt : a->of);
            rc = CLI_USAGE;
        } else {
            lg_shape s;
            ag_error e;
            J = ag_realloc(NULL, (of.shape.rows * of.shape.cols * wrt.shape.rows * wrt.shape.cols + 1) * sizeof *J);
            if (!J || lg_jacobian(r, of, wrt, J, &s, &e) != AG_OK) {
                fprintf(io->err, "agrad jacobian: %s\n", J ? e.message : "out of memory");
                rc = J ? CLI_USAGE : CLI_FAIL;
            } else {
                size_t R = s.ndim == 2 ? s.rows : s.ndim == 1 ? s.rows : 1, C = s.ndim == 2 ? s.cols : 1;
                if (a->json)
                    fprintf(io->out, "{\"of\": \"%s\", \"wrt\": \"%s\", \"rows\": %zu, \"cols\": %zu, \"values\": [",
                            name, a->wrt, R, C);
                else
                    fprintf(io->out, "d%s/d%s (%zux%zu):\n", name, a->wrt, R, C);
                for (size_t i = 0; i < R; i++) {
                    fputs(a->json ? (i ? ", [" : "[") : " ", io->out);
                    for (size_t j = 0; j < C; j++)
                        fprintf(io->out, a->json ? "%s%.17g" : "%s%15.10g", j && a->json ? ", " : " ", J[i * C + j]);
                    fputs(a->json ? "]" : "\n", io->out);
                }
                if (a->json)
                    fputs("]}\n", io->out);
                for (size_t k = 0; k < R * C && rc == CLI_OK; k++)
                    if (!isfinite(J[k])) { /* flagged, exit 1, as grad does */
                        fprintf(io->err, "agrad: warning: d%s/d%s has an entry that is not finite\n", name, a->wrt);
                        rc = CLI_NO;
                    }
            }
        }
    } else if (p) {
        rc = t ? CLI_USAGE : CLI_FAIL;
    }
    ag_free(J);
    lg_run_free(r);
    ag_tape_free(t);
    lg_prog_free(p);
    ag_free(text);
    return rc;
}

/* EXPR plus "claim dOUT/dWRT = EXPECT" as a derivation text (malloc'd via
 * ag_realloc), OUT being EXPR's output name; NULL when EXPR does not run
 * in the derivation language (quiet when `quiet`). */
static char *as_derivation(const cli_args *a, const cli_io *io, bool quiet)
{
    char *text, *buf = NULL;
    size_t len = 0;
    int rc;
    FILE *sink = quiet ? open_memstream(&buf, &len) : NULL;
    cli_io q = {io->in, sink ? sink : io->err, sink ? sink : io->err};
    cli_args b = *a;
    b.file = NULL;
    lg_prog *p = cli_lang_load(&b, quiet ? &q : io, &text, &rc);
    ag_tape *t = p ? ag_tape_new(0) : NULL;
    lg_run *r = p ? cli_lang_eval(p, a->expr, t, &b, quiet ? &q : io) : NULL;
    const char *out = NULL;
    char *src = NULL;
    if (r && lg_run_output(r, NULL, &out)) {
        size_t n = strlen(a->expr) + strlen(out) + strlen(a->wrt) + strlen(a->expect) + 32;
        src = ag_realloc(NULL, n);
        if (src)
            snprintf(src, n, "%s\nclaim d%s/d%s = %s\n", a->expr, out, a->wrt, a->expect);
    }
    lg_run_free(r);
    ag_tape_free(t);
    lg_prog_free(p);
    ag_free(text);
    if (sink)
        (void)fclose(sink);
    free(buf);
    return src;
}

int cli_check_name(const cli_args *a, const cli_io *io)
{
    char *src = as_derivation(a, io, false);
    if (!src)
        return CLI_USAGE;
    cli_args b = *a;
    b.expr = src;
    b.file = NULL;
    int rc = cli_check_file(&b, io);
    ag_free(src);
    return rc;
}

int cli_check_kinks(const cli_args *a, const cli_io *io)
{
    if (strchr(a->expect, ';'))
        return CLI_OK;
    char *src = as_derivation(a, io, true);
    if (!src)
        return CLI_OK; /* not in the derivation language: the table stands */
    int rc = CLI_OK;
    lg_prog *p = lg_parse(src, strlen(src), NULL);
    lg_report r;
    lg_check_opts o = {(int)a->points, a->radius, a->tol, a->atol};
    for (size_t i = 0; p && i < a->n_inputs; i++)
        (void)lg_prog_set_input(p, a->inputs[i].name, &a->inputs[i].value, 1, NULL);
    for (const char *s = a->data; p && s && *s; s += strcspn(s, ",") + (s[strcspn(s, ",")] == ',')) {
        char name[AG_NAME_MAX + 1];
        snprintf(name, sizeof name, "%.*s", (int)strcspn(s, ","), s);
        (void)lg_prog_set_data(p, name, true, NULL);
    }
    if (p && lg_check(p, &o, &r, NULL) == AG_OK) {
        if (r.n_kinks && r.n_claims == 1 && r.claims[0].verdict == LG_DISAGREES) {
            fprintf(io->out, "but DISAGREES across a kink: %zu kink%s near the given point, points on both sides:\n",
                    r.n_kinks, r.n_kinks == 1 ? "" : "s");
            (void)lg_report_write(&r, cli_ascii(a) ? LG_ASCII : LG_TEXT, io->out);
            rc = CLI_NO;
        }
        lg_report_free(&r);
    }
    lg_prog_free(p);
    ag_free(src);
    return rc;
}

int cli_prog_build(cli_prog *p, const cli_args *a, const char *src, bool allow_unused, const char *what,
                   const cli_io *io)
{
    memset(p, 0, sizeof *p);
    p->out = AG_NULL;
    int rc = CLI_OK;
    lg_prog *prog;
    if (!src && a->file) {
        prog = cli_lang_load(a, io, &p->owned_src, &rc);
        what = NULL;
    } else {
        prog = cli_lang_parse(src ? src : "", src ? strlen(src) : 0, a, allow_unused, what, io, &rc);
    }
    p->src = p->owned_src ? p->owned_src : src ? src : "";
    p->t = prog ? ag_tape_new(0) : NULL;
    p->inputs = prog ? ag_realloc(NULL, (a->n_inputs + 1) * sizeof *p->inputs) : NULL;
    p->n_inputs = a->n_inputs;
    if (prog && (!p->t || !p->inputs || (a->anomaly && ag_anomaly_enable(p->t, true) != AG_OK))) {
        fprintf(io->err, "agrad: out of memory\n");
        rc = CLI_FAIL;
    }
    p->start = p->t ? ag_tape_mark(p->t) : (ag_mark){0, 0, 0, 0};
    ag_error e = {.status = AG_ENOMEM, .message = "out of memory"};
    lg_run *r = rc == CLI_OK && prog && p->inputs ? lg_eval(prog, p->t, &e) : NULL;
    if (!r && rc == CLI_OK) {
        if (what)
            cli_show_parse_error(io->err, p->src, &e, what);
        else
            lang_error(&e, p->src, a, io);
        rc = e.status == AG_ENOMEM ? CLI_FAIL : CLI_USAGE;
    }
    lg_value out;
    const char *name = "f";
    if (r && lg_run_output(r, &out, &name) && out.shape.rows * out.shape.cols == 1) {
        p->out = out.nodes[0];
        for (size_t i = 0; i < a->n_inputs; i++) {
            lg_value v;
            p->inputs[i] = lg_run_lookup(r, a->inputs[i].name, &v) ? v.nodes[0] : AG_NULL;
        }
    } else if (r) {
        fprintf(io->err, "agrad: the output %s is not a scalar: use agrad jacobian\n", name);
        rc = CLI_USAGE;
    }
    /* the output is called by its name, f when it has none (as grad does) */
    if (rc == CLI_OK && !ag_name_of(p->t, p->out) && ag_node_op(p->t, p->out) != AG_OP_VAR &&
        ag_node_op(p->t, p->out) != AG_OP_CONST && ag_is_null(ag_name_find(p->t, "f")) &&
        ag_name_set(p->t, p->out, "f") != AG_OK)
        rc = cli_tape_failure(p, "naming the output", io);
    lg_run_free(r);
    lg_prog_free(prog);
    return rc;
}
