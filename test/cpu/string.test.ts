// String instructions and loop against the real CPU: the generated program
// runs natively and under the emulator, and every record must agree.
import { describe, expect, it } from "vitest";
import { EXECUTION_MODES, haveToolchain, nativeRecords, runGenerated } from "./flat.js";
import { FLAGS, generate, RECORD } from "./string_gen.js";

const NAMES = ["rsi", "rdi", "rcx", "rax"];

describe.skipIf(!haveToolchain())("string instructions and loop against the real CPU", () => {
  const { asm, cases } = generate();
  const { text, ref } = nativeRecords(asm);

  it.each(EXECUTION_MODES)("the emulator gives the hardware's registers, flags and memory (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, 4096 + cases.length * RECORD + 4096, jitThreshold);
    expect(out.length).toBe(ref.length);
    expect(ref.length).toBe(cases.length * RECORD);
    const hw = new DataView(ref.buffer, ref.byteOffset), emu = new DataView(out.buffer, out.byteOffset);
    const bad: string[] = [];
    cases.forEach((c, i) => {
      const at = i * RECORD;
      for (let k = 0; k < 4; k++) {
        const e = hw.getBigUint64(at + k * 8, true), g = emu.getBigUint64(at + k * 8, true);
        if (e !== g) bad.push(`${c.desc}: ${NAMES[k]} ${g.toString(16)}, hardware ${e.toString(16)}`);
      }
      const ef = hw.getUint32(at + 32, true) & FLAGS, gf = emu.getUint32(at + 32, true) & FLAGS;
      if (ef !== gf) bad.push(`${c.desc}: flags ${gf.toString(16)}, hardware ${ef.toString(16)}`);
      for (let b = 40; b < RECORD; b++) {
        if (ref[at + b] !== out[at + b]) { bad.push(`${c.desc}: area byte ${b - 40} ${out[at + b]}, hardware ${ref[at + b]}`); break; }
      }
    });
    expect(bad.slice(0, 30)).toEqual([]);
  });
});
