/*
 * parse.c: derivation text -> statements and expression nodes (ast.h).
 *
 * Invariants: p->tok is the next unconsumed token, p->prev the last
 * consumed one; after the first error every function returns at once and
 * the first error stays; p->depth bounds the recursion by LG_MAX_DEPTH
 * whatever the input. Newlines and ';' end statements; inside ( and [ the
 * lexer turns newlines into spaces.
 *
 * Binding, loosest first: comparisons (< <= > >= == !=), + -, * / @, unary
 * minus, ^ and ** (right-associative, so -x^2 = -(x^2) and 2^3^2 = 2^9),
 * then postfix: indexing a[i, j], transpose a.T, a', aᵀ (and a^T).
 */
#include "ast.h"
#include "lex.h"
#include "builtins.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct parser {
    lg_prog *p;
    lx_lexer lx;
    lx_token tok, prev;
    lg_error *err;
    int depth;
    bool failed, started;
} parser;

static void fail(parser *ps, const lx_token *at, ag_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void fail(parser *ps, const lx_token *at, ag_status s, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = true;
    if (at && (at->kind == LX_END || at->kind == LX_NEWLINE) && ps->started && ps->prev.len)
        at = &ps->prev;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap);
    va_end(ap);
    ps->err->status = s;
    ps->err->line = at ? at->line : 0;
    ps->err->column = at ? at->col : 0;
    ps->err->offset = at ? at->off : 0;
}

static void next(parser *ps)
{
    if (ps->started)
        ps->prev = ps->tok;
    ps->started = true;
    ps->tok = lx_next(&ps->lx);
    if (ps->tok.kind == LX_BAD) {
        char what[64];
        bool unexp = strcmp(ps->tok.bad, "unexpected character") == 0;
        fail(ps, &ps->tok, AG_EPARSE, "%s%s%s", ps->tok.bad, unexp ? " " : "",
             unexp ? lx_describe(ps->p->src, &ps->tok, what, sizeof what) : "");
    }
}

static bool is_op(const lx_token *t, char c) { return t->kind == LX_OP && t->op == c; }
static bool is_name(const parser *ps, const lx_token *t, const char *s)
{
    size_t n;
    const char *nm = t->kind == LX_NAME ? lx_name(ps->p->src, t, &n) : NULL;
    return nm && n == strlen(s) && memcmp(nm, s, n) == 0;
}

/* ---- arena ---- */

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    void *q = ag_realloc(*arr, c * elem);
    if (!q)
        return false;
    *arr = q;
    *cap = c;
    return true;
}

int lg__ex_new(lg_prog *p, ex_kind kind, int line, int col)
{
    if (!grow((void **)&p->ex, &p->cap_ex, p->n_ex + 1, sizeof *p->ex))
        return -1;
    ex_node *e = &p->ex[p->n_ex];
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->a = e->b = -1;
    e->line = line;
    e->col = col;
    return (int)p->n_ex++;
}

const char *lg__str(lg_prog *p, const char *s, size_t len)
{
    if (!grow((void **)&p->strs, &p->cap_strs, p->n_strs + 1, sizeof *p->strs))
        return NULL;
    char *c = ag_realloc(NULL, len + 1);
    if (!c)
        return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    p->strs[p->n_strs++] = c;
    return c;
}

static int new_ex(parser *ps, ex_kind kind, const lx_token *at)
{
    int i = lg__ex_new(ps->p, kind, at->line, at->col);
    if (i < 0)
        fail(ps, at, AG_ENOMEM, "out of memory");
    return i;
}

static const char *tok_str(parser *ps, const lx_token *t)
{
    size_t n;
    const char *s = lx_name(ps->p->src, t, &n);
    const char *c = lg__str(ps->p, s, n);
    if (!c)
        fail(ps, t, AG_ENOMEM, "out of memory");
    return c;
}

/* ---- expressions ---- */

static int parse_expr(parser *ps, int min_prec);

