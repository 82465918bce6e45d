// mm/mm_init.c and the boot-time half of mm/page_alloc.c: zones and
// mem_map (free_area_init), zonelists, per-cpu pagesets, and the
// watermarks and lowmem reserves computed from min_free_kbytes.
//
// Zones on x86-64: ZONE_DMA is the first 16 MiB (ISA DMA), ZONE_DMA32 the
// rest below 4 GiB (32-bit DMA). wasm32 RAM never passes 4 GiB, so ZONE_NORMAL
// is empty here, exactly as on an x86-64 Linux machine with <= 4 GiB of RAM,
// which puts its RAM in DMA and DMA32 and shows Normal with 0 pages.

import { PAGE_SHIFT, PG_reserved, PAGE_SIZE, ZONES_SHIFT, NODES_PGSHIFT, page } from "./mm_types";
import {
  MAX_ORDER, MIGRATE_TYPES, MIGRATE_MOVABLE, MAX_NR_ZONES, ZONE_DMA, ZONE_DMA32, ZONE_NORMAL,
  ZONE_MOVABLE, MAX_DMA_PFN, MAX_DMA32_PFN, NR_PCP_LISTS, WMARK_MIN, WMARK_LOW, WMARK_HIGH, WMARK_PROMO,
  pageblock_order, pageblock_nr_pages,
  zone, pglist_data, NODE_DATA, node_zone, node_zonelist, zone_free_area, free_list, zone_pcp, pcp_list,
  MAX_NUMNODES, node_data, contig_page_data, SIZEOF_PGLIST_DATA, nr_online_nodes, set_nr_online_nodes,
  PGDAT_ZONELISTS, NR_VM_NUMA_EVENT_ITEMS, zonelist_bytes,
  INIT_LIST_HEAD, set_wmark, low_wmark_pages, min_wmark_pages, high_wmark_pages, set_lowmem_reserve,
  set_mem_map, set_page_group_by_mobility_disabled, SIZEOF_ZONEREF, pfn_to_page, set_pageblock_migratetype,
  pageblock_map, set_pageblock_map, memmap_copy,
} from "./mmzone";
import { memblock_alloc, memblock_alloc_raw, memblock_alloc_try_nid, memblock_free_all } from "./memblock";
import { __GFP_THISNODE } from "./gfp";
import { vm_numa_event, set_vm_numa_event } from "./page_alloc";
import { nr_node_ids, node_memblk_start, node_memblk_end, numa_node_id, __node_distance } from "../arch/x86/mm/numa";

// sysctls (defaults as in Linux)
export let min_free_kbytes: u32 = 1024;
export let watermark_scale_factor: u32 = 10;
// sysctl_lowmem_reserve_ratio[MAX_NR_ZONES]: DMA 256, DMA32 256, Normal 32, Movable 0, Device 0
@inline function lowmem_reserve_ratio(zid: u32): u32 {
  return zid <= ZONE_DMA32 ? 256 : zid == ZONE_NORMAL ? 32 : 0;
}
// MIN_PERCPU_PAGELIST_HIGH_FRACTION
@inline const MIN_PERCPU_PAGELIST_HIGH_FRACTION: u32 = 8;
// SWAP_CLUSTER_MAX
@inline const SWAP_CLUSTER_MAX: u32 = 32;

export let totalram_pages: u32 = 0;

// The shared zero page (Linux: empty_zero_page, zero_pfn in mm/memory.c).
// The fault path maps it read-only for reads of never-written anonymous memory.
let zero_pfn: u32 = 0;
export function set_zero_pfn(pfn: u32): void { zero_pfn = pfn; }
export function zero_page_pfn(): u32 { return zero_pfn; }
/** my_zero_pfn(addr): x86-64 has one zero page for every address. */
@inline export function my_zero_pfn(addr: u64): u32 { return zero_pfn; }

// ---------------------------------------------------------------------------
// free_area_init: zones, mem_map, pageblocks

