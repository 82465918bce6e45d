// Generates the MMX differential program: every case loads mm0, mm1, rax,
// MXCSR and xmm0 from a table of edge-case operands, runs one instruction
// (or a short x87/MMX sequence), then records the fxsave image's x87 part,
// MXCSR and xmm0 (bytes 0..175: control, status and tag words, every mm/st
// register with its exponent), the last fnsave image and rax, RECORD bytes a
// case. The same program runs natively and under the emulator.
import { flatProgram } from "./flat.js";
import { edgeVector, rng } from "./sse_gen.js";

export const RECORD = 304;

export interface MmxCase {
  desc: string;
  /** mm0, mm1, rax (lo, hi pairs at 0, 2, 4), MXCSR at 6, xmm0 at 8..11. */
  input: Uint32Array;
}

/** The MMX forms of the two-operand packed instructions, in AT&T spelling. */
const PACKED = [
  "punpcklbw", "punpcklwd", "punpckldq", "packsswb", "pcmpgtb", "pcmpgtw", "pcmpgtd", "packuswb", "punpckhbw", "punpckhwd", "punpckhdq",
  "packssdw", "pcmpeqb", "pcmpeqw", "pcmpeqd", "paddq", "pmullw", "psubusb", "psubusw", "pminub", "pand", "paddusb", "paddusw", "pmaxub",
  "pandn", "pavgb", "pavgw", "pmulhuw", "pmulhw", "psubsb", "psubsw", "pminsw", "por", "paddsb", "paddsw", "pmaxsw", "pxor", "pmuludq",
  "pmaddwd", "psadbw", "psubb", "psubw", "psubd", "psubq", "paddb", "paddw", "paddd",
];
const SHIFTS = ["psrlw", "psraw", "psllw", "psrld", "psrad", "pslld", "psrlq", "psllq"];
const COUNTS = [0, 1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 255];
/** float32 and float64 operands of the conversions: zeros, halves, the int32 bounds, infinities, NaNs, denormals. */
const F32 = [0, 0x80000000, 0x3fc00000, 0xbfc00000, 0x40200000, 0xc0200000, 0x4f000000, 0xcf000000, 0x4effffff, 0x7f800000, 0xff800000,
  0x7fc00000, 0x7f800001, 0x00000001, 0x3f000000, 0x3f400000, 0xbf400000, 0x4b7fffff, 0xc6fffe00];
const F64: [number, number][] = [[0, 0], [0, 0x80000000], [0, 0x3ff80000], [0, 0xbff80000], [0, 0x41e00000], [0x200000, 0xc1e00000],
  [0xffc00000, 0x41dfffff], [0, 0x7ff00000], [0, 0x7ff80000], [1, 0x7ff00000], [1, 0], [0, 0x3fe00000], [0, 0xc1e00000], [0x400000, 0x41dfffff]];
/** Round to nearest, down, up, toward zero; then with DAZ and FZ. */
const MXCSRS = [0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0];

