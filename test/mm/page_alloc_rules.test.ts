// The allocator's decisions against Linux's rules (mm/page_alloc.c), each
// expectation computed here from the rule, never read back from the
// allocator: how many blocks a per-cpu refill takes at orders 0-3, which end
// of a free list a freed block goes to (buddy_merge_likely) at every order,
// and when a fallback steals a pageblock (can_steal_fallback,
// steal_suitable_fallback) around their thresholds, for each migratetype.

import { describe, expect, it } from "vitest";
import { GFP, type Kernel } from "../../src/kernel.js";
import { machine, withLeakCheck } from "../helpers/machine.js";

const DMA = 0, DMA32 = 1;
const UNMOVABLE = 0, MOVABLE = 1, RECLAIMABLE = 2;
const MT_GFP = [0, GFP.__GFP_MOVABLE, GFP.__GFP_RECLAIMABLE];
const MT_NAME = ["UNMOVABLE", "MOVABLE", "RECLAIMABLE"];
const MAX_ORDER = 11, pageblock_order = 9, pageblock_nr_pages = 1 << pageblock_order;
const { GFP_KERNEL, GFP_HIGHUSER_MOVABLE } = GFP;
const NOWARN = GFP.__GFP_NOWARN, MEMALLOC = GFP.__GFP_MEMALLOC;

describe("per-cpu refill (rmqueue_pcplist)", () => {
  for (let order = 0; order <= 3; order++) {
    it(`takes max(batch >> ${order}, 2) blocks of order ${order} when batch > 1, batch blocks otherwise`, () => {
      const k = machine("256M");
      withLeakCheck(k, () => {
        for (const [zone, gfp] of [[DMA32, GFP_HIGHUSER_MOVABLE], [DMA, GFP_KERNEL | GFP.GFP_DMA]] as const) {
          const batch = k.zones()[zone].pcp.batch;
          const blocks = batch > 1 ? Math.max(batch >> order, 2) : batch;
          const free0 = k.zones()[zone].stat.get("nr_free_pages")!;
          expect(k.zones()[zone].pcp.count).toBe(0);
          const pfn = k.allocPages(gfp, order);
          expect(pfn).toBeGreaterThanOrEqual(0);
          // The refill left blocks - 1 blocks on the list, and took them all
          // out of NR_FREE_PAGES.
          expect([zone, k.zones()[zone].pcp.count]).toEqual([zone, (blocks - 1) << order]);
          expect(k.zones()[zone].stat.get("nr_free_pages")).toBe(free0 - (blocks << order));
          k.freePages(pfn, order);
          k.drainAllPages();
        }
      });
    });
  }
});

/**
 * Allocates order-`order` blocks until `want` aligned groups of `n` buddies
 * are held (groups for which `ok` holds).
 */
function holdGroups(k: Kernel, order: number, n: number, want: number, ok = (_g: number[]) => true): { groups: number[][]; all: number[] } {
  const all: number[] = [];
  const held = new Set<number>();
  const groups: number[][] = [];
  const used = new Set<number>();
  const size = 1 << order;
  while (groups.length < want) {
    const pfn = k.allocPages(GFP_HIGHUSER_MOVABLE, order);
    expect(pfn).toBeGreaterThanOrEqual(0);
    all.push(pfn);
    held.add(pfn);
    const base = pfn - (pfn % (n * size));
    const g = Array.from({ length: n }, (_, i) => base + i * size);
    if (!used.has(base) && g.every((p) => held.has(p)) && ok(g)) {
      used.add(base);
      groups.push(g);
    }
    expect(all.length).toBeLessThan(4000);
  }
  return { groups, all };
}

