// AVX, AVX2, BMI1 and BMI2 against the real CPU: every encoding of the VEX
// maps (avx_gen.ts) runs natively and under the emulator, interpreted and
// translated, and every record (registers, memory, RFLAGS, MXCSR) must agree.
import { describe, expect, it } from "vitest";
import { differentRecords, EXECUTION_MODES, haveToolchain, nativeRecords, runGenerated } from "./flat.js";
import { generate, RECORD, UNDEFINED_FLAGS } from "./avx_gen.js";

describe.skipIf(!haveToolchain())("AVX/AVX2 and BMI against the real CPU", () => {
  const { asm, cases } = generate();
  const { text, ref } = nativeRecords(asm);

  it("covers every VEX instruction defined", () => {
    const ops = new Set(cases.map((c) => c.op));
    expect(ops.has("?") || ops.has("ud")).toBe(false);
    for (const op of ["vpaddd", "vaddps", "vmovdqu", "vpbroadcastb", "vpermq", "vperm2i128", "vpsllvd", "shlx", "mulx", "pdep", "vldmxcsr", "vstmxcsr"]) expect(ops).toContain(op);
  });

  it.each(EXECUTION_MODES)("the emulator gives the hardware's results (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, cases.length * RECORD + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    // word 40: RFLAGS, whose bits the instruction leaves undefined are not compared
    const bad = differentRecords(cases, ref, out, RECORD, (i) => new Map([[40, UNDEFINED_FLAGS[cases[i].op] ?? 0]]));
    expect(bad.slice(0, 12)).toEqual([]);
    expect(bad.length).toBe(0);
  }, 300_000);
});
