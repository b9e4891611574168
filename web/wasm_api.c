/*
 * wasm_api.c: what the page asks of the derivation language (lang/lang.h),
 * exported from the WebAssembly module. Every call takes NUL-terminated
 * UTF-8 texts written by the page into memory from agw_alloc and returns a
 * JSON text (wasm_json.h) that the page frees with agw_free.
 *
 *   agw_graph(src, inputs, of)  parse the program, set the inputs given
 *                           as "w=-3 x=2" (scalars, spaces or commas
 *                           between), evaluate it onto a tape and step the
 *                           reverse sweep to the end from the scalar named
 *                           `of` (empty: the program's output): the nodes,
 *                           agrad dot's DOT text, every step's edges; or
 *                           the error with its line and column.
 *   agw_check(src, inputs)  check the program's claims: lang's JSON report
 *                           and its text.
 *
 * Invariant: user text reaches only the C parser; each call frees what it
 * allocated; sizes are bounded (AGW_MAX_TEXT bytes of text, AGW_MAX_NODES
 * nodes stepped, and wasm_budget.c's memory budget while recording).
 */
#include "cli.h"
#include "lang.h"
#include "teach.h"
#include "wasm_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AGW_MAX_TEXT 65536
#define AGW_MAX_NODES 20000

AGW_EXPORT(agw_alloc) void *agw_alloc(size_t n);
AGW_EXPORT(agw_free) void agw_free(void *p);
AGW_EXPORT(agw_graph) char *agw_graph(const char *src, const char *inputs, const char *of);
AGW_EXPORT(agw_check) char *agw_check(const char *src, const char *inputs);

void *agw_alloc(size_t n) { return malloc(n ? n : 1); }
void agw_free(void *p) { free(p); }

/* The byte offset of 1-based (line, column) in src, columns counted in
 * characters (UTF-8 code points) as lang counts them; 0 with no place. */
static size_t offset_of(const char *src, int line, int column)
{
    size_t off = 0;
    if (!src || line < 1 || column < 1)
        return 0;
    for (int l = 1; l < line && src[off]; off++)
        l += src[off] == '\n';
    for (int c = 1; c < column && src[off] && src[off] != '\n'; c++)
        for (off++; ((unsigned char)src[off] & 0xC0) == 0x80; off++)
            ;
    return off;
}

/* {"ok": false, "error": {...}} for a failure of lang: its message, place
 * and the text lang prints for it (the line with a caret). */
static char *lang_error(const char *src, const ag_error *e, const char *where)
{
    jw w, text;
    if (!jw_open(&w))
        return jw_error("out of memory");
    if (jw_open(&text))
        (void)lg_error_write(e, src, NULL, LG_TEXT, text.f);
    fprintf(w.f, "{\"ok\": false, \"error\": {\"where\": \"%s\", \"message\": ", where);
    jw_str(w.f, e->message);
    fprintf(w.f, ", \"status\": \"%s\", \"line\": %d, \"column\": %d, \"offset\": %zu, \"text\": ",
            lg_status_str(e->status), e->line, e->column, offset_of(src, e->line, e->column));
    jw_put_text(w.f, &text);
    fputs("}}", w.f);
    return jw_result(&w);
}

/* "w=-3 x=2, b=0.5": each a scalar input of the program (or one it uses
 * without declaring). Only the split is done here; lang judges the names. */
static bool set_inputs(lg_prog *p, const char *s, ag_error *e)
{
    while (*s) {
        s += strspn(s, " \t\r\n,;");
        size_t len = strcspn(s, " \t\r\n,;");
        if (len == 0)
            break;
        const char *eq = memchr(s, '=', len);
        char name[AG_NAME_MAX + 1];
        size_t nlen = eq ? (size_t)(eq - s) : 0;
        memset(e, 0, sizeof *e);
        e->status = LG_EPARSE;
        if (!eq || nlen == 0 || nlen > AG_NAME_MAX) {
            snprintf(e->message, sizeof e->message, "an input is name=value, not '%.*s'", (int)(len > 40 ? 40 : len), s);
            return false;
        }
        memcpy(name, s, nlen);
        name[nlen] = '\0';
        char *end;
        errno = 0;
        double v = strtod(eq + 1, &end);
        if (end == eq + 1 || end != s + len || errno == ERANGE) {
            snprintf(e->message, sizeof e->message, "the value of input '%s' is not a number", name);
            return false;
        }
        if (lg_prog_set_input(p, name, &v, 1, e) != AG_OK)
            return false;
        s += len;
    }
    return true;
}

