// struct page (assembly/mm/mm_types.ts) as the host reads it: mem_map's
// entries at the offsets kernel_layout gives, and what their fields mean
// (a tail's head, an anonymous mapping, the map count, a free block's
// order, the node). The one place the host reads them: /proc/kpageflags
// and kpagecount, smaps and pagemap, the frame census, the free and
// per-cpu lists. Browser-safe.
//
// Each field is read through a Uint32Array over RAM that starts at pfn 0's
// word of it (RAM never grows, so the views stay valid): pfn's is then pfn
// times the words a struct page spans, one multiply and one load, cheap
// enough for the census's loop over all of mem_map (one view and a field
// index cost it 7% more instructions than reads written out in its loop;
// these views, 3%). The u16 and i16 fields are shifted out of their word.

import { MAX_NUMNODES, NODES_PGSHIFT, PAGE_MAPPING_ANON, PG_buddy, PG_tail, type Layout } from "../abi.js";

/** Where mem_map is, struct page's size and fields, the zero page's pfn and the buddy orders (kernel_layout). */
export type PageLayout = Pick<Layout, "mem_map" | "sizeof_page" | "page_flags" | "page_refcount" | "page_lru" | "page_private"
  | "page_mapcount" | "page_mapping" | "zero_pfn" | "max_order">;

export class StructPages {
  /** u32 words a struct page spans. */
  private readonly words: number;
  // Each field's words, from pfn 0's.
  private readonly flagsW: Uint32Array;
  private readonly refcountW: Uint32Array;
  private readonly lruW: Uint32Array;
  private readonly privateW: Uint32Array;
  private readonly mapcountW: Uint32Array;
  private readonly mappingW: Uint32Array;
  // Where the u16 private and the i16 _mapcount sit in their words.
  private readonly privateShift: number;
  private readonly mapcountShift: number;

  constructor(u32: Uint32Array, private readonly layout: PageLayout) {
    const { mem_map, sizeof_page, page_flags, page_refcount, page_lru, page_private, page_mapcount, page_mapping } = layout;
    if ((mem_map | sizeof_page | page_flags | page_refcount | page_lru | page_mapping) & 3 || (page_private | page_mapcount) & 1) {
      throw new Error("struct page: a field is not aligned for word reads");
    }
    this.words = sizeof_page >>> 2;
    const view = (field: number) => u32.subarray((mem_map + field) >>> 2);
    this.flagsW = view(page_flags);
    this.refcountW = view(page_refcount);
    this.lruW = view(page_lru);
    this.privateW = view(page_private & ~3);
    this.mapcountW = view(page_mapcount & ~3);
    this.mappingW = view(page_mapping);
    this.privateShift = (page_private & 2) * 8;
    this.mapcountShift = (page_mapcount & 2) * 8;
  }

  /** pfn_to_page: the address of a frame's struct page (pfn = max_pfn: the end of mem_map). */
  address(pfn: number): number {
    return this.layout.mem_map + pfn * this.layout.sizeof_page;
  }

  /** page_to_pfn: the frame of the struct page at an address. */
  pfn(page: number): number {
    return (page - this.layout.mem_map) / this.layout.sizeof_page;
  }

  /** The frame whose lru an entry of a free or per-cpu list is (list_entry, then page_to_pfn). */
  lruPfn(entry: number): number {
    return this.pfn(entry - this.layout.page_lru);
  }

  /** The PG_* bits. */
  flags(pfn: number): number {
    return this.flagsW[pfn * this.words];
  }

  /** _refcount. */
  refcount(pfn: number): number {
    return this.refcountW[pfn * this.words] | 0;
  }

  /** compound_head: the head of the folio a frame belongs to (a tail's lru.next is its head's struct page | 1). */
  head(pfn: number): number {
    if (!(this.flags(pfn) & PG_tail)) return pfn;
    return this.pfn(this.lruW[pfn * this.words] & ~1);
  }

  /** buddy_order: a free block's order, in its head's private. */
  buddyOrder(pfn: number): number {
    return (this.privateW[pfn * this.words] >>> this.privateShift) & 0xffff;
  }

  /** page_mapcount, _mapcount + 1: the PTEs (or, on a THP's head, the pmds) that map it. */
  mapcount(pfn: number): number {
    return (((this.mapcountW[pfn * this.words] >>> this.mapcountShift) << 16) >> 16) + 1;
  }

  /** mapping: an anon_vma | PAGE_MAPPING_ANON, a file's, or 0. */
  mapping(pfn: number): number {
    return this.mappingW[pfn * this.words];
  }

  /** PageAnon. */
  anon(pfn: number): boolean {
    return (this.mapping(pfn) & PAGE_MAPPING_ANON) !== 0;
  }

  /** page_to_nid. */
  nid(pfn: number): number {
    return (this.flags(pfn) >>> NODES_PGSHIFT) & (MAX_NUMNODES - 1);
  }

  /** is_zero_pfn. */
  isZero(pfn: number): boolean {
    return pfn === this.layout.zero_pfn;
  }

  /** is_free_buddy_page: inside a free block, whose head has PG_buddy and an order that reaches it. */
  inFreeBlock(pfn: number): boolean {
    for (let order = 0; order < this.layout.max_order; order++) {
      const head = pfn - (pfn % 2 ** order);
      if (this.flags(head) & PG_buddy) return this.buddyOrder(head) >= order;
    }
    return false;
  }
}
