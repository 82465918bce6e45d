// Reads an address space out of the kernel for the task_mmu views: the
// VMA list and the mm's counters (fs/proc/task_mmu's records, docs/abi.md)
// and, per page, the side-effect-free walk (mmu_walk_inspect) and struct
// page. Browser-safe; slow paths only (/proc, the guest's reads of its
// files among them), never the fault path.

import { pagemapEntry, type MmInfo, type PteInfo, type SwapPte, type VmArea } from "./task_mmu.js";
import { readSmaps, type SmapsCounts } from "../kernel.js";
import { StructPages, type PageLayout } from "../mm/struct_page.js";
import { MM_VIEW, VMA_RECORD, SPECIAL_MAPPING_NAMES, recordIndex, PAGE_SHIFT, PAGE_SIZE, PGDIR_SHIFT, PUD_SHIFT, PMD_SHIFT,
  _PAGE_PRESENT, _PAGE_PROTNONE, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_PSE, X86_PF_USER, MAX_NUMNODES, MPOL_F_ADDR, MPOL_MODE_FLAGS,
  type KernelExports } from "../abi.js";

/** The kernel exports this reader uses. */
export type MmKernel = Pick<KernelExports, "proc_vma_next" | "proc_mm_counters" | "proc_smaps_range" | "mmu_walk_inspect" | "walk_mailbox_ptr"
  | "kernel_get_mempolicy" | "mempolicy_result_ptr">;

/** A memory policy as get_mempolicy reports it: the mode, its MPOL_F_* flags, the nodes. */
export interface PolicyInfo {
  mode: number;
  flags: number;
  nodes: number[];
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

// Bytes one entry maps at each level: pgd, pud, pmd, pte.
const LEVEL_SIZE = [2 ** PGDIR_SHIFT, 2 ** PUD_SHIFT, 2 ** PMD_SHIFT, 2 ** PAGE_SHIFT];
const VMA = recordIndex(VMA_RECORD);
const MM = recordIndex(MM_VIEW);

export class MmReader {
  private readonly view: DataView;
  private readonly pages: StructPages;

  constructor(
    private readonly kernel: MmKernel,
    private readonly memory: WebAssembly.Memory,
    layout: PageLayout,
    /** The name column, device and inode /proc shows for a mapped file (its handle and inode number). */
    private readonly fileName: (handle: number, ino: number) => NonNullable<VmArea["file"]>,
  ) {
    this.view = new DataView(memory.buffer);
    this.pages = new StructPages(new Uint32Array(memory.buffer), layout);
  }

  private f64(base: number, i: number): number {
    return this.view.getFloat64(base + i * 8, true);
  }

  /** The VMA in proc_vma_next's record. */
  private vma(rec: number): VmArea {
    const fileHandle = this.f64(rec, VMA.vm_file);
    return {
      start: this.f64(rec, VMA.vm_start), end: this.f64(rec, VMA.vm_end), pgoff: this.f64(rec, VMA.vm_pgoff),
      flags: this.f64(rec, VMA.vm_flags), file: fileHandle ? this.fileName(fileHandle, this.f64(rec, VMA.i_ino)) : null,
      thpEligible: this.f64(rec, VMA.thp_vma_allowable_orders) !== 0,
      special: SPECIAL_MAPPING_NAMES[this.f64(rec, VMA.vm_private_data)],
    };
  }

  /** The smaps counts of the pages mm `handle` maps in [start, end) (proc_smaps_range). */
  smaps(handle: number, start: number, end: number): SmapsCounts {
    const counts = readSmaps(this.memory, this.kernel, handle, start, end);
    if (!counts) throw new Error(`smaps: no mm ${handle}`);
    return counts;
  }

  /** Every VMA of mm `handle`, in address order. */
  vmas(handle: number): VmArea[] {
    const out: VmArea[] = [];
    for (let rec = this.kernel.proc_vma_next(handle, 0); rec; rec = this.kernel.proc_vma_next(handle, out[out.length - 1].end)) {
      out.push(this.vma(rec));
    }
    return out;
  }

  /** The VMA of mm `handle` that covers `addr`, or null: one find_vma in the kernel. */
  vmaAt(handle: number, addr: number): VmArea | null {
    const rec = this.kernel.proc_vma_next(handle, addr);
    if (!rec) return null;
    const vma = this.vma(rec);
    return vma.start <= addr ? vma : null;
  }

  /** mm `handle`'s minor and major fault counts alone (cheap: read at every task switch). */
  faults(handle: number): { min_flt: number; maj_flt: number } {
    const p = this.kernel.proc_mm_counters(handle);
    if (!p) return { min_flt: 0, maj_flt: 0 };
    return { min_flt: this.f64(p, MM.min_flt), maj_flt: this.f64(p, MM.maj_flt) };
  }