/** The [start, end) pfns of a zone in a node of max_pfn pages. */
function zone_range_end(zid: u32, node_end: u32): u32 {
  if (zid == ZONE_DMA) return min(node_end, MAX_DMA_PFN);
  if (zid == ZONE_DMA32) return min(node_end, MAX_DMA32_PFN);
  return node_end;
}

function zone_init_free_lists(z: zone): void {
  for (let order: u32 = 0; order < MAX_ORDER; order++) {
    const area = zone_free_area(z, order);
    for (let mt: u32 = 0; mt < MIGRATE_TYPES; mt++) INIT_LIST_HEAD(free_list(area, mt));
    area.nr_free = 0;
  }
}

/** The boot pageset: batch 1, high 0, so every free goes straight to the buddy. */
function per_cpu_pages_init(z: zone): void {
  const pcp = zone_pcp(z);
  for (let i: u32 = 0; i < NR_PCP_LISTS; i++) INIT_LIST_HEAD(pcp_list(pcp, i));
  pcp.count = 0;
  pcp.high = 0;
  pcp.batch = 1;
  pcp.high_min = 0;
  pcp.high_max = 0;
  pcp.free_factor = 0;
}

/**
 * A struct page as boot leaves it (__init_single_page): reserved
 * (memblock_free_all clears that for what it frees), refcount 1, unmapped,
 * its zone and node ids in flags.
 */
@inline function __init_single_page(page: page, zid: u32, nid: u32): void {
  const p = changetype<usize>(page);
  store<u32>(p, PG_reserved | (zid << ZONES_SHIFT) | (nid << NODES_PGSHIFT));   // flags
  store<i32>(p, 1, 4);             // _refcount
  store<u64>(p, 0, 8);             // lru
  store<u32>(p, 0xffff0000, 16);   // private_ = 0, _mapcount = -1
  store<u32>(p, 0, 20);            // mapping
  store<u64>(p, 0, 24);            // index
}

/**
 * Initialises every struct page of a zone (memmap_init_range: the first,
 * copied over the others, all alike) and marks every pageblock
 * MIGRATE_MOVABLE, as Linux does at boot.
 */
function memmap_init_zone(z: zone, nid: u32): void {
  const start = z.zone_start_pfn;
  const end = start + z.spanned_pages;
  __init_single_page(pfn_to_page(start), z.zone_idx, nid);
  memmap_copy(pfn_to_page(start), end - start);
  for (let pfn = start & ~(pageblock_nr_pages - 1); pfn < end; pfn += pageblock_nr_pages) {
    set_pageblock_migratetype(pfn_to_page(pfn < start ? start : pfn), MIGRATE_MOVABLE);
  }
}

/**
 * Sizes one node's zones, clipped to its pfns [start, end): DMA and DMA32
 * hold what of the node lies below 16 MiB and 4 GiB, so node 0 of a small
 * two-node machine gets DMA and DMA32 and node 1 the DMA32 above it.
 * Points each zone at its pageblocks' types and initialises the struct pages.
 * @return false when memblock has no room
 */
function free_area_init_node(nid: u32, node_start: u32, node_end: u32): bool {
  const pgdat = NODE_DATA(nid);
  pgdat.node_id = nid;
  pgdat.node_start_pfn = node_start;
  pgdat.node_spanned_pages = node_end - node_start;
  pgdat.node_present_pages = node_end - node_start;
  pgdat.node_mem_map = changetype<usize>(pfn_to_page(node_start));
  let start = node_start;
  for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) {
    const z = node_zone(pgdat, zid);
    const end = zid <= ZONE_NORMAL ? max(start, zone_range_end(zid, node_end)) : start;
    z.zone_pgdat = changetype<usize>(pgdat);
    z.zone_idx = zid;
    // Linux leaves an empty zone's start_pfn at 0 (zoneinfo's start_pfn).
    z.zone_start_pfn = end > start ? start : 0;
    z.spanned_pages = end - start;
    z.present_pages = end - start;
    z.managed_pages = 0;
    z.numa_events = vm_numa_event ? <u32>(vm_numa_event + (1 + <usize>nid * MAX_NR_ZONES + zid) * (<usize>NR_VM_NUMA_EVENT_ITEMS << 3)) : 0;
    zone_init_free_lists(z);
    per_cpu_pages_init(z);
    if (end > start) {
      pgdat.nr_zones = zid + 1;
      z.pageblock_flags = pageblock_map + (start >> pageblock_order);
      memmap_init_zone(z, nid);
    }
    start = end;
  }
  return true;
}