/* Comma-separated expressions up to `close`; stored as a run of kids. */
static void parse_list(parser *ps, char close, int *kid0, int *nkid, bool allow_all)
{
    int tmp[64];
    int n = 0, cap = 64;
    int *items = tmp;
    int *heap = NULL;
    if (!is_op(&ps->tok, close)) {
        for (;;) {
            int e;
            if (allow_all && is_op(&ps->tok, ':')) {
                e = new_ex(ps, EX_ALL, &ps->tok);
                next(ps);
            } else {
                e = parse_expr(ps, 1);
            }
            if (ps->failed)
                break;
            if (n == cap) {
                int *q = ag_realloc(heap, (size_t)cap * 2 * sizeof *q);
                if (!q) {
                    fail(ps, &ps->tok, AG_ENOMEM, "out of memory");
                    break;
                }
                if (!heap)
                    memcpy(q, tmp, sizeof tmp);
                heap = items = q;
                cap *= 2;
            }
            items[n++] = e;
            if (!is_op(&ps->tok, ','))
                break;
            next(ps);
        }
    }
    if (!ps->failed && !is_op(&ps->tok, close)) {
        char found[64];
        fail(ps, &ps->tok, AG_EPARSE, "expected ',' or '%c', found %s", close,
             lx_describe(ps->p->src, &ps->tok, found, sizeof found));
    }
    lg_prog *p = ps->p;
    if (!ps->failed && !grow((void **)&p->kids, &p->cap_kids, p->n_kids + (size_t)n, sizeof *p->kids))
        fail(ps, &ps->tok, AG_ENOMEM, "out of memory");
    if (!ps->failed) {
        *kid0 = (int)p->n_kids;
        *nkid = n;
        memcpy(p->kids + p->n_kids, items, (size_t)n * sizeof *items);
        p->n_kids += (size_t)n;
        next(ps); /* the closing bracket */
    }
    ag_free(heap);
}

static int parse_primary(parser *ps)
{
    lx_token at = ps->tok;
    if (at.kind == LX_NUM) {
        int e = new_ex(ps, EX_NUM, &at);
        if (e >= 0)
            ps->p->ex[e].num = at.num;
        next(ps);
        return e;
    }
    if (at.kind == LX_NAME) {
        const char *name = tok_str(ps, &at);
        next(ps);
        if (ps->failed)
            return -1;
        if (is_op(&ps->tok, '(')) {
            int e = new_ex(ps, EX_CALL, &at);
            next(ps);
            int k0 = 0, nk = 0;
            parse_list(ps, ')', &k0, &nk, false);
            if (ps->failed)
                return -1;
            ps->p->ex[e].name = name;
            ps->p->ex[e].kid0 = k0;
            ps->p->ex[e].nkid = nk;
            return e;
        }
        int e = new_ex(ps, EX_NAME, &at);
        if (e >= 0)
            ps->p->ex[e].name = name;
        return e;
    }
    if (is_op(&at, '(')) {
        next(ps);
        int e = parse_expr(ps, 1);
        if (!ps->failed && !is_op(&ps->tok, ')')) {
            char found[64];
            fail(ps, &ps->tok, AG_EPARSE, "expected ')' to close the '(' at line %d, column %d, found %s", at.line,
                 at.col, lx_describe(ps->p->src, &ps->tok, found, sizeof found));
        }
        next(ps);
        return ps->failed ? -1 : e;
    }
    if (is_op(&at, '[')) {
        int e = new_ex(ps, EX_LIST, &at);
        next(ps);
        int k0 = 0, nk = 0;
        parse_list(ps, ']', &k0, &nk, false);
        if (ps->failed)
            return -1;
        if (nk == 0) {
            fail(ps, &at, AG_EPARSE, "an empty list []: a vector has at least one entry");
            return -1;
        }
        ps->p->ex[e].kid0 = k0;
        ps->p->ex[e].nkid = nk;
        return e;
    }
    char found[64];
    lx_describe(ps->p->src, &at, found, sizeof found);
    if (ps->prev.kind == LX_OP && ps->prev.op != ')' && ps->prev.op != ']')
        fail(ps, &at, AG_EPARSE, "expected an expression after '%c', found %s", ps->prev.op, found);
    else
        fail(ps, &at, AG_EPARSE, "expected an expression, found %s", found);
    return -1;
}

