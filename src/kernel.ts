// The host side of the kernel core: one machine = one WebAssembly.Memory
// (its RAM, initial = maximum) and one instance of build/kernel.wasm.
// Runs in Node and in browsers: the wasm bytes or module are passed in.
//
// Counters, zones and free lists are read through one Uint32Array over
// RAM at the addresses kernel_layout() gives (src/abi.ts). A trap out
// of the kernel is a kernel bug: it comes back as a KernelPanic error
// carrying the printk'd "Kernel panic - not syncing: …" line.

import { hostTraceClock } from "./trace/ring.js";
import { PageCache } from "./fs/pagecache.js";
import { vdsoBytes } from "./loader/vdso.js";
import { SwapDevice } from "./mm/swap_device.js";
import { describeNuma, numaLayout, type NumaLayout, type NumaOptions } from "./mm/numa.js";
import { StructPages } from "./mm/struct_page.js";
import { DEFAULT_MEM, newRam, parseSize } from "./ram.js";
import { HZ, MAX_NUMNODES, PAGE_SIZE, PSS_SHIFT, SMAPS, readLayout, type KernelExports, type Layout, type LayoutField } from "./abi.js";

export { GFP, PAGE_SIZE, type KernelExports } from "./abi.js";
export { DEFAULT_MEM, parseSize } from "./ram.js";

/** Linux's zone_names[] and migratetype_names[] (mm/page_alloc.c). */
export const ZONE_NAMES = ["DMA", "DMA32", "Normal", "Movable", "Device"];
export const MIGRATETYPE_NAMES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic"];
/** Linux's enum numa_stat_item, as /proc/vmstat and zoneinfo name them. */
export const NUMA_EVENT_NAMES = ["numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other"];
/** vm_event_item's CONFIG_NUMA entries: a machine of one node is a UMA kernel's, without them. */
const NUMA_ONLY_EVENTS = new Set(["zone_reclaim_success", "zone_reclaim_failed"]);

export type SmapsCounts = Record<Exclude<keyof typeof SMAPS, "count">, number>;

/**
 * The smaps counts of [start, end) of `mm` in bytes (the Pss fields, SwapPss too, rounded
 * down to whole bytes; /proc prints each >> 10 as kB), or null for a bad handle.
 */
export function readSmaps(memory: WebAssembly.Memory, x: Pick<KernelExports, "proc_smaps_range">, mm: number, start: number, end: number): SmapsCounts | null {
  const rec = x.proc_smaps_range(mm, start, end);
  if (!rec) return null;
  const view = new DataView(memory.buffer);
  const out = {} as SmapsCounts;
  for (const [name, i] of Object.entries(SMAPS)) {
    if (name === "count") continue;
    const v = view.getFloat64(rec + i * 8, true);
    out[name as keyof SmapsCounts] = name.includes("Pss") ? Math.floor(v / 2 ** PSS_SHIFT) : v;
  }
  return out;
}

export interface KernelOptions extends NumaOptions {
  /** RAM size: bytes, or "256M", "4G", "65536K", "1048576". Default 256M (with numa's node sizes, their sum). */
  mem?: string | number;
  /** A swap device of this size (as mem; at most 4G), turned on at boot. Default: no swap. */
  swap?: string | number;
  /**
   * Whether a read fault on anonymous memory maps the shared zero page
   * (default true, as Linux does); false gives it a zeroed page of its own,
   * as a kernel whose mm_forbids_zeropage() holds.
   */
  zeroPage?: boolean;
  /**
   * The RAM, made ahead by newRam (src/ram.ts) with the size mem (or numa)
   * gives, for this kernel alone. Default: made here.
   */
  memory?: WebAssembly.Memory;
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
  /** One view over all of RAM: every field the host reads goes through it (struct pages through `pages`, views of it). */
  readonly u32: Uint32Array;
  /** The page cache's host side: open, map, read and write files through it. */
  readonly pageCache = new PageCache();
  /** The swap device (null without swap). */
  readonly swap: SwapDevice | null;
  /** The kernel_layout() table, by field (src/abi.ts). */
  readonly layout: Layout;
  /** mem_map's struct pages, field by field. */
  readonly pages: StructPages;
  /** The nodes as the options made them (null: one node, the default). */
  readonly numa: NumaLayout | null;
  private readonly names: string[];

  /** Compiles (if given bytes), instantiates and boots a machine. */
  static async create(wasm: BufferSource | WebAssembly.Module, options: KernelOptions = {}): Promise<Kernel> {
    const mod = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
    return new Kernel(mod, options);
  }

