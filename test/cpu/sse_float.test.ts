// SSE/SSE2 floating point (src/cpu/sse_float.ts) against the real CPU: every
// op on special and random operands under every MXCSR rounding mode, with and
// without DAZ and FTZ; results and MXCSR (and RFLAGS for comis) bit for bit.
import { describe, expect, it } from "vitest";
import { arith, cmpPredicate, comis, convert, F32, F64, fe, fromInteger, toInteger } from "../../src/cpu/sse_float.js";
import { ADD, DIV, MAX, MIN, MUL, SQRT, SUB } from "../../src/cpu/sse_float.js";
import { canRunNative, hex, randomFloat, randomInt, type Rec, Rng, runNative, specials } from "./fpu-ref.js";

type Emu = (a: bigint, b: bigint, mx: number) => { r: bigint; fl?: number };
interface Op { name: string; emu: Emu; a: "f32" | "f64"; b: "f32" | "f64" | "i32" | "i64"; mask: bigint }

const M32 = 0xffffffffn, M64 = (1n << 64n) - 1n;
const OPS: Op[] = [];
const ARITH = [ADD, SUB, MUL, DIV, MIN, MAX, SQRT];
for (const [f, t, m] of [[F32, "f32", M32], [F64, "f64", M64]] as const) {
  for (const k of ARITH) OPS.push({ name: `${["add", "sub", "mul", "div", "min", "max", "sqrt"][ARITH.indexOf(k)]}s${t === "f32" ? "s" : "d"}`, a: t, b: t, mask: m, emu: (a, b, mx) => ({ r: arith(k, a, b, f, mx) }) });
}
for (const [f, t, m] of [[F32, "f32", M32], [F64, "f64", M64]] as const) {
  for (let p = 0; p < 8; p++) OPS.push({ name: `cmp${t === "f32" ? "ss" : "sd"} $${p}`, a: t, b: t, mask: m, emu: (a, b, mx) => ({ r: cmpPredicate(p, a, b, f, mx) ? m : 0n }) });
}
for (const [f, t] of [[F32, "f32"], [F64, "f64"]] as const) {
  for (const u of [false, true]) OPS.push({ name: `${u ? "u" : ""}comis${t === "f32" ? "s" : "d"}`, a: t, b: t, mask: 0n, emu: (a, b, mx) => ({ r: 0n, fl: comis(a, b, f, mx, u) }) });
}
const sext = (v: bigint, n: number): bigint => BigInt.asIntN(n, v);
OPS.push({ name: "cvtsi2ssl", a: "f32", b: "i32", mask: M32, emu: (_a, b, mx) => ({ r: fromInteger(sext(b, 32), F32, mx) }) });
OPS.push({ name: "cvtsi2ssq", a: "f32", b: "i64", mask: M32, emu: (_a, b, mx) => ({ r: fromInteger(sext(b, 64), F32, mx) }) });
OPS.push({ name: "cvtsi2sdl", a: "f64", b: "i32", mask: M64, emu: (_a, b, mx) => ({ r: fromInteger(sext(b, 32), F64, mx) }) });
OPS.push({ name: "cvtsi2sdq", a: "f64", b: "i64", mask: M64, emu: (_a, b, mx) => ({ r: fromInteger(sext(b, 64), F64, mx) }) });
for (const [f, t] of [[F32, "ss"], [F64, "sd"]] as const) {
  for (const tr of [false, true]) {
    for (const bits of [32, 64]) {
      OPS.push({ name: `cvt${tr ? "t" : ""}${t}2si${bits === 32 ? "l" : "q"}`, a: "f64", b: f === F32 ? "f32" : "f64", mask: bits === 32 ? M32 : M64, emu: (_a, b, mx) => ({ r: toInteger(b, f, bits, tr, mx) }) });
    }
  }
}
OPS.push({ name: "cvtsd2ss", a: "f32", b: "f64", mask: M32, emu: (_a, b, mx) => ({ r: convert(b, F64, F32, mx) }) });
OPS.push({ name: "cvtss2sd", a: "f64", b: "f32", mask: M64, emu: (_a, b, mx) => ({ r: convert(b, F32, F64, mx) }) });

const FMT = { f32: [8, 23], f64: [11, 52] } as const;

function operands(rng: Rng, kind: Op["b"], n: number): bigint[] {
  if (kind === "i32" || kind === "i64") return Array.from({ length: n }, () => randomInt(rng, kind === "i32" ? 32 : 64));
  const [e, f] = FMT[kind];
  const sp = specials(e, f, false);
  return Array.from({ length: n }, (_, i) => (i < sp.length * 2 && i % 2 === 0 ? sp[i / 2] : randomFloat(rng, e, f, false)));
}

/** MXCSR for case i: each rounding mode, with DAZ and FTZ in every combination. */
const mxcsrFor = (i: number): number => 0x1f80 | ((i & 3) << 13) | (i & 4 ? 0x40 : 0) | (i & 8 ? 0x8000 : 0);

describe.skipIf(!canRunNative())("SSE floating point against the real CPU", () => {
  it("gives the hardware's result, MXCSR flags and RFLAGS for every op", () => {
    const rng = new Rng(11);
    const recs: Rec[] = [];
    OPS.forEach((op, k) => {
      const [e, f] = FMT[op.a];
      const sa = specials(e, f, false);
      const sb = operands(rng, op.b, 0);
      void sb;
      const pairs: [bigint, bigint][] = [];
      if (op.b === "i32" || op.b === "i64") for (const b of operands(rng, op.b, 600)) pairs.push([0n, b]);
      else {
        const [eb, fb] = FMT[op.b];
        const spb = specials(eb, fb, false);
        for (const a of sa) for (const b of spb) pairs.push([a, b]);
        for (let i = 0; i < 1500; i++) {
          const a = randomFloat(rng, e, f, false);
          // b near a makes cancellation and ties
          const b = op.a === op.b && rng.int(4) === 0 ? a ^ BigInt(rng.int(64)) : randomFloat(rng, eb, fb, false);
          pairs.push([a, b]);
        }
      }
      pairs.forEach(([a, b], i) => recs.push({ op: k, ctl: mxcsrFor(i + rng.int(16)), a, b }));
    });
    const hw = runNative(recs);
    const bad: string[] = [];
    recs.forEach((x, i) => {
      const op = OPS[x.op];
      fe.flags = 0;
      const got = op.emu(x.a, x.b, x.ctl);
      const mx = x.ctl | fe.flags;
      const h = hw[i];
      const want = h.r & op.mask, r = got.r & op.mask;
      const flOk = got.fl === undefined || (h.fl & 0x8d5) === got.fl;
      if (want !== r || h.st !== mx || !flOk) {
        bad.push(`${op.name} a=${hex(x.a)} b=${hex(x.b)} mxcsr=${x.ctl.toString(16)}: got ${hex(r)} mxcsr ${mx.toString(16)}${got.fl !== undefined ? ` fl ${got.fl.toString(16)}` : ""}, hardware ${hex(want)} mxcsr ${h.st.toString(16)} fl ${(h.fl & 0x8d5).toString(16)}`);
      }
    });
    expect(bad.length + " mismatches of " + recs.length + "\n" + bad.slice(0, 30).join("\n")).toBe("0 mismatches of " + recs.length + "\n");
  });
});
