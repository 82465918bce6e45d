// mm/shmem.c: tmpfs file data as the kernel's page-cache pages. The host
// keeps a tmpfs file's name and metadata; its bytes live only here, in
// the page cache of its inode's address_space (marked AS_SHMEM), and
// nowhere else: no block device stands behind them. So the pages are
// swap-backed (PG_swapbacked, on the anon LRU lists, as Linux has them),
// and when reclaim takes one it goes to swap (shmem_writeout) with its
// swap entry stored in the mapping's slot in place of the page, as Linux
// stores it; the next access reads it back (shmem_swapin_folio). A hole
// reads as zeros and costs nothing until written or faulted.
//
// The host's name of the file holds one open file on the inode (as the
// dentry holds the inode): unlinking drops it, and the inode's data go
// with its last file or mapping (shmem_evict_inode).
//
// A slot of a tmpfs mapping holds a page's pfn or a swap entry as a value
// (xa_mk_value: SHADOW_VALUE | offset); reclaim leaves no shadow entry in
// a tmpfs mapping, so every value there is a swap entry.

import { page, PAGE_SHIFT, PAGE_SIZE, PG_uptodate, PG_dirty, PG_swapbacked, vm_area_struct, mm_struct, VM_SHARED, VM_MAYWRITE } from "./mm_types";
import { mmlist_first } from "./mmap";
import { first_vma, vma_next } from "./vma";
import { get_page, put_page, kernel_init_pages } from "./page_alloc";
import { alloc_pages } from "./mempolicy";
import { page_address, pfn_to_page, page_to_pfn } from "./mmzone";
import { GFP_HIGHUSER_MOVABLE } from "./gfp";
import { count_vm_event, PGMAJFAULT } from "./vmstat";
import { folio_add_lru, lru_add_drain } from "./swap";
import { SHADOW_VALUE, xa_is_value } from "./workingset";
import { swp_entry, swp_offset } from "./swapops";
import { get_swap_page, swap_duplicate, swap_free, free_swap_and_cache, swap_entry_valid, swap_map_census } from "./swapfile";
import { add_to_swap_cache, delete_from_swap_cache, lookup_swap_cache, swapin_readahead } from "./swap_state";
import { swap_writepage } from "./page_io";
import { VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_MAJOR, unmap_mapping_range } from "./memory";
import {
  address_space, file, AS_SHMEM, file_open_ino, file_from_handle, file_mapping, xa_load_entry, xa_store_entry, xa_erase,
  xa_for_each, delete_from_page_cache, filemap_unaccount_folio, fput, FMODE_READ, FMODE_WRITE,
} from "./filemap";
import { printk, printk_hex } from "../kernel/panic";
import { ENOMEM, EINVAL, EFBIG, EOPNOTSUPP } from "../include/errno";

// enum sgp_type: what shmem_get_folio may do at a hole.
@inline export const SGP_READ: u32 = 0;   // nothing: a hole stays a hole (read)
@inline export const SGP_CACHE: u32 = 2;  // allocate a zeroed page (a fault)
@inline export const SGP_WRITE: u32 = 3;  // allocate it for a write
@inline export const SGP_FALLOC: u32 = 4; // allocate it for fallocate: not uptodate until fallocate succeeds

// fallocate's mode bits shmem_fallocate takes.
@inline const FALLOC_FL_KEEP_SIZE: u32 = 0x1;
@inline const FALLOC_FL_PUNCH_HOLE: u32 = 0x2;
/** The largest tmpfs file here: what the mapping's index reaches (3 levels of 1024). */
@inline const SHMEM_MAX_BYTES: u64 = <u64>1 << (30 + PAGE_SHIFT);

@inline function swp_to_radix_entry(entry: u64): u32 { return SHADOW_VALUE | swp_offset(entry); }
@inline function radix_to_swp_entry(v: u32): u64 { return swp_entry(0, v & ~SHADOW_VALUE); }

/** The page shmem_get_folio found or made (null: a hole read with SGP_READ). */
export let shmem_folio: page | null = null;
/** shmem_fault's page for the caller's vmf->page, with a reference. */
export let shmem_fault_page: page | null = null;

