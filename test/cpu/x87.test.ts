// x87 (src/cpu/x87.ts) against the real CPU: each op with st(0) = a,
// st(1) = b and a memory operand, under every rounding and precision
// control; the status word, st(0) afterwards (80 bits), what a store wrote,
// and RFLAGS for fcomi, bit for bit.
import { describe, expect, it } from "vitest";
import { fe } from "../../src/cpu/fpu/softfloat.js";
import {
  FABS, farith, farithMem, FADD, fcom, fcomi, FCHS, FDIV, FDIVR, fld, fldConst, FMUL, fprem, FRNDINT, fscale, FSQRT, fst, fstSt, FSUB, FSUBR,
  ftst, funary, fxam, fxch, I16, I32, I64, M32, M64, M80, pop, X87State,
} from "../../src/cpu/x87.js";
import { storeEnv, x87Image } from "../../src/cpu/x87_state.js";
import { canRunNative, hex, randomFloat, randomInt, type Rec, Rng, runNative, specials } from "./fpu_ref.js";

/** An op: what it does to the state given the memory operand; returns RFLAGS bits or the stored bits. */
interface Op { n: number; name: string; mem: "none" | "f32" | "f64" | "i16" | "i32" | "i64"; run: (x: X87State, m: bigint) => { fl?: number; st?: bigint } | void }
const OPS: Op[] = [];
const add = (n: number, name: string, mem: Op["mem"], run: Op["run"]): void => { OPS.push({ n, name, mem, run }); };
const ARITH = [FADD, FMUL, FSUB, FSUBR, FDIV, FDIVR];
const AN = ["add", "mul", "sub", "subr", "div", "divr"];
ARITH.forEach((op, k) => add(100 + k, `f${AN[k]} st0,st1`, "none", (x) => farith(x, op, 0, 1)));
// the DE forms: st(1) = st(1) op st(0), popped
[FADD, FMUL, FSUB, FSUBR, FDIV, FDIVR].forEach((op, k) => add(106 + k, `f${AN[k]}p st1,st0`, "none", (x) => farith(x, op, 1, 0, true)));
[FADD, FSUB, FSUBR, FMUL, FDIV, FDIVR].forEach((op, k) => {
  add(112 + k, `f${AN[ARITH.indexOf(op)]}s m32`, "f32", (x, m) => farithMem(x, op, m, M32));
  add(118 + k, `f${AN[ARITH.indexOf(op)]}l m64`, "f64", (x, m) => farithMem(x, op, m, M64));
});
add(124, "fiadds", "i16", (x, m) => farithMem(x, FADD, m, I16));
add(125, "fiaddl", "i32", (x, m) => farithMem(x, FADD, m, I32));
add(126, "fidivl", "i32", (x, m) => farithMem(x, FDIV, m, I32));
add(127, "fisubrs", "i16", (x, m) => farithMem(x, FSUBR, m, I16));
add(128, "fsqrt", "none", (x) => funary(x, FSQRT));
add(129, "frndint", "none", (x) => funary(x, FRNDINT));
add(130, "fscale", "none", (x) => fscale(x));
add(131, "fprem", "none", (x) => fprem(x, false));
add(132, "fprem1", "none", (x) => fprem(x, true));
add(133, "fchs", "none", (x) => funary(x, FCHS));
add(134, "fabs", "none", (x) => funary(x, FABS));
add(135, "fxam", "none", (x) => fxam(x));
add(136, "ftst", "none", (x) => ftst(x));
add(137, "fcom st1", "none", (x) => fcom(x, 1, false));
add(138, "fucom st1", "none", (x) => fcom(x, 1, true));
add(139, "fcompp", "none", (x) => { fcom(x, 1, false); pop(x); pop(x); });
add(140, "fucompp", "none", (x) => { fcom(x, 1, true); pop(x); pop(x); });
add(141, "fcomi st1", "none", (x) => ({ fl: fcomi(x, 1, false) }));
add(142, "fucomi st1", "none", (x) => ({ fl: fcomi(x, 1, true) }));
add(143, "fcomip st1", "none", (x) => { const fl = fcomi(x, 1, false); pop(x); return { fl }; });
add(144, "fucomip st1", "none", (x) => { const fl = fcomi(x, 1, true); pop(x); return { fl }; });
add(145, "fcoms m32", "f32", (x, m) => fcom(x, 0, false, { bits: m, k: M32 }));
add(146, "fcoml m64", "f64", (x, m) => fcom(x, 0, false, { bits: m, k: M64 }));
add(147, "flds", "f32", (x, m) => fld(x, m, M32));
add(148, "fldl", "f64", (x, m) => fld(x, m, M64));
add(149, "filds", "i16", (x, m) => fld(x, m, I16));
add(150, "fildl", "i32", (x, m) => fld(x, m, I32));
add(151, "fildll", "i64", (x, m) => fld(x, m, I64));
add(152, "fsts", "none", (x) => ({ st: fst(x, M32) }));
add(153, "fstl", "none", (x) => ({ st: fst(x, M64) }));
add(154, "fstps", "none", (x) => { const st = fst(x, M32); pop(x); return { st }; });
add(155, "fists", "none", (x) => ({ st: fst(x, I16) }));
add(156, "fistl", "none", (x) => ({ st: fst(x, I32) }));
add(157, "fistpll", "none", (x) => { const st = fst(x, I64); pop(x); return { st }; });
add(158, "fisttps", "none", (x) => { const st = fst(x, I16, true); pop(x); return { st }; });
add(159, "fisttpl", "none", (x) => { const st = fst(x, I32, true); pop(x); return { st }; });
add(160, "fisttpll", "none", (x) => { const st = fst(x, I64, true); pop(x); return { st }; });
for (let k = 0; k < 7; k++) add(161 + k, ["fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz"][k], "none", (x) => fldConst(x, k));
add(168, "fxch st1", "none", (x) => fxch(x, 1));
add(169, "fst st1", "none", (x) => fstSt(x, 1));

