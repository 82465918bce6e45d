// mm/vmstat.c and include/linux/vm_event_item.h: the counters /proc/vmstat
// and /proc/zoneinfo print, named and ordered as Linux names and orders them.
//
// Layout for the host (pointers in kernel_layout(), docs/abi.md):
//   vm_zone_stat[NR_VM_ZONE_STAT_ITEMS]  i64   global zone counters
//   vm_node_stat[NR_VM_NODE_STAT_ITEMS]  i64   global node counters
//   vm_events[NR_VM_EVENT_ITEMS]         u64   events
//   zone->vm_stat[], pgdat->vm_stat[]    i64   per zone / per node
// vmstat_text: the names, NUL-separated, zone items then node items then
// events (the order /proc/vmstat prints them).

import {
  zone, pglist_data, ZONE_VM_STAT, PGDAT_VM_STAT,
  NR_VM_ZONE_STAT_ITEMS, NR_VM_NODE_STAT_ITEMS, MAX_ORDER, zone_free_area,
} from "./mmzone";

// enum vm_event_item, the subset this kernel counts, in Linux's order.
// PGALLOC_DMA + zone index is the zone's pgalloc counter, ALLOCSTALL_DMA +
// zone index its allocstall.
@inline export const PSWPIN: u32 = 0;
@inline export const PSWPOUT: u32 = 1;
@inline export const PGALLOC_DMA: u32 = 2;
@inline export const PGALLOC_DMA32: u32 = 3;
@inline export const PGALLOC_NORMAL: u32 = 4;
@inline export const PGALLOC_MOVABLE: u32 = 5;
@inline export const PGALLOC_DEVICE: u32 = 6;
@inline export const ALLOCSTALL_DMA: u32 = 7;
@inline export const ALLOCSTALL_DMA32: u32 = 8;
@inline export const ALLOCSTALL_NORMAL: u32 = 9;
@inline export const ALLOCSTALL_MOVABLE: u32 = 10;
@inline export const ALLOCSTALL_DEVICE: u32 = 11;
@inline export const PGFREE: u32 = 12;
@inline export const PGACTIVATE: u32 = 13;
@inline export const PGDEACTIVATE: u32 = 14;
@inline export const PGFAULT: u32 = 15;
@inline export const PGMAJFAULT: u32 = 16;
@inline export const PGREFILL: u32 = 17;
@inline export const PGREUSE: u32 = 18;
@inline export const PGSTEAL_KSWAPD: u32 = 19;
@inline export const PGSTEAL_DIRECT: u32 = 20;
@inline export const PGSCAN_KSWAPD: u32 = 21;
@inline export const PGSCAN_DIRECT: u32 = 22;
@inline export const PGSCAN_ANON: u32 = 23;
@inline export const PGSCAN_FILE: u32 = 24;
@inline export const PGSTEAL_ANON: u32 = 25;
@inline export const PGSTEAL_FILE: u32 = 26;
@inline export const ZONE_RECLAIM_SUCCESS: u32 = 27;   // PGSCAN_ZONE_RECLAIM_SUCCESS (CONFIG_NUMA: printed on several nodes only)
@inline export const ZONE_RECLAIM_FAILED: u32 = 28;
@inline export const KSWAPD_INODESTEAL: u32 = 29;
@inline export const KSWAPD_LOW_WMARK_HIT_QUICKLY: u32 = 30;
@inline export const KSWAPD_HIGH_WMARK_HIT_QUICKLY: u32 = 31;
@inline export const PAGEOUTRUN: u32 = 32;
@inline export const DROP_PAGECACHE: u32 = 33;
@inline export const DROP_SLAB: u32 = 34;
@inline export const OOM_KILL: u32 = 35;
@inline export const PGMIGRATE_SUCCESS: u32 = 36;
@inline export const PGMIGRATE_FAIL: u32 = 37;
@inline export const COMPACTMIGRATE_SCANNED: u32 = 38;
@inline export const COMPACTFREE_SCANNED: u32 = 39;
@inline export const COMPACTISOLATED: u32 = 40;
@inline export const COMPACTSTALL: u32 = 41;
@inline export const COMPACTFAIL: u32 = 42;
@inline export const COMPACTSUCCESS: u32 = 43;
@inline export const KCOMPACTD_WAKE: u32 = 44;
@inline export const KCOMPACTD_MIGRATE_SCANNED: u32 = 45;
@inline export const KCOMPACTD_FREE_SCANNED: u32 = 46;
@inline export const UNEVICTABLE_PGCULLED: u32 = 47;
@inline export const UNEVICTABLE_PGSCANNED: u32 = 48;
@inline export const UNEVICTABLE_PGRESCUED: u32 = 49;
@inline export const UNEVICTABLE_PGMLOCKED: u32 = 50;
@inline export const UNEVICTABLE_PGMUNLOCKED: u32 = 51;
@inline export const UNEVICTABLE_PGCLEARED: u32 = 52;
@inline export const UNEVICTABLE_PGSTRANDED: u32 = 53;
@inline export const THP_FAULT_ALLOC: u32 = 54;
@inline export const THP_FAULT_FALLBACK: u32 = 55;
@inline export const THP_SPLIT_PAGE: u32 = 56;
@inline export const THP_SPLIT_PMD: u32 = 57;
@inline export const THP_SWPOUT_FALLBACK: u32 = 58;
@inline export const SWAP_RA: u32 = 59;
@inline export const SWAP_RA_HIT: u32 = 60;
@inline export const NR_VM_EVENT_ITEMS: u32 = 61;
// Linux's PGALLOC and ALLOCSTALL are per zone: __count_zid_vm_events(PGALLOC, zid, n).
@inline export const PGALLOC: u32 = PGALLOC_DMA;
@inline export const ALLOCSTALL: u32 = ALLOCSTALL_DMA;

