/*
 * io_util.c: error messages, whole-file reads and crash-safe whole-file
 * writes for nn/'s file formats, and jansson's allocator hook.
 *
 * Invariant: a write either leaves `path` holding the complete new bytes
 * (renamed into place after fsync) or leaves it exactly as it was, with no
 * temporary file left behind; rename() within one directory is atomic, so
 * a reader never sees a half-written file under `path`.
 */
#include "io_internal.h"

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
        return nn__fail(err, AG_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int bad = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (bad) {
        close(fd);
        return nn__fail(err, AG_EIO, "%s: cannot read: %s", path, strerror(bad));
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
            return nn__fail(err, AG_EIO, "%s: read failed at byte %zu: %s", path, n,
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

/* Open a new temporary file next to path: "<path>.tmp.<pid>.<k>". O_EXCL
 * with mode 0666 (rather than mkstemp's 0600) so that the saved file gets
 * the permissions the umask gives any new file. */
static int open_temp(const char *path, char **tmp_out)
{
    static unsigned counter;
    size_t cap = strlen(path) + 48;
    char *tmp = ag_realloc(NULL, cap);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    for (int tries = 0; tries < 100; tries++) {
        snprintf(tmp, cap, "%s.tmp.%ld.%u", path, (long)getpid(), counter++);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0) {
            *tmp_out = tmp;
            return fd;
        }
        if (errno != EEXIST)
            break;
    }
    int e = errno;
    *tmp_out = tmp; /* for the message; the caller frees it */
    errno = e;
    return -1;
}

/* fsync the directory holding path so that the rename itself survives a
 * crash. Best effort: the new file is already in place, and some file
 * systems refuse fsync on directories. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (size_t)(slash - path) : 1;
    if (slash == path)
        n = 1; /* "/file": the root directory */
    char *dir = ag_realloc(NULL, n + 1);
    if (!dir)
        return;
    if (slash)
        memcpy(dir, path, n);
    else
        dir[0] = '.';
    dir[n] = '\0';
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
    ag_free(dir);
}

ag_status nn__write_file_atomic(const char *path, const unsigned char *buf, size_t len,
                                nn_error *err)
{
    char *tmp = NULL;
    const char *step;
    ag_status s = AG_EIO;
    int fd = open_temp(path, &tmp);
    if (fd < 0) {
        int e = errno;
        fail_after = -1;
        if (!tmp)
            return nn__fail(err, AG_ENOMEM, "%s: out of memory naming the temporary file",
                            path);
        nn__fail(err, AG_EIO, "%s: cannot create temporary file '%s': %s", path, tmp,
                 strerror(e));
        ag_free(tmp);
        return AG_EIO;
    }
    size_t written = 0;
    if (write_all(fd, buf, len, &written) != 0) {
        step = fail_after >= 0 ? "write (simulated failure)" : "write";
        goto fail;
    }
    if (fsync(fd) != 0) {
        step = "fsync";
        goto fail;
    }
    if (close(fd) != 0) {
        step = "close";
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        step = "rename";
        goto fail;
    }
    fail_after = -1;
    ag_free(tmp);
    sync_parent_dir(path);
    nn__ok(err);
    return AG_OK;

fail:;
    int e = errno;
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    if (strncmp(step, "write", 5) == 0)
        nn__fail(err, s, "%s: %s of temporary file '%s' failed after %zu of %zu bytes: %s",
                 path, step, tmp, written, len, strerror(e));
    else
        nn__fail(err, s, "%s: %s of temporary file '%s' failed: %s", path, step, tmp,
                 strerror(e));
    fail_after = -1;
    ag_free(tmp);
    return s;
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
