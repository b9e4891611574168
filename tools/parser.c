/*
 * parser.c: recursive descent with precedence climbing; records each
 * operation on the tape as soon as it is parsed (no syntax tree).
 *
 * Invariants: p->tok is the next unconsumed token and p->prev the last
 * consumed one; once p->failed is set every parse function returns at once
 * and the first error stays in *err; p->depth counts the nested parse_expr
 * calls, so nesting is bounded by max_depth whatever the input.
 *
 * Binding powers: + - 1, * / 2, unary minus 3, ^ 4 (right-associative), so
 * the operand of a unary minus is parsed at 4: -x^2 = -(x^2), and the right
 * side of ^ at 4 again: 2^3^2 = 2^(3^2).
 */
#include "builtins.h"
#include "expr.h"
#include "lexer.h"
#include "symtab.h"
#include "lang.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define PREC_UNARY 3
#define PREC_POW 4

typedef struct parser {
    ag_tape *t;
    const char *src;
    ax_lexer lx;
    ax_token tok, prev;
    size_t consumed;
    ax_symtab syms;
    ax_error *err;
    int depth, max_depth;
    bool started, failed, no_names;
} parser;

static const ax_val bad_val = {false, 0.0, {AG_NULL_IDX, 0, 0}};

static void vfail(parser *p, const ax_token *at, ag_status s, const char *fmt, va_list ap)
{
    if (p->failed)
        return;
    p->failed = true;
    /* nothing follows the end of the input: point at the last token instead,
     * the one after which something was expected */
    if (at && at->kind == AX_T_END && p->consumed > 0)
        at = &p->prev;
    p->err->status = s;
    /* ap comes from fail()'s va_start; the analyzer does not follow it */
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    p->err->offset = at ? at->off : 0;
    p->err->line = at ? at->line : 0;
    p->err->column = at ? at->col : 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static void fail(parser *p, const ax_token *at, ag_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(p, at, s, fmt, ap);
    va_end(ap);
}

static void fail_tape(parser *p, const ax_token *at)
{
    ag_status s = ag_tape_status(p->t);
    fail(p, at, s == AG_OK ? AG_EINVAL : s, "%s", s == AG_OK ? "the tape refused a node" : ag_tape_error(p->t));
}

static void next(parser *p)
{
    if (p->started && p->tok.kind != AX_T_END) {
        p->prev = p->tok;
        p->consumed++;
    }
    p->started = true;
    p->tok = ax_lex_next(&p->lx);
    if (p->tok.kind == AX_T_BAD) {
        char what[64];
        fail(p, &p->tok, AG_EPARSE, "%s%s%s", p->tok.bad,
             strcmp(p->tok.bad, "unexpected character") ? "" : " ",
             strcmp(p->tok.bad, "unexpected character") ? "" : ax_tok_describe(p->src, &p->tok, what, sizeof what));
    }
}

static bool is_punct(const ax_token *tk, char c) { return tk->kind == AX_T_PUNCT && tk->ch == c; }

static void stamp(parser *p, const ax_token *at) { ag_origin_set(p->t, ax_origin_label(at->line), at->col); }

static ax_val node_val(parser *p, ag_node n, const ax_token *at)
{
    if (ag_is_null(n)) {
        fail_tape(p, at);
        return bad_val;
    }
    return (ax_val){false, 0.0, n};
}

static ax_val parse_expr(parser *p, int min_prec);

static ax_val parse_call(parser *p, const ax_token *name)
{
    const ax_builtin *fn = ax_builtin_find(p->src + name->off, name->len);
    if (!fn) {
        char list[256];
        ax_builtin_list(list, sizeof list);
        fail(p, name, AG_EPARSE, "unknown function '%.*s'; the functions are: %s",
             (int)(name->len > 64 ? 64 : name->len), p->src + name->off, list);
        return bad_val;
    }
    const char *fname = ax_builtin_name(fn);
    int max = ax_builtin_max_args(fn), n = 0;
    ax_val args[2];
    next(p); /* the '(' */
    if (is_punct(&p->tok, ')')) {
        next(p);
    } else {
        for (;;) {
            ax_token at = p->tok;
            ax_val v = parse_expr(p, 1);
            if (p->failed)
                return bad_val;
            if (ax_builtin_arg_const(fn, n) && !v.is_const) {
                fail(p, &at, AG_EPARSE, "argument %d of %s must be a number: %s", n + 1, fname,
                     ax_builtin_usage(fn));
                return bad_val;
            }
            args[n++] = v;
            if (is_punct(&p->tok, ')')) {
                next(p);
                break;
            }
            char found[64];
            ax_tok_describe(p->src, &p->tok, found, sizeof found);
            if (is_punct(&p->tok, ',') && n == max)
                fail(p, &p->tok, AG_EPARSE, "%s takes %d argument%s: %s", fname, max,
                     max == 1 ? "" : "s", ax_builtin_usage(fn));
            else if (!is_punct(&p->tok, ',') && n == max)
                fail(p, &p->tok, AG_EPARSE, "expected ')' after the arguments of %s", fname);
            else if (!is_punct(&p->tok, ','))
                fail(p, &p->tok, AG_EPARSE, "expected ',' or ')' after argument %d of %s, found %s", n,
                     fname, found);
            if (p->failed)
                return bad_val;
            next(p); /* the ',' */
        }
    }
    if (p->failed)
        return bad_val;
    if (n < ax_builtin_min_args(fn)) {
        fail(p, name, AG_EPARSE, "%s needs %d argument%s, given %d: %s", fname, ax_builtin_min_args(fn),
             ax_builtin_min_args(fn) == 1 ? "" : "s", n, ax_builtin_usage(fn));
        return bad_val;
    }
    stamp(p, name);
    return node_val(p, ax_builtin_apply(p->t, fn, args, n), name);
}

static ax_val parse_name(parser *p)
{
    ax_token name = p->tok;
    next(p);
    if (p->failed)
        return bad_val;
    if (is_punct(&p->tok, '('))
        return parse_call(p, &name);
    const char *s = p->src + name.off;
    int shown = (int)(name.len > 64 ? 64 : name.len);
    ax_sym *sym = ax_sym_find(&p->syms, s, name.len);
    if (sym)
        return ax_sym_use(sym);
    if (ax_builtin_find(s, name.len))
        fail(p, &name, AG_EPARSE, "'%.*s' is a function: call it, as in %s", shown, s,
             ax_builtin_usage(ax_builtin_find(s, name.len)));
    else
        fail(p, &name, AG_ENOTFOUND,
             "unknown name '%.*s': give it as an input (%.*s=VALUE) or assign it first (%.*s = ...;)",
             shown, s, shown, s, shown, s);
    return bad_val;
}

static ax_val parse_primary(parser *p)
{
    ax_token at = p->tok;
    if (at.kind == AX_T_NUM) {
        next(p);
        return (ax_val){true, at.num, AG_NULL};
    }
    if (at.kind == AX_T_NAME)
        return parse_name(p);
    if (is_punct(&at, '(')) {
        next(p);
        ax_val v = parse_expr(p, 1);
        if (p->failed)
            return bad_val;
        if (!is_punct(&p->tok, ')')) {
            char found[64];
            fail(p, &p->tok, AG_EPARSE, "expected ')' to close the '(' at column %d, found %s", at.col,
                 ax_tok_describe(p->src, &p->tok, found, sizeof found));
            return bad_val;
        }
        next(p);
        return v;
    }
    char found[64];
    ax_tok_describe(p->src, &at, found, sizeof found);
    if (p->consumed > 0 && p->prev.kind == AX_T_PUNCT && p->prev.ch != ')')
        fail(p, &at, AG_EPARSE, "expected an expression after '%c', found %s", p->prev.ch, found);
    else
        fail(p, &at, AG_EPARSE, "expected an expression, found %s", found);
    return bad_val;
}

static ax_val parse_unary(parser *p)
{
    if (!is_punct(&p->tok, '-') && !is_punct(&p->tok, '+'))
        return parse_primary(p);
    ax_token op = p->tok;
    next(p);
    ax_val v = parse_expr(p, PREC_POW);
    if (p->failed || op.ch == '+')
        return v;
    if (v.is_const)
        return (ax_val){true, -v.c, AG_NULL};
    stamp(p, &op);
    return node_val(p, ag_neg(p->t, v.node), &op);
}

static int binary_prec(const ax_token *tk)
{
    if (tk->kind != AX_T_PUNCT)
        return 0;
    switch (tk->ch) {
    case '+': case '-': return 1;
    case '*': case '/': return 2;
    case '^': return PREC_POW;
    default: return 0;
    }
}

static ax_val apply_binary(parser *p, const ax_token *op, ax_val a, ax_val b)
{
    stamp(p, op);
    if (op->ch == '^')
        return node_val(p, ax_power(p->t, a, b), op);
    /* record the operands in source order */
    ag_node x = ax_val_node(p->t, a);
    ag_node y = ax_val_node(p->t, b);
    ag_node r = AG_NULL;
    switch (op->ch) {
    case '+': r = ag_add(p->t, x, y); break;
    case '-': r = ag_sub(p->t, x, y); break;
    case '*': r = ag_mul(p->t, x, y); break;
    case '/': r = ag_div(p->t, x, y); break;
    default: break;
    }
    return node_val(p, r, op);
}

static ax_val parse_expr(parser *p, int min_prec)
{
    if (p->failed)
        return bad_val;
    if (++p->depth > p->max_depth) {
        fail(p, &p->tok, AG_EPARSE, "the expression nests more than %d levels deep", p->max_depth);
        return bad_val;
    }
    ax_val lhs = parse_unary(p);
    for (;;) {
        int prec = binary_prec(&p->tok);
        if (p->failed || prec == 0 || prec < min_prec)
            break;
        ax_token op = p->tok;
        next(p);
        ax_val rhs = parse_expr(p, op.ch == '^' ? PREC_POW : prec + 1);
        if (p->failed)
            break;
        lhs = apply_binary(p, &op, lhs, rhs);
    }
    p->depth--;
    return p->failed ? bad_val : lhs;
}

/* name = expr */
static ax_val parse_assignment(parser *p)
{
    ax_token name = p->tok;
    const char *s = p->src + name.off;
    int shown = (int)(name.len > 64 ? 64 : name.len);
    if (name.len > AG_NAME_MAX) {
        fail(p, &name, AG_ENAME, "a name has at most %d characters", AG_NAME_MAX);
        return bad_val;
    }
    if (ax_builtin_find(s, name.len)) {
        fail(p, &name, AG_ENAME, "'%.*s' is a function and cannot be assigned", shown, s);
        return bad_val;
    }
    ax_sym *old = ax_sym_find(&p->syms, s, name.len);
    if (old && ax_sym_kind_of(old) == AX_SYM_INPUT) {
        fail(p, &name, AG_ENAME, "cannot assign to the input '%.*s' (its value is given as %.*s=VALUE)",
             shown, s, shown, s);
        return bad_val;
    }
    if (old) {
        int line, col;
        ax_sym_where(old, &line, &col);
        fail(p, &name, AG_ENAME, "'%.*s' is already assigned at line %d, column %d: use a new name",
             shown, s, line, col);
        return bad_val;
    }
    next(p);
    next(p); /* the '=' */
    ax_val v = parse_expr(p, 1);
    if (p->failed)
        return bad_val;
    char buf[AG_NAME_MAX + 1];
    memcpy(buf, s, name.len);
    buf[name.len] = '\0';
    /* a node keeps its first name: b = a; leaves a's node called a */
    if (!v.is_const && !p->no_names && !ag_name_of(p->t, v.node) &&
        ag_name_set(p->t, v.node, buf) != AG_OK) {
        fail_tape(p, &name);
        return bad_val;
    }
    if (ax_sym_add(&p->syms, s, name.len, AX_SYM_ASSIGNED, v, name.line, name.col, NULL) != AG_OK)
        fail(p, &name, AG_ENOMEM, "out of memory adding the name '%.*s'", shown, s);
    return v;
}

static void check_unused(parser *p)
{
    char msg[sizeof p->err->message];
    size_t w = 0, count = 0;
    for (ax_sym *s = ax_sym_first(&p->syms); s; s = ax_sym_next(s)) {
        if (ax_sym_kind_of(s) != AX_SYM_INPUT || ax_sym_used(s))
            continue;
        int m = snprintf(msg + w, sizeof msg - w, "%s'%s'", count ? ", " : "", ax_sym_name(s));
        if (m > 0 && (size_t)m < sizeof msg - w)
            w += (size_t)m;
        count++;
    }
    if (count)
        fail(p, NULL, AG_EINVAL, "input%s %s %s given but not used in the expression", count > 1 ? "s" : "",
             msg, count > 1 ? "are" : "is");
}

static ax_val parse_program(parser *p)
{
    ax_val last = bad_val;
    bool have = false;
    next(p);
    while (!p->failed && p->tok.kind != AX_T_END) {
        if (p->tok.kind == AX_T_NAME) {
            ax_lexer look = p->lx;
            ax_token after = ax_lex_next(&look);
            last = is_punct(&after, '=') ? parse_assignment(p) : parse_expr(p, 1);
        } else {
            last = parse_expr(p, 1);
        }
        have = true;
        if (p->failed)
            break;
        if (is_punct(&p->tok, ';')) {
            next(p);
            continue;
        }
        if (p->tok.kind == AX_T_END)
            break;
        char found[64];
        ax_tok_describe(p->src, &p->tok, found, sizeof found);
        if (is_punct(&p->tok, '='))
            fail(p, &p->tok, AG_EPARSE, "'=' must follow a name at the start of a statement (name = expr;)");
        else
            fail(p, &p->tok, AG_EPARSE, "expected an operator or ';' after the expression, found %s", found);
    }
    if (!p->failed && !have)
        fail(p, &p->tok, AG_EPARSE, "the expression is empty");
    return last;
}

static bool add_inputs(parser *p, const ax_input *inputs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *name = inputs[i].name ? inputs[i].name : "";
        size_t len = strlen(name);
        if (!ax_name_ok(name, len)) {
            fail(p, NULL, AG_ENAME, "the input name '%.64s' is not a name (letters, digits, '_'; not a function)",
                 name);
            return false;
        }
        if (ax_sym_find(&p->syms, name, len)) {
            fail(p, NULL, AG_ENAME, "the input '%s' is given twice", name);
            return false;
        }
        ax_val v = {false, 0.0, inputs[i].node};
        if (ax_sym_add(&p->syms, name, len, AX_SYM_INPUT, v, 0, 0, NULL) != AG_OK) {
            fail(p, NULL, AG_ENOMEM, "out of memory adding the input '%s'", name);
            return false;
        }
    }
    return true;
}

