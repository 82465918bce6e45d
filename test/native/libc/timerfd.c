/* timerfd: a read gives the expirations since the last one (waiting for
 * one, or EAGAIN when non-blocking), poll, select and epoll see it readable
 * once it has expired, timerfd_gettime reads the time left (rounded: a
 * native run takes real time) and the interval, TFD_TIMER_ABSTIME on
 * CLOCK_MONOTONIC and CLOCK_REALTIME, CLOCK_BOOTTIME, and errno for bad
 * arguments. Counts of a periodic timer are shown within a margin. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include "../timespec.h"

static long long expirations(int fd) {
  uint64_t n = 0;
  ssize_t r = read(fd, &n, sizeof n);
  return r == 8 ? (long long)n : -errno;
}

int main(void) {
  /* bad arguments */
  errno_of("timerfd_create with a bad flag", timerfd_create(CLOCK_MONOTONIC, 0x4));
  errno_of("timerfd_create on CLOCK_PROCESS_CPUTIME_ID", timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0));
  errno_of("timerfd_create on clock 99", timerfd_create(99, 0));
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  printf("timerfd_create = %d\n", fd);
  struct itimerspec v = its(0, 0), old;
  int pipefd[2];
  pipe(pipefd);
  errno_of("timerfd_settime on a bad fd", timerfd_settime(99, 0, &v, NULL));
  errno_of("timerfd_settime on a pipe", timerfd_settime(pipefd[0], 0, &v, NULL));
  errno_of("timerfd_settime with a bad flag", timerfd_settime(fd, 4, &v, NULL));
  v.it_value.tv_nsec = 1000000000;
  errno_of("timerfd_settime with nsec 1e9", timerfd_settime(fd, 0, &v, NULL));
  errno_of("timerfd_settime from a bad address", timerfd_settime(fd, 0, (struct itimerspec *)8, NULL));
  errno_of("timerfd_gettime on a bad fd", timerfd_gettime(99, &old));
  errno_of("timerfd_gettime on a pipe", timerfd_gettime(pipefd[0], &old));
  errno_of("timerfd_gettime to a bad address", timerfd_gettime(fd, (struct itimerspec *)8));
  uint32_t small;
  errno_of("read of 4 bytes", (int)read(fd, &small, 4));
  errno_of("write", (int)write(fd, "12345678", 8));

  /* not armed: EAGAIN; armed, not yet expired: EAGAIN; gettime and settime's old value */
  printf("read, disarmed: %lld\n", expirations(fd));
  v = its(2000000000, 500000000);
  timerfd_settime(fd, 0, &v, NULL);
  printf("read, armed: %lld\n", expirations(fd));
  timerfd_gettime(fd, &old);
  show("armed", old);
  v = its(0, 0);
  timerfd_settime(fd, 0, &v, &old);
  show("disarmed, old", old);
  timerfd_gettime(fd, &old);
  show("disarmed", old);

  /* a one-shot timer: a blocking read waits for it */
  int bfd = timerfd_create(CLOCK_MONOTONIC, 0);
  v = its(10000000, 0);
  timerfd_settime(bfd, 0, &v, NULL);
  printf("blocking read: %lld\n", expirations(bfd));
  timerfd_gettime(bfd, &old);
  show("expired", old);

  /* a periodic one, read after several periods */
  v = its(10000000, 10000000);
  timerfd_settime(fd, 0, &v, NULL);
  sleep_ms(55);
  long long n = expirations(fd);
  printf("after 55 ms of a 10 ms timer: 4 or more expirations: %s\n", n >= 4 ? "yes" : "no");
  /* the read took the count: at once, nothing (EAGAIN), or one period if the machine stalled */
  printf("read again at once: fewer than 4: %s\n", expirations(fd) < 4 ? "yes" : "no");
  v = its(5000000, 5000000);
  timerfd_settime(bfd, 0, &v, NULL);
  printf("blocking read of a periodic timer: %s\n", expirations(bfd) >= 1 ? "1 or more" : "none");
  v = its(0, 0);
  timerfd_settime(bfd, 0, &v, NULL);

  /* poll, select, epoll */
  v = its(10000000, 0);
  timerfd_settime(fd, 0, &v, NULL);
  struct pollfd p = {fd, POLLIN, 0};
  printf("poll at once: %d\n", poll(&p, 1, 0));
  int r = poll(&p, 1, 1000);
  printf("poll: %d, revents %#x, read %lld\n", r, p.revents, expirations(fd));
  timerfd_settime(fd, 0, &v, NULL);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(fd, &rd);
  struct timeval tv = {1, 0};
  r = select(fd + 1, &rd, NULL, NULL, &tv);
  printf("select: %d, readable %d, read %lld\n", r, FD_ISSET(fd, &rd) != 0, expirations(fd));
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 42}, got;
  epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
  timerfd_settime(fd, 0, &v, NULL);
  printf("epoll_wait at once: %d\n", epoll_wait(ep, &got, 1, 0));
  r = epoll_wait(ep, &got, 1, 1000);
  printf("epoll_wait: %d, events %#x, data %u, read %lld\n", r, got.events, got.data.u32, expirations(fd));

  /* absolute times */
  v = its(0, 0);
  v.it_value = in_ms(CLOCK_MONOTONIC, 15);
  timerfd_settime(bfd, TFD_TIMER_ABSTIME, &v, NULL);
  printf("CLOCK_MONOTONIC absolute: %lld\n", expirations(bfd));
  v.it_value.tv_sec = 0;
  v.it_value.tv_nsec = 1;
  timerfd_settime(fd, TFD_TIMER_ABSTIME, &v, NULL);
  printf("CLOCK_MONOTONIC absolute, long past: %lld\n", expirations(fd));
  int rfd = timerfd_create(CLOCK_REALTIME, 0);
  v.it_value = in_ms(CLOCK_REALTIME, 15);
  timerfd_settime(rfd, TFD_TIMER_ABSTIME, &v, NULL);
  printf("CLOCK_REALTIME absolute: %lld\n", expirations(rfd));
  timerfd_gettime(rfd, &old);
  show("CLOCK_REALTIME expired", old);
  int btfd = timerfd_create(CLOCK_BOOTTIME, 0);
  v = its(5000000, 0);
  timerfd_settime(btfd, 0, &v, NULL);
  printf("CLOCK_BOOTTIME: %lld\n", expirations(btfd));

  /* settime clears what was not read */
  v = its(1000000, 0);
  timerfd_settime(fd, 0, &v, NULL);
  sleep_ms(5);
  v = its(3000000000L, 0);
  timerfd_settime(fd, 0, &v, NULL);
  printf("expired, then set again: %lld\n", expirations(fd));
  close(fd);
  close(bfd);
  return 0;
}
