// mm/mmap.c: address spaces and their VMAs: mm_create/exit_mmap, the VMA
// set (find_vma), merging and splitting, get_unmapped_area, do_mmap,
// do_munmap, brk and expand_stack, with Linux 6.x's checks and errno values.
//
// The VMA set is what Linux had up to 6.0: a red-black tree keyed by
// address (find_vma in O(log n), on every fault) threaded with the sorted
// list vm_next/vm_prev (walks in address order for munmap, mprotect,
// /proc/maps). Linux also augmented the tree with the largest gap of each
// subtree so get_unmapped_area could be O(log n); we search the gaps along
// the list instead: it runs once per mmap, not per fault, and keeps the tree
// free of a second invariant to maintain through every rotation.
//
// Addresses and lengths are u64 here; results that may be an error are i64
// (an address, or -errno), as Linux's IS_ERR_VALUE longs.

import { mm_struct, vm_area_struct, PAGE_SHIFT, PAGE_SIZE,
  VM_READ, VM_WRITE, VM_EXEC, VM_SHARED, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC, VM_MAYSHARE,
  VM_GROWSDOWN, VM_LOCKED, VM_ACCOUNT, VM_NORESERVE, VM_NOHUGEPAGE, VM_STACK,
  MM_FILEPAGES, MM_ANONPAGES, MM_SHMEMPAGES, MMF_UNMERGED_BY_FORK, get_mm_counter } from "./mm_types";
import { rb_node, rb_link_node, rb_insert_color, rb_erase, rb_parent, rb_is_black } from "../lib/rbtree";
import { printk, printk_hex } from "../kernel/panic";
import { kmem_cache_create, kmem_cache_zalloc, kmem_cache_free } from "./slab";
import { file, get_file, fput, file_from_handle, file_writable } from "./filemap";
import { pgd_alloc, pgd_free, free_pgtables, vm_get_page_prot, load_cr3 } from "./pgtable";
import { unmap_page_range, handle_mm_fault, FAULT_FLAG_WRITE, VM_FAULT_ERROR } from "./memory";
import { unlink_anon_vmas, anon_vma_clone, dup_anon_vma } from "./rmap";
import { flush_tlb_all } from "../arch/x86/mm/tlb";
import { total_swap_pages } from "./swapfile";
import { totalram_pages } from "./mm_init";
import { EPERM, EBADF, EAGAIN, ENOMEM, EACCES, EFAULT, EEXIST, EINVAL, EOVERFLOW, EOPNOTSUPP } from "../include/errno";

// ─── the layout (arch/x86/include/asm/page_64_types.h, mm/mmap.c) ─────────

/** The top of user space under 4-level paging (TASK_SIZE_MAX), also STACK_TOP. */
@inline export const TASK_SIZE: u64 = 0x7ffffffff000;
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
@inline const RLIM_MEMLOCK: u64 = 8 << 20;
@inline const PMD_SIZE: u64 = 2 << 20;
/** vm.max_map_count. */
@inline export const sysctl_max_map_count: u32 = 65530;

// mmap's prot and flags (include/uapi/asm-generic/mman*.h, x86 values).
@inline export const PROT_READ: u32 = 0x1;
@inline export const PROT_WRITE: u32 = 0x2;
@inline export const PROT_EXEC: u32 = 0x4;
@inline export const PROT_SEM: u32 = 0x8;
@inline export const PROT_GROWSDOWN: u32 = 0x01000000;
@inline export const PROT_GROWSUP: u32 = 0x02000000;
@inline export const MAP_SHARED: u32 = 0x01;
@inline export const MAP_PRIVATE: u32 = 0x02;
@inline export const MAP_SHARED_VALIDATE: u32 = 0x03;
@inline export const MAP_TYPE: u32 = 0x0f;
@inline export const MAP_FIXED: u32 = 0x10;
@inline export const MAP_ANONYMOUS: u32 = 0x20;
@inline export const MAP_32BIT: u32 = 0x40;
@inline export const MAP_ABOVE4G: u32 = 0x80;
@inline export const MAP_GROWSDOWN: u32 = 0x0100;
@inline export const MAP_DENYWRITE: u32 = 0x0800;
@inline export const MAP_EXECUTABLE: u32 = 0x1000;
@inline export const MAP_LOCKED: u32 = 0x2000;
@inline export const MAP_NORESERVE: u32 = 0x4000;
@inline export const MAP_POPULATE: u32 = 0x8000;
@inline export const MAP_NONBLOCK: u32 = 0x10000;
@inline export const MAP_STACK: u32 = 0x20000;
@inline export const MAP_HUGETLB: u32 = 0x40000;
@inline export const MAP_SYNC: u32 = 0x80000;
@inline export const MAP_FIXED_NOREPLACE: u32 = 0x100000;
@inline const MAP_UNINITIALIZED: u32 = 0x4000000;
@inline const MAP_HUGE_2MB: u32 = 21 << 26;
@inline const MAP_HUGE_1GB: u32 = 30 << 26;
// The flags MAP_SHARED_VALIDATE knows (our files have no MAP_SYNC).
@inline const LEGACY_MAP_MASK: u32 = MAP_SHARED | MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS
  | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_UNINITIALIZED | MAP_GROWSDOWN | MAP_LOCKED
  | MAP_NORESERVE | MAP_POPULATE | MAP_NONBLOCK | MAP_STACK | MAP_HUGETLB
  | MAP_32BIT | MAP_ABOVE4G | MAP_HUGE_2MB | MAP_HUGE_1GB;

