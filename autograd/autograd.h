/*
 * autograd.h: agrad's scalar reverse-mode automatic differentiation engine.
 *
 * A tape (ag_tape) records scalar operations. Each operation appends one node
 * (op, inputs, value) to contiguous arrays; a node is named by a small handle
 * (ag_node), never by a pointer. Append order is a topological order, so
 * ag_backward(t, y) is a single reverse loop from y down to the first
 * recorded operation: no recursion, no visited set, no allocation.
 *
 * Memory: 24 bytes per node (value, gradient, one 64-bit link word holding the
 * op and two input indices). n-ary nodes (sum, dot) over contiguous runs store
 * (start, length) and cost no bytes per input; over arbitrary handles they
 * store 4 bytes per input in a side array.
 *
 * Marks and rewind: ag_tape_mark() remembers the tape's length;
 * ag_tape_rewind() drops everything recorded after the mark in O(1) (plus the
 * names given to dropped nodes) and keeps what is below it, values and
 * gradients intact. A training step records, differentiates and rewinds
 * without allocating once the arrays have grown to the step's size.
 *
 * Gradient semantics:
 *   - ag_backward(t, y) seeds dy/dy = 1 and leaves dy/dv in every node v
 *     recorded at or before y (0 for nodes y does not depend on).
 *   - Variables (ag_var) accumulate: each backward ADDS to their gradient,
 *     until ag_zero_grad() clears it, as in PyTorch.
 *   - Interior gradients are fresh on every call: backward clears them first.
 *   - Constants (ag_const) carry no gradient: ag_grad() of a constant is 0.
 *
 * Errors: every call that can fail reports a status. Calls that return a node
 * return AG_NULL on failure and record the first error on the tape (sticky,
 * like cairo's status): ag_tape_status() / ag_tape_error() read it, and an
 * operation given AG_NULL propagates AG_NULL without overwriting the first
 * error, so a whole expression can be checked once at the end.
 *
 * Misuse detected, in debug and release builds alike (no assert(): every
 * case is a status code and a message naming the call, the argument and
 * the node index; tests/test_misuse.c): AG_NULL where a node is required
 * (AG_ENULL); a handle from another tape (AG_EFOREIGN); a handle whose node
 * a rewind dropped, even once its index is reused (AG_ESTALE); an index,
 * offset or run past the tape's end, or a run crossing a rewind boundary
 * (AG_ERANGE); a mark of another tape or one dropped by an earlier rewind
 * (AG_EFOREIGN, AG_ESTALE); backward from a constant, set_value on an op,
 * an op of the wrong arity for ag_unary/ag_binary/ag_apply (AG_EINVAL). Install ag_tape_on_error() to
 * trap them in a debugger. Not detectable: a handle or mark forged with
 * the right tape serial, index and generation (it is indistinguishable
 * from a real one); a stale handle after 2^32 rewinds of one tape, or a
 * foreign one after 2^32 tapes (the counters wrap); a freed or NULL
 * ag_tape pointer; a pointer from ag_values/ag_grads used after
 * the tape grew.
 * The library never prints (except the trace and dump functions given a
 * FILE *) and never exits.
 *
 * Kinks (documented convention, tested): relu'(0) = 0, abs'(0) = 0, sign' = step' = 0,
 * leaky_relu'(0) = slope, d max(a,b) goes to a when a >= b, d min(a,b) goes
 * to a when a <= b. Domain errors (log(-1), 0/0, sqrt(-1)) give the NaN/Inf
 * that C's libm gives; anomaly mode names the node that produced them.
 */
#ifndef AGRAD_AUTOGRAD_H
#define AGRAD_AUTOGRAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ag_ops.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------ */

/* One status type for every layer (ARCHITECTURE.md): the engine's codes
 * here, each layer's own in its header, so that one status travels through
 * all of them. */
