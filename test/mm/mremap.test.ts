// mremap(2): argument checks and errno values against this machine's kernel
// (test/native/mm_ops.c), and the data of a mapping that shrinks, grows in
// place or moves: a move carries the page-table entries (the same frames,
// mapcounts and reverse map), never copies. Every step ends with the
// invariant checker, every test with a leak check.

import { describe, expect, it } from "vitest";
import { withLeakCheck } from "../helpers/machine.js";
import { nativeMmOps, E } from "../helpers/mm_kernel.js";
import { ADDR, describeOps, type OpCase } from "../helpers/mm_ops.js";
import { bootProcs, expectInvariants, Proc, mapcount, slabActive, PAGE, type Procs } from "../helpers/processes.js";
import { SIGSEGV } from "../helpers/fault_cpu.js";
import { needs, TOOLS } from "../helpers/tools.js";
import { ERRNO, formatSyscall } from "../../src/syscalls/index.js";
import { spawnSync } from "node:child_process";

const MiB = 1 << 20;
const MAYMOVE = 1, FIXED = 2;
const MADV_HUGEPAGE = 14;
const ANON_PAGES = 1, TOTAL_VM = 6, LOCKED_VM = 7, COMMITTED_AS = 28;

// [op, expected result, why]; addresses in [4 GiB, 8 GiB), free in both address spaces.
const CASES: OpCase[] = [
  ["mmap 0x100000000 0x4000 3 0x32 -1 0", 0x100000000, "a 4-page mapping"],
  ["mremap 0x100000000 0x1000 0x2000 8 0", -E.EINVAL, "an unknown flag"],
  ["mremap 0x100000000 0x1000 0x2000 2 0x100100000", -E.EINVAL, "MREMAP_FIXED without MREMAP_MAYMOVE"],
  ["mremap 0x100000800 0x1000 0x2000 1 0", -E.EINVAL, "unaligned address"],
  ["mremap 0x100000000 0x1000 0 1 0", -E.EINVAL, "new_len 0"],
  ["mremap 0x100000000 0x1000 0x1000 4 0", -E.EINVAL, "MREMAP_DONTUNMAP without MREMAP_MAYMOVE"],
  ["mremap 0x100000000 0x1000 0x2000 5 0", -E.EINVAL, "MREMAP_DONTUNMAP changing the length"],
  ["mremap 0x150000000 0x1000 0x2000 1 0", -14, "nothing mapped: EFAULT"],
  ["mremap 0x100000000 0x5000 0x6000 1 0", -14, "the old range runs past the VMA: EFAULT"],
  ["mremap 0x100000000 0 0x2000 1 0", -E.EINVAL, "old_len 0 of a private mapping"],
  ["mmap 0x100005000 0x1000 1 0x32 -1 0", 0x100005000, "a mapping one page above"],
  ["mremap 0x100000000 0x4000 0x8000 0 0", -E.ENOMEM, "no room to grow in place, no MREMAP_MAYMOVE"],
  ["mremap 0x100000000 0x4000 0x5000 0 0", 0x100000000, "grows in place into the free page"],
  ["mremap 0x100000000 0x5000 0x2000 0 0", 0x100000000, "shrinks"],
  ["mremap 0x100000000 0x2000 0x2000 0 0", 0x100000000, "same length"],
  ["mremap 0x100000000 0x1000 0x3000 0 0", -E.ENOMEM, "growing a part that does not end the VMA"],
  ["mremap 0x100000000 0x2000 0x10000 1 0", ADDR, "moves to grow"],
  ["mmap 0x100100000 0x2000 3 0x32 -1 0", 0x100100000, "another mapping"],
  ["mremap 0x100100000 0x2000 0x3000 3 0x100200800", -E.EINVAL, "MREMAP_FIXED to an unaligned address"],
  ["mremap 0x100100000 0x2000 0x3000 3 0x100101000", -E.EINVAL, "MREMAP_FIXED overlapping the old range"],
  ["mremap 0x100100000 0x2000 0x3000 3 0x7ffffffff000", -E.EINVAL, "MREMAP_FIXED beyond TASK_SIZE"],
  ["mremap 0x100100000 0x2000 0x3000 3 0x100005000", 0x100005000, "MREMAP_FIXED over a mapping replaces it"],
  ["mremap 0x100005000 0x3000 0x1000 3 0x100300000", 0x100300000, "MREMAP_FIXED shrinking"],
  ["munmap 0x100005000 0x3000", 0, "nothing left at the old place"],
  ["mmap 0x100400000 0x1000 3 0x32 -1 0", 0x100400000, "two VMAs side by side"],
  ["mmap 0x100401000 0x1000 1 0x32 -1 0", 0x100401000, "(different protections)"],
  ["mremap 0x100400000 0x2000 0x3000 1 0", -14, "growing across two VMAs: EFAULT"],
  ["mremap 0x100400000 0x2000 0x1000 0 0", 0x100400000, "shrinking across two VMAs unmaps the tail"],
  ["mmap 0x100500000 0x1000 3 0x2032 -1 0", 0x100500000, "MAP_LOCKED"],
  ["mremap 0x100500000 0x1000 0x2000 0 0", 0x100500000, "a locked mapping grows (and is populated)"],
];

