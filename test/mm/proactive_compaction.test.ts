// kcompactd's proactive compaction (vm.compaction_proactiveness), against
// Linux 6.18's rules in mm/compaction.c: a zone's fragmentation score is
// the percentage of its free pages outside order-9 blocks
// (extfrag_for_order); a round starts on kcompactd's 500 ms timeout when
// the node's score is above 100 - proactiveness + 10 and runs each zone
// down to 100 - proactiveness (at least 5); a nonzero write of the sysctl
// triggers a round at once; a round that does not lower the score defers
// the next by 64 timeouts. The sysctl's file, default and refusals are
// compared with this machine's kernel.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { GFP } from "../../src/kernel.js";
import { eventLine } from "../../src/trace/events.js";
import { buildStatic, faultlineRun, runIn, type Ran } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const SOURCE = new URL("../native/compaction/fragment_sleep.c", import.meta.url).pathname;
const PAGES = "8192";

interface Report { zones: Map<string, number[]>; vmstat: Map<string, number> }

/** fragment_sleep's reports ("-- when", buddyinfo lines, counters), by when. */
function reports(stdout: string): Map<string, Report> {
  const out = new Map<string, Report>();
  let cur: Report | null = null;
  for (const line of stdout.split("\n")) {
    const when = /^-- (.+)$/.exec(line);
    const zone = /^Node 0, zone +(\S+) +(.*)$/.exec(line);
    const stat = /^([a-z_]+) (\d+)$/.exec(line);
    if (when) out.set(when[1], (cur = { zones: new Map(), vmstat: new Map() }));
    else if (zone) cur!.zones.set(zone[1], zone[2].trim().split(/ +/).map(Number));
    else if (stat) cur!.vmstat.set(stat[1], Number(stat[2]));
  }
  return out;
}

/** fragmentation_score_zone: extfrag_for_order(zone, COMPACTION_HPAGE_ORDER = 9), from buddyinfo's free blocks. */
function score(nr_free: number[]): number {
  const free = nr_free.reduce((sum, n, order) => sum + n * 2 ** order, 0);
  const suitable = nr_free.reduce((sum, n, order) => sum + (order >= 9 ? n * 2 ** order : 0), 0);
  return free ? Math.floor(((free - suitable) * 100) / free) : 0;
}

const compaction = (r: Report) => Object.fromEntries([...r.vmstat].filter(([k]) => k.startsWith("compact_") || k === "pgmigrate_success"));

