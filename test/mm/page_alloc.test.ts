// The buddy allocator against what Linux's mm/page_alloc.c does: split and
// merge at every order, pageblock stealing, per-cpu batch and high,
// watermarks with lowmem_reserve, exhaustion and recovery.

import { describe, it, expect } from "vitest";
import { GFP, type Kernel } from "../../src/kernel.js";
import { machine, withLeakCheck } from "../helpers/machine.js";

const DMA = 0, DMA32 = 1;
const UNMOVABLE = 0, MOVABLE = 1, RECLAIMABLE = 2;
const { GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_ATOMIC, GFP_DMA } = GFP;
const NOWARN = GFP.__GFP_NOWARN;

/** The smallest order >= order with a free block of this migratetype, or -1. */
function smallestFree(k: Kernel, zone: number, order: number, mt: number): number {
  for (let o = order; o < 11; o++) if (k.freeBlocks(zone, o, mt).length) return o;
  return -1;
}

describe("split and merge", () => {
  it("splits the smallest fitting block and merges it back, at every order", () => {
    const k = machine("256M", "debug");
    withLeakCheck(k, () => {
      // Orders above PAGE_ALLOC_COSTLY_ORDER come straight from the buddy lists.
      for (let order = 4; order < 11; order++) {
        const before = k.zones()[DMA32].nrFree;
        const from = smallestFree(k, DMA32, order, MOVABLE);
        const head = k.freeBlocks(DMA32, from, MOVABLE)[0];
        const pfn = k.allocPages(GFP_HIGHUSER_MOVABLE, order);
        // __rmqueue_smallest takes the head of the first non-empty list and
        // expand() leaves one free block at each order in [order, from).
        expect(pfn).toBe(head);
        const after = k.zones()[DMA32].nrFree;
        const expected = before.slice();
        expected[from]--;
        for (let o = order; o < from; o++) expected[o]++;
        expect(after).toEqual(expected);
        expect(k.checkInvariants()).toBe(0);
        k.freePages(pfn, order);
        expect(k.zones()[DMA32].nrFree).toEqual(before);
      }
    });
  });

  it("merges two buddies only when both are free", () => {
    const k = machine("64M", "debug");
    withLeakCheck(k, () => {
      for (let order = 4; order < 10; order++) {
        // Take the blocks already free at this order, so the next one is split.
        const same = k.freeBlocks(DMA32, order, MOVABLE).map(() => k.allocPages(GFP_HIGHUSER_MOVABLE, order));
        const before = k.zones()[DMA32].nrFree;
        const a = k.allocPages(GFP_HIGHUSER_MOVABLE, order);
        const b = k.allocPages(GFP_HIGHUSER_MOVABLE, order);
        expect(b).toBe(a ^ (1 << order));   // the split left a's buddy at the list head
        k.freePages(a, order);
        expect(k.freeBlocks(DMA32, order, MOVABLE)).toContain(a);   // its buddy is in use
        k.freePages(b, order);
        expect(k.freeBlocks(DMA32, order, MOVABLE)).not.toContain(a);
        expect(k.zones()[DMA32].nrFree).toEqual(before);
        expect(k.checkInvariants()).toBe(0);
        for (const pfn of same) k.freePages(pfn, order);
      }
    });
  });

  it("splits and merges small orders through the per-cpu lists", () => {
    const k = machine("64M", "debug");
    withLeakCheck(k, () => {
      for (let order = 0; order <= 3; order++) {
        const pfns = Array.from({ length: 40 }, () => k.allocPages(GFP_HIGHUSER_MOVABLE, order));
        for (const pfn of pfns) expect(pfn % (1 << order)).toBe(0);
        expect(new Set(pfns).size).toBe(pfns.length);
        expect(k.checkInvariants()).toBe(0);
        for (const pfn of pfns) k.freePages(pfn, order);
        expect(k.checkInvariants()).toBe(0);
      }
    });
  });
});

