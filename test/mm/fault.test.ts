// The page-fault path, branch by branch (seed items 1-7), driven the way the
// CPU drives it: TLB -> mmu_walk -> #PF -> handle_page_fault -> retry.
// Every test ends with the invariant checker (allocator and page tables)
// and a leak check: after mm_exit, buddyinfo is what it was before.

import { describe, expect, it } from "vitest";
import { withLeakCheck } from "../helpers/machine.js";
import { PF, TLB_W, TLB_X, sig, SIGBUS, SIGKILL, SIGSEGV, SEGV_MAPERR, SEGV_ACCERR, BUS_ADRERR,
  SI_KERNEL, commWords, bootFaultEnv, type FaultEnv } from "../helpers/fault_cpu.js";
import { PROT, MAP, MADV, MiB } from "../helpers/mm_kernel.js";
import { hostThpMode, hostZeroPage } from "../../src/cli/run.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TraceRing, type TraceKernel } from "../../src/trace/ring.js";
import { bytesFile } from "../../src/fs/pagecache.js";

const PAGE = 4096;
const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;

type Env = FaultEnv;
const boot = bootFaultEnv;

/** Runs fn in a fresh address space, checks the invariants while it is live, then exits it and checks for leaks. */
function inProcess(e: Env, fn: (mm: number) => void): void {
  withLeakCheck(e.k, () => {
    const mm = e.x.mm_create();
    expect(mm).not.toBe(0);
    e.x.mm_switch(mm);
    e.x.set_task(mm, 100, 1000, ...commWords("faulty"));
    fn(mm);
    expect(e.k.checkInvariants(), e.k.dmesg()).toBe(0);
    e.x.mm_exit(mm);
  });
}

function mmap(e: Env, len: number, prot = RW, flags = ANON, addr = 0): number {
  const a = e.x.sys_mmap(addr, len, prot, flags, 0, 0);
  expect(a, `mmap: ${-a}`).toBeGreaterThan(0);
  return a;
}

/** The raw entries the walk reads for va, and where they live. */
function entries(e: Env, va: number): { value: bigint; at: number }[] {
  e.x.mmu_walk_inspect(va, 0);
  const box = e.x.walk_mailbox_ptr();
  const n = e.view.getUint32(box, true);
  return Array.from({ length: n }, (_, i) => ({
    value: e.view.getBigUint64(box + 8 + 16 * i, true),
    at: e.view.getUint32(box + 16 + 16 * i, true),
  }));
}