const vmstat_text = "nr_free_pages\0nr_zone_inactive_anon\0nr_zone_active_anon\0nr_zone_inactive_file\0nr_zone_active_file\0nr_zone_unevictable\0nr_zone_write_pending\0nr_mlock\0nr_inactive_anon\0nr_active_anon\0nr_inactive_file\0nr_active_file\0nr_unevictable\0nr_isolated_anon\0nr_isolated_file\0workingset_refault_anon\0workingset_refault_file\0workingset_activate_anon\0workingset_activate_file\0workingset_restore_anon\0workingset_restore_file\0nr_anon_pages\0nr_mapped\0nr_file_pages\0nr_shmem\0nr_anon_transparent_hugepages\0nr_vmscan_write\0nr_page_table_pages\0nr_swapcached\0pswpin\0pswpout\0pgalloc_dma\0pgalloc_dma32\0pgalloc_normal\0pgalloc_movable\0pgalloc_device\0allocstall_dma\0allocstall_dma32\0allocstall_normal\0allocstall_movable\0allocstall_device\0pgfree\0pgactivate\0pgdeactivate\0pgfault\0pgmajfault\0pgrefill\0pgreuse\0pgsteal_kswapd\0pgsteal_direct\0pgscan_kswapd\0pgscan_direct\0pgscan_anon\0pgscan_file\0pgsteal_anon\0pgsteal_file\0zone_reclaim_success\0zone_reclaim_failed\0kswapd_inodesteal\0kswapd_low_wmark_hit_quickly\0kswapd_high_wmark_hit_quickly\0pageoutrun\0drop_pagecache\0drop_slab\0oom_kill\0pgmigrate_success\0pgmigrate_fail\0compact_migrate_scanned\0compact_free_scanned\0compact_isolated\0compact_stall\0compact_fail\0compact_success\0compact_daemon_wake\0compact_daemon_migrate_scanned\0compact_daemon_free_scanned\0unevictable_pgs_culled\0unevictable_pgs_scanned\0unevictable_pgs_rescued\0unevictable_pgs_mlocked\0unevictable_pgs_munlocked\0unevictable_pgs_cleared\0unevictable_pgs_stranded\0thp_fault_alloc\0thp_fault_fallback\0thp_split_page\0thp_split_pmd\0thp_swpout_fallback\0swap_ra\0swap_ra_hit\0";

/** The names (UTF-16LE, byte length in the u32 at ptr - 4), NUL-separated. */
export function vmstat_names(): usize { return changetype<usize>(vmstat_text); }

