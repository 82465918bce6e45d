// mm/vmscan.c: page reclaim. When free memory runs low, pages are taken
// from the inactive tails of the node's LRU lists (mm/swap.ts): a page
// referenced since reclaim last looked (its Accessed bits, read and
// cleared through rmap) is kept or activated; a clean one is dropped from
// its cache (__remove_mapping); an anonymous one is first given a swap
// slot, unmapped (its PTEs become swap entries) and written out. The
// active lists are aged into the inactive ones to keep their ratio
// (inactive_is_low); swappiness weighs anon against file (get_scan_count).
//
// Two callers, as in Linux: kswapd, woken by an allocation that finds a
// zone below its low watermark and run by the host's scheduler when the
// allocating task returns to user mode (kswapd: balance_pgdat until the
// node is balanced), and direct
// reclaim in the allocating task (try_to_free_pages, from the allocator's
// slow path). Reclaim never nests: its own allocations do not reclaim
// (PF_MEMALLOC, here in_reclaim).

import {
  page, PG_lru, PG_active, PG_referenced, PG_swapbacked, PG_swapcache, PG_dirty, PG_workingset, PG_anon_exclusive, PG_head, PG_mlocked,
  PAGE_MAPPING_ANON,
  VM_EXEC, VM_LOCKED,
} from "./mm_types";
import {
  zone, pglist_data, lruvec, NODE_DATA, node_zone, nr_online_nodes, node_lruvec, lruvec_pgdat, lruvec_list, list_add, list_del, list_empty, lru_to_page, page_lru,
  INIT_LIST_HEAD, lruvec_init, MAX_NR_ZONES, NR_FREE_PAGES, high_wmark_pages, min_wmark_pages, pageblock_order,
  LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, LRU_ACTIVE, LRU_FILE,
  NR_INACTIVE_ANON, NR_ACTIVE_ANON, NR_INACTIVE_FILE, NR_ACTIVE_FILE, NR_ISOLATED_ANON, NR_VMSCAN_WRITE, NR_FILE_MAPPED, NR_FILE_PAGES,
  WORKINGSET_ACTIVATE_ANON, WORKINGSET_ACTIVATE_FILE, zoneref_zone, zonelist_zone_idx, zref_in_nodemask, SIZEOF_ZONEREF,
  NR_ZONE_INACTIVE_ANON, NR_ZONE_ACTIVE_ANON, NR_ZONE_INACTIVE_FILE, NR_ZONE_ACTIVE_FILE,
} from "./mmzone";
import {
  __count_vm_events, count_vm_event, __count_zid_vm_events, mod_node_page_state, node_page_state, zone_page_state,
  PGSCAN_KSWAPD, PGSCAN_DIRECT, PGSTEAL_KSWAPD, PGSTEAL_DIRECT, PGSCAN_ANON, PGSTEAL_ANON, PGREFILL,
  PGACTIVATE, PGDEACTIVATE, PAGEOUTRUN, ALLOCSTALL, KSWAPD_LOW_WMARK_HIT_QUICKLY, KSWAPD_HIGH_WMARK_HIT_QUICKLY,
  THP_SWPOUT_FALLBACK, ZONE_RECLAIM_SUCCESS, ZONE_RECLAIM_FAILED,
} from "./vmstat";
import { put_page, __zone_watermark_ok } from "./page_alloc";
import { gfp_zone, GFP_KERNEL, __GFP_IO, __GFP_FS, __GFP_DIRECT_RECLAIM } from "./gfp";
import {
  folio_lruvec, folio_is_file_lru, lruvec_add_folio, lruvec_del_folio, lru_add_drain, lru_note_cost, lruvec_stat_mod_folio,
  lruvec_lru_size, is_file_lru, is_active_lru, folio_nr_pages, folio_evictable, folio_putback_lru,
} from "./swap";
import { nr_swap_pages, folio_free_swap } from "./swapfile";
import { add_to_swap, __delete_from_swap_cache, folio_swap_entry } from "./swap_state";
import { put_swap_folio } from "./swapfile";
import { swap_writepage } from "./page_io";
import { workingset_eviction, workingset_age_nonresident } from "./workingset";
import { folio_referenced, referenced_vm_flags, try_to_unmap } from "./rmap";
import { __filemap_remove_folio } from "./filemap";
import { split_folio_to_list } from "./huge_memory";
import { shmem_writeout } from "./shmem";
import { wakeup_kcompactd } from "./compaction";
import { MAX_NUMNODES } from "../include/numa";
import { resched_curr } from "../kernel/sched";
import {
  trace_enter, trace_exit, FN_try_to_free_pages, FN_shrink_node, FN_shrink_lruvec, FN_shrink_active_list,
  FN_shrink_inactive_list, FN_shrink_folio_list, FN_pageout, FN_kswapd, FN_balance_pgdat, FN_wakeup_kswapd,
} from "../kernel/trace";

// sysctls (defaults as in Linux)
/** vm.swappiness: 0..200, the relative cost of anon I/O against file I/O. */
export let vm_swappiness: u32 = 60;
@inline const MAX_SWAPPINESS: u64 = 200;

@inline export const SWAP_CLUSTER_MAX: u64 = 32;
@inline const DEF_PRIORITY: i32 = 12;
@inline export const MAX_RECLAIM_RETRIES: u32 = 16;

// scan_balance
@inline const SCAN_EQUAL: u32 = 0;
@inline const SCAN_FRACT: u32 = 1;
@inline const SCAN_ANON: u32 = 2;
@inline const SCAN_FILE: u32 = 3;

// folio_check_references' verdicts
@inline const FOLIOREF_RECLAIM: u32 = 0;
@inline const FOLIOREF_RECLAIM_CLEAN: u32 = 1;
@inline const FOLIOREF_KEEP: u32 = 2;
@inline const FOLIOREF_ACTIVATE: u32 = 3;

@inline const DEACTIVATE_ANON: u32 = 1;
@inline const DEACTIVATE_FILE: u32 = 2;

/** struct scan_control: one reclaim run's goal and state (never nested, so static). */
@unmanaged
class scan_control {
  nr_to_reclaim: u64;
  nr_reclaimed: u64;
  nr_scanned: u64;
  anon_cost: u64;
  file_cost: u64;
  gfp_mask: u32;
  order: u32;
  priority: i32;
  reclaim_idx: u32;
  may_writepage: u32;
  may_unmap: u32;
  may_swap: u32;
  may_deactivate: u32;
  force_deactivate: u32;
  skipped_deactivate: u32;
  cache_trim_mode: u32;
  file_is_tiny: u32;
}
const sc = changetype<scan_control>(memory.data(offsetof<scan_control>(), 8));

/** Reclaim is running (current->flags & PF_MEMALLOC): its allocations must not reclaim again. */
export let in_reclaim: bool = false;
/** kswapd is the one reclaiming (current_is_kswapd). */
let kswapd_running: bool = false;
@inline function current_is_kswapd(): bool { return kswapd_running; }

