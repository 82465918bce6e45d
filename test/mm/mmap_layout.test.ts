// Where mappings go and how VMAs split and merge: mmap_base and the
// top-down layout against this machine's Linux under `setarch -R`; VMA
// merging, splitting and the brk heap by Linux's rules; and exit_mmap
// giving back every page, table and slab object a process held.

import { beforeEach, describe, expect, it } from "vitest";
import { openFile,
  bootKernel, counters, expectInvariants, nativeMmOps, runNative, slabs, vmas,
  E, MAP, MiB, PAGE, PROT, TASK_SIZE, VM, type Kernel,
} from "../helpers/mm_kernel.js";
import { withLeakCheck } from "../helpers/machine.js";
import { needs, TOOLS } from "../helpers/tools.js";

const ANON = MAP.PRIVATE | MAP.ANONYMOUS;
const RW = PROT.READ | PROT.WRITE;
const bounds = (k: Kernel, mm: number) => vmas(k, mm).map((v) => [v.start, v.end]);

function newMm(k: Kernel): number {
  const mm = k.exports.mm_create();
  expect(mm).not.toBe(0);
  k.exports.mm_switch(mm);
  return mm;
}

describe("mmap_base and the top-down layout, as Linux under setarch -R", () => {
  // Linux (this machine, setarch -R): mmap_base, then the vvar/vdso VMAs just below
  // it, then these mappings: 4 KiB, 2 MiB (THP-aligned), 3 MiB, 4 MiB shared, 4 KiB.
  const SEQUENCE = [
    "mmap 0 4096 3 0x22 -1 0", "mmap 0 2097152 3 0x22 -1 0", "mmap 0 3145728 3 0x22 -1 0",
    "mmap 0 4194304 3 0x21 -1 0", "mmap 0 4096 3 0x22 -1 0",
  ];
  const native = needs(TOOLS.x86_64_linux, TOOLS.gcc, TOOLS.libc_a, TOOLS.setarch);

  it.runIf(native).each([8192, 131072, 262144])("stack rlimit %i KiB", (stackKiB) => {
    const out = runNative(nativeMmOps(), ["layout", ...SEQUENCE], stackKiB);
    const vdso = out[0].split(" ").map(Number) as [number, number];
    const addrs = out.slice(1).map(Number);
    expect(addrs).toHaveLength(SEQUENCE.length);
    const k = bootKernel(64);
    const mm = newMm(k);
    k.exports.mm_set_rlimit(3, stackKiB * 1024);
    expect(counters(k, mm).mmap_base).toBe(vdso[1]);
    // Stand in for the vDSO this kernel does not map, then replay.
    expect(k.exports.sys_mmap(vdso[0], vdso[1] - vdso[0], PROT.READ, ANON | MAP.FIXED, 0, 0)).toBe(vdso[0]);
    const got = SEQUENCE.map((op) => {
      const [, , len, prot, flags] = op.split(" ").map(Number);
      return k.exports.sys_mmap(0, len, prot, flags, 0, 0);
    });
    expect(got.map((a) => a.toString(16))).toEqual(addrs.map((a) => a.toString(16)));
    expectInvariants(k);
  });
});

