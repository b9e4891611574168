/*
 * eval.c: a parsed program recorded on a tape, statement by statement.
 *
 * Invariants: names are in scope from the statement that assigns them on
 * (statements run in order, so a name used before it is assigned, or a
 * cycle of names, is an error naming both places); every entry of a named
 * value is its own interior or input node named "NAME[i,j]" (a leaf or an
 * already named node gets an identity node, so that dL/dNAME is the
 * gradient through NAME's uses); the tape never grows past LG_MAX_NODES
 * nodes in one run.
 */
#include "builtins.h"
#include "lex.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void lg__fail(ev *e, const ex_node *at, ag_status s, const char *fmt, ...)
{
    if (e->failed)
        return;
    e->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err->message, sizeof e->err->message, fmt, ap);
    va_end(ap);
    e->err->status = s;
    e->err->line = at ? at->line : 0;
    e->err->column = at ? at->col : 0;
}

static bool push(void **arr, size_t *n, size_t *cap, size_t elem)
{
    if (*n < *cap)
        return true;
    size_t c = *cap ? *cap * 2 : 16;
    void *q = ag_realloc(*arr, c * elem);
    if (!q)
        return false;
    *arr = q;
    *cap = c;
    return true;
}

size_t lg__size(lg_shape s) { return s.rows * s.cols; }

const char *lg__shape_str(lg_shape s, char *buf, size_t size)
{
    if (s.ndim == 0)
        snprintf(buf, size, "a scalar");
    else if (s.ndim == 1)
        snprintf(buf, size, "%zu entr%s", s.rows, s.rows == 1 ? "y" : "ies");
    else
        snprintf(buf, size, "%zux%zu", s.rows, s.cols);
    return buf;
}

bool lg__val_new(ev *e, lg_shape s, val *out)
{
    lg_run *r = e->r;
    size_t n = lg__size(s);
    if (n > LG_MAX_ENTRIES) {
        lg__fail(e, NULL, AG_ERANGE, "a value of %zu entries: the limit is %zu", n, LG_MAX_ENTRIES);
        return false;
    }
    ag_node *nodes = push((void **)&r->blk, &r->nblk, &r->capblk, sizeof *r->blk) ? ag_realloc(NULL, (n ? n : 1) * sizeof *nodes) : NULL;
    if (!nodes) {
        lg__fail(e, NULL, AG_ENOMEM, "out of memory");
        return false;
    }
    r->blk[r->nblk++] = nodes;
    out->s = s;
    out->n = nodes;
    return true;
}

bool lg__node_ok(ev *e, const ex_node *at, ag_node n)
{
    if (!ag_is_null(n) && ag_tape_len(e->r->t) - e->r->n_start <= LG_MAX_NODES)
        return true;
    if (ag_is_null(n))
        lg__fail(e, at, ag_tape_status(e->r->t) ? ag_tape_status(e->r->t) : AG_EINVAL, "%s",
                 ag_tape_status(e->r->t) ? ag_tape_error(e->r->t) : "the tape refused a node");
    else
        lg__fail(e, at, AG_ERANGE, "the program records more than %zu nodes", LG_MAX_NODES);
    return false;
}

void lg__kink(ev *e, const ex_node *at, ag_node u, const char *what)
{
    lg_run *r = e->r;
    if (e->failed || ag_is_null(u))
        return;
    if (!push((void **)&r->k, &r->nk, &r->capk, sizeof *r->k)) {
        lg__fail(e, at, AG_ENOMEM, "out of memory"); /* a kink lost would let a wrong derivative pass */
        return;
    }
    r->k[r->nk++] = (kink){u, ag_value(r->t, u), what, at ? at->line : 0, at ? at->col : 0};
}

/* FNV-1a */
static size_t hash_name(const char *s)
{
    size_t h = (size_t)UINT64_C(0xCBF29CE484222325);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)UINT64_C(0x100000001B3);
    return h;
}

/* The slot of name: where it is, or the empty slot where it would go. */
static size_t slot(const lg_run *r, const char *name)
{
    size_t m = r->cap_hash - 1, i = hash_name(name) & m;
    while (r->hash[i] && strcmp(r->b[r->hash[i] - 1].name, name) != 0)
        i = (i + 1) & m;
    return i;
}

/* The latest binding of a name (index variables shadow program names). */
const binding *lg__lookup(const lg_run *r, const char *name)
{
    if (!r->cap_hash)
        return NULL;
    size_t i = r->hash[slot(r, name)];
    return i ? &r->b[i - 1] : NULL;
}

static bool rehash(lg_run *r, size_t cap)
{
    size_t *h = ag_realloc(NULL, cap * sizeof *h);
    if (!h)
        return false;
    memset(h, 0, cap * sizeof *h);
    ag_free(r->hash);
    r->hash = h;
    r->cap_hash = cap;
    for (size_t k = 0; k < r->nb; k++)
        r->hash[slot(r, r->b[k].name)] = k + 1;
    return true;
}

