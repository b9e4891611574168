/*
 * excli.c: option parsing, data loading and timing shared by the examples.
 * Invariant: every parser accepts the whole argument or nothing, and says
 * which option was wrong.
 */
#include "excli.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool ex_parse_u64(const char *prog, const char *opt, const char *arg, uint64_t *out)
{
    char *end;
    errno = 0;
    /* strtoull accepts a sign and wraps "-1" to the maximum: refuse both */
    unsigned long long v = (arg[0] >= '0' && arg[0] <= '9') ? strtoull(arg, &end, 10) : 0;
    if (!(arg[0] >= '0' && arg[0] <= '9') || *end || errno) {
        fprintf(stderr, "%s: %s: '%s' is not a non-negative integer\n", prog, opt, arg);
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

bool ex_parse_size(const char *prog, const char *opt, const char *arg, size_t *out)
{
    uint64_t v;
    if (!ex_parse_u64(prog, opt, arg, &v))
        return false;
    if (v > SIZE_MAX / 2) {
        fprintf(stderr, "%s: %s: %s is too large\n", prog, opt, arg);
        return false;
    }
    *out = (size_t)v;
    return true;
}

bool ex_parse_double(const char *prog, const char *opt, const char *arg, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(arg, &end);
    if (end == arg || *end || errno || !isfinite(v)) {
        fprintf(stderr, "%s: %s: '%s' is not a finite number\n", prog, opt, arg);
        return false;
    }
    *out = v;
    return true;
}

const char *ex_optarg(const char *prog, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "%s: %s needs a value\n", prog, argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

bool ex_load_csv(const char *prog, const char *path, nn_dataset *out)
{
    nn_csv_opts opts = {-1, 1};
    nn_error err;
    if (nn_csv_load(path, &opts, out, &err) != AG_OK) {
        fprintf(stderr, "%s: %s\n", prog, err.message);
        return false;
    }
    return true;
}

double ex_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int ex_options(const char *prog, int argc, char **argv, const ex_opt *opts, const char *usage)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        const ex_opt *o = opts;
        while (o->name && strcmp(o->name, a) != 0)
            o++;
        bool ok = o->name != NULL;
        if (ok && o->kind == EX_FLAG)
            *(int *)o->out = 1;
        else if (ok && !(v = ex_optarg(prog, argc, argv, &i)))
            ok = false;
        else if (ok && o->kind == EX_STR)
            *(const char **)o->out = v;
        else if (ok)
            ok = o->kind == EX_SIZE  ? ex_parse_size(prog, a, v, o->out)
                 : o->kind == EX_U64 ? ex_parse_u64(prog, a, v, o->out)
                                     : ex_parse_double(prog, a, v, o->out);
        if (!ok) {
            fprintf(stderr, "usage: %s %s\n", prog, usage);
            return EX_USAGE;
        }
    }
    return EX_OK;
}
