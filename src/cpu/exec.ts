// The interpreter's core: each decoded Insn is compiled once, by its
// descriptor (insn.ts), into a closure (an Op) that the block runner calls. An
// Op returns 0 to go on, or a stop code. A faulting Op returns before it
// changes any architectural state: loads (and the write-intent loads of
// read-modify-write) come first, then the stores, and registers, flags and
// rsp change only after every memory access has succeeded.
//
// Exec is what every family's Ops work with: the state, lazy flags, register
// and memory-operand access, the stack. The instructions themselves are in
// the family files (families.ts lists them).

import type { Insn, MemOp, Operand } from "./insn.js";
import { SEG_FS, SEG_GS } from "./insn.js";
import type { CpuModel } from "./model.js";
import { FAULT_GP, FAULT_PF, type Fault, type Mmu } from "./mmu.js";
import {
  CF, type CpuState, FLAGS_ARITH, K_ADC, K_ADD, K_EXPL, K_LOGIC, K_RES, K_SBB, K_SUB, OF, PF, RSP, SF, ZF,
} from "./state.js";

export type Op = () => number;

/** Stop codes. PAGE_FAULT and GP equal the Mmu's fault kinds, so an Op can return fault.kind. */
export const STOP_PAGE_FAULT = FAULT_PF;
export const STOP_GP = FAULT_GP;
export const STOP_UD = 3;
export const STOP_DE = 4;
export const STOP_BP = 5;
export const STOP_SYSCALL = 6;
/** An x87 exception left pending by an unmasked one, raised at the next waiting x87 instruction (rip there). */
export const STOP_MF = 8;
/** An unmasked SSE floating-point exception (rip at the instruction, its destination unchanged). */
export const STOP_XM = 9;
/**
 * Never leaves the Cpu: a translated block met what its code leaves to the Op (a TLB miss, a fault),
 * at an instruction that has changed nothing; the runner runs the rest of the block as Ops.
 */
export const STOP_OP = 10;
/**
 * Never leaves the Cpu: a conditional jump was taken (rip at its target); when it is not a
 * block's last instruction, the block ends there (see InsnDef.conditional).
 */
export const STOP_TAKEN = 11;

export const TWO32 = 4294967296;
/** By size index (0..3 = 8, 16, 32, 64 bits): the value mask, and the sign bit's position in the low half. */
export const MASK = [0xff, 0xffff, -1, -1];
export const MSB_SHIFT = [7, 15, 31, 31];
/** The size index of an operand size in bytes. */
export function sizeIndex(sz: number): number {
  return sz === 1 ? 0 : sz === 2 ? 1 : sz === 4 ? 2 : 3;
}
export const ALL_FLAGS = FLAGS_ARITH;
/** Flags read by condition code cc. */
export const CC_USE = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];

/** rip as a number from two halves. */
export function ripOf(lo: number, hi: number): number {
  return hi * TWO32 + (lo >>> 0);
}
/** A jump target must be canonical (else #GP); the kernel half faults later, at the fetch. */
export function canonical(hi: number): boolean {
  return hi >> 15 === 0 || hi >> 15 === -1;
}
/** The sign bit of a value at size index szi. */
export function msb(szi: number, lo: number, hi: number): number {
  return szi === 3 ? hi >>> 31 : (lo >>> MSB_SHIFT[szi]) & 1;
}
/** Bit b (0..63) of (hi:lo). */
export function bit64(lo: number, hi: number, b: number): number {
  return b >= 32 ? (hi >>> (b - 32)) & 1 : (lo >>> b) & 1;
}

/** Instructions after which a block ends (they set rip, or stop for the kernel). */
export function endsBlock(insn: Insn): boolean {
  return insn.def.ends === true;
}

/**
 * The arithmetic flags an instruction reads (use) and surely writes (def), for
 * the liveness pass that lets a block skip flags nobody reads. An instruction
 * that may fault reads them all: at a fault, RFLAGS must be exact.
 * @return use | def << 16
 */
