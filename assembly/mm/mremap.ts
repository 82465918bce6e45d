// mm/mremap.c: mremap(2). A mapping shrinks by unmapping its tail, grows
// in place when the range after it is free (vma_expandable), else moves
// with MREMAP_MAYMOVE: a new VMA, and the page tables' entries moved to it
// (move_page_tables), not copied, so every page keeps its mapcount, its
// anon_vma and its index. Linux 6.x's checks and errno values.
// MREMAP_DONTUNMAP is refused with EINVAL (not implemented).

import { mm_struct, vm_area_struct, PAGE_SHIFT, PAGE_SIZE, VM_ACCOUNT, VM_LOCKED, VM_MAYSHARE, VM_DONTEXPAND, VM_PFNMAP } from "./mm_types";
import { current_mm, arg64, get_unmapped_area, do_munmap, mm_populate, mlock_future_ok, may_expand_vm, vm_stat_account,
  sysctl_max_map_count } from "./mmap";
import { find_vma, find_vma_before, vma_next, vma_merge, vm_area_dup, vma_link, remove_vma } from "./vma";
import { __vm_enough_memory, vm_unacct_memory } from "./util";
import { PAGE_ALIGN } from "../include/mm";
import { err, IS_ERR_VALUE } from "../include/err";
import { TASK_SIZE } from "../arch/x86/mm/mmap";
import { MAP_FIXED, MAP_SHARED } from "../include/uapi/mman";
import { vma_is_anonymous } from "./memory";
import { anon_vma_clone, dup_anon_vma } from "./rmap";
import { mm_find_pmd, pgd_offset, pte_offset, pud_alloc, pmd_alloc, pte_alloc, pmd_none,
  pmd_trans_huge, pte_none, pgtable_trans_huge_withdraw, pgtable_trans_huge_deposit, PMD_SIZE, PMD_MASK } from "./pgtable";
import { split_huge_pmd } from "./huge_memory";
import { flush_tlb_range } from "../arch/x86/mm/tlb";
import { ENOMEM, EFAULT, EINVAL, EAGAIN } from "../include/errno";

@inline const MREMAP_MAYMOVE: u32 = 1;
@inline const MREMAP_FIXED: u32 = 2;
@inline const MREMAP_DONTUNMAP: u32 = 4;

// ─── moving page tables ────────────────────────────────────────────────────

/** The pmd entry of addr in mm, or 0 when no pmd table covers it (get_old_pmd). */
function get_old_pmd(mm: mm_struct, addr: u64): usize {
  return mm_find_pmd(mm, addr);
}

/** The pmd entry of addr in mm, allocating the tables above it (alloc_new_pmd). 0 on ENOMEM. */
function alloc_new_pmd(mm: mm_struct, addr: u64): usize {
  const pud = pud_alloc(mm, pgd_offset(mm, addr), addr);
  return pud ? pmd_alloc(mm, pud, addr) : 0;
}

/** Moves the ptes of [old_addr, old_end) to new_addr's table (move_ptes): the same entries, cleared at the old place. */
function move_ptes(old_pmd: usize, old_addr: u64, old_end: u64, new_pmd: usize, new_addr: u64): void {
  let old_pte = pte_offset(old_pmd, old_addr);
  let new_pte = pte_offset(new_pmd, new_addr);
  const start = old_addr;
  let moved = false;
  for (; old_addr < old_end; old_addr += PAGE_SIZE, new_addr += PAGE_SIZE, old_pte += 8, new_pte += 8) {
    const pte = load<u64>(old_pte);
    if (pte_none(pte)) continue;
    store<u64>(old_pte, 0);
    store<u64>(new_pte, pte);
    moved = true;
  }
  if (moved) flush_tlb_range(start, old_end);
}

/** Moves a whole huge pmd with its deposited table (move_huge_pmd). */
function move_huge_pmd(old_pmd: usize, old_addr: u64, new_pmd: usize): void {
  const pmd = load<u64>(old_pmd);
  store<u64>(old_pmd, 0);
  pgtable_trans_huge_deposit(new_pmd, pgtable_trans_huge_withdraw(old_pmd));
  store<u64>(new_pmd, pmd);
  flush_tlb_range(old_addr, old_addr + PMD_SIZE);
}

/**
 * Moves the page-table entries of [old_addr, old_addr + len) of vma to
 * new_addr in new_vma (move_page_tables), pmd by pmd.
 * @return the bytes moved: less than len when a table could not be allocated.
 */
