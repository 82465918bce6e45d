// Linux's own page-fault cost, for bench/fault.ts: mmap an anonymous
// region and touch every page once, as the faultline benchmark does.
// Usage: fault MODE MIB   MODE = write | readwrite | thp
// Prints: <faults> <nanoseconds> of CPU time (user + system: the kernel's
// fault handling is system time) for the touching loop only.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "now.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s write|readwrite|thp MIB\n", argv[0]);
    return 2;
  }
  const char *mode = argv[1];
  size_t len = (size_t)atoi(argv[2]) << 20, huge = 2u << 20;
  // Over-map by 2 MiB so the region can start 2 MiB aligned.
  char *raw = mmap(NULL, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) { perror("mmap"); return 1; }
  char *p = (char *)(((unsigned long)raw + huge - 1) & ~(huge - 1));
  int thp = strcmp(mode, "thp") == 0;
  if (madvise(p, len, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE)) { perror("madvise"); return 1; }
  volatile char *v = p;
  size_t step = 4096, faults = 0;
  double t0 = cpu_ns();
  if (strcmp(mode, "readwrite") == 0) {
    unsigned sum = 0;
    for (size_t i = 0; i < len; i += step) sum += v[i];
    for (size_t i = 0; i < len; i += step) v[i] = 1;
    faults = 2 * (len / step);
    if (sum) return 1;
  } else {
    for (size_t i = 0; i < len; i += step) v[i] = 1;
    faults = thp ? len / huge : len / step;
  }
  double t1 = cpu_ns();
  printf("%zu %.0f\n", faults, t1 - t0);
  munmap(raw, len + huge);
  return 0;
}
