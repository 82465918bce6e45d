// mm/memory.c: the generic half of the page-fault path (seed items 2-7),
// copy-on-write, file faults, and tearing mappings down (zap) or changing
// their protection (change_protection, for mprotect).
//
// One fault is handled at a time (one CPU), so the struct vm_fault Linux
// keeps on the stack lives in the kernel image here.

import { mm_struct, vm_area_struct, page, PAGE_SHIFT, PAGE_SIZE, PAGE_MAPPING_ANON, PG_uptodate, PG_anon_exclusive,
  PG_swapbacked, PG_swapcache, PG_lru, VM_PFNMAP, VM_WRITE, VM_SHARED, VM_MAYWRITE, VM_LOCKED, VM_SPECIAL, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS,
  add_mm_counter, get_mm_counter } from "./mm_types";
import { get_page, put_page, kernel_init_pages } from "./page_alloc";
import { alloc_pages_vma } from "./mempolicy";
import { pfn_to_page, page_to_pfn, page_address, NR_ANON_MAPPED, NR_FILE_MAPPED, NR_ANON_THPS } from "./mmzone";
import { my_zero_pfn } from "./mm_init";
import { count_fault_stat, FAULT_ZERO_PAGE, FAULT_COW } from "./fault_stats";
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL } from "./gfp";
import { count_vm_event, PGFAULT, PGMAJFAULT } from "./vmstat";
import { folio_add_lru, lru_add_drain, lruvec_stat_mod_folio } from "./swap";
import { mlock_new_folio, mlock_vma_folio, munlock_vma_folio } from "./mlock";
import { is_swap_pte, pte_to_swp_entry, pte_swp_exclusive, pte_swp_clear_exclusive } from "./swapops";
import { swap_free, swap_duplicate, add_swap_count_continuation, free_swap_and_cache, folio_free_swap, vm_swap_full, swap_entry_valid } from "./swapfile";
import { lookup_swap_cache, swapin_readahead } from "./swap_state";
import { file, filemap_fault, filemap_fault_page, next_uptodate_page, filemap_map_pages_done, set_page_dirty, page_mapping_gone, file_mapping,
  shmem_mapping } from "./filemap";
import { shmem_fault, shmem_fault_page } from "./shmem";
import {
  pgd_offset, pud_alloc, pmd_alloc, pte_alloc, pte_offset, pud_offset, pmd_offset,
  pfn_pte, pte_pfn, pte_none, pte_present, pte_write, pte_special, pte_modify,
  pte_mkwrite, pte_mkdirty, pte_mkyoung, pte_mkspecial, pte_wrprotect, pte_mkclean, pte_mkold, pmd_none, pmd_trans_huge, pmd_write,
  pgd_addr_end, pud_addr_end, pmd_addr_end, PMD_SIZE, PMD_MASK, PAGE_MASK, _PAGE_PROTNONE, _PAGE_DIRTY, PTRS_PER_TABLE,
  mm_find_pmd, pmd_present, pmd_pfn, pte_index,
} from "./pgtable";
import {
  transparent_hugepage_enabled, create_huge_pmd, wp_huge_pmd, huge_pmd_set_accessed,
  zap_huge_pmd, split_huge_pmd, change_huge_pmd, copy_huge_pmd, HPAGE_PMD_NR,
} from "./huge_memory";
import { flush_tlb_page, flush_tlb_range } from "../arch/x86/mm/tlb";
import { special_mapping_pfn, SPECIAL_VDSO } from "../arch/x86/entry/vdso";
import { charged_mm, mmlist_first } from "./mmap";
import { first_vma, vma_next } from "./vma";
import { anon_vma, anon_vma_prepare, page_set_anon_rmap, page_dup_anon_rmap, page_move_anon_rmap, PageAnonExclusive } from "./rmap";
import {
  trace_enter, trace_exit, TRACE_NO_PAGE, FN_handle_mm_fault, FN___handle_mm_fault, FN_handle_pte_fault,
  FN_do_anonymous_page, FN_alloc_zeroed_user_highpage_movable, FN_clear_page,
  FN_pte_alloc, FN_pmd_alloc, FN_pud_alloc, FN_set_pte_at, FN_do_wp_page, FN_wp_page_copy,
  FN_copy_user_highpage, FN_do_fault, FN_do_read_fault, FN_do_cow_fault, FN_wp_page_reuse, FN_copy_page_range,
  FN_do_swap_page,
} from "../kernel/trace";

// vm_fault_t (include/linux/mm_types.h).
@inline export const VM_FAULT_OOM: u32 = 0x000001;
@inline export const VM_FAULT_SIGBUS: u32 = 0x000002;
@inline export const VM_FAULT_MAJOR: u32 = 0x000004;
@inline export const VM_FAULT_WRITE: u32 = 0x000008;
@inline export const VM_FAULT_HWPOISON: u32 = 0x000010;
@inline export const VM_FAULT_HWPOISON_LARGE: u32 = 0x000020;
@inline export const VM_FAULT_SIGSEGV: u32 = 0x000040;
@inline export const VM_FAULT_NOPAGE: u32 = 0x000100;
@inline export const VM_FAULT_RETRY: u32 = 0x000400;
@inline export const VM_FAULT_FALLBACK: u32 = 0x000800;
@inline export const VM_FAULT_ERROR: u32 = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV
  | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE | VM_FAULT_FALLBACK;

// enum fault_flag (include/linux/mm_types.h).
@inline export const FAULT_FLAG_WRITE: u32 = 1 << 0;
@inline export const FAULT_FLAG_ALLOW_RETRY: u32 = 1 << 2;
@inline export const FAULT_FLAG_KILLABLE: u32 = 1 << 4;
@inline export const FAULT_FLAG_TRIED: u32 = 1 << 5;
@inline export const FAULT_FLAG_USER: u32 = 1 << 6;
@inline export const FAULT_FLAG_INSTRUCTION: u32 = 1 << 8;
@inline export const FAULT_FLAG_INTERRUPTIBLE: u32 = 1 << 9;
@inline export const FAULT_FLAG_DEFAULT: u32 = FAULT_FLAG_ALLOW_RETRY | FAULT_FLAG_KILLABLE | FAULT_FLAG_INTERRUPTIBLE;

/** struct vm_fault: what one fault is about, passed down the path. */
@unmanaged
export class vm_fault {
  address: u64;       // faulting address, page aligned
  pgoff: u64;         // its page offset in the mapping (linear_page_index)
  orig_pte: u64;
  orig_pmd: u64;
  vma: vm_area_struct;
  flags: u32;         // FAULT_FLAG_*
  pmd: usize;         // address of the pmd entry
  pte: usize;         // address of the pte entry, or 0
  page: page | null;  // the page a write-protect fault found, or the file page
}

const vmf = changetype<vm_fault>(memory.data(offsetof<vm_fault>(), 8));

// ─── helpers ────────────────────────────────────────────────────────────────

