// The FPU part of the signal frame: a handler finds the interrupted x87
// control word, xmm registers and mxcsr in the fxsave image its ucontext
// points to (Intel SDM's FXSAVE layout: fcw at 0, mxcsr at 24, xmm0 at 160),
// runs with a fresh FPU, and what it leaves in the image is what
// rt_sigreturn restores; on a CPU with XSAVE (x86-64-v3) the image is the
// XSAVE one, with the YMM registers' upper halves. This drives
// src/task/signal.ts with a flat user memory and a CPU state.
import { describe, expect, it } from "vitest";
import { CpuState, XMM_SCRATCH } from "../../src/cpu/state.js";
import { SA_RESTORER, SA_SIGINFO, Signals } from "../../src/task/signal.js";
import { type CpuModel, X86_64_V3 } from "../../src/cpu/model.js";

const BASE = 0x7fff0000;
const SIZE = 1 << 20;

function setup(model?: CpuModel) {
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
    model,
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

describe("the XSAVE image in the signal frame (x86-64-v3)", () => {
  /** A signal delivered with ymm0..15's upper halves and xmm set: the frame's fpstate address. */
  function delivered() {
    const t = setup(X86_64_V3);
    t.regs[4] = BASE + 0x80000;
    t.cpu.state.xmm.forEach((_, i) => (t.cpu.state.xmm[i] = 0x01010101 * (i & 0xff)));
    t.cpu.state.ymmh.forEach((_, i) => (t.cpu.state.ymmh[i] = 0x11000000 + i));
    expect(t.signals.kill(1, 10)).toBe(0);
    expect(t.signals.deliver()).toBeNull();
    const fp = t.u64(t.regs[2] + 40 + 184);
    const u32 = (off: number) => t.view.getUint32(fp + off - BASE, true);
    return { ...t, fp, u32 };
  }

  it("is copy_fpstate_to_sigframe's: UC_FP_XSTATE, _fpx_sw_bytes, XSTATE_BV, the AVX state at 576 and MAGIC2 after it", () => {
    const { regs, u64, fp, u32, cpu } = delivered();
    // uc_flags: UC_FP_XSTATE | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS (2 | 4 without XSAVE)
    expect(u64(regs[2])).toBe(7);
    expect(fp % 64).toBe(0);
    // the XSAVE image and MAGIC2 sit below the red zone, the frame below them
    expect(fp + 832 + 4).toBeLessThanOrEqual(BASE + 0x80000 - 128);
    expect(regs[2] - 8 + 440).toBeLessThanOrEqual(fp);
    // magic1, extended_size, xfeatures (64 bits), xstate_size
    expect([u32(464), u32(468), u32(472), u32(476), u32(480)]).toEqual([0x46505853, 836, 7, 0, 832]);
    expect(u32(832)).toBe(0x46505845);
    // XSTATE_BV: x87 and SSE always, AVX in use; XCOMP_BV 0
    expect([u32(512), u32(516), u32(520), u32(524)]).toEqual([7, 0, 0, 0]);
    for (let i = 0; i < 64; i++) expect(u32(576 + 4 * i)).toBe(0x11000000 + i);
    for (let i = 0; i < 64; i++) expect(u32(160 + 4 * i)).toBe(0x01010101 * i);
    // the handler starts with every component in its init state
    expect(cpu.state.ymmh.every((x) => x === 0)).toBe(true);
  });

  it("rt_sigreturn restores the upper halves, as the handler left them in the frame", () => {
    const { regs, view, fp, cpu, signals } = delivered();
    cpu.state.ymmh.fill(0xdead);
    view.setUint32(fp + 576 + 16 * 5 - BASE, 0x55aa55aa, true);
    regs[4] += 8;
    expect(signals.rtSigreturn()).toBe(0);
    expect(cpu.state.ymmh[20]).toBe(0x55aa55aa);
    expect(cpu.state.ymmh[21]).toBe(0x11000000 + 21);
    expect(cpu.state.xmm[7]).toBe(0x01010101 * 7);
  });

  it("falls back to fxrstor when MAGIC2 or magic1 is missing (a legacy image), and inits what xfeatures leaves out", () => {
    for (const [off, value] of [[832, 0], [464, 0], [480, 100]]) {
      const { regs, view, fp, cpu, signals } = delivered();
      view.setUint32(fp + off - BASE, value, true);
      view.setUint32(fp + 160 - BASE, 0xabcd, true);
      regs[4] += 8;
      expect(signals.rtSigreturn()).toBe(0);
      expect(cpu.state.xmm[0]).toBe(0xabcd);
      expect(cpu.state.ymmh.every((x) => x === 0)).toBe(true);
    }
    // xfeatures without AVX: the upper halves are not restored but set to their init state
    const { regs, view, fp, cpu, signals } = delivered();
    view.setUint32(fp + 472 - BASE, 3, true);
    regs[4] += 8;
    expect(signals.rtSigreturn()).toBe(0);
    expect(cpu.state.ymmh.every((x) => x === 0)).toBe(true);
    expect(cpu.state.xmm[5]).toBe(0x01010101 * 5);
  });

  it("a header xrstor refuses, or reserved mxcsr bits, make a bad frame", () => {
    for (const [off, value] of [[520, 1], [512, 8], [24, 0x10000]]) {
      const { regs, view, fp, signals } = delivered();
      view.setUint32(fp + off - BASE, value, true);
      regs[4] += 8;
      expect(signals.rtSigreturn()).toBeNull();
    }
  });
});
