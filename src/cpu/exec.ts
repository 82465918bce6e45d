// Instruction semantics: each decoded Insn is compiled once into a closure
// (an Op) that the block runner calls. An Op returns 0 to go on, or a stop
// code. A faulting Op returns before it changes any architectural state:
// loads (and the write-intent loads of read-modify-write) come first, then
// the stores, and registers, flags and rsp change only after every memory
// access has succeeded.

import type { Insn, MemOp, Operand, RegOp } from "./decode.js";
import { SEG_FS, SEG_GS } from "./decode.js";
import type { JitEnv } from "./jit.js";
import { createSse } from "./sse.js";
import { X87Bytes } from "./sse_state.js";
import { FAULT_GP, FAULT_PF, type Mmu } from "./mmu.js";
import {
  AF, CF, type CpuState, FLAGS_ARITH, K_ADC, K_ADD, K_EXPL, K_LOGIC, K_RES, K_SBB, K_SUB, OF, RAX, RBP, RBX, RCX, RDI, RDX, RSI, RSP, R11, PF, SF, ZF,
} from "./state.js";

export type Op = () => number;

/** Stop codes. PAGE_FAULT and GP equal the Mmu's fault kinds, so an Op can return fault.kind. */
export const STOP_PAGE_FAULT = FAULT_PF;
export const STOP_GP = FAULT_GP;
export const STOP_UD = 3;
export const STOP_DE = 4;
export const STOP_BP = 5;
export const STOP_SYSCALL = 6;

const TWO32 = 4294967296;
const MASK = [0xff, 0xffff, -1, -1];
const MSB_SHIFT = [7, 15, 31, 31];
const SZI: Record<number, number> = { 1: 0, 2: 1, 4: 2, 8: 3 };
const GRP1_KIND: Record<string, number> = { add: 0, or: 1, adc: 2, sbb: 3, and: 4, sub: 5, xor: 6, cmp: 7, test: 8 };

/** PARITY[b] = PF for a result whose low byte is b (even number of set bits). */
const PARITY = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  let n = 0;
  for (let x = b; x; x >>= 1) n += x & 1;
  PARITY[b] = n & 1 ? 0 : 1;
}

/** Instructions after which a block ends (they set rip, or stop for the kernel). */
export function endsBlock(insn: Insn): boolean {
  const o = insn.op;
  return (o[0] === "j" || o === "call" || o === "ret" || o === "syscall" || o === "int3" || o === "ud" || o === "hlt");
}

const ALL_FLAGS = FLAGS_ARITH;
/** Flags read by condition code cc. */
const CC_USE = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];

/**
 * The arithmetic flags an instruction reads (use) and surely writes (def), for
 * the liveness pass that lets a block skip flags nobody reads. An instruction
 * that may fault reads them all: at a fault, RFLAGS must be exact.
 * @return use | def << 16
 */
export function flagEffects(insn: Insn): number {
  const o = insn.op;
  let use = 0, def = 0;
  const countOp = insn.ops[o === "shld" || o === "shrd" ? 2 : 1];
  const count = countOp?.k === "i" ? countOp.lo & (insn.osz === 8 ? 63 : 31) : 0;
  switch (o) {
    case "add": case "sub": case "cmp": case "and": case "or": case "xor": case "test": case "neg":
    case "mul": case "imul": case "xadd": case "cmpxchg": case "popcnt": case "popfq": def = ALL_FLAGS; break;
    case "adc": case "sbb": use = CF; def = ALL_FLAGS; break;
    case "inc": case "dec": def = ALL_FLAGS & ~CF; break;
    case "shl": case "shr": case "sar": case "shld": case "shrd": def = count ? ALL_FLAGS : 0; break;
    case "rol": case "ror": def = count ? CF | OF : 0; break;
    case "rcl": case "rcr": use = CF; def = count ? CF | OF : 0; break;
    case "bt": case "bts": case "btr": case "btc": case "clc": case "stc": def = CF; break;
    case "cmc": use = CF; def = CF; break;
    case "bsf": case "bsr": def = ZF; break;
    case "tzcnt": case "lzcnt": def = CF | ZF; break;
    case "pushfq": case "syscall": use = ALL_FLAGS; break;
    default:
      if (o.startsWith("j") || o.startsWith("set") || o.startsWith("cmov")) use = o === "jmp" ? 0 : CC_USE[insn.cc];
  }
  const mem = insn.ops.some((x) => x.k === "m") && o !== "lea" && o !== "nop";
  const stack = o === "push" || o === "pop" || o === "call" || o === "ret" || o === "leave" || o === "pushfq" || o === "popfq";
  if (mem || stack || o === "div" || o === "idiv" || o === "ud" || o === "hlt" || o === "int3" || /^(movs|stos)/.test(o)) use = ALL_FLAGS;
  return use | (def << 16);
}

export interface Executor {
  /** `live`: the flags that a later instruction may read (all, when unknown). */
  compile(insn: Insn, ip: number, live?: number): Op;
  /** RFLAGS as the guest sees it (arithmetic flags, DF, IF and the reserved bit 1). */
  rflags(): number;
  setRflags(w: number): void;
  /** The state and helpers that translated blocks use (jit.ts). */
  jitEnv: JitEnv;
}