typedef enum ag_status {
    AG_OK = 0,
    AG_ENOMEM,    /* an allocation failed; the tape is unchanged and usable  */
    AG_ENULL,     /* AG_NULL given where a node was required                 */
    AG_ESTALE,    /* the handle's node was dropped by a rewind               */
    AG_EFOREIGN,  /* the handle belongs to another tape                      */
    AG_ERANGE,    /* an index or length outside the tape                     */
    AG_EFULL,     /* the tape holds AG_MAX_NODES nodes already               */
    AG_EINVAL,    /* an argument that cannot be right (wrong op, bad size)   */
    AG_ENAME,     /* a name already in use, empty, or too long               */
    AG_EANOMALY,  /* anomaly mode saw a NaN or infinity appear               */
    AG_STATUS_COUNT,
    /* Codes the engine never produces belong to the layer that produces
     * them and travel in this same type: each layer above numbers its own
     * from here, in a block of 16 (teach.h from 32, nn_io.h from 48,
     * lang.h from 64; ARCHITECTURE.md), as constants of type ag_status.
     * A switch over a status that may hold a layer's code switches on
     * (int)s: the compiler checks case labels against this enum's own. */
    AG_STATUS_LAYER_BASE = 32,
    AG_STATUS_LAYER_END = AG_STATUS_LAYER_BASE + 48 /* one past the blocks;
                           in the enum, so that its range (C++) holds them */
} ag_status;

/* Short fixed description of a status ("out of memory", ...). */
const char *ag_status_str(ag_status s);

/* The one error convention of every layer (engine, teach, nn, the
 * language; ARCHITECTURE.md): a call that has a tape reports on it (its
 * return value, AG_NULL / AG_NULL_RUN or a status, plus the tape's first
 * error, ag_tape_error); a call that has no tape (reading or writing a
 * file, parsing text) fills an ag_error the caller passes (NULL: the
 * status alone). Either way: a status, and a message saying what and where
 * ("moons.csv:17:5: 'abc' is not a number"); line and column, 1-based,
 * when the error has a place in a text, else 0. */
typedef struct ag_error {
    ag_status status;
    char message[512];
    int line, column;
} ag_error;

/* ---- ops ----------------------------------------------------------------- */

/* One value per row of the op list (ag_ops.h), in its order. */
typedef enum ag_op {
#define AG_OP_ENUM_(ENUM, stem, sym, arity, form, kink, dtext) AG_OP_##ENUM,
    AG_OPLIST(AG_OP_ENUM_)
#undef AG_OP_ENUM_
    AG_OP_COUNT
} ag_op;

/* How an op's formula reads (traces, graphs, the command line). */
typedef enum ag_form {
    AG_FORM_LEAF,   /* a constant or a variable                          */
    AG_FORM_INFIX,  /* a + b                                             */
    AG_FORM_POWER,  /* a^c                                               */
    AG_FORM_PREFIX, /* -a                                                */
    AG_FORM_CALL,   /* f(a), f(a, b)                                     */
    AG_FORM_LIST,   /* f(x0, x1, ...)                                    */
    AG_FORM_DOT     /* w0 x0 + w1 x1 + ... + bias                        */
} ag_form;

/* An op's row of the op list. */
typedef struct ag_op_info {
    const char *name;   /* "mul", "sigmoid", ...                           */
    const char *symbol; /* "*", "sigmoid", ...                             */
    int arity;          /* inputs; -1 for n-ary                            */
    ag_form form;
    const char *kink;   /* where and how its derivative is a convention
                           ("relu'(0) = 0"); NULL where it is smooth      */
    const char *dtext;  /* how a trace explains d node / d input_k: a
                           template per input, split by '|' (ag_ops.h)    */
} ag_op_info;

/* The row of op (ag_op_info_of(op)->name: "mul", "sigmoid", ...); for a
 * value that is not an op, a row named "?" of arity 0. Never NULL. */
const ag_op_info *ag_op_info_of(ag_op op);

/* ---- handles -------------------------------------------------------------- */

typedef struct ag_tape ag_tape;

/* A node handle: the node's index on its tape, the generation of the tape
 * segment it was recorded in (so a rewind makes it detectably stale) and the
 * tape's serial number (so a foreign handle is detected). Pass by value. */
