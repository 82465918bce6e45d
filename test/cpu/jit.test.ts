// The block translator's own paths, where the other differential tests
// (which record every flag, so translate with all flags live) do not reach:
// instructions whose flags no later instruction reads, checked against the
// two's-complement arithmetic x86 defines, translated and interpreted.
import { describe, expect, it } from "vitest";
import { STOP_BUDGET, STOP_DE, STOP_PAGE_FAULT, STOP_SYSCALL } from "../../src/cpu/index.js";
import { assemble, type FlatMachine, haveToolchain, machineWith } from "./flat.js";

const M64 = (1n << 64n) - 1n;
const M32 = (1n << 32n) - 1n;
const EDGES = [0n, 1n, M64, 1n << 63n, (1n << 63n) - 1n, M32, 1n << 32n, 0x9e3779b97f4a7c15n, 0xffff0000ffffn, 0x12345678n];

/** A register's 64 bits, as an unsigned value. */
const getReg64 = (m: FlatMachine, r: number): bigint => (BigInt(m.cpu.state.H[r] >>> 0) << 32n) | BigInt(m.cpu.state.L[r] >>> 0);
/** Sets a register to an unsigned 64-bit value. */
function setReg64(m: FlatMachine, r: number, v: bigint): void {
  m.cpu.state.L[r] = Number(v & M32) | 0;
  m.cpu.state.H[r] = Number(v >> 32n) | 0;
}

