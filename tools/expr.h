/*
 * expr.h: the agrad expression language, parsed straight onto a tape.
 *
 *   program   = { statement ";" } [ statement ] ;    the last statement's value is the output
 *   statement = name "=" expr | expr
 *   expr      = precedence climbing over  + -  (1)   * /  (2)   unary -  (3)   ^  (4, right)
 *   primary   = number | name | name "(" expr { "," expr } ")" | "(" expr ")"
 *
 * so -x^2 = -(x^2), 2^3^2 = 2^9 and 2^-1 = 1/2 as in maths. '#' starts a
 * comment that runs to the end of the line.
 *
 * Library-style code: the parser never prints, never exits and allocates only
 * through ag_realloc; any byte string is a valid argument (a fuzzer may call
 * it), and nesting is limited so hostile input cannot exhaust the stack.
 * Errors come back as a status and an ax_error giving what was expected and
 * where (byte offset, 1-based line and column).
 */
#ifndef AGRAD_TOOLS_EXPR_H
#define AGRAD_TOOLS_EXPR_H

#include "autograd.h"

#include <stdbool.h>
#include <stddef.h>

/* Deepest nesting of parentheses, calls, unary minus and right-associative
 * powers the parser accepts. */
#define AX_MAX_DEPTH 200

typedef struct ax_error {
    ag_status status; /* AG_OK, or: AG_EPARSE malformed text; AG_ENOTFOUND a name
                         that is neither an input nor assigned; AG_ENAME assigning
                         to an input, a function or twice; AG_EINVAL an input
                         never used; AG_ENOMEM and other tape errors          */
    char message[320];
    size_t offset;    /* byte offset of the offending token                   */
    int line, column; /* 1-based; 0 when the error has no place in the text  */
} ax_error;

/* An input: a leaf already recorded on the tape, bound to a name. */
typedef struct ax_input {
    const char *name;
    ag_node node;
} ax_input;

typedef struct ax_options {
    bool allow_unused;  /* inputs need not all be used (a hand formula)      */
    bool no_names;      /* do not ag_name_set assigned names                 */
    int max_depth;      /* 0 or more than AX_MAX_DEPTH means AX_MAX_DEPTH    */
} ax_options;

/* Parse src[0..len) and record it on t after the inputs, stamping each node's
 * origin as ("<expr>", column) (line > 1: "<expr>:LINE", column). On success
 * *out is the output node. opts may be NULL (defaults). On failure the
 * nodes recorded so far stay on the tape (rewind to a mark to drop them). */
ag_status ax_parse(ag_tape *t, const char *src, size_t len, const ax_input *inputs,
                   size_t n_inputs, const ax_options *opts, ag_node *out, ax_error *err);

/* The origin label ax_parse stamps on nodes of the given 1-based line, and
 * the line a label stands for (0 when `label` is not one of them). */
const char *ax_origin_label(int line);
int ax_origin_line(const char *label);

/* Whether name[0..len) is a valid input or assignment name: an identifier
 * that is not a function name. */
bool ax_name_ok(const char *name, size_t len);

#endif /* AGRAD_TOOLS_EXPR_H */
