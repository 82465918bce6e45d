// The reclaim benchmark: a process writes an anonymous region three
// times RAM with swap (kswapd gets a turn after every fault: the machine's
// scheduler gives a woken kswapd one then too): pages reclaimed per second
// of host time; then it reads the region back (major faults through
// do_swap_page and swap read-ahead): the cost of one against a minor
// fault measured in the same run; and a thrash curve, the time of the
// same passes over a fixed working set as RAM shrinks below it, written
// as SVG (build/bench/thrash.svg).

import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kernel } from "../src/kernel.js";
import { loadKernelModule, packageRoot } from "../src/cli/load.js";
import type { Reporter } from "./report.js";

const PAGE = 4096;
const MiB = 1 << 20;
const PROT_RW = 3, MAP_PRIVATE_ANON = 0x22;
const PF_W = 2, PF_U = 4;

interface Exports {
  mm_create(): number; mm_switch(mm: number): void; mm_exit(mm: number): void;
  sys_mmap(addr: number, len: number, prot: number, flags: number, fd: number, off: number): number;
  mmu_walk(va: number, access: number): number;
  handle_page_fault(cr2: number, error_code: number): number;
  thp_set_enabled(mode: number): number;
}

/** One access, faulting as the CPU would; kswapd's turn after each fault. */
function touch(k: Kernel, x: Exports, va: number, access: number): void {
  for (;;) {
    const r = x.mmu_walk(va, access);
    if (r >= 4096) return;
    if (x.handle_page_fault(va, r)) throw new Error(`signal at ${va.toString(16)}`);
    k.kswapd(0);
  }
}

/** A process with `bytes` of anonymous memory, on a fresh kernel. */
function setup(mem: string, swap: string, bytes: number): { k: Kernel; x: Exports; a: number; mm: number } {
  const k = new Kernel(loadKernelModule("release"), { mem, swap });
  const x = k.exports as unknown as Exports;
  x.thp_set_enabled(0);
  const mm = x.mm_create();
  x.mm_switch(mm);
  const a = x.sys_mmap(0, bytes, PROT_RW, MAP_PRIVATE_ANON, 0, 0);
  return { k, x, a, mm };
}

/** `passes` sequential passes writing one word a page over the region: ms. */
function passes(k: Kernel, x: Exports, a: number, bytes: number, n: number): number {
  const t0 = performance.now();
  for (let p = 0; p < n; p++) for (let va = a; va < a + bytes; va += PAGE) touch(k, x, va, PF_U | PF_W);
  return performance.now() - t0;
}

/** A polyline SVG of y against x, axes labelled. */
function svg(points: Array<[number, number]>, xLabel: string, yLabel: string, title: string): string {
  const W = 640, H = 400, L = 60, B = 50;
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y1 = Math.max(...ys) * 1.1;
  const px = (x: number) => L + ((x - x0) / (x1 - x0 || 1)) * (W - L - 20);
  const py = (y: number) => H - B - (y / (y1 || 1)) * (H - B - 40);
  const line = points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
  const dots = points.map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3"/><text x="${px(x).toFixed(1)}" y="${(H - B + 16).toFixed(1)}" font-size="11" text-anchor="middle">${x}</text>`).join("");
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`
    + `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14">${title}</text>`
    + `<line x1="${L}" y1="${H - B}" x2="${W - 20}" y2="${H - B}" stroke="black"/><line x1="${L}" y1="40" x2="${L}" y2="${H - B}" stroke="black"/>`
    + `<text x="${W / 2}" y="${H - 12}" text-anchor="middle" font-size="12">${xLabel}</text>`
    + `<text x="16" y="${H / 2}" font-size="12" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">${yLabel}</text>`
    + `<text x="${L - 6}" y="44" font-size="11" text-anchor="end">${y1.toFixed(0)}</text>`
    + `<polyline fill="none" stroke="steelblue" stroke-width="2" points="${line}"/>${dots}</svg>\n`;
}

export async function reclaimBench(r: Reporter): Promise<void> {
  const region = 96 * MiB;
  const { k, x, a, mm } = setup("32M", "128M", region);
  // Minor faults first: the first quarter fits in RAM.
  const tMinor = passes(k, x, a, 8 * MiB, 1);
  const minorNs = (tMinor * 1e6) / (8 * MiB / PAGE);
  const tWrite = passes(k, x, a + 8 * MiB, region - 8 * MiB, 1);
  const reclaimed = k.counter("pgsteal_kswapd") + k.counter("pgsteal_direct");
  r.section(`reclaim: a process writes ${region / MiB} MiB with 32 MiB of RAM and 128 MiB of swap`);
  r.row("pages reclaimed per second of host time", `${Math.round(reclaimed / (tWrite / 1000))}`, undefined,
    `${reclaimed} pages, ${k.counter("pswpout")} written to swap`);
  const majBefore = k.counter("pgmajfault");
  const tRead = (() => {
    const t0 = performance.now();
    for (let va = a; va < a + 16 * MiB; va += PAGE) touch(k, x, va, PF_U);
    return performance.now() - t0;
  })();
  const majors = k.counter("pgmajfault") - majBefore;
  const perMajor = (tRead * 1e6) / Math.max(1, majors);
  r.row("swap-in major fault (do_swap_page)", `${(perMajor / 1000).toFixed(2)} us`, undefined,
    `${majors} major faults for ${16 * MiB / PAGE} pages read (read-ahead); ${(perMajor / minorNs).toFixed(1)}x a minor anonymous fault (${minorNs.toFixed(0)} ns)`);
  x.mm_exit(mm);

  // The thrash curve: a 24 MiB working set, 3 passes, RAM from above it to well below.
  const ws = 24 * MiB;
  const points: Array<[number, number]> = [];
  r.section(`thrash curve: 3 passes over ${ws / MiB} MiB of anonymous memory, swap 64 MiB`);
  let fits = 0;
  passes(...(({ k, x, a }) => [k, x, a] as const)(setup("48M", "64M", ws)), ws, 1);  // warm the compiled kernel up
  for (const ramMiB of [48, 40, 32, 28, 24, 20, 16]) {
    const s = setup(`${ramMiB}M`, "64M", ws);
    const ms = passes(s.k, s.x, s.a, ws, 3);
    if (ramMiB === 48) fits = ms;
    points.push([ramMiB, ms]);
    r.row(`RAM ${ramMiB} MiB`, `${ms.toFixed(0)} ms`, undefined,
      `${(ms / fits).toFixed(1)}x the run that fits; pswpin ${s.k.counter("pswpin")}, pswpout ${s.k.counter("pswpout")}`);
  }
  const dir = join(packageRoot(), "build", "bench");
  mkdirSync(dir, { recursive: true });
  const file = join(dir, "thrash.svg");
  writeFileSync(file, svg(points.reverse(), "RAM (MiB)", "run time (ms)", `3 passes over ${ws / MiB} MiB: run time against RAM`));
  r.row("thrash curve", file);
}
