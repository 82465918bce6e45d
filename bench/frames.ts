// The frame census the playground redraws from (src/proc/frames.ts): one
// classifyFrames per animation frame. Measured at 256M and 1G, with RAM
// fragmented by a seeded mix of allocations, against a baseline measured in
// the same run: one bare pass reading every struct page's flags word, the
// least any census of mem_map can do.

import { Kernel, GFP } from "../src/kernel.js";
import { loadKernelModule } from "../src/cli/load.js";
import { classifyFrames, newFrameMap } from "../src/proc/frames.js";
import type { Reporter } from "./report.js";

/** Holds about half of RAM in blocks of orders 0-5 and frees a quarter of them again (some to pcp lists). */
function fragment(k: Kernel): void {
  let seed = 1;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const held: Array<[number, number]> = [];
  let pages = 0;
  while (pages < k.totalramPages / 2) {
    const order = Math.floor(rand() * 6);
    const pfn = k.allocPages(GFP.GFP_HIGHUSER_MOVABLE, order);
    if (pfn < 0) break;
    held.push([pfn, order]);
    pages += 1 << order;
  }
  for (let i = 0; i < held.length; i += 4) k.freePages(...held[i]);
}

function bareScan(k: Kernel): number {
  const pages = k.pages;
  let sum = 0;
  for (let pfn = 0; pfn < k.maxPfn; pfn++) sum = (sum + pages.flags(pfn)) | 0;
  return sum;
}

/** Best-of-7 milliseconds per call of fn, after a warm-up of about 300 ms. */
function msPerCall(fn: () => unknown, calls: number): number {
  for (const t0 = performance.now(); performance.now() - t0 < 300;) fn();
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    best = Math.min(best, (performance.now() - t0) / calls);
  }
  return best;
}

export async function framesBench(r: Reporter): Promise<void> {
  r.section("frame census (classifyFrames), ratio to a bare pass over mem_map's flags");
  for (const mem of ["256M", "1G"]) {
    const k = new Kernel(loadKernelModule(), { mem });
    fragment(k);
    const map = newFrameMap(k);
    const calls = mem === "256M" ? 40 : 10;
    const bare = msPerCall(() => bareScan(k), calls);
    const census = msPerCall(() => classifyFrames(k, map), calls);
    r.row(`bare mem_map pass, ${mem} (${k.maxPfn} frames)`, `${bare.toFixed(3)} ms`);
    r.row(`classifyFrames, ${mem}`, `${census.toFixed(3)} ms`, undefined, `${(census / bare).toFixed(2)}x the bare pass`);
  }
}
