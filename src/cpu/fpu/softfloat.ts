// IEEE 754 binary arithmetic as x86 does it, exactly, for the three formats the
// CPU uses: single (f32), double (f64) and the x87's 80-bit double extended
// (f80, explicit integer bit). Values travel as raw bits in a bigint; the
// arithmetic is exact on BigInt significands, then rounded once (roundPack).
//
// Exceptions accumulate in `fe.flags` with the bit numbering that MXCSR and
// the x87 status word share (IE DE ZE OE UE PE = bits 0..5); `fe.up` tells the
// x87 whether the last rounding increased the magnitude (its C1).
// Tininess is detected after rounding, as on Intel processors.

export const FE_INVALID = 0x01, FE_DENORMAL = 0x02, FE_DIVZERO = 0x04, FE_OVERFLOW = 0x08, FE_UNDERFLOW = 0x10, FE_INEXACT = 0x20;
/** Rounding control, as encoded in MXCSR.RC and the x87 control word's RC. */
export const RC_NEAREST = 0, RC_DOWN = 1, RC_UP = 2, RC_ZERO = 3;

export const fe = { flags: 0, up: false };

export interface Format {
  /** Exponent field width. */
  readonly ebits: number;
  /** Significand precision, leading bit included. */
  readonly p: number;
  /** True when the leading bit is stored (f80). */
  readonly explicit: boolean;
  readonly bias: number;
}
export const F32: Format = { ebits: 8, p: 24, explicit: false, bias: 127 };
export const F64: Format = { ebits: 11, p: 53, explicit: false, bias: 1023 };
export const F80: Format = { ebits: 15, p: 64, explicit: true, bias: 16383 };

/** Stored fraction bits (the leading bit included for f80). */
const fracBits = (f: Format): number => (f.explicit ? f.p : f.p - 1);

export const ZERO = 0, FINITE = 1, INF = 2, QNAN = 3, SNAN = 4, UNSUPPORTED = 5;

/** A decoded operand: value = (-1)^sign * sig * 2^exp when FINITE. */
export interface Unpacked {
  cls: number;
  sign: number;
  sig: bigint;
  exp: number;
  /** A denormal encoding (before DAZ, which makes it a ZERO). */
  den: boolean;
  bits: bigint;
}

export function bitLen(x: bigint): number {
  if (x === 0n) return 0;
  const s = x.toString(16);
  const d = parseInt(s[0], 16);
  return (s.length - 1) * 4 + (d >= 8 ? 4 : d >= 4 ? 3 : d >= 2 ? 2 : 1);
}

/** Decodes `bits` of format `f`; `daz` turns denormals into zeros (MXCSR.DAZ). */
export function unpack(bits: bigint, f: Format, daz = false): Unpacked {
  const fb = fracBits(f);
  const emask = (1 << f.ebits) - 1;
  const sign = Number((bits >> BigInt(fb + f.ebits)) & 1n);
  const e = Number((bits >> BigInt(fb)) & BigInt(emask));
  const frac = bits & ((1n << BigInt(fb)) - 1n);
  const u: Unpacked = { cls: FINITE, sign, sig: 0n, exp: 0, den: false, bits };
  const emin = 1 - f.bias - (f.p - 1);
  if (e === 0) {
    if (frac === 0n) u.cls = ZERO;
    else {
      u.den = true;
      if (daz) u.cls = ZERO;
      else { u.sig = frac; u.exp = emin; }
    }
  } else if (e === emask) {
    const mant = f.explicit ? frac & ((1n << 63n) - 1n) : frac;
    if (f.explicit && !(frac >> 63n)) u.cls = UNSUPPORTED;
    else if (mant === 0n) u.cls = INF;
    else u.cls = (mant >> BigInt(f.p - 2)) & 1n ? QNAN : SNAN;
  } else if (f.explicit) {
    if (!(frac >> 63n)) u.cls = UNSUPPORTED; // unnormal
    else { u.sig = frac; u.exp = e - f.bias - 63; }
  } else {
    u.sig = frac | (1n << BigInt(fb));
    u.exp = e - f.bias - fb;
  }
  return u;
}

export const isNaN = (u: Unpacked): boolean => u.cls === QNAN || u.cls === SNAN;

