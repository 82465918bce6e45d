// include/linux/mmzone.h: nodes, zones, free areas, per-cpu page lists.
//
// Nodes: node_data[nid] points to each node's pglist_data; node 0's is
// contig_page_data in the kernel image, the others are allocated at boot
// from their own node's memory (alloc_node_data).
// Structures are @unmanaged classes over fixed memory; their arrays sit at
// fixed offsets after the scalar fields and are reached by @inline helpers.
//
//  ╒═══ struct pglist_data (contig_page_data, in the kernel image) ════════╕
//    scalars (class pglist_data)
//    node_zones[MAX_NR_ZONES]          SIZEOF_ZONE each
//    node_zonelists[ZONELIST_FALLBACK] (MAX_NR_ZONES + 1) zonerefs, 0-terminated: one
//                                      node's (several nodes: at ->zonelist_fallback)
//    vm_stat[NR_VM_NODE_STAT_ITEMS]    i64 each
//  ╘═══════════════════════════════════════════════════════════════════════╛
//  ╒═══ struct zone ═══════════════════════════════════════════════════════╕
//    scalars (class zone)
//    _watermark[NR_WMARK]              u32
//    lowmem_reserve[MAX_NR_ZONES]      u32
//    free_area[MAX_ORDER]              SIZEOF_FREE_AREA each
//    per_cpu_pageset                   one CPU: struct per_cpu_pages
//    vm_stat[NR_VM_ZONE_STAT_ITEMS]    i64 each
//  ╘═══════════════════════════════════════════════════════════════════════╛

import { page, PAGE_SHIFT, SIZEOF_PAGE, ZONES_SHIFT, NODES_PGSHIFT } from "./mm_types";

import { MAX_NUMNODES } from "../include/numa";
export { MAX_NUMNODES };
@inline export const MAX_ORDER: u32 = 11;              // orders 0 .. MAX_ORDER - 1
@inline export const PAGE_ALLOC_COSTLY_ORDER: u32 = 3;
@inline export const pageblock_order: u32 = 9;         // HPAGE_PMD_ORDER on x86-64
@inline export const pageblock_nr_pages: u32 = 1 << pageblock_order;

// enum migratetype (no CMA, no memory isolation in this kernel)
@inline export const MIGRATE_UNMOVABLE: u32 = 0;
@inline export const MIGRATE_MOVABLE: u32 = 1;
@inline export const MIGRATE_RECLAIMABLE: u32 = 2;
@inline export const MIGRATE_PCPTYPES: u32 = 3;
@inline export const MIGRATE_HIGHATOMIC: u32 = MIGRATE_PCPTYPES;
@inline export const MIGRATE_TYPES: u32 = 4;

// enum zone_type, as x86-64 configures it (CONFIG_ZONE_DMA, _DMA32, _DEVICE).
@inline export const ZONE_DMA: u32 = 0;
@inline export const ZONE_DMA32: u32 = 1;
@inline export const ZONE_NORMAL: u32 = 2;
@inline export const ZONE_MOVABLE: u32 = 3;
@inline export const ZONE_DEVICE: u32 = 4;
@inline export const MAX_NR_ZONES: u32 = 5;
// MAX_DMA_PFN and MAX_DMA32_PFN (arch/x86/include/asm/dma.h)
@inline export const MAX_DMA_PFN: u32 = (16 << 20) >> PAGE_SHIFT;
@inline export const MAX_DMA32_PFN: u32 = 1 << (32 - PAGE_SHIFT);

// enum zone_watermarks
@inline export const WMARK_MIN: u32 = 0;
@inline export const WMARK_LOW: u32 = 1;
@inline export const WMARK_HIGH: u32 = 2;
@inline export const WMARK_PROMO: u32 = 3;
@inline export const NR_WMARK: u32 = 4;

// Per-cpu lists: one per (migratetype, order <= PAGE_ALLOC_COSTLY_ORDER).
@inline export const NR_PCP_LISTS: u32 = MIGRATE_PCPTYPES * (PAGE_ALLOC_COSTLY_ORDER + 1);

