// mm/workingset.c: telling a refault of a page reclaim evicted recently
// (its working set did not fit) from a first access. Every eviction and
// activation ticks the lruvec's nonresident_age clock; an evicted page
// leaves a shadow entry with the clock's value where it was cached (the
// page cache's index, or the swap cache's slot). When the page faults
// back in, the distance the clock moved meanwhile is how many pages would
// have been needed to keep it: if that fits in the memory it competes
// with, it is activated at once (workingset_activate), and if it was
// active when evicted, restored (workingset_restore).

import { page, PG_active, PG_workingset } from "./mm_types";
import {
  lruvec, NR_ACTIVE_FILE, NR_INACTIVE_FILE, NR_ACTIVE_ANON, NR_INACTIVE_ANON,
  WORKINGSET_REFAULT_ANON, WORKINGSET_ACTIVATE_ANON, WORKINGSET_RESTORE_ANON,
} from "./mmzone";
import { mod_node_page_state } from "./vmstat";
import { folio_lruvec, folio_is_file_lru, node_page_state } from "./swap";
import { nr_swap_pages } from "./swapfile";

/** A shadow entry in a cache slot: bit 31 set (pfns stay below it), the workingset bit, the clock. */
@inline export const SHADOW_VALUE: u32 = 0x80000000;
@inline const SHADOW_WORKINGSET: u32 = 0x40000000;
@inline const EVICTION_MASK: u64 = 0x3fffffff;

/** Whether a cache slot's value is a shadow rather than a page (xa_is_value). */
@inline export function xa_is_value(v: u32): bool { return (v & SHADOW_VALUE) != 0; }

/** Ticks the clock: nr pages were evicted or activated (workingset_age_nonresident). */
@inline export function workingset_age_nonresident(lv: lruvec, nr: u64): void {
  lv.nonresident_age += nr;
}

/** The shadow a page leaves when reclaim evicts it (workingset_eviction). */
export function workingset_eviction(pg: page): u32 {
  const lv = folio_lruvec(pg);
  workingset_age_nonresident(lv, 1);
  const eviction = <u32>(lv.nonresident_age & EVICTION_MASK);
  return SHADOW_VALUE | ((pg.flags & PG_workingset) ? SHADOW_WORKINGSET : 0) | eviction;
}

/**
 * A page comes back where its shadow was (workingset_refault): counted as
 * a refault, and activated when its refault distance fits in the memory
 * it competes with.
 */
export function workingset_refault(pg: page, shadow: u32): void {
  const lv = folio_lruvec(pg);
  const file = folio_is_file_lru(pg);
  const base: u32 = file ? 1 : 0;
  const eviction = <u64>(shadow & <u32>EVICTION_MASK);
  const refault = lv.nonresident_age;
  const refault_distance = (refault - eviction) & EVICTION_MASK;
  mod_node_page_state(WORKINGSET_REFAULT_ANON + base, 1);
  let workingset_size = node_page_state(NR_ACTIVE_FILE);
  if (!file) workingset_size += node_page_state(NR_INACTIVE_FILE);
  if (nr_swap_pages > 0) {
    workingset_size += node_page_state(NR_ACTIVE_ANON);
    if (file) workingset_size += node_page_state(NR_INACTIVE_ANON);
  }
  if (refault_distance > workingset_size) return;
  pg.flags |= PG_active;
  workingset_age_nonresident(lv, 1);
  mod_node_page_state(WORKINGSET_ACTIVATE_ANON + base, 1);
  if (shadow & SHADOW_WORKINGSET) {
    pg.flags |= PG_workingset;
    mod_node_page_state(WORKINGSET_RESTORE_ANON + base, 1);
  }
}
