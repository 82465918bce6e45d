// faultline's public entry, for Node and browsers alike (no node: imports
// here or in anything it reaches; DESIGN rule 6). The kernel's wasm comes
// in as bytes, a compiled Module, or a URL to fetch.

import { Machine, type MachineOptions } from "./machine.js";

export { Machine, type MachineOptions, type ProcessInfo, type RunEnd, type FaultHook, type THPMode } from "./machine.js";
export { KernelThreads, type KthreadInfo } from "./task/kthread.js";
export { signalEnding, siCodeName, type FatalSignal, type Ending } from "./syscalls/endings.js";
export { Kernel, KernelPanic, parseSize, ZONE_NAMES, MIGRATETYPE_NAMES, DEFAULT_MEM, type KernelOptions, type ZoneInfo } from "./kernel.js";
// The seam with the kernel: its exports' types, kernel_layout()'s fields, the constants both sides share.
export * from "./abi.js";
export * from "./mm/struct_page.js";

// Files: the page cache's host side (open, mmap, read, write through the cache) and FileData.
export { PageCache, bytesFile, allocIno, FMODE_READ, FMODE_WRITE, type OpenFile, type PageCacheKernel } from "./fs/pagecache.js";
export type { FileData } from "./fs/file_data.js";
export { MemoryHostFs, type HostFs } from "./fs/host.js";

// /proc views, the frame census and the inspection walk.
export { buddyinfo, pagetypeinfo, vmstat, zoneinfo, PROC_FILES } from "./proc/index.js";
export * from "./proc/task_mmu.js";
export * from "./proc/mm_reader.js";
export * from "./proc/extfrag.js";
export * from "./proc/stats.js";
export * from "./proc/frames.js";
export * from "./proc/page_walk.js";

// Tracing: the kernel's ring, per-fault records, function_graph and trace-event renderings, the Observer.
export * from "./trace/index.js";

// The CPU's decoder and register names (for showing the instruction at rip).
export { CPU_MODELS, REG_NAMES, STOP_NAMES, type CpuModelName, type Insn, type Operand } from "./cpu/index.js";
export { decode, MM, SEG_FS, SEG_GS } from "./cpu/decode.js";

/** Where the kernel comes from: its bytes, a compiled Module, or a URL (string or URL) to fetch. */
export type KernelSource = BufferSource | WebAssembly.Module | URL | string;

/** Compiles the kernel from any KernelSource (streaming when the server says application/wasm). */
export async function compileKernel(source: KernelSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  if (typeof source !== "string" && !(source instanceof URL)) return WebAssembly.compile(source);
  const response = await fetch(source);
  if (!response.ok) throw new Error(`faultline: fetching the kernel from ${String(source)} failed: HTTP ${response.status}`);
  if (response.headers.get("content-type")?.startsWith("application/wasm")) return WebAssembly.compileStreaming(response);
  return WebAssembly.compile(await response.arrayBuffer());
}

/**
 * A booted machine, ready to exec a program: a thin async helper over
 * Machine.create that also takes the kernel as a URL.
 */
export async function createMachine(kernel: KernelSource, options: MachineOptions = {}): Promise<Machine> {
  return Machine.create(await compileKernel(kernel), options);
}
