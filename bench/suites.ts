// Every benchmark suite, by name: `npm run bench` (bench/main.ts) and
// `faultline bench` (src/cli/bench.ts) run this list. A suite is an async
// function taking the Reporter.

import type { Reporter } from "./report.js";
import { allocBench } from "./alloc.js";
import { faultBench } from "./fault.js";
import { e2eBench } from "./e2e.js";
import { benchCpu } from "./cpu.js";
import { benchTrace } from "./trace.js";

async function cpuBench(r: Reporter): Promise<void> {
  r.section("CPU: guest instructions per second, the same binaries run natively as the baseline");
  for (const c of benchCpu()) {
    r.row(c.name, `${c.guestMips.toFixed(1)} MIPS`, c.nativeMips === null ? undefined : c.guestMips / c.nativeMips,
      c.nativeMips === null ? "no native run on this host" : `native ${c.nativeMips.toFixed(0)} MIPS`);
  }
}

async function traceBench(r: Reporter): Promise<void> {
  r.section("tracing: alloc+free cycles with the tracer off, on (counter clock), on (host clock)");
  for (const t of benchTrace()) {
    r.row(`tracing ${t.mode}`, `${t.nsPerCycle.toFixed(0)} ns/op`, undefined, t.mode === "off" ? "baseline" : `${t.ratio.toFixed(2)}x tracing off`);
  }
}

export const SUITES: Array<[string, (r: Reporter) => Promise<void>]> = [
  ["allocator", allocBench],
  ["fault", faultBench],
  ["e2e", e2eBench],
  ["cpu", cpuBench],
  ["trace", traceBench],
];
