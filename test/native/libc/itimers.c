/* alarm and the interval timers: ITIMER_REAL's SIGALRM (once, and every
 * period), ITIMER_VIRTUAL's and ITIMER_PROF's on CPU time, what getitimer
 * reads back (rounded: a native run takes real time), errno for bad
 * arguments, and the waits a timer's signal ends: pause, sigsuspend,
 * nanosleep (EINTR with the time left), clock_nanosleep with TIMER_ABSTIME,
 * sigtimedwait (the signal, or EAGAIN after its timeout). The interval
 * timers are not inherited by fork's child and are kept across exec; the
 * POSIX timers are deleted by exec. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "../timespec.h"

static volatile sig_atomic_t alrm, vtalrm, prof;

static void on_signal(int sig) {
  if (sig == SIGALRM) alrm++;
  if (sig == SIGVTALRM) vtalrm++;
  if (sig == SIGPROF) prof++;
}

static void handle(int sig) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(sig, &sa, NULL);
}

/* A time in seconds to `places` decimals. */
static void show_tv(const char *what, struct timeval tv, int places) {
  printf("%s %.*f\n", what, places, tv.tv_sec + tv.tv_usec / 1e6);
}

static struct itimerval itv(long value_us, long interval_us) {
  struct itimerval v = {{interval_us / 1000000, interval_us % 1000000}, {value_us / 1000000, value_us % 1000000}};
  return v;
}

