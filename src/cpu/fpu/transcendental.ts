// The real functions behind the x87 transcendental instructions (fsin, fcos,
// fptan, fpatan, f2xm1, fyl2x, fyl2xp1), computed on BigInt floating point
// with P = 160 bits, far beyond the 64 the result keeps: the caller rounds
// once (roundPack), so a result is the correctly rounded value unless the
// true value lies within about 2^-150 (relative) of a rounding boundary. The
// arguments are exact (finite x87 operands); special values are the caller's.
//
// Each function returns a Big, an approximation that is never exact (the
// callers handle the few exact cases: log2 of a power of two, zeros).

import { bitLen } from "./softfloat.js";

/** m * 2^e; m signed. */
export interface Big { m: bigint; e: number }

const P = 160;

/** Truncates m to P bits (toward zero). */
function norm(m: bigint, e: number): Big {
  const n = bitLen(m < 0n ? -m : m) - P;
  if (n <= 0) return { m, e };
  return { m: m < 0n ? -(-m >> BigInt(n)) : m >> BigInt(n), e: e + n };
}
export const big = (m: bigint, e: number): Big => norm(m, e);
const mag = (a: Big): number => (a.m === 0n ? -Infinity : a.e + bitLen(a.m < 0n ? -a.m : a.m));
const neg = (a: Big): Big => ({ m: -a.m, e: a.e });
const mul = (a: Big, b: Big): Big => norm(a.m * b.m, a.e + b.e);
function add(a: Big, b: Big): Big {
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  // an addend below the other's last kept bit changes nothing we keep
  if (mag(a) - mag(b) > P + 8) return a;
  if (mag(b) - mag(a) > P + 8) return b;
  const e = Math.min(a.e, b.e);
  return norm((a.m << BigInt(a.e - e)) + (b.m << BigInt(b.e - e)), e);
}
const sub = (a: Big, b: Big): Big => add(a, neg(b));
function div(a: Big, b: Big): Big {
  const k = P + 4 + bitLen(b.m < 0n ? -b.m : b.m) - bitLen(a.m < 0n ? -a.m : a.m);
  return norm((a.m << BigInt(k)) / b.m, a.e - b.e - k);
}
function sqrt(a: Big): Big {
  let k = 2 * P + 4 - bitLen(a.m);
  if ((a.e - k) & 1) k++;
  const x = a.m << BigInt(k);
  let r = 1n << BigInt((bitLen(x) >> 1) + 1);
  for (;;) {
    const n = (r + x / r) >> 1n;
    if (n >= r) break;
    r = n;
  }
  return norm(r, (a.e - k) / 2);
}
const ONE: Big = { m: 1n, e: 0 };
const int = (n: number): Big => ({ m: BigInt(n), e: 0 });

/**
 * b moved by a relative 2^-(P+2) toward the sign of `dir`: an exact value
 * that stands for a true value just beside it (sin x for a tiny x), so that
 * rounding goes the right way.
 */
export function nudge(b: Big, dir: bigint): Big {
  const k = P + 2 - bitLen(b.m < 0n ? -b.m : b.m);
  return { m: (b.m << BigInt(k)) + (dir < 0n ? -1n : 1n), e: b.e - k };
}

/**
 * Sums the series with term k+1 = term k * t * coef(k), until a term falls
 * below 2^-P relative. When only the first term counts, it is nudged toward
 * the second's sign.
 */
function series(first: Big, t: Big, coef: (k: number) => [number, number]): Big {
  let sum = first, term = first;
  for (let k = 0; ; k++) {
    const [num, den] = coef(k);
    term = mul(term, t);
    term = norm((term.m << 32n) * BigInt(num) / BigInt(den), term.e - 32);
    if (term.m === 0n || mag(sum) - mag(term) > P + 4) return k === 0 && term.m !== 0n ? nudge(sum, term.m) : sum;
    sum = add(sum, term);
  }
}

/** atan(t) for 0 <= t <= 1: halved four times (atan t = 2 atan(t / (1 + sqrt(1 + t^2)))), then its series. */
function atanSmall(t: Big): Big {
  for (let i = 0; i < 4; i++) t = div(t, add(ONE, sqrt(add(ONE, mul(t, t)))));
  const r = series(t, neg(mul(t, t)), (k) => [2 * k + 1, 2 * k + 3]);
  return { m: r.m, e: r.e + 4 };
}

/** ln((1 + u) / (1 - u)) = 2 atanh(u), |u| small. */
const atanh2 = (u: Big): Big => {
  const r = series(u, mul(u, u), (k) => [2 * k + 1, 2 * k + 3]);
  return { m: r.m, e: r.e + 1 };
};