@inline export function PAGE_ALIGN(x: u64): u64 { return (x + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1); }
@inline function offset_in_page(x: u64): u64 { return x & (PAGE_SIZE - 1); }
@inline export function vma_pages(vma: vm_area_struct): u64 { return (vma.vm_end - vma.vm_start) >> PAGE_SHIFT; }
@inline export function err(errno: i32): i64 { return -(<i64>errno); }
@inline export function IS_ERR_VALUE(x: i64): bool { return <u64>x >= <u64>-4095; }  // MAX_ERRNO: an address above 2^63 is not an error

// ─── objects ───────────────────────────────────────────────────────────────

const mm_cachep = kmem_cache_create("mm_struct", offsetof<mm_struct>());
const vm_area_cachep = kmem_cache_create("vm_area_struct", offsetof<vm_area_struct>());

/** Every live mm, through mm.mmlist (Linux: the task list), for the checker. */
let mmlist: u32 = 0;
/** The mm of the running task (current->mm), or null. */
let current: mm_struct | null = null;

export function current_mm(): mm_struct | null { return current; }
export function mmlist_first(): mm_struct | null { return mmlist ? changetype<mm_struct>(mmlist) : null; }

function vm_area_alloc(mm: mm_struct): vm_area_struct | null {
  const obj = kmem_cache_zalloc(vm_area_cachep);
  if (!obj) return null;
  const vma = changetype<vm_area_struct>(obj);
  vma.vm_mm = <u32>changetype<usize>(mm);
  return vma;
}

/**
 * A copy of `orig`, outside the VMA set, holding its own file reference;
 * linked to no anon_vma yet (the caller clones or forks orig's).
 */
export function vm_area_dup(orig: vm_area_struct): vm_area_struct | null {
  const obj = kmem_cache_zalloc(vm_area_cachep);
  if (!obj) return null;
  memory.copy(obj, changetype<usize>(orig), offsetof<vm_area_struct>("rb_left"));
  const vma = changetype<vm_area_struct>(obj);
  vma.anon_vma_chain = 0;
  if (vma.vm_file) get_file(changetype<file>(vma.vm_file));
  return vma;
}

/** Frees a VMA already out of the set, dropping its file and anon_vmas (remove_vma). */
export function remove_vma(vma: vm_area_struct): void {
  unlink_anon_vmas(vma);
  if (vma.vm_file) fput(changetype<file>(vma.vm_file));
  kmem_cache_free(vm_area_cachep, changetype<usize>(vma));
}

// ─── the VMA set ───────────────────────────────────────────────────────────

@inline function rb_of(vma: vm_area_struct): usize { return changetype<usize>(vma) + offsetof<vm_area_struct>("rb_left"); }
@inline function vma_of(rb: usize): vm_area_struct { return changetype<vm_area_struct>(rb - offsetof<vm_area_struct>("rb_left")); }
@inline function mm_rb_root(mm: mm_struct): usize { return changetype<usize>(mm) + offsetof<mm_struct>("mm_rb"); }
@inline export function vma_next(vma: vm_area_struct): vm_area_struct | null {
  return vma.vm_next ? changetype<vm_area_struct>(vma.vm_next) : null;
}
@inline export function vma_prev(vma: vm_area_struct): vm_area_struct | null {
  return vma.vm_prev ? changetype<vm_area_struct>(vma.vm_prev) : null;
}
@inline export function first_vma(mm: mm_struct): vm_area_struct | null {
  return mm.mmap ? changetype<vm_area_struct>(mm.mmap) : null;
}

