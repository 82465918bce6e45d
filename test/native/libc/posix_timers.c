/* POSIX timers: timer_create's ids, errno for bad arguments in Linux's
 * order, SIGEV_SIGNAL (si_code SI_TIMER, si_timerid, si_overrun, si_value),
 * the overruns counted while the signal waits blocked (and
 * timer_getoverrun), SIGEV_NONE (nothing sent; timer_gettime still counts
 * down), SIGEV_THREAD_ID to one thread, TIMER_ABSTIME on CLOCK_REALTIME,
 * a timer on the process's CPU time, and timer_delete (a signal queued
 * before the timer was set again or deleted is pending, and dropped).
 * Times are rounded and counts shown within a margin: a native run takes
 * real time, more of it on a loaded machine. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "../timespec.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

static volatile sig_atomic_t got, code, timerid, overrun, first_overrun, value;

static void on_usr1(int sig, siginfo_t *si, void *uc) {
  (void)sig;
  (void)uc;
  got++;
  code = si->si_code;
  timerid = si->si_timerid;
  overrun = si->si_overrun;
  if (got == 1) first_overrun = overrun;
  value = si->si_value.sival_int;
}

static struct sigevent signal_event(int notify, int signo, int val) {
  struct sigevent ev;
  memset(&ev, 0, sizeof ev);
  ev.sigev_notify = notify;
  ev.sigev_signo = signo;
  ev.sigev_value.sival_int = val;
  return ev;
}

static volatile pid_t thread_tid;
static int thread_signo, thread_code, thread_value;

static void *waiter(void *arg) {
  (void)arg;
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR2);
  thread_tid = (pid_t)syscall(SYS_gettid);
  siginfo_t info;
  struct timespec second = {2, 0};
  thread_signo = sigtimedwait(&set, &info, &second);
  thread_code = info.si_code;
  thread_value = info.si_value.sival_int;
  return NULL;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_usr1;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);

  /* ids, and the errors of timer_create */
  timer_t a, b, c;
  struct sigevent ev = signal_event(SIGEV_SIGNAL, SIGUSR1, 7);
  errno_of("timer_create", timer_create(CLOCK_MONOTONIC, &ev, &a));
  printf("first id %d\n", (int)(intptr_t)a);
  errno_of("timer_create on clock 99", timer_create(99, &ev, &b));
  errno_of("timer_create on CLOCK_MONOTONIC_RAW", timer_create(CLOCK_MONOTONIC_RAW, &ev, &b));
  errno_of("timer_create on CLOCK_MONOTONIC_COARSE", timer_create(CLOCK_MONOTONIC_COARSE, &ev, &b));
  struct sigevent bad = signal_event(SIGEV_SIGNAL, 0, 0);
  errno_of("timer_create for signal 0", timer_create(CLOCK_MONOTONIC, &bad, &b));
  bad = signal_event(SIGEV_SIGNAL, 65, 0);
  errno_of("timer_create for signal 65", timer_create(CLOCK_MONOTONIC, &bad, &b));
  bad = signal_event(99, SIGUSR1, 0);
  errno_of("timer_create for notify 99", timer_create(CLOCK_MONOTONIC, &bad, &b));
  bad = signal_event(SIGEV_THREAD_ID, SIGUSR1, 0);
  bad.sigev_notify_thread_id = 999999;
  errno_of("timer_create for a tid not ours", timer_create(CLOCK_MONOTONIC, &bad, &b));
  errno_of("timer_create from a bad address", (int)syscall(SYS_timer_create, CLOCK_MONOTONIC, (void *)8, &b));
  errno_of("timer_create", timer_create(CLOCK_REALTIME, &ev, &b));
  printf("second id %d\n", (int)(intptr_t)b);

  /* the errors of the others */
  struct itimerspec v = its(0, 0), old;
  errno_of("timer_settime of id 4242", timer_settime((timer_t)4242, 0, &v, NULL));
  errno_of("timer_settime with no value", (int)syscall(SYS_timer_settime, (int)(intptr_t)a, 0, NULL, NULL));
  v.it_value.tv_nsec = 1000000000;
  errno_of("timer_settime with nsec 1e9", timer_settime(a, 0, &v, NULL));
  errno_of("timer_settime from a bad address", timer_settime(a, 0, (struct itimerspec *)8, NULL));
  errno_of("timer_gettime of id 4242", timer_gettime((timer_t)4242, &old));
  errno_of("timer_gettime to a bad address", timer_gettime(a, (struct itimerspec *)8));
  errno_of("timer_getoverrun of id 4242", timer_getoverrun((timer_t)4242));
  errno_of("timer_getoverrun, never fired", timer_getoverrun(a));

  /* disarmed, armed, and the old setting */
  timer_gettime(a, &old);
  show("disarmed", old);
  v = its(2000000000, 500000000);
  timer_settime(a, 0, &v, NULL);
  timer_gettime(a, &old);
  show("armed", old);
  v = its(0, 0);
  timer_settime(a, 0, &v, &old);
  show("disarmed, old", old);

  /* SIGEV_SIGNAL every 10 ms: three signals, their siginfo */
  v = its(10000000, 10000000);
  timer_settime(a, 0, &v, NULL);
  sigset_t none;
  sigemptyset(&none);
  while (got < 3) sigsuspend(&none);
  v = its(0, 0);
  timer_settime(a, 0, &v, NULL);
  printf("SIGUSR1 %s times: si_code %d (SI_TIMER %d), si_timerid %d, si_value %d\n", got >= 3 ? "3 or more" : "fewer than 3",
         (int)code, SI_TIMER, (int)timerid, (int)value);

  /* blocked for 50 ms of a 5 ms timer: one signal, the rest overruns */
  sigset_t usr1;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  got = 0;
  v = its(5000000, 5000000);
  timer_settime(a, 0, &v, NULL);
  sleep_ms(52);
  sigprocmask(SIG_UNBLOCK, &usr1, NULL);
  int orun = timer_getoverrun(a);
  v = its(0, 0);
  timer_settime(a, 0, &v, NULL);
  /* (a slow native run may take one more signal before the timer is disarmed) */
  printf("after 52 ms blocked: a signal: %s, its si_overrun 7 or more: %s, timer_getoverrun the last one's: %s\n",
         got >= 1 ? "yes" : "no", first_overrun >= 7 ? "yes" : "no", orun == overrun ? "yes" : "no");

  /* SIGEV_NONE: no signal, but it counts down */
  timer_t n;
  struct sigevent none_ev = signal_event(SIGEV_NONE, 0, 0);
  errno_of("timer_create SIGEV_NONE", timer_create(CLOCK_MONOTONIC, &none_ev, &n));
  v = its(10000000, 0);
  got = 0;
  timer_settime(n, 0, &v, NULL);
  sleep_ms(20);
  timer_gettime(n, &old);
  show("SIGEV_NONE, expired", old);
  v = its(1500000000, 300000000);
  timer_settime(n, 0, &v, NULL);
  timer_gettime(n, &old);
  show("SIGEV_NONE, armed", old);
  printf("SIGEV_NONE sent %d signals\n", (int)got);

  /* TIMER_ABSTIME on CLOCK_REALTIME (timer b), sigwaited */
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  v = its(0, 0);
  v.it_value = in_ms(CLOCK_REALTIME, 20);
  timer_settime(b, TIMER_ABSTIME, &v, NULL);
  siginfo_t info;
  int sig = sigwaitinfo(&usr1, &info);
  printf("sigwaitinfo: %d, si_code %d, si_timerid %d, si_value %d\n", sig, info.si_code, info.si_timerid, info.si_value.sival_int);
  v.it_value.tv_sec = 1000;
  timer_settime(b, TIMER_ABSTIME, &v, NULL);
  sig = sigwaitinfo(&usr1, &info);
  printf("long past: sigwaitinfo %d\n", sig);
  sigprocmask(SIG_UNBLOCK, &usr1, NULL);

  /* timer_create with no sigevent: SIGALRM, with the id as si_value */
  sigset_t alrm;
  sigemptyset(&alrm);
  sigaddset(&alrm, SIGALRM);
  sigprocmask(SIG_BLOCK, &alrm, NULL);
  errno_of("timer_create with no sigevent", timer_create(CLOCK_MONOTONIC, NULL, &c));
  v = its(1000000, 0);
  timer_settime(c, 0, &v, NULL);
  sig = sigwaitinfo(&alrm, &info);
  printf("no sigevent: signal %d, si_code %d, si_timerid matches: %s\n", sig, info.si_code,
         info.si_timerid == (int)(intptr_t)c ? "yes" : "no");

  /* SIGEV_THREAD_ID: to that thread */
  sigset_t usr2;
  sigemptyset(&usr2);
  sigaddset(&usr2, SIGUSR2);
  sigprocmask(SIG_BLOCK, &usr2, NULL);
  pthread_t th;
  pthread_create(&th, NULL, waiter, NULL);
  while (!thread_tid) sched_yield();
  struct sigevent tev = signal_event(SIGEV_THREAD_ID, SIGUSR2, 99);
  tev.sigev_notify_thread_id = thread_tid;
  timer_t t;
  errno_of("timer_create SIGEV_THREAD_ID", timer_create(CLOCK_MONOTONIC, &tev, &t));
  v = its(10000000, 0);
  timer_settime(t, 0, &v, NULL);
  pthread_join(th, NULL);
  printf("thread: signal %d, si_code %d, si_value %d\n", thread_signo, thread_code, thread_value);

  /* on the process's CPU time */
  timer_t cpu;
  got = 0;
  errno_of("timer_create on CLOCK_PROCESS_CPUTIME_ID", timer_create(CLOCK_PROCESS_CPUTIME_ID, &ev, &cpu));
  v = its(2000000, 0);
  timer_settime(cpu, 0, &v, NULL);
  while (!got) {}
  printf("CPU-time timer: SIGUSR1 %d\n", (int)got);

  /* timer_delete */
  errno_of("timer_delete", timer_delete(a));
  errno = 0;
  errno_of("timer_delete again", timer_delete(a));
  errno_of("timer_gettime of a deleted timer", timer_gettime(a, &old));
  timer_t d;
  timer_create(CLOCK_MONOTONIC, &ev, &d);
  printf("next id after a delete: %d\n", (int)(intptr_t)d);

  /* a signal queued before timer_settime or timer_delete stays pending, and is dropped when taken */
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  got = 0;
  v = its(1000000, 0);
  timer_settime(d, 0, &v, NULL);
  sleep_ms(10);
  v = its(5000000000L, 0);
  timer_settime(d, 0, &v, NULL);
  sigset_t pend;
  sigpending(&pend);
  printf("set again: SIGUSR1 pending %d\n", sigismember(&pend, SIGUSR1));
  sigprocmask(SIG_UNBLOCK, &usr1, NULL);
  printf("unblocked: handled %d\n", (int)got);
  sigprocmask(SIG_BLOCK, &usr1, NULL);
  v = its(1000000, 0);
  timer_settime(d, 0, &v, NULL);
  sleep_ms(10);
  timer_delete(d);
  sigpending(&pend);
  printf("deleted: SIGUSR1 pending %d\n", sigismember(&pend, SIGUSR1));
  sigprocmask(SIG_UNBLOCK, &usr1, NULL);
  printf("unblocked: handled %d\n", (int)got);
  return 0;
}
