/*
 * wasm_json.h: how the WebAssembly module hands results to JavaScript: every
 * exported call returns one NUL-terminated JSON text, malloc'd, that the
 * page reads and frees with agw_free. Small writers over a FILE* memory
 * stream (open_memstream) keep the exported functions short.
 */
#ifndef AGRAD_WEB_WASM_JSON_H
#define AGRAD_WEB_WASM_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Exported from the WebAssembly module under its own name; a plain
 * function in a native build (web/moons_time.c times the same code). */
#ifdef __wasm__
#define AGW_EXPORT(name) __attribute__((export_name(#name)))
#else
#define AGW_EXPORT(name)
#endif

/* Where a JSON text is written; jw_open returns NULL when out of memory. */
typedef struct jw {
    FILE *f;
    char *text;
    size_t size;
} jw;

FILE *jw_open(jw *w);
/* Close the stream and return the text (NULL when writing failed; then a
 * fixed {"ok": false, ...} text is returned instead by jw_result). */
char *jw_result(jw *w);
/* A JSON string literal for s (NULL writes null); bytes below 0x20, quote
 * and backslash escaped, other bytes copied (the C side writes UTF-8). */
void jw_str(FILE *f, const char *s);
/* The same for s[0..n). */
void jw_strn(FILE *f, const char *s, size_t n);
/* A number (%.17g; NaN and infinities as the strings agrad grad --json uses). */
void jw_num(FILE *f, double v);
/* Close t (a stream some library function printed into, opened with
 * jw_open) and put its text into f as a JSON string; null when t could not
 * be opened or written. Frees t's text. */
void jw_put_text(FILE *f, jw *t);
/* {"ok": false, "error": {"message": msg}} as a fresh text. */
char *jw_error(const char *msg);

#endif