export function generate(): { asm: string; cases: MmxCase[] } {
  const r = rng(0x3a3a5eed);
  const cases: MmxCase[] = [];
  const body: string[] = [];
  const data: string[] = [];
  const add = (desc: string, insn: string, input?: Uint32Array): void => {
    const v = edgeVector(r), w = edgeVector(r);
    input ??= Uint32Array.from([v[0], v[1], w[0], w[1], r(), r(), 0x1f80, 0, ...edgeVector(r)]);
    const k = cases.length;
    cases.push({ desc: `${desc}: ${insn.replaceAll("\n", "; ")}`, input });
    data.push(`.align 16\nin${k}: .long ${Array.from(input, (x) => "0x" + x.toString(16)).join(", ")}`);
    body.push(`# ${desc}`, `ldmxcsr in${k}+24(%rip)`, `movq in${k}(%rip), %mm0`, `movq in${k}+8(%rip), %mm1`, `mov in${k}+16(%rip), %rax`,
      `movdqu in${k}+32(%rip), %xmm0`);
    // MEM: mm1's bytes (m64, m32, m16); MEMX: xmm0's (16-byte aligned)
    body.push(insn.replaceAll("MEMX", `in${k}+32(%rip)`).replaceAll("MEM", `in${k}+8(%rip)`));
    body.push("call record");
  };
  // the record, by one routine: a short program translates quickly
  const record = ["record:", "fxsave fxs(%rip)"];
  for (let o = 0; o < 176; o += 16) record.push(`movdqu fxs+${o}(%rip), %xmm15`, `movdqu %xmm15, ${o}(%r15)`);
  for (let o = 0; o < 112; o += 16) record.push(`movdqu fsa+${o}(%rip), %xmm15`, `movdqu %xmm15, ${176 + o}(%r15)`);
  record.push("mov %rax, 288(%r15)", "movq $0, 296(%r15)", `add $${RECORD}, %r15`, "ret");
  data.push(record.join("\n"));
  /** An input whose xmm0 holds float operands and whose MXCSR rounds some way. */
  const floats = (double: boolean, mm: [number, number] = [r(), r()]): Uint32Array => {
    const x = double ? [...F64[r() % F64.length], ...F64[r() % F64.length]] : [0, 1, 2, 3].map(() => (r() % 3 ? F32[r() % F32.length] : r()));
    return Uint32Array.from([...mm, r(), r(), r(), r(), MXCSRS[r() % MXCSRS.length], 0, ...x]);
  };

  // two-operand packed integer: register, memory, same register, other registers
  for (const name of PACKED) {
    for (let t = 0; t < 24; t++) {
      add(name, `${name} %mm1, %mm0`);
      if (t % 6 === 0) add(name + " m64", `${name} MEM, %mm0`);
      if (t % 8 === 0) add(name + " same", `${name} %mm0, %mm0`);
      if (t % 8 === 1) add(name + " mm3, mm6", `movq %mm1, %mm3\nmovq %mm0, %mm6\n${name} %mm3, %mm6`);
    }
  }
  for (let t = 0; t < 24; t++) {
    const i = [0, 0x1b, 0xff, 0xe4, r() & 0xff][t % 5];
    add("pshufw", `pshufw $${i}, %mm1, %mm0`);
    if (t % 6 === 0) add("pshufw m64", `pshufw $${i}, MEM, %mm0`);
  }
  // shifts by a register, by memory and by an immediate
  for (const name of SHIFTS) {
    for (const n of COUNTS) {
      const v = edgeVector(r);
      add(`${name} by mm ${n}`, `${name} %mm1, %mm0`, Uint32Array.from([v[0], v[1], n, r() % 3 === 0 && n > 200 ? 1 : 0, 0, 0, 0x1f80, 0, 0, 0, 0, 0]));
      add(`${name} by imm ${n}`, `${name} $${n}, %mm0`);
    }
    add(`${name} by m64`, `${name} MEM, %mm0`, Uint32Array.from([r(), r(), 5, 0, 0, 0, 0x1f80, 0, 0, 0, 0, 0]));
    add(`${name} mm5 by imm`, `movq %mm0, %mm5\n${name} $3, %mm5`);
  }

  // moves: general registers, memory, mm to mm, the store opcode's register form
  const moves = [
    "movd %eax, %mm0", "movq %rax, %mm0", "movd %mm1, %eax", "movq %mm1, %rax", "movd MEM, %mm0", "movq MEM, %mm0", "movq %mm1, %mm0",
    "movd %mm1, %r9d\nmov %r9, %rax", "mov %rax, %r12\nmovq %r12, %mm7", "movq %mm1, %r13\nmov %r13, %rax",
    ".byte 0x0f, 0x7f, 0xc8 # movq %mm1, %mm0", ".byte 0x41, 0x0f, 0x6f, 0xc1 # movq %mm1, %mm0 (REX.B ignored)",
    "movdq2q %xmm0, %mm0", "movq2dq %mm1, %xmm0", "pmovmskb %mm1, %eax", "pmovmskb %mm1, %rax",
  ];
  for (const m of moves) for (let t = 0; t < 3; t++) add(m.split(" ")[0], m);
  const fill = "mov $0x1122334455667788, %rdx\nmov %rdx, out(%rip)";
  for (const m of ["movd %mm1, out(%rip)", "movq %mm1, out(%rip)", "movntq %mm1, out(%rip)"]) {
    add(m.split(" ")[0] + " store", `${fill}\n${m}\nmov out(%rip), %rax`);
  }
  for (let t = 0; t < 16; t++) {
    add("pextrw", `pextrw $${t}, %mm1, %eax`);
    add("pinsrw", `pinsrw $${t}, %eax, %mm0`);
    add("pinsrw m16", `pinsrw $${t}, MEM, %mm0`);
    add("maskmovq", `${fill}\nlea out(%rip), %rdi\nmaskmovq %mm1, %mm0\nmov out(%rip), %rax`);
  }

  // conversions, under each rounding mode
  for (let t = 0; t < 40; t++) {
    add("cvtpi2ps", "cvtpi2ps %mm1, %xmm0", floats(false));
    add("cvtpi2pd", "cvtpi2pd %mm1, %xmm0", floats(true));
    add("cvtps2pi", "cvtps2pi %xmm0, %mm0", floats(false));
    add("cvttps2pi", "cvttps2pi %xmm0, %mm0", floats(false));
    add("cvtpd2pi", "cvtpd2pi %xmm0, %mm0", floats(true));
    add("cvttpd2pi", "cvttpd2pi %xmm0, %mm0", floats(true));
    if (t % 4 === 0) {
      add("cvtpi2ps m64", "fninit\ncvtpi2ps MEM, %xmm0", floats(false));
      add("cvtpi2pd m64", "fninit\ncvtpi2pd MEM, %xmm0", floats(true));
      add("cvtps2pi m64", "cvtps2pi MEMX, %mm0", floats(false));
      add("cvttps2pi m64", "cvttps2pi MEMX, %mm0", floats(false));
      add("cvtpd2pi m128", "cvtpd2pi MEMX, %mm0", floats(true));
      add("cvttpd2pi m128", "cvttpd2pi MEMX, %mm0", floats(true));
    }
  }

  // the x87 and MMX sharing their registers: tags, TOP and exponents across the transitions
  const transitions = [
    "emms", "emms\nfld1", "fld1", "fldpi\nfldl2e", "emms\nfldpi\nfld1\nfaddp", "fninit\nfld1\nfldpi\npaddb %mm1, %mm0",
    "fninit\nfldpi\nmovd %mm0, %eax", "fninit\nfld1\nfldz\nmovq %mm1, %mm3", "fninit\nfldpi\nfld1\nemms", "emms\nfldpi\nfstpt out(%rip)\nmov out(%rip), %rax",
    "fninit\nfldln2\nfld1\nfdiv %st(1), %st(0)\npsllq $1, %mm0", "fninit\nfldpi\nfxch\nmovq %mm1, %mm5\nfldz",
    // fnsave and frstor of the MMX state, and fxsave and fxrstor
    "fnsave fsa(%rip)", "fnsave fsa(%rip)\nfrstor fsa(%rip)", "fninit\nfld1\nfldpi\nfnsave fsa(%rip)\nfrstor fsa(%rip)",
    "fnsave fsa(%rip)\nfld1\nfrstor fsa(%rip)\nmovq %mm1, %rax", "emms\nfldpi\nfnsave fsa(%rip)\nfrstor fsa(%rip)\nfldz",
    "fxsave fxs2(%rip)\nemms\nfld1\nfxrstor fxs2(%rip)", "fninit\nfldpi\nfxsave fxs2(%rip)\npxor %mm0, %mm0\nfxrstor fxs2(%rip)",
    "fninit\nfld1\nfldpi\nfldl2t\nfsave fsa(%rip)\nmovq %mm2, %rax", "fnstenv fsa(%rip)\nmov fsa+8(%rip), %rax",
    "emms\nfnstenv fsa(%rip)\nmov fsa+8(%rip), %rax",
  ];
  for (const s of transitions) for (let t = 0; t < 2; t++) add("x87/MMX " + s.split("\n").at(-1)!.split(" ")[0], s);

  return { asm: flatProgram(body, data, [".align 16", "fxs: .skip 512", "fxs2: .skip 512", "fsa: .skip 112", "out: .skip 16", ".align 16", `buf: .skip ${cases.length * RECORD + 4096}`]), cases };
}
