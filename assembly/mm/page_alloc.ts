// mm/page_alloc.c: the zoned buddy allocator, following the seed
// (../shared/seed/alloc_page.md, items 8-15) function by function.
//
// Free memory is kept in each zone's free_area[order].free_list[migratetype];
// a free block is 2^order pages whose head page has PG_buddy and its order in
// private_. Two blocks are buddies when their pfns differ only in bit
// `order`: merging finds the buddy as pfn ^ (1 << order) and never needs
// addresses. Orders 0..PAGE_ALLOC_COSTLY_ORDER go through the per-cpu lists
// (one CPU here), refilled `batch` pages at a time and drained above `high`.
//
// When the fast path finds every zone below its low watermark, the slow
// path wakes kswapd, retries at the min watermark, reclaims directly
// (mm/vmscan.ts) while that makes progress, and calls the OOM killer only
// when reclaim has failed. Compaction (mm/compaction.ts) takes free blocks
// through __isolate_free_page.
//
// With several nodes an allocation walks its preferred node's zonelist
// (zones in distance order), skipping nodes outside its nodemask, and
// zone_statistics counts where it landed against where it wanted to be.
//
// Not here, and why: CMA, memory isolation, highatomic reserves.

import {
  page, PAGE_SIZE, SIZEOF_PAGE, PG_buddy, PG_pcp, PG_head, PG_tail, PG_reserved, PG_locked,
  PG_slab, PG_pgtable, PG_zeroed, PAGE_MAPPING_ANON,
} from "./mm_types";
import {
  MAX_ORDER, pageblock_order, pageblock_nr_pages,
  MIGRATE_UNMOVABLE, MIGRATE_MOVABLE, MIGRATE_RECLAIMABLE, MIGRATE_PCPTYPES, MIGRATE_TYPES,
  NR_PCP_LISTS, NR_FREE_PAGES, WMARK_MIN, WMARK_LOW, WMARK_HIGH, ZONE_NORMAL, ZONE_WATERMARK, ZONE_BOOSTED_WATERMARK,
  zone, free_area, per_cpu_pages, zone_free_area, free_list, free_area_empty, zone_pcp, pcp_list,
  order_to_pindex, pindex_to_order, pcp_allowed_order, wmark_pages, lowmem_reserve,
  list_add, list_add_tail, list_del, list_empty, lru_to_page, page_lru,
  pfn_to_page, page_to_pfn, page_address, pfn_valid, nth_page, memmap_copy, page_zone, page_zonenum,
  zone_spans_pfn, zone_end_pfn,
  node_zonelist, zoneref_zone, zonelist_zone_idx, SIZEOF_ZONEREF, zref_in_nodemask, zone_to_nid, zone_numa_event,
  nr_online_nodes, NUMA_HIT, NUMA_MISS, NUMA_FOREIGN, NUMA_LOCAL, NUMA_OTHER,
  get_pfnblock_migratetype, get_pageblock_migratetype, set_pageblock_migratetype,
  page_group_by_mobility_disabled, NODE_DATA, node_zone, MAX_NR_ZONES, pglist_data,
} from "./mmzone";
import {
  gfp_zone, gfp_migratetype, GFP_ZONEMASK, GFP_MOVABLE_MASK, __GFP_ZERO, __GFP_COMP, __GFP_NOWARN, __GFP_HIGH,
  __GFP_ATOMIC, __GFP_KSWAPD_RECLAIM, __GFP_NOMEMALLOC, __GFP_MEMALLOC,
  __GFP_DIRECT_RECLAIM, __GFP_NORETRY, __GFP_RETRY_MAYFAIL, __GFP_NOFAIL, __GFP_THISNODE,
} from "./gfp";
import { PAGE_ALLOC_COSTLY_ORDER, min_wmark_pages } from "./mmzone";
import { PG_lru } from "./mm_types";
import { __page_cache_release } from "./swap";
import {
  try_to_free_pages, wakeup_kswapd, zone_reclaimable_pages, in_reclaim, MAX_RECLAIM_RETRIES,
  node_reclaim, node_reclaim_enabled, NODE_RECLAIM_NOSCAN, NODE_RECLAIM_FULL,
} from "./vmscan";
import { out_of_memory, oom_victim_current } from "./oom_kill";
import {
  __alloc_pages_direct_compact, should_compact_retry, COMPACT_SKIPPED, COMPACT_DEFERRED, INIT_COMPACT_PRIORITY,
} from "./compaction";
import { current_mm } from "./mmap";
import { numa_node_id, __node_distance } from "../arch/x86/mm/numa";
import { RECLAIM_DISTANCE } from "../include/numa";
import { alloc_pages } from "./mempolicy";
import { PGALLOC, PGFREE, __count_vm_events, __count_zid_vm_events, mod_zone_page_state, zone_page_state } from "./vmstat";
import { VM_BUG_ON_PAGE, bad_page, check_zeroed_page } from "./debug";
import { printk, printk_u64, printk_hex } from "../kernel/panic";
import { ratelimit_state, ___ratelimit, DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST } from "../lib/ratelimit";
import {
  tracing, trace_enter, trace_exit, TRACE_NO_PAGE, FN___alloc_pages, FN_get_page_from_freelist, FN_rmqueue,
  FN___rmqueue, FN___rmqueue_smallest, FN_get_page_from_free_area, FN_expand,
  FN___rmqueue_fallback, FN_rmqueue_pcplist, FN_rmqueue_bulk, FN_prep_new_page,
  FN___alloc_pages_slowpath, FN___free_pages, FN_free_unref_page, FN_free_pcppages_bulk,
  FN___free_one_page, FN_wake_all_kswapds, FN___alloc_pages_direct_reclaim, FN_should_reclaim_retry,
  FN___alloc_pages_may_oom,
} from "../kernel/trace";

// The alloc_flags (mm/internal.h). ALLOC_HIGH == __GFP_HIGH and
// ALLOC_KSWAPD == __GFP_KSWAPD_RECLAIM, as Linux arranges, to save branches.
@inline export const ALLOC_WMARK_MIN: u32 = WMARK_MIN;
@inline export const ALLOC_WMARK_LOW: u32 = 1;
@inline export const ALLOC_WMARK_HIGH: u32 = 2;
@inline export const ALLOC_NO_WATERMARKS: u32 = 0x04;
@inline export const ALLOC_WMARK_MASK: u32 = ALLOC_NO_WATERMARKS - 1;
@inline export const ALLOC_OOM: u32 = 0x08;
@inline export const ALLOC_HARDER: u32 = 0x10;
@inline export const ALLOC_HIGH: u32 = 0x20;
@inline export const ALLOC_CPUSET: u32 = 0x40;
@inline export const ALLOC_NOFRAGMENT: u32 = 0x100;
@inline export const ALLOC_KSWAPD: u32 = 0x800;

// Flags checked when a page is freed and cleared when it is prepared.
@inline const PAGE_FLAGS_CHECK_AT_FREE: u32 =
  PG_locked | PG_reserved | PG_buddy | PG_pcp | PG_slab | PG_pgtable | PG_head | PG_tail;
@inline const PAGE_FLAGS_CHECK_AT_PREP: u32 = 0x00ffffff;

/**
 * struct alloc_context: what prepare_alloc_pages works out once per
 * allocation. `ac` points at the current one (Linux passes it down as
 * const *ac): on one node a cached context, never written after it is
 * filled; on several nodes ac_numa, filled per allocation. Static, as
 * the allocator never re-enters itself.
 */
@unmanaged
export class alloc_context {
  zonelist: usize;
  preferred_zoneref: usize;   // first zoneref with zone_idx <= highest_zoneidx
  migratetype: u32;
  highest_zoneidx: u32;
  nodemask: u64;              // the nodes allowed, 0 = no mask (NULL): every node
}
const ac_numa = changetype<alloc_context>(memory.data(offsetof<alloc_context>(), 8));
export let ac: alloc_context = ac_numa;

// ---------------------------------------------------------------------------
// Free-list helpers

@inline function buddy_order(p: page): u32 { return p.private_; }

@inline function set_buddy_order(p: page, order: u32): void {
  p.private_ = <u16>order;
  p.flags |= PG_buddy;
}

@inline function add_to_free_list(p: page, z: zone, order: u32, migratetype: u32): void {
  const area = zone_free_area(z, order);
  list_add(page_lru(p), free_list(area, migratetype));
  area.nr_free++;
}

// Used for pages not likely to be allocated soon (boot, probable merges).
@inline function add_to_free_list_tail(p: page, z: zone, order: u32, migratetype: u32): void {
  const area = zone_free_area(z, order);
  list_add_tail(page_lru(p), free_list(area, migratetype));
  area.nr_free++;
}

@inline function move_to_free_list(p: page, z: zone, order: u32, migratetype: u32): void {
  list_del(page_lru(p));
  list_add_tail(page_lru(p), free_list(zone_free_area(z, order), migratetype));
}