// The isolated pages of one shrink step: a list head each (no closures, one step at a time).
const folio_list: usize = memory.data(8, 4);
const l_active: usize = memory.data(8, 4);
const l_inactive: usize = memory.data(8, 4);
const ret_folios: usize = memory.data(8, 4);

/** Anonymous pages can be reclaimed only into swap (can_reclaim_anon_pages). */
@inline export function can_reclaim_anon_pages(): bool { return nr_swap_pages > 0; }

/** What reclaim could free in the zone (zone_reclaimable_pages). */
export function zone_reclaimable_pages(z: zone): u64 {
  let nr = zone_page_state(z, NR_ZONE_INACTIVE_FILE) + zone_page_state(z, NR_ZONE_ACTIVE_FILE);
  if (can_reclaim_anon_pages()) nr += zone_page_state(z, NR_ZONE_INACTIVE_ANON) + zone_page_state(z, NR_ZONE_ACTIVE_ANON);
  return nr;
}

/**
 * Takes up to nr_to_scan pages from the tail of list `lru` onto `dst`,
 * each with a reference (isolate_lru_folios). @return pages taken; the
 * pages looked at are added to sc.nr_scanned and to isolate_scanned.
 */
let isolate_scanned: u64 = 0;
function isolate_lru_folios(nr_to_scan: u64, lv: lruvec, dst: usize, lru: u32): u64 {
  const src = lruvec_list(lv, lru);
  let nr_taken: u64 = 0;
  let scanned: u64 = 0;
  while (scanned < nr_to_scan && !list_empty(src)) {
    const pg = lru_to_page(<usize>load<u32>(src, 4));
    const nr_pages = <u64>folio_nr_pages(pg);
    scanned += nr_pages;
    lruvec_del_folio(lv, pg);
    pg.flags &= ~PG_lru;
    pg._refcount++;   // folio_try_get: the page stays while reclaim holds it
    list_add(page_lru(pg), dst);
    nr_taken += nr_pages;
  }
  isolate_scanned = scanned;
  sc.nr_scanned += scanned;
  return nr_taken;
}

/**
 * Puts isolated pages back on their lists, dropping the isolation
 * reference; a page whose last reference that was is freed instead, and
 * one found mlocked goes back through the LRU batch, to the unevictable
 * list (move_folios_to_lru). @return the pages put back.
 */
function move_folios_to_lru(lv: lruvec, list: usize): u64 {
  let nr_moved: u64 = 0;
  while (!list_empty(list)) {
    const pg = lru_to_page(<usize>load<u32>(list));
    const nr_pages = <u64>folio_nr_pages(pg);
    list_del(page_lru(pg));
    if (!folio_evictable(pg)) {
      folio_putback_lru(pg);
      continue;
    }
    if (pg._refcount == 1) {
      pg.flags &= ~PG_active;
      put_page(pg);
      continue;
    }
    pg._refcount--;
    pg.flags |= PG_lru;
    lruvec_add_folio(lv, pg);
    if (pg.flags & PG_active) workingset_age_nonresident(lv, nr_pages);
    nr_moved += nr_pages;
  }
  return nr_moved;
}

/** What the Accessed bits and PG_referenced say about a page on the inactive list (folio_check_references). */
function folio_check_references(pg: page): u32 {
  const referenced_ptes = folio_referenced(pg);
  const vm_flags = referenced_vm_flags;
  const referenced_folio = (pg.flags & PG_referenced) != 0;
  pg.flags &= ~PG_referenced;
  if (vm_flags & VM_LOCKED) return FOLIOREF_ACTIVATE;
  if (referenced_ptes) {
    // Mapped pages start with the faulting PTE's reference: look twice.
    pg.flags |= PG_referenced;
    if (referenced_folio || referenced_ptes > 1) return FOLIOREF_ACTIVATE;
    // Activate file-backed executable pages after first use.
    if ((vm_flags & VM_EXEC) && folio_is_file_lru(pg)) return FOLIOREF_ACTIVATE;
    return FOLIOREF_KEEP;
  }
  if (referenced_folio && folio_is_file_lru(pg)) return FOLIOREF_RECLAIM_CLEAN;
  return FOLIOREF_RECLAIM;
}

// pageout_t
@inline const PAGE_KEEP: u32 = 0;
@inline const PAGE_ACTIVATE: u32 = 1;
@inline const PAGE_SUCCESS: u32 = 2;

/**
 * Writes a dirty page out (pageout; the device is synchronous, so the
 * page is clean when this returns): a swap-cache page to its slot, a
 * tmpfs page to a new slot (shmem_writeout; with swap full it is
 * activated, as AOP_WRITEPAGE_ACTIVATE asks). Other file pages are not
 * written by reclaim here (Linux leaves them to the flusher threads).
 */
function pageout(pg: page): u32 {
  trace_enter(FN_pageout, 0);
  let res = PAGE_KEEP;
  if (pg.flags & PG_swapcache) {
    swap_writepage(pg);
    res = PAGE_SUCCESS;
  } else if (pg.mapping && (pg.flags & PG_swapbacked)) {
    res = shmem_writeout(pg) ? PAGE_SUCCESS : PAGE_ACTIVATE;
  }
  if (res == PAGE_SUCCESS) lruvec_stat_mod_folio(pg, NR_VMSCAN_WRITE, 1);
  trace_exit(FN_pageout, res);
  return res;
}

/**
 * Drops an unmapped, clean page from its cache when only its cache and
 * reclaim hold it, leaving a shadow entry (__remove_mapping).
 * @return false when someone else still holds it.
 */
function __remove_mapping(pg: page): bool {
  // Reclaim's reference and the cache's.
  if (pg._refcount != 2 || (pg.flags & PG_dirty)) return false;
  if (pg.flags & PG_swapcache) {
    const entry = folio_swap_entry(pg);
    __delete_from_swap_cache(pg, entry, workingset_eviction(pg));
    put_swap_folio(entry);
  } else {
    // A clean tmpfs page held zeros only: it goes without a shadow, and its slot reads as a hole.
    __filemap_remove_folio(pg, folio_is_file_lru(pg) ? workingset_eviction(pg) : 0);
  }
  pg._refcount--;   // the cache's reference
  return true;
}

/** reclaim_pages' pages go whether or not they were referenced (shrink_folio_list's ignore_references). */
let ignore_references: bool = false;

/**
 * Tries to free each page of folio_list; what stays goes back on the list
 * (activated or not) for the caller to put back (shrink_folio_list).
 * @return pages freed; pageout_count the pages written.
 */