static int postfix(parser *ps, int e)
{
    while (!ps->failed) {
        lx_token at = ps->tok;
        if (is_op(&at, '[')) {
            next(ps);
            int k0 = 0, nk = 0;
            parse_list(ps, ']', &k0, &nk, true);
            int x = ps->failed ? -1 : new_ex(ps, EX_INDEX, &at);
            if (x < 0)
                return -1;
            ps->p->ex[x].a = e;
            ps->p->ex[x].kid0 = k0;
            ps->p->ex[x].nkid = nk;
            e = x;
        } else if (is_op(&at, '.') || is_op(&at, '\'') || is_op(&at, LX_TR)) {
            next(ps);
            if (is_op(&at, '.')) {
                if (!is_name(ps, &ps->tok, "T")) {
                    fail(ps, &at, AG_EPARSE, "after '.' only T (transpose) is known, as in W.T");
                    return -1;
                }
                next(ps);
            }
            int x = new_ex(ps, EX_TR, &at);
            if (x < 0)
                return -1;
            ps->p->ex[x].a = e;
            e = x;
        } else {
            return e;
        }
    }
    return -1;
}

static int parse_unary(parser *ps)
{
    lx_token op = ps->tok;
    if (is_op(&op, '-') || is_op(&op, '+')) {
        next(ps);
        int v = parse_expr(ps, 5);
        if (ps->failed || op.op == '+')
            return v;
        int e = new_ex(ps, EX_NEG, &op);
        if (e >= 0)
            ps->p->ex[e].a = v;
        return e;
    }
    return postfix(ps, parse_primary(ps));
}

static int binary_prec(const lx_token *t)
{
    if (t->kind != LX_OP)
        return 0;
    switch (t->op) {
    case '<': case '>': case LX_LE: case LX_GE: case LX_EQ: case LX_NE: return 1;
    case '+': case '-': return 2;
    case '*': case '/': case '@': return 3;
    case '^': case LX_POW2: return 5;
    default: return 0;
    }
}

static int parse_expr(parser *ps, int min_prec)
{
    if (ps->failed)
        return -1;
    if (++ps->depth > LG_MAX_DEPTH) {
        fail(ps, &ps->tok, AG_ERANGE, "the expression nests more than %d levels deep", LG_MAX_DEPTH);
        return -1;
    }
    int lhs = parse_unary(ps);
    for (;;) {
        int prec = binary_prec(&ps->tok);
        if (ps->failed || prec == 0 || prec < min_prec)
            break;
        lx_token op = ps->tok;
        next(ps);
        if (op.op == '^' && is_name(ps, &ps->tok, "T")) { /* a^T */
            next(ps);
            int x = new_ex(ps, EX_TR, &op);
            if (x >= 0)
                ps->p->ex[x].a = lhs;
            lhs = x;
            continue;
        }
        int rhs = parse_expr(ps, prec == 5 ? 5 : prec + 1);
        if (ps->failed)
            break;
        int x = new_ex(ps, EX_BIN, &op);
        if (x < 0)
            break;
        ex_node *n = &ps->p->ex[x];
        n->op = op.op == LX_POW2 ? '^' : op.op;
        n->a = lhs;
        n->b = rhs;
        lhs = x;
    }
    ps->depth--;
    return ps->failed ? -1 : lhs;
}

/* ---- statements ---- */

