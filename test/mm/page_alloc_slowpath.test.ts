// The slow path's order of remedies (__alloc_pages_slowpath, mm/page_alloc.c):
// "For costly allocations, try direct compaction first ... For non-movable
// high-order allocations, do that as well"; every other request reclaims
// first, and compacts only in the retry loop after that. The expectation is
// that rule, applied here to the request; the allocator's own choice is
// read off the function_graph trace (which remedy the slow path enters
// first).

import { describe, expect, it } from "vitest";
import { GFP, type Kernel } from "../../src/kernel.js";
import { TraceRing, type TraceKernel } from "../../src/trace/ring.js";
import { machine } from "../helpers/machine.js";

const PAGE_ALLOC_COSTLY_ORDER = 3;
const COMPACT = "__alloc_pages_direct_compact", RECLAIM = "__alloc_pages_direct_reclaim";
const { GFP_KERNEL, GFP_HIGHUSER_MOVABLE, __GFP_NORETRY, __GFP_NOWARN, __GFP_DIRECT_RECLAIM, __GFP_MOVABLE, __GFP_MEMALLOC } = GFP;
/** Neither reclaims nor compacts, and goes below the watermarks: how the test takes every page. */
const TAKE = (GFP_KERNEL & ~__GFP_DIRECT_RECLAIM) | __GFP_NOWARN | __GFP_MEMALLOC;

/**
 * A 64 MiB machine whose free memory is every other page (no free block of
 * order 1 or more), or none at all.
 */
function starved(everyOther: boolean): { k: Kernel; held: number[] } {
  const k = machine("64M", "trace");
  const held: number[] = [];
  for (let pfn; (pfn = k.allocPages(TAKE, 0)) >= 0;) held.push(pfn);
  held.sort((a, b) => a - b);
  const kept = everyOther ? held.filter((pfn) => pfn % 2 === 0) : held;
  if (everyOther) for (const pfn of held) if (pfn % 2) k.freePages(pfn, 0);
  k.drainAllPages();
  return { k, held: kept };
}

/** The remedy the slow path tries first for this request (NORETRY: it gives up after one round instead of the OOM killer). */
function firstRemedy(k: Kernel, gfp: number, order: number): string {
  const ring = new TraceRing(k.exports as unknown as TraceKernel, k.memory);
  ring.start("counter");
  const pfn = k.allocPages(gfp | __GFP_NORETRY | __GFP_NOWARN, order);
  ring.stop();
  if (pfn >= 0) k.freePages(pfn, order);
  const names = ring.drain().filter((e) => !e.exit).map((e) => ring.names[e.fn]);
  expect(names).toContain("__alloc_pages_slowpath");
  return names.find((n) => n === COMPACT || n === RECLAIM) ?? "none";
}

/** What Linux's rule says the slow path tries first. */
function linuxFirst(gfp: number, order: number): string {
  const movable = (gfp & __GFP_MOVABLE) !== 0;
  const compactFirst = order > PAGE_ALLOC_COSTLY_ORDER || (order > 0 && !movable);
  return compactFirst ? COMPACT : RECLAIM;
}

describe("__alloc_pages_slowpath: compaction before reclaim only for costly or non-movable high orders", () => {
  for (const [name, gfp] of [["movable", GFP_HIGHUSER_MOVABLE], ["unmovable", GFP_KERNEL]] as const) {
    for (const order of [1, 2, 3, 4, 9]) {
      it(`${name} order ${order}: ${linuxFirst(gfp, order) === COMPACT ? "compaction" : "reclaim"} first`, () => {
        const { k } = starved(true);
        expect(firstRemedy(k, gfp, order)).toBe(linuxFirst(gfp, order));
      });
    }
    it(`${name} order 0: reclaim first, never compaction (nothing to compact for)`, () => {
      const { k } = starved(false);
      expect(firstRemedy(k, gfp, 0)).toBe(RECLAIM);
    });
  }
});
