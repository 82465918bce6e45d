// mm/debug.c and CONFIG_DEBUG_VM: dump_page, bad_page, VM_BUG_ON_PAGE and the
// buddy allocator's invariant checker.
//
// check_invariants() walks every free list and per-cpu list and the whole
// mem_map, and printk's each violation as "function: reason (pfn …)":
//   - a free block is aligned to its order, inside its zone, PG_buddy with
//     its order, refcount 0, on exactly one list of its order;
//   - no two free blocks overlap (pages are marked while walking);
//   - no two free buddies are left unmerged at the same order;
//   - nr_free matches each area's lists; NR_FREE_PAGES matches the zone's
//     free pages and the global counter the zones; pcp->count its lists;
//   - free + on pcp lists + allocated + reserved = all pages, where
//     allocated = pgalloc - pgfree + managed (boot frees count as pgfree,
//     as in Linux);
//   - every address space's VMA set and vm counters (validate_mm, below);
//   - every address space's page tables against the pages they map, the
//     _mapcounts and the RSS counters (mm/page_table_check.ts);
//   - the reverse map: every mapped anonymous page's _mapcount equals the
//     ptes rmap_walk finds for it, and the anon_vma chains are whole (mm/rmap.ts);
//   - the page cache: its pages, their references and nr_file_pages (mm/filemap.ts);
//   - the LRU: each page on at most one list, the right one, and counted (mm/swap.ts);
//   - swap: each slot's swap_map count equals the swap ptes of every mm naming
//     it, plus SWAP_HAS_CACHE exactly when the swap cache holds its page
//     (mm/page_table_check.ts takes the census, mm/swapfile.ts compares).

import { page, PAGE_SIZE, PG_buddy, PG_pcp, PG_reserved, mm_struct, vm_area_struct, VM_GROWSDOWN, VM_LOCKED, MMF_UNMERGED_BY_FORK } from "./mm_types";
import {
  MAX_ORDER, MIGRATE_TYPES, MAX_NR_ZONES, NR_PCP_LISTS, NR_FREE_PAGES,
  zone, NODE_DATA, node_zone, zone_free_area, free_list, zone_pcp, pcp_list,
  pindex_to_order, lru_to_page, pfn_to_page, page_to_pfn, page_zonenum, nth_page, page_address,
  zone_spans_pfn, zone_end_pfn, max_pfn, ZONE_VM_STAT, nr_online_nodes, page_to_nid, zone_numa_event,
  NR_VM_NUMA_EVENT_ITEMS, NUMA_HIT, NUMA_MISS, NUMA_FOREIGN, NUMA_LOCAL, NUMA_OTHER,
} from "./mmzone";
import { vm_numa_event } from "./page_alloc";
import { vm_event, vm_zone_stat, vm_node_stat, PGALLOC_DMA, PGFREE } from "./vmstat";
import { printk, printk_u64, printk_hex, panic } from "../kernel/panic";
import { mmlist_first, is_exec_mapping, is_stack_mapping, is_data_mapping } from "./mmap";
import { first_vma, vma_next, vma_of, can_vma_merge_after } from "./vma";
import { offset_in_page, vma_pages } from "../include/mm";
import { TASK_SIZE } from "../arch/x86/mm/mmap";
import { vm_get_page_prot } from "./pgtable";
import { file_from_handle } from "./filemap";
import { rb_parent, rb_is_black } from "../lib/rbtree";
import { check_rmap } from "./rmap";
import { check_page_tables } from "./page_table_check";
import { filemap_check } from "./filemap";
import { NR_FILE_PAGES, NR_SWAPCACHE, NR_SHMEM } from "./mmzone";
import { check_lru } from "./swap";
import { check_swap_map } from "./swapfile";

// A scratch flag the checker sets on pages it has seen, and clears again.
@inline const PG_debug_seen: u32 = 1 << 23;

function printk_i64(v: i64): void {
  if (v < 0) {
    printk("-");
    printk_u64(<u64>(-v));
  } else {
    printk_u64(<u64>v);
  }
}

