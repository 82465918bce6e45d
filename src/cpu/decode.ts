// The x86-64 decoder for faultline's user-mode subset (DESIGN "The CPU").
//
// decode() turns the bytes at one address into an Insn: a mnemonic (spelled
// as iced-x86 and objdump spell it), the operand size and the operands in
// Intel order. Anything outside the subset decodes as "ud" (#UD), never as a
// guess. The executor (exec.ts) compiles an Insn once into a closure.
//
// SSE and SSE2 decode from the table in sse.ts.
//
// Registers are numbered 0..15 (rax..r15). Byte registers are 0..15 for
// al..r15b (spl..dil need REX) and 16..19 for ah, ch, dh, bh (only without REX).

import { type SseForm, sseForm, sseGroup } from "./sse.js";

export const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
const GRP1 = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const GRP2 = ["rol", "ror", "rcl", "rcr", "shl", "shr", "", "sar"];
const GRP3 = ["test", "", "not", "neg", "mul", "imul", "div", "idiv"];

export const SEG_NONE = 0;
export const SEG_FS = 4;
export const SEG_GS = 5;

export interface RegOp {
  k: "r";
  r: number;
  sz: number;
}
export interface MemOp {
  k: "m";
  /** Base and index register, or -1. RIP-relative: base -1, rip true, disp = the absolute target. */
  base: number;
  index: number;
  scale: number;
  /** The 64-bit displacement as two halves (sign-extended disp8/disp32, or the RIP-relative target). */
  dispLo: number;
  dispHi: number;
  rip: boolean;
  seg: number;
  sz: number;
}
export interface ImmOp {
  k: "i";
  lo: number;
  hi: number;
  sz: number;
}
/** A branch target (absolute). */
export interface RelOp {
  k: "j";
  target: number;
}
/** An XMM register (0..15). */
export interface XmmOp {
  k: "x";
  r: number;
}
export type Operand = RegOp | MemOp | ImmOp | RelOp | XmmOp;

export interface Insn {
  /** iced-x86's mnemonic, lower case ("add", "movzx", "jne", "cmovl", "movsq"); "ud" for #UD. */
  op: string;
  len: number;
  /** Operand size in bytes (1, 2, 4, 8). */
  osz: number;
  ops: Operand[];
  /** Condition code (0..15) for jcc, setcc and cmovcc. */
  cc: number;
  /** String instructions: 0, 0xf3 (rep/repe) or 0xf2 (repne). */
  rep: number;
  /** Instruction length limit exceeded (> 15 bytes): #GP rather than #UD. */
  tooLong?: boolean;
  /** SSE/SSE2 instructions: their form (sse.ts). */
  sse?: SseForm;
}

/** Returned when the bytes end before the instruction does (fetch the next page). */
export const NEED_MORE = null;

