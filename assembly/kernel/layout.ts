// kernel_layout(): where the host finds what /proc prints. A table of u32
// (addresses, offsets, sizes) read once after boot; src/kernel.ts mirrors the
// indices (docs/abi.md). The host then reads zones, free lists, pcp lists and
// counters through one Uint32Array over RAM: no call per value, no strings.

import {
  contig_page_data, PGDAT_NODE_ZONES, PGDAT_VM_STAT, SIZEOF_ZONE, ZONE_WATERMARK, ZONE_LOWMEM_RESERVE,
  ZONE_FREE_AREA, SIZEOF_FREE_AREA, FREE_AREA_FREE_LIST, ZONE_PCP, PCP_LISTS, ZONE_VM_STAT,
  NR_VM_ZONE_STAT_ITEMS, NR_VM_NODE_STAT_ITEMS, MAX_NR_ZONES, MAX_ORDER, MIGRATE_TYPES,
  pageblock_order, NR_PCP_LISTS, mem_map, max_pfn, zone, per_cpu_pages, free_area,
} from "../mm/mmzone";
import { vm_zone_stat, vm_node_stat, vm_events, NR_VM_EVENT_ITEMS, vmstat_names } from "../mm/vmstat";
import { min_free_kbytes, zero_page_pfn, totalram_pages } from "../mm/mm_init";
import { PAGE_SIZE } from "../mm/mm_types";

const table = memory.data(64 << 2, 4);
let n: u32 = 0;

@inline function put(v: usize): void {
  store<u32>(table + (<usize>n << 2), <u32>v);
  n++;
}

export function kernel_layout(): usize {
  n = 0;
  put(contig_page_data);                    //  0 pgdat
  put(PGDAT_NODE_ZONES);                    //  1 node_zones offset in pgdat
  put(SIZEOF_ZONE);                         //  2
  put(ZONE_WATERMARK);                      //  3 _watermark[NR_WMARK] u32
  put(offsetof<zone>("watermark_boost"));   //  4 u32
  put(ZONE_LOWMEM_RESERVE);                 //  5 lowmem_reserve[MAX_NR_ZONES] u32
  put(offsetof<zone>("zone_start_pfn"));    //  6 u32
  put(offsetof<zone>("spanned_pages"));     //  7 u32
  put(offsetof<zone>("present_pages"));     //  8 u32
  put(offsetof<zone>("managed_pages"));     //  9 u32
  put(ZONE_FREE_AREA);                      // 10 free_area[MAX_ORDER]
  put(SIZEOF_FREE_AREA);                    // 11
  put(offsetof<free_area>("nr_free"));      // 12 u32
  put(FREE_AREA_FREE_LIST);                 // 13 free_list[MIGRATE_TYPES] list heads
  put(ZONE_PCP);                            // 14 per_cpu_pages
  put(offsetof<per_cpu_pages>("count"));    // 15 i32
  put(offsetof<per_cpu_pages>("high"));     // 16 i32
  put(offsetof<per_cpu_pages>("batch"));    // 17 i32
  put(offsetof<per_cpu_pages>("high_min")); // 18 i32
  put(offsetof<per_cpu_pages>("high_max")); // 19 i32
  put(PCP_LISTS);                           // 20 lists[NR_PCP_LISTS] list heads
  put(ZONE_VM_STAT);                        // 21 vm_stat[NR_VM_ZONE_STAT_ITEMS] i64
  put(offsetof<zone>("pageblock_flags"));   // 22 -> u8 migratetype per pageblock
  put(PGDAT_VM_STAT);                       // 23 vm_stat[NR_VM_NODE_STAT_ITEMS] i64
  put(vm_zone_stat);                        // 24 i64[]
  put(vm_node_stat);                        // 25 i64[]
  put(vm_events);                           // 26 u64[]
  put(NR_VM_ZONE_STAT_ITEMS);               // 27
  put(NR_VM_NODE_STAT_ITEMS);               // 28
  put(NR_VM_EVENT_ITEMS);                   // 29
  put(vmstat_names());                      // 30 UTF-16LE, NUL-separated
  put(mem_map);                             // 31 struct page[max_pfn], 32 bytes each
  put(max_pfn);                             // 32
  put(min_free_kbytes);                     // 33
  put(zero_page_pfn());                     // 34
  put(MAX_NR_ZONES);                        // 35
  put(MAX_ORDER);                           // 36
  put(MIGRATE_TYPES);                       // 37
  put(pageblock_order);                     // 38
  put(NR_PCP_LISTS);                        // 39
  put(totalram_pages);                      // 40
  put((__heap_base + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)); // 41 end of the kernel image [0, end)
  return table;
}