@inline function linear_page_index(vma: vm_area_struct, address: u64): u64 {
  return ((address - vma.vm_start) >> PAGE_SHIFT) + vma.vm_pgoff;
}

/** Neither a file nor a special mapping (Linux: no vm_ops). */
@inline export function vma_is_anonymous(vma: vm_area_struct): bool { return vma.vm_file == 0 && vma.vm_private_data == 0; }

@inline export function PageAnon(pg: page): bool { return (pg.mapping & PAGE_MAPPING_ANON) != 0; }

@inline function mk_pte(pg: page, prot: u64): u64 { return pfn_pte(page_to_pfn(pg), prot); }

@inline export function maybe_mkwrite(pte: u64, vma: vm_area_struct): u64 {
  return vma.vm_flags & VM_WRITE ? pte_mkwrite(pte) : pte;
}

/** The page behind a present pte, or null for a special mapping (the zero page). */
@inline export function vm_normal_page(pte: u64): page | null {
  return pte_special(pte) ? null : pfn_to_page(pte_pfn(pte));
}

export function set_pte_at(mm: mm_struct, addr: u64, ptep: usize, pte: u64): void {
  trace_enter(FN_set_pte_at, <u32>addr);
  store<u64>(ptep, pte);
  trace_exit(FN_set_pte_at);
}

/** Clears a pte and drops its translation (ptep_clear_flush). @return the old pte. */
function ptep_clear_flush(addr: u64, ptep: usize): u64 {
  const old = load<u64>(ptep);
  store<u64>(ptep, 0);
  flush_tlb_page(addr);
  return old;
}

/**
 * A new anonymous page's reverse map: its first mapping, at `address` of
 * vma (which has its anon_vma: anon_vma_prepare), by a pte or (compound)
 * by a huge pmd; the page is exclusive to this process.
 */
export function page_add_new_anon_rmap(pg: page, vma: vm_area_struct, address: u64, compound: bool): void {
  pg._mapcount = 0;
  pg.flags |= PG_swapbacked;
  page_set_anon_rmap(pg, vma, linear_page_index(vma, address));
  const nr: i64 = compound ? HPAGE_PMD_NR : 1;
  if (compound) lruvec_stat_mod_folio(pg, NR_ANON_THPS, nr);
  lruvec_stat_mod_folio(pg, NR_ANON_MAPPED, nr);
}

/**
 * A swapped-in page is mapped again (page_add_anon_rmap): a page read
 * fresh from swap joins the vma's anon_vma, or its root when it may be
 * shared with forked processes (__page_set_anon_rmap); exclusive when
 * the swap entry said so.
 */
function page_add_anon_rmap(pg: page, vma: vm_area_struct, address: u64, exclusive: bool): void {
  if (++pg._mapcount == 0) {
    lruvec_stat_mod_folio(pg, NR_ANON_MAPPED, 1);
    if (!(pg.mapping & PAGE_MAPPING_ANON)) {
      const av = exclusive ? vma.anon_vma : changetype<anon_vma>(<usize>vma.anon_vma).root;
      pg.mapping = av | PAGE_MAPPING_ANON;
      pg.index = linear_page_index(vma, address);
    }
  }
  if (exclusive) pg.flags |= PG_anon_exclusive;
  mlock_vma_folio(pg, vma);
}

/** A new anonymous page joins the LRU, inactive, or the unevictable list in a locked VMA (folio_add_lru_vma). */
@inline export function folio_add_lru_vma(pg: page, vma: vm_area_struct): void {
  if ((vma.vm_flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED) mlock_new_folio(pg);
  else folio_add_lru(pg);
}

/** fork: one more pte maps this page-cache page, in a VMA that is not locked (folio_dup_file_rmap_pte). */
function page_dup_file_rmap(pg: page): void {
  if (++pg._mapcount == 0) lruvec_stat_mod_folio(pg, NR_FILE_MAPPED, 1);
}

/** One more pte of vma maps this page-cache page (folio_add_file_rmap_pte); a locked VMA mlocks it. */
function page_add_file_rmap(pg: page, vma: vm_area_struct): void {
  page_dup_file_rmap(pg);
  mlock_vma_folio(pg, vma);
}

/** One mapping of vma fewer (a pte, or a huge pmd when compound) maps this page; a locked VMA's munlocks it. */
export function page_remove_rmap(pg: page, compound: bool, vma: vm_area_struct): void {
  if (--pg._mapcount < 0) {
    if (!PageAnon(pg)) {
      lruvec_stat_mod_folio(pg, NR_FILE_MAPPED, -1);
    } else {
      const nr: i64 = compound ? HPAGE_PMD_NR : 1;
      if (compound) lruvec_stat_mod_folio(pg, NR_ANON_THPS, -nr);
      lruvec_stat_mod_folio(pg, NR_ANON_MAPPED, -nr);
    }
  }
  munlock_vma_folio(pg, vma);
}

/** The RSS counter of a page-cache page: tmpfs pages (swap-backed) are RssShmem (mm_counter_file). */
@inline export function mm_counter_file(pg: page): u32 {
  return (pg.flags & PG_swapbacked) ? MM_SHMEMPAGES : MM_FILEPAGES;
}

export function update_hiwater_rss(mm: mm_struct): void {
  const rss = <u64>(get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES) + get_mm_counter(mm, MM_SHMEMPAGES));
  if (mm.hiwater_rss < rss) mm.hiwater_rss = rss;
}

// ─── the fault path, in the seed's order ───────────────────────────────────

/** The faulting task's counters (its mm's; with no task running, the faulted mm's): failed and retried faults are not counted. */
function mm_account_fault(vm_mm: mm_struct, flags: u32, ret: u32): void {
  if (ret & (VM_FAULT_ERROR | VM_FAULT_RETRY)) return;
  const task = charged_mm();
  const mm = task !== null ? task : vm_mm;
  if ((ret & VM_FAULT_MAJOR) || (flags & FAULT_FLAG_TRIED)) mm.maj_flt++;
  else mm.min_flt++;
}

// follow_page_mask's answers that are no pfn.
@inline export const FOLLOW_NO_PAGE: i64 = -1;    // no page: a hole, a swap entry, a PFN map's frame; or read-only for a write
@inline export const FOLLOW_ZERO_PAGE: i64 = -2;  // the zero page, no page of the mapping's own

/**
 * The frame mapped at address in vma, as get_user_pages follows it (follow_page_mask): the pte's, or in a THP's
 * huge pmd the head's plus address's offset in the folio. Reads the tables, never faults or allocates.
 * @return the pfn, FOLLOW_NO_PAGE or FOLLOW_ZERO_PAGE
 */
