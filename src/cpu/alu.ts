// Integer ALU: add, or, adc, sbb, and, sub, xor, cmp, test; inc, dec, neg,
// not; xadd, cmpxchg, cmpxchg8b and cmpxchg16b. One CPU: lock changes nothing.

import { ALL_FLAGS, type Exec, MASK, msb, type Op, sizeIndex, STOP_GP } from "./exec.js";
import { define, FEAT_CX16, FEAT_CX8, type Insn, type MemOp, type Operand, type RegOp } from "./insn.js";
import type { Jit } from "./jit.js";
import { CF, K_ADD, K_LOGIC, K_SUB, RAX, RBX, RCX, RDX, ZF } from "./state.js";

const ADD32 = (K_ADD << 2) | 2, SUB32 = (K_SUB << 2) | 2, LOG32 = (K_LOGIC << 2) | 2;

/** The group-1 operation k (0 add, 1 or, 2 adc, 3 sbb, 4 and, 5 sub, 6 xor, 7 cmp, 8 test). */
function alu(x: Exec, k: number, szi: number, alo: number, ahi: number, blo: number, bhi: number): number {
  switch (k) {
    case 0: return x.add(szi, alo, ahi, blo, bhi, 0);
    case 1: return x.logic(szi, alo | blo, szi === 3 ? ahi | bhi : 0);
    case 2: return x.add(szi, alo, ahi, blo, bhi, x.cf());
    case 3: return x.sub(szi, alo, ahi, blo, bhi, x.cf());
    case 4: case 8: return x.logic(szi, alo & blo, szi === 3 ? ahi & bhi : 0);
    case 6: return x.logic(szi, alo ^ blo, szi === 3 ? ahi ^ bhi : 0);
    default: return x.sub(szi, alo, ahi, blo, bhi, 0);
  }
}

/**
 * 32/64-bit register destination, register or immediate source: one closure
 * literal per operation, size and form, so that each call site stays
 * monomorphic and the helpers inline; dead flags are not computed.
 */