function move_page_tables(vma: vm_area_struct, old_addr: u64, new_vma: vm_area_struct, new_addr: u64, len: u64): u64 {
  const mm = changetype<mm_struct>(vma.vm_mm);
  const old_end = old_addr + len;
  const start = old_addr;
  for (; old_addr < old_end; ) {
    // get_extent: up to the next pmd boundary of either address
    let extent = ((old_addr + PMD_SIZE) & PMD_MASK) - old_addr;
    if (extent > old_end - old_addr) extent = old_end - old_addr;
    const new_extent = ((new_addr + PMD_SIZE) & PMD_MASK) - new_addr;
    if (extent > new_extent) extent = new_extent;
    const old_pmd = get_old_pmd(mm, old_addr);
    if (old_pmd && !pmd_none(load<u64>(old_pmd))) {
      const new_pmd = alloc_new_pmd(mm, new_addr);
      if (!new_pmd) break;
      if (pmd_trans_huge(load<u64>(old_pmd))) {
        if (extent == PMD_SIZE && pmd_none(load<u64>(new_pmd))) {
          move_huge_pmd(old_pmd, old_addr, new_pmd);
          old_addr += extent;
          new_addr += extent;
          continue;
        }
        split_huge_pmd(mm, old_pmd, old_addr & PMD_MASK);
      }
      if (pte_alloc(mm, new_pmd)) break;
      move_ptes(old_pmd, old_addr, old_addr + extent, new_pmd, new_addr);
    }
    old_addr += extent;
    new_addr += extent;
  }
  return old_addr - start;
}

// ─── the new VMA ───────────────────────────────────────────────────────────

/**
 * A VMA for [addr, addr + len) with vma's flags and file at page offset
 * pgoff, merged into a neighbour when one is compatible (copy_vma). It is
 * linked to every anon_vma of vma, so rmap finds the moved ptes.
 * @return it, or null on ENOMEM.
 */
function copy_vma(vma: vm_area_struct, addr: u64, len: u64, pgoff: u64): vm_area_struct | null {
  const mm = changetype<mm_struct>(vma.vm_mm);
  // An anonymous VMA without pages yet may move to the offset of its new place.
  if (vma_is_anonymous(vma) && !vma.anon_vma) pgoff = addr >> PAGE_SHIFT;
  const prev = find_vma_before(mm, addr);
  const merged = vma_merge(mm, prev, addr, addr + len, vma.vm_flags, vma.vm_file, pgoff, vma.vm_policy);
  if (merged !== null) return dup_anon_vma(merged, vma) ? null : merged;
  const n = vm_area_dup(vma);
  if (n === null) return null;
  n.vm_start = addr;
  n.vm_end = addr + len;
  n.vm_pgoff = pgoff;
  if (anon_vma_clone(n, vma)) {
    remove_vma(n);
    return null;
  }
  n.anon_vma = vma.anon_vma;
  vma_link(mm, n, prev);
  return n;
}


/** Set when the new range is VM_LOCKED and must be populated (do_mremap's `locked`). */
let locked = false;

/**
 * Moves [old_addr, old_addr + old_len) of vma to new_addr, new_len long
 * (move_vma): the charge and VM_LOCKED follow the pages; what stays of
 * vma around the old range keeps its VM_ACCOUNT. @return new_addr or -errno.
 */