export function flagEffects(insn: Insn): number {
  const d = insn.def;
  let e = d.flags ? d.flags(insn) : (d.use ?? 0) | ((d.def ?? 0) << 16);
  if (d.faults || (!d.noAccess && insn.ops.some((x) => x.k === "m"))) e |= ALL_FLAGS;
  return e;
}

/** The machine as the Ops and the translated blocks see it. */
export interface Exec {
  readonly st: CpuState;
  readonly L: Int32Array;
  readonly H: Int32Array;
  readonly F: Int32Array;
  /** T[0]: the high half of a 64-bit result or load. */
  readonly T: Int32Array;
  /** The effective address of the current memory operand. */
  readonly EA: Int32Array;
  readonly RIP: Float64Array;
  readonly MISC: Int32Array;
  readonly mmu: Mmu;
  readonly FLT: Fault;
  /** The CPU model: what cpuid announces, and whether xsave's family runs. */
  readonly model: CpuModel;
  // lazy flags
  cf(): number;
  zf(): number;
  arith(): number;
  setArith(w: number): void;
  /** Condition code cc (0..15, the low nibble of jcc/setcc/cmovcc). */
  test(cc: number): boolean;
  // ALU cores: return the result's low half, leave the high half in T[0], set the flags
  add(szi: number, alo: number, ahi: number, blo: number, bhi: number, c: number): number;
  sub(szi: number, alo: number, ahi: number, blo: number, bhi: number, c: number): number;
  logic(szi: number, r: number, rh: number): number;
  /** Sets ZF/SF/PF from r (at size szi) and CF, OF, AF from the explicit bits. */
  res(szi: number, r: number, rh: number, bits: number): void;
  // registers
  /** Value of register r at size sz: zero-extended for 8/16 bits, the low half for 32/64. */
  rget(r: number, sz: number): number;
  /** Writes at size sz: 32-bit writes zero the high half, 8/16-bit ones merge. */
  rset(r: number, sz: number, lo: number, hi: number): void;
  /** Adds a small signed delta to a 64-bit register. */
  addReg(r: number, d: number): void;
  // memory operands
  ea(m: MemOp): void;
  /** Load at EA; 64-bit loads leave the high half in T[0]. Check FLT.kind after. */
  ld(sz: number): number;
  /** The same, translating for writing (the read of a read-modify-write). */
  ldw(sz: number): number;
  stm(sz: number, lo: number, hi: number): boolean;
  /**
   * An operand's value at size sz (the high half in T[0], meaningful at 64 bits);
   * a memory operand is loaded from its address: check FLT.kind after.
   */
  get(o: Operand, sz: number): number;
  // the stack
  /** Pushes a 64-bit value; false (fault set, rsp unchanged) if the store faults. */
  push(lo: number, hi: number): boolean;
  /** Loads the 64-bit value at rsp (high half in T[0]) without popping it. */
  top(): number;
  // 64-bit shifts by 1..63 (high half in T[0])
  shl64(lo: number, hi: number, c: number): number;
  shr64(lo: number, hi: number, c: number): number;
  sar64(lo: number, hi: number, c: number): number;
  /** RFLAGS as the guest sees it (arithmetic flags, DF, IF and the reserved bit 1). */
  rflags(): number;
  setRflags(w: number): void;
}

export interface Executor {
  /** `live`: the flags that a later instruction may read (all, when unknown). */
  compile(insn: Insn, ip: number, live?: number): Op;
  /** The machine the Ops and translated blocks run on. */
  x: Exec;
}

