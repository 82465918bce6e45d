// SSE exceptions: the aligned forms #GP on a misaligned operand (the real CPU
// kills the same instruction with SIGSEGV), ldmxcsr and fxrstor #GP on
// reserved MXCSR bits, and a 16-byte access faults whole: a page-crossing
// load or store changes nothing. fxsave and fxrstor against the real CPU.
import { execFileSync, spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  PF_USER, PF_WRITE, STOP_BP, STOP_BUDGET, STOP_DE, STOP_GP, STOP_MF, STOP_PAGE_FAULT, STOP_SYSCALL, STOP_UD, STOP_XM,
} from "../../src/cpu/index.js";
import { assemble, buildProgram, type FlatMachine, haveToolchain, machineWith, PROT_R, PROT_W } from "./flat.js";

const DATA = 0x600000;

function snapshot(m: FlatMachine): unknown {
  return { xmm: Array.from(m.cpu.state.xmm), mxcsr: m.cpu.state.mxcsr, rip: m.cpu.rip, mem: m.peek(DATA, 4096) };
}

function setup(body: string, threshold: number): FlatMachine {
  const m = machineWith(assemble(body), 0x401000, 1024);
  m.cpu.jitThreshold = threshold;
  m.map(DATA, 4096, PROT_R | PROT_W);
  m.poke(DATA, Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff));
  m.cpu.state.xmm.forEach((_, i, x) => { x[i] = 0x01010101 * (i + 1); });
  return m;
}

/** The signal that kills `insn` natively, run with %rbx = a 4096-aligned buffer + `offset`. */
function nativeSignal(insn: string, offset: number): string | null {
  const { elf } = buildProgram(`.text\n.globl _start\n_start:\nlea buf+${offset}(%rip), %rbx\n${insn}\nmov $60, %eax\nxor %edi, %edi\nsyscall\n.bss\n.align 4096\nbuf: .skip 8192\n`);
  return spawnSync(elf).signal;
}

const ALIGNED = [
  "movaps (%rbx), %xmm0", "movaps %xmm0, (%rbx)", "movapd (%rbx), %xmm1", "movdqa (%rbx), %xmm2", "movdqa %xmm2, (%rbx)",
  "movntdq %xmm3, (%rbx)", "movntps %xmm3, (%rbx)", "pxor (%rbx), %xmm4", "pcmpeqb (%rbx), %xmm5", "pshufd $1, (%rbx), %xmm6",
  "punpcklbw (%rbx), %xmm7", "psubb (%rbx), %xmm8", "fxsave (%rbx)", "fxrstor (%rbx)",
  // SSE3, SSSE3, SSE4.1, SSE4.2
  "haddps (%rbx), %xmm7", "movshdup (%rbx), %xmm8", "pshufb (%rbx), %xmm9", "palignr $3, (%rbx), %xmm10", "pblendvb %xmm0, (%rbx), %xmm1",
  "ptest (%rbx), %xmm2", "pmulld (%rbx), %xmm3", "roundps $1, (%rbx), %xmm4", "dpps $0xff, (%rbx), %xmm5", "movntdqa (%rbx), %xmm6",
  "mpsadbw $1, (%rbx), %xmm12", "pcmpgtq (%rbx), %xmm11",
];
const UNALIGNED = ["movups (%rbx), %xmm0", "movdqu %xmm0, (%rbx)", "movq (%rbx), %xmm1", "movhps (%rbx), %xmm2", "movsd %xmm3, (%rbx)", "movss (%rbx), %xmm4",
  // the string compares take any address; the rest read or write less than 16 bytes
  "pcmpistri $0x0c, (%rbx), %xmm0", "pcmpestrm $0x40, (%rbx), %xmm1", "lddqu (%rbx), %xmm2", "movddup (%rbx), %xmm3", "pmovzxbw (%rbx), %xmm4",
  "pinsrq $1, (%rbx), %xmm5", "pextrd $2, %xmm6, (%rbx)", "roundsd $4, (%rbx), %xmm7", "crc32q (%rbx), %rax", "insertps $0x10, (%rbx), %xmm8"];

describe.skipIf(!haveToolchain())("SSE exceptions on the real CPU", () => {
  it("the aligned forms die of SIGSEGV on a misaligned operand, the unaligned ones do not; ldmxcsr of a reserved bit dies too", () => {
    for (const insn of ALIGNED) expect([insn, nativeSignal(insn, 8)]).toEqual([insn, "SIGSEGV"]);
    for (const insn of UNALIGNED) expect([insn, nativeSignal(insn, 8)]).toEqual([insn, null]);
    expect(nativeSignal(RESERVED_MXCSR, 0)).toBe("SIGSEGV");
  });
});

const RESERVED_MXCSR = "movl $0x11f80, (%rbx)\nldmxcsr (%rbx)";

