// Generates a program that runs SSE and x87 floating-point instructions as
// encoded by the assembler, through the CPU's decoder and executor: each
// case loads its operands from a table, sets MXCSR or the x87 control word
// and RFLAGS, runs one instruction and records a 48-byte result:
//   0  xmm0 (SSE) or st(0) as 80 bits (x87)     16 rax
//   24 MXCSR (SSE) or the x87 status word       28 RFLAGS (low 32 bits)
//   32 what an x87 store wrote, or xmm1's low 8 bytes (SSE)   40 zero
// The same program runs natively and under the emulator.
import { randomFloat, randomInt, Rng, specials } from "./fpu_ref.js";

export const RECORD = 48;

export interface FloatCase { desc: string }

const hexq = (v: bigint): string => "0x" + BigInt.asUintN(64, v).toString(16);

function f32s(rng: Rng, n: number): bigint[] {
  const sp = specials(8, 23, false);
  return Array.from({ length: n }, () => (rng.int(3) === 0 ? rng.pick(sp) : randomFloat(rng, 8, 23, false)));
}
function f64s(rng: Rng, n: number): bigint[] {
  const sp = specials(11, 52, false);
  return Array.from({ length: n }, () => (rng.int(3) === 0 ? rng.pick(sp) : randomFloat(rng, 11, 52, false)));
}
/** 128 bits of lanes, low lane first. */
const vec = (lanes: bigint[], bits: number): bigint => lanes.reduce((acc, v, i) => acc | (v << BigInt(i * bits)), 0n);

/** SSE instructions: name, operand lane kind, whether it takes an imm8, memory operand bytes. */
const SSE: [string, "ps" | "pd" | "ss" | "sd" | "dq", boolean, number][] = [];
for (const op of ["add", "sub", "mul", "div", "min", "max", "sqrt"]) {
  SSE.push([op + "ps", "ps", false, 16], [op + "pd", "pd", false, 16], [op + "ss", "ss", false, 4], [op + "sd", "sd", false, 8]);
}
SSE.push(["cmpps", "ps", true, 16], ["cmppd", "pd", true, 16], ["cmpss", "ss", true, 4], ["cmpsd", "sd", true, 8]);
for (const op of ["comiss", "ucomiss"]) SSE.push([op, "ss", false, 4]);
for (const op of ["comisd", "ucomisd"]) SSE.push([op, "sd", false, 8]);
for (const op of ["and", "andn", "or", "xor"]) SSE.push([op + "ps", "ps", false, 16], [op + "pd", "pd", false, 16]);
SSE.push(["shufps", "ps", true, 16], ["shufpd", "pd", true, 16]);
for (const op of ["unpcklps", "unpckhps"]) SSE.push([op, "ps", false, 16]);
for (const op of ["unpcklpd", "unpckhpd"]) SSE.push([op, "pd", false, 16]);
SSE.push(["cvtdq2ps", "dq", false, 16], ["cvtdq2pd", "dq", false, 8], ["cvtps2dq", "ps", false, 16], ["cvttps2dq", "ps", false, 16],
  ["cvtpd2dq", "pd", false, 16], ["cvttpd2dq", "pd", false, 16], ["cvtps2pd", "ps", false, 8], ["cvtpd2ps", "pd", false, 16],
  ["cvtsd2ss", "sd", false, 8], ["cvtss2sd", "ss", false, 4]);
// SSE3's horizontal and alternating ops; SSE4.1's rounding (every imm mode against every MXCSR) and dot products
for (const op of ["haddps", "hsubps", "addsubps"]) SSE.push([op, "ps", false, 16]);
for (const op of ["haddpd", "hsubpd", "addsubpd"]) SSE.push([op, "pd", false, 16]);
SSE.push(["roundps", "ps", true, 16], ["roundpd", "pd", true, 16], ["roundss", "ss", true, 4], ["roundsd", "sd", true, 8],
  ["dpps", "ps", true, 16], ["dppd", "pd", true, 16]);

/** Packed BCD with 0..18 valid digits and either sign (digits above 9 are undefined, so never made). */
function randomBcd(rng: Rng): bigint {
  let v = 0n;
  for (let i = rng.int(19) - 1; i >= 0; i--) v |= BigInt(rng.int(10)) << BigInt(4 * i);
  return v | (BigInt(rng.int(2)) << 79n);
}