/** The first VMA with vm_end > addr (it may start above addr), or null. */
export function find_vma(mm: mm_struct, addr: u64): vm_area_struct | null {
  let found: usize = 0;
  let rb = <usize>mm.mm_rb;
  while (rb) {
    const vma = vma_of(rb);
    if (vma.vm_end > addr) {
      found = changetype<usize>(vma);
      if (vma.vm_start <= addr) break;
      rb = <usize>vma.rb_left;
    } else {
      rb = <usize>vma.rb_right;
    }
  }
  return found ? changetype<vm_area_struct>(found) : null;
}

/** The last VMA that starts below addr (find_vma_prev's prev), or null. */
export function find_vma_before(mm: mm_struct, addr: u64): vm_area_struct | null {
  let found: usize = 0;
  let rb = <usize>mm.mm_rb;
  while (rb) {
    const vma = vma_of(rb);
    if (vma.vm_start < addr) {
      found = changetype<usize>(vma);
      rb = <usize>vma.rb_right;
    } else {
      rb = <usize>vma.rb_left;
    }
  }
  return found ? changetype<vm_area_struct>(found) : null;
}

/** The first VMA overlapping [start, end), or null. */
export function find_vma_intersection(mm: mm_struct, start: u64, end: u64): vm_area_struct | null {
  const vma = find_vma(mm, start);
  return vma !== null && vma.vm_start < end ? vma : null;
}

/** Links `vma` into the list after `prev` (null: first) and into the tree. */
export function vma_link(mm: mm_struct, vma: vm_area_struct, prev: vm_area_struct | null): void {
  const next: u32 = prev !== null ? prev.vm_next : mm.mmap;
  vma.vm_prev = prev !== null ? <u32>changetype<usize>(prev) : 0;
  vma.vm_next = next;
  if (next) changetype<vm_area_struct>(next).vm_prev = <u32>changetype<usize>(vma);
  if (prev !== null) prev.vm_next = <u32>changetype<usize>(vma);
  else mm.mmap = <u32>changetype<usize>(vma);

  let link = mm_rb_root(mm);
  let parent: usize = 0;
  while (load<u32>(link)) {
    parent = <usize>load<u32>(link);
    const p = vma_of(parent);
    link = vma.vm_start < p.vm_start ? parent + offsetof<rb_node>("rb_left")
                                     : parent + offsetof<rb_node>("rb_right");
  }
  rb_link_node(rb_of(vma), parent, link);
  rb_insert_color(rb_of(vma), mm_rb_root(mm));
  mm.map_count++;
}

/** Takes `vma` out of the list and the tree (it is not freed). */
function vma_unlink(mm: mm_struct, vma: vm_area_struct): void {
  if (vma.vm_prev) changetype<vm_area_struct>(vma.vm_prev).vm_next = vma.vm_next;
  else mm.mmap = vma.vm_next;
  if (vma.vm_next) changetype<vm_area_struct>(vma.vm_next).vm_prev = vma.vm_prev;
  rb_erase(rb_of(vma), mm_rb_root(mm));
  vma.vm_next = 0;
  vma.vm_prev = 0;
  mm.map_count--;
}

// ─── accounting (mm/util.c, mm/mmap.c) ─────────────────────────────────────

/** Pages charged to private writable mappings (vm_committed_as; Committed_AS). */
let vm_committed_as: i64 = 0;
export function vm_committed_pages(): i64 { return vm_committed_as; }

export function vm_acct_memory(pages: i64): void { vm_committed_as += pages; }
export function vm_unacct_memory(pages: i64): void { vm_committed_as -= pages; }

