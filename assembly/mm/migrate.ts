// mm/migrate.c: moving the contents of pages to other pages while their
// users keep running, for compaction (mm/compaction.ts).
//
// What moves: anonymous order-0 pages, mapped by ptes, that no one holds
// beyond their mappings (refcount == mapcount once isolation's reference is
// dropped). What does not: compound pages (THP), page-cache pages (this
// kernel has no migrate_folio for a mapping: file pages stay where they
// are), the zero page, page tables, slab and reserved pages, and any page
// with an extra reference (pinned).
//
// One CPU and no fault can run between unmapping and remapping a page, so
// Linux's two rmap walks (try_to_migrate installs migration entries,
// remove_migration_ptes replaces them with the new page) are one here:
// remove_migration_pte points each pte of the old page at the new one,
// keeping every other bit (write, dirty, accessed, NX), and flushes it.

import { page, PAGE_SIZE, PAGE_SHIFT, PAGE_MAPPING_ANON, PG_head, PG_tail, PG_anon_exclusive, PG_uptodate, PG_dirty,
  PG_lru, PG_active, PG_unevictable, PG_mlocked, PG_referenced, PG_swapbacked, PG_workingset, VM_LOCKED, vm_area_struct } from "./mm_types";
import { folio_add_lru, folio_lruvec, lruvec_del_folio, lruvec_stat_mod_folio, lru_add_drain } from "./swap";
import { mlock_folio, munlock_folio, mlock_drain_local } from "./mlock";
import { page_to_pfn, page_address, list_empty, list_del, list_add, lru_to_page, page_lru, NR_ANON_MAPPED } from "./mmzone";
import { put_page } from "./page_alloc";
import { rmap_walk } from "./rmap";
import { PTE_PFN_MASK } from "./pgtable";
import { current_mm } from "./mmap";
import { flush_tlb_page } from "../arch/x86/mm/tlb";
import { __count_vm_events, PGMIGRATE_SUCCESS, PGMIGRATE_FAIL } from "./vmstat";
import { trace_enter, trace_exit, FN_migrate_pages } from "../kernel/trace";
import { VM_BUG_ON_PAGE } from "./debug";

// migrate_pages' results (include/linux/migrate.h, errno values).
@inline export const MIGRATEPAGE_SUCCESS: i32 = 0;
@inline const EAGAIN: i32 = 11;
@inline const ENOMEM: i32 = 12;

/**
 * get_new_page: a page to migrate `src` to, or null. Nothing can fail once
 * a page is given, so there is no put_new_page.
 */
export type new_page_t = (src: page) => page | null;

/**
 * Whether compaction may isolate pg for migration: an anonymous order-0
 * page mapped by ptes that no one else holds (Linux's racy pre-check in
 * isolate_migratepages_block, made exact: one CPU).
 */
export function page_movable(pg: page): bool {
  // On an LRU list: a page still in the per-CPU batch is not yet (compaction drains it first).
  if (!(pg.flags & PG_lru)) return false;
  if (!(pg.mapping & PAGE_MAPPING_ANON) || (pg.flags & (PG_head | PG_tail))) return false;
  if (pg._mapcount < 0) return false;
  // A reference beyond one per mapping pins the page.
  return pg._refcount == <i32>pg._mapcount + 1;
}

/** Isolates pg for migration (folio_isolate_lru): off its LRU list, with one more reference until putback. */
export function isolate_movable_page(pg: page, list: usize): void {
  lruvec_del_folio(folio_lruvec(pg), pg);
  pg.flags &= ~PG_lru;
  pg._refcount++;
  list_add(page_lru(pg), list);
}

/** Gives back the pages left on a migration list (putback_movable_pages). */
export function putback_movable_pages(list: usize): void {
  while (!list_empty(list)) {
    const pg = lru_to_page(<usize>load<u32>(list));
    list_del(page_lru(pg));
    pg.lru_next = pg.lru_prev = 0;
    // Back on its LRU list (folio_putback_lru), then isolation's reference goes.
    folio_add_lru(pg);
    put_page(pg);
  }
}

// The page the current rmap walk moves to, and how many locked VMAs map it.
let migrate_dst: page = changetype<page>(0);
let migrate_locked: u32 = 0;

/** rmap_one: points this pte at the new page, flags kept, and flushes it (remove_migration_pte). */
function remove_migration_pte(src: page, vma: vm_area_struct, address: u64, ptep: usize): bool {
  if (vma.vm_flags & VM_LOCKED) migrate_locked++;
  const pte = load<u64>(ptep);
  store<u64>(ptep, (pte & ~PTE_PFN_MASK) | (<u64>page_to_pfn(migrate_dst) << PAGE_SHIFT));
  // The host caches the running mm's translations only; a switch flushes them all.
  if (changetype<usize>(current_mm()) == <usize>vma.vm_mm) flush_tlb_page(address);
  return true;
}

