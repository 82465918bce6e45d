/* A PTHREAD_PRIO_INHERIT mutex across threads (the futex PI operations
   under glibc's and musl's mutexes): a counter four threads add to under
   it, each yielding while it holds the lock so the others block in the
   kernel; trylock from another thread (EBUSY); a condition variable
   waited on with it; an error-checking one locked twice and unlocked
   twice; and a robust one whose owner exits
   holding it, with a thread blocked on it (EOWNERDEAD, then consistent). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../asleep.h"

static pthread_mutex_t m;
static long counter;

static void init(pthread_mutex_t *mu, int type, int robust) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  int r = pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
  if (r) printf("setprotocol: %s\n", strerror(r));
  pthread_mutexattr_settype(&a, type);
  if (robust) pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
  pthread_mutex_init(mu, &a);
  pthread_mutexattr_destroy(&a);
}

static void *adder(void *arg) {
  (void)arg;
  for (int i = 0; i < 200; i++) {
    pthread_mutex_lock(&m);
    long c = counter;
    if (i % 7 == 0) sched_yield();
    counter = c + 1;
    pthread_mutex_unlock(&m);
  }
  return NULL;
}

static volatile int stage;
static volatile pid_t blocked_tid;
static int try_result;

static void *try_other(void *arg) {
  (void)arg;
  try_result = pthread_mutex_trylock(&m);
  return NULL;
}

static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int items, taken;

static void *consumer(void *arg) {
  (void)arg;
  pthread_mutex_lock(&m);
  while (taken < 50) {
    while (items == 0) pthread_cond_wait(&cv, &m);
    items--;
    taken++;
    pthread_cond_signal(&cv);
  }
  pthread_mutex_unlock(&m);
  return NULL;
}

static pthread_mutex_t rm;
static int owner_died_result, consistent_result;

static void *dies_holding(void *arg) {
  (void)arg;
  pthread_mutex_lock(&rm);
  stage = 1;
  while (stage != 2) sched_yield();
  return NULL;
}

static void *blocks(void *arg) {
  (void)arg;
  blocked_tid = syscall(SYS_gettid);
  owner_died_result = pthread_mutex_lock(&rm);
  if (owner_died_result == EOWNERDEAD) consistent_result = pthread_mutex_consistent(&rm);
  pthread_mutex_unlock(&rm);
  return NULL;
}

int main(void) {
  init(&m, PTHREAD_MUTEX_NORMAL, 0);
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, adder, NULL);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  printf("counter %ld (800 expected)\n", counter);

  pthread_mutex_lock(&m);
  pthread_create(&t[0], NULL, try_other, NULL);
  pthread_join(t[0], NULL);
  printf("trylock from another thread: %s\n", strerror(try_result));
  pthread_mutex_unlock(&m);

  pthread_create(&t[0], NULL, consumer, NULL);
  pthread_mutex_lock(&m);
  for (int produced = 0; produced < 50; produced++) {
    while (items == 2) pthread_cond_wait(&cv, &m);
    items++;
    pthread_cond_signal(&cv);
  }
  pthread_mutex_unlock(&m);
  pthread_join(t[0], NULL);
  printf("condition variable: %d taken\n", taken);

  pthread_mutex_t e;
  init(&e, PTHREAD_MUTEX_ERRORCHECK, 0);
  int r1 = pthread_mutex_lock(&e), r2 = pthread_mutex_lock(&e), r3 = pthread_mutex_unlock(&e), r4 = pthread_mutex_unlock(&e);
  printf("errorcheck: lock %s, again %s, unlock %s, unlock again %s\n", strerror(r1), strerror(r2), strerror(r3), strerror(r4));

  init(&rm, PTHREAD_MUTEX_NORMAL, 1);
  pthread_create(&t[0], NULL, dies_holding, NULL);
  while (stage != 1) sched_yield();
  pthread_create(&t[1], NULL, blocks, NULL);
  while (!blocked_tid) sched_yield();
  wait_asleep(blocked_tid);
  stage = 2;
  pthread_join(t[0], NULL);
  pthread_join(t[1], NULL);
  printf("robust: the blocked thread got %s, consistent %s\n", strerror(owner_died_result), strerror(consistent_result));
  printf("robust: lock now %s\n", strerror(pthread_mutex_lock(&rm)));
  printf("robust: unlock %s\n", strerror(pthread_mutex_unlock(&rm)));
  return 0;
}
