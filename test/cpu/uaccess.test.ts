// The syscall layer's view of user memory: kernel-mode copies through the walk.
import { describe, expect, it } from "vitest";
import { PF_PROT, PF_WRITE } from "../../src/cpu/index.js";
import { FlatMachine, PROT_R, PROT_W } from "./flat.js";

describe("copyFromUser / copyToUser", () => {
  it("copy across pages, and report a missing page (error code 0, never -0) with its address", () => {
    const m = new FlatMachine(64);
    m.map(0x10000, 4096, PROT_R | PROT_W);
    m.poke(0x10ffe, Uint8Array.of(1, 2));
    const buf = new Uint8Array(4);
    expect(m.mmu.copyFromUser(buf, 0x10ffe)).toBe(-1);
    expect(m.mmu.fault.addr).toBe(0x11000);
    expect(m.mmu.fault.errorCode).toBe(0);
    m.map(0x11000, 4096, PROT_R);
    m.poke(0x11000, Uint8Array.of(3, 4));
    expect(m.mmu.copyFromUser(buf, 0x10ffe)).toBe(0);
    expect(buf).toEqual(Uint8Array.of(1, 2, 3, 4));
  });

  it("copyToUser writes nothing when a later page refuses the write", () => {
    const m = new FlatMachine(64);
    m.map(0x10000, 4096, PROT_R | PROT_W);
    m.map(0x11000, 4096, PROT_R);
    expect(m.mmu.copyToUser(0x10ffe, Uint8Array.of(9, 9, 9, 9))).toBe(-1);
    expect(m.mmu.fault.errorCode).toBe(PF_PROT | PF_WRITE);
    expect(m.mmu.fault.addr).toBe(0x11000);
    expect(m.peek(0x10ffe, 2)).toEqual(Uint8Array.of(0, 0));
  });
});
