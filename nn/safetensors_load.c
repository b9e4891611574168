/*
 * safetensors_load.c: read an F64 or F32 safetensors file into the
 * caller's tensors, strictly.
 *
 * A file of L bytes is [0, 8) the header length N (u64 LE), [8, 8+N) a JSON
 * object padded with whitespace, [8+N, L) the data area of D = L-8-N bytes.
 * A tensor's data_offsets [b, e) are relative to the data area.
 *
 * Invariant: nothing is written to the caller's tensors until the whole file
 * has validated: the header parses, every entry names an expected tensor
 * with its rank, shape and a supported dtype, e - b = elements * dtype size,
 * e <= D, every expected tensor is present, and the ranges sorted by b tile
 * [0, D) exactly (each b equals the previous e; the last e equals D), which
 * is the reference implementation's rule and rules out overlaps, gaps and
 * trailing bytes at once. Copying after that cannot fail.
 */
#include "io_internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    uint64_t begin, end; /* data_offsets, relative to the data area        */
    size_t k;            /* index into the caller's tensors                 */
    size_t dsize;        /* 8 for F64, 4 for F32                            */
} entry;

typedef struct ctx {
    const char *src;
    size_t data_start; /* file offset of the data area: 8 + N               */
    uint64_t data_len;
    const nn_tensor *ts;
    size_t n;
    nn_error *err;
} ctx;

static bool get_uint(json_t *v, uint64_t *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return false;
    *out = (uint64_t)json_integer_value(v);
    return true;
}

static ag_status check_dtype(const ctx *c, const char *name, json_t *v, size_t *dsize)
{
    const char *d = json_string_value(v);
    if (!v)
        return nn__fail(c->err, NN_EFORMAT, "%s: tensor '%s': no dtype", c->src, name);
    if (!d)
        return nn__fail(c->err, NN_EFORMAT, "%s: tensor '%s': dtype is not a string", c->src,
                        name);
    if (strcmp(d, "F64") == 0)
        *dsize = 8;
    else if (strcmp(d, "F32") == 0)
        *dsize = 4;
    else
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: tensor '%s': dtype '%.32s' not supported (F64 or F32 expected)",
                        c->src, name, d);
    return AG_OK;
}

enum { MAX_SHOWN_RANK = 8 };

static ag_status check_shape(const ctx *c, const char *name, json_t *v, const nn_tensor *t)
{
    if (!v)
        return nn__fail(c->err, NN_EFORMAT, "%s: tensor '%s': no shape", c->src, name);
    if (!json_is_array(v))
        return nn__fail(c->err, NN_EFORMAT, "%s: tensor '%s': shape is not an array", c->src,
                        name);
    size_t rank = json_array_size(v);
    uint64_t dims[MAX_SHOWN_RANK];
    bool same = rank == t->rank;
    for (size_t i = 0; i < rank; i++) {
        uint64_t d;
        if (!get_uint(json_array_get(v, i), &d))
            return nn__fail(c->err, NN_EFORMAT,
                            "%s: tensor '%s': shape entry %zu is not a non-negative integer",
                            c->src, name, i);
        if (i < MAX_SHOWN_RANK)
            dims[i] = d;
        if (same && d != t->shape[i])
            same = false;
    }
    if (same)
        return AG_OK;
    char got[160], want[64];
    uint64_t wdims[2] = {t->shape[0], t->shape[1]};
    if (rank <= MAX_SHOWN_RANK)
        nn__st_shape_text(got, sizeof got, rank, dims);
    else
        snprintf(got, sizeof got, "of rank %zu", rank);
    nn__st_shape_text(want, sizeof want, t->rank, wdims);
    return nn__fail(c->err, NN_EFORMAT, "%s: tensor '%s': shape %s in the file, %s expected",
                    c->src, name, got, want);
}

