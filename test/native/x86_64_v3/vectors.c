/* Loops gcc -O3 -march=x86-64-v3 vectorises with AVX2, FMA and BMI2:
 * integer sums and products, saxpy and dot products (FMA), byte counting,
 * per-element shifts, conversions, reversals and broadcasts. Prints what
 * each computes; the exit status is a checksum's low bits. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define N 1003
static int a[N], b[N], c[N];
static float fa[N], fb[N], fc[N];
static double da[N], db[N], dc[N];
static unsigned char s[N];
static int64_t q[N];
static short h[N];

__attribute__((noinline)) static long isum(const int *x, int n) { long t = 0; for (int i = 0; i < n; i++) t += x[i]; return t; }
__attribute__((noinline)) static void iaxpy(int *r, const int *x, const int *y, int n) { for (int i = 0; i < n; i++) r[i] = x[i] * 3 + y[i]; }
__attribute__((noinline)) static float fdot(const float *x, const float *y, int n) { float t = 0; for (int i = 0; i < n; i++) t += x[i] * y[i]; return t; }
__attribute__((noinline)) static double ddot(const double *x, const double *y, int n) { double t = 0; for (int i = 0; i < n; i++) t += x[i] * y[i]; return t; }
__attribute__((noinline)) static void saxpy(float *r, const float *x, float k, int n) { for (int i = 0; i < n; i++) r[i] = k * x[i] + r[i]; }
__attribute__((noinline)) static void daxpy(double *r, const double *x, double k, int n) { for (int i = 0; i < n; i++) r[i] = r[i] - k * x[i]; }
__attribute__((noinline)) static int count(const unsigned char *x, int n, unsigned char ch) { int k = 0; for (int i = 0; i < n; i++) k += x[i] == ch; return k; }
__attribute__((noinline)) static void shifts(int *r, const int *x, const int *y, int n) {
	for (int i = 0; i < n; i++) r[i] = (x[i] << (y[i] & 31)) ^ (int)((unsigned)x[i] >> (y[i] & 15)) ^ (x[i] >> (y[i] & 7));
}
__attribute__((noinline)) static int64_t qsum(const int64_t *x, int n) { int64_t t = 0; for (int i = 0; i < n; i++) t += x[i] * 3 + (x[i] >> 3); return t; }
__attribute__((noinline)) static void widen(double *r, const int *x, int n) { for (int i = 0; i < n; i++) r[i] = x[i] * 0.5; }
__attribute__((noinline)) static void lower(unsigned char *x, int n) { for (int i = 0; i < n; i++) if (x[i] >= 'A' && x[i] <= 'Z') x[i] += 32; }
__attribute__((noinline)) static void halves(short *r, int n) { for (int i = 0; i < n; i++) r[i] = r[i] * 7 + (r[i] >> 2); }
__attribute__((noinline)) static unsigned bits(unsigned x, unsigned y) {
	return (x & ~y) ^ (x & -x) ^ (unsigned)__builtin_ctz(y | 1) ^ (unsigned)__builtin_clz(x | 1) ^ (x << (y & 31)) ^ (x >> (y & 31)) ^ (x & (x - 1));
}
__attribute__((noinline)) static void reverse(int *r, const int *x, int n) { for (int i = 0; i < n; i++) r[i] = x[n - 1 - i]; }
__attribute__((noinline)) static void scale(float *r, const float *x, int n) { for (int i = 0; i < n; i++) r[i] = x[i] * x[i] - 2.0f * x[i] + 0.25f; }
__attribute__((noinline)) static void fill(double *r, double v, int n) { for (int i = 0; i < n; i++) r[i] = v; }

int main(int argc, char **argv) {
	for (int i = 0; i < N; i++) {
		a[i] = i * 7 - 300; b[i] = (i * 13) % 97; fa[i] = i * 0.25f; fb[i] = 1.0f / (i + 1);
		da[i] = i * 1.5; db[i] = 1.0 / (i + 3); s[i] = "Hello, World! abc"[i % 17]; q[i] = i * 1000003LL; h[i] = (short)(i * 31);
	}
	printf("isum %ld\n", isum(a, N));
	iaxpy(c, a, b, N);
	printf("iaxpy %ld\n", isum(c, N));
	printf("dot %.9g %.17g\n", fdot(fa, fb, N), ddot(da, db, N));
	printf("count %d %d\n", count(s, N, 'l'), count(s, N, 'z'));
	shifts(c, a, b, N);
	printf("shifts %ld\n", isum(c, N));
	saxpy(fc, fa, 1.5f, N);
	saxpy(fc, fb, -0.3f, N);
	printf("saxpy %.9g\n", fdot(fc, fc, N));
	fill(dc, 2.0, N);
	daxpy(dc, db, 0.75, N);
	printf("daxpy %.17g\n", ddot(dc, da, N));
	printf("qsum %lld\n", (long long)qsum(q, N));
	widen(da, a, N);
	printf("widen %.17g\n", ddot(da, da, N));
	lower(s, N);
	printf("lower %.40s\n", (char *)s);
	halves(h, N);
	printf("halves %d %d\n", h[5], h[N - 1]);
	unsigned u = 0;
	for (int i = 0; i < N; i++) u += bits((unsigned)a[i], (unsigned)b[i]);
	printf("bits %u\n", u);
	reverse(c, a, N);
	printf("reverse %d %d\n", c[0], c[N - 1]);
	scale(fc, fa, N);
	printf("scale %.9g\n", fdot(fc, fb, N));
	char buf[256];
	snprintf(buf, sizeof buf, "%s:%d", argc > 1 ? argv[1] : "-", argc);
	printf("%s %zu\n", buf, strlen(buf));
	return (int)(u & 0x3f);
}
