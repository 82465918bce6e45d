// Generates the VEX differential program from the decoder's own tables: every
// encoding in the VEX maps (the AVX forms derived from legacy SSE, AVX's and
// AVX2's own, BMI1/BMI2), at each VEX.L and VEX.W it takes, in its register
// and memory forms, is emitted as raw bytes with random inputs. A case loads
// ymm0..ymm2, rax, rbx, rcx, rdx, RFLAGS and a 32-byte memory block (at
// %rsi), runs the one instruction and records all of them and MXCSR. The
// same program runs natively and under the emulator.
//
// Operands by position: the ModRM reg field is register 0 (ymm0 / rax), VEX.vvvv
// is ymm1 (rbx for a general register), the r/m field ymm2 (rcx), or memory at (%rsi).
import { decode } from "../../src/cpu/decode.js";
import { defineWaiting, type Encoding, MAPS, VEX_MAP } from "../../src/cpu/insn.js";
import { flatProgram } from "./flat.js";
import { edgeVector, rng } from "./sse_gen.js";

/** Bytes per record: ymm0..2 (0), rax rbx rcx rdx (96), memory (128), RFLAGS (160), MXCSR (168). */
export const RECORD = 192;
/** Flags the SDM leaves undefined, by mnemonic: not compared. */
export const UNDEFINED_FLAGS: Record<string, number> = {
  andn: 0x14, bextr: 0x94, blsi: 0x14, blsmsk: 0x14, blsr: 0x14, bzhi: 0x14,
};

export interface VexCase {
  desc: string;
  op: string;
  bytes: number[];
}

/** Floats worth testing, as f32 bits: zeros, ones, halves, extremes, denormals, infinities, NaNs. */
const F32 = [0, 0x80000000, 0x3f800000, 0xbf800000, 0x3fc00000, 0x7f7fffff, 0x00800000, 0x00000001, 0x7f800000, 0xff800000, 0x7fc00000, 0x7fa00000, 0x4b000001, 0xcf000000, 0x4f000000];
const F64 = [[0, 0], [0, 0x80000000], [0, 0x3ff00000], [0, 0xbff00000], [0, 0x3ff80000], [0xffffffff, 0x7fefffff], [1, 0], [0, 0x7ff00000], [0, 0xfff80000], [0, 0x41e00000], [0x12345678, 0x40590000]];

function vector(r: () => number): Uint32Array {
  const v = new Uint32Array(8);
  for (let h = 0; h < 2; h++) {
    const kind = r() % 4;
    if (kind === 0) for (let i = 0; i < 4; i++) v[h * 4 + i] = F32[r() % F32.length];
    else if (kind === 1) for (let i = 0; i < 4; i += 2) { const d = F64[r() % F64.length]; v[h * 4 + i] = d[0]; v[h * 4 + i + 1] = d[1]; }
    else v.set(edgeVector(r), h * 4);
  }
  return v;
}

/** The raw bytes of one form of encoding e (mod 3: registers; else (%rsi)), or null if it has no such form. */
function encode(e: Encoding, opcode: number, map: number, L: number, W: number, mem: boolean, imm: number): number[] | null {
  if ((mem && e.mod === 3) || (!mem && e.mod === 0)) return null;
  const vec = (o: string): boolean => /^[VWUH]/.test(o);
  let reg = 0, rm = 0, vvvv = 0;
  for (const o of e.ops) {
    if (o[0] === "H") vvvv = 1;
    else if (o[0] === "B") vvvv = 3;
    else if (/^[WUERM]/.test(o)) rm = vec(o) ? 2 : 1;
  }
  if (e.reg >= 0) reg = e.reg;
  const pp = { 0: 0, 0x66: 1, 0xf3: 2, 0xf2: 3 }[e.prefix] ?? 0;
  const modrm = mem ? (reg << 3) | 6 : 0xc0 | (reg << 3) | rm;
  const out = [0xc4, 0xe0 | map, (W << 7) | ((~vvvv & 15) << 3) | (L << 2) | pp, opcode];
  if (e.modrm) out.push(e.exact >= 0 ? e.exact : modrm);
  if (e.ops.includes("Ib") || e.ops.includes("Lx")) out.push(imm);
  return out;
}