typedef struct ag_node {
    uint32_t idx;
    uint32_t gen;
    uint32_t tape;
} ag_node;

#define AG_NULL_IDX UINT32_MAX
#define AG_NULL ((ag_node){AG_NULL_IDX, 0, 0})
static inline bool ag_is_null(ag_node n) { return n.idx == AG_NULL_IDX; }

/* Largest number of nodes one tape can hold (indices take 29 bits). */
#define AG_MAX_NODES ((size_t)1 << 29)

/* A run: `n` nodes recorded consecutively from `first` (a layer's weights,
 * its outputs, a batch of inputs). Checked like a handle wherever it is
 * used: every node live, on this tape, in one segment (no rewind boundary
 * inside), n >= 1. Calls that record several nodes return a run; calls that
 * read one take it. Build one from a handle with ag_run_of, reach its k-th
 * node with ag_at. */
typedef struct ag_run {
    ag_node first;
    uint32_t n;
} ag_run;

#define AG_NULL_RUN ((ag_run){AG_NULL, 0})
static inline bool ag_run_is_null(ag_run r) { return ag_is_null(r.first); }
/* The run of n nodes from `first` (checked where it is used; n past 2^32
 * gives an empty run, which every call refuses). */
static inline ag_run ag_run_of(ag_node first, size_t n)
{
    return (ag_run){first, n <= UINT32_MAX ? (uint32_t)n : 0};
}

/* A position on the tape to rewind to. */
typedef struct ag_mark {
    uint32_t len;     /* nodes below the mark                                */
    uint32_t aux_len; /* side-array words below the mark                     */
    uint32_t gen;     /* generation of the node just below the mark          */
    uint32_t tape;
} ag_mark;

/* ---- tape lifecycle ------------------------------------------------------- */

/* New empty tape with room for `capacity` nodes before its first growth
 * (0 picks a default). NULL when out of memory. */
ag_tape *ag_tape_new(size_t capacity);
void ag_tape_free(ag_tape *t);

size_t ag_tape_len(const ag_tape *t);
/* Bytes the tape's arrays occupy now (capacity, not length). */
size_t ag_tape_bytes(const ag_tape *t);
/* Grow the arrays so that `nodes` more nodes and `aux_words` more side-array
 * words can be recorded without allocating. */
ag_status ag_tape_reserve(ag_tape *t, size_t nodes, size_t aux_words);

ag_mark ag_tape_mark(ag_tape *t);
/* Drop every node recorded after `m`. Fails with AG_ESTALE when the mark
 * itself was dropped by an earlier rewind to a lower mark. */
ag_status ag_tape_rewind(ag_tape *t, ag_mark m);

/* First error recorded since the last clear, its message ("ag_mul: argument 2
 * (node #12) was dropped by a rewind"), and clearing it. */
ag_status ag_tape_status(const ag_tape *t);
const char *ag_tape_error(const ag_tape *t);
void ag_tape_clear_error(ag_tape *t);
/* Record an error on the tape as the engine does (first one wins; the hook
 * is called): for libraries built on the engine (nn/) whose calls report
 * through the tape. printf-style message. Returns `s`. */
