// Multiply and divide: mul, imul (one, two and three operands), div, idiv,
// with 64-bit and 128-bit arithmetic on 32-bit halves.

import { ALL_FLAGS, type Exec, MASK, type Op, ripOf, sizeIndex, STOP_DE, TWO32 } from "./exec.js";
import { type Jit, jitHelper } from "./jit.js";
import { define, type Insn, type Operand, type RegOp } from "./insn.js";
import { K_RES, RAX, RDX } from "./state.js";

/** A 128-bit product or dividend, and the quotient and remainder (W[0..1], W[2..3]). */
const W = new Int32Array(4);
/** The high half that neg64 returns beside its low half. */
let negHi = 0;

/** High 32 bits of the unsigned product a * b. */
function umulhi(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16)) | 0;
}
/** W[0..3] = the unsigned 128-bit product of (ahi:alo) and (bhi:blo). */
function umul128(alo: number, ahi: number, blo: number, bhi: number): void {
  const p0l = Math.imul(alo, blo), p0h = umulhi(alo, blo);
  const p1l = Math.imul(alo, bhi), p1h = umulhi(alo, bhi);
  const p2l = Math.imul(ahi, blo), p2h = umulhi(ahi, blo);
  const p3l = Math.imul(ahi, bhi), p3h = umulhi(ahi, bhi);
  const s1 = (p0h >>> 0) + (p1l >>> 0) + (p2l >>> 0);
  const c1 = Math.floor(s1 / TWO32);
  const s2 = (p1h >>> 0) + (p2h >>> 0) + (p3l >>> 0) + c1;
  const c2 = Math.floor(s2 / TWO32);
  W[0] = p0l; W[1] = s1 | 0; W[2] = s2 | 0; W[3] = (p3h + c2) | 0;
}
/** W = the signed 128-bit product. */
function imul128(alo: number, ahi: number, blo: number, bhi: number): void {
  umul128(alo, ahi, blo, bhi);
  // as unsigned, a negative a adds b * 2^64 too many (and likewise for b)
  if (ahi < 0) sub128hi(blo, bhi);
  if (bhi < 0) sub128hi(alo, ahi);
}
function sub128hi(lo: number, hi: number): void {
  const s = (W[2] >>> 0) - (lo >>> 0);
  W[2] = s | 0;
  W[3] = (W[3] - hi - (s < 0 ? 1 : 0)) | 0;
}
/**
 * Unsigned (W[3]:W[2]:W[1]:W[0]) / (dhi:dlo) into W[0..1] = quotient, W[2..3] = remainder.
 * @return false on #DE (zero divisor or a quotient above 64 bits).
 */
function udiv128(dlo: number, dhi: number): boolean {
  if ((dlo | dhi) === 0) return false;
  const nh = ripOf(W[2], W[3] >>> 0), d = ripOf(dlo, dhi >>> 0);
  if ((W[2] | W[3]) !== 0 && !(W[3] >>> 0 < dhi >>> 0 || (W[3] === dhi && W[2] >>> 0 < dlo >>> 0))) return false;
  const nl = ripOf(W[0], W[1] >>> 0);
  if (nh === 0 && nl < 2 ** 53 && d < 2 ** 53) {
    const q = Math.floor(nl / d), r = nl - q * d;
    W[0] = q % TWO32 | 0; W[1] = Math.floor(q / TWO32) | 0; W[2] = r % TWO32 | 0; W[3] = Math.floor(r / TWO32) | 0;
    return true;
  }
  // restoring division, one quotient bit per step; the remainder stays below 2^65
  let rlo = W[2], rhi = W[3], qlo = W[0], qhi = W[1];
  for (let i = 0; i < 64; i++) {
    const top = rhi >>> 31;
    rhi = (rhi << 1) | (rlo >>> 31);
    rlo = (rlo << 1) | (qhi >>> 31);
    qhi = (qhi << 1) | (qlo >>> 31);
    qlo = qlo << 1;
    if (top || rhi >>> 0 > dhi >>> 0 || (rhi === dhi && rlo >>> 0 >= dlo >>> 0)) {
      const s = (rlo >>> 0) - (dlo >>> 0);
      rlo = s | 0;
      rhi = (rhi - dhi - (s < 0 ? 1 : 0)) | 0;
      qlo |= 1;
    }
  }
  W[0] = qlo; W[1] = qhi; W[2] = rlo; W[3] = rhi;
  return true;
}
/** -(hi:lo): the low half, the high half in negHi. */
function neg64(lo: number, hi: number): number {
  negHi = lo === 0 ? -hi | 0 : ~hi;
  return -lo | 0;
}
function neg128(): void {
  const l0 = ~W[0], l1 = ~W[1], l2 = ~W[2], l3 = ~W[3];
  let s = (l0 >>> 0) + 1; W[0] = s | 0; let c = s > 0xffffffff ? 1 : 0;
  s = (l1 >>> 0) + c; W[1] = s | 0; c = s > 0xffffffff ? 1 : 0;
  s = (l2 >>> 0) + c; W[2] = s | 0; c = s > 0xffffffff ? 1 : 0;
  W[3] = (l3 + c) | 0;
}
/** Signed 128/64 division, results in W like udiv128; false on #DE. */
function idiv128(dlo: number, dhi: number): boolean {
  const nneg = W[3] < 0, dneg = dhi < 0;
  if (nneg) neg128();
  let alo = dlo, ahi = dhi;
  if (dneg) { alo = neg64(dlo, dhi); ahi = negHi; }
  if (!udiv128(alo, ahi)) return false;
  let qlo = W[0], qhi = W[1], rlo = W[2], rhi = W[3];
  // the quotient's magnitude must fit a signed 64-bit result
  if (nneg !== dneg) {
    if (qhi >>> 0 > 0x80000000 || (qhi === (0x80000000 | 0) && qlo !== 0)) return false;
    qlo = neg64(qlo, qhi); qhi = negHi;
  } else if (qhi < 0) return false;
  if (nneg) { rlo = neg64(rlo, rhi); rhi = negHi; }
  W[0] = qlo; W[1] = qhi; W[2] = rlo; W[3] = rhi;
  return true;
}

