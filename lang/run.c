/*
 * run.c: a program's statements recorded on a tape (lg_eval), its names
 * and output, and extra expressions in its scope (lg_run_expr).
 *
 * Inputs: a scalar or literal input becomes ag_var leaves with its values;
 * one declared with a shape (W: 3x2) is filled from a splitmix64 stream
 * seeded by the program's seed and the input's name, uniform in [-1, 1],
 * the same on every platform. `point` (from the checker) replaces the
 * values of input k by point[k] when not NULL.
 */
#include "builtins.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* splitmix64 (Steele, Lea, Flood 2014) */
static uint64_t mix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t name_seed(uint64_t seed, const char *name)
{
    uint64_t h = seed ^ UINT64_C(0xCBF29CE484222325);
    for (const char *c = name; c && *c; c++)
        h = (h ^ (unsigned char)*c) * UINT64_C(0x100000001B3); /* FNV-1a */
    return h;
}

/* Name entry k of a value called `name`: "x", "x[2]", "W[2,1]" (1-based). */
static void entry_name(char *buf, size_t size, const char *name, lg_shape s, size_t k)
{
    if (s.ndim == 0)
        snprintf(buf, size, "%s", name);
    else if (s.ndim == 1)
        snprintf(buf, size, "%s[%zu]", name, k + 1);
    else
        snprintf(buf, size, "%s[%zu,%zu]", name, k / s.cols + 1, k % s.cols + 1);
}

static bool name_value(ev *e, const ex_node *at, const char *name, val *v, bool fresh)
{
    lg_run *r = e->r;
    if (!name)
        name = "?";
    val own;
    if (!lg__val_new(e, v->s, &own))
        return false;
    ag_node zero = AG_NULL;
    char buf[AG_NAME_MAX + 1];
    for (size_t k = 0; k < lg__size(v->s); k++) {
        ag_node n = v->n[k];
        ag_op op = ag_node_op(r->t, n);
        if (!fresh && (op == AG_OP_CONST || op == AG_OP_VAR || ag_name_of(r->t, n))) {
            if (ag_is_null(zero))
                zero = ag_const(r->t, 0.0);
            n = ag_add(r->t, n, zero); /* an identity node of its own */
            if (!lg__node_ok(e, at, n))
                return false;
        }
        own.n[k] = n;
        entry_name(buf, sizeof buf, name, v->s, k);
        if (strlen(name) + 24 < sizeof buf && ag_name_set(r->t, n, buf) != AG_OK) {
            lg__fail(e, at, ag_tape_status(r->t), "%s", ag_tape_error(r->t));
            return false;
        }
    }
    *v = own;
    return true;
}

/* Values of a literal expression (numbers and lists) into a value of
 * constants, then variables with those values. */
static bool input_value(ev *e, const stmt *s, size_t ordinal, val *out)
{
    lg_run *r = e->r;
    const ex_node *at = s->expr >= 0 ? &r->p->ex[s->expr] : NULL;
    lg_shape shape = {s->ndim, s->rows ? s->rows : 1, s->cols ? s->cols : 1};
    val lit = {shape, NULL};
    if (s->expr >= 0) {
        if (!lg__eval_expr(e, s->expr, &lit))
            return false;
        if (s->ndim && (lit.s.ndim != s->ndim || lit.s.rows != s->rows || lit.s.cols != s->cols)) {
            char a[32], b[32];
            lg__fail(e, at, AG_EINVAL, "%s is declared %s but its value has %s", s->name,
                     lg__shape_str(shape, a, sizeof a), lg__shape_str(lit.s, b, sizeof b));
            return false;
        }
        shape = lit.s;
    }
    size_t n = lg__size(shape);
    if (s->ovr && s->n_ovr != n) {
        char a[32];
        lg__fail(e, at, AG_EINVAL, "%s has %s: %zu value%s given", s->name, lg__shape_str(shape, a, sizeof a),
                 s->n_ovr, s->n_ovr == 1 ? "" : "s");
        return false;
    }
    if (!lg__val_new(e, shape, out))
        return false;
    uint64_t rng = name_seed(r->p->seed, s->name);
    const double *pt = r->point ? r->point[ordinal] : NULL;
    for (size_t k = 0; k < n; k++) {
        double v = pt ? pt[k] : s->ovr ? s->ovr[k]
                 : lit.n ? ag_value(r->t, lit.n[k])
                         : (double)(mix(&rng) >> 11) * 0x1.0p-52 - 1.0;
        if (!isfinite(v)) {
            lg__fail(e, at ? at : NULL, AG_EINVAL, "input %s%s is %g: inputs must be finite numbers", s->name,
                     n > 1 ? " has an entry that" : "", v);
            if (!at) {
                e->err->line = s->line;
                e->err->column = s->col;
            }
            return false;
        }
        out->n[k] = ag_var(r->t, v);
        if (!lg__node_ok(e, at, out->n[k]))
            return false;
    }
    return name_value(e, at, s->name, out, true);
}

