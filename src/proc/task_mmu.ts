// fs/proc/task_mmu.c's views of one address space: /proc/self/maps,
// the Vm*/Rss* lines of /proc/self/status, /proc/self/smaps, smaps_rollup and
// /proc/self/pagemap entries, in Linux's formats. Browser-safe: the
// inputs are plain objects (src/proc/mm_reader.ts fills them from RAM).

import { PAGE_SIZE, VM_READ, VM_WRITE, VM_EXEC, VM_MAYSHARE, VM_LOCKED, NODEMASK_BITS, SMAPS } from "../abi.js";
import type { SmapsCounts } from "../kernel.js";

export { VM_READ, VM_WRITE, VM_EXEC, VM_MAYSHARE, VM_LOCKED };

/** One VMA. */
export interface VmArea {
  start: number;
  end: number;                    // first byte after
  flags: number;                  // vm_flags
  pgoff: number;                  // vm_pgoff, in pages
  file: { path: string; dev?: [number, number]; ino?: number } | null;
  /** smaps' THPeligible: a huge pmd may map part of it. */
  thpEligible?: boolean;
  /** A special mapping's name ([vvar], [vvar_vclock], [vdso]). */
  special?: string;
}

/** The mm_struct fields the views read; sizes in pages unless named bytes. */
export interface MmInfo {
  start_code: number; end_code: number;
  start_brk: number; brk: number;
  start_stack: number;
  total_vm: number; locked_vm: number; data_vm: number; exec_vm: number; stack_vm: number;
  hiwater_vm: number; hiwater_rss: number;
  rss: { file: number; anon: number; swapents: number; shmem: number };
  pgtables_bytes: number;
}

/** What the page-table walk found for one mapped page (or huge page). */
export interface PteInfo {
  pfn: number;
  size: number;                   // bytes this entry maps: 4 KiB, or 2 MiB for a PMD
  dirty: boolean;                 // D bit
  young: boolean;                 // A bit
  // null: no struct page (the zero page); flags (PG_*) and nid as MmReader reads them
  page: { anon: boolean; mapcount: number; flags?: number; nid?: number } | null;
}

/** A swap PTE's entry (pte_to_swp_entry): the swap device's type and the page's slot in it. */
export interface SwapPte {
  type: number;
  offset: number;
}

const hex = (n: number, width = 8) => n.toString(16).padStart(width, "0");

/**
 * The name column (get_vma_name): the file, a special mapping's name, [heap], [stack], or nothing.
 * vma_is_initial_heap's bounds are strict: a bss ending where the brk
 * starts, with an empty brk area, is not the heap.
 */
export function vmaName(vma: VmArea, mm: MmInfo): string {
  if (vma.file) return vma.file.path;
  if (vma.special) return vma.special;
  if (vma.start < mm.brk && vma.end > mm.start_brk) return "[heap]";
  if (vma.start <= mm.start_stack && vma.end >= mm.start_stack) return "[stack]";
  return "";
}

// show_map_vma pads the name to column 25 + sizeof(void *) * 6 - 1, then a space.
const NAME_COLUMN = 25 + 8 * 6 - 1;

function mapsLine(start: number, end: number, perms: string, pgoff: number, dev: [number, number], ino: number, name: string): string {
  const line = `${hex(start)}-${hex(end)} ${perms} ${hex(pgoff)} ${hex(dev[0], 2)}:${hex(dev[1], 2)} ${ino} `;
  return name ? line.padEnd(NAME_COLUMN) + " " + name + "\n" : line + "\n";
}

export function vmaPerms(flags: number): string {
  return (flags & VM_READ ? "r" : "-") + (flags & VM_WRITE ? "w" : "-") + (flags & VM_EXEC ? "x" : "-") + (flags & VM_MAYSHARE ? "s" : "p");
}

/**
 * The gate VMA (get_gate_vma): the vsyscall page (src/syscalls/vsyscall.ts),
 * in no mm's VMA tree, which maps and smaps show after the last VMA.
 */
export const GATE_VMA: VmArea = { start: 0xffff_ffff_ff60_0000, end: 0xffff_ffff_ff60_1000, flags: VM_EXEC, pgoff: 0, file: null, special: "[vsyscall]" };

/** The gate VMA's smaps counts: it has none of the mm's pages. */
const GATE_COUNTS = Object.fromEntries(Object.keys(SMAPS).map((k) => [k, 0])) as SmapsCounts;

/** A VMA's maps line (show_map_vma). A file has no device, so file mappings show 00:00 and the inode number the host gave. */
export function showMapVma(v: VmArea, mm: MmInfo): string {
  return mapsLine(v.start, v.end, vmaPerms(v.flags), v.file ? v.pgoff * PAGE_SIZE : 0, v.file?.dev ?? [0, 0], v.file?.ino ?? 0, vmaName(v, mm));
}

