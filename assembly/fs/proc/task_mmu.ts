// fs/proc/task_mmu.c's data: what /proc/<pid>/maps and /proc/<pid>/status
// print, handed to the host as numbers (it formats the text, DESIGN rule 5).
//
//  ╒═══ VMA record (proc_vma_next; f64 words) ═════════════════════╕
//   0 vm_start  1 vm_end  2 vm_pgoff  3 vm_flags  4 file handle (0: anon)
//   5 anon_vma (non-zero once an anonymous page was faulted in)
//   6 i_ino (the mapped file's inode number; 0: anon)
//   7 thp_vma_allowable_orders (smaps' THPeligible: 1 or 0)
//   8 vm_private_data (a special mapping's id: [vvar], [vvar_vclock], [vdso]; 0: none)
//  ╘═══════════════════════════════════════════════════════════════╛
//  ╒═══ mm counters (proc_mm_counters; f64 words) ═════════════════╕
//   0 MM_FILEPAGES   1 MM_ANONPAGES  2 MM_SWAPENTS   3 MM_SHMEMPAGES
//   4 hiwater_rss    5 hiwater_vm    6 total_vm      7 locked_vm
//   8 data_vm        9 exec_vm      10 stack_vm     11 pgtables_bytes
//  12 min_flt       13 maj_flt      14 map_count    15 start_code
//  16 end_code      17 start_data   18 end_data     19 start_brk
//  20 brk           21 start_stack  22 arg_start    23 arg_end
//  24 env_start     25 env_end      26 mmap_base    27 rlim_stack
//  28 vm_committed_as (pages, all mms: Committed_AS)
//  ╘═══════════════════════════════════════════════════════════════╛
//  ╒═══ smaps record (proc_smaps_range; f64 words, bytes) ══════════╕
//   0 Rss   1 Pss   2 Pss_Anon   3 Pss_File  (Pss*: bytes << PSS_SHIFT)
//   4 Shared_Clean  5 Shared_Dirty  6 Private_Clean  7 Private_Dirty
//   8 Referenced    9 Anonymous    10 AnonHugePages
//  11 Pss_Dirty    12 Pss_Shmem    13 Swap  14 SwapPss  15 Pss_Locked
//  16 LazyFree
//  ╘═══════════════════════════════════════════════════════════════╛
//  ╒═══ numa_maps record (proc_numa_maps; u32 words) ═══════════════╕
//   0 policy mode (MPOL_DEFAULT when the VMA has none)  1 mode flags
//   2 policy nodes 0..31  3 nodes 32..63  4 home_node (-1)
//   5 pages  6 anon  7 dirty  8 swapcache  9 active  10 writeback
//  11 mapcount_max  12 + nid: pages on node nid (MAX_NUMNODES words)
//  ╘═══════════════════════════════════════════════════════════════╛
// Page counts are in pages, as Linux keeps them; hiwater_rss is updated
// lazily (VmHWM = max(hiwater_rss, RSS), as task_mem computes it).

import { mm_struct, vm_area_struct, page, PAGE_SHIFT, PAGE_SIZE, MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES,
  get_mm_counter } from "../../mm/mm_types";
import { mm_from_handle, arg64 } from "../../mm/mmap";
import { address_space, file, file_mapping, shmem_mapping, xa_for_each } from "../../mm/filemap";
import { xa_is_value } from "../../mm/workingset";
import { is_swap_pte, pte_to_swp_entry } from "../../mm/swapops";
import { __swap_count } from "../../mm/swapfile";
import { find_vma, vma_next } from "../../mm/vma";
import { vm_committed_pages } from "../../mm/util";
import { PageAnon, vm_normal_page, walk_pmd_range } from "../../mm/memory";
import { pfn_to_page, page_to_nid, MAX_NUMNODES } from "../../mm/mmzone";
import { vma_policy, MPOL_DEFAULT, MPOL_MODE_FLAGS } from "../../mm/mempolicy";
import { PG_reserved, PG_dirty, PG_swapcache, PG_active, PG_swapbacked, PG_referenced, VM_LOCKED } from "../../mm/mm_types";
import { HPAGE_PMD_NR, thp_vma_allowable_orders } from "../../mm/huge_memory";
import { pte_offset, pmd_trans_huge, pmd_pfn, pte_present, _PAGE_ACCESSED, _PAGE_DIRTY } from "../../mm/pgtable";

