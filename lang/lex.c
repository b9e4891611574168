/*
 * lex.c: splits derivation text into tokens.
 *
 * Invariant: lx->pos only moves forward and lx->line / lx->col describe
 * src[pos]; columns count UTF-8 code points. lx->depth counts the ( and [
 * seen and not yet closed, so a newline inside brackets is a space and a
 * long literal may span lines. Any bytes are accepted: NUL and stray bytes
 * become LX_BAD tokens.
 */
#include "lex.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lx_init(lx_lexer *lx, const char *src, size_t len)
{
    memset(lx, 0, sizeof *lx);
    lx->src = src;
    lx->len = len;
    lx->line = 1;
    lx->col = 1;
}

static int peek(const lx_lexer *lx, size_t ahead)
{
    return lx->pos + ahead < lx->len ? (unsigned char)lx->src[lx->pos + ahead] : -1;
}

static void advance(lx_lexer *lx)
{
    unsigned char c = (unsigned char)lx->src[lx->pos++];
    if (c == '\n') {
        lx->line++;
        lx->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        lx->col++;
    }
}

static bool is_digit(int c) { return c >= '0' && c <= '9'; }
static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }

/* The UTF-8 symbols of the notes and what they read as. */
static const struct {
    const char *utf8;
    lx_kind kind;
    char op;
} symbols[] = {
    {"\xE2\x8A\x99", LX_OP, '*'},        /* ⊙ */
    {"\xC2\xB7", LX_OP, '*'},            /* · */
    {"\xC3\x97", LX_OP, '*'},            /* × */
    {"\xE2\x88\x92", LX_OP, '-'},        /* − */
    {"\xE1\xB5\x80", LX_OP, LX_TR},      /* ᵀ */
    {"\xE2\x88\x82", LX_OP, LX_PARTIAL}, /* ∂ */
    {"\xCF\x83", LX_NAME, 0},            /* σ */
};

static void skip_space(lx_lexer *lx)
{
    for (;;) {
        int c = peek(lx, 0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' || (c == '\n' && lx->depth > 0)) {
            advance(lx);
        } else if (c == '#') {
            while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
                advance(lx);
        } else if (c == '\\' && peek(lx, 1) == '\n') { /* line continuation */
            advance(lx);
            advance(lx);
        } else {
            return;
        }
    }
}

static void lex_number(lx_lexer *lx, lx_token *tk)
{
    while (is_digit(peek(lx, 0)))
        advance(lx);
    if (peek(lx, 0) == '.' && !is_alpha(peek(lx, 1)))
        advance(lx); /* "2.5", "2." but not "2.T" */
    while (is_digit(peek(lx, 0)))
        advance(lx);
    if ((peek(lx, 0) == 'e' || peek(lx, 0) == 'E') && !is_alpha(peek(lx, 1))) {
        size_t sign = (peek(lx, 1) == '+' || peek(lx, 1) == '-') ? 1 : 0;
        if (!is_digit(peek(lx, 1 + sign))) {
            advance(lx);
            tk->kind = LX_BAD;
            tk->bad = "expected digits after the exponent 'e' of a number";
            tk->len = lx->pos - tk->off;
            return;
        }
        for (size_t k = 0; k < 1 + sign; k++)
            advance(lx);
        while (is_digit(peek(lx, 0)))
            advance(lx);
    }
    tk->len = lx->pos - tk->off;
    if (is_alpha(peek(lx, 0)) && !(peek(lx, 0) == 'x' && is_digit(peek(lx, 1)))) {
        tk->kind = LX_BAD;
        tk->bad = "a number runs into a name (write 2*x, not 2x)";
        return;
    }
    char buf[64];
    if (tk->len >= sizeof buf) {
        tk->kind = LX_BAD;
        tk->bad = "a number longer than 63 characters";
        return;
    }
    memcpy(buf, lx->src + tk->off, tk->len);
    buf[tk->len] = '\0';
    errno = 0;
    tk->num = strtod(buf, NULL);
    if (errno == ERANGE && (tk->num > 1.0 || tk->num < -1.0)) {
        tk->kind = LX_BAD;
        tk->bad = "a number too large for a double";
        return;
    }
    tk->kind = LX_NUM;
}

/* Two-character operators. */
static char two_char(int c, int d)
{
    if (c == '*' && d == '*')
        return LX_POW2;
    if (c == '=' && d == '=')
        return LX_EQ;
    if (c == '!' && d == '=')
        return LX_NE;
    if (c == '<' && d == '=')
        return LX_LE;
    if (c == '>' && d == '=')
        return LX_GE;
    return 0;
}