let pageout_count: u64 = 0;
function shrink_folio_list(): u64 {
  trace_enter(FN_shrink_folio_list, 0);
  let nr_reclaimed: u64 = 0;
  let pgactivate: u64 = 0;
  pageout_count = 0;
  INIT_LIST_HEAD(ret_folios);
  while (!list_empty(folio_list)) {
    const pg = lru_to_page(<usize>load<u32>(folio_list));
    list_del(page_lru(pg));
    let activate = false;
    let keep = false;
    const mapped = pg._mapcount >= 0;
    if (!folio_evictable(pg)) {
      activate = true;
    } else if (!sc.may_unmap && mapped) {
      keep = true;
    } else {
      const references = ignore_references ? FOLIOREF_RECLAIM : folio_check_references(pg);
      if (references == FOLIOREF_ACTIVATE) activate = true;
      else if (references == FOLIOREF_KEEP) keep = true;
      else {
        // Anonymous memory needs a swap slot before it can go (tmpfs pages get theirs in pageout).
        if ((pg.mapping & PAGE_MAPPING_ANON) && (pg.flags & PG_swapbacked) && !(pg.flags & PG_swapcache)) {
          if (!(sc.gfp_mask & __GFP_IO)) {
            keep = true;
          } else {
            if (pg.flags & PG_head) {
              // Swap here takes no THP (no cluster of 512 slots): split it, its tails join the
              // list, and its pages go out one by one (THP_SWPOUT_FALLBACK).
              split_folio_to_list(pg, folio_list);
              count_vm_event(THP_SWPOUT_FALLBACK);
            }
            if (!add_to_swap(pg)) activate = true;
          }
        }
        if (!keep && !activate && pg._mapcount >= 0) {
          if (!try_to_unmap(pg) || pg._mapcount >= 0) activate = true;
        }
        if (!keep && !activate && (pg.flags & PG_dirty)) {
          if (folio_is_file_lru(pg)) activate = true;   // dirty file pages wait for writeback
          else if (references == FOLIOREF_RECLAIM_CLEAN || !(sc.gfp_mask & __GFP_FS) && !(pg.flags & PG_swapcache)) keep = true;
          else if (!sc.may_writepage) keep = true;
          else {
            const res = pageout(pg);
            if (res == PAGE_SUCCESS) pageout_count++;
            else if (res == PAGE_ACTIVATE) activate = true;
            else keep = true;
          }
        }
        if (!keep && !activate && !__remove_mapping(pg)) keep = true;
        if (!keep && !activate) {
          // free_it: the isolation reference was the last.
          nr_reclaimed += <u64>folio_nr_pages(pg);
          pg.flags &= ~(PG_active | PG_referenced | PG_workingset);
          put_page(pg);
          continue;
        }
      }
    }
    if (activate) {
      // activate_locked: an mlocked page is not a candidate for swap, and is not activated (it goes unevictable).
      if ((pg.flags & (PG_swapcache | PG_mlocked)) == (PG_swapcache | PG_mlocked)) folio_free_swap(pg);
      if (!(pg.flags & PG_mlocked)) {
        pg.flags |= PG_active;
        pgactivate += <u64>folio_nr_pages(pg);
      }
    }
    list_add(page_lru(pg), ret_folios);
  }
  // The kept pages go back to the caller's list.
  while (!list_empty(ret_folios)) {
    const pg = lru_to_page(<usize>load<u32>(ret_folios));
    list_del(page_lru(pg));
    list_add(page_lru(pg), folio_list);
  }
  __count_vm_events(PGACTIVATE, pgactivate);
  trace_exit(FN_shrink_folio_list, <u32>nr_reclaimed);
  return nr_reclaimed;
}

/**
 * Takes a page off its LRU list for the caller, with a reference (folio_isolate_lru).
 * @return false when it is on no list (isolated already, or waiting in the LRU batch).
 */
export function folio_isolate_lru(pg: page): bool {
  if (!(pg.flags & PG_lru)) return false;
  pg.flags &= ~PG_lru;
  pg._refcount++;
  lruvec_del_folio(folio_lruvec(pg), pg);
  return true;
}

/** The pages madvise(MADV_PAGEOUT) isolated for reclaim_pages: a list head. */
export const pageout_list: usize = memory.data(8, 4);

/**
 * Reclaims the isolated pages of pageout_list as reclaim (reclaim_pages, reclaim_folio_list): writing,
 * unmapping and swapping allowed, their references ignored; what stays goes back to the LRU.
 * @return pages freed.
 */
export function reclaim_pages(): u64 {
  lru_add_drain();
  init_scan_control(GFP_KERNEL, 0, MAX_NR_ZONES - 1);
  INIT_LIST_HEAD(folio_list);
  while (!list_empty(pageout_list)) {
    const pg = lru_to_page(<usize>load<u32>(pageout_list));
    list_del(page_lru(pg));
    list_add(page_lru(pg), folio_list);
  }
  const was_reclaiming = in_reclaim;
  in_reclaim = true;   // memalloc_noreclaim_save
  ignore_references = true;
  const nr_reclaimed = shrink_folio_list();
  ignore_references = false;
  in_reclaim = was_reclaiming;
  while (!list_empty(folio_list)) {
    const pg = lru_to_page(<usize>load<u32>(folio_list));
    list_del(page_lru(pg));
    folio_putback_lru(pg);
  }
  return nr_reclaimed;
}

/** Reclaims from the tail of an inactive list (shrink_inactive_list). @return pages freed. */
function shrink_inactive_list(nr_to_scan: u64, lv: lruvec, lru: u32): u64 {
  trace_enter(FN_shrink_inactive_list, lru);
  const file: u32 = is_file_lru(lru) ? 1 : 0;
  lru_add_drain();
  INIT_LIST_HEAD(folio_list);
  const nr_taken = isolate_lru_folios(nr_to_scan, lv, folio_list, lru);
  const nr_scanned = isolate_scanned;
  const pgdat = lruvec_pgdat(lv);
  mod_node_page_state(pgdat, NR_ISOLATED_ANON + file, <i64>nr_taken);
  __count_vm_events(current_is_kswapd() ? PGSCAN_KSWAPD : PGSCAN_DIRECT, nr_scanned);
  __count_vm_events(PGSCAN_ANON + file, nr_scanned);
  if (!nr_taken) {
    trace_exit(FN_shrink_inactive_list, 0);
    return 0;
  }
  const nr_reclaimed = shrink_folio_list();
  move_folios_to_lru(lv, folio_list);
  mod_node_page_state(pgdat, NR_ISOLATED_ANON + file, -<i64>nr_taken);
  __count_vm_events(current_is_kswapd() ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, nr_reclaimed);
  __count_vm_events(PGSTEAL_ANON + file, nr_reclaimed);
  lru_note_cost(lv, file != 0, pageout_count, nr_scanned - nr_reclaimed);
  trace_exit(FN_shrink_inactive_list, <u32>nr_reclaimed);
  return nr_reclaimed;
}

