// mm/mlock.c: mlock, mlock2, munlock, mlockall, munlockall, and the
// mlocked pages. The VMAs of the range get VM_LOCKED (and VM_LOCKONFAULT)
// or lose them, split out or merged as mprotect's are, and locked_vm counts
// them against RLIMIT_MEMLOCK (unless the task is root: CAP_IPC_LOCK).
// A page a VM_LOCKED VMA maps is PG_mlocked (NR_MLOCK) and unevictable:
// mlock_folio, mlock_new_folio (a page faulted into such a VMA) and
// munlock_folio (a mapping going, or munlock) take it to or from the
// unevictable LRU through a per-CPU batch, as Linux does, and its
// mlock_count counts the locked VMAs mapping it (an undercount is
// corrected by reclaim, which mlocks a page it finds in a VM_LOCKED VMA).

import { mm_struct, vm_area_struct, page, PAGE_SHIFT, PAGE_SIZE, PG_lru, PG_active, PG_head, PG_mlocked, PG_unevictable,
  VM_LOCKED, VM_LOCKONFAULT, VM_LOCKED_MASK, VM_SPECIAL } from "./mm_types";
import { current_mm, arg64, mm_populate } from "./mmap";
import { find_vma, vma_next, vma_modify_flags } from "./vma";
import { walk_pmd_range, vm_normal_page } from "./memory";
import { get_page, put_page } from "./page_alloc";
import { page_zone, pfn_to_page } from "./mmzone";
import { NR_MLOCK } from "./mmzone";
import { pte_offset, pte_present, pmd_trans_huge, pmd_pfn, PAGE_MASK } from "./pgtable";
import { folio_lruvec, folio_evictable, folio_nr_pages, folio_mlock_count, folio_set_mlock_count, lruvec_add_folio,
  lruvec_del_folio, lru_add_drain } from "./swap";
import { FOLIO_BATCH_SIZE } from "../include/pagevec";
import { mod_zone_page_state, __count_vm_events, UNEVICTABLE_PGCULLED, UNEVICTABLE_PGRESCUED, UNEVICTABLE_PGMLOCKED,
  UNEVICTABLE_PGMUNLOCKED, UNEVICTABLE_PGSTRANDED } from "./vmstat";
import { TASK_SIZE } from "../arch/x86/mm/mmap";
import { ENOMEM, EINVAL, EPERM } from "../include/errno";

@inline const MLOCK_ONFAULT: u32 = 0x01;
@inline const MCL_CURRENT: u32 = 1;
@inline const MCL_FUTURE: u32 = 2;
@inline const MCL_ONFAULT: u32 = 4;

/** capable(CAP_IPC_LOCK): the task is root, whom RLIMIT_MEMLOCK does not limit. */
@inline export function capable_ipc_lock(mm: mm_struct): bool { return mm.uid == 0; }

/** The task may lock memory at all: a nonzero RLIMIT_MEMLOCK, or root (can_do_mlock). */
@inline export function can_do_mlock(mm: mm_struct): bool { return mm.rlim_memlock != 0 || capable_ipc_lock(mm); }

// ─── the mlocked pages ─────────────────────────────────────────────────────

/** mlock_fbatch (one CPU): page pointers, the low bits saying what to do with each. */
const mlock_fbatch: usize = memory.data(<i32>FOLIO_BATCH_SIZE << 2, 4);
let mlock_fbatch_nr: u32 = 0;
@inline const LRU_FOLIO: u32 = 0x1;   // mlock a page on (or off) the LRU
@inline const NEW_FOLIO: u32 = 0x2;   // mlock a new page not yet on the LRU
// neither: munlock

/** Culls an mlocked page on the LRU to the unevictable list, or counts one more mlock of it (__mlock_folio). */
function __mlock_folio(pg: page): void {
  // Off the LRU (isolated): nothing more to do now; putback sees PG_mlocked.
  if (!(pg.flags & PG_lru)) return;
  const lv = folio_lruvec(pg);
  if (folio_evictable(pg)) {
    // Munlocked meanwhile: if unevictable, back to the evictable lists.
    if (pg.flags & PG_unevictable) {
      lruvec_del_folio(lv, pg);
      pg.flags &= ~PG_unevictable;
      lruvec_add_folio(lv, pg);
      __count_vm_events(UNEVICTABLE_PGRESCUED, folio_nr_pages(pg));
    }
    return;
  }
  if (pg.flags & PG_unevictable) {
    folio_set_mlock_count(pg, folio_mlock_count(pg) + 1);
    return;
  }
  lruvec_del_folio(lv, pg);
  pg.flags = (pg.flags & ~PG_active) | PG_unevictable;
  lruvec_add_folio(lv, pg);
  folio_set_mlock_count(pg, 1);
  __count_vm_events(UNEVICTABLE_PGCULLED, folio_nr_pages(pg));
}

