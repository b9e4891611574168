/*
 * builtins.h: the functions of the derivation language, one table
 * (builtins.c) that every part reads: the evaluator, error messages, help.
 * To add a function, add a row (an engine unary op, an elementwise binary
 * op, or a `call` function over evaluated arguments).
 */
#ifndef AGRAD_LANG_BUILTINS_H
#define AGRAD_LANG_BUILTINS_H

#include "eval.h"

typedef struct lg_builtin {
    const char *name;
    const char *usage;   /* "leaky_relu(x[, slope])"                         */
    const char *kink;    /* NULL, or where its derivative jumps (docs, kinks) */
    int min_args, max_args;
    ag_node (*unary)(ag_tape *, ag_node);             /* elementwise       */
    ag_node (*binary)(ag_tape *, ag_node, ag_node);   /* elementwise, broadcast */
    bool (*call)(ev *e, const ex_node *at, const val *args, int n, val *out);
} lg_builtin;

const lg_builtin *lg_builtin_find(const char *name, size_t len);
/* Row k of the table, NULL past the end. */
const lg_builtin *lg_builtin_at(size_t k);
bool lg__apply(ev *e, const ex_node *at, const lg_builtin *b, const val *args, int n, val *out);

#endif /* AGRAD_LANG_BUILTINS_H */
