/*
 * stmt.c: the statements of the derivation language: name = expr (an
 * input when expr is a literal), NAME: SHAPE [= literal], data / vary
 * declarations, claim dF/dX = expr (with optional indices), and bare
 * expressions. Errors as in parse.c: the first one stays, with its place.
 */
#include "parse.h"
#include "builtins.h"

#include <math.h>
#include <string.h>

static stmt *new_stmt(parser *ps, st_kind kind, const lx_token *at)
{
    lg_prog *p = ps->p;
    if (!lg__grow((void **)&p->st, &p->cap_st, p->n_st + 1, sizeof *p->st)) {
        lg__pfail(ps, at, AG_ENOMEM, "out of memory");
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
    if (ps->tok.kind == LX_NUM && ps->tok.num > (double)LG_MAX_ENTRIES) {
        lg__pfail(ps, &ps->tok, AG_ERANGE, "a size above %zu entries", LG_MAX_ENTRIES);
        return 0;
    }
    if (ps->tok.kind != LX_NUM || ps->tok.num < 1 || ps->tok.num != floor(ps->tok.num)) {
        lg__pfail(ps, &ps->tok, LG_EPARSE, "expected a size (a whole number >= 1), as in W: 3x2");
        return 0;
    }
    size_t d = (size_t)ps->tok.num;
    lg__pnext(ps);
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
        for (size_t k = 1; k < ps->tok.len; k++) {
            char c = ps->p->src[ps->tok.off + k];
            d = c >= '0' && c <= '9' ? d * 10 + (c - '0') : -1e300;
        }
        if (d < 1 || d > (double)LG_MAX_ENTRIES) {
            lg__pfail(ps, &ps->tok, AG_ERANGE, "a size must be from 1 to %zu", LG_MAX_ENTRIES);
            return;
        }
        s->cols = (size_t)d;
        s->ndim = 2;
        lg__pnext(ps);
    } else if (lg__pis_name(ps, &ps->tok, "x") || lg__pis_op(&ps->tok, '*')) {
        lg__pnext(ps);
        s->cols = parse_dim(ps);
        s->ndim = 2;
    }
    if (!ps->failed && (double)s->rows * (double)s->cols > (double)LG_MAX_ENTRIES)
        lg__pfail(ps, &at, AG_ERANGE, "%s is %zux%zu = %.0f entries; the limit is %zu entries a value", s->name,
             s->rows, s->cols, (double)s->rows * (double)s->cols, LG_MAX_ENTRIES);
    if (!ps->failed && lg__pis_op(&ps->tok, '=')) {
        lg__pnext(ps);
        s->expr = lg__pexpr(ps, 1);
    }
}

