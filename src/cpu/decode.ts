// The x86-64 decoder (DESIGN "The CPU"): prefixes, REX, the opcode, ModRM,
// SIB and displacement here; which instruction an opcode is, and its operands,
// come from the descriptors the family files define (insn.ts, families.ts).
//
// decode() turns the bytes at one address into an Insn: its descriptor, the
// mnemonic (spelled as iced-x86 and objdump spell it), the operand size and
// the operands in Intel order. Anything no descriptor claims decodes as "ud"
// (#UD), never as a guess.
//
// Registers are numbered 0..15 (rax..r15). Byte registers are 0..15 for
// al..r15b (spl..dil need REX) and 16..19 for ah, ch, dh, bh (only without REX).

import "./families.js";
import { type Encoding, type ImmOp, type Insn, type InsnDef, type MemOp, MM, type Operand, type Prefixes, type RegOp, SEG_FS, SEG_GS, SEG_NONE, slot, VEX_MAP } from "./insn.js";
import { STOP_GP, STOP_UD } from "./exec.js";
import { RDI, RSI } from "./state.js";

export { CC, MM, SEG_FS, SEG_GS, SEG_NONE, type ImmOp, type Insn, type MemOp, type Operand, type RegOp, type RelOp } from "./insn.js";

/** Returned when the bytes end before the instruction does (fetch the next page). */
export const NEED_MORE = null;

const TWO32 = 4294967296;

/** What no descriptor claims: #UD, or #GP past the 15-byte limit. */
export const UD: InsnDef = {
  name: "ud",
  enc: [],
  faults: true,
  ends: true,
  compile: (_x, insn) => (insn.tooLong ? () => STOP_GP : () => STOP_UD),
};

class Reader {
  i = 0;
  short = false;
  constructor(readonly b: Uint8Array, readonly n: number) {}
  u8(): number {
    if (this.i >= this.n) {
      this.short = true;
      this.i++;
      return 0;
    }
    return this.b[this.i++];
  }
  s8(): number {
    return (this.u8() << 24) >> 24;
  }
  u16(): number {
    const lo = this.u8();
    return lo | (this.u8() << 8);
  }
  s32(): number {
    const a = this.u16();
    return a | (this.u16() << 16);
  }
}

function ud(len: number): Insn {
  return { def: UD, op: "ud", len, osz: 0, ops: [], cc: 0, rep: 0 };
}

/**
 * Decodes one instruction from b[0..n) at address ip (a number; user addresses are < 2^47).
 * @return the instruction, or NEED_MORE when the bytes end too soon.
 */
