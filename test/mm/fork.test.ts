// The mm side of processes: fork's copy-on-write, the reverse map, exec's
// new mm, exits in any order, the OOM killer over every process, and the
// smaps counts. Every step ends with the invariant checker (which proves
// each mapped anonymous page's _mapcount equals the ptes rmap_walk finds),
// and every test ends with a leak check: no page, page table, VMA,
// anon_vma or anon_vma_chain left once every mm has exited.

import { describe, expect, it } from "vitest";
import { withLeakCheck } from "../helpers/machine.js";
import { PF, sig, SIGKILL, SI_KERNEL } from "../helpers/fault_cpu.js";
import { bootProcs, expectInvariants, Proc, mapcount, refcount, slabActive, PAGE, type Procs } from "../helpers/processes.js";
import { TraceRing, type TraceKernel } from "../../src/trace/ring.js";
import { bytesFile } from "../../src/fs/pagecache.js";

const MiB = 1 << 20;
const MADV_DONTFORK = 10, MADV_WIPEONFORK = 18, MADV_HUGEPAGE = 14;

/** Runs fn, then checks nothing it created outlives it: pages, tables, slab objects of the reverse map. */
function leakFree(p: Procs, fn: () => void): void {
  withLeakCheck(p.k, fn);
  expect(slabActive(p, "anon_vma")).toBe(0);
  expect(slabActive(p, "anon_vma_chain")).toBe(0);
  expect(slabActive(p, "mm_struct")).toBe(0);
  expect(slabActive(p, "vm_area_struct")).toBe(0);
}

