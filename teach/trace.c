/*
 * trace.c: the chain-rule ledger. ag_trace runs the engine's stepper (the
 * very sweep of ag_backward, one node at a time) and prints, for each node,
 * its formula and value, then one line per edge:
 *   dL/dw += dL/dz (upstream) × dz/dw (where the local derivative comes
 *   from = its value) = contribution   → dL/dw = running total
 *
 * Invariant: every number printed is one the engine computed (the stepper's
 * upstream, local, contribution and running gradient, and recorded values);
 * the text around a local derivative only shows which closed form of ops.c
 * gave it and its operands, so the ledger cannot disagree with ag_backward.
 *
 * Built on the public engine API (autograd.h) alone.
 */
#include "teach.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define LABEL (AG_NAME_MAX + 32)

typedef struct syms {
    const char *times, *arrow, *sigma, *sq, *le, *ge, *dot, *root;
} syms;

static const syms utf8_syms = {"×", "→", "σ", "²", "≤", "≥", "·", "√"};
static const syms ascii_syms = {"*", "->", "sigmoid", "^2", "<=", ">=", "*", "sqrt"};

typedef struct ctx {
    ag_tape *t;
    FILE *out;
    const syms *s;
    char y[LABEL]; /* the output's label */
    size_t recorded_from; /* > 0: nodes from here on are a recorded backward */
} ctx;

const char *ag_node_label(ag_tape *t, ag_node n, char *buf, size_t size)
{
    if (!buf || size == 0)
        return buf;
    const char *name = ag_name_of(t, n);
    if (name)
        snprintf(buf, size, "%s", name);
    else if (ag_is_null(n))
        snprintf(buf, size, "null");
    else
        snprintf(buf, size, "%s#%u", ag_op_info_of(ag_node_op(t, n))->name, n.idx);
    return buf;
}

/* An operand as it reads in a formula: an unnamed constant is its value,
 * anything else its label. */
static const char *operand(ctx *c, ag_node n, char *buf)
{
    if (ag_node_op(c->t, n) == AG_OP_CONST && !ag_name_of(c->t, n))
        snprintf(buf, LABEL, "%.6g", ag_value(c->t, n));
    else
        ag_node_label(c->t, n, buf, LABEL);
    return buf;
}

/* A number to be raised to a power or multiplied: parenthesised when
 * negative, so that "(-0.5)²" does not read as -(0.5²). */
static const char *num(double v, char *buf, size_t size)
{
    snprintf(buf, size, v < 0 ? "(%.6g)" : "%.6g", v);
    return buf;
}

/* "x = 2" for a named or interior operand, "= 0.5" for an unnamed constant:
 * the factor a local derivative equals. */
static void print_equal_operand(ctx *c, ag_node n)
{
    char b[LABEL];
    if (ag_node_op(c->t, n) == AG_OP_CONST && !ag_name_of(c->t, n))
        fprintf(c->out, "= %.6g", ag_value(c->t, n));
    else
        fprintf(c->out, "%s = %.6g", ag_node_label(c->t, n, b, sizeof b), ag_value(c->t, n));
}

/* Inputs of an n-ary node, at most `show` of them, ", "-separated. */
static void print_list(ctx *c, ag_node n, size_t arity, size_t show)
{
    char b[LABEL];
    for (size_t k = 0; k < arity && k < show; k++)
        fprintf(c->out, "%s%s", k ? ", " : "", operand(c, ag_node_input(c->t, n, k), b));
    if (arity > show)
        fprintf(c->out, ", … (%zu terms)", arity);
}

/* An op's symbol as the ledger writes it: × and σ in UTF-8. */
static const char *symbol(const ctx *c, ag_op op)
{
    if (op == AG_OP_MUL)
        return c->s->times;
    if (op == AG_OP_SIGMOID)
        return c->s->sigma;
    return ag_op_info_of(op)->symbol;
}

/* "z = w × x = 0.2": the node's formula over its operands, in its op's
 * form (ag_ops.h), and its value. */
