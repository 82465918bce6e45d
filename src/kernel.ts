// The host side of the kernel core: one machine = one WebAssembly.Memory
// (its RAM, initial = maximum) and one instance of build/kernel.wasm.
// Runs in Node and in browsers: the wasm bytes or module are passed in.
//
// Counters, zones and free lists are read through one Uint32Array over
// RAM at the addresses kernel_layout() gives (docs/abi.md). A trap out
// of the kernel is a kernel bug: it comes back as a KernelPanic error
// carrying the printk'd "Kernel panic - not syncing: …" line.

import { hostTraceClock } from "./trace/ring.js";
import { PageCache, type PageCacheKernel } from "./fs/pagecache.js";

export const PAGE_SIZE = 4096;
const WASM_PAGE = 65536;
const MAX_RAM = 4 * 1024 * 1024 * 1024;
export const DEFAULT_MEM = "256M";

/** Linux's zone_names[] and migratetype_names[] (mm/page_alloc.c). */
export const ZONE_NAMES = ["DMA", "DMA32", "Normal", "Movable", "Device"];
export const MIGRATETYPE_NAMES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic"];

/** include/linux/gfp_types.h bit values (and the kernel's assembly/mm/gfp.ts). */
export const GFP = {
  __GFP_DMA: 0x01, __GFP_HIGHMEM: 0x02, __GFP_DMA32: 0x04, __GFP_MOVABLE: 0x08,
  __GFP_RECLAIMABLE: 0x10, __GFP_HIGH: 0x20, __GFP_IO: 0x40, __GFP_FS: 0x80,
  __GFP_ZERO: 0x100, __GFP_ATOMIC: 0x200, __GFP_DIRECT_RECLAIM: 0x400,
  __GFP_KSWAPD_RECLAIM: 0x800, __GFP_NOWARN: 0x2000, __GFP_MEMALLOC: 0x20000,
  __GFP_COMP: 0x40000, __GFP_NOMEMALLOC: 0x80000, __GFP_HARDWALL: 0x100000,
  GFP_KERNEL: 0xcc0, GFP_ATOMIC: 0xa20, GFP_USER: 0x100cc0,
  GFP_HIGHUSER_MOVABLE: 0x100cca, GFP_DMA: 0x01, GFP_DMA32: 0x04,
} as const;

// Indices into the kernel_layout() table (assembly/kernel/layout.ts).
const L = {
  pgdat: 0, node_zones: 1, sizeof_zone: 2, watermark: 3, watermark_boost: 4, lowmem_reserve: 5,
  start_pfn: 6, spanned: 7, present: 8, managed: 9, free_area: 10, sizeof_free_area: 11,
  nr_free: 12, free_list: 13, pcp: 14, pcp_count: 15, pcp_high: 16, pcp_batch: 17,
  pcp_high_min: 18, pcp_high_max: 19, pcp_lists: 20, zone_vm_stat: 21, pageblock_flags: 22,
  pgdat_vm_stat: 23, vm_zone_stat: 24, vm_node_stat: 25, vm_events: 26,
  nr_zone_items: 27, nr_node_items: 28, nr_event_items: 29, vmstat_names: 30,
  mem_map: 31, max_pfn: 32, min_free_kbytes: 33, zero_pfn: 34, max_nr_zones: 35,
  max_order: 36, migrate_types: 37, pageblock_order: 38, nr_pcp_lists: 39, totalram_pages: 40,
  image_end: 41, count: 42,
} as const;

