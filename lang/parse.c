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
#include "builtins.h"
#include "parse.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>


void lg__pfail(parser *ps, const lx_token *at, ag_status s, const char *fmt, ...)
{
    if (ps->failed)
        return;
    ps->failed = true;
    if (at && (at->kind == LX_END || at->kind == LX_NEWLINE) && ps->started && ps->prev.len)
        at = &ps->prev;
    va_list ap;
    va_start(ap, fmt);
    /* ap comes from va_start just above; the analyzer does not follow it */
    vsnprintf(ps->err->message, sizeof ps->err->message, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
    va_end(ap);
    ps->err->status = s;
    ps->err->line = at ? at->line : 0;
    ps->err->column = at ? at->col : 0;
}

void lg__pnext(parser *ps)
{
    if (ps->started)
        ps->prev = ps->tok;
    ps->started = true;
    ps->tok = lx_next(&ps->lx);
    if (ps->tok.kind == LX_BAD) {
        char what[64];
        bool unexp = strcmp(ps->tok.bad, "unexpected character") == 0;
        lg__pfail(ps, &ps->tok, LG_EPARSE, "%s%s%s", ps->tok.bad, unexp ? " " : "",
             unexp ? lx_describe(ps->p->src, &ps->tok, what, sizeof what) : "");
    }
}

bool lg__pis_op(const lx_token *t, char c) { return t->kind == LX_OP && t->op == c; }
bool lg__pis_name(const parser *ps, const lx_token *t, const char *s)
{
    size_t n;
    const char *nm = t->kind == LX_NAME ? lx_name(ps->p->src, t, &n) : NULL;
    return nm && n == strlen(s) && memcmp(nm, s, n) == 0;
}

/* ---- arena ---- */

bool lg__grow(void **arr, size_t *cap, size_t need, size_t elem)
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
    if (!lg__grow((void **)&p->ex, &p->cap_ex, p->n_ex + 1, sizeof *p->ex))
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
    if (!lg__grow((void **)&p->strs, &p->cap_strs, p->n_strs + 1, sizeof *p->strs))
        return NULL;
    char *c = ag_realloc(NULL, len + 1);
    if (!c)
        return NULL;
    memcpy(c, s, len);
    c[len] = '\0';
    p->strs[p->n_strs++] = c;
    return c;
}

int lg__pnew_ex(parser *ps, ex_kind kind, const lx_token *at)
{
    int i = lg__ex_new(ps->p, kind, at->line, at->col);
    if (i < 0)
        lg__pfail(ps, at, AG_ENOMEM, "out of memory");
    return i;
}

const char *lg__ptok_str(parser *ps, const lx_token *t)
{
    size_t n;
    const char *s = lx_name(ps->p->src, t, &n);
    const char *c = lg__str(ps->p, s, n);
    if (!c)
        lg__pfail(ps, t, AG_ENOMEM, "out of memory");
    return c;
}

/* ---- expressions ---- */


/* Comma-separated expressions up to `close`; stored as a run of kids.
 * `of`: the function whose arguments these are (for the message), or NULL. */
