/* pidfds: pidfd_open and its errors, poll and epoll readiness when the
 * process exits and once it is reaped, waitid(P_PIDFD) (a nonblocking
 * pidfd too), pidfd_send_signal, pidfd_getfd, and CLONE_PIDFD from clone
 * and clone3. Pids print as comparisons only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

static void show(const char *what, long r)
{
	printf("%-34s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static long pidfd_open(pid_t pid, unsigned flags)
{
	return syscall(434, pid, flags);
}

/* A pid no task has: the first from 30000 with no /proc entry. */
static pid_t free_pid(void)
{
	char path[32];
	pid_t pid = 30000;
	for (;; pid++) {
		snprintf(path, sizeof path, "/proc/%d", pid);
		if (access(path, F_OK) != 0)
			return pid;
	}
}

static long send_signal(int fd, int sig, unsigned flags)
{
	return syscall(424, fd, sig, NULL, flags);
}

static void poll_show(const char *what, int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };
	long r = poll(&p, 1, 0);
	printf("%-34s %ld revents %#x\n", what, r, p.revents);
}

static void waitid_show(const char *what, int fd, int options, pid_t child)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	long r = waitid(P_PIDFD, fd, &si, options);
	printf("%-34s %ld %s code %d status %d pid ok %d\n", what, r, r < 0 ? strerror(errno) : "", si.si_code, si.si_status,
	       si.si_pid == child);
}

int main(void)
{
	int go[2], ready[2];
	pipe(go);
	pipe(ready);
	show("pidfd_open bad flags", pidfd_open(getpid(), 1));
	show("pidfd_open pid 0", pidfd_open(0, 0));
	show("pidfd_open no such pid", pidfd_open(free_pid(), 0));
	int self = pidfd_open(getpid(), 0);
	show("pidfd_open self", self >= 0);
	printf("cloexec %d\n", fcntl(self, F_GETFD));
	poll_show("poll self", self);
	char buf[16];
	show("read a pidfd", read(self, buf, sizeof(buf)));

	pid_t child = fork();
	if (child == 0) {
		char c;
		int keep[2];
		pipe(keep);
		write(keep[1], "kept", 4);
		write(ready[1], "r", 1);
		read(go[0], &c, 1);
		_exit(7);
	}
	int pfd = pidfd_open(child, 0);
	show("pidfd_open child", pfd >= 0);
	int nb = pidfd_open(child, O_NONBLOCK);
	poll_show("poll running", pfd);
	int ep = epoll_create1(0);
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 42 }, out[2];
	show("epoll_ctl pidfd", epoll_ctl(ep, EPOLL_CTL_ADD, pfd, &ev));
	show("epoll_wait running", epoll_wait(ep, out, 2, 0));
	waitid_show("waitid nonblocking pidfd", nb, WEXITED, child);
	waitid_show("waitid WNOHANG", pfd, WEXITED | WNOHANG, child);
	/* The child's pipe (fd 8 in it, after go's, ready's and self's), copied out once it is made. */
	char r;
	read(ready[0], &r, 1);
	int got = syscall(438, pfd, 8, 0);
	show("pidfd_getfd", got >= 0);
	memset(buf, 0, sizeof(buf));
	read(got, buf, 4);
	printf("read through it: %s cloexec %d\n", buf, fcntl(got, F_GETFD));
	show("pidfd_getfd bad flags", syscall(438, pfd, 8, 1));
	show("pidfd_getfd bad target", syscall(438, pfd, 99, 0));
	show("pidfd_getfd not a pidfd", syscall(438, 1, 8, 0));
	write(go[1], "x", 1);
	struct pollfd p = { pfd, POLLIN, 0 };
	show("poll until exit", poll(&p, 1, -1));
	printf("revents %#x\n", p.revents);
	long n = epoll_wait(ep, out, 2, -1);
	printf("epoll_wait exited %ld data %u events %#x\n", n, out[0].data.u32, out[0].events);
	show("epoll_wait again (edge)", epoll_wait(ep, out, 2, 0));
	show("pidfd_send_signal zombie", send_signal(pfd, 0, 0));
	waitid_show("waitid P_PIDFD", pfd, WEXITED, child);
	poll_show("poll reaped", pfd);
	show("pidfd_send_signal reaped", send_signal(pfd, SIGTERM, 0));
	waitid_show("waitid reaped", pfd, WEXITED, child);
	waitid_show("waitid bad options", pfd, 0, child);
	waitid_show("waitid not a pidfd", 1, WEXITED, child);
	waitid_show("waitid bad fd", 99, WEXITED, child);

	child = fork();
	if (child == 0) {
		write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	read(ready[0], &r, 1);
	pfd = pidfd_open(child, 0);
	show("pidfd_send_signal bad flags", send_signal(pfd, SIGTERM, 8));
	show("pidfd_send_signal bad fd", send_signal(99, SIGTERM, 0));
	show("pidfd_send_signal not a pidfd", send_signal(1, SIGTERM, 0));
	show("pidfd_send_signal bad signal", send_signal(pfd, 99, 0));
	show("pidfd_send_signal SIGTERM", send_signal(pfd, SIGTERM, 0));
	waitid_show("waitid killed", pfd, WEXITED, child);
	close(pfd);

	int cfd = -1;
	/* Each child says it runs before its parent waits (strace -f reports its attach meanwhile). */
	char r2;
	child = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &cfd, 0, 0);
	if (child == 0) {
		write(ready[1], "r", 1);
		_exit(3);
	}
	read(ready[0], &r2, 1);
	show("clone CLONE_PIDFD", cfd >= 0);
	printf("cloexec %d\n", fcntl(cfd, F_GETFD));
	waitid_show("waitid clone's pidfd", cfd, WEXITED, child);
	show("clone PIDFD|PARENT_SETTID", syscall(SYS_clone, CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, 0, &cfd, 0, 0));

	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} args = { .flags = CLONE_PIDFD, .exit_signal = SIGCHLD };
	int c3 = -1;
	args.pidfd = (uintptr_t)&c3;
	child = syscall(435, &args, sizeof(args));
	if (child == 0) {
		write(ready[1], "r", 1);
		_exit(4);
	}
	read(ready[0], &r2, 1);
	show("clone3 CLONE_PIDFD", c3 >= 0);
	waitid_show("waitid clone3's pidfd", c3, WEXITED, child);
	return 0;
}
