// Every benchmark suite, by name: `npm run bench` (bench/main.ts) and
// `faultline bench` (src/cli/bench.ts) run this list. A suite is an async
// function taking the Reporter.

import type { Reporter } from "./report.js";
import { allocBench } from "./alloc.js";
import { faultBench } from "./fault.js";
import { e2eBench } from "./e2e.js";
import { cpuBench } from "./cpu.js";
import { benchTrace } from "./trace.js";

async function traceBench(r: Reporter): Promise<void> {
  r.section("tracing: alloc+free cycles with the tracer off, on (counter clock), on (host clock)");
  for (const t of benchTrace()) {
    r.row(`tracing ${t.mode}`, `${t.nsPerCycle.toFixed(0)} ns/op`, undefined, t.mode === "off" ? "baseline" : `${t.ratio.toFixed(2)}x tracing off`);
  }
}

export const SUITES: Array<[string, (r: Reporter) => Promise<void>]> = [
  ["allocator", allocBench],
  ["cpu", cpuBench],
  ["fault", faultBench],
  ["e2e", e2eBench],
  ["trace", traceBench],
];