/** Deterministic 64-bit values: the edges, then a xorshift sequence. */
function values(n: number): bigint[] {
  const out = [...EDGES];
  let s = 0x2545f4914f6cdd1dn;
  while (out.length < n) {
    s ^= (s << 13n) & M64; s ^= s >> 7n; s ^= (s << 17n) & M64;
    out.push(s);
  }
  return out;
}

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("flags unread (%s)", (_mode, threshold) => {
  it("imul r64, r/m64 (, imm) and imul r32 keep the low half of the product", () => {
    // each product's flags are overwritten by the next imul or the final xor: nobody reads them
    const code = assemble([
      "imul %rbx, %rax", "imul (%rsi), %rdx", "imul $-7, %rbx, %r12", "imul $0x12345, %r8, %r9", "imul %ebx, %r10d",
      "xor %r11d, %r11d", "mov $60, %eax", "syscall",
    ].join("\n"));
    const vs = values(40);
    for (let k = 0; k + 1 < vs.length; k++) {
      const a = vs[k], b = vs[k + 1];
      const m = machineWith(code, 0x401000, 1024);
      m.cpu.jitThreshold = threshold;
      m.map(0x600000, 4096, 3);
      const bytes = new Uint8Array(8);
      new DataView(bytes.buffer).setBigUint64(0, b, true);
      m.poke(0x600000, bytes);
      setReg64(m, 0, a); setReg64(m, 3, b); setReg64(m, 2, a); setReg64(m, 6, 0x600000n); setReg64(m, 8, b); setReg64(m, 10, a);
      expect(m.cpu.run(100)).toBe(STOP_SYSCALL);
      // rax's product is overwritten by the exit's mov; rdx has the same product from memory
      expect(getReg64(m, 2)).toBe((a * b) & M64);
      expect(getReg64(m, 12)).toBe((b * (M64 - 6n)) & M64);
      expect(getReg64(m, 9)).toBe((b * 0x12345n) & M64);
      expect(getReg64(m, 10)).toBe(((a & M32) * (b & M32)) & M32);
    }
  });
});

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("shifts by cl, flags unread (%s)", (_mode, threshold) => {
  it("shl, shr, sar, shld and shrd of 64- and 32-bit registers by counts from 0 past the width", () => {
    const code = assemble([
      "shl %cl, %rax", "shr %cl, %rbx", "sar %cl, %rdx", "shl %cl, %r8d", "shr %cl, %r9d", "sar %cl, %r10d",
      "shld %cl, %r11, %r12", "shrd %cl, %r11, %r13", "shld %cl, %r11d, %r14d", "shrd %cl, %r11d, %r15d",
      "xor %esi, %esi", "syscall",
    ].join("\n"));
    const sext32 = (v: bigint): bigint => (v & (1n << 31n) ? v - (1n << 32n) : v);
    const sext64 = (v: bigint): bigint => (v & (1n << 63n) ? v - (1n << 64n) : v);
    for (const v of values(12)) {
      for (const c of [0, 1, 5, 31, 32, 33, 63, 64, 100]) {
        const m = machineWith(code, 0x401000, 1024);
        m.cpu.jitThreshold = threshold;
          for (const r of [0, 3, 2, 8, 9, 10, 12, 13, 14, 15]) setReg64(m, r, v);
        const w = 0x0123456789abcdefn;
        setReg64(m, 11, w);
        setReg64(m, 1, BigInt(c));
        expect(m.cpu.run(100)).toBe(STOP_SYSCALL);
        const c64 = BigInt(c & 63), c32 = BigInt(c & 31), v32 = v & M32;
        expect(getReg64(m, 0)).toBe((v << c64) & M64);
        expect(getReg64(m, 3)).toBe(v >> c64);
        expect(getReg64(m, 2)).toBe(sext64(v) >> c64 & M64);
        expect(getReg64(m, 8)).toBe((v32 << c32) & M32);
        expect(getReg64(m, 9)).toBe(v32 >> c32);
        expect(getReg64(m, 10)).toBe(sext32(v32) >> c32 & M32);
        // the destination and source as one double-width value, shifted
        expect(getReg64(m, 12)).toBe((((v << 64n) | w) << c64 >> 64n) & M64);
        expect(getReg64(m, 13)).toBe((((w << 64n) | v) >> c64) & M64);
        expect(getReg64(m, 14)).toBe((((v32 << 32n) | (w & M32)) << c32 >> 32n) & M32);
        expect(getReg64(m, 15)).toBe((((w & M32) << 32n) | v32) >> c32 & M32);
      }
    }
  });
});

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("fs and gs (%s)", (_mode, threshold) => {
  it("add their base to an operand's address, carrying into the high half", () => {
    // fs at 0xfffffff8: fs:8 is 2^32, past the low half's end; gs at 2^32, a base with a high half
    // the first block fills the TLB (a translated access that misses leaves for the Ops): the second's run translated
    const code = assemble([
      "mov %fs:8, %rax", "addq $0, %gs:16", "jmp 1f", "1: mov %fs:8, %rax", "add %rax, %gs:16", "mov %gs:16, %rbx", "sub %fs:8, %rbx", "movzbl %fs:15, %edx", ".byte 0x64\nlea 8, %r8",
      "mov $60, %eax", "syscall",
    ].join("\n"));
    const m = machineWith(code, 0x401000, 1024);
    m.cpu.jitThreshold = threshold;
    m.map(0xfffff000, 8192, 3);
    const bytes = new Uint8Array(8);
    new DataView(bytes.buffer).setBigUint64(0, 0x8877665544332211n, true);
    m.poke(0x100000000, bytes);
    new DataView(bytes.buffer).setBigUint64(0, 0x0100000000000001n, true);
    m.poke(0x100000010, bytes);
    m.cpu.state.seg.set([0xfffffff8 | 0, 0, 0, 1]);
    expect(m.cpu.run(100)).toBe(STOP_SYSCALL);
    expect(getReg64(m, 3)).toBe(0x0100000000000001n);   // (a + b) - a
    expect(getReg64(m, 2)).toBe(0x88n);
    expect(getReg64(m, 8)).toBe(8n);                     // lea: the offset alone
  });
});

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("mul and div, flags unread (%s)", (_mode, threshold) => {
  it("mul r64 leaves the 128-bit product in rdx:rax, div r64 and idiv r32 the quotient and remainder", () => {
    const code = assemble([
      "mul %rbx", "mov %rax, %r8", "mov %rdx, %r9", "mov %r10, %rax", "xor %edx, %edx", "div %rbx",
      "mov %rax, %r12", "mov %rdx, %r13", "mov %r10d, %eax", "cltd", "idiv %ebx", "xor %r11d, %r11d", "syscall",
    ].join("\n"));
    const vs = values(24).filter((v) => (v & M32) !== 0n);
    const s32 = (v: bigint): bigint => (v & (1n << 31n) ? v - (1n << 32n) : v);
    for (let k = 0; k + 1 < vs.length; k++) {
      const a = vs[k], b = vs[k + 1];
      const m = machineWith(code, 0x401000, 1024);
      m.cpu.jitThreshold = threshold;
      setReg64(m, 0, a); setReg64(m, 3, b); setReg64(m, 10, a);
      const q32 = s32(a & M32) / s32(b & M32);
      if (q32 >= 1n << 31n) continue; // #DE: INT_MIN / -1
      expect(m.cpu.run(100)).toBe(STOP_SYSCALL);
      expect((getReg64(m, 9) << 64n) | getReg64(m, 8)).toBe(a * b);
      expect(getReg64(m, 12)).toBe(a / b);
      expect(getReg64(m, 13)).toBe(a % b);
      expect(getReg64(m, 0)).toBe(q32 & M32);
      expect(getReg64(m, 2)).toBe((s32(a & M32) - q32 * s32(b & M32)) & M32);
    }
  });

  it("a division that does not fit, or by zero, stops with #DE at it, the instructions before it done", () => {
    const code = assemble(["add $1, %r8", "idiv %ecx", "div %rbx", "add $1, %r9", "syscall"].join("\n"));
    for (const [eax, edx, ecx, rbx, at] of [[0x80000000, -1, -1, 1, 4], [7, 0, 0, 1, 4], [7, 0, 1, 0, 6]]) {
      const m = machineWith(code, 0x401000, 1024);
      m.cpu.jitThreshold = threshold;
      m.cpu.setReg(0, eax); m.cpu.setReg(2, edx); m.cpu.setReg(1, ecx); m.cpu.setReg(3, rbx);
      expect(m.cpu.run(100)).toBe(STOP_DE);
      expect(m.cpu.rip).toBe(0x401000 + at);
      expect([m.cpu.getReg(8), m.cpu.getReg(9)]).toEqual([1, 0]);
      if (at === 4) expect([m.cpu.getReg(0) >>> 0, m.cpu.getReg(2) | 0]).toEqual([eax >>> 0, edx]);
    }
  });
});

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("rdtsc (%s)", (_mode, threshold) => {
  it("reads the instructions retired before it, wherever it sits in a block and on every pass of a loop", () => {
    // a loop of 8 instructions with rdtsc second: its k-th pass reads 2 + 8k past the start
    const code = assemble([
      "mov $6, %ecx", "1: nop", "rdtsc", "shl $32, %rdx", "or %rdx, %rax", "mov %rax, (%rsi)", "add $8, %rsi", "dec %ecx", "jnz 1b",
      "mov $60, %eax", "syscall",
    ].join("\n"));
    const m = machineWith(code, 0x401000, 1024);
    m.cpu.jitThreshold = threshold;
    m.map(0x600000, 4096, 3);
    m.cpu.state.L[6] = 0x600000; m.cpu.state.H[6] = 0;
    const base = m.cpu.retired;
    expect(m.cpu.run(1000)).toBe(STOP_SYSCALL);
    const read = new DataView(m.peek(0x600000, 48).buffer);
    const got = Array.from({ length: 6 }, (_, k) => Number(read.getBigUint64(8 * k, true)) - base);
    expect(got).toEqual([2, 10, 18, 26, 34, 42]);
  });
});

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("a loop that leaves from its middle (%s)", (_mode, threshold) => {
  // the block at 1: goes on past `jz 2f` (a side exit) to the jmp back to its start: one block, one translation
  const code = assemble([
    "xor %edx, %edx", "xor %ebx, %ebx", "1: movzbl (%rsi,%rdx), %eax", "test %eax, %eax", "jz 2f", "add %eax, %ebx", "inc %edx", "jmp 1b",
    "2: mov $60, %eax", "syscall",
  ].join("\n"));
  /** A machine whose string at rsi holds bytes 1, 2, 3, ... then a 0 at index `len` (none when len is -1). */
  const machine = (len: number, at = 0x600000) => {
    const m = machineWith(code, 0x401000, 1024);
    m.cpu.jitThreshold = threshold;
    m.map(0x600000, 4096, 3);
    const s = new Uint8Array(0x601000 - at).map((_, k) => (k % 255) + 1);
    if (len >= 0) s[len] = 0;
    m.poke(at, s);
    m.cpu.state.L[6] = at; m.cpu.state.H[6] = 0;
    return m;
  };
  const sum = (len: number): number => Array.from({ length: len }, (_, k) => (k % 255) + 1).reduce((a, b) => a + b, 0);

  it("ends at its exit test on every pass, with the instructions retired counted whole", () => {
    for (const len of [0, 1, 2, 7, 300, 2000]) {
      const m = machine(len), base = m.cpu.retired;
      expect(m.cpu.run(1e6)).toBe(STOP_SYSCALL);
      expect(m.cpu.state.L[2]).toBe(len);
      expect(m.cpu.state.L[3]).toBe(sum(len));
      // 2 before the loop, 6 a pass that goes on, 3 in the pass that leaves, then mov and syscall
      expect(m.cpu.retired - base).toBe(2 + 6 * len + 3 + 2);
    }
  });

  it("stops after exactly its budget, wherever that falls, and goes on from there", () => {
    const len = 5, total = 2 + 6 * len + 3 + 2;
    for (let budget = 1; budget < total; budget++) {
      const m = machine(len), base = m.cpu.retired;
      expect(m.cpu.run(budget)).toBe(STOP_BUDGET);
      expect(m.cpu.retired - base).toBe(budget);
      expect(m.cpu.run(1e6)).toBe(STOP_SYSCALL);
      expect(m.cpu.retired - base).toBe(total);
      expect(m.cpu.state.L[3]).toBe(sum(len));
    }
  });

  it("leaves the flags its exit's target reads, though the rest of the loop overwrites them", () => {
    // add's CF is read only at 2: (inc keeps CF; the next pass's add overwrites it)
    const flags = assemble([
      "mov $-3, %edx", "xor %ebx, %ebx", "1: add %esi, %ebx", "inc %edx", "jz 2f", "jmp 1b",
      "2: setc %al", "movzbl %al, %r12d", "mov $60, %eax", "syscall",
    ].join("\n"));
    for (const [esi, carry] of [[0x60000000, 1], [0x40000000, 0]]) {
      const m = machineWith(flags, 0x401000, 1024);
      m.cpu.jitThreshold = threshold;
      m.cpu.state.L[6] = esi;
      expect(m.cpu.run(1000)).toBe(STOP_SYSCALL);
      expect(m.cpu.state.L[12]).toBe(carry);
    }
  });

  it("faults at the load that leaves the mapped page, its registers those of that pass", () => {
    const m = machine(-1, 0x601000 - 40), base = m.cpu.retired;
    expect(m.cpu.run(1e6)).toBe(STOP_PAGE_FAULT);
    expect(m.cpu.cr2).toBe(0x601000);
    expect(m.cpu.state.L[2]).toBe(40);
    expect(m.cpu.state.L[3]).toBe(sum(40));
    expect(m.cpu.retired - base).toBe(2 + 6 * 40);
  });
});

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("loads near an earlier one (%s)", (_mode, threshold) => {
  it("read and write the right page: across its edge, after the address register changes, and at a fault", () => {
    // the first load's TLB hit serves the next two, 8 bytes either side, until one crosses the page edge
    // (both pages mapped) or runs into the unmapped page; the fourth load's register has changed in between;
    // the first store's hit serves the second, which crosses a page edge on one pass
    const code = assemble([
      "1: mov 8(%rsi), %rax", "add (%rsi), %rax", "add 16(%rsi), %rax",
      "sub $4096, %rsi", "add 8(%rsi), %rax", "add $4096, %rsi",
      "mov %rsi, (%rdi)", "mov %rax, 8(%rdi)", "add $16, %rdi", "add $4, %rsi", "jmp 1b",
    ].join("\n"));
    const m = machineWith(code, 0x401000, 1024);
    m.cpu.jitThreshold = threshold;
    // pages mapped last first: a frame's neighbour in RAM is not its page's neighbour
    for (let k = 2; k >= 0; k--) m.map(0x5ff000 + 4096 * k, 4096, 3);
    for (let k = 4; k >= 0; k--) m.map(0x700000 + 4096 * k, 4096, 3);
    const mem = new Uint8Array(3 * 4096).map((_, k) => (k * 0x9e3779b1) >>> 24);
    m.poke(0x5ff000, mem);
    const q = (va: number): bigint => new DataView(mem.buffer).getBigUint64(va - 0x5ff000, true);
    const start = 0x600fc0;
    m.cpu.state.L[6] = start; m.cpu.state.L[7] = 0x700004;
    expect(m.cpu.run(100_000)).toBe(STOP_PAGE_FAULT);
    // at rsi = 0x601fec the third load (at 0x401007) runs 4 bytes into the page at 0x602000
    const last = 0x601fec, passes = (last - start) / 4;
    expect([m.cpu.state.rip[0], m.cpu.cr2, m.cpu.state.L[6], m.cpu.state.L[7]]).toEqual([0x401007, 0x602000, last, 0x700004 + 16 * passes]);
    expect((BigInt(m.cpu.state.H[0] >>> 0) << 32n) | BigInt(m.cpu.state.L[0] >>> 0)).toBe((q(last + 8) + q(last)) & M64);
    const out = new DataView(m.peek(0x700004, 16 * passes).buffer);
    for (let k = 0, a = start; k < passes; k++, a += 4) {
      expect(out.getBigUint64(16 * k, true)).toBe(BigInt(a));
      expect(out.getBigUint64(16 * k + 8, true)).toBe((q(a + 8) + q(a) + q(a + 16) + q(a + 8 - 4096)) & M64);
    }
  });
});

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("the flags at a fault in a loop (%s)", (_mode, threshold) => {
  // A fault at the load, the first instruction of a pass, leaves the flags of the pass before's closing
  // compare (whose register the first loop writes after the load, the second before it), or on the first
  // pass those from before the loop.
  const ARITH = 0x8d5; // CF PF AF ZF SF OF
  const loops = [
    ["1: mov (%rsi,%rax,8), %rdx", "add %rdx, %rbx", "add $1, %rax", "cmp %rcx, %rax", "jne 1b"],
    ["1: lea 1(%rax), %rax", "mov -8(%rsi,%rax,8), %rdx", "add %rdx, %rbx", "cmp %rcx, %rax", "jne 1b"],
  ];
  /** rflags at the fault, with the loads reaching the unmapped page after `passes` passes. */
  const flagsAtFault = (loop: string[], passes: number, rcx: bigint, rax: number): number => {
    const m = machineWith(assemble(["mov $1, %r8", "sub $2, %r8", ...loop, "mov $60, %eax", "syscall"].join("\n")), 0x401000, 1024);
    m.cpu.jitThreshold = threshold;
    m.map(0x600000, 4096, 3);
    m.cpu.state.L[6] = 0x601000 - 8 * passes;
    m.cpu.state.L[1] = Number(rcx & M32); m.cpu.state.H[1] = Number(rcx >> 32n);
    expect(m.cpu.run(1e6)).toBe(STOP_PAGE_FAULT);
    expect(m.cpu.state.L[0]).toBe(rax);
    return m.cpu.rflags & ARITH;
  };
  /** The arithmetic flags of a - b at 64 bits, as x86 defines them. */
  const subFlags = (a: bigint, b: bigint): number => {
    const r = (a - b) & M64, sa = a >> 63n, sb = b >> 63n, sr = r >> 63n;
    let parity = 1;
    for (let k = 0n; k < 8n; k++) parity ^= Number((r >> k) & 1n);
    return (a < b ? 1 : 0) | (parity << 2) | ((((a ^ b ^ r) >> 4n) & 1n) === 1n ? 0x10 : 0) | (r === 0n ? 0x40 : 0) |
      (sr === 1n ? 0x80 : 0) | (sa !== sb && sr !== sa ? 0x800 : 0);
  };
  it.each(loops.map((l, k) => [k, l]))("loop %i: those of the compare before, or from before the loop", (k, loop) => {
    for (const rcx of [1000n, 41n, 1n << 63n, M64]) {
      expect(flagsAtFault(loop as string[], 0, rcx, k)).toBe(subFlags(1n, 2n));
      for (const passes of [1, 2, 40]) expect(flagsAtFault(loop as string[], passes, rcx, passes + k)).toBe(subFlags(BigInt(passes), rcx));
    }
  });
});

