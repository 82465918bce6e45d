// kswapd's loop as Linux's kswapd() and kswapd_try_to_sleep run it, one
// turn at a time as the scheduler would give it (kswapd(nid, timed_out)):
// balance_pgdat once per wakeup (pageoutrun), a nap of HZ/10 on a balanced
// node, kswapd_low_wmark_hit_quickly when a wakeup cuts the nap short, a
// sleep until woken after a whole nap, and on a node it cannot balance
// kswapd_high_wmark_hit_quickly until MAX_RECLAIM_RETRIES failures leave
// the node to direct reclaim.

import { describe, expect, it } from "vitest";
import { bootProcs, expectInvariants, Proc, PAGE, type Procs } from "../helpers/processes.js";

const MiB = 1 << 20;
// kswapd(nid, timed_out): 0 if it could not run, else 1 + where it blocked.
const RUNNABLE = 1, NAPPING = 2, SLEEPING = 3;
const MAX_RECLAIM_RETRIES = 16;
const MAP_PRIVATE_ANON = 0x22, MAP_NORESERVE = 0x4000;

function counters(p: Procs) {
  const c = (n: string) => p.k.counter(n);
  return {
    pageoutrun: c("pageoutrun"), low: c("kswapd_low_wmark_hit_quickly"), high: c("kswapd_high_wmark_hit_quickly"),
    inodesteal: c("kswapd_inodesteal"),
  };
}

/** A process that writes one new page at a time; kswapd gets a turn after each write. */
function hog(p: Procs, bytes: number) {
  const h = Proc.create(p, 10);
  const a = h.mmap(bytes, 3, MAP_PRIVATE_ANON | MAP_NORESERVE);
  let i = 0;
  return {
    /** Writes pages until an allocation wakes kswapd; returns its turn's answer. */
    untilKswapdRuns(): number {
      for (;;) {
        h.write(a + i++ * PAGE, 1);
        const r = p.x.kswapd(0, 0);
        if (r) return r;
      }
    },
    writeOne: () => h.write(a + i++ * PAGE, 1),
  };
}

describe("kswapd", () => {
  it("naps on a balanced node, is counted as hitting the low watermark quickly when woken during the nap, sleeps after a whole one", () => {
    const p = bootProcs("16M", "64M");
    const h = hog(p, 48 * MiB);
    expect(counters(p)).toEqual({ pageoutrun: 0, low: 0, high: 0, inodesteal: 0 });
    // Asleep since boot: an allocation below the low watermark wakes it; it balances the node and naps.
    expect(h.untilKswapdRuns()).toBe(NAPPING);
    expect(counters(p)).toEqual({ pageoutrun: 1, low: 0, high: 0, inodesteal: 0 });
    // Neither woken nor timed out: it cannot run.
    expect(p.x.kswapd(0, 0)).toBe(0);
    // Woken before the nap is over: the low watermark was hit quickly; it balances again and naps again.
    expect(h.untilKswapdRuns()).toBe(NAPPING);
    expect(counters(p)).toEqual({ pageoutrun: 2, low: 1, high: 0, inodesteal: 0 });
    // A whole nap on a balanced node: it sleeps until woken, counting nothing.
    expect(p.x.kswapd(0, 1)).toBe(SLEEPING);
    expect(counters(p)).toEqual({ pageoutrun: 2, low: 1, high: 0, inodesteal: 0 });
    expect(p.x.kswapd(0, 1)).toBe(0);
    // Woken from that sleep: a wakeup, not a quick hit.
    expect(h.untilKswapdRuns()).toBe(NAPPING);
    expect(counters(p)).toEqual({ pageoutrun: 3, low: 1, high: 0, inodesteal: 0 });
    expect(p.k.counter("pgsteal_kswapd")).toBeGreaterThan(0);
    expectInvariants(p);
  });

  it("on a node it cannot balance (no swap, only anon) hits the high watermark quickly until it gives up", () => {
    const p = bootProcs("16M");
    // No watermark boosts (vm.watermark_boost_factor 0): kswapd is woken only below the low watermark.
    p.x.set_watermark_boost_factor(0);
    const h = hog(p, 48 * MiB);
    expect(h.untilKswapdRuns()).toBe(RUNNABLE);
    const first = counters(p);
    expect(first).toEqual({ pageoutrun: 1, low: 0, high: 1, inodesteal: 0 });
    // Each turn reclaims nothing (kswapd_failures + 1), so the node stays unbalanced and kswapd runnable.
    for (let failures = 2; failures < MAX_RECLAIM_RETRIES; failures++) expect(p.x.kswapd(0, 0)).toBe(RUNNABLE);
    expect(p.k.counter("pgsteal_kswapd")).toBe(0);
    // The last failure makes the node hopeless: prepare_kswapd_sleep lets it nap, then sleep.
    expect(p.x.kswapd(0, 0)).toBe(NAPPING);
    expect(p.x.kswapd(0, 1)).toBe(SLEEPING);
    const after = counters(p);
    expect({ pageoutrun: after.pageoutrun - first.pageoutrun, high: after.high - first.high, low: after.low - first.low })
      .toEqual({ pageoutrun: MAX_RECLAIM_RETRIES - 1, high: MAX_RECLAIM_RETRIES - 2, low: 0 });
    // A hopeless node is left to direct reclaim: an allocation below low no longer wakes kswapd.
    h.writeOne();
    expect(p.x.kswapd(0, 0)).toBe(0);
    expectInvariants(p);
  });
});
