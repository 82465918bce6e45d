// Precise exceptions: a faulting instruction changes no register, flag or
// memory, reports what x86 reports, and completes once the fault is fixed.
import { beforeEach, describe, expect, it } from "vitest";
import {
  PF_INSTR, PF_PROT, PF_USER, PF_WRITE, STOP_BP, STOP_BUDGET, STOP_DE, STOP_GP, STOP_MF, STOP_PAGE_FAULT, STOP_SYSCALL, STOP_UD, STOP_XM,
} from "../../src/cpu/index.js";
import { assemble, type FlatMachine, haveToolchain, machineWith, PROT_R, PROT_W, PROT_X } from "./flat.js";

const DATA = 0x600000;
const CODE = 0x401000;

interface Snapshot { regs: number[]; rip: number; rflags: number; mem: Uint8Array }
function snapshot(m: FlatMachine): Snapshot {
  const regs: number[] = [];
  for (let r = 0; r < 16; r++) regs.push(m.cpu.state.L[r], m.cpu.state.H[r]);
  const pages = [DATA, DATA + 4096].filter((va) => m.pages.has(va / 4096));
  return { regs, rip: m.cpu.rip, rflags: m.cpu.rflags, mem: Buffer.concat(pages.map((va) => m.peek(va, 4096))) };
}

function reg64(m: FlatMachine, r: number): string {
  return ((BigInt(m.cpu.state.H[r] >>> 0) << 32n) | BigInt(m.cpu.state.L[r] >>> 0)).toString(16);
}

/** Runs to the first stop and checks that a fault left the state as it was. */
function expectFault(m: FlatMachine, stop: number, errorCode?: number, cr2?: number): void {
  const before = snapshot(m);
  // a run that faults at its first instruction must change nothing (a budget past it: a block's
  // translation runs only when the budget holds the whole block)
  expect(m.cpu.run(1000)).toBe(stop);
  expect(snapshot(m)).toEqual(before);
  if (errorCode !== undefined) expect(m.cpu.errorCode).toBe(errorCode);
  if (cr2 !== undefined) expect(m.cpu.cr2).toBe(cr2);
}

/** Blocks translated at once, or never (the two ways code runs). */
let jitThreshold = 0;

