// Instructions as data: the decoded Insn, and the one descriptor (InsnDef) per
// instruction that the decoder, the interpreter (exec.ts) and the block
// translator (jit.ts) share. A family file (alu.ts, bits.ts, …) calls define()
// for each of its instructions; families.ts imports the family files. Adding
// an instruction touches its family file only.
//
// An encoding is written as in the Intel manual, then a colon and the operands:
//
//   "81 /0: Ev,Iz"        opcode, ModRM reg field 0, operands r/m (operand size) and imm16/32
//   "0F 80+cc d64: Jz"    sixteen opcodes, the condition in the low nibble; 64-bit operand size
//   "66 0F 6F /r: V,Wdq"  mandatory prefix 66 (also F3, F2, or NP for none of them)
//   "W 0F C7 /1: Mdq"     REX.W required
//   "D9 E8"               an exact ModRM byte (x87 register forms, endbr64)
//   "50+r d64: Zq"        the register in the opcode's low three bits (plus REX.B)
//   "VEX 66 0F 38 58 W0 L1 /r: Vx,Wd"   a VEX encoding (c4/c5): the prefix is VEX.pp, the map VEX.mmmmm;
//                         W0/W1 and L0/L1 constrain VEX.W and VEX.L (else any)
//
// Opcode tokens: hex bytes (0F, 0F 38 and 0F 3A open the two- and three-byte
// maps), +r, +cc, /r, /0../7, an exact ModRM byte, and the flags d64 (64-bit
// operand size, no 16-bit form: 66 is #UD), no16 (66 is #UD) and byte (an
// 8-bit operation without a byte operand, as movsb).
//
// Operands: a letter for where, then a size.
//   E  r/m: register or memory      G  the ModRM reg field       R  r/m, register only
//   M  r/m, memory only             Z  opcode low bits (+r)      O  64-bit absolute address (moffs)
//   I  immediate (Ibs: imm8 sign-extended to the operand size)  J  branch target (Jb, Jz)
//   V  XMM from the reg field       W  XMM or memory from r/m    U  XMM from r/m, register only
//   H  XMM/YMM from VEX.vvvv        B  general register from VEX.vvvv (By)
//   L  XMM/YMM from an immediate byte's high nibble (is4: the variable blends' mask)
//   P  MMX from the reg field       Q  MMX or memory from r/m    N  MMX from r/m, register only (REX ignored)
//   X  memory at ds:rsi (string source; fs/gs may override ds)   Y  memory at es:rdi (string destination)
//   D  memory at ds:rdi (maskmovq; fs/gs may override ds)
//   AL, CL, AX, rAX (the accumulator at the operand size), 1, ST0, STi (x87 st(rm))
// Sizes: b w d q (1 2 4 8), v (the operand size), z (2 at 16 bits, else 4), y (8 with REX.W, else 4),
// t (10), dq (16), qq (32), x (16, or 32 with VEX.L), or a number of bytes (M512); none for M means no access (lea).
// A VEX register operand of size 32 is a YMM register (RegOp.sz 32).

import type { Exec, Op } from "./exec.js";
import type { Jit } from "./jit.js";

/** Condition-code suffixes, by the low nibble of jcc/setcc/cmovcc. */
export const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];

export const SEG_NONE = 0;
export const SEG_FS = 4;
export const SEG_GS = 5;

/** RegOp.sz of an MMX register (8 bytes, but not a general register). */
export const MM = 9;

/**
 * A register. sz 1, 2, 4, 8: a general register (0..15; at sz 1, 16..19 are
 * ah, ch, dh, bh); sz 16: XMM r; sz 32: YMM r; sz 10: the x87 register st(r); sz MM:
 * the MMX register mm r.
 */
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
  /** The address-size prefix (67): the effective address is truncated to 32 bits (before fs/gs). */
  a32: boolean;
  /** Bytes accessed (0: the address only, as lea). */
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
export type Operand = RegOp | MemOp | ImmOp | RelOp;

export interface Insn {
  /** The descriptor: how to run and translate it. */
  def: InsnDef;
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
  /** The ModRM byte, when the encoding has one (the x87 records it in FOP). */
  modrm?: number;
}

