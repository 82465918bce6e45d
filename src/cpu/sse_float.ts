// SSE/SSE2 floating point on one element: the arithmetic, compares and
// conversions of the ss/sd/ps/pd instructions, with MXCSR's rounding, DAZ and
// FTZ, and its exception flags set as the hardware sets them (the masked
// responses; an unmasked exception is #XM, sse_float_insns.ts). Elements are raw bits in a bigint (f32 or f64); each function
// returns the result bits and ORs the exception flags into `fe.flags`.
//
// x86's rules, beyond IEEE: a NaN result is the first source operand if it is
// a NaN, else the second, quieted; invalid operations give the default NaN
// (negative quiet NaN); min and max return the second operand whenever either
// is a NaN or both are zeros; an out-of-range integer conversion gives the
// "integer indefinite" (the most negative integer).

import {
  addCore, compareCore, convertCore, defaultNaN, divCore, fe, FE_DENORMAL, FE_INEXACT, FE_INVALID, type Format, fromInt, isNaN, mulCore,
  packZero, quiet, roundToIntCore, SNAN, sqrtCore, toIntCore, unpack, ZERO, INF, type Unpacked, F32, F64,
} from "./fpu/softfloat.js";

export { F32, F64, fe };

export const MXCSR_DAZ = 0x40, MXCSR_FTZ = 0x8000, MXCSR_RESET = 0x1f80;
/** The ops, named by their 0F xx opcode byte. */
export const SQRT = 0x51, ADD = 0x58, MUL = 0x59, SUB = 0x5c, MIN = 0x5d, DIV = 0x5e, MAX = 0x5f;

const rcOf = (mx: number): number => (mx >> 13) & 3;
const dazOf = (mx: number): boolean => (mx & MXCSR_DAZ) !== 0;
const ftzOf = (mx: number): boolean => (mx & MXCSR_FTZ) !== 0;

function denormalCheck(a: Unpacked, b: Unpacked | null, mx: number): void {
  if (!dazOf(mx) && (a.den || (b !== null && b.den))) fe.flags |= FE_DENORMAL;
}

/** dst op src for op = ADD, SUB, MUL, DIV, MIN, MAX; SQRT of src (dst unused). */
export function arith(op: number, dst: bigint, src: bigint, f: Format, mx: number): bigint {
  const daz = dazOf(mx), rc = rcOf(mx), ftz = ftzOf(mx);
  const b = unpack(src, f, daz);
  if (op === SQRT) {
    if (isNaN(b)) {
      if (b.cls === SNAN) fe.flags |= FE_INVALID;
      return quiet(src, f);
    }
    if (b.sign && b.cls !== ZERO) { fe.flags |= FE_INVALID; return defaultNaN(f); }
    denormalCheck(b, null, mx);
    return sqrtCore(b, f, rc, f.p, ftz);
  }
  const a = unpack(dst, f, daz);
  if (op === MIN || op === MAX) {
    // a denormal that DAZ treats as zero is returned as that zero
    let pick = b;
    if (isNaN(a) || isNaN(b)) fe.flags |= FE_INVALID;
    else {
      denormalCheck(a, b, mx);
      const c = compareCore(a, b);
      if (op === MIN ? c < 0 : c > 0) pick = a;
    }
    return pick.cls === ZERO && pick.den ? packZero(pick.sign, f) : pick.bits;
  }
  if (isNaN(a) || isNaN(b)) {
    if (a.cls === SNAN || b.cls === SNAN) fe.flags |= FE_INVALID;
    return isNaN(a) ? quiet(dst, f) : quiet(src, f);
  }
  // invalid and divide-by-zero take priority over the denormal operand
  const invalidOrZero =
    op === MUL ? (a.cls === INF && b.cls === ZERO) || (a.cls === ZERO && b.cls === INF)
    : op === DIV ? b.cls === ZERO || (a.cls === INF && b.cls === INF)
    : a.cls === INF && b.cls === INF && (a.sign !== b.sign) !== (op === SUB);
  if (!invalidOrZero) denormalCheck(a, b, mx);
  switch (op) {
    case ADD: return addCore(a, b, false, f, rc, f.p, ftz);
    case SUB: return addCore(a, b, true, f, rc, f.p, ftz);
    case MUL: return mulCore(a, b, f, rc, f.p, ftz);
    default: return divCore(a, b, f, rc, f.p, ftz);
  }
}

