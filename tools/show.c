/*
 * show.c: how the agrad command shows things to people: a source line with
 * a caret under a column, parse errors, node labels and formulas, JSON
 * numbers.
 *
 * Columns are 1-based and count UTF-8 code points (as the lexer does); the
 * caret line copies the tabs of the source line so the caret lines up in a
 * terminal whatever its tab width.
 */
#include "cli.h"

#include <math.h>
#include <string.h>

void cli_show_source_line(FILE *f, const char *src, int line, int col)
{
    const char *s = src;
    for (int l = 1; l < line && s; l++) {
        s = strchr(s, '\n');
        if (s)
            s++;
    }
    if (!s)
        return;
    size_t len = strcspn(s, "\n");
    if (len > 0 && s[len - 1] == '\r')
        len--;
    fprintf(f, "  %.*s\n  ", (int)len, s);
    int c = 1;
    for (size_t i = 0; i < len && c < col; i++) {
        unsigned char b = (unsigned char)s[i];
        if ((b & 0xC0) == 0x80)
            continue;
        fputc(b == '\t' ? '\t' : ' ', f);
        c++;
    }
    for (; c < col; c++)
        fputc(' ', f); /* past the end of the line */
    fputs("^\n", f);
}

void cli_show_parse_error(FILE *f, const char *src, const ax_error *e, const char *what)
{
    const char *kind = e->status == AG_EPARSE ? "parse error" : "error";
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
        snprintf(buf, size, "%s#%u", ag_op_name(op), n.idx);
    return buf;
}

const char *cli_node_formula(ag_tape *t, ag_node n, char *buf, size_t size)
{
    ag_op op = ag_node_op(t, n);
    const char *sym = ag_op_symbol(op);
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
