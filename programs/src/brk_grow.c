/* brk_grow: move the program break up by N pages (argv[1], default 64),
 * touch every new page, move it back down, then up again and check the
 * pages came back zeroed (brk down must free them). Addresses are ASLR'd
 * natively, so only relative facts are printed. */
#include "../lib/sys.h"

int main(int argc, char **argv)
{
	unsigned long pages = parse_ulong(argc > 1 ? argv[1] : 0, 64);
	unsigned long len = pages * PAGE_SIZE;
	unsigned long start = sys_brk(0);
	put_str("brk start page-aligned: ");
	put_str(start % PAGE_SIZE ? "no\n" : "yes\n");

	unsigned long up = sys_brk((void *)(start + len));
	put_str("grew by ");
	put_udec((up - start) / PAGE_SIZE);
	put_str(" pages\n");
	volatile u8 *p = (volatile u8 *)start;
	unsigned long sum = 0;
	for (unsigned long i = 0; i < len; i += PAGE_SIZE)
		p[i] = 0xab;
	for (unsigned long i = 0; i < len; i += PAGE_SIZE)
		sum += p[i];
	put_str("checksum ");
	put_udec(sum);
	put_str("\n");

	unsigned long down = sys_brk((void *)start);
	put_str("back to start: ");
	put_str(down == start ? "yes\n" : "no\n");
	/* below the start of the heap brk refuses and returns the current break */
	unsigned long refused = sys_brk((void *)(start - 1000 * PAGE_SIZE));
	put_str("brk below start refused: ");
	put_str(refused == start ? "yes\n" : "no\n");

	sys_brk((void *)(start + len));
	unsigned long nonzero = 0;
	for (unsigned long i = 0; i < len; i += PAGE_SIZE)
		nonzero += p[i] != 0;
	put_str("nonzero pages after regrow: ");
	put_udec(nonzero);
	put_str("\n");
	return 0;
}
