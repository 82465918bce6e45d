// mm/rmap.c: the reverse map of anonymous pages. From a page, every pte
// (or huge pmd) that maps it can be found: page->mapping points at an
// anon_vma, page->index is the page's offset in its VMA's linear space,
// and the anon_vma lists (through anon_vma_chains) every VMA that may map
// pages of it. Reclaim and migration walk it (rmap_walk); fork extends it.
//
// Linux 6.x's structure, with two simplifications:
//  - an anon_vma keeps its anon_vma_chains on a list, not an interval tree
//    keyed by pgoff: rmap_walk visits every VMA of the anon_vma and skips
//    those whose range does not hold the page (the tree only prunes them);
//  - anon_vma_clone never reuses an idle anon_vma (the 6.x num_children /
//    num_active_vmas heuristic): every forked VMA gets its own.
//
//  ╒═══ struct anon_vma (16 bytes) ══════════════════════════════════╕
//   0 root      u32  the anon_vma at the top of this fork tree
//   4 parent    u32  the anon_vma of the VMA this one's VMA was forked from
//   8 refcount  u32  1 while any VMA is linked, + 1 per non-root anon_vma under a root
//  12 head      u32  first anon_vma_chain on its list (Linux: rb_root)
//  ╘═════════════════════════════════════════════════════════════════╛
//  ╒═══ struct anon_vma_chain (20 bytes) ════════════════════════════╕
//   0 vma  4 anon_vma  8 same_vma (next of the VMA's chains)
//  12 next 16 prev (the anon_vma's list)
//  ╘═════════════════════════════════════════════════════════════════╛

import { mm_struct, vm_area_struct, page, PAGE_SHIFT, PAGE_MAPPING_ANON, PG_anon_exclusive, PG_tail, PG_dirty,
  VM_READ, VM_WRITE, VM_EXEC, VM_LOCKED, MM_ANONPAGES, MM_FILEPAGES, MM_SWAPENTS, add_mm_counter } from "./mm_types";
import { kmem_cache, kmem_cache_create, kmem_cache_zalloc, kmem_cache_free } from "./slab";
import { pfn_to_page, page_to_pfn, max_pfn } from "./mmzone";
import { mm_find_pmd, pte_offset, pmd_none, pmd_trans_huge, pmd_pfn,
  pte_present, pte_special, pte_pfn, _PAGE_ACCESSED, _PAGE_DIRTY } from "./pgtable";
import { current_mm, mmlist_first } from "./mmap";
import { first_vma, vma_next } from "./vma";
import { file } from "./filemap";
import { page_remove_rmap, update_hiwater_rss, mm_counter_file } from "./memory";
import { put_page } from "./page_alloc";
import { mlock_vma_folio } from "./mlock";
import { flush_tlb_page } from "../arch/x86/mm/tlb";
import { folio_swap_entry } from "./swap_state";
import { swap_duplicate } from "./swapfile";
import { swp_entry_to_pte, pte_swp_mkexclusive } from "./swapops";
import { trace_enter, trace_exit, FN_folio_referenced, FN_try_to_unmap } from "../kernel/trace";
import { printk, printk_hex, printk_u64 } from "../kernel/panic";

@unmanaged
export class anon_vma {
  root: u32;
  parent: u32;
  refcount: u32;
  head: u32;
}

@unmanaged
export class anon_vma_chain {
  vma: u32;
  anon_vma: u32;
  same_vma: u32;
  next: u32;
  prev: u32;
}

const anon_vma_cachep: kmem_cache = kmem_cache_create("anon_vma", offsetof<anon_vma>());
const anon_vma_chain_cachep: kmem_cache = kmem_cache_create("anon_vma_chain", offsetof<anon_vma_chain>());

@inline function ptr<T>(p: usize): T { return changetype<T>(p); }
@inline function addr_of<T>(o: T): u32 { return <u32>changetype<usize>(o); }

function anon_vma_alloc(): anon_vma | null {
  const obj = kmem_cache_zalloc(anon_vma_cachep);
  if (!obj) return null;
  const av = ptr<anon_vma>(obj);
  av.refcount = 1;
  av.root = av.parent = <u32>obj;
  return av;
}

@inline function get_anon_vma(av: anon_vma): void { av.refcount++; }

