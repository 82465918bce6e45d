// npm run bench: every suite, in one process. A suite is an async function
// taking the Reporter; add yours to SUITES.

import { consoleReporter, type Reporter } from "./report.js";
import { allocBench } from "./alloc.js";
import { cpuBench } from "./cpu.js";
import { faultBench } from "./fault.js";
import { e2eBench } from "./e2e.js";

const SUITES: Array<[string, (r: Reporter) => Promise<void>]> = [
  ["allocator", allocBench],
  ["cpu", cpuBench],
  ["fault", faultBench],
  ["e2e", e2eBench],
];

const only = process.argv.slice(2);
for (const [name, run] of SUITES) {
  if (only.length && !only.includes(name)) continue;
  await run(consoleReporter);
}
