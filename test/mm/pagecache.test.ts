// The page cache (assembly/mm/filemap.ts, the file faults of memory.ts and
// src/fs/pagecache.ts): pages read on demand through the host's block
// driver, read-around and its PG_readahead mark, fault-around's window as
// Linux computes it, shared and private file mappings, truncate, programs run
// through the cache (a 200 MB one at --mem 16M), fault counts against
// native runs, and machines above 2 GiB.

import { spawnSync } from "node:child_process";
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { withLeakCheck } from "../helpers/machine.js";
import { PF, sig, SIGBUS, BUS_ADRERR, commWords, bootFaultEnv, type FaultEnv } from "../helpers/fault_cpu.js";
import { PROT, MAP, E } from "../helpers/mm_kernel.js";
import { programPath } from "../helpers/program_cases.js";
import { allocIno, bytesFile, FMODE_READ, FMODE_WRITE } from "../../src/fs/pagecache.js";
import type { FileData } from "../../src/fs/file_data.js";
import { Machine } from "../../src/machine.js";
import { WALK_FAULT_BELOW } from "../../src/cpu/mmu.js";
import { loadKernelModule } from "../../src/cli/load.js";

const PAGE = 4096;
const RW = PROT.READ | PROT.WRITE;
const PMD = 2 * 1024 * 1024;
/** Linux's defaults: fault_around_bytes 64 KiB, read_ahead_kb 128. */
const FAULT_AROUND = 16;
const RA = 32;

type Env = FaultEnv;
const boot = bootFaultEnv;

/** Runs fn in a fresh address space; afterwards nothing leaks: no page, no cached inode. */
function inProcess(e: Env, fn: () => void): void {
  withLeakCheck(e.k, () => {
    const mm = e.x.mm_create();
    e.x.mm_switch(mm);
    e.x.set_task(mm, 100, 1000, ...commWords("pagecache"));
    fn();
    expect(e.k.checkInvariants(), e.k.dmesg()).toBe(0);
    e.x.mm_exit(mm);
  });
  expect(e.k.pageCache.liveInodes).toBe(0);
  expect(e.k.nodeStat().get("nr_file_pages")).toBe(0);
}

/** A writable in-memory file (a tmpfs file's bytes, as the fd table would keep them). */
function memFile(bytes: Uint8Array): FileData & { bytes: Uint8Array } {
  const f = {
    ino: allocIno(),
    bytes,
    size: () => f.bytes.length,
    read(pos: number, dst: Uint8Array) {
      const src = f.bytes.subarray(Math.min(pos, f.bytes.length), Math.min(pos + dst.length, f.bytes.length));
      dst.set(src);
      return src.length;
    },
    write(pos: number, src: Uint8Array) {
      if (pos + src.length > f.bytes.length) {
        const grown = new Uint8Array(pos + src.length);
        grown.set(f.bytes);
        f.bytes = grown;
      }
      f.bytes.set(src, pos);
      return src.length;
    },
    truncate(size: number) {
      const resized = new Uint8Array(size);
      resized.set(f.bytes.subarray(0, size));
      f.bytes = resized;
      return 0;
    },
  };
  return f;
}

/** A file whose page i starts with the byte 0x10 + i. */
function pattern(pages: number): Uint8Array {
  const b = new Uint8Array(pages * PAGE);
  for (let i = 0; i < pages; i++) b[i * PAGE] = (0x10 + i) & 0xff;
  return b;
}

/** Whether a user read of `va` would hit a present pte (the side-effect-free walk). */
const mapped = (e: Env, va: number) => e.x.mmu_walk_inspect(va, PF.U) >= WALK_FAULT_BELOW;

