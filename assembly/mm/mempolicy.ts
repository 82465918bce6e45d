// mm/mempolicy.c: NUMA memory policies. A task has a policy (in its mm:
// one task per mm) and each VMA may have its own (vm_policy, set by
// mbind); an allocation for a user page takes the VMA's, else the task's,
// else the local node (alloc_pages_vma, seed item 7). set_mempolicy,
// mbind and get_mempolicy are here after the host has read the nodemask
// from user memory (get_nodes); migrate_pages and move_pages move
// anonymous pages between nodes through rmap (mm/migrate.ts).
//
// A policy's nodes are a u64 (nodes with memory sit below MAX_NUMNODES), 0 =
// empty; the mask a syscall was given is NODEMASK_BITS wide (user_nodes, filled
// by the host's get_nodes), and a policy keeps it whole for MPOL_F_STATIC_NODES
// and MPOL_F_RELATIVE_NODES. Policies are refcounted objects from the
// numa_policy cache; mpol_dup copies one.

import {
  page, mm_struct, vm_area_struct, PAGE_SHIFT, PAGE_SIZE, PG_head, PG_tail, VM_READ, VM_IO, VM_PFNMAP,
} from "./mm_types";
import {
  MAX_NUMNODES, ZONE_DMA32, page_to_nid, page_zone, NUMA_INTERLEAVE_HIT, nr_online_nodes,
  pfn_to_page, page_to_pfn, list_empty,
} from "./mmzone";
import { gfp_zone, GFP_HIGHUSER_MOVABLE, __GFP_THISNODE, __GFP_NORETRY, __GFP_NOWARN, __GFP_DIRECT_RECLAIM, __GFP_NOFAIL } from "./gfp";
import { __alloc_pages, __alloc_pages_node, __count_numa_event } from "./page_alloc";
import { kmem_cache, kmem_cache_create, kmem_cache_zalloc, kmem_cache_free } from "./slab";
import { current_mm, arg64, mm_from_handle } from "./mmap";
import { zero_page_pfn } from "./mm_init";
import { find_vma, vma_next, vma_modify_policy } from "./vma";
import { walk_pmd_range, faultin_page, follow_page_mask, FOLLOW_NO_PAGE, FOLLOW_ZERO_PAGE, vm_normal_page, VM_FAULT_ERROR } from "./memory";
import { pte_offset, pmd_trans_huge, pmd_pfn, pte_present } from "./pgtable";
import { migrate_pages, page_movable, isolate_movable_page, putback_movable_pages } from "./migrate";
import { lru_add_drain } from "./swap";
import { numa_node_id, node_states_memory } from "../arch/x86/mm/numa";
import { NODEMASK_BITS, NODEMASK_LONGS } from "../include/numa";
import { trace_enter, trace_exit, TRACE_NO_PAGE, FN_alloc_pages_vma } from "../kernel/trace";
import { EINVAL, EFAULT, EPERM, ENOMEM, EACCES, ENODEV, EIO, ENOENT, EBUSY, EOPNOTSUPP } from "../include/errno";

// uapi/linux/mempolicy.h
@inline export const MPOL_DEFAULT: u32 = 0;
@inline export const MPOL_PREFERRED: u32 = 1;
@inline export const MPOL_BIND: u32 = 2;
@inline export const MPOL_INTERLEAVE: u32 = 3;
@inline export const MPOL_LOCAL: u32 = 4;
@inline export const MPOL_PREFERRED_MANY: u32 = 5;
@inline export const MPOL_WEIGHTED_INTERLEAVE: u32 = 6;
@inline export const MPOL_MAX: u32 = 7;
@inline export const MPOL_F_STATIC_NODES: u32 = 1 << 15;
@inline export const MPOL_F_RELATIVE_NODES: u32 = 1 << 14;
@inline export const MPOL_F_NUMA_BALANCING: u32 = 1 << 13;
@inline export const MPOL_MODE_FLAGS: u32 = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;
@inline const MPOL_USER_NODEMASK_FLAGS: u32 = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES;
// Internal flags (MPOL_F_MOF, MPOL_F_MORON): NUMA balancing, which this kernel does not run.
@inline const MPOL_F_MOF: u32 = 1 << 3;
@inline const MPOL_F_MORON: u32 = 1 << 4;
// get_mempolicy flags
@inline export const MPOL_F_NODE: u32 = 1 << 0;
@inline export const MPOL_F_ADDR: u32 = 1 << 1;
@inline export const MPOL_F_MEMS_ALLOWED: u32 = 1 << 2;
// mbind / migrate flags
@inline export const MPOL_MF_STRICT: u32 = 1 << 0;
@inline export const MPOL_MF_MOVE: u32 = 1 << 1;
@inline export const MPOL_MF_MOVE_ALL: u32 = 1 << 2;
@inline const MPOL_MF_VALID: u32 = MPOL_MF_STRICT | MPOL_MF_MOVE | MPOL_MF_MOVE_ALL;
@inline const MPOL_MF_DISCONTIG_OK: u32 = 1 << 4;  // internal: holes allowed
@inline const MPOL_MF_INVERT: u32 = 1 << 5;        // internal: queue pages NOT in the mask

/** struct mempolicy. */
@unmanaged
export class mempolicy {
  refcnt: i32;
  mode: u16;
  flags: u16;
  home_node: i32;
  _pad: u32;
  nodes: u64;
  // Then w.user_nodemask, NODEMASK_BITS wide: the mask as given for
  // STATIC/RELATIVE, else the nodes allowed when it was made (mpol_user_nodemask).
}

@inline const NODEMASK_BYTES: usize = NODEMASK_LONGS * 8;
@inline const SIZEOF_MEMPOLICY: usize = offsetof<mempolicy>() + NODEMASK_BYTES;
@inline function mpol_user_nodemask(pol: mempolicy): usize { return changetype<usize>(pol) + offsetof<mempolicy>(); }

// The nodemask a syscall passes in (get_nodes' result): the host writes it here.
const user_nodes = memory.data(<i32>NODEMASK_BYTES, 8);
/** Where the host puts a syscall's nodemask (NODEMASK_BITS, as longs) before set_mempolicy or mbind. */
export function user_nodemask_ptr(): usize { return user_nodes; }