describe("free-list placement (__free_one_page, buddy_merge_likely)", () => {
  // A freed block that does not merge goes to the tail when its buddy one
  // order up is a free block of that order (it is likely to merge soon), to
  // the head otherwise; from order MAX_ORDER - 2 up, always to the head.
  const likelyTail = (order: number, higherBuddyFree: boolean) => order < MAX_ORDER - 2 && higherBuddyFree;

  /** Frees a block and, for orders on the per-cpu lists, drains it alone to the buddy lists. */
  const put = (k: Kernel, pfn: number, order: number) => {
    k.freePages(pfn, order);
    k.drainAllPages();
  };
  const where = (k: Kernel, order: number, pfn: number): string => {
    const list = k.freeBlocks(DMA32, order, MOVABLE);
    expect(list.length).toBeGreaterThan(1);   // head and tail differ
    return list[0] === pfn ? "head" : list[list.length - 1] === pfn ? "tail" : `middle of ${list.length}`;
  };

  for (let order = 0; order <= MAX_ORDER - 3; order++) {
    it(`order ${order}: tail when the order-${order + 1} buddy is free, head when it is not`, () => {
      const k = machine("256M", "debug");
      withLeakCheck(k, () => {
        // Three aligned order-(order + 2) regions, each held as four blocks.
        const { groups, all } = holdGroups(k, order, 4, 3);
        k.drainAllPages();
        const [likely, unlikely, marker] = groups;
        const freed = new Set<number>();
        const free = (pfn: number) => { put(k, pfn, order); freed.add(pfn); };
        free(marker[0]);   // so that the list has more than the block under test
        // likely: its upper half merges into a free order + 1 block
        free(likely[2]);
        free(likely[3]);
        expect(k.freeBlocks(DMA32, order + 1, MOVABLE)).toContain(likely[2]);
        free(likely[0]);
        expect(where(k, order, likely[0])).toBe(likelyTail(order, true) ? "tail" : "head");
        // unlikely: the upper half is held
        free(unlikely[0]);
        expect(where(k, order, unlikely[0])).toBe(likelyTail(order, false) ? "tail" : "head");
        for (const pfn of all) if (!freed.has(pfn)) k.freePages(pfn, order);
      });
    });
  }

  it("order 9: head even when the order-10 buddy is free", () => {
    const k = machine("256M", "debug");
    withLeakCheck(k, () => {
      const first = holdGroups(k, 9, 2, 1);
      const last = holdGroups(k, 9, 2, 1, (g) => k.freeBlocks(DMA32, 10, MOVABLE).includes(g[0] ^ (1 << 10)));
      const [marker, pair, all] = [first.groups[0], last.groups[0], [...first.all, ...last.all]];
      const higherBuddy = pair[0] ^ (1 << 10);
      const freed = new Set([marker[0], pair[0]]);
      expect(k.freeBlocks(DMA32, 10, MOVABLE)).toContain(higherBuddy);
      k.freePages(marker[0], 9);
      k.freePages(pair[0], 9);
      expect(where(k, 9, pair[0])).toBe(likelyTail(9, true) ? "tail" : "head");
      for (const pfn of all) if (!freed.has(pfn)) k.freePages(pfn, 9);
    });
  });

  it("order 10: head", () => {
    const k = machine("256M", "debug");
    withLeakCheck(k, () => {
      const a = k.allocPages(GFP_HIGHUSER_MOVABLE, 10), b = k.allocPages(GFP_HIGHUSER_MOVABLE, 10);
      k.freePages(a, 10);
      k.freePages(b, 10);
      expect(where(k, 10, b)).toBe(likelyTail(10, false) ? "tail" : "head");
    });
  });
});

// ─── pageblock stealing ──────────────────────────────────────────────────

/** Linux's can_steal_fallback, for the order of the fallback block found. */
const canStealFallback = (order: number, startMt: number) =>
  order >= pageblock_order || order >= pageblock_order >> 1 || startMt === RECLAIMABLE || startMt === UNMOVABLE;

// Where each free block of a layout sits in the pageblock: no two buddies.
const OFFSET: Record<number, number> = { 8: 0, 7: 0, 6: 256, 5: 384, 4: 448, 3: 480, 2: 496, 1: 504, 0: 508 };

interface Expect { lists: number[][]; blockType: number; pfn: number }

/**
 * What Linux does for one order-0 allocation of `startMt` when the only free
 * pages of the zone are `layout` (block orders) in one pageblock of type
 * `blockType` at `base` whose other pages are held, not movable (no LRU),
 * and the per-cpu batch is 1 (ZONE_DMA): __rmqueue_fallback,
 * steal_suitable_fallback, then __rmqueue_smallest and expand.
 */
function predict(base: number, blockType: number, layout: number[], startMt: number): Expect {
  // lists[order][mt] = the pfns there
  const lists: number[][][] = Array.from({ length: MAX_ORDER }, () => [[], [], [], []]);
  for (const o of layout) lists[o][blockType].push(base + OFFSET[o]);
  let type = blockType;
  // __rmqueue_fallback: the largest fallback block first.
  let current = Math.max(...layout);
  const canSteal = canStealFallback(current, startMt);
  if (!canSteal && startMt === MOVABLE && current > 0) current = Math.min(...layout);
  const page = lists[current][blockType][0];
  if (current >= pageblock_order) {
    type = startMt;
  } else if (canSteal) {
    // move_freepages_block: every free block of the pageblock moves.
    let free = 0;
    for (const o of layout) {
      free += 1 << o;
      lists[o][startMt].push(...lists[o][blockType].splice(0));
    }
    const movable = 0;   // held pages here are not on an LRU
    const alike = startMt === MOVABLE ? movable : blockType === MOVABLE ? pageblock_nr_pages - (free + movable) : 0;
    if (free + alike >= 1 << (pageblock_order - 1)) type = startMt;
  } else {
    lists[current][startMt].push(...lists[current][blockType].splice(lists[current][blockType].indexOf(page), 1));
  }
  // __rmqueue_smallest(startMt, 0), then expand() leaves the upper halves.
  const from = lists.findIndex((l) => l[startMt].length > 0);
  const pfn = lists[from][startMt].shift()!;
  for (let o = from - 1; o >= 0; o--) lists[o][startMt].push(pfn + (1 << o));
  return { lists: lists.map((l) => l.map((pfns) => pfns.length)), blockType: type, pfn };
}

/** The migratetype of the pageblock holding pfn, from the zone's counts before and after a change. */
function typeOfBlock(k: Kernel, before: number[]): number[] {
  return k.pageblockCounts(DMA).map((n, mt) => n - before[mt]);
}

