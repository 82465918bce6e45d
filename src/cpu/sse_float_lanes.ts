// The SSE/SSE2 floating-point instructions lane by lane: how each one reads
// its operands' dwords and where its results go, over the element semantics
// of sse_float.ts. X is the XMM register file (register r, dword j at
// X[r * 4 + j]); the source is four dwords S[0..3] (an XMM register copied
// out, or the memory operand, zero-padded), so a source that is also the
// destination is read before it is written. Each returns the new MXCSR.

import {
  ADD, arith32, arith64, cmp32, cmp64, comis32, comis64, DIV, f32ToF64, f32ToInt, f64ToF32, f64ToInt, fe, int64ToF32, int64ToF64, MAX, MIN,
  MUL, res64, round32, round64, SQRT, SUB,
} from "./sse_float.js";

export type Lanes = (X: Uint32Array, d: number, S: Uint32Array, imm: number, mx: number) => number;

const D = new Uint32Array(4);
/** The exceptions the last instruction raised (its flags, before they merge into MXCSR's sticky ones). */
export const raised = { flags: 0 };
/** Flags collected by the element functions, merged into MXCSR. */
function done(mx: number): number {
  const f = fe.flags;
  fe.flags = 0;
  raised.flags = f;
  return mx | f;
}

function ps(op: number, n: number): Lanes {
  return (X, d, S, _imm, mx) => {
    const o = d * 4;
    for (let i = 0; i < n; i++) X[o + i] = arith32(op, X[o + i], S[i], mx);
    return done(mx);
  };
}
function pd(op: number, n: number): Lanes {
  return (X, d, S, _imm, mx) => {
    const o = d * 4;
    for (let i = 0; i < 2 * n; i += 2) {
      arith64(op, X[o + i], X[o + i + 1], S[i], S[i + 1], mx);
      X[o + i] = res64[0];
      X[o + i + 1] = res64[1];
    }
    return done(mx);
  };
}
const cmpps = (n: number): Lanes => (X, d, S, imm, mx) => {
  const o = d * 4;
  for (let i = 0; i < n; i++) X[o + i] = cmp32(imm, X[o + i], S[i], mx) ? 0xffffffff : 0;
  return done(mx);
};
const cmppd = (n: number): Lanes => (X, d, S, imm, mx) => {
  const o = d * 4;
  for (let i = 0; i < 2 * n; i += 2) {
    const m = cmp64(imm, X[o + i], X[o + i + 1], S[i], S[i + 1], mx) ? 0xffffffff : 0;
    X[o + i] = m;
    X[o + i + 1] = m;
  }
  return done(mx);
};
const bitwise = (f: (a: number, b: number) => number): Lanes => (X, d, S, _imm, mx) => {
  const o = d * 4;
  for (let i = 0; i < 4; i++) X[o + i] = f(X[o + i], S[i]);
  return mx;
};
/** Rearranges: result dword i = (sel[i] < 4 ? destination : source) dword sel[i] & 3. */
function arrange(X: Uint32Array, d: number, S: Uint32Array, sel: number[]): void {
  const o = d * 4;
  D.set(X.subarray(o, o + 4));
  for (let i = 0; i < 4; i++) X[o + i] = sel[i] < 4 ? D[sel[i]] : S[sel[i] & 3];
}

/**
 * The SSE3 horizontal and alternating ops: result lane i = op[i] of the lanes
 * pick[i] (0..3 the destination's, 4..7 the source's), all read before any is written.
 */
function pairs32(ops: number[], pick: number[][]): Lanes {
  return (X, d, S, _imm, mx) => {
    const o = d * 4;
    const lane = (k: number): number => (k < 4 ? X[o + k] : S[k - 4]);
    const r = ops.map((op, i) => arith32(op, lane(pick[i][0]), lane(pick[i][1]), mx));
    for (let i = 0; i < 4; i++) X[o + i] = r[i];
    return done(mx);
  };
}
/** The same for doubles: lanes 0, 1 the destination's, 2, 3 the source's. */
function pairs64(ops: number[], pick: number[][]): Lanes {
  return (X, d, S, _imm, mx) => {
    const o = d * 4;
    const lo = (k: number): number => (k < 2 ? X[o + 2 * k] : S[2 * (k - 2)]);
    const hi = (k: number): number => (k < 2 ? X[o + 2 * k + 1] : S[2 * (k - 2) + 1]);
    const r = ops.map((op, i) => {
      arith64(op, lo(pick[i][0]), hi(pick[i][0]), lo(pick[i][1]), hi(pick[i][1]), mx);
      return [res64[0], res64[1]];
    });
    for (let i = 0; i < 2; i++) { X[o + 2 * i] = r[i][0]; X[o + 2 * i + 1] = r[i][1]; }
    return done(mx);
  };
}
const roundps = (n: number): Lanes => (X, d, S, imm, mx) => {
  for (let i = 0; i < n; i++) X[d * 4 + i] = round32(S[i], imm, mx);
  return done(mx);
};
const roundpd = (n: number): Lanes => (X, d, S, imm, mx) => {
  for (let i = 0; i < 2 * n; i += 2) {
    round64(S[i], S[i + 1], imm, mx);
    X[d * 4 + i] = res64[0];
    X[d * 4 + i + 1] = res64[1];
  }
  return done(mx);
};
/**
 * dpps: the products of the lanes imm[7:4] selects (the others +0.0), summed
 * as (p0 + p1) + (p2 + p3), each step rounded; the sum into the lanes of imm[3:0], the others +0.0.
 */
