/*
 * test_safetensors.c: safetensors model files: bit-exact round trips, the
 * byte layout read back independently, F32 widening, and every refusal
 * (with its message, and the caller's tensors untouched). Saves that fail
 * are in test_safetensors_save.c.
 */
#include "nn_io.h"
#include "st_util.h"

#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A safetensors file from a header text (padded with spaces to a multiple
 * of 8) and `dlen` data bytes; malloc'd. */
static unsigned char *build(const char *header, const unsigned char *data, size_t dlen,
                            size_t *len)
{
    size_t h = strlen(header), hp = (h + 7) / 8 * 8;
    *len = 8 + hp + dlen;
    unsigned char *b = malloc(*len);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)hp >> (8 * i));
    memcpy(b + 8, header, h);
    memset(b + 8 + h, ' ', hp - h);
    if (dlen)
        memcpy(b + 8 + hp, data, dlen);
    return b;
}

static unsigned char zeros[256];

/* Load `header` + dlen zero bytes into stt_two sentinel tensors; expect status
 * s, a message containing every one of the given strings, and no write. */
static void refuse(const char *header, size_t dlen, ag_status s, const char *m1, const char *m2)
{
    size_t len;
    unsigned char *buf = build(header, zeros, dlen, &len);
    stt_two t;
    stt_two_init(&t);
    nn_error err = {AG_OK, "", 0, 0};
    ag_status got = nn_safetensors_load_mem(buf, len, "m.safetensors", t.ts, 2, &err);
    cr_assert_eq(got, s, "status %d (%s), %d expected; header %s", got, err.message, s, header);
    cr_assert_eq(err.status, s);
    cr_assert(strstr(err.message, "m.safetensors") != NULL, "message: %s", err.message);
    cr_assert(strstr(err.message, m1) != NULL, "'%s' not in: %s", m1, err.message);
    cr_assert(!m2 || strstr(err.message, m2) != NULL, "'%s' not in: %s", m2, err.message);
    stt_two_untouched(&t);
    free(buf);
}

/* The header of a valid file for `stt_two`: a at [0, 48), b at [48, 72). */
#define A_OK "\"a\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0,48]}"
#define B_OK "\"b\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[48,72]}"

/* ---- round trip and layout ---------------------------------------------------- */

Test(safetensors, round_trip_is_bit_exact)
{
    char *dir = stt_make_tmpdir(), *path = stt_join(dir, "model.safetensors");
    double w[4 * 3], bias[4], v[1 * 4], empty[1];
    stt_fill(w, 12);
    stt_fill(bias, 4);
    stt_fill(v, 4);
    w[11] = stt_from_bits(0x7FF4000000000000u); /* another NaN payload */
    nn_tensor ts[] = {{"0.weight", 2, {4, 3}, w},
                      {"0.bias", 1, {4, 1}, bias},
                      {"1.weight", 2, {1, 4}, v},
                      {"empty", 1, {0, 1}, empty}};
    nn_error err;
    cr_assert_eq(nn_safetensors_save(path, ts, 4, &err), AG_OK, "%s", err.message);

    double w2[12] = {0}, b2[4] = {0}, v2[4] = {0};
    nn_tensor back[] = {{"1.weight", 2, {1, 4}, v2},
                        {"empty", 1, {0, 1}, NULL},
                        {"0.weight", 2, {4, 3}, w2},
                        {"0.bias", 1, {4, 1}, b2}};
    cr_assert_eq(nn_safetensors_load(path, back, 4, &err), AG_OK, "%s", err.message);
    cr_assert_eq(memcmp(w, w2, sizeof w), 0);
    cr_assert_eq(memcmp(bias, b2, sizeof bias), 0);
    cr_assert_eq(memcmp(v, v2, sizeof v), 0);
    cr_assert_eq(stt_count_entries(dir), 1, "only the model file");
    stt_remove_tree(dir);
    free(dir);
    free(path);
}

