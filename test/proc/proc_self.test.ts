// /proc/self views of a real address space: maps against the program's own
// mmap calls, VmRSS and smaps_rollup against the pages it touched, pagemap
// against the pfns the allocator handed out (read from the fault trace).
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { Kernel } from "../../src/kernel.js";
import { bytesFile } from "../../src/fs/pagecache.js";
import { MmReader, type MmKernel } from "../../src/proc/mm_reader.js";
import { SELF_FILES, pagemap, type TaskView } from "../../src/proc/self.js";
import { taskMem } from "../../src/proc/task_mmu.js";
import { readFaultStats, runStats } from "../../src/proc/stats.js";
import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, PROT_EXEC, PROT_READ, PROT_WRITE } from "../../src/loader/index.js";
import { FaultTracer, TraceRing, type TraceKernel } from "../../src/trace/index.js";

let mod: WebAssembly.Module;
beforeAll(() => { mod = new WebAssembly.Module(readFileSync("build/kernel.trace.wasm")); });

const W_U = 6, R_U = 4, I_U = 20;
const PAGE = 4096;

type X = Record<string, (...a: number[]) => number>;

/** A small process: text from a file, data, a heap, a stack and one anonymous mmap. */
function process_() {
  const k = new Kernel(mod, { mem: "32M" });
  const x = k.exports as unknown as X;
  const mm = x.mm_create();
  x.mm_switch(mm);
  const file = k.pageCache.open(bytesFile(new Uint8Array(3 * PAGE)))!.handle;
  const text = x.vm_mmap(0x400000, 2 * PAGE, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, file, 0);
  x.mm_set_code(0x400000, 0x401abc, 0x402000, 0x403000);
  const data = x.vm_mmap(0x402000, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, 0, 0);
  x.mm_set_brk(0x405000);
  const brk = x.sys_brk(0x408000);
  const anon = x.vm_mmap(0, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, 0, 0);
  expect([text, data, brk]).toEqual([0x400000, 0x402000, 0x408000]);
  const ring = new TraceRing(k.exports, k.memory);
  const tracer = new FaultTracer(ring);
  const fault = (address: number, errorCode: number) => {
    tracer.beginFault(address, errorCode, null);
    return tracer.endFault(x.handle_page_fault(address, errorCode))!;
  };
  const reader = new MmReader(k.exports, k.memory, k.layout, () => ({ path: "/prog/hello" }));
  const task: TaskView = { mm: reader, handle: mm, comm: "hello" };
  return { k, x, anon, fault, task };
}

describe("/proc/self/maps", () => {
  it("shows exactly the mappings the program made, in Linux's format", () => {
    const { anon, task } = process_();
    expect(SELF_FILES["self/maps"](task)).toBe(
      "00400000-00402000 r-xp 00000000 00:00 0                                  /prog/hello\n" +
      "00402000-00403000 rw-p 00000000 00:00 0 \n" +
      "00405000-00408000 rw-p 00000000 00:00 0                                  [heap]\n" +
      `${anon.toString(16)}-${(anon + 16 * PAGE).toString(16)} rw-p 00000000 00:00 0 \n` +
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n");
  });
});

describe("MmReader.vmaAt", () => {
  it("finds the VMA covering an address with one find_vma, as the whole list would, and null in a gap", () => {
    const { anon, task } = process_();
    const all = task.mm.vmas(task.handle);
    expect(all.length).toBe(4);
    for (const a of [0, 0x3fffff, 0x400000, 0x401fff, 0x402000, 0x403000, 0x404fff, 0x405000, 0x407fff, 0x408000, anon - 1, anon, anon + 16 * PAGE - 1, anon + 16 * PAGE]) {
      expect(task.mm.vmaAt(task.handle, a), a.toString(16)).toEqual(all.find((v) => v.start <= a && a < v.end) ?? null);
    }
  });
});

describe("what the program touched", () => {
  it("VmRSS, smaps_rollup and pagemap agree with the pages faulted in", () => {
    const { k, x, anon, fault, task } = process_();
    const written = [0x402008, 0x405010, 0x407ff0, anon, anon + 5 * PAGE + 17];
    const userPfn = new Map<number, number>();
    for (const a of written) {
      const r = fault(a, W_U);
      expect(r.outcome).toBe("minor");
      expect(r.handler).toBe("anon");
      userPfn.set(a, r.pages[r.pages.length - 1].pfn);  // the user page is the fault's last allocation
    }
    const read = [anon + 9 * PAGE, 0x406000];
    for (const a of read) expect(fault(a, R_U).handler).toBe("zero");
    expect(fault(0x400100, I_U).handler).toBe("file");

    const status = taskMem(task.mm.mm(task.handle));
    const kb = (name: string, text: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(text)![1]);
    // Five written pages and one file page; zero-page reads are not resident.
    expect(kb("VmRSS", status)).toBe(6 * 4);
    expect(kb("RssAnon", status)).toBe(5 * 4);
    expect(kb("RssFile", status)).toBe(4);
    expect(kb("VmSize", status)).toBe((2 + 1 + 3 + 16) * 4);
    expect(kb("VmExe", status)).toBe(8);

    const rollup = SELF_FILES["self/smaps_rollup"](task);
    expect(kb("Rss", rollup)).toBe(kb("VmRSS", status));
    expect(kb("Anonymous", rollup)).toBe(kb("RssAnon", status));
    expect(kb("Private_Dirty", rollup)).toBe(5 * 4);   // written: dirty
    expect(kb("Private_Clean", rollup)).toBe(4);       // the text page, read only

    const lines = pagemap(task, [...written, ...read, anon + PAGE, 0x400100]).split("\n");
    written.forEach((a, i) => expect(lines[i]).toContain(`present=1 pfn=0x${userPfn.get(a)!.toString(16)} soft-dirty=0 exclusive=1 file/shared-anon=0`));
    // The zero page: present, its pfn, no struct page to be exclusive.
    read.forEach((a, i) => expect(lines[written.length + i]).toContain(`present=1 pfn=0x${k.zeroPfn.toString(16)} soft-dirty=0 exclusive=0 file/shared-anon=0`));
    expect(lines[written.length + 2]).toMatch(/ 0000000000000000 present=0$/);
    expect(lines[written.length + 3]).toMatch(/present=1 .* exclusive=1 file\/shared-anon=1 /);

    // A write to a zero-page mapping copies: a COW fault, counted.
    expect(fault(0x406000, 7).handler).toBe("cow");
    const stats = runStats({
      vmstat: Object.fromEntries(k.vmstat()), mm: task.mm.mm(task.handle),
      faultStats: readFaultStats(k.memory, x.fault_stats_ptr()), instructions: 0, seconds: 0,
    });
    // The text page was not in the page cache: a major fault, as Linux counts a read from the file.
    expect(stats).toMatchObject({ zero_page_faults: 2, cow_faults: 1, minor_faults: 8, major_faults: 1, pgfault: 9, peak_rss_kb: 7 * 4 });
  });
});