export const vm_zone_stat: usize = memory.data(<i32>NR_VM_ZONE_STAT_ITEMS << 3, 8);
export const vm_node_stat: usize = memory.data(<i32>NR_VM_NODE_STAT_ITEMS << 3, 8);
export const vm_events: usize = memory.data(<i32>NR_VM_EVENT_ITEMS << 3, 8);

@inline function add_i64(p: usize, delta: i64): void {
  store<i64>(p, load<i64>(p) + delta);
}

@inline export function count_vm_event(item: u32): void {
  add_i64(vm_events + (<usize>item << 3), 1);
}
@inline export function __count_vm_events(item: u32, delta: u64): void {
  add_i64(vm_events + (<usize>item << 3), <i64>delta);
}
@inline export function __count_zid_vm_events(item: u32, zid: u32, delta: u64): void {
  __count_vm_events(item + zid, delta);
}

/** Adds delta to a zone counter and to its global sum. */
@inline export function mod_zone_page_state(z: zone, item: u32, delta: i64): void {
  add_i64(changetype<usize>(z) + ZONE_VM_STAT + (<usize>item << 3), delta);
  add_i64(vm_zone_stat + (<usize>item << 3), delta);
}

/** Adds delta to a node counter and to its global sum. */
@inline export function mod_node_page_state(pgdat: pglist_data, item: u32, delta: i64): void {
  add_i64(changetype<usize>(pgdat) + PGDAT_VM_STAT + (<usize>item << 3), delta);
  add_i64(vm_node_stat + (<usize>item << 3), delta);
}

/** A node counter (pgdat->vm_stat), clamped at 0. */
@inline export function node_page_state(pgdat: pglist_data, item: u32): u64 {
  const v = load<i64>(changetype<usize>(pgdat) + PGDAT_VM_STAT + (<usize>item << 3));
  return v < 0 ? 0 : <u64>v;
}

/** A zone counter; per-cpu drift can make Linux's negative, so it clamps at 0. */
@inline export function zone_page_state(z: zone, item: u32): u64 {
  const v = load<i64>(changetype<usize>(z) + ZONE_VM_STAT + (<usize>item << 3));
  return v < 0 ? 0 : <u64>v;
}
@inline export function vm_event(item: u32): u64 {
  return load<u64>(vm_events + (<usize>item << 3));
}

// struct contig_page_info, as fill_contig_page_info leaves it.
let free_pages: u64 = 0;
let free_blocks_total: u64 = 0;
let free_blocks_suitable: u64 = 0;

/** Counts the zone's free pages, free blocks, and free blocks of at least `suitable_order` in 2^suitable_order units (fill_contig_page_info). */
function fill_contig_page_info(z: zone, suitable_order: u32): void {
  free_pages = free_blocks_total = free_blocks_suitable = 0;
  for (let o: u32 = 0; o < MAX_ORDER; o++) {
    const blocks = <u64>zone_free_area(z, o).nr_free;
    free_blocks_total += blocks;
    free_pages += blocks << o;
    if (o >= suitable_order) free_blocks_suitable += blocks << (o - suitable_order);
  }
}

/**
 * How much a failure to allocate 2^order pages in the zone would be due to
 * external fragmentation rather than too few free pages
 * (fragmentation_index): in thousandths, 0 = lack of memory, towards 1000
 * = fragmentation, -1000 when a block of that order is free.
 */
export function fragmentation_index(z: zone, order: u32): i32 {
  fill_contig_page_info(z, order);
  // __fragmentation_index
  if (!free_blocks_total) return 0;
  if (free_blocks_suitable) return -1000;
  const requested: u64 = <u64>1 << order;
  return 1000 - <i32>((1000 + free_pages * 1000 / requested) / free_blocks_total);
}

/** The percentage of the zone's free pages in blocks smaller than 2^order (extfrag_for_order): 0..100. */
export function extfrag_for_order(z: zone, order: u32): u32 {
  fill_contig_page_info(z, order);
  if (!free_pages) return 0;
  return <u32>((free_pages - (free_blocks_suitable << order)) * 100 / free_pages);
}