/** Prints what a struct page holds, and why it is shown. */
export function dump_page(p: page, reason: string): void {
  printk("page: refcount:");
  printk_i64(p._refcount);
  printk(" mapcount:");
  printk_i64(<i64>p._mapcount + 1);   // Linux shows _mapcount + 1
  printk(" mapping:");
  printk_hex(p.mapping);
  printk(" index:");
  printk_hex(p.index);
  printk(" pfn:");
  printk_hex(page_to_pfn(p));
  printk("\nflags: ");
  printk_hex(p.flags);
  printk("\npage dumped because: ");
  printk(reason);
  printk("\n");
}

/** A page in a state it must not be in: report it; the caller keeps it out of use. */
export function bad_page(p: page, reason: string): void {
  printk("BUG: Bad page state: pfn:");
  printk_hex(page_to_pfn(p));
  printk("\n");
  dump_page(p, reason);
  p._mapcount = -1;  // page_mapcount_reset: the other fields stay for debugging
}

/** Debug builds only: a broken invariant is a kernel bug. */
@inline export function VM_BUG_ON_PAGE(cond: bool, p: page, reason: string): void {
  if (CONFIG_DEBUG_VM) {
    if (cond) {
      dump_page(p, reason);
      panic(reason);
    }
  }
}

/**
 * Debug builds only: a page handed out as PG_zeroed, uncleared, must hold
 * zeros still, as page poisoning checks its pattern (check_poison_mem). The
 * check reads the page: on cold RAM, one more host fault for each.
 */
@inline export function check_zeroed_page(p: page): void {
  if (CONFIG_DEBUG_VM) {
    const a = page_address(p);
    let bits: u64 = 0;
    for (let off: usize = 0; off < PAGE_SIZE; off += 8) bits |= load<u64>(a + off);
    VM_BUG_ON_PAGE(bits != 0, p, "PG_zeroed page not zero");
  }
}

/** One line of a checker that found page `p` in the wrong state: "<prefix><what> pfn:<hex>". */
export function report_page(prefix: string, what: string, p: page): void {
  printk(prefix);
  printk(what);
  printk(" pfn:");
  printk_hex(page_to_pfn(p));
  printk("\n");
}

let violations: i32 = 0;

function violation(fn: string, reason: string, pfn: u32, order: u32): void {
  printk(fn);
  printk(": ");
  printk(reason);
  printk(" (pfn ");
  printk_hex(pfn);
  printk(", order ");
  printk_u64(order);
  printk(")\n");
  violations++;
}

/** Walks a list from its head; false (and a violation) if it is broken. */
function list_broken(fn: string, head: usize, limit: u32): bool {
  let prev = head;
  let entry = <usize>load<u32>(head);
  for (let n: u32 = 0; entry != head; n++) {
    if (n > limit || entry == 0 || <usize>load<u32>(entry, 4) != prev) {
      violation(fn, "list corrupted", 0, 0);
      return true;
    }
    prev = entry;
    entry = <usize>load<u32>(entry);
  }
  return false;
}

/** Marks a block's pages as seen; false if some page was already seen (overlap). */
function mark_block(fn: string, head: page, order: u32): bool {
  const nr: u32 = 1 << order;
  for (let i: u32 = 0; i < nr; i++) {
    const p = nth_page(head, i);
    if (p.flags & PG_debug_seen) {
      violation(fn, "free blocks overlap", page_to_pfn(p), order);
      return false;
    }
    if (i > 0 && (p.flags & PG_buddy)) violation(fn, "PG_buddy inside a free block", page_to_pfn(p), order);
    p.flags |= PG_debug_seen;
  }
  return true;
}

