/*
 * test_safetensors_save.c: crash-safe safetensors saves: a write failure at
 * every byte, an unwritable directory, a failed rename and failed
 * allocations all leave the old file intact and loadable, and no temporary
 * file behind.
 */
#include "io_internal.h"
#include "nn_io.h"
#include "st_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- crash-safe saves ----------------------------------------------------------- */

Test(safetensors, write_failure_at_every_byte_keeps_old_file)
{
    char *dir = stt_make_tmpdir(), *path = stt_join(dir, "m.safetensors");
    stt_two a, b, back;
    stt_two_init(&a);
    stt_two_init(&b);
    stt_fill(a.a, 6);
    for (int i = 0; i < 6; i++)
        b.a[i] = i + 0.25;
    /* B differs in shape too, so a half-written B could not pass as A */
    double bw[5] = {1, 2, 3, 4, 5};
    nn_tensor model_b[] = {b.ts[0], {"b", 1, {5, 1}, bw}};
    cr_assert_eq(nn_safetensors_save(path, a.ts, 2, NULL), AG_OK);
    size_t alen;
    unsigned char *abytes = stt_slurp(path, &alen);

    /* B's size: save it once elsewhere */
    char *bpath = stt_join(dir, "b.safetensors");
    cr_assert_eq(nn_safetensors_save(bpath, model_b, 2, NULL), AG_OK);
    size_t blen;
    free(stt_slurp(bpath, &blen));
    unlink(bpath);

    for (size_t k = 0; k < blen; k++) {
        nn__io_fail_write_after((long)k);
        nn_error err;
        cr_assert_eq(nn_safetensors_save(path, model_b, 2, &err), NN_EIO, "k = %zu", k);
        cr_assert(strstr(err.message, path) && strstr(err.message, "write"), "%s",
                  err.message);
        stt_expect_file(path, abytes, alen);
        cr_assert_eq(stt_count_entries(dir), 1, "temporary file left behind at k = %zu", k);
    }
    stt_two_init(&back);
    cr_assert_eq(nn_safetensors_load(path, back.ts, 2, NULL), AG_OK);
    cr_assert_eq(memcmp(back.a, a.a, sizeof a.a), 0, "A loads bit-identically");
    cr_assert_eq(memcmp(back.b, a.b, sizeof a.b), 0);

    /* the hook is one-shot: the next save goes through */
    cr_assert_eq(nn_safetensors_save(path, model_b, 2, NULL), AG_OK);
    double bw2[5];
    nn_tensor model_b2[] = {{"a", 2, {2, 3}, back.a}, {"b", 1, {5, 1}, bw2}};
    cr_assert_eq(nn_safetensors_load(path, model_b2, 2, NULL), AG_OK);
    cr_assert_eq(memcmp(bw2, bw, sizeof bw), 0);
    free(abytes);
    stt_remove_tree(dir);
    free(dir);
    free(bpath);
    free(path);
}

Test(safetensors, unwritable_directory_keeps_old_file)
{
    char *dir = stt_make_tmpdir(), *path = stt_join(dir, "m.safetensors");
    cr_assert_eq(chmod(dir, 0755), 0);
    stt_two a;
    stt_two_init(&a);
    stt_fill(a.a, 6);
    cr_assert_eq(nn_safetensors_save(path, a.ts, 2, NULL), AG_OK);
    size_t alen;
    unsigned char *abytes = stt_slurp(path, &alen);
    /* Root ignores directory permissions, so the save runs in a child that
     * drops to an unprivileged user (nobody) when we are root. */
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0 ? setuid(65534) != 0 : chmod(dir, 0555) != 0)
            _exit(10);
        stt_two b;
        stt_two_init(&b);
        nn_error err;
        if (nn_safetensors_save(path, b.ts, 2, &err) != NN_EIO)
            _exit(11);
        if (!strstr(err.message, "cannot create temporary file") || !strstr(err.message, path))
            _exit(12);
        stt_two back;
        stt_two_init(&back);
        if (nn_safetensors_load(path, back.ts, 2, &err) != AG_OK)
            _exit(13);
        if (memcmp(back.a, a.a, sizeof a.a) != 0)
            _exit(14);
        _exit(0);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    chmod(dir, 0755);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child failed with %d",
              WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    stt_expect_file(path, abytes, alen);
    cr_assert_eq(stt_count_entries(dir), 1);
    free(abytes);
    stt_remove_tree(dir);
    free(dir);
    free(path);
}

Test(safetensors, failed_rename_removes_temporary)
{
    /* `path` is a non-empty directory: rename(2) over it fails */
    char *dir = stt_make_tmpdir(), *path = stt_join(dir, "m.safetensors");
    cr_assert_eq(mkdir(path, 0755), 0);
    char *inner = stt_join(path, "keep");
    FILE *f = fopen(inner, "w");
    fputs("x", f);
    fclose(f);
    stt_two a;
    stt_two_init(&a);
    nn_error err;
    cr_assert_eq(nn_safetensors_save(path, a.ts, 2, &err), NN_EIO);
    cr_assert(strstr(err.message, "rename"), "%s", err.message);
    cr_assert_eq(stt_count_entries(dir), 1, "only the directory remains");
    cr_assert_eq(stt_count_entries(path), 1);
    free(inner);
    stt_remove_tree(dir);
    free(dir);
    free(path);
}

/* ---- failed allocations ------------------------------------------------------- */

static long alloc_budget = -1; /* allocations left before failing; -1: none */
static long outstanding;

static void *counting_realloc(void *ctx, void *p, size_t n)
{
    (void)ctx;
    if (n == 0) {
        if (p)
            outstanding--;
        free(p);
        return NULL;
    }
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    void *q = realloc(p, n);
    if (q && !p)
        outstanding++;
    return q;
}

Test(safetensors, failed_allocations_are_clean)
{
    char *dir = stt_make_tmpdir(), *path = stt_join(dir, "m.safetensors");
    stt_two a;
    stt_two_init(&a);
    stt_fill(a.a, 6);
    cr_assert_eq(nn_safetensors_save(path, a.ts, 2, NULL), AG_OK);
    size_t alen;
    unsigned char *abytes = stt_slurp(path, &alen);
    ag_set_allocator(counting_realloc, NULL);
    int saw_enomem = 0;
    for (long k = 0;; k++) {
        alloc_budget = k;
        outstanding = 0;
        stt_two t;
        stt_two_init(&t);
        nn_error err;
        ag_status s = nn_safetensors_load(path, t.ts, 2, &err);
        cr_assert_eq(outstanding, 0, "leak at k = %ld", k);
        if (s == AG_OK)
            break;
        cr_assert_eq(s, AG_ENOMEM, "k = %ld: %s", k, err.message);
        stt_two_untouched(&t);
        saw_enomem++;
    }
    for (long k = 0;; k++) {
        alloc_budget = k;
        outstanding = 0;
        nn_error err;
        ag_status s = nn_safetensors_save(path, a.ts, 2, &err);
        cr_assert_eq(outstanding, 0, "leak at k = %ld", k);
        stt_expect_file(path, abytes, alen);
        if (s == AG_OK)
            break;
        cr_assert_eq(s, AG_ENOMEM, "k = %ld: %s", k, err.message);
        cr_assert_eq(stt_count_entries(dir), 1);
        saw_enomem++;
    }
    cr_assert_geq(saw_enomem, 4, "the allocations were reached");
    ag_set_allocator(NULL, NULL);
    free(abytes);
    stt_remove_tree(dir);
    free(dir);
    free(path);
}
