// /proc/zoneinfo for a given RAM size against Linux's formulas, computed
// here from the text alone: zone spans from the zone boundaries (ZONE_DMA
// below 16 MiB, ZONE_DMA32 below 4 GiB, one RAM range from pfn 0),
// min_free_kbytes and the watermarks from the managed pages
// (calculate_min_free_kbytes, __setup_per_zone_wmarks), lowmem_reserve
// (setup_per_zone_lowmem_reserve) and the pcp batch and high limits
// (zone_batchsize, zone_highsize with one CPU).

import { describe, expect, it } from "vitest";
import { zoneinfo } from "../../src/proc/index.js";
import { machine } from "../helpers/machine.js";

interface Zone { name: string; fields: Map<string, number>; protection: number[] }

function parse(text: string): Zone[] {
  return text.split(/(?=^Node 0, zone)/m).map((block) => {
    const name = /^Node 0, zone +(\S+)/.exec(block)![1];
    const fields = new Map<string, number>();
    for (const m of block.matchAll(/^ +(pages free|min|low|high|promo|spanned|present|managed|batch:|high_min:|high_max:|start_pfn:) +(\d+)$/gm))
      if (!fields.has(m[1])) fields.set(m[1], Number(m[2]));
    const protection = /protection: \(([^)]*)\)/.exec(block)![1].split(", ").map(Number);
    return { name, fields, protection };
  });
}

const intSqrt = (x: number) => {
  let r = Math.floor(Math.sqrt(x));
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
};
const roundDownPow2 = (x: number) => 2 ** Math.floor(Math.log2(x));

// sysctl_lowmem_reserve_ratio: DMA 256, DMA32 256, Normal 32, Movable 0
const RATIO = [256, 256, 32, 0, 0];

describe("/proc/zoneinfo by Linux's formulas", () => {
  for (const mem of [32, 256, 1024, 4096]) {
    it(`${mem} MiB of RAM`, () => {
      const pages = mem * 256;
      const zones = parse(zoneinfo(machine(`${mem}M`)));
      expect(zones.map((z) => z.name)).toEqual(["DMA", "DMA32", "Normal", "Movable", "Device"].slice(0, zones.length));
      const f = (z: Zone, key: string) => z.fields.get(key)!;
      // spans: [0, 16 MiB), [16 MiB, 4 GiB), nothing above
      const bounds = [[0, Math.min(pages, 4096)], [4096, Math.min(pages, 1 << 20)]];
      zones.forEach((z, i) => {
        const [start, end] = bounds[i] ?? [0, 0];
        expect([z.name, f(z, "spanned"), f(z, "present")]).toEqual([z.name, Math.max(end - start, 0), Math.max(end - start, 0)]);
        if (end > start) expect(f(z, "start_pfn:")).toBe(start);
        // at boot every managed page is free, and reservations only take pages away
        expect(f(z, "pages free")).toBe(f(z, "managed"));
        expect(f(z, "managed")).toBeLessThanOrEqual(f(z, "present"));
      });
      const managed = zones.map((z) => f(z, "managed"));
      // calculate_min_free_kbytes over lowmem (every zone but Movable here)
      const lowmemKb = (managed[0] + managed[1] + (managed[2] ?? 0)) * 4;
      const minFreeKb = Math.min(Math.max(intSqrt(lowmemKb * 16), 128), 262144);
      const pagesMin = minFreeKb >> 2;
      const lowmemPages = managed[0] + managed[1] + (managed[2] ?? 0);
      zones.forEach((z, i) => {
        const m = managed[i];
        if (!f(z, "present")) return;
        const min = Math.floor((pagesMin * m) / lowmemPages);
        // watermark_scale_factor 10: max(min / 4, managed * 10 / 10000)
        const step = Math.max(min >> 2, Math.floor((m * 10) / 10000));
        expect([z.name, f(z, "min"), f(z, "low"), f(z, "high"), f(z, "promo")]).toEqual([z.name, min, min + step, min + 2 * step, min + 3 * step]);
        // lowmem_reserve[j] = managed pages of zones i+1..j / ratio[i]
        const want = zones.map((_, j) => {
          if (j <= i || !RATIO[i]) return 0;
          return Math.floor(managed.slice(i + 1, j + 1).reduce((a, b) => a + b, 0) / RATIO[i]);
        });
        expect([z.name, z.protection]).toEqual([z.name, want]);
        // zone_batchsize, then zone_highsize's bounds (one CPU)
        let batch = Math.max(Math.floor(Math.min(m >> 10, 256) / 4), 1);
        batch = Math.max(roundDownPow2(batch + (batch >> 1)) - 1, 1);
        expect([z.name, f(z, "batch:")]).toEqual([z.name, batch]);
        expect([z.name, f(z, "high_min:"), f(z, "high_max:")]).toEqual([z.name, Math.max(min + step, batch * 4), Math.max(Math.floor(m / 8), batch * 4)]);
      });
    });
  }
});