/**
 * Ages the tail of an active list: pages move to the inactive list, but
 * referenced executable file pages get another round (shrink_active_list).
 * The Accessed bits are cleared on the way.
 */
function shrink_active_list(nr_to_scan: u64, lv: lruvec, lru: u32): void {
  trace_enter(FN_shrink_active_list, lru);
  const file: u32 = is_file_lru(lru) ? 1 : 0;
  lru_add_drain();
  INIT_LIST_HEAD(folio_list);
  INIT_LIST_HEAD(l_active);
  INIT_LIST_HEAD(l_inactive);
  const nr_taken = isolate_lru_folios(nr_to_scan, lv, folio_list, lru);
  const pgdat = lruvec_pgdat(lv);
  mod_node_page_state(pgdat, NR_ISOLATED_ANON + file, <i64>nr_taken);
  __count_vm_events(PGREFILL, isolate_scanned);
  let nr_rotated: u64 = 0;
  while (!list_empty(folio_list)) {
    const pg = lru_to_page(<usize>load<u32>(folio_list));
    list_del(page_lru(pg));
    if (!folio_evictable(pg)) {
      folio_putback_lru(pg);
      continue;
    }
    if (folio_referenced(pg) && (referenced_vm_flags & VM_EXEC) && folio_is_file_lru(pg)) {
      nr_rotated++;
      list_add(page_lru(pg), l_active);
      continue;
    }
    pg.flags &= ~PG_active;   // de-activating
    pg.flags |= PG_workingset;
    list_add(page_lru(pg), l_inactive);
  }
  move_folios_to_lru(lv, l_active);
  const nr_deactivate = move_folios_to_lru(lv, l_inactive);
  __count_vm_events(PGDEACTIVATE, nr_deactivate);
  mod_node_page_state(pgdat, NR_ISOLATED_ANON + file, -<i64>nr_taken);
  if (nr_rotated) lru_note_cost(lv, file != 0, 0, nr_rotated);
  trace_exit(FN_shrink_active_list, <u32>nr_deactivate);
}

/**
 * The inactive list is too small against the active one: the ratio
 * allowed grows with the square root of the lists' size in GiB (inactive_is_low).
 */
export function inactive_is_low(lv: lruvec, inactive_lru: u32): bool {
  const inactive = lruvec_lru_size(lv, inactive_lru);
  const active = lruvec_lru_size(lv, inactive_lru + LRU_ACTIVE);
  const gb = (inactive + active) >> (30 - 12);
  const inactive_ratio: u64 = gb ? <u64>Math.floor(Math.sqrt(<f64>(<u64>10 * gb))) : 1;
  return inactive * inactive_ratio < active;
}

function shrink_list(lru: u32, nr_to_scan: u64, lv: lruvec): u64 {
  if (is_active_lru(lru)) {
    if (sc.may_deactivate & (is_file_lru(lru) ? DEACTIVATE_FILE : DEACTIVATE_ANON)) shrink_active_list(nr_to_scan, lv, lru);
    else sc.skipped_deactivate = 1;
    return 0;
  }
  return shrink_inactive_list(nr_to_scan, lv, lru);
}

// nr[] and targets[] of shrink_lruvec, one u64 per evictable list.
const nr: usize = memory.data(32, 8);
const targets: usize = memory.data(32, 8);
@inline function nr_at(lru: u32): u64 { return load<u64>(nr + (<usize>lru << 3)); }
@inline function set_nr(lru: u32, v: u64): void { store<u64>(nr + (<usize>lru << 3), v); }
@inline function target_at(lru: u32): u64 { return load<u64>(targets + (<usize>lru << 3)); }

/**
 * How many pages of each list to scan at this priority: 1/2^priority of
 * each, the anon and file shares weighed by swappiness against what
 * reclaiming each side has cost lately (get_scan_count).
 */
function get_scan_count(lv: lruvec): void {
  let scan_balance: u32;
  let ap: u64 = 0;
  let fp: u64 = 0;
  const swappiness = <u64>vm_swappiness;
  if (!sc.may_swap || !can_reclaim_anon_pages()) scan_balance = SCAN_FILE;
  else if (!sc.priority && swappiness) scan_balance = SCAN_EQUAL;
  else if (sc.file_is_tiny) scan_balance = SCAN_ANON;
  else if (sc.cache_trim_mode) scan_balance = SCAN_FILE;
  else {
    scan_balance = SCAN_FRACT;
    let total_cost = sc.anon_cost + sc.file_cost;
    const anon_cost = total_cost + sc.anon_cost;
    const file_cost = total_cost + sc.file_cost;
    total_cost = anon_cost + file_cost;
    ap = swappiness * (total_cost + 1) / (anon_cost + 1);
    fp = (MAX_SWAPPINESS - swappiness) * (total_cost + 1) / (file_cost + 1);
  }
  for (let lru: u32 = 0; lru <= LRU_ACTIVE_FILE; lru++) {
    const file = is_file_lru(lru);
    let scan = lruvec_lru_size(lv, lru) >> <u64>sc.priority;
    if (scan_balance == SCAN_FRACT) scan = scan * (file ? fp : ap) / (ap + fp);
    else if (scan_balance == SCAN_FILE || scan_balance == SCAN_ANON) {
      if ((scan_balance == SCAN_FILE) != file) scan = 0;
    }
    set_nr(lru, scan);
  }
}

/** Reclaims from the node's lists in proportion to get_scan_count's targets (shrink_lruvec). */
function shrink_lruvec(lv: lruvec): void {
  trace_enter(FN_shrink_lruvec, <u32>sc.priority);
  get_scan_count(lv);
  memory.copy(targets, nr, 32);
  const proportional_reclaim = !current_is_kswapd() && sc.priority == DEF_PRIORITY;
  const nr_to_reclaim = sc.nr_to_reclaim;
  let nr_reclaimed: u64 = 0;
  while (nr_at(LRU_INACTIVE_ANON) || nr_at(LRU_ACTIVE_FILE) || nr_at(LRU_INACTIVE_FILE)) {
    for (let lru: u32 = 0; lru <= LRU_ACTIVE_FILE; lru++) {
      const left = nr_at(lru);
      if (!left) continue;
      const nr_to_scan = min(left, SWAP_CLUSTER_MAX);
      set_nr(lru, left - nr_to_scan);
      nr_reclaimed += shrink_list(lru, nr_to_scan, lv);
    }
    if (nr_reclaimed < nr_to_reclaim || proportional_reclaim) continue;
    // Enough: stop the smaller side, and scale the other to what the smaller did.
    const nr_file = nr_at(LRU_INACTIVE_FILE) + nr_at(LRU_ACTIVE_FILE);
    const nr_anon = nr_at(LRU_INACTIVE_ANON) + nr_at(LRU_ACTIVE_ANON);
    if (!nr_file || !nr_anon) break;
    let lru: u32;
    let percentage: u64;
    if (nr_file > nr_anon) {
      lru = LRU_INACTIVE_ANON;
      percentage = nr_anon * 100 / (target_at(LRU_INACTIVE_ANON) + target_at(LRU_ACTIVE_ANON) + 1);
    } else {
      lru = LRU_FILE;
      percentage = nr_file * 100 / (target_at(LRU_INACTIVE_FILE) + target_at(LRU_ACTIVE_FILE) + 1);
    }
    set_nr(lru, 0);
    set_nr(lru + LRU_ACTIVE, 0);
    lru = lru == LRU_FILE ? LRU_INACTIVE_ANON : LRU_FILE;
    for (let k = 0; k < 2; k++, lru += LRU_ACTIVE) {
      const nr_scanned = target_at(lru) - nr_at(lru);
      let v = target_at(lru) * (100 - percentage) / 100;
      v -= min(v, nr_scanned);
      set_nr(lru, v);
    }
  }
  sc.nr_reclaimed += nr_reclaimed;
  // Keep the anon lists' ratio even when anon was not reclaimed from.
  if (can_reclaim_anon_pages() && inactive_is_low(lv, LRU_INACTIVE_ANON)) shrink_active_list(SWAP_CLUSTER_MAX, lv, LRU_ACTIVE_ANON);
  trace_exit(FN_shrink_lruvec, <u32>nr_reclaimed);
}