describe("fork: copy-on-write (dup_mmap, copy_page_range, do_wp_page)", () => {
  it("parent and child share every page read-only; the first write on either side copies, the last sharer reuses", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      const a = parent.mmap(8 * PAGE);
      const frames: number[] = [];
      for (let i = 0; i < 8; i++) frames.push(parent.write(a + i * PAGE, 0x10 + i) - (a % PAGE));
      const child = parent.fork(11);
      expectInvariants(p);
      p.x.lru_add_drain();  // the per-CPU LRU batch holds a reference on new pages until drained
      for (let i = 0; i < 8; i++) {
        expect(mapcount(p, frames[i])).toEqual({ mapcount: 2, rmap: 2 });
        expect(refcount(p, frames[i])).toBe(2);
        expect(child.read(a + i * PAGE)).toEqual({ byte: 0x10 + i, pa: frames[i] });
      }
      expect(child.counters()[1]).toBe(8);  // MM_ANONPAGES: the child maps them too

      // The child writes page 0: a private copy, the parent keeps the original.
      const c0 = child.write(a, 0xc0);
      expect(c0).not.toBe(frames[0]);
      expectInvariants(p);
      expect(parent.read(a)).toEqual({ byte: 0x10, pa: frames[0] });
      expect(child.read(a).byte).toBe(0xc0);
      expect(mapcount(p, frames[0])).toEqual({ mapcount: 1, rmap: 1 });
      expect(mapcount(p, c0)).toEqual({ mapcount: 1, rmap: 1 });
      // Now the parent alone maps page 0: its write reuses the frame (wp_page_reuse).
      expect(parent.write(a, 0xa0)).toBe(frames[0]);
      // The parent writes page 1, still shared: the parent gets the copy.
      const p1 = parent.write(a + PAGE, 0xa1);
      expect(p1).not.toBe(frames[1]);
      expect(child.read(a + PAGE)).toEqual({ byte: 0x11, pa: frames[1] });
      expectInvariants(p);

      // The parent exits first; the child's pages stay, and its writes now reuse them.
      parent.exit();
      expectInvariants(p);
      for (let i = 2; i < 8; i++) {
        expect(mapcount(p, frames[i])).toEqual({ mapcount: 1, rmap: 1 });
        expect(child.write(a + i * PAGE, 0xd0 + i)).toBe(frames[i]);
      }
      expect(child.read(a + PAGE).byte).toBe(0x11);
      expectInvariants(p);
      child.exit();
    });
  });

  it("the trace shows fork's copy and each side's write fault: wp_page_copy while shared, wp_page_reuse once alone", () => {
    const p = bootProcs();
    const ring = new TraceRing(p.k.exports, p.k.memory);
    const calls = (fn: () => void) => {
      ring.start("counter");
      fn();
      ring.stop();
      return ring.drain().filter((e) => !e.exit).map((e) => ring.names[e.fn]);
    };
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      const a = parent.mmap(PAGE);
      parent.write(a, 1);
      let child!: Proc;
      const forkCalls = calls(() => { child = parent.fork(11); });
      // The child's pgd comes first (mm_alloc), then dup_mmap copies the VMA's tables.
      expect(forkCalls[0]).toBe("__alloc_pages");
      const at = forkCalls.indexOf("dup_mmap");
      expect(forkCalls.slice(at, at + 2)).toEqual(["dup_mmap", "copy_page_range"]);
      expect(forkCalls).toContain("set_pte_at");
      child.run();
      const copy = calls(() => p.cpu.access(a, "w"));
      expect(copy).toContain("do_wp_page");
      expect(copy).toContain("wp_page_copy");
      expect(copy).toContain("copy_user_highpage");
      expect(copy).not.toContain("wp_page_reuse");
      parent.run();
      const reuse = calls(() => p.cpu.access(a, "w"));
      expect(reuse.slice(reuse.indexOf("do_wp_page"))).toEqual(["do_wp_page", "wp_page_reuse", "flush_tlb_page"]);
      child.exit();
      parent.exit();
    });
  });

  it("the parent's cached writable translations are dropped: its next write faults as a COW", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      const a = parent.mmap(PAGE);
      const pa = parent.write(a, 1);
      expect(p.cpu.access(a, "w")).toMatchObject({ faults: [] });  // a TLB hit
      const child = parent.fork(11);  // the parent still runs
      const w = p.cpu.access(a, "w");
      expect(w.faults).toEqual([PF.P | PF.W | PF.U]);
      expect(w.pa).not.toBe(pa);
      expect(child.read(a)).toEqual({ byte: 1, pa });
      child.exit();
      parent.exit();
    });
  });

  it("a child exits first and a grandchild outlives both: rmap finds every mapping through the anon_vma chain", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      const a = parent.mmap(4 * PAGE);
      const f0 = parent.write(a, 7);
      const child = parent.fork(11);
      const grandchild = child.fork(12);
      expect(mapcount(p, f0)).toEqual({ mapcount: 3, rmap: 3 });
      // A page the child creates after the fork is shared with its own child only.
      const c1 = child.write(a + PAGE, 8);
      const grand2 = child.fork(13);
      expect(mapcount(p, c1)).toEqual({ mapcount: 2, rmap: 2 });
      expect(mapcount(p, f0)).toEqual({ mapcount: 4, rmap: 4 });
      expectInvariants(p);
      child.exit();
      expectInvariants(p);
      expect(mapcount(p, f0)).toEqual({ mapcount: 3, rmap: 3 });
      expect(grand2.read(a + PAGE)).toEqual({ byte: 8, pa: c1 });
      expect(grandchild.frame(a + PAGE)).toBe(0);  // forked before the child wrote it
      parent.exit();
      grand2.exit();
      expect(grandchild.read(a)).toEqual({ byte: 7, pa: f0 });
      expect(grandchild.write(a, 9)).toBe(f0);  // the last one: reused
      expectInvariants(p);
      grandchild.exit();
    });
  });

  it("the zero page stays the zero page; MADV_DONTFORK is not copied, MADV_WIPEONFORK comes back zeroed", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      const a = parent.mmap(2 * PAGE);
      const zero = parent.read(a);
      expect(zero).toEqual({ byte: 0, pa: p.k.zeroPfn * PAGE });
      parent.write(a + PAGE, 5);
      const dont = parent.mmap(PAGE);
      const wipe = parent.mmap(PAGE);
      parent.write(dont, 6);
      parent.write(wipe, 7);
      expect(p.x.sys_madvise(dont, PAGE, MADV_DONTFORK)).toBe(0);
      expect(p.x.sys_madvise(wipe, PAGE, MADV_WIPEONFORK)).toBe(0);
      const child = parent.fork(11);
      expectInvariants(p);
      expect(child.frame(a)).toBe(p.k.zeroPfn * PAGE);
      expect(child.read(a)).toEqual(zero);
      const w = child.write(a, 1);
      expect(w).not.toBe(p.k.zeroPfn * PAGE);
      expect(parent.read(a)).toEqual(zero);
      // VM_DONTCOPY: no such VMA in the child.
      child.run();
      expect(p.cpu.access(dont, "r").signal).toBe(sig(11, 1));
      expect(child.counters()[6]).toBe(parent.counters()[6] - 1);  // total_vm
      // VM_WIPEONFORK: the VMA, empty.
      expect(child.read(wipe).byte).toBe(0);
      expect(parent.read(wipe).byte).toBe(7);
      expectInvariants(p);
      parent.exit();
      child.exit();
    });
  });

  it("mlock is not inherited: the child's copies lose VM_LOCKED and stay apart from their neighbours, as in Linux", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      const a = parent.mmap(4 * PAGE);
      expect(p.x.sys_mmap(a + 4 * PAGE, 4 * PAGE, 3, 0x22 | 0x10 | 0x2000, 0, 0)).toBe(a + 4 * PAGE);  // MAP_FIXED|MAP_LOCKED
      const child = parent.fork(11);
      expectInvariants(p);
      expect(parent.counters()[7]).toBe(4);  // locked_vm
      expect(child.counters()[7]).toBe(0);
      expect(child.counters()[14]).toBe(parent.counters()[14]);  // map_count: not merged
      expect(child.read(a + 4 * PAGE).byte).toBe(0);
      child.exit();
      parent.exit();
    });
  });

  it("file pages are not copied: the child faults them in from the page cache; its private copies are", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const parent = Proc.create(p, 10).run();
      const bytes = new Uint8Array(2 * PAGE);
      bytes[0] = 0x41;
      bytes[PAGE] = 0x42;
      const file = p.k.pageCache.open(bytesFile(bytes))!.handle;
      const ro = p.x.vm_mmap(0, 2 * PAGE, 1, 2, file, 0);
      const rw = p.x.vm_mmap(0, 2 * PAGE, 3, 2, file, 0);
      expect(parent.read(ro).pa).toBe(p.x.file_page(file, 0));
      const copy = parent.write(rw, 0x61);
      expect(parent.read(rw + PAGE).pa).toBe(p.x.file_page(file, 1));
      const child = parent.fork(11);
      expectInvariants(p);
      expect(child.frame(ro)).toBe(0);  // no anon_vma: copy_page_range skipped it
      expect(child.read(ro)).toEqual({ byte: 0x41, pa: p.x.file_page(file, 0) });
      expect(child.frame(rw)).toBe(copy);  // a VMA with anonymous pages is copied whole
      expect(child.frame(rw + PAGE)).toBe(p.x.file_page(file, 1));
      expect(mapcount(p, copy)).toEqual({ mapcount: 2, rmap: 2 });
      expect(child.write(rw + PAGE, 0x62)).not.toBe(p.x.file_page(file, 1));
      expect(p.view.getUint8(p.x.file_page(file, 1))).toBe(0x42);
      expectInvariants(p);
      p.x.file_put(file);
      child.exit();
      parent.exit();
    });
  });
});

