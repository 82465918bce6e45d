/* The event primitives: eventfd (counter and semaphore), epoll on pipes,
 * eventfds and sockets (level- and edge-triggered, one-shot, the ctl
 * errors), socketpair(AF_UNIX) streams, packets and datagrams with read,
 * write, send, recv and shutdown, and a child process talking over them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%-34s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static void wait_show(int ep, int max, int timeout)
{
	struct epoll_event ev[8];
	int n = epoll_wait(ep, ev, max, timeout);
	printf("epoll_wait(%d): %d", max, n);
	for (int i = 0; i < n; i++)
		printf(" [fd %d: %#x]", ev[i].data.fd, ev[i].events);
	printf("\n");
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	uint64_t v = 0;
	int efd = eventfd(3, EFD_NONBLOCK);
	show("read eventfd", read(efd, &v, 8));
	printf("value %llu\n", (unsigned long long)v);
	show("read eventfd empty", read(efd, &v, 8));
	show("read eventfd short", read(efd, &v, 4));
	v = 5;
	show("write eventfd", write(efd, &v, 8));
	show("write eventfd", write(efd, &v, 8));
	v = UINT64_MAX;
	show("write eventfd max", write(efd, &v, 8));
	v = UINT64_MAX - 11;
	show("write eventfd full", write(efd, &v, 8));
	show("read eventfd", read(efd, &v, 8));
	printf("value %llu\n", (unsigned long long)v);
	show("eventfd2 bad flags", eventfd(0, 0x10));
	struct stat st;
	fstat(efd, &st);
	printf("eventfd mode %o\n", st.st_mode);
	int sem = eventfd(2, EFD_SEMAPHORE | EFD_NONBLOCK);
	for (int i = 0; i < 3; i++) {
		long r = read(sem, &v, 8);
		printf("semaphore read %ld value %llu\n", r, r > 0 ? (unsigned long long)v : 0ULL);
	}
	struct pollfd pfd = { efd, POLLIN | POLLOUT, 0 };
	show("poll eventfd", poll(&pfd, 1, 0));
	printf("revents %#x\n", pfd.revents);

	int p[2];
	pipe(p);
	int ep = epoll_create1(EPOLL_CLOEXEC);
	show("epoll_create1 bad flags", epoll_create1(1));
	show("epoll_create 0", epoll_create(0));
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = p[0] };
	show("ctl add pipe", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	show("ctl add again", epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev));
	ev.data.fd = efd;
	ev.events = EPOLLIN | EPOLLOUT;
	show("ctl add eventfd", epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev));
	show("ctl add itself", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
	int reg = open("/proc/self/exe", O_RDONLY);
	show("ctl add regular file", epoll_ctl(ep, EPOLL_CTL_ADD, reg, &ev));
	show("ctl del missing", epoll_ctl(ep, EPOLL_CTL_DEL, p[1], NULL));
	show("ctl bad op", epoll_ctl(ep, 9, p[0], &ev));
	show("ctl on a non-epoll", epoll_ctl(efd, EPOLL_CTL_ADD, p[0], &ev));
	show("ctl bad fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev));
	show("epoll_wait bad max", epoll_wait(ep, (struct epoll_event[1]){}, 0, 0));
	wait_show(ep, 8, 0);
	write(p[1], "x", 1);
	wait_show(ep, 8, 0);
	wait_show(ep, 1, 0);
	wait_show(ep, 1, 0);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.fd = p[0];
	show("ctl mod pipe ET", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	show("ctl del eventfd", epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL));
	wait_show(ep, 8, 0);
	wait_show(ep, 8, 0);
	write(p[1], "y", 1);
	wait_show(ep, 8, 0);
	char buf[64];
	show("read pipe", read(p[0], buf, sizeof(buf)));
	ev.events = EPOLLIN | EPOLLONESHOT;
	show("ctl mod pipe oneshot", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	write(p[1], "z", 1);
	wait_show(ep, 8, 0);
	wait_show(ep, 8, 0);
	show("ctl mod rearm", epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev));
	wait_show(ep, 8, 0);
	read(p[0], buf, sizeof(buf));
	close(p[1]);
	ev.events = EPOLLIN;
	epoll_ctl(ep, EPOLL_CTL_MOD, p[0], &ev);
	wait_show(ep, 8, 0);

	int sv[2];
	show("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	fstat(sv[0], &st);
	printf("socket is a socket %d\n", S_ISSOCK(st.st_mode));
	show("socketpair ipx", socketpair(4 /* AF_IPX: no such family here or in faultline */, SOCK_STREAM, 0, (int[2]){}));
	show("socketpair bad proto", socketpair(AF_UNIX, SOCK_STREAM, 7, (int[2]){}));
	show("socketpair bad type flags", socketpair(AF_UNIX, SOCK_STREAM | 0x100, 0, (int[2]){}));
	int *volatile unmapped = (int *)8;
	show("socketpair bad address", socketpair(AF_UNIX, SOCK_STREAM, 0, unmapped));
	show("write a", write(sv[0], "hello", 5));
	show("send a", send(sv[0], " world", 6, 0));
	memset(buf, 0, sizeof(buf));
	show("recv b peek", recv(sv[1], buf, 3, MSG_PEEK));
	show("read b", read(sv[1], buf, sizeof(buf)));
	printf("b got: %s\n", buf);
	show("recv b dontwait", recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT));
	show("send on a pipe", send(p[0], "x", 1, 0));
	show("lseek a socket", lseek(sv[0], 0, SEEK_SET));
	ev.events = EPOLLIN | EPOLLRDHUP;
	ev.data.fd = sv[1];
	epoll_ctl(ep, EPOLL_CTL_ADD, sv[1], &ev);
	show("shutdown a write", shutdown(sv[0], SHUT_WR));
	wait_show(ep, 8, 0);
	show("read b at eof", read(sv[1], buf, sizeof(buf)));
	show("write a after shutdown", write(sv[0], "x", 1));
	show("write b", write(sv[1], "back", 4));
	show("read a", read(sv[0], buf, sizeof(buf)));
	show("shutdown bad how", shutdown(sv[0], 5));
	show("shutdown not a socket", shutdown(p[0], SHUT_RD));
	close(sv[0]);
	show("write b, a closed", write(sv[1], "x", 1));
	pfd.fd = sv[1];
	pfd.events = POLLIN | POLLOUT;
	poll(&pfd, 1, 0);
	printf("b revents %#x\n", pfd.revents);
	close(sv[1]);

	show("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv));
	write(sv[0], "one", 3);
	write(sv[0], "three", 5);
	memset(buf, 0, sizeof(buf));
	show("read dgram", read(sv[1], buf, 2));
	show("read dgram", read(sv[1], buf, sizeof(buf)));
	show("read dgram empty", read(sv[1], buf, sizeof(buf)));
	close(sv[1]);
	show("write dgram, peer gone", write(sv[0], "x", 1));
	show("write dgram again", write(sv[0], "x", 1));
	close(sv[0]);

	show("socketpair seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
	write(sv[0], "abc", 3);
	write(sv[0], "de", 2);
	show("read seqpacket", read(sv[1], buf, sizeof(buf)));
	close(sv[0]);
	show("read seqpacket", read(sv[1], buf, sizeof(buf)));
	show("read seqpacket eof", read(sv[1], buf, sizeof(buf)));
	close(sv[1]);

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	int efd2 = eventfd(0, 0);
	pid_t child = fork();
	if (child == 0) {
		close(sv[0]);
		char big[100000];
		memset(big, 'q', sizeof(big));
		long n = read(sv[1], buf, sizeof(buf));
		write(sv[1], big, sizeof(big));
		write(sv[1], buf, n);
		uint64_t one = 1;
		write(efd2, &one, 8);
		_exit(0);
	}
	close(sv[1]);
	int ep2 = epoll_create(4);
	ev.events = EPOLLIN;
	ev.data.fd = efd2;
	epoll_ctl(ep2, EPOLL_CTL_ADD, efd2, &ev);
	write(sv[0], "ping", 4);
	long total = 0, r;
	char tail[5] = { 0 };
	while ((r = read(sv[0], buf, sizeof(buf))) > 0) {
		for (long i = 0; i < r; i++) {
			memmove(tail, tail + 1, 3);
			tail[3] = buf[i];
		}
		total += r;
	}
	printf("parent read %ld bytes, ending %s\n", total, tail);
	wait_show(ep2, 4, -1);
	read(efd2, &v, 8);
	printf("eventfd from child %llu\n", (unsigned long long)v);
	int status;
	waitpid(child, &status, 0);
	printf("child exited %d\n", WEXITSTATUS(status));
	return 0;
}
