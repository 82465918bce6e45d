/* Named AF_UNIX sockets: socket, bind (a path in a fresh directory under
 * /tmp, an abstract name, autobind), listen, accept4, connect (its errors,
 * a full backlog, a child connecting while the parent blocks in accept),
 * getsockname and getpeername's lengths, datagrams to a named socket,
 * sendmsg and recvmsg with iovecs, MSG_TRUNC, MSG_PEEK, MSG_WAITALL,
 * SCM_RIGHTS (across fork) and SCM_CREDENTIALS, socket options, SIGPIPE,
 * and poll readiness of a listener. Pids print as comparisons only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%-34s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static char dir[64];

static socklen_t path_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, name);
	return offsetof(struct sockaddr_un, sun_path) + strlen(a->sun_path) + 1;
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	/* The directory's random suffix keeps parallel runs apart. */
	int n = snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "%s%s", dir + 5, name);
	return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}

static void names(const char *what, int fd)
{
	struct sockaddr_un a;
	socklen_t len = sizeof(a);
	long r = getsockname(fd, (struct sockaddr *)&a, &len);
	printf("%-20s getsockname %ld len %u family %d abstract %d", what, r, len, a.sun_family, len > 2 && a.sun_path[0] == 0);
	len = sizeof(a);
	r = getpeername(fd, (struct sockaddr *)&a, &len);
	printf(" getpeername %ld len %u %s\n", r, r < 0 ? 0 : len, r < 0 ? strerror(errno) : "");
}