export function follow_page_mask(vma: vm_area_struct, address: u64, write: bool): i64 {
  const pmd = mm_find_pmd(changetype<mm_struct>(vma.vm_mm), address);
  if (pmd == 0) return FOLLOW_NO_PAGE;
  const pmdval = load<u64>(pmd);
  if (!pmd_present(pmdval)) return FOLLOW_NO_PAGE;
  const huge = pmd_trans_huge(pmdval);
  const entry = huge ? pmdval : load<u64>(pte_offset(pmd, address));
  if (!pte_present(entry) || (write && !pte_write(entry))) return FOLLOW_NO_PAGE;
  if (huge) return <i64>(pmd_pfn(pmdval) + <u32>pte_index(address));
  if (!pte_special(entry)) return <i64>pte_pfn(entry);
  return pte_pfn(entry) == my_zero_pfn(address) ? FOLLOW_ZERO_PAGE : FOLLOW_NO_PAGE;
}

/**
 * get_user_pages' step for one page (follow_page_mask, then faultin_page): a page already mapped as the access
 * needs takes no fault; else it is faulted in, which counts in min_flt.
 * @return the fault's VM_FAULT_* bits, 0 when none was needed
 */
export function faultin_page(vma: vm_area_struct, address: u64, write: bool): u32 {
  if (follow_page_mask(vma, address, write) != FOLLOW_NO_PAGE) return 0;
  return handle_mm_fault(vma, address & PAGE_MASK, write ? FAULT_FLAG_WRITE : 0);
}

/**
 * Handles a fault at `address` inside `vma` (the caller checked access).
 * @return 0 or VM_FAULT_* bits.
 */
export function handle_mm_fault(vma: vm_area_struct, address: u64, flags: u32): u32 {
  trace_enter(FN_handle_mm_fault, <u32>address);
  count_vm_event(PGFAULT);
  const ret = __handle_mm_fault(vma, address, flags);
  mm_account_fault(changetype<mm_struct>(vma.vm_mm), flags, ret);
  trace_exit(FN_handle_mm_fault, ret);
  return ret;
}

function __handle_mm_fault(vma: vm_area_struct, address: u64, flags: u32): u32 {
  trace_enter(FN___handle_mm_fault, <u32>address);
  const mm = changetype<mm_struct>(vma.vm_mm);
  vmf.vma = vma;
  vmf.address = address & PAGE_MASK;
  vmf.flags = flags;
  vmf.pgoff = linear_page_index(vma, address);
  vmf.pte = 0;
  vmf.page = null;
  let ret: u32 = VM_FAULT_OOM;
  let pmd: usize = 0;

  // p4d_alloc: the p4d is folded into the pgd.
  const pgd = pgd_offset(mm, address);
  trace_enter(FN_pud_alloc, <u32>address);
  const pud = pud_alloc(mm, pgd, address);
  trace_exit(FN_pud_alloc, pud ? 0 : 1);
  if (pud) {
    trace_enter(FN_pmd_alloc, <u32>address);
    vmf.pmd = pmd = pmd_alloc(mm, pud, address);
    trace_exit(FN_pmd_alloc, pmd ? 0 : 1);
  }

  if (pmd) {
    // A huge pmd's answer stands unless it says VM_FAULT_FALLBACK: then the pte level handles the fault.
    ret = VM_FAULT_FALLBACK;
    const pmdval = load<u64>(pmd);
    if (pmd_none(pmdval) && transparent_hugepage_enabled(vma)) {
      ret = create_huge_pmd(vmf);
    } else {
      vmf.orig_pmd = pmdval;
      if (pmd_trans_huge(pmdval)) {
        if ((flags & FAULT_FLAG_WRITE) && !pmd_write(pmdval)) {
          ret = wp_huge_pmd(vmf);
        } else {
          huge_pmd_set_accessed(vmf);
          ret = 0;
        }
      }
    }
    if (ret & VM_FAULT_FALLBACK) ret = handle_pte_fault(vmf);
  }
  trace_exit(FN___handle_mm_fault, ret);
  return ret;
}

function handle_pte_fault(vmf: vm_fault): u32 {
  trace_enter(FN_handle_pte_fault, <u32>vmf.address);
  let ret: u32 = 0;
  if (pmd_none(load<u64>(vmf.pmd))) {
    vmf.pte = 0;
  } else {
    vmf.pte = pte_offset(vmf.pmd, vmf.address);
    vmf.orig_pte = load<u64>(vmf.pte);
    if (pte_none(vmf.orig_pte)) vmf.pte = 0;
  }

  if (!vmf.pte) {
    ret = vma_is_anonymous(vmf.vma) ? do_anonymous_page(vmf) : do_fault(vmf);
  } else if (!pte_present(vmf.orig_pte)) {
    // No NUMA balancing: a PROT_NONE pte was refused by access_error; any
    // other non-present one holds a swap entry.
    ret = do_swap_page(vmf);
  } else if ((vmf.flags & FAULT_FLAG_WRITE) && !pte_write(vmf.orig_pte)) {
    ret = do_wp_page(vmf);
  } else {
    let entry = vmf.orig_pte;
    if (vmf.flags & FAULT_FLAG_WRITE) entry = pte_mkdirty(entry);
    entry = pte_mkyoung(entry);
    // ptep_set_access_flags: a spurious fault (the translation was stale).
    if (entry != vmf.orig_pte) {
      store<u64>(vmf.pte, entry);
      flush_tlb_page(vmf.address);
    }
  }
  trace_exit(FN_handle_pte_fault, ret);
  return ret;
}

/**
 * The first touch of an anonymous page: the zero page for a read, a new
 * zeroed page for a write. A shared anonymous VMA has no backing here,
 * so it gets SIGBUS, as the seed's kernel gives a file VMA without vm_ops.
 */
/**
 * mm_forbids_zeropage(): a read fault gets a page of its own, as on s390's
 * KVM guests or a kernel booted with the pvm_no_zero_page=1 some virtual
 * machines use (the machine's zeroPage option).
 */
let forbids_zeropage: bool = false;
export function set_forbids_zeropage(v: bool): void { forbids_zeropage = v; }

function do_anonymous_page(vmf: vm_fault): u32 {
  trace_enter(FN_do_anonymous_page, <u32>vmf.address);
  const vma = vmf.vma;
  const mm = changetype<mm_struct>(vma.vm_mm);
  let entry: u64 = 0;
  let ret: u32 = 0;

  if (vma.vm_flags & VM_SHARED) {
    ret = VM_FAULT_SIGBUS;
  } else {
    trace_enter(FN_pte_alloc, <u32>vmf.address);
    const failed = pte_alloc(mm, vmf.pmd);
    trace_exit(FN_pte_alloc, <u32>failed);
    if (failed) {
      ret = VM_FAULT_OOM;
    } else if (!(vmf.flags & FAULT_FLAG_WRITE) && !forbids_zeropage) {
      // Use the zero page for reads.
      entry = pte_mkspecial(pfn_pte(my_zero_pfn(vmf.address), vma.vm_page_prot));
      vmf.pte = pte_offset(vmf.pmd, vmf.address);
      count_fault_stat(FAULT_ZERO_PAGE);
    } else {
      const pg = anon_vma_prepare(vma) ? alloc_zeroed_user_highpage_movable(vma, vmf.address) : null;
      if (pg === null) {
        ret = VM_FAULT_OOM;
      } else {
        pg.flags |= PG_uptodate;
        entry = mk_pte(pg, vma.vm_page_prot);
        if (vma.vm_flags & VM_WRITE) entry = pte_mkwrite(pte_mkdirty(entry));
        vmf.pte = pte_offset(vmf.pmd, vmf.address);
        add_mm_counter(mm, MM_ANONPAGES, 1);
        page_add_new_anon_rmap(pg, vma, vmf.address, false);
        folio_add_lru_vma(pg, vma);
      }
    }
  }
  // setpte: no need to invalidate, it was non-present before.
  if (ret == 0) set_pte_at(mm, vmf.address, vmf.pte, entry);
  trace_exit(FN_do_anonymous_page, ret);
  return ret;
}

