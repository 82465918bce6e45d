// Instruction semantics against the real CPU: the generated program runs
// natively and under the emulator; results and the defined flags must agree.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { haveToolchain, nativeRecords, runGenerated, sampledModes } from "./flat.js";
import { type Case, generate } from "./semantics_gen.js";

const EXPECTED = new URL("./semantics.expected.sha256", import.meta.url);

/** The records with undefined flags and uncompared registers zeroed, hashed. */
function maskedHash(out: Uint8Array, cases: Case[]): string {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const h = createHash("sha256");
  cases.forEach((c, i) => {
    const rec = new Uint8Array(32);
    const rd = new DataView(rec.buffer);
    for (let r = 0; r < 3; r++) if (c.regs & (1 << r)) rd.setBigUint64(r * 8, dv.getBigUint64(i * 32 + r * 8, true), true);
    rd.setUint32(24, dv.getUint32(i * 32 + 24, true) & c.flags, true);
    h.update(rec);
  });
  return h.digest("hex");
}

describe.runIf(haveToolchain())("instruction semantics against the real CPU", () => {
  it.each(sampledModes(13))("emulates the generated cases as the hardware does (%s)", (_mode, jitThreshold, stride) => {
    const { asm, cases } = generate(stride);
    const { text, ref } = nativeRecords(asm);
    const out = runGenerated(text, cases.length * 32 + 8192, jitThreshold);
    expect(out.length).toBe(cases.length * 32);
    expect(ref.length).toBe(cases.length * 32);
    const hw = new DataView(ref.buffer), emu = new DataView(out.buffer, out.byteOffset);
    const bad: string[] = [];
    const names = ["rax", "rbx", "rdx"];
    cases.forEach((c, i) => {
      for (let k = 0; k < 3; k++) {
        if (!(c.regs & (1 << k))) continue;
        const e = hw.getBigUint64(i * 32 + k * 8, true), g = emu.getBigUint64(i * 32 + k * 8, true);
        if (e !== g) bad.push(`${c.desc}: ${names[k]} ${g.toString(16)}, hardware ${e.toString(16)}`);
      }
      const ef = hw.getUint32(i * 32 + 24, true) & c.flags, gf = emu.getUint32(i * 32 + 24, true) & c.flags;
      if (ef !== gf) bad.push(`${c.desc}: flags ${gf.toString(16)}, hardware ${ef.toString(16)} (mask ${c.flags.toString(16)})`);
    });
    expect(bad.slice(0, 40)).toEqual([]);
    // the recorded expectation (for hosts that cannot run x86-64) must match this machine
    if (stride === 1) expect(maskedHash(ref, cases)).toBe(readFileSync(EXPECTED, "utf8").trim());
  });
});
