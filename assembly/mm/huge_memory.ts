// mm/huge_memory.c: transparent huge pages for anonymous memory. A 2 MiB
// aligned range wholly inside an anonymous private VMA may be mapped by
// one pmd with PS set, backed by an order-9 block, when THP allows it
// (/sys/kernel/mm/transparent_hugepage/enabled: never | madvise | always).
//
// No huge zero page: a read fault allocates a huge page as a write does
// (Linux with transparent_hugepage/use_zero_page = 0). Every huge pmd
// keeps a pte table deposited, so splitting it never allocates.

import { alloc_pages_vma } from "./mempolicy";
import { mm_struct, vm_area_struct, page, PG_uptodate, PG_head, PG_tail, PG_anon_exclusive, PG_swapbacked, PG_dirty, PG_active,
  PG_referenced, PG_workingset, PG_lru, PG_mlocked, PG_unevictable,
  VM_WRITE, VM_SHARED, VM_HUGEPAGE, VM_NOHUGEPAGE, MM_ANONPAGES, add_mm_counter, SIZEOF_PAGE } from "./mm_types";
import { __free_pages, get_page, put_page, kernel_init_pages } from "./page_alloc";
import { pfn_to_page, page_to_pfn, page_address, page_lru, list_add, NR_ANON_THPS } from "./mmzone";
import { folio_add_lru, lru_add_drain, lruvec_stat_mod_folio } from "./swap";
import { GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT, __GFP_NORETRY, __GFP_KSWAPD_RECLAIM, __GFP_DIRECT_RECLAIM } from "./gfp";
import { count_vm_event, THP_FAULT_ALLOC, THP_FAULT_FALLBACK, THP_SPLIT_PMD, THP_SPLIT_PAGE } from "./vmstat";
import {
  pte_alloc_one, pte_free, pgtable_trans_huge_deposit, pgtable_trans_huge_withdraw,
  pfn_pte, pmd_pfn, pmd_modify, pmd_write, pte_mkyoung, pte_mkdirty, pte_mkwrite,
  PMD_SIZE, PMD_MASK, PTE_PFN_MASK, _PAGE_PSE, _PAGE_TABLE, _PAGE_PROTNONE, _PAGE_RW, _PAGE_ACCESSED,
  mm_find_pmd, pmd_trans_huge,
} from "./pgtable";
import { anon_vma_prepare, page_dup_anon_rmap, page_move_anon_rmap, PageAnonExclusive, rmap_walk, pvmw_huge } from "./rmap";
import {
  vm_fault, vma_is_anonymous, page_add_new_anon_rmap, page_remove_rmap, folio_add_lru_vma, maybe_mkwrite,
  tlb_gather_range, VM_FAULT_OOM, VM_FAULT_FALLBACK, VM_FAULT_WRITE, FAULT_FLAG_WRITE,
} from "./memory";
import { flush_tlb_range } from "../arch/x86/mm/tlb";
import { trace_enter, trace_exit, FN_create_huge_pmd, FN_clear_page, FN_do_huge_pmd_wp_page, FN_copy_huge_pmd,
  FN_split_huge_page } from "../kernel/trace";

@inline export const HPAGE_PMD_ORDER: u32 = 9;
@inline export const HPAGE_PMD_NR: u32 = 1 << HPAGE_PMD_ORDER;

@inline export const THP_NEVER: u32 = 0;
@inline export const THP_MADVISE: u32 = 1;
@inline export const THP_ALWAYS: u32 = 2;

let thp_enabled: u32 = THP_MADVISE;

/** Sets /sys/kernel/mm/transparent_hugepage/enabled (THP_NEVER/MADVISE/ALWAYS). @return 0, or -EINVAL. */
export function thp_set_enabled(mode: u32): i32 {
  if (mode > THP_ALWAYS) return -22;
  thp_enabled = mode;
  return 0;
}

