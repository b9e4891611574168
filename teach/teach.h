/*
 * teach.h: seeing and checking gradients: the chain-rule ledger (trace),
 * Graphviz graphs, and finite-difference gradient checks. Built on the
 * public engine API (autograd.h) and its stepper: nothing here has a sweep of
 * its own. Reading values is pure, so none of this blocks replay.
 */
#ifndef AGRAD_TEACH_H
#define AGRAD_TEACH_H

#include "autograd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* teach's own status, beyond the engine's (a block of 16 from
 * AG_STATUS_LAYER_BASE; ARCHITECTURE.md): writing a trace, a graph or a
 * table failed, or Graphviz could not render. The tape's message says
 * which file and why. */
#define AG_TEACH_EIO ((ag_status)(AG_STATUS_LAYER_BASE + 0))

/* ---- the chain-rule ledger (trace.c) ------------------------------------ */

/* How a node is shown: its name when it has one, else op#index ("mul#5").
 * Writes into buf (size bytes, truncating) and returns buf. */
const char *ag_node_label(ag_tape *t, ag_node n, char *buf, size_t size);

typedef struct ag_trace_opts {
    bool ascii; /* "*", "->", "sigmoid" instead of "×", "→", "σ" (UTF-8) */
    /* > 0: the nodes from this index on were added by a recorded backward
     * pass (ag_grad_nodes; the index is the tape's length before it): their
     * lines start with "[recorded] ", told apart from the forward pass's */
    size_t recorded_from;
} ag_trace_opts;

/* Run backward from y (exactly ag_backward: same seeding, same gradients,
 * variables accumulate) through the stepper and print the chain-rule ledger
 * to `out`: a first line naming what is differentiated, then for each node
 * in sweep order a line with its formula and value, followed by one line per
 * edge into a non-constant input, e.g.
 *   backward from L = 0.0123 (seed dL/dL = 1)
 *   z = w × x = 0.2
 *     dL/dw += dL/dz (0.2) × dz/dw (x = 2) = 0.4   → dL/dw = 0.4
 * The local derivative shows where it comes from (the other factor of a
 * product, σ(z)(1 - σ(z)) with its numbers, ...). The running total after
 * the arrow includes what a variable held before (call ag_zero_grad first
 * for a clean ledger). A last line lists the variables reached and their
 * gradients. Numbers are printed with 6 significant digits (%.6g).
 * Returns AG_TEACH_EIO when writing to `out` fails, AG_EANOMALY as ag_backward
 * does, and the handle's error for a bad y. */
ag_status ag_trace(ag_tape *t, ag_node y, const ag_trace_opts *opts, FILE *out); /* opts NULL: defaults */

/* ---- Graphviz graphs (graph.c) -------------------------------------------- */

typedef struct ag_graph_opts {
    ag_node highlight; /* a node (usually a leaf) whose paths to the output
                          are drawn in colour, AG_NULL for none */
    bool show_grad;    /* print gradients (run ag_backward first)         */
    const char *title; /* graph label, NULL for none                        */
    /* > 0: nodes from this index on were added by a recorded backward pass
     * (ag_grad_nodes): drawn dashed in blue, and the legend says so */
    size_t recorded_from;
} ag_graph_opts;

/* Graphviz DOT text for the graph of y: exactly the nodes y depends on (y
 * included), in tape order (ids n<index>, so the text is deterministic). One
 * record per node (label, value, gradient when opts->show_grad), a small op
 * node feeding each non-leaf record, edges in data-flow direction (input ->
 * op -> node), rankdir=LR, constants in grey. With opts->highlight, every
 * node on a path from it to y and the edges between them are drawn in
 * colour. opts may be NULL (no gradients, no highlight, no title). */
ag_status ag_graph_dot(ag_tape *t, ag_node y, const ag_graph_opts *opts, FILE *out);
/* Write the graph to `path`: ".dot"/".gv" as text; ".svg", ".png" or
 * ".pdf" by running Graphviz's `dot` (found on PATH; AG_TEACH_EIO "Graphviz 'dot'
 * not found; ..." when it is missing, AG_TEACH_EIO with dot's first error line when
 * it fails). The file appears whole or not at all: everything is written to
 * a temporary file beside it and renamed. */
ag_status ag_graph_write(ag_tape *t, ag_node y, const ag_graph_opts *opts, const char *path);

/* ---- gradient check (gradcheck.c) ------------------------------------------ */

typedef struct ag_gradcheck_row {
    ag_node input;
    double analytic; /* dy/dinput from ag_backward (this y alone)           */
    double numeric;  /* central difference (f(x+h) - f(x-h)) / 2h           */
    double step;     /* the h used for this input                           */
    double abs_err;  /* |analytic - numeric|                                */
    double rel_err;  /* abs_err / max(|analytic|, |numeric|, 1e-300)       */
} ag_gradcheck_row;

/* Check dy/dinput for n variables (ag_var) `inputs`: the analytic gradient
 * from ag_backward against a central difference, computed by perturbing each
 * input and replaying the tape from mark `from` to y (ag_forward).
 *
 * Step h = cbrt(eps) * max(|x|, 1) per input, eps = DBL_EPSILON. Why: the
 * central difference has truncation error about h^2 |f'''| / 6 and rounding
 * error about eps |f| / h; their sum is smallest for h of order cbrt(eps)
 * (about 6e-6), scaled with |x| so that x + h differs from x in the same
 * number of bits whatever x's magnitude. The error left is then of order
 * eps^(2/3), about 4e-11, relative. The quotient divides by the difference
 * of the two points actually evaluated, (x+h) - (x-h), not by 2h, which
 * removes the rounding of x + h from the error.
 *
 * Requirements: every input is a live variable (a constant carries no
 * gradient, an interior node cannot be perturbed: AG_EINVAL naming it); no
 * non-leaf node below `from` that y depends on may depend on an input (it
 * would not be replayed: AG_EINVAL naming it); no node recorded after `from`
 * may have been steered on with ag_steer() (ag_forward refuses then).
 *
 * Afterwards: every input holds its value again and every value from `from`
 * to y is recomputed from them (bit-identical to before). Gradients are left
 * as ONE call of ag_backward(t, y) leaves them: interior gradients fresh,
 * each variable its previous gradient plus dy/dvariable (variables
 * accumulate, as always; call ag_zero_grad first for plain dy/dv).
 * rows[k].analytic is dy/dinputs[k] of this y alone, whatever the variable
 * held before (up to the rounding of adding it to a non-zero previous
 * gradient). On failure rows are unspecified, values are restored. */
ag_status ag_gradcheck(ag_tape *t, ag_mark from, ag_node y, const ag_node *inputs, size_t n,
                       ag_gradcheck_row *rows);

/* Print rows as a table (input label, analytic, numeric, step, errors), a
 * row marked "<-- disagree" when rel_err > tol and abs_err > tol (tol <= 0
 * picks 1e-6). Returns AG_TEACH_EIO when writing fails. */
ag_status ag_gradcheck_print(ag_tape *t, const ag_gradcheck_row *rows, size_t n, double tol,
                             FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* AGRAD_TEACH_H */
