// The reference for test/mmap*.test.ts: runs mm system calls on the real
// kernel and prints each raw result (an address, 0, or -errno), one a line.
// Ops on stdin, one a line:
//   mmap ADDR LEN PROT FLAGS FD OFF    FD: -1 none, 0 this program's file
//                                          (opened read-only), other: as is
//   munmap ADDR LEN | mprotect ADDR LEN PROT | madvise ADDR LEN ADVICE
//   mremap ADDR OLD_LEN NEW_LEN FLAGS NEW_ADDR
//   layout    the vvar/vdso bounds (lowest start, highest end) from /proc/self/maps
// Numbers are decimal or 0x-hex, unsigned 64-bit.
// Build: gcc -O2 -static -o mm_ops mm_ops.c
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long raw(long r) { return r == -1 ? -errno : r; }

static unsigned long num(const char *s) { return strtoul(s, NULL, 0); }

int main(int argc, char **argv) {
  int self = open("/proc/self/exe", O_RDONLY);
  char line[512];
  while (fgets(line, sizeof line, stdin)) {
    char op[16], a[6][32];
    int n = sscanf(line, "%15s %31s %31s %31s %31s %31s %31s", op, a[0], a[1], a[2], a[3], a[4], a[5]);
    if (n < 1) continue;
    long r;
    if (!strcmp(op, "mmap") && n == 7) {
      long fd = (long)num(a[4]);
      if (fd == 0) fd = self;
      r = raw(syscall(SYS_mmap, num(a[0]), num(a[1]), num(a[2]), num(a[3]), fd, num(a[5])));
    } else if (!strcmp(op, "munmap") && n == 3) {
      r = raw(syscall(SYS_munmap, num(a[0]), num(a[1])));
    } else if (!strcmp(op, "mprotect") && n == 4) {
      r = raw(syscall(SYS_mprotect, num(a[0]), num(a[1]), num(a[2])));
    } else if (!strcmp(op, "madvise") && n == 4) {
      r = raw(syscall(SYS_madvise, num(a[0]), num(a[1]), num(a[2])));
    } else if (!strcmp(op, "mremap") && n == 6) {
      r = raw(syscall(SYS_mremap, num(a[0]), num(a[1]), num(a[2]), num(a[3]), num(a[4])));
    } else if (!strcmp(op, "layout")) {
      FILE *f = fopen("/proc/self/maps", "r");
      unsigned long lo = ~0UL, hi = 0, s, e;
      char buf[512];
      while (fgets(buf, sizeof buf, f)) {
        if (!strstr(buf, "[vvar") && !strstr(buf, "[vdso]")) continue;
        sscanf(buf, "%lx-%lx", &s, &e);
        if (s < lo) lo = s;
        if (e > hi) hi = e;
      }
      fclose(f);
      printf("%ld %ld\n", (long)lo, (long)hi);
      continue;
    } else {
      fprintf(stderr, "mm_ops: bad op: %s", line);
      return 2;
    }
    printf("%ld\n", r);
  }
  return 0;
}