export function packInf(sign: number, f: Format): bigint {
  const fb = fracBits(f);
  return (BigInt(sign) << BigInt(fb + f.ebits)) | (BigInt((1 << f.ebits) - 1) << BigInt(fb)) | (f.explicit ? 1n << 63n : 0n);
}
export const packZero = (sign: number, f: Format): bigint => BigInt(sign) << BigInt(fracBits(f) + f.ebits);
/** The default NaN ("real indefinite"): negative, quiet, zero payload. */
export const defaultNaN = (f: Format): bigint => packInf(1, f) | (1n << BigInt(f.p - 2));
/** The NaN with its quiet bit set. */
export const quiet = (bits: bigint, f: Format): bigint => bits | (1n << BigInt(f.p - 2));

/** Largest finite value with `p` significant bits, as bits of format f. */
function packMax(sign: number, f: Format, p: number): bigint {
  const fb = fracBits(f);
  let sig = ((1n << BigInt(p)) - 1n) << BigInt(f.p - p);
  if (!f.explicit) sig &= (1n << BigInt(fb)) - 1n;
  return (BigInt(sign) << BigInt(fb + f.ebits)) | (BigInt((1 << f.ebits) - 2) << BigInt(fb)) | sig;
}

/**
 * Rounds sig * 2^exp (plus a nonzero amount below sig's last bit when
 * `sticky`) to a multiple of 2^lsb: the rounded multiple, and whether it is
 * inexact. sig > 0.
 */
function roundAt(sign: number, sig: bigint, exp: number, sticky: boolean, lsb: number, rc: number): [bigint, boolean] {
  const shift = lsb - exp;
  let q: bigint, cmp: number; // cmp: the dropped part against half an ulp: -2 none, -1 below, 0 tie, 1 above
  if (shift <= 0) {
    q = sig << BigInt(-shift);
    cmp = sticky ? -1 : -2;
  } else {
    q = sig >> BigInt(shift);
    const r = sig & ((1n << BigInt(shift)) - 1n);
    const half = 1n << BigInt(shift - 1);
    cmp = r === 0n && !sticky ? -2 : r > half || (r === half && sticky) ? 1 : r === half ? 0 : -1;
  }
  if (cmp === -2) return [q, false];
  let inc = false;
  switch (rc) {
    case RC_NEAREST: inc = cmp === 1 || (cmp === 0 && (q & 1n) === 1n); break;
    case RC_DOWN: inc = sign === 1; break;
    case RC_UP: inc = sign === 0; break;
  }
  return [inc ? q + 1n : q, true];
}

/**
 * Rounds (-1)^sign * (sig * 2^exp + sticky) to format f with `p` significant
 * bits (p < f.p only for the x87's precision control) under rounding control
 * rc; `ftz` flushes tiny results to zero (MXCSR.FTZ). Raises OE, UE, PE.
 */
export function roundPack(sign: number, sig: bigint, exp: number, sticky: boolean, f: Format, rc: number, p = f.p, ftz = false): bigint {
  fe.up = false;
  if (sig === 0n) {
    if (!sticky) return packZero(sign, f);
    sig = 1n; exp -= 1 << 20; sticky = false; // only far below any format's range
  }
  const n = bitLen(sig);
  const E = exp + n - 1;
  const emin = 1 - f.bias, emax = f.bias;
  let tiny = false;
  if (E < emin) {
    tiny = true;
    if (E === emin - 1) {
      const [q] = roundAt(sign, sig, exp, sticky, E - p + 1, rc);
      if (bitLen(q) > p) tiny = false; // rounds up to 2^emin with an unbounded exponent
    }
  }
  if (tiny && ftz) {
    fe.flags |= FE_UNDERFLOW | FE_INEXACT;
    return packZero(sign, f);
  }
  let lsb = Math.max(E, emin) - p + 1;
  let [q, inexact] = roundAt(sign, sig, exp, sticky, lsb, rc);
  if (inexact) {
    fe.flags |= FE_INEXACT;
    fe.up = lsb > exp ? q > sig >> BigInt(lsb - exp) : q > sig << BigInt(exp - lsb);
    if (tiny) fe.flags |= FE_UNDERFLOW;
  }
  if (q === 0n) return packZero(sign, f);
  let qn = bitLen(q);
  if (qn > p) { q >>= 1n; lsb++; qn--; }
  const Er = lsb + qn - 1;
  if (Er > emax) {
    fe.flags |= FE_OVERFLOW | FE_INEXACT;
    const toInf = rc === RC_NEAREST || (rc === RC_UP && sign === 0) || (rc === RC_DOWN && sign === 1);
    fe.up = toInf;
    return toInf ? packInf(sign, f) : packMax(sign, f, p);
  }
  const fb = fracBits(f);
  const s = BigInt(sign) << BigInt(fb + f.ebits);
  if (Er < emin) return s | (q << BigInt(lsb - (emin - f.p + 1)));
  let full = q << BigInt(f.p - qn);
  if (!f.explicit) full &= (1n << BigInt(fb)) - 1n;
  return s | (BigInt(Er + f.bias) << BigInt(fb)) | full;
}

