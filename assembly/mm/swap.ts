// mm/swap.c and include/linux/mm_inline.h: the LRU lists. Every user page
// (anonymous, or in the page cache) is on one of its node's lruvec lists
// (inactive/active × anon/file) while it is in use; reclaim (mm/vmscan.ts)
// takes pages off the inactive tails. A new page first goes to a per-CPU
// batch that holds a reference (folio_add_lru) and reaches the list when
// the batch fills or is drained (lru_add_drain), as Linux amortises the
// lru_lock. A page whose last reference goes is taken off its list first
// (__page_cache_release, from put_page).
//
// An mlocked page (mm/mlock.ts) is unevictable: it counts on the
// LRU_UNEVICTABLE list, but as in Linux no such list exists (reclaim
// never walks it), and its lru.prev holds the mlock_count instead.

import { page, PG_lru, PG_active, PG_swapbacked, PG_mlocked, PG_unevictable, PG_referenced } from "./mm_types";
import { printk, printk_hex } from "../kernel/panic";
import { report_page } from "./debug";
import {
  LRU_UNEVICTABLE, lruvec, pglist_data, NODE_DATA, node_lruvec, lruvec_pgdat, nr_online_nodes, lruvec_list, page_zone, page_lru, page_to_nid,
  list_add, list_del, NR_LRU_LISTS, MAX_NR_ZONES, node_zone, lru_to_page, page_to_pfn, pfn_to_page, max_pfn,
  NR_LRU_BASE, NR_MLOCK, MAX_NUMNODES, LRU_ACTIVE, LRU_FILE, LRU_INACTIVE_ANON, LRU_ACTIVE_ANON, LRU_INACTIVE_FILE, LRU_ACTIVE_FILE,
} from "./mmzone";
import { mod_node_page_state, node_page_state, mod_zone_page_state, zone_page_state, __count_vm_events, vm_zone_stat,
  UNEVICTABLE_PGCULLED, UNEVICTABLE_PGRESCUED, PGDEACTIVATE } from "./vmstat";
import { get_page, put_page, compound_order } from "./page_alloc";
import { mlock_drain_local } from "./mlock";
import { FOLIO_BATCH_SIZE } from "../include/pagevec";

/** The zone_stat_item of an LRU list: NR_ZONE_LRU_BASE (1) + lru. */
@inline const NR_ZONE_LRU_BASE: u32 = 1;

/** vm.page-cluster (sysctl): swap read-ahead reads up to 2^page_cluster pages. */
export let page_cluster: u32 = 3;
/** @return 0 or -EINVAL (Linux caps it at 31). */
export function set_page_cluster(v: u32): i32 {
  if (v > 31) return -22;
  page_cluster = v;
  return 0;
}


/** cpu_fbatches.lru_add (one CPU): the pfns waiting, each holding a reference. */
const lru_add_batch: usize = memory.data(<i32>FOLIO_BATCH_SIZE << 2, 4);
let lru_add_nr: u32 = 0;

/** The node a page's memory is on (folio_pgdat). */
@inline export function folio_pgdat(pg: page): pglist_data {
  return NODE_DATA(page_to_nid(pg));
}

/** The lruvec a page belongs on (folio_lruvec; no memcg): its node's. */
@inline export function folio_lruvec(pg: page): lruvec {
  return node_lruvec(folio_pgdat(pg));
}

/** A node counter of the page's node (lruvec_stat_mod_folio; no memcg). */
@inline export function lruvec_stat_mod_folio(pg: page, item: u32, nr: i64): void {
  mod_node_page_state(folio_pgdat(pg), item, nr);
}

/** File pages (page cache) are on the file lists, swap-backed ones on the anon lists. */
@inline export function folio_is_file_lru(pg: page): bool { return !(pg.flags & PG_swapbacked); }

/** Whether reclaim may evict the page: not mlocked (folio_evictable; no unevictable mappings here). */
@inline export function folio_evictable(pg: page): bool { return !(pg.flags & PG_mlocked); }

/** An unevictable page's count of the mlocks on it (folio->mlock_count, over lru.prev). */
@inline export function folio_mlock_count(pg: page): u32 { return pg.lru_prev; }
@inline export function folio_set_mlock_count(pg: page, count: u32): void { pg.lru_prev = count; }

/** Which list the page belongs on (folio_lru_list). */
@inline export function folio_lru_list(pg: page): u32 {
  if (pg.flags & PG_unevictable) return LRU_UNEVICTABLE;
  let lru = folio_is_file_lru(pg) ? LRU_INACTIVE_FILE : LRU_INACTIVE_ANON;
  if (pg.flags & PG_active) lru += LRU_ACTIVE;
  return lru;
}

@inline export function is_file_lru(lru: u32): bool { return lru == LRU_INACTIVE_FILE || lru == LRU_ACTIVE_FILE; }
@inline export function is_active_lru(lru: u32): bool { return lru == LRU_ACTIVE_ANON || lru == LRU_ACTIVE_FILE; }

