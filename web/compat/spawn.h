/*
 * spawn.h for the WebAssembly build: WASI has no processes. The engine's
 * graph writer (teach/graph.c) runs Graphviz through posix_spawnp; in
 * the browser that path is never taken (the page lays graphs out with
 * viz-js), so these declarations only let graph.c compile unchanged, and
 * web/compat.c makes every call fail with ENOSYS.
 */
#ifndef AGRAD_WEB_COMPAT_SPAWN_H
#define AGRAD_WEB_COMPAT_SPAWN_H

#include <sys/types.h>

typedef struct posix_spawn_file_actions_t {
    int unused;
} posix_spawn_file_actions_t;
typedef struct posix_spawnattr_t {
    int unused;
} posix_spawnattr_t;

int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa);
int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa);
int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa, int fd, const char *path, int flags,
                                     mode_t mode);
int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int to);
int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[]);
/* unistd.h of WASI leaves pipe out */
int pipe(int fds[2]);

#endif