/** x87 instructions with st(0) = a, st(1) = b and a memory operand of the given kind. */
const X87: [string, "none" | "f32" | "f64" | "f80" | "i16" | "i32" | "i64" | "bcd" | "store"][] = [
  ["fadd %st(1), %st", "none"], ["fmul %st(1), %st", "none"], ["fsub %st(1), %st", "none"], ["fsubr %st(1), %st", "none"],
  ["fdiv %st(1), %st", "none"], ["fdivr %st(1), %st", "none"], ["faddp", "none"], ["fmulp", "none"],
  [".byte 0xde, 0xe9 # fsubp st(1), st", "none"], [".byte 0xde, 0xe1 # fsubrp st(1), st", "none"],
  [".byte 0xde, 0xf9 # fdivp st(1), st", "none"], [".byte 0xde, 0xf1 # fdivrp st(1), st", "none"],
  [".byte 0xdc, 0xe9 # fsub st(1), st", "none"], [".byte 0xdc, 0xf1 # fdivr st(1), st", "none"],
  ["fadds M", "f32"], ["fsubrs M", "f32"], ["fmull M", "f64"], ["fdivl M", "f64"], ["fiaddl M", "i32"], ["fisubrs M", "i16"], ["fimull M", "i32"],
  ["fsqrt", "none"], ["frndint", "none"], ["fscale", "none"], ["fprem", "none"], ["fprem1", "none"],
  // fxtract's two results: the significand in st(0), then (popped to) the exponent
  ["fxtract", "none"], ["fxtract\nfstp %st(0)", "none"], ["fchs", "none"], ["fabs", "none"],
  ["fxam", "none"], ["ftst", "none"], ["fcom %st(1)", "none"], ["fucom %st(1)", "none"], ["fcompp", "none"], ["fucompp", "none"],
  ["fcomi %st(1), %st", "none"], ["fucomi %st(1), %st", "none"], ["fcomip %st(1), %st", "none"], ["fucomip %st(1), %st", "none"],
  ["fcoms M", "f32"], ["fcompl M", "f64"], ["flds M", "f32"], ["fldl M", "f64"], ["fldt M", "f80"], ["filds M", "i16"], ["fildl M", "i32"], ["fildll M", "i64"],
  ["fsts S", "store"], ["fstpl S", "store"], ["fstpt S", "store"], ["fists S", "store"], ["fistl S", "store"], ["fistpll S", "store"],
  ["fisttps S", "store"], ["fisttpl S", "store"], ["fisttpll S", "store"], ["fbld M", "bcd"], ["fbstp S", "store"],
  ["fld1", "none"], ["fldl2t", "none"], ["fldl2e", "none"], ["fldpi", "none"], ["fldlg2", "none"], ["fldln2", "none"], ["fldz", "none"],
  ["fxch %st(1)", "none"], ["fld %st(1)", "none"], ["fst %st(1)", "none"], ["fstp %st(1)", "none"], ["ffree %st(1)", "none"],
  ["fincstp", "none"], ["fdecstp", "none"], ["fnclex", "none"], ["fnop", "none"], ["fwait", "none"],
  ["fcmovb %st(1), %st", "none"], ["fcmove %st(1), %st", "none"], ["fcmovbe %st(1), %st", "none"], ["fcmovu %st(1), %st", "none"],
  ["fcmovnb %st(1), %st", "none"], ["fcmovne %st(1), %st", "none"], ["fcmovnbe %st(1), %st", "none"], ["fcmovnu %st(1), %st", "none"],
  ["fnstsw %ax", "none"], ["fnstcw S", "store"], ["fnstsw S", "store"],
  // the environment after a memory-operand instruction: FOP, FIP and FDP
  ["fadds M\nfnstenv 16(%r15)", "f32"], ["fmull M\nfxch %st(1)\nfnstenv 16(%r15)", "f64"],
];

/**
 * The cases of one part, SSE or x87 (or every `stride`-th): the program
 * source and the cases' descriptions. `perOp` cases for each instruction form.
 */