describe("shared and private file mappings", () => {
  it("a write through MAP_SHARED is in the page cache at once, in the file once unmapped; a private write copies", () => {
    const e = boot();
    const data = memFile(pattern(4));
    inProcess(e, () => {
      const pc = e.k.pageCache;
      const f = pc.open(data, FMODE_READ | FMODE_WRITE)!;
      const a = pc.mmap(f, 0, 4 * PAGE, RW, MAP.SHARED, 0);
      const b = pc.mmap(f, 0, 4 * PAGE, PROT.READ, MAP.SHARED, 0);
      expect(a).toBeGreaterThan(0);
      expect(b).toBeGreaterThan(0);
      // do_shared_fault: the page-cache page itself, mapped writable at once.
      const w = e.cpu.access(a + PAGE, "w");
      expect(w.faults).toEqual([PF.U | PF.W]);
      expect(w.pa).toBe(e.x.file_page(f.handle, 1));
      e.view.setUint8(w.pa + 7, 0xee);
      // Another mapping and the cache-aware read see it...
      expect(e.cpu.access(b + PAGE + 7, "r").pa).toBe(w.pa + 7);
      const got = new Uint8Array(1);
      expect(pc.read(f, PAGE + 7, got)).toBe(1);
      expect(got[0]).toBe(0xee);
      // ...the file's own bytes once the last pte mapping the dirty page goes.
      expect(data.bytes[PAGE + 7]).toBe(0);
      expect(e.x.sys_munmap(a, 4 * PAGE)).toBe(0);
      expect(data.bytes[PAGE + 7]).toBe(0);  // b still maps it
      expect(e.x.sys_munmap(b, 4 * PAGE)).toBe(0);
      expect(data.bytes[PAGE + 7]).toBe(0xee);

      // A private mapping copies on write: neither the cache nor the file change.
      const p = pc.mmap(f, 0, 4 * PAGE, RW, MAP.PRIVATE, 0);
      const c = e.cpu.access(p + 2 * PAGE, "w");
      expect(c.pa).not.toBe(e.x.file_page(f.handle, 2));
      expect(e.view.getUint8(c.pa)).toBe(0x12);
      e.view.setUint8(c.pa, 0x99);
      expect(e.view.getUint8(e.x.file_page(f.handle, 2))).toBe(0x12);
      pc.fsync(f);
      expect(data.bytes[2 * PAGE]).toBe(0x12);

      // A host write through the cache reaches the mapped page; fsync writes
      // back a page written through a live shared mapping.
      expect(pc.write(f, 3 * PAGE + 1, new Uint8Array([0x55]))).toBe(1);
      const s = pc.mmap(f, 0, 4 * PAGE, RW, MAP.SHARED, 0);
      const r = e.cpu.access(s + 3 * PAGE + 1, "r");
      expect(e.view.getUint8(r.pa)).toBe(0x55);
      e.view.setUint8(e.cpu.access(s, "w").pa + 9, 0x77);
      pc.fsync(f);
      expect(data.bytes[9]).toBe(0x77);
      expect(data.bytes[3 * PAGE + 1]).toBe(0x55);

      // A file open read-only cannot be mapped shared and writable.
      const ro = pc.open(bytesFile(pattern(2)))!;
      expect(pc.mmap(ro, 0, PAGE, RW, MAP.SHARED, 0)).toBe(-E.EACCES);
      expect(pc.mmap(ro, 0, PAGE, RW, MAP.PRIVATE, 0)).toBeGreaterThan(0);
      pc.close(ro);
      pc.close(f);
      // The mappings still hold the file: the cache stays until they go.
      expect(e.k.pageCache.liveInodes).toBe(2);
    });
    // Eviction wrote the last dirty page back.
    expect(data.bytes[9]).toBe(0x77);
  });

  it("past the end of the file is SIGBUS; a file grown by a write maps its new page", () => {
    const e = boot();
    inProcess(e, () => {
      const pc = e.k.pageCache;
      const data = memFile(pattern(1));
      const f = pc.open(data, FMODE_READ | FMODE_WRITE)!;
      const a = pc.mmap(f, 0, 2 * PAGE, RW, MAP.SHARED, 0);
      expect(e.cpu.access(a + PAGE, "r").signal).toBe(sig(SIGBUS, BUS_ADRERR));
      pc.write(f, PAGE + 5, new Uint8Array([0x42]));
      const r = e.cpu.access(a + PAGE + 5, "r");
      expect(r.signal).toBe(0);
      expect(e.view.getUint8(r.pa)).toBe(0x42);
      pc.close(f);
    });
  });
});

