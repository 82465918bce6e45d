// XSAVE, XRSTOR and XGETBV (src/cpu/xsave.ts) against the real CPU: a
// program saves and restores the x87, SSE and AVX state with each
// requested-feature bitmap and header, natively and under the emulator
// (an x86-64-v3 CPU; interpreted and translated), and every saved image and
// restored register must agree. The faults, and #UD on x86-64-v2, here.
import { describe, expect, it } from "vitest";
import { EXECUTION_MODES, haveToolchain, machineWith, nativeRecords, PROT_R, PROT_W, assemble, flatProgram, runGenerated } from "./flat.js";
import { STOP_GP, STOP_PAGE_FAULT, STOP_SYSCALL, STOP_UD, X86_64_V2, X86_64_V3 } from "../../src/cpu/index.js";

const RECORD = 1024;
const bytes = (n: number, f: (i: number) => number): string => Array.from({ length: n }, (_, i) => f(i) & 0xff).join(", ");

/** Every register this CPU saves, from tables: ymm0..15 (both halves), MXCSR, and three x87 values. */
const SETUP = [
  ...Array.from({ length: 16 }, (_, i) => `vmovdqu tab+${32 * i}(%rip), %ymm${i}`),
  "ldmxcsr mx(%rip)", "fninit", "fld1", "fldpi", "fldl2e",
];
/** A record: `n` bytes at r15 set to 0xa5, the header's XSTATE_BV bits above 2 set too (xsave keeps those it is not asked for). */
const prefill = ["mov %r15, %rdi", `mov $${RECORD}, %ecx`, "mov $0xa5, %al", "rep stosb"];
/** xsave64 (or xsave) of `rfbm` into a fresh record. */
const save = (rfbm: number, form = "xsave64"): string[] => [...prefill, `mov $${rfbm}, %eax`, "xor %edx, %edx", `${form} (%r15)`, `add $${RECORD}, %r15`];
/** The registers as a record: ymm0..15, MXCSR at 512, the fxsave64 image at 576 (the x87 part). */
const DUMP = [
  ...prefill,
  ...Array.from({ length: 16 }, (_, i) => `vmovdqu %ymm${i}, ${32 * i}(%r15)`),
  "stmxcsr 512(%r15)", "fxsave64 576(%r15)", `add $${RECORD}, %r15`,
];
/** xrstor64 (or xrstor) of `rfbm` from the image with XSTATE_BV = bv, after SETUP. */
const restore = (rfbm: number, bv: number, form = "xrstor64"): string[] => [
  ...SETUP, "lea img(%rip), %rsi", "lea work(%rip), %rdi", "mov $832, %ecx", "rep movsb", `movl $${bv}, work+512(%rip)`,
  `mov $${rfbm}, %eax`, "xor %edx, %edx", `${form} work(%rip)`, ...DUMP, ...save(7),
];

function generate(): { asm: string; records: number; maskAt: number[] } {
  const body: string[] = [];
  const maskAt: number[] = [];
  let n = 0;
  const add = (code: string[], masks: number[]) => { body.push(...code); for (const m of masks) maskAt.push(n * RECORD + m); n++; };
  // saves of the whole state, each bitmap
  for (const rfbm of [7, 1, 2, 4, 6, 0]) add([...SETUP, ...save(rfbm)], rfbm & 6 ? [28] : []);
  add([...SETUP, ...save(7, "xsave")], [28]);
  // AVX in its init state after vzeroupper; everything in it after vzeroall, fninit and the reset MXCSR
  add([...SETUP, "vzeroupper", ...save(7)], [28]);
  add([...SETUP, "vzeroall", "fninit", "ldmxcsr mxinit(%rip)", ...save(7)], [28]);
  // restores: each component from the image, or to its init state when XSTATE_BV's bit is clear
  for (const [rfbm, bv] of [[7, 7], [7, 0], [4, 4], [4, 0], [3, 7], [1, 7], [2, 2], [6, 2], [0, 7], [7, 5]]) {
    body.push(...restore(rfbm, bv));
    maskAt.push(n * RECORD + 576 + 28, (n + 1) * RECORD + 28);
    n += 2;
  }
  body.push(...restore(7, 3, "xrstor"));
  maskAt.push(n * RECORD + 576 + 28, (n + 1) * RECORD + 28);
  n += 2;
  // XCR0's x87, SSE and AVX bits (the hardware's has AVX-512's too)
  add(["xor %ecx, %ecx", "xgetbv", "and $7, %eax", "mov %eax, (%r15)", "mov %edx, 4(%r15)", `add $${RECORD}, %r15`], []);

  const img = (i: number): number => (i * 37 + 11);
  const data = [
    ".align 32", `tab: .byte ${bytes(512, (i) => i * 151 + 3)}`,
    "mx: .long 0x3f80", "mxinit: .long 0x1f80",
    // the image: FCW 0x027f, FSW and FTW of two registers, no exception pending; MXCSR 0x9f80; the header zero
    ".align 64", `img: .byte ${bytes(832, (i) => (i === 24 ? 0x80 : i === 25 ? 0x9f : i < 32 ? [0x7f, 0x02, 0x00, 0x30, 0xc0][i] ?? 0 : i >= 512 && i < 576 ? 0 : img(i)))}`,
  ];
  const bss = [`buf: .skip ${n * RECORD}`, ".align 64", "work: .skip 1024"];
  return { asm: flatProgram(body, data, bss), records: n, maskAt };
}

