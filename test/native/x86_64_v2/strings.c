/* libc's string functions on random strings at every alignment, some ending
 * just before an unmapped page: with SSE4.2 announced, glibc picks its
 * pcmpistri versions of strcspn, strspn, strpbrk and strcasecmp. Each
 * function's results go into a checksum, which must equal the native run's. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../xorshift.h"

static uint64_t s = 0x2545f4914f6cdd1dull;
static uint64_t sums[12];

static void mix(int k, uint64_t v)
{
	sums[k] = (sums[k] ^ v) * 1099511628211ull;
}

/* A string of n bytes from a small alphabet (mixed case), at p. */
static void fill(char *p, int n, const char *alphabet)
{
	int m = strlen(alphabet);
	for (int i = 0; i < n; i++)
		p[i] = alphabet[xorshift(&s) % m];
	p[n] = 0;
}

static uint64_t off(const char *base, const char *r)
{
	return r ? (uint64_t)(r - base) + 1 : 0;
}

int main(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *area = mmap(0, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(area + 2 * page, page, PROT_NONE);
	char *end = area + 2 * page; /* the first byte that faults */
	static char set[80], b[200];
	const char *alphabets[] = { "abcAB", "abcdefghijklmnopqrstuvwxyz", "aA", "xyz\x80\xff\x01 ", "0123456789abcdefABCDEF-_." };
	for (int it = 0; it < 5000; it++) {
		const char *al = alphabets[it % 5];
		int n = xorshift(&s) % 90, k = xorshift(&s) % 40;
		/* a at any alignment, often ending right before the unmapped page */
		char *a = xorshift(&s) % 2 ? end - n - 1 : area + page + xorshift(&s) % 64;
		fill(a, n, al);
		fill(set, k, alphabets[(it / 5) % 5]);
		mix(0, strcspn(a, set));
		mix(1, strspn(a, set));
		mix(2, off(a, strpbrk(a, set)));
		/* a needle: often a piece of a, sometimes changed */
		int nl = n ? xorshift(&s) % (n < 20 ? n + 1 : 20) : 0, at = n > nl ? xorshift(&s) % (n - nl + 1) : 0;
		memcpy(b, a + at, nl);
		b[nl] = 0;
		if (nl && xorshift(&s) % 3 == 0)
			b[xorshift(&s) % nl] ^= 0x20;
		mix(3, off(a, strstr(a, b)));
		mix(4, off(a, strcasestr(a, b)));
		/* case-insensitive compares of a and a copy with its case flipped here and there */
		char *c = end - n - 1 - xorshift(&s) % 2;
		memmove(c, a, n + 1);
		for (int i = 0; i < n; i++)
			if (xorshift(&s) % 4 == 0)
				c[i] ^= 0x20;
		if (n && xorshift(&s) % 4 == 0)
			c[xorshift(&s) % n] = al[xorshift(&s) % strlen(al)];
		int r = strcasecmp(a, c);
		mix(5, r < 0 ? 1 : r > 0 ? 2 : 3);
		r = strncasecmp(a, c, k);
		mix(6, r < 0 ? 1 : r > 0 ? 2 : 3);
		r = strcmp(a, c);
		mix(7, r < 0 ? 1 : r > 0 ? 2 : 3);
		r = strncmp(a, c, k);
		mix(8, r < 0 ? 1 : r > 0 ? 2 : 3);
		mix(9, strlen(a) + off(c, strchr(c, set[0])) * 131 + off(c, strrchr(c, set[0])) * 7);
		mix(10, off(c, memchr(c, 'a', n)) + off(c, memrchr(c, 'b', n)) * 1000);
		r = memcmp(a, c, n);
		mix(11, r < 0 ? 1 : r > 0 ? 2 : 3);
	}
	const char *names[] = { "strcspn", "strspn", "strpbrk", "strstr", "strcasestr", "strcasecmp", "strncasecmp", "strcmp", "strncmp",
		"strlen strchr strrchr", "memchr memrchr", "memcmp" };
	for (int k = 0; k < 12; k++)
		printf("%-22s %016llx\n", names[k], (unsigned long long)sums[k]);
	return 0;
}
