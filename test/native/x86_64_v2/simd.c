/* Code a compiler vectorises for x86-64-v2 (SSE3, SSSE3, SSE4.1, SSE4.2,
 * POPCNT) and the intrinsics of each instruction set: every result goes
 * into the output, which must equal the native run's. */
#include <math.h>
#include <nmmintrin.h>
#include <smmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "../xorshift.h"

#define N 1031

static int8_t b8[N], c8[N];
static int16_t h16[N];
static int32_t a32[N], b32[N], c32[N];
static uint32_t u32[N];
static int64_t a64[N], b64[N];
static float fa[N], fb[N];
static double da[N];

static uint64_t hash = 1469598103934665603ull;
static void mix(const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		hash = (hash ^ ((const unsigned char *)p)[i]) * 1099511628211ull;
}
#define MIX(x) mix(&(x), sizeof(x))
static void report(const char *what)
{
	printf("%-24s %016llx\n", what, (unsigned long long)hash);
	hash = 1469598103934665603ull;
}

__attribute__((noinline)) static int64_t widen_sum(const int32_t *a, int n)
{
	int64_t s = 0;
	for (int i = 0; i < n; i++)
		s += a[i]; /* pmovsxdq */
	return s;
}
__attribute__((noinline)) static void minmax8(int8_t *d, const int8_t *a, const int8_t *b, int n)
{
	for (int i = 0; i < n; i++)
		d[i] = a[i] < b[i] ? a[i] : b[i]; /* pminsb */
	for (int i = 0; i < n; i++)
		d[i] = d[i] > 7 ? d[i] : 7; /* pmaxsb */
}
__attribute__((noinline)) static void mul32(int32_t *d, const int32_t *a, const int32_t *b, int n)
{
	for (int i = 0; i < n; i++)
		d[i] = a[i] * b[i] + (a[i] > b[i] ? a[i] : b[i]); /* pmulld, pmaxsd */
}
__attribute__((noinline)) static uint32_t umin(const uint32_t *a, int n)
{
	uint32_t m = ~0u;
	for (int i = 0; i < n; i++)
		m = a[i] < m ? a[i] : m; /* pminud */
	return m;
}
__attribute__((noinline)) static int64_t max64(const int64_t *a, const int64_t *b, int64_t *d, int n)
{
	int64_t eq = 0;
	for (int i = 0; i < n; i++) {
		d[i] = a[i] > b[i] ? a[i] : b[i]; /* pcmpgtq, blendvpd */
		eq += a[i] == d[i]; /* pcmpeqq */
	}
	return eq;
}
__attribute__((noinline)) static void absdiff(int32_t *d, const int32_t *a, const int32_t *b, int n)
{
	for (int i = 0; i < n; i++)
		d[i] = abs(a[i] - b[i]); /* pabsd */
}
__attribute__((noinline)) static void widen8(int32_t *d, const int8_t *a, int16_t *h, int n)
{
	for (int i = 0; i < n; i++) {
		d[i] = a[i]; /* pmovsxbd */
		h[i] = (uint8_t)a[i]; /* pmovzxbw */
	}
}
__attribute__((noinline)) static void rounding(float *f, double *d, int n)
{
	for (int i = 0; i < n; i++) {
		f[i] = floorf(f[i]) + ceilf(f[i] * 0.5f) + truncf(f[i] * 3.25f); /* roundps */
		d[i] = floor(d[i]) - ceil(d[i] / 3) + trunc(d[i] * 1.5) + nearbyint(d[i] * 0.25) + rint(d[i]); /* roundpd */
	}
}
__attribute__((noinline)) static unsigned popcounts(const int64_t *a, int n)
{
	unsigned c = 0;
	for (int i = 0; i < n; i++)
		c += __builtin_popcountll(a[i]) + __builtin_popcount((unsigned)a[i] >> 3);
	return c;
}