/** Whether faults in vma may try a huge pmd (__transparent_hugepage_enabled). */
export function transparent_hugepage_enabled(vma: vm_area_struct): bool {
  // Shared anonymous memory has no backing here: the 4 KiB path sends SIGBUS.
  if (!vma_is_anonymous(vma) || (vma.vm_flags & (VM_SHARED | VM_NOHUGEPAGE))) return false;
  if (changetype<mm_struct>(vma.vm_mm).thp_disabled) return false;
  if (thp_enabled == THP_ALWAYS) return true;
  return thp_enabled == THP_MADVISE && (vma.vm_flags & VM_HUGEPAGE) != 0;
}

// /sys/kernel/mm/transparent_hugepage/defrag
@inline export const THP_DEFRAG_ALWAYS: u32 = 0;
@inline export const THP_DEFRAG_DEFER: u32 = 1;
@inline export const THP_DEFRAG_DEFER_MADVISE: u32 = 2;
@inline export const THP_DEFRAG_MADVISE: u32 = 3;
@inline export const THP_DEFRAG_NEVER: u32 = 4;
let thp_defrag: u32 = THP_DEFRAG_MADVISE;

/** Sets the defrag mode (THP_DEFRAG_*). @return 0, or -EINVAL. */
export function thp_set_defrag(mode: u32): i32 {
  if (mode > THP_DEFRAG_NEVER) return -22;
  thp_defrag = mode;
  return 0;
}
export function thp_get_enabled(): u32 { return thp_enabled; }
export function thp_get_defrag(): u32 { return thp_defrag; }

/** How hard a THP fault may try, by the defrag mode and madvise (alloc_hugepage_direct_gfpmask). */
@inline function alloc_hugepage_direct_gfpmask(vma: vm_area_struct): u32 {
  const vma_madvised = (vma.vm_flags & VM_HUGEPAGE) != 0;
  if (thp_defrag == THP_DEFRAG_ALWAYS) return GFP_TRANSHUGE | (vma_madvised ? 0 : __GFP_NORETRY);
  if (thp_defrag == THP_DEFRAG_DEFER) return GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM;
  if (thp_defrag == THP_DEFRAG_DEFER_MADVISE) return GFP_TRANSHUGE_LIGHT | (vma_madvised ? __GFP_DIRECT_RECLAIM : __GFP_KSWAPD_RECLAIM);
  if (thp_defrag == THP_DEFRAG_MADVISE) return GFP_TRANSHUGE_LIGHT | (vma_madvised ? __GFP_DIRECT_RECLAIM : 0);
  return GFP_TRANSHUGE_LIGHT;
}

/** A huge pmd for an anonymous fault, or VM_FAULT_FALLBACK to 4 KiB pages. */
export function create_huge_pmd(vmf: vm_fault): u32 {
  trace_enter(FN_create_huge_pmd, <u32>vmf.address);
  const ret = do_huge_pmd_anonymous_page(vmf);
  trace_exit(FN_create_huge_pmd, ret);
  return ret;
}

function do_huge_pmd_anonymous_page(vmf: vm_fault): u32 {
  const vma = vmf.vma;
  const haddr = vmf.address & PMD_MASK;
  // transhuge_vma_suitable: the whole 2 MiB must lie inside the VMA.
  if (haddr < vma.vm_start || haddr + PMD_SIZE > vma.vm_end) return VM_FAULT_FALLBACK;
  if (!anon_vma_prepare(vma)) return VM_FAULT_OOM;
  const pg = alloc_pages_vma(alloc_hugepage_direct_gfpmask(vma), HPAGE_PMD_ORDER, vma, haddr);
  if (pg === null) {
    count_vm_event(THP_FAULT_FALLBACK);
    return VM_FAULT_FALLBACK;
  }
  return __do_huge_pmd_anonymous_page(vmf, pg, haddr);
}