function fastAlu(x: Exec, k: number, d: number, s: number, ilo: number, ihi: number, sz: number, flags: boolean): Op | null {
  const { L, H, F, T, add, sub, logic } = x;
  const imm = s < 0;
  if (sz === 4 && flags) {
    switch (k) {
      case 0: return imm
        ? () => { const a = L[d], r = (a + ilo) | 0; F[0] = ADD32; F[1] = a; F[3] = ilo; F[5] = r; L[d] = r; H[d] = 0; return 0; }
        : () => { const a = L[d], b = L[s], r = (a + b) | 0; F[0] = ADD32; F[1] = a; F[3] = b; F[5] = r; L[d] = r; H[d] = 0; return 0; };
      case 5: return imm
        ? () => { const a = L[d], r = (a - ilo) | 0; F[0] = SUB32; F[1] = a; F[3] = ilo; F[5] = r; L[d] = r; H[d] = 0; return 0; }
        : () => { const a = L[d], b = L[s], r = (a - b) | 0; F[0] = SUB32; F[1] = a; F[3] = b; F[5] = r; L[d] = r; H[d] = 0; return 0; };
      case 7: return imm
        ? () => { const a = L[d]; F[0] = SUB32; F[1] = a; F[3] = ilo; F[5] = (a - ilo) | 0; return 0; }
        : () => { const a = L[d], b = L[s]; F[0] = SUB32; F[1] = a; F[3] = b; F[5] = (a - b) | 0; return 0; };
      case 4: return imm
        ? () => { const r = L[d] & ilo; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; }
        : () => { const r = L[d] & L[s]; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; };
      case 1: return imm
        ? () => { const r = L[d] | ilo; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; }
        : () => { const r = L[d] | L[s]; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; };
      case 6: return imm
        ? () => { const r = L[d] ^ ilo; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; }
        : () => { const r = L[d] ^ L[s]; F[0] = LOG32; F[5] = r; L[d] = r; H[d] = 0; return 0; };
      case 8: return imm
        ? () => { F[0] = LOG32; F[5] = L[d] & ilo; return 0; }
        : () => { F[0] = LOG32; F[5] = L[d] & L[s]; return 0; };
    }
  } else if (sz === 8 && flags) {
    switch (k) {
      case 0: return imm
        ? () => { L[d] = add(3, L[d], H[d], ilo, ihi, 0); H[d] = T[0]; return 0; }
        : () => { L[d] = add(3, L[d], H[d], L[s], H[s], 0); H[d] = T[0]; return 0; };
      case 5: return imm
        ? () => { L[d] = sub(3, L[d], H[d], ilo, ihi, 0); H[d] = T[0]; return 0; }
        : () => { L[d] = sub(3, L[d], H[d], L[s], H[s], 0); H[d] = T[0]; return 0; };
      case 7: return imm
        ? () => { sub(3, L[d], H[d], ilo, ihi, 0); return 0; }
        : () => { sub(3, L[d], H[d], L[s], H[s], 0); return 0; };
      case 4: return imm
        ? () => { L[d] = logic(3, L[d] & ilo, H[d] & ihi); H[d] = T[0]; return 0; }
        : () => { L[d] = logic(3, L[d] & L[s], H[d] & H[s]); H[d] = T[0]; return 0; };
      case 1: return imm
        ? () => { L[d] = logic(3, L[d] | ilo, H[d] | ihi); H[d] = T[0]; return 0; }
        : () => { L[d] = logic(3, L[d] | L[s], H[d] | H[s]); H[d] = T[0]; return 0; };
      case 6: return imm
        ? () => { L[d] = logic(3, L[d] ^ ilo, H[d] ^ ihi); H[d] = T[0]; return 0; }
        : () => { L[d] = logic(3, L[d] ^ L[s], H[d] ^ H[s]); H[d] = T[0]; return 0; };
      case 8: return imm
        ? () => { logic(3, L[d] & ilo, H[d] & ihi); return 0; }
        : () => { logic(3, L[d] & L[s], H[d] & H[s]); return 0; };
    }
  } else if (sz === 4) {
    switch (k) {
      case 0: return imm ? () => { L[d] = (L[d] + ilo) | 0; H[d] = 0; return 0; } : () => { L[d] = (L[d] + L[s]) | 0; H[d] = 0; return 0; };
      case 5: return imm ? () => { L[d] = (L[d] - ilo) | 0; H[d] = 0; return 0; } : () => { L[d] = (L[d] - L[s]) | 0; H[d] = 0; return 0; };
      case 4: return imm ? () => { L[d] &= ilo; H[d] = 0; return 0; } : () => { L[d] &= L[s]; H[d] = 0; return 0; };
      case 1: return imm ? () => { L[d] |= ilo; H[d] = 0; return 0; } : () => { L[d] |= L[s]; H[d] = 0; return 0; };
      case 6: return imm ? () => { L[d] ^= ilo; H[d] = 0; return 0; } : () => { L[d] ^= L[s]; H[d] = 0; return 0; };
      case 7: case 8: return () => 0;
    }
  } else if (sz === 8) {
    switch (k) {
      case 0: return imm
        ? () => { const s1 = (L[d] >>> 0) + (ilo >>> 0); L[d] = s1 | 0; H[d] = (H[d] + ihi + (s1 > 0xffffffff ? 1 : 0)) | 0; return 0; }
        : () => { const s1 = (L[d] >>> 0) + (L[s] >>> 0); L[d] = s1 | 0; H[d] = (H[d] + H[s] + (s1 > 0xffffffff ? 1 : 0)) | 0; return 0; };
      case 5: return imm
        ? () => { const s1 = (L[d] >>> 0) - (ilo >>> 0); L[d] = s1 | 0; H[d] = (H[d] - ihi - (s1 < 0 ? 1 : 0)) | 0; return 0; }
        : () => { const s1 = (L[d] >>> 0) - (L[s] >>> 0); L[d] = s1 | 0; H[d] = (H[d] - H[s] - (s1 < 0 ? 1 : 0)) | 0; return 0; };
      case 4: return imm ? () => { L[d] &= ilo; H[d] &= ihi; return 0; } : () => { L[d] &= L[s]; H[d] &= H[s]; return 0; };
      case 1: return imm ? () => { L[d] |= ilo; H[d] |= ihi; return 0; } : () => { L[d] |= L[s]; H[d] |= H[s]; return 0; };
      case 6: return imm ? () => { L[d] ^= ilo; H[d] ^= ihi; return 0; } : () => { L[d] ^= L[s]; H[d] ^= H[s]; return 0; };
      case 7: case 8: return () => 0;
    }
  }
  return null;
}