/** Drops a reference; the last frees it and its hold on the root (__put_anon_vma). */
function put_anon_vma(av: anon_vma): void {
  if (--av.refcount) return;
  const root = ptr<anon_vma>(av.root);
  kmem_cache_free(anon_vma_cachep, changetype<usize>(av));
  if (root !== av && !--root.refcount) kmem_cache_free(anon_vma_cachep, changetype<usize>(root));
}

/** Links vma and anon_vma through avc: on the VMA's chain and the anon_vma's list. */
function anon_vma_chain_link(vma: vm_area_struct, avc: anon_vma_chain, av: anon_vma): void {
  avc.vma = addr_of(vma);
  avc.anon_vma = addr_of(av);
  avc.same_vma = vma.anon_vma_chain;
  vma.anon_vma_chain = addr_of(avc);
  avc.prev = 0;
  avc.next = av.head;
  if (av.head) ptr<anon_vma_chain>(av.head).prev = addr_of(avc);
  av.head = addr_of(avc);
}

/** Takes avc off its anon_vma's list. @return whether that list is now empty. */
function anon_vma_list_remove(avc: anon_vma_chain): bool {
  const av = ptr<anon_vma>(avc.anon_vma);
  if (avc.prev) ptr<anon_vma_chain>(avc.prev).next = avc.next;
  else av.head = avc.next;
  if (avc.next) ptr<anon_vma_chain>(avc.next).prev = avc.prev;
  return av.head == 0;
}

/** Whether vma already has a chain to av. */
function vma_linked_to(vma: vm_area_struct, av: u32): bool {
  for (let c = vma.anon_vma_chain; c; c = ptr<anon_vma_chain>(c).same_vma) {
    if (ptr<anon_vma_chain>(c).anon_vma == av) return true;
  }
  return false;
}

/** Links vma to av unless it is already. @return false on ENOMEM. */
function link_once(vma: vm_area_struct, av: u32): bool {
  if (vma_linked_to(vma, av)) return true;
  const obj = kmem_cache_zalloc(anon_vma_chain_cachep);
  if (!obj) return false;
  anon_vma_chain_link(vma, ptr<anon_vma_chain>(obj), ptr<anon_vma>(av));
  return true;
}

/**
 * Neighbours a and b (a below b) could share an anon_vma: contiguous in
 * address and offset, same file, flags equal but for the access bits
 * (anon_vma_compatible).
 */
function anon_vma_compatible(a: vm_area_struct, b: vm_area_struct): bool {
  return a.vm_end == b.vm_start && a.vm_file == b.vm_file
    && !((a.vm_flags ^ b.vm_flags) & ~(VM_READ | VM_WRITE | VM_EXEC))
    && b.vm_pgoff == a.vm_pgoff + ((b.vm_start - a.vm_start) >> PAGE_SHIFT);
}

/** old's anon_vma, if old is a compatible neighbour linked to that one alone (reusable_anon_vma). */
function reusable_anon_vma(old: vm_area_struct, a: vm_area_struct, b: vm_area_struct): u32 {
  if (!anon_vma_compatible(a, b) || !old.anon_vma) return 0;
  const c = old.anon_vma_chain;
  return c && !ptr<anon_vma_chain>(c).same_vma ? old.anon_vma : 0;
}

/**
 * The anon_vma of a neighbour vma may share, so that a later merge of
 * the two finds them compatible (find_mergeable_anon_vma). 0 if none.
 */
function find_mergeable_anon_vma(vma: vm_area_struct): u32 {
  let av: u32 = 0;
  if (vma.vm_next) av = reusable_anon_vma(ptr<vm_area_struct>(vma.vm_next), vma, ptr<vm_area_struct>(vma.vm_next));
  if (!av && vma.vm_prev) av = reusable_anon_vma(ptr<vm_area_struct>(vma.vm_prev), ptr<vm_area_struct>(vma.vm_prev), vma);
  return av;
}

/**
 * Gives vma an anon_vma before its first anonymous page (anon_vma_prepare):
 * a neighbour's when one can be shared, else a new root. @return false on ENOMEM.
 */
