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

/* x87: st0 = a, st1 = b (80-bit), memory operand m; INSN; status word, then st0 (popped as 80 bits) */
#define X87(N, INSN) case N: { uint16_t cw = i.ctl, sw; \
	__asm__ volatile("fninit\n fldcw %[cw]\n fldt %[b]\n fldt %[a]\n" FLAGS_IN INSN "\n pushfq\n pop %[fl]\n fnstsw %[sw]\n fstpt %[r]\n fninit" \
		: [r] "=m"(o.r), [sw] "=m"(sw), [fl] "=&r"(fl), [mo] "=m"(o.pad) : [cw] "m"(cw), [a] "m"(i.a), [b] "m"(i.b), [mb] "m"(i.pad) : "cc", "memory"); \
	o.st = sw; } break;

/* x87 with two results: st0 in r, st1 in pad (its low 64 bits) and fl (its top 16) */
#define X87_2(N, INSN) case N: { uint16_t cw = i.ctl, sw; uint8_t t[10]; \
	__asm__ volatile("fninit\n fldcw %[cw]\n fldt %[b]\n fldt %[a]\n" INSN "\n fnstsw %[sw]\n fstpt %[r]\n fstpt %[t]\n fninit" \
		: [r] "=m"(o.r), [sw] "=m"(sw), [t] "=m"(t) : [cw] "m"(cw), [a] "m"(i.a), [b] "m"(i.b) : "memory"); \
	o.st = sw; memcpy(&o.pad, t, 8); fl = t[8] | t[9] << 8; } break;
#define FILL6 "fld %%st(0)\n fld %%st(0)\n fld %%st(0)\n fld %%st(0)\n fld %%st(0)\n fld %%st(0)\n"

/* fxsave (ops 300..304: bytes 32k..32k+31 of the image) and fnstenv (op 305)
 * after st1 = b, st0 = a, fdiv %st(1), %st, fld1 */
static void image(struct in *i, struct out *o) {
	static uint8_t img[512] __attribute__((aligned(16)));
	uint8_t env[32];
	uint16_t cw = i->ctl;
	memset(env, 0, sizeof env);
	__asm__ volatile("fninit\n fldcw %[cw]\n fldt %[b]\n fldt %[a]\n .byte 0xd8,0xf1\n fld1\n fxsave %[img]\n fnstenv %[env]\n fninit"
		: [img] "=m"(img), [env] "=m"(env) : [cw] "m"(cw), [a] "m"(i->a), [b] "m"(i->b) : "memory");
	memcpy(o, i->op == 305 ? env : img + 32 * (i->op - 300), 32);
}

int main(void) {
	struct in i;
	uint32_t dflt = 0x1f80;
	while (fread(&i, sizeof i, 1, stdin) == 1) {
		struct out o;
		uint64_t fl = 0;
		memset(&o, 0, sizeof o);
		if (i.op >= 300 && i.op <= 305) { image(&i, &o); fwrite(&o, sizeof o, 1, stdout); continue; }
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
		X87(100, ".byte 0xd8,0xc1")
		X87(101, ".byte 0xd8,0xc9")
		X87(102, ".byte 0xd8,0xe1")
		X87(103, ".byte 0xd8,0xe9")
		X87(104, ".byte 0xd8,0xf1")
		X87(105, ".byte 0xd8,0xf9")
		X87(106, ".byte 0xde,0xc1")
		X87(107, ".byte 0xde,0xc9")
		X87(108, ".byte 0xde,0xe9")
		X87(109, ".byte 0xde,0xe1")
		X87(110, ".byte 0xde,0xf9")
		X87(111, ".byte 0xde,0xf1")
		X87(112, "fadds %[mb]")
		X87(113, "fsubs %[mb]")
		X87(114, "fsubrs %[mb]")
		X87(115, "fmuls %[mb]")
		X87(116, "fdivs %[mb]")
		X87(117, "fdivrs %[mb]")
		X87(118, "faddl %[mb]")
		X87(119, "fsubl %[mb]")
		X87(120, "fsubrl %[mb]")
		X87(121, "fmull %[mb]")
		X87(122, "fdivl %[mb]")
		X87(123, "fdivrl %[mb]")
		X87(124, "fiadds %[mb]")
		X87(125, "fiaddl %[mb]")
		X87(126, "fidivl %[mb]")
		X87(127, "fisubrs %[mb]")
		X87(128, "fsqrt")
		X87(129, "frndint")
		X87(130, "fscale")
		X87(131, "fprem")
		X87(132, "fprem1")
		X87(133, "fchs")
		X87(134, "fabs")
		X87(135, "fxam")
		X87(136, "ftst")
		X87(137, ".byte 0xd8,0xd1")
		X87(138, ".byte 0xdd,0xe1")
		X87(139, ".byte 0xde,0xd9")
		X87(140, ".byte 0xda,0xe9")
		X87(141, ".byte 0xdb,0xf1")
		X87(142, ".byte 0xdb,0xe9")
		X87(143, ".byte 0xdf,0xf1")
		X87(144, ".byte 0xdf,0xe9")
		X87(145, "fcoms %[mb]")
		X87(146, "fcoml %[mb]")
		X87(147, "flds %[mb]")
		X87(148, "fldl %[mb]")
		X87(149, "filds %[mb]")
		X87(150, "fildl %[mb]")
		X87(151, "fildll %[mb]")
		X87(152, "fsts %[mo]")
		X87(153, "fstl %[mo]")
		X87(154, "fstps %[mo]")
		X87(155, "fists %[mo]")
		X87(156, "fistl %[mo]")
		X87(157, "fistpll %[mo]")
		X87(158, "fisttps %[mo]")
		X87(159, "fisttpl %[mo]")
		X87(160, "fisttpll %[mo]")
		X87(161, "fld1")
		X87(162, "fldl2t")
		X87(163, "fldl2e")
		X87(164, "fldpi")
		X87(165, "fldlg2")
		X87(166, "fldln2")
		X87(167, "fldz")
		X87(168, ".byte 0xd9,0xc9")
		X87(169, ".byte 0xdd,0xd1")
		X87_2(170, "fsin") X87_2(171, "fcos") X87_2(172, "fsincos") X87_2(173, "fptan")
		X87_2(174, "fpatan") X87_2(175, "f2xm1") X87_2(176, "fyl2x") X87_2(177, "fyl2xp1")
		/* stack faults: st(0) or st(1) empty, or st(7) in use before a push */
		X87_2(180, "ffree %%st(0)\n fsin") X87_2(181, "ffree %%st(0)\n fcos")
		X87_2(182, "ffree %%st(0)\n fsincos") X87_2(183, "ffree %%st(0)\n fptan")
		X87_2(184, "ffree %%st(1)\n fpatan") X87_2(185, "ffree %%st(0)\n f2xm1")
		X87_2(186, "ffree %%st(1)\n fyl2x") X87_2(187, "ffree %%st(0)\n fyl2xp1")
		X87_2(188, FILL6 "fsincos") X87_2(189, FILL6 "fptan")
		default: return 2;
		}
		o.fl = (uint32_t)fl;
		fwrite(&o, sizeof o, 1, stdout);
	}
	return 0;
}
