// arch/x86/include/asm/pgtable*.h, mm/pgtable-generic.c: x86-64 4-level page
// tables in hardware format and the table pages' life cycle. The walk the
// MMU does over them is hardware's, in arch/x86/mmu.ts.
//
// A user virtual address under 4-level paging (p4d folded into the pgd, as
// Linux folds it when CONFIG_PGTABLE_LEVELS=4):
//
//   47       39 38       30 29       21 20       12 11            0
//  ┌───────────┬───────────┬───────────┬───────────┬───────────────┐
//  │ pgd index │ pud index │ pmd index │ pte index │  page offset  │
//  └───────────┴───────────┴───────────┴───────────┴───────────────┘
//
// An entry at any level (Intel SDM vol. 3 §4.5; Linux names):
//
//   63  62  59 58  52 51   46 45               12 11  9  8   7   6  5  4   3   2  1  0
//  ┌──┬───────┬──────┬───────┬───────────────────┬─────┬──┬───┬──┬──┬───┬───┬──┬──┬──┐
//  │NX│ PKEY  │ avail│ rsvd  │ page frame number │avail│G │PS │D │A │PCD│PWT│US│RW│P │
//  └──┴───────┴──────┴───────┴───────────────────┴─────┴──┴───┴──┴──┴───┴───┴──┴──┴──┘
//   rsvd: bits MAXPHYADDR..51 must be 0 in a present entry. PS is reserved
//   in the pgd; at the pmd it maps a 2 MiB page (bits 13..20 then reserved,
//   bit 12 is PAT) and at the pud 1 GiB (bits 13..29 reserved). In a pte
//   bit 7 is PAT. Linux gives two software meanings, and so do we: bit 9
//   (SOFTW1) = _PAGE_SPECIAL (no struct page behind it: the zero page), and
//   G on a non-present entry = _PAGE_PROTNONE (a PROT_NONE mapping).
//
// Table pages come from the buddy allocator, zeroed, and are counted in
// nr_page_table_pages and, below the pgd, in mm->pgtables_bytes.

import { alloc_pages } from "./mempolicy";
import { mm_struct, page, PAGE_SHIFT, PAGE_SIZE, PG_pgtable,
  VM_READ, VM_WRITE, VM_EXEC, VM_SHARED } from "./mm_types";
import { __free_pages } from "./page_alloc";
import { pfn_to_page, page_address, NR_PAGETABLE } from "./mmzone";
import { GFP_KERNEL, __GFP_ZERO, __GFP_ACCOUNT } from "./gfp";
import { lruvec_stat_mod_folio } from "./swap";

/** Page-table pages: zeroed, charged to the task (include/asm-generic/pgalloc.h). */
@inline const GFP_PGTABLE_USER: u32 = GFP_KERNEL | __GFP_ZERO | __GFP_ACCOUNT;

@inline export const _PAGE_PRESENT: u64 = 1 << 0;
@inline export const _PAGE_RW: u64 = 1 << 1;
@inline export const _PAGE_USER: u64 = 1 << 2;
@inline export const _PAGE_PWT: u64 = 1 << 3;
@inline export const _PAGE_PCD: u64 = 1 << 4;
@inline export const _PAGE_ACCESSED: u64 = 1 << 5;
@inline export const _PAGE_DIRTY: u64 = 1 << 6;
@inline export const _PAGE_PSE: u64 = 1 << 7;
@inline export const _PAGE_GLOBAL: u64 = 1 << 8;
@inline export const _PAGE_SPECIAL: u64 = 1 << 9;
@inline export const _PAGE_PROTNONE: u64 = _PAGE_GLOBAL;
@inline export const _PAGE_NX: u64 = 1 << 63;

/** Physical address width of this machine's CPU (CPUID 0x80000008). */
@inline export const MAXPHYADDR: u64 = 46;
@inline export const PTE_PFN_MASK: u64 = ((<u64>1 << MAXPHYADDR) - 1) & ~(<u64>PAGE_SIZE - 1);

