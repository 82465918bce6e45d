/* upcase: copy stdin to stdout in upper case until end of file, then
 * report the byte count on stdout. Exercises read() and its EOF. */
#include "../lib/sys.h"

int main(void)
{
	char buf[64];
	unsigned long total = 0;
	long n;
	while ((n = sys_read(0, buf, sizeof(buf))) > 0) {
		for (long i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z')
				buf[i] -= 'a' - 'A';
		sys_write(1, buf, n);
		total += n;
	}
	put_str("bytes ");
	put_udec(total);
	put_str(", last read ");
	put_dec(n);
	put_str("\n");
	return 0;
}