describe("pageblock fallback", () => {
  it("an unmovable allocation steals whole MOVABLE pageblocks, as at boot on Linux", () => {
    const k = machine("256M", "debug");
    const blocks = k.pageblockCounts(DMA32);
    // Boot marks every pageblock MIGRATE_MOVABLE.
    expect(blocks).toEqual([0, 61440 / 512, 0, 0]);
    withLeakCheck(k, () => {
      const pfn = k.allocPages(GFP_KERNEL, 0);
      // The largest free block (order 10 = two pageblocks) changed type whole.
      expect(k.pageblockCounts(DMA32)).toEqual([2, 61440 / 512 - 2, 0, 0]);
      const unmovableFree = k.freeListCounts(DMA32).map((row) => row[UNMOVABLE]);
      expect(unmovableFree.reduce((a, b) => a + b)).toBeGreaterThan(0);
      // A reclaimable allocation falls back the same way, to its own blocks.
      const r = k.allocPages(GFP_KERNEL | GFP.__GFP_RECLAIMABLE, 0);
      expect(k.pageblockCounts(DMA32)[RECLAIMABLE]).toBe(2);
      k.freePages(r, 0);
      k.freePages(pfn, 0);
    });
    // Pageblocks keep their new type after the pages come back.
    expect(k.pageblockCounts(DMA32)).toEqual([2, 61440 / 512 - 4, 2, 0]);
  });
});

describe("per-cpu lists", () => {
  it("refill in batch, scaled for higher orders", () => {
    const k = machine("256M");
    const z = () => k.zones()[DMA32];
    const batch = z().pcp.batch;
    expect(batch).toBe(15);   // managed >> 10 = 59, /4 = 14, 14 + 7 = 21 -> 16 - 1
    const free0 = k.counter("nr_free_pages");
    const a = k.allocPages(GFP_HIGHUSER_MOVABLE, 0);
    expect(z().pcp.count).toBe(batch - 1);
    // Pages on pcp lists are not free in NR_FREE_PAGES (as in Linux).
    expect(k.counter("nr_free_pages")).toBe(free0 - batch);
    const b = k.allocPages(GFP_HIGHUSER_MOVABLE, 2);
    // order 2: max(batch >> 2, 2) = 3 blocks of 4 pages, one handed out.
    expect(z().pcp.count).toBe(batch - 1 + 3 * 4 - 4);
    expect(k.counter("nr_free_pages")).toBe(free0 - batch - 12);
    k.freePages(a, 0);
    k.freePages(b, 2);
    expect(z().pcp.count).toBe(batch - 1 + 12 + 1);
    k.drainAllPages();
    expect(z().pcp.count).toBe(0);
    expect(k.counter("nr_free_pages")).toBe(free0);
    expect(k.checkInvariants()).toBe(0);
  });

  it("drain above high as nr_pcp_free says, and zoneinfo counts what they hold", () => {
    const k = machine("256M");
    const z = () => k.zones()[DMA32];
    const { high, batch } = z().pcp;
    expect(high).toBe(z().watermark[1]);   // high_min: the low watermark, one CPU
    const n = 3000;
    const pfns = Array.from({ length: n }, () => k.allocPages(GFP_HIGHUSER_MOVABLE, 0));
    k.drainAllPages();
    // Linux's nr_pcp_free: batch << free_factor, clamped to [batch, high - batch];
    // free_factor grows while frees follow frees.
    let count = 0, freeFactor = 0, drains = 0;
    for (const pfn of pfns) {
      k.freePages(pfn, 0);
      count++;
      if (count >= high) {
        let toFree = batch << freeFactor;
        if (toFree < high - batch) freeFactor++;
        toFree = Math.max(Math.min(toFree, high - batch), batch);
        count -= toFree;
        drains++;
      }
      expect(z().pcp.count).toBe(count);
    }
    expect(drains).toBeGreaterThan(3);
    expect(k.checkInvariants()).toBe(0);
  });
});

