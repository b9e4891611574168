/*
 * cli_run.h: the agrad command in-process for the CLI suites (test_cli.c,
 * test_lang_cli.c): agrad_in(STDIN, ARGS..., NULL) runs agrad_run with
 * memory streams and returns the exit status and both outputs; agrad(ARGS)
 * with empty stdin. Static functions: each suite file gets its own copy.
 */
#ifndef AGRAD_TESTS_CLI_RUN_H
#define AGRAD_TESTS_CLI_RUN_H

#include "../tools/cli.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct run {
    int rc;
    char *out, *err;
} run;

/* agrad ARGS... (NULL-terminated), stdin from `in` (no NUL: a file has none) */
static inline run agrad_in(const char *in, ...)
{
    char *argv[64] = {"agrad"};
    int argc = 1;
    va_list ap;
    va_start(ap, in);
    for (const char *a; (a = va_arg(ap, const char *)) != NULL && argc < 63;)
        argv[argc++] = (char *)a;
    va_end(ap);
    run r = {0, NULL, NULL};
    size_t no, ne;
    FILE *out = open_memstream(&r.out, &no), *err = open_memstream(&r.err, &ne);
    FILE *fin = fmemopen((void *)(in && *in ? in : "\n"), in && *in ? strlen(in) : 1, "r");
    cr_assert(out && err && fin);
    r.rc = agrad_run(argc, argv, fin, out, err);
    fclose(out);
    fclose(err);
    fclose(fin);
    return r;
}
#define agrad(...) agrad_in(NULL, __VA_ARGS__, (const char *)NULL)

static inline void run_free(run *r)
{
    free(r->out);
    free(r->err);
}

#endif /* AGRAD_TESTS_CLI_RUN_H */
