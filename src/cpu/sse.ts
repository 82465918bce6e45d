// SSE and SSE2, the part libc and compilers use for integers and moves: the
// 128-bit, 64-bit and 32-bit register moves (and SSE3's lddqu and
// duplicating loads), the packed-integer instructions (their lanes in
// sse_int.ts), MXCSR, fxsave/fxrstor (the image in sse_state.ts), fences and
// prefetches; and the MMX forms of the same opcodes (mmx.ts).
//
// A legacy-SSE memory operand of 16 bytes must be 16-byte aligned (#GP),
// except in the unaligned moves (movups, movupd, movdqu, lddqu); the packed-integer
// instructions' memory operands are all of the aligned kind.

import type { Exec, Op } from "./exec.js";
import { STOP_GP } from "./exec.js";
import type { Jit } from "./jit.js";
import { TLB_MASK } from "./mmu.js";
import { defineMmx } from "./mmx.js";
import { defineXsave } from "./xsave.js";
import { define, defineLater, FEAT_FXSR, FEAT_MMX, FEAT_SSE, FEAT_SSE2, FEAT_SSE3, FEAT_XSAVE, type Feature, type Insn, type MemOp, type Operand, type RegOp } from "./insn.js";
import { C, movmskpd, movmskps, PACKED, PACKED_JS, PACKED_OPCODES, pextrw, pinsrw, pmovmskb, SHIFT_IMM, xmmOp } from "./sse_int.js";
import { SSE3_DUP } from "./sse4_int.js";
import { copyImage, FXSAVE_SIZE, FXSAVE_WRITTEN, fxrstorImage, fxsaveImage, MXCSR_MASK } from "./sse_state.js";

/** A memory operand's bytes, zero-extended to 128 bits; a move's dwords in flight; the fxsave image. */
const S = new Uint32Array(4);
const TMP = new Uint32Array(4);
const IMG = new DataView(new ArrayBuffer(FXSAVE_SIZE));

const isXmm = (o: Operand): boolean => o.k === "r" && o.sz === 16;
/** The xmm register's first dword in st.xmm. */
const xo = (o: Operand): number => (o as RegOp).r * 4;

/** Loads n (1, 2 or 4) dwords at EA into S, the rest zero; false on a fault (FLT set). */
function load(x: Exec, n: number): boolean {
  const { mmu, EA, FLT } = x;
  S[0] = S[1] = S[2] = S[3] = 0;
  if (n === 1) {
    S[0] = mmu.ld32(EA[0], EA[1]);
    return FLT.kind === 0;
  }
  S[0] = mmu.ld64(EA[0], EA[1]);
  S[1] = mmu.hi;
  if (FLT.kind) return false;
  if (n === 2) return true;
  const s = (EA[0] >>> 0) + 8;
  S[2] = mmu.ld64(s | 0, s > 0xffffffff ? (EA[1] + 1) | 0 : EA[1]);
  S[3] = mmu.hi;
  return FLT.kind === 0;
}

/**
 * The source operand's dwords into S (an XMM register copied, or memory of
 * 2, 4, 8 or 16 bytes, zero-extended; 16 must be aligned unless `align` is
 * false); 0 or a stop code.
 */
export function source(x: Exec, o: Operand, S: Uint32Array, align = true): () => number {
  const X = x.st.xmm, { mmu, EA, FLT } = x;
  if (o.k === "r") {
    const s = o.r * 4;
    return () => { S[0] = X[s]; S[1] = X[s + 1]; S[2] = X[s + 2]; S[3] = X[s + 3]; return 0; };
  }
  const m = o as MemOp, sz = m.sz;
  return () => {
    x.ea(m);
    if (sz === 16 && align && EA[0] & 15) return STOP_GP;
    S[0] = S[1] = S[2] = S[3] = 0;
    if (sz === 2) S[0] = mmu.ld16(EA[0], EA[1]);
    else if (sz === 4) S[0] = mmu.ld32(EA[0], EA[1]);
    else {
      S[0] = mmu.ld64(EA[0], EA[1]);
      S[1] = mmu.hi;
      if (sz === 16 && !FLT.kind) {
        const s = (EA[0] >>> 0) + 8;
        S[2] = mmu.ld64(s | 0, s > 0xffffffff ? (EA[1] + 1) | 0 : EA[1]);
        S[3] = mmu.hi;
      }
    }
    return FLT.kind;
  };
}