// pi and ln 2 are computed on first use: their series take milliseconds,
// which every start-up would pay, and most programs never ask.
let PI: Big | null = null;
let LN2: Big | null = null;
/** pi / 2^shift. */
export function pi(shift = 0): Big {
  PI ??= (() => { const q = atanSmall(ONE); return { m: q.m, e: q.e + 2 }; })();
  return { m: PI.m, e: PI.e - shift };
}
const ln2 = (): Big => (LN2 ??= atanh2(div(ONE, int(3))));
/**
 * pi/2 as the processor reduces by it: pi with 66 significant bits (SDM vol. 1,
 * 8.3.10), 0x3243f6a8885a308d3 * 2^-65. The reduction is exact with it, and
 * off the true one by about x * 2^-67 absolute.
 */
const PI_2_66 = 0x3243f6a8885a308d3n;

/**
 * x reduced by the nearest multiple k of pi/2 (as above): [r, k mod 4],
 * |r| <= pi/4. x = sig * 2^exp with sig < 2^64 and |x| < 2^63.
 */
function reduce(sig: bigint, exp: number, sign: number): [Big, number] {
  const x: Big = { m: sign ? -sig : sig, e: exp };
  if (mag(x) < 0 || sub(pi(2), x.m < 0n ? neg(x) : x).m >= 0n) return [x, 0];
  // fixed point with 128 fraction bits, where both x (|x| >= pi/4) and pi/2 are exact
  const X = sig << BigInt(128 + exp), H = PI_2_66 << 63n;
  const k = (X + (H >> 1n)) / H;
  const r = norm(X - k * H, -128);
  return sign ? [neg(r), Number(BigInt.asUintN(2, -k))] : [r, Number(BigInt.asUintN(2, k))];
}

/** sin r and cos r for |r| <= pi/4. */
function sinCosSmall(r: Big): [Big, Big] {
  const t = neg(mul(r, r));
  const s = series(r, t, (k) => [1, (2 * k + 2) * (2 * k + 3)]);
  const c = series(ONE, t, (k) => [1, (2 * k + 1) * (2 * k + 2)]);
  return [s, c];
}

/** sin x and cos x (x as in reduce). */
export function sinCos(sig: bigint, exp: number, sign: number): [Big, Big] {
  const [r, q] = reduce(sig, exp, sign);
  const [s, c] = sinCosSmall(r);
  switch (q) {
    case 0: return [s, c];
    case 1: return [c, neg(s)];
    case 2: return [neg(s), neg(c)];
    default: return [neg(c), s];
  }
}

export function tan(sig: bigint, exp: number, sign: number): Big {
  // tan x = x + x^3/3 ...: for a tiny x, x nudged away from zero
  if (exp + bitLen(sig) < -P / 2) return nudge({ m: sign ? -sig : sig, e: exp }, sign ? -1n : 1n);
  const [s, c] = sinCos(sig, exp, sign);
  return div(s, c);
}

/** atan2(y, x) for finite nonzero y and x (as Bigs). */
export function atan2(y: Big, x: Big): Big {
  const ay = y.m < 0n ? neg(y) : y, ax = x.m < 0n ? neg(x) : x;
  const yx = mag(ay) - mag(ax);
  let th: Big;
  if (yx < 0 || (yx === 0 && sub(ax, ay).m >= 0n)) th = atanSmall(div(ay, ax));
  else th = sub(pi(1), atanSmall(div(ax, ay)));
  if (x.m < 0n) th = sub(pi(), th);
  return y.m < 0n ? neg(th) : th;
}

/** 2^x - 1 for |x| <= 1 (x nonzero): expm1(x ln 2) by its series. */
export function exp2m1(x: Big): Big {
  const z = mul(x, ln2());
  return series(z, z, (k) => [1, k + 2]);
}

/** log2(x) for x = sig * 2^exp > 0 not a power of two: k + ln(f) / ln 2 with f = x / 2^k in [sqrt(1/2), sqrt(2)). */
export function log2(sig: bigint, exp: number): Big {
  const n = bitLen(sig);
  let k = exp + n - 1;
  let f: Big = { m: sig, e: -(n - 1) }; // in [1, 2)
  // 1.0110101000001... is sqrt(2)
  if (sig >> BigInt(n - 8) >= 0xb5n) { f = { m: sig, e: -n }; k++; }
  const u = div(sub(f, ONE), add(f, ONE));
  return add(int(k), div(atanh2(u), ln2()));
}

/** log2(1 + x) for small nonzero x: 2 atanh(x / (2 + x)) / ln 2. */
export function log2p1(x: Big): Big {
  return div(atanh2(div(x, add(int(2), x))), ln2());
}

export { add as bigAdd, mul as bigMul };