const STORE_MASK: Record<string, bigint> = { fsts: 0xffffffffn, fstps: 0xffffffffn, fists: 0xffffn, fisttps: 0xffffn, fistl: 0xffffffffn, fisttpl: 0xffffffffn };

function memOperand(rng: Rng, kind: Op["mem"]): bigint {
  switch (kind) {
    case "f32": return rng.int(3) ? randomFloat(rng, 8, 23, false) : rng.pick(specials(8, 23, false));
    case "f64": return rng.int(3) ? randomFloat(rng, 11, 52, false) : rng.pick(specials(11, 52, false));
    case "i16": return randomInt(rng, 16);
    case "i32": return randomInt(rng, 32);
    case "i64": return randomInt(rng, 64);
    default: return 0n;
  }
}

/** Control word for case i: every RC, PC 24/53/64 bits, all exceptions masked. */
const cwFor = (i: number): number => 0x7f | ([0, 2, 3][(i >> 2) % 3] << 8) | ((i & 3) << 10);

describe.skipIf(!canRunNative())("x87 against the real CPU", () => {
  it("gives the hardware's st(0), status word, stores and RFLAGS for every op", () => {
    const rng = new Rng(87);
    const sp = specials(15, 64, true);
    const recs: (Rec & { k: number })[] = [];
    OPS.forEach((op, k) => {
      const pairs: [bigint, bigint][] = [];
      for (const a of sp) for (const b of sp) pairs.push([a, b]);
      const n = op.name.startsWith("fld") && op.mem === "none" ? 24 : 700;
      for (let i = 0; i < n; i++) {
        const a = randomFloat(rng, 15, 64, true);
        let b = rng.int(4) === 0 ? a ^ BigInt(rng.int(256)) : randomFloat(rng, 15, 64, true);
        if (op.name.startsWith("fprem") && rng.int(2)) b = (b & ((1n << 64n) - 1n)) | ((a >> 64n) - BigInt(rng.int(80)) & 0x7fffn) << 64n;
        if (op.name === "fscale" && rng.int(2)) b = (b & ((1n << 64n) - 1n)) | (BigInt(16383 + rng.int(16)) << 64n) | (BigInt(rng.int(2)) << 79n);
        pairs.push([a, b]);
      }
      pairs.forEach(([a, b], i) => recs.push({ op: op.n, k, ctl: cwFor(i + rng.int(12)), a, b, m: memOperand(rng, op.mem) }));
    });
    const hw = runNative(recs);
    const bad: string[] = [];
    recs.forEach((x, i) => {
      const op = OPS[x.k];
      const s = new X87State();
      s.cw = x.ctl;
      fld(s, x.b, M80);
      fld(s, x.a, M80);
      fe.flags = 0;
      const got = op.run(s, x.m!) ?? {};
      const sw = s.sw;
      const r = fst(s, M80);
      const h = hw[i];
      const memMask = STORE_MASK[op.name] ?? (1n << 64n) - 1n;
      const problems: string[] = [];
      if (r !== h.r) problems.push(`st0 ${hex(r)} vs ${hex(h.r)}`);
      if (sw !== h.st) problems.push(`sw ${sw.toString(16)} vs ${h.st.toString(16)}`);
      if (got.st !== undefined && got.st !== (h.mem & memMask)) problems.push(`stored ${hex(got.st)} vs ${hex(h.mem & memMask)}`);
      if (got.fl !== undefined && got.fl !== (h.fl & 0x8d5)) problems.push(`rflags ${got.fl.toString(16)} vs ${(h.fl & 0x8d5).toString(16)}`);
      if (problems.length) bad.push(`${op.name} a=${hex(x.a)} b=${hex(x.b)} m=${hex(x.m!)} cw=${x.ctl.toString(16)}: ${problems.join(", ")}`);
    });
    const byOp = new Map<string, string[]>();
    for (const b of bad) { const k = b.slice(0, b.indexOf(" a=")); byOp.set(k, [...(byOp.get(k) ?? []), b]); }
    const report = [...byOp].map(([k, v]) => `${k}: ${v.length}\n  ${v.slice(0, 4).join("\n  ")}`).join("\n");
    expect(bad.length + " mismatches of " + recs.length + "\n" + report).toBe("0 mismatches of " + recs.length + "\n");
  });

  it("saves the same fxsave image and fnstenv environment as the hardware", () => {
    const rng = new Rng(5);
    const recs: Rec[] = [];
    for (let n = 0; n < 40; n++) {
      const a = randomFloat(rng, 15, 64, true), b = randomFloat(rng, 15, 64, true), ctl = cwFor(n);
      for (let op = 300; op <= 305; op++) recs.push({ op, ctl, a, b });
    }
    const hw = runNative(recs);
    for (let n = 0; n < recs.length; n += 6) {
      const { a, b, ctl } = recs[n];
      const x = new X87State();
      x.cw = ctl;
      fld(x, b, M80);
      fld(x, a, M80);
      farith(x, FDIV, 0, 1);
      fldConst(x, 0);
      const img = new Uint8Array(512);
      x87Image(x).save(new DataView(img.buffer), false);
      const env = storeEnv(x);
      const want = new Uint8Array(6 * 32);
      for (let k = 0; k < 6; k++) {
        const h = hw[n + k];
        const dv = new DataView(want.buffer, k * 32);
        dv.setBigUint64(0, h.r & ((1n << 64n) - 1n), true);
        dv.setBigUint64(8, h.r >> 64n, true);
        dv.setUint32(16, h.st, true);
        dv.setUint32(20, h.fl, true);
        dv.setBigUint64(24, h.mem, true);
      }
      const ctx = `a=${hex(a)} b=${hex(b)} cw=${ctl.toString(16)}`;
      // fxsave: FCW..FDP and the registers (MXCSR at 24..31 is the SSE unit's)
      expect([...img.subarray(0, 24), ...img.subarray(32, 160)], ctx).toEqual([...want.subarray(0, 24), ...want.subarray(32, 160)]);
      // fnstenv: control, status and full tag words (the pointers, FCS and the opcode are the instruction layer's: mmx.test.ts)
      const henv = want.subarray(160, 188);
      expect([...env.subarray(0, 12)], ctx).toEqual([...henv.subarray(0, 12)]);
    }
  });
});
