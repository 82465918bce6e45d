// What every page frame is doing, read from mem_map's struct page flags
// (assembly/mm/mm_types.ts): the frame map of the playground, and a
// census embedders can check against the kernel's own counters.
// Browser-safe; one pass over mem_map, no allocation when `into` is reused.

import type { Kernel } from "../kernel.js";
import { PAGE_SIZE, PG_reserved, PG_buddy, PG_tail, PG_pgtable, PG_slab, PG_zero, MIGRATE_PCPTYPES } from "../abi.js";

/** A frame's state; the values index FRAME_STATE_NAMES. */
export const FrameState = {
  Free: 0,        // in a buddy block (its order is in FrameMap.order)
  Pcp: 1,         // on a per-cpu free list
  KernelImage: 2, // the kernel's data and globals
  MemMap: 3,      // the struct page array
  Reserved: 4,    // other memblock reservations (trace ring, zone tables …)
  PageTable: 5,   // PG_pgtable
  Slab: 6,        // PG_slab
  Anon: 7,        // an anonymous user page
  File: 8,        // page cache
  Zero: 9,        // the shared zero page
  Allocated: 10,  // allocated, none of the above (a kernel allocation)
  AnonShared: 11, // an anonymous page mapped by more than one PTE (shared after fork until a write copies it)
} as const;
export type FrameState = (typeof FrameState)[keyof typeof FrameState];

export const FRAME_STATE_NAMES = [
  "free", "per-cpu list", "kernel image", "mem_map", "reserved", "page table",
  "slab", "anonymous", "page cache", "zero page", "allocated", "anonymous, shared",
] as const;

export const NR_FRAME_STATES = FRAME_STATE_NAMES.length;

export interface FrameMap {
  /** FrameState per pfn. */
  readonly state: Uint8Array;
  /** The buddy order of the free block a frame belongs to (Free frames only). */
  readonly order: Uint8Array;
  /** Frames per state, indexed by FrameState. */
  readonly counts: number[];
  /** Free frames per order. */
  readonly freeByOrder: number[];
}

/** An empty map sized for the kernel's RAM, to pass to classifyFrames again and again. */
export function newFrameMap(k: Kernel): FrameMap {
  return {
    state: new Uint8Array(k.maxPfn),
    order: new Uint8Array(k.maxPfn),
    counts: new Array(NR_FRAME_STATES).fill(0),
    freeByOrder: new Array(k.maxOrder).fill(0),
  };
}

/** Classifies every page frame of the machine, into `into` when given. */
export function classifyFrames(k: Kernel, into: FrameMap = newFrameMap(k)): FrameMap {
  const { state, order, counts, freeByOrder } = into;
  const pages = k.pages;
  const maxPfn = k.maxPfn;
  const imagePfns = k.imageEnd / PAGE_SIZE;
  const memMapFirst = Math.floor(pages.address(0) / PAGE_SIZE);
  const memMapEnd = Math.ceil(pages.address(maxPfn) / PAGE_SIZE);
  counts.fill(0);
  freeByOrder.fill(0);

  // Per-cpu blocks first: only the lists know a block's order.
  const UNSET = 0xff;
  state.fill(UNSET);
  for (const nid of k.nodes()) {
    for (const z of k.zones(nid)) {
      if (!z.managed) continue;
      k.pcpLists(z.idx, nid).forEach((pfns, pindex) => {
        const n = 1 << Math.floor(pindex / MIGRATE_PCPTYPES);
        for (const pfn of pfns) state.fill(FrameState.Pcp, pfn, pfn + n);
        counts[FrameState.Pcp] += pfns.length * n;
      });
    }
  }

  for (let pfn = 0; pfn < maxPfn;) {
    if (state[pfn] !== UNSET) {
      pfn++;
      continue;
    }
    const flags = pages.flags(pfn);
    if (flags & PG_buddy) {
      const o = pages.buddyOrder(pfn);
      const end = Math.min(pfn + (1 << o), maxPfn);
      counts[FrameState.Free] += end - pfn;
      freeByOrder[o] += end - pfn;
      for (; pfn < end; pfn++) {
        state[pfn] = FrameState.Free;
        order[pfn] = o;
      }
      continue;
    }
    let s: FrameState;
    if (flags & PG_zero) s = FrameState.Zero;
    else if (flags & PG_reserved) {
      s = pfn < imagePfns ? FrameState.KernelImage
        : pfn >= memMapFirst && pfn < memMapEnd ? FrameState.MemMap : FrameState.Reserved;
    } else if (flags & PG_tail) s = state[pages.head(pfn)] as FrameState; // a compound page's tail is what its head is
    else if (flags & PG_pgtable) s = FrameState.PageTable;
    else if (flags & PG_slab) s = FrameState.Slab;
    else if (!pages.mapping(pfn)) s = FrameState.Allocated;
    else if (pages.anon(pfn)) s = pages.mapcount(pfn) >= 2 ? FrameState.AnonShared : FrameState.Anon;
    else s = FrameState.File;
    state[pfn++] = s;
    counts[s]++;
  }
  return into;
}
