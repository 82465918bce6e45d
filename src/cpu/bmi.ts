// BMI1 and BMI2: the VEX-encoded general-register bit instructions (andn,
// bextr, blsi, blsmsk, blsr; bzhi, mulx, pdep, pext, rorx, sarx, shlx, shrx).
// tzcnt and lzcnt, legacy-encoded, are in bits.ts. Operands are 32 bits, or
// 64 with VEX.W; a 32-bit result zeroes the register's high half.
//
// CPUID announces BMI1 and BMI2 on an x86-64-v3 CPU only (model.ts): see avx.ts.

import { type Exec, type Op } from "./exec.js";
import { define, defineLater, type Insn, type MemOp, type Operand, type RegOp, VEX_MAP } from "./insn.js";
import type { Jit } from "./jit.js";
import { CF, K_LOGIC } from "./state.js";

const MASK64 = (1n << 64n) - 1n;
const big = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** An operand's value as a bigint of the operand size (a memory operand loaded: check FLT.kind after). */
function value(x: Exec, o: Operand, sz: number): bigint {
  const lo = x.get(o, sz);
  return sz === 8 ? big(lo, x.T[0]) : BigInt(lo >>> 0);
}
function put(x: Exec, r: number, sz: number, v: bigint): void {
  x.rset(r, sz, Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0);
}

/**
 * Defines a three-operand instruction computing the destination (and the flags, through `res`) from the
 * operands' values: `f(a, b, bits)` with a, b the second and third operands.
 */
function defineBmi(name: string, enc: string, flags: boolean, f: (a: bigint, b: bigint, bits: number, x: Exec, insn: Insn) => bigint,
  translate?: (j: Jit, insn: Insn) => string | null): void {
  define({
    name,
    enc: [enc],
    def: flags ? 0x8d5 : 0,
    translate,
    compile: (x: Exec, insn: Insn): Op => {
      const sz = insn.osz, bits = sz * 8, d = (insn.ops[0] as RegOp).r, [, a, b] = insn.ops;
      return () => {
        const va = value(x, a, sz);
        if (x.FLT.kind) return x.FLT.kind;
        const vb = b === undefined ? 0n : b.k === "i" ? BigInt(b.lo & 0xff) : value(x, b, sz);
        if (x.FLT.kind) return x.FLT.kind;
        put(x, d, sz, f(va, vb, bits, x, insn) & (bits === 64 ? MASK64 : 0xffffffffn));
        return 0;
      };
    },
  });
}

/** Sets ZF, SF (and PF) from r at `bits`, CF as given, OF 0. */
function flagsOf(x: Exec, r: bigint, bits: number, cf: boolean): void {
  const m = r & (bits === 64 ? MASK64 : 0xffffffffn);
  x.res(bits === 64 ? 3 : 2, Number(m & 0xffffffffn) | 0, Number(m >> 32n) | 0, cf ? CF : 0);
}

/**
 * A register or memory operand of sz (4, 8) for the block translator: the code that loads it (into v, vh) and
 * its halves; null for a form left to the Op.
 */
function operand(j: Jit, o: Operand, sz: number): [string, string, string] | null {
  if (o.k === "r") return ["", j.l(o.r), sz === 8 ? j.h(o.r) : "0"];
  const ea = j.ea(o as MemOp);
  return ea === null ? null : [`${ea} ${j.load(sz, "v", "vh", false)}`, "v", sz === 8 ? "vh" : "0"];
}