/** The raw exports of build/kernel.wasm (docs/abi.md). */
export interface KernelExports {
  boot(ram_pages: number): number;
  alloc_pages(gfp: number, order: number): number;
  free_pages(pfn: number, order: number): number;
  check_invariants(): number;
  drain_all_pages(): void;
  kernel_layout(): number;
  log_buf_ptr(): number;
  log_buf_next(): number;
  trace_set(mode: number): void;
  trace_ring_ptr(): number;
  trace_ring_next(): number;
  trace_fn_names(): number;
  /** echo 1 > /proc/sys/vm/compact_memory: compacts every zone whole; 0. */
  compact_memory(): number;
  /** One turn of kcompactd (the host calls it between guest quanta): 1 if it was woken and worked, else 0. */
  kcompactd(): number;
  /** wakeup_kcompactd(order, highest_zoneidx), as kswapd calls it. */
  wakeup_kcompactd(order: number, highest_zoneidx: number): void;
  /** The slow path's compaction for an allocation: the pfn, or -1 - the last compact_result. */
  alloc_pages_compact(gfp: number, order: number): number;
  /** /proc/sys/vm/extfrag_threshold (0..1000): 0 or -EINVAL. */
  set_extfrag_threshold(v: number): number;
  /** /proc/sys/vm/watermark_boost_factor. */
  set_watermark_boost_factor(v: number): void;
  [name: string]: unknown;
}

/**
 * The mm side of processes (docs/abi.md "Processes"): the exports a task
 * layer calls to fork, exec, share and end address spaces, learn the OOM
 * killer's victim, and read per-process smaps counts. mm handles are u32.
 */
export interface ProcessMmExports {
  /** A new empty address space; 0 on ENOMEM. */
  mm_create(): number;
  /** fork: a copy of `parent` (COW), with the parent's identity until set_task; 0 on ENOMEM or a bad handle. */
  mm_fork(parent: number): number;
  /** CLONE_VM: one more task uses `mm` (each user calls mm_exit once); 0 or -EINVAL. */
  mm_get(mm: number): number;
  /** execve: a fresh mm replacing `old` for this task (now current); `old` loses this user. 0 on ENOMEM. */
  mm_exec(old: number): number;
  /** The running task's mm (switch_mm); 0: none. */
  mm_switch(mm: number): void;
  /** A task stops using `mm`; the last user frees everything it maps. */
  mm_exit(mm: number): void;
  set_task(mm: number, pid: number, uid: number, comm0: number, comm1: number, comm2: number, comm3: number): void;
  /** The mm the OOM killer chose last, once (0: none): SIGKILL every task using it, then mm_exit. */
  oom_take_victim(): number;
  /** /proc/<pid>/oom_score_adj (-1000..1000); 0 or -EINVAL. */
  mm_set_oom_score_adj(mm: number, adj: number): number;
  /** /proc/<pid>/oom_score (0..2000), -1 for a bad handle. */
  proc_oom_score(mm: number): number;
  /** smaps counts of [start, end) of `mm` (SMAPS indices, f64 words), or 0 for a bad handle. */
  proc_smaps_range(mm: number, start: number, end: number): number;
  /** (rmap mappings found << 16) | (_mapcount + 1) of an anonymous page, or -1. */
  rmap_page_mapcount(pfn: number): number;
}

/** proc_smaps_range's record (assembly/fs/proc/task_mmu.ts): bytes; the Pss fields are bytes << PSS_SHIFT. */
export const SMAPS = {
  Rss: 0, Pss: 1, Pss_Anon: 2, Pss_File: 3, Shared_Clean: 4, Shared_Dirty: 5,
  Private_Clean: 6, Private_Dirty: 7, Referenced: 8, Anonymous: 9, AnonHugePages: 10, count: 11,
} as const;
export const PSS_SHIFT = 12;

export type SmapsCounts = Record<Exclude<keyof typeof SMAPS, "count">, number>;

/**
 * The smaps counts of [start, end) of `mm` in bytes (Pss fields rounded
 * down to whole bytes; /proc prints each >> 10 as kB), or null for a bad handle.
 */
