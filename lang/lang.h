/*
 * lang.h: the derivation language of agrad as a library: parse a program or
 * a derivation file, evaluate it onto an autograd tape (vectors and
 * matrices expand to one scalar node per entry, named like W[2,1]), read
 * gradients and Jacobians, check claims ("claim dL/dW = outer(d, a)") at
 * sample points with verdicts, and render results as text or JSON.
 *
 * No process, no file, no exit, no printing unless given a FILE *; every
 * allocation goes through ag_realloc. Errors come back as an ag_error with
 * the status, a message and the place (1-based line and column). The
 * language is described in docs/lang.md.
 *
 * Indexing is 1-based, as in the notes (W_{ij}, δ_j, a_1): W[2,1] is the
 * entry in row 2, column 1, and sum(X, 1) sums over the first index (the
 * rows: the batch, when rows are examples).
 */
#ifndef AGRAD_LANG_H
#define AGRAD_LANG_H

#include "autograd.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Limits: nesting of expressions, entries of one value, nodes one
 * evaluation may record; exceeding one is a clear error, never a crash. */
#define LG_MAX_DEPTH 200
#define LG_MAX_ENTRIES ((size_t)1 << 20)
#define LG_MAX_NODES ((size_t)1 << 22)

/* Errors are the engine's ag_error (autograd.h), as in every layer
 * (ARCHITECTURE.md, "One error convention"): status AG_OK, AG_EPARSE (text),
 * AG_ENOTFOUND (a name), AG_ENAME (assigned twice...), AG_EINVAL (shapes,
 * arguments), AG_ERANGE (a limit), AG_ENOMEM; a message; the 1-based line
 * and column (counted in characters), 0 when the error has no place.
 * lg_error is the same type under its earlier name. */
typedef ag_error lg_error;

/* ---- programs ------------------------------------------------------------- */

typedef struct lg_prog lg_prog;

/* Parse src[0..len) (copied). NULL on failure with *err filled. */
lg_prog *lg_parse(const char *src, size_t len, ag_error *err);
void lg_prog_free(lg_prog *p);
/* The program's source text (NUL-terminated copy). */
const char *lg_prog_source(const lg_prog *p);
/* Seed of the generator that fills inputs declared with a shape (W: 3x2)
 * and of the sample points (default 1). */
void lg_prog_set_seed(lg_prog *p, uint64_t seed);

typedef struct lg_shape {
    int ndim;            /* 0 scalar, 1 vector (rows entries), 2 matrix   */
    size_t rows, cols;   /* scalar 1x1; vector rows x 1                   */
} lg_shape;

typedef struct lg_input_info {
    const char *name;
    lg_shape shape;
    bool data;           /* held fixed at the sample points               */
    const char *why;     /* "declared data", "one-hot (a label)", ...     */
} lg_input_info;

size_t lg_prog_n_inputs(const lg_prog *p);
/* Input k in declaration order; false past the end. Shapes of inputs
 * given as literals are known only after the first evaluation (zeros). */
bool lg_prog_input(const lg_prog *p, size_t k, lg_input_info *out);
/* Give an input new values (n entries, row-major; a scalar input takes 1),
 * or add a scalar input the program uses without declaring (for the
 * command line's name=value). AG_ENOTFOUND / AG_EINVAL with *err. */
ag_status lg_prog_set_input(lg_prog *p, const char *name, const double *v, size_t n, ag_error *err);
/* Mark an input as data (held fixed) or not, overriding the rules. */
ag_status lg_prog_set_data(lg_prog *p, const char *name, bool data, ag_error *err);
size_t lg_prog_n_claims(const lg_prog *p);

/* ---- evaluation onto a tape --------------------------------------------------- */

typedef struct lg_value {
    lg_shape shape;
    const ag_node *nodes; /* rows*cols handles, row-major; owned by the run */
} lg_value;

typedef struct lg_run lg_run;

/* Record the program's statements (not its claims) on t at the inputs'
 * values; every input entry is an ag_var, every named entry a node named
 * like "W[2,1]" ("x" for a scalar). NULL on failure (*err: what, where). */
lg_run *lg_eval(lg_prog *p, ag_tape *t, ag_error *err);
void lg_run_free(lg_run *r);
/* The value of a name (input or assigned); false when there is none. */
bool lg_run_lookup(const lg_run *r, const char *name, lg_value *out);
/* The output: the last bare expression, else the last assigned value. */
bool lg_run_output(const lg_run *r, lg_value *out, const char **name);
/* Evaluate one more expression (text) on the run's tape, with every name
 * of the program in scope. */
bool lg_run_expr(lg_run *r, const char *src, size_t len, lg_value *out, ag_error *err);

/* d of / d wrt as a matrix into out (row-major): of scalar -> wrt's shape;
 * of a vector of n and wrt a vector of m (or scalar) -> n x m (the
 * Jacobian, row i = d of_i). One ag_backward per entry of `of`. *shape
 * gets the result's shape; out needs room for its entries. */
ag_status lg_jacobian(lg_run *r, lg_value of, lg_value wrt, double *out, lg_shape *shape, ag_error *err);

/* ---- claims and verdicts -------------------------------------------------------- */

typedef struct lg_check_opts {
    int points;     /* sample points besides the given one (default 20)    */
    double radius;  /* x -> x + radius*u*max(|x|,1), u in [-1,1] (0.25)    */
    double rtol;    /* relative tolerance per entry (1e-9)                 */
    double stol;    /* ... plus stol times the largest |entry| (1e-12)     */
} lg_check_opts;

