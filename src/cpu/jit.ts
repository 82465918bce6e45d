// The block translator: a block that has run often is translated into one
// JavaScript function (new Function), with the registers it touches held in
// local variables and every constant (register numbers, immediates, branch
// targets) written into the source. Each instruction's descriptor writes its
// own source (InsnDef.translate, in the family files) with the helpers here;
// instructions it does not translate run as their compiled Ops from inside
// that function. Where `new Function` is forbidden (a Content-Security-Policy
// without 'unsafe-eval'), blocks keep running as Ops: the results are the
// same, only slower.
//
// A block function returns 0 when the whole block ran (rip set by its branch,
// or left at the block's end), else the stop code | (index of the stopping
// instruction << 8), with the registers written back and the instruction
// that stopped having changed nothing (unless it is a syscall or int3, or a
// conditional jump taken before the block's end: STOP_TAKEN); a loop adds
// LOOP times the back-edges it took. The lazy flags (F) are held in
// locals too and written back at every exit, so a fault leaves them exact.

import { type Insn, type MemOp, type Operand, SEG_FS, SEG_GS } from "./insn.js";
import { type Exec, flagEffects, type Op, STOP_OP, STOP_TAKEN } from "./exec.js";
import { K_ADD, K_EXPL, K_LOGIC, K_SUB } from "./state.js";

/** Runs the block (whole iterations of a loop within `left` instructions): see compileBlock. */
export type BlockFn = (left: number) => number;

/**
 * The names of Exec's members that generated code may use (the block's prelude binds them):
 * `var`, not `const`, as V8 checks a captured const for its temporal dead zone at every use.
 */
const PRELUDE = "var {L, H, F, T, RIP, mmu, FLT, add, sub, logic, res, cf, arith, test, shl64, shr64} = X, ST = X.st, XMM = ST.xmm, YMMH = ST.ymmh, SEG = ST.seg;" +
  "var TLO = mmu.tagLo, THI = mmu.tagHi, WLO = mmu.wtagLo, WHI = mmu.wtagHi, TPA = mmu.pa, DV = mmu.dv, RAM = mmu.ram;";

/**
 * Module-level functions and arrays that generated code uses by name, beside Exec's (a family's fast
 * path, its scratch buffers): registered by the families when they are defined, bound in every block's prelude.
 */
const helpers: Record<string, unknown> = {};
/** Registers a helper for generated code; returns its name. */
export function jitHelper(name: string, v: unknown): string {
  if (name in helpers && helpers[name] !== v) throw new Error(`jitHelper: ${name} is taken`);
  helpers[name] = v;
  return name;
}
const ADD32 = (K_ADD << 2) | 2, SUB32 = (K_SUB << 2) | 2, LOG32 = (K_LOGIC << 2) | 2;
const ADD64 = (K_ADD << 2) | 3, SUB64 = (K_SUB << 2) | 3, LOG64 = (K_LOGIC << 2) | 3;

