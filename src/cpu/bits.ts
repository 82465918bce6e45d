// Shifts and bits: shl, shr, sar, rol, ror, rcl, rcr; shld, shrd; bt, bts,
// btr, btc; bsf, bsr, tzcnt, lzcnt, popcnt; bswap.

import { ALL_FLAGS, bit64, type Exec, MASK, msb, type Op, sizeIndex } from "./exec.js";
import { define, FEAT_LZCNT, FEAT_POPCNT, type Insn, type RegOp } from "./insn.js";
import type { Jit } from "./jit.js";
import { AF, CF, K_EXPL, K_RES, OF, PF, RCX, SF, ZF } from "./state.js";

/** The shift kinds, as the ModRM reg field of C0/C1/D0..D3 numbers them. */
const KINDS = ["rol", "ror", "rcl", "rcr", "shl", "shr", "", "sar"];

/** An immediate count masked to the operand size, or -1 for a count in cl. */
function immCount(insn: Insn, at: number): number {
  const c = insn.ops[at];
  return c.k === "i" ? c.lo & (insn.osz === 8 ? 63 : 31) : -1;
}

/**
 * kind: 0 rol, 1 ror, 2 rcl, 3 rcr, 4 shl, 5 shr, 7 sar; c = the count masked to 5 or 6 bits.
 * Returns the result (high half in T[0]) and sets the flags; c = 0 changes nothing.
 */
function shift(x: Exec, kind: number, szi: number, a: number, ah: number, c: number): number {
  const { T, res } = x;
  const n = 8 << szi;
  const mask = MASK[szi];
  if (szi < 3) ah = 0;
  let r = 0, rh = 0, cfv = 0, ofv = 0;
  switch (kind) {
    case 4: { // shl
      if (szi === 3) { r = x.shl64(a, ah, c); rh = T[0]; cfv = bit64(a, ah, 64 - c); }
      else { r = (a << c) & mask; cfv = c > n ? 0 : (a >>> (n - c)) & 1; }
      ofv = msb(szi, r, rh) ^ cfv;
      res(szi, r, rh, cfv | (ofv << 11));
      T[0] = rh;
      return r;
    }
    case 5: { // shr
      if (szi === 3) { r = x.shr64(a, ah, c); rh = T[0]; cfv = bit64(a, ah, c - 1); }
      else { r = (a >>> c) & mask; cfv = c > n ? 0 : (a >>> (c - 1)) & 1; }
      ofv = msb(szi, a, ah);
      res(szi, r, rh, cfv | (ofv << 11));
      T[0] = rh;
      return r;
    }
    case 7: { // sar
      if (szi === 3) { r = x.sar64(a, ah, c); rh = T[0]; cfv = bit64(a, ah, c - 1); }
      else {
        const s = (a << (32 - n)) >> (32 - n);
        r = (s >> Math.min(c, 31)) & mask;
        cfv = (s >> Math.min(c - 1, 31)) & 1;
      }
      res(szi, r, rh, cfv);
      T[0] = rh;
      return r;
    }
  }
  // rotates keep SF, ZF, PF and AF
  const old = x.arith();
  let cnt: number;
  if (kind === 2 || kind === 3) cnt = szi < 2 ? c % (n + 1) : c;
  else cnt = c % n;
  r = a; rh = ah;
  if (kind === 0 || kind === 1) {
    if (cnt !== 0) {
      const left = kind === 0 ? cnt : n - cnt;
      if (szi === 3) {
        const l = x.shl64(a, ah, left), lh = T[0];
        const rr = x.shr64(a, ah, 64 - left), rrh = T[0];
        r = l | rr; rh = lh | rrh;
      } else r = ((a << left) | (a >>> (n - left))) & mask;
    }
    if (kind === 0) { cfv = r & 1; ofv = msb(szi, r, rh) ^ cfv; }
    else { cfv = msb(szi, r, rh); ofv = cfv ^ (szi === 3 ? (rh >>> 30) & 1 : (r >>> (n - 2)) & 1); }
  } else {
    let carry = old & 1;
    ofv = kind === 3 ? msb(szi, a, ah) ^ carry : 0;
    for (let i = 0; i < cnt; i++) {
      if (kind === 2) {
        const out = msb(szi, r, rh);
        if (szi === 3) { rh = (rh << 1) | (r >>> 31); r = (r << 1) | carry; }
        else r = ((r << 1) | carry) & mask;
        carry = out;
      } else {
        const out = r & 1;
        if (szi === 3) { r = (r >>> 1) | (rh << 31); rh = (rh >>> 1) | (carry << 31); }
        else r = (r >>> 1) | (carry << (n - 1));
        carry = out;
      }
    }
    cfv = carry;
    if (kind === 2) ofv = msb(szi, r, rh) ^ cfv;
  }
  x.setArith((old & ~(CF | OF)) | cfv | (ofv << 11));
  T[0] = rh;
  return r;
}

