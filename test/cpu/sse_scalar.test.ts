// The scalar instructions libm runs most (addsd, subsd, mulsd, divsd, their ss forms,
// ucomisd, comisd, cvtsi2sd, the moves and bitwise ops around them) against the real
// CPU, as the compiled Ops and as translated blocks: translated code takes a
// fast path written into the block (sse_float.ts hot64Source) for normal
// operands in round to nearest with PE set, fast64 when PE is clear, and the
// exact way for the rest. The operands are mostly ordinary doubles (the fast
// paths' case), with values at the fast paths' range limits, zeros,
// denormals, infinities and NaNs, under every rounding mode, DAZ and FTZ,
// and with MXCSR's flags set or clear before each instruction (exceptions masked).
import { describe, expect, it } from "vitest";
import { differentRecords, EXECUTION_MODES, flatProgram, haveToolchain, nativeRecords, runGenerated } from "./flat.js";
import { Rng, specials } from "./fpu_ref.js";

const CASES = 1500;
/** Each case's record: per op its result (8 bytes), MXCSR after it, RFLAGS' low dword (16 bytes), the same for cvtsi2sd; then the bitwise ops (32). */
const OPS = ["addsd %xmm1, %xmm2", "subsd 8(%rsi), %xmm2", "mulsd %xmm1, %xmm2", "divsd 8(%rsi), %xmm2",
  "mulsd 8(%rsi), %xmm2", "divsd %xmm1, %xmm2", "subsd %xmm1, %xmm2", "addsd 8(%rsi), %xmm2",
  // the same on single precision, the operands' low dwords (random floats of any exponent)
  "addss %xmm1, %xmm2", "subss 8(%rsi), %xmm2", "mulss %xmm1, %xmm2", "divss 8(%rsi), %xmm2"];
const RECORD = (OPS.length + 2 + 4) * 16 + 32;

const hexq = (v: bigint): string => "0x" + v.toString(16);

/** A double with exponent e (unbiased), random sign and significand: short ones (exact results) one time in four. */
function double(rng: Rng, e: number): bigint {
  let frac = rng.next64() & ((1n << 52n) - 1n);
  if (rng.int(4) === 0) frac &= ~((1n << BigInt(40 + rng.int(13))) - 1n);
  return (BigInt(rng.int(2)) << 63n) | (BigInt(e + 1023) << 52n) | frac;
}

/** An operand: mostly ordinary, else near the fast paths' limits (2^-900, 2^990) or the range's ends, or special. */
function operand(rng: Rng, other: bigint | null): bigint {
  const k = rng.int(16);
  if (k < 9) return double(rng, rng.int(61) - 30);
  if (k === 9 && other !== null) return other ^ BigInt(rng.int(4)); // near-equal: cancellation, equal compares
  if (k === 10) return double(rng, -900 + rng.int(5) - 2);
  if (k === 11) return double(rng, 990 + rng.int(5) - 2);
  if (k === 12) return double(rng, rng.int(2) ? -460 + rng.int(9) - 4 : 500 + rng.int(9) - 4);
  if (k === 13) return double(rng, rng.int(2) ? -1022 + rng.int(4) : 1020 + rng.int(4));
  return rng.pick(specials(11, 52, false));
}

/** A 64-bit integer for cvtsi2sd: small, random, or near ±2^53 (where it stops being exact) or the ends. */
function integer(rng: Rng): bigint {
  const near = [1n << 53n, -(1n << 53n), 1n << 63n, (1n << 63n) - 1n, 1n << 31n][rng.int(5)];
  const v = [BigInt(rng.int(2000) - 1000), rng.next64(), near + BigInt(rng.int(9) - 4)][rng.int(3)];
  return BigInt.asUintN(64, v);
}