describe.skipIf(!haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("SSE exceptions (%s)", (_mode, threshold) => {
  it("the aligned forms #GP on a misaligned operand; the unaligned forms do not", () => {
    for (const insn of ALIGNED) {
      const m = setup(insn, threshold);
      m.cpu.setReg(3, DATA + 8);
      const before = snapshot(m);
      expect([insn, m.cpu.run(1000)]).toEqual([insn, STOP_GP]);
      expect(snapshot(m)).toEqual(before);
    }
    for (const insn of UNALIGNED) {
      const m = setup(insn + "\nmov $60, %eax\nsyscall", threshold);
      m.cpu.setReg(3, DATA + 8);
      expect([insn, m.cpu.run(10)]).toEqual([insn, STOP_SYSCALL]);
    }
  });

  it("an aligned form after a load of the same page still #GPs on a misaligned operand (the TLB holds the page)", () => {
    for (const insn of ALIGNED) {
      // the load in a block of its own: the block of the aligned form then starts with the page in the TLB
      const m = setup("mov (%rbx), %rax\njmp 1f\n1:\n" + insn, threshold);
      m.cpu.setReg(3, DATA + 8);
      expect([insn, m.cpu.run(1000)]).toEqual([insn, STOP_GP]);
      expect([insn, m.cpu.rip]).toEqual([insn, 0x401005]);
    }
  });

  it("ldmxcsr with a reserved bit is #GP; MXCSR keeps its value", () => {
    const m = setup(RESERVED_MXCSR, threshold);
    m.cpu.setReg(3, DATA);
    expect(m.cpu.run(10)).toBe(STOP_GP);
    expect(m.cpu.state.mxcsr).toBe(0x1f80);
    const ok = setup("movl $0x7f80, (%rbx)\nldmxcsr (%rbx)\nstmxcsr 4(%rbx)\nmov $60, %eax\nsyscall", threshold);
    ok.cpu.setReg(3, DATA);
    expect(ok.cpu.run(10)).toBe(STOP_SYSCALL);
    expect(Array.from(ok.peek(DATA + 4, 4))).toEqual([0x80, 0x7f, 0, 0]);
  });

  it("a 16-byte load running into an unmapped page faults there and loads nothing", () => {
    const m = setup("movdqu (%rbx), %xmm0\nmov $60, %eax\nsyscall", threshold);
    m.cpu.setReg(3, DATA + 4096 - 4);
    const before = snapshot(m);
    expect(m.cpu.run(1000)).toBe(STOP_PAGE_FAULT);
    expect(m.cpu.cr2).toBe(DATA + 4096);
    expect(m.cpu.errorCode).toBe(PF_USER);
    expect(snapshot(m)).toEqual(before);
    m.map(DATA + 4096, 4096, PROT_R);
    expect(m.cpu.run(10)).toBe(STOP_SYSCALL);
    expect(m.cpu.state.xmm[0]).toBe(0xfffefdfc);
  });

  it("a 16-byte store running into a read-only page faults and writes neither page", () => {
    for (const insn of ["movdqu %xmm1, (%rbx)", "movups %xmm1, (%rbx)"]) {
      const m = setup(insn + "\nmov $60, %eax\nsyscall", threshold);
      m.map(DATA + 4096, 4096, PROT_R);
      m.cpu.setReg(3, DATA + 4096 - 8);
      const before = snapshot(m);
      expect(m.cpu.run(1000)).toBe(STOP_PAGE_FAULT);
      expect(m.cpu.cr2).toBe(DATA + 4096);
      expect(m.cpu.errorCode & PF_WRITE).toBe(PF_WRITE);
      expect(snapshot(m)).toEqual(before);
      expect(Array.from(m.peek(DATA + 4096, 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    }
  });
});

const SSE_OPCODES = [0x10, 0x11, 0x12, 0x13, 0x16, 0x17, 0x18, 0x28, 0x29, 0x2b, 0x50, 0xae, 0xc3, 0xc4, 0xc5,
  ...Array.from({ length: 0x20 }, (_, i) => 0x60 + i), ...Array.from({ length: 0x2f }, (_, i) => 0xd1 + i)];

describe.each([["translated blocks", 0], ["compiled Ops", Infinity]])("random SSE byte streams (%s)", (_mode, threshold) => {
  it("end in a stop reason, never a host exception", () => {
    let seed = 777;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return (seed >>> 16) & 0xff;
    };
    const seen = new Set<number>();
    let retired = 0;
    for (let t = 0; t < 200; t++) {
      // instructions of the 0F space with mandatory prefixes, REX, ModRM and SIB bytes at random
      const code: number[] = [];
      while (code.length < 240) {
        const opc = rnd() < 220 ? SSE_OPCODES[rnd() % SSE_OPCODES.length] : rnd();
        // the packed-integer opcodes mostly with their 66, the others with any mandatory prefix
        if (opc >= 0x60 && opc !== 0xc3 && rnd() < 220) code.push(0x66);
        else if (rnd() < 160) code.push([0x66, 0xf3, 0xf2, 0x66][rnd() & 3]);
        if (rnd() < 80) code.push(0x40 | (rnd() & 15));
        // ModRM: a register form, or a register-indirect one (registers point into mapped memory), or anything
        const modrm = rnd() < 100 ? 0xc0 | (rnd() & 0x3f) : rnd() < 200 ? (rnd() & 0x38) | [0, 1, 2, 3, 6, 7][rnd() % 6] : rnd();
        code.push(0x0f, opc, modrm, rnd());
      }
      const m = machineWith(Uint8Array.from(code), 0x401000, 256);
      m.cpu.jitThreshold = threshold;
      m.map(0, 4096 * 4, PROT_R | PROT_W);
      for (let r = 0; r < 16; r++) if (r !== 4) m.cpu.setReg(r, rnd() < 240 ? rnd() * 16 : rnd() * 0x1000001);
      for (let k = 0; k < 4; k++) {
        const stop = m.cpu.run(1000);
        retired += m.cpu.lastRetired;
        seen.add(stop);
        expect([STOP_PAGE_FAULT, STOP_GP, STOP_UD, STOP_DE, STOP_MF, STOP_XM, STOP_BP, STOP_SYSCALL, STOP_BUDGET]).toContain(stop);
        if (stop === STOP_PAGE_FAULT || stop === STOP_GP || stop === STOP_UD || stop === STOP_DE || stop === STOP_MF || stop === STOP_XM) break;
      }
    }
    expect(seen.has(STOP_UD) && seen.has(STOP_PAGE_FAULT) && seen.has(STOP_GP)).toBe(true);
    expect(retired).toBeGreaterThan(200);
  });
});

describe.skipIf(!haveToolchain())("fxsave and fxrstor against the real CPU", () => {
  // xmm0..15 and MXCSR from a table; fxsave; then fxrstor of a second image, every register stored, and fxsave again
  const img = new Uint8Array(512);
  for (let i = 0; i < 512; i++) img[i] = (i * 37 + 11) & 0xff;
  img.fill(0, 0, 32);
  img.set([0x7f, 0x02, 0x20, 0x38, 0xc3], 0); // FCW, FSW (no pending exception: FOP, FIP, FDP zero), FTW
  img.set([0x80, 0x9f, 0, 0], 24); // MXCSR: RC = toward zero, FZ, masks
  const regs = Array.from({ length: 16 }, (_, i) => `movdqu tab+${16 * i}(%rip), %xmm${i}`).join("\n");
  const stores = Array.from({ length: 16 }, (_, i) => `movdqu %xmm${i}, ${1024 + 16 * i}(%r15)`).join("\n");
  const asm = `.text\n.globl _start\n_start:\nlea buf(%rip), %r15\n${regs}\nmovl $0x3f80, 2048(%r15)\nldmxcsr 2048(%r15)\n` +
    `movl $0xa5a5a5a5, %eax\nmov $128, %ecx\nmov %r15, %rdi\nrep stosl\nfxsave (%r15)\n` +
    `fxrstor img(%rip)\n${stores}\nstmxcsr 1280(%r15)\nfxsave 1536(%r15)\n` +
    `mov $1, %eax\nmov $1, %edi\nmov %r15, %rsi\nmov $1952, %edx\nsyscall\nmov $60, %eax\nxor %edi, %edi\nsyscall\n` +
    `.align 16\ntab: .byte ${Array.from({ length: 256 }, (_, i) => (i * 151 + 3) & 0xff).join(", ")}\n` +
    `.align 16\nimg: .byte ${Array.from(img).join(", ")}\n.bss\n.align 4096\nbuf: .skip 8192\n`;

  it("the saved image and the restored registers are the hardware's (MXCSR_MASK aside)", () => {
    const { elf, text } = buildProgram(asm);
    const ref = new Uint8Array(execFileSync(elf));
    const m = machineWith(text);
    m.map(0x10000000, 8192, PROT_R | PROT_W);
    const r = m.runProgram(1e6);
    expect(r.exit).toBe(0);
    expect(r.out.length).toBe(ref.length);
    // MXCSR_MASK (bytes 28..31) is the model's: this CPU may have more mode bits than the baseline
    for (const at of [28, 1536 + 28]) {
      expect(Array.from(r.out.subarray(at, at + 4))).toEqual([0xff, 0xff, 0, 0]);
      ref.set(r.out.subarray(at, at + 4), at);
    }
    expect(Array.from(r.out)).toEqual(Array.from(ref));
  });
});