/**
 * cmpps/cmpss/cmppd/cmpsd with predicate imm8 & 7 (EQ LT LE UNORD NEQ NLT NLE ORD):
 * true when it holds. LT, LE, NLT and NLE signal invalid on any NaN, the others on SNaN only.
 */
export function cmpPredicate(imm: number, dst: bigint, src: bigint, f: Format, mx: number): boolean {
  const daz = dazOf(mx);
  const a = unpack(dst, f, daz), b = unpack(src, f, daz);
  const p = imm & 7;
  const signaling = p === 1 || p === 2 || p === 5 || p === 6;
  if (isNaN(a) || isNaN(b)) {
    if (signaling || a.cls === SNAN || b.cls === SNAN) fe.flags |= FE_INVALID;
    return p === 3 || p === 4 || p === 5 || p === 6;
  }
  denormalCheck(a, b, mx);
  const c = compareCore(a, b);
  switch (p) {
    case 0: return c === 0;
    case 1: return c < 0;
    case 2: return c <= 0;
    case 3: return false;
    case 4: return c !== 0;
    case 5: return !(c < 0);
    case 6: return !(c <= 0);
    default: return true;
  }
}

/** comiss/comisd (signaling) and ucomiss/ucomisd: the ZF, PF, CF bits of RFLAGS (OF, SF, AF cleared). */
export function comis(dst: bigint, src: bigint, f: Format, mx: number, unordered: boolean): number {
  const daz = dazOf(mx);
  const a = unpack(dst, f, daz), b = unpack(src, f, daz);
  if (isNaN(a) || isNaN(b)) {
    if (!unordered || a.cls === SNAN || b.cls === SNAN) fe.flags |= FE_INVALID;
    return 0x45; // ZF PF CF
  }
  denormalCheck(a, b, mx);
  const c = compareCore(a, b);
  return c === 0 ? 0x40 : c < 0 ? 0x01 : 0;
}

/** cvtsd2ss, cvtss2sd, cvtpd2ps, cvtps2pd. */
export function convert(src: bigint, from: Format, to: Format, mx: number): bigint {
  const a = unpack(src, from, dazOf(mx));
  if (a.cls === SNAN) fe.flags |= FE_INVALID;
  else denormalCheck(a, null, mx);
  return convertCore(a, from, to, rcOf(mx), ftzOf(mx));
}

/** cvtsi2ss/sd, cvtdq2ps/pd: a signed integer to f. */
export function fromInteger(v: bigint, f: Format, mx: number): bigint {
  return fromInt(v, f, rcOf(mx));
}

/**
 * cvtss2si/cvtsd2si/cvtps2dq/cvtpd2dq (rounding per MXCSR) and their
 * truncating cvtt forms: the integer's `bits`-wide two's complement (unsigned).
 */
export function toInteger(src: bigint, f: Format, bits: number, truncate: boolean, mx: number): bigint {
  const a = unpack(src, f, dazOf(mx));
  const indefinite = 1n << BigInt(bits - 1);
  if (isNaN(a) || a.cls === INF) { fe.flags |= FE_INVALID; return indefinite; }
  const v = toIntCore(a, bits, truncate ? 3 : rcOf(mx));
  if (v === null) { fe.flags |= FE_INVALID; return indefinite; }
  return BigInt.asUintN(bits, v);
}

/**
 * roundss/roundsd/roundps/roundpd: to an integer in the same format, rounding
 * by imm[1:0], or by MXCSR's RC when imm[2] is set; imm[3] suppresses the
 * inexact flag. A signaling NaN is invalid and comes back quieted; there is
 * no denormal-operand exception (SDM vol. 2B, ROUNDPS), but DAZ applies.
 */
export function roundToInteger(src: bigint, f: Format, imm: number, mx: number): bigint {
  const a = unpack(src, f, dazOf(mx));
  if (isNaN(a)) {
    if (a.cls === SNAN) fe.flags |= FE_INVALID;
    return quiet(src, f);
  }
  if (a.cls === ZERO) return packZero(a.sign, f);
  const before = fe.flags;
  const r = roundToIntCore(a, f, imm & 4 ? rcOf(mx) : imm & 3);
  if (imm & 8) fe.flags = before;
  return r;
}

