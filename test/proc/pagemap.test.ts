// /proc/<pid>/pagemap, /proc/kpageflags, /proc/kpagecount and
// /proc/<pid>/auxv (fs/proc/task_mmu.c, page.c, base.c) against native
// runs of the same static programs: each page's pagemap bits and its
// frame's flags and map count (a THP's too), what a read refuses, a zombie's files; and,
// under faultline alone (no swap here natively), swapped pages' entries.
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS } from "../helpers/tools.js";

const PAGEMAP = new URL("../native/proc/pagemap.c", import.meta.url).pathname;
const PAGEMAP_SWAP = new URL("../native/swap/pagemap_swap.c", import.meta.url).pathname;
const PAGEMAP_THP = new URL("../native/proc/pagemap_thp.c", import.meta.url).pathname;
// Linux shows pfns, and kpageflags opens, only to CAP_SYS_ADMIN: the native run must be root's.
const root = process.getuid?.() === 0;

/** 4 pages of data on the host's disk, written back (a clean page cache, as faultline's read-only view of it is). */
function dataFile(dir: string): string {
  const path = join(dir, "data");
  const fd = openSync(path, "w");
  writeSync(fd, new Uint8Array(4 * 4096).map((_, i) => i * 7));
  fsyncSync(fd);
  closeSync(fd);
  return path;
}

describe.each([["gcc", TOOLS.gcc], ["musl-gcc", TOOLS.musl_gcc]] as const)("built with %s", (cc, tool) => {
  it.runIf(needs(tool, TOOLS.x86_64_linux, TOOLS.dist) && root)("pagemap.c: each page's pagemap, kpageflags and kpagecount are Linux's", () => {
    const exe = buildStatic(cc, PAGEMAP);
    const data = dataFile(dirname(exe));
    const native = runIn(exe, [data]);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain("anon 4: pagemap 102 kpageflags 600045808 kpagecount 1\n");  // mlocked: UNEVICTABLE, MLOCKED
    const ours = faultlineRun(exe, data);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(0);
  }, 300_000);

  it.runIf(needs(tool, TOOLS.x86_64_linux, TOOLS.dist) && root)("pagemap_thp.c: a THP's head and tails, and after a fork, are Linux's", () => {
    const exe = buildStatic(cc, PAGEMAP_THP);
    const native = runIn(exe, []);
    expect(native.status).toBe(0);
    expect(native.stdout).toContain("parent page 1: pagemap 102, frame 1 of its huge page, kpageflags 400415808 kpagecount 1\n");  // a THP's tail
    // The same THP mode as this machine's ("[madvise]" marks the one in force).
    const thp = /\[(\w+)\]/.exec(readFileSync("/sys/kernel/mm/transparent_hugepage/enabled", "utf8"))![1];
    const ours = faultlineRun("--thp", thp, exe);
    expect(ours.stdout).toBe(native.stdout);
    expect(ours.status).toBe(0);
  }, 300_000);

  it.runIf(needs(tool, TOOLS.dist))("pagemap_swap.c: a page swapped out reads as its swap entry, as many as VmSwap counts", () => {
    const exe = buildStatic(cc, PAGEMAP_SWAP);
    const ours = faultlineRun("--mem", "16M", "--swap", "64M", exe, "24");
    expect(ours.status).toBe(0);
    const [, present, swapped] = /^6144 pages: (\d+) present, (\d+) swapped$/m.exec(ours.stdout)!.map(Number);
    expect(present + swapped).toBe(6144);
    expect(swapped).toBeGreaterThan(1000);
    expect(ours.stdout).toContain("present and swapped at once: 0\nswapped as many as VmSwap says: yes\nswap entries of another device: 0, repeated: 0\n");
  }, 300_000);
});
