// The YMM registers as the VEX instructions use them (avx.ts, avx2.ts): the
// XMM registers are their low halves, CpuState.ymmh the high ones. Loads and
// stores of VEX memory operands, whole-register reads and writes, and the
// runner of a lane operation over one or both 128-bit lanes; and the block
// translator's forms of the moves and lane operations.

import { type Exec, type Op, STOP_GP } from "./exec.js";
import { define, type Insn, type MemOp, type Operand, type RegOp } from "./insn.js";
import type { Jit } from "./jit.js";
import { TLB_MASK } from "./mmu.js";
import { packedLane } from "./sse.js";
import type { PACKED_JS } from "./sse_int.js";
import { XMM_SCRATCH } from "./state.js";

/** Scratch registers' first dwords in st.xmm: the lane operation's destination (first operand) and source. */
export const SA = XMM_SCRATCH * 4, SB = SA + 4;
const scratch = (r: number): RegOp => ({ k: "r", r, sz: 16 });

/** EA + i as [lo, hi] into AT (the address carries into the high half). */
const AT = new Int32Array(2);
function at(x: Exec, i: number): Int32Array {
  const s = (x.EA[0] >>> 0) + i;
  AT[0] = s | 0;
  AT[1] = s > 0xffffffff ? (x.EA[1] + 1) | 0 : x.EA[1];
  return AT;
}

/**
 * Loads `bytes` (1, 2, 4, 8, 16 or 32) at m into out, zero-padded to 8 dwords.
 * @param align the alignment required (0: none; else #GP when EA is not a multiple)
 * @return 0, or the stop code (a fault, #GP)
 */
export function load(x: Exec, m: MemOp, bytes: number, out: Uint32Array, align: number): number {
  const { mmu, EA, FLT } = x;
  x.ea(m);
  if (align && EA[0] & (align - 1)) return STOP_GP;
  out.fill(0);
  if (bytes < 8) {
    out[0] = bytes === 1 ? mmu.ld8(EA[0], EA[1]) : bytes === 2 ? mmu.ld16(EA[0], EA[1]) : mmu.ld32(EA[0], EA[1]);
    return FLT.kind;
  }
  for (let i = 0; i < bytes; i += 8) {
    const a = at(x, i);
    out[i >> 2] = mmu.ld64(a[0], a[1]);
    out[(i >> 2) + 1] = mmu.hi;
    if (FLT.kind) return FLT.kind;
  }
  return 0;
}

/** Stores `bytes` (4, 8, 16 or 32) of src at m; nothing is written if any byte faults. */
export function store(x: Exec, m: MemOp, src: Uint32Array, bytes: number, align: number): number {
  const { mmu, EA, FLT } = x;
  x.ea(m);
  if (align && EA[0] & (align - 1)) return STOP_GP;
  if (bytes === 4) return mmu.st32(EA[0], EA[1], src[0]) ? 0 : FLT.kind;
  if (bytes > 8 && !mmu.probeWrite(EA[0], EA[1], bytes)) return FLT.kind;
  for (let i = 0; i < bytes; i += 8) {
    const a = at(x, i);
    if (!mmu.st64(a[0], a[1], src[i >> 2], src[(i >> 2) + 1])) return FLT.kind;
  }
  return 0;
}

/** A register's 256 bits into out[0..8) (the high half zero for an XMM operand of a VEX.128 form is the caller's business). */
export function getYmm(x: Exec, r: number, out: Uint32Array): void {
  const X = x.st.xmm, Y = x.st.ymmh, o = r * 4;
  for (let i = 0; i < 4; i++) { out[i] = X[o + i]; out[i + 4] = Y[o + i]; }
}
/** Writes v[0..8) to register r; a 128-bit write (wide false) zeroes the high half. */
export function setYmm(x: Exec, r: number, v: Uint32Array, wide: boolean): void {
  const X = x.st.xmm, Y = x.st.ymmh, o = r * 4;
  for (let i = 0; i < 4; i++) { X[o + i] = v[i]; Y[o + i] = wide ? v[i + 4] : 0; }
}

/**
 * The source operand (an XMM/YMM register or memory of `bytes`) into out[0..8):
 * a function returning 0 or a stop code.
 */
