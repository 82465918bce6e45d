// mm/madvise.c: madvise(2). MADV_DONTNEED (and DONTNEED_LOCKED, FREE) zap
// the range's pages; the advice that only sets VMA flags splits and merges
// VMAs as mprotect does; WILLNEED is accepted and does nothing (no swap,
// no readahead here); POPULATE_READ and POPULATE_WRITE fault pages in as
// get_user_pages does; COLD deactivates the range's pages and PAGEOUT
// reclaims them at once. Linux 6.x's checks and errno values. Linux also
// accepts REMOVE, (UN)MERGEABLE, COLLAPSE and the GUARD_* advice; those are
// not implemented and give EINVAL.

import { mm_struct, vm_area_struct, PAGE_SIZE, VM_SHARED, VM_LOCKED, VM_PFNMAP, VM_IO, VM_READ, VM_WRITE, VM_SEQ_READ, VM_RAND_READ,
  VM_DONTCOPY, VM_WIPEONFORK, VM_DONTDUMP, VM_HUGEPAGE, VM_NOHUGEPAGE } from "./mm_types";
import { current_mm, arg64 } from "./mmap";
import { find_vma, vma_modify_flags, vma_modify_errno } from "./vma";
import { unmap_page_range, faultin_page, VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV } from "./memory";
import { mm_find_pmd, pmd_none, pmd_pfn, pmd_trans_huge, pte_offset, pte_present, PMD_MASK, PMD_SIZE, _PAGE_ACCESSED } from "./pgtable";
import { vm_normal_page } from "./memory";
import { page, PG_active, PG_referenced, PG_unevictable, PG_workingset } from "./mm_types";
import { list_add, page_lru, pfn_to_page, INIT_LIST_HEAD } from "./mmzone";
import { folio_deactivate, folio_putback_lru, lru_add_drain } from "./swap";
import { folio_isolate_lru, pageout_list, reclaim_pages } from "./vmscan";
import { split_huge_pmd } from "./huge_memory";
import { flush_tlb_page } from "../arch/x86/mm/tlb";
import { ENOMEM, EINVAL, EFAULT } from "../include/errno";

@inline export const MADV_NORMAL: i32 = 0;
@inline export const MADV_RANDOM: i32 = 1;
@inline export const MADV_SEQUENTIAL: i32 = 2;
@inline export const MADV_WILLNEED: i32 = 3;
@inline export const MADV_DONTNEED: i32 = 4;
@inline export const MADV_FREE: i32 = 8;
@inline export const MADV_DONTFORK: i32 = 10;
@inline export const MADV_DOFORK: i32 = 11;
@inline export const MADV_HUGEPAGE: i32 = 14;
@inline export const MADV_NOHUGEPAGE: i32 = 15;
@inline export const MADV_DONTDUMP: i32 = 16;
@inline export const MADV_DODUMP: i32 = 17;
@inline export const MADV_WIPEONFORK: i32 = 18;
@inline export const MADV_KEEPONFORK: i32 = 19;
@inline export const MADV_COLD: i32 = 20;
@inline export const MADV_PAGEOUT: i32 = 21;
@inline export const MADV_POPULATE_READ: i32 = 22;
@inline export const MADV_POPULATE_WRITE: i32 = 23;
@inline export const MADV_DONTNEED_LOCKED: i32 = 24;

function madvise_behavior_valid(behavior: i32): bool {
  switch (behavior) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
    case MADV_DONTNEED: case MADV_DONTNEED_LOCKED: case MADV_FREE: case MADV_POPULATE_READ: case MADV_POPULATE_WRITE:
    case MADV_COLD: case MADV_PAGEOUT:
    case MADV_DONTFORK: case MADV_DOFORK: case MADV_WIPEONFORK: case MADV_KEEPONFORK:
    case MADV_DONTDUMP: case MADV_DODUMP: case MADV_HUGEPAGE: case MADV_NOHUGEPAGE:
      return true;
  }
  return false;
}

