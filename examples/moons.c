/*
 * moons.c: micrograd's demo in C. A 2-16-16-1 relu MLP learns to separate
 * the two moons with a max-margin (hinge) loss and plain SGD:
 *
 *   L = (1/N) sum_i max(0, 1 - y_i s_i) + 1e-4 sum_p p^2,  y_i in {-1, 1}
 *   p <- p - lr_k dL/dp,  lr_k = 1.0 - 0.9 k / 100   (k = 0 .. 99)
 *
 * Every step is one full-batch forward pass over the 100 points, one
 * backward pass and one update. With --replay the step's graph is recorded
 * once and then only recomputed (ag_forward) from the updated weights: the
 * same numbers, no recording (workloads.h says when that is valid).
 *
 * usage: moons [--data FILE.csv] [--steps N] [--seed N] [--replay]
 *              [--load FILE.safetensors] [--save FILE.safetensors] [--svg DIR]
 *              [--verbose]
 * Prints "step k loss L accuracy A" every 10 steps (--verbose: every step),
 * the last step included, and, last,
 * "final loss=L accuracy=A" for the last step's forward pass.
 * Exit status: 0 when the final accuracy is 1, 1 when it is not, 2 on bad
 * usage or data.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "excli.h"
#include "svg.h"
#include "workloads.h"

#define PROG "moons"

typedef struct options {
    const char *data, *load, *save, *svg;
    size_t steps;
    uint64_t seed;
    int replay, verbose;
} options;

static int usage(void)
{
    fprintf(stderr, "usage: " PROG " [--data FILE.csv] [--steps N] [--seed N] [--replay]\n"
                    "             [--load FILE.safetensors] [--save FILE.safetensors] [--svg DIR] [--verbose]\n");
    return EX_USAGE;
}

static int parse(int argc, char **argv, options *o)
{
    *o = (options){.data = "examples/data/moons.csv", .steps = MOONS_STEPS, .seed = MOONS_SEED};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--replay") == 0) {
            o->replay = 1;
            continue;
        }
        if (strcmp(a, "--verbose") == 0) {
            o->verbose = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return usage();
        if (strncmp(a, "--", 2) != 0 || !(v = ex_optarg(PROG, argc, argv, &i)))
            return usage();
        if (strcmp(a, "--data") == 0)
            o->data = v;
        else if (strcmp(a, "--load") == 0)
            o->load = v;
        else if (strcmp(a, "--save") == 0)
            o->save = v;
        else if (strcmp(a, "--svg") == 0)
            o->svg = v;
        else if (strcmp(a, "--steps") == 0) {
            if (!ex_parse_size(PROG, a, v, &o->steps))
                return EX_USAGE;
        } else if (strcmp(a, "--seed") == 0) {
            if (!ex_parse_u64(PROG, a, v, &o->seed))
                return EX_USAGE;
        } else
            return usage();
    }
    return EX_OK;
}

static double score_at(void *ctx, double x1, double x2) { return moons_score(ctx, x1, x2); }

static int write_svgs(moons_run *w, const char *dir, const double *curve, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/moons_boundary.svg", dir);
    if (!ex_svg_boundary(path, w->d, score_at, w))
        return EX_USAGE;
    printf("wrote %s\n", path);
    snprintf(path, sizeof path, "%s/moons_loss.svg", dir);
    if (!ex_svg_curve(path, curve, n, "moons: loss per step"))
        return EX_USAGE;
    printf("wrote %s\n", path);
    return EX_OK;
}

static int run(const options *o, const nn_dataset *d, moons_run *w, double *curve)
{
    char why[600];
    nn_error err;
    if (moons_setup(w, d, o->seed, why, sizeof why) != AG_OK) {
        fprintf(stderr, PROG ": %s: %s\n", o->data, why);
        return EX_USAGE;
    }
    if (o->load && nn_model_load(w->model, o->load, &err) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", err.message);
        return EX_USAGE;
    }
    double loss = 0, acc = 0;
    for (size_t k = 0; k < o->steps; k++) {
        ag_status s = o->replay ? moons_step_replay(w, &loss, &acc) : moons_step_record(w, &loss, &acc);
        if (s != AG_OK) {
            fprintf(stderr, PROG ": step %zu: %s\n", k, ag_tape_error(w->t));
            return EX_FAILED;
        }
        curve[k] = loss;
        if (o->verbose || k % 10 == 0 || k + 1 == o->steps)
            printf("step %zu loss %.17g accuracy %.4f\n", k, loss, acc);
    }
    if (o->steps == 0 && moons_evaluate(w, &loss, &acc) != AG_OK) {
        fprintf(stderr, PROG ": %s\n", ag_tape_error(w->t));
        return EX_FAILED;
    }
    if (o->save) {
        if (nn_model_save(w->model, o->save, &err) != AG_OK) {
            fprintf(stderr, PROG ": %s\n", err.message);
            return EX_USAGE;
        }
        printf("saved the model to %s\n", o->save);
    }
    if (o->svg) {
        int rc = write_svgs(w, o->svg, curve, o->steps);
        if (rc != EX_OK)
            return rc;
    }
    printf("final loss=%.17g accuracy=%.4f\n", loss, acc);
    return acc == 1.0 ? EX_OK : EX_FAILED;
}

int main(int argc, char **argv)
{
    options o;
    int rc = parse(argc, argv, &o);
    if (rc != EX_OK)
        return rc;
    nn_dataset d;
    if (!ex_load_csv(PROG, o.data, &d))
        return EX_USAGE;
    double *curve = malloc((o.steps ? o.steps : 1) * sizeof *curve);
    moons_run w;
    memset(&w, 0, sizeof w);
    rc = curve ? run(&o, &d, &w, curve) : EX_FAILED;
    moons_free(&w);
    free(curve);
    nn_dataset_free(&d);
    return rc;
}
