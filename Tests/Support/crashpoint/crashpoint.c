// Test-only: preloaded into one vigil process (LD_PRELOAD) to stop it with SIGKILL at an exact write boundary,
// the way a platform kills an instance at its deadline. Nothing of this is in the vigil binary.
//
//   VIGIL_CRASH_LOG=path   every boundary call appends "N call path" to this file (N counts over all threads)
//   VIGIL_CRASH_AT=N       the Nth boundary call kills the process before it runs
//   VIGIL_CRASH_CALLS=all  boundaries are also write (pwrite, ftruncate), fsync, connect and send calls
//                          ("random moments"); by default only rename (renameat2 too), unlink and taking a lock (flock LOCK_EX), and sends when
//                          VIGIL_CRASH_HOLD is set (a send's "path" is its first 200 bytes, non-printables '.')
//   VIGIL_CRASH_HOLD=text  at the first boundary whose "call path" contains text, write one byte to the FIFO
//                          VIGIL_CRASH_REACHED (the test learns the process is there) and, when VIGIL_CRASH_RELEASE
//                          names a FIFO, wait there for one byte from it: a test can force two processes to
//                          overlap at an exact point, without sleeping
//   VIGIL_CRASH_HOLD_KILL=1 with VIGIL_CRASH_HOLD (and VIGIL_CRASH_REACHED): SIGKILL there instead of holding
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_long counter;
static long crash_at = -1;
static int log_fd = -1;
static int every_call = 0;
static const char *hold_text, *reached_fifo, *release_fifo;
static int kill_at_hold = 0;
static atomic_int held;

__attribute__((constructor)) static void crashpoint_start(void) {
  const char *at = getenv("VIGIL_CRASH_AT");
  if (at) crash_at = atol(at);
  const char *calls = getenv("VIGIL_CRASH_CALLS");
  every_call = calls && strcmp(calls, "all") == 0;
  hold_text = getenv("VIGIL_CRASH_HOLD");
  kill_at_hold = getenv("VIGIL_CRASH_HOLD_KILL") != NULL;
  reached_fifo = getenv("VIGIL_CRASH_REACHED");
  release_fifo = getenv("VIGIL_CRASH_RELEASE");
  const char *log = getenv("VIGIL_CRASH_LOG");
  if (log) log_fd = (int)syscall(SYS_openat, AT_FDCWD, log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  // Only this process: anything it starts runs unobserved.
  unsetenv("LD_PRELOAD");
}

static void boundary(const char *call, const char *path) {
  long number = atomic_fetch_add(&counter, 1) + 1;
  char line[700];
  int length = snprintf(line, sizeof line, "%ld %s %s\n", number, call, path ? path : "-");
  if (length > (int)sizeof line - 1) length = (int)sizeof line - 1;
  if (log_fd >= 0 && length > 0) syscall(SYS_write, log_fd, line, (size_t)length);
  if (hold_text && reached_fifo && strstr(line, hold_text) && !atomic_exchange(&held, 1)) {
    if (kill_at_hold) {
      // Stopped exactly there: the test learns it from the exit status, nothing after this call runs.
      syscall(SYS_kill, syscall(SYS_getpid), SIGKILL);
      for (;;) pause();
    }
    char byte = 1;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, reached_fifo, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
      syscall(SYS_write, fd, &byte, (size_t)1);
      syscall(SYS_close, fd);
    }
    if (release_fifo) {
      fd = (int)syscall(SYS_openat, AT_FDCWD, release_fifo, O_RDONLY | O_CLOEXEC);
      if (fd >= 0) {
        while (syscall(SYS_read, fd, &byte, (size_t)1) < 0) {}
        syscall(SYS_close, fd);
      }
    }
  }
  if (number == crash_at) {
    syscall(SYS_kill, syscall(SYS_getpid), SIGKILL);
    for (;;) pause();
  }
}

// The next definition of `name` (libc's), looked up once.
#define REAL(name)                      \
  static __typeof__(&name) real_##name; \
  if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

int rename(const char *from, const char *to) {
  REAL(rename);
  boundary("rename", to);
  return real_rename(from, to);
}

int renameat(int fromdir, const char *from, int todir, const char *to) {
  REAL(renameat);
  boundary("rename", to);
  return real_renameat(fromdir, from, todir, to);
}

// The state folder swaps a record's spare with the key (RENAME_EXCHANGE): the same boundary as a rename.
int renameat2(int fromdir, const char *from, int todir, const char *to, unsigned int flags) {
  REAL(renameat2);
  boundary("rename", to);
  return real_renameat2(fromdir, from, todir, to, flags);
}

int unlink(const char *path) {
  REAL(unlink);
  boundary("unlink", path);
  return real_unlink(path);
}

int unlinkat(int dir, const char *path, int flags) {
  REAL(unlinkat);
  boundary("unlink", path);
  return real_unlinkat(dir, path, flags);
}

int flock(int fd, int operation) {
  REAL(flock);
  if (operation & LOCK_EX) {
    char link[64], target[512];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    long length = syscall(SYS_readlinkat, AT_FDCWD, link, target, sizeof target - 1);
    target[length > 0 ? length : 0] = 0;
    boundary("flock", target);
  }
  return real_flock(fd, operation);
}

ssize_t write(int fd, const void *buffer, size_t count) {
  REAL(write);
  if (every_call && fd != log_fd) boundary("write", "-");
  return real_write(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
  REAL(pwrite);
  if (every_call && fd != log_fd) boundary("write", "-");
  return real_pwrite(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off_t offset) {
  REAL(pwrite64);
  if (every_call && fd != log_fd) boundary("write", "-");
  return real_pwrite64(fd, buffer, count, offset);
}

int ftruncate(int fd, off_t length) {
  REAL(ftruncate);
  if (every_call) boundary("write", "-");
  return real_ftruncate(fd, length);
}

int fsync(int fd) {
  REAL(fsync);
  if (every_call) boundary("fsync", "-");
  return real_fsync(fd);
}

int connect(int fd, const struct sockaddr *address, socklen_t length) {
  REAL(connect);
  if (every_call) boundary("connect", "-");
  return real_connect(fd, address, length);
}

// What a send carries, for the log and for VIGIL_CRASH_HOLD: its first 200 bytes, anything but printable ASCII
// shown as '.', so a test can stop a process at the request it names ("send *7..$4..EVAL..").
static void payload_text(const void *buffer, size_t count, char *text, size_t size) {
  size_t length = count < size - 1 ? count : size - 1;
  for (size_t index = 0; index < length; index++) {
    unsigned char byte = ((const unsigned char *)buffer)[index];
    text[index] = byte >= 0x20 && byte < 0x7f ? (char)byte : '.';
  }
  text[length] = 0;
}

ssize_t send(int fd, const void *buffer, size_t count, int flags) {
  REAL(send);
  if (every_call || hold_text) {
    char text[201];
    payload_text(buffer, count, text, sizeof text);
    boundary("send", text);
  }
  return real_send(fd, buffer, count, flags);
}

ssize_t sendto(int fd, const void *buffer, size_t count, int flags, const struct sockaddr *to, socklen_t length) {
  REAL(sendto);
  if (every_call || hold_text) {
    char text[201];
    payload_text(buffer, count, text, sizeof text);
    boundary("send", text);
  }
  return real_sendto(fd, buffer, count, flags, to, length);
}
