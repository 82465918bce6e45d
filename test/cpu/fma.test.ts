// FMA3 against the real CPU: native/fma_ref.c, built with gcc -mfma, runs every
// form (kinds, orders, ps/pd/ss/sd, xmm/ymm, register and memory) on operand
// triples chosen to reach both the host-double fast path (fma_fast.ts) and the
// exact BigInt one: random values, cancellation, ties, huge exponent gaps, near
// overflow and underflow, denormal results, signed zeros, NaNs and infinities,
// under every rounding mode, DAZ and FTZ. The same binary runs natively and
// here, interpreted and translated, and every result and MXCSR must agree.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STOP_SYSCALL, STOP_XM, X86_64_V3 } from "../../src/cpu/index.js";
import { fusedMulAdd } from "../../src/cpu/fma.js";
import { fmaF32, fmaF64, INEXACT, io, NOT_FAST, roundOdd } from "../../src/cpu/fma_fast.js";
import { fe, F32, F64 } from "../../src/cpu/fpu/softfloat.js";
import { assemble, differentRecords, EXECUTION_MODES, haveToolchain, loadElf, machineWith } from "./flat.js";
import { randomFloat, Rng, specials } from "./fpu_ref.js";
import { needs, TOOLS } from "../helpers/tools.js";

const IN = 104, OUT = 40;
const KINDS = ["fmadd", "fmsub", "fnmadd", "fnmsub", "fmaddsub", "fmsubadd"], ORDERS = [132, 213, 231];
const TYPES = ["ps xmm", "ps ymm", "pd xmm", "pd ymm", "ss", "sd"];

const f64 = new Float64Array(1), f64w = new Uint32Array(f64.buffer), f32 = new Float32Array(1), f32w = new Uint32Array(f32.buffer);
const bitsOf = (x: number, dbl: boolean): bigint => {
  if (!dbl) { f32[0] = x; return BigInt(f32w[0]); }
  f64[0] = x;
  return (BigInt(f64w[1]) << 32n) | BigInt(f64w[0]);
};
const valueOf = (bits: bigint, dbl: boolean): number => {
  if (!dbl) { f32w[0] = Number(bits); return f32[0]; }
  f64w[0] = Number(bits & 0xffffffffn); f64w[1] = Number(bits >> 32n);
  return f64[0];
};

/** A random value of the format with its exponent in [e0, e1], its significand sometimes short. */
function value(r: Rng, dbl: boolean, e0: number, e1: number): number {
  const fb = dbl ? 52 : 23;
  let frac = r.next64() & ((1n << BigInt(fb)) - 1n);
  if (r.int(4) === 0) frac &= ~((1n << BigInt(r.int(fb))) - 1n);
  const x = (1 + Number(frac) / 2 ** fb) * 2 ** (e0 + r.int(e1 - e0 + 1)) * (r.int(2) ? -1 : 1);
  return dbl ? x : Math.fround(x);
}
/** x moved by k units in its last place (through its encoding). */
const nudge = (x: number, k: number, dbl: boolean): number => valueOf(bitsOf(x, dbl) + BigInt(k), dbl);

