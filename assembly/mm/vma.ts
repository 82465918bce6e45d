// mm/vma.c: the VMA set of an address space and the operations on it:
// allocating and freeing VMAs, finding, linking and unlinking them,
// merging neighbours and splitting one in two.
//
// The VMA set is what Linux had up to 6.0: a red-black tree keyed by
// address (find_vma in O(log n), on every fault) threaded with the sorted
// list vm_next/vm_prev (walks in address order for munmap, mprotect,
// /proc/maps). Linux also augmented the tree with the largest gap of each
// subtree so get_unmapped_area could be O(log n); we search the gaps along
// the list instead: it runs once per mmap, not per fault, and keeps the tree
// free of a second invariant to maintain through every rotation.

import { mm_struct, vm_area_struct, PAGE_SHIFT, VM_SHARED, VM_SPECIAL } from "./mm_types";
import { rb_node, rb_link_node, rb_insert_color, rb_erase } from "../lib/rbtree";
import { vma_pages } from "../include/mm";
import { kmem_cache_create, kmem_cache_zalloc, kmem_cache_free } from "./slab";
import { file, get_file, fput } from "./filemap";
import { vm_get_page_prot } from "./pgtable";
import { unlink_anon_vmas, anon_vma_clone, dup_anon_vma } from "./rmap";
import { sysctl_max_map_count } from "./mmap";
import { EINVAL, ENOMEM } from "../include/errno";
import { mpol_dup, mpol_put, mpol_equal } from "./mempolicy";
import { vma_adjust_trans_huge } from "./huge_memory";

const vm_area_cachep = kmem_cache_create("vm_area_struct", offsetof<vm_area_struct>());

export function vm_area_alloc(mm: mm_struct): vm_area_struct | null {
  const obj = kmem_cache_zalloc(vm_area_cachep);
  if (!obj) return null;
  const vma = changetype<vm_area_struct>(obj);
  vma.vm_mm = <u32>changetype<usize>(mm);
  return vma;
}

/**
 * A copy of `orig`, outside the VMA set, holding its own file reference
 * and its own copy of orig's policy (vma_dup_policy); linked to no
 * anon_vma yet (the caller clones or forks orig's).
 */
export function vm_area_dup(orig: vm_area_struct): vm_area_struct | null {
  const pol = mpol_dup(<usize>orig.vm_policy);
  if (pol < 0) return null;
  const obj = kmem_cache_zalloc(vm_area_cachep);
  if (!obj) {
    mpol_put(<usize>pol);
    return null;
  }
  memory.copy(obj, changetype<usize>(orig), offsetof<vm_area_struct>("rb_left"));
  const vma = changetype<vm_area_struct>(obj);
  vma.anon_vma_chain = 0;
  vma.vm_policy = <u32>pol;
  if (vma.vm_file) get_file(changetype<file>(vma.vm_file));
  return vma;
}

/** Frees a VMA already out of the set, dropping its file and anon_vmas (remove_vma). */
export function remove_vma(vma: vm_area_struct): void {
  unlink_anon_vmas(vma);
  if (vma.vm_file) fput(changetype<file>(vma.vm_file));
  mpol_put(<usize>vma.vm_policy);
  kmem_cache_free(vm_area_cachep, changetype<usize>(vma));
}

// ─── the VMA set ───────────────────────────────────────────────────────────

@inline function rb_of(vma: vm_area_struct): usize { return changetype<usize>(vma) + offsetof<vm_area_struct>("rb_left"); }
@inline export function vma_of(rb: usize): vm_area_struct { return changetype<vm_area_struct>(rb - offsetof<vm_area_struct>("rb_left")); }
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
export function vma_unlink(mm: mm_struct, vma: vm_area_struct): void {
  if (vma.vm_prev) changetype<vm_area_struct>(vma.vm_prev).vm_next = vma.vm_next;
  else mm.mmap = vma.vm_next;
  if (vma.vm_next) changetype<vm_area_struct>(vma.vm_next).vm_prev = vma.vm_prev;
  rb_erase(rb_of(vma), mm_rb_root(mm));
  vma.vm_next = 0;
  vma.vm_prev = 0;
  mm.map_count--;
}

// ─── merging and splitting ─────────────────────────────────────────────────

