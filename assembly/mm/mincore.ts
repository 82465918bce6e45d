// mm/mincore.c: which pages of a range are resident. The host's sys_mincore
// checks the range, takes a page for the vector (__get_free_page) and copies
// each chunk out to the user (src/syscalls/mlock.ts); do_mincore fills one
// chunk, one VMA's worth.

import { mm_struct, vm_area_struct, PAGE_SHIFT, PAGE_SIZE, PG_uptodate } from "./mm_types";
import { current_mm, arg64 } from "./mmap";
import { find_vma } from "./vma";
import { address_space, file, file_mapping, shmem_mapping, xa_load_entry } from "./filemap";
import { SHADOW_VALUE, xa_is_value } from "./workingset";
import { pfn_to_page } from "./mmzone";
import { lookup_swap_cache_raw } from "./swap_state";
import { is_swap_pte, pte_to_swp_entry, swp_offset } from "./swapops";
import { walk_pmd_range } from "./memory";
import { pte_offset, pte_present, pmd_trans_huge } from "./pgtable";
import { ENOMEM } from "../include/errno";

/** Where the walk writes next, the chunk's start and the VMA it walks (no closures here). */
let vec_pos: usize = 0;
let vec_base: usize = 0;
let walk_vma: vm_area_struct | null = null;

/** Whether the cache holds `index` up to date; a tmpfs page swapped out counts while in the swap cache (mincore_page). */
function mincore_page(m: address_space, index: u64): u8 {
  const v = xa_load_entry(m, index);
  if (!v) return 0;
  if (xa_is_value(v)) {
    if (!shmem_mapping(m)) return 0;  // a shadow: evicted
    const pg = lookup_swap_cache_raw(v & ~SHADOW_VALUE)  // shmem's swp_to_radix_entry;
    return pg !== null && (pg.flags & PG_uptodate) ? 1 : 0;
  }
  return shmem_mapping(m) || (pfn_to_page(v).flags & PG_uptodate) ? 1 : 0;
}

/** Pages with no PTE: a file mapping's are resident if its cache has them, an anonymous one's are not (__mincore_unmapped_range). */
function mincore_unmapped_range(addr: u64, end: u64): void {
  const vma = changetype<vm_area_struct>(walk_vma);
  for (; addr < end; addr += PAGE_SIZE) {
    let present: u8 = 0;
    if (vma.vm_file) present = mincore_page(file_mapping(changetype<file>(<usize>vma.vm_file)), ((addr - vma.vm_start) >> PAGE_SHIFT) + vma.vm_pgoff);
    store<u8>(vec_pos++, present);
  }
}

/** One pmd's worth (mincore_pte_range): a huge page is resident whole; a swapped-out page while its swap cache page lives. */
function mincore_pte_range(pmd: usize, addr: u64, end: u64): void {
  // the walk skips empty pmds; fill the hole before this one
  const from = walk_start(addr);
  if (from < addr) mincore_unmapped_range(from, addr);
  if (pmd_trans_huge(load<u64>(pmd))) {
    memory.fill(vec_pos, 1, <usize>((end - addr) >> PAGE_SHIFT));
    vec_pos += <usize>((end - addr) >> PAGE_SHIFT);
    return;
  }
  let pte = pte_offset(pmd, addr);
  for (; addr != end; addr += PAGE_SIZE, pte += 8) {
    const v = load<u64>(pte);
    if (v == 0) mincore_unmapped_range(addr, addr + PAGE_SIZE);
    else if (pte_present(v)) store<u8>(vec_pos++, 1);
    else if (is_swap_pte(v)) {
      const pg = lookup_swap_cache_raw(swp_offset(pte_to_swp_entry(v)));
      store<u8>(vec_pos++, pg !== null && (pg.flags & PG_uptodate) ? 1 : 0);
    } else store<u8>(vec_pos++, 0);
  }
}

/** The address the next vector byte stands for. */
let vec_start: u64 = 0;
@inline function walk_start(addr: u64): u64 { return vec_start + (<u64>(vec_pos - vec_base) << PAGE_SHIFT); }

/**
 * do_mincore: the residency of up to `pages` pages from `addr` (page
 * aligned), as far as the VMA holding `addr` goes, a byte each into page
 * `pfn`. @return the pages done, or -ENOMEM when no VMA holds addr.
 */
export function do_mincore(addr_in: f64, pages: u32, pfn: u32): i32 {
  const mm = current_mm();
  const addr = arg64(addr_in);
  const vma = mm !== null ? find_vma(mm, addr) : null;
  if (vma === null || vma.vm_start > addr) return -ENOMEM;  // vma_lookup
  if (pages > <u32>PAGE_SIZE) pages = <u32>PAGE_SIZE;
  let end = addr + (<u64>pages << PAGE_SHIFT);
  if (end > vma.vm_end) end = vma.vm_end;
  // can_do_mincore: the guest is root, so file mappings are walked too
  vec_base = vec_pos = <usize>pfn << PAGE_SHIFT;
  vec_start = addr;
  walk_vma = vma;
  walk_pmd_range(changetype<mm_struct>(mm), addr, end, mincore_pte_range);
  const last = walk_start(end);
  if (last < end) mincore_unmapped_range(last, end);
  walk_vma = null;
  return <i32>((end - addr) >> PAGE_SHIFT);
}