// enum zone_stat_item and enum node_stat_item: the subset this kernel keeps,
// in Linux's order (mm/vmstat.c prints them in this order; names there).
// The LRU counters count the pages on the lruvec's lists (mm/swap.ts).
@inline export const NR_FREE_PAGES: u32 = 0;
@inline export const NR_ZONE_INACTIVE_ANON: u32 = 1;
@inline export const NR_ZONE_ACTIVE_ANON: u32 = 2;
@inline export const NR_ZONE_INACTIVE_FILE: u32 = 3;
@inline export const NR_ZONE_ACTIVE_FILE: u32 = 4;
@inline export const NR_ZONE_UNEVICTABLE: u32 = 5;
@inline export const NR_ZONE_WRITE_PENDING: u32 = 6;
@inline export const NR_MLOCK: u32 = 7;
@inline export const NR_VM_ZONE_STAT_ITEMS: u32 = 8;

@inline export const NR_LRU_BASE: u32 = 0;
@inline export const NR_INACTIVE_ANON: u32 = 0;   // NR_LRU_BASE + LRU_INACTIVE_ANON ...
@inline export const NR_ACTIVE_ANON: u32 = 1;
@inline export const NR_INACTIVE_FILE: u32 = 2;
@inline export const NR_ACTIVE_FILE: u32 = 3;
@inline export const NR_UNEVICTABLE: u32 = 4;
@inline export const NR_ISOLATED_ANON: u32 = 5;   // taken off the LRU by reclaim
@inline export const NR_ISOLATED_FILE: u32 = 6;
@inline export const WORKINGSET_REFAULT_ANON: u32 = 7;
@inline export const WORKINGSET_REFAULT_FILE: u32 = 8;
@inline export const WORKINGSET_ACTIVATE_ANON: u32 = 9;
@inline export const WORKINGSET_ACTIVATE_FILE: u32 = 10;
@inline export const WORKINGSET_RESTORE_ANON: u32 = 11;
@inline export const WORKINGSET_RESTORE_FILE: u32 = 12;
@inline export const NR_ANON_MAPPED: u32 = 13;    // nr_anon_pages
@inline export const NR_FILE_MAPPED: u32 = 14;    // nr_mapped
@inline export const NR_FILE_PAGES: u32 = 15;     // nr_file_pages
@inline export const NR_SHMEM: u32 = 16;          // nr_shmem: tmpfs pages in the page cache
@inline export const NR_ANON_THPS: u32 = 17;      // pages; /proc prints them in THPs
@inline export const NR_VMSCAN_WRITE: u32 = 18;   // pages reclaim wrote out
@inline export const NR_PAGETABLE: u32 = 19;      // nr_page_table_pages
@inline export const NR_SWAPCACHE: u32 = 20;      // nr_swapcached
@inline export const NR_VM_NODE_STAT_ITEMS: u32 = 21;

// enum numa_stat_item: per-zone allocation events (zone_statistics).
@inline export const NUMA_HIT: u32 = 0;
@inline export const NUMA_MISS: u32 = 1;
@inline export const NUMA_FOREIGN: u32 = 2;
@inline export const NUMA_INTERLEAVE_HIT: u32 = 3;
@inline export const NUMA_LOCAL: u32 = 4;
@inline export const NUMA_OTHER: u32 = 5;
@inline export const NR_VM_NUMA_EVENT_ITEMS: u32 = 6;

// enum lru_list: inactive before active, anon before file (LRU_FILE = 2).
@inline export const LRU_INACTIVE_ANON: u32 = 0;
@inline export const LRU_ACTIVE_ANON: u32 = 1;
@inline export const LRU_INACTIVE_FILE: u32 = 2;
@inline export const LRU_ACTIVE_FILE: u32 = 3;
@inline export const LRU_UNEVICTABLE: u32 = 4;
@inline export const NR_LRU_LISTS: u32 = 5;
@inline export const LRU_ACTIVE: u32 = 1;
@inline export const LRU_FILE: u32 = 2;

// ---------------------------------------------------------------------------
// struct list_head { next, prev }: 32-bit pointers to other list_heads.
// A page is on a list through its lru field (page + 8).

@inline export const LRU_OFFSET: usize = 8;

