/*
 * lexer.c: splits expression text into tokens.
 *
 * Invariant: lx->pos only moves forward, and lx->line / lx->col always
 * describe src[pos]; a column counts UTF-8 code points (continuation bytes
 * 10xxxxxx do not start a column), so carets line up under non-ASCII text.
 * Works on any bytes: NUL and invalid UTF-8 become AX_T_BAD tokens.
 */
#include "lexer.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ax_lex_init(ax_lexer *lx, const char *src, size_t len)
{
    lx->src = src;
    lx->len = len;
    lx->pos = 0;
    lx->line = 1;
    lx->col = 1;
}

static int peek(const ax_lexer *lx, size_t ahead)
{
    return lx->pos + ahead < lx->len ? (unsigned char)lx->src[lx->pos + ahead] : -1;
}

static void advance(ax_lexer *lx)
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

static void skip_space(ax_lexer *lx)
{
    for (;;) {
        int c = peek(lx, 0);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            advance(lx);
        } else if (c == '#') {
            while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
                advance(lx);
        } else {
            return;
        }
    }
}

/* digits [. digits] [(e|E) [+-] digits], or . digits [...]: the caller has
 * seen a digit, or a '.' followed by a digit. */
static void lex_number(ax_lexer *lx, ax_token *tk)
{
    while (is_digit(peek(lx, 0)))
        advance(lx);
    if (peek(lx, 0) == '.') {
        advance(lx);
        while (is_digit(peek(lx, 0)))
            advance(lx);
    }
    if (peek(lx, 0) == 'e' || peek(lx, 0) == 'E') {
        size_t sign = (peek(lx, 1) == '+' || peek(lx, 1) == '-') ? 1 : 0;
        if (!is_digit(peek(lx, 1 + sign))) {
            advance(lx);
            tk->kind = AX_T_BAD;
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
    if (is_alpha(peek(lx, 0)) || peek(lx, 0) == '.') {
        tk->kind = AX_T_BAD;
        tk->bad = "a number runs into a name or a second '.' (write 2*x, not 2x)";
        return;
    }
    char buf[400];
    if (tk->len >= sizeof buf) {
        tk->kind = AX_T_BAD;
        tk->bad = "a number longer than 400 characters";
        return;
    }
    memcpy(buf, lx->src + tk->off, tk->len);
    buf[tk->len] = '\0';
    errno = 0;
    tk->num = strtod(buf, NULL);
    /* ERANGE on underflow gives a usable 0 or subnormal; overflow does not */
    if (errno == ERANGE && (tk->num > 1.0 || tk->num < -1.0)) {
        tk->kind = AX_T_BAD;
        tk->bad = "a number too large for a double";
        return;
    }
    tk->kind = AX_T_NUM;
}

ax_token ax_lex_next(ax_lexer *lx)
{
    skip_space(lx);
    ax_token tk = {.kind = AX_T_END, .off = lx->pos, .line = lx->line, .col = lx->col};
    int c = peek(lx, 0);
    if (c == -1)
        return tk;
    if (is_digit(c) || (c == '.' && is_digit(peek(lx, 1)))) {
        lex_number(lx, &tk);
        return tk;
    }
    if (is_alpha(c)) {
        while (is_alpha(peek(lx, 0)) || is_digit(peek(lx, 0)))
            advance(lx);
        tk.kind = AX_T_NAME;
        tk.len = lx->pos - tk.off;
        return tk;
    }
    advance(lx);
    tk.len = 1;
    if (c != 0 && strchr("+-*/^(),;=", c)) {
        tk.kind = AX_T_PUNCT;
        tk.ch = (char)c;
        return tk;
    }
    /* a whole UTF-8 sequence is one bad character */
    while ((peek(lx, 0) & 0xC0) == 0x80 && (c & 0x80)) {
        advance(lx);
        tk.len++;
    }
    tk.kind = AX_T_BAD;
    tk.bad = "unexpected character";
    return tk;
}

const char *ax_tok_describe(const char *src, const ax_token *tk, char *buf, size_t size)
{
    switch (tk->kind) {
    case AX_T_END:
        snprintf(buf, size, "the end of the input");
        break;
    case AX_T_PUNCT:
        snprintf(buf, size, "'%c'", tk->ch);
        break;
    case AX_T_NAME:
        snprintf(buf, size, "the name '%.*s'", (int)(tk->len > 40 ? 40 : tk->len), src + tk->off);
        break;
    case AX_T_NUM:
        snprintf(buf, size, "the number %.*s", (int)(tk->len > 40 ? 40 : tk->len), src + tk->off);
        break;
    case AX_T_BAD: {
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