/**
 * Allocates mem_map for all RAM (FLATMEM), then each node's pglist_data
 * (node 0's is in the image; the others come from their own node's
 * memory, alloc_node_data) and zones. @return false when memblock has no room
 */
export function free_area_init(ram_pages: u32): bool {
  const map = memblock_alloc_raw(<u64>ram_pages << 5, PAGE_SIZE);
  if (!map) return false;
  set_mem_map(map, ram_pages);
  store<u32>(node_data, <u32>contig_page_data);
  const pgdat0 = changetype<pglist_data>(contig_page_data);
  pgdat0.zonelist_fallback = <u32>(contig_page_data + PGDAT_ZONELISTS);
  set_nr_online_nodes(nr_node_ids);
  if (nr_node_ids > 1) {
    // Each node's two zonelists after its pglist_data (node 0's, and the
    // NUMA counters, on node 0): every zone's vm_numa_event after the
    // global sums.
    const zonelists: usize = 2 * zonelist_bytes();
    const events = <usize>(1 + nr_node_ids * MAX_NR_ZONES) * (<usize>NR_VM_NUMA_EVENT_ITEMS << 3);
    const extra = memblock_alloc_try_nid(zonelists + events, PAGE_SIZE, 0);
    if (!extra) return false;
    pgdat0.zonelist_fallback = <u32>extra;
    set_vm_numa_event(extra + zonelists);
    for (let nid: u32 = 1; nid < nr_node_ids; nid++) {
      const pgdat = memblock_alloc_try_nid(SIZEOF_PGLIST_DATA + zonelists, PAGE_SIZE, nid);
      if (!pgdat) return false;
      store<u32>(node_data + (<usize>nid << 2), <u32>pgdat);
      changetype<pglist_data>(pgdat).zonelist_fallback = <u32>(pgdat + SIZEOF_PGLIST_DATA);
    }
  }
  // The pageblocks' migratetypes, one byte each by pfn (each zone points at
  // its part). The map takes a page for each zone with pages, as FLATMEM's
  // per-zone bitmaps do (a zone's fits a page up to 4G): boot reserves the same.
  let usemap_pages: u32 = 0;
  for (let nid: u32 = 0; nid < nr_node_ids; nid++) usemap_pages += nr_populated_zones(node_memblk_start(nid), node_memblk_end(nid));
  const usemap = memblock_alloc(<u64>usemap_pages << PAGE_SHIFT, 8);
  if (!usemap) return false;
  set_pageblock_map(usemap);
  for (let nid: u32 = 0; nid < nr_node_ids; nid++) {
    if (!free_area_init_node(nid, node_memblk_start(nid), node_memblk_end(nid))) return false;
  }
  return true;
}

/** The zones with pages in a node of pfns [start, node_end), as free_area_init_node sizes them. */
function nr_populated_zones(start: u32, node_end: u32): u32 {
  let n: u32 = 0;
  for (let zid: u32 = 0; zid <= ZONE_NORMAL; zid++) {
    const end = max(start, zone_range_end(zid, node_end));
    if (end > start) n++;
    start = end;
  }
  return n;
}

