// mm/compaction.c: memory compaction. Two scanners walk a zone towards each
// other a pageblock at a time: the migration scanner from the zone's start
// upward isolates movable pages (isolate_migratepages), the free scanner
// from the zone's end downward isolates free pages (isolate_freepages), and
// migrate_pages (mm/migrate.ts) moves the former into the latter. Free
// memory gathers at the bottom of the zone, used memory at the top, and
// high-order blocks form where the moved pages were. It ends when the
// scanners meet, or as soon as a block of the wanted order is free.
//
// Run from three places, as in Linux: direct compaction in an allocation
// that failed (__alloc_pages_direct_compact, with should_compact_retry for
// the slow path's retries), kcompactd (a thread per node, woken by
// wakeup_kcompactd, and every HPAGE_FRAG_CHECK_INTERVAL_MSEC for proactive
// compaction; the host runs it between guest quanta), and a write to
// /proc/sys/vm/compact_memory (compact_memory()). A zone where compaction
// failed is skipped for a while (defer_compaction).
//
// Proactive compaction keeps a node's free memory in huge-page-sized
// blocks before anyone asks: its fragmentation score (the share of free
// pages outside order-9 blocks, weighted by zone size) above a high mark
// set by vm.compaction_proactiveness starts a round of compact_node that
// runs each zone until its score falls to the low mark.
//
// Not here: the pageblock skip hints and the cached scanner positions (every
// run starts at the zone's ends, as whole_zone does), the fast free-list
// searches (fast_find_migrateblock, fast_isolate_freepages), page capture,
// and the LRU (no lru lists to isolate from: a movable page is an
// anonymous one, see page_movable).

import { numa_node_id } from "../arch/x86/mm/numa";
import { page, PG_buddy, PG_head } from "./mm_types";
import {
  MAX_ORDER, PAGE_ALLOC_COSTLY_ORDER, pageblock_order, pageblock_nr_pages, MIGRATE_MOVABLE,
  MAX_NR_ZONES, NR_FREE_PAGES,
  zone, pglist_data, NODE_DATA, node_zone, nr_online_nodes, zone_free_area, free_area_empty, zone_end_pfn,
  wmark_pages, low_wmark_pages, min_wmark_pages, pfn_to_page, page_to_pfn, nth_page,
  INIT_LIST_HEAD, list_empty, list_del, list_add_tail, lru_to_page, page_lru,
  get_pageblock_migratetype, zoneref_zone, zonelist_zone_idx, SIZEOF_ZONEREF, page_zone, zref_in_nodemask,
} from "./mmzone";
import { gfp_migratetype, __GFP_IO, GFP_KERNEL } from "./gfp";
import {
  ac, prepare_alloc_pages, gfp_to_alloc_flags, get_page_from_freelist, prep_new_page, __zone_watermark_ok,
  find_suitable_fallback, __isolate_free_page, compound_order, drain_all_pages, put_page, ALLOC_WMARK_MASK, ALLOC_WMARK_MIN,
} from "./page_alloc";
import {
  count_vm_event, __count_vm_events, __count_zid_vm_events, zone_page_state, fragmentation_index, extfrag_for_order, PGALLOC,
  COMPACTMIGRATE_SCANNED, COMPACTFREE_SCANNED, COMPACTISOLATED, COMPACTSTALL, COMPACTFAIL, COMPACTSUCCESS,
  KCOMPACTD_WAKE, KCOMPACTD_MIGRATE_SCANNED, KCOMPACTD_FREE_SCANNED,
} from "./vmstat";
import { zone_reclaimable_pages, kswapd_is_running } from "./vmscan";
import { lru_add_drain } from "./swap";
import { MAX_NUMNODES } from "../include/numa";
import { migrate_pages, page_movable, isolate_movable_page, putback_movable_pages } from "./migrate";
import { resched_curr } from "../kernel/sched";
import {
  trace_enter, trace_exit, TRACE_NO_PAGE, FN_try_to_compact_pages, FN_compact_zone, FN_isolate_migratepages,
  FN_isolate_freepages, FN___alloc_pages_direct_compact, FN_kcompactd_do_work, FN_compact_node,
} from "../kernel/trace";
import {
  trace_mm_compaction_begin, trace_mm_compaction_end, trace_mm_compaction_wakeup_kcompactd,
  trace_mm_compaction_kcompactd_wake, trace_mm_compaction_kcompactd_sleep,
} from "../include/trace/events/compaction";

// enum compact_result, in Linux's order: a larger value means more progress.
@inline export const COMPACT_NOT_SUITABLE_ZONE: u32 = 0;
@inline export const COMPACT_SKIPPED: u32 = 1;
@inline export const COMPACT_DEFERRED: u32 = 2;
@inline export const COMPACT_NO_SUITABLE_PAGE: u32 = 3;
@inline export const COMPACT_CONTINUE: u32 = 4;
@inline export const COMPACT_COMPLETE: u32 = 5;
@inline export const COMPACT_PARTIAL_SKIPPED: u32 = 6;
@inline export const COMPACT_CONTENDED: u32 = 7;
@inline export const COMPACT_SUCCESS: u32 = 8;

// enum compact_priority: lower is more thorough.
@inline export const COMPACT_PRIO_SYNC_FULL: u32 = 0;
@inline export const MIN_COMPACT_PRIORITY: u32 = COMPACT_PRIO_SYNC_FULL;
@inline export const COMPACT_PRIO_SYNC_LIGHT: u32 = 1;
@inline export const MIN_COMPACT_COSTLY_PRIORITY: u32 = COMPACT_PRIO_SYNC_LIGHT;
@inline export const DEF_COMPACT_PRIORITY: u32 = COMPACT_PRIO_SYNC_LIGHT;
@inline export const COMPACT_PRIO_ASYNC: u32 = 2;
@inline export const INIT_COMPACT_PRIORITY: u32 = COMPACT_PRIO_ASYNC;

// enum migrate_mode
@inline export const MIGRATE_ASYNC: u32 = 0;
@inline export const MIGRATE_SYNC_LIGHT: u32 = 1;
@inline export const MIGRATE_SYNC: u32 = 2;

