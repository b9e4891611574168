/*
 * builtins.h: the functions of the expression language (exp, log, ...,
 * leaky_relu, pow, min, max) and how each records onto the tape.
 * Private to tools/.
 */
#ifndef AGRAD_TOOLS_BUILTINS_H
#define AGRAD_TOOLS_BUILTINS_H

#include "symtab.h"

#include <stddef.h>

typedef struct ax_builtin ax_builtin;

/* The function named name[0..len), NULL when there is none. */
const ax_builtin *ax_builtin_find(const char *name, size_t len);
const char *ax_builtin_name(const ax_builtin *b);
int ax_builtin_min_args(const ax_builtin *b);
int ax_builtin_max_args(const ax_builtin *b);
/* How it is called, for messages: "leaky_relu(x[, slope])". */
const char *ax_builtin_usage(const ax_builtin *b);
/* Whether argument k (0-based) must be a number rather than an expression. */
bool ax_builtin_arg_const(const ax_builtin *b, int k);
/* "exp log sqrt ... max" into buf (truncated at a whole name). */
void ax_builtin_list(char *buf, size_t size);

/* Record b applied to args[0..n) (n within the arity; constant arguments
 * where ax_builtin_arg_const says so) and return the node, AG_NULL when the
 * tape refused (see its status). Constants still unrecorded are recorded. */
ag_node ax_builtin_apply(ag_tape *t, const ax_builtin *b, const ax_val *args, int n);

/* The node of a value, recording a constant when needed. */
ag_node ax_val_node(ag_tape *t, ax_val v);
/* a^b: ag_powc when b is a constant, else ag_pow. */
ag_node ax_power(ag_tape *t, ax_val a, ax_val b);

#endif /* AGRAD_TOOLS_BUILTINS_H */