/* Bindings are a stack (index variables are popped by lg__unbind_to);
 * the hash maps a name to its latest binding. */
bool lg__bind(ev *e, const char *name, val v, int st_i)
{
    lg_run *r = e->r;
    if (!push((void **)&r->b, &r->nb, &r->capb, sizeof *r->b) ||
        (2 * (r->nb + 1) > r->cap_hash && !rehash(r, r->cap_hash ? 2 * r->cap_hash : 64))) {
        lg__fail(e, NULL, AG_ENOMEM, "out of memory");
        return false;
    }
    r->b[r->nb++] = (binding){name, v, st_i};
    r->hash[slot(r, name)] = r->nb;
    return true;
}

void lg__unbind_to(lg_run *r, size_t nb)
{
    if (nb < r->nb) {
        r->nb = nb;
        rehash(r, r->cap_hash); /* same size: cannot need more memory than it had */
    }
}

static bool scalar_const(ev *e, const ex_node *at, double c, val *out)
{
    if (!lg__val_new(e, (lg_shape){0, 1, 1}, out))
        return false;
    out->n[0] = ag_const(e->r->t, c);
    return lg__node_ok(e, at, out->n[0]);
}

/* A name not assigned yet: say where it is assigned when it is. */
static void unknown_name(ev *e, const ex_node *x)
{
    const lg_prog *p = e->r->p;
    for (size_t i = 0; i < p->n_st; i++) {
        const stmt *s = &p->st[i];
        if (s->name && strcmp(s->name, x->name) == 0) {
            lg__fail(e, x, LG_ENOTFOUND,
                     "'%s' is used before it is assigned (at line %d): statements run in order, so a name "
                     "must be assigned before it is used (a cycle of names has no order)",
                     x->name, s->line);
            return;
        }
    }
    lg_builtin f;
    if (lg_builtin_find(x->name, strlen(x->name), &f))
        lg__fail(e, x, LG_EPARSE, "'%s' is a function: call it, as in %s", x->name, f.usage);
    else
        lg__fail(e, x, LG_ENOTFOUND, "unknown name '%.64s': assign it first (%.64s = ...) or declare it as an input "
                 "(%.64s = 1.5, %.64s: 3x2)", x->name, x->name, x->name, x->name);
}

static bool eval_name(ev *e, const ex_node *x, val *out)
{
    const char *name = x->name;
    if (e->r->subst_from && strcmp(name, e->r->subst_from) == 0)
        name = e->r->subst_to;
    const binding *b = lg__lookup(e->r, name);
    if (b) {
        *out = b->v;
        return true;
    }
    if (strcmp(name, "e") == 0)
        return scalar_const(e, x, exp(1.0), out);
    if (strcmp(name, "pi") == 0)
        return scalar_const(e, x, acos(-1.0), out);
    unknown_name(e, x);
    return false;
}

/* The origin of the nodes recorded next (anomaly mode names it): x's place,
 * set again after x's operands were recorded with their own. */
static bool stamp(ev *e, const ex_node *x)
{
    ag_origin_set(e->r->t, lg__origin_label(x->line), x->col);
    return true;
}

static bool eval_call(ev *e, const ex_node *x, val *out)
{
    lg_builtin row;
    const lg_builtin *b = lg_builtin_find(x->name, strlen(x->name), &row) ? &row : NULL;
    if (!b) {
        char list[400];
        /* whole names only: room for the message around the list */
        lg__builtin_list(list, sizeof e->err->message - 64 - sizeof "unknown function ''; the functions are: ");
        lg__fail(e, x, LG_EPARSE, "unknown function '%.64s'; the functions are: %s", x->name, list);
        return false;
    }
    if (x->nkid < b->min_args || x->nkid > b->max_args) {
        /* too many: the caret under the first argument too many */
        const ex_node *at = x->nkid > b->max_args ? &e->r->p->ex[e->r->p->kids[x->kid0 + b->max_args]] : x;
        lg__fail(e, at, AG_EINVAL, "%s takes %d%s%d argument%s, given %d: %s", b->name, b->min_args,
                 b->max_args > b->min_args ? " to " : "", b->max_args > b->min_args ? b->max_args : 0,
                 b->max_args == 1 ? "" : "s", x->nkid, b->usage);
        if (b->max_args == b->min_args) /* "takes 2 argument" without the range */
            snprintf(e->err->message, sizeof e->err->message, "%s takes %d argument%s, given %d: %s", b->name,
                     b->min_args, b->min_args == 1 ? "" : "s", x->nkid, b->usage);
        return false;
    }
    val args[4];
    for (int k = 0; k < x->nkid; k++)
        if (!lg__eval_expr(e, e->r->p->kids[x->kid0 + k], &args[k]))
            return false;
    stamp(e, x);
    return lg__apply(e, x, b, args, x->nkid, out);
}

