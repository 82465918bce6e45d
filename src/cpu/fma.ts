// FMA3: the fused multiply-adds (vfmadd, vfmsub, vfnmadd, vfnmsub, vfmaddsub,
// vfmsubadd in their 132, 213 and 231 orders; ps/pd/ss/sd), VEX.66.0F38 with
// VEX.W choosing double precision. a * b + c is computed exactly and rounded
// once, under MXCSR's rounding, DAZ and FTZ, with its exception flags: on
// host numbers where fma_fast.ts proves that exact (round to nearest, ordinary
// operands and result), else on BigInts (fusedMulAdd).
//
// The orders name which operands multiply: with d the destination, v VEX.vvvv
// and m the r/m operand, 132 is d * m + v, 213 is v * d + m, 231 is v * m + d.
// A scalar form keeps the destination's other elements of its low 128 bits.

import { type Exec, type Op, STOP_XM } from "./exec.js";
import { addCore, defaultNaN, F32, F64, fe, FE_DENORMAL, FE_INEXACT, FE_INVALID, FINITE, type Format, INF, isNaN, quiet, SNAN, unpack, type Unpacked, ZERO } from "./fpu/softfloat.js";
import { EXACT, fmaF32, fmaF64, INEXACT, io, NOT_FAST } from "./fma_fast.js";
import { define, defineLater, type Insn, type MemOp, type Operand, type RegOp, VEX_MAP } from "./insn.js";
import { type Jit, jitHelper } from "./jit.js";
import { zeroHigh } from "./ymm.js";
import { raised } from "./sse_float_lanes.js";
import { SCRATCHD, SCRATCHF, SCRATCHI, simdException, withLow } from "./sse_float_insns.js";

/**
 * (-1)^negProduct * a * b + (-1)^negAddend * c in format f, rounded once. A NaN operand gives the first
 * NaN of a, b, c, quieted (negation does not apply to it), invalid only for a signalling one (so 0 * inf + QNaN
 * is not invalid, as the reference CPU answers); 0 * inf + a number is invalid.
 */
export function fusedMulAdd(a: bigint, b: bigint, c: bigint, negProduct: boolean, negAddend: boolean, f: Format, mx: number): bigint {
  const daz = (mx & 0x40) !== 0, ftz = (mx & 0x8000) !== 0, rc = (mx >> 13) & 3;
  const A = unpack(a, f, daz), B = unpack(b, f, daz), C = unpack(c, f, daz);
  const zeroTimesInf = (A.cls === INF && B.cls === ZERO) || (A.cls === ZERO && B.cls === INF);
  if (isNaN(A) || isNaN(B) || isNaN(C)) {
    if (A.cls === SNAN || B.cls === SNAN || C.cls === SNAN) fe.flags |= FE_INVALID;
    return quiet(isNaN(A) ? a : isNaN(B) ? b : c, f);
  }
  if (zeroTimesInf) { fe.flags |= FE_INVALID; return defaultNaN(f); }
  const sign = A.sign ^ B.sign ^ (negProduct ? 1 : 0);
  const P: Unpacked = A.cls === INF || B.cls === INF ? { cls: INF, sign, sig: 0n, exp: 0, den: false, bits: 0n }
    : A.cls === ZERO || B.cls === ZERO ? { cls: ZERO, sign, sig: 0n, exp: 0, den: false, bits: 0n }
    : { cls: FINITE, sign, sig: A.sig * B.sig, exp: A.exp + B.exp, den: false, bits: 0n };
  const invalid = P.cls === INF && C.cls === INF && (P.sign !== (C.sign ^ (negAddend ? 1 : 0)));
  if (!invalid && !daz && (A.den || B.den || C.den)) fe.flags |= FE_DENORMAL;
  return addCore(P, C, negAddend, f, rc, f.p, ftz);
}

/** The kinds: product negated, addend negated (for even elements; `alternate` flips the addend's sign on odd ones). */
const KINDS = [
  ["fmadd", 0x98, false, false, false], ["fmsub", 0x9a, false, true, false], ["fnmadd", 0x9c, true, false, false], ["fnmsub", 0x9e, true, true, false],
  ["fmaddsub", 0x96, false, true, true], ["fmsubadd", 0x97, false, false, true],
] as const;