/** Puts `pg` in the mapping's slot `index`, which held nothing or its swap entry (shmem_add_to_page_cache). @return false when a node could not be allocated. */
function shmem_add_to_page_cache(m: address_space, pg: page, index: u64): bool {
  if (!xa_store_entry(m, index, page_to_pfn(pg))) return false;
  pg.mapping = <u32>changetype<usize>(m);
  pg.index = index;
  m.nrpages++;
  filemap_unaccount_folio(pg, 1);
  return true;
}

/**
 * Brings page `index` back from the swap entry its slot holds: from the
 * swap cache, or read from the device (a major fault when a fault asked:
 * `fault`); the page takes the slot back, dirty, and the swap slot is
 * freed (shmem_swapin_folio). @return 0 or -ENOMEM.
 */
function shmem_swapin_folio(m: address_space, index: u64, v: u32, fault: bool): i32 {
  const entry = radix_to_swp_entry(v);
  let pg = lookup_swap_cache(entry);
  if (pg === null) {
    if (fault) {
      count_vm_event(PGMAJFAULT);
      shmem_fault_type |= VM_FAULT_MAJOR;
    }
    pg = swapin_readahead(entry, GFP_HIGHUSER_MOVABLE, null, 0);
    if (pg === null) return -ENOMEM;
  }
  // The reads may have reclaimed, but never this slot: reclaim stores swap entries only where pages were.
  if (xa_load_entry(m, index) != v) {
    put_page(pg);
    return -ENOMEM;
  }
  // The swap-in's reference becomes the page cache's.
  shmem_add_to_page_cache(m, pg, index);   // the slot's node exists: no allocation, no failure
  delete_from_swap_cache(pg);
  swap_free(entry);
  pg.flags |= PG_dirty;
  return 0;
}

/** VM_FAULT_MAJOR when the last shmem_get_folio read from swap for a fault. */
let shmem_fault_type: u32 = 0;

/**
 * The page at `index` of the tmpfs mapping, in shmem_folio: the cached
 * one, one brought back from swap, or at a hole a new zeroed page unless
 * `sgp` is SGP_READ (shmem_get_folio_gfp). No reference is taken beyond
 * the cache's. @return 0 or -ENOMEM.
 */
export function shmem_get_folio_gfp(m: address_space, index: u64, sgp: u32, gfp: u32, fault: bool): i32 {
  shmem_folio = null;
  let v = xa_load_entry(m, index);
  if (xa_is_value(v)) {
    const err = shmem_swapin_folio(m, index, v, fault);
    if (err) return err;
    v = xa_load_entry(m, index);
  }
  if (v) {
    shmem_folio = pfn_to_page(v);
    return 0;
  }
  if (sgp == SGP_READ) return 0;
  const pg = alloc_pages(gfp, 0);
  if (pg === null) return -ENOMEM;
  kernel_init_pages(pg, 1);
  // fallocate's pages stay !uptodate until it succeeds: they are those a failure takes back.
  pg.flags |= PG_swapbacked | (sgp == SGP_FALLOC ? 0 : PG_uptodate);
  if (!shmem_add_to_page_cache(m, pg, index)) {
    put_page(pg);
    return -ENOMEM;
  }
  folio_add_lru(pg);
  shmem_folio = pg;
  return 0;
}

/** shmem_get_folio: with the mapping's usual gfp. */
@inline export function shmem_get_folio(m: address_space, index: u64, sgp: u32): i32 {
  return shmem_get_folio_gfp(m, index, sgp, GFP_HIGHUSER_MOVABLE, false);
}

/**
 * A fault on a tmpfs mapping (vm_ops->fault: shmem_fault): the page at
 * `index`, made or swapped in; past the end of the file, SIGBUS.
 * @return 0 or VM_FAULT_* bits; the page in shmem_fault_page.
 */
export function shmem_fault(vma: vm_area_struct, index: u64): u32 {
  const m = file_mapping(changetype<file>(<usize>vma.vm_file));
  shmem_fault_page = null;
  shmem_fault_type = 0;
  if (index >= (m.i_size + PAGE_SIZE - 1) >> PAGE_SHIFT) return VM_FAULT_SIGBUS;
  if (shmem_get_folio_gfp(m, index, SGP_CACHE, GFP_HIGHUSER_MOVABLE, true)) return VM_FAULT_OOM;
  const pg = changetype<page>(shmem_folio);
  get_page(pg);
  shmem_fault_page = pg;
  return shmem_fault_type;
}

/**
 * Reclaim writes a tmpfs page out (shmem_writeout): it gets a swap slot,
 * moves from the page cache to the swap cache, the slot's entry taking
 * its place in the mapping, and is written. The caller has unmapped it
 * and holds it isolated. @return false when swap is full (the page stays).
 */