ag_status ag_tape_fail(ag_tape *t, ag_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* Check a run (a node: ag_run_of(n, 1)) as the engine checks its
 * arguments, for libraries built on it: AG_OK when every node is live, on
 * this tape and in one segment; otherwise the error is recorded naming the
 * call `fn` and the argument position `argno` (1-based), and returned. A
 * null handle after an earlier error propagates quietly (AG_ENULL). */
ag_status ag_check(ag_tape *t, ag_run r, const char *fn, int argno);
/* Called on every error as it is recorded (e.g. to break into a debugger),
 * and once per tape with status AG_OK and a message starting "warning:"
 * when the tape grew across 32 backward sweeps in a row without a rewind
 * (a training loop that forgot ag_tape_rewind). A warning never becomes
 * the tape's status or error. */
typedef void (*ag_error_fn)(void *ctx, ag_status s, const char *message);
void ag_tape_on_error(ag_tape *t, ag_error_fn fn, void *ctx);

/* ---- recording -------------------------------------------------------------- */

ag_node ag_const(ag_tape *t, double v);
ag_node ag_var(ag_tape *t, double v);
/* n consecutive constants / variables with values v[0..n) (zeros when v is
 * NULL), as one run. */
ag_run ag_consts(ag_tape *t, const double *v, size_t n);
ag_run ag_vars(ag_tape *t, const double *v, size_t n);

/* The arithmetic written by hand; every other op is recorded by its enum
 * with ag_unary / ag_binary below (one constructor per shape, not per op:
 * the op list, ag_ops.h, is the vocabulary). */
ag_node ag_add(ag_tape *t, ag_node a, ag_node b);
ag_node ag_sub(ag_tape *t, ag_node a, ag_node b);
ag_node ag_mul(ag_tape *t, ag_node a, ag_node b);
ag_node ag_div(ag_tape *t, ag_node a, ag_node b);
ag_node ag_neg(ag_tape *t, ag_node a);
/* a^c for a number c (recorded as a constant node c and a POWC node). */
ag_node ag_powc(ag_tape *t, ag_node a, double c);


/* Any unary op of the op list (arity 1: neg, exp, log, ..., sign, step;
 * ag_ops.h) applied to a, and any binary op (add, ..., max, pow; powc and
 * leaky_relu with b a constant node: the exponent, the slope):
 *     ag_unary(t, AG_OP_TANH, z)     ag_binary(t, AG_OP_MAX, a, b)
 * AG_EINVAL for an op of another arity. sign(a) is -1, 0 or 1, step(a) 1
 * for a > 0 else 0; the derivative at each kink is the convention in its
 * row (ag_op_info.kink) and at the top of this file. */
ag_node ag_unary(ag_tape *t, ag_op op, ag_node a);
ag_node ag_binary(ag_tape *t, ag_op op, ag_node a, ag_node b);

/* Any op by its enum on n inputs listed in ag_node_input's order (n = its
 * arity; 1 or more for an n-ary one; for DOT w_0, x_0, w_1, x_1, ...,
 * [bias]; the run ops SUM_RUN and DOT_RUN take listed inputs too and record
 * SUM and DOT), so that a node can be re-recorded from its inputs. POWC's exponent and LEAKY_RELU's slope must be
 * constant nodes: one constant shared by many nodes keeps their outputs one
 * run. For tools that record by op (the language, higher order). */
ag_node ag_apply(ag_tape *t, ag_op op, const ag_node *in, size_t n);

/* n-ary nodes over a run, one node whatever n (n >= 1; the empty sum is an
 * error). Over listed nodes that are not one run: ag_apply(t, AG_OP_SUM,
 * xs, n), and likewise LOGSUMEXP and DOT. */
ag_node ag_sum(ag_tape *t, ag_run x);
/* sum_k w_k x_k + bias over two runs of equal length (a layer's weight row
 * and its input); bias may be AG_NULL for none. */
ag_node ag_dot(ag_tape *t, ag_run w, ag_run x, ag_node bias);
/* log(sum_k e^x_k), computed stably; its gradient is softmax(x) (F5). */
ag_node ag_logsumexp(ag_tape *t, ag_run x);

/* A whole layer's pre-activations in one call: z_j = b_j + sum_i
 * w[j n_in + i] x_i for j < n_out, with n_in = x.n and n_out = b.n (w.n /
 * x.n without biases): w row-major [out][in], n_out * n_in nodes; b a run
 * of n_out or AG_NULL_RUN. The outputs are
 * a run of n_out DOT_RUN nodes, the same nodes as n_out calls of ag_dot. */
ag_run ag_dot_rows(ag_tape *t, ag_run w, ag_run x, ag_run b);
/* An op applied elementwise, the results a run: a unary op (arity 1: neg,
 * exp, ..., step) to each node of a (b = AG_NULL_RUN); a binary op (add,
 * ..., max, powc, leaky_relu) to out_k = op(a_k, b_k), where a run of one
 * node is used for every k (broadcast) and otherwise a and b have equal
 * lengths. POWC's and LEAKY_RELU's b must be constants. */
ag_run ag_map(ag_tape *t, ag_op op, ag_run a, ag_run b);

/* The k-th node of run r (k < r.n). */
ag_node ag_at(ag_tape *t, ag_run r, size_t k);

/* ---- reading and writing values ----------------------------------------- */

/* Value and gradient; NaN (and an error on the tape) for a bad handle.
 * Reading is pure: it changes nothing, whatever is recorded afterwards. */
double ag_value(ag_tape *t, ag_node n);
double ag_grad(ag_tape *t, ag_node n);
/* Set a leaf's value (a constant used as an input placeholder, or a
 * variable); then ag_forward() recomputes what depends on it. */
ag_status ag_set_value(ag_tape *t, ag_node leaf, double v);

/* Raw views of a run's values / gradients, for flat optimizer loops,
 * batched inputs and setting a gradient by hand. Valid until the next call that records a node (growth
 * may move the arrays). NULL (and an error) for a bad run. The gradient
 * slots of constants in a run are scratch (ag_grad reports 0 for one). */
double *ag_values(ag_tape *t, ag_run r);
double *ag_grads(ag_tape *t, ag_run r);

ag_op ag_node_op(ag_tape *t, ag_node n);
/* Number of inputs and the k-th input (bias of a dot last). */
size_t ag_node_arity(ag_tape *t, ag_node n);
ag_node ag_node_input(ag_tape *t, ag_node n, size_t k);
/* The handle of the node at index idx, if it is live (for tools that walk
 * the tape by index). */
ag_node ag_node_from_index(ag_tape *t, size_t idx);

/* ---- differentiation ------------------------------------------------------ */

ag_status ag_backward(ag_tape *t, ag_node y);
/* Zero the gradient of every variable on the tape (one run of them:
 * memset(ag_grads(t, run), ...)). */
void ag_zero_grad(ag_tape *t);

/* The local derivative d n / d input_k, RECORDED on the tape as new nodes
 * built with the public ag_* calls (sigmoid: s (1 - s) from the node s
 * itself; mul: the other input; dot: the other run's entry; sum: the
 * constant 1), and returned. Contract, for higher order (backward recorded
 * on the tape): its value equals the local derivative the sweep uses (the
 * edge's `local` in the stepper) up to rounding, at the recorded values and
 * after any ag_forward replay of it; it is a function of n's inputs and n
 * itself only, so differentiating it again gives second derivatives. Where
 * the sweep's derivative is a convention (kinks: relu, abs, min, max,
 * sign, step) the recorded form follows the same convention. The constant
 * operand of POWC and LEAKY_RELU (k = 1) gets the constant 0: the sweep
 * sends nothing there. AG_NULL (and an error) for a leaf or k >= arity. */
ag_node ag_local_derivative(ag_tape *t, ag_node n, size_t k);

/* ---- replay ---------------------------------------------------------------
 * A recorded tape can be replayed with new leaf values (ag_set_value, then
 * ag_forward, then ag_backward) when the program that recorded it would
 * have recorded the same nodes for any input values. A program that
 * branches on a value while recording (if (x > 0) record A else record B)
 * says so with ag_steer, which reads the value like ag_value and remembers
 * that the recording depends on it; replay from below that node is then
 * refused. ag_value itself never blocks replay. */
double ag_steer(ag_tape *t, ag_node n);

/* Re-run the forward sweep over the nodes recorded after mark `from` up to
 * and including `to`. No allocation. AG_EINVAL, naming the node, when a
 * node recorded after `from` was read with ag_steer (its value may have
 * chosen what was recorded), and nothing is recomputed. */
ag_status ag_forward(ag_tape *t, ag_mark from, ag_node to);

/* ---- stepping through backward (the same sweep as ag_backward) ------------ */

typedef struct ag_edge {
    ag_node input;        /* the input the gradient flows into               */
    double local;         /* d node / d input at the recorded values         */
    double contribution;  /* upstream * local, added to the input's gradient */
    double input_grad;    /* the input's gradient after the addition         */
} ag_edge;

typedef struct ag_stepper_step {
    ag_node node;         /* the node whose gradient is being propagated     */
    double upstream;      /* dy/dnode, complete at this point                */
    size_t n_edges;
    const ag_edge *edges; /* owned by the stepper, valid until the next step */
} ag_stepper_step;

typedef struct ag_stepper ag_stepper;

/* Begin the reverse sweep from y: clears and seeds gradients exactly as
 * ag_backward does. Steps visit, in reverse tape order, the non-leaf nodes y
 * depends on; edges into constants are not listed (they carry no gradient). */
ag_stepper *ag_stepper_new(ag_tape *t, ag_node y);
/* Propagate one node; false at the end (or on error: see the tape status). */
bool ag_stepper_next(ag_stepper *s, ag_stepper_step *out);
/* Free the stepper; AG_EANOMALY when its sweep met an anomaly (as
 * ag_backward would have returned), else AG_OK. */
ag_status ag_stepper_free(ag_stepper *s);

/* ---- names ------------------------------------------------------------------ */

/* Give a node a name (copied). A node has at most one name: naming it again
 * renames it. A name held by another live node is refused with AG_ENAME.
 * Names of nodes dropped by a rewind are dropped with them. */
ag_status ag_name_set(ag_tape *t, ag_node n, const char *name);
/* The node with this name, or AG_NULL (not an error) when none has it. */
ag_node ag_name_find(ag_tape *t, const char *name);
/* The node's name, or NULL when it has none. */
const char *ag_name_of(ag_tape *t, ag_node n);
#define AG_NAME_MAX 255

/* ---- anomaly mode ----------------------------------------------------------- */

/* When on, the first node whose value (forward) or gradient (backward)
 * becomes NaN or infinite from finite inputs is recorded as an AG_EANOMALY
 * error whose message gives its op, name, input values and origin.
 * ag_backward and ag_forward return AG_EANOMALY when they met one during
 * that call, whatever the tape's status held before (the message is stored
 * only when no older error holds the status: first error wins). */
ag_status ag_anomaly_enable(ag_tape *t, bool on);
/* Origin stamped on the nodes recorded next while anomaly mode is on: a
 * source file and line, or for the expression language "<expr>" and a
 * column. `file` must outlive the tape (a string literal). */
void ag_origin_set(ag_tape *t, const char *file, int line);
#define AG_HERE(t) ag_origin_set((t), __FILE__, __LINE__)

/* An anomaly as data, for tools that show it their own way. */
typedef struct ag_anomaly {
    ag_node node;     /* the first node whose value or gradient went bad    */
    ag_op op;
    const char *name; /* its name, NULL when none (valid until renamed)    */
    const char *file; /* its origin (ag_origin_set), NULL when unknown      */
    int line;
    bool backward;    /* met by a backward sweep (else by forward/recording) */
    ag_node input;    /* backward: the input sent the bad gradient; AG_NULL */
    double value;     /* the bad value (forward) or gradient (backward)     */
} ag_anomaly;
/* The anomaly met by the last recording or sweep, if it met one (forgotten
 * by the next sweep, a rewind or ag_tape_clear_error): true and *out
 * filled; false when there is none. */
bool ag_anomaly_last(ag_tape *t, ag_anomaly *out);

/* ---- allocation hook ---------------------------------------------------------- */

/* Every allocation of agrad (autograd/ and nn/) goes through this one
 * realloc-style hook: fn(ctx, p, n) behaves as realloc(p, n), and
 * fn(ctx, p, 0) frees p. NULL restores the C library's. Not thread-safe:
 * set it before creating tapes. */
typedef void *(*ag_realloc_fn)(void *ctx, void *p, size_t n);
void ag_set_allocator(ag_realloc_fn fn, void *ctx);
void *ag_realloc(void *p, size_t n);
void ag_free(void *p);

/* ---- higher order (higher.h) ------------------------------------------------- */

#include "higher.h"

#ifdef __cplusplus
}
#endif

#endif /* AGRAD_AUTOGRAD_H */