function compileAlu(x: Exec, k: number, d: Operand, s: Operand, sz: number, live: number, def: number): Op {
  const { L, H, F, T, FLT, rget, rset, ea, get, ld, ldw, stm } = x;
  const szi = sizeIndex(sz);
  const write = k < 7;
  if ((sz === 4 || sz === 8) && d.k === "r" && (s.k === "r" || s.k === "i")) {
    const f = fastAlu(x, k, d.r, s.k === "r" ? s.r : -1, s.k === "i" ? s.lo : 0, s.k === "i" ? s.hi : 0, sz, (live & def) !== 0);
    if (f !== null) return f;
  }
  if (d.k === "r") {
    const dr = d.r;
    if (s.k === "m") {
      return () => {
        ea(s);
        const b = ld(sz), bh = T[0];
        if (FLT.kind) return FLT.kind;
        const r = alu(x, k, szi, rget(dr, sz), H[dr], b, bh);
        if (write) rset(dr, sz, r, T[0]);
        return 0;
      };
    }
    if (s.k === "r") {
      const sr = s.r;
      if (sz === 4 && k === 7) return () => { const a = L[dr], b = L[sr]; F[0] = SUB32; F[1] = a; F[3] = b; F[5] = (a - b) | 0; return 0; };
      if (sz === 4 && k === 0) return () => { const a = L[dr], b = L[sr], r = (a + b) | 0; F[0] = ADD32; F[1] = a; F[3] = b; F[5] = r; L[dr] = r; H[dr] = 0; return 0; };
      if (sz === 8 && (k === 6 || k === 1 || k === 4 || k === 8)) {
        return () => {
          const lo = k === 6 ? L[dr] ^ L[sr] : k === 1 ? L[dr] | L[sr] : L[dr] & L[sr];
          const hi = k === 6 ? H[dr] ^ H[sr] : k === 1 ? H[dr] | H[sr] : H[dr] & H[sr];
          F[0] = (K_LOGIC << 2) | 3; F[5] = lo; F[6] = hi;
          if (k !== 8) { L[dr] = lo; H[dr] = hi; }
          return 0;
        };
      }
      return () => {
        const r = alu(x, k, szi, rget(dr, sz), H[dr], rget(sr, sz), H[sr]);
        if (write) rset(dr, sz, r, T[0]);
        return 0;
      };
    }
    const ilo = (s as { lo: number }).lo, ihi = (s as { hi: number }).hi;
    if (sz === 4 && k === 7) return () => { const a = L[dr]; F[0] = SUB32; F[1] = a; F[3] = ilo; F[5] = (a - ilo) | 0; return 0; };
    if (sz === 4 && (k === 0 || k === 5)) {
      const kind = k === 0 ? K_ADD : K_SUB;
      return () => { const a = L[dr], r = kind === K_ADD ? (a + ilo) | 0 : (a - ilo) | 0; F[0] = (kind << 2) | 2; F[1] = a; F[3] = ilo; F[5] = r; L[dr] = r; H[dr] = 0; return 0; };
    }
    return () => {
      const r = alu(x, k, szi, rget(dr, sz), H[dr], ilo, ihi);
      if (write) rset(dr, sz, r, T[0]);
      return 0;
    };
  }
  const m = d as MemOp;
  return () => {
    ea(m);
    const b = get(s, sz), bh = T[0];
    const a = write ? ldw(sz) : ld(sz), ah = T[0];
    if (FLT.kind) return FLT.kind;
    const r = alu(x, k, szi, a, ah, b, bh);
    // the write-intent load translated every byte for writing: this store cannot fault
    if (write) stm(sz, r, T[0]);
    return 0;
  };
}

/**
 * add/or/and/sub/xor/cmp/test, register or memory destination, register,
 * immediate or memory source.
 */
