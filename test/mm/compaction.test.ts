// Compaction (assembly/mm/compaction.ts, migrate.ts): a zone fragmented by
// a process's anonymous pages (every other page freed) cannot give an
// order-9 block; compaction migrates the pages through rmap and then can.
// The processes' data survive byte for byte, mapcounts equal the ptes rmap
// finds (the invariant checker), pages that must not move stay, and the
// counters say what happened.

import { describe, expect, it } from "vitest";
import { bootProcs, expectInvariants, Proc, mapcount, refcount, PAGE, type Procs } from "../helpers/processes.js";
import { GFP } from "../../src/kernel.js";
import { fragmentationIndex, unusableIndex } from "../../src/proc/extfrag.js";
import { TraceRing, type TraceKernel } from "../../src/trace/ring.js";

const MADV_DONTNEED = 4;
const COMPACT_SKIPPED = 1, COMPACT_PARTIAL_SKIPPED = 6;

/** Fills a page's frame with bytes derived from (tag, index), as the process would write them. */
function fill(p: Procs, pa: number, tag: number, i: number): void {
  const bytes = new Uint8Array(p.k.memory.buffer, pa, PAGE);
  for (let j = 0; j < PAGE; j += 4) new DataView(bytes.buffer, pa + j, 4).setUint32(0, (tag * 0x9e3779b1 + i * 0x85ebca6b + j) >>> 0, true);
}
function intact(p: Procs, pa: number, tag: number, i: number): boolean {
  const v = new DataView(p.k.memory.buffer, pa, PAGE);
  for (let j = 0; j < PAGE; j += 4) if (v.getUint32(j, true) !== ((tag * 0x9e3779b1 + i * 0x85ebca6b + j) >>> 0)) return false;
  return true;
}

interface Fragmented {
  p: Procs;
  parent: Proc;
  child: Proc;
  a: number;
  kept: number[];      // indexes of A's pages the parent keeps
  b: number;
  held: number[];      // kernel (unmovable) blocks: [pfn, order]
}

/**
 * The parent writes region A (most of free memory) and a small region B,
 * forks (the child shares both), the child drops A, the parent drops every
 * other page of A; then every free block of order >= 9 left anywhere is
 * taken by the kernel, so no order-9 block is free.
 */
function fragment(setup?: (p: Procs, parent: Proc) => void): Fragmented {
  const p = bootProcs("64M");
  const parent = Proc.create(p, 10);
  setup?.(p, parent);
  const free0 = p.k.counter("nr_free_pages");
  const n = free0 - 1400;
  const a = parent.mmap(n * PAGE);
  for (let i = 0; i < n; i++) fill(p, parent.write(a + i * PAGE, 0) - 0, 1, i);
  const b = parent.mmap(32 * PAGE);
  for (let i = 0; i < 32; i++) fill(p, parent.write(b + i * PAGE, 0), 2, i);
  const child = parent.fork(11);
  child.run();
  expect(p.x.sys_madvise(a, n * PAGE, MADV_DONTNEED)).toBe(0);
  parent.run();
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2) expect(p.x.sys_madvise(a + i * PAGE, PAGE, MADV_DONTNEED)).toBe(0);
    else kept.push(i);
  }
  p.k.drainAllPages();
  const held: number[] = [];
  for (;;) {
    // Without direct reclaim, so the slow path neither reclaims nor compacts for them.
    const pfn = p.k.allocPages((GFP.GFP_KERNEL & ~GFP.__GFP_DIRECT_RECLAIM) | GFP.__GFP_NOWARN, 9);
    if (pfn < 0) break;
    held.push(pfn);
  }
  expectInvariants(p);
  return { p, parent, child, a, kept, b, held };
}

function frames(f: Fragmented): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of f.kept) m.set(`a${i}`, f.parent.frame(f.a + i * PAGE));
  for (let i = 0; i < 32; i++) m.set(`b${i}`, f.parent.frame(f.b + i * PAGE));
  return m;
}

/** The page of A in the lowest frame. */
function lowestKept(m: Map<string, number>): string {
  return [...m].filter(([k]) => k.startsWith("a")).reduce((x, y) => (y[1] < x[1] ? y : x))[0];
}