ag_status ax_parse(ag_tape *t, const char *src, size_t len, const ax_input *inputs,
                   size_t n_inputs, const ax_options *opts, ag_node *out, ax_error *err)
{
    ax_error scratch = {0};
    parser p = {.t = t, .src = src ? src : "", .err = err ? err : &scratch};
    memset(p.err, 0, sizeof *p.err);
    p.max_depth = opts && opts->max_depth > 0 && opts->max_depth < AX_MAX_DEPTH ? opts->max_depth : AX_MAX_DEPTH;
    p.no_names = opts && opts->no_names;
    *out = AG_NULL;
    if (!t) {
        fail(&p, NULL, AG_ENULL, "ax_parse: no tape");
        return p.err->status;
    }
    ax_lex_init(&p.lx, p.src, src ? len : 0);
    if (add_inputs(&p, inputs, n_inputs)) {
        ax_val v = parse_program(&p);
        if (!p.failed && v.is_const) {
            ax_token at = p.consumed ? p.prev : p.tok;
            stamp(&p, &at);
            v = node_val(&p, ag_const(t, v.c), &at);
        }
        if (!p.failed && !(opts && opts->allow_unused))
            check_unused(&p);
        if (!p.failed)
            *out = v.node;
    }
    ax_sym_free(&p.syms);
    return p.failed ? p.err->status : AG_OK;
}

bool ax_name_ok(const char *name, size_t len)
{
    if (len == 0 || len > AG_NAME_MAX || ax_builtin_find(name, len))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
        if (!alpha && !(i > 0 && c >= '0' && c <= '9'))
            return false;
    }
    return true;
}

/* The origin labels are lang's (one table for both languages). */
const char *ax_origin_label(int line) { return lg_origin_label(line); }
int ax_origin_line(const char *label) { return lg_origin_line(label); }
