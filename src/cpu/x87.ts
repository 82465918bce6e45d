// x87 semantics on an X87State: the stack, the arithmetic in 80-bit double
// extended precision rounded per the control word's precision (PC) and
// rounding (RC) fields, the comparisons, and the conversions to and from
// memory formats, with the status word's exception flags, C0..C3 and TOP as
// the hardware leaves them. A masked invalid operation delivers the "real
// indefinite" NaN (or the integer indefinite), a stack fault sets SF with C1
// telling overflow from underflow; an unmasked overflow or underflow delivers
// the result brought back into range (unmaskedRange), the others leave the
// registers as they were (x87Unmasked).
//
// Memory is the caller's: loads pass the operand's bits in, stores get the
// bits to write back. Operand kinds for memory forms: M32, M64, M80 (reals)
// and I16, I32, I64 (integers).

import {
  addCore, bitLen, compareCore, convertCore, defaultNaN, divCore, F32, F64, F80, fe, FE_DENORMAL, FE_DIVZERO, FE_INEXACT, FE_INVALID, FE_OVERFLOW, FE_UNDERFLOW, type Format, FINITE,
  fromInt, INF, isNaN, mulCore, packInf, packZero, QNAN, quiet, RC_NEAREST, RC_ZERO, roundPack, roundToIntCore, SNAN, sqrtCore, toIntCore,
  type Unpacked, unpack, UNSUPPORTED, ZERO,
} from "./fpu/softfloat.js";
import { atan2, big, type Big, bigMul, exp2m1, log2, log2p1, nudge, pi, sinCos, tan } from "./fpu/transcendental.js";
import { X87State } from "./x87_state.js";

export { X87State };

export const M32 = 0, M64 = 1, M80 = 2, I16 = 3, I32 = 4, I64 = 5;
/** An 18-digit packed BCD integer (fbld, fbstp): nine bytes of two digits, low first, then the sign in bit 79. */
export const BCD = 6;
const BCD_MAX = 999999999999999999n;
/** Status word bits. */
export const SW_IE = 0x01, SW_SF = 0x40, SW_ES = 0x80, SW_B = 0x8000, SW_C0 = 0x100, SW_C1 = 0x200, SW_C2 = 0x400, SW_C3 = 0x4000;
const SW_CC = SW_C0 | SW_C1 | SW_C2 | SW_C3;
/** The arithmetic ops, numbered as the ModRM reg field of D8 (fcom/fcomp are 2 and 3). */
export const FADD = 0, FMUL = 1, FSUB = 4, FSUBR = 5, FDIV = 6, FDIVR = 7;

const INDEFINITE = defaultNaN(F80);
const MASK64 = (1n << 64n) - 1n;

const top = (x: X87State): number => (x.sw >> 11) & 7;
const phys = (x: X87State, i: number): number => (top(x) + i) & 7;
const setTop = (x: X87State, t: number): void => { x.sw = (x.sw & ~0x3800) | ((t & 7) << 11); };
const rcOf = (x: X87State): number => (x.cw >> 10) & 3;
/** Significand precision from PC: 24, (reserved) 53, 53, 64 bits. */
const pcOf = (x: X87State): number => [24, 53, 53, 64][(x.cw >> 8) & 3];

export const isEmpty = (x: X87State, i: number): boolean => !(x.tags & (1 << phys(x, i)));
export const st = (x: X87State, i: number): bigint => x.regs[phys(x, i)];
export function setSt(x: X87State, i: number, v: bigint): void {
  const p = phys(x, i);
  x.regs[p] = v;
  x.tags |= 1 << p;
}

/** Sets C0..C3 (only those in `mask`) from `bits`. */
function setCC(x: X87State, mask: number, bits: number): void {
  x.sw = (x.sw & ~mask) | (bits & mask);
}

/** Merges the exceptions raised since fe.flags was cleared; C1 from the rounding direction. */
function raise(x: X87State, rounded: boolean): void {
  x.sw |= fe.flags & 0x3f;
  if (rounded) setCC(x, SW_C1, fe.flags & FE_INEXACT && fe.up ? SW_C1 : 0);
}

/** Stack underflow: reading an empty register. C1 = 0. */
function underflow(x: X87State): void {
  x.sw |= SW_IE | SW_SF;
  setCC(x, SW_C1, 0);
}

export function push(x: X87State, v: bigint): void {
  const t = (top(x) - 1) & 7;
  if (x.tags & (1 << t)) {
    // stack overflow: the masked response loads the indefinite
    x.sw |= SW_IE | SW_SF;
    setCC(x, SW_C1, SW_C1);
    v = INDEFINITE;
  }
  setTop(x, t);
  x.regs[t] = v;
  x.tags |= 1 << t;
}

export function pop(x: X87State): void {
  x.tags &= ~(1 << top(x));
  setTop(x, top(x) + 1);
}

// ---- conversions between memory formats and the 80-bit register format ----

