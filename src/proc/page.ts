// fs/proc/page.c: /proc/kpageflags and /proc/kpagecount, one 64-bit word
// per page frame up to max_pfn, read from mem_map's struct pages as the
// reader asks for them. RAM has no holes here, so no frame is KPF_NOPAGE.
// Browser-safe.

import type { Kernel } from "../kernel.js";
import type { StructPages } from "../mm/struct_page.js";
import {
  PG_locked, PG_reserved, PG_buddy, PG_head, PG_tail, PG_pgtable, PG_slab, PG_uptodate, PG_anon_exclusive, PG_lru, PG_active,
  PG_referenced, PG_swapbacked, PG_dirty, PG_swapcache, PG_mlocked, PG_unevictable,
} from "../abi.js";
import { EINVAL } from "../syscalls/errno.js";
import type { ProcRead } from "./self.js";

// The KPF_* bits (include/uapi/linux/kernel-page-flags.h), the ones this kernel's pages can have.
export const KPF_LOCKED = 0;
export const KPF_REFERENCED = 2;
export const KPF_UPTODATE = 3;
export const KPF_DIRTY = 4;
export const KPF_LRU = 5;
export const KPF_ACTIVE = 6;
export const KPF_SLAB = 7;
export const KPF_BUDDY = 10;
export const KPF_MMAP = 11;
export const KPF_ANON = 12;
export const KPF_SWAPCACHE = 13;
export const KPF_SWAPBACKED = 14;
export const KPF_COMPOUND_HEAD = 15;
export const KPF_COMPOUND_TAIL = 16;
export const KPF_UNEVICTABLE = 18;
export const KPF_THP = 22;
export const KPF_ZERO_PAGE = 24;
export const KPF_PGTABLE = 26;
// The kernel-internal ones past 32 (include/linux/kernel-page-flags.h): Linux's page-types shows them raw.
export const KPF_RESERVED = 32;
export const KPF_MLOCKED = 33;
/** PG_owner_2, which an anonymous page's PG_anon_exclusive is. */
export const KPF_OWNER_2 = 34;

/** KPMSIZE: one word per page frame. */
const KPMSIZE = 8;
/** Frames a read reports per step. */
const KPM_CHUNK = 4096;

/** The PG_* flags copied to KPF_* bits as they are (kpf_copy_bit), from the folio's head page. */
const COPIED: [pg: number, kpf: number][] = [
  [PG_locked, KPF_LOCKED], [PG_dirty, KPF_DIRTY], [PG_uptodate, KPF_UPTODATE], [PG_lru, KPF_LRU], [PG_referenced, KPF_REFERENCED],
  [PG_active, KPF_ACTIVE], [PG_swapbacked, KPF_SWAPBACKED], [PG_unevictable, KPF_UNEVICTABLE], [PG_mlocked, KPF_MLOCKED],
  [PG_reserved, KPF_RESERVED], [PG_anon_exclusive, KPF_OWNER_2], [PG_slab, KPF_SLAB],
];

/**
 * stable_page_flags: what a frame is, as KPF_* bits. The flags are its
 * folio's (a THP tail reports its head's), with the pseudo-flags for a
 * mapped page, an anonymous one, the zero page, a THP's head and tails,
 * every frame of a free buddy block, and page tables.
 */
function stablePageFlags(pages: StructPages, pfn: number): bigint {
  const own = pages.flags(pfn);
  const head = pages.head(pfn);
  const flags = pages.flags(head);
  const anon = pages.anon(head);
  let u = 0n;
  const set = (kpf: number) => { u |= 1n << BigInt(kpf); };
  if (pages.mapcount(head) > 0) set(KPF_MMAP);
  if (anon) set(KPF_ANON);
  if (own & PG_tail) set(KPF_COMPOUND_TAIL);
  else if (own & PG_head) set(KPF_COMPOUND_HEAD);
  // A compound page mapped to user space is a THP (folio_test_large_rmappable): anonymous, here.
  if (own & (PG_head | PG_tail) && anon) set(KPF_THP);
  if (pages.isZero(pfn)) set(KPF_ZERO_PAGE);
  if (own & PG_buddy || (pages.refcount(pfn) === 0 && pages.inFreeBlock(pfn))) set(KPF_BUDDY);
  if (own & PG_pgtable) set(KPF_PGTABLE);
  for (const [pg, kpf] of COPIED) if (flags & pg) set(kpf);
  if ((flags & (PG_swapbacked | PG_swapcache)) === (PG_swapbacked | PG_swapcache)) set(KPF_SWAPCACHE);
  return u;
}

/**
 * A frame's map count as kpagecount reports it (folio_precise_page_mapcount):
 * its PTEs, a THP's pmds for each of its frames; 0 for a frame that is not
 * a user page (the zero page has no rmap).
 */
function pageMapcount(pages: StructPages, pfn: number): number {
  return Math.max(0, pages.mapcount(pages.head(pfn)));
}

/** kpageflags_read and kpagecount_read: whole words from a whole word, EINVAL else; nothing past max_pfn; a chunk of frames at a time. */
function kpageRead(word: (pages: StructPages, pfn: number) => bigint): ProcRead<Kernel> {
  return (k, pos, count) => {
    if (pos % KPMSIZE || count % KPMSIZE) return -EINVAL;
    const first = pos / KPMSIZE;
    const n = Math.max(0, Math.min(count / KPMSIZE, k.maxPfn - first, KPM_CHUNK));
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = word(k.pages, first + i);
    return new Uint8Array(out.buffer);
  };
}

/** The kernel-wide /proc files with a read op of their own. */
export const PAGE_READS: Record<string, ProcRead<Kernel>> = {
  kpageflags: kpageRead(stablePageFlags),
  kpagecount: kpageRead((pages, pfn) => BigInt(pageMapcount(pages, pfn))),
};
