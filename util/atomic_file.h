/*
 * atomic_file.h: a file that appears whole under its name or not at all.
 * Shared by nn/ (model files) and teach/ (graphs), which do not depend on
 * each other; depends on nothing but POSIX and ag_realloc (autograd.h).
 *
 * Use: af_open(path) creates a temporary file beside path (same directory,
 * so the rename is atomic); write to f.fd; then af_commit (fsync, close,
 * rename over path, fsync the directory) or af_abort (close, unlink). Every
 * call returns 0 or -1 with errno set; f.tmp names the temporary file for
 * messages until commit or abort frees it.
 */
#ifndef AGRAD_ATOMIC_FILE_H
#define AGRAD_ATOMIC_FILE_H

typedef struct af_file {
    int fd;    /* the temporary file, -1 once closed                         */
    char *tmp; /* its name (allocated), NULL when naming it failed            */
    const char *failed; /* the step that failed: "fsync", "close", "rename" */
} af_file;

/* Create "<path>.tmp.<pid>.<k>" exclusively, mode 0666 (the umask applies,
 * as to any new file). On failure f->tmp may still name the attempt. */
int af_open(const char *path, af_file *f);
/* Make the temporary file `path`: fsync and close it (when still open),
 * rename it over path, fsync the directory (best effort). On failure the
 * temporary file is removed and path is untouched; errno tells why. */
int af_commit(af_file *f, const char *path);
/* Drop the temporary file; path is untouched. errno is preserved. */
void af_abort(af_file *f);

#endif /* AGRAD_ATOMIC_FILE_H */
