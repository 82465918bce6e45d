// /proc/<pid>/syscall and /proc/<pid>/wchan of a task in each state: the
// reader itself (in its read, pc just past the syscall instruction),
// children asleep in calls of each kind, one that runs and a zombie. The
// argument registers a C library leaves behind and the addresses differ
// from a native run: a line shows the call's number and, where it is one,
// its first argument (a descriptor, a pid).
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT 0   /* <linux/futex.h>, which musl-gcc has not */

static int in[2], full[2], sv[2], ev, ep, futex_word;
static char fifo[64];

static const char *const sleeps[] = {
  "read a pipe", "write a full pipe", "pause", "nanosleep", "clock_nanosleep", "wait4", "waitid", "futex wait",
  "poll", "select", "ppoll", "epoll_wait", "sigsuspend", "sigtimedwait", "read a socket", "read an eventfd",
  "open a FIFO", "run",
};

/** The child that runs rather than sleeps. */
#define RUNS 17

static void sleeper(int kind) {
  char c;
  sigset_t set;
  struct timespec long_time = { 1000, 0 };
  struct pollfd pfd = { in[0], POLLIN, 0 };
  fd_set readable;
  struct epoll_event e;
  uint64_t v;
  siginfo_t si;
  static char big[65536];
  switch (kind) {
    case 0: read(in[0], &c, 1); break;
    case 1: for (;;) write(full[1], big, sizeof big);
    case 2: pause(); break;
    case 3: nanosleep(&long_time, 0); break;
    case 4: clock_nanosleep(CLOCK_MONOTONIC, 0, &long_time, 0); break;
    case 5: if (fork() == 0) pause(); wait(0); break;
    case 6: if (fork() == 0) pause(); waitid(P_ALL, 0, &si, WEXITED); break;
    case 7: syscall(SYS_futex, &futex_word, FUTEX_WAIT, 0, 0, 0, 0); break;
    case 8: poll(&pfd, 1, -1); break;
    case 9: FD_ZERO(&readable); FD_SET(in[0], &readable); select(in[0] + 1, &readable, 0, 0, 0); break;
    case 10: ppoll(&pfd, 1, &long_time, 0); break;
    case 11: epoll_wait(ep, &e, 1, -1); break;
    case 12: sigemptyset(&set); sigsuspend(&set); break;
    case 13: sigemptyset(&set); sigaddset(&set, SIGUSR1); sigprocmask(SIG_BLOCK, &set, 0); sigwaitinfo(&set, 0); break;
    case 14: read(sv[0], &c, 1); break;
    case 15: read(ev, &v, 8); break;
    case 16: open(fifo, O_RDONLY); break;
    case RUNS: for (;;) __asm__ volatile("");
  }
  _exit(0);
}

static char buf[512];

static char *slurp(const char *path) {
  int f = open(path, O_RDONLY);
  ssize_t n = f < 0 ? -1 : read(f, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  if (f >= 0) close(f);
  return buf;
}

/** The syscall line's number, its first argument when `first`, and how many fields it has. */
static void show_syscall(const char *line, int first) {
  char copy[512], *field[16];
  int n = 0;
  strcpy(copy, line);
  for (char *f = strtok(copy, " \n"); f && n < 16; f = strtok(0, " \n")) field[n++] = f;
  if (n == 9) printf("syscall %s%s%s, 9 fields", field[0], first ? " " : "", first ? field[1] : "");
  else printf("syscall %.*s", (int)strcspn(line, "\n"), line);
}

int main(void) {
  pipe(in);
  pipe(full);
  socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
  ev = eventfd(0, 0);
  ep = epoll_create1(0);
  struct epoll_event e = { EPOLLIN, { 0 } };
  epoll_ctl(ep, EPOLL_CTL_ADD, in[0], &e);
  snprintf(fifo, sizeof fifo, "/tmp/wchan-fifo-%d", getpid());
  mkfifo(fifo, 0600);

  // The reader's own: the read it is in, on the file's descriptor, for the count asked.
  int self = open("/proc/self/syscall", O_RDONLY);
  ssize_t n = read(self, buf, 300);
  buf[n > 0 ? n : 0] = 0;
  unsigned long long nr, fd, to, count, pc;
  sscanf(buf, "%llu %llx %llx %llx %*x %*x %*x %*x %llx", &nr, &fd, &to, &count, &pc);
  printf("self: nr %llu, fd %s, buffer %s, count %llu, pc after a syscall instruction: %s\n", nr, fd == (unsigned)self ? "its own" : "another",
         to == (uintptr_t)buf ? "its own" : "another", count, !memcmp((char *)(uintptr_t)pc - 2, "\x0f\x05", 2) ? "yes" : "no");
  printf("self wchan: %s\n", slurp("/proc/self/wchan"));
  struct stat st;
  stat("/proc/self/syscall", &st);
  printf("syscall mode %o, ", st.st_mode & 0777);
  stat("/proc/self/wchan", &st);
  printf("wchan mode %o\n", st.st_mode & 0777);

  for (int k = 0; k < (int)(sizeof sleeps / sizeof *sleeps); k++) {
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
      setpgid(0, 0);
      sleeper(k);
    }
    setpgid(c, c);   // as the child does: whichever runs first, kill(-c) reaches the child and what it forked
    // Until the child sleeps in its wait (off the run queue: its wchan is not 0), for 5 s at most; the one that runs, a
    // moment (it keeps faultline's CPU busy).
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/wchan", c);
    struct timespec moment = { 0, 1000 * 1000 };
    for (int waited = 0; waited < 5000; waited++) {
      nanosleep(&moment, 0);
      if (k == RUNS || strcmp(slurp(path), "0")) break;
    }
    printf("%s: wchan %s, ", sleeps[k], buf);
    snprintf(path, sizeof path, "/proc/%d/syscall", c);
    // The first argument of a call on a descriptor, or of futex (an address: not shown).
    show_syscall(slurp(path), k <= 1 || k == 11 || k == 14 || k == 15);
    printf("\n");
    kill(-c, SIGKILL);
    siginfo_t si;
    waitid(P_PID, c, &si, WEXITED | WNOWAIT);
    snprintf(path, sizeof path, "/proc/%d/wchan", c);
    printf("  killed, a zombie: wchan %s, ", slurp(path));
    // A zombie still has its stack until its last switch away, a moment after the exit its parent saw: up to 1 s for that.
    snprintf(path, sizeof path, "/proc/%d/syscall", c);
    for (int waited = 0; waited < 1000 && strncmp(slurp(path), "-1 ", 3); waited++) nanosleep(&moment, 0);
    printf("syscall %s", buf);
    waitpid(c, 0, 0);
  }
  unlink(fifo);
  return 0;
}