/** Shifts and rotates of a 32/64-bit register by an immediate count (masked, nonzero). */
function fastShift(x: Exec, kind: number, d: number, c: number, sz: number, live: number): Op | null {
  const { L, H, T, shl64, shr64, res } = x;
  if (sz === 8) {
    if (live & ALL_FLAGS) {
      if (kind === 0 || kind === 1) {
        // a rotate keeps SF ZF PF AF: when none is read later, set only CF and OF
        if (live & (PF | AF | ZF | SF)) return null;
        const left = kind === 0 ? c : 64 - c;
        return kind === 0
          ? () => { const lo = L[d], hi = H[d]; const a = shl64(lo, hi, left), ah = T[0]; const b = shr64(lo, hi, 64 - left); const rl = a | b, rh = ah | T[0]; L[d] = rl; H[d] = rh; const cfv = rl & 1; res(3, rl, rh, cfv | ((cfv ^ (rh >>> 31)) << 11)); return 0; }
          : () => { const lo = L[d], hi = H[d]; const a = shl64(lo, hi, left), ah = T[0]; const b = shr64(lo, hi, 64 - left); const rl = a | b, rh = ah | T[0]; L[d] = rl; H[d] = rh; const cfv = rh >>> 31; res(3, rl, rh, cfv | ((cfv ^ ((rh >>> 30) & 1)) << 11)); return 0; };
      }
      return null;
    }
    switch (kind) {
      case 4: return c >= 32
        ? () => { H[d] = L[d] << (c - 32); L[d] = 0; return 0; }
        : () => { const lo = L[d]; H[d] = (H[d] << c) | (lo >>> (32 - c)); L[d] = lo << c; return 0; };
      case 5: return c >= 32
        ? () => { L[d] = H[d] >>> (c - 32); H[d] = 0; return 0; }
        : () => { const hi = H[d]; L[d] = (L[d] >>> c) | (hi << (32 - c)); H[d] = hi >>> c; return 0; };
      case 7: return c >= 32
        ? () => { const hi = H[d]; L[d] = hi >> (c - 32); H[d] = hi >> 31; return 0; }
        : () => { const hi = H[d]; L[d] = (L[d] >>> c) | (hi << (32 - c)); H[d] = hi >> c; return 0; };
      case 0: case 1: {
        const left = kind === 0 ? c : 64 - c;
        return () => { const lo = L[d], hi = H[d]; const a = shl64(lo, hi, left), ah = T[0]; const b = shr64(lo, hi, 64 - left); L[d] = a | b; H[d] = ah | T[0]; return 0; };
      }
    }
    return null;
  }
  if (live & ALL_FLAGS) {
    if ((kind === 0 || kind === 1) && !(live & (PF | AF | ZF | SF))) {
      const left = kind === 0 ? c : 32 - c;
      return kind === 0
        ? () => { const a = L[d], r = (a << left) | (a >>> (32 - left)); L[d] = r; H[d] = 0; const cfv = r & 1; res(2, r, 0, cfv | ((cfv ^ (r >>> 31)) << 11)); return 0; }
        : () => { const a = L[d], r = (a << left) | (a >>> (32 - left)); L[d] = r; H[d] = 0; const cfv = r >>> 31; res(2, r, 0, cfv | ((cfv ^ ((r >>> 30) & 1)) << 11)); return 0; };
    }
    return null;
  }
  switch (kind) {
    case 4: return () => { L[d] <<= c; H[d] = 0; return 0; };
    case 5: return () => { L[d] >>>= c; H[d] = 0; return 0; };
    case 7: return () => { L[d] >>= c; H[d] = 0; return 0; };
    case 0: case 1: {
      const left = kind === 0 ? c : 32 - c;
      return () => { const a = L[d]; L[d] = (a << left) | (a >>> (32 - left)); H[d] = 0; return 0; };
    }
  }
  return null;
}