// isolate_migrate_t
@inline const ISOLATE_NONE: u32 = 1;
@inline const ISOLATE_SUCCESS: u32 = 2;

@inline const COMPACT_CLUSTER_MAX: u32 = 32;    // SWAP_CLUSTER_MAX
@inline const COMPACT_MAX_DEFER_SHIFT: u32 = 6;
/** kcompactd's proactive check interval: the timeout of its wait. */
@inline const HPAGE_FRAG_CHECK_INTERVAL_MSEC: u32 = 500;
/** The order the fragmentation score is taken for (HPAGE_PMD_ORDER). */
@inline const COMPACTION_HPAGE_ORDER: u32 = pageblock_order;
@inline const MAX_COMPACT_RETRIES: u32 = 16;
@inline const ENOMEM: i32 = 12;

/** vm.extfrag_threshold: a costly order compacts only above this fragmentation index (0..1000). */
export let sysctl_extfrag_threshold: i32 = 500;
/** vm.compaction_proactiveness (0..100): how low kcompactd keeps the fragmentation score; 0 turns it off. */
export let sysctl_compaction_proactiveness: u32 = 20;

/** struct compact_control: one compaction run's state. Runs never nest: one static instance. */
@unmanaged
class compact_control {
  freepages: u64;               // list head: isolated free pages, order 0
  migratepages: u64;            // list head: isolated pages to migrate
  nr_freepages: u32;
  nr_migratepages: u32;
  free_pfn: u32;                // where the free scanner goes on (downward)
  migrate_pfn: u32;             // where the migration scanner goes on (upward)
  zone: usize;
  total_migrate_scanned: u32;
  total_free_scanned: u32;
  gfp_mask: u32;
  order: i32;                   // -1: compact the whole zone (compact_memory)
  migratetype: u32;             // of the allocation compaction runs for
  alloc_flags: u32;
  highest_zoneidx: u32;
  mode: u32;                    // MIGRATE_ASYNC / _SYNC_LIGHT / _SYNC
  direct_compaction: bool;
  proactive_compaction: bool;   // kcompactd's round: runs until the zone's score is low enough
  whole_zone: bool;
  ignore_block_suitable: bool;  // any pageblock may be a target
}
const cc = changetype<compact_control>(memory.data(offsetof<compact_control>(), 8));
@inline function cc_freepages(): usize { return changetype<usize>(cc) + offsetof<compact_control>("freepages"); }
@inline function cc_migratepages(): usize { return changetype<usize>(cc) + offsetof<compact_control>("migratepages"); }
@inline function cc_zone(): zone { return changetype<zone>(cc.zone); }

@inline function is_via_compact_memory(order: i32): bool { return order == -1; }
@inline function pageblock_start_pfn(pfn: u32): u32 { return pfn & ~(pageblock_nr_pages - 1); }
@inline function pageblock_end_pfn(pfn: u32): u32 { return pageblock_start_pfn(pfn) + pageblock_nr_pages; }
/** The free pages a compaction of this order needs to work with (compact_gap). */
@inline function compact_gap(order: u32): u32 { return 2 << order; }

// ─── deferral ───────────────────────────────────────────────────────────────

/**
 * Compaction of this zone failed for `order`: skip the next 1 << shift
 * attempts at this order or above, doubling up to 64 (defer_compaction).
 */
export function defer_compaction(z: zone, order: i32): void {
  z.compact_considered = 0;
  z.compact_defer_shift++;
  if (order < z.compact_order_failed) z.compact_order_failed = order;
  if (z.compact_defer_shift > COMPACT_MAX_DEFER_SHIFT) z.compact_defer_shift = COMPACT_MAX_DEFER_SHIFT;
}

/** Whether to skip compaction of this zone for `order` now; counts the attempt (compaction_deferred). */
export function compaction_deferred(z: zone, order: i32): bool {
  const defer_limit: u32 = 1 << z.compact_defer_shift;
  if (order < z.compact_order_failed) return false;
  if (++z.compact_considered >= defer_limit) {
    z.compact_considered = defer_limit;
    return false;
  }
  return true;
}

/**
 * Compaction for `order` is expected to succeed (or an allocation did):
 * orders up to it are no longer deferred (compaction_defer_reset).
 */
export function compaction_defer_reset(z: zone, order: i32, alloc_success: bool): void {
  if (alloc_success) {
    z.compact_considered = 0;
    z.compact_defer_shift = 0;
  }
  if (order >= z.compact_order_failed) z.compact_order_failed = order + 1;
}

// ─── suitability ────────────────────────────────────────────────────────────

/**
 * Whether the zone has the free order-0 pages compaction needs to
 * migrate into: the watermark (low for costly orders, else min) plus
 * compact_gap(order), over `wmark_target` free pages.
 */
export function __compaction_suitable(z: zone, order: u32, highest_zoneidx: u32, wmark_target: u64): bool {
  const watermark = (order > PAGE_ALLOC_COSTLY_ORDER ? low_wmark_pages(z) : min_wmark_pages(z)) + compact_gap(order);
  return __zone_watermark_ok(z, 0, watermark, highest_zoneidx, 0, <i64>wmark_target);
}

/**
 * Whether compaction may make an order-`order` block in the zone: enough
 * free pages, and (for a costly order) a failure that would be due to
 * fragmentation, not to lack of memory (fragmentation_index above
 * vm.extfrag_threshold).
 */
export function compaction_suitable(z: zone, order: u32, highest_zoneidx: u32): bool {
  let suitable = __compaction_suitable(z, order, highest_zoneidx, zone_page_state(z, NR_FREE_PAGES));
  if (suitable && order > PAGE_ALLOC_COSTLY_ORDER) {
    const fragindex = fragmentation_index(z, order);
    if (fragindex >= 0 && fragindex <= sysctl_extfrag_threshold) suitable = false;
  }
  return suitable;
}

/**
 * COMPACT_SUCCESS when the allocation would succeed already, COMPACT_SKIPPED
 * when compaction is not suitable, else COMPACT_CONTINUE
 * (compaction_suit_allocation_order).
 */