/** One operand triple (as encodings) of a kind chosen at random. */
function triple(r: Rng, dbl: boolean): [bigint, bigint, bigint] {
  const P = dbl ? 53 : 24, EMIN = dbl ? -1022 : -126, EMAX = dbl ? 1023 : 127, round = dbl ? (x: number) => x : Math.fround;
  const v = (e0: number, e1: number): number => value(r, dbl, e0, e1);
  const b = (x: number): bigint => bitsOf(x, dbl);
  const sign = (): number => (r.int(2) ? -1 : 1);
  switch (r.int(12)) {
    case 0: case 1: return [b(v(-30, 30)), b(v(-30, 30)), b(v(-30, 30))];
    case 2: { // cancellation: c is -(a*b) rounded, give or take a few units
      const x = v(-40, 40), y = v(-40, 40);
      return [b(x), b(y), b(nudge(round(x * y) * sign(), r.int(5) - 2, dbl))];
    }
    case 3: { // a*b at (or just off) half an ulp of c: ties and their neighbours
      const c = v(-20, 20), ec = Math.floor(Math.log2(Math.abs(c))), j = r.int(21) - 10;
      const m = r.pick([1, 3, 5, 1 + 2 ** -(P - 1), 1 - 2 ** -P, 2 ** -20 * (1 + 2 ** -10)]);
      return [b(round(2 ** (ec - P - j) * m * sign())), b(2 ** j * sign()), b(c)];
    }
    case 4: { // huge exponent differences, either way
      const gap = r.int(dbl ? 600 : 200) + 20, x = v(-10, 10), y = v(-10, 10);
      return r.int(2) ? [b(x), b(y), b(v(-gap - 2, -gap))] : [b(round(x * 2 ** -gap)), b(y), b(v(-5, 5))];
    }
    case 5: { // near overflow: the product, the addend, and for double the fast path's limits 2^995 and 2^1000
      const ea = r.int(2) && dbl ? 985 + r.int(20) : EMAX - r.int(4);
      const eb = r.int(3) === 0 ? -r.int(20) : EMAX - ea - r.int(8) + 2;
      return [b(v(ea, ea)), b(v(eb, eb)), b(r.int(2) ? v(EMAX - 3, EMAX) : v(dbl ? 990 : 120, dbl ? 1005 : 127))];
    }
    case 6: { // near underflow: products and sums about 2^EMIN, denormal results; for double the product floor 2^-968
      const target = r.int(3) === 0 && dbl ? -975 + r.int(15) : EMIN - P - 3 + r.int(P + 10);
      const ea = Math.trunc(target / 2) + r.int(9) - 4;
      const x = v(ea, ea), y = v(target - ea, target - ea);
      const c = r.int(3) === 0 ? round(x * y) * sign() : r.int(2) ? v(EMIN, EMIN + 3) : 0;
      return [b(x), b(y), b(r.int(4) === 0 ? nudge(c, r.int(3) - 1, dbl) : c)];
    }
    case 7: { // zeros of both signs, and products cancelled exactly
      const x = v(-10, 10), y = round(v(-10, 10));
      const z = (): number => (r.int(2) ? 0 : -0);
      switch (r.int(4)) {
        case 0: return [b(z()), b(y), b(r.int(2) ? z() : v(-10, 10))];
        case 1: return [b(x), b(z()), b(z())];
        case 2: return [b(z()), b(z()), b(z())];
        default: { const xs = round(Math.trunc(x * 256) / 256 || 1), ys = round(Math.trunc(y * 256) / 256 || 1); return [b(xs), b(ys), b(-xs * ys * sign())]; }
      }
    }
    case 10: { // a product within an ulp of 2^k at half an ulp of c: its low bits break the tie; for double, also near 2^-968
      const k = dbl && r.int(2) ? -980 + r.int(30) : r.int(60) - 30, x = v(-3, 3), y = round(2 ** k / x);
      return [b(x), b(y), b(round(2 ** (k + P) * (1 + 2 * r.int(2 ** 20) * 2 ** -(P - 1)) * sign()))];
    }
    case 11: { // a rounded product taken off the exact one: results below 2^EMIN, exact or not
      const k = (dbl ? -968 : -110) + r.int(dbl ? 40 : 20), x = v(-3, 3), y = round(2 ** k / x * (1 + r.int(1000) / 4096));
      return [b(x), b(y), b(round(x * y) * sign())];
    }
    default: { // NaNs, infinities, denormals, extremes, and random encodings
      const sp = dbl ? specials(11, 52, false) : specials(8, 23, false);
      const any = (): bigint => (r.int(2) ? r.pick(sp) : randomFloat(r, dbl ? 11 : 8, dbl ? 52 : 23, false));
      return [any(), r.int(2) ? any() : b(v(-5, 5)), r.int(2) ? any() : b(v(-5, 5))];
    }
  }
}

interface Case { desc: string; input: Uint32Array }

