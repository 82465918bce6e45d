// The frame map: every page frame classified from mem_map, checked against
// the kernel's own counters (nr_free_pages, buddyinfo, pcp counts, memblock,
// nr_anon_pages, nr_page_table_pages, nr_file_pages), and the page-table walk.

import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { readFileSync } from "node:fs";
import { GFP } from "../../src/kernel.js";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { classifyFrames, newFrameMap, FrameState } from "../../src/proc/frames.js";
import { inspectWalk, type WalkKernel } from "../../src/proc/page_walk.js";
import { machine } from "../helpers/machine.js";
import type { Kernel } from "../../src/kernel.js";

/** Free pages per order as buddyinfo counts them (blocks << order), all zones. */
function buddyPagesByOrder(k: Kernel): number[] {
  const out = new Array(k.maxOrder).fill(0);
  for (const z of k.zones()) z.nrFree.forEach((n, o) => (out[o] += n << o));
  return out;
}

function pcpPages(k: Kernel): number {
  return k.zones().reduce((s, z) => s + z.pcp.count, 0);
}

/** The census must agree with every counter the kernel keeps. */
function expectAgrees(k: Kernel, allocated: number): void {
  const m = classifyFrames(k);
  expect(m.counts[FrameState.Free]).toBe(k.counter("nr_free_pages"));
  expect(m.freeByOrder).toEqual(buddyPagesByOrder(k));
  expect(m.counts[FrameState.Pcp]).toBe(pcpPages(k));
  expect(m.counts[FrameState.Allocated]).toBe(allocated);
  const reserved = m.counts[FrameState.KernelImage] + m.counts[FrameState.MemMap]
    + m.counts[FrameState.Reserved] + m.counts[FrameState.Zero];
  expect(reserved).toBe(k.maxPfn - k.totalramPages);
  expect(m.counts.reduce((a, b) => a + b, 0)).toBe(k.maxPfn);
}