function compileShift(x: Exec, kind: number, insn: Insn, live: number): Op {
  const { L, H, T, FLT, rget, rset, ea, ldw, stm } = x;
  const sz = insn.osz, szi = sizeIndex(sz), o0 = insn.ops[0];
  const cmask = sz === 8 ? 63 : 31;
  const cnt = immCount(insn, 1);
  if ((sz === 4 || sz === 8) && o0.k === "r" && cnt > 0 && kind !== 2 && kind !== 3) {
    const f = fastShift(x, kind, o0.r, cnt, sz, live);
    if (f !== null) return f;
  }
  if (o0.k === "m") return () => {
    const c = cnt >= 0 ? cnt : L[RCX] & cmask;
    ea(o0);
    const a = ldw(sz), ah = T[0];
    if (FLT.kind) return FLT.kind;
    if (c === 0) return 0;
    const r = shift(x, kind, szi, a, ah, c);
    stm(sz, r, T[0]);
    return 0;
  };
  const d = (o0 as RegOp).r;
  return () => {
    const c = cnt >= 0 ? cnt : L[RCX] & cmask;
    const a = rget(d, sz);
    if (c === 0) { if (sz === 4) H[d] = 0; return 0; }
    const r = shift(x, kind, szi, a, H[d], c);
    rset(d, sz, r, T[0]);
    return 0;
  };
}

function translateShift(j: Jit, kind: number, insn: Insn): string | null {
  const sz = insn.osz, o0 = insn.ops[0], o1 = insn.ops[1];
  // by cl: the descriptor cannot say the flags are written, so j.flags does not tell whether they are read
  if (o0.k === "r" && o1.k === "r" && kind >= 4 && (sz === 4 || sz === 8)) {
    return shiftBy(j, kind, sz, o0.r, `(${j.l(RCX)} & ${sz === 8 ? 63 : 31})`, (j.live & ALL_FLAGS) !== 0);
  }
  if (o0.k !== "r" || o1.k !== "i" || (sz !== 4 && sz !== 8)) return null;
  const c = o1.lo & (sz === 8 ? 63 : 31);
  if (c === 0) return null;
  const d = o0.r, l = j.l(d), h = j.h(d);
  const rot = kind === 0 || kind === 1, rol = kind === 0;
  if (j.flags && rot && j.live & (PF | AF | ZF | SF)) return null;
  if (j.flags && !rot) return shiftBy(j, kind, sz, d, String(c), true);
  if (sz === 4) {
    const left = rol ? c : 32 - c;
    if (rot) {
      const r = `{const a = ${l}, r = (a << ${left}) | (a >>> ${32 - left}); ${l} = r; ${h} = 0;`;
      if (!j.flags) return r + "}";
      j.known = -1;
      return r + (rol ? "const c = r & 1; res(2, r, 0, c | ((c ^ (r >>> 31)) << 11));}" : "const c = r >>> 31; res(2, r, 0, c | ((c ^ ((r >>> 30) & 1)) << 11));}");
    }
    const e = kind === 4 ? "<<" : kind === 5 ? ">>>" : ">>";
    return `${l} ${e}= ${c}; ${h} = 0;`;
  }
  if (rot) {
    const left = rol ? c : 64 - c;
    // a rotate by 32 or more swaps the halves, then rotates by the rest
    const [x, y, k] = left >= 32 ? ["hi", "lo", left - 32] : ["lo", "hi", left];
    const r = k === 0 ? `{const lo = ${l}, hi = ${h}; const rl = ${x}, rh = ${y}; ${l} = rl; ${h} = rh;`
      : `{const lo = ${l}, hi = ${h}; const rl = (${x} << ${k}) | (${y} >>> ${32 - k}), rh = (${y} << ${k}) | (${x} >>> ${32 - k}); ${l} = rl; ${h} = rh;`;
    if (!j.flags) return r + "}";
    j.known = -1;
    return r + (rol ? "const c = rl & 1; res(3, rl, rh, c | ((c ^ (rh >>> 31)) << 11));}" : "const c = rh >>> 31; res(3, rl, rh, c | ((c ^ ((rh >>> 30) & 1)) << 11));}");
  }
  if (kind === 4) return c >= 32 ? `${h} = ${l} << ${c - 32}; ${l} = 0;` : `${h} = (${h} << ${c}) | (${l} >>> ${32 - c}); ${l} <<= ${c};`;
  if (kind === 5) return c >= 32 ? `${l} = ${h} >>> ${c - 32}; ${h} = 0;` : `${l} = (${l} >>> ${c}) | (${h} << ${32 - c}); ${h} >>>= ${c};`;
  return c >= 32 ? `${l} = ${h} >> ${c - 32}; ${h} >>= 31;` : `${l} = (${l} >>> ${c}) | (${h} << ${32 - c}); ${h} >>= ${c};`;
}