function __do_huge_pmd_anonymous_page(vmf: vm_fault, pg: page, haddr: u64): u32 {
  const vma = vmf.vma;
  const mm = changetype<mm_struct>(vma.vm_mm);
  const pgtable = pte_alloc_one(mm);
  if (!pgtable) {
    __free_pages(pg, HPAGE_PMD_ORDER);
    return VM_FAULT_OOM;
  }
  trace_enter(FN_clear_page, page_to_pfn(pg));
  kernel_init_pages(pg, HPAGE_PMD_NR);
  trace_exit(FN_clear_page);
  pg.flags |= PG_uptodate;
  const entry = maybe_mkwrite(pte_mkdirty(pfn_pte(page_to_pfn(pg), vma.vm_page_prot | _PAGE_PSE)), vma);
  page_add_new_anon_rmap(pg, vma, haddr, true);
  folio_add_lru_vma(pg, vma);   // the whole folio, 512 pages on the list
  pgtable_trans_huge_deposit(vmf.pmd, pgtable);
  store<u64>(vmf.pmd, entry);
  add_mm_counter(mm, MM_ANONPAGES, HPAGE_PMD_NR);
  count_vm_event(THP_FAULT_ALLOC);
  return 0;
}

@inline function set_pmd_flush(pmd: usize, haddr: u64, entry: u64): void {
  store<u64>(pmd, entry);
  flush_tlb_range(haddr, haddr + PMD_SIZE);
}

/** A read or an allowed write found the huge pmd already there: mark it used. */
export function huge_pmd_set_accessed(vmf: vm_fault): void {
  let entry = pte_mkyoung(vmf.orig_pmd);
  if (vmf.flags & FAULT_FLAG_WRITE) entry = pte_mkdirty(entry);
  if (entry != vmf.orig_pmd) set_pmd_flush(vmf.pmd, vmf.address & PMD_MASK, entry);
}

/**
 * A write to a write-protected huge pmd (do_huge_pmd_wp_page, Linux 6.x):
 * reused in place when the huge page is exclusive to this process or its
 * last other user is gone; else split, and the pte-level fault copies the
 * one 4 KiB page written (Linux splits the pmd alone and keeps the folio;
 * here no huge page is ever mapped partly by ptes, so the page splits too,
 * in every process mapping it).
 */
function do_huge_pmd_wp_page(vmf: vm_fault): u32 {
  trace_enter(FN_do_huge_pmd_wp_page, <u32>vmf.address);
  const head = pfn_to_page(pmd_pfn(vmf.orig_pmd));
  const haddr = vmf.address & PMD_MASK;
  // The per-CPU LRU batch may hold a reference.
  if (!PageAnonExclusive(head) && !(head.flags & PG_lru)) lru_add_drain();
  let ret: u32;
  if (PageAnonExclusive(head) || head._refcount == 1) {
    if (!PageAnonExclusive(head)) {
      page_move_anon_rmap(head, vmf.vma);
      head.flags |= PG_anon_exclusive;
    }
    const entry = maybe_mkwrite(pte_mkdirty(pte_mkyoung(vmf.orig_pmd)), vmf.vma);
    set_pmd_flush(vmf.pmd, haddr, entry);
    ret = VM_FAULT_WRITE;
  } else {
    split_huge_pmd(changetype<mm_struct>(vmf.vma.vm_mm), vmf.pmd, haddr);
    ret = VM_FAULT_FALLBACK;
  }
  trace_exit(FN_do_huge_pmd_wp_page, ret);
  return ret;
}

/** A write to a write-protected huge pmd: THP is anonymous only here. */
export function wp_huge_pmd(vmf: vm_fault): u32 {
  return do_huge_pmd_wp_page(vmf);
}

/**
 * fork of a huge pmd (copy_huge_pmd): the child maps the same huge page,
 * read-only in both, with its own deposited table. @return 0 or -ENOMEM.
 */