export function readSmaps(memory: WebAssembly.Memory, x: ProcessMmExports, mm: number, start: number, end: number): SmapsCounts | null {
  const rec = x.proc_smaps_range(mm, start, end);
  if (!rec) return null;
  const view = new DataView(memory.buffer);
  const out = {} as SmapsCounts;
  for (const [name, i] of Object.entries(SMAPS)) {
    if (name === "count") continue;
    const v = view.getFloat64(rec + i * 8, true);
    out[name as keyof SmapsCounts] = name.startsWith("Pss") ? Math.floor(v / 2 ** PSS_SHIFT) : v;
  }
  return out;
}

export interface KernelOptions {
  /** RAM size: bytes, or "256M", "4G", "65536K", "1048576". Default 256M. */
  mem?: string | number;
  /** Imports under env to replace: flush_tlb_page and flush_tlb_all (no-ops until a CPU exists), trace_clock (the page cache's block driver is the machine's own). */
  env?: Record<string, unknown>;
}

/** A trap out of the kernel: its message is the panic line from dmesg. */
export class KernelPanic extends Error {
  constructor(message: string, readonly dmesg: string) {
    super(message);
    this.name = "KernelPanic";
  }
}

/**
 * Parses a RAM size as the CLI and the API take it: a byte count or a
 * number with K, M or G (powers of 1024). It must be a multiple of the
 * 64 KiB WebAssembly page, and at most 4 GiB (wasm32).
 */
export function parseSize(size: string | number): number {
  let bytes: number;
  if (typeof size === "number") {
    bytes = size;
  } else {
    const m = /^\s*(\d+)\s*([KMG]?)i?B?\s*$/i.exec(size);
    if (!m) throw new Error(`bad memory size "${size}": expected bytes or a number with K, M or G (e.g. 256M)`);
    const shift = { "": 0, K: 10, M: 20, G: 30 }[m[2].toUpperCase() as "" | "K" | "M" | "G"];
    bytes = Number(m[1]) * 2 ** shift;
  }
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`bad memory size ${String(size)}: must be a positive whole number of bytes`);
  if (bytes > MAX_RAM) throw new Error(`memory size ${String(size)} is above 4G, the most a wasm32 machine can address`);
  if (bytes % WASM_PAGE !== 0) throw new Error(`memory size ${String(size)} is not a multiple of 64K (the WebAssembly page)`);
  return bytes;
}

/** A zone as /proc/zoneinfo and /proc/buddyinfo see it. */
export interface ZoneInfo {
  name: string;
  idx: number;
  startPfn: number;
  spanned: number;
  present: number;
  managed: number;
  /** [min, low, high, promo] */
  watermark: number[];
  boost: number;
  /** lowmem_reserve[MAX_NR_ZONES] */
  protection: number[];
  /** nr_free per order */
  nrFree: number[];
  pcp: { count: number; high: number; batch: number; highMin: number; highMax: number };
  /** zone->vm_stat[], by name */
  stat: Map<string, number>;
}

export class Kernel {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly ramBytes: number;
  /** One view over all of RAM: every field the host reads goes through it. */
  readonly u32: Uint32Array;
  /** The page cache's host side: open, map, read and write files through it. */
  readonly pageCache = new PageCache();
  private readonly layout: number[];
  private readonly names: string[];

  /** Compiles (if given bytes), instantiates and boots a machine. */
  static async create(wasm: BufferSource | WebAssembly.Module, options: KernelOptions = {}): Promise<Kernel> {
    const mod = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
    return new Kernel(mod, options);
  }

