/*
 * eval.h: evaluating a parsed program onto a tape (private to lang/).
 *
 * A value (val) is a shape and one ag_node per entry, row-major; the node
 * arrays belong to the run and are freed with it. Every entry is a node on
 * the run's tape (numbers become ag_const nodes), so a constant is known by
 * its op (AG_OP_CONST) and x^2 still records powc.
 *
 * Kinks: every function with a kink (relu, abs, max, min, clip, step,
 * sign, comparisons, if) records the kink's argument u (the kink is u = 0)
 * so that the checker can place sample points on both sides.
 */
#ifndef AGRAD_LANG_EVAL_H
#define AGRAD_LANG_EVAL_H

#include "ast.h"

typedef struct val {
    lg_shape s;
    ag_node *n;
} val;

typedef struct kink {
    ag_node u;        /* the kink is at u = 0                              */
    double at;        /* u's value when recorded                           */
    const char *what; /* "relu", "max", ...                                */
    int line, col;
} kink;

typedef struct binding {
    const char *name;
    val v;
    int stmt;         /* statement that made it, -1 for e, pi, index vars  */
} binding;

struct lg_run {
    lg_prog *p;
    ag_tape *t;
    binding *b;
    size_t nb, capb;
    size_t *hash;               /* open addressing: 1 + index into b, 0 empty */
    size_t cap_hash;
    void **blk;
    size_t nblk, capblk;
    kink *k;
    size_t nk, capk;
    val out;
    const char *out_name;
    bool have_out;
    const double *const *point; /* per input ordinal: values, or NULL     */
    const char *subst_from, *subst_to; /* a name read as another (diagnosis) */
    size_t n_start;             /* tape length when the run began          */
};

typedef struct ev {
    lg_run *r;
    ag_error *err;
    bool failed;
    int depth;
} ev;

/* eval.c */
void lg__fail(ev *e, const ex_node *at, ag_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
bool lg__val_new(ev *e, lg_shape s, val *out);
bool lg__eval_expr(ev *e, int ex, val *out);
bool lg__node_ok(ev *e, const ex_node *at, ag_node n);
void lg__kink(ev *e, const ex_node *at, ag_node u, const char *what);
const binding *lg__lookup(const lg_run *r, const char *name);
bool lg__bind(ev *e, const char *name, val v, int st_i);
/* Drop the bindings made after there were nb. */
void lg__unbind_to(lg_run *r, size_t nb);
/* Evaluate p at the given input values (NULL: the program's own). */
lg_run *lg__eval_at(lg_prog *p, ag_tape *t, const double *const *point, ag_error *err);
size_t lg__size(lg_shape s);
/* The program's inputs and claims, counted (prog.c). */
size_t lg__prog_n_inputs(const lg_prog *p);
size_t lg__prog_n_claims(const lg_prog *p);
/* The origin label of a line, stamped on nodes in anomaly mode with the
 * column as the origin's line: "<expr>" for line 1, "<expr>:N" for line
 * N, "<expr>:>64" past 64 (static strings). Public: lang.h, at lg_eval,
 * documents these labels for tools; change both together. */
const char *lg__origin_label(int line);
/* "a scalar", "3 entries", "3x2" */
const char *lg__shape_str(lg_shape s, char *buf, size_t size);

/* tensor.c: shape-aware operations */
bool lg__elementwise2(ev *e, const ex_node *at, char op, val a, val b, val *out);
bool lg__map1(ev *e, const ex_node *at, ag_op op, val a, val *out);
bool lg__matmul(ev *e, const ex_node *at, val a, val b, val *out);
bool lg__transpose(ev *e, const ex_node *at, val a, val *out);
bool lg__index(ev *e, const ex_node *at, val a, const val *idx, int n, val *out);
bool lg__list(ev *e, const ex_node *at, const val *items, int n, val *out);
/* sum (mean when mean) over everything (axis 0) or one axis (1 rows, 2 columns) */
bool lg__reduce(ev *e, const ex_node *at, val a, int axis, bool mean, val *out);
bool lg__const_int(ev *e, const ex_node *at, val v, const char *what, long lo, long hi, long *out);

#endif /* AGRAD_LANG_EVAL_H */
