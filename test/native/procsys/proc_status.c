/* /proc/<pid>/status of a process that set its umask, blocks, ignores and
 * catches signals, has signals pending of its own and of the process, a
 * descriptor at 300, and slept three times; of a child asleep in pause();
 * of that child a zombie. Prints the field names and the lines that do not
 * depend on the machine. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void on_usr2(int sig) { (void)sig; }

/* /proc/<pid>/<name>'s text. */
static char *readproc(int pid, const char *name) {
  static char buf[8192];
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", pid, name);
  int fd = open(path, O_RDONLY);
  if (fd < 0) { perror(path); exit(1); }
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  buf[n < 0 ? 0 : n] = 0;
  return buf;
}

static char *status(int pid) { return readproc(pid, "status"); }

static const char *field(const char *text, const char *name) {
  static char line[1100];
  size_t len = strlen(name);
  for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
    if (!strncmp(p, name, len) && p[len] == ':') {
      size_t n = strcspn(p, "\n");
      memcpy(line, p, n);
      line[n] = 0;
      return line;
    }
    if (!strchr(p, '\n')) break;
  }
  return "(none)";
}

static void names(const char *who, const char *text) {
  printf("%s:", who);
  for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
    printf(" %.*s", (int)strcspn(p, ":"), p);
    if (!strchr(p, '\n')) break;
  }
  printf("\n");
}

/* Until /proc/<pid>/stat's state is `want`. */
static void await_state(int pid, char want) {
  for (;;) {
    char *s = strrchr(readproc(pid, "stat"), ')');
    if (s && s[2] == want) return;
    sched_yield();
  }
}

int main(void) {
  umask(027);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGRTMIN + 1);
  sigprocmask(SIG_BLOCK, &set, NULL);
  signal(SIGPIPE, SIG_IGN);
  struct sigaction sa = { .sa_handler = on_usr2 };
  sigaction(SIGUSR2, &sa, NULL);
  raise(SIGUSR1);                 /* the thread's own queue */
  kill(getpid(), SIGTERM);        /* the process's */
  kill(getpid(), SIGRTMIN + 1);
  dup2(0, 300);
  for (int i = 0; i < 3; i++) {
    struct timespec ts = { 0, 1000000 };
    nanosleep(&ts, NULL);
  }
  char *me = status(getpid());
  names("self", me);
  const char *same[] = { "Name", "Umask", "State", "Ngid", "TracerPid", "Uid", "Gid", "FDSize", "Groups", "Kthread",
    "CoreDumping", "THP_enabled", "untag_mask", "Threads", "SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt",
    "CapInh", "CapAmb", "NoNewPrivs", "Seccomp", "Seccomp_filters", "Mems_allowed", "Mems_allowed_list" };
  for (size_t i = 0; i < sizeof same / sizeof *same; i++) printf("%s\n", field(me, same[i]));
  printf("Tgid, Pid, NStgid, NSpid are getpid: %d\n", atoi(field(me, "Tgid") + 5) == getpid() && atoi(field(me, "Pid") + 4) == getpid()
    && atoi(field(me, "NStgid") + 7) == getpid() && atoi(field(me, "NSpid") + 6) == getpid());
  printf("PPid is getppid: %d\n", atoi(field(me, "PPid") + 5) == getppid());
  printf("NSpgid, NSsid: %d\n", atoi(field(me, "NSpgid") + 7) == getpgrp() && atoi(field(me, "NSsid") + 6) == getsid(0));
  printf("slept at least 3 times: %d\n", atoi(field(me, "voluntary_ctxt_switches") + 24) >= 3);
  fprintf(stderr, "%s\n", field(me, "SigQ"));
  fprintf(stderr, "%s\n", field(me, "voluntary_ctxt_switches"));

  int pid = fork();
  if (pid == 0) {
    pause();
    _exit(0);
  }
  await_state(pid, 'S');
  char *child = status(pid);
  printf("child %s\n", field(child, "State"));
  printf("child %s\n", field(child, "SigCgt"));
  printf("child PPid is getpid: %d\n", atoi(field(child, "PPid") + 5) == getpid());
  kill(pid, SIGKILL);
  waitpid(pid, NULL, 0);
  return 0;
}
