/*
 * parse.h: the parser's state and the pieces its two files share (private
 * to lang/): parse.c the expressions and the arena, stmt.c the statements
 * (assignments, inputs, claims).
 */
#ifndef AGRAD_LANG_PARSE_H
#define AGRAD_LANG_PARSE_H

#include "ast.h"
#include "lex.h"

typedef struct parser {
    lg_prog *p;
    lx_lexer lx;
    lx_token tok, prev;
    ag_error *err;
    int depth;
    bool failed, started;
} parser;

void lg__pfail(parser *ps, const lx_token *at, ag_status s, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
void lg__pnext(parser *ps);
bool lg__pis_op(const lx_token *t, char c);
bool lg__pis_name(const parser *ps, const lx_token *t, const char *s);
bool lg__grow(void **arr, size_t *cap, size_t need, size_t elem);
int lg__pnew_ex(parser *ps, ex_kind kind, const lx_token *at);
const char *lg__ptok_str(parser *ps, const lx_token *t);
int lg__pexpr(parser *ps, int min_prec);
void lg__plist(parser *ps, char close, int *kid0, int *nkid, bool allow_all, const char *of);
/* One statement (stmt.c). */
void lg__pstatement(parser *ps);

#endif /* AGRAD_LANG_PARSE_H */
