// faultline demo (npm start): one small guest program that touches memory,
// and what the kernel did for it: the program's output, one anonymous page
// fault as ftrace's function_graph shows it, /proc/buddyinfo before the
// program and at its exit, and the run's fault and allocator figures.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Machine } from "../machine.js";
import { formatStats, type RunStats } from "../proc/stats.js";
import { functionGraph } from "../trace/index.js";
import { loadKernelModule, packageRoot } from "./load.js";

const PAGES = 1024;

export function demo(): string {
  const program = join(packageRoot(), "programs", "bin", "touch_write");
  const out: string[] = [];
  let stdout = "";
  let atExit = "";
  let stats: RunStats | null = null;
  const started = performance.now();
  const m = new Machine(loadKernelModule("trace"), {
    mem: "256M",
    stdout: (b) => (stdout += new TextDecoder().decode(b)),
    beforeExit: (machine) => {
      atExit = machine.proc("buddyinfo");
      stats = machine.stats((performance.now() - started) / 1000);
    },
  });
  const boot = m.proc("buddyinfo");
  const observer = m.observe({ trace: true, filter: { outcomes: ["anon"] }, keepRecords: true });
  m.exec(new Uint8Array(readFileSync(program)), ["./touch_write", String(PAGES)]);
  const end = m.run();
  observer.close();
  // The first fault whose page came from the buddy lists themselves, not a per-cpu list.
  const names = observer.tracer.ring.names;
  const deepest = names.indexOf("__rmqueue_smallest");
  const fault = observer.records.find((r) => (r.errorCode & 4) !== 0 && r.events.some((e) => e.fn === deepest)) ?? observer.records[0];

  out.push(`faultline: a 256 MiB x86-64 machine whose kernel runs in WebAssembly.`);
  out.push(`$ ./touch_write ${PAGES}      # mmap ${PAGES * 4} KiB anonymous, write one byte per page`);
  out.push(stdout.trimEnd());
  out.push(`(exit status ${end.kind === "exit" || end.kind === "signal" ? end.status : "?"})`, "");
  out.push("/proc/buddyinfo after boot:", boot);
  out.push("/proc/buddyinfo at the program's exit (its pages are still held):", atExit);
  if (stats) out.push("What the run cost:", formatStats(stats));
  out.push("A write to a fresh anonymous page whose page came from the buddy free lists (the per-cpu list was empty),");
  out.push("from the #PF down to __rmqueue_smallest splitting a block (ftrace function_graph; the counter clock:");
  out.push("a duration counts trace events, 1 us = 1000):", "");
  out.push(functionGraph(fault ? [fault] : [], names).trimEnd(), "");
  out.push("Run your own: npx faultline run --stats --trace faults PROGRAM [ARGS]   (faultline run --help)");
  return out.join("\n") + "\n";
}
