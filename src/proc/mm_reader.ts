// Reads an address space out of the kernel for the task_mmu views: the
// VMA list and the mm's counters (fs/proc/task_mmu's records, docs/abi.md)
// and, per page, the side-effect-free walk (mmu_walk_inspect) and struct
// page. Browser-safe; slow paths only (exit-time /proc), never the fault path.

import type { MmInfo, PteInfo, VmArea } from "./task_mmu.js";

/** The kernel exports this reader uses. */
export interface MmKernel {
  proc_vma_next(handle: number, addr: number): number;
  proc_mm_counters(handle: number): number;
  mmu_walk_inspect(va: number, access: number): number;
  walk_mailbox_ptr(): number;
}

/** Where struct page lives (kernel_layout) and which pfn is the zero page. */
export interface PageLayout {
  mem_map: number;
  zero_pfn: number;
}

/** The mm counters proc_mm_counters fills, beyond MmInfo. */
export interface MmCounters extends MmInfo {
  min_flt: number;
  maj_flt: number;
  map_count: number;
  start_data: number;
  end_data: number;
  arg_start: number;
  arg_end: number;
  env_start: number;
  env_end: number;
}

const SIZEOF_PAGE = 32;
const PAGE_SHIFT = 12;
const PAGE_SIZE = 1 << PAGE_SHIFT;
const _PAGE_PRESENT = 1, _PAGE_ACCESSED = 1 << 5, _PAGE_DIRTY = 1 << 6, _PAGE_PSE = 1 << 7;
const PAGE_MAPPING_ANON = 1;
const X86_PF_USER = 4;
// Bytes one entry maps at each level: pgd, pud, pmd, pte.
const LEVEL_SIZE = [2 ** 39, 2 ** 30, 2 ** 21, 2 ** 12];

export class MmReader {
  private readonly view: DataView;

  constructor(
    private readonly kernel: MmKernel,
    memory: WebAssembly.Memory,
    private readonly layout: PageLayout,
    /** The path of a file handle the host created (the program's own ELF). */
    private readonly fileName: (handle: number) => string,
  ) {
    this.view = new DataView(memory.buffer);
  }

  private f64(base: number, i: number): number {
    return this.view.getFloat64(base + i * 8, true);
  }

  /** Every VMA of mm `handle`, in address order. */
  vmas(handle: number): VmArea[] {
    const out: VmArea[] = [];
    for (let addr = 0, rec = this.kernel.proc_vma_next(handle, 0); rec; rec = this.kernel.proc_vma_next(handle, addr)) {
      const fileHandle = this.f64(rec, 4);
      out.push({
        start: this.f64(rec, 0), end: this.f64(rec, 1), pgoff: this.f64(rec, 2), flags: this.f64(rec, 3),
        file: fileHandle ? { path: this.fileName(fileHandle) } : null,
      });
      addr = this.f64(rec, 1);
    }
    return out;
  }

  /** mm `handle`'s counters, or an error for a bad handle. */
  mm(handle: number): MmCounters {
    const p = this.kernel.proc_mm_counters(handle);
    if (!p) throw new Error(`proc: no address space ${handle}`);
    const w = (i: number) => this.f64(p, i);
    return {
      rss: { file: w(0), anon: w(1), swapents: w(2), shmem: w(3) },
      hiwater_rss: w(4), hiwater_vm: w(5), total_vm: w(6), locked_vm: w(7), data_vm: w(8), exec_vm: w(9),
      stack_vm: w(10), pgtables_bytes: w(11), min_flt: w(12), maj_flt: w(13), map_count: w(14),
      start_code: w(15), end_code: w(16), start_data: w(17), end_data: w(18), start_brk: w(19), brk: w(20), start_stack: w(21),
      arg_start: w(22), arg_end: w(23), env_start: w(24), env_end: w(25),
    };
  }

  /**
   * The leaf mapping `va` in the current mm, or null when none is present,
   * with the first address past the empty entry the walk stopped at.
   */
  private walk(va: number): { pte: PteInfo | null; unmappedEnd: number } {
    this.kernel.mmu_walk_inspect(va, X86_PF_USER);
    const box = this.kernel.walk_mailbox_ptr();
    const levels = this.view.getUint32(box, true);
    if (!levels) return { pte: null, unmappedEnd: va + PAGE_SIZE };
    const level = levels - 1;
    const lo = this.view.getUint32(box + 8 + level * 16, true);
    const hi = this.view.getUint32(box + 12 + level * 16, true);
    const size = LEVEL_SIZE[level];
    if (!(lo & _PAGE_PRESENT)) return { pte: null, unmappedEnd: (Math.floor(va / size) + 1) * size };
    if (level < 3 && !(lo & _PAGE_PSE)) return { pte: null, unmappedEnd: va + PAGE_SIZE }; // cannot happen: a walk ends at a leaf
    const pfn = (hi & 0xfffff) * 2 ** 20 + (lo >>> PAGE_SHIFT);
    const head = level < 3 ? pfn - (pfn % (size / PAGE_SIZE)) : pfn;
    return {
      pte: { pfn: head, size, dirty: (lo & _PAGE_DIRTY) !== 0, young: (lo & _PAGE_ACCESSED) !== 0, page: this.page(head) },
      unmappedEnd: 0,
    };
  }

  /** struct page facts smaps and pagemap use; null for the zero page (vm_normal_page). */
  private page(pfn: number): PteInfo["page"] {
    if (pfn === this.layout.zero_pfn) return null;
    const p = this.layout.mem_map + pfn * SIZEOF_PAGE;
    return { anon: (this.view.getUint32(p + 20, true) & PAGE_MAPPING_ANON) !== 0, mapcount: this.view.getInt16(p + 18, true) + 1 };
  }

  /** The mapping of one address in the current mm (for pagemap). */
  pte(va: number): PteInfo | null {
    return this.walk(va).pte;
  }

  /** Every present mapping inside a VMA of the current mm, skipping empty tables. */
  *pagesOf(vma: VmArea): Iterable<PteInfo> {
    let va = vma.start;
    while (va < vma.end) {
      const { pte, unmappedEnd } = this.walk(va);
      if (pte) {
        yield pte;
        va = Math.floor(va / pte.size) * pte.size + pte.size;
      } else {
        va = Math.max(unmappedEnd, va + PAGE_SIZE);
      }
    }
  }
}
