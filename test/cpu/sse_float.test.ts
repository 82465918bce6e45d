// SSE/SSE2 floating point (src/cpu/sse_float.ts) against the real CPU: every
// op on special and random operands under every MXCSR rounding mode, with and
// without DAZ and FTZ; results and MXCSR (and RFLAGS for comis) bit for bit.
import { describe, expect, it } from "vitest";
import {
  ADD, arith32, arith64, cmp32, cmp64, comis32, comis64, DIV, f32ToF64, f32ToInt, f64ToF32, f64ToInt, fe, int64ToF32, int64ToF64, MAX, MIN, MUL,
  res64, SQRT, SUB,
} from "../../src/cpu/sse_float.js";
import { canRunNative, hex, randomFloat, randomInt, type Rec, Rng, runNative, specials } from "./fpu_ref.js";

type Emu = (a: bigint, b: bigint, mx: number) => { r: bigint; fl?: number };
interface Op { name: string; emu: Emu; a: "f32" | "f64"; b: "f32" | "f64" | "i32" | "i64"; mask: bigint }

const M32 = 0xffffffffn, M64 = (1n << 64n) - 1n;
const lo = (v: bigint): number => Number(v & M32), hi = (v: bigint): number => Number((v >> 32n) & M32) | 0;
const res = (): bigint => (BigInt(res64[1] >>> 0) << 32n) | BigInt(res64[0] >>> 0);
const OPS: Op[] = [];
const ARITH = [ADD, SUB, MUL, DIV, MIN, MAX, SQRT];
for (const t of ["f32", "f64"] as const) {
  for (const k of ARITH) {
    const name = `${["add", "sub", "mul", "div", "min", "max", "sqrt"][ARITH.indexOf(k)]}s${t === "f32" ? "s" : "d"}`;
    if (t === "f32") OPS.push({ name, a: t, b: t, mask: M32, emu: (a, b, mx) => ({ r: BigInt(arith32(k, Number(a), Number(b), mx)) }) });
    else OPS.push({ name, a: t, b: t, mask: M64, emu: (a, b, mx) => { arith64(k, lo(a), hi(a), lo(b), hi(b), mx); return { r: res() }; } });
  }
}
for (let p = 0; p < 8; p++) OPS.push({ name: `cmpss $${p}`, a: "f32", b: "f32", mask: M32, emu: (a, b, mx) => ({ r: cmp32(p, Number(a), Number(b), mx) ? M32 : 0n }) });
for (let p = 0; p < 8; p++) OPS.push({ name: `cmpsd $${p}`, a: "f64", b: "f64", mask: M64, emu: (a, b, mx) => ({ r: cmp64(p, lo(a), hi(a), lo(b), hi(b), mx) ? M64 : 0n }) });
for (const u of [false, true]) OPS.push({ name: `${u ? "u" : ""}comiss`, a: "f32", b: "f32", mask: 0n, emu: (a, b, mx) => ({ r: 0n, fl: comis32(Number(a), Number(b), mx, u) }) });
for (const u of [false, true]) OPS.push({ name: `${u ? "u" : ""}comisd`, a: "f64", b: "f64", mask: 0n, emu: (a, b, mx) => ({ r: 0n, fl: comis64(lo(a), hi(a), lo(b), hi(b), mx, u) }) });
OPS.push({ name: "cvtsi2ssl", a: "f32", b: "i32", mask: M32, emu: (_a, b, mx) => ({ r: BigInt(int64ToF32(lo(b), lo(b) >> 31, mx)) }) });
OPS.push({ name: "cvtsi2ssq", a: "f32", b: "i64", mask: M32, emu: (_a, b, mx) => ({ r: BigInt(int64ToF32(lo(b), hi(b), mx)) }) });
OPS.push({ name: "cvtsi2sdl", a: "f64", b: "i32", mask: M64, emu: (_a, b, mx) => { int64ToF64(lo(b), lo(b) >> 31, mx); return { r: res() }; } });
OPS.push({ name: "cvtsi2sdq", a: "f64", b: "i64", mask: M64, emu: (_a, b, mx) => { int64ToF64(lo(b), hi(b), mx); return { r: res() }; } });
for (const t of ["ss", "sd"] as const) {
  for (const tr of [false, true]) {
    for (const bits of [32, 64]) {
      OPS.push({ name: `cvt${tr ? "t" : ""}${t}2si${bits === 32 ? "l" : "q"}`, a: "f64", b: t === "ss" ? "f32" : "f64", mask: bits === 32 ? M32 : M64, emu: (_a, b, mx) => {
        if (t === "ss") f32ToInt(Number(b), bits, tr, mx);
        else f64ToInt(lo(b), hi(b), bits, tr, mx);
        return { r: res() };
      } });
    }
  }
}
OPS.push({ name: "cvtsd2ss", a: "f32", b: "f64", mask: M32, emu: (_a, b, mx) => ({ r: BigInt(f64ToF32(lo(b), hi(b), mx)) }) });
OPS.push({ name: "cvtss2sd", a: "f64", b: "f32", mask: M64, emu: (_a, b, mx) => { f32ToF64(Number(b), mx); return { r: res() }; } });

const FMT = { f32: [8, 23], f64: [11, 52] } as const;

function operands(rng: Rng, kind: Op["b"], n: number): bigint[] {
  if (kind === "i32" || kind === "i64") return Array.from({ length: n }, () => randomInt(rng, kind === "i32" ? 32 : 64));
  const [e, f] = FMT[kind];
  const sp = specials(e, f, false);
  return Array.from({ length: n }, (_, i) => (i < sp.length * 2 && i % 2 === 0 ? sp[i / 2] : randomFloat(rng, e, f, false)));
}

/** A value with exponent near 0 and often a short significand (the common, fast case). */
function nearOne(rng: Rng, e: number, f: number): bigint {
  const bias = (1 << (e - 1)) - 1;
  let frac = rng.next64() & ((1n << BigInt(f)) - 1n);
  if (rng.int(2)) frac &= ~((1n << BigInt(f - rng.int(8))) - 1n);
  // sometimes around half the exponent range: products and quotients then leave the range
  const centre = rng.int(4) ? bias : rng.int(2) ? bias >> 1 : bias + (bias >> 1);
  return (BigInt(rng.int(2)) << BigInt(e + f)) | (BigInt(centre - 20 + rng.int(40)) << BigInt(f)) | frac;
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
      const pairs: [bigint, bigint][] = [];
      if (op.b === "i32" || op.b === "i64") for (const b of operands(rng, op.b, 600)) pairs.push([0n, b]);
      else {
        const [eb, fb] = FMT[op.b];
        const spb = specials(eb, fb, false);
        for (const a of sa) for (const b of spb) pairs.push([a, b]);
        for (let i = 0; i < 3000; i++) {
          const a = i % 2 ? nearOne(rng, e, f) : randomFloat(rng, e, f, false);
          // b near a makes cancellation and ties
          const b = op.a === op.b && rng.int(4) === 0 ? a ^ BigInt(rng.int(64)) : i % 2 ? nearOne(rng, eb, fb) : randomFloat(rng, eb, fb, false);
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