export function generate(): { asm: string; cases: VexCase[] } {
  defineWaiting();
  const r = rng(0x0a5e1234);
  const cases: VexCase[] = [];
  const body: string[] = [];
  const data: string[] = [];
  for (let map = 1; map <= 3; map++) {
    MAPS[VEX_MAP + map].forEach((slot, opc) => {
      for (const e of slot) {
        const name = typeof e.def.name === "string" ? e.def.name : "";
        for (const L of e.vexL >= 0 ? [e.vexL] : [0, 1]) {
          for (const mem of [false, true]) {
            for (let t = 0; t < (name.startsWith("vcmp") ? 16 : 4); t++) {
              const W = e.vexW >= 0 ? e.vexW : r() & 1;
              // the compares: every predicate, 0..31, in turn
              // an is4 byte (Lx) names a register: one of ymm0..ymm3, which every case loads
              const imm = name.startsWith("vcmp") ? (cases.length * 7) & 31
                : e.ops.includes("Lx") ? ((t & 3) << 4) | (r() & 15) : [0, 0x1b, r() & 0xff, r() & 0xff][t];
              const bytes = encode(e, opc, map, L, W, mem, imm);
              if (bytes === null) continue;
              const insn = decode(Uint8Array.from([...bytes, 0, 0, 0, 0]), bytes.length + 4, 0x401000);
              const op = insn?.op ?? "?";
              const k = cases.length;
              cases.push({ desc: `${op} L${L} W${W} ${mem ? "mem" : "reg"}: ${bytes.map((b) => b.toString(16).padStart(2, "0")).join(" ")}`, op, bytes });
              const regs = Array.from({ length: 8 }, () => (r() % 4 === 0 ? [0, 1, 31, 32, 63, 64, 0xffffffff, 0x80000000][r() % 8] : r()));
              const flags = r() & 0x8d5;
              const ins = [...vector(r), ...vector(r), ...vector(r), ...regs, flags, 0, ...vector(r)];
              // vldmxcsr's dword: an MXCSR without reserved bits (else #GP)
              if (op === "vldmxcsr") ins[34] &= 0xffff;
              data.push(`.align 32`, `in${k}: .long ${ins.map((x) => "0x" + (x >>> 0).toString(16)).join(", ")}`);
              body.push(`# ${cases[k].desc}`, `lea in${k}(%rip), %rsi`,
                "vmovdqu 0(%rsi), %ymm0", "vmovdqu 32(%rsi), %ymm1", "vmovdqu 64(%rsi), %ymm2",
                "vmovdqu 136(%rsi), %ymm3", "vmovdqu %ymm3, 128(%r15)",
                "mov 96(%rsi), %rax", "mov 104(%rsi), %rbx", "mov 112(%rsi), %rcx", "mov 120(%rsi), %rdx",
                "pushq 128(%rsi)", "popfq", "lea 128(%r15), %rsi",
                `.byte ${bytes.join(", ")}`,
                "pushfq", "popq 160(%r15)", "stmxcsr 168(%r15)", "movl $0x1f80, 172(%r15)", "ldmxcsr 172(%r15)", "movl $0, 172(%r15)",
                "vmovdqu %ymm0, 0(%r15)", "vmovdqu %ymm1, 32(%r15)", "vmovdqu %ymm2, 64(%r15)",
                "mov %rax, 96(%r15)", "mov %rbx, 104(%r15)", "mov %rcx, 112(%r15)", "mov %rdx, 120(%r15)",
                "movq $0, 176(%r15)", "movq $0, 184(%r15)", `add $${RECORD}, %r15`);
            }
          }
        }
      }
    });
  }
  return { asm: flatProgram(body, data, [`buf: .skip ${cases.length * RECORD + 4096}`]), cases };
}