export function anon_vma_prepare(vma: vm_area_struct): bool {
  if (vma.anon_vma) return true;
  const obj = kmem_cache_zalloc(anon_vma_chain_cachep);
  if (!obj) return false;
  let av = find_mergeable_anon_vma(vma);
  if (!av) {
    const fresh = anon_vma_alloc();
    if (fresh === null) {
      kmem_cache_free(anon_vma_chain_cachep, obj);
      return false;
    }
    av = addr_of(fresh);
  }
  vma.anon_vma = av;
  anon_vma_chain_link(vma, ptr<anon_vma_chain>(obj), ptr<anon_vma>(av));
  return true;
}

/**
 * Links dst to every anon_vma src is linked to (anon_vma_clone), so that
 * rmap finds dst's ptes of the pages src may share with it (a split or a
 * fork). dst.anon_vma is the caller's. @return 0 or -ENOMEM (dst unlinked).
 */
export function anon_vma_clone(dst: vm_area_struct, src: vm_area_struct): i32 {
  for (let c = src.anon_vma_chain; c; c = ptr<anon_vma_chain>(c).same_vma) {
    if (!link_once(dst, ptr<anon_vma_chain>(c).anon_vma)) {
      unlink_anon_vmas(dst);
      return -12;
    }
  }
  return 0;
}

/**
 * A merge removes `gone` and keeps `keep` over its pages: keep takes over
 * gone's links, so rmap still finds the ptes of gone's pages (dup_anon_vma).
 * Our merges never refuse two different anon_vmas, so keep may end up
 * linked to both. @return 0 or -ENOMEM.
 */
export function dup_anon_vma(keep: vm_area_struct, gone: vm_area_struct): i32 {
  for (let c = gone.anon_vma_chain; c; c = ptr<anon_vma_chain>(c).same_vma) {
    if (!link_once(keep, ptr<anon_vma_chain>(c).anon_vma)) return -12;
  }
  if (!keep.anon_vma) keep.anon_vma = gone.anon_vma;
  return 0;
}

/**
 * fork: the child's vma shares the parent's anon_vmas (for the pages
 * they share now) and gets a new anon_vma of its own under the parent's,
 * where its COW copies go (anon_vma_fork). @return 0 or -ENOMEM.
 */
export function anon_vma_fork(vma: vm_area_struct, pvma: vm_area_struct): i32 {
  vma.anon_vma = 0;
  if (!pvma.anon_vma) return 0;
  if (anon_vma_clone(vma, pvma)) return -12;
  const fresh = anon_vma_alloc();
  const obj = fresh !== null ? kmem_cache_zalloc(anon_vma_chain_cachep) : 0;
  if (!obj) {
    if (fresh !== null) kmem_cache_free(anon_vma_cachep, changetype<usize>(fresh));
    unlink_anon_vmas(vma);
    return -12;
  }
  const av = changetype<anon_vma>(fresh);
  const pav = ptr<anon_vma>(pvma.anon_vma);
  av.root = pav.root;
  av.parent = addr_of(pav);
  get_anon_vma(ptr<anon_vma>(av.root));
  vma.anon_vma = addr_of(av);
  anon_vma_chain_link(vma, ptr<anon_vma_chain>(obj), av);
  return 0;
}

/** Frees vma's chains; an anon_vma whose list empties loses its own reference (unlink_anon_vmas). */
export function unlink_anon_vmas(vma: vm_area_struct): void {
  let c = vma.anon_vma_chain;
  while (c) {
    const avc = ptr<anon_vma_chain>(c);
    const next = avc.same_vma;
    if (anon_vma_list_remove(avc)) put_anon_vma(ptr<anon_vma>(avc.anon_vma));
    kmem_cache_free(anon_vma_chain_cachep, c);
    c = next;
  }
  vma.anon_vma_chain = 0;
  vma.anon_vma = 0;
}

// ─── pages ─────────────────────────────────────────────────────────────────

@inline export function PageAnonExclusive(pg: page): bool { return (pg.flags & PG_anon_exclusive) != 0; }

/** The first mapping of a new anonymous page, exclusive to this process (__page_set_anon_rmap). */
export function page_set_anon_rmap(pg: page, vma: vm_area_struct, index: u64): void {
  pg.mapping = vma.anon_vma | PAGE_MAPPING_ANON;
  pg.index = index;
  pg.flags |= PG_anon_exclusive;
}

