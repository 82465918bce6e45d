// Control transfer: jmp, jcc, jrcxz, call, ret.

import { canonical, CC_USE, type Exec, type Op, ripOf, STOP_GP, STOP_TAKEN, TWO32 } from "./exec.js";
import { CC, define, type Insn, type MemOp, type Operand } from "./insn.js";
import type { Jit } from "./jit.js";
import { RCX, RSP, ZF } from "./state.js";

/** call/jmp through a register or memory: #GP for a non-canonical target, before any change. */
function compileIndirect(x: Exec, o: Operand, isCall: boolean, next: number): Op {
  const { T, RIP, FLT, get, push } = x;
  const nlo = next % TWO32 | 0, nhi = Math.floor(next / TWO32) | 0;
  return () => {
    const lo = get(o, 8), hi = T[0];
    if (FLT.kind) return FLT.kind;
    if (!canonical(hi)) return STOP_GP;
    if (isCall && !push(nlo, nhi)) return FLT.kind;
    RIP[0] = ripOf(lo, hi);
    return 0;
  };
}

/** Conditional jumps: one literal per condition, so test(cc) folds. */
function compileJcc(x: Exec, cc: number, t: number): Op {
  const { RIP, test } = x;
  const jump = (): number => { RIP[0] = t; return STOP_TAKEN; };
  switch (cc) {
    case 0: return () => (test(0) ? jump() : 0);
    case 1: return () => (test(1) ? jump() : 0);
    case 2: return () => (test(2) ? jump() : 0);
    case 3: return () => (test(3) ? jump() : 0);
    case 4: return () => (test(4) ? jump() : 0);
    case 5: return () => (test(5) ? jump() : 0);
    case 6: return () => (test(6) ? jump() : 0);
    case 7: return () => (test(7) ? jump() : 0);
    case 8: return () => (test(8) ? jump() : 0);
    case 9: return () => (test(9) ? jump() : 0);
    case 10: return () => (test(10) ? jump() : 0);
    case 11: return () => (test(11) ? jump() : 0);
    case 12: return () => (test(12) ? jump() : 0);
    case 13: return () => (test(13) ? jump() : 0);
    case 14: return () => (test(14) ? jump() : 0);
    default: return () => (test(15) ? jump() : 0);
  }
}

const target = (insn: Insn): number => (insn.ops[0] as { target: number }).target;

/** The qword a push writes, [rsp - 8], as an operand: the block's accesses near it skip the TLB lookup. */
const PUSH_SLOT: MemOp = { k: "m", base: RSP, index: -1, scale: 1, dispLo: -8, dispHi: -1, rip: false, seg: 0, a32: false, sz: 8 };

/** A call's push of the next instruction's address, for the block (rsp moves once the store is done). */
function pushNext(j: Jit): string {
  const next = j.next;
  return `{${j.ea(PUSH_SLOT)} ${j.store(8, String(next % TWO32 | 0), String(Math.floor(next / TWO32) | 0))} ${j.l(RSP)} = ea_lo; ${j.h(RSP)} = ea_hi;}`;
}

/**
 * jmp or call through a register or memory, for the block, in compileIndirect's order: the target read,
 * #GP for a non-canonical one, then a call's push.
 */
function translateIndirect(j: Jit, insn: Insn, isCall: boolean): string | null {
  const src = j.src(insn.ops[0], 8, "jt");
  if (src === null) return null;
  return `{let tl = 0, th = 0; {${src[0]} tl = ${src[1]}; th = ${src[2]};} ` +
    `if (th >> 15 !== 0 && th >> 15 !== -1) ${j.exit(String(STOP_GP))} ${isCall ? pushNext(j) : ""} RIP[0] = th * 4294967296 + (tl >>> 0);}`;
}

define({
  name: "jmp",
  enc: ["EB d64: Jb", "E9 d64: Jz", "FF /4 d64: Eq"],
  ends: true,
  compile: (x, insn, ip) => {
    const o0 = insn.ops[0];
    if (o0.k === "j") { const t = o0.target, RIP = x.RIP; return () => { RIP[0] = t; return 0; }; }
    return compileIndirect(x, o0, false, ip + insn.len);
  },
  translate: (j, insn) => (insn.ops[0].k === "j" ? j.jump(target(insn)) : translateIndirect(j, insn, false)),
});

