// mm/swapfile.c: the swap device's slots. One device (type 0), turned on
// by the host with its size (swapon); slot 0 is its header, as in Linux,
// so it holds pages - 1 slots. swap_map[offset] counts the references to
// a slot: one per swap PTE, up to SWAP_MAP_MAX, plus SWAP_HAS_CACHE while
// the swap cache (mm/swap_state.ts) holds a page for it. A slot whose
// count falls to 0 is free. Slots are taken next-fit from cluster_next.
//
// Not here: swapoff, priorities between devices, cluster allocation and
// count continuations (a slot shared by more than SWAP_MAP_MAX PTEs makes
// fork fail with ENOMEM instead).

import { alloc_pages } from "./mempolicy";
import { page, PG_swapcache, PG_dirty } from "./mm_types";
import { page_address } from "./mmzone";
import { GFP_KERNEL, __GFP_ZERO } from "./gfp";
import { swp_entry, swp_offset } from "./swapops";
import { swap_state_init, lookup_swap_cache_raw, delete_from_swap_cache, folio_swap_entry, clear_shadow_from_swap_cache, swap_cache_check } from "./swap_state";
import { printk, printk_u64 } from "../kernel/panic";

@inline export const SWAP_HAS_CACHE: u8 = 0x40;
@inline const SWAP_MAP_MAX: u8 = 0x3e;
@inline const SWAP_MAP_BAD: u8 = 0x3f;
/** The most slots a device may have here: 4 GiB of swap. */
@inline const MAX_SWAP_PAGES: u32 = 1 << 20;

/** swap_info_struct of the one device. */
export let swap_map: usize = 0;        // u8 per slot
export let si_max: u32 = 0;            // slots including the header; 0 while swap is off
export let si_inuse_pages: u32 = 0;
let cluster_next: u32 = 1;
/** The checker's scratch, one count per slot (debug builds). */
export let swap_map_check: usize = 0;

export let total_swap_pages: i64 = 0;
/** Free slots (get_nr_swap_pages). */
export let nr_swap_pages: i64 = 0;

/** A zeroed kernel table of `bytes`, from the buddy (as Linux's vzalloc), or 0. */
export function alloc_kernel_table(bytes: usize): usize {
  let order: u32 = 0;
  while ((<usize>4096 << order) < bytes) order++;
  const pg = alloc_pages(GFP_KERNEL | __GFP_ZERO, order);
  return pg === null ? 0 : page_address(pg);
}

/**
 * swapon: a swap device of `pages` pages (the first its header).
 * @return 0, -EBUSY when one is on, -EINVAL for a bad size, -ENOMEM.
 */
export function swapon(pages: u32): i32 {
  if (si_max) return -16;
  if (pages < 2 || pages > MAX_SWAP_PAGES) return -22;
  const map = alloc_kernel_table(pages);
  if (!map || !swap_state_init(pages)) return -12;
  if (CONFIG_DEBUG_VM) {
    swap_map_check = alloc_kernel_table(pages);
    if (!swap_map_check) return -12;
  }
  swap_map = map;
  store<u8>(swap_map, SWAP_MAP_BAD);   // the header page
  si_max = pages;
  total_swap_pages = nr_swap_pages = <i64>(pages - 1);
  printk("Adding ");
  printk_u64(<u64>(pages - 1) << 2);
  printk("k swap on /dev/vdb.  Priority:-2 extents:1 across:");
  printk_u64(<u64>(pages - 1) << 2);
  printk("k \n");
  return 0;
}

@inline function swap_map_at(offset: u32): u8 { return load<u8>(swap_map + offset); }
@inline function set_swap_map(offset: u32, v: u8): void { store<u8>(swap_map + offset, v); }
@inline function swap_count(v: u8): u8 { return v & ~SWAP_HAS_CACHE; }

/**
 * A free slot for a page entering the swap cache, marked SWAP_HAS_CACHE
 * (folio_alloc_swap / scan_swap_map_slots, next-fit). @return the entry, or 0.
 */
export function get_swap_page(): u64 {
  if (nr_swap_pages <= 0) return 0;
  let offset = cluster_next;
  for (let n: u32 = 0; n < si_max; n++, offset++) {
    if (offset >= si_max) offset = 1;
    if (swap_map_at(offset)) continue;
    set_swap_map(offset, SWAP_HAS_CACHE);
    si_inuse_pages++;
    nr_swap_pages--;
    cluster_next = offset + 1;
    return swp_entry(0, offset);
  }
  return 0;
}

/** A slot's last reference went (swap_range_free). */
function swap_range_free(offset: u32): void {
  set_swap_map(offset, 0);
  clear_shadow_from_swap_cache(offset);
  si_inuse_pages--;
  nr_swap_pages++;
}

/** Drops one reference, a PTE's (usage 1) or the cache's (SWAP_HAS_CACHE). @return what is left. */
function __swap_entry_free(entry: u64, usage: u8): u8 {
  const offset = swp_offset(entry);
  const v = swap_map_at(offset);
  let count = swap_count(v);
  let has_cache = v & SWAP_HAS_CACHE;
  if (usage == SWAP_HAS_CACHE) has_cache = 0;
  else count--;
  const left = count | has_cache;
  if (!left) swap_range_free(offset);
  else set_swap_map(offset, left);
  return left;
}

