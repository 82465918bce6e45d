/* locked_under_pressure: a locked region stays resident while the rest of
 * memory is pushed out. Locks LOCKED_MIB MiB (argv[1], default 2) holding
 * a pseudo-random pattern, then fills and rereads HOG_MIB MiB (argv[2],
 * default 24) twice: with RAM below the hog and swap, the hog's pages go
 * to swap and come back while the locked pages never leave. Prints how
 * much of the locked region mincore finds resident, its smaps Rss, Swap
 * and Locked, and the checksums: the same as the native run, where
 * nothing is under pressure. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "../xorshift.h"

#define PAGE 4096UL

static void resident(const char *when, unsigned char *p, size_t pages) {
  unsigned char *v = malloc(pages);
  size_t n = 0;
  mincore(p, pages * PAGE, v);
  for (size_t i = 0; i < pages; i++) n += v[i] & 1;
  printf("%s: locked region resident %zu/%zu\n", when, n, pages);
  free(v);
}

/** The smaps lines of the VMA starting at p that say where its pages are. */
static void smaps(unsigned char *p) {
  char line[256], start[32];
  int in = 0;
  snprintf(start, sizeof start, "%lx-", (unsigned long)p);
  FILE *f = fopen("/proc/self/smaps", "r");
  while (fgets(line, sizeof line, f)) {
    if (strchr(line, '-') && strchr(line, ' ') > strchr(line, '-') && line[0] != ' ' && strncmp(line, "VmFlags", 7))
      in = !strncmp(line, start, strlen(start));
    else if (in && (!strncmp(line, "Rss:", 4) || !strncmp(line, "Swap:", 5) || !strncmp(line, "Locked:", 7)))
      fputs(line, stdout);
    else if (in && !strncmp(line, "VmFlags", 7))
      printf("locked VMA has lo: %s\n", strstr(line, " lo ") ? "yes" : "no");
  }
  fclose(f);
}

static uint64_t sum(const uint64_t *a, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++) s = s * 31 + a[i];
  return s;
}

int main(int argc, char **argv) {
  size_t locked = (size_t)(argc > 1 ? atoi(argv[1]) : 2) << 20;
  size_t hog = (size_t)(argc > 2 ? atoi(argv[2]) : 24) << 20;
  uint64_t *l = mmap(NULL, locked, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uint64_t seed = 0x9e3779b97f4a7c15ULL;
  for (size_t i = 0; i < locked / 8; i++) l[i] = xorshift(&seed);
  uint64_t before = sum(l, locked / 8);
  printf("mlock: %d\n", mlock(l, locked));
  resident("locked", (unsigned char *)l, locked / PAGE);
  uint64_t *h = mmap(NULL, hog, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < hog / 8; i++) h[i] = i * 0x9e3779b97f4a7c15ULL + pass;
    printf("hog pass %d: %016llx\n", pass, (unsigned long long)sum(h, hog / 8));
    resident("after the hog", (unsigned char *)l, locked / PAGE);
  }
  smaps((unsigned char *)l);
  printf("locked data %s\n", sum(l, locked / 8) == before ? "intact" : "changed");
  return 0;
}
