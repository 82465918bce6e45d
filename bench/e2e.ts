// End to end: a real guest (programs/bin/touch_write) under faultline, the
// CPU, the syscalls and every fault through the kernel, against the same
// binary run natively on this machine. The cost of one fault is taken from
// the difference between two page counts, so start-up (exec, boot, process
// creation) cancels out on both sides. Cold RAM (a fresh machine: the
// kernel's first clear_page of each frame is also the host's first touch of
// that Wasm memory page, a real page fault on the host) and warm RAM (the
// same machine running the program again: frames recycled by the buddy
// allocator) are reported apart. Last, `faultline run hello` as a whole
// process against `node -e 0`: what the CLI adds to starting Node.

import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadKernelModule, packageRoot } from "../src/cli/load.js";
import { Machine } from "../src/machine.js";
import { stats, type Reporter } from "./report.js";
import { wholeProcess } from "./sse.js";

const CLI = new URL("../cli/faultline.js", import.meta.url).pathname;
const SMALL = 4096;   // pages (16 MiB)
const LARGE = 65536;  // pages (256 MiB): the "touch_write over 256 MiB"
const ROUNDS = 5;

function best(times: number[]): number {
  return Math.min(...times);
}

/** Milliseconds for one faultline run of touch_write N (exec and run) on `m`. */
function runOn(m: Machine, elf: Uint8Array, pages: number): number {
  const t0 = performance.now();
  m.exec(elf, ["./touch_write", String(pages)]);
  const end = m.run();
  if (end.kind !== "exit" || end.status !== 0) throw new Error(`touch_write ${pages} under faultline: ${JSON.stringify(end)}`);
  return performance.now() - t0;
}

/** Milliseconds for one native run of touch_write N (process creation included, as above). */
function natively(path: string, pages: number): number {
  const t0 = performance.now();
  execFileSync(path, [String(pages)], { stdio: "ignore" });
  return performance.now() - t0;
}

export async function e2eBench(r: Reporter): Promise<void> {
  const path = join(packageRoot(), "programs", "bin", "touch_write");
  const elf = new Uint8Array(readFileSync(path));
  const mod = loadKernelModule();
  const native = process.platform === "linux" && process.arch === "x64";

  const cold = { small: [] as number[], large: [] as number[] };
  const warm = { small: [] as number[], large: [] as number[] };
  const theirs = { small: [] as number[], large: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    for (const [pages, key] of [[SMALL, "small"], [LARGE, "large"]] as const) {
      const m = new Machine(mod, { mem: "512M" });
      cold[key].push(runOn(m, elf, pages));
      warm[key].push(runOn(m, elf, pages));
    }
    if (native) {
      theirs.small.push(natively(path, SMALL));
      theirs.large.push(natively(path, LARGE));
    }
  }
  const perFault = (t: { small: number[]; large: number[] }) => ((best(t.large) - best(t.small)) * 1e6) / (LARGE - SMALL);
  r.section(`End to end: touch_write, ${SMALL} vs ${LARGE} pages (best of ${ROUNDS})`);
  const nativeNs = native ? perFault(theirs) : NaN;
  if (native) r.row(`touch_write ${LARGE} natively`, `${best(theirs.large).toFixed(1)} ms`);
  for (const [what, t] of [["cold RAM", cold], ["warm RAM", warm]] as const) {
    const ns = perFault(t);
    r.row(`touch_write ${LARGE} under faultline, ${what}`, `${best(t.large).toFixed(1)} ms`);
    r.row(`one first-write fault end to end, ${what}`, `${ns.toFixed(0)} ns`, native ? ns / nativeNs : undefined,
      native ? `native ${nativeNs.toFixed(0)} ns` : "not x86-64 Linux: no native run");
  }
  // Alternated, so that a busy moment of the machine weighs on all alike. `faultline
  // --version` loads the whole command and boots nothing: the start-up in two parts.
  const hello = join(packageRoot(), "programs", "bin", "hello");
  const ours: number[] = [], loaded: number[] = [], node: number[] = [];
  for (let i = 0; i < 2 * ROUNDS; i++) {
    ours.push(wholeProcess(process.execPath, [CLI, "run", hello], "Hello, world!\n"));
    loaded.push(wholeProcess(process.execPath, [CLI, "--version"]));
    node.push(wholeProcess(process.execPath, ["-e", "0"]));
  }
  const [o, l, n] = [best(ours), best(loaded), best(node)];
  // Each round's ratio to the node -e 0 beside it: a busy moment weighs on both.
  r.row("faultline run hello, whole process", `${o.toFixed(1)} ms`, undefined,
    `${stats(ours.map((t, i) => t / node[i]))}x node -e 0 (${n.toFixed(1)} ms), median [min-max] of ${ours.length} rounds; target 1.5x`);
  r.row("  of which loading the command", `${(l - n).toFixed(1)} ms`, undefined, "faultline --version less node -e 0");
  r.row("  of which boot, exec, run and exit", `${(o - l).toFixed(1)} ms`, undefined, "run hello less faultline --version");
}