/** A zeroed page for a user mapping the kernel may migrate, or null. */
function alloc_zeroed_user_highpage_movable(vma: vm_area_struct, vaddr: u64): page | null {
  trace_enter(FN_alloc_zeroed_user_highpage_movable, 0);
  const pg = alloc_pages_vma(GFP_HIGHUSER_MOVABLE, 0, vma, vaddr);
  if (pg !== null) clear_user_highpage(pg);
  trace_exit(FN_alloc_zeroed_user_highpage_movable, pg === null ? TRACE_NO_PAGE : page_to_pfn(pg));
  return pg;
}

function clear_user_highpage(pg: page): void {
  trace_enter(FN_clear_page, page_to_pfn(pg));
  kernel_init_pages(pg, 1);
  trace_exit(FN_clear_page);
}

// ─── copy-on-write ──────────────────────────────────────────────────────────

/**
 * Whether a write may reuse an anonymous page that is not marked
 * exclusive (wp_can_reuse_anon_folio): only when the faulting pte holds
 * its one reference, so no other process maps it and nobody else holds
 * it. The page then moves to this vma's anon_vma.
 */
function wp_can_reuse_anon_page(pg: page, vma: vm_area_struct): bool {
  const swapcache: i32 = (pg.flags & PG_swapcache) ? 1 : 0;
  if (pg._refcount > 3) return false;
  // The per-CPU LRU batch may hold a reference.
  if (!(pg.flags & PG_lru)) lru_add_drain();
  if (pg._refcount > 1 + swapcache) return false;
  if (swapcache) folio_free_swap(pg);
  if (pg._refcount != 1) return false;
  page_move_anon_rmap(pg, vma);
  return true;
}

/**
 * A write to a present, write-protected pte (Linux 6.x): an anonymous
 * page exclusive to this process, or whose last other user is gone, is
 * written in place (wp_page_reuse), as is the page-cache page of a shared
 * writable file mapping (wp_page_shared); anything else is copied
 * (wp_page_copy).
 */
function do_wp_page(vmf: vm_fault): u32 {
  trace_enter(FN_do_wp_page, <u32>vmf.address);
  let reuse = false;
  const pg = vm_normal_page(vmf.orig_pte);
  vmf.page = pg;
  if (pg !== null) {
    // A shared writable file mapping writes the page-cache page itself (wp_page_shared).
    const shared = (vmf.vma.vm_flags & (VM_SHARED | VM_WRITE)) == (VM_SHARED | VM_WRITE);
    if (shared) set_page_dirty(pg);
    reuse = shared || (PageAnon(pg) && (PageAnonExclusive(pg) || wp_can_reuse_anon_page(pg, vmf.vma)));
    if (reuse && !shared) pg.flags |= PG_anon_exclusive;
    if (!reuse) get_page(pg);
  }
  let ret: u32;
  if (reuse) {
    wp_page_reuse(vmf);
    ret = VM_FAULT_WRITE;
  } else {
    ret = wp_page_copy(vmf);
  }
  trace_exit(FN_do_wp_page, ret);
  return ret;
}

/** Makes the pte writable in place, then drops the stale read-only translation. */
function wp_page_reuse(vmf: vm_fault): void {
  trace_enter(FN_wp_page_reuse, <u32>vmf.address);
  const entry = maybe_mkwrite(pte_mkdirty(pte_mkyoung(vmf.orig_pte)), vmf.vma);
  store<u64>(vmf.pte, entry);
  flush_tlb_page(vmf.address);
  trace_exit(FN_wp_page_reuse);
}

/**
 * Breaks the sharing: a private copy of the page (a zeroed one when the
 * zero page was mapped) replaces it in this pte.
 */
function wp_page_copy(vmf: vm_fault): u32 {
  trace_enter(FN_wp_page_copy, <u32>vmf.address);
  const vma = vmf.vma;
  const mm = changetype<mm_struct>(vma.vm_mm);
  const old_page = vmf.page;
  let new_page: page | null = null;
  if (!anon_vma_prepare(vma)) {
    // no anon_vma: out of memory, as when no page comes
  } else if (old_page === null) {
    new_page = alloc_zeroed_user_highpage_movable(vma, vmf.address);
  } else {
    new_page = alloc_pages_vma(GFP_HIGHUSER_MOVABLE, 0, vma, vmf.address);
    if (new_page !== null) copy_user_highpage(new_page, old_page);
  }
  let ret: u32 = 0;
  if (new_page === null) {
    if (old_page !== null) put_page(old_page);
    ret = VM_FAULT_OOM;
  } else if (load<u64>(vmf.pte) != vmf.orig_pte) {
    // The allocation may have reclaimed: if reclaim unmapped the page, retry the fault.
    put_page(new_page);
    if (old_page !== null) put_page(old_page);
  } else {
    new_page.flags |= PG_uptodate;
    count_fault_stat(FAULT_COW);

    if (old_page === null || !PageAnon(old_page)) {
      if (old_page !== null) add_mm_counter(mm, mm_counter_file(old_page), -1);
      add_mm_counter(mm, MM_ANONPAGES, 1);
    }
    const entry = maybe_mkwrite(pte_mkdirty(mk_pte(new_page, vma.vm_page_prot)), vma);
    ptep_clear_flush(vmf.address, vmf.pte);
    page_add_new_anon_rmap(new_page, vma, vmf.address, false);
    folio_add_lru_vma(new_page, vma);
    set_pte_at(mm, vmf.address, vmf.pte, entry);
    if (old_page !== null) {
      page_remove_rmap(old_page, false, vma);
      put_page(old_page);  // the reference the old pte held
      put_page(old_page);  // the one do_wp_page took
    }
    ret = VM_FAULT_WRITE;
  }
  trace_exit(FN_wp_page_copy, ret);
  return ret;
}

function copy_user_highpage(to: page, from: page): void {
  trace_enter(FN_copy_user_highpage, page_to_pfn(from));
  memory.copy(page_address(to), page_address(from), PAGE_SIZE);
  trace_exit(FN_copy_user_highpage);
}

// ─── swap-in (the swap cache is mm/swap_state.ts) ──────────────────────────

/**
 * Whether a swapped-in page should leave the swap cache at once, freeing
 * its slot: swap is more than half full, the VMA is mlocked, or the fault
 * writes a page no one else holds (should_try_to_free_swap).
 */
