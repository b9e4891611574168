/*
 * bench_export.c: what PyTorch needs to run the benchmark's W1 and W2
 * training (bench/bench.c) from the same start: each workload's initial
 * weights, built by the bench's own setup code (bench/w_workloads.c) and
 * saved as safetensors, and W2's order of training rows.
 *
 *   bench_export DATA_DIR OUT_DIR
 * writes OUT_DIR/w1_init.safetensors, w2_init.safetensors, w2_order.txt
 * (DIGITS_TRAIN row indices of DATA_DIR/digits.csv, one a line).
 * tests/interop/bench_torch.py trains from them.
 */
#include "workloads.h"

#include <stdio.h>
#include <stdlib.h>

static int save(nn_model *m, const char *dir, const char *name)
{
    char path[1024];
    nn_error err;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (nn_model_save(m, path, &err) != AG_OK) {
        fprintf(stderr, "bench_export: %s\n", err.message);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_export DATA_DIR OUT_DIR\n");
        return 2;
    }
    char path[1024], why[256] = "";
    nn_dataset moons = {0}, digits = {0};
    nn_csv_opts opts = {.label_col = -1, .header = 1};
    nn_error err;
    int rc = 0;
    snprintf(path, sizeof path, "%s/moons.csv", argv[1]);
    if (nn_csv_load(path, &opts, &moons, &err) != AG_OK) {
        fprintf(stderr, "bench_export: %s\n", err.message);
        return 2;
    }
    snprintf(path, sizeof path, "%s/digits.csv", argv[1]);
    if (nn_csv_load(path, &opts, &digits, &err) != AG_OK) {
        fprintf(stderr, "bench_export: %s\n", err.message);
        nn_dataset_free(&moons);
        return 2;
    }
    moons_run w1 = {0};
    digits_run w2 = {0};
    if (moons_setup(&w1, &moons, MOONS_SEED, why, sizeof why) != AG_OK ||
        digits_setup(&w2, &digits, 1, why, sizeof why) != AG_OK) {
        fprintf(stderr, "bench_export: %s\n", why);
        rc = 1;
    }
    if (rc == 0)
        rc = save(w1.model, argv[2], "w1_init.safetensors") || save(w2.c.model, argv[2], "w2_init.safetensors");
    size_t *idx = malloc(digits.rows * sizeof *idx);
    snprintf(path, sizeof path, "%s/w2_order.txt", argv[2]);
    FILE *f = rc == 0 && idx ? fopen(path, "w") : NULL;
    if (f) {
        digits_shuffle(idx, digits.rows, 1); /* as bench.c: the split, train first */
        for (size_t i = 0; i < DIGITS_TRAIN; i++)
            fprintf(f, "%zu\n", idx[i]);
        rc = fclose(f) != 0;
    } else if (rc == 0) {
        fprintf(stderr, "bench_export: cannot write %s\n", path);
        rc = 1;
    }
    free(idx);
    moons_free(&w1);
    digits_free(&w2);
    nn_dataset_free(&moons);
    nn_dataset_free(&digits);
    return rc;
}
