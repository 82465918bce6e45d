// Generates the SSE/SSE2 differential program: every case loads xmm0, xmm1
// and rax from a table of edge-case operands, runs one instruction and
// records xmm0, xmm1 and rax (48 bytes) into a buffer that the program writes
// to stdout at the end. The same program runs natively and under the emulator.
import { PACKED } from "../../src/cpu/sse_int.js";
import { flatProgram } from "./flat.js";

export const RECORD = 48;

export interface SseCase {
  desc: string;
  /** The inputs: xmm0, xmm1 (dwords 0..7) and rax (lo, hi at 8, 9). */
  input: Uint32Array;
}

/** A deterministic xorshift generator. */
export function rng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
    return s >>> 0;
  };
}

/** Lanes of one width filled with edge values (0, 1, all ones, sign bits, saturation bounds) and random bits. */
export function edgeVector(r: () => number): Uint32Array {
  const v = new Uint32Array(4);
  const b = new Uint8Array(v.buffer);
  const width = [1, 2, 4, 8][r() % 4];
  for (let lane = 0; lane < 16 / width; lane++) {
    const kind = r() % 9;
    for (let k = 0; k < width; k++) {
      const top = k === width - 1;
      let x: number;
      switch (kind) {
        case 0: x = 0; break;
        case 1: x = k === 0 ? 1 : 0; break;
        case 2: x = 0xff; break;
        case 3: x = top ? 0x80 : 0; break; // most negative
        case 4: x = top ? 0x7f : 0xff; break; // most positive
        case 5: x = top ? 0x80 : k === 0 ? 1 : 0;
          break;
        case 6: x = top ? 0xff : k === 0 ? 0x7f : 0xff; break; // small negative
        default: x = r() & 0xff;
      }
      b[lane * width + k] = x;
    }
  }
  return v;
}

const PACKED_NAMES = Object.keys(PACKED).filter((n) => !/^ps[rl]l|^psra/.test(n));
const SHIFT_BY_XMM = ["psrlw", "psraw", "psllw", "psrld", "psrad", "pslld", "psrlq", "psllq"];
const COUNTS = [0, 1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 255];