static void intrinsics(void)
{
	__m128i x = _mm_loadu_si128((const __m128i *)a32), y = _mm_loadu_si128((const __m128i *)b32);
	__m128i r;
	/* SSSE3 */
	r = _mm_shuffle_epi8(x, y); MIX(r);
	r = _mm_hadd_epi16(x, y); MIX(r);
	r = _mm_hadds_epi16(x, y); MIX(r);
	r = _mm_hsub_epi32(x, y); MIX(r);
	r = _mm_maddubs_epi16(x, y); MIX(r);
	r = _mm_mulhrs_epi16(x, y); MIX(r);
	r = _mm_sign_epi8(x, y); MIX(r);
	r = _mm_abs_epi16(y); MIX(r);
	r = _mm_alignr_epi8(x, y, 5); MIX(r);
	/* SSE4.1 */
	r = _mm_blend_epi16(x, y, 0xa5); MIX(r);
	r = _mm_blendv_epi8(x, y, _mm_xor_si128(x, y)); MIX(r);
	r = _mm_mul_epi32(x, y); MIX(r);
	r = _mm_packus_epi32(x, y); MIX(r);
	r = _mm_minpos_epu16(y); MIX(r);
	r = _mm_mpsadbw_epu8(x, y, 5); MIX(r);
	r = _mm_insert_epi8(x, 0x5a, 9); MIX(r);
	r = _mm_insert_epi64(x, 0x123456789abcdefll, 1); MIX(r);
	int e = _mm_extract_epi8(y, 13) + _mm_extract_epi16(y, 3) + _mm_extract_epi32(y, 2); MIX(e);
	long long q = _mm_extract_epi64(y, 1); MIX(q);
	e = _mm_testz_si128(x, y) + 2 * _mm_testc_si128(x, y) + 4 * _mm_testnzc_si128(x, y); MIX(e);
	__m128 f = _mm_loadu_ps(fa), g = _mm_loadu_ps(fb), h;
	h = _mm_dp_ps(f, g, 0xf1); MIX(h);
	h = _mm_insert_ps(f, g, 0x9c); MIX(h);
	e = _mm_extract_ps(g, 2); MIX(e);
	h = _mm_blendv_ps(f, g, f); MIX(h);
	h = _mm_round_ps(f, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); MIX(h);
	__m128d dd = _mm_loadu_pd(da);
	__m128d de = _mm_dp_pd(dd, _mm_loadu_pd(da + 2), 0x31); MIX(de);
	de = _mm_round_sd(dd, dd, _MM_FROUND_TO_POS_INF); MIX(de);
	/* SSE3 */
	h = _mm_hadd_ps(f, g); MIX(h);
	h = _mm_addsub_ps(f, g); MIX(h);
	h = _mm_moveldup_ps(g); MIX(h);
	de = _mm_movedup_pd(dd); MIX(de);
	r = _mm_lddqu_si128((const __m128i *)((const char *)a32 + 3)); MIX(r);
	/* SSE4.2 */
	r = _mm_cmpgt_epi64(x, y); MIX(r);
	unsigned crc = 0;
	for (int i = 0; i < 100; i++)
		crc = _mm_crc32_u8(crc, (unsigned char)b8[i]);
	crc = _mm_crc32_u16(crc, 0xbeef);
	crc = _mm_crc32_u32(crc, 0xdeadbeef);
	crc = (unsigned)_mm_crc32_u64(crc, 0x0123456789abcdefull);
	MIX(crc);
	__m128i needle = _mm_setr_epi8('a', 'e', 'i', 'o', 'u', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	__m128i hay = _mm_loadu_si128((const __m128i *)"the quick brown fox");
	e = _mm_cmpistri(needle, hay, _SIDD_CMP_EQUAL_ANY); MIX(e);
	e = _mm_cmpistri(_mm_setr_epi8('a', 'z', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), hay, _SIDD_CMP_RANGES | _SIDD_NEGATIVE_POLARITY); MIX(e);
	e = _mm_cmpestri(needle, 3, hay, 12, _SIDD_CMP_EQUAL_ORDERED | _SIDD_MOST_SIGNIFICANT); MIX(e);
	r = _mm_cmpistrm(needle, hay, _SIDD_CMP_EQUAL_ANY | _SIDD_UNIT_MASK); MIX(r);
	e = _mm_cmpistrz(needle, hay, _SIDD_UWORD_OPS | _SIDD_CMP_EQUAL_EACH) + 2 * _mm_cmpistrc(needle, hay, _SIDD_CMP_EQUAL_EACH); MIX(e);
	report("intrinsics");
}

static void atomics(void)
{
	/* cmpxchg16b, and lahf/sahf in 64-bit mode */
	unsigned __int128 m = (unsigned __int128)2 << 64 | 1;
	uint64_t lo = 1, hi = 2, nlo = 3, nhi = 4;
	unsigned char ok;
	__asm__ volatile("lock cmpxchg16b %1; sete %0" : "=q"(ok), "+m"(m), "+a"(lo), "+d"(hi) : "b"(nlo), "c"(nhi) : "cc");
	MIX(ok); MIX(m); MIX(lo); MIX(hi);
	__asm__ volatile("lock cmpxchg16b %1; sete %0" : "=q"(ok), "+m"(m), "+a"(lo), "+d"(hi) : "b"(nlo), "c"(nhi) : "cc");
	MIX(ok); MIX(m); MIX(lo); MIX(hi);
	unsigned long f;
	__asm__ volatile("stc; mov $0xd5, %%ah; sahf; lahf; movzbl %%ah, %%eax" : "=a"(f) : : "cc");
	MIX(f);
	report("cmpxchg16b lahf sahf");
}

int main(void)
{
	uint64_t s = 0x9e3779b97f4a7c15ull;
	for (int i = 0; i < N; i++) {
		b8[i] = (int8_t)xorshift(&s);
		c8[i] = (int8_t)xorshift(&s);
		a32[i] = (int32_t)xorshift(&s) >> (i % 9);
		b32[i] = (int32_t)xorshift(&s) >> (i % 5);
		u32[i] = (uint32_t)xorshift(&s) >> (i % 31);
		a64[i] = (int64_t)xorshift(&s) >> (i % 17);
		b64[i] = (int64_t)xorshift(&s) >> (i % 13);
		fa[i] = (float)((int32_t)xorshift(&s) % 100000) / 64.0f;
		fb[i] = (float)((int32_t)xorshift(&s) % 1000) / 7.0f;
		da[i] = (double)(int64_t)xorshift(&s) / 1e12;
	}
	int64_t w = widen_sum(a32, N); MIX(w); report("pmovsxdq sum");
	minmax8(c8, b8, c8, N); mix(c8, sizeof c8); report("pminsb pmaxsb");
	mul32(c32, a32, b32, N); mix(c32, sizeof c32); report("pmulld pmaxsd");
	uint32_t m = umin(u32, N); MIX(m); report("pminud");
	int64_t d64[N];
	int64_t eq = max64(a64, b64, d64, N); MIX(eq); mix(d64, sizeof d64); report("pcmpgtq pcmpeqq");
	absdiff(c32, a32, b32, N); mix(c32, sizeof c32); report("pabsd");
	widen8(c32, b8, h16, N); mix(c32, sizeof c32); mix(h16, sizeof h16); report("pmovsxbd pmovzxbw");
	rounding(fa, da, N); mix(fa, sizeof fa); mix(da, sizeof da); report("roundps roundpd");
	unsigned pc = popcounts(a64, N); MIX(pc); report("popcnt");
	intrinsics();
	atomics();
	printf("sse3 %d ssse3 %d sse4.1 %d sse4.2 %d popcnt %d\n", !!__builtin_cpu_supports("sse3"), !!__builtin_cpu_supports("ssse3"),
	       !!__builtin_cpu_supports("sse4.1"), !!__builtin_cpu_supports("sse4.2"), !!__builtin_cpu_supports("popcnt"));
	return (int)(hash & 0x3f);
}
