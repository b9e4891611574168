/*
 * compat.c: the process calls of web/compat/ for the WebAssembly build.
 * Invariant: every one fails with ENOSYS and touches nothing, so the graph
 * writer reports "cannot run dot" instead of the build failing to link.
 */
#include <errno.h>
#include <spawn.h>
#include <sys/wait.h>

int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa) { return fa ? 0 : EINVAL; }
int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa) { return fa ? 0 : EINVAL; }
int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa, int fd, const char *path, int flags,
                                     mode_t mode)
{
    (void)fa, (void)fd, (void)path, (void)flags, (void)mode;
    return ENOSYS;
}
int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int to)
{
    (void)fa, (void)fd, (void)to;
    return ENOSYS;
}
int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    (void)pid, (void)file, (void)fa, (void)attr, (void)argv, (void)envp;
    return ENOSYS;
}
int pipe(int fds[2])
{
    (void)fds;
    errno = ENOSYS;
    return -1;
}
pid_t waitpid(pid_t pid, int *status, int options)
{
    (void)pid, (void)status, (void)options;
    errno = ENOSYS;
    return -1;
}
