/*
 * prog.c: a parsed program's inputs: their shapes, values given from
 * outside (the command line's name=value), and which are data.
 *
 * Data or perturbed (the rule, documented in docs/lang.md): the checker
 * moves every input to nearby sample points except data, which stays at
 * its given value. An input is data when it is declared so (`data y =
 * ...`), or when it looks like labels: a literal of at least two entries,
 * all 0 or 1, with exactly one 1 in each row (one-hot: a label vector, or a
 * batch of them). `vary y = ...` perturbs one anyway; lg_prog_set_data
 * overrides both. Everything else, scalars included, is perturbed, so a
 * claim that is right only at the given value of an input is caught.
 */
#include "eval.h"

#include <stdio.h>
#include <string.h>

void lg_prog_set_seed(lg_prog *p, uint64_t seed)
{
    if (p)
        p->seed = seed;
}

/* Shape and values of a literal expression (numbers and lists of them);
 * vals may be NULL to ask for the shape only. */
static bool literal(const lg_prog *p, int e, lg_shape *s, double *vals, size_t *n)
{
    const ex_node *x = &p->ex[e];
    if (x->kind == EX_NUM || x->kind == EX_NEG) {
        double v = 0;
        int sign = 1;
        while (x->kind == EX_NEG) {
            sign = -sign;
            x = &p->ex[x->a];
        }
        if (x->kind != EX_NUM)
            return false;
        v = sign * x->num;
        if (vals)
            vals[*n] = v;
        (*n)++;
        *s = (lg_shape){0, 1, 1};
        return true;
    }
    if (x->kind != EX_LIST)
        return false;
    lg_shape first = {0, 0, 0};
    for (int k = 0; k < x->nkid; k++) {
        lg_shape sk;
        if (!literal(p, p->kids[x->kid0 + k], &sk, vals, n) || sk.ndim > 1 ||
            (k > 0 && (sk.ndim != first.ndim || sk.rows != first.rows)))
            return false;
        if (k == 0)
            first = sk;
    }
    *s = first.ndim == 0 ? (lg_shape){1, (size_t)x->nkid, 1} : (lg_shape){2, (size_t)x->nkid, first.rows};
    return true;
}

static const stmt *input_stmt(const lg_prog *p, size_t k)
{
    for (size_t i = 0; p && i < p->n_st; i++)
        if (p->st[i].kind == ST_INPUT && k-- == 0)
            return &p->st[i];
    return NULL;
}

size_t lg__prog_n_inputs(const lg_prog *p)
{
    size_t n = 0;
    for (size_t i = 0; p && i < p->n_st; i++)
        n += p->st[i].kind == ST_INPUT;
    return n;
}

size_t lg__prog_n_claims(const lg_prog *p)
{
    size_t n = 0;
    for (size_t i = 0; p && i < p->n_st; i++)
        n += p->st[i].kind == ST_CLAIM;
    return n;
}

static bool one_hot(const lg_prog *p, const stmt *s)
{
    lg_shape sh;
    size_t n = 0;
    if (s->expr < 0 || !literal(p, s->expr, &sh, NULL, &n) || n < 2 || sh.ndim == 0)
        return false;
    double buf[256];
    double *v = n <= 256 ? buf : ag_realloc(NULL, n * sizeof *v);
    if (!v)
        return false;
    n = 0;
    literal(p, s->expr, &sh, v, &n);
    bool ok = true;
    size_t cols = sh.ndim == 2 ? sh.cols : n;
    for (size_t r = 0; ok && r < n / cols; r++) {
        size_t ones = 0;
        for (size_t c = 0; c < cols; c++) {
            double x = v[r * cols + c];
            ok = ok && (x == 0.0 || x == 1.0);
            ones += x == 1.0;
        }
        ok = ok && ones == 1;
    }
    if (v != buf)
        ag_free(v);
    return ok;
}

