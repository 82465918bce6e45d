/* thp_sum: transparent huge pages under reclaim, checksummed. Fills MIB
 * MiB (argv[1], default 48) of a 2 MiB-aligned anonymous region that
 * madvise(MADV_HUGEPAGE) asks THPs for with a pseudo-random sequence, then
 * reads it twice, printing a checksum each time. Run with RAM smaller than
 * MIB and swap, reclaim meets the huge pages on the LRU, splits them (swap
 * takes no THP whole) and swaps their pages out: the output must equal the
 * native run's. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HPAGE (2UL << 20)
#include "../xorshift.h"

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], 0, 10) : 48;
	size_t size = mib << 20, n = size / 8;
	char *raw = mmap(0, size + HPAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED) {
		puts("mmap failed");
		return 1;
	}
	uint64_t *a = (uint64_t *)(((uintptr_t)raw + HPAGE - 1) & ~(HPAGE - 1));
	if (madvise(a, size, MADV_HUGEPAGE)) {
		puts("madvise failed");
		return 1;
	}
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < n; i++)
		a[i] = xorshift(&seed);
	for (int p = 0; p < 2; p++) {
		uint64_t sum = 0;
		for (size_t i = 0; i < n; i++)
			sum = sum * 31 + a[i];
		printf("pass %d: %016llx\n", p, (unsigned long long)sum);
	}
	return 0;
}