Test(safetensors, layout_read_back_independently)
{
    char *dir = stt_make_tmpdir(), *path = stt_join(dir, "m.safetensors");
    double w[2 * 3], b[2];
    stt_fill(w, 6);
    stt_fill(b, 2);
    nn_tensor ts[] = {{"layer.w", 2, {2, 3}, w}, {"layer.b", 1, {2, 1}, b}};
    nn_error err;
    cr_assert_eq(nn_safetensors_save(path, ts, 2, &err), AG_OK, "%s", err.message);

    size_t len;
    unsigned char *f = stt_slurp(path, &len);
    cr_assert_geq(len, 8u);
    uint64_t n = 0;
    for (int i = 0; i < 8; i++)
        n |= (uint64_t)f[i] << (8 * i);
    cr_assert_eq(n % 8, 0, "header length %llu is a multiple of 8", (unsigned long long)n);
    /* data: 6 + 2 doubles of 8 bytes */
    cr_assert_eq(len, 8 + n + 8 * 8);

    json_error_t je;
    json_t *h = json_loadb((const char *)f + 8, n, 0, &je);
    cr_assert(h, "header JSON: %s", je.text);
    cr_assert_eq(json_object_size(h), 2);
    /* keys in the given order, offsets contiguous: w [0, 48), b [48, 64) */
    void *it = json_object_iter(h);
    cr_assert_str_eq(json_object_iter_key(it), "layer.w");
    it = json_object_iter_next(h, it);
    cr_assert_str_eq(json_object_iter_key(it), "layer.b");
    json_t *jw = json_object_get(h, "layer.w"), *jb = json_object_get(h, "layer.b");
    cr_assert_str_eq(json_string_value(json_object_get(jw, "dtype")), "F64");
    cr_assert_str_eq(json_string_value(json_object_get(jb, "dtype")), "F64");
    json_t *sw = json_object_get(jw, "shape"), *sb = json_object_get(jb, "shape");
    cr_assert_eq(json_array_size(sw), 2);
    cr_assert_eq(json_integer_value(json_array_get(sw, 0)), 2);
    cr_assert_eq(json_integer_value(json_array_get(sw, 1)), 3);
    cr_assert_eq(json_array_size(sb), 1);
    cr_assert_eq(json_integer_value(json_array_get(sb, 0)), 2);
    json_t *ow = json_object_get(jw, "data_offsets"), *ob = json_object_get(jb, "data_offsets");
    cr_assert_eq(json_integer_value(json_array_get(ow, 0)), 0);
    cr_assert_eq(json_integer_value(json_array_get(ow, 1)), 48);
    cr_assert_eq(json_integer_value(json_array_get(ob, 0)), 48);
    cr_assert_eq(json_integer_value(json_array_get(ob, 1)), 64);
    json_decref(h);
    /* the padding after the JSON text is spaces */
    size_t text_end = n;
    while (text_end > 0 && f[8 + text_end - 1] == ' ')
        text_end--;
    cr_assert_eq(f[8 + text_end - 1], '}');
    cr_assert_lt(n - text_end, 8u);

    /* data: byte i of value k is bits(k) >> 8i (little-endian) */
    const unsigned char *d = f + 8 + n;
    for (int k = 0; k < 8; k++) {
        uint64_t bits;
        memcpy(&bits, k < 6 ? &w[k] : &b[k - 6], 8);
        for (int i = 0; i < 8; i++)
            cr_assert_eq(d[8 * k + i], (unsigned char)(bits >> (8 * i)), "value %d byte %d", k,
                         i);
    }
    free(f);
    stt_remove_tree(dir);
    free(dir);
    free(path);
}

Test(safetensors, f32_is_widened_exactly)
{
    /* Four floats, little-endian by hand:
     *   0x3DCCCCCD = 0.1f = 13421773 * 2^-27 = 0.100000001490116119384765625
     *   0x80000000 = -0.0f
     *   0x00000001 = 2^-149 (smallest subnormal float)
     *   0xFF800000 = -inf
     * then a second tensor [1] = 0x3FC00000 = 1.5. */
    static const uint32_t words[5] = {0x3DCCCCCDu, 0x80000000u, 0x00000001u, 0xFF800000u,
                                      0x3FC00000u};
    unsigned char data[20];
    for (int k = 0; k < 5; k++)
        for (int i = 0; i < 4; i++)
            data[4 * k + i] = (unsigned char)(words[k] >> (8 * i));
    size_t len;
    unsigned char *buf =
        build("{\"__metadata__\":{\"format\":\"pt\"},"
              "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
              "\"s\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}",
              data, sizeof data, &len);
    double w[4], s[1];
    nn_tensor ts[] = {{"w", 2, {2, 2}, w}, {"s", 1, {1, 1}, s}};
    nn_error err;
    cr_assert_eq(nn_safetensors_load_mem(buf, len, "f32", ts, 2, &err), AG_OK, "%s",
                 err.message);
    cr_assert_eq(w[0], ldexp(13421773.0, -27));
    cr_assert_eq(w[0], 0.100000001490116119384765625);
    cr_assert(w[1] == 0.0 && signbit(w[1]));
    cr_assert_eq(w[2], ldexp(1.0, -149));
    cr_assert(isinf(w[3]) && w[3] < 0);
    cr_assert_eq(s[0], 1.5);
    free(buf);
}