// Bits pte_modify keeps across a protection change (_PAGE_CHG_MASK).
@inline const _PAGE_CHG_MASK: u64 = PTE_PFN_MASK | _PAGE_PCD | _PAGE_PWT | _PAGE_SPECIAL
  | _PAGE_ACCESSED | _PAGE_DIRTY;
@inline const _HPAGE_CHG_MASK: u64 = _PAGE_CHG_MASK | _PAGE_PSE;

// An upper-level entry pointing at a table (_PAGE_TABLE).
@inline export const _PAGE_TABLE: u64 = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;

// The protections (arch/x86/include/asm/pgtable_types.h).
@inline export const PAGE_NONE: u64 = _PAGE_PROTNONE | _PAGE_ACCESSED;
@inline export const PAGE_SHARED: u64 = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;
@inline export const PAGE_SHARED_EXEC: u64 = _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED;
@inline export const PAGE_COPY: u64 = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX;
@inline export const PAGE_COPY_EXEC: u64 = _PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED;
@inline export const PAGE_READONLY: u64 = PAGE_COPY;
@inline export const PAGE_READONLY_EXEC: u64 = PAGE_COPY_EXEC;

@inline export const PGDIR_SHIFT: u32 = 39;
@inline export const PUD_SHIFT: u32 = 30;
@inline export const PMD_SHIFT: u32 = 21;
@inline export const PTRS_PER_TABLE: u32 = 512;
@inline export const PMD_SIZE: u64 = <u64>1 << PMD_SHIFT;
@inline export const PMD_MASK: u64 = ~(PMD_SIZE - 1);
@inline export const PUD_SIZE: u64 = <u64>1 << PUD_SHIFT;
@inline export const PUD_MASK: u64 = ~(PUD_SIZE - 1);
@inline export const PGDIR_SIZE: u64 = <u64>1 << PGDIR_SHIFT;
@inline export const PGDIR_MASK: u64 = ~(PGDIR_SIZE - 1);
@inline export const PAGE_MASK: u64 = ~(<u64>PAGE_SIZE - 1);

// The #PF error code (arch/x86/include/asm/trap_pf.h); also the walk's `access`.
@inline export const X86_PF_PROT: u32 = 1 << 0;
@inline export const X86_PF_WRITE: u32 = 1 << 1;
@inline export const X86_PF_USER: u32 = 1 << 2;
@inline export const X86_PF_RSVD: u32 = 1 << 3;
@inline export const X86_PF_INSTR: u32 = 1 << 4;
@inline export const X86_PF_PK: u32 = 1 << 5;

// ─── index and entry helpers ────────────────────────────────────────────────

@inline export function pgd_index(va: u64): usize { return <usize>(va >> PGDIR_SHIFT) & (PTRS_PER_TABLE - 1); }
@inline export function pud_index(va: u64): usize { return <usize>(va >> PUD_SHIFT) & (PTRS_PER_TABLE - 1); }
@inline export function pmd_index(va: u64): usize { return <usize>(va >> PMD_SHIFT) & (PTRS_PER_TABLE - 1); }
@inline export function pte_index(va: u64): usize { return <usize>(va >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1); }

/** The physical address of the table an upper-level entry points at. */
@inline export function entry_table(entry: u64): usize { return <usize>(entry & PTE_PFN_MASK); }

@inline export function pgd_offset(mm: mm_struct, va: u64): usize { return <usize>mm.pgd + (pgd_index(va) << 3); }
@inline export function pud_offset(pgd: usize, va: u64): usize { return entry_table(load<u64>(pgd)) + (pud_index(va) << 3); }
@inline export function pmd_offset(pud: usize, va: u64): usize { return entry_table(load<u64>(pud)) + (pmd_index(va) << 3); }
@inline export function pte_offset(pmd: usize, va: u64): usize { return entry_table(load<u64>(pmd)) + (pte_index(va) << 3); }