/** What an encoding's `when` may look at: the prefixes and the opcode byte. */
export interface Prefixes {
  rex: number;
  rep: number;
  opsz: boolean;
  addr32: boolean;
  seg: number;
  opcode: number;
}

/** CPUID feature bits: [leaf, register (0 eax .. 3 edx), bit]. */
export type Feature = readonly [number, number, number];
export const FEAT_FPU: Feature = [1, 3, 0];
export const FEAT_TSC: Feature = [1, 3, 4];
export const FEAT_CX8: Feature = [1, 3, 8];
export const FEAT_MMX: Feature = [1, 3, 23];
export const FEAT_CMOV: Feature = [1, 3, 15];
export const FEAT_FXSR: Feature = [1, 3, 24];
export const FEAT_SSE: Feature = [1, 3, 25];
export const FEAT_SSE2: Feature = [1, 3, 26];
export const FEAT_SSE3: Feature = [1, 2, 0];
export const FEAT_SSSE3: Feature = [1, 2, 9];
export const FEAT_CX16: Feature = [1, 2, 13];
export const FEAT_SSE41: Feature = [1, 2, 19];
export const FEAT_SSE42: Feature = [1, 2, 20];
export const FEAT_POPCNT: Feature = [1, 2, 23];
export const FEAT_SYSCALL: Feature = [0x80000001, 3, 11];
export const FEAT_NX: Feature = [0x80000001, 3, 20];
export const FEAT_LM: Feature = [0x80000001, 3, 29];
export const FEAT_LAHF: Feature = [0x80000001, 2, 0];
export const FEAT_LZCNT: Feature = [0x80000001, 2, 5];
export const FEAT_FMA: Feature = [1, 2, 12];
export const FEAT_MOVBE: Feature = [1, 2, 22];
export const FEAT_XSAVE: Feature = [1, 2, 26];
export const FEAT_OSXSAVE: Feature = [1, 2, 27];
export const FEAT_AVX: Feature = [1, 2, 28];
export const FEAT_F16C: Feature = [1, 2, 29];
export const FEAT_BMI1: Feature = [7, 1, 3];
export const FEAT_AVX2: Feature = [7, 1, 5];
export const FEAT_BMI2: Feature = [7, 1, 8];
export const FEAT_ERMS: Feature = [7, 1, 9];

export interface InsnDef {
  /** The mnemonic, or a function of the decoded instruction (jcc, movs, cbw/cwde/cdqe). */
  name: string | ((insn: Insn) => string);
  /** Encodings, as described at the top of this file. */
  enc: readonly (string | { enc: string; when: (p: Prefixes) => boolean })[];
  /** Compiles the instruction into an Op: `live` = the flags a later instruction may read. */
  compile(x: Exec, insn: Insn, ip: number, live: number): Op;
  /**
   * JavaScript source for the block translator, or null to run the Op from the
   * translated block. Code that sets F must say so with j.known.
   */
  translate?(j: Jit, insn: Insn, i: number): string | null;
  /** The arithmetic flags read and surely written (or a function of the instruction: use | def << 16). */
  use?: number;
  def?: number;
  flags?(insn: Insn): number;
  /** May stop for the kernel without a memory operand (stack, #DE, #UD, syscall): RFLAGS must be exact there. */
  faults?: boolean;
  /** The memory operand is only an address (lea, nop): it is never accessed. */
  noAccess?: boolean;
  /** Sets rip or stops: the block ends after it. */
  ends?: boolean;
  /**
   * A conditional direct jump: a block goes on past it to its fall-through when
   * that way the block loops back to its start (a loop whose exit test is not
   * its last instruction stays in one block); its Op returns STOP_TAKEN when it jumps.
   */
  conditional?: boolean;
  /** Reads the count of instructions retired (rdtsc), which a block adds up only at its end: it runs as a block of its own. */
  alone?: boolean;
  /** Takes the lock prefix when its destination is memory (else lock is #UD). */
  lock?: boolean;
  /** Takes a rep/repne prefix (string instructions): Insn.rep. */
  rep?: boolean;
  /** The CPUID bit that announces it. */
  feature?: Feature;
  /** Reads or writes general registers that are not among its operands (pcmpestri's rax, rdx and rcx). */
  implicitRegs?: boolean;
}