/**
 * Which active lists may be aged, and whether file pages alone should go
 * (prepare_scan_control): age a side when its inactive list is low or
 * its pages have been refaulting since the last run.
 */
function prepare_scan_control(pgdat: pglist_data, lv: lruvec): void {
  sc.anon_cost = lv.anon_cost;
  sc.file_cost = lv.file_cost;
  if (!sc.force_deactivate) {
    if (node_page_state(pgdat, WORKINGSET_ACTIVATE_ANON) != lv.refaults_anon || inactive_is_low(lv, LRU_INACTIVE_ANON)) sc.may_deactivate |= DEACTIVATE_ANON;
    else sc.may_deactivate &= ~DEACTIVATE_ANON;
    if (node_page_state(pgdat, WORKINGSET_ACTIVATE_FILE) != lv.refaults_file || inactive_is_low(lv, LRU_INACTIVE_FILE)) sc.may_deactivate |= DEACTIVATE_FILE;
    else sc.may_deactivate &= ~DEACTIVATE_FILE;
  } else {
    sc.may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
  }
  // Plenty of inactive file pages that are not thrashing: take those first.
  const inactive_file = node_page_state(pgdat, NR_INACTIVE_FILE);
  sc.cache_trim_mode = (inactive_file >> <u64>sc.priority) && !(sc.may_deactivate & DEACTIVATE_FILE) ? 1 : 0;
  // Almost no file pages left: do not trash the few there are, go for anon.
  let free: u64 = 0;
  let total_high_wmark: u64 = 0;
  for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) {
    const z = node_zone(pgdat, zid);
    if (!z.managed_pages) continue;
    free += zone_page_state(z, NR_FREE_PAGES);
    total_high_wmark += high_wmark_pages(z);
  }
  const file = node_page_state(pgdat, NR_ACTIVE_FILE) + inactive_file;
  const anon = node_page_state(pgdat, NR_INACTIVE_ANON);
  sc.file_is_tiny = file + free <= total_high_wmark && !(sc.may_deactivate & DEACTIVATE_ANON) && (anon >> <u64>sc.priority) ? 1 : 0;
}

/** One reclaim pass over the node (shrink_node). */
function shrink_node(pgdat: pglist_data): void {
  trace_enter(FN_shrink_node, <u32>sc.priority);
  const lv = node_lruvec(pgdat);
  const before = sc.nr_reclaimed;
  prepare_scan_control(pgdat, lv);
  shrink_lruvec(lv);
  trace_exit(FN_shrink_node, <u32>(sc.nr_reclaimed - before));
}

/** The refault counters reclaim decisions compare against next time (snapshot_refaults). */
function snapshot_refaults(pgdat: pglist_data): void {
  const lv = node_lruvec(pgdat);
  lv.refaults_anon = node_page_state(pgdat, WORKINGSET_ACTIVATE_ANON);
  lv.refaults_file = node_page_state(pgdat, WORKINGSET_ACTIVATE_FILE);
}

/**
 * Each node the allocation may use, once (for_each_zone_zonelist_nodemask
 * with Linux's last_pgdat skip): zones above reclaim_idx and nodes
 * outside the nodemask (a u64, 0 = every node) are passed over.
 * @return the zoneref of the next node's first zone at or after z, or one at the list's end
 */
function next_reclaim_node(z: usize, last_pgdat: usize, nodemask: u64): usize {
  for (; load<u32>(z) != 0; z += SIZEOF_ZONEREF) {
    if (zonelist_zone_idx(z) > sc.reclaim_idx || !zref_in_nodemask(z, nodemask)) continue;
    if (zoneref_zone(z).zone_pgdat != last_pgdat) break;
  }
  return z;
}

/** One pass of direct reclaim over the nodes the allocation may use (shrink_zones). */
function shrink_zones(zonelist: usize, nodemask: u64): void {
  let last_pgdat: usize = 0;
  for (let z = next_reclaim_node(zonelist, 0, nodemask); load<u32>(z) != 0; z = next_reclaim_node(z, last_pgdat, nodemask)) {
    last_pgdat = zoneref_zone(z).zone_pgdat;
    shrink_node(changetype<pglist_data>(last_pgdat));
  }
}

/**
 * Direct reclaim: shrinks the allowed nodes at rising priority until
 * nr_to_reclaim pages are freed (do_try_to_free_pages).
 */
function do_try_to_free_pages(zonelist: usize, nodemask: u64): u64 {
  const initial_priority = sc.priority;
  while (true) {
    __count_zid_vm_events(ALLOCSTALL, min(sc.reclaim_idx, MAX_NR_ZONES - 1), 1);
    do {
      sc.nr_scanned = 0;
      shrink_zones(zonelist, nodemask);
      if (sc.nr_reclaimed >= sc.nr_to_reclaim) break;
      if (sc.priority < DEF_PRIORITY - 2) sc.may_writepage = 1;
    } while (--sc.priority >= 0);
    let last_pgdat: usize = 0;
    for (let z = next_reclaim_node(zonelist, 0, nodemask); load<u32>(z) != 0; z = next_reclaim_node(z, last_pgdat, nodemask)) {
      last_pgdat = zoneref_zone(z).zone_pgdat;
      snapshot_refaults(changetype<pglist_data>(last_pgdat));
    }
    if (sc.nr_reclaimed) return sc.nr_reclaimed;
    // Nothing, because active lists were not aged: once more, aging them.
    if (!sc.skipped_deactivate) return 0;
    sc.priority = initial_priority;
    sc.force_deactivate = 1;
    sc.skipped_deactivate = 0;
  }
}

