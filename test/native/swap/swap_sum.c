/* swap_sum: a working set larger than RAM, checksummed. Fills MIB MiB
 * (argv[1], default 24) with a pseudo-random sequence, then makes PASSES
 * (argv[2], default 3) passes over it: a sequential read, a strided
 * rewrite and a random-order read, printing a checksum after each. Run
 * with RAM smaller than MIB and swap, every page must come back from swap
 * with the bytes it had: the output equals the native run's. */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "../xorshift.h"

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], 0, 10) : 24;
	int passes = argc > 2 ? atoi(argv[2]) : 3;
	size_t n = mib << 17; /* u64 words */
	uint64_t *a = malloc(n * sizeof *a);
	if (!a) {
		puts("malloc failed");
		return 1;
	}
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < n; i++)
		a[i] = xorshift(&seed);
	for (int p = 0; p < passes; p++) {
		uint64_t sum = 0;
		for (size_t i = 0; i < n; i++)
			sum = sum * 31 + a[i];
		for (size_t i = p; i < n; i += 509)
			a[i] ^= sum + i;
		uint64_t r = 0x1234567 + p;
		uint64_t rsum = 0;
		for (size_t k = 0; k < n / 512; k++)
			rsum += a[xorshift(&r) % n];
		printf("pass %d: %016llx %016llx\n", p, (unsigned long long)sum, (unsigned long long)rsum);
	}
	free(a);
	return 0;
}