/** A process with a 2 MiB-aligned MADV_HUGEPAGE range whose first write mapped a huge page (head: its frame). */
function hugeProcess(p: Procs): { parent: Proc; a: number; head: number } {
  const parent = Proc.create(p, 10);
  const raw = parent.mmap(4 * MiB);
  const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
  expect(p.x.sys_madvise(a, 2 * MiB, MADV_HUGEPAGE)).toBe(0);
  const head = parent.write(a, 1);
  expect(p.k.counter("thp_fault_alloc")).toBeGreaterThan(0);
  return { parent, a, head };
}

describe("fork under memory exhaustion", () => {
  it("forks until no memory is left: the OOM killer chooses the forking task, whose failing fork returns 0 and leaves nothing behind; every exit frees all", () => {
    const p = bootProcs("16M");
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      // Pages spread one per 2 MiB: each child needs a pte table for each, and no data page.
      const a = parent.mmap(64 * MiB, 3, 0x22 | 0x4000);
      for (let i = 0; i < 32; i++) parent.write(a + i * 2 * MiB, i);
      const children: number[] = [];
      for (;;) {
        p.k.drainAllPages();
        const free = p.k.counter("nr_free_pages");
        parent.run();
        const child = p.x.mm_fork(parent.mm);
        if (!child) {
          p.k.drainAllPages();
          expect(p.k.counter("nr_free_pages")).toBe(free);  // the failed copy gave back all it took
          break;
        }
        // The children may not be chosen: reclaim finds nothing, so the OOM killer picks the parent.
        expect(p.x.mm_set_oom_score_adj(child, -1000)).toBe(0);
        children.push(child);
        expect(children.length).toBeLessThan(1000);
      }
      expect(children.length).toBeGreaterThan(10);
      expect(p.k.counter("oom_kill")).toBe(1);
      expect(p.x.oom_take_victim()).toBe(parent.mm);
      expectInvariants(p);
      expect(mapcount(p, parent.frame(a + 2 * MiB))).toEqual({ mapcount: children.length + 1, rmap: children.length + 1 });
      // Exits in an interleaved order, the parent in the middle.
      for (let i = 0; i < children.length; i += 2) p.x.mm_exit(children[i]);
      parent.exit();
      expectInvariants(p);
      for (let i = 1; i < children.length; i += 2) p.x.mm_exit(children[i]);
    });
  });
});