/** A new mlocked page joins the unevictable list with one mlock (__mlock_new_folio). */
function __mlock_new_folio(pg: page): void {
  if (!folio_evictable(pg)) {
    pg.flags |= PG_unevictable;
    __count_vm_events(UNEVICTABLE_PGCULLED, folio_nr_pages(pg));
  }
  pg.flags |= PG_lru;
  lruvec_add_folio(folio_lruvec(pg), pg);
  if (pg.flags & PG_unevictable) folio_set_mlock_count(pg, 1);
}

/**
 * One mlock fewer (__munlock_folio): the last clears PG_mlocked and
 * rescues the page to the evictable lists. A page off the LRU loses
 * PG_mlocked at once; if it was unevictable, it is stranded there until
 * its putback sees it evictable.
 */
function __munlock_folio(pg: page): void {
  const nr_pages = folio_nr_pages(pg);
  const isolated = (pg.flags & PG_lru) != 0;
  if (isolated && (pg.flags & PG_unevictable)) {
    // the mlock_count is kept, but may undercount
    let count = folio_mlock_count(pg);
    if (count) folio_set_mlock_count(pg, --count);
    if (count) return;
  }
  // else assume that was the last mlock: reclaim fixes it if not
  if (pg.flags & PG_mlocked) {
    pg.flags &= ~PG_mlocked;
    mod_zone_page_state(page_zone(pg), NR_MLOCK, -nr_pages);
    __count_vm_events(isolated || !(pg.flags & PG_unevictable) ? UNEVICTABLE_PGMUNLOCKED : UNEVICTABLE_PGSTRANDED, nr_pages);
  }
  // folio_evictable has to be checked after PG_mlocked is cleared
  if (isolated && (pg.flags & PG_unevictable) && folio_evictable(pg)) {
    const lv = folio_lruvec(pg);
    lruvec_del_folio(lv, pg);
    pg.flags &= ~PG_unevictable;
    lruvec_add_folio(lv, pg);
    __count_vm_events(UNEVICTABLE_PGRESCUED, nr_pages);
  }
}

/** Does what the batch asks for each page, then drops the batch's references (mlock_folio_batch). */
function mlock_folio_batch(): void {
  const n = mlock_fbatch_nr;
  mlock_fbatch_nr = 0;
  for (let i: u32 = 0; i < n; i++) {
    const entry = load<u32>(mlock_fbatch + (<usize>i << 2));
    const pg = changetype<page>(<usize>(entry & ~(LRU_FOLIO | NEW_FOLIO)));
    if (entry & LRU_FOLIO) __mlock_folio(pg);
    else if (entry & NEW_FOLIO) __mlock_new_folio(pg);
    else __munlock_folio(pg);
  }
  for (let i: u32 = 0; i < n; i++) put_page(changetype<page>(<usize>(load<u32>(mlock_fbatch + (<usize>i << 2)) & ~(LRU_FOLIO | NEW_FOLIO))));
}

/** Empties this CPU's mlock batch (mlock_drain_local; lru_add_drain calls it). */
export function mlock_drain_local(): void {
  if (mlock_fbatch_nr) mlock_folio_batch();
}

/** Queues the page with a reference; a full batch, or a THP, is done at once (folio_batch_add). */
function mlock_fbatch_add(pg: page, how: u32): void {
  get_page(pg);
  store<u32>(mlock_fbatch + (<usize>mlock_fbatch_nr << 2), <u32>changetype<usize>(pg) | how);
  if (++mlock_fbatch_nr == FOLIO_BATCH_SIZE || (pg.flags & PG_head)) mlock_folio_batch();
}