export function source(x: Exec, o: Operand, bytes: number, out: Uint32Array, align = 0): () => number {
  if (o.k === "r") {
    const r = o.r;
    return () => { getYmm(x, r, out); return 0; };
  }
  const m = o as MemOp;
  return () => load(x, m, bytes, out, align);
}

// ---- the VEX forms of the legacy lane operations ----

/**
 * How a VEX form runs its lane operation. nds: dest = op(vvvv, r/m); unary: dest = op(r/m), vvvv
 * unused; vdest (the shifts by an immediate): vvvv = op(r/m). `vec`: the r/m source is XMM/YMM or
 * memory of its size (else a general register or memory the lane operation reads itself). At
 * VEX.256 each 128-bit lane runs alone, except that `count` gives both lanes the source's low
 * 128 bits (the shift count), and lane 1 takes the immediate shifted right by `immShift`.
 */
export interface Shape {
  kind: "nds" | "unary" | "vdest";
  vec: boolean;
  count: boolean;
  immShift: number;
}

/**
 * Compiles a VEX lane-operation instruction: `lane` compiles the operation
 * for given operands (scratch registers SA, SB as destination and source),
 * once per lane.
 */
export function compileLanes(x: Exec, insn: Insn, sh: Shape, lane: (ops: Operand[]) => Op): Op {
  const X = x.st.xmm, Y = x.st.ymmh, ops = insn.ops;
  const dst = ops[0] as RegOp, d = dst.r, wide = dst.sz === 32;
  const v = sh.kind === "nds" ? (ops[1] as RegOp).r * 4 : -1;
  const src = ops[sh.kind === "nds" ? 2 : 1];
  const rest = ops.slice(sh.kind === "nds" ? 3 : 2);
  const S = new Uint32Array(8), R0 = new Uint32Array(8);
  const bytes = src.k === "m" ? src.sz : 32;
  const get = sh.vec ? source(x, src, bytes, S) : () => 0;
  const laneOps = (shift: number): Operand[] => {
    const imm = rest.map((o) => (o.k === "i" ? { ...o, lo: (o.lo & 0xff) >> shift } : o));
    return sh.kind === "vdest" ? [scratch(XMM_SCRATCH), ...imm] : [scratch(XMM_SCRATCH), sh.vec ? scratch(XMM_SCRATCH + 1) : src, ...imm];
  };
  const op0 = lane(laneOps(0)), op1 = wide ? lane(laneOps(sh.immShift)) : null;
  const hiOf = sh.count ? 0 : 4;
  return () => {
    let k = get();
    if (k) return k;
    // lane 0: every source read before the destination is written
    for (let i = 0; i < 4; i++) {
      X[SA + i] = sh.kind === "nds" ? X[v + i] : sh.kind === "vdest" ? S[i] : 0;
      X[SB + i] = S[i];
    }
    k = op0();
    if (k) return k;
    for (let i = 0; i < 4; i++) R0[i] = X[SA + i];
    if (op1 !== null) {
      for (let i = 0; i < 4; i++) {
        X[SA + i] = sh.kind === "nds" ? Y[v + i] : sh.kind === "vdest" ? S[i + 4] : 0;
        X[SB + i] = S[i + hiOf];
      }
      k = op1();
      if (k) return k;
      for (let i = 0; i < 4; i++) R0[i + 4] = X[SA + i];
    }
    setYmm(x, d, R0, wide);
    return 0;
  };
}

/** Defines a lane operation with no legacy form: fn reads A (the first source) and B (the second), writes R; 4 dwords each. */
export function defineLaneOp(name: string, enc: string[], sh: Shape, fn: (A: Uint32Array, B: Uint32Array, R: Uint32Array, imm: number) => void): void {
  define({
    name,
    enc,
    compile: (x, insn) => {
      const X = x.st.xmm, A = X.subarray(SA, SA + 4), B = X.subarray(SB, SB + 4), R = new Uint32Array(4);
      return compileLanes(x, insn, sh, (ops) => {
        const imm = ops[2]?.k === "i" ? ops[2].lo & 0xff : 0;
        return () => { fn(A, B, R, imm); A.set(R); return 0; };
      });
    },
  });
}
export const NDS: Shape = { kind: "nds", vec: true, count: false, immShift: 0 };
export const UNARY_SHAPE: Shape = { kind: "unary", vec: true, count: false, immShift: 0 };

