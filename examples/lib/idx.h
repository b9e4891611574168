/*
 * idx.h: reading the IDX files of MNIST and Fashion-MNIST, gzip-compressed
 * or not (zlib's gzread reads both).
 *
 * An IDX file is: two zero bytes, a type byte (0x08: unsigned bytes), the
 * number of dimensions, each dimension as a 32-bit big-endian count, then
 * the data in row-major order and nothing after it.
 */
#ifndef AGRAD_EXAMPLES_IDX_H
#define AGRAD_EXAMPLES_IDX_H

#include <stddef.h>

#include "nn_io.h" /* its statuses: NN_EIO, NN_EFORMAT */

typedef struct ex_idx {
    size_t ndims;
    size_t dims[3];
    size_t count;        /* product of dims                                */
    unsigned char *data; /* count bytes, from ag_realloc                   */
} ex_idx;

/* Read an unsigned-byte IDX file with exactly `ndims` dimensions (1 for
 * labels, 3 for images). On failure `out` is empty and `why` says what and
 * at which byte offset (why_size bytes). NN_EIO: cannot open or read;
 * NN_EFORMAT: not such a file. */
ag_status ex_idx_load(const char *path, size_t ndims, ex_idx *out, char *why, size_t why_size);
void ex_idx_free(ex_idx *x);

#endif