function init_scan_control(gfp: u32, order: u32, reclaim_idx: u32): void {
  memory.fill(changetype<usize>(sc), 0, offsetof<scan_control>());
  sc.gfp_mask = gfp;
  sc.order = order;
  sc.priority = DEF_PRIORITY;
  sc.reclaim_idx = reclaim_idx;
  sc.may_writepage = 1;
  sc.may_unmap = 1;
  sc.may_swap = 1;
}

/**
 * Direct reclaim for an allocation of `order` that found no free page in
 * the zonelist's zones of the nodemask's nodes (try_to_free_pages).
 * @return pages freed.
 */
export function try_to_free_pages(zonelist: usize, order: u32, gfp: u32, nodemask: u64): u64 {
  trace_enter(FN_try_to_free_pages, order);
  const zone_idx = gfp_zone(gfp);
  init_scan_control(gfp, order, zone_idx < 0 ? 0 : <u32>zone_idx);
  sc.nr_to_reclaim = SWAP_CLUSTER_MAX;
  in_reclaim = true;
  const nr_reclaimed = do_try_to_free_pages(zonelist, nodemask);
  in_reclaim = false;
  trace_exit(FN_try_to_free_pages, <u32>nr_reclaimed);
  return nr_reclaimed;
}

// ─── node reclaim (zone_reclaim_mode) ──────────────────────────────────────

/**
 * vm.zone_reclaim_mode (node_reclaim_mode; uapi mempolicy.h's bits): 0 lets
 * an allocation spill to the next node at once; otherwise a node below
 * its watermark is first reclaimed from (node_reclaim).
 */
export let node_reclaim_mode: u32 = 0;
@inline export const RECLAIM_ZONE: u32 = 1 << 0;    // reclaim unmapped page cache
@inline export const RECLAIM_WRITE: u32 = 1 << 1;   // and write dirty pages out
@inline export const RECLAIM_UNMAP: u32 = 1 << 2;   // and unmap mapped pages
/** vm.min_unmapped_ratio: the percent of a node's pages kept as unmapped page cache. */
export let sysctl_min_unmapped_ratio: u32 = 1;
@inline const NODE_RECLAIM_PRIORITY: i32 = 4;

// node_reclaim's results (mm/internal.h)
@inline export const NODE_RECLAIM_NOSCAN: i32 = -2;
@inline export const NODE_RECLAIM_FULL: i32 = -1;
@inline export const NODE_RECLAIM_SOME: i32 = 0;
@inline export const NODE_RECLAIM_SUCCESS: i32 = 1;

@inline export function node_reclaim_enabled(): bool {
  return (node_reclaim_mode & (RECLAIM_ZONE | RECLAIM_WRITE | RECLAIM_UNMAP)) != 0;
}

/** vm.zone_reclaim_mode (sysctl; any value >= 0). @return 0 */
export function set_node_reclaim_mode(v: u32): i32 {
  if (v > 0x7fffffff) return -22;
  node_reclaim_mode = v;
  return 0;
}

/** vm.min_unmapped_ratio (sysctl): 0..100. @return 0 or -EINVAL */
export function set_min_unmapped_ratio(v: u32): i32 {
  if (v > 100) return -22;
  sysctl_min_unmapped_ratio = v;
  return 0;
}

/**
 * pgdat->min_unmapped_pages: min_unmapped_ratio percent of each zone's
 * managed pages (setup_min_unmapped_ratio), worked out when read, as
 * managed pages do not change after boot.
 */
function min_unmapped_pages(pgdat: pglist_data): u64 {
  let pages: u64 = 0;
  for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) pages += <u64>node_zone(pgdat, zid).managed_pages * sysctl_min_unmapped_ratio / 100;
  return pages;
}

/** File LRU pages no process maps (node_unmapped_file_pages). */
function node_unmapped_file_pages(pgdat: pglist_data): u64 {
  const file_mapped = node_page_state(pgdat, NR_FILE_MAPPED);
  const file_lru = node_page_state(pgdat, NR_INACTIVE_FILE) + node_page_state(pgdat, NR_ACTIVE_FILE);
  return file_lru > file_mapped ? file_lru - file_mapped : 0;
}

/**
 * The page cache node reclaim could free (node_pagecache_reclaimable):
 * all of it when it may unmap, else the unmapped part. Linux takes the
 * dirty file pages off without RECLAIM_WRITE; here none are counted dirty
 * (the only writable files are tmpfs, which Linux does not count).
 */
function node_pagecache_reclaimable(pgdat: pglist_data): u64 {
  return node_reclaim_mode & RECLAIM_UNMAP ? node_page_state(pgdat, NR_FILE_PAGES) : node_unmapped_file_pages(pgdat);
}

/** Shrinks the node at rising priority until nr_pages are freed (__node_reclaim). */
function __node_reclaim(pgdat: pglist_data, nr_pages: u64): u64 {
  in_reclaim = true;   // memalloc_noreclaim_save
  if (node_pagecache_reclaimable(pgdat) > min_unmapped_pages(pgdat)) {
    do {
      shrink_node(pgdat);
    } while (sc.nr_reclaimed < nr_pages && --sc.priority >= 0);
  }
  in_reclaim = false;
  return sc.nr_reclaimed;
}

/**
 * A zone of the node failed its watermark and zone_reclaim_mode is set:
 * reclaim from this node before the allocation goes to another
 * (node_reclaim), as Linux: only if enough unmapped page cache is there
 * (NODE_RECLAIM_FULL otherwise), only for allocations that may block and
 * outside reclaim (NODE_RECLAIM_NOSCAN). Linux also skips remote nodes
 * that have CPUs and a node being reclaimed already: with one CPU and no
 * nesting neither happens here.
 * @return NODE_RECLAIM_*; SUCCESS when 2^order pages were freed
 */
export function node_reclaim(pgdat: pglist_data, gfp: u32, order: u32): i32 {
  const nr_pages: u64 = <u64>1 << order;
  if (node_pagecache_reclaimable(pgdat) <= min_unmapped_pages(pgdat)) return NODE_RECLAIM_FULL;
  if (!(gfp & __GFP_DIRECT_RECLAIM) || in_reclaim) return NODE_RECLAIM_NOSCAN;
  const zone_idx = gfp_zone(gfp);
  init_scan_control(gfp, order, zone_idx < 0 ? 0 : <u32>zone_idx);
  sc.nr_to_reclaim = max(nr_pages, SWAP_CLUSTER_MAX);
  sc.priority = NODE_RECLAIM_PRIORITY;
  sc.may_writepage = node_reclaim_mode & RECLAIM_WRITE ? 1 : 0;
  sc.may_unmap = node_reclaim_mode & RECLAIM_UNMAP ? 1 : 0;
  const ret = __node_reclaim(pgdat, nr_pages) >= nr_pages;
  count_vm_event(ret ? ZONE_RECLAIM_SUCCESS : ZONE_RECLAIM_FAILED);
  return ret ? NODE_RECLAIM_SUCCESS : NODE_RECLAIM_SOME;
}