/** sig * 2^exp as an exact sum or difference of two finite operands. */
function addExact(a: Unpacked, b: Unpacked, subtract: boolean): [number, bigint, number] {
  const bs = subtract ? b.sign ^ 1 : b.sign;
  const e = Math.min(a.exp, b.exp);
  // far below the larger operand's last bit only a sticky amount matters, but
  // the difference in exponents is bounded by the format, so exact is fine
  let x = a.sig << BigInt(a.exp - e);
  let y = b.sig << BigInt(b.exp - e);
  if (a.sign) x = -x;
  if (bs) y = -y;
  const s = x + y;
  return s < 0n ? [1, -s, e] : [0, s, e];
}

/** NaN and invalid handling is the caller's; here both operands are ZERO, FINITE or INF. */
export function addCore(a: Unpacked, b: Unpacked, subtract: boolean, f: Format, rc: number, p = f.p, ftz = false): bigint {
  const bs = subtract ? b.sign ^ 1 : b.sign;
  if (a.cls === INF || b.cls === INF) {
    if (a.cls === INF && b.cls === INF && a.sign !== bs) { fe.flags |= FE_INVALID; return defaultNaN(f); }
    return packInf(a.cls === INF ? a.sign : bs, f);
  }
  if (a.cls === ZERO && b.cls === ZERO) return packZero(a.sign === bs ? a.sign : rc === RC_DOWN ? 1 : 0, f);
  if (a.cls === ZERO) return roundPack(bs, b.sig, b.exp, false, f, rc, p, ftz);
  if (b.cls === ZERO) return roundPack(a.sign, a.sig, a.exp, false, f, rc, p, ftz);
  const [s, sig, e] = addExact(a, b, subtract);
  if (sig === 0n) return packZero(rc === RC_DOWN ? 1 : 0, f);
  return roundPack(s, sig, e, false, f, rc, p, ftz);
}

export function mulCore(a: Unpacked, b: Unpacked, f: Format, rc: number, p = f.p, ftz = false): bigint {
  const s = a.sign ^ b.sign;
  if (a.cls === INF || b.cls === INF) {
    if (a.cls === ZERO || b.cls === ZERO) { fe.flags |= FE_INVALID; return defaultNaN(f); }
    return packInf(s, f);
  }
  if (a.cls === ZERO || b.cls === ZERO) return packZero(s, f);
  return roundPack(s, a.sig * b.sig, a.exp + b.exp, false, f, rc, p, ftz);
}

export function divCore(a: Unpacked, b: Unpacked, f: Format, rc: number, p = f.p, ftz = false): bigint {
  const s = a.sign ^ b.sign;
  if (a.cls === INF) {
    if (b.cls === INF) { fe.flags |= FE_INVALID; return defaultNaN(f); }
    return packInf(s, f);
  }
  if (b.cls === INF) return packZero(s, f);
  if (b.cls === ZERO) {
    if (a.cls === ZERO) { fe.flags |= FE_INVALID; return defaultNaN(f); }
    fe.flags |= FE_DIVZERO;
    return packInf(s, f);
  }
  if (a.cls === ZERO) return packZero(s, f);
  const k = Math.max(0, p + 2 + bitLen(b.sig) - bitLen(a.sig));
  const num = a.sig << BigInt(k);
  const q = num / b.sig;
  return roundPack(s, q, a.exp - b.exp - k, q * b.sig !== num, f, rc, p, ftz);
}

/** floor(sqrt(x)) for x >= 0. */
export function isqrt(x: bigint): bigint {
  if (x < 2n) return x;
  const guess = Math.sqrt(Number(x));
  let r = Number.isFinite(guess) && guess >= 1 ? BigInt(Math.floor(guess)) : 1n << BigInt((bitLen(x) >> 1) + 1);
  for (;;) {
    const n = (r + x / r) >> 1n;
    if (n >= r) break;
    r = n;
  }
  while (r * r > x) r--;
  while ((r + 1n) * (r + 1n) <= x) r++;
  return r;
}