static void send_fd(int sock, int fd, const char *data)
{
	char ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { (void *)data, strlen(data) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	show("sendmsg SCM_RIGHTS", sendmsg(sock, &m, 0));
}

static int recv_fd(int sock, size_t ctlsize)
{
	char ctl[64], buf[32] = { 0 };
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = ctlsize };
	long r = recvmsg(sock, &m, 0);
	int fd = -1;
	printf("recvmsg rights %ld \"%s\" flags %#x controllen %zu", r, buf, m.msg_flags, (size_t)m.msg_controllen);
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		printf(" [level %d type %d len %zu]", c->cmsg_level, c->cmsg_type, (size_t)c->cmsg_len);
		if (c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	}
	printf("\n");
	return fd;
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	strcpy(dir, "/tmp/flsockXXXXXX");
	if (!mkdtemp(dir) || chdir(dir) != 0)
		return 1;
	struct sockaddr_un a, b;
	socklen_t alen, blen;
	struct stat st;
	char buf[256];
	/* Not a socket (the standard streams may be sockets, as a test runner's pipes are). */
	int nosock = open("/dev/null", O_RDONLY);

	show("socket ipx", socket(4, SOCK_DGRAM, 0));
	show("socket bad family", socket(99, SOCK_STREAM, 0));
	show("socket bad type", socket(AF_UNIX, 12, 0));
	show("socket type 4", socket(AF_UNIX, 4, 0));
	show("socket bad proto", socket(AF_UNIX, SOCK_STREAM, 2));
	show("socket bad flags", socket(AF_UNIX, SOCK_STREAM | 0x100, 0));
	show("socketpair ipx", socketpair(4, SOCK_STREAM, 0, (int[2]){}));

	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	names("unbound", srv);
	show("listen unbound", listen(srv, 5));
	show("accept not listening", accept(srv, NULL, NULL));
	alen = path_addr(&a, "srv");
	show("bind short", bind(srv, (struct sockaddr *)&a, 1));
	show("bind too long", bind(srv, (struct sockaddr *)&a, sizeof(a) + 1));
	a.sun_family = AF_INET;
	show("bind wrong family", bind(srv, (struct sockaddr *)&a, alen));
	a.sun_family = AF_UNIX;
	show("bind bad fd", bind(99, (struct sockaddr *)&a, alen));
	show("bind not a socket", bind(nosock, (struct sockaddr *)&a, alen));
	show("bind bad address", bind(srv, (struct sockaddr *)8, alen));
	show("bind path", bind(srv, (struct sockaddr *)&a, alen));
	names("bound", srv);
	show("stat socket path", stat(a.sun_path, &st));
	printf("mode %o size %lld nlink %ld\n", st.st_mode, (long long)st.st_size, (long)st.st_nlink);
	show("open socket path", open(a.sun_path, O_RDONLY));
	show("bind again", bind(srv, (struct sockaddr *)&a, alen));
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	show("bind in use", bind(other, (struct sockaddr *)&a, alen));
	blen = path_addr(&b, "second");
	show("bind bound socket elsewhere", bind(srv, (struct sockaddr *)&b, blen));
	show("stat second path", stat(b.sun_path, &st));
	blen = path_addr(&b, "nodir/x");
	show("bind missing dir", bind(other, (struct sockaddr *)&b, blen));
	/* A path that fills sun_path without a NUL. */
	memset(&b, 'x', sizeof(b));
	b.sun_family = AF_UNIX;
	show("bind unterminated", bind(other, (struct sockaddr *)&b, sizeof(b)));

	blen = path_addr(&b, "nobody");
	int cl = socket(AF_UNIX, SOCK_STREAM, 0);
	show("connect missing", connect(cl, (struct sockaddr *)&b, blen));
	show("connect not listening", connect(cl, (struct sockaddr *)&a, alen));
	int fdg = socket(AF_UNIX, SOCK_DGRAM, 0);
	show("connect wrong type", connect(fdg, (struct sockaddr *)&a, alen));
	close(fdg);
	show("connect bad len", connect(cl, (struct sockaddr *)&a, 200));
	show("connect bad fd", connect(99, (struct sockaddr *)&a, alen));
	show("connect not a socket", connect(nosock, (struct sockaddr *)&a, alen));
	show("connect a file", connect(cl, (struct sockaddr *)&(struct sockaddr_un){ AF_UNIX, "/proc/self/stat" }, 18));

	show("listen", listen(srv, 1));
	show("listen again", listen(srv, 2));
	show("listen dgram", listen(socket(AF_UNIX, SOCK_DGRAM, 0), 1));
	int on = 0;
	socklen_t ol = sizeof(on);
	getsockopt(srv, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol);
	printf("SO_ACCEPTCONN %d len %u\n", on, ol);
	struct pollfd pfd = { srv, POLLIN | POLLOUT, 0 };
	show("poll listener empty", poll(&pfd, 1, 0));
	printf("revents %#x\n", pfd.revents);
	show("connect", connect(cl, (struct sockaddr *)&a, alen));
	show("poll listener ready", poll(&pfd, 1, 0));
	printf("revents %#x\n", pfd.revents);
	show("write before accept", write(cl, "early", 5));
	names("client", cl);
	show("connect again", connect(cl, (struct sockaddr *)&a, alen));
	int cl2 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	show("connect second", connect(cl2, (struct sockaddr *)&a, alen));
	int cl3 = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	show("connect backlog full", connect(cl3, (struct sockaddr *)&a, alen));
	socklen_t plen = 1;
	memset(&b, 0, sizeof(b));
	int acc = accept4(srv, (struct sockaddr *)&b, &plen, SOCK_CLOEXEC);
	show("accept4 cloexec", acc);
	printf("peer len %u fd flags %d\n", plen, fcntl(acc, F_GETFD));
	names("accepted", acc);
	memset(buf, 0, sizeof(buf));
	show("read accepted", read(acc, buf, sizeof(buf)));
	printf("got %s\n", buf);
	show("connect after accept", connect(cl3, (struct sockaddr *)&a, alen));
	int acc2 = accept4(srv, NULL, NULL, SOCK_NONBLOCK);
	show("accept4 nonblock", acc2);
	printf("fl nonblock %d\n", (fcntl(acc2, F_GETFL) & O_NONBLOCK) != 0);
	int acc3 = accept(srv, NULL, NULL);
	show("accept third", acc3);
	fcntl(srv, F_SETFL, O_NONBLOCK);
	show("accept empty nonblock", accept(srv, NULL, NULL));
	fcntl(srv, F_SETFL, 0);

	int sv;
	socklen_t svl = sizeof(sv);
	getsockopt(acc, SOL_SOCKET, SO_TYPE, &sv, &svl);
	printf("SO_TYPE %d\n", sv);
	getsockopt(acc, SOL_SOCKET, SO_DOMAIN, &sv, &svl);
	printf("SO_DOMAIN %d\n", sv);
	getsockopt(acc, SOL_SOCKET, SO_PROTOCOL, &sv, &svl);
	printf("SO_PROTOCOL %d\n", sv);
	getsockopt(acc, SOL_SOCKET, SO_SNDBUF, &sv, &svl);
	printf("SO_SNDBUF %d\n", sv);
	getsockopt(acc, SOL_SOCKET, SO_RCVBUF, &sv, &svl);
	printf("SO_RCVBUF %d\n", sv);
	sv = 10000;
	show("SO_SNDBUF set", setsockopt(acc, SOL_SOCKET, SO_SNDBUF, &sv, sizeof(sv)));
	getsockopt(acc, SOL_SOCKET, SO_SNDBUF, &sv, &svl);
	printf("SO_SNDBUF %d\n", sv);
	sv = 1;
	setsockopt(acc, SOL_SOCKET, SO_RCVBUF, &sv, sizeof(sv));
	getsockopt(acc, SOL_SOCKET, SO_RCVBUF, &sv, &svl);
	printf("SO_RCVBUF %d\n", sv);
	show("setsockopt short", setsockopt(acc, SOL_SOCKET, SO_SNDBUF, &sv, 2));
	show("setsockopt SO_TYPE", setsockopt(acc, SOL_SOCKET, SO_TYPE, &sv, sizeof(sv)));
	show("getsockopt unknown", getsockopt(acc, SOL_SOCKET, 1000, &sv, &svl));
	show("getsockopt tcp level", getsockopt(acc, 6, 1, &sv, &svl));
	show("getsockopt not a socket", getsockopt(nosock, SOL_SOCKET, SO_TYPE, &sv, &svl));
	svl = 2;
	sv = -1;
	getsockopt(acc, SOL_SOCKET, SO_TYPE, &sv, &svl);
	printf("short SO_TYPE %#x len %u\n", sv, svl);
	struct ucred uc;
	socklen_t ucl = sizeof(uc);
	show("SO_PEERCRED", getsockopt(acc, SOL_SOCKET, SO_PEERCRED, &uc, &ucl));
	printf("pid is mine %d uid %d gid %d len %u\n", uc.pid == getpid(), uc.uid, uc.gid, ucl);
	ucl = sizeof(uc);
	getsockopt(other, SOL_SOCKET, SO_PEERCRED, &uc, &ucl);
	printf("unconnected peercred pid %d uid %d gid %d\n", uc.pid, uc.uid, uc.gid);
	svl = sizeof(sv);
	show("SO_ERROR", getsockopt(acc, SOL_SOCKET, SO_ERROR, &sv, &svl));
	printf("error %d\n", sv);

	/* iovecs, MSG_WAITALL, MSG_PEEK */
	struct iovec iov[3] = { { "one ", 4 }, { "two ", 4 }, { "three", 5 } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 3 };
	show("sendmsg iovecs", sendmsg(cl, &m, 0));
	char p1[3], p2[20];
	memset(p2, 0, sizeof(p2));
	struct iovec riov[2] = { { p1, 3 }, { p2, 19 } };
	struct msghdr rm = { .msg_iov = riov, .msg_iovlen = 2 };
	show("recvmsg peek", recvmsg(acc, &rm, MSG_PEEK));
	show("recvmsg iovecs", recvmsg(acc, &rm, 0));
	printf("got %.3s|%s flags %#x namelen %u\n", p1, p2, rm.msg_flags, rm.msg_namelen);
	show("sendmsg bad iovlen", sendmsg(cl, &(struct msghdr){ .msg_iovlen = 1025 }, 0));
#ifdef __GLIBC__
	/* musl's sendmsg reads the msghdr itself first. */
	show("sendmsg bad msghdr", sendmsg(cl, (struct msghdr *)8, 0));
#endif
	show("sendmsg compat flag", sendmsg(cl, &m, 0x80000000));
	show("recv dontwait empty", recv(acc, buf, sizeof(buf), MSG_DONTWAIT));
	show("recv a listener", recv(srv, buf, sizeof(buf), MSG_DONTWAIT));
	show("send unconnected", send(other, "x", 1, 0));
	show("sendto on stream", sendto(cl, "x", 1, 0, (struct sockaddr *)&a, alen));
	show("sendto unconnected stream", sendto(other, "x", 1, 0, (struct sockaddr *)&a, alen));

	/* A child writes in pieces; the parent's MSG_WAITALL waits for all.
	 * The child says it runs first (strace -f reports its attach meanwhile). */
	int wa[2];
	pipe(wa);
	pid_t child = fork();
	if (child == 0) {
		write(wa[1], "w", 1);
		write(cl, "abc", 3);
		write(cl, "defgh", 5);
		_exit(0);
	}
	read(wa[0], buf, 1);
	memset(buf, 0, sizeof(buf));
	show("recv waitall", recv(acc, buf, 8, MSG_WAITALL));
	printf("got %s\n", buf);
	waitpid(child, NULL, 0);

	/* A child's connection; each side waits for the other on a pipe, so
	 * that no traced call of one wakes a traced call of the other. */
	int hs[2];
	pipe(hs);
	child = fork();
	if (child == 0) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		connect(c, (struct sockaddr *)&a, alen);
		write(c, "from child", 10);
		write(hs[1], "c", 1);
		char go[2];
		read(c, go, 2);
		/* An open file passed to the parent over the connection. */
		int pfds[2];
		pipe(pfds);
		write(pfds[1], "through a passed pipe", 21);
		send_fd(c, pfds[0], "fd");
		write(hs[1], "s", 1);
		close(pfds[0]);
		close(pfds[1]);
		char ack[8];
		read(c, ack, sizeof(ack));
		_exit(0);
	}
	char hc;
	read(hs[0], &hc, 1);
	int acc4 = accept(srv, NULL, NULL);
	show("accept", acc4 >= 0);
	memset(buf, 0, sizeof(buf));
	show("read from child", recv(acc4, buf, 10, MSG_WAITALL));
	printf("got %s\n", buf);
	write(acc4, "go", 2);
	read(hs[0], &hc, 1);
	int passed = recv_fd(acc4, 64);
	memset(buf, 0, sizeof(buf));
	show("read passed pipe", read(passed, buf, sizeof(buf)));
	printf("got %s\n", buf);
	write(acc4, "ok", 2);
	waitpid(child, NULL, 0);

	/* SCM_RIGHTS: a control buffer too small, none at all, a bad fd. */
	send_fd(cl, 0, "a");
	recv_fd(acc, 16);
	send_fd(cl, 0, "b");
	show("read drops rights", read(acc, buf, sizeof(buf)));
	send_fd(cl, 77, "c");
	int two[2] = { 0, 1 };
	char ctl2[CMSG_SPACE(2 * sizeof(int))];
	struct iovec one = { "d", 1 };
	struct msghdr m2 = { .msg_iov = &one, .msg_iovlen = 1, .msg_control = ctl2, .msg_controllen = sizeof(ctl2) };
	struct cmsghdr *c2 = CMSG_FIRSTHDR(&m2);
	c2->cmsg_level = SOL_SOCKET;
	c2->cmsg_type = SCM_RIGHTS;
	c2->cmsg_len = CMSG_LEN(2 * sizeof(int));
	memcpy(CMSG_DATA(c2), two, sizeof(two));
	show("sendmsg two fds", sendmsg(cl, &m2, 0));
	recv_fd(acc, CMSG_LEN(sizeof(int)) + 4);
	c2->cmsg_len = 8;
	show("sendmsg short cmsg", sendmsg(cl, &m2, 0));
	c2->cmsg_len = CMSG_LEN(2 * sizeof(int));
	c2->cmsg_type = 99;
	show("sendmsg bad cmsg type", sendmsg(cl, &m2, 0));
	c2->cmsg_level = 6;
	show("sendmsg other level", sendmsg(cl, &m2, 0));
	recv(acc, buf, sizeof(buf), MSG_DONTWAIT);

	/* SCM_CREDENTIALS with SO_PASSCRED. */
	on = 1;
	show("SO_PASSCRED", setsockopt(acc, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)));
	write(cl, "cred", 4);
	char cctl[CMSG_SPACE(sizeof(struct ucred))];
	struct iovec ci = { buf, sizeof(buf) };
	struct msghdr cm = { .msg_iov = &ci, .msg_iovlen = 1, .msg_control = cctl, .msg_controllen = sizeof(cctl) };
	show("recvmsg creds", recvmsg(acc, &cm, 0));
	struct cmsghdr *cc = CMSG_FIRSTHDR(&cm);
	struct ucred got;
	memcpy(&got, cctl + CMSG_LEN(0), sizeof(got));
	printf("cmsg type %d len %zu pid mine %d uid %d gid %d flags %#x\n", cc->cmsg_type, (size_t)cc->cmsg_len, got.pid == getpid(), got.uid, got.gid, cm.msg_flags);
	write(cl, "cred", 4);
	cm.msg_control = NULL;
	cm.msg_controllen = 0;
	show("recvmsg creds no buffer", recvmsg(acc, &cm, 0));
	printf("flags %#x\n", cm.msg_flags);
	on = 0;
	setsockopt(acc, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));

	/* Abstract names and autobind. */
	int ab = socket(AF_UNIX, SOCK_DGRAM, 0);
	alen = abstract_addr(&b, "dg");
	show("bind abstract", bind(ab, (struct sockaddr *)&b, alen));
	names("abstract", ab);
	int ab2 = socket(AF_UNIX, SOCK_DGRAM, 0);
	show("bind abstract in use", bind(ab2, (struct sockaddr *)&b, alen));
	int abs = socket(AF_UNIX, SOCK_STREAM, 0);
	show("bind abstract other type", bind(abs, (struct sockaddr *)&b, alen));
	show("bind autobind", bind(ab2, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, sizeof(sa_family_t)));
	names("autobound", ab2);
	show("bind autobind again", bind(ab2, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, sizeof(sa_family_t)));
	show("sendto abstract", sendto(ab2, "datagram", 8, 0, (struct sockaddr *)&b, alen));
	show("sendto long", sendto(ab2, "and a longer one", 16, 0, (struct sockaddr *)&b, alen));
	struct sockaddr_un from;
	socklen_t fromlen = sizeof(from);
	memset(buf, 0, sizeof(buf));
	show("recvfrom", recvfrom(ab, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen));
	printf("got %s from len %u abstract %d\n", buf, fromlen, from.sun_path[0] == 0);
	struct iovec ti = { buf, 4 };
	struct msghdr tm = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &ti, .msg_iovlen = 1 };
	show("recvmsg truncated", recvmsg(ab, &tm, MSG_PEEK | MSG_TRUNC));
	printf("flags %#x namelen %u\n", tm.msg_flags, tm.msg_namelen);
	show("recvmsg truncated", recvmsg(ab, &tm, 0));
	printf("flags %#x got %.4s\n", tm.msg_flags, buf);
	int un = socket(AF_UNIX, SOCK_DGRAM, 0);
	show("sendto from unbound", sendto(un, "anon", 4, 0, (struct sockaddr *)&b, alen));
	fromlen = sizeof(from);
	show("recvfrom unbound sender", recvfrom(ab, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fromlen));
	printf("from len %u\n", fromlen);
	blen = abstract_addr(&a, "none");
	show("sendto no such name", sendto(un, "x", 1, 0, (struct sockaddr *)&a, blen));
	show("send unconnected dgram", send(un, "x", 1, 0));
	show("connect dgram", connect(un, (struct sockaddr *)&b, alen));
	names("dgram connected", un);
	show("send connected dgram", send(un, "conn", 4, 0));
	show("connect family only", connect(ab, (struct sockaddr *)&(sa_family_t){ AF_UNIX }, sizeof(sa_family_t)));
	int xp = socket(AF_UNIX, SOCK_DGRAM, 0);
	blen = abstract_addr(&a, "peer");
	bind(xp, (struct sockaddr *)&a, blen);
	show("connect ab elsewhere", connect(ab, (struct sockaddr *)&a, blen));
	show("sendto to a connected one", sendto(ab2, "x", 1, 0, (struct sockaddr *)&b, alen));
	show("sendto from its peer", sendto(xp, "x", 1, 0, (struct sockaddr *)&b, alen));
	show("connect ab back", connect(ab, (struct sockaddr *)&(sa_family_t){ AF_UNSPEC }, sizeof(sa_family_t)));
	recv(ab, buf, sizeof(buf), MSG_DONTWAIT);
	show("connect unspec", connect(un, (struct sockaddr *)&(sa_family_t){ AF_UNSPEC }, sizeof(sa_family_t)));
	show("send after unspec", send(un, "x", 1, 0));
	int q = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int queued = 0;
	while (sendto(q, "q", 1, 0, (struct sockaddr *)&b, alen) == 1 && queued < 100)
		queued++;
	printf("queued %d then %s\n", queued, strerror(errno));
	close(ab);
	show("sendto closed name", sendto(q, "q", 1, 0, (struct sockaddr *)&b, alen));

	/* SIGPIPE and EPIPE on a stream whose peer is gone; MSG_NOSIGNAL. */
	close(acc);
	show("send peer closed", send(cl, "x", 1, MSG_NOSIGNAL));
	signal(SIGPIPE, SIG_DFL);
	child = fork();
	if (child == 0) {
		write(cl, "x", 1);
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	printf("child killed %d by %d\n", WIFSIGNALED(status), WTERMSIG(status));
	int sp[2];
	socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sp);
	close(sp[1]);
	show("seqpacket write, no signal", write(sp[0], "x", 1));

	/* A connection the listener never accepted, reset when it closes. */
	int lost = socket(AF_UNIX, SOCK_STREAM, 0);
	alen = path_addr(&a, "srv");
	show("connect lost", connect(lost, (struct sockaddr *)&a, alen));
	close(srv);
	show("read reset", read(lost, buf, sizeof(buf)));
	show("read after reset", read(lost, buf, sizeof(buf)));
	show("connect closed listener", connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
	show("unlink socket", unlink(a.sun_path));
	show("connect unlinked", connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&a, alen));
	memset(buf, 'x', 108);
	buf[108] = 0;
	unlink(buf);
	chdir("/");
	show("rmdir", rmdir(dir));
	return 0;
}