/**
 * shl, shr or sar of a 32- or 64-bit register by `count` (an expression: an immediate's, or cl's), for the
 * block. A count of 0 changes no flag (and the 32-bit form still zeroes the high half); any other sets
 * them, when `flags`, as the Op does: the result's kind (K_RES) with CF, and OF (shl: the result's top
 * bit xor CF; shr: the operand's top bit; sar: 0) in the flag slots.
 */
function shiftBy(j: Jit, kind: number, sz: number, d: number, count: string, flags: boolean): string {
  const l = j.l(d), h = j.h(d);
  const e = kind === 4 ? "<<" : kind === 5 ? ">>>" : ">>";
  /** Bit b (a runtime expression, 0..63) of the operand (a, ah). */
  const bit = (b: string): string => `((${b}) >= 32 ? (ah >>> ((${b}) - 32)) & 1 : (a >>> (${b})) & 1)`;
  let shifted: string, cf: string, of: string;
  if (sz === 4) {
    shifted = `rl = a ${e} c;`;
    cf = kind === 4 ? bit("32 - c") : bit("c - 1");
    of = kind === 4 ? "((rl >>> 31) ^ cf)" : kind === 5 ? "(a >>> 31)" : "0";
  } else {
    shifted = kind === 4 ? "if (c < 32) { rh = (ah << c) | (a >>> (32 - c)); rl = a << c; } else { rh = a << (c - 32); rl = 0; }"
      : kind === 5 ? "if (c < 32) { rl = (a >>> c) | (ah << (32 - c)); rh = ah >>> c; } else { rl = ah >>> (c - 32); rh = 0; }"
        : "if (c < 32) { rl = (a >>> c) | (ah << (32 - c)); rh = ah >> c; } else { rl = ah >> (c - 32); rh = ah >> 31; }";
    cf = kind === 4 ? bit("64 - c") : bit("c - 1");
    of = kind === 4 ? "((rh >>> 31) ^ cf)" : kind === 5 ? "(ah >>> 31)" : "0";
  }
  if (flags) j.known = -1;
  return `{const c = ${count}; if (c !== 0) { const a = ${l}, ah = ${h}; let rl = 0, rh = 0; ${shifted} ` +
    (flags ? `const cf = ${cf}; F[0] = ${(K_RES << 2) | (sz === 8 ? 3 : 2)}; F[5] = rl; F[6] = rh; F[7] = cf | (${of} << 11); ` : "") +
    `${l} = rl; ${h} = rh; }${sz === 4 ? ` else ${h} = 0;` : ""}}`;
}

