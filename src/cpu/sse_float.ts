// SSE/SSE2 floating point on one element: the arithmetic, compares and
// conversions of the ss/sd/ps/pd instructions, with MXCSR's rounding, DAZ and
// FTZ, and its exception flags set as the hardware sets them (all exceptions
// masked). Elements are raw bits in a bigint (f32 or f64); each function
// returns the result bits and ORs the exception flags into `fe.flags`.
//
// x86's rules, beyond IEEE: a NaN result is the first source operand if it is
// a NaN, else the second, quieted; invalid operations give the default NaN
// (negative quiet NaN); min and max return the second operand whenever either
// is a NaN or both are zeros; an out-of-range integer conversion gives the
// "integer indefinite" (the most negative integer).

import {
  addCore, compareCore, convertCore, defaultNaN, divCore, fe, FE_DENORMAL, FE_INVALID, type Format, fromInt, isNaN, mulCore,
  packZero, quiet, SNAN, sqrtCore, toIntCore, unpack, ZERO, INF, type Unpacked, F32, F64,
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
