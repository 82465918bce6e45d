// The fused multiply-add on host doubles, for the cases where that is provably
// the correctly rounded result: round to nearest, finite normal (or zero)
// operands, no intermediate overflow or underflow and a normal (or exactly
// zero) result. Then the only exception is inexact. Anything else is left to
// the caller, which computes the element exactly on BigInts (fma.ts fusedMulAdd).
//
// double: Dekker's exact product a*b = uh + ul (Veltkamp split), Knuth's
// TwoSum c + uh = th + tl, then Boldo and Melquiond's emulation (2008):
// RN(th + RO(tl + ul)), RO rounding to odd. single: the product of two floats
// is exact in a double, and a double sum rounded to odd rounds to the float
// correctly (53 >= 24 + 2).

/**
 * fmaF64's and fmaF32's operands a, b, c (io[0..2]) and result (io[0]): numbers passed to or returned
 * from a call that is not inlined would be boxed, one allocation each.
 */
export const io = new Float64Array(3);
/** What fmaF64 and fmaF32 return: the element is the caller's, or io[0] holds the result, exact or not. */
export const NOT_FAST = 0, EXACT = 1, INEXACT = 2;

const SPLIT = 134217729; // 2^27 + 1: Veltkamp's split into two 26-bit halves
const MIN_F64 = 2 ** -1022, MIN_F32 = 2 ** -126, MAX_F32 = 2 ** 128 * (1 - 2 ** -24);
/** Operands below these keep SPLIT * a finite and a*b + c far from overflow. */
const SPLIT_LIMIT = 2 ** 995, ADDEND_LIMIT = 2 ** 1000;
/** A product at least this large has an exactly representable error term (its bits stay above 2^-1074). */
const PRODUCT_FLOOR = 2 ** -968;

const W = new Float64Array(1), WORDS = new Uint32Array(W.buffer);

/** w moved to the odd one of its two neighbours around w + err when w + err is not w and w is even (w normal, |err| <= ulp(w) / 2). */
export function roundOdd(w: number, err: number): number {
  W[0] = w;
  const lo = WORDS[0];
  if ((lo & 1) !== 0) return w;
  if (err > 0 === w > 0) WORDS[0] = lo | 1;
  else if (lo !== 0) WORDS[0] = lo - 1;
  else { WORDS[0] = 0xffffffff; WORDS[1]--; }
  return W[0];
}

/** io[0] = RN(a*b + c) in double precision, when the fast path applies. */
export function fmaF64(): number {
  const a = io[0], b = io[1], c = io[2];
  const A = Math.abs(a), B = Math.abs(b), C = Math.abs(c);
  if (!(A < SPLIT_LIMIT && B < SPLIT_LIMIT && C < ADDEND_LIMIT)) return NOT_FAST; // NaN, infinities, near overflow
  if ((A < MIN_F64 && A !== 0) || (B < MIN_F64 && B !== 0) || (C < MIN_F64 && C !== 0)) return NOT_FAST; // denormals: DE, DAZ
  const p = a * b;
  if (a === 0 || b === 0) { // exact, with IEEE's sign of a sum of zeros
    io[0] = p + c;
    return EXACT;
  }
  const P = Math.abs(p);
  if (!(P >= PRODUCT_FLOOR && P < ADDEND_LIMIT)) return NOT_FAST;
  // the exact product p + e
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  const e = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
  // c + p = th + tl
  const th = c + p;
  let bb = th - c;
  const tl = (c - (th - bb)) + (p - bb);
  // tl + e = w + f, then rounded to odd
  const w = tl + e;
  bb = w - tl;
  const f = (e - bb) + (tl - (w - bb));
  const v = f === 0 ? w : roundOdd(w, f);
  const z = th + v;
  bb = z - th;
  const g = (th - (z - bb)) + (v - bb);
  // exact - z is g when f = 0; when f != 0, tl and e are nonzero, so c + uh was inexact and |th| >= |uh| / 2:
  // v is odd with its last bit far below th's, and g != 0 too
  const inexact = g !== 0;
  if (Math.abs(z) <= MIN_F64 && (z !== 0 || inexact)) return NOT_FAST; // tiny: UE, FTZ
  io[0] = z;
  return inexact ? INEXACT : EXACT;
}

/** io[0] = RN(a*b + c) in single precision (a, b, c floats), when the fast path applies. */
export function fmaF32(): number {
  const a = io[0], b = io[1], c = io[2];
  const A = Math.abs(a), B = Math.abs(b), C = Math.abs(c);
  if (!(A <= MAX_F32 && B <= MAX_F32 && C <= MAX_F32)) return NOT_FAST;
  if ((A < MIN_F32 && A !== 0) || (B < MIN_F32 && B !== 0) || (C < MIN_F32 && C !== 0)) return NOT_FAST;
  const p = a * b; // exact: 48 significant bits, exponent far inside a double's
  const s = p + c;
  const bb = s - p;
  const err = (p - (s - bb)) + (c - bb);
  const r = Math.fround(err === 0 ? s : roundOdd(s, err));
  const inexact = err !== 0 || r !== s;
  const R = Math.abs(r);
  if (R > MAX_F32 || (R <= MIN_F32 && (r !== 0 || inexact))) return NOT_FAST; // overflow; tiny: UE, FTZ
  io[0] = r;
  return inexact ? INEXACT : EXACT;
}
