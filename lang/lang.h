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
 * (ARCHITECTURE.md, "One error convention"): a status, a message, the
 * 1-based line and column (counted in characters; 0 when the error has no
 * place). The statuses: the engine's AG_OK, AG_ENAME (assigned twice...),
 * AG_EINVAL (shapes, arguments), AG_ERANGE (a limit), AG_ENOMEM, and the
 * language's own below (the engine's ag_status_str does not know them:
 * lg_status_str names every status). lg_error is the same type under its
 * earlier name. */
enum { LG_STATUS_BASE = AG_STATUS_LAYER_BASE + 32 }; /* lang's block of 16 */
/* Each typed as ag_status, so that storing one in an ag_error or comparing
 * it with one is not a conversion between two enum types (gcc's
 * -Wenum-conversion, -Wenum-compare). */
#define LG_EPARSE ((ag_status)(LG_STATUS_BASE + 0))    /* malformed text                     */
#define LG_ENOTFOUND ((ag_status)(LG_STATUS_BASE + 1)) /* a name the program does not have   */
#define LG_EIO ((ag_status)(LG_STATUS_BASE + 2))       /* writing to the FILE * given failed */
typedef ag_error lg_error;

/* ---- programs ------------------------------------------------------------- */

typedef struct lg_prog lg_prog;

/* Parse src[0..len) (copied). NULL on failure with *err filled. */
lg_prog *lg_parse(const char *src, size_t len, ag_error *err);
void lg_prog_free(lg_prog *p);
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

/* Input k in declaration order; false past the end (so a loop over k
 * until false visits every input). Shapes of inputs
 * given as literals are known only after the first evaluation (zeros). */
bool lg_prog_input(const lg_prog *p, size_t k, lg_input_info *out);
/* Give an input new values (n entries, row-major; a scalar input takes 1),
 * or add a scalar input the program uses without declaring (for the
 * command line's name=value). LG_ENOTFOUND / AG_EINVAL with *err. */
ag_status lg_prog_set_input(lg_prog *p, const char *name, const double *v, size_t n, ag_error *err);
/* Mark an input as data (held fixed) or not, overriding the rules. */
ag_status lg_prog_set_data(lg_prog *p, const char *name, bool data, ag_error *err);

/* ---- evaluation onto a tape --------------------------------------------------- */

typedef struct lg_value {
    lg_shape shape;
    const ag_node *nodes; /* rows*cols handles, row-major; owned by the run */
} lg_value;

typedef struct lg_run lg_run;

/* Record the program's statements (not its claims) on t at the inputs'
 * values; every input entry is an ag_var, every named entry a node named
 * like "W[2,1]" ("x" for a scalar). NULL on failure (*err: what, where).
 *
 * Origins (a contract tools may parse): with anomaly mode on for t
 * (ag_anomaly_enable), lg_eval and lg_run_expr stamp the nodes of each
 * operation or call through ag_origin_set(t, file, line) with
 *   file  "<expr>" for line 1 of the text, "<expr>:N" for line N (2 to
 *         64), "<expr>:>64" for any line past 64 (static strings);
 *   line  the 1-based column (in characters) of the operator or call.
 * So ag_anomaly's file and line, and an anomaly message's "created at
 * <expr>:COL" or "<expr>:LINE:COL", give the place in the text. */
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

/* Options of lg_check and lg_agrees. NULL options mean the defaults in
 * parentheses, for both. A struct given is taken as it is, zero fields
 * included (as the command line's --points 0, --tol 0): points 0 checks
 * the given point only, rtol = stol = 0 compares exactly (up to the
 * formula's rounding bound, below). So start from the defaults, not from
 * a zeroed struct: (lg_check_opts){20, 0.25, 1e-9, 1e-12}. */
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