describe("truncate (truncate_pagecache)", () => {
  // The same sequence against this machine's kernel: test/native/libc/truncate_mmap.c.
  it("a shrink unmaps the pages past the end from every mm, private copies too, frees them and zeroes the partial page", () => {
    const e = boot();
    const data = memFile(pattern(4));
    withLeakCheck(e.k, () => {
      const pc = e.k.pageCache;
      const f = pc.open(data, FMODE_READ | FMODE_WRITE)!;
      const [mm, other] = [e.x.mm_create(), e.x.mm_create()];
      e.x.mm_switch(other);
      e.x.set_task(other, 101, 1000, ...commWords("other"));
      const o = pc.mmap(f, 0, 4 * PAGE, RW, MAP.SHARED, 0);
      for (let i = 0; i < 4; i++) e.cpu.access(o + i * PAGE, "r");
      e.x.mm_switch(mm);
      e.x.set_task(mm, 100, 1000, ...commWords("pagecache"));
      const s = pc.mmap(f, 0, 4 * PAGE, RW, MAP.SHARED, 0);
      const p = pc.mmap(f, 0, 4 * PAGE, RW, MAP.PRIVATE, 0);
      for (let i = 0; i < 4; i++) e.view.setUint8(e.cpu.access(s + i * PAGE + 200, "w").pa, 0xaa);
      e.cpu.access(p + 3 * PAGE, "w");  // a private copy past the coming end
      expect(e.k.nodeStat().get("nr_file_pages")).toBe(4);

      pc.truncate(f, PAGE + 100);
      expect(e.k.nodeStat().get("nr_file_pages")).toBe(2);
      for (const va of [s + 2 * PAGE, s + 3 * PAGE, p + 3 * PAGE]) {
        expect(mapped(e, va)).toBe(false);
        expect(e.cpu.access(va, "r").signal).toBe(sig(SIGBUS, BUS_ADRERR));
      }
      const partial = e.cpu.access(s + PAGE + 200, "r");
      expect(partial.signal).toBe(0);
      expect(e.view.getUint8(partial.pa)).toBe(0);
      expect(e.k.checkInvariants(), e.k.dmesg()).toBe(0);

      pc.truncate(f, 4 * PAGE);
      const regrown = new Uint8Array(4 * PAGE);
      expect(pc.read(f, 0, regrown)).toBe(4 * PAGE);
      expect([regrown[200], regrown[PAGE + 200], regrown[2 * PAGE + 200], regrown[3 * PAGE + 200]]).toEqual([0xaa, 0, 0, 0]);
      expect(e.view.getUint8(e.cpu.access(s + 3 * PAGE + 200, "r").pa)).toBe(0);
      expect(e.view.getUint8(e.cpu.access(p + 3 * PAGE, "r").pa)).toBe(0);
      expect(e.k.checkInvariants(), e.k.dmesg()).toBe(0);

      e.x.mm_switch(other);
      expect(mapped(e, o + 3 * PAGE)).toBe(false);
      expect(e.view.getUint8(e.cpu.access(o + 3 * PAGE + 200, "r").pa)).toBe(0);
      e.x.mm_exit(other);
      e.x.mm_switch(mm);
      pc.close(f);
      expect(e.k.checkInvariants(), e.k.dmesg()).toBe(0);
      e.x.mm_exit(mm);
    });
    expect(e.k.pageCache.liveInodes).toBe(0);
    expect(e.k.nodeStat().get("nr_file_pages")).toBe(0);
    expect(data.bytes.length).toBe(4 * PAGE);
    expect(data.bytes[200]).toBe(0xaa);
    expect(data.bytes[3 * PAGE + 200]).toBe(0);
  });
});