function compaction_suit_allocation_order(z: zone, order: u32, highest_zoneidx: u32, alloc_flags: u32): u32 {
  const watermark = wmark_pages(z, alloc_flags & ALLOC_WMARK_MASK);
  if (__zone_watermark_ok(z, order, watermark, highest_zoneidx, alloc_flags, <i64>zone_page_state(z, NR_FREE_PAGES))) {
    return COMPACT_SUCCESS;
  }
  if (!compaction_suitable(z, order, highest_zoneidx)) return COMPACT_SKIPPED;
  return COMPACT_CONTINUE;
}

// ─── the free scanner ──────────────────────────────────────────────────────

/**
 * May free pages of this pageblock be migration targets? Not when it is
 * (mostly) one free block already, and only in movable pageblocks, unless
 * the run ignores the block's type (suitable_migration_target).
 */
function suitable_migration_target(pg: page): bool {
  if (pg.flags & PG_buddy) {
    const order: u32 = cc.order > 0 ? <u32>cc.order : pageblock_order;
    if (<u32>pg.private_ >= order) return false;
  }
  if (cc.ignore_block_suitable) return true;
  return get_pageblock_migratetype(pg) == MIGRATE_MOVABLE;
}

/** An isolated free block becomes 2^order allocated order-0 pages on cc->freepages (split_map_pages). */
function split_map_pages(pg: page, order: u32): void {
  const nr: u32 = 1 << order;
  // The pages are allocated now: pgalloc counts them, as pgfree will when they are freed.
  __count_zid_vm_events(PGALLOC, cc_zone().zone_idx, nr);
  prep_new_page(pg, order, 0, 0);
  for (let i: u32 = 0; i < nr; i++) {
    const p = nth_page(pg, i);
    p._refcount = 1;
    list_add_tail(page_lru(p), cc_freepages());
  }
}

// isolate_freepages_block's *start_pfn out-parameter: where it stopped.
let isolate_block_stop: u32 = 0;

/**
 * Isolates the free blocks of [start_pfn, end_pfn), looking at every
 * `stride`th pfn, until there are as many free pages as pages to migrate.
 * @return pages isolated; isolate_block_stop is where it stopped
 */
function isolate_freepages_block(start_pfn: u32, end_pfn: u32, stride: u32): u32 {
  let nr_scanned: u32 = 0;
  let total_isolated: u32 = 0;
  let blockpfn = start_pfn;
  for (; blockpfn < end_pfn; blockpfn += stride) {
    nr_scanned++;
    const pg = pfn_to_page(blockpfn);
    if (pg.flags & PG_head) {
      const order = compound_order(pg);
      if (blockpfn + (1 << order) <= end_pfn) {
        blockpfn += (1 << order) - 1;
        nr_scanned += (1 << order) - 1;
      }
      continue;
    }
    if (!(pg.flags & PG_buddy)) continue;
    const order: u32 = pg.private_;
    const isolated = __isolate_free_page(pg, order);
    if (!isolated) break;
    split_map_pages(pg, order);
    nr_scanned += isolated - 1;
    total_isolated += isolated;
    cc.nr_freepages += isolated;
    if (cc.nr_migratepages <= cc.nr_freepages) {
      blockpfn += isolated;
      break;
    }
    // Advance to the end of split page
    blockpfn += isolated - 1;
  }
  if (blockpfn > end_pfn) blockpfn = end_pfn;
  isolate_block_stop = blockpfn;
  cc.total_free_scanned += nr_scanned;
  if (total_isolated) __count_vm_events(COMPACTISOLATED, total_isolated);
  return total_isolated;
}

/**
 * The free scanner: from cc.free_pfn down a pageblock at a time, above the
 * migration scanner, isolates free pages of suitable blocks until there
 * are as many as pages to migrate (isolate_freepages).
 */
function isolate_freepages(): void {
  trace_enter(FN_isolate_freepages, cc.free_pfn);
  const z = cc_zone();
  let isolate_start_pfn = cc.free_pfn;
  let block_start_pfn = pageblock_start_pfn(isolate_start_pfn);
  let block_end_pfn = min(block_start_pfn + pageblock_nr_pages, zone_end_pfn(z));
  const low_pfn = pageblock_end_pfn(cc.migrate_pfn);
  // Async runs sample sparse blocks first, widening on success.
  let stride: u32 = cc.mode == MIGRATE_ASYNC ? COMPACT_CLUSTER_MAX : 1;
  for (; block_start_pfn >= low_pfn;
    block_end_pfn = block_start_pfn, block_start_pfn -= pageblock_nr_pages, isolate_start_pfn = block_start_pfn) {
    const start = max(block_start_pfn, z.zone_start_pfn);
    if (!suitable_migration_target(pfn_to_page(start))) continue;
    const nr_isolated = isolate_freepages_block(max(isolate_start_pfn, start), block_end_pfn, stride);
    isolate_start_pfn = isolate_block_stop;
    if (cc.nr_freepages >= cc.nr_migratepages) {
      // Restart at previous pageblock if more freepages can be isolated next time.
      if (isolate_start_pfn >= block_end_pfn) isolate_start_pfn = block_start_pfn - pageblock_nr_pages;
      break;
    } else if (isolate_start_pfn < block_end_pfn) {
      // If isolation failed early (the watermark), do not continue needlessly.
      break;
    }
    if (nr_isolated) {
      stride = 1;
      continue;
    }
    stride = min(COMPACT_CLUSTER_MAX, stride << 1);
  }
  cc.free_pfn = isolate_start_pfn;
  trace_exit(FN_isolate_freepages, cc.nr_freepages);
}

/** migrate_pages' get_new_page: the next isolated free page, scanning for more when none is left. */
function compaction_alloc(src: page): page | null {
  if (list_empty(cc_freepages())) {
    isolate_freepages();
    if (list_empty(cc_freepages())) return null;
  }
  const dst = lru_to_page(<usize>load<u32>(cc_freepages()));
  list_del(page_lru(dst));
  dst.lru_next = dst.lru_prev = 0;
  cc.nr_freepages--;
  return dst;
}