const dpps: Lanes = (X, d, S, imm, mx) => {
  const o = d * 4, p = [0, 1, 2, 3].map((i) => (imm & (16 << i) ? arith32(MUL, X[o + i], S[i], mx) : 0));
  const sum = arith32(ADD, arith32(ADD, p[0], p[1], mx), arith32(ADD, p[2], p[3], mx), mx);
  for (let i = 0; i < 4; i++) X[o + i] = imm & (1 << i) ? sum : 0;
  return done(mx);
};
/** dppd: the same over two doubles (imm[5:4] and imm[1:0]). */
const dppd: Lanes = (X, d, S, imm, mx) => {
  const o = d * 4, p = [0, 0, 0, 0];
  for (let i = 0; i < 2; i++) {
    if (!(imm & (16 << i))) continue;
    arith64(MUL, X[o + 2 * i], X[o + 2 * i + 1], S[2 * i], S[2 * i + 1], mx);
    p[2 * i] = res64[0];
    p[2 * i + 1] = res64[1];
  }
  arith64(ADD, p[0], p[1], p[2], p[3], mx);
  for (let i = 0; i < 2; i++) {
    const on = (imm & (1 << i)) !== 0;
    X[o + 2 * i] = on ? res64[0] : 0;
    X[o + 2 * i + 1] = on ? res64[1] : 0;
  }
  return done(mx);
};

let lanes: Record<string, Lanes> | null = null;
/** The lane functions by mnemonic, made on the first use: the families using them are defined later, not at load. */
export function floatLanes(): Record<string, Lanes> {
  return (lanes ??= makeFloatLanes());
}
const makeFloatLanes = (): Record<string, Lanes> => ({
  addps: ps(ADD, 4), subps: ps(SUB, 4), mulps: ps(MUL, 4), divps: ps(DIV, 4), minps: ps(MIN, 4), maxps: ps(MAX, 4), sqrtps: ps(SQRT, 4),
  addss: ps(ADD, 1), subss: ps(SUB, 1), mulss: ps(MUL, 1), divss: ps(DIV, 1), minss: ps(MIN, 1), maxss: ps(MAX, 1), sqrtss: ps(SQRT, 1),
  addpd: pd(ADD, 2), subpd: pd(SUB, 2), mulpd: pd(MUL, 2), divpd: pd(DIV, 2), minpd: pd(MIN, 2), maxpd: pd(MAX, 2), sqrtpd: pd(SQRT, 2),
  addsd: pd(ADD, 1), subsd: pd(SUB, 1), mulsd: pd(MUL, 1), divsd: pd(DIV, 1), minsd: pd(MIN, 1), maxsd: pd(MAX, 1), sqrtsd: pd(SQRT, 1),
  cmpps: cmpps(4), cmpss: cmpps(1), cmppd: cmppd(2), cmpsd: cmppd(1),
  andps: bitwise((a, b) => a & b), andpd: bitwise((a, b) => a & b),
  andnps: bitwise((a, b) => ~a & b), andnpd: bitwise((a, b) => ~a & b),
  orps: bitwise((a, b) => a | b), orpd: bitwise((a, b) => a | b),
  xorps: bitwise((a, b) => a ^ b), xorpd: bitwise((a, b) => a ^ b),
  shufps: (X, d, S, imm, mx) => { arrange(X, d, S, [imm & 3, (imm >> 2) & 3, 4 | ((imm >> 4) & 3), 4 | ((imm >> 6) & 3)]); return mx; },
  shufpd: (X, d, S, imm, mx) => {
    const lo = (imm & 1) * 2, hi = ((imm >> 1) & 1) * 2;
    arrange(X, d, S, [lo, lo + 1, 4 | hi, 4 | (hi + 1)]);
    return mx;
  },
  unpcklps: (X, d, S, _imm, mx) => { arrange(X, d, S, [0, 4, 1, 5]); return mx; },
  unpckhps: (X, d, S, _imm, mx) => { arrange(X, d, S, [2, 6, 3, 7]); return mx; },
  unpcklpd: (X, d, S, _imm, mx) => { arrange(X, d, S, [0, 1, 4, 5]); return mx; },
  unpckhpd: (X, d, S, _imm, mx) => { arrange(X, d, S, [2, 3, 6, 7]); return mx; },
  cvtdq2ps: (X, d, S, _imm, mx) => {
    for (let i = 0; i < 4; i++) X[d * 4 + i] = int64ToF32(S[i], S[i] >> 31, mx);
    return done(mx);
  },
  cvtdq2pd: (X, d, S, _imm, mx) => {
    const a = S[0], b = S[1];
    for (const [i, v] of [[0, a], [2, b]]) {
      int64ToF64(v, v >> 31, mx);
      X[d * 4 + i] = res64[0];
      X[d * 4 + i + 1] = res64[1];
    }
    return mx;
  },
  cvtps2dq: (X, d, S, _imm, mx) => { for (let i = 0; i < 4; i++) { f32ToInt(S[i], 32, false, mx); X[d * 4 + i] = res64[0]; } return done(mx); },
  cvttps2dq: (X, d, S, _imm, mx) => { for (let i = 0; i < 4; i++) { f32ToInt(S[i], 32, true, mx); X[d * 4 + i] = res64[0]; } return done(mx); },
  cvtpd2dq: (X, d, S, _imm, mx) => pd2dq(X, d, S, false, mx),
  cvttpd2dq: (X, d, S, _imm, mx) => pd2dq(X, d, S, true, mx),
  cvtps2pd: (X, d, S, _imm, mx) => {
    const a = S[0], b = S[1];
    f32ToF64(a, mx);
    X[d * 4] = res64[0]; X[d * 4 + 1] = res64[1];
    f32ToF64(b, mx);
    X[d * 4 + 2] = res64[0]; X[d * 4 + 3] = res64[1];
    return done(mx);
  },
  cvtpd2ps: (X, d, S, _imm, mx) => {
    X[d * 4] = f64ToF32(S[0], S[1], mx);
    X[d * 4 + 1] = f64ToF32(S[2], S[3], mx);
    X[d * 4 + 2] = 0;
    X[d * 4 + 3] = 0;
    return done(mx);
  },
  haddps: pairs32([ADD, ADD, ADD, ADD], [[0, 1], [2, 3], [4, 5], [6, 7]]),
  hsubps: pairs32([SUB, SUB, SUB, SUB], [[0, 1], [2, 3], [4, 5], [6, 7]]),
  addsubps: pairs32([SUB, ADD, SUB, ADD], [[0, 4], [1, 5], [2, 6], [3, 7]]),
  haddpd: pairs64([ADD, ADD], [[0, 1], [2, 3]]),
  hsubpd: pairs64([SUB, SUB], [[0, 1], [2, 3]]),
  addsubpd: pairs64([SUB, ADD], [[0, 2], [1, 3]]),
  roundps: roundps(4), roundss: roundps(1), roundpd: roundpd(2), roundsd: roundpd(1),
  dpps, dppd,
  cvtsd2ss: (X, d, S, _imm, mx) => { X[d * 4] = f64ToF32(S[0], S[1], mx); return done(mx); },
  cvtss2sd: (X, d, S, _imm, mx) => {
    f32ToF64(S[0], mx);
    X[d * 4] = res64[0]; X[d * 4 + 1] = res64[1];
    return done(mx);
  },
});

