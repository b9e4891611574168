/*
 * safetensors_save.c: write tensors as an F64 safetensors file.
 *
 * Layout: u64 little-endian N, then N bytes of compact JSON header (keys
 * in the caller's order, padded with spaces so that N % 8 == 0 and the data
 * area starts 8-byte aligned, as the reference writer does), then every
 * tensor's doubles, little-endian, contiguous in the same order: tensor k
 * occupies [off_k, off_k + 8 e_k) with off_0 = 0, off_{k+1} = off_k + 8 e_k,
 * so the data area is covered exactly, with no gap and no overlap.
 *
 * Invariant: the file is built whole in memory and handed to
 * nn__write_file_atomic, so `path` is either the old file or the new one.
 */
#include "io_internal.h"

#include <jansson.h>
#include <string.h>

/* jansson refuses keys that are not UTF-8 and says only "failed"; checking
 * first lets a refusal name the cause, and leaves out-of-memory as the only
 * way json_object_set_new can fail afterwards. */
static bool valid_utf8(const unsigned char *s)
{
    while (*s) {
        unsigned c = *s++;
        int more;
        unsigned min;
        if (c < 0x80)
            continue;
        else if ((c & 0xE0) == 0xC0)
            more = 1, min = 0x80, c &= 0x1F;
        else if ((c & 0xF0) == 0xE0)
            more = 2, min = 0x800, c &= 0x0F;
        else if ((c & 0xF8) == 0xF0)
            more = 3, min = 0x10000, c &= 0x07;
        else
            return false;
        for (int i = 0; i < more; i++, s++) {
            if ((*s & 0xC0) != 0x80)
                return false;
            c = c << 6 | (*s & 0x3Fu);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
            return false;
    }
    return true;
}

/* The header object; NULL only when out of memory. */
static json_t *build_header(const nn_tensor *ts, size_t n)
{
    json_t *root = json_object();
    size_t off = 0;
    for (size_t k = 0; root && k < n; k++) {
        size_t bytes = nn__st_elements(&ts[k]) * sizeof(double);
        json_t *shape = ts[k].rank == 1
                            ? json_pack("[I]", (json_int_t)ts[k].shape[0])
                            : json_pack("[I,I]", (json_int_t)ts[k].shape[0],
                                        (json_int_t)ts[k].shape[1]);
        json_t *info = json_pack("{s:s, s:o, s:[I,I]}", "dtype", "F64", "shape", shape,
                                 "data_offsets", (json_int_t)off, (json_int_t)off + (json_int_t)bytes);
        if (!info || json_object_set_new(root, ts[k].name, info) != 0) {
            json_decref(root);
            return NULL;
        }
        off += bytes;
    }
    return root;
}

ag_status nn_safetensors_save(const char *path, const nn_tensor *ts, size_t n, nn_error *err)
{
    if (!path)
        return nn__fail(err, AG_EINVAL, "nn_safetensors_save: path is NULL");
    ag_status s = nn__st_check_tensors(ts, n, path, err);
    if (s != AG_OK)
        return s;
    /* Sizes: json_int_t offsets and the total size must not overflow. */
    size_t data_bytes = 0;
    for (size_t k = 0; k < n; k++) {
        if (!valid_utf8((const unsigned char *)ts[k].name))
            return nn__fail(err, AG_EINVAL, "%s: tensor #%zu: name is not valid UTF-8", path,
                            k);
        if (ts[k].shape[0] > (size_t)INT64_MAX ||
            (ts[k].rank == 2 && ts[k].shape[1] > (size_t)INT64_MAX))
            return nn__fail(err, AG_EINVAL, "%s: tensor '%s': shape too large", path,
                            ts[k].name);
        size_t b = nn__st_elements(&ts[k]) * sizeof(double);
        if (b > (size_t)INT64_MAX - data_bytes)
            return nn__fail(err, AG_EINVAL, "%s: tensors too large for one file", path);
        data_bytes += b;
    }

    nn__json_use_ag_alloc();
    json_t *root = build_header(ts, n);
    char *text = root ? json_dumps(root, JSON_COMPACT) : NULL;
    json_decref(root);
    /* jansson 2.14's dump ignores a failed append of an object key and
     * carries on (the header came out as {"0.weight":{"":"F64",...), so any
     * allocation that failed on the way voids the text */
    if (text && nn__json_alloc_failed()) {
        ag_free(text);
        text = NULL;
    }
    if (!text)
        return nn__fail(err, AG_ENOMEM, "%s: out of memory building the header", path);
    size_t hlen = strlen(text);
    size_t padded = (hlen + 7) / 8 * 8;
    if (data_bytes > SIZE_MAX - 8 - padded) {
        ag_free(text);
        return nn__fail(err, AG_EINVAL, "%s: tensors too large for one file", path);
    }
    size_t total = 8 + padded + data_bytes;
    unsigned char *file = ag_realloc(NULL, total);
    if (!file) {
        ag_free(text);
        return nn__fail(err, AG_ENOMEM, "%s: out of memory for %zu bytes", path, total);
    }
    nn__put_le64(file, (uint64_t)padded);
    /* the header is hlen bytes of text padded with spaces, no NUL */
    memcpy(file + 8, text, hlen); // NOLINT(bugprone-not-null-terminated-result)
    memset(file + 8 + hlen, ' ', padded - hlen);
    ag_free(text);

    unsigned char *p = file + 8 + padded;
    for (size_t k = 0; k < n; k++) {
        size_t e = nn__st_elements(&ts[k]);
        for (size_t i = 0; i < e; i++, p += 8) {
            uint64_t bits;
            memcpy(&bits, &ts[k].data[i], sizeof bits);
            nn__put_le64(p, bits);
        }
    }
    s = nn__write_file_atomic(path, file, total, err);
    ag_free(file);
    return s;
}
