/* touch_read_then_write: mmap N anonymous pages (argv[1], default 256), read
 * each one first (a read fault maps the shared zero page), then write each
 * one (a write-protect fault replaces the zero page with a fresh page).
 * Prints what the reads saw (all zero) and a checksum of the writes. */
#include "../lib/sys.h"

int main(int argc, char **argv)
{
	unsigned long pages = parse_ulong(argc > 1 ? argv[1] : 0, 256);
	volatile u8 *p = map_pages(pages);
	unsigned long nonzero = 0;
	for (unsigned long i = 0; i < pages; i++)
		nonzero += p[i * PAGE_SIZE + 100] != 0;
	for (unsigned long i = 0; i < pages; i++)
		p[i * PAGE_SIZE + 100] = (u8)(i + 3);
	unsigned long sum = 0;
	for (unsigned long i = 0; i < pages; i++)
		sum += p[i * PAGE_SIZE + 100];
	put_str("read ");
	put_udec(pages);
	put_str(" pages (");
	put_udec(nonzero);
	put_str(" nonzero), wrote them, checksum ");
	put_udec(sum);
	put_str("\n");
	return 0;
}