/** Bytes per block record: ymm0..ymm5 (0), rax, rcx, r8, r9 (192), the memory block (224), RFLAGS (320); a multiple of 32, for the aligned moves. */
export const BLOCK_RECORD = 352;
/** The memory block's bytes at (%rsi): 3 times 32. */
const BLOCK_MEM = 96;

/** The VEX lane operations the block translator writes out (ymm.ts translateLanes), and the legacy ones it shares them with. */
const LANE_OPS = ["pcmpeqb", "pcmpeqw", "pcmpeqd", "pminub", "pmaxub", "por", "pand", "pandn", "pxor", "psubb", "psubw", "psubd", "psubq",
  "paddb", "paddw", "paddd", "paddq", "pcmpgtb", "pshufb"];

/**
 * Generates the translated-block program: each case loads ymm0..ymm5, rax, rcx, r8, r9, RFLAGS and 96 bytes
 * of memory (at %rsi), then runs a loop of three passes over a random block of the instructions the block
 * translator writes out (VEX.128 and VEX.256 lane operations, moves, broadcasts, vpmovmskb, vptest and a
 * branch on its flags, vzeroupper/vzeroall, the legacy SSE forms that share their code, tzcnt and bsf,
 * andn, sarx, shlx and shrx),
 * with registers that alias one another, unaligned memory operands and stores the next pass loads, and
 * records them all: the YMM high halves held in the block's locals across passes and legacy instructions.
 */