function translateAlu(j: Jit, k: number, insn: Insn): string | null {
  const sz = insn.osz, d = insn.ops[0], s = insn.ops[1], flags = j.flags;
  const write = k < 7;
  let pre = "", a: string, ah: string, b: string, bh: string, post: string;
  if (d.k === "r") {
    [a, ah] = [j.rv(d.r, sz), sz === 8 ? j.h(d.r) : "0"];
    post = write ? j.rw(d.r, sz, "r", "rh") : "";
  } else if (d.k === "m") {
    const ea = j.ea(d);
    if (ea === null) return null;
    pre = `${ea} ${j.load(sz, "ma", "mah", write)}`;
    [a, ah] = ["ma", "mah"];
    // the write-intent load checked every byte for writing: the store cannot fault
    post = write ? j.store(sz, "r", "rh") : "";
  } else return null;
  if (s.k === "i") [b, bh] = [`(${s.lo})`, `(${s.hi})`];
  else {
    // (one memory operand at most)
    const src = s.k === "m" && d.k === "m" ? null : j.src(s, sz, "mb");
    if (src === null) return null;
    pre += src[0];
    [, b, bh] = src;
  }
  const e = ["+", "|", "", "", "&", "-", "^", "-", "&"][k];
  const arith = k === 0 || k === 5 || k === 7;
  const szi = sizeIndex(sz);
  const fk = ((arith ? (k === 0 ? K_ADD : K_SUB) : K_LOGIC) << 2) | szi;
  let calc: string;
  if (!flags && !write) return pre === "" ? "" : `{${pre}}`;
  if (sz < 8) {
    calc = `const r = (${a} ${e} ${b}) ${sz === 4 ? "| 0" : sz === 2 ? "& 65535" : "& 255"}, rh = 0;`;
    if (flags) calc += arith ? `F[0] = ${fk}; F[1] = ${a}; F[3] = ${b}; F[5] = r;` : `F[0] = ${fk}; F[5] = r;`;
  } else {
    // int32 arithmetic only (the carry is an unsigned compare, as `(a < b) | 0`, which V8 turns into a setc
    // where `? 1 : 0` costs two branches), every operand marked int32 with | 0: V8 then keeps the halves in
    // machine registers rather than as doubles
    if (k === 0) calc = `const r = ((${a} | 0) + (${b} | 0)) | 0, rh = (((${ah} | 0) + (${bh} | 0) | 0) + (((r >>> 0) < (${a} >>> 0)) | 0)) | 0;`;
    else if (arith) calc = `const r = ((${a} | 0) - (${b} | 0)) | 0, rh = (((${ah} | 0) - (${bh} | 0) | 0) - (((${a} >>> 0) < (${b} >>> 0)) | 0)) | 0;`;
    else calc = `const r = ${a} ${e} ${b}, rh = ${ah} ${e} ${bh};`;
    if (flags) calc += arith ? `F[0] = ${fk}; F[1] = ${a}; F[2] = ${ah}; F[3] = ${b}; F[4] = ${bh}; F[5] = r; F[6] = rh;` : `F[0] = ${fk}; F[5] = r; F[6] = rh;`;
  }
  if (flags) j.known = fk;
  return `{${pre} ${calc} ${post}}`;
}

/** adc/sbb of a register and a register or an immediate: the Exec's add/sub with CF in, which set the flags. */
function translateCarry(j: Jit, adc: boolean, insn: Insn): string | null {
  const sz = insn.osz, d = insn.ops[0], s = insn.ops[1];
  if (d.k !== "r" || (s.k !== "r" && s.k !== "i")) return null;
  const [, b, bh] = s.k === "r" ? j.src(s, sz, "mb")! : ["", `(${s.lo})`, `(${s.hi})`];
  j.known = -1;
  return `{const r = ${adc ? "add" : "sub"}(${sizeIndex(sz)}, ${j.rv(d.r, sz)}, ${sz === 8 ? j.h(d.r) : "0"}, ${b}, ${bh}, cf()), rh = T[0]; ` +
    `${j.rw(d.r, sz, "r", "rh")}}`;
}

const GRP1 = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
GRP1.forEach((name, k) => {
  const o = k << 3;
  const hex = (b: number): string => b.toString(16).toUpperCase().padStart(2, "0");
  const carry = k === 2 || k === 3;
  define({
    name,
    enc: [`${hex(o)} /r: Eb,Gb`, `${hex(o + 1)} /r: Ev,Gv`, `${hex(o + 2)} /r: Gb,Eb`, `${hex(o + 3)} /r: Gv,Ev`, `${hex(o + 4)}: AL,Ib`, `${hex(o + 5)}: rAX,Iz`,
      `80 /${k}: Eb,Ib`, `81 /${k}: Ev,Iz`, `83 /${k}: Ev,Ibs`],
    use: carry ? CF : 0,
    def: ALL_FLAGS,
    lock: name !== "cmp",
    compile: (x, insn, _ip, live) => compileAlu(x, k, insn.ops[0], insn.ops[1], insn.osz, live, ALL_FLAGS),
    translate: (j, insn) => (carry ? translateCarry(j, k === 2, insn) : translateAlu(j, k, insn)),
  });
});

