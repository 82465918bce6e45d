// /proc/self/numa_maps for regions of known policy: 16 pages whose first 8
// are mbind()-ed MPOL_INTERLEAVE over every node (the VMA splits), 8 pages
// MPOL_BIND to the last node, 8 with no policy; all written. Read once with
// the default task policy and once under set_mempolicy(MPOL_PREFERRED, last
// node), which numa_maps shows for every VMA without a policy of its own.
// Each line of these regions is printed with its address replaced by the
// region's name. Built static with glibc; test/proc/numa_views.test.ts runs it.
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096
#define MPOL_DEFAULT 0
#define MPOL_PREFERRED 1
#define MPOL_BIND 2
#define MPOL_INTERLEAVE 3
#define MPOL_F_MEMS_ALLOWED 4

static struct { const char *name; unsigned long start; } regions[4];

static char *region(int pages) {
  char *p = mmap(0, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) exit(1);
  return p;
}

static void show(const char *when) {
  char line[512];
  FILE *f = fopen("/proc/self/numa_maps", "r");
  if (!f) exit(2);
  printf("%s:\n", when);
  while (fgets(line, sizeof line, f)) {
    unsigned long start = strtoul(line, NULL, 16);
    for (int i = 0; i < 4; i++)
      if (regions[i].start == start) printf("  %s%s", regions[i].name, strchr(line, ' '));
  }
  fclose(f);
}

int main(void) {
  unsigned long all = 0, last;
  int mode;
  if (syscall(SYS_get_mempolicy, &mode, &all, 64, 0, MPOL_F_MEMS_ALLOWED)) return 3;
  last = 1UL << (63 - __builtin_clzl(all));
  char *split = region(16), *bound = region(8), *plain = region(8);
  if (syscall(SYS_mbind, split, 8 * PAGE, MPOL_INTERLEAVE, &all, 65, 0)) return 4;
  if (syscall(SYS_mbind, bound, 8 * PAGE, MPOL_BIND, &last, 65, 0)) return 5;
  for (int i = 0; i < 16; i++) split[i * PAGE] = 1;
  for (int i = 0; i < 8; i++) bound[i * PAGE] = plain[i * PAGE] = 1;
  regions[0].name = "interleaved";
  regions[0].start = (unsigned long)split;
  regions[1].name = "split-off";
  regions[1].start = (unsigned long)split + 8 * PAGE;
  regions[2].name = "bound";
  regions[2].start = (unsigned long)bound;
  regions[3].name = "plain";
  regions[3].start = (unsigned long)plain;
  show("default task policy");
  if (syscall(SYS_set_mempolicy, MPOL_PREFERRED, &last, 65)) return 6;
  show("task policy preferred");
  return 0;
}
