/*
 * builtins.h: the functions of the derivation language (builtins.c), which
 * every part reads: the evaluator, error messages, help. The element-wise
 * unary ones are the engine's ops of arity 1 and CALL form (an op added to
 * ag_ops.h is a function here with no edit); the rest are rows of
 * builtins.c, each a `call` over evaluated arguments.
 */
#ifndef AGRAD_LANG_BUILTINS_H
#define AGRAD_LANG_BUILTINS_H

#include "eval.h"

typedef struct lg_builtin {
    const char *name;
    char usage[64];      /* "leaky_relu(x[, slope])"                         */
    const char *kink;    /* NULL, or where its derivative jumps (docs, kinks) */
    int min_args, max_args;
    ag_op op;            /* an op recorded entry by entry with ag_unary;
                            AG_OP_COUNT for a row with `call`               */
    bool (*call)(ev *e, const ex_node *at, const val *args, int n, val *out);
} lg_builtin;

/* The function named name[0..len) into *out (when out is not NULL);
 * false when there is none. */
bool lg_builtin_find(const char *name, size_t len, lg_builtin *out);
/* Function k in the order every listing shows, false past the end. */
bool lg_builtin_at(size_t k, lg_builtin *out);
/* The names, "exp log ln ...", as many as fit in size. */
void lg__builtin_list(char *buf, size_t size);
bool lg__apply(ev *e, const ex_node *at, const lg_builtin *b, const val *args, int n, val *out);

#endif /* AGRAD_LANG_BUILTINS_H */
