/* clone3's set_tid, as root may use it: the child gets the pid asked for
   (a free one), EEXIST for a pid in use, EINVAL for pid 0, one beyond
   pid_max, more pids than pid-namespace levels, or a set_tid and size that
   disagree. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

/* struct clone_args (include/uapi/linux/sched.h; musl ships no linux/ headers). */
struct clone_args {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup;
};

static long clone3_tid(pid_t *tids, size_t n) {
  struct clone_args a;
  memset(&a, 0, sizeof a);
  a.exit_signal = SIGCHLD;
  a.set_tid = (uintptr_t)tids;
  a.set_tid_size = n;
  long r = syscall(SYS_clone3, &a, sizeof a);
  if (r == 0) _exit(7);
  return r;
}

static void show(const char *what, long r) {
  printf("%-28s %s\n", what, r > 0 ? "a child" : strerror(errno));
  if (r > 0) waitpid(r, NULL, 0);
}

int main(void) {
  /* A pid no task has: the first from 30000 with no /proc entry. */
  pid_t free_pid = 30000;
  char path[32];
  for (;; free_pid++) {
    snprintf(path, sizeof path, "/proc/%d", free_pid);
    if (access(path, F_OK) != 0) break;
  }
  pid_t want[2] = {free_pid, 0};
  long r = clone3_tid(want, 1);
  int status = 0;
  if (r > 0) waitpid(r, &status, 0);
  printf("set_tid of a free pid: %s, exit %d\n", r == free_pid ? "that pid" : r > 0 ? "another pid" : strerror(errno), WEXITSTATUS(status));
  want[0] = getpid();
  show("set_tid of a pid in use:", clone3_tid(want, 1));
  want[0] = 0;
  show("set_tid 0:", clone3_tid(want, 1));
  want[0] = 1 << 30;
  show("set_tid past pid_max:", clone3_tid(want, 1));
  want[0] = free_pid;
  want[1] = free_pid + 1;
  show("two levels of pids:", clone3_tid(want, 2));
  show("set_tid NULL, size 1:", clone3_tid(NULL, 1));
  show("set_tid, size 0:", clone3_tid(want, 0));
  show("33 levels:", clone3_tid(want, 33));
  return 0;
}
