// Data movement: mov, movzx, movsx, movsxd, lea, xchg, cmovcc, setcc; the
// stack (push, pop, leave); cbw/cwde/cdqe and cwd/cdq/cqo.

import { CC_USE, type Exec, type Op } from "./exec.js";
import { CC, define, FEAT_CMOV, type Insn, type MemOp, type Operand, type RegOp } from "./insn.js";
import { RAX, RBP, RDX, RSP } from "./state.js";

function compileMov(x: Exec, d: Operand, s: Operand, sz: number): Op {
  const { L, H, EA, FLT, mmu, rget, rset, ea, ld, stm } = x;
  if (d.k === "r") {
    const dr = d.r;
    if (s.k === "r") {
      const sr = s.r;
      if (sz === 8) return () => { L[dr] = L[sr]; H[dr] = H[sr]; return 0; };
      if (sz === 4) return () => { L[dr] = L[sr]; H[dr] = 0; return 0; };
      return () => { rset(dr, sz, rget(sr, sz), 0); return 0; };
    }
    if (s.k === "i") {
      const lo = s.lo, hi = s.hi;
      if (sz >= 4) return () => { L[dr] = lo; H[dr] = hi; return 0; };
      return () => { rset(dr, sz, lo, 0); return 0; };
    }
    const m = s as MemOp;
    if (sz === 8) return () => { ea(m); const lo = mmu.ld64(EA[0], EA[1]); if (FLT.kind) return FLT.kind; L[dr] = lo; H[dr] = mmu.hi; return 0; };
    if (sz === 4) return () => { ea(m); const v = mmu.ld32(EA[0], EA[1]); if (FLT.kind) return FLT.kind; L[dr] = v; H[dr] = 0; return 0; };
    return () => { ea(m); const v = ld(sz); if (FLT.kind) return FLT.kind; rset(dr, sz, v, 0); return 0; };
  }
  const m = d as MemOp;
  if (s.k === "r") {
    const sr = s.r;
    if (sz === 8) return () => { ea(m); return mmu.st64(EA[0], EA[1], L[sr], H[sr]) ? 0 : FLT.kind; };
    if (sz === 4) return () => { ea(m); return mmu.st32(EA[0], EA[1], L[sr]) ? 0 : FLT.kind; };
    return () => { ea(m); return stm(sz, rget(sr, sz), 0) ? 0 : FLT.kind; };
  }
  const lo = (s as { lo: number }).lo, hi = (s as { hi: number }).hi;
  return () => { ea(m); return stm(sz, lo, hi) ? 0 : FLT.kind; };
}

define({
  name: "mov",
  enc: ["88 /r: Eb,Gb", "89 /r: Ev,Gv", "8A /r: Gb,Eb", "8B /r: Gv,Ev", "A0: AL,Ob", "A1: rAX,Ov", "A2: Ob,AL", "A3: Ov,rAX",
    "B0+r: Zb,Ib", "B8+r: Zv,Iv", "C6 /0: Eb,Ib", "C7 /0: Ev,Iz"],
  compile: (x, insn) => compileMov(x, insn.ops[0], insn.ops[1], insn.osz),
  translate: (j, insn) => {
    const sz = insn.osz, d = insn.ops[0], s = insn.ops[1];
    if (d.k === "r") {
      if (s.k === "r") return `{const v = ${j.rv(s.r, sz)}, vh = ${j.h(s.r)}; ${j.rw(d.r, sz, "v", "vh")}}`;
      if (s.k === "i") return j.rw(d.r, sz, String(s.lo), String(s.hi));
      if (s.k !== "m") return null;
      const ea = j.ea(s);
      if (ea === null) return null;
      return `{${ea} ${j.load(sz, "v", "vh", false)} ${j.rw(d.r, sz, "v", "vh")}}`;
    }
    if (d.k !== "m") return null;
    const ea = j.ea(d);
    if (ea === null) return null;
    if (s.k === "i") return `{${ea} ${j.store(sz, String(s.lo), String(s.hi))}}`;
    if (s.k !== "r") return null;
    return `{${ea} const v = ${j.rv(s.r, sz)}, vh = ${j.h(s.r)}; ${j.store(sz, "v", "vh")}}`;
  },
});

