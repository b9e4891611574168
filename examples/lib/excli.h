/*
 * excli.h: small helpers the example programs share: strict number parsing
 * for command-line options, loading a CSV data set with the error printed,
 * a monotonic clock. Examples are programs, so these may print to stderr.
 *
 * Exit codes used by every example: 0 success, 1 the training did not reach
 * its goal, 2 bad usage or unreadable data, 77 skipped (data not installed).
 */
#ifndef AGRAD_EXAMPLES_EXCLI_H
#define AGRAD_EXAMPLES_EXCLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn.h"

#define EX_OK 0
#define EX_FAILED 1
#define EX_USAGE 2
#define EX_SKIPPED 77

/* Parse all of `arg` as a decimal integer / a finite double; on failure
 * print "prog: option: 'arg' is not ..." and return false. */
bool ex_parse_size(const char *prog, const char *opt, const char *arg, size_t *out);
bool ex_parse_u64(const char *prog, const char *opt, const char *arg, uint64_t *out);
bool ex_parse_double(const char *prog, const char *opt, const char *arg, double *out);

/* The value of option argv[*i] (argv[*i + 1], advancing *i), or NULL with a
 * message when it is missing. */
const char *ex_optarg(const char *prog, int argc, char **argv, int *i);

/* Every example's options as one table: name ("--steps"), kind, where the
 * value goes (EX_FLAG sets an int to 1). The last entry has a NULL name. */
typedef enum ex_kind { EX_FLAG, EX_STR, EX_SIZE, EX_U64, EX_DOUBLE } ex_kind;
typedef struct ex_opt {
    const char *name;
    ex_kind kind;
    void *out;
} ex_opt;
/* Parse argv[1..argc) against opts: EX_OK, or EX_USAGE after printing
 * what was wrong and `usage` (also for --help and -h). */
int ex_options(const char *prog, int argc, char **argv, const ex_opt *opts, const char *usage);

/* Load a numeric CSV with a header, label in the last column; prints the
 * loader's message ("file:line:col: ...") and returns false on failure. */
bool ex_load_csv(const char *prog, const char *path, nn_dataset *out);

/* Seconds on a monotonic clock. */
double ex_now(void);

#endif