/** One parsed encoding, in the table of its opcode slot. */
export interface Encoding {
  def: InsnDef;
  /** -1 any; 0 none of 66/F2/F3 (NP); else the mandatory prefix byte. */
  prefix: number;
  rexW: boolean;
  modrm: boolean;
  /** ModRM constraints: reg field (-1 any), mod (-1 any, 0 memory only, 3 register only), exact byte (-1 none). */
  reg: number;
  mod: number;
  exact: number;
  /** +cc: the condition is the opcode's low nibble. */
  cc: boolean;
  d64: boolean;
  no16: boolean;
  byte: boolean;
  /** A VEX encoding: VEX.W and VEX.L required (-1 either); `vvvv`: an operand names VEX.vvvv (else it must be 1111). */
  vex: boolean;
  vexW: number;
  vexL: number;
  vvvv: boolean;
  ops: string[];
  when: ((p: Prefixes) => boolean) | null;
}

/**
 * Opcode maps: one-byte, 0F, 0F 38, 0F 3A, then the VEX maps at VEX_MAP + VEX.mmmmm (0F, 0F 38, 0F 3A);
 * each slot lists its encodings, most specific first.
 */
export const VEX_MAP = 4;
export const MAPS: Encoding[][][] = [0, 1, 2, 3, 4, 5, 6, 7].map(emptyMap);
/** Every instruction defined, in the order defined. */
export const DEFS: InsnDef[] = [];
/** The slots the family being defined later (LaterFamily) has filled, while one is. */
let building: Set<Encoding[]> | null = null;

/**
 * An opcode map of 256 empty slots. A loop, here rather than at the top level: the bundle's
 * top level is one function, and loops there spend its tiering budget (past it, V8 compiles
 * all of it with Sparkplug: 2.5 ms).
 */
function emptyMap(): Encoding[][] {
  const map: Encoding[][] = [];
  for (let op = 0; op < 256; op++) map.push([]);
  return map;
}

// What an operand asks of the encoding (operandBits).
const USES_MODRM = 1, MEM_ONLY = 2, REG_ONLY = 4, USES_VVVV = 8;
const GPR_SIZES = ["b", "w", "d", "q", "v", "z", "y"];
const MEM_SIZES = ["", "b", "w", "d", "q", "v", "z", "y", "t", "dq", "qq", "x"];
const XMM_SIZES = ["", "b", "w", "d", "q", "dq", "qq", "x"];
const MMX_SIZES = ["", "d", "q"];

/** The USES_MODRM..USES_VVVV bits of an operand as the header spells it, or -1 for a misspelt one. */
function operandBits(o: string): number {
  switch (o) {
    case "AL": case "CL": case "AX": case "rAX": case "1": case "ST0": case "Ibs": return 0;
    case "STi": return USES_MODRM | REG_ONLY;
  }
  const size = o.slice(1);
  switch (o[0]) {
    case "I": return size === "b" || size === "w" || size === "z" || size === "v" ? 0 : -1;
    case "J": return size === "b" || size === "z" ? 0 : -1;
    case "E": case "G": return GPR_SIZES.includes(size) ? USES_MODRM : -1;
    case "R": return GPR_SIZES.includes(size) ? USES_MODRM | REG_ONLY : -1;
    case "Z": case "O": case "X": case "Y": case "D": return GPR_SIZES.includes(size) ? 0 : -1;
    case "B": return GPR_SIZES.includes(size) ? USES_VVVV : -1;
    case "M": return MEM_SIZES.includes(size) || isCount(size) ? USES_MODRM | MEM_ONLY : -1;
    case "V": case "W": return XMM_SIZES.includes(size) ? USES_MODRM : -1;
    case "U": return XMM_SIZES.includes(size) ? USES_MODRM | REG_ONLY : -1;
    case "H": return XMM_SIZES.includes(size) ? USES_VVVV : -1;
    case "L": return XMM_SIZES.includes(size) ? 0 : -1;
    case "P": case "Q": return MMX_SIZES.includes(size) ? USES_MODRM : -1;
    case "N": return MMX_SIZES.includes(size) ? USES_MODRM | REG_ONLY : -1;
  }
  return -1;
}