// vm.overcommit_memory and vm.overcommit_ratio (sysctls, defaults as in Linux).
@inline export const OVERCOMMIT_GUESS: u32 = 0;
@inline export const OVERCOMMIT_ALWAYS: u32 = 1;
@inline export const OVERCOMMIT_NEVER: u32 = 2;
export let sysctl_overcommit_memory: u32 = OVERCOMMIT_GUESS;
export let sysctl_overcommit_ratio: u32 = 50;
export function set_overcommit_memory(v: u32): i32 {
  if (v > OVERCOMMIT_NEVER) return -22;
  sysctl_overcommit_memory = v;
  return 0;
}
export function set_overcommit_ratio(v: u32): i32 {
  sysctl_overcommit_ratio = v;
  return 0;
}

/** For /proc/meminfo: 0 CommitLimit, 1 Committed_AS, in pages. */
export function vm_commit_info(what: u32): f64 {
  return <f64>(what == 0 ? vm_commit_limit() : vm_committed_as);
}

/** CommitLimit: the ratio of RAM plus all swap (vm_commit_limit). */
export function vm_commit_limit(): i64 {
  return <i64>totalram_pages * sysctl_overcommit_ratio / 100 + total_swap_pages;
}

/**
 * Whether `pages` more may be committed (__vm_enough_memory): always
 * (OVERCOMMIT_ALWAYS); unless a single request is larger than RAM and
 * swap together (OVERCOMMIT_GUESS, the heuristic); or only within
 * CommitLimit (OVERCOMMIT_NEVER). Charges the pages when it allows them.
 * @return 0 or -ENOMEM.
 */
export function __vm_enough_memory(pages: u64): i32 {
  vm_acct_memory(<i64>pages);
  if (sysctl_overcommit_memory == OVERCOMMIT_ALWAYS) return 0;
  if (sysctl_overcommit_memory == OVERCOMMIT_GUESS) {
    if (pages <= <u64>(<i64>totalram_pages + total_swap_pages)) return 0;
  } else if (vm_committed_as <= vm_commit_limit()) {
    return 0;
  }
  vm_unacct_memory(<i64>pages);
  return -ENOMEM;
}

@inline function is_exec_mapping(flags: u32): bool { return (flags & (VM_EXEC | VM_WRITE | VM_STACK)) == VM_EXEC; }
@inline function is_stack_mapping(flags: u32): bool { return (flags & VM_STACK) == VM_STACK; }
@inline function is_data_mapping(flags: u32): bool { return (flags & (VM_WRITE | VM_SHARED | VM_STACK)) == VM_WRITE; }

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

/** RLIMIT_MEMLOCK (mlock_future_ok); we run unprivileged. */
export function mlock_future_ok(mm: mm_struct, flags: u32, bytes: u64): bool {
  if (!(flags & VM_LOCKED)) return true;
  return (mm.locked_vm << PAGE_SHIFT) + bytes <= RLIM_MEMLOCK;
}

/** Removes a detached VMA's share of the counters and frees it. */
function account_and_remove_vma(mm: mm_struct, vma: vm_area_struct): void {
  const pages = vma_pages(vma);
  if (vma.vm_flags & VM_ACCOUNT) vm_unacct_memory(<i64>pages);
  if (vma.vm_flags & VM_LOCKED) mm.locked_vm -= pages;
  vm_stat_account(mm, vma.vm_flags, -(<i64>pages));
  remove_vma(vma);
}

// ─── merging and splitting ─────────────────────────────────────────────────

/**
 * Whether `vma` may absorb a neighbour with these flags and file
 * (is_mergeable_vma). Shared anonymous mappings never merge: Linux gives
 * each its own shmem object, which we do not model (their faults SIGBUS).
 */
function is_mergeable_vma(vma: vm_area_struct, flags: u32, f: u32): bool {
  return vma.vm_flags == flags && vma.vm_file == f && !((flags & VM_SHARED) && !f);
}

/** `vma` can grow at its end over pages starting at file page `pgoff`. */
function can_vma_merge_after(vma: vm_area_struct, flags: u32, f: u32, pgoff: u64): bool {
  return is_mergeable_vma(vma, flags, f) && vma.vm_pgoff + vma_pages(vma) == pgoff;
}

/** `vma` can grow at its start over pages ending where it begins in the file. */
function can_vma_merge_before(vma: vm_area_struct, flags: u32, f: u32, end_pgoff: u64): bool {
  return is_mergeable_vma(vma, flags, f) && vma.vm_pgoff == end_pgoff;
}