describe("VMA merging and splitting", () => {
  let k: Kernel, mm: number;
  const A = 0x100000000;
  beforeEach(() => { k = bootKernel(64); mm = newMm(k); });

  it("merges adjacent anonymous mappings with the same flags, on either side and both", () => {
    k.exports.sys_mmap(A, 4 * PAGE, RW, ANON | MAP.FIXED, 0, 0);
    k.exports.sys_mmap(A + 8 * PAGE, 4 * PAGE, RW, ANON | MAP.FIXED, 0, 0);
    expect(bounds(k, mm)).toEqual([[A, A + 4 * PAGE], [A + 8 * PAGE, A + 12 * PAGE]]);
    k.exports.sys_mmap(A + 4 * PAGE, 4 * PAGE, RW, ANON | MAP.FIXED, 0, 0);  // fills the hole
    expect(bounds(k, mm)).toEqual([[A, A + 12 * PAGE]]);
    k.exports.sys_mmap(A + 12 * PAGE, PAGE, PROT.READ, ANON | MAP.FIXED, 0, 0);  // other flags
    expect(bounds(k, mm)).toEqual([[A, A + 12 * PAGE], [A + 12 * PAGE, A + 13 * PAGE]]);
    expect(counters(k, mm).map_count).toBe(2);
    expectInvariants(k);
  });

  it("splits on mprotect of a middle part and merges back when the protection returns", () => {
    k.exports.sys_mmap(A, 10 * PAGE, RW, ANON | MAP.FIXED, 0, 0);
    expect(k.exports.sys_mprotect(A + 3 * PAGE, 2 * PAGE, PROT.READ)).toBe(0);
    const v = vmas(k, mm);
    expect(v.map((x) => [x.start, x.end])).toEqual([[A, A + 3 * PAGE], [A + 3 * PAGE, A + 5 * PAGE], [A + 5 * PAGE, A + 10 * PAGE]]);
    expect(v[1].flags & (VM.READ | VM.WRITE)).toBe(VM.READ);
    // Read-only anonymous memory with no page yet gives its commit back (VM_ACCOUNT goes)...
    expect(v[1].flags & VM.ACCOUNT).toBe(0);
    expect(k.exports.sys_mprotect(A + 3 * PAGE, 2 * PAGE, RW)).toBe(0);
    // ...and takes it again when writable, so the flags match and the three merge.
    expect(bounds(k, mm)).toEqual([[A, A + 10 * PAGE]]);
    expect(counters(k, mm).committed_as).toBe(10);
    expectInvariants(k);
  });

  it("mprotect stops with ENOMEM at a hole, leaving the part before it changed (as Linux)", () => {
    k.exports.sys_mmap(A, 2 * PAGE, RW, ANON | MAP.FIXED, 0, 0);
    k.exports.sys_mmap(A + 3 * PAGE, 2 * PAGE, RW, ANON | MAP.FIXED, 0, 0);
    expect(k.exports.sys_mprotect(A, 5 * PAGE, PROT.READ)).toBe(-E.ENOMEM);
    const v = vmas(k, mm);
    expect(v[0].flags & VM.WRITE).toBe(0);
    expect(v[1].flags & VM.WRITE).toBe(VM.WRITE);
    expectInvariants(k);
  });

  it("munmap of a middle part splits one VMA into two; of everything leaves none", () => {
    k.exports.sys_mmap(A, 8 * PAGE, RW, ANON | MAP.FIXED, 0, 0);
    expect(k.exports.sys_munmap(A + 2 * PAGE, 3 * PAGE)).toBe(0);
    expect(bounds(k, mm)).toEqual([[A, A + 2 * PAGE], [A + 5 * PAGE, A + 8 * PAGE]]);
    expect(vmas(k, mm)[1].pgoff).toBe((A + 5 * PAGE) / PAGE);
    expect(counters(k, mm).total_vm).toBe(5);
    expect(k.exports.sys_munmap(A, 8 * PAGE)).toBe(0);
    expect(vmas(k, mm)).toEqual([]);
    expect(counters(k, mm).total_vm).toBe(0);
    expectInvariants(k);
  });

  it("file mappings merge only when their file offsets are contiguous", () => {
    const f = openFile(k, 16 * PAGE);
    const FILE = MAP.PRIVATE | MAP.FIXED;
    k.exports.vm_mmap(A, 2 * PAGE, PROT.READ, FILE, f, 0);
    k.exports.vm_mmap(A + 2 * PAGE, 2 * PAGE, PROT.READ, FILE, f, 2);   // continues the file
    k.exports.vm_mmap(A + 4 * PAGE, 2 * PAGE, PROT.READ, FILE, f, 9);   // jumps in it
    expect(bounds(k, mm)).toEqual([[A, A + 4 * PAGE], [A + 4 * PAGE, A + 6 * PAGE]]);
    expect(vmas(k, mm).map((v) => [v.file, v.pgoff])).toEqual([[f, 0], [f, 9]]);
    k.exports.file_put(f);
    expectInvariants(k);
  });

  it("shared anonymous mappings never merge (each is its own object)", () => {
    const SHARED = MAP.SHARED | MAP.ANONYMOUS | MAP.FIXED;
    k.exports.sys_mmap(A, 2 * PAGE, RW, SHARED, 0, 0);
    k.exports.sys_mmap(A + 2 * PAGE, 2 * PAGE, RW, SHARED, 0, 0);
    const v = vmas(k, mm);
    expect(v.length).toBe(2);
    expect(v[0].flags & (VM.SHARED | VM.MAYSHARE)).toBe(VM.SHARED | VM.MAYSHARE);
    expectInvariants(k);
  });

  it("madvise(MADV_HUGEPAGE) on part of a VMA splits it and sets VM_HUGEPAGE; NOHUGEPAGE clears it", () => {
    k.exports.sys_mmap(A, 8 * PAGE, RW, ANON | MAP.FIXED, 0, 0);
    expect(k.exports.sys_madvise(A + 4 * PAGE, 4 * PAGE, 14)).toBe(0);
    const v = vmas(k, mm);
    expect(v.map((x) => [x.start, x.end])).toEqual([[A, A + 4 * PAGE], [A + 4 * PAGE, A + 8 * PAGE]]);
    expect(v[1].flags & (VM.HUGEPAGE | VM.NOHUGEPAGE)).toBe(VM.HUGEPAGE);
    expect(k.exports.sys_madvise(A + 4 * PAGE, 4 * PAGE, 15)).toBe(0);
    expect(vmas(k, mm)[1].flags & (VM.HUGEPAGE | VM.NOHUGEPAGE)).toBe(VM.NOHUGEPAGE);
    expect(k.exports.sys_madvise(A, 8 * PAGE, 0)).toBe(0);  // MADV_NORMAL leaves THP advice alone
    expect(vmas(k, mm).length).toBe(2);
    expectInvariants(k);
  });

  it("MAP_STACK mappings get VM_NOHUGEPAGE (Linux 6.7+); MAP_GROWSDOWN gets VM_GROWSDOWN", () => {
    k.exports.sys_mmap(A, 4 * PAGE, RW, ANON | MAP.FIXED | MAP.STACK, 0, 0);
    k.exports.sys_mmap(A + 8 * PAGE, 4 * PAGE, RW, ANON | MAP.FIXED | MAP.GROWSDOWN, 0, 0);
    const v = vmas(k, mm);
    expect(v[0].flags & VM.NOHUGEPAGE).toBe(VM.NOHUGEPAGE);
    expect(v[1].flags & VM.GROWSDOWN).toBe(VM.GROWSDOWN);
    expect(counters(k, mm).stack_vm).toBe(4);
    expectInvariants(k);
  });
});