  /** Instantiates and boots a machine from a compiled module, synchronously. */
  constructor(mod: WebAssembly.Module, options: KernelOptions = {}) {
    const { ram, layout } = numaLayout(options.mem, options, DEFAULT_MEM);
    this.ramBytes = ram;
    this.numa = layout;
    this.swap = options.swap === undefined ? null : new SwapDevice(parseSize(options.swap) / PAGE_SIZE);
    const given = options.memory;
    if (given !== undefined && !(given instanceof WebAssembly.Memory && given.buffer.byteLength === ram)) throw new Error(`options.memory must be a WebAssembly.Memory of the RAM's ${ram} bytes`);
    this.memory = given ?? newRam(ram);
    const env = {
      memory: this.memory, flush_tlb_page() {}, flush_tlb_all() {}, trace_clock: hostTraceClock, ...options.env,
      ...this.pageCache.imports(),
      swap_write_page() {}, swap_read_page() {},
      ...this.swap?.imports(),
    };
    const tooSmall = () => new Error(`memory size ${String(options.mem ?? DEFAULT_MEM)} is too small for the kernel's own reservations (image, mem_map, zero page, trace ring)`);
    let instance: WebAssembly.Instance;
    try {
      instance = new WebAssembly.Instance(mod, { env: env as WebAssembly.ModuleImports });
    } catch (e) {
      // RAM smaller than the kernel image itself: the memory cannot hold its data segment.
      if (e instanceof WebAssembly.LinkError) throw tooSmall();
      throw e;
    }
    this.exports = instance.exports as unknown as KernelExports;
    this.u32 = new Uint32Array(this.memory.buffer);
    this.pageCache.attach(this.exports, this.memory);
    const ramPages = this.ramBytes / PAGE_SIZE;
    if (layout && layout.sizes.length > 1) describeNuma(this.exports, layout);
    const rc = this.call(() => this.exports.boot(ramPages));
    if (rc === -12) {
      throw tooSmall();
    }
    if (rc !== 0) throw new Error(`boot failed with ${rc}`);
    if (options.zeroPage === false) this.exports.set_forbids_zeropage(true);
    if (this.swap) {
      this.swap.attach(this.memory);
      const err = this.call(() => this.exports.swapon(this.swap!.pages));
      if (err === -12) throw new Error(`swap size ${String(options.swap)}: no memory left for its swap_map and swap cache`);
      if (err !== 0) throw new Error(`swap size ${String(options.swap)} is not usable (at least 8K, at most 4G)`);
    }
    this.layout = readLayout(this.u32, this.exports.kernel_layout() >>> 0);
    this.pages = new StructPages(this.u32, this.layout);
    this.names = this.decodeNames(this.layout.vmstat_names);
    this.needReschedAt = this.exports.need_resched_ptr() >>> 2;
    // init_vdso_image: the image into the pages the kernel reserved for it.
    new Uint8Array(this.memory.buffer).set(vdsoBytes(), this.exports.vdso_image_pa());
    this.vdsoTimeData = new DataView(this.memory.buffer, this.exports.vdso_time_data_pa(), PAGE_SIZE);
  }

  /** The time data page the vDSO reads through [vvar] (the timekeeper writes it: updateVsyscall). */
  readonly vdsoTimeData: DataView;

  /** Where the kernel's need_resched flag is, as a u32 index into RAM. */
  private readonly needReschedAt: number;

  /** A wakeup of a sleeping kernel thread asked to preempt the current task (resched_curr); read without a call, at every return to user mode. */
  get needResched(): boolean {
    return this.u32[this.needReschedAt] !== 0;
  }

  /** schedule() has switched to the woken threads: the flag is down (clear_tsk_need_resched). */
  clearNeedResched(): void {
    this.u32[this.needReschedAt] = 0;
  }

  /** Whether the tracers are built in (CONFIG_FTRACE: build/kernel.trace.wasm and kernel.debug.wasm; build/kernel.wasm has none). */
  get ftrace(): boolean {
    return this.layout.ftrace !== 0;
  }

