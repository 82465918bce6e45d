// mm/mlock.c: mlock, mlock2, munlock, mlockall, munlockall. The VMAs of the
// range get VM_LOCKED (and VM_LOCKONFAULT) or lose them, split out or merged
// as mprotect's are, locked_vm counts them against RLIMIT_MEMLOCK, and a
// newly locked range is faulted in. The pages are not moved to an
// unevictable LRU (mlock_vma_pages_range): reclaim already passes over a
// VM_LOCKED VMA's pages (rmap.ts), as MAP_LOCKED's.

import { mm_struct, vm_area_struct, PAGE_SHIFT, PAGE_SIZE, VM_LOCKED, VM_LOCKONFAULT, VM_LOCKED_MASK, VM_SPECIAL } from "./mm_types";
import { current_mm, arg64, mm_populate, RLIM_MEMLOCK } from "./mmap";
import { find_vma, vma_next, vma_modify_flags } from "./vma";
import { TASK_SIZE } from "../arch/x86/mm/mmap";
import { ENOMEM, EINVAL } from "../include/errno";

@inline const MLOCK_ONFAULT: u32 = 0x01;
@inline const MCL_CURRENT: u32 = 1;
@inline const MCL_FUTURE: u32 = 2;
@inline const MCL_ONFAULT: u32 = 4;

/** Gives [start, end) of `vma` the lock flags `newflags` and counts locked_vm (mlock_fixup). @return the VMA covering it now, or null on ENOMEM. */
function mlock_fixup(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64, newflags: u32): vm_area_struct | null {
  const oldflags = vma.vm_flags;
  // a special mapping (the vDSO's) is passed over: never locked, never counted
  if (newflags == oldflags || (oldflags & VM_SPECIAL)) return vma;
  const result = vma_modify_flags(mm, vma, start, end, newflags);
  if (result === null) return null;
  const nr_pages = (end - start) >> PAGE_SHIFT;
  if (!(newflags & VM_LOCKED)) mm.locked_vm -= nr_pages;
  else if (!(oldflags & VM_LOCKED)) mm.locked_vm += nr_pages;
  return result;
}

/** Sets the lock flags `flags` on every VMA of [start, start + len), which must have no hole (apply_vma_lock_flags). @return 0 or -errno. */
function apply_vma_lock_flags(mm: mm_struct, start: u64, len: u64, flags: u32): i32 {
  const end = start + len;
  if (end < start) return -EINVAL;
  if (end == start) return 0;
  let vma = find_vma(mm, start);
  if (vma === null || vma.vm_start > start) return -ENOMEM;
  let nstart = start;
  let tmp = vma.vm_start;
  while (vma !== null && vma.vm_start < end) {
    if (vma.vm_start != tmp) return -ENOMEM;  // a hole
    const newflags = (vma.vm_flags & ~VM_LOCKED_MASK) | flags;
    tmp = vma.vm_end < end ? vma.vm_end : end;
    const fixed = mlock_fixup(mm, vma, nstart, tmp, newflags);
    if (fixed === null) return -ENOMEM;
    // a merge may reach past the range
    tmp = fixed.vm_end < end ? fixed.vm_end : end;
    nstart = tmp;
    vma = vma_next(fixed);
  }
  return tmp < end ? -ENOMEM : 0;
}

/** Pages of [start, start + len) already locked, which a new mlock does not count twice (count_mm_mlocked_page_nr). */
function count_mm_mlocked_page_nr(mm: mm_struct, start: u64, len: u64): u64 {
  const end = start + len;
  let count: u64 = 0;
  for (let vma = find_vma(mm, start); vma !== null && vma.vm_start < end; vma = vma_next(changetype<vm_area_struct>(vma))) {
    if (!(vma.vm_flags & VM_LOCKED)) continue;
    const from = vma.vm_start > start ? vma.vm_start : start;
    const to = vma.vm_end < end ? vma.vm_end : end;
    count += (to - from) >> PAGE_SHIFT;
  }
  return count;
}

/** do_mlock: lock the range within RLIMIT_MEMLOCK, then fault it in (__mm_populate). @return 0 or -errno. */
function do_mlock(mm: mm_struct, start: u64, len: u64, flags: u32): i32 {
  len = (len + (start & (PAGE_SIZE - 1)) + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1);
  start &= ~(<u64>PAGE_SIZE - 1);
  const lock_limit = RLIM_MEMLOCK >> PAGE_SHIFT;
  let locked = (len >> PAGE_SHIFT) + mm.locked_vm;
  if (locked > lock_limit) locked -= count_mm_mlocked_page_nr(mm, start, len);
  if (locked > lock_limit) return -ENOMEM;
  const error = apply_vma_lock_flags(mm, start, len, flags);
  if (error) return error;
  mm_populate(mm, start, len);
  return 0;
}

/** mlock2(2) (mlock(2) is flags 0). @return 0 or -errno. */
export function sys_mlock2(start: f64, len: f64, flags: u32): i32 {
  const mm = current_mm();
  if (mm === null) return -EINVAL;
  if (flags & ~MLOCK_ONFAULT) return -EINVAL;
  return do_mlock(mm, arg64(start), arg64(len), flags & MLOCK_ONFAULT ? VM_LOCKED | VM_LOCKONFAULT : VM_LOCKED);
}

/** munlock(2). @return 0 or -errno. */
export function sys_munlock(start_in: f64, len_in: f64): i32 {
  const mm = current_mm();
  if (mm === null) return -EINVAL;
  const start = arg64(start_in);
  const len = (arg64(len_in) + (start & (PAGE_SIZE - 1)) + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1);
  return apply_vma_lock_flags(mm, start & ~(<u64>PAGE_SIZE - 1), len, 0);
}

/** mlockall's and munlockall's work (apply_mlockall_flags): mm.def_flags for MCL_FUTURE, every VMA for MCL_CURRENT; a VMA that fails is passed over. */
function apply_mlockall_flags(mm: mm_struct, flags: u32): void {
  mm.def_flags &= ~VM_LOCKED_MASK;
  let to_add: u32 = 0;
  if (flags & MCL_FUTURE) {
    mm.def_flags |= VM_LOCKED;
    if (flags & MCL_ONFAULT) mm.def_flags |= VM_LOCKONFAULT;
    if (!(flags & MCL_CURRENT)) return;
  }
  if (flags & MCL_CURRENT) {
    to_add |= VM_LOCKED;
    if (flags & MCL_ONFAULT) to_add |= VM_LOCKONFAULT;
  }
  let vma = find_vma(mm, 0);
  while (vma !== null) {
    const fixed = mlock_fixup(mm, vma, vma.vm_start, vma.vm_end, (vma.vm_flags & ~VM_LOCKED_MASK) | to_add);
    vma = vma_next(fixed !== null ? fixed : vma);
  }
}

/** mlockall(2). @return 0 or -errno. */
export function sys_mlockall(flags: u32): i32 {
  const mm = current_mm();
  if (mm === null) return -EINVAL;
  if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || flags == MCL_ONFAULT) return -EINVAL;
  if ((flags & MCL_CURRENT) && mm.total_vm > (RLIM_MEMLOCK >> PAGE_SHIFT)) return -ENOMEM;
  apply_mlockall_flags(mm, flags);
  if (flags & MCL_CURRENT) mm_populate(mm, 0, TASK_SIZE);
  return 0;
}

/** munlockall(2). @return 0. */
export function sys_munlockall(): i32 {
  const mm = current_mm();
  if (mm === null) return -EINVAL;
  apply_mlockall_flags(mm, 0);
  return 0;
}