KINDS.forEach((name, kind) => {
  if (name === "") return;
  const rot = kind < 4, carry = kind === 2 || kind === 3;
  define({
    name,
    enc: [`C0 /${kind}: Eb,Ib`, `C1 /${kind}: Ev,Ib`, `D0 /${kind}: Eb,1`, `D1 /${kind}: Ev,1`, `D2 /${kind}: Eb,CL`, `D3 /${kind}: Ev,CL`],
    // a count of 0 (or one in cl, unknown here) writes no flag for sure
    flags: (insn) => (carry ? CF : 0) | ((immCount(insn, 1) > 0 ? (rot ? CF | OF : ALL_FLAGS) : 0) << 16),
    compile: (x, insn, _ip, live) => compileShift(x, kind, insn, live),
    translate: carry ? undefined : (j, insn) => translateShift(j, kind, insn),
  });
});

/** shld/shrd: the destination shifted, filled from the source register. */
function compileShxd(x: Exec, left: boolean, insn: Insn): Op {
  const { L, H, T, FLT, rget, rset, ea, ldw, stm, res, shl64, shr64 } = x;
  const sz = insn.osz, szi = sizeIndex(sz), d = insn.ops[0], g = (insn.ops[1] as RegOp).r;
  const cmask = sz === 8 ? 63 : 31;
  const cnt = immCount(insn, 2);
  const f = (a: number, ah: number, cn: number): number => {
    const b = rget(g, sz), bh = H[g];
    let r: number, rh = 0, cfv: number;
    if (szi === 3) {
      if (left) {
        r = shl64(a, ah, cn); rh = T[0];
        const y = shr64(b, bh, 64 - cn); r |= y; rh |= T[0];
        cfv = bit64(a, ah, 64 - cn);
      } else {
        r = shr64(a, ah, cn); rh = T[0];
        const y = shl64(b, bh, 64 - cn); r |= y; rh |= T[0];
        cfv = bit64(a, ah, cn - 1);
      }
    } else if (szi === 2) {
      r = left ? (a << cn) | (b >>> (32 - cn)) : (a >>> cn) | (b << (32 - cn));
      cfv = left ? (a >>> (32 - cn)) & 1 : (a >>> (cn - 1)) & 1;
    } else {
      // 16 bits: shift the 32-bit concatenation (counts above 16 are undefined on hardware)
      const cat = left ? ((a << 16) | b) >>> 0 : ((b << 16) | a) >>> 0;
      if (left) { r = (cn >= 32 ? 0 : (cat << cn) >>> 16) & 0xffff; cfv = (cat >>> (32 - cn)) & 1; }
      else { r = (cat >>> cn) & 0xffff; cfv = (cat >>> (cn - 1)) & 1; }
    }
    const o = msb(szi, r, rh) ^ msb(szi, a, ah);
    res(szi, r, rh, cfv | (o << 11));
    T[0] = rh;
    return r;
  };
  if (d.k === "m") return () => {
    const cn = cnt >= 0 ? cnt : L[RCX] & cmask;
    ea(d);
    const a = ldw(sz), ah = T[0];
    if (FLT.kind) return FLT.kind;
    if (cn === 0) return 0;
    const r = f(a, ah, cn);
    stm(sz, r, T[0]);
    return 0;
  };
  const dr = (d as RegOp).r;
  return () => {
    const cn = cnt >= 0 ? cnt : L[RCX] & cmask;
    if (cn === 0) { if (sz === 4) H[dr] = 0; return 0; }
    const r = f(rget(dr, sz), H[dr], cn);
    rset(dr, sz, r, T[0]);
    return 0;
  };
}

for (const left of [true, false]) {
  const o = left ? 0xa4 : 0xac;
  define({
    name: left ? "shld" : "shrd",
    enc: [`0F ${o.toString(16).toUpperCase()} /r: Ev,Gv,Ib`, `0F ${(o + 1).toString(16).toUpperCase()} /r: Ev,Gv,CL`],
    flags: (insn) => (immCount(insn, 2) > 0 ? ALL_FLAGS : 0) << 16,
    compile: (x, insn) => compileShxd(x, left, insn),
    translate: (j, insn) => translateShxd(j, left, insn),
  });
}

/**
 * shld/shrd of a 32- or 64-bit register by an immediate count or by cl, for the block (shxdBy).
 * The descriptor says it writes the flags only for an immediate count: for cl, j.flags does not tell.
 */