function should_try_to_free_swap(pg: page, vma: vm_area_struct, flags: u32): bool {
  if (!(pg.flags & PG_swapcache)) return false;
  if (vm_swap_full() || (vma.vm_flags & VM_LOCKED)) return true;
  return (flags & FAULT_FLAG_WRITE) != 0 && pg._refcount == 2;
}

/**
 * A fault on a pte holding a swap entry (do_swap_page): the page comes
 * from the swap cache, or is read from swap with its neighbours (a major
 * fault), and is mapped again. The swap entry's reference goes; a write
 * then breaks COW as do_wp_page does, unless the entry said the page was
 * this mm's alone.
 */
function do_swap_page(vmf: vm_fault): u32 {
  trace_enter(FN_do_swap_page, <u32>vmf.address);
  const vma = vmf.vma;
  const mm = changetype<mm_struct>(vma.vm_mm);
  const entry = pte_to_swp_entry(vmf.orig_pte);
  let ret: u32 = 0;
  let pg: page | null = null;
  if (!is_swap_pte(vmf.orig_pte) || !swap_entry_valid(entry) || !anon_vma_prepare(vma)) {
    // print_bad_pte: not an entry of this kernel's swap.
    ret = VM_FAULT_SIGBUS;
  } else {
    pg = lookup_swap_cache(entry);
    if (pg === null) {
      pg = swapin_readahead(entry, GFP_HIGHUSER_MOVABLE, vma, vmf.address);
      if (pg === null) {
        // Out of memory, unless the pte changed meanwhile.
        ret = load<u64>(vmf.pte) == vmf.orig_pte ? VM_FAULT_OOM : 0;
      } else {
        ret = VM_FAULT_MAJOR;
        count_vm_event(PGMAJFAULT);
      }
    }
    // The allocations may have reclaimed: the pte must still hold the entry.
    if (pg !== null && (load<u64>(vmf.pte) != vmf.orig_pte || !(pg.flags & PG_uptodate))) {
      if (!(pg.flags & PG_uptodate)) ret = VM_FAULT_SIGBUS;
      put_page(pg);
      pg = null;
    }
  }
  if (pg !== null) {
    const exclusive = pte_swp_exclusive(vmf.orig_pte);
    swap_free(entry);
    if (should_try_to_free_swap(pg, vma, vmf.flags)) folio_free_swap(pg);
    add_mm_counter(mm, MM_ANONPAGES, 1);
    add_mm_counter(mm, MM_SWAPENTS, -1);
    let pte = mk_pte(pg, vma.vm_page_prot);
    // Certainly not shared: the entry said so, or only this fault holds the page.
    const excl = exclusive || pg._refcount == 1;
    if (excl && (vmf.flags & FAULT_FLAG_WRITE)) {
      pte = maybe_mkwrite(pte_mkdirty(pte), vma);
      vmf.flags &= ~FAULT_FLAG_WRITE;
    }
    vmf.orig_pte = pte;
    page_add_anon_rmap(pg, vma, vmf.address, excl);
    // The lookup's reference is the pte's now.
    set_pte_at(mm, vmf.address, vmf.pte, pte);
    if (vmf.flags & FAULT_FLAG_WRITE) ret |= do_wp_page(vmf);
  }
  trace_exit(FN_do_swap_page, ret);
  return ret;
}

// ─── file-backed faults (the page cache is mm/filemap.ts) ──────────────────

/** fault_around_bytes (64 KiB) in pages: the window a read fault maps from the cache. */
@inline const fault_around_pages: u64 = 16;

@inline function pte_dirty(pte: u64): bool { return (pte & _PAGE_DIRTY) != 0; }

/**
 * A fault on an empty pte of a file VMA: a read maps the page-cache page
 * (and its cached neighbours), a write to a private mapping maps a copy,
 * a write to a shared one maps the page itself, writable and dirty.
 */
function do_fault(vmf: vm_fault): u32 {
  trace_enter(FN_do_fault, <u32>vmf.address);
  let ret: u32;
  if (!(vmf.flags & FAULT_FLAG_WRITE)) ret = do_read_fault(vmf);
  else if (!(vmf.vma.vm_flags & VM_SHARED)) ret = do_cow_fault(vmf);
  else ret = do_shared_fault(vmf);
  trace_exit(FN_do_fault, ret);
  return ret;
}

/** Maps frame `pfn`, which no struct page use follows, at the fault's address (vmf_insert_pfn: a special pte). */
function vmf_insert_pfn(vmf: vm_fault, pfn: u32): u32 {
  const vma = vmf.vma;
  const mm = changetype<mm_struct>(vma.vm_mm);
  if (pmd_none(load<u64>(vmf.pmd)) && pte_alloc(mm, vmf.pmd)) return VM_FAULT_OOM;
  const ptep = pte_offset(vmf.pmd, vmf.address);
  if (pte_none(load<u64>(ptep))) set_pte_at(mm, vmf.address, ptep, pte_mkspecial(pfn_pte(pfn, vma.vm_page_prot)));
  return VM_FAULT_NOPAGE;
}

/**
 * A fault in a special mapping (special_mapping_fault): a page of the vDSO's
 * image, referenced, to map as finish_fault maps any page; or the vvar's
 * frame, mapped here (vvar_fault). SIGBUS past what the mapping provides.
 */
function special_mapping_fault(vmf: vm_fault): u32 {
  const id = vmf.vma.vm_private_data;
  const pfn = special_mapping_pfn(id, vmf.pgoff - vmf.vma.vm_pgoff);
  if (!pfn) return VM_FAULT_SIGBUS;
  if (id != SPECIAL_VDSO) return vmf_insert_pfn(vmf, pfn);
  const pg = pfn_to_page(pfn);
  get_page(pg);
  vmf.page = pg;
  return 0;
}

/** The fault's page, referenced (vm_ops->fault: special_mapping_fault, shmem_fault for tmpfs, else filemap_fault). */
function __do_fault(vmf: vm_fault): u32 {
  if (vmf.vma.vm_private_data) return special_mapping_fault(vmf);
  const f = changetype<file>(<usize>vmf.vma.vm_file);
  if (shmem_mapping(file_mapping(f))) {
    const ret = shmem_fault(vmf.vma, vmf.pgoff);
    vmf.page = shmem_fault_page;
    return ret;
  }
  const ret = filemap_fault(vmf.vma, vmf.pgoff);
  vmf.page = filemap_fault_page;
  return ret;
}

/**
 * Maps `pg` at `addr` through the empty pte `ptep` (do_set_pte), keeping
 * the caller's reference: a private copy for a write to a private
 * mapping, else the page-cache page, writable and dirty for a write.
 */
