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
  lruvec, NODE_DATA, node_lruvec, page_to_nid, LRU_ACTIVE_FILE, LRU_INACTIVE_FILE, LRU_ACTIVE_ANON, LRU_INACTIVE_ANON,
  WORKINGSET_REFAULT_ANON, WORKINGSET_ACTIVATE_ANON, WORKINGSET_RESTORE_ANON,
} from "./mmzone";
import { MAX_NUMNODES, NODES_SHIFT } from "../include/numa";
import { folio_lruvec, folio_is_file_lru, lruvec_stat_mod_folio, lruvec_lru_size } from "./swap";
import { nr_swap_pages } from "./swapfile";

/**
 * A shadow entry in a cache slot: bit 31 set (pfns stay below it), the
 * workingset bit, the evicting node's clock, the node (pack_shadow).
 */
@inline export const SHADOW_VALUE: u32 = 0x80000000;
@inline const SHADOW_WORKINGSET: u32 = 0x40000000;
@inline const EVICTION_MASK: u64 = 0x3fffffff >> NODES_SHIFT;

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
  return SHADOW_VALUE | ((pg.flags & PG_workingset) ? SHADOW_WORKINGSET : 0) | (eviction << NODES_SHIFT) | page_to_nid(pg);
}

/**
 * A page comes back where its shadow was (workingset_refault): counted as
 * a refault, and activated when its refault distance, on the clock of the
 * node that evicted it, fits in the memory it competes with there.
 */
export function workingset_refault(pg: page, shadow: u32): void {
  const lv = folio_lruvec(pg);
  const eviction_lruvec = node_lruvec(NODE_DATA(shadow & (MAX_NUMNODES - 1)));
  const file = folio_is_file_lru(pg);
  const base: u32 = file ? 1 : 0;
  const eviction = <u64>((shadow >> NODES_SHIFT) & <u32>EVICTION_MASK);
  const refault = eviction_lruvec.nonresident_age;
  const refault_distance = (refault - eviction) & EVICTION_MASK;
  lruvec_stat_mod_folio(pg, WORKINGSET_REFAULT_ANON + base, 1);
  let workingset_size = lruvec_lru_size(eviction_lruvec, LRU_ACTIVE_FILE);
  if (!file) workingset_size += lruvec_lru_size(eviction_lruvec, LRU_INACTIVE_FILE);
  if (nr_swap_pages > 0) {
    workingset_size += lruvec_lru_size(eviction_lruvec, LRU_ACTIVE_ANON);
    if (file) workingset_size += lruvec_lru_size(eviction_lruvec, LRU_INACTIVE_ANON);
  }
  if (refault_distance > workingset_size) return;
  pg.flags |= PG_active;
  workingset_age_nonresident(lv, 1);
  lruvec_stat_mod_folio(pg, WORKINGSET_ACTIVATE_ANON + base, 1);
  if (shadow & SHADOW_WORKINGSET) {
    pg.flags |= PG_workingset;
    lruvec_stat_mod_folio(pg, WORKINGSET_RESTORE_ANON + base, 1);
  }
}
