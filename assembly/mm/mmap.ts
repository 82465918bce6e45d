// mm/mmap.c: address spaces and their mappings: mm_alloc/exit_mmap,
// get_unmapped_area, do_mmap, do_munmap, brk and expand_stack, with Linux
// 6.x's checks and errno values, and the host's calls that act on them.
// The VMA set and its merging and splitting are in mm/vma.ts.
//
// Addresses and lengths are u64 here; results that may be an error are i64
// (an address, or -errno), as Linux's IS_ERR_VALUE longs.

import { mpol_put } from "./mempolicy";
import { mm_struct, vm_area_struct, PAGE_SHIFT, PAGE_SIZE,
  VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_MAYSHARE,
  VM_GROWSDOWN, VM_LOCKED, VM_LOCKONFAULT, VM_ACCOUNT, VM_NORESERVE, VM_NOHUGEPAGE, VM_STACK, VM_DONTEXPAND, VM_LOCKED_MASK, VM_IO, VM_PFNMAP,
  MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES, get_mm_counter } from "./mm_types";
import { PROT_EXEC, PROT_WRITE, MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE, MAP_TYPE, MAP_FIXED, MAP_ANONYMOUS,
  MAP_32BIT, MAP_ABOVE4G, MAP_GROWSDOWN, MAP_DENYWRITE, MAP_EXECUTABLE, MAP_LOCKED, MAP_NORESERVE, MAP_POPULATE,
  MAP_NONBLOCK, MAP_STACK, MAP_HUGETLB, MAP_FIXED_NOREPLACE, MAP_UNINITIALIZED, MAP_HUGE_2MB, MAP_HUGE_1GB } from "../include/uapi/mman";
import { PAGE_ALIGN, offset_in_page, vma_pages } from "../include/mm";
import { err, IS_ERR_VALUE } from "../include/err";
import { kmem_cache_create, kmem_cache_zalloc, kmem_cache_free } from "./slab";
import { file, get_file, file_from_handle, file_writable } from "./filemap";
import { pgd_alloc, pgd_free, free_pgtables, vm_get_page_prot, PMD_SIZE } from "./pgtable";
import { load_cr3 } from "../arch/x86/mmu";
import { unmap_page_range, faultin_page, VM_FAULT_ERROR } from "./memory";
import { vm_area_alloc, remove_vma, find_vma, find_vma_before, find_vma_intersection, first_vma, vma_next, vma_prev,
  vma_link, vma_unlink, vma_merge, can_vma_merge_after, __split_vma } from "./vma";
import { __vm_enough_memory, vm_unacct_memory, vm_mmap_pgoff } from "./util";
import { TASK_SIZE, arch_get_unmapped_area_topdown, arch_pick_mmap_layout } from "../arch/x86/mm/mmap";
import { flush_tlb_all } from "../arch/x86/mm/tlb";
import { can_do_mlock, capable_ipc_lock } from "./mlock";
import { EPERM, EBADF, EAGAIN, ENOMEM, EACCES, EFAULT, EEXIST, EINVAL, EOVERFLOW, EOPNOTSUPP } from "../include/errno";

// ─── the layout (mm/mmap.c; TASK_SIZE is arch/x86/mm/mmap.ts's) ──────────

/** Pages kept free below a VM_GROWSDOWN VMA (stack_guard_gap, 256 pages). */
@inline export const STACK_GUARD_GAP: u64 = <u64>256 << PAGE_SHIFT;
/** vm.mmap_min_addr: no user mapping below it (cap_mmap_addr; we run unprivileged). */
@inline export const DAC_MMAP_MIN_ADDR: u64 = 4096;
/** max(dac_mmap_min_addr, CONFIG_LSM_MMAP_MIN_ADDR): where hints and stacks stop. */
@inline export const MMAP_MIN_ADDR: u64 = 65536;
/** RLIMIT_STACK's default (8 MiB, `ulimit -s` 8192). */
@inline export const DEFAULT_RLIM_STACK: u64 = 8 << 20;
@inline export const RLIM_INFINITY: u64 = 0xffffffffffffffff;
/** RLIMIT_MEMLOCK's default (8 MiB). */
@inline export const RLIM_MEMLOCK: u64 = 8 << 20;
/** vm.max_map_count. */
@inline export const sysctl_max_map_count: u32 = 65530;

// The flags MAP_SHARED_VALIDATE knows (our files have no MAP_SYNC).
@inline const LEGACY_MAP_MASK: u32 = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS
  | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED
  | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB
  | MAP_32BIT | MAP_ABOVE4G | MAP_HUGE_2MB | MAP_HUGE_1GB;

// ─── objects ───────────────────────────────────────────────────────────────

const mm_cachep = kmem_cache_create("mm_struct", offsetof<mm_struct>());

/** Every live mm, through mm.mmlist (Linux: the task list), for the checker. */
let mmlist: u32 = 0;
/** The mm of the running task (current->mm), or null. */
let current: mm_struct | null = null;
/** The mm of the task faults are charged to (current's min_flt): current, but while the host reaches another mm for it (access_remote_vm). */
let charged: mm_struct | null = null;