/** movzx, movsx, movsxd: the source size is the second operand's. */
function defineExtend(name: string, enc: string[]): void {
  const signed = name !== "movzx";
  define({
    name,
    enc,
    compile: (x, insn) => {
      const { L, H, FLT, rget, rset, ea, ld } = x;
      const sz = insn.osz, d = (insn.ops[0] as RegOp).r, o1 = insn.ops[1];
      const ssz = (o1 as RegOp).sz;
      const ext = (v: number): number => (signed ? (ssz === 1 ? (v << 24) >> 24 : ssz === 2 ? (v << 16) >> 16 : v) : v);
      const write = (v: number): void => { if (sz === 8) { L[d] = v; H[d] = signed ? v >> 31 : 0; } else rset(d, sz, v, 0); };
      if (o1.k === "m") return () => { ea(o1); const v = ld(ssz); if (FLT.kind) return FLT.kind; write(ext(v)); return 0; };
      const s = (o1 as RegOp).r;
      return () => { write(ext(rget(s, ssz))); return 0; };
    },
    translate: (j, insn) => {
      const sz = insn.osz, o0 = insn.ops[0], o1 = insn.ops[1];
      if (o0.k !== "r" || (sz !== 4 && sz !== 8)) return null;
      const ssz = (o1 as { sz: number }).sz;
      let pre: string;
      if (o1.k === "r") pre = `const v = ${j.rv(o1.r, ssz)};`;
      else if (o1.k === "m") {
        const ea = j.ea(o1);
        if (ea === null) return null;
        pre = `${ea} ${j.load(ssz, "v", "vh", false)}`;
      } else return null;
      const v = !signed || ssz === 4 ? "v" : ssz === 1 ? "((v << 24) >> 24)" : "((v << 16) >> 16)";
      return `{${pre} const x = ${v}; ${j.rw(o0.r, sz, "x", signed ? "x >> 31" : "0")}}`;
    },
  });
}
defineExtend("movzx", ["0F B6 /r: Gv,Eb", "0F B7 /r: Gv,Ew"]);
defineExtend("movsx", ["0F BE /r: Gv,Eb", "0F BF /r: Gv,Ew"]);
defineExtend("movsxd", ["63 /r: Gv,Ez"]);

define({
  name: "lea",
  enc: ["8D /r: Gv,M"],
  noAccess: true,
  compile: (x, insn) => {
    const { EA, rset, ea } = x;
    const sz = insn.osz, d = (insn.ops[0] as RegOp).r;
    const m = { ...(insn.ops[1] as MemOp), seg: 0 };
    return () => { ea(m); rset(d, sz, EA[0], EA[1]); return 0; };
  },
  translate: (j, insn) => {
    const sz = insn.osz, d = insn.ops[0], m = insn.ops[1];
    if (d.k !== "r" || m.k !== "m" || (sz !== 4 && sz !== 8)) return null;
    return `{${j.ea({ ...m, seg: 0 })} ${j.l(d.r)} = ea_lo; ${j.h(d.r)} = ${sz === 8 ? "ea_hi" : "0"};}`;
  },
});

define({
  name: "xchg",
  enc: ["86 /r: Eb,Gb", "87 /r: Ev,Gv", { enc: "90+r: Zv,rAX", when: (p) => (p.opcode & 7) !== 0 || (p.rex & 1) !== 0 }],
  lock: true,
  compile: (x, insn) => {
    const { H, T, FLT, rget, rset, ea, ldw, stm } = x;
    const sz = insn.osz, o0 = insn.ops[0], g = (insn.ops[1] as RegOp).r;
    if (o0.k === "m") return () => {
      ea(o0);
      const a = ldw(sz), ah = T[0];
      if (FLT.kind) return FLT.kind;
      stm(sz, rget(g, sz), H[g]);
      rset(g, sz, a, ah);
      return 0;
    };
    const d = (o0 as RegOp).r;
    return () => {
      const a = rget(d, sz), ah = H[d];
      rset(d, sz, rget(g, sz), H[g]);
      rset(g, sz, a, ah);
      return 0;
    };
  },
});