function pd2dq(X: Uint32Array, d: number, S: Uint32Array, truncate: boolean, mx: number): number {
  f64ToInt(S[0], S[1], 32, truncate, mx);
  const a = res64[0];
  f64ToInt(S[2], S[3], 32, truncate, mx);
  X[d * 4] = a;
  X[d * 4 + 1] = res64[0];
  X[d * 4 + 2] = 0;
  X[d * 4 + 3] = 0;
  return done(mx);
}

/** comiss/comisd/ucomiss/ucomisd: RFLAGS' ZF, PF, CF (the caller clears OF, SF, AF); flags into MXCSR via `mxOut`. */
export function comisLanes(op: string, X: Uint32Array, d: number, S: Uint32Array, mx: number, mxOut: { mx: number }): number {
  const u = op[0] === "u";
  const r = op.endsWith("ss") ? comis32(X[d * 4], S[0], mx, u) : comis64(X[d * 4], X[d * 4 + 1], S[0], S[1], mx, u);
  mxOut.mx = done(mx);
  return r;
}

/** cvtsi2ss/cvtsi2sd: the signed integer lo (and hi for a 64-bit source) into the low element of register d. */
export function cvtsi2(op: string, X: Uint32Array, d: number, lo: number, hi: number, is64: boolean, mx: number): number {
  const h = is64 ? hi : lo >> 31;
  if (op === "cvtsi2ss") X[d * 4] = int64ToF32(lo, h, mx);
  else {
    int64ToF64(lo, h, mx);
    X[d * 4] = res64[0];
    X[d * 4 + 1] = res64[1];
  }
  return done(mx);
}

/** cvt(t)ss2si / cvt(t)sd2si: the integer (bits 32 or 64) in res64 [lo, hi]. */
export function cvt2si(op: string, S: Uint32Array, bits: number, mx: number): number {
  const t = op[3] === "t";
  if (op.includes("ss2si")) f32ToInt(S[0], bits, t, mx);
  else f64ToInt(S[0], S[1], bits, t, mx);
  if (bits === 32) res64[1] = 0;
  return done(mx);
}