// The numa_policy cache, made on first use so a machine nobody gives a
// policy has the caches it always had.
let policy_cache: kmem_cache | null = null;

// ─── nodemask helpers (include/linux/nodemask.h) ───────────────────────────

@inline function node_isset(nid: u32, mask: u64): bool { return nid < MAX_NUMNODES && ((mask >> nid) & 1) != 0; }
@inline function nodes_weight(mask: u64): u32 { return <u32>popcnt(mask); }
@inline function first_node(mask: u64): u32 { return mask ? <u32>ctz(mask) : MAX_NUMNODES; }
/** The first node in mask after n, or MAX_NUMNODES. */
@inline function next_node(n: u32, mask: u64): u32 {
  const rest = n + 1 >= MAX_NUMNODES ? 0 : mask & (<u64>-1 << (n + 1));
  return rest ? <u32>ctz(rest) : MAX_NUMNODES;
}
/** next_node, wrapping to the first; MAX_NUMNODES for an empty mask. */
function next_node_in(n: u32, mask: u64): u32 {
  const r = next_node(n, mask);
  return r < MAX_NUMNODES ? r : first_node(mask);
}
/** The node of the n-th set bit (find_nth_bit). */
function nth_node(mask: u64, n: u32): u32 {
  let nid = first_node(mask);
  while (n--) nid = next_node(nid, mask);
  return nid;
}
/** bitmap_onto: the m-th set bit of relmap is set when bit m of orig is. */
function nodes_onto(orig: u64, relmap: u64): u64 {
  let r: u64 = 0;
  let m: u32 = 0;
  for (let n: u32 = 0; n < MAX_NUMNODES; n++) {
    if (!node_isset(n, relmap)) continue;
    if (node_isset(m, orig)) r |= <u64>1 << n;
    m++;
  }
  return r;
}
/** Is the user mask at ptr empty (nodes_empty)? */
function user_nodes_empty(ptr: usize): bool {
  for (let i: usize = 0; i < NODEMASK_LONGS; i++) if (load<u64>(ptr + i * 8)) return false;
  return true;
}
/** bitmap_fold of a user mask: bit n sets bit n % sz (sz <= MAX_NUMNODES). */
function user_nodes_fold(ptr: usize, sz: u32): u64 {
  let r: u64 = 0;
  for (let i: u32 = 0; i < NODEMASK_LONGS; i++) {
    let w = load<u64>(ptr + <usize>i * 8);
    while (w) {
      r |= <u64>1 << ((i * 64 + <u32>ctz(w)) % sz);
      w &= w - 1;
    }
  }
  return r;
}
/** node_remap (bitmap_bitremap): oldbit's ordinal in old, mapped onto new. */
function node_remap(oldbit: u32, old: u64, nw: u64): u32 {
  if (!node_isset(oldbit, old) || !nw) return oldbit;
  const n = nodes_weight(old & ((<u64>1 << oldbit) - 1));
  return nth_node(nw, n % nodes_weight(nw));
}

// ─── policy objects ────────────────────────────────────────────────────────

@inline export function vma_policy(vma: vm_area_struct): mempolicy | null {
  return vma.vm_policy ? changetype<mempolicy>(<usize>vma.vm_policy) : null;
}

/** Drops a reference; the last frees the policy (mpol_put). */
export function mpol_put(pol: usize): void {
  if (!pol) return;
  const p = changetype<mempolicy>(pol);
  if (--p.refcnt == 0) kmem_cache_free(changetype<kmem_cache>(policy_cache), pol);
}

function mpol_alloc(): mempolicy | null {
  if (policy_cache === null) policy_cache = kmem_cache_create("numa_policy", <u32>SIZEOF_MEMPOLICY);
  const obj = kmem_cache_zalloc(changetype<kmem_cache>(policy_cache));
  return obj ? changetype<mempolicy>(obj) : null;
}

/**
 * A copy of pol with its own reference (mpol_dup), for fork and VMA
 * splits. @return the copy, 0 for no policy, or -1 when out of memory
 */
export function mpol_dup(pol: usize): isize {
  if (!pol) return 0;
  const n = mpol_alloc();
  if (n === null) return -1;
  memory.copy(changetype<usize>(n), pol, SIZEOF_MEMPOLICY);
  n.refcnt = 1;
  return <isize>changetype<usize>(n);
}

/** Do two policies (either may be none) place pages alike (__mpol_equal)? */
export function mpol_equal(a: usize, b: usize): bool {
  if (a == b) return true;
  if (!a || !b) return false;
  const x = changetype<mempolicy>(a), y = changetype<mempolicy>(b);
  if (x.mode != y.mode || x.flags != y.flags || x.home_node != y.home_node) return false;
  if ((x.flags & MPOL_USER_NODEMASK_FLAGS) && memory.compare(mpol_user_nodemask(x), mpol_user_nodemask(y), NODEMASK_BYTES) != 0) return false;
  return x.mode == MPOL_LOCAL || x.nodes == y.nodes;
}

/**
 * Checks the mode and its flags (sanitize_mpol_flags). @return the mode
 * (bits 0-2) with its flags, internal ones added (bits 3 and up), or -EINVAL
 */
export function sanitize_mpol_flags(mode: i32): i32 {
  let flags = <u32>mode & MPOL_MODE_FLAGS;
  const m = <u32>mode & ~MPOL_MODE_FLAGS;
  if (m >= MPOL_MAX) return -EINVAL;
  if ((flags & MPOL_F_STATIC_NODES) && (flags & MPOL_F_RELATIVE_NODES)) return -EINVAL;
  if (flags & MPOL_F_NUMA_BALANCING) {
    if (m != MPOL_BIND && m != MPOL_PREFERRED_MANY) return -EINVAL;
    flags |= MPOL_F_MOF | MPOL_F_MORON;
  }
  return <i32>(flags | m);
}
@inline const MPOL_MODE_MASK: u32 = 7;

// mpol_new's result: the policy (0 for MPOL_DEFAULT) or -errno.
/**
 * A new policy (mpol_new): MPOL_DEFAULT is no policy and takes no nodes;
 * MPOL_PREFERRED with no nodes means local; MPOL_LOCAL takes none;
 * the others need some.
 */