// ---- The word-level interface the instructions use, with fast paths ----
//
// Operands and results are 32-bit words (an f64 is lo, hi). In round-to-
// nearest, with normal (or zero) operands and a normal result well inside the
// range, JavaScript's own IEEE arithmetic gives the hardware's result, and an
// error-free transformation (TwoSum, Dekker's product) tells whether it was
// exact, which is all MXCSR needs (PE). Everything else goes to the exact
// BigInt path above.

const FB = new Float64Array(1), UB = new Uint32Array(FB.buffer);
const F32B = new Float32Array(1), U32B = new Uint32Array(F32B.buffer);
/** The f64 result words of the last *64 call: [lo, hi]. */
export const res64 = new Uint32Array(2);

const toBig = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
function setRes(v: bigint): void {
  res64[0] = Number(v & 0xffffffffn);
  res64[1] = Number(v >> 32n);
}
const d64 = (lo: number, hi: number): number => { UB[0] = lo; UB[1] = hi; return FB[0]; };
const d32 = (w: number): number => { U32B[0] = w; return F32B[0]; };
function putD64(x: number): void { FB[0] = x; res64[0] = UB[0]; res64[1] = UB[1]; }
const bitsF32 = (x: number): number => { F32B[0] = x; return U32B[0]; };

/** A normal number or a zero (not denormal, infinite or NaN). */
const plain64 = (lo: number, hi: number): boolean => { const e = (hi >>> 20) & 0x7ff; return e !== 0x7ff && (e !== 0 || ((hi & 0xfffff) | lo) === 0); };
const plain32 = (w: number): boolean => { const e = (w >>> 23) & 0xff; return e !== 0xff && (e !== 0 || (w & 0x7fffff) === 0); };

/**
 * Values the fast path takes and gives: zero, or far enough from both ends of
 * the range that no result is tiny or overflows and Dekker's splitting is exact.
 */
const LO64 = 2 ** -900, HI64 = 2 ** 990, LO32 = 2 ** -125, HI32 = 2 ** 126;
const safe64 = (r: number): boolean => { const m = Math.abs(r); return m === 0 || (m >= LO64 && m <= HI64); };
const safe32 = (r: number): boolean => { const m = Math.abs(r); return m === 0 || (m >= LO32 && m <= HI32); };

const SPLIT = 134217729; // 2^27 + 1
/** The rounding error of a * b (Dekker); exact when the operands and product are well inside the range. */
function mulErr(a: number, b: number, p: number): number {
  let c = SPLIT * a;
  const ah = c - (c - a), al = a - ah;
  c = SPLIT * b;
  const bh = c - (c - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}
/** The rounding error of a + b (Knuth's TwoSum). */
function addErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}

/** res64 as int32 words, as translated code holds XMM dwords. */
export const res64i = new Int32Array(res64.buffer);
/** A biased f64 exponent field within [2^-900, 2^990) (safe64), from the high word. */
const safeHi = (hi: number): boolean => { const e = (hi >>> 20) & 0x7ff; return e >= 123 && e < 2013; };
const zero64 = (lo: number, hi: number): boolean => ((hi & 0x7fffffff) | lo) === 0;

/**
 * ADD, SUB, MUL or DIV on f64 words in the common case that JavaScript's own arithmetic
 * gets right (round to nearest, operands and result zero or well inside the range; DAZ
 * and FTZ then change nothing): the result in res64, and the flags it raises (0 or PE);
 * -1 for any other case, and for an inexact result with PE unmasked (#XM). When PE is
 * masked and already set in MXCSR its exactness is not asked.
 */
export function fast64(op: number, alo: number, ahi: number, blo: number, bhi: number, mx: number): number {
  if ((mx & 0x6000) !== 0 || !(safeHi(ahi) || zero64(alo, ahi)) || !(safeHi(bhi) || zero64(blo, bhi))) return -1;
  const a = d64(alo, ahi), b = d64(blo, bhi);
  // PE masked and already set: an inexact result changes nothing
  const known = (mx & 0x1020) === 0x1020;
  let r: number, exact = true;
  switch (op) {
    case ADD: case SUB: {
      const bb = op === SUB ? -b : b;
      r = a + bb;
      if (!known) exact = addErr(a, bb, r) === 0;
      // a zero sum of nonzero operands is an exact cancellation
      if (r !== 0 && !(Math.abs(r) >= LO64 && Math.abs(r) <= HI64)) return -1;
      break;
    }
    case MUL:
      r = a * b;
      if (r === 0) { if (a !== 0 && b !== 0) return -1; }
      else if (!(Math.abs(r) >= LO64 && Math.abs(r) <= HI64)) return -1;
      else if (!known) exact = mulErr(a, b, r) === 0;
      break;
    case DIV:
      if (b === 0) return -1;
      r = a / b;
      if (r === 0) { if (a !== 0) return -1; }
      else if (!(Math.abs(r) >= LO64 && Math.abs(r) <= HI64)) return -1;
      else if (!known) exact = r * b === a && mulErr(r, b, r * b) === 0;
      break;
    default: return -1;
  }
  if (exact) { putD64(r); return 0; }
  if ((mx & 0x1000) === 0) return -1; // PE unmasked
  putD64(r);
  return FE_INEXACT;
}

