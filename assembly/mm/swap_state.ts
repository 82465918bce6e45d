// mm/swap_state.c: the swap cache, and swap-in with read-ahead.
//
// The swap cache maps a slot to the page holding its data while both
// exist: a page being written out, or read in and not yet freed from its
// slot. It is an array indexed by slot offset (Linux: one xarray per 64 MiB
// of swap) holding the page's pfn, or a shadow entry (mm/workingset.ts)
// once reclaim evicted it. A page in the cache has PG_swapcache, holds
// one reference for the cache and its entry in page_private.
//
// page_private: struct page here has no room for Linux's page->private,
// so it lives beside mem_map, one u32 per pfn, from swapon on.

import { alloc_pages, alloc_pages_vma } from "./mempolicy";
import { page, vm_area_struct, PG_swapcache, PG_swapbacked, PG_readahead, PG_dirty } from "./mm_types";
import { get_page, put_page } from "./page_alloc";
import { pfn_to_page, page_to_pfn, max_pfn, NR_SWAPCACHE, NR_FILE_PAGES } from "./mmzone";
import { count_vm_event, SWAP_RA, SWAP_RA_HIT } from "./vmstat";
import { swp_entry, swp_offset } from "./swapops";
import {
  alloc_kernel_table, get_swap_page, put_swap_folio, swapcache_prepare, __swap_count, si_max, swap_map, SWAP_HAS_CACHE,
} from "./swapfile";
import { swap_readpage } from "./page_io";
import { folio_add_lru, lru_add_drain, page_cluster, lruvec_stat_mod_folio } from "./swap";
import { trace_enter, trace_exit, TRACE_NO_PAGE, FN_add_to_swap, FN_swapin_readahead } from "../kernel/trace";
import { xa_is_value, workingset_refault } from "./workingset";

let swap_cache: usize = 0;      // u32 per slot: pfn, shadow, or 0
let page_private_map: usize = 0; // u32 per pfn

/** The tables of a device of `slots` slots (swapon). @return false on ENOMEM. */
export function swap_state_init(slots: u32): bool {
  swap_cache = alloc_kernel_table(<usize>slots << 2);
  page_private_map = alloc_kernel_table(<usize>max_pfn << 2);
  return swap_cache != 0 && page_private_map != 0;
}

@inline function cache_slot(offset: u32): usize { return swap_cache + (<usize>offset << 2); }

/** The swap entry of a swap-cache page (folio->swap, page_private). */
@inline export function folio_swap_entry(pg: page): u64 {
  return <u64>load<u32>(page_private_map + (<usize>page_to_pfn(pg) << 2));
}
@inline function set_page_private(pg: page, v: u32): void {
  store<u32>(page_private_map + (<usize>page_to_pfn(pg) << 2), v);
}

/** The page cached for slot `offset`, without a reference or statistics; null for none or a shadow. */
export function lookup_swap_cache_raw(offset: u32): page | null {
  if (!swap_cache) return null;
  const v = load<u32>(cache_slot(offset));
  return v && !xa_is_value(v) ? pfn_to_page(v) : null;
}

/** The slot's freed: its shadow goes too (clear_shadow_from_swap_cache). */
export function clear_shadow_from_swap_cache(offset: u32): void {
  if (xa_is_value(load<u32>(cache_slot(offset)))) store<u32>(cache_slot(offset), 0);
}

/**
 * Puts the page in the cache for `entry`, with the cache's reference
 * (add_to_swap_cache). @return the shadow the slot held, or 0.
 */
export function add_to_swap_cache(pg: page, entry: u64): u32 {
  const slot = cache_slot(swp_offset(entry));
  const old = load<u32>(slot);
  get_page(pg);
  pg.flags |= PG_swapcache;
  set_page_private(pg, swp_offset(entry));
  store<u32>(slot, page_to_pfn(pg));
  lruvec_stat_mod_folio(pg, NR_FILE_PAGES, 1);
  lruvec_stat_mod_folio(pg, NR_SWAPCACHE, 1);
  return xa_is_value(old) ? old : 0;
}

/** Takes the page out of the cache, leaving `shadow` (0 or a shadow) in its slot (__delete_from_swap_cache). */
export function __delete_from_swap_cache(pg: page, entry: u64, shadow: u32): void {
  store<u32>(cache_slot(swp_offset(entry)), shadow);
  pg.flags &= ~PG_swapcache;
  set_page_private(pg, 0);
  lruvec_stat_mod_folio(pg, NR_FILE_PAGES, -1);
  lruvec_stat_mod_folio(pg, NR_SWAPCACHE, -1);
}

/** Out of the cache, the slot's cache reference and the page's cache reference dropped (delete_from_swap_cache). */
export function delete_from_swap_cache(pg: page): void {
  const entry = folio_swap_entry(pg);
  __delete_from_swap_cache(pg, entry, 0);
  put_swap_folio(entry);
  put_page(pg);
}

/**
 * Gives an anonymous page a slot and puts it in the swap cache, dirty, so
 * that reclaim writes it out (add_to_swap). @return false when swap is full.
 */
export function add_to_swap(pg: page): bool {
  trace_enter(FN_add_to_swap, page_to_pfn(pg));
  const entry = get_swap_page();
  if (entry) {
    add_to_swap_cache(pg, entry);
    pg.flags |= PG_dirty;
  }
  trace_exit(FN_add_to_swap, <u32>entry);
  return entry != 0;
}

/** Read-ahead hits since the last swap-in fault (swapin_readahead_hits). */
let swapin_readahead_hits: u32 = 0;

