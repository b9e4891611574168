/*
 * json.c: results as JSON for programs (the browser page): a check report,
 * an error with its window, gradients, the trace of the reverse sweep.
 * Shapes of the objects are in lang.h. Numbers are %.17g (they read back
 * as the same double); NaN and infinities are the strings "NaN",
 * "Infinity", "-Infinity". Strings are escaped for JSON (control
 * characters as \u00XX); the text is UTF-8 as given.
 */
#include "check.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void jnum(FILE *f, double v)
{
    if (isnan(v))
        fputs("\"NaN\"", f);
    else if (isinf(v))
        fputs(v > 0 ? "\"Infinity\"" : "\"-Infinity\"", f);
    else
        fprintf(f, "%.17g", v);
}

static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static ag_status done(FILE *f) { return ferror(f) ? LG_EIO : AG_OK; }

ag_status lg__report_json(const lg_report *r, FILE *f)
{
    fprintf(f, "{\"all_agree\": %s, \"points\": %zu, \"kinks\": %zu, \"straddled\": %zu, \"inputs_note\": ",
            r->all_agree ? "true" : "false", r->n_points, r->n_kinks, r->n_straddled);
    jstr(f, r->inputs_note);
    fputs(", \"claims\": [", f);
    for (size_t c = 0; c < r->n_claims; c++) {
        const lg_claim_result *cl = &r->claims[c];
        fprintf(f, "%s{\"claim\": ", c ? ", " : "");
        jstr(f, cl->lhs);
        fputs(", \"text\": ", f);
        jstr(f, cl->text);
        fprintf(f, ", \"line\": %d, \"verdict\": ", cl->line);
        jstr(f, lg__verdict_name(cl->verdict));
        fprintf(f, ", \"rows\": %zu, \"cols\": %zu, \"points\": %zu, \"bad_points\": %zu, \"skipped\": %zu, "
                   "\"worst_point\": %ld, \"message\": ",
                cl->shape.ndim ? cl->shape.rows : 1, cl->shape.ndim == 2 ? cl->shape.cols : 1, cl->n_points,
                cl->n_bad_points, cl->n_skipped, cl->worst_point);
        jstr(f, cl->message);
        fputs(", \"diagnosis\": ", f);
        jstr(f, cl->diagnosis);
        fputs(", \"entries\": [", f);
        for (size_t k = 0; k < cl->n_shown; k++) {
            fprintf(f, "%s{\"i\": %zu, \"j\": %zu, \"autodiff\": ", k ? ", " : "", cl->shown[k].i, cl->shown[k].j);
            jnum(f, cl->shown[k].autodiff);
            fputs(", \"claim\": ", f);
            jnum(f, cl->shown[k].claim);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    fputs("]}\n", f);
    return done(f);
}

ag_status lg__error_json(const ag_error *e, const char *src, FILE *f)
{
    if (!e || !f)
        return AG_ENULL;
    char win[512] = "";
    int caret = 0;
    if (e->line > 0 && src)
        lg__window_text(src, e->line, e->column, win, sizeof win, &caret);
    fputs("{\"error\": {\"status\": ", f);
    jstr(f, lg_status_str(e->status));
    fputs(", \"message\": ", f);
    jstr(f, e->message);
    fprintf(f, ", \"line\": %d, \"column\": %d, \"window\": ", e->line, e->column);
    jstr(f, win);
    fprintf(f, ", \"caret\": %d}}\n", caret);
    return done(f);
}

/* The run's output when it is a scalar (what a gradient or a trace is of),
 * with the variables' gradients cleared for one backward from it. */
static bool scalar_output(lg_run *r, lg_value *out, const char **name)
{
    if (!lg_run_output(r, out, name) || lg__size(out->shape) != 1)
        return false;
    ag_zero_grad(r->t);
    return true;
}

static ag_status grad_json(lg_run *r, FILE *f)
{
    lg_value out;
    const char *name;
    if (!scalar_output(r, &out, &name))
        return AG_EINVAL;
    ag_tape *t = r->t;
    if (ag_node_op(t, out.nodes[0]) != AG_OP_CONST && ag_backward(t, out.nodes[0]) != AG_OK &&
        ag_tape_status(t) != AG_EANOMALY)
        return ag_tape_status(t);
    fputs("{\"output\": ", f);
    jstr(f, name);
    fputs(", \"value\": ", f);
    jnum(f, ag_value(t, out.nodes[0]));
    fputs(", \"grad\": {", f);
    bool first = true;
    for (size_t k = 0; k < lg__prog_n_inputs(r->p); k++) {
        lg_input_info in;
        lg_value v;
        if (!lg_prog_input(r->p, k, &in) || !lg_run_lookup(r, in.name, &v))
            continue;
        for (size_t i = 0; i < lg__size(v.shape); i++) {
            fputs(first ? "" : ", ", f);
            first = false;
            jstr(f, ag_name_of(t, v.nodes[i]));
            fputs(": ", f);
            jnum(f, v.nodes[i].idx > out.nodes[0].idx ? 0.0 : ag_grad(t, v.nodes[i]));
        }
    }
    fputs("}}\n", f);
    return done(f);
}

/* A node as people read it: its name, a constant's value, else its formula. */
static void label(ag_tape *t, ag_node n, char *buf, size_t size)
{
    const char *name = ag_name_of(t, n);
    if (name)
        snprintf(buf, size, "%s", name);
    else if (ag_node_op(t, n) == AG_OP_CONST)
        snprintf(buf, size, "%.6g", ag_value(t, n));
    else
        snprintf(buf, size, "(%s)", ag_op_info_of(ag_node_op(t, n))->name);
}

static void formula(ag_tape *t, ag_node n, char *buf, size_t size)
{
    ag_op op = ag_node_op(t, n);
    size_t ar = ag_node_arity(t, n);
    char a[96], b[96];
    if (ar == 2 && strlen(ag_op_info_of(op)->symbol) == 1) {
        label(t, ag_node_input(t, n, 0), a, sizeof a);
        label(t, ag_node_input(t, n, 1), b, sizeof b);
        snprintf(buf, size, "%s %s %s", a, ag_op_info_of(op)->symbol, b);
        return;
    }
    size_t w = (size_t)snprintf(buf, size, "%s(", ag_op_info_of(op)->symbol);
    for (size_t k = 0; k < ar && k < 8 && w < size; k++) {
        label(t, ag_node_input(t, n, k), a, sizeof a);
        w += (size_t)snprintf(buf + w, size - w, "%s%s", k ? ", " : "", a);
    }
    if (w < size)
        snprintf(buf + w, size - w, "%s)", ar > 8 ? ", ..." : "");
}

static ag_status trace_json(lg_run *r, FILE *f)
{
    lg_value out;
    const char *name;
    if (!scalar_output(r, &out, &name))
        return AG_EINVAL;
    ag_tape *t = r->t;
    ag_stepper *st = ag_stepper_new(t, out.nodes[0]);
    if (!st)
        return ag_tape_status(t) ? ag_tape_status(t) : AG_EINVAL;
    fputs("{\"output\": ", f);
    jstr(f, name);
    fputs(", \"steps\": [", f);
    ag_stepper_step s;
    char buf[256];
    for (size_t k = 0; ag_stepper_next(st, &s); k++) {
        fputs(k ? ", {\"node\": " : "{\"node\": ", f);
        label(t, s.node, buf, sizeof buf);
        jstr(f, buf);
        formula(t, s.node, buf, sizeof buf);
        fputs(", \"formula\": ", f);
        jstr(f, buf);
        fputs(", \"value\": ", f);
        jnum(f, ag_value(t, s.node));
        fputs(", \"upstream\": ", f);
        jnum(f, s.upstream);
        fputs(", \"edges\": [", f);
        for (size_t q = 0; q < s.n_edges; q++) {
            label(t, s.edges[q].input, buf, sizeof buf);
            fputs(q ? ", {\"input\": " : "{\"input\": ", f);
            jstr(f, buf);
            fputs(", \"local\": ", f);
            jnum(f, s.edges[q].local);
            fputs(", \"contribution\": ", f);
            jnum(f, s.edges[q].contribution);
            fputs(", \"grad\": ", f);
            jnum(f, s.edges[q].input_grad);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    ag_stepper_free(st);
    fputs("]}\n", f);
    return done(f);
}

ag_status lg_run_write(lg_run *r, lg_format fmt, FILE *f)
{
    if (fmt == LG_JSON)
        return grad_json(r, f);
    return fmt == LG_TRACE ? trace_json(r, f) : AG_EINVAL;
}
