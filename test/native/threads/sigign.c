/* Ignoring a signal discards it wherever it is pending, as do_sigaction's
   flush_sigqueue_mask does: from every thread's own queue (tgkill's) and
   from the process's (kill's), set to SIG_IGN or, for a signal ignored by
   default, to SIG_DFL; a signal whose default is to terminate stays
   pending when set to SIG_DFL. Every thread blocks the signals while
   they are sent, then one unblocks them and counts what arrives. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile int got[65];
static void handler(int sig) { got[sig]++; }

static void handle(int sig, void (*h)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sigaction(sig, &sa, NULL);
}

static pthread_barrier_t sent, shown, changed;
static volatile pid_t tid;
static sigset_t sent_ones;

static void pending(const char *who) {
  sigset_t p;
  sigpending(&p);
  printf("%s pending:%s%s%s%s\n", who, sigismember(&p, SIGUSR1) ? " USR1" : "", sigismember(&p, SIGUSR2) ? " USR2" : "",
         sigismember(&p, SIGURG) ? " URG" : "", sigismember(&p, SIGCHLD) ? " CHLD" : "");
}

static void *worker(void *arg) {
  (void)arg;
  tid = syscall(SYS_gettid);
  pthread_barrier_wait(&sent);
  pending("worker, before");
  pthread_barrier_wait(&shown);
  pthread_barrier_wait(&changed);
  pending("worker, after");
  handle(SIGUSR1, handler);
  handle(SIGURG, handler);
  handle(SIGCHLD, handler);
  pthread_sigmask(SIG_UNBLOCK, &sent_ones, NULL);
  printf("worker got USR1 %d, USR2 %d, URG %d, CHLD %d\n", got[SIGUSR1], got[SIGUSR2], got[SIGURG], got[SIGCHLD]);
  return NULL;
}

int main(void) {
  int sigs[] = {SIGUSR1, SIGUSR2, SIGURG, SIGCHLD};
  sigemptyset(&sent_ones);
  for (int i = 0; i < 4; i++) sigaddset(&sent_ones, sigs[i]);
  sigprocmask(SIG_BLOCK, &sent_ones, NULL);
  handle(SIGURG, handler);
  handle(SIGCHLD, handler);
  handle(SIGUSR2, handler);
  pthread_barrier_init(&sent, NULL, 2);
  pthread_barrier_init(&shown, NULL, 2);
  pthread_barrier_init(&changed, NULL, 2);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  while (!tid) ;
  for (int i = 0; i < 4; i++) {
    syscall(SYS_tgkill, getpid(), tid, sigs[i]);
    kill(getpid(), sigs[i]);
  }
  pthread_barrier_wait(&sent);
  pthread_barrier_wait(&shown);
  pending("main, before");
  handle(SIGUSR1, SIG_IGN);
  handle(SIGURG, SIG_DFL);
  handle(SIGCHLD, SIG_DFL);
  handle(SIGUSR2, SIG_DFL);
  handle(SIGUSR2, handler);
  pending("main, after");
  pthread_barrier_wait(&changed);
  pthread_join(t, NULL);
  return 0;
}
