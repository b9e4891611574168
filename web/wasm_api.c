/*
 * wasm_api.c: what the page asks of the C code, exported from the
 * WebAssembly module. Every call takes NUL-terminated UTF-8 texts written
 * by the page into memory from agw_alloc and returns a JSON text
 * (wasm_json.h) that the page frees with agw_free.
 *
 *   agw_graph(expr, inputs)  parse and record the expression over the inputs
 *                            ("w=-3 x=2", spaces or commas between), then
 *                            step the reverse sweep (ag_stepper) to the end:
 *                            nodes, the DOT text of agrad dot, every step's
 *                            edges; or the error with its line and column.
 *   agw_cli(args, len)       the agrad command in-process: args are the
 *                            arguments after "agrad", each NUL-terminated;
 *                            returns {"status", "out", "err"}.
 *
 * Invariant: user text reaches only the C parser; each call frees what it
 * allocated; sizes are bounded (AGW_MAX_TEXT bytes of text, AGW_MAX_NODES
 * recorded nodes) so a hostile input costs bounded time and memory.
 */
#include "cli.h"
#include "teach.h"
#include "wasm_json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define AGW_MAX_TEXT 65536
#define AGW_MAX_NODES 20000
#define AGW_MAX_INPUTS 256
#define AGW_MAX_ARGS 64

AGW_EXPORT(agw_alloc) void *agw_alloc(size_t n);
AGW_EXPORT(agw_free) void agw_free(void *p);
AGW_EXPORT(agw_graph) char *agw_graph(const char *expr, const char *inputs);
AGW_EXPORT(agw_cli) char *agw_cli(const char *args, size_t len);

void *agw_alloc(size_t n) { return malloc(n ? n : 1); }
void agw_free(void *p) { free(p); }

typedef struct inputs {
    cli_input v[AGW_MAX_INPUTS];
    size_t n;
} inputs;

/* "w=-3 x=2, b=0.5": names as the language allows them, values as strtod. */
static const char *parse_inputs(const char *s, inputs *in, char *why, size_t size)
{
    in->n = 0;
    while (*s) {
        s += strspn(s, " \t\r\n,;");
        if (!*s)
            break;
        size_t len = strcspn(s, " \t\r\n,;");
        const char *eq = memchr(s, '=', len);
        if (!eq || !ax_name_ok(s, (size_t)(eq - s)) || (size_t)(eq - s) > AG_NAME_MAX) {
            snprintf(why, size, "an input is name=value (a name of letters, digits and _), not '%.*s'",
                     (int)(len > 40 ? 40 : len), s);
            return why;
        }
        if (in->n == AGW_MAX_INPUTS)
            return "too many inputs (256 at most)";
        cli_input *x = &in->v[in->n];
        memcpy(x->name, s, (size_t)(eq - s));
        x->name[eq - s] = '\0';
        char *end;
        errno = 0;
        x->value = strtod(eq + 1, &end);
        if (end == eq + 1 || end != s + len || errno == ERANGE) {
            snprintf(why, size, "the value of input '%s' is not a number", x->name);
            return why;
        }
        for (size_t i = 0; i < in->n; i++)
            if (strcmp(in->v[i].name, x->name) == 0) {
                snprintf(why, size, "the input '%s' is given twice", x->name);
                return why;
            }
        in->n++;
        s += len;
    }
    return NULL;
}

