/*
 * builtins.c: the functions of the derivation language.
 *
 * Invariant: the element-wise unary functions are the engine's op list
 * itself (every op of arity 1 and CALL form, ag_ops.h: its name, its kink),
 * so an op added there is a function here with no edit; this file adds
 * only aliases (ln = log) and the language's own functions (rows over
 * evaluated arguments). walk() is the one order every listing and lookup
 * uses, one pass each: the ops in the list's order, each alias right
 * after its op, then the rows of this file. Kinks: the rows of
 * leaky_relu, max and min read theirs from their op's row; the
 * derivative conventions at a kink are the engine's (relu'(0) = 0,
 * abs'(0) = 0, leaky_relu'(0) = slope, max/min send a tie to the first
 * argument); step, sign and comparisons are piecewise constant (derivative
 * 0 everywhere, their jumps are kinks); if(c, a, b) takes a's derivative
 * where c != 0.
 */
#include "builtins.h"
#include "deriv.h"

#include <stdio.h>
#include <math.h>
#include <string.h>

static ag_node node_or_null(ev *e, const ex_node *at, ag_node n) { return lg__node_ok(e, at, n) ? n : AG_NULL; }

static bool scalar_arg(ev *e, const ex_node *at, val v, const char *fn, int k, double *out)
{
    if (v.s.ndim != 0 || ag_node_op(e->r->t, v.n[0]) != AG_OP_CONST) {
        /* the caret under the argument itself */
        const ex_node *arg = k >= 1 && k <= at->nkid ? &e->r->p->ex[e->r->p->kids[at->kid0 + k - 1]] : at;
        lg__fail(e, arg, AG_EINVAL, "argument %d of %s must be a number", k, fn);
        return false;
    }
    *out = ag_value(e->r->t, v.n[0]);
    return true;
}

static bool f_leaky(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    double slope = 0.01; /* F3: the notes' slope */
    if (n > 1 && !scalar_arg(e, at, a[1], "leaky_relu", 2, &slope))
        return false;
    ag_tape *t = e->r->t;
    ag_node c = node_or_null(e, at, ag_const(t, slope)); /* one slope node for every entry */
    if (ag_is_null(c) || !lg__val_new(e, a[0].s, out))
        return false;
    for (size_t k = 0; k < lg__size(a[0].s); k++) {
        lg__kink(e, at, a[0].n[k], "leaky_relu");
        if (ag_is_null(out->n[k] = node_or_null(e, at, ag_binary(t, AG_OP_LEAKY_RELU, a[0].n[k], c))))
            return false;
    }
    return true;
}

static bool f_pow(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    (void)n;
    return lg__elementwise2(e, at, '^', a[0], a[1], out);
}

/* max/min: one argument reduces over its entries, two go element-wise */
static bool minmax(ev *e, const ex_node *at, const val *a, int n, val *out, bool is_max)
{
    ag_tape *t = e->r->t;
    ag_op f = is_max ? AG_OP_MAX : AG_OP_MIN;
    if (n == 1) {
        if (!lg__val_new(e, (lg_shape){0, 1, 1}, out))
            return false;
        ag_node m = a[0].n[0];
        for (size_t k = 1; k < lg__size(a[0].s); k++) {
            lg__kink(e, at, node_or_null(e, at, ag_sub(t, m, a[0].n[k])), is_max ? "max" : "min");
            if (ag_is_null(m = node_or_null(e, at, ag_binary(t, f, m, a[0].n[k]))))
                return false;
        }
        out->n[0] = m;
        return true;
    }
    val d;
    if (!lg__elementwise2(e, at, '-', a[0], a[1], &d) || !lg__elementwise2(e, at, '+', a[0], a[1], out))
        return false; /* out: the broadcast shape, overwritten below */
    for (size_t k = 0; k < lg__size(out->s); k++) {
        ag_node x = ag_node_input(t, out->n[k], 0), y = ag_node_input(t, out->n[k], 1);
        lg__kink(e, at, d.n[k], is_max ? "max" : "min");
        if (ag_is_null(out->n[k] = node_or_null(e, at, ag_binary(t, f, x, y))))
            return false;
    }
    return true;
}
static bool f_max(ev *e, const ex_node *at, const val *a, int n, val *out) { return minmax(e, at, a, n, out, true); }
static bool f_min(ev *e, const ex_node *at, const val *a, int n, val *out) { return minmax(e, at, a, n, out, false); }