@inline export function INIT_LIST_HEAD(head: usize): void {
  store<u32>(head, <u32>head);
  store<u32>(head, <u32>head, 4);
}
@inline export function list_empty(head: usize): bool {
  return load<u32>(head) == <u32>head;
}
@inline function __list_add(entry: usize, prev: usize, next: usize): void {
  store<u32>(next, <u32>entry, 4);
  store<u32>(entry, <u32>next);
  store<u32>(entry, <u32>prev, 4);
  store<u32>(prev, <u32>entry);
}
/** Adds entry after head (the list's front). */
@inline export function list_add(entry: usize, head: usize): void {
  __list_add(entry, head, <usize>load<u32>(head));
}
/** Adds entry before head (the list's tail). */
@inline export function list_add_tail(entry: usize, head: usize): void {
  __list_add(entry, <usize>load<u32>(head, 4), head);
}
@inline export function list_del(entry: usize): void {
  const next = <usize>load<u32>(entry);
  const prev = <usize>load<u32>(entry, 4);
  store<u32>(next, <u32>prev, 4);
  store<u32>(prev, <u32>next);
}
@inline export function lru_to_page(entry: usize): page {
  return changetype<page>(entry - LRU_OFFSET);
}
@inline export function page_lru(p: page): usize {
  return changetype<usize>(p) + LRU_OFFSET;
}

// ---------------------------------------------------------------------------
// struct free_area { nr_free; free_list[MIGRATE_TYPES] }

@unmanaged
export class free_area {
  nr_free: u32;
  _pad: u32;
  // free_list[MIGRATE_TYPES] follows (list heads)
}
@inline export const FREE_AREA_FREE_LIST: usize = 8;
@inline export const SIZEOF_FREE_AREA: usize = FREE_AREA_FREE_LIST + (MIGRATE_TYPES << 3);

@inline export function free_list(area: free_area, migratetype: u32): usize {
  return changetype<usize>(area) + FREE_AREA_FREE_LIST + (<usize>migratetype << 3);
}
@inline export function free_area_empty(area: free_area, migratetype: u32): bool {
  return list_empty(free_list(area, migratetype));
}

// ---------------------------------------------------------------------------
// struct per_cpu_pages: this kernel has one CPU, so one pageset per zone.

@unmanaged
export class per_cpu_pages {
  count: i32;        // pages on the lists
  high: i32;         // drain to the buddy above this
  batch: i32;        // refill/drain chunk
  high_min: i32;
  high_max: i32;
  free_factor: i32;  // batch is doubled per consecutive drain (nr_pcp_free)
  // lists[NR_PCP_LISTS] follow (list heads)
}
@inline export const PCP_LISTS: usize = 24;
@inline export const SIZEOF_PER_CPU_PAGES: usize = PCP_LISTS + (<usize>NR_PCP_LISTS << 3);

@inline export function order_to_pindex(migratetype: u32, order: u32): u32 {
  return MIGRATE_PCPTYPES * order + migratetype;
}
@inline export function pindex_to_order(pindex: u32): u32 {
  return pindex / MIGRATE_PCPTYPES;
}
@inline export function pcp_list(pcp: per_cpu_pages, pindex: u32): usize {
  return changetype<usize>(pcp) + PCP_LISTS + (<usize>pindex << 3);
}
@inline export function pcp_allowed_order(order: u32): bool {
  return order <= PAGE_ALLOC_COSTLY_ORDER;
}

// ---------------------------------------------------------------------------
// struct zone

@unmanaged
export class zone {
  zone_pgdat: usize;          // -> pglist_data
  zone_idx: u32;              // Linux derives it from the address; kept for speed
  watermark_boost: u32;       // raised by boost_watermark on a fallback steal; kswapd clears it
  pageblock_flags: usize;     // its pageblocks' part of pageblock_map
  zone_start_pfn: u32;
  spanned_pages: u32;
  present_pages: u32;
  managed_pages: u32;
  pageset_high_min: i32;
  pageset_high_max: i32;
  pageset_batch: i32;
  flags: u32;                 // ZONE_BOOSTED_WATERMARK
  // Compaction's deferral (mm/compaction.ts defer_compaction)
  compact_considered: u32;
  compact_defer_shift: u32;
  compact_order_failed: i32;
  numa_events: u32;           // -> vm_numa_event[NR_VM_NUMA_EVENT_ITEMS] (u64), 0 on one node
}
// enum zone_flags
@inline export const ZONE_BOOSTED_WATERMARK: u32 = 1 << 0;