@inline function del_page_from_free_list(p: page, z: zone, order: u32): void {
  list_del(page_lru(p));
  p.flags &= ~PG_buddy;
  p.private_ = 0;
  zone_free_area(z, order).nr_free--;
}

@inline function __mod_zone_freepage_state(z: zone, nr_pages: i32): void {
  mod_zone_page_state(z, NR_FREE_PAGES, <i64>nr_pages);
}

@inline function __find_buddy_pfn(pfn: u32, order: u32): u32 {
  return pfn ^ (1 << order);
}

/** Is `buddy` the free buddy of `p` at this order, in the same zone? */
@inline function page_is_buddy(p: page, buddy: page, order: u32): bool {
  return (buddy.flags & PG_buddy) != 0 && buddy.private_ == order
    && page_zonenum(buddy) == page_zonenum(p);
}

// The pcp migratetype of a page on (or bound for) a per-cpu list, kept in
// page->index as Linux keeps it; private_ holds the block's order meanwhile.
@inline function get_pcppage_migratetype(p: page): u32 { return <u32>p.index; }
@inline function set_pcppage_migratetype(p: page, migratetype: u32): void {
  p.index = migratetype;
}

/** compound_head: a tail page points at its head (lru.next | 1), as in Linux. */
@inline export function compound_head(p: page): page {
  const head = p.lru_next;
  return (head & 1) ? changetype<page>(<usize>(head - 1)) : p;
}
/** The order of a compound page, kept in its first tail page (Linux: page[1]). */
@inline export function compound_order(head: page): u32 {
  return (head.flags & PG_head) ? <u32>nth_page(head, 1).private_ : 0;
}

// ---------------------------------------------------------------------------
// The allocation path (seed items 8-15)

/**
 * The 'heart' of the zoned buddy allocator (seed 8): an order-0 request
 * the preferred zone's per-cpu list can serve takes its page there and
 * then (rmqueue_pcplist_fastpath); any other goes the whole way.
 * @return the head page of 2^order free pages, or null.
 */
export function __alloc_pages(gfp: u32, order: u32, preferred_nid: u32, nodemask: u64): page | null {
  if (order == 0) {
    const page = rmqueue_pcplist_fastpath(gfp);
    if (page) {
      prep_new_page(page, 0, gfp, ALLOC_WMARK_LOW);
      return page;
    }
  }
  return ___alloc_pages(gfp, order, preferred_nid, nodemask);
}

/** __alloc_pages the whole way: the zonelist walk, then the slow path. */
function ___alloc_pages(gfp: u32, order: u32, preferred_nid: u32, nodemask: u64): page | null {
  trace_enter(FN___alloc_pages, order);
  if (order >= MAX_ORDER) {
    if (!(gfp & __GFP_NOWARN)) {
      printk("__alloc_pages: order ");
      printk_u64(order);
      printk(" >= MAX_ORDER\n");
    }
    trace_exit(FN___alloc_pages, TRACE_NO_PAGE);
    return null;
  }
  let alloc_flags = ALLOC_WMARK_LOW;
  if (!prepare_alloc_pages(gfp, order, preferred_nid, nodemask)) {
    trace_exit(FN___alloc_pages, TRACE_NO_PAGE);
    return null;
  }
  // Forbid the first pass from falling back to types that fragment memory.
  alloc_flags |= alloc_flags_nofragment(zoneref_zone(ac.preferred_zoneref), gfp);

  // Order 0 (every fault's page) walks its own inlined copy with the order
  // a constant, which folds the high-order checks away.
  let page = order == 0 ? get_page_from_freelist(gfp, 0, alloc_flags) : get_page_from_freelist(gfp, order, alloc_flags);
  if (!page) page = __alloc_pages_slowpath(gfp, order);
  trace_exit(FN___alloc_pages, page ? page_to_pfn(page) : TRACE_NO_PAGE);
  return page;
}

/**
 * The order-0 fast path, as Linux's __alloc_pages_bulk takes its pages: on
 * one node, with the gfp mask's context cached, the preferred zone above
 * its low watermark and a page on its per-cpu list, that page is taken as
 * get_page_from_freelist would take it. Everything is checked before
 * anything changes, so any other case, and tracing (whose events are the
 * whole way's), goes the whole way with nothing to undo. No calls: V8 has
 * no callee-saved registers, and a call on the way would put every value
 * it outlives on the stack, even where it is not made.
 */
@inline function rmqueue_pcplist_fastpath(gfp: u32): page | null {
  if (nr_online_nodes > 1 || tracing()) return null;
  const c = changetype<alloc_context>(ac_cache + <usize>(gfp & AC_CACHE_MASK) * offsetof<alloc_context>());
  if (!c.zonelist) return null;
  const zone = zoneref_zone(c.preferred_zoneref);
  // No zone, or a boosted watermark that rmqueue would have kswapd reclaim.
  if (!zone || (zone.flags & ZONE_BOOSTED_WATERMARK)) return null;
  // zone_watermark_fast's order-0 test, at the low watermark.
  const free_pages = <i64>zone_page_state(zone, NR_FREE_PAGES);
  if (free_pages <= <i64>wmark_pages(zone, WMARK_LOW) + <i64>lowmem_reserve(zone, c.highest_zoneidx)) return null;
  const pcp = zone_pcp(zone);
  const list = pcp_list(pcp, order_to_pindex(c.migratetype, 0));
  if (list_empty(list)) return null;
  // From here as __rmqueue_pcplist, rmqueue_pcplist and prep_new_page.
  const page = pcp_list_take(pcp, list, 0);
  // A bad page stays off the lists (debug builds), and the full path takes the next.
  if (check_new_pages(page, 0)) return null;
  ac = c;
  pcp.free_factor >>= 1;
  __count_zid_vm_events(PGALLOC, zone.zone_idx, 1);
  return page;
}

/** __alloc_pages_node: node nid's zonelist, no nodemask. */
@inline export function __alloc_pages_node(nid: u32, gfp: u32, order: u32): page | null {
  return __alloc_pages(gfp, order, nid, 0);
}

/** gfp -> highest zone index, zonelist, migratetype, in `ac`; false for forbidden zone bits or no usable zone. */
@inline export function prepare_alloc_pages(gfp: u32, order: u32, preferred_nid: u32, nodemask: u64): bool {
  if (nr_online_nodes > 1) return prepare_alloc_pages_numa(gfp, preferred_nid, nodemask);
  // One node: worked out once per value of the gfp bits it reads, as the
  // zonelist and mobility grouping are fixed at boot.
  const cached = changetype<alloc_context>(ac_cache + <usize>(gfp & AC_CACHE_MASK) * offsetof<alloc_context>());
  if (!cached.zonelist && !fill_alloc_context(cached, gfp)) return false;
  ac = cached;
  return load<u32>(cached.preferred_zoneref) != 0;
}

/**
 * first_zones_zonelist: the first zone at or below highest_zoneidx whose
 * node is in the nodemask (the list's end when none is).
 */
export function first_zones_zonelist(zonelist: usize, highest_zoneidx: u32, nodemask: u64): usize {
  let z = zonelist;
  while (load<u32>(z) != 0 && (zonelist_zone_idx(z) > highest_zoneidx || !zref_in_nodemask(z, nodemask))) z += SIZEOF_ZONEREF;
  return z;
}

/** The zoneref from z on that the walk may use: z itself, without a nodemask, when its zone is low enough. */
@inline function next_zones_zonelist(z: usize, highest_zoneidx: u32, nodemask: u64): usize {
  if (!nodemask && zonelist_zone_idx(z) <= highest_zoneidx) return z;
  return first_zones_zonelist(z, highest_zoneidx, nodemask);
}

/** prepare_alloc_pages on several nodes: the preferred node's zonelist (its own zones only for __GFP_THISNODE). */
function prepare_alloc_pages_numa(gfp: u32, preferred_nid: u32, nodemask: u64): bool {
  const highest = gfp_zone(gfp);
  if (highest < 0) return false;
  const c = ac_numa;
  c.highest_zoneidx = <u32>highest;
  c.zonelist = node_zonelist(preferred_nid, gfp);
  c.nodemask = nodemask;
  c.migratetype = gfp_migratetype(gfp);
  c.preferred_zoneref = first_zones_zonelist(c.zonelist, c.highest_zoneidx, nodemask);
  ac = c;
  return load<u32>(c.preferred_zoneref) != 0;
}

// prepare_alloc_pages's results, by the gfp bits gfp_zone and gfp_migratetype read.
@inline const AC_CACHE_MASK: u32 = GFP_ZONEMASK | GFP_MOVABLE_MASK;
const ac_cache = memory.data(<i32>((AC_CACHE_MASK + 1) * offsetof<alloc_context>()), 8);

/** @return false, and nothing cached, for forbidden zone bits. */
function fill_alloc_context(c: alloc_context, gfp: u32): bool {
  const highest = gfp_zone(gfp);
  if (highest < 0) return false;
  c.highest_zoneidx = <u32>highest;
  c.migratetype = gfp_migratetype(gfp);
  // first_zones_zonelist: the preferred zone starts the walk.
  c.zonelist = node_zonelist(0, 0);
  c.preferred_zoneref = first_zones_zonelist(c.zonelist, c.highest_zoneidx, 0);
  return true;
}

