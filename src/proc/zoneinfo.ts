// /proc/zoneinfo (mm/vmstat.c zoneinfo_show_print), for a UMA kernel with one
// CPU and no CONFIG_SMP or CONFIG_NUMA: so no "vm stats threshold" and no
// numa_* lines. Node counters this kernel does not keep are left out.

import type { Kernel } from "../kernel.js";
import { padEnd } from "./format.js";
import { PRINT_IN_THP, HPAGE_PMD_NR } from "./vmstat.js";

export function zoneinfo(k: Kernel): string {
  let out = "";
  let firstPopulated = true;
  for (const z of k.zones()) {
    out += `Node 0, zone ${z.name.padStart(8)}`;
    if (z.present && firstPopulated) {
      firstPopulated = false;
      out += "\n  per-node stats";
      for (const [name, v] of k.nodeStat()) {
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