  /** A kernel_layout() field (src/abi.ts). */
  layoutOf(name: LayoutField): number {
    return this.layout[name];
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

  private delivered = 0;

  /** Timer ticks delivered (do_timer): the virtual clock's whole 1/HZ periods, jiffies less INITIAL_JIFFIES. */
  get ticks(): number {
    return this.delivered;
  }

  /** The timer interrupt: jiffies catch up with the virtual clock (`clockNs`, nanoseconds since boot). */
  tick(clockNs: number): void {
    const ticks = Math.floor(clockNs / (1e9 / HZ)) - this.delivered;
    if (ticks <= 0) return;
    this.delivered += ticks;
    this.exports.do_timer(ticks);
  }

  /**
   * One turn of node `nid`'s kswapd thread, if it can run (runnable, woken,
   * or `timedOut` ends its nap). @return 0 if it could not, else 1 + where
   * it blocked again (KSWAPD_RUNNABLE 0, NAPPING 1, SLEEPING 2)
   */
  kswapd(nid: number, timedOut = false): number {
    return this.call(() => this.exports.kswapd(nid, timedOut ? 1 : 0));
  }

  /**
   * One turn of node `nid`'s kcompactd thread, if its wait ends (woken with
   * work, or `timedOut`). @return 0 if it could not run, 1 if it ran and
   * compacted nothing, 2 if it compacted
   */
  kcompactd(nid: number, timedOut = false): number {
    return this.call(() => this.exports.kcompactd(nid, timedOut ? 1 : 0));
  }

  /** The timeout of node `nid`'s kcompactd wait in milliseconds, or null for none (MAX_SCHEDULE_TIMEOUT). */
  kcompactdTimeout(nid: number): number | null {
    return this.exports.kcompactd_timeout(nid) || null;
  }

  /** Swap slots in pages: total (0 without swap), used and free (si_swapinfo). */
  swapInfo(): { total: number; used: number; free: number } {
    const x = this.exports;
    return { total: x.swap_info(0), used: x.swap_info(1), free: x.swap_info(2) };
  }

  /** echo 1 > /proc/sys/vm/compact_memory: every zone compacted whole. */
  compactMemory(): void {
    this.call(() => this.exports.compact_memory());
  }

  /** The invariant checker: 0, or the number of violations (each in dmesg). */
  checkInvariants(): number {
    return this.call(() => this.exports.check_invariants());
  }

  /** numa_node_id(): the CPU's node. */
  get numaNodeId(): number { return this.layout.numa_node; }

  /** nr_node_ids: the highest node id + 1. */
  get nrNodeIds(): number { return this.layout.nr_node_ids; }

  /** The online nodes' ids, in order (node 0 alone on a one-node machine). */
  nodes(): number[] {
    return Array.from({ length: this.nrNodeIds }, (_, nid) => nid).filter((nid) => this.pgdat(nid) !== 0);
  }

  /** A node's start pfn, spanned and present pages (pglist_data's node_start_pfn, node_spanned_pages, node_present_pages). */
  nodeSpan(nid: number): { startPfn: number; spanned: number; present: number } {
    const at = this.pgdat(nid), lay = this.layout;
    return { startPfn: this.u32[(at + lay.pgdat_node_start_pfn) >>> 2], spanned: this.u32[(at + lay.pgdat_node_spanned) >>> 2], present: this.u32[(at + lay.pgdat_node_present) >>> 2] };
  }

  /** The SLIT entry from node `from` to node `to`. */
  distance(from: number, to: number): number {
    return new Uint8Array(this.memory.buffer)[this.layout.numa_distance + from * MAX_NUMNODES + to];
  }

  /** A zone's vm_numa_event[] or, without a zone, the global sums: numa_hit, numa_miss, numa_foreign, numa_interleave, numa_local, numa_other. */
  numaEvents(zone?: { nid: number; idx: number }): number[] {
    // A zone points at its counters (0: none kept, one node).
    const at = zone ? this.u32[(this.zoneAddr(zone.idx, zone.nid) + this.layout.zone_numa_event) >>> 2] : this.layout.vm_numa_event;
    return at ? this.counters(at, NUMA_EVENT_NAMES.length) : NUMA_EVENT_NAMES.map(() => 0);
  }

  /** node_states[N_MEMORY]: the nodes with present pages. */
  nodesWithMemory(): number[] {
    return this.nodes().filter((nid) => this.nodeSpan(nid).present > 0);
  }

  /** node_states[N_MEMORY] as a nodemask's two u32 halves. */
  memoryNodes(): [number, number] {
    const mask: [number, number] = [0, 0];
    for (const nid of this.nodesWithMemory()) mask[nid >>> 5] = (mask[nid >>> 5] | (1 << (nid & 31))) >>> 0;
    return mask;
  }

  get maxPfn(): number { return this.layout.max_pfn; }
  get minFreeKbytes(): number { return this.layout.min_free_kbytes; }
  get zeroPfn(): number { return this.layout.zero_pfn; }
  get totalramPages(): number { return this.layout.totalram_pages; }
  get pageblockOrder(): number { return this.layout.pageblock_order; }
  get maxOrder(): number { return this.layout.max_order; }
  get memMap(): number { return this.layout.mem_map; }
  /** The kernel image (data and globals) is [0, imageEnd), page-aligned. */
  get imageEnd(): number { return this.layout.image_end; }
  /** zone stat names, node stat names, event names, in /proc/vmstat order. */
  get zoneStatNames(): string[] { return this.names.slice(0, this.layout.nr_zone_items); }
  get nodeStatNames(): string[] {
    const z = this.layout.nr_zone_items;
    return this.names.slice(z, z + this.layout.nr_node_items);
  }
  get eventNames(): string[] {
    return this.names.slice(this.layout.nr_zone_items + this.layout.nr_node_items);
  }

  /** The kernel's names: an AssemblyScript string (UTF-16, its byte length before it) of names ending in NULs. */
  private decodeNames(ptr: number): string[] {
    const units = new Uint16Array(this.memory.buffer, ptr, this.u32[(ptr - 4) >>> 2] >>> 1);
    // Not a TextDecoder: Node makes an ICU converter for UTF-16, a cost to every start.
    let text = "";
    for (let i = 0; i < units.length; i += 4096) text += String.fromCharCode.apply(null, units.subarray(i, i + 4096) as unknown as number[]);
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

  /** Node `nid`'s pglist_data (node 0's is the static contig_page_data). */
  private pgdat(nid: number): number {
    return nid === 0 ? this.layout.pgdat : this.u32[(this.layout.node_data >>> 2) + nid];
  }

  private zoneAddr(idx: number, nid = 0): number {
    return this.pgdat(nid) + this.layout.node_zones + idx * this.layout.sizeof_zone;
  }

  /**
   * /proc/vmstat's pairs: zone items, node items, events (global sums);
   * CONFIG_NUMA's events on several nodes only. Of `values`, an earlier
   * vmstatValues(), when given.
   */
  vmstat(values = this.vmstatValues()): Array<[string, number]> {
    const numa = this.nodes().length > 1;
    return this.names.map((name, i): [string, number] => [name, values[i]]).filter(([name]) => numa || !NUMA_ONLY_EVENTS.has(name));
  }

  /** Every vmstat counter's value, in the kernel's order: a snapshot for vmstat() to name later. */
  vmstatValues(): number[] {
    return [
      ...this.counters(this.layout.vm_zone_stat, this.layout.nr_zone_items),
      ...this.counters(this.layout.vm_node_stat, this.layout.nr_node_items),
      ...this.counters(this.layout.vm_events, this.layout.nr_event_items),
    ];
  }

  /** One counter of /proc/vmstat by name (in pages or events). */
  counter(name: string): number {
    const i = this.names.indexOf(name);
    if (i < 0) throw new Error(`no vmstat counter named ${name}`);
    return this.vmstatValues()[i];
  }

  /** A node's counters (pgdat->vm_stat), by name. */
  nodeStat(nid = 0): Map<string, number> {
    const base = this.pgdat(nid) + this.layout.pgdat_vm_stat;
    const values = this.counters(base, this.layout.nr_node_items);
    return new Map(this.nodeStatNames.map((n, i) => [n, values[i]]));
  }

  /** Every zone of a node, populated or not, in zone order. */
  zones(nid = 0): ZoneInfo[] {
    const out: ZoneInfo[] = [];
    const lay = this.layout;
    for (let idx = 0; idx < lay.max_nr_zones; idx++) {
      const z = this.zoneAddr(idx, nid);
      const w = (off: number) => this.u32[(z + off) >>> 2];
      const i32 = (off: number) => w(off) | 0;
      const nrFree: number[] = [];
      for (let o = 0; o < lay.max_order; o++) nrFree.push(w(lay.free_area + o * lay.sizeof_free_area + lay.nr_free));
      const pcp = lay.pcp;
      const zoneNames = this.zoneStatNames;
      const stat = this.counters(z + lay.zone_vm_stat, lay.nr_zone_items);
      out.push({
        name: ZONE_NAMES[idx],
        idx,
        startPfn: w(lay.start_pfn),
        spanned: w(lay.spanned),
        present: w(lay.present),
        managed: w(lay.managed),
        watermark: [0, 1, 2, 3].map((i) => w(lay.watermark + 4 * i)),
        boost: w(lay.watermark_boost),
        protection: Array.from({ length: lay.max_nr_zones }, (_, i) => w(lay.lowmem_reserve + 4 * i)),
        nrFree,
        pcp: {
          count: i32(pcp + lay.pcp_count),
          high: i32(pcp + lay.pcp_high),
          batch: i32(pcp + lay.pcp_batch),
          highMin: i32(pcp + lay.pcp_high_min),
          highMax: i32(pcp + lay.pcp_high_max),
        },
        stat: new Map(zoneNames.map((n, i) => [n, stat[i]])),
      });
    }
    return out;
  }

  /** The address of a zone's free_area[order].free_list[migratetype] list head. */
  freeListHead(zoneIdx: number, order: number, migratetype: number, nid = 0): number {
    const lay = this.layout;
    return this.zoneAddr(zoneIdx, nid) + lay.free_area + order * lay.sizeof_free_area
      + lay.free_list + migratetype * 8;
  }

  /** The address of a zone's field at a kernel_layout() offset (see docs/abi.md). */
  zoneField(zoneIdx: number, field: LayoutField, nid = 0): number {
    return this.zoneAddr(zoneIdx, nid) + this.layout[field];
  }

  /** Each populated zone's nr_free per order: all a per-fault sampler reads (zones() reads everything). */
  freeAreas(nid = 0): Array<{ name: string; nr_free: number[] }> {
    const lay = this.layout;
    const out: Array<{ name: string; nr_free: number[] }> = [];
    for (let idx = 0; idx < lay.max_nr_zones; idx++) {
      const z = this.zoneAddr(idx, nid);
      if (!this.u32[(z + lay.present) >>> 2]) continue;
      const nr_free = new Array<number>(lay.max_order);
      for (let o = 0; o < nr_free.length; o++) nr_free[o] = this.u32[(z + lay.free_area + o * lay.sizeof_free_area + lay.nr_free) >>> 2];
      out.push({ name: ZONE_NAMES[idx], nr_free });
    }
    return out;
  }

  /** The pfns of the free blocks on one free list, head first (walks the list). */
  freeBlocks(zoneIdx: number, order: number, migratetype: number, nid = 0): number[] {
    return this.listPfns(this.freeListHead(zoneIdx, order, migratetype, nid));
  }

  /** The pfns of the blocks on each per-cpu list of a zone, by pindex (order = pindex / 3). */
  pcpLists(zoneIdx: number, nid = 0): number[][] {
    const lay = this.layout;
    const lists = this.zoneAddr(zoneIdx, nid) + lay.pcp + lay.pcp_lists;
    return Array.from({ length: lay.nr_pcp_lists }, (_, pindex) => this.listPfns(lists + pindex * 8));
  }

  /** Walks a list of struct pages linked through lru, head first. */
  private listPfns(head: number): number[] {
    const pfns: number[] = [];
    for (let e = this.u32[head >>> 2]; e !== head; e = this.u32[e >>> 2]) pfns.push(this.pages.lruPfn(e));
    return pfns;
  }

  /** Blocks on each free list of a zone: counts[order][migratetype]. */
  freeListCounts(zoneIdx: number, nid = 0): number[][] {
    const lay = this.layout;
    return Array.from({ length: lay.max_order }, (_, o) =>
      Array.from({ length: lay.migrate_types }, (_, mt) => this.freeBlocks(zoneIdx, o, mt, nid).length));
  }

  /** Pageblocks of each migratetype in a zone. */
  pageblockCounts(zoneIdx: number, nid = 0): number[] {
    const lay = this.layout;
    const z = this.zoneAddr(zoneIdx, nid);
    const flags = this.u32[(z + lay.pageblock_flags) >>> 2];
    const start = this.u32[(z + lay.start_pfn) >>> 2];
    const spanned = this.u32[(z + lay.spanned) >>> 2];
    const order = lay.pageblock_order;
    const counts = new Array(lay.migrate_types).fill(0);
    const base = start >>> order;
    for (let pfn = start; pfn < start + spanned; pfn += 1 << order) {
      const i = flags + ((pfn >>> order) - base);
      counts[(this.u32[i >>> 2] >>> ((i & 3) * 8)) & 0xff]++;
    }
    return counts;
  }
}
