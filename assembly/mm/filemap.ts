// mm/filemap: the page cache. Each file the host names by its inode
// number has one address_space; its pages come into the cache only when
// a fault (or read-around) needs them: the kernel allocates a page and
// asks the host, a block driver's readpage, to copy that page of the file
// into it (read_file_page). No file byte is in RAM outside these pages.
//
// A struct file is one open of an inode (the host's fd table holds it,
// and every VMA mapping it holds a reference: get_file in mmap_region and
// split_vma, fput when the VMA goes). The address_space lives while any
// file of its inode does; when the last goes, dirty pages are written
// back (write_file_page), the cache drops its reference on each page and
// tells the host the inode is gone (evict_inode). A page is freed when
// neither the cache nor a PTE holds it.
//
// The index (Linux: the xarray i_pages) is a radix tree of 4 KiB nodes of
// 1024 pfns each, grown in height as the highest index needs: its size
// follows the pages cached, not the size of the file.

import { alloc_pages } from "./mempolicy";
import { page, PAGE_SHIFT, PAGE_SIZE, PG_uptodate, PG_slab, PG_dirty, PG_readahead, PG_tail, PG_reserved, PG_buddy, PG_pcp,
  PG_pgtable, PG_swapbacked, PAGE_MAPPING_ANON, vm_area_struct } from "./mm_types";
import { __free_pages, get_page, put_page } from "./page_alloc";
import { pfn_to_page, page_to_pfn, page_address, max_pfn, NR_FILE_PAGES, NR_SHMEM } from "./mmzone";
import { GFP_KERNEL, GFP_HIGHUSER_MOVABLE } from "./gfp";
import { count_vm_event, PGMAJFAULT } from "./vmstat";
import { kmem_cache_create, kmem_cache_zalloc, kmem_cache_free } from "./slab";
import { printk, printk_hex } from "../kernel/panic";
import { report_page } from "./debug";
import { VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_MAJOR, unmap_mapping_range } from "./memory";
import { folio_add_lru, lruvec_stat_mod_folio } from "./swap";
import { shmem_evict_inode, shmem_check_mapping } from "./shmem";
import { xa_is_value, workingset_refault } from "./workingset";

/** The host's block driver: copies page `index` of inode `ino` to `pa`; returns the bytes copied (the rest is zeroed), or -errno. */
@external("env", "read_file_page")
declare function read_file_page(ino: u32, index: f64, pa: f64): i32;

/** Writes `bytes` from `pa` back to page `index` of inode `ino` (writepage). */
@external("env", "write_file_page")
declare function write_file_page(ino: u32, index: f64, pa: f64, bytes: u32): void;

/** The inode has no address_space any more: the host may forget it. */
@external("env", "evict_inode")
declare function evict_inode(ino: u32): void;

@inline const FILE_MAGIC: u32 = 0x46494c45;     // "FILE": a live file object
@inline const MAPPING_MAGIC: u32 = 0x41535043;  // "ASPC": a live address_space

// f_mode bits (include/linux/fs.h).
@inline export const FMODE_READ: u32 = 0x1;
@inline export const FMODE_WRITE: u32 = 0x2;
/** fadvise(POSIX_FADV_RANDOM): a read() reads what it asks and no more. */
@inline const FMODE_RANDOM: u32 = 0x1000;

/** The radix tree: 1024 pfns a node, at most three levels (2^30 pages). */
@inline const XA_SHIFT: u32 = 10;
@inline const XA_MASK: u64 = (1 << XA_SHIFT) - 1;
@inline const XA_MAX_HEIGHT: u32 = 3;

/** Read-around (mm/readahead.c): the default ra_pages (128 KiB) and mmap_miss's limit. */
@inline const RA_PAGES: u32 = 32;
@inline const MMAP_LOTSAMISS: u32 = 100;

/** struct address_space with the inode fields it needs. */
@unmanaged
export class address_space {
  a_magic: u32;
  host: u32;          // the inode number the host names the file by
  i_count: u32;       // files open on it
  nrpages: u32;
  i_pages: u32;       // physical address of the radix root (0: empty)
  i_height: u32;      // levels of the tree
  next: u32;          // the next live address_space (the inode hash: one chain)
  flags: u32;         // AS_SHMEM
  i_size: u64;
}

/** A tmpfs inode's mapping (Linux tells it by its a_ops, shmem_mapping): its pages are swap-backed, its data has no other home. */
@inline export const AS_SHMEM: u32 = 1;
@inline export function shmem_mapping(m: address_space): bool { return (m.flags & AS_SHMEM) != 0; }

