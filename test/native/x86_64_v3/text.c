/* Text and integer work as gcc -O3 -march=x86-64-v3 compiles it (AVX2, BMI1,
 * BMI2, LZCNT): character classes over a buffer, a hash with rotates and
 * shifts, a byte histogram, run-length encoding, bit tricks over 64-bit words
 * and a sort. Prints each result. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char text[8192];

__attribute__((noinline)) static void classes(const char *s, int n, int *out) {
	int d = 0, u = 0, l = 0, sp = 0;
	for (int i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		d += c >= '0' && c <= '9';
		u += c >= 'A' && c <= 'Z';
		l += c >= 'a' && c <= 'z';
		sp += c == ' ';
	}
	out[0] = d; out[1] = u; out[2] = l; out[3] = sp;
}
__attribute__((noinline)) static uint64_t hash(const char *s, int n) {
	uint64_t h = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < n; i++) {
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
		h = (h << 13 | h >> 51) + (h >> (h & 31));
	}
	return h;
}
__attribute__((noinline)) static void histogram(const char *s, int n, unsigned *hist) {
	for (int i = 0; i < n; i++) hist[(unsigned char)s[i]]++;
}
__attribute__((noinline)) static int rle(const char *s, int n, char *out) {
	int k = 0;
	for (int i = 0; i < n;) {
		int j = i;
		while (j < n && s[j] == s[i] && j - i < 9) j++;
		out[k++] = s[i];
		out[k++] = (char)('0' + (j - i));
		i = j;
	}
	return k;
}
__attribute__((noinline)) static uint64_t tricks(uint64_t x, uint64_t y) {
	uint64_t r = 0;
	r ^= x & ~y;
	r ^= x & (x - 1);
	r ^= x ^ (x - 1);
	r ^= x & -x;
	r += (uint64_t)__builtin_ctzll(x | 1) + (uint64_t)__builtin_clzll(y | 1) + (uint64_t)__builtin_popcountll(x ^ y);
	r ^= (y >> (x & 63)) ^ (y << (x & 63)) ^ (uint64_t)((int64_t)y >> (x & 63));
	r ^= x & ((1ull << (y & 63)) - 1);
	unsigned __int128 p = (unsigned __int128)x * y;
	return r ^ (uint64_t)(p >> 64) ^ (uint64_t)p;
}
static int cmp(const void *a, const void *b) { return memcmp(a, b, 8); }

int main(void) {
	uint64_t seed = 12345;
	for (size_t i = 0; i < sizeof text - 1; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		unsigned v = (unsigned)(seed >> 33) % 100;
		text[i] = v < 10 ? (char)('0' + v) : v < 30 ? (char)('A' + v % 26) : v < 80 ? (char)('a' + v % 26) : v < 95 ? ' ' : '\n';
	}
	int n = (int)strlen(text), cl[4];
	classes(text, n, cl);
	printf("classes %d %d %d %d\n", cl[0], cl[1], cl[2], cl[3]);
	printf("hash %016llx\n", (unsigned long long)hash(text, n));
	unsigned hist[256] = {0};
	histogram(text, n, hist);
	printf("histogram %u %u %u\n", hist[' '], hist['e'], hist['7']);
	static char out[16384];
	int k = rle(text, n, out);
	printf("rle %d %.24s\n", k, out);
	uint64_t t = 0;
	for (int i = 0; i < 5000; i++) t += tricks(t * 0x2545f4914f6cdd1dull + (uint64_t)i, (uint64_t)i * 0x9e3779b97f4a7c15ull);
	printf("tricks %016llx\n", (unsigned long long)t);
	qsort(text, (size_t)n / 8, 8, cmp);
	printf("sorted %.32s\n", text + n / 2);
	return 0;
}