/**
 * Whether `vma` may absorb a neighbour with these flags, file and memory
 * policy (is_mergeable_vma, and vma_merge's mpol_equal). Shared anonymous
 * mappings never merge: Linux gives each its own shmem object, which we
 * do not model (their faults SIGBUS).
 */
function is_mergeable_vma(vma: vm_area_struct, flags: u32, f: u32, policy: u32): bool {
  return vma.vm_flags == flags && vma.vm_file == f && !((flags & VM_SHARED) && !f)
    && mpol_equal(<usize>vma.vm_policy, <usize>policy);
}

/** `vma` can grow at its end over pages starting at file page `pgoff`. */
export function can_vma_merge_after(vma: vm_area_struct, flags: u32, f: u32, pgoff: u64, policy: u32 = 0): bool {
  return is_mergeable_vma(vma, flags, f, policy) && vma.vm_pgoff + vma_pages(vma) == pgoff;
}

/** `vma` can grow at its start over pages ending where it begins in the file. */
function can_vma_merge_before(vma: vm_area_struct, flags: u32, f: u32, end_pgoff: u64, policy: u32): bool {
  return is_mergeable_vma(vma, flags, f, policy) && vma.vm_pgoff == end_pgoff;
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
                          flags: u32, f: u32, pgoff: u64, policy: u32 = 0): vm_area_struct | null {
  if (flags & VM_SPECIAL) return null;
  let next = prev !== null ? vma_next(prev) : first_vma(mm);
  let area: vm_area_struct | null = null;
  if (next !== null && next.vm_start == addr) {
    area = next;
    next = vma_next(next);
  }
  const merge_prev = prev !== null && prev.vm_end == addr && can_vma_merge_after(prev, flags, f, pgoff, policy);
  const merge_next = next !== null && next.vm_start == end
    && can_vma_merge_before(next, flags, f, pgoff + ((end - addr) >> PAGE_SHIFT), policy);
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
 * new one takes [vm_start, addr), else [addr, vm_end). A special mapping
 * keeps its size (special_mapping_split). @return 0, -EINVAL or -ENOMEM.
 */
export function __split_vma(mm: mm_struct, vma: vm_area_struct, addr: u64, new_below: bool): i32 {
  if (vma.vm_private_data) return -EINVAL;
  vma_adjust_trans_huge(vma, addr);
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

/** Why the last vma_modify_flags or vma_modify_policy gave null: -ENOMEM, or -EINVAL for a special mapping. */
let modify_errno: i32 = 0;
export function vma_modify_errno(): i32 { return modify_errno; }

/** Splits `vma` so that [start, end) is a VMA of its own. @return 0 or the split's -errno (also in modify_errno). */
function split_range(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64): i32 {
  let e = start > vma.vm_start ? split_vma(mm, vma, start, true) : 0;
  if (!e && end < vma.vm_end) e = split_vma(mm, vma, end, false);
  modify_errno = e;
  return e;
}

/**
 * Gives [start, end) of `vma` the flags `newflags`: merged into a
 * neighbour when compatible, else split out of vma (vma_modify_flags, for
 * mprotect_fixup and madvise_update_vma). vm_page_prot follows the flags.
 * @return the VMA now covering exactly [start, end), or null (vma_modify_errno).
 */
export function vma_modify_flags(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64,
                                 newflags: u32): vm_area_struct | null {
  const pgoff = vma.vm_pgoff + ((start - vma.vm_start) >> PAGE_SHIFT);
  if (split_range(mm, vma, start, end)) return null;
  const merged = vma_merge(mm, vma_prev(vma), start, end, newflags, vma.vm_file, pgoff, vma.vm_policy);
  const result = merged !== null ? merged : vma;
  result.vm_flags = newflags;
  result.vm_page_prot = vm_get_page_prot(newflags);
  return result;
}

/**
 * Splits [start, end) out of `vma`, or merges it into a neighbour with
 * policy `policy` (vma_modify_policy, for mbind_range); the caller then
 * gives the result the policy. @return the VMA covering [start, end), or null (vma_modify_errno).
 */
export function vma_modify_policy(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64,
                                  policy: usize): vm_area_struct | null {
  const pgoff = vma.vm_pgoff + ((start - vma.vm_start) >> PAGE_SHIFT);
  if (split_range(mm, vma, start, end)) return null;
  const merged = vma_merge(mm, vma_prev(vma), start, end, vma.vm_flags, vma.vm_file, pgoff, <u32>policy);
  return merged !== null ? merged : vma;
}
