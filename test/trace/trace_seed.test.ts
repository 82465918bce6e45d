// The golden function_graph of a first-write fault (test/trace/trace_kernel.test.ts)
// justified line by line against the seed (../shared/seed/alloc_page.md,
// outside the repository, so its calls are written out below with the
// seed's line numbers): every call the trace shows is a call its caller
// makes in the seed's text (or in Linux between two seed items, said why),
// and sibling calls come in the seed's order.

import { describe, expect, it } from "vitest";
import { loadKernelModule } from "../../src/cli/load.js";
import { Kernel } from "../../src/kernel.js";
import { FaultTracer, TraceRing, functionGraph, type TraceKernel } from "../../src/trace/index.js";

/** Each caller's calls, in the order its seed text makes them (seed line). */
const SEED_CALLS: Record<string, Array<[string, number]>> = {
  do_user_addr_fault: [["find_vma", 154], ["access_error", 175], ["handle_mm_fault", 193]],
  handle_mm_fault: [["__handle_mm_fault", 307]],
  __handle_mm_fault: [["pud_alloc", 359], ["pmd_alloc", 386], ["handle_pte_fault", 424]],
  handle_pte_fault: [["do_anonymous_page", 500]],
  do_anonymous_page: [["pte_alloc", 576], ["alloc_zeroed_user_highpage_movable", 608], ["set_pte_at", 650]],
  // alloc_page_vma (687) is alloc_pages_vma(gfp, 0, vma, addr) in mm/mempolicy.c;
  // clear_user_highpage (690) is clear_page on x86-64 (clear_user_page).
  alloc_zeroed_user_highpage_movable: [["alloc_pages_vma", 687], ["clear_page", 690]],
  alloc_pages_vma: [["__alloc_pages", 783]],
  __alloc_pages: [["get_page_from_freelist", 836]],
  get_page_from_freelist: [["rmqueue", 987], ["prep_new_page", 990]],
  rmqueue: [["rmqueue_pcplist", 1047]],
  // rmqueue_pcplist -> __rmqueue_pcplist (inline) -> rmqueue_bulk -> __rmqueue:
  // Linux's path between seed items 10 and 11 when the per-cpu list is empty.
  rmqueue_pcplist: [["rmqueue_bulk", 0]],
  rmqueue_bulk: [["__rmqueue", 0]],
  __rmqueue: [["__rmqueue_smallest", 1131]],
  __rmqueue_smallest: [["get_page_from_free_area", 1167], ["expand", 1171]],
};

/** Calls the seed makes inside a loop: each may follow itself (one per order tried, one per page of a batch). */
const SEED_LOOPS = new Set(["__rmqueue_smallest -> get_page_from_free_area", "rmqueue_bulk -> __rmqueue"]);

describe("the first-write fault's function_graph", () => {
  it("makes only the seed's calls, in the seed's order, each inside its seed caller", () => {
    const k = new Kernel(loadKernelModule("trace"), { mem: "16M" });
    const ring = new TraceRing(k.exports, k.memory);
    const x = k.exports as unknown as Record<string, (...a: number[]) => number>;
    x.mm_switch(x.mm_create());
    const a = x.vm_mmap(0, 16 * 4096, 3, 0x22, 0, 0);
    x.handle_page_fault(a, 6);   // the first fault builds the page tables
    const tracer = new FaultTracer(ring);
    tracer.beginFault(a + 4096, 6, { start: a, end: a + 16 * 4096, perms: "rw-p", name: "" });
    const graph = functionGraph([tracer.endFault(x.handle_page_fault(a + 4096, 6))!], ring.names);
    const calls = [...graph.matchAll(/^ 0\) [^|]*\|( *)(\w+)\(\)/gm)].map((m) => ({ depth: (m[1].length - 2) / 2, name: m[2] }));
    expect(calls[0]).toEqual({ depth: 0, name: "do_user_addr_fault" });
    // Each line's caller, and where among the caller's seed calls it falls.
    const wrong: string[] = [];
    const stack: Array<{ name: string; next: number }> = [];
    for (const c of calls) {
      stack.length = c.depth;
      const caller = stack[c.depth - 1];
      if (caller) {
        const seedCalls = SEED_CALLS[caller.name] ?? [];
        const again = caller.next > 0 && seedCalls[caller.next - 1][0] === c.name && SEED_LOOPS.has(`${caller.name} -> ${c.name}`);
        const i = again ? caller.next - 1 : seedCalls.findIndex(([n], j) => n === c.name && j >= caller.next);
        if (i < 0) wrong.push(`${caller.name} -> ${c.name}`);
        else caller.next = i + 1;
      }
      stack[c.depth] = { name: c.name, next: 0 };
    }
    expect(wrong).toEqual([]);
    // and every seed call of this path was made
    const made = new Set(calls.map((c) => c.name));
    expect(Object.values(SEED_CALLS).flat().map(([n]) => n).filter((n) => !made.has(n))).toEqual([]);
  });
});
