// SSE/SSE2 moves and integer SIMD against the real CPU: the generated program
// runs natively and under the emulator, and every record must agree.
import { describe, expect, it } from "vitest";
import { differentRecords, EXECUTION_MODES, haveToolchain, nativeRecords, runGenerated } from "./flat.js";
import { generate, RECORD } from "./sse_gen.js";

describe.skipIf(!haveToolchain())("SSE2 integer SIMD against the real CPU", () => {
  const { asm, cases } = generate();
  const { text, ref } = nativeRecords(asm);

  it.each(EXECUTION_MODES)("the emulator gives the hardware's results (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, cases.length * RECORD + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    expect(differentRecords(cases, ref, out, RECORD).slice(0, 20)).toEqual([]);
  });
});
