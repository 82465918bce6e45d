/* msync, mincore and the mlock calls: which pages mincore sees resident
 * (touched anonymous pages, a file's cached pages, a range mlock faulted
 * in, not one locked on fault), VmLck as the locks come and go (mlock,
 * munlock, mlockall with MCL_FUTURE, a forked child's none), and each
 * call's errno for bad flags, unaligned or unmapped ranges. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static void vec(const char *what, void *p, size_t pages) {
  unsigned char v[64];
  int r = mincore(p, pages * PAGE, v);
  printf("%s: %d ", what, r);
  for (size_t i = 0; r == 0 && i < pages; i++) putchar('0' + (v[i] & 1));
  putchar('\n');
}

static void result(const char *what, int r) {
  printf("%s: %d %s\n", what, r, r ? strerror(errno) : "");
}

static void vmlck(const char *when) {
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "VmLck:", 6)) printf("%s %s", when, line);
  fclose(f);
}

int main(void) {
  /* Anonymous pages: resident once touched. A hole in the range is ENOMEM. */
  char *a = mmap(NULL, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  a[0] = a[2 * PAGE] = a[5 * PAGE] = 1;
  vec("anon 0,2,5", a, 8);
  munmap(a + 6 * PAGE, PAGE);
  vec("over a hole", a, 8);
  vec("after the hole", a + 7 * PAGE, 1);
  result("mincore unaligned", mincore(a + 1, PAGE, (unsigned char[1]){0}));
  result("mincore unmapped", mincore(a + 6 * PAGE, PAGE, (unsigned char[1]){0}));
  result("mincore bad vec", mincore(a, PAGE, (unsigned char *)8));
  result("mincore nothing", mincore(a, 0, NULL));
  result("mincore past user space", mincore((void *)0x7ffffffff000, PAGE, (unsigned char[1]){0}));

  /* A file's pages: resident while cached, whether mapped or not. */
  char path[] = "/tmp/mlock-mincore-XXXXXX";
  int fd = mkstemp(path);
  unlink(path);
  char page[PAGE];
  memset(page, 'x', PAGE);
  pwrite(fd, page, PAGE, 0);
  pwrite(fd, page, PAGE, 2 * PAGE);
  ftruncate(fd, 4 * PAGE);
  char *f = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  vec("file 0,2", f, 4);
  f[0] = 'y';
  result("msync MS_SYNC", msync(f, 4 * PAGE, MS_SYNC));
  result("msync MS_ASYNC", msync(f, PAGE, MS_ASYNC));
  result("msync MS_INVALIDATE", msync(f, PAGE, MS_INVALIDATE));
  result("msync len 0", msync(f, 0, MS_SYNC));
  result("msync both", msync(f, PAGE, MS_SYNC | MS_ASYNC));
  result("msync bad flag", msync(f, PAGE, 8));
  result("msync unaligned", msync(f + 1, PAGE, MS_SYNC));
  result("msync anon", msync(a, PAGE, MS_SYNC));
  result("msync hole MS_ASYNC", msync(a + 5 * PAGE, 3 * PAGE, MS_ASYNC));
  result("msync hole MS_SYNC", msync(a + 5 * PAGE, 3 * PAGE, MS_SYNC));
  result("msync unmapped", msync(a + 6 * PAGE, PAGE, MS_SYNC));
  char back[2] = {0};
  pread(fd, back, 1, 0);
  printf("read back %s\n", back);

  /* mlock faults the range in and splits the VMA; munlock takes it back. */
  char *l = mmap(NULL, 6 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  vmlck("before");
  result("mlock", mlock(l + 2 * PAGE + 100, PAGE));
  vec("mlocked 2,3", l, 6);
  vmlck("mlocked");
  result("mlock again", mlock(l + 2 * PAGE, 2 * PAGE));
  vmlck("relocked");
  result("madvise locked", madvise(l + 2 * PAGE, PAGE, MADV_DONTNEED));
  result("msync invalidate locked", msync(l + 2 * PAGE, PAGE, MS_INVALIDATE));
  result("munlock", munlock(l, 6 * PAGE));
  vmlck("munlocked");
  result("mlock2 onfault", mlock2(l + 4 * PAGE, 2 * PAGE, MLOCK_ONFAULT));
  vec("onfault", l, 6);
  vmlck("onfault");
  result("mlock2 bad flag", mlock2(l, PAGE, 2));
  result("mlock unmapped", mlock(a + 6 * PAGE, PAGE));
  result("mlock over a hole", mlock(a + 5 * PAGE, 3 * PAGE));
  result("munlock over a hole", munlock(a + 5 * PAGE, 3 * PAGE));
  munlock(l, 6 * PAGE);

  /* mlockall: what is mapped now, and with MCL_FUTURE what is mapped later. */
  result("mlockall 0", mlockall(0));
  result("mlockall onfault alone", mlockall(MCL_ONFAULT));
  result("mlockall bad", mlockall(8));
  result("mlockall future", mlockall(MCL_FUTURE));
  char *later = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  vec("mapped after MCL_FUTURE", later, 3);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    vmlck("child");
    fflush(stdout);
    _exit(0);
  }
  waitpid(pid, NULL, 0);
  result("munlockall", munlockall());
  vmlck("munlockall");
  char *unlocked = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  vec("mapped after munlockall", unlocked, 3);
  return 0;
}
