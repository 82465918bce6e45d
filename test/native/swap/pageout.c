/* MADV_PAGEOUT under faultline with swap: anonymous pages written out to
 * swap at once (mincore shows them gone, VmSwap counts them, touching them
 * again is a major fault that reads them back), and a private mapping of a
 * file's clean pages dropped from the page cache (a major fault reads each
 * back). Usage: pageout FILE, a file of 4 pages. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include "../resident.h"

#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

static long majflt(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_majflt;
}

static long vmswap(void) {
  char line[256];
  long kb = -1;
  FILE *f = fopen("/proc/self/status", "r");
  while (fgets(line, sizeof line, f))
    if (strncmp(line, "VmSwap:", 7) == 0) kb = strtol(line + 7, NULL, 10);
  fclose(f);
  return kb;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IONBF, 0);
  if (argc < 2) return 2;
  char *a = mmap(0, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 8; i++) a[i * 4096] = (char)(i + 1);
  resident("anon", a, 8);
  printf("pageout 4 of 8: %d\n", madvise(a + 2 * 4096, 4 * 4096, MADV_PAGEOUT));
  resident("anon", a, 8);
  printf("VmSwap: %ld kB\n", vmswap());
  long before = majflt();
  int sum = 0;
  for (int i = 0; i < 8; i++) sum += a[i * 4096];
  printf("read back: sum %d, %ld major faults\n", sum, majflt() - before);
  resident("anon", a, 8);

  int fd = open(argv[1], O_RDONLY);
  volatile char *f = mmap(0, 4 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  for (int i = 0; i < 4; i++) sum += f[i * 4096];
  resident("file", (void *)f, 4);
  printf("pageout file: %d\n", madvise((void *)f, 4 * 4096, MADV_PAGEOUT));
  resident("file", (void *)f, 4);
  before = majflt();
  for (int i = 0; i < 4; i++) sum += f[i * 4096];
  printf("read back: %ld major faults\n", majflt() - before);
  resident("file", (void *)f, 4);
  return sum == 0;
}