describe("the invariant checker covers the page cache", () => {
  it("reports a cached page holding fewer references than the cache and its ptes, and nothing once it is right again", () => {
    const e = boot();
    inProcess(e, () => {
      const pc = e.k.pageCache;
      const f = pc.open(bytesFile(pattern(2)))!;
      const a = pc.mmap(f, 0, 2 * PAGE, PROT.READ, MAP.PRIVATE, 0);
      e.cpu.access(a, "r");
      const pfn = e.x.file_page(f.handle, 0) / PAGE;
      const refcount = (e.k.pages.address(pfn) + e.k.layout.page_refcount) / 4;
      e.x.lru_add_drain();  // the per-CPU LRU batch's reference goes
      expect(e.k.u32[refcount]).toBe(2);  // the cache's and the pte's
      e.k.u32[refcount]--;
      const before = e.k.dmesg().length;
      expect(e.k.checkInvariants()).toBeGreaterThan(0);
      expect(e.k.dmesg().slice(before)).toContain("BUG: filemap: page-cache page with fewer references than holders");
      e.k.u32[refcount]++;
      expect(e.k.checkInvariants(), e.k.dmesg()).toBe(0);
      pc.close(f);
    });
  });
});

/** The ptes Linux's do_fault_around maps for a read fault at `addr` (all pages cached), as addresses. */
function linuxFaultAround(addr: number, vmStart: number, vmEnd: number, filePages: number, vmPgoff: number): number[] {
  const pteOff = Math.floor(addr / PAGE) % 512;
  const vmaOff = (addr - vmStart) / PAGE;
  const from = Math.max(pteOff - (pteOff % FAULT_AROUND), pteOff - Math.min(pteOff, vmaOff));
  const to = Math.min(from + FAULT_AROUND, 512, pteOff + (vmEnd - vmStart) / PAGE - vmaOff) - 1;
  const out: number[] = [];
  for (let i = from; i <= to; i++) {
    const va = addr - (pteOff - i) * PAGE;
    if (vmPgoff + (va - vmStart) / PAGE < filePages) out.push(va);  // filemap_map_pages stops at i_size
  }
  return out;
}

