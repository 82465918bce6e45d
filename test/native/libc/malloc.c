/* malloc churn across the mmap threshold (128 KiB): the brk arena grows
 * and shrinks, large blocks come from mmap and go back with munmap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long state = 12345;
static unsigned long next(void)
{
	state = state * 6364136223846793005UL + 1442695040888963407UL;
	return state >> 33;
}

int main(void)
{
	enum { SLOTS = 64 };
	unsigned char *slot[SLOTS] = { 0 };
	size_t size[SLOTS] = { 0 };
	unsigned long sum = 0;
	for (int round = 0; round < 2000; round++) {
		int i = next() % SLOTS;
		if (slot[i]) {
			for (size_t j = 0; j < size[i]; j += 997)
				sum += slot[i][j];
			free(slot[i]);
			slot[i] = NULL;
		} else {
			/* Mostly small, some above the mmap threshold. */
			size[i] = next() % 8 == 0 ? 128 * 1024 + next() % (512 * 1024) : 1 + next() % 4096;
			slot[i] = malloc(size[i]);
			if (!slot[i])
				return 1;
			memset(slot[i], round & 0xff, size[i]);
		}
	}
	char *grow = NULL;
	for (size_t n = 16; n <= 1 << 20; n *= 2) {
		grow = realloc(grow, n);
		grow[n - 1] = (char)n;
		sum += (unsigned char)grow[n / 2 - 1];
	}
	free(grow);
	for (int i = 0; i < SLOTS; i++)
		free(slot[i]);
	printf("checksum %lu\n", sum);
	return 0;
}
