// SSE/SSE2 moves and integer SIMD against the real CPU: the generated program
// runs natively and under the emulator, and every record must agree.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { STOP_SYSCALL } from "../../src/cpu/index.js";
import { buildProgram, haveToolchain, machineWith, PROT_R, PROT_W } from "./flat.js";
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
    const m = machineWith(text);
    m.cpu.jitThreshold = jitThreshold;
    m.map(0x10000000, cases.length * RECORD + 8192, PROT_R | PROT_W);
    const r = m.runProgram(1e8);
    expect(r.stop).toBe(STOP_SYSCALL);
    expect(r.exit).toBe(0);
    expect(r.out.length).toBe(ref.length);
    const hw = new Uint32Array(ref.buffer, ref.byteOffset, ref.length / 4);
    const emu = new Uint32Array(r.out.buffer, r.out.byteOffset, r.out.length / 4);
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const want = hw.subarray(i * 12, i * 12 + 12), got = emu.subarray(i * 12, i * 12 + 12);
      if (hex(got) !== hex(want)) bad.push(`${c.desc}\n  in   ${hex(c.input)}\n  ours ${hex(got)}\n  hw   ${hex(want)}`);
    });
    expect(bad.slice(0, 20)).toEqual([]);
  });
});
