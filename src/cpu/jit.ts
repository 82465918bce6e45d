// The block compiler: a block that has run often is translated into one
// JavaScript function (new Function), with the registers it touches held in
// local variables and every constant (register numbers, immediates, branch
// targets) written into the source. Instructions it does not translate run
// as their compiled Ops from inside that function. Where `new Function` is
// forbidden (a Content-Security-Policy without 'unsafe-eval'), blocks keep
// running as Ops: the results are the same, only slower.
//
// A block function returns 0 when the whole block ran (rip set by its branch,
// or left at the block's end), else the stop code | (index of the stopping
// instruction << 8), with the registers written back and the instruction
// that stopped having changed nothing (unless it is a syscall or int3).

import type { Insn, MemOp, Operand } from "./decode.js";
import { flagEffects, type Op } from "./exec.js";
import { TLB_MASK, type Mmu } from "./mmu.js";
import { AF, K_ADD, K_LOGIC, K_SUB, PF, RSP, SF, ZF } from "./state.js";

export type BlockFn = () => number;

/** What the generated code may call: the executor's state and helpers. */
export interface JitEnv {
  L: Int32Array;
  H: Int32Array;
  F: Int32Array;
  T: Int32Array;
  RIP: Float64Array;
  mmu: Mmu;
  FLT: { kind: number };
  add(szi: number, alo: number, ahi: number, blo: number, bhi: number, c: number): number;
  sub(szi: number, alo: number, ahi: number, blo: number, bhi: number, c: number): number;
  logic(szi: number, r: number, rh: number): number;
  res(szi: number, r: number, rh: number, bits: number): void;
  cf(): number;
  test(cc: number): boolean;
  shl64(lo: number, hi: number, c: number): number;
  shr64(lo: number, hi: number, c: number): number;
}

const PRELUDE = "const {L, H, F, T, RIP, mmu, FLT, add, sub, logic, res, cf, test, shl64, shr64} = X;" +
  "const TLO = mmu.tagLo, THI = mmu.tagHi, WLO = mmu.wtagLo, WHI = mmu.wtagHi, TPA = mmu.pa, DV = mmu.dv;";
const ADD32 = (K_ADD << 2) | 2, SUB32 = (K_SUB << 2) | 2, LOG32 = (K_LOGIC << 2) | 2;
const ADD64 = (K_ADD << 2) | 3, SUB64 = (K_SUB << 2) | 3, LOG64 = (K_LOGIC << 2) | 3;

/**
 * A condition as a JavaScript expression over F, when the block itself set
 * the flags with a known kind and size (F[0] = fkind); null otherwise.
 */
function condition(fkind: number, cc: number): string | null {
  const ltu = "(F[1] >>> 0) < (F[3] >>> 0)", leu = "(F[1] >>> 0) <= (F[3] >>> 0)";
  const ltu64 = `((F[2] >>> 0) < (F[4] >>> 0) || (F[2] === F[4] && ${ltu}))`;
  const leu64 = `((F[2] >>> 0) < (F[4] >>> 0) || (F[2] === F[4] && ${leu}))`;
  const lts64 = `(F[2] < F[4] || (F[2] === F[4] && ${ltu}))`;
  const les64 = `(F[2] < F[4] || (F[2] === F[4] && ${leu}))`;
  const z32 = "F[5] === 0", z64 = "(F[5] | F[6]) === 0";
  let t: (string | null)[];
  const szi = fkind & 3, kind = fkind >> 2;
  if (szi < 2) {
    // 8 and 16 bits: F holds zero-extended values
    const sh = szi === 0 ? 24 : 16, sign = `(F[5] & ${szi === 0 ? 0x80 : 0x8000}) !== 0`;
    if (kind === K_SUB) t = [null, "F[1] < F[3]", "F[1] === F[3]", "F[1] <= F[3]", sign, null, `(F[1] << ${sh}) < (F[3] << ${sh})`, `(F[1] << ${sh}) <= (F[3] << ${sh})`];
    else if (kind === K_LOGIC) t = [null, "false", z32, z32, sign, null, sign, `(${z32} || ${sign})`];
    else if (kind === K_ADD) t = [null, null, z32, null, sign, null, null, null];
    else return null;
    const c = t[cc >> 1];
    return c === null ? null : cc & 1 ? `!(${c})` : c;
  }
  switch (fkind) {
    case SUB32: t = [null, ltu, "F[1] === F[3]", leu, "F[5] < 0", null, "F[1] < F[3]", "F[1] <= F[3]"]; break;
    case SUB64: t = [null, ltu64, "(F[1] === F[3] && F[2] === F[4])", leu64, "F[6] < 0", null, lts64, les64]; break;
    case LOG32: t = [null, "false", z32, z32, "F[5] < 0", null, "F[5] < 0", "F[5] <= 0"]; break;
    case LOG64: t = [null, "false", z64, z64, "F[6] < 0", null, "F[6] < 0", `(F[6] < 0 || ${z64})`]; break;
    case ADD32: t = [null, null, z32, null, "F[5] < 0", null, null, null]; break;
    case ADD64: t = [null, null, z64, null, "F[6] < 0", null, null, null]; break;
    default: return null;
  }
  const c = t[cc >> 1];
  if (c === null) return null;
  return cc & 1 ? `!(${c})` : c;
}
const GRP1 = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"];