/** The scratch of generated code: a double's bits as int32 words, and a float's (the first word). */
export const scratchD = new Float64Array(1), scratchI = new Int32Array(scratchD.buffer), scratchF = new Float32Array(scratchD.buffer, 0, 1);

const SYMBOL: Record<number, string> = { [ADD]: "+", [SUB]: "-", [MUL]: "*", [DIV]: "/" };

/**
 * fast64's most common case as statements for translated code (a call per instruction
 * there costs more than the op): PE masked and already set, normal operands and result
 * well inside the range (no zeros), where ADD, SUB, MUL or DIV can raise nothing MXCSR
 * does not hold already. The result words go to dLo, dHi; anything else runs `slow`.
 * D and I name scratchD and scratchI, mx the MXCSR.
 */
export function hot64Source(op: number, dLo: string, dHi: string, bLo: string, bHi: string, mx: string, D: string, I: string, slow: string): string {
  const sym = SYMBOL[op];
  // a biased exponent within [123, 2013): safeHi
  const safe = (hi: string): string => `((((${hi}) >>> 20) & 2047) - 123) >>> 0 < 1890`;
  return `{const fah = ${dHi}, fbh = ${bHi}; let fdone = false;` +
    `if ((${mx} & 0x7020) === 0x1020 && ${safe("fah")} && ${safe("fbh")}) {` +
    `${I}[0] = ${dLo}; ${I}[1] = fah; const fa = ${D}[0]; ${I}[0] = ${bLo}; ${I}[1] = fbh; ${D}[0] = fa ${sym} ${D}[0]; const frh = ${I}[1];` +
    `if (${safe("frh")}) { ${dLo} = ${I}[0]; ${dHi} = frh; fdone = true; } }` +
    `if (!fdone) ${slow}}`;
}

/**
 * The same for f32 (arith32's fast path, with PE masked and set): the double result stored
 * to a float is the correctly rounded float (53 >= 2 * 24 + 2). F names scratchF.
 */
export function hot32Source(op: number, d: string, b: string, mx: string, F: string, I: string, slow: string): string {
  // a biased exponent within [2, 253): [2^-125, 2^126], safe32
  const safe = (w: string): string => `((((${w}) >>> 23) & 255) - 2) >>> 0 < 251`;
  return `{const fa = ${d}, fb = ${b}; let fdone = false;` +
    `if ((${mx} & 0x7020) === 0x1020 && ${safe("fa")} && ${safe("fb")}) {` +
    `${I}[0] = fa; const fx = ${F}[0]; ${I}[0] = fb; ${F}[0] = fx ${SYMBOL[op]} ${F}[0]; const fr = ${I}[0];` +
    `if (${safe("fr")}) { ${d} = fr; fdone = true; } }` +
    `if (!fdone) ${slow}}`;
}

/** An op on f64 words: the result in res64, flags in fe.flags. */
export function arith64(op: number, alo: number, ahi: number, blo: number, bhi: number, mx: number): void {
  if (op !== SQRT && op !== MIN && op !== MAX) {
    // an inexact result with PE unmasked goes the exact way too: it gives the same result and flags
    const f = fast64(op, alo, ahi, blo, bhi, mx);
    if (f >= 0) { fe.flags |= f; return; }
  } else if (((mx >> 13) & 3) === 0 && plain64(blo, bhi) && (op === SQRT || plain64(alo, ahi))) {
    const a = d64(alo, ahi), b = d64(blo, bhi);
    if (op === SQRT) {
      if (b >= 0 && safe64(b)) {
        const r = Math.sqrt(b);
        if (r !== 0 && !(r * r === b && mulErr(r, r, r * r) === 0)) fe.flags |= FE_INEXACT;
        putD64(r);
        return;
      }
    } else {
      const pickA = op === MIN ? a < b : a > b;
      res64[0] = pickA ? alo : blo;
      res64[1] = pickA ? ahi : bhi;
      return;
    }
  }
  setRes(arith(op, toBig(alo, ahi), toBig(blo, bhi), F64, mx));
}

