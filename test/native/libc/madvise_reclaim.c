/* madvise's advice that moves pages: MADV_POPULATE_READ and _WRITE fault a
 * range in (counted in ru_minflt, as get_user_pages counts them), stopping
 * at a hole or at a PROT_NONE or read-only mapping; MADV_PAGEOUT leaves
 * anonymous pages where they are without swap, MADV_COLD keeps every page;
 * a locked range refuses both. mlock faults in only what is not yet
 * mapped. (Pageout of file pages and into swap: test/native/swap/pageout.c,
 * under faultline alone: this machine has no swap, and its file system's
 * large folios are not paged out in part.) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../resident.h"

#ifndef MADV_COLD
#define MADV_COLD 20
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#define MADV_POPULATE_WRITE 23
#endif

static void faults(long *minor, long *major) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  *minor = u.ru_minflt;
  *major = u.ru_majflt;
}

static void advise(const char *what, void *p, size_t len, int advice) {
  long min0, maj0, min1, maj1;
  faults(&min0, &maj0);
  errno = 0;
  int r = madvise(p, len, advice);
  int e = errno;
  faults(&min1, &maj1);
  printf("%s: %d errno %d, %ld minor %ld major faults\n", what, r, r ? e : 0, min1 - min0, maj1 - maj0);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0); /* no stdio buffer faulting in between */
  char *a = mmap(0, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  advise("populate read", a, 4 * 4096, MADV_POPULATE_READ);
  advise("populate read again", a, 4 * 4096, MADV_POPULATE_READ);
  advise("populate write", a + 4 * 4096, 4 * 4096, MADV_POPULATE_WRITE);
  advise("populate write over read", a, 4 * 4096, MADV_POPULATE_WRITE);
  resident("anon", a, 16);
  munmap(a + 12 * 4096, 4096);
  advise("populate across a hole", a + 8 * 4096, 8 * 4096, MADV_POPULATE_READ);
  resident("anon", a, 12);
  advise("populate unaligned", a + 1, 4096, MADV_POPULATE_READ);
  char *none = mmap(0, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  advise("populate PROT_NONE", none, 4096, MADV_POPULATE_READ);
  char *ro = mmap(0, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  advise("populate write read-only", ro, 4096, MADV_POPULATE_WRITE);
  advise("populate read read-only", ro, 4096, MADV_POPULATE_READ);

  advise("pageout anon", a, 8 * 4096, MADV_PAGEOUT);
  resident("anon", a, 8);
  advise("cold anon", a, 8 * 4096, MADV_COLD);
  resident("anon", a, 8);
  /* mlock populates as get_user_pages does too: a page already mapped as needed takes no fault */
  long min0, maj0, min1, maj1;
  faults(&min0, &maj0);
  mlock(a, 4096);
  char *fresh = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  faults(&min1, &maj1);
  printf("mlock of a written page: %ld minor faults\n", min1 - min0);
  mlock(fresh, 4 * 4096);
  faults(&min0, &maj0);
  printf("mlock of 4 new pages: %ld minor faults\n", min0 - min1);
  advise("pageout locked", a, 8 * 4096, MADV_PAGEOUT);
  advise("cold locked", a, 4096, MADV_COLD);
  advise("pageout hole", a + 8 * 4096, 8 * 4096, MADV_PAGEOUT);
  return 0;
}
