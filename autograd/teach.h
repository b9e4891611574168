/*
 * teach.h: seeing and checking gradients: the chain-rule ledger (trace),
 * Graphviz graphs, and finite-difference gradient checks. Built on the
 * public engine API (autograd.h) and its stepper: nothing here has a sweep of
 * its own.
 */
#ifndef AGRAD_TEACH_H
#define AGRAD_TEACH_H

#include "autograd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Run backward from y (same semantics as ag_backward) and print one line per
 * edge to `out`, in sweep order, e.g.
 *   dL/dw += dL/dz (0.2) × dz/dw (x = 2) = 0.4   → dL/dw = 0.4
 * Nodes are shown by name when they have one, else as op#index. */
ag_status ag_trace(ag_tape *t, ag_node y, FILE *out);

typedef struct ag_graph_opts {
    ag_node highlight; /* a leaf whose path to the output is drawn in colour,
                          AG_NULL for none */
    bool show_grad;    /* print gradients (run ag_backward first)         */
    const char *title; /* graph label, NULL for none                        */
} ag_graph_opts;

/* Graphviz DOT text for the graph of y: one record per node (name, op,
 * value, gradient), edges in data-flow direction (inputs -> node). */
ag_status ag_graph_dot(ag_tape *t, ag_node y, const ag_graph_opts *opts, FILE *out);
/* Write the graph to `path`: .dot as text; .svg or .png by running
 * Graphviz's `dot` (AG_EIO with a message saying so when it is missing). */
ag_status ag_graph_write(ag_tape *t, ag_node y, const ag_graph_opts *opts, const char *path);

typedef struct ag_gradcheck_row {
    ag_node input;
    double analytic; /* from ag_backward                                     */
    double numeric;  /* central difference (f(x+h) - f(x-h)) / 2h           */
    double step;     /* the h used for this input                           */
    double abs_err;
    double rel_err;  /* abs_err / max(|analytic|, |numeric|, 1e-300)       */
} ag_gradcheck_row;

/* Check dy/dinput for n leaf inputs: the analytic gradient from
 * ag_backward, the numeric one by perturbing each input and replaying the
 * tape from mark `from` to y (ag_forward). Step h = cbrt(eps) * max(|x|, 1)
 * per input (the step that balances truncation and rounding error for a
 * central difference). Inputs' values are restored; y's value is unchanged
 * afterwards. The variables' gradients are left as ag_backward left them. */
ag_status ag_gradcheck(ag_tape *t, ag_mark from, ag_node y, const ag_node *inputs, size_t n,
                       ag_gradcheck_row *rows);

#ifdef __cplusplus
}
#endif

#endif /* AGRAD_TEACH_H */