/** An op on f32 words: the result bits. */
export function arith32(op: number, a32: number, b32: number, mx: number): number {
  if (((mx >> 13) & 3) === 0 && plain32(b32) && (op === SQRT || plain32(a32))) {
    const a = d32(a32), b = d32(b32);
    let r = 0, exact = true;
    switch (op) {
      // the double result, rounded again to single, is the correctly rounded single (53 >= 2 * 24 + 2)
      case ADD: case SUB: { const bb = op === SUB ? -b : b; const d = a + bb; r = Math.fround(d); exact = r === d && addErr(a, bb, d) === 0; break; }
      case MUL: { const d = a * b; r = Math.fround(d); exact = r === d; break; }
      case DIV: if (b === 0) r = NaN; else { r = Math.fround(a / b); exact = r * b === a; } break;
      case SQRT: if (b < 0) r = NaN; else { r = Math.fround(Math.sqrt(b)); exact = r * r === b; } break;
      case MIN: case MAX: return (op === MIN ? a < b : a > b) ? a32 >>> 0 : b32 >>> 0;
    }
    if (r === r && safe32(r) && safe32(a) && safe32(b) && (r !== 0 || a === 0 || b === 0 || op === ADD || op === SUB)) {
      if (!exact) fe.flags |= FE_INEXACT;
      return bitsF32(r);
    }
  }
  return Number(arith(op, BigInt(a32 >>> 0), BigInt(b32 >>> 0), F32, mx));
}

/** cmpsd/cmppd: true when predicate imm holds. */
export function cmp64(imm: number, alo: number, ahi: number, blo: number, bhi: number, mx: number): boolean {
  if (plain64(alo, ahi) && plain64(blo, bhi)) {
    const a = d64(alo, ahi), b = d64(blo, bhi);
    switch (imm & 7) {
      case 0: return a === b;
      case 1: return a < b;
      case 2: return a <= b;
      case 3: return false;
      case 4: return a !== b;
      case 5: return !(a < b);
      case 6: return !(a <= b);
      default: return true;
    }
  }
  return cmpPredicate(imm, toBig(alo, ahi), toBig(blo, bhi), F64, mx);
}

/** cmpss/cmpps. */
export function cmp32(imm: number, a: number, b: number, mx: number): boolean {
  return cmpPredicate(imm, BigInt(a >>> 0), BigInt(b >>> 0), F32, mx);
}

/** comisd/ucomisd of normal or zero operands (no exception): ZF, PF, CF; -1 for any other operand. */
export function fastComis64(alo: number, ahi: number, blo: number, bhi: number): number {
  if (!plain64(alo, ahi) || !plain64(blo, bhi)) return -1;
  const a = d64(alo, ahi), b = d64(blo, bhi);
  return a === b ? 0x40 : a < b ? 0x01 : 0;
}

/** comisd/ucomisd: ZF, PF, CF. */
export function comis64(alo: number, ahi: number, blo: number, bhi: number, mx: number, unordered: boolean): number {
  const z = fastComis64(alo, ahi, blo, bhi);
  return z >= 0 ? z : comis(toBig(alo, ahi), toBig(blo, bhi), F64, mx, unordered);
}

/** comiss/ucomiss. */
export function comis32(a: number, b: number, mx: number, unordered: boolean): number {
  if (plain32(a) && plain32(b)) {
    const x = d32(a), y = d32(b);
    return x === y ? 0x40 : x < y ? 0x01 : 0;
  }
  return comis(BigInt(a >>> 0), BigInt(b >>> 0), F32, mx, unordered);
}

/** cvtsi2sd, cvtdq2pd: a signed integer (lo, hi; hi = lo >> 31 for 32-bit sources) to f64 words in res64. */
export function int64ToF64(lo: number, hi: number, mx: number): void {
  // exact below 2^53 in magnitude; 2^53 + 1 would round to 2^53 here, inexact
  const v = hi * 4294967296 + (lo >>> 0);
  if (Math.abs(v) < 2 ** 53) { putD64(v); return; }
  setRes(fromInteger(BigInt.asIntN(64, toBig(lo, hi)), F64, mx));
}