/** A byte count (M512): decimal digits only. */
function isCount(s: string): boolean {
  if (s === "") return false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) < 48 || s.charCodeAt(i) > 57) return false;
  return true;
}

/** The value of an upper-case hex digit, or -1. */
function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 65 && c <= 70 ? c - 55 : -1;
}

function specificity(e: Encoding): number {
  return (e.prefix >= 0 ? 8 : 0) + (e.when ? 4 : 0) + (e.rexW || e.vexW >= 0 || e.vexL >= 0 ? 2 : 0) + (e.exact >= 0 || e.reg >= 0 ? 1 : 0);
}

/** An encoding of a family defined at load, parsed when the decoder first looks at its slot (or slots: +r, +cc). */
interface Waiting {
  def: InsnDef;
  text: string;
  when: ((p: Prefixes) => boolean) | null;
  parsed: Encoding | null;
}
/** The encodings not yet parsed, by slot (map << 8 | opcode), in the order defined. */
const WAITING = new Map<number, Waiting[]>();

/** The map an escape byte `b` leads to from `map` (0F; then 38 or 3A, `plain`: without +r or +cc), or -1 when b is no escape there. */
function escapedMap(map: number, b: number, plain: boolean): number {
  if (map === 0 && b === 0x0f) return 1;
  if (map === 1 && (b === 0x38 || b === 0x3a) && plain) return b === 0x38 ? 2 : 3;
  return -1;
}

/**
 * The first slot of an encoding (map << 8 | opcode) and how many it fills
 * (1, 8 for +r, 16 for +cc) as n << 16 | slot, or -1 when it names no
 * opcode: what define reads of it at load, without parsing the rest.
 */
function slotsOf(text: string): number {
  let end = text.indexOf(":");
  if (end < 0) end = text.length;
  let map = 0, vex = false;
  for (let i = 0; i < end; ) {
    let j = text.indexOf(" ", i);
    if (j < 0 || j > end) j = end;
    const len = j - i;
    if (len === 3 && text.startsWith("VEX", i)) vex = true;
    else if (len >= 2) {
      const hi = hexDigit(text.charCodeAt(i)), lo = hexDigit(text.charCodeAt(i + 1));
      if (hi >= 0 && lo >= 0 && (len === 2 || text.charCodeAt(i + 2) === 43)) {
        const b = (hi << 4) | lo, next = escapedMap(map, b, len === 2);
        if (next >= 0) map = next;
        else if (!(map === 0 && (b === 0x66 || b === 0xf2 || b === 0xf3))) {
          const n = len === 2 ? 1 : text.charCodeAt(i + 3) === 114 ? 8 : 16;
          return (n << 16) | ((vex ? map + VEX_MAP : map) << 8) | b;
        }
      }
    }
    i = j + 1;
  }
  return -1;
}