function mpol_new(mode: u32, flags: u32, nodes: usize): isize {
  const empty = user_nodes_empty(nodes);
  if (mode == MPOL_DEFAULT) return empty ? 0 : <isize>-EINVAL;
  if (mode == MPOL_PREFERRED) {
    if (empty) {
      if (flags & MPOL_USER_NODEMASK_FLAGS) return -EINVAL;
      mode = MPOL_LOCAL;
    }
  } else if (mode == MPOL_LOCAL) {
    if (!empty || (flags & MPOL_USER_NODEMASK_FLAGS)) return -EINVAL;
  } else if (empty) {
    return -EINVAL;
  }
  const pol = mpol_alloc();
  if (pol === null) return -ENOMEM;
  pol.refcnt = 1;
  pol.mode = <u16>mode;
  pol.flags = <u16>flags;
  pol.home_node = -1;
  return <isize>changetype<usize>(pol);
}

/**
 * The policy's nodes from the mask given (mpol_set_nodemask): only nodes
 * with memory, folded onto them for MPOL_F_RELATIVE_NODES; MPOL_PREFERRED
 * keeps the first. @return 0 or -EINVAL when none remains
 */
function mpol_set_nodemask(pol: mempolicy, nodes: usize): i32 {
  if (pol.mode == MPOL_LOCAL) return 0;
  const allowed = node_states_memory;
  const m = (pol.flags & MPOL_F_RELATIVE_NODES)
    ? nodes_onto(user_nodes_fold(nodes, nodes_weight(allowed)), allowed)
    : load<u64>(nodes) & allowed;
  const user = mpol_user_nodemask(pol);
  if (pol.flags & MPOL_USER_NODEMASK_FLAGS) {
    memory.copy(user, nodes, NODEMASK_BYTES);
  } else {
    memory.fill(user, 0, NODEMASK_BYTES);
    store<u64>(user, allowed);   // w.cpuset_mems_allowed
  }
  if (!m) return -EINVAL;
  pol.nodes = pol.mode == MPOL_PREFERRED ? <u64>1 << first_node(m) : m;
  return 0;
}

/** mpol_new + mpol_set_nodemask. @return the policy, 0 (default) or -errno */
function mpol_create(mode: u32, flags: u32, nodes: usize): isize {
  const r = mpol_new(mode, flags, nodes);
  if (r <= 0) return r;
  const err = mpol_set_nodemask(changetype<mempolicy>(<usize>r), nodes);
  if (err) {
    mpol_put(<usize>r);
    return err;
  }
  return r;
}

// ─── which policy, which node ──────────────────────────────────────────────

// Linux's default_policy (MPOL_LOCAL) and preferred_node_policy[] (what a
// task without a policy gets: preferred, the CPU's node) both allocate on
// the local node with no nodemask: here they are null, no policy.

/** The task's policy, null for none (get_task_policy). */
function get_task_policy(mm: mm_struct | null): mempolicy | null {
  return mm !== null && mm.mempolicy ? changetype<mempolicy>(<usize>mm.mempolicy) : null;
}

/** The VMA's policy, else the task's, else null (get_vma_policy). */
export function get_vma_policy(vma: vm_area_struct, addr: u64): mempolicy | null {
  const pol = vma_policy(vma);
  if (pol !== null) return pol;
  return get_task_policy(changetype<mm_struct>(<usize>vma.vm_mm));
}

/** The nid-th node of the policy's n % weight (offset_il_node). */
function offset_il_node(pol: mempolicy, n: u64): u32 {
  const nnodes = nodes_weight(pol.nodes);
  if (!nnodes) return numa_node_id();
  return nth_node(pol.nodes, <u32>(n % nnodes));
}

/** Interleave by the page's offset in the VMA, in units of its order (interleave_nid). */
export function interleave_nid(pol: mempolicy, vma: vm_area_struct, addr: u64, shift: u32): u32 {
  let off = vma.vm_pgoff >> (shift - PAGE_SHIFT);
  off += (addr - vma.vm_start) >> shift;
  return offset_il_node(pol, off);
}

/** Interleave for allocations with no VMA: the task's next node (interleave_nodes). */
function interleave_nodes(mm: mm_struct | null, pol: mempolicy): u32 {
  if (mm === null) return offset_il_node(pol, 0);
  const next = next_node_in(mm.il_prev, pol.nodes);
  if (next < MAX_NUMNODES) mm.il_prev = next;
  return next;
}

// wi_state: the weighted-interleave weights (/sys/kernel/mm/mempolicy/
// weighted_interleave/nodeN), 0 = not set, which counts as 1, and
// mode_auto: whether they follow the nodes' bandwidth (weighted_interleave/
// auto). No node here reports a bandwidth (no HMAT), so auto leaves them 1.
const iw_table = memory.data(<i32>MAX_NUMNODES, 1);
let wi_mode_auto = true;
/** Node nid's interleave weight (get_il_weight). */
export function get_il_weight(nid: u32): u32 {
  const w = nid < MAX_NUMNODES ? <u32>load<u8>(iw_table + nid) : 0;
  return w ? w : 1;
}
/** Sets node nid's interleave weight (node_store: 1..255, as Linux 6.18 takes it); the weights stop following the bandwidth. @return 0 or -EINVAL */
export function set_iw_weight(nid: u32, weight: u32): i32 {
  if (nid >= MAX_NUMNODES || weight == 0 || weight > 255) return -EINVAL;
  store<u8>(iw_table + nid, <u8>weight);
  wi_mode_auto = false;
  return 0;
}
/** weighted_interleave/auto: 1 while the weights follow the nodes' bandwidth. */
export function weighted_interleave_auto(): u32 { return wi_mode_auto ? 1 : 0; }
/**
 * Writes weighted_interleave/auto (weighted_interleave_auto_store, after
 * kstrtobool): false keeps the weights as they are; true needs the nodes'
 * bandwidth table, which no node here has. @return 0 or -ENODEV
 */
export function weighted_interleave_auto_store(input: u32): i32 {
  if (input) return -ENODEV;
  wi_mode_auto = false;
  return 0;
}

