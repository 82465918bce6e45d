/* A thread calls exit(): every thread ends, atexit handlers run once, and
   the status is the thread's. Main is blocked in pthread_join meanwhile:
   the quitter waits until /proc shows main and the sleeper asleep, so a
   native run under load has them in their futex waits too, as faultline. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile pid_t sleeper_tid;

/* The state letter of /proc/self/task/TID/stat ('S' while in a futex wait). */
static char state_of(pid_t tid) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
  FILE *f = fopen(path, "r");
  if (!f) return '?';
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *close_paren = strrchr(buf, ')');
  return close_paren && close_paren[1] == ' ' ? close_paren[2] : '?';
}

static void bye(void) { printf("atexit ran\n"); }

static void *quitter(void *arg) {
  (void)arg;
  while (!sleeper_tid || state_of(sleeper_tid) != 'S' || state_of(getpid()) != 'S') sched_yield();
  printf("thread: exiting with 3\n");
  exit(3);
}

static void *sleeper(void *arg) {
  pthread_mutex_t *m = arg;
  sleeper_tid = gettid();
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