// Written for the start-up: an encoding is parsed on the run's path, in V8's
// interpreter. So no regular expressions (each compiles on first use), no
// for-of (an iterator call per step), and no array literal inside the
// Encoding literal (copied by the runtime, not cloned).
/** The encoding `text` says, and its slots: map << 8 | first opcode, and how many (+r: 8, +cc: 16). */
function parse(def: InsnDef, text: string, when: ((p: Prefixes) => boolean) | null): { e: Encoding; first: number; slots: number } {
  const colon = text.indexOf(":");
  const toks = (colon < 0 ? text : text.slice(0, colon)).split(" ");
  const tail = colon < 0 ? "" : text.slice(colon + 1).trim();
  const ops = tail === "" ? [] : tail.split(",");
  const e: Encoding = {
    def, prefix: -1, rexW: false, modrm: false, reg: -1, mod: -1, exact: -1, cc: false, d64: false, no16: false, byte: false,
    vex: false, vexW: -1, vexL: -1, vvvv: false, ops, when,
  };
  let map = 0, opcode = -1, slots = 1;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t === "") continue;
    if (t === "NP") e.prefix = 0;
    else if (t === "VEX" && opcode < 0 && map === 0) { e.vex = true; e.prefix = 0; }
    else if (e.vex && t.length === 2 && (t[0] === "W" || t[0] === "L") && (t[1] === "0" || t[1] === "1")) {
      if (t[0] === "W") e.vexW = +t[1]; else e.vexL = +t[1];
    } else if ((t === "66" || t === "F2" || t === "F3") && opcode < 0 && map === 0) e.prefix = parseInt(t, 16);
    else if (t === "W") e.rexW = true;
    else if (t === "d64") e.d64 = true;
    else if (t === "no16") e.no16 = true;
    else if (t === "byte") e.byte = true;
    else if (t === "/r") e.modrm = true;
    else if (t.length === 2 && t[0] === "/" && t[1] >= "0" && t[1] <= "7") { e.modrm = true; e.reg = +t[1]; }
    else {
      const hi = hexDigit(t.charCodeAt(0)), lo = hexDigit(t.charCodeAt(1)), rest = t.slice(2);
      if (hi < 0 || lo < 0 || (rest !== "" && rest !== "+r" && rest !== "+cc")) {
        throw new Error(`define ${String(def.name)}: bad encoding token ${t} in "${text}"`);
      }
      const b = (hi << 4) | lo, next = escapedMap(map, b, rest === "");
      if (opcode >= 0) { e.modrm = true; e.exact = b; e.mod = 3; }
      else if (next >= 0) map = next;
      else {
        opcode = b;
        if (rest === "+r") slots = 8;
        else if (rest === "+cc") { slots = 16; e.cc = true; }
      }
    }
  }
  if (opcode < 0) throw new Error(`define ${String(def.name)}: no opcode in "${text}"`);
  if (e.vex) {
    if (map === 0) throw new Error(`define ${String(def.name)}: VEX without a map in "${text}"`);
    map += VEX_MAP;
  }
  for (let i = 0; i < ops.length; i++) {
    const o = (ops[i] = ops[i].trim()), bits = operandBits(o);
    if (bits < 0) throw new Error(`define ${String(def.name)}: bad operand ${o} in "${text}"`);
    if (bits & MEM_ONLY) e.mod = 0;
    else if (bits & REG_ONLY) e.mod = 3;
    if (bits & USES_MODRM) e.modrm = true;
    if (bits & USES_VVVV) e.vvvv = true;
  }
  return { e, first: (map << 8) | opcode, slots };
}

/** Puts `e` into its slot's list, after the encodings at least as specific (the list is in decreasing specificity): the order a stable sort gives. */
function insert(list: Encoding[], e: Encoding, text: string): void {
  // the decoder reads ModRM for the first candidate that needs it: a slot's encodings all take it, or none
  if (list.length > 0 && list[0].modrm !== e.modrm) throw new Error(`define ${String(e.def.name)}: "${text}" and ${String(list[0].def.name)} disagree on ModRM`);
  const rank = specificity(e);
  let at = list.length;
  while (at > 0 && specificity(list[at - 1]) < rank) at--;
  if (at === list.length) list.push(e);
  else list.splice(at, 0, e);
}

/** Parses the waiting encodings of slot `key` (map << 8 | opcode) into it, in the order defined. */
function parseWaiting(key: number): void {
  const waiting = WAITING.get(key);
  if (!waiting) return;
  WAITING.delete(key);
  const list = MAPS[key >> 8][key & 255];
  for (let i = 0; i < waiting.length; i++) {
    const w = waiting[i];
    // one Encoding for every slot of a +r or +cc encoding, as when parsed at once
    w.parsed ??= parse(w.def, w.text, w.when).e;
    insert(list, w.parsed, w.text);
  }
}

