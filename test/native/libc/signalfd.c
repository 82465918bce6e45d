/* signalfd: blocked signals read as struct signalfd_siginfo (kill's,
 * tgkill's, sigqueue's value, a child's SIGCHLD), several in one read, the
 * mask changed on the same fd; poll and epoll readiness; a blocking read a
 * child's kill wakes; a child reading its own signals through the signalfd
 * it inherited; the errors of bad sizes, flags, descriptors and reads.
 * Results, errno numbers and fields as the kernel gives them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../show.h"

/* A read of up to n signals: each one's fields, pids as who sent them. */
static void take(const char *what, int fd, int n, pid_t child) {
  struct signalfd_siginfo si[4];
  long r = read(fd, si, n * sizeof si[0]);
  show(what, r);
  for (long k = 0; k < r / (long)sizeof si[0]; k++) {
    const struct signalfd_siginfo *s = &si[k];
    const char *from = s->ssi_pid == (unsigned)getpid() ? "self" : s->ssi_pid == (unsigned)child ? "child"
      : s->ssi_pid == (unsigned)getppid() ? "parent" : s->ssi_pid ? "other" : "0";
    printf("  signo %u code %d errno %d pid %s uid %u status %d int %d ptr %llu utime %llu stime %llu addr %llu\n", s->ssi_signo, s->ssi_code,
      s->ssi_errno, from, s->ssi_uid, s->ssi_status, s->ssi_int, (unsigned long long)s->ssi_ptr, (unsigned long long)s->ssi_utime,
      (unsigned long long)s->ssi_stime, (unsigned long long)s->ssi_addr);
  }
  fflush(stdout);
}

static int readable(int fd) {
  struct pollfd p = {fd, POLLIN | POLLOUT, 0};
  int n = poll(&p, 1, 0);
  return n > 0 ? p.revents : n;
}

int main(void) {
  sigset_t mask, block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGUSR2);
  sigaddset(&block, SIGRTMIN);
  sigaddset(&block, SIGCHLD);
  sigprocmask(SIG_BLOCK, &block, NULL);
  sigemptyset(&mask);
  sigaddset(&mask, SIGUSR1);
  sigaddset(&mask, SIGUSR2);
  sigaddset(&mask, SIGKILL);
  int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
  show("signalfd", sfd);
  printf("FD_CLOEXEC %d O_NONBLOCK %d O_RDWR %d\n", fcntl(sfd, F_GETFD) & FD_CLOEXEC, !!(fcntl(sfd, F_GETFL) & O_NONBLOCK),
    (fcntl(sfd, F_GETFL) & O_ACCMODE) == O_RDWR);
  char path[64], line[128];
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", sfd);
  FILE *info = fopen(path, "r");
  while (fgets(line, sizeof line, info))
    if (strncmp(line, "sigmask:", 8) == 0) printf("%s", line);
  fclose(info);

  take("nothing pending", sfd, 1, 0);
  show("read of 100 bytes", read(sfd, line, 100));
  static const char zero[128];
  show("write", write(sfd, zero, 128));
  printf("poll with none: %d\n", readable(sfd));
  raise(SIGUSR1);
  kill(getpid(), SIGUSR2);
  union sigval v = {.sival_int = 42};
  sigqueue(getpid(), SIGRTMIN, v);
  printf("poll with two: %d\n", readable(sfd));
  int ep = epoll_create1(0);
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 7}, got;
  epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev);
  show("epoll_wait with two", epoll_wait(ep, &got, 1, 0));
  take("three asked, two in the mask", sfd, 3, 0);
  show("epoll_wait with none", epoll_wait(ep, &got, 1, 0));
  sigset_t rt;
  sigemptyset(&rt);
  sigaddset(&rt, SIGRTMIN);
  show("signalfd on the same fd", signalfd(sfd, &rt, 0));
  printf("poll with SIGRTMIN: %d\n", readable(sfd));
  take("SIGRTMIN", sfd, 1, 0);

  /* errors */
  show("sizemask 4", syscall(SYS_signalfd4, -1, &mask, 4, 0));
  show("flags O_APPEND", syscall(SYS_signalfd4, -1, &mask, 8, O_APPEND));
  show("mask unreadable", syscall(SYS_signalfd4, -1, (void *)8, 8, 0));
  show("mask unreadable, sizemask 4", syscall(SYS_signalfd4, -1, (void *)8, 4, 0));
  show("not a signalfd", signalfd(1, &mask, 0));
  show("bad fd", signalfd(99, &mask, 0));
  show("signalfd(2)", syscall(SYS_signalfd, -1, &mask, 8));

  /* a blocking read a child's kill wakes; the child reads its own signal through the inherited fd */
  int bfd = signalfd(-1, &mask, 0);
  pid_t child = fork();
  if (child == 0) {
    kill(getppid(), SIGUSR1);
    take("child: its own SIGUSR2", bfd, 1, 0);
    _exit(3);
  }
  take("blocking read", bfd, 1, child);
  kill(child, SIGUSR2);
  siginfo_t ended;
  waitid(P_PID, child, &ended, WEXITED | WNOWAIT);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  int cfd = signalfd(-1, &chld, SFD_NONBLOCK);
  take("SIGCHLD", cfd, 1, child);
  waitpid(child, NULL, 0);
  return 0;
}
