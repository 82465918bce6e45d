// init/main.c: start_kernel, the boot sequence, reduced to memory
// management: the e820 RAM range and boot reservations into memblock
// (setup_arch), zones and mem_map (free_area_init), zonelists, then
// mm_init -> mem_init -> memblock_free_all, and the watermarks.

import { PAGE_SIZE, PAGE_SHIFT, PG_zero } from "../mm/mm_types";
import { memblock_add, memblock_reserve, memblock_alloc, memblock_alloc_raw } from "../mm/memblock";
import { kswapd_init } from "../mm/vmscan";
import { free_area_init, build_all_zonelists, mm_init, init_per_zone_wmark_min, totalram_pages, set_zero_pfn } from "../mm/mm_init";
import { max_pfn, pfn_to_page, page_group_by_mobility_disabled } from "../mm/mmzone";
import { trace_ring_init, TRACE_RING_BYTES } from "../kernel/trace";
import { kcompactd_run } from "../mm/compaction";
import { printk, printk_u64 } from "../kernel/panic";
import { numa_init } from "../arch/x86/mm/numa";

@inline const ENOMEM: i32 = 12;
@inline const EINVAL: i32 = 22;
@inline const EBUSY: i32 = 16;

/**
 * Boots the kernel core on ram_pages 4 KiB pages of RAM (the linear memory).
 * @return 0; -ENOMEM when RAM cannot hold the kernel's own reservations;
 * -EINVAL for 0 pages or more than 4 GiB, or node ranges (numa_add_memblk)
 * that do not tile RAM; -EBUSY when already booted
 */
export function start_kernel(ram_pages: u32): i32 {
  if (max_pfn) return -EBUSY;
  if (ram_pages == 0 || ram_pages > (1 << (32 - PAGE_SHIFT))) return -EINVAL;
  const image_end = (<u64>__heap_base + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1);
  if (image_end >= (<u64>ram_pages << PAGE_SHIFT)) return -ENOMEM;

  // setup_arch: one RAM range; the kernel image [0, __heap_base) is taken.
  memblock_add(0, <u64>ram_pages << PAGE_SHIFT);
  memblock_reserve(0, image_end);
  const zero_page = memblock_alloc(PAGE_SIZE, PAGE_SIZE);
  const ring = memblock_alloc_raw(TRACE_RING_BYTES, PAGE_SIZE);
  if (!zero_page || !ring) return -ENOMEM;
  trace_ring_init(ring);

  // x86_numa_init: the node ranges the host gave, or one node.
  const nodes = numa_init(ram_pages);
  if (nodes < 0) return nodes;
  // paging_init -> zone_sizes_init -> free_area_init
  if (!free_area_init(ram_pages)) return -ENOMEM;
  const zero_pfn = <u32>(zero_page >> PAGE_SHIFT);
  pfn_to_page(zero_pfn).flags |= PG_zero;
  set_zero_pfn(zero_pfn);

  build_all_zonelists();
  for (let nid: u32 = 0; nid < <u32>nodes; nid++) kswapd_init(nid);
  mm_init();
  if (!totalram_pages) return -ENOMEM;
  init_per_zone_wmark_min();
  for (let nid: u32 = 0; nid < <u32>nodes; nid++) kcompactd_run(nid);

  printk("Built ");
  printk_u64(nodes);
  printk(" zonelists, mobility grouping ");
  printk(page_group_by_mobility_disabled ? "off" : "on");
  printk(".  Total pages: ");
  printk_u64(ram_pages);
  printk("\nMemory: ");
  printk_u64(<u64>totalram_pages << (PAGE_SHIFT - 10));
  printk("K/");
  printk_u64(<u64>ram_pages << (PAGE_SHIFT - 10));
  printk("K available (");
  printk_u64(image_end >> 10);
  printk("K kernel image, ");
  printk_u64(<u64>(ram_pages - totalram_pages) << (PAGE_SHIFT - 10));
  printk("K reserved)\n");
  return 0;
}