static bool f_clip(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    (void)n;
    val lo[2] = {a[0], a[1]}, m;
    if (!minmax(e, at, lo, 2, &m, true))
        return false;
    val hi[2] = {m, a[2]};
    return minmax(e, at, hi, 2, out, false);
}

/* if(c, a, b): a where c != 0, else b, element-wise */
static bool f_if(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    (void)n;
    val s1, s2;
    if (!lg__elementwise2(e, at, '+', a[0], a[1], &s1) || !lg__elementwise2(e, at, '+', s1, a[2], &s2) ||
        !lg__val_new(e, s2.s, out))
        return false;
    ag_tape *t = e->r->t;
    for (size_t k = 0; k < lg__size(s2.s); k++) {
        ag_node sum1 = ag_node_input(t, s2.n[k], 0);
        ag_node c = ag_node_input(t, sum1, 0), x = ag_node_input(t, sum1, 1), y = ag_node_input(t, s2.n[k], 1);
        out->n[k] = ag_value(t, c) != 0.0 ? x : y;
    }
    return true;
}

static bool axis_arg(ev *e, const ex_node *at, const val *a, int n, long *axis)
{
    *axis = 0;
    return n < 2 || lg__const_int(e, at, a[1], "the axis", 1, 2, axis);
}
static bool f_sum(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    long ax;
    return axis_arg(e, at, a, n, &ax) && lg__reduce(e, at, a[0], (int)ax, false, out);
}
static bool f_mean(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    long ax;
    return axis_arg(e, at, a, n, &ax) && lg__reduce(e, at, a[0], (int)ax, true, out);
}

/* logsumexp over a vector, or over each row of a matrix (F17) */
static bool lse_rows(ev *e, const ex_node *at, val a, val *out)
{
    size_t rows = a.s.ndim == 2 ? a.s.rows : 1, cols = a.s.ndim == 2 ? a.s.cols : lg__size(a.s);
    if (!lg__val_new(e, rows == 1 && a.s.ndim < 2 ? (lg_shape){0, 1, 1} : (lg_shape){1, rows, 1}, out))
        return false;
    for (size_t i = 0; i < rows; i++)
        if (ag_is_null(out->n[i] = node_or_null(e, at, ag_apply(e->r->t, AG_OP_LOGSUMEXP, a.n + i * cols, cols))))
            return false;
    return true;
}
static bool f_lse(ev *e, const ex_node *at, const val *a, int n, val *out) { (void)n; return lse_rows(e, at, a[0], out); }

/* softmax s_i = e^{x_i - logsumexp(x)} (F5), per row of a matrix */
static bool f_softmax(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    (void)n;
    val l;
    if (!lse_rows(e, at, a[0], &l) || !lg__val_new(e, a[0].s, out))
        return false;
    size_t cols = a[0].s.ndim == 2 ? a[0].s.cols : lg__size(a[0].s);
    for (size_t k = 0; k < lg__size(a[0].s); k++) {
        ag_node d = node_or_null(e, at, ag_sub(e->r->t, a[0].n[k], l.n[k / cols]));
        if (ag_is_null(d) || ag_is_null(out->n[k] = node_or_null(e, at, ag_unary(e->r->t, AG_OP_EXP, d))))
            return false;
    }
    return true;
}

static bool f_outer(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    (void)n;
    if (a[0].s.ndim == 2 || a[1].s.ndim == 2) {
        lg__fail(e, at, AG_EINVAL, "outer(u, v) takes two vectors");
        return false;
    }
    size_t r = lg__size(a[0].s), c = lg__size(a[1].s);
    if (!lg__val_new(e, (lg_shape){2, r, c}, out))
        return false;
    for (size_t i = 0; i < r; i++)
        for (size_t j = 0; j < c; j++)
            if (ag_is_null(out->n[i * c + j] = node_or_null(e, at, ag_mul(e->r->t, a[0].n[i], a[1].n[j]))))
                return false;
    return true;
}