@inline export function pfn_pte(pfn: u32, prot: u64): u64 { return (<u64>pfn << PAGE_SHIFT) | prot; }
@inline export function pte_pfn(pte: u64): u32 { return <u32>((pte & PTE_PFN_MASK) >> PAGE_SHIFT); }
@inline export function pte_none(pte: u64): bool { return pte == 0; }
/** Linux's pte_present: P, or a PROT_NONE entry that still maps its page. */
@inline export function pte_present(pte: u64): bool { return (pte & (_PAGE_PRESENT | _PAGE_PROTNONE)) != 0; }
@inline export function pte_write(pte: u64): bool { return (pte & _PAGE_RW) != 0; }
@inline export function pte_special(pte: u64): bool { return (pte & _PAGE_SPECIAL) != 0; }
@inline export function pte_mkwrite(pte: u64): u64 { return pte | _PAGE_RW; }
@inline export function pte_mkdirty(pte: u64): u64 { return pte | _PAGE_DIRTY; }
@inline export function pte_mkyoung(pte: u64): u64 { return pte | _PAGE_ACCESSED; }
@inline export function pte_mkspecial(pte: u64): u64 { return pte | _PAGE_SPECIAL; }
@inline export function pte_wrprotect(pte: u64): u64 { return pte & ~_PAGE_RW; }
@inline export function pte_mkclean(pte: u64): u64 { return pte & ~_PAGE_DIRTY; }
@inline export function pte_mkold(pte: u64): u64 { return pte & ~_PAGE_ACCESSED; }
/** The entry with its protection bits replaced by newprot's. */
@inline export function pte_modify(pte: u64, newprot: u64): u64 { return (pte & _PAGE_CHG_MASK) | (newprot & ~_PAGE_CHG_MASK); }

@inline export function pmd_none(pmd: u64): bool { return pmd == 0; }
/** A pmd that points at a table or is a huge leaf, PROT_NONE's too (pmd_present): no swap entry lives in a pmd here. */
@inline export function pmd_present(pmd: u64): bool { return (pmd & (_PAGE_PRESENT | _PAGE_PROTNONE)) != 0; }
/** A 2 MiB leaf (pmd_trans_huge); ask it of a present pmd only: bit 7 of a non-present entry is a swap pte's. */
@inline export function pmd_trans_huge(pmd: u64): bool { return (pmd & _PAGE_PSE) != 0; }
@inline export function pmd_write(pmd: u64): bool { return (pmd & _PAGE_RW) != 0; }
@inline export function pmd_modify(pmd: u64, newprot: u64): u64 { return (pmd & _HPAGE_CHG_MASK) | (newprot & ~_HPAGE_CHG_MASK); }
/** The pfn of a huge pmd's first 4 KiB frame (bit 12 is PAT there, not address). */
@inline export function pmd_pfn(pmd: u64): u32 { return <u32>((pmd & PTE_PFN_MASK & PMD_MASK) >> PAGE_SHIFT); }

/** x86's protection_map (arch/x86/mm/pgprot.c), indexed by VM_READ|WRITE|EXEC|SHARED. */
const protection_map: usize = memory.data<u64>([
  PAGE_NONE, PAGE_READONLY, PAGE_COPY, PAGE_COPY,
  PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_COPY_EXEC, PAGE_COPY_EXEC,
  PAGE_NONE, PAGE_READONLY, PAGE_SHARED, PAGE_SHARED,
  PAGE_READONLY_EXEC, PAGE_READONLY_EXEC, PAGE_SHARED_EXEC, PAGE_SHARED_EXEC,
]);

/** The PTE protection bits for a VMA with these vm_flags. */
export function vm_get_page_prot(vm_flags: u32): u64 {
  return load<u64>(protection_map + ((vm_flags & (VM_READ | VM_WRITE | VM_EXEC | VM_SHARED)) << 3));
}

// ─── table pages ────────────────────────────────────────────────────────────

/**
 * A zeroed page-table page (pagetable_alloc + pagetable_ctor), or 0 when
 * memory is short. @return its physical address.
 */
function pagetable_alloc(): usize {
  const pg = alloc_pages(GFP_PGTABLE_USER, 0);
  if (pg === null) return 0;
  pg.flags |= PG_pgtable;
  pg.lru_next = pg.lru_prev = 0;  // no deposited tables (pmd_huge_pte = NULL)
  lruvec_stat_mod_folio(pg, NR_PAGETABLE, 1);
  return page_address(pg);
}

