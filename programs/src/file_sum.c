/* file_sum: reads the file named by argv[1] (default: itself) through
 * open/read and prints its size, line count and byte sum; an open that
 * fails prints the errno and exits 1. */
#include "../lib/sys.h"

#define SYS_open 2
#define SYS_close 3

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : argv[0];
	long fd = syscall3(SYS_open, path, 0, 0);
	if (fd < 0) {
		put_str(path);
		put_str(": open failed: ");
		put_dec(fd);
		put_str("\n");
		return 1;
	}
	static u8 buf[4096];
	unsigned long size = 0, lines = 0, sum = 0;
	long n;
	while ((n = sys_read(fd, buf, sizeof buf)) > 0) {
		for (long i = 0; i < n; i++) {
			sum += buf[i];
			lines += buf[i] == '\n';
		}
		size += n;
	}
	syscall3(SYS_close, fd, 0, 0);
	put_str(path);
	put_str(": ");
	put_udec(size);
	put_str(" bytes, ");
	put_udec(lines);
	put_str(" lines, sum ");
	put_udec(sum);
	put_str(n < 0 ? " (read failed)\n" : "\n");
	return n < 0 ? 1 : 0;
}