static void exec_child(void) {
  struct itimerval cur;
  getitimer(ITIMER_REAL, &cur);
  show_tv("after exec: ITIMER_REAL value", cur.it_value, 0);
  show_tv("after exec: ITIMER_REAL interval", cur.it_interval, 0);
  struct itimerspec ts;
  timer_t first = (timer_t)0;
  errno_of("after exec: timer_gettime of the timer made before", timer_gettime(first, &ts));
  printf("after exec: alarm(0) = %u\n", alarm(0));
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "exec-child") == 0) {
    exec_child();
    return 0;
  }
  handle(SIGALRM);
  handle(SIGVTALRM);
  handle(SIGPROF);

  /* alarm: the seconds the last one had left, rounded */
  printf("alarm(5) = %u\n", alarm(5));
  printf("alarm(3) = %u\n", alarm(3));
  printf("alarm(0) = %u\n", alarm(0));
  printf("alarm(0) = %u\n", alarm(0));

  /* bad arguments */
  struct itimerval v = itv(0, 0), old;
  errno_of("getitimer(7)", getitimer(7, &old));
  errno_of("setitimer(-1)", setitimer(-1, &v, NULL));
  v = itv(0, 0);
  v.it_value.tv_usec = 1000000;
  errno_of("setitimer usec 1000000", setitimer(ITIMER_REAL, &v, NULL));
  v.it_value.tv_usec = -1;
  errno_of("setitimer usec -1", setitimer(ITIMER_REAL, &v, NULL));
  errno_of("getitimer to a bad address", getitimer(ITIMER_REAL, (struct itimerval *)8));
  errno_of("setitimer from a bad address", setitimer(ITIMER_REAL, (struct itimerval *)8, NULL));

  /* what getitimer reads back, and setitimer's old value */
  v = itv(2500000, 1000000);
  setitimer(ITIMER_REAL, &v, NULL);
  getitimer(ITIMER_REAL, &old);
  show_tv("ITIMER_REAL value", old.it_value, 1);
  show_tv("ITIMER_REAL interval", old.it_interval, 1);
  v = itv(0, 0);
  setitimer(ITIMER_REAL, &v, &old);
  show_tv("disarmed: old value", old.it_value, 1);
  getitimer(ITIMER_REAL, &old);
  show_tv("disarmed: value", old.it_value, 6);
  show_tv("disarmed: interval", old.it_interval, 6);
  v = itv(1000000, 0);
  setitimer(ITIMER_VIRTUAL, &v, NULL);
  getitimer(ITIMER_VIRTUAL, &old);
  show_tv("ITIMER_VIRTUAL value", old.it_value, 2);
  v = itv(0, 0);
  setitimer(ITIMER_VIRTUAL, &v, NULL);

  /* every period, pause ends with EINTR */
  v = itv(10000, 10000);
  setitimer(ITIMER_REAL, &v, NULL);
  int other = 0;
  while (alrm < 5) other += !(pause() == -1 && errno == EINTR);
  v = itv(0, 0);
  setitimer(ITIMER_REAL, &v, NULL);
  /* one more may come natively if the process stalls a period before the disarm, and one outside pause */
  printf("SIGALRM 5 times or more: %s, pause ended other than with EINTR %d times\n", alrm >= 5 ? "yes" : "no", other);

  /* sigsuspend, with SIGALRM blocked outside it */
  sigset_t block, empty;
  sigemptyset(&block);
  sigaddset(&block, SIGALRM);
  sigemptyset(&empty);
  sigprocmask(SIG_BLOCK, &block, NULL);
  alrm = 0;
  v = itv(20000, 0);
  setitimer(ITIMER_REAL, &v, NULL);
  int r = sigsuspend(&empty);
  printf("sigsuspend = %d %s, SIGALRM %d\n", r, strerror(errno), (int)alrm);

  /* sigtimedwait takes it (si_code SI_KERNEL), or times out */
  v = itv(10000, 0);
  setitimer(ITIMER_REAL, &v, NULL);
  siginfo_t info;
  struct timespec second = {1, 0}, short_wait = {0, 20000000}, bad = {0, 1000000000};
  r = sigtimedwait(&block, &info, &second);
  printf("sigtimedwait = %d, si_code %d\n", r, info.si_code);
  errno_of("sigtimedwait with nothing coming", sigtimedwait(&block, &info, &short_wait));
  errno_of("sigtimedwait with a bad timeout", sigtimedwait(&block, &info, &bad));
  sigprocmask(SIG_UNBLOCK, &block, NULL);

  /* nanosleep interrupted: EINTR, and the time it had left */
  alrm = 0;
  v = itv(20000, 0);
  setitimer(ITIMER_REAL, &v, NULL);
  struct timespec req = {1, 0}, rem = {0, 0};
  r = nanosleep(&req, &rem);
  printf("nanosleep = %d %s, SIGALRM %d, %.0f s left\n", r, strerror(errno), (int)alrm, rem.tv_sec + rem.tv_nsec / 1e9);

  /* clock_nanosleep to an absolute time: interrupted (rem untouched), then to its end */
  struct timespec now, until = in_ms(CLOCK_MONOTONIC, 50);
  v = itv(10000, 0);
  setitimer(ITIMER_REAL, &v, NULL);
  rem.tv_sec = 77;
  r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, &rem);
  printf("clock_nanosleep TIMER_ABSTIME = %s, rem.tv_sec %ld\n", strerror(r), (long)rem.tv_sec);
  r = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
  clock_gettime(CLOCK_MONOTONIC, &now);
  printf("clock_nanosleep TIMER_ABSTIME again = %d, past the time: %s\n", r,
         now.tv_sec > until.tv_sec || (now.tv_sec == until.tv_sec && now.tv_nsec >= until.tv_nsec) ? "yes" : "no");

  /* on CPU time */
  v = itv(3000, 0);
  setitimer(ITIMER_VIRTUAL, &v, NULL);
  while (!vtalrm) {}
  setitimer(ITIMER_PROF, &v, NULL);
  while (!prof) {}
  getitimer(ITIMER_PROF, &old);
  printf("SIGVTALRM %d, SIGPROF %d, ITIMER_PROF now %ld.%06ld\n", (int)vtalrm, (int)prof, (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);

  /* SIGALRM's default action ends the process */
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGALRM, SIG_DFL);
    v = itv(10000, 0);
    setitimer(ITIMER_REAL, &v, NULL);
    for (;;) pause();
  }
  int status;
  waitpid(pid, &status, 0);
  printf("child: killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);

  /* fork's child has none of its parent's timers */
  v = itv(5000000, 1000000);
  setitimer(ITIMER_REAL, &v, NULL);
  timer_t made;
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = SIGEV_NONE;
  timer_create(CLOCK_MONOTONIC, &ev, &made);
  printf("timer made: %d\n", (int)(long)made);
  fflush(stdout);
  pid = fork();
  if (pid == 0) {
    getitimer(ITIMER_REAL, &old);
    show_tv("child: ITIMER_REAL value", old.it_value, 6);
    struct itimerspec ts;
    errno_of("child: timer_gettime", timer_gettime(made, &ts));
    printf("child: alarm(0) = %u\n", alarm(0));
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, &status, 0);
  getitimer(ITIMER_REAL, &old);
  show_tv("parent: ITIMER_REAL value", old.it_value, 0);

  /* exec keeps it (and its interval), but not the POSIX timer */
  fflush(stdout);
  execl(argv[0], argv[0], "exec-child", (char *)NULL);
  perror("execl");
  return 1;
}
