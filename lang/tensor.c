/*
 * tensor.c: vectors and matrices over scalar nodes: element-wise operations
 * with broadcasting, @, transpose, indexing, literals, sums and means.
 *
 * Shapes: a vector is 1-d (n entries) and acts as a column on the right of
 * @ (M @ v) and as a row on its left (v @ M); v @ w is the dot product.
 * Broadcasting: a scalar goes with anything; a vector of n goes with an
 * m x n matrix, one entry per column (numpy's rule: b in a @ W + b adds b to
 * every row). Every shape error names the operator and both shapes.
 */
#include "builtins.h"
#include "lex.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *op_name(char op)
{
    switch (op) {
    case LX_LE: return "<=";
    case LX_GE: return ">=";
    case LX_EQ: return "==";
    case LX_NE: return "!=";
    case '<': return "<";
    case '>': return ">";
    case '+': return "+";
    case '-': return "-";
    case '*': return "*";
    case '/': return "/";
    case '^': return "^";
    default: return "@";
    }
}

static ag_node compare(ev *e, const ex_node *at, char op, ag_node a, ag_node b)
{
    ag_tape *t = e->r->t;
    ag_node u = ag_sub(t, a, b);
    if (!lg__node_ok(e, at, u))
        return AG_NULL;
    lg__kink(e, at, u, op_name(op));
    double x = ag_value(t, a), y = ag_value(t, b);
    bool r = op == '<' ? x < y : op == '>' ? x > y : op == LX_LE ? x <= y : op == LX_GE ? x >= y
           : op == LX_EQ ? x == y : x != y;
    return ag_const(t, r ? 1.0 : 0.0); /* piecewise constant: derivative 0 */
}

static ag_node scalar2(ev *e, const ex_node *at, char op, ag_node a, ag_node b)
{
    ag_tape *t = e->r->t;
    switch (op) {
    case '+': return ag_add(t, a, b);
    case '-': return ag_sub(t, a, b);
    case '*': return ag_mul(t, a, b);
    case '/': return ag_div(t, a, b);
    case '^':
        if (ag_node_op(t, b) == AG_OP_CONST)
            return ag_powc(t, a, ag_value(t, b));
        return ag_binary(t, AG_OP_POW, a, b);
    default: return compare(e, at, op, a, b);
    }
}

/* The broadcast shape of a and b, false when they do not go together. */
static bool broadcast(lg_shape a, lg_shape b, lg_shape *out)
{
    if ((a.ndim == b.ndim && a.rows == b.rows && a.cols == b.cols) ||
        (a.ndim == 2 && b.ndim == 1 && b.rows == a.cols))
        *out = a;
    else if (a.ndim == 0 || b.ndim == 0)
        *out = a.ndim ? a : b;
    else if (a.ndim == 1 && b.ndim == 2 && a.rows == b.cols)
        *out = b;
    else
        return false;
    return true;
}

/* entry k of v within the broadcast shape s */
static ag_node at_k(val v, lg_shape s, size_t k)
{
    if (v.s.ndim == 0)
        return v.n[0];
    if (v.s.ndim == 1 && s.ndim == 2)
        return v.n[k % s.cols];
    return v.n[k];
}

static bool shape_error(ev *e, const ex_node *at, const char *op, val a, val b, const char *need)
{
    char sa[32], sb[32];
    const ex_node *x = at;
    const lg_prog *p = e->r->p;
    const char *na = x->a >= 0 && p->ex[x->a].kind == EX_NAME ? p->ex[x->a].name : "the left side";
    const char *nb = x->b >= 0 && p->ex[x->b].kind == EX_NAME ? p->ex[x->b].name : "the right side";
    lg__shape_str(a.s, sa, sizeof sa);
    lg__shape_str(b.s, sb, sizeof sb);
    lg__fail(e, at, AG_EINVAL, "%s %s %s, %s %s %s: %s %s", na, a.s.ndim == 2 ? "is" : "has", sa, nb,
             b.s.ndim == 2 ? "is" : "has", sb, op, need);
    return false;
}

bool lg__elementwise2(ev *e, const ex_node *at, char op, val a, val b, val *out)
{
    lg_shape s;
    if (!broadcast(a.s, b.s, &s))
        return shape_error(e, at, op_name(op), a, b, "needs the same shape, a scalar, or a vector of one entry per column");
    if (!lg__val_new(e, s, out))
        return false;
    for (size_t k = 0; k < lg__size(s); k++) {
        out->n[k] = scalar2(e, at, op, at_k(a, s, k), at_k(b, s, k));
        if (!lg__node_ok(e, at, out->n[k]))
            return false;
    }
    return true;
}