/** struct file: one open of an inode, with its read-ahead state (file_ra_state). */
@unmanaged
export class file {
  f_magic: u32;
  f_count: u32;       // references: the host's and one per VMA
  f_mode: u32;        // FMODE_*
  f_mapping: u32;     // its address_space
  host_held: u32;     // the host's reference is still held (file_put not yet called)
  ra_start: u32;      // the last read-ahead window [ra_start, ra_start + ra_size)
  ra_size: u32;
  ra_async_size: u32; // its tail whose first page is marked PG_readahead
  mmap_miss: u32;
  ra_prev_pos: i64;   // where the last read() ended (-1: none yet)
}

const filp_cachep = kmem_cache_create("filp", offsetof<file>());
const mapping_cachep = kmem_cache_create("inode_cache", offsetof<address_space>());
/** The live address_spaces, newest first. */
let mappings: u32 = 0;
/** The newest live address_space (0: none); each one's `next` is the one before it (the superblock's s_inodes). */
export function first_mapping(): u32 { return mappings; }

@inline export function file_mapping(f: file): address_space { return changetype<address_space>(<usize>f.f_mapping); }

// ─── the index ─────────────────────────────────────────────────────────────

@inline function node_addr(pfn: u32): usize { return <usize>pfn << PAGE_SHIFT; }

/** How many indices a tree of this height holds. */
@inline function xa_capacity(height: u32): u64 { return <u64>1 << (height * XA_SHIFT); }

/** What slot `index` holds: a pfn, a value (a shadow entry, mm/workingset.ts, or a tmpfs page's swap entry), or 0. */
export function xa_load_entry(m: address_space, index: u64): u32 {
  if (!m.i_pages || index >= xa_capacity(m.i_height)) return 0;
  let node = <usize>m.i_pages;
  for (let h = m.i_height - 1; h > 0; h--) {
    const pfn = load<u32>(node + (<usize>((index >> (h * XA_SHIFT)) & XA_MASK) << 2));
    if (!pfn) return 0;
    node = node_addr(pfn);
  }
  return load<u32>(node + (<usize>(index & XA_MASK) << 2));
}

/** The page cached at `index`, or null (xa_load; a shadow is no page). */
function xa_load(m: address_space, index: u64): page | null {
  const v = xa_load_entry(m, index);
  return v && !xa_is_value(v) ? pfn_to_page(v) : null;
}

/** A zeroed tree node, or 0 when memory is short. */
function xa_alloc_node(): usize {
  const pg = alloc_pages(GFP_KERNEL, 0);
  if (pg === null) return 0;
  const addr = page_address(pg);
  memory.fill(addr, 0, PAGE_SIZE);
  return addr;
}

/** Puts `pg` at the empty slot `index` (xa_store). @return false when a node could not be allocated. */
function xa_store(m: address_space, index: u64, pg: page): bool {
  return xa_store_entry(m, index, page_to_pfn(pg));
}

/** Puts the entry `v` (a pfn or a value) at slot `index`. @return false when a node could not be allocated. */
export function xa_store_entry(m: address_space, index: u64, v: u32): bool {
  if (!m.i_pages) {
    const root = xa_alloc_node();
    if (!root) return false;
    m.i_pages = <u32>root;
    m.i_height = 1;
  }
  while (index >= xa_capacity(m.i_height)) {
    const root = xa_alloc_node();
    if (!root) return false;
    store<u32>(root, <u32>(m.i_pages >> PAGE_SHIFT));
    m.i_pages = <u32>root;
    m.i_height++;
  }
  let node = <usize>m.i_pages;
  for (let h = m.i_height - 1; h > 0; h--) {
    const slot = node + (<usize>((index >> (h * XA_SHIFT)) & XA_MASK) << 2);
    if (!load<u32>(slot)) {
      const child = xa_alloc_node();
      if (!child) return false;
      store<u32>(slot, <u32>(child >> PAGE_SHIFT));
    }
    node = node_addr(load<u32>(slot));
  }
  store<u32>(node + (<usize>(index & XA_MASK) << 2), v);
  return true;
}

/** Empties the slot `index`, or leaves a value in it (xa_erase, xa_store of a value); the nodes stay until the inode goes. */
export function xa_erase(m: address_space, index: u64, shadow: u32 = 0): void {
  let node = <usize>m.i_pages;
  for (let h = m.i_height - 1; h > 0; h--) node = node_addr(load<u32>(node + (<usize>((index >> (h * XA_SHIFT)) & XA_MASK) << 2)));
  store<u32>(node + (<usize>(index & XA_MASK) << 2), shadow);
}