/** Stores n dwords of src from `from` at EA; nothing is written if any byte faults. */
function store(x: Exec, src: Uint32Array, from: number, n: number): boolean {
  const { mmu, EA } = x;
  if (n === 1) return mmu.st32(EA[0], EA[1], src[from]);
  if (n === 2) return mmu.st64(EA[0], EA[1], src[from], src[from + 1]);
  if (!mmu.probeWrite(EA[0], EA[1], 16)) return false;
  mmu.st64(EA[0], EA[1], src[from], src[from + 1]);
  const s = (EA[0] >>> 0) + 8;
  return mmu.st64(s | 0, s > 0xffffffff ? (EA[1] + 1) | 0 : EA[1], src[from + 2], src[from + 3]);
}

/** The address of m into EA; false (#GP) when it must be 16-byte aligned and is not. */
function addr(x: Exec, m: MemOp, align: boolean): boolean {
  x.ea(m);
  return !(align && x.EA[0] & 15);
}

/**
 * How a move copies: n dwords from dword `from` of the source to dword `to`
 * of the destination. An xmm destination has its other dwords zeroed when the
 * source is memory or a general register, and by a register source when
 * `zeroReg` (movq) rather than merged (movss, movsd, the half moves).
 */
export interface MoveShape {
  n: number;
  from: number;
  to: number;
  zeroMem: boolean;
  zeroReg: boolean;
  align: boolean;
}

function compileMove(x: Exec, sh: MoveShape, d: Operand, s: Operand): Op {
  const { st, FLT, H, rget, rset } = x;
  const X = st.xmm;
  const { n, from, to, align } = sh;
  if (isXmm(d)) {
    const dx = xo(d);
    const zero = isXmm(s) ? sh.zeroReg : sh.zeroMem;
    /** Copies through TMP: the source may be the destination. */
    const write = (src: Uint32Array, so: number): void => {
      for (let i = 0; i < n; i++) TMP[i] = src[so + i];
      if (zero) X[dx] = X[dx + 1] = X[dx + 2] = X[dx + 3] = 0;
      for (let i = 0; i < n; i++) X[dx + to + i] = TMP[i];
    };
    if (isXmm(s)) {
      const sx = xo(s) + from;
      return () => { write(X, sx); return 0; };
    }
    if (s.k === "r") {
      const r = s.r;
      return () => { S[0] = rget(r, 4); S[1] = H[r]; write(S, 0); return 0; };
    }
    const m = s as MemOp;
    return () => {
      if (!addr(x, m, align)) return STOP_GP;
      if (!load(x, n)) return FLT.kind;
      write(S, 0);
      return 0;
    };
  }
  const sx = xo(s) + from;
  if (d.k === "r") {
    const r = d.r;
    if (n === 1) return () => { rset(r, 4, X[sx], 0); return 0; };
    return () => { rset(r, 8, X[sx], X[sx + 1]); return 0; };
  }
  const m = d as MemOp;
  return () => {
    if (!addr(x, m, align)) return STOP_GP;
    return store(x, X, sx, n) ? 0 : FLT.kind;
  };
}

/**
 * A whole-register move for the block translator: between registers, or a
 * load or store with the TLB hit done inline (the page holds all 16 bytes,
 * aligned if need be); anything else (a miss, a fault, #GP) leaves the block for the Ops.
 */