/**
 * ALLOC_NOFRAGMENT when the preferred zone is ZONE_NORMAL and DMA32 sits
 * below it: then an allocation falls back to DMA32 before it fragments
 * Normal. On the RAM sizes here DMA32 is the preferred zone: never set.
 */
@inline function alloc_flags_nofragment(z: zone, gfp: u32): u32 {
  let alloc_flags = gfp & __GFP_KSWAPD_RECLAIM;   // == ALLOC_KSWAPD
  if (z.zone_idx != ZONE_NORMAL) return alloc_flags;
  return alloc_flags | ALLOC_NOFRAGMENT;
}

/** Walks the zonelist for a zone above its watermark, and takes pages from it (seed 9). */
@inline export function get_page_from_freelist(gfp: u32, order: u32, alloc_flags: u32): page | null {
  trace_enter(FN_get_page_from_freelist, order);
  // The walk does not change the context (Linux's const *ac): its fields
  // are read where used, which keeps them out of V8's spill slots.
  const c = ac;
  const preferred_zone = zoneref_zone(c.preferred_zoneref);
  while (true) {
    // for_next_zone_zonelist_nodemask: the preferred zoneref was found usable by first_zones_zonelist.
    for (let z = c.preferred_zoneref; load<u32>(z) != 0; z = next_zones_zonelist(z + SIZEOF_ZONEREF, c.highest_zoneidx, c.nodemask)) {
      const zone = zoneref_zone(z);
      // Moving to a remote node: locality matters more than avoiding
      // fragmentation, so start again allowing fragmenting fallbacks.
      if (alloc_flags & ALLOC_NOFRAGMENT) {
        if (zone != preferred_zone && nr_online_nodes > 1 && zone_to_nid(zone) != zone_to_nid(preferred_zone)) break;
      }
      if (!(alloc_flags & ALLOC_NO_WATERMARKS)) {
        const mark = wmark_pages(zone, alloc_flags & ALLOC_WMARK_MASK);
        if (!zone_watermark_fast(zone, order, mark, c.highest_zoneidx, alloc_flags, gfp)) {
          // zone_reclaim_mode: reclaim the zone's node before moving on, if it is near enough.
          if (!node_reclaim_enabled() || !zone_allows_reclaim(preferred_zone, zone)) continue;
          const ret = node_reclaim(changetype<pglist_data>(zone.zone_pgdat), gfp, order);
          if (ret == NODE_RECLAIM_NOSCAN || ret == NODE_RECLAIM_FULL) continue;
          // Did it reclaim enough?
          if (!__zone_watermark_ok(zone, order, mark, c.highest_zoneidx, alloc_flags, <i64>zone_page_state(zone, NR_FREE_PAGES))) continue;
        }
      }
      const page = rmqueue(preferred_zone, zone, order, gfp, alloc_flags, c.migratetype);
      if (page) {
        prep_new_page(page, order, gfp, alloc_flags);
        trace_exit(FN_get_page_from_freelist, page_to_pfn(page));
        return page;
      }
    }
    // All zones fragmented: allow fragmenting fallbacks and try again.
    if (!(alloc_flags & ALLOC_NOFRAGMENT)) break;
    alloc_flags &= ~ALLOC_NOFRAGMENT;
  }
  trace_exit(FN_get_page_from_freelist, TRACE_NO_PAGE);
  return null;
}

/** Node reclaim only on nodes as near as this to the allocation's (node_reclaim_distance). */
@inline function zone_allows_reclaim(local_zone: zone, z: zone): bool {
  return __node_distance(zone_to_nid(local_zone), zone_to_nid(z)) <= RECLAIM_DISTANCE;
}

/**
 * Is the zone's free memory above `mark` plus the reserve kept from
 * allocations that could have used a higher zone (lowmem_reserve), with at
 * least one free block of a usable order? ALLOC_HIGH and ALLOC_HARDER dip
 * below the mark, as in Linux.
 */
@inline export function __zone_watermark_ok(z: zone, order: u32, mark: u32, highest_zoneidx: u32,
                                    alloc_flags: u32, free_pages: i64): bool {
  let min = <i64>mark;
  const alloc_harder = (alloc_flags & (ALLOC_HARDER | ALLOC_OOM)) != 0;
  // free_pages may go negative - that's OK
  free_pages -= (<i64>1 << order) - 1;
  if (alloc_flags & ALLOC_HIGH) min -= min / 2;
  if (alloc_harder) {
    if (alloc_flags & ALLOC_OOM) min -= min / 2;
    else min -= min / 4;
  }
  if (free_pages <= min + <i64>lowmem_reserve(z, highest_zoneidx)) return false;
  if (!order) return true;
  // For a high-order request, check at least one suitable page is free.
  for (let o = order; o < MAX_ORDER; o++) {
    const area = zone_free_area(z, o);
    if (!area.nr_free) continue;
    for (let mt: u32 = 0; mt < MIGRATE_PCPTYPES; mt++) {
      if (!free_area_empty(area, mt)) return true;
    }
  }
  return false;
}

/** __zone_watermark_ok with a fast exit for order 0. */
@inline export function zone_watermark_fast(z: zone, order: u32, mark: u32, highest_zoneidx: u32,
                                            alloc_flags: u32, gfp: u32): bool {
  const free_pages = <i64>zone_page_state(z, NR_FREE_PAGES);
  if (!order && free_pages > <i64>mark + <i64>lowmem_reserve(z, highest_zoneidx)) return true;
  return __zone_watermark_ok(z, order, mark, highest_zoneidx, alloc_flags, free_pages);
}

/**
 * Global sums of the zones' vm_numa_event[] (/proc/vmstat's numa_*): u64
 * each, allocated at boot with several nodes. One node keeps no NUMA
 * counters, as a kernel built without CONFIG_NUMA.
 */
export let vm_numa_event: usize = 0;
export function set_vm_numa_event(p: usize): void { vm_numa_event = p; }

/** Counts one event on the zone and in the global sum (__count_numa_event). */
@inline export function __count_numa_event(z: zone, item: u32): void {
  const p = zone_numa_event(z, item);
  store<u64>(p, load<u64>(p) + 1);
  const g = vm_numa_event + (<usize>item << 3);
  store<u64>(g, load<u64>(g) + 1);
}

/**
 * Where an allocation landed (zone_statistics): a hit on the preferred
 * zone's node, else a miss there and a foreign on the preferred zone;
 * local or other by the CPU's node. One count per allocation, any order.
 */
@inline function zone_statistics(preferred_zone: zone, z: zone): void {
  const nid = zone_to_nid(z);
  if (nid == zone_to_nid(preferred_zone)) {
    __count_numa_event(z, NUMA_HIT);
  } else {
    __count_numa_event(z, NUMA_MISS);
    __count_numa_event(preferred_zone, NUMA_FOREIGN);
  }
  __count_numa_event(z, nid == numa_node_id() ? NUMA_LOCAL : NUMA_OTHER);
}

/** Allocates from one zone: per-cpu lists for small orders, else the buddy (seed 10). */
@inline function rmqueue(preferred_zone: zone, zone: zone, order: u32, gfp: u32,
                 alloc_flags: u32, migratetype: u32): page | null {
  trace_enter(FN_rmqueue, order);
  let page: page | null;
  if (pcp_allowed_order(order)) {
    page = rmqueue_pcplist(preferred_zone, zone, order, gfp, migratetype, alloc_flags);
  } else {
    do {
      page = __rmqueue(zone, order, migratetype, alloc_flags);
    } while (page && check_new_pages(page, order));
    if (page) {
      __mod_zone_freepage_state(zone, -(1 << order));
      __count_zid_vm_events(PGALLOC, zone.zone_idx, <u64>1 << order);
      if (zone.numa_events) zone_statistics(preferred_zone, zone);
    }
  }
  if (CONFIG_DEBUG_VM && page) VM_BUG_ON_PAGE(bad_range(zone, page), page, "rmqueue: page outside its zone");
  // A fallback steal boosted the watermark: kswapd reclaims the boost, then wakes kcompactd.
  if ((alloc_flags & ALLOC_KSWAPD) && (zone.flags & ZONE_BOOSTED_WATERMARK)) {
    zone.flags &= ~ZONE_BOOSTED_WATERMARK;
    wakeup_kswapd(zone, 0, 0, zone.zone_idx);
  }
  trace_exit(FN_rmqueue, page ? page_to_pfn(page) : TRACE_NO_PAGE);
  return page;
}

