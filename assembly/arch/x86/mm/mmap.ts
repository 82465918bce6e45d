// arch/x86/mm/mmap.c and arch/x86/kernel/sys_x86_64.c: where x86-64 puts
// user mappings: the top of user space, mmap_base below the stack, and the
// top-down search that get_unmapped_area starts with.

import { mm_struct, PAGE_SIZE } from "../../../mm/mm_types";
import { MAP_FIXED, MAP_32BIT, MAP_ABOVE4G } from "../../../include/uapi/mman";
import { PAGE_ALIGN } from "../../../include/mm";
import { err, IS_ERR_VALUE } from "../../../include/err";
import { find_vma } from "../../../mm/vma";
import { STACK_GUARD_GAP, vm_start_gap, unmapped_area, unmapped_area_topdown } from "../../../mm/mmap";
import { ENOMEM } from "../../../include/errno";

/** The top of user space under 4-level paging (TASK_SIZE_MAX), also STACK_TOP. */
@inline export const TASK_SIZE: u64 = 0x7ffffffff000;

/**
 * mmap_base as arch_pick_mmap_layout computes it without randomization:
 * below the stack's rlimit plus the guard gap, clamped to [128 MiB, 5/6 of
 * the address space].
 */
export function mmap_base(task_size: u64, rlim_stack: u64): u64 {
  let gap = rlim_stack;
  const pad = STACK_GUARD_GAP;  // + stack_maxrandom_size(), 0 without randomization
  if (gap + pad > gap) gap += pad;
  const gap_min: u64 = 128 << 20;
  const gap_max: u64 = (task_size / 6) * 5;
  if (gap < gap_min) gap = gap_min;
  else if (gap > gap_max) gap = gap_max;
  return PAGE_ALIGN(task_size - gap);
}

/**
 * x86's arch_get_unmapped_area (bottom-up) for MAP_32BIT: the lowest free
 * range in [1 GiB, 2 GiB), where x86-64 puts 32-bit-addressable mappings.
 */
function arch_get_unmapped_area_32bit(mm: mm_struct, len: u64): i64 {
  return unmapped_area(mm, len, 0x40000000, 0x80000000);
}

/**
 * x86's arch_get_unmapped_area_topdown: MAP_FIXED as given; a hint when
 * the range there is free; else the highest gap below mmap_base.
 */
export function arch_get_unmapped_area_topdown(mm: mm_struct, addr: u64, len: u64, flags: u32): i64 {
  if (len > TASK_SIZE) return err(ENOMEM);
  if (flags & MAP_FIXED) return <i64>addr;
  if (flags & MAP_32BIT) return arch_get_unmapped_area_32bit(mm, len);  // hints aside
  if (addr) {
    addr &= ~(<u64>PAGE_SIZE - 1);
    if (TASK_SIZE - len >= addr) {
      const vma = find_vma(mm, addr);
      if (vma === null || addr + len <= vm_start_gap(vma)) return <i64>addr;
    }
  }
  const low_limit: u64 = flags & MAP_ABOVE4G ? <u64>1 << 32 : PAGE_SIZE;
  const addr_td = unmapped_area_topdown(mm, len, low_limit, mm.mmap_base);
  if (!IS_ERR_VALUE(addr_td)) return addr_td;
  // The top-down area is full: bottom-up from TASK_UNMAPPED_BASE (a third of the space).
  return unmapped_area(mm, len, PAGE_ALIGN(TASK_SIZE / 3), TASK_SIZE);
}

/** The layout exec picks for a stack rlimit (arch_pick_mmap_layout, top-down). */
export function arch_pick_mmap_layout(mm: mm_struct, rlim_stack: u64): void {
  mm.rlim_stack = rlim_stack;
  mm.task_size = TASK_SIZE;
  mm.mmap_base = mmap_base(TASK_SIZE, rlim_stack);
}