function translateMove16(j: Jit, insn: Insn, align: boolean): string | null {
  const d = insn.ops[0], s = insn.ops[1];
  const dwords = (f: (k: number) => string): string => [0, 1, 2, 3].map(f).join(" ");
  if (isXmm(d) && isXmm(s)) return dwords((k) => `XMM[${xo(d) + k}] = XMM[${xo(s) + k}];`);
  const load = isXmm(d);
  const ea = j.ea((load ? s : d) as MemOp);
  if (ea === null) return null;
  const [tl, th] = load ? ["TLO", "THI"] : ["WLO", "WHI"];
  const copy = load ? dwords((k) => `XMM[${xo(d) + k}] = DV.getInt32(p + ${4 * k}, true);`)
    : dwords((k) => `DV.setInt32(p + ${4 * k}, XMM[${xo(s) + k}], true);`);
  return `{${ea} const ti = (ea_lo >>> 12) & ${TLB_MASK};` +
    `if (${tl}[ti] === (ea_lo & -4096) && ${th}[ti] === ea_hi && (ea_lo & 4095) <= 4080${align ? " && (ea_lo & 15) === 0" : ""}) {` +
    `const p = (TPA[ti] | (ea_lo & 4095)) >>> 0; ${copy} } else ${j.toOps()}}`;
}

/**
 * A move of fewer than four dwords (movss, movsd, movd, movq, the half moves) for the block
 * translator: between registers, or a load or store of 4 or 8 bytes through Jit.load and Jit.store.
 * Their VEX forms (avx.ts) add the zeroing of the destination's high half.
 */
export function translateShortMove(j: Jit, sh: MoveShape, d: Operand, s: Operand): string | null {
  const { n, from, to } = sh;
  if (n > 2 || sh.align) return null;
  if (isXmm(d)) {
    const dx = xo(d);
    let pre = "", v: string[];
    if (isXmm(s)) v = [0, 1].slice(0, n).map((k) => `XMM[${xo(s) + from + k}]`);
    else if (s.k === "r") v = [j.l(s.r), j.h(s.r)].slice(0, n);
    else {
      const ea = j.ea(s as MemOp);
      if (ea === null) return null;
      pre = `${ea} ${j.load(4 * n, "v", "vh", false)}`;
      v = ["v", "vh"].slice(0, n);
    }
    const zero = isXmm(s) ? sh.zeroReg : sh.zeroMem;
    const put = [0, 1, 2, 3].map((k) => (k >= to && k < to + n ? `XMM[${dx + k}] = t${k - to};` : zero ? `XMM[${dx + k}] = 0;` : "")).join(" ");
    return `{${pre} ${v.map((e, k) => `const t${k} = ${e};`).join(" ")} ${put}}`;
  }
  const sx = xo(s) + from;
  if (d.k === "r") return n === 1 ? j.rw(d.r, 4, `XMM[${sx}]`, "0") : j.rw(d.r, 8, `XMM[${sx}]`, `XMM[${sx + 1}]`);
  const ea = j.ea(d as MemOp);
  if (ea === null) return null;
  return `{${ea} const v = XMM[${sx}], vh = ${n === 2 ? `XMM[${sx + 1}]` : "0"}; ${j.store(4 * n, "v", "vh")}}`;
}

/** A move of the low `n` dwords that zeroes the rest of an XMM destination (movd, movq; the loads of movss, movsd). */
export const zeroingMove = (n: number): MoveShape => ({ n, from: 0, to: 0, zeroMem: true, zeroReg: true, align: false });
/** movd or movq to or from a general register or memory: 64 bits when that operand is (REX.W). */
export const gprMove = (insn: Insn): MoveShape => zeroingMove(insn.ops.some((o) => !isXmm(o) && (o as { sz: number }).sz === 8) ? 2 : 1);

/** Defines a move: `shape` loads (and moves between registers), `storeShape` amends it for a memory destination. */
export function defineMove(name: string | ((insn: Insn) => string), enc: string[], feature: Feature, shape: Partial<MoveShape> & { n: number }, storeShape?: Partial<MoveShape>): void {
  const ld: MoveShape = { from: 0, to: 0, zeroMem: true, zeroReg: true, align: false, ...shape };
  const st: MoveShape = { ...ld, ...storeShape };
  const whole = [ld, st].every((sh) => sh.n === 4 && sh.from === 0 && sh.to === 0);
  define({
    name,
    enc,
    feature,
    compile: (x, insn) => compileMove(x, insn.ops[0].k === "m" ? st : ld, insn.ops[0], insn.ops[1]),
    translate: whole ? (j, insn) => translateMove16(j, insn, ld.align) : (j, insn) => translateShortMove(j, insn.ops[0].k === "m" ? st : ld, insn.ops[0], insn.ops[1]),
  });
}

