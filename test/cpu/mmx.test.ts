// MMX against the real CPU: every MMX form of the integer instructions, the
// moves, SSE's MMX forms and conversions, and the x87/MMX transitions (tags,
// TOP, exponents, emms, fnsave/frstor and fxsave/fxrstor images). The
// generated program (mmx_gen.ts) runs natively and under the emulator, on the
// compiled Ops and on translated blocks, and every record must agree. Then
// the exceptions: a faulting operand changes nothing, and a pending x87
// exception stops an MMX instruction (#MF) where the real CPU sends SIGFPE.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PF_WRITE, STOP_BUDGET, STOP_MF, STOP_PAGE_FAULT } from "../../src/cpu/index.js";
import { assemble, buildProgram, EXECUTION_MODES, type FlatMachine, haveToolchain, machineWith, nativeRecords, PROT_R, PROT_W, runGenerated } from "./flat.js";
import { generate, RECORD } from "./mmx_gen.js";

const hex = (a: ArrayLike<number>): string => Array.from(a, (x) => (x >>> 0).toString(16).padStart(8, "0")).join(" ");
const WORDS = RECORD / 4;

describe.skipIf(!haveToolchain())("MMX against the real CPU", () => {
  const { asm, cases } = generate();
  const { text, ref } = nativeRecords(asm);

  it.each(EXECUTION_MODES)("the emulator gives the hardware's results and x87 state (%s)", (_mode, jitThreshold) => {
    const out = runGenerated(text, cases.length * RECORD + 8192, jitThreshold);
    expect(out.length).toBe(ref.length);
    const hw = new Uint32Array(ref.buffer, ref.byteOffset, ref.length / 4);
    const emu = new Uint32Array(out.buffer, out.byteOffset, out.length / 4);
    const bad: string[] = [];
    // fxsave's MXCSR_MASK (bytes 28..31) says which MXCSR bits the machine takes: this one's are the SSE unit's, not the MMX state
    for (let i = 0; i < cases.length; i++) hw[i * WORDS + 7] = emu[i * WORDS + 7] = 0;
    cases.forEach((c, i) => {
      const want = hw.subarray(i * WORDS, (i + 1) * WORDS), got = emu.subarray(i * WORDS, (i + 1) * WORDS);
      if (hex(got) === hex(want)) return;
      const at = got.findIndex((w, k) => w !== want[k]);
      bad.push(`${c.desc}\n  in   ${hex(c.input)}\n  first difference at byte ${at * 4}\n  ours ${hex(got.subarray(at & ~3, (at & ~3) + 8))}\n  hw   ${hex(want.subarray(at & ~3, (at & ~3) + 8))}`);
    });
    expect(bad.slice(0, 12)).toEqual([]);
  });
});

const DATA = 0x600000;
/** The x87 unit's state, which MMX shares. */
const x87Of = (m: FlatMachine) => {
  const f = m.cpu.state.fpu;
  return { regs: [...f.regs], sw: f.sw, tags: f.tags, cw: f.cw };
};

describe.skipIf(!haveToolchain()).each(EXECUTION_MODES)("MMX exceptions (%s)", (_mode, threshold) => {
  const setup = (body: string): FlatMachine => {
    const m = machineWith(assemble(`fninit\nfld1\nfldpi\n${body}\nmov $60, %eax\nsyscall`), 0x401000, 1024);
    m.cpu.jitThreshold = threshold;
    m.map(DATA, 4096, PROT_R | PROT_W);
    m.map(DATA + 4096, 4096, PROT_R);
    return m;
  };

  it("a faulting memory operand changes nothing, the x87 state included", () => {
    for (const [insn, at, write] of [["paddb (%rbx), %mm0", DATA + 8192 - 4, false], ["movq (%rbx), %mm1", DATA + 8192 - 2, false],
      ["punpcklbw (%rbx), %mm2", DATA + 8192, false], ["movq %mm0, (%rbx)", DATA + 4096 - 4, true], ["movd %mm0, (%rbx)", DATA + 4096, true],
      ["cvtpi2ps (%rbx), %xmm0", DATA + 8192, false], ["cvtps2pi (%rbx), %mm3", DATA + 8192 - 4, false],
      ["lea -4(%rbx), %rdi\nmaskmovq %mm1, %mm0", DATA + 4096, true]] as const) {
      const m = setup(`movq %rsp, %mm0\nmovq %rsp, %mm1\nemms\nfld1\n${insn}`);
      m.cpu.setReg(3, at);
      expect(m.cpu.run(7)).toBe(STOP_BUDGET);
      const before = { x87: x87Of(m), xmm: [...m.cpu.state.xmm], mem: m.peek(DATA, 8192) };
      expect([insn, m.cpu.run(insn.includes("maskmovq") ? 2 : 1)]).toEqual([insn, STOP_PAGE_FAULT]);
      expect(m.cpu.errorCode & PF_WRITE).toBe(write ? PF_WRITE : 0);
      expect({ x87: x87Of(m), xmm: [...m.cpu.state.xmm], mem: m.peek(DATA, 8192) }).toEqual(before);
    }
  });

  it("a pending unmasked x87 exception stops an MMX instruction and emms (#MF), as the real CPU sends SIGFPE", () => {
    // divide by zero unmasked (control word 0x37b), then 1/0 leaves it pending
    const pending = "push $0x37b\nfldcw (%rsp)\nfldz\nfld1\nfdiv %st(1), %st(0)";
    for (const insn of ["paddb %mm1, %mm0", "movq %mm0, %rax", "emms", "cvtpi2ps %mm0, %xmm0", "cvtps2pi %xmm0, %mm0"]) {
      const { elf } = buildProgram(`.text\n.globl _start\n_start:\n${pending}\n${insn}\nmov $60, %eax\nxor %edi, %edi\nsyscall\n`);
      expect([insn, spawnSync(elf).signal]).toEqual([insn, "SIGFPE"]);
      const m = setup(`${pending}\n${insn}`);
      expect([insn, m.cpu.run(100)]).toEqual([insn, STOP_MF]);
      const mmx = m.cpu.insnBytes(m.cpu.rip);
      expect(mmx).toEqual(assemble(insn).subarray(0, mmx.length));
    }
  });
});
