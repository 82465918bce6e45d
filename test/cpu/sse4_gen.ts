// Generates the SSE3/SSSE3/SSE4.1/SSE4.2 integer differential program: every
// case loads xmm0, xmm1, xmm2, rax, rdx, rcx and RFLAGS from a table, runs
// one instruction (or a short sequence) and records an 80-byte result:
//   0 xmm0   16 xmm1   32 xmm2   48 rax   56 rcx   64 RFLAGS (arithmetic)   72 MXCSR
// The same program runs natively and under the emulator.
import { flatProgram } from "./flat.js";
import { edgeVector, rng } from "./sse_gen.js";

export const RECORD = 80;

export interface Sse4Case {
  desc: string;
  /** xmm0, xmm1, xmm2 (dwords 0..11), rax, rdx, rcx (lo, hi at 12..17), RFLAGS at 18. */
  input: Uint32Array;
}

const SSSE3 = ["pshufb", "phaddw", "phaddd", "phaddsw", "pmaddubsw", "phsubw", "phsubd", "phsubsw", "psignb", "psignw", "psignd",
  "pmulhrsw", "pabsb", "pabsw", "pabsd"];
/** SSE4.1/4.2 two-operand instructions and their memory operand's size. */
const SSE4: [string, number][] = [
  ["pmovsxbw", 8], ["pmovsxbd", 4], ["pmovsxbq", 2], ["pmovsxwd", 8], ["pmovsxwq", 4], ["pmovsxdq", 8],
  ["pmovzxbw", 8], ["pmovzxbd", 4], ["pmovzxbq", 2], ["pmovzxwd", 8], ["pmovzxwq", 4], ["pmovzxdq", 8],
  ["pmuldq", 16], ["pcmpeqq", 16], ["packusdw", 16], ["pcmpgtq", 16], ["pminsb", 16], ["pminsd", 16], ["pminuw", 16], ["pminud", 16],
  ["pmaxsb", 16], ["pmaxsd", 16], ["pmaxuw", 16], ["pmaxud", 16], ["pmulld", 16], ["phminposuw", 16],
];
const LENGTHS = [0, 1, 2, 5, 7, 8, 9, 15, 16, 17, -1, -7, -8, -16, -17, 0x7fffffff, -0x80000000];

/** A string operand for the string compares: bytes or words from a small alphabet, some zero. */
function stringVector(r: () => number, words: boolean, zeros: boolean): Uint32Array {
  const v = new Uint32Array(4);
  const alphabet = [0x61, 0x62, 0x63, 0x7a, 0x80, 0xff, 0x01, 0x7f, 0x41];
  if (words) {
    const w = new Uint16Array(v.buffer);
    for (let i = 0; i < 8; i++) w[i] = zeros && r() % 7 === 0 ? 0 : r() % 5 === 0 ? r() & 0xffff : (alphabet[r() % alphabet.length] | (r() % 3 === 0 ? 0x8000 : 0));
  } else {
    const b = new Uint8Array(v.buffer);
    for (let i = 0; i < 16; i++) b[i] = zeros && r() % 9 === 0 ? 0 : alphabet[r() % alphabet.length];
  }
  return v;
}