  /** Instantiates and boots a machine from a compiled module, synchronously. */
  constructor(mod: WebAssembly.Module, options: KernelOptions = {}) {
    this.ramBytes = parseSize(options.mem ?? DEFAULT_MEM);
    const pages = this.ramBytes / WASM_PAGE;
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const env = {
      memory: this.memory, flush_tlb_page() {}, flush_tlb_all() {}, trace_clock: hostTraceClock, ...options.env,
      ...this.pageCache.imports(),
    };
    const instance = new WebAssembly.Instance(mod, { env: env as WebAssembly.ModuleImports });
    this.exports = instance.exports as unknown as KernelExports;
    this.u32 = new Uint32Array(this.memory.buffer);
    this.pageCache.attach(this.exports as unknown as PageCacheKernel, this.memory);
    const ramPages = this.ramBytes / PAGE_SIZE;
    const rc = this.call(() => this.exports.boot(ramPages));
    if (rc === -12) {
      throw new Error(`memory size ${String(options.mem ?? DEFAULT_MEM)} is too small for the kernel's own reservations (image, mem_map, zero page, trace ring)`);
    }
    if (rc !== 0) throw new Error(`boot failed with ${rc}`);
    const at = this.exports.kernel_layout() >>> 2;
    this.layout = Array.from(this.u32.subarray(at, at + L.count));
    this.names = this.decodeNames(this.layout[L.vmstat_names]);
  }

  /** The kernel_layout() table (docs/abi.md), by field name. */
  layoutOf(name: keyof typeof L): number {
    return this.layout[L[name]];
  }