/** Copies the data and the state flags (folio_migrate_copy, folio_migrate_flags); PG_mlocked is not one: the mappings mlock dst again. */
function folio_migrate_copy(dst: page, src: page): void {
  memory.copy(page_address(dst), page_address(src), PAGE_SIZE);
  dst.flags |= src.flags & (PG_uptodate | PG_dirty | PG_anon_exclusive | PG_active | PG_unevictable | PG_referenced | PG_swapbacked
    | PG_workingset);
  src.flags &= ~(PG_anon_exclusive | PG_dirty | PG_active | PG_unevictable | PG_referenced | PG_swapbacked | PG_workingset);
}

/**
 * Moves src's identity to dst (folio_migrate_mapping for an anonymous page
 * without a swap cache): its anon_vma and index, its mappings and the
 * references they hold. src keeps only isolation's reference.
 */
function folio_migrate_mapping(dst: page, src: page): void {
  // The mappings move to dst's node (try_to_migrate's page_remove_rmap, remove_migration_pte's rmap).
  if (src._mapcount >= 0) {
    lruvec_stat_mod_folio(src, NR_ANON_MAPPED, -1);
    lruvec_stat_mod_folio(dst, NR_ANON_MAPPED, 1);
  }
  dst.mapping = src.mapping;
  dst.index = src.index;
  dst._mapcount = src._mapcount;
  dst._refcount = src._refcount - 1;
  src._mapcount = -1;
  src.mapping = 0;
  src.index = 0;
  src._refcount = 1;
}

/**
 * Migrates one isolated page (unmap_and_move): a new page from get_new_page,
 * the contents copied, every pte moved through rmap. @return 0, -EAGAIN
 * (the page gained a user: it stays), or -ENOMEM (no page to move to).
 */
function unmap_and_move(get_new_page: new_page_t, src: page): i32 {
  if (!(src.mapping & PAGE_MAPPING_ANON) || src._refcount != <i32>src._mapcount + 2) return -EAGAIN;
  const dst = get_new_page(src);
  if (dst === null) return -ENOMEM;
  const was_mlocked = (src.flags & PG_mlocked) != 0;
  migrate_dst = dst;
  migrate_locked = 0;
  const mapped = rmap_walk(src, remove_migration_pte);
  VM_BUG_ON_PAGE(mapped != <u32>(<i32>src._mapcount + 1), src, "migrate_pages: rmap missed a mapping");
  // try_to_migrate's rmap removal: each locked VMA munlocks src (isolated, so stranded until it is freed).
  for (let i: u32 = 0; i < migrate_locked; i++) munlock_folio(src);
  mlock_drain_local();
  folio_migrate_copy(dst, src);
  folio_migrate_mapping(dst, src);
  // The new page takes the old one's place on the LRU (migrate_folio_move), at once if it
  // was mlocked, so that the locked VMAs' mlocks (remove_migration_pte's rmap) count on it.
  folio_add_lru(dst);
  if (was_mlocked) lru_add_drain();
  for (let i: u32 = 0; i < migrate_locked; i++) mlock_folio(dst);
  return MIGRATEPAGE_SUCCESS;
}

/**
 * Migrates the pages on `from` (isolated: each holds an extra reference)
 * to pages get_new_page gives. A moved page's old frame is freed; a page
 * that could not move stays on `from` for the caller's putback. Linux
 * retries a busy page for up to 10 passes; with one CPU a refused page
 * stays refused, so there is one pass. Counts
 * pgmigrate_success and pgmigrate_fail. @return the pages not migrated,
 * or -ENOMEM when get_new_page ran dry (the rest stay on `from`).
 */
export function migrate_pages(from: usize, get_new_page: new_page_t): i32 {
  trace_enter(FN_migrate_pages, 0);
  let nr_succeeded: u32 = 0;
  let nr_failed: u32 = 0;
  let rc: i32 = 0;
  // Pages that fail stay on a local list, and go back on `from` at the end.
  const failed = memory.data(8, 4);
  store<u32>(failed, <u32>failed);
  store<u32>(failed, <u32>failed, 4);
  while (!list_empty(from)) {
    const src = lru_to_page(<usize>load<u32>(from));
    const r = unmap_and_move(get_new_page, src);
    if (r == -ENOMEM) {
      rc = -ENOMEM;
      nr_failed++;
      break;
    }
    list_del(page_lru(src));
    if (r == MIGRATEPAGE_SUCCESS) {
      src.lru_next = src.lru_prev = 0;
      put_page(src);   // isolation's reference: the old frame is free
      nr_succeeded++;
    } else {
      list_add(page_lru(src), failed);
      nr_failed++;
    }
  }
  while (!list_empty(failed)) {
    const pg = lru_to_page(<usize>load<u32>(failed));
    list_del(page_lru(pg));
    list_add(page_lru(pg), from);
  }
  if (nr_succeeded) __count_vm_events(PGMIGRATE_SUCCESS, nr_succeeded);
  if (nr_failed) __count_vm_events(PGMIGRATE_FAIL, nr_failed);
  if (!rc) rc = <i32>nr_failed;
  trace_exit(FN_migrate_pages, nr_succeeded);
  return rc;
}
