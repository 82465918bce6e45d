// SSE/SSE2 moves and integer SIMD against the real CPU: the generated program
// runs natively; the pure lane functions must reproduce every record they model.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildProgram, haveToolchain } from "./flat.js";
import { generate, RECORD } from "./sse-gen.js";

const hex = (a: ArrayLike<number>): string => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, "0")).join(" ");

describe.skipIf(!haveToolchain())("SSE2 integer SIMD against the real CPU", () => {
  it("the lane functions give the hardware's results", () => {
    const { asm, cases } = generate();
    const { elf } = buildProgram(asm);
    const ref = new Uint8Array(execFileSync(elf, { maxBuffer: 1 << 28 }));
    expect(ref.length).toBe(cases.length * RECORD);
    const hw = new Uint32Array(ref.buffer, ref.byteOffset, ref.length / 4);
    const bad: string[] = [];
    let modelled = 0;
    cases.forEach((c, i) => {
      if (!c.model) return;
      modelled++;
      const s = c.input.slice();
      c.model(s);
      const want = hw.subarray(i * 12, i * 12 + 10);
      if (hex(s) !== hex(want)) bad.push(`${c.desc}\n  in   ${hex(c.input)}\n  ours ${hex(s)}\n  hw   ${hex(want)}`);
    });
    expect(modelled).toBeGreaterThan(1500);
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
