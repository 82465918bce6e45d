// The release kernel (build/kernel.wasm, no tracers) and the traced one
// (build/kernel.trace.wasm) are the same kernel: the same program gives the
// same output and byte-identical counters and /proc views on both, with
// the traced build's tracers off or on. And the release build refuses to
// trace, saying which build to load, before anything changes.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Machine, type MachineOptions } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { GFP } from "../../src/kernel.js";
import { TraceRing } from "../../src/trace/ring.js";
import type { RunStats } from "../../src/proc/stats.js";

const root = join(import.meta.dirname, "../..");
const VIEWS = ["vmstat", "zoneinfo", "buddyinfo", "pagetypeinfo", "meminfo", "self/status", "self/smaps_rollup"] as const;

type Tracing = "release" | "traced, off" | "traced, on";

/** Runs the program and returns everything a user can read of the run: stdout, the ending, the views and counters at exit. */
function runOn(tracing: Tracing, program: string, args: string[], options: MachineOptions) {
  let stdout = "";
  const views: Record<string, string> = {};
  let counters: Partial<RunStats> = {};
  const m = new Machine(loadKernelModule(tracing === "release" ? "release" : "trace"), {
    ...options,
    stdout: (b) => (stdout += new TextDecoder().decode(b)),
    beforeExit: (machine) => {
      machine.compactMemory();
      for (const v of VIEWS) views[v] = machine.proc(v);
      // --stats's figures but the host-timed ones.
      const { seconds: _s, mips: _m, faults_per_second: _f, ...stats } = machine.stats(1);
      counters = stats;
    },
  });
  let traced = 0;
  if (tracing === "traced, on") {
    m.observe({ trace: true, onText: (t) => (traced += t.length) });
    m.traceEvents(["compaction"], () => {});
  }
  m.exec(new Uint8Array(readFileSync(join(root, "programs", "bin", program))), [`./${program}`, ...args]);
  const end = m.run();
  if (tracing === "traced, on") {
    expect(traced, "the traced build traced the faults").toBeGreaterThan(1000);
    expect(m.kernel.exports.trace_events_next(), "and recorded compaction's tracepoints").toBeGreaterThan(0);
  }
  return { stdout, end, faults: m.faults, views, counters, dmesg: m.kernel.dmesg() };
}

describe("kernel.wasm and kernel.trace.wasm: one kernel", () => {
  const cases: Array<[string, string[], MachineOptions]> = [
    ["fork_cow", ["64"], { mem: "64M", thp: "always" }],
    ["mmap_churn", ["20"], { mem: "64M", thp: "always" }],
    ["thrash", ["24", "2"], { mem: "16M", swap: "32M", thp: "never" }],
  ];
  for (const [program, args, options] of cases) {
    it(`${program} ${args.join(" ")}: the same output, counters and /proc views on each`, () => {
      const release = runOn("release", program, args, options);
      expect(release.end).toEqual({ kind: "exit", status: 0 });
      expect(release.counters.pgfault).toBeGreaterThan(0);
      for (const v of VIEWS) expect(release.views[v]).toMatch(/\d/);
      expect(runOn("traced, off", program, args, options)).toEqual(release);
      expect(runOn("traced, on", program, args, options)).toEqual(release);
    }, 120_000);
  }

  it("each build says whether it has the tracers", () => {
    expect(new Machine(loadKernelModule("release"), { mem: "16M" }).kernel.ftrace).toBe(false);
    expect(new Machine(loadKernelModule("trace"), { mem: "16M" }).kernel.ftrace).toBe(true);
    expect(new Machine(loadKernelModule("debug"), { mem: "16M" }).kernel.ftrace).toBe(true);
  });

  it("the release build refuses to trace, naming the traced build, and nothing changes", () => {
    const m = new Machine(loadKernelModule("release"), { mem: "16M" });
    const before = m.proc("vmstat");
    expect(() => m.observe({ trace: true })).toThrow(/observe\(\{ trace: true \}\) needs the traced kernel build.*kernel\.trace\.wasm/);
    expect(() => m.traceEvents(["compaction"], () => {})).toThrow(/trace events needs the traced kernel build.*kernel\.trace\.wasm/);
    expect(m.proc("vmstat")).toBe(before);
    // Samples need no tracer: observing without a trace works on it.
    expect(m.observe({ sample: true }).tracer).toBe(null);
    // Asked directly, the kernel leaves tracing off and says so: no event is written.
    expect(m.kernel.exports.trace_set(1)).toBe(0);
    expect(m.kernel.exports.trace_events_set(1)).toBe(0);
    expect(() => new TraceRing(m.kernel.exports, m.kernel.memory).start("counter")).toThrow(/tracing needs the traced kernel build/);
    const pfn = m.kernel.exports.alloc_pages(GFP.GFP_KERNEL, 0);
    m.kernel.exports.free_pages(pfn, 0);
    m.kernel.compactMemory();
    expect(m.kernel.exports.trace_ring_next()).toBe(0);
    expect(m.kernel.exports.trace_events_next()).toBe(0);
  });
});
