// The compaction benchmark: a 256 MiB zone (DMA32 of a 272 MiB machine)
// fragmented by one process's anonymous pages, every other page freed, then
// compacted whole (echo 1 > /proc/sys/vm/compact_memory). Reported: pages
// migrated per second, and the time per migrated page against a plain copy
// of as many pages (copyWithin over the same RAM, in the same run).

import { Kernel } from "../src/kernel.js";
import { loadKernelModule } from "../src/cli/load.js";
import type { Reporter } from "./report.js";
import { touch, type Exports } from "./fault.js";

const PAGE = 4096;
const MEM = "272M";
const PROT_RW = 3, MAP_PRIVATE_ANON = 0x22, MADV_DONTNEED = 4;
const PF_W = 2, PF_U = 4;
const REPEAT = 3;

/** A fresh machine whose DMA32 zone holds a process's pages in every other frame. */
function fragmented(): Kernel {
  const k = new Kernel(loadKernelModule("release"), { mem: MEM });
  const x = k.exports as unknown as Exports;
  x.thp_set_enabled(0);
  const mm = x.mm_create();
  x.mm_switch(mm);
  const pages = k.counter("nr_free_pages") - 4096;
  const a = x.sys_mmap(0, pages * PAGE, PROT_RW, MAP_PRIVATE_ANON, 0, 0);
  for (let i = 0; i < pages; i++) touch(x, a + i * PAGE, PF_U | PF_W);
  for (let i = 1; i < pages; i += 2) x.sys_madvise(a + i * PAGE, PAGE, MADV_DONTNEED);
  k.drainAllPages();
  return k;
}

/** One compaction of a freshly fragmented zone: ms, pages migrated, and ms to copy as many pages. */
function run(): { ms: number; migrated: number; copyMs: number } {
  const k = fragmented();
  const before = k.counter("pgmigrate_success");
  const t0 = performance.now();
  k.compactMemory();
  const ms = performance.now() - t0;
  const migrated = k.counter("pgmigrate_success") - before;
  // The baseline: the same number of page copies, page by page, within RAM.
  const ram = new Uint8Array(k.memory.buffer);
  const from = 64 << 20, to = 160 << 20, span = 64 << 20;
  const copy = () => {
    const t1 = performance.now();
    for (let i = 0; i < migrated; i++) {
      const off = (i * PAGE) % span;
      ram.copyWithin(to + off, from + off, from + off + PAGE);
    }
    return performance.now() - t1;
  };
  copy();  // the first pass also commits the host's memory behind RAM
  const copyMs = copy();
  return { ms, migrated, copyMs };
}

export async function compactionBench(r: Reporter): Promise<void> {
  const runs = Array.from({ length: REPEAT }, run);
  const ms = Math.min(...runs.map((x) => x.ms));
  const copyMs = Math.min(...runs.map((x) => x.copyMs));
  const migrated = runs[0].migrated;
  if (runs.some((x) => x.migrated !== migrated)) throw new Error("compaction bench: runs migrated different page counts");
  r.section(`compaction of a fragmented ${MEM} machine (DMA32, every other page free), best of ${REPEAT}`);
  r.row("compact_memory, pages migrated", String(migrated));
  r.row("pages migrated per second", String(Math.round(migrated / (ms / 1000))));
  r.row("per page migrated (scan, isolate, copy, rmap)", `${((ms * 1e6) / migrated).toFixed(0)} ns`, undefined,
    `${(ms / copyMs).toFixed(1)}x a plain copy of as many pages in the same run, ${((copyMs * 1e6) / migrated).toFixed(0)} ns a page`);
}