function generate(): { asm: string; descs: string[] } {
  const rng = new Rng(77);
  const data = [".balign 16", "cases:"];
  const descs: string[] = [];
  for (let i = 0; i < CASES; i++) {
    const a = operand(rng, null), b = operand(rng, a);
    // masks all set; random rounding, DAZ, FTZ and flags already raised (PE most often, the fast path's case)
    const flags = rng.int(3) === 0 ? 0 : rng.int(4) === 0 ? rng.int(64) : 0x20;
    const rc = rng.int(3) === 0 ? rng.int(4) : 0;
    const mx = 0x1f80 | flags | (rc << 13) | (rng.int(8) === 0 ? 0x40 : 0) | (rng.int(8) === 0 ? 0x8000 : 0);
    data.push(`.quad ${hexq(a)}, ${hexq(b)}, ${mx}, ${hexq(integer(rng))}`);
    descs.push(`a=${hexq(a)} b=${hexq(b)} mxcsr=${mx.toString(16)}`);
  }
  const one = (op: string): string[] => ["ldmxcsr 16(%rsi)", "movapd %xmm0, %xmm2", op, "stmxcsr 8(%r15)", "movsd %xmm2, (%r15)", "add $16, %r15"];
  const body = [
    "lea cases(%rip), %rsi", `mov $${CASES}, %ecx`, "1:",
    "movsd (%rsi), %xmm0", "movq 8(%rsi), %rax", "movq %rax, %xmm1",
    ...OPS.flatMap(one),
    // the compares: RFLAGS, and the conditions a translated block reads from them
    ...["ucomisd %xmm1, %xmm0", "comisd 8(%rsi), %xmm0"].flatMap((op) => ["ldmxcsr 16(%rsi)", op, "pushfq", "pop %rax",
      "setb %dl", "sete %dh", "setp %bl", "setbe %bh", "stmxcsr 8(%r15)", "mov %eax, 12(%r15)", "mov %dx, (%r15)", "mov %bx, 2(%r15)",
      "movd %xmm0, %eax", "mov %eax, 4(%r15)", "add $16, %r15"]),
    // integers to doubles: 64 bits from memory and a register, 32 bits
    ...["cvtsi2sdq 24(%rsi), %xmm2", "mov 24(%rsi), %rax\ncvtsi2sdq %rax, %xmm2", "cvtsi2sdl 24(%rsi), %xmm2", "cvtsi2sdl %eax, %xmm2"].flatMap(one),
    // the bitwise ops and moves around them (fabs, negation, copysign)
    "movapd %xmm0, %xmm3", "andpd absmask(%rip), %xmm3", "movapd %xmm1, %xmm4", "xorpd signmask(%rip), %xmm4",
    "movapd %xmm0, %xmm5", "andnpd %xmm1, %xmm5", "orpd %xmm3, %xmm5", "movq %xmm4, %rax", "movq %xmm5, 8(%r15)", "mov %rax, (%r15)",
    "movsd %xmm3, %xmm4", "movq %xmm4, %xmm6", "movlpd %xmm6, 16(%r15)", "movd %xmm3, %eax", "mov %eax, 24(%r15)", "add $32, %r15",
    "add $32, %rsi", "dec %ecx", "jnz 1b", "ldmxcsr mxreset(%rip)",
  ];
  data.push(".balign 16", "absmask: .quad 0x7fffffffffffffff, 0x7fffffffffffffff", "signmask: .quad 0x8000000000000000, 0",
    "mxreset: .long 0x1f80");
  return { asm: flatProgram(body, data, [`buf: .skip ${CASES * RECORD}`]), descs };
}

describe.skipIf(!haveToolchain())("scalar double instructions against the real CPU", () => {
  it.each(EXECUTION_MODES)("give the hardware's results, MXCSR and RFLAGS (%s)", (_mode, jitThreshold) => {
    const { asm, descs } = generate();
    const { text, ref } = nativeRecords(asm);
    expect(ref.length).toBe(CASES * RECORD);
    const out = runGenerated(text, CASES * RECORD + 4096, jitThreshold);
    const bad = differentRecords(descs.map((desc) => ({ desc })), ref, out, RECORD);
    expect(bad.slice(0, 10).join("\n")).toBe("");
  });
});