function do_set_pte(vmf: vm_fault, pg: page, addr: u64, ptep: usize): void {
  const vma = vmf.vma;
  const mm = changetype<mm_struct>(vma.vm_mm);
  const write = (vmf.flags & FAULT_FLAG_WRITE) != 0 && addr == vmf.address;
  let entry = pte_mkyoung(mk_pte(pg, vma.vm_page_prot));
  if (write) entry = maybe_mkwrite(pte_mkdirty(entry), vma);
  if (write && !(vma.vm_flags & VM_SHARED)) {
    add_mm_counter(mm, MM_ANONPAGES, 1);
    page_add_new_anon_rmap(pg, vma, addr, false);
    folio_add_lru_vma(pg, vma);
  } else {
    add_mm_counter(mm, mm_counter_file(pg), 1);
    page_add_file_rmap(pg, vma);
  }
  set_pte_at(mm, addr, ptep, entry);
}

/** Maps the fault's page `pg` (finish_fault); the caller's reference goes to the pte, or is dropped. */
function finish_fault(vmf: vm_fault, pg: page): u32 {
  const mm = changetype<mm_struct>(vmf.vma.vm_mm);
  if (pmd_none(load<u64>(vmf.pmd)) && pte_alloc(mm, vmf.pmd)) {
    put_page(pg);
    return VM_FAULT_OOM;
  }
  vmf.pte = pte_offset(vmf.pmd, vmf.address);
  if (!pte_none(load<u64>(vmf.pte))) {
    put_page(pg);
    return VM_FAULT_NOPAGE;
  }
  do_set_pte(vmf, pg, vmf.address, vmf.pte);
  return 0;
}

/**
 * Maps every page of [start_pgoff, end_pgoff] that is already in the
 * cache, uptodate and not a read-ahead mark, at an empty pte
 * (filemap_map_pages). @return VM_FAULT_NOPAGE when the fault's own page
 * was among them.
 */
function filemap_map_pages(vmf: vm_fault, start_pgoff: u64, end_pgoff: u64): u32 {
  const f = changetype<file>(<usize>vmf.vma.vm_file);
  let ret: u32 = 0;
  let mapped: u32 = 0;
  let addr = vmf.address - ((vmf.pgoff - start_pgoff) << PAGE_SHIFT);
  let ptep = pte_offset(vmf.pmd, addr);
  for (let index = start_pgoff; index <= end_pgoff; index++, addr += PAGE_SIZE, ptep += 8) {
    if (!pte_none(load<u64>(ptep))) continue;
    const pg = next_uptodate_page(f, index);
    if (pg === null) continue;
    if (addr == vmf.address) ret = VM_FAULT_NOPAGE;
    do_set_pte(vmf, pg, addr, ptep);
    mapped++;
  }
  filemap_map_pages_done(f, mapped);
  return ret;
}

/**
 * The fault_around_pages-aligned window around the fault, clamped to the
 * VMA and to this page table, mapped from the cache (do_fault_around).
 */
function do_fault_around(vmf: vm_fault): u32 {
  const vma = vmf.vma;
  const pte_off = (vmf.address >> PAGE_SHIFT) & (<u64>PTRS_PER_TABLE - 1);
  const vma_off = vmf.pgoff - vma.vm_pgoff;
  const aligned = pte_off & ~(fault_around_pages - 1);
  const clamped = pte_off - (pte_off < vma_off ? pte_off : vma_off);
  const from_pte = aligned > clamped ? aligned : clamped;
  let to_pte = from_pte + fault_around_pages;
  if (to_pte > <u64>PTRS_PER_TABLE) to_pte = PTRS_PER_TABLE;
  const vma_end_pte = pte_off + ((vma.vm_end - vma.vm_start) >> PAGE_SHIFT) - vma_off;
  if (to_pte > vma_end_pte) to_pte = vma_end_pte;
  to_pte--;
  if (pmd_none(load<u64>(vmf.pmd)) && pte_alloc(changetype<mm_struct>(vma.vm_mm), vmf.pmd)) return VM_FAULT_OOM;
  return filemap_map_pages(vmf, vmf.pgoff + from_pte - pte_off, vmf.pgoff + to_pte - pte_off);
}

/** A read of a file page: map it and its cached neighbours, reading it in if need be. */
function do_read_fault(vmf: vm_fault): u32 {
  trace_enter(FN_do_read_fault, <u32>vmf.pgoff);
  let ret: u32 = 0;
  // Fault-around maps page-cache pages (vm_ops->map_pages): a special mapping has none.
  if (fault_around_pages > 1 && !vmf.vma.vm_private_data) ret = do_fault_around(vmf);
  if (!ret) {
    ret = __do_fault(vmf);
    if (!(ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))) ret |= finish_fault(vmf, changetype<page>(vmf.page));
  }
  trace_exit(FN_do_read_fault, ret);
  return ret;
}

/** A write to a private file mapping: map a private copy of the page. */
function do_cow_fault(vmf: vm_fault): u32 {
  trace_enter(FN_do_cow_fault, <u32>vmf.pgoff);
  const vma = vmf.vma;
  const cow_page = anon_vma_prepare(vma) ? alloc_pages_vma(GFP_HIGHUSER_MOVABLE, 0, vma, vmf.address) : null;
  let ret: u32 = VM_FAULT_OOM;
  if (cow_page !== null) {
    ret = __do_fault(vmf);
    if (ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE)) {
      put_page(cow_page);
    } else {
      const file_page = changetype<page>(vmf.page);
      copy_user_highpage(cow_page, file_page);
      cow_page.flags |= PG_uptodate;
      count_fault_stat(FAULT_COW);
      put_page(file_page);
      ret |= finish_fault(vmf, cow_page);
    }
  }
  trace_exit(FN_do_cow_fault, ret);
  return ret;
}

/**
 * A write to a shared file mapping: the page-cache page itself, mapped
 * writable and dirty (no page_mkwrite: files here behave as tmpfs's).
 */
function do_shared_fault(vmf: vm_fault): u32 {
  let ret = __do_fault(vmf);
  if (ret & VM_FAULT_ERROR) return ret;
  const pg = changetype<page>(vmf.page);
  ret |= finish_fault(vmf, pg);
  if (!(ret & (VM_FAULT_ERROR | VM_FAULT_NOPAGE))) set_page_dirty(pg);  // fault_dirty_shared_page
  return ret;
}

// ─── walking a range's pmds: munmap, MADV_DONTNEED, exit, mprotect ─────────

/** The host TLB range one walk changed, flushed once at its end (mmu_gather). */
let gather_start: u64 = 0;
let gather_end: u64 = 0;

/** Notes that the translations of [start, end) changed. */
export function tlb_gather_range(start: u64, end: u64): void {
  if (gather_start == gather_end) gather_start = start;
  gather_end = end;
}

// The arguments of the range walk's callbacks (no closures here).
let range_mm: mm_struct = changetype<mm_struct>(0);
let range_vma: vm_area_struct = changetype<vm_area_struct>(0);
let range_newprot: u64 = 0;
/** zap_details' even_cows: false when a hole is punched, which leaves private COWed copies (and their swap entries) mapped. */
let zap_cows = true;
/** The zap freed a page (tlb_batch_pages_flush has pages to free). */
let zapped_pages: bool = false;