describeOps("mremap argument checks and errno values", CASES);

describe.runIf(needs(TOOLS.x86_64_linux, TOOLS.gcc, TOOLS.libc_a, TOOLS.setarch, TOOLS.strace))("mremap in --trace syscalls", () => {
  /** The mremap lines strace prints for the native run of CASES, raw (numbers only) or decoded. */
  const straced = (raw: boolean) => {
    const r = spawnSync("setarch", ["-R", "strace", "-e", "trace=mremap", ...(raw ? ["-e", "raw=all"] : []), nativeMmOps()], {
      input: CASES.map(([op]) => op).join("\n") + "\n",
      encoding: "utf8",
    });
    return r.stderr.split("\n").filter((l) => l.startsWith("mremap("));
  };

  it("is what strace prints", () => {
    const raw = straced(true);
    const decoded = straced(false);
    expect(raw.length).toBe(CASES.filter(([op]) => op.startsWith("mremap")).length);
    raw.forEach((line, i) => {
      const [, args, result] = /^mremap\((.*)\)\s+= (.*)$/.exec(line)!;
      const argv = args.split(", ").map((h) => Number(BigInt(h)));
      while (argv.length < 6) argv.push(0);
      const ret = result.startsWith("-1 ") ? -ERRNO.findIndex((e) => e?.[0] === result.split(" ")[1]) : Number(BigInt(result));
      expect(formatSyscall(25, argv, ret, () => null)).toBe(decoded[i]);
    });
  });
});

/** Runs fn, then checks nothing it created outlives it: pages, tables, VMAs, reverse-map objects. */
function leakFree(p: Procs, fn: () => void): void {
  withLeakCheck(p.k, fn);
  for (const cache of ["anon_vma", "anon_vma_chain", "mm_struct", "vm_area_struct"]) expect(slabActive(p, cache), cache).toBe(0);
}

/** A process with `pages` pages at `a`, page i holding 0x40 + i. @return their frames. */
function filled(p: Procs, proc: Proc, a: number, pages: number): number[] {
  proc.run();
  expect(p.x.sys_mmap(a, pages * PAGE, 3, 0x32, 0, 0)).toBe(a);
  return Array.from({ length: pages }, (_, i) => proc.write(a + i * PAGE, 0x40 + i));
}

/** Page i at `a` still holds 0x40 + i in frame frames[i], mapped once. */
function expectSame(p: Procs, proc: Proc, a: number, frames: number[]): void {
  frames.forEach((pa, i) => {
    expect(proc.frame(a + i * PAGE), `frame of page ${i}`).toBe(pa);
    expect(proc.read(a + i * PAGE).byte).toBe(0x40 + i);
    expect(mapcount(p, pa)).toEqual({ mapcount: 1, rmap: 1 });
  });
}

const A = 0x100000000;

