// The FPU part of the signal frame: a handler finds the interrupted x87
// control word, xmm registers and mxcsr in the fxsave image its ucontext
// points to (Intel SDM's FXSAVE layout: fcw at 0, mxcsr at 24, xmm0 at 160),
// runs with a fresh FPU, and what it leaves in the image is what
// rt_sigreturn restores. This drives src/task/signal.ts with a flat user
// memory and a CPU state.
import { describe, expect, it } from "vitest";
import { CpuState, XMM_SCRATCH } from "../../src/cpu/state.js";
import { SA_RESTORER, SA_SIGINFO, Signals } from "../../src/task/signal.js";

const BASE = 0x7fff0000;
const SIZE = 1 << 20;

function setup() {
  const ram = new Uint8Array(SIZE);
  const inside = (addr: number, len: number) => addr >= BASE && addr + len <= BASE + SIZE;
  const mem = {
    copyFromUser: (dst: Uint8Array, addr: number, len = dst.length) =>
      inside(addr, len) ? (dst.set(ram.subarray(addr - BASE, addr - BASE + len)), 0) : -14,
    copyToUser: (addr: number, src: Uint8Array) => (inside(addr, src.length) ? (ram.set(src, addr - BASE), 0) : -14),
  };
  const regs = new Array<number>(16).fill(0);
  const cpu = {
    getReg: (r: number) => regs[r],
    setReg: (r: number, v: number) => void (regs[r] = v),
    rip: 0x401000,
    rflags: 0x246,
    state: new CpuState(),
  };
  const view = new DataView(ram.buffer);
  const u64 = (addr: number) => Number(view.getBigUint64(addr - BASE, true));
  const signals = new Signals(cpu, mem, 1);
  // SIGUSR1: handler 0x402000, SA_SIGINFO, restorer 0x403000
  const act = new Uint8Array(32);
  const av = new DataView(act.buffer);
  av.setUint32(0, 0x402000, true);
  av.setUint32(8, SA_SIGINFO | SA_RESTORER, true);
  av.setUint32(16, 0x403000, true);
  ram.set(act, 0x100);
  expect(signals.rtSigaction(10, BASE + 0x100, 0, 8)).toBe(0);
  return { ram, view, u64, regs, cpu, signals };
}

describe("the fxsave image in the signal frame", () => {
  it("carries xmm0-15 and mxcsr to the handler and back through rt_sigreturn", () => {
    const { view, u64, regs, cpu, signals } = setup();
    regs[4] = BASE + 0x80000; // rsp
    regs[0] = 5; // rax
    cpu.state.xmm.forEach((_, i) => (cpu.state.xmm[i] = 0x01010101 * (i & 0xff)));
    cpu.state.mxcsr = 0x1fa0;
    const fcw = (): number => {
      const img = new DataView(new ArrayBuffer(512));
      cpu.state.x87Image.save(img, true);
      return img.getUint16(0, true);
    };
    const img = new DataView(new ArrayBuffer(512));
    cpu.state.x87Image.save(img, true);
    img.setUint16(0, 0x27f, true); // double precision
    cpu.state.x87Image.restore(img, true);
    expect(signals.kill(1, 10)).toBe(0);
    expect(signals.deliver()).toBeNull();
    // fpu__clear_user_states: the handler starts with the FPU as a process does.
    expect([fcw(), cpu.state.mxcsr, cpu.state.xmm.subarray(0, 4 * XMM_SCRATCH).every((x) => x === 0)]).toEqual([0x37f, 0x1f80, true]);

    expect(cpu.rip).toBe(0x402000);
    const uc = regs[2];
    const fp = u64(uc + 40 + 184);
    expect(fp % 64).toBe(0);
    expect(view.getUint16(fp - BASE, true)).toBe(0x27f); // fcw
    expect(view.getUint32(fp + 24 - BASE, true)).toBe(0x1fa0);
    for (let i = 0; i < 64; i++) expect(view.getUint32(fp + 160 + 4 * i - BASE, true)).toBe(0x01010101 * i);

    // The handler clobbers the registers and rewrites xmm3 in the frame; the restorer's ret pops pretcode.
    cpu.state.xmm.fill(0xdead);
    cpu.state.mxcsr = 0x1f80;
    view.setUint32(fp + 160 + 48 - BASE, 0x12345678, true);
    regs[0] = 15;
    regs[4] += 8;
    expect(signals.rtSigreturn()).toBe(5);
    expect(regs[4]).toBe(BASE + 0x80000);
    expect(cpu.rip).toBe(0x401000);
    expect(cpu.state.mxcsr).toBe(0x1fa0);
    expect(fcw()).toBe(0x27f);
    expect(cpu.state.xmm[12]).toBe(0x12345678);
    expect(cpu.state.xmm[13]).toBe(0x01010101 * 13);
  });

  it("refuses an image with reserved mxcsr bits (fxrstor would fault): a bad frame", () => {
    const { view, u64, regs, signals } = setup();
    regs[4] = BASE + 0x80000;
    signals.kill(1, 10);
    expect(signals.deliver()).toBeNull();
    const fp = u64(regs[2] + 40 + 184);
    view.setUint32(fp + 24 - BASE, 0x10000, true);
    regs[4] += 8;
    expect(signals.rtSigreturn()).toBeNull();
  });
});
