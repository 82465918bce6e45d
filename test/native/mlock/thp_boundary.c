/* A THP cut by a VMA boundary: munlock, madvise or mprotect of part of a
 * huge page splits its pmd (vma_adjust_trans_huge), so no VMA's smaps counts
 * the 2 MiB mapping of its neighbour: smaps_rollup's AnonHugePages and
 * Locked, step by step. (Linux keeps the folio whole, mapped by ptes, where
 * faultline splits it: the unevictable_pgs_* counts of a part munlocked
 * differ, so they are not shown.) */
#define _GNU_SOURCE
#include <sys/mman.h>
#include "../proc_io.h"

#define MiB (1L << 20)

/** The call's result and the rollup after it. */
static void step(const char *what, int r) {
  const char *rollup = "/proc/self/smaps_rollup";
  printf("%s (%d): AnonHugePages %ld kB, Locked %ld kB\n", what, r, proc_field(rollup, "AnonHugePages", ":"), proc_field(rollup, "Locked", ":"));
}

/** A 2 MiB-aligned THP, touched. */
static char *thp(void) {
  char *raw = mmap(0, 4 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *h = (char *)(((unsigned long)raw + 2 * MiB - 1) & ~(2 * MiB - 1));
  munmap(raw, h - raw);
  munmap(h + 2 * MiB, raw + 4 * MiB - (h + 2 * MiB));
  madvise(h, 2 * MiB, MADV_HUGEPAGE);
  memset(h, 1, 2 * MiB);
  return h;
}

int main(void) {
  char *h = thp();
  step("a THP touched", 0);
  step("mlock of it", mlock(h, 2 * MiB));
  step("munlock of its first half", munlock(h, MiB));
  step("munlock of the second half", munlock(h + MiB, MiB));
  step("munmap", munmap(h, 2 * MiB));
  h = thp();
  step("another THP", 0);
  step("MADV_NOHUGEPAGE of its last 64 kB", madvise(h + 2 * MiB - 65536, 65536, MADV_NOHUGEPAGE));
  step("munmap", munmap(h, 2 * MiB));
  h = thp();
  step("another THP", 0);
  step("mprotect of its first page", mprotect(h, 4096, PROT_READ));
  step("munmap", munmap(h, 2 * MiB));
  return 0;
}