const pte = (e: Env, va: number) => entries(e, va).at(-1)!;
const A = 1n << 5n, D = 1n << 6n, RW_BIT = 1n << 1n;
describe("first touch of anonymous memory (do_anonymous_page)", () => {
  it("a first write maps a new zeroed page, counted in pgfault and MM_ANONPAGES", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, 16 * PAGE);
      const faults = e.k.counter("pgfault");
      const freeBefore = e.k.counter("nr_free_pages");
      const r = e.cpu.access(a + 5, "w");
      expect(r.signal).toBe(0);
      expect(r.faults).toEqual([PF.U | PF.W]);        // not present, write, user
      expect(e.k.counter("pgfault")).toBe(faults + 1);
      const pa = r.pa - 5;
      expect(pa % PAGE).toBe(0);
      expect(pa / PAGE).not.toBe(e.k.zeroPfn);
      expect(new Uint8Array(e.k.memory.buffer, pa, PAGE).every((b) => b === 0)).toBe(true);
      // One data page and its pud, pmd and pte tables left the free lists.
      expect(freeBefore - e.k.counter("nr_free_pages")).toBeGreaterThanOrEqual(1);
      expect(e.k.nodeStat().get("nr_anon_pages")).toBe(1);
      // The second write hits the TLB: no fault.
      expect(e.cpu.access(a + 6, "w").faults).toEqual([]);
    });
  });

  it("runs the seed's functions in the seed's order, each entered and left", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, PAGE);
      const ring = new TraceRing(e.x as TraceKernel, e.k.memory);
      ring.drain();
      e.x.trace_set(1);
      e.cpu.access(a, "w");
      e.x.trace_set(0);
      const events = ring.drain();
      const calls = events.filter((ev) => !ev.exit).map((ev) => ring.names[ev.fn]);
      const order = ["do_user_addr_fault", "find_vma", "access_error", "handle_mm_fault", "__handle_mm_fault",
        "pud_alloc", "pmd_alloc", "handle_pte_fault", "do_anonymous_page", "pte_alloc",
        "alloc_zeroed_user_highpage_movable", "alloc_pages_vma", "__alloc_pages", "clear_page", "set_pte_at"];
      // The seed's path is a subsequence of the calls (page-table allocations add __alloc_pages calls).
      let at = 0;
      for (const name of calls) if (name === order[at]) at++;
      expect(order.slice(at), calls.join(" ")).toEqual([]);
      // Balanced: every call returns, innermost first.
      const stack: number[] = [];
      for (const ev of events) {
        if (!ev.exit) stack.push(ev.fn);
        else expect(stack.pop()).toBe(ev.fn);
      }
      expect(stack).toEqual([]);
      const exit = events.findLast((ev) => ev.exit && ring.names[ev.fn] === "do_user_addr_fault")!;
      expect(exit.arg).toBe(0);
    });
  });

  it("a first read maps the shared zero page; a write then copies it (do_wp_page)", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, 4 * PAGE);
      const r = e.cpu.access(a, "r");
      expect(r.faults).toEqual([PF.U]);
      expect(r.pa / PAGE).toBe(e.k.zeroPfn);
      expect(pte(e, a).value & RW_BIT).toBe(0n);
      expect(e.k.nodeStat().get("nr_anon_pages")).toBe(0);
      const w = e.cpu.access(a, "w");
      expect(w.faults).toEqual([PF.P | PF.W | PF.U]);  // present, write, user: a protection fault
      expect(w.pa / PAGE).not.toBe(e.k.zeroPfn);
      expect(e.cpu.flushed).toContain(a);               // the read-only translation was dropped
      expect(e.k.nodeStat().get("nr_anon_pages")).toBe(1);
      expect(new Uint8Array(e.k.memory.buffer, w.pa, PAGE).every((b) => b === 0)).toBe(true);
    });
  });

  it("a first read gets a zeroed page of its own, writable and dirty, when the kernel forbids the zero page (zeroPage: false)", () => {
    const e = boot("64M", "debug", { zeroPage: false });
    inProcess(e, () => {
      const a = mmap(e, 4 * PAGE);
      const r = e.cpu.access(a, "r");
      expect(r.faults).toEqual([PF.U]);
      expect(r.pa / PAGE).not.toBe(e.k.zeroPfn);
      expect(pte(e, a).value & RW_BIT).not.toBe(0n);
      expect(e.k.nodeStat().get("nr_anon_pages")).toBe(1);
      expect(new Uint8Array(e.k.memory.buffer, r.pa, PAGE).every((b) => b === 0)).toBe(true);
      // The write that follows needs no fault: do_anonymous_page mapped the page as a write would.
      const w = e.cpu.access(a, "w");
      expect(w.faults).toEqual([]);
      expect(w.pa).toBe(r.pa);
    });
  });

  it("the command line's default is the host kernel's: no zero page when it was booted with pvm_no_zero_page=1", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-zero-page-"));
    const cmdline = (name: string, text: string) => (writeFileSync(join(dir, name), text), join(dir, name));
    expect(hostZeroPage(cmdline("plain", "console=ttyS0 quiet\n"))).toBe(true);
    expect(hostZeroPage(cmdline("off", "quiet pvm_no_zero_page=1 tsc=reliable\n"))).toBe(false);
    expect(hostZeroPage(cmdline("last", "quiet pvm_no_zero_page=1\n"))).toBe(false);
    expect(hostZeroPage(cmdline("zero", "pvm_no_zero_page=0\n"))).toBe(true);
    expect(hostZeroPage(join(dir, "missing"))).toBe(true);
  });

  it("MAP_SHARED anonymous memory gets SIGBUS, as the seed's do_anonymous_page gives it", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, PAGE, RW, MAP.SHARED | MAP.ANONYMOUS);
      expect(e.cpu.access(a, "w").signal).toBe(sig(SIGBUS, BUS_ADRERR));
      expect(e.cpu.access(a, "r").signal).toBe(sig(SIGBUS, BUS_ADRERR));
    });
  });
});