/* The parsed program with its inputs set, or NULL with *res the error. */
static lg_prog *prepare(const char *src, const char *inputs, char **res)
{
    ag_error e;
    *res = NULL;
    if (!src || !inputs || strlen(src) > AGW_MAX_TEXT || strlen(inputs) > AGW_MAX_TEXT) {
        *res = jw_error("the text is too long (65536 bytes at most)");
        return NULL;
    }
    lg_prog *p = lg_parse(src, strlen(src), &e);
    if (!p) {
        *res = lang_error(src, &e, "program");
        return NULL;
    }
    if (!set_inputs(p, inputs, &e)) {
        *res = lang_error(inputs, &e, "inputs");
        lg_prog_free(p);
        return NULL;
    }
    return p;
}

static void node_json(FILE *f, ag_tape *t, ag_node n)
{
    char label[128], formula[400];
    ag_op op = ag_node_op(t, n);
    fprintf(f, "{\"id\": %u, \"label\": ", (unsigned)n.idx);
    jw_str(f, cli_node_label(t, n, label, sizeof label));
    fputs(", \"name\": ", f);
    jw_str(f, ag_name_of(t, n));
    fputs(", \"op\": ", f);
    jw_str(f, ag_op_info_of(op)->name);
    fputs(", \"formula\": ", f);
    jw_str(f, cli_node_formula(t, n, formula, sizeof formula));
    fprintf(f, ", \"kind\": \"%s\", \"value\": ", op == AG_OP_CONST ? "const" : op == AG_OP_VAR ? "var" : "op");
    jw_num(f, ag_value(t, n));
    fputs(", \"grad\": ", f);
    jw_num(f, op == AG_OP_CONST ? 0.0 : ag_grad(t, n));
    fputs(", \"inputs\": [", f);
    for (size_t k = 0; k < ag_node_arity(t, n); k++)
        fprintf(f, "%s%u", k ? ", " : "", (unsigned)ag_node_input(t, n, k).idx);
    fputs("]}", f);
}

/* The nodes y depends on (y included): seen[i] is node i's handle for each,
 * AG_NULL for the others. A node is marked when pushed, so each is pushed
 * once and the stack holds at most the tape's length. */
static size_t mark_past(ag_tape *t, ag_node y, ag_node *stack, ag_node *seen)
{
    size_t top = 0, count = 1;
    stack[top++] = y;
    seen[y.idx] = y;
    while (top) {
        ag_node n = stack[--top];
        for (size_t k = 0; k < ag_node_arity(t, n); k++) {
            ag_node in = ag_node_input(t, n, k);
            if (ag_is_null(seen[in.idx])) {
                seen[in.idx] = in;
                stack[top++] = in;
                count++;
            }
        }
    }
    return count;
}

static void write_steps(FILE *f, ag_tape *t, ag_node y)
{
    ag_stepper *st = ag_stepper_new(t, y);
    ag_stepper_step s;
    for (size_t k = 0; st && ag_stepper_next(st, &s); k++) {
        fprintf(f, "%s{\"node\": %u, \"upstream\": ", k ? ",\n" : "", (unsigned)s.node.idx);
        jw_num(f, s.upstream);
        fputs(", \"edges\": [", f);
        for (size_t e = 0; e < s.n_edges; e++) {
            fprintf(f, "%s{\"input\": %u, \"local\": ", e ? ", " : "", (unsigned)s.edges[e].input.idx);
            jw_num(f, s.edges[e].local);
            fputs(", \"contribution\": ", f);
            jw_num(f, s.edges[e].contribution);
            fputs(", \"grad\": ", f);
            jw_num(f, s.edges[e].input_grad);
            fputc('}', f);
        }
        fputs("]}", f);
    }
    ag_stepper_free(st);
}

/* The output's value, every step of the reverse sweep (ag_stepper: the
 * same sweep as ag_backward), the nodes with their final gradients, and
 * the DOT text agrad dot would write. */