/**
 * fork: the child maps the page too (page_try_dup_anon_rmap): one more
 * mapping, and the page is no longer exclusive to either process.
 */
export function page_dup_anon_rmap(pg: page): void {
  pg._mapcount++;
  pg.flags &= ~PG_anon_exclusive;
}

/**
 * A write fault reuses a page only this vma maps: it moves to vma's own
 * anon_vma, where rmap searches fewer VMAs (page_move_anon_rmap).
 */
export function page_move_anon_rmap(pg: page, vma: vm_area_struct): void {
  pg.mapping = vma.anon_vma | PAGE_MAPPING_ANON;
}

// ─── rmap_walk ─────────────────────────────────────────────────────────────

/** Whether the last page_vma_mapped found a huge pmd (else a pte). */
export let pvmw_huge: bool = false;

/**
 * Where `pg` is mapped in vma at `address`, if it is (page_vma_mapped_walk
 * for one address): the pte, or the huge pmd for a THP head. @return its
 * address, or 0. Reads the tables, never allocates.
 */
export function page_vma_mapped(pg: page, vma: vm_area_struct, address: u64): usize {
  const pmd = mm_find_pmd(ptr<mm_struct>(vma.vm_mm), address);
  if (pmd == 0) return 0;
  const pmdval = load<u64>(pmd);
  if (pmd_none(pmdval)) return 0;
  const pfn = page_to_pfn(pg);
  if (pmd_trans_huge(pmdval)) {
    pvmw_huge = true;
    return pmd_pfn(pmdval) == pfn ? pmd : 0;
  }
  pvmw_huge = false;
  const pte = pte_offset(pmd, address);
  const v = load<u64>(pte);
  return pte_present(v) && !pte_special(v) && pte_pfn(v) == pfn ? pte : 0;
}

/** What rmap_walk calls for each mapping found; false stops the walk. */
export type rmap_one = (pg: page, vma: vm_area_struct, address: u64, entry: usize) => bool;

/**
 * Calls one(pg, vma, address, entry) for every pte or huge pmd mapping the
 * anonymous page pg (rmap_walk_anon): over every VMA on its anon_vma's list
 * whose range holds the page's index. @return the mappings visited.
 */
export function rmap_walk_anon(pg: page, one: rmap_one): u32 {
  if (!(pg.mapping & PAGE_MAPPING_ANON)) return 0;
  const av = ptr<anon_vma>(<usize>(pg.mapping & ~PAGE_MAPPING_ANON));
  const pgoff = pg.index;
  let found: u32 = 0;
  for (let c = av.head; c; c = ptr<anon_vma_chain>(c).next) {
    const vma = ptr<vm_area_struct>(ptr<anon_vma_chain>(c).vma);
    if (pgoff < vma.vm_pgoff) continue;
    const address = vma.vm_start + ((pgoff - vma.vm_pgoff) << PAGE_SHIFT);
    if (address >= vma.vm_end) continue;
    const entry = page_vma_mapped(pg, vma, address);
    if (!entry) continue;
    found++;
    if (!one(pg, vma, address, entry)) break;
  }
  return found;
}

/**
 * rmap_walk_file: every pte mapping the page-cache page pg. There is no
 * i_mmap tree of a file's VMAs here, so every mm's VMAs mapping the file
 * at the page's index are visited (as unmap_mapping_range does).
 */
function rmap_walk_file(pg: page, one: rmap_one): u32 {
  if (!pg.mapping) return 0;
  let found: u32 = 0;
  for (let m = changetype<usize>(mmlist_first()); m; m = <usize>ptr<mm_struct>(m).mmlist) {
    const mm = ptr<mm_struct>(m);
    for (let vma: vm_area_struct | null = first_vma(mm); vma !== null; vma = vma_next(changetype<vm_area_struct>(vma))) {
      const v = changetype<vm_area_struct>(vma);
      if (!v.vm_file || ptr<file>(<usize>v.vm_file).f_mapping != pg.mapping || pg.index < v.vm_pgoff) continue;
      const address = v.vm_start + ((pg.index - v.vm_pgoff) << PAGE_SHIFT);
      if (address >= v.vm_end) continue;
      const entry = page_vma_mapped(pg, v, address);
      if (!entry) continue;
      found++;
      if (!one(pg, v, address, entry)) return found;
    }
  }
  return found;
}