// ---- the block translator's VEX forms (jit.ts): lane 0 in XMM (the block's locals), lane 1 in YMMH ----

/** Generated code's name for dword k of lane `lane` (0: the XMM register, 1: the high half) of register r. */
export const dword = (r: number, lane: number, k: number): string => `${lane ? "YMMH" : "XMM"}[${r * 4 + k}]`;

/** A VEX.128 write's zeroing of register r's high half. */
export const zeroHigh = (r: number): string => [0, 1, 2, 3].map((k) => `${dword(r, 1, k)} = 0;`).join(" ");

/**
 * A memory access of `bytes` at m for the block translator: `fast(p)` (p the physical address) when one page the
 * TLB holds (for writing if `write`) has all of them, aligned to `bytes` if `align`; anything else (a miss, a page's
 * edge, a fault, #GP) leaves the block for the Ops, which do the instruction whole or leave everything as it was.
 */
export function translateAccess(j: Jit, m: MemOp, bytes: number, write: boolean, align: boolean, fast: (p: string) => string): string | null {
  const ea = j.ea(m);
  if (ea === null) return null;
  const [tl, th] = write ? ["WLO", "WHI"] : ["TLO", "THI"];
  return `{${ea} const ti = (ea_lo >>> 12) & ${TLB_MASK};` +
    `if (${tl}[ti] === (ea_lo & -4096) && ${th}[ti] === ea_hi && (ea_lo & 4095) <= ${4096 - bytes}${align ? ` && (ea_lo & ${bytes - 1}) === 0` : ""}) {` +
    `const p = (TPA[ti] | (ea_lo & 4095)) >>> 0; ${fast("p")} } else ${j.toOps()}}`;
}

/** dwords(f) for each dword k of the lanes a register of size sz (16, 32) has: f(lane, k). */
export const laneDwords = (sz: number, f: (lane: number, k: number) => string): string =>
  (sz === 32 ? [0, 1] : [0]).flatMap((lane) => [0, 1, 2, 3].map((k) => f(lane, k))).join(" ");

/** A whole-register move (vmovdqu, vmovaps …): between registers, a load or a store, at VEX.128 zeroing the destination's high half. */
export function translateMove(j: Jit, insn: Insn, align: boolean): string | null {
  const [d, s] = insn.ops;
  if (d.k === "r" && s.k === "r") return laneDwords(d.sz, (lane, k) => `${dword(d.r, lane, k)} = ${dword(s.r, lane, k)};`) + (d.sz === 16 ? zeroHigh(d.r) : "");
  if (d.k === "r") {
    return translateAccess(j, s as MemOp, d.sz, false, align, (p) =>
      laneDwords(d.sz, (lane, k) => `${dword(d.r, lane, k)} = DV.getInt32(${p} + ${16 * lane + 4 * k}, true);`) + (d.sz === 16 ? zeroHigh(d.r) : ""));
  }
  const r = s as RegOp;
  return translateAccess(j, d as MemOp, r.sz, true, align, (p) => laneDwords(r.sz, (lane, k) => `DV.setInt32(${p} + ${16 * lane + 4 * k}, ${dword(r.r, lane, k)}, true);`));
}

/**
 * A lane operation of PACKED_JS with VEX's operands (dest, vvvv, r/m, imm8): each lane's form from vvvv's
 * dwords and the r/m register's or memory's (any alignment), at VEX.128 the high half zeroed.
 */
export function translateLanes(j: Jit, insn: Insn, sh: Shape, form: (typeof PACKED_JS)[string]): string | null {
  const [d, v, s, i] = insn.ops as [RegOp, RegOp, Operand, Operand | undefined];
  const imm = i?.k === "i" ? i.lo & 0xff : 0, lanes = d.sz === 32 ? [0, 1] : [0];
  const run = (b: (lane: number, k: number) => string): string =>
    lanes.map((lane) => packedLane(j, form, (k) => dword(d.r, lane, k), (k) => dword(v.r, lane, k), (k) => b(lane, k), imm >> (lane * sh.immShift))).join(" ") +
    (d.sz === 16 ? zeroHigh(d.r) : "");
  if (s.k === "r") return run((lane, k) => dword(s.r, lane, k));
  return translateAccess(j, s as MemOp, d.sz, false, false, (p) => run((lane, k) => `DV.getInt32(${p} + ${16 * lane + 4 * k}, true)`));
}
