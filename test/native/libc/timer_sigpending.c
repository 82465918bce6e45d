// A POSIX timer's signal and RLIMIT_SIGPENDING: timer_create takes the
// timer's queue entry from the user's count at once, SIGEV_NONE's too
// (EAGAIN when the count is at the limit; SigQ shows it), and holds it until
// timer_delete, so its signal is queued however full the queue is, with the
// periods it missed while blocked as overruns. The count is per user, so a
// child run as root first becomes a user of its own (100000 + its pid); the
// limits are set above SigQ's count at the start, and a run during which
// another process's signals moved it is run again.
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char out[8192];
static size_t used;

/** printf into `out`: a run's lines are printed only once it is known to be undisturbed. */
static void say(const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  used += vsnprintf(out + used, sizeof out - used, format, ap);
  va_end(ap);
}

/** SigQ's first number: the signals queued for this user now. */
static int queued(void) {
  char line[256];
  int n = -1;
  FILE *f = fopen("/proc/self/status", "r");
  while (fgets(line, sizeof line, f)) if (!strncmp(line, "SigQ:", 5)) n = atoi(line + 5);
  fclose(f);
  return n;
}

/** A timer sending SIGRTMIN+i with value i; @return whether timer_create succeeded. */
static int make(int i, timer_t *t) {
  struct sigevent ev = { 0 };
  ev.sigev_notify = SIGEV_SIGNAL;
  ev.sigev_signo = SIGRTMIN + i;
  ev.sigev_value.sival_int = i;
  int ok = timer_create(CLOCK_MONOTONIC, &ev, t) == 0;
  say("  timer_create rt%d: %s\n", i, ok ? "ok" : strerror(errno));
  return ok;
}

static void queue(int i) {
  union sigval v = { i };
  say("  sigqueue rt%d: %s\n", i, sigqueue(getpid(), SIGRTMIN + i, v) ? strerror(errno) : "ok");
}

static void run(int limit) {
  struct rlimit rl = { queued() + limit, queued() + limit };
  setrlimit(RLIMIT_SIGPENDING, &rl);
  say("room for %d:\n", limit);
  timer_t a, b;
  int before = queued();
  int has_a = make(1, &a);
  say("  SigQ: +%d\n", queued() - before);
  queue(0);
  int has_b = make(2, &b);
  struct itimerspec every_ms = { { 0, 1000000 }, { 0, 1000000 } };
  if (has_a) timer_settime(a, 0, &every_ms, 0);
  if (has_b) timer_settime(b, 0, &every_ms, 0);
  struct timespec wait = { 0, 20000000 };
  nanosleep(&wait, 0);
  sigset_t pending;
  sigpending(&pending);
  say("  pending:");
  for (int i = 0; i < 5; i++) if (sigismember(&pending, SIGRTMIN + i)) say(" rt%d", i);
  say("\n");
  queue(3);
  sigset_t rt;
  sigemptyset(&rt);
  for (int i = 0; i < 5; i++) sigaddset(&rt, SIGRTMIN + i);
  siginfo_t si;
  struct timespec now = { 0, 0 };
  // Each once: a periodic timer's signal may come again as soon as it is taken.
  for (int i = 0; i < 5; i++) {
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, SIGRTMIN + i);
    int sig = sigtimedwait(&one, &si, &now);
    if (sig > 0) say("  got rt%d: %s, value %d, overruns %s\n", sig - SIGRTMIN, si.si_code == SI_TIMER ? "SI_TIMER" : si.si_code == SI_QUEUE ? "SI_QUEUE" : "other",
           si.si_value.sival_int, si.si_code != SI_TIMER ? "none" : si.si_overrun > 5 ? "more than 5" : "5 or fewer");
  }
  // The timer keeps its entry while it exists.
  queue(3);
  // Disarmed, and any signal they sent since taken: a deleted timer's signal still pending would
  // hold its entry until taken, and whether one is depends on the host's timing.
  struct itimerspec off = { { 0, 0 }, { 0, 0 } };
  if (has_a) timer_settime(a, 0, &off, 0);
  if (has_b) timer_settime(b, 0, &off, 0);
  for (int i = 1; i <= 2; i++) {
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, SIGRTMIN + i);
    while (sigtimedwait(&one, &si, &now) > 0) {}
  }
  if (has_a) timer_delete(a);
  if (has_b) timer_delete(b);
  queue(4);
  while (sigtimedwait(&rt, &si, &now) > 0) {}
}

/** The runs, in a child: its lines on stdout and status 0 when SigQ's count at its end is the one at its start. */
static int attempt(void) {
  int start = queued();
  sigset_t rt;
  sigemptyset(&rt);
  for (int i = 0; i < 5; i++) sigaddset(&rt, SIGRTMIN + i);
  sigprocmask(SIG_BLOCK, &rt, 0);
  // Lowest last: the hard limit only goes down.
  for (int limit = 3; limit >= 0; limit--) run(limit);
  struct sigevent none = { .sigev_notify = SIGEV_NONE };
  timer_t t;
  say("room for 0, timer_create SIGEV_NONE: %s\n", timer_create(CLOCK_MONOTONIC, &none, &t) ? strerror(errno) : "ok");
  if (queued() != start) return 1;
  write(1, out, used);
  return 0;
}

int main(void) {
  for (int i = 0; i < 8; i++) {
    pid_t pid = fork();
    if (pid == 0) {
      uid_t own = 100000 + getpid();
      if (geteuid() == 0 && setresuid(own, own, own)) _exit(2);
      _exit(attempt());
    }
    int status;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  }
  printf("SigQ's count moved during every run\n");
  return 1;
}