/**
 * A memory operand of kind `k` as 80-bit bits, exactly; SNaNs stay
 * signaling. `extendedDen` tells whether it was a denormal single or double
 * (normal once extended, but still a denormal operand).
 */
let extendedDen = false;
function extend(bits: bigint, k: number): bigint {
  extendedDen = false;
  switch (k) {
    case M80: return bits;
    case I16: return fromInt(BigInt.asIntN(16, bits), F80, RC_NEAREST);
    case I32: return fromInt(BigInt.asIntN(32, bits), F80, RC_NEAREST);
    case I64: return fromInt(BigInt.asIntN(64, bits), F80, RC_NEAREST);
    case BCD: {
      // digits above 9 are undefined; they weigh as their value here
      let n = 0n;
      for (let i = 8; i >= 0; i--) {
        const b = Number((bits >> BigInt(8 * i)) & 0xffn);
        n = n * 100n + BigInt((b >> 4) * 10 + (b & 15));
      }
      const sign = Number(bits >> 79n) & 1;
      return n === 0n ? packZero(sign, F80) : fromInt(sign ? -n : n, F80, RC_NEAREST);
    }
  }
  const f = k === M32 ? F32 : F64;
  const u = unpack(bits, f);
  extendedDen = u.den;
  if (isNaN(u)) {
    const payload = bits & ((1n << BigInt(f.p - 1)) - 1n);
    return packInf(u.sign, F80) | (payload << BigInt(64 - f.p));
  }
  return convertCore(u, f, F80, RC_NEAREST);
}

/** fld m32/m64/m80, fild m16/m32/m64: pushes the operand. */
export function fld(x: X87State, bits: bigint, k: number): void {
  fe.flags = 0;
  let v = extend(bits, k);
  if (extendedDen) fe.flags |= FE_DENORMAL;
  if ((k === M32 || k === M64) && unpack(v, F80).cls === SNAN) { fe.flags |= FE_INVALID; v = quiet(v, F80); }
  raise(x, false);
  setCC(x, SW_C1, 0);
  push(x, v);
}

/** fld st(i). */
export function fldSt(x: X87State, i: number): void {
  setCC(x, SW_C1, 0);
  if (isEmpty(x, i)) { underflow(x); push(x, INDEFINITE); return; }
  push(x, st(x, i));
}

/** The constants of fld1, fldl2t, fldl2e, fldpi, fldlg2, fldln2, fldz (D9 E8..EE), rounded per RC. */
const CONSTANTS: [bigint, number, boolean][] = [
  [1n, 0, false],
  [0xd49a784bcd1b8afe492bf6ff4dafdb4cn, -126, true], // log2(10)
  [0xb8aa3b295c17f0bbbe87fed0691d3e88n, -127, true], // log2(e)
  [0xc90fdaa22168c234c4c6628b80dc1cd1n, -126, true], // pi
  [0x9a209a84fbcff7988f8959ac0b7c9178n, -129, true], // log10(2)
  [0xb17217f7d1cf79abc9e3b39803f2f6afn, -128, true], // ln(2)
  [0n, 0, false],
];
export function fldConst(x: X87State, k: number): void {
  const [sig, exp, sticky] = CONSTANTS[k];
  fe.flags = 0;
  const v = roundPack(0, sig, exp, sticky, F80, rcOf(x));
  setCC(x, SW_C1, 0);
  push(x, v);
}

/**
 * fst/fstp to memory of kind M32, M64 or M80 (and fist/fistp/fisttp for the
 * integer kinds; `truncate` for fisttp): the bits to store. The caller pops
 * after a successful store when the form pops.
 */
export function fst(x: X87State, k: number, truncate = false): bigint {
  fe.flags = 0;
  if (isEmpty(x, 0)) {
    underflow(x);
    return k === M80 ? INDEFINITE : k >= I16 ? intIndefinite(k) : k === M32 ? defaultNaN(F32) : defaultNaN(F64);
  }
  const v = st(x, 0);
  if (k === M80) { setCC(x, SW_C1, 0); return v; }
  const u = unpack(v, F80);
  let r: bigint;
  if (k >= I16) {
    const bits = k === I16 ? 16 : k === I32 ? 32 : 64;
    let q = u.cls === FINITE || u.cls === ZERO ? toIntCore(u, bits, truncate ? RC_ZERO : rcOf(x)) : null;
    // past 18 digits, as past the integer's range: invalid (and not inexact)
    if (k === BCD && q !== null && (q > BCD_MAX || q < -BCD_MAX)) { q = null; fe.flags &= ~FE_INEXACT; }
    if (q === null) { fe.flags |= FE_INVALID; fe.up = false; r = intIndefinite(k); }
    else r = k === BCD ? toBcd(q, u.sign) : BigInt.asUintN(bits, q);
  } else {
    const f = k === M32 ? F32 : F64;
    if (u.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; r = defaultNaN(f); }
    else {
      if (u.cls === SNAN) fe.flags |= FE_INVALID;
      fe.up = false;
      r = convertCore(u, F80, f, rcOf(x));
      // an unmasked overflow or underflow stores nothing: nothing was rounded either
      if (fe.flags & ~x.cw & (FE_OVERFLOW | FE_UNDERFLOW)) { fe.flags &= ~FE_INEXACT; fe.up = false; }
    }
  }
  setCC(x, SW_C1, 0);
  raise(x, true);
  return r;
}

