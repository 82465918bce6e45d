/* Minor faults around fork, as getrusage counts them: the first touch of
 * PAGES anonymous pages, the child's writes after fork (each a COW copy,
 * wp_page_copy), and the parent's writes once the child has exited (each
 * a write-protect fault whose page is reused, wp_page_reuse). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 512

static long minflt(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_minflt;
}

static long touch(volatile char *a, char v) {
  long before = minflt();
  for (int i = 0; i < PAGES; i++) a[i * 4096L] = v;
  return minflt() - before;
}

int main(void) {
  volatile char *a = mmap(NULL, PAGES * 4096L, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a == MAP_FAILED) return 1;
  madvise((void *)a, PAGES * 4096L, MADV_NOHUGEPAGE);
  printf("first touch: %ld\n", touch(a, 1));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    long n = touch(a, 2);
    long again = touch(a, 4);
    printf("child writes after fork: %ld, again: %ld\n", n, again);
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  long n = touch(a, 3);
  printf("parent writes after the child exited: %ld, value %d\n", n, a[0]);
  return 0;
}
