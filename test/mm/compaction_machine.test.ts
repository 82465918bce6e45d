// Compaction under a running guest: pages moved between its write and
// read-back loops keep its data (the guest's own checksum), kcompactd runs
// between guest quanta when woken, on its own Perfetto track, and the
// same run gives the same counters and trace twice.

import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Machine } from "../../src/machine.js";
import { QUANTUM } from "../../src/task/sched.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { GFP } from "../../src/kernel.js";
import { programPath } from "../helpers/program_cases.js";

const decoder = new TextDecoder();
const touchWrite = () => new Uint8Array(readFileSync(programPath({ program: "touch_write" })));

function checksum(pages: number): number {
  let sum = 0;
  for (let i = 0; i < pages; i++) sum += (i * 7 + 1) & 0xff;
  return sum;
}

/** The kernel takes every free page, then frees every other one. @return the pages it still holds */
function holdEveryOtherPage(m: Machine): number[] {
  const all: number[] = [];
  for (let pfn; (pfn = m.kernel.allocPages(GFP.GFP_HIGHUSER_MOVABLE | GFP.__GFP_NOWARN, 0)) >= 0;) all.push(pfn);
  all.sort((x, y) => x - y).forEach((pfn, i) => i % 2 && m.kernel.freePages(pfn, 0));
  m.kernel.drainAllPages();
  return all.filter((_, i) => i % 2 === 0);
}

describe("compaction with a running guest", () => {
  it("compact_memory between the guest's writes and its read-back moves its pages; its checksum is right", () => {
    let stdout = "";
    const m = new Machine(loadKernelModule("debug"), { mem: "64M", stdout: (b) => (stdout += decoder.decode(b)) });
    // The guest's pages land in every other frame: the kernel holds the rest, then lets them go.
    const held = holdEveryOtherPage(m);
    const pages = 5000;
    m.exec(touchWrite(), ["./touch_write", String(pages)]);
    while (m.faults < pages) expect(m.run(5000)).toMatchObject({ kind: "budget" });
    for (const pfn of held) m.kernel.freePages(pfn, 0);
    m.kernel.drainAllPages();
    m.compactMemory();
    expect(m.kernel.checkInvariants()).toBe(0);
    expect(m.kernel.counter("pgmigrate_success")).toBeGreaterThan(pages / 4);
    // At most the batch in flight when the free scanner met the migrate scanner (migrate_pages' -ENOMEM, counted as Linux counts it).
    expect(m.kernel.counter("pgmigrate_fail")).toBeLessThanOrEqual(1);
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
    expect(stdout).toBe(`touched ${pages} pages, checksum ${checksum(pages)}\n`);
  }, 60_000);

  it("kcompactd, once woken, runs at the next point between quanta, on its own track; twice the same", () => {
    const once = () => {
      const m = new Machine(loadKernelModule("trace"), { mem: "64M" });
      // No order-9 block is free.
      holdEveryOtherPage(m);
      m.exec(new Uint8Array(readFileSync(programPath({ program: "sieve" }))), ["./sieve"]);
      const observer = m.observe({ trace: true, keepRecords: true });
      m.kernel.exports.wakeup_kcompactd(9, 1);
      const end = m.run(3 * QUANTUM);
      observer.close();
      const trace = observer.chromeTrace("sieve");
      return { end, vmstat: m.kernel.vmstat(), retired: m.cpu.retired, trace: JSON.stringify(trace), kthreads: observer.kthreads };
    };
    const a = once();
    expect(a.retired).toBeGreaterThan(QUANTUM);
    // The first turn runs kcompactd0 (pid 3) for the test's wakeup, then kswapd0 (pid 4), woken when the
    // allocations above emptied the zone and again when the guest's first fallback steals boosted the
    // watermarks: balance_pgdat drops the boost and wakes kcompactd for a pageblock, which runs at the next turn.
    expect(a.kthreads.map((k) => k.name)).toEqual(["kcompactd0", "kswapd0", "kcompactd0"]);
    expect(Object.fromEntries(a.vmstat).compact_daemon_wake).toBe(2);
    const trace = JSON.parse(a.trace) as { traceEvents: Array<{ name: string; ph: string; tid?: number; args?: { name?: string } }> };
    const track = trace.traceEvents.find((e) => e.ph === "M" && e.args?.name === "kcompactd0");
    expect(track).toBeDefined();
    expect(trace.traceEvents.some((e) => e.ph === "X" && e.tid === track!.tid && e.name === "kcompactd_do_work")).toBe(true);
    expect(once()).toEqual(a);
  }, 60_000);
});

describe("faultline run --compact", () => {
  const cli = fileURLToPath(new URL("../../dist/cli/faultline.js", import.meta.url));
  const vmstat = (...flags: string[]) => {
    const r = spawnSync(process.execPath, [cli, "run", "--mem", "64M", ...flags, "--proc", "vmstat", programPath({ program: "touch_write" }), "2048"], { encoding: "utf8" });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`touched 2048 pages, checksum ${checksum(2048)}\n`);
    return Object.fromEntries(r.stderr.trim().split("\n").map((l) => l.split(" ")).map(([k, v]) => [k, Number(v)]));
  };

  it("compacts memory when the program ends, before the views: the scanners' counters move", () => {
    const plain = vmstat();
    expect(plain.compact_migrate_scanned).toBe(0);
    const compacted = vmstat("--compact");
    expect(compacted.compact_migrate_scanned).toBeGreaterThan(0);
    expect(compacted.compact_free_scanned).toBeGreaterThan(0);
    expect(compacted.compact_stall).toBe(0);
    expect(compacted.compact_isolated).toBeGreaterThanOrEqual(compacted.pgmigrate_success + compacted.pgmigrate_fail);
  }, 60_000);
});
