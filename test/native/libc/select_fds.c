// select's nfds against the fd table (core_sys_select): nfds is cut to the
// table's size (fdt->max_fds: here 2048, the power of two holding fd 1501;
// a native run's table before that depends on what it inherited), so a
// large nfds is no error and bits past the table are never read, but a
// closed descriptor set below the table's end is EBADF. Descriptors past FD_SETSIZE (1024)
// need bitmaps larger than glibc's fd_set: the raw system call takes them.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

static unsigned long rd[64], wr[64];

static void set(unsigned long *s, int fd) { s[fd / 64] |= 1UL << (fd % 64); }
static int isset(unsigned long *s, int fd) { return !!(s[fd / 64] & (1UL << (fd % 64))); }

/** select(nfds, r, w, 0, {0, 0}) as the kernel sees it: the count, or -errno. */
static long sel(int nfds, unsigned long *r, unsigned long *w) {
  struct timeval tv = { 0, 0 };
  long n = syscall(SYS_select, nfds, r, w, 0, &tv);
  return n < 0 ? -errno : n;
}

int main(void) {
  struct rlimit rl = { 2048, 2048 };
  printf("RLIMIT_NOFILE 2048: %d\n", setrlimit(RLIMIT_NOFILE, &rl));
  int p[2];
  pipe(p);
  printf("dup2 to 1500: %d, to 1501: %d\n", dup2(p[1], 1500), dup2(p[0], 1501));
  write(1500, "x", 1);

  memset(rd, 0, sizeof rd);
  memset(wr, 0, sizeof wr);
  set(rd, 1501);
  set(wr, 1500);
  printf("nfds 1502: %ld", sel(1502, rd, wr));
  printf(" (1501 readable %d, 1500 writable %d)\n", isset(rd, 1501), isset(wr, 1500));
  memset(rd, 0, sizeof rd);
  set(rd, 1501);
  printf("nfds 4000, 1501 set: %ld\n", sel(4000, rd, 0));
  memset(rd, 0, sizeof rd);
  set(rd, 1600);
  printf("closed 1600, below the table's 2048: %ld\n", sel(1601, rd, 0));
  memset(rd, 0, sizeof rd);
  set(rd, 3000);
  printf("bit 3000, past the table: %ld\n", sel(3001, rd, 0));
  printf("nfds -1: %ld\n", sel(-1, 0, 0));
  printf("nfds 1<<30, no sets: %ld\n", sel(1 << 30, 0, 0));
  printf("nfds INT_MAX, no sets: %ld\n", sel(0x7fffffff, 0, 0));

  // A lower limit leaves the table as it is: select still sees 1501.
  rl.rlim_cur = 64;
  setrlimit(RLIMIT_NOFILE, &rl);
  memset(rd, 0, sizeof rd);
  set(rd, 1501);
  printf("RLIMIT_NOFILE 64, 1501 set: %ld\n", sel(1502, rd, 0));
  // poll's nfds is held to the limit instead.
  struct pollfd pf = { 1501, POLLIN, 0 };
  struct pollfd many[65];
  for (int i = 0; i < 65; i++) many[i] = pf;
  int n = poll(&pf, 1, 0);
  printf("poll 1501: %d (revents %#x)\n", n, pf.revents);
  n = poll(many, 65, 0);
  printf("poll of 65 under a limit of 64: %s\n", n < 0 ? strerror(errno) : "ok");

  // glibc's and musl's select over an fd_set.
  fd_set fs;
  FD_ZERO(&fs);
  FD_SET(p[0], &fs);
  struct timeval tv = { 0, 0 };
  printf("select(2) on the pipe: %d\n", select(p[0] + 1, &fs, 0, 0, &tv));
  return 0;
}
