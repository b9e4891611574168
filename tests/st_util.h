/*
 * st_util.h: helpers shared by the safetensors test files: temporary
 * directories, whole-file reads, awkward doubles, and a pair of expected
 * tensors filled with a sentinel to prove a failed load wrote nothing.
 */
#ifndef AGRAD_TESTS_ST_UTIL_H
#define AGRAD_TESTS_ST_UTIL_H

#include "nn_io.h"

#include <stddef.h>
#include <stdint.h>

/* A fresh directory under /tmp (malloc'd name); stt_remove_tree deletes it. */
char *stt_make_tmpdir(void);
char *stt_join(const char *dir, const char *name);
/* Entries of dir other than . and .. */
int stt_count_entries(const char *dir);
void stt_remove_tree(const char *dir);
/* The whole file, malloc'd. */
unsigned char *stt_slurp(const char *path, size_t *len);
/* Assert that the file holds exactly bytes[0..len). */
void stt_expect_file(const char *path, const unsigned char *bytes, size_t len);
double stt_from_bits(uint64_t b);
/* Awkward doubles first (-0.0, subnormals, +-inf, NaN payloads, extremes),
 * then random bit patterns. */
void stt_fill(double *x, size_t n);

/* Two expected tensors: a [2, 3] and b [3], filled with a sentinel. */
typedef struct stt_two {
    double a[6], b[3];
    nn_tensor ts[2];
} stt_two;

void stt_two_init(stt_two *t);
/* Assert that both tensors still hold the sentinel. */
void stt_two_untouched(const stt_two *t);

#endif /* AGRAD_TESTS_ST_UTIL_H */
