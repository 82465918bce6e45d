// MMX against the real CPU: every MMX form of the integer instructions, the
// moves, SSE's MMX forms and conversions, and the x87/MMX transitions (tags,
// TOP, exponents, emms, fnsave/frstor and fxsave/fxrstor images). The
// generated program (mmx_gen.ts) runs natively and under the emulator, on the
// compiled Ops and on translated blocks, and every record must agree.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { buildProgram, haveToolchain, runGenerated } from "./flat.js";
import { generate, RECORD } from "./mmx_gen.js";

const hex = (a: ArrayLike<number>): string => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, "0")).join(" ");
const WORDS = RECORD / 4;

describe.skipIf(!haveToolchain())("MMX against the real CPU", () => {
  const { asm, cases } = generate();
  const { elf, text } = buildProgram(asm);
  const ref = new Uint8Array(execFileSync(elf, { maxBuffer: 1 << 28 }));

  it.each([
    ["compiled Ops", Infinity],
    ["translated blocks", 0],
  ])("the emulator gives the hardware's results and x87 state (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, cases.length * RECORD + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    const hw = new Uint32Array(ref.buffer, ref.byteOffset, ref.length / 4);
    const emu = new Uint32Array(out.buffer, out.byteOffset, out.length / 4);
    const bad: string[] = [];
    // fxsave's MXCSR_MASK (bytes 28..31) says which MXCSR bits the machine takes: this one's are the SSE unit's, not the MMX state
    for (let i = 0; i < cases.length; i++) hw[i * WORDS + 7] = emu[i * WORDS + 7] = 0;
    cases.forEach((c, i) => {
      const want = hw.subarray(i * WORDS, (i + 1) * WORDS), got = emu.subarray(i * WORDS, (i + 1) * WORDS);
      if (hex(got) === hex(want)) return;
      const at = got.findIndex((w, k) => w !== want[k]);
      bad.push(`${c.desc}\n  in   ${hex(c.input)}\n  first difference at byte ${at * 4}\n  ours ${hex(got.subarray(at & ~3, (at & ~3) + 8))}\n  hw   ${hex(want.subarray(at & ~3, (at & ~3) + 8))}`);
    });
    expect(bad.slice(0, 12)).toEqual([]);
  });
});
