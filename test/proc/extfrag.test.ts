// extfrag_index and unusable_index against mm/vmstat.c's formulas, on
// hand-built free lists whose values are worked out by hand below.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { extfragIndex, fragmentationIndex, unusableIndex, unusableIndexText } from "../../src/proc/extfrag.js";

// 10 free order-0 blocks and 5 order-1 blocks: 20 free pages in 15 blocks.
const fragmented = { name: "Normal", nr_free: [10, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0] };

describe("extfrag_index", () => {
  it("prints -1.000 where a block is free, else 1000 - (1000 + free*1000/2^order) / blocks", () => {
    // order 2: 1000 - (1000 + 20000/4)/15 = 1000 - 400 = 600; order 3: 1000 - 3500/15 = 767 …
    expect(extfragIndex([fragmented])).toBe(
      "Node 0, zone   Normal -1.000 -1.000  0.600  0.767  0.850  0.892  0.913  0.923  0.929  0.931  0.933 \n");
  });
  it("is 0 with no free memory at all (failure for lack of memory)", () => {
    expect(extfragIndex([{ name: "DMA", nr_free: new Array(11).fill(0) }])).toBe(
      "Node 0, zone      DMA " + " 0.000 ".repeat(11) + "\n");
  });
});

describe("unusable_index", () => {
  it("prints the unusable share of free pages, and 1.000 with nothing free", () => {
    // order 0: all 20 usable; order 1: 5 blocks of 2 usable = 10 of 20 -> 0.500; higher: none.
    expect(unusableIndexText([fragmented, { name: "DMA32", nr_free: new Array(11).fill(0) }])).toBe(
      "Node 0, zone   Normal 0.000 0.500 " + "1.000 ".repeat(9) + "\n" +
      "Node 0, zone    DMA32 " + "1.000 ".repeat(11) + "\n");
  });
});

/** Linux's two formulas in 64-bit integer arithmetic (BigInt, as the C does): [extfrag, unusable]. */
function linux(nr: number[], order: number) {
  let free = 0n, total = 0n, suitable = 0n;
  nr.forEach((b, o) => {
    total += BigInt(b); free += BigInt(b) << BigInt(o);
    if (o >= order) suitable += BigInt(b) << BigInt(o - order);
  });
  const frag = !total ? 0n : suitable ? -1000n : 1000n - (1000n + (free * 1000n) / (1n << BigInt(order))) / total;
  const unusable = free === 0n ? 1000n : ((free - (suitable << BigInt(order))) * 1000n) / free;
  return [Number(frag), Number(unusable)];
}

describe("against the formulas in 64-bit integer arithmetic", () => {
  it("agrees on random free lists", () => {
    fc.assert(fc.property(fc.array(fc.nat(70000), { minLength: 11, maxLength: 11 }), fc.nat(10), (nr, order) => {
      expect([fragmentationIndex(nr, order), unusableIndex(nr, order)]).toEqual(linux(nr, order));
    }), { numRuns: 300 });
  });
});

describe("on a running kernel", () => {
  it("prints, per populated zone, Linux's formulas over the free lists /proc/buddyinfo shows", async () => {
    const { readFileSync } = await import("node:fs");
    const { Kernel, GFP } = await import("../../src/kernel.js");
    const { buddyinfo } = await import("../../src/proc/buddyinfo.js");
    const { extfrag_index, unusable_index } = await import("../../src/proc/extfrag.js");
    const k = new Kernel(new WebAssembly.Module(readFileSync("build/kernel.wasm")), { mem: "16M" });
    const pfns: number[] = [];
    for (let pfn; (pfn = k.allocPages(GFP.GFP_KERNEL | GFP.__GFP_NOWARN, 0)) >= 0;) pfns.push(pfn);
    // Free every page whose buddy stays allocated: none of them can merge.
    for (const pfn of pfns) if (pfn % 2 === 0) k.freePages(pfn, 0);
    k.drainAllPages();
    const zones = buddyinfo(k).trimEnd().split("\n").map((line) => {
      const f = line.split(/ +/);
      return { name: f[3], nr: f.slice(4).map(Number) };
    });
    // The pages GFP_KERNEL left under the min watermark stay free; an even page
    // just below such a run merges with it, so allow one such page.
    expect(zones[0].nr[0]).toBeGreaterThan(pfns.length / 2 - 2);
    // The sampler's cheap read agrees with the full zone read.
    expect(k.freeAreas()).toEqual(k.zones().filter((z) => z.present).map((z) => ({ name: z.name, nr_free: z.nrFree })));
    const fmt = (v: number, width: number) => `${String(Math.trunc(v / 1000)).padStart(width)}.${String(Math.abs(v % 1000)).padStart(3, "0")} `;
    const expect_ = (index: 0 | 1, width: number) => zones.map((z) =>
      `Node 0, zone ${z.name.padStart(8)} ` + z.nr.map((_, o) => fmt(linux(z.nr, o)[index], width)).join("") + "\n").join("");
    expect(extfrag_index(k)).toBe(expect_(0, 2));
    expect(unusable_index(k)).toBe(expect_(1, 1));
    expect(extfrag_index(k)).toMatch(/ 0\.9\d\d \n$/);   // order 10: fragmentation, not lack of memory
  });
});
