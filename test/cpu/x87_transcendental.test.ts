// The x87 transcendentals (fsin, fcos, fsincos, fptan, fpatan, f2xm1, fyl2x,
// fyl2xp1) against the real CPU: st(0), st(1) and the status word after each,
// with random operands (specials, denormals, edges of each domain) under
// every rounding and precision control.
import { describe, expect, it } from "vitest";
import { fe } from "../../src/cpu/fpu/softfloat.js";
import { f2xm1, FCOS, fld, fpatan, FPTAN, FSIN, FSINCOS, fst, ftrig, fyl2x, isEmpty, M80, pop, X87State } from "../../src/cpu/x87.js";
import { canRunNative, hex, randomFloat, type Rec, Rng, runNative, specials } from "./fpu_ref.js";

interface Op { n: number; name: string; run: (x: X87State) => void; a?: (rng: Rng) => bigint; b?: (rng: Rng) => bigint }
const M64 = (1n << 64n) - 1n;
/** An 80-bit value with unbiased exponent in [lo, hi] and a random significand and sign. */
const inRange = (rng: Rng, lo: number, hi: number, sign = rng.int(2)): bigint =>
  (BigInt(sign) << 79n) | (BigInt(16383 + lo + rng.int(hi - lo + 1)) << 64n) | (1n << 63n) | (rng.next64() >> 1n);
const trig = (op: number) => (x: X87State): void => ftrig(x, op);
const OPS: Op[] = [
  { n: 170, name: "fsin", run: trig(FSIN), a: (r) => inRange(r, -70, 70) },
  { n: 171, name: "fcos", run: trig(FCOS), a: (r) => inRange(r, -70, 70) },
  { n: 172, name: "fsincos", run: trig(FSINCOS), a: (r) => inRange(r, -70, 70) },
  { n: 173, name: "fptan", run: trig(FPTAN), a: (r) => inRange(r, -70, 70) },
  { n: 174, name: "fpatan", run: fpatan },
  { n: 175, name: "f2xm1", run: f2xm1, a: (r) => inRange(r, -80, -1) },
  { n: 176, name: "fyl2x", run: (x) => fyl2x(x, false), a: (r) => inRange(r, -16000, 16000, 0) },
  { n: 177, name: "fyl2xp1", run: (x) => fyl2x(x, true), a: (r) => inRange(r, -80, -3) },
];
const ffree = (i: number, f: (x: X87State) => void) => (x: X87State): void => { x.tags &= ~(1 << ((((x.sw >> 11) & 7) + i) & 7)); f(x); };
const FAULTS: Op[] = [
  ...OPS.map((o) => ({ n: o.n + 10, name: o.name + " (empty)", run: ffree(o.name === "fpatan" || o.name === "fyl2x" ? 1 : 0, o.run) })),
  ...[FSINCOS, FPTAN].map((op, k) => ({
    n: 188 + k, name: ["fsincos", "fptan"][k] + " (full)",
    run: (x: X87State): void => { for (let i = 0; i < 6; i++) fld(x, x.regs[(x.sw >> 11) & 7], M80); trig(op)(x); },
  })),
];

/** Control word for case i: every RC, PC 24/53/64 bits, all exceptions masked. */
const cwFor = (i: number): number => 0x7f | ([0, 2, 3][(i >> 2) % 3] << 8) | ((i & 3) << 10);

function ours(op: Op, rec: Rec): { r: bigint; r1: bigint; sw: number } {
  const s = new X87State();
  s.cw = rec.ctl;
  fld(s, rec.b, M80);
  fld(s, rec.a, M80);
  fe.flags = 0;
  op.run(s);
  const sw = s.sw;
  // what fstpt of an empty register stores
  const r = isEmpty(s, 0) ? 0xffffc000000000000000n : fst(s, M80);
  pop(s);
  const r1 = isEmpty(s, 0) ? 0xffffc000000000000000n : fst(s, M80);
  return { r, r1, sw };
}

/**
 * Where the SDM leaves the result undefined, left out: f2xm1 beyond [-1, 1]
 * and fyl2xp1 beyond |x| < 1 - sqrt(2)/2 (finite operands there).
 */
function outOfDomain(name: string, a: bigint): boolean {
  const e = Number((a >> 64n) & 0x7fffn) - 16383;
  if (e === 16384 || (a & (1n << 63n)) === 0n) return false; // NaN, infinity, zero, denormal
  if (name.startsWith("f2xm1")) return e >= 0 && (a & M64) !== 1n << 63n;
  if (name.startsWith("fyl2xp1")) return e >= -1 && !(e === -2 && (a & M64) < 0x95f619980c4336f7n);
  return false;
}
/** A finite, nonzero, supported 80-bit value. */
const finite = (v: bigint): boolean => ((v >> 64n) & 0x7fffn) !== 0x7fffn && (v & (1n << 63n)) !== 0n || ((v >> 64n) & 0x7fffn) === 0n && (v & M64) !== 0n;

