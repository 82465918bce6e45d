/* thrash: a working set larger than RAM, checksummed. Fills MIB MiB of
 * anonymous memory (argv[1], default 24) with a xorshift sequence, then
 * makes PASSES sequential passes over it (argv[2], default 2), each
 * reading and rewriting every word, printing a checksum after each. With
 * RAM below MIB and swap, every pass brings the pages back from swap and
 * pushes them out again (kswapd, direct reclaim, swap-in), and the
 * checksums stay the native run's. */
#include "../lib/sys.h"

static u64 xorshift(u64 *s)
{
	u64 x = *s;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

int main(int argc, char **argv)
{
	unsigned long mib = parse_ulong(argc > 1 ? argv[1] : 0, 24);
	unsigned long passes = parse_ulong(argc > 2 ? argv[2] : 0, 2);
	unsigned long n = mib << 17;	/* u64 words */
	u64 *a = map_pages(mib << 8);
	u64 seed = 0x9e3779b97f4a7c15UL;
	for (unsigned long i = 0; i < n; i++)
		a[i] = xorshift(&seed);
	for (unsigned long p = 0; p < passes; p++) {
		u64 sum = 0;
		for (unsigned long i = 0; i < n; i++) {
			sum = sum * 31 + a[i];
			a[i] ^= sum;
		}
		put_str("pass ");
		put_udec(p);
		put_str(": ");
		put_hex(sum);
		put_str("\n");
	}
	return 0;
}