static bool run_statement(ev *e, size_t i, size_t *ordinal)
{
    lg_run *r = e->r;
    const stmt *s = &r->p->st[i];
    ex_node where = {.line = s->line, .col = s->col};
    val v;
    if (s->kind == ST_CLAIM)
        return true;
    if (s->name && lg__lookup(r, s->name)) {
        const binding *old = lg__lookup(r, s->name);
        lg__fail(e, &where, AG_ENAME, "'%s' is already assigned at line %d: use a new name", s->name,
                 old->stmt >= 0 ? r->p->st[old->stmt].line : 0);
        return false;
    }
    if (s->kind == ST_INPUT) {
        if (!input_value(e, s, (*ordinal)++, &v))
            return false;
    } else {
        if (!lg__eval_expr(e, s->expr, &v))
            return false;
        if (s->kind == ST_ASSIGN && !name_value(e, &where, s->name, &v, false))
            return false;
    }
    if (s->kind == ST_EXPR) {
        r->out = v;
        r->out_name = NULL;
        r->have_out = true;
        /* a bare output is f, as agrad grad calls it, when f is free */
        for (size_t k = 0; k < r->p->n_st; k++)
            if (r->p->st[k].name && strcmp(r->p->st[k].name, "f") == 0)
                return true;
        return lg__lookup(r, "f") || lg__bind(e, "f", v, (int)i);
    }
    r->out = v;
    r->out_name = s->name;
    r->have_out = true;
    return lg__bind(e, s->name, v, (int)i);
}

lg_run *lg__eval_at(lg_prog *p, ag_tape *t, const double *const *point, ag_error *err)
{
    ag_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (!p || !t) {
        err->status = AG_ENULL;
        snprintf(err->message, sizeof err->message, "lg_eval: no %s", p ? "tape" : "program");
        return NULL;
    }
    lg_run *r = ag_realloc(NULL, sizeof *r);
    if (!r) {
        err->status = AG_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return NULL;
    }
    memset(r, 0, sizeof *r);
    r->p = p;
    r->t = t;
    r->point = point;
    r->n_start = ag_tape_len(t);
    ev e = {.r = r, .err = err};
    size_t ordinal = 0;
    for (size_t i = 0; i < p->n_st && !e.failed; i++)
        run_statement(&e, i, &ordinal);
    if (e.failed) {
        lg_run_free(r);
        return NULL;
    }
    /* an unnamed scalar output is called f, as the notes' f(x); out when the
     * program uses f for something else (an input), unnamed when both are */
    const char *out_name = ag_is_null(ag_name_find(t, "f"))     ? "f"
                           : ag_is_null(ag_name_find(t, "out")) ? "out"
                                                                : NULL;
    if (r->have_out && !r->out_name && lg__size(r->out.s) == 1 && !ag_name_of(t, r->out.n[0]) &&
        ag_node_op(t, r->out.n[0]) != AG_OP_CONST && ag_node_op(t, r->out.n[0]) != AG_OP_VAR && out_name)
        if (ag_name_set(t, r->out.n[0], out_name) != AG_OK) { /* out of memory: say so, lose nothing */
            lg__fail(&e, NULL, ag_tape_status(t), "naming the output f: %s", ag_tape_error(t));
            lg_run_free(r);
            return NULL;
        }
    return r;
}

lg_run *lg_eval(lg_prog *p, ag_tape *t, ag_error *err) { return lg__eval_at(p, t, NULL, err); }

void lg_run_free(lg_run *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nblk; i++)
        ag_free(r->blk[i]);
    ag_free(r->blk);
    ag_free(r->b);
    ag_free(r->hash);
    ag_free(r->k);
    ag_free(r);
}

bool lg_run_lookup(const lg_run *r, const char *name, lg_value *out)
{
    const binding *b = r && name ? lg__lookup(r, name) : NULL;
    if (b && out)
        *out = (lg_value){b->v.s, b->v.n};
    return b != NULL;
}

bool lg_run_output(const lg_run *r, lg_value *out, const char **name)
{
    if (!r || !r->have_out)
        return false;
    if (out)
        *out = (lg_value){r->out.s, r->out.n};
    if (name)
        *name = r->out_name ? r->out_name : "f";
    return true;
}

bool lg_run_expr(lg_run *r, const char *src, size_t len, lg_value *out, ag_error *err)
{
    ag_error scratch;
    if (!err)
        err = &scratch;
    lg_prog *q = lg_parse(src, len, err);
    if (!q)
        return false;
    bool ok = q->n_st == 1 && q->st[0].kind != ST_CLAIM && !q->st[0].name;
    if (!ok) {
        err->status = LG_EPARSE;
        snprintf(err->message, sizeof err->message, "expected one expression");
        lg_prog_free(q);
        return false;
    }
    /* evaluate q's expression with r's names: swap the program in */
    lg_prog *saved = r->p;
    r->p = q;
    ev e = {.r = r, .err = err};
    val v;
    ok = lg__eval_expr(&e, q->st[0].expr, &v);
    r->p = saved;
    lg_prog_free(q); /* v's nodes live in r's blocks; q's strings are not kept */
    if (ok && out)
        *out = (lg_value){v.s, v.n};
    return ok;
}