@inline export const ZONE_WATERMARK: usize = 64;
@inline export const ZONE_LOWMEM_RESERVE: usize = ZONE_WATERMARK + (NR_WMARK << 2);
@inline export const ZONE_FREE_AREA: usize = (ZONE_LOWMEM_RESERVE + (MAX_NR_ZONES << 2) + 7) & ~7;
@inline export const ZONE_PCP: usize = ZONE_FREE_AREA + <usize>MAX_ORDER * SIZEOF_FREE_AREA;
@inline export const ZONE_VM_STAT: usize = (ZONE_PCP + SIZEOF_PER_CPU_PAGES + 7) & ~7;
@inline export const SIZEOF_ZONE: usize = ZONE_VM_STAT + (<usize>NR_VM_ZONE_STAT_ITEMS << 3);

@inline export function wmark_pages(z: zone, i: u32): u32 {
  return load<u32>(changetype<usize>(z) + ZONE_WATERMARK + (<usize>i << 2)) + z.watermark_boost;
}
@inline export function set_wmark(z: zone, i: u32, v: u32): void {
  store<u32>(changetype<usize>(z) + ZONE_WATERMARK + (<usize>i << 2), v);
}
@inline export function min_wmark_pages(z: zone): u32 { return wmark_pages(z, WMARK_MIN); }
@inline export function low_wmark_pages(z: zone): u32 { return wmark_pages(z, WMARK_LOW); }
@inline export function high_wmark_pages(z: zone): u32 { return wmark_pages(z, WMARK_HIGH); }

@inline export function lowmem_reserve(z: zone, i: u32): u32 {
  return load<u32>(changetype<usize>(z) + ZONE_LOWMEM_RESERVE + (<usize>i << 2));
}
@inline export function set_lowmem_reserve(z: zone, i: u32, v: u32): void {
  store<u32>(changetype<usize>(z) + ZONE_LOWMEM_RESERVE + (<usize>i << 2), v);
}
@inline export function zone_free_area(z: zone, order: u32): free_area {
  return changetype<free_area>(changetype<usize>(z) + ZONE_FREE_AREA + <usize>order * SIZEOF_FREE_AREA);
}
@inline export function zone_pcp(z: zone): per_cpu_pages {
  return changetype<per_cpu_pages>(changetype<usize>(z) + ZONE_PCP);
}
@inline export function zone_end_pfn(z: zone): u32 {
  return z.zone_start_pfn + z.spanned_pages;
}
@inline export function zone_spans_pfn(z: zone, pfn: u32): bool {
  return pfn - z.zone_start_pfn < z.spanned_pages;
}

// ---------------------------------------------------------------------------
// struct pglist_data

@unmanaged
export class pglist_data {
  node_id: u32;
  nr_zones: u32;              // index of the highest populated zone + 1
  node_start_pfn: u32;
  node_present_pages: u32;
  node_spanned_pages: u32;
  totalreserve_pages: u32;
  node_mem_map: usize;        // FLATMEM: == mem_map
  kswapd_wait: u32;           // kswapd was woken and has not run yet (the wait queue's one waiter)
  kswapd_order: u32;          // the highest order a wakeup asked kswapd to reclaim for
  kswapd_highest_zoneidx: u32;
  kswapd_failures: u32;       // balance_pgdat runs that reclaimed nothing; MAX_RECLAIM_RETRIES stops kswapd
  kcompactd_max_order: u32;   // the order kcompactd was woken for (0: asleep)
  kcompactd_highest_zoneidx: u32;
  zonelist_fallback: u32;     // -> node_zonelists[ZONELIST_FALLBACK]
}
@inline export const PGDAT_NODE_ZONES: usize = 56;
@inline export const PGDAT_ZONELISTS: usize = PGDAT_NODE_ZONES + <usize>MAX_NR_ZONES * SIZEOF_ZONE;
// A zoneref is { zone: u32, zone_idx: u32 }; a list ends with zone 0.
// ZONELIST_FALLBACK holds every node's zones in distance order,
// ZONELIST_NOFALLBACK only the node's own (__GFP_THISNODE). One node's
// lists are the same list, in pglist_data; with several nodes each node's
// two lists are allocated at boot (zonelist_bytes() each, NOFALLBACK after
// FALLBACK), so the kernel image does not carry MAX_NUMNODES nodes' room.
@inline export const SIZEOF_ZONEREF: usize = 8;
@inline export const PGDAT_VM_STAT: usize = PGDAT_ZONELISTS + (<usize>MAX_NR_ZONES + 1) * SIZEOF_ZONEREF;
/**
 * struct lruvec: the node's LRU lists (no memcg: pgdat->__lruvec), then
 * what reclaim learns about the cost of each side (anon_cost, file_cost,
 * mm/vmscan.c) and the workingset clock (nonresident_age, mm/workingset.ts).
 */
