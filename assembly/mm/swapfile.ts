// mm/swapfile.c: the swap device's slots. One device (type 0), turned on
// by the host with its size (swapon); slot 0 is its header, as in Linux,
// so it holds pages - 1 slots. swap_map[offset] counts the references to
// a slot: one per swap PTE, up to SWAP_MAP_MAX, plus SWAP_HAS_CACHE while
// the swap cache (mm/swap_state.ts) holds a page for it. A slot whose
// count falls to 0 is free. Slots are taken next-fit from cluster_next.
//
// A slot shared by more than SWAP_MAP_MAX references (a page swapped out
// before a process forked 62 times) counts on in continuation pages
// (add_swap_count_continuation): each page of swap_map has a chain of
// them, whose byte at the slot's place is the next digit of its count,
// base SWAP_MAP_MAX + 1 and then SWAP_CONT_MAX + 1; COUNT_CONTINUED in a
// digit says the next page has more. As in Linux, they stay until swapoff.
//
// Not here: swapoff, priorities between devices, cluster allocation.

import { alloc_pages } from "./mempolicy";
import { page, PG_swapcache, PG_dirty } from "./mm_types";
import { __free_pages } from "./page_alloc";
import { page_address } from "./mmzone";
import { PAGE_SHIFT, PAGE_SIZE } from "./mm_types";
import { GFP_KERNEL, __GFP_ZERO } from "./gfp";
import { swp_entry, swp_offset } from "./swapops";
import { swap_state_init, lookup_swap_cache_raw, delete_from_swap_cache, folio_swap_entry, clear_shadow_from_swap_cache, swap_cache_check } from "./swap_state";
import { printk, printk_u64 } from "../kernel/panic";

@inline export const SWAP_HAS_CACHE: u8 = 0x40;
@inline const SWAP_MAP_MAX: u8 = 0x3e;
@inline const SWAP_MAP_BAD: u8 = 0x3f;
@inline const COUNT_CONTINUED: u8 = 0x80;   // the count goes on in a continuation page
@inline const SWAP_CONT_MAX: u8 = 0x7f;     // a continuation digit's largest value
/** The most slots a device may have here: 4 GiB of swap. */
@inline const MAX_SWAP_PAGES: u32 = 1 << 20;

