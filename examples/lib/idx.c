/*
 * idx.c: strict IDX reader (see idx.h for the format).
 *
 * Invariant: a file is accepted only when the magic, the dimension count,
 * every dimension (non-zero, product below 2^31) and the data length all
 * agree; otherwise nothing is kept.
 */
#include "idx.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

/* Read exactly n bytes; false on a short read (error text in why). */
static int read_all(gzFile f, void *buf, size_t n, const char *path, size_t offset, const char *what,
                    char *why, size_t why_size)
{
    int got = gzread(f, buf, (unsigned)n);
    if (got == (int)n)
        return 1;
    int code;
    const char *msg = gzerror(f, &code);
    if (got < 0 || code != Z_OK)
        snprintf(why, why_size, "%s: byte %zu: reading %s failed: %s", path, offset, what,
                 code == Z_ERRNO ? strerror(errno) : msg);
    else
        snprintf(why, why_size, "%s: byte %zu: the file ends inside %s (%zu more bytes expected)", path,
                 offset + (size_t)got, what, n - (size_t)got);
    return 0;
}

ag_status ex_idx_load(const char *path, size_t ndims, ex_idx *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    gzFile f = gzopen(path, "rb");
    if (!f) {
        snprintf(why, why_size, "%s: %s", path, errno ? strerror(errno) : "cannot open");
        return NN_EIO;
    }
    ag_status s = NN_EFORMAT;
    unsigned char head[4], dimb[12];
    if (!read_all(f, head, 4, path, 0, "the magic number", why, why_size))
        goto done;
    if (head[0] != 0 || head[1] != 0 || head[2] != 0x08 || head[3] != ndims) {
        snprintf(why, why_size,
                 "%s: byte 0: magic %02x %02x %02x %02x is not an IDX file of unsigned bytes with %zu dimensions (00 00 08 %02zx)",
                 path, head[0], head[1], head[2], head[3], ndims, ndims);
        goto done;
    }
    if (!read_all(f, dimb, 4 * ndims, path, 4, "the dimensions", why, why_size))
        goto done;
    out->ndims = ndims;
    out->count = 1;
    for (size_t k = 0; k < ndims; k++) {
        const unsigned char *b = dimb + 4 * k;
        size_t d = (size_t)b[0] << 24 | (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];
        if (d == 0 || out->count * d >= (size_t)1 << 31) {
            snprintf(why, why_size, "%s: byte %zu: dimension %zu is %zu (the data would be empty or over 2 GiB)",
                     path, 4 + 4 * k, k + 1, d);
            goto done;
        }
        out->dims[k] = d;
        out->count *= d;
    }
    out->data = ag_realloc(NULL, out->count);
    if (!out->data) {
        snprintf(why, why_size, "%s: out of memory for %zu bytes", path, out->count);
        s = AG_ENOMEM;
        goto done;
    }
    if (!read_all(f, out->data, out->count, path, 4 + 4 * ndims, "the data", why, why_size))
        goto done;
    unsigned char extra;
    int more = gzread(f, &extra, 1);
    if (more != 0) {
        snprintf(why, why_size, "%s: byte %zu: %s", path, 4 + 4 * ndims + out->count,
                 more > 0 ? "data continues after the end the header announces" : "corrupt gzip stream");
        goto done;
    }
    s = AG_OK;
done:
    if (gzclose(f) != Z_OK && s == AG_OK) {
        snprintf(why, why_size, "%s: read error (corrupt gzip stream?)", path);
        s = NN_EIO;
    }
    if (s != AG_OK)
        ex_idx_free(out);
    return s;
}

void ex_idx_free(ex_idx *x)
{
    ag_free(x->data);
    memset(x, 0, sizeof *x);
}
