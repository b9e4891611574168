/*
 * neuron.c: one sigmoid neuron, differentiated by hand and by the engine
 * (the single neuron of note 004, docs/formulas.md F8):
 *
 *   z = w1 x1 + b,   a = σ(z),   C = ½ (a - y)²
 *
 *   ∂C/∂w1 = ∂C/∂a · ∂a/∂z · ∂z/∂w1 = (a - y) · σ'(z) · x1
 *   ∂C/∂b  = ∂C/∂a · ∂a/∂z · ∂z/∂b  = (a - y) · σ'(z)
 *   with σ'(z) = σ(z)(1 - σ(z))  (F1)
 *
 * It records the forward pass with every node named as in the notes, prints
 * the chain-rule ledger of the backward pass (ag_trace: each local
 * derivative and product as the engine applies it), then F8's closed form,
 * computed here in plain C, beside the engine's gradients.
 *
 * usage: neuron [--w1 V] [--x1 V] [--b V] [--y V] [--ascii] [--dot FILE]
 * --dot writes the graph (FILE.dot, or .svg/.png through Graphviz's dot).
 * Exit status: 0 when the two agree to 1e-12 (relative), 1 when not, 2 on
 * bad usage.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "excli.h"
#include "teach.h"

#define PROG "neuron"

typedef struct options {
    double w1, x1, b, y;
    int ascii;
    const char *dot;
} options;

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.w1 = 0.6, .x1 = 1.5, .b = -0.2, .y = 1.0};
    const ex_opt opts[] = {
        {"--w1", EX_DOUBLE, &o->w1}, {"--x1", EX_DOUBLE, &o->x1},   {"--b", EX_DOUBLE, &o->b},
        {"--y", EX_DOUBLE, &o->y},   {"--ascii", EX_FLAG, &o->ascii}, {"--dot", EX_STR, &o->dot},
        {NULL, EX_FLAG, NULL},
    };
    return ex_options(PROG, argc, argv, opts, "[--w1 V] [--x1 V] [--b V] [--y V] [--ascii] [--dot FILE]");
}

static bool close_to(double u, double v) { return fabs(u - v) <= 1e-12 * fmax(1.0, fmax(fabs(u), fabs(v))); }

static int run(ag_tape *t, const options *o)
{
    /* forward, node by node, each named as in the notes */
    ag_node w1 = ag_var(t, o->w1), x1 = ag_const(t, o->x1), b = ag_var(t, o->b), y = ag_const(t, o->y);
    ag_node wx = ag_mul(t, w1, x1);
    ag_node z = ag_add(t, wx, b);
    ag_node a = ag_unary(t, AG_OP_SIGMOID, z);
    ag_node e = ag_sub(t, a, y); /* the error e = a - y */
    ag_node e2 = ag_powc(t, e, 2.0);
    ag_node C = ag_mul(t, ag_const(t, 0.5), e2);
    const char *names[] = {"w1", "x1", "b", "y", "w1x1", "z", "a", "e", "e2", "C"};
    ag_node nodes[] = {w1, x1, b, y, wx, z, a, e, e2, C};
    for (size_t k = 0; k < sizeof nodes / sizeof *nodes; k++)
        ag_name_set(t, nodes[k], names[k]);
    if (ag_tape_status(t) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", ag_tape_error(t));
        return EX_FAILED;
    }
    printf("forward:  z = w1 x1 + b = %g   a = σ(z) = %g   C = ½(a - y)² = %g\n\n", ag_value(t, z),
           ag_value(t, a), ag_value(t, C));

    /* backward, printed as the chain-rule ledger */
    ag_trace_opts topts = {.ascii = o->ascii != 0};
    if (ag_trace(t, C, &topts, stdout) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", ag_tape_error(t));
        return EX_FAILED;
    }

    /* F8 in plain C, from the inputs alone */
    double zz = o->w1 * o->x1 + o->b, s = 1.0 / (1.0 + exp(-zz)), ds = s * (1.0 - s);
    double f8_w1 = (s - o->y) * ds * o->x1, f8_b = (s - o->y) * ds;
    double ad_w1 = ag_grad(t, w1), ad_b = ag_grad(t, b);
    printf("\nF8 (note 004): dC/dw1 = (a - y) σ'(z) x1,  dC/db = (a - y) σ'(z),  σ'(z) = σ(z)(1 - σ(z))\n");
    printf("  σ'(z) = %.17g\n", ds);
    printf("  autodiff dC/dw1 = %.17g   F8 dC/dw1 = %.17g\n", ad_w1, f8_w1);
    printf("  autodiff dC/db = %.17g   F8 dC/db = %.17g\n", ad_b, f8_b);
    bool agree = close_to(ad_w1, f8_w1) && close_to(ad_b, f8_b);
    printf("%s\n", agree ? "they agree (to 1e-12)" : "THEY DISAGREE");

    if (o->dot) {
        ag_graph_opts g = {.highlight = w1, .show_grad = true, .title = "C = ½(σ(w1 x1 + b) - y)²"};
        if (ag_graph_write(t, C, &g, o->dot) != AG_OK) {
            fprintf(stderr, PROG ": %s\n", ag_tape_error(t));
            return EX_USAGE;
        }
        printf("wrote the graph to %s\n", o->dot);
    }
    return agree ? EX_OK : EX_FAILED;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse(argc, argv, &o);
    if (rc != EX_OK)
        return rc;
    ag_tape *t = ag_tape_new(0);
    if (!t) {
        fprintf(stderr, PROG ": out of memory\n");
        return EX_FAILED;
    }
    rc = run(t, &o);
    ag_tape_free(t);
    return rc;
}