bool lg__map1(ev *e, const ex_node *at, ag_op op, val a, val *out)
{
    if (!lg__val_new(e, a.s, out))
        return false;
    for (size_t k = 0; k < lg__size(a.s); k++) {
        out->n[k] = ag_unary(e->r->t, op, a.n[k]);
        if (!lg__node_ok(e, at, out->n[k]))
            return false;
    }
    return true;
}

bool lg__matmul(ev *e, const ex_node *at, val a, val b, val *out)
{
    size_t inner_a = a.s.ndim == 2 ? a.s.cols : a.s.rows;  /* v @ M: v is a row */
    size_t inner_b = b.s.rows;
    if (a.s.ndim == 0 || b.s.ndim == 0)
        return shape_error(e, at, "@", a, b, "multiplies vectors and matrices (use * for a scalar)");
    if (inner_a != inner_b) {
        char need[64];
        snprintf(need, sizeof need, "needs %zu %s on the right", inner_a, b.s.ndim == 2 ? "rows" : "entries");
        return shape_error(e, at, "@", a, b, need);
    }
    size_t n = inner_a;
    size_t rows = a.s.ndim == 2 ? a.s.rows : 1, cols = b.s.ndim == 2 ? b.s.cols : 1;
    /* each product term is 8 bytes on the tape: bound the memory */
    if ((double)rows * (double)cols * (double)n > (double)LG_MAX_NODES) {
        lg__fail(e, at, AG_ERANGE, "this @ takes %.0f multiply-adds (%zux%zu results of %zu terms): the limit is %zu",
                 (double)rows * (double)cols * (double)n, rows, cols, n, LG_MAX_NODES);
        return false;
    }
    lg_shape s = a.s.ndim == 2 && b.s.ndim == 2 ? (lg_shape){2, rows, cols}
               : a.s.ndim == 2 ? (lg_shape){1, rows, 1}
               : b.s.ndim == 2 ? (lg_shape){1, cols, 1} : (lg_shape){0, 1, 1};
    if (!lg__val_new(e, s, out))
        return false;
    /* a dot's inputs interleaved: a row's w_k, then the column's x_k */
    ag_node *pairs = ag_realloc(NULL, 2 * n * sizeof *pairs);
    if (!pairs) {
        lg__fail(e, at, AG_ENOMEM, "out of memory");
        return false;
    }
    bool ok = true;
    for (size_t j = 0; j < cols && ok; j++) {
        for (size_t k = 0; k < n; k++)
            pairs[2 * k + 1] = b.s.ndim == 2 ? b.n[k * b.s.cols + j] : b.n[k];
        for (size_t i = 0; i < rows && ok; i++) {
            const ag_node *row = a.s.ndim == 2 ? a.n + i * n : a.n;
            for (size_t k = 0; k < n; k++)
                pairs[2 * k] = row[k];
            ag_node d = ag_apply(e->r->t, AG_OP_DOT, pairs, 2 * n);
            ok = lg__node_ok(e, at, d);
            out->n[i * cols + j] = d;
        }
    }
    ag_free(pairs);
    return ok;
}

bool lg__transpose(ev *e, const ex_node *at, val a, val *out)
{
    (void)at;
    if (a.s.ndim < 2) {
        *out = a; /* a 1-d vector is its own transpose */
        return true;
    }
    if (!lg__val_new(e, (lg_shape){2, a.s.cols, a.s.rows}, out))
        return false;
    for (size_t i = 0; i < a.s.rows; i++)
        for (size_t j = 0; j < a.s.cols; j++)
            out->n[j * a.s.rows + i] = a.n[i * a.s.cols + j];
    return true;
}

bool lg__const_int(ev *e, const ex_node *at, val v, const char *what, long lo, long hi, long *out)
{
    if (v.s.ndim != 0) {
        lg__fail(e, at, AG_EINVAL, "%s must be a number", what);
        return false;
    }
    double x = ag_value(e->r->t, v.n[0]);
    if (!(x >= (double)lo && x <= (double)hi) || x != floor(x)) {
        lg__fail(e, at, AG_ERANGE, "%s is %g: it must be a whole number from %ld to %ld", what, x, lo, hi);
        return false;
    }
    *out = (long)x;
    return true;
}

