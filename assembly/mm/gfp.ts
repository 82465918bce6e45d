// include/linux/gfp.h and gfp_types.h: Linux's bit values (5.x, which still
// has __GFP_ATOMIC), the composites, gfp_zone() and gfp_migratetype().

import {
  ZONE_DMA, ZONE_DMA32, ZONE_NORMAL, ZONE_MOVABLE, MIGRATE_UNMOVABLE,
  page_group_by_mobility_disabled,
} from "./mmzone";

@inline export const __GFP_DMA: u32 = 0x01;
@inline export const __GFP_HIGHMEM: u32 = 0x02;
@inline export const __GFP_DMA32: u32 = 0x04;
@inline export const __GFP_MOVABLE: u32 = 0x08;
@inline export const __GFP_RECLAIMABLE: u32 = 0x10;
@inline export const __GFP_HIGH: u32 = 0x20;
@inline export const __GFP_IO: u32 = 0x40;
@inline export const __GFP_FS: u32 = 0x80;
@inline export const __GFP_ZERO: u32 = 0x100;
@inline export const __GFP_ATOMIC: u32 = 0x200;
@inline export const __GFP_DIRECT_RECLAIM: u32 = 0x400;
@inline export const __GFP_KSWAPD_RECLAIM: u32 = 0x800;
@inline export const __GFP_WRITE: u32 = 0x1000;
@inline export const __GFP_NOWARN: u32 = 0x2000;
@inline export const __GFP_RETRY_MAYFAIL: u32 = 0x4000;
@inline export const __GFP_NOFAIL: u32 = 0x8000;
@inline export const __GFP_NORETRY: u32 = 0x10000;
@inline export const __GFP_MEMALLOC: u32 = 0x20000;
@inline export const __GFP_COMP: u32 = 0x40000;
@inline export const __GFP_NOMEMALLOC: u32 = 0x80000;
@inline export const __GFP_HARDWALL: u32 = 0x100000;
@inline export const __GFP_THISNODE: u32 = 0x200000;
@inline export const __GFP_ACCOUNT: u32 = 0x400000;

@inline export const __GFP_RECLAIM: u32 = __GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM;
@inline export const GFP_ATOMIC: u32 = __GFP_HIGH | __GFP_ATOMIC | __GFP_KSWAPD_RECLAIM;
@inline export const GFP_KERNEL: u32 = __GFP_RECLAIM | __GFP_IO | __GFP_FS;
@inline export const GFP_KERNEL_ACCOUNT: u32 = GFP_KERNEL | __GFP_ACCOUNT;
@inline export const GFP_NOWAIT: u32 = __GFP_KSWAPD_RECLAIM;
@inline export const GFP_NOIO: u32 = __GFP_RECLAIM;
@inline export const GFP_NOFS: u32 = __GFP_RECLAIM | __GFP_IO;
@inline export const GFP_USER: u32 = __GFP_RECLAIM | __GFP_IO | __GFP_FS | __GFP_HARDWALL;
@inline export const GFP_DMA: u32 = __GFP_DMA;
@inline export const GFP_DMA32: u32 = __GFP_DMA32;
@inline export const GFP_HIGHUSER: u32 = GFP_USER | __GFP_HIGHMEM;
@inline export const GFP_HIGHUSER_MOVABLE: u32 = GFP_HIGHUSER | __GFP_MOVABLE;
@inline export const GFP_TRANSHUGE_LIGHT: u32 =
  (GFP_HIGHUSER_MOVABLE | __GFP_COMP | __GFP_NOMEMALLOC | __GFP_NOWARN) & ~__GFP_RECLAIM;
@inline export const GFP_TRANSHUGE: u32 = GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM;

@inline export const GFP_ZONEMASK: u32 = __GFP_DMA | __GFP_HIGHMEM | __GFP_DMA32 | __GFP_MOVABLE;
@inline export const GFP_MOVABLE_MASK: u32 = __GFP_RECLAIMABLE | __GFP_MOVABLE;
@inline export const GFP_MOVABLE_SHIFT: u32 = 3;

// GFP_ZONE_TABLE: the zone for each combination of the four zone bits, 3 bits
// an entry (ZONES_SHIFT for 5 zones). HIGHMEM means NORMAL on 64-bit
// (OPT_ZONE_HIGHMEM). GFP_ZONE_BAD marks the combinations Linux forbids.
@inline const GFP_ZONES_SHIFT: u64 = 3;
@inline const GFP_ZONE_TABLE: u64 =
    (<u64>ZONE_NORMAL << (0 * GFP_ZONES_SHIFT))
  | (<u64>ZONE_DMA << (<u64>__GFP_DMA * GFP_ZONES_SHIFT))
  | (<u64>ZONE_NORMAL << (<u64>__GFP_HIGHMEM * GFP_ZONES_SHIFT))
  | (<u64>ZONE_DMA32 << (<u64>__GFP_DMA32 * GFP_ZONES_SHIFT))
  | (<u64>ZONE_NORMAL << (<u64>__GFP_MOVABLE * GFP_ZONES_SHIFT))
  | (<u64>ZONE_DMA << (<u64>(__GFP_MOVABLE | __GFP_DMA) * GFP_ZONES_SHIFT))
  | (<u64>ZONE_MOVABLE << (<u64>(__GFP_MOVABLE | __GFP_HIGHMEM) * GFP_ZONES_SHIFT))
  | (<u64>ZONE_DMA32 << (<u64>(__GFP_MOVABLE | __GFP_DMA32) * GFP_ZONES_SHIFT));
@inline const GFP_ZONE_BAD: u32 =
    1 << (__GFP_DMA | __GFP_HIGHMEM)
  | 1 << (__GFP_DMA | __GFP_DMA32)
  | 1 << (__GFP_DMA32 | __GFP_HIGHMEM)
  | 1 << (__GFP_DMA | __GFP_DMA32 | __GFP_HIGHMEM)
  | 1 << (__GFP_MOVABLE | __GFP_HIGHMEM | __GFP_DMA)
  | 1 << (__GFP_MOVABLE | __GFP_DMA32 | __GFP_DMA)
  | 1 << (__GFP_MOVABLE | __GFP_DMA32 | __GFP_HIGHMEM)
  | 1 << (__GFP_MOVABLE | __GFP_DMA32 | __GFP_DMA | __GFP_HIGHMEM);

/** The highest zone an allocation may use, or -1 for a forbidden zone-bit mix. */
@inline export function gfp_zone(flags: u32): i32 {
  const bit = flags & GFP_ZONEMASK;
  if ((GFP_ZONE_BAD >> bit) & 1) return -1;
  return <i32>((GFP_ZONE_TABLE >> (<u64>bit * GFP_ZONES_SHIFT)) & 7);
}

@inline export function gfp_migratetype(gfp_flags: u32): u32 {
  if (page_group_by_mobility_disabled) return MIGRATE_UNMOVABLE;
  // __GFP_MOVABLE -> MIGRATE_MOVABLE (1), __GFP_RECLAIMABLE -> MIGRATE_RECLAIMABLE (2)
  return (gfp_flags & GFP_MOVABLE_MASK) >> GFP_MOVABLE_SHIFT;
}
