// SSE3's integer loads, SSSE3, SSE4.1 and SSE4.2 (with their MMX forms,
// crc32, popcnt, lahf and sahf) against the real CPU: the generated program
// (sse4_gen.ts) runs natively and under the emulator, on the compiled Ops and
// on translated blocks, and every record (registers, RFLAGS, MXCSR) must agree.
import { describe, expect, it } from "vitest";
import { differentRecords, EXECUTION_MODES, haveToolchain, nativeRecords, runGenerated } from "./flat.js";
import { generate, RECORD } from "./sse4_gen.js";

describe.skipIf(!haveToolchain())("SSSE3 and SSE4 against the real CPU", () => {
  const { asm, cases } = generate();
  const { text, ref } = nativeRecords(asm);

  it.each(EXECUTION_MODES)("the emulator gives the hardware's results (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, cases.length * RECORD + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    const bad = differentRecords(cases, ref, out, RECORD);
    expect(bad.length + " of " + cases.length + "\n" + bad.slice(0, 16).join("\n")).toBe("0 of " + cases.length + "\n");
  });
});