/** Parses `text` into its slots now: a family defined later, which owns its slots (the maps come out the same whenever it is defined). */
function parseNow(def: InsnDef, text: string, when: ((p: Prefixes) => boolean) | null): void {
  const { e, first, slots } = parse(def, text, when);
  for (let s = 0; s < slots; s++) {
    const list = MAPS[first >> 8][(first & 255) + s];
    if (building && ((list.length > 0 && !building.has(list)) || WAITING.has(first + s))) {
      throw new Error(`define ${String(def.name)}: "${text}" shares its opcode slot with a family defined earlier`);
    }
    building?.add(list);
    insert(list, e, text);
  }
}

/**
 * Registers an instruction. A family defined later puts its encodings into
 * the opcode maps now; one defined at load only notes their slots, and each
 * is parsed when the decoder first looks at its slot (defineWaiting parses
 * the rest): a run parses the few hundred it decodes, not every one.
 */
export function define(def: InsnDef): InsnDef {
  for (let i = 0; i < def.enc.length; i++) {
    const x = def.enc[i];
    const text = typeof x === "string" ? x : x.enc, when = typeof x === "string" ? null : x.when;
    const slots = building ? -1 : slotsOf(text);
    if (slots < 0) {
      parseNow(def, text, when);
      continue;
    }
    const w: Waiting = { def, text, when, parsed: null };
    for (let s = 0; s < slots >> 16; s++) {
      const key = (slots & 0xffff) + s;
      const list = WAITING.get(key);
      if (list) list.push(w);
      else WAITING.set(key, [w]);
    }
  }
  DEFS.push(def);
  return def;
}

/**
 * A family whose descriptors are made when the decoder first needs them (the
 * x87, SSE): building them at load costs a run that never executes one more
 * than the rest of the CPU's start-up. `define` runs on the first opcode of
 * its maps that no other family claims; the family's encodings must be alone in
 * their slots (parse checks). `features` are the CPUID bits its instructions
 * announce, known before they are defined.
 */
export interface LaterFamily {
  maps: readonly number[];
  features: readonly Feature[];
  define: () => void;
  /** Its descriptors, once defined; null before. */
  defs: InsnDef[] | null;
}
/** The families defined later, in the order registered. */
export const LATER: LaterFamily[] = [];
/** Registers a family to be defined on the first use of its opcode map (or maps). */
export function defineLater(map: number | readonly number[], features: readonly Feature[], define: () => void): void {
  LATER.push({ maps: typeof map === "number" ? [map] : map, features, define, defs: null });
}

/** Defines the waiting families of `map` (every map: -1) and parses the map's waiting encodings: the whole map, as the tests read it. */
export function defineWaiting(map = -1): void {
  for (const key of [...WAITING.keys()]) if (map < 0 || key >> 8 === map) parseWaiting(key);
  defineFamilies(map);
}

/** Defines the waiting families of `map` (every map: -1), in the order registered. */
function defineFamilies(map: number): void {
  for (const f of LATER) {
    if (f.defs !== null || (map >= 0 && !f.maps.includes(map))) continue;
    const first = DEFS.length;
    building = new Set();
    try {
      f.define();
    } finally {
      building = null;
    }
    f.defs = DEFS.slice(first);
  }
}

/** The encodings of an opcode slot; an empty one first parses its waiting encodings, else defines the families waiting on its map. */
export function slot(map: number, opcode: number): Encoding[] {
  const list = MAPS[map][opcode];
  if (list.length === 0) {
    parseWaiting((map << 8) | opcode);
    if (list.length > 0) return list;
    // the VEX forms derive from the legacy descriptors: those come first
    if (map >= VEX_MAP) for (let m = 0; m < VEX_MAP; m++) defineFamilies(m);
    defineFamilies(map);
  }
  return list;
}

/**
 * CPUID leaf values: [eax, ebx, ecx, edx] of `leaf`, from the features the defined instructions, the families defined later and `extra`
 * announce, but for those `withheld` (a CPU model without them).
 */
export function featureBits(leaf: number, extra: readonly Feature[], withheld: readonly Feature[] = []): number[] {
  const out = [0, 0, 0, 0];
  for (const f of [...extra, ...LATER.flatMap((l) => l.features), ...DEFS.map((d) => d.feature).filter((f) => f !== undefined)]) {
    if (f[0] === leaf && !withheld.includes(f)) out[f[1]] |= 1 << f[2];
  }
  return out;
}