/**
 * Weighted interleave for allocations with no VMA: the task stays on
 * il_prev for that node's weight, then moves to the next node of the
 * policy (weighted_interleave_nodes).
 */
function weighted_interleave_nodes(mm: mm_struct, pol: mempolicy): u32 {
  let node = mm.il_prev;
  if (!mm.il_weight || !node_isset(node, pol.nodes)) {
    node = next_node_in(node, pol.nodes);
    mm.il_prev = node;
    mm.il_weight = get_il_weight(node);
  }
  mm.il_weight--;
  return node;
}

/** Weighted interleave: ilx walks each node's weight in turn (weighted_interleave_nid). */
export function weighted_interleave_nid(pol: mempolicy, ilx: u64): u32 {
  const mask = pol.nodes;
  if (!mask) return numa_node_id();
  let total: u64 = 0;
  for (let nid = first_node(mask); nid < MAX_NUMNODES; nid = next_node(nid, mask)) total += get_il_weight(nid);
  let target = ilx % total;
  let nid = first_node(mask);
  while (target) {
    const w = <u64>get_il_weight(nid);
    if (target < w) break;
    target -= w;
    nid = next_node_in(nid, mask);
  }
  return nid;
}

// policy_zone: the highest zone below Movable that has memory (DMA32 here):
// MPOL_BIND applies to allocations that may use it or higher.
@inline function apply_policy_zone(zid: i32): bool { return zid >= <i32>ZONE_DMA32; }

/** The nodemask an allocation under the policy is limited to, 0 for none (policy_nodemask). */
export function policy_nodemask(gfp: u32, pol: mempolicy): u64 {
  if (pol.mode == MPOL_BIND && apply_policy_zone(gfp_zone(gfp))) return pol.nodes;
  if (pol.mode == MPOL_PREFERRED_MANY) return pol.nodes;
  return 0;
}

/** The node whose zonelist an allocation under the policy walks (policy_node). */
export function policy_node(gfp: u32, pol: mempolicy, nd: u32): u32 {
  if (pol.mode == MPOL_PREFERRED) nd = first_node(pol.nodes);
  if ((pol.mode == MPOL_BIND || pol.mode == MPOL_PREFERRED_MANY) && pol.home_node >= 0) return <u32>pol.home_node;
  return nd;
}

/** An interleaved allocation on nid; interleave_hit counts it landing there (alloc_page_interleave). */
function alloc_page_interleave(gfp: u32, order: u32, nid: u32): page | null {
  const pg = __alloc_pages(gfp, order, nid, 0);
  if (pg !== null && page_to_nid(pg) == nid && page_zone(pg).numa_events) __count_numa_event(page_zone(pg), NUMA_INTERLEAVE_HIT);
  return pg;
}

/** MPOL_PREFERRED_MANY: the preferred nodes without reclaim, then anywhere (alloc_pages_preferred_many). */
function alloc_pages_preferred_many(gfp: u32, order: u32, nid: u32, pol: mempolicy): page | null {
  const preferred_gfp = (gfp | __GFP_NOWARN) & ~(__GFP_DIRECT_RECLAIM | __GFP_NOFAIL);
  const pg = __alloc_pages(preferred_gfp, order, nid, pol.nodes);
  if (pg !== null) return pg;
  return __alloc_pages(gfp, order, nid, 0);
}

/**
 * A page for `addr` in `vma` under its policy (alloc_pages_vma, seed 7):
 * interleave by the page's offset; preferred-many; a THP tries only the
 * preferred node first; else the policy's node and nodemask.
 */
export function alloc_pages_vma(gfp: u32, order: u32, vma: vm_area_struct, addr: u64): page | null {
  trace_enter(FN_alloc_pages_vma, order);
  const pg = __alloc_pages_vma(gfp, order, vma, addr, numa_node_id(), order > 0);
  trace_exit(FN_alloc_pages_vma, pg === null ? TRACE_NO_PAGE : page_to_pfn(pg));
  return pg;
}

function __alloc_pages_vma(gfp: u32, order: u32, vma: vm_area_struct, addr: u64, node: u32, hugepage: bool): page | null {
  const p = get_vma_policy(vma, addr);
  if (p === null) return alloc_pages_local(gfp, order, node, hugepage);
  const pol = changetype<mempolicy>(p);
  if (pol.mode == MPOL_INTERLEAVE) return alloc_page_interleave(gfp, order, interleave_nid(pol, vma, addr, PAGE_SHIFT + order));
  if (pol.mode == MPOL_WEIGHTED_INTERLEAVE) {
    const ilx = (vma.vm_pgoff >> order) + ((addr - vma.vm_start) >> (PAGE_SHIFT + order));
    return alloc_page_interleave(gfp, order, weighted_interleave_nid(pol, ilx));
  }
  // The preferred node, or the home node of BIND and PREFERRED_MANY.
  const nid = policy_node(gfp, pol, node);
  if (pol.mode == MPOL_PREFERRED_MANY) return alloc_pages_preferred_many(gfp, order, nid, pol);
  const nmask = policy_nodemask(gfp, pol);
  // With one node the local-only first try would walk the same zones as
  // the plain allocation below; it is skipped so one node allocates as a
  // kernel without NUMA does.
  if (hugepage && nr_online_nodes > 1 && (!nmask || node_isset(nid, nmask))) {
    // First only that node, compacting but not reclaiming; anywhere the
    // policy allows only when the caller allows direct reclaim.
    const pg = __alloc_pages_node(nid, gfp | __GFP_THISNODE | __GFP_NORETRY, order);
    if (pg !== null || !(gfp & __GFP_DIRECT_RECLAIM)) return pg;
  }
  return __alloc_pages(gfp, order, nid, nmask);
}

/** No policy (the local node): a THP tries the node alone first, as above. */
function alloc_pages_local(gfp: u32, order: u32, node: u32, hugepage: bool): page | null {
  if (hugepage && nr_online_nodes > 1) {
    const pg = __alloc_pages_node(node, gfp | __GFP_THISNODE | __GFP_NORETRY, order);
    if (pg !== null || !(gfp & __GFP_DIRECT_RECLAIM)) return pg;
  }
  return __alloc_pages_node(node, gfp, order);
}

