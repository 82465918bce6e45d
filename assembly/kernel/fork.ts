// kernel/fork.c's memory half: a child's address space as a copy of its
// parent's (dup_mm → dup_mmap → copy_page_range). Private pages are then
// shared read-only by both until one writes (do_wp_page copies or reuses).
// The host owns the task itself (registers, pid, scheduling).

import { mpol_fork } from "../mm/mempolicy";
import { mm_struct, vm_area_struct, VM_DONTCOPY, VM_WIPEONFORK, VM_ACCOUNT, VM_LOCKED_MASK, VM_NOHUGEPAGE,
  MMF_OOM_VICTIM, MMF_OOM_SKIP, MMF_UNMERGED_BY_FORK } from "../mm/mm_types";
import { mm_alloc, mm_from_handle, mmput, vm_stat_account, flush_tlb_mm } from "../mm/mmap";
import { vm_area_dup, remove_vma, vma_link, first_vma, vma_next } from "../mm/vma";
import { vma_pages } from "../include/mm";
import { __vm_enough_memory, vm_unacct_memory } from "../mm/util";
import { copy_page_range } from "../mm/memory";
import { anon_vma_fork } from "../mm/rmap";
import { trace_enter, trace_exit, FN_dup_mmap } from "./trace";

@inline const ENOMEM: i32 = 12;

/**
 * The fields a child's mm starts with (dup_mm copies the parent's whole
 * mm_struct, then mm_init resets what is per address space): layout,
 * brk, code/args bounds, the vm counters, rlimit, identity and
 * oom_score_adj are the parent's; VMAs, tables, RSS, faults, locks and the
 * OOM state start empty.
 */
function dup_mm_struct(mm: mm_struct, oldmm: mm_struct): void {
  const pgd = mm.pgd, mmlist = mm.mmlist, pgtables = mm.pgtables_bytes;
  memory.copy(changetype<usize>(mm), changetype<usize>(oldmm), offsetof<mm_struct>());
  mm.pgd = pgd;
  mm.mmlist = mmlist;
  mm.pgtables_bytes = pgtables;
  mm.mm_rb = mm.mmap = mm.map_count = 0;
  mm.rss_stat0 = mm.rss_stat1 = mm.rss_stat2 = mm.rss_stat3 = 0;
  mm.locked_vm = 0;
  mm.min_flt = mm.maj_flt = 0;  // task_struct's, zeroed by copy_process
  mm.flags = oldmm.flags & ~(MMF_OOM_VICTIM | MMF_OOM_SKIP);
  mm.def_flags = oldmm.def_flags & VM_NOHUGEPAGE;  // VM_INIT_DEF_MASK
  mm.mm_users = 1;
}

/**
 * Copies every VMA of oldmm into mm and their page tables (dup_mmap):
 * VM_DONTCOPY VMAs (MADV_DONTFORK) are left out, VM_WIPEONFORK ones
 * (MADV_WIPEONFORK) copied empty, mlock is not inherited; each copy gets
 * its anon_vma (anon_vma_fork) before its pages are shared.
 * @return 0 or -ENOMEM (mm then holds what was copied; the caller frees it).
 */
export function dup_mmap(mm: mm_struct, oldmm: mm_struct): i32 {
  trace_enter(FN_dup_mmap, oldmm.pid);
  let ret: i32 = 0;
  let prev: vm_area_struct | null = null;
  for (let mpnt = first_vma(oldmm); mpnt !== null; mpnt = vma_next(changetype<vm_area_struct>(mpnt))) {
    const pages = vma_pages(mpnt);
    if (mpnt.vm_flags & VM_DONTCOPY) {
      vm_stat_account(mm, mpnt.vm_flags, -(<i64>pages));
      continue;
    }
    if ((mpnt.vm_flags & VM_ACCOUNT) && __vm_enough_memory(pages)) {
      ret = -ENOMEM;
      break;
    }
    const tmp = vm_area_dup(mpnt);
    if (tmp === null) {
      if (mpnt.vm_flags & VM_ACCOUNT) vm_unacct_memory(<i64>pages);
      ret = -ENOMEM;
      break;
    }
    tmp.vm_mm = <u32>changetype<usize>(mm);
    if (tmp.vm_flags & VM_LOCKED_MASK) {
      tmp.vm_flags &= ~VM_LOCKED_MASK;
      mm.flags |= MMF_UNMERGED_BY_FORK;
    }
    if (tmp.vm_flags & VM_WIPEONFORK) {
      tmp.anon_vma = 0;  // the child faults in fresh zeroed pages
    } else if (anon_vma_fork(tmp, mpnt)) {
      remove_vma(tmp);
      if (mpnt.vm_flags & VM_ACCOUNT) vm_unacct_memory(<i64>pages);
      ret = -ENOMEM;
      break;
    }
    vma_link(mm, tmp, prev);
    prev = tmp;
    if (!(tmp.vm_flags & VM_WIPEONFORK)) {
      ret = copy_page_range(tmp, mpnt);
      if (ret) break;
    }
  }
  // The parent's writable translations became read-only.
  flush_tlb_mm(oldmm);
  trace_exit(FN_dup_mmap, <u32>ret);
  return ret;
}

/**
 * fork's address space: a new mm copied from the one `parent` names
 * (dup_mm). The child starts with the parent's identity (pid, uid, comm,
 * oom_score_adj): the host gives it its own with set_task.
 * @return the child's mm handle, or 0 (ENOMEM, or a bad handle).
 */
export function mm_fork(parent: u32): u32 {
  const oldmm = mm_from_handle(parent);
  if (oldmm === null) return 0;
  const mm = mm_alloc();
  if (mm === null) return 0;
  dup_mm_struct(mm, oldmm);
  if (mpol_fork(mm) || dup_mmap(mm, oldmm)) {
    mmput(mm);
    return 0;
  }
  return <u32>changetype<usize>(mm);
}
