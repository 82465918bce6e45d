// include/linux/mm_types.h: struct page, one per page frame, in mem_map.
//
// Linux spends 64 bytes a page; we spend 32, by keeping list links and the
// mapping as 32-bit linear-memory pointers (wasm32: RAM <= 4 GiB) and the
// small per-state fields as 16-bit halves of one word.
//
//  ╒═════════ struct page (32 bytes) ═══════════════════════════════════╕
//   0  flags      u32  PG_* bits [0..23], zone [24..25], node [26..27]
//   4  _refcount  i32  0 = free or unused
//   8  lru.next   u32  -> next page's lru (or a list head), buddy/pcp lists
//  12  lru.prev   u32
//  16  private_   u16  buddy order (PG_buddy) / migratetype (on a pcp list)
//  18  _mapcount  i16  -1 = mapped by no PTE
//  20  mapping    u32  anon: mm_struct pointer | PAGE_MAPPING_ANON
//  24  index      u64  anon: page offset in the mapping (va >> PAGE_SHIFT)
//  ╘════════════════════════════════════════════════════════════════════╛

// @ts-ignore: decorator
@inline export const PAGE_SHIFT: u32 = 12;
// @ts-ignore: decorator
@inline export const PAGE_SIZE: u32 = 1 << PAGE_SHIFT;
// @ts-ignore: decorator
@inline export const SIZEOF_PAGE: u32 = 32;

// Page flags (include/linux/page-flags.h), the ones this kernel uses.
// @ts-ignore: decorator
@inline export const PG_locked: u32 = 1 << 0;
// @ts-ignore: decorator
@inline export const PG_reserved: u32 = 1 << 1;   // memblock-reserved, never in the buddy
// @ts-ignore: decorator
@inline export const PG_buddy: u32 = 1 << 2;      // head of a free buddy block
// @ts-ignore: decorator
@inline export const PG_head: u32 = 1 << 3;       // head of a compound (THP) page
// @ts-ignore: decorator
@inline export const PG_tail: u32 = 1 << 4;       // tail of a compound page
// @ts-ignore: decorator
@inline export const PG_anon: u32 = 1 << 5;       // (Linux: PageAnon via mapping bit)
// @ts-ignore: decorator
@inline export const PG_pgtable: u32 = 1 << 6;    // a page-table page (PageTable)
// @ts-ignore: decorator
@inline export const PG_slab: u32 = 1 << 7;       // owned by a kmem_cache
// @ts-ignore: decorator
@inline export const PG_uptodate: u32 = 1 << 8;
// @ts-ignore: decorator
@inline export const PG_pcp: u32 = 1 << 9;        // on a per-cpu free list
// @ts-ignore: decorator
@inline export const PG_zero: u32 = 1 << 10;      // the shared zero page

// @ts-ignore: decorator
@inline export const ZONES_SHIFT: u32 = 24;
// @ts-ignore: decorator
@inline export const NODES_SHIFT: u32 = 26;
// @ts-ignore: decorator
@inline export const PAGE_MAPPING_ANON: u32 = 1;

@unmanaged
export class page {
  flags: u32;
  _refcount: i32;
  lru_next: u32;
  lru_prev: u32;
  private_: u16;   // Linux: private (a reserved word here)
  _mapcount: i16;
  mapping: u32;
  index: u64;
}