/** Frees the isolated free pages migration did not use (release_freepages). */
function release_freepages(): void {
  while (!list_empty(cc_freepages())) {
    const pg = lru_to_page(<usize>load<u32>(cc_freepages()));
    list_del(page_lru(pg));
    pg.lru_next = pg.lru_prev = 0;
    put_page(pg);
  }
  cc.nr_freepages = 0;
}

// ─── the migration scanner ─────────────────────────────────────────────────

/**
 * Isolates movable pages of [low_pfn, end_pfn) onto cc->migratepages, at
 * most COMPACT_CLUSTER_MAX, stepping over free and compound blocks whole
 * (isolate_migratepages_block). Sets cc.migrate_pfn to where it stopped.
 */
function isolate_migratepages_block(low_pfn: u32, end_pfn: u32): void {
  let nr_scanned: u32 = 0;
  let nr_isolated: u32 = 0;
  for (; low_pfn < end_pfn; low_pfn++) {
    nr_scanned++;
    const pg = pfn_to_page(low_pfn);
    if (pg.flags & PG_buddy) {
      const order: u32 = pg.private_;
      if (order > 0 && order < MAX_ORDER) {
        low_pfn += (1 << order) - 1;
        nr_scanned += (1 << order) - 1;
      }
      continue;
    }
    // THP and other compound pages are not compacted.
    if (pg.flags & PG_head) {
      const order = compound_order(pg);
      low_pfn += (1 << order) - 1;
      nr_scanned += (1 << order) - 1;
      continue;
    }
    if (!page_movable(pg)) continue;
    isolate_movable_page(pg, cc_migratepages());
    cc.nr_migratepages++;
    nr_isolated++;
    if (cc.nr_migratepages >= COMPACT_CLUSTER_MAX) {
      ++low_pfn;
      break;
    }
  }
  if (low_pfn > end_pfn) low_pfn = end_pfn;
  cc.total_migrate_scanned += nr_scanned;
  if (nr_isolated) __count_vm_events(COMPACTISOLATED, nr_isolated);
  cc.migrate_pfn = low_pfn;
}

/**
 * May pages of this pageblock be migrated? Async direct compaction takes
 * only blocks of the allocation's own mobility; others take any
 * (suitable_migration_source).
 */
function suitable_migration_source(pg: page): bool {
  if (cc.mode != MIGRATE_ASYNC || !cc.direct_compaction) return true;
  const block_mt = get_pageblock_migratetype(pg);
  if (cc.migratetype == MIGRATE_MOVABLE) return block_mt == MIGRATE_MOVABLE;
  return block_mt == cc.migratetype;
}

/**
 * The migration scanner: from cc.migrate_pfn up a pageblock at a time,
 * below the free scanner, isolates the movable pages of the first suitable
 * block that has any (isolate_migratepages).
 */
function isolate_migratepages(): u32 {
  trace_enter(FN_isolate_migratepages, cc.migrate_pfn);
  const z = cc_zone();
  let low_pfn = cc.migrate_pfn;
  let block_start_pfn = max(pageblock_start_pfn(low_pfn), z.zone_start_pfn);
  let block_end_pfn = pageblock_end_pfn(low_pfn);
  for (; block_end_pfn <= cc.free_pfn;
    cc.migrate_pfn = low_pfn = block_end_pfn, block_start_pfn = block_end_pfn, block_end_pfn += pageblock_nr_pages) {
    if (!suitable_migration_source(pfn_to_page(block_start_pfn))) continue;
    isolate_migratepages_block(low_pfn, block_end_pfn);
    break;
  }
  const ret = cc.nr_migratepages ? ISOLATE_SUCCESS : ISOLATE_NONE;
  trace_exit(FN_isolate_migratepages, cc.nr_migratepages);
  return ret;
}

// ─── compact_zone ──────────────────────────────────────────────────────────

@inline function compact_scanners_met(): bool {
  return (cc.free_pfn >> pageblock_order) <= (cc.migrate_pfn >> pageblock_order);
}

/** Whether the run is done: the scanners met, or a block of the order is free for the allocation (__compact_finished). */
function __compact_finished(): u32 {
  if (compact_scanners_met()) return cc.whole_zone ? COMPACT_COMPLETE : COMPACT_PARTIAL_SKIPPED;
  if (cc.proactive_compaction) {
    // Reclaim runs on the node: leave it the free pages.
    if (kswapd_is_running(changetype<pglist_data>(cc_zone().zone_pgdat))) return COMPACT_PARTIAL_SKIPPED;
    return fragmentation_score_zone(cc_zone()) > fragmentation_score_wmark(true) ? COMPACT_CONTINUE : COMPACT_SUCCESS;
  }
  if (is_via_compact_memory(cc.order)) return COMPACT_CONTINUE;
  const z = cc_zone();
  const migratetype = cc.migratetype;
  for (let order = <u32>cc.order; order < MAX_ORDER; order++) {
    const area = zone_free_area(z, order);
    // Job done if page is free of the right migratetype
    if (!free_area_empty(area, migratetype)) return COMPACT_SUCCESS;
    if (find_suitable_fallback(area, order, migratetype) != -1) {
      // Movable pages are OK in any pageblock.
      if (migratetype == MIGRATE_MOVABLE) return COMPACT_SUCCESS;
      // Others take it only once the scanner finished a pageblock, to limit mixing.
      if (cc.mode == MIGRATE_ASYNC || (cc.migrate_pfn & (pageblock_nr_pages - 1)) == 0) return COMPACT_SUCCESS;
      return COMPACT_CONTINUE;
    }
  }
  return COMPACT_NO_SUITABLE_PAGE;
}

function compact_finished(): u32 {
  const ret = __compact_finished();
  return ret == COMPACT_NO_SUITABLE_PAGE ? COMPACT_CONTINUE : ret;
}

/**
 * Compacts cc's zone (compact_zone): isolate, migrate, repeat until
 * compact_finished, then frees the free pages left over.
 * @return the compact_result
 */
