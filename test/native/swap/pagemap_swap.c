/* pagemap_swap: writes MIB MiB of anonymous memory (argv[1], default 24),
 * then reads /proc/self/pagemap over it: each page is present or swapped
 * (bit 62, its swap type in bits 0-4 and its offset above), never both.
 * Prints how many of each, whether the swapped ones are as many as
 * /proc/self/status's VmSwap says, and whether their swap entries are
 * distinct slots of device 0. Run with RAM smaller than MIB and swap. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGE 4096

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	size_t pages = (size_t)(argc > 1 ? atoi(argv[1]) : 24) << 8;
	uint64_t *e = malloc(pages * 8), *slots = malloc(pages * 8);
	static char status[4096];
	if (!e || !slots)
		return 1;
	/* Only the array can go to swap: VmSwap counts its pages alone. */
	memset(e, 0, pages * 8);
	memset(slots, 0, pages * 8);
	mlockall(MCL_CURRENT);
	char *a = mmap(0, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < pages; i++)
		a[i * PAGE] = 1;
	int pm = open("/proc/self/pagemap", O_RDONLY);
	if (pread(pm, e, pages * 8, (uintptr_t)a / PAGE * 8) != (ssize_t)(pages * 8))
		return 2;
	size_t present = 0, swapped = 0, both = 0, other_type = 0;
	for (size_t i = 0; i < pages; i++) {
		int p = e[i] >> 63, s = (e[i] >> 62) & 1;
		present += p;
		both += p && s;
		if (s) {
			other_type += (e[i] & 31) != 0;
			slots[swapped++] = (e[i] & ((1ULL << 55) - 1)) >> 5;
		}
	}
	qsort(slots, swapped, 8, cmp);
	size_t repeated = 0;
	for (size_t i = 1; i < swapped; i++)
		repeated += slots[i] == slots[i - 1];
	int f = open("/proc/self/status", O_RDONLY);
	ssize_t n = read(f, status, sizeof status - 1);
	status[n > 0 ? n : 0] = 0;
	char *swap_line = strstr(status, "VmSwap:");
	long vmswap_kb = swap_line ? strtol(swap_line + 7, 0, 10) : -1;
	printf("%zu pages: %zu present, %zu swapped\n", pages, present, swapped);
	printf("present and swapped at once: %zu\n", both);
	printf("swapped as many as VmSwap says: %s\n", (long)swapped * 4 == vmswap_kb ? "yes" : "no");
	printf("swap entries of another device: %zu, repeated: %zu\n", other_type, repeated);
	return 0;
}