lx_token lx_next(lx_lexer *lx)
{
    skip_space(lx);
    lx_token tk = {.kind = LX_END, .off = lx->pos, .line = lx->line, .col = lx->col};
    int c = peek(lx, 0);
    if (c == -1)
        return tk;
    if (c == '\n') {
        advance(lx);
        tk.kind = LX_NEWLINE;
        tk.len = 1;
        return tk;
    }
    if (is_digit(c) || (c == '.' && is_digit(peek(lx, 1)))) {
        lex_number(lx, &tk);
        return tk;
    }
    if (is_alpha(c)) {
        while (is_alpha(peek(lx, 0)) || is_digit(peek(lx, 0)))
            advance(lx);
        tk.kind = LX_NAME;
        tk.len = lx->pos - tk.off;
        /* an entry's node name (W[12,3]) must fit the tape's names */
        if (tk.len > LX_NAME_MAX) {
            tk.kind = LX_BAD;
            tk.bad = "a name longer than " LX_STR(LX_NAME_MAX) " characters";
        }
        return tk;
    }
    char two = two_char(c, peek(lx, 1));
    if (two) {
        advance(lx);
        advance(lx);
        tk.kind = LX_OP;
        tk.op = two;
        tk.len = 2;
        return tk;
    }
    if (c != 0 && strchr("+-*/^()[],;=@.:<>'?", c)) {
        advance(lx);
        if (c == '(' || c == '[')
            lx->depth++;
        if ((c == ')' || c == ']') && lx->depth > 0)
            lx->depth--;
        tk.kind = LX_OP;
        tk.op = (char)c;
        tk.len = 1;
        return tk;
    }
    for (size_t k = 0; k < sizeof symbols / sizeof symbols[0]; k++) {
        size_t n = strlen(symbols[k].utf8);
        if (lx->pos + n <= lx->len && memcmp(lx->src + lx->pos, symbols[k].utf8, n) == 0) {
            for (size_t i = 0; i < n; i++)
                advance(lx);
            tk.kind = symbols[k].kind;
            tk.op = symbols[k].op;
            tk.len = n;
            return tk;
        }
    }
    advance(lx);
    tk.len = 1;
    while ((peek(lx, 0) & 0xC0) == 0x80 && (c & 0x80)) {
        advance(lx);
        tk.len++;
    }
    tk.kind = LX_BAD;
    tk.bad = "unexpected character";
    return tk;
}

const char *lx_name(const char *src, const lx_token *tk, size_t *len)
{
    if ((unsigned char)src[tk->off] >= 0x80) { /* σ */
        *len = 7;
        return "sigmoid";
    }
    *len = tk->len;
    return src + tk->off;
}

static const char *op_text(char op)
{
    switch (op) {
    case LX_POW2: return "**";
    case LX_EQ: return "==";
    case LX_NE: return "!=";
    case LX_LE: return "<=";
    case LX_GE: return ">=";
    case LX_TR: return "T (transpose)";
    case LX_PARTIAL: return "d (partial)";
    default: return NULL;
    }
}

const char *lx_describe(const char *src, const lx_token *tk, char *buf, size_t size)
{
    size_t n;
    const char *s;
    switch (tk->kind) {
    case LX_END:
        snprintf(buf, size, "the end of the input");
        break;
    case LX_NEWLINE:
        snprintf(buf, size, "the end of the line");
        break;
    case LX_OP:
        if (op_text(tk->op))
            snprintf(buf, size, "'%s'", op_text(tk->op));
        else
            snprintf(buf, size, "'%c'", tk->op);
        break;
    case LX_NAME:
        s = lx_name(src, tk, &n);
        snprintf(buf, size, "the name '%.*s'", (int)(n > 40 ? 40 : n), s);
        break;
    case LX_NUM:
        snprintf(buf, size, "the number %.*s", (int)(tk->len > 40 ? 40 : tk->len), src + tk->off);
        break;
    case LX_BAD: {
        unsigned char c = (unsigned char)src[tk->off];
        if (c >= 0x20 && c < 0x7F)
            snprintf(buf, size, "'%c'", c);
        else if (c >= 0x80 && tk->len > 1)
            snprintf(buf, size, "'%.*s'", (int)tk->len, src + tk->off);
        else
            snprintf(buf, size, "the byte \\x%02X", c);
        break;
    }
    }
    return buf;
}