/**
 * alloc_pages(gfp, order) for the current task: its policy (not for
 * __GFP_THISNODE), interleaving by the task's own rotor.
 */
export function alloc_pages(gfp: u32, order: u32): page | null {
  const mm = current_mm();
  const p = get_task_policy(mm);
  if (p === null || (gfp & __GFP_THISNODE)) return __alloc_pages_node(numa_node_id(), gfp, order);
  const pol = changetype<mempolicy>(p);
  if (pol.mode == MPOL_INTERLEAVE) return alloc_page_interleave(gfp, order, interleave_nodes(mm, pol));
  if (pol.mode == MPOL_WEIGHTED_INTERLEAVE) {
    return alloc_page_interleave(gfp, order, weighted_interleave_nodes(changetype<mm_struct>(mm), pol));
  }
  if (pol.mode == MPOL_PREFERRED_MANY) {
    return alloc_pages_preferred_many(gfp, order, policy_node(gfp, pol, numa_node_id()), pol);
  }
  return __alloc_pages(gfp, order, policy_node(gfp, pol, numa_node_id()), policy_nodemask(gfp, pol));
}

// ─── set_mempolicy ─────────────────────────────────────────────────────────

/** Replaces the task's policy (do_set_mempolicy). @return 0 or -errno */
function do_set_mempolicy(mm: mm_struct, mode: u32, flags: u32, nodes: usize): i32 {
  const r = mpol_create(mode, flags, nodes);
  if (r < 0) return <i32>r;
  mpol_put(<usize>mm.mempolicy);
  mm.mempolicy = <u32>r;
  if (r && (mode == MPOL_INTERLEAVE || mode == MPOL_WEIGHTED_INTERLEAVE)) {
    mm.il_prev = MAX_NUMNODES - 1;
    mm.il_weight = 0;
  }
  return 0;
}

/**
 * set_mempolicy(2) for the current task, the nodemask already read from
 * user memory into user_nodemask_ptr() (kernel_set_mempolicy after
 * get_nodes). @return 0 or -errno
 */
export function kernel_set_mempolicy(mode: i32): i32 {
  const mm = current_mm();
  if (mm === null) return -EINVAL;
  const s = sanitize_mpol_flags(mode);
  if (s < 0) return s;
  return do_set_mempolicy(mm, <u32>s & MPOL_MODE_MASK, <u32>s & ~MPOL_MODE_MASK, user_nodes);
}

// ─── get_mempolicy ─────────────────────────────────────────────────────────

// get_mempolicy's results: i32 policy, u32 mask_lo, u32 mask_hi.
const result = memory.data(12, 4);
export function mempolicy_result_ptr(): usize { return result; }

/**
 * The node of the page at addr, faulting it in as get_user_pages does
 * (lookup_node): a VMA it may not read, or a PFN map, is -EFAULT (check_vma_flags).
 */
function lookup_node(mm: mm_struct, addr: u64): i32 {
  const vma = find_vma(mm, addr);
  if (vma === null || vma.vm_start > addr || (vma.vm_flags & (VM_IO | VM_PFNMAP)) || !(vma.vm_flags & VM_READ)) return -EFAULT;
  if (faultin_page(vma, addr, false) & VM_FAULT_ERROR) return -EFAULT;
  const pfn = follow_page_mask(vma, addr, false);
  if (pfn == FOLLOW_ZERO_PAGE) return <i32>page_to_nid(pfn_to_page(zero_page_pfn()));
  if (pfn == FOLLOW_NO_PAGE) return -EFAULT;
  return <i32>page_to_nid(pfn_to_page(<u32>pfn));
}

/** The nodes a policy shows (get_policy_nodemask): none for local or no policy. */
function get_policy_nodemask(pol: mempolicy | null): u64 {
  if (pol === null || pol.mode == MPOL_LOCAL) return 0;
  return pol.nodes;
}

/**
 * get_mempolicy(2) (do_get_mempolicy): the task's policy, or with
 * MPOL_F_ADDR the VMA's at addr; MPOL_F_NODE gives a node instead of the
 * mode (the page's with MPOL_F_ADDR, else the next interleave node).
 * The results go to mempolicy_result_ptr(). @return 0 or -errno
 */
