/*
 * fd_errno: read, write, ioctl, fcntl and close at fds -1, 0, 1, 2, 3, as
 * raw syscalls, one result per line ("call fd result", -errno on failure).
 * Freestanding, so faultline runs the same binary. fds 0, 1 and 2 should be
 * pipes (stdin's read end, stdout's and stderr's write ends) and 3 closed.
 * close(1) and close(2) come last: their results go in the exit status
 * (16 * -close(1) + -close(2)), since stdout is gone by then.
 */
static long sys(long nr, long a, long b, long c) {
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

static char out[2048];
static int len;

static void put(const char *s) { while (*s) out[len++] = *s++; }
static void num(long v) {
	char b[24];
	int n = 0;
	if (v < 0) { out[len++] = '-'; v = -v; }
	do b[n++] = '0' + v % 10; while (v /= 10);
	while (n) out[len++] = b[--n];
}

void _start(void) {
	static const int fds[] = { -1, 0, 1, 2, 3 };
	char buf[64];
	for (int i = 0; i < 5; i++) {
		long fd = fds[i];
		put("read "); num(fd); put(" "); num(sys(0, fd, (long)buf, 1)); put("\n");
		put("write "); num(fd); put(" "); num(sys(1, fd, (long)buf, 0)); put("\n");
		put("ioctl "); num(fd); put(" "); num(sys(16, fd, 0x5401 /* TCGETS */, (long)buf)); put("\n");
		put("fcntl_getfl "); num(fd); put(" "); num(sys(72, fd, 3 /* F_GETFL */, 0)); put("\n");
		put("fcntl_getfd "); num(fd); put(" "); num(sys(72, fd, 1 /* F_GETFD */, 0)); put("\n");
	}
	put("close -1 "); num(sys(3, -1, 0, 0)); put("\n");
	put("close 3 "); num(sys(3, 3, 0, 0)); put("\n");
	put("close 0 "); num(sys(3, 0, 0, 0)); put("\n");
	put("read 0 "); num(sys(0, 0, (long)buf, 1)); put("\n");
	sys(1, 1, (long)out, len);
	long c1 = sys(3, 1, 0, 0), c2 = sys(3, 2, 0, 0);
	sys(60, 16 * -c1 + -c2, 0, 0);
	for (;;) ;
}