describe("MAP_LOCKED and MAP_POPULATE", () => {
  it("prefault the pages; an unprivileged task's locked memory counts in locked_vm up to RLIMIT_MEMLOCK (8 MiB), then EAGAIN", () => {
    const k = bootKernel(64);
    const mm = newMm(k);
    k.exports.set_task(mm, 100, 1000, 0, 0, 0, 0);  // uid 1000: no CAP_IPC_LOCK
    const a = k.exports.sys_mmap(0, 16 * PAGE, RW, ANON | MAP.POPULATE, 0, 0);
    expect(counters(k, mm).anon).toBe(16);
    const b = k.exports.sys_mmap(0, 4 * MiB, RW, ANON | MAP.LOCKED, 0, 0);
    expect(b).toBeGreaterThan(0);
    expect(vmas(k, mm).find((v) => v.start === b)!.flags & VM.LOCKED).toBe(VM.LOCKED);
    expect(counters(k, mm)).toMatchObject({ locked_vm: 1024, anon: 16 + 1024 });
    expect(k.exports.sys_mmap(0, 4 * MiB + PAGE, RW, ANON | MAP.LOCKED, 0, 0)).toBe(-E.EAGAIN);
    expect(k.exports.sys_munmap(b, 4 * MiB)).toBe(0);
    expect(counters(k, mm)).toMatchObject({ locked_vm: 0, anon: 16 });
    expect(k.exports.sys_munmap(a, 16 * PAGE)).toBe(0);
    expectInvariants(k);
  });
});