export function shmem_writeout(pg: page): bool {
  const m = changetype<address_space>(<usize>pg.mapping);
  const index = pg.index;
  const entry = get_swap_page();
  if (!entry) return false;
  add_to_swap_cache(pg, entry);
  swap_duplicate(entry);   // the mapping's reference on the slot
  // shmem_delete_from_page_cache: the slot keeps the swap entry, the cache's reference goes.
  xa_store_entry(m, index, swp_to_radix_entry(entry));
  m.nrpages--;
  pg.mapping = 0;
  pg.index = 0;
  filemap_unaccount_folio(pg, -1);
  put_page(pg);
  swap_writepage(pg);
  return true;
}

// ─── truncation and eviction ───────────────────────────────────────────────

/** shmem_undo_range's indices to drop, [undo_from, undo_to) (no closures here). */
let undo_from: u64 = 0;
let undo_to: u64 = 0;

/**
 * Drops every entry of indices [from, to) (shmem_undo_range). The per-CPU
 * LRU batch is drained first, as folio_batch_release does, so that the
 * pages it holds are freed with the cache's reference.
 */
function shmem_undo_range(m: address_space, from: u64, to: u64 = U64_MAX): void {
  if (from >= to) return;
  lru_add_drain();
  undo_from = from;
  undo_to = to;
  xa_for_each(m, shmem_undo_entry);
}

/** Drops one entry in [undo_from, undo_to): a page leaves the cache, a swap entry frees its slot (shmem_free_swap). */
function shmem_undo_entry(m: address_space, v: u32, index: u64): void {
  if (index < undo_from || index >= undo_to) return;
  if (xa_is_value(v)) {
    xa_erase(m, index);
    free_swap_and_cache(radix_to_swp_entry(v));
  } else {
    delete_from_page_cache(m, pfn_to_page(v), index);
  }
}

@inline const U64_MAX: u64 = <u64>-1;

/** Zeroes bytes [from, to) of page `index` where it is in memory (a hole or a swapped-out page stays as it is). */
function shmem_zero_partial(m: address_space, index: u64, from: u32, to: u32): void {
  if (from < to && !shmem_get_folio(m, index, SGP_READ) && shmem_folio !== null) {
    memory.fill(page_address(changetype<page>(shmem_folio)) + <usize>from, 0, <usize>(to - from));
  }
}

/**
 * Frees the file's data in bytes [lstart, lend] (lend U64_MAX: to the
 * end): no PTE maps a whole page of it, the cached pages and swap entries
 * there go, and the partial pages at either end read zeros in it
 * (shmem_truncate_range, shmem_undo_range; fallocate's hole punch
 * unmaps just the whole pages, as truncate_pagecache_range).
 */
export function shmem_truncate_range(m: address_space, lstart: u64, lend: u64 = U64_MAX): void {
  const first = (lstart + PAGE_SIZE - 1) >> PAGE_SHIFT;
  // The pages wholly inside: [first, last).
  const last = lend == U64_MAX ? U64_MAX : (lend + 1) >> PAGE_SHIFT;
  if (last > first) unmap_mapping_range(<u32>changetype<usize>(m), first, last == U64_MAX ? 0 : last - first, last == U64_MAX);
  const head = lstart >> PAGE_SHIFT;
  const partial = <u32>(lstart & (PAGE_SIZE - 1));
  if (lend != U64_MAX && head == lend >> PAGE_SHIFT) {
    // Both ends in one page.
    if (partial || ((lend + 1) & (PAGE_SIZE - 1))) {
      shmem_zero_partial(m, head, partial, <u32>(lend & (PAGE_SIZE - 1)) + 1);
      return;
    }
  } else {
    if (partial) shmem_zero_partial(m, head, partial, PAGE_SIZE);
    const tail = lend == U64_MAX ? 0 : <u32>((lend + 1) & (PAGE_SIZE - 1));
    if (tail) shmem_zero_partial(m, lend >> PAGE_SHIFT, 0, tail);
  }
  shmem_undo_range(m, first, last);
}

/** The inode's last file went: its pages' swap entries are freed (shmem_evict_inode); filemap's evict drops the pages. */
export function shmem_evict_inode(m: address_space): void {
  shmem_undo_range(m, 0);
}