/**
 * Calls fn(pmd, addr, next) for every pmd entry that maps or points at a
 * table within [start, end), then flushes what the calls changed. Never
 * allocates: a range without tables has nothing to do.
 */
export function walk_pmd_range(mm: mm_struct, start: u64, end: u64, fn: (pmd: usize, addr: u64, next: u64) => void): void {
  if (start >= end) return;
  gather_start = gather_end = 0;
  let addr = start;
  let pgd = pgd_offset(mm, addr);
  do {
    const pgd_next = pgd_addr_end(addr, end);
    if (!pmd_none(load<u64>(pgd))) {
      let pud = pud_offset(pgd, addr);
      do {
        const pud_next = pud_addr_end(addr, pgd_next);
        if (!pmd_none(load<u64>(pud))) {
          let pmd = pmd_offset(pud, addr);
          do {
            const next = pmd_addr_end(addr, pud_next);
            if (!pmd_none(load<u64>(pmd))) fn(pmd, addr, next);
            pmd += 8;
            addr = next;
          } while (addr != pud_next);
        }
        pud += 8;
        addr = pud_next;
      } while (addr != pgd_next);
    }
    pgd += 8;
    addr = pgd_next;
  } while (addr != end);
  if (gather_start != gather_end) flush_tlb_range(gather_start, gather_end);
}

function zap_pte_range(pmd: usize, addr: u64, end: u64): void {
  const mm = range_mm;
  let pte = pte_offset(pmd, addr);
  for (; addr != end; addr += PAGE_SIZE, pte += 8) {
    const ptent = load<u64>(pte);
    if (pte_none(ptent)) continue;
    if (!zap_cows) {
      // Only the file's own pages go: a swap entry or an anonymous page is a private COWed copy.
      if (!pte_present(ptent)) continue;
      const cow = vm_normal_page(ptent);
      if (cow !== null && PageAnon(cow)) continue;
    }
    store<u64>(pte, 0);
    if (!pte_present(ptent)) {
      // A swap entry: its slot loses this reference (zap_nonpresent_ptes).
      add_mm_counter(mm, MM_SWAPENTS, -1);
      free_swap_and_cache(pte_to_swp_entry(ptent));
      continue;
    }
    tlb_gather_range(addr, addr + PAGE_SIZE);
    const pg = vm_normal_page(ptent);
    if (pg === null) continue;
    const anon = PageAnon(pg);
    add_mm_counter(mm, anon ? MM_ANONPAGES : mm_counter_file(pg), -1);
    if (!anon && pte_dirty(ptent)) set_page_dirty(pg);
    page_remove_rmap(pg, false, range_vma);
    if (!anon && pg._mapcount < 0) page_mapping_gone(pg);
    put_page(pg);
    zapped_pages = true;
  }
}

function zap_pmd(pmd: usize, addr: u64, next: u64): void {
  if (pmd_trans_huge(load<u64>(pmd))) {
    if (next - addr == PMD_SIZE) {
      zap_huge_pmd(range_mm, range_vma, pmd, addr);
      zapped_pages = true;
      return;
    }
    split_huge_pmd(range_mm, pmd, addr & PMD_MASK);
  }
  zap_pte_range(pmd, addr, next);
}

/**
 * Unmaps [start, end) of vma (page aligned): every page loses its pte,
 * its mapcount and the pte's reference; RSS and the host TLB follow.
 * Page tables stay (free_pgtables frees them).
 */
export function unmap_page_range(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64): void {
  // The per-CPU LRU batch's references go first, so that the pages unmapped are freed now (unmap_region, exit_mmap).
  lru_add_drain();
  update_hiwater_rss(mm);
  range_mm = mm;
  range_vma = vma;
  zapped_pages = false;
  walk_pmd_range(mm, start, end, zap_pmd);
  // Freeing the gathered pages drains again (free_pages_and_swap_cache): a locked VMA's munlocks are done.
  if (zapped_pages) lru_add_drain();
}

/**
 * Unmaps the pages at file index `first` and beyond (`nr` of them; 0: to
 * the end) from every VMA that maps address_space `mapping`, with
 * `even_cows` private COWed copies too (as truncate asks: an access past
 * EOF must fault and get SIGBUS; a hole punched leaves them). There is
 * no i_mmap tree here, so every mm's VMAs are walked.
 */
export function unmap_mapping_range(mapping: u32, first: u64, nr: u64 = 0, even_cows: bool = true): void {
  zap_cows = even_cows;
  for (let m = changetype<usize>(mmlist_first()); m; m = <usize>changetype<mm_struct>(m).mmlist) {
    const mm = changetype<mm_struct>(m);
    for (let vma: vm_area_struct | null = first_vma(mm); vma !== null; vma = vma_next(changetype<vm_area_struct>(vma))) {
      if (!vma.vm_file || changetype<file>(<usize>vma.vm_file).f_mapping != mapping) continue;
      const pages = (vma.vm_end - vma.vm_start) >> PAGE_SHIFT;
      if (first >= vma.vm_pgoff + pages || (nr && first + nr <= vma.vm_pgoff)) continue;
      const start = first > vma.vm_pgoff ? vma.vm_start + ((first - vma.vm_pgoff) << PAGE_SHIFT) : vma.vm_start;
      const end = nr && first + nr < vma.vm_pgoff + pages ? vma.vm_start + ((first + nr - vma.vm_pgoff) << PAGE_SHIFT) : vma.vm_end;
      unmap_page_range(mm, vma, start, end);
    }
  }
  zap_cows = true;
}

/**
 * Whether a private anonymous page can be made writable at once
 * instead of taking a write fault later (can_change_pte_writable): only
 * a page exclusive to this process.
 */
function can_change_pte_writable(pte: u64): bool {
  if (pte & _PAGE_PROTNONE) return false;
  const pg = vm_normal_page(pte);
  return pg !== null && PageAnon(pg) && PageAnonExclusive(pg);
}

function change_pte_range(pmd: usize, addr: u64, end: u64): void {
  const vma = range_vma;
  const try_writable = (vma.vm_flags & VM_WRITE) != 0;
  let pte = pte_offset(pmd, addr);
  for (; addr != end; addr += PAGE_SIZE, pte += 8) {
    const old = load<u64>(pte);
    if (!pte_present(old)) continue;
    let ptent = pte_modify(old, range_newprot);
    if (try_writable && !pte_write(ptent) && can_change_pte_writable(ptent)) ptent = pte_mkwrite(ptent);
    if (ptent == old) continue;
    store<u64>(pte, ptent);
    tlb_gather_range(addr, addr + PAGE_SIZE);
  }
}

function change_pmd(pmd: usize, addr: u64, next: u64): void {
  if (pmd_trans_huge(load<u64>(pmd))) {
    if (next - addr == PMD_SIZE) {
      change_huge_pmd(range_vma, pmd, addr, range_newprot);
      return;
    }
    split_huge_pmd(range_mm, pmd, addr & PMD_MASK);
  }
  change_pte_range(pmd, addr, next);
}

