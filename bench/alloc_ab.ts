// Before/after for allocator changes: the allocator workloads of
// bench/alloc.ts, in wasm and native, for two source trees, alternated
// so that the machine's load falls on both alike.
//
//   node dist/bench/alloc_ab.js BEFORE_DIR [AFTER_DIR] [--rounds N]
//
// BEFORE_DIR is a checkout of the tree to compare with (e.g. `git worktree
// add /tmp/before main`, or `git archive main | tar -x -C /tmp/before`);
// AFTER_DIR defaults to this package. Each tree's kernel (bench/wasm/replay.ts,
// built as build/kernel.wasm is) and C buddy (bench/native/buddy.c) are
// built from that tree, so a change to either side is measured. Per
// workload it prints, over the rounds, the median [min-max] of each tree's
// wasm/native ratio and of after/before in wasm.
//
// Each measurement (one tree, one workload: BEST runs of each side, the
// fastest kept) runs in a node process of its own, started with
// --no-liftoff (V8 compiles the optimized code up front; otherwise, on a
// loaded machine, the background tier-up can lag and a run times the
// baseline compiler's code). Two modules in one process share V8's heap,
// its collector and its code space, and did not run alike: run against
// itself, one tree's figures leaned by position, up to 15% in a median.
// Separate processes share nothing, and each round alternates which tree
// goes first; run against itself, the tree's after/before medians come
// out within 2% of 1.

import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { WORKLOADS, generate, buildReplayFile, runInWasm, buildNative, runNative, type Workload } from "./alloc.js";
import { abArgs, stats } from "./report.js";

// Each measurement takes the best of BEST runs on each side: the run least
// disturbed by the rest of a shared machine.
const BEST = 3;

// CPU time on both sides, so that time the machine gives to others counts
// for neither: process CPU time around the wasm replay, and in the C buddy
// (whose clock_gettime(CLOCK_MONOTONIC) calls this header redirects).
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Measurement { wasm: number; native: number }

/** One measurement, in this process: prints {wasm, native} ns per op as JSON. */
function child(replayFile: string, nativeExe: string, w: Workload): void {
  const [, , n, seed] = WORKLOADS.find(([name]) => name === w)!;
  const ops = generate(w, n, seed);
  const count = ops.toArray().length / 2;
  const mod = new WebAssembly.Module(readFileSync(replayFile));
  runInWasm(mod, w, n, seed, count, cpuMs); // untimed: V8 tiers the wasm up while it runs
  let wasm = Infinity, native = Infinity;
  for (let k = 0; k < BEST; k++) {
    const x = runInWasm(mod, w, n, seed, count, cpuMs), y = runNative(nativeExe, w, n, seed, count);
    if (x.sum !== ops.sum || y.sum !== ops.sum) throw new Error(`alloc_ab: ${w}: the generators disagree`);
    wasm = Math.min(wasm, x.nsPerOp);
    native = Math.min(native, y.nsPerOp);
  }
  process.stdout.write(JSON.stringify({ wasm, native } satisfies Measurement));
}

function measure(build: { replay: string; native: string }, w: Workload): Measurement {
  const r = spawnSync(process.execPath, ["--no-liftoff", fileURLToPath(import.meta.url), "--child", build.replay, build.native, w],
    { encoding: "utf8", maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`alloc_ab: the measurement of ${w} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout) as Measurement;
}

function main(args: string[]): void {
  const { trees, rounds } = abArgs("alloc_ab", args);
  const dir = mkdtempSync(join(tmpdir(), "faultline-ab-"));
  const cpuClock = join(dir, "cpu_clock.h");
  writeFileSync(cpuClock, "#include <time.h>\n#define clock_gettime(clock, ts) clock_gettime(CLOCK_PROCESS_CPUTIME_ID, ts)\n");
  const builds = trees.map((root, i) => {
    const sub = join(dir, String(i));
    mkdirSync(sub);
    const native = buildNative(sub, root, ["-include", cpuClock]);
    if (!native) throw new Error("alloc_ab: gcc is needed for the native baseline");
    return { replay: buildReplayFile(sub, root), native };
  });
  process.stdout.write(`before ${trees[0]}\nafter  ${trees[1]}\n${rounds} rounds, ratios median [min-max]\n`);
  for (const [w, name] of WORKLOADS) {
    const ratio: number[][] = [[], []], wasmNs: number[][] = [[], []], ab: number[] = [];
    for (let r = 0; r < rounds; r++) {
      // Alternate which tree goes first, so neither always follows the other.
      for (const t of r & 1 ? [1, 0] : [0, 1]) {
        const m = measure(builds[t], w);
        ratio[t].push(m.wasm / m.native);
        wasmNs[t].push(m.wasm);
      }
      ab.push(wasmNs[1][r] / wasmNs[0][r]);
    }
    process.stdout.write(`${name}\n  before wasm/native ${stats(ratio[0])}\n  after  wasm/native ${stats(ratio[1])}\n` +
      `  after/before (wasm) ${stats(ab)}\n`);
  }
}

const args = process.argv.slice(2);
if (args[0] === "--child") child(args[1], args[2], args[3] as Workload);
else main(args);
