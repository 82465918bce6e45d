// /proc/zoneinfo (mm/vmstat.c zoneinfo_show_print), for a kernel with one
// CPU and no CONFIG_SMP: so no "vm stats threshold". Every zone of every
// node; the numa_* lines (CONFIG_NUMA) only on a machine of several nodes,
// so a one-node machine's file is a UMA kernel's. Node counters this kernel
// does not keep are left out.

import { NUMA_EVENT_NAMES, type Kernel } from "../kernel.js";
import { padEnd } from "./format.js";
import { PRINT_IN_THP, HPAGE_PMD_NR } from "./vmstat.js";

export function zoneinfo(k: Kernel): string {
  let out = "";
  const numa = k.nodes().length > 1;
  for (const nid of k.nodes()) out += nodeZoneinfo(k, nid, numa);
  return out;
}

function nodeZoneinfo(k: Kernel, nid: number, numa: boolean): string {
  let out = "";
  let firstPopulated = true;
  for (const z of k.zones(nid)) {
    out += `Node ${nid}, zone ${z.name.padStart(8)}`;
    if (z.present && firstPopulated) {
      firstPopulated = false;
      out += "\n  per-node stats";
      for (const [name, v] of k.nodeStat(nid)) {
        out += `\n      ${padEnd(name, 12)} ${PRINT_IN_THP.has(name) ? Math.floor(v / HPAGE_PMD_NR) : v}`;
      }
    }
    const [min, low, high, promo] = z.watermark.map((w) => w + z.boost);
    out += `\n  pages free     ${z.stat.get("nr_free_pages")}`
      + `\n        boost    ${z.boost}`
      + `\n        min      ${min}`
      + `\n        low      ${low}`
      + `\n        high     ${high}`
      + `\n        promo    ${promo}`
      + `\n        spanned  ${z.spanned}`
      + `\n        present  ${z.present}`
      + `\n        managed  ${z.managed}`
      + `\n        cma      0`
      + `\n        protection: (${z.protection.join(", ")})`;
    if (!z.present) {
      out += "\n";
      continue;
    }
    for (const [name, v] of z.stat) out += `\n      ${padEnd(name, 12)} ${v}`;
    if (numa) k.numaEvents({ nid, idx: z.idx }).forEach((v, i) => (out += `\n      ${padEnd(NUMA_EVENT_NAMES[i], 12)} ${v}`));
    out += "\n  pagesets"
      + "\n    cpu: 0"
      + `\n              count:    ${z.pcp.count}`
      + `\n              high:     ${z.pcp.high}`
      + `\n              batch:    ${z.pcp.batch}`
      + `\n              high_min: ${z.pcp.highMin}`
      + `\n              high_max: ${z.pcp.highMax}`
      // No kswapd, so it never fails: node_unreclaimable is 0.
      + "\n  node_unreclaimable:  0"
      + `\n  start_pfn:           ${z.startPfn}`
      + "\n";
  }
  return out;
}
