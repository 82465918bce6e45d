// mm/page_table_check.c, in spirit: the fault side's invariants, checked
// by a census of an mm's page tables (CONFIG_DEBUG_VM's checker calls it).
//  - every table an entry points at is a page-table page, and the mm's
//    pgtables_bytes counts exactly the tables below the pgd (deposited
//    ones included);
//  - every present user pte or huge pmd maps an allocated page that is
//    no page-table page, or (special) the zero page;
//  - each page's _mapcount + 1 equals the number of ptes and huge pmds
//    mapping it;
//  - the RSS counters equal the census of the ptes; every swap pte names
//    a slot in use, and MM_SWAPENTS counts them (mm/swapfile.ts's census
//    of swap_map uses the per-slot counts taken here).
// The mapcount census needs no memory: a first walk takes one from the
// _mapcount of every mapped page, a scan of mem_map then finds every page
// at -1 exactly, and a second walk gives the counts back.

import { mm_struct, page, PAGE_SHIFT, PG_buddy, PG_pgtable, PG_reserved, PG_swapbacked, MM_ANONPAGES, MM_FILEPAGES, MM_SHMEMPAGES, MM_SWAPENTS,
  get_mm_counter } from "./mm_types";
import { is_swap_pte, pte_to_swp_entry, swp_offset } from "./swapops";
import { swap_entry_valid, swap_map_census, swap_map_census_reset } from "./swapfile";
import { pfn_to_page, max_pfn } from "./mmzone";
import { zero_page_pfn } from "./mm_init";
import { is_vdso_pfn, is_vvar_pfn } from "../arch/x86/entry/vdso";
import { pte_present, pte_special, pte_pfn, pmd_pfn, pmd_trans_huge, entry_table,
  PTRS_PER_TABLE, PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT } from "./pgtable";
import { PageAnon } from "./memory";
import { HPAGE_PMD_NR } from "./huge_memory";
import { mmlist_first } from "./mmap";
import { printk, printk_hex, printk_u64 } from "../kernel/panic";

let violations: u32 = 0;
let census_delta: i16 = 0;   // -1: take the census; +1: give it back
let checking: bool = false;  // validate while walking (the first walk only)
let anon: i64 = 0;
let filepages: i64 = 0;
let shmempages: i64 = 0;
let swapents: i64 = 0;
let tables: u64 = 0;

function bad(reason: string, va: u64): void {
  violations++;
  printk("page_table_check: ");
  printk(reason);
  printk(" at ");
  printk_hex(va);
  printk("\n");
}

/** An upper-level entry must point at a page-table page. */
function check_table(entry: u64, va: u64): void {
  const pfn = <u32>(entry_table(entry) >> PAGE_SHIFT);
  if (pfn >= max_pfn || !(pfn_to_page(pfn).flags & PG_pgtable)) bad("entry points at no page-table page", va);
  else tables++;
}

/** A user mapping of pfn: an allocated page, never a page table. */
function check_mapped(pfn: u32, va: u64): bool {
  if (pfn >= max_pfn) {
    bad("pte maps a frame outside RAM", va);
    return false;
  }
  const pg = pfn_to_page(pfn);
  if (pg.flags & PG_pgtable) bad("page-table page mapped to user space", va);
  else if ((pg.flags & PG_reserved) && !is_vdso_pfn(pfn)) bad("kernel-reserved page mapped to user space", va);
  else if (pg._refcount <= 0 || (pg.flags & PG_buddy)) bad("pte maps a free page", va);
  else return true;
  return false;
}

function census_page(pg: page, nr: i64): void {
  pg._mapcount += census_delta;
  if (!checking) return;
  if (PageAnon(pg)) anon += nr;
  else if (pg.flags & PG_swapbacked) shmempages += nr;
  else filepages += nr;
}

/** A swap pte: a slot in use, counted for check_swap_map. */
function census_swap(pte: u64, va: u64): void {
  const entry = pte_to_swp_entry(pte);
  swapents++;
  if (!swap_entry_valid(entry)) {
    bad("swap pte names no slot in use", va);
    return;
  }
  swap_map_census(entry);
}

function walk_pte_table(table: usize, base: u64): void {
  for (let i: u32 = 0; i < PTRS_PER_TABLE; i++) {
    const pte = load<u64>(table + (<usize>i << 3));
    if (!pte_present(pte)) {
      if (checking && is_swap_pte(pte)) census_swap(pte, base + (<u64>i << PAGE_SHIFT));
      continue;
    }
    const va = base + (<u64>i << PAGE_SHIFT);
    const pfn = pte_pfn(pte);
    if (pte_special(pte)) {
      if (checking && pfn != zero_page_pfn() && !is_vvar_pfn(pfn)) bad("special pte maps neither the zero page nor the vvar", va);
      continue;
    }
    if (checking && !check_mapped(pfn, va)) continue;
    census_page(pfn_to_page(pfn), 1);
  }
}

