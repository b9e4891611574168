/*
 * st_util.c: helpers shared by the safetensors test files (see st_util.h).
 * No tests here.
 */
#include "st_util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *stt_make_tmpdir(void)
{
    char *d = strdup("/tmp/agrad-st-XXXXXX");
    cr_assert(d && mkdtemp(d), "mkdtemp");
    return d;
}

char *stt_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

int stt_count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

void stt_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = stt_join(dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            stt_remove_tree(p);
        else
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

unsigned char *stt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "open %s", path);
    unsigned char *b = NULL;
    size_t n = 0, cap = 0, r;
    do {
        if (n == cap)
            b = realloc(b, cap = cap ? 2 * cap : 4096);
        r = fread(b + n, 1, cap - n, f);
        n += r;
    } while (r > 0);
    fclose(f);
    *len = n;
    return b;
}

static uint64_t stt_rng_state = 0x9E3779B97F4A7C15u;
static uint64_t stt_next_u64(void)
{
    /* xorshift64*: random bit patterns cover every class of double */
    stt_rng_state ^= stt_rng_state >> 12;
    stt_rng_state ^= stt_rng_state << 25;
    stt_rng_state ^= stt_rng_state >> 27;
    return stt_rng_state * 0x2545F4914F6CDD1Du;
}

double stt_from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

/* Random doubles with the awkward ones first: -0.0, the smallest
 * subnormal, a large subnormal, +-inf, a signalling NaN, a quiet NaN with
 * a payload and its sign set, DBL_MAX, DBL_MIN, 1e-300. */
void stt_fill(double *x, size_t n)
{
    static const uint64_t special[] = {
        0x8000000000000000u, 0x0000000000000001u, 0x000FFFFFFFFFFFFFu, 0x7FF0000000000000u,
        0xFFF0000000000000u, 0x7FF0000000000001u, 0xFFF8DEADBEEF1234u, 0x7FEFFFFFFFFFFFFFu,
        0x0010000000000000u, 0x01A56E1FC2F8F359u,
    };
    for (size_t i = 0; i < n; i++)
        x[i] = stt_from_bits(i < sizeof special / sizeof special[0] ? special[i] : stt_next_u64());
}

void stt_two_init(stt_two *t)
{
    for (int i = 0; i < 6; i++)
        t->a[i] = -100.0 - i;
    for (int i = 0; i < 3; i++)
        t->b[i] = -200.0 - i;
    t->ts[0] = (nn_tensor){"a", 2, {2, 3}, t->a};
    t->ts[1] = (nn_tensor){"b", 1, {3, 1}, t->b};
}

void stt_two_untouched(const stt_two *t)
{
    for (int i = 0; i < 6; i++)
        cr_assert_eq(t->a[i], -100.0 - i, "a[%d] was written", i);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(t->b[i], -200.0 - i, "b[%d] was written", i);
}

void stt_expect_file(const char *path, const unsigned char *bytes, size_t len)
{
    size_t n;
    unsigned char *f = stt_slurp(path, &n);
    cr_assert_eq(n, len, "file size %zu, %zu expected", n, len);
    cr_assert_eq(memcmp(f, bytes, len), 0, "file bytes changed");
    free(f);
}