function defineToGpr(name: string, enc: string, feature: Feature, fn: (s: Uint32Array, so: number, imm: number) => number,
  translate?: (j: Jit, insn: Insn) => string): void {
  define({
    name,
    enc: [enc],
    feature,
    compile: (x, insn) => {
      const { st, rset } = x;
      const d = insn.ops[0] as RegOp, s = xo(insn.ops[1]), imm = insn.ops[2]?.k === "i" ? insn.ops[2].lo & 0xff : 0;
      const X = st.xmm, r = d.r, sz = d.sz;
      return () => { rset(r, sz, fn(X, s, imm), 0); return 0; };
    },
    translate,
  });
}

/**
 * One 128-bit lane of a PACKED_JS form as statements: result dword k to d(k), from the operands' dwords a(k)
 * (the destination's, or VEX's first source) and b(k), every operand dword read before the first is written
 * (the source may be the destination).
 */
export function packedLane(j: Jit, form: (typeof PACKED_JS)[string], d: (k: number) => string, a: (k: number) => string,
  b: (k: number) => string, imm: number): string {
  const four = (f: (k: number) => string): string => [0, 1, 2, 3].map(f).join(" ");
  return `{${four((k) => `const a${k} = ${a(k)} | 0, b${k} = ${b(k)} | 0;`)} ${four((k) => form(`r${k}`, `a${k}`, `b${k}`, k, imm, j.k))} ` +
    `${four((k) => `${d(k)} = r${k};`)}}`;
}

/**
 * A packed instruction of PACKED_JS for the block translator: the source a
 * register, or 16 aligned bytes on a page the TLB holds, loaded inline;
 * anything else (a miss, a fault, #GP) runs the Op.
 */
export function translatePacked(j: Jit, insn: Insn, form: (typeof PACKED_JS)[string]): string | null {
  const d = xo(insn.ops[0]), s = insn.ops[1], imm = insn.ops[2]?.k === "i" ? insn.ops[2].lo & 0xff : 0;
  const dst = (k: number): string => `XMM[${d + k}]`;
  if (isXmm(s)) return packedLane(j, form, dst, dst, (k) => `XMM[${xo(s) + k}]`, imm);
  const ea = j.ea(s as MemOp);
  if (ea === null) return null;
  return `{${ea} const ti = (ea_lo >>> 12) & ${TLB_MASK};` +
    "if (TLO[ti] === (ea_lo & -4096) && THI[ti] === ea_hi && (ea_lo & 15) === 0) {" +
    `const p = (TPA[ti] | (ea_lo & 4095)) >>> 0; ${packedLane(j, form, dst, dst, (k) => `DV.getInt32(p + ${4 * k}, true)`, imm)} } else ${j.op()}}`;
}

/**
 * Defines a packed instruction: fn (sse_int.ts's lanes) of the destination and
 * the source, an XMM register or memory of the operand's size (16 bytes
 * aligned); with `mask`, C is xmm0 (the variable blends).
 */
export function definePacked(name: string, enc: string, feature = FEAT_SSE2, fn = PACKED[name], mask = false): void {
  const form = PACKED_JS[name];
  define({
    name,
    enc: [enc],
    feature,
    compile: (x, insn) => {
      const X = x.st.xmm, d = xo(insn.ops[0]), s = insn.ops[1], imm = insn.ops[2]?.k === "i" ? insn.ops[2].lo & 0xff : 0;
      if (isXmm(s)) {
        const sx = xo(s);
        if (mask) return () => { C.d.set(X.subarray(0, 4)); xmmOp(fn, X, d, X, sx, imm); return 0; };
        return () => { xmmOp(fn, X, d, X, sx, imm); return 0; };
      }
      const get = source(x, s, S);
      return () => {
        const k = get();
        if (k) return k;
        if (mask) C.d.set(X.subarray(0, 4));
        xmmOp(fn, X, d, S, 0, imm);
        return 0;
      };
    },
    translate: form === undefined ? undefined : (j, insn) => translatePacked(j, insn, form),
  });
}

