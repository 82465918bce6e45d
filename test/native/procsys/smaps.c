/* /proc/self/smaps and smaps_rollup over mappings of each kind: a
 * MADV_HUGEPAGE region two huge pages of which are touched, a shared
 * anonymous one (shmem) half touched and a private one written. The
 * test compares each VMA's block with this machine's kernel. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void cat(const char *path) {
  static char buf[1 << 16];
  int fd = open(path, O_RDONLY);
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) fwrite(buf, 1, n, stdout);
  close(fd);
}

int main(void) {
  char *thp = mmap(NULL, 6 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  /* Two aligned 2 MiB ranges inside, whatever the placement. */
  char *aligned = (char *)(((unsigned long)thp + (2 << 20) - 1) & ~((2UL << 20) - 1));
  madvise(thp, 6 << 20, MADV_HUGEPAGE);
  memset(aligned, 1, 4 << 20);
  char *sh = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  sh[0] = 1;
  sh[4096] = 2;
  char *lk = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(lk, 3, 3 * 4096);
  printf("thp %lx-%lx\nshared %lx\nwritten %lx\n", (unsigned long)thp, (unsigned long)thp + (6 << 20), (unsigned long)sh, (unsigned long)lk);
  fflush(stdout);
  cat("/proc/self/smaps");
  cat("/proc/self/smaps_rollup");
  return 0;
}