describe("brk", () => {
  let k: Kernel, mm: number;
  const START = 0x4ad000;
  beforeEach(() => {
    k = bootKernel(64);
    mm = newMm(k);
    // exec: the bss ends where the heap starts, as for a static binary
    k.exports.sys_mmap(0x4a8000, START - 0x4a8000, RW, ANON | MAP.FIXED, 0, 0);
    k.exports.mm_set_brk(START);
  });

  it("returns the break, never an errno; brk(0) asks for it", () => {
    expect(k.exports.sys_brk(0)).toBe(START);
    expect(k.exports.sys_brk(START + 100)).toBe(START + 100);
    expect(k.exports.sys_brk(START - PAGE)).toBe(START + 100);       // below start_brk: refused
    expect(k.exports.sys_brk(TASK_SIZE + PAGE)).toBe(START + 100);   // beyond user space: refused
    expectInvariants(k);
  });

  it("grows one [heap] VMA, not merged with the bss below start_brk (as /proc/self/maps shows on Linux)", () => {
    expect(k.exports.sys_brk(START + 0x22000)).toBe(START + 0x22000);
    expect(bounds(k, mm)).toEqual([[0x4a8000, START], [START, START + 0x22000]]);
    expect(k.exports.sys_brk(START + 0x30000)).toBe(START + 0x30000);
    expect(bounds(k, mm)).toEqual([[0x4a8000, START], [START, START + 0x30000]]);
    expect(counters(k, mm).brk).toBe(START + 0x30000);
    expectInvariants(k);
  });

  it("shrinking unmaps the freed pages", () => {
    k.exports.sys_brk(START + 10 * PAGE);
    expect(k.exports.sys_brk(START + 3 * PAGE + 1)).toBe(START + 3 * PAGE + 1);
    expect(bounds(k, mm)).toEqual([[0x4a8000, START], [START, START + 4 * PAGE]]);
    expect(k.exports.sys_brk(START)).toBe(START);
    expect(bounds(k, mm)).toEqual([[0x4a8000, START]]);
    expectInvariants(k);
  });

  it("stops one page short of the next mapping, and a stack guard gap short of a stack", () => {
    k.exports.sys_mmap(START + 16 * PAGE, PAGE, PROT.READ, ANON | MAP.FIXED, 0, 0);
    expect(k.exports.sys_brk(START + 16 * PAGE)).toBe(START);
    expect(k.exports.sys_brk(START + 15 * PAGE)).toBe(START + 15 * PAGE);
    const STACK = 0x600000;
    k.exports.sys_mmap(STACK, 16 * PAGE, RW, ANON | MAP.FIXED | MAP.GROWSDOWN, 0, 0);
    k.exports.sys_munmap(START + 16 * PAGE, PAGE);
    expect(k.exports.sys_brk(STACK - 256 * PAGE)).toBe(START + 15 * PAGE);     // inside the guard gap
    expect(k.exports.sys_brk(STACK - 257 * PAGE)).toBe(STACK - 257 * PAGE);
    expectInvariants(k);
  });
});

