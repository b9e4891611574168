/*
 * builtins.c: the function table of the expression language.
 *
 * Invariant: one row per function, and the rows are the only place that
 * knows a function's arity and engine op, so the parser, the error message
 * listing the known functions, and --help agree.
 */
#include "builtins.h"

#include <string.h>

typedef enum kind { K_UNARY, K_LEAKY, K_POW, K_BINARY } kind;

struct ax_builtin {
    const char *name;
    const char *usage;
    kind kind;
    int min_args, max_args;
    ag_node (*unary)(ag_tape *, ag_node);
    ag_node (*binary)(ag_tape *, ag_node, ag_node);
};

static const ax_builtin table[] = {
    {"exp", "exp(x)", K_UNARY, 1, 1, ag_exp, NULL},
    {"log", "log(x)", K_UNARY, 1, 1, ag_log, NULL},
    {"sqrt", "sqrt(x)", K_UNARY, 1, 1, ag_sqrt, NULL},
    {"abs", "abs(x)", K_UNARY, 1, 1, ag_abs, NULL},
    {"sin", "sin(x)", K_UNARY, 1, 1, ag_sin, NULL},
    {"cos", "cos(x)", K_UNARY, 1, 1, ag_cos, NULL},
    {"tanh", "tanh(x)", K_UNARY, 1, 1, ag_tanh, NULL},
    {"sigmoid", "sigmoid(x)", K_UNARY, 1, 1, ag_sigmoid, NULL},
    {"relu", "relu(x)", K_UNARY, 1, 1, ag_relu, NULL},
    {"softplus", "softplus(x)", K_UNARY, 1, 1, ag_softplus, NULL},
    /* F3 (docs/formulas.md): the notes' leaky ReLU has slope 0.01 */
    {"leaky_relu", "leaky_relu(x[, slope])", K_LEAKY, 1, 2, NULL, NULL},
    {"pow", "pow(x, y)", K_POW, 2, 2, NULL, NULL},
    {"min", "min(a, b)", K_BINARY, 2, 2, NULL, ag_min},
    {"max", "max(a, b)", K_BINARY, 2, 2, NULL, ag_max},
};
#define N_BUILTINS (sizeof table / sizeof table[0])

const ax_builtin *ax_builtin_find(const char *name, size_t len)
{
    for (size_t i = 0; i < N_BUILTINS; i++)
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0)
            return &table[i];
    return NULL;
}

const char *ax_builtin_name(const ax_builtin *b) { return b->name; }
int ax_builtin_min_args(const ax_builtin *b) { return b->min_args; }
int ax_builtin_max_args(const ax_builtin *b) { return b->max_args; }
const char *ax_builtin_usage(const ax_builtin *b) { return b->usage; }
bool ax_builtin_arg_const(const ax_builtin *b, int k) { return b->kind == K_LEAKY && k == 1; }

void ax_builtin_list(char *buf, size_t size)
{
    size_t w = 0;
    if (size == 0)
        return;
    buf[0] = '\0';
    for (size_t i = 0; i < N_BUILTINS; i++) {
        size_t n = strlen(table[i].name);
        if (w + n + 2 > size)
            break;
        if (w)
            buf[w++] = ' ';
        memcpy(buf + w, table[i].name, n + 1);
        w += n;
    }
}

ag_node ax_val_node(ag_tape *t, ax_val v) { return v.is_const ? ag_const(t, v.c) : v.node; }

ag_node ax_power(ag_tape *t, ax_val a, ax_val b)
{
    if (b.is_const)
        return ag_powc(t, ax_val_node(t, a), b.c);
    ag_node base = ax_val_node(t, a);
    return ag_pow(t, base, b.node);
}

ag_node ax_builtin_apply(ag_tape *t, const ax_builtin *b, const ax_val *args, int n)
{
    switch (b->kind) {
    case K_UNARY:
        return b->unary(t, ax_val_node(t, args[0]));
    case K_LEAKY:
        return ag_leaky_relu(t, ax_val_node(t, args[0]), n > 1 ? args[1].c : 0.01);
    case K_POW:
        return ax_power(t, args[0], args[1]);
    case K_BINARY: {
        ag_node a = ax_val_node(t, args[0]);
        ag_node c = ax_val_node(t, args[1]);
        return b->binary(t, a, c);
    }
    }
    return AG_NULL;
}
