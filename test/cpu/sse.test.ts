// SSE/SSE2 moves and integer SIMD against the real CPU: the generated program
// runs natively and under the emulator, and every record must agree.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildProgram, differentRecords, haveToolchain, runGenerated } from "./flat.js";
import { generate, RECORD } from "./sse_gen.js";

describe.skipIf(!haveToolchain())("SSE2 integer SIMD against the real CPU", () => {
  it.each([
    ["compiled Ops", Infinity],
    ["translated blocks", 0],
  ])("the emulator gives the hardware's results (%s)", (_mode, jitThreshold) => {
    const { asm, cases } = generate();
    const { elf, text } = buildProgram(asm);
    const ref = new Uint8Array(execFileSync(elf, { maxBuffer: 1 << 28 }));
    const out = runGenerated(text, cases.length * RECORD + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    expect(differentRecords(cases, ref, out, RECORD).slice(0, 20)).toEqual([]);
  });
});