function translateShxd(j: Jit, left: boolean, insn: Insn): string | null {
  const sz = insn.osz, d = insn.ops[0], g = (insn.ops[1] as RegOp).r, c = immCount(insn, 2);
  if (d.k !== "r" || (sz !== 4 && sz !== 8)) return null;
  if (insn.ops[2].k === "r") return shxdBy(j, left, sz, d.r, g, `(${j.l(RCX)} & ${sz === 8 ? 63 : 31})`, (j.live & ALL_FLAGS) !== 0);
  return c > 0 ? shxdBy(j, left, sz, d.r, g, String(c), j.flags) : null;
}

/**
 * shld/shrd of a 32- or 64-bit register by `count` (an expression): the destination (a) and the source (b)
 * as one double-width value shifted (below 32, 32, above), CF the last bit shifted out, OF whether the sign
 * changed, as the Op sets them (when `flags`). A count of 0 changes no flag (the 32-bit form zeroes the high half).
 */
function shxdBy(j: Jit, left: boolean, sz: number, d: number, g: number, count: string, flags: boolean): string {
  const al = j.l(d), ah = j.h(d), bl = j.l(g), bh = j.h(g);
  const fun = (x: string, y: string, n: string): string => left ? `((${x} << ${n}) | (${y} >>> (32 - ${n})))` : `((${x} >>> ${n}) | (${y} << (32 - ${n})))`;
  let words: string, cf: string;
  if (sz === 4) {
    words = `rl = ${fun(al, bl, "c")};`;
    cf = left ? `(${al} >>> (32 - c)) & 1` : `(${al} >>> (c - 1)) & 1`;
  } else if (left) {
    words = `if (c < 32) { rh = ${fun(ah, al, "c")}; rl = ${fun(al, bh, "c")}; } else if (c === 32) { rh = ${al}; rl = ${bh}; } ` +
      `else { rh = ${fun(al, bh, "(c - 32)")}; rl = ${fun(bh, bl, "(c - 32)")}; }`;
    cf = `(c <= 32 ? ${ah} >>> (32 - c) : ${al} >>> (64 - c)) & 1`;
  } else {
    words = `if (c < 32) { rl = ${fun(al, ah, "c")}; rh = ${fun(ah, bl, "c")}; } else if (c === 32) { rl = ${ah}; rh = ${bl}; } ` +
      `else { rl = ${fun(ah, bl, "(c - 32)")}; rh = ${fun(bl, bh, "(c - 32)")}; }`;
    cf = `(c <= 32 ? ${al} >>> (c - 1) : ${ah} >>> (c - 33)) & 1`;
  }
  if (flags) j.known = -1;
  const sign = sz === 4 ? `((rl ^ ${al}) >>> 31)` : `((rh ^ ${ah}) >>> 31)`;
  return `{const c = ${count}; if (c !== 0) { let rl = 0, rh = 0; ${words} ` +
    (flags ? `F[0] = ${(K_RES << 2) | sizeIndex(sz)}; F[5] = rl; F[6] = rh; F[7] = (${cf}) | (${sign} << 11); ` : "") +
    `${al} = rl; ${ah} = rh; }${sz === 4 ? ` else ${ah} = 0;` : ""}}`;
}