  /** mm `handle`'s counters, or an error for a bad handle. */
  mm(handle: number): MmCounters {
    const p = this.kernel.proc_mm_counters(handle);
    if (!p) throw new Error(`proc: no address space ${handle}`);
    const w = (field: keyof typeof MM) => this.f64(p, MM[field]);
    return {
      rss: { file: w("MM_FILEPAGES"), anon: w("MM_ANONPAGES"), swapents: w("MM_SWAPENTS"), shmem: w("MM_SHMEMPAGES") },
      hiwater_rss: w("hiwater_rss"), hiwater_vm: w("hiwater_vm"), total_vm: w("total_vm"), locked_vm: w("locked_vm"),
      data_vm: w("data_vm"), exec_vm: w("exec_vm"), stack_vm: w("stack_vm"), pgtables_bytes: w("pgtables_bytes"),
      min_flt: w("min_flt"), maj_flt: w("maj_flt"), map_count: w("map_count"), start_code: w("start_code"),
      end_code: w("end_code"), start_data: w("start_data"), end_data: w("end_data"), start_brk: w("start_brk"), brk: w("brk"), start_stack: w("start_stack"),
      arg_start: w("arg_start"), arg_end: w("arg_end"), env_start: w("env_start"), env_end: w("env_end"),
    };
  }

  /**
   * The leaf mapping `va` in the current mm, or null when none is present
   * (pte_present: a PROT_NONE page is), with the first address past the
   * empty entry the walk stopped at; or the swap entry a PTE holds.
   */
  private walk(va: number): { pte: PteInfo | null; swap?: SwapPte; unmappedEnd: number } {
    this.kernel.mmu_walk_inspect(va, X86_PF_USER);
    const box = this.kernel.walk_mailbox_ptr();
    const levels = this.view.getUint32(box, true);
    if (!levels) return { pte: null, unmappedEnd: va + PAGE_SIZE };
    const level = levels - 1;
    const lo = this.view.getUint32(box + 8 + level * 16, true);
    const hi = this.view.getUint32(box + 12 + level * 16, true);
    const size = LEVEL_SIZE[level];
    if (!(lo & (_PAGE_PRESENT | _PAGE_PROTNONE))) {
      // A swap PTE (assembly/mm/swapops.ts): the type in bits 59..63, the offset inverted in bits 9..58.
      const swap = level === 3 && (lo | hi) ? { type: hi >>> 27, offset: (~hi & 0x7ffffff) * 2 ** 23 + (~lo >>> 9) } : undefined;
      return { pte: null, swap, unmappedEnd: (Math.floor(va / size) + 1) * size };
    }
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
    const pages = this.pages;
    if (pages.isZero(pfn)) return null;
    return { anon: pages.anon(pfn), mapcount: pages.mapcount(pfn), flags: pages.flags(pfn), nid: pages.nid(pfn) };
  }

  /**
   * The policy of the current mm's VMA at `addr` (MPOL_DEFAULT when it has
   * none), or with null the task's: get_mempolicy(MPOL_F_ADDR), which
   * faults nothing in.
   */
  policy(addr: number | null): PolicyInfo {
    if (this.kernel.kernel_get_mempolicy(addr ?? 0, addr === null ? 0 : MPOL_F_ADDR) !== 0) return { mode: 0, flags: 0, nodes: [] };
    const at = this.kernel.mempolicy_result_ptr() >>> 0;
    const mode = this.view.getInt32(at, true);
    const nodes: number[] = [];
    for (let nid = 0; nid < MAX_NUMNODES; nid++) if ((this.view.getUint32(at + 4 + (nid >>> 5) * 4, true) >>> (nid & 31)) & 1) nodes.push(nid);
    return { mode: mode & ~MPOL_MODE_FLAGS, flags: mode & MPOL_MODE_FLAGS, nodes };
  }

  /**
   * The pagemap entries of `n` pages from `va` in the current mm
   * (pagemap_pte_range, pagemap_pte_hole): a whole empty table is one step.
   */
  pagemap(va: number, n: number): BigUint64Array {
    va -= va % PAGE_SIZE;
    const out = new BigUint64Array(n);
    for (let i = 0; i < n;) {
      const at = va + i * PAGE_SIZE;
      const { pte, swap, unmappedEnd } = this.walk(at);
      if (pte || swap) out[i++] = pagemapEntry(pte ?? swap!, at);
      else i += Math.max(1, (unmappedEnd - at) / PAGE_SIZE);
    }
    return out;
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
