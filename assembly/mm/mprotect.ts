// mm/mprotect.c: mprotect(2). The VMAs of the range get the new protection
// (split out or merged as their flags now say), then their PTEs follow
// (change_protection). Linux 6.x's checks and errno values.

import { mm_struct, vm_area_struct, PAGE_SHIFT, PAGE_SIZE,
  VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_GROWSDOWN, VM_ACCOUNT, VM_NORESERVE } from "./mm_types";
import { current_mm, arg64, vm_stat_account } from "./mmap";
import { find_vma, vma_next, vma_modify_flags, vma_modify_errno } from "./vma";
import { vm_unacct_memory, __vm_enough_memory } from "./util";
import { PROT_READ, PROT_WRITE, PROT_EXEC, PROT_SEM, PROT_GROWSDOWN, PROT_GROWSUP } from "../include/uapi/mman";
import { change_protection } from "./memory";
import { ENOMEM, EACCES, EINVAL } from "../include/errno";

/**
 * Gives [start, end) of `vma` the flags `newflags` (mprotect_fixup):
 * charging a private mapping that becomes writable, uncharging an
 * anonymous one without pages that stops being writable.
 * @return the VMA now covering [start, end), or null with the errno in fixup_errno.
 */
let fixup_errno: i32 = 0;
function mprotect_fixup(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64, newflags: u32): vm_area_struct | null {
  const oldflags = vma.vm_flags;
  if (newflags == oldflags) return vma;
  const nrpages = (end - start) >> PAGE_SHIFT;
  let charged: u64 = 0;
  if (newflags & VM_WRITE) {
    if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_SHARED | VM_NORESERVE))) {
      if (__vm_enough_memory(nrpages)) {
        fixup_errno = -ENOMEM;
        return null;
      }
      charged = nrpages;
      newflags |= VM_ACCOUNT;
    }
  } else if ((oldflags & VM_ACCOUNT) && !vma.vm_file && !vma.anon_vma) {
    newflags &= ~VM_ACCOUNT;
  }
  const mm_vma = vma_modify_flags(mm, vma, start, end, newflags);
  if (mm_vma === null) {
    if (charged) vm_unacct_memory(<i64>charged);
    fixup_errno = vma_modify_errno();
    return null;
  }
  change_protection(mm_vma, start, end, mm_vma.vm_page_prot);
  if ((oldflags & VM_ACCOUNT) && !(newflags & VM_ACCOUNT)) vm_unacct_memory(<i64>nrpages);
  vm_stat_account(mm, oldflags, -(<i64>nrpages));
  vm_stat_account(mm, newflags, <i64>nrpages);
  return mm_vma;
}

/** mprotect(2) (do_mprotect_pkey). @return 0 or -errno. */
export function do_mprotect(mm: mm_struct, start: u64, len: u64, prot: u32): i32 {
  const grows = prot & (PROT_GROWSDOWN | PROT_GROWSUP);
  prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
  if (grows == (PROT_GROWSDOWN | PROT_GROWSUP)) return -EINVAL;
  if (start & (PAGE_SIZE - 1)) return -EINVAL;
  if (!len) return 0;
  len = (len + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1);
  let end = start + len;
  if (end <= start) return -ENOMEM;
  if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM)) return -EINVAL;  // arch_validate_prot

  let vma = find_vma(mm, start);
  if (vma === null) return -ENOMEM;
  if (grows & PROT_GROWSDOWN) {
    if (vma.vm_start >= end) return -ENOMEM;
    start = vma.vm_start;
    if (!(vma.vm_flags & VM_GROWSDOWN)) return -EINVAL;
  } else if (vma.vm_start > start) {
    return -ENOMEM;
  }
  if (grows & PROT_GROWSUP) return -EINVAL;  // no VM_GROWSUP VMA on x86

  let nstart = start;
  let tmp = vma.vm_start;
  let v: vm_area_struct | null = vma;
  while (v !== null && v.vm_start < end) {
    if (v.vm_start != tmp) return -ENOMEM;  // a hole
    const newflags = (prot & (VM_READ | VM_WRITE | VM_EXEC)) | (v.vm_flags & ~(VM_READ | VM_WRITE | VM_EXEC));
    // newflags >> 4 puts VM_MAY* where VM_* are
    if ((newflags & ~(newflags >> 4)) & (VM_READ | VM_WRITE | VM_EXEC)) return -EACCES;
    tmp = v.vm_end < end ? v.vm_end : end;
    const fixed = mprotect_fixup(mm, v, nstart, tmp, newflags);
    if (fixed === null) return fixup_errno;
    tmp = fixed.vm_end < end ? fixed.vm_end : end;
    nstart = tmp;
    v = vma_next(fixed);
    // A merge may reach past the range; the next VMA to treat starts at tmp.
    if (fixed.vm_end > tmp) break;
  }
  if (tmp < end) return -ENOMEM;
  return 0;
}

/** mprotect(2) on the current mm (docs/abi.md). @return 0 or -errno. */
export function sys_mprotect(addr: f64, len: f64, prot: u32): f64 {
  const mm = current_mm();
  if (mm === null) return <f64>-EINVAL;
  return <f64>do_mprotect(mm, arg64(addr), arg64(len), prot);
}
