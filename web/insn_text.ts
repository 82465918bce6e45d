// A small Intel-syntax formatter for the decoder's Insn (the browser has no
// iced-x86): enough to show the instruction at rip.

import { MM, REG_NAMES, SEG_FS, SEG_GS, type Insn, type Operand } from "../src/index.js";

const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"];
const R8 = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b", "ah", "ch", "dh", "bh"];
const PTR: Record<number, string> = { 1: "byte", 2: "word", 4: "dword", 8: "qword", 10: "tbyte", 16: "xmmword" };

function regName(r: number, sz: number): string {
  if (sz === 16) return `xmm${r}`;
  if (sz === 10) return `st(${r})`;
  if (sz === MM) return `mm${r}`;
  return sz === 8 ? REG_NAMES[r] : sz === 4 ? R32[r] : sz === 2 ? R16[r] : R8[r];
}

/** A signed number from two halves, as hex ("0x10", "-0x8"). */
function hex(lo: number, hi: number): string {
  const v = hi * 2 ** 32 + (lo >>> 0);
  return v < 0 ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`;
}

function operand(op: Operand): string {
  switch (op.k) {
    case "r":
      return regName(op.r, op.sz);
    case "i":
      return hex(op.lo, op.hi);
    case "j":
      return `0x${op.target.toString(16)}`;
    case "m": {
      const seg = op.seg === SEG_FS ? "fs:" : op.seg === SEG_GS ? "gs:" : "";
      let inside: string;
      if (op.rip) inside = `rip → ${hex(op.dispLo, op.dispHi)}`;
      else {
        const parts: string[] = [];
        if (op.base >= 0) parts.push(REG_NAMES[op.base]);
        if (op.index >= 0) parts.push(op.scale > 1 ? `${REG_NAMES[op.index]}*${op.scale}` : REG_NAMES[op.index]);
        const d = hex(op.dispLo, op.dispHi);
        if (!parts.length) inside = d;
        else inside = parts.join("+") + (d === "0x0" ? "" : d.startsWith("-") ? d : `+${d}`);
      }
      const ptr = PTR[op.sz] ? `${PTR[op.sz]} ptr ` : "";
      return `${ptr}${seg}[${inside}]`;
    }
  }
}

/** "mov qword ptr [rbp-0x8], rax"; what the decoder refuses (and ud2) shows as raising #UD. */
export function formatInsn(insn: Insn): string {
  if (insn.op === "ud") return "(bad: raises #UD)";
  const compare = /^(cmps|scas)/.test(insn.op);
  const prefix = insn.rep === 0xf3 ? (compare ? "repe " : "rep ") : insn.rep === 0xf2 ? "repne " : "";
  // a string instruction's suffix says its operands ([rsi], [rdi], the accumulator)
  const ops = insn.def.rep ? "" : insn.ops.map(operand).join(", ");
  return prefix + insn.op + (ops ? " " + ops : "");
}
