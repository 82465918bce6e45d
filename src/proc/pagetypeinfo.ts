// /proc/pagetypeinfo (mm/vmstat.c pagetypeinfo_show): free blocks per
// migratetype and order, then pageblocks per migratetype. This kernel has
// no CMA and no memory isolation, so (as on such a Linux) no CMA or Isolate
// rows; PAGE_OWNER's mixed-block counts are left out too.

import { MIGRATETYPE_NAMES, type Kernel } from "../kernel.js";
import { padStart, padEnd } from "./format.js";

export function pagetypeinfo(k: Kernel): string {
  const zones = k.zones().filter((z) => z.present);
  let out = `Page block order: ${k.pageblockOrder}\n`;
  out += `Pages per block:  ${1 << k.pageblockOrder}\n\n`;
  out += `${padEnd("Free pages count per migrate type at order", 43)} `;
  for (let o = 0; o < k.maxOrder; o++) out += `${padStart(o, 6)} `;
  out += "\n";
  for (const z of zones) {
    const counts = k.freeListCounts(z.idx);
    MIGRATETYPE_NAMES.forEach((name, mt) => {
      out += `Node ${padStart(0, 4)}, zone ${padStart(z.name, 8)}, type ${padStart(name, 12)} `;
      for (let o = 0; o < k.maxOrder; o++) {
        const n = counts[o][mt];
        // Linux stops counting a list at 100000 entries and prints ">".
        out += n >= 100000 ? `>${padStart(100000, 6)} ` : `${padStart(n, 6)} `;
      }
      out += "\n";
    });
  }
  out += `\n${padEnd("Number of blocks type ", 23)}`;
  for (const name of MIGRATETYPE_NAMES) out += `${padStart(name, 12)} `;
  out += "\n";
  for (const z of zones) {
    out += `Node 0, zone ${padStart(z.name, 8)} `;
    for (const n of k.pageblockCounts(z.idx)) out += `${padStart(n, 12)} `;
    out += "\n";
  }
  return out;
}