export function sqrtCore(a: Unpacked, f: Format, rc: number, p = f.p, ftz = false): bigint {
  if (a.cls === ZERO) return packZero(a.sign, f);
  if (a.sign) { fe.flags |= FE_INVALID; return defaultNaN(f); }
  if (a.cls === INF) return packInf(0, f);
  let k = Math.max(0, 2 * p + 4 - bitLen(a.sig));
  if ((a.exp - k) & 1) k++;
  const x = a.sig << BigInt(k);
  const r = isqrt(x);
  return roundPack(0, r, (a.exp - k) / 2, r * r !== x, f, rc, p, ftz);
}

/** Rounds a finite operand to an integer in the same format (frndint, roundsd-like). */
export function roundToIntCore(a: Unpacked, f: Format, rc: number): bigint {
  if (a.cls !== FINITE || a.exp >= 0) return a.cls === FINITE ? roundPack(a.sign, a.sig, a.exp, false, f, rc) : a.bits;
  const [q, inexact] = roundAt(a.sign, a.sig, a.exp, false, 0, rc);
  if (inexact) fe.flags |= FE_INEXACT;
  const r = q === 0n ? packZero(a.sign, f) : roundPack(a.sign, q, 0, false, f, rc);
  fe.up = inexact && q > a.sig >> BigInt(-a.exp);
  return r;
}

/**
 * Converts a finite operand to a signed integer of `bits` bits, rounding per
 * rc; null when it does not fit (the caller stores the integer indefinite
 * and raises IE). Raises PE when inexact.
 */
export function toIntCore(a: Unpacked, bits: number, rc: number): bigint | null {
  if (a.cls === ZERO) return 0n;
  let q: bigint, inexact = false;
  if (a.exp >= 0) q = a.sig << BigInt(a.exp);
  else [q, inexact] = roundAt(a.sign, a.sig, a.exp, false, 0, rc);
  const v = a.sign ? -q : q;
  const lim = 1n << BigInt(bits - 1);
  if (v >= lim || v < -lim) return null;
  if (inexact) fe.flags |= FE_INEXACT;
  fe.up = inexact && q > a.sig >> BigInt(-a.exp);
  return v;
}

/** Converts a signed integer to format f (rounding per rc). */
export function fromInt(v: bigint, f: Format, rc: number, p = f.p): bigint {
  if (v === 0n) return packZero(0, f);
  return v < 0n ? roundPack(1, -v, 0, false, f, rc, p) : roundPack(0, v, 0, false, f, rc, p);
}

/** Orders two non-NaN operands: -1, 0, 1 (zeros of either sign are equal). */
export function compareCore(a: Unpacked, b: Unpacked): number {
  const key = (u: Unpacked): [number, bigint, number] => [u.cls === ZERO ? 0 : u.sign ? -1 : 1, u.sig, u.exp];
  const [sa] = key(a), [sb] = key(b);
  if (sa !== sb) return sa < sb ? -1 : 1;
  if (sa === 0) return 0;
  let m: number; // magnitude order
  if (a.cls === INF || b.cls === INF) m = a.cls === b.cls ? 0 : a.cls === INF ? 1 : -1;
  else {
    const ea = a.exp + bitLen(a.sig), eb = b.exp + bitLen(b.sig);
    if (ea !== eb) m = ea < eb ? -1 : 1;
    else {
      const e = Math.min(a.exp, b.exp);
      const x = a.sig << BigInt(a.exp - e), y = b.sig << BigInt(b.exp - e);
      m = x === y ? 0 : x < y ? -1 : 1;
    }
  }
  return sa < 0 ? -m : m;
}

/** Converts between formats, rounding per rc; NaNs keep their payload's top bits. */
export function convertCore(a: Unpacked, from: Format, to: Format, rc: number, ftz = false): bigint {
  switch (a.cls) {
    case ZERO: return packZero(a.sign, to);
    case INF: return packInf(a.sign, to);
    case QNAN: case SNAN: {
      let payload = a.bits & ((1n << BigInt(from.p - 1)) - 1n); // below the leading/integer bit
      payload = from.p > to.p ? payload >> BigInt(from.p - to.p) : payload << BigInt(to.p - from.p);
      return quiet(packInf(a.sign, to) | payload, to);
    }
    default: return roundPack(a.sign, a.sig, a.exp, false, to, rc, to.p, ftz);
  }
}