/** /proc/self/maps: every VMA, then the gate VMA. */
export function procMaps(vmas: VmArea[], mm: MmInfo): string {
  return [...vmas, GATE_VMA].map((v) => showMapVma(v, mm)).join("");
}

/** "Name:\tvalue kB\n" with the value %8lu, as SEQ_PUT_DEC prints it. */
const kB = (name: string, kb: number) => `${name}:\t${String(kb).padStart(8)} kB\n`;
const pagesKB = (pages: number) => pages * (PAGE_SIZE / 1024);

/**
 * %*pb of a nodemask: NODEMASK_BITS as comma-separated 32-bit groups in
 * hex, the highest first (bitmap_print_to_pagebuf).
 */
export function nodemaskBitmap(nodes: number[]): string {
  const groups = new Array<number>(NODEMASK_BITS / 32).fill(0);
  for (const nid of nodes) groups[nid >>> 5] |= 1 << (nid & 31);
  return groups.reverse().map((g) => (g >>> 0).toString(16).padStart(8, "0")).join(",");
}

/**
 * The memory lines of /proc/<pid>/status (task_mem, then
 * hugetlb_report_usage), in Linux's order. VmPin and HugetlbPages are 0:
 * nothing here pins pages or has hugetlbfs.
 */
export function taskMem(mm: MmInfo): string {
  const total_rss = mm.rss.anon + mm.rss.file + mm.rss.shmem;
  const hiwater_rss = Math.max(mm.hiwater_rss, total_rss);
  const hiwater_vm = Math.max(mm.hiwater_vm, mm.total_vm);
  const pageAlign = (a: number) => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;
  const text = Math.min(pageAlign(mm.end_code) - (mm.start_code - (mm.start_code % PAGE_SIZE)), mm.exec_vm * PAGE_SIZE);
  const lib = mm.exec_vm * PAGE_SIZE - text;
  return kB("VmPeak", pagesKB(hiwater_vm))
    + kB("VmSize", pagesKB(mm.total_vm))
    + kB("VmLck", pagesKB(mm.locked_vm))
    + kB("VmPin", 0)
    + kB("VmHWM", pagesKB(hiwater_rss))
    + kB("VmRSS", pagesKB(total_rss))
    + kB("RssAnon", pagesKB(mm.rss.anon))
    + kB("RssFile", pagesKB(mm.rss.file))
    + kB("RssShmem", pagesKB(mm.rss.shmem))
    + kB("VmData", pagesKB(mm.data_vm))
    + kB("VmStk", pagesKB(mm.stack_vm))
    + kB("VmExe", Math.floor(text / 1024))
    + kB("VmLib", Math.floor(lib / 1024))
    + kB("VmPTE", Math.floor(mm.pgtables_bytes / 1024))
    + kB("VmSwap", pagesKB(mm.rss.swapents))
    + kB("HugetlbPages", 0);
}

/** "Name:" padded to 16, then %8lu kB (SEQ_PUT_DEC in __show_smap). */
const smapLine = (name: string, bytes: number) => `${(name + ":").padEnd(16)}${String(Math.floor(bytes / 1024)).padStart(8)} kB\n`;

/**
 * __show_smap's lines: the Pss split by kind in the rollup only. KSM,
 * ShmemPmdMapped, FilePmdMapped and the hugetlb lines are 0: nothing here
 * merges pages, maps shmem or file pages with a pmd, or has hugetlbfs.
 */
function showSmap(c: SmapsCounts, rollup: boolean): string {
  return smapLine("Rss", c.Rss)
    + smapLine("Pss", c.Pss)
    + smapLine("Pss_Dirty", c.Pss_Dirty)
    + (rollup ? smapLine("Pss_Anon", c.Pss_Anon) + smapLine("Pss_File", c.Pss_File) + smapLine("Pss_Shmem", c.Pss_Shmem) : "")
    + smapLine("Shared_Clean", c.Shared_Clean)
    + smapLine("Shared_Dirty", c.Shared_Dirty)
    + smapLine("Private_Clean", c.Private_Clean)
    + smapLine("Private_Dirty", c.Private_Dirty)
    + smapLine("Referenced", c.Referenced)
    + smapLine("Anonymous", c.Anonymous)
    + smapLine("KSM", 0)
    + smapLine("LazyFree", c.LazyFree)
    + smapLine("AnonHugePages", c.AnonHugePages)
    + smapLine("ShmemPmdMapped", 0)
    + smapLine("FilePmdMapped", 0)
    + smapLine("Shared_Hugetlb", 0)
    + smapLine("Private_Hugetlb", 0)
    + smapLine("Swap", c.Swap)
    + smapLine("SwapPss", c.SwapPss)
    + smapLine("Locked", c.Pss_Locked);
}