define({
  name: (insn) => "j" + CC[insn.cc],
  enc: ["70+cc d64: Jb", "0F 80+cc d64: Jz"],
  ends: true,
  conditional: true,
  flags: (insn) => CC_USE[insn.cc],
  compile: (x, insn) => compileJcc(x, insn.cc, target(insn)),
  translate: (j, insn) => `if (${j.cond(insn.cc)}) ${j.jump(target(insn))}`,
});

define({
  name: "call",
  enc: ["E8 d64: Jz", "FF /2 d64: Eq"],
  ends: true,
  faults: true,
  compile: (x, insn, ip) => {
    const o0 = insn.ops[0], next = ip + insn.len;
    if (o0.k !== "j") return compileIndirect(x, o0, true, next);
    const { RIP, FLT, push } = x;
    const t = o0.target, nlo = next % TWO32 | 0, nhi = Math.floor(next / TWO32) | 0;
    return () => { if (!push(nlo, nhi)) return FLT.kind; RIP[0] = t; return 0; };
  },
  translate: (j, insn) => (insn.ops[0].k === "j" ? `{${pushNext(j)} RIP[0] = ${target(insn)};}` : translateIndirect(j, insn, true)),
});

define({
  name: "ret",
  enc: ["C3 d64", "C2 d64: Iw"],
  ends: true,
  faults: true,
  compile: (x, insn) => {
    const { T, RIP, FLT, addReg, top } = x;
    const o0 = insn.ops[0];
    const extra = o0 !== undefined && o0.k === "i" ? o0.lo : 0;
    return () => {
      const lo = top(), hi = T[0];
      if (FLT.kind) return FLT.kind;
      if (!canonical(hi)) return STOP_GP;
      addReg(RSP, 8 + extra);
      RIP[0] = ripOf(lo, hi);
      return 0;
    };
  },
  translate: (j, insn) => {
    if (insn.ops.length !== 0) return null;
    const l = j.l(RSP), h = j.h(RSP);
    return `{const ea_lo = ${l}, ea_hi = ${h}; ${j.load(8, "v", "vh", false)} ` +
      `if (vh >> 15 !== 0 && vh >> 15 !== -1) ${j.exit(String(STOP_GP))} const s1 = (ea_lo >>> 0) + 8; ` +
      `${l} = s1 | 0; if (s1 > 4294967295) ${h} = (${h} + 1) | 0; RIP[0] = vh * 4294967296 + (v >>> 0);}`;
  },
});

/** jrcxz (RCX = 1 is zero) and, with 0x67, jecxz (ECX). */
for (const a32 of [false, true]) {
  define({
    name: a32 ? "jecxz" : "jrcxz",
    enc: [{ enc: "E3 d64: Jb", when: (p) => p.addr32 === a32 }],
    ends: true,
    compile: (x, insn) => {
      const { L, H, RIP } = x;
      const t = target(insn);
      return a32 ? () => { if (L[1] === 0) RIP[0] = t; return 0; } : () => { if (L[1] === 0 && H[1] === 0) RIP[0] = t; return 0; };
    },
    translate: (j, insn) => `if (${j.l(1)} === 0${a32 ? "" : ` && ${j.h(1)} === 0`}) RIP[0] = ${target(insn)};`,
  });
}

/**
 * loop, loope, loopne: decrement rcx (ecx with 0x67, written as a 32-bit
 * register) without touching the flags, and jump while it is not zero (and ZF is 1 / 0).
 */
for (const [op, name, zf] of [[0xe2, "loop", -1], [0xe1, "loope", 1], [0xe0, "loopne", 0]] as const) {
  for (const a32 of [false, true]) {
    define({
      name,
      enc: [{ enc: `E${op & 15} d64: Jb`, when: (p) => p.addr32 === a32 }],
      ends: true,
      flags: () => (zf < 0 ? 0 : ZF),
      compile: (x, insn) => {
        const { L, H, RIP, addReg } = x;
        const t = target(insn);
        return () => {
          if (a32) { L[RCX] = (L[RCX] - 1) | 0; H[RCX] = 0; } else addReg(RCX, -1);
          if ((L[RCX] | H[RCX]) !== 0 && (zf < 0 || x.zf() === zf)) RIP[0] = t;
          return 0;
        };
      },
    });
  }
}
