// movbe (0F 38 F0 and F1: a load or store with its bytes reversed, 16, 32
// and 64 bits) against the real CPU, interpreted and translated: the loaded
// registers (a 16-bit load keeps the rest, a 32-bit one zeroes the high
// half; 66 with REX.W is 64 bits) and the stored memory must agree.
import { describe, expect, it } from "vitest";
import { EXECUTION_MODES, flatProgram, haveToolchain, nativeRecords, runGenerated } from "./flat.js";

const REGS = ["rax", "rcx", "rdx", "rbx", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14"];
const name = (r: string, sz: number): string =>
  sz === 8 ? `%${r}` : /^r\d+$/.test(r) ? `%${r}${sz === 4 ? "d" : "w"}` : `%${sz === 4 ? "e" : ""}${r.slice(1)}`;

function generate(): { asm: string; records: number } {
  const body: string[] = [];
  let n = 0;
  REGS.forEach((r, i) => {
    for (const sz of [2, 4, 8]) {
      // the register full of a pattern first, so that what a load keeps shows
      body.push(`mov $0x1122334455667788, %${r}`, `movbe src+${i}(%rip), ${name(r, sz)}`, `mov %${r}, (%r15)`,
        `mov $0x0123456789abcdef, %${r}`, `movq $-1, 8(%r15)`, `movbe ${name(r, sz)}, 8(%r15)`, "add $16, %r15");
      n++;
      // REX.W over a 66 prefix: 64 bits
      if (sz === 8) {
        const num = [0, 1, 2, 3, 6, 7, 8, 9, 10, 11, 12, 13, 14][i], rex = 0x48 | (num >= 8 ? 4 : 0), reg = num & 7;
        body.push(`mov $0x1122334455667788, %${r}`, `lea src+${i}(%rip), %rbp`, `.byte 0x66, ${rex}, 0x0f, 0x38, 0xf0, ${0x45 | (reg << 3)}, 0`,
          `mov %${r}, (%r15)`, `mov $0x0123456789abcdef, %${r}`, "lea 8(%r15), %rbp", `.byte 0x66, ${rex}, 0x0f, 0x38, 0xf1, ${0x45 | (reg << 3)}, 0`,
          "add $16, %r15");
        n++;
      }
    }
  });
  const src = Array.from({ length: 32 }, (_, i) => (i * 29 + 7) & 0xff).join(", ");
  return { asm: flatProgram(body, [`src: .byte ${src}`], [`buf: .skip ${n * 16}`]), records: n };
}

describe.skipIf(!haveToolchain())("movbe against the real CPU", () => {
  const { asm, records } = generate();
  const { text, ref } = nativeRecords(asm);
  it.each(EXECUTION_MODES)("loads and stores as the hardware does (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, records * 16 + 8192, jitThreshold);
    expect(ref.length).toBe(records * 16);
    expect(Array.from(out)).toEqual(Array.from(ref));
  });
});
