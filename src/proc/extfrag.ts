// /sys/kernel/debug/extfrag/{extfrag_index,unusable_index}, computed as
// mm/vmstat.c does: integer arithmetic in thousandths, from each zone's
// free_area[order].nr_free. Browser-safe.

import type { Kernel } from "../kernel.js";

/** A zone's free lists as buddyinfo shows them: free blocks per order. */
export interface ZoneFreeArea {
  name: string;
  nr_free: number[];
  /** Its node (default 0). */
  nid?: number;
}

/** struct contig_page_info for a request of `suitableOrder`. */
export function contigPageInfo(nr_free: number[], suitableOrder: number) {
  let free_pages = 0, free_blocks_total = 0, free_blocks_suitable = 0;
  nr_free.forEach((blocks, order) => {
    free_blocks_total += blocks;
    free_pages += blocks * 2 ** order;
    if (order >= suitableOrder) free_blocks_suitable += blocks * 2 ** (order - suitableOrder);
  });
  return { free_pages, free_blocks_total, free_blocks_suitable };
}

/**
 * __fragmentation_index, in thousandths: -1000 when a block of this order is
 * free (the index only means something when the request would fail); 0 =>
 * it would fail for lack of memory; towards 1000 => for fragmentation.
 */
export function fragmentationIndex(nr_free: number[], order: number): number {
  const info = contigPageInfo(nr_free, order);
  if (!info.free_blocks_total) return 0;
  if (info.free_blocks_suitable) return -1000;
  const requested = 2 ** order;
  return 1000 - Math.floor((1000 + Math.floor((info.free_pages * 1000) / requested)) / info.free_blocks_total);
}

/** unusable_free_index, in thousandths: the share of free memory too fragmented for this order. */
export function unusableIndex(nr_free: number[], order: number): number {
  const info = contigPageInfo(nr_free, order);
  if (info.free_pages === 0) return 1000;
  return Math.floor(((info.free_pages - info.free_blocks_suitable * 2 ** order) * 1000) / info.free_pages);
}

/** index / 1000 and index % 1000 as C prints them (truncating toward zero). */
function thousandths(index: number, width: number): string {
  const whole = Math.trunc(index / 1000);
  const frac = Math.abs(index % 1000);
  return `${String(whole).padStart(width)}.${String(frac).padStart(3, "0")} `;
}

function perZone(zones: ZoneFreeArea[], index: (nr_free: number[], order: number) => number, width: number): string {
  return zones.map((z) =>
    `Node ${z.nid ?? 0}, zone ${z.name.padStart(8)} ` + z.nr_free.map((_, order) => thousandths(index(z.nr_free, order), width)).join("") + "\n",
  ).join("");
}

/** extfrag_index: "%2d.%03d " per order, for each populated zone. */
export function extfragIndex(zones: ZoneFreeArea[]): string {
  return perZone(zones, fragmentationIndex, 2);
}

/** unusable_index: "%d.%03d " per order, for each populated zone. */
export function unusableIndexText(zones: ZoneFreeArea[]): string {
  return perZone(zones, unusableIndex, 1);
}

/** Every node's populated zones, with their node. */
function nodesFreeAreas(k: Kernel): ZoneFreeArea[] {
  return k.nodes().flatMap((nid) => k.freeAreas(nid).map((z) => ({ ...z, nid })));
}

/** /sys/kernel/debug/extfrag/extfrag_index of a running kernel. */
export function extfrag_index(k: Kernel): string {
  return extfragIndex(nodesFreeAreas(k));
}

/** /sys/kernel/debug/extfrag/unusable_index of a running kernel. */
export function unusable_index(k: Kernel): string {
  return unusableIndexText(nodesFreeAreas(k));
}
