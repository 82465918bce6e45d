// fs/proc/task_mmu.c's data: what /proc/<pid>/maps and /proc/<pid>/status
// print, handed to the host as numbers (it formats the text, DESIGN rule 5).
//
//  ╒═══ VMA record (proc_vma_next; f64 words) ═════════════════════╕
//   0 vm_start  1 vm_end  2 vm_pgoff  3 vm_flags  4 file handle (0: anon)
//   5 anon_vma (non-zero once an anonymous page was faulted in)
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
// Page counts are in pages, as Linux keeps them; hiwater_rss is updated
// lazily (VmHWM = max(hiwater_rss, RSS), as task_mem computes it).

import { mm_struct, MM_FILEPAGES, MM_ANONPAGES, MM_SWAPENTS, MM_SHMEMPAGES, get_mm_counter } from "../../mm/mm_types";
import { mm_from_handle, find_vma, vm_committed_pages, arg64 } from "../../mm/mmap";

// @ts-ignore: decorator
@inline const NR_MM_VIEW: u32 = 29;
const vma_record: usize = memory.data(6 * 8, 8);
const mm_view: usize = memory.data(NR_MM_VIEW * 8, 8);

// @ts-ignore: decorator
@inline function put(base: usize, i: u32, v: f64): void { store<f64>(base + (<usize>i << 3), v); }

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