export function current_mm(): mm_struct | null { return current; }
export function charged_mm(): mm_struct | null { return charged; }
export function mmlist_first(): mm_struct | null { return mmlist ? changetype<mm_struct>(mmlist) : null; }

// ─── accounting ────────────────────────────────────────────────────────────

@inline export function is_exec_mapping(flags: u32): bool { return (flags & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC; }
@inline export function is_stack_mapping(flags: u32): bool { return (flags & VM_STACK) == VM_STACK; }
@inline export function is_data_mapping(flags: u32): bool { return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE; }

/** total_vm and its exec/stack/data parts (vm_stat_account). */
export function vm_stat_account(mm: mm_struct, flags: u32, npages: i64): void {
  mm.total_vm += npages;
  if (is_exec_mapping(flags)) mm.exec_vm += npages;
  else if (is_stack_mapping(flags)) mm.stack_vm += npages;
  else if (is_data_mapping(flags)) mm.data_vm += npages;
  if (mm.total_vm > mm.hiwater_vm) mm.hiwater_vm = mm.total_vm;
}

/** A private writable mapping that may need swap space (accountable_mapping). */
@inline function accountable_mapping(vm_flags: u32): bool {
  return (vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE;
}

/**
 * Whether the mm may grow by npages of this kind (may_expand_vm): within
 * RLIMIT_AS, and a data mapping within RLIMIT_DATA (ignore_rlimit_data off;
 * Valgrind's exception for a zero RLIMIT_DATA is not kept here).
 */
export function may_expand_vm(mm: mm_struct, flags: u32, npages: u64): bool {
  if (mm.total_vm + npages > mm.rlim_as >> PAGE_SHIFT) return false;
  if (is_data_mapping(flags) && mm.data_vm + npages > mm.rlim_data >> PAGE_SHIFT) return false;
  return true;
}

/** Pages of [addr, end) some VMA maps now (count_vma_pages_range): what a MAP_FIXED mapping replaces. */
function count_vma_pages_range(mm: mm_struct, addr: u64, end: u64): u64 {
  let n: u64 = 0;
  for (let vma = find_vma(mm, addr); vma !== null && vma.vm_start < end; vma = vma_next(changetype<vm_area_struct>(vma))) {
    const from = vma.vm_start > addr ? vma.vm_start : addr;
    const to = vma.vm_end < end ? vma.vm_end : end;
    n += (to - from) >> PAGE_SHIFT;
  }
  return n;
}

/** Whether locking `bytes` more stays within RLIMIT_MEMLOCK, which root (CAP_IPC_LOCK) ignores (mlock_future_ok). */
export function mlock_future_ok(mm: mm_struct, flags: u32, bytes: u64): bool {
  if (!(flags & VM_LOCKED) || capable_ipc_lock(mm)) return true;
  return (mm.locked_vm << PAGE_SHIFT) + bytes <= mm.rlim_memlock;
}

/** Removes a detached VMA's share of the counters and frees it. */
function account_and_remove_vma(mm: mm_struct, vma: vm_area_struct): void {
  const pages = vma_pages(vma);
  if (vma.vm_flags & VM_ACCOUNT) vm_unacct_memory(<i64>pages);
  if (vma.vm_flags & VM_LOCKED) mm.locked_vm -= pages;
  vm_stat_account(mm, vma.vm_flags, -(<i64>pages));
  remove_vma(vma);
}

// ─── get_unmapped_area (arch/x86/mm/mmap.ts has x86's part) ───────────────

/** Where a VMA's guard area begins: a stack keeps STACK_GUARD_GAP free below it. */
@inline export function vm_start_gap(vma: vm_area_struct): u64 {
  if (!(vma.vm_flags & VM_GROWSDOWN)) return vma.vm_start;
  return vma.vm_start > STACK_GUARD_GAP ? vma.vm_start - STACK_GUARD_GAP : 0;
}

/**
 * The highest free range of `length` bytes inside [low_limit, high_limit)
 * (vm_unmapped_area, top-down), walking the gaps between VMAs from the
 * top. @return its start, or -ENOMEM.
 */
export function unmapped_area_topdown(mm: mm_struct, length: u64, low_limit: u64, high_limit: u64): i64 {
  if (high_limit < length || high_limit - length < low_limit) return err(ENOMEM);
  let next: vm_area_struct | null = find_vma(mm, high_limit);
  let prev: vm_area_struct | null = next !== null ? vma_prev(next) : find_vma_before(mm, TASK_SIZE + 1);
  while (true) {
    let gap_end = next !== null ? vm_start_gap(next) : TASK_SIZE;
    if (gap_end > high_limit) gap_end = high_limit;
    let gap_start = prev !== null ? prev.vm_end : 0;
    if (gap_start < low_limit) gap_start = low_limit;
    if (gap_end > gap_start && gap_end - gap_start >= length) return <i64>(gap_end - length);
    if (prev === null || prev.vm_end <= low_limit) return err(ENOMEM);
    next = prev;
    prev = vma_prev(prev);
  }
}

/**
 * The lowest free range of `length` bytes inside [low_limit, high_limit)
 * (vm_unmapped_area, bottom-up). @return its start, or -ENOMEM.
 */
export function unmapped_area(mm: mm_struct, length: u64, low_limit: u64, high_limit: u64): i64 {
  if (high_limit < length || high_limit - length < low_limit) return err(ENOMEM);
  let next = find_vma(mm, low_limit);
  let gap_start = low_limit;
  if (next !== null && next.vm_prev) {
    const prev = changetype<vm_area_struct>(next.vm_prev);
    if (prev.vm_end > gap_start) gap_start = prev.vm_end;
  }
  while (true) {
    let gap_end = next !== null ? vm_start_gap(next) : TASK_SIZE;
    if (gap_end > high_limit) gap_end = high_limit;
    if (gap_end > gap_start && gap_end - gap_start >= length) return <i64>gap_start;
    if (next === null || next.vm_end >= high_limit) return err(ENOMEM);
    if (next.vm_end > gap_start) gap_start = next.vm_end;
    next = vma_next(next);
  }
}

/**
 * A place for a new mapping (__get_unmapped_area). A private anonymous
 * mapping with no hint whose length is a multiple of 2 MiB is placed
 * 2 MiB-aligned so THP can back it (thp_get_unmapped_area, Linux 6.7+).
 * @return the address, or -errno.
 */
export function get_unmapped_area(mm: mm_struct, f: u32, addr: u64, len: u64, flags: u32): i64 {
  if (len > TASK_SIZE) return err(ENOMEM);
  let ret: i64;
  if (!f && !(flags & (MAP_SHARED | MAP_FIXED)) && !addr && (len & (PMD_SIZE - 1)) == 0) {
    ret = thp_get_unmapped_area(mm, len, flags);
  } else {
    ret = arch_get_unmapped_area_topdown(mm, addr, len, flags);
  }
  if (IS_ERR_VALUE(ret)) return ret;
  if (<u64>ret > TASK_SIZE - len) return err(ENOMEM);
  if (offset_in_page(<u64>ret)) return err(EINVAL);
  if (<u64>ret < DAC_MMAP_MIN_ADDR) return err(EPERM);  // security_mmap_addr
  return ret;
}

/** __thp_get_unmapped_area for anonymous memory: pad by 2 MiB, then align. */
function thp_get_unmapped_area(mm: mm_struct, len: u64, flags: u32): i64 {
  const len_pad = len + PMD_SIZE;
  if (len_pad < len) return arch_get_unmapped_area_topdown(mm, 0, len, flags);
  const ret = arch_get_unmapped_area_topdown(mm, 0, len_pad, flags);
  if (IS_ERR_VALUE(ret)) return arch_get_unmapped_area_topdown(mm, 0, len, flags);
  const off_sub = (0 - <u64>ret) & (PMD_SIZE - 1);
  if (!off_sub) return ret + <i64>PMD_SIZE;  // top-down: keep the upper end
  return ret + <i64>off_sub;
}

// ─── mmap ──────────────────────────────────────────────────────────────────

/** PROT_* to VM_* (calc_vm_prot_bits). */
@inline function calc_vm_prot_bits(prot: u32): u32 { return prot & (VM_READ | VM_WRITE | VM_EXEC); }

/** MAP_* to VM_* (calc_vm_flag_bits); MAP_STACK implies no THP since 6.7. */
function calc_vm_flag_bits(flags: u32): u32 {
  let vm: u32 = 0;
  if (flags & MAP_GROWSDOWN) vm |= VM_GROWSDOWN;
  if (flags & MAP_LOCKED) vm |= VM_LOCKED;
  if (flags & MAP_STACK) vm |= VM_NOHUGEPAGE;
  return vm;
}

/**
 * Maps [addr, addr + len) with vm_flags, replacing whatever was there
 * (mmap_region): unmap, charge, merge with a neighbour or link a new VMA.
 * @return addr, or -errno.
 */
export function mmap_region(mm: mm_struct, f: u32, addr: u64, len: u64, vm_flags: u32, pgoff: u64): i64 {
  const pages = len >> PAGE_SHIFT;
  // Against the address space limit, less what MAP_FIXED unmaps.
  if (!may_expand_vm(mm, vm_flags, pages) && !may_expand_vm(mm, vm_flags, pages - count_vma_pages_range(mm, addr, addr + len)))
    return err(ENOMEM);
  const e = do_munmap(mm, addr, len);
  if (e) return err(ENOMEM);
  if (accountable_mapping(vm_flags)) {
    if (__vm_enough_memory(pages)) return err(ENOMEM);
    vm_flags |= VM_ACCOUNT;
  }
  const prev = find_vma_before(mm, addr);
  let vma = vma_merge(mm, prev, addr, addr + len, vm_flags, f, pgoff);
  if (vma === null) {
    vma = vm_area_alloc(mm);
    if (vma === null) {
      if (vm_flags & VM_ACCOUNT) vm_unacct_memory(<i64>pages);
      return err(ENOMEM);
    }
    vma.vm_start = addr;
    vma.vm_end = addr + len;
    vma.vm_flags = vm_flags;
    vma.vm_page_prot = vm_get_page_prot(vm_flags);
    vma.vm_pgoff = pgoff;
    if (f) {
      vma.vm_file = f;
      get_file(changetype<file>(f));
    }
    vma_link(mm, vma, prev);
  }
  vm_stat_account(mm, vm_flags, <i64>pages);
  if (vm_flags & VM_LOCKED) mm.locked_vm += pages;
  return <i64>addr;
}

/**
 * Maps [addr, addr + len) as the special mapping `id` (_install_special_mapping):
 * its faults ask special_mapping_fault, never a file or the anonymous path;
 * it neither merges, splits nor grows (VM_DONTEXPAND). @return 0 or -ENOMEM.
 */
export function _install_special_mapping(mm: mm_struct, addr: u64, len: u64, vm_flags: u32, id: u32): i32 {
  const vma = vm_area_alloc(mm);
  if (vma === null) return -ENOMEM;
  vma.vm_start = addr;
  vma.vm_end = addr + len;
  vma.vm_flags = (vm_flags | mm.def_flags | VM_DONTEXPAND) & ~VM_LOCKED_MASK;
  vma.vm_page_prot = vm_get_page_prot(vma.vm_flags);
  vma.vm_private_data = id;
  vma_link(mm, vma, find_vma_before(mm, addr));
  vm_stat_account(mm, vma.vm_flags, <i64>(len >> PAGE_SHIFT));
  return 0;
}

/**
 * do_mmap: the checks and flag translation of mmap(2), for a file (f != 0,
 * pgoff in pages) or anonymous memory. Sets mmap_populate to the bytes to prefault.
 * @return the address, or -errno.
 */
export function do_mmap(mm: mm_struct, f: u32, addr: u64, len: u64, prot: u32, flags: u32, pgoff: u64): i64 {
  mmap_populate = 0;
  if (!len) return err(EINVAL);
  if (flags & MAP_FIXED_NOREPLACE) flags |= MAP_FIXED;
  if (!(flags & MAP_FIXED) && addr < MMAP_MIN_ADDR && addr) addr = PAGE_ALIGN(MMAP_MIN_ADDR);  // round_hint_to_min
  len = PAGE_ALIGN(len);
  if (!len) return err(ENOMEM);
  if (pgoff + (len >> PAGE_SHIFT) < pgoff) return err(EOVERFLOW);
  if (mm.map_count > sysctl_max_map_count) return err(ENOMEM);

  const a = get_unmapped_area(mm, f, addr, len, flags);
  if (IS_ERR_VALUE(a)) return a;
  addr = <u64>a;
  if (flags & MAP_FIXED_NOREPLACE) {
    if (find_vma_intersection(mm, addr, addr + len) !== null) return err(EEXIST);
  }
  let vm_flags = calc_vm_prot_bits(prot) | calc_vm_flag_bits(flags) | mm.def_flags
    | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC;
  if ((flags & MAP_LOCKED) && !can_do_mlock(mm)) return err(EPERM);
  if (!mlock_future_ok(mm, vm_flags, len)) return err(EAGAIN);

  if (f) {
    switch (flags & MAP_TYPE) {
      case MAP_SHARED_VALIDATE:
        if (flags & ~LEGACY_MAP_MASK) return err(EOPNOTSUPP);
        // fall through
      case MAP_SHARED: {
        const writable = file_writable(changetype<file>(f));
        if ((prot & PROT_WRITE) && !writable) return err(EACCES);
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        if (!writable) vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
        break;
      }
      case MAP_PRIVATE:
        break;
      default:
        return err(EINVAL);
    }
    if (vm_flags & VM_GROWSDOWN) return err(EINVAL);
  } else {
    switch (flags & MAP_TYPE) {
      case MAP_SHARED:
        if (vm_flags & VM_GROWSDOWN) return err(EINVAL);
        pgoff = 0;
        vm_flags |= VM_SHARED | VM_MAYSHARE;
        break;
      case MAP_PRIVATE:
        pgoff = addr >> PAGE_SHIFT;
        break;
      default:
        return err(EINVAL);
    }
  }
  if (flags & MAP_NORESERVE) vm_flags |= VM_NORESERVE;

  const ret = mmap_region(mm, f, addr, len, vm_flags, pgoff);
  if (!IS_ERR_VALUE(ret) && ((vm_flags & VM_LOCKED) || (flags & (MAP_POPULATE | MAP_NONBLOCK)) == MAP_POPULATE))
    mmap_populate = len;
  return ret;
}

/** Bytes do_mmap asks its caller to prefault (its `populate` out-parameter). */
export let mmap_populate: u64 = 0;

/**
 * Faults in [start, start + len) as get_user_pages would (mm_populate: a page
 * already mapped as needed takes no fault, faultin_page):
 * writable private VMAs for write, so they get their own pages. A fault
 * that fails (no memory) ends get_user_pages for that VMA with an error,
 * which mm_populate ignores, going on at the next VMA, as Linux's does.
 */
export function mm_populate(mm: mm_struct, start: u64, len: u64): void {
  const end = start + len;
  let addr = start;
  while (addr < end) {
    const vma = find_vma(mm, addr);
    if (vma === null || vma.vm_start >= end) return;
    if (addr < vma.vm_start) addr = vma.vm_start;
    const stop = vma.vm_end < end ? vma.vm_end : end;
    const write = (vma.vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
    // populate_vma_page_range: a VM_LOCKONFAULT range is locked as it faults, not now;
    // check_vma_flags refuses VM_IO and VM_PFNMAP (the vvar pages), which __mm_populate passes over
    if ((vma.vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) && !(vma.vm_flags & (VM_LOCKONFAULT | VM_IO | VM_PFNMAP))) {
      for (; addr < stop; addr += PAGE_SIZE) {
        if (faultin_page(vma, addr, write) & VM_FAULT_ERROR) break;
      }
    }
    addr = stop;
  }
}

// ─── munmap ────────────────────────────────────────────────────────────────

/**
 * Unmaps [start, start + len) (do_munmap): splits the VMAs at the edges,
 * zaps their PTEs, frees the page tables only they used, then the VMAs.
 * @return 0 or -errno.
 */
export function do_munmap(mm: mm_struct, start: u64, len: u64): i32 {
  if (offset_in_page(start) || start > TASK_SIZE || len > TASK_SIZE - start) return -EINVAL;
  len = PAGE_ALIGN(len);
  if (!len) return -EINVAL;
  const end = start + len;
  const first = find_vma(mm, start);
  if (first === null || first.vm_start >= end) return 0;
  let prev = vma_prev(first);
  if (start > first.vm_start) {
    if (end < first.vm_end && mm.map_count >= sysctl_max_map_count) return -ENOMEM;
    const e = __split_vma(mm, first, start, false);
    if (e) return e;
    prev = first;
  }
  const last = find_vma(mm, end);
  if (last !== null && end > last.vm_start) {
    const e = __split_vma(mm, last, end, true);
    if (e) return e;
  }
  // Now the VMAs after prev up to `end` lie wholly inside the range.
  const vma = changetype<vm_area_struct>(prev !== null ? prev.vm_next : mm.mmap);
  const floor: u64 = prev !== null ? prev.vm_end : 0;
  let first_start = vma.vm_start;
  let last_end = first_start;
  let v: vm_area_struct | null = vma;
  while (v !== null && v.vm_start < end) {
    unmap_page_range(mm, v, v.vm_start, v.vm_end);
    last_end = v.vm_end;
    v = vma_next(v);
  }
  const ceiling: u64 = v !== null ? v.vm_start : 0;
  free_pgtables(mm, first_start, last_end, floor, ceiling);
  v = vma;
  while (v !== null && v.vm_start < end) {
    const next = vma_next(v);
    vma_unlink(mm, v);
    account_and_remove_vma(mm, v);
    v = next;
  }
  return 0;
}

// ─── brk ───────────────────────────────────────────────────────────────────

/**
 * Extends the heap by [addr, addr + len) (do_brk_flags): grows `vma`, the
 * brk VMA ending at addr, when it can, else links a new one.
 * @return 0 or -ENOMEM.
 */
function do_brk_flags(mm: mm_struct, vma: vm_area_struct | null, addr: u64, len: u64): i32 {
  const flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT | mm.def_flags;
  const pages = len >> PAGE_SHIFT;
  if (!may_expand_vm(mm, flags, pages)) return -ENOMEM;
  if (mm.map_count > sysctl_max_map_count) return -ENOMEM;
  if (__vm_enough_memory(pages)) return -ENOMEM;
  if (vma !== null && vma.vm_end == addr && can_vma_merge_after(vma, flags, 0, addr >> PAGE_SHIFT)) {
    vma.vm_end = addr + len;
  } else {
    const n = vm_area_alloc(mm);
    if (n === null) {
      vm_unacct_memory(<i64>pages);
      return -ENOMEM;
    }
    n.vm_start = addr;
    n.vm_end = addr + len;
    n.vm_pgoff = addr >> PAGE_SHIFT;
    n.vm_flags = flags;
    n.vm_page_prot = vm_get_page_prot(flags);
    vma_link(mm, n, find_vma_before(mm, addr));
  }
  vm_stat_account(mm, flags, <i64>pages);
  if (flags & VM_LOCKED) mm.locked_vm += pages;
  return 0;
}

/**
 * brk(2) (Linux 6.x): moves the program break. Never fails with an errno:
 * @return the new break, or the old one when the move was refused.
 */
export function do_brk(mm: mm_struct, brk: u64): u64 {
  const origbrk = mm.brk;
  if (brk < mm.start_brk || brk > TASK_SIZE) return origbrk;
  if (mm.start_brk < DAC_MMAP_MIN_ADDR) return origbrk;  // no heap set up (check_brk_limits)
  // check_data_rlimit: the heap and the data segment within RLIMIT_DATA, checked on the unaligned break
  if (mm.rlim_data != RLIM_INFINITY && (brk - mm.start_brk) + (mm.end_data - mm.start_data) > mm.rlim_data) return origbrk;
  const newbrk = PAGE_ALIGN(brk);
  const oldbrk = PAGE_ALIGN(mm.brk);
  if (oldbrk == newbrk) {
    mm.brk = brk;
    return brk;
  }
  if (brk <= mm.brk) {
    // Always allow shrinking, if a brk VMA is there to shrink.
    const brkvma = find_vma(mm, newbrk);
    if (brkvma === null || brkvma.vm_start >= oldbrk) return origbrk;
    if (do_munmap(mm, newbrk, oldbrk - newbrk)) return origbrk;
    mm.brk = brk;
    return brk;
  }
  // Check against existing mappings, keeping a stack's guard gap.
  const next = find_vma(mm, oldbrk);
  if (next !== null && newbrk + PAGE_SIZE > vm_start_gap(next)) return origbrk;
  // The brk VMA: the last one below oldbrk, if it starts at or above start_brk.
  let brkvma = next !== null ? vma_prev(next) : find_vma_before(mm, TASK_SIZE + 1);
  if (brkvma !== null && brkvma.vm_start < mm.start_brk) brkvma = null;
  if (do_brk_flags(mm, brkvma, oldbrk, newbrk - oldbrk)) return origbrk;
  mm.brk = brk;
  return brk;
}

// ─── the stack ─────────────────────────────────────────────────────────────

/**
 * Grows the VM_GROWSDOWN `vma` down to cover `address` (expand_downwards),
 * as a fault below the stack asks: within the stack rlimit, and keeping
 * STACK_GUARD_GAP from the accessible VMA below. @return 0 or -errno.
 */
export function expand_stack(vma: vm_area_struct, address: u64): i32 {
  const mm = changetype<mm_struct>(vma.vm_mm);
  if (!(vma.vm_flags & VM_GROWSDOWN)) return -EFAULT;
  address &= ~(<u64>PAGE_SIZE - 1);
  if (address < MMAP_MIN_ADDR) return -EPERM;
  const prev = vma_prev(vma);
  if (prev !== null && !(prev.vm_flags & VM_GROWSDOWN)
      && (prev.vm_flags & (VM_READ | VM_WRITE | VM_EXEC))
      && address - prev.vm_end < STACK_GUARD_GAP) return -ENOMEM;
  if (address >= vma.vm_start) return 0;
  const size = vma.vm_end - address;
  const grow = (vma.vm_start - address) >> PAGE_SHIFT;
  if (grow > vma.vm_pgoff) return -ENOMEM;
  // acct_stack_growth
  if (!may_expand_vm(mm, vma.vm_flags, grow)) return -ENOMEM;
  if (size > mm.rlim_stack) return -ENOMEM;
  if (!mlock_future_ok(mm, vma.vm_flags, grow << PAGE_SHIFT)) return -ENOMEM;
  if ((vma.vm_flags & VM_ACCOUNT) && __vm_enough_memory(grow)) return -ENOMEM;
  if (vma.vm_flags & VM_LOCKED) mm.locked_vm += grow;
  vm_stat_account(mm, vma.vm_flags, <i64>grow);
  vma.vm_start = address;
  vma.vm_pgoff -= grow;
  return 0;
}

// ─── an address space's life ───────────────────────────────────────────────
/** A new, empty address space with its own PML4 (mm_alloc + mm_init). Null on OOM. */
export function mm_alloc(): mm_struct | null {
  const obj = kmem_cache_zalloc(mm_cachep);
  if (!obj) return null;
  const mm = changetype<mm_struct>(obj);
  if (pgd_alloc(mm)) {
    kmem_cache_free(mm_cachep, obj);
    return null;
  }
  arch_pick_mmap_layout(mm, DEFAULT_RLIM_STACK);
  mm.rlim_as = mm.rlim_data = RLIM_INFINITY;
  mm.rlim_memlock = RLIM_MEMLOCK;
  mm.mm_users = 1;
  // Appended: the list runs in creation order, as the task list does.
  if (!mmlist) {
    mmlist = <u32>obj;
  } else {
    let m = changetype<mm_struct>(mmlist);
    while (m.mmlist) m = changetype<mm_struct>(m.mmlist);
    m.mmlist = <u32>obj;
  }
  return mm;
}

/** The live mm whose handle the host passed, or null (the host is not trusted). */
export function mm_from_handle(handle: u32): mm_struct | null {
  for (let m = mmlist; m; m = changetype<mm_struct>(m).mmlist) {
    if (m == handle) return changetype<mm_struct>(m);
  }
  return null;
}

/** Drops the host's translations of mm when they are cached: it runs (flush_tlb_mm). */
export function flush_tlb_mm(mm: mm_struct): void {
  if (current === mm) flush_tlb_all();
}

/** Makes `mm` the running task's (switch_mm): CR3 and a flushed TLB. */
export function switch_mm(mm: mm_struct | null): void {
  current = charged = mm;
  load_cr3(mm !== null ? <usize>mm.pgd : 0);
  flush_tlb_all();
}

/**
 * Tears down every mapping of `mm` (exit_mmap): zaps every VMA's PTEs,
 * frees every page table below the PML4, then the VMAs.
 */
export function exit_mmap(mm: mm_struct): void {
  let vma = first_vma(mm);
  if (vma === null) return;
  const start = vma.vm_start;
  let end = start;
  for (let v: vm_area_struct | null = vma; v !== null; v = vma_next(v)) {
    unmap_page_range(mm, v, v.vm_start, v.vm_end);
    end = v.vm_end;
  }
  free_pgtables(mm, start, end, 0, 0);
  while (vma !== null) {
    const next = vma_next(vma);
    vma_unlink(mm, vma);
    account_and_remove_vma(mm, vma);
    vma = next;
  }
}

/** Drops a user of mm; the last one frees it entirely (exit_mmap + mmdrop). */
export function mmput(mm: mm_struct): void {
  if (--mm.mm_users) return;
  if (current === mm) switch_mm(null);
  exit_mmap(mm);
  pgd_free(mm);
  mpol_put(<usize>mm.mempolicy);   // the task's policy goes with it (mpol_put_task_policy)
  if (mmlist == <u32>changetype<usize>(mm)) {
    mmlist = mm.mmlist;
  } else {
    let m = changetype<mm_struct>(mmlist);
    while (m.mmlist != <u32>changetype<usize>(mm)) m = changetype<mm_struct>(m.mmlist);
    m.mmlist = mm.mmlist;
  }
  kmem_cache_free(mm_cachep, changetype<usize>(mm));
}

/** Resident pages of mm (get_mm_rss). */
export function get_mm_rss(mm: mm_struct): i64 {
  return get_mm_counter(mm, MM_FILEPAGES) + get_mm_counter(mm, MM_ANONPAGES) + get_mm_counter(mm, MM_SHMEMPAGES);
}

// ─── the host's calls (docs/abi.md) ────────────────────────────────────────
// They act on the current mm. 64-bit arguments arrive as f64 holding a
// non-negative integer (hi * 2^32 + lo): exact below 2^53; a larger value
// rounds, and every check then still sees a value beyond TASK_SIZE.

@inline export function arg64(x: f64): u64 { return x >= 18446744073709551615.0 ? <u64>-1 : x > 0 ? <u64>x : 0; }

/** Maps for the host's ELF loader: like mmap(2), with a file handle and a page offset. */
export function vm_mmap(addr: f64, len: f64, prot: u32, flags: u32, file_handle: u32, pgoff: f64): f64 {
  const mm = current;
  if (mm === null) return <f64>-EINVAL;
  let f: u32 = 0;
  if (!(flags & MAP_ANONYMOUS)) {
    const fp = file_from_handle(file_handle);
    if (fp === null) return <f64>-EBADF;
    f = <u32>changetype<usize>(fp);
  }
  return <f64>vm_mmap_pgoff(mm, f, arg64(addr), arg64(len), prot, flags, arg64(pgoff));
}

/**
 * mmap(2) (ksys_mmap_pgoff). The host's syscall layer resolves the fd to
 * a file handle (0 when the fd is not open). @return the address or -errno.
 */
export function sys_mmap(addr: f64, len: f64, prot: u32, flags: u32, file_handle: u32, off: f64): f64 {
  const mm = current;
  if (mm === null) return <f64>-EINVAL;
  const offset = arg64(off);
  if (offset & (PAGE_SIZE - 1)) return <f64>-EINVAL;
  let f: u32 = 0;
  if (!(flags & MAP_ANONYMOUS)) {
    const fp = file_from_handle(file_handle);
    if (fp === null) return <f64>-EBADF;
    if (flags & MAP_HUGETLB) return <f64>-EINVAL;
    f = <u32>changetype<usize>(fp);
  } else if (flags & MAP_HUGETLB) {
    return <f64>-ENOMEM;  // no hugetlb pool (vm.nr_hugepages = 0)
  }
  return <f64>vm_mmap_pgoff(mm, f, arg64(addr), arg64(len), prot, flags, offset >> PAGE_SHIFT);
}

/** munmap(2). @return 0 or -errno. */
export function sys_munmap(addr: f64, len: f64): f64 {
  const mm = current;
  if (mm === null) return <f64>-EINVAL;
  return <f64>do_munmap(mm, arg64(addr), arg64(len));
}

/** brk(2). @return the new break, or the old one. */
export function sys_brk(brk: f64): f64 {
  const mm = current;
  if (mm === null) return 0;
  return <f64>do_brk(mm, arg64(brk));
}

/** A new address space. @return its handle, or 0 (ENOMEM). */
export function mm_create(): u32 {
  const mm = mm_alloc();
  return mm !== null ? <u32>changetype<usize>(mm) : 0;
}

/** Runs `handle`'s address space (0: none). */
export function mm_switch(handle: u32): void {
  switch_mm(mm_from_handle(handle));
}

/**
 * Runs `handle`'s address space for an access on behalf of the running task
 * (access_remote_vm: process_vm_readv, /proc/<pid>/cmdline): the faults it
 * takes there are the running task's (GUP charges current). mm_switch ends it.
 */
export function mm_switch_remote(handle: u32): void {
  const task = charged;
  switch_mm(mm_from_handle(handle));
  charged = task;
}

/** Another task uses `handle`'s address space (CLONE_VM: vfork, posix_spawn): mmget. @return 0, or -EINVAL for a bad handle. */
export function mm_get(handle: u32): i32 {
  const mm = mm_from_handle(handle);
  if (mm === null) return -EINVAL;
  mm.mm_users++;
  return 0;
}

/**
 * A task stops using an address space (exit, or exec leaving a shared
 * one): the last user frees it and everything it maps. A bad handle is ignored.
 */
export function mm_exit(handle: u32): void {
  const mm = mm_from_handle(handle);
  if (mm !== null) mmput(mm);
}

@inline const RLIMIT_DATA: u32 = 2;
@inline const RLIMIT_STACK: u32 = 3;
@inline const RLIMIT_MEMLOCK: u32 = 8;
@inline const RLIMIT_AS: u32 = 9;

/**
 * A soft limit of the current task that mm reads (rlimit()): RLIMIT_STACK
 * limits stack growth and, while the mm has no mapping yet (during exec),
 * places mmap_base (Infinity is then the largest finite limit: no legacy
 * bottom-up layout here); RLIMIT_AS and RLIMIT_DATA limit what the mm may
 * map (may_expand_vm) and the heap (brk), RLIMIT_MEMLOCK what an
 * unprivileged task may lock. Other resources are ignored.
 */
export function mm_set_rlimit(resource: u32, bytes: f64): void {
  const mm = current;
  if (mm === null) return;
  const rlim = arg64(bytes);
  if (resource == RLIMIT_AS) mm.rlim_as = rlim;
  else if (resource == RLIMIT_DATA) mm.rlim_data = rlim;
  else if (resource == RLIMIT_MEMLOCK) mm.rlim_memlock = rlim;
  else if (resource != RLIMIT_STACK) return;
  else if (mm.mmap) mm.rlim_stack = rlim;
  else arch_pick_mmap_layout(mm, rlim);
}

/** exec's code and data bounds (/proc/<pid>/stat, PR_SET_MM). */
export function mm_set_code(start_code: f64, end_code: f64, start_data: f64, end_data: f64): void {
  const mm = current;
  if (mm === null) return;
  mm.start_code = arg64(start_code);
  mm.end_code = arg64(end_code);
  mm.start_data = arg64(start_data);
  mm.end_data = arg64(end_data);
}

/** exec's argument and environment bounds and the initial stack pointer. */
export function mm_set_args(start_stack: f64, arg_start: f64, arg_end: f64, env_start: f64, env_end: f64): void {
  const mm = current;
  if (mm === null) return;
  mm.start_stack = arg64(start_stack);
  mm.arg_start = arg64(arg_start);
  mm.arg_end = arg64(arg_end);
  mm.env_start = arg64(env_start);
  mm.env_end = arg64(env_end);
}

/** exec's program break: start_brk = brk = `start` (page aligned by the loader). */
export function mm_set_brk(start: f64): void {
  const mm = current;
  if (mm === null) return;
  mm.start_brk = mm.brk = arg64(start);
}

/**
 * The stack VMA exec sets up (setup_arg_pages): [start, end), growing down,
 * VM_STACK_FLAGS plus VM_EXEC when `prot` has PROT_EXEC (PT_GNU_STACK).
 * @return 0 or -errno (EINVAL: unaligned or outside TASK_SIZE; EEXIST: taken).
 */
export function mm_set_stack(start: f64, end: f64, prot: u32): f64 {
  const mm = current;
  if (mm === null) return <f64>-EINVAL;
  const s = arg64(start), e = arg64(end);
  if (offset_in_page(s) || offset_in_page(e) || s >= e || e > TASK_SIZE || s < MMAP_MIN_ADDR) return <f64>-EINVAL;
  if (find_vma_intersection(mm, s, e) !== null) return <f64>-EEXIST;
  let flags = VM_STACK | VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | mm.def_flags;
  if (prot & PROT_EXEC) flags |= VM_EXEC;
  return <f64>mmap_region(mm, 0, s, e - s, flags, s >> PAGE_SHIFT) < 0 ? <f64>-ENOMEM : 0;
}
