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
// zone below its low watermark and run by the host between guest quanta
// (kswapd_run: balance_pgdat until every zone is above high), and direct
// reclaim in the allocating task (try_to_free_pages, from the allocator's
// slow path). Reclaim never nests: its own allocations do not reclaim
// (PF_MEMALLOC, here in_reclaim).

import {
  page, PG_lru, PG_active, PG_referenced, PG_swapbacked, PG_swapcache, PG_dirty, PG_workingset, PG_anon_exclusive, PAGE_MAPPING_ANON,
  VM_EXEC, VM_LOCKED,
} from "./mm_types";
import {
  zone, pglist_data, lruvec, NODE_DATA, node_zone, nr_online_nodes, node_lruvec, lruvec_list, list_add, list_del, list_empty, lru_to_page, page_lru,
  INIT_LIST_HEAD, lruvec_init, MAX_NR_ZONES, NR_FREE_PAGES, high_wmark_pages, min_wmark_pages, pageblock_order,
  LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE, LRU_ACTIVE, LRU_FILE,
  NR_INACTIVE_ANON, NR_ACTIVE_ANON, NR_INACTIVE_FILE, NR_ACTIVE_FILE, NR_ISOLATED_ANON, NR_VMSCAN_WRITE,
  WORKINGSET_ACTIVATE_ANON, WORKINGSET_ACTIVATE_FILE, node_zonelist, zoneref_zone, zonelist_zone_idx, SIZEOF_ZONEREF,
  NR_ZONE_INACTIVE_ANON, NR_ZONE_ACTIVE_ANON, NR_ZONE_INACTIVE_FILE, NR_ZONE_ACTIVE_FILE,
} from "./mmzone";
import {
  __count_vm_events, count_vm_event, __count_zid_vm_events, mod_node_page_state, zone_page_state,
  PGSCAN_KSWAPD, PGSCAN_DIRECT, PGSTEAL_KSWAPD, PGSTEAL_DIRECT, PGSCAN_ANON, PGSTEAL_ANON, PGREFILL,
  PGACTIVATE, PGDEACTIVATE, PAGEOUTRUN, ALLOCSTALL,
} from "./vmstat";
import { put_page, __zone_watermark_ok } from "./page_alloc";
import { gfp_zone, GFP_KERNEL, __GFP_IO, __GFP_FS, __GFP_DIRECT_RECLAIM } from "./gfp";
import {
  folio_lruvec, folio_is_file_lru, lruvec_add_folio, lruvec_del_folio, lru_add_drain, lru_note_cost, node_page_state,
  lruvec_lru_size, is_file_lru, is_active_lru,
} from "./swap";
import { nr_swap_pages } from "./swapfile";
import { add_to_swap, __delete_from_swap_cache, folio_swap_entry } from "./swap_state";
import { put_swap_folio } from "./swapfile";
import { swap_writepage } from "./page_io";
import { workingset_eviction, workingset_age_nonresident } from "./workingset";
import { folio_referenced, referenced_vm_flags, try_to_unmap } from "./rmap";
import { __filemap_remove_folio } from "./filemap";
import { wakeup_kcompactd } from "./compaction";
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
    scanned++;
    lruvec_del_folio(lv, pg);
    pg.flags &= ~PG_lru;
    pg._refcount++;   // folio_try_get: the page stays while reclaim holds it
    list_add(page_lru(pg), dst);
    nr_taken++;
  }
  isolate_scanned = scanned;
  sc.nr_scanned += scanned;
  return nr_taken;
}

/**
 * Puts isolated pages back on their lists, dropping the isolation
 * reference; a page whose last reference that was is freed instead
 * (move_folios_to_lru). @return the pages put back.
 */