/** sarx, shlx, shrx for the block translator: the count vvvv's low 5 or 6 bits, no flags. */
function translateShiftX(j: Jit, name: string, insn: Insn): string | null {
  const sz = insn.osz, d = (insn.ops[0] as RegOp).r, c = (insn.ops[2] as RegOp).r, src = operand(j, insn.ops[1], sz);
  if (src === null) return null;
  const [pre, lo, hi] = src;
  if (sz === 4) return `{${pre} const r = ${lo} ${name === "sarx" ? ">>" : name === "shlx" ? "<<" : ">>>"} (${j.l(c)} & 31); ${j.rw(d, 4, "r", "0")}}`;
  // by 32 or more the other half moves over; by 0 (a JavaScript shift by 32 is one by 0) nothing moves
  const calc = name === "shlx" ? "r = n < 32 ? a << n : 0, rh = n < 32 ? (n === 0 ? ah : (ah << n) | (a >>> (32 - n))) : a << (n - 32)"
    : name === "shrx" ? "r = n < 32 ? (n === 0 ? a : (a >>> n) | (ah << (32 - n))) : ah >>> (n - 32), rh = n < 32 ? ah >>> n : 0"
      : "r = n < 32 ? (n === 0 ? a : (a >>> n) | (ah << (32 - n))) : ah >> (n - 32), rh = n < 32 ? ah >> n : ah >> 31";
  return `{${pre} const a = ${lo}, ah = ${hi}, n = ${j.l(c)} & 63, ${calc}; ${j.rw(d, 8, "r", "rh")}}`;
}

/** andn for the block translator: ~vvvv & r/m, its flags those of a logical operation (F's K_LOGIC). */
function translateAndn(j: Jit, insn: Insn): string | null {
  const sz = insn.osz, d = (insn.ops[0] as RegOp).r, a = (insn.ops[1] as RegOp).r, src = operand(j, insn.ops[2], sz);
  if (src === null) return null;
  const [pre, lo, hi] = src, fk = (K_LOGIC << 2) | (sz === 8 ? 3 : 2);
  let code = `{${pre} const r = ~${j.l(a)} & ${lo}, rh = ${sz === 8 ? `~${j.h(a)} & ${hi}` : "0"};`;
  if (j.flags) {
    code += ` F[0] = ${fk}; F[5] = r;${sz === 8 ? " F[6] = rh;" : ""}`;
    j.known = fk;
  }
  return `${code} ${j.rw(d, sz, "r", "rh")}}`;
}