void lg__plist(parser *ps, char close, int *kid0, int *nkid, bool allow_all, const char *of)
{
    int tmp[64];
    int n = 0, cap = 64;
    int *items = tmp;
    int *heap = NULL;
    if (!lg__pis_op(&ps->tok, close)) {
        for (;;) {
            int e;
            if (allow_all && lg__pis_op(&ps->tok, ':')) {
                e = lg__pnew_ex(ps, EX_ALL, &ps->tok);
                lg__pnext(ps);
            } else {
                e = lg__pexpr(ps, 1);
            }
            if (ps->failed)
                break;
            if (n == cap) {
                int *q = ag_realloc(heap, (size_t)cap * 2 * sizeof *q);
                if (!q) {
                    lg__pfail(ps, &ps->tok, AG_ENOMEM, "out of memory");
                    break;
                }
                if (!heap)
                    memcpy(q, tmp, sizeof tmp);
                heap = items = q;
                cap *= 2;
            }
            items[n++] = e;
            if (!lg__pis_op(&ps->tok, ','))
                break;
            /* one argument too many: the caret under the comma that adds it */
            lg_builtin row;
            const lg_builtin *b = of && lg_builtin_find(of, strlen(of), &row) ? &row : NULL;
            if (b && n == b->max_args) {
                lg__pfail(ps, &ps->tok, LG_EPARSE, "%s takes %d argument%s: %s", b->name, b->max_args,
                          b->max_args == 1 ? "" : "s", b->usage);
                break;
            }
            lg__pnext(ps);
        }
    }
    if (!ps->failed && !lg__pis_op(&ps->tok, close)) {
        char found[64];
        if (of && ps->tok.kind == LX_END) /* the old CLI's wording, clearer at the end */
            lg__pfail(ps, &ps->tok, LG_EPARSE, "expected ')' after the arguments of %s", of);
        else if (of)
            lg__pfail(ps, &ps->tok, LG_EPARSE, "expected ',' or ')' after argument %d of %s, found %s", n, of,
                      lx_describe(ps->p->src, &ps->tok, found, sizeof found));
        else
            lg__pfail(ps, &ps->tok, LG_EPARSE, "expected ',' or '%c', found %s", close,
                      lx_describe(ps->p->src, &ps->tok, found, sizeof found));
    }
    lg_prog *p = ps->p;
    if (!ps->failed && !lg__grow((void **)&p->kids, &p->cap_kids, p->n_kids + (size_t)n, sizeof *p->kids))
        lg__pfail(ps, &ps->tok, AG_ENOMEM, "out of memory");
    if (!ps->failed) {
        *kid0 = (int)p->n_kids;
        *nkid = n;
        if (n > 0)
            memcpy(p->kids + p->n_kids, items, (size_t)n * sizeof *items);
        p->n_kids += (size_t)n;
        lg__pnext(ps); /* the closing bracket */
    }
    ag_free(heap);
}

static int parse_primary(parser *ps)
{
    lx_token at = ps->tok;
    if (at.kind == LX_NUM) {
        int e = lg__pnew_ex(ps, EX_NUM, &at);
        if (e >= 0)
            ps->p->ex[e].num = at.num;
        lg__pnext(ps);
        return e;
    }
    if (at.kind == LX_NAME) {
        const char *name = lg__ptok_str(ps, &at);
        lg__pnext(ps);
        if (ps->failed)
            return -1;
        if (lg__pis_op(&ps->tok, '(')) {
            int e = lg__pnew_ex(ps, EX_CALL, &at);
            lg__pnext(ps);
            int k0 = 0, nk = 0;
            lg__plist(ps, ')', &k0, &nk, false, name);
            if (ps->failed)
                return -1;
            ps->p->ex[e].name = name;
            ps->p->ex[e].kid0 = k0;
            ps->p->ex[e].nkid = nk;
            return e;
        }
        int e = lg__pnew_ex(ps, EX_NAME, &at);
        if (e >= 0)
            ps->p->ex[e].name = name;
        return e;
    }
    if (lg__pis_op(&at, '(')) {
        lg__pnext(ps);
        int e = lg__pexpr(ps, 1);
        if (!ps->failed && !lg__pis_op(&ps->tok, ')')) {
            char found[64];
            lg__pfail(ps, &ps->tok, LG_EPARSE, "expected ')' to close the '(' at line %d, column %d, found %s", at.line,
                 at.col, lx_describe(ps->p->src, &ps->tok, found, sizeof found));
        }
        lg__pnext(ps);
        return ps->failed ? -1 : e;
    }
    if (lg__pis_op(&at, '[')) {
        int e = lg__pnew_ex(ps, EX_LIST, &at);
        lg__pnext(ps);
        int k0 = 0, nk = 0;
        lg__plist(ps, ']', &k0, &nk, false, NULL);
        if (ps->failed)
            return -1;
        if (nk == 0) {
            lg__pfail(ps, &at, LG_EPARSE, "an empty list []: a vector has at least one entry");
            return -1;
        }
        ps->p->ex[e].kid0 = k0;
        ps->p->ex[e].nkid = nk;
        return e;
    }
    char found[64];
    lx_describe(ps->p->src, &at, found, sizeof found);
    if (ps->prev.kind == LX_OP && ps->prev.op != ')' && ps->prev.op != ']')
        lg__pfail(ps, &at, LG_EPARSE, "expected an expression after '%c', found %s", ps->prev.op, found);
    else
        lg__pfail(ps, &at, LG_EPARSE, "expected an expression, found %s", found);
    return -1;
}