/* d NAME [ '[' idx ']' ]: the two halves of dF/dX; *col the name's column */
static const char *parse_d(parser *ps, int *idx, int *n_idx, int *col)
{
    lx_token at = ps->tok;
    const char *name = NULL;
    if (lg__pis_op(&at, LX_PARTIAL) || lg__pis_name(ps, &at, "d")) {
        lg__pnext(ps);
        if (ps->tok.kind != LX_NAME) {
            lg__pfail(ps, &ps->tok, LG_EPARSE, "expected a name after d, as in claim dL/dz = ...");
            return NULL;
        }
        name = lg__ptok_str(ps, &ps->tok);
        *col = ps->tok.col;
    } else if (at.kind == LX_NAME && ps->p->src[at.off] == 'd' && at.len > 1) {
        name = lg__str(ps->p, ps->p->src + at.off + 1, at.len - 1);
        *col = at.col + 1; /* after the d */
    } else {
        lg__pfail(ps, &at, LG_EPARSE, "a claim starts with dF/dX, as in claim dL/dW = outer(d, a)");
        return NULL;
    }
    lg__pnext(ps);
    *n_idx = 0;
    if (!ps->failed && lg__pis_op(&ps->tok, '[')) {
        lg__pnext(ps);
        int k0 = 0, nk = 0;
        lg__plist(ps, ']', &k0, &nk, false, NULL);
        if (!ps->failed && (nk < 1 || nk > 2))
            lg__pfail(ps, &at, LG_EPARSE, "an entry has one index (x[i]) or two (W[i, j])");
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
    int of_idx[2], wrt_idx[2], n_of = 0, n_wrt = 0, of_col = 0, wrt_col = 0; /* parse_d sets both */
    const char *of = parse_d(ps, of_idx, &n_of, &of_col);
    if (!ps->failed && !lg__pis_op(&ps->tok, '/'))
        lg__pfail(ps, &ps->tok, LG_EPARSE, "expected '/' in the claim dF/dX");
    lg__pnext(ps);
    const char *wrt = ps->failed ? NULL : parse_d(ps, wrt_idx, &n_wrt, &wrt_col);
    /* d2L/dw2 or d2L/dw^2: a derivative of order 2..9 */
    int order = 1;
    if (!ps->failed && of[0] >= '2' && of[0] <= '9' && of[1]) {
        order = of[0] - '0';
        of = lg__str(ps->p, of + 1, strlen(of + 1));
        of_col++; /* past the order's digit */
        size_t wl = strlen(wrt);
        if (wl > 1 && wrt[wl - 1] == '0' + order)
            wrt = lg__str(ps->p, wrt, wl - 1);
        else if (lg__pis_op(&ps->tok, '^')) {
            lg__pnext(ps);
            if (ps->tok.kind != LX_NUM || ps->tok.num != order)
                lg__pfail(ps, &ps->tok, LG_EPARSE, "d%d%s/d%s^%d: the powers must match", order, of, wrt, order);
            lg__pnext(ps);
        } else
            lg__pfail(ps, &ps->tok, LG_EPARSE, "a derivative of order %d is written d%d%s/d%s%d (or d%s^%d)", order,
                      order, of, wrt, order, wrt, order);
    }
    if (!ps->failed && !lg__pis_op(&ps->tok, '='))
        lg__pfail(ps, &ps->tok, LG_EPARSE, "expected '=' after the claim's dF/dX");
    lg__pnext(ps);
    int e = ps->failed ? -1 : lg__pexpr(ps, 1);
    if (ps->failed)
        return;
    s = &ps->p->st[si];
    s->of = of;
    s->wrt = wrt;
    s->of_col = of_col;
    s->wrt_col = wrt_col;
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

void lg__pstatement(parser *ps)
{
    lx_token at = ps->tok;
    lx_lexer look = ps->lx;
    lx_token after = lx_next(&look);
    in_role role = IN_AUTO;
    if ((lg__pis_name(ps, &at, "data") || lg__pis_name(ps, &at, "vary")) && after.kind == LX_NAME) {
        role = lg__pis_name(ps, &at, "data") ? IN_DATA : IN_VARY;
        lg__pnext(ps);
        at = ps->tok;
        look = ps->lx;
        after = lx_next(&look);
    } else if (lg__pis_name(ps, &at, "claim") && !lg__pis_op(&after, '=')) {
        lg__pnext(ps);
        parse_claim(ps, &at, at.off);
        return;
    }
    bool named = at.kind == LX_NAME && (lg__pis_op(&after, '=') || lg__pis_op(&after, ':'));
    if (role != IN_AUTO && !named) {
        lg__pfail(ps, &at, LG_EPARSE, "expected NAME = VALUE or NAME: SHAPE after '%s'",
             role == IN_DATA ? "data" : "vary");
        return;
    }
    if (!named) {
        stmt *s = new_stmt(ps, ST_EXPR, &at);
        int e = s ? lg__pexpr(ps, 1) : -1;
        if (!ps->failed)
            ps->p->st[ps->p->n_st - 1].expr = e;
        return;
    }
    /* d stays free as a name (d = a - y, the notes' delta): d(f, x) is a
     * call, which a name cannot be confused with */
    if (lg_builtin_find(ps->p->src + at.off, at.len, NULL) && !(at.len == 1 && ps->p->src[at.off] == 'd')) {
        lg__pfail(ps, &at, AG_ENAME, "'%.*s' is a function and cannot be assigned", (int)at.len, ps->p->src + at.off);
        return;
    }
    const char *name = lg__ptok_str(ps, &at);
    lg__pnext(ps);
    bool shaped = lg__pis_op(&ps->tok, ':');
    lg__pnext(ps);
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
            lg__pfail(ps, &at, LG_EPARSE, "the value of an input declared with a shape must be a literal");
        return;
    }
    int e = lg__pexpr(ps, 1);
    if (ps->failed)
        return;
    s = &ps->p->st[si];
    s->expr = e;
    if (is_literal(ps->p, e))
        s->kind = ST_INPUT;
    else if (role != IN_AUTO)
        lg__pfail(ps, &at, LG_EPARSE, "'%s' is given a formula: only inputs (a literal value or a shape) can be %s",
             name, role == IN_DATA ? "data" : "varied");
}

