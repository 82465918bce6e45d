// mm/filemap: the page cache of an in-memory file (an ELF image, or any
// bytes the host hands the kernel). A file's pages are allocated, zeroed,
// when it is created; the host copies its bytes into them (file_page) and
// maps them with mmap. Page-cache pages count in nr_file_pages.
//
// A file lives while anyone holds a reference (f_count): the host from
// file_create until file_put, and every VMA that maps it (get_file in
// mmap_region and split_vma, fput when the VMA goes). The last fput drops
// the page cache's reference on each page; a page is freed when no PTE
// holds it either.
//
// The page-cache index (Linux: the xarray i_pages) is one buddy block
// holding the pfn of each page, in order.

import { page, PAGE_SHIFT, PAGE_SIZE, PG_uptodate, PG_slab } from "./mm_types";
import { __alloc_pages, __free_pages, get_page, put_page } from "./page_alloc";
import { pfn_to_page, page_to_pfn, page_address, NR_FILE_PAGES } from "./mmzone";
import { GFP_KERNEL, GFP_HIGHUSER_MOVABLE } from "./gfp";
import { mod_node_page_state } from "./vmstat";
import { kmem_cache_create, kmem_cache_zalloc, kmem_cache_free } from "./slab";

// @ts-ignore: decorator
@inline const FILE_MAGIC: u32 = 0x46494c45;  // "FILE": a live file object

@unmanaged
export class file {
  f_magic: u32;
  f_count: u32;       // references: the host's and one per VMA
  nr_pages: u32;      // pages in the cache: ceil(i_size / PAGE_SIZE)
  i_pages: u32;       // physical address of the index block (0: empty file)
  index_order: u32;   // its buddy order
  host_held: u32;    // the host's reference is still held (file_put not yet called)
  i_size: u64;
}

const filp_cachep = kmem_cache_create("filp", offsetof<file>());

/** The smallest buddy order whose block holds `bytes`. */
function order_for(bytes: u64): u32 {
  let order: u32 = 0;
  while ((<u64>PAGE_SIZE << order) < bytes) order++;
  return order;
}

/** Drops the cache's pages from index `n` down, then the index and the file. */
function release_file(f: file, n: u32): void {
  while (n) {
    const pg = pfn_to_page(load<u32>(<usize>f.i_pages + (<usize>--n << 2)));
    pg.mapping = 0;
    pg.index = 0;
    pg.flags &= ~PG_uptodate;
    mod_node_page_state(NR_FILE_PAGES, -1);
    put_page(pg);
  }
  if (f.i_pages) __free_pages(pfn_to_page(f.i_pages >> PAGE_SHIFT), f.index_order);
  f.f_magic = 0;
  kmem_cache_free(filp_cachep, changetype<usize>(f));
}

/**
 * A file of `size` zero bytes, its whole page cache allocated; the caller
 * holds its one reference. @return the file, or null when memory is short
 * or the size is absurd (more pages than RAM could hold).
 */
export function file_alloc(size: u64): file | null {
  const nr_pages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
  if (nr_pages > (<u64>1 << 20)) return null;  // > 4 GiB: more than RAM can be
  const obj = kmem_cache_zalloc(filp_cachep);
  if (!obj) return null;
  const f = changetype<file>(obj);
  f.f_magic = FILE_MAGIC;
  f.f_count = 1;
  f.host_held = 1;
  f.i_size = size;
  if (!nr_pages) return f;
  f.index_order = order_for(nr_pages << 2);
  const index = __alloc_pages(GFP_KERNEL, f.index_order);
  if (index === null) {
    release_file(f, 0);
    return null;
  }
  f.i_pages = <u32>page_address(index);
  for (let i: u32 = 0; i < <u32>nr_pages; i++) {
    const pg = __alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
    if (pg === null) {
      release_file(f, i);
      return null;
    }
    memory.fill(page_address(pg), 0, PAGE_SIZE);
    pg.mapping = <u32>obj;   // a file page: the mapping's low bit stays clear
    pg.index = i;
    pg.flags |= PG_uptodate;
    mod_node_page_state(NR_FILE_PAGES, 1);
    store<u32>(<usize>f.i_pages + (<usize>i << 2), page_to_pfn(pg));
    f.nr_pages = i + 1;
  }
  return f;
}

/** Takes a reference on f (a new VMA maps it). */
export function get_file(f: file): void {
  f.f_count++;
}

/** Drops a reference; the last one frees the page cache and the file. */
export function fput(f: file): void {
  assert(f.f_count > 0, "fput: file has no reference");
  if (--f.f_count == 0) release_file(f, f.nr_pages);
}

/**
 * The page-cache page at `index`, with a reference taken for the caller
 * (who maps it, or puts it); null past the end of the file.
 */
export function find_get_page(f: file, index: u64): page | null {
  if (index >= <u64>f.nr_pages) return null;
  const pg = pfn_to_page(load<u32>(<usize>f.i_pages + (<usize>index << 2)));
  get_page(pg);
  return pg;
}

/**
 * The live file whose handle the host passed, or null: a handle must be
 * an allocated object of the file cache (the host is not trusted).
 */
export function file_from_handle(handle: u32): file | null {
  if (!handle || (handle & 7) || <usize>handle >= (<usize>memory.size() << 16)) return null;
  const slab = pfn_to_page(handle >> PAGE_SHIFT);
  if (!(slab.flags & PG_slab) || slab.mapping != <u32>changetype<usize>(filp_cachep)) return null;
  if (((handle & (PAGE_SIZE - 1)) % filp_cachep.size) != 0) return null;
  const f = changetype<file>(<usize>handle);
  return f.f_magic == FILE_MAGIC ? f : null;
}

// ─── the host's calls (docs/abi.md) ────────────────────────────────────────

/** A file of `size` zero bytes. @return its handle, or 0 (ENOMEM). */
export function file_create(size: f64): u32 {
  if (!(size >= 0) || size > 4294967296.0) return 0;
  const f = file_alloc(<u64>size);
  return f !== null ? <u32>changetype<usize>(f) : 0;
}

/** Physical address of the file's page `index`, for the host to fill; 0 if none. */
export function file_page(handle: u32, index: u32): u32 {
  const f = file_from_handle(handle);
  if (f === null || index >= f.nr_pages) return 0;
  return load<u32>(<usize>f.i_pages + (<usize>index << 2)) << PAGE_SHIFT;
}

/** Drops the host's reference (fput); a bad or already dropped handle is ignored. */
export function file_put(handle: u32): void {
  const f = file_from_handle(handle);
  if (f === null || !f.host_held) return;
  f.host_held = 0;
  fput(f);
}