/** What a descriptor's translate() writes its source with. */
export interface Jit {
  /** The local holding register r's low / high half. */
  l(r: number): string;
  h(r: number): string;
  /** A register's value at size sz (zero-extended below 32 bits; ah..bh are 16..19). */
  rv(r: number, sz: number): string;
  /** Writes v (and vh) to a register at size sz: 32 bits zero the top, 8 and 16 merge. */
  rw(r: number, sz: number, v: string, vh: string): string;
  /**
   * Effective address of m (plus fs's or gs's base) into consts ea_lo, ea_hi; null for forms left to
   * the Op (fs or gs with a 32-bit address).
   */
  ea(m: MemOp): string | null;
  /**
   * Loads sz (1, 2, 4 or 8) bytes at (ea_lo, ea_hi) into new `let` variables v
   * and vh (the high half, 0 below 64 bits); `w` loads
   * with write intent (the read of a read-modify-write). Both are int32 on every
   * path (a value of unknown type would make V8 box the registers it flows into).
   */
  load(sz: number, v: string, vh: string, w: boolean): string;
  /**
   * A register or memory source at size sz: [code to run first (the memory's load into `name` and
   * `name`h, "" for a register), its low half, its high half ("0" below 64 bits)]; null for any other
   * operand and for memory left to the Op.
   */
  src(o: Operand, sz: number, name: string): [string, string, string] | null;
  /** Stores v (and vh at 64 bits) at (ea_lo, ea_hi). */
  store(sz: number, v: string, vh: string): string;
  /** Leaves the block at the current instruction with a stop code (an expression). */
  exit(code: string): string;
  /** Runs the current instruction's Op (a translation's slow path), the registers synced around it. */
  op(): string;
  /**
   * Leaves the block at the current instruction, its Op and the rest of the pass to run as Ops: a rare
   * slow path's way. op() writes every register back and reloads it in place: libm's blocks, with such
   * a path at each floating-point instruction, had nearly three times the source and ran half as fast.
   */
  toOps(): string;
  /**
   * Sets rip to a branch target: a jump back to the block's start from its end loops inside the
   * function; a conditional jump before the end leaves the block.
   */
  jump(target: number): string;
  /**
   * A constant that does not shape the code (a branch target, a shift count) as a name bound when the block's
   * function is made: blocks that differ only in such values share one translation, which V8 optimizes once.
   */
  k(v: number): string;
  /** A condition as an expression: from the flags this block set, when it knows their kind, else test(cc). */
  cond(cc: number): string;
  /** Whether a later instruction may read a flag the current one writes. */
  flags: boolean;
  /** The flags a later instruction may read. */
  live: number;
  /** F[0] (kind << 2 | size) when this block's own code set the flags last, else -1: code that sets F sets this. */
  known: number;
  /** The address of the next instruction. */
  next: number;
}

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
  if (fkind === K_EXPL << 2) {
    // F[7] holds the flags themselves (vptest): OF, CF, ZF, CF|ZF, SF, PF
    const mask = [0x800, 1, 0x40, 0x41, 0x80, 4][cc >> 1];
    return mask === undefined ? null : `(F[7] & ${mask}) ${cc & 1 ? "===" : "!=="} 0`;
  }
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
  // equality as one compare: the right side of an && that runs only when a loop ends has no type
  // feedback when V8 optimizes the loop, and V8 leaves the optimized code the first time it runs
  switch (fkind) {
    case SUB32: t = [null, ltu, "F[1] === F[3]", leu, "F[5] < 0", null, "F[1] < F[3]", "F[1] <= F[3]"]; break;
    case SUB64: t = [null, ltu64, "((F[1] ^ F[3]) | (F[2] ^ F[4])) === 0", leu64, "F[6] < 0", null, lts64, les64]; break;
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

/**
 * The page of an access's last byte, for the TLB tag compare: an access that crosses into the next page
 * misses, as that page's number differs from the slot's in its low 8 bits (one compare for both tests).
 */
function lastPage(sz: number): string {
  return sz === 1 ? "(ea_lo & -4096)" : `((ea_lo + ${sz - 1}) & -4096)`;
}

/** Whether generated code assigns register r's local (l<r> or h<r>). */
function writes(code: string, r: number): boolean {
  return new RegExp(`\\b[lh]${r}\\s*(?:[-+*/%&|^]|<<|>>>?)?=(?!=)|(?:\\+\\+|--)\\s*[lh]${r}\\b|\\b[lh]${r}\\s*(?:\\+\\+|--)`).test(code);
}

let jitAllowed = true;

type Factory = (x: Exec, ops: Op[], consts: number[], help: Record<string, unknown>) => BlockFn;
/**
 * Each CPU's translations by source. The block functions one factory makes share V8's feedback and optimized
 * code (one closure site), so a block whose source another's already has (their constants aside, Jit.k)
 * runs optimized code from its first calls: glibc's __memcpy_ssse3 has 16 copies of one loop, one per
 * relative alignment, that differ only in palignr's shift and their addresses.
 */
const translations = new WeakMap<Exec, Map<string, Factory>>();
/**
 * The sources a CPU keeps, the least recently used dropped first: a block's own function outlives it, but a guest
 * that makes new code without end must not grow the host's memory without end.
 */
const MAX_TRANSLATIONS = 4096;

/**
 * A translation's XMM dwords (XMM[n], n a literal) held in locals xn, as int32 (the dwords' bits:
 * every translation reads them as int32 or through bit operations), written back and reloaded
 * with the general registers; a translation that reaches XMM otherwise has them synced around it.
 * The YMM high halves stay in their array (YMMH[n]): as locals too, sse_string's AVX2 loops ran no
 * faster (0.95x [0.78-1.25]), and every Op between would write them back and reload them.
 */
function xmmLocals(code: string, slots: Set<number>): string {
  const named: number[] = [];
  const local = code.replace(/\bXMM\[(\d+)\]/g, (_, n: string) => { named.push(+n); return `x${n}`; });
  if (/\bXMM\b/.test(local)) return `/*XWB*/${code}/*XRL*/`;
  for (const n of named) slots.add(n);
  return local;
}
/** Generated code that calls an Exec helper reading or writing F: the flag locals are synced around it. */
const USES_F = /\b(add|sub|logic|res|cf|arith|test)\(/;
/** A local register, flag slot or XMM dword (l4, h4, f0, x12) assigned in generated code: `=`, a compound `+=` …, `++` or `--`. */
const ASSIGNED = /\b([lhfx]\d+)\s*(?:[-+*/%&|^]|<<|>>>?)?=(?!=)|(?:\+\+|--)\s*([lhfx]\d+)\b|\b([lhfx]\d+)\s*(?:\+\+|--)/g;
/** A block function's return value: its stop code and instruction index (low 16 bits) plus the back-edges taken times LOOP. */
export const LOOP = 65536;

/**
 * For an instruction with an XMM or YMM operand and no implicit general register
 * (every SSE and AVX instruction here but pcmpestri and kin, InsnDef.implicitRegs): the general registers it reads
 * (address registers, register operands) and those it may write (a register
 * first operand); null for any other instruction.
 */
function xmmOnly(insn: Insn): [number[], number[]] | null {
  if (!insn.ops.some((o) => o.k === "r" && (o.sz === 16 || o.sz === 32)) || insn.def.implicitRegs) return null;
  const reads: number[] = [], writes: number[] = [];
  const gpr = (r: number): number => (r >= 16 ? r - 16 : r);
  insn.ops.forEach((o, n) => {
    if (o.k === "m") {
      if (o.base >= 0) reads.push(o.base);
      if (o.index >= 0) reads.push(o.index);
    } else if (o.k === "r" && o.sz <= 8) {
      reads.push(gpr(o.r));
      if (n === 0) writes.push(gpr(o.r));
    }
  });
  return [reads, writes];
}

/**
 * Translates a block, or returns null when nothing in it is worth translating
 * or code generation is not allowed here. A block whose last instruction
 * jumps back to its start becomes a loop inside the function: the registers
 * and the lazy flags stay in locals across iterations, and the function takes
 * the instructions it may retire (`left`) and runs whole iterations within them.
 */
export function compileBlock(x: Exec, insns: Insn[], addrs: Float64Array, lives: number[], ops: Op[]): BlockFn | null {
  if (!jitAllowed) return null;
  const regs = new Set<number>();
  const flagSlots = new Set<number>();
  const xmmSlots = new Set<number>();
  const body: string[] = [];
  let translated = 0;
  let looped = false;
  let i = 0;
  const start = addrs[0], last = insns.length - 1;
  /** Leaves the block at instruction i with a stop code: one shared write-back at the end. */
  const exit = (code: string): string => `{rc = ${code} | ${i << 8}; break out;}`;
  // the memory operand of instruction i (from ea), and the earlier accesses whose TLB hit a later access
  // near them reuses (w: a write hit, which serves loads and stores): physical address and page offset in gp<n>, go<n>
  let mem: { m: MemOp; i: number } | null = null;
  const anchors: { m: MemOp; w: boolean; n: number }[] = [];
  let scanned = 0, named = 0;
  /**
   * An anchor whose address registers no instruction since has written, at a distance d (|d| < 4096) from m:
   * m is then on the anchor's page when the anchor's page offset plus d is, at the anchor's physical address plus d.
   * An Op ends every anchor (it may refill the TLB and change any register).
   */
  const near = (m: MemOp, w: boolean): [number, number] | null => {
    for (; scanned < body.length; scanned++) {
      const code = body[scanned];
      for (let k = anchors.length - 1; k >= 0; k--) {
        const a = anchors[k].m;
        if (code.includes("ops[") || [a.base, a.index].some((r) => r >= 0 && writes(code, r))) anchors.splice(k, 1);
      }
    }
    for (const a of anchors) {
      const b = a.m;
      if ((w && !a.w) || b.base !== m.base || b.index !== m.index || b.scale !== m.scale || b.a32 !== m.a32 || b.seg !== m.seg) continue;
      const d = m.a32 ? (m.dispLo - b.dispLo) | 0 : (m.dispHi - b.dispHi) * 4294967296 + ((m.dispLo >>> 0) - (b.dispLo >>> 0));
      if (d > -4096 && d < 4096) return [a.n, d];
    }
    return null;
  };
  /**
   * An access of sz bytes at (ea_lo, ea_hi), `fast` given its physical address: the TLB hit written out here,
   * as the Mmu's own accesses test it (tags tl, th; slot in local ti), or an anchor's; anything else leaves
   * the block for the Op, so that the loop holds no call (after one, V8 loads and checks every array again).
   */
  const access = (sz: number, w: boolean, tl: string, th: string, ti: string, fast: (p: string) => string): string => {
    const m = mem !== null && mem.i === i ? mem.m : null;
    const a = m === null ? null : near(m, w);
    const hit = (keep: string): string => `const ${ti} = (ea_lo >>> 12) & 255; ` +
      `if (${tl}[${ti}] === ${lastPage(sz)} && ${th}[${ti}] === ea_hi) { const p = (TPA[${ti}] | (ea_lo & 4095)) >>> 0; ${keep}${fast("p")} } ` +
      `else ${exit(String(STOP_OP))}`;
    if (a === null) {
      if (m === null) return hit("");
      const n = named++;
      anchors.push({ m, w, n });
      return hit(`var gp${n} = p, go${n} = ea_lo & 4095; `);
    }
    // on the anchor's page: no TLB lookup (V8 computes the address only on the other path)
    const [n, d] = a;
    return `if (((go${n} + ${d}) >>> 0) <= ${4096 - sz}) { const p = (gp${n} + ${d}) >>> 0; ${fast("p")} } else {${hit("")}}`;
  };
  const l = (r: number): string => { regs.add(r); return `l${r}`; };
  const h = (r: number): string => { regs.add(r); return `h${r}`; };
  // named in the order asked for, never by value: the names must not depend on the values
  const consts: number[] = [];
  const k = (v: number): string => `K${consts.push(v) - 1}`;
  const j: Jit = {
    l, h,
    rv: (r, sz) => sz >= 4 ? l(r) : sz === 2 ? `(${l(r)} & 65535)` : r < 16 ? `(${l(r)} & 255)` : `((${l(r - 16)} >>> 8) & 255)`,
    rw: (r, sz, v, vh) => {
      if (sz === 8) return `${l(r)} = ${v}; ${h(r)} = ${vh};`;
      if (sz === 4) return `${l(r)} = ${v}; ${h(r)} = 0;`;
      if (sz === 2) return `${l(r)} = (${l(r)} & -65536) | ((${v}) & 65535);`;
      if (r < 16) return `${l(r)} = (${l(r)} & -256) | ((${v}) & 255);`;
      return `${l(r - 16)} = (${l(r - 16)} & -65281) | (((${v}) & 255) << 8);`;
    },
    ea: (m) => {
      // fs and gs add their base (read at each use: arch_prctl changes it between blocks)
      const seg = m.seg === SEG_FS ? 0 : m.seg === SEG_GS ? 2 : -1;
      if (seg >= 0 && m.a32) return null;
      mem = { m, i };
      // int32 arithmetic only (no doubles): each 32-bit add's carry is its unsigned result
      // being below an addend
      const sh = [0, 0, 1, 0, 2, 0, 0, 0, 3][m.scale];
      const terms: [string, string][] = [];
      if (m.base >= 0) terms.push([l(m.base), h(m.base)]);
      if (m.index >= 0) {
        const il = l(m.index), ih = h(m.index);
        terms.push(sh === 0 ? [il, ih] : [`(${il} << ${sh})`, `((${ih} << ${sh}) | (${il} >>> ${32 - sh}))`]);
      }
      if (m.dispLo !== 0 || m.dispHi !== 0 || terms.length === 0) terms.push([`${m.dispLo | 0}`, `${m.dispHi | 0}`]);
      if (seg >= 0) terms.push([`SEG[${seg}]`, `SEG[${seg + 1}]`]);
      if (terms.length === 1) return `const ea_lo = ${terms[0][0]}, ea_hi = ${m.a32 ? 0 : terms[0][1]};`;
      if (m.a32) return `const ea_lo = ${terms.reduce((sum, t) => `((${sum} + (${t[0]} | 0)) | 0)`, "0")}, ea_hi = 0;`;
      // each sum truncated on its own, so that V8 keeps them all int32
      let c = `const ea_0 = ${terms[0][0]} | 0;`, hi = `(${terms[0][1]} | 0)`;
      for (let k = 1; k < terms.length; k++) {
        c += `const ea_${k} = (ea_${k - 1} + (${terms[k][0]} | 0)) | 0;`;
        if (terms[k][1] !== "0") hi = `((${hi} + (${terms[k][1]} | 0)) | 0)`;
        hi = `((${hi} + (((ea_${k} >>> 0) < (ea_${k - 1} >>> 0)) | 0)) | 0)`;
      }
      return `${c}const ea_lo = ea_${terms.length - 1}, ea_hi = ${hi};`;
    },
    load: (sz, v, vh, w) => `let ${v} = 0, ${vh} = 0; ` + access(sz, w, w ? "WLO" : "TLO", w ? "WHI" : "THI", "ti", (p) =>
      sz === 1 ? `${v} = RAM[${p}];` : sz === 2 ? `${v} = DV.getUint16(${p}, true);` : sz === 4 ? `${v} = DV.getInt32(${p}, true);`
        : `${v} = DV.getInt32(${p}, true); ${vh} = DV.getInt32(${p} + 4, true);`),
    src: (o, sz, name) => {
      if (o.k === "r") return ["", j.rv(o.r, sz), sz === 8 ? h(o.r) : "0"];
      const ea = o.k === "m" ? j.ea(o) : null;
      return ea === null ? null : [`${ea} ${j.load(sz, name, `${name}h`, false)}`, name, sz === 8 ? `${name}h` : "0"];
    },
    store: (sz, v, vh) => access(sz, true, "WLO", "WHI", "si", (p) =>
      sz === 1 ? `RAM[${p}] = ${v};` : sz === 2 ? `DV.setUint16(${p}, ${v}, true);` : sz === 4 ? `DV.setInt32(${p}, ${v}, true);`
        : `DV.setInt32(${p}, ${v}, true); DV.setInt32(${p} + 4, ${vh}, true);`),
    exit,
    toOps: () => exit(String(STOP_OP)),
    op: () => `{/*WB*//*FWB*/ const s = ops[${i}](); if (s !== 0) return (s | ${i << 8}) + /*IT*/ * ${LOOP}; /*RL*//*FRL*/}`,
    jump: (t) => {
      // a conditional jump before the end leaves the block (see InsnDef.conditional)
      if (i !== last) return `{RIP[0] = ${k(t)}; ${exit(String(STOP_TAKEN))}}`;
      if (t !== start) return `RIP[0] = ${k(t)};`;
      looped = true;
      return `{ if (rest > 0) { rest--; continue out; } RIP[0] = ${k(t)}; }`;
    },
    k,
    cond: (cc) => condition(j.known, cc) ?? `test(${cc})`,
    flags: false,
    live: 0,
    known: -1,
    next: 0,
  };

  for (; i < insns.length; i++) {
    const insn = insns[i];
    j.live = lives[i];
    j.flags = (lives[i] & (flagEffects(insn) >>> 16)) !== 0;
    j.next = addrs[i + 1];
    const code = insn.def.translate ? insn.def.translate(j, insn, i) : null;
    if (code !== null) {
      // the lazy flags live in locals f0..f7; a helper works on F itself, synced around it
      const lanes = xmmLocals(code, xmmSlots);
      if (USES_F.test(lanes)) body.push(`/*FWB*/${lanes}/*FRL*/`);
      else body.push(lanes.replace(/\bF\[([0-7])\]/g, (_, n: string) => { flagSlots.add(+n); return `f${n}`; }));
      translated++;
    } else {
      // the write-back and reload are filled in once every register is known; the flags
      // only around an instruction that declares it reads or writes them (or stops for the kernel)
      const d = insn.def;
      const [fwb, frl] = d.use !== undefined || d.def !== undefined || d.flags !== undefined || d.faults ? ["/*FWB*/", "/*FRL*/"] : ["", ""];
      const gprs = xmmOnly(insn);
      if (gprs !== null) {
        // an XMM instruction reads only the registers of its operands and writes at most its first:
        // the rest stay in locals (all are written back if it stops)
        const [reads, writes] = gprs;
        for (const r of [...reads, ...writes]) l(r);
        const wbr = reads.map((r) => `L[${r}] = l${r}; H[${r}] = h${r};`).join(" ");
        const rlr = writes.map((r) => `l${r} = L[${r}]; h${r} = H[${r}];`).join(" ");
        body.push(`${wbr}${fwb}/*XWB*/{const s = ops[${i}](); if (s !== 0) {/*WB*//*FWB*/ return (s | ${i << 8}) + /*IT*/ * ${LOOP};}}${rlr}${frl}/*XRL*/`);
      } else body.push(`/*WB*/${fwb}{const s = ops[${i}](); if (s !== 0) {/*FWB*/ return (s | ${i << 8}) + /*IT*/ * ${LOOP};}}/*RL*/${frl}`);
      j.known = -1;
    }
  }
  if (translated < 2) return null;

  const rs = [...regs].sort((a, b) => a - b), fs = [...flagSlots].sort(), xs = [...xmmSlots].sort((a, b) => a - b);
  // Written back: the locals the block assigns. One it only reads still holds what its array
  // holds (loaded at entry, reloaded after each Op), and a store of it would be wasted.
  const bodyText = body.join("\n");
  const assigned = new Set([...bodyText.matchAll(ASSIGNED)].map((m) => m[1] ?? m[2] ?? m[3]));
  const fwb = fs.filter((n) => assigned.has(`f${n}`)).map((n) => `F[${n}] = f${n};`).join(" ");
  const frl = fs.map((n) => `f${n} = F[${n}];`).join(" ");
  const xwb = xs.filter((n) => assigned.has(`x${n}`)).map((n) => `XMM[${n}] = x${n};`).join(" ");
  const xrl = xs.map((n) => `x${n} = XMM[${n}] | 0;`).join(" ");
  const wb = rs.filter((r) => assigned.has(`l${r}`) || assigned.has(`h${r}`)).map((r) => `L[${r}] = l${r}; H[${r}] = h${r};`).join(" ") + xwb;
  const rl = rs.map((r) => `l${r} = L[${r}]; h${r} = H[${r}];`).join(" ") + xrl;
  const decl = [...rs.map((r) => `l${r} = L[${r}], h${r} = H[${r}]`), ...fs.map((n) => `f${n} = F[${n}]`),
    ...xs.map((n) => `x${n} = XMM[${n}] | 0`), "rc = 0"];
  // A loop counts down the passes it may still begin (`rest`): the passes done, which only its exits need, come
  // from max there, and the loop holds no division (V8 would compute max at its one use, inside the loop).
  // max as an int32 (a double would make V8 keep the loop counter boxed); the caller runs again after it.
  const head = looped ? `const max = (Math.min(left, 1073741823) / ${insns.length}) | 0;\nlet rest = max - 1;\nout: for (;;) {` : "out: {";
  const bind = consts.length > 0 ? `var ${consts.map((_, n) => `K${n} = K[${n}]`).join(", ")};\n` : "";
  const help = Object.keys(helpers);
  const text = `${PRELUDE}\n${help.length > 0 ? `var {${help.join(", ")}} = HELP;\n` : ""}${bind}return function block(left) {\nlet ${decl.join(", ")};\n${head}\n${bodyText}\n${looped ? "break;\n" : ""}}\n` +
    `/*WB*//*FWB*/ return rc + /*IT*/ * ${LOOP};\n};`;
  const src = text.replaceAll("/*IT*/", looped ? "(max - 1 - rest)" : "0").replaceAll("/*WB*/", wb).replaceAll("/*RL*/", rl).replaceAll("/*FWB*/", fwb).replaceAll("/*FRL*/", frl)
    .replaceAll("/*XWB*/", xwb).replaceAll("/*XRL*/", xrl);
  let made = translations.get(x);
  if (made === undefined) translations.set(x, made = new Map());
  let factory = made.get(src);
  if (factory === undefined) {
    try {
      factory = new Function("X", "ops", "K", "HELP", src) as Factory;
    } catch (e) {
      if (e instanceof SyntaxError) throw new Error(`compileBlock: generated bad code: ${e.message}\n${src}`);
      jitAllowed = false; // code generation refused (CSP): stay with the Ops
      return null;
    }
    if (made.size >= MAX_TRANSLATIONS) made.delete(made.keys().next().value!);
  } else made.delete(src);
  made.set(src, factory);   // the most recently used last
  return factory(x, ops, consts, helpers);
}
