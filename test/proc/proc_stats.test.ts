import { describe, expect, it } from "vitest";
import { formatStats, runStats } from "../../src/proc/stats.js";

describe("--stats", () => {
  const stats = runStats({
    vmstat: { pgfault: 12, pgmajfault: 0, pgalloc_dma: 0, pgalloc_dma32: 0, pgalloc_normal: 40, pgfree: 38, thp_fault_alloc: 1, thp_fault_fallback: 0 },
    mm: { min_flt: 11, maj_flt: 0, hiwater_rss: 9, pgtables_bytes: 5 * 4096, rss: { anon: 3, file: 2, shmem: 0 } },
    faultStats: { zero_page: 2, cow: 3 },
    instructions: 5_000_000,
    seconds: 0.5,
  });
  it("gathers the counts and derives the rates", () => {
    expect(stats).toMatchObject({
      minor_faults: 11, pgfault: 12, zero_page_faults: 2, cow_faults: 3, thp_fault_alloc: 1,
      pgalloc: { pgalloc_dma: 0, pgalloc_dma32: 0, pgalloc_normal: 40 }, pgfree: 38,
      page_table_pages: 5, peak_rss_kb: 36, mips: 10, faults_per_second: 24,
    });
  });
  it("formats aligned lines and marks measured figures", () => {
    const text = formatStats(stats);
    const lines = text.trimEnd().split("\n");
    expect(lines).toContain("pgalloc_normal         40");
    expect(lines).toContain("guest MIPS (measured)  10.00");
    expect(new Set(lines.map((l) => l.search(/  \S+( \S+)*$/))).size).toBe(1); // one value column
  });
});

describe("peak RSS", () => {
  it("is the larger of hiwater_rss and the RSS now (Linux updates hiwater_rss lazily)", () => {
    const base = { vmstat: {}, faultStats: { zero_page: 0, cow: 0 }, instructions: 0, seconds: 0 };
    expect(runStats({ ...base, mm: { min_flt: 0, maj_flt: 0, hiwater_rss: 2, pgtables_bytes: 0, rss: { anon: 5, file: 1, shmem: 0 } } }).peak_rss_kb).toBe(24);
    expect(runStats({ ...base, mm: { min_flt: 0, maj_flt: 0, hiwater_rss: 9, pgtables_bytes: 0, rss: { anon: 5, file: 1, shmem: 0 } } }).peak_rss_kb).toBe(36);
  });
});

describe("since exec", () => {
  it("reports what the run added to the event counters, not what boot did", () => {
    const s = runStats({
      vmstat: { pgfault: 30, pgfree: 65000, pgalloc_dma32: 50 }, mm: { min_flt: 0, maj_flt: 0, hiwater_rss: 0, pgtables_bytes: 0, rss: { anon: 0, file: 0, shmem: 0 } },
      faultStats: { zero_page: 5, cow: 2 }, instructions: 0, seconds: 0,
      since: { vmstat: { pgfault: 0, pgfree: 64700, pgalloc_dma32: 8 }, faultStats: { zero_page: 1, cow: 0 } },
    });
    expect(s).toMatchObject({ pgfault: 30, pgfree: 300, pgalloc: { pgalloc_dma32: 42 }, zero_page_faults: 4, cow_faults: 2 });
  });
});