function move_vma(vma: vm_area_struct, old_addr: u64, old_len: u64, new_len: u64, new_addr: u64): i64 {
  const mm = changetype<mm_struct>(vma.vm_mm);
  const vm_flags = vma.vm_flags;
  if (mm.map_count >= sysctl_max_map_count - 3) return err(ENOMEM);
  // A special mapping moves whole or not at all (vm_ops->may_split).
  if (vma.vm_private_data && (vma.vm_start != old_addr || vma.vm_end != old_addr + old_len)) return err(EINVAL);
  const to_account = new_len > old_len ? (new_len - old_len) >> PAGE_SHIFT : 0;
  if (!may_expand_vm(mm, vm_flags, new_len >> PAGE_SHIFT)) return err(ENOMEM);
  if ((vm_flags & VM_ACCOUNT) && to_account && __vm_enough_memory(to_account)) return err(ENOMEM);

  const new_pgoff = vma.vm_pgoff + ((old_addr - vma.vm_start) >> PAGE_SHIFT);
  const new_vma = copy_vma(vma, new_addr, new_len, new_pgoff);
  if (new_vma === null) {
    if (vm_flags & VM_ACCOUNT) vm_unacct_memory(<i64>to_account);
    return err(ENOMEM);
  }
  const moved = move_page_tables(vma, old_addr, new_vma, new_addr, old_len);
  if (moved < old_len) {
    // Out of page tables: put back what moved, and drop the new range.
    move_page_tables(new_vma, new_addr, vma, old_addr, moved);
    if (vm_flags & VM_ACCOUNT) vm_unacct_memory(<i64>to_account);
    do_munmap(mm, new_addr, new_len);
    return err(ENOMEM);
  }
  // Conceal VM_ACCOUNT so that unmapping the old range keeps the charge, now the new range's.
  let account_start: u64 = 0;
  let account_end: u64 = 0;
  if (vm_flags & VM_ACCOUNT) {
    vma.vm_flags &= ~VM_ACCOUNT;
    if (vma.vm_start < old_addr) account_start = vma.vm_start;
    if (vma.vm_end > old_addr + old_len) account_end = vma.vm_end;
  }
  // The move is no growth of the address space: hiwater_vm stays.
  const hiwater_vm = mm.hiwater_vm;
  vm_stat_account(mm, vma.vm_flags, <i64>(new_len >> PAGE_SHIFT));
  if (do_munmap(mm, old_addr, old_len) < 0) vm_unacct_memory(<i64>(old_len >> PAGE_SHIFT));
  mm.hiwater_vm = hiwater_vm;
  // What is left of vma below and above the old range is charged again.
  if (account_start) changetype<vm_area_struct>(find_vma(mm, account_start)).vm_flags |= VM_ACCOUNT;
  if (account_end) changetype<vm_area_struct>(find_vma(mm, old_addr + old_len)).vm_flags |= VM_ACCOUNT;
  if (vm_flags & VM_LOCKED) {
    mm.locked_vm += new_len >> PAGE_SHIFT;
    locked = true;
  }
  return <i64>new_addr;
}

/**
 * The VMA holding [addr, addr + old_len), if it may grow to new_len
 * (vma_to_resize). @return it, or null with the errno in resize_errno.
 */
let resize_errno: i32 = 0;
function vma_to_resize(mm: mm_struct, addr: u64, old_len: u64, new_len: u64): vm_area_struct | null {
  const vma = vma_lookup(mm, addr);
  if (vma === null) { resize_errno = EFAULT; return null; }
  // We can't remap across VMA boundaries.
  if (old_len > vma.vm_end - addr) { resize_errno = EFAULT; return null; }
  // old_len 0 duplicates a shared mapping in Linux; we have none to duplicate.
  if (!old_len) { resize_errno = EINVAL; return null; }
  if (new_len == old_len) return vma;
  if (vma.vm_flags & (VM_DONTEXPAND | VM_PFNMAP)) { resize_errno = EFAULT; return null; }
  const pgoff = vma.vm_pgoff + ((addr - vma.vm_start) >> PAGE_SHIFT);
  if (pgoff + (new_len >> PAGE_SHIFT) < pgoff) { resize_errno = EINVAL; return null; }
  if (!mlock_future_ok(mm, vma.vm_flags, new_len - old_len)) { resize_errno = EAGAIN; return null; }
  if (!may_expand_vm(mm, vma.vm_flags, (new_len - old_len) >> PAGE_SHIFT)) { resize_errno = ENOMEM; return null; }
  return vma;
}

/** The VMA containing addr, or null (vma_lookup). */
function vma_lookup(mm: mm_struct, addr: u64): vm_area_struct | null {
  const vma = find_vma(mm, addr);
  return vma !== null && vma.vm_start <= addr ? vma : null;
}

/** mremap with MREMAP_FIXED: to new_addr, whatever is there unmapped first (mremap_to). */
function mremap_to(mm: mm_struct, addr: u64, old_len: u64, new_addr: u64, new_len: u64): i64 {
  if (new_addr & (PAGE_SIZE - 1)) return err(EINVAL);
  if (new_len > TASK_SIZE || new_addr > TASK_SIZE - new_len) return err(EINVAL);
  // The old and new ranges may not overlap.
  if (addr + old_len > new_addr && new_addr + new_len > addr) return err(EINVAL);
  if (mm.map_count + 2 >= sysctl_max_map_count - 3) return err(ENOMEM);
  let ret: i64 = do_munmap(mm, new_addr, new_len);
  if (ret) return ret;
  if (old_len > new_len) {
    ret = do_munmap(mm, addr + new_len, old_len - new_len);
    if (ret) return ret;
    old_len = new_len;
  }
  const vma = vma_to_resize(mm, addr, old_len, new_len);
  if (vma === null) return err(resize_errno);
  const map_flags = MAP_FIXED | (vma.vm_flags & VM_MAYSHARE ? MAP_SHARED : 0);
  ret = get_unmapped_area(mm, vma.vm_file, new_addr, new_len, map_flags);
  if (IS_ERR_VALUE(ret)) return ret;
  return move_vma(vma, addr, old_len, new_len, new_addr);
}

