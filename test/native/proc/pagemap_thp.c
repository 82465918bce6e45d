// pagemap, kpageflags and kpagecount of a transparent huge page: a write
// into a 2 MiB-aligned MADV_HUGEPAGE range faults in one THP, whose head
// and tails report the head's flags (COMPOUND_HEAD or _TAIL, THP), then a
// fork shares it. Bits that hang on a per-cpu batch, a list scan or
// another program's idle-page tracking (LRU, ACTIVE, REFERENCED, IDLE)
// are left out.
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define BIT(n) (1ULL << (n))
#define HPAGE (2UL << 20)

static int pm, kflags, kcount;

static uint64_t word(int fd, uint64_t index) {
  uint64_t w = 0;
  pread(fd, &w, 8, index * 8);
  return w;
}

static void show(const char *who, char *a, int page) {
  uint64_t e = word(pm, (uintptr_t)a / 4096 + page), pfn = e & (BIT(55) - 1);
  printf("%s page %d: pagemap %03llx, frame %llu of its huge page, kpageflags %09llx kpagecount %llu\n", who, page,
         (unsigned long long)(e >> 55), (unsigned long long)(pfn % 512),
         (unsigned long long)(word(kflags, pfn) & ~(BIT(2) | BIT(5) | BIT(6) | BIT(25))), (unsigned long long)word(kcount, pfn));
}

int main(void) {
  pm = open("/proc/self/pagemap", O_RDONLY);
  kflags = open("/proc/kpageflags", O_RDONLY);
  kcount = open("/proc/kpagecount", O_RDONLY);
  char *m = mmap(0, 2 * HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *a = (char *)(((uintptr_t)m + HPAGE - 1) & ~(HPAGE - 1));
  madvise(a, HPAGE, MADV_HUGEPAGE);
  a[0] = 1;
  show("parent", a, 0);
  show("parent", a, 1);
  show("parent", a, 511);
  fflush(stdout);
  if (fork() == 0) {
    show("child", a, 1);
    fflush(stdout);
    _exit(0);
  }
  wait(0);
  show("parent, after the child's exit,", a, 1);
  return 0;
}
