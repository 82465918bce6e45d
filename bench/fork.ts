// The fork benchmark: mm_fork of a process with 64 MiB written (ns per
// page whose pte copy_page_range copies and write-protects), then the
// child's write to every page (one COW fault each, through the whole
// fault path), against Linux doing the same in the same run
// (bench/native/fork.c), reported as ratios.

import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel } from "../src/kernel.js";
import { loadKernelModule, packageRoot } from "../src/cli/load.js";
import type { Reporter } from "./report.js";
import type { KernelExports } from "../src/abi.js";

const PAGE = 4096;
const MiB = 1 << 20;
const REGION = 64 * MiB;
const PROT_RW = 3, MAP_PRIVATE_ANON = 0x22;
const PF_W = 2, PF_U = 4;
const REPEAT = 3;


function touch(x: KernelExports, va: number, access: number): void {
  for (;;) {
    const r = x.mmu_walk(va, access);
    if (r >= 4096) return;  // below 4096: the #PF error code
    if (x.handle_page_fault(va, r)) throw new Error(`signal at ${va.toString(16)}`);
  }
}

/** ns per page of mm_fork, and per COW fault in the child. */
function run(k: Kernel): { fork: number; cow: number } {
  const x = k.exports;
  x.thp_set_enabled(0);
  const parent = x.mm_create();
  x.mm_switch(parent);
  const a = x.sys_mmap(0, REGION, PROT_RW, MAP_PRIVATE_ANON, 0, 0);
  for (let va = a; va < a + REGION; va += PAGE) touch(x, va, PF_U | PF_W);
  const t0 = performance.now();
  const child = x.mm_fork(parent);
  const t1 = performance.now();
  if (!child) throw new Error("mm_fork: ENOMEM");
  x.mm_switch(child);
  const t2 = performance.now();
  for (let va = a; va < a + REGION; va += PAGE) touch(x, va, PF_U | PF_W);
  const t3 = performance.now();
  x.mm_exit(child);
  x.mm_exit(parent);
  const pages = REGION / PAGE;
  return { fork: ((t1 - t0) * 1e6) / pages, cow: ((t3 - t2) * 1e6) / pages };
}

/** Linux's ns per page for fork and per COW fault, or null where it cannot run here. */
function linux(): { fork: number; cow: number } | null {
  if (process.platform !== "linux" || process.arch !== "x64") return null;
  try {
    const exe = join(mkdtempSync(join(tmpdir(), "faultline-bench-")), "fork");
    execFileSync("gcc", ["-O2", "-o", exe, join(packageRoot(), "bench/native/fork.c")], { stdio: "ignore" });
    let fork = Infinity, cow = Infinity;
    for (let i = 0; i < REPEAT; i++) {
      const [pages, f, c] = execFileSync(exe, [String(REGION / MiB)], { encoding: "utf8" }).trim().split(" ").map(Number);
      fork = Math.min(fork, f / pages);
      cow = Math.min(cow, c / pages);
    }
    return { fork, cow };
  } catch {
    return null;
  }
}

const ns = (v: number) => `${v.toFixed(1)} ns`;

export async function forkBench(r: Reporter): Promise<void> {
  const k = new Kernel(loadKernelModule("release"), { mem: "512M" });
  let fork = Infinity, cow = Infinity;
  for (let i = 0; i < REPEAT; i++) {
    const res = run(k);
    fork = Math.min(fork, res.fork);
    cow = Math.min(cow, res.cow);
  }
  const native = linux();
  r.section(`fork of a process with ${REGION / MiB} MiB written, best of ${REPEAT}`);
  r.row("mm_fork, per page copied (copy_page_range)", ns(fork), native === null ? undefined : fork / native.fork,
    native === null ? "Linux not measured here" : `Linux fork() ${ns(native.fork)} a page`);
  r.row("the child's first write, per page (COW fault)", ns(cow), native === null ? undefined : cow / native.cow,
    native === null ? "Linux not measured here" : `Linux ${ns(native.cow)}`);
}