function compact_zone(): u32 {
  const z = cc_zone();
  trace_enter(FN_compact_zone, <u32>cc.order);
  // Pages still in the per-CPU LRU batch could not be isolated.
  lru_add_drain();
  INIT_LIST_HEAD(cc_freepages());
  INIT_LIST_HEAD(cc_migratepages());
  cc.nr_freepages = 0;
  cc.nr_migratepages = 0;
  cc.total_migrate_scanned = 0;
  cc.total_free_scanned = 0;
  cc.migratetype = gfp_migratetype(cc.gfp_mask);
  if (!is_via_compact_memory(cc.order)) {
    const r = compaction_suit_allocation_order(z, <u32>cc.order, cc.highest_zoneidx, cc.alloc_flags);
    if (r != COMPACT_CONTINUE) {
      trace_exit(FN_compact_zone, r);
      return r;
    }
  }
  cc.migrate_pfn = z.zone_start_pfn;
  cc.free_pfn = pageblock_start_pfn(zone_end_pfn(z) - 1);
  const sync = cc.mode != MIGRATE_ASYNC;
  trace_mm_compaction_begin(z.zone_start_pfn, cc.migrate_pfn, cc.free_pfn, zone_end_pfn(z), sync);

  let ret: u32;
  let last_migrated_pfn: u32 = 0;
  while ((ret = compact_finished()) == COMPACT_CONTINUE) {
    const iteration_start_pfn = cc.migrate_pfn;
    if (isolate_migratepages() == ISOLATE_SUCCESS) {
      last_migrated_pfn = iteration_start_pfn;
      const err = migrate_pages(cc_migratepages(), compaction_alloc);
      cc.nr_migratepages = 0;
      if (err) {
        putback_movable_pages(cc_migratepages());
        // No free page left to migrate to: stop, unless the scanners met anyway.
        if (err == -ENOMEM && !compact_scanners_met()) {
          ret = COMPACT_CONTENDED;
          break;
        }
      }
    }
    // The scanner left the order-aligned block it migrated from: free the
    // pages waiting on the per-cpu lists, so they merge and compact_finished sees them.
    if (cc.order > 0 && last_migrated_pfn) {
      const current_block_start = cc.migrate_pfn & ~((<u32>1 << <u32>cc.order) - 1);
      if (last_migrated_pfn < current_block_start) {
        drain_all_pages();
        last_migrated_pfn = 0;
      }
    }
  }
  if (cc.nr_freepages) release_freepages();
  __count_vm_events(COMPACTMIGRATE_SCANNED, cc.total_migrate_scanned);
  __count_vm_events(COMPACTFREE_SCANNED, cc.total_free_scanned);
  trace_mm_compaction_end(z.zone_start_pfn, cc.migrate_pfn, cc.free_pfn, zone_end_pfn(z), sync, ret);
  trace_exit(FN_compact_zone, ret);
  return ret;
}

/** Direct compaction of one zone for an allocation (compact_zone_order). */
function compact_zone_order(z: zone, order: u32, gfp: u32, prio: u32, alloc_flags: u32, highest_zoneidx: u32): u32 {
  cc.order = <i32>order;
  cc.gfp_mask = gfp;
  cc.zone = changetype<usize>(z);
  cc.mode = prio == COMPACT_PRIO_ASYNC ? MIGRATE_ASYNC : MIGRATE_SYNC_LIGHT;
  cc.alloc_flags = alloc_flags;
  cc.highest_zoneidx = highest_zoneidx;
  cc.direct_compaction = true;
  cc.proactive_compaction = false;
  cc.whole_zone = prio == MIN_COMPACT_PRIORITY;
  cc.ignore_block_suitable = prio == MIN_COMPACT_PRIORITY;
  return compact_zone();
}

// ─── direct compaction ─────────────────────────────────────────────────────

/**
 * Compacts the zones of the allocation's zonelist (ac, from
 * prepare_alloc_pages) until one should hold a free block of the order;
 * defers the zones where a sync run failed. @return the best compact_result
 */
export function try_to_compact_pages(gfp: u32, order: u32, alloc_flags: u32, prio: u32): u32 {
  trace_enter(FN_try_to_compact_pages, order);
  let rc = COMPACT_SKIPPED;
  // Compaction needs to be able to do I/O (as Linux requires, for writeback).
  if (!(gfp & __GFP_IO)) {
    trace_exit(FN_try_to_compact_pages, rc);
    return rc;
  }
  for (let zr = ac.zonelist; load<u32>(zr) != 0; zr += SIZEOF_ZONEREF) {
    if (zonelist_zone_idx(zr) > ac.highest_zoneidx || !zref_in_nodemask(zr, ac.nodemask)) continue;
    const z = zoneref_zone(zr);
    if (prio > MIN_COMPACT_PRIORITY && compaction_deferred(z, <i32>order)) {
      rc = max(COMPACT_DEFERRED, rc);
      continue;
    }
    const status = compact_zone_order(z, order, gfp, prio, alloc_flags, ac.highest_zoneidx);
    rc = max(status, rc);
    // The allocation should succeed, stop compacting
    if (status == COMPACT_SUCCESS) {
      // Not certain yet: the caller resets with alloc_success when it does.
      compaction_defer_reset(z, <i32>order, false);
      break;
    }
    // A sync run that went through the zone and failed: defer it.
    if (prio != COMPACT_PRIO_ASYNC && (status == COMPACT_COMPLETE || status == COMPACT_PARTIAL_SKIPPED)) {
      defer_compaction(z, <i32>order);
    }
  }
  trace_exit(FN_try_to_compact_pages, rc);
  return rc;
}

/**
 * The slow path's compaction step (page_alloc.c in Linux): compact, then
 * try the free lists again. Counts compact_stall, and compact_success or
 * compact_fail, whenever some zone was compacted. The compact_result is
 * stored at `compact_result` (a u32).
 * @return the page, or null
 */