/** A machine about to run `body` as its first instruction(s), with flags set to a pattern. */
function setup(body: string, dataProt = PROT_R | PROT_W): FlatMachine {
  const m = machineWith(assemble(body), CODE, 1024);
  m.cpu.jitThreshold = jitThreshold;
  if (dataProt) {
    m.map(DATA, 4096, dataProt);
    m.poke(DATA, Uint8Array.from({ length: 4096 }, (_, i) => i & 0xff));
  }
  m.cpu.rflags = 0x8d5;
  for (let r = 0; r < 16; r++) if (r !== 4) m.cpu.setReg(r, 0x1111 * (r + 1));
  return m;
}

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("precise exceptions (%s)", (_mode, threshold) => {
  beforeEach(() => {
    jitThreshold = threshold;
  });

  it("a store to an unmapped page: #PF W|U, nothing changes, then it completes", () => {
    const m = setup("mov %rax, (%rbx)\nmov $60, %eax\nsyscall");
    m.cpu.setReg(3, 0x700010);
    expectFault(m, STOP_PAGE_FAULT, PF_WRITE | PF_USER, 0x700010);
    m.map(0x700000, 4096, PROT_R | PROT_W);
    expect(m.cpu.run(10)).toBe(STOP_SYSCALL);
    expect(m.peek(0x700010, 2)).toEqual(Uint8Array.of(0x11, 0x11));
  });

  it("a read-modify-write on a read-only page faults as a write, before the read changes flags", () => {
    const m = setup("addl $1, (%rbx)", PROT_R);
    m.cpu.setReg(3, DATA + 8);
    expectFault(m, STOP_PAGE_FAULT, PF_PROT | PF_WRITE | PF_USER, DATA + 8);
  });

  it("a page-crossing store faults on the second page and writes neither", () => {
    const m = setup("mov %rax, (%rbx)");
    m.cpu.setReg(3, DATA + 4096 - 4);
    expectFault(m, STOP_PAGE_FAULT, PF_WRITE | PF_USER, DATA + 4096);
    m.map(DATA + 4096, 4096, PROT_R);
    expectFault(m, STOP_PAGE_FAULT, PF_PROT | PF_WRITE | PF_USER, DATA + 4096);
  });

  it("a page-crossing load faults on the second page", () => {
    const m = setup("mov (%rbx), %rax");
    m.cpu.setReg(3, DATA + 4096 - 2);
    expectFault(m, STOP_PAGE_FAULT, PF_USER, DATA + 4096);
    m.map(DATA + 4096, 4096, PROT_R);
    m.poke(DATA + 4096, Uint8Array.of(0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff));
    expect(m.cpu.run(1)).toBe(STOP_BUDGET);
    expect(reg64(m, 0)).toBe("ffeeddccbbaafffe");
  });

  it("push, call and a page-crossing rmw leave rsp, rip and memory alone", () => {
    for (const body of ["push %rax", "call .+100", "pushfq"]) {
      const m = setup(body);
      m.cpu.rsp = 0x500008;
      expectFault(m, STOP_PAGE_FAULT, PF_WRITE | PF_USER, 0x500000);
    }
    const m = setup("xadd %rax, (%rbx)");
    m.cpu.setReg(3, DATA + 4096 - 3);
    m.map(DATA + 4096, 4096, PROT_R);
    expectFault(m, STOP_PAGE_FAULT, PF_PROT | PF_WRITE | PF_USER, DATA + 4096);
  });

  it("rep stosb stops at the faulting byte with rcx and rdi counting what was done, then resumes", () => {
    const m = setup("rep stosb\nmov $60, %eax\nsyscall");
    m.cpu.setReg(7, DATA + 4096 - 10);
    m.cpu.setReg(1, 20);
    m.cpu.setReg(0, 0x7a);
    expect(m.cpu.run(10)).toBe(STOP_PAGE_FAULT);
    expect(m.cpu.cr2).toBe(DATA + 4096);
    expect(m.cpu.getReg(1)).toBe(10);
    expect(m.cpu.getReg(7)).toBe(DATA + 4096);
    expect(m.cpu.rip).toBe(CODE);
    m.map(DATA + 4096, 4096, PROT_R | PROT_W);
    expect(m.cpu.run(10)).toBe(STOP_SYSCALL);
    expect(m.cpu.getReg(7)).toBe(DATA + 4096 + 10);
    expect(m.peek(DATA + 4096 - 10, 21)).toEqual(Uint8Array.from({ length: 21 }, (_, i) => (i < 20 ? 0x7a : 0)));
  });

  it("addr32 repe cmpsb faults on its source in the unmapped page with ecx/esi/edi and the flags at the last compare, then resumes", () => {
    const m = setup("addr32 repe cmpsb\nud2");
    // source: the last 6 bytes of the page, then the unmapped next page; destination: the same bytes earlier in the page
    m.poke(DATA + 100, m.peek(DATA + 4090, 6));
    m.cpu.setReg(6, 0xffff00000000 + DATA + 4090);
    m.cpu.setReg(7, DATA + 100);
    m.cpu.setReg(1, 0x700000000 + 9);
    expect(m.cpu.run(10)).toBe(STOP_PAGE_FAULT);
    expect(m.cpu.cr2).toBe(DATA + 4096);
    expect([m.cpu.getReg(1), m.cpu.getReg(6), m.cpu.getReg(7)]).toEqual([3, DATA + 4096, DATA + 106]);
    expect(m.cpu.rflags & 0x40).toBe(0x40);
    expect(m.cpu.rip).toBe(CODE);
    m.map(DATA + 4096, 4096, PROT_R);
    expect(m.cpu.run(10)).toBe(STOP_UD);
    // the next page holds zeroes; DATA+106 holds 106: the first compare there differs and ends the repeat
    expect([m.cpu.getReg(1), m.cpu.getReg(6), m.cpu.getReg(7)]).toEqual([2, DATA + 4097, DATA + 107]);
    expect(m.cpu.rflags & 0x40).toBe(0);
  });

  it("fetches: NX page, unmapped page, an instruction running into an unmapped page", () => {
    const m = setup("jmp *%rbx");
    m.cpu.setReg(3, DATA);
    expect(m.cpu.run(5)).toBe(STOP_PAGE_FAULT);
    expect(m.cpu.errorCode).toBe(PF_PROT | PF_USER | PF_INSTR);
    expect(m.cpu.cr2).toBe(DATA);
    expect(m.cpu.rip).toBe(DATA);
    m.cpu.rip = 0x900000;
    expectFault(m, STOP_PAGE_FAULT, PF_USER | PF_INSTR, 0x900000);
    // movabs $imm64, %rax split across the end of an executable page
    const x = setup("nop");
    x.map(0x800000, 4096, PROT_R | PROT_X);
    x.poke(0x800000 + 4096 - 3, Uint8Array.of(0x48, 0xb8, 0x01));
    x.cpu.rip = 0x800000 + 4096 - 3;
    expectFault(x, STOP_PAGE_FAULT, PF_USER | PF_INSTR, 0x801000);
    x.map(0x801000, 4096, PROT_R | PROT_X);
    x.poke(0x801000, Uint8Array.of(2, 3, 4, 5, 6, 7, 8, 0x0f, 0x0b));
    expect(x.cpu.run(2)).toBe(STOP_UD);
    expect(reg64(x, 0)).toBe("807060504030201");
    expect(x.cpu.rip).toBe(0x801007);
  });

  it("#GP for a non-canonical address and for hlt; #UD; #BP after int3; #DE", () => {
    const g = setup("mov (%rax), %rbx");
    g.cpu.setReg(0, 2 ** 47);
    expectFault(g, STOP_GP);
    const k = setup("mov (%rax), %rbx");
    k.cpu.setReg(0, -4096); // canonical, kernel half: a user access faults, not present
    expectFault(k, STOP_PAGE_FAULT, PF_USER);
    const j = setup("jmp *%rax");
    j.cpu.setReg(0, 2 ** 60);
    expectFault(j, STOP_GP);
    expectFault(setup("hlt"), STOP_GP);
    expectFault(setup("ud2"), STOP_UD);
    expectFault(setup(".byte 0x0f, 0xff"), STOP_UD);
    // lock with a register destination, and on an instruction that does not write (cmp): #UD
    expectFault(setup(".byte 0xf0, 0x01, 0xd8"), STOP_UD);
    const l = setup(".byte 0xf0, 0x83, 0x3a, 0x01\nnop");
    expectFault(l, STOP_UD);
    expect(Array.from(l.cpu.insnBytes(l.cpu.rip))).toEqual([0xf0, 0x83, 0x3a, 0x01]);
    // cmpxchg16b wants a 16-byte aligned operand
    const a = setup("lock cmpxchg16b (%rdx)");
    a.cpu.setReg(2, DATA + 8);
    expectFault(a, STOP_GP);
    const d = setup("div %rcx");
    d.cpu.setReg(1, 0);
    expectFault(d, STOP_DE);
    const o = setup("idiv %ecx");
    o.cpu.setReg(0, 0x80000000); o.cpu.setReg(2, 0xffffffff); o.cpu.setReg(1, -1);
    expectFault(o, STOP_DE);
    const u = setup("div %rcx");
    u.cpu.setReg(2, 5); u.cpu.setReg(1, 5);
    expectFault(u, STOP_DE);
    const b = setup("int3");
    expect(b.cpu.run(5)).toBe(STOP_BP);
    expect(b.cpu.rip).toBe(CODE + 1);
  });

  it("a store into code drops the decoded block: the new instruction runs", () => {
    // the second call sees the patched immediate: mov $2, %ebx
    const m2 = machineWith(assemble(`
      xor %edx, %edx
    1: call f
      add %ebx, %edx
      movb $2, f+1(%rip)
      cmp $3, %edx
      jb 1b
      mov $60, %edi
      syscall
    f: mov $1, %ebx
      ret
    `));
    m2.cpu.jitThreshold = jitThreshold;
    m2.protect(CODE, PROT_R | PROT_W | PROT_X);
    expect(m2.cpu.run(100)).toBe(STOP_SYSCALL);
    expect(m2.cpu.getReg(2)).toBe(3); // 1 + 2
  });

  it("flushPage drops a translation: an unmapped page faults again", () => {
    const m = setup("mov (%rbx), %rax\nmov (%rbx), %rax");
    m.cpu.setReg(3, DATA);
    expect(m.cpu.run(1)).toBe(STOP_BUDGET);
    m.unmap(DATA);
    expectFault(m, STOP_PAGE_FAULT, PF_USER, DATA);
  });

  it("the budget counts retired instructions exactly", () => {
    const m = machineWith(assemble("1: add $1, %rax\njmp 1b"));
    m.cpu.jitThreshold = jitThreshold;
    expect(m.cpu.run(1001)).toBe(STOP_BUDGET);
    expect(m.cpu.lastRetired).toBe(1001);
    expect(m.cpu.getReg(0)).toBe(501);
    expect(m.cpu.rip).toBe(CODE + 4);
  });

  it("a loop faulting in a later iteration stops there with every register and flag of that instruction", () => {
    // each iteration reads a word, adds it, decrements, compares; the walk runs off the page's end
    const loop = "1: mov (%rbx), %rdx\nadd %rdx, %rax\nadd $8, %rbx\ndec %rcx\ncmp $1000, %rcx\njne 1b\nmov $60, %eax\nsyscall";
    const m = setup(loop);
    m.cpu.setReg(3, DATA + 4096 - 8 * 37);
    m.cpu.setReg(1, 5000);
    expect(m.cpu.run(1e6)).toBe(STOP_PAGE_FAULT);
    expect(m.cpu.cr2).toBe(DATA + 4096);
    expect(m.cpu.rip).toBe(CODE);
    expect(m.cpu.lastRetired).toBe(37 * 6);
    expect(m.cpu.getReg(1)).toBe(5000 - 37);
    // rflags from the last cmp (5000 - 37 > 1000: none of CF, ZF, SF, OF; PF from the low byte 0xe3)
    expect(m.cpu.rflags & 0x8d5).toBe((((5000 - 37 - 1000) & 0xff) === 0xe3 ? 0 : 4) | 0x10);
    let sum = 0n;
    for (let i = 0; i < 37; i++) {
      const v = m.peek(DATA + 4096 - 8 * 37 + 8 * i, 8);
      sum += Buffer.from(v).readBigUInt64LE();
    }
    expect(reg64(m, 0)).toBe(((0x1111n + sum) & 0xffffffffffffffffn).toString(16));
    // mapped, the loop goes on from the faulting load, 512 words, to the next page
    m.map(DATA + 4096, 4096, PROT_R);
    expect(m.cpu.run(1e6)).toBe(STOP_PAGE_FAULT);
    expect(m.cpu.cr2).toBe(DATA + 8192);
    expect(m.cpu.lastRetired).toBe(512 * 6);
    expect(m.cpu.getReg(1)).toBe(5000 - 37 - 512);
  });

  it("a loop stopped by the budget stops at the exact instruction, its registers current", () => {
    const m = setup("1: add $3, %rax\nxor %rax, %rdx\ndec %rcx\njnz 1b\nhlt");
    m.cpu.setReg(1, 1000);
    expect(m.cpu.run(4 * 300 + 2)).toBe(STOP_BUDGET);
    expect(m.cpu.lastRetired).toBe(4 * 300 + 2);
    expect(m.cpu.rip).toBe(CODE + 4 + 3);
    expect(m.cpu.getReg(1)).toBe(700);
    expect(m.cpu.getReg(0)).toBe(0x1111 + 3 * 301);
  });
});