export function kernel_get_mempolicy(addr: f64, flags: u32): i32 {
  const mm = current_mm();
  if (mm === null) return -EINVAL;
  const a = arg64(addr);
  if (flags & ~(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) return -EINVAL;
  if (flags & MPOL_F_MEMS_ALLOWED) {
    if (flags & (MPOL_F_NODE | MPOL_F_ADDR)) return -EINVAL;
    store<i32>(result, 0);
    store<u64>(result, node_states_memory, 4);
    return 0;
  }
  let pol: mempolicy | null = mm.mempolicy ? changetype<mempolicy>(<usize>mm.mempolicy) : null;
  if (flags & MPOL_F_ADDR) {
    const vma = find_vma(mm, a);
    if (vma === null || vma.vm_start > a) return -EFAULT;
    pol = vma_policy(vma);
  } else if (a) {
    return -EINVAL;
  }
  // No policy is Linux's default_policy: MPOL_DEFAULT, no nodes.
  const task_pol = pol !== null && <usize>mm.mempolicy == changetype<usize>(pol);
  const mode: u32 = pol !== null ? pol.mode : MPOL_DEFAULT;
  const pflags: u32 = pol !== null ? pol.flags : 0;
  let policy: i32;
  if (flags & MPOL_F_NODE) {
    if (flags & MPOL_F_ADDR) {
      policy = lookup_node(mm, a);
      if (policy < 0) return policy;
    } else if (task_pol && mode == MPOL_INTERLEAVE) {
      policy = <i32>next_node_in(mm.il_prev, changetype<mempolicy>(pol).nodes);
    } else if (task_pol && mode == MPOL_WEIGHTED_INTERLEAVE) {
      policy = <i32>(mm.il_weight ? mm.il_prev : next_node_in(mm.il_prev, changetype<mempolicy>(pol).nodes));
    } else {
      return -EINVAL;
    }
  } else {
    policy = <i32>(mode | (pflags & MPOL_MODE_FLAGS));
  }
  store<i32>(result, policy);
  // copy_nodes_to_user copies nr_node_ids' longs: the first, here.
  store<u64>(result, (pflags & MPOL_USER_NODEMASK_FLAGS) ? load<u64>(mpol_user_nodemask(changetype<mempolicy>(pol))) : get_policy_nodemask(pol), 4);
  return 0;
}

// ─── mbind: queueing misplaced pages, and migrating them ───────────────────

// The walk's state (queue_pages): no closures here.
let qp_nmask: u64 = 0;
let qp_flags: u32 = 0;
let qp_nr_failed: u32 = 0;
let qp_start: u64 = 0;
let qp_end: u64 = 0;
const qp_pagelist = memory.data(8, 4);

@inline function init_pagelist(): void {
  store<u32>(qp_pagelist, <u32>qp_pagelist);
  store<u32>(qp_pagelist, <u32>qp_pagelist, 4);
}

/** Does the page need queueing: on a node in the mask, or with INVERT on one outside it (queue_folio_required)? */
@inline function queue_folio_required(pg: page): bool {
  return node_isset(page_to_nid(pg), qp_nmask) == !(qp_flags & MPOL_MF_INVERT);
}

/**
 * A page the walk must act on: with MOVE, isolated for migration unless
 * another process maps it too (without MOVE_ALL it stays, not a
 * failure); what cannot be queued counts as failed (migrate_folio_add).
 */
function queue_page(pg: page): void {
  if (!queue_folio_required(pg)) return;
  if (!(qp_flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL))) {
    qp_nr_failed++;
    return;
  }
  if (!(qp_flags & MPOL_MF_MOVE_ALL) && pg._mapcount > 0) return;
  if (!page_movable(pg)) {
    qp_nr_failed++;
    return;
  }
  isolate_movable_page(pg, qp_pagelist);
}

function queue_pages_pmd(pmd: usize, addr: u64, next: u64): void {
  const pmdval = load<u64>(pmd);
  if (pmd_trans_huge(pmdval)) {
    // A THP is not migrated here: misplaced, it counts as failed.
    const head = pfn_to_page(pmd_pfn(pmdval));
    if (queue_folio_required(head)) qp_nr_failed++;
    return;
  }
  let pte = pte_offset(pmd, addr);
  for (; addr != next; addr += PAGE_SIZE, pte += 8) {
    const ptent = load<u64>(pte);
    if (!pte_present(ptent)) continue;
    const pg = vm_normal_page(ptent);
    if (pg === null) continue;
    if (pg.flags & (PG_head | PG_tail)) {
      if (queue_folio_required(pg)) qp_nr_failed++;
      continue;
    }
    queue_page(pg);
  }
}

/**
 * Walks the VMAs over [start, end) (queue_pages_range): -EFAULT for a hole
 * unless DISCONTIG_OK, then the misplaced pages of each. @return failures or -errno
 */
function queue_pages_range(mm: mm_struct, start: u64, end: u64, nmask: u64, flags: u32): i32 {
  qp_nmask = nmask;
  qp_flags = flags;
  qp_nr_failed = 0;
  qp_start = start;
  qp_end = end;
  let vma = find_vma(mm, start);
  // The whole range in a hole is -EFAULT even where holes are allowed.
  if (vma === null || vma.vm_start >= end) return -EFAULT;
  if (!(flags & MPOL_MF_DISCONTIG_OK) && start < vma.vm_start) return -EFAULT;
  for (let v: vm_area_struct | null = vma; v !== null && v.vm_start < end; v = vma_next(v)) {
    const next = vma_next(v);
    if (!(flags & MPOL_MF_DISCONTIG_OK) && v.vm_end < end && (next === null || v.vm_end < next.vm_start)) return -EFAULT;
    if (flags & MPOL_MF_VALID) {
      const s = v.vm_start > start ? v.vm_start : start;
      const e = v.vm_end < end ? v.vm_end : end;
      walk_pmd_range(mm, s, e, queue_pages_pmd);
    }
  }
  return <i32>qp_nr_failed;
}

// Where migration allocates: by a policy and the page's offset (mbind:
// mt_pol, -1 for none), else on node mt_nid only (migrate_to_node,
// move_pages).
let mt_nid: u32 = 0;
let mt_pol: isize = 0;

/**
 * alloc_migration_target: the target node only; or, for mbind,
 * alloc_migration_target_by_mpol: where the new policy would put the page,
 * interleaving by its index.
 */
function alloc_migration_target(src: page): page | null {
  const gfp = GFP_HIGHUSER_MOVABLE;
  if (!mt_pol) return __alloc_pages_node(mt_nid, gfp | __GFP_THISNODE, 0);
  if (mt_pol < 0) return __alloc_pages_node(numa_node_id(), gfp, 0);
  const pol = changetype<mempolicy>(<usize>mt_pol);
  if (pol.mode == MPOL_INTERLEAVE) return __alloc_pages(gfp, 0, offset_il_node(pol, src.index), 0);
  if (pol.mode == MPOL_WEIGHTED_INTERLEAVE) return __alloc_pages(gfp, 0, weighted_interleave_nid(pol, src.index), 0);
  if (pol.mode == MPOL_PREFERRED_MANY) return alloc_pages_preferred_many(gfp, 0, policy_node(gfp, pol, numa_node_id()), pol);
  return __alloc_pages(gfp, 0, policy_node(gfp, pol, numa_node_id()), policy_nodemask(gfp, pol));
}

/** Does the current task have CAP_SYS_NICE (root)? */
@inline function capable_sys_nice(mm: mm_struct): bool { return mm.uid == 0; }

/**
 * Sets the policy of [start, end)'s VMAs, splitting and merging them
 * (do_mbind), and with MOVE migrates the pages not on the policy's nodes;
 * STRICT makes a page left misplaced -EIO. @return 0 or -errno
 */
