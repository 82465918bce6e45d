// The invariant checker names what is wrong: each corruption below is made
// by hand through the RAM view, and the checker must report its reason.

import { describe, it, expect } from "vitest";
import { GFP, KernelPanic, type Kernel } from "../../src/kernel.js";
import { PG_zeroed } from "../../src/abi.js";
import { machine } from "../helpers/machine.js";
import { bootFaultEnv } from "../helpers/fault_cpu.js";
import { PROT, MAP, MADV, MiB } from "../helpers/mm_kernel.js";

const DMA = 0, MOVABLE = 1, PAGE = 4096;

/** A 16M debug machine (DMA only) and its first free block of an order >= 1. */
function setup(): { k: Kernel; pfn: number; order: number; page: number } {
  const k = machine("16M", "debug");
  let order = 1;
  while (k.freeBlocks(DMA, order, MOVABLE).length === 0) order++;
  const pfn = k.freeBlocks(DMA, order, MOVABLE)[0];
  return { k, pfn, order, page: k.pages.address(pfn) >>> 2 };
}

function expectViolation(k: Kernel, reason: string): void {
  const n = k.checkInvariants();
  expect(n).toBeGreaterThan(0);
  expect(k.dmesg()).toContain(reason);
}

describe("check_invariants", () => {
  it("is clean after boot, in both builds", () => {
    expect(machine("16M", "debug").checkInvariants()).toBe(0);
    expect(machine("16M", "release").checkInvariants()).toBe(0);
  });

  it("finds a wrong nr_free", () => {
    const { k, order } = setup();
    const at = (k.zoneField(DMA, "free_area") + order * k.layoutOf("sizeof_free_area") + k.layoutOf("nr_free")) >>> 2;
    k.u32[at]++;
    expectViolation(k, `check_free_area: nr_free does not match the free lists (pfn 0x0, order ${order})`);
  });

  it("finds NR_FREE_PAGES out of step with the lists, per zone and globally", () => {
    const { k } = setup();
    k.u32[k.zoneField(DMA, "zone_vm_stat") >>> 2] += 1;
    expectViolation(k, "check_free_area: NR_FREE_PAGES does not match the free lists");
    k.u32[k.zoneField(DMA, "zone_vm_stat") >>> 2] -= 1;
    k.u32[k.layoutOf("vm_zone_stat") >>> 2] += 1;
    expect(k.checkInvariants()).toBe(1);
    expect(k.dmesg()).toContain("check_invariants: global NR_FREE_PAGES does not match the zones");
  });

  it("finds a free block without PG_buddy, or with a reference", () => {
    const { k, page } = setup();
    k.u32[page] &= ~(1 << 2);
    expectViolation(k, "check_free_area: free block without PG_buddy");
    k.u32[page] |= 1 << 2;
    k.u32[page + 1] = 1;
    expectViolation(k, "check_free_area: free block with nonzero refcount");
  });

  it("finds two free buddies left unmerged", () => {
    const { k, pfn, order, page } = setup();
    // Split the block by hand into two free halves of order - 1, both listed.
    const half = order - 1;
    const upper = k.pages.address(pfn + (1 << half)) >>> 2;
    const head = k.freeListHead(DMA, half, MOVABLE);
    const lru = (p: number) => p * 4 + 8;
    // unlink the block from its list
    const next = k.u32[page + 2], prev = k.u32[page + 3];
    k.u32[(prev >>> 2)] = next;
    k.u32[(next >>> 2) + 1] = prev;
    // push both halves on the order - 1 list
    for (const p of [page, upper]) {
      const first = k.u32[head >>> 2];
      k.u32[p + 2] = first;
      k.u32[p + 3] = head;
      k.u32[(first >>> 2) + 1] = lru(p);
      k.u32[head >>> 2] = lru(p);
      k.u32[p] |= 1 << 2;
      k.u32[p + 4] = (k.u32[p + 4] & 0xffff0000) | half;
    }
    const area = (o: number) => (k.zoneField(DMA, "free_area") + o * k.layoutOf("sizeof_free_area") + k.layoutOf("nr_free")) >>> 2;
    k.u32[area(order)]--;
    k.u32[area(half)] += 2;
    expect(k.checkInvariants()).toBe(1);
    expect(k.dmesg()).toContain(`check_free_area: free buddies left unmerged (pfn 0x${(pfn + (1 << half)).toString(16)}, order ${half})`);
  });

  it("finds pcp->count out of step with the pcp lists", () => {
    const { k } = setup();
    const pfn = k.allocPages(GFP.GFP_KERNEL, 0);
    expect(k.checkInvariants()).toBe(0);
    k.u32[(k.zoneField(DMA, "pcp") + k.layoutOf("pcp_count")) >>> 2]++;
    expectViolation(k, "check_pcp: pcp->count does not match the pcp lists");
    k.u32[(k.zoneField(DMA, "pcp") + k.layoutOf("pcp_count")) >>> 2]--;
    k.freePages(pfn, 0);
    expect(k.checkInvariants()).toBe(0);
  });

  it("finds pages that are neither free nor allocated nor reserved", () => {
    const { k } = setup();
    const events = k.layoutOf("vm_events") >>> 2;
    k.u32[events + 2 * 5] += 3;   // pgfree counts 3 frees that never happened
    expectViolation(k, "check_invariants: free + pcp + allocated + reserved != all pages");
  });

  it("a page freed while still mapped is a bad page: reported and kept out, as Linux does", () => {
    const { k } = setup();
    const pfn = k.allocPages(GFP.GFP_KERNEL, 0);
    const page = k.pages.address(pfn) >>> 2;
    k.u32[page + 4] &= 0x0000ffff;   // _mapcount = 0: one PTE still maps it
    const free = k.counter("nr_free_pages");
    k.freePages(pfn, 0);
    expect(k.dmesg()).toMatch(/BUG: Bad page state: pfn:0x[0-9a-f]+\n.*\n.*\npage dumped because: nonzero mapcount\n/);
    k.drainAllPages();
    expect(k.counter("nr_free_pages")).toBeLessThanOrEqual(free);
    expect(k.checkInvariants()).toBe(0);   // leaked, still counted as allocated
  });
});