/** The descriptors, made on the first 0F opcode no other family claims (insn.ts's defineLater). */
function defineSse(): void {
  const FULL = { n: 4 };
  const ALIGNED = { n: 4, align: true };
  defineMove("movups", ["NP 0F 10 /r: V,Wdq", "NP 0F 11 /r: Wdq,V"], FEAT_SSE, FULL);
  defineMove("movupd", ["66 0F 10 /r: V,Wdq", "66 0F 11 /r: Wdq,V"], FEAT_SSE2, FULL);
  defineMove("movdqu", ["F3 0F 6F /r: V,Wdq", "F3 0F 7F /r: Wdq,V"], FEAT_SSE2, FULL);
  defineMove("movaps", ["NP 0F 28 /r: V,Wdq", "NP 0F 29 /r: Wdq,V"], FEAT_SSE, ALIGNED);
  defineMove("movapd", ["66 0F 28 /r: V,Wdq", "66 0F 29 /r: Wdq,V"], FEAT_SSE2, ALIGNED);
  defineMove("movdqa", ["66 0F 6F /r: V,Wdq", "66 0F 7F /r: Wdq,V"], FEAT_SSE2, ALIGNED);
  defineMove("movntps", ["NP 0F 2B /r: Mdq,V"], FEAT_SSE, ALIGNED);
  defineMove("movntpd", ["66 0F 2B /r: Mdq,V"], FEAT_SSE2, ALIGNED);
  defineMove("movntdq", ["66 0F E7 /r: Mdq,V"], FEAT_SSE2, ALIGNED);
  // scalar moves: from memory the rest is zeroed, between registers it is kept
  defineMove("movss", ["F3 0F 10 /r: V,Wd", "F3 0F 11 /r: Wd,V"], FEAT_SSE, { n: 1, zeroReg: false });
  defineMove("movsd", ["F2 0F 10 /r: V,Wq", "F2 0F 11 /r: Wq,V"], FEAT_SSE2, { n: 2, zeroReg: false });
  // the half moves keep the other half; movhps and movhpd load into (and store from) the high quadword
  const LOW = { n: 2, zeroMem: false, zeroReg: false };
  defineMove("movlps", ["NP 0F 12 /r: V,Mq", "NP 0F 13 /r: Mq,V"], FEAT_SSE, LOW);
  defineMove("movlpd", ["66 0F 12 /r: V,Mq", "66 0F 13 /r: Mq,V"], FEAT_SSE2, LOW);
  defineMove("movhps", ["NP 0F 16 /r: V,Mq", "NP 0F 17 /r: Mq,V"], FEAT_SSE, { ...LOW, to: 2 }, { from: 2, to: 0 });
  defineMove("movhpd", ["66 0F 16 /r: V,Mq", "66 0F 17 /r: Mq,V"], FEAT_SSE2, { ...LOW, to: 2 }, { from: 2, to: 0 });
  defineMove("movhlps", ["NP 0F 12 /r: V,U"], FEAT_SSE, { ...LOW, from: 2 });
  defineMove("movlhps", ["NP 0F 16 /r: V,U"], FEAT_SSE, { ...LOW, to: 2 });
  // 32 and 64 bits: to and from general registers or memory (REX.W: movq), and movq between xmm and m64
  define({
    name: (insn) => (gprMove(insn).n === 2 ? "movq" : "movd"),
    enc: ["66 0F 6E /r: V,Ey", "66 0F 7E /r: Ey,V"],
    feature: FEAT_SSE2,
    compile: (x, insn) => compileMove(x, gprMove(insn), insn.ops[0], insn.ops[1]),
    translate: (j, insn) => translateShortMove(j, gprMove(insn), insn.ops[0], insn.ops[1]),
  });
  defineMove("movq", ["F3 0F 7E /r: V,Wq", "66 0F D6 /r: Wq,V"], FEAT_SSE2, { n: 2 });
  // SSE3: an unaligned load, and the loads that duplicate lanes
  defineMove("lddqu", ["F2 0F F0 /r: V,Mdq"], FEAT_SSE3, FULL);
  definePacked("movddup", "F2 0F 12 /r: V,Wq", FEAT_SSE3, SSE3_DUP.movddup);
  definePacked("movsldup", "F3 0F 12 /r: V,Wdq", FEAT_SSE3, SSE3_DUP.movsldup);
  definePacked("movshdup", "F3 0F 16 /r: V,Wdq", FEAT_SSE3, SSE3_DUP.movshdup);

  define({
    name: "movnti",
    enc: ["NP 0F C3 /r: My,Gy"],
    feature: FEAT_SSE2,
    compile: (x, insn) => {
      const { EA, FLT, H, L, mmu, ea } = x;
      const m = insn.ops[0] as MemOp, r = (insn.ops[1] as RegOp).r, wide = insn.ops[1].k === "r" && insn.ops[1].sz === 8;
      return () => {
        ea(m);
        return (wide ? mmu.st64(EA[0], EA[1], L[r], H[r]) : mmu.st32(EA[0], EA[1], L[r])) ? 0 : FLT.kind;
      };
    },
  });

  // ---- to general registers ----
  defineToGpr("movmskps", "NP 0F 50 /r: Gy,U", FEAT_SSE, movmskps);
  defineToGpr("movmskpd", "66 0F 50 /r: Gy,U", FEAT_SSE2, movmskpd);
  defineToGpr("pmovmskb", "66 0F D7 /r: Gy,U", FEAT_SSE2, pmovmskb, (j, insn) => {
    const d = insn.ops[0] as RegOp, s = xo(insn.ops[1]);
    // each dword's four byte sign bits, then the dwords side by side
    const bits = [0, 1, 2, 3].map((k) => `(((v = XMM[${s + k}]) >>> 7 & 1) | (v >>> 14 & 2) | (v >>> 21 & 4) | (v >>> 28 & 8)) << ${4 * k}`);
    return `{let v; const m = ${bits.join(" | ")}; ${j.rw(d.r, d.sz, "m", "0")}}`;
  });
  defineToGpr("pextrw", "66 0F C5 /r: Gy,U,Ib", FEAT_SSE2, pextrw);

  define({
    name: "pinsrw",
    enc: ["66 0F C4 /r: V,Ry,Ib", "66 0F C4 /r: V,Mw,Ib"],
    feature: FEAT_SSE2,
    compile: (x, insn) => {
      const { st, EA, FLT, mmu, rget, ea } = x;
      const X = st.xmm, d = xo(insn.ops[0]), s = insn.ops[1], imm = (insn.ops[2] as { lo: number }).lo & 0xff;
      if (s.k === "r") { const r = s.r; return () => { pinsrw(X, d, rget(r, 4), imm); return 0; }; }
      const m = s as MemOp;
      return () => { ea(m); const v = mmu.ld16(EA[0], EA[1]); if (FLT.kind) return FLT.kind; pinsrw(X, d, v, imm); return 0; };
    },
  });

  // ---- packed integer: 66 0F xx /r ----
  const hex2 = (b: number): string => b.toString(16).toUpperCase().padStart(2, "0");
  for (const [opc, name] of PACKED_OPCODES) definePacked(name, `66 0F ${hex2(opc)} /r: V,Wdq`);
  definePacked("pshufd", "66 0F 70 /r: V,Wdq,Ib");
  definePacked("pshufhw", "F3 0F 70 /r: V,Wdq,Ib");
  definePacked("pshuflw", "F2 0F 70 /r: V,Wdq,Ib");

  // shifts by an immediate: 66 0F 71/72/73 /n ib, register form only
  for (const [opc, reg, name] of [[0x71, 2, "psrlw"], [0x71, 4, "psraw"], [0x71, 6, "psllw"], [0x72, 2, "psrld"], [0x72, 4, "psrad"],
    [0x72, 6, "pslld"], [0x73, 2, "psrlq"], [0x73, 3, "psrldq"], [0x73, 6, "psllq"], [0x73, 7, "pslldq"]] as const) {
    const fn = SHIFT_IMM[name];
    define({
      name,
      enc: [`66 0F ${hex2(opc)} /${reg}: U,Ib`],
      feature: FEAT_SSE2,
      compile: (x, insn) => {
        const X = x.st.xmm, d = xo(insn.ops[0]), imm = (insn.ops[1] as { lo: number }).lo & 0xff;
        return () => { xmmOp(fn, X, d, X, d, imm); return 0; };
      },
    });
  }

  // ---- MXCSR and the fxsave image ----
  define({
    name: "ldmxcsr",
    enc: ["NP 0F AE /2: Md"],
    feature: FEAT_SSE,
    compile: (x, insn) => {
      const { st, EA, FLT, mmu, ea } = x;
      const m = insn.ops[0] as MemOp;
      return () => {
        ea(m);
        const v = mmu.ld32(EA[0], EA[1]);
        if (FLT.kind) return FLT.kind;
        if (v & ~MXCSR_MASK) return STOP_GP;
        st.mxcsr = v;
        return 0;
      };
    },
  });
  define({
    name: "stmxcsr",
    enc: ["NP 0F AE /3: Md"],
    feature: FEAT_SSE,
    translate: (j, insn) => {
      const ea = j.ea(insn.ops[0] as MemOp);
      return ea === null ? null : `{${ea} const v = ST.mxcsr; ${j.store(4, "v", "0")}}`;
    },
    compile: (x, insn) => {
      const { st, EA, FLT, mmu, ea } = x;
      const m = insn.ops[0] as MemOp;
      return () => { ea(m); return mmu.st32(EA[0], EA[1], st.mxcsr) ? 0 : FLT.kind; };
    },
  });

  // with REX.W the x87 instruction and operand pointers are saved as 64-bit offsets
  define({
    name: (insn) => (insn.osz === 8 ? "fxsave64" : "fxsave"),
    enc: ["NP 0F AE /0: M512"],
    feature: FEAT_FXSR,
    compile: (x, insn) => {
      const { st, EA, FLT, mmu } = x;
      const m = insn.ops[0] as MemOp, wide = insn.osz === 8;
      return () => {
        if (!addr(x, m, true)) return STOP_GP;
        if (!mmu.probeWrite(EA[0], EA[1], FXSAVE_WRITTEN)) return FLT.kind;
        fxsaveImage(IMG, st.xmm, st.mxcsr, st.x87Image, wide);
        copyImage(x, IMG, 0, FXSAVE_WRITTEN, true);
        return 0;
      };
    },
  });
  define({
    name: (insn) => (insn.osz === 8 ? "fxrstor64" : "fxrstor"),
    enc: ["NP 0F AE /1: M512"],
    feature: FEAT_FXSR,
    compile: (x, insn) => {
      const { st, FLT } = x;
      const m = insn.ops[0] as MemOp, wide = insn.osz === 8;
      return () => {
        if (!addr(x, m, true)) return STOP_GP;
        if (!copyImage(x, IMG, 0, FXSAVE_SIZE, false)) return FLT.kind;
        const mx = fxrstorImage(IMG, st.xmm, st.x87Image, wide);
        if (mx < 0) return STOP_GP;
        st.mxcsr = mx;
        return 0;
      };
    },
  });

  // xsave, xrstor and xgetbv (0F AE /4, /5 and 0F 01 D0): a model with XSAVE's
  defineXsave();

  // ---- ordering and hints: nothing to do for one CPU; a prefetch never faults ----
  const nothing = (): Op => () => 0;
  const anyRm = (b: number): string[] => Array.from({ length: 8 }, (_, i) => `NP 0F AE ${hex2(b + i)}`);
  define({ name: "lfence", enc: anyRm(0xe8), feature: FEAT_SSE2, compile: nothing });
  define({ name: "mfence", enc: anyRm(0xf0), feature: FEAT_SSE2, compile: nothing });
  define({ name: "sfence", enc: anyRm(0xf8), feature: FEAT_SSE, compile: nothing });
  for (const [reg, name] of ["prefetchnta", "prefetcht0", "prefetcht1", "prefetcht2"].entries()) {
    define({ name, enc: [`0F 18 /${reg}: Mb`], feature: FEAT_SSE, noAccess: true, compile: nothing, translate: () => "" });
  }
  defineMmx();
}
defineLater(1, [FEAT_MMX, FEAT_SSE, FEAT_SSE2, FEAT_SSE3, FEAT_FXSR, FEAT_XSAVE], defineSse);