/** A swap PTE went (swap_free). */
export function swap_free(entry: u64): void {
  __swap_entry_free(entry, 1);
}

/** The swap cache let the slot go (put_swap_folio). */
export function put_swap_folio(entry: u64): void {
  __swap_entry_free(entry, SWAP_HAS_CACHE);
}

/** Whether the entry names a slot of the device in use (the host and checker must not trust a PTE). */
export function swap_entry_valid(entry: u64): bool {
  const offset = swp_offset(entry);
  return (entry >> 58) == 0 && offset > 0 && offset < si_max && swap_map_at(offset) != 0;
}

/** One more PTE holds the entry (swap_duplicate). @return 0, or -ENOMEM past SWAP_MAP_MAX. */
export function swap_duplicate(entry: u64): i32 {
  const offset = swp_offset(entry);
  const v = swap_map_at(offset);
  if (swap_count(v) >= SWAP_MAP_MAX) return -12;
  set_swap_map(offset, v + 1);
  return 0;
}

/**
 * A swap-in is about to add a page for the entry to the cache
 * (swapcache_prepare). @return 0, -EEXIST when a page is cached already,
 * -ENOENT when the slot was freed meanwhile.
 */
export function swapcache_prepare(entry: u64): i32 {
  const offset = swp_offset(entry);
  const v = swap_map_at(offset);
  if (v & SWAP_HAS_CACHE) return -17;
  if (!swap_count(v)) return -2;
  set_swap_map(offset, v | SWAP_HAS_CACHE);
  return 0;
}

/** The PTEs holding the entry (__swap_count). */
export function __swap_count(entry: u64): u32 {
  return swap_count(swap_map_at(swp_offset(entry)));
}

/** More than half the swap is in use (vm_swap_full): swap-in then frees slots eagerly. */
export function vm_swap_full(): bool {
  return nr_swap_pages * 2 < total_swap_pages;
}

/**
 * The page's slot is no longer needed once no PTE holds it: the page
 * leaves the swap cache and is dirty again, as its only copy (folio_free_swap).
 */
export function folio_free_swap(pg: page): bool {
  if (!(pg.flags & PG_swapcache)) return false;
  if (__swap_count(folio_swap_entry(pg))) return false;
  delete_from_swap_cache(pg);
  pg.flags |= PG_dirty;
  return true;
}

/**
 * A PTE holding the entry went (zap, exit): drop its reference, and when
 * only the swap cache is left, free that page too if nothing maps it
 * (free_swap_and_cache, __try_to_reclaim_swap with TTRS_UNMAPPED | TTRS_FULL).
 */
export function free_swap_and_cache(entry: u64): void {
  if (__swap_entry_free(entry, 1) != SWAP_HAS_CACHE) return;
  const pg = lookup_swap_cache_raw(swp_offset(entry));
  if (pg === null) return;
  const p = changetype<page>(pg);
  if (p._mapcount < 0 || vm_swap_full()) folio_free_swap(p);
}

/** For /proc/swaps and /proc/meminfo: what = 0 slots (pages - 1, 0 when off), 1 slots in use, 2 free slots. */
export function swap_info(what: u32): f64 {
  if (what == 0) return <f64>total_swap_pages;
  if (what == 1) return <f64>si_inuse_pages;
  return <f64>nr_swap_pages;
}

/**
 * The checker's census of swap (after check_page_tables filled
 * swap_map_check with the swap ptes of every mm): each slot's count is
 * its swap ptes, SWAP_HAS_CACHE is set exactly when the swap cache holds
 * a page for it, and inuse_pages and nr_swap_pages agree with the map.
 * @return the violations, each printk'd.
 */
export function check_swap_map(): i32 {
  if (!si_max) return 0;
  let bad: i32 = 0;
  let inuse: u32 = 0;
  for (let o: u32 = 1; o < si_max; o++) {
    const v = swap_map_at(o);
    if (v) inuse++;
    if (<u32>swap_count(v) != <u32>load<u8>(swap_map_check + o)) {
      printk("check_swap_map: slot ");
      printk_u64(o);
      printk(" count ");
      printk_u64(swap_count(v));
      printk(", swap ptes ");
      printk_u64(load<u8>(swap_map_check + o));
      printk("\n");
      bad++;
    }
    if (v && !swap_count(v) && !(v & SWAP_HAS_CACHE)) bad++;
  }
  if (inuse != si_inuse_pages || <i64>(si_max - 1 - inuse) != nr_swap_pages) {
    printk("check_swap_map: inuse_pages or nr_swap_pages disagrees with swap_map\n");
    bad++;
  }
  const cache = swap_cache_check();
  if (cache) {
    printk("check_swap_map: the swap cache and SWAP_HAS_CACHE disagree\n");
    bad += cache;
  }
  return bad;
}