/** Gives a page-table page back to the buddy allocator (pagetable_free). */
export function pagetable_free(table: usize): void {
  const pg = pfn_to_page(<u32>(table >> PAGE_SHIFT));
  pg.flags &= ~PG_pgtable;
  lruvec_stat_mod_folio(pg, NR_PAGETABLE, -1);
  __free_pages(pg, 0);
}

@inline function mm_inc_nr_tables(mm: mm_struct): void { mm.pgtables_bytes += PAGE_SIZE; }
@inline export function mm_dec_nr_tables(mm: mm_struct): void { mm.pgtables_bytes -= PAGE_SIZE; }

/** The mm's PML4. @return 0, or -ENOMEM. */
export function pgd_alloc(mm: mm_struct): i32 {
  const pgd = pagetable_alloc();
  if (!pgd) return -12;
  mm.pgd = <u32>pgd;
  return 0;
}

/** Frees the PML4; every lower table must be gone already (free_pgtables). */
export function pgd_free(mm: mm_struct): void {
  pagetable_free(mm.pgd);
  mm.pgd = 0;
}

/**
 * A table for the next level below the entry at `entry` (__pud_alloc,
 * __pmd_alloc, __pte_alloc). @return false when memory is short.
 */
function table_alloc(mm: mm_struct, entry: usize): bool {
  const table = pagetable_alloc();
  if (!table) return false;
  mm_inc_nr_tables(mm);
  store<u64>(entry, <u64>table | _PAGE_TABLE);
  return true;
}

/** The pmd entry of addr in mm, or 0 when no pmd table covers it (mm_find_pmd): reads the tables, never allocates. */
export function mm_find_pmd(mm: mm_struct, addr: u64): usize {
  const pgd = pgd_offset(mm, addr);
  if (pmd_none(load<u64>(pgd))) return 0;
  const pud = pud_offset(pgd, addr);
  if (pmd_none(load<u64>(pud))) return 0;
  return pmd_offset(pud, addr);
}

/** The pud entry for va, allocating its table. @return its address, or 0 (OOM). */
export function pud_alloc(mm: mm_struct, pgd: usize, va: u64): usize {
  if (pmd_none(load<u64>(pgd)) && !table_alloc(mm, pgd)) return 0;
  return pud_offset(pgd, va);
}

/** The pmd entry for va, allocating its table. @return its address, or 0 (OOM). */
export function pmd_alloc(mm: mm_struct, pud: usize, va: u64): usize {
  if (pmd_none(load<u64>(pud)) && !table_alloc(mm, pud)) return 0;
  return pmd_offset(pud, va);
}

/** Gives the pmd at `pmd` a pte table if it has none. @return true on failure, as Linux's. */
export function pte_alloc(mm: mm_struct, pmd: usize): bool {
  return pmd_none(load<u64>(pmd)) && !table_alloc(mm, pmd);
}

/** A pte table set aside for a later split (pte_alloc_one). @return its address, or 0. */
export function pte_alloc_one(mm: mm_struct): usize {
  const table = pagetable_alloc();
  if (table) mm_inc_nr_tables(mm);
  return table;
}

/** pte_free: the opposite of pte_alloc_one. */
export function pte_free(mm: mm_struct, table: usize): void {
  pagetable_free(table);
  mm_dec_nr_tables(mm);
}

// A huge pmd keeps a pte table deposited for its split, as Linux does
// (pgtable_trans_huge_deposit): a stack threaded through the deposited
// tables' struct page lru_next, its head in the pmd table page's lru_prev
// (Linux: ptdesc->pmd_huge_pte, which overlays the same list_head).

/** Sets `table` aside under the pmd table holding `pmd`. */
export function pgtable_trans_huge_deposit(pmd: usize, table: usize): void {
  const owner = pfn_to_page(<u32>(pmd >> PAGE_SHIFT));
  pfn_to_page(<u32>(table >> PAGE_SHIFT)).lru_next = owner.lru_prev;
  owner.lru_prev = <u32>table;
}