describe("classifyFrames", () => {
  it("after boot: free frames are nr_free_pages, the rest is what memblock reserved", () => {
    const k = machine("256M");
    const m = classifyFrames(k);
    expectAgrees(k, 0);
    expect(m.counts[FrameState.KernelImage]).toBe(k.imageEnd / 4096);
    expect(m.counts[FrameState.MemMap]).toBe((k.maxPfn * 32) / 4096);
    expect(m.counts[FrameState.Zero]).toBe(1);
    expect(m.state[k.zeroPfn]).toBe(FrameState.Zero);
    expect(m.state[0]).toBe(FrameState.KernelImage);
    expect(m.state[Math.floor(k.memMap / 4096)]).toBe(FrameState.MemMap);
    // The trace ring is reserved too.
    expect(m.counts[FrameState.Reserved]).toBeGreaterThanOrEqual((65536 * 16) / 4096);
    // The middle of RAM lies in one of the big free blocks boot leaves.
    expect(m.state[k.maxPfn / 2]).toBe(FrameState.Free);
    expect(m.order[k.maxPfn / 2]).toBe(k.maxOrder - 1);
  });

  it("sees allocated blocks, per-cpu lists and compound pages", () => {
    const k = machine("64M");
    const small = Array.from({ length: 40 }, () => k.allocPages(GFP.GFP_KERNEL, 0));
    const big = k.allocPages(GFP.GFP_KERNEL, 5);
    const comp = k.allocPages(GFP.GFP_KERNEL | GFP.__GFP_COMP, 4);
    expect(Math.min(...small, big, comp)).toBeGreaterThan(0);
    expectAgrees(k, 40 + 32 + 16);
    const m = classifyFrames(k);
    for (const pfn of [...small, big, big + 31, comp, comp + 15]) expect(m.state[pfn]).toBe(FrameState.Allocated);

    // Freed order-0 pages go to a per-cpu list first.
    for (const pfn of small.slice(0, 10)) k.freePages(pfn, 0);
    expect(pcpPages(k)).toBeGreaterThan(0);
    expectAgrees(k, 30 + 32 + 16);
    expect(classifyFrames(k).state[small[0]]).toBe(FrameState.Pcp);

    k.drainAllPages();
    expectAgrees(k, 30 + 32 + 16);
  });

  it("agrees with the counters through random allocations and frees, reusing one map", () => {
    const k = machine("16M");
    const map = newFrameMap(k);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 6 }), fc.nat()), { maxLength: 60 }), (ops) => {
        const held: Array<[number, number]> = [];
        for (const [alloc, order, pick] of ops) {
          if (alloc || held.length === 0) {
            const pfn = k.allocPages(GFP.GFP_KERNEL, order);
            if (pfn >= 0) held.push([pfn, order]);
          } else {
            const [pfn, o] = held.splice(pick % held.length, 1)[0];
            k.freePages(pfn, o);
          }
        }
        classifyFrames(k, map);
        expect(map.counts[FrameState.Free]).toBe(k.counter("nr_free_pages"));
        expect(map.counts[FrameState.Pcp]).toBe(pcpPages(k));
        expect(map.counts[FrameState.Allocated]).toBe(held.reduce((s, [, o]) => s + (1 << o), 0));
        for (const [pfn] of held) expect(map.state[pfn]).toBe(FrameState.Allocated);
        for (const [pfn, o] of held) k.freePages(pfn, o);
      }),
      { numRuns: 100 },
    );
    expect(k.checkInvariants()).toBe(0);
  });

  it("sees a running program's anonymous pages, page tables and page cache as the kernel counts them", () => {
    const m = new Machine(loadKernelModule(), { mem: "64M" });
    const k = m.kernel;
    m.exec(readFileSync(new URL("../../programs/bin/touch_write", import.meta.url)), ["./touch_write", "64"]);
    for (let i = 0; i < 40; i++) expect(m.runToNextFault()).toBeNull();
    const map = classifyFrames(k);
    const node = k.nodeStat();
    expect(map.counts[FrameState.Anon]).toBeGreaterThan(30);
    expect(map.counts[FrameState.Anon]).toBe(node.get("nr_anon_pages"));
    expect(map.counts[FrameState.PageTable]).toBe(k.counter("nr_page_table_pages"));
    expect(map.counts[FrameState.PageTable]).toBeGreaterThanOrEqual(4); // PML4, PDPT, PD, PT at least
    expect(map.counts[FrameState.File]).toBe(node.get("nr_file_pages"));
    expect(map.counts[FrameState.Free]).toBe(k.counter("nr_free_pages"));
    expect(map.counts[FrameState.Pcp]).toBe(pcpPages(k));
    // The stack's page, found by the page-table walk, is an anonymous page; its tables are page-table frames.
    const walk = inspectWalk(k.exports, k.memory, m.cpu.rsp);
    expect(walk.levels.map((l) => l.name)).toEqual(["PML4E", "PDPTE", "PDE", "PTE"]);
    expect(walk.levels[3].bits).toEqual(expect.arrayContaining(["P", "RW", "US", "A", "D", "NX"]));
    expect(map.state[Math.floor(walk.phys! / 4096)]).toBe(FrameState.Anon);
    expect(map.state[walk.cr3 / 4096]).toBe(FrameState.PageTable);
    for (const l of walk.levels.slice(0, 3)) expect(map.state[l.pfn]).toBe(FrameState.PageTable);
    expect(inspectWalk(k.exports, k.memory, 0).phys).toBeNull();

    // At exit every anonymous page and page table goes back.
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
    const after = classifyFrames(k);
    expect(after.counts[FrameState.Anon]).toBe(0);
    expect(after.counts[FrameState.PageTable]).toBe(0);
    expect(after.counts[FrameState.Free] + after.counts[FrameState.Pcp]).toBeGreaterThan(map.counts[FrameState.Free]);
  });

  it("after fork, the anonymous pages both processes map are shared frames; a write copies one, an exit unshares the rest", () => {
    const m = new Machine(loadKernelModule(), { mem: "64M" });
    const k = m.kernel;
    m.exec(readFileSync(new URL("../../programs/bin/fork_cow", import.meta.url)), ["./fork_cow", "64"]);
    expect(classifyFrames(k).counts[FrameState.AnonShared]).toBe(0);
    // The guest's processes: pid 1, and the child its fork made after the kernel threads' pids (2-4).
    const guests = () => m.processes().filter((p) => p.comm === "fork_cow");
    while (guests().length < 2) expect(m.step()).toBeNull();
    const [parent, child] = guests();
    expect([parent.pid, parent.ppid, child.pid, child.ppid]).toEqual([1, 0, 5, 1]);
    expect(child.comm).toBe(parent.comm);
    // dup_mmap gave the child every anonymous page the parent had (the 64 pages, the stack); the
    // program's text it faults in again (vma_needs_copy skips a file mapping with no anon_vma).
    expect(child.rss).toBeGreaterThan(64);
    expect(child.rss).toBeLessThan(parent.rss);
    const forked = classifyFrames(k);
    expect(forked.counts[FrameState.AnonShared]).toBeGreaterThanOrEqual(64);
    expect(forked.counts[FrameState.Anon] + forked.counts[FrameState.AnonShared]).toBe(k.nodeStat().get("nr_anon_pages"));
    // The kernel's mapcount and the PTEs rmap_walk finds ((found << 16) | mapcount): 2 for a shared frame, 1 otherwise.
    forked.state.forEach((s, pfn) => {
      if (s === FrameState.AnonShared) expect(k.exports.rmap_page_mapcount(pfn)).toBe((2 << 16) | 2);
      if (s === FrameState.Anon) expect(k.exports.rmap_page_mapcount(pfn)).toBe((1 << 16) | 1);
    });
    // Each process's own page tables lead to the same frame for the shared stack page.
    const walk = (pid: number) => m.inProcess(pid, () => inspectWalk(k.exports, k.memory, m.cpu.rsp));
    const before = [walk(1)!, walk(5)!];
    expect(before[0].cr3).not.toBe(before[1].cr3);
    expect(before[0].phys).toBe(before[1].phys);
    expect(forked.state[Math.floor(before[0].phys! / 4096)]).toBe(FrameState.AnonShared);
    // The first write to a shared page (whichever process runs first) copies it: wp_page_copy.
    let now = forked;
    while ((now = classifyFrames(k)).counts[FrameState.AnonShared] === forked.counts[FrameState.AnonShared]) expect(m.step()).toBeNull();
    expect(now.counts[FrameState.AnonShared]).toBe(forked.counts[FrameState.AnonShared] - 1);
    expect(now.counts[FrameState.Anon]).toBe(forked.counts[FrameState.Anon] + 2);  // the copy, and the original now mapped once
    // The child wrote its half and exited: its copies are gone, nothing is shared any more.
    while (m.processes().find((p) => p.pid === 5)?.state !== "Z") expect(m.step()).toBeNull();
    expect(m.inProcess(5, () => 0)).toBeNull();
    expect(guests()[1]).toMatchObject({ pid: 5, state: "Z", rss: 0 });
    expect(classifyFrames(k).counts[FrameState.AnonShared]).toBe(0);
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
  });
});
