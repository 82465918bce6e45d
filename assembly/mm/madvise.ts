// mm/madvise.c: madvise(2). MADV_DONTNEED (and DONTNEED_LOCKED, FREE) zap
// the range's pages; the advice that only sets VMA flags splits and merges
// VMAs as mprotect does; WILLNEED is accepted and does nothing (no swap,
// no readahead here). Linux 6.x's checks and errno values. Linux also
// accepts REMOVE, (UN)MERGEABLE, COLD, PAGEOUT, POPULATE_*, COLLAPSE and
// the GUARD_* advice; those are not implemented and give EINVAL.

import { mm_struct, vm_area_struct, PAGE_SIZE, VM_SHARED, VM_LOCKED, VM_PFNMAP, VM_SEQ_READ, VM_RAND_READ,
  VM_DONTCOPY, VM_WIPEONFORK, VM_DONTDUMP, VM_HUGEPAGE, VM_NOHUGEPAGE } from "./mm_types";
import { current_mm, arg64 } from "./mmap";
import { find_vma, vma_modify_flags, vma_modify_errno } from "./vma";
import { unmap_page_range } from "./memory";
import { ENOMEM, EINVAL } from "../include/errno";

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
@inline export const MADV_DONTNEED_LOCKED: i32 = 24;

function madvise_behavior_valid(behavior: i32): bool {
  switch (behavior) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL: case MADV_WILLNEED:
    case MADV_DONTNEED: case MADV_DONTNEED_LOCKED: case MADV_FREE:
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
  }
  const newflags = madvise_new_flags(vma, behavior);
  if (newflags < 0) return -EINVAL;
  if (<u32>newflags == vma.vm_flags) return 0;  // madvise_update_vma
  return vma_modify_flags(mm, vma, start, end, <u32>newflags) !== null ? 0 : vma_modify_errno();
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