describe.runIf(haveToolchain()).each([["translated blocks", 0], ["compiled Ops", Infinity]])("copies of one loop (%s)", (_mode, threshold) => {
  it("that differ only in palignr's shift and their addresses each compute their own (one translation shared)", () => {
    // the loops at 1: and 2: translate to one source but for their constants (the shift, the branch targets)
    const loop = (label: number, shift: number): string[] => [
      "mov $3, %ecx", `${label}: movdqa (%rsi), %xmm0`, "movdqa 16(%rsi), %xmm1", `palignr $${shift}, %xmm0, %xmm1`,
      "movdqa %xmm1, (%rdi)", "add $16, %rdi", "dec %ecx", `jnz ${label}b`,
    ];
    const m = machineWith(assemble([...loop(1, 1), ...loop(2, 3), ...loop(3, 1), "mov $60, %eax", "syscall"].join("\n")), 0x401000, 1024);
    m.cpu.jitThreshold = threshold;
    m.map(0x600000, 4096, 3);
    m.poke(0x600000, Uint8Array.from({ length: 32 }, (_, k) => k + 1));
    m.cpu.state.L[6] = 0x600000;
    m.cpu.state.L[7] = 0x600100;
    expect(m.cpu.run(1000)).toBe(STOP_SYSCALL);
    // each pass stores the source's bytes shift..shift+15 (xmm1:xmm0 shifted right)
    const want = [1, 1, 1, 3, 3, 3, 1, 1, 1].flatMap((shift) => Array.from({ length: 16 }, (_, k) => shift + k + 1));
    expect([...m.peek(0x600100, 16 * 9)]).toEqual(want);
  });
});