static ag_status check_offsets(const ctx *c, const char *name, json_t *v, const nn_tensor *t,
                               entry *e)
{
    if (!v)
        return nn__fail(c->err, NN_EFORMAT, "%s: tensor '%s': no data_offsets", c->src, name);
    if (!json_is_array(v) || json_array_size(v) != 2 ||
        !get_uint(json_array_get(v, 0), &e->begin) || !get_uint(json_array_get(v, 1), &e->end))
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: tensor '%s': data_offsets is not [begin, end] with integers >= 0",
                        c->src, name);
    if (e->begin > e->end)
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: tensor '%s': data_offsets [%llu, %llu] end before they begin",
                        c->src, name, (unsigned long long)e->begin,
                        (unsigned long long)e->end);
    if (e->end > c->data_len)
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: tensor '%s': data_offsets [%llu, %llu] run past the data area "
                        "(%llu bytes, file bytes %zu..%llu)",
                        c->src, name, (unsigned long long)e->begin, (unsigned long long)e->end,
                        (unsigned long long)c->data_len, c->data_start,
                        (unsigned long long)c->data_start + c->data_len);
    /* elements * 8 fits in size_t (nn__st_check_tensors), so * dsize does */
    uint64_t need = (uint64_t)nn__st_elements(t) * e->dsize;
    if (e->end - e->begin != need)
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: tensor '%s': data_offsets [%llu, %llu] hold %llu bytes, "
                        "its shape and dtype need %llu",
                        c->src, name, (unsigned long long)e->begin, (unsigned long long)e->end,
                        (unsigned long long)(e->end - e->begin), (unsigned long long)need);
    return AG_OK;
}

static ag_status check_metadata(const ctx *c, json_t *v)
{
    const char *key;
    json_t *val;
    if (!json_is_object(v))
        return nn__fail(c->err, NN_EFORMAT, "%s: __metadata__ is not a JSON object", c->src);
    json_object_foreach(v, key, val)
    {
        if (!json_is_string(val))
            return nn__fail(c->err, NN_EFORMAT,
                            "%s: __metadata__ entry '%s' is not a string (a string map "
                            "expected)",
                            c->src, key);
    }
    return AG_OK;
}

/* One header entry: an expected tensor, well described. */
static ag_status check_entry(const ctx *c, const char *name, json_t *info, entry *e)
{
    size_t k = 0;
    while (k < c->n && strcmp(c->ts[k].name, name) != 0)
        k++;
    if (k == c->n)
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: tensor '%s' is in the file but not expected (strict load)", c->src,
                        name);
    if (!json_is_object(info))
        return nn__fail(c->err, NN_EFORMAT, "%s: tensor '%s': description is not an object",
                        c->src, name);
    const char *field;
    json_t *val;
    json_object_foreach(info, field, val)
    {
        if (strcmp(field, "dtype") != 0 && strcmp(field, "shape") != 0 &&
            strcmp(field, "data_offsets") != 0)
            return nn__fail(c->err, NN_EFORMAT, "%s: tensor '%s': unknown field '%s'", c->src,
                            name, field);
    }
    e->k = k;
    ag_status s = check_dtype(c, name, json_object_get(info, "dtype"), &e->dsize);
    if (s == AG_OK)
        s = check_shape(c, name, json_object_get(info, "shape"), &c->ts[k]);
    if (s == AG_OK)
        s = check_offsets(c, name, json_object_get(info, "data_offsets"), &c->ts[k], e);
    return s;
}

static int by_offsets(const void *pa, const void *pb)
{
    const entry *a = pa, *b = pb;
    if (a->begin != b->begin)
        return a->begin < b->begin ? -1 : 1;
    return (a->end > b->end) - (a->end < b->end);
}

/* The ranges, sorted, must tile [0, D): see the invariant above. */
static ag_status check_tiling(const ctx *c, entry *es, size_t m)
{
    qsort(es, m, sizeof *es, by_offsets);
    uint64_t pos = 0;
    for (size_t i = 0; i < m; i++) {
        if (es[i].begin < pos)
            return nn__fail(c->err, NN_EFORMAT,
                            "%s: tensor '%s': data_offsets [%llu, %llu] overlap tensor '%s' "
                            "(file byte %llu)",
                            c->src, c->ts[es[i].k].name, (unsigned long long)es[i].begin,
                            (unsigned long long)es[i].end, c->ts[es[i - 1].k].name,
                            (unsigned long long)c->data_start + es[i].begin);
        if (es[i].begin > pos)
            break;
        pos = es[i].end;
    }
    if (pos != c->data_len) {
        uint64_t next = c->data_len;
        for (size_t i = 0; i < m; i++)
            if (es[i].begin > pos) {
                next = es[i].begin;
                break;
            }
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: data bytes %llu..%llu (file byte %llu) belong to no tensor",
                        c->src, (unsigned long long)pos, (unsigned long long)next,
                        (unsigned long long)c->data_start + pos);
    }
    return AG_OK;
}