describe.skipIf(!canRunNative())("x87 transcendentals against the real CPU", () => {
  // This processor's results are within one ulp of the exact value but not
  // always correctly rounded (SDM vol. 1, 8.3.10 promises under one ulp);
  // faultline rounds the exact value. Special operands (NaN, infinity, zero,
  // empty or full stack, out of range) give the hardware's results and status
  // word bit for bit; finite results are within one ulp with every status
  // bit but C1 (the rounding direction) equal, and bit-exact, C1 included,
  // in at least 96.5% of the cases.
  it("give the hardware's results: specials exactly, finite ones within one ulp", () => {
    const rng = new Rng(2387);
    const sp = specials(15, 64, true);
    const recs: (Rec & { k: number })[] = [];
    const ops = [...OPS, ...FAULTS];
    ops.forEach((op, k) => {
      for (const a of sp) for (const b of sp) recs.push({ op: op.n, k, ctl: cwFor(rng.int(12)), a, b });
      for (let i = 0; i < 600; i++) {
        const a = op.a && rng.int(4) ? op.a(rng) : randomFloat(rng, 15, 64, true);
        const b = op.b && rng.int(4) ? op.b(rng) : randomFloat(rng, 15, 64, true);
        recs.push({ op: op.n, k, ctl: cwFor(rng.int(12)), a, b });
      }
    });
    const hw = runNative(recs);
    const bad: string[] = [];
    let finiteCases = 0, exact = 0;
    const inexactBy = new Map<string, string[]>();
    recs.forEach((x, i) => {
      const op = ops[x.k];
      if (outOfDomain(op.name, x.a)) return;
      const got = ours(op, x);
      const h = hw[i];
      const h1 = (h.mem & M64) | (BigInt(h.fl & 0xffff) << 64n);
      const problems: string[] = [];
      const same = got.r === h.r && got.r1 === h1 && got.sw === h.st;
      // a finite result of a full computation: both results finite and the status word says inexact
      const computed = op.n < 180 && finite(h.r) && (h.st & 0x20) !== 0 && !(h.st & 0x400);
      if (computed) {
        finiteCases++;
        if (same) exact++;
        else inexactBy.set(op.name, [...(inexactBy.get(op.name) ?? []), `a=${hex(x.a)} b=${hex(x.b)} cw=${x.ctl.toString(16)} ${hex(got.r)} ${hex(got.r1)} ${got.sw.toString(16)} vs ${hex(h.r)} ${hex(h1)} ${h.st.toString(16)}`]);
        // as ordinals: denormals run on into the normals (the explicit bit makes a gap in the encodings)
        const ord = (v: bigint): bigint => {
          const e = (v >> 64n) & 0x7fffn, m = v & M64, o = e === 0n ? m : (e << 63n) + m - (1n << 63n);
          return v >> 79n ? -o : o;
        };
        const near = (p: bigint, q: bigint): boolean => (ord(p) - ord(q) <= 1n && ord(q) - ord(p) <= 1n);
        if (!near(got.r, h.r) || !near(got.r1, h1)) problems.push(`beyond one ulp: ${hex(got.r)} ${hex(got.r1)} vs ${hex(h.r)} ${hex(h1)}`);
        if ((got.sw ^ h.st) & ~0x200) problems.push(`sw ${got.sw.toString(16)} vs ${h.st.toString(16)}`);
      } else if (!same) problems.push(`${hex(got.r)} ${hex(got.r1)} sw ${got.sw.toString(16)} vs ${hex(h.r)} ${hex(h1)} sw ${h.st.toString(16)}`);
      if (problems.length) bad.push(`${op.name} a=${hex(x.a)} b=${hex(x.b)} cw=${x.ctl.toString(16)}: ${problems.join(", ")}`);
    });
    const byOp = new Map<string, string[]>();
    for (const b of bad) { const k = b.slice(0, b.indexOf(" a=")); byOp.set(k, [...(byOp.get(k) ?? []), b]); }
    const report = [...byOp].map(([k, v]) => `${k}: ${v.length}\n  ${v.slice(0, 12).join("\n  ")}`).join("\n");
    expect(bad.length + " mismatches of " + recs.length + "\n" + report).toBe("0 mismatches of " + recs.length + "\n");
    // measured here: 6121 of 6312 (97.0%), the rest one ulp apart or with C1 alone
    // differing, fptan of 1.0 being one of them (tan 1 = 1.5574077246549022305069...)
    const summary = [...inexactBy].map(([k, v]) => `${k} ${v.length}: ${v.slice(0, 3).join("; ")}`).join("\n");
    expect(exact / finiteCases, `bit-exact: ${exact} of ${finiteCases}\n${summary}`).toBeGreaterThanOrEqual(0.965);
  });
});