/** Records for native/fma_ref.c; most under MXCSR's default, the rest under other roundings, DAZ, FTZ, flags already set. */
function generate(count: number, seed: number): { cases: Case[]; input: Uint8Array<ArrayBuffer> } {
  const r = new Rng(seed);
  const cases: Case[] = [];
  const input = new Uint8Array(count * IN), words = new Uint32Array(input.buffer);
  for (let k = 0; k < count; k++) {
    const kind = r.int(6), order = r.int(3), type = kind >= 4 ? r.int(4) : r.int(6), mem = r.int(2);
    const dbl = type === 2 || type === 3 || type === 5;
    let mx = 0x1f80;
    if (r.int(4) === 0) mx |= r.int(4) << 13;
    if (r.int(4) === 0) mx |= 0x8000;
    if (r.int(8) === 0) mx |= 0x40;
    if (r.int(16) === 0) mx |= r.int(64);
    const w = words.subarray(k * IN / 4, (k + 1) * IN / 4);
    w[0] = ((kind * 3 + order) * 6 + type) * 2 + mem;
    w[1] = mx;
    for (let i = 2; i < 26; i++) w[i] = Number(r.next64() & 0xffffffffn);
    const lanes = dbl ? 4 : 8;
    for (let i = 0; i < lanes; i++) {
      const t = triple(r, dbl);
      for (let o = 0; o < 3; o++) {
        const at = 2 + o * 8;
        if (dbl) { w[at + 2 * i] = Number(t[o] & 0xffffffffn); w[at + 2 * i + 1] = Number(t[o] >> 32n); }
        else w[at + i] = Number(t[o]);
      }
    }
    cases.push({ desc: `v${KINDS[kind]}${ORDERS[order]} ${TYPES[type]} ${mem ? "mem" : "reg"} mxcsr ${mx.toString(16)}`, input: w.slice(2) });
  }
  return { cases, input };
}

let exe: string | null = null;
function harness(): string {
  if (exe) return exe;
  const src = new URL("./native/fma_ref.c", import.meta.url).pathname;
  exe = join(mkdtempSync(join(tmpdir(), "faultline-fma-")), "fma_ref");
  execFileSync("gcc", ["-O2", "-mfma", "-mavx2", "-static", "-nostdlib", "-nostartfiles", "-fno-stack-protector", "-fno-pie", "-no-pie",
    "-fno-builtin", "-o", exe, src]);
  return exe;
}

const haveFma = (): boolean => process.platform === "linux" && /\bfma\b/.test(readFileSync("/proc/cpuinfo", "utf8"));

describe.runIf(haveToolchain() && needs(TOOLS.gcc) && haveFma())("FMA3 against the real CPU", () => {
  const { cases, input } = generate(80_000, 0xf3a);

  it.each(EXECUTION_MODES)("every form gives the hardware's results and MXCSR (%s)", (_mode, jitThreshold) => {
    const ref = new Uint8Array(execFileSync(harness(), { input, maxBuffer: 1 << 28 }));
    expect(ref.length).toBe(cases.length * OUT);
    const m = loadElf(new Uint8Array(readFileSync(harness())), ["fma_ref"], undefined, X86_64_V3);
    m.cpu.jitThreshold = jitThreshold;
    const run = m.runProgram(2e9, input);
    expect(run.stop).toBe(STOP_SYSCALL);
    expect(run.exit).toBe(0);
    const bad = differentRecords(cases, ref, run.out, OUT);
    expect(bad.slice(0, 8)).toEqual([]);
  }, 300_000);
});