static int postfix(parser *ps, int e)
{
    while (!ps->failed) {
        lx_token at = ps->tok;
        if (lg__pis_op(&at, '[')) {
            lg__pnext(ps);
            int k0 = 0, nk = 0;
            lg__plist(ps, ']', &k0, &nk, true, NULL);
            int x = ps->failed ? -1 : lg__pnew_ex(ps, EX_INDEX, &at);
            if (x < 0)
                return -1;
            ps->p->ex[x].a = e;
            ps->p->ex[x].kid0 = k0;
            ps->p->ex[x].nkid = nk;
            e = x;
        } else if (lg__pis_op(&at, '.') || lg__pis_op(&at, '\'') || lg__pis_op(&at, LX_TR)) {
            lg__pnext(ps);
            if (lg__pis_op(&at, '.')) {
                if (!lg__pis_name(ps, &ps->tok, "T")) {
                    lg__pfail(ps, &at, LG_EPARSE, "after '.' only T (transpose) is known, as in W.T");
                    return -1;
                }
                lg__pnext(ps);
            }
            int x = lg__pnew_ex(ps, EX_TR, &at);
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
    if (lg__pis_op(&op, '-') || lg__pis_op(&op, '+')) {
        lg__pnext(ps);
        int v = lg__pexpr(ps, 5);
        if (ps->failed || op.op == '+')
            return v;
        int e = lg__pnew_ex(ps, EX_NEG, &op);
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

int lg__pexpr(parser *ps, int min_prec)
{
    if (ps->failed)
        return -1;
    if (++ps->depth > LG_MAX_DEPTH) {
        lg__pfail(ps, &ps->tok, AG_ERANGE, "the expression nests more than %d levels deep", LG_MAX_DEPTH);
        return -1;
    }
    int lhs = parse_unary(ps);
    for (;;) {
        int prec = binary_prec(&ps->tok);
        if (ps->failed || prec == 0 || prec < min_prec)
            break;
        lx_token op = ps->tok;
        lg__pnext(ps);
        if (op.op == '^' && lg__pis_name(ps, &ps->tok, "T")) { /* a^T */
            lg__pnext(ps);
            int x = lg__pnew_ex(ps, EX_TR, &op);
            if (x >= 0)
                ps->p->ex[x].a = lhs;
            lhs = x;
            continue;
        }
        int rhs = lg__pexpr(ps, prec == 5 ? 5 : prec + 1);
        if (ps->failed)
            break;
        int x = lg__pnew_ex(ps, EX_BIN, &op);
        if (x < 0)
            break;
        ex_node *n = &ps->p->ex[x];
        n->op = (char)(op.op == LX_POW2 ? '^' : op.op);
        n->a = lhs;
        n->b = rhs;
        lhs = x;
    }
    ps->depth--;
    return ps->failed ? -1 : lhs;
}

lg_prog *lg_parse(const char *src, size_t len, ag_error *err)
{
    ag_error scratch;
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
    lg__pnext(&ps);
    while (!ps.failed && ps.tok.kind != LX_END) {
        if (ps.tok.kind == LX_NEWLINE || lg__pis_op(&ps.tok, ';')) {
            lg__pnext(&ps);
            continue;
        }
        lg__pstatement(&ps);
        if (ps.failed)
            break;
        if (ps.tok.kind == LX_NEWLINE || lg__pis_op(&ps.tok, ';') || ps.tok.kind == LX_END)
            continue;
        char found[64];
        lx_describe(p->src, &ps.tok, found, sizeof found);
        if (lg__pis_op(&ps.tok, '='))
            lg__pfail(&ps, &ps.tok, LG_EPARSE, "'=' must follow a name at the start of a statement (name = expr)");
        else
            lg__pfail(&ps, &ps.tok, LG_EPARSE, "expected an operator or the end of the statement, found %s", found);
    }
    if (!ps.failed && p->n_st == 0)
        lg__pfail(&ps, &ps.tok, LG_EPARSE, "the program is empty");
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