define({
  name: "test",
  enc: ["84 /r: Eb,Gb", "85 /r: Ev,Gv", "A8: AL,Ib", "A9: rAX,Iz", "F6 /0: Eb,Ib", "F7 /0: Ev,Iz"],
  def: ALL_FLAGS,
  compile: (x, insn, _ip, live) => compileAlu(x, 8, insn.ops[0], insn.ops[1], insn.osz, live, ALL_FLAGS),
  translate: (j, insn) => translateAlu(j, 8, insn),
});

/** inc/dec: CF is kept. */
function compileIncDec(x: Exec, inc: boolean, insn: Insn, live: number): Op {
  const { L, H, T, FLT, rget, rset, ea, ldw, stm, cf, res } = x;
  const sz = insn.osz, szi = sizeIndex(sz), o = insn.ops[0];
  if ((sz === 4 || sz === 8) && o.k === "r" && !(live & (ALL_FLAGS & ~CF))) {
    // flags nobody reads
    const d = o.r;
    if (sz === 4) return inc ? () => { L[d] = (L[d] + 1) | 0; H[d] = 0; return 0; } : () => { L[d] = (L[d] - 1) | 0; H[d] = 0; return 0; };
    return inc
      ? () => { const lo = (L[d] + 1) | 0; L[d] = lo; if (lo === 0) H[d] = (H[d] + 1) | 0; return 0; }
      : () => { const lo = L[d]; L[d] = (lo - 1) | 0; if (lo === 0) H[d] = (H[d] - 1) | 0; return 0; };
  }
  const step = (a: number, ah: number): number => {
    const c = cf();
    let r: number, rh = 0;
    if (szi === 3) {
      const s = (a >>> 0) + (inc ? 1 : -1);
      r = s | 0;
      rh = (ah + (s > 0xffffffff ? 1 : s < 0 ? -1 : 0)) | 0;
    } else r = (a + (inc ? 1 : -1)) & MASK[szi];
    const m = msb(szi, r, rh), mo = msb(szi, a, ah);
    const ov = inc ? m & (mo ^ 1) : mo & (m ^ 1);
    const afv = inc ? ((r & 0xf) === 0 ? 1 : 0) : (a & 0xf) === 0 ? 1 : 0;
    res(szi, r, rh, c | (afv << 4) | (ov << 11));
    T[0] = rh;
    return r;
  };
  if (o.k === "m") return () => { ea(o); const a = ldw(sz), ah = T[0]; if (FLT.kind) return FLT.kind; const r = step(a, ah); stm(sz, r, T[0]); return 0; };
  const r = (o as RegOp).r;
  return () => { const v = step(rget(r, sz), H[r]); rset(r, sz, v, T[0]); return 0; };
}

function translateIncDec(j: Jit, inc: boolean, insn: Insn): string | null {
  const sz = insn.osz, o = insn.ops[0];
  if (o.k !== "r" || (sz !== 4 && sz !== 8)) return null;
  const d = o.r, l = j.l(d), h = j.h(d);
  // CF unread: an add or sub of 1 gives every other flag
  const lazy = (((inc ? K_ADD : K_SUB) << 2) | sizeIndex(sz));
  const cfDead = (j.live & CF) === 0;
  if (sz === 4) {
    const r = `{const a = ${l}, r = (a ${inc ? "+" : "-"} 1) | 0; ${l} = r; ${h} = 0;`;
    if (!j.flags) return r + "}";
    if (cfDead) { j.known = lazy; return r + `F[0] = ${lazy}; F[1] = a; F[3] = 1; F[5] = r;}`; }
    j.known = -1;
    return r + (inc ? "res(2, r, 0, cf() | ((r & 15) === 0 ? 16 : 0) | (r === -2147483648 ? 2048 : 0));}"
      : "res(2, r, 0, cf() | ((a & 15) === 0 ? 16 : 0) | (a === -2147483648 ? 2048 : 0));}");
  }
  const r = inc
    ? `{const a = ${l}, ah = ${h}, r = (a + 1) | 0, rh = r === 0 ? (ah + 1) | 0 : ah; ${l} = r; ${h} = rh;`
    : `{const a = ${l}, ah = ${h}, r = (a - 1) | 0, rh = a === 0 ? (ah - 1) | 0 : ah; ${l} = r; ${h} = rh;`;
  if (!j.flags) return r + "}";
  if (cfDead) { j.known = lazy; return r + `F[0] = ${lazy}; F[1] = a; F[2] = ah; F[3] = 1; F[4] = 0; F[5] = r; F[6] = rh;}`; }
  j.known = -1;
  return r + (inc ? "res(3, r, rh, cf() | ((r & 15) === 0 ? 16 : 0) | (r === 0 && rh === -2147483648 ? 2048 : 0));}"
    : "res(3, r, rh, cf() | ((a & 15) === 0 ? 16 : 0) | (a === 0 && ah === -2147483648 ? 2048 : 0));}");
}