export function copy_huge_pmd(dst_mm: mm_struct, src_mm: mm_struct, dst_pmd: usize, src_pmd: usize, addr: u64): i32 {
  trace_enter(FN_copy_huge_pmd, <u32>addr);
  const pgtable = pte_alloc_one(dst_mm);
  let ret: i32 = -12;  // -ENOMEM
  if (pgtable) {
    let pmd = load<u64>(src_pmd);
    const head = pfn_to_page(pmd_pfn(pmd));
    get_page(head);
    page_dup_anon_rmap(head);
    add_mm_counter(dst_mm, MM_ANONPAGES, HPAGE_PMD_NR);
    pgtable_trans_huge_deposit(dst_pmd, pgtable);
    pmd &= ~_PAGE_RW;
    store<u64>(src_pmd, pmd);  // pmdp_set_wrprotect; dup_mmap flushes the parent's TLB
    store<u64>(dst_pmd, pmd & ~_PAGE_ACCESSED);
    ret = 0;
  }
  // The trace shows 1 for a failure, as for the other allocations it records.
  trace_exit(FN_copy_huge_pmd, ret ? 1 : 0);
  return ret;
}

/** Unmaps a whole huge pmd: its page and deposited table go back. */
export function zap_huge_pmd(mm: mm_struct, vma: vm_area_struct, pmd: usize, haddr: u64): void {
  const head = pfn_to_page(pmd_pfn(load<u64>(pmd)));
  store<u64>(pmd, 0);
  tlb_gather_range(haddr, haddr + PMD_SIZE);
  pte_free(mm, pgtable_trans_huge_withdraw(pmd));
  add_mm_counter(mm, MM_ANONPAGES, -(<i64>HPAGE_PMD_NR));
  page_remove_rmap(head, true, vma);
  put_page(head);   // off the LRU with its last reference
}

/** Replaces the huge pmd mapping head at haddr by its deposited pte table, same frames and bits (__split_huge_pmd_locked). */
function __split_huge_pmd_locked(mm: mm_struct, pmd: usize, haddr: u64): void {
  const old = load<u64>(pmd);
  const pfn = pmd_pfn(old);
  const prot = old & ~(PTE_PFN_MASK | _PAGE_PSE);
  const table = pgtable_trans_huge_withdraw(pmd);
  for (let i: u32 = 0; i < HPAGE_PMD_NR; i++) store<u64>(table + (<usize>i << 3), pfn_pte(pfn + i, prot));
  store<u64>(pmd, <u64>table | _PAGE_TABLE);
  flush_tlb_range(haddr, haddr + PMD_SIZE);
  count_vm_event(THP_SPLIT_PMD);
}

function split_one(pg: page, vma: vm_area_struct, address: u64, entry: usize): bool {
  if (pvmw_huge) __split_huge_pmd_locked(changetype<mm_struct>(vma.vm_mm), entry, address);
  return true;
}

/** What a tail takes of its head's flags when split (__split_huge_page_tail). */
@inline const SPLIT_FLAGS: u32 = PG_uptodate | PG_anon_exclusive | PG_swapbacked | PG_dirty | PG_active | PG_referenced
  | PG_workingset | PG_lru | PG_mlocked | PG_unevictable;

/**
 * Splits a huge page mapped by huge pmds into 512 order-0 pages
 * (split_huge_page): every pmd rmap finds becomes a pte table, then each
 * page takes the head's references, mappings and exclusivity, one per
 * process mapping it. On the LRU, the tails join the head's list (an
 * unevictable head's: no list, an mlock_count of 0); when reclaim holds
 * the head isolated, they go on its `list` with a reference each
 * (lru_add_split_folio), so reclaim goes on with them.
 */
