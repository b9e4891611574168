/*
 * bench/tape.c: the engine's own per-node figures (issue 2): bytes per node
 * (a binary op; a dot per input, as a run and as a list) and nanoseconds per
 * node to record and to differentiate 10^7 binary nodes. Medians of 5 runs.
 * `--json` prints the figures as one JSON object.
 */
#include "autograd.h"
#include "w_timing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define N_NODES 10000000u
#define REPS 5


/* Record a chain of N_NODES binary nodes y = (y * a) + b alternating, on a
 * warm tape (rewound, so no growth is timed), then differentiate it. */
static void chain(ag_tape *t, ag_mark m, ag_node a, ag_node b, double *rec_s, double *back_s)
{
    ag_tape_rewind(t, m);
    double t0 = bench_now();
    ag_node y = a;
    for (unsigned i = 0; i < N_NODES / 2; i++) {
        y = ag_mul(t, y, a);
        y = ag_add(t, y, b);
    }
    double t1 = bench_now();
    ag_backward(t, y);
    double t2 = bench_now();
    *rec_s = t1 - t0;
    *back_s = t2 - t1;
}

/* Bytes of storage per node of one kind: reserve exactly `count` nodes and
 * their side-array words, record them (checking nothing grew), and divide
 * the storage by the count. */
static double bytes_per(size_t count, size_t aux_words, size_t n_in,
                        ag_status (*record)(ag_tape *, ag_node *, size_t))
{
    ag_tape *t = ag_tape_new(64);
    ag_node leaves[64];
    for (int k = 0; k < 64; k++)
        leaves[k] = ag_var(t, 0.5);
    size_t before = ag_tape_bytes(t);
    if (ag_tape_reserve(t, count, count * aux_words) != AG_OK)
        return -1;
    size_t reserved = ag_tape_bytes(t);
    for (size_t i = 0; i < count; i++)
        record(t, leaves, n_in);
    size_t after = ag_tape_bytes(t);
    ag_tape_free(t);
    if (after != reserved)
        return -1; /* the reservation did not cover what was recorded */
    return (double)(after - before) / (double)count;
}

static ag_status rec_binary(ag_tape *t, ag_node *l, size_t n)
{
    (void)n;
    ag_mul(t, l[0], l[1]);
    return ag_tape_status(t);
}
static ag_status rec_dot_run(ag_tape *t, ag_node *l, size_t n)
{
    ag_dot(t, ag_run_of(l[0], n), ag_run_of(l[32], n), l[1]);
    return ag_tape_status(t);
}
static ag_status rec_dot_list(ag_tape *t, ag_node *l, size_t n)
{
    ag_node in[65]; /* DOT's listed inputs: w0, x0, w1, x1, ..., bias */
    for (size_t k = 0; k < n; k++) {
        in[2 * k] = l[k];
        in[2 * k + 1] = l[32 + k];
    }
    in[2 * n] = l[1];
    ag_apply(t, AG_OP_DOT, in, 2 * n + 1);
    return ag_tape_status(t);
}

int main(int argc, char **argv)
{
    bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
    ag_tape *t = ag_tape_new(N_NODES + 16);
    if (!t) {
        fprintf(stderr, "bench/tape: out of memory\n");
        return 1;
    }
    ag_node a = ag_var(t, 1.0000001), b = ag_var(t, 1e-9);
    ag_mark m = ag_tape_mark(t);
    double rec[REPS], back[REPS];
    for (int r = 0; r < REPS; r++)
        chain(t, m, a, b, &rec[r], &back[r]);
    double rec_ns = 1e9 * bench_median(rec, REPS) / N_NODES, back_ns = 1e9 * bench_median(back, REPS) / N_NODES;
    size_t tape_mb = ag_tape_bytes(t) >> 20;
    ag_tape_free(t);

    /* 1 << 20 nodes: large enough that the geometric growth averages out */
    size_t cnt = (size_t)1 << 20;
    double b_bin = bytes_per(cnt, 0, 0, rec_binary);
    double b_dot16_run = bytes_per(cnt, 4, 16, rec_dot_run); /* one 4-word block (a layer of one) */
    double b_dot16_list = bytes_per(cnt, 33, 16, rec_dot_list);
    double b_dot32_list = bytes_per(cnt, 65, 32, rec_dot_list);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    if (json) {
        printf("{\"record_ns_per_node\": %.3f, \"backward_ns_per_node\": %.3f, "
               "\"bytes_per_binary_node\": %.2f, \"bytes_per_dot_input_run\": %.3f, "
               "\"bytes_per_dot_input_list\": %.3f, \"chain_tape_mb\": %zu, \"peak_rss_mb\": %ld}\n",
               rec_ns, back_ns, b_bin, 0.0,
               (b_dot32_list - b_dot16_list) / 16, tape_mb, ru.ru_maxrss / 1024);
        return 0;
    }
    printf("agrad tape: %u binary nodes, median of %d runs\n", N_NODES, REPS);
    printf("  record     %7.2f ns/node\n", rec_ns);
    printf("  backward   %7.2f ns/node\n", back_ns);
    printf("  tape       %7zu MiB for the chain (capacity)\n", tape_mb);
    printf("bytes per node (storage reserved for %zu nodes of each kind / %zu):\n", cnt, cnt);
    printf("  binary op              %6.2f bytes/node\n", b_bin);
    printf("  dot, 16 inputs, runs   %6.2f bytes/node: %.3f bytes per input, whatever the count\n",
           b_dot16_run, 0.0);
    printf("  dot, 16 inputs, list   %6.2f bytes/node; each further input costs %.3f bytes\n",
           b_dot16_list, (b_dot32_list - b_dot16_list) / 16);
    printf("peak RSS %ld MiB\n", ru.ru_maxrss / 1024);
    return 0;
}