describe("PG_zeroed: frames free since boot are handed out without clearing", () => {
  const flagged = (k: Kernel) => {
    const pfns: number[] = [];
    for (let pfn = 0; pfn < k.ramBytes / 4096; pfn++) if (k.pages.flags(pfn) & PG_zeroed) pfns.push(pfn);
    return pfns;
  };

  it("are zero when handed out, and lose the flag (the debug build reads them to check)", () => {
    const k = machine("16M", "debug");
    const before = flagged(k);
    expect(before.length).toBeGreaterThan(0);
    const pfn = k.allocPages(GFP.GFP_HIGHUSER_MOVABLE | GFP.__GFP_ZERO, 2);
    for (let i = 0; i < 4; i++) expect(before).toContain(pfn + i);
    expect(flagged(k)).toEqual(before.filter((p) => p < pfn || p >= pfn + 4));
    expect(new Uint8Array(k.memory.buffer, pfn * 4096, 4 * 4096).every((b) => b === 0)).toBe(true);
    k.freePages(pfn, 2);
    expect(k.checkInvariants()).toBe(0);
  });

  it("one written while free panics the debug build when it is handed out", () => {
    const k = machine("16M", "debug");
    const ram = new Uint8Array(k.memory.buffer);
    for (const pfn of flagged(k)) ram[pfn * 4096 + 4095] = 0x5a;
    expect(() => k.allocPages(GFP.GFP_HIGHUSER_MOVABLE | GFP.__GFP_ZERO, 0)).toThrow(KernelPanic);
    expect(k.dmesg()).toMatch(/page dumped because: PG_zeroed page not zero\nKernel panic - not syncing: PG_zeroed page not zero/);
  });

  // The guest's view: a process fills its pages and exits; the next one's
  // first writes get those same frames back, and they must read as zeros.
  for (const build of ["release", "debug"] as const) {
    for (const [what, size] of [["4 KiB pages", 256 * PAGE], ["a THP", 2 * MiB]] as const) {
      it(`a frame dirtied and freed is cleared when handed out again: ${what}, ${build} build`, () => {
        const { k, x, cpu } = bootFaultEnv("16M", build);
        const ram = new Uint8Array(k.memory.buffer);
        /** A process writing one byte in each page of a `size` mapping; the frames its writes got. */
        const firstWrites = (fill: boolean): number[] => {
          const mm = x.mm_create();
          x.mm_switch(mm);
          const raw = x.sys_mmap(0, size + 2 * MiB, PROT.READ | PROT.WRITE, MAP.PRIVATE | MAP.ANONYMOUS, 0, 0);
          const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
          expect(x.sys_madvise(a, size, size === 2 * MiB ? MADV.HUGEPAGE : MADV.NOHUGEPAGE)).toBe(0);
          const pfns: number[] = [];
          for (let va = a; va < a + size; va += PAGE) {
            const r = cpu.access(va, "w");
            expect(r.signal).toBe(0);
            const pa = r.pa - (r.pa % PAGE);
            expect(ram.subarray(pa, pa + PAGE).every((b) => b === 0), `pfn ${pa / PAGE} not zero`).toBe(true);
            expect(k.pages.flags(pa / PAGE) & PG_zeroed).toBe(0);
            if (fill) ram.fill(0xa5, pa, pa + PAGE);
            pfns.push(pa / PAGE);
          }
          expect(k.checkInvariants(), k.dmesg()).toBe(0);
          x.mm_exit(mm);
          return pfns;
        };
        x.thp_set_enabled(1);
        const dirtied = new Set(firstWrites(true));
        const again = firstWrites(false);
        // Most frames come back (the page tables may take a few of them).
        expect(again.filter((pfn) => dirtied.has(pfn)).length).toBeGreaterThan(again.length / 2);
        expect(k.counter("thp_fault_alloc")).toBe(size === 2 * MiB ? 2 : 0);
        expect(k.checkInvariants(), k.dmesg()).toBe(0);
      });
    }
  }
});
