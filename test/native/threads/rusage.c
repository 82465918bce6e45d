/* Page faults of threads that share one mm: a thread touching fresh pages
   sees them in its RUSAGE_THREAD and in the process's RUSAGE_SELF; main,
   which touched none meanwhile, sees none in its RUSAGE_THREAD. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>

#define PAGES 64

static long minflt(int who) {
  struct rusage u;
  getrusage(who, &u);
  return u.ru_minflt;
}

static char *region;
static long thread_delta, self_delta_in_thread;

static void *toucher(void *arg) {
  (void)arg;
  long t0 = minflt(RUSAGE_THREAD), s0 = minflt(RUSAGE_SELF);
  for (int i = 0; i < PAGES; i++) region[i * 4096] = 1;
  thread_delta = minflt(RUSAGE_THREAD) - t0;
  self_delta_in_thread = minflt(RUSAGE_SELF) - s0;
  return NULL;
}

int main(void) {
  region = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  madvise(region, PAGES * 4096, MADV_NOHUGEPAGE);
  pthread_t t;
  pthread_create(&t, NULL, toucher, NULL);
  pthread_join(t, NULL);
  long main0 = minflt(RUSAGE_THREAD);
  long self0 = minflt(RUSAGE_SELF);
  long main1 = minflt(RUSAGE_THREAD);
  printf("thread's own faults over %d pages: %ld; the process's meanwhile: %ld\n", PAGES, thread_delta, self_delta_in_thread);
  printf("main's RUSAGE_THREAD unchanged: %d; RUSAGE_SELF counts the thread's: %d\n", main1 == main0, self0 >= main0 + PAGES);
  return 0;
}
