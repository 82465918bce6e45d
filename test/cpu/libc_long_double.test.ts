// long double <math.h> through glibc and musl (test/cpu/native/long_double.c):
// sinl, cosl, tanl, atan2l, expl, logl, log1pl, powl and kin run on the x87
// transcendentals. Each result is printed to the last digit and as its 80 bits.
//
// This processor's fsin, fptan, fpatan, f2xm1, fyl2x... are within one ulp
// of the exact value but not always correctly rounded; faultline rounds the
// exact value (test/cpu/x87_transcendental.test.ts). So a line is either
// byte-identical to the native run's or, where the hardware's last bit went
// the other way, one ulp apart (measured: 1055 of 1071 lines identical, 16
// one ulp apart, under both libraries).
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { needs, TOOLS } from "../helpers/tools.js";

const CLI = new URL("../../dist/cli/faultline.js", import.meta.url).pathname;
const SRC = new URL("./native/long_double.c", import.meta.url).pathname;
/** Ulps a line may differ by (see above). */
const ULPS = 1n;
/** The least share of lines identical to the native run's. */
const IDENTICAL = 0.98;

/** An 80-bit value's place on the number line, in ulps: denormals run on into the normals. */
function ordinal(hex: string): bigint {
  const v = BigInt("0x" + hex);
  const e = (v >> 64n) & 0x7fffn, m = v & ((1n << 64n) - 1n);
  const o = e === 0n ? m : (e << 63n) + m - (1n << 63n);
  return v >> 79n ? -o : o;
}

describe.each([
  ["glibc", "gcc", TOOLS.gcc],
  ["musl", "musl-gcc", TOOLS.musl_gcc],
] as const)("long double math through %s", (_libc, cc, tool) => {
  it.runIf(needs(tool, TOOLS.libc_a, TOOLS.dist))("prints the native run's results, each within one ulp", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-long-double-"));
    const exe = join(dir, "long_double");
    expect(spawnSync(cc, ["-O2", "-static", "-o", exe, SRC, "-lm"], { encoding: "utf8" }).stderr).toBe("");
    const native = spawnSync(exe, { encoding: "utf8" });
    const ours = spawnSync(process.execPath, [CLI, "run", exe], { encoding: "utf8" });
    expect(ours.status).toBe(native.status);
    const want = native.stdout.trimEnd().split("\n"), got = ours.stdout.trimEnd().split("\n");
    expect(got.length).toBe(want.length);
    let identical = 0;
    const far: string[] = [];
    want.forEach((w, i) => {
      if (got[i] === w) { identical++; return; }
      const [wl, wbits] = [w.slice(0, w.lastIndexOf(" ")), w.slice(w.lastIndexOf(" ") + 1)];
      const gbits = got[i].slice(got[i].lastIndexOf(" ") + 1);
      const d = ordinal(gbits) - ordinal(wbits);
      // the operand printed the same, and the result a few ulps off
      if (!got[i].startsWith(wl.slice(0, wl.indexOf(" = "))) || d > ULPS || d < -ULPS) far.push(`${got[i]}, natively ${w}`);
    });
    expect(far).toEqual([]);
    expect(identical / want.length, `${identical} of ${want.length} lines identical`).toBeGreaterThanOrEqual(IDENTICAL);
  });
});