/** Every mapping of an anonymous or page-cache page (rmap_walk). @return the mappings visited. */
export function rmap_walk(pg: page, one: rmap_one): u32 {
  return (pg.mapping & PAGE_MAPPING_ANON) ? rmap_walk_anon(pg, one) : rmap_walk_file(pg, one);
}

function count_one(pg: page, vma: vm_area_struct, address: u64, entry: usize): bool { return true; }

/** The number of ptes and huge pmds rmap finds mapping pg (page_mapped_in_vma over all). */
export function rmap_mapcount(pg: page): u32 {
  return rmap_walk_anon(pg, count_one);
}

// ─── reclaim's walks ───────────────────────────────────────────────────────

/** The referencing mappings folio_referenced found, and the union of their VMAs' flags. */
let referenced: u32 = 0;
export let referenced_vm_flags: u32 = 0;

/** The translation changed: the host's TLB must drop it if it is the running mm's. */
@inline function flush_if_current(vma: vm_area_struct, address: u64): void {
  if (current_mm() === ptr<mm_struct>(vma.vm_mm)) flush_tlb_page(address);
}

function folio_referenced_one(pg: page, vma: vm_area_struct, address: u64, entry: usize): bool {
  if (vma.vm_flags & VM_LOCKED) {
    // Restore the mlock which got missed; reclaim then culls the page.
    mlock_vma_folio(pg, vma);
    referenced_vm_flags |= VM_LOCKED;
    return false;
  }
  const v = load<u64>(entry);
  // ptep_clear_flush_young: the Accessed bit (of a pte or a huge pmd) is read and cleared.
  if (v & _PAGE_ACCESSED) {
    store<u64>(entry, v & ~_PAGE_ACCESSED);
    flush_if_current(vma, address);
    referenced++;
  }
  referenced_vm_flags |= vma.vm_flags;
  return true;
}

/**
 * How many mappings of the page were accessed since the last look,
 * clearing their Accessed bits (folio_referenced); their VMAs' flags are
 * in referenced_vm_flags.
 */
export function folio_referenced(pg: page): u32 {
  trace_enter(FN_folio_referenced, page_to_pfn(pg));
  referenced = 0;
  referenced_vm_flags = 0;
  if (pg._mapcount >= 0) rmap_walk(pg, folio_referenced_one);
  trace_exit(FN_folio_referenced, referenced);
  return referenced;
}

let unmap_ok: bool = true;

/**
 * Unmaps the page from one pte (try_to_unmap_one): an anonymous page's pte
 * becomes its swap entry (exclusive if the page was), a file page's pte
 * is cleared; the Dirty bit moves to the page. An mlocked VMA keeps it,
 * and the page is mlocked if that was missed.
 */
function try_to_unmap_one(pg: page, vma: vm_area_struct, address: u64, ptep: usize): bool {
  if ((vma.vm_flags & VM_LOCKED) || pvmw_huge) {
    if ((vma.vm_flags & VM_LOCKED) && !pvmw_huge) mlock_vma_folio(pg, vma);
    unmap_ok = false;
    return false;
  }
  const mm = ptr<mm_struct>(vma.vm_mm);
  const pteval = load<u64>(ptep);
  store<u64>(ptep, 0);
  flush_if_current(vma, address);
  if (pteval & _PAGE_DIRTY) pg.flags |= PG_dirty;
  update_hiwater_rss(mm);
  if (pg.mapping & PAGE_MAPPING_ANON) {
    const entry = folio_swap_entry(pg);
    if (!entry || swap_duplicate(entry) < 0) {
      store<u64>(ptep, pteval);
      unmap_ok = false;
      return false;
    }
    let swp_pte = swp_entry_to_pte(entry);
    if (pg.flags & PG_anon_exclusive) {
      pg.flags &= ~PG_anon_exclusive;
      swp_pte = pte_swp_mkexclusive(swp_pte);
    }
    add_mm_counter(mm, MM_ANONPAGES, -1);
    add_mm_counter(mm, MM_SWAPENTS, 1);
    store<u64>(ptep, swp_pte);
  } else {
    add_mm_counter(mm, mm_counter_file(pg), -1);
  }
  page_remove_rmap(pg, false, vma);
  put_page(pg);
  return true;
}