const intIndefinite = (k: number): bigint =>
  k === I16 ? 0x8000n : k === I32 ? 0x80000000n : k === I64 ? 0x8000000000000000n : 0xffffc000000000000000n;

/** |q| as packed BCD digits, with the source's sign (a negative value that rounds to 0 stores -0). */
function toBcd(q: bigint, sign: number): bigint {
  let n = q < 0n ? -q : q, r = 0n;
  for (let i = 0; i < 18; i++, n /= 10n) r |= (n % 10n) << BigInt(4 * i);
  return r | (BigInt(sign) << 79n);
}

/** fst st(i) / fstp st(i) (the pop is the caller's). */
export function fstSt(x: X87State, i: number): void {
  setCC(x, SW_C1, 0);
  if (isEmpty(x, 0)) { underflow(x); setSt(x, i, INDEFINITE); return; }
  setSt(x, i, st(x, 0));
}

// ---- arithmetic ----

/** The NaN an x87 operation on two operands returns (at least one is a NaN); raises IE for an SNaN. */
function propagateNaN(a: Unpacked, b: Unpacked): bigint {
  if (a.cls === SNAN || b.cls === SNAN) fe.flags |= FE_INVALID;
  if (!isNaN(a)) return quiet(b.bits, F80);
  if (!isNaN(b)) return quiet(a.bits, F80);
  if (a.cls === SNAN && b.cls === QNAN) return b.bits;
  if (b.cls === SNAN && a.cls === QNAN) return a.bits;
  const ma = a.bits & MASK64, mb = b.bits & MASK64;
  if (ma !== mb) return quiet(ma > mb ? a.bits : b.bits, F80);
  return quiet(a.sign <= b.sign ? a.bits : b.bits, F80);
}

/** a op b in extended precision, per the control word: the result bits (flags in fe). */
function arith2(x: X87State, op: number, a: bigint, b: bigint, aDen = false, bDen = false): bigint {
  if (op === FSUBR || op === FDIVR) { const t = a; a = b; b = t; const d = aDen; aDen = bDen; bDen = d; op--; }
  const ua = unpack(a, F80), ub = unpack(b, F80);
  ua.den ||= aDen;
  ub.den ||= bDen;
  if (ua.cls === UNSUPPORTED || ub.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; return INDEFINITE; }
  if (isNaN(ua) || isNaN(ub)) return propagateNaN(ua, ub);
  const invalidOrZero =
    op === FMUL ? (ua.cls === INF && ub.cls === ZERO) || (ua.cls === ZERO && ub.cls === INF)
    : op === FDIV ? ub.cls === ZERO || (ua.cls === INF && ub.cls === INF)
    : ua.cls === INF && ub.cls === INF && (ua.sign !== ub.sign) !== (op === FSUB);
  if (!invalidOrZero && (ua.den || ub.den)) fe.flags |= FE_DENORMAL;
  const rc = rcOf(x), p = pcOf(x);
  return unmaskedRange(x, (bias) => {
    const sa = { ...ua, exp: ua.exp + bias }, sb = op === FADD || op === FSUB ? { ...ub, exp: ub.exp + bias } : ub;
    switch (op) {
      case FADD: return addCore(sa, sb, false, F80, rc, p);
      case FSUB: return addCore(sa, sb, true, F80, rc, p);
      case FMUL: return mulCore(sa, sb, F80, rc, p);
      default: return divCore(sa, sb, F80, rc, p);
    }
  });
}

/** The bias an unmasked overflow or underflow takes off or adds to the exponent (SDM vol. 1, 8.5.3 and 8.5.4). */
const WRAP = 24576;
/**
 * A register result computed by `core` (given a power of two to scale the
 * exact value by): with overflow unmasked, an overflowing result comes back
 * divided by 2^24576; with underflow unmasked, a tiny one (exact or not)
 * multiplied by 2^24576. C1 and PE then tell how that was rounded.
 */
function unmaskedRange(x: X87State, core: (bias: number) => bigint): bigint {
  const r = core(0);
  const e = Number(r >> 64n) & 0x7fff;
  if (fe.flags & FE_OVERFLOW && !(x.cw & FE_OVERFLOW)) {
    fe.flags &= ~(FE_OVERFLOW | FE_INEXACT);
    const s = core(-WRAP);
    fe.flags |= FE_OVERFLOW;
    return s;
  }
  if (!(x.cw & FE_UNDERFLOW) && ((e === 0 && (r & MASK64) !== 0n) || fe.flags & FE_UNDERFLOW)) {
    fe.flags &= ~(FE_UNDERFLOW | FE_INEXACT);
    const s = core(WRAP);
    fe.flags |= FE_UNDERFLOW;
    return s;
  }
  return r;
}