/* ---- refusals ------------------------------------------------------------------- */

Test(safetensors, valid_handmade_file_loads)
{
    /* the control for the refusals below: the same header with both
     * tensors loads */
    size_t len;
    unsigned char *buf = build("{" A_OK "," B_OK "}", zeros, 72, &len);
    stt_two t;
    stt_two_init(&t);
    nn_error err;
    cr_assert_eq(nn_safetensors_load_mem(buf, len, "m", t.ts, 2, &err), AG_OK, "%s",
                 err.message);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(t.a[i], 0.0);
    free(buf);
}

Test(safetensors, missing_and_extra_tensors)
{
    refuse("{" A_OK "}", 48, NN_ENOTFOUND, "tensor 'b'", "missing");
    refuse("{" A_OK "," B_OK ",\"c\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[72,80]}}",
           80, NN_EFORMAT, "tensor 'c'", "not expected");
}

Test(safetensors, wrong_shape_rank_and_dtype)
{
    refuse("{\"a\":{\"dtype\":\"F64\",\"shape\":[3,2],\"data_offsets\":[0,48]}," B_OK "}", 72,
           NN_EFORMAT, "tensor 'a': shape [3, 2] in the file, [2, 3] expected", NULL);
    refuse("{\"a\":{\"dtype\":\"F64\",\"shape\":[6],\"data_offsets\":[0,48]}," B_OK "}", 72,
           NN_EFORMAT, "tensor 'a': shape [6] in the file, [2, 3] expected", NULL);
    refuse("{" A_OK ",\"b\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[48,72]}}", 72,
           NN_EFORMAT, "tensor 'b': shape [] in the file, [3] expected", NULL);
    refuse("{" A_OK ",\"b\":{\"dtype\":\"I32\",\"shape\":[3],\"data_offsets\":[48,60]}}", 60,
           NN_EFORMAT, "tensor 'b'", "dtype 'I32'");
    refuse("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2,3],\"data_offsets\":[0,12]}," B_OK "}", 36,
           NN_EFORMAT, "tensor 'a'", "dtype 'BF16'");
    refuse("{\"a\":{\"shape\":[2,3],\"data_offsets\":[0,48]}," B_OK "}", 72, NN_EFORMAT,
           "tensor 'a'", "no dtype");
    refuse("{\"a\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0,48],\"x\":1}," B_OK "}",
           72, NN_EFORMAT, "tensor 'a'", "unknown field 'x'");
}

Test(safetensors, header_length_and_json)
{
    size_t len;
    unsigned char *buf = build("{" A_OK "," B_OK "}", zeros, 72, &len);
    stt_two t;
    stt_two_init(&t);
    nn_error err;
    /* header length = the whole file: runs past the end */
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)((uint64_t)len >> (8 * i));
    cr_assert_eq(nn_safetensors_load_mem(buf, len, "m.safetensors", t.ts, 2, &err), NN_EFORMAT);
    cr_assert(strstr(err.message, "m.safetensors: byte 0: header length") &&
                  strstr(err.message, "past the end"),
              "%s", err.message);
    /* 2^63: absurd, must not wrap around */
    memset(buf, 0, 8);
    buf[7] = 0x80;
    cr_assert_eq(nn_safetensors_load_mem(buf, len, "m.safetensors", t.ts, 2, &err), NN_EFORMAT);
    cr_assert(strstr(err.message, "byte 0"), "%s", err.message);
    /* shorter than 8 bytes */
    cr_assert_eq(nn_safetensors_load_mem(buf, 5, "m.safetensors", t.ts, 2, &err), NN_EFORMAT);
    cr_assert(strstr(err.message, "5 bytes"), "%s", err.message);
    stt_two_untouched(&t);
    free(buf);

    /* invalid JSON: {"a":{"dtype":"F64",,}} has its second comma at index
     * 20 of the header, column 21 of line 1 */
    refuse("{\"a\":{\"dtype\":\"F64\",,}}", 0, NN_EPARSE,
           "m.safetensors: byte 8: header is not valid JSON", "(line 1, column 21)");
    refuse("{\"a\":\n{\"dtype\"}}", 0, NN_EPARSE, "byte 8: header is not valid JSON",
           "(line 2, column 9)");
    refuse("[1, 2]", 0, NN_EFORMAT, "byte 8: header is not a JSON object", NULL);
    refuse("{\"\xff\":1}", 0, NN_EPARSE, "not valid JSON", NULL);
    refuse("{" A_OK "," A_OK "}", 48, NN_EPARSE, "not valid JSON", "duplicate");
    refuse("{\"__metadata__\":{\"k\":3}," A_OK "," B_OK "}", 72, NN_EFORMAT, "__metadata__",
           "'k'");
}