describe("file-backed pages (do_fault)", () => {
  it("maps page-cache pages: a read maps its cached neighbours, private writes copy, a read-only file refuses shared writes", () => {
    const e = boot();
    inProcess(e, () => {
      const bytes = new Uint8Array(3 * PAGE);
      for (let i = 0; i < 3; i++) bytes[i * PAGE] = 0x41 + i;
      const f = e.k.pageCache.open(bytesFile(bytes))!;
      const file = f.handle;
      const majBefore = e.k.counter("pgmajfault");
      const priv = e.x.vm_mmap(0, 4 * PAGE, RW, MAP.PRIVATE, file, 0);
      expect(priv).toBeGreaterThan(0);
      // do_read_fault: a miss (a major fault) reads around it, here the whole
      // file, and maps the page read-only. Fault-around ran before the read,
      // on an empty cache, so it is the only page mapped...
      const r = e.cpu.access(priv, "r");
      expect(r).toMatchObject({ signal: 0, faults: [PF.U], pa: e.x.file_page(file, 0) });
      expect(e.k.counter("pgmajfault") - majBefore).toBe(1);
      expect(e.k.nodeStat().get("nr_file_pages")).toBe(3);
      expect(e.k.nodeStat().get("nr_mapped")).toBe(1);
      // ...until the next fault, a minor one, maps the rest from the cache.
      expect(e.cpu.access(priv + 2 * PAGE, "r")).toMatchObject({ faults: [PF.U], pa: e.x.file_page(file, 2) });
      expect(e.k.nodeStat().get("nr_mapped")).toBe(3);
      expect(e.cpu.access(priv + PAGE, "r")).toMatchObject({ faults: [], pa: e.x.file_page(file, 1) });
      // A write then copies it (do_wp_page on a file page).
      const w = e.cpu.access(priv, "w");
      expect(w.faults).toEqual([PF.P | PF.W | PF.U]);
      expect(w.pa).not.toBe(e.x.file_page(file, 0));
      expect(e.view.getUint8(w.pa)).toBe(0x41);
      e.view.setUint8(w.pa, 0x61);
      expect(e.view.getUint8(e.x.file_page(file, 0))).toBe(0x41);
      expect(e.k.nodeStat().get("nr_mapped")).toBe(2);
      // Past the end of the file: SIGBUS, for a write too (do_cow_fault gives back
      // the copy it allocated first, or the leak check finds it).
      expect(e.cpu.access(priv + 3 * PAGE, "r").signal).toBe(sig(SIGBUS, BUS_ADRERR));
      expect(e.cpu.access(priv + 3 * PAGE, "w").signal).toBe(sig(SIGBUS, BUS_ADRERR));
      // do_cow_fault: a first write where no pte maps the page copies at once.
      const priv2 = e.x.vm_mmap(0, PAGE, RW, MAP.PRIVATE, file, 1);
      const c = e.cpu.access(priv2, "w");
      expect(c.faults).toEqual([PF.U | PF.W]);
      expect(e.view.getUint8(c.pa)).toBe(0x42);
      expect(e.k.nodeStat().get("nr_anon_pages")).toBe(2);
      expect(e.k.counter("pgmajfault") - majBefore).toBe(1);
      // A shared mapping of a file open read-only: the page-cache page; a write is refused.
      const shared = e.x.vm_mmap(0, PAGE, PROT.READ, MAP.SHARED, file, 2);
      expect(e.cpu.access(shared, "r")).toMatchObject({ faults: [PF.U], pa: e.x.file_page(file, 2) });
      expect(e.cpu.access(shared, "w").signal).toBe(sig(SIGSEGV, SEGV_ACCERR));
      expect(e.k.nodeStat().get("nr_mapped")).toBe(2);  // pages 1 and 2: page 2 twice, counted once
      e.k.pageCache.close(f);
    });
  });
});

