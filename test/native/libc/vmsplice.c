// vmsplice into a pipe and out of it: pieces in order, a pipe filled with
// page-aligned pages, SPLICE_F_NONBLOCK's EAGAIN, EPIPE and SIGPIPE with
// no reader, end of file with no writer, and the argument errors.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

static volatile int sigpipes;
static void on_pipe(int sig) {
  (void)sig;
  sigpipes++;
}

static const char *err(ssize_t r) {
  static char b[64];
  if (r >= 0) snprintf(b, sizeof b, "%zd", r);
  else snprintf(b, sizeof b, "%s", strerror(errno));
  return b;
}

static char pages[17 * 4096] __attribute__((aligned(4096)));

int main(void) {
  signal(SIGPIPE, on_pipe);
  int p[2];
  pipe(p);
  struct iovec two[2] = { { "hello ", 6 }, { "world", 5 } };
  printf("into the pipe: %s\n", err(vmsplice(p[1], two, 2, 0)));
  char buf[64] = { 0 };
  printf("read: %s \"%s\"\n", err(read(p[0], buf, sizeof buf)), buf);

  write(p[1], "abcdefgh", 8);
  char x[3] = { 0 }, y[4] = { 0 };
  struct iovec out[2] = { { x, 2 }, { y, 3 } };
  printf("out of the pipe: %s \"%s\" \"%s\"\n", err(vmsplice(p[0], out, 2, 0)), x, y);
  printf("the rest: %s\n", err(vmsplice(p[0], out, 2, 0)));
  printf("empty, SPLICE_F_NONBLOCK: %s\n", err(vmsplice(p[0], out, 2, SPLICE_F_NONBLOCK)));

  memset(pages, 'p', sizeof pages);
  struct iovec all = { pages, 16 * 4096 };
  printf("sixteen pages: %s\n", err(vmsplice(p[1], &all, 1, 0)));
  printf("full, SPLICE_F_NONBLOCK: %s\n", err(vmsplice(p[1], &all, 1, SPLICE_F_NONBLOCK)));
  size_t n = 0;
  for (ssize_t r; n < 16 * 4096 && (r = read(p[0], pages + 4096, 16 * 4096)) > 0;) n += r;
  printf("read back %zu\n", n);
  struct iovec gift = { pages, 4096 };
  printf("a gift: %s\n", err(vmsplice(p[1], &gift, 1, SPLICE_F_GIFT)));
  printf("read: %s\n", err(read(p[0], pages + 4096, 8192)));

  // Errors.
  printf("flags 0x10: %s\n", err(vmsplice(p[1], two, 2, 0x10)));
  printf("a closed fd: %s\n", err(vmsplice(99, two, 2, 0)));
  int null = open("/dev/null", O_WRONLY);
  printf("not a pipe: %s\n", err(vmsplice(null, two, 2, 0)));
  printf("1025 pieces: %s\n", err(vmsplice(p[1], two, 1025, 0)));
  printf("pieces nowhere: %s\n", err(vmsplice(p[1], (struct iovec *)8, 2, 0)));
  struct iovec none = { buf, 0 };
  printf("nothing: %s\n", err(vmsplice(p[1], &none, 1, 0)));
  struct iovec hole = { (void *)4096, 10 };
  printf("a piece nowhere: %s\n", err(vmsplice(p[1], &hole, 1, 0)));

  close(p[0]);
  ssize_t r = vmsplice(p[1], two, 2, 0);
  printf("no reader: %s, SIGPIPE %d\n", err(r), sigpipes);
  int q[2];
  pipe(q);
  write(q[1], "last", 4);
  close(q[1]);
  memset(buf, 0, sizeof buf);
  struct iovec in = { buf, sizeof buf };
  printf("no writer: %s \"%s\"\n", err(vmsplice(q[0], &in, 1, 0)), buf);
  printf("then: %s\n", err(vmsplice(q[0], &in, 1, 0)));
  return 0;
}
