// String instructions and loop against the real CPU: the generated program
// runs natively and under the emulator, and every record must agree.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { STOP_SYSCALL } from "../../src/cpu/index.js";
import { buildProgram, haveToolchain, machineWith, PROT_R, PROT_W } from "./flat.js";
import { FLAGS, generate, RECORD } from "./string_gen.js";

const NAMES = ["rsi", "rdi", "rcx", "rax"];

describe.skipIf(!haveToolchain())("string instructions and loop against the real CPU", () => {
  it.each([
    ["compiled Ops", Infinity],
    ["translated blocks", 0],
  ])("the emulator gives the hardware's registers, flags and memory (%s)", (_mode, jitThreshold) => {
    const { asm, cases } = generate();
    const { elf, text } = buildProgram(asm);
    const ref = new Uint8Array(execFileSync(elf, { maxBuffer: 1 << 28 }));
    const m = machineWith(text);
    m.cpu.jitThreshold = jitThreshold;
    m.map(0x10000000, 4096 + cases.length * RECORD + 4096, PROT_R | PROT_W);
    const r = m.runProgram(1e8);
    expect(r.stop).toBe(STOP_SYSCALL);
    expect(r.exit).toBe(0);
    expect(r.out.length).toBe(ref.length);
    expect(ref.length).toBe(cases.length * RECORD);
    const hw = new DataView(ref.buffer, ref.byteOffset), emu = new DataView(r.out.buffer, r.out.byteOffset);
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
        if (ref[at + b] !== r.out[at + b]) { bad.push(`${c.desc}: area byte ${b - 40} ${r.out[at + b]}, hardware ${ref[at + b]}`); break; }
      }
    });
    expect(bad.slice(0, 30)).toEqual([]);
  });
});