/**
 * Rewrites the ptes of [start, end) of vma, whose vm_flags are already
 * the new ones, with the protection newprot (mprotect).
 */
export function change_protection(vma: vm_area_struct, start: u64, end: u64, newprot: u64): void {
  range_mm = changetype<mm_struct>(vma.vm_mm);
  range_vma = vma;
  range_newprot = newprot;
  walk_pmd_range(range_mm, start, end, change_pmd);
}

// ─── fork: copying a VMA's page tables (copy_page_range) ───────────────────

/** Private and may become writable: a write must copy (is_cow_mapping). */
@inline export function is_cow_mapping(flags: u32): bool { return (flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE; }

/**
 * One present pte into the child (copy_present_pte): the page gains a
 * reference and a mapping; in a COW mapping the pte is write-protected in
 * both parent and child, so the first write on either side faults.
 * The zero page stays the zero page (special: no struct page to count).
 */
function copy_present_pte(dst_mm: mm_struct, src_vma: vm_area_struct, dst_pte: usize, src_pte: usize, addr: u64): void {
  let pte = load<u64>(src_pte);
  const pg = vm_normal_page(pte);
  if (pg !== null) {
    get_page(pg);
    if (PageAnon(pg)) {
      page_dup_anon_rmap(pg);
      add_mm_counter(dst_mm, MM_ANONPAGES, 1);
    } else {
      page_dup_file_rmap(pg);
      add_mm_counter(dst_mm, mm_counter_file(pg), 1);
    }
  }
  if (is_cow_mapping(src_vma.vm_flags) && pte_write(pte)) {
    pte = pte_wrprotect(pte);
    store<u64>(src_pte, pte);  // ptep_set_wrprotect; dup_mmap flushes the parent's TLB
  }
  if (src_vma.vm_flags & VM_SHARED) pte = pte_mkclean(pte);
  set_pte_at(dst_mm, addr, dst_pte, pte_mkold(pte));
}

function copy_pte_range(dst_mm: mm_struct, src_vma: vm_area_struct, dst_pmd: usize, src_pmd: usize,
                        addr: u64, end: u64): i32 {
  if (pte_alloc(dst_mm, dst_pmd)) return -12;
  let src_pte = pte_offset(src_pmd, addr);
  let dst_pte = pte_offset(dst_pmd, addr);
  for (; addr != end; addr += PAGE_SIZE, src_pte += 8, dst_pte += 8) {
    const v = load<u64>(src_pte);
    if (pte_present(v)) copy_present_pte(dst_mm, src_vma, dst_pte, src_pte, addr);
    else if (is_swap_pte(v) && copy_nonpresent_pte(dst_mm, dst_pte, src_pte, addr)) return -12;
  }
  return 0;
}

/**
 * A swap entry into the child (copy_nonpresent_pte): one more reference
 * on its slot, and neither side's entry is exclusive any more. A slot
 * whose count is full gets a count continuation (copy_pte_range's
 * add_swap_count_continuation) and the copy is tried again.
 * @return 0, or -ENOMEM when no continuation page could be had.
 */
function copy_nonpresent_pte(dst_mm: mm_struct, dst_pte: usize, src_pte: usize, addr: u64): i32 {
  let pte = load<u64>(src_pte);
  const entry = pte_to_swp_entry(pte);
  while (swap_duplicate(entry) < 0) {
    if (add_swap_count_continuation(entry, GFP_KERNEL) < 0) return -12;
  }
  if (pte_swp_exclusive(pte)) {
    pte = pte_swp_clear_exclusive(pte);
    store<u64>(src_pte, pte);
  }
  add_mm_counter(dst_mm, MM_SWAPENTS, 1);
  set_pte_at(dst_mm, addr, dst_pte, pte);
  return 0;
}

function copy_pmd_range(dst_mm: mm_struct, src_vma: vm_area_struct, dst_pud: usize, src_pud: usize,
                        addr: u64, end: u64): i32 {
  const dst_pmd0 = pmd_alloc(dst_mm, dst_pud, addr);
  if (!dst_pmd0) return -12;
  let dst_pmd = dst_pmd0;
  let src_pmd = pmd_offset(src_pud, addr);
  do {
    const next = pmd_addr_end(addr, end);
    const v = load<u64>(src_pmd);
    if (pmd_trans_huge(v)) {
      if (copy_huge_pmd(dst_mm, changetype<mm_struct>(src_vma.vm_mm), dst_pmd, src_pmd, addr)) return -12;
    } else if (!pmd_none(v)) {
      if (copy_pte_range(dst_mm, src_vma, dst_pmd, src_pmd, addr, next)) return -12;
    }
    src_pmd += 8;
    dst_pmd += 8;
    addr = next;
  } while (addr != end);
  return 0;
}

function copy_pud_range(dst_mm: mm_struct, src_vma: vm_area_struct, dst_pgd: usize, src_pgd: usize,
                        addr: u64, end: u64): i32 {
  const dst_pud0 = pud_alloc(dst_mm, dst_pgd, addr);
  if (!dst_pud0) return -12;
  let dst_pud = dst_pud0;
  let src_pud = pud_offset(src_pgd, addr);
  do {
    const next = pud_addr_end(addr, end);
    if (!pmd_none(load<u64>(src_pud)) && copy_pmd_range(dst_mm, src_vma, dst_pud, src_pud, addr, next)) return -12;
    src_pud += 8;
    dst_pud += 8;
    addr = next;
  } while (addr != end);
  return 0;
}

/**
 * Copies src_vma's page tables into dst_vma's mm, level by level (the p4d
 * is folded into the pgd). A VMA without anonymous pages or pfns is
 * skipped: its file pages fault back in from the page cache. @return 0 or -ENOMEM.
 */
export function copy_page_range(dst_vma: vm_area_struct, src_vma: vm_area_struct): i32 {
  // vma_needs_copy: anonymous pages, or pfns no fault could find again.
  if (!src_vma.anon_vma && !(src_vma.vm_flags & VM_PFNMAP)) return 0;
  trace_enter(FN_copy_page_range, <u32>src_vma.vm_start);
  const dst_mm = changetype<mm_struct>(dst_vma.vm_mm);
  const src_mm = changetype<mm_struct>(src_vma.vm_mm);
  let addr = src_vma.vm_start;
  const end = src_vma.vm_end;
  let src_pgd = pgd_offset(src_mm, addr);
  let dst_pgd = pgd_offset(dst_mm, addr);
  let ret: i32 = 0;
  do {
    const next = pgd_addr_end(addr, end);
    if (!pmd_none(load<u64>(src_pgd))) {
      ret = copy_pud_range(dst_mm, src_vma, dst_pgd, src_pgd, addr, next);
      if (ret) break;
    }
    src_pgd += 8;
    dst_pgd += 8;
    addr = next;
  } while (addr != end);
  trace_exit(FN_copy_page_range, <u32>ret);
  return ret;
}