Test(safetensors, offsets)
{
    /* out of range: a at [8, 56) of a 48-byte data area */
    refuse("{\"a\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[8,56]}," B_OK "}", 48,
           NN_EFORMAT, "tensor 'a'", "run past the data area");
    /* end before begin */
    refuse("{\"a\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[48,0]}," B_OK "}", 72,
           NN_EFORMAT, "tensor 'a'", "end before");
    /* negative and non-integer offsets */
    refuse("{\"a\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[-8,40]}," B_OK "}", 72,
           NN_EFORMAT, "tensor 'a'", "data_offsets");
    refuse("{\"a\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0.0,48]}," B_OK "}", 72,
           NN_EFORMAT, "tensor 'a'", "data_offsets");
    /* size does not match shape * 8: 40 bytes for 6 doubles */
    refuse("{\"a\":{\"dtype\":\"F64\",\"shape\":[2,3],\"data_offsets\":[0,40]}," B_OK "}", 72,
           NN_EFORMAT, "tensor 'a'", "hold 40 bytes");
    /* overlap: b at [40, 64) inside a's [0, 48); file byte 8 + N + 40 */
    refuse("{" A_OK ",\"b\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[40,64]}}", 64,
           NN_EFORMAT, "tensor 'b'", "overlap tensor 'a'");
    /* a gap: b at [56, 80), bytes 48..56 unused */
    refuse("{" A_OK ",\"b\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[56,80]}}", 80,
           NN_EFORMAT, "data bytes 48..56", "belong to no tensor");
    /* trailing bytes after the last tensor */
    refuse("{" A_OK "," B_OK "}", 80, NN_EFORMAT, "data bytes 72..80", "belong to no tensor");
}

Test(safetensors, every_truncation_is_refused)
{
    char *dir = stt_make_tmpdir(), *path = stt_join(dir, "t.safetensors");
    stt_two src;
    stt_two_init(&src);
    stt_fill(src.a, 6);
    cr_assert_eq(nn_safetensors_save(path, src.ts, 2, NULL), AG_OK);
    size_t len;
    unsigned char *f = stt_slurp(path, &len);
    for (size_t cut = 0; cut < len; cut++) {
        /* a fresh copy of exactly `cut` bytes, so ASan sees any overread */
        unsigned char *part = malloc(cut ? cut : 1);
        memcpy(part, f, cut);
        stt_two t;
        stt_two_init(&t);
        nn_error err;
        ag_status s = nn_safetensors_load_mem(part, cut, "t.safetensors", t.ts, 2, &err);
        cr_assert_neq(s, AG_OK, "a file cut to %zu of %zu bytes loaded", cut, len);
        cr_assert(strstr(err.message, "byte") || strstr(err.message, "tensor '"),
                  "cut %zu: %s", cut, err.message);
        stt_two_untouched(&t);
        free(part);
    }
    free(f);
    stt_remove_tree(dir);
    free(dir);
    free(path);
}

Test(safetensors, bad_arguments)
{
    double x[2];
    nn_tensor dup[] = {{"x", 1, {2, 1}, x}, {"x", 1, {2, 1}, x}};
    nn_tensor rank3[] = {{"x", 3, {2, 1}, x}};
    nn_tensor meta[] = {{"__metadata__", 1, {2, 1}, x}};
    nn_error err;
    cr_assert_eq(nn_safetensors_save("/tmp/never-written", dup, 2, &err), AG_EINVAL);
    cr_assert(strstr(err.message, "'x' is listed twice"), "%s", err.message);
    cr_assert_eq(nn_safetensors_save("/tmp/never-written", rank3, 1, &err), AG_EINVAL);
    cr_assert(strstr(err.message, "rank 3"), "%s", err.message);
    cr_assert_eq(nn_safetensors_save("/tmp/never-written", meta, 1, &err), AG_EINVAL);
    cr_assert_eq(access("/tmp/never-written", F_OK), -1);
    cr_assert_eq(nn_safetensors_load("/nonexistent/m.safetensors", rank3, 0, &err), NN_EIO);
    cr_assert(strstr(err.message, "/nonexistent/m.safetensors: cannot open"), "%s",
              err.message);
}