// The callbacks of a walk over the cache (no closures here).
type page_fn = (m: address_space, pg: page, index: u64) => void;
type entry_fn = (m: address_space, v: u32, index: u64) => void;

/** Calls fn on every entry, page or value, of the tree, in index order (xa_for_each). */
export function xa_for_each(m: address_space, fn: entry_fn): void {
  if (m.i_pages) xa_for_each_node(m, m.i_pages, m.i_height, 0, fn);
}

function xa_for_each_node(m: address_space, node: usize, height: u32, base: u64, fn: entry_fn): void {
  for (let i: u32 = 0; i < (1 << XA_SHIFT); i++) {
    const v = load<u32>(node + (<usize>i << 2));
    if (!v) continue;
    const index = base + (<u64>i << ((height - 1) * XA_SHIFT));
    if (height > 1) xa_for_each_node(m, node_addr(v), height - 1, index, fn);
    else fn(m, v, index);
  }
}

/** Calls fn on every cached page, in index order; with `free`, frees the nodes as it goes. */
function xa_walk(m: address_space, node: usize, height: u32, base: u64, fn: page_fn, free: bool): void {
  for (let i: u32 = 0; i < (1 << XA_SHIFT); i++) {
    const pfn = load<u32>(node + (<usize>i << 2));
    if (!pfn || (height == 1 && xa_is_value(pfn))) continue;
    const index = base + (<u64>i << ((height - 1) * XA_SHIFT));
    if (height > 1) xa_walk(m, node_addr(pfn), height - 1, index, fn, free);
    else fn(m, pfn_to_page(pfn), index);
  }
  if (free) __free_pages(pfn_to_page(<u32>(node >> PAGE_SHIFT)), 0);
}

// ─── inodes and files ──────────────────────────────────────────────────────

/** The live address_space of inode `ino`, or null (ilookup). */
function ilookup(ino: u32): address_space | null {
  for (let a = mappings; a; a = changetype<address_space>(<usize>a).next) {
    const m = changetype<address_space>(<usize>a);
    if (m.host == ino) return m;
  }
  return null;
}

/** Writes a dirty page back to the host's file (writepage); the bytes past i_size stay out. A tmpfs page stays dirty: it is its data's only copy. */
function writepage(m: address_space, pg: page): void {
  if (shmem_mapping(m)) return;
  pg.flags &= ~PG_dirty;
  const start = pg.index << PAGE_SHIFT;
  if (start >= m.i_size) return;
  const left = m.i_size - start;
  write_file_page(m.host, <f64>pg.index, <f64>page_address(pg), left < PAGE_SIZE ? <u32>left : PAGE_SIZE);
}

function release_page(m: address_space, pg: page, index: u64): void {
  if (pg.flags & PG_dirty) writepage(m, pg);
  pg.mapping = 0;
  pg.index = 0;
  pg.flags &= ~(PG_uptodate | PG_readahead | PG_dirty);
  filemap_unaccount_folio(pg, -1);
  put_page(pg);
}

/** A page enters (+1) or leaves (-1) a cache: nr_file_pages, and nr_shmem for a tmpfs page (filemap_unaccount_folio). */
export function filemap_unaccount_folio(pg: page, delta: i64): void {
  lruvec_stat_mod_folio(pg, NR_FILE_PAGES, delta);
  if (pg.flags & PG_swapbacked) lruvec_stat_mod_folio(pg, NR_SHMEM, delta);
}

/** The inode's last file is gone: write back, drop the cache (a tmpfs inode's swap too), unhash it (iput_final). */
function evict(m: address_space): void {
  if (shmem_mapping(m)) shmem_evict_inode(m);
  if (m.i_pages) xa_walk(m, m.i_pages, m.i_height, 0, release_page, true);
  if (mappings == <u32>changetype<usize>(m)) {
    mappings = m.next;
  } else {
    for (let a = mappings; a; a = changetype<address_space>(<usize>a).next) {
      const prev = changetype<address_space>(<usize>a);
      if (prev.next == <u32>changetype<usize>(m)) {
        prev.next = m.next;
        break;
      }
    }
  }
  const ino = m.host;
  m.a_magic = 0;
  kmem_cache_free(mapping_cachep, changetype<usize>(m));
  evict_inode(ino);
}

/**
 * Opens inode `ino` of `size` bytes: a new file on its address_space
 * (made now if the inode has none; a tmpfs inode keeps its own size).
 * The caller holds the file's one reference. @return the file, or null
 * when memory is short.
 */