export function generate(): { asm: string; cases: Sse4Case[] } {
  const r = rng(0x55e4);
  const cases: Sse4Case[] = [];
  const body: string[] = [];
  const data: string[] = [];
  const vec = (): number[] => [...edgeVector(r)];
  const flagsIn = (): number => [0, 0x8d5, r() & 0x8d5][r() % 3];
  const add = (desc: string, insn: string, input?: number[]): void => {
    const inp = Uint32Array.from(input ?? [...vec(), ...vec(), ...vec(), r(), r(), r(), r(), r(), r(), flagsIn(), 0]);
    const k = cases.length;
    cases.push({ desc: `${desc}: ${insn}`, input: inp });
    data.push(`in${k}: .long ${Array.from(inp, (x) => "0x" + x.toString(16)).join(", ")}`);
    body.push(`# ${desc}`, `movdqu in${k}(%rip), %xmm0`, `movdqu in${k}+16(%rip), %xmm1`, `movdqu in${k}+32(%rip), %xmm2`,
      `mov in${k}+48(%rip), %rax`, `mov in${k}+56(%rip), %rdx`, `mov in${k}+64(%rip), %rcx`, `pushq in${k}+72(%rip)`, "popfq",
      insn.replaceAll("MEMU", `in${k}+17(%rip)`).replaceAll("MEM", `in${k}+16(%rip)`),
      "pushfq", "pop %r14", "and $0x8d5, %r14",
      "movdqu %xmm0, (%r15)", "movdqu %xmm1, 16(%r15)", "movdqu %xmm2, 32(%r15)", "mov %rax, 48(%r15)", "mov %rcx, 56(%r15)",
      "mov %r14, 64(%r15)", "movq $0, 72(%r15)", "stmxcsr 72(%r15)", `add $${RECORD}, %r15`);
  };
  const others = (): number[] => [r(), r(), r(), r(), r(), r(), flagsIn(), 0];
  const imms = (n: number): number[] => [0, 1, 0xff, 0x55, 0xaa, 0x0f, 0xf0, ...Array.from({ length: n }, () => r() & 0xff)];

  // SSSE3: xmm forms (register, memory, same register, high registers) and MMX forms (through movdq2q / movq2dq)
  for (const name of SSSE3) {
    for (let t = 0; t < 24; t++) {
      add(name, `${name} %xmm1, %xmm0`);
      if (t % 6 === 0) add(name + " m128", `${name} MEM, %xmm0`);
      if (t % 8 === 0) add(name + " same", `${name} %xmm0, %xmm0`);
      if (t % 8 === 1) add(name + " xmm9, xmm12", `movdqa %xmm0, %xmm9\nmovdqa %xmm1, %xmm12\n${name} %xmm12, %xmm9\nmovdqa %xmm9, %xmm0`);
      const mm = (src: string): string => `movdq2q %xmm0, %mm0\nmovdq2q %xmm1, %mm1\n${name} ${src}, %mm0\nmovq2dq %mm0, %xmm0\nmovq2dq %mm1, %xmm1\nemms`;
      if (t % 2 === 0) add(name + " mm", mm("%mm1"));
      if (t % 6 === 1) add(name + " mm m64", mm("MEM"));
    }
  }
  for (const imm of [0, 1, 3, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 255]) {
    add(`palignr ${imm}`, `palignr $${imm}, %xmm1, %xmm0`);
    add(`palignr ${imm} m128`, `palignr $${imm}, MEM, %xmm0`);
    add(`palignr ${imm} mm`, `movdq2q %xmm0, %mm0\nmovdq2q %xmm1, %mm1\npalignr $${imm}, %mm1, %mm0\nmovq2dq %mm0, %xmm0\nemms`);
  }

  // SSE4.1 and pcmpgtq: register and memory forms
  for (const [name, msz] of SSE4) {
    for (let t = 0; t < 24; t++) {
      add(name, `${name} %xmm1, %xmm0`);
      if (t % 4 === 0) add(`${name} m${msz * 8}`, `${name} MEM, %xmm0`);
      if (t % 8 === 0) add(name + " same", `${name} %xmm0, %xmm0`);
      if (t % 8 === 1) add(name + " xmm11", `movdqa %xmm1, %xmm11\n${name} %xmm11, %xmm0`);
    }
  }
  // the blends: by imm8, and by xmm0's sign bits (into xmm2)
  for (const name of ["blendps", "blendpd", "pblendw", "mpsadbw", "insertps"]) {
    for (const imm of imms(25)) {
      add(`${name} ${imm}`, `${name} $${imm}, %xmm1, %xmm0`);
      if (imm % 3 === 0) add(`${name} ${imm} m`, `${name} $${imm}, MEM, %xmm0`);
    }
  }
  for (const name of ["pblendvb", "blendvps", "blendvpd"]) {
    for (let t = 0; t < 24; t++) {
      add(name, `${name} %xmm0, %xmm1, %xmm2`);
      if (t % 4 === 0) add(name + " m128", `${name} %xmm0, MEM, %xmm2`);
      if (t % 8 === 1) add(name + " mask is source", `${name} %xmm0, %xmm0, %xmm2`);
    }
  }
  // ptest: the flags, over random, equal, disjoint and complementary operands
  for (let t = 0; t < 32; t++) {
    const a = vec(), b = t % 4 === 0 ? a : t % 4 === 1 ? a.map((x) => ~x >>> 0) : t % 4 === 2 ? [0, 0, 0, 0] : vec();
    add("ptest", "ptest %xmm1, %xmm0", [...a, ...b, ...vec(), ...others()]);
    if (t % 4 === 0) add("ptest m128", "ptest MEM, %xmm0", [...a, ...b, ...vec(), ...others()]);
  }
  add("movntdqa", "movntdqa MEM, %xmm0");
  add("movntdqa xmm13", "movntdqa MEM, %xmm13\nmovdqa %xmm13, %xmm0");

  // extracts and inserts: every lane, general registers and memory
  for (let k = 0; k < 18; k++) {
    add(`pextrb ${k}`, `pextrb $${k}, %xmm1, %eax`);
    add(`pextrb ${k} r64`, `pextrb $${k}, %xmm1, %rax`);
    add(`pextrb ${k} m8`, `mov %rax, scratch(%rip)\npextrb $${k}, %xmm1, scratch(%rip)\nmov scratch(%rip), %rax`);
    add(`pextrw ${k} m16`, `mov %rax, scratch(%rip)\npextrw $${k}, %xmm1, scratch(%rip)\nmov scratch(%rip), %rax`);
    add(`pextrw ${k} 0F 3A 15 reg`, `.byte 0x66, 0x0f, 0x3a, 0x15, 0xc8, ${k} # pextrw $${k}, %xmm1, %eax`);
    add(`pextrd ${k}`, `pextrd $${k}, %xmm1, %eax`);
    add(`pextrd ${k} m32`, `mov %rax, scratch(%rip)\npextrd $${k}, %xmm1, scratch(%rip)\nmov scratch(%rip), %rax`);
    add(`pextrq ${k}`, `pextrq $${k}, %xmm1, %rax`);
    add(`pextrq ${k} m64`, `pextrq $${k}, %xmm1, scratch(%rip)\nmov scratch(%rip), %rax`);
    add(`extractps ${k}`, `extractps $${k}, %xmm1, %eax`);
    add(`extractps ${k} r64`, `.byte 0x66, 0x48, 0x0f, 0x3a, 0x17, 0xc8, ${k} # extractps $${k}, %xmm1, %rax`);
    add(`extractps ${k} m32`, `mov %rax, scratch(%rip)\nextractps $${k}, %xmm1, scratch(%rip)\nmov scratch(%rip), %rax`);
    add(`pinsrb ${k}`, `pinsrb $${k}, %eax, %xmm0`);
    add(`pinsrb ${k} spl`, `mov %rsp, %rbx\nmov %rax, %rsp\npinsrb $${k}, %esp, %xmm0\nmov %rbx, %rsp`);
    add(`pinsrb ${k} m8`, `pinsrb $${k}, MEM, %xmm0`);
    add(`pinsrd ${k}`, `pinsrd $${k}, %eax, %xmm0`);
    add(`pinsrd ${k} m32`, `pinsrd $${k}, MEM, %xmm0`);
    add(`pinsrq ${k}`, `pinsrq $${k}, %rax, %xmm0`);
    add(`pinsrq ${k} m64`, `pinsrq $${k}, MEM, %xmm0`);
  }
  add("pextrd r12d", "pextrd $2, %xmm9, %r12d\nmov %r12, %rax");
  add("pinsrq r9 xmm10", "mov %rax, %r9\nmovdqa %xmm0, %xmm10\npinsrq $1, %r9, %xmm10\nmovdqa %xmm10, %xmm0");

  // SSE3's loads that duplicate and lddqu (unaligned)
  for (let t = 0; t < 8; t++) {
    for (const name of ["movddup", "movsldup", "movshdup"]) {
      add(name, `${name} %xmm1, %xmm0`);
      add(name + " m", `${name} MEM, %xmm0`);
    }
    add("lddqu", "lddqu MEMU, %xmm0");
  }

  // SSE4.2's string compares: every imm8 (format, aggregation, polarity, index/mask form),
  // strings with and without NULs in either operand, explicit lengths at the edges, REX.W, memory (unaligned)
  const forms: [string, number][] = [["pcmpestri", 0x61], ["pcmpestrm", 0x60], ["pcmpistri", 0x63], ["pcmpistrm", 0x62]];
  for (let imm = 0; imm < 128; imm++) {
    for (const [name, opc] of forms) {
      for (let t = 0; t < 3; t++) {
        const words = (imm & 1) !== 0;
        // t: a NUL in A only, in B only, or equal strings
        const a = [...stringVector(r, words, t !== 0)], b = t === 2 ? a.slice() : [...stringVector(r, words, t !== 1)];
        const len = (): number[] => { const l = LENGTHS[r() % LENGTHS.length]; return [l >>> 0, l < 0 ? 0xffffffff : 0]; };
        const inp = (): number[] => [...a, ...b, ...vec(), ...len(), ...len(), 0x5a5a5a5a, 0xa5a5a5a5, flagsIn(), 0];
        add(`${name} $${imm}`, `${name} $${imm}, %xmm1, %xmm0`, inp());
        if (t === 0 && imm % 4 === 0) add(`${name} $${imm} m128 unaligned`, `${name} $${imm}, MEMU, %xmm0`, inp());
        if (t === 1 && imm % 8 === 1 && name[5] === "e") {
          // REX.W: the lengths are rax and rdx whole
          add(`${name}64 $${imm}`, `.byte 0x66, 0x48, 0x0f, 0x3a, 0x${opc.toString(16)}, 0xc1, ${imm} # ${name}q`, [...a, ...b, ...vec(), 3, 1, 0xfffffff0, 0xffffffff, 0, 0, flagsIn(), 0]);
          add(`${name}64 $${imm} long`, `.byte 0x66, 0x48, 0x0f, 0x3a, 0x${opc.toString(16)}, 0xc1, ${imm} # ${name}q`, [...a, ...b, ...vec(), 5, 0, 7, 0x80000000, 0, 0, flagsIn(), 0]);
        }
      }
    }
  }
  add("pcmpistri xmm8, xmm15", "movdqa %xmm0, %xmm8\nmovdqa %xmm1, %xmm15\npcmpistri $0x3a, %xmm15, %xmm8");

  // crc32: each size, register and memory, a 64-bit accumulator
  for (let t = 0; t < 12; t++) {
    for (const insn of ["crc32b %al, %ecx", "crc32b %ah, %ecx", "crc32w %ax, %ecx", "crc32l %eax, %ecx", "crc32q %rax, %rcx", "crc32b %al, %rcx",
      "crc32b MEM, %ecx", "crc32w MEM, %ecx", "crc32l MEM, %ecx", "crc32q MEM, %rcx", "mov %rax, %r8\ncrc32l %r8d, %ecx", "mov %rcx, %r11\ncrc32b %dil, %r11d\nmov %r11, %rcx"]) {
      add(insn.split(" ")[0], insn);
    }
  }

  // lahf and sahf (OF is kept; bit 1 reads as one)
  for (let t = 0; t < 16; t++) {
    add("lahf", "lahf");
    add("sahf", "sahf");
  }
  // popcnt of each size
  for (let t = 0; t < 8; t++) for (const insn of ["popcnt %ax, %cx", "popcnt %eax, %ecx", "popcnt %rax, %rcx", "popcnt MEM, %rcx"]) add("popcnt", insn);

  return { asm: flatProgram(body, data, ["scratch: .skip 16", `buf: .skip ${cases.length * RECORD + 4096}`]), cases };
}