function compileFma(x: Exec, ops: Operand[], order: number, negP: boolean, negC: boolean, alternate: boolean, double: boolean, scalar: boolean): Op {
  const [d, v, s] = ops as [RegOp, RegOp, Operand];
  const wide = d.sz === 32 && !scalar, f = double ? F64 : F32, st = x.st, X = st.xmm, Y = st.ymmh;
  const es = double ? 2 : 1, n = scalar ? 1 : ((wide ? 8 : 4) / es), half = 4 / es; // elements; those in 128 bits
  const M = new Uint32Array(8), R = new Uint32Array(8);
  const m = s.k === "m" ? s as MemOp : null, words = n * es, dr = d.r;
  // the multiplied operands and the addend by register, -1 for the memory operand
  const sm = m !== null ? -1 : (s as RegOp).r;
  const [ra, rb, rc] = order === 132 ? [dr, sm, v.r] : order === 213 ? [v.r, dr, sm] : [v.r, sm, dr];
  const word = (r: number, k: number): number => (r < 0 ? M[k] : k < 4 ? X[r * 4 + k] : Y[r * 4 + k - 4]);
  const bits = (r: number, i: number): bigint => (double ? (BigInt(word(r, 2 * i + 1) >>> 0) << 32n) | BigInt(word(r, 2 * i) >>> 0) : BigInt(word(r, i) >>> 0));
  // the same as host numbers, read in place, for the fast path
  const view = (w: Uint32Array): Float64Array | Float32Array => (double ? new Float64Array(w.buffer) : new Float32Array(w.buffer));
  const XF = view(X), YF = view(Y), MF = view(M), RF = view(R), fused = double ? fmaF64 : fmaF32;
  const num = (r: number, i: number): number => (r < 0 ? MF[i] : i < half ? XF[r * half + i] : YF[r * half + i - half]);
  const sA = negP ? -1 : 1, sC = negC ? -1 : 1, sAlt = alternate ? -sC : sC; // the addend's sign on odd elements
  return () => {
    if (m !== null) {
      x.ea(m);
      for (let i = 0; i < words; i++) {
        const a = (x.EA[0] >>> 0) + 4 * i;
        M[i] = x.mmu.ld32(a | 0, a > 0xffffffff ? (x.EA[1] + 1) | 0 : x.EA[1]);
        if (x.FLT.kind) return x.FLT.kind;
      }
    }
    const mx = st.mxcsr, nearest = (mx & 0x6000) === 0;
    fe.flags = 0;
    let inexact = false;
    for (let i = 0; i < n; i++) {
      // the sign flips are exact, and a NaN (whose sign they must not touch) leaves the fast path
      io[0] = sA * num(ra, i); io[1] = num(rb, i); io[2] = (i & 1 ? sAlt : sC) * num(rc, i);
      const k = nearest ? fused() : NOT_FAST;
      if (k !== NOT_FAST) { RF[i] = io[0]; inexact ||= k === INEXACT; continue; }
      const e = fusedMulAdd(bits(ra, i), bits(rb, i), bits(rc, i), negP, alternate && i & 1 ? !negC : negC, f, mx);
      if (double) { R[2 * i] = Number(e & 0xffffffffn); R[2 * i + 1] = Number(e >> 32n); }
      else R[i] = Number(e);
    }
    raised.flags = fe.flags | (inexact ? FE_INEXACT : 0);
    fe.flags = 0;
    if (simdException(x, mx)) return STOP_XM;
    st.mxcsr = mx | raised.flags;
    // as words, NaNs untouched; VEX.128 zeroes the high 128 bits
    for (let i = 0; i < words; i++) { if (i < 4) X[dr * 4 + i] = R[i]; else Y[dr * 4 + i - 4] = R[i]; }
    if (!wide) for (let i = 0; i < 4; i++) Y[dr * 4 + i] = 0;
    return 0;
  };
}

// The block translator's scalar forms: the fast path inline (no call of the Op, so no write-back of the
// block's registers around it), PE set when masked; every other case leaves the block for the Ops.
const FMA_IO = jitHelper("FMA_IO", io), FMA_F64 = jitHelper("FMA_F64", fmaF64), FMA_F32 = jitHelper("FMA_F32", fmaF32);

function translateFmaScalar(j: Jit, insn: Insn, order: number, negP: boolean, negC: boolean, double: boolean): string | null {
  const [d, v, s] = insn.ops as [RegOp, RegOp, Operand];
  const num = double ? SCRATCHD : SCRATCHF, dx = d.r * 4;
  const reg = (r: number): string[] => [`XMM[${r * 4}]`, `XMM[${r * 4 + 1}]`];
  const put = (w: string[], k: number, neg: boolean): string =>
    `${SCRATCHI}[0] = ${w[0]}; ${double ? `${SCRATCHI}[1] = ${w[1]}; ` : ""}${FMA_IO}[${k}] = ${neg ? "-" : ""}${num}[0];`;
  return withLow(j, s, double ? 8 : 4, (lo, hi) => {
    const m = [lo, hi];
    const [a, b, c] = order === 132 ? [reg(d.r), m, reg(v.r)] : order === 213 ? [reg(v.r), reg(d.r), m] : [reg(v.r), m, reg(d.r)];
    return `{${put(a, 0, negP)} ${put(b, 1, false)} ${put(c, 2, negC)}` +
      `const fk = (ST.mxcsr & 0x6000) === 0 ? ${double ? FMA_F64 : FMA_F32}() : ${NOT_FAST};` +
      `if (fk === ${EXACT} || (fk === ${INEXACT} && (ST.mxcsr & 0x1000) !== 0)) {` +
      `${num}[0] = ${FMA_IO}[0]; XMM[${dx}] = ${SCRATCHI}[0]; ${double ? `XMM[${dx + 1}] = ${SCRATCHI}[1]; ` : ""}${zeroHigh(d.r)}` +
      `if (fk === ${INEXACT}) ST.mxcsr |= ${FE_INEXACT}; } else ${j.toOps()}}`;
  });
}

function defineFma(): void {
  for (const [kind, base, negP, negC, alternate] of KINDS) {
    for (const [order, off] of [[132, 0], [213, 0x10], [231, 0x20]] as const) {
      for (const [suffix, double] of [["ps", false], ["pd", true]] as const) {
        const opc = (base + off).toString(16).toUpperCase();
        define({
          name: `v${kind}${order}${suffix}`,
          enc: [`VEX 66 0F 38 ${opc} W${+double} /r: Vx,Hx,Wx`],
          compile: (x, insn) => compileFma(x, insn.ops, order, negP, negC, alternate, double, false),
        });
        if (alternate) continue;
        // the scalar forms: the next opcode; VEX.L ignored
        define({
          name: `v${kind}${order}${double ? "sd" : "ss"}`,
          enc: [`VEX 66 0F 38 ${(base + off + 1).toString(16).toUpperCase()} W${+double} /r: V,H,W${double ? "q" : "d"}`],
          compile: (x, insn) => compileFma(x, insn.ops, order, negP, negC, false, double, true),
          translate: (j, insn) => translateFmaScalar(j, insn, order, negP, negC, double),
        });
      }
    }
  }
}
defineLater([VEX_MAP + 2], [], defineFma);
