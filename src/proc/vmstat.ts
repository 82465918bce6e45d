// /proc/vmstat (mm/vmstat.c vmstat_show): "%s %lu\n" per counter, zone
// items, node items, then events. THP counters print in huge pages.

import type { Kernel } from "../kernel.js";

/** Counters Linux keeps in pages but prints in HPAGE_PMD_NR units (vmstat_item_print_in_thp). */
export const PRINT_IN_THP = new Set(["nr_anon_transparent_hugepages"]);
export const HPAGE_PMD_NR = 512;

export function vmstat(k: Kernel): string {
  let out = "";
  for (const [name, value] of k.vmstat()) {
    out += `${name} ${PRINT_IN_THP.has(name) ? Math.floor(value / HPAGE_PMD_NR) : value}\n`;
  }
  return out;
}
