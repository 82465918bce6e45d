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
import { AF, K_ADD, K_LOGIC, K_SUB, PF, RSP, SF, ZF } from "./state.js";

export type BlockFn = () => number;

/** What the generated code may call: the executor's state and helpers. */
export interface JitEnv {
  L: Int32Array;
  H: Int32Array;
  F: Int32Array;
  T: Int32Array;
  RIP: Float64Array;
  mmu: unknown;
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

const PRELUDE = "const {L, H, F, T, RIP, mmu, FLT, add, sub, logic, res, cf, test, shl64, shr64} = X;";
const ADD32 = (K_ADD << 2) | 2, SUB32 = (K_SUB << 2) | 2, LOG32 = (K_LOGIC << 2) | 2;
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
  const exit = (i: number, code: string): string => `{${writeback()}return ${code} | ${i << 8};}`;
  // filled in once every register is known
  const writeback = (): string => "/*WB*/";
  const reload = (): string => "/*RL*/";

  /** Effective address of m into consts ea_lo, ea_hi; null for forms left to the Op. */
  const eaCode = (m: MemOp): string | null => {
    if (m.seg !== 0) return null;
    let c = `let s1 = ${m.dispLo >>> 0}, hh = ${m.dispHi};`;
    if (m.base >= 0) c += `s1 += ${l(m.base)} >>> 0; hh += ${h(m.base)};`;
    if (m.index >= 0) c += `s1 += (${l(m.index)} >>> 0) * ${m.scale}; hh += Math.imul(${h(m.index)}, ${m.scale});`;
    return c + "const ea_lo = s1 | 0, ea_hi = (hh + (s1 - (s1 >>> 0)) / 4294967296) | 0;";
  };
  const src = (o: Operand): [string, string] | null => {
    if (o.k === "r") return [l(o.r), h(o.r)];
    if (o.k === "i") return [String(o.lo), String(o.hi)];
    return null;
  };

  for (let i = 0; i < insns.length; i++) {
    const code = translate(insns[i], i, lives[i]);
    if (code !== null) {
      body.push(code);
      translated++;
    } else {
      body.push(`${writeback()}{const s = ops[${i}](); if (s !== 0) return s | ${i << 8};}${reload()}`);
    }
  }
  if (translated < 2) return null;

