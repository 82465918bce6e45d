/* SO_RCVTIMEO and SO_SNDTIMEO on AF_UNIX sockets: kept in jiffies
 * (HZ 250, what getsockopt reads back), a blocking recv, send, accept and
 * connect that gives up with EAGAIN once the time passed, a negative time
 * (no wait at all), bad values (EDOM, EINVAL), a signal whose handler asks
 * SA_RESTART still ending a timed wait with EINTR, MSG_OOB (a stream
 * socket's urgent byte is refused on datagram and packet sockets), and a
 * POSIX timer that starts a thread (SIGEV_THREAD). Times print as
 * comparisons only. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%-34s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void timeo(int fd, int opt, long sec, long usec, const char *what)
{
	struct timeval tv = { sec, usec }, back;
	socklen_t len = sizeof(back);
	show(what, setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)));
	getsockopt(fd, SOL_SOCKET, opt, &back, &len);
	printf("  reads back %ld.%06ld (len %u)\n", (long)back.tv_sec, (long)back.tv_usec, len);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static volatile int fired;
static timer_t t;

/* One expiry at a time: each call arms the next, until the third. */
static void tick(union sigval v)
{
	printf("SIGEV_THREAD call %d value %d\n", fired + 1, v.sival_int);
	struct itimerspec next = { { 0, 0 }, { 0, 20000000 } };
	if (fired < 2) timer_settime(t, 0, &next, NULL);
	fired++;
}

int main(void)
{
	int s[2], d[2];
	char buf[4096] = { 0 };
	struct timespec t0;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, s) || socketpair(AF_UNIX, SOCK_DGRAM, 0, d)) return 1;

	timeo(s[0], SO_RCVTIMEO, 0, 10000, "SO_RCVTIMEO 10 ms");
	timeo(s[0], SO_RCVTIMEO, 2, 500000, "SO_RCVTIMEO 2.5 s");
	timeo(s[0], SO_RCVTIMEO, 0, 1, "SO_RCVTIMEO 1 us");
	timeo(s[0], SO_RCVTIMEO, 0, 1000000, "SO_RCVTIMEO usec 1000000");
	timeo(s[0], SO_RCVTIMEO, 0, -1, "SO_RCVTIMEO usec -1");
	struct timeval shortv = { 0, 10000 };
	show("SO_RCVTIMEO optlen 8", setsockopt(s[0], SOL_SOCKET, SO_RCVTIMEO, &shortv, 8));
	timeo(s[0], SO_RCVTIMEO, 0, 20000, "SO_RCVTIMEO 20 ms");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("recv, nothing comes", recv(s[0], buf, sizeof(buf), 0));
	printf("  waited >= 20 ms: %d\n", ms_since(&t0) >= 20);
	send(s[1], "abc", 3, 0);
	show("recv, bytes there", recv(s[0], buf, sizeof(buf), 0));
	send(s[1], "abc", 3, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("recv MSG_WAITALL, 3 of 10", recv(s[0], buf, 10, MSG_WAITALL));
	printf("  waited >= 20 ms: %d\n", ms_since(&t0) >= 20);
	timeo(s[0], SO_RCVTIMEO, -1, 0, "SO_RCVTIMEO -1 s");
	show("recv, no wait", recv(s[0], buf, sizeof(buf), 0));
	timeo(s[0], SO_RCVTIMEO, 0, 0, "SO_RCVTIMEO 0 (for ever)");

	/* A handler with SA_RESTART: a timed wait still ends with EINTR. */
	struct sigaction sa = { 0 };
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	timeo(d[0], SO_RCVTIMEO, 1, 0, "dgram SO_RCVTIMEO 1 s");
	struct itimerval it = { { 0, 0 }, { 0, 30000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	show("dgram recv, a signal at 30 ms", recv(d[0], buf, sizeof(buf), 0));
	timeo(d[0], SO_RCVTIMEO, 0, 0, "dgram SO_RCVTIMEO 0");
	setitimer(ITIMER_REAL, &it, NULL);
	send(d[1], "x", 1, 0);
	show("dgram recv, untimed", recv(d[0], buf, sizeof(buf), 0));
	pause();

	/* A full stream socket: send waits SO_SNDTIMEO, then EAGAIN or what went. */
	timeo(s[1], SO_SNDTIMEO, 0, 40000, "SO_SNDTIMEO 40 ms");
	long total = 0, n;
	while ((n = send(s[1], buf, sizeof(buf), MSG_DONTWAIT)) > 0) total += n;
	printf("filled with %d\n", total > 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("send to a full socket", send(s[1], buf, sizeof(buf), 0));
	printf("  waited >= 40 ms: %d\n", ms_since(&t0) >= 40);

	/* accept waits SO_RCVTIMEO; connect to a full backlog waits SO_SNDTIMEO. */
	int l = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "sotimeo%08d", getpid());
	socklen_t alen = offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1);
	show("bind", bind(l, (struct sockaddr *)&a, alen));
	show("listen 0", listen(l, 0));
	timeo(l, SO_RCVTIMEO, 0, 30000, "listener SO_RCVTIMEO 30 ms");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("accept, no one comes", accept(l, NULL, NULL));
	printf("  waited >= 30 ms: %d\n", ms_since(&t0) >= 30);
	int c1 = socket(AF_UNIX, SOCK_STREAM, 0), c2 = socket(AF_UNIX, SOCK_STREAM, 0);
	show("connect, the backlog's one", connect(c1, (struct sockaddr *)&a, alen));
	timeo(c2, SO_SNDTIMEO, 0, 30000, "SO_SNDTIMEO 30 ms");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	show("connect, backlog full", connect(c2, (struct sockaddr *)&a, alen));
	printf("  waited >= 30 ms: %d\n", ms_since(&t0) >= 30);

	/* MSG_OOB: datagram and packet sockets refuse it. */
	int q[2];
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, q);
	show("dgram send MSG_OOB", send(d[0], "z", 1, MSG_OOB));
	show("seqpacket send MSG_OOB", send(q[0], "z", 1, MSG_OOB));
	show("dgram recv MSG_OOB", recv(d[1], buf, 1, MSG_OOB | MSG_DONTWAIT));
	show("seqpacket recv MSG_OOB", recv(q[1], buf, 1, MSG_OOB | MSG_DONTWAIT));

	/* SIGEV_THREAD: the C library's thread calls the function at each expiry. */
	struct sigevent ev = { 0 };
	ev.sigev_notify = SIGEV_THREAD;
	ev.sigev_notify_function = tick;
	ev.sigev_value.sival_int = 42;
	show("timer_create SIGEV_THREAD", timer_create(CLOCK_MONOTONIC, &ev, &t));
	struct itimerspec its = { { 0, 0 }, { 0, 20000000 } };
	show("timer_settime 20 ms", timer_settime(t, 0, &its, NULL));
	struct timespec nap = { 0, 5000000 };
	while (fired < 3) nanosleep(&nap, NULL);
	show("timer_delete", timer_delete(t));
	return 0;
}