for (const inc of [true, false]) {
  define({
    name: inc ? "inc" : "dec",
    enc: [`FE /${inc ? 0 : 1}: Eb`, `FF /${inc ? 0 : 1}: Ev`],
    def: ALL_FLAGS & ~CF,
    lock: true,
    compile: (x, insn, _ip, live) => compileIncDec(x, inc, insn, live),
    translate: (j, insn) => translateIncDec(j, inc, insn),
  });
}

for (const neg of [true, false]) {
  define({
    name: neg ? "neg" : "not",
    enc: [`F6 /${neg ? 3 : 2}: Eb`, `F7 /${neg ? 3 : 2}: Ev`],
    def: neg ? ALL_FLAGS : 0,
    lock: true,
    compile: (x, insn) => {
      const { H, T, FLT, rget, rset, ea, ldw, stm, sub } = x;
      const sz = insn.osz, szi = sizeIndex(sz), o = insn.ops[0];
      const f = (a: number, ah: number): number => {
        if (neg) return sub(szi, 0, 0, a, szi === 3 ? ah : 0, 0);
        T[0] = ~ah;
        return ~a & MASK[szi];
      };
      if (o.k === "m") return () => { ea(o); const a = ldw(sz), ah = T[0]; if (FLT.kind) return FLT.kind; const r = f(a, ah); stm(sz, r, T[0]); return 0; };
      const r = (o as RegOp).r;
      return () => { const v = f(rget(r, sz), H[r]); rset(r, sz, v, T[0]); return 0; };
    },
    translate: (j, insn) => (neg ? translateNeg(j, insn) : translateNot(j, insn)),
  });
}

/** neg of a 32- or 64-bit register: 0 - a, with sub's lazy flags. */
function translateNeg(j: Jit, insn: Insn): string | null {
  const sz = insn.osz, o = insn.ops[0];
  if (o.k !== "r" || (sz !== 4 && sz !== 8)) return null;
  const l = j.l(o.r), h = j.h(o.r), fk = (K_SUB << 2) | sizeIndex(sz);
  const calc = sz === 4 ? `const a = ${l}, r = (0 - a) | 0, rh = 0;`
    : `const a = ${l}, ah = ${h}, r = (0 - a) | 0, rh = ((0 - ah) | 0) - ((a !== 0) | 0) | 0;`;
  if (!j.flags) return `{${calc} ${l} = r; ${h} = rh;}`;
  j.known = fk;
  const f = sz === 4 ? "F[1] = 0; F[3] = a; F[5] = r;" : "F[1] = 0; F[2] = 0; F[3] = a; F[4] = ah; F[5] = r; F[6] = rh;";
  return `{${calc} F[0] = ${fk}; ${f} ${l} = r; ${h} = rh;}`;
}

/** not of a register: no flags. */
function translateNot(j: Jit, insn: Insn): string | null {
  const sz = insn.osz, o = insn.ops[0];
  if (o.k !== "r") return null;
  return j.rw(o.r, sz, `~${j.rv(o.r, sz)}`, sz === 8 ? `~${j.h(o.r)}` : "0");
}