export function createExecutor(st: CpuState, mmu: Mmu): Executor {
  const L = st.L, H = st.H, F = st.F, RIP = st.rip, SEG = st.seg, MISC = st.misc;
  const FLT = mmu.fault;
  /** The effective address of the current memory operand. */
  const EA = new Int32Array(2);
  /** T[0]: the high half of a 64-bit result. W: a 128-bit product or dividend. */
  const T = new Int32Array(2);
  const W = new Int32Array(4);

  // ---- lazy flags ----
  function ltu(op: number, alo: number, ahi: number, blo: number, bhi: number): number {
    if ((op & 3) === 3 && ahi !== bhi) return ahi >>> 0 < bhi >>> 0 ? 1 : 0;
    return alo >>> 0 < blo >>> 0 ? 1 : 0;
  }
  function leu(op: number, alo: number, ahi: number, blo: number, bhi: number): number {
    if ((op & 3) === 3 && ahi !== bhi) return ahi >>> 0 < bhi >>> 0 ? 1 : 0;
    return alo >>> 0 <= blo >>> 0 ? 1 : 0;
  }
  function cf(): number {
    const op = F[0];
    switch (op >> 2) {
      case K_ADD: return ltu(op, F[5], F[6], F[1], F[2]);
      case K_ADC: return leu(op, F[5], F[6], F[1], F[2]);
      case K_SUB: return ltu(op, F[1], F[2], F[3], F[4]);
      case K_SBB: return leu(op, F[1], F[2], F[3], F[4]);
      case K_LOGIC: return 0;
      default: return F[7] & 1;
    }
  }
  function zf(): number {
    const op = F[0];
    if (op >> 2 === K_EXPL) return (F[7] >> 6) & 1;
    return ((op & 3) === 3 ? F[5] | F[6] : F[5]) === 0 ? 1 : 0;
  }
  function sf(): number {
    const op = F[0];
    if (op >> 2 === K_EXPL) return (F[7] >> 7) & 1;
    return (op & 3) === 3 ? F[6] >>> 31 : (F[5] >>> MSB_SHIFT[op & 3]) & 1;
  }
  function pf(): number {
    if (F[0] >> 2 === K_EXPL) return (F[7] >> 2) & 1;
    return PARITY[F[5] & 0xff];
  }
  function of(): number {
    const op = F[0];
    const k = op >> 2;
    let v: number;
    if (k === K_ADD || k === K_ADC) v = (op & 3) === 3 ? (F[2] ^ F[6]) & (F[4] ^ F[6]) : (F[1] ^ F[5]) & (F[3] ^ F[5]);
    else if (k === K_SUB || k === K_SBB) v = (op & 3) === 3 ? (F[2] ^ F[4]) & (F[2] ^ F[6]) : (F[1] ^ F[3]) & (F[1] ^ F[5]);
    else if (k === K_LOGIC) return 0;
    else return (F[7] >> 11) & 1;
    return (v >>> MSB_SHIFT[op & 3]) & 1;
  }
  function af(): number {
    const k = F[0] >> 2;
    if (k >= K_ADD && k <= K_SBB) return ((F[1] ^ F[3] ^ F[5]) >> 4) & 1;
    if (k === K_LOGIC) return 0;
    return (F[7] >> 4) & 1;
  }
  function arith(): number {
    if (F[0] >> 2 === K_EXPL) return F[7];
    return cf() | (pf() << 2) | (af() << 4) | (zf() << 6) | (sf() << 7) | (of() << 11);
  }
  function setArith(w: number): void {
    F[0] = K_EXPL << 2;
    F[7] = w & FLAGS_ARITH;
  }
  /** Condition code cc (0..15, the low nibble of jcc/setcc/cmovcc). */
  function test(cc: number): boolean {
    const op = F[0];
    // cmp/sub and test/and at 32 and 64 bits decide most branches without the flags
    if (op === ((K_SUB << 2) | 2)) {
      const a = F[1], b = F[3];
      switch (cc) {
        case 2: return a >>> 0 < b >>> 0;
        case 3: return a >>> 0 >= b >>> 0;
        case 4: return a === b;
        case 5: return a !== b;
        case 6: return a >>> 0 <= b >>> 0;
        case 7: return a >>> 0 > b >>> 0;
        case 12: return a < b;
        case 13: return a >= b;
        case 14: return a <= b;
        case 15: return a > b;
      }
    } else if (op === ((K_LOGIC << 2) | 2) || op === ((K_LOGIC << 2) | 3)) {
      const r = op & 1 ? F[6] : F[5];
      const z = (F[5] | (op & 1 ? F[6] : 0)) === 0;
      switch (cc) {
        case 4: return z;
        case 5: return !z;
        case 8: return r < 0;
        case 9: return r >= 0;
      }
    }
    let v: number;
    switch (cc >> 1) {
      case 0: v = of(); break;
      case 1: v = cf(); break;
      case 2: v = zf(); break;
      case 3: v = cf() | zf(); break;
      case 4: v = sf(); break;
      case 5: v = pf(); break;
      case 6: v = sf() ^ of(); break;
      default: v = zf() | (sf() ^ of());
    }
    return (v ^ (cc & 1)) !== 0;
  }

  // ---- ALU cores: return the result's low half, leave the high half in T[0], set the flags ----
  function add(szi: number, alo: number, ahi: number, blo: number, bhi: number, c: number): number {
    let r: number, rh = 0;
    if (szi === 3) {
      const s = (alo >>> 0) + (blo >>> 0) + c;
      r = s | 0;
      rh = (ahi + bhi + (s > 0xffffffff ? 1 : 0)) | 0;
    } else r = (alo + blo + c) & MASK[szi];
    F[0] = ((c ? K_ADC : K_ADD) << 2) | szi;
    F[1] = alo; F[2] = ahi; F[3] = blo; F[4] = bhi; F[5] = r; F[6] = rh;
    T[0] = rh;
    return r;
  }
  function sub(szi: number, alo: number, ahi: number, blo: number, bhi: number, c: number): number {
    let r: number, rh = 0;
    if (szi === 3) {
      const s = (alo >>> 0) - (blo >>> 0) - c;
      r = s | 0;
      rh = (ahi - bhi - (s < 0 ? 1 : 0)) | 0;
    } else r = (alo - blo - c) & MASK[szi];
    F[0] = ((c ? K_SBB : K_SUB) << 2) | szi;
    F[1] = alo; F[2] = ahi; F[3] = blo; F[4] = bhi; F[5] = r; F[6] = rh;
    T[0] = rh;
    return r;
  }
  function logic(szi: number, r: number, rh: number): number {
    F[0] = (K_LOGIC << 2) | szi;
    F[5] = r; F[6] = rh;
    T[0] = rh;
    return r;
  }
  /** Sets ZF/SF/PF from r (at size szi) and CF, OF, AF from the explicit bits. */
  function res(szi: number, r: number, rh: number, bits: number): void {
    F[0] = (K_RES << 2) | szi;
    F[5] = r; F[6] = rh; F[7] = bits;
  }
  function alu(k: number, szi: number, alo: number, ahi: number, blo: number, bhi: number): number {
    switch (k) {
      case 0: return add(szi, alo, ahi, blo, bhi, 0);
      case 1: return logic(szi, alo | blo, szi === 3 ? ahi | bhi : 0);
      case 2: return add(szi, alo, ahi, blo, bhi, cf());
      case 3: return sub(szi, alo, ahi, blo, bhi, cf());
      case 4: case 8: return logic(szi, alo & blo, szi === 3 ? ahi & bhi : 0);
      case 6: return logic(szi, alo ^ blo, szi === 3 ? ahi ^ bhi : 0);
      default: return sub(szi, alo, ahi, blo, bhi, 0);
    }
  }

  // ---- registers ----
  /** Value of register r at size sz: zero-extended for 8/16 bits, the low half for 32/64. */
  function rget(r: number, sz: number): number {
    if (sz >= 4) return L[r];
    if (sz === 2) return L[r] & 0xffff;
    return r < 16 ? L[r] & 0xff : (L[r - 16] >> 8) & 0xff;
  }
  /** Writes at size sz: 32-bit writes zero the high half, 8/16-bit ones merge. */
  function rset(r: number, sz: number, lo: number, hi: number): void {
    if (sz === 8) { L[r] = lo; H[r] = hi; }
    else if (sz === 4) { L[r] = lo; H[r] = 0; }
    else if (sz === 2) L[r] = (L[r] & ~0xffff) | (lo & 0xffff);
    else if (r < 16) L[r] = (L[r] & ~0xff) | (lo & 0xff);
    else L[r - 16] = (L[r - 16] & ~0xff00) | ((lo & 0xff) << 8);
  }
  /** Adds a small signed delta to a 64-bit register. */
  function addReg(r: number, d: number): void {
    const s = (L[r] >>> 0) + d;
    L[r] = s | 0;
    if (s > 0xffffffff) H[r] = (H[r] + 1) | 0;
    else if (s < 0) H[r] = (H[r] - 1) | 0;
  }
  function ripOf(lo: number, hi: number): number {
    return hi * TWO32 + (lo >>> 0);
  }
  /** A jump target must be canonical (else #GP); the kernel half faults later, at the fetch. */
  function canonical(hi: number): boolean {
    return hi >> 15 === 0 || hi >> 15 === -1;
  }

  // ---- memory operands ----
  function ea(m: MemOp): void {
    let s = m.dispLo >>> 0;
    let h = m.dispHi;
    if (m.base >= 0) { s += L[m.base] >>> 0; h += H[m.base]; }
    if (m.index >= 0) { s += (L[m.index] >>> 0) * m.scale; h += Math.imul(H[m.index], m.scale); }
    if (m.seg === SEG_FS) { s += SEG[0] >>> 0; h += SEG[1]; }
    else if (m.seg === SEG_GS) { s += SEG[2] >>> 0; h += SEG[3]; }
    const lo = s >>> 0;
    EA[0] = lo;
    EA[1] = (h + (s - lo) / TWO32) | 0;
  }
  /** Load at EA; 64-bit loads leave the high half in T[0]. Check FLT.kind after. */
  function ld(sz: number): number {
    switch (sz) {
      case 1: return mmu.ld8(EA[0], EA[1]);
      case 2: return mmu.ld16(EA[0], EA[1]);
      case 4: return mmu.ld32(EA[0], EA[1]);
      default: { const lo = mmu.ld64(EA[0], EA[1]); T[0] = mmu.hi; return lo; }
    }
  }
  function ldw(sz: number): number {
    switch (sz) {
      case 1: return mmu.ld8w(EA[0], EA[1]);
      case 2: return mmu.ld16w(EA[0], EA[1]);
      case 4: return mmu.ld32w(EA[0], EA[1]);
      default: { const lo = mmu.ld64w(EA[0], EA[1]); T[0] = mmu.hi; return lo; }
    }
  }
  function stm(sz: number, lo: number, hi: number): boolean {
    switch (sz) {
      case 1: return mmu.st8(EA[0], EA[1], lo);
      case 2: return mmu.st16(EA[0], EA[1], lo);
      case 4: return mmu.st32(EA[0], EA[1], lo);
      default: return mmu.st64(EA[0], EA[1], lo, hi);
    }
  }
  /**
   * An operand's value at size sz (the high half in T[0], meaningful at 64 bits);
   * a memory operand is loaded from its address: check FLT.kind after.
   */
  function get(o: Operand, sz: number): number {
    if (o.k === "r") { T[0] = H[o.r]; return rget(o.r, sz); }
    if (o.k === "i") { T[0] = o.hi; return o.lo; }
    ea(o as MemOp);
    return ld(sz);
  }

  // ---- the stack ----
  /** Pushes a 64-bit value; false (fault set, rsp unchanged) if the store faults. */
  function push(lo: number, hi: number): boolean {
    const s = (L[RSP] >>> 0) - 8;
    const nlo = s | 0;
    const nhi = s < 0 ? (H[RSP] - 1) | 0 : H[RSP];
    if (!mmu.st64(nlo, nhi, lo, hi)) return false;
    L[RSP] = nlo;
    H[RSP] = nhi;
    return true;
  }
  /** Loads the 64-bit value at rsp (high half in T[0]) without popping it. */
  function top(): number {
    const lo = mmu.ld64(L[RSP], H[RSP]);
    T[0] = mmu.hi;
    return lo;
  }

  // ---- 64-bit multiply and divide on 32-bit halves ----
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
  function neg64(lo: number, hi: number): number {
    T[0] = lo === 0 ? -hi | 0 : ~hi;
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
    if (dneg) { alo = neg64(dlo, dhi); ahi = T[0]; }
    if (!udiv128(alo, ahi)) return false;
    let qlo = W[0], qhi = W[1], rlo = W[2], rhi = W[3];
    // the quotient's magnitude must fit a signed 64-bit result
    if (nneg !== dneg) {
      if (qhi >>> 0 > 0x80000000 || (qhi === (0x80000000 | 0) && qlo !== 0)) return false;
      qlo = neg64(qlo, qhi); qhi = T[0];
    } else if (qhi < 0) return false;
    if (nneg) { rlo = neg64(rlo, rhi); rhi = T[0]; }
    W[0] = qlo; W[1] = qhi; W[2] = rlo; W[3] = rhi;
    return true;
  }

  // ---- shifts and rotates (count already masked, nonzero) ----
  /** Shift (hi:lo) left by c in 1..63; high half in T[0]. */
  function shl64(lo: number, hi: number, c: number): number {
    if (c >= 32) { T[0] = lo << (c - 32); return 0; }
    T[0] = (hi << c) | (lo >>> (32 - c));
    return lo << c;
  }
  function shr64(lo: number, hi: number, c: number): number {
    if (c >= 32) { T[0] = 0; return hi >>> (c - 32); }
    T[0] = hi >>> c;
    return (lo >>> c) | (hi << (32 - c));
  }
  function sar64(lo: number, hi: number, c: number): number {
    if (c >= 32) { T[0] = hi >> 31; return hi >> (c - 32); }
    T[0] = hi >> c;
    return (lo >>> c) | (hi << (32 - c));
  }
  /** Bit b (0..63) of (hi:lo). */
  function bit64(lo: number, hi: number, b: number): number {
    return b >= 32 ? (hi >>> (b - 32)) & 1 : (lo >>> b) & 1;
  }
  function msb(szi: number, lo: number, hi: number): number {
    return szi === 3 ? hi >>> 31 : (lo >>> MSB_SHIFT[szi]) & 1;
  }
  /**
   * kind: 0 rol, 1 ror, 2 rcl, 3 rcr, 4 shl, 5 shr, 7 sar; c = the count masked to 5 or 6 bits.
   * Returns the result (high half in T[0]) and sets the flags; c = 0 changes nothing.
   */
  function shift(kind: number, szi: number, a: number, ah: number, c: number): number {
    const n = 8 << szi;
    const mask = MASK[szi];
    if (szi < 3) ah = 0;
    let r = 0, rh = 0, cfv = 0, ofv = 0;
    switch (kind) {
      case 4: { // shl
        if (szi === 3) { r = shl64(a, ah, c); rh = T[0]; cfv = bit64(a, ah, 64 - c); }
        else { r = (a << c) & mask; cfv = c > n ? 0 : (a >>> (n - c)) & 1; }
        ofv = msb(szi, r, rh) ^ cfv;
        res(szi, r, rh, cfv | (ofv << 11));
        T[0] = rh;
        return r;
      }
      case 5: { // shr
        if (szi === 3) { r = shr64(a, ah, c); rh = T[0]; cfv = bit64(a, ah, c - 1); }
        else { r = (a >>> c) & mask; cfv = c > n ? 0 : (a >>> (c - 1)) & 1; }
        ofv = msb(szi, a, ah);
        res(szi, r, rh, cfv | (ofv << 11));
        T[0] = rh;
        return r;
      }
      case 7: { // sar
        if (szi === 3) { r = sar64(a, ah, c); rh = T[0]; cfv = bit64(a, ah, c - 1); }
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
    const old = arith();
    let cnt: number;
    if (kind === 2 || kind === 3) cnt = szi < 2 ? c % (n + 1) : c;
    else cnt = c % n;
    r = a; rh = ah;
    if (kind === 0 || kind === 1) {
      if (cnt !== 0) {
        const left = kind === 0 ? cnt : n - cnt;
        if (szi === 3) {
          const l = shl64(a, ah, left), lh = T[0];
          const rr = shr64(a, ah, 64 - left), rrh = T[0];
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
    setArith((old & ~(CF | OF)) | cfv | (ofv << 11));
    T[0] = rh;
    return r;
  }

  // ---- fast paths: one closure literal per operation, size and form, so that each
  // call site stays monomorphic and the helpers inline; `live` says which flags a
  // later instruction may read (flagEffects), and dead flags are not computed ----
  const ADD32 = (K_ADD << 2) | 2, SUB32 = (K_SUB << 2) | 2, LOG32 = (K_LOGIC << 2) | 2;

  function fastAlu(k: number, d: number, s: number, ilo: number, ihi: number, sz: number, flags: boolean): Op | null {
    const imm = s < 0;
    if (sz === 4 && flags) {
      switch (k) {
        case 0: return imm
          ? () => { const a = L[d], r = (a + ilo) | 0; F[0] = ADD32; F[1] = a; F[3] = ilo; F[5] = r; L[d] = r; H[d] = 0; return 0; }
          : () => { const a = L[d], b = L[s], r = (a + b) | 0; F[0] = ADD32; F[1] = a; F[3] = b; F[5] = r; L[d] = r; H[d] = 0; return 0; };
        case 5: return imm
          ? () => { const a = L[d], r = (a - ilo) | 0; F[0] = SUB32; F[1] = a; F[3] = ilo; F[5] = r; L[d] = r; H[d] = 0; return 0; }
          : () => { const a = L[d], b = L[s], r = (a - b) | 0; F[0] = SUB32; F[1] = a; F[3] = b; F[5] = r; L[d] = r; H[d] = 0; return 0; };
        case 7: return imm
          ? () => { const a = L[d]; F[0] = SUB32; F[1] = a; F[3] = ilo; F[5] = (a - ilo) | 0; return 0; }
          : () => { const a = L[d], b = L[s]; F[0] = SUB32; F[1] = a; F[3] = b; F[5] = (a - b) | 0; return 0; };
        case 4: return imm
          ? () => { const r = L[d] & ilo; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; }
          : () => { const r = L[d] & L[s]; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; };
        case 1: return imm
          ? () => { const r = L[d] | ilo; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; }
          : () => { const r = L[d] | L[s]; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; };
        case 6: return imm
          ? () => { const r = L[d] ^ ilo; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; }
          : () => { const r = L[d] ^ L[s]; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; };
        case 8: return imm
          ? () => { F[0] = LOG32; F[5] = L[d] & ilo; return 0; }
          : () => { F[0] = LOG32; F[5] = L[d] & L[s]; return 0; };
      }
    } else if (sz === 8 && flags) {
      switch (k) {
        case 0: return imm
          ? () => { L[d] = add(3, L[d], H[d], ilo, ihi, 0); H[d] = T[0]; return 0; }
          : () => { L[d] = add(3, L[d], H[d], L[s], H[s], 0); H[d] = T[0]; return 0; };
        case 5: return imm
          ? () => { L[d] = sub(3, L[d], H[d], ilo, ihi, 0); H[d] = T[0]; return 0; }
          : () => { L[d] = sub(3, L[d], H[d], L[s], H[s], 0); H[d] = T[0]; return 0; };
        case 7: return imm
          ? () => { sub(3, L[d], H[d], ilo, ihi, 0); return 0; }
          : () => { sub(3, L[d], H[d], L[s], H[s], 0); return 0; };
        case 4: return imm
          ? () => { L[d] = logic(3, L[d] & ilo, H[d] & ihi); H[d] = T[0]; return 0; }
          : () => { L[d] = logic(3, L[d] & L[s], H[d] & H[s]); H[d] = T[0]; return 0; };
        case 1: return imm
          ? () => { L[d] = logic(3, L[d] | ilo, H[d] | ihi); H[d] = T[0]; return 0; }
          : () => { L[d] = logic(3, L[d] | L[s], H[d] | H[s]); H[d] = T[0]; return 0; };
        case 6: return imm
          ? () => { L[d] = logic(3, L[d] ^ ilo, H[d] ^ ihi); H[d] = T[0]; return 0; }
          : () => { L[d] = logic(3, L[d] ^ L[s], H[d] ^ H[s]); H[d] = T[0]; return 0; };
        case 8: return imm
          ? () => { logic(3, L[d] & ilo, H[d] & ihi); return 0; }
          : () => { logic(3, L[d] & L[s], H[d] & H[s]); return 0; };
      }
    } else if (sz === 4) {
      switch (k) {
        case 0: return imm ? () => { L[d] = (L[d] + ilo) | 0; H[d] = 0; return 0; } : () => { L[d] = (L[d] + L[s]) | 0; H[d] = 0; return 0; };
        case 5: return imm ? () => { L[d] = (L[d] - ilo) | 0; H[d] = 0; return 0; } : () => { L[d] = (L[d] - L[s]) | 0; H[d] = 0; return 0; };
        case 4: return imm ? () => { L[d] &= ilo; H[d] = 0; return 0; } : () => { L[d] &= L[s]; H[d] = 0; return 0; };
        case 1: return imm ? () => { L[d] |= ilo; H[d] = 0; return 0; } : () => { L[d] |= L[s]; H[d] = 0; return 0; };
        case 6: return imm ? () => { L[d] ^= ilo; H[d] = 0; return 0; } : () => { L[d] ^= L[s]; H[d] = 0; return 0; };
        case 7: case 8: return () => 0;
      }
    } else if (sz === 8) {
      switch (k) {
        case 0: return imm
          ? () => { const s1 = (L[d] >>> 0) + (ilo >>> 0); L[d] = s1 | 0; H[d] = (H[d] + ihi + (s1 > 0xffffffff ? 1 : 0)) | 0; return 0; }
          : () => { const s1 = (L[d] >>> 0) + (L[s] >>> 0); L[d] = s1 | 0; H[d] = (H[d] + H[s] + (s1 > 0xffffffff ? 1 : 0)) | 0; return 0; };
        case 5: return imm
          ? () => { const s1 = (L[d] >>> 0) - (ilo >>> 0); L[d] = s1 | 0; H[d] = (H[d] - ihi - (s1 < 0 ? 1 : 0)) | 0; return 0; }
          : () => { const s1 = (L[d] >>> 0) - (L[s] >>> 0); L[d] = s1 | 0; H[d] = (H[d] - H[s] - (s1 < 0 ? 1 : 0)) | 0; return 0; };
        case 4: return imm ? () => { L[d] &= ilo; H[d] &= ihi; return 0; } : () => { L[d] &= L[s]; H[d] &= H[s]; return 0; };
        case 1: return imm ? () => { L[d] |= ilo; H[d] |= ihi; return 0; } : () => { L[d] |= L[s]; H[d] |= H[s]; return 0; };
        case 6: return imm ? () => { L[d] ^= ilo; H[d] ^= ihi; return 0; } : () => { L[d] ^= L[s]; H[d] ^= H[s]; return 0; };
        case 7: case 8: return () => 0;
      }
    }
    return null;
  }

  /** Shifts and rotates of a 32/64-bit register by an immediate count (masked, nonzero). */
  function fastShift(kind: number, d: number, c: number, sz: number, live: number): Op | null {
    if (sz === 8) {
      if (live & FLAGS_ARITH) {
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
    if (live & FLAGS_ARITH) {
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

  /** Conditional jumps: one literal per condition, so test(cc) folds. */
  function fastJcc(cc: number, t: number): Op {
    switch (cc) {
      case 0: return () => { if (test(0)) RIP[0] = t; return 0; };
      case 1: return () => { if (test(1)) RIP[0] = t; return 0; };
      case 2: return () => { if (test(2)) RIP[0] = t; return 0; };
      case 3: return () => { if (test(3)) RIP[0] = t; return 0; };
      case 4: return () => { if (test(4)) RIP[0] = t; return 0; };
      case 5: return () => { if (test(5)) RIP[0] = t; return 0; };
      case 6: return () => { if (test(6)) RIP[0] = t; return 0; };
      case 7: return () => { if (test(7)) RIP[0] = t; return 0; };
      case 8: return () => { if (test(8)) RIP[0] = t; return 0; };
      case 9: return () => { if (test(9)) RIP[0] = t; return 0; };
      case 10: return () => { if (test(10)) RIP[0] = t; return 0; };
      case 11: return () => { if (test(11)) RIP[0] = t; return 0; };
      case 12: return () => { if (test(12)) RIP[0] = t; return 0; };
      case 13: return () => { if (test(13)) RIP[0] = t; return 0; };
      case 14: return () => { if (test(14)) RIP[0] = t; return 0; };
      default: return () => { if (test(15)) RIP[0] = t; return 0; };
    }
  }

  /** inc/dec of a 32/64-bit register whose flags nobody reads. */
  function fastIncDec(inc: boolean, d: number, sz: number): Op {
    if (sz === 4) return inc ? () => { L[d] = (L[d] + 1) | 0; H[d] = 0; return 0; } : () => { L[d] = (L[d] - 1) | 0; H[d] = 0; return 0; };
    return inc
      ? () => { const lo = (L[d] + 1) | 0; L[d] = lo; if (lo === 0) H[d] = (H[d] + 1) | 0; return 0; }
      : () => { const lo = L[d]; L[d] = (lo - 1) | 0; if (lo === 0) H[d] = (H[d] - 1) | 0; return 0; };
  }

  // ---- compile ----
  const sse = createSse({ st, mmu, FLT, ea, EA, rget, rset, H, x87: new X87Bytes() });
  function compile(insn: Insn, ip: number, live: number = ALL_FLAGS): Op {
    if (insn.sse) return sse(insn);
    const next = ip + insn.len;
    const ops = insn.ops;
    const sz = insn.osz;
    const szi = SZI[sz] ?? 3;
    const o0 = ops[0], o1 = ops[1];
    const m0 = o0?.k === "m" ? o0 : null;
    const m1 = o1?.k === "m" ? o1 : null;
    const op = insn.op;
    const k = GRP1_KIND[op];
    // fast paths on 32/64-bit registers
    if ((sz === 4 || sz === 8) && o0?.k === "r") {
      const flags = (live & (flagEffects(insn) >>> 16)) !== 0;
      let f: Op | null = null;
      if (k !== undefined && (o1.k === "r" || o1.k === "i")) {
        f = fastAlu(k, o0.r, o1.k === "r" ? o1.r : -1, o1.k === "i" ? o1.lo : 0, o1.k === "i" ? o1.hi : 0, sz, flags);
      } else if (o1?.k === "i" && (op === "shl" || op === "shr" || op === "sar" || op === "rol" || op === "ror")) {
        const c = o1.lo & (sz === 8 ? 63 : 31);
        if (c !== 0) f = fastShift(["rol", "ror", "", "", "shl", "shr", "", "sar"].indexOf(op), o0.r, c, sz, live);
      } else if ((op === "inc" || op === "dec") && !flags) f = fastIncDec(op === "inc", o0.r, sz);
      if (f !== null) return f;
    }
    if (op[0] === "j" && op !== "jmp" && o0.k === "j") return fastJcc(insn.cc, o0.target);
    if (k !== undefined) return compileAlu(k, o0, o1, sz, szi);
    if (op.startsWith("cmov")) return compileCmov(insn.cc, o0 as RegOp, o1, sz);
    if (op.startsWith("set")) {
      const cc = insn.cc;
      if (m0) return () => { ea(m0); return mmu.st8(EA[0], EA[1], test(cc) ? 1 : 0) ? 0 : FLT.kind; };
      const r = (o0 as RegOp).r;
      return () => { rset(r, 1, test(cc) ? 1 : 0, 0); return 0; };
    }
    switch (op) {
      case "mov": return compileMov(o0, o1, sz);
      case "movzx": case "movsx": case "movsxd": {
        const d = (o0 as RegOp).r;
        const ssz = (o1 as RegOp).sz;
        const signed = op !== "movzx";
        const ext = (v: number): number => (signed ? (ssz === 1 ? (v << 24) >> 24 : ssz === 2 ? (v << 16) >> 16 : v) : v);
        const write = (v: number): void => { if (sz === 8) { L[d] = v; H[d] = signed ? v >> 31 : 0; } else rset(d, sz, v, 0); };
        if (m1) return () => { ea(m1); const v = ld(ssz); if (FLT.kind) return FLT.kind; write(ext(v)); return 0; };
        const s = (o1 as RegOp).r;
        return () => { write(ext(rget(s, ssz))); return 0; };
      }
      case "lea": {
        const d = (o0 as RegOp).r;
        const m = { ...(o1 as MemOp), seg: 0 };
        return () => { ea(m); rset(d, sz, EA[0], EA[1]); return 0; };
      }
      case "push": {
        if (o0.k === "r") { const r = o0.r; return () => (push(L[r], H[r]) ? 0 : FLT.kind); }
        if (o0.k === "i") { const lo = o0.lo, hi = o0.hi; return () => (push(lo, hi) ? 0 : FLT.kind); }
        const m = o0 as MemOp;
        return () => { ea(m); const lo = ld(8), hi = T[0]; if (FLT.kind) return FLT.kind; return push(lo, hi) ? 0 : FLT.kind; };
      }
      case "pop": {
        if (o0.k === "r") {
          const r = o0.r;
          return () => { const lo = top(), hi = T[0]; if (FLT.kind) return FLT.kind; addReg(RSP, 8); L[r] = lo; H[r] = hi; return 0; };
        }
        const m = o0 as MemOp;
        return () => {
          const lo = top(), hi = T[0];
          if (FLT.kind) return FLT.kind;
          // the destination address is computed with rsp already incremented
          const slo = L[RSP], shi = H[RSP];
          addReg(RSP, 8); ea(m); L[RSP] = slo; H[RSP] = shi;
          if (!stm(8, lo, hi)) return FLT.kind;
          addReg(RSP, 8);
          return 0;
        };
      }
      case "leave": return () => {
        const lo = mmu.ld64(L[RBP], H[RBP]), hi = mmu.hi;
        if (FLT.kind) return FLT.kind;
        L[RSP] = L[RBP]; H[RSP] = H[RBP]; addReg(RSP, 8);
        L[RBP] = lo; H[RBP] = hi;
        return 0;
      };
      case "jmp": {
        if (o0.k === "j") { const t = o0.target; return () => { RIP[0] = t; return 0; }; }
        return compileIndirect(o0, false, next);
      }
      case "call": {
        if (o0.k === "j") {
          const t = o0.target, nlo = next % TWO32 | 0, nhi = Math.floor(next / TWO32) | 0;
          return () => { if (!push(nlo, nhi)) return FLT.kind; RIP[0] = t; return 0; };
        }
        return compileIndirect(o0, true, next);
      }
      case "ret": {
        const extra = o0 ? o0.k === "i" ? o0.lo : 0 : 0;
        return () => {
          const lo = top(), hi = T[0];
          if (FLT.kind) return FLT.kind;
          if (!canonical(hi)) return STOP_GP;
          addReg(RSP, 8 + extra);
          RIP[0] = ripOf(lo, hi);
          return 0;
        };
      }
      case "inc": case "dec": {
        const isInc = op === "inc";
        const step = (a: number, ah: number): number => {
          const c = cf();
          let r: number, rh = 0;
          if (szi === 3) {
            const s = (a >>> 0) + (isInc ? 1 : -1);
            r = s | 0;
            rh = (ah + (s > 0xffffffff ? 1 : s < 0 ? -1 : 0)) | 0;
          } else r = (a + (isInc ? 1 : -1)) & MASK[szi];
          const m = msb(szi, r, rh), mo = msb(szi, a, ah);
          const o = isInc ? m & (mo ^ 1) : mo & (m ^ 1);
          const afv = isInc ? ((r & 0xf) === 0 ? 1 : 0) : (a & 0xf) === 0 ? 1 : 0;
          res(szi, r, rh, c | (afv << 4) | (o << 11));
          T[0] = rh;
          return r;
        };
        if (m0) return () => { ea(m0); const a = ldw(sz), ah = T[0]; if (FLT.kind) return FLT.kind; const r = step(a, ah); stm(sz, r, T[0]); return 0; };
        const r = (o0 as RegOp).r;
        return () => { const v = step(rget(r, sz), H[r]); rset(r, sz, v, T[0]); return 0; };
      }
      case "neg": case "not": {
        const isNeg = op === "neg";
        const f = (a: number, ah: number): number => {
          if (isNeg) return sub(szi, 0, 0, a, szi === 3 ? ah : 0, 0);
          T[0] = ~ah;
          return ~a & MASK[szi];
        };
        if (m0) return () => { ea(m0); const a = ldw(sz), ah = T[0]; if (FLT.kind) return FLT.kind; const r = f(a, ah); stm(sz, r, T[0]); return 0; };
        const r = (o0 as RegOp).r;
        return () => { const v = f(rget(r, sz), H[r]); rset(r, sz, v, T[0]); return 0; };
      }
      case "mul": case "imul": case "div": case "idiv":
        if (ops.length === 1) return compileMulDiv(op, o0, sz, szi);
        return compileImul(o0 as RegOp, o1, ops[2], sz, szi);
      case "rol": case "ror": case "rcl": case "rcr": case "shl": case "shr": case "sar": {
        const kind = ["rol", "ror", "rcl", "rcr", "shl", "shr", "", "sar"].indexOf(op);
        const cmask = sz === 8 ? 63 : 31;
        const cnt = o1.k === "i" ? o1.lo & cmask : -1;
        if (m0) return () => {
          const c = cnt >= 0 ? cnt : L[RCX] & cmask;
          ea(m0);
          const a = ldw(sz), ah = T[0];
          if (FLT.kind) return FLT.kind;
          if (c === 0) return 0;
          const r = shift(kind, szi, a, ah, c);
          stm(sz, r, T[0]);
          return 0;
        };
        const d = (o0 as RegOp).r;
        return () => {
          const c = cnt >= 0 ? cnt : L[RCX] & cmask;
          const a = rget(d, sz);
          if (c === 0) { if (sz === 4) H[d] = 0; return 0; }
          const r = shift(kind, szi, a, H[d], c);
          rset(d, sz, r, T[0]);
          return 0;
        };
      }
      case "shld": case "shrd": return compileShxd(op === "shld", o0, (o1 as RegOp).r, ops[2], sz, szi);
      case "xchg": {
        const g = (o1 as RegOp).r;
        if (m0) return () => {
          ea(m0);
          const a = ldw(sz), ah = T[0];
          if (FLT.kind) return FLT.kind;
          stm(sz, rget(g, sz), H[g]);
          rset(g, sz, a, ah);
          return 0;
        };
        const d = (o0 as RegOp).r;
        return () => {
          const a = rget(d, sz), ah = H[d];
          rset(d, sz, rget(g, sz), H[g]);
          rset(g, sz, a, ah);
          return 0;
        };
      }
      case "xadd": case "cmpxchg": return compileXaddCmpxchg(op === "xadd", o0, (o1 as RegOp).r, sz, szi);
      case "bt": case "bts": case "btr": case "btc": return compileBt(["bt", "bts", "btr", "btc"].indexOf(op), o0, o1, sz);
      case "bsf": case "bsr": case "tzcnt": case "lzcnt": case "popcnt": return compileBitScan(op, (o0 as RegOp).r, o1, sz, szi);
      case "bswap": {
        const r = (o0 as RegOp).r;
        const bs = (v: number): number => ((v >>> 24) | ((v >> 8) & 0xff00) | ((v << 8) & 0xff0000) | (v << 24)) | 0;
        if (sz === 8) return () => { const lo = L[r]; L[r] = bs(H[r]); H[r] = bs(lo); return 0; };
        return () => { L[r] = bs(L[r]); H[r] = 0; return 0; };
      }
      case "cbw": return () => { rset(RAX, 2, (L[RAX] << 24) >> 24, 0); return 0; };
      case "cwde": return () => { L[RAX] = (L[RAX] << 16) >> 16; H[RAX] = 0; return 0; };
      case "cdqe": return () => { H[RAX] = L[RAX] >> 31; return 0; };
      case "cwd": return () => { rset(RDX, 2, (L[RAX] << 16) >> 31, 0); return 0; };
      case "cdq": return () => { L[RDX] = L[RAX] >> 31; H[RDX] = 0; return 0; };
      case "cqo": return () => { const s = H[RAX] >> 31; L[RDX] = s; H[RDX] = s; return 0; };
      case "clc": return () => { setArith(arith() & ~CF); return 0; };
      case "stc": return () => { setArith(arith() | CF); return 0; };
      case "cmc": return () => { setArith(arith() ^ CF); return 0; };
      case "cld": return () => { MISC[0] = 0; return 0; };
      case "std": return () => { MISC[0] = 1; return 0; };
      case "pushfq": return () => (push(rflags(), 0) ? 0 : FLT.kind);
      case "popfq": return () => {
        const lo = top();
        if (FLT.kind) return FLT.kind;
        addReg(RSP, 8);
        setRflags(lo);
        return 0;
      };
      case "movsb": case "movsw": case "movsd": case "movsq":
      case "stosb": case "stosw": case "stosd": case "stosq":
        return compileString(op.startsWith("movs"), sz, insn.rep !== 0);
      case "nop": case "pause": case "endbr64": return () => 0;
      case "syscall": {
        const nlo = next % TWO32 | 0, nhi = Math.floor(next / TWO32) | 0;
        return () => { L[RCX] = nlo; H[RCX] = nhi; L[R11] = rflags(); H[R11] = 0; return STOP_SYSCALL; };
      }
      case "cpuid": return () => { cpuid(); return 0; };
      case "rdtsc": return () => {
        const t = st.retired;
        L[RAX] = t % TWO32 | 0; H[RAX] = 0; L[RDX] = Math.floor(t / TWO32) | 0; H[RDX] = 0;
        return 0;
      };
      case "int3": return () => STOP_BP;
      case "hlt": return () => STOP_GP; // privileged: #GP(0) in user mode
      default: return insn.tooLong ? () => STOP_GP : () => STOP_UD;
    }
  }

  function compileAlu(k: number, d: Operand, s: Operand, sz: number, szi: number): Op {
    const write = k < 7;
    if (d.k === "r") {
      const dr = d.r;
      if (s.k === "m") {
        return () => {
          ea(s);
          const b = ld(sz), bh = T[0];
          if (FLT.kind) return FLT.kind;
          const r = alu(k, szi, rget(dr, sz), H[dr], b, bh);
          if (write) rset(dr, sz, r, T[0]);
          return 0;
        };
      }
      if (s.k === "r") {
        const sr = s.r;
        if (sz === 4 && k === 7) return () => { const a = L[dr], b = L[sr]; F[0] = (K_SUB << 2) | 2; F[1] = a; F[3] = b; F[5] = (a - b) | 0; return 0; };
        if (sz === 4 && k === 0) return () => { const a = L[dr], b = L[sr], r = (a + b) | 0; F[0] = (K_ADD << 2) | 2; F[1] = a; F[3] = b; F[5] = r; L[dr] = r; H[dr] = 0; return 0; };
        if (sz === 8 && (k === 6 || k === 1 || k === 4 || k === 8)) {
          return () => {
            const lo = k === 6 ? L[dr] ^ L[sr] : k === 1 ? L[dr] | L[sr] : L[dr] & L[sr];
            const hi = k === 6 ? H[dr] ^ H[sr] : k === 1 ? H[dr] | H[sr] : H[dr] & H[sr];
            F[0] = (K_LOGIC << 2) | 3; F[5] = lo; F[6] = hi;
            if (k !== 8) { L[dr] = lo; H[dr] = hi; }
            return 0;
          };
        }
        return () => {
          const r = alu(k, szi, rget(dr, sz), H[dr], rget(sr, sz), H[sr]);
          if (write) rset(dr, sz, r, T[0]);
          return 0;
        };
      }
      const ilo = (s as { lo: number }).lo, ihi = (s as { hi: number }).hi;
      if (sz === 4 && k === 7) return () => { const a = L[dr]; F[0] = (K_SUB << 2) | 2; F[1] = a; F[3] = ilo; F[5] = (a - ilo) | 0; return 0; };
      if (sz === 4 && (k === 0 || k === 5)) {
        const kind = k === 0 ? K_ADD : K_SUB;
        return () => { const a = L[dr], r = kind === K_ADD ? (a + ilo) | 0 : (a - ilo) | 0; F[0] = (kind << 2) | 2; F[1] = a; F[3] = ilo; F[5] = r; L[dr] = r; H[dr] = 0; return 0; };
      }
      return () => {
        const r = alu(k, szi, rget(dr, sz), H[dr], ilo, ihi);
        if (write) rset(dr, sz, r, T[0]);
        return 0;
      };
    }
    const m = d as MemOp;
    return () => {
      ea(m);
      const b = get(s, sz), bh = T[0];
      const a = write ? ldw(sz) : ld(sz), ah = T[0];
      if (FLT.kind) return FLT.kind;
      const r = alu(k, szi, a, ah, b, bh);
      // the write-intent load translated every byte for writing: this store cannot fault
      if (write) stm(sz, r, T[0]);
      return 0;
    };
  }

  function compileMov(d: Operand, s: Operand, sz: number): Op {
    if (d.k === "r") {
      const dr = d.r;
      if (s.k === "r") {
        const sr = s.r;
        if (sz === 8) return () => { L[dr] = L[sr]; H[dr] = H[sr]; return 0; };
        if (sz === 4) return () => { L[dr] = L[sr]; H[dr] = 0; return 0; };
        return () => { rset(dr, sz, rget(sr, sz), 0); return 0; };
      }
      if (s.k === "i") {
        const lo = s.lo, hi = s.hi;
        if (sz >= 4) return () => { L[dr] = lo; H[dr] = hi; return 0; };
        return () => { rset(dr, sz, lo, 0); return 0; };
      }
      const m = s as MemOp;
      if (sz === 8) return () => { ea(m); const lo = mmu.ld64(EA[0], EA[1]); if (FLT.kind) return FLT.kind; L[dr] = lo; H[dr] = mmu.hi; return 0; };
      if (sz === 4) return () => { ea(m); const v = mmu.ld32(EA[0], EA[1]); if (FLT.kind) return FLT.kind; L[dr] = v; H[dr] = 0; return 0; };
      return () => { ea(m); const v = ld(sz); if (FLT.kind) return FLT.kind; rset(dr, sz, v, 0); return 0; };
    }
    const m = d as MemOp;
    if (s.k === "r") {
      const sr = s.r;
      if (sz === 8) return () => { ea(m); return mmu.st64(EA[0], EA[1], L[sr], H[sr]) ? 0 : FLT.kind; };
      if (sz === 4) return () => { ea(m); return mmu.st32(EA[0], EA[1], L[sr]) ? 0 : FLT.kind; };
      return () => { ea(m); return stm(sz, rget(sr, sz), 0) ? 0 : FLT.kind; };
    }
    const lo = (s as { lo: number }).lo, hi = (s as { hi: number }).hi;
    return () => { ea(m); return stm(sz, lo, hi) ? 0 : FLT.kind; };
  }

  function compileCmov(cc: number, d: RegOp, s: Operand, sz: number): Op {
    const dr = d.r;
    return () => {
      const v = get(s, sz), vh = T[0];
      if (FLT.kind) return FLT.kind;
      if (test(cc)) rset(dr, sz, v, vh);
      else if (sz === 4) H[dr] = 0; // a 32-bit cmov writes its destination either way
      return 0;
    };
  }

  /** call/jmp through a register or memory: #GP for a non-canonical target, before any change. */
  function compileIndirect(o: Operand, isCall: boolean, next: number): Op {
    const nlo = next % TWO32 | 0, nhi = Math.floor(next / TWO32) | 0;
    return () => {
      const lo = get(o, 8), hi = T[0];
      if (FLT.kind) return FLT.kind;
      if (!canonical(hi)) return STOP_GP;
      if (isCall && !push(nlo, nhi)) return FLT.kind;
      RIP[0] = ripOf(lo, hi);
      return 0;
    };
  }

  function compileMulDiv(op: string, o: Operand, sz: number, szi: number): Op {
    const isDiv = op === "div" || op === "idiv";
    const signed = op[0] === "i";
    return () => {
      const b = get(o, sz), bh = T[0];
      if (FLT.kind) return FLT.kind;
      if (!isDiv) {
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
      }
      // division: #DE (and no change) on a zero divisor or a quotient that does not fit
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
  function compileImul(d: RegOp, s: Operand, im: Operand | undefined, sz: number, szi: number): Op {
    const dr = d.r;
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

  function compileShxd(left: boolean, d: Operand, g: number, c: Operand, sz: number, szi: number): Op {
    const cmask = sz === 8 ? 63 : 31;
    const cnt = c.k === "i" ? c.lo & cmask : -1;
    const f = (a: number, ah: number, cn: number): number => {
      const b = rget(g, sz), bh = H[g];
      let r: number, rh = 0, cfv: number;
      if (szi === 3) {
        if (left) {
          r = shl64(a, ah, cn); rh = T[0];
          const x = shr64(b, bh, 64 - cn); r |= x; rh |= T[0];
          cfv = bit64(a, ah, 64 - cn);
        } else {
          r = shr64(a, ah, cn); rh = T[0];
          const x = shl64(b, bh, 64 - cn); r |= x; rh |= T[0];
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

  function compileXaddCmpxchg(isXadd: boolean, d: Operand, g: number, sz: number, szi: number): Op {
    return () => {
      let a: number, ah: number;
      if (d.k === "m") {
        ea(d);
        a = ldw(sz); ah = T[0];
        if (FLT.kind) return FLT.kind;
      } else { a = rget((d as RegOp).r, sz); ah = H[(d as RegOp).r]; }
      const b = rget(g, sz), bh = H[g];
      let nd: number, ndh: number;
      if (isXadd) {
        nd = add(szi, a, ah, b, bh, 0); ndh = T[0];
        rset(g, sz, a, ah);
      } else {
        sub(szi, rget(RAX, sz), H[RAX], a, szi === 3 ? ah : 0, 0);
        if (zf()) { nd = b; ndh = bh; }
        else {
          // no match: the accumulator takes the destination; a register destination is
          // left as it was (no zero-extension, as measured), memory is written back
          rset(RAX, sz, a, ah);
          if (d.k === "m") stm(sz, a, ah);
          return 0;
        }
      }
      if (d.k === "m") stm(sz, nd, ndh);
      else rset((d as RegOp).r, sz, nd, ndh);
      return 0;
    };
  }

  /** bt/bts/btr/btc (kind 0..3). A register bit offset into memory may reach past the operand. */
  function compileBt(kind: number, d: Operand, s: Operand, sz: number): Op {
    const bits = sz * 8;
    const apply = (v: number, b: number): number => (kind === 1 ? v | (1 << b) : kind === 2 ? v & ~(1 << b) : kind === 3 ? v ^ (1 << b) : v);
    const setCf = (c: number): void => setArith((arith() & ~CF) | c);
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

  function compileBitScan(op: string, dr: number, s: Operand, sz: number, szi: number): Op {
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
          let x = v, c = 0;
          for (; x !== 0; x &= x - 1) c++;
          for (x = vh; x !== 0; x &= x - 1) c++;
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

  /** movs/stos, one iteration at a time; a fault leaves rcx/rsi/rdi at the completed count. */
  function compileString(isMovs: boolean, sz: number, rep: boolean): Op {
    return () => {
      const step = MISC[0] ? -sz : sz;
      for (;;) {
        if (rep && (L[RCX] | H[RCX]) === 0) return 0;
        let lo: number, hi: number;
        if (isMovs) {
          EA[0] = L[RSI]; EA[1] = H[RSI];
          lo = ld(sz); hi = T[0];
          if (FLT.kind) return FLT.kind;
        } else { lo = rget(RAX, sz); hi = H[RAX]; }
        EA[0] = L[RDI]; EA[1] = H[RDI];
        if (!stm(sz, lo, hi)) return FLT.kind;
        addReg(RDI, step);
        if (isMovs) addReg(RSI, step);
        if (!rep) return 0;
        addReg(RCX, -1);
      }
    };
  }

  function cpuid(): void {
    const leaf = L[RAX] >>> 0;
    let a = 0, b = 0, c = 0, d = 0;
    const str = (s: string, i: number): number => s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
    const vendor = "FaultlineCPU";
    if (leaf === 0) { a = 1; b = str(vendor, 0); d = str(vendor, 4); c = str(vendor, 8); }
    else if (leaf === 1) { d = (1 << 4) | (1 << 15) | (1 << 24) | (1 << 25) | (1 << 26); c = 1 << 23; } // TSC, CMOV, FXSR, SSE, SSE2; POPCNT (no cmpxchg8b: no CX8)
    else if (leaf === 0x80000000) a = 0x80000001;
    else if (leaf === 0x80000001) { d = (1 << 11) | (1 << 20) | (1 << 29); c = 1 << 5; } // SYSCALL, NX, LM; LZCNT
    L[RAX] = a; L[RBX] = b; L[RCX] = c; L[RDX] = d;
    H[RAX] = H[RBX] = H[RCX] = H[RDX] = 0;
  }

  function rflags(): number {
    return arith() | (MISC[0] << 10) | 0x202;
  }
  function setRflags(w: number): void {
    setArith(w);
    MISC[0] = (w >> 10) & 1;
  }
  const jitEnv: JitEnv = { L, H, F, T, RIP, mmu, FLT, add, sub, logic, res, cf, test, shl64, shr64 };
  return { compile, rflags, setRflags, jitEnv };
}