static void write_graph(FILE *f, ag_tape *t, ag_node y, const char *name, ag_node *seen, size_t count)
{
    fprintf(f, "{\"ok\": true, \"out\": %u, \"count\": %zu, \"output\": ", (unsigned)y.idx, count);
    jw_str(f, name);
    fputs(", \"value\": ", f);
    jw_num(f, ag_value(t, y));
    fputs(", \"steps\": [", f);
    write_steps(f, t, y);
    fputs("],\n\"nodes\": [", f);
    size_t k = 0;
    for (uint32_t i = 0; i <= y.idx; i++) {
        if (ag_is_null(seen[i]))
            continue;
        fputs(k++ ? ",\n" : "", f);
        node_json(f, t, seen[i]);
    }
    fputs("],\n\"dot\": ", f);
    char *dot = NULL;
    size_t dot_size = 0;
    FILE *d = open_memstream(&dot, &dot_size);
    ag_graph_opts go = {.highlight = AG_NULL, .show_grad = true};
    bool drawn = d && ag_graph_dot(t, y, &go, d) == AG_OK;
    if (d && fclose(d) != 0)
        drawn = false;
    if (drawn)
        jw_str(f, dot);
    else
        fputs("null", f);
    free(dot);
    fputs(", \"status\": ", f);
    jw_str(f, ag_tape_status(t) == AG_OK ? NULL : ag_tape_error(t));
    fputc('}', f);
}

static char *graph_of(lg_run *r, ag_tape *t, const char *of)
{
    lg_value out;
    const char *name = of;
    char why[300];
    if (of && *of) {
        if (!lg_run_lookup(r, of, &out)) {
            snprintf(why, sizeof why, "step from: the program has no value named '%.60s'", of);
            return jw_error(why);
        }
    } else if (!lg_run_output(r, &out, &name)) {
        return jw_error("the program has no output");
    }
    if (out.shape.ndim != 0) {
        snprintf(why, sizeof why,
                 "%.60s is a %zux%zu %s: the page steps backward from a scalar; name one in 'step from' (a loss, say)",
                 name ? name : "the output", out.shape.rows, out.shape.cols,
                 out.shape.ndim == 1 ? "vector" : "matrix");
        return jw_error(why);
    }
    ag_node y = out.nodes[0];
    size_t len = (size_t)y.idx + 1;
    if (len > AGW_MAX_NODES) {
        snprintf(why, sizeof why, "the program records %zu nodes; the page steps through %d at most", len,
                 AGW_MAX_NODES);
        return jw_error(why);
    }
    ag_node *stack = malloc(len * sizeof *stack), *seen = malloc(len * sizeof *seen);
    jw w;
    char *res;
    if (!stack || !seen || !jw_open(&w)) {
        res = jw_error("out of memory");
    } else {
        for (size_t i = 0; i < len; i++)
            seen[i] = AG_NULL;
        size_t count = mark_past(t, y, stack, seen);
        write_graph(w.f, t, y, name, seen, count);
        res = jw_result(&w);
    }
    free(stack);
    free(seen);
    return res;
}

/* What a request gives besides the program: the text, the scalar to
 * step from (graphs only). */
typedef struct req {
    const char *src, *inputs, *of;
} req;

static char *graph_body(lg_prog *p, const req *q)
{
    const char *src = q->src;
    ag_error e;
    char *res;
    ag_tape *t = ag_tape_new(0);
    lg_run *r = t ? lg_eval(p, t, &e) : NULL;
    if (!t)
        res = jw_error("out of memory");
    else if (!r)
        res = lang_error(src, &e, "program");
    else
        res = graph_of(r, t, q->of);
    lg_run_free(r);
    ag_tape_free(t);
    return res;
}

static char *check_body(lg_prog *p, const req *q)
{
    const char *src = q->src;
    ag_error e;
    lg_report rep;
    memset(&rep, 0, sizeof rep);
    jw w, text;
    char *res;
    if (lg_check(p, NULL, &rep, &e) != AG_OK) {
        res = lang_error(src, &e, "program");
    } else if (!jw_open(&w)) {
        res = jw_error("out of memory");
    } else {
        fputs("{\"ok\": true, \"report\": ", w.f);
        (void)lg_report_write(&rep, LG_JSON, w.f);
        fputs(", \"text\": ", w.f);
        if (jw_open(&text))
            (void)lg_report_write(&rep, LG_TEXT, text.f);
        jw_put_text(w.f, &text);
        fputc('}', w.f);
        res = jw_result(&w);
    }
    lg_report_free(&rep);
    return res;
}

/* Parse src, set the inputs, run body over the program, free it. */
static char *with_prog(const req *q, char *(*body)(lg_prog *, const req *))
{
    char *res;
    if (q->of && strlen(q->of) > AG_NAME_MAX)
        return jw_error("step from: not a name");
    lg_prog *p = prepare(q->src, q->inputs, &res);
    if (!p)
        return res;
    res = body(p, q);
    lg_prog_free(p);
    return res;
}

char *agw_graph(const char *src, const char *inputs, const char *of)
{
    return with_prog(&(req){src, inputs, of}, graph_body);
}
char *agw_check(const char *src, const char *inputs) { return with_prog(&(req){src, inputs, NULL}, check_body); }