/** Adds the node's populated zones, highest first, at z. @return the zonerefs added */
function build_zonerefs_node(pgdat: pglist_data, z: usize): u32 {
  let nr: u32 = 0;
  for (let zid = <i32>MAX_NR_ZONES - 1; zid >= 0; zid--) {
    const zn = node_zone(pgdat, zid);
    if (!zn.present_pages) continue;
    store<u32>(z, <u32>changetype<usize>(zn));
    store<u32>(z, <u32>zid, 4);
    z += SIZEOF_ZONEREF;
    nr++;
  }
  return nr;
}

// node_load[MAX_NUMNODES]: how often each node was first of its distance
// group in a zonelist built so far, so equal-distance nodes take turns;
// a byte per node (at most MAX_NUMNODES) in one u64.
let node_load: u64 = 0;
@inline function node_load_of(n: u32): u32 { return <u32>(node_load >> (n << 3)) & 0xff; }
// PENALTY_FOR_NODE_WITH_CPUS: nodes without CPUs are slightly preferred.
@inline const PENALTY_FOR_NODE_WITH_CPUS: u32 = 1;

/**
 * The next node for node's fallback list (find_next_best_node): itself
 * first, then the nearest unused node, ties going to higher node ids,
 * nodes without CPUs and less loaded nodes. @return -1 when all are used
 */
function find_next_best_node(node: u32): i32 {
  if (!((used_mask >> node) & 1)) {
    used_mask |= <u64>1 << node;
    return <i32>node;
  }
  let min_val: u32 = u32.MAX_VALUE;
  let best: i32 = -1;
  for (let n: u32 = 0; n < nr_online_nodes; n++) {
    if ((used_mask >> n) & 1) continue;
    let val = __node_distance(node, n);
    if (n < node) val++;                                         // penalise nodes under us
    if (n == numa_node_id()) val += PENALTY_FOR_NODE_WITH_CPUS;
    val = val * MAX_NUMNODES + node_load_of(n);
    if (val < min_val) {
      min_val = val;
      best = <i32>n;
    }
  }
  if (best >= 0) used_mask |= <u64>1 << best;
  return best;
}

// The nodes already in the zonelist being built (build_zonelists's used_mask).
let used_mask: u64 = 0;

/**
 * The node's ZONELIST_FALLBACK: every node's zones, nodes in the order
 * find_next_best_node gives (build_zonelists_in_node_order); and its
 * ZONELIST_NOFALLBACK: its own zones only (build_thisnode_zonelists).
 */
function build_zonelists(pgdat: pglist_data): void {
  const local_node = pgdat.node_id;
  let prev_node = local_node;
  used_mask = 0;
  let z = node_zonelist(local_node, 0);
  let node: i32;
  while ((node = find_next_best_node(local_node)) >= 0) {
    // The first node of each distance group gets a load, so the next
    // node's list starts that group with another node (round robin).
    if (__node_distance(local_node, node) != __node_distance(local_node, prev_node)) {
      node_load += <u64>1 << (<u64>node << 3);
    }
    z += <usize>build_zonerefs_node(NODE_DATA(node), z) * SIZEOF_ZONEREF;
    prev_node = node;
  }
  store<u32>(z, 0);
  store<u32>(z, 0, 4);
  // One node: its NOFALLBACK list is the same list.
  if (nr_online_nodes == 1) return;
  z = node_zonelist(local_node, __GFP_THISNODE);
  z += <usize>build_zonerefs_node(pgdat, z) * SIZEOF_ZONEREF;
  store<u32>(z, 0);
  store<u32>(z, 0, 4);
}

/** Every node's zonelists (__build_all_zonelists), and whether to group by mobility. */
export function build_all_zonelists(): void {
  node_load = 0;
  let total: u32 = 0;
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
    const pgdat = NODE_DATA(nid);
    build_zonelists(pgdat);
    for (let zid: u32 = 0; zid < MAX_NR_ZONES; zid++) total += node_zone(pgdat, zid).present_pages;
  }
  // Grouping by mobility is pointless when RAM holds too few pageblocks.
  set_page_group_by_mobility_disabled(total < pageblock_nr_pages * MIGRATE_TYPES);
}