@inline const NR_MM_VIEW: u32 = 29;
const vma_record: usize = memory.data(9 * 8, 8);
const mm_view: usize = memory.data(NR_MM_VIEW * 8, 8);

@inline function put(base: usize, i: u32, v: f64): void { store<f64>(base + (<usize>i << 3), v); }

/** The inode number of the file a VMA maps (0: none), as show_map_vma prints it. */
function i_ino(vma: vm_area_struct): u32 {
  return vma.vm_file ? file_mapping(changetype<file>(<usize>vma.vm_file)).host : 0;
}

/**
 * The first VMA of mm `handle` ending above `addr` (m_start/m_next walk
 * with find_vma): the host starts at 0 and continues from each vm_end.
 * @return the record's address, or 0 at the end (or for a bad handle).
 */
export function proc_vma_next(handle: u32, addr: f64): usize {
  const mm = mm_from_handle(handle);
  if (mm === null) return 0;
  const vma = find_vma(mm, arg64(addr));
  if (vma === null) return 0;
  put(vma_record, 0, <f64>vma.vm_start);
  put(vma_record, 1, <f64>vma.vm_end);
  put(vma_record, 2, <f64>vma.vm_pgoff);
  put(vma_record, 3, <f64>vma.vm_flags);
  put(vma_record, 4, <f64>vma.vm_file);
  put(vma_record, 5, <f64>vma.anon_vma);
  put(vma_record, 6, <f64>i_ino(vma));
  put(vma_record, 7, <f64>thp_vma_allowable_orders(vma));
  put(vma_record, 8, <f64>vma.vm_private_data);
  return vma_record;
}

/** Fills the counters view for mm `handle`. @return its address, or 0 for a bad handle. */
export function proc_mm_counters(handle: u32): usize {
  const mm = mm_from_handle(handle);
  if (mm === null) return 0;
  put(mm_view, 0, <f64>get_mm_counter(mm, MM_FILEPAGES));
  put(mm_view, 1, <f64>get_mm_counter(mm, MM_ANONPAGES));
  put(mm_view, 2, <f64>get_mm_counter(mm, MM_SWAPENTS));
  put(mm_view, 3, <f64>get_mm_counter(mm, MM_SHMEMPAGES));
  put(mm_view, 4, <f64>mm.hiwater_rss);
  put(mm_view, 5, <f64>mm.hiwater_vm);
  put(mm_view, 6, <f64>mm.total_vm);
  put(mm_view, 7, <f64>mm.locked_vm);
  put(mm_view, 8, <f64>mm.data_vm);
  put(mm_view, 9, <f64>mm.exec_vm);
  put(mm_view, 10, <f64>mm.stack_vm);
  put(mm_view, 11, <f64>mm.pgtables_bytes);
  put(mm_view, 12, <f64>mm.min_flt);
  put(mm_view, 13, <f64>mm.maj_flt);
  put(mm_view, 14, <f64>mm.map_count);
  put(mm_view, 15, <f64>mm.start_code);
  put(mm_view, 16, <f64>mm.end_code);
  put(mm_view, 17, <f64>mm.start_data);
  put(mm_view, 18, <f64>mm.end_data);
  put(mm_view, 19, <f64>mm.start_brk);
  put(mm_view, 20, <f64>mm.brk);
  put(mm_view, 21, <f64>mm.start_stack);
  put(mm_view, 22, <f64>mm.arg_start);
  put(mm_view, 23, <f64>mm.arg_end);
  put(mm_view, 24, <f64>mm.env_start);
  put(mm_view, 25, <f64>mm.env_end);
  put(mm_view, 26, <f64>mm.mmap_base);
  put(mm_view, 27, <f64>mm.rlim_stack);
  put(mm_view, 28, <f64>vm_committed_pages());
  return mm_view;
}