describe("bad accesses (bad_area, access_error)", () => {
  it("a write to PROT_READ memory is SEGV_ACCERR", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, PAGE, PROT.READ);
      expect(e.cpu.access(a, "r").signal).toBe(0);
      const w = e.cpu.access(a, "w");
      expect(w.signal).toBe(sig(SIGSEGV, SEGV_ACCERR));
      expect(w.faults).toEqual([PF.P | PF.W | PF.U]);
      // A protection-key fault (the CPU has PKRU off, but the decode is Linux's).
      expect(e.x.handle_page_fault(a, PF.P | PF.U | PF.PK)).toBe(sig(SIGSEGV, 4 /* SEGV_PKUERR */));
    });
  });

  it("an address outside every VMA is SEGV_MAPERR", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, PAGE);
      expect(e.cpu.access(a + PAGE, "r").signal).toBe(sig(SIGSEGV, SEGV_MAPERR));
      expect(e.cpu.access(0x1000, "w").signal).toBe(sig(SIGSEGV, SEGV_MAPERR));
    });
  });

  it("an instruction fetch from a non-executable page is SEGV_ACCERR, after the read fault maps it", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, PAGE, RW);
      const r = e.cpu.access(a, "x");
      expect(r.faults).toEqual([PF.U | PF.I, PF.P | PF.U | PF.I]);
      expect(r.signal).toBe(sig(SIGSEGV, SEGV_ACCERR));
      const x = mmap(e, PAGE, PROT.READ | PROT.EXEC);
      const ok = e.cpu.access(x, "x");
      expect(ok.signal).toBe(0);
      expect(e.cpu.tlb.get(x / PAGE)! & TLB_X).toBe(TLB_X);
    });
  });

  it("reserved bits in a pte: pgtable_bad reports the corrupt table and the task is killed", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, PAGE);
      e.cpu.access(a, "w");
      const leaf = pte(e, a);
      e.view.setBigUint64(leaf.at, leaf.value | (1n << 51n), true);
      e.cpu.tlb.clear();
      const ring = new TraceRing(e.x as TraceKernel, e.k.memory);
      ring.drain();
      e.x.trace_set(1);
      const r = e.cpu.access(a, "r");
      e.x.trace_set(0);
      expect(r.faults).toEqual([PF.P | PF.U | PF.RSVD]);
      expect(r.signal).toBe(sig(SIGKILL, SI_KERNEL));
      // function_graph: do_user_addr_fault calls pgtable_bad (the X86_PF_RSVD check), and no VMA lookup.
      const graph = ring.drain().map((ev) => `${ev.exit ? "<" : ">"}${ring.names[ev.fn]}`)
        .filter((x) => /^.(do_user_addr_fault|pgtable_bad|find_vma)$/.test(x));
      expect(graph).toEqual([">do_user_addr_fault", ">pgtable_bad", "<pgtable_bad", "<do_user_addr_fault"]);
      const log = e.k.dmesg();
      expect(log).toContain(`faulty: Corrupted page table at address ${a.toString(16)}\n`);
      expect(log).toContain("#PF: error_code(0x000d) - reserved bit violation");
      expect(log).toMatch(/PGD [0-9a-f]+ P4D [0-9a-f]+ PUD [0-9a-f]+ PMD [0-9a-f]+ PTE 8[0-9a-f]{15}\n/);
      expect(log).toContain("Bad pagetable: 000d [#1]");
      e.view.setBigUint64(leaf.at, leaf.value, true);  // so exit frees the page as it is
    });
  });

  it("a kernel-mode instruction fetch from user memory is an oops, not a fault to fix", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, PAGE, PROT.READ | PROT.EXEC);
      const r = e.cpu.access(a, "x", false);
      expect(r.signal).toBe(sig(SIGKILL, SI_KERNEL));
      expect(e.k.dmesg()).toContain("#PF: supervisor instruction fetch in kernel mode");
      expect(e.k.dmesg()).toContain("Oops: 0010 [#1]");
    });
  });

  it("a kernel-mode access that cannot be fixed returns SIGSEGV for the syscall layer's -EFAULT", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, PAGE, PROT.READ);
      expect(e.cpu.access(a + PAGE, "r", false).signal).toBe(sig(SIGSEGV, SEGV_MAPERR));
      expect(e.cpu.access(a, "w", false).signal).toBe(sig(SIGSEGV, SEGV_ACCERR));
      // A kernel read of a page never touched: error code 0, the walk answers 0 (never -0).
      const c = mmap(e, PAGE);
      expect(Object.is(e.x.mmu_walk(c, 0), 0)).toBe(true);
      expect(e.cpu.access(c, "r", false)).toMatchObject({ signal: 0, faults: [0] });
      // A kernel write to a read-only private page of a writable mapping is a COW, fixed.
      const b = mmap(e, PAGE);
      expect(e.cpu.access(b, "r").signal).toBe(0);
      expect(e.cpu.access(b, "w", false)).toMatchObject({ signal: 0, faults: [PF.P | PF.W] });
    });
  });
});