describe.runIf(needs(TOOLS.gcc, TOOLS.dist))("fragment_sleep.c: scattered free memory, then virtual time", () => {
  const run = (...options: string[]): Ran => {
    const exe = buildStatic("gcc", SOURCE);
    const a = faultlineRun("--mem", "64M", "--thp", "never", ...options, exe, PAGES, "3");
    expect(a.status).toBe(0);
    expect(a.stdout).toContain("kept pages intact: yes\n");
    // Deterministic, byte for byte.
    expect(faultlineRun("--mem", "64M", "--thp", "never", ...options, exe, PAGES, "3")).toEqual(a);
    return a;
  };

  it("with proactiveness 0 the free memory stays scattered; with 100 kcompactd gathers it while the program sleeps", () => {
    const off = reports(run("--sysctl", "vm.compaction_proactiveness=0").stdout);
    const on = reports(run("--sysctl", "vm.compaction_proactiveness=100").stdout);
    // Both start alike: two thirds of DMA32's free pages outside order-9 blocks, above 100's high mark (15).
    expect(on.get("fragmented")).toEqual(off.get("fragmented"));
    const before = off.get("fragmented")!.zones.get("DMA32")!;
    expect(score(before)).toBeGreaterThan(15);

    const stayed = off.get("slept")!;
    expect(score(stayed.zones.get("DMA32")!)).toBe(score(before));
    expect(Object.values(compaction(stayed)).every((v) => v === 0)).toBe(true);

    // One round at the first timeout (500 ms) ran until the scanners met: order-10 blocks formed from
    // scattered pages, and the score fell below the high mark, so the later timeouts found nothing to do.
    const gathered = on.get("slept")!;
    const after = gathered.zones.get("DMA32")!;
    expect(score(after)).toBeLessThanOrEqual(15);
    expect(after[10]).toBeGreaterThan(before[10]);
    const c = compaction(gathered);
    expect(c.pgmigrate_success).toBeGreaterThan(1000);
    // kcompactd did all the scanning, and a proactive round is no kcompactd wakeup in Linux's counters.
    expect(c.compact_daemon_migrate_scanned).toBe(c.compact_migrate_scanned);
    expect(c.compact_daemon_free_scanned).toBe(c.compact_free_scanned);
    expect(c.compact_daemon_wake).toBe(0);
    expect(c.compact_stall).toBe(0);
  }, 300_000);

  it("with the default (20, as Linux's) the same scattering is below the high mark (90): nothing moves", () => {
    const r = reports(run().stdout);
    expect(score(r.get("slept")!.zones.get("DMA32")!)).toBeGreaterThan(15);
    expect(compaction(r.get("slept")!).compact_migrate_scanned).toBe(0);
  }, 300_000);

  it("a write of a nonzero proactiveness runs a round at once, as compaction_proactiveness_sysctl_handler wakes kcompactd", () => {
    const exe = buildStatic("gcc", SOURCE);
    const r = faultlineRun("--mem", "64M", "--thp", "never", "--sysctl", "vm.compaction_proactiveness=0", exe, PAGES, "0", "write=100");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("write 100: 3\n");
    const after = reports(r.stdout).get("after the write")!;
    expect(score(after.zones.get("DMA32")!)).toBeLessThanOrEqual(15);
    expect(compaction(after).pgmigrate_success).toBeGreaterThan(1000);
  }, 300_000);
});

describe("a round that cannot lower the score", () => {
  it("defers the next by 64 intervals (32 s of virtual time)", () => {
    const m = new Machine(loadKernelModule("release"), { mem: "64M", thp: "never", sysctl: { "vm.compaction_proactiveness": 100 } });
    // Every other page held by the kernel, unmovable: compaction can move none of them.
    const all: number[] = [];
    for (let pfn; (pfn = m.kernel.allocPages(GFP.GFP_KERNEL | GFP.__GFP_NOWARN, 0)) >= 0;) all.push(pfn);
    all.sort((x, y) => x - y).forEach((pfn, i) => i % 2 && m.kernel.freePages(pfn, 0));
    m.kernel.drainAllPages();
    m.exec(new Uint8Array(readFileSync("/bin/busybox")), ["sleep", "40"]);
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
    const kcompactd = m.kthreads.byPid(3)!;
    expect(kcompactd.comm).toBe("kcompactd0");
    // Woken by the boot-time write (nothing fragmented yet: no round); by kswapd twice (balance_pgdat
    // dropped the boost an allocation raised: kcompactd_do_work for a pageblock), once for the
    // allocations above (kswapd runs as busybox first returns to user mode) and once for busybox's
    // first allocation, which woke kswapd again; then timed out at 0.5 s (a round, no progress: next
    // in 32 s) and at 32.5 s (the same). Without the deferral it would have woken 80 times in 40 s.
    const v = Object.fromEntries(m.kernel.vmstat());
    expect(v.compact_daemon_wake).toBe(2);
    expect({ wakeups: kcompactd.wakeups, runs: kcompactd.runs }).toEqual({ wakeups: 5, runs: 4 });
    expect(v.compact_daemon_migrate_scanned).toBeGreaterThan(0);
    expect(v.pgmigrate_success).toBe(0);
    expect(m.kernel.kcompactdTimeout(0)).toBe(32_000);
  }, 120_000);
});