/** st(dst) = st(dst) op st(src) (FSUBR, FDIVR: st(src) op st(dst)); the pop forms pop after. */
export function farith(x: X87State, op: number, dst: number, src: number, popAfter = false): void {
  fe.flags = 0;
  fe.up = false;
  if (isEmpty(x, dst) || isEmpty(x, src)) {
    underflow(x);
    setSt(x, dst, INDEFINITE);
  } else {
    setSt(x, dst, arith2(x, op, st(x, dst), st(x, src)));
    setCC(x, SW_C1, 0);
    raise(x, true);
  }
  if (popAfter) pop(x);
}

/** st(0) = st(0) op m (m32/m64 reals, m16/m32 integers). */
export function farithMem(x: X87State, op: number, bits: bigint, k: number): void {
  fe.flags = 0;
  fe.up = false;
  if (isEmpty(x, 0)) { underflow(x); setSt(x, 0, INDEFINITE); return; }
  const m = extend(bits, k);
  setSt(x, 0, arith2(x, op, st(x, 0), m, false, extendedDen));
  setCC(x, SW_C1, 0);
  raise(x, true);
}

/** Unary ops on st(0). */
export const FCHS = 0, FABS = 1, FSQRT = 2, FRNDINT = 3;
export function funary(x: X87State, op: number): void {
  fe.flags = 0;
  fe.up = false;
  setCC(x, SW_C1, 0);
  if (isEmpty(x, 0)) { underflow(x); setSt(x, 0, INDEFINITE); return; }
  const v = st(x, 0);
  if (op === FCHS) { setSt(x, 0, v ^ (1n << 79n)); return; }
  if (op === FABS) { setSt(x, 0, v & ~(1n << 79n)); return; }
  const u = unpack(v, F80);
  let r: bigint;
  if (u.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; r = INDEFINITE; }
  else if (isNaN(u)) { if (u.cls === SNAN) fe.flags |= FE_INVALID; r = quiet(v, F80); }
  else {
    if (u.den && !(op === FSQRT && u.sign)) fe.flags |= FE_DENORMAL;
    r = op === FSQRT ? (u.sign && u.cls !== ZERO ? (fe.flags |= FE_INVALID, INDEFINITE) : sqrtCore(u, F80, rcOf(x), pcOf(x)))
      : roundToIntCore(u, F80, rcOf(x));
  }
  setSt(x, 0, r);
  raise(x, true);
}

/** fscale: st(0) * 2^trunc(st(1)). */
export function fscale(x: X87State): void {
  fe.flags = 0;
  fe.up = false;
  setCC(x, SW_C1, 0);
  if (isEmpty(x, 0) || isEmpty(x, 1)) { underflow(x); setSt(x, 0, INDEFINITE); return; }
  const a = unpack(st(x, 0), F80), b = unpack(st(x, 1), F80);
  let r: bigint;
  if (a.cls === UNSUPPORTED || b.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; r = INDEFINITE; }
  else if (isNaN(a) || isNaN(b)) r = propagateNaN(a, b);
  else if (b.cls === INF) {
    if ((a.cls === ZERO && !b.sign) || (a.cls === INF && b.sign)) { fe.flags |= FE_INVALID; r = INDEFINITE; }
    else r = b.sign ? packZero(a.sign, F80) : a.cls === ZERO ? a.bits : packInf(a.sign, F80);
    if (a.den) fe.flags |= FE_DENORMAL;
  } else {
    if (a.den || b.den) fe.flags |= FE_DENORMAL;
    if (a.cls !== FINITE) r = a.bits;
    else {
      let n = 0;
      if (b.cls === FINITE) {
        // beyond 2^17 every result has overflowed or underflowed alike
        const mag = b.exp >= 0 ? 1 << 17 : Number(b.sig >> BigInt(Math.min(-b.exp, 200)));
        n = Math.min(mag, 1 << 17) * (b.sign ? -1 : 1);
      }
      r = unmaskedRange(x, (bias) => roundPack(a.sign, a.sig, a.exp + n + bias, false, F80, rcOf(x)));
    }
  }
  setSt(x, 0, r);
  raise(x, true);
}

/**
 * fprem (`ieee` false: quotient truncated) and fprem1 (`ieee`: rounded to
 * nearest): st(0) = st(0) - q * st(1). C2 set when the reduction is partial;
 * C0, C3, C1 = the quotient's bits 2, 1, 0.
 */
