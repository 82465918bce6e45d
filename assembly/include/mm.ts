// include/linux/mm.h's helpers on addresses and VMAs.

import { vm_area_struct, PAGE_SHIFT, PAGE_SIZE } from "../mm/mm_types";

@inline export function PAGE_ALIGN(x: u64): u64 { return (x + PAGE_SIZE - 1) & ~(<u64>PAGE_SIZE - 1); }
@inline export function offset_in_page(x: u64): u64 { return x & (PAGE_SIZE - 1); }
@inline export function vma_pages(vma: vm_area_struct): u64 { return (vma.vm_end - vma.vm_start) >> PAGE_SHIFT; }
