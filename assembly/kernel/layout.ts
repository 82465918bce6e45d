// kernel_layout(): where the host finds what /proc prints. A table of u32
// (addresses, offsets, sizes) read once after boot; the host then reads
// zones, free lists, pcp lists, counters and struct pages through one
// Uint32Array over RAM: no call per value, no strings. Each put's comment
// starts with the field's name on the host: scripts/abi.mjs reads them into
// src/abi_generated.ts, so a field is added here and nowhere else.

import {
  contig_page_data, PGDAT_NODE_ZONES, PGDAT_VM_STAT, SIZEOF_ZONE, ZONE_WATERMARK, ZONE_LOWMEM_RESERVE,
  ZONE_FREE_AREA, SIZEOF_FREE_AREA, FREE_AREA_FREE_LIST, ZONE_PCP, PCP_LISTS, ZONE_VM_STAT,
  NR_VM_ZONE_STAT_ITEMS, NR_VM_NODE_STAT_ITEMS, MAX_NR_ZONES, MAX_ORDER, MIGRATE_TYPES,
  pageblock_order, NR_PCP_LISTS, mem_map, max_pfn, zone, per_cpu_pages, free_area,
  node_data, pglist_data, MAX_NUMNODES,
} from "../mm/mmzone";
import { NODES_PGSHIFT } from "../mm/mm_types";
import { vm_numa_event } from "../mm/page_alloc";
import { nr_node_ids, numa_node_id, numa_distance } from "../arch/x86/mm/numa";
import { vm_zone_stat, vm_node_stat, vm_events, NR_VM_EVENT_ITEMS, vmstat_names } from "../mm/vmstat";
import { min_free_kbytes, zero_page_pfn, totalram_pages } from "../mm/mm_init";
import { PAGE_SIZE, page } from "../mm/mm_types";

const table = memory.data(64 << 2, 4);
let n: u32 = 0;

@inline function put(v: usize): void {
  store<u32>(table + (<usize>n << 2), <u32>v);
  n++;
}

