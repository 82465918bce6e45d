/* The real CPU's answers for test/cpu/fpu.test.ts: reads 48-byte records
 * (op, control word, operand a, operand b as 128-bit little-endian slots) on
 * stdin and writes 32-byte records (result as 128 bits, the status
 * (MXCSR or the x87 status word) and RFLAGS) on stdout. Op numbers are
 * listed in test/cpu/fpu-ops.ts. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct in { uint32_t op, ctl; uint64_t a, ah, b, bh, pad; };
struct out { uint64_t r, rh; uint32_t st, fl; uint64_t pad; };

#define FLAGS_IN "push $0x8d7\n popfq\n"

/* SSE: xmm0 = a, xmm1 = b, INSN, result from xmm0 */
#define SSE(N, INSN) case N: \
	__asm__ volatile("ldmxcsr %[m]\n movq %[a], %%xmm0\n movq %[b], %%xmm1\n" FLAGS_IN INSN "\n pushfq\n pop %[fl]\n stmxcsr %[m2]\n movq %%xmm0, %[r]\n ldmxcsr %[d]" \
		: [r] "=&r"(o.r), [m2] "=m"(o.st), [fl] "=&r"(fl) : [m] "m"(i.ctl), [a] "r"(i.a), [b] "r"(i.b), [d] "m"(dflt) : "xmm0", "xmm1", "cc"); break;
/* SSE to a general register: result in r */
#define SSEI(N, INSN) case N: \
	__asm__ volatile("ldmxcsr %[m]\n movq %[a], %%xmm0\n movq %[b], %%xmm1\n" INSN "\n stmxcsr %[m2]\n ldmxcsr %[d]" \
		: [r] "=&r"(o.r), [m2] "=m"(o.st) : [m] "m"(i.ctl), [a] "r"(i.a), [b] "r"(i.b), [d] "m"(dflt) : "xmm0", "xmm1"); break;

#define CMP8(B, F) SSE(B + 0, "cmp" F " $0, %%xmm1, %%xmm0") SSE(B + 1, "cmp" F " $1, %%xmm1, %%xmm0") \
	SSE(B + 2, "cmp" F " $2, %%xmm1, %%xmm0") SSE(B + 3, "cmp" F " $3, %%xmm1, %%xmm0") \
	SSE(B + 4, "cmp" F " $4, %%xmm1, %%xmm0") SSE(B + 5, "cmp" F " $5, %%xmm1, %%xmm0") \
	SSE(B + 6, "cmp" F " $6, %%xmm1, %%xmm0") SSE(B + 7, "cmp" F " $7, %%xmm1, %%xmm0")

int main(void) {
	struct in i;
	uint32_t dflt = 0x1f80;
	while (fread(&i, sizeof i, 1, stdin) == 1) {
		struct out o;
		uint64_t fl = 0;
		memset(&o, 0, sizeof o);
		switch (i.op) {
		SSE(0, "addss %%xmm1, %%xmm0") SSE(1, "subss %%xmm1, %%xmm0") SSE(2, "mulss %%xmm1, %%xmm0")
		SSE(3, "divss %%xmm1, %%xmm0") SSE(4, "minss %%xmm1, %%xmm0") SSE(5, "maxss %%xmm1, %%xmm0")
		SSE(6, "sqrtss %%xmm1, %%xmm0")
		SSE(7, "addsd %%xmm1, %%xmm0") SSE(8, "subsd %%xmm1, %%xmm0") SSE(9, "mulsd %%xmm1, %%xmm0")
		SSE(10, "divsd %%xmm1, %%xmm0") SSE(11, "minsd %%xmm1, %%xmm0") SSE(12, "maxsd %%xmm1, %%xmm0")
		SSE(13, "sqrtsd %%xmm1, %%xmm0")
		CMP8(14, "ss") CMP8(22, "sd")
		SSE(30, "comiss %%xmm1, %%xmm0") SSE(31, "ucomiss %%xmm1, %%xmm0")
		SSE(32, "comisd %%xmm1, %%xmm0") SSE(33, "ucomisd %%xmm1, %%xmm0")
		SSE(34, "cvtsi2ssl %k[b], %%xmm0") SSE(35, "cvtsi2ssq %[b], %%xmm0")
		SSE(36, "cvtsi2sdl %k[b], %%xmm0") SSE(37, "cvtsi2sdq %[b], %%xmm0")
		SSEI(38, "cvtss2si %%xmm1, %k[r]") SSEI(39, "cvtss2si %%xmm1, %[r]")
		SSEI(40, "cvttss2si %%xmm1, %k[r]") SSEI(41, "cvttss2si %%xmm1, %[r]")
		SSEI(42, "cvtsd2si %%xmm1, %k[r]") SSEI(43, "cvtsd2si %%xmm1, %[r]")
		SSEI(44, "cvttsd2si %%xmm1, %k[r]") SSEI(45, "cvttsd2si %%xmm1, %[r]")
		SSE(46, "cvtsd2ss %%xmm1, %%xmm0") SSE(47, "cvtss2sd %%xmm1, %%xmm0")
		default: return 2;
		}
		o.fl = (uint32_t)fl;
		fwrite(&o, sizeof o, 1, stdout);
	}
	return 0;
}
