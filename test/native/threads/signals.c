/* Signals and threads: a handler set by one thread is every thread's;
   pthread_kill reaches the one thread; kill() to the process is taken by
   the thread that does not block it; a fatal signal in a thread ends the
   whole process (seen from a parent through waitpid). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_usr1, got_usr2;
static volatile pid_t usr1_tid, usr2_tid;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int stage;

static void on_usr1(int sig) { (void)sig; got_usr1++; usr1_tid = syscall(SYS_gettid); }
static void on_usr2(int sig) { (void)sig; got_usr2++; usr2_tid = syscall(SYS_gettid); }

static void wait_stage(int s) {
  pthread_mutex_lock(&lock);
  while (stage < s) pthread_cond_wait(&cond, &lock);
  pthread_mutex_unlock(&lock);
}
static void set_stage(int s) {
  pthread_mutex_lock(&lock);
  stage = s;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
}

static pid_t worker_tid;
static void *worker(void *arg) {
  (void)arg;
  worker_tid = syscall(SYS_gettid);
  set_stage(1);
  while (!got_usr1) sched_yield();
  set_stage(2);
  while (!got_usr2) sched_yield();
  set_stage(3);
  return NULL;
}

static void *crasher(void *arg) {
  (void)arg;
  abort();
}

int main(void) {
  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, on_usr2);
  sigset_t both;
  sigemptyset(&both);
  sigaddset(&both, SIGUSR2);
  pthread_sigmask(SIG_BLOCK, &both, NULL); /* the worker inherits this mask: unblock there */
  pthread_t t;
  pthread_sigmask(SIG_UNBLOCK, &both, NULL);
  pthread_create(&t, NULL, worker, NULL);
  pthread_sigmask(SIG_BLOCK, &both, NULL); /* main alone blocks SIGUSR2 */
  wait_stage(1);
  pthread_kill(t, SIGUSR1);
  wait_stage(2);
  printf("pthread_kill: handled %d time(s), by the worker: %d\n", got_usr1, usr1_tid == worker_tid);
  kill(getpid(), SIGUSR2);
  wait_stage(3);
  printf("kill to the process: handled %d time(s), by the worker (main blocks it): %d\n", got_usr2, usr2_tid == worker_tid);
  pthread_join(t, NULL);
  fflush(stdout);
  pid_t c = fork();
  if (c == 0) {
    signal(SIGABRT, SIG_DFL);
    pthread_create(&t, NULL, crasher, NULL);
    for (;;) pause();
  }
  int status;
  waitpid(c, &status, 0);
  printf("child: signaled %d, by signal %d\n", WIFSIGNALED(status), WTERMSIG(status));
  return 0;
}