/** bt/bts/btr/btc (kind 0..3). A register bit offset into memory may reach past the operand. */
function compileBt(x: Exec, kind: number, insn: Insn): Op {
  const { H, EA, FLT, mmu, rget, rset, ea } = x;
  const sz = insn.osz, d = insn.ops[0], s = insn.ops[1];
  const bits = sz * 8;
  const apply = (v: number, b: number): number => (kind === 1 ? v | (1 << b) : kind === 2 ? v & ~(1 << b) : kind === 3 ? v ^ (1 << b) : v);
  const setCf = (c: number): void => x.setArith((x.arith() & ~CF) | c);
  if (d.k === "m") return () => {
    let olo: number, ohi: number;
    if (s.k === "i") { olo = s.lo & (bits - 1); ohi = 0; }
    else {
      olo = rget((s as RegOp).r, sz); ohi = H[(s as RegOp).r];
      if (sz === 2) { olo = (olo << 16) >> 16; ohi = olo >> 31; }
      else if (sz === 4) ohi = olo >> 31;
    }
    // byte address = EA + (offset >> 3), bit = offset & 7
    ea(d);
    const blo = (olo >>> 3) | (ohi << 29), bhi = ohi >> 3;
    const s1 = (EA[0] >>> 0) + (blo >>> 0);
    const alo = s1 | 0, ahi = (EA[1] + bhi + (s1 > 0xffffffff ? 1 : 0)) | 0;
    const bit = olo & 7;
    const v = kind === 0 ? mmu.ld8(alo, ahi) : mmu.ld8w(alo, ahi);
    if (FLT.kind) return FLT.kind;
    if (kind !== 0) mmu.st8(alo, ahi, apply(v, bit));
    setCf((v >> bit) & 1);
    return 0;
  };
  const dr = (d as RegOp).r;
  return () => {
    const off = (s.k === "i" ? s.lo : rget((s as RegOp).r, sz)) & (bits - 1);
    if (sz === 8 && off >= 32) {
      const c = (H[dr] >>> (off - 32)) & 1;
      H[dr] = apply(H[dr], off - 32);
      setCf(c);
      return 0;
    }
    const v = rget(dr, sz);
    const c = (v >>> off) & 1;
    if (kind !== 0) rset(dr, sz, apply(v, off), H[dr]);
    setCf(c);
    return 0;
  };
}

["bt", "bts", "btr", "btc"].forEach((name, kind) => {
  define({
    name,
    enc: [`0F ${(0xa3 + kind * 8).toString(16).toUpperCase()} /r: Ev,Gv`, `0F BA /${4 + kind}: Ev,Ib`],
    def: CF,
    lock: kind !== 0,
    compile: (x, insn) => compileBt(x, kind, insn),
    translate: kind === 0 ? translateBt : undefined,
  });
});

/** bt of a register by a register or an immediate: CF is the bit, the other flags kept (arith()). */
function translateBt(j: Jit, insn: Insn): string | null {
  const sz = insn.osz, d = insn.ops[0], s = insn.ops[1], bits = sz * 8;
  if (d.k !== "r" || (s.k !== "r" && s.k !== "i")) return null;
  if (!j.flags) return "";
  const off = s.k === "i" ? String(s.lo & (bits - 1)) : `(${j.rv(s.r, sz)} & ${bits - 1})`;
  const bit = sz === 8 ? `(o >= 32 ? ${j.h(d.r)} >>> (o - 32) : ${j.l(d.r)} >>> o) & 1` : `(${j.rv(d.r, sz)} >>> o) & 1`;
  j.known = K_EXPL << 2;
  return `{const o = ${off}; F[7] = (arith() & ~${CF}) | (${bit}); F[0] = ${K_EXPL << 2};}`;
}

/** bsf, bsr, tzcnt, lzcnt, popcnt. */
function compileBitScan(x: Exec, op: string, insn: Insn): Op {
  const { T, FLT, rset, get, arith, setArith } = x;
  const sz = insn.osz, szi = sizeIndex(sz), dr = (insn.ops[0] as RegOp).r, s = insn.ops[1];
  const bits = sz * 8;
  return () => {
    const v = get(s, sz), vh = szi === 3 ? T[0] : 0;
    if (FLT.kind) return FLT.kind;
    const zero = (v | vh) === 0;
    let r = 0;
    const tz = (): number => (v !== 0 ? 31 - Math.clz32(v & -v) : 32 + (31 - Math.clz32(vh & -vh)));
    const lz = (): number => (szi === 3 ? (vh !== 0 ? Math.clz32(vh) : 32 + Math.clz32(v)) : Math.clz32(v) - (32 - bits));
    switch (op) {
      case "bsf": case "bsr":
        // a zero source sets ZF and leaves the destination as it was
        if (!zero) rset(dr, sz, op === "bsf" ? tz() : bits - 1 - lz(), 0);
        setArith((arith() & ~ZF) | (zero ? ZF : 0));
        return 0;
      case "tzcnt": r = zero ? bits : tz(); break;
      case "lzcnt": r = zero ? bits : lz(); break;
      default: { // popcnt
        let y = v, c = 0;
        for (; y !== 0; y &= y - 1) c++;
        for (y = vh; y !== 0; y &= y - 1) c++;
        rset(dr, sz, c, 0);
        setArith(zero ? ZF : 0);
        return 0;
      }
    }
    rset(dr, sz, r, 0);
    setArith((arith() & ~(CF | ZF)) | (zero ? CF : 0) | (r === 0 ? ZF : 0));
    return 0;
  };
}

