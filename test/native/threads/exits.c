/* How threads end: pthread_exit from a thread (its value joined), a
   detached thread, then main's own pthread_exit while a last thread runs
   on and prints: the process exits 0 when that thread ends. */
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static sem_t detached_done;

static void *exiter(void *arg) {
  (void)arg;
  pthread_exit((void *)42);
  return NULL;
}

static void *detached(void *arg) {
  (void)arg;
  printf("detached: pid is main's %d, tid is its own %d\n", getpid() == (pid_t)(long)arg, syscall(SYS_gettid) != getpid());
  sem_post(&detached_done);
  return NULL;
}

static void *last(void *arg) {
  pthread_t main_thread = *(pthread_t *)arg;
  void *ret;
  int r = pthread_join(main_thread, &ret);
  printf("last: joined main: %d, value %ld\n", r, (long)ret);
  fflush(stdout);
  return NULL;
}

int main(void) {
  static pthread_t self;
  pthread_t t;
  void *ret;
  printf("main: gettid == getpid: %d\n", syscall(SYS_gettid) == getpid());
  pthread_create(&t, NULL, exiter, NULL);
  pthread_join(t, &ret);
  printf("exiter returned %ld\n", (long)ret);
  sem_init(&detached_done, 0, 0);
  pthread_attr_t a;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  pthread_create(&t, &a, detached, (void *)(long)getpid());
  sem_wait(&detached_done);
  self = pthread_self();
  pthread_create(&t, NULL, last, &self);
  fflush(stdout);
  pthread_exit((void *)7);
}