bool lg__index(ev *e, const ex_node *at, val a, const val *idx, int n, val *out)
{
    bool all[2] = {n > 0 && !idx[0].n, n > 1 && !idx[1].n};
    long i = 1, j = 1;
    if (a.s.ndim == 0 || n != a.s.ndim) {
        char s[32];
        lg__fail(e, at, AG_EINVAL, "%s, so it takes %s index%s, not %d", lg__shape_str(a.s, s, sizeof s),
                 a.s.ndim == 0 ? "no" : a.s.ndim == 1 ? "one" : "two", a.s.ndim == 1 ? "" : "es", n);
        return false;
    }
    char what[64];
    snprintf(what, sizeof what, "the %sindex", n == 2 ? "row " : "");
    if (!all[0] && !lg__const_int(e, at, idx[0], what, 1, (long)a.s.rows, &i))
        return false;
    if (n == 2 && !all[1] && !lg__const_int(e, at, idx[1], "the column index", 1, (long)a.s.cols, &j))
        return false;
    size_t r0 = all[0] ? 0 : (size_t)i - 1, r1 = all[0] ? a.s.rows : (size_t)i;
    size_t c0 = n < 2 ? 0 : all[1] ? 0 : (size_t)j - 1, c1 = n < 2 ? 1 : all[1] ? a.s.cols : (size_t)j;
    size_t cnt = (r1 - r0) * (c1 - c0);
    lg_shape s = all[0] && n == 2 && all[1] ? a.s : all[0] && n == 1 ? a.s
               : (all[0] || (n == 2 && all[1])) ? (lg_shape){1, cnt, 1} : (lg_shape){0, 1, 1};
    if (!lg__val_new(e, s, out))
        return false;
    size_t w = 0;
    for (size_t r = r0; r < r1; r++)
        for (size_t c = c0; c < c1; c++)
            out->n[w++] = a.n[r * (n == 2 ? a.s.cols : 1) + c];
    return true;
}

bool lg__list(ev *e, const ex_node *at, const val *items, int n, val *out)
{
    lg_shape first = items[0].s;
    if (first.ndim == 2) {
        lg__fail(e, at, AG_EINVAL, "a list of matrices: only vectors [1, 2] and matrices [[1, 2], [3, 4]]");
        return false;
    }
    for (int k = 1; k < n; k++) {
        if (items[k].s.ndim != first.ndim || items[k].s.rows != first.rows) {
            char a[32], b[32];
            lg__fail(e, at, AG_EINVAL, "the rows of a matrix differ: row 1 has %s, row %d has %s",
                     lg__shape_str(first, a, sizeof a), k + 1, lg__shape_str(items[k].s, b, sizeof b));
            return false;
        }
    }
    lg_shape s = first.ndim == 0 ? (lg_shape){1, (size_t)n, 1} : (lg_shape){2, (size_t)n, first.rows};
    if (!lg__val_new(e, s, out))
        return false;
    size_t w = 0;
    for (int k = 0; k < n; k++)
        for (size_t c = 0; c < lg__size(items[k].s); c++)
            out->n[w++] = items[k].n[c];
    return true;
}

bool lg__reduce(ev *e, const ex_node *at, val a, int axis, bool mean, val *out)
{
    ag_tape *t = e->r->t;
    if (axis == 0 || a.s.ndim < 2) {
        if (axis > 1 && a.s.ndim < 2) {
            lg__fail(e, at, AG_EINVAL, "axis %d of a value with %d ax%s", axis, a.s.ndim ? 1 : 0, a.s.ndim ? "is" : "es");
            return false;
        }
        size_t n = lg__size(a.s);
        if (!lg__val_new(e, (lg_shape){0, 1, 1}, out))
            return false;
        ag_node s = ag_apply(t, AG_OP_SUM, a.n, n);
        if (mean && lg__node_ok(e, at, s))
            s = ag_div(t, s, ag_const(t, (double)n));
        out->n[0] = s;
        return lg__node_ok(e, at, s);
    }
    /* axis 1 sums over the rows (one result per column), axis 2 over columns */
    size_t outer = axis == 1 ? a.s.cols : a.s.rows, inner = axis == 1 ? a.s.rows : a.s.cols;
    val tmp;
    if (!lg__val_new(e, (lg_shape){1, outer, 1}, out) || !lg__val_new(e, (lg_shape){1, inner, 1}, &tmp))
        return false;
    for (size_t o = 0; o < outer; o++) {
        for (size_t k = 0; k < inner; k++)
            tmp.n[k] = axis == 1 ? a.n[k * a.s.cols + o] : a.n[o * a.s.cols + k];
        ag_node s = ag_apply(t, AG_OP_SUM, tmp.n, inner);
        if (mean && lg__node_ok(e, at, s))
            s = ag_div(t, s, ag_const(t, (double)inner));
        if (!lg__node_ok(e, at, s))
            return false;
        out->n[o] = s;
    }
    return true;
}
