// Memory pressure on one node of several. Two ways:
//   reclaim bind MIB        binds the task to the last node (set_mempolicy
//                           MPOL_BIND), writes MIB of anonymous memory (more
//                           than the node holds), then checks every page.
//   reclaim mbind MIB       the same with the region bound instead (mbind
//                           MPOL_BIND), the task's policy left the default:
//                           a page swapped back in follows the region's.
//   reclaim touch FILE MIB  reads FILE (it stays in the page cache, mapped by
//                           no one), then writes MIB of anonymous memory under
//                           the default policy (first touch).
// Then one line: how many of the region's pages are on each node now, how
// many are not in memory (swapped out: move_pages says -ENOENT), and how
// many pages read back wrong. Built static with glibc; test/mm/numa_reclaim.test.ts runs it.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MPOL_BIND 2
#define MPOL_F_MEMS_ALLOWED 4
#define PAGE 4096
#define BATCH 512

static char buf[1 << 16];

/** The highest node with memory (get_mempolicy's allowed nodes). */
static int last_node(void) {
  unsigned long mask = 0;
  if (syscall(SYS_get_mempolicy, NULL, &mask, 64, NULL, MPOL_F_MEMS_ALLOWED)) return -1;
  int last = -1;
  for (int n = 0; n < 64; n++) if (mask & (1UL << n)) last = n;
  return last;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  const int bind = !strcmp(argv[1], "bind"), vma_bind = !strcmp(argv[1], "mbind");
  const long mib = atol(argv[bind || vma_bind ? 2 : 3]);
  const int node = last_node();
  unsigned long mask = 1UL << node;
  if (bind) {
    if (node < 0 || syscall(SYS_set_mempolicy, MPOL_BIND, &mask, 64)) return perror("set_mempolicy"), 1;
  } else if (!vma_bind) {
    const int fd = open(argv[2], O_RDONLY);
    if (fd < 0) return perror("open"), 1;
    while (read(fd, buf, sizeof buf) > 0) {}
    // Kept open: the cache stays while a file holds it.
  }
  const long pages = mib * 256;
  unsigned char *p = mmap(0, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return perror("mmap"), 1;
  if (vma_bind && (node < 0 || syscall(SYS_mbind, p, pages * PAGE, MPOL_BIND, &mask, 64, 0))) return perror("mbind"), 1;
  // Whole pages, so the run spans many scheduler quanta and kswapd gets its turns.
  for (long i = 0; i < pages; i++) {
    unsigned long *q = (unsigned long *)(p + i * PAGE);
    for (int j = 0; j < PAGE / 8; j++) q[j] = i * 7 + j;
  }
  long bad = 0;
  if (bind || vma_bind) {
    for (long i = 0; i < pages; i++) {
      const unsigned long *q = (const unsigned long *)(p + i * PAGE);
      for (int j = 0; j < PAGE / 8; j++) bad += q[j] != i * 7 + j;
    }
  }
  // Where the pages are now (no nodes given: move_pages only reports).
  long on[8] = {0}, absent = 0, other = 0;
  for (long i = 0; i < pages; i += BATCH) {
    void *addr[BATCH];
    int status[BATCH];
    const long n = pages - i < BATCH ? pages - i : BATCH;
    for (long j = 0; j < n; j++) addr[j] = p + (i + j) * PAGE;
    if (syscall(SYS_move_pages, 0, n, addr, NULL, status, 0)) return perror("move_pages"), 1;
    for (long j = 0; j < n; j++) {
      if (status[j] >= 0 && status[j] < 8) on[status[j]]++;
      else if (status[j] == -ENOENT) absent++;
      else other++;
    }
  }
  printf("N0=%ld N1=%ld absent=%ld other=%ld bad=%ld\n", on[0], on[1], absent, other, bad);
  return 0;
}