function dataIntact(f: Fragmented): void {
  f.p.x.lru_add_drain();  // the per-CPU LRU batch holds a reference on the pages migration made until drained
  for (const i of f.kept) {
    const pa = f.parent.frame(f.a + i * PAGE);
    expect(intact(f.p, pa, 1, i), `A page ${i}`).toBe(true);
    expect(refcount(f.p, pa)).toBe(1);
  }
  for (let i = 0; i < 32; i++) {
    const pa = f.parent.frame(f.b + i * PAGE);
    expect(f.child.frame(f.b + i * PAGE)).toBe(pa);
    expect(mapcount(f.p, pa)).toEqual({ mapcount: 2, rmap: 2 });
    expect(refcount(f.p, pa)).toBe(2);
    expect(intact(f.p, pa, 2, i), `B page ${i}`).toBe(true);
  }
}

function dma32(p: Procs): number[] {
  return p.k.freeAreas().find((z) => z.name === "DMA32")!.nr_free;
}

describe("compaction", () => {
  it("an order-9 allocation that fails on a fragmented zone succeeds after direct compaction; the data survive", () => {
    const f = fragment();
    const { p } = f;
    const before = frames(f);
    // The free lists alone cannot give the block (no direct reclaim, so no compaction either).
    expect(p.k.allocPages((GFP.GFP_HIGHUSER_MOVABLE & ~GFP.__GFP_DIRECT_RECLAIM) | GFP.__GFP_NOWARN, 9)).toBe(-1);
    const v0 = Object.fromEntries(p.k.vmstat());
    const pfn = p.x.alloc_pages_compact(GFP.GFP_HIGHUSER_MOVABLE, 9) as number;
    expect(pfn).toBeGreaterThanOrEqual(0);
    expect(pfn % 512).toBe(0);
    expectInvariants(p);
    const v1 = Object.fromEntries(p.k.vmstat());
    const d = (name: string) => v1[name] - v0[name];
    const after = frames(f);
    const moved = [...before].filter(([k, pa]) => after.get(k) !== pa).length;
    expect(moved).toBeGreaterThan(0);
    // Counters match what happened: each moved page is one pgmigrate_success.
    expect(d("pgmigrate_success")).toBe(moved);
    expect(d("pgmigrate_fail")).toBe(0);
    expect(d("compact_stall")).toBe(1);
    expect(d("compact_success")).toBe(1);
    expect(d("compact_fail")).toBe(0);
    expect(d("compact_migrate_scanned")).toBeGreaterThan(0);
    expect(d("compact_free_scanned")).toBeGreaterThan(0);
    expect(d("compact_isolated")).toBeGreaterThanOrEqual(2 * moved);
    expect(d("compact_daemon_wake")).toBe(0);
    dataIntact(f);
    // The block is the allocation's: no moved page lands in it.
    for (const pa of after.values()) expect(Math.floor(pa / PAGE) - pfn >>> 0).toBeGreaterThanOrEqual(512);
    p.k.freePages(pfn, 9);
    for (const h of f.held) p.k.freePages(h, 9);
    f.parent.exit();
    f.child.exit();
    expectInvariants(p);
  }, 180_000);

  it("compact_memory compacts every zone whole: the extfrag and unusable indexes fall, unmovable pages stay", () => {
    const f = fragment();
    const { p } = f;
    const before = frames(f);
    const kernelPage = p.k.allocPages(GFP.GFP_KERNEL, 0);
    const frag0 = dma32(p);
    expect(p.x.compact_memory()).toBe(0);
    expectInvariants(p);
    p.k.drainAllPages();
    const frag1 = dma32(p);
    expect(fragmentationIndex(frag0, 9)).toBeGreaterThan(900);
    expect(fragmentationIndex(frag1, 9)).toBe(-1000);      // a block of order 9 is free now
    expect(unusableIndex(frag1, 9)).toBeLessThan(unusableIndex(frag0, 9));
    expect(unusableIndex(frag0, 9)).toBe(1000);
    dataIntact(f);
    const after = frames(f);
    const moved = [...before].filter(([k, pa]) => after.get(k) !== pa).length;
    expect(p.k.counter("pgmigrate_success")).toBe(moved);
    expect(p.k.counter("compact_stall")).toBe(0);
    // The lowest page moves (the next test pins it, and then it stays).
    const low = lowestKept(before);
    expect(after.get(low)).not.toBe(before.get(low));
    // The kernel's blocks are where they were: still allocated, and freeing them works.
    p.k.freePages(kernelPage, 0);
    for (const h of f.held) p.k.freePages(h, 9);
    f.parent.exit();
    f.child.exit();
    expectInvariants(p);
  }, 180_000);

  it("kcompactd works only when woken, and counts compact_daemon_*", () => {
    const f = fragment();
    const { p } = f;
    expect(p.x.kcompactd(0, 0)).toBe(0);
    expect(p.k.counter("compact_daemon_wake")).toBe(0);
    p.x.wakeup_kcompactd(9, 1);
    expect(p.x.kcompactd(0, 0)).toBe(2);
    expectInvariants(p);
    expect(p.x.kcompactd(0, 0)).toBe(0);
    expect(p.k.counter("compact_daemon_wake")).toBe(1);
    expect(p.k.counter("compact_daemon_migrate_scanned")).toBeGreaterThan(0);
    expect(p.k.counter("compact_daemon_migrate_scanned")).toBe(p.k.counter("compact_migrate_scanned"));
    expect(p.k.counter("compact_daemon_free_scanned")).toBe(p.k.counter("compact_free_scanned"));
    expect(p.k.counter("pgmigrate_success")).toBeGreaterThan(0);
    p.k.drainAllPages();
    expect(fragmentationIndex(dma32(p), 9)).toBe(-1000);
    dataIntact(f);
  }, 180_000);

  it("kernel pages do not move: a zone they fragment is skipped below the watermark gap, else compacted in vain and deferred", () => {
    const p = bootProcs("64M");
    const ring = new TraceRing(p.k.exports as unknown as TraceKernel, p.k.memory);
    const zoneRuns = (fn: () => number) => {
      ring.start("counter");
      const r = fn();
      ring.stop();
      return { r, runs: ring.drain().filter((e) => !e.exit && ring.names[e.fn] === "compact_zone").length };
    };
    const held: number[] = [];
    for (let pfn; (pfn = p.k.allocPages(GFP.GFP_KERNEL | GFP.__GFP_NOWARN, 0)) >= 0;) held.push(pfn);
    held.sort((x, y) => x - y);
    // 600 scattered free pages: too few for compaction (low watermark + 2 << 9).
    const freed = held.filter((_, i) => i % 2 === 1).slice(0, 600);
    for (const pfn of freed) p.k.freePages(pfn, 0);
    p.k.drainAllPages();
    const skipped = zoneRuns(() => p.x.alloc_pages_compact(GFP.GFP_HIGHUSER_MOVABLE | GFP.__GFP_NOWARN, 9));
    expect(skipped.r).toBe(-1 - COMPACT_SKIPPED);
    expect(p.k.counter("compact_stall")).toBe(0);
    expect(p.k.counter("compact_migrate_scanned")).toBe(0);
    // Every other page free: enough, but nothing movable. Async, then sync light, both fail.
    for (const pfn of held.filter((_, i) => i % 2 === 1).slice(600)) p.k.freePages(pfn, 0);
    p.k.drainAllPages();
    const failed = zoneRuns(() => p.x.alloc_pages_compact(GFP.GFP_HIGHUSER_MOVABLE | GFP.__GFP_NOWARN, 9));
    expect(failed.r).toBe(-1 - COMPACT_PARTIAL_SKIPPED);
    expect(failed.runs).toBe(4);   // two zones, two priorities
    expect(p.k.counter("compact_stall")).toBe(2);
    expect(p.k.counter("compact_fail")).toBe(2);
    expect(p.k.counter("pgmigrate_success")).toBe(0);
    expect(p.k.counter("compact_migrate_scanned")).toBeGreaterThan(0);
    // Deferred now: the async attempt skips both zones; the sync one runs (defer_shift 1).
    const deferred = zoneRuns(() => p.x.alloc_pages_compact(GFP.GFP_HIGHUSER_MOVABLE | GFP.__GFP_NOWARN, 9));
    expect(deferred.r).toBe(-1 - COMPACT_PARTIAL_SKIPPED);
    expect(deferred.runs).toBe(2);
    expectInvariants(p);
    for (const pfn of held.filter((_, i) => i % 2 === 0)) p.k.freePages(pfn, 0);
    expectInvariants(p);
  }, 180_000);

  it("pages that must not move stay: a pinned page, THP, the zero page, kernel, slab and page-table pages", () => {
    let huge = 0, thpPa = 0;
    const f = fragment((p, parent) => {
      expect(p.x.thp_set_enabled(2)).toBe(0);
      const thp = parent.mmap(4 << 20);
      huge = Math.ceil(thp / (2 << 20)) * (2 << 20);
      thpPa = parent.write(huge, 7);
      expect(thpPa % (2 << 20)).toBe(0);
      expect(p.x.thp_set_enabled(0)).toBe(0);
    });
    const { p } = f;
    const mem = () => new DataView(p.k.memory.buffer);
    // The zero page behind a read.
    const zeroRegion = f.parent.mmap(4 * PAGE, 1);
    const zero = f.parent.read(zeroRegion).pa;
    expect(Math.floor(zero / PAGE)).toBe(p.k.zeroPfn);
    // Reserved, page-table and slab pages (PG_reserved, PG_pgtable, PG_slab): their struct page as it was.
    const fixed: number[] = [];
    for (let pfn = 0; pfn < p.k.maxPfn; pfn++) if (p.k.pages.flags(pfn) & 0xc2) fixed.push(pfn);
    const words = (pfn: number) => mem().getBigUint64(p.k.pages.address(pfn), true) + mem().getBigUint64(p.k.pages.address(pfn) + 16, true);
    const state = fixed.map(words);
    expect(fixed.length).toBeGreaterThan(0);
    // The lowest anonymous page, held once more as get_user_pages would hold it: pinned.
    const low = lowestKept(frames(f));
    const pinned = frames(f).get(low)!;
    const pinnedRef = p.k.pages.address(Math.floor(pinned / PAGE)) + p.k.layout.page_refcount;
    mem().setInt32(pinnedRef, 2, true);
    expect(p.x.compact_memory()).toBe(0);
    expect(frames(f).get(low)).toBe(pinned);
    mem().setInt32(pinnedRef, 1, true);
    expectInvariants(p);
    expect(p.k.counter("pgmigrate_success")).toBeGreaterThan(0);
    fixed.forEach((pfn, i) => expect(words(pfn)).toBe(state[i]));
    expect(f.parent.frame(huge)).toBe(thpPa);
    expect(f.parent.read(huge).byte).toBe(7);
    expect(f.parent.read(zeroRegion).pa).toBe(zero);
    // The kernel's blocks hold their one reference where they were.
    for (const h of f.held) expect(p.k.pages.refcount(h)).toBe(1);
    dataIntact(f);
  }, 180_000);

  it("a fallback that steals a pageblock boosts the zone's watermarks by a pageblock, up to watermark_boost_factor", () => {
    const steal = (factor: number) => {
      const f = fragment((p) => p.k.exports.set_watermark_boost_factor(factor));
      const { p } = f;
      const dma32 = () => p.k.zones()[1];
      // Unmovable allocations: once their own free lists are empty they fall back into movable pageblocks.
      for (let i = 0; i < 2000; i++) expect(p.k.allocPages(GFP.GFP_KERNEL, 0)).toBeGreaterThanOrEqual(0);
      expectInvariants(p);
      return { boost: dma32().boost, high: dma32().watermark[2], unmovable: p.k.pageblockCounts(1)[0] };
    };
    const boosted = steal(15000);
    const maxBoost = Math.max(512, Math.floor(boosted.high * 15000 / 10000));
    expect(boosted.unmovable).toBeGreaterThan(0);
    expect(boosted.boost).toBeGreaterThan(0);
    expect(boosted.boost === maxBoost || boosted.boost % 512 === 0).toBe(true);
    expect(boosted.boost).toBeLessThanOrEqual(maxBoost);
    const none = steal(0);
    expect(none.unmovable).toBeGreaterThan(0);
    expect(none.boost).toBe(0);
  }, 180_000);

  it("is deterministic: the same fragmentation and compaction give the same frames and counters", () => {
    const run = () => {
      const f = fragment();
      f.p.x.compact_memory();
      return { vmstat: f.p.k.vmstat(), frames: [...frames(f)] };
    };
    expect(run()).toEqual(run());
  }, 180_000);
});