let jitAllowed = true;

/**
 * Translates a block, or returns null when nothing in it is worth translating
 * or code generation is not allowed here.
 */
export function compileBlock(env: JitEnv, insns: Insn[], addrs: Float64Array, lives: number[], ops: Op[]): BlockFn | null {
  if (!jitAllowed) return null;
  const regs = new Set<number>();
  const body: string[] = [];
  let translated = 0;
  const l = (r: number): string => { regs.add(r); return `l${r}`; };
  const h = (r: number): string => { regs.add(r); return `h${r}`; };
  /** Leaves the block at instruction i with a stop code: one shared write-back at the end. */
  const exit = (i: number, code: string): string => `{rc = ${code} | ${i << 8}; break out;}`;
  // filled in once every register is known
  const writeback = (): string => "/*WB*/";
  const reload = (): string => "/*RL*/";

  /** Effective address of m into consts ea_lo, ea_hi; null for forms left to the Op. */
  const eaCode = (m: MemOp): string | null => {
    if (m.seg !== 0) return null;
    let c = `let ea_s = ${m.dispLo >>> 0}, ea_h = ${m.dispHi};`;
    if (m.base >= 0) c += `ea_s += ${l(m.base)} >>> 0; ea_h += ${h(m.base)};`;
    if (m.index >= 0) c += `ea_s += (${l(m.index)} >>> 0) * ${m.scale}; ea_h += Math.imul(${h(m.index)}, ${m.scale});`;
    return c + "const ea_lo = ea_s | 0, ea_hi = (ea_h + (ea_s - (ea_s >>> 0)) / 4294967296) | 0;";
  };
  const src = (o: Operand): [string, string] | null => {
    if (o.k === "r") return [l(o.r), h(o.r)];
    if (o.k === "i") return [String(o.lo), String(o.hi)];
    return null;
  };

  /**
   * Loads sz (1, 2, 4 or 8) bytes at (ea_lo, ea_hi) into new `let` variables v
   * and vh (the high half, 0 below 64 bits), the TLB hit done inline; `w` loads
   * with write intent (the read of a read-modify-write).
   */
  const load = (sz: number, v: string, vh: string, w: boolean, fault: string): string => {
    const [tl, th] = w ? ["WLO", "WHI"] : ["TLO", "THI"];
    const slow = `ld${sz * 8}${w ? "w" : ""}`;
    const get = sz === 1 ? "DV.getUint8(p)" : sz === 2 ? "DV.getUint16(p, true)" : "DV.getInt32(p, true)";
    const hit = sz === 1 ? "" : ` && (ea_lo & 4095) <= ${4096 - sz}`;
    return `let ${v}, ${vh}; { const ti = (ea_lo >>> 12) & ${TLB_MASK};` +
      `if (${tl}[ti] === (ea_lo & -4096) && ${th}[ti] === ea_hi${hit}) {` +
      `const p = (TPA[ti] | (ea_lo & 4095)) >>> 0; ${v} = ${get}; ${vh} = ${sz === 8 ? "DV.getInt32(p + 4, true)" : "0"}; }` +
      `else { ${v} = mmu.${slow}(ea_lo, ea_hi); if (FLT.kind) ${fault} ${vh} = ${sz === 8 ? "mmu.hi" : "0"}; } }`;
  };
  /** Stores v (and vh at 64 bits) at (ea_lo, ea_hi), the TLB hit done inline. */
  const store = (sz: number, v: string, vh: string, fault: string): string => {
    const set = sz === 1 ? `DV.setUint8(p, ${v})` : sz === 2 ? `DV.setUint16(p, ${v}, true)` : `DV.setInt32(p, ${v}, true)`;
    const hit = sz === 1 ? "" : ` && (ea_lo & 4095) <= ${4096 - sz}`;
    return `{ const ti = (ea_lo >>> 12) & ${TLB_MASK};` +
      `if (WLO[ti] === (ea_lo & -4096) && WHI[ti] === ea_hi${hit}) {` +
      `const p = (TPA[ti] | (ea_lo & 4095)) >>> 0; ${set};${sz === 8 ? ` DV.setInt32(p + 4, ${vh}, true);` : ""} }` +
      `else if (!mmu.${sz === 8 ? `st64(ea_lo, ea_hi, ${v}, ${vh})` : `st${sz * 8}(ea_lo, ea_hi, ${v})`}) ${fault} }`;
  };
  /** A register's value at size sz (zero-extended below 32 bits; ah..bh are 16..19). */
  const rv = (r: number, sz: number): string =>
    sz >= 4 ? l(r) : sz === 2 ? `(${l(r)} & 65535)` : r < 16 ? `(${l(r)} & 255)` : `((${l(r - 16)} >>> 8) & 255)`;
  /** Writes v (and vh) to a register at size sz: 32 bits zero the top, 8 and 16 merge. */
  const rw = (r: number, sz: number, v: string, vh: string): string => {
    if (sz === 8) return `${l(r)} = ${v}; ${h(r)} = ${vh};`;
    if (sz === 4) return `${l(r)} = ${v}; ${h(r)} = 0;`;
    if (sz === 2) return `${l(r)} = (${l(r)} & -65536) | ((${v}) & 65535);`;
    if (r < 16) return `${l(r)} = (${l(r)} & -256) | ((${v}) & 255);`;
    return `${l(r - 16)} = (${l(r - 16)} & -65281) | (((${v}) & 255) << 8);`;
  };

  /** The kind and size in F[0] when this block's own code set the flags last (-1: unknown). */
  let known = -1;
  for (let i = 0; i < insns.length; i++) {
    const code = translate(insns[i], i, lives[i]);
    if (code !== null) {
      body.push(code);
      translated++;
    } else {
      body.push(`${writeback()}{const s = ops[${i}](); if (s !== 0) return s | ${i << 8};}${reload()}`);
      known = -1;
    }
  }
  if (translated < 2) return null;

  /**
   * add/or/and/sub/xor/cmp/test at 32/64 bits, register or memory destination,
   * register, immediate or memory source.
   */
  function translateAlu(k: number, sz: number, d: Operand, s: Operand, flags: boolean, fault: string): string | null {
    const write = k < 7;
    let pre = "", a: string, ah: string, b: string, bh: string, post: string;
    if (d.k === "r") {
      [a, ah] = [rv(d.r, sz), h(d.r)];
      post = write ? rw(d.r, sz, "r", "rh") : "";
    } else if (d.k === "m") {
      const ea = eaCode(d);
      if (ea === null) return null;
      pre = `${ea} ${load(sz, "ma", "mah", write, fault)}`;
      [a, ah] = ["ma", "mah"];
      // the write-intent load checked every byte for writing: the store cannot fault
      post = write ? store(sz, "r", "rh", fault) : "";
    } else return null;
    if (s.k === "r") [b, bh] = [rv(s.r, sz), h(s.r)];
    else if (s.k === "i") [b, bh] = [`(${s.lo})`, `(${s.hi})`];
    else if (s.k === "m" && d.k === "r") {
      const ea = eaCode(s);
      if (ea === null) return null;
      pre = `${ea} ${load(sz, "mb", "mbh", false, fault)}`;
      [b, bh] = ["mb", "mbh"];
    } else return null;
    const e = ["+", "|", "", "", "&", "-", "^", "-", "&"][k];
    const arith = k === 0 || k === 5 || k === 7;
    const szi = sz === 1 ? 0 : sz === 2 ? 1 : sz === 4 ? 2 : 3;
    const fk = ((arith ? (k === 0 ? K_ADD : K_SUB) : K_LOGIC) << 2) | szi;
    let calc: string;
    if (!flags && !write) return pre === "" ? "" : `{${pre}}`;
    if (sz < 8) {
      calc = `const r = (${a} ${e} ${b}) ${sz === 4 ? "| 0" : sz === 2 ? "& 65535" : "& 255"}, rh = 0;`;
      if (flags) calc += arith ? `F[0] = ${fk}; F[1] = ${a}; F[3] = ${b}; F[5] = r;` : `F[0] = ${fk}; F[5] = r;`;
    } else {
      if (k === 0) calc = `const s1 = (${a} >>> 0) + (${b} >>> 0), r = s1 | 0, rh = (${ah} + ${bh} + (s1 > 4294967295 ? 1 : 0)) | 0;`;
      else if (arith) calc = `const s1 = (${a} >>> 0) - (${b} >>> 0), r = s1 | 0, rh = (${ah} - ${bh} - (s1 < 0 ? 1 : 0)) | 0;`;
      else calc = `const r = ${a} ${e} ${b}, rh = ${ah} ${e} ${bh};`;
      if (flags) calc += arith ? `F[0] = ${fk}; F[1] = ${a}; F[2] = ${ah}; F[3] = ${b}; F[4] = ${bh}; F[5] = r; F[6] = rh;` : `F[0] = ${fk}; F[5] = r; F[6] = rh;`;
    }
    if (flags) known = fk;
    return `{${pre} ${calc} ${post}}`;
  }

  function translate(insn: Insn, i: number, live: number): string | null {
    const op = insn.op, sz = insn.osz, ops0 = insn.ops[0], ops1 = insn.ops[1];
    const flags = (live & (flagEffects(insn) >>> 16)) !== 0;
    const k = GRP1.indexOf(op);
    const fault = exit(i, "FLT.kind");
    if (k >= 0 && k !== 2 && k !== 3) return translateAlu(k, sz, ops0, ops1, flags, fault);
    if (sz !== 4 && sz !== 8 && op !== "mov" && op !== "movzx" && op !== "movsx") return null;
    switch (op) {
      case "nop": case "pause": case "endbr64": return "";
      case "mov": {
        if (ops0.k === "r") {
          const d = ops0.r;
          if (ops1.k === "r") return `{const v = ${rv(ops1.r, sz)}, vh = ${h(ops1.r)}; ${rw(d, sz, "v", "vh")}}`;
          if (ops1.k === "i") return rw(d, sz, String(ops1.lo), String(ops1.hi));
          if (ops1.k !== "m") return null;
          const ea = eaCode(ops1);
          if (ea === null) return null;
          return `{${ea} ${load(sz, "v", "vh", false, fault)} ${rw(d, sz, "v", "vh")}}`;
        }
        if (ops0.k !== "m") return null;
        const ea = eaCode(ops0);
        if (ea === null) return null;
        if (ops1.k === "i") return `{${ea} ${store(sz, String(ops1.lo), String(ops1.hi), fault)}}`;
        if (ops1.k !== "r") return null;
        return `{${ea} const v = ${rv(ops1.r, sz)}, vh = ${h(ops1.r)}; ${store(sz, "v", "vh", fault)}}`;
      }
      case "movzx": case "movsx": case "movsxd": {
        if (ops0.k !== "r" || (sz !== 4 && sz !== 8)) return null;
        const ssz = (ops1 as { sz: number }).sz;
        let pre: string;
        if (ops1.k === "r") pre = `const v = ${rv(ops1.r, ssz)};`;
        else if (ops1.k === "m") {
          const ea = eaCode(ops1);
          if (ea === null) return null;
          pre = `${ea} ${load(ssz, "v", "vh", false, fault)}`;
        } else return null;
        const signed = op !== "movzx";
        const x = !signed || ssz === 4 ? "v" : ssz === 1 ? "((v << 24) >> 24)" : "((v << 16) >> 16)";
        return `{${pre} const x = ${x}; ${rw(ops0.r, sz, "x", signed ? "x >> 31" : "0")}}`;
      }
      case "lea": {
        if (ops0.k !== "r" || ops1.k !== "m") return null;
        const ea = eaCode({ ...ops1, seg: 0 });
        const d = ops0.r;
        return `{${ea} ${l(d)} = ea_lo; ${h(d)} = ${sz === 8 ? "ea_hi" : "0"};}`;
      }
      case "shl": case "shr": case "sar": case "rol": case "ror": {
        if (ops0.k !== "r" || ops1.k !== "i") return null;
        const c = ops1.lo & (sz === 8 ? 63 : 31);
        if (c === 0) return null;
        const d = ops0.r;
        const rot = op === "rol" || op === "ror";
        if (flags && (!rot || live & (PF | AF | ZF | SF))) return null;
        if (sz === 4) {
          const left = op === "rol" ? c : 32 - c;
          if (rot) {
            const r = `{const a = ${l(d)}, r = (a << ${left}) | (a >>> ${32 - left}); ${l(d)} = r; ${h(d)} = 0;`;
            if (!flags) return r + "}";
            known = -1;
            return r + (op === "rol" ? "const c = r & 1; res(2, r, 0, c | ((c ^ (r >>> 31)) << 11));}" : "const c = r >>> 31; res(2, r, 0, c | ((c ^ ((r >>> 30) & 1)) << 11));}");
          }
          const e = op === "shl" ? "<<" : op === "shr" ? ">>>" : ">>";
          return `${l(d)} ${e}= ${c}; ${h(d)} = 0;`;
        }
        if (rot) {
          const left = op === "rol" ? c : 64 - c;
          const r = `{const lo = ${l(d)}, hi = ${h(d)}; const a = shl64(lo, hi, ${left}), ah = T[0]; const b = shr64(lo, hi, ${64 - left}); ` +
            `const rl = a | b, rh = ah | T[0]; ${l(d)} = rl; ${h(d)} = rh;`;
          if (!flags) return r + "}";
          known = -1;
          return r + (op === "rol" ? "const c = rl & 1; res(3, rl, rh, c | ((c ^ (rh >>> 31)) << 11));}" : "const c = rh >>> 31; res(3, rl, rh, c | ((c ^ ((rh >>> 30) & 1)) << 11));}");
        }
        if (op === "shl") return c >= 32 ? `${h(d)} = ${l(d)} << ${c - 32}; ${l(d)} = 0;` : `${h(d)} = (${h(d)} << ${c}) | (${l(d)} >>> ${32 - c}); ${l(d)} <<= ${c};`;
        if (op === "shr") return c >= 32 ? `${l(d)} = ${h(d)} >>> ${c - 32}; ${h(d)} = 0;` : `${l(d)} = (${l(d)} >>> ${c}) | (${h(d)} << ${32 - c}); ${h(d)} >>>= ${c};`;
        return c >= 32 ? `${l(d)} = ${h(d)} >> ${c - 32}; ${h(d)} >>= 31;` : `${l(d)} = (${l(d)} >>> ${c}) | (${h(d)} << ${32 - c}); ${h(d)} >>= ${c};`;
      }
      case "inc": case "dec": {
        if (ops0.k !== "r") return null;
        const d = ops0.r, inc = op === "inc";
        if (sz === 4) {
          const r = `{const a = ${l(d)}, r = (a ${inc ? "+" : "-"} 1) | 0; ${l(d)} = r; ${h(d)} = 0;`;
          if (!flags) return r + "}";
          known = -1;
          return r + (inc ? "res(2, r, 0, cf() | ((r & 15) === 0 ? 16 : 0) | (r === -2147483648 ? 2048 : 0));}"
            : "res(2, r, 0, cf() | ((a & 15) === 0 ? 16 : 0) | (a === -2147483648 ? 2048 : 0));}");
        }
        const r = inc
          ? `{const a = ${l(d)}, ah = ${h(d)}, r = (a + 1) | 0, rh = r === 0 ? (ah + 1) | 0 : ah; ${l(d)} = r; ${h(d)} = rh;`
          : `{const a = ${l(d)}, ah = ${h(d)}, r = (a - 1) | 0, rh = a === 0 ? (ah - 1) | 0 : ah; ${l(d)} = r; ${h(d)} = rh;`;
        if (!flags) return r + "}";
        known = -1;
        return r + (inc ? "res(3, r, rh, cf() | ((r & 15) === 0 ? 16 : 0) | (r === 0 && rh === -2147483648 ? 2048 : 0));}"
          : "res(3, r, rh, cf() | ((a & 15) === 0 ? 16 : 0) | (a === 0 && ah === -2147483648 ? 2048 : 0));}");
      }
      case "push": {
        const s = src(ops0);
        if (s === null) return null;
        return `{const s1 = (${l(RSP)} >>> 0) - 8, ea_lo = s1 | 0, ea_hi = s1 < 0 ? (${h(RSP)} - 1) | 0 : ${h(RSP)}; ` +
          `${store(8, s[0], s[1], fault)} ${l(RSP)} = ea_lo; ${h(RSP)} = ea_hi;}`;
      }
      case "pop": {
        if (ops0.k !== "r") return null;
        return `{const ea_lo = ${l(RSP)}, ea_hi = ${h(RSP)}; ${load(8, "v", "vh", false, fault)} const s1 = (ea_lo >>> 0) + 8; ` +
          `${l(RSP)} = s1 | 0; if (s1 > 4294967295) ${h(RSP)} = (${h(RSP)} + 1) | 0; ${l(ops0.r)} = v; ${h(ops0.r)} = vh;}`;
      }
      case "call": {
        if (ops0.k !== "j") return null;
        const next = addrs[i + 1];
        return `{const s1 = (${l(RSP)} >>> 0) - 8, ea_lo = s1 | 0, ea_hi = s1 < 0 ? (${h(RSP)} - 1) | 0 : ${h(RSP)}; ` +
          `${store(8, String(next % 4294967296 | 0), String(Math.floor(next / 4294967296) | 0), fault)} ` +
          `${l(RSP)} = ea_lo; ${h(RSP)} = ea_hi; RIP[0] = ${ops0.target};}`;
      }
      case "ret": {
        if (ops0 !== undefined) return null;
        return `{const ea_lo = ${l(RSP)}, ea_hi = ${h(RSP)}; ${load(8, "v", "vh", false, fault)} ` +
          `if (vh >> 15 !== 0 && vh >> 15 !== -1) ${exit(i, "2")} const s1 = (ea_lo >>> 0) + 8; ` +
          `${l(RSP)} = s1 | 0; if (s1 > 4294967295) ${h(RSP)} = (${h(RSP)} + 1) | 0; RIP[0] = vh * 4294967296 + (v >>> 0);}`;
      }
      case "jmp":
        return ops0.k === "j" ? `RIP[0] = ${ops0.target};` : null;
      default:
        if (op[0] === "j" && ops0.k === "j") return `if (${condition(known, insn.cc) ?? `test(${insn.cc})`}) RIP[0] = ${ops0.target};`;
        return null;
    }
  }

  const rs = [...regs].sort((a, b) => a - b);
  const wb = rs.map((r) => `L[${r}] = l${r}; H[${r}] = h${r};`).join(" ");
  const rl = rs.map((r) => `l${r} = L[${r}]; h${r} = H[${r}];`).join(" ");
  const decl = rs.length ? "let " + rs.map((r) => `l${r} = L[${r}], h${r} = H[${r}]`).join(", ") + ";" : "";
  const text = `${PRELUDE}\nreturn function block() {\n${decl}\nlet rc = 0;\nout: {\n${body.join("\n")}\n}\n/*WB*/ return rc;\n};`
    .replaceAll("/*WB*/", wb).replaceAll("/*RL*/", rl);
  let factory: (env: JitEnv, ops: Op[]) => BlockFn;
  try {
    factory = new Function("X", "ops", text) as typeof factory;
  } catch (e) {
    if (e instanceof SyntaxError) throw new Error(`compileBlock: generated bad code: ${e.message}\n${text}`);
    jitAllowed = false; // code generation refused (CSP): stay with the Ops
    return null;
  }
  return factory(env, ops);
}