/**
 * Merges the range [addr, end), which holds no VMA or exactly one (`area`,
 * the VMA after prev: an mprotect or madvise changing its flags), with the
 * VMAs around it when they are compatible (vma_merge). Unlike Linux,
 * different anon_vmas never forbid a merge: the VMA that stays is linked
 * to those of the VMAs it absorbs, so rmap still finds every page.
 * @return the VMA now covering the range, or null when nothing merged (or ENOMEM).
 */
export function vma_merge(mm: mm_struct, prev: vm_area_struct | null, addr: u64, end: u64,
                          flags: u32, f: u32, pgoff: u64): vm_area_struct | null {
  let next = prev !== null ? vma_next(prev) : first_vma(mm);
  let area: vm_area_struct | null = null;
  if (next !== null && next.vm_start == addr) {
    area = next;
    next = vma_next(next);
  }
  const merge_prev = prev !== null && prev.vm_end == addr && can_vma_merge_after(prev, flags, f, pgoff);
  const merge_next = next !== null && next.vm_start == end
    && can_vma_merge_before(next, flags, f, pgoff + ((end - addr) >> PAGE_SHIFT));
  if (!merge_prev && !merge_next) return null;
  // The VMA that stays takes over the anon_vmas of those that go (dup_anon_vma).
  const keep = changetype<vm_area_struct>(merge_prev ? prev : next);
  if (area !== null && area !== keep && dup_anon_vma(keep, area)) return null;
  if (merge_prev && merge_next && dup_anon_vma(keep, changetype<vm_area_struct>(next))) return null;
  if (area !== null) {
    vma_unlink(mm, area);
    remove_vma(area);
  }
  if (merge_prev) {
    const p = changetype<vm_area_struct>(prev);
    if (merge_next) {
      const n = changetype<vm_area_struct>(next);
      p.vm_end = n.vm_end;
      vma_unlink(mm, n);
      remove_vma(n);
    } else {
      p.vm_end = end;
    }
    return p;
  }
  const n = changetype<vm_area_struct>(next);
  n.vm_start = addr;
  n.vm_pgoff = pgoff;
  return n;
}

/**
 * Splits `vma` at `addr` into two VMAs (__split_vma): with new_below the
 * new one takes [vm_start, addr), else [addr, vm_end). @return 0 or -ENOMEM.
 */
export function __split_vma(mm: mm_struct, vma: vm_area_struct, addr: u64, new_below: bool): i32 {
  const n = vm_area_dup(vma);
  if (n === null) return -ENOMEM;
  if (anon_vma_clone(n, vma)) {
    remove_vma(n);
    return -ENOMEM;
  }
  if (new_below) {
    n.vm_end = addr;
    vma.vm_start = addr;
    vma.vm_pgoff += (addr - n.vm_start) >> PAGE_SHIFT;
    vma_link(mm, n, vma_prev(vma));
  } else {
    n.vm_start = addr;
    n.vm_pgoff += (addr - vma.vm_start) >> PAGE_SHIFT;
    vma.vm_end = addr;
    vma_link(mm, n, vma);
  }
  return 0;
}

/** __split_vma, refused when the mm has too many VMAs already. */
export function split_vma(mm: mm_struct, vma: vm_area_struct, addr: u64, new_below: bool): i32 {
  if (mm.map_count >= sysctl_max_map_count) return -ENOMEM;
  return __split_vma(mm, vma, addr, new_below);
}

/**
 * Gives [start, end) of `vma` the flags `newflags`: merged into a
 * neighbour when compatible, else split out of vma (vma_modify_flags, for
 * mprotect_fixup and madvise_update_vma). vm_page_prot follows the flags.
 * @return the VMA now covering exactly [start, end), or null on ENOMEM.
 */
export function vma_modify_flags(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64,
                                 newflags: u32): vm_area_struct | null {
  const pgoff = vma.vm_pgoff + ((start - vma.vm_start) >> PAGE_SHIFT);
  if (start > vma.vm_start && split_vma(mm, vma, start, true) != 0) return null;
  if (end < vma.vm_end && split_vma(mm, vma, end, false) != 0) return null;
  const merged = vma_merge(mm, vma_prev(vma), start, end, newflags, vma.vm_file, pgoff);
  const result = merged !== null ? merged : vma;
  result.vm_flags = newflags;
  result.vm_page_prot = vm_get_page_prot(newflags);
  return result;
}