/** Takes a page from the zone's per-cpu list, refilling it in a batch when empty (inlined: the allocation fast path). */
@inline function rmqueue_pcplist(preferred_zone: zone, zone: zone, order: u32, gfp: u32,
                         migratetype: u32, alloc_flags: u32): page | null {
  trace_enter(FN_rmqueue_pcplist, order);
  const pcp = zone_pcp(zone);
  // An allocation halves the batch-free scaling (see nr_pcp_free).
  pcp.free_factor >>= 1;
  const list = pcp_list(pcp, order_to_pindex(migratetype, order));
  const page = __rmqueue_pcplist(zone, order, migratetype, alloc_flags, pcp, list);
  if (page) {
    __count_zid_vm_events(PGALLOC, zone.zone_idx, <u64>1 << order);
    if (zone.numa_events) zone_statistics(preferred_zone, zone);
  }
  trace_exit(FN_rmqueue_pcplist, page ? page_to_pfn(page) : TRACE_NO_PAGE);
  return page;
}

@inline function __rmqueue_pcplist(zone: zone, order: u32, migratetype: u32, alloc_flags: u32,
                                   pcp: per_cpu_pages, list: usize): page | null {
  let page: page;
  do {
    if (list_empty(list)) {
      let batch = pcp.batch;
      // Scale batch to the order when the lists may hold pages at all.
      if (batch > 1) batch = max(batch >> order, 2);
      const alloced = rmqueue_bulk(zone, order, <u32>batch, list, migratetype, alloc_flags);
      pcp.count += <i32>(alloced << order);
      if (list_empty(list)) return null;
    }
    page = pcp_list_take(pcp, list, order);
  } while (check_new_pages(page, order));
  return page;
}

/** The first page of a per-cpu list that is not empty, taken off it. */
@inline function pcp_list_take(pcp: per_cpu_pages, list: usize, order: u32): page {
  const page = lru_to_page(<usize>load<u32>(list));
  list_del(page_lru(page));
  page.flags &= ~PG_pcp;
  pcp.count -= 1 << order;
  return page;
}

/** Moves up to `count` blocks of this order from the buddy to a per-cpu list. */
function rmqueue_bulk(zone: zone, order: u32, count: u32, list: usize,
                      migratetype: u32, alloc_flags: u32): u32 {
  trace_enter(FN_rmqueue_bulk, order);
  let i: u32 = 0;
  for (; i < count; i++) {
    const page = __rmqueue(zone, order, migratetype, alloc_flags);
    if (!page) break;
    // Tail order keeps the pages physically ordered for the caller.
    list_add_tail(page_lru(page), list);
    page.flags |= PG_pcp;
    page.private_ = <u16>order;
  }
  __mod_zone_freepage_state(zone, -<i32>(i << order));
  trace_exit(FN_rmqueue_bulk, i);
  return i;
}

/** Removes a block from the buddy lists, falling back to other migratetypes (seed 11). */
@inline function __rmqueue(zone: zone, order: u32, migratetype: u32, alloc_flags: u32): page | null {
  trace_enter(FN___rmqueue, order);
  let page: page | null;
  while (true) {
    page = __rmqueue_smallest(zone, order, migratetype);
    if (page || !__rmqueue_fallback(zone, order, migratetype, alloc_flags)) break;
  }
  trace_exit(FN___rmqueue, page ? page_to_pfn(page) : TRACE_NO_PAGE);
  return page;
}

/** The smallest free block of this migratetype that fits, split down to order (seed 12). */
@inline function __rmqueue_smallest(zone: zone, order: u32, migratetype: u32): page | null {
  trace_enter(FN___rmqueue_smallest, order);
  for (let current_order = order; current_order < MAX_ORDER; ++current_order) {
    const area = zone_free_area(zone, current_order);
    const page = get_page_from_free_area(area, migratetype);
    if (!page) continue;
    del_page_from_free_list(page, zone, current_order);
    expand(zone, page, order, current_order, migratetype);
    set_pcppage_migratetype(page, migratetype);
    trace_exit(FN___rmqueue_smallest, page_to_pfn(page));
    return page;
  }
  trace_exit(FN___rmqueue_smallest, TRACE_NO_PAGE);
  return null;
}

/** list_first_entry_or_null on the area's list for this migratetype (seeds 13, 14). */
@inline function get_page_from_free_area(area: free_area, migratetype: u32): page | null {
  trace_enter(FN_get_page_from_free_area, migratetype);
  const head = free_list(area, migratetype);
  const first = <usize>load<u32>(head);
  const page = first != head ? lru_to_page(first) : null;
  trace_exit(FN_get_page_from_free_area, page ? page_to_pfn(page) : TRACE_NO_PAGE);
  return page;
}

/**
 * Splits a block of order `high` down to order `low`: each time the upper
 * half goes back on the free list one order lower.
 */
@inline function expand(zone: zone, page: page, low: u32, high: u32, migratetype: u32): void {
  trace_enter(FN_expand, low);
  let size: u32 = 1 << high;
  while (high > low) {
    high--;
    size >>= 1;
    const buddy = nth_page(page, size);
    if (CONFIG_DEBUG_VM) VM_BUG_ON_PAGE(bad_range(zone, buddy), buddy, "expand: buddy outside its zone");
    add_to_free_list(buddy, zone, high, migratetype);
    set_buddy_order(buddy, high);
  }
  trace_exit(FN_expand, 0);
}

// fallbacks[migratetype]: where to look, in order, when a list is empty.
@inline function fallback_of(migratetype: u32, i: u32): u32 {
  // UNMOVABLE: RECLAIMABLE, MOVABLE; MOVABLE: RECLAIMABLE, UNMOVABLE;
  // RECLAIMABLE: UNMOVABLE, MOVABLE; then MIGRATE_TYPES ends the row.
  if (i >= 2) return MIGRATE_TYPES;
  if (migratetype == MIGRATE_UNMOVABLE) return i == 0 ? MIGRATE_RECLAIMABLE : MIGRATE_MOVABLE;
  if (migratetype == MIGRATE_MOVABLE) return i == 0 ? MIGRATE_RECLAIMABLE : MIGRATE_UNMOVABLE;
  return i == 0 ? MIGRATE_UNMOVABLE : MIGRATE_MOVABLE;
}

// May an allocation of start_mt take the whole pageblock it falls back into?
@inline function can_steal_fallback(order: u32, start_mt: u32): bool {
  if (order >= pageblock_order) return true;
  return order >= pageblock_order / 2 || start_mt == MIGRATE_RECLAIMABLE
    || start_mt == MIGRATE_UNMOVABLE || page_group_by_mobility_disabled;
}

// Result of find_suitable_fallback's can_steal out-parameter.
let fallback_can_steal: bool = false;

/** The first fallback migratetype with a free block at this order, or -1. */
export function find_suitable_fallback(area: free_area, order: u32, migratetype: u32): i32 {
  if (area.nr_free == 0) return -1;
  fallback_can_steal = false;
  for (let i: u32 = 0; ; i++) {
    const fallback_mt = fallback_of(migratetype, i);
    if (fallback_mt == MIGRATE_TYPES) break;
    if (free_area_empty(area, fallback_mt)) continue;
    if (can_steal_fallback(order, migratetype)) fallback_can_steal = true;
    return <i32>fallback_mt;
  }
  return -1;
}

/**
 * Moves every free block in page's pageblock to the lists of `migratetype`.
 * @return pages moved; *movable_pages (movable_pages_found) counts the
 * allocated pages in the block that look movable (anonymous: Linux's PageLRU).
 */
let movable_pages_found: u32 = 0;
function move_freepages_block(zone: zone, page: page, migratetype: u32): u32 {
  movable_pages_found = 0;
  const pfn = page_to_pfn(page);
  let start_pfn = pfn & ~(pageblock_nr_pages - 1);
  const end_pfn = start_pfn + pageblock_nr_pages - 1;
  // Do not cross zone boundaries
  if (!zone_spans_pfn(zone, start_pfn)) start_pfn = pfn;
  if (!zone_spans_pfn(zone, end_pfn)) return 0;
  let pages_moved: u32 = 0;
  for (let p = start_pfn; p <= end_pfn;) {
    const pg = pfn_to_page(p);
    if (!(pg.flags & PG_buddy)) {
      if (pg.mapping & PAGE_MAPPING_ANON) movable_pages_found++;
      p++;
      continue;
    }
    const order = buddy_order(pg);
    move_to_free_list(pg, zone, order, migratetype);
    p += 1 << order;
    pages_moved += 1 << order;
  }
  return pages_moved;
}

function change_pageblock_range(page: page, start_order: u32, migratetype: u32): void {
  let nr_pageblocks: u32 = 1 << (start_order - pageblock_order);
  while (nr_pageblocks--) {
    set_pageblock_migratetype(page, migratetype);
    page = nth_page(page, pageblock_nr_pages);
  }
}

/** vm.watermark_boost_factor: the most a boost adds, in 1/10000 of the high watermark. */
export let watermark_boost_factor: u32 = 15000;
export function set_watermark_boost_factor(v: u32): void { watermark_boost_factor = v; }

/**
 * A fallback stole from another pageblock: raise the zone's watermarks by a
 * pageblock, up to watermark_boost_factor of the high one. Not on zones too
 * small to gain from it. @return whether the boost was applied
 */
