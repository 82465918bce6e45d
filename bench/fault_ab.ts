// Before/after for fault-path changes: the fault workloads of bench/fault.ts
// (a first write on cold RAM, the same on warm RAM, a read then write on
// warm RAM) in the kernels of two source trees, alternated (A, B, A, B, ...)
// so that the machine's load falls on both alike, with Linux's own fault
// (bench/native/fault.c) timed in each round for the ratio.
//
//   node dist/bench/fault_ab.js BEFORE_DIR [AFTER_DIR] [--rounds N]
//
// Each tree's release kernel is built from that tree (the host is this
// package's, so the two kernels must share its ABI). Per workload it prints,
// over the rounds, the median [min-max] of each tree's faultline/Linux ratio
// and of after/before. CPU time on both sides, as bench/fault.ts; each
// figure of a round is one run (a cold run needs a new machine each time).

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel } from "../src/kernel.js";
import { run, buildLinuxFault, linuxFault } from "./fault.js";
import { abArgs, stats } from "./report.js";

const args = process.argv.slice(2);
const { trees, rounds } = abArgs("fault_ab", args);
const dir = mkdtempSync(join(tmpdir(), "faultline-fault-ab-"));
const kernels = trees.map((root, i) => {
  const out = join(dir, `kernel${i}.wasm`);
  execFileSync(process.execPath, [join(root, "node_modules", "assemblyscript", "bin", "asc.js"),
    join(root, "assembly", "index.ts"), "--target", "release", "-o", out], { cwd: root, stdio: "pipe" });
  return new WebAssembly.Module(readFileSync(out));
});
const native = buildLinuxFault();
if (native === null) throw new Error("fault_ab: Linux on x86-64 and gcc are needed for the native baseline");

const WORKLOADS = [
  ["first write, cold RAM", "write", true],
  ["first write, warm RAM", "write", false],
  ["read, then write, warm RAM", "readwrite", false],
] as const;
const perFault = (k: Kernel, mode: "write" | "readwrite") => {
  const r = run(k, mode);
  return r.ns / r.faults;
};

process.stdout.write(`before ${trees[0]}\nafter  ${trees[1]}\n${rounds} rounds, ratios median [min-max]\n`);
for (const [name, mode, cold] of WORKLOADS) {
  const ratio: number[][] = [[], []], ns: number[][] = [[], []], ab: number[] = [];
  // One untimed round first: V8 tiers the code up while it runs.
  for (const mod of kernels) perFault(new Kernel(mod, { mem: "512M" }), mode);
  for (let r = 0; r < rounds; r++) {
    const linux = linuxFault(native, mode);
    // Alternate which tree goes first, so neither always follows the other.
    for (const t of r & 1 ? [1, 0] : [0, 1]) {
      const k = new Kernel(kernels[t], { mem: "512M" });
      if (!cold) run(k, mode);   // warm: RAM the last process used
      const x = perFault(k, mode);
      ns[t].push(x);
      ratio[t].push(x / linux);
    }
    ab.push(ns[1][r] / ns[0][r]);
  }
  process.stdout.write(`${name}\n  before faultline/Linux ${stats(ratio[0])}\n  after  faultline/Linux ${stats(ratio[1])}\n` +
    `  after/before ${stats(ab)}\n`);
}