/**
 * The cached page for `entry` with a reference, or null (swap_cache_get_folio).
 * A page read ahead counts its first hit.
 */
export function lookup_swap_cache(entry: u64): page | null {
  const pg = lookup_swap_cache_raw(swp_offset(entry));
  if (pg === null) return null;
  get_page(pg);
  if (pg.flags & PG_readahead) {
    pg.flags &= ~PG_readahead;
    count_vm_event(SWAP_RA_HIT);
    swapin_readahead_hits++;
  }
  return pg;
}

/** Whether the last __read_swap_cache_async made the page it returned. */
let page_was_allocated: bool = false;

/**
 * The page for `entry`: the cached one, or a new one added to the cache
 * and the LRU, not yet read (__read_swap_cache_async). A new page follows
 * the policy of `vma` at `addr` (alloc_page_vma); without a VMA (tmpfs,
 * which keeps no policy of its own here) the task's. The caller gets a
 * reference. @return null when the slot was freed or memory is short.
 */
function __read_swap_cache_async(entry: u64, gfp: u32, vma: vm_area_struct | null, addr: u64): page | null {
  page_was_allocated = false;
  let pg = lookup_swap_cache_raw(swp_offset(entry));
  if (pg !== null) {
    get_page(pg);
    return pg;
  }
  if (!__swap_count(entry)) return null;
  pg = vma !== null ? alloc_pages_vma(gfp, 0, vma, addr) : alloc_pages(gfp, 0);
  if (pg === null) return null;
  // The allocation may have reclaimed: the slot may be cached or gone now.
  if (swapcache_prepare(entry)) {
    put_page(pg);
    return lookup_swap_cache_raw(swp_offset(entry)) !== null ? __read_swap_cache_async(entry, gfp, vma, addr) : null;
  }
  pg.flags |= PG_swapbacked;
  // swapcache_prepare took the slot's cache flag: the cache adds no second one.
  const shadow = add_to_swap_cache(pg, entry);
  if (shadow) workingset_refault(pg, shadow);
  folio_add_lru(pg);
  page_was_allocated = true;
  return pg;
}

/** The page for `entry`, read from swap if it was not cached (read_swap_cache_async). */
export function read_swap_cache_async(entry: u64, gfp: u32, vma: vm_area_struct | null, addr: u64): page | null {
  const pg = __read_swap_cache_async(entry, gfp, vma, addr);
  if (pg !== null && page_was_allocated) swap_readpage(pg);
  return pg;
}

let prev_offset: u32 = 0;
let last_readahead_pages: u32 = 0;

/**
 * How many pages to read around a swap-in (swapin_nr_pages): up to
 * 2^page-cluster, more while read-ahead keeps being hit, and at least
 * half the last window, so it does not collapse at once.
 */
function swapin_nr_pages(offset: u32): u32 {
  const max_pages: u32 = 1 << page_cluster;
  if (max_pages <= 1) return 1;
  const hits = swapin_readahead_hits;
  swapin_readahead_hits = 0;
  let pages = hits + 2;
  if (pages == 2) {
    if (offset != prev_offset + 1 && offset != prev_offset - 1) pages = 1;
  } else {
    let roundup: u32 = 4;
    while (roundup < pages) roundup <<= 1;
    pages = roundup;
  }
  if (pages > max_pages) pages = max_pages;
  const last_ra = last_readahead_pages / 2;
  if (pages < last_ra) pages = last_ra;
  if (!hits) prev_offset = offset;
  last_readahead_pages = pages;
  return pages;
}

/**
 * Swap-in with read-ahead of the neighbouring slots, which were likely
 * written out together (swap_cluster_readahead); every page read follows
 * the faulting VMA's policy at the fault's address, as Linux passes
 * vmf->vma and vmf->address down. @return the page for `entry` with a
 * reference, or null.
 */
export function swapin_readahead(entry: u64, gfp: u32, vma: vm_area_struct | null, addr: u64): page | null {
  const offset = swp_offset(entry);
  trace_enter(FN_swapin_readahead, offset);
  const mask = swapin_nr_pages(offset) - 1;
  if (mask) {
    let start = offset & ~mask;
    let end = offset | mask;
    if (!start) start = 1;   // the header
    if (end >= si_max) end = si_max - 1;
    for (let o = start; o <= end; o++) {
      const pg = __read_swap_cache_async(swp_entry(0, o), gfp, vma, addr);
      if (pg === null) continue;
      if (page_was_allocated) {
        swap_readpage(pg);
        if (o != offset) {
          pg.flags |= PG_readahead;
          count_vm_event(SWAP_RA);
        }
      }
      put_page(pg);
    }
    lru_add_drain();
  }
  const pg = read_swap_cache_async(entry, gfp, vma, addr);
  trace_exit(FN_swapin_readahead, pg === null ? TRACE_NO_PAGE : page_to_pfn(pg));
  return pg;
}

/** Slots whose swap_map has SWAP_HAS_CACHE, and the pages in the cache, must be the same (the checker's). */
export function swap_cache_check(): i32 {
  let bad: i32 = 0;
  for (let o: u32 = 1; o < si_max; o++) {
    const has = (load<u8>(swap_map + o) & SWAP_HAS_CACHE) != 0;
    const pg = lookup_swap_cache_raw(o);
    if (has != (pg !== null)) bad++;
    else if (pg !== null && (!(pg.flags & PG_swapcache) || swp_offset(folio_swap_entry(pg)) != o || pg._refcount < 1)) bad++;
  }
  return bad;
}