/* The one tolerance rule (lg_check uses it for every entry of a claim, and
 * `agrad check` for its table): autodiff a and a formula's value b agree
 * under options o (NULL: the defaults, as for lg_check) when a == b, both
 * are NaN, or
 *   |a - b| <= o->rtol*max(|a|,|b|) + o->stol*scale + round,
 * scale the largest |autodiff| involved, and round the formula's own
 * rounding bound: 8 eps * sum over the formula's interior nodes n (tape
 * indices from..formula) of |d formula/dn| |n|, a first-order bound of its
 * rounding error. round is computed (one backward sweep on t, whose
 * gradients it overwrites) only when the rest does not decide, and only
 * when t is given and b is finite. */
bool lg_agrees(double a, double b, const lg_check_opts *o, double scale, ag_tape *t, size_t from, ag_node formula);

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

/* ---- writing ----------------------------------------------------------------------- */

typedef enum lg_format {
    LG_TEXT,   /* for people                                                 */
    LG_ASCII,  /* for people, plain ASCII: a claim's text from the file (which
                  may hold the notes' symbols) with '?' for each non-ASCII
                  character; the rest of the text is ASCII anyway            */
    LG_JSON,   /* one JSON object (below)                                    */
    LG_WINDOW, /* an error's place only: the window of its line (at most 72
                  columns around the column, never a whole long line) and a
                  caret under the column, two lines indented by two spaces   */
    LG_TRACE   /* a run's reverse sweep, step by step, as one JSON object    */
} lg_format;

/* Text: the report, one block per claim; an error as "FILE:LINE:COL: parse
 * error: MESSAGE" (file NULL: "line L:C: ...") and the window of its line
 * around a caret.
 * JSON, one object each (numbers %.17g; NaN and infinities as the strings
 * "NaN", "Infinity", "-Infinity"):
 *   report:   {"all_agree": b, "points": n, "kinks": n, "straddled": n,
 *              "claims": [{"claim": "dL/dW", "line": n, "verdict": "agrees",
 *              "rows": r, "cols": c, "points": n, "bad_points": n,
 *              "worst_point": k, "message": s, "diagnosis": s,
 *              "entries": [{"i": i, "j": j, "autodiff": a, "claim": b}]}]}
 *   error:    {"error": {"status": s, "message": s, "line": n, "column": n,
 *              "window": s, "caret": n}}  (status: lg_status_str; window:
 *              the line, cut to at most 72 columns around the column with
 *              "..." where cut; caret: the 0-based character position of
 *              the column in window)
 *   run:      {"output": name, "value": v, "grad": {"W[1,1]": g, ...}}
 *             (d output / d every input entry, in declaration order)
 *   LG_TRACE: {"output": name, "steps": [{"node": s, "formula": s,
 *              "value": v, "upstream": u, "edges": [{"input": s,
 *              "local": l, "contribution": c, "grad": g}]}]}
 * A run writes LG_JSON and LG_TRACE only (AG_EINVAL for the others); a
 * report writes LG_TEXT, LG_ASCII and LG_JSON; an error all but LG_TRACE.
 * LG_EIO when writing to f failed. (For text in memory, write to
 * open_memstream or fmemopen: POSIX, and in wasi-libc too.) */
ag_status lg_report_write(const lg_report *r, lg_format fmt, FILE *f);
ag_status lg_error_write(const ag_error *e, const char *src, const char *file, lg_format fmt, FILE *f);
ag_status lg_run_write(lg_run *r, lg_format fmt, FILE *f);

/* ---- names ---------------------------------------------------------------------------- */

/* Function k of the language, in the order its messages and help list
 * them ("exp", "log", "ln", ...: the engine's element-wise ops in their
 * list's order, each alias after its op, then the language's own); NULL
 * past the end. An input cannot be named like one. */
const char *lg_function(size_t k);
/* Any status's name: the language's own (LG_EPARSE: "parse error", ...),
 * else the engine's ag_status_str. */
const char *lg_status_str(ag_status s);

#ifdef __cplusplus
}
#endif

#endif /* AGRAD_LANG_H */