export function split_huge_page(head: page, list: usize = 0): void {
  trace_enter(FN_split_huge_page, page_to_pfn(head));
  lru_add_drain();   // a head still in the per-CPU batch joins its list first
  rmap_walk(head, split_one);
  const keep = head.flags & SPLIT_FLAGS;
  const on_lru = (head.flags & PG_lru) != 0;
  let after = page_lru(head);
  for (let i: u32 = 1; i < HPAGE_PMD_NR; i++) {
    const sub = changetype<page>(changetype<usize>(head) + i * SIZEOF_PAGE);
    sub.flags = (sub.flags & ~(PG_head | PG_tail)) | keep;
    sub.lru_next = 0;   // was the compound_head link
    sub.private_ = 0;   // page[1] held the compound order
    sub._refcount = head._refcount;
    sub._mapcount = head._mapcount;
    sub.mapping = head.mapping;
    sub.index = head.index + i;
    // The list's page count stays: 512 for the head before, one each after.
    if (on_lru && (keep & PG_unevictable)) {
      sub.lru_prev = 0;   // folio_set_mlock_count(sub, 0)
    } else if (on_lru || list) {
      list_add(page_lru(sub), on_lru ? after : list);
      if (on_lru) after = page_lru(sub);
    }
  }
  head.flags &= ~PG_head;
  lruvec_stat_mod_folio(head, NR_ANON_THPS, -(<i64>HPAGE_PMD_NR));
  trace_exit(FN_split_huge_page);
}

/** Reclaim splits an isolated THP, its tails onto `list` (split_folio_to_list): a page split. */
export function split_folio_to_list(head: page, list: usize): void {
  split_huge_page(head, list);
  count_vm_event(THP_SPLIT_PAGE);
}

/** A partial unmap, mprotect or a COW of the huge pmd at haddr: split its page (see split_huge_page). */
export function split_huge_pmd(mm: mm_struct, pmd: usize, haddr: u64): void {
  split_huge_page(pfn_to_page(pmd_pfn(load<u64>(pmd))));
}

/**
 * A VMA boundary about to be put at `address` (split_vma: mlock, madvise or
 * mbind of part of a THP) inside a huge pmd: one pmd cannot map two VMAs,
 * so it is split first (vma_adjust_trans_huge, split_huge_pmd_if_needed).
 */
export function vma_adjust_trans_huge(vma: vm_area_struct, address: u64): void {
  const haddr = address & PMD_MASK;
  if (haddr == address || haddr < vma.vm_start || haddr + PMD_SIZE > vma.vm_end) return;
  const mm = changetype<mm_struct>(vma.vm_mm);
  const pmd = mm_find_pmd(mm, haddr);
  if (pmd != 0 && pmd_trans_huge(load<u64>(pmd))) split_huge_pmd(mm, pmd, haddr);
}

/** mprotect of a whole huge pmd (change_huge_pmd). */
export function change_huge_pmd(vma: vm_area_struct, pmd: usize, haddr: u64, newprot: u64): void {
  const old = load<u64>(pmd);
  let entry = pmd_modify(old, newprot);
  if (!pmd_write(entry) && !(entry & _PAGE_PROTNONE) && (vma.vm_flags & VM_WRITE)) {
    const head = pfn_to_page(pmd_pfn(old));
    if (PageAnonExclusive(head)) entry = pte_mkwrite(entry);
  }
  if (entry == old) return;
  store<u64>(pmd, entry);
  tlb_gather_range(haddr, haddr + PMD_SIZE);
}

/**
 * Whether a huge pmd may map part of vma, as smaps' THPeligible asks
 * (thp_vma_allowable_orders): the policy allows it and a 2 MiB-aligned
 * range fits in the VMA below its end (thp_vma_suitable_order).
 */
export function thp_vma_allowable_orders(vma: vm_area_struct): bool {
  if (!transparent_hugepage_enabled(vma) || vma.vm_end < (<u64>HPAGE_PMD_NR << 12)) return false;
  const haddr = (vma.vm_end - (<u64>HPAGE_PMD_NR << 12)) & ~((<u64>HPAGE_PMD_NR << 12) - 1);
  return haddr >= vma.vm_start;
}