typedef enum lg_verdict {
    LG_AGREES,       /* agrees at every point checked                     */
    LG_DISAGREES,    /* differs somewhere, beyond rounding                */
    LG_OVERFLOWS,    /* agrees where finite, but is not finite where
                        autodiff is ("the claimed formula overflows here")   */
    LG_NOT_CHECKED,  /* the program is not finite at any point            */
    LG_CLAIM_ERROR   /* the claim cannot be evaluated (name, shape)       */
} lg_verdict;

const char *lg_verdict_name(lg_verdict v); /* "agrees", "DISAGREES", ...  */

/* The one tolerance rule (lg_check and `agrad check` both use it):
 * autodiff a and formula b agree when a == b, both are NaN, or
 *   |a - b| <= rtol*max(|a|,|b|) + stol*scale + round,
 * scale the largest |autodiff| involved and round the formula's own
 * rounding bound, lg_rounding: 8 eps * sum over the formula's interior
 * nodes n (tape indices from..entry) of |d entry/dn| |n|, a first-order
 * bound of the rounding error of entry (one backward sweep on t; the
 * gradients on t are overwritten). */
bool lg_close(double a, double b, double rtol, double stol, double scale, double round);
double lg_rounding(ag_tape *t, size_t from, ag_node entry);

#define LG_SHOWN 8

typedef struct lg_entry {
    size_t i, j;      /* 1-based row and column of the claim's matrix       */
    double autodiff, claim;
} lg_entry;

typedef struct lg_claim_result {
    char lhs[96];           /* "dL/dW3"                                    */
    const char *text;       /* the claim's source line                     */
    int line;
    lg_verdict verdict;
    lg_shape shape;         /* shape of d of / d wrt                       */
    size_t n_points, n_bad_points, n_skipped;
    long worst_point;       /* -1 when none                                */
    size_t n_bad_entries;   /* at the worst point                          */
    size_t n_shown;
    lg_entry shown[LG_SHOWN]; /* disagreeing entries at the worst point    */
    double worst_rel;
    char message[400];      /* one line: what the verdict means here       */
    char diagnosis[400];    /* what the claim is close to, "" when nothing */
} lg_claim_result;

typedef struct lg_report {
    size_t n_claims;
    lg_claim_result *claims;
    size_t n_points;        /* points evaluated, the given one included    */
    size_t n_kinks, n_straddled; /* kinks near the given point, and how many
                                    the points straddle                     */
    char inputs_note[400];  /* which inputs were held fixed, and why       */
    bool all_agree;
} lg_report;

/* Check every claim of p. AG_OK when the check ran (whatever the
 * verdicts); otherwise *err says why (the program itself failed). */
ag_status lg_check(lg_prog *p, const lg_check_opts *opts, lg_report *out, ag_error *err);
void lg_report_free(lg_report *r);

/* ---- rendering ---------------------------------------------------------------------- */

/* Text: the report (one block per claim); an error with a window of its
 * line around a caret (at most 72 columns, never the whole long line).
 * ascii: plain ASCII only (the claims' text from the file, which may hold
 * the notes' symbols, with '?' for each non-ASCII character; the rest of
 * the report is ASCII anyway). */
void lg_report_print(const lg_report *r, FILE *f, bool ascii);
void lg_error_print(const ag_error *e, const char *src, const char *file, FILE *f);
/* Just the window of line `line` of src around 1-based column `col`, and a
 * caret under the column (two lines, each indented by two spaces). */
void lg_source_window(FILE *f, const char *src, int line, int col);

/* JSON, one object each (numbers %.17g; NaN and infinities as the strings
 * "NaN", "Infinity", "-Infinity"):
 *   report:   {"all_agree": b, "points": n, "kinks": n, "straddled": n,
 *              "claims": [{"claim": "dL/dW", "line": n, "verdict": "agrees",
 *              "rows": r, "cols": c, "points": n, "bad_points": n,
 *              "worst_point": k, "message": s, "diagnosis": s,
 *              "entries": [{"i": i, "j": j, "autodiff": a, "claim": b}]}]}
 *   error:    {"error": {"status": s, "message": s, "line": n, "column": n,
 *              "window": s, "caret": n}}  (window: the line, cut to at most
 *              72 columns around the column with "..." where cut; caret:
 *              the 0-based character position of the column in window)
 *   gradient: {"output": name, "value": v, "grad": {"W[1,1]": g, ...}}
 *             (every input entry, in declaration order)
 *   trace:    {"output": name, "steps": [{"node": s, "formula": s,
 *              "value": v, "upstream": u, "edges": [{"input": s,
 *              "local": l, "contribution": c, "grad": g}]}]}
 * The _buf forms write into buf (NUL-terminated, truncated at size) and
 * return the length the whole text needs, as snprintf does. */
ag_status lg_report_json(const lg_report *r, FILE *f);
ag_status lg_error_json(const ag_error *e, const char *src, FILE *f);
ag_status lg_grad_json(lg_run *r, FILE *f);
ag_status lg_trace_json(lg_run *r, FILE *f);
size_t lg_report_json_buf(const lg_report *r, char *buf, size_t size);
size_t lg_error_json_buf(const ag_error *e, const char *src, char *buf, size_t size);

/* Origins stamped on nodes in anomaly mode: "<expr>" for line 1,
 * "<expr>:N" for line N (the column is the origin's number), so an anomaly
 * says "created at <expr>:LINE:COLUMN"; and the line a label stands for
 * (0 when it is none of them). The labels are static strings. */
const char *lg_origin_label(int line);
int lg_origin_line(const char *label);

/* Whether name[0..len) can name an input: a letter or '_' then letters,
 * digits or '_', and not a function or constant of the language. */
bool lg_name_ok(const char *name, size_t len);

/* The builtin functions, "exp log ..." (for help texts). */
void lg_builtin_list(char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* AGRAD_LANG_H */