/** swap_info_struct of the one device. */
export let swap_map: usize = 0;        // u8 per slot
export let si_max: u32 = 0;            // slots including the header; 0 while swap is off
export let si_inuse_pages: u32 = 0;
let cluster_next: u32 = 1;
/** The checker's scratch, one u16 count per slot (debug builds). */
let swap_map_check: usize = 0;
/** Per page of swap_map: its first continuation page (a struct page; each links the next by lru_next), or 0. */
let swap_cont_heads: usize = 0;

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
  swap_cont_heads = alloc_kernel_table(<usize>((pages + PAGE_SIZE - 1) >> PAGE_SHIFT) << 2);
  if (!map || !swap_cont_heads || !swap_state_init(pages)) return -12;
  if (CONFIG_DEBUG_VM) {
    swap_map_check = alloc_kernel_table(<usize>pages << 1);
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
  else if (count == COUNT_CONTINUED) count = swap_count_continued(offset, count) ? SWAP_MAP_MAX | COUNT_CONTINUED : SWAP_MAP_MAX;
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

/**
 * One more PTE holds the entry (swap_duplicate, __swap_duplicate).
 * @return 0, or -ENOMEM past SWAP_MAP_MAX when the slot's continuation
 * has no room: the caller adds one (add_swap_count_continuation) and
 * tries again.
 */
export function swap_duplicate(entry: u64): i32 {
  const offset = swp_offset(entry);
  const v = swap_map_at(offset);
  const count = swap_count(v);
  let next: u8;
  if ((count & ~COUNT_CONTINUED) < SWAP_MAP_MAX) next = count + 1;
  else if (swap_count_continued(offset, count)) next = COUNT_CONTINUED;
  else return -12;
  set_swap_map(offset, next | (v & SWAP_HAS_CACHE));
  return 0;
}

// ─── count continuations ───────────────────────────────────────────────────

/** The byte of `offset` in the continuation page at `level` of its swap_map page's chain, or 0 without one. */
function cont_byte(offset: u32, level: u32): usize {
  let p = <usize>load<u32>(swap_cont_heads + (<usize>(offset >> PAGE_SHIFT) << 2));
  for (let l: u32 = 0; p && l < level; l++) p = <usize>changetype<page>(p).lru_next;
  return p ? page_address(changetype<page>(p)) + <usize>(offset & (PAGE_SIZE - 1)) : 0;
}

/**
 * Carries a count past SWAP_MAP_MAX into the continuation digits, or
 * borrows from them, as adding 1 to 999 or taking 1 from 1000
 * (swap_count_continued). `count` is the slot's count: SWAP_MAP_MAX (with
 * or without COUNT_CONTINUED) to add, COUNT_CONTINUED to take.
 * @return adding: whether there was room (else a continuation page is
 * needed); taking: whether the count still goes on past the slot's byte.
 */
function swap_count_continued(offset: u32, count: u8): bool {
  if (!cont_byte(offset, 0)) return false;   // no continuation yet: add one
  if (count == SWAP_MAP_MAX) {
    store<u8>(cont_byte(offset, 0), 1);      // the first carry (the page was not zeroed for this slot)
    return true;
  }
  let level: u32 = 0;
  if (count == (SWAP_MAP_MAX | COUNT_CONTINUED)) {
    while (load<u8>(cont_byte(offset, level)) == (SWAP_CONT_MAX | COUNT_CONTINUED)) level++;
    if (load<u8>(cont_byte(offset, level)) == SWAP_CONT_MAX) {
      level++;
      if (!cont_byte(offset, level)) return false;
      store<u8>(cont_byte(offset, level), 0);
    }
    store<u8>(cont_byte(offset, level), load<u8>(cont_byte(offset, level)) + 1);
    while (level--) store<u8>(cont_byte(offset, level), COUNT_CONTINUED);
    return true;
  }
  // Taking one: count is COUNT_CONTINUED.
  while (load<u8>(cont_byte(offset, level)) == COUNT_CONTINUED) level++;
  const digit = load<u8>(cont_byte(offset, level)) - 1;
  store<u8>(cont_byte(offset, level), digit);
  let c: u8 = digit == 0 ? 0 : COUNT_CONTINUED;
  while (level--) {
    store<u8>(cont_byte(offset, level), SWAP_CONT_MAX | c);
    c = COUNT_CONTINUED;
  }
  return c == COUNT_CONTINUED;
}

/**
 * The slot's count is full and its continuation (if any) too: adds a
 * continuation page to the chain of its swap_map page
 * (add_swap_count_continuation). Not needed any more (the count went
 * down, or a page of the chain has room for it): nothing is added.
 * @return 0, or -ENOMEM.
 */
export function add_swap_count_continuation(entry: u64, gfp: u32): i32 {
  const pg = alloc_pages(gfp | __GFP_ZERO, 0);
  const offset = swp_offset(entry);
  let count = swap_count(swap_map_at(offset));
  if ((count & ~COUNT_CONTINUED) != SWAP_MAP_MAX) {
    if (pg !== null) __free_pages(pg, 0);
    return 0;
  }
  if (pg === null) return -12;
  let link = swap_cont_heads + (<usize>(offset >> PAGE_SHIFT) << 2);
  for (let p = <usize>load<u32>(link); p; p = <usize>load<u32>(link)) {
    const digit = load<u8>(page_address(changetype<page>(p)) + <usize>(offset & (PAGE_SIZE - 1)));
    // A page of the chain the count has not reached, or with room: it will do.
    if (!(count & COUNT_CONTINUED) || (digit & ~COUNT_CONTINUED) != SWAP_CONT_MAX) {
      __free_pages(pg, 0);
      return 0;
    }
    count = digit;
    link = p + offsetof<page>("lru_next");
  }
  pg.lru_next = 0;
  store<u32>(link, <u32>changetype<usize>(pg));
  return 0;
}

/** The slot's full count, its continuation digits included (swp_swapcount). */
function swp_swapcount(offset: u32): u32 {
  let count = <u32>swap_count(swap_map_at(offset));
  if (!(count & COUNT_CONTINUED)) return count;
  count &= ~<u32>COUNT_CONTINUED;
  let n: u32 = <u32>SWAP_MAP_MAX + 1;
  let digit: u8;
  let level: u32 = 0;
  do {
    digit = load<u8>(cont_byte(offset, level++));
    count += <u32>(digit & ~COUNT_CONTINUED) * n;
    n *= <u32>SWAP_CONT_MAX + 1;
  } while (digit & COUNT_CONTINUED);
  return count;
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

/** The checker's census: the tables start it (check_page_tables), each holder of `entry` counts itself. */
export function swap_map_census_reset(): void {
  if (swap_map_check) memory.fill(swap_map_check, 0, <usize>si_max << 1);
}
export function swap_map_census(entry: u64): void {
  const slot = swap_map_check + (<usize>swp_offset(entry) << 1);
  store<u16>(slot, load<u16>(slot) + 1);
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
    const count = swp_swapcount(o);
    if (count != <u32>load<u16>(swap_map_check + (<usize>o << 1))) {
      printk("check_swap_map: slot ");
      printk_u64(o);
      printk(" count ");
      printk_u64(count);
      printk(", swap ptes ");
      printk_u64(load<u16>(swap_map_check + (<usize>o << 1)));
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