bool lg_prog_input(const lg_prog *p, size_t k, lg_input_info *out)
{
    const stmt *s = input_stmt(p, k);
    if (!s || !out)
        return false;
    memset(out, 0, sizeof *out);
    out->name = s->name;
    size_t n = 0;
    if (s->ndim)
        out->shape = (lg_shape){s->ndim, s->rows, s->cols};
    else if (s->expr < 0 || !literal(p, s->expr, &out->shape, NULL, &n))
        out->shape = (lg_shape){0, 1, 1};
    if (s->data_set >= 0) {
        out->data = s->data_set == 1;
        out->why = out->data ? "held fixed by request" : "varied by request";
    } else if (s->role == IN_DATA) {
        out->data = true;
        out->why = "declared data";
    } else if (s->role == IN_VARY) {
        out->why = "declared vary";
    } else if (one_hot(p, s)) {
        out->data = true;
        out->why = "one-hot (labels)";
    } else {
        out->why = "an input";
    }
    return true;
}

static stmt *find_input(lg_prog *p, const char *name, ag_error *err)
{
    for (size_t i = 0; i < p->n_st; i++) {
        stmt *s = &p->st[i];
        if (s->name && strcmp(s->name, name) == 0) {
            if (s->kind == ST_INPUT)
                return s;
            err->status = AG_EINVAL;
            snprintf(err->message, sizeof err->message, "'%s' is assigned a formula at line %d: it is not an input",
                     name, s->line);
            err->line = s->line;
            err->column = s->col;
            return NULL;
        }
    }
    err->status = LG_ENOTFOUND;
    snprintf(err->message, sizeof err->message, "no input named '%.64s'", name);
    return NULL;
}

/* Whether the program reads `name` anywhere (so that name=value may add it). */
static bool uses_name(const lg_prog *p, const char *name)
{
    for (size_t i = 0; i < p->n_ex; i++)
        if (p->ex[i].kind == EX_NAME && strcmp(p->ex[i].name, name) == 0)
            return true;
    return false;
}

ag_status lg_prog_set_input(lg_prog *p, const char *name, const double *v, size_t n, ag_error *err)
{
    ag_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    if (!p || !name || (!v && n)) {
        err->status = AG_ENULL;
        snprintf(err->message, sizeof err->message, "lg_prog_set_input: NULL argument");
        return err->status;
    }
    stmt *s = find_input(p, name, err);
    if (!s && err->status == LG_ENOTFOUND && uses_name(p, name) && n == 1) {
        memset(err, 0, sizeof *err);
        stmt *st = ag_realloc(p->st, (p->n_st + 1) * sizeof *st);
        const char *copy = lg__str(p, name, strlen(name));
        if (!st || !copy) {
            if (st)
                p->st = st;
            err->status = AG_ENOMEM;
            snprintf(err->message, sizeof err->message, "out of memory");
            return err->status;
        }
        p->st = st;
        p->cap_st = p->n_st + 1;
        /* after the inputs added before it: the order given is the tape's */
        size_t at = 0;
        while (at < p->n_st && p->st[at].kind == ST_INPUT && p->st[at].line == 0)
            at++;
        memmove(p->st + at + 1, p->st + at, (p->n_st - at) * sizeof *p->st);
        p->n_st++;
        s = &p->st[at];
        memset(s, 0, sizeof *s);
        *s = (stmt){.kind = ST_INPUT, .name = copy, .expr = -1, .rows = 1, .cols = 1, .data_set = -1};
    }
    if (!s)
        return err->status;
    double *c = ag_realloc(NULL, (n ? n : 1) * sizeof *c);
    if (!c) {
        err->status = AG_ENOMEM;
        snprintf(err->message, sizeof err->message, "out of memory");
        return err->status;
    }
    if (n)
        memcpy(c, v, n * sizeof *c);
    ag_free(s->ovr);
    s->ovr = c;
    s->n_ovr = n;
    return AG_OK;
}

ag_status lg_prog_set_data(lg_prog *p, const char *name, bool data, ag_error *err)
{
    ag_error scratch;
    if (!err)
        err = &scratch;
    memset(err, 0, sizeof *err);
    stmt *s = p && name ? find_input(p, name, err) : NULL;
    if (!s)
        return err->status ? err->status : AG_ENULL;
    s->data_set = data ? 1 : 0;
    return AG_OK;
}