describe("fork of transparent huge pages (copy_huge_pmd, do_huge_pmd_wp_page)", () => {
  it("the child maps the same huge page; a write splits it in both processes and copies one 4 KiB page", () => {
    const p = bootProcs("64M");
    p.x.thp_set_enabled(1);
    leakFree(p, () => {
      const { parent, a, head } = hugeProcess(p);
      parent.write(a + 5 * PAGE, 2);
      expect(p.k.counter("thp_fault_alloc")).toBe(1);
      const child = parent.fork(11);
      expectInvariants(p);
      expect(mapcount(p, head)).toEqual({ mapcount: 2, rmap: 2 });
      expect(child.read(a + 5 * PAGE)).toEqual({ byte: 2, pa: head + 5 * PAGE });
      expect(child.smaps().AnonHugePages).toBe(2 * MiB);
      const splits = p.k.counter("thp_split_pmd");
      const c5 = child.write(a + 5 * PAGE, 3);
      expect(p.k.counter("thp_split_pmd")).toBe(splits + 2);  // the pmd of each process
      expect(c5).not.toBe(head + 5 * PAGE);
      expect(parent.read(a + 5 * PAGE)).toEqual({ byte: 2, pa: head + 5 * PAGE });
      expect(child.read(a)).toEqual({ byte: 1, pa: head });
      expect(mapcount(p, head + 5 * PAGE)).toEqual({ mapcount: 1, rmap: 1 });
      expect(mapcount(p, head + 6 * PAGE)).toEqual({ mapcount: 2, rmap: 2 });
      expectInvariants(p);
      child.exit();
      // The parent alone maps the rest now: a write reuses the frame.
      expect(parent.write(a + 6 * PAGE, 4)).toBe(head + 6 * PAGE);
      expectInvariants(p);
      parent.exit();
    });
  });

  it("a partial munmap or mprotect in one process splits the shared huge page in both; the other keeps its data", () => {
    const p = bootProcs("64M");
    leakFree(p, () => {
      const { parent, a, head } = hugeProcess(p);
      parent.write(a + MiB, 2);
      const child = parent.fork(11);
      child.run();
      expect(p.x.sys_munmap(a + MiB, MiB)).toBe(0);
      expectInvariants(p);
      expect(parent.read(a + MiB)).toEqual({ byte: 2, pa: head + MiB });
      expect(mapcount(p, head + MiB)).toEqual({ mapcount: 1, rmap: 1 });
      expect(mapcount(p, head)).toEqual({ mapcount: 2, rmap: 2 });
      parent.run();
      expect(p.x.sys_mprotect(a, PAGE, 1)).toBe(0);
      expectInvariants(p);
      expect(child.read(a)).toEqual({ byte: 1, pa: head });
      expect(parent.write(a + MiB, 3)).toBe(head + MiB);  // its own alone now: reused
      expectInvariants(p);
      parent.exit();
      child.exit();
    });
  });

  it("a huge page whose other mapper exited is written in place, unsplit", () => {
    const p = bootProcs("64M");
    leakFree(p, () => {
      const { parent, a, head } = hugeProcess(p);
      const child = parent.fork(11);
      child.exit();
      const splits = p.k.counter("thp_split_pmd");
      expect(parent.write(a + PAGE, 2)).toBe(head + PAGE);
      expect(p.k.counter("thp_split_pmd")).toBe(splits);
      expectInvariants(p);
      parent.exit();
    });
  });
});