function do_mbind(mm: mm_struct, start: u64, len: u64, mode: u32, mode_flags: u32, nmask: usize, flags: u32): i32 {
  if (flags & ~MPOL_MF_VALID) return -EINVAL;
  if ((flags & MPOL_MF_MOVE_ALL) && !capable_sys_nice(mm)) return -EPERM;
  if (start & (PAGE_SIZE - 1)) return -EINVAL;
  if (mode == MPOL_DEFAULT) flags &= ~MPOL_MF_STRICT;
  len = (len + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1);
  const end = start + len;
  if (end < start) return -EINVAL;
  if (end == start) return 0;
  const r = mpol_new(mode, mode_flags, nmask);
  if (r < 0) return <i32>r;
  const np = <usize>r;
  if (!np) flags |= MPOL_MF_DISCONTIG_OK;
  if (flags & (MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) lru_add_drain();
  let err: i32 = np ? mpol_set_nodemask(changetype<mempolicy>(np), nmask) : 0;
  if (err) {
    mpol_put(np);
    return err;
  }
  init_pagelist();
  let nr_failed = queue_pages_range(mm, start, end, load<u64>(nmask), flags | MPOL_MF_INVERT);
  if (nr_failed < 0) {
    err = nr_failed;
    nr_failed = 0;
  } else {
    err = mbind_range(mm, start, end, np);
  }
  if (!err && !list_empty(qp_pagelist)) {
    const target = np ? np : <usize>mm.mempolicy;
    mt_pol = target ? <isize>target : -1;
    const m = migrate_pages(qp_pagelist, alloc_migration_target);
    if (m != 0) nr_failed |= 1;
    mt_pol = 0;
  }
  if (nr_failed && (flags & MPOL_MF_STRICT)) err = -EIO;
  if (!list_empty(qp_pagelist)) putback_movable_pages(qp_pagelist);
  mpol_put(np);
  return err;
}

/** Gives each VMA piece of [start, end) the policy. @return 0 or -ENOMEM */
function mbind_range(mm: mm_struct, start: u64, end: u64, pol: usize): i32 {
  let vma = find_vma(mm, start);
  while (vma !== null && vma.vm_start < end) {
    const v = mbind_vma(mm, vma, start, end, pol);
    if (v === null) return -ENOMEM;
    vma = vma_next(v);
  }
  return 0;
}

/**
 * The piece of vma inside [start, end) takes the policy, split off and
 * merged as it allows (Linux's per-VMA mbind_range, vma_replace_policy).
 * @return the VMA now holding that piece, or null (-ENOMEM)
 */
function mbind_vma(mm: mm_struct, vma: vm_area_struct, start: u64, end: u64, pol: usize): vm_area_struct | null {
  if (mpol_equal(<usize>vma.vm_policy, pol)) return vma;
  const vmstart = vma.vm_start > start ? vma.vm_start : start;
  const vmend = vma.vm_end < end ? vma.vm_end : end;
  const v = vma_modify_policy(mm, vma, vmstart, vmend, pol);
  if (v === null) return null;
  if (!mpol_equal(<usize>v.vm_policy, pol)) {
    const d = mpol_dup(pol);
    if (d < 0) return null;
    mpol_put(<usize>v.vm_policy);
    v.vm_policy = <u32>d;
  }
  return v;
}

/**
 * set_mempolicy_home_node(2): the VMAs of [start, end) whose policy is
 * MPOL_BIND or MPOL_PREFERRED_MANY allocate first from home_node (a copy
 * of their policy with it, split to the range as mbind does); VMAs without
 * a policy are passed over. @return 0; -EINVAL (start not page aligned,
 * flags, a node past NODEMASK_BITS or without memory, a range that wraps);
 * -ENOENT (no VMA in the range has a policy); -EOPNOTSUPP (one has another
 * mode: those before it keep their new home node); -ENOMEM
 */
export function kernel_set_mempolicy_home_node(start_arg: f64, len_arg: f64, home_node_arg: f64, flags_arg: f64): i32 {
  const mm = current_mm();
  if (mm === null) return -EINVAL;
  const start = arg64(start_arg);
  if (start & (PAGE_SIZE - 1)) return -EINVAL;
  if (arg64(flags_arg) != 0) return -EINVAL;
  const home_node = arg64(home_node_arg);
  if (home_node >= NODEMASK_BITS || !node_isset(<u32>home_node, node_states_memory)) return -EINVAL;
  const end = start + ((arg64(len_arg) + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1));
  if (end < start) return -EINVAL;
  if (end == start) return 0;
  let err: i32 = -ENOENT;
  let vma = find_vma(mm, start);
  while (vma !== null && vma.vm_start < end) {
    const old = vma_policy(vma);
    if (old === null) {
      vma = vma_next(vma);
      continue;
    }
    if (old.mode != MPOL_BIND && old.mode != MPOL_PREFERRED_MANY) return -EOPNOTSUPP;
    const d = mpol_dup(changetype<usize>(old));
    if (d < 0) return -ENOMEM;
    changetype<mempolicy>(<usize>d).home_node = <i32>home_node;
    const v = mbind_vma(mm, vma, start, end, <usize>d);
    mpol_put(<usize>d);
    if (v === null) return -ENOMEM;
    err = 0;
    vma = vma_next(v);
  }
  return err;
}

/**
 * mbind(2) on the current mm, the nodemask already read from user memory
 * into user_nodemask_ptr() (kernel_mbind after get_nodes). @return 0 or -errno
 */
export function kernel_mbind(start: f64, len: f64, mode: i32, flags: u32): i32 {
  const mm = current_mm();
  if (mm === null) return -EINVAL;
  const s = sanitize_mpol_flags(mode);
  if (s < 0) return s;
  return do_mbind(mm, arg64(start), arg64(len), <u32>s & MPOL_MODE_MASK, <u32>s & ~MPOL_MODE_MASK, user_nodes, flags);
}

// ─── migrate_pages(2), move_pages(2) ───────────────────────────────────────

/** Moves mm's pages on node source to dest (migrate_to_node). @return pages not moved */
function migrate_to_node(mm: mm_struct, source: u32, dest: u32, flags: u32): i32 {
  init_pagelist();
  queue_pages_range(mm, 0, <u64>1 << 47, <u64>1 << source, flags | MPOL_MF_DISCONTIG_OK);
  let err: i32 = 0;
  if (!list_empty(qp_pagelist)) {
    mt_nid = dest;
    err = migrate_pages(qp_pagelist, alloc_migration_target);
    if (!list_empty(qp_pagelist)) putback_movable_pages(qp_pagelist);
  }
  return err;
}

/**
 * Moves the pages of mm from the nodes in `from` to those in `to`, each
 * source node to the node of the same rank (do_migrate_pages), in an order
 * that does not move a page twice. @return pages not moved, or -errno
 */
function do_migrate_pages(mm: mm_struct, from: u64, to: u64, flags: u32): i32 {
  lru_add_drain();
  let busy: i32 = 0;
  let tmp = from;
  while (tmp) {
    let source: i32 = -1;
    let dest: u32 = 0;
    for (let s = first_node(tmp); s < MAX_NUMNODES; s = next_node(s, tmp)) {
      if (nodes_weight(from) != nodes_weight(to) && node_isset(s, to)) continue;
      const d = node_remap(s, from, to);
      if (s == d) continue;
      source = <i32>s;
      dest = d;
      if (!node_isset(dest, tmp)) break;
    }
    if (source < 0) break;
    tmp &= ~(<u64>1 << source);
    const err = migrate_to_node(mm, <u32>source, dest, flags);
    if (err > 0) busy += err;
    if (err < 0) return err;
  }
  return busy;
}

/**
 * migrate_pages(2) for mm (the host found the process and checked it may
 * act on it): nodes outside those with memory are -EINVAL. @return pages
 * not moved, or -errno
 */
export function kernel_migrate_pages(mm_handle: u32, old_lo: u32, old_hi: u32, new_lo: u32, new_hi: u32): i32 {
  const mm = mm_from_handle(mm_handle);
  if (mm === null) return -EINVAL;
  const nw = (<u64>new_hi << 32) | new_lo;
  if (nw & ~node_states_memory) return -EINVAL;
  const flags = current_mm() !== null && capable_sys_nice(changetype<mm_struct>(current_mm())) ? MPOL_MF_MOVE_ALL : MPOL_MF_MOVE;
  return do_migrate_pages(mm, (<u64>old_hi << 32) | old_lo, nw, flags);
}

/**
 * One entry of move_pages(2) with nodes: the page at addr moves to node
 * (add_page_for_migration, then do_move_pages_to_node). @return its
 * status: the node it is on now, -EFAULT (no VMA, or the zero page),
 * -ENOENT (not present), -EACCES (shared, without MPOL_MF_MOVE_ALL),
 * -EBUSY (pinned), -ENOMEM; or the call's own error: -EINVAL (bad flags),
 * -EPERM (MOVE_ALL without CAP_SYS_NICE), -ENODEV (no such node)
 */
export function kernel_move_page(mm_handle: u32, addr: f64, node: i32, flags: u32): i32 {
  const caller = current_mm();
  if (flags & ~(MPOL_MF_MOVE | MPOL_MF_MOVE_ALL)) return -EINVAL;
  if ((flags & MPOL_MF_MOVE_ALL) && (caller === null || !capable_sys_nice(changetype<mm_struct>(caller)))) return -EPERM;
  const mm = mm_from_handle(mm_handle);
  if (mm === null) return -EINVAL;
  if (node < 0 || <u32>node >= MAX_NUMNODES || !node_isset(<u32>node, node_states_memory)) return -ENODEV;
  const pfn = mapped_page_pfn(mm, arg64(addr));
  if (pfn < 0) return <i32>pfn;
  const pg = pfn_to_page(<u32>pfn);
  if (page_to_nid(pg) == <u32>node) return node;
  if (pg._mapcount > 0 && !(flags & MPOL_MF_MOVE_ALL)) return -EACCES;
  lru_add_drain();
  if (!page_movable(pg)) return -EBUSY;
  init_pagelist();
  isolate_movable_page(pg, qp_pagelist);
  mt_nid = <u32>node;
  const err = migrate_pages(qp_pagelist, alloc_migration_target);
  if (!list_empty(qp_pagelist)) {
    putback_movable_pages(qp_pagelist);
    return err < 0 ? err : -EBUSY;
  }
  return node;
}

/** One entry of move_pages(2) without nodes (do_pages_stat): the page's node, -EFAULT or -ENOENT. */
export function kernel_page_node(mm_handle: u32, addr: f64): i32 {
  const mm = mm_from_handle(mm_handle);
  if (mm === null) return -EINVAL;
  const pfn = mapped_page_pfn(mm, arg64(addr));
  if (pfn < 0) return <i32>pfn;
  return <i32>page_to_nid(pfn_to_page(<u32>pfn));
}

/** The pfn of the page mapped at addr, -EFAULT outside any VMA or for the zero page, -ENOENT when none is (folio_walk_start). */
function mapped_page_pfn(mm: mm_struct, addr: u64): i64 {
  const vma = find_vma(mm, addr);
  if (vma === null || vma.vm_start > addr) return -EFAULT;
  const pfn = follow_page_mask(vma, addr, false);
  if (pfn == FOLLOW_ZERO_PAGE) return -EFAULT;
  return pfn == FOLLOW_NO_PAGE ? -ENOENT : pfn;
}

/**
 * May the OOM killer take this task for an allocation bound to nodemask
 * (mempolicy_in_oom_domain)? Not when it is itself bound to other nodes.
 */
export function mempolicy_in_oom_domain(mm: mm_struct, nodemask: u64): bool {
  if (!nodemask || !mm.mempolicy) return true;
  const pol = changetype<mempolicy>(<usize>mm.mempolicy);
  return pol.mode != MPOL_BIND || (pol.nodes & nodemask) != 0;
}

// ─── fork and exit ─────────────────────────────────────────────────────────

/** fork: the child's own copy of the task's policy (copy_process's mpol_dup). @return 0 or -ENOMEM */
export function mpol_fork(mm: mm_struct): i32 {
  const d = mpol_dup(<usize>mm.mempolicy);
  if (d < 0) {
    mm.mempolicy = 0;
    return -ENOMEM;
  }
  mm.mempolicy = <u32>d;
  return 0;
}