function boost_watermark(zone: zone): bool {
  if (!watermark_boost_factor) return false;
  if (pageblock_nr_pages * 4 > zone.managed_pages) return false;
  let max_boost = <u32>(<u64>load<u32>(changetype<usize>(zone) + ZONE_WATERMARK + (<usize>WMARK_HIGH << 2))
    * watermark_boost_factor / 10000);
  // The high watermark is not set yet early in boot.
  if (!max_boost) return false;
  max_boost = max(pageblock_nr_pages, max_boost);
  zone.watermark_boost = min(zone.watermark_boost + pageblock_nr_pages, max_boost);
  return true;
}

/**
 * Takes a fallback block for start_type: the whole pageblock when the block
 * is big enough or half of it is free or compatible, else the block alone.
 */
function steal_suitable_fallback(zone: zone, page: page, alloc_flags: u32, start_type: u32, whole_block: bool): void {
  const current_order = buddy_order(page);
  const old_block_type = get_pageblock_migratetype(page);
  // Take ownership for orders >= pageblock_order
  if (current_order >= pageblock_order) {
    change_pageblock_range(page, current_order, start_type);
    move_to_free_list(page, zone, current_order, start_type);
    return;
  }
  // Raise the watermarks so that reclaim and compaction make fallbacks rarer
  // (kswapd, woken through ZONE_BOOSTED_WATERMARK, clears the boost).
  if (boost_watermark(zone) && (alloc_flags & ALLOC_KSWAPD)) zone.flags |= ZONE_BOOSTED_WATERMARK;
  if (whole_block) {
    const free_pages = move_freepages_block(zone, page, start_type);
    let alike_pages: u32;
    if (start_type == MIGRATE_MOVABLE) {
      alike_pages = movable_pages_found;
    } else {
      // Non-movable taking from a movable block: the non-movable pages are alike.
      alike_pages = old_block_type == MIGRATE_MOVABLE
        ? pageblock_nr_pages - (free_pages + movable_pages_found) : 0;
    }
    if (free_pages) {
      if (free_pages + alike_pages >= (1 << (pageblock_order - 1)) || page_group_by_mobility_disabled) {
        set_pageblock_migratetype(page, start_type);
      }
      return;
    }
  }
  move_to_free_list(page, zone, current_order, start_type);
}

/**
 * No block of the wanted migratetype: move the largest block of a fallback
 * type to its lists (stealing its pageblock when allowed), so that the
 * retried __rmqueue_smallest finds it.
 */
function __rmqueue_fallback(zone: zone, order: u32, start_migratetype: u32, alloc_flags: u32): bool {
  trace_enter(FN___rmqueue_fallback, order);
  let min_order = order;
  // Do not steal from other pageblocks' lists while avoiding fragmentation.
  if (order < pageblock_order && (alloc_flags & ALLOC_NOFRAGMENT)) min_order = pageblock_order;

  // The largest block approximates the pageblock with the most free pages.
  let current_order: i32 = <i32>MAX_ORDER - 1;
  let fallback_mt: i32 = -1;
  for (; current_order >= <i32>min_order; --current_order) {
    fallback_mt = find_suitable_fallback(zone_free_area(zone, current_order), current_order, start_migratetype);
    if (fallback_mt != -1) break;
  }
  if (fallback_mt == -1) {
    trace_exit(FN___rmqueue_fallback, 0);
    return false;
  }
  // A movable allocation that cannot take the whole block splits the
  // smallest block instead: that fragments less.
  if (!fallback_can_steal && start_migratetype == MIGRATE_MOVABLE && <u32>current_order > order) {
    for (current_order = <i32>order; current_order < <i32>MAX_ORDER; current_order++) {
      fallback_mt = find_suitable_fallback(zone_free_area(zone, current_order), current_order, start_migratetype);
      if (fallback_mt != -1) break;
    }
  }
  const page = changetype<page>(get_page_from_free_area(zone_free_area(zone, current_order), fallback_mt));
  steal_suitable_fallback(zone, page, alloc_flags, start_migratetype, fallback_can_steal);
  trace_exit(FN___rmqueue_fallback, 1);
  return true;
}

/** Debug builds check each new page (Linux: check_new_pages under DEBUG_VM). */
@inline function check_new_pages(page: page, order: u32): bool {
  if (!CONFIG_DEBUG_VM) return false;
  for (let i: u32 = 0; i < (1 << order); i++) {
    const p = nth_page(page, i);
    let reason: string | null = null;
    if (p._mapcount != -1) reason = "nonzero mapcount";
    else if (p.mapping != 0) reason = "non-NULL mapping";
    else if (p._refcount != 0) reason = "nonzero _refcount";
    else if (p.flags & (PG_reserved | PG_buddy | PG_pcp | PG_head | PG_tail)) reason = "PAGE_FLAGS_CHECK_AT_PREP flag set";
    if (reason !== null) {
      bad_page(p, reason);
      return true;
    }
  }
  return false;
}

@inline function bad_range(zone: zone, page: page): bool {
  return !zone_spans_pfn(zone, page_to_pfn(page)) || page_zone(page) !== zone;
}

/** Makes the block a live allocation: refcount 1, zeroed if asked, compound if asked. */
@inline export function prep_new_page(page: page, order: u32, gfp: u32, alloc_flags: u32): void {
  trace_enter(FN_prep_new_page, order);
  page.private_ = 0;
  page._refcount = 1;
  if (gfp & __GFP_ZERO) kernel_init_pages(page, 1 << order);
  if (order && (gfp & __GFP_COMP)) prep_compound_page(page, order);
  trace_exit(FN_prep_new_page, page_to_pfn(page));
}

/** Zeroes the pages, skipping those known to hold zeros still (PG_zeroed; debug builds check them). */
export function kernel_init_pages(page: page, numpages: u32): void {
  for (let i: u32 = 0; i < numpages; i++) {
    const p = nth_page(page, i);
    if (p.flags & PG_zeroed) check_zeroed_page(p);
    else memory.fill(page_address(p), 0, PAGE_SIZE);
    p.flags &= ~PG_zeroed;
  }
}

function prep_compound_page(head: page, order: u32): void {
  head.flags |= PG_head;
  const nr: u32 = 1 << order;
  const link = <u32>changetype<usize>(head) | 1;
  for (let i: u32 = 1; i < nr; i++) {
    const p = nth_page(head, i);
    p.flags |= PG_tail;
    p.lru_next = link;
  }
  nth_page(head, 1).private_ = <u16>order;
}

/** gfp -> alloc_flags for the slow path: the min watermark, dipped by __GFP_HIGH/ATOMIC. */
@inline export function gfp_to_alloc_flags(gfp: u32): u32 {
  let alloc_flags = ALLOC_WMARK_MIN | ALLOC_CPUSET;
  alloc_flags |= gfp & (__GFP_HIGH | __GFP_KSWAPD_RECLAIM);   // ALLOC_HIGH, ALLOC_KSWAPD
  if (gfp & __GFP_ATOMIC) {
    if (!(gfp & __GFP_NOMEMALLOC)) alloc_flags |= ALLOC_HARDER;
    alloc_flags &= ~ALLOC_CPUSET;
  }
  return alloc_flags;
}

/** Wakes the kswapd of every node the allocation may use (wake_all_kswapds). */
function wake_all_kswapds(order: u32, gfp: u32): void {
  trace_enter(FN_wake_all_kswapds, order);
  let last_pgdat: usize = 0;
  for (let z = first_zones_zonelist(ac.zonelist, ac.highest_zoneidx, ac.nodemask); load<u32>(z) != 0; z += SIZEOF_ZONEREF) {
    if (zonelist_zone_idx(z) > ac.highest_zoneidx || !zref_in_nodemask(z, ac.nodemask)) continue;
    const zone = zoneref_zone(z);
    // The zones of a node share its kswapd.
    if (last_pgdat == zone.zone_pgdat) continue;
    wakeup_kswapd(zone, gfp, order, ac.highest_zoneidx);
    last_pgdat = zone.zone_pgdat;
  }
  trace_exit(FN_wake_all_kswapds);
}

/**
 * The reserves an allocation may dip into with no watermark at all
 * (__gfp_pfmemalloc_flags): __GFP_MEMALLOC, reclaim's own allocations,
 * and the OOM killer's victim on its way out (ALLOC_OOM).
 */
function __gfp_pfmemalloc_flags(gfp: u32): u32 {
  if (gfp & __GFP_NOMEMALLOC) return 0;
  if (gfp & __GFP_MEMALLOC) return ALLOC_NO_WATERMARKS;
  if (in_reclaim) return ALLOC_NO_WATERMARKS;
  if (oom_victim_current()) return ALLOC_OOM;
  return 0;
}