/**
 * The checker's part: every swap entry a tmpfs mapping holds names a slot
 * in use, and is counted as that slot's reference for check_swap_map
 * (after check_page_tables filled swap_map_check). @return violations.
 */
export function shmem_check_mapping(m: address_space): i32 {
  check_bad = 0;
  xa_for_each(m, shmem_check_entry);
  return check_bad;
}

let check_bad: i32 = 0;

function shmem_check_entry(m: address_space, v: u32, index: u64): void {
  if (!xa_is_value(v)) return;
  const entry = radix_to_swp_entry(v);
  if (!swap_entry_valid(entry)) {
    printk("BUG: shmem: a swap entry names no slot in use, index:");
    printk_hex(<u32>index);
    printk("\n");
    check_bad++;
    return;
  }
  swap_map_census(entry);
}

// ─── the host's calls (docs/abi.md) ────────────────────────────────────────

/** The tmpfs mapping of a live file handle the host passed, or null. */
function shmem_handle_mapping(handle: u32): address_space | null {
  const f = file_from_handle(handle);
  if (f === null) return null;
  const m = file_mapping(f);
  return (m.flags & AS_SHMEM) ? m : null;
}

/**
 * A new, empty tmpfs inode `ino` (shmem_get_inode), opened for the name
 * that holds it: the host drops that file (file_put) when the name goes.
 * @return the file's handle, or 0 (ENOMEM, or an inode number in use).
 */
export function shmem_get_inode(ino: u32): u32 {
  if (!ino) return 0;
  const f = file_open_ino(ino, 0, FMODE_READ | FMODE_WRITE);
  if (f === null) return 0;
  const m = file_mapping(f);
  if (m.i_count != 1 || m.nrpages) {
    // Another file already has this inode: not a new one.
    fput(f);
    return 0;
  }
  m.flags |= AS_SHMEM;
  return <u32>changetype<usize>(f);
}

/** i_size of a tmpfs file (stat), or -1 for a bad handle. */
export function shmem_i_size(handle: u32): f64 {
  const m = shmem_handle_mapping(handle);
  return m !== null ? <f64>m.i_size : -1;
}

/** Entries counted by shmem_count_entry (no closures here). */
let counted: u64 = 0;
function shmem_count_entry(m: address_space, v: u32, index: u64): void {
  counted++;
}

/**
 * The pages a tmpfs file holds, in memory or swapped out: st_blocks / 8
 * (i_blocks: shmem_inode_info's alloced), or -1 for a bad handle.
 */
export function shmem_i_blocks(handle: u32): f64 {
  const m = shmem_handle_mapping(handle);
  if (m === null) return -1;
  counted = 0;
  xa_for_each(m, shmem_count_entry);
  return <f64>counted;
}

/**
 * For read(): the physical address of page `index`, swapped in if it was
 * out (shmem_file_read_iter's shmem_get_folio with SGP_READ).
 * @return the address, 0 for a hole (zeros), or -ENOMEM.
 */
export function shmem_read_folio(handle: u32, index: f64): f64 {
  const m = shmem_handle_mapping(handle);
  if (m === null || !(index >= 0) || index >= <f64>(SHMEM_MAX_BYTES >> PAGE_SHIFT)) return -EINVAL;
  const err = shmem_get_folio(m, <u64>index, SGP_READ);
  if (err) return err;
  return shmem_folio !== null ? <f64>page_address(changetype<page>(shmem_folio)) : 0;
}

/**
 * For write(): the page the bytes [pos, pos + len) of one page go to, made
 * or swapped in (shmem_write_begin). The host copies them, then calls
 * shmem_write_end. @return the page's physical address, or -errno.
 */
export function shmem_write_begin(handle: u32, pos: f64, len: u32): f64 {
  const m = shmem_handle_mapping(handle);
  if (m === null || !(pos >= 0) || len > PAGE_SIZE) return -EINVAL;
  if (<u64>pos + len > SHMEM_MAX_BYTES) return -EFBIG;
  const err = shmem_get_folio(m, <u64>pos >> PAGE_SHIFT, SGP_WRITE);
  if (err) return err;
  return <f64>page_address(changetype<page>(shmem_folio));
}