export function file_open_ino(ino: u32, size: u64, mode: u32): file | null {
  let m = ilookup(ino);
  const obj = kmem_cache_zalloc(filp_cachep);
  if (!obj) return null;
  if (m === null) {
    const a = kmem_cache_zalloc(mapping_cachep);
    if (!a) {
      kmem_cache_free(filp_cachep, obj);
      return null;
    }
    m = changetype<address_space>(a);
    m.a_magic = MAPPING_MAGIC;
    m.host = ino;
    m.next = mappings;
    mappings = <u32>a;
  }
  if (!shmem_mapping(m)) m.i_size = size;
  m.i_count++;
  const f = changetype<file>(obj);
  f.f_magic = FILE_MAGIC;
  f.f_count = 1;
  f.f_mode = mode;
  f.f_mapping = <u32>changetype<usize>(m);
  f.host_held = 1;
  f.ra_prev_pos = -1;
  return f;
}

/** Takes a reference on f (a new VMA maps it). */
export function get_file(f: file): void {
  f.f_count++;
}

/** Drops a reference; the last one closes the file, and the inode's last file evicts it. */
export function fput(f: file): void {
  assert(f.f_count > 0, "fput: file has no reference");
  if (--f.f_count) return;
  const m = file_mapping(f);
  f.f_magic = 0;
  kmem_cache_free(filp_cachep, changetype<usize>(f));
  if (--m.i_count == 0) evict(m);
}

// ─── reading pages in ──────────────────────────────────────────────────────

/**
 * A new page at `index`, read from the host, in the cache with the
 * cache's one reference (page_cache_alloc, filemap_add_folio, read_folio).
 * @return null when memory is short or the device failed.
 */
function page_cache_read(m: address_space, index: u64): page | null {
  const pg = alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
  if (pg === null) return null;
  const pa = page_address(pg);
  const n = read_file_page(m.host, <f64>index, <f64>pa);
  // The allocation may have reclaimed: the slot may hold a shadow now.
  const shadow = xa_load_entry(m, index);
  if (n < 0 || n > <i32>PAGE_SIZE || !xa_store(m, index, pg)) {
    put_page(pg);
    return null;
  }
  memory.fill(pa + <usize>n, 0, <usize>(PAGE_SIZE - <u32>n));
  pg.mapping = <u32>changetype<usize>(m);  // a file page: the mapping's low bit stays clear
  pg.index = index;
  pg.flags |= PG_uptodate;
  m.nrpages++;
  filemap_unaccount_folio(pg, 1);
  if (xa_is_value(shadow)) workingset_refault(pg, shadow);
  folio_add_lru(pg);
  return pg;
}

/**
 * Reclaim drops a clean, unmapped page from the cache, leaving its shadow
 * (__filemap_remove_folio); the caller drops the cache's reference.
 */
export function __filemap_remove_folio(pg: page, shadow: u32): void {
  const m = changetype<address_space>(<usize>pg.mapping);
  xa_erase(m, pg.index, shadow);
  m.nrpages--;
  pg.mapping = 0;
  pg.index = 0;
  pg.flags &= ~(PG_uptodate | PG_readahead);
  filemap_unaccount_folio(pg, -1);
}

/** Pages of the file: ceil(i_size / PAGE_SIZE). */
@inline function size_pages(m: address_space): u64 { return (m.i_size + PAGE_SIZE - 1) >> PAGE_SHIFT; }

/**
 * Reads the pages of [start, start + nr) not cached yet, clamped to the
 * file, and marks the first page of the last `lookahead` PG_readahead
 * (do_page_cache_ra, page_cache_ra_unbounded). Failures end it quietly:
 * read-ahead is a hint.
 */
function do_page_cache_ra(m: address_space, start: u64, nr: u64, lookahead: u64): void {
  const end = size_pages(m);
  if (start >= end) return;
  if (nr > end - start) nr = end - start;
  for (let i: u64 = 0; i < nr; i++) {
    if (xa_load(m, start + i) !== null) continue;
    const pg = page_cache_read(m, start + i);
    if (pg === null) return;
    if (i == nr - lookahead) pg.flags |= PG_readahead;
  }
}

/** get_next_ra_size: the next window, ramping up to the maximum. */
function get_next_ra_size(cur: u32, max: u32): u32 {
  if (cur < max / 16) return 4 * cur;
  if (cur <= max / 2) return 2 * cur;
  return max;
}

/**
 * A miss: read around the fault, unless mmap misses have far outnumbered
 * hits on this file (do_sync_mmap_readahead, without VM_RAND_READ and
 * VM_SEQ_READ, which madvise does not set here).
 */