describe("the stack (expand_stack)", () => {
  it("grows down to a fault below the stack VMA, and not past RLIMIT_STACK", () => {
    const e = boot();
    inProcess(e, () => {
      e.x.mm_set_rlimit(3, 64 * PAGE);
      const top = 0x7ffff0000000;
      expect(e.x.mm_set_stack(top - 4 * PAGE, top, PROT.READ | PROT.WRITE)).toBe(0);
      expect(e.cpu.access(top - 8, "w").signal).toBe(0);
      expect(e.cpu.access(top - 10 * PAGE, "w").signal).toBe(0);        // grows
      expect(e.cpu.access(top - 10 * PAGE - 8, "r").signal).toBe(0);
      expect(e.cpu.access(top - 65 * PAGE, "w").signal).toBe(sig(SIGSEGV, SEGV_MAPERR));  // past the rlimit
    });
  });
});

describe("munmap and mprotect", () => {
  it("an access after munmap is SEGV_MAPERR: the pages, tables and translations went", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, 8 * PAGE);
      for (let i = 0; i < 8; i++) expect(e.cpu.access(a + i * PAGE, "w").signal).toBe(0);
      const flushed = e.cpu.flushed.length;
      expect(e.x.sys_munmap(a, 8 * PAGE)).toBe(0);
      expect(e.cpu.flushed.slice(flushed)).toEqual(Array.from({ length: 8 }, (_, i) => a + i * PAGE));
      expect(e.cpu.access(a + 3 * PAGE, "r").signal).toBe(sig(SIGSEGV, SEGV_MAPERR));
      expect(e.k.nodeStat().get("nr_anon_pages")).toBe(0);
      expect(e.k.nodeStat().get("nr_page_table_pages")).toBe(1);  // the pgd stays
    });
  });

  it("mprotect read-only then read-write: SEGV_ACCERR, then the same page written in place", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, 2 * PAGE);
      const first = e.cpu.access(a, "w");
      e.view.setUint8(first.pa, 42);
      expect(e.x.sys_mprotect(a, 2 * PAGE, PROT.READ)).toBe(0);
      expect(e.cpu.flushed).toContain(a);
      expect(e.cpu.access(a, "w").signal).toBe(sig(SIGSEGV, SEGV_ACCERR));
      expect(e.view.getUint8(e.cpu.access(a, "r").pa)).toBe(42);
      expect(e.x.sys_mprotect(a, 2 * PAGE, RW)).toBe(0);
      const again = e.cpu.access(a, "w");
      expect(again).toMatchObject({ signal: 0, faults: [], pa: first.pa });  // made writable at once
      expect(e.x.sys_mprotect(a, PAGE, PROT.NONE)).toBe(0);
      expect(e.cpu.access(a, "r").signal).toBe(sig(SIGSEGV, SEGV_ACCERR));
      expect(e.x.sys_mprotect(a, PAGE, PROT.READ)).toBe(0);
      expect(e.view.getUint8(e.cpu.access(a, "r").pa)).toBe(42);
    });
  });
});

