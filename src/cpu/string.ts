// String instructions: movs, cmps, stos, lods and scas, with rep, repe or
// repne. The operands are the decoder's X (ds:rsi) and Y (es:rdi) memory
// operands, so the address-size prefix (67: esi, edi, and ecx as the count)
// and an fs/gs override of the source apply as to any other address.

import type { Exec, Op } from "./exec.js";
import { ALL_FLAGS, sizeIndex } from "./exec.js";
import { define, type Insn, type MemOp } from "./insn.js";
import { PF_USER, PF_WRITE } from "./mmu.js";
import { RAX, RCX, RDI, RSI } from "./state.js";

const SUFFIX: Record<number, string> = { 1: "b", 2: "w", 4: "d", 8: "q" };

/** An instruction: its operands (X ds:rsi, Y es:rdi, A the accumulator), and whether it stores to es:rdi or compares. */
interface Kind { name: string; op: number; ops: [string, string]; store: boolean; cmp: boolean }
const KINDS: Kind[] = [
  { name: "movs", op: 0xa4, ops: ["Y", "X"], store: true, cmp: false },
  { name: "cmps", op: 0xa6, ops: ["X", "Y"], store: false, cmp: true },
  { name: "stos", op: 0xaa, ops: ["Y", "A"], store: true, cmp: false },
  { name: "lods", op: 0xac, ops: ["A", "X"], store: false, cmp: false },
  { name: "scas", op: 0xae, ops: ["A", "Y"], store: false, cmp: true },
];

/**
 * One iteration at a time; a fault leaves rcx/rsi/rdi and the flags at the
 * completed count, with rip at the instruction, so that it restarts where it
 * stopped. rep: 0, 0xf3 (rep/repe) or 0xf2 (repne; as rep for the non-comparing ones).
 */
function compileString(x: Exec, k: Kind, insn: Insn): Op {
  const { L, H, T, MISC, FLT, rget, rset, addReg, ea, ld, stm, sub } = x;
  const sz = insn.osz, szi = sizeIndex(sz), rep = insn.rep;
  const mem = insn.ops.filter((o) => o.k === "m") as MemOp[];
  const src = mem.find((m) => m.base === RSI) ?? null, dst = mem.find((m) => m.base === RDI) ?? null;
  const a32 = mem[0].a32;
  // with 32-bit addresses the count and pointers are ecx, esi, edi, written as any 32-bit register (zero-extended)
  const step = a32 ? (r: number, d: number): void => { L[r] = (L[r] + d) | 0; H[r] = 0; } : addReg;
  const more = a32 ? (): boolean => L[RCX] !== 0 : (): boolean => (L[RCX] | H[RCX]) !== 0;
  // repe stops at the first difference (ZF 0), repne at the first match (ZF 1)
  const stopAt = k.cmp && rep !== 0 ? (rep === 0xf3 ? 0 : 1) : -1;
  // rep movs and rep stos upwards with 64-bit addresses: the elements that lie whole in one page of each side at a time
  const bulk = rep !== 0 && k.store && !a32 && (src === null || src.seg === 0) && dst !== null && dst.seg === 0 ? compileBulk(x, sz, src !== null) : null;
  return () => {
    const d = MISC[0] ? -sz : sz;
    for (;;) {
      if (bulk !== null && d > 0) {
        const k = bulk();
        if (k) return k;
      }
      if (rep && !more()) return 0;
      let lo: number, hi: number;
      if (src !== null) {
        ea(src);
        lo = ld(sz); hi = T[0];
        if (FLT.kind) return FLT.kind;
      } else { lo = rget(RAX, sz); hi = H[RAX]; }
      if (dst === null) rset(RAX, sz, lo, hi);
      else {
        ea(dst);
        if (k.store) {
          if (!stm(sz, lo, hi)) return FLT.kind;
        } else {
          const b = ld(sz), bh = T[0];
          if (FLT.kind) return FLT.kind;
          sub(szi, lo, hi, b, bh, 0);
        }
      }
      if (src !== null) step(RSI, d);
      if (dst !== null) step(RDI, d);
      if (!rep) return 0;
      step(RCX, -1);
      if (stopAt >= 0 && x.zf() === stopAt) return 0;
    }
  };
}

/**
 * The bulk of rep movs (copy) or rep stos (not copy) upwards, as whole runs: each run the elements that lie
 * whole in the source's page and the destination's, both translated first (the source's as a load, the
 * destination's for writing, as each element does), then copied (or filled) at once, with rcx, rsi and rdi
 * advanced past them. It leaves to the element loop an element that crosses a page, and a run whose source a
 * copy would overwrite before reading it (the destination just above: the element loop repeats its pattern);
 * a fault's stop code with the registers at the elements done.
 */
function compileBulk(x: Exec, sz: number, copy: boolean): () => number {
  const { L, H, FLT, mmu, addReg } = x;
  const ram = mmu.ram;
  return () => {
    for (;;) {
      const count = H[RCX] !== 0 ? Infinity : L[RCX] >>> 0;
      const dOff = L[RDI] & 4095, sOff = L[RSI] & 4095;
      let n = Math.min(count, Math.floor((4096 - dOff) / sz));
      if (copy) n = Math.min(n, Math.floor((4096 - sOff) / sz));
      if (n === 0) return 0;
      const bytes = n * sz;
      let from = 0;
      if (copy) {
        const f = mmu.translate(L[RSI], H[RSI], PF_USER);
        if (f < 0) return FLT.kind;
        from = f + sOff;
      }
      const t = mmu.translate(L[RDI], H[RDI], PF_USER | PF_WRITE);
      if (t < 0) return FLT.kind;
      const to = t + dOff;
      if (copy) {
        if (to > from && to < from + bytes) return 0;
        ram.copyWithin(to, from, from + bytes);
        addReg(RSI, bytes);
      } else {
        // the first element from rax, then doubled
        for (let i = 0; i < sz; i++) ram[to + i] = (i < 4 ? L[RAX] >>> (8 * i) : H[RAX] >>> (8 * (i - 4))) & 255;
        for (let done = sz; done < bytes; done *= 2) ram.copyWithin(to + done, to, to + Math.min(done, bytes - done));
      }
      addReg(RDI, bytes);
      addReg(RCX, -n);
    }
  };
}

for (const k of KINDS) {
  const hex = (b: number): string => b.toString(16).toUpperCase();
  const operands = (size: string): string => k.ops.map((o) => (o === "A" ? (size === "b" ? "AL" : "rAX") : o + size)).join(",");
  define({
    name: (insn) => k.name + SUFFIX[insn.osz],
    enc: [`${hex(k.op)}: ${operands("b")}`, `${hex(k.op + 1)}: ${operands("v")}`],
    rep: true,
    faults: true,
    // without rep a compare surely writes the flags; with rep, rcx may be 0
    flags: (insn) => ALL_FLAGS | (k.cmp && insn.rep === 0 ? ALL_FLAGS << 16 : 0),
    compile: (x, insn) => compileString(x, k, insn),
  });
}