export function __alloc_pages_direct_compact(gfp: u32, order: u32, alloc_flags: u32, prio: u32,
                                             compact_result: usize): page | null {
  if (!order) return null;
  trace_enter(FN___alloc_pages_direct_compact, order);
  const result = try_to_compact_pages(gfp, order, alloc_flags, prio);
  store<u32>(compact_result, result);
  if (result == COMPACT_SKIPPED) {
    trace_exit(FN___alloc_pages_direct_compact, TRACE_NO_PAGE);
    return null;
  }
  // At least in one zone compaction wasn't deferred or skipped, so let's count a compaction stall
  count_vm_event(COMPACTSTALL);
  const pg = get_page_from_freelist(gfp, order, alloc_flags);
  if (pg) {
    compaction_defer_reset(page_zone(pg), <i32>order, true);
    count_vm_event(COMPACTSUCCESS);
  } else {
    // The most likely reason: pages exist, but not enough to satisfy watermarks.
    count_vm_event(COMPACTFAIL);
  }
  trace_exit(FN___alloc_pages_direct_compact, pg ? page_to_pfn(pg) : TRACE_NO_PAGE);
  return pg;
}

/** Whether reclaim could make compaction suitable in some zone (compaction_zonelist_suitable). */
export function compaction_zonelist_suitable(order: u32, alloc_flags: u32): bool {
  for (let zr = ac.zonelist; load<u32>(zr) != 0; zr += SIZEOF_ZONEREF) {
    if (zonelist_zone_idx(zr) > ac.highest_zoneidx || !zref_in_nodemask(zr, ac.nodemask)) continue;
    const z = zoneref_zone(zr);
    // Not all the reclaimable memory: no thrashing for one high-order allocation.
    const available = zone_reclaimable_pages(z) / order + zone_page_state(z, NR_FREE_PAGES);
    if (__compaction_suitable(z, order, ac.highest_zoneidx, available)) return true;
  }
  return false;
}

/**
 * After a failed direct compaction: retry it? On success (the page went to
 * another allocation) up to MAX_COMPACT_RETRIES times (a quarter for costly
 * orders); on failure with a more thorough priority, down to the
 * minimum. The priority and the retry count are u32s at the addresses given.
 */
export function should_compact_retry(order: u32, alloc_flags: u32, compact_result: u32,
                                     compact_priority: usize, compaction_retries: usize): bool {
  if (!order) return false;
  // Skipped for lack of free order-0 pages: only reclaim can help.
  if (compact_result == COMPACT_SKIPPED) return compaction_zonelist_suitable(order, alloc_flags);
  if (compact_result == COMPACT_SUCCESS) {
    let max_retries = MAX_COMPACT_RETRIES;
    if (order > PAGE_ALLOC_COSTLY_ORDER) max_retries /= 4;
    const retries = load<u32>(compaction_retries) + 1;
    store<u32>(compaction_retries, retries);
    if (retries <= max_retries) return true;
  }
  // Compaction failed. Retry with increasing priority.
  const min_priority = order > PAGE_ALLOC_COSTLY_ORDER ? MIN_COMPACT_COSTLY_PRIORITY : MIN_COMPACT_PRIORITY;
  const priority = load<u32>(compact_priority);
  if (priority > min_priority) {
    store<u32>(compact_priority, priority - 1);
    store<u32>(compaction_retries, 0);
    return true;
  }
  return false;
}

// ─── proactive compaction ──────────────────────────────────────────────────

/** The zone's external fragmentation for a huge page, 0..100 (fragmentation_score_zone). */
function fragmentation_score_zone(z: zone): u32 {
  return extfrag_for_order(z, COMPACTION_HPAGE_ORDER);
}

/**
 * The zone's score scaled by its share of the node's pages, so that a
 * small zone (DMA) barely counts (fragmentation_score_zone_weighted).
 */
function fragmentation_score_zone_weighted(z: zone): u32 {
  const pgdat = changetype<pglist_data>(z.zone_pgdat);
  return <u32>(<u64>z.present_pages * fragmentation_score_zone(z) / (<u64>pgdat.node_present_pages + 1));
}

/** The node's fragmentation score, 0..100: its zones' weighted scores summed (fragmentation_score_node). */
export function fragmentation_score_node(pgdat: pglist_data): u32 {
  let score: u32 = 0;
  for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) {
    const z = node_zone(pgdat, zid);
    if (!z.present_pages) continue;
    score += fragmentation_score_zone_weighted(z);
  }
  return score;
}

/**
 * The score a round brings a zone down to (`low`: 100 - proactiveness, at
 * least 5, so 100 does not compact for ever), or the node's score above
 * which a round starts (10 more) (fragmentation_score_wmark).
 */
function fragmentation_score_wmark(low: bool): u32 {
  const wmark_low = max<u32>(100 - sysctl_compaction_proactiveness, 5);
  return low ? wmark_low : min<u32>(wmark_low + 10, 100);
}

/** A proactive round is due: it is on, kswapd is not reclaiming, and the node's score is above the high mark (should_proactive_compact_node). */
function should_proactive_compact_node(pgdat: pglist_data): bool {
  if (!sysctl_compaction_proactiveness || kswapd_is_running(pgdat)) return false;
  return fragmentation_score_node(pgdat) > fragmentation_score_wmark(false);
}

/**
 * Writes vm.compaction_proactiveness; a nonzero value asks every node's
 * kcompactd for a round at once (compaction_proactiveness_sysctl_handler).
 * @return 0, or -EINVAL above 100
 */
export function set_compaction_proactiveness(v: u32): i32 {
  if (v > 100) return -22;
  sysctl_compaction_proactiveness = v;
  if (!v) return 0;
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
    const pgdat = NODE_DATA(nid);
    if (proactive_compact_trigger(pgdat)) continue;
    set_proactive_compact_trigger(pgdat, 1);
    trace_mm_compaction_wakeup_kcompactd(nid, -1, pgdat.nr_zones - 1);
    store<u8>(kcompactd_woken + nid, 1);
    resched_curr();
  }
  return 0;
}

