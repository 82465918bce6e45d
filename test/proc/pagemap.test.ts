// /proc/<pid>/pagemap, /proc/kpageflags, /proc/kpagecount and
// /proc/<pid>/auxv (fs/proc/task_mmu.c, page.c, base.c) against native
// runs of the same static programs: each page's pagemap bits and its
// frame's flags and map count (a THP's too), what a read refuses, a zombie's files; and,
// under faultline alone (no swap here natively), swapped pages' entries.
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildStatic, faultlineRun, runIn } from "../helpers/native_build.js";
import { needs, TOOLS, ZERO_PAGE_AS_HOST } from "../helpers/tools.js";
import { Machine } from "../../src/machine.js";
import { loadKernelModule } from "../../src/cli/load.js";
import { classifyFrames, FrameState } from "../../src/proc/frames.js";
import { KPF_ANON, KPF_BUDDY, KPF_MMAP, KPF_PGTABLE, KPF_RESERVED, KPF_SLAB, KPF_ZERO_PAGE, PAGE_READS } from "../../src/proc/page.js";

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
    const ours = faultlineRun(...ZERO_PAGE_AS_HOST, exe, data);
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

describe("kpageflags and kpagecount of every frame", () => {
  it("agree with the frame map classifyFrames makes of mem_map, after a fork has shared pages", () => {
    const m = new Machine(loadKernelModule(), { mem: "64M" });
    const k = m.kernel;
    m.exec(readFileSync(new URL("../../programs/bin/fork_cow", import.meta.url)), ["./fork_cow", "64"]);
    // Until the first write after the fork has copied a page: frames mapped once and twice.
    while (m.processes().filter((p) => p.comm === "fork_cow").length < 2 || !classifyFrames(k).counts[FrameState.Anon]) expect(m.step()).toBeNull();
    // The whole file, a chunk at a time as a read gets it, asking for a word past the end.
    const words = (file: string) => {
      const all: bigint[] = [];
      for (let chunk: Uint8Array; (chunk = PAGE_READS[file](k, all.length * 8, (k.maxPfn - all.length + 1) * 8) as Uint8Array).length;) {
        all.push(...new BigUint64Array(chunk.slice().buffer));
      }
      return all;
    };
    const flags = words("kpageflags"), counts = words("kpagecount");
    expect(flags.length).toBe(k.maxPfn);
    const map = classifyFrames(k);
    const has = (pfn: number, kpf: number) => ((flags[pfn] >> BigInt(kpf)) & 1n) === 1n;
    const seen = new Set<FrameState>();
    map.state.forEach((s, pfn) => {
      seen.add(s as FrameState);
      const what = `pfn ${pfn} (${s})`;
      expect(has(pfn, KPF_BUDDY), what).toBe(s === FrameState.Free);
      expect(has(pfn, KPF_PGTABLE), what).toBe(s === FrameState.PageTable);
      expect(has(pfn, KPF_SLAB), what).toBe(s === FrameState.Slab);
      expect(has(pfn, KPF_ZERO_PAGE), what).toBe(s === FrameState.Zero);
      expect(has(pfn, KPF_RESERVED), what).toBe([FrameState.KernelImage, FrameState.MemMap, FrameState.Reserved, FrameState.Zero].includes(s as never));
      expect(has(pfn, KPF_ANON), what).toBe(s === FrameState.Anon || s === FrameState.AnonShared);
      if (s === FrameState.Anon || s === FrameState.AnonShared) {
        expect(has(pfn, KPF_MMAP), what).toBe(true);
        expect(counts[pfn], what).toBe(s === FrameState.AnonShared ? 2n : 1n);
      } else if (s !== FrameState.File) {
        expect(counts[pfn], what).toBe(0n);
      }
      if (s === FrameState.Free || s === FrameState.Pcp) expect(flags[pfn] & ~(1n << BigInt(KPF_BUDDY)), what).toBe(0n);
    });
    expect([...seen]).toEqual(expect.arrayContaining([FrameState.Free, FrameState.PageTable, FrameState.Slab,
      FrameState.Zero, FrameState.Anon, FrameState.AnonShared, FrameState.File, FrameState.KernelImage]));
    expect(m.run()).toEqual({ kind: "exit", status: 0 });
  });
});