const ccFlags = (insn: Insn): number => CC_USE[insn.cc];

define({
  name: (insn) => "cmov" + CC[insn.cc],
  enc: ["0F 40+cc /r: Gv,Ev"],
  flags: ccFlags,
  feature: FEAT_CMOV,
  compile: (x, insn) => {
    const { H, T, FLT, get, rset, test } = x;
    const sz = insn.osz, cc = insn.cc, dr = (insn.ops[0] as RegOp).r, s = insn.ops[1];
    return () => {
      const v = get(s, sz), vh = T[0];
      if (FLT.kind) return FLT.kind;
      if (test(cc)) rset(dr, sz, v, vh);
      else if (sz === 4) H[dr] = 0; // a 32-bit cmov writes its destination either way
      return 0;
    };
  },
  translate: (j, insn) => {
    const sz = insn.osz, dr = (insn.ops[0] as RegOp).r;
    // a memory source is read whatever the condition, as the Op reads it
    const src = j.src(insn.ops[1], sz, "v");
    if (src === null) return null;
    const [pre, v, vh] = src;
    return `{${pre} if (${j.cond(insn.cc)}) {${j.rw(dr, sz, v, vh)}}${sz === 4 ? ` else ${j.h(dr)} = 0;` : ""}}`;
  },
});

define({
  name: (insn) => "set" + CC[insn.cc],
  enc: ["0F 90+cc /r: Eb"],
  flags: ccFlags,
  compile: (x, insn) => {
    const { EA, FLT, mmu, rset, ea, test } = x;
    const cc = insn.cc, o0 = insn.ops[0];
    if (o0.k === "m") return () => { ea(o0); return mmu.st8(EA[0], EA[1], test(cc) ? 1 : 0) ? 0 : FLT.kind; };
    const r = (o0 as RegOp).r;
    return () => { rset(r, 1, test(cc) ? 1 : 0, 0); return 0; };
  },
  translate: (j, insn) => {
    const o = insn.ops[0], v = `((${j.cond(insn.cc)}) ? 1 : 0)`;
    if (o.k === "r") return `{${j.rw(o.r, 1, v, "0")}}`;
    if (o.k !== "m") return null;
    const ea = j.ea(o);
    return ea === null ? null : `{${ea} const v = ${v}; ${j.store(1, "v", "0")}}`;
  },
});

define({
  name: "push",
  enc: ["50+r d64: Zq", "68 d64: Iz", "6A d64: Ibs", "FF /6 d64: Eq"],
  faults: true,
  compile: (x, insn) => {
    const { L, H, T, FLT, ea, ld, push } = x;
    const o0 = insn.ops[0];
    if (o0.k === "r") { const r = o0.r; return () => (push(L[r], H[r]) ? 0 : FLT.kind); }
    if (o0.k === "i") { const lo = o0.lo, hi = o0.hi; return () => (push(lo, hi) ? 0 : FLT.kind); }
    const m = o0 as MemOp;
    return () => { ea(m); const lo = ld(8), hi = T[0]; if (FLT.kind) return FLT.kind; return push(lo, hi) ? 0 : FLT.kind; };
  },
  translate: (j, insn) => {
    const o = insn.ops[0];
    if (o.k !== "r" && o.k !== "i") return null;
    const [v, vh] = o.k === "r" ? [j.l(o.r), j.h(o.r)] : [String(o.lo), String(o.hi)];
    const l = j.l(RSP), h = j.h(RSP);
    return `{const s1 = (${l} >>> 0) - 8, ea_lo = s1 | 0, ea_hi = s1 < 0 ? (${h} - 1) | 0 : ${h}; ` +
      `${j.store(8, v, vh)} ${l} = ea_lo; ${h} = ea_hi;}`;
  },
});

