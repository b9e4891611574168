/*
 * make_moons.c: writes the two-moons data set as CSV (header x1,x2,y), made
 * the way sklearn.datasets.make_moons(n_samples=n, noise=sd) makes it:
 *   n_out = n / 2 points on the upper half circle  (cos t, sin t),
 *   n_in  = n - n_out on the lower one (1 - cos t, 1 - sin t - 0.5),
 *   t = linspace(0, pi, count) for each moon, then N(0, sd^2) noise on both
 *   coordinates and a uniform shuffle. Labels are -1 (upper moon, sklearn's
 *   class 0) and +1 (lower moon, class 1), the hinge loss's convention.
 *
 * Invariant: the output is a function of (n, noise, seed) alone. The random
 * stream is nn's generator (nn_rng: xoshiro256** seeded through splitmix64,
 * integer arithmetic, the same everywhere; Gaussians by the polar method);
 * the floating-point steps are plain IEEE operations plus
 * libm's cos, sin and log, with contraction into FMA disabled where the
 * compiler honours the pragma, so the bytes match wherever libm agrees.
 *
 * usage: make_moons [--n 100] [--noise 0.1] [--seed 42] [-o FILE]
 * Prints nothing else on success; errors go to stderr with exit status 2.
 * The one example that parses its own options (not ex_options): the install
 * check (mk/install.mk) builds this file alone against the installed
 * libraries, where examples/lib does not exist.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

#ifdef __clang__
#pragma STDC FP_CONTRACT OFF
#endif

#define MOONS_PI 3.141592653589793238462643383279502884
#define MOONS_MAX_N 100000000UL

/* numpy.linspace(0, pi, count)[i]: i * (pi / (count - 1)), the last one
 * exactly pi, and [0] alone when count == 1. */
static double linspace_pi(size_t i, size_t count)
{
    if (count < 2)
        return 0.0;
    if (i == count - 1)
        return MOONS_PI;
    return (double)i * (MOONS_PI / (double)(count - 1));
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "make_moons: %s%s%s\n"
                    "usage: make_moons [--n 100] [--noise 0.1] [--seed 42] [-o FILE]\n",
            what, arg ? ": " : "", arg ? arg : "");
    return 2;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (*s == '\0' || *s == '-' || *s == '+')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    if (*s == '\0')
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

typedef struct moons_opts {
    uint64_t n, seed;
    double noise;
    const char *out;
} moons_opts;

static int parse_args(int argc, char **argv, moons_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc)
            return usage_error("missing value or unknown option", a);
        const char *v = argv[++i];
        if (strcmp(a, "--n") == 0) {
            if (parse_u64(v, &o->n) != 0 || o->n < 1 || o->n > MOONS_MAX_N)
                return usage_error("--n wants an integer in 1..100000000, got", v);
        } else if (strcmp(a, "--noise") == 0) {
            if (parse_double(v, &o->noise) != 0 || o->noise < 0)
                return usage_error("--noise wants a finite number >= 0, got", v);
        } else if (strcmp(a, "--seed") == 0) {
            if (parse_u64(v, &o->seed) != 0)
                return usage_error("--seed wants an unsigned 64-bit integer, got", v);
        } else if (strcmp(a, "-o") == 0) {
            o->out = v;
        } else {
            return usage_error("unknown option", a);
        }
    }
    return 0;
}

/* Fill x (n x 2, row-major) and y (n) with the moons, noise, then shuffle. */
static void make_moons(size_t n, double noise, uint64_t seed, double *x, double *y)
{
    size_t n_out = n / 2, n_in = n - n_out;
    for (size_t i = 0; i < n_out; i++) {
        double t = linspace_pi(i, n_out);
        x[2 * i] = cos(t);
        x[2 * i + 1] = sin(t);
        y[i] = -1.0;
    }
    for (size_t i = 0; i < n_in; i++) {
        double t = linspace_pi(i, n_in);
        x[2 * (n_out + i)] = 1.0 - cos(t);
        x[2 * (n_out + i) + 1] = 1.0 - sin(t) - 0.5;
        y[n_out + i] = 1.0;
    }
    nn_rng r;
    nn_rng_seed(&r, seed);
    for (size_t k = 0; k < 2 * n; k++)
        x[k] += noise * nn_rng_normal(&r);
    /* Fisher-Yates over the points: position i takes a uniform pick among 0..i */
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = nn_rng_below(&r, i + 1);
        double t0 = x[2 * i], t1 = x[2 * i + 1], ty = y[i];
        x[2 * i] = x[2 * j];
        x[2 * i + 1] = x[2 * j + 1];
        y[i] = y[j];
        x[2 * j] = t0;
        x[2 * j + 1] = t1;
        y[j] = ty;
    }
}

int main(int argc, char **argv)
{
    moons_opts o = {100, 42, 0.1, NULL};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc;

    size_t n = (size_t)o.n;
    double *x = malloc(2 * n * sizeof *x), *y = malloc(n * sizeof *y);
    if (!x || !y) {
        fprintf(stderr, "make_moons: out of memory for %zu points\n", n);
        free(x);
        free(y);
        return 2;
    }
    make_moons(n, o.noise, o.seed, x, y);

    FILE *f = o.out ? fopen(o.out, "w") : stdout;
    if (!f) {
        fprintf(stderr, "make_moons: cannot open %s: %s\n", o.out, strerror(errno));
        free(x);
        free(y);
        return 2;
    }
    int bad = fprintf(f, "x1,x2,y\n") < 0;
    for (size_t i = 0; i < n && !bad; i++)
        bad = fprintf(f, "%.17g,%.17g,%d\n", x[2 * i], x[2 * i + 1], y[i] > 0 ? 1 : -1) < 0;
    if (fflush(f) != 0)
        bad = 1;
    if (f != stdout && fclose(f) != 0)
        bad = 1;
    free(x);
    free(y);
    if (bad) {
        fprintf(stderr, "make_moons: write error on %s: %s\n", o.out ? o.out : "stdout",
                strerror(errno));
        return 2;
    }
    return 0;
}
