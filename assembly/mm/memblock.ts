// mm/memblock.c: the boot-time memory map. `memory` holds the RAM ranges,
// `reserved` what boot code took (the kernel image, mem_map, the zero page,
// the trace ring…). memblock_alloc carves from the top of free RAM, as
// Linux's default top-down allocation does, and memblock_free_all hands
// every range that is memory and not reserved to the buddy allocator, in
// the largest naturally aligned blocks.
//
// Regions are physical byte ranges (u64: 4 GiB does not fit a u32), kept
// sorted, disjoint and merged, in fixed arrays in the kernel image.

import { PAGE_SIZE, PAGE_SHIFT } from "./mm_types";
import { MAX_ORDER, pfn_to_page } from "./mmzone";
import { __free_pages_core } from "./page_alloc";
import { node_memblk_start, node_memblk_end } from "../arch/x86/mm/numa";

@inline const INIT_MEMBLOCK_REGIONS: u32 = 128;

@unmanaged
export class memblock_type {
  cnt: u32;
  _pad: u32;
  // regions[INIT_MEMBLOCK_REGIONS] of { base: u64, size: u64 } follow
}
@inline const REGIONS: usize = 8;
@inline const SIZEOF_TYPE: i32 = <i32>REGIONS + <i32>INIT_MEMBLOCK_REGIONS * 16;

export const memblock_memory = changetype<memblock_type>(memory.data(SIZEOF_TYPE, 8));
export const memblock_reserved = changetype<memblock_type>(memory.data(SIZEOF_TYPE, 8));

@inline function rgn_base(type: memblock_type, i: u32): u64 {
  return load<u64>(changetype<usize>(type) + REGIONS + (<usize>i << 4));
}
@inline function rgn_end(type: memblock_type, i: u32): u64 {
  const p = changetype<usize>(type) + REGIONS + (<usize>i << 4);
  return load<u64>(p) + load<u64>(p, 8);
}
@inline function set_rgn(type: memblock_type, i: u32, base: u64, end: u64): void {
  const p = changetype<usize>(type) + REGIONS + (<usize>i << 4);
  store<u64>(p, base);
  store<u64>(p, end - base, 8);
}

/** Adds [base, base + size) to a region type, merging with what it touches. */
function memblock_add_range(type: memblock_type, base: u64, size: u64): bool {
  if (size == 0) return true;
  let end = base + size;
  // Regions wholly before, then the ones that overlap or touch, then after.
  let i: u32 = 0;
  while (i < type.cnt && rgn_end(type, i) < base) i++;
  let j = i;
  while (j < type.cnt && rgn_base(type, j) <= end) {
    if (rgn_base(type, j) < base) base = rgn_base(type, j);
    if (rgn_end(type, j) > end) end = rgn_end(type, j);
    j++;
  }
  const merged = j - i;   // regions replaced by the new one
  if (merged == 0 && type.cnt == INIT_MEMBLOCK_REGIONS) return false;
  const tail = type.cnt - j;
  const first = changetype<usize>(type) + REGIONS + (<usize>i << 4);
  memory.copy(first + 16, first + (<usize>merged << 4), <usize>tail << 4);
  set_rgn(type, i, base, end);
  type.cnt = type.cnt - merged + 1;
  return true;
}

export function memblock_add(base: u64, size: u64): bool {
  return memblock_add_range(memblock_memory, base, size);
}

export function memblock_reserve(base: u64, size: u64): bool {
  return memblock_add_range(memblock_reserved, base, size);
}

/**
 * The free range with index idx (memory minus reserved), counting from
 * the bottom: free_start/free_end; false past the last one.
 */
let free_start: u64 = 0;
let free_end: u64 = 0;
function free_range(idx: u32): bool {
  let n: u32 = 0;
  const rsv = memblock_reserved;
  for (let m: u32 = 0; m < memblock_memory.cnt; m++) {
    const mbase = rgn_base(memblock_memory, m);
    const mend = rgn_end(memblock_memory, m);
    // Gaps between reserved regions: [end of r-1, base of r) for r = 0..cnt.
    for (let r: u32 = 0; r <= rsv.cnt; r++) {
      let start = r == 0 ? 0 : rgn_end(rsv, r - 1);
      let end = r == rsv.cnt ? <u64>-1 : rgn_base(rsv, r);
      if (start < mbase) start = mbase;
      if (end > mend) end = mend;
      if (start >= end) continue;
      if (n++ == idx) {
        free_start = start;
        free_end = end;
        return true;
      }
    }
  }
  return false;
}

function nr_free_ranges(): u32 {
  let n: u32 = 0;
  while (free_range(n)) n++;
  return n;
}

/**
 * Boot memory inside [min_addr, max_addr), highest free range first, not
 * cleared (memblock_alloc_range_nid). @return its physical address, or 0
 */
function memblock_alloc_range(size: u64, align: u64, min_addr: u64, max_addr: u64): usize {
  size = (size + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1);
  for (let idx = nr_free_ranges(); idx-- > 0;) {
    free_range(idx);
    const end = min(free_end, max_addr);
    const start = max(free_start, min_addr);
    if (end <= start || end - start < size) continue;
    const base = (end - size) & ~(align - 1);
    if (base < start) continue;
    if (base == 0 || !memblock_reserve(base, size)) return 0;
    return <usize>base;
  }
  return 0;
}

/** Boot memory anywhere, not cleared. @return its physical address, or 0 */
export function memblock_alloc_raw(size: u64, align: u64): usize {
  return memblock_alloc_range(size, align, 0, <u64>-1);
}

/** Boot memory on node nid, cleared (memblock_alloc_try_nid). @return its physical address, or 0 */
export function memblock_alloc_try_nid(size: u64, align: u64, nid: u32): usize {
  const p = memblock_alloc_range(size, align, <u64>node_memblk_start(nid) << PAGE_SHIFT,
                                 <u64>node_memblk_end(nid) << PAGE_SHIFT);
  if (p) memory.fill(p, 0, <usize>size);
  return p;
}

/** Boot memory, cleared. @return its physical address, or 0 */
export function memblock_alloc(size: u64, align: u64): usize {
  const p = memblock_alloc_raw(size, align);
  if (p) memory.fill(p, 0, <usize>size);
  return p;
}

/** Frees [start, end) pfns in the largest aligned blocks that fit. */
function __free_pages_memory(start: u32, end: u32): void {
  while (start < end) {
    let order = min<u32>(MAX_ORDER - 1, ctz(start));
    while (start + (1 << order) > end) order--;
    __free_pages_core(pfn_to_page(start), order);
    start += 1 << order;
  }
}

/**
 * Releases all free memory to the buddy allocator.
 * @return the number of pages released
 */
export function memblock_free_all(): u32 {
  let pages: u32 = 0;
  for (let idx: u32 = 0; free_range(idx); idx++) {
    const start = <u32>((free_start + PAGE_SIZE - 1) >> PAGE_SHIFT);
    const end = <u32>(free_end >> PAGE_SHIFT);
    if (start >= end) continue;
    __free_pages_memory(start, end);
    pages += end - start;
  }
  return pages;
}
