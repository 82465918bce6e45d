// mm/slab: a small kmem_cache for the kernel's fixed-size objects (mm_struct,
// vm_area_struct, file), on top of the buddy allocator.
//
// A slab is one buddy page, marked PG_slab, carved into objects of one
// size. Its struct page holds the slab's state, as Linux's struct slab
// overlays struct page:
//   mapping   -> the kmem_cache
//   private_  objects in use
//   index     the first free object's address (free objects chain through
//             their first u32), 0 when the slab is full
//   lru       links in the cache's partial list (slabs with a free object)
// Full slabs sit on no list; a slab whose last object is freed goes straight
// back to the buddy allocator, so "every cache empty" means "no slab page".
//
// Cache descriptors live in the kernel image (Linux bootstraps its first
// caches statically too):
//  ╒═══ struct kmem_cache (24 bytes) ═══════════════════════════════╕
//   0  size         u32  object size, rounded up to 8
//   4  objects      u32  objects per slab
//   8  partial      u32  first partial slab (struct page address) or 0
//  12  nr_slabs     u32  slab pages held
//  16  active_objs  u32  objects allocated
//  20  name         u32  the cache's name (a static string)
//  ╘════════════════════════════════════════════════════════════════╛

import { alloc_pages } from "./mempolicy";
import { page, PAGE_SHIFT, PAGE_SIZE, PG_slab } from "./mm_types";
import { __free_pages } from "./page_alloc";
import { pfn_to_page, page_address } from "./mmzone";
import { GFP_KERNEL } from "./gfp";

@unmanaged
export class kmem_cache {
  size: u32;
  objects: u32;
  partial: u32;
  nr_slabs: u32;
  active_objs: u32;
  name: u32;
}

@inline export const MAX_KMEM_CACHES: u32 = 8;
@inline const SIZEOF_KMEM_CACHE: u32 = 24;

const kmem_caches: usize = memory.data(MAX_KMEM_CACHES * SIZEOF_KMEM_CACHE, 8);
let nr_kmem_caches: u32 = 0;

/** The cache descriptors, for /proc/slabinfo and the leak checks. */
export function kmem_caches_ptr(): usize { return kmem_caches; }
export function kmem_caches_count(): u32 { return nr_kmem_caches; }

/** A new cache of `size`-byte objects; called once per cache at boot. */
export function kmem_cache_create(name: string, size: u32): kmem_cache {
  assert(nr_kmem_caches < MAX_KMEM_CACHES, "kmem_cache_create: too many caches");
  assert(size > 0 && size <= PAGE_SIZE, "kmem_cache_create: bad object size");
  const s = changetype<kmem_cache>(kmem_caches + nr_kmem_caches++ * SIZEOF_KMEM_CACHE);
  s.size = (size + 7) & ~7;
  s.objects = PAGE_SIZE / s.size;
  s.partial = 0;
  s.nr_slabs = 0;
  s.active_objs = 0;
  s.name = <u32>changetype<usize>(name);
  return s;
}

// The partial list: doubly linked through page.lru, 0-terminated.
function partial_add(s: kmem_cache, slab: page): void {
  slab.lru_prev = 0;
  slab.lru_next = s.partial;
  if (s.partial) changetype<page>(s.partial).lru_prev = <u32>changetype<usize>(slab);
  s.partial = <u32>changetype<usize>(slab);
}

function partial_del(s: kmem_cache, slab: page): void {
  if (slab.lru_prev) changetype<page>(slab.lru_prev).lru_next = slab.lru_next;
  else s.partial = slab.lru_next;
  if (slab.lru_next) changetype<page>(slab.lru_next).lru_prev = slab.lru_prev;
  slab.lru_next = 0;
  slab.lru_prev = 0;
}

/** A fresh slab page for `s`, all objects free, on the partial list; null on OOM. */
function allocate_slab(s: kmem_cache): page | null {
  const slab = alloc_pages(GFP_KERNEL, 0);
  if (slab === null) return null;
  const base = page_address(slab);
  for (let i: u32 = 0; i < s.objects; i++) {
    const obj = base + i * s.size;
    store<u32>(obj, i + 1 < s.objects ? <u32>(obj + s.size) : 0);
  }
  slab.flags |= PG_slab;
  slab.mapping = <u32>changetype<usize>(s);
  slab.private_ = 0;
  slab.index = base;
  s.nr_slabs++;
  partial_add(s, slab);
  return slab;
}

/** A zeroed object from `s`, or 0 when memory is short (kmem_cache_zalloc). */
export function kmem_cache_zalloc(s: kmem_cache): usize {
  let slab: page | null = s.partial ? changetype<page>(s.partial) : allocate_slab(s);
  if (slab === null) return 0;
  const obj = <usize>slab.index;
  slab.index = load<u32>(obj);
  slab.private_++;
  if (<u32>slab.private_ == s.objects) partial_del(s, slab);
  s.active_objs++;
  memory.fill(obj, 0, s.size);
  return obj;
}

/** Returns `obj` to `s`; an emptied slab goes back to the buddy allocator. */
export function kmem_cache_free(s: kmem_cache, obj: usize): void {
  const slab = pfn_to_page(<u32>(obj >> PAGE_SHIFT));
  assert((slab.flags & PG_slab) && slab.mapping == <u32>changetype<usize>(s),
    "kmem_cache_free: object not from this cache");
  if (CONFIG_DEBUG_VM) memory.fill(obj, 0x6b, s.size); // POISON_FREE
  const was_full = <u32>slab.private_ == s.objects;
  store<u32>(obj, <u32>slab.index);
  slab.index = obj;
  slab.private_--;
  s.active_objs--;
  if (slab.private_ == 0) {
    if (!was_full) partial_del(s, slab);
    slab.flags &= ~PG_slab;
    slab.mapping = 0;
    slab.index = 0;
    s.nr_slabs--;
    __free_pages(slab, 0);
  } else if (was_full) {
    partial_add(s, slab);
  }
}
