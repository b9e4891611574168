/*
 * render.c: reports and errors as text for people.
 *
 * An error shows a window of its line around the caret, at most
 * WINDOW columns with "..." where the line was cut, never a whole
 * 10^6-character line. Columns count UTF-8 code points, as the lexer does.
 */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define WINDOW 72

static void entry_label(char *buf, size_t size, const lg_claim_result *c, const lg_entry *e)
{
    bool indexed = strchr(c->lhs, '[') != NULL; /* ds[i]/dx[k]: say the indices */
    if (c->shape.ndim == 2)
        snprintf(buf, size, indexed ? "%s at %zu,%zu" : "%s[%zu,%zu]", c->lhs, e->i, e->j);
    else if (c->shape.ndim == 1)
        snprintf(buf, size, indexed ? "%s at %zu" : "%s[%zu]", c->lhs, e->i);
    else
        snprintf(buf, size, "%s", c->lhs);
}

/* s as given, or with each non-ASCII character (a UTF-8 sequence) as '?' */
static void put_text(FILE *f, const char *s, bool ascii)
{
    for (; *s; s++) {
        unsigned char b = (unsigned char)*s;
        if (!ascii || b < 0x80)
            fputc(b, f);
        else if ((b & 0xC0) != 0x80)
            fputc('?', f);
    }
}

static void report_print(const lg_report *r, FILE *f, bool ascii)
{
    size_t n_ok = 0;
    for (size_t c = 0; c < r->n_claims; c++) {
        const lg_claim_result *cl = &r->claims[c];
        n_ok += cl->verdict == LG_AGREES;
        fprintf(f, "line %d: ", cl->line);
        put_text(f, cl->text ? cl->text : cl->lhs, ascii); /* the file's own text may be UTF-8 */
        fputc('\n', f);
        fprintf(f, "  %s: %s\n", lg__verdict_name(cl->verdict), cl->message);
        for (size_t k = 0; k < cl->n_shown; k++) {
            char lab[160];
            entry_label(lab, sizeof lab, cl, &cl->shown[k]);
            fprintf(f, "    %s: autodiff %.10g, claim %.10g\n", lab, cl->shown[k].autodiff, cl->shown[k].claim);
        }
        if (cl->n_shown && cl->n_bad_entries > cl->n_shown)
            fprintf(f, "    ... and %zu more entries\n", cl->n_bad_entries - cl->n_shown);
        if (cl->diagnosis[0])
            fprintf(f, "  diagnosis: %s\n", cl->diagnosis);
    }
    fprintf(f, "%zu claim%s: %zu agree%s, %zu do%s not; %zu point%s", r->n_claims, r->n_claims == 1 ? "" : "s", n_ok,
            n_ok == 1 ? "s" : "", r->n_claims - n_ok, r->n_claims - n_ok == 1 ? "es" : "", r->n_points,
            r->n_points == 1 ? "" : "s");
    if (r->n_kinks)
        fprintf(f, " (%zu straddle%s the %zu kink%s near the given point)", 2 * r->n_straddled,
                r->n_straddled ? "" : "s", r->n_kinks, r->n_kinks == 1 ? "" : "s");
    if (r->inputs_note[0])
        fprintf(f, "; %s", r->inputs_note);
    fputc('\n', f);
}

/* The byte offset of 1-based column col in line s[0..len). */
static size_t col_off(const char *s, size_t len, int col)
{
    int c = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80 && ++c == col)
            return i;
    return len;
}

void lg__source_window(FILE *f, const char *src, int line, int col)
{
    const char *s = src;
    for (int l = 1; l < line && s; l++) {
        s = strchr(s, '\n');
        if (s)
            s++;
    }
    if (!s)
        return;
    size_t len = strcspn(s, "\n");
    if (len > 0 && s[len - 1] == '\r')
        len--;
    size_t at = col_off(s, len, col), from = 0, to = len;
    if (at > WINDOW / 2)
        from = at - WINDOW / 2;
    while (from > 0 && from < len && ((unsigned char)s[from] & 0xC0) == 0x80)
        from--;
    if (to - from > WINDOW)
        to = from + WINDOW;
    while (to < len && ((unsigned char)s[to] & 0xC0) == 0x80)
        to++;
    const char *pre = from > 0 ? "..." : "";
    fprintf(f, "  %s%.*s%s\n  %*s", pre, (int)(to - from), s + from, to < len ? "..." : "", (int)strlen(pre), "");
    for (size_t i = from; i < at && i < len; i++) {
        unsigned char b = (unsigned char)s[i];
        if ((b & 0xC0) != 0x80)
            fputc(b == '\t' ? '\t' : ' ', f);
    }
    fputs("^\n", f);
}

static void error_print(const ag_error *e, const char *src, const char *file, FILE *f)
{
    const char *kind = e->status == LG_EPARSE ? "parse error" : "error";
    if (e->line > 0)
        fprintf(f, "%s%s%d:%d: %s: %s\n", file ? file : "", file ? ":" : "line ", e->line, e->column, kind, e->message);
    else
        fprintf(f, "%s%s%s: %s\n", file ? file : "", file ? ": " : "", kind, e->message);
    if (e->line > 0 && src)
        lg__source_window(f, src, e->line, e->column);
}

size_t lg__window_text(const char *src, int line, int col, char *buf, size_t size, int *caret)
{
    char *text = NULL;
    size_t n = 0;
    FILE *m = open_memstream(&text, &n);
    *caret = 0;
    if (!m)
        return 0;
    lg__source_window(m, src, line, col);
    if (fclose(m) != 0 || !text) {
        free(text);
        return 0;
    }
    char *nl = strchr(text, '\n');
    size_t len = nl ? (size_t)(nl - text) : strlen(text);
    if (nl)
        *caret = (int)(strchr(nl + 1, '^') ? strchr(nl + 1, '^') - (nl + 1) : 0) - 2;
    size_t w = len > 2 ? len - 2 : 0;
    snprintf(buf, size, "%.*s", (int)w, text + 2);
    free(text);
    return w;
}

ag_status lg_report_write(const lg_report *r, lg_format fmt, FILE *f)
{
    if (fmt == LG_JSON)
        return lg__report_json(r, f);
    if (fmt != LG_TEXT && fmt != LG_ASCII)
        return AG_EINVAL;
    report_print(r, f, fmt == LG_ASCII);
    return ferror(f) ? LG_EIO : AG_OK;
}

ag_status lg_error_write(const ag_error *e, const char *src, const char *file, lg_format fmt, FILE *f)
{
    if (fmt == LG_JSON)
        return lg__error_json(e, src, f);
    if (fmt == LG_WINDOW && e->line > 0 && src)
        lg__source_window(f, src, e->line, e->column);
    else if (fmt == LG_TEXT || fmt == LG_ASCII)
        error_print(e, src, file, f);
    else if (fmt != LG_WINDOW)
        return AG_EINVAL;
    return ferror(f) ? LG_EIO : AG_OK;
}

const char *lg_status_str(ag_status s)
{
    switch ((int)s) {
    case LG_EPARSE: return "parse error";
    case LG_ENOTFOUND: return "not found";
    case LG_EIO: return "input/output error";
    default: return ag_status_str(s);
    }
}