export function decode(b: Uint8Array, n: number, ip: number): Insn | null {
  const rd = new Reader(b, n);
  let opsz = false;
  let rep = 0;
  let seg = SEG_NONE;
  let rex = 0;
  let lock = false;
  let addr32 = false;
  let c: number;
  for (;;) {
    c = rd.u8();
    if (rd.short) return NEED_MORE;
    if (rd.i > 15) return { ...ud(15), tooLong: true };
    if (c >= 0x40 && c <= 0x4f) {
      rex = c;
      continue;
    }
    let legacy = true;
    switch (c) {
      case 0x66: opsz = true; break;
      case 0x67: addr32 = true; break;
      case 0xf2: case 0xf3: rep = c; break;
      case 0x2e: case 0x3e: case 0x26: case 0x36: break; // null segments in 64-bit mode
      case 0x64: seg = SEG_FS; break;
      case 0x65: seg = SEG_GS; break;
      case 0xf0: lock = true; break;
      default: legacy = false;
    }
    if (!legacy) break;
    rex = 0; // a REX followed by a legacy prefix is ignored
  }
  let map = 0;
  // VEX (c4: three bytes, c5: two): R, X, B, W, the map, vvvv, L and pp, the inverted bits flipped back
  let vex = false, vvvv = 0, vexL = 0, vexW = false;
  const rexBefore = rex !== 0;
  if (c === 0xc4 || c === 0xc5) {
    const b1 = rd.u8();
    let b2 = b1;
    if (c === 0xc4) {
      map = VEX_MAP + (b1 & 0x1f);
      rex = 0x40 | ((~b1 >> 5) & 7);
      b2 = rd.u8();
      vexW = (b2 & 0x80) !== 0;
    } else {
      map = VEX_MAP + 1;
      rex = 0x40 | ((~b1 >> 5) & 4);
    }
    vvvv = (~b2 >> 3) & 15;
    vexL = (b2 >> 2) & 1;
    c = rd.u8();
    if (rd.short) return NEED_MORE;
    // a VEX prefix after 66, F2, F3, REX or lock, or naming a map other than 0F, 0F 38, 0F 3A, is #UD
    if (opsz || rep || lock || rexBefore || map < VEX_MAP + 1 || map > VEX_MAP + 3) return rd.i > 15 ? { ...ud(15), tooLong: true } : ud(rd.i);
    vex = true;
    rep = [0, 0x66, 0xf3, 0xf2][b2 & 3];
  }
  const W = vex ? vexW : (rex & 8) !== 0;
  const R = (rex & 4) << 1;
  const X = (rex & 2) << 2;
  const B = (rex & 1) << 3;

  if (!vex && c === 0x0f) {
    map = 1;
    c = rd.u8();
    if (c === 0x38 || c === 0x3a) {
      map = c === 0x38 ? 2 : 3;
      c = rd.u8();
    }
  }
  /** The finished instruction, or what a short read or the length limit makes of it. */
  const finish = (insn: Insn): Insn | null => {
    if (rd.i > 15) return { ...ud(15), tooLong: true };
    if (rd.short) return NEED_MORE;
    return insn;
  };

  // the prefix an SSE-style encoding may claim: the last of F2/F3, else 66
  const mandatory = rep !== 0 ? rep : opsz ? 0x66 : 0;
  const pre: Prefixes = { rex, rep, opsz, addr32, seg, opcode: c };
  let e: Encoding | null = null;
  let mod = -1, regf = 0, rmf = 0, modrmByte = -1;
  let mem: MemOp | null = null;
  for (const cand of slot(map, c)) {
    if (cand.prefix >= 0 && cand.prefix !== mandatory) continue;
    if (cand.rexW && !W) continue;
    if (cand.vexW >= 0 && cand.vexW !== +W) continue;
    if (cand.vexL >= 0 && cand.vexL !== vexL) continue;
    if (cand.when !== null && !cand.when(pre)) continue;
    if (cand.modrm && mod < 0) {
      // ModRM (with SIB and displacement), read once for every candidate that needs it
      modrmByte = rd.u8();
      mod = modrmByte >> 6;
      regf = ((modrmByte >> 3) & 7) | R;
      rmf = modrmByte & 7;
      if (mod !== 3) mem = memOperand(rd, mod, rmf, X, B, seg, addr32);
    }
    if (cand.reg >= 0 && cand.reg !== (regf & 7)) continue;
    if (cand.exact >= 0 && cand.exact !== modrmByte) continue;
    if (cand.mod === 0 && mod === 3) continue;
    if (cand.mod === 3 && mod !== 3) continue;
    e = cand;
    break;
  }
  // VEX.vvvv names no register where no operand takes it: it must be 1111 (0 here)
  if (e === null || (vex && !e.vvvv && vvvv !== 0)) return finish(ud(rd.i));
  // a mandatory 66 is not an operand-size prefix
  const osz16 = opsz && e.prefix !== 0x66;
  const vosz = W ? 8 : osz16 ? 2 : 4;
  // a byte operand first (Eb, Gb, AL…): no regular expression, which V8 would compile in every run
  const first = e.ops.length > 0 ? e.ops[0] : "";
  const byteOp = e.byte || first === "AL" || (first.length === 2 && first[1] === "b");
  const osz = e.d64 ? 8 : byteOp ? 1 : vosz;
  const rmReg = rmf | B;

  const byteReg = (r: number): number => (rex === 0 && r >= 4 && r < 8 ? r + 12 : r);
  const reg = (r: number, sz: number): RegOp => ({ k: "r", r: sz === 1 ? byteReg(r) : r, sz });
  const imm = (sz: number, immsz: number): ImmOp => {
    let lo: number;
    let hi: number;
    if (immsz === 1) lo = rd.s8();
    else if (immsz === 2) lo = (rd.u16() << 16) >> 16;
    else lo = rd.s32();
    if (immsz === 8) hi = rd.s32();
    else hi = lo >> 31;
    if (sz === 1) lo &= 0xff;
    else if (sz === 2) lo &= 0xffff;
    if (sz < 8) hi = 0;
    return { k: "i", lo, hi, sz };
  };
  const size = (s: string): number => {
    switch (s) {
      case "b": return 1;
      case "w": return 2;
      case "d": return 4;
      case "q": return 8;
      case "v": return osz;
      case "z": return osz === 2 ? 2 : 4;
      case "y": return W ? 8 : 4;
      case "t": return 10;
      case "dq": return 16;
      case "qq": return 32;
      case "x": return vexL ? 32 : 16;
      case "": return 0;
      default: return +s;
    }
  };
  const rm = (sz: number, kind: "gpr" | "xmm" | "ymm" | "mm"): Operand => {
    if (mem !== null) {
      mem.sz = sz;
      return mem;
    }
    // an MMX register's number takes no REX bit
    return kind === "xmm" || kind === "ymm" ? { k: "r", r: rmReg, sz: kind === "xmm" ? 16 : 32 } : kind === "mm" ? { k: "r", r: rmf, sz: MM } : reg(rmReg, sz);
  };
  const operand = (o: string): Operand => {
    switch (o) {
      case "AL": return reg(0, 1);
      case "CL": return reg(1, 1);
      case "AX": return reg(0, 2);
      case "rAX": return reg(0, osz);
      case "1": return { k: "i", lo: 1, hi: 0, sz: 1 };
      case "ST0": return { k: "r", r: 0, sz: 10 };
      case "STi": return { k: "r", r: rmf, sz: 10 };
      case "Ib": return imm(1, 1);
      case "Iw": return imm(2, 2);
      case "Iz": return imm(osz, osz === 8 ? 4 : osz);
      case "Iv": return imm(osz, osz);
      case "Ibs": return imm(osz, 1);
      case "Jb": case "Jz": {
        const d = o === "Jb" ? rd.s8() : rd.s32();
        return { k: "j", target: ip + rd.i + d };
      }
    }
    const sz = size(o.slice(1));
    /** An XMM or YMM register's size: 32 for the YMM sizes. */
    const vsz = sz === 32 ? 32 : 16;
    switch (o[0]) {
      case "E": case "R": case "M": return rm(sz, "gpr");
      case "G": return reg(regf, sz);
      case "Z": return reg((c & 7) | B, sz);
      case "V": return { k: "r", r: regf, sz: vsz };
      case "H": return { k: "r", r: vvvv, sz: vsz };
      case "L": return { k: "r", r: (imm(1, 1).lo >> 4) & 15, sz: vsz };
      case "B": return reg(vvvv, sz);
      case "W": case "U": return rm(sz, vsz === 32 ? "ymm" : "xmm");
      case "P": return { k: "r", r: regf & 7, sz: MM };
      case "Q": case "N": return rm(sz, "mm");
      case "O": {
        // a 64-bit absolute address, 32-bit with the address-size prefix
        const lo = rd.s32(), hi = addr32 ? 0 : rd.s32();
        return { k: "m", base: -1, index: -1, scale: 1, dispLo: lo, dispHi: hi, rip: false, seg, a32: addr32, sz };
      }
      // string operands: rsi or rdi (esi, edi with 67); es, whose base is 0, cannot be overridden; maskmovq's ds:rdi can
      case "X": case "Y": case "D":
        return { k: "m", base: o[0] === "X" ? RSI : RDI, index: -1, scale: 1, dispLo: 0, dispHi: 0, rip: false, seg: o[0] === "Y" ? SEG_NONE : seg, a32: addr32, sz };
    }
    throw new Error(`decode: operand ${o}`); // define() admits none such
  };
  const ops = e.ops.map(operand);
  // lock only on the read-modify-write forms that allow it, with a memory destination
  if ((lock && !(e.def.lock && ops[0]?.k === "m")) || ((e.d64 || e.no16) && vosz === 2)) return finish(ud(rd.i));
  const insn: Insn = { def: e.def, op: "", len: rd.i, osz, ops, cc: e.cc ? c & 15 : 0, rep: e.def.rep ? rep : 0 };
  if (modrmByte >= 0) insn.modrm = modrmByte;
  insn.op = typeof e.def.name === "string" ? e.def.name : e.def.name(insn);
  const m = mem as MemOp | null;
  if (m !== null && m.rip) {
    // the target is relative to the next instruction: known only now
    const t = ip + rd.i + m.dispLo;
    m.dispLo = t % TWO32 | 0;
    m.dispHi = m.a32 ? 0 : Math.floor(t / TWO32) | 0;
  }
  return finish(insn);
}

/** The memory operand of a ModRM byte (mod 0..2): SIB, displacement, RIP-relative (fixed up by decode). */
function memOperand(rd: Reader, mod: number, rmf: number, X: number, B: number, seg: number, a32: boolean): MemOp {
  let base = -1;
  let index = -1;
  let scale = 1;
  let dispLo = 0;
  let ripRel = false;
  if (rmf === 4) {
    const sib = rd.u8();
    scale = 1 << (sib >> 6);
    const idx = ((sib >> 3) & 7) | X;
    if (idx !== 4) index = idx;
    const bs = sib & 7;
    if (bs === 5 && mod === 0) dispLo = rd.s32();
    else base = bs | B;
  } else if (rmf === 5 && mod === 0) {
    ripRel = true;
    dispLo = rd.s32();
  } else {
    base = rmf | B;
  }
  if (mod === 1) dispLo = rd.s8();
  else if (mod === 2) dispLo = rd.s32();
  // with 32-bit addressing the displacement is a 32-bit quantity too
  return { k: "m", base, index, scale, dispLo, dispHi: a32 ? 0 : dispLo >> 31, rip: ripRel, seg, a32, sz: 0 };
}