/** mul/imul with one operand: rdx:rax (or ax) = the accumulator times it; CF = OF = the high half is needed. */
function compileMul(x: Exec, signed: boolean, o: Operand, sz: number): Op {
  const { L, H, T, FLT, get, rget, rset, res } = x;
  const szi = sizeIndex(sz);
  return () => {
    const b = get(o, sz), bh = T[0];
    if (FLT.kind) return FLT.kind;
    let ovf: number;
    if (szi === 3) {
      if (signed) imul128(L[RAX], H[RAX], b, bh); else umul128(L[RAX], H[RAX], b, bh);
      L[RAX] = W[0]; H[RAX] = W[1]; L[RDX] = W[2]; H[RDX] = W[3];
      ovf = signed ? (W[2] !== W[1] >> 31 || W[3] !== W[1] >> 31 ? 1 : 0) : (W[2] | W[3]) !== 0 ? 1 : 0;
      res(3, W[0], W[1], ovf | (ovf << 11));
      return 0;
    }
    const n = 8 << szi;
    const a = rget(RAX, sz);
    let lo: number;
    if (szi === 2) {
      lo = Math.imul(a, b);
      const hi = signed ? (umulhi(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0 : umulhi(a, b);
      ovf = signed ? (hi !== lo >> 31 ? 1 : 0) : hi !== 0 ? 1 : 0;
      L[RAX] = lo; H[RAX] = 0; L[RDX] = hi; H[RDX] = 0;
    } else {
      // 8 and 16 bits: the product is exact in a double
      const sa = signed ? (a << (32 - n)) >> (32 - n) : a, sb = signed ? (b << (32 - n)) >> (32 - n) : b;
      const p = sa * sb;
      lo = p & MASK[szi];
      const hi = (p >> n) & MASK[szi];
      ovf = signed ? ((p << (32 - n)) >> (32 - n) !== p ? 1 : 0) : hi !== 0 ? 1 : 0;
      if (szi === 0) rset(RAX, 2, p & 0xffff, 0);
      else { rset(RAX, 2, lo, 0); rset(RDX, 2, hi, 0); }
    }
    res(szi, lo, 0, ovf | (ovf << 11));
    return 0;
  };
}

/** div/idiv: #DE (and no change) on a zero divisor or a quotient that does not fit. */
function compileDiv(x: Exec, signed: boolean, o: Operand, sz: number): Op {
  const { L, H, T, FLT, get, rset } = x;
  const szi = sizeIndex(sz);
  return () => {
    const b = get(o, sz), bh = T[0];
    if (FLT.kind) return FLT.kind;
    if (szi === 3) {
      W[0] = L[RAX]; W[1] = H[RAX]; W[2] = L[RDX]; W[3] = H[RDX];
      if (!(signed ? idiv128(b, bh) : udiv128(b, bh))) return STOP_DE;
      L[RAX] = W[0]; H[RAX] = W[1]; L[RDX] = W[2]; H[RDX] = W[3];
      return 0;
    }
    if (szi === 2) {
      if (signed) {
        W[0] = L[RAX]; W[1] = L[RDX]; W[2] = W[3] = L[RDX] >> 31;
        if (!idiv128(b, b >> 31)) return STOP_DE;
        if (W[1] !== W[0] >> 31) return STOP_DE;
      } else {
        W[0] = L[RAX]; W[1] = L[RDX]; W[2] = W[3] = 0;
        if (!udiv128(b, 0)) return STOP_DE;
        if (W[1] !== 0) return STOP_DE;
      }
      L[RAX] = W[0]; H[RAX] = 0; L[RDX] = W[2]; H[RDX] = 0;
      return 0;
    }
    if (b === 0) return STOP_DE;
    const n = 8 << szi;
    let num: number, d = b;
    if (szi === 0) num = signed ? (L[RAX] << 16) >> 16 : L[RAX] & 0xffff;
    else num = signed ? ((L[RDX] << 16) | (L[RAX] & 0xffff)) : ((L[RDX] & 0xffff) * 65536 + (L[RAX] & 0xffff));
    if (signed) d = (b << (32 - n)) >> (32 - n);
    const q = Math.trunc(num / d), r = num - q * d;
    if (signed ? q < -(2 ** (n - 1)) || q >= 2 ** (n - 1) : q >= 2 ** n) return STOP_DE;
    if (szi === 0) rset(RAX, 2, (q & 0xff) | ((r & 0xff) << 8), 0);
    else { rset(RAX, 2, q, 0); rset(RDX, 2, r, 0); }
    return 0;
  };
}

/** imul r, r/m (, imm): the truncated product; CF = OF = it did not fit. */
function compileImul(x: Exec, insn: Insn): Op {
  const { H, T, FLT, get, rget, rset, res } = x;
  const sz = insn.osz, szi = sizeIndex(sz);
  const dr = (insn.ops[0] as RegOp).r, s = insn.ops[1], im = insn.ops[2];
  const three = im !== undefined;
  const ilo = three ? (im as { lo: number }).lo : 0, ihi = three ? (im as { hi: number }).hi : 0;
  return () => {
    const b = get(s, sz), bh = T[0];
    if (FLT.kind) return FLT.kind;
    const a = three ? ilo : rget(dr, sz), ah = three ? ihi : H[dr];
    let lo: number, hi = 0, ovf: number;
    if (szi === 3) {
      imul128(a, ah, b, bh);
      lo = W[0]; hi = W[1];
      ovf = W[2] !== W[1] >> 31 || W[3] !== W[1] >> 31 ? 1 : 0;
    } else if (szi === 2) {
      lo = Math.imul(a, b);
      const ph = (umulhi(a, b) - (a < 0 ? b : 0) - (b < 0 ? a : 0)) | 0;
      ovf = ph !== lo >> 31 ? 1 : 0;
    } else {
      const p = ((a << 16) >> 16) * ((b << 16) >> 16);
      lo = p & 0xffff;
      ovf = (p << 16) >> 16 !== p ? 1 : 0;
    }
    rset(dr, sz, lo, hi);
    res(szi, lo, hi, ovf | (ovf << 11));
    return 0;
  };
}

/**
 * imul r, r/m (, imm) at 32 and 64 bits with its flags unread: the low half
 * of the product, the high half from the 32x32 partial products (each split
 * so that a double holds it exactly).
 */
function translateImul(j: Jit, insn: Insn): string | null {
  const sz = insn.osz, d = insn.ops[0], s = insn.ops[1], im = insn.ops[2];
  if (j.flags || (sz !== 4 && sz !== 8) || d.k !== "r") return null;
  const src = j.src(s, sz, "mb");
  if (src === null) return null;
  const [pre, b, bh] = src;
  const [a, ah] = im !== undefined && im.k === "i" ? [`(${im.lo})`, `(${im.hi})`] : [j.l(d.r), j.h(d.r)];
  if (sz === 4) return `{${pre} const r = Math.imul(${a}, ${b}); ${j.rw(d.r, 4, "r", "0")}}`;
  return `{${pre} const x = ${a}, y = ${b}, p = (x >>> 0) * (y & 65535), q = (x >>> 0) * (y >>> 16);` +
    `const r = Math.imul(x, y), rh = (Math.floor((q + Math.floor(p / 65536)) / 65536) + Math.imul(x, ${bh}) + Math.imul(${ah}, y)) | 0; ` +
    `${j.rw(d.r, 8, "r", "rh")}}`;
}

// The block translator's one-operand mul/imul and div/idiv at 32 and 64 bits: compileMul's and
// compileDiv's arithmetic (W through MULDIV_W), the registers in the block's locals.
const MULDIV_W = jitHelper("MULDIV_W", W), UMULHI = jitHelper("UMULHI", umulhi);
const MUL128 = [jitHelper("UMUL128", umul128), jitHelper("IMUL128", imul128)], DIV128 = [jitHelper("UDIV128", udiv128), jitHelper("IDIV128", idiv128)];

/** mul/imul r/m: rdx:rax = rax times it; CF = OF = the high half is needed (the flags only when read). */
function translateMul(j: Jit, insn: Insn, signed: boolean): string | null {
  const sz = insn.osz, src = sz === 4 || sz === 8 ? j.src(insn.ops[0], sz, "mb") : null;
  if (src === null) return null;
  const [pre, b, bh] = src, al = j.l(RAX), ah = j.h(RAX), dl = j.l(RDX), dh = j.h(RDX);
  let code: string, ovf: string;
  if (sz === 8) {
    code = `${MUL128[+signed]}(${al}, ${ah}, ${b}, ${bh}); const lo = ${MULDIV_W}[0], w1 = ${MULDIV_W}[1], w2 = ${MULDIV_W}[2], w3 = ${MULDIV_W}[3]; ` +
      `${al} = lo; ${ah} = w1; ${dl} = w2; ${dh} = w3;`;
    ovf = signed ? "(w2 !== w1 >> 31 || w3 !== w1 >> 31 ? 1 : 0)" : "((w2 | w3) !== 0 ? 1 : 0)";
  } else {
    const hi = signed ? `(${UMULHI}(a, y) - (a < 0 ? y : 0) - (y < 0 ? a : 0)) | 0` : `${UMULHI}(a, y)`;
    code = `const a = ${al}, y = ${b}, lo = Math.imul(a, y), hi = ${hi}; ${al} = lo; ${ah} = 0; ${dl} = hi; ${dh} = 0;`;
    ovf = signed ? "(hi !== lo >> 31 ? 1 : 0)" : "(hi !== 0 ? 1 : 0)";
  }
  const flags = j.flags ? `const o = ${ovf}; F[0] = ${(K_RES << 2) | sizeIndex(sz)}; F[5] = lo; F[6] = ${sz === 8 ? "w1" : "0"}; F[7] = o | (o << 11);` : "";
  if (j.flags) j.known = -1;
  return `{${pre} ${code} ${flags}}`;
}

/** div/idiv r/m: rax, rdx = the quotient and remainder of rdx:rax by it; #DE (zero, or a quotient too wide) runs the Op. */
function translateDiv(j: Jit, insn: Insn, signed: boolean): string | null {
  const sz = insn.osz, src = sz === 4 || sz === 8 ? j.src(insn.ops[0], sz, "mb") : null;
  if (src === null) return null;
  const [pre, b, bh] = src, al = j.l(RAX), ah = j.h(RAX), dl = j.l(RDX), dh = j.h(RDX), w = MULDIV_W, div = DIV128[+signed];
  const fits = sz === 8 ? `${div}(${b}, ${bh})`
    : `${div}(${b}, ${signed ? `${b} >> 31` : "0"}) && ${w}[1] === ${signed ? `${w}[0] >> 31` : "0"}`;
  // the dividend: rdx:rax, or at 32 bits edx:eax widened to 128 bits; the quotient and remainder
  const dividend = sz === 8 ? [al, ah, dl, dh] : [al, dl, ...(signed ? [`${dl} >> 31`, `${dl} >> 31`] : ["0", "0"])];
  const result = sz === 8 ? [`${w}[0]`, `${w}[1]`, `${w}[2]`, `${w}[3]`] : [`${w}[0]`, "0", `${w}[2]`, "0"];
  return `{${pre} ${dividend.map((v, k) => `${w}[${k}] = ${v};`).join(" ")} ` +
    `if (${fits}) { ${[al, ah, dl, dh].map((r, k) => `${r} = ${result[k]};`).join(" ")} } else ${j.toOps()}}`;
}

define({
  name: "mul",
  enc: ["F6 /4: Eb", "F7 /4: Ev"],
  def: ALL_FLAGS,
  compile: (x, insn) => compileMul(x, false, insn.ops[0], insn.osz),
  translate: (j, insn) => translateMul(j, insn, false),
});
define({
  name: "imul",
  enc: ["F6 /5: Eb", "F7 /5: Ev", "0F AF /r: Gv,Ev", "69 /r: Gv,Ev,Iz", "6B /r: Gv,Ev,Ibs"],
  def: ALL_FLAGS,
  compile: (x, insn) => (insn.ops.length === 1 ? compileMul(x, true, insn.ops[0], insn.osz) : compileImul(x, insn)),
  translate: (j, insn) => (insn.ops.length === 1 ? translateMul(j, insn, true) : translateImul(j, insn)),
});
for (const signed of [false, true]) {
  define({
    name: signed ? "idiv" : "div",
    enc: [`F6 /${signed ? 7 : 6}: Eb`, `F7 /${signed ? 7 : 6}: Ev`],
    faults: true,
    compile: (x, insn) => compileDiv(x, signed, insn.ops[0], insn.osz),
    translate: (j, insn) => translateDiv(j, insn, signed),
  });
}