/** Direct reclaim, then a retry; per-cpu pages are drained once if that fails (__alloc_pages_direct_reclaim). */
function __alloc_pages_direct_reclaim(gfp: u32, order: u32, alloc_flags: u32): page | null {
  trace_enter(FN___alloc_pages_direct_reclaim, order);
  did_some_progress = try_to_free_pages(ac.zonelist, order, gfp, ac.nodemask);
  if (!did_some_progress) {
    trace_exit(FN___alloc_pages_direct_reclaim, TRACE_NO_PAGE);
    return null;
  }
  let page = get_page_from_freelist(gfp, order, alloc_flags);
  if (!page) {
    drain_all_pages();
    page = get_page_from_freelist(gfp, order, alloc_flags);
  }
  trace_exit(FN___alloc_pages_direct_reclaim, page ? page_to_pfn(page) : TRACE_NO_PAGE);
  return page;
}

/**
 * Whether reclaim should be retried (should_reclaim_retry): not after
 * MAX_RECLAIM_RETRIES rounds without progress, and only while some zone
 * would meet its min watermark if all its reclaimable pages were freed.
 */
function should_reclaim_retry(gfp: u32, order: u32, alloc_flags: u32, progress: bool): bool {
  trace_enter(FN_should_reclaim_retry, order);
  // A costly order may not be helped by progress: always count it as none.
  if (progress && order <= PAGE_ALLOC_COSTLY_ORDER) no_progress_loops = 0;
  else no_progress_loops++;
  let ret = false;
  if (no_progress_loops <= MAX_RECLAIM_RETRIES) {
    for (let z = ac.preferred_zoneref; load<u32>(z) != 0; z += SIZEOF_ZONEREF) {
      if (zonelist_zone_idx(z) > ac.highest_zoneidx || !zref_in_nodemask(z, ac.nodemask)) continue;
      const zone = zoneref_zone(z);
      const available = <i64>zone_reclaimable_pages(zone) + <i64>zone_page_state(zone, NR_FREE_PAGES);
      if (__zone_watermark_ok(zone, order, min_wmark_pages(zone), ac.highest_zoneidx, alloc_flags, available)) {
        ret = true;
        break;
      }
    }
  }
  trace_exit(FN_should_reclaim_retry, ret ? 1 : 0);
  return ret;
}

/**
 * Reclaim failed: one last try at the high watermark (someone may have
 * freed meanwhile), then the OOM killer (__alloc_pages_may_oom). Costly
 * orders, __GFP_NORETRY/RETRY_MAYFAIL and lowmem requests never kill; nor
 * does an allocation made for no task (the host's own alloc_pages calls):
 * it fails. did_some_progress says whether the kill freed something.
 */
function __alloc_pages_may_oom(gfp: u32, order: u32): page | null {
  trace_enter(FN___alloc_pages_may_oom, order);
  did_some_progress = 0;
  let page = get_page_from_freelist(gfp, order, ALLOC_WMARK_HIGH | ALLOC_CPUSET);
  if (!page && order <= PAGE_ALLOC_COSTLY_ORDER && !(gfp & (__GFP_RETRY_MAYFAIL | __GFP_THISNODE))
      && ac.highest_zoneidx >= ZONE_NORMAL && current_mm() !== null) {
    if (out_of_memory(gfp, order, ac.nodemask)) did_some_progress = 1;
  }
  trace_exit(FN___alloc_pages_may_oom, page ? page_to_pfn(page) : TRACE_NO_PAGE);
  return page;
}

/** Pages the last reclaim or OOM kill freed (the slow path's did_some_progress). */
let did_some_progress: u64 = 0;
/** Reclaim rounds since the last progress (the slow path's no_progress_loops). */
let no_progress_loops: u32 = 0;

// compact_result, compact_priority and compaction_retries (u32s), as the slow path's locals.
const slowpath_compact = memory.data(12, 4);

/**
 * The slow path (__alloc_pages_slowpath), in Linux's order: wake kswapd,
 * compact first for costly or unmovable high-order requests, retry at the
 * min watermark, dip into reserves if entitled, reclaim and compact
 * directly while either makes progress, and call the OOM killer only once
 * both have failed.
 */

function __alloc_pages_slowpath(gfp: u32, order: u32): page | null {
  trace_enter(FN___alloc_pages_slowpath, order);
  const can_direct_reclaim = (gfp & __GFP_DIRECT_RECLAIM) != 0;
  const costly_order = order > PAGE_ALLOC_COSTLY_ORDER;
  no_progress_loops = 0;
  let alloc_flags = gfp_to_alloc_flags(gfp);
  if (alloc_flags & ALLOC_KSWAPD) wake_all_kswapds(order, gfp);
  let page = get_page_from_freelist(gfp, order, alloc_flags);
  const compact = slowpath_compact;
  store<u32>(compact, COMPACT_SKIPPED);
  store<u32>(compact, INIT_COMPACT_PRIORITY, 4);
  store<u32>(compact, 0, 8);
  // Costly orders, and high orders that would fragment (not movable), compact before reclaiming.
  if (!page && can_direct_reclaim && !in_reclaim && (costly_order || (order > 0 && gfp_migratetype(gfp) != MIGRATE_MOVABLE)) &&
      !__gfp_pfmemalloc_flags(gfp)) {
    page = __alloc_pages_direct_compact(gfp, order, alloc_flags, INIT_COMPACT_PRIORITY, compact);
    // A costly __GFP_NORETRY request (THP) gives up when compaction could not even start.
    if (!page && costly_order && (gfp & __GFP_NORETRY)) {
      const r = load<u32>(compact);
      if (r == COMPACT_SKIPPED || r == COMPACT_DEFERRED) {
        trace_exit(FN___alloc_pages_slowpath, TRACE_NO_PAGE);
        return null;
      }
    }
  }
  while (!page) {
    // retry:
    if (alloc_flags & ALLOC_KSWAPD) wake_all_kswapds(order, gfp);
    const reserve_flags = __gfp_pfmemalloc_flags(gfp);
    if (reserve_flags) alloc_flags = gfp_to_alloc_flags(gfp) | reserve_flags | (alloc_flags & ALLOC_KSWAPD);
    // High-priority allocations may ignore memory policies: every node.
    if (ac.nodemask && (!(alloc_flags & ALLOC_CPUSET) || reserve_flags)) {
      ac.nodemask = 0;
      ac.preferred_zoneref = first_zones_zonelist(ac.zonelist, ac.highest_zoneidx, 0);
    }
    page = get_page_from_freelist(gfp, order, alloc_flags);
    if (page) break;
    // Reclaim's own allocations, and callers that may not sleep, fail here.
    if (!can_direct_reclaim || in_reclaim) break;
    page = __alloc_pages_direct_reclaim(gfp, order, alloc_flags);
    if (page) break;
    page = __alloc_pages_direct_compact(gfp, order, alloc_flags, load<u32>(compact, 4), compact);
    if (page) break;
    if ((gfp & __GFP_NORETRY) || (costly_order && !(gfp & __GFP_RETRY_MAYFAIL))) break;
    if (should_reclaim_retry(gfp, order, alloc_flags, did_some_progress > 0)) continue;
    if (did_some_progress > 0 && should_compact_retry(order, alloc_flags, load<u32>(compact), compact + 4, compact + 8)) continue;
    page = __alloc_pages_may_oom(gfp, order);
    if (page) break;
    // The victim is this task: it fails and exits, rather than loop.
    if (oom_victim_current() && (alloc_flags & ALLOC_OOM)) break;
    if (!did_some_progress) break;
    no_progress_loops = 0;
  }
  if (!page) warn_alloc(gfp, order);
  trace_exit(FN___alloc_pages_slowpath, page ? page_to_pfn(page) : TRACE_NO_PAGE);
  return page;
}

// warn_alloc's limit: 10 reports every 5 s of the virtual clock (DEFAULT_RATELIMIT_*).
const nopage_rs = changetype<ratelimit_state>(
  memory.data<i32>([DEFAULT_RATELIMIT_INTERVAL, DEFAULT_RATELIMIT_BURST, 0, 0, 0, 0], 8));

/** Reports a failed allocation, unless __GFP_NOWARN or the rate limit says not to (warn_alloc). */
function warn_alloc(gfp: u32, order: u32): void {
  if ((gfp & __GFP_NOWARN) || !___ratelimit(nopage_rs, "warn_alloc")) return;
  printk("page allocation failure: order:");
  printk_u64(order);
  printk(", mode:");
  printk_hex(gfp);
  printk("\n");
}

// ---------------------------------------------------------------------------
// The free path

/**
 * Frees a block whose pages are no longer used: merges it with its free
 * buddy as long as there is one, then puts the result on the free list
 * (at the tail when its own buddy one order up is free, so it is less
 * likely to be split before that buddy comes back). Inlined, as Linux's:
 * a call would put its callers' values on the stack.
 */
