// Every benchmark suite, by name: `npm run bench` (bench/main.ts) and
// `faultline bench` (src/cli/bench.ts) run this list. A suite is an async
// function taking the Reporter.

import type { Reporter } from "./report.js";
import { allocBench } from "./alloc.js";
import { faultBench } from "./fault.js";
import { e2eBench } from "./e2e.js";
import { cpuBench } from "./cpu.js";
import { traceBench } from "./trace.js";
import { framesBench } from "./frames.js";
import { forkBench } from "./fork.js";
import { compactionBench } from "./compaction.js";

export const SUITES: Array<[string, (r: Reporter) => Promise<void>]> = [
  ["allocator", allocBench],
  ["cpu", cpuBench],
  ["fault", faultBench],
  ["e2e", e2eBench],
  ["trace", traceBench],
  ["frames", framesBench],
  ["fork", forkBench],
  ["compaction", compactionBench],
];