export function fprem(x: X87State, ieee: boolean): void {
  fe.flags = 0;
  fe.up = false;
  setCC(x, SW_CC, 0);
  if (isEmpty(x, 0) || isEmpty(x, 1)) { underflow(x); setSt(x, 0, INDEFINITE); return; }
  const a = unpack(st(x, 0), F80), b = unpack(st(x, 1), F80);
  let r: bigint;
  if (a.cls === UNSUPPORTED || b.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; r = INDEFINITE; }
  else if (isNaN(a) || isNaN(b)) r = propagateNaN(a, b);
  else if (a.cls === INF || b.cls === ZERO) { fe.flags |= FE_INVALID; r = INDEFINITE; }
  else {
    if (a.den || b.den) fe.flags |= FE_DENORMAL;
    // an unchanged st(0) comes back canonical (a pseudo-denormal normalized)
    const same = (): bigint => (a.cls === ZERO ? a.bits : roundPack(a.sign, a.sig, a.exp, false, F80, RC_NEAREST));
    if (a.cls === ZERO || b.cls === INF) r = same();
    else {
      const ea = a.exp + bitLen(a.sig) - 1, eb = b.exp + bitLen(b.sig) - 1;
      const d = ea - eb;
      if (d < 0 && !(ieee && d === -1)) r = same();
      else if (d >= 64) {
        // partial: reduce by a truncated quotient of the top bits
        const n = 32 + ((d - 64) & 31);
        const shift = d - n; // quotient scaled by 2^shift
        const e = Math.min(a.exp, b.exp + shift);
        const xa = a.sig << BigInt(a.exp - e), xb = b.sig << BigInt(b.exp + shift - e);
        const q = xa / xb;
        const rem = xa - q * xb;
        r = rem === 0n ? packZero(a.sign, F80) : roundPack(a.sign, rem, e, false, F80, RC_NEAREST);
        setCC(x, SW_C2, SW_C2);
      } else {
        const e = Math.min(a.exp, b.exp);
        const xa = a.sig << BigInt(a.exp - e), xb = b.sig << BigInt(b.exp - e);
        let q = xa / xb;
        let rem = xa - q * xb;
        let sign = a.sign;
        if (ieee && (2n * rem > xb || (2n * rem === xb && (q & 1n)))) { q++; rem = xb - rem; sign ^= 1; }
        r = rem === 0n ? packZero(a.sign, F80) : roundPack(sign, rem, e, false, F80, RC_NEAREST);
        const qb = Number(q & 7n);
        setCC(x, SW_C0 | SW_C1 | SW_C3, (qb & 4 ? SW_C0 : 0) | (qb & 2 ? SW_C3 : 0) | (qb & 1 ? SW_C1 : 0));
      }
      fe.flags &= ~FE_INEXACT;
    }
  }
  setSt(x, 0, r);
  x.sw |= fe.flags & 0x3f;
}

// ---- comparisons ----

/**
 * Compares st(0) with `b`: -1, 0, 1, or 2 for unordered. `quietNaN` (fucom)
 * raises IE only for SNaNs; fcom for any NaN.
 */
function compare(a: bigint, b: bigint, quietNaN: boolean, bDen = false): number {
  const ua = unpack(a, F80), ub = unpack(b, F80);
  ub.den ||= bDen;
  if (ua.cls === UNSUPPORTED || ub.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; return 2; }
  if (isNaN(ua) || isNaN(ub)) {
    if (!quietNaN || ua.cls === SNAN || ub.cls === SNAN) fe.flags |= FE_INVALID;
    return 2;
  }
  if (ua.den || ub.den) fe.flags |= FE_DENORMAL;
  return compareCore(ua, ub);
}

const CC_OF = [SW_C0, SW_C3, 0, SW_C0 | SW_C2 | SW_C3]; // indexed by result + 1 (less, equal, greater, unordered)

/** fcom/fcomp/fcompp/fucom* with st(i) (or a memory operand when `mem` is given): sets C0, C2, C3; C1 = 0. */
export function fcom(x: X87State, i: number, quietNaN: boolean, mem?: { bits: bigint; k: number }): void {
  fe.flags = 0;
  setCC(x, SW_CC, 0);
  let c: number;
  if (isEmpty(x, 0) || (mem === undefined && isEmpty(x, i))) { underflow(x); c = 2; }
  else {
    const b = mem ? extend(mem.bits, mem.k) : st(x, i);
    c = compare(st(x, 0), b, quietNaN, mem !== undefined && extendedDen);
    x.sw |= fe.flags & 0x3f;
  }
  setCC(x, SW_C0 | SW_C2 | SW_C3, CC_OF[c + 1]);
}

/** ftst: st(0) against +0.0. */
export function ftst(x: X87State): void {
  fcom(x, 0, false, { bits: 0n, k: M80 });
}

/** fcomi/fcomip/fucomi/fucomip: the ZF, PF, CF bits for RFLAGS (C1 = 0). */
export function fcomi(x: X87State, i: number, quietNaN: boolean): number {
  fe.flags = 0;
  setCC(x, SW_C1, 0);
  let c: number;
  if (isEmpty(x, 0) || isEmpty(x, i)) { underflow(x); c = 2; }
  else {
    c = compare(st(x, 0), st(x, i), quietNaN);
    x.sw |= fe.flags & 0x3f;
  }
  return c === 2 ? 0x45 : c === 0 ? 0x40 : c < 0 ? 0x01 : 0;
}