export function generate(): { asm: string; cases: SseCase[] } {
  const r = rng(0x5eed5e5e);
  const cases: SseCase[] = [];
  const body: string[] = [];
  const data: string[] = [];
  const add = (desc: string, insn: string, opts: { input?: Uint32Array; store?: boolean; regs?: [number, number] } = {}): void => {
    const input = opts.input ?? Uint32Array.from([...edgeVector(r), ...edgeVector(r), r(), r()]);
    const k = cases.length;
    cases.push({ desc: `${desc}: ${insn}`, input });
    data.push(`in${k}: .long ${Array.from(input, (x) => "0x" + x.toString(16)).join(", ")}, 0, 0`);
    const [d, s] = opts.regs ?? [0, 1];
    body.push(`# ${desc}`, `movdqu in${k}(%rip), %xmm${d}`, `movdqu in${k}+16(%rip), %xmm${s}`, `mov in${k}+32(%rip), %rax`);
    if (opts.store) body.push(`movdqu %xmm${s}, 16(%r15)`);
    body.push(insn.replaceAll("MEM", `in${k}+16(%rip)`));
    if (d !== 0) body.push(`movdqa %xmm${d}, %xmm0`);
    if (opts.store) body.push("movdqu %xmm0, (%r15)");
    else body.push(`movdqu %xmm0, (%r15)`, `movdqu %xmm${s}, 16(%r15)`);
    body.push("mov %rax, 32(%r15)", "movq $0, 40(%r15)", `add $${RECORD}, %r15`);
  };
  const withCount = (n: number): Uint32Array => {
    return Uint32Array.from([...edgeVector(r), n, r() % 3 === 0 && n > 200 ? 1 : 0, r(), r(), r(), r()]);
  };

  // two-operand packed integer: register, memory (aligned), same register, high registers
  for (const name of PACKED_NAMES) {
    const imm = /^pshuf/.test(name);
    for (let t = 0; t < 24; t++) {
      const i = imm ? [0, 0x1b, 0xff, 0xe4, r() & 0xff][t % 5] : 0;
      const pre = imm ? `$${i}, ` : "";
      add(name, `${name} ${pre}%xmm1, %xmm0`);
      if (t % 6 === 0) add(name + " m128", `${name} ${pre}MEM, %xmm0`);
      if (t % 8 === 0) add(name + " same", `${name} ${pre}%xmm0, %xmm0`);
      if (t % 8 === 1) add(name + " xmm9, xmm12", `${name} ${pre}%xmm12, %xmm9`, { regs: [9, 12] });
    }
  }
  // shifts by a register count and by an immediate
  for (const name of SHIFT_BY_XMM) {
    for (const n of COUNTS) {
      add(`${name} by xmm ${n}`, `${name} %xmm1, %xmm0`, { input: withCount(n) });
      add(`${name} by imm ${n}`, `${name} $${n}, %xmm0`);
    }
    add(`${name} by m128`, `${name} MEM, %xmm0`, { input: withCount(5) });
    add(`${name} xmm11 by imm`, `${name} $3, %xmm11`, { regs: [11, 1] });
  }
  for (const name of ["psrldq", "pslldq"]) {
    for (const n of [0, 1, 3, 7, 8, 9, 15, 16, 17, 255]) add(`${name} ${n}`, `${name} $${n}, %xmm0`);
    add(`${name} xmm14`, `${name} $5, %xmm14`, { regs: [14, 1] });
  }

  // to and from general registers
  for (let t = 0; t < 16; t++) {
    add("pmovmskb", "pmovmskb %xmm1, %eax");
    add("pmovmskb r64", "pmovmskb %xmm1, %rax");
    add("movmskps", "movmskps %xmm1, %eax");
    add("movmskpd", "movmskpd %xmm1, %eax");
    add("pextrw", `pextrw $${t}, %xmm1, %eax`);
    add("pinsrw", `pinsrw $${t}, %eax, %xmm0`);
    add("pinsrw m16", `pinsrw $${t}, MEM, %xmm0`);
  }
  add("pmovmskb r13", "pmovmskb %xmm10, %r13d\nmov %r13, %rax", { regs: [0, 10] });

  // moves: register, load and GPR forms
  const moves = [
    "movaps %xmm1, %xmm0", "movaps MEM, %xmm0", "movups %xmm1, %xmm0", "movups MEM, %xmm0",
    "movapd %xmm1, %xmm0", "movapd MEM, %xmm0", "movupd %xmm1, %xmm0", "movupd MEM, %xmm0",
    "movdqa %xmm1, %xmm0", "movdqa MEM, %xmm0", "movdqu %xmm1, %xmm0", "movdqu MEM, %xmm0",
    "movd %eax, %xmm0", "movd %xmm1, %eax", "movq %rax, %xmm0", "movq %xmm1, %rax", "movd MEM, %xmm0", "movq MEM, %xmm0",
    "movq %xmm1, %xmm0", "movss %xmm1, %xmm0", "movss MEM, %xmm0", "movsd %xmm1, %xmm0", "movsd MEM, %xmm0",
    "movhps MEM, %xmm0", "movlps MEM, %xmm0", "movhpd MEM, %xmm0", "movlpd MEM, %xmm0",
    "movhlps %xmm1, %xmm0", "movlhps %xmm1, %xmm0",
    "movd %xmm9, %eax", "mov %rax, %r10\nmovq %r10, %xmm0", "movq %xmm13, %r12\nmov %r12, %rax",
    // the store opcodes' register forms (xmm1 into xmm0), which assemblers do not choose
    ".byte 0x66, 0x0f, 0xd6, 0xc8 # movq", ".byte 0xf3, 0x0f, 0x11, 0xc8 # movss", ".byte 0xf2, 0x0f, 0x11, 0xc8 # movsd",
    ".byte 0x0f, 0x29, 0xc8 # movaps", ".byte 0x66, 0x0f, 0x7f, 0xc8 # movdqa", ".byte 0xf3, 0x0f, 0x7f, 0xc8 # movdqu",
  ];
  for (const m of moves) for (let t = 0; t < 3; t++) add(m.split(" ")[0], m, { regs: /xmm9|xmm13/.test(m) ? [0, m.includes("xmm9") ? 9 : 13] : [0, 1] });
  const stores = [
    "movaps %xmm0, 16(%r15)", "movups %xmm0, 16(%r15)", "movapd %xmm0, 16(%r15)", "movupd %xmm0, 16(%r15)",
    "movdqa %xmm0, 16(%r15)", "movdqu %xmm0, 16(%r15)", "movntdq %xmm0, 16(%r15)", "movntps %xmm0, 16(%r15)", "movntpd %xmm0, 16(%r15)",
    "movd %xmm0, 16(%r15)", "movq %xmm0, 16(%r15)", "movss %xmm0, 16(%r15)", "movsd %xmm0, 16(%r15)",
    "movhps %xmm0, 16(%r15)", "movlps %xmm0, 16(%r15)", "movhpd %xmm0, 16(%r15)", "movlpd %xmm0, 16(%r15)",
    "movnti %eax, 16(%r15)", "movnti %rax, 20(%r15)",
  ];
  for (const m of stores) add(m.split(" ")[0] + " store", m, { store: true });
  // fences and prefetches change nothing
  for (const m of ["lfence", "mfence", "sfence", "prefetcht0 MEM", "prefetcht1 MEM", "prefetcht2 MEM", "prefetchnta MEM"]) add(m, m);
  // MXCSR round trip: the reserved-bit-free values load and read back
  for (const v of [0x1f80, 0x9fc0, 0x7f80, 0x0000, 0x1f80 | 0x3f, 0xffff]) {
    const input = Uint32Array.from([v, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    add(`ldmxcsr ${v.toString(16)}`, "sub $8, %rsp\nstmxcsr (%rsp)\nldmxcsr in" + cases.length + "(%rip)\nstmxcsr 4(%rsp)\nmov 4(%rsp), %eax\nldmxcsr (%rsp)\nadd $8, %rsp", { input });
  }

  return { asm: flatProgram(body, data, [`buf: .skip ${cases.length * RECORD + 4096}`]), cases };
}