define({
  name: "pop",
  enc: ["58+r d64: Zq", "8F /0 d64: Eq"],
  faults: true,
  compile: (x, insn) => {
    const { L, H, T, FLT, addReg, ea, stm, top } = x;
    const o0 = insn.ops[0];
    if (o0.k === "r") {
      const r = o0.r;
      return () => { const lo = top(), hi = T[0]; if (FLT.kind) return FLT.kind; addReg(RSP, 8); L[r] = lo; H[r] = hi; return 0; };
    }
    const m = o0 as MemOp;
    return () => {
      const lo = top(), hi = T[0];
      if (FLT.kind) return FLT.kind;
      // the destination address is computed with rsp already incremented
      const slo = L[RSP], shi = H[RSP];
      addReg(RSP, 8); ea(m); L[RSP] = slo; H[RSP] = shi;
      if (!stm(8, lo, hi)) return FLT.kind;
      addReg(RSP, 8);
      return 0;
    };
  },
  translate: (j, insn) => {
    const o = insn.ops[0];
    if (o.k !== "r") return null;
    const l = j.l(RSP), h = j.h(RSP);
    return `{const ea_lo = ${l}, ea_hi = ${h}; ${j.load(8, "v", "vh", false)} const s1 = (ea_lo >>> 0) + 8; ` +
      `${l} = s1 | 0; if (s1 > 4294967295) ${h} = (${h} + 1) | 0; ${j.l(o.r)} = v; ${j.h(o.r)} = vh;}`;
  },
});

define({
  name: "leave",
  enc: ["C9 d64"],
  faults: true,
  compile: (x) => {
    const { L, H, FLT, mmu, addReg } = x;
    return () => {
      const lo = mmu.ld64(L[RBP], H[RBP]), hi = mmu.hi;
      if (FLT.kind) return FLT.kind;
      L[RSP] = L[RBP]; H[RSP] = H[RBP]; addReg(RSP, 8);
      L[RBP] = lo; H[RBP] = hi;
      return 0;
    };
  },
});

define({
  name: (insn) => (insn.osz === 8 ? "cdqe" : insn.osz === 4 ? "cwde" : "cbw"),
  enc: ["98"],
  compile: (x, insn) => {
    const { L, H, rset } = x;
    if (insn.osz === 8) return () => { H[RAX] = L[RAX] >> 31; return 0; };
    if (insn.osz === 4) return () => { L[RAX] = (L[RAX] << 16) >> 16; H[RAX] = 0; return 0; };
    return () => { rset(RAX, 2, (L[RAX] << 24) >> 24, 0); return 0; };
  },
  translate: (j, insn) => {
    const a = j.l(RAX);
    if (insn.osz === 8) return `${j.h(RAX)} = ${a} >> 31;`;
    return j.rw(RAX, insn.osz, insn.osz === 4 ? `(${a} << 16) >> 16` : `(${a} << 24) >> 24`, "0");
  },
});

define({
  name: (insn) => (insn.osz === 8 ? "cqo" : insn.osz === 4 ? "cdq" : "cwd"),
  enc: ["99"],
  compile: (x, insn) => {
    const { L, H, rset } = x;
    if (insn.osz === 8) return () => { const s = H[RAX] >> 31; L[RDX] = s; H[RDX] = s; return 0; };
    if (insn.osz === 4) return () => { L[RDX] = L[RAX] >> 31; H[RDX] = 0; return 0; };
    return () => { rset(RDX, 2, (L[RAX] << 16) >> 31, 0); return 0; };
  },
  translate: (j, insn) => {
    const sz = insn.osz;
    if (sz === 8) return `{const s = ${j.h(RAX)} >> 31; ${j.l(RDX)} = s; ${j.h(RDX)} = s;}`;
    return j.rw(RDX, sz, sz === 4 ? `${j.l(RAX)} >> 31` : `(${j.l(RAX)} << 16) >> 31`, "0");
  },
});
