// Samples of the machine's memory state over a run: the data behind the
// trace counters (chrome.ts) and the plot (plot.ts). Browser-safe.

/** The state after one fault (or at a chosen point). */
export interface Sample {
  ts: number;             // the trace clock when taken (same unit as the events)
  fault: number;          // faults so far in the run
  zones: Array<{ name: string; nr_free: number[] }>;  // free blocks per order, as buddyinfo
  rss: { anon: number; file: number };                // resident pages of the process
}

/** Free pages of a zone: Σ nr_free[order] << order. */
export function zoneFreePages(nr_free: number[]): number {
  return nr_free.reduce((sum, n, order) => sum + n * 2 ** order, 0);
}

/** Free pages per order summed over zones (blocks × pages per block). */
export function freePagesPerOrder(sample: Sample): number[] {
  const orders = Math.max(0, ...sample.zones.map((z) => z.nr_free.length));
  const pages = new Array<number>(orders).fill(0);
  for (const z of sample.zones) z.nr_free.forEach((n, order) => (pages[order] += n * 2 ** order));
  return pages;
}