function do_sync_mmap_readahead(f: file, index: u64): void {
  if (f.mmap_miss < MMAP_LOTSAMISS * 10) f.mmap_miss++;
  if (f.mmap_miss > MMAP_LOTSAMISS) return;
  const start = index > RA_PAGES / 2 ? index - RA_PAGES / 2 : 0;
  f.ra_start = <u32>start;
  f.ra_size = RA_PAGES;
  f.ra_async_size = RA_PAGES / 4;
  do_page_cache_ra(file_mapping(f), start, RA_PAGES, f.ra_async_size);
}

/**
 * A hit: count it against mmap_miss, and when the page carries the
 * PG_readahead mark, read the next window ahead (do_async_mmap_readahead,
 * page_cache_async_ra: the sequential case of ondemand_readahead).
 */
function do_async_mmap_readahead(f: file, pg: page): void {
  if (f.mmap_miss) f.mmap_miss--;
  if (!(pg.flags & PG_readahead)) return;
  pg.flags &= ~PG_readahead;
  const index = pg.index;
  const expected = <u64>f.ra_start + f.ra_size - f.ra_async_size;
  if (index != expected && index != <u64>f.ra_start + f.ra_size) return;
  f.ra_start += f.ra_size;
  f.ra_size = get_next_ra_size(f.ra_size, RA_PAGES);
  f.ra_async_size = f.ra_size;
  do_page_cache_ra(file_mapping(f), f.ra_start, f.ra_size, f.ra_async_size);
}

/** filemap_fault's result page (the caller's vmf->page), with a reference for the caller. */
export let filemap_fault_page: page | null = null;

/**
 * The page-cache page at `index` of vma's file, read in on a miss
 * (filemap_fault). A miss is a major fault, as in Linux: PGMAJFAULT and
 * VM_FAULT_MAJOR. Past the end of the file: SIGBUS.
 * @return 0 or VM_FAULT_* bits; the page in filemap_fault_page.
 */
export function filemap_fault(vma: vm_area_struct, index: u64): u32 {
  const f = changetype<file>(<usize>vma.vm_file);
  const m = file_mapping(f);
  filemap_fault_page = null;
  if (index >= size_pages(m)) return VM_FAULT_SIGBUS;
  let ret: u32 = 0;
  let pg = xa_load(m, index);
  if (pg !== null) {
    do_async_mmap_readahead(f, pg);
  } else {
    count_vm_event(PGMAJFAULT);
    ret = VM_FAULT_MAJOR;
    do_sync_mmap_readahead(f, index);
    pg = xa_load(m, index);
    if (pg === null) pg = page_cache_read(m, index);
    if (pg === null) return VM_FAULT_OOM;
  }
  get_page(pg);
  filemap_fault_page = pg;
  return ret;
}

/**
 * The next page filemap_map_pages may map at `index`: cached, uptodate,
 * inside the file and not a read-ahead mark (next_uptodate_folio), with a
 * reference taken; null otherwise.
 */
export function next_uptodate_page(f: file, index: u64): page | null {
  const m = file_mapping(f);
  if (index >= size_pages(m)) return null;
  const pg = xa_load(m, index);
  if (pg === null || !(pg.flags & PG_uptodate) || (pg.flags & PG_readahead)) return null;
  get_page(pg);
  return pg;
}

/** filemap_map_pages found `mapped` pages: fewer misses count against read-around. */
export function filemap_map_pages_done(f: file, mapped: u32): void {
  f.mmap_miss = f.mmap_miss > mapped ? f.mmap_miss - mapped : 0;
}

/** get_init_ra_size: the first window of a read of `size` pages. */
function get_init_ra_size(size: u32, max: u32): u32 {
  let newsize: u32 = size <= 1 ? 1 : <u32>1 << (32 - clz(size - 1)); // roundup_pow_of_two
  if (newsize <= max / 32) newsize *= 4;
  else if (newsize <= max / 4) newsize *= 2;
  else newsize = max;
  return newsize;
}

/**
 * The read-ahead decision for read() (ondemand_readahead): a read at
 * `index` of `req_size` pages missed the cache (`marker` null) or hit a
 * PG_readahead page (`marker`, cleared by the caller).
 */