describe("the MMU walk", () => {
  it("sets Accessed on a translation and Dirty on a write, as hardware does, and only then", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, PAGE, RW, MAP.SHARED | MAP.ANONYMOUS);
      const b = mmap(e, PAGE);
      e.cpu.access(b, "w");
      const leaf = pte(e, b);
      // Age the entry as reclaim would: clear A and D.
      e.view.setBigUint64(leaf.at, leaf.value & ~(A | D), true);
      expect(e.x.mmu_walk_inspect(b, PF.U | PF.W)).toBeGreaterThanOrEqual(4096);  // inspection changes nothing
      expect(pte(e, b).value & (A | D)).toBe(0n);
      const read = e.x.mmu_walk(b, PF.U);
      expect(read & TLB_W).toBe(0);                      // clean: the first write must walk again
      expect(pte(e, b).value & (A | D)).toBe(A);
      const write = e.x.mmu_walk(b, PF.U | PF.W);
      expect(write & TLB_W).toBe(TLB_W);
      expect(pte(e, b).value & (A | D)).toBe(A | D);
      for (const level of entries(e, b)) expect(level.value & A).toBe(A);
      // A faulting walk changes nothing.
      e.view.setBigUint64(leaf.at, pte(e, b).value & ~(A | D | RW_BIT), true);
      expect(e.x.mmu_walk(b, PF.U | PF.W)).toBe(PF.P | PF.W | PF.U);
      expect(pte(e, b).value & (A | D)).toBe(0n);
      expect(e.x.mmu_walk(a, PF.U)).toBe(PF.U);
    });
  });

  it("flushes the host TLB on every pte change or removal, never on none -> present", () => {
    const e = boot();
    inProcess(e, () => {
      const a = mmap(e, 4 * PAGE);
      e.cpu.access(a, "w");
      e.cpu.access(a + PAGE, "r");
      expect(e.cpu.flushed).toEqual([]);
      e.cpu.access(a + PAGE, "w");                     // COW of the zero page
      expect(e.cpu.flushed).toEqual([a + PAGE]);
      e.x.sys_madvise(a, 2 * PAGE, MADV.DONTNEED);
      expect(e.cpu.flushed).toEqual([a + PAGE, a, a + PAGE]);
      expect(e.cpu.access(a, "r").pa / PAGE).toBe(e.k.zeroPfn);
    });
  });
});