/** The pages on one of the lruvec's lists, every zone's (lruvec_lru_size). */
@inline export function lruvec_lru_size(lv: lruvec, lru: u32): u64 {
  return node_page_state(lruvec_pgdat(lv), NR_LRU_BASE + lru);
}

/** The pages of a folio: 512 for a THP's head, else 1 (folio_nr_pages). */
@inline export function folio_nr_pages(pg: page): i64 {
  return <i64>1 << compound_order(pg);
}

/** The list size counters of node and zone (update_lru_size). */
@inline function update_lru_size(lv: lruvec, pg: page, lru: u32, nr: i64): void {
  mod_node_page_state(lruvec_pgdat(lv), NR_LRU_BASE + lru, nr);
  mod_zone_page_state(page_zone(pg), NR_ZONE_LRU_BASE + lru, nr);
}

/** Puts the page at the head of its list, or an unevictable one on no list (lruvec_add_folio). */
export function lruvec_add_folio(lv: lruvec, pg: page): void {
  const lru = folio_lru_list(pg);
  update_lru_size(lv, pg, lru, folio_nr_pages(pg));
  if (lru != LRU_UNEVICTABLE) list_add(page_lru(pg), lruvec_list(lv, lru));
  else pg.lru_next = 0;
}

/** Takes the page off its list (lruvec_del_folio). */
export function lruvec_del_folio(lv: lruvec, pg: page): void {
  const lru = folio_lru_list(pg);
  if (lru != LRU_UNEVICTABLE) list_del(page_lru(pg));
  update_lru_size(lv, pg, lru, -folio_nr_pages(pg));
  pg.lru_next = pg.lru_prev = 0;
}

/**
 * The batch's page joins its list (lru_add): an unevictable one is
 * culled to the unevictable list with an mlock_count of 0, which
 * undercounts rather than strands it (reclaim restores a missed mlock);
 * one no longer mlocked is rescued from it.
 */
function lru_add_fn(lv: lruvec, pg: page): void {
  const was_unevictable = (pg.flags & PG_unevictable) != 0;
  pg.flags &= ~PG_unevictable;
  const nr_pages = folio_nr_pages(pg);
  if (folio_evictable(pg)) {
    if (was_unevictable) __count_vm_events(UNEVICTABLE_PGRESCUED, nr_pages);
  } else {
    pg.flags = (pg.flags & ~PG_active) | PG_unevictable;
    if (!was_unevictable) __count_vm_events(UNEVICTABLE_PGCULLED, nr_pages);
  }
  pg.flags |= PG_lru;
  lruvec_add_folio(lv, pg);
  if (pg.flags & PG_unevictable) folio_set_mlock_count(pg, 0);
}

/** Moves the batch to the lists and drops the batch's references (folio_batch_move_lru). */
function folio_batch_move_lru(): void {
  const n = lru_add_nr;
  lru_add_nr = 0;
  for (let i: u32 = 0; i < n; i++) {
    const pg = changetype<page>(<usize>load<u32>(lru_add_batch + (<usize>i << 2)));
    lru_add_fn(folio_lruvec(pg), pg);
    put_page(pg);
  }
}

/**
 * A new page for the LRU (folio_add_lru): held by the per-CPU batch
 * until it fills. Anonymous and file pages both start inactive, unless
 * the caller set PG_active (a workingset refault).
 */
export function folio_add_lru(pg: page): void {
  get_page(pg);
  store<u32>(lru_add_batch + (<usize>lru_add_nr << 2), <u32>changetype<usize>(pg));
  if (++lru_add_nr == FOLIO_BATCH_SIZE) folio_batch_move_lru();
}

/** Empties the per-CPU batches: onto the lists, then mlock's (lru_add_drain). */
export function lru_add_drain(): void {
  if (lru_add_nr) folio_batch_move_lru();
  mlock_drain_local();
}

/**
 * MADV_COLD: an active page on its list moves to the head of the inactive one, unreferenced (folio_deactivate,
 * lru_deactivate; at once rather than through a per-CPU batch).
 */
export function folio_deactivate(pg: page): void {
  if ((pg.flags & (PG_lru | PG_active | PG_unevictable)) != (PG_lru | PG_active)) return;
  const lv = folio_lruvec(pg);
  lruvec_del_folio(lv, pg);
  pg.flags &= ~(PG_active | PG_referenced);
  lruvec_add_folio(lv, pg);
  __count_vm_events(PGDEACTIVATE, <u64>folio_nr_pages(pg));
}

/** An isolated page goes back to the LRU, through the batch, and isolation's reference goes (folio_putback_lru). */
export function folio_putback_lru(pg: page): void {
  folio_add_lru(pg);
  put_page(pg);
}

/** Whether the page is waiting in the per-CPU batch (for the invariant checker). */
export function folio_in_lru_batch(pg: page): bool {
  for (let i: u32 = 0; i < lru_add_nr; i++) {
    if (load<u32>(lru_add_batch + (<usize>i << 2)) == <u32>changetype<usize>(pg)) return true;
  }
  return false;
}

