/* A robust mutex whose owner thread exits holding it: the kernel walks the
   thread's robust list at its death, so the next locker gets EOWNERDEAD
   (and a waiter already asleep on it is woken), and can make it
   consistent again. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t m;
static pthread_barrier_t held;

static void *owner(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  pthread_barrier_wait(&held);
  usleep(1000); /* the waiter goes to sleep on the mutex meanwhile */
  return NULL;  /* dies holding it */
}

static void *waiter(void *arg) {
  (void)arg;
  pthread_barrier_wait(&held);
  int r = pthread_mutex_lock(&m);
  printf("waiter: lock returned %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
  if (r == EOWNERDEAD) pthread_mutex_consistent(&m);
  pthread_mutex_unlock(&m);
  return NULL;
}

int main(void) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(&m, &a);
  pthread_barrier_init(&held, NULL, 2);
  pthread_t o, w;
  pthread_create(&o, NULL, owner, NULL);
  pthread_create(&w, NULL, waiter, NULL);
  pthread_join(o, NULL);
  pthread_join(w, NULL);
  int r = pthread_mutex_lock(&m);
  printf("main: lock returned %s\n", r == 0 ? "0" : strerror(r));
  return 0;
}