/** fxam: the class of st(0) in C3, C2, C0 and its sign in C1. */
export function fxam(x: X87State): void {
  const v = st(x, 0);
  const sign = Number(v >> 79n) & 1;
  let cc: number;
  if (isEmpty(x, 0)) cc = SW_C3 | SW_C0;
  else {
    const u = unpack(v, F80);
    cc = u.cls === UNSUPPORTED ? 0 : isNaN(u) ? SW_C0 : u.cls === INF ? SW_C2 | SW_C0 : u.cls === ZERO ? SW_C3 : u.den ? SW_C3 | SW_C2 : SW_C2;
  }
  setCC(x, SW_CC, cc | (sign ? SW_C1 : 0));
}

/** fxch st(i). */
export function fxch(x: X87State, i: number): void {
  setCC(x, SW_C1, 0);
  if (isEmpty(x, 0) || isEmpty(x, i)) {
    underflow(x);
    if (isEmpty(x, 0)) setSt(x, 0, INDEFINITE);
    if (isEmpty(x, i)) setSt(x, i, INDEFINITE);
  }
  const t = st(x, 0);
  setSt(x, 0, st(x, i));
  setSt(x, i, t);
}

/** fcmovcc st(0), st(i): the move when `cond` holds; an empty register faults either way. */
export function fcmov(x: X87State, i: number, cond: boolean): void {
  setCC(x, SW_C1, 0);
  if (isEmpty(x, 0) || isEmpty(x, i)) { underflow(x); setSt(x, 0, INDEFINITE); return; }
  if (cond) setSt(x, 0, st(x, i));
}

export function ffree(x: X87State, i: number): void {
  x.tags &= ~(1 << phys(x, i));
}

export function fincstp(x: X87State, by: number): void {
  setCC(x, SW_C1, 0);
  setTop(x, top(x) + by);
}

/**
 * fxtract: st(0) becomes its unbiased exponent, and its significand (with
 * its sign, exponent 0) is pushed: both exact. A zero gives -infinity and
 * the zero (#Z), an infinity +infinity and itself, a NaN itself twice.
 */
export function fxtract(x: X87State): void {
  fe.flags = 0;
  setCC(x, SW_C1, 0);
  if (isEmpty(x, 0)) {
    underflow(x);
    setSt(x, 0, INDEFINITE);
    push(x, INDEFINITE);
    return;
  }
  const v = st(x, 0), u = unpack(v, F80);
  let e: bigint, m: bigint;
  if (u.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; e = m = INDEFINITE; }
  else if (isNaN(u)) { if (u.cls === SNAN) fe.flags |= FE_INVALID; e = m = quiet(v, F80); }
  else if (u.cls === ZERO) { fe.flags |= FE_DIVZERO; e = packInf(1, F80); m = v; }
  else if (u.cls === INF) { e = packInf(0, F80); m = v; }
  else {
    if (u.den) fe.flags |= FE_DENORMAL;
    const n = bitLen(u.sig);
    e = fromInt(BigInt(u.exp + n - 1), F80, RC_NEAREST);
    m = (BigInt(u.sign) << 79n) | (16383n << 64n) | (u.sig << BigInt(64 - n));
  }
  raise(x, false);
  setSt(x, 0, e);
  push(x, m);
}

/** The registers, tags and status word from before an instruction run with an exception unmasked. */
export interface X87Saved { regs: bigint[]; tags: number; sw: number }
export function x87Save(x: X87State, s: X87Saved): void {
  for (let i = 0; i < 8; i++) s.regs[i] = x.regs[i];
  s.tags = x.tags;
  s.sw = x.sw;
}

/**
 * After an instruction run with some exception unmasked: an unmasked
 * invalid-operation, denormal-operand or divide-by-zero exception leaves the
 * registers and TOP as they were, with its flag set (SDM vol. 1, 8.5); the
 * others complete. Then the pending state.
 */
export function x87Unmasked(x: X87State, s: X87Saved): void {
  if (x.sw & ~s.sw & ~x.cw & 0x07) {
    for (let i = 0; i < 8; i++) x.regs[i] = s.regs[i];
    x.tags = s.tags;
    setTop(x, (s.sw >> 11) & 7);
  }
  x87Pending(x);
}

/** ES and B: an exception flag is set whose mask is clear; the next waiting instruction raises #MF. */
export function x87Pending(x: X87State): void {
  x.sw = x.sw & ~x.cw & 0x3f ? x.sw | SW_ES | SW_B : x.sw & ~(SW_ES | SW_B);
}

export function fnclex(x: X87State): void {
  x.sw &= ~0x80ff;
}

// ---- transcendentals ----
// Results are the exact values rounded once to 64 bits per RC (PC does not
// apply, as the SDM says of these instructions): see fpu/transcendental.ts.