export function generateBlocks(): { asm: string; cases: VexCase[] } {
  const r = rng(0x7e5b10c5);
  const cases: VexCase[] = [];
  const body: string[] = [];
  const data: string[] = [];
  const pick = <T>(a: readonly T[]): T => a[r() % a.length];
  for (let k = 0; k < 240; k++) {
    const insns: string[] = [];
    const reg = (wide: boolean): string => `%${wide ? "y" : "x"}mm${r() % 6}`;
    const mem = (bytes: number, align: boolean): string => `${align ? bytes * (r() % (BLOCK_MEM / bytes)) : r() % (BLOCK_MEM - bytes + 1)}(%rsi)`;
    for (let n = 0; n < 8; n++) {
      const wide = (r() & 1) === 1, bytes = wide ? 32 : 16, kind = r() % 18;
      const src = (): string => (r() % 3 === 0 ? mem(bytes, false) : reg(wide));
      if (kind < 6) insns.push(`v${pick(LANE_OPS)} ${src()}, ${reg(wide)}, ${reg(wide)}`);
      else if (kind === 6) insns.push(`vpalignr $${pick([0, 1, 4, 7, 8, 13, 16, 20, 31, 32])}, ${src()}, ${reg(wide)}, ${reg(wide)}`);
      else if (kind === 7) {
        const name = pick(["vmovdqu", "vmovups", "vmovdqa", "vmovaps"]), align = name.includes("a");
        const form = r() % 3;
        insns.push(form === 0 ? `${name} ${reg(wide)}, ${reg(wide)}` : form === 1 ? `${name} ${mem(bytes, align)}, ${reg(wide)}` : `${name} ${reg(wide)}, ${mem(bytes, align)}`);
      } else if (kind === 8) {
        const [w, b] = pick([["b", 1], ["w", 2], ["d", 4], ["q", 8]] as const);
        insns.push(`vpbroadcast${w} ${r() & 1 ? reg(false) : mem(b, false)}, ${reg(wide)}`);
      } else if (kind === 9) insns.push(`vpmovmskb ${reg(wide)}, ${pick(["%eax", "%r8d", "%r9"])}`);
      else if (kind === 10) insns.push(`vptest ${src()}, ${reg(wide)}`, pick(["ja 1f", "jb 1f", "je 1f", "jne 1f", "jbe 1f", "jae 1f"]), "add $3, %r9", "1:");
      else if (kind === 11) insns.push(r() % 4 === 0 ? "vzeroall" : "vzeroupper");
      else if (kind === 12) insns.push(`${pick(LANE_OPS)} ${r() & 1 ? mem(16, true) : reg(false)}, ${reg(false)}`);
      else if (kind === 13) insns.push(`palignr $${pick([1, 4, 9, 15])}, ${reg(false)}, ${reg(false)}`);
      else if (kind === 14) insns.push(`pmovmskb ${reg(false)}, %r8d`);
      else if (kind === 16) {
        // the bit scans glibc's string functions end with, on a mask (often zero) or memory
        const [a, b] = pick([["%r8", "%r9"], ["%eax", "%r8d"], ["%r9d", "%eax"], ["%rax", "%rax"]] as const);
        insns.push(`${pick(["tzcnt", "bsf"])} ${r() % 3 === 0 ? mem(8, false) : a}, ${b}`);
      } else if (kind === 17) {
        // BMI on the same general registers (aliased too): counts past the width, a branch on andn's flags
        const q = (r() & 1) === 1, g = (): string => pick(q ? ["%rax", "%r8", "%r9"] : ["%eax", "%r8d", "%r9d"]);
        const s = r() % 3 === 0 ? mem(q ? 8 : 4, false) : g();
        if (r() % 3 === 0) insns.push(`andn ${s}, ${g()}, ${g()}`, pick(["js 1f", "je 1f", "jne 1f", "jle 1f"]), "add $5, %r9", "1:");
        else insns.push(`${pick(["sarx", "shlx", "shrx"])} ${g()}, ${s}, ${g()}`);
      }
      else insns.push(`movdqu ${r() & 1 ? mem(16, false) : reg(false)}, ${reg(false)}`);
    }
    cases.push({ desc: `block ${k}: ${insns.join("; ")}`, op: "block", bytes: [] });
    const input = [...Array.from({ length: 6 }, () => [...vector(r)]).flat(), ...Array.from({ length: 8 }, () => r()), r() & 0x8d5, 0,
      ...Array.from({ length: BLOCK_MEM / 4 }, () => (r() % 3 === 0 ? r() & 0x80ff00ff : r()))];
    data.push(".align 32", `blk${k}: .long ${input.map((x) => "0x" + (x >>> 0).toString(16)).join(", ")}`);
    body.push(`# block ${k}`, `lea blk${k}(%rip), %rsi`,
      ...Array.from({ length: 6 }, (_, i) => `vmovdqu ${32 * i}(%rsi), %ymm${i}`),
      "mov 192(%rsi), %rax", "mov 200(%rsi), %rcx", "mov 208(%rsi), %r8", "mov 216(%rsi), %r9", "pushq 224(%rsi)", "popfq",
      ...Array.from({ length: 3 }, (_, i) => [`vmovdqu ${232 + 32 * i}(%rsi), %ymm6`, `vmovdqu %ymm6, ${224 + 32 * i}(%r15)`]).flat(),
      "lea 224(%r15), %rsi", "mov $3, %r10d",
      `2:`, ...insns, "dec %r10d", "jnz 2b",
      "pushfq", "popq 320(%r15)", "movq $0, 328(%r15)",
      ...Array.from({ length: 6 }, (_, i) => `vmovdqu %ymm${i}, ${32 * i}(%r15)`),
      "mov %rax, 192(%r15)", "mov %rcx, 200(%r15)", "mov %r8, 208(%r15)", "mov %r9, 216(%r15)", `add $${BLOCK_RECORD}, %r15`);
  }
  return { asm: flatProgram(body, data, [`buf: .skip ${cases.length * BLOCK_RECORD + 4096}`]), cases };
}