// ─── /proc/<pid>/smaps and smaps_rollup (smaps_account) ────────────────────

// The record's f64 words (src/abi.ts's SMAPS): bytes; the Pss ones are bytes << PSS_SHIFT.
@inline const SMAPS_Rss: u32 = 0;
@inline const SMAPS_Pss: u32 = 1;
@inline const SMAPS_Pss_Anon: u32 = 2;
@inline const SMAPS_Pss_File: u32 = 3;
@inline const SMAPS_Shared_Clean: u32 = 4;
@inline const SMAPS_Shared_Dirty: u32 = 5;
@inline const SMAPS_Private_Clean: u32 = 6;
@inline const SMAPS_Private_Dirty: u32 = 7;
@inline const SMAPS_Referenced: u32 = 8;
@inline const SMAPS_Anonymous: u32 = 9;
@inline const SMAPS_AnonHugePages: u32 = 10;
@inline const SMAPS_Pss_Dirty: u32 = 11;
@inline const SMAPS_Pss_Shmem: u32 = 12;
@inline const SMAPS_Swap: u32 = 13;
@inline const SMAPS_SwapPss: u32 = 14;
@inline const SMAPS_Pss_Locked: u32 = 15;
@inline const SMAPS_LazyFree: u32 = 16;
@inline const NR_SMAPS: u32 = 17;
@inline const PSS_SHIFT: u32 = 12;
const smaps_record: usize = memory.data(NR_SMAPS * 8, 8);
/** The walked VMA is VM_LOCKED (no closures here). */
let smaps_locked = false;

@inline function acc(i: u32, v: u64): void {
  const p = smaps_record + (<usize>i << 3);
  store<f64>(p, load<f64>(p) + <f64>v);
}

/** The Pss and clean/dirty split of `size` bytes of pg (smaps_page_accumulate). */
function smaps_page_accumulate(pg: page, size: u64, pss: u64, dirty: bool, priv: bool): void {
  acc(SMAPS_Pss, pss);
  if (PageAnon(pg)) acc(SMAPS_Pss_Anon, pss);
  else if (pg.flags & PG_swapbacked) acc(SMAPS_Pss_Shmem, pss);
  else acc(SMAPS_Pss_File, pss);
  if (smaps_locked) acc(SMAPS_Pss_Locked, pss);
  if (dirty || (pg.flags & PG_dirty)) {
    acc(SMAPS_Pss_Dirty, pss);
    acc(priv ? SMAPS_Private_Dirty : SMAPS_Shared_Dirty, size);
  } else {
    acc(priv ? SMAPS_Private_Clean : SMAPS_Shared_Clean, size);
  }
}

/**
 * One mapping of `pg` (nr pages: a huge pmd maps 512) into the record
 * (smaps_account). A page held once is mapped once: private, all its
 * size in Pss; else each 4 KiB counts PAGE_SIZE / mapcount in Pss, and
 * is shared when mapped more than once.
 */
function smaps_account(pg: page, nr: u32, young: bool, dirty: bool): void {
  const size = <u64>nr << PAGE_SHIFT;
  if (PageAnon(pg)) {
    acc(SMAPS_Anonymous, size);
    if (!(pg.flags & PG_swapbacked) && !dirty && !(pg.flags & PG_dirty)) acc(SMAPS_LazyFree, size);
  }
  acc(SMAPS_Rss, size);
  if (young || (pg.flags & PG_referenced)) acc(SMAPS_Referenced, size);
  if (pg._refcount == 1) {
    smaps_page_accumulate(pg, size, size << PSS_SHIFT, dirty, true);
    return;
  }
  const mapcount = <i32>pg._mapcount + 1;
  let pss = <u64>PAGE_SIZE << PSS_SHIFT;
  if (mapcount >= 2) pss /= <u64>mapcount;
  smaps_page_accumulate(pg, size, pss * nr, dirty, mapcount < 2);
}