// ─── kcompactd ─────────────────────────────────────────────────────────────
//
// Linux's kcompactd is a loop that waits on pgdat->kcompactd_wait until its
// condition holds (kcompactd_work_requested: an order asked for, or a
// proactive round triggered) when woken, or until a timeout passes
// (HPAGE_FRAG_CHECK_INTERVAL_MSEC; 64 times that after a round that did
// not lower the score; none while proactiveness is 0). Here the host's
// scheduler times the wait and runs one turn of the loop, kcompactd(nid,
// timed_out), between guest quanta; the wait's state is kept per node.

/** Per node: a wake_up of kcompactd_wait found the condition true, so its next turn runs. */
const kcompactd_woken: usize = memory.data(<i32>MAX_NUMNODES);
/** Per node: pgdat->proactive_compact_trigger, a write of vm.compaction_proactiveness asked for a round. */
const proactive_compact_triggers: usize = memory.data(<i32>MAX_NUMNODES);
@inline function proactive_compact_trigger(pgdat: pglist_data): bool {
  return load<u8>(proactive_compact_triggers + pgdat.node_id) != 0;
}
@inline function set_proactive_compact_trigger(pgdat: pglist_data, v: u8): void {
  store<u8>(proactive_compact_triggers + pgdat.node_id, v);
}
/** Per node: the timeout of kcompactd's wait, in milliseconds; 0 is MAX_SCHEDULE_TIMEOUT. */
const kcompactd_timeouts: usize = memory.data(<i32>MAX_NUMNODES * 4, 4);

/** Starts the node's kcompactd in its wait (kcompactd_run, and the thread's start). */
export function kcompactd_run(nid: u32): void {
  const pgdat = NODE_DATA(nid);
  pgdat.kcompactd_max_order = 0;
  pgdat.kcompactd_highest_zoneidx = pgdat.nr_zones - 1;
  set_proactive_compact_trigger(pgdat, 0);
  kcompactd_wait(pgdat, HPAGE_FRAG_CHECK_INTERVAL_MSEC);
}

/** The condition of kcompactd's wait (kcompactd_work_requested). */
@inline function kcompactd_work_requested(pgdat: pglist_data): bool {
  return pgdat.kcompactd_max_order > 0 || proactive_compact_trigger(pgdat);
}

/**
 * The top of kcompactd's loop: no timeout while proactive compaction is
 * off, then the wait, which ends at once if its condition holds already.
 */
function kcompactd_wait(pgdat: pglist_data, timeout: u32): void {
  if (!sysctl_compaction_proactiveness) timeout = 0;
  trace_mm_compaction_kcompactd_sleep(pgdat.node_id);
  store<u32>(kcompactd_timeouts + (<usize>pgdat.node_id << 2), timeout);
  if (kcompactd_work_requested(pgdat)) store<u8>(kcompactd_woken + pgdat.node_id, 1);
}

/** The timeout of node `nid`'s kcompactd wait, in milliseconds (0: none), for the host to time. */
export function kcompactd_timeout(nid: u32): u32 {
  return load<u32>(kcompactd_timeouts + (<usize>nid << 2));
}

/** Whether some zone up to the wanted one can be compacted for the wanted order (kcompactd_node_suitable). */
function kcompactd_node_suitable(pgdat: pglist_data): bool {
  const highest_zoneidx = pgdat.kcompactd_highest_zoneidx;
  for (let zid: u32 = 0; zid <= highest_zoneidx; zid++) {
    const z = node_zone(pgdat, zid);
    if (!z.present_pages) continue;
    if (compaction_suit_allocation_order(z, pgdat.kcompactd_max_order, highest_zoneidx, ALLOC_WMARK_MIN) == COMPACT_CONTINUE) {
      return true;
    }
  }
  return false;
}

/**
 * Asks the node's kcompactd for blocks of `order` from zones up to
 * highest_zoneidx (wakeup_kcompactd; kswapd calls it before it sleeps).
 */
export function wakeup_kcompactd(pgdat: pglist_data, order: u32, highest_zoneidx: u32): void {
  if (!order) return;
  if (pgdat.kcompactd_max_order < order) pgdat.kcompactd_max_order = order;
  if (pgdat.kcompactd_highest_zoneidx > highest_zoneidx) pgdat.kcompactd_highest_zoneidx = highest_zoneidx;
  if (!kcompactd_node_suitable(pgdat)) return;
  trace_mm_compaction_wakeup_kcompactd(pgdat.node_id, order, highest_zoneidx);
  store<u8>(kcompactd_woken + pgdat.node_id, 1);
  resched_curr();
}

/** The host's (and its tests') wakeup_kcompactd of node 0, as kswapd would call it. */
export function abi_wakeup_kcompactd(order: u32, highest_zoneidx: u32): void {
  if (highest_zoneidx >= MAX_NR_ZONES) return;
  wakeup_kcompactd(NODE_DATA(0), order, highest_zoneidx);
}

/** kcompactd's work: compacts each suitable zone for the wanted order (kcompactd_do_work). */
function kcompactd_do_work(pgdat: pglist_data): void {
  const order = pgdat.kcompactd_max_order;
  const highest_zoneidx = pgdat.kcompactd_highest_zoneidx;
  trace_enter(FN_kcompactd_do_work, order);
  trace_mm_compaction_kcompactd_wake(pgdat.node_id, order, highest_zoneidx);
  count_vm_event(KCOMPACTD_WAKE);
  for (let zid: u32 = 0; zid <= highest_zoneidx; zid++) {
    const z = node_zone(pgdat, zid);
    if (!z.present_pages) continue;
    if (compaction_deferred(z, <i32>order)) continue;
    if (compaction_suit_allocation_order(z, order, zid, ALLOC_WMARK_MIN) != COMPACT_CONTINUE) continue;
    cc.order = <i32>order;
    cc.gfp_mask = GFP_KERNEL;
    cc.zone = changetype<usize>(z);
    cc.mode = MIGRATE_SYNC_LIGHT;
    cc.alloc_flags = ALLOC_WMARK_MIN;
    cc.highest_zoneidx = highest_zoneidx;
    cc.direct_compaction = false;
    cc.proactive_compaction = false;
    cc.whole_zone = false;
    cc.ignore_block_suitable = false;
    const status = compact_zone();
    if (status == COMPACT_SUCCESS) {
      compaction_defer_reset(z, <i32>order, false);
    } else if (status == COMPACT_PARTIAL_SKIPPED || status == COMPACT_COMPLETE) {
      // Free pages stranded on the per-cpu lists could merge; the deferral rate-limits this.
      drain_all_pages();
      defer_compaction(z, <i32>order);
    }
    __count_vm_events(KCOMPACTD_MIGRATE_SCANNED, cc.total_migrate_scanned);
    __count_vm_events(KCOMPACTD_FREE_SCANNED, cc.total_free_scanned);
  }
  // Done until woken again; a wakeup for more meanwhile is kept.
  if (pgdat.kcompactd_max_order <= order) pgdat.kcompactd_max_order = 0;
  if (pgdat.kcompactd_highest_zoneidx >= highest_zoneidx) pgdat.kcompactd_highest_zoneidx = pgdat.nr_zones - 1;
  trace_exit(FN_kcompactd_do_work, 0);
}