function move_folios_to_lru(lv: lruvec, list: usize): u64 {
  let nr_moved: u64 = 0;
  while (!list_empty(list)) {
    const pg = lru_to_page(<usize>load<u32>(list));
    list_del(page_lru(pg));
    if (pg._refcount == 1) {
      pg.flags &= ~PG_active;
      put_page(pg);
      continue;
    }
    pg._refcount--;
    pg.flags |= PG_lru;
    lruvec_add_folio(lv, pg);
    if (pg.flags & PG_active) workingset_age_nonresident(lv, 1);
    nr_moved++;
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

/**
 * Writes a dirty swap-cache page to its slot (pageout; the device is
 * synchronous, so the page is clean when this returns). File pages are
 * not written by reclaim here (Linux leaves them to the flusher threads).
 */
function pageout(pg: page): bool {
  trace_enter(FN_pageout, 0);
  if (!(pg.flags & PG_swapcache)) {
    trace_exit(FN_pageout, 0);
    return false;
  }
  swap_writepage(pg);
  mod_node_page_state(NR_VMSCAN_WRITE, 1);
  trace_exit(FN_pageout, 1);
  return true;
}

/**
 * Drops an unmapped, clean page from its cache when only its cache and
 * reclaim hold it, leaving a shadow entry (__remove_mapping).
 * @return false when someone else still holds it.
 */
function __remove_mapping(pg: page): bool {
  // Reclaim's reference and the cache's.
  if (pg._refcount != 2 || (pg.flags & PG_dirty)) return false;
  const shadow = workingset_eviction(pg);
  if (pg.flags & PG_swapcache) {
    const entry = folio_swap_entry(pg);
    __delete_from_swap_cache(pg, entry, shadow);
    put_swap_folio(entry);
  } else {
    __filemap_remove_folio(pg, shadow);
  }
  pg._refcount--;   // the cache's reference
  return true;
}

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
    if (!sc.may_unmap && mapped) {
      keep = true;
    } else {
      const references = folio_check_references(pg);
      if (references == FOLIOREF_ACTIVATE) activate = true;
      else if (references == FOLIOREF_KEEP) keep = true;
      else {
        // Anonymous memory needs a swap slot before it can go.
        if ((pg.flags & PG_swapbacked) && !(pg.flags & PG_swapcache)) {
          if (!(sc.gfp_mask & __GFP_IO)) keep = true;
          else if (!add_to_swap(pg)) activate = true;
        }
        if (!keep && !activate && pg._mapcount >= 0) {
          if (!try_to_unmap(pg) || pg._mapcount >= 0) activate = true;
        }
        if (!keep && !activate && (pg.flags & PG_dirty)) {
          if (folio_is_file_lru(pg)) activate = true;   // dirty file pages wait for writeback
          else if (references == FOLIOREF_RECLAIM_CLEAN || !(sc.gfp_mask & __GFP_FS) && !(pg.flags & PG_swapcache)) keep = true;
          else if (!sc.may_writepage) keep = true;
          else if (pageout(pg)) pageout_count++;
          else keep = true;
        }
        if (!keep && !activate && !__remove_mapping(pg)) keep = true;
        if (!keep && !activate) {
          // free_it: the isolation reference was the last.
          nr_reclaimed++;
          pg.flags &= ~(PG_active | PG_referenced | PG_workingset);
          put_page(pg);
          continue;
        }
      }
    }
    if (activate) {
      pg.flags |= PG_active;
      pgactivate++;
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

/** Reclaims from the tail of an inactive list (shrink_inactive_list). @return pages freed. */
function shrink_inactive_list(nr_to_scan: u64, lv: lruvec, lru: u32): u64 {
  trace_enter(FN_shrink_inactive_list, lru);
  const file: u32 = is_file_lru(lru) ? 1 : 0;
  lru_add_drain();
  INIT_LIST_HEAD(folio_list);
  const nr_taken = isolate_lru_folios(nr_to_scan, lv, folio_list, lru);
  const nr_scanned = isolate_scanned;
  mod_node_page_state(NR_ISOLATED_ANON + file, <i64>nr_taken);
  __count_vm_events(current_is_kswapd() ? PGSCAN_KSWAPD : PGSCAN_DIRECT, nr_scanned);
  __count_vm_events(PGSCAN_ANON + file, nr_scanned);
  if (!nr_taken) {
    trace_exit(FN_shrink_inactive_list, 0);
    return 0;
  }
  const nr_reclaimed = shrink_folio_list();
  move_folios_to_lru(lv, folio_list);
  mod_node_page_state(NR_ISOLATED_ANON + file, -<i64>nr_taken);
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
  mod_node_page_state(NR_ISOLATED_ANON + file, <i64>nr_taken);
  __count_vm_events(PGREFILL, isolate_scanned);
  let nr_rotated: u64 = 0;
  while (!list_empty(folio_list)) {
    const pg = lru_to_page(<usize>load<u32>(folio_list));
    list_del(page_lru(pg));
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
  mod_node_page_state(NR_ISOLATED_ANON + file, -<i64>nr_taken);
  if (nr_rotated) lru_note_cost(lv, file != 0, 0, nr_rotated);
  trace_exit(FN_shrink_active_list, <u32>nr_deactivate);
}

/**
 * The inactive list is too small against the active one: the ratio
 * allowed grows with the square root of the lists' size in GiB (inactive_is_low).
 */
export function inactive_is_low(inactive_lru: u32): bool {
  const inactive = lruvec_lru_size(inactive_lru);
  const active = lruvec_lru_size(inactive_lru + LRU_ACTIVE);
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
function get_scan_count(): void {
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
    let scan = lruvec_lru_size(lru) >> <u64>sc.priority;
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
  get_scan_count();
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
  if (can_reclaim_anon_pages() && inactive_is_low(LRU_INACTIVE_ANON)) shrink_active_list(SWAP_CLUSTER_MAX, lv, LRU_ACTIVE_ANON);
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
    if (node_page_state(WORKINGSET_ACTIVATE_ANON) != lv.refaults_anon || inactive_is_low(LRU_INACTIVE_ANON)) sc.may_deactivate |= DEACTIVATE_ANON;
    else sc.may_deactivate &= ~DEACTIVATE_ANON;
    if (node_page_state(WORKINGSET_ACTIVATE_FILE) != lv.refaults_file || inactive_is_low(LRU_INACTIVE_FILE)) sc.may_deactivate |= DEACTIVATE_FILE;
    else sc.may_deactivate &= ~DEACTIVATE_FILE;
  } else {
    sc.may_deactivate = DEACTIVATE_ANON | DEACTIVATE_FILE;
  }
  // Plenty of inactive file pages that are not thrashing: take those first.
  const inactive_file = node_page_state(NR_INACTIVE_FILE);
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
  const file = node_page_state(NR_ACTIVE_FILE) + inactive_file;
  const anon = node_page_state(NR_INACTIVE_ANON);
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
function snapshot_refaults(lv: lruvec): void {
  lv.refaults_anon = node_page_state(WORKINGSET_ACTIVATE_ANON);
  lv.refaults_file = node_page_state(WORKINGSET_ACTIVATE_FILE);
}

/**
 * Direct reclaim: shrinks the node at rising priority until
 * nr_to_reclaim pages are freed (do_try_to_free_pages). One node, so
 * shrink_zones is one shrink_node per priority.
 */
function do_try_to_free_pages(): u64 {
  const initial_priority = sc.priority;
  const pgdat = NODE_DATA(0);
  while (true) {
    __count_zid_vm_events(ALLOCSTALL, min(sc.reclaim_idx, MAX_NR_ZONES - 1), 1);
    do {
      sc.nr_scanned = 0;
      shrink_node(pgdat);
      if (sc.nr_reclaimed >= sc.nr_to_reclaim) break;
      if (sc.priority < DEF_PRIORITY - 2) sc.may_writepage = 1;
    } while (--sc.priority >= 0);
    snapshot_refaults(node_lruvec(pgdat));
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
 * Direct reclaim for an allocation of `order` that found no free page
 * (try_to_free_pages). @return pages freed.
 */
export function try_to_free_pages(order: u32, gfp: u32): u64 {
  trace_enter(FN_try_to_free_pages, order);
  const zone_idx = gfp_zone(gfp);
  init_scan_control(gfp, order, zone_idx < 0 ? 0 : <u32>zone_idx);
  sc.nr_to_reclaim = SWAP_CLUSTER_MAX;
  in_reclaim = true;
  const nr_reclaimed = do_try_to_free_pages();
  in_reclaim = false;
  trace_exit(FN_try_to_free_pages, <u32>nr_reclaimed);
  return nr_reclaimed;
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
  if (inactive_is_low(LRU_INACTIVE_ANON)) shrink_active_list(SWAP_CLUSTER_MAX, node_lruvec(pgdat), LRU_ACTIVE_ANON);
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
 */
function balance_pgdat(pgdat: pglist_data, order: u32, highest_zoneidx: u32): void {
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
  snapshot_refaults(node_lruvec(pgdat));
  // The boosts are met (or abandoned): drop them, and let kcompactd undo the fragmentation that raised them.
  if (pgdat_watermark_boosted(pgdat, highest_zoneidx)) {
    for (let zid: u32 = 0; zid <= highest_zoneidx && zid < MAX_NR_ZONES; zid++) node_zone(pgdat, zid).watermark_boost = 0;
    wakeup_kcompactd(pgdat, pageblock_order, highest_zoneidx);
  }
  in_reclaim = false;
  kswapd_running = false;
  trace_exit(FN_balance_pgdat, <u32>sc.nr_reclaimed);
}

/**
 * An allocation found the zone below its low watermark: wake the node's
 * kswapd for this order (wakeup_kswapd), unless it has given up or the
 * node is balanced already.
 */
export function wakeup_kswapd(z: zone, gfp: u32, order: u32, highest_zoneidx: u32): void {
  if (!z.managed_pages) return;
  trace_enter(FN_wakeup_kswapd, order);
  const pgdat = changetype<pglist_data>(z.zone_pgdat);
  if (pgdat.kswapd_highest_zoneidx == MAX_NR_ZONES || pgdat.kswapd_highest_zoneidx < highest_zoneidx) {
    pgdat.kswapd_highest_zoneidx = highest_zoneidx;
  }
  if (pgdat.kswapd_order < order) pgdat.kswapd_order = order;
  if (pgdat.kswapd_failures < MAX_RECLAIM_RETRIES &&
      (!pgdat_balanced(pgdat, order, highest_zoneidx) || pgdat_watermark_boosted(pgdat, highest_zoneidx))) pgdat.kswapd_wait = 1;
  trace_exit(FN_wakeup_kswapd, pgdat.kswapd_wait);
}

/** Boot: the node's LRU lists, and its kswapd asleep with no order asked for (kswapd_init, kswapd_run). */
export function kswapd_init(): void {
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
    const pgdat = NODE_DATA(nid);
    lruvec_init(node_lruvec(pgdat));
    pgdat.kswapd_highest_zoneidx = MAX_NR_ZONES;
  }
}

/**
 * The kswapd thread's loop body, which the host's scheduler runs between
 * guest quanta: if woken, balance the node for the order and zones asked.
 * @return 1 if it ran, 0 if it slept.
 */
export function kswapd_run(): u32 {
  const pgdat = NODE_DATA(0);
  if (!pgdat.kswapd_wait) return 0;
  trace_enter(FN_kswapd, pgdat.kswapd_order);
  pgdat.kswapd_wait = 0;
  const order = pgdat.kswapd_order;
  let highest_zoneidx = pgdat.kswapd_highest_zoneidx;
  if (highest_zoneidx == MAX_NR_ZONES) highest_zoneidx = MAX_NR_ZONES - 1;
  pgdat.kswapd_order = 0;
  pgdat.kswapd_highest_zoneidx = MAX_NR_ZONES;
  balance_pgdat(pgdat, order, highest_zoneidx);
  // Going back to sleep on a balanced node (kswapd_try_to_sleep): compact for the order it was woken for.
  if (pgdat_balanced(pgdat, order, highest_zoneidx)) wakeup_kcompactd(pgdat, order, highest_zoneidx);
  trace_exit(FN_kswapd, 1);
  return 1;
}

/** vm.swappiness (sysctl). @return 0 or -EINVAL. */
export function set_vm_swappiness(v: u32): i32 {
  if (v > <u32>MAX_SWAPPINESS) return -22;
  vm_swappiness = v;
  return 0;
}