describe("exec and shared address spaces (mm_exec, mm_get)", () => {
  it("exec gives the task a fresh mm and frees the old one; a CLONE_VM sharer keeps it alive", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      const a = parent.mmap(PAGE);
      parent.write(a, 1);
      expect(p.x.mm_set_oom_score_adj(parent.mm, 300)).toBe(0);
      // vfork: the child runs in the parent's mm, then execs.
      expect(p.x.mm_get(parent.mm)).toBe(0);
      const fresh = p.x.mm_exec(parent.mm);
      expect(fresh).not.toBe(0);
      expect(fresh).not.toBe(parent.mm);
      expect(p.x.proc_mm_counters(fresh)).not.toBe(0);
      const child = new Proc(p, fresh, 11);
      expect(child.counters()[14]).toBe(0);  // map_count: empty
      expect(parent.read(a).byte).toBe(1);   // the parent's mm lives on
      // oom_score_adj survives exec (signal_struct), the badness of an empty mm is its adj alone.
      expect(p.x.proc_oom_score(fresh)).toBe(1000 + Math.trunc((300 * Math.trunc(p.k.totalramPages / 1000) * 1000) / p.k.totalramPages));
      // The parent itself execs: its old mm has no user left and goes.
      const again = p.x.mm_exec(parent.mm);
      expect(p.x.proc_mm_counters(parent.mm)).toBe(0);
      expect(p.x.mm_exec(parent.mm)).toBe(0);  // a dead handle
      expectInvariants(p);
      p.x.mm_exit(again);
      child.exit();
    });
  });
});