export function generate(part: "sse" | "x87", perOp: number, stride = 1): { asm: string; cases: FloatCase[] } {
  const rng = new Rng(2026);
  const code: string[] = [".text", ".globl _start", "_start:", "mov $0x10000000, %r15"];
  const data: string[] = [".balign 16", "table:"];
  const cases: FloatCase[] = [];
  let ci = 0, di = 0;
  /** A 16-byte table entry (aligned); returns its label. */
  const entry = (v: bigint): string => {
    const l = `d${di++}`;
    data.push(`${l}: .quad ${hexq(v & ((1n << 64n) - 1n))}, ${hexq(v >> 64n)}`);
    return l;
  };
  const take = (): boolean => ci++ % stride === 0;
  const rflagsIn = (): number => (rng.int(2) ? 0x202 : 0x202 | 0x8d5);

  for (const [name, kind, hasImm, msz] of part === "sse" ? SSE : []) {
    for (let k = 0; k < (/^(round|dp)/.test(name) ? 4 * perOp : perOp); k++) {
      const lanes = (): bigint => (kind === "ps" || kind === "ss" ? vec(f32s(rng, 4), 32)
        : kind === "dq" ? vec(Array.from({ length: 4 }, () => randomInt(rng, 32)), 32) : vec(f64s(rng, 2), 64));
      let a = lanes(), b = lanes();
      if (rng.int(4) === 0) b = a ^ BigInt(rng.int(16)); // near-equal operands
      const mx = 0x1f80 | (rng.int(4) << 13) | (rng.int(4) === 0 ? 0x40 : 0) | (rng.int(4) === 0 ? 0x8000 : 0);
      const imm = hasImm ? (name.startsWith("cmp") ? rng.int(8) : name.startsWith("round") ? k % 16 : rng.int(256)) : -1;
      const mem = rng.int(3) === 0;
      if (!take()) continue;
      const la = entry(a), lb = entry(b), lm = entry(BigInt(mx));
      const src = mem ? `${lb}(%rip)` : "%xmm1";
      void msz;
      code.push(`# ${name} ${mem ? "mem" : "reg"}`, `ldmxcsr ${lm}(%rip)`, `movups ${la}(%rip), %xmm0`, `movups ${lb}(%rip), %xmm1`,
        "xor %eax, %eax", `push $${rflagsIn()}`, "popfq", `${name} ${imm >= 0 ? `$${imm}, ` : ""}${src}, %xmm0`, "pushfq", "pop %r8",
        "stmxcsr 24(%r15)", "movups %xmm0, (%r15)", "mov %rax, 16(%r15)", "mov %r8d, 28(%r15)", "movq %xmm1, 32(%r15)", "add $48, %r15");
      cases.push({ desc: `${name} ${mem ? "mem" : "xmm"} a=${hexq(a >> 64n)}:${hexq(a)} b=${hexq(b >> 64n)}:${hexq(b)} mxcsr=${mx.toString(16)}${imm >= 0 ? ` imm=${imm}` : ""}` });
    }
  }
  // SSE with general registers
  const GPR: [string, string, "f32" | "f64" | "i32" | "i64"][] = [
    ["cvtsi2ssl %ebx, %xmm0", "cvtsi2ssl M, %xmm0", "i32"], ["cvtsi2ssq %rbx, %xmm0", "cvtsi2ssq M, %xmm0", "i64"],
    ["cvtsi2sdl %ebx, %xmm0", "cvtsi2sdl M, %xmm0", "i32"], ["cvtsi2sdq %rbx, %xmm0", "cvtsi2sdq M, %xmm0", "i64"],
    ["cvtss2si %xmm1, %eax", "cvtss2si M, %eax", "f32"], ["cvtss2si %xmm1, %rax", "cvtss2si M, %rax", "f32"],
    ["cvttss2si %xmm1, %eax", "cvttss2si M, %eax", "f32"], ["cvttss2si %xmm1, %rax", "cvttss2si M, %rax", "f32"],
    ["cvtsd2si %xmm1, %eax", "cvtsd2si M, %eax", "f64"], ["cvtsd2si %xmm1, %rax", "cvtsd2si M, %rax", "f64"],
    ["cvttsd2si %xmm1, %eax", "cvttsd2si M, %eax", "f64"], ["cvttsd2si %xmm1, %rax", "cvttsd2si M, %rax", "f64"],
  ];
  for (const [reg, memForm, kind] of part === "sse" ? GPR : []) {
    for (let k = 0; k < perOp; k++) {
      const b = kind === "f32" ? f32s(rng, 1)[0] : kind === "f64" ? f64s(rng, 1)[0] : randomInt(rng, kind === "i32" ? 32 : 64);
      const a = vec(f64s(rng, 2), 64);
      const mx = 0x1f80 | (rng.int(4) << 13) | (rng.int(4) === 0 ? 0x40 : 0);
      const mem = rng.int(3) === 0;
      if (!take()) continue;
      const la = entry(a), lb = entry(b), lm = entry(BigInt(mx));
      const insn = mem ? memForm.replace("M", `${lb}(%rip)`) : reg;
      code.push(`# ${insn}`, `ldmxcsr ${lm}(%rip)`, `movups ${la}(%rip), %xmm0`, `movups ${lb}(%rip), %xmm1`, `mov ${lb}(%rip), %rbx`,
        "mov $-1, %rax", insn, "stmxcsr 24(%r15)", "movups %xmm0, (%r15)", "mov %rax, 16(%r15)", "add $48, %r15");
      cases.push({ desc: `${insn} a=${hexq(a)} b=${hexq(b)} mxcsr=${mx.toString(16)}` });
    }
  }
  // x87
  const sp80 = specials(15, 64, true);
  for (const [insn, mk] of part === "x87" ? X87 : []) {
    for (let k = 0; k < perOp; k++) {
      const f80 = (): bigint => (rng.int(3) === 0 ? rng.pick(sp80) : randomFloat(rng, 15, 64, true));
      let a = f80();
      let b = f80();
      // fbstp: mostly in BCD's range (below 10^18: exponents up to 2^59), a few just past it
      if (insn.startsWith("fbstp") && rng.int(4)) a = (a & ((1n << 80n) - 1n - (0x7fffn << 64n))) | (BigInt(16383 - 3 + rng.int(64)) << 64n);
      if (insn === "fscale" && rng.int(2)) b = (b & ((1n << 64n) - 1n)) | (BigInt(16383 + rng.int(14)) << 64n) | (BigInt(rng.int(2)) << 79n);
      if (insn.startsWith("fprem") && rng.int(2)) b = (b & ((1n << 64n) - 1n)) | ((((a >> 64n) & 0x7fffn) - BigInt(rng.int(70))) & 0x7fffn) << 64n;
      const m = mk === "f32" ? f32s(rng, 1)[0] : mk === "f64" ? f64s(rng, 1)[0] : mk === "f80" ? f80()
        : mk === "i16" ? randomInt(rng, 16) : mk === "i32" ? randomInt(rng, 32) : mk === "i64" ? randomInt(rng, 64)
        : mk === "bcd" ? randomBcd(rng) : 0n;
      const cw = 0x7f | ([0, 2, 3][rng.int(3)] << 8) | (rng.int(4) << 10);
      // one empty register in a few cases: stack underflow
      const empty = rng.int(12) === 0;
      if (!take()) continue;
      const la = entry(a), lb = entry(b), lm = entry(m), lc = entry(BigInt(cw));
      const text = insn.replace("M", `${lm}(%rip)`).replace("S", "32(%r15)");
      code.push(`# ${insn}`, "fninit", `fldcw ${lc}(%rip)`, `fldt ${lb}(%rip)`, `fldt ${la}(%rip)`);
      if (empty) code.push("ffree %st(1)");
      if (text.includes("fnstenv")) code.push(text, "fstpt (%r15)", "add $48, %r15");
      else {
        code.push("xor %eax, %eax", `push $${rflagsIn()}`, "popfq", text, "pushfq", "pop %r8", "mov %rax, 16(%r15)", "fnstsw 24(%r15)",
          "fstpt (%r15)", "mov %r8d, 28(%r15)", "add $48, %r15");
      }
      cases.push({ desc: `${insn} a=${hexq(a >> 64n)}:${hexq(a)} b=${hexq(b >> 64n)}:${hexq(b)} m=${hexq(m)} cw=${cw.toString(16)}${empty ? " st1 empty" : ""}` });
    }
  }
  // write the records (a pipe may take them in pieces)
  code.push(part === "sse" ? "ldmxcsr mxreset(%rip)" : "fninit", "mov $0x10000000, %rsi", `mov $${cases.length * RECORD}, %edx`,
    "1: test %rdx, %rdx", "jz 2f", "mov $1, %eax", "mov $1, %edi", "syscall", "add %rax, %rsi", "sub %rax, %rdx", "jmp 1b",
    "2: mov $60, %eax", "xor %edi, %edi", "syscall");
  data.push("mxreset: .long 0x1f80");
  const bss = [".bss", ".align 4096", `buf: .skip ${cases.length * RECORD + 4096}`];
  return { asm: [...code, ...data, ...bss, ""].join("\n"), cases };
}