  /** Runs a kernel call, turning a trap into a KernelPanic. */
  call<T>(fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        const log = this.dmesg();
        const line = log.split("\n").reverse().find((l) => l.startsWith("Kernel panic - not syncing:"));
        throw new KernelPanic(line ?? `Kernel panic - not syncing: ${e.message}`, log);
      }
      throw e;
    }
  }

  /** The kernel log (printk ring), oldest first. */
  dmesg(): string {
    const ptr = this.exports.log_buf_ptr();
    const next = this.exports.log_buf_next() >>> 0;
    const size = 16384;
    const bytes = new Uint8Array(this.memory.buffer, ptr, size);
    const out = next <= size ? bytes.slice(0, next)
      : new Uint8Array([...bytes.subarray(next % size), ...bytes.subarray(0, next % size)]);
    return new TextDecoder("ascii").decode(out);
  }

  /** __alloc_pages: the pfn of a new 2^order block, or -1. */
  allocPages(gfp: number, order: number): number {
    return this.call(() => this.exports.alloc_pages(gfp, order));
  }

  /** Frees a block; throws on a (pfn, order) that is not an allocated block. */
  freePages(pfn: number, order: number): void {
    const rc = this.call(() => this.exports.free_pages(pfn, order));
    if (rc !== 0) throw new Error(`free_pages(${pfn}, ${order}): not an allocated block`);
  }

  /** drain_all_pages: every page on a per-cpu list goes back to the buddy. */
  drainAllPages(): void {
    this.call(() => this.exports.drain_all_pages());
  }

  /** echo 1 > /proc/sys/vm/compact_memory: every zone compacted whole. */
  compactMemory(): void {
    this.call(() => this.exports.compact_memory());
  }

  /** The invariant checker: 0, or the number of violations (each in dmesg). */
  checkInvariants(): number {
    return this.call(() => this.exports.check_invariants());
  }

  get maxPfn(): number { return this.layout[L.max_pfn]; }
  get minFreeKbytes(): number { return this.layout[L.min_free_kbytes]; }
  get zeroPfn(): number { return this.layout[L.zero_pfn]; }
  get totalramPages(): number { return this.layout[L.totalram_pages]; }
  get pageblockOrder(): number { return this.layout[L.pageblock_order]; }
  get maxOrder(): number { return this.layout[L.max_order]; }
  get memMap(): number { return this.layout[L.mem_map]; }
  /** The kernel image (data and globals) is [0, imageEnd), page-aligned. */
  get imageEnd(): number { return this.layout[L.image_end]; }
  /** zone stat names, node stat names, event names, in /proc/vmstat order. */
  get zoneStatNames(): string[] { return this.names.slice(0, this.layout[L.nr_zone_items]); }
  get nodeStatNames(): string[] {
    const z = this.layout[L.nr_zone_items];
    return this.names.slice(z, z + this.layout[L.nr_node_items]);
  }
  get eventNames(): string[] {
    return this.names.slice(this.layout[L.nr_zone_items] + this.layout[L.nr_node_items]);
  }

  private decodeNames(ptr: number): string[] {
    const bytes = this.u32[(ptr - 4) >>> 2];
    const text = new TextDecoder("utf-16le").decode(new Uint8Array(this.memory.buffer, ptr, bytes));
    return text.split("\0").slice(0, -1);
  }

  /** An i64 counter, clamped at 0 as Linux's zone_page_state does. */
  private readCounter(addr: number): number {
    const lo = this.u32[addr >>> 2];
    const hi = this.u32[(addr >>> 2) + 1];
    if (hi >= 0x80000000) return 0;
    return hi * 2 ** 32 + lo;
  }

  private counters(base: number, n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push(this.readCounter(base + i * 8));
    return out;
  }

  private zoneAddr(idx: number): number {
    return this.layout[L.pgdat] + this.layout[L.node_zones] + idx * this.layout[L.sizeof_zone];
  }

  /** /proc/vmstat's pairs: zone items, node items, events (global sums). */
  vmstat(): Array<[string, number]> {
    const values = [
      ...this.counters(this.layout[L.vm_zone_stat], this.layout[L.nr_zone_items]),
      ...this.counters(this.layout[L.vm_node_stat], this.layout[L.nr_node_items]),
      ...this.counters(this.layout[L.vm_events], this.layout[L.nr_event_items]),
    ];
    return this.names.map((name, i) => [name, values[i]]);
  }

  /** One counter of /proc/vmstat by name (in pages or events). */
  counter(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`no vmstat counter named ${name}`);
    return this.vmstat()[i][1];
  }

  /** The node's counters (pgdat->vm_stat), by name. */
  nodeStat(): Map<string, number> {
    const base = this.layout[L.pgdat] + this.layout[L.pgdat_vm_stat];
    const values = this.counters(base, this.layout[L.nr_node_items]);
    return new Map(this.nodeStatNames.map((n, i) => [n, values[i]]));
  }

  /** Every zone of node 0, populated or not, in zone order. */
  zones(): ZoneInfo[] {
    const out: ZoneInfo[] = [];
    const lay = this.layout;
    for (let idx = 0; idx < lay[L.max_nr_zones]; idx++) {
      const z = this.zoneAddr(idx);
      const w = (off: number) => this.u32[(z + off) >>> 2];
      const i32 = (off: number) => w(off) | 0;
      const nrFree: number[] = [];
      for (let o = 0; o < lay[L.max_order]; o++) nrFree.push(w(lay[L.free_area] + o * lay[L.sizeof_free_area] + lay[L.nr_free]));
      const pcp = lay[L.pcp];
      const zoneNames = this.zoneStatNames;
      const stat = this.counters(z + lay[L.zone_vm_stat], lay[L.nr_zone_items]);
      out.push({
        name: ZONE_NAMES[idx],
        idx,
        startPfn: w(lay[L.start_pfn]),
        spanned: w(lay[L.spanned]),
        present: w(lay[L.present]),
        managed: w(lay[L.managed]),
        watermark: [0, 1, 2, 3].map((i) => w(lay[L.watermark] + 4 * i)),
        boost: w(lay[L.watermark_boost]),
        protection: Array.from({ length: lay[L.max_nr_zones] }, (_, i) => w(lay[L.lowmem_reserve] + 4 * i)),
        nrFree,
        pcp: {
          count: i32(pcp + lay[L.pcp_count]),
          high: i32(pcp + lay[L.pcp_high]),
          batch: i32(pcp + lay[L.pcp_batch]),
          highMin: i32(pcp + lay[L.pcp_high_min]),
          highMax: i32(pcp + lay[L.pcp_high_max]),
        },
        stat: new Map(zoneNames.map((n, i) => [n, stat[i]])),
      });
    }
    return out;
  }

  /** The address of a zone's free_area[order].free_list[migratetype] list head. */
  freeListHead(zoneIdx: number, order: number, migratetype: number): number {
    const lay = this.layout;
    return this.zoneAddr(zoneIdx) + lay[L.free_area] + order * lay[L.sizeof_free_area]
      + lay[L.free_list] + migratetype * 8;
  }

  /** The address of a zone's field at a kernel_layout() offset (see docs/abi.md). */
  zoneField(zoneIdx: number, layoutIndex: keyof typeof L): number {
    return this.zoneAddr(zoneIdx) + this.layout[L[layoutIndex]];
  }

  /** Each populated zone's nr_free per order: all a per-fault sampler reads (zones() reads everything). */
  freeAreas(): Array<{ name: string; nr_free: number[] }> {
    const lay = this.layout;
    const out: Array<{ name: string; nr_free: number[] }> = [];
    for (let idx = 0; idx < lay[L.max_nr_zones]; idx++) {
      const z = this.zoneAddr(idx);
      if (!this.u32[(z + lay[L.present]) >>> 2]) continue;
      const nr_free = new Array<number>(lay[L.max_order]);
      for (let o = 0; o < nr_free.length; o++) nr_free[o] = this.u32[(z + lay[L.free_area] + o * lay[L.sizeof_free_area] + lay[L.nr_free]) >>> 2];
      out.push({ name: ZONE_NAMES[idx], nr_free });
    }
    return out;
  }

  /** The pfns of the free blocks on one free list, head first (walks the list). */
  freeBlocks(zoneIdx: number, order: number, migratetype: number): number[] {
    return this.listPfns(this.freeListHead(zoneIdx, order, migratetype));
  }

  /** The pfns of the blocks on each per-cpu list of a zone, by pindex (order = pindex / 3). */
  pcpLists(zoneIdx: number): number[][] {
    const lay = this.layout;
    const lists = this.zoneAddr(zoneIdx) + lay[L.pcp] + lay[L.pcp_lists];
    return Array.from({ length: lay[L.nr_pcp_lists] }, (_, pindex) => this.listPfns(lists + pindex * 8));
  }

  /** Walks a list of struct pages linked through lru, head first. */
  private listPfns(head: number): number[] {
    const pfns: number[] = [];
    // The lru field is 8 bytes into a 32-byte struct page.
    for (let e = this.u32[head >>> 2]; e !== head; e = this.u32[e >>> 2]) pfns.push((e - 8 - this.layout[L.mem_map]) / 32);
    return pfns;
  }

  /** Blocks on each free list of a zone: counts[order][migratetype]. */
  freeListCounts(zoneIdx: number): number[][] {
    const lay = this.layout;
    return Array.from({ length: lay[L.max_order] }, (_, o) =>
      Array.from({ length: lay[L.migrate_types] }, (_, mt) => this.freeBlocks(zoneIdx, o, mt).length));
  }

  /** Pageblocks of each migratetype in a zone. */
  pageblockCounts(zoneIdx: number): number[] {
    const lay = this.layout;
    const z = this.zoneAddr(zoneIdx);
    const flags = this.u32[(z + lay[L.pageblock_flags]) >>> 2];
    const start = this.u32[(z + lay[L.start_pfn]) >>> 2];
    const spanned = this.u32[(z + lay[L.spanned]) >>> 2];
    const order = lay[L.pageblock_order];
    const counts = new Array(lay[L.migrate_types]).fill(0);
    const base = start >>> order;
    for (let pfn = start; pfn < start + spanned; pfn += 1 << order) {
      const i = flags + ((pfn >>> order) - base);
      counts[(this.u32[i >>> 2] >>> ((i & 3) * 8)) & 0xff]++;
    }
    return counts;
  }
}