function ondemand_readahead(f: file, marker: page | null, index: u64, req_size: u32): void {
  const max_pages = RA_PAGES;
  const m = file_mapping(f);
  let initial = index == 0;
  if (!initial) {
    // the expected hit of a sequential stream: ramp the window up
    if (index == <u64>f.ra_start + f.ra_size - f.ra_async_size || index == <u64>f.ra_start + f.ra_size) {
      f.ra_start += f.ra_size;
      f.ra_size = get_next_ra_size(f.ra_size, max_pages);
      f.ra_async_size = f.ra_size;
      readit(f, marker, index);
      return;
    }
    if (marker !== null) {
      // a marker with no state that matches: read on from the first page missing
      let start = index + 1;
      while (start <= index + max_pages && xa_load(m, start) !== null) start++;
      if (start - index > max_pages) return;
      f.ra_start = <u32>start;
      f.ra_size = get_next_ra_size(<u32>(start - index) + req_size, max_pages);
      f.ra_async_size = f.ra_size;
      readit(f, marker, index);
      return;
    }
    // a sequential miss starts over; a lone random one reads just what it asked
    const prev_index = f.ra_prev_pos < 0 ? -1 : f.ra_prev_pos >> PAGE_SHIFT;
    initial = req_size > max_pages || <i64>index - prev_index <= 1;
    if (!initial) {
      do_page_cache_ra(m, index, req_size, 0);
      return;
    }
  }
  f.ra_start = <u32>index;
  f.ra_size = get_init_ra_size(req_size, max_pages);
  f.ra_async_size = f.ra_size > req_size ? f.ra_size - req_size : f.ra_size;
  readit(f, marker, index);
}

/** ondemand_readahead's readit: a first window all async grows by the next; then the read. */
function readit(f: file, marker: page | null, index: u64): void {
  if (marker === null && index == <u64>f.ra_start && f.ra_size == f.ra_async_size) {
    const add_pages = get_next_ra_size(f.ra_size, RA_PAGES);
    if (f.ra_size + add_pages <= RA_PAGES) {
      f.ra_async_size = add_pages;
      f.ra_size += add_pages;
    } else {
      f.ra_size = RA_PAGES;
      f.ra_async_size = RA_PAGES >> 1;
    }
  }
  do_page_cache_ra(file_mapping(f), f.ra_start, f.ra_size, f.ra_async_size);
}

/**
 * fadvise(POSIX_FADV_WILLNEED) and readahead(2): pages [index, index + nr)
 * of an open file come into the cache, at most a read-ahead window of
 * them, in chunks of 2 MiB, no PG_readahead mark (force_page_cache_ra).
 * tmpfs has nothing to read.
 */
export function force_page_cache_readahead(handle: u32, index: f64, nr: f64): void {
  const f = file_from_handle(handle);
  if (f === null || !(index >= 0) || !(nr > 0)) return;
  const m = file_mapping(f);
  if (!shmem_mapping(m)) force_page_cache_ra(m, <u64>index, <u64>nr);
}

function force_page_cache_ra(m: address_space, index: u64, nr: u64): void {
  let left = min<u64>(nr, RA_PAGES);
  for (let at = index; left;) {
    const chunk = min<u64>(left, (2 << 20) >> PAGE_SHIFT);
    do_page_cache_ra(m, at, chunk, 0);
    at += chunk;
    left -= chunk;
  }
}

/**
 * fadvise's read-ahead advice (generic_fadvise): POSIX_FADV_RANDOM makes
 * read() read just what it asks (FMODE_RANDOM), POSIX_FADV_NORMAL and
 * POSIX_FADV_SEQUENTIAL read ahead again (the window stays the default).
 */
export function file_fadvise_random(handle: u32, random: bool): void {
  const f = file_from_handle(handle);
  if (f === null) return;
  if (random) f.f_mode |= FMODE_RANDOM;
  else f.f_mode &= ~FMODE_RANDOM;
}

/**
 * read() of [pos, pos + count) brings the pages in as filemap_read does
 * (filemap_get_pages): a miss reads ahead synchronously, a PG_readahead
 * page asynchronously (page_cache_sync_ra, page_cache_async_ra). The
 * host then copies from the cache (file_page).
 */
export function filemap_get_pages(handle: u32, pos: f64, count: f64): void {
  const f = file_from_handle(handle);
  if (f === null || !(pos >= 0) || !(count > 0)) return;
  const m = file_mapping(f);
  if (shmem_mapping(m)) return;   // tmpfs has nothing to read ahead: its data are its pages
  const last = <u64>Math.ceil((pos + count) / <f64>PAGE_SIZE);
  for (let index = <u64>(pos / <f64>PAGE_SIZE); index < last && index < size_pages(m); index++) {
    let pg = xa_load(m, index);
    if (pg === null) {
      // page_cache_sync_ra: after fadvise RANDOM, just the pages asked for.
      if (f.f_mode & FMODE_RANDOM) force_page_cache_ra(m, index, last - index);
      else ondemand_readahead(f, null, index, <u32>min<u64>(last - index, 0xffffffff));
      pg = xa_load(m, index);
      if (pg === null) break;
    }
    if (pg.flags & PG_readahead) {
      pg.flags &= ~PG_readahead;
      ondemand_readahead(f, pg, index, <u32>min<u64>(last - index, 0xffffffff));
    }
  }
  f.ra_prev_pos = <i64>(pos + count);
}

