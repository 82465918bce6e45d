/* ppoll's and pselect's signal masks, applied for the wait only: a signal
 * the mask blocks stays pending through it; one the mask unblocks ends it
 * with EINTR, its handler running under the wait's mask and the old mask
 * back afterwards. And a pipe write that a signal interrupts after some of
 * its bytes went in returns that count, whatever SA_RESTART says. Each
 * signal comes from a child that first sleeps, so the parent is already
 * waiting; the output does not depend on which runs first. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1, usr2, usr2_blocked_in_handler;

static void on_usr1(int sig) {
  (void)sig;
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  usr1++;
  usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
}

static void on_usr2(int sig) {
  (void)sig;
  usr2++;
}

static void handle(int sig, void (*fn)(int), int flags) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fn;
  sa.sa_flags = flags;
  sigaction(sig, &sa, NULL);
}

static void blocked(const char *when) {
  sigset_t now;
  sigprocmask(SIG_BLOCK, NULL, &now);
  printf("%s: SIGUSR1 %s, SIGUSR2 %s\n", when, sigismember(&now, SIGUSR1) ? "blocked" : "open",
         sigismember(&now, SIGUSR2) ? "blocked" : "open");
}

static void pending(const char *when) {
  sigset_t p;
  sigpending(&p);
  printf("%s: pending SIGUSR1 %d, SIGUSR2 %d\n", when, sigismember(&p, SIGUSR1), sigismember(&p, SIGUSR2));
}

static void report(const char *what, int r) {
  printf("%s = %d%s%s; handlers: usr1 %d, usr2 %d\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "",
         (int)usr1, (int)usr2);
  usr1 = usr2 = 0;
}

/* A child that sleeps, sends `sig` to its parent, then writes a byte to `fd` (if not -1). */
static pid_t later(int sig, int fd) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(parent, sig);
    if (fd >= 0 && write(fd, "x", 1) != 1) _exit(1);
    _exit(0);
  }
  return pid;
}

static void reap(pid_t pid) {
  int st;
  waitpid(pid, &st, 0);
}

/* Which of ppoll and pselect waits: on `fd` for reading, for at most `sec` seconds, with `mask`. */
static int wait_one(int use_select, int fd, int sec, const sigset_t *mask) {
  struct timespec ts = {sec, 0};
  if (!use_select) {
    struct pollfd p = {fd, POLLIN, 0};
    return ppoll(&p, 1, &ts, mask);
  }
  fd_set in;
  FD_ZERO(&in);
  FD_SET(fd, &in);
  return pselect(fd + 1, &in, NULL, NULL, &ts, mask);
}

static void waits(int use_select) {
  const char *name = use_select ? "pselect" : "ppoll";
  char what[64];
  int p[2];
  sigset_t usr1_set, none, old;
  sigemptyset(&none);
  sigemptyset(&usr1_set);
  sigaddset(&usr1_set, SIGUSR1);
  if (pipe(p) != 0) exit(1);

  /* SIGUSR1 blocked and pending: a mask that blocks it too leaves it so; one that opens it interrupts at once. */
  sigprocmask(SIG_BLOCK, &usr1_set, &old);
  raise(SIGUSR1);
  snprintf(what, sizeof what, "%s, mask blocking the pending SIGUSR1, no timeout left", name);
  report(what, wait_one(use_select, p[0], 0, &usr1_set));
  pending(name);
  snprintf(what, sizeof what, "%s, empty mask, SIGUSR1 pending", name);
  report(what, wait_one(use_select, p[0], 0, &none));
  printf("%s: SIGUSR2 blocked in the handler: %d\n", name, (int)usr2_blocked_in_handler);
  blocked(name);
  pending(name);

  /* A signal sent during the wait that only the old mask blocks: EINTR, handler under the wait's mask. */
  sigset_t both = usr1_set;
  sigaddset(&both, SIGUSR2);
  sigprocmask(SIG_BLOCK, &both, NULL);
  pid_t pid = later(SIGUSR1, -1);
  snprintf(what, sizeof what, "%s, empty mask, SIGUSR1 sent while waiting", name);
  report(what, wait_one(use_select, p[0], 5, &none));
  printf("%s: SIGUSR2 blocked in the handler: %d\n", name, (int)usr2_blocked_in_handler);
  blocked(name);
  reap(pid);

  /* A signal the wait's mask blocks but the old one does not: the wait ends for the pipe, then the handler runs. */
  sigprocmask(SIG_SETMASK, &old, NULL);
  pid = later(SIGUSR1, p[1]);
  snprintf(what, sizeof what, "%s, mask blocking SIGUSR1, sent while waiting", name);
  report(what, wait_one(use_select, p[0], 5, &usr1_set));
  blocked(name);
  reap(pid);
  char c;
  if (read(p[0], &c, 1) != 1) exit(1);
  close(p[0]);
  close(p[1]);
}

/* A write of twice the pipe's size, interrupted once the pipe is full: returns what went in. */
static void partial_write(int flags) {
  int p[2], done[2];
  static char buf[2 << 16];
  if (pipe(p) != 0 || pipe(done) != 0) exit(1);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    close(p[1]);
    close(done[1]);
    struct timespec ts = {0, 100 * 1000 * 1000};
    nanosleep(&ts, NULL);
    kill(parent, SIGUSR2);
    char c;
    if (read(done[0], &c, 1) != 1) _exit(1);
    long total = 0;
    ssize_t n;
    static char in[1 << 16];
    while ((n = read(p[0], in, sizeof in)) > 0) total += n;
    _exit((int)(total / 4096));
  }
  close(p[0]);
  close(done[0]);
  handle(SIGUSR2, on_usr2, flags);
  ssize_t n = write(p[1], buf, sizeof buf);
  printf("write of %zu bytes%s interrupted: %zd%s%s; handler ran %d\n", sizeof buf, flags ? " (SA_RESTART)" : "", n,
         n < 0 ? " " : "", n < 0 ? strerror(errno) : "", (int)usr2);
  usr2 = 0;
  if (write(done[1], "x", 1) != 1) exit(1);
  close(p[1]);
  int st;
  waitpid(pid, &st, 0);
  printf("the reader got %d pages\n", WEXITSTATUS(st));
  close(done[1]);
}

int main(void) {
  handle(SIGUSR1, on_usr1, 0);
  handle(SIGUSR2, on_usr2, 0);
  waits(0);
  waits(1);
  partial_write(SA_RESTART);
  partial_write(0);
  return 0;
}