export function createExecutor(st: CpuState, mmu: Mmu, model: CpuModel): Executor {
  const L = st.L, H = st.H, F = st.F, SEG = st.seg, MISC = st.misc;
  const EA = new Int32Array(2);
  const T = new Int32Array(2);

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
    // 1 for an even number of set bits in the low byte: fold to a nibble, then look it up in the 16-bit constant
    const b = F[5] ^ (F[5] >> 4);
    return (0x9669 >> (b & 15)) & 1;
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

  // ---- ALU cores ----
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
  function res(szi: number, r: number, rh: number, bits: number): void {
    F[0] = (K_RES << 2) | szi;
    F[5] = r; F[6] = rh; F[7] = bits;
  }

  // ---- registers ----
  function rget(r: number, sz: number): number {
    if (sz >= 4) return L[r];
    if (sz === 2) return L[r] & 0xffff;
    return r < 16 ? L[r] & 0xff : (L[r - 16] >> 8) & 0xff;
  }
  function rset(r: number, sz: number, lo: number, hi: number): void {
    if (sz === 8) { L[r] = lo; H[r] = hi; }
    else if (sz === 4) { L[r] = lo; H[r] = 0; }
    else if (sz === 2) L[r] = (L[r] & ~0xffff) | (lo & 0xffff);
    else if (r < 16) L[r] = (L[r] & ~0xff) | (lo & 0xff);
    else L[r - 16] = (L[r - 16] & ~0xff00) | ((lo & 0xff) << 8);
  }
  function addReg(r: number, d: number): void {
    const s = (L[r] >>> 0) + d;
    L[r] = s | 0;
    if (s > 0xffffffff) H[r] = (H[r] + 1) | 0;
    else if (s < 0) H[r] = (H[r] - 1) | 0;
  }

  // ---- memory operands ----
  function ea(m: MemOp): void {
    let s = m.dispLo >>> 0;
    let h = m.dispHi;
    if (m.base >= 0) { s += L[m.base] >>> 0; h += H[m.base]; }
    if (m.index >= 0) { s += (L[m.index] >>> 0) * m.scale; h += Math.imul(H[m.index], m.scale); }
    if (m.a32) { s >>>= 0; h = 0; }
    if (m.seg === SEG_FS) { s += SEG[0] >>> 0; h += SEG[1]; }
    else if (m.seg === SEG_GS) { s += SEG[2] >>> 0; h += SEG[3]; }
    const lo = s >>> 0;
    EA[0] = lo;
    EA[1] = (h + (s - lo) / TWO32) | 0;
  }
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
  function get(o: Operand, sz: number): number {
    if (o.k === "r") { T[0] = H[o.r]; return rget(o.r, sz); }
    if (o.k === "i") { T[0] = o.hi; return o.lo; }
    ea(o as MemOp);
    return ld(sz);
  }

  // ---- the stack ----
  function push(lo: number, hi: number): boolean {
    const s = (L[RSP] >>> 0) - 8;
    const nlo = s | 0;
    const nhi = s < 0 ? (H[RSP] - 1) | 0 : H[RSP];
    if (!mmu.st64(nlo, nhi, lo, hi)) return false;
    L[RSP] = nlo;
    H[RSP] = nhi;
    return true;
  }
  function top(): number {
    const lo = mmu.ld64(L[RSP], H[RSP]);
    T[0] = mmu.hi;
    return lo;
  }

  // ---- 64-bit shifts ----
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

  function rflags(): number {
    return arith() | (MISC[0] << 10) | 0x202;
  }
  function setRflags(w: number): void {
    setArith(w);
    MISC[0] = (w >> 10) & 1;
  }

  const x: Exec = {
    st, L, H, F, T, EA, RIP: st.rip, MISC, mmu, FLT: mmu.fault, model,
    cf, zf, arith, setArith, test, add, sub, logic, res,
    rget, rset, addReg, ea, ld, ldw, stm, get, push, top, shl64, shr64, sar64, rflags, setRflags,
  };
  return {
    compile: (insn, ip, live = ALL_FLAGS) => insn.def.compile(x, insn, ip, live),
    x,
  };
}
