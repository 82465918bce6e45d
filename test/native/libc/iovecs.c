/* The iovec arrays of readv, writev, preadv, pwritev, preadv2, pwritev2,
 * sendmsg, recvmsg, sendmmsg and recvmmsg, read by one import_iovec: more
 * than UIO_MAXIOV (1024) pieces, a negative length, an unreadable array
 * (none read when the count is 0), a piece past the user address space
 * (access_ok on each piece of several, on the clamped length of one), the
 * total clamped at MAX_RW_COUNT, and each call's checks before it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	printf("%-34s %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static char buf[8192];
static struct iovec v[1100];

int main(void)
{
	int p[2], s[2];
	char path[] = "/tmp/iovecsXXXXXX";
	int fd = mkstemp(path);
	if (fd < 0 || pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, s)) return 1;
	for (int i = 0; i < 1100; i++) v[i] = (struct iovec){ buf, 1 };
	/* Two writable pages, the third unmapped: a long piece stops at its end
	 * (at a fixed address, so that MAX_RW_COUNT past it is user space). */
	char *two = mmap((void *)0x10000000, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (two == MAP_FAILED) return 1;
	munmap(two + 8192, 4096);
	long cnt = 1025, neg1 = -1;
	size_t all = -1;
	struct iovec negative[2] = { { buf, 1 }, { buf, (size_t)-1 } };
	struct iovec huge[2] = { { buf, 1 }, { buf, (size_t)1 << 62 } };
	struct iovec huge1[1] = { { two, (size_t)1 << 62 } };
	struct iovec intmax[2] = { { two, 0x7fffffff }, { buf, 0x7fffffff } };
	struct iovec zero[3] = { { buf, 0 }, { NULL, 0 }, { buf, 2 } };

	show("writev 1024 pieces", writev(p[1], v, 1024));
	show("writev 1025 pieces", syscall(SYS_writev, p[1], v, cnt));
	show("writev -1 pieces", syscall(SYS_writev, p[1], v, neg1));
	show("writev 0 pieces", writev(p[1], v, 0));
	show("writev unreadable array", syscall(SYS_writev, p[1], 8L, 2L));
	show("writev unreadable array, 0", syscall(SYS_writev, p[1], 8L, 0L));
	show("writev negative length", writev(p[1], negative, 2));
	show("writev 2^62 of 2 pieces", writev(fd, huge, 2));
	show("writev 2^62 alone", writev(fd, huge1, 1));
	show("writev past INT_MAX", writev(fd, intmax, 2));
	show("writev empty pieces", writev(fd, zero, 3));
	show("writev bad fd, 1025", syscall(SYS_writev, 99, v, cnt));
	show("writev read end, 1025", syscall(SYS_writev, p[0], v, cnt));
	show("readv 1025 pieces", syscall(SYS_readv, p[0], v, cnt));
	show("readv negative length", readv(p[0], negative, 2));
	show("readv write end, 1025", syscall(SYS_readv, p[1], v, cnt));
	show("readv 3", readv(p[0], v, 3));
	show("preadv 1025 pieces", syscall(SYS_preadv, fd, v, cnt, 0L, 0L));
	show("preadv pipe, 1025", syscall(SYS_preadv, p[0], v, cnt, 0L, 0L));
	show("preadv -1, 1025", syscall(SYS_preadv, fd, v, cnt, -1L, 0L));
	show("pwritev negative length", pwritev(fd, negative, 2, 0));
	show("pwritev 3 at 1", pwritev(fd, v, 3, 1));
	show("preadv2 1025 pieces", syscall(SYS_preadv2, fd, v, cnt, 0L, 0L, 0L));
	show("pwritev2 negative length", syscall(SYS_pwritev2, fd, negative, 2L, 0L, 0L, 0L));
	show("pwritev2 3 at 0", syscall(SYS_pwritev2, fd, v, 3L, 0L, 0L, 0L));
	show("lseek 5", lseek(fd, 5, SEEK_SET));
	show("preadv2 3 at -1 (the position)", syscall(SYS_preadv2, fd, v, 3L, -1L, 0L, 0L));
	show("lseek now", lseek(fd, 0, SEEK_CUR));
	show("pwritev2 3 at -1 (the position)", syscall(SYS_pwritev2, fd, v, 3L, -1L, 0L, 0L));
	show("lseek now", lseek(fd, 0, SEEK_CUR));
	show("preadv2 at -2", syscall(SYS_preadv2, fd, v, 3L, -2L, 0L, 0L));
	show("preadv2 unknown flag", syscall(SYS_preadv2, fd, v, 3L, 0L, 0L, 0x100000L));
	show("pwritev2 RWF_APPEND", syscall(SYS_pwritev2, fd, v, 2L, 0L, 0L, 0x10L));
	show("lseek end", lseek(fd, 0, SEEK_END));
	show("preadv2 pipe at -1", syscall(SYS_preadv2, p[0], v, 3L, -1L, 0L, 0L));
	show("preadv2 pipe at 0", syscall(SYS_preadv2, p[0], v, 3L, 0L, 0L, 0L));

	struct msghdr m = { 0 };
	m.msg_iov = v;
	m.msg_iovlen = 1025;
	show("sendmsg 1025 pieces", sendmsg(s[0], &m, 0));
	m.msg_iovlen = 1024;
	show("sendmsg 1024 pieces", sendmsg(s[0], &m, 0));
	m.msg_iov = negative;
	m.msg_iovlen = 2;
	show("sendmsg negative length", sendmsg(s[0], &m, 0));
	m.msg_iov = huge;
	show("sendmsg 2^62 of 2 pieces", sendmsg(s[0], &m, 0));
	m.msg_iov = (void *)8;
	show("sendmsg unreadable array", sendmsg(s[0], &m, 0));
	m.msg_iovlen = 0;
	show("sendmsg unreadable array, 0", sendmsg(s[0], &m, MSG_DONTWAIT));
	m.msg_iov = v;
	m.msg_iovlen = 1025;
	show("recvmsg 1025 pieces", recvmsg(s[1], &m, 0));
	m.msg_iovlen = all;
	show("recvmsg -1 pieces", recvmsg(s[1], &m, MSG_DONTWAIT));
	m.msg_iov = negative;
	m.msg_iovlen = 2;
	show("recvmsg negative length", recvmsg(s[1], &m, MSG_DONTWAIT));
	m.msg_iov = huge;
	show("recvmsg 2^62 of 2 pieces", recvmsg(s[1], &m, MSG_DONTWAIT));
	m.msg_iov = huge1;
	m.msg_iovlen = 1;
	show("recvmsg 2^62 alone", recvmsg(s[1], &m, MSG_DONTWAIT));
	m.msg_iov = v;
	m.msg_iovlen = 1024;
	show("recvmsg 1024 pieces", recvmsg(s[1], &m, MSG_DONTWAIT));

	struct mmsghdr mm[2] = { 0 };
	mm[0].msg_hdr.msg_iov = v;
	mm[0].msg_hdr.msg_iovlen = 2;
	mm[1].msg_hdr.msg_iov = negative;
	mm[1].msg_hdr.msg_iovlen = 2;
	show("sendmmsg good, negative", sendmmsg(s[0], mm, 2, 0));
	printf("msg_len %u %u\n", mm[0].msg_len, mm[1].msg_len);
	show("sendmmsg negative first", sendmmsg(s[0], mm + 1, 1, 0));
	mm[1].msg_hdr.msg_iov = v;
	mm[1].msg_hdr.msg_iovlen = 1025;
	show("recvmmsg good, 1025", recvmmsg(s[1], mm, 2, MSG_DONTWAIT, NULL));
	/* The second message's error waits on the socket for the next call. */
	int err = 0;
	socklen_t len = sizeof(err);
	show("SO_ERROR", getsockopt(s[1], SOL_SOCKET, SO_ERROR, &err, &len));
	printf("error %s\n", strerror(err));
	mm[0].msg_hdr.msg_iovlen = 1025;
	show("recvmmsg 1025, good", recvmmsg(s[1], mm, 2, MSG_DONTWAIT, NULL));
	mm[0].msg_hdr.msg_iovlen = 2;
	show("recvmmsg good, 1025 again", recvmmsg(s[1], mm, 2, MSG_DONTWAIT, NULL));
	show("recvmmsg takes the error", recvmmsg(s[1], mm, 2, MSG_DONTWAIT, NULL));
	show("recvmmsg 1025 first", recvmmsg(s[1], mm + 1, 1, MSG_DONTWAIT, NULL));
	unlink(path);

	/* A blocking writev to a pipe waits for room piece after piece and
	 * writes every byte once; the reader's readv fills piece after piece. */
	static char big[2][100000];
	memset(big[0], 'a', sizeof(big[0]));
	memset(big[1], 'b', sizeof(big[1]));
	int q[2];
	if (pipe(q)) return 1;
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		close(q[1]);
		static char in[3][50000];
		struct iovec rv[3] = { { in[0], 50000 }, { in[1], 50000 }, { in[2], 50000 } };
		long total = 0, as = 0, n;
		while ((n = readv(q[0], rv, 3)) > 0) {
			for (long i = 0; i < n; i++) as += in[i / 50000][i % 50000] == 'a';
			total += n;
		}
		printf("child read %ld bytes, %ld of them 'a'\n", total, as);
		return 0;
	}
	close(q[0]);
	struct iovec wv[2] = { { big[0], sizeof(big[0]) }, { big[1], sizeof(big[1]) } };
	long wrote = writev(q[1], wv, 2);
	close(q[1]);
	waitpid(child, NULL, 0);
	show("writev 200000 to a pipe", wrote);
	return 0;
}