describe("fault-around (do_fault_around, filemap_map_pages)", () => {
  it("a read fault maps exactly Linux's window of cached pages", () => {
    const e = boot();
    inProcess(e, () => {
      const pc = e.k.pageCache;
      const FILE = 600;
      const f = pc.open(bytesFile(pattern(FILE)))!;
      // Bring the whole file into the cache (read faults everywhere), then unmap.
      const warm = pc.mmap(f, 0, FILE * PAGE, PROT.READ, MAP.PRIVATE | MAP.POPULATE, 0);
      expect(e.k.nodeStat().get("nr_file_pages")).toBe(FILE);
      expect(e.x.sys_munmap(warm, FILE * PAGE)).toBe(0);
      const base = 0x40000000;  // 2 MiB aligned
      const cases: Array<{ start: number; pages: number; pgoff: number; at: number }> = [
        { start: base + 5 * PAGE, pages: 40, pgoff: 3, at: 20 },      // the middle: the aligned window
        { start: base + 5 * PAGE, pages: 40, pgoff: 3, at: 1 },       // clamped at the VMA's start
        { start: base + 5 * PAGE, pages: 40, pgoff: 3, at: 39 },      // clamped at its end
        { start: base + PMD - 7 * PAGE, pages: 30, pgoff: 0, at: 5 }, // clamped at the page table's end
        { start: base + PMD - 7 * PAGE, pages: 30, pgoff: 0, at: 9 }, // the next page table
        { start: base + 100 * PAGE, pages: 40, pgoff: FILE - 20, at: 18 }, // clamped at the end of the file
      ];
      for (const c of cases) {
        const start = e.x.vm_mmap(c.start, c.pages * PAGE, PROT.READ, MAP.PRIVATE | MAP.FIXED, f.handle, c.pgoff);
        expect(start).toBe(c.start);
        const addr = c.start + c.at * PAGE;
        expect(e.cpu.access(addr, "r").faults).toEqual([PF.U]);
        const want = linuxFaultAround(addr, c.start, c.start + c.pages * PAGE, FILE, c.pgoff);
        const got: number[] = [];
        for (let i = 0; i < c.pages; i++) if (mapped(e, c.start + i * PAGE)) got.push(c.start + i * PAGE);
        expect(got.map((a) => (a - c.start) / PAGE), JSON.stringify(c)).toEqual(want.map((a) => (a - c.start) / PAGE));
        expect(e.x.sys_munmap(c.start, c.pages * PAGE)).toBe(0);
      }
      pc.close(f);
    });
  });

  it("a miss reads around it and maps only its page; the PG_readahead mark starts the next window", () => {
    const e = boot();
    inProcess(e, () => {
      const pc = e.k.pageCache;
      const f = pc.open(bytesFile(pattern(400)))!;
      // At a 2 MiB boundary, so fault-around's aligned windows start at file pages 0, 16, 32...
      const a = pc.mmap(f, 0x40000000, 400 * PAGE, PROT.READ, MAP.PRIVATE | MAP.FIXED, 0);
      const cached = () => e.k.nodeStat().get("nr_file_pages");
      const major = () => e.k.counter("pgmajfault");
      const maj0 = major();
      const window = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
      const mappedPages = () => window(0, 400).filter((i) => mapped(e, a + i * PAGE));
      // A miss at 100: a major fault; read-around reads ra_pages centred on
      // it, [84, 116), marks page 116 - ra_pages / 4 = 108; fault-around ran
      // on an empty cache, so only page 100 is mapped.
      expect(e.cpu.access(a + 100 * PAGE, "r").faults).toEqual([PF.U]);
      expect(major() - maj0).toBe(1);
      expect(cached()).toBe(RA);
      expect(mappedPages()).toEqual([100]);
      // A minor fault at 90 maps its window [80, 96) from what is cached.
      expect(e.cpu.access(a + 90 * PAGE, "r").faults).toEqual([PF.U]);
      expect(major() - maj0).toBe(1);
      expect(mappedPages()).toEqual([...window(84, 96), 100]);
      // At 108, the mark: fault-around skips it, the fault maps it and reads
      // the next window [116, 148) ahead, its first page marked.
      expect(e.cpu.access(a + 108 * PAGE, "r").faults).toEqual([PF.U]);
      expect(major() - maj0).toBe(1);
      expect(cached()).toBe(2 * RA);
      expect(mappedPages()).toEqual([...window(84, 112)]);
      // At 113: pages 112-115 and 117-127 map; 116 is the new mark.
      expect(e.cpu.access(a + 113 * PAGE, "r").faults).toEqual([PF.U]);
      expect(mappedPages()).toEqual([...window(84, 116), ...window(117, 128)]);
      expect(cached()).toBe(2 * RA);
      pc.close(f);
    });
  });
});

describe("read() through the cache (filemap_get_pages, ondemand_readahead)", () => {
  it("reads ahead in Linux's windows: initial, ramped on the mark, a lone random page, a new sequential start", () => {
    const e = boot();
    inProcess(e, () => {
      const pc = e.k.pageCache;
      const bytes = pattern(400);
      const f = pc.open(bytesFile(bytes))!;
      const cached = () => e.k.nodeStat().get("nr_file_pages");
      const read = (page: number, pages: number) => {
        const dst = new Uint8Array(pages * PAGE);
        expect(pc.read(f, page * PAGE, dst)).toBe(pages * PAGE);
        expect(dst).toEqual(bytes.subarray(page * PAGE, (page + pages) * PAGE));
      };
      // 16 pages at 0: get_init_ra_size(16, 32) is the whole ra_pages, its last 16 async (marked at 16)
      read(0, 16);
      expect(cached()).toBe(RA);
      // the next 16 hit the mark: the window moves on to [32, 64)
      read(16, 16);
      expect(cached()).toBe(2 * RA);
      // one page far away: read alone
      read(300, 1);
      expect(cached()).toBe(2 * RA + 1);
      // the page after it: a sequential miss starts a window of get_init_ra_size(1, 32) = 4 pages
      read(301, 1);
      expect(cached()).toBe(2 * RA + 1 + 4);
      pc.close(f);
      // pages read but never mapped may still wait in the per-CPU LRU batch, holding a reference
      e.x.lru_add_drain();
    });
  });
});