/** Mlocks a page on (or for now off) the LRU (mlock_folio). */
export function mlock_folio(pg: page): void {
  if (!(pg.flags & PG_mlocked)) {
    pg.flags |= PG_mlocked;
    const nr_pages = folio_nr_pages(pg);
    mod_zone_page_state(page_zone(pg), NR_MLOCK, nr_pages);
    __count_vm_events(UNEVICTABLE_PGMLOCKED, nr_pages);
  }
  mlock_fbatch_add(pg, LRU_FOLIO);
}

/** Mlocks a new page not yet on the LRU, instead of folio_add_lru (mlock_new_folio). */
export function mlock_new_folio(pg: page): void {
  const nr_pages = folio_nr_pages(pg);
  pg.flags |= PG_mlocked;
  mod_zone_page_state(page_zone(pg), NR_MLOCK, nr_pages);
  __count_vm_events(UNEVICTABLE_PGMLOCKED, nr_pages);
  mlock_fbatch_add(pg, NEW_FOLIO);
}

/** Munlocks a page; whether it stays mlocked is __munlock_folio's to say (munlock_folio). */
export function munlock_folio(pg: page): void {
  mlock_fbatch_add(pg, 0);
}

/** A page is mapped in vma: mlocked if vma is (mlock_vma_folio). */
@inline export function mlock_vma_folio(pg: page, vma: vm_area_struct): void {
  if ((vma.vm_flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED) mlock_folio(pg);
}

/** A page's mapping in vma goes: munlocked if vma is locked (munlock_vma_folio). */
@inline export function munlock_vma_folio(pg: page, vma: vm_area_struct): void {
  if (vma.vm_flags & VM_LOCKED) munlock_folio(pg);
}

// The VMA mlock_pte_range walks (no closures).
let walk_vma: vm_area_struct = changetype<vm_area_struct>(0);

/** Mlocks or munlocks, as the VMA's flags now say, each page mapped in [addr, end) of one pmd (mlock_pte_range). */
function mlock_pte_range(pmd: usize, addr: u64, end: u64): void {
  const locked = (walk_vma.vm_flags & VM_LOCKED) != 0;
  const pmdval = load<u64>(pmd);
  if (pmd_trans_huge(pmdval)) {
    const head = pfn_to_page(pmd_pfn(pmdval));
    if (locked) mlock_folio(head);
    else munlock_folio(head);
    return;
  }
  let pte = pte_offset(pmd, addr);
  for (; addr != end; addr += PAGE_SIZE, pte += 8) {
    const v = load<u64>(pte);
    if (!pte_present(v)) continue;
    const pg = vm_normal_page(v);
    if (pg === null) continue;
    if (locked) mlock_folio(pg);
    else munlock_folio(pg);
  }
}

/**
 * After the VMA gained or lost VM_LOCKED: mlocks the pages already
 * mapped in [start, end), or munlocks every one (mlock_vma_pages_range).
 */
function mlock_vma_pages_range(vma: vm_area_struct, start: u64, end: u64): void {
  lru_add_drain();
  walk_vma = vma;
  walk_pmd_range(changetype<mm_struct>(vma.vm_mm), start, end, mlock_pte_range);
  lru_add_drain();
}

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
  // locked before and after: no work to do, and mlocking twice would be wrong
  if (!((newflags & VM_LOCKED) && (oldflags & VM_LOCKED))) mlock_vma_pages_range(result, start, end);
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
  if (!can_do_mlock(mm)) return -EPERM;
  len = (len + (start & (PAGE_SIZE - 1)) + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1);
  start &= ~(<u64>PAGE_SIZE - 1);
  const lock_limit = mm.rlim_memlock >> PAGE_SHIFT;
  let locked = (len >> PAGE_SHIFT) + mm.locked_vm;
  if (locked > lock_limit && !capable_ipc_lock(mm)) locked -= count_mm_mlocked_page_nr(mm, start, len);
  if (locked > lock_limit && !capable_ipc_lock(mm)) return -ENOMEM;
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
  if (!can_do_mlock(mm)) return -EPERM;
  if ((flags & MCL_CURRENT) && mm.total_vm > (mm.rlim_memlock >> PAGE_SHIFT) && !capable_ipc_lock(mm)) return -ENOMEM;
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
