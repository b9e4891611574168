/*
 * teach_util.h: small helpers shared by the teaching-library tests
 * (test_teach.c, test_teach_graph.c): capturing what a function prints to a
 * FILE *, counting substrings, and whether Graphviz is installed.
 */
#ifndef AGRAD_TESTS_TEACH_UTIL_H
#define AGRAD_TESTS_TEACH_UTIL_H

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a function printing to a FILE * wrote, as a malloc'd string. */
typedef struct capture {
    FILE *f;
    char *buf;
    size_t len;
} capture;
static inline void capture_open(capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    cr_assert_not_null(c->f);
}
static inline char *capture_close(capture *c)
{
    fclose(c->f);
    return c->buf;
}

static inline size_t count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Whether the line starting at `line` contains `needle`. */
static inline bool line_has(const char *line, const char *needle)
{
    const char *end = strchr(line, '\n'), *hit = strstr(line, needle);
    return hit && (!end || hit < end);
}

static inline bool have_dot(void) { return system("command -v dot >/dev/null 2>&1") == 0; }

#endif /* AGRAD_TESTS_TEACH_UTIL_H */
