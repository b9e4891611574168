/*
 * wasm_json.c: JSON texts for the page (see wasm_json.h). Invariant: every
 * text returned is complete, valid JSON or NULL only when even the fixed
 * out-of-memory answer could not be allocated.
 */
#include "wasm_json.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

FILE *jw_open(jw *w)
{
    w->text = NULL;
    w->size = 0;
    w->f = open_memstream(&w->text, &w->size);
    return w->f;
}

char *jw_error(const char *msg)
{
    jw w;
    if (!jw_open(&w))
        return NULL;
    fputs("{\"ok\": false, \"error\": {\"message\": ", w.f);
    jw_str(w.f, msg);
    fputs("}}", w.f);
    return jw_result(&w);
}

char *jw_result(jw *w)
{
    bool bad = ferror(w->f) != 0;
    if (fclose(w->f) != 0 || bad) {
        free(w->text);
        static const char oom[] = "{\"ok\": false, \"error\": {\"message\": \"out of memory\"}}";
        char *t = malloc(sizeof oom);
        if (t)
            memcpy(t, oom, sizeof oom);
        return t;
    }
    return w->text;
}

void jw_strn(FILE *f, const char *s, size_t n)
{
    fputc('"', f);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void jw_str(FILE *f, const char *s)
{
    if (s)
        jw_strn(f, s, strlen(s));
    else
        fputs("null", f);
}

void jw_num(FILE *f, double v) { cli_json_number(f, v); }

void jw_put_text(FILE *f, jw *t)
{
    bool ok = t->f && !ferror(t->f);
    if (t->f && fclose(t->f) != 0)
        ok = false;
    if (ok)
        jw_str(f, t->text);
    else
        fputs("null", f);
    free(t->text);
    t->f = NULL;
    t->text = NULL;
}
