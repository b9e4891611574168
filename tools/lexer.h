/*
 * lexer.h: tokens of the expression language (private to tools/).
 * A token refers into the source by offset and length; the lexer keeps the
 * line and column (1-based, counted in UTF-8 code points) of every token.
 */
#ifndef AGRAD_TOOLS_LEXER_H
#define AGRAD_TOOLS_LEXER_H

#include <stddef.h>

typedef enum ax_tok_kind {
    AX_T_END,    /* end of input                                   */
    AX_T_NUM,
    AX_T_NAME,
    AX_T_PUNCT,  /* one of + - * / ^ ( ) , ; =  (in .ch)           */
    AX_T_BAD     /* a character the language does not use, or a malformed number */
} ax_tok_kind;

typedef struct ax_token {
    ax_tok_kind kind;
    char ch;          /* the punctuation character                   */
    double num;       /* the number's value                          */
    size_t off, len;  /* where in the source                         */
    int line, col;
    const char *bad;  /* why an AX_T_BAD token is bad                */
} ax_token;

typedef struct ax_lexer {
    const char *src;
    size_t len, pos;
    int line, col;    /* of src[pos]                                 */
} ax_lexer;

void ax_lex_init(ax_lexer *lx, const char *src, size_t len);
/* The next token; AX_T_END forever at the end. */
ax_token ax_lex_next(ax_lexer *lx);
/* Short printable description of a token for messages ("')'", "the name
 * 'foo'", "the end of the input", ...), written into buf. */
const char *ax_tok_describe(const char *src, const ax_token *tk, char *buf, size_t size);

#endif /* AGRAD_TOOLS_LEXER_H */