function smaps_pte_range(pmd: usize, addr: u64, end: u64): void {
  let pte = pte_offset(pmd, addr);
  for (; addr != end; addr += PAGE_SIZE, pte += 8) {
    const v = load<u64>(pte);
    if (!pte_present(v)) {
      // A swapped-out page: Swap, and SwapPss shared among the PTEs holding its slot.
      if (is_swap_pte(v)) {
        const count = __swap_count(pte_to_swp_entry(v));
        acc(SMAPS_Swap, PAGE_SIZE);
        acc(SMAPS_SwapPss, count >= 2 ? (<u64>PAGE_SIZE << PSS_SHIFT) / <u64>count : <u64>PAGE_SIZE << PSS_SHIFT);
      }
      continue;
    }
    const pg = vm_normal_page(v);
    if (pg !== null) smaps_account(pg, 1, (v & _PAGE_ACCESSED) != 0, (v & _PAGE_DIRTY) != 0);
  }
}

/** One pmd entry of the walk: a huge page whole, or its page table's ptes. */
function smaps_pmd_range(pmd: usize, addr: u64, next: u64): void {
  const v = load<u64>(pmd);
  if (pmd_trans_huge(v)) {
    const head = pfn_to_page(pmd_pfn(v));
    acc(SMAPS_AnonHugePages, <u64>HPAGE_PMD_NR << PAGE_SHIFT);
    smaps_account(head, HPAGE_PMD_NR, (v & _PAGE_ACCESSED) != 0, (v & _PAGE_DIRTY) != 0);
  } else {
    smaps_pte_range(pmd, addr, next);
  }
}

/** Adds the pages mapped in [addr, end) of mm (inside one VMA) to the record. */
function smaps_walk(mm: mm_struct, addr: u64, end: u64): void {
  walk_pmd_range(mm, addr, end, smaps_pmd_range);
}

/**
 * The smaps counts of every page mm `handle` maps in [start, end): one
 * VMA's range for /proc/<pid>/smaps, or 0..TASK_SIZE for smaps_rollup.
 * @return the record's address (above), or 0 for a bad handle.
 */
export function proc_smaps_range(handle: u32, start: f64, end: f64): usize {
  const mm = mm_from_handle(handle);
  if (mm === null) return 0;
  memory.fill(smaps_record, 0, NR_SMAPS * 8);
  const s = arg64(start) & ~(<u64>PAGE_SIZE - 1), e = arg64(end);
  for (let vma = find_vma(mm, s); vma !== null && vma.vm_start < e; vma = vma_next(changetype<vm_area_struct>(vma))) {
    const from = vma.vm_start > s ? vma.vm_start : s;
    const to = vma.vm_end < e ? vma.vm_end : e & ~(<u64>PAGE_SIZE - 1);
    smaps_locked = (vma.vm_flags & VM_LOCKED) != 0;
    if (from < to) {
      smaps_walk(mm, from, to);
      if (vma.vm_file) shmem_swap_usage(vma, from, to);
    }
  }
  return smaps_record;
}

/** The first and last page index shmem_swap_usage counts (no closures here). */
let swap_first: u64 = 0;
let swap_end: u64 = 0;
function count_swap_entry(m: address_space, v: u32, index: u64): void {
  if (xa_is_value(v) && index >= swap_first && index < swap_end) acc(SMAPS_Swap, PAGE_SIZE);
}

/**
 * A tmpfs mapping's pages swapped out from its cache (shmem_swap_usage):
 * their PTEs went, only the file's slots hold their swap entries. Linux
 * counts them so for a shared or read-only mapping; a private writable one
 * it looks up hole by hole, which this counts alike.
 */