describe("the ELF loader's calls", () => {
  it("map segments from a file, the bss, the stack at the top and the brk", () => {
    const k = bootKernel(64);
    const mm = newMm(k);
    const f = openFile(k, 3 * PAGE + 100);
    expect(k.exports.file_page(f, 0)).toBe(0);  // nothing is read before a fault needs it
    const FILE = MAP.PRIVATE | MAP.FIXED;
    expect(k.exports.vm_mmap(0x400000, PAGE, PROT.READ, FILE, f, 0)).toBe(0x400000);
    expect(k.exports.vm_mmap(0x401000, 2 * PAGE, PROT.READ | PROT.EXEC, FILE, f, 1)).toBe(0x401000);
    expect(k.exports.vm_mmap(0x403000, PAGE, RW, FILE, f, 3)).toBe(0x403000);
    expect(k.exports.vm_mmap(0x404000, 2 * PAGE, RW, ANON | MAP.FIXED, 0, 0)).toBe(0x404000);
    k.exports.file_put(f);
    k.exports.file_put(f);  // a second put is ignored: the VMAs still hold the file
    expect(k.exports.mm_set_stack(TASK_SIZE - 33 * PAGE, TASK_SIZE, RW)).toBe(0);
    expect(k.exports.mm_set_stack(TASK_SIZE - 33 * PAGE, TASK_SIZE, RW)).toBe(-E.EEXIST);
    k.exports.mm_set_brk(0x406000);
    const c = counters(k, mm);
    expect([c.exec_vm, c.stack_vm, c.data_vm, c.total_vm]).toEqual([2, 33, 3, 39]);
    const v = vmas(k, mm);
    expect(v.map((x) => x.file === f)).toEqual([true, true, true, false, false]);
    expect(v[4].flags & (VM.GROWSDOWN | VM.ACCOUNT)).toBe(VM.GROWSDOWN | VM.ACCOUNT);
    expect(k.exports.sys_brk(0x408000)).toBe(0x408000);
    expectInvariants(k);
    k.exports.mm_exit(mm);
    expect(slabs(k).every((s) => s.active === 0 && s.slabs === 0)).toBe(true);  // the file went with its last VMA
  });
});

describe("exit_mmap", () => {
  it("gives back every page, page table, VMA, file and slab page: buddyinfo as before the process", () => {
    const k = bootKernel(64);
    const before = slabs(k);
    withLeakCheck(k.machine, () => {
      const mm = newMm(k);
      const f = openFile(k, 8 * PAGE);
      for (let i = 0; i < 200; i++) k.exports.sys_mmap(0, (1 + (i % 5)) * PAGE, i % 3 ? RW : PROT.READ, ANON, 0, 0);
      for (let i = 0; i < 50; i++) k.exports.vm_mmap(0x200000000 + i * 16 * PAGE, 8 * PAGE, PROT.READ, MAP.PRIVATE | MAP.FIXED, f, 0);
      k.exports.file_put(f);
      // Prefaulted memory: anonymous pages, file pages and the tables mapping them.
      k.exports.sys_mmap(0x300000000, 300 * PAGE, RW, ANON | MAP.FIXED | MAP.POPULATE, 0, 0);
      k.exports.sys_mmap(0x3ffe00000, 4 * MiB, RW, ANON | MAP.FIXED | MAP.POPULATE, 0, 0);
      k.exports.vm_mmap(0x500000000, 8 * PAGE, PROT.READ, MAP.PRIVATE | MAP.FIXED | MAP.POPULATE, f, 0);
      const c = counters(k, mm);
      expect(c.anon).toBe(300 + 1024);
      expect(c.file).toBe(8);
      expect(c.pgtables_bytes).toBeGreaterThan(0);
      expect(counters(k, mm).map_count).toBeGreaterThan(50);
      expectInvariants(k);
      k.exports.mm_exit(mm);
      expect(k.exports.proc_mm_counters(mm)).toBe(0);  // the handle is gone
    });
    expect(slabs(k)).toEqual(before);
  });

  it("ignores handles that are not live address spaces or files", () => {
    const k = bootKernel(64);
    const mm = newMm(k);
    k.exports.mm_exit(mm + 8);
    k.exports.mm_exit(12345);
    k.exports.file_put(mm);
    expect(k.exports.file_page(mm, 0)).toBe(0);
    expect(k.exports.vm_mmap(0, PAGE, PROT.READ, MAP.PRIVATE, mm, 0)).toBe(-E.EBADF);
    expect(counters(k, mm).map_count).toBe(0);
    expectInvariants(k);
  });
});