describe("transparent huge pages", () => {
  it("maps a 2 MiB-aligned madvised range with one huge pmd, and splits it on a partial munmap", () => {
    const e = boot("64M");
    inProcess(e, () => {
      const raw = mmap(e, 4 * MiB);
      const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
      expect(e.x.sys_madvise(a, 2 * MiB, MADV.HUGEPAGE)).toBe(0);
      const r = e.cpu.access(a + 5 * PAGE, "w");
      expect(r.faults).toEqual([PF.U | PF.W]);
      expect(e.k.counter("thp_fault_alloc")).toBe(1);
      expect(entries(e, a).length).toBe(3);             // the walk ends at the pmd
      const base = e.cpu.access(a, "w");
      expect(base.faults).toEqual([]);                  // same huge page, no fault
      expect((r.pa - 5 * PAGE) - base.pa).toBe(0);
      expect(base.pa % (2 * MiB)).toBe(0);
      expect(e.k.nodeStat().get("nr_anon_transparent_hugepages")).toBe(512);
      expect(e.k.checkInvariants(), e.k.dmesg()).toBe(0);
      // A 4 KiB hole splits it: 511 pages stay mapped where they were.
      expect(e.x.sys_munmap(a + PAGE, PAGE)).toBe(0);
      expect(e.k.counter("thp_split_pmd")).toBe(1);
      expect(entries(e, a).length).toBe(4);
      expect(e.cpu.access(a + 2 * PAGE, "r")).toMatchObject({ signal: 0, faults: [], pa: base.pa + 2 * PAGE });
      expect(e.cpu.access(a + PAGE, "r").signal).toBe(sig(SIGSEGV, SEGV_MAPERR));
      expect(e.k.nodeStat().get("nr_anon_pages")).toBe(511);
    });
  });

  it("takes its default mode from this machine's sysfs file, else madvise", () => {
    const dir = mkdtempSync(join(tmpdir(), "faultline-thp-"));
    for (const mode of ["always", "madvise", "never"]) {
      const file = join(dir, mode);
      writeFileSync(file, ["always", "madvise", "never"].map((m) => (m === mode ? `[${m}]` : m)).join(" ") + "\n");
      expect(hostThpMode(file)).toBe(mode);
    }
    expect(hostThpMode(join(dir, "missing"))).toBe("madvise");
  });

  it("falls back to 4 KiB pages outside madvised ranges, and with THP never", () => {
    const e = boot("64M");
    inProcess(e, () => {
      const raw = mmap(e, 4 * MiB);
      const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
      e.cpu.access(a, "w");
      expect(entries(e, a).length).toBe(4);
      expect(e.x.thp_set_enabled(0)).toBe(0);
      e.x.sys_madvise(a, 2 * MiB, MADV.HUGEPAGE);
      e.cpu.access(a + 64 * PAGE, "w");
      expect(e.k.counter("thp_fault_alloc")).toBe(0);
      expect(e.x.thp_set_enabled(3)).toBe(-22);
    });
  });
});

describe("the OOM killer", () => {
  it("kills the task that ran a small machine out of memory; the kernel and the next task go on", () => {
    const e = boot("16M");
    e.x.thp_set_enabled(0);
    withLeakCheck(e.k, () => {
      const mm = e.x.mm_create();
      e.x.mm_switch(mm);
      e.x.set_task(mm, 42, 1000, ...commWords("memory-hog-with-a-long-name"));
      const a = mmap(e, 64 * MiB, RW, ANON | MAP.NORESERVE);  // past the overcommit heuristic
      let r = { signal: 0 } as { signal: number };
      let touched = 0;
      while (r.signal === 0) r = e.cpu.access(a + (touched++) * PAGE, "w");
      expect(r.signal).toBe(sig(SIGKILL, SI_KERNEL));
      expect(touched).toBeGreaterThan(1000);
      expect(e.k.counter("oom_kill")).toBe(1);
      expect(e.k.dmesg()).toContain("\nmemory-hog-with invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0\n");
      const killed = e.k.dmesg().match(/\nOut of memory: Killed process 42 \(memory-hog-with\) total-vm:65536kB, anon-rss:(\d+)kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:(\d+)kB oom_score_adj:0\n/);
      expect(killed).not.toBeNull();
      expect(Number(killed![1])).toBe((touched - 1) * 4);  // every page it touched, and not the one that failed
      expect(e.k.checkInvariants(), e.k.dmesg()).toBe(0);
      e.x.mm_exit(mm);
    });
    inProcess(e, () => {
      const a = mmap(e, 64 * PAGE);
      for (let i = 0; i < 64; i++) expect(e.cpu.access(a + i * PAGE, "w").signal).toBe(0);
    });
  });
});