@unmanaged
export class lruvec {
  anon_cost: u64;
  file_cost: u64;
  nonresident_age: u64;
  refaults_anon: u64;         // WORKINGSET_REFAULT_* at the last reclaim run (snapshot_refaults)
  refaults_file: u64;
  // lists[NR_LRU_LISTS] follow (list heads)
}
@inline export const LRUVEC_LISTS: usize = 40;
@inline export const SIZEOF_LRUVEC: usize = LRUVEC_LISTS + (<usize>NR_LRU_LISTS << 3);
@inline export const PGDAT_LRUVEC: usize = PGDAT_VM_STAT + (<usize>NR_VM_NODE_STAT_ITEMS << 3);
@inline export const SIZEOF_PGLIST_DATA: usize = PGDAT_LRUVEC + SIZEOF_LRUVEC;

export const contig_page_data: usize = memory.data(<i32>SIZEOF_PGLIST_DATA, 8);
/** node_data[MAX_NUMNODES]: u32 pglist_data addresses, 0 for a node that does not exist. */
export const node_data: usize = memory.data(<i32>MAX_NUMNODES << 2, 4);

@inline export function NODE_DATA(nid: u32): pglist_data {
  // Node 0's is contig_page_data, a fixed address: on one node (as on a
  // UMA kernel) page_zone costs no load.
  if (nid == 0) return changetype<pglist_data>(contig_page_data);
  return changetype<pglist_data>(<usize>load<u32>(node_data + (<usize>nid << 2)));
}
/** Node ids with memory run 0 .. nr_online_nodes - 1 (arch/x86/mm/numa.ts). */
export let nr_online_nodes: u32 = 1;
export function set_nr_online_nodes(n: u32): void { nr_online_nodes = n; }
/** The node's lruvec (mem_cgroup_lruvec without memcg). */
@inline export function node_lruvec(pgdat: pglist_data): lruvec {
  return changetype<lruvec>(changetype<usize>(pgdat) + PGDAT_LRUVEC);
}
/** The node an lruvec is the LRU of (lruvec_pgdat). */
@inline export function lruvec_pgdat(lv: lruvec): pglist_data {
  return changetype<pglist_data>(changetype<usize>(lv) - PGDAT_LRUVEC);
}
@inline export function lruvec_list(lv: lruvec, lru: u32): usize {
  return changetype<usize>(lv) + LRUVEC_LISTS + (<usize>lru << 3);
}
/** Empty LRU lists and no reclaim history (lruvec_init). */
export function lruvec_init(lv: lruvec): void {
  memory.fill(changetype<usize>(lv), 0, LRUVEC_LISTS);
  for (let lru: u32 = 0; lru < NR_LRU_LISTS; lru++) INIT_LIST_HEAD(lruvec_list(lv, lru));
}
@inline export function node_zone(pgdat: pglist_data, zid: u32): zone {
  return changetype<zone>(changetype<usize>(pgdat) + PGDAT_NODE_ZONES + <usize>zid * SIZEOF_ZONE);
}
/** A FALLBACK zonelist's room: every node's zones and the end. */
@inline export function zonelist_bytes(): usize {
  return (<usize>nr_online_nodes * MAX_NR_ZONES + 1) * SIZEOF_ZONEREF;
}
/** node_zonelist(nid, gfp): ZONELIST_NOFALLBACK for __GFP_THISNODE (gfp bit 0x200000). */
@inline export function node_zonelist(nid: u32, gfp: u32): usize {
  const fallback = <usize>NODE_DATA(nid).zonelist_fallback;
  return (gfp & 0x200000) && nr_online_nodes > 1 ? fallback + zonelist_bytes() : fallback;
}
/** Is the zoneref's node in nodemask (a u64, 0 = no mask: every node)? */
@inline export function zref_in_nodemask(z: usize, nodemask: u64): bool {
  return !nodemask || ((nodemask >> zone_to_nid(zoneref_zone(z))) & 1) != 0;
}
@inline export function zone_to_nid(z: zone): u32 {
  return changetype<pglist_data>(z.zone_pgdat).node_id;
}
/** A zone's vm_numa_event[item] (several nodes only). */
@inline export function zone_numa_event(z: zone, item: u32): usize {
  return <usize>z.numa_events + (<usize>item << 3);
}
@inline export function zoneref_zone(z: usize): zone { return changetype<zone>(<usize>load<u32>(z)); }
@inline export function zonelist_zone_idx(z: usize): u32 { return load<u32>(z, 4); }