describe.skipIf(!haveToolchain())("xsave, xrstor and xgetbv against the real CPU", () => {
  const { asm, records, maskAt } = generate();
  const { text, ref } = nativeRecords(asm);

  it.each(EXECUTION_MODES)("the saved images and restored registers are the hardware's (MXCSR_MASK aside) (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, records * RECORD + 8192, jitThreshold, X86_64_V3);
    expect(out.length).toBe(records * RECORD);
    expect(ref.length).toBe(out.length);
    // MXCSR_MASK is the model's: this CPU may take more mode bits than the baseline
    const hw = ref.slice();
    for (const at of maskAt) {
      expect(Array.from(out.subarray(at, at + 4))).toEqual([0xff, 0xff, 0, 0]);
      hw.set(out.subarray(at, at + 4), at);
    }
    const bad: string[] = [];
    for (let r = 0; r < records; r++) {
      for (let i = 0; i < RECORD; i++) {
        if (out[r * RECORD + i] !== hw[r * RECORD + i]) { bad.push(`record ${r} byte ${i}: ${out[r * RECORD + i]} != ${hw[r * RECORD + i]}`); break; }
      }
    }
    expect(bad).toEqual([]);
  });
});

describe.skipIf(!haveToolchain())("xsave's faults and models", () => {
  const run = (src: string, model = X86_64_V3) => {
    const m = machineWith(assemble(src), undefined, undefined, model);
    m.map(0x10000000, 8192, PROT_R | PROT_W);
    return { m, stop: m.cpu.run(100) };
  };

  it("is #UD on x86-64-v2, which announces no XSAVE (cpuid leaf 1 ecx bit 26), and runs on x86-64-v3", () => {
    for (const insn of ["xsave64 (%rbx)", "xrstor (%rbx)", "xgetbv"]) {
      expect(run(`mov $0x10000000, %ebx\nxor %ecx, %ecx\n${insn}\nsyscall`, X86_64_V2).stop).toBe(STOP_UD);
      expect(run(`mov $0x10000000, %ebx\nxor %ecx, %ecx\n${insn}\nsyscall`).stop).toBe(STOP_SYSCALL);
    }
    expect(X86_64_V2.cpuid(1, 0)[2] & (1 << 26)).toBe(0);
    expect(X86_64_V3.cpuid(1, 0)[2] & (1 << 26)).not.toBe(0);
  });

  it("#GP: an area not 64-aligned, a header XRSTOR refuses, MXCSR's reserved bits, XGETBV of a register but XCR0", () => {
    const gp = (src: string): number => run(`mov $0x10000000, %ebx\nmov $7, %eax\nxor %edx, %edx\n${src}\nsyscall`).stop;
    expect(gp("xsave 16(%rbx)")).toBe(STOP_GP);
    expect(gp("xrstor64 32(%rbx)")).toBe(STOP_GP);
    // XSTATE_BV of a component XCR0 does not enable; XCOMP_BV, and the 8 bytes after it
    expect(gp("movl $8, 512(%rbx)\nxrstor (%rbx)")).toBe(STOP_GP);
    expect(gp("movl $1, 520(%rbx)\nxrstor (%rbx)")).toBe(STOP_GP);
    expect(gp("movl $1, 528(%rbx)\nxrstor (%rbx)")).toBe(STOP_GP);
    // bytes 24..63 of the header are not looked at (as on the hardware here)
    expect(gp("movl $1, 536(%rbx)\nxrstor (%rbx)")).toBe(STOP_SYSCALL);
    expect(gp("movl $0x10000, 24(%rbx)\nxrstor (%rbx)")).toBe(STOP_GP);
    // MXCSR is not loaded without SSE or AVX asked for
    expect(gp("movl $0x10000, 24(%rbx)\nmov $1, %eax\nxrstor (%rbx)")).toBe(STOP_SYSCALL);
    expect(gp("mov $1, %ecx\nxgetbv")).toBe(STOP_GP);
  });

  it("a save that faults writes nothing, a restore that faults changes nothing", () => {
    // the area's AVX part on an unmapped page: the whole save faults first
    const { m, stop } = run("mov $0x10001d00, %ebx\nmovl $0xdeadbeef, (%rbx)\nmov $7, %eax\nxor %edx, %edx\nxsave64 (%rbx)\nsyscall");
    expect(stop).toBe(STOP_PAGE_FAULT);
    expect(Array.from(m.peek(0x10001d00, 4))).toEqual([0xef, 0xbe, 0xad, 0xde]);
    // a restore whose AVX part cannot be read leaves ymm0 and MXCSR as they were
    const r = run("mov $0x10001d00, %ebx\nmovl $4, 512(%rbx)\nmovl $0x1f00, 24(%rbx)\nmov $7, %eax\nxor %edx, %edx\nxrstor64 (%rbx)\nsyscall");
    expect(r.stop).toBe(STOP_PAGE_FAULT);
    expect(r.m.cpu.state.mxcsr).toBe(0x1f80);
  });
});
