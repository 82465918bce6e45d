// Before/after for allocator changes: the allocator workloads of
// bench/alloc.ts, in wasm and native, for two source trees, alternated
// (A, B, A, B, ...) so that the machine's load falls on both alike.
//
//   node --no-liftoff dist/bench/alloc_ab.js BEFORE_DIR [AFTER_DIR] [--rounds N]
//
// (--no-liftoff: V8 compiles the optimized code up front. Without it, on a
// loaded machine the background tier-up can lag the untimed first round, and
// rounds then time the baseline compiler's code.)
//
// BEFORE_DIR is a checkout of the tree to compare with (e.g. `git worktree
// add /tmp/before main`, or `git archive main | tar -x -C /tmp/before`);
// AFTER_DIR defaults to this package. Each tree's kernel (bench/wasm/replay.ts)
// and C buddy (bench/native/buddy.c) are built from that tree, so a change
// to either side is measured. Per workload it prints, over the rounds, the
// median [min-max] of each tree's wasm/native ratio and of after/before
// in wasm. Each figure of a round is the best of BEST runs.

import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { packageRoot } from "../src/cli/load.js";
import { WORKLOADS, generate, buildReplay, runInWasm, buildNative, runNative } from "./alloc.js";
import { stats } from "./report.js";

const args = process.argv.slice(2);
const at = args.indexOf("--rounds");
const rounds = at >= 0 ? Number(args.splice(at, 2)[1]) : 12;
// Each round takes the best of BEST runs on each side: the run least
// disturbed by the rest of a shared machine.
const BEST = 3;
if (args.length < 1 || !(rounds > 0)) {
  process.stderr.write("usage: alloc_ab BEFORE_DIR [AFTER_DIR] [--rounds N]\n");
  process.exit(2);
}
const trees = [resolve(args[0]), resolve(args[1] ?? packageRoot())];

// CPU time on both sides, so that time the machine gives to others counts
// for neither: process CPU time around the wasm replay, and in the C buddy
// (whose clock_gettime(CLOCK_MONOTONIC) calls this header redirects).
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const dir = mkdtempSync(join(tmpdir(), "faultline-ab-"));
const cpuClock = join(dir, "cpu_clock.h");
writeFileSync(cpuClock, "#include <time.h>\n#define clock_gettime(clock, ts) clock_gettime(CLOCK_PROCESS_CPUTIME_ID, ts)\n");
const builds = trees.map((root, i) => {
  const sub = join(dir, String(i));
  mkdirSync(sub);
  const native = buildNative(sub, root, ["-include", cpuClock]);
  if (!native) throw new Error("alloc_ab: gcc is needed for the native baseline");
  return { replay: buildReplay(sub, root), native };
});

process.stdout.write(`before ${trees[0]}\nafter  ${trees[1]}\n${rounds} rounds, ratios median [min-max]\n`);
for (const [w, name, n, seed] of WORKLOADS) {
  const ops = generate(w, n, seed);
  const count = ops.toArray().length / 2;
  const ratio: number[][] = [[], []], wasmNs: number[][] = [[], []], ab: number[] = [];
  // One untimed round first: V8 tiers the wasm up while it runs.
  for (const b of builds) runInWasm(b.replay, w, n, seed, count, cpuMs);
  for (let r = 0; r < rounds; r++) {
    // Alternate which tree goes first, so neither always follows the other.
    const order = r & 1 ? [1, 0] : [0, 1];
    for (const t of order) {
      const b = builds[t];
      let wasm = Infinity, c = Infinity;
      for (let k = 0; k < BEST; k++) {
        const x = runInWasm(b.replay, w, n, seed, count, cpuMs), y = runNative(b.native, w, n, seed, count);
        if (x.sum !== ops.sum || y.sum !== ops.sum) throw new Error(`alloc_ab: ${w}: the generators disagree`);
        wasm = Math.min(wasm, x.nsPerOp);
        c = Math.min(c, y.nsPerOp);
      }
      ratio[t].push(wasm / c);
      wasmNs[t].push(wasm);
    }
    ab.push(wasmNs[1][r] / wasmNs[0][r]);
  }
  process.stdout.write(`${name}\n  before wasm/native ${stats(ratio[0])}\n  after  wasm/native ${stats(ratio[1])}\n` +
    `  after/before (wasm) ${stats(ab)}\n`);
}
