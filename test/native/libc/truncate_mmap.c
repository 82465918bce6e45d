// A file in /tmp mapped shared and private, shrunk with ftruncate, regrown, then
// truncated by O_TRUNC: the mappings and read() see zeros past the old
// end, and a touch past the end is SIGBUS (BUS_ADRERR), a private copy
// of such a page included (truncate unmaps COWed pages too).
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096
static sigjmp_buf env;
static volatile int code;
static char *volatile fault_addr;

static void on_sigbus(int sig, siginfo_t *si, void *uc) {
  (void)sig; (void)uc;
  code = si->si_code;
  fault_addr = si->si_addr;
  siglongjmp(env, 1);
}

/** The byte at base + off, or -1 after a SIGBUS at exactly that address. */
static int probe(const char *name, char *base, long off) {
  if (sigsetjmp(env, 1)) {
    printf("%s+%ld: SIGBUS code %d at %s+%ld\n", name, off, code, name, (long)(fault_addr - base));
    return -1;
  }
  int v = *(volatile char *)(base + off);
  printf("%s+%ld: %d\n", name, off, v);
  return v;
}

static void count_read(int fd, long size) {
  static char buf[3 * PAGE];
  long n = pread(fd, buf, sizeof buf, 0), nonzero = 0;
  for (long i = 0; i < n; i++) nonzero += buf[i] != 0;
  printf("read %ld bytes of %ld, %ld nonzero\n", n, size, nonzero);
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGBUS, &sa, 0);

  char path[64];
  snprintf(path, sizeof path, "/tmp/truncate_mmap.%d", (int)getpid());
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ftruncate(fd, 3 * PAGE)) return perror("setup"), 1;
  char *s = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  char *p = mmap(0, 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  if (s == MAP_FAILED || p == MAP_FAILED) return perror("mmap"), 1;
  memset(s, 'a', 3 * PAGE);
  p[0] = 'Q';
  p[2 * PAGE] = 'P';

  ftruncate(fd, PAGE + 100);
  probe("shared", s, PAGE + 99);
  probe("shared", s, PAGE + 100);
  probe("shared", s, 2 * PAGE + 5);
  probe("private", p, 2 * PAGE);
  probe("private", p, 0);
  count_read(fd, PAGE + 100);

  ftruncate(fd, 3 * PAGE);
  probe("shared", s, PAGE + 100);
  probe("shared", s, 3 * PAGE - 1);
  probe("private", p, 2 * PAGE);
  probe("private", p, PAGE + 100);
  count_read(fd, 3 * PAGE);
  s[2 * PAGE] = 'z';
  count_read(fd, 3 * PAGE);

  int again = open(path, O_RDWR | O_TRUNC);
  probe("shared", s, 0);
  probe("private", p, 0);
  probe("private", p, PAGE);
  count_read(fd, 0);
  close(again);
  close(fd);
  unlink(path);
  return 0;
}