static void print_formula(ctx *c, ag_node n)
{
    ag_tape *t = c->t;
    ag_op op = ag_node_op(t, n);
    const ag_op_info *info = ag_op_info_of(op);
    size_t arity = ag_node_arity(t, n);
    char self[LABEL], a[LABEL], b[LABEL];
    ag_node_label(t, n, self, sizeof self);
    if (arity >= 1)
        operand(c, ag_node_input(t, n, 0), a);
    if (arity >= 2)
        operand(c, ag_node_input(t, n, 1), b);
    fprintf(c->out, "%s = ", self);
    switch (info ? info->form : AG_FORM_LEAF) {
    case AG_FORM_INFIX:
        fprintf(c->out, "%s %s %s", a, symbol(c, op), b);
        break;
    case AG_FORM_POWER:
        fprintf(c->out, "%s^%s", a, b);
        break;
    case AG_FORM_PREFIX:
        fprintf(c->out, "%s%s", symbol(c, op), a);
        break;
    case AG_FORM_CALL:
        if (arity == 2)
            fprintf(c->out, "%s(%s, %s)", ag_op_info_of(op)->name, a, b);
        else
            fprintf(c->out, "%s(%s)", symbol(c, op), a);
        break;
    case AG_FORM_LIST:
        fprintf(c->out, "%s(", symbol(c, op)); /* sum_run reads "sum" */
        print_list(c, n, arity, 4);
        fprintf(c->out, ")");
        break;
    case AG_FORM_DOT: {
        size_t terms = arity / 2;
        for (size_t k = 0; k < terms && k < 3; k++)
            fprintf(c->out, "%s%s %s %s", k ? " + " : "", operand(c, ag_node_input(t, n, 2 * k), a),
                    c->s->times, operand(c, ag_node_input(t, n, 2 * k + 1), b));
        if (terms > 3)
            fprintf(c->out, " + … (%zu products)", terms);
        if (arity % 2)
            fprintf(c->out, " + %s", operand(c, ag_node_input(t, n, arity - 1), a));
        break;
    }
    case AG_FORM_LEAF:
        fprintf(c->out, "%s", self);
        break;
    }
    fprintf(c->out, " = %.6g\n", ag_value(t, n));
}

/* What a local derivative's template (ag_ops.h) is rendered from. */
typedef struct local {
    ctx *c;
    ag_node n, in0, in1, ink;
    size_t k, arity;
    double x, x1, y, d;
} local;

/* One {name} of a template into the ledger; false when unknown. */
static bool render_field(const local *l, const char *f, size_t len)
{
    FILE *o = l->c->out;
    const syms *s = l->c->s;
    char b[LABEL];
#define IS(lit) (len == sizeof(lit) - 1 && memcmp(f, lit, len) == 0)
    if (IS("a") || IS("b") || IS("in")) {
        fputs(operand(l->c, IS("a") ? l->in0 : IS("b") ? l->in1 : l->ink, b), o);
    } else if (IS("self")) {
        fputs(ag_node_label(l->c->t, l->n, b, sizeof b), o);
    } else if (IS("x") || IS("X") || IS("y") || IS("d") || IS("vin") || IS("X-1") || IS("1-y")) {
        double v = IS("x") ? l->x : IS("X") ? l->x1 : IS("y") ? l->y : IS("d") ? l->d
                 : IS("vin") ? ag_value(l->c->t, l->ink) : IS("X-1") ? l->x1 - 1.0 : 1.0 - l->y;
        fprintf(o, "%.6g", v);
    } else if (IS("(x)") || IS("(X)") || IS("(y)") || IS("(X-1)")) {
        double v = IS("(x)") ? l->x : IS("(X)") ? l->x1 : IS("(y)") ? l->y : l->x1 - 1.0;
        fputs(num(v, b, sizeof b), o);
    } else if (IS("other") || IS("pair")) {
        /* the other factor; a dot's bias (its last, odd input) has 1 */
        if (IS("pair") && l->arity % 2 && l->k == l->arity - 1)
            fprintf(o, "= %.6g", l->d);
        else
            print_equal_operand(l->c, ag_node_input(l->c->t, l->n, IS("pair") ? l->k ^ 1 : 1 - l->k));
    } else if (IS("cmp0")) { /* relu's side of its kink: relu'(0) = 0 */
        fprintf(o, l->x > 0 ? "> 0" : "%s 0", s->le);
    } else if (IS("slope")) {
        fputs(l->x > 0 ? "" : "slope ", o);
    } else if (IS("a<=b") || IS("a>=b")) { /* ties go to the first argument */
        bool first = IS("a<=b") ? l->x <= l->x1 : l->x >= l->x1;
        fputs(operand(l->c, first ? l->in0 : l->in1, b), o);
    } else if (IS("times") || IS("sigma") || IS("sq") || IS("dot") || IS("root") || IS("le")) {
        fputs(IS("times") ? s->times : IS("sigma") ? s->sigma : IS("sq") ? s->sq : IS("dot") ? s->dot
              : IS("root") ? s->root : s->le, o);
    } else {
        return false;
    }
#undef IS
    return true;
}

