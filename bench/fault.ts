// The page-fault benchmark: faults per second through the whole path the
// CPU takes (walk -> #PF -> handle_page_fault -> walk again), for
// first-write faults over 256 MiB, read-then-write (zero page, then COW),
// and THP; the cost per fault split into walk, allocation, zeroing and the
// rest; cold RAM (never touched since the machine was made) apart from
// warm RAM; and Linux itself, timed in the same run by bench/native/fault.c
// making the same touches (a store to every 4K page, THP included), reported
// as a ratio. Both sides are timed in CPU time (user + system), as the
// machines these run on are shared: the host's first touch of a page and
// Linux's fault are both system time.

import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kernel, GFP } from "../src/kernel.js";
import { loadKernelModule, packageRoot } from "../src/cli/load.js";
import type { Reporter } from "./report.js";
import type { KernelExports } from "../src/abi.js";

const PAGE = 4096;
const MiB = 1 << 20;
const REGION = 256 * MiB;
const PROT_RW = 3, MAP_PRIVATE_ANON = 0x22, MADV_HUGEPAGE = 14;
const PF_W = 2, PF_U = 4;


/**
 * One access as the CPU makes it: walk, and on a fault the handler and a walk
 * again; given the RAM, then the store itself (a write's first touch of the
 * host's page, as Linux's timed loop makes it).
 */
export function touch(x: KernelExports, va: number, access: number, ram?: Uint8Array): void {
  for (;;) {
    const r = x.mmu_walk(va, access);
    if (r < 4096) {  // the #PF error code
      if (x.handle_page_fault(va, r)) throw new Error(`signal at ${va.toString(16)}`);
      continue;
    }
    if (ram && (access & PF_W)) ram[r - (r % PAGE) + (va % PAGE)] = 1;
    return;
  }
}

/** This process's CPU time (user + system, every thread) in nanoseconds. */
function cpuNs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) * 1000;
}

/**
 * A process that maps the region (2 MiB aligned) and writes every 4K page of
 * it (THP too, as Linux's loop does: on cold RAM each page is the host's
 * first touch, which Linux's huge fault pays in clearing 2 MiB); ns per fault.
 */
export function run(k: Kernel, mode: "write" | "readwrite" | "thp"): { faults: number; ns: number } {
  const x = k.exports;
  const ram = new Uint8Array(k.memory.buffer);
  const mm = x.mm_create();
  x.mm_switch(mm);
  x.thp_set_enabled(1);
  const raw = x.sys_mmap(0, REGION + 2 * MiB, PROT_RW, MAP_PRIVATE_ANON, 0, 0);
  const a = Math.ceil(raw / (2 * MiB)) * 2 * MiB;
  if (mode === "thp") x.sys_madvise(a, REGION, MADV_HUGEPAGE);
  const t0 = cpuNs();
  if (mode === "readwrite") for (let va = a; va < a + REGION; va += PAGE) touch(x, va, PF_U, ram);
  for (let va = a; va < a + REGION; va += PAGE) touch(x, va, PF_U | PF_W, ram);
  const ns = cpuNs() - t0;
  x.mm_exit(mm);
  const faults = mode === "thp" ? REGION / (2 * MiB) : (REGION / PAGE) * (mode === "readwrite" ? 2 : 1);
  return { faults, ns };
}

/**
 * The floor under a cold first write: the host's first touch alone, a store
 * to each 4K page of a new Wasm memory of the machine's size (no kernel);
 * ns per page.
 */
function hostFirstTouch(): number {
  const ram = new Uint8Array(new WebAssembly.Memory({ initial: 512 * MiB / 65536, maximum: 512 * MiB / 65536 }).buffer);
  const t0 = cpuNs();
  for (let pa = 64 * MiB; pa < 64 * MiB + REGION; pa += PAGE) ram[pa] = 1;
  return (cpuNs() - t0) / (REGION / PAGE);
}

/** The parts of a first-write fault, each timed alone on the same machine. */
function breakdown(k: Kernel): { walk: number; alloc: number; zero: number } {
  const x = k.exports;
  const n = 16384;
  // Two walks a fault: the one that faults and the retry; time walks of mapped pages.
  const mm = x.mm_create();
  x.mm_switch(mm);
  const a = x.sys_mmap(0, n * PAGE, PROT_RW, MAP_PRIVATE_ANON, 0, 0);
  for (let i = 0; i < n; i++) touch(x, a + i * PAGE, PF_U | PF_W);
  const walk = 2 * best(() => {
    const t = cpuNs();
    for (let i = 0; i < n; i++) x.mmu_walk(a + i * PAGE, PF_U | PF_W);
    return (cpuNs() - t) / n;
  });
  x.mm_exit(mm);
  // The allocation, with and without __GFP_ZERO: the difference is the zeroing.
  const pfns = new Int32Array(n);
  const timeAlloc = (gfp: number) => {
    const t = cpuNs();
    for (let i = 0; i < n; i++) pfns[i] = x.alloc_pages(gfp, 0);
    const ns = (cpuNs() - t) / n;
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

/** bench/native/fault.c built, or null where Linux cannot run it here. */
export function buildLinuxFault(): string | null {
  if (process.platform !== "linux" || process.arch !== "x64") return null;
  try {
    const exe = join(mkdtempSync(join(tmpdir(), "faultline-bench-")), "fault");
    execFileSync("gcc", ["-O2", "-o", exe, join(packageRoot(), "bench/native/fault.c")], { stdio: "ignore" });
    return exe;
  } catch {
    return null;
  }
}

/** Linux's time per fault for the same touches, one run. */
export function linuxFault(exe: string, mode: string): number {
  const [faults, ns] = execFileSync(exe, [mode, String(REGION / MiB)], { encoding: "utf8" }).trim().split(" ").map(Number);
  return ns / faults;
}

/** Linux's time per fault for the same touches, or null where it cannot run here. */
function linux(mode: string): number | null {
  const exe = buildLinuxFault();
  try {
    return exe === null ? null : best(() => linuxFault(exe, mode));
  } catch {
    return null;
  }
}

const us = (ns: number) => `${(ns / 1000).toFixed(2)} µs`;
const perSecond = (ns: number) => `${Math.round(1e9 / ns).toLocaleString("en-US")} faults/s`;

/** The fault benchmark, reported as rows: ratios are ours / Linux's for the same touches. */
export async function faultBench(r: Reporter): Promise<void> {
  const mod = loadKernelModule("release");
  r.section(`page faults: ${REGION / MiB} MiB, the whole fault (walk, #PF, handler, walk again), CPU time, best of ${REPEAT}`);
  let nativeWrite: number | null = null;
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
    if (mode === "write") nativeWrite = native;
    const what = mode === "write" ? "first write" : mode === "readwrite" ? "read, then write (COW of the zero page)" : "THP (one 2 MiB fault, 512 writes)";
    r.row(`${what}, warm RAM (${faults} faults)`, us(warmNs), native === null ? undefined : warmNs / native,
      native === null ? "Linux not measured here" : `${perSecond(warmNs)}; Linux ${us(native)}`);
    r.row(`${what}, cold RAM`, us(coldNs), native === null ? undefined : coldNs / native,
      "first touch of the host's pages included");
  }
  // What no kernel change can go below: Linux's own fault, taken by the host.
  const floor = best(hostFirstTouch);
  r.row("the host's first touch of a page alone", us(floor), nativeWrite === null ? undefined : floor / nativeWrite,
    "a store to each page of a new Wasm memory: the floor under a cold first write");
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
