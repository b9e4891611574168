/*
 * atomic_file.c: see atomic_file.h.
 *
 * Invariant: after af_commit or af_abort no temporary file is left behind
 * and f->tmp is freed; path holds either the complete new bytes or exactly
 * what it held before (rename() within one directory is atomic).
 */
#include "atomic_file.h"

#include "autograd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int af_open(const char *path, af_file *f)
{
    static atomic_uint counter;
    size_t cap = strlen(path) + 48;
    f->fd = -1;
    f->failed = "open";
    f->tmp = ag_realloc(NULL, cap);
    if (!f->tmp) {
        errno = ENOMEM;
        return -1;
    }
    for (int tries = 0; tries < 100; tries++) {
        snprintf(f->tmp, cap, "%s.tmp.%ld.%u", path, (long)getpid(), atomic_fetch_add(&counter, 1u));
        f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (f->fd >= 0)
            return 0;
        if (errno != EEXIST)
            break;
    }
    return -1;
}

/* fsync the directory holding path so that the rename itself survives a
 * crash. Best effort: the new file is already in place, and some file
 * systems refuse fsync on directories. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = !slash ? 1 : slash == path ? 1 : (size_t)(slash - path);
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

int af_commit(af_file *f, const char *path)
{
    if (f->fd >= 0) {
        f->failed = fsync(f->fd) != 0 ? "fsync" : NULL;
        if (close(f->fd) != 0 && !f->failed)
            f->failed = "close";
        f->fd = -1;
        if (f->failed) {
            af_abort(f);
            return -1;
        }
    }
    if (rename(f->tmp, path) != 0) {
        f->failed = "rename";
        af_abort(f);
        return -1;
    }
    f->failed = NULL;
    ag_free(f->tmp);
    f->tmp = NULL;
    sync_parent_dir(path);
    return 0;
}

void af_abort(af_file *f)
{
    int e = errno;
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
    if (f->tmp)
        unlink(f->tmp);
    ag_free(f->tmp);
    f->tmp = NULL;
    errno = e;
}
