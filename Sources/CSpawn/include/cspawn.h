#ifndef VIGIL_CSPAWN_H
#define VIGIL_CSPAWN_H
#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np (glibc 2.29+), which Swift cannot see without _GNU_SOURCE: the child
/// changes to `path` before it runs the command.
int vigil_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are not inherited by commands run later.
int vigil_pipe_cloexec(int fds[2]);

#endif