describe.runIf(haveToolchain())("precise exceptions, translated against compiled Ops", () => {
  it("a fault at any load of a loop leaves the registers, rflags and rip the Ops leave", () => {
    // loads after flag-setting instructions of each size and kind, and before the loop's cmp: the
    // fault comes in a later pass, at the load that first reaches the unmapped page
    const loop = `1: mov 16(%rbx,%rax,8), %rdx
      add (%rbx,%rax,8), %rcx
      xor 8(%rbx,%rax,8), %rsi
      sub 24(%rbx,%rax,8), %r8
      addl 4(%rbx,%rax,8), %r9d
      cmpb 3(%rbx,%rax,8), %r10b
      test %r11, (%rbx,%rax,8)
      subw 6(%rbx,%rax,8), %r12w
      and 12(%rbx,%rax,8), %r13
      add $4, %rax
      shr $3, %rdx
      add %rdx, %rdi
      cmp $100000, %rax
      jne 1b
      hlt`;
    for (const off of [0, 4, 8, 12, 16, 20, 24, 28, 29]) {
      const states = [0, Infinity].map((threshold) => {
        jitThreshold = threshold;
        const m = setup(loop);
        m.cpu.setReg(3, DATA + 4096 - 32 * 20 - off);
        m.cpu.setReg(0, 0);
        const stop = m.cpu.run(1e6);
        return { stop, cr2: m.cpu.cr2, retired: m.cpu.lastRetired, ...snapshot(m) };
      });
      expect(states[0].stop).toBe(STOP_PAGE_FAULT);
      expect(states[0]).toEqual(states[1]);
    }
  });
});

