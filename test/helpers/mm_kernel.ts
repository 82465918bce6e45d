// A booted kernel for the address-space suites, and the native reference:
// test/native/mm_ops.c run on this machine's Linux (when it is x86-64
// Linux with gcc), fed the same operations.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import type { Kernel as Machine } from "../../src/kernel.js";
import { machine } from "./machine.js";
import { FaultCpu } from "./fault_cpu.js";
import { bytesFile } from "../../src/fs/pagecache.js";

export const PAGE = 4096;
export const MiB = 1 << 20;
export const TASK_SIZE = 0x7ffffffff000;

export const PROT = { NONE: 0, READ: 1, WRITE: 2, EXEC: 4, GROWSDOWN: 0x01000000, GROWSUP: 0x02000000 } as const;
export const MAP = {
  SHARED: 0x01, PRIVATE: 0x02, SHARED_VALIDATE: 0x03, FIXED: 0x10, ANONYMOUS: 0x20,
  GROWSDOWN: 0x100, LOCKED: 0x2000, NORESERVE: 0x4000, POPULATE: 0x8000, STACK: 0x20000,
  HUGETLB: 0x40000, FIXED_NOREPLACE: 0x100000,
} as const;
export const MADV = { NORMAL: 0, RANDOM: 1, SEQUENTIAL: 2, WILLNEED: 3, DONTNEED: 4, FREE: 8, HUGEPAGE: 14, NOHUGEPAGE: 15 } as const;
export const E = { EPERM: 1, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EEXIST: 17, EINVAL: 22, EOVERFLOW: 75, EOPNOTSUPP: 95 } as const;
// vm_flags
export const VM = {
  READ: 0x1, WRITE: 0x2, EXEC: 0x4, SHARED: 0x8, MAYREAD: 0x10, MAYWRITE: 0x20, MAYEXEC: 0x40, MAYSHARE: 0x80,
  GROWSDOWN: 0x100, LOCKED: 0x2000, SEQ_READ: 0x8000, RAND_READ: 0x10000, ACCOUNT: 0x100000, NORESERVE: 0x200000,
  HUGEPAGE: 0x20000000, NOHUGEPAGE: 0x40000000,
} as const;

export interface Kernel {
  machine: Machine;
  memory: WebAssembly.Memory;
  exports: Record<string, any>;
  /** The CPU's memory front (TLB, walk, #PF), for accesses. */
  cpu: FaultCpu;
}

/** A fresh machine of `ramMiB` MiB, booted, with the mm exports untyped. */
export function bootKernel(ramMiB = 64): Kernel {
  const cpu = new FaultCpu();
  const m = machine(`${ramMiB}M`, "release", { env: cpu.imports });
  cpu.kernel = m.exports as any;
  return { machine: m, memory: m.memory, exports: m.exports, cpu };
}

/** A read-only file of `size` zero bytes opened in the page cache: its kernel handle. */
export function openFile(k: Kernel, size: number): number {
  const f = k.machine.pageCache.open(bytesFile(new Uint8Array(size)));
  if (!f) throw new Error("openFile: out of memory");
  return f.handle;
}

/** The kernel log (dmesg) so far. */
export function dmesg(k: Kernel): string {
  return k.machine.dmesg();
}

export interface Vma { start: number; end: number; pgoff: number; flags: number; file: number; anon: number }

/** The VMAs of mm `mm` in address order, read through proc_vma_next. */
export function vmas(k: Kernel, mm: number): Vma[] {
  const out: Vma[] = [];
  let addr = 0;
  for (;;) {
    const p = k.exports.proc_vma_next(mm, addr) >>> 0;
    if (!p) return out;
    const f = new Float64Array(k.memory.buffer, p, 6);
    out.push({ start: f[0], end: f[1], pgoff: f[2], flags: f[3], file: f[4], anon: f[5] });
    addr = f[1];
  }
}

export const COUNTERS = [
  "file", "anon", "swapents", "shmem", "hiwater_rss", "hiwater_vm", "total_vm", "locked_vm",
  "data_vm", "exec_vm", "stack_vm", "pgtables_bytes", "min_flt", "maj_flt", "map_count", "start_code",
  "end_code", "start_data", "end_data", "start_brk", "brk", "start_stack", "arg_start", "arg_end",
  "env_start", "env_end", "mmap_base", "rlim_stack", "committed_as",
] as const;

/** The mm counters view (proc_mm_counters) as an object. */
export function counters(k: Kernel, mm: number): Record<(typeof COUNTERS)[number], number> {
  const p = k.exports.proc_mm_counters(mm) >>> 0;
  if (!p) throw new Error(`no mm ${mm}`);
  const f = new Float64Array(k.memory.buffer, p, COUNTERS.length);
  return Object.fromEntries(COUNTERS.map((n, i) => [n, f[i]])) as any;
}

/** The slab caches: name address, objects in use, slab pages. */
export function slabs(k: Kernel): { active: number; slabs: number }[] {
  const base = k.exports.kmem_caches_ptr() >>> 0;
  const n = k.exports.kmem_caches_count() >>> 0;
  const u = new Uint32Array(k.memory.buffer, base, n * 6);
  return Array.from({ length: n }, (_, i) => ({ slabs: u[i * 6 + 3], active: u[i * 6 + 4] }));
}

/** check_invariants, with the log of what it found when it fails. */
export function expectInvariants(k: Kernel): void {
  const before = dmesg(k).length;
  const n = k.machine.checkInvariants();
  if (n !== 0) throw new Error(`check_invariants: ${n} violation(s)\n${dmesg(k).slice(before)}`);
}

// ─── the native reference ──────────────────────────────────────────────────

let nativeBin: string | undefined;

/**
 * mm_ops built static (callers check needs(gcc, libc.a) first); a failing
 * gcc throws with its messages.
 */
export function nativeMmOps(): string {
  return (nativeBin ??= nativeStatic(new URL("../native/mm_ops.c", import.meta.url).pathname));
}

/** Builds a C probe with gcc -O2 -static. @return the executable's path. */
export function nativeStatic(src: string): string {
  const out = join(mkdtempSync(join(tmpdir(), "faultline-native-")), basename(src, ".c"));
  const r = spawnSync("gcc", ["-O2", "-static", "-o", out, src], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`gcc -static ${src} failed:\n${r.stderr}`);
  return out;
}

/**
 * Runs `ops` natively under `setarch -R` (no randomization) with the given
 * stack rlimit in KiB. @return one result line per op.
 */
export function runNative(bin: string, ops: string[], stackKiB = 8192): string[] {
  const out = execFileSync("setarch", ["-R", "sh", "-c", `ulimit -s ${stackKiB} && exec "$0"`, bin], {
    input: ops.join("\n") + "\n",
    encoding: "utf8",
  });
  return out.trim().split("\n");
}
