// mm/huge_memory.c: transparent huge pages for anonymous memory. A 2 MiB
// aligned range wholly inside an anonymous private VMA may be mapped by
// one pmd with PS set, backed by an order-9 block, when THP allows it
// (/sys/kernel/mm/transparent_hugepage/enabled: never | madvise | always).
//
// No huge zero page: a read fault allocates a huge page as a write does
// (Linux with transparent_hugepage/use_zero_page = 0). Every huge pmd
// keeps a pte table deposited, so splitting it never allocates.

import { mm_struct, vm_area_struct, page, PG_uptodate, PG_head, PG_tail,
  VM_WRITE, VM_SHARED, VM_HUGEPAGE, VM_NOHUGEPAGE, MM_ANONPAGES, add_mm_counter, SIZEOF_PAGE } from "./mm_types";
import { __free_pages } from "./page_alloc";
import { pfn_to_page, page_to_pfn, page_address, NR_ANON_THPS } from "./mmzone";
import { GFP_TRANSHUGE, GFP_TRANSHUGE_LIGHT } from "./gfp";
import { count_vm_event, mod_node_page_state, THP_FAULT_ALLOC, THP_FAULT_FALLBACK, THP_SPLIT_PMD } from "./vmstat";
import {
  pte_alloc_one, pte_free, pgtable_trans_huge_deposit, pgtable_trans_huge_withdraw,
  pfn_pte, pmd_pfn, pmd_modify, pmd_write, pte_mkyoung, pte_mkdirty, pte_mkwrite,
  PMD_SIZE, PMD_MASK, PTE_PFN_MASK, _PAGE_PSE, _PAGE_TABLE, _PAGE_PROTNONE,
} from "./pgtable";
import {
  vm_fault, vma_is_anonymous, alloc_pages_vma, page_add_new_anon_rmap, page_remove_rmap, maybe_mkwrite,
  tlb_gather_range, VM_FAULT_OOM, VM_FAULT_FALLBACK, VM_FAULT_WRITE, FAULT_FLAG_WRITE,
} from "./memory";
import { flush_tlb_range } from "../arch/x86/mm/tlb";
import { trace_enter, trace_exit, FN_create_huge_pmd, FN_clear_page } from "../kernel/trace";

// @ts-ignore: decorator
@inline export const HPAGE_PMD_ORDER: u32 = 9;
// @ts-ignore: decorator
@inline export const HPAGE_PMD_NR: u32 = 1 << HPAGE_PMD_ORDER;

// @ts-ignore: decorator
@inline export const THP_NEVER: u32 = 0;
// @ts-ignore: decorator
@inline export const THP_MADVISE: u32 = 1;
// @ts-ignore: decorator
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

/** Synchronous compaction only where madvised (defrag = madvise, the default). */
// @ts-ignore: decorator
@inline function alloc_hugepage_direct_gfpmask(vma: vm_area_struct): u32 {
  return vma.vm_flags & VM_HUGEPAGE ? GFP_TRANSHUGE : GFP_TRANSHUGE_LIGHT;
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
  if (!vma.anon_vma) vma.anon_vma = vma.vm_mm;
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
  memory.fill(page_address(pg), 0, <usize>PMD_SIZE);
  trace_exit(FN_clear_page);
  pg.flags |= PG_uptodate;
  const entry = maybe_mkwrite(pte_mkdirty(pfn_pte(page_to_pfn(pg), vma.vm_page_prot | _PAGE_PSE)), vma);
  page_add_new_anon_rmap(pg, vma, haddr, true);
  pgtable_trans_huge_deposit(vmf.pmd, pgtable);
  store<u64>(vmf.pmd, entry);
  add_mm_counter(mm, MM_ANONPAGES, HPAGE_PMD_NR);
  count_vm_event(THP_FAULT_ALLOC);
  return 0;
}

// @ts-ignore: decorator
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

/** A write to a write-protected huge pmd: reuse it when exclusive, else split. */
export function wp_huge_pmd(vmf: vm_fault): u32 {
  const head = pfn_to_page(pmd_pfn(vmf.orig_pmd));
  const haddr = vmf.address & PMD_MASK;
  if (head._mapcount == 0 && head._refcount == 1) {
    const entry = maybe_mkwrite(pte_mkdirty(pte_mkyoung(vmf.orig_pmd)), vmf.vma);
    set_pmd_flush(vmf.pmd, haddr, entry);
    return VM_FAULT_WRITE;
  }
  split_huge_pmd(changetype<mm_struct>(vmf.vma.vm_mm), vmf.pmd, haddr);
  return VM_FAULT_FALLBACK;
}

/** Unmaps a whole huge pmd: its page and deposited table go back. */
export function zap_huge_pmd(mm: mm_struct, pmd: usize, haddr: u64): void {
  const head = pfn_to_page(pmd_pfn(load<u64>(pmd)));
  store<u64>(pmd, 0);
  tlb_gather_range(haddr, haddr + PMD_SIZE);
  pte_free(mm, pgtable_trans_huge_withdraw(pmd));
  add_mm_counter(mm, MM_ANONPAGES, -(<i64>HPAGE_PMD_NR));
  page_remove_rmap(head, true);
  __free_pages(head, HPAGE_PMD_ORDER);
}

/**
 * Replaces a huge pmd by its deposited pte table mapping the same 512
 * frames with the same bits, and splits the huge page into 512 order-0
 * pages, each mapped once (__split_huge_pmd + split_huge_page).
 */
export function split_huge_pmd(mm: mm_struct, pmd: usize, haddr: u64): void {
  const old = load<u64>(pmd);
  const pfn = pmd_pfn(old);
  const prot = old & ~(PTE_PFN_MASK | _PAGE_PSE);
  const table = pgtable_trans_huge_withdraw(pmd);
  const head = pfn_to_page(pfn);
  for (let i: u32 = 0; i < HPAGE_PMD_NR; i++) {
    store<u64>(table + (<usize>i << 3), pfn_pte(pfn + i, prot));
    const sub = changetype<page>(changetype<usize>(head) + i * SIZEOF_PAGE);
    sub.flags = (sub.flags & ~(PG_head | PG_tail)) | (head.flags & PG_uptodate);
    if (i) {
      sub.lru_next = 0;   // was the compound_head link
      sub.private_ = 0;   // page[1] held the compound order
    }
    sub._refcount = 1;
    sub._mapcount = head._mapcount;
    sub.mapping = head.mapping;
    sub.index = head.index + i;
  }
  store<u64>(pmd, <u64>table | _PAGE_TABLE);
  flush_tlb_range(haddr, haddr + PMD_SIZE);
  mod_node_page_state(NR_ANON_THPS, -(<i64>HPAGE_PMD_NR));
  count_vm_event(THP_SPLIT_PMD);
}

/** mprotect of a whole huge pmd (change_huge_pmd). */
export function change_huge_pmd(vma: vm_area_struct, pmd: usize, haddr: u64, newprot: u64): void {
  const old = load<u64>(pmd);
  let entry = pmd_modify(old, newprot);
  if (!pmd_write(entry) && !(entry & _PAGE_PROTNONE) && (vma.vm_flags & VM_WRITE)) {
    const head = pfn_to_page(pmd_pfn(old));
    if (head._mapcount == 0 && head._refcount == 1) entry = pte_mkwrite(entry);
  }
  if (entry == old) return;
  store<u64>(pmd, entry);
  tlb_gather_range(haddr, haddr + PMD_SIZE);
}
