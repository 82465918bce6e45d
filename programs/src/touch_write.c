/* touch_write: mmap N anonymous pages (argv[1], default 256) and write one
 * byte in each, so every page takes a write fault on a missing PTE
 * (do_anonymous_page). Prints the page count and a checksum read back. */
#include "../lib/sys.h"

int main(int argc, char **argv)
{
	unsigned long pages = parse_ulong(argc > 1 ? argv[1] : 0, 256);
	volatile u8 *p = map_pages(pages);
	for (unsigned long i = 0; i < pages; i++)
		p[i * PAGE_SIZE + (i % PAGE_SIZE)] = (u8)(i * 7 + 1);
	unsigned long sum = 0;
	for (unsigned long i = 0; i < pages; i++)
		sum += p[i * PAGE_SIZE + (i % PAGE_SIZE)];
	put_str("touched ");
	put_udec(pages);
	put_str(" pages, checksum ");
	put_udec(sum);
	put_str("\n");
	return 0;
}