describe("pageblock stealing (can_steal_fallback, steal_suitable_fallback)", () => {
  const base = 2048;   // a pageblock inside an order-10 block of ZONE_DMA
  const cases: Array<[number, number, number[]]> = [
    // MOVABLE falls back with a whole-block steal only from order pageblock_order / 2
    [UNMOVABLE, MOVABLE, [4, 0]], [UNMOVABLE, MOVABLE, [3, 0]],
    [RECLAIMABLE, MOVABLE, [4, 0]], [RECLAIMABLE, MOVABLE, [3, 0]],
    // the block changes type at half a pageblock free (or alike), not one page less
    [UNMOVABLE, MOVABLE, [8]], [UNMOVABLE, MOVABLE, [7, 6, 5, 4, 3, 2, 1, 0]],
    [UNMOVABLE, RECLAIMABLE, [8]], [UNMOVABLE, RECLAIMABLE, [7, 6, 5, 4, 3, 2, 1, 0]],
    [RECLAIMABLE, UNMOVABLE, [8]], [RECLAIMABLE, UNMOVABLE, [7, 6, 5, 4, 3, 2, 1, 0]],
    [UNMOVABLE, RECLAIMABLE, [3, 0]],
    // a movable block's held pages count as alike for a non-movable steal
    [MOVABLE, UNMOVABLE, [0]], [MOVABLE, RECLAIMABLE, [0]], [MOVABLE, UNMOVABLE, [3, 0]],
  ];
  for (const [blockType, startMt, layout] of cases) {
    it(`${MT_NAME[startMt]} from a ${MT_NAME[blockType]} pageblock with free blocks of order ${layout.join(",")}`, () => {
      const k = machine("32M", "debug");
      const dma = (mt: number, order: number) => k.allocPages(GFP_KERNEL | GFP.GFP_DMA | MT_GFP[mt] | MEMALLOC | NOWARN, order);
      // Make ZONE_DMA's order-10 blocks blockType (Linux: an order >=
      // pageblock_order fallback takes the whole range), then hold every
      // page of the zone one by one.
      const big: number[] = [];
      for (let pfn = dma(blockType, 10); pfn >= 0; pfn = dma(blockType, 10)) big.push(pfn);
      expect(big).toContain(base & ~1023);
      const rest: Array<[number, number]> = [];
      for (let o = 9; o >= 0; o--) for (let pfn = dma(blockType, o); pfn >= 0; pfn = dma(blockType, o)) rest.push([pfn, o]);
      for (const pfn of big) k.freePages(pfn, 10);
      for (const [pfn, o] of rest) k.freePages(pfn, o);
      k.drainAllPages();
      const held = new Set<number>();
      for (let pfn = dma(blockType, 0); pfn >= 0; pfn = dma(blockType, 0)) held.add(pfn);
      k.drainAllPages();
      expect(k.zones()[DMA].nrFree.every((n) => n === 0)).toBe(true);
      for (let p = base; p < base + pageblock_nr_pages; p++) expect(held.has(p)).toBe(true);
      // Free the layout, page by page, so that it merges into its blocks.
      for (const o of layout) for (let p = base + OFFSET[o]; p < base + OFFSET[o] + (1 << o); p++) {
        k.freePages(p, 0);
        held.delete(p);
      }
      k.drainAllPages();
      const want = predict(base, blockType, layout, startMt);
      // The layout is as built: all on blockType's lists.
      expect(k.freeListCounts(DMA)).toEqual(predict(base, blockType, layout, blockType).lists.map((l, o) =>
        l.map((_, mt) => (mt === blockType ? layout.filter((x) => x === o).length : 0))));
      const before = k.pageblockCounts(DMA);
      const pfn = dma(startMt, 0);
      expect(pfn).toBe(want.pfn);
      expect(k.freeListCounts(DMA)).toEqual(want.lists);
      const changed = typeOfBlock(k, before);
      expect(changed).toEqual(changed.map((_, mt) => (want.blockType === blockType ? 0 : mt === blockType ? -1 : mt === startMt ? 1 : 0)));
      expect(k.checkInvariants()).toBe(0);
    });
  }
});

describe("check_new_pages (debug build)", () => {
  it("checks every page of a new block, not only its head: a bad tail page takes the block out", () => {
    const k = machine("64M", "debug");
    // __rmqueue_smallest takes the head of the smallest non-empty list.
    const order = 4;
    const from = [4, 5, 6, 7, 8, 9, 10].find((o) => k.freeBlocks(DMA32, o, MOVABLE).length > 0)!;
    const block = k.freeBlocks(DMA32, from, MOVABLE)[0];
    const bad = block + (1 << order) - 1;   // the last page of the block handed out
    k.u32[(k.pages.address(bad) + k.layout.page_refcount) >>> 2] = 1;   // struct page._refcount
    const pfn = k.allocPages(GFP_HIGHUSER_MOVABLE, order);
    expect(k.dmesg()).toContain(`BUG: Bad page state: pfn:0x${bad.toString(16)}\n`);
    expect(pfn).toBeGreaterThanOrEqual(0);
    expect(pfn).not.toBe(block);
  });
});
