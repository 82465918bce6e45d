/* What the /sys/kernel/mm writes do (faultline only: natively they would
 * change this machine): THP's enabled word decides whether a
 * MADV_HUGEPAGE region gets huge pages, and weighted_interleave/nodeN
 * the share of each node under MPOL_WEIGHTED_INTERLEAVE. */
#include "../proc_io.h"
#include <sys/mman.h>
#include <sys/syscall.h>

static void put(const char *path, const char *text) {
  int fd = open(path, O_WRONLY);
  ssize_t r = write(fd, text, strlen(text));
  close(fd);
  char buf[256] = {0};
  fd = open(path, O_RDONLY);
  read(fd, buf, sizeof buf - 1);
  close(fd);
  printf("%s <- %.*s: %zd, reads %s", strrchr(path, '/') + 1, (int)strcspn(text, "\n"), text, r, buf);
}

static long rollup(const char *name) { return proc_field("/proc/self/smaps_rollup", name, ":"); }

int main(void) {
  const char *enabled = "/sys/kernel/mm/transparent_hugepage/enabled";
  const char *words[] = {"never\n", "madvise\n", "always\n"};
  for (int i = 0; i < 3; i++) {
    put(enabled, words[i]);
    char *a = mmap(NULL, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (i == 1) madvise(a, 4 << 20, MADV_HUGEPAGE);
    long before = rollup("AnonHugePages");
    memset(a, 1, 4 << 20);
    printf("AnonHugePages +%ld kB\n", rollup("AnonHugePages") - before);
    munmap(a, 4 << 20);
  }
  put("/sys/kernel/mm/transparent_hugepage/defrag", "defer+madvise\n");

  const char *wi = "/sys/kernel/mm/mempolicy/weighted_interleave/";
  char path[128];
  snprintf(path, sizeof path, "%sauto", wi);
  put(path, "false\n");
  snprintf(path, sizeof path, "%snode0", wi);
  put(path, "3\n");
  snprintf(path, sizeof path, "%snode1", wi);
  put(path, "0x1\n");
  unsigned long mask = 3;
  printf("set_mempolicy: %ld\n", syscall(SYS_set_mempolicy, 6 /* MPOL_WEIGHTED_INTERLEAVE */, &mask, 3));
  char *b = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (int i = 0; i < 16; i++) b[i * 4096] = 1;
  static char buf[16384];
  int fd = open("/proc/self/numa_maps", O_RDONLY);
  ssize_t n = read(fd, buf, sizeof buf - 1);
  buf[n < 0 ? 0 : n] = 0;
  char key[32];
  snprintf(key, sizeof key, "%lx ", (unsigned long)b);
  char *line = strstr(buf, key);
  char *nl = line ? strchr(line, '\n') : NULL;
  if (nl) *nl = 0;
  printf("%s\n", line ? strstr(line, " N0=") : "no line");
  return 0;
}