// ─── get_unmapped_area (arch/x86/kernel/sys_x86_64.c, mm/mmap.c) ──────────

/** Where a VMA's guard area begins: a stack keeps STACK_GUARD_GAP free below it. */
@inline function vm_start_gap(vma: vm_area_struct): u64 {
  if (!(vma.vm_flags & VM_GROWSDOWN)) return vma.vm_start;
  return vma.vm_start > STACK_GUARD_GAP ? vma.vm_start - STACK_GUARD_GAP : 0;
}

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
 * The highest free range of `length` bytes inside [low_limit, high_limit)
 * (vm_unmapped_area, top-down), walking the gaps between VMAs from the
 * top. @return its start, or -ENOMEM.
 */
function unmapped_area_topdown(mm: mm_struct, length: u64, low_limit: u64, high_limit: u64): i64 {
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
function unmapped_area(mm: mm_struct, length: u64, low_limit: u64, high_limit: u64): i64 {
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
function arch_get_unmapped_area_topdown(mm: mm_struct, addr: u64, len: u64, flags: u32): i64 {
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
let mmap_populate: u64 = 0;

/**
 * Faults in [start, start + len) as get_user_pages would (mm_populate):
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
    const fault_flags: u32 = (vma.vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE ? FAULT_FLAG_WRITE : 0;
    if (vma.vm_flags & (VM_READ | VM_WRITE | VM_EXEC)) {
      for (; addr < stop; addr += PAGE_SIZE) {
        if (handle_mm_fault(vma, addr, fault_flags) & VM_FAULT_ERROR) break;
      }
    }
    addr = stop;
  }
}

/** do_mmap plus the prefault (vm_mmap_pgoff). @return the address, or -errno. */
export function vm_mmap_pgoff(mm: mm_struct, f: u32, addr: u64, len: u64, prot: u32, flags: u32, pgoff: u64): i64 {
  const ret = do_mmap(mm, f, addr, len, prot, flags, pgoff);
  if (!IS_ERR_VALUE(ret) && mmap_populate) mm_populate(mm, <u64>ret, mmap_populate);
  return ret;
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

/** The layout exec picks for a stack rlimit (arch_pick_mmap_layout, top-down). */
export function arch_pick_mmap_layout(mm: mm_struct, rlim_stack: u64): void {
  mm.rlim_stack = rlim_stack;
  mm.task_size = TASK_SIZE;
  mm.mmap_base = mmap_base(TASK_SIZE, rlim_stack);
}

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
  current = mm;
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

/**
 * RLIMIT_STACK of the current task: limits stack growth and, while the
 * mm has no mapping yet (during exec), places mmap_base. Infinity is
 * treated as the largest finite limit (no legacy bottom-up layout here).
 */
export function mm_set_rlimit_stack(bytes: f64): void {
  const mm = current;
  if (mm === null) return;
  const rlim = arg64(bytes);
  if (mm.mmap) mm.rlim_stack = rlim;
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

// ─── the invariant checker's part (validate_mm, CONFIG_DEBUG_VM_RB) ────────

/** Logs one violation as "validate_mm: reason" and counts it. */
function bad(reason: string, vma: vm_area_struct | null): u32 {
  printk("validate_mm: ");
  printk(reason);
  if (vma !== null) {
    printk(" at vma ");
    printk_hex(vma.vm_start);
    printk("-");
    printk_hex(vma.vm_end);
  }
  printk("\n");
  return 1;
}

/** Checks the red-black subtree at rb. @return its black height, or -1 when broken. */
function browse_rb(rb: usize, parent: usize, lo: u64, hi: u64): i32 {
  if (!rb) return 1;
  const vma = vma_of(rb);
  if (rb_parent(rb) != parent) return -1;
  if (vma.vm_start < lo || vma.vm_end > hi) return -1;
  const red = !rb_is_black(rb);
  if (red && (!rb_is_black(<usize>vma.rb_left) || !rb_is_black(<usize>vma.rb_right))) return -1;
  const l = browse_rb(<usize>vma.rb_left, rb, lo, vma.vm_start);
  const r = browse_rb(<usize>vma.rb_right, rb, vma.vm_end, hi);
  if (l < 0 || l != r) return -1;
  return l + (red ? 0 : 1);
}

/** Counts the nodes of the tree at rb. */
function rb_count(rb: usize): u32 {
  return rb ? 1 + rb_count(<usize>vma_of(rb).rb_left) + rb_count(<usize>vma_of(rb).rb_right) : 0;
}

/**
 * The VMA invariants of one mm: sorted, non-overlapping, page-aligned
 * VMAs below TASK_SIZE; list links, tree and map_count agreeing; no two
 * adjacent VMAs left unmerged that vma_merge would merge (brk never merges
 * across start_brk, nor a stack grown down onto its neighbour, as in
 * Linux, nor VMAs a fork's copy left apart: MMF_UNMERGED_BY_FORK);
 * vm_page_prot matching vm_flags; the vm counters matching a census.
 * @return the number of violations.
 */
export function validate_mm(mm: mm_struct): u32 {
  let errors: u32 = 0;
  let count: u32 = 0;
  let total: u64 = 0, data: u64 = 0, exec: u64 = 0, stack: u64 = 0, locked: u64 = 0;
  let prev: vm_area_struct | null = null;
  for (let vma = first_vma(mm); vma !== null; vma = vma_next(changetype<vm_area_struct>(vma))) {
    count++;
    if (count > mm.map_count + 1) return errors + bad("vma list longer than map_count", vma);
    if (offset_in_page(vma.vm_start) || offset_in_page(vma.vm_end)) errors += bad("vma not page aligned", vma);
    if (vma.vm_start >= vma.vm_end || vma.vm_end > TASK_SIZE) errors += bad("vma bounds", vma);
    if (vma.vm_mm != <u32>changetype<usize>(mm)) errors += bad("vma of another mm", vma);
    if (vma.vm_prev != (prev !== null ? <u32>changetype<usize>(prev) : 0)) errors += bad("vm_prev link", vma);
    if (vma.vm_page_prot != vm_get_page_prot(vma.vm_flags)) errors += bad("vm_page_prot does not match vm_flags", vma);
    if (vma.vm_file && file_from_handle(vma.vm_file) === null) errors += bad("vm_file is not a live file", vma);
    if (prev !== null) {
      if (prev.vm_end > vma.vm_start) errors += bad("vmas overlap or are out of order", vma);
      const brk_edge = !vma.vm_file && vma.vm_start >= mm.start_brk && prev.vm_start < mm.start_brk;
      if (prev.vm_end == vma.vm_start && !brk_edge && !(vma.vm_flags & VM_GROWSDOWN) && !(mm.flags & MMF_UNMERGED_BY_FORK)
          && can_vma_merge_after(prev, vma.vm_flags, vma.vm_file, vma.vm_pgoff))
        errors += bad("adjacent mergeable vmas left unmerged", vma);
    }
    const pages = vma_pages(vma);
    total += pages;
    if (is_exec_mapping(vma.vm_flags)) exec += pages;
    else if (is_stack_mapping(vma.vm_flags)) stack += pages;
    else if (is_data_mapping(vma.vm_flags)) data += pages;
    if (vma.vm_flags & VM_LOCKED) locked += pages;
    prev = vma;
  }
  if (count != mm.map_count) errors += bad("map_count differs from the vma list", null);
  if (rb_count(<usize>mm.mm_rb) != count) errors += bad("rb tree and vma list differ in size", null);
  if (mm.mm_rb && !rb_is_black(<usize>mm.mm_rb)) errors += bad("rb root is red", null);
  if (browse_rb(<usize>mm.mm_rb, 0, 0, TASK_SIZE) < 0) errors += bad("rb tree broken (order, colors or links)", null);
  if (total != mm.total_vm || data != mm.data_vm || exec != mm.exec_vm || stack != mm.stack_vm)
    errors += bad("total_vm/data_vm/exec_vm/stack_vm differ from the vmas", null);
  if (locked != mm.locked_vm) errors += bad("locked_vm differs from the VM_LOCKED vmas", null);
  return errors;
}

/** validate_mm over every live mm. */
export function validate_all_mms(): u32 {
  let errors: u32 = 0;
  for (let m = mmlist; m; m = changetype<mm_struct>(m).mmlist) errors += validate_mm(changetype<mm_struct>(m));
  return errors;
}