// ---------------------------------------------------------------------------
// Watermarks, lowmem_reserve, per-cpu batch and high

/** int_sqrt: the integer square root, rounded down. */
function int_sqrt(x: u64): u64 {
  let r = <u64>Math.sqrt(<f64>x);
  while (r * r > x) r--;
  while ((r + 1) * (r + 1) <= x) r++;
  return r;
}

/** mult_frac(x, numer, denom) without overflowing x * numer. */
@inline function mult_frac(x: u64, numer: u64, denom: u64): u64 {
  const q = x / denom;
  const r = x % denom;
  return q * numer + r * numer / denom;
}

/** Pages above the high watermark in the zones GFP_USER may use (nr_free_buffer_pages). */
function nr_free_buffer_pages(): u64 {
  let sum: u64 = 0;
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) {
    for (let zid: u32 = 0; zid <= ZONE_NORMAL; zid++) {
      const z = node_zone(NODE_DATA(nid), zid);
      const high = high_wmark_pages(z);
      if (z.managed_pages > high) sum += z.managed_pages - high;
    }
  }
  return sum;
}

/** min_free_kbytes = sqrt(lowmem_kbytes * 16), clamped to [128, 262144]. */
function calculate_min_free_kbytes(): void {
  const lowmem_kbytes = nr_free_buffer_pages() * (PAGE_SIZE >> 10);
  const v = <u32>int_sqrt(lowmem_kbytes * 16);
  min_free_kbytes = min(max(v, 128), 262144);
}

/**
 * Splits min_free_kbytes across the zones by managed size (WMARK_MIN);
 * low, high and promo each add max(min / 4, managed * scale / 10000).
 */
function __setup_per_zone_wmarks(): void {
  const pages_min = <u64>(min_free_kbytes >> (PAGE_SHIFT - 10));
  let lowmem_pages: u64 = 0;
  for (let i: u32 = 0; i < nr_online_nodes * MAX_NR_ZONES; i++) {
    if (i % MAX_NR_ZONES != ZONE_MOVABLE) lowmem_pages += node_zone(NODE_DATA(i / MAX_NR_ZONES), i % MAX_NR_ZONES).managed_pages;
  }
  for (let i: u32 = 0; i < nr_online_nodes * MAX_NR_ZONES; i++) {
    const zid = i % MAX_NR_ZONES;
    const z = node_zone(NODE_DATA(i / MAX_NR_ZONES), zid);
    const managed = <u64>z.managed_pages;
    let tmp = lowmem_pages ? pages_min * managed / lowmem_pages : 0;
    if (zid == ZONE_MOVABLE) {
      // Movable gets a small fixed floor (as HIGHMEM on 32-bit).
      set_wmark(z, WMARK_MIN, <u32>min(max(managed / 1024, <u64>SWAP_CLUSTER_MAX), 128));
    } else {
      set_wmark(z, WMARK_MIN, <u32>tmp);
    }
    tmp = max(tmp >> 2, mult_frac(managed, watermark_scale_factor, 10000));
    z.watermark_boost = 0;
    const t = <u32>tmp;
    set_wmark(z, WMARK_LOW, min_wmark_pages(z) + t);
    set_wmark(z, WMARK_HIGH, low_wmark_pages(z) + t);
    set_wmark(z, WMARK_PROMO, high_wmark_pages(z) + t);
  }
}

/**
 * lowmem_reserve[j] of zone i: pages an allocation that could have used
 * zone j must leave free in zone i, = (managed pages of zones i+1..j) /
 * ratio(i), so low zones are not exhausted by requests that fit higher.
 */
function setup_per_zone_lowmem_reserve(): void {
  for (let nid: u32 = 0; nid < nr_online_nodes; nid++) setup_node_lowmem_reserve(NODE_DATA(nid));
}

