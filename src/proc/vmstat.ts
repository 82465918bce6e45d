// /proc/vmstat (mm/vmstat.c vmstat_show): "%s %lu\n" per counter, zone
// items, the NUMA events (on a machine of several nodes: a one-node
// machine's file is a UMA kernel's), node items, then events. THP counters
// print in huge pages.

import { NUMA_EVENT_NAMES, type Kernel } from "../kernel.js";

/** Counters Linux keeps in pages but prints in HPAGE_PMD_NR units (vmstat_item_print_in_thp). */
export const PRINT_IN_THP = new Set(["nr_anon_transparent_hugepages"]);
export const HPAGE_PMD_NR = 512;

export function vmstat(k: Kernel): string {
  let out = "";
  const zoneItems = k.zoneStatNames.length;
  k.vmstat().forEach(([name, value], i) => {
    if (i === zoneItems && k.nodes().length > 1) k.numaEvents().forEach((v, j) => (out += `${NUMA_EVENT_NAMES[j]} ${v}\n`));
    out += `${name} ${PRINT_IN_THP.has(name) ? Math.floor(value / HPAGE_PMD_NR) : value}\n`;
  });
  return out;
}
