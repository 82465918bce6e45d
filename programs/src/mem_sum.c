/* mem_sum: load-heavy work for measuring guest MIPS with memory traffic.
 * Fills a 1 MiB array in .bss once, then sums it R times (argv[1], default
 * 20) with a dependent-index walk so loads dominate. Prints the total. */
#include "../lib/sys.h"

#define WORDS (1 << 17)		/* 128 Ki u64 = 1 MiB */
static u64 data[WORDS];

int main(int argc, char **argv)
{
	unsigned long rounds = parse_ulong(argc > 1 ? argv[1] : 0, 20);
	for (unsigned long i = 0; i < WORDS; i++)
		data[i] = i * 0x9e3779b97f4a7c15UL;
	u64 total = 0;
	for (unsigned long r = 0; r < rounds; r++) {
		u64 s0 = 0, s1 = 0, s2 = 0, s3 = 0;
		for (unsigned long i = 0; i < WORDS; i += 4) {
			s0 += data[i];
			s1 ^= data[i + 1];
			s2 += data[i + 2] >> 3;
			s3 -= data[i + 3];
		}
		total = total * 31 + (s0 ^ s1 ^ s2 ^ s3) + r;
	}
	put_str("rounds ");
	put_udec(rounds);
	put_str(", total ");
	put_hex(total);
	put_str("\n");
	return 0;
}