// ─── programs through the page cache ───────────────────────────────────────

const hasTool = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const nativeHost = process.platform === "linux" && process.arch === "x64" && hasTool("gcc");
const kernel = loadKernelModule("debug");
const decoder = new TextDecoder();

/** A FileData over a file on disk, read a page at a time (never all of it). */
function diskFile(path: string): FileData & { close(): void } {
  const fd = openSync(path, "r");
  return {
    ino: allocIno(),
    size: () => fstatSync(fd).size,
    read: (pos, dst) => readSync(fd, dst, 0, dst.length, pos),
    close: () => closeSync(fd),
  };
}

/** Builds a freestanding program (programs/lib) from C source in a temporary folder. */
function build(name: string, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), "faultline-pc-"));
  const lib = join(programPath({ program: "hello" }), "../../lib");
  const flags = ["-O2", "-static", "-nostdlib", "-ffreestanding", "-fno-pic", "-no-pie", "-fno-stack-protector",
    "-mgeneral-regs-only", "-fno-asynchronous-unwind-tables", "-fcf-protection=none", "-Wl,--build-id=none", `-I${lib}`];
  writeFileSync(join(dir, `${name}.c`), source);
  const out = join(dir, name);
  const r = spawnSync("gcc", [...flags, "-o", out, join(lib, "crt0.S"), join(dir, `${name}.c`), join(lib, "sys.c")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return out;
}

/** The native run's faults (ru_minflt + ru_majflt) with the program's pages dropped from the page cache first. */
function nativeColdFaults(program: string): { stdout: string; status: number; minflt: number; majflt: number } {
  const dir = mkdtempSync(join(tmpdir(), "faultline-pc-"));
  writeFileSync(join(dir, "run.c"), `
#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  int fd = open(argv[1], O_RDONLY);
  fdatasync(fd);  /* written pages cannot be dropped */
  posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);  /* cold: as the machine's page cache starts */
  close(fd);
  pid_t pid = vfork();
  if (pid == 0) { dup2(3, 1); execv(argv[1], argv + 1); _exit(127); }
  int status; struct rusage ru;
  wait4(pid, &status, 0, &ru);
  printf("%ld %ld %d\\n", ru.ru_minflt, ru.ru_majflt, WEXITSTATUS(status));
  return 0;
}`);
  const wrapper = join(dir, "run");
  expect(spawnSync("gcc", ["-O2", "-o", wrapper, join(dir, "run.c")]).status).toBe(0);
  const outFile = join(dir, "stdout");
  const fd = openSync(outFile, "w");
  const r = spawnSync(wrapper, [program], { stdio: ["ignore", "pipe", "inherit", fd], encoding: "utf8", env: {} });
  closeSync(fd);
  const [minflt, majflt, status] = r.stdout.trim().split(" ").map(Number);
  return { stdout: readFileSync(outFile, "utf8"), status, minflt, majflt };
}

/** Runs a program from disk under faultline: its output, ending, faults, and what the cache held at exit. */
function runHere(program: string, mem: string) {
  let stdout = "";
  let atExit = { minor: 0, major: 0, cached: 0 };
  const m = new Machine(kernel, {
    mem,
    stdout: (b) => (stdout += decoder.decode(b)),
    beforeExit: (mm) => {
      const s = mm.stats(0);
      atExit = { minor: s.minor_faults, major: s.major_faults, cached: mm.kernel.nodeStat().get("nr_file_pages")! };
    },
  });
  m.kernel.drainAllPages();
  const free = m.kernel.counter("nr_free_pages");
  const file = diskFile(program);
  m.exec(file, [program]);
  const end = m.run(1e8);
  file.close();
  expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
  m.kernel.drainAllPages();
  expect(m.kernel.counter("nr_free_pages")).toBe(free);
  expect(m.kernel.pageCache.liveInodes).toBe(0);
  return { stdout, status: end.kind === "exit" ? end.status : -1, faults: m.faults, ...atExit };
}

// Sixty-four functions a page apart, each called once: 64 pages of text.
const BIG_TEXT = `#include "sys.h"
#define F(i) __attribute__((noinline, aligned(4096))) static unsigned long f##i(unsigned long x) { return x * (i + 3) + i; }
#define F8(a) F(a##0) F(a##1) F(a##2) F(a##3) F(a##4) F(a##5) F(a##6) F(a##7)
F8(1) F8(2) F8(3) F8(4) F8(5) F8(6) F8(7) F8(8)
#define C(i) s = f##i(s);
#define C8(a) C(a##0) C(a##1) C(a##2) C(a##3) C(a##4) C(a##5) C(a##6) C(a##7)
int main(int argc, char **argv)
{
	unsigned long s = 1;
	C8(1) C8(2) C8(3) C8(4) C8(5) C8(6) C8(7) C8(8)
	put_str("s "); put_udec(s); put_str("\\n");
	return 0;
}
`;

// 200 MiB of read-only data in the file, of which the program reads three pages.
const BIG_DATA = `#include "sys.h"
#define BIG (200UL << 20)
static const u8 big[BIG] = { [0] = 1, [BIG / 2] = 2, [BIG - PAGE_SIZE] = 3 };
int main(int argc, char **argv)
{
	const volatile u8 *p = big;
	unsigned long sum = p[0] + p[BIG / 2] * 10 + p[BIG - PAGE_SIZE] * 100 + (unsigned long)argc * 1000;
	put_str("sum "); put_udec(sum); put_str("\\n");
	return 0;
}
`;

describe.runIf(nativeHost)("programs run through the page cache", () => {
  it("64 pages of text fault about as often as natively from a cold cache (fault-around, read-around)", () => {
    const program = build("bigtext", BIG_TEXT);
    const native = nativeColdFaults(program);
    const here = runHere(program, "64M");
    expect(here.stdout).toBe(native.stdout);
    expect(here.status).toBe(native.status);
    // Without fault-around every text page would fault: 64 and more. The
    // machine reads ahead Linux's default 128 KiB; a disk here may read more
    // (virtio: 8 MiB), sparing the native run a read-ahead fault or two.
    expect(here.minor + here.major).toBeLessThan(20);
    expect(Math.abs(here.minor + here.major - (native.minflt + native.majflt))).toBeLessThanOrEqual(4);
    expect(Math.abs(here.major - native.majflt)).toBeLessThanOrEqual(1);
  });

  it("a 200 MB program runs at --mem 16M, reading only the pages it touches", () => {
    const program = build("bigdata", BIG_DATA);
    expect(fstatSync(openSync(program, "r")).size).toBeGreaterThan(200 * 1024 * 1024);
    const native = nativeColdFaults(program);
    const here = runHere(program, "16M");
    expect(here.stdout).toBe("sum 1321\n");
    expect(here.stdout).toBe(native.stdout);
    expect(here.status).toBe(native.status);
    expect(here.cached * PAGE).toBeLessThan(1024 * 1024);  // three read-around windows, not the file
    expect(Math.abs(here.minor + here.major - (native.minflt + native.majflt))).toBeLessThanOrEqual(3);
  }, 60_000);
});

describe("machines above 2 GiB (physical addresses past the i32 range)", () => {
  for (const mem of ["3G", "4G"]) {
    it(`runs programs at --mem ${mem}`, () => {
      let stdout = "";
      const m = new Machine(loadKernelModule("release"), { mem, stdout: (b) => (stdout += decoder.decode(b)) });
      m.kernel.drainAllPages();
      const free = m.kernel.counter("nr_free_pages");
      m.exec(new Uint8Array(readFileSync(programPath({ program: "touch_write" }))), ["./touch_write", "256"]);
      expect(m.run(1e8)).toEqual({ kind: "exit", status: 0 });
      expect(stdout).toBe("touched 256 pages, checksum 32640\n");
      m.kernel.drainAllPages();
      expect(m.kernel.counter("nr_free_pages")).toBe(free);
      expect(m.kernel.pageCache.liveInodes).toBe(0);
    }, 60_000);
  }
});
