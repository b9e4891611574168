/*
 * io_util.c: error messages, whole-file reads and crash-safe whole-file
 * writes (through util/atomic_file) for nn/'s file formats, and jansson's
 * allocator hook.
 *
 * Invariant: a write either leaves `path` holding the complete new bytes
 * (renamed into place after fsync) or leaves it exactly as it was, with no
 * temporary file left behind; rename() within one directory is atomic, so
 * a reader never sees a half-written file under `path`.
 */
#include "io_internal.h"

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ag_status nn__fail(nn_error *err, ag_status s, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->status = s;
    }
    return s;
}

void nn__ok(nn_error *err)
{
    if (err) {
        err->status = AG_OK;
        err->message[0] = '\0';
    }
}

/* ---- reading ---------------------------------------------------------------- */

ag_status nn__read_file(const char *path, unsigned char **buf, size_t *len, nn_error *err)
{
    *buf = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return nn__fail(err, NN_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int bad = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (bad) {
        close(fd);
        return nn__fail(err, NN_EIO, "%s: cannot read: %s", path, strerror(bad));
    }
    /* The size from fstat is only a first guess (the file may grow while
     * we read, or be a pipe reporting 0): read to EOF, growing as needed. */
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, n = 0;
    unsigned char *p = ag_realloc(NULL, cap + 1);
    if (!p) {
        close(fd);
        return nn__fail(err, AG_ENOMEM, "%s: out of memory reading %zu bytes", path, cap);
    }
    for (;;) {
        if (n == cap) {
            size_t ncap = cap * 2;
            unsigned char *q = ncap > cap ? ag_realloc(p, ncap + 1) : NULL;
            if (!q) {
                ag_free(p);
                close(fd);
                return nn__fail(err, AG_ENOMEM, "%s: out of memory reading the file", path);
            }
            p = q;
            cap = ncap;
        }
        ssize_t r = read(fd, p + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            ag_free(p);
            close(fd);
            return nn__fail(err, NN_EIO, "%s: read failed at byte %zu: %s", path, n,
                            strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    p[n] = '\0';
    *buf = p;
    *len = n;
    return AG_OK;
}

/* ---- crash-safe writing ------------------------------------------------------- */

static long fail_after = -1; /* test hook: bytes to write before failing */

void nn__io_fail_write_after(long nbytes)
{
    fail_after = nbytes < 0 ? -1 : nbytes;
}

/* write() until all of buf is out; *written counts bytes that reached the
 * file, so the test hook can cut the stream at any byte. */
static int write_all(int fd, const unsigned char *buf, size_t len, size_t *written)
{
    while (len > 0) {
        size_t chunk = len;
        if (fail_after >= 0) {
            size_t room = (size_t)fail_after > *written ? (size_t)fail_after - *written : 0;
            if (room == 0) {
                errno = EIO;
                return -1;
            }
            if (chunk > room)
                chunk = room;
        }
        ssize_t r = write(fd, buf, chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        buf += r;
        len -= (size_t)r;
        *written += (size_t)r;
    }
    return 0;
}

ag_status nn__write_file_atomic(const char *path, const unsigned char *buf, size_t len,
                                nn_error *err)
{
    af_file f;
    if (af_open(path, &f) != 0) {
        int e = errno;
        fail_after = -1;
        if (!f.tmp)
            return nn__fail(err, AG_ENOMEM, "%s: out of memory naming the temporary file", path);
        nn__fail(err, NN_EIO, "%s: cannot create temporary file '%s': %s", path, f.tmp, strerror(e));
        af_abort(&f);
        return NN_EIO;
    }
    char tmp[512]; /* the name, for messages after af_* freed it */
    snprintf(tmp, sizeof tmp, "%s", f.tmp);
    size_t written = 0;
    if (write_all(f.fd, buf, len, &written) != 0) {
        int e = errno;
        const char *step = fail_after >= 0 ? "write (simulated failure)" : "write";
        af_abort(&f);
        fail_after = -1;
        return nn__fail(err, NN_EIO, "%s: %s of temporary file '%s' failed after %zu of %zu bytes: %s", path,
                        step, tmp, written, len, strerror(e));
    }
    fail_after = -1;
    if (af_commit(&f, path) != 0)
        return nn__fail(err, NN_EIO, "%s: %s of temporary file '%s' failed: %s", path, f.failed, tmp,
                        strerror(errno));
    nn__ok(err);
    return AG_OK;
}

/* ---- jansson -------------------------------------------------------------------- */

/* jansson reports some allocation failures as syntax errors ("string or
 * '}' expected") or with an empty message, so the hook itself remembers. */
static bool json_oom;

static void *json_alloc(size_t n)
{
    void *p = ag_realloc(NULL, n);
    if (!p)
        json_oom = true;
    return p;
}

static void json_release(void *p)
{
    ag_free(p);
}

void nn__json_use_ag_alloc(void)
{
    json_oom = false;
    json_set_alloc_funcs(json_alloc, json_release);
}

bool nn__json_alloc_failed(void)
{
    return json_oom;
}
