// SSE/SSE2 moves and integer SIMD against the real CPU: the generated program
// runs natively and under the emulator, and every record must agree.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildProgram, haveToolchain, runGenerated } from "./flat.js";
import { generate, RECORD } from "./sse_gen.js";

const hex = (a: ArrayLike<number>): string => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, "0")).join(" ");

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
    const hw = new Uint32Array(ref.buffer, ref.byteOffset, ref.length / 4);
    const emu = new Uint32Array(out.buffer, out.byteOffset, out.length / 4);
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const want = hw.subarray(i * 12, i * 12 + 12), got = emu.subarray(i * 12, i * 12 + 12);
      if (hex(got) !== hex(want)) bad.push(`${c.desc}\n  in   ${hex(c.input)}\n  ours ${hex(got)}\n  hw   ${hex(want)}`);
    });
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
