/*
 * io_internal.h: helpers shared by the file readers and writers of nn/
 * (safetensors, CSV) and the test hook that injects write failures. Not
 * installed; nothing here is part of the public API.
 *
 * Invariant: every helper that can fail fills an nn_error (when given one)
 * with a message that starts with the file's name.
 */
#ifndef AGRAD_NN_IO_INTERNAL_H
#define AGRAD_NN_IO_INTERNAL_H

#include "nn_io.h"

#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define NN__PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NN__PRINTF(a, b)
#endif

/* Record status s and a printf-formatted message in err (err may be NULL).
 * Returns s so that callers can write `return nn__fail(err, ...)`. */
ag_status nn__fail(nn_error *err, ag_status s, const char *fmt, ...) NN__PRINTF(3, 4);

/* Clear err to AG_OK and an empty message (err may be NULL). */
void nn__ok(nn_error *err);

/* Read the whole file into a buffer from ag_realloc (freed with ag_free);
 * one extra NUL byte follows the *len bytes read. */
ag_status nn__read_file(const char *path, unsigned char **buf, size_t *len, nn_error *err);

/* Replace `path` by a file holding buf[0..len): write a temporary file in
 * the same directory, fsync it, rename it over path. On failure the
 * temporary is removed and the old file is untouched. */
ag_status nn__write_file_atomic(const char *path, const unsigned char *buf, size_t len,
                                nn_error *err);

/* Make jansson allocate through ag_realloc/ag_free (idempotent), and
 * forget earlier allocation failures; nn__json_alloc_failed() tells whether
 * one of jansson's allocations has failed since. */
void nn__json_use_ag_alloc(void);
bool nn__json_alloc_failed(void);

/* Test hook: the next nn__write_file_atomic fails (as if write() returned
 * EIO) once it has written nbytes bytes of the temporary file; -1 turns it
 * off. It applies to one call only and is cleared by it. */
void nn__io_fail_write_after(long nbytes);

/* The caller's tensor list for a save or load: every tensor named
 * (non-empty, not "__metadata__", no name twice), rank 1 or 2, an element
 * count whose byte size fits in size_t, data non-NULL unless empty.
 * AG_EINVAL naming the tensor otherwise; `source` starts the message. */
ag_status nn__st_check_tensors(const nn_tensor *ts, size_t n, const char *source,
                               nn_error *err);
/* Elements of a checked tensor (shape[0], or shape[0] * shape[1]). */
size_t nn__st_elements(const nn_tensor *t);
/* "[4, 2]" or "[3]" into buf. */
void nn__st_shape_text(char *buf, size_t cap, size_t rank, const uint64_t *dims);

/* Little-endian byte order, spelled out so that the files are the same on
 * any host (safetensors is little-endian by definition). */
static inline void nn__put_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t nn__get_le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static inline uint32_t nn__get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* safetensors refuses headers above 100 MiB (a JSON bomb guard); so do we. */
#define NN__ST_MAX_HEADER ((uint64_t)100 << 20)

#endif /* AGRAD_NN_IO_INTERNAL_H */