@inline function __free_one_page(page: page, pfn: u32, zone: zone, order: u32, migratetype: u32, to_tail: bool): void {
  trace_enter(FN___free_one_page, order);
  __mod_zone_freepage_state(zone, 1 << order);
  while (order < MAX_ORDER - 1) {
    const buddy_pfn = __find_buddy_pfn(pfn, order);
    if (!pfn_valid(buddy_pfn)) break;
    const buddy = pfn_to_page(buddy_pfn);
    if (!page_is_buddy(page, buddy, order)) break;
    del_page_from_free_list(buddy, zone, order);
    const combined_pfn = buddy_pfn & pfn;
    page = pfn_to_page(combined_pfn);
    pfn = combined_pfn;
    order++;
  }
  set_buddy_order(page, order);
  if (!to_tail) to_tail = buddy_merge_likely(pfn, page, order);
  if (to_tail) add_to_free_list_tail(page, zone, order, migratetype);
  else add_to_free_list(page, zone, order, migratetype);
  trace_exit(FN___free_one_page, pfn);
}

// Is the next-higher buddy free? Then this block is likely to merge soon.
@inline function buddy_merge_likely(pfn: u32, page: page, order: u32): bool {
  if (order >= MAX_ORDER - 2) return false;
  const higher_pfn = pfn & ~((<u32>2 << order) - 1);
  const higher_buddy_pfn = __find_buddy_pfn(higher_pfn, order + 1);
  if (!pfn_valid(higher_buddy_pfn)) return false;
  return page_is_buddy(page, pfn_to_page(higher_buddy_pfn), order + 1);
}

/**
 * Checks and cleans pages being freed. A page still mapped, still
 * referenced or still flagged is reported (bad_page) and kept out of the
 * allocator, as Linux does. The head is always checked; the other pages of
 * a block only in the debug build (Linux: is_check_pages_enabled, on with
 * CONFIG_DEBUG_VM), the release build just cleans them.
 * @return false if any page of the block is bad
 */
@inline function free_pages_prepare(page: page, order: u32): bool {
  let bad = order ? free_tail_pages_prepare(page, order) : false;
  if (free_page_is_bad(page)) bad = true;
  return !bad;
}

/** The pages after the head of a block of order >= 1 (its caller's test): a compound page undone, each page cleaned (checked when debugging). */
@inline function free_tail_pages_prepare(page: page, order: u32): bool {
  const nr: u32 = 1 << order;
  if (page.flags & PG_head) {
    for (let i: u32 = 1; i < nr; i++) {
      const p = nth_page(page, i);
      p.flags &= ~PG_tail;
      p.lru_next = 0;
    }
    nth_page(page, 1).private_ = 0;
    page.flags &= ~PG_head;
  }
  if (CONFIG_DEBUG_VM) {
    let bad = false;
    for (let i: u32 = 1; i < nr; i++) {
      if (free_page_is_bad(nth_page(page, i))) bad = true;
    }
    return bad;
  }
  // Only a head is ever mapped (split_huge_page makes each page a head),
  // and only a head (or page[1], undone above) has private_ set: as
  // Linux, the release build clears just the tails' flags: page 1, pages
  // 1-3 or pages 1-7, and then the rest eight at a time (the loop is most
  // of the cost of freeing a large block). Each flags word (a struct
  // page's first) is at a constant offset from one address, which its
  // load and store carry as their immediate (an added address would be
  // computed apart for the store).
  const M = ~PAGE_FLAGS_CHECK_AT_PREP;
  let at = changetype<usize>(page);
  store<u32>(at, load<u32>(at, SIZEOF_PAGE) & M, SIZEOF_PAGE);
  if (nr < 4) return false;
  store<u32>(at, load<u32>(at, 2 * SIZEOF_PAGE) & M, 2 * SIZEOF_PAGE);
  store<u32>(at, load<u32>(at, 3 * SIZEOF_PAGE) & M, 3 * SIZEOF_PAGE);
  if (nr < 8) return false;
  store<u32>(at, load<u32>(at, 4 * SIZEOF_PAGE) & M, 4 * SIZEOF_PAGE);
  store<u32>(at, load<u32>(at, 5 * SIZEOF_PAGE) & M, 5 * SIZEOF_PAGE);
  store<u32>(at, load<u32>(at, 6 * SIZEOF_PAGE) & M, 6 * SIZEOF_PAGE);
  store<u32>(at, load<u32>(at, 7 * SIZEOF_PAGE) & M, 7 * SIZEOF_PAGE);
  const end = changetype<usize>(nth_page(page, nr));
  for (at += 8 * SIZEOF_PAGE; at < end; at += 8 * SIZEOF_PAGE) {
    store<u32>(at, load<u32>(at) & M);
    store<u32>(at, load<u32>(at, SIZEOF_PAGE) & M, SIZEOF_PAGE);
    store<u32>(at, load<u32>(at, 2 * SIZEOF_PAGE) & M, 2 * SIZEOF_PAGE);
    store<u32>(at, load<u32>(at, 3 * SIZEOF_PAGE) & M, 3 * SIZEOF_PAGE);
    store<u32>(at, load<u32>(at, 4 * SIZEOF_PAGE) & M, 4 * SIZEOF_PAGE);
    store<u32>(at, load<u32>(at, 5 * SIZEOF_PAGE) & M, 5 * SIZEOF_PAGE);
    store<u32>(at, load<u32>(at, 6 * SIZEOF_PAGE) & M, 6 * SIZEOF_PAGE);
    store<u32>(at, load<u32>(at, 7 * SIZEOF_PAGE) & M, 7 * SIZEOF_PAGE);
  }
  return false;
}

/**
 * Is the page as a free page must be, with `refs` references left:
 * unmapped (an anonymous mapping is let go), no flag a free page may not
 * have? One test: each term is zero exactly when its condition holds.
 */
@inline function page_expected_state(p: page, refs: u32): bool {
  const mapping = p.mapping;
  const unmapped = (mapping & PAGE_MAPPING_ANON) ? 0 : mapping;
  return ((<u32>p._mapcount + 1) | unmapped | (<u32>p._refcount - refs) | (p.flags & PAGE_FLAGS_CHECK_AT_FREE)) == 0;
}

/** page_expected_state, or bad_page: the common case costs one test. */
@inline function free_page_is_bad(p: page): bool {
  if (p.mapping & PAGE_MAPPING_ANON) p.mapping = 0;
  if (page_expected_state(p, 0)) {
    free_page_clean(p);
    return false;
  }
  let reason = "PAGE_FLAGS_CHECK_AT_FREE flag(s) set";
  if (p._mapcount != -1) reason = "nonzero mapcount";
  else if (p.mapping != 0) reason = "non-NULL mapping";
  else if (p._refcount != 0) reason = "nonzero _refcount";
  bad_page(p, reason);
  return true;
}

@inline function free_page_clean(p: page): void {
  p.flags &= ~PAGE_FLAGS_CHECK_AT_PREP;
  p.private_ = 0;
}

/** Frees a block straight to the buddy lists (orders above the pcp range; inlined, as free_unref_page). */
@inline function __free_pages_ok(page: page, order: u32, to_tail: bool): void {
  const pfn = page_to_pfn(page);
  if (!free_pages_prepare(page, order)) return;
  const migratetype = get_pfnblock_migratetype(page, pfn);
  __free_one_page(page, pfn, page_zone(page), order, migratetype, to_tail);
  __count_vm_events(PGFREE, <u64>1 << order);
}

/** Frees a small block to the per-cpu list of its pageblock's migratetype (inlined: the free fast path). */
@inline function free_unref_page(page: page, order: u32): void {
  trace_enter(FN_free_unref_page, order);
  const pfn = page_to_pfn(page);
  if (free_pages_prepare(page, order)) free_unref_page_commit(page, pfn, order);
  trace_exit(FN_free_unref_page, 0);
}

/** Puts a prepared block on its zone's per-cpu list for its pageblock's migratetype; drains the lists at high. */
@inline function free_unref_page_commit(page: page, pfn: u32, order: u32): void {
  const zone = page_zone(page);
  const pcp = zone_pcp(zone);
  let migratetype = get_pfnblock_migratetype(page, pfn);
  // Only UNMOVABLE, MOVABLE and RECLAIMABLE have pcp lists.
  if (migratetype >= MIGRATE_PCPTYPES) migratetype = MIGRATE_MOVABLE;
  set_pcppage_migratetype(page, migratetype);
  __count_vm_events(PGFREE, <u64>1 << order);
  list_add(page_lru(page), pcp_list(pcp, order_to_pindex(migratetype, order)));
  page.flags |= PG_pcp;
  page.private_ = <u16>order;
  pcp.count += 1 << order;
  const high = pcp.high;
  if (pcp.count >= high) free_pcppages_bulk(zone, nr_pcp_free(pcp, high, pcp.batch), pcp);
}

/** How many pages a drain frees: batch, doubled per drain with no allocation between. */
@inline function nr_pcp_free(pcp: per_cpu_pages, high: i32, batch: i32): i32 {
  // Check for PCP disabled or boot pageset
  if (high < batch) return 1;
  // Leave at least pcp->batch pages on the list
  const min_nr_free = batch;
  const max_nr_free = high - batch;
  batch <<= pcp.free_factor;
  if (batch < max_nr_free) pcp.free_factor++;
  return max(min(batch, max_nr_free), min_nr_free);
}