/** The last reference to an LRU page went: off its list before it is freed (__page_cache_release). */
export function __page_cache_release(pg: page): void {
  lruvec_del_folio(folio_lruvec(pg), pg);
  pg.flags &= ~(PG_lru | PG_active | PG_unevictable);
}

/**
 * Reclaim's cost of one side (lru_note_cost): pages written out weigh
 * SWAP_CLUSTER_MAX each, rotated ones one; old costs decay as the lists
 * turn over, so get_scan_count follows recent behaviour.
 */
export function lru_note_cost(lv: lruvec, file: bool, nr_io: u64, nr_rotated: u64): void {
  const cost = nr_io * 32 + nr_rotated;
  if (file) lv.file_cost += cost;
  else lv.anon_cost += cost;
  const lrusize = lruvec_lru_size(lv, LRU_INACTIVE_ANON) + lruvec_lru_size(lv, LRU_ACTIVE_ANON)
    + lruvec_lru_size(lv, LRU_INACTIVE_FILE) + lruvec_lru_size(lv, LRU_ACTIVE_FILE);
  if (lv.file_cost + lv.anon_cost > lrusize / 4) {
    lv.file_cost /= 2;
    lv.anon_cost /= 2;
  }
}

/** The checker's count of each node's unevictable pages. */
const unevictable_seen: usize = memory.data(<i32>MAX_NUMNODES << 3, 8);

/**
 * The LRU's invariants (the checker's): each page on a list has PG_lru,
 * is on its own node's list, the one its flags name, appears once, and
 * holds a reference; each list's pages (a THP's 512) are its node's
 * counter and the sum of that node's zone counters, the unevictable
 * pages (on no list) too; no page has PG_lru off the lists; a page in
 * the per-CPU batch is on no list; NR_MLOCK counts the PG_mlocked pages.
 * Uses `seen` (a scratch page flag the caller clears).
 * @return the violations, each printk'd.
 */
export function check_lru(seen: u32): i32 {
  let bad: i32 = 0;
  memory.fill(unevictable_seen, 0, <usize>MAX_NUMNODES << 3);
  let mlocked: u64 = 0;
  for (let pfn: u32 = 0; pfn < max_pfn; pfn++) {
    const pg = pfn_to_page(pfn);
    if (pg.flags & PG_mlocked) mlocked += <u64>folio_nr_pages(pg);
    if ((pg.flags & (PG_lru | PG_unevictable)) != (PG_lru | PG_unevictable)) continue;
    const at = unevictable_seen + (<usize>page_to_nid(pg) << 3);
    store<u64>(at, load<u64>(at) + <u64>folio_nr_pages(pg));
    if (pg._refcount <= 0) {
      report_page("check_lru: ", "free page on the unevictable list", pg);
      bad++;
    }
  }
  if (mlocked != <u64>load<i64>(vm_zone_stat + (<usize>NR_MLOCK << 3))) {
    printk("check_lru: NR_MLOCK differs from the PG_mlocked pages\n");
    bad++;
  }
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
    const pgdat = NODE_DATA(nid);
    const lv = node_lruvec(pgdat);
    for (let lru: u32 = 0; lru < NR_LRU_LISTS; lru++) {
      const head = lruvec_list(lv, lru);
      let n: u64 = lru == LRU_UNEVICTABLE ? load<u64>(unevictable_seen + (<usize>nid << 3)) : 0;
      for (let e = <usize>load<u32>(head); e != head; e = <usize>load<u32>(e)) {
        const pg = lru_to_page(e);
        n += <u64>folio_nr_pages(pg);
        let what = "";
        if (pg.flags & seen) what = "page on two LRU lists";
        else if (!(pg.flags & PG_lru)) what = "page on an LRU list without PG_lru";
        else if (page_to_nid(pg) != nid) what = "page on another node's LRU list";
        else if (folio_lru_list(pg) != lru) what = "page on the wrong LRU list";
        else if (pg._refcount <= 0) what = "free page on an LRU list";
        pg.flags |= seen;
        if (!what.length) continue;
        report_page("check_lru: ", what, pg);
        bad++;
      }
      let zones: u64 = 0;
      for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) zones += zone_page_state(node_zone(pgdat, zid), NR_ZONE_LRU_BASE + lru);
      if (n != lruvec_lru_size(lv, lru) || n != zones) {
        printk("check_lru: an LRU list's length differs from its counters\n");
        bad++;
      }
    }
  }
  for (let pfn: u32 = 0; pfn < max_pfn; pfn++) {
    const pg = pfn_to_page(pfn);
    const on_list = (pg.flags & seen) != 0 || (pg.flags & (PG_lru | PG_unevictable)) == (PG_lru | PG_unevictable);
    pg.flags &= ~seen;
    if (on_list != ((pg.flags & PG_lru) != 0) || (on_list && folio_in_lru_batch(pg))) {
      printk("check_lru: PG_lru and the lists disagree pfn:");
      printk_hex(pfn);
      printk("\n");
      bad++;
    }
  }
  return bad;
}