/** A file page written through a mapping (set_page_dirty). */
export function set_page_dirty(pg: page): void {
  pg.flags |= PG_dirty;
}

/** The last PTE mapping a dirty file page went: write it back now, so the host's file sees it. */
export function page_mapping_gone(pg: page): void {
  if (!(pg.flags & PG_dirty) || (pg.mapping & PAGE_MAPPING_ANON) || !pg.mapping) return;
  writepage(changetype<address_space>(<usize>pg.mapping), pg);
}

/** Whether the file was opened for writing (do_mmap's MAP_SHARED check). */
export function file_writable(f: file): bool {
  return (f.f_mode & FMODE_WRITE) != 0;
}

/**
 * The live file whose handle the host passed, or null: a handle must be
 * an allocated object of the file cache (the host is not trusted).
 */
export function file_from_handle(handle: u32): file | null {
  if (!handle || (handle & 7) || <u64>handle >= (<u64>memory.size() << 16)) return null;
  const slab = pfn_to_page(handle >> PAGE_SHIFT);
  if (!(slab.flags & PG_slab) || slab.mapping != <u32>changetype<usize>(filp_cachep)) return null;
  if (((handle & (PAGE_SIZE - 1)) % filp_cachep.size) != 0) return null;
  const f = changetype<file>(<usize>handle);
  return f.f_magic == FILE_MAGIC ? f : null;
}

// ─── the invariant checker ─────────────────────────────────────────────────

let check_errors: i32 = 0;
let check_pages: u64 = 0;
let check_shmem: u64 = 0;

function check_page(m: address_space, pg: page, index: u64): void {
  check_pages++;
  if (pg.flags & PG_swapbacked) check_shmem++;
  let what = "";
  if (pg.mapping != <u32>changetype<usize>(m)) what = "page-cache page with a foreign mapping";
  else if (((pg.flags & PG_swapbacked) != 0) != shmem_mapping(m)) what = "page-cache page swap-backed outside tmpfs, or not in it";
  else if (pg.index != index) what = "page-cache page at the wrong index";
  else if (!(pg.flags & PG_uptodate)) what = "page-cache page not uptodate";
  else if (pg._refcount < 1 + (<i32>pg._mapcount + 1)) what = "page-cache page with fewer references than holders";
  if (!what.length) return;
  report_page("BUG: filemap: ", what, pg);
  check_errors++;
}

/**
 * The page cache's invariants (check_invariants): every cached page
 * belongs to its mapping at its index, is uptodate and holds a reference
 * for the cache and for each PTE; each mapping's nrpages and the node's
 * nr_file_pages and nr_shmem agree with the pages found; a tmpfs
 * inode's swap entries are counted for check_swap_map. @return the
 * violations.
 */
export function filemap_check(nr_file_pages: u64, nr_shmem: u64): i32 {
  check_errors = 0;
  check_pages = 0;
  check_shmem = 0;
  for (let a = mappings; a; a = changetype<address_space>(<usize>a).next) {
    const m = changetype<address_space>(<usize>a);
    const before = check_pages;
    if (m.a_magic != MAPPING_MAGIC || !m.i_count) {
      printk("BUG: filemap: a dead address_space is hashed\n");
      check_errors++;
      continue;
    }
    if (m.i_pages) xa_walk(m, m.i_pages, m.i_height, 0, check_page, false);
    if (shmem_mapping(m)) check_errors += shmem_check_mapping(m);
    if (check_pages - before != <u64>m.nrpages) {
      printk("BUG: filemap: nrpages disagrees with the pages cached\n");
      check_errors++;
    }
  }
  if (check_pages != nr_file_pages) {
    printk("BUG: filemap: nr_file_pages disagrees with the pages cached\n");
    check_errors++;
  }
  if (check_shmem != nr_shmem) {
    printk("BUG: filemap: nr_shmem disagrees with the tmpfs pages cached\n");
    check_errors++;
  }
  // No orphan: a referenced page naming a file mapping is in that mapping's cache.
  for (let pfn: u32 = 0; pfn < max_pfn; pfn++) {
    const pg = pfn_to_page(pfn);
    if (pg._refcount <= 0 || !pg.mapping || (pg.mapping & PAGE_MAPPING_ANON)
      || (pg.flags & (PG_slab | PG_tail | PG_reserved | PG_buddy | PG_pcp | PG_pgtable))) continue;
    const m = changetype<address_space>(<usize>pg.mapping);
    if (m.a_magic == MAPPING_MAGIC && xa_load(m, pg.index) === pg) continue;
    printk("BUG: filemap: a file page outside every page cache pfn:");
    printk_hex(pfn);
    printk("\n");
    check_errors++;
  }
  return check_errors;
}