describe("the fast path against the exact one", () => {
  const fused = (dbl: boolean, a: number, b: number, c: number): number => {
    io[0] = a; io[1] = b; io[2] = c;
    return dbl ? fmaF64() : fmaF32();
  };
  // Far more triples than the emulator can run: every one the fast path takes must equal fusedMulAdd's
  // result and flags under MXCSR's default; it must take most of the ordinary ones.
  it.each([["double", true], ["single", false]] as const)("%s", (_name, dbl) => {
    const r = new Rng(dbl ? 0xd0b1e : 0x517);
    let taken = 0, ordinary = 0;
    const bad: string[] = [];
    for (let k = 0; k < 200_000; k++) {
      const [a, b, c] = triple(r, dbl);
      const k = fused(dbl, valueOf(a, dbl), valueOf(b, dbl), valueOf(c, dbl));
      if (k === NOT_FAST) continue;
      taken++;
      fe.flags = 0;
      const want = fusedMulAdd(a, b, c, false, false, dbl ? F64 : F32, 0x1f80);
      const got = bitsOf(io[0], dbl), flags = k === INEXACT ? 0x20 : 0;
      if (got !== want || flags !== fe.flags) bad.push(`${a.toString(16)} * ${b.toString(16)} + ${c.toString(16)}: ${got.toString(16)} ${flags}, want ${want.toString(16)} ${fe.flags}`);
    }
    fe.flags = 0;
    for (let k = 0; k < 1000; k++) {
      const x = value(r, dbl, -30, 30), y = value(r, dbl, -30, 30), w = value(r, dbl, -30, 30);
      if (fused(dbl, x, y, w) !== NOT_FAST) ordinary++;
    }
    expect(bad.slice(0, 8)).toEqual([]);
    expect(taken).toBeGreaterThan(100_000);
    expect(ordinary).toBe(1000);
  });
});

describe("rounding to odd", () => {
  // an even w moves to its neighbour on err's side: up is a carry-free +1, down may borrow from the high word
  const hex = (x: number): string => bitsOf(x, true).toString(16);
  it.each([
    [1 + 2 ** -20, -1e-30, "3ff00000ffffffff"], [1 + 2 ** -20, 1e-30, "3ff0000100000001"], [1, -1e-30, "3fefffffffffffff"],
    [-1, 1e-30, "bfefffffffffffff"], [-1, -1e-30, "bff0000000000001"], [1 + 2 ** -52, -1e-30, "3ff0000000000001"], [3, 1e-40, "4008000000000001"],
  ])("%s with %s", (w, err, want) => expect(hex(roundOdd(w, err))).toBe(want));
});

describe("an unmasked exception from the fast path", () => {
  // vfmadd231sd %xmm2, %xmm1, %xmm0 on 1/3 * 3 + 1 (inexact only, the fast path): with PE unmasked it is #XM,
  // the destination as it was and PE in MXCSR; with it masked, the result and PE.
  const run = (mx: number, ps: boolean) => {
    const m = machineWith(assemble(ps ? "vfmadd231ps %ymm2, %ymm1, %ymm0" : "vfmadd231sd %xmm2, %xmm1, %xmm0"), 0x401000, undefined, X86_64_V3);
    const X = m.cpu.state.xmm;
    const set = (reg: number, x: number): void => {
      if (ps) { f32[0] = x; for (let i = 0; i < 4; i++) X[reg * 4 + i] = f32w[0]; }
      else { f64[0] = x; X[reg * 4] = f64w[0]; X[reg * 4 + 1] = f64w[1]; }
    };
    set(0, 1); set(1, 1 / 3); set(2, 3);
    m.cpu.state.mxcsr = mx;
    const stop = m.cpu.run(1);
    return { stop, mxcsr: m.cpu.state.mxcsr, x0: [...X.slice(0, 4)] };
  };
  it.each([["sd", false], ["ps", true]] as const)("%s", (_n, ps) => {
    const masked = run(0x1f80, ps), unmasked = run(0x1f80 & ~0x1000, ps);
    const one = ps ? 0x3f800000 : 0;
    expect(masked.mxcsr).toBe(0x1fa0);
    expect(masked.x0).not.toEqual(unmasked.x0);
    expect(unmasked.stop).toBe(STOP_XM);
    expect(unmasked.mxcsr).toBe(0x0fa0);
    expect(unmasked.x0).toEqual(ps ? [one, one, one, one] : [0, 0x3ff00000, 0, 0]);
  });
});
