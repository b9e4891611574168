/*
 * ast.h: the parsed form of a program or derivation file (private to
 * lang/). Parsing and evaluating are apart because a derivation is
 * evaluated many times (once per sample point, once per substitution the
 * diagnosis tries), each time recorded afresh on a tape.
 *
 * Invariant: every expression node and statement lives in the arrays of one
 * lg_prog and is referred to by index; child lists are runs of `kids`; names
 * point into the program's own copy of the source, so a parsed program
 * needs nothing from its caller.
 */
#ifndef AGRAD_LANG_AST_H
#define AGRAD_LANG_AST_H

#include "lang.h"

#include <stdint.h>

typedef enum ex_kind {
    EX_NUM,    /* num                                                    */
    EX_NAME,   /* name                                                   */
    EX_NEG,    /* -a                                                     */
    EX_BIN,    /* a op b: + - * / ^ @ and comparisons (lexer op codes)   */
    EX_CALL,   /* name(kids...)                                          */
    EX_INDEX,  /* a[kids...]: 1-based; a kid EX_ALL stands for ':'       */
    EX_ALL,    /* ':' in an index                                        */
    EX_TR,     /* a.T, a^T, aᵀ                                           */
    EX_LIST    /* [kids...]                                              */
} ex_kind;

typedef struct ex_node {
    ex_kind kind;
    char op;
    int a, b;            /* operands (EX_NEG, EX_BIN, EX_TR, EX_INDEX base) */
    int kid0, nkid;      /* EX_CALL arguments, EX_INDEX indices, EX_LIST    */
    double num;
    const char *name;    /* EX_NAME, EX_CALL: NUL-terminated copy          */
    int line, col;
} ex_node;

typedef enum st_kind {
    ST_INPUT,  /* name = literal, or name: shape [= literal]             */
    ST_ASSIGN, /* name = expr                                             */
    ST_CLAIM,  /* claim dF/dX = expr                                      */
    ST_EXPR    /* a bare expression: the program's output                 */
} st_kind;

typedef enum in_role { IN_AUTO, IN_DATA, IN_VARY } in_role;

typedef struct stmt {
    st_kind kind;
    const char *name;    /* ST_INPUT, ST_ASSIGN                            */
    int expr;            /* value; -1 for a generated input                */
    size_t rows, cols;   /* declared shape of a generated input (0: none)  */
    int ndim;            /* of the declared shape                          */
    in_role role;
    /* claims: d of[of_idx...] / d wrt[wrt_idx...]; an index that is a name
     * not defined in the program is an index variable (1-based). */
    const char *of, *wrt;
    int of_col, wrt_col; /* where each name starts on the claim's line    */
    int of_idx[2], n_of_idx, wrt_idx[2], n_wrt_idx; /* expression indices */
    int order;           /* 2 for d2L/dw2 (and dw^2): d(d(L, w), w)          */
    const char *text;    /* the claim's source line                        */
    int line, col;
    double *ovr;         /* lg_prog_set_input values (owned), n_ovr of them */
    size_t n_ovr;
    int data_set;        /* lg_prog_set_data: -1 not set, 0 vary, 1 data    */
} stmt;

struct lg_prog {
    char *src;           /* own copy, NUL-terminated                       */
    size_t len;
    ex_node *ex;
    size_t n_ex, cap_ex;
    int *kids;
    size_t n_kids, cap_kids;
    stmt *st;
    size_t n_st, cap_st;
    char **strs;         /* owned strings (names, claim texts)             */
    size_t n_strs, cap_strs;
    uint64_t seed;
};

/* parse.c */
int lg__ex_new(lg_prog *p, ex_kind kind, int line, int col);
const char *lg__str(lg_prog *p, const char *s, size_t len);

#endif /* AGRAD_LANG_AST_H */