describe("the OOM killer over every process", () => {
  it("chooses the process whose death frees the most, prints the task table, reaps it; the faulting task retries", () => {
    const p = bootProcs("16M");
    p.x.thp_set_enabled(0);
    leakFree(p, () => {
      const hog = Proc.create(p, 20);
      const big = hog.mmap(16 * MiB, 3, 0x22 | 0x4000);
      for (let n = 0; n < 2048; n++) hog.write(big + n * PAGE, 1);  // 8 MiB: more than the rest of RAM
      const small = Proc.create(p, 21);
      const buf = small.mmap(16 * MiB, 3, 0x22 | 0x4000);
      small.run();
      let r = { signal: 0, pa: 0, faults: [] as number[] };
      let i = 0;
      const before = p.k.dmesg().length;
      while (p.k.counter("oom_kill") === 0) {
        r = p.cpu.access(buf + (i++) * PAGE, "w");
        expect(r.signal).toBe(0);
      }
      const log = p.k.dmesg().slice(before);
      expect(log).toContain("proc21 invoked oom-killer: gfp_mask=0x100cca(GFP_HIGHUSER_MOVABLE), order=0, oom_score_adj=0\n");
      expect(log).toContain("Tasks state (memory values in pages):\n[  pid  ]   uid  tgid total_vm      rss rss_anon rss_file rss_shmem pgtables_bytes swapents oom_score_adj name\n");
      expect(log).toMatch(/\n\[     20\]  1000    20     4096     2048     2048        0         0 +\d+        0             0 proc20\n/);
      expect(log).toMatch(/\n\[     21\]  1000    21     4096 +\d+ +\d+        0         0 +\d+        0             0 proc21\n/);
      expect(log).toContain(",global_oom,task_memcg=/,task=proc20,pid=20,uid=1000\n");
      expect(log).toMatch(/Out of memory: Killed process 20 \(proc20\) total-vm:16384kB, anon-rss:8192kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:\d+kB oom_score_adj:0\n/);
      expect(log).toContain("oom_reaper: reaped process 20 (proc20), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB\n");
      // The host learns the victim once; the faulting task went on (its access was retried).
      expect(p.x.oom_take_victim()).toBe(hog.mm);
      expect(p.x.oom_take_victim()).toBe(0);
      expect(r.signal).toBe(0);
      expectInvariants(p);
      // The victim's next fault is its SIGKILL; the host ends it.
      hog.run();
      expect(p.cpu.access(big, "w").signal).toBe(sig(SIGKILL, SI_KERNEL));
      hog.exit();
      small.exit();
    });
  });

  it("oom_score_adj moves the choice: -1000 is never chosen, so the faulting task itself is", () => {
    const p = bootProcs("16M");
    p.x.thp_set_enabled(0);
    leakFree(p, () => {
      const hog = Proc.create(p, 20);
      const big = hog.mmap(16 * MiB, 3, 0x22 | 0x4000);
      for (let n = 0; n < 1024; n++) hog.write(big + n * PAGE, 1);
      expect(p.x.mm_set_oom_score_adj(hog.mm, -1000)).toBe(0);
      expect(p.x.mm_set_oom_score_adj(hog.mm, -1001)).toBe(-22);
      expect(p.x.proc_oom_score(hog.mm)).toBe(0);
      const small = Proc.create(p, 21);
      const buf = small.mmap(16 * MiB, 3, 0x22 | 0x4000);
      small.run();
      let signal = 0;
      for (let i = 0; signal === 0; i++) signal = p.cpu.access(buf + i * PAGE, "w").signal;
      expect(signal).toBe(sig(SIGKILL, SI_KERNEL));
      expect(p.k.dmesg()).toMatch(/\n\[     20\]  1000    20     4096     1024     1024        0         0 +\d+        0         -1000 proc20\n/);
      expect(p.k.dmesg()).toContain("Out of memory: Killed process 21 (proc21)");
      expect(p.x.oom_take_victim()).toBe(small.mm);
      expect(hog.read(big).byte).toBe(1);
      expectInvariants(p);
      small.exit();
      hog.exit();
    });
  });
});

describe("smaps counts (proc_smaps_range: Rss, Pss, Shared/Private)", () => {
  it("pages shared by a fork count half in each process's Pss and as shared; a COW copy is private", () => {
    const p = bootProcs();
    leakFree(p, () => {
      const parent = Proc.create(p, 10);
      const a = parent.mmap(4 * PAGE);
      for (let i = 0; i < 4; i++) parent.write(a + i * PAGE, i);
      expect(parent.smaps()).toMatchObject({ Rss: 4 * PAGE, Pss: 4 * PAGE, Private_Dirty: 4 * PAGE, Shared_Dirty: 0, Anonymous: 4 * PAGE });
      const child = parent.fork(11);
      const pre = { Rss: 4 * PAGE, Pss: 2 * PAGE, Pss_Anon: 2 * PAGE, Shared_Dirty: 4 * PAGE, Private_Dirty: 0, Anonymous: 4 * PAGE };
      expect(parent.smaps()).toMatchObject(pre);
      expect(child.smaps()).toMatchObject({ ...pre, Referenced: 0 });  // the child's ptes start old
      child.write(a, 9);
      expect(child.smaps()).toMatchObject({ Rss: 4 * PAGE, Pss: PAGE + 3 * PAGE / 2, Shared_Dirty: 3 * PAGE, Private_Dirty: PAGE });
      expect(parent.smaps(a, a + PAGE)).toMatchObject({ Rss: PAGE, Pss: PAGE, Private_Dirty: PAGE });
      expect(p.x.proc_smaps_range(0x1234, 0, PAGE)).toBe(0);
      child.exit();
      parent.exit();
    });
  });
});
