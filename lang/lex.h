/*
 * lex.h: tokens of the derivation language (private to lang/).
 * A token refers into the source by offset and length; the lexer keeps the
 * line and column (1-based, counted in UTF-8 code points) of every token.
 * A few symbols of the notes are read as their ASCII forms: ⊙ · × as '*',
 * − as '-', ᵀ as the postfix transpose, σ as the name sigmoid, ∂ as 'd'.
 */
#ifndef AGRAD_LANG_LEX_H
#define AGRAD_LANG_LEX_H

#include <stddef.h>

typedef enum lx_kind {
    LX_END,     /* end of input                                               */
    LX_NUM,
    LX_NAME,
    LX_OP,      /* punctuation and operators, in .op (see below)              */
    LX_NEWLINE, /* a newline outside brackets: ends a statement               */
    LX_BAD      /* a character the language does not use, a malformed number */
} lx_kind;

/* Longest name: an entry's node name, name[row,col], must fit in the
 * tape's AG_NAME_MAX with room for two 10-digit indices. */
#define LX_NAME_MAX 200
#define LX_STR_(x) #x
#define LX_STR(x) LX_STR_(x)

/* Two-character operators get one-character codes in .op. */
enum { LX_POW2 = 'P' /* ** */, LX_EQ = 'E' /* == */, LX_NE = 'N' /* != */, LX_LE = 'L' /* <= */,
       LX_GE = 'G' /* >= */, LX_TR = 'T' /* ᵀ */, LX_PARTIAL = 'D' /* ∂ */ };

typedef struct lx_token {
    lx_kind kind;
    char op;
    double num;
    size_t off, len;
    int line, col;
    const char *bad;   /* why an LX_BAD token is bad */
} lx_token;

typedef struct lx_lexer {
    const char *src;
    size_t len, pos;
    int line, col;
    int depth;         /* open ( and [: newlines inside them are spaces */
} lx_lexer;

void lx_init(lx_lexer *lx, const char *src, size_t len);
lx_token lx_next(lx_lexer *lx);
/* "')'", "the name 'foo'", "the end of the input", ... into buf */
const char *lx_describe(const char *src, const lx_token *tk, char *buf, size_t size);
/* The name a NAME token stands for ("sigmoid" for σ), its length in *len. */
const char *lx_name(const char *src, const lx_token *tk, size_t *len);

#endif /* AGRAD_LANG_LEX_H */
