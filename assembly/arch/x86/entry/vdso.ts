// arch/x86/entry/vdso/vma.c: the vDSO and its data pages, mapped into every
// new program at exec (map_vdso). Both sit in the kernel image, as Linux's
// vdso_image_64 and vdso_time_data_store do: the host writes the ELF image into
// vdso_image's pages once at boot (src/loader/vdso.ts builds it) and, as the
// timekeeper, updates the time data page (update_vsyscall) that the vDSO's
// code reads through [vvar].

import { mm_struct, PAGE_SHIFT, PAGE_SIZE, VM_READ, VM_EXEC, VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC,
  VM_IO, VM_PFNMAP, VM_DONTDUMP } from "../../../mm/mm_types";
import { current_mm, get_unmapped_area, _install_special_mapping, do_munmap } from "../../../mm/mmap";
import { IS_ERR_VALUE } from "../../../include/err";
import { EINVAL } from "../../../include/errno";

/** [vvar]: the time data, time-namespace, getrandom and arch data pages (VDSO_NR_PAGES). */
@inline export const VVAR_PAGES: u32 = 4;
/** [vvar_vclock]: the pvclock and hvclock pages (VDSO_NR_VCLOCK_PAGES). */
@inline export const VVAR_VCLOCK_PAGES: u32 = 2;
/** The vDSO image (vdso_image_64.size / PAGE_SIZE). */
@inline export const VDSO_PAGES: u32 = 2;

// vm_private_data of the three VMAs: which vm_special_mapping each is.
@inline export const SPECIAL_VVAR: u32 = 1;
@inline export const SPECIAL_VVAR_VCLOCK: u32 = 2;
@inline export const SPECIAL_VDSO: u32 = 3;

/** Physical addresses of the image's pages and of the time data page (vdso_k_time_data): page-aligned kernel data. */
const vdso_image: usize = memory.data(<i32>VDSO_PAGES << <i32>PAGE_SHIFT, <i32>PAGE_SIZE);
const vdso_time_data: usize = memory.data(<i32>PAGE_SIZE, <i32>PAGE_SIZE);

/** Where the host writes the vDSO image (VDSO_PAGES pages). */
export function vdso_image_pa(): f64 { return <f64>vdso_image; }
/** Where the host keeps the time data the vDSO reads (one page). */
export function vdso_time_data_pa(): f64 { return <f64>vdso_time_data; }

/** Whether pfn is one of the vDSO's pages (user mappings may hold these kernel pages). */
export function is_vdso_pfn(pfn: u32): bool {
  return pfn >= <u32>(vdso_image >> PAGE_SHIFT) && pfn < <u32>(vdso_image >> PAGE_SHIFT) + VDSO_PAGES;
}

/** Whether pfn is the time data page ([vvar]'s pfn map). */
export function is_vvar_pfn(pfn: u32): bool {
  return pfn == <u32>(vdso_time_data >> PAGE_SHIFT);
}

/**
 * The frame behind page `pgoff` of special mapping `id` (vdso_fault's
 * image page, vvar_fault's time data), or 0 where Linux gives SIGBUS: no
 * time namespace, no getrandom data and no paravirt clock here.
 */
export function special_mapping_pfn(id: u32, pgoff: u64): u32 {
  if (id == SPECIAL_VDSO) return pgoff < <u64>VDSO_PAGES ? <u32>(vdso_image >> PAGE_SHIFT) + <u32>pgoff : 0;
  if (id == SPECIAL_VVAR && pgoff == 0) return <u32>(vdso_time_data >> PAGE_SHIFT);
  return 0;
}

/**
 * map_vdso: [vvar], [vvar_vclock] and the image, in one free range found
 * top-down as any mapping without a hint. @return the image's address (AT_SYSINFO_EHDR) or -errno.
 */
export function map_vdso(mm: mm_struct): i64 {
  const vvar_size = <u64>VVAR_PAGES << PAGE_SHIFT;
  const vclock_size = <u64>VVAR_VCLOCK_PAGES << PAGE_SHIFT;
  const size = vvar_size + vclock_size + (<u64>VDSO_PAGES << PAGE_SHIFT);
  const addr = get_unmapped_area(mm, 0, 0, size, 0);
  if (IS_ERR_VALUE(addr)) return addr;
  const text = <u64>addr + vvar_size + vclock_size;
  const data_flags = VM_READ | VM_MAYREAD | VM_IO | VM_DONTDUMP | VM_PFNMAP;
  let ret = _install_special_mapping(mm, text, <u64>VDSO_PAGES << PAGE_SHIFT,
    VM_READ | VM_EXEC | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC, SPECIAL_VDSO);
  if (!ret) ret = _install_special_mapping(mm, <u64>addr, vvar_size, data_flags, SPECIAL_VVAR);
  if (!ret) ret = _install_special_mapping(mm, <u64>addr + vvar_size, vclock_size, data_flags, SPECIAL_VVAR_VCLOCK);
  if (ret) {
    do_munmap(mm, <u64>addr, size);
    return ret;
  }
  return <i64>text;
}

/** exec's arch_setup_additional_pages on the current mm. @return the vDSO's address, or -errno. */
export function arch_setup_additional_pages(): f64 {
  const mm = current_mm();
  if (mm === null) return -EINVAL;
  return <f64>map_vdso(mm);
}