static bool fill_const(ev *e, const ex_node *at, lg_shape s, val *out, long hot_row_len, const long *hot)
{
    if (!lg__val_new(e, s, out))
        return false;
    for (size_t k = 0; k < lg__size(s); k++) {
        double v = hot_row_len ? (long)(k % (size_t)hot_row_len) + 1 == hot[k / (size_t)hot_row_len] : 0.0;
        if (ag_is_null(out->n[k] = node_or_null(e, at, ag_const(e->r->t, v))))
            return false;
    }
    return true;
}

/* one_hot(k, n): the vector of n with 1 at entry k (1-based) */
static bool f_one_hot(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    (void)n;
    long k, len;
    if (!lg__const_int(e, at, a[1], "the length of one_hot", 1, (long)LG_MAX_ENTRIES, &len) ||
        !lg__const_int(e, at, a[0], "the hot entry", 1, len, &k))
        return false;
    return fill_const(e, at, (lg_shape){1, (size_t)len, 1}, out, len, &k);
}

static bool f_eye(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    (void)n;
    long len;
    if (!lg__const_int(e, at, a[0], "the size of eye", 1, 4096, &len))
        return false;
    if (!fill_const(e, at, (lg_shape){2, (size_t)len, (size_t)len}, out, 0, NULL))
        return false;
    for (long i = 0; i < len; i++)
        if (ag_is_null(out->n[i * len + i] = node_or_null(e, at, ag_const(e->r->t, 1.0))))
            return false;
    return true;
}

/* diag(v): the square matrix with v on its diagonal */
static bool f_diag(ev *e, const ex_node *at, const val *a, int n, val *out)
{
    (void)n;
    size_t len = lg__size(a[0].s);
    if (a[0].s.ndim == 2 || len > 4096) {
        lg__fail(e, at, AG_EINVAL, "diag(v) takes a vector (of at most 4096 entries)");
        return false;
    }
    if (!fill_const(e, at, (lg_shape){2, len, len}, out, 0, NULL))
        return false;
    for (size_t i = 0; i < len; i++)
        out->n[i * len + i] = a[0].n[i];
    return true;
}

static bool f_transpose(ev *e, const ex_node *at, const val *a, int n, val *out) { (void)n; return lg__transpose(e, at, a[0], out); }

/* A row of the language's own, and the op whose kink it shares (its row's
 * kink string is read from the op list, so the two cannot drift);
 * AG_OP_COUNT when the row states its own kink or has none. */
typedef struct row {
    lg_builtin b;
    ag_op kink_of;
} row;

#define C(nm, usage, kk, lo, hi, fn) {{nm, usage, kk, lo, hi, AG_OP_COUNT, fn}, AG_OP_COUNT}
#define K(nm, usage, kop, lo, hi, fn) {{nm, usage, NULL, lo, hi, AG_OP_COUNT, fn}, kop}

/* The language's own functions, after the ops. */
static const row table[] = {
    K("leaky_relu", "leaky_relu(x[, slope = 0.01])", AG_OP_LEAKY_RELU, 1, 2, f_leaky),
    C("pow", "pow(x, y)", NULL, 2, 2, f_pow),
    K("max", "max(a, b) or max(x)", AG_OP_MAX, 1, 2, f_max),
    K("min", "min(a, b) or min(x)", AG_OP_MIN, 1, 2, f_min),
    C("clip", "clip(x, lo, hi)", "at lo and hi (max then min)", 3, 3, f_clip),
    C("if", "if(cond, a, b)", "where cond changes", 3, 3, f_if),
    C("sum", "sum(x[, axis])", NULL, 1, 2, f_sum),
    C("mean", "mean(x[, axis])", NULL, 1, 2, f_mean),
    C("softmax", "softmax(x)", NULL, 1, 1, f_softmax),
    C("logsumexp", "logsumexp(x)", NULL, 1, 1, f_lse),
    C("outer", "outer(u, v)", NULL, 2, 2, f_outer),
    C("one_hot", "one_hot(k, n)", NULL, 2, 2, f_one_hot),
    C("eye", "eye(n)", NULL, 1, 1, f_eye),
    C("diag", "diag(v)", NULL, 1, 1, f_diag),
    C("transpose", "transpose(M)", NULL, 1, 1, f_transpose),
    C("d", "d(f, x): df/dx as nodes, nestable: d(d(f, x), x)", NULL, 2, 2, lg__f_d),
};
#define N_TABLE (sizeof table / sizeof table[0])