// ---------------------------------------------------------------------------
// mem_map (FLATMEM): struct page for every pfn in [0, max_pfn).
// The shifts by 5 below are SIZEOF_PAGE (32 bytes).

export let mem_map: usize = 0;
export let max_pfn: u32 = 0;

export function set_mem_map(map: usize, pfns: u32): void {
  mem_map = map;
  max_pfn = pfns;
}

@inline export function pfn_to_page(pfn: u32): page {
  return changetype<page>(mem_map + (<usize>pfn << 5));
}
@inline export function page_to_pfn(p: page): u32 {
  return <u32>((changetype<usize>(p) - mem_map) >> 5);
}
/** The page's physical address, which is its linear-memory offset. */
@inline export function page_address(p: page): usize {
  return <usize>page_to_pfn(p) << PAGE_SHIFT;
}
@inline export function pfn_valid(pfn: u32): bool {
  return pfn < max_pfn;
}
/** &page[n]: the struct page n frames after p. */
@inline export function nth_page(p: page, n: u32): page {
  return changetype<page>(changetype<usize>(p) + (<usize>n << 5));
}
/**
 * Copies struct page p over the nr - 1 after it, in doubling bulk copies:
 * boot's pages start alike, and a loop over each struct page would use up
 * V8's tiering budget for the boot code, which V8 would then compile again,
 * for nothing, as it runs once.
 */
export function memmap_copy(p: page, nr: u32): void {
  const first = changetype<usize>(p);
  const bytes = <usize>nr << 5;
  for (let done: usize = SIZEOF_PAGE; done < bytes; done <<= 1) {
    memory.copy(first + done, first, min(done, bytes - done));
  }
}
@inline export function page_zonenum(p: page): u32 {
  return (p.flags >> ZONES_SHIFT) & 3;
}
@inline export function page_to_nid(p: page): u32 {
  return (p.flags >> NODES_PGSHIFT) & (MAX_NUMNODES - 1);
}
@inline export function page_zone(p: page): zone {
  return node_zone(NODE_DATA(page_to_nid(p)), page_zonenum(p));
}

// ---------------------------------------------------------------------------
// Pageblock migratetypes (include/linux/pageblock-flags.h): one byte each,
// found by pfn as x86-64's SPARSEMEM finds them in its sections' usemaps
// (here one map over all of RAM), not through the page's zone: the free
// path looks the type up without waiting for the page's flags.

/** One migratetype byte per pageblock of [0, max_pfn), from free_area_init. */
export let pageblock_map: usize = 0;
export function set_pageblock_map(map: usize): void { pageblock_map = map; }

@inline function pfn_to_bitidx(pfn: u32): usize {
  return <usize>(pfn >> pageblock_order);
}
@inline export function get_pfnblock_migratetype(p: page, pfn: u32): u32 {
  return load<u8>(pageblock_map + pfn_to_bitidx(pfn));
}
@inline export function get_pageblock_migratetype(p: page): u32 {
  return get_pfnblock_migratetype(p, page_to_pfn(p));
}
@inline export function set_pageblock_migratetype(p: page, migratetype: u32): void {
  store<u8>(pageblock_map + pfn_to_bitidx(page_to_pfn(p)), <u8>migratetype);
}

/** Set when RAM is too small for grouping by mobility (build_all_zonelists). */
export let page_group_by_mobility_disabled: bool = false;
export function set_page_group_by_mobility_disabled(v: bool): void { page_group_by_mobility_disabled = v; }