// ─── kswapd ────────────────────────────────────────────────────────────────

/** Every zone up to highest_zoneidx is above its high watermark for `order` (pgdat_balanced). */
function pgdat_balanced(pgdat: pglist_data, order: u32, highest_zoneidx: u32): bool {
  let managed = false;
  for (let zid: u32 = 0; zid <= highest_zoneidx && zid < MAX_NR_ZONES; zid++) {
    const z = node_zone(pgdat, zid);
    if (!z.managed_pages) continue;
    managed = true;
    if (__zone_watermark_ok(z, order, high_wmark_pages(z), highest_zoneidx, 0, <i64>zone_page_state(z, NR_FREE_PAGES))) return true;
  }
  return !managed;
}

/** Some zone up to highest_zoneidx has a boosted watermark (pgdat_watermark_boosted). */
function pgdat_watermark_boosted(pgdat: pglist_data, highest_zoneidx: u32): bool {
  for (let zid: u32 = 0; zid <= highest_zoneidx && zid < MAX_NR_ZONES; zid++) {
    if (node_zone(pgdat, zid).watermark_boost) return true;
  }
  return false;
}

/** Background aging of the anon lists, so anon pages are ready to go (kswapd_age_node). */
function kswapd_age_node(pgdat: pglist_data): void {
  if (!can_reclaim_anon_pages()) return;
  const lv = node_lruvec(pgdat);
  if (inactive_is_low(lv, LRU_INACTIVE_ANON)) shrink_active_list(SWAP_CLUSTER_MAX, lv, LRU_ACTIVE_ANON);
}

/** One kswapd pass: reclaim up to the zones' high watermarks (kswapd_shrink_node). */
function kswapd_shrink_node(pgdat: pglist_data): void {
  sc.nr_to_reclaim = 0;
  for (let zid: u32 = 0; zid <= sc.reclaim_idx && zid < MAX_NR_ZONES; zid++) {
    const z = node_zone(pgdat, zid);
    if (!z.managed_pages) continue;
    sc.nr_to_reclaim += max(<u64>high_wmark_pages(z), SWAP_CLUSTER_MAX);
  }
  shrink_node(pgdat);
  // Enough for a high-order allocation to be compacted: reclaim for order 0 from now on.
  if (sc.order && sc.nr_reclaimed >= (<u64>2 << sc.order)) sc.order = 0;
}

/**
 * kswapd's work: reclaim at rising priority until the node is balanced
 * (balance_pgdat). A run that frees nothing counts as a failure; after
 * MAX_RECLAIM_RETRIES of them kswapd leaves the node to direct reclaim.
 * @return the order it reclaimed for (0 once enough was freed for compaction to do the rest)
 */
function balance_pgdat(pgdat: pglist_data, order: u32, highest_zoneidx: u32): u32 {
  trace_enter(FN_balance_pgdat, order);
  count_vm_event(PAGEOUTRUN);
  init_scan_control(GFP_KERNEL, order, highest_zoneidx);
  kswapd_running = true;
  in_reclaim = true;
  do {
    const before = sc.nr_reclaimed;
    if (pgdat_balanced(pgdat, sc.order, highest_zoneidx)) break;
    kswapd_age_node(pgdat);
    sc.nr_scanned = 0;
    kswapd_shrink_node(pgdat);
    if (sc.nr_reclaimed - before == 0 || sc.nr_reclaimed >= sc.nr_to_reclaim) sc.priority--;
  } while (sc.priority >= 1);
  if (!sc.nr_reclaimed && !pgdat_balanced(pgdat, sc.order, highest_zoneidx)) pgdat.kswapd_failures++;
  else if (sc.nr_reclaimed) pgdat.kswapd_failures = 0;
  snapshot_refaults(pgdat);
  // The boosts are met (or abandoned): drop them, and let kcompactd undo the fragmentation that raised them.
  if (pgdat_watermark_boosted(pgdat, highest_zoneidx)) {
    for (let zid: u32 = 0; zid <= highest_zoneidx && zid < MAX_NR_ZONES; zid++) node_zone(pgdat, zid).watermark_boost = 0;
    wakeup_kcompactd(pgdat, pageblock_order, highest_zoneidx);
  }
  in_reclaim = false;
  kswapd_running = false;
  trace_exit(FN_balance_pgdat, <u32>sc.nr_reclaimed);
  return sc.order;
}

// ─── the kswapd thread ─────────────────────────────────────────────────────
//
// Linux's kswapd is a loop that blocks in two places, both in
// kswapd_try_to_sleep: a short nap (schedule_timeout(HZ/10)) once the node
// is balanced, then, if nobody woke it meanwhile and the node is still
// balanced, a sleep until wakeup_kswapd. Here the host's scheduler runs
// the thread (kswapd(nid, timed_out)) when a wakeup preempts the current
// task (resched_curr) and between guest quanta; what Linux
// keeps on the thread's stack is kept per node below: where it blocked and
// the loop's locals.
//
//  ╒═══ kswapd_task[nid] (16 bytes) ═══╕
//    0  state            KSWAPD_*
//    4  alloc_order      the order it was woken for
//    8  reclaim_order    the order balance_pgdat finished at
//   12  highest_zoneidx

/** Runnable: it gave up the CPU between two turns of its loop (a node it could not balance). */
@inline export const KSWAPD_RUNNABLE: u32 = 0;
/** In the short nap: wakes when woken (low watermark hit quickly) or when HZ/10 has passed. */
@inline export const KSWAPD_NAPPING: u32 = 1;
/** Asleep until wakeup_kswapd. */
@inline export const KSWAPD_SLEEPING: u32 = 2;

@unmanaged
class kswapd_task {
  state: u32;
  alloc_order: u32;
  reclaim_order: u32;
  highest_zoneidx: u32;
}
const kswapd_tasks: usize = memory.data(<i32>MAX_NUMNODES * offsetof<kswapd_task>(), 4);
@inline function kswapd_task_of(nid: u32): kswapd_task {
  return changetype<kswapd_task>(kswapd_tasks + <usize>nid * offsetof<kswapd_task>());
}

/**
 * The node's kswapd is (or was just made) runnable: woken and not yet run,
 * or between two turns on a node it could not balance (kswapd_is_running,
 * mm/compaction.c's task_is_running(pgdat->kswapd)).
 */
export function kswapd_is_running(pgdat: pglist_data): bool {
  return pgdat.kswapd_wait != 0 || kswapd_task_of(pgdat.node_id).state == KSWAPD_RUNNABLE;
}