/** cvtsi2ss, cvtdq2ps: to f32 bits. */
export function int64ToF32(lo: number, hi: number, mx: number): number {
  const v = hi * 4294967296 + (lo >>> 0);
  if (Math.abs(v) <= 2 ** 24) return bitsF32(v);
  return Number(fromInteger(BigInt.asIntN(64, toBig(lo, hi)), F32, mx));
}

/** Rounds to an integer per rc (0..3), for |x| < 2^52. */
function roundInt(x: number, rc: number): number {
  switch (rc) {
    case 0: { const t = Math.abs(x) + 4503599627370496 - 4503599627370496; return x < 0 ? -t : t; }
    case 1: return Math.floor(x);
    case 2: return Math.ceil(x);
    default: return Math.trunc(x);
  }
}

/** roundsd/roundpd (see roundToInteger): f64 words to f64 words in res64. */
export function round64(lo: number, hi: number, imm: number, mx: number): void {
  if (plain64(lo, hi)) {
    // |x| >= 2^52 is an integer already; a zero keeps its sign
    const x = d64(lo, hi), r = x !== 0 && Math.abs(x) < 2 ** 52 ? roundInt(x, imm & 4 ? (mx >> 13) & 3 : imm & 3) : x;
    if (r !== x && !(imm & 8)) fe.flags |= FE_INEXACT;
    putD64(r);
    return;
  }
  setRes(roundToInteger(toBig(lo, hi), F64, imm, mx));
}

/** roundss/roundps: f32 bits to f32 bits. */
export function round32(w: number, imm: number, mx: number): number {
  if (plain32(w)) {
    const x = d32(w), r = x !== 0 && Math.abs(x) < 2 ** 52 ? roundInt(x, imm & 4 ? (mx >> 13) & 3 : imm & 3) : x;
    if (r !== x && !(imm & 8)) fe.flags |= FE_INEXACT;
    return bitsF32(r);
  }
  return Number(roundToInteger(BigInt(w >>> 0), F32, imm, mx));
}

/** cvt(t)sd2si, cvt(t)pd2dq, cvt(t)ss2si, cvt(t)ps2dq: a double value (f32 widened) to an integer of `bits`; result in res64 (lo, hi). */
function toIntFast(x: number, bits: number, truncate: boolean, mx: number): boolean {
  if (!(Math.abs(x) < 2 ** 31)) return false;
  const r = roundInt(x, truncate ? 3 : (mx >> 13) & 3);
  if (r >= 2 ** 31 || r < -(2 ** 31)) return false;
  if (r !== x) fe.flags |= FE_INEXACT;
  res64[0] = r | 0;
  res64[1] = bits === 64 && r < 0 ? -1 : 0;
  return true;
}
export function f64ToInt(lo: number, hi: number, bits: number, truncate: boolean, mx: number): void {
  if (plain64(lo, hi) && toIntFast(d64(lo, hi), bits, truncate, mx)) return;
  setRes(toInteger(toBig(lo, hi), F64, bits, truncate, mx));
}
export function f32ToInt(w: number, bits: number, truncate: boolean, mx: number): void {
  if (plain32(w) && toIntFast(d32(w), bits, truncate, mx)) return;
  setRes(toInteger(BigInt(w >>> 0), F32, bits, truncate, mx));
}

/** cvtsd2ss, cvtpd2ps: f64 words to f32 bits. */
export function f64ToF32(lo: number, hi: number, mx: number): number {
  if (((mx >> 13) & 3) === 0 && plain64(lo, hi)) {
    const x = d64(lo, hi), r = Math.fround(x);
    if (safe32(r) && (r !== 0 || x === 0)) {
      if (r !== x) fe.flags |= FE_INEXACT;
      return bitsF32(r);
    }
  }
  return Number(convert(toBig(lo, hi), F64, F32, mx));
}

/** cvtss2sd, cvtps2pd: f32 bits to f64 words in res64. */
export function f32ToF64(w: number, mx: number): void {
  if (plain32(w)) { putD64(d32(w)); return; }
  setRes(convert(BigInt(w >>> 0), F32, F64, mx));
}
