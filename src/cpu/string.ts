// String instructions: movs and stos, with or without rep.

import type { Exec, Op } from "./exec.js";
import { define, SEG_NONE } from "./insn.js";
import { RAX, RCX, RDI, RSI } from "./state.js";

const SUFFIX: Record<number, string> = { 1: "b", 2: "w", 4: "d", 8: "q" };

/** movs/stos, one iteration at a time; a fault leaves rcx/rsi/rdi at the completed count. */
function compileString(x: Exec, isMovs: boolean, sz: number, rep: boolean): Op {
  const { L, H, T, EA, MISC, FLT, rget, addReg, ld, stm } = x;
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

// repne, an fs/gs source, or 32-bit rsi/rdi/rcx (67) are outside the subset
const plain = (p: { rep: number; seg: number; addr32: boolean }): boolean => p.rep !== 0xf2 && p.seg === SEG_NONE && !p.addr32;

for (const [base, isMovs] of [[0xa4, true], [0xaa, false]] as const) {
  const hex = (b: number): string => b.toString(16).toUpperCase();
  define({
    name: (insn) => (isMovs ? "movs" : "stos") + SUFFIX[insn.osz],
    enc: [{ enc: `${hex(base)} byte`, when: plain }, { enc: hex(base + 1), when: plain }],
    rep: true,
    faults: true,
    compile: (x, insn) => compileString(x, isMovs, insn.osz, insn.rep !== 0),
  });
}
