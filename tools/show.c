/*
 * show.c: how the agrad command shows things to people: a source line with
 * a caret under a column, parse errors, node labels and formulas, JSON
 * numbers.
 *
 * Columns are 1-based and count UTF-8 code points (as the lexer does); the
 * source line is shown as lang's window (at most 72 columns around the
 * caret, never a whole long line), the caret line copying its tabs.
 */
#include "cli.h"
#include "lang.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void cli_show_source_line(FILE *f, const char *src, int line, int col)
{
    ag_error at = {.line = line, .column = col};
    (void)lg_error_write(&at, src, NULL, LG_WINDOW, f);
}

void cli_show_parse_error(FILE *f, const char *src, const ag_error *e, const char *what)
{
    const char *kind = e->status == LG_EPARSE ? "parse error" : "error";
    if (e->line <= 0) {
        fprintf(f, "agrad: %s in the %s: %s\n", kind, what, e->message);
        return;
    }
    /* the expression is what people mean by default; other texts are named */
    bool named = strcmp(what, "expression") != 0;
    fprintf(f, "agrad: %s%s%s", kind, named ? " in the " : "", named ? what : "");
    if (strchr(src, '\n'))
        fprintf(f, " at line %d, column %d: %s\n", e->line, e->column, e->message);
    else
        fprintf(f, " at column %d: %s\n", e->column, e->message);
    cli_show_source_line(f, src, e->line, e->column);
}

const char *cli_node_label(ag_tape *t, ag_node n, char *buf, size_t size)
{
    const char *name = ag_name_of(t, n);
    ag_op op = ag_node_op(t, n);
    if (name)
        snprintf(buf, size, "%s", name);
    else if (op == AG_OP_CONST)
        snprintf(buf, size, "%.6g", ag_value(t, n));
    else
        snprintf(buf, size, "%s#%u", ag_op_info_of(op)->name, n.idx);
    return buf;
}

const char *cli_node_formula(ag_tape *t, ag_node n, char *buf, size_t size)
{
    ag_op op = ag_node_op(t, n);
    const char *sym = ag_op_info_of(op)->symbol;
    size_t arity = ag_node_arity(t, n);
    char a[96], b[96];
    if (arity == 0) {
        cli_node_label(t, n, buf, size);
    } else if (arity == 1) {
        cli_node_label(t, ag_node_input(t, n, 0), a, sizeof a);
        if (op == AG_OP_NEG)
            snprintf(buf, size, "-%s", a);
        else
            snprintf(buf, size, "%s(%s)", sym, a);
    } else if (arity == 2 && strlen(sym) == 1) {
        cli_node_label(t, ag_node_input(t, n, 0), a, sizeof a);
        cli_node_label(t, ag_node_input(t, n, 1), b, sizeof b);
        snprintf(buf, size, "%s %s %s", a, sym, b);
    } else {
        size_t w = (size_t)snprintf(buf, size, "%s(", sym);
        for (size_t k = 0; k < arity && w < size; k++) {
            cli_node_label(t, ag_node_input(t, n, k), a, sizeof a);
            w += (size_t)snprintf(buf + w, size - w, "%s%s", k ? ", " : "", a);
        }
        if (w < size)
            snprintf(buf + w, size - w, ")");
    }
    return buf;
}

const char *cli_out_name(ag_tape *t, ag_node out)
{
    const char *name = ag_name_of(t, out);
    return name ? name : "f";
}

void cli_json_number(FILE *f, double v)
{
    if (isnan(v))
        fputs("\"NaN\"", f);
    else if (isinf(v))
        fputs(v > 0 ? "\"Infinity\"" : "\"-Infinity\"", f);
    else
        fprintf(f, "%.17g", v);
}

const char *cli_name_nodes(ag_tape *t, const char *msg, char *buf, size_t size)
{
    char copy[1024]; /* msg may be the tape's own error text, which a lookup could clear */
    snprintf(copy, sizeof copy, "%s", msg);
    size_t w = 0;
    for (const char *s = copy; *s && w + 1 < size; s++) {
        const char *name = NULL;
        char *end = (char *)s;
        if (strncmp(s, "<expr>:", 7) == 0 && s[7] >= '0' && s[7] <= '9') {
            /* an origin (lang.h, at lg_eval): "<expr>:C" is column C of
             * line 1, "<expr>:L:C" column C of line L; said in words, so a
             * column is called one */
            long l = strtol(s + 7, &end, 10), c = -1;
            if (end[0] == ':' && end[1] >= '0' && end[1] <= '9')
                c = strtol(end + 1, &end, 10);
            int m = c < 0 ? snprintf(buf + w, size - w, "column %ld", l)
                          : snprintf(buf + w, size - w, "line %ld, column %ld", l, c);
            w += m > 0 ? (size_t)m : 0;
            if (w >= size)
                w = size - 1;
            s = end - 1;
            continue;
        }
        if (*s == '#' && s[1] >= '0' && s[1] <= '9') {
            unsigned long idx = strtoul(s + 1, &end, 10);
            ag_node n = idx < ag_tape_len(t) ? ag_node_from_index(t, idx) : AG_NULL;
            name = ag_is_null(n) ? NULL : ag_name_of(t, n);
        }
        if (name) {
            int m = snprintf(buf + w, size - w, "%s", name);
            w += m > 0 ? (size_t)m : 0;
            s = end - 1;
        } else {
            buf[w++] = *s;
        }
    }
    buf[w < size ? w : size - 1] = '\0';
    return buf;
}