/** `copied` bytes were written at `pos`: the page is dirty, i_size grows to cover them (shmem_write_end). */
export function shmem_write_end(handle: u32, pos: f64, copied: u32): void {
  const m = shmem_handle_mapping(handle);
  if (m === null || !(pos >= 0) || <u64>pos + copied > SHMEM_MAX_BYTES) return;
  const v = xa_load_entry(m, <u64>pos >> PAGE_SHIFT);
  if (!v || xa_is_value(v)) return;
  pfn_to_page(v).flags |= PG_dirty;
  if (<u64>pos + copied > m.i_size) m.i_size = <u64>pos + copied;
}

/**
 * fallocate of a tmpfs file once the VFS checked the call (shmem_fallocate):
 * FALLOC_FL_PUNCH_HOLE (with FALLOC_FL_KEEP_SIZE) frees the range's pages
 * and unmaps them; else each page of the range is allocated (zeroed, dirty)
 * and, without FALLOC_FL_KEEP_SIZE, i_size grows to cover it. Out of memory,
 * the pages this call allocated go again. @return 0 or -errno.
 */
export function shmem_fallocate(handle: u32, mode: u32, offset: f64, len: f64): i32 {
  const m = shmem_handle_mapping(handle);
  if (m === null || !(offset >= 0) || !(len > 0)) return -EINVAL;
  if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) return -EOPNOTSUPP;
  const start = <u64>offset;
  const end = <u64>(offset + len);
  if (mode & FALLOC_FL_PUNCH_HOLE) {
    shmem_truncate_range(m, start, end - 1);
    return 0;
  }
  if (end > SHMEM_MAX_BYTES) return -EFBIG;
  const first = start >> PAGE_SHIFT;
  const last = (end + PAGE_SIZE - 1) >> PAGE_SHIFT;
  let err: i32 = 0;
  for (let index = first; index < last && !err; index++) err = shmem_get_folio_gfp(m, index, SGP_FALLOC, GFP_HIGHUSER_MOVABLE, false);
  falloc_failed = err != 0;
  falloc_from = first;
  falloc_to = last;
  xa_for_each(m, shmem_falloc_done);
  if (err) return err;
  if (!(mode & FALLOC_FL_KEEP_SIZE) && end > m.i_size) m.i_size = end;
  return 0;
}

/** shmem_fallocate's range and outcome, for shmem_falloc_done (no closures here). */
let falloc_from: u64 = 0;
let falloc_to: u64 = 0;
let falloc_failed = false;

/** A page fallocate allocated in its range: kept, uptodate and dirty (it must go to swap, never be dropped), or on failure freed. */
function shmem_falloc_done(m: address_space, v: u32, index: u64): void {
  if (index < falloc_from || index >= falloc_to || xa_is_value(v)) return;
  const pg = pfn_to_page(v);
  if (pg.flags & PG_uptodate) return;
  if (falloc_failed) {
    lru_add_drain();
    delete_from_page_cache(m, pg, index);
  } else {
    pg.flags |= PG_uptodate | PG_dirty;
  }
}

/**
 * Whether a shared mapping may write the file (mapping_writably_mapped:
 * a VM_SHARED|VM_MAYWRITE VMA maps it), which F_SEAL_WRITE refuses.
 * There is no i_mmap tree here, so every mm's VMAs are walked.
 */
export function mapping_writably_mapped(handle: u32): bool {
  const f = file_from_handle(handle);
  if (f === null) return false;
  for (let m = changetype<usize>(mmlist_first()); m; m = <usize>changetype<mm_struct>(m).mmlist) {
    for (let vma = first_vma(changetype<mm_struct>(m)); vma !== null; vma = vma_next(changetype<vm_area_struct>(vma))) {
      if (vma.vm_file && changetype<file>(<usize>vma.vm_file).f_mapping == f.f_mapping
        && (vma.vm_flags & (VM_SHARED | VM_MAYWRITE)) == (VM_SHARED | VM_MAYWRITE)) return true;
    }
  }
  return false;
}

/** ftruncate of a tmpfs file (shmem_setattr with ATTR_SIZE): a shrink frees what is past the end. @return 0 or -errno. */
export function shmem_setattr(handle: u32, size: f64): i32 {
  const m = shmem_handle_mapping(handle);
  if (m === null || !(size >= 0)) return -EINVAL;
  if (size > <f64>SHMEM_MAX_BYTES) return -EFBIG;
  const newsize = <u64>size;
  const old = m.i_size;
  m.i_size = newsize;
  if (newsize < old) shmem_truncate_range(m, newsize);
  return 0;
}