/**
 * The bit scans for the block translator, at 32 and 64 bits: tzcnt and bsf (the lowest set bit's index), lzcnt and
 * bsr (from the highest); tzcnt and lzcnt give the width when no bit is set, bsf and bsr keep the destination then;
 * the flags as the Op sets them, the rest kept (arith()).
 */
function translateScan(j: Jit, op: string, insn: Insn): string | null {
  const sz = insn.osz, d = (insn.ops[0] as RegOp).r, s = insn.ops[1];
  const src = sz === 2 ? null : j.src(s, sz, "v");
  if (src === null) return null;
  const [pre, v, vh] = src;
  const low = (w: string, add: number): string => `${31 + add} - Math.clz32(${w} & -${w})`;
  // the leading zeros (Math.clz32(0) is 32: the width when no bit is set)
  const lz = sz === 8 ? `(${vh} !== 0 ? Math.clz32(${vh}) : 32 + Math.clz32(${v}))` : `Math.clz32(${v})`;
  const index = op === "lzcnt" ? lz : op === "bsr" ? `${sz * 8 - 1} - ${lz}`
    : sz === 8 ? `${v} !== 0 ? ${low(v, 0)} : ${vh} !== 0 ? ${low(vh, 32)} : 64` : `${v} !== 0 ? ${low(v, 0)} : 32`;
  const zero = sz === 8 ? `(${v} | ${vh}) === 0` : `${v} === 0`;
  const counts = op === "tzcnt" || op === "lzcnt";
  let code = `{${pre} const z = ${zero}, r = ${index};`;
  if (counts) code += ` ${j.rw(d, sz, "r", "0")}`;
  else code += ` if (!z) {${j.rw(d, sz, "r", "0")}}`;
  if (!j.flags) return code + "}";
  j.known = K_EXPL << 2;
  const flags = counts ? `(arith() & ~${CF | ZF}) | (z ? ${CF} : 0) | (r === 0 ? ${ZF} : 0)` : `(arith() & ~${ZF}) | (z ? ${ZF} : 0)`;
  return code + ` F[7] = ${flags}; F[0] = ${K_EXPL << 2};}`;
}

for (const [name, enc, def, feature] of [
  ["bsf", "0F BC /r: Gv,Ev", ZF, undefined],
  ["bsr", "0F BD /r: Gv,Ev", ZF, undefined],
  ["tzcnt", "F3 0F BC /r: Gv,Ev", CF | ZF, undefined],
  ["lzcnt", "F3 0F BD /r: Gv,Ev", CF | ZF, FEAT_LZCNT],
  ["popcnt", "F3 0F B8 /r: Gv,Ev", ALL_FLAGS, FEAT_POPCNT],
] as const) {
  define({
    name, enc: [enc], def, feature, compile: (x, insn) => compileBitScan(x, name, insn),
    translate: name === "popcnt" ? undefined : (j, insn) => translateScan(j, name, insn),
  });
}

/** The four bytes of v in the other order (bswap, movbe). */
export const bswap32 = (v: number): number => ((v >>> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)) | 0;

define({
  name: "bswap",
  enc: ["0F C8+r no16: Zv"],
  compile: (x, insn) => {
    const { L, H } = x;
    const r = (insn.ops[0] as RegOp).r;
    const bs = bswap32;
    if (insn.osz === 8) return () => { const lo = L[r]; L[r] = bs(H[r]); H[r] = bs(lo); return 0; };
    return () => { L[r] = bs(L[r]); H[r] = 0; return 0; };
  },
});
