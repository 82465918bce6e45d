// /proc/pagetypeinfo (mm/vmstat.c pagetypeinfo_show): free blocks per
// migratetype and order, then pageblocks per migratetype. This kernel has
// no CMA and no memory isolation, so (as on such a Linux) no CMA or Isolate
// rows; PAGE_OWNER's mixed-block counts are left out too.

import { MIGRATETYPE_NAMES, type Kernel } from "../kernel.js";
import { padStart, padEnd } from "./format.js";

export function pagetypeinfo(k: Kernel): string {
  let out = "";
  // One whole table per node with memory (the seq_file walks pgdats).
  for (const nid of k.nodes()) {
    const zones = k.zones(nid).filter((z) => z.present);
    if (zones.length === 0) continue;
    out += `Page block order: ${k.pageblockOrder}\n`;
    out += `Pages per block:  ${1 << k.pageblockOrder}\n\n`;
    out += `${padEnd("Free pages count per migrate type at order", 43)} `;
    for (let o = 0; o < k.maxOrder; o++) out += `${padStart(o, 6)} `;
    out += "\n";
    for (const z of zones) {
      const counts = k.freeListCounts(z.idx, nid);
      MIGRATETYPE_NAMES.forEach((name, mt) => {
        out += `Node ${padStart(nid, 4)}, zone ${padStart(z.name, 8)}, type ${padStart(name, 12)} `;
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
      out += `Node ${nid}, zone ${padStart(z.name, 8)} `;
      for (const n of k.pageblockCounts(z.idx, nid)) out += `${padStart(n, 12)} `;
      out += "\n";
    }
  }
  return out;
}
