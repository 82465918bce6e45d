// The page-fault benchmark: faults per second through the whole path the
// CPU takes (walk -> #PF -> handle_page_fault -> walk again), for
// first-write faults over 256 MiB, read-then-write (zero page, then COW),
// and THP; the cost per fault split into walk, allocation, zeroing and the
// rest; cold RAM (never touched since the machine was made) apart from
// warm RAM; and Linux itself, timed in the same run by bench/native/fault.c
// touching the same pages, reported as a ratio.

import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel, GFP } from "../src/kernel.js";
import { loadKernelModule, packageRoot } from "../src/cli/load.js";
import type { Reporter } from "./report.js";

const PAGE = 4096;
const MiB = 1 << 20;
const REGION = 256 * MiB;
const PROT_RW = 3, MAP_PRIVATE_ANON = 0x22, MADV_HUGEPAGE = 14;
const PF_W = 2, PF_U = 4;

export interface Exports {
  mm_create(): number; mm_switch(mm: number): void; mm_exit(mm: number): void;
  sys_mmap(addr: number, len: number, prot: number, flags: number, fd: number, off: number): number;
  sys_madvise(addr: number, len: number, advice: number): number;
  mmu_walk(va: number, access: number): number;
  handle_page_fault(cr2: number, error_code: number): number;
  thp_set_enabled(mode: number): number;
  alloc_pages(gfp: number, order: number): number;
  free_pages(pfn: number, order: number): number;
}

/** One access as the CPU makes it: walk, and on a fault the handler and a walk again. */
export function touch(x: Exports, va: number, access: number): void {
  for (;;) {
    const r = x.mmu_walk(va, access);
    if (r >= 4096) return;  // below 4096: the #PF error code
    if (x.handle_page_fault(va, r)) throw new Error(`signal at ${va.toString(16)}`);
  }
}

/** A process that maps the region (2 MiB aligned) and touches it; ns per fault. */
function run(k: Kernel, mode: "write" | "readwrite" | "thp"): { faults: number; ns: number } {
  const x = k.exports as unknown as Exports;
  const mm = x.mm_create();
  x.mm_switch(mm);
  x.thp_set_enabled(1);
  const raw = x.sys_mmap(0, REGION + 2 * MiB, PROT_RW, MAP_PRIVATE_ANON, 0, 0);
  const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
  if (mode === "thp") x.sys_madvise(a, REGION, MADV_HUGEPAGE);
  const step = mode === "thp" ? 2 * MiB : PAGE;
  const t0 = performance.now();
  if (mode === "readwrite") for (let va = a; va < a + REGION; va += step) touch(x, va, PF_U);
  for (let va = a; va < a + REGION; va += step) touch(x, va, PF_U | PF_W);
  const ns = (performance.now() - t0) * 1e6;
  x.mm_exit(mm);
  return { faults: (REGION / step) * (mode === "readwrite" ? 2 : 1), ns };
}

/** The parts of a first-write fault, each timed alone on the same machine. */
function breakdown(k: Kernel): { walk: number; alloc: number; zero: number } {
  const x = k.exports as unknown as Exports;
  const n = 16384;
  // Two walks a fault: the one that faults and the retry; time walks of mapped pages.
  const mm = x.mm_create();
  x.mm_switch(mm);
  const a = x.sys_mmap(0, n * PAGE, PROT_RW, MAP_PRIVATE_ANON, 0, 0);
  for (let i = 0; i < n; i++) touch(x, a + i * PAGE, PF_U | PF_W);
  const walk = 2 * best(() => {
    const t = performance.now();
    for (let i = 0; i < n; i++) x.mmu_walk(a + i * PAGE, PF_U | PF_W);
    return ((performance.now() - t) * 1e6) / n;
  });
  x.mm_exit(mm);
  // The allocation, with and without __GFP_ZERO: the difference is the zeroing.
  const pfns = new Int32Array(n);
  const timeAlloc = (gfp: number) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) pfns[i] = x.alloc_pages(gfp, 0);
    const ns = ((performance.now() - t) * 1e6) / n;
    for (let i = 0; i < n; i++) x.free_pages(pfns[i], 0);
    return ns;
  };
  const alloc = best(() => timeAlloc(GFP.GFP_HIGHUSER_MOVABLE));
  const zeroed = best(() => timeAlloc(GFP.GFP_HIGHUSER_MOVABLE | GFP.__GFP_ZERO));
  return { walk, alloc, zero: Math.max(0, zeroed - alloc) };
}