export function kernel_layout(): usize {
  n = 0;
  put(contig_page_data);                    // pgdat: &contig_page_data
  put(PGDAT_NODE_ZONES);                    // node_zones: pgdat's node_zones[] offset
  put(SIZEOF_ZONE);                         // sizeof_zone: sizeof(struct zone)
  put(ZONE_WATERMARK);                      // watermark: zone's _watermark[4] (u32: min, low, high, promo)
  put(offsetof<zone>("watermark_boost"));   // watermark_boost: zone, u32
  put(ZONE_LOWMEM_RESERVE);                 // lowmem_reserve: zone's lowmem_reserve[MAX_NR_ZONES] (u32)
  put(offsetof<zone>("zone_start_pfn"));    // start_pfn: zone, u32
  put(offsetof<zone>("spanned_pages"));     // spanned: zone, u32
  put(offsetof<zone>("present_pages"));     // present: zone, u32
  put(offsetof<zone>("managed_pages"));     // managed: zone, u32
  put(ZONE_FREE_AREA);                      // free_area: zone's free_area[MAX_ORDER] offset
  put(SIZEOF_FREE_AREA);                    // sizeof_free_area: sizeof(struct free_area)
  put(offsetof<free_area>("nr_free"));      // nr_free: free_area, u32
  put(FREE_AREA_FREE_LIST);                 // free_list: free_area's free_list[MIGRATE_TYPES] (list heads {next, prev})
  put(ZONE_PCP);                            // pcp: zone's per_cpu_pages offset
  put(offsetof<per_cpu_pages>("count"));    // pcp_count: i32
  put(offsetof<per_cpu_pages>("high"));     // pcp_high: i32
  put(offsetof<per_cpu_pages>("batch"));    // pcp_batch: i32
  put(offsetof<per_cpu_pages>("high_min")); // pcp_high_min: i32
  put(offsetof<per_cpu_pages>("high_max")); // pcp_high_max: i32
  put(PCP_LISTS);                           // pcp_lists: lists[NR_PCP_LISTS] (list heads; pindex = order * 3 + migratetype)
  put(ZONE_VM_STAT);                        // zone_vm_stat: zone's vm_stat[] offset (i64 each)
  put(offsetof<zone>("pageblock_flags"));   // pageblock_flags: zone, -> one u8 migratetype per pageblock
  put(PGDAT_VM_STAT);                       // pgdat_vm_stat: pgdat's vm_stat[] offset (i64 each)
  put(vm_zone_stat);                        // vm_zone_stat: &vm_zone_stat[] (global, i64)
  put(vm_node_stat);                        // vm_node_stat: &vm_node_stat[] (global, i64)
  put(vm_events);                           // vm_events: &vm_events[] (u64)
  put(NR_VM_ZONE_STAT_ITEMS);               // nr_zone_items: NR_VM_ZONE_STAT_ITEMS
  put(NR_VM_NODE_STAT_ITEMS);               // nr_node_items: NR_VM_NODE_STAT_ITEMS
  put(NR_VM_EVENT_ITEMS);                   // nr_event_items: NR_VM_EVENT_ITEMS
  put(vmstat_names());                      // vmstat_names: UTF-16LE, NUL-separated, byte length at ptr - 4; zone, node, event items in /proc/vmstat order
  put(mem_map);                             // mem_map: struct page[max_pfn]
  put(max_pfn);                             // max_pfn
  put(min_free_kbytes);                     // min_free_kbytes
  put(zero_page_pfn());                     // zero_pfn: the zero page's pfn
  put(MAX_NR_ZONES);                        // max_nr_zones: MAX_NR_ZONES
  put(MAX_ORDER);                           // max_order: MAX_ORDER (orders 0 .. MAX_ORDER - 1)
  put(MIGRATE_TYPES);                       // migrate_types: MIGRATE_TYPES
  put(pageblock_order);                     // pageblock_order
  put(NR_PCP_LISTS);                        // nr_pcp_lists: NR_PCP_LISTS
  put(totalram_pages);                      // totalram_pages: managed pages
  put((__heap_base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)); // image_end: the kernel image is [0, end), page-aligned; memblock's other reservations follow
  put(offsetof<page>());                    // sizeof_page: sizeof(struct page)
  put(offsetof<page>("flags"));             // page_flags: u32, PG_* bits
  put(offsetof<page>("_refcount"));         // page_refcount: i32
  put(offsetof<page>("lru_next"));          // page_lru: lru {next, prev}: u32 addresses of list heads or other pages' lru
  put(offsetof<page>("private_"));          // page_private: u16, a free block's order
  put(offsetof<page>("_mapcount"));         // page_mapcount: i16, -1 = mapped by no pte
  put(offsetof<page>("mapping"));           // page_mapping: u32, anon_vma | PAGE_MAPPING_ANON for an anonymous page
  put(offsetof<page>("index"));             // page_index: u64
  put(node_data);                           // node_data: u32[max_numnodes], each node's pglist_data (0: no such node); node_data[0] == pgdat
  put(nr_node_ids);                         // nr_node_ids: nodes 0 .. nr_node_ids - 1 exist, each with memory
  put(numa_node_id());                      // numa_node: the CPU's node
  put(numa_distance);                       // numa_distance: u8[max_numnodes * max_numnodes], distance(a, b) at a * max_numnodes + b
  put(MAX_NUMNODES);                        // max_numnodes: MAX_NUMNODES, the nodemask's bits
  put(offsetof<pglist_data>("node_start_pfn"));     // pgdat_node_start_pfn: pglist_data, u32
  put(offsetof<pglist_data>("node_spanned_pages")); // pgdat_node_spanned: pglist_data, u32
  put(offsetof<pglist_data>("node_present_pages")); // pgdat_node_present: pglist_data, u32
  put(offsetof<pglist_data>("zonelist_fallback"));  // pgdat_zonelist: pglist_data, u32 -> its ZONELIST_FALLBACK: zonerefs {zone address, zone_idx} (u32 each) up to a zero zone
  put(offsetof<zone>("numa_events"));      // zone_numa_event: zone, u32 -> its vm_numa_event[6] (u64): numa_hit, numa_miss, numa_foreign, interleave_hit, local_node, other_node; 0 on one node
  put(vm_numa_event);                       // vm_numa_event: &vm_numa_event[6] (global, u64), /proc/vmstat's numa_hit .. numa_other; 0 on one node (no NUMA counters)
  put(NODES_PGSHIFT);                       // nodes_pgshift: a page's node is (flags >>> nodes_pgshift) & (max_numnodes - 1)
  put(CONFIG_FTRACE);                       // ftrace: 1 when the tracers are built in (kernel.trace.wasm, kernel.debug.wasm), 0 in kernel.wasm
  return table;
}