/** The buddy lists of one zone. @return the free pages found. */
function check_free_area(z: zone): u64 {
  let free: u64 = 0;
  for (let order: u32 = 0; order < MAX_ORDER; order++) {
    const area = zone_free_area(z, order);
    let blocks: u32 = 0;
    for (let mt: u32 = 0; mt < MIGRATE_TYPES; mt++) {
      const head = free_list(area, mt);
      if (list_broken("check_free_area", head, z.spanned_pages)) continue;
      for (let e = <usize>load<u32>(head); e != head; e = <usize>load<u32>(e)) {
        const p = lru_to_page(e);
        const pfn = page_to_pfn(p);
        blocks++;
        if (!zone_spans_pfn(z, pfn) || pfn + (1 << order) > zone_end_pfn(z) || page_zonenum(p) != z.zone_idx) {
          violation("check_free_area", "free block outside its zone", pfn, order);
          continue;
        }
        if (pfn & ((1 << order) - 1)) violation("check_free_area", "free block not aligned to its order", pfn, order);
        if (!(p.flags & PG_buddy)) violation("check_free_area", "free block without PG_buddy", pfn, order);
        if (<u32>p.private_ != order) violation("check_free_area", "free block on the list of another order", pfn, order);
        if (p._refcount != 0) violation("check_free_area", "free block with nonzero refcount", pfn, order);
        if (p.flags & (PG_reserved | PG_pcp)) violation("check_free_area", "free block reserved or on a pcp list", pfn, order);
        if (!mark_block("check_free_area", p, order)) continue;
        free += <u64>1 << order;
        if (order < MAX_ORDER - 1) {
          const buddy_pfn = pfn ^ (1 << order);
          if (buddy_pfn < max_pfn) {
            const b = pfn_to_page(buddy_pfn);
            if ((b.flags & PG_buddy) && <u32>b.private_ == order && page_zonenum(b) == z.zone_idx
                && buddy_pfn < pfn) {
              violation("check_free_area", "free buddies left unmerged", pfn, order);
            }
          }
        }
      }
    }
    if (blocks != area.nr_free) violation("check_free_area", "nr_free does not match the free lists", 0, order);
  }
  return free;
}

/** The per-cpu lists of one zone. @return the pages on them. */
function check_pcp(z: zone): u64 {
  const pcp = zone_pcp(z);
  let pages: u64 = 0;
  for (let pindex: u32 = 0; pindex < NR_PCP_LISTS; pindex++) {
    const head = pcp_list(pcp, pindex);
    if (list_broken("check_pcp", head, z.spanned_pages)) continue;
    const order = pindex_to_order(pindex);
    for (let e = <usize>load<u32>(head); e != head; e = <usize>load<u32>(e)) {
      const p = lru_to_page(e);
      const pfn = page_to_pfn(p);
      if (!zone_spans_pfn(z, pfn) || page_zonenum(p) != z.zone_idx) {
        violation("check_pcp", "pcp page outside its zone", pfn, order);
        continue;
      }
      if (!(p.flags & PG_pcp) || (p.flags & PG_buddy)) violation("check_pcp", "pcp page flags wrong", pfn, order);
      if (pfn & ((1 << order) - 1)) violation("check_pcp", "pcp block not aligned to its order", pfn, order);
      if (<u32>p.private_ != order) violation("check_pcp", "pcp block on the list of another order", pfn, order);
      if (!mark_block("check_pcp", p, order)) continue;
      pages += <u64>1 << order;
    }
  }
  if (pages != <u64>pcp.count) violation("check_pcp", "pcp->count does not match the pcp lists", 0, 0);
  return pages;
}

/**
 * The NUMA counters agree: each zone's hits and misses are its local and
 * other allocations, all misses are some zone's foreign, and the global
 * sums are the zones' (zone_statistics counts each allocation once).
 */
function check_numa_events(): void {
  if (!vm_numa_event) return;
  let miss: u64 = 0;
  let foreign: u64 = 0;
  for (let item: u32 = 0; item < NR_VM_NUMA_EVENT_ITEMS; item++) {
    let sum: u64 = 0;
    for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
      for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) {
        const z = node_zone(NODE_DATA(nid), zid);
        sum += load<u64>(zone_numa_event(z, item));
      }
    }
    if (sum != load<u64>(vm_numa_event + (<usize>item << 3))) violation("check_numa_events", "vm_numa_event is not the sum of the zones'", item, 0);
    if (item == NUMA_MISS) miss = sum;
    if (item == NUMA_FOREIGN) foreign = sum;
  }
  if (miss != foreign) violation("check_numa_events", "numa_miss != numa_foreign", 0, 0);
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
    for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) {
      const z = node_zone(NODE_DATA(nid), zid);
      const hm = load<u64>(zone_numa_event(z, NUMA_HIT)) + load<u64>(zone_numa_event(z, NUMA_MISS));
      const lo = load<u64>(zone_numa_event(z, NUMA_LOCAL)) + load<u64>(zone_numa_event(z, NUMA_OTHER));
      if (hm != lo) violation("check_numa_events", "numa_hit + numa_miss != numa_local + numa_other", nid, zid);
    }
  }
}

