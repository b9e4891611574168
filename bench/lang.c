/*
 * bench/lang.c: checking a derivation with a 64x64 weight matrix (issue 10):
 * 4,096 weight entries, 21 points (the given one and 20 nearby), two claims
 * (dL/dW = outer(d, x), a 64x64 matrix, and dL/dz = d). Each point records
 * the program afresh on one rewound tape, differentiates it once per claim
 * and evaluates the claims. Median of 5 runs; every claim must agree or the
 * bench fails. `--json` prints the figure as one JSON object.
 */
#include "lang.h"
#include "w_timing.h"

#include <stdio.h>
#include <string.h>

#define REPS 5

static const char src[] =
    "W: 64x64\n"
    "x: 64\n"
    "b: 64\n"
    "y = one_hot(3, 64)\n"
    "z = W @ x + b\n"
    "a = sigmoid(z)\n"
    "L = 0.5 * sum((a - y)^2)\n"
    "d = (a - y) * a * (1 - a)\n"
    "claim dL/dW = outer(d, x)\n"
    "claim dL/dz = d\n";

int main(int argc, char **argv)
{
    bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
    ag_error e;
    lg_prog *p = lg_parse(src, sizeof src - 1, &e);
    if (!p) {
        fprintf(stderr, "bench/lang: %s\n", e.message);
        return 1;
    }
    double s[REPS];
    size_t points = 0;
    for (int k = 0; k < REPS; k++) {
        lg_report r;
        double t0 = bench_now();
        if (lg_check(p, NULL, &r, &e) != AG_OK) {
            fprintf(stderr, "bench/lang: %s\n", e.message);
            lg_prog_free(p);
            return 1;
        }
        s[k] = bench_now() - t0;
        points = r.n_points;
        bool ok = r.all_agree;
        lg_report_free(&r);
        if (!ok) {
            fprintf(stderr, "bench/lang: a claim disagrees\n");
            lg_prog_free(p);
            return 1;
        }
    }
    double med = bench_median(s, REPS);
    if (json)
        printf("{\"lang_check_64x64_s\": %.6f, \"points\": %zu, \"entries\": 4096}\n", med, points);
    else
        printf("lang: check a derivation with a 64x64 W (4096 entries), %zu points, 2 claims: %.1f ms "
               "(median of %d)\n", points, med * 1e3, REPS);
    lg_prog_free(p);
    return 0;
}