/* What is inside the parentheses after dN/dI: where the local derivative of
 * node n with respect to its input at position k comes from (its op's
 * template in ag_ops.h with its numbers), ending with the engine's own
 * value `d`. */
static void print_local(ctx *c, ag_node n, size_t k, double d)
{
    ag_tape *t = c->t;
    const ag_op_info *info = ag_op_info_of(ag_node_op(t, n));
    const char *tpl = info ? info->dtext : "";
    if (k == SIZE_MAX || !*tpl) { /* position unknown: the value alone */
        fprintf(c->out, "= %.6g", d);
        return;
    }
    size_t arity = ag_node_arity(t, n);
    local l = {c, n, ag_node_input(t, n, 0), arity >= 2 ? ag_node_input(t, n, 1) : AG_NULL,
               ag_node_input(t, n, k), k, arity, 0, 0, ag_value(t, n), d};
    l.x = ag_value(t, l.in0);
    l.x1 = arity >= 2 ? ag_value(t, l.in1) : 0.0;
    /* the k-th '|'-separated part, or the only one */
    for (size_t j = 0; j < k && strchr(tpl, '|'); j++)
        tpl = strchr(tpl, '|') + 1;
    size_t end = strcspn(tpl, "|");
    for (size_t i = 0; i < end; i++) {
        const char *close = tpl[i] == '{' ? memchr(tpl + i, '}', end - i) : NULL;
        if (close && render_field(&l, tpl + i + 1, (size_t)(close - tpl - i - 1))) {
            i = (size_t)(close - tpl);
            continue;
        }
        fputc(tpl[i], c->out);
    }
}

static void print_edge(ctx *c, const ag_stepper_step *st, const ag_edge *e, size_t pos)
{
    char node[LABEL], in[LABEL];
    ag_node_label(c->t, st->node, node, sizeof node);
    ag_node_label(c->t, e->input, in, sizeof in);
    fprintf(c->out, "  d%s/d%s += d%s/d%s (%.6g) %s d%s/d%s (", c->y, in, c->y, node, st->upstream,
            c->s->times, node, in);
    print_local(c, st->node, pos, e->local);
    fprintf(c->out, ") = %.6g   %s d%s/d%s = %.6g\n", e->contribution, c->s->arrow, c->y, in, e->input_grad);
}

/* One step: the node's formula, then its edges. The stepper lists edges in
 * input order with constants left out, so walking the inputs alongside,
 * skipping constants, gives each edge's input position. */
