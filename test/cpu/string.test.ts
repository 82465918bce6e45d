// String instructions and loop against the real CPU: the generated program
// runs natively and under the emulator, and every record must agree.
import { describe, expect, it } from "vitest";
import { EXECUTION_MODES, flatProgram, haveToolchain, nativeRecords, runGenerated } from "./flat.js";
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

describe.skipIf(!haveToolchain())("rep movs and rep stos over pages against the real CPU", () => {
  // Each case fills a 3-page area with a pattern, runs one rep movs or rep stos of hundreds to thousands of
  // bytes across its pages (the copies at distances where source and destination overlap, either way, and
  // misaligned elements that cross a page), and records rsi and rdi (from the area's start), rcx and the area.
  const AREA = 3 * 4096, REC = 24 + AREA;
  const cases: string[] = [], body: string[] = [];
  for (const [suffix, sz] of [["b", 1], ["w", 2], ["l", 4], ["q", 8]] as const) {
    for (const [from, to, count] of [[0, 4096, 2048], [5, 4099, 2000], [100, 101, 3000], [4000, 4003, 1500], [4001, 4009, 900],
      [700, 690, 2500], [3, 8190, 500], [4095, 1, 4000 / sz], [0, 0, 10]] as const) {
      const n = Math.min(count, Math.floor((AREA - Math.max(from, to)) / sz));
      for (const op of ["movs", "stos"]) {
        cases.push(`rep ${op}${suffix} from ${from} to ${to}, ${n} elements`);
        body.push("lea area(%rip), %rbx", "xor %ecx, %ecx", "1: mov %ecx, %eax", "imul $0x9e3779b1, %eax, %eax", "shr $24, %eax",
          "mov %al, (%rbx,%rcx)", "inc %ecx", `cmp $${AREA}, %ecx`, "jne 1b",
          `lea ${from}(%rbx), %rsi`, `lea ${to}(%rbx), %rdi`, `mov $${n}, %rcx`, "mov $0x8877665544332211, %rax", "cld", `rep ${op}${suffix}`,
          "sub %rbx, %rsi", "sub %rbx, %rdi", "mov %rsi, (%r15)", "mov %rdi, 8(%r15)", "mov %rcx, 16(%r15)",
          "lea 24(%r15), %rdi", "mov %rbx, %rsi", `mov $${AREA}, %ecx`, "rep movsb", `add $${REC}, %r15`);
      }
    }
  }
  const { text, ref } = nativeRecords(flatProgram(body, [], [`.align 4096`, `area: .skip ${AREA}`, `buf: .skip ${cases.length * REC + 4096}`]));

  it.each(EXECUTION_MODES)("the emulator gives the hardware's registers and memory (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, AREA + cases.length * REC + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    const bad = cases.filter((_, i) => out.subarray(i * REC, (i + 1) * REC).some((b, k) => b !== ref[i * REC + k]));
    expect(bad).toEqual([]);
  });
});