describe("mremap keeps the data (shrink, grow in place, move)", () => {
  it("grows in place: the pages stay where they are, the new part faults in fresh", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const proc = Proc.create(p, 10);
      const frames = filled(p, proc, A, 4);
      const vm = proc.counters()[TOTAL_VM];
      expect(p.x.sys_mremap(A, 4 * PAGE, 8 * PAGE, 0, 0)).toBe(A);
      expectInvariants(p);
      expectSame(p, proc, A, frames);
      expect(proc.counters()[TOTAL_VM]).toBe(vm + 4);
      expect(proc.read(A + 6 * PAGE).byte).toBe(0);
      proc.exit();
    });
  });

  it("moves when the next page is taken: the same frames at the new address, nothing at the old", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const proc = Proc.create(p, 10);
      const frames = filled(p, proc, A, 4);
      expect(p.x.sys_mmap(A + 4 * PAGE, PAGE, 1, 0x32, 0, 0)).toBe(A + 4 * PAGE);
      const before = proc.counters();
      expect(p.x.sys_mremap(A, 4 * PAGE, 8 * PAGE, 0, 0)).toBe(-E.ENOMEM);
      const b = p.x.sys_mremap(A, 4 * PAGE, 8 * PAGE, MAYMOVE, 0);
      expect(b > 0 && b !== A, `got ${b}`).toBe(true);
      expectInvariants(p);
      expectSame(p, proc, b, frames);
      const after = proc.counters();
      expect(after[ANON_PAGES]).toBe(before[ANON_PAGES]);  // moved, not copied
      expect(after[TOTAL_VM]).toBe(before[TOTAL_VM] + 4);
      expect(p.cpu.access(A, "r").signal >>> 16).toBe(SIGSEGV);
      proc.exit();
    });
  });

  it("shrinks: the tail's pages are freed, the head's stay", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const proc = Proc.create(p, 10);
      const frames = filled(p, proc, A, 8);
      expect(p.x.sys_mremap(A, 8 * PAGE, 2 * PAGE, 0, 0)).toBe(A);
      expectInvariants(p);
      expectSame(p, proc, A, frames.slice(0, 2));
      expect(proc.counters()[ANON_PAGES]).toBe(2);
      expect(p.cpu.access(A + 2 * PAGE, "r").signal >>> 16).toBe(SIGSEGV);
      proc.exit();
    });
  });

  it("moves part of a VMA with MREMAP_FIXED: the rest stays charged and mapped", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const proc = Proc.create(p, 10);
      const frames = filled(p, proc, A, 6);
      const committed = proc.counters()[COMMITTED_AS];
      const to = A + 64 * MiB;
      expect(p.x.sys_mremap(A + 2 * PAGE, 2 * PAGE, 3 * PAGE, MAYMOVE | FIXED, to)).toBe(to);
      expectInvariants(p);
      expectSame(p, proc, A, frames.slice(0, 2));
      frames.slice(2, 4).forEach((pa, i) => expect(proc.frame(to + i * PAGE)).toBe(pa));
      frames.slice(4).forEach((pa, i) => expect(proc.frame(A + (4 + i) * PAGE)).toBe(pa));
      expect(proc.counters()[COMMITTED_AS]).toBe(committed + 1);  // the one page it grew by
      proc.exit();
    });
  });

  it("a VM_LOCKED mapping that moves keeps locked_vm right and is populated", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const proc = Proc.create(p, 10);
      proc.run();
      expect(p.x.sys_mmap(A, 2 * PAGE, 3, 0x2032, 0, 0)).toBe(A);
      expect(p.x.sys_mmap(A + 2 * PAGE, PAGE, 1, 0x32, 0, 0)).toBe(A + 2 * PAGE);
      expect(proc.counters()[LOCKED_VM]).toBe(2);
      const b = p.x.sys_mremap(A, 2 * PAGE, 5 * PAGE, MAYMOVE, 0);
      expect(b).toBeGreaterThan(0);
      expectInvariants(p);
      expect(proc.counters()[LOCKED_VM]).toBe(5);
      expect(proc.counters()[ANON_PAGES]).toBe(5);
      proc.exit();
    });
  });

  it("after fork, a move keeps the reverse map: both sides read the shared pages, writes copy", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      const frames = filled(p, parent, A, 4);
      const child = parent.fork(11);
      parent.run();
      const to = A + 64 * MiB;
      expect(p.x.sys_mremap(A, 4 * PAGE, 4 * PAGE, MAYMOVE | FIXED, to)).toBe(to);
      expectInvariants(p);
      frames.forEach((pa, i) => {
        expect(parent.read(to + i * PAGE)).toEqual({ byte: 0x40 + i, pa });
        expect(child.read(A + i * PAGE)).toEqual({ byte: 0x40 + i, pa });
        expect(mapcount(p, pa)).toEqual({ mapcount: 2, rmap: 2 });
      });
      expect(parent.write(to, 0x99)).not.toBe(frames[0]);
      expect(child.read(A).byte).toBe(0x40);
      expectInvariants(p);
      child.exit();
      parent.exit();
    });
  });

  it("moves a huge pmd whole when both places are 2 MiB aligned, splits it otherwise", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const proc = Proc.create(p, 10);
      proc.run();
      expect(p.x.sys_mmap(A, 2 * MiB, 3, 0x32, 0, 0)).toBe(A);
      expect(p.x.sys_madvise(A, 2 * MiB, MADV_HUGEPAGE)).toBe(0);
      const head = proc.write(A, 7);
      expect(p.k.counter("thp_fault_alloc")).toBeGreaterThan(0);
      const to = A + 64 * MiB;
      const splits = p.k.counter("thp_split_pmd");
      expect(p.x.sys_mremap(A, 2 * MiB, 2 * MiB, MAYMOVE | FIXED, to)).toBe(to);
      expectInvariants(p);
      expect(p.k.counter("thp_split_pmd")).toBe(splits);
      expect(proc.read(to)).toEqual({ byte: 7, pa: head });
      const to2 = to + 128 * MiB + PAGE;
      expect(p.x.sys_mremap(to, 2 * MiB, 2 * MiB, MAYMOVE | FIXED, to2)).toBe(to2);
      expectInvariants(p);
      expect(p.k.counter("thp_split_pmd")).toBe(splits + 1);
      expect(proc.read(to2)).toEqual({ byte: 7, pa: head });
      expect(proc.frame(to2 + 300 * PAGE)).toBe(head + 300 * PAGE);
      proc.exit();
    });
  });
});