/**
 * A transcendental result rounded to st(i)'s format. An `exact` one (fyl2x
 * of a power of two) is still reported inexact, as the processor does, and
 * so tiny when denormal.
 */
function roundBig(b: Big, rc: number, exact = false): bigint {
  const r = b.m < 0n ? roundPack(1, -b.m, b.e, !exact, F80, rc) : roundPack(0, b.m, b.e, !exact, F80, rc);
  if (exact) fe.flags |= FE_INEXACT | (r & (0x7fffn << 64n) ? 0 : FE_UNDERFLOW);
  return r;
}
const bigOf = (u: Unpacked): Big => big(u.sign ? -u.sig : u.sig, u.exp);
const ONE80 = 0x3fff8000000000000000n;

/** fsin, fcos, fsincos, fptan: st(0) in radians; |st(0)| >= 2^63 sets C2 and leaves it as it was. */
export const FSIN = 0, FCOS = 1, FSINCOS = 2, FPTAN = 3;
export function ftrig(x: X87State, op: number): void {
  fe.flags = 0;
  fe.up = false;
  setCC(x, SW_C1 | SW_C2, 0);
  const pushes = op === FSINCOS || op === FPTAN;
  if (isEmpty(x, 0)) {
    underflow(x);
    setSt(x, 0, INDEFINITE);
    if (pushes) push(x, INDEFINITE);
    return;
  }
  if (pushes && !isEmpty(x, 7)) {
    // stack overflow: both results are the indefinite
    setSt(x, 0, INDEFINITE);
    push(x, INDEFINITE);
    return;
  }
  const v = st(x, 0), u = unpack(v, F80), rc = rcOf(x);
  let r: bigint, r2 = 0n;
  if (u.cls === UNSUPPORTED || u.cls === INF) { fe.flags |= FE_INVALID; r = r2 = INDEFINITE; }
  else if (isNaN(u)) { if (u.cls === SNAN) fe.flags |= FE_INVALID; r = r2 = quiet(v, F80); }
  else if (u.cls === ZERO) { r = op === FCOS ? ONE80 : v; r2 = op === FSINCOS ? ONE80 : ONE80; }
  else {
    if (u.exp + bitLen(u.sig) > 63) { setCC(x, SW_C2, SW_C2); return; }
    if (u.den) fe.flags |= FE_DENORMAL;
    const [s, c] = sinCos(u.sig, u.exp, u.sign);
    switch (op) {
      case FSIN: r = roundBig(s, rc); break;
      case FCOS: r = roundBig(c, rc); break;
      case FSINCOS: {
        // C1 tells how the sine was rounded
        r = roundBig(s, rc);
        const up = fe.up;
        r2 = roundBig(c, rc);
        fe.up = up;
        break;
      }
      default:
        // where x^2 is below the format's range this processor gives x itself
        // for a power of two, and rounds x + 0 (just beyond x) otherwise
        if (u.exp + bitLen(u.sig) >= -8191) r = roundBig(tan(u.sig, u.exp, u.sign), rc);
        else if (u.sig & (u.sig - 1n)) r = roundBig(nudge(bigOf(u), u.sign ? -1n : 1n), rc);
        else r = roundBig(bigOf(u), rc, true);
        r2 = ONE80;
    }
  }
  setSt(x, 0, r);
  if (pushes) push(x, r2);
  raise(x, true);
}

/** fpatan: st(1) = the angle of (st(0), st(1)) as atan2(st(1), st(0)), popped. */
export function fpatan(x: X87State): void {
  fe.flags = 0;
  fe.up = false;
  setCC(x, SW_C1, 0);
  if (isEmpty(x, 0) || isEmpty(x, 1)) { underflow(x); setSt(x, 1, INDEFINITE); pop(x); return; }
  const a = unpack(st(x, 0), F80), b = unpack(st(x, 1), F80), rc = rcOf(x);
  let r: bigint;
  if (a.cls === UNSUPPORTED || b.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; r = INDEFINITE; }
  else if (isNaN(a) || isNaN(b)) r = propagateNaN(a, b);
  else {
    if (a.den || b.den) fe.flags |= FE_DENORMAL;
    const angle = (t: Big): bigint => roundBig(b.sign ? { m: -t.m, e: t.e } : t, rc);
    if (b.cls === ZERO) r = a.sign ? angle(pi()) : b.bits;
    else if (b.cls === INF) r = angle(a.cls !== INF ? pi(1) : a.sign ? { m: 3n * pi().m, e: pi(2).e } : pi(2));
    else if (a.cls === ZERO) r = angle(pi(1));
    else if (a.cls === INF) r = a.sign ? angle(pi()) : packZero(b.sign, F80);
    else r = roundBig(atan2(bigOf(b), bigOf(a)), rc);
  }
  setSt(x, 1, r);
  raise(x, true);
  pop(x);
}