/** The VMA flags `behavior` asks for (madvise_vma_behavior), or -1 for EINVAL. */
function madvise_new_flags(vma: vm_area_struct, behavior: i32): i64 {
  const flags = vma.vm_flags;
  switch (behavior) {
    case MADV_NORMAL: return flags & ~(VM_RAND_READ | VM_SEQ_READ);
    case MADV_SEQUENTIAL: return (flags & ~VM_RAND_READ) | VM_SEQ_READ;
    case MADV_RANDOM: return (flags & ~VM_SEQ_READ) | VM_RAND_READ;
    case MADV_DONTFORK: return flags | VM_DONTCOPY;
    case MADV_DOFORK: return flags & ~VM_DONTCOPY;
    case MADV_WIPEONFORK:
      if (vma.vm_file || (flags & VM_SHARED)) return -1;
      return flags | VM_WIPEONFORK;
    case MADV_KEEPONFORK: return flags & ~VM_WIPEONFORK;
    case MADV_DONTDUMP: return flags | VM_DONTDUMP;
    case MADV_DODUMP: return flags & ~VM_DONTDUMP;
    case MADV_HUGEPAGE: return (flags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;   // hugepage_madvise
    case MADV_NOHUGEPAGE: return (flags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
  }
  return flags;
}

/**
 * One page of MADV_COLD or MADV_PAGEOUT, mapped at `entry` (a pte, or a huge pmd): left alone when another
 * mapping shares it; else its Accessed bit and PG_referenced are cleared (an active page is marked workingset),
 * and COLD deactivates it, PAGEOUT isolates it onto pageout_list (an unevictable one goes back).
 */
function cold_or_pageout_one(pg: page, entry: usize, addr: u64, pageout: bool): void {
  if (pg._mapcount > 0) return;   // folio_likely_mapped_shared
  const v = load<u64>(entry);
  if (v & _PAGE_ACCESSED) {
    store<u64>(entry, v & ~_PAGE_ACCESSED);
    flush_tlb_page(addr);
  }
  pg.flags &= ~PG_referenced;
  if (pg.flags & PG_active) pg.flags |= PG_workingset;
  if (!pageout) {
    folio_deactivate(pg);
  } else if (folio_isolate_lru(pg)) {
    if (pg.flags & PG_unevictable) folio_putback_lru(pg);
    else list_add(page_lru(pg), pageout_list);
  }
}

/**
 * MADV_COLD and MADV_PAGEOUT on [start, end) of vma (madvise_cold, madvise_pageout,
 * madvise_cold_or_pageout_pte_range): the present pages this mm alone maps; a huge pmd the range covers whole
 * is one folio, one it covers in part is split first. PAGEOUT then reclaims what it isolated (reclaim_pages):
 * clean file pages go, anonymous ones go to swap when there is some. A locked or PFN-mapped VMA is EINVAL.
 */
function madvise_cold_or_pageout(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64, pageout: bool): i32 {
  if (vma.vm_flags & (VM_LOCKED | VM_PFNMAP)) return -EINVAL;   // can_madv_lru_vma
  lru_add_drain();
  INIT_LIST_HEAD(pageout_list);
  let addr = start;
  while (addr < end) {
    const next = (addr & PMD_MASK) + PMD_SIZE < end ? (addr & PMD_MASK) + PMD_SIZE : end;
    const pmd = mm_find_pmd(mm, addr);
    if (pmd != 0 && !pmd_none(load<u64>(pmd)) && pmd_trans_huge(load<u64>(pmd))) {
      if (next - addr == PMD_SIZE) {
        cold_or_pageout_one(pfn_to_page(pmd_pfn(load<u64>(pmd))), pmd, addr, pageout);
        addr = next;
        continue;
      }
      split_huge_pmd(mm, pmd, addr & PMD_MASK);
    }
    if (pmd == 0 || pmd_none(load<u64>(pmd))) {
      addr = next;
      continue;
    }
    for (; addr < next; addr += PAGE_SIZE) {
      const ptep = pte_offset(pmd, addr);
      const pte = load<u64>(ptep);
      if (!pte_present(pte)) continue;
      const pg = vm_normal_page(pte);
      if (pg !== null) cold_or_pageout_one(pg, ptep, addr, pageout);
    }
  }
  if (pageout) reclaim_pages();
  return 0;
}

/** Applies `behavior` to [start, end), which lies inside `vma`. @return 0 or -errno. */
function madvise_vma_behavior(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64, behavior: i32): i32 {
  switch (behavior) {
    case MADV_WILLNEED:
      return 0;
    case MADV_DONTNEED:
    case MADV_DONTNEED_LOCKED:
    case MADV_FREE: {
      // madvise_dontneed_free_valid_vma; MADV_FREE frees at once here (no reclaim to defer to)
      if ((vma.vm_flags & VM_PFNMAP) || (behavior != MADV_DONTNEED_LOCKED && (vma.vm_flags & VM_LOCKED))) return -EINVAL;
      if (behavior == MADV_FREE && (vma.vm_file || (vma.vm_flags & VM_SHARED))) return -EINVAL;
      unmap_page_range(mm, vma, start, end);
      return 0;
    }
    case MADV_COLD:
    case MADV_PAGEOUT:
      return madvise_cold_or_pageout(mm, vma, start, end, behavior == MADV_PAGEOUT);
  }
  const newflags = madvise_new_flags(vma, behavior);
  if (newflags < 0) return -EINVAL;
  if (<u32>newflags == vma.vm_flags) return 0;  // madvise_update_vma
  return vma_modify_flags(mm, vma, start, end, <u32>newflags) !== null ? 0 : vma_modify_errno();
}

/**
 * MADV_POPULATE_READ and MADV_POPULATE_WRITE (madvise_populate): faults in each page of [start, end) that is
 * not yet mapped as the access needs, VMA by VMA, as get_user_pages does (faultin_page). A hole is
 * ENOMEM; a VMA the access does not suit (not readable, not writable, VM_IO or VM_PFNMAP: check_vma_flags) EINVAL;
 * a fault that raises SIGBUS or SIGSEGV (past a file's end) EFAULT, one out of memory ENOMEM. The pages before stay.
 */
function madvise_populate(mm: mm_struct, start: u64, end: u64, write: bool): i32 {
  while (start < end) {
    const vma = find_vma(mm, start);
    if (vma === null || start < vma.vm_start) return -ENOMEM;
    const stop = vma.vm_end < end ? vma.vm_end : end;
    if ((vma.vm_flags & (VM_IO | VM_PFNMAP)) || !(vma.vm_flags & (write ? VM_WRITE : VM_READ))) return -EINVAL;
    for (; start < stop; start += PAGE_SIZE) {
      const ret = faultin_page(vma, start, write);
      if (ret & VM_FAULT_OOM) return -ENOMEM;
      if (ret & (VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) return -EFAULT;
    }
  }
  return 0;
}

/** madvise(2) (do_madvise). @return 0 or -errno. */
export function do_madvise(mm: mm_struct, start: u64, len_in: u64, behavior: i32): i32 {
  if (!madvise_behavior_valid(behavior)) return -EINVAL;
  if (start & (PAGE_SIZE - 1)) return -EINVAL;
  const len = (len_in + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1);
  if (len_in && !len) return -EINVAL;
  const end = start + len;
  if (end < start) return -EINVAL;
  if (end == start) return 0;
  if (behavior == MADV_POPULATE_READ || behavior == MADV_POPULATE_WRITE) return madvise_populate(mm, start, end, behavior == MADV_POPULATE_WRITE);

  // madvise_walk_vmas: holes in the range give ENOMEM, after the rest is done.
  let unmapped_error: i32 = 0;
  let vma = find_vma(mm, start);
  while (true) {
    if (vma === null) return -ENOMEM;
    if (start < vma.vm_start) {
      unmapped_error = -ENOMEM;
      start = vma.vm_start;
      if (start >= end) break;
    }
    const tmp = vma.vm_end < end ? vma.vm_end : end;
    const error = madvise_vma_behavior(mm, vma, start, tmp, behavior);
    if (error) return error;
    start = tmp;
    if (start >= end) break;
    vma = find_vma(mm, start);
  }
  return unmapped_error;
}

/** madvise(2) on the current mm (docs/abi.md). @return 0 or -errno. */
export function sys_madvise(addr: f64, len: f64, advice: i32): f64 {
  const mm = current_mm();
  if (mm === null) return <f64>-EINVAL;
  return <f64>do_madvise(mm, arg64(addr), arg64(len), advice);
}