/** xadd, and cmpxchg (compare with the accumulator, exchange on a match). */
function compileXaddCmpxchg(x: Exec, isXadd: boolean, insn: Insn): Op {
  const { H, T, FLT, rget, rset, ea, ldw, stm, add, sub, zf } = x;
  const sz = insn.osz, szi = sizeIndex(sz), d = insn.ops[0], g = (insn.ops[1] as RegOp).r;
  return () => {
    let a: number, ah: number;
    if (d.k === "m") {
      ea(d);
      a = ldw(sz); ah = T[0];
      if (FLT.kind) return FLT.kind;
    } else { a = rget((d as RegOp).r, sz); ah = H[(d as RegOp).r]; }
    const b = rget(g, sz), bh = H[g];
    let nd: number, ndh: number;
    if (isXadd) {
      nd = add(szi, a, ah, b, bh, 0); ndh = T[0];
      rset(g, sz, a, ah);
    } else {
      sub(szi, rget(RAX, sz), H[RAX], a, szi === 3 ? ah : 0, 0);
      if (zf()) { nd = b; ndh = bh; }
      else {
        // no match: the accumulator takes the destination; a register destination is
        // left as it was (no zero-extension, as measured), memory is written back
        rset(RAX, sz, a, ah);
        if (d.k === "m") stm(sz, a, ah);
        return 0;
      }
    }
    if (d.k === "m") stm(sz, nd, ndh);
    else rset((d as RegOp).r, sz, nd, ndh);
    return 0;
  };
}

define({
  name: "xadd",
  enc: ["0F C0 /r: Eb,Gb", "0F C1 /r: Ev,Gv"],
  def: ALL_FLAGS,
  lock: true,
  compile: (x, insn) => compileXaddCmpxchg(x, true, insn),
});
define({
  name: "cmpxchg",
  enc: ["0F B0 /r: Eb,Gb", "0F B1 /r: Ev,Gv"],
  def: ALL_FLAGS,
  lock: true,
  compile: (x, insn) => compileXaddCmpxchg(x, false, insn),
});

/**
 * cmpxchg8b / cmpxchg16b: edx:eax (rdx:rax) against the memory operand; equal: ZF and
 * ecx:ebx (rcx:rbx) stored, else the accumulator pair loaded. The memory is written
 * either way (a locked read-modify-write); cmpxchg16b wants 16-byte alignment (#GP).
 */
function compileCmpxchgWide(x: Exec, insn: Insn): Op {
  const { L, H, T, EA, FLT, mmu, ea, ldw, stm, arith, setArith } = x;
  const m = insn.ops[0] as MemOp;
  if (insn.osz !== 8) return () => {
    ea(m);
    const lo = ldw(8), hi = T[0];
    if (FLT.kind) return FLT.kind;
    const eq = lo === L[RAX] && hi === L[RDX];
    if (eq) stm(8, L[RBX], L[RCX]);
    else { stm(8, lo, hi); L[RAX] = lo; H[RAX] = 0; L[RDX] = hi; H[RDX] = 0; }
    setArith((arith() & ~ZF) | (eq ? ZF : 0));
    return 0;
  };
  return () => {
    ea(m);
    if (EA[0] & 15) return STOP_GP;
    // aligned: both halves are on one page, so the first access decides for both
    const alo = EA[0], ahi = EA[1], blo = (alo + 8) | 0;
    const lo0 = mmu.ld64w(alo, ahi), hi0 = mmu.hi;
    if (FLT.kind) return FLT.kind;
    const lo1 = mmu.ld64w(blo, ahi), hi1 = mmu.hi;
    const eq = lo0 === L[RAX] && hi0 === H[RAX] && lo1 === L[RDX] && hi1 === H[RDX];
    if (eq) { mmu.st64(alo, ahi, L[RBX], H[RBX]); mmu.st64(blo, ahi, L[RCX], H[RCX]); }
    else {
      mmu.st64(alo, ahi, lo0, hi0); mmu.st64(blo, ahi, lo1, hi1);
      L[RAX] = lo0; H[RAX] = hi0; L[RDX] = lo1; H[RDX] = hi1;
    }
    setArith((arith() & ~ZF) | (eq ? ZF : 0));
    return 0;
  };
}

define({
  name: "cmpxchg8b",
  enc: ["0F C7 /1: Mq"],
  def: ZF,
  lock: true,
  feature: FEAT_CX8,
  compile: compileCmpxchgWide,
});
define({
  name: "cmpxchg16b",
  enc: ["W 0F C7 /1: Mdq"],
  def: ZF,
  lock: true,
  feature: FEAT_CX16,
  compile: compileCmpxchgWide,
});