function shmem_swap_usage(vma: vm_area_struct, from: u64, to: u64): void {
  const m = file_mapping(changetype<file>(<usize>vma.vm_file));
  if (!shmem_mapping(m)) return;
  swap_first = vma.vm_pgoff + ((from - vma.vm_start) >> PAGE_SHIFT);
  swap_end = swap_first + ((to - from) >> PAGE_SHIFT);
  xa_for_each(m, count_swap_entry);
}

// ─── /proc/<pid>/numa_maps (show_numa_map, gather_stats) ───────────────────

@inline const NUMA_MAPS_NODE: u32 = 12;
const numa_maps_record: usize = memory.data(<i32>(NUMA_MAPS_NODE + MAX_NUMNODES) * 4, 4);

@inline function nm_add(i: u32, v: u32): void {
  const p = numa_maps_record + (<usize>i << 2);
  store<u32>(p, load<u32>(p) + v);
}
@inline function nm_put(i: u32, v: u32): void { store<u32>(numa_maps_record + (<usize>i << 2), v); }

/** One mapping of pg (nr pages) into the numa_maps counts (gather_stats). */
function gather_stats(pg: page, dirty: bool, nr: u32): void {
  if (pg.flags & PG_reserved) return;   // can_gather_numa_stats
  const count = <i32>pg._mapcount + 1;
  nm_add(5, nr);
  if (dirty || (pg.flags & PG_dirty)) nm_add(7, nr);
  if (pg.flags & PG_swapcache) nm_add(8, nr);
  if (pg.flags & PG_active) nm_add(9, nr);
  if (PageAnon(pg)) nm_add(6, nr);
  if (count > load<i32>(numa_maps_record + 11 * 4)) nm_put(11, <u32>count);
  nm_add(NUMA_MAPS_NODE + page_to_nid(pg), nr);
}

function numa_maps_pmd_range(pmd: usize, addr: u64, next: u64): void {
  const v = load<u64>(pmd);
  if (pmd_trans_huge(v)) {
    gather_stats(pfn_to_page(pmd_pfn(v)), (v & _PAGE_DIRTY) != 0, HPAGE_PMD_NR);
    return;
  }
  let pte = pte_offset(pmd, addr);
  for (; addr != next; addr += PAGE_SIZE, pte += 8) {
    const e = load<u64>(pte);
    if (!pte_present(e)) continue;
    const pg = vm_normal_page(e);
    if (pg !== null) gather_stats(pg, (e & _PAGE_DIRTY) != 0, 1);
  }
}

/**
 * What /proc/<pid>/numa_maps prints for the VMA of mm `handle` containing
 * addr: its own policy (numa_maps shows "default" without one, not the
 * task's) and where its pages are. @return the record, or 0 (no such VMA, bad handle)
 */
export function proc_numa_maps(handle: u32, addr: f64): usize {
  const mm = mm_from_handle(handle);
  if (mm === null) return 0;
  const a = arg64(addr);
  const vma = find_vma(mm, a);
  if (vma === null || vma.vm_start > a) return 0;
  memory.fill(numa_maps_record, 0, (NUMA_MAPS_NODE + MAX_NUMNODES) * 4);
  const pol = vma_policy(vma);
  nm_put(0, pol !== null ? <u32>pol.mode : MPOL_DEFAULT);
  nm_put(1, pol !== null ? <u32>pol.flags & MPOL_MODE_FLAGS : 0);
  nm_put(2, pol !== null ? <u32>pol.nodes : 0);
  nm_put(3, pol !== null ? <u32>(pol.nodes >> 32) : 0);
  nm_put(4, pol !== null ? <u32>pol.home_node : -1);
  walk_pmd_range(mm, vma.vm_start, vma.vm_end, numa_maps_pmd_range);
  return numa_maps_record;
}