function walk_pmd_table(table: usize, base: u64): void {
  for (let i: u32 = 0; i < PTRS_PER_TABLE; i++) {
    const pmd = load<u64>(table + (<usize>i << 3));
    if (!pmd) continue;
    const va = base + (<u64>i << PMD_SHIFT);
    if (pmd_trans_huge(pmd)) {
      if (checking) {
        if (!check_mapped(pmd_pfn(pmd), va)) continue;
        // The pte table deposited for its split.
        const owner = pfn_to_page(<u32>(table >> PAGE_SHIFT));
        if (!owner.lru_prev) bad("huge pmd without a deposited table", va);
      }
      census_page(pfn_to_page(pmd_pfn(pmd)), HPAGE_PMD_NR);
      continue;
    }
    if (checking) check_table(pmd, va);
    walk_pte_table(entry_table(pmd), va);
  }
  if (!checking) return;
  // Deposited tables hang off the pmd table page.
  for (let t = pfn_to_page(<u32>(table >> PAGE_SHIFT)).lru_prev; t; t = pfn_to_page(t >> PAGE_SHIFT).lru_next) {
    check_table(t, base);
  }
}

function walk_mm(mm: mm_struct): void {
  const pgd = <usize>mm.pgd;
  // The user half: pgd entries 0..255.
  for (let i: u32 = 0; i < PTRS_PER_TABLE / 2; i++) {
    const e = load<u64>(pgd + (<usize>i << 3));
    if (!e) continue;
    const va = <u64>i << PGDIR_SHIFT;
    if (checking) check_table(e, va);
    const pud = entry_table(e);
    for (let j: u32 = 0; j < PTRS_PER_TABLE; j++) {
      const f = load<u64>(pud + (<usize>j << 3));
      if (!f) continue;
      const va2 = va + (<u64>j << PUD_SHIFT);
      if (checking) check_table(f, va2);
      walk_pmd_table(entry_table(f), va2);
    }
  }
}

/** The census of one mm: tables and RSS against its counters. */
function census_mm(mm: mm_struct): void {
  anon = filepages = shmempages = swapents = 0;
  tables = 0;
  walk_mm(mm);
  if (anon != get_mm_counter(mm, MM_ANONPAGES)) bad("MM_ANONPAGES differs from the ptes", <u64>anon);
  if (filepages != get_mm_counter(mm, MM_FILEPAGES)) bad("MM_FILEPAGES differs from the ptes", <u64>filepages);
  if (shmempages != get_mm_counter(mm, MM_SHMEMPAGES)) bad("MM_SHMEMPAGES differs from the ptes", <u64>shmempages);
  if (swapents != get_mm_counter(mm, MM_SWAPENTS)) bad("MM_SWAPENTS differs from the swap ptes", <u64>swapents);
  if (tables << PAGE_SHIFT != mm.pgtables_bytes) bad("pgtables_bytes differs from the tables", tables);
}

/**
 * Checks the page tables of every live mm, and every page's _mapcount
 * against them. @return the number of violations, each printk'd.
 */
export function check_page_tables(): u32 {
  violations = 0;
  swap_map_census_reset();
  census_delta = -1;
  checking = true;
  for (let mm = mmlist_first(); mm !== null; mm = mm_next(changetype<mm_struct>(mm))) census_mm(mm);
  checking = false;

  const zero = zero_page_pfn();
  for (let pfn: u32 = 0; pfn < max_pfn; pfn++) {
    const pg = pfn_to_page(pfn);
    if (pg._mapcount == -1 || pfn == zero) continue;
    printk("page_table_check: pfn ");
    printk_u64(pfn);
    printk(pg._mapcount < -1 ? " has a _mapcount below its ptes\n" : " has a _mapcount above its ptes\n");
    violations++;
  }
  census_delta = 1;
  for (let mm = mmlist_first(); mm !== null; mm = mm_next(changetype<mm_struct>(mm))) walk_mm(mm);
  return violations;
}

@inline function mm_next(mm: mm_struct): mm_struct | null {
  return mm.mmlist ? changetype<mm_struct>(<usize>mm.mmlist) : null;
}