/** Unmaps the page from every pte through rmap (try_to_unmap). @return false if some mapping stays. */
export function try_to_unmap(pg: page): bool {
  trace_enter(FN_try_to_unmap, page_to_pfn(pg));
  unmap_ok = true;
  rmap_walk(pg, try_to_unmap_one);
  trace_exit(FN_try_to_unmap, unmap_ok ? 1 : 0);
  return unmap_ok;
}

// ─── the invariant checker's part ──────────────────────────────────────────

let violations: u32 = 0;

function bad(reason: string, v: u64): void {
  violations++;
  printk("check_rmap: ");
  printk(reason);
  printk(" (");
  printk_hex(v);
  printk(")\n");
}

/** One VMA's chains: each points back at it and sits on its anon_vma's list. @return chains. */
function check_vma_chains(vma: vm_area_struct): u32 {
  let n: u32 = 0;
  let has_own = vma.anon_vma == 0;
  for (let c = vma.anon_vma_chain; c; c = ptr<anon_vma_chain>(c).same_vma) {
    const avc = ptr<anon_vma_chain>(c);
    n++;
    if (avc.vma != addr_of(vma)) bad("anon_vma_chain of another vma", vma.vm_start);
    if (avc.anon_vma == vma.anon_vma) has_own = true;
    let on_list = false;
    for (let d = ptr<anon_vma>(avc.anon_vma).head; d; d = ptr<anon_vma_chain>(d).next) {
      if (d == c) { on_list = true; break; }
    }
    if (!on_list) bad("anon_vma_chain missing from its anon_vma's list", vma.vm_start);
  }
  if (!has_own) bad("vma not linked to its own anon_vma", vma.vm_start);
  return n;
}

/**
 * The reverse map's invariants: every VMA's chains are consistent, every
 * chain belongs to a live VMA, and every mapped anonymous page is found
 * by rmap_walk exactly _mapcount + 1 times; an exclusive page is mapped
 * once. @return the number of violations, each printk'd.
 */
export function check_rmap(first: mm_struct | null): u32 {
  violations = 0;
  let chains: u32 = 0;
  for (let m: usize = changetype<usize>(first); m; m = <usize>ptr<mm_struct>(m).mmlist) {
    const mm = ptr<mm_struct>(m);
    for (let v = mm.mmap; v; v = ptr<vm_area_struct>(v).vm_next) chains += check_vma_chains(ptr<vm_area_struct>(v));
  }
  if (chains != anon_vma_chain_cachep.active_objs) bad("anon_vma_chains not on any vma", anon_vma_chain_cachep.active_objs);
  for (let pfn: u32 = 0; pfn < max_pfn; pfn++) {
    const pg = pfn_to_page(pfn);
    if (pg._mapcount < 0 || !(pg.mapping & PAGE_MAPPING_ANON) || (pg.flags & PG_tail)) continue;
    const found = rmap_mapcount(pg);
    if (<i32>found != <i32>pg._mapcount + 1) {
      printk("check_rmap: pfn ");
      printk_u64(pfn);
      printk(" mapcount ");
      printk_u64(<u64>(<i32>pg._mapcount + 1));
      printk(", rmap finds ");
      printk_u64(found);
      printk("\n");
      violations++;
    }
    if ((pg.flags & PG_anon_exclusive) && pg._mapcount > 0) bad("exclusive anonymous page mapped more than once", pfn);
  }
  return violations;
}

/**
 * For the host's views and tests: the pfn's _mapcount + 1 and the
 * mappings rmap_walk finds for it, as (found << 16) | mapcount.
 * -1 for a pfn outside RAM or a page that is not anonymous.
 */
export function rmap_page_mapcount(pfn: u32): i32 {
  if (pfn >= max_pfn) return -1;
  const pg = pfn_to_page(pfn);
  if (!(pg.mapping & PAGE_MAPPING_ANON) || pg._mapcount < 0) return -1;
  return <i32>(rmap_mapcount(pg) << 16) | (<i32>pg._mapcount + 1);
}