/** Checks the allocator's invariants. @return the number of violations (each printk'd). */
export function check_invariants(): i32 {
  violations = 0;
  let free_total: u64 = 0;
  let pcp_total: u64 = 0;
  let managed: u64 = 0;
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
    const pgdat = NODE_DATA(nid);
    for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) {
      const z = node_zone(pgdat, zid);
      if (!z.present_pages) continue;
      const free = check_free_area(z);
      const nr_free_pages = load<i64>(changetype<usize>(z) + ZONE_VM_STAT + (<usize>NR_FREE_PAGES << 3));
      if (<i64>free != nr_free_pages) violation("check_free_area", "NR_FREE_PAGES does not match the free lists", 0, 0);
      free_total += free;
      pcp_total += check_pcp(z);
      managed += z.managed_pages;
    }
  }
  check_numa_events();
  if (<i64>free_total != load<i64>(vm_zone_stat + (<usize>NR_FREE_PAGES << 3))) {
    violation("check_invariants", "global NR_FREE_PAGES does not match the zones", 0, 0);
  }
  // Every PG_buddy / PG_pcp page was reached from a list; clear the marks.
  let reserved: u64 = 0;
  let nid: u32 = 0;
  for (let pfn: u32 = 0; pfn < max_pfn; pfn++) {
    const p = pfn_to_page(pfn);
    const f = p.flags;
    // Each page carries the node whose range holds it.
    while (pfn >= NODE_DATA(nid).node_start_pfn + NODE_DATA(nid).node_spanned_pages) nid++;
    if (page_to_nid(p) != nid) violation("check_invariants", "page's node is not the node spanning it", pfn, 0);
    if (f & PG_reserved) reserved++;
    if (f & PG_debug_seen) {
      p.flags = f & ~PG_debug_seen;
    } else if (f & (PG_buddy | PG_pcp)) {
      violation("check_invariants", "PG_buddy or PG_pcp page on no list", pfn, p.private_);
    }
  }
  if (reserved + managed != <u64>max_pfn) {
    violation("check_invariants", "reserved + managed pages != all pages", 0, 0);
  }
  let pgalloc: u64 = 0;
  for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) pgalloc += vm_event(PGALLOC_DMA + zid);
  const allocated = <i64>pgalloc - <i64>vm_event(PGFREE) + <i64>managed;
  if (<i64>(free_total + pcp_total + reserved) + allocated != <i64>max_pfn) {
    violation("check_invariants", "free + pcp + allocated + reserved != all pages", 0, 0);
  }
  violations += validate_all_mms();
  violations += check_page_tables();
  violations += check_rmap(mmlist_first());
  // Swap-cache pages count in nr_file_pages, as in Linux.
  violations += filemap_check(load<u64>(vm_node_stat + (<usize>NR_FILE_PAGES << 3)) - load<u64>(vm_node_stat + (<usize>NR_SWAPCACHE << 3)),
    load<u64>(vm_node_stat + (<usize>NR_SHMEM << 3)));
  violations += check_lru(PG_debug_seen);
  violations += check_swap_map();
  return violations;
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
          && can_vma_merge_after(prev, vma.vm_flags, vma.vm_file, vma.vm_pgoff, vma.vm_policy))
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
  for (let m = changetype<usize>(mmlist_first()); m; m = <usize>changetype<mm_struct>(m).mmlist) errors += validate_mm(changetype<mm_struct>(m));
  return errors;
}