/** f2xm1: st(0) = 2^st(0) - 1, for -1 <= st(0) <= 1. */
export function f2xm1(x: X87State): void {
  fe.flags = 0;
  fe.up = false;
  setCC(x, SW_C1, 0);
  if (isEmpty(x, 0)) { underflow(x); setSt(x, 0, INDEFINITE); return; }
  const v = st(x, 0), u = unpack(v, F80);
  let r: bigint;
  if (u.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; r = INDEFINITE; }
  else if (isNaN(u)) { if (u.cls === SNAN) fe.flags |= FE_INVALID; r = quiet(v, F80); }
  else if (u.cls === ZERO) r = v;
  else if (u.cls === INF) r = u.sign ? ONE80 | (1n << 79n) : v;
  else {
    if (u.den) fe.flags |= FE_DENORMAL;
    // beyond the domain (undefined in the SDM) this processor leaves st(0), inexact
    if (u.exp + bitLen(u.sig) > 1 || (u.exp + bitLen(u.sig) === 1 && u.sig !== 1n << BigInt(bitLen(u.sig) - 1))) { fe.flags |= FE_INEXACT; r = v; }
    // 2^1 - 1 comes out just below 1, 2^-1 - 1 as -1/2 (inexact both)
    else if (u.exp + bitLen(u.sig) === 1) r = u.sign ? roundBig({ m: -1n, e: -1 }, rcOf(x), true) : roundBig(nudge({ m: 1n, e: 0 }, -1n), rcOf(x));
    else r = roundBig(exp2m1(bigOf(u)), rcOf(x));
  }
  setSt(x, 0, r);
  raise(x, true);
}

/**
 * fyl2x (`p1` false): st(1) = st(1) * log2(st(0)); fyl2xp1: st(1) = st(1) *
 * log2(st(0) + 1). Popped.
 */
export function fyl2x(x: X87State, p1: boolean): void {
  fe.flags = 0;
  fe.up = false;
  setCC(x, SW_C1, 0);
  if (isEmpty(x, 0) || isEmpty(x, 1)) { underflow(x); setSt(x, 1, INDEFINITE); pop(x); return; }
  const a = unpack(st(x, 0), F80), b = unpack(st(x, 1), F80), rc = rcOf(x);
  let r: bigint;
  if (a.cls === UNSUPPORTED || b.cls === UNSUPPORTED) { fe.flags |= FE_INVALID; r = INDEFINITE; }
  else if (isNaN(a) || isNaN(b)) r = propagateNaN(a, b);
  else {
    // the logarithm's argument, exactly: its class (ZERO, FINITE, INF), sign, and sig * 2^exp
    let cls = a.cls, sign = a.sign, sig = a.sig, exp = a.exp;
    if (p1 && a.cls === FINITE) {
      // 1 + st(0): exact as sig * 2^exp, or below 1's last bit
      const e = Math.min(exp, 0);
      const s = (1n << BigInt(-e)) + (a.sign ? -sig : sig) * (1n << BigInt(exp - e));
      cls = s === 0n ? ZERO : FINITE;
      sign = s < 0n ? 1 : 0;
      sig = s < 0n ? -s : s;
      exp = e;
    } else if (p1 && a.cls === ZERO) { cls = FINITE; sign = 0; sig = 1n; exp = 0; }
    // log2 of the argument is exact (lg) for a power of two, 0 for 1
    const pow2 = cls === FINITE && sig === 1n << BigInt(bitLen(sig) - 1);
    const lg = cls === FINITE ? exp + bitLen(sig) - 1 : 0;
    const lgZero = pow2 && lg === 0;
    // log2 is -inf (argument 0) or +inf: times a zero is invalid; a finite st(1) divides by zero
    const invalid = (sign && cls !== ZERO) || (b.cls === ZERO && cls !== FINITE) || (b.cls === INF && lgZero);
    const divZero = cls === ZERO && b.cls === FINITE;
    // an invalid operation or a division by zero is seen before a denormal operand
    if ((a.den || b.den) && !invalid && !divZero) fe.flags |= FE_DENORMAL;
    if (invalid) { fe.flags |= FE_INVALID; r = INDEFINITE; }
    else if (cls !== FINITE) {
      if (divZero) fe.flags |= FE_DIVZERO;
      r = packInf(b.sign ^ (cls === ZERO ? 1 : 0), F80);
    } else if (lgZero) r = packZero(b.sign ^ (p1 ? a.sign : 0), F80);
    else {
      const small = p1 && a.exp + bitLen(a.sig) < 0; // |st(0)| < 1/2: log2(1 + x) from x itself, precisely
      const l: Big = pow2 ? { m: BigInt(lg), e: 0 } : small ? log2p1(bigOf(a)) : log2(sig, exp);
      const neg = l.m < 0n ? 1 : 0;
      if (b.cls === ZERO) r = packZero(b.sign ^ neg, F80);
      else if (b.cls === INF) r = packInf(b.sign ^ neg, F80);
      else r = roundBig(bigMul(bigOf(b), l), rc, pow2);
    }
  }
  setSt(x, 1, r);
  raise(x, true);
  pop(x);
}