// ─── the host's calls (docs/abi.md) ────────────────────────────────────────

/**
 * Opens inode `ino` (never 0) of `size` bytes with FMODE_* `mode`.
 * @return the file's handle, or 0 (ENOMEM, or a size past the index's reach).
 */
export function file_open(ino: u32, size: f64, mode: u32): u32 {
  if (!ino || !(size >= 0) || size > <f64>(xa_capacity(XA_MAX_HEIGHT) << PAGE_SHIFT)) return 0;
  const f = file_open_ino(ino, <u64>size, mode & (FMODE_READ | FMODE_WRITE));
  return f !== null ? <u32>changetype<usize>(f) : 0;
}

/**
 * The file's size changed on the host (a write past the end, ftruncate,
 * O_TRUNC): i_size follows, and a shrink drops the cache past the new end
 * (truncate_setsize).
 */
export function file_set_size(handle: u32, size: f64): void {
  const f = file_from_handle(handle);
  if (f === null || !(size >= 0) || size > <f64>(xa_capacity(XA_MAX_HEIGHT) << PAGE_SHIFT)) return;
  const m = file_mapping(f);
  if (shmem_mapping(m)) return;   // tmpfs sizes change through shmem_setattr
  const old = m.i_size;
  m.i_size = <u64>size;
  if (<u64>size < old) truncate_pagecache(m, <u64>size);
}

/**
 * Past `newsize`: no PTE maps a page of the file, no page stays cached,
 * and the partial last page reads zeros after the end (truncate_pagecache:
 * unmap_mapping_range, then truncate_inode_pages). A page still held
 * elsewhere (a pinned reference) is freed when that goes.
 */
function truncate_pagecache(m: address_space, newsize: u64): void {
  const first = (newsize + PAGE_SIZE - 1) >> PAGE_SHIFT;
  unmap_mapping_range(<u32>changetype<usize>(m), first);
  const partial = <u32>(newsize & (PAGE_SIZE - 1));
  if (partial) {
    const pg = xa_load(m, newsize >> PAGE_SHIFT);
    if (pg !== null) memory.fill(page_address(pg) + <usize>partial, 0, <usize>(PAGE_SIZE - partial));
  }
  truncate_from = first;
  if (m.i_pages) xa_walk(m, m.i_pages, m.i_height, 0, truncate_page, false);
}

/** truncate_pagecache's first index to drop (no closures here). */
let truncate_from: u64 = 0;

/** Drops a page past the end from the cache: its data is gone with the file's, so no writeback (delete_from_page_cache). */
function truncate_page(m: address_space, pg: page, index: u64): void {
  if (index < truncate_from) return;
  delete_from_page_cache(m, pg, index);
}

/** Takes a page out of the cache without writing it back, dropping the cache's reference (delete_from_page_cache). */
export function delete_from_page_cache(m: address_space, pg: page, index: u64): void {
  xa_erase(m, index);
  m.nrpages--;
  pg.flags &= ~PG_dirty;
  release_page(m, pg, index);
}

/** Physical address of the cached page `index` of the file, or 0 when it is not in the cache. */
export function file_page(handle: u32, index: f64): f64 {
  const f = file_from_handle(handle);
  if (f === null || !(index >= 0)) return 0;
  const pg = xa_load(file_mapping(f), <u64>index);
  return pg !== null ? <f64>page_address(pg) : 0;
}

/** Writes the file's dirty cached pages back to the host (fsync, msync). */
export function file_fsync(handle: u32): void {
  const f = file_from_handle(handle);
  if (f === null) return;
  const m = file_mapping(f);
  if (m.i_pages) xa_walk(m, m.i_pages, m.i_height, 0, writeback_if_dirty, false);
}

/** A page mapped by a PTE may have been written through it (no write-notify here), so it goes back too. */
function writeback_if_dirty(m: address_space, pg: page, index: u64): void {
  if ((pg.flags & PG_dirty) || pg._mapcount >= 0) writepage(m, pg);
}

/** Drops the host's reference (fput); a bad or already dropped handle is ignored. */
export function file_put(handle: u32): void {
  const f = file_from_handle(handle);
  if (f === null || !f.host_held) return;
  f.host_held = 0;
  fput(f);
}