/* Other names of ops, listed right after the op. */
static const struct alias {
    const char *name;
    ag_op op;
} aliases[] = {{"ln", AG_OP_LOG}};
#define N_ALIASES (sizeof aliases / sizeof aliases[0])

/* An element-wise function of the language: arity 1, written f(a). */
static bool is_function_op(ag_op op)
{
    const ag_op_info *in = ag_op_info_of(op);
    return in && in->arity == 1 && in->form == AG_FORM_CALL;
}

/* The function `name` recording op, into *out when out is given. */
static const char *op_row(ag_op op, const char *name, lg_builtin *out)
{
    if (out) {
        memset(out, 0, sizeof *out);
        out->name = name;
        snprintf(out->usage, sizeof out->usage, "%s(x)", name);
        out->kink = ag_op_info_of(op)->kink;
        out->min_args = out->max_args = 1;
        out->op = op;
    }
    return name;
}

static const char *table_row(const row *r, lg_builtin *out)
{
    if (out) {
        *out = r->b;
        if (r->kink_of != AG_OP_COUNT)
            out->kink = ag_op_info_of(r->kink_of)->kink;
    }
    return r->b.name;
}

/* The one order every listing uses, in one pass: the ops in the list's
 * order, each alias right after its op, then the rows. stop(name, ctx)
 * sees each name until it returns true; that function's row goes into *out
 * (when given) and its name is returned; NULL when none stopped. No state
 * outside the call: safe from several threads. */
static const char *walk(bool (*stop)(const char *name, void *ctx), void *ctx, lg_builtin *out)
{
    for (int i = 0; i < AG_OP_COUNT; i++) {
        ag_op op = (ag_op)i;
        if (!is_function_op(op))
            continue;
        if (stop(ag_op_info_of(op)->name, ctx))
            return op_row(op, ag_op_info_of(op)->name, out);
        for (size_t a = 0; a < N_ALIASES; a++)
            if (aliases[a].op == op && stop(aliases[a].name, ctx))
                return op_row(op, aliases[a].name, out);
    }
    for (size_t r = 0; r < N_TABLE; r++)
        if (stop(table[r].b.name, ctx))
            return table_row(&table[r], out);
    return NULL;
}

/* stop at position *ctx (counting down) */
static bool at_position(const char *name, void *ctx)
{
    size_t *k = ctx;
    (void)name;
    return (*k)-- == 0;
}

typedef struct wanted {
    const char *name;
    size_t len;
} wanted;

static bool named(const char *name, void *ctx)
{
    const wanted *w = ctx;
    return strlen(name) == w->len && memcmp(name, w->name, w->len) == 0;
}

typedef struct listing {
    char *buf;
    size_t size, w;
} listing;

/* append name, space-separated; stop at the first that does not fit */
static bool append(const char *name, void *ctx)
{
    listing *l = ctx;
    size_t n = strlen(name);
    if (l->w + n + 2 > l->size)
        return true;
    if (l->w)
        l->buf[l->w++] = ' ';
    memcpy(l->buf + l->w, name, n + 1);
    l->w += n;
    return false;
}

bool lg_builtin_at(size_t k, lg_builtin *out) { return walk(at_position, &k, out) != NULL; }

bool lg_builtin_find(const char *name, size_t len, lg_builtin *out)
{
    wanted w = {name, len};
    return walk(named, &w, out) != NULL;
}

void lg__builtin_list(char *buf, size_t size)
{
    if (size == 0)
        return;
    buf[0] = '\0';
    listing l = {buf, size, 0};
    (void)walk(append, &l, NULL);
}

const char *lg_function(size_t k) { return walk(at_position, &k, NULL); }

bool lg__apply(ev *e, const ex_node *at, const lg_builtin *b, const val *args, int n, val *out)
{
    if (b->call)
        return b->call(e, at, args, n, out);
    if (b->kink)
        for (size_t k = 0; k < lg__size(args[0].s); k++)
            lg__kink(e, at, args[0].n[k], b->name);
    return lg__map1(e, at, b->op, args[0], out);
}
