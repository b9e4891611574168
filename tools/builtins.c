/*
 * builtins.c: the function table of the expression language.
 *
 * Invariant: one row per function, and the rows are the only place that
 * knows a function's arity and engine op, so the parser, the error message
 * listing the known functions, and --help agree.
 */
#include "builtins.h"

#include <string.h>

struct ax_builtin {
    const char *name;
    const char *usage;
    ag_op op;
    int min_args, max_args;
};

/* Every op of the op list (ag_ops.h) written as a call, f(x) or f(a, b), is
 * a function of the language under its name; pow(x, y) spells ^. */
#define CALL_1(ENUM, stem) {#stem, #stem "(x)", AG_OP_##ENUM, 1, 1},
#define CALL_2(ENUM, stem) {#stem, #stem "(a, b)", AG_OP_##ENUM, 2, 2},
#define FORM_LEAF(ENUM, stem, n)
#define FORM_INFIX(ENUM, stem, n)
#define FORM_POWER(ENUM, stem, n)
#define FORM_PREFIX(ENUM, stem, n)
#define FORM_LIST(ENUM, stem, n)
#define FORM_DOT(ENUM, stem, n)
#define FORM_CALL(ENUM, stem, n) CALL_##n(ENUM, stem)
#define ROW(ENUM, stem, sym, n, form, dtext) FORM_##form(ENUM, stem, n)

static const ax_builtin table[] = {
    AG_OPLIST(ROW)
    {"pow", "pow(x, y)", AG_OP_POW, 2, 2},
};
#define N_BUILTINS (sizeof table / sizeof table[0])

/* F3: the notes' leaky ReLU has slope 0.01, and the slope may be left out */
#define LEAKY_SLOPE 0.01

const ax_builtin *ax_builtin_find(const char *name, size_t len)
{
    for (size_t i = 0; i < N_BUILTINS; i++)
        if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0)
            return &table[i];
    return NULL;
}

const char *ax_builtin_name(const ax_builtin *b) { return b->name; }
int ax_builtin_min_args(const ax_builtin *b) { return b->op == AG_OP_LEAKY_RELU ? 1 : b->min_args; }
int ax_builtin_max_args(const ax_builtin *b) { return b->max_args; }
const char *ax_builtin_usage(const ax_builtin *b)
{
    return b->op == AG_OP_LEAKY_RELU ? "leaky_relu(x[, slope])" : b->usage;
}
bool ax_builtin_arg_const(const ax_builtin *b, int k) { return b->op == AG_OP_LEAKY_RELU && k == 1; }

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
    switch (b->op) {
    case AG_OP_LEAKY_RELU:
        return ag_leaky_relu(t, ax_val_node(t, args[0]), n > 1 ? args[1].c : LEAKY_SLOPE);
    case AG_OP_POW:
        return ax_power(t, args[0], args[1]);
    default:
        break;
    }
    ag_node in[2] = {ax_val_node(t, args[0]), n > 1 ? ax_val_node(t, args[1]) : AG_NULL};
    return ag_apply(t, b->op, in, (size_t)n);
}