static void copy_out(const ctx *c, const unsigned char *data, const entry *es, size_t m)
{
    for (size_t i = 0; i < m; i++) {
        const unsigned char *p = data + es[i].begin;
        double *out = c->ts[es[i].k].data;
        size_t cnt = nn__st_elements(&c->ts[es[i].k]);
        for (size_t j = 0; j < cnt; j++) {
            if (es[i].dsize == 8) {
                uint64_t bits = nn__get_le64(p + 8 * j);
                memcpy(&out[j], &bits, sizeof bits);
            } else {
                uint32_t bits = nn__get_le32(p + 4 * j);
                float f;
                memcpy(&f, &bits, sizeof f);
                out[j] = (double)f; /* every float is exactly a double */
            }
        }
    }
}

/* Header length and the JSON text; *root on success. */
static ag_status parse_header(const unsigned char *buf, size_t len, ctx *c, json_t **root)
{
    if (len < 8)
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: byte 0: file is %zu bytes, too short for the 8-byte header length",
                        c->src, len);
    uint64_t hn = nn__get_le64(buf);
    if (hn > len - 8)
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: byte 0: header length %llu runs past the end of the file "
                        "(%zu bytes)",
                        c->src, (unsigned long long)hn, len);
    if (hn > NN__ST_MAX_HEADER)
        return nn__fail(c->err, NN_EFORMAT,
                        "%s: byte 0: header length %llu is over the 100 MiB limit", c->src,
                        (unsigned long long)hn);
    if (hn < 2 || buf[8] != '{')
        return nn__fail(c->err, NN_EFORMAT, "%s: byte 8: header is not a JSON object%s",
                        c->src, hn ? " (it does not start with '{')" : " (it is empty)");
    c->data_start = 8 + (size_t)hn;
    c->data_len = len - c->data_start;
    json_error_t je;
    nn__json_use_ag_alloc();
    *root = json_loadb((const char *)buf + 8, (size_t)hn, JSON_REJECT_DUPLICATES, &je);
    if (!*root) {
        if (nn__json_alloc_failed() || json_error_code(&je) == json_error_out_of_memory)
            return nn__fail(c->err, AG_ENOMEM, "%s: out of memory parsing the header",
                            c->src);
        /* "byte 8" is where the header starts; jansson's line and column
         * (1-based, within the header) place the fault inside it. */
        return nn__fail(c->err, NN_EPARSE,
                        "%s: byte 8: header is not valid JSON: %s (line %d, column %d)",
                        c->src, je.text, je.line, je.column);
    }
    return AG_OK;
}

ag_status nn_safetensors_load_mem(const unsigned char *buf, size_t len, const char *source,
                                  const nn_tensor *ts, size_t n, nn_error *err)
{
    ctx c = {source ? source : "<memory>", 0, 0, ts, n, err};
    if (!buf && len > 0)
        return nn__fail(err, AG_EINVAL, "%s: buffer is NULL", c.src);
    ag_status s = nn__st_check_tensors(ts, n, c.src, err);
    json_t *root = NULL;
    if (s == AG_OK)
        s = parse_header(buf, len, &c, &root);
    if (s != AG_OK)
        return s;

    size_t keys = json_object_size(root);
    entry *es = ag_realloc(NULL, (keys ? keys : 1) * sizeof *es);
    bool *seen = ag_realloc(NULL, n ? n : 1);
    if (!es || !seen) {
        s = nn__fail(err, AG_ENOMEM, "%s: out of memory checking %zu header entries", c.src,
                     keys);
        goto done;
    }
    memset(seen, 0, n);
    size_t m = 0;
    const char *name;
    json_t *info;
    json_object_foreach(root, name, info)
    {
        if (strcmp(name, "__metadata__") == 0)
            s = check_metadata(&c, info);
        else if ((s = check_entry(&c, name, info, &es[m])) == AG_OK)
            seen[es[m++].k] = true;
        if (s != AG_OK)
            goto done;
    }
    for (size_t k = 0; k < n; k++)
        if (!seen[k]) {
            s = nn__fail(err, NN_ENOTFOUND, "%s: tensor '%s' is missing from the file", c.src,
                         ts[k].name);
            goto done;
        }
    s = check_tiling(&c, es, m);
    if (s == AG_OK) {
        copy_out(&c, buf + c.data_start, es, m);
        nn__ok(err);
    }
done:
    ag_free(es);
    ag_free(seen);
    json_decref(root);
    return s;
}

ag_status nn_safetensors_load(const char *path, const nn_tensor *ts, size_t n, nn_error *err)
{
    if (!path)
        return nn__fail(err, AG_EINVAL, "nn_safetensors_load: path is NULL");
    unsigned char *buf;
    size_t len;
    ag_status s = nn__read_file(path, &buf, &len, err);
    if (s != AG_OK)
        return s;
    s = nn_safetensors_load_mem(buf, len, path, ts, n, err);
    ag_free(buf);
    return s;
}
