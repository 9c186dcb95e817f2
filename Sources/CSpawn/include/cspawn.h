#ifndef VIGIL_CSPAWN_H
#define VIGIL_CSPAWN_H
#include <spawn.h>

/// posix_spawn_file_actions_addchdir_np (glibc 2.29+), which Swift cannot see without _GNU_SOURCE: the child
/// changes to `path` before it runs the command.
int vigil_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// pipe2(fds, O_CLOEXEC): a pipe whose ends are not inherited by commands run later.
int vigil_pipe_cloexec(int fds[2]);

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+): the child closes every descriptor from `lowest` up
/// before it runs the command, so it holds its standard streams and nothing of this process's (sockets, state
/// files, other children's pipes) whoever opened them and however.
int vigil_spawn_file_actions_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

/// syncfs(fd) (a GNU extension Swift cannot see): writes every dirty page and all metadata of the filesystem
/// holding `fd` to stable storage, one call for many files (the state folder's group commit).
int vigil_syncfs(int fd);

/// renameat2(from, to, RENAME_EXCHANGE) (glibc 2.28+, Linux 3.15+): swaps the two names atomically, both must
/// exist. The state folder installs a record's new bytes this way and keeps the old inode as the next write's
/// spare, so a busy store creates and deletes no inode per write. -1 with errno EINVAL where the filesystem
/// cannot (the caller then renames).
int vigil_rename_exchange(const char *from, const char *to);

#endif