bool lg__eval_expr(ev *e, int ix, val *out)
{
    if (e->failed || ix < 0)
        return false;
    const lg_prog *p = e->r->p;
    const ex_node *x = &p->ex[ix];
    if (++e->depth > 4 * LG_MAX_DEPTH) {
        lg__fail(e, x, AG_ERANGE, "the expression nests too deep");
        return false;
    }
    bool ok = false;
    val a, b;
    stamp(e, x);
    switch (x->kind) {
    case EX_NUM:
        ok = scalar_const(e, x, x->num, out);
        break;
    case EX_NAME:
        ok = eval_name(e, x, out);
        break;
    case EX_NEG:
        ok = lg__eval_expr(e, x->a, &a) && stamp(e, x) && lg__map1(e, x, AG_OP_NEG, a, out);
        break;
    case EX_BIN:
        ok = lg__eval_expr(e, x->a, &a) && lg__eval_expr(e, x->b, &b) && stamp(e, x) &&
             (x->op == '@' ? lg__matmul(e, x, a, b, out) : lg__elementwise2(e, x, x->op, a, b, out));
        break;
    case EX_TR:
        ok = lg__eval_expr(e, x->a, &a) && lg__transpose(e, x, a, out);
        break;
    case EX_CALL:
        ok = eval_call(e, x, out);
        break;
    case EX_ALL:
        lg__fail(e, x, LG_EPARSE, "':' stands for a whole row or column only inside an index, as in W[2, :]");
        break;
    case EX_INDEX: {
        val idx[2];
        if (x->nkid > 2) {
            lg__fail(e, x, AG_EINVAL, "an index has one or two parts (x[i], W[i, j]), not %d", x->nkid);
            break;
        }
        ok = lg__eval_expr(e, x->a, &a);
        for (int k = 0; ok && k < x->nkid; k++) {
            int kid = p->kids[x->kid0 + k];
            if (p->ex[kid].kind == EX_ALL)
                idx[k] = (val){{0, 0, 0}, NULL};
            else
                ok = lg__eval_expr(e, kid, &idx[k]);
        }
        ok = ok && lg__index(e, x, a, idx, x->nkid, out);
        break;
    }
    case EX_LIST: {
        val items[64];
        val *it = x->nkid <= 64 ? items : ag_realloc(NULL, (size_t)x->nkid * sizeof *it);
        if (!it) {
            lg__fail(e, x, AG_ENOMEM, "out of memory");
            break;
        }
        ok = true;
        for (int k = 0; ok && k < x->nkid; k++)
            ok = lg__eval_expr(e, p->kids[x->kid0 + k], &it[k]);
        ok = ok && lg__list(e, x, it, x->nkid, out);
        if (it != items)
            ag_free(it);
        break;
    }
    }
    e->depth--;
    return ok && !e->failed;
}

/* Origins must outlive the tape (the engine keeps the pointer), hence one
 * string literal per line; lines past the table share the last label. */
static const char *const origin_labels[] = {
    "<expr>", "<expr>:2", "<expr>:3", "<expr>:4", "<expr>:5", "<expr>:6", "<expr>:7", "<expr>:8",
    "<expr>:9", "<expr>:10", "<expr>:11", "<expr>:12", "<expr>:13", "<expr>:14", "<expr>:15", "<expr>:16",
    "<expr>:17", "<expr>:18", "<expr>:19", "<expr>:20", "<expr>:21", "<expr>:22", "<expr>:23", "<expr>:24",
    "<expr>:25", "<expr>:26", "<expr>:27", "<expr>:28", "<expr>:29", "<expr>:30", "<expr>:31", "<expr>:32",
    "<expr>:33", "<expr>:34", "<expr>:35", "<expr>:36", "<expr>:37", "<expr>:38", "<expr>:39", "<expr>:40",
    "<expr>:41", "<expr>:42", "<expr>:43", "<expr>:44", "<expr>:45", "<expr>:46", "<expr>:47", "<expr>:48",
    "<expr>:49", "<expr>:50", "<expr>:51", "<expr>:52", "<expr>:53", "<expr>:54", "<expr>:55", "<expr>:56",
    "<expr>:57", "<expr>:58", "<expr>:59", "<expr>:60", "<expr>:61", "<expr>:62", "<expr>:63", "<expr>:64",
    "<expr>:>64"};
#define N_LABELS ((int)(sizeof origin_labels / sizeof origin_labels[0]))

const char *lg__origin_label(int line)
{
    if (line < 1)
        line = 1;
    return origin_labels[line < N_LABELS ? line - 1 : N_LABELS - 1];
}
