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
 * Uses tape_internal.h only to validate y and to record errors (ag__fail).
 */
#include "teach.h"
#include "tape_internal.h"

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
        snprintf(buf, size, "%s#%u", ag_op_name(ag_node_op(t, n)), n.idx);
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

/* "z = w × x = 0.2": the node's formula over its operands, and its value. */
static void print_formula(ctx *c, ag_node n)
{
    ag_tape *t = c->t;
    ag_op op = ag_node_op(t, n);
    size_t arity = ag_node_arity(t, n);
    char self[LABEL], a[LABEL], b[LABEL];
    ag_node_label(t, n, self, sizeof self);
    if (arity >= 1)
        operand(c, ag_node_input(t, n, 0), a);
    if (arity >= 2)
        operand(c, ag_node_input(t, n, 1), b);
    fprintf(c->out, "%s = ", self);
    switch (op) {
    case AG_OP_ADD:
    case AG_OP_SUB:
    case AG_OP_DIV:
    case AG_OP_POW:
        fprintf(c->out, "%s %s %s", a, ag_op_symbol(op), b);
        break;
    case AG_OP_MUL:
        fprintf(c->out, "%s %s %s", a, c->s->times, b);
        break;
    case AG_OP_POWC:
        fprintf(c->out, "%s^%s", a, b);
        break;
    case AG_OP_NEG:
        fprintf(c->out, "-%s", a);
        break;
    case AG_OP_SIGMOID:
        fprintf(c->out, "%s(%s)", c->s->sigma, a);
        break;
    case AG_OP_LEAKY_RELU:
    case AG_OP_MIN:
    case AG_OP_MAX:
        fprintf(c->out, "%s(%s, %s)", ag_op_name(op), a, b);
        break;
    case AG_OP_SUM:
    case AG_OP_SUM_RUN:
    case AG_OP_LOGSUMEXP:
        fprintf(c->out, "%s(", ag_op_symbol(op)); /* sum_run reads "sum" */
        print_list(c, n, arity, 4);
        fprintf(c->out, ")");
        break;
    case AG_OP_DOT:
    case AG_OP_DOT_RUN: {
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
    default:
        fprintf(c->out, "%s(%s)", ag_op_symbol(op), a);
        break;
    }
    fprintf(c->out, " = %.6g\n", ag_value(t, n));
}

/* What is inside the parentheses after dN/dI: where the local derivative of
 * node n with respect to its input at position k comes from (the closed form
 * of ops.c with its numbers), ending with the engine's own value `d`. */
static void print_local(ctx *c, ag_node n, size_t k, double d)
{
    ag_tape *t = c->t;
    const syms *s = c->s;
    FILE *o = c->out;
    ag_op op = ag_node_op(t, n);
    size_t arity = ag_node_arity(t, n);
    if (k == SIZE_MAX) { /* position unknown: the value alone */
        fprintf(o, "= %.6g", d);
        return;
    }
    ag_node in0 = ag_node_input(t, n, 0), in1 = arity >= 2 ? ag_node_input(t, n, 1) : AG_NULL;
    double x = ag_value(t, in0), x1 = arity >= 2 ? ag_value(t, in1) : 0.0, y = ag_value(t, n);
    char a[LABEL], b[LABEL], p[48], q[48];
    operand(c, in0, a);
    if (arity >= 2)
        operand(c, in1, b);
    switch (op) {
    case AG_OP_ADD:
    case AG_OP_SUB:
    case AG_OP_NEG:
    case AG_OP_SUM:
    case AG_OP_SUM_RUN:
        fprintf(o, "= %.6g", d); /* 1, or -1 for a negated operand */
        return;
    case AG_OP_MUL:
        print_equal_operand(c, k == 0 ? in1 : in0);
        return;
    case AG_OP_DOT:
    case AG_OP_DOT_RUN:
        if (arity % 2 && k == arity - 1) /* the bias */
            fprintf(o, "= %.6g", d);
        else /* w_j pairs with x_j: inputs 2j and 2j + 1 */
            print_equal_operand(c, ag_node_input(t, n, k ^ 1));
        return;
    case AG_OP_DIV:
        if (k == 0)
            fprintf(o, "1/%s = 1/%s", b, num(x1, p, sizeof p));
        else
            fprintf(o, "-%s/%s%s = -%s/%s%s", a, b, s->sq, num(x, p, sizeof p), num(x1, q, sizeof q),
                    s->sq);
        break;
    case AG_OP_POW:
        if (k == 0)
            fprintf(o, "%s%s%s^(%s - 1) = %s %s %s^%.6g", b, s->dot, a, b, num(x1, p, sizeof p), s->times,
                    num(x, q, sizeof q), x1 - 1.0);
        else
            fprintf(o, "%s^%s%sln(%s) = %s %s ln(%.6g)", a, b, s->dot, a, num(y, p, sizeof p), s->times, x);
        break;
    case AG_OP_POWC:
        fprintf(o, "%s%s%s^(%s - 1) = %.6g %s %s^%s", b, s->dot, a, b, x1, s->times, num(x, q, sizeof q),
                num(x1 - 1.0, p, sizeof p));
        break;
    case AG_OP_EXP:
        fprintf(o, "e^%s", a);
        break;
    case AG_OP_LOG:
        fprintf(o, "1/%s = 1/%s", a, num(x, p, sizeof p));
        break;
    case AG_OP_SQRT:
        fprintf(o, "1/(2%s%s) = 1/(2 %s %.6g)", s->root, a, s->times, y);
        break;
    case AG_OP_ABS:
        fprintf(o, "sign(%s) = sign(%.6g)", a, x);
        break;
    case AG_OP_SIN:
        fprintf(o, "cos(%s) = cos(%.6g)", a, x);
        break;
    case AG_OP_COS:
        fprintf(o, "-sin(%s) = -sin(%.6g)", a, x);
        break;
    case AG_OP_TANH:
        fprintf(o, "1 - tanh%s(%s) = 1 - %s%s", s->sq, a, num(y, p, sizeof p), s->sq);
        break;
    case AG_OP_SIGMOID: /* F1: σ'(z) = σ(z)(1 - σ(z)) */
        fprintf(o, "%s(%s)(1 - %s(%s)) = %.6g %s %.6g", s->sigma, a, s->sigma, a, y, s->times, 1.0 - y);
        break;
    case AG_OP_SOFTPLUS:
        fprintf(o, "%s(%s) = %s(%.6g)", s->sigma, a, s->sigma, x);
        break;
    case AG_OP_RELU: /* F2, relu'(0) = 0 */
        fprintf(o, x > 0 ? "%.6g since %s = %.6g > 0" : "%.6g since %s = %.6g %s 0", d, a, x, s->le);
        return;
    case AG_OP_LEAKY_RELU: /* F3 */
        if (x > 0)
            fprintf(o, "%.6g since %s = %.6g > 0", d, a, x);
        else
            fprintf(o, "slope %.6g since %s = %.6g %s 0", d, a, x, s->le);
        return;
    case AG_OP_MIN:
    case AG_OP_MAX: {
        /* ties go to the first argument (ops.c) */
        bool first = op == AG_OP_MIN ? x <= x1 : x >= x1;
        fprintf(o, "%.6g since %s(%.6g, %.6g) takes %s", d, ag_op_name(op), x, x1, first ? a : b);
        return;
    }
    case AG_OP_LOGSUMEXP: { /* F5: the gradient is softmax */
        char e[LABEL], self[LABEL];
        operand(c, ag_node_input(t, n, k), e);
        fprintf(o, "softmax: e^(%s - %s) = e^(%.6g - %.6g)", e, ag_node_label(t, n, self, sizeof self),
                ag_value(t, ag_node_input(t, n, k)), y);
        break;
    }
    default:
        break;
    }
    fprintf(o, " = %.6g", d);
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

ag_status ag_trace_ex(ag_tape *t, ag_node y, const ag_trace_opts *opts, FILE *out)
{
    ag_status s = ag__check(t, y, "ag_trace", 2);
    if (s != AG_OK)
        return s;
    if (!out)
        return ag__fail(t, AG_EINVAL, "ag_trace: no output stream (FILE * is NULL)");
    if (ag_node_op(t, y) == AG_OP_CONST)
        return ag__fail(t, AG_EINVAL, "ag_trace: node #%u is a constant: nothing depends on a variable",
                        y.idx);
    ctx c = {t, out, opts && opts->ascii ? &ascii_syms : &utf8_syms, {0}, opts ? opts->recorded_from : 0};
    ag_node_label(t, y, c.y, sizeof c.y);
    unsigned char *reached = ag_realloc(NULL, (size_t)y.idx + 1);
    if (!reached)
        return ag__fail(t, AG_ENOMEM, "ag_trace: out of memory");
    memset(reached, 0, (size_t)y.idx + 1);
    ag_status before = ag_tape_status(t);
    ag_stepper *st = ag_stepper_new(t, y);
    if (!st) {
        ag_free(reached);
        return ag__fail(t, AG_ENOMEM, "ag_trace: out of memory starting the sweep");
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
    ag_stepper_free(st);
    if (before == AG_OK && ag_tape_status(t) == AG_ENOMEM) {
        ag_free(reached);
        return AG_ENOMEM; /* the stepper recorded why */
    }
    print_summary(&c, y, reached);
    ag_free(reached);
    if (ferror(out) || fflush(out) != 0)
        return ag__fail(t, AG_EIO, "ag_trace: writing the ledger failed: %s", strerror(errno));
    return t->anomaly && t->anomaly_seen ? AG_EANOMALY : AG_OK;
}

ag_status ag_trace(ag_tape *t, ag_node y, FILE *out) { return ag_trace_ex(t, y, NULL, out); }