/** The zone index a wakeup asked for, else the previous one (kswapd_highest_zoneidx). */
function kswapd_highest_zoneidx(pgdat: pglist_data, prev_highest_zoneidx: u32): u32 {
  const curr = pgdat.kswapd_highest_zoneidx;
  return curr == MAX_NR_ZONES ? prev_highest_zoneidx : curr;
}

/** kswapd may go to sleep: the node is balanced, or hopeless (prepare_kswapd_sleep). */
function prepare_kswapd_sleep(pgdat: pglist_data, order: u32, highest_zoneidx: u32): bool {
  if (pgdat.kswapd_failures >= MAX_RECLAIM_RETRIES) return true;
  return pgdat_balanced(pgdat, order, highest_zoneidx);
}

/**
 * An allocation found the zone below its low watermark: wake the node's
 * kswapd for this order (wakeup_kswapd), unless it is not waiting (it
 * runs already and reads the raised order when it next looks), has given
 * up, or the node is balanced already.
 */
export function wakeup_kswapd(z: zone, gfp: u32, order: u32, highest_zoneidx: u32): void {
  if (!z.managed_pages) return;
  trace_enter(FN_wakeup_kswapd, order);
  const pgdat = changetype<pglist_data>(z.zone_pgdat);
  if (pgdat.kswapd_highest_zoneidx == MAX_NR_ZONES || pgdat.kswapd_highest_zoneidx < highest_zoneidx) {
    pgdat.kswapd_highest_zoneidx = highest_zoneidx;
  }
  if (pgdat.kswapd_order < order) pgdat.kswapd_order = order;
  // waitqueue_active: only a napping or sleeping kswapd is on pgdat->kswapd_wait. Woken, it preempts the allocating task.
  if (kswapd_task_of(pgdat.node_id).state != KSWAPD_RUNNABLE && pgdat.kswapd_failures < MAX_RECLAIM_RETRIES &&
      (!pgdat_balanced(pgdat, order, highest_zoneidx) || pgdat_watermark_boosted(pgdat, highest_zoneidx))) {
    pgdat.kswapd_wait = 1;
    resched_curr();
  }
  trace_exit(FN_wakeup_kswapd, pgdat.kswapd_wait);
}

/** Boot: the node's LRU lists, and its kswapd asleep with no order asked for (kswapd_init, kswapd_run). */
export function kswapd_init(nid: u32): void {
  const pgdat = NODE_DATA(nid);
  lruvec_init(node_lruvec(pgdat));
  pgdat.kswapd_order = 0;
  pgdat.kswapd_highest_zoneidx = MAX_NR_ZONES;
  const t = kswapd_task_of(nid);
  t.state = KSWAPD_SLEEPING;
  t.alloc_order = t.reclaim_order = 0;
  t.highest_zoneidx = MAX_NR_ZONES - 1;
}

/**
 * kswapd_try_to_sleep up to its first block: on a node balanced for
 * reclaim_order, wake kcompactd for alloc_order and nap; otherwise the
 * node needs more work at once (the high watermark was hit quickly).
 */
function kswapd_try_to_sleep(pgdat: pglist_data, t: kswapd_task): void {
  if (prepare_kswapd_sleep(pgdat, t.reclaim_order, t.highest_zoneidx)) {
    wakeup_kcompactd(pgdat, t.alloc_order, t.highest_zoneidx);
    t.state = KSWAPD_NAPPING;
    return;
  }
  count_vm_event(KSWAPD_HIGH_WMARK_HIT_QUICKLY);
  t.state = KSWAPD_RUNNABLE;
}

/**
 * The end of kswapd_try_to_sleep's nap: woken early, kswapd keeps what the
 * wakeup asked for and goes back to work (the low watermark was hit
 * quickly); after a whole nap on a node still balanced it sleeps until
 * woken; otherwise back to work (the high watermark was hit quickly).
 * @return whether it sleeps
 */
function kswapd_nap_over(pgdat: pglist_data, t: kswapd_task, woken: bool): bool {
  if (woken) {
    pgdat.kswapd_highest_zoneidx = kswapd_highest_zoneidx(pgdat, t.highest_zoneidx);
    if (pgdat.kswapd_order < t.reclaim_order) pgdat.kswapd_order = t.reclaim_order;
    count_vm_event(KSWAPD_LOW_WMARK_HIT_QUICKLY);
    return false;
  }
  if (prepare_kswapd_sleep(pgdat, t.reclaim_order, t.highest_zoneidx)) {
    t.state = KSWAPD_SLEEPING;
    return true;
  }
  count_vm_event(KSWAPD_HIGH_WMARK_HIT_QUICKLY);
  return false;
}

/**
 * One turn of node `nid`'s kswapd thread (its loop in kswapd()), which the
 * host's scheduler runs when woken and between guest quanta: it goes on from where it
 * blocked if it can (runnable; woken; or its nap over, `timed_out`),
 * balances the node for the order it was woken for, and runs until it
 * blocks again. @return 0 if it could not run; else 1 + where it blocked
 * (KSWAPD_*: the host times a nap of HZ/10)
 */
export function kswapd(nid: u32, timed_out: u32): u32 {
  const pgdat = NODE_DATA(nid);
  const t = kswapd_task_of(nid);
  const woken = pgdat.kswapd_wait != 0;
  if (t.state == KSWAPD_SLEEPING && !woken) return 0;
  if (t.state == KSWAPD_NAPPING && !woken && !timed_out) return 0;
  pgdat.kswapd_wait = 0;
  trace_enter(FN_kswapd, pgdat.kswapd_order);
  if (t.state == KSWAPD_NAPPING && kswapd_nap_over(pgdat, t, woken)) {
    trace_exit(FN_kswapd, 1 + t.state);
    return 1 + t.state;
  }
  // Back from kswapd_try_to_sleep: read the order and zones the wakeups asked for.
  t.alloc_order = pgdat.kswapd_order;
  t.highest_zoneidx = kswapd_highest_zoneidx(pgdat, t.highest_zoneidx);
  pgdat.kswapd_order = 0;
  pgdat.kswapd_highest_zoneidx = MAX_NR_ZONES;
  // A high-order reclaim that fell back to order 0 sleeps for that order, but kcompactd is woken for the original one.
  t.reclaim_order = balance_pgdat(pgdat, t.alloc_order, t.highest_zoneidx);
  if (t.reclaim_order >= t.alloc_order) {
    t.alloc_order = t.reclaim_order = pgdat.kswapd_order;
    t.highest_zoneidx = kswapd_highest_zoneidx(pgdat, t.highest_zoneidx);
  }
  kswapd_try_to_sleep(pgdat, t);
  trace_exit(FN_kswapd, 1 + t.state);
  return 1 + t.state;
}

/** vm.swappiness (sysctl). @return 0 or -EINVAL. */
export function set_vm_swappiness(v: u32): i32 {
  if (v > <u32>MAX_SWAPPINESS) return -22;
  vm_swappiness = v;
  return 0;
}