  function translate(insn: Insn, i: number, live: number): string | null {
    const op = insn.op, sz = insn.osz, ops0 = insn.ops[0], ops1 = insn.ops[1];
    const flags = (live & (flagEffects(insn) >>> 16)) !== 0;
    const k = GRP1.indexOf(op);
    if (sz !== 4 && sz !== 8) return null;
    const fault = exit(i, "FLT.kind");
    if (k >= 0 && k !== 2 && k !== 3 && ops0.k === "r") {
      const s = src(ops1);
      if (s === null) return null;
      const d = ops0.r, write = k < 7;
      const [sl, sh] = s;
      if (sz === 4) {
        const expr = ["+", "|", "", "", "&", "-", "^", "-", "&"][k];
        if (!flags) return write ? `${l(d)} = (${l(d)} ${expr} ${sl}) | 0; ${h(d)} = 0;` : "";
        if (k === 0 || k === 5 || k === 7) {
          return `{const a = ${l(d)}, b = ${sl}, r = (a ${expr} b) | 0; F[0] = ${k === 0 ? ADD32 : SUB32}; F[1] = a; F[3] = b; F[5] = r;` +
            (write ? `${l(d)} = r; ${h(d)} = 0;}` : "}");
        }
        return `{const r = ${l(d)} ${expr} ${sl}; F[0] = ${LOG32}; F[5] = r;` + (write ? `${l(d)} = r; ${h(d)} = 0;}` : "}");
      }
      if (!flags) {
        if (!write) return "";
        if (k === 0) return `{const s1 = (${l(d)} >>> 0) + (${sl} >>> 0); ${l(d)} = s1 | 0; ${h(d)} = (${h(d)} + ${sh} + (s1 > 4294967295 ? 1 : 0)) | 0;}`;
        if (k === 5) return `{const s1 = (${l(d)} >>> 0) - (${sl} >>> 0); ${l(d)} = s1 | 0; ${h(d)} = (${h(d)} - ${sh} - (s1 < 0 ? 1 : 0)) | 0;}`;
        const e = ["", "|", "", "", "&", "", "^"][k];
        return `${l(d)} ${e}= ${sl}; ${h(d)} ${e}= ${sh};`;
      }
      if (k === 0 || k === 5 || k === 7) {
        const call = `${k === 0 ? "add" : "sub"}(3, ${l(d)}, ${h(d)}, ${sl}, ${sh}, 0)`;
        return write ? `${l(d)} = ${call}; ${h(d)} = T[0];` : `${call};`;
      }
      const e = ["", "|", "", "", "&", "", "^", "", "&"][k];
      const call = `logic(3, ${l(d)} ${e} ${sl}, ${h(d)} ${e} ${sh})`;
      return write ? `${l(d)} = ${call}; ${h(d)} = T[0];` : `${call};`;
    }
    switch (op) {
      case "mov": {
        if (ops0.k === "r") {
          const d = ops0.r;
          if (ops1.k === "r") return sz === 8 ? `${l(d)} = ${l(ops1.r)}; ${h(d)} = ${h(ops1.r)};` : `${l(d)} = ${l(ops1.r)}; ${h(d)} = 0;`;
          if (ops1.k === "i") return `${l(d)} = ${ops1.lo}; ${h(d)} = ${sz === 8 ? ops1.hi : 0};`;
          if (ops1.k !== "m") return null;
          const ea = eaCode(ops1);
          if (ea === null) return null;
          return sz === 8
            ? `{${ea} const v = mmu.ld64(ea_lo, ea_hi); if (FLT.kind) ${fault} ${l(d)} = v; ${h(d)} = mmu.hi;}`
            : `{${ea} const v = mmu.ld32(ea_lo, ea_hi); if (FLT.kind) ${fault} ${l(d)} = v; ${h(d)} = 0;}`;
        }
        if (ops0.k !== "m") return null;
        const s = src(ops1);
        const ea = eaCode(ops0);
        if (s === null || ea === null) return null;
        return sz === 8
          ? `{${ea} if (!mmu.st64(ea_lo, ea_hi, ${s[0]}, ${s[1]})) ${fault}}`
          : `{${ea} if (!mmu.st32(ea_lo, ea_hi, ${s[0]})) ${fault}}`;
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
          return r + (inc ? "res(2, r, 0, cf() | ((r & 15) === 0 ? 16 : 0) | (r === -2147483648 ? 2048 : 0));}"
            : "res(2, r, 0, cf() | ((a & 15) === 0 ? 16 : 0) | (a === -2147483648 ? 2048 : 0));}");
        }
        const r = inc
          ? `{const a = ${l(d)}, ah = ${h(d)}, r = (a + 1) | 0, rh = r === 0 ? (ah + 1) | 0 : ah; ${l(d)} = r; ${h(d)} = rh;`
          : `{const a = ${l(d)}, ah = ${h(d)}, r = (a - 1) | 0, rh = a === 0 ? (ah - 1) | 0 : ah; ${l(d)} = r; ${h(d)} = rh;`;
        if (!flags) return r + "}";
        return r + (inc ? "res(3, r, rh, cf() | ((r & 15) === 0 ? 16 : 0) | (r === 0 && rh === -2147483648 ? 2048 : 0));}"
          : "res(3, r, rh, cf() | ((a & 15) === 0 ? 16 : 0) | (a === 0 && ah === -2147483648 ? 2048 : 0));}");
      }
      case "push": {
        const s = src(ops0);
        if (s === null) return null;
        return `{const s1 = (${l(RSP)} >>> 0) - 8, nl = s1 | 0, nh = s1 < 0 ? (${h(RSP)} - 1) | 0 : ${h(RSP)}; ` +
          `if (!mmu.st64(nl, nh, ${s[0]}, ${s[1]})) ${fault} ${l(RSP)} = nl; ${h(RSP)} = nh;}`;
      }
      case "pop": {
        if (ops0.k !== "r") return null;
        const d = ops0.r;
        return `{const v = mmu.ld64(${l(RSP)}, ${h(RSP)}); if (FLT.kind) ${fault} const vh = mmu.hi; const s1 = (${l(RSP)} >>> 0) + 8; ` +
          `${l(RSP)} = s1 | 0; if (s1 > 4294967295) ${h(RSP)} = (${h(RSP)} + 1) | 0; ${l(d)} = v; ${h(d)} = vh;}`;
      }
      case "call": {
        if (ops0.k !== "j") return null;
        const next = addrs[i + 1];
        return `{const s1 = (${l(RSP)} >>> 0) - 8, nl = s1 | 0, nh = s1 < 0 ? (${h(RSP)} - 1) | 0 : ${h(RSP)}; ` +
          `if (!mmu.st64(nl, nh, ${next % 4294967296 | 0}, ${Math.floor(next / 4294967296) | 0})) ${fault} ${l(RSP)} = nl; ${h(RSP)} = nh; RIP[0] = ${ops0.target};}`;
      }
      case "ret": {
        if (ops0 !== undefined) return null;
        return `{const v = mmu.ld64(${l(RSP)}, ${h(RSP)}); if (FLT.kind) ${fault} const vh = mmu.hi; ` +
          `if (vh >> 15 !== 0 && vh >> 15 !== -1) ${exit(i, "2")} const s1 = (${l(RSP)} >>> 0) + 8; ` +
          `${l(RSP)} = s1 | 0; if (s1 > 4294967295) ${h(RSP)} = (${h(RSP)} + 1) | 0; RIP[0] = vh * 4294967296 + (v >>> 0);}`;
      }
      case "jmp":
        return ops0.k === "j" ? `RIP[0] = ${ops0.target};` : null;
      default:
        if (op[0] === "j" && ops0.k === "j") return `if (test(${insn.cc})) RIP[0] = ${ops0.target};`;
        return null;
    }
  }

  const rs = [...regs].sort((a, b) => a - b);
  const wb = rs.map((r) => `L[${r}] = l${r}; H[${r}] = h${r};`).join(" ");
  const rl = rs.map((r) => `l${r} = L[${r}]; h${r} = H[${r}];`).join(" ");
  const decl = rs.length ? "let " + rs.map((r) => `l${r} = L[${r}], h${r} = H[${r}]`).join(", ") + ";" : "";
  const text = `${PRELUDE}\nreturn function block() {\n${decl}\n${body.join("\n")}\n/*WB*/ return 0;\n};`
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
