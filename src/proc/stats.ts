// --stats: the figures users look for after a run, as a plain object and
// as text. Counts are exact and deterministic; seconds, MIPS and faults
// per second are measured on the host and differ run to run. Browser-safe.

/** What a run leaves behind (read just before teardown). */
export interface StatsInput {
  vmstat: Record<string, number>;        // /proc/vmstat's events by name
  mm: { min_flt: number; maj_flt: number; hiwater_rss: number; pgtables_bytes: number; rss: { anon: number; file: number; shmem: number } };
  faultStats: { zero_page: number; cow: number };  // counters Linux does not keep in vmstat
  instructions: number;
  seconds: number;                       // measured host time of the run
  /** The event counters when the run began (exec): the figures are what the run added. */
  since?: { vmstat: Record<string, number>; faultStats: { zero_page: number; cow: number } };
}

export interface RunStats {
  minor_faults: number;        // the task's min_flt
  major_faults: number;        // maj_flt
  pgfault: number;             // vmstat pgfault: every handle_mm_fault, failed ones too
  zero_page_faults: number;    // read faults answered with the shared zero page
  cow_faults: number;          // writes that copied a page (wp_page_copy, do_cow_fault)
  thp_fault_alloc: number;
  thp_fault_fallback: number;
  pgalloc: Record<string, number>;  // pgalloc_<zone>
  pgfree: number;
  page_table_pages: number;    // page-table pages held at exit (VmPTE / 4 kB)
  peak_rss_kb: number;         // VmHWM: hiwater_rss is updated lazily, so max(hiwater_rss, RSS)
  instructions: number;
  seconds: number;
  mips: number;
  faults_per_second: number;
}

/** The kernel's fault_stats counters (assembly/mm/fault_stats.ts), at fault_stats_ptr(). */
export function readFaultStats(memory: WebAssembly.Memory, ptr: number): StatsInput["faultStats"] {
  const w = new Uint32Array(memory.buffer, ptr, 4);
  return { zero_page: w[1] * 2 ** 32 + w[0], cow: w[3] * 2 ** 32 + w[2] };
}

export function runStats(input: StatsInput): RunStats {
  const v = (name: string) => (input.vmstat[name] ?? 0) - (input.since?.vmstat[name] ?? 0);
  const pgalloc: Record<string, number> = {};
  for (const name of Object.keys(input.vmstat)) {
    if (name.startsWith("pgalloc_")) pgalloc[name] = v(name);
  }
  const fault = (name: "zero_page" | "cow") => input.faultStats[name] - (input.since?.faultStats[name] ?? 0);
  const rate = (n: number) => (input.seconds > 0 ? n / input.seconds : 0);
  return {
    minor_faults: input.mm.min_flt,
    major_faults: input.mm.maj_flt,
    pgfault: v("pgfault"),
    zero_page_faults: fault("zero_page"),
    cow_faults: fault("cow"),
    thp_fault_alloc: v("thp_fault_alloc"),
    thp_fault_fallback: v("thp_fault_fallback"),
    pgalloc,
    pgfree: v("pgfree"),
    page_table_pages: input.mm.pgtables_bytes / 4096,
    peak_rss_kb: Math.max(input.mm.hiwater_rss, input.mm.rss.anon + input.mm.rss.file + input.mm.rss.shmem) * 4,
    instructions: input.instructions,
    seconds: input.seconds,
    mips: rate(input.instructions) / 1e6,
    faults_per_second: rate(v("pgfault")),
  };
}

/** The stats as aligned "name  value" lines; measured figures are marked. */
export function formatStats(s: RunStats): string {
  const rows: Array<[string, string]> = [
    ["minor faults", String(s.minor_faults)],
    ["major faults", String(s.major_faults)],
    ["pgfault", String(s.pgfault)],
    ["zero-page faults", String(s.zero_page_faults)],
    ["COW faults", String(s.cow_faults)],
    ["thp_fault_alloc", String(s.thp_fault_alloc)],
    ["thp_fault_fallback", String(s.thp_fault_fallback)],
    ...Object.entries(s.pgalloc).map(([k, n]): [string, string] => [k, String(n)]),
    ["pgfree", String(s.pgfree)],
    ["page tables (pages)", String(s.page_table_pages)],
    ["peak RSS (VmHWM)", `${s.peak_rss_kb} kB`],
    ["instructions", String(s.instructions)],
    ["run time (measured)", `${s.seconds.toFixed(3)} s`],
    ["guest MIPS (measured)", s.mips.toFixed(2)],
    ["faults/s (measured)", s.faults_per_second.toFixed(0)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, value]) => `${k.padEnd(width)}  ${value}\n`).join("");
}