/**
 * Returns `count` pages from the per-cpu lists to the buddy, taking from
 * the lists round-robin, the coldest (tail) page first.
 */
function free_pcppages_bulk(zone: zone, count: i32, pcp: per_cpu_pages): void {
  trace_enter(FN_free_pcppages_bulk, 0);
  let pindex: u32 = 0;
  let batch_free: i32 = 0;
  let nr_freed: i32 = 0;
  count = min(pcp.count, count);
  while (count > 0) {
    let list: usize;
    // Fuller lists give up more pages per round than empty ones cost.
    do {
      batch_free++;
      if (++pindex == NR_PCP_LISTS) pindex = 0;
      list = pcp_list(pcp, pindex);
    } while (list_empty(list));
    // This is the only non-empty list. Free them all.
    if (batch_free == <i32>NR_PCP_LISTS) batch_free = count;
    const order = pindex_to_order(pindex);
    do {
      const page = lru_to_page(<usize>load<u32>(list, 4));
      list_del(page_lru(page));
      page.flags &= ~PG_pcp;
      nr_freed += 1 << order;
      count -= 1 << order;
      const mt = get_pcppage_migratetype(page);
      page.private_ = 0;
      __free_one_page(page, page_to_pfn(page), zone, order, mt, false);
    } while (count > 0 && --batch_free && !list_empty(list));
  }
  pcp.count -= nr_freed;
  trace_exit(FN_free_pcppages_bulk, nr_freed);
}

/** Returns every page on the per-cpu lists of every zone to the buddy. */
export function drain_all_pages(): void {
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
    const pgdat = NODE_DATA(nid);
    for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) {
      const zone = node_zone(pgdat, zid);
      const pcp = zone_pcp(zone);
      if (pcp.count) free_pcppages_bulk(zone, pcp.count, pcp);
    }
  }
}

/**
 * Takes a free block off the buddy lists for compaction's free scanner, if
 * the zone stays above its min watermark without it; a block of half a
 * pageblock or more makes its pageblocks movable. @return pages taken, or 0
 */
export function __isolate_free_page(page: page, order: u32): u32 {
  const zone = page_zone(page);
  // An order-0 check with the block added emulates the high-order one: the block exists.
  const watermark = load<u32>(changetype<usize>(zone) + ZONE_WATERMARK + (<usize>WMARK_MIN << 2)) + (1 << order);
  if (!zone_watermark_fast(zone, 0, watermark, 0, 0, 0)) return 0;
  del_page_from_free_list(page, zone, order);
  __mod_zone_freepage_state(zone, -(1 << order));
  if (order >= pageblock_order - 1) {
    const endpage = nth_page(page, (1 << order) - 1);
    for (let p = page; changetype<usize>(p) < changetype<usize>(endpage); p = nth_page(p, pageblock_nr_pages)) {
      const mt = get_pageblock_migratetype(p);
      // Only the types that merge with others change (not highatomic).
      if (mt == MIGRATE_UNMOVABLE || mt == MIGRATE_RECLAIMABLE) {
        move_freepages_block(zone, p, MIGRATE_MOVABLE);
        set_pageblock_migratetype(p, MIGRATE_MOVABLE);
      }
    }
  }
  return 1 << order;
}

@inline function free_the_page(page: page, order: u32): void {
  if (pcp_allowed_order(order)) free_unref_page(page, order);
  else __free_pages_ok(page, order, false);
}

@inline function put_page_testzero(page: page): bool {
  VM_BUG_ON_PAGE(page._refcount <= 0, page, "put_page_testzero: refcount already 0");
  return --page._refcount == 0;
}

/**
 * Drops a reference to a block of 2^order pages; the last one frees it.
 * The last reference to a page of order 0 in the state a free page must
 * be in puts it on its per-cpu list there and then, as free_unref_page
 * would: the test changes nothing, and any other case (a bad page to
 * report, tracing) goes the whole way, inlined here: a large block's
 * free makes no second call (one function, as Linux's). The order-0 path
 * then shares a frame with calls it does not make, which costs it about
 * one instruction.
 */
export function __free_pages(page: page, order: u32): void {
  if (order == 0 && !tracing()) {
    if (page_expected_state(page, 1)) {
      page._refcount = 0;
      page.mapping = 0;
      free_page_clean(page);
      free_unref_page_commit(page, page_to_pfn(page), 0);
      return;
    }
  }
  ___free_pages(page, order);
}

/**
 * __free_pages the whole way. When others still hold the head of a
 * non-compound block, the pages after the head go back now (as Linux does).
 */
@inline function ___free_pages(page: page, order: u32): void {
  trace_enter(FN___free_pages, order);
  if (put_page_testzero(page)) {
    free_the_page(page, order);
  } else if (!(page.flags & PG_head)) {
    while (order-- > 0) free_the_page(nth_page(page, 1 << order), order);
  }
  trace_exit(FN___free_pages, 0);
}

/** Takes a reference on the page (on its compound head). */
@inline export function get_page(page: page): void {
  page = compound_head(page);
  VM_BUG_ON_PAGE(page._refcount <= 0, page, "get_page: page is free");
  page._refcount++;
}

/** Drops a reference; at zero the page (or whole compound page) is freed. */
export function put_page(page: page): void {
  page = compound_head(page);
  if (!put_page_testzero(page)) return;
  // __folio_put: an LRU page leaves its list before it is freed.
  if (page.flags & PG_lru) __page_cache_release(page);
  free_the_page(page, compound_order(page));
}

/**
 * Boot: hands a block from memblock to the buddy (__free_pages_core). Its
 * pages were just initialised, so free_pages_prepare has nothing to check;
 * RAM is new, so they hold zeros (PG_zeroed).
 */
export function __free_pages_core(page: page, order: u32): void {
  const nr: u32 = 1 << order;
  // __ClearPageReserved and set_page_count(p, 0) on each page: the block's
  // pages start alike (memmap_init_zone; no block spans two zones or nodes),
  // so the head is cleaned and copied over the others.
  if (CONFIG_DEBUG_VM) {
    for (let i: u32 = 1; i < nr; i++) {
      const p = nth_page(page, i);
      VM_BUG_ON_PAGE(p.flags != page.flags || p._refcount != 1, p, "__free_pages_core: pages not alike");
    }
  }
  page.flags = (page.flags & ~PG_reserved) | PG_zeroed;
  page._refcount = 0;
  memmap_copy(page, nr);
  const zone = page_zone(page);
  zone.managed_pages += nr;
  const pfn = page_to_pfn(page);
  // Boot pages go to the tail: the first allocations take what was freed last.
  __free_one_page(page, pfn, zone, order, get_pfnblock_migratetype(page, pfn), true);
  __count_vm_events(PGFREE, <u64>nr);
}

// ---------------------------------------------------------------------------
// The host's calls (docs/abi.md): pfns in, pfns out; bad input is refused.

/** @return the pfn of a new block, or -1. */
export function abi_alloc_pages(gfp: u32, order: u32): i32 {
  const page = alloc_pages(gfp, order);
  return page ? <i32>page_to_pfn(page) : -1;
}

/**
 * Is the pfn inside a free block (on a buddy or per-cpu list)? Their head
 * pages carry PG_buddy or PG_pcp and the block's order.
 */
function pfn_in_free_block(pfn: u32): bool {
  for (let order: u32 = 0; order < MAX_ORDER; order++) {
    const head = pfn_to_page(pfn & ~((1 << order) - 1));
    if ((head.flags & (PG_buddy | PG_pcp)) && <u32>head.private_ >= order) return true;
  }
  return false;
}

/**
 * @return 0, or -EINVAL (22), with nothing changed, when (pfn, order) is not
 * a block the caller holds: out of range, misaligned, free, reserved, or
 * with pages inside that are free or held by others.
 */
export function abi_free_pages(pfn: u32, order: u32): i32 {
  if (order >= MAX_ORDER || !pfn_valid(pfn) || (pfn & ((1 << order) - 1)) != 0
      || pfn + (1 << order) > max_pfn_of_zone(pfn) || pfn_in_free_block(pfn)) return abi_bad_free(pfn);
  const page = pfn_to_page(pfn);
  if (page._refcount <= 0 || (page.flags & (PG_reserved | PG_tail))) return abi_bad_free(pfn);
  if (!(page.flags & PG_head)) {
    for (let i: u32 = 1; i < (1 << order); i++) {
      const p = nth_page(page, i);
      if (p._refcount != 0 || (p.flags & (PG_buddy | PG_pcp | PG_reserved))) return abi_bad_free(pfn);
    }
  }
  __free_pages(page, order);
  return 0;
}

function abi_bad_free(pfn: u32): i32 {
  printk("free_pages: pfn ");
  printk_hex(pfn);
  printk(" is not an allocated block of that order\n");
  return -22;
}

@inline function max_pfn_of_zone(pfn: u32): u32 {
  return zone_end_pfn(page_zone(pfn_to_page(pfn)));
}
