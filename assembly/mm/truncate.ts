// mm/truncate.c: invalidate_mapping_pages, which drops what of a file's
// page cache nobody uses: clean pages no PTE maps and nobody else holds.
// A dirty or mapped page stays (an unmapped dirty one is deactivated, so
// reclaim reaches it sooner); a regular file's shadow entries go with it.

import { address_space, xa_for_each, xa_erase, __filemap_remove_folio, shmem_mapping, file_from_handle, file_mapping } from "./filemap";
import { page, PG_dirty, PG_active, PG_referenced, PG_lru } from "./mm_types";
import { pfn_to_page } from "./mmzone";
import { put_page } from "./page_alloc";
import { xa_is_value } from "./workingset";
import { folio_lruvec, folio_nr_pages, lruvec_add_folio, lruvec_del_folio, lru_add_drain } from "./swap";
import { __count_vm_events, PGDEACTIVATE } from "./vmstat";

/** Pages invalidate_mapping_pages has dropped, and the indices it looks at, [inv_start, inv_end] (no closures here). */
let invalidated: u64 = 0;
let inv_start: u64 = 0;
let inv_end: u64 = 0;

/**
 * Drops an unused page from its cache (mapping_evict_folio, then
 * remove_mapping without a shadow). Only the cache may hold it: a PTE or
 * a pin holds a reference too. @return the pages dropped (0: it stays)
 */
function mapping_evict_folio(pg: page): u64 {
  if (pg.flags & PG_dirty) return 0;
  if (<i64>pg._refcount > folio_nr_pages(pg)) return 0;
  __filemap_remove_folio(pg, 0);
  const nr = <u64>folio_nr_pages(pg);
  put_page(pg);   // the cache's reference: the page is freed
  return nr;
}

/**
 * A page invalidation could not drop goes to the inactive list, unless a
 * PTE maps it (deactivate_file_folio, lru_deactivate_file). It is dirty or
 * held, so it goes to the list's head, as Linux puts a dirty one.
 */
function deactivate_file_folio(pg: page): void {
  if (!(pg.flags & PG_lru) || pg._mapcount >= 0) return;
  const lv = folio_lruvec(pg);
  const active = (pg.flags & PG_active) != 0;
  lruvec_del_folio(lv, pg);
  pg.flags &= ~(PG_active | PG_referenced);
  lruvec_add_folio(lv, pg);
  if (active) __count_vm_events(PGDEACTIVATE, <u64>folio_nr_pages(pg));
}

/** One slot of the walk (mapping_try_invalidate): a page to drop, or a shadow to clear (clear_shadow_entries). */
function invalidate_entry(m: address_space, v: u32, index: u64): void {
  if (index < inv_start || index > inv_end) return;
  if (xa_is_value(v)) {
    // A tmpfs slot's value is its page's swap entry: shmem keeps it.
    if (!shmem_mapping(m)) xa_erase(m, index);
    return;
  }
  const pg = pfn_to_page(v);
  const nr = mapping_evict_folio(pg);
  if (nr) invalidated += nr;
  else deactivate_file_folio(pg);
}

/** Drops the unused clean pages of indices [start, end] (invalidate_mapping_pages; drop_caches: 0, -1). @return the pages dropped */
export function invalidate_mapping_pages(m: address_space, start: u64, end: u64): u64 {
  invalidated = 0;
  inv_start = start;
  inv_end = end;
  xa_for_each(m, invalidate_entry);
  return invalidated;
}

/**
 * fadvise(POSIX_FADV_DONTNEED) of pages [start, end] of an open file, once
 * the host worked the range out (generic_fadvise: the per-CPU LRU batch
 * drained, then mapping_try_invalidate). @return the pages dropped
 */
export function mapping_try_invalidate(handle: u32, start: f64, end: f64): f64 {
  const f = file_from_handle(handle);
  if (f === null || !(start >= 0) || !(end >= start)) return 0;
  lru_add_drain();
  return <f64>invalidate_mapping_pages(file_mapping(f), <u64>start, <u64>end);
}