static stmt *new_stmt(parser *ps, st_kind kind, const lx_token *at)
{
    lg_prog *p = ps->p;
    if (!grow((void **)&p->st, &p->cap_st, p->n_st + 1, sizeof *p->st)) {
        fail(ps, at, AG_ENOMEM, "out of memory");
        return NULL;
    }
    stmt *s = &p->st[p->n_st++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->expr = -1;
    s->data_set = -1;
    s->line = at->line;
    s->col = at->col;
    return s;
}

/* A literal: numbers, negated numbers and lists of literals. */
static bool is_literal(const lg_prog *p, int e)
{
    const ex_node *n = &p->ex[e];
    if (n->kind == EX_NUM)
        return true;
    if (n->kind == EX_NEG)
        return is_literal(p, n->a);
    if (n->kind == EX_LIST) {
        for (int k = 0; k < n->nkid; k++)
            if (!is_literal(p, p->kids[n->kid0 + k]))
                return false;
        return true;
    }
    return false;
}

static size_t parse_dim(parser *ps)
{
    if (ps->tok.kind != LX_NUM || ps->tok.num < 1 || ps->tok.num != (double)(size_t)ps->tok.num) {
        fail(ps, &ps->tok, AG_EPARSE, "expected a size (a whole number >= 1), as in W: 3x2");
        return 0;
    }
    if (ps->tok.num > (double)LG_MAX_ENTRIES) {
        fail(ps, &ps->tok, AG_ERANGE, "a size above %zu entries", LG_MAX_ENTRIES);
        return 0;
    }
    size_t d = (size_t)ps->tok.num;
    next(ps);
    return d;
}

/* NAME ':' shape [ '=' literal ] */
static void parse_shape(parser *ps, stmt *s)
{
    lx_token at = ps->tok;
    s->ndim = 1;
    s->rows = parse_dim(ps);
    s->cols = 1;
    if (ps->failed)
        return;
    if (ps->tok.kind == LX_NAME && ps->p->src[ps->tok.off] == 'x' && ps->tok.len > 1) { /* 3x2 */
        double d = 0;
        for (size_t k = 1; k < ps->tok.len; k++)
            d = d * 10 + (ps->p->src[ps->tok.off + k] - '0');
        if (d < 1 || d > (double)LG_MAX_ENTRIES) {
            fail(ps, &ps->tok, AG_ERANGE, "a size must be from 1 to %zu", LG_MAX_ENTRIES);
            return;
        }
        s->cols = (size_t)d;
        s->ndim = 2;
        next(ps);
    } else if (is_name(ps, &ps->tok, "x") || is_op(&ps->tok, '*')) {
        next(ps);
        s->cols = parse_dim(ps);
        s->ndim = 2;
    }
    if (!ps->failed && (double)s->rows * (double)s->cols > (double)LG_MAX_ENTRIES)
        fail(ps, &at, AG_ERANGE, "%s is %zux%zu = %.0f entries; the limit is %zu entries a value", s->name,
             s->rows, s->cols, (double)s->rows * (double)s->cols, LG_MAX_ENTRIES);
    if (!ps->failed && is_op(&ps->tok, '=')) {
        next(ps);
        s->expr = parse_expr(ps, 1);
    }
}

/* d NAME [ '[' idx ']' ]: the two halves of dF/dX */
static const char *parse_d(parser *ps, int *idx, int *n_idx)
{
    lx_token at = ps->tok;
    const char *name = NULL;
    if (is_op(&at, LX_PARTIAL) || is_name(ps, &at, "d")) {
        next(ps);
        if (ps->tok.kind != LX_NAME) {
            fail(ps, &ps->tok, AG_EPARSE, "expected a name after d, as in claim dL/dz = ...");
            return NULL;
        }
        name = tok_str(ps, &ps->tok);
    } else if (at.kind == LX_NAME && ps->p->src[at.off] == 'd' && at.len > 1) {
        name = lg__str(ps->p, ps->p->src + at.off + 1, at.len - 1);
    } else {
        fail(ps, &at, AG_EPARSE, "a claim starts with dF/dX, as in claim dL/dW = outer(d, a)");
        return NULL;
    }
    next(ps);
    *n_idx = 0;
    if (!ps->failed && is_op(&ps->tok, '[')) {
        next(ps);
        int k0 = 0, nk = 0;
        parse_list(ps, ']', &k0, &nk, false);
        if (!ps->failed && (nk < 1 || nk > 2))
            fail(ps, &at, AG_EPARSE, "an entry has one index (x[i]) or two (W[i, j])");
        for (int k = 0; !ps->failed && k < nk; k++)
            idx[k] = ps->p->kids[k0 + k];
        *n_idx = nk;
    }
    return name;
}

static void parse_claim(parser *ps, const lx_token *kw, size_t line_start)
{
    stmt *s = new_stmt(ps, ST_CLAIM, kw);
    if (!s)
        return;
    size_t si = (size_t)(s - ps->p->st);
    int of_idx[2], wrt_idx[2], n_of = 0, n_wrt = 0;
    const char *of = parse_d(ps, of_idx, &n_of);
    if (!ps->failed && !is_op(&ps->tok, '/'))
        fail(ps, &ps->tok, AG_EPARSE, "expected '/' in the claim dF/dX");
    next(ps);
    const char *wrt = ps->failed ? NULL : parse_d(ps, wrt_idx, &n_wrt);
    /* d2L/dw2 or d2L/dw^2: a derivative of order 2..9 */
    int order = 1;
    if (!ps->failed && of[0] >= '2' && of[0] <= '9' && of[1]) {
        order = of[0] - '0';
        of = lg__str(ps->p, of + 1, strlen(of + 1));
        size_t wl = strlen(wrt);
        if (wl > 1 && wrt[wl - 1] == '0' + order)
            wrt = lg__str(ps->p, wrt, wl - 1);
        else if (is_op(&ps->tok, '^')) {
            next(ps);
            if (ps->tok.kind != LX_NUM || ps->tok.num != order)
                fail(ps, &ps->tok, AG_EPARSE, "d%d%s/d%s^%d: the powers must match", order, of, wrt, order);
            next(ps);
        } else
            fail(ps, &ps->tok, AG_EPARSE, "a derivative of order %d is written d%d%s/d%s%d (or d%s^%d)", order, order,
                 of, wrt, order, wrt, order);
    }
    if (!ps->failed && !is_op(&ps->tok, '='))
        fail(ps, &ps->tok, AG_EPARSE, "expected '=' after the claim's dF/dX");
    next(ps);
    int e = ps->failed ? -1 : parse_expr(ps, 1);
    if (ps->failed)
        return;
    s = &ps->p->st[si];
    s->of = of;
    s->wrt = wrt;
    memcpy(s->of_idx, of_idx, sizeof of_idx);
    memcpy(s->wrt_idx, wrt_idx, sizeof wrt_idx);
    s->n_of_idx = n_of;
    s->n_wrt_idx = n_wrt;
    s->order = order;
    s->expr = e;
    size_t end = ps->tok.off > line_start ? ps->tok.off : line_start;
    while (end > line_start && (ps->p->src[end - 1] == ' ' || ps->p->src[end - 1] == '\n'))
        end--;
    s->text = lg__str(ps->p, ps->p->src + line_start, end - line_start);
}

static void parse_statement(parser *ps)
{
    lx_token at = ps->tok;
    lx_lexer look = ps->lx;
    lx_token after = lx_next(&look);
    in_role role = IN_AUTO;
    if ((is_name(ps, &at, "data") || is_name(ps, &at, "vary")) && after.kind == LX_NAME) {
        role = is_name(ps, &at, "data") ? IN_DATA : IN_VARY;
        next(ps);
        at = ps->tok;
        look = ps->lx;
        after = lx_next(&look);
    } else if (is_name(ps, &at, "claim") && !is_op(&after, '=')) {
        next(ps);
        parse_claim(ps, &at, at.off);
        return;
    }
    bool named = at.kind == LX_NAME && (is_op(&after, '=') || is_op(&after, ':'));
    if (role != IN_AUTO && !named) {
        fail(ps, &at, AG_EPARSE, "expected NAME = VALUE or NAME: SHAPE after '%s'",
             role == IN_DATA ? "data" : "vary");
        return;
    }
    if (!named) {
        stmt *s = new_stmt(ps, ST_EXPR, &at);
        int e = s ? parse_expr(ps, 1) : -1;
        if (!ps->failed)
            ps->p->st[ps->p->n_st - 1].expr = e;
        return;
    }
    /* d stays free as a name (d = a - y, the notes' delta): d(f, x) is a
     * call, which a name cannot be confused with */
    if (lg_builtin_find(ps->p->src + at.off, at.len) && !(at.len == 1 && ps->p->src[at.off] == 'd')) {
        fail(ps, &at, AG_ENAME, "'%.*s' is a function and cannot be assigned", (int)at.len, ps->p->src + at.off);
        return;
    }
    const char *name = tok_str(ps, &at);
    next(ps);
    bool shaped = is_op(&ps->tok, ':');
    next(ps);
    stmt *s = new_stmt(ps, ST_ASSIGN, &at);
    if (!s)
        return;
    size_t si = (size_t)(s - ps->p->st);
    s->name = name;
    s->role = role;
    if (shaped) {
        s->kind = ST_INPUT;
        stmt tmp = *s;
        parse_shape(ps, &tmp);
        ps->p->st[si] = tmp;
        if (!ps->failed && tmp.expr >= 0 && !is_literal(ps->p, tmp.expr))
            fail(ps, &at, AG_EPARSE, "the value of an input declared with a shape must be a literal");
        return;
    }
    int e = parse_expr(ps, 1);
    if (ps->failed)
        return;
    s = &ps->p->st[si];
    s->expr = e;
    if (is_literal(ps->p, e))
        s->kind = ST_INPUT;
    else if (role != IN_AUTO)
        fail(ps, &at, AG_EPARSE, "'%s' is given a formula: only inputs (a literal value or a shape) can be %s",
             name, role == IN_DATA ? "data" : "varied");
}

lg_prog *lg_parse(const char *src, size_t len, lg_error *err)
{
    lg_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    lg_prog *p = ag_realloc(NULL, sizeof *p);
    if (!p) {
        err->status = AG_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    memset(p, 0, sizeof *p);
    p->seed = 1;
    p->src = ag_realloc(NULL, len + 1);
    if (!p->src) {
        lg_prog_free(p);
        err->status = AG_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    if (len)
        memcpy(p->src, src, len);
    p->src[len] = '\0';
    p->len = len;
    parser ps = {.p = p, .err = err};
    lx_init(&ps.lx, p->src, len);
    next(&ps);
    while (!ps.failed && ps.tok.kind != LX_END) {
        if (ps.tok.kind == LX_NEWLINE || is_op(&ps.tok, ';')) {
            next(&ps);
            continue;
        }
        parse_statement(&ps);
        if (ps.failed)
            break;
        if (ps.tok.kind == LX_NEWLINE || is_op(&ps.tok, ';') || ps.tok.kind == LX_END)
            continue;
        char found[64];
        lx_describe(p->src, &ps.tok, found, sizeof found);
        if (is_op(&ps.tok, '='))
            fail(&ps, &ps.tok, AG_EPARSE, "'=' must follow a name at the start of a statement (name = expr)");
        else
            fail(&ps, &ps.tok, AG_EPARSE, "expected an operator or the end of the statement, found %s", found);
    }
    if (!ps.failed && p->n_st == 0)
        fail(&ps, &ps.tok, AG_EPARSE, "the program is empty");
    if (ps.failed) {
        lg_prog_free(p);
        return NULL;
    }
    return p;
}

void lg_prog_free(lg_prog *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_strs; i++)
        ag_free(p->strs[i]);
    for (size_t i = 0; p->st && i < p->n_st; i++)
        ag_free(p->st[i].ovr);
    ag_free(p->strs);
    ag_free(p->src);
    ag_free(p->ex);
    ag_free(p->kids);
    ag_free(p->st);
    ag_free(p);
}
