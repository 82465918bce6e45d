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
  if (e.ops.includes("Ib")) out.push(imm);
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
              const imm = name.startsWith("vcmp") ? (cases.length * 7) & 31 : [0, 0x1b, r() & 0xff, r() & 0xff][t];
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
