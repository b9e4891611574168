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
    if (f != in)
        (void)fclose(f);
    if (!buf)
        return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
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
    lg_error e;
    lg_prog *p = lg_parse(src, len, &e);
    if (!p) {
        lg_error_print(&e, src, a->file ? a->file : NULL, io->err);
        *rc = e.status == AG_ENOMEM ? CLI_FAIL : CLI_USAGE;
        return NULL;
    }
    lg_prog_set_seed(p, a->seed);
    for (size_t i = 0; i < a->n_inputs; i++) {
        if (lg_prog_set_input(p, a->inputs[i].name, &a->inputs[i].value, 1, &e) != AG_OK) {
            fprintf(io->err, "agrad: %s=%g: %s\n", a->inputs[i].name, a->inputs[i].value, e.message);
            lg_prog_free(p);
            *rc = CLI_USAGE;
            return NULL;
        }
    }
    *rc = CLI_OK;
    return p;
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
    if (lg_prog_n_claims(p) == 0) {
        fprintf(io->err, "agrad check: no claim to check: write claims (claim dL/dx = ...) or give --wrt NAME and "
                         "--expect 'FORMULA'\n");
        lg_prog_free(p);
        ag_free(text);
        return CLI_USAGE;
    }
    lg_check_opts o = {(int)a->points, a->radius, a->tol, a->atol};
    lg_report r;
    lg_error e;
    if (lg_check(p, &o, &r, &e) != AG_OK) {
        if (a->json)
            lg_error_json(&e, lg_prog_source(p), io->out);
        else
            lg_error_print(&e, lg_prog_source(p), a->file, io->err);
        rc = e.status == AG_ENOMEM ? CLI_FAIL : CLI_USAGE;
    } else {
        if (a->json)
            lg_report_json(&r, io->out);
        else
            lg_report_print(&r, io->out, a->ascii);
        rc = r.all_agree ? CLI_OK : CLI_NO;
        lg_report_free(&r);
    }
    lg_prog_free(p);
    ag_free(text);
    return rc;
}

/* Evaluate on a fresh tape; NULL with the error shown. */
lg_run *cli_lang_eval(lg_prog *p, ag_tape *t, const cli_args *a, const cli_io *io)
{
    lg_error e;
    lg_run *r = t ? lg_eval(p, t, &e) : NULL;
    if (!r && t)
        lg_error_print(&e, lg_prog_source(p), a->file, io->err);
    return r;
}

int cli_grad_file(const cli_args *a, const cli_io *io)
{
    char *text;
    int rc;
    lg_prog *p = cli_lang_load(a, io, &text, &rc);
    ag_tape *t = p ? ag_tape_new(0) : NULL;
    lg_run *r = p ? cli_lang_eval(p, t, a, io) : NULL;
    lg_value out;
    const char *name = "f";
    if (r && (!lg_run_output(r, &out, &name) || out.shape.rows * out.shape.cols != 1)) {
        fprintf(io->err, "agrad grad: the output %s is not a scalar: use agrad jacobian\n", name);
        rc = CLI_USAGE;
    } else if (r && a->json) {
        rc = lg_grad_json(r, io->out) == AG_OK ? CLI_OK : CLI_FAIL;
    } else if (r) {
        size_t nx = 0;
        fprintf(io->out, "%s = %.17g\n", name, ag_value(t, out.nodes[0]));
        for (size_t k = 0; k < lg_prog_n_inputs(p); k++) {
            lg_input_info in;
            lg_value v;
            lg_prog_input(p, k, &in);
            if (!lg_run_lookup(r, in.name, &v))
                continue;
            nx = v.shape.rows * v.shape.cols;
            double *g = ag_realloc(NULL, nx * sizeof *g);
            lg_shape s;
            if (g && lg_jacobian(r, out, v, g, &s, NULL) == AG_OK)
                for (size_t i = 0; i < nx; i++)
                    fprintf(io->out, "d%s/d%s = %.17g\n", name, ag_name_of(t, v.nodes[i]), g[i]);
            ag_free(g);
        }
    } else if (p) {
        rc = t ? CLI_USAGE : CLI_FAIL;
    }
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
    lg_run *r = p ? cli_lang_eval(p, t, a, io) : NULL;
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
            lg_error e;
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