/**
 * One turn of node `nid`'s kcompactd thread (its loop in kcompactd()),
 * which the host's scheduler runs between guest quanta: when woken with
 * its condition true, or when its wait's timeout passed (`timed_out`), it
 * does the work asked for (kcompactd_do_work) or else a proactive round if
 * one is due, then waits again. @return 0 if it could not run; 1 if it
 * ran and compacted nothing; 2 if it compacted
 */
export function kcompactd(nid: u32, timed_out: u32): u32 {
  const pgdat = NODE_DATA(nid);
  const woken = load<u8>(kcompactd_woken + nid) != 0;
  store<u8>(kcompactd_woken + nid, 0);
  const requested = kcompactd_work_requested(pgdat);
  if (!(woken && requested) && !timed_out) return 0;
  if (requested && !proactive_compact_trigger(pgdat)) {
    kcompactd_do_work(pgdat);
    // The defer timeout from proactive compaction is lost here, as in Linux.
    kcompactd_wait(pgdat, HPAGE_FRAG_CHECK_INTERVAL_MSEC);
    return 2;
  }
  let timeout = HPAGE_FRAG_CHECK_INTERVAL_MSEC;
  let ran: u32 = 1;
  if (should_proactive_compact_node(pgdat)) {
    const prev_score = fragmentation_score_node(pgdat);
    compact_node(pgdat, true);
    const score = fragmentation_score_node(pgdat);
    // No progress: defer the next round.
    if (score >= prev_score) timeout = HPAGE_FRAG_CHECK_INTERVAL_MSEC << COMPACT_MAX_DEFER_SHIFT;
    ran = 2;
  }
  set_proactive_compact_trigger(pgdat, 0);
  kcompactd_wait(pgdat, timeout);
  return ran;
}

// ─── compact_node ──────────────────────────────────────────────────────────

/**
 * Compacts every populated zone of the node whole (compact_node):
 * synchronously to the end for compact_memory; as kcompactd's proactive
 * round (`proactive`), each zone until its score is low enough, counted as
 * kcompactd's scanning.
 */
function compact_node(pgdat: pglist_data, proactive: bool): void {
  trace_enter(FN_compact_node, pgdat.node_id);
  for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) {
    const z = node_zone(pgdat, zid);
    if (!z.present_pages) continue;
    cc.order = -1;
    cc.gfp_mask = GFP_KERNEL;
    cc.zone = changetype<usize>(z);
    cc.mode = proactive ? MIGRATE_SYNC_LIGHT : MIGRATE_SYNC;
    cc.alloc_flags = 0;
    cc.highest_zoneidx = zid;
    cc.direct_compaction = false;
    cc.proactive_compaction = proactive;
    cc.whole_zone = true;
    cc.ignore_block_suitable = false;
    compact_zone();
    if (proactive) {
      __count_vm_events(KCOMPACTD_MIGRATE_SCANNED, cc.total_migrate_scanned);
      __count_vm_events(KCOMPACTD_FREE_SCANNED, cc.total_free_scanned);
    }
  }
  trace_exit(FN_compact_node, 0);
}

/** A write to /proc/sys/vm/compact_memory: compacts every node (sysctl_compaction_handler). @return 0 */
export function compact_memory(): i32 {
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) compact_node(NODE_DATA(nid), false);
  return 0;
}

/** Writes /proc/sys/vm/extfrag_threshold. @return 0, or -EINVAL outside 0..1000 */
export function set_extfrag_threshold(v: i32): i32 {
  if (v < 0 || v > 1000) return -22;
  sysctl_extfrag_threshold = v;
  return 0;
}

/**
 * For the host and its tests: an allocation of 2^order pages whose fast
 * path failed, as the slow path runs compaction for it: direct compaction
 * at INIT_COMPACT_PRIORITY, then again while should_compact_retry says so.
 * @return the pfn, or -1 - the last compact_result
 */
export function alloc_pages_compact(gfp: u32, order: u32): i32 {
  if (order >= MAX_ORDER || !prepare_alloc_pages(gfp, order, numa_node_id(), 0)) return -1 - <i32>COMPACT_SKIPPED;
  const alloc_flags = gfp_to_alloc_flags(gfp);
  const state = memory.data(12, 4);   // compact_result, compact_priority, compaction_retries
  store<u32>(state, COMPACT_SKIPPED);
  store<u32>(state, INIT_COMPACT_PRIORITY, 4);
  store<u32>(state, 0, 8);
  let pg = get_page_from_freelist(gfp, order, alloc_flags);
  while (pg === null) {
    pg = __alloc_pages_direct_compact(gfp, order, alloc_flags, load<u32>(state, 4), state);
    // Skipped for lack of order-0 pages: reclaim would have to run first.
    if (pg !== null || load<u32>(state) == COMPACT_SKIPPED) break;
    if (!should_compact_retry(order, alloc_flags, load<u32>(state), state + 4, state + 8)) break;
  }
  return pg !== null ? <i32>page_to_pfn(pg) : -1 - <i32>load<u32>(state);
}