/** The descriptors, made on the decoder's first use of the VEX 0F 38 or 0F 3A map (insn.ts's defineLater). */
function defineBmiFamily(): void {
  // ---- BMI1 ----
  defineBmi("andn", "VEX NP 0F 38 F2 L0 /r: Gy,By,Ey", true, (a, b, bits, x) => {
    const r = ~a & b;
    flagsOf(x, r, bits, false);
    return r;
  }, translateAndn);
  defineBmi("bextr", "VEX NP 0F 38 F7 L0 /r: Gy,Ey,By", true, (a, b, bits, x) => {
    const start = Number(b & 0xffn), len = Number((b >> 8n) & 0xffn);
    const r = start >= bits ? 0n : (a >> BigInt(start)) & ((1n << BigInt(Math.min(len, bits))) - 1n);
    flagsOf(x, r, bits, false);
    return r;
  });
  for (const [name, reg] of [["blsr", 1], ["blsmsk", 2], ["blsi", 3]] as const) {
    define({
      name,
      enc: [`VEX NP 0F 38 F3 /${reg} L0: By,Ey`],
      def: 0x8d5,
      compile: (x, insn) => {
        const sz = insn.osz, bits = sz * 8, d = (insn.ops[0] as RegOp).r, s = insn.ops[1], m = bits === 64 ? MASK64 : 0xffffffffn;
        return () => {
          const v = value(x, s, sz);
          if (x.FLT.kind) return x.FLT.kind;
          const r = (name === "blsr" ? v & (v - 1n) : name === "blsmsk" ? v ^ (v - 1n) : v & -v) & m;
          // CF: blsi sets it for a nonzero source, blsr and blsmsk for a zero one
          flagsOf(x, r, bits, name === "blsi" ? v !== 0n : v === 0n);
          put(x, d, sz, r);
          return 0;
        };
      },
    });
  }

  // ---- BMI2 ----
  defineBmi("bzhi", "VEX NP 0F 38 F5 L0 /r: Gy,Ey,By", true, (a, b, bits, x) => {
    const n = Number(b & 0xffn);
    const r = n >= bits ? a : a & ((1n << BigInt(n)) - 1n);
    flagsOf(x, r, bits, n > bits - 1);
    return r;
  });
  defineBmi("pdep", "VEX F2 0F 38 F5 L0 /r: Gy,By,Ey", false, (a, mask, bits) => {
    let r = 0n, k = 0n;
    for (let i = 0n; i < BigInt(bits); i++) if ((mask >> i) & 1n) { r |= ((a >> k) & 1n) << i; k++; }
    return r;
  });
  defineBmi("pext", "VEX F3 0F 38 F5 L0 /r: Gy,By,Ey", false, (a, mask, bits) => {
    let r = 0n, k = 0n;
    for (let i = 0n; i < BigInt(bits); i++) if ((mask >> i) & 1n) { r |= ((a >> i) & 1n) << k; k++; }
    return r;
  });
  defineBmi("rorx", "VEX F2 0F 3A F0 L0 /r: Gy,Ey,Ib", false, (a, imm, bits) => {
    const n = BigInt(Number(imm) & (bits - 1)), m = bits === 64 ? MASK64 : 0xffffffffn;
    return ((a >> n) | (a << (BigInt(bits) - n))) & m;
  });
  // mulx: rdx times the source, unsigned; the high half to the reg field's register, the low to vvvv's (written first)
  define({
    name: "mulx",
    enc: ["VEX F2 0F 38 F6 L0 /r: Gy,By,Ey"],
    compile: (x, insn) => {
      const sz = insn.osz, bits = BigInt(sz * 8), hi = (insn.ops[0] as RegOp).r, lo = (insn.ops[1] as RegOp).r, s = insn.ops[2];
      const m = sz === 8 ? MASK64 : 0xffffffffn;
      return () => {
        const v = value(x, s, sz);
        if (x.FLT.kind) return x.FLT.kind;
        const p = v * ((sz === 8 ? big(x.L[2], x.H[2]) : BigInt(x.L[2] >>> 0)) & m);
        put(x, lo, sz, p & m);
        put(x, hi, sz, (p >> bits) & m);
        return 0;
      };
    },
  });

  // sarx, shlx, shrx: the count from vvvv, masked to 5 or 6 bits; no flags
  for (const [name, pre] of [["sarx", "F3"], ["shlx", "66"], ["shrx", "F2"]] as const) {
    define({
      name,
      enc: [`VEX ${pre} 0F 38 F7 L0 /r: Gy,Ey,By`],
      compile: (x, insn) => {
        const sz = insn.osz, d = (insn.ops[0] as RegOp).r, s = insn.ops[1], c = (insn.ops[2] as RegOp).r;
        const { L, T, FLT } = x;
        if (sz === 4) {
          return () => {
            const v = x.get(s, 4);
            if (FLT.kind) return FLT.kind;
            const n = L[c] & 31;
            x.rset(d, 4, name === "sarx" ? v >> n : name === "shlx" ? v << n : v >>> n, 0);
            return 0;
          };
        }
        return () => {
          const v = x.get(s, 8), vh = T[0];
          if (FLT.kind) return FLT.kind;
          const n = L[c] & 63;
          if (n === 0) { x.rset(d, 8, v, vh); return 0; }
          const r = name === "sarx" ? x.sar64(v, vh, n) : name === "shlx" ? x.shl64(v, vh, n) : x.shr64(v, vh, n);
          x.rset(d, 8, r, T[0]);
          return 0;
        };
      },
      translate: (j, insn) => translateShiftX(j, name, insn),
    });
  }
}

defineLater([VEX_MAP + 2, VEX_MAP + 3], [], defineBmiFamily);