/** show_smap_vma_flags' two-letter names, by vm_flags bit. */
const VM_FLAG_NAMES: Record<number, string> = {
  0: "rd", 1: "wr", 2: "ex", 3: "sh", 4: "mr", 5: "mw", 6: "me", 7: "ms", 8: "gd", 10: "pf", 13: "lo", 14: "io",
  15: "sr", 16: "rr", 17: "dc", 18: "de", 19: "lf", 20: "ac", 21: "nr", 22: "ht", 23: "sf", 24: "ar", 25: "wf",
  26: "dd", 28: "mm", 29: "hg", 30: "nh", 31: "mg",
};

export function vmFlagNames(flags: number): string {
  let out = "";
  for (let bit = 0; bit < 32; bit++) if ((flags >>> bit) & 1 && VM_FLAG_NAMES[bit]) out += VM_FLAG_NAMES[bit] + " ";
  return out;
}

/** /proc/<pid>/smaps (show_smap): each VMA's maps line (the gate VMA's last), sizes, its pages' counts, THPeligible and VmFlags. */
export function procSmaps(vmas: VmArea[], mm: MmInfo, countsOf: (vma: VmArea) => SmapsCounts): string {
  return [...vmas, GATE_VMA].map((v) => showMapVma(v, mm)
    + smapLine("Size", v.end - v.start) + smapLine("KernelPageSize", PAGE_SIZE) + smapLine("MMUPageSize", PAGE_SIZE)
    + showSmap(v === GATE_VMA ? GATE_COUNTS : countsOf(v), false)
    + `THPeligible:    ${String(v.thpEligible ? 1 : 0).padStart(8)}\n`
    + `VmFlags: ${vmFlagNames(v.flags)}\n`).join("");
}

/** /proc/<pid>/smaps_rollup: the counts of every VMA, under a [rollup] line spanning them. */
export function procSmapsRollup(vmas: VmArea[], counts: SmapsCounts): string {
  if (!vmas.length) return "";
  return mapsLine(vmas[0].start, vmas[vmas.length - 1].end, "---p", 0, [0, 0], 0, "[rollup]") + showSmap(counts, true);
}

// /proc/pid/pagemap bits (Documentation/admin-guide/mm/pagemap.rst)
export const PM_PFRAME_MASK = (1n << 55n) - 1n;
export const PM_SOFT_DIRTY = 1n << 55n;
export const PM_MMAP_EXCLUSIVE = 1n << 56n;
export const PM_FILE = 1n << 61n;
export const PM_SWAP = 1n << 62n;
export const PM_PRESENT = 1n << 63n;

/** MAX_SWAPFILES_SHIFT: a swapped page's entry is its type, then its offset above these bits. */
const MAX_SWAPFILES_SHIFT = 5n;

/**
 * The 64-bit pagemap entry for a virtual page (pte_to_pagemap_entry): the
 * pfn and present bit, exclusive when mapped once, file when not anonymous
 * (shared anonymous memory too: shmem's); a swapped page's type and
 * offset with the swap bit. Soft-dirty is never set, as in a kernel without
 * CONFIG_MEM_SOFT_DIRTY (this one's PTEs carry hardware bits only); nor
 * uffd-wp: no userfaultfd. A page neither mapped nor swapped reads 0.
 */
export function pagemapEntry(pte: PteInfo | SwapPte | null, va: number): bigint {
  if (!pte) return 0n;
  if ("offset" in pte) return PM_SWAP | ((BigInt(pte.type) | (BigInt(pte.offset) << MAX_SWAPFILES_SHIFT)) & PM_PFRAME_MASK);
  const frame = BigInt(pte.pfn + Math.floor((va % pte.size) / PAGE_SIZE));
  let entry = PM_PRESENT | (frame & PM_PFRAME_MASK);
  if (pte.page && !pte.page.anon) entry |= PM_FILE;
  if (pte.page && pte.page.mapcount === 1) entry |= PM_MMAP_EXCLUSIVE;
  return entry;
}

/** One `--pagemap` line: the address, the raw entry and its fields. */
export function pagemapLine(va: number, entry: bigint): string {
  const bit = (b: bigint) => ((entry & b) ? 1 : 0);
  const frame = entry & PM_PFRAME_MASK;
  const fields = (entry & PM_PRESENT)
    ? `present=1 pfn=0x${frame.toString(16)} soft-dirty=${bit(PM_SOFT_DIRTY)} exclusive=${bit(PM_MMAP_EXCLUSIVE)} file/shared-anon=${bit(PM_FILE)} swapped=${bit(PM_SWAP)}`
    : (entry & PM_SWAP) ? `present=0 swapped=1 type=${frame & ((1n << MAX_SWAPFILES_SHIFT) - 1n)} offset=0x${(frame >> MAX_SWAPFILES_SHIFT).toString(16)}` : "present=0";
  return `${hex(va - (va % PAGE_SIZE), 12)} ${entry.toString(16).padStart(16, "0")} ${fields}\n`;
}