describe.runIf(needs(TOOLS.busybox, TOOLS.dist))("/proc/sys/vm/compaction_proactiveness", () => {
  it("reads and refuses as this kernel does", () => {
    const script = [
      "stat -c '%A %n' /proc/sys/vm/compaction_proactiveness",
      "cat /proc/sys/vm/compaction_proactiveness",
      "for v in 101 -1 abc 1000; do echo \"$v\" > /proc/sys/vm/compaction_proactiveness; echo rc=$?; done",
      "cat /proc/sys/vm/compaction_proactiveness",
    ].join("\n");
    const native = runIn("/bin/busybox", ["sh", "-c", script]);
    expect(native.stdout).toContain("\n20\n");
    expect(faultlineRun("/bin/busybox", "sh", "-c", script)).toEqual(native);
  }, 300_000);

  it("takes 0..100 (faultline only: natively it would change this machine)", () => {
    const r = faultlineRun("/bin/busybox", "sh", "-c",
      "for v in 0 100 35; do echo $v > /proc/sys/vm/compaction_proactiveness && cat /proc/sys/vm/compaction_proactiveness; done");
    expect(r.stdout).toBe("0\n100\n35\n");
  }, 300_000);
});

describe("the compaction tracepoints", () => {
  it("print as trace_pipe does (a line of this machine's kernel, kcompactd0's timeout)", () => {
    expect(eventLine({ comm: "kcompactd0", pid: 38 }, 40402_238106_000, "mm_compaction_kcompactd_sleep: nid=0"))
      .toBe("      kcompactd0-38      [000] ..... 40402.238106: mm_compaction_kcompactd_sleep: nid=0");
  });

  it.runIf(needs(TOOLS.gcc, TOOLS.dist))("--trace compaction: the write's wakeup, the round's zones, then a wait per timeout", () => {
    const exe = buildStatic("gcc", SOURCE);
    const args = ["--mem", "64M", "--thp", "never", "--sysctl", "vm.compaction_proactiveness=0", "--trace", "compaction", exe, PAGES, "2", "write=100"];
    const r = faultlineRun(...args);
    expect(r.status).toBe(0);
    const lines = r.stderr.split("\n").filter((l) => l.includes(": mm_compaction_"));
    // The program's write wakes kcompactd (order -1: proactive; classzone_idx the node's highest zone), which
    // compacts DMA and DMA32 whole (MIGRATE_SYNC_LIGHT) at its next turn; then it waits, its timeout
    // passing every 500 ms with the score below the high mark.
    const events = lines.map((l) => /^ +(\S+)-(\d+) +\[000\] \.{5} +(\d+\.\d{6}): (\w+): (.*)$/.exec(l)!.slice(1));
    expect(events.map(([comm, , , name]) => `${comm} ${name}`)).toEqual([
      "fragment_sleep mm_compaction_wakeup_kcompactd",
      "kcompactd0 mm_compaction_begin", "kcompactd0 mm_compaction_end",
      "kcompactd0 mm_compaction_begin", "kcompactd0 mm_compaction_end",
      "kcompactd0 mm_compaction_kcompactd_sleep",
      "kcompactd0 mm_compaction_kcompactd_sleep", "kcompactd0 mm_compaction_kcompactd_sleep",
      "kcompactd0 mm_compaction_kcompactd_sleep", "kcompactd0 mm_compaction_kcompactd_sleep",
    ]);
    expect(events[0][4]).toBe("nid=0 order=-1 classzone_idx=DMA32   ");
    expect(events[1][4]).toBe("zone_start=0x0 migrate_pfn=0x0 free_pfn=0xe00 zone_end=0x1000, mode=sync");
    expect(events[4][4]).toMatch(/^zone_start=0x1000 migrate_pfn=0x[0-9a-f]+ free_pfn=0x[0-9a-f]+ zone_end=0x4000, mode=sync status=complete$/);
    // Each timeout 500 ms after the last wait began.
    const sleeps = events.filter((e) => e[3] === "mm_compaction_kcompactd_sleep").map((e) => Number(e[2]));
    expect(sleeps.slice(1).map((t, i) => Math.round((t - sleeps[i]) * 1000))).toEqual([500, 500, 500, 500]);
    expect(faultlineRun(...args)).toEqual(r);
  }, 300_000);
});