/** Linux's int_sqrt. */
function intSqrt(x: number): number {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

describe("watermarks and lowmem_reserve", () => {
  for (const mem of ["64M", "256M", "1G", "4G"]) {
    it(`are Linux's numbers for ${mem}`, () => {
      const k = machine(mem);
      const zones = k.zones();
      const managed = zones.map((z) => z.managed);
      // calculate_min_free_kbytes: sqrt(lowmem_kbytes * 16), clamped.
      const lowmemKb = (managed[0] + managed[1] + managed[2]) * 4;
      const minFreeKb = Math.min(Math.max(intSqrt(lowmemKb * 16), 128), 262144);
      expect(k.minFreeKbytes).toBe(minFreeKb);
      const pagesMin = minFreeKb >> 2;
      const lowmem = managed[0] + managed[1] + managed[2] + managed[4];
      for (const z of zones) {
        let min = Math.floor((pagesMin * z.managed) / lowmem);
        // mult_frac(managed, watermark_scale_factor = 10, 10000)
        const step = Math.max(min >> 2, Math.floor(z.managed / 10000) * 10 + Math.floor(((z.managed % 10000) * 10) / 10000));
        if (z.name === "Movable") min = Math.min(Math.max(Math.floor(z.managed / 1024), 32), 128);
        expect(z.watermark).toEqual([min, min + step, min + 2 * step, min + 3 * step]);
      }
      // lowmem_reserve: DMA keeps managed(DMA32 + ...)/256 from higher requests.
      expect(zones[DMA].protection).toEqual([0, 1, 1, 1, 1].map((x) => x * Math.floor(managed[1] / 256)));
      expect(zones[DMA32].protection).toEqual([0, 0, 0, 0, 0]);
      // pcp: batch and high from zone_batchsize / zone_highsize.
      const z1 = zones[DMA32];
      let batch = Math.max(Math.floor(Math.min(z1.managed >> 10, 256) / 4), 1);
      batch = 2 ** Math.floor(Math.log2(batch + (batch >> 1))) - 1;
      expect(z1.pcp.batch).toBe(batch);
      expect(z1.pcp.highMin).toBe(Math.max(z1.watermark[1], batch * 4));
      expect(z1.pcp.highMax).toBe(Math.max(Math.floor(z1.managed / 8), batch * 4));
    });
  }

  it("fail where Linux's would, fall back to DMA only as far as lowmem_reserve allows, and recover", () => {
    const k = machine("64M");
    // The configured watermarks, unboosted: no kswapd runs here to undo a boost.
    k.exports.set_watermark_boost_factor(0);
    withLeakCheck(k, () => {
      const zones = k.zones();
      const [minDma, lowDma] = zones[DMA].watermark;
      const [min32, low32] = zones[DMA32].watermark;
      const reserve = zones[DMA].protection[3];   // for a ZONE_MOVABLE request
      expect(reserve).toBeGreaterThan(0);
      const free = (z: number) => k.zones()[z].stat.get("nr_free_pages")!;
      const held: number[] = [];
      const take = (gfp: number) => {
        const pfn = k.allocPages(gfp | NOWARN, 0);
        if (pfn >= 0) held.push(pfn);
        return pfn;
      };
      // Fast path (low watermark): DMA32 until it reaches low, then DMA.
      let pfn = take(GFP_HIGHUSER_MOVABLE);
      while (pfn >= 4096) pfn = take(GFP_HIGHUSER_MOVABLE);
      expect(free(DMA32)).toBeLessThanOrEqual(low32);
      expect(free(DMA32)).toBeGreaterThan(low32 - zones[DMA32].pcp.batch);
      // DMA down to low + lowmem_reserve; then the slow path takes DMA32 to min.
      while (pfn >= 0 && pfn < 4096) pfn = take(GFP_HIGHUSER_MOVABLE);
      expect(free(DMA)).toBe(lowDma + reserve);   // DMA's batch is 1: exact
      expect(pfn).toBeGreaterThanOrEqual(4096);
      while (pfn >= 4096) pfn = take(GFP_HIGHUSER_MOVABLE);
      expect(free(DMA32)).toBeLessThanOrEqual(min32);
      // The slow path's last zone: DMA down to min + lowmem_reserve, then failure.
      while (pfn >= 0) pfn = take(GFP_HIGHUSER_MOVABLE);
      expect(free(DMA)).toBe(minDma + reserve);
      expect(k.allocPages(GFP_KERNEL | NOWARN, 0)).toBe(-1);
      // A ZONE_DMA request has no lowmem_reserve in DMA: it still succeeds.
      expect(take(GFP_DMA | GFP_KERNEL)).toBeLessThan(4096);
      // GFP_ATOMIC dips below min (min - min/2 - (min - min/2)/4).
      expect(take(GFP_ATOMIC)).toBeGreaterThanOrEqual(4096);
      const atomicFloor = (m: number) => m - (m >> 1) - ((m - (m >> 1)) >> 2);
      while (take(GFP_ATOMIC) >= 0);
      expect(free(DMA32)).toBeLessThanOrEqual(atomicFloor(min32));
      expect(k.allocPages(GFP_ATOMIC | NOWARN, 0)).toBe(-1);
      expect(k.checkInvariants()).toBe(0);
      // Recovery: everything back, the machine allocates normally again.
      for (const p of held.splice(0)) k.freePages(p, 0);
      expect(take(GFP_HIGHUSER_MOVABLE)).toBeGreaterThanOrEqual(4096);
      for (const p of held.splice(0)) k.freePages(p, 0);
    });
  });

  it("exhaustion of every order fails cleanly and the allocator recovers fully", () => {
    const k = machine("32M", "debug");
    withLeakCheck(k, () => {
      const held: Array<[number, number]> = [];
      for (let order = 10; order >= 0; order--) {
        for (;;) {
          const pfn = k.allocPages(GFP_ATOMIC | NOWARN, order);
          if (pfn < 0) break;
          held.push([pfn, order]);
        }
      }
      expect(held.length).toBeGreaterThan(0);
      expect(k.checkInvariants()).toBe(0);
      for (let order = 0; order < 11; order++) expect(k.allocPages(GFP_ATOMIC | NOWARN, order)).toBe(-1);
      expect(k.dmesg()).not.toMatch(/page allocation failure/);   // NOWARN
      expect(k.allocPages(GFP_KERNEL, 3)).toBe(-1);
      expect(k.dmesg()).toMatch(/page allocation failure: order:3, mode:0xcc0/);
      for (const [pfn, order] of held) k.freePages(pfn, order);
      const pfn = k.allocPages(GFP_KERNEL, 10);
      expect(pfn).toBeGreaterThanOrEqual(0);
      k.freePages(pfn, 10);
    });
  });
});

describe("warn_alloc's rate limit (lib/ratelimit.c on the virtual clock)", () => {
  /** A machine with every page held (quietly), and its dmesg from then on. */
  function exhausted(): { k: Kernel; fail: (n: number) => void; log: () => string } {
    const k = machine("16M", "release");
    for (let order = 10; order >= 0; order--) while (k.allocPages(GFP_ATOMIC | NOWARN, order) >= 0);
    const start = k.dmesg().length;
    const fail = (n: number) => {
      for (let i = 0; i < n; i++) expect(k.allocPages(GFP_ATOMIC, 0)).toBe(-1);
    };
    return { k, fail, log: () => k.dmesg().slice(start) };
  }
  const FAILURE = `page allocation failure: order:0, mode:0x${GFP_ATOMIC.toString(16)}\n`;

  it("prints 10 failures in 5 s, then how many it suppressed once a later failure starts a new interval", () => {
    const { k, fail, log } = exhausted();
    fail(25);
    expect(log()).toBe(FAILURE.repeat(10));
    // DEFAULT_RATELIMIT_INTERVAL is 5*HZ jiffies: at exactly 5 s the interval has not yet passed.
    k.tick(5e9);
    fail(1);
    expect(log()).toBe(FAILURE.repeat(10));
    // One tick later it has: the 16 suppressed calls are reported before the next line.
    k.tick(5e9 + 4e6);
    fail(12);
    expect(log()).toBe(FAILURE.repeat(10) + "warn_alloc: 16 callbacks suppressed\n" + FAILURE.repeat(10));
    // Nothing missed in an interval: no report.
    k.tick(20e9);
    fail(1);
    expect(log()).toBe(FAILURE.repeat(10) + "warn_alloc: 16 callbacks suppressed\n" + FAILURE.repeat(10)
      + "warn_alloc: 2 callbacks suppressed\n" + FAILURE);
  });

  it("the same failures at the same virtual times give the same log", () => {
    const run = () => {
      const { k, fail, log } = exhausted();
      for (let t = 0; t < 40; t++) {
        k.tick(t * 7e8);
        fail(3);
      }
      return log();
    };
    const a = run();
    expect(a).toMatch(/warn_alloc: \d+ callbacks suppressed/);
    expect(run()).toBe(a);
  });
});