const TWO32 = 4294967296;

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
  return { op: "ud", len, osz: 0, ops: [], cc: 0, rep: 0 };
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
  const W = (rex & 8) !== 0;
  const R = (rex & 4) << 1;
  const X = (rex & 2) << 2;
  const B = (rex & 1) << 3;
  const osz = W ? 8 : opsz ? 2 : 4;

  let mod = 0;
  let regf = 0;
  let rmf = 0;
  let mem: MemOp | null = null;
  let rmReg = -1;

  const modrm = (sz: number): void => {
    const m = rd.u8();
    mod = m >> 6;
    regf = ((m >> 3) & 7) | R;
    rmf = m & 7;
    if (mod === 3) {
      rmReg = rmf | B;
      return;
    }
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
    mem = { k: "m", base, index, scale, dispLo, dispHi: dispLo >> 31, rip: ripRel, seg, sz };
  };
  /** The r/m operand at size sz (modrm() already called). */
  const E = (sz: number): Operand => {
    if (mem) {
      (mem as MemOp).sz = sz;
      return mem;
    }
    return { k: "r", r: sz === 1 ? byteReg(rmReg) : rmReg, sz };
  };
  const G = (sz: number): RegOp => ({ k: "r", r: sz === 1 ? byteReg(regf) : regf, sz });
  const byteReg = (r: number): number => (rex === 0 && r >= 4 && r < 8 ? r + 12 : r);
  const reg = (r: number, sz: number): RegOp => ({ k: "r", r: sz === 1 ? byteReg(r) : r, sz });
  const imm = (sz: number, immsz: number = sz): ImmOp => {
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
  const rel = (size: number): RelOp => {
    const d = size === 1 ? rd.s8() : rd.s32();
    return { k: "j", target: ip + rd.i + d };
  };
  let op = "";
  let ops: Operand[] = [];
  let cc = 0;
  let sz = osz;
  let usesRep = false;
  let ok = true;
  let sse: SseForm | undefined;

  if (c !== 0x0f) {
    switch (c) {
      case 0x00: case 0x01: case 0x02: case 0x03: case 0x04: case 0x05:
      case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d:
      case 0x10: case 0x11: case 0x12: case 0x13: case 0x14: case 0x15:
      case 0x18: case 0x19: case 0x1a: case 0x1b: case 0x1c: case 0x1d:
      case 0x20: case 0x21: case 0x22: case 0x23: case 0x24: case 0x25:
      case 0x28: case 0x29: case 0x2a: case 0x2b: case 0x2c: case 0x2d:
      case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35:
      case 0x38: case 0x39: case 0x3a: case 0x3b: case 0x3c: case 0x3d: {
        op = GRP1[c >> 3];
        const form = c & 7;
        sz = form & 1 ? osz : 1;
        if (form < 4) {
          modrm(sz);
          ops = form < 2 ? [E(sz), G(sz)] : [G(sz), E(sz)];
        } else {
          ops = [reg(0, sz), imm(sz, sz === 8 ? 4 : sz)];
        }
        break;
      }
      case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
        op = "push"; sz = 8; ok = osz !== 2; ops = [reg((c & 7) | B, 8)]; break;
      case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
        op = "pop"; sz = 8; ok = osz !== 2; ops = [reg((c & 7) | B, 8)]; break;
      case 0x63:
        op = "movsxd"; modrm(osz);
        ops = [G(osz), E(osz === 8 ? 4 : osz)]; break;
      case 0x68: op = "push"; sz = 8; ok = osz !== 2; ops = [imm(8, 4)]; break;
      case 0x6a: op = "push"; sz = 8; ok = osz !== 2; ops = [imm(8, 1)]; break;
      case 0x69: case 0x6b:
        op = "imul"; modrm(osz);
        ops = [G(osz), E(osz), imm(osz, c === 0x6b ? 1 : osz === 8 ? 4 : osz)]; break;
      case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
      case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
        cc = c & 15; op = "j" + CC[cc]; sz = 8; ops = [rel(1)]; ok = osz !== 2; break;
      case 0x80: case 0x81: case 0x83: {
        sz = c === 0x80 ? 1 : osz;
        modrm(sz);
        op = GRP1[regf & 7];
        ops = [E(sz), imm(sz, c === 0x81 ? (sz === 8 ? 4 : sz) : 1)];
        break;
      }
      case 0x84: case 0x85: sz = c & 1 ? osz : 1; op = "test"; modrm(sz); ops = [E(sz), G(sz)]; break;
      case 0x86: case 0x87: sz = c & 1 ? osz : 1; op = "xchg"; modrm(sz); ops = [E(sz), G(sz)]; break;
      case 0x88: case 0x89: sz = c & 1 ? osz : 1; op = "mov"; modrm(sz); ops = [E(sz), G(sz)]; break;
      case 0x8a: case 0x8b: sz = c & 1 ? osz : 1; op = "mov"; modrm(sz); ops = [G(sz), E(sz)]; break;
      case 0x8d: op = "lea"; modrm(0); ok = mod !== 3; if (ok) ops = [G(osz), E(0)]; break;
      case 0x8f: op = "pop"; sz = 8; modrm(8); ok = (regf & 7) === 0 && !opsz; ops = [E(8)]; break;
      case 0x90:
        if (rep === 0xf3) op = "pause";
        else if (B) { op = "xchg"; ops = [reg(8, osz), reg(0, osz)]; }
        else op = "nop";
        break;
      case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
        op = "xchg"; ops = [reg((c & 7) | B, osz), reg(0, osz)]; break;
      case 0x98: op = osz === 8 ? "cdqe" : osz === 4 ? "cwde" : "cbw"; break;
      case 0x99: op = osz === 8 ? "cqo" : osz === 4 ? "cdq" : "cwd"; break;
      case 0x9c: op = "pushfq"; sz = 8; ok = osz !== 2; break;
      case 0x9d: op = "popfq"; sz = 8; ok = osz !== 2; break;
      case 0xa0: case 0xa1: case 0xa2: case 0xa3: {
        // mov between the accumulator and a 64-bit absolute address (moffs)
        sz = c & 1 ? osz : 1;
        const lo = rd.s32(), hi = rd.s32();
        const m: MemOp = { k: "m", base: -1, index: -1, scale: 1, dispLo: lo, dispHi: hi, rip: false, seg, sz };
        op = "mov";
        ops = c < 0xa2 ? [reg(0, sz), m] : [m, reg(0, sz)];
        break;
      }
      case 0xa8: case 0xa9: sz = c & 1 ? osz : 1; op = "test"; ops = [reg(0, sz), imm(sz, sz === 8 ? 4 : sz)]; break;
      case 0xa4: case 0xa5: case 0xaa: case 0xab: {
        sz = c & 1 ? osz : 1;
        const sfx = sz === 1 ? "b" : sz === 2 ? "w" : sz === 4 ? "d" : "q";
        op = (c < 0xaa ? "movs" : "stos") + sfx;
        usesRep = true;
        ok = rep !== 0xf2 && seg === SEG_NONE; // repne, or an fs/gs source, are outside the subset
        break;
      }
      case 0xb0: case 0xb1: case 0xb2: case 0xb3: case 0xb4: case 0xb5: case 0xb6: case 0xb7:
        op = "mov"; sz = 1; ops = [reg((c & 7) | B, 1), imm(1)]; break;
      case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        op = "mov"; ops = [reg((c & 7) | B, osz), imm(osz)]; break;
      case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: {
        sz = c & 1 ? osz : 1;
        modrm(sz);
        op = GRP2[regf & 7];
        ok = op !== "";
        const count: Operand = c <= 0xc1 ? imm(1, 1) : c <= 0xd1 ? { k: "i", lo: 1, hi: 0, sz: 1 } : reg(1, 1);
        ops = [E(sz), count];
        break;
      }
      case 0xc2: op = "ret"; sz = 8; ok = osz !== 2; ops = [{ k: "i", lo: rd.u16(), hi: 0, sz: 2 }]; break;
      case 0xc3: op = "ret"; sz = 8; ok = osz !== 2; break;
      case 0xc6: case 0xc7: {
        sz = c & 1 ? osz : 1;
        modrm(sz);
        op = "mov";
        ok = (regf & 7) === 0;
        ops = [E(sz), imm(sz, sz === 8 ? 4 : sz)];
        break;
      }
      case 0xc9: op = "leave"; sz = 8; ok = osz !== 2; break;
      case 0xcc: op = "int3"; break;
      case 0xe8: op = "call"; sz = 8; ok = osz !== 2; ops = [rel(4)]; break;
      case 0xe9: op = "jmp"; sz = 8; ok = osz !== 2; ops = [rel(4)]; break;
      case 0xeb: op = "jmp"; sz = 8; ok = osz !== 2; ops = [rel(1)]; break;
      case 0xf4: op = "hlt"; break;
      case 0xf5: op = "cmc"; break;
      case 0xf8: op = "clc"; break;
      case 0xf9: op = "stc"; break;
      case 0xfc: op = "cld"; break;
      case 0xfd: op = "std"; break;
      case 0xf6: case 0xf7: {
        sz = c & 1 ? osz : 1;
        modrm(sz);
        op = GRP3[regf & 7];
        ok = op !== "";
        ops = op === "test" ? [E(sz), imm(sz, sz === 8 ? 4 : sz)] : [E(sz)];
        break;
      }
      case 0xfe: {
        sz = 1;
        modrm(1);
        op = ["inc", "dec"][regf & 7] ?? "";
        ok = op !== "";
        ops = [E(1)];
        break;
      }
      case 0xff: {
        modrm(osz);
        const f = regf & 7;
        if (f === 0 || f === 1) { op = f ? "dec" : "inc"; ops = [E(osz)]; }
        else if (f === 2 || f === 4 || f === 6) {
          op = f === 2 ? "call" : f === 4 ? "jmp" : "push";
          sz = 8; ok = osz !== 2; ops = [E(8)];
        } else ok = false;
        break;
      }
      default: ok = false;
    }
  } else {
    const c2 = rd.u8();
    switch (c2) {
      case 0x05: op = "syscall"; break;
      case 0x0b: op = "ud2"; ok = false; break;
      case 0x1e:
        // endbr64 is F3 0F 1E FA; the rest of 0F 1E is a hint nop we do not take
        ok = rep === 0xf3 && rd.u8() === 0xfa; op = "endbr64"; break;
      case 0x1f: op = "nop"; modrm(osz); ok = (regf & 7) === 0; ops = [E(osz)]; break;
      case 0x31: op = "rdtsc"; break;
      case 0xa2: op = "cpuid"; break;
      case 0x40: case 0x41: case 0x42: case 0x43: case 0x44: case 0x45: case 0x46: case 0x47:
      case 0x48: case 0x49: case 0x4a: case 0x4b: case 0x4c: case 0x4d: case 0x4e: case 0x4f:
        cc = c2 & 15; op = "cmov" + CC[cc]; modrm(osz); ops = [G(osz), E(osz)]; break;
      case 0x80: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85: case 0x86: case 0x87:
      case 0x88: case 0x89: case 0x8a: case 0x8b: case 0x8c: case 0x8d: case 0x8e: case 0x8f:
        cc = c2 & 15; op = "j" + CC[cc]; sz = 8; ok = osz !== 2; ops = [rel(4)]; break;
      case 0x90: case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97:
      case 0x98: case 0x99: case 0x9a: case 0x9b: case 0x9c: case 0x9d: case 0x9e: case 0x9f:
        cc = c2 & 15; op = "set" + CC[cc]; sz = 1; modrm(1); ops = [E(1)]; break;
      case 0xa3: case 0xab: case 0xb3: case 0xbb:
        op = ["bt", "bts", "btr", "btc"][(c2 >> 3) & 3]; modrm(osz); ops = [E(osz), G(osz)]; break;
      case 0xba:
        modrm(osz); op = ["", "", "", "", "bt", "bts", "btr", "btc"][regf & 7]; ok = op !== "";
        ops = [E(osz), imm(1, 1)]; break;
      case 0xa4: case 0xa5: case 0xac: case 0xad:
        op = c2 < 0xa8 ? "shld" : "shrd"; modrm(osz);
        ops = [E(osz), G(osz), c2 & 1 ? reg(1, 1) : imm(1, 1)]; break;
      case 0xaf: op = "imul"; modrm(osz); ops = [G(osz), E(osz)]; break;
      case 0xb0: case 0xb1: sz = c2 & 1 ? osz : 1; op = "cmpxchg"; modrm(sz); ops = [E(sz), G(sz)]; break;
      case 0xc0: case 0xc1: sz = c2 & 1 ? osz : 1; op = "xadd"; modrm(sz); ops = [E(sz), G(sz)]; break;
      case 0xb6: case 0xb7: case 0xbe: case 0xbf: {
        op = c2 < 0xb8 ? "movzx" : "movsx";
        modrm(osz);
        ops = [G(osz), E(c2 & 1 ? 2 : 1)];
        break;
      }
      case 0xb8: op = "popcnt"; ok = rep === 0xf3; modrm(osz); ops = [G(osz), E(osz)]; break;
      case 0xbc: case 0xbd:
        op = rep === 0xf3 ? (c2 === 0xbc ? "tzcnt" : "lzcnt") : c2 === 0xbc ? "bsf" : "bsr";
        modrm(osz); ops = [G(osz), E(osz)]; break;
      case 0xc8: case 0xc9: case 0xca: case 0xcb: case 0xcc: case 0xcd: case 0xce: case 0xcf:
        op = "bswap"; ok = osz !== 2; ops = [reg((c2 & 7) | B, osz)]; break;
      default: {
        // SSE: F3 or F2 (the last one) outranks 66 as the mandatory prefix
        const pfx = rep !== 0 ? rep : opsz ? 0x66 : 0;
        if (!sseGroup(c2) && sseForm(pfx, c2, 0) === undefined) { ok = false; break; }
        modrm(0);
        const f = sseForm(pfx, c2, regf & 7);
        const shape = f === undefined ? "" : mod === 3 ? f.reg : f.mem;
        if (!shape) { ok = false; break; }
        op = (mod === 3 && f!.opR) || (W && f!.opW) || f!.op;
        sse = W && f!.opW ? { ...f!, op, n: 2, msz: 8 } : f!;
        sz = W ? 8 : 4;
        const msz = sse.msz;
        const x = (r: number): XmmOp => ({ k: "x", r });
        if (shape !== "-") {
          for (const s of shape.split(",")) {
            switch (s) {
              case "V": ops.push(x(regf)); break;
              case "U": ops.push(x(rmReg)); break;
              case "W": ops.push(mod !== 3 ? E(msz) : x(rmReg)); break;
              case "M": ops.push(E(msz)); break;
              case "G": ops.push(G(sz)); break;
              case "E": ops.push(E(mod !== 3 ? msz : sz)); break;
              default: ops.push(imm(1, 1));
            }
          }
        }
      }
    }
  }
  if (rd.i > 15) return { ...ud(15), tooLong: true };
  if (rd.short) return NEED_MORE;
  // the address-size and lock prefixes are outside the subset (#UD, not a guess)
  if (!ok || addr32 || lock) return ud(rd.i);
  const m = mem as MemOp | null;
  if (m !== null && m.rip) {
    // the target is relative to the next instruction: known only now
    const t = ip + rd.i + m.dispLo;
    m.dispLo = t % TWO32 | 0;
    m.dispHi = Math.floor(t / TWO32) | 0;
  }
  return sse ? { op, len: rd.i, osz: sz, ops, cc, rep: 0, sse } : { op, len: rd.i, osz: sz, ops, cc, rep: usesRep ? rep : 0 };
}