/** The best of a few runs: the machine is shared, noise only adds time. */
const REPEAT = 3;
function best(f: () => number): number {
  let min = Infinity;
  for (let i = 0; i < REPEAT; i++) min = Math.min(min, f());
  return min;
}

/** Linux's time per fault for the same touches, or null where it cannot run here. */
function linux(mode: string): number | null {
  if (process.platform !== "linux" || process.arch !== "x64") return null;
  try {
    const exe = join(mkdtempSync(join(tmpdir(), "faultline-bench-")), "fault");
    execFileSync("gcc", ["-O2", "-o", exe, join(packageRoot(), "bench/native/fault.c")], { stdio: "ignore" });
    return best(() => {
      const [faults, ns] = execFileSync(exe, [mode, String(REGION / MiB)], { encoding: "utf8" }).trim().split(" ").map(Number);
      return ns / faults;
    });
  } catch {
    return null;
  }
}

const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
const perSecond = (ns: number) => `${Math.round(1e9 / ns).toLocaleString("en-US")} faults/s`;

/** The fault benchmark, reported as rows: ratios are ours / Linux's for the same touches. */
export async function faultBench(r: Reporter): Promise<void> {
  const mod = loadKernelModule("release");
  r.section(`page faults: ${REGION / MiB} MiB, the whole fault (walk, #PF, handler, walk again), best of ${REPEAT}`);
  for (const mode of ["write", "readwrite", "thp"] as const) {
    let faults = 0;
    const coldNs = best(() => {
      const res = run(new Kernel(mod, { mem: "512M" }), mode);  // RAM never touched before
      return res.ns / res.faults;
    });
    const k = new Kernel(mod, { mem: "512M" });
    run(k, mode);
    const warmNs = best(() => {
      const res = run(k, mode);  // RAM the last process used
      faults = res.faults;
      return res.ns / res.faults;
    });
    const native = linux(mode);
    const what = mode === "write" ? "first write" : mode === "readwrite" ? "read, then write (COW of the zero page)" : "THP (one 2 MiB fault)";
    r.row(`${what}, warm RAM (${faults} faults)`, us(warmNs), native === null ? undefined : warmNs / native,
      native === null ? "Linux not measured here" : `${perSecond(warmNs)}; Linux ${us(native)}`);
    r.row(`${what}, cold RAM`, us(coldNs), native === null ? undefined : coldNs / native,
      "first touch of the host's pages included");
  }
  const k = new Kernel(mod, { mem: "512M" });
  run(k, "write");
  const per = best(() => {
    const res = run(k, "write");
    return res.ns / res.faults;
  });
  const b = breakdown(k);
  const rest = Math.max(0, per - b.walk - b.alloc - b.zero);
  const share = (v: number) => `${((100 * v) / per).toFixed(0)}% of the fault`;
  r.section("a first-write fault, warm, split (each part timed alone)");
  r.row("whole fault", us(per));
  r.row("walk (the faulting one and the retry)", us(b.walk), undefined, share(b.walk));
  r.row("allocation (order 0, GFP_HIGHUSER_MOVABLE)", us(b.alloc), undefined, share(b.alloc));
  r.row("zeroing (clear_page)", us(b.zero), undefined, share(b.zero));
  r.row("the rest (#PF entry, VMA, tables, rmap, pte)", us(rest), undefined, share(rest));
}