static void print_step(ctx *c, const ag_stepper_step *st, unsigned char *reached)
{
    ag_tape *t = c->t;
    if (c->recorded_from && st->node.idx >= c->recorded_from)
        fputs("[recorded] ", c->out);
    print_formula(c, st->node);
    size_t arity = ag_node_arity(t, st->node), k = 0;
    if (st->n_edges == 0 && st->upstream == 0.0) {
        char self[LABEL];
        fprintf(c->out, "  d%s/d%s = 0: nothing flows back through it\n", c->y,
                ag_node_label(t, st->node, self, sizeof self));
        return;
    }
    for (size_t j = 0; j < st->n_edges; j++) {
        const ag_edge *e = &st->edges[j];
        while (k < arity && ag_node_op(t, ag_node_input(t, st->node, k)) == AG_OP_CONST)
            k++;
        size_t pos = SIZE_MAX;
        if (k < arity && ag_node_input(t, st->node, k).idx == e->input.idx)
            pos = k++;
        print_edge(c, st, e, pos);
        if (ag_node_op(t, e->input) == AG_OP_VAR)
            reached[e->input.idx] = 1;
    }
}

/* "gradients: dL/dw = 0.4, dL/db = 0.2": the variables reached, tape order. */
static void print_summary(ctx *c, ag_node y, const unsigned char *reached)
{
    char b[LABEL];
    const char *sep = "";
    fprintf(c->out, "gradients:");
    for (uint32_t i = 0; i <= y.idx; i++) {
        if (!reached[i])
            continue;
        ag_node v = ag_node_from_index(c->t, i);
        fprintf(c->out, "%s d%s/d%s = %.6g", sep, c->y, ag_node_label(c->t, v, b, sizeof b),
                ag_grad(c->t, v));
        sep = ",";
    }
    fprintf(c->out, "%s\n", *sep ? "" : " none");
}

ag_status ag_trace(ag_tape *t, ag_node y, const ag_trace_opts *opts, FILE *out)
{
    ag_status s = ag_check(t, ag_run_of(y, 1), "ag_trace", 2);
    if (s != AG_OK)
        return s;
    if (!out)
        return ag_tape_fail(t, AG_EINVAL, "ag_trace: no output stream (FILE * is NULL)");
    if (ag_node_op(t, y) == AG_OP_CONST)
        return ag_tape_fail(t, AG_EINVAL, "ag_trace: node #%u is a constant: nothing depends on a variable",
                        y.idx);
    ctx c = {t, out, opts && opts->ascii ? &ascii_syms : &utf8_syms, {0}, opts ? opts->recorded_from : 0};
    ag_node_label(t, y, c.y, sizeof c.y);
    unsigned char *reached = ag_realloc(NULL, (size_t)y.idx + 1);
    if (!reached)
        return ag_tape_fail(t, AG_ENOMEM, "ag_trace: out of memory");
    memset(reached, 0, (size_t)y.idx + 1);
    ag_status before = ag_tape_status(t);
    ag_stepper *st = ag_stepper_new(t, y);
    if (!st) {
        ag_free(reached);
        return ag_tape_fail(t, AG_ENOMEM, "ag_trace: out of memory starting the sweep");
    }
    if (ag_node_op(t, y) == AG_OP_VAR)
        reached[y.idx] = 1;
    fprintf(out, "backward from %s = %.6g (seed d%s/d%s = 1)\n", c.y, ag_value(t, y), c.y, c.y);
    if (c.recorded_from)
        fprintf(out, "(lines marked [recorded] are nodes a recorded backward pass added from #%zu on)\n",
                c.recorded_from);
    ag_stepper_step step;
    while (ag_stepper_next(st, &step))
        print_step(&c, &step, reached);
    ag_status anomaly = ag_stepper_free(st);
    if (before == AG_OK && ag_tape_status(t) == AG_ENOMEM) {
        ag_free(reached);
        return AG_ENOMEM; /* the stepper recorded why */
    }
    print_summary(&c, y, reached);
    ag_free(reached);
    if (ferror(out) || fflush(out) != 0)
        return ag_tape_fail(t, AG_TEACH_EIO, "ag_trace: writing the ledger failed: %s", strerror(errno));
    return anomaly;
}

