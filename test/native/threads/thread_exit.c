/* A thread calls exit(): every thread ends, atexit handlers run once, and
   the status is the thread's. Main is blocked in pthread_join meanwhile. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void bye(void) { printf("atexit ran\n"); }

static void *quitter(void *arg) {
  (void)arg;
  printf("thread: exiting with 3\n");
  exit(3);
}

static void *sleeper(void *arg) {
  pthread_mutex_t *m = arg;
  pthread_mutex_lock(m); /* held by main: never returns */
  return NULL;
}

int main(void) {
  static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
  pthread_t a, b;
  atexit(bye);
  pthread_mutex_lock(&m);
  pthread_create(&b, NULL, sleeper, &m);
  pthread_create(&a, NULL, quitter, NULL);
  pthread_join(b, NULL);
  printf("not reached\n");
  return 0;
}