function setup_node_lowmem_reserve(pgdat: pglist_data): void {
  for (let i: u32 = 0; i < MAX_NR_ZONES - 1; i++) {
    const z = node_zone(pgdat, i);
    const ratio = lowmem_reserve_ratio(i);
    const clear = !ratio || !z.managed_pages;
    let managed_pages: u32 = 0;
    for (let j = i + 1; j < MAX_NR_ZONES; j++) {
      managed_pages += node_zone(pgdat, j).managed_pages;
      set_lowmem_reserve(z, j, clear ? 0 : managed_pages / ratio);
    }
  }
}

/** ~0.1% of the zone or 1 MiB, whichever is smaller, /4, then 2^n - 1. */
function zone_batchsize(z: zone): i32 {
  let batch = min(z.managed_pages >> 10, (1 << 20) / PAGE_SIZE);
  batch /= 4;
  if (batch < 1) batch = 1;
  const b = batch + batch / 2;
  return <i32>((1 << (31 - clz(b))) - 1);   // rounddown_pow_of_two(b) - 1
}

/** high: a share of the low watermark (or of managed pages), at least 4 batches. */
function zone_highsize(z: zone, batch: i32, high_fraction: u32): i32 {
  const total_pages = high_fraction ? z.managed_pages / high_fraction : low_wmark_pages(z);
  // Split across the CPUs local to the zone: one here.
  const nr_split_cpus: u32 = 1;
  return max(<i32>(total_pages / nr_split_cpus), batch << 2);
}

/**
 * batch, high_min and high_max as Linux computes them. pcp->high is set
 * to high_min: Linux 6.7+ then tunes it between high_min and high_max at
 * run time, which this kernel does not model.
 */
function zone_set_pageset_high_and_batch(z: zone): void {
  const batch = max(1, zone_batchsize(z));
  const high_min = zone_highsize(z, batch, 0);
  const high_max = zone_highsize(z, batch, MIN_PERCPU_PAGELIST_HIGH_FRACTION);
  z.pageset_batch = batch;
  z.pageset_high_min = high_min;
  z.pageset_high_max = high_max;
  const pcp = zone_pcp(z);
  pcp.batch = batch;
  pcp.high_min = high_min;
  pcp.high_max = high_max;
  pcp.high = high_min;
}

/** Watermarks changed: recompute the pagesets' high and batch. */
function setup_per_zone_wmarks(): void {
  __setup_per_zone_wmarks();
  for (let i: u32 = 0; i < nr_online_nodes * MAX_NR_ZONES; i++) {
    const z = node_zone(NODE_DATA(i / MAX_NR_ZONES), i % MAX_NR_ZONES);
    if (z.present_pages) zone_set_pageset_high_and_batch(z);
  }
}

/** vm.min_free_kbytes written: the watermarks follow (min_free_kbytes_sysctl_handler). @return 0 or -EINVAL. */
export function set_min_free_kbytes(kbytes: u32): i32 {
  if (kbytes < 1) return -22;
  min_free_kbytes = kbytes;
  setup_per_zone_wmarks();
  return 0;
}

/** vm.watermark_scale_factor written: 1..3000 (watermark_scale_factor_sysctl_handler). @return 0 or -EINVAL. */
export function set_watermark_scale_factor(v: u32): i32 {
  if (v < 1 || v > 3000) return -22;
  watermark_scale_factor = v;
  setup_per_zone_wmarks();
  return 0;
}

/** The core_initcall that sizes the reserves once the buddy has all memory. */
export function init_per_zone_wmark_min(): void {
  calculate_min_free_kbytes();
  setup_per_zone_wmarks();
  setup_per_zone_lowmem_reserve();
}

// ---------------------------------------------------------------------------
// mm_init -> mem_init -> memblock_free_all (seed, "init")

/** Puts all free boot memory on the buddy free lists. */
export function mem_init(): void {
  totalram_pages = memblock_free_all();
}

/** Sets up the kernel memory allocators (here: the buddy allocator). */
export function mm_init(): void {
  mem_init();
}