describe.each([["translated blocks", 0], ["compiled Ops", Infinity]])("hostile code (%s)", (_mode, threshold) => {
  it("random bytes end in a stop reason, never a host exception", () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return (seed >>> 16) & 0xff;
    };
    const seen = new Set<number>();
    for (let t = 0; t < 300; t++) {
      const code = Uint8Array.from({ length: 256 }, rnd);
      const m = machineWith(code, 0x401000, 256);
      m.cpu.jitThreshold = threshold;
      m.map(0, 4096 * 4, PROT_R | PROT_W);
      for (let r = 0; r < 16; r++) if (r !== 4) m.cpu.setReg(r, rnd() < 128 ? rnd() * 8 : rnd() * 0x1000001);
      for (let k = 0; k < 4; k++) {
        const stop = m.cpu.run(1000);
        seen.add(stop);
        expect([STOP_PAGE_FAULT, STOP_GP, STOP_UD, STOP_DE, STOP_MF, STOP_XM, STOP_BP, STOP_SYSCALL, STOP_BUDGET]).toContain(stop);
        if (stop === STOP_PAGE_FAULT || stop === STOP_GP || stop === STOP_UD || stop === STOP_DE || stop === STOP_MF || stop === STOP_XM) break;
      }
    }
    expect(seen.has(STOP_UD) && seen.has(STOP_PAGE_FAULT)).toBe(true);
  });
});