/** Takes back a deposited table (pgtable_trans_huge_withdraw). */
export function pgtable_trans_huge_withdraw(pmd: usize): usize {
  const owner = pfn_to_page(<u32>(pmd >> PAGE_SHIFT));
  const table = <usize>owner.lru_prev;
  const deposited = pfn_to_page(<u32>(table >> PAGE_SHIFT));
  owner.lru_prev = deposited.lru_next;
  deposited.lru_next = 0;
  return table;
}

// ─── freeing emptied tables (mm/memory.c free_pgd_range) ───────────────────
//
// Frees the pte, pmd and pud tables that cover only [addr, end) within
// [floor, ceiling): a table also covering memory outside that window may
// still serve a neighbouring VMA and stays. ceiling 0 means the top.

function free_pte_range(mm: mm_struct, pmd: usize): void {
  const table = entry_table(load<u64>(pmd));
  store<u64>(pmd, 0);
  pte_free(mm, table);
}

function free_pmd_range(mm: mm_struct, pud: usize, addr: u64, end: u64, floor: u64, ceiling: u64): void {
  let start = addr;
  let pmd = pmd_offset(pud, addr);
  do {
    const next = pmd_addr_end(addr, end);
    if (!pmd_none(load<u64>(pmd))) free_pte_range(mm, pmd);
    pmd += 8;
    addr = next;
  } while (addr != end);

  start &= PUD_MASK;
  if (start < floor) return;
  if (ceiling) {
    ceiling &= PUD_MASK;
    if (!ceiling) return;
  }
  if (end - 1 > ceiling - 1) return;
  const table = entry_table(load<u64>(pud));
  store<u64>(pud, 0);
  pagetable_free(table);
  mm_dec_nr_tables(mm);
}

function free_pud_range(mm: mm_struct, pgd: usize, addr: u64, end: u64, floor: u64, ceiling: u64): void {
  let start = addr;
  let pud = pud_offset(pgd, addr);
  do {
    const next = pud_addr_end(addr, end);
    if (!pmd_none(load<u64>(pud))) free_pmd_range(mm, pud, addr, next, floor, ceiling);
    pud += 8;
    addr = next;
  } while (addr != end);

  start &= PGDIR_MASK;
  if (start < floor) return;
  if (ceiling) {
    ceiling &= PGDIR_MASK;
    if (!ceiling) return;
  }
  if (end - 1 > ceiling - 1) return;
  const table = entry_table(load<u64>(pgd));
  store<u64>(pgd, 0);
  pagetable_free(table);
  mm_dec_nr_tables(mm);
}

export function free_pgd_range(mm: mm_struct, addr: u64, end: u64, floor: u64, ceiling: u64): void {
  addr &= PMD_MASK;
  if (addr < floor) {
    addr += PMD_SIZE;
    if (!addr) return;
  }
  if (ceiling) {
    ceiling &= PMD_MASK;
    if (!ceiling) return;
  }
  if (end - 1 > ceiling - 1) end -= PMD_SIZE;
  if (addr > end - 1) return;
  let pgd = pgd_offset(mm, addr);
  do {
    const next = pgd_addr_end(addr, end);
    if (!pmd_none(load<u64>(pgd))) free_pud_range(mm, pgd, addr, next, floor, ceiling);
    pgd += 8;
    addr = next;
  } while (addr != end);
}

/**
 * Frees the page tables of an unmapped range [start, end) whose neighbours
 * are the VMAs ending at `floor` and starting at `ceiling` (0: none above).
 */
export function free_pgtables(mm: mm_struct, start: u64, end: u64, floor: u64, ceiling: u64): void {
  free_pgd_range(mm, start, end, floor, ceiling);
}

// The next boundary of each level after addr, capped at end (wrap-safe).
@inline export function pgd_addr_end(addr: u64, end: u64): u64 {
  const b = (addr + PGDIR_SIZE) & PGDIR_MASK;
  return b - 1 < end - 1 ? b : end;
}
@inline export function pud_addr_end(addr: u64, end: u64): u64 {
  const b = (addr + PUD_SIZE) & PUD_MASK;
  return b - 1 < end - 1 ? b : end;
}
@inline export function pmd_addr_end(addr: u64, end: u64): u64 {
  const b = (addr + PMD_SIZE) & PMD_MASK;
  return b - 1 < end - 1 ? b : end;
}
