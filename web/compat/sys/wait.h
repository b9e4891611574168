/* sys/wait.h for the WebAssembly build (see ../spawn.h): no processes to wait for. */
#ifndef AGRAD_WEB_COMPAT_SYS_WAIT_H
#define AGRAD_WEB_COMPAT_SYS_WAIT_H

#include <sys/types.h>

#define WIFEXITED(s) (((s) & 0x7f) == 0)
#define WEXITSTATUS(s) (((s) >> 8) & 0xff)
#define WIFSIGNALED(s) (((s) & 0x7f) != 0)
#define WTERMSIG(s) ((s) & 0x7f)

pid_t waitpid(pid_t pid, int *status, int options);

#endif
