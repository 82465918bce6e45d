/* The real CPU's FMA3 answers for test/cpu/fma.test.ts, the same binary run
 * natively and under the emulator: reads 104-byte records (form, MXCSR,
 * ymm0, ymm1, ymm2) on stdin, runs the form with the destination ymm0,
 * VEX.vvvv ymm1 and r/m ymm2 (or ymm2's bytes in memory), and writes 40-byte
 * records (ymm0, MXCSR, zero) on stdout. No libc: raw system calls only.
 *
 * Form numbers: ((kind * 3 + order) * 6 + type) * 2 + mem, kind in fmadd,
 * fmsub, fnmadd, fnmsub, fmaddsub, fmsubadd; order in 132, 213, 231; type in
 * ps xmm, ps ymm, pd xmm, pd ymm, ss, sd (not for the alternating kinds). */
#include <stdint.h>

struct in { uint32_t form, mx, a[8], b[8], c[8]; };
struct out { uint32_t r[8], mx, zero; };

__asm__(".globl _start\n_start:\n xor %ebp, %ebp\n and $-16, %rsp\n call run\n mov $60, %eax\n xor %edi, %edi\n syscall\n");

static long sys3(long nr, long a, long b, long c) {
	long r;
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return r;
}

#define ONE(N, INSN) case N: __asm__ volatile("ldmxcsr %[mx]\n vmovdqu %[a], %%ymm0\n vmovdqu %[b], %%ymm1\n vmovdqu %[c], %%ymm2\n" \
		INSN "\n stmxcsr %[mo]\n vmovdqu %%ymm0, %[r]\n ldmxcsr %[dflt]" \
		: [r] "=m"(o->r), [mo] "=m"(o->mx) : [mx] "m"(i->mx), [a] "m"(i->a), [b] "m"(i->b), [c] "m"(i->c), [dflt] "m"(dflt) \
		: "xmm0", "xmm1", "xmm2"); break;
#define TYPE(N, I, X) ONE(N, I " %%" X "mm2, %%" X "mm1, %%" X "mm0") ONE(N + 1, I " %[c], %%" X "mm1, %%" X "mm0")
#define PACKED(N, I) TYPE(N, I "ps", "x") TYPE(N + 2, I "ps", "y") TYPE(N + 4, I "pd", "x") TYPE(N + 6, I "pd", "y")
#define ALL(N, I) PACKED(N, I) TYPE(N + 8, I "ss", "x") TYPE(N + 10, I "sd", "x")
#define ORDERS(K, M, I) M(K * 36, I "132") M(K * 36 + 12, I "213") M(K * 36 + 24, I "231")

static void one(const struct in *i, struct out *o) {
	static const uint32_t dflt = 0x1f80;
	switch (i->form) {
	ORDERS(0, ALL, "vfmadd") ORDERS(1, ALL, "vfmsub") ORDERS(2, ALL, "vfnmadd") ORDERS(3, ALL, "vfnmsub")
	ORDERS(4, PACKED, "vfmaddsub") ORDERS(5, PACKED, "vfmsubadd")
	}
}

#define BATCH 256
static struct in ibuf[BATCH];
static struct out obuf[BATCH];

void run(void) {
	for (;;) {
		long got = 0;
		while (got < (long)sizeof ibuf) {
			long n = sys3(0, 0, (long)ibuf + got, sizeof ibuf - got);
			if (n <= 0) break;
			got += n;
		}
		long n = got / (long)sizeof(struct in);
		for (long k = 0; k < n; k++) {
			for (int w = 0; w < 8; w++) obuf[k].r[w] = 0;
			obuf[k].mx = obuf[k].zero = 0;
			one(&ibuf[k], &obuf[k]);
		}
		for (long off = 0, len = n * (long)sizeof(struct out); off < len;) {
			long w = sys3(1, 1, (long)obuf + off, len - off);
			if (w <= 0) return;
			off += w;
		}
		if (got < (long)sizeof ibuf) return;
	}
}
