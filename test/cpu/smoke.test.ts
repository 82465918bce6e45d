import { describe, expect, it } from "vitest";
import { STOP_SYSCALL, STOP_BUDGET } from "../../src/cpu/index.js";
import { assemble, haveToolchain, machineWith } from "./flat.js";

describe.runIf(haveToolchain())("cpu smoke", () => {
  it("runs a loop, a call and a syscall", () => {
    const m = machineWith(assemble(`
      mov $10, %ecx
      xor %eax, %eax
    1: add %ecx, %eax
      dec %ecx
      jnz 1b
      call f
      mov $60, %edi
      syscall
    f: push %rax
      pop %rbx
      ret
    `));
    expect(m.cpu.run(1000)).toBe(STOP_SYSCALL);
    expect(m.cpu.getReg(0)).toBe(55);
    expect(m.cpu.getReg(3)).toBe(55);
    expect(m.cpu.run(0)).toBe(STOP_BUDGET);
  });
});