/** Whether vma can grow by delta bytes where it is (vma_expandable). */
function vma_expandable(mm: mm_struct, vma: vm_area_struct, delta: u64): bool {
  const end = vma.vm_end + delta;
  if (end < vma.vm_end) return false;
  const next = vma_next(vma);
  if (next !== null && next.vm_start < end) return false;
  return !IS_ERR_VALUE(get_unmapped_area(mm, 0, vma.vm_start, end - vma.vm_start, MAP_FIXED));
}

/** mremap(2) (do_mremap). @return the mapping's address, or -errno. */
export function do_mremap(mm: mm_struct, addr: u64, old_len: u64, new_len: u64, flags: u32, new_addr: u64): i64 {
  if (flags & ~(MREMAP_FIXED | MREMAP_MAYMOVE | MREMAP_DONTUNMAP)) return err(EINVAL);
  if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)) return err(EINVAL);
  if (addr & (PAGE_SIZE - 1)) return err(EINVAL);
  old_len = PAGE_ALIGN(old_len);
  new_len = PAGE_ALIGN(new_len);
  if (!new_len) return err(EINVAL);
  if (flags & MREMAP_DONTUNMAP) return err(EINVAL);  // not implemented
  let vma = vma_lookup(mm, addr);
  if (vma === null) return err(EFAULT);
  locked = false;
  let ret: i64;
  if (flags & MREMAP_FIXED) {
    ret = mremap_to(mm, addr, old_len, new_addr, new_len);
    new_addr = <u64>ret;
  } else if (old_len >= new_len) {
    // Always allow a shrinking remap.
    ret = old_len == new_len ? 0 : do_munmap(mm, addr + new_len, old_len - new_len);
    if (!ret) ret = <i64>addr;
  } else {
    vma = vma_to_resize(mm, addr, old_len, new_len);
    if (vma === null) return err(resize_errno);
    ret = err(ENOMEM);
    const pages = (new_len - old_len) >> PAGE_SHIFT;
    if (old_len == vma.vm_end - addr && vma_expandable(mm, vma, new_len - old_len)) {
      if ((vma.vm_flags & VM_ACCOUNT) && __vm_enough_memory(pages)) return err(ENOMEM);
      // vma_merge: it may meet the next VMA as well; a shared anonymous VMA never merges.
      const pgoff = vma.vm_pgoff + ((vma.vm_end - vma.vm_start) >> PAGE_SHIFT);
      const merged = vma_merge(mm, vma, vma.vm_end, addr + new_len, vma.vm_flags, vma.vm_file, pgoff, vma.vm_policy);
      if (merged === null) vma.vm_end = addr + new_len;
      else vma = merged;
      vm_stat_account(mm, vma.vm_flags, <i64>pages);
      if (vma.vm_flags & VM_LOCKED) {
        mm.locked_vm += pages;
        locked = true;
        new_addr = addr;
      }
      ret = <i64>addr;
    } else if (flags & MREMAP_MAYMOVE) {
      const map_flags = vma.vm_flags & VM_MAYSHARE ? MAP_SHARED : 0;
      new_addr = <u64>get_unmapped_area(mm, vma.vm_file, 0, new_len, map_flags);
      ret = IS_ERR_VALUE(<i64>new_addr) ? <i64>new_addr : move_vma(vma, addr, old_len, new_len, new_addr);
    }
  }
  if (!IS_ERR_VALUE(ret) && locked && new_len > old_len) mm_populate(mm, new_addr + old_len, new_len - old_len);
  return ret;
}

/** mremap(2) on the current mm (docs/abi.md). @return the address, or -errno. */
export function sys_mremap(addr: f64, old_len: f64, new_len: f64, flags: u32, new_addr: f64): f64 {
  const mm = current_mm();
  if (mm === null) return <f64>-EINVAL;
  return <f64>do_mremap(mm, arg64(addr), arg64(old_len), arg64(new_len), flags, arg64(new_addr));
}