static void node_json(FILE *f, ag_tape *t, ag_node n, double grad)
{
    char label[128], formula[400];
    ag_op op = ag_node_op(t, n);
    fprintf(f, "{\"id\": %u, \"label\": ", (unsigned)n.idx);
    jw_str(f, cli_node_label(t, n, label, sizeof label));
    fputs(", \"name\": ", f);
    jw_str(f, ag_name_of(t, n));
    fputs(", \"op\": ", f);
    jw_str(f, ag_op_name(op));
    fputs(", \"formula\": ", f);
    jw_str(f, cli_node_formula(t, n, formula, sizeof formula));
    fprintf(f, ", \"kind\": \"%s\", \"value\": ", op == AG_OP_CONST ? "const" : op == AG_OP_VAR ? "var" : "op");
    jw_num(f, ag_value(t, n));
    fputs(", \"grad\": ", f);
    jw_num(f, grad);
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

static char *graph_error(const char *expr, const ax_error *e)
{
    jw w;
    char *caret = NULL;
    size_t caret_size = 0;
    FILE *c = open_memstream(&caret, &caret_size);
    if (c)
        cli_show_parse_error(c, expr, e, "expression");
    if (!c || fclose(c) != 0 || !jw_open(&w)) {
        free(caret);
        return jw_error("out of memory");
    }
    fputs("{\"ok\": false, \"error\": {\"message\": ", w.f);
    jw_str(w.f, e->message);
    fprintf(w.f, ", \"status\": \"%s\", \"line\": %d, \"column\": %d, \"offset\": %zu, \"text\": ",
            ag_status_str(e->status), e->line, e->column, e->offset);
    jw_str(w.f, caret);
    fputs("}}", w.f);
    free(caret);
    return jw_result(&w);
}

/* Everything after a successful parse: forward values are there; run the
 * stepper to the end, writing each step, then the nodes with their final
 * gradients and the DOT text. */
static void write_graph(FILE *f, ag_tape *t, ag_node y, ag_node *seen, size_t count)
{
    fputs("{\"ok\": true, \"out\": ", f);
    fprintf(f, "%u, \"count\": %zu, \"value\": ", (unsigned)y.idx, count);
    jw_num(f, ag_value(t, y));
    fputs(", \"steps\": [", f);
    ag_stepper *st = ag_stepper_new(t, y);
    ag_step s;
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
    fputs("],\n\"nodes\": [", f);
    size_t k = 0;
    for (uint32_t i = 0; i <= y.idx; i++) {
        if (ag_is_null(seen[i]))
            continue;
        fputs(k++ ? ",\n" : "", f);
        node_json(f, t, seen[i], ag_node_op(t, seen[i]) == AG_OP_CONST ? 0.0 : ag_grad(t, seen[i]));
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

char *agw_graph(const char *expr, const char *inputs_text)
{
    static inputs in; /* 66 KB: off the (small) wasm stack */
    char why[200];
    if (!expr || !inputs_text)
        return jw_error("no expression");
    if (strlen(expr) > AGW_MAX_TEXT || strlen(inputs_text) > AGW_MAX_TEXT)
        return jw_error("the text is too long (65536 bytes at most)");
    const char *bad = parse_inputs(inputs_text, &in, why, sizeof why);
    if (bad) {
        jw w;
        if (!jw_open(&w))
            return jw_error("out of memory");
        fputs("{\"ok\": false, \"error\": {\"where\": \"inputs\", \"message\": ", w.f);
        jw_str(w.f, bad);
        fputs("}}", w.f);
        return jw_result(&w);
    }
    ag_tape *t = ag_tape_new(0);
    ax_input ax[AGW_MAX_INPUTS];
    if (!t)
        return jw_error("out of memory");
    for (size_t i = 0; i < in.n; i++) {
        ax[i] = (ax_input){in.v[i].name, ag_var(t, in.v[i].value)};
        ag_name_set(t, ax[i].node, in.v[i].name);
    }
    ag_node y;
    ax_error e;
    ag_status s = ax_parse(t, expr, strlen(expr), ax, in.n, NULL, &y, &e);
    if (s != AG_OK) {
        ag_tape_free(t);
        return graph_error(expr, &e);
    }
    size_t len = ag_tape_len(t);
    if (len > AGW_MAX_NODES) {
        ag_tape_free(t);
        snprintf(why, sizeof why, "the expression records %zu nodes; the page draws and steps %d at most",
                 len, AGW_MAX_NODES);
        return jw_error(why);
    }
    ag_node *stack = malloc((len + 1) * sizeof *stack), *seen = malloc((len + 1) * sizeof *seen);
    jw w;
    char *res;
    if (!stack || !seen || !jw_open(&w)) {
        res = jw_error("out of memory");
    } else {
        for (size_t i = 0; i <= len; i++)
            seen[i] = AG_NULL;
        size_t count = mark_past(t, y, stack, seen);
        write_graph(w.f, t, y, seen, count);
        res = jw_result(&w);
    }
    free(stack);
    free(seen);
    ag_tape_free(t);
    return res;
}

char *agw_cli(const char *args, size_t len)
{
    char *argv[AGW_MAX_ARGS + 1] = {"agrad"};
    int argc = 1;
    if (len > (size_t)4 * AGW_MAX_TEXT)
        return jw_error("the arguments are too long");
    /* no step (it reads commands from a stream) and no dot (it writes files) */
    static const char *const allowed[] = {"grad", "trace", "check", "gradcheck"};
    bool ok = false;
    for (size_t k = 0; k < sizeof allowed / sizeof allowed[0]; k++)
        ok = ok || (len > 0 && strcmp(args, allowed[k]) == 0 && memchr(args, '\0', len));
    if (!ok)
        return jw_error("the page runs agrad grad, trace, check and gradcheck only");
    for (size_t i = 0; i < len && argc < AGW_MAX_ARGS; argc++) {
        argv[argc] = (char *)(uintptr_t)(args + i); /* agrad_run does not write them */
        i += strnlen(args + i, len - i) + 1;
    }
    argv[argc] = NULL;
    char *out = NULL, *err = NULL;
    size_t out_size = 0, err_size = 0;
    FILE *o = open_memstream(&out, &out_size), *e = open_memstream(&err, &err_size);
    int rc = o && e ? agrad_run(argc, argv, NULL, o, e) : CLI_FAIL;
    /* the texts are complete only once their streams are closed */
    bool closed_o = !o || fclose(o) == 0, closed_e = !e || fclose(e) == 0;
    jw w;
    char *res;
    if (!o || !e || !closed_o || !closed_e || !jw_open(&w)) {
        res = jw_error("out of memory");
    } else {
        fprintf(w.f, "{\"ok\": true, \"status\": %d, \"out\": ", rc);
        jw_str(w.f, out);
        fputs(", \"err\": ", w.f);
        jw_str(w.f, err);
        fputc('}', w.f);
        res = jw_result(&w);
    }
    free(out);
    free(err);
    return res;
}
