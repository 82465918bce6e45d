// fs/proc/task_mmu.c's views of one address space: /proc/self/maps,
// the Vm*/Rss* lines of /proc/self/status, /proc/self/smaps_rollup and
// /proc/self/pagemap entries, in Linux's formats. Browser-safe: the
// inputs are plain objects (src/proc/mm_reader.ts fills them from RAM).

import { PAGE_SIZE, VM_READ, VM_WRITE, VM_EXEC, VM_MAYSHARE, VM_LOCKED, NODEMASK_BITS } from "../abi.js";
import { nodeList } from "./node.js";

export { VM_READ, VM_WRITE, VM_EXEC, VM_MAYSHARE, VM_LOCKED };

/** One VMA. */
export interface VmArea {
  start: number;
  end: number;                    // first byte after
  flags: number;                  // vm_flags
  pgoff: number;                  // vm_pgoff, in pages
  file: { path: string; dev?: [number, number]; ino?: number } | null;
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

const hex = (n: number, width = 8) => n.toString(16).padStart(width, "0");

/** The name column (get_vma_name): the file, [heap], [stack], or nothing. */
export function vmaName(vma: VmArea, mm: MmInfo): string {
  if (vma.file) return vma.file.path;
  if (vma.start <= mm.brk && vma.end >= mm.start_brk) return "[heap]";
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
 * /proc/self/maps. There is no [vvar] or [vdso] here: this kernel maps no
 * vDSO, so those lines are absent, not hidden. A file has no device, so
 * file mappings show 00:00 and the inode number the host gave.
 */
export function procMaps(vmas: VmArea[], mm: MmInfo): string {
  return vmas.map((v) => mapsLine(
    v.start, v.end, vmaPerms(v.flags),
    v.file ? v.pgoff * PAGE_SIZE : 0,
    v.file?.dev ?? [0, 0], v.file?.ino ?? 0, vmaName(v, mm),
  )).join("");
}

/** "Name:\tvalue kB\n" with the value %8lu, as SEQ_PUT_DEC prints it. */
const kB = (name: string, kb: number) => `${name}:\t${String(kb).padStart(8)} kB\n`;
const pagesKB = (pages: number) => pages * (PAGE_SIZE / 1024);

/**
 * The memory lines of /proc/self/status (task_mem), in Linux's order. Left
 * out because nothing here has them: VmPin (no pinning), HugetlbPages (no
 * hugetlbfs).
 */
/**
 * %*pb of a nodemask: NODEMASK_BITS as comma-separated 32-bit groups in
 * hex, the highest first (bitmap_print_to_pagebuf).
 */
function nodemaskBitmap(nodes: number[]): string {
  const groups = new Array<number>(NODEMASK_BITS / 32).fill(0);
  for (const nid of nodes) groups[nid >>> 5] |= 1 << (nid & 31);
  return groups.reverse().map((g) => (g >>> 0).toString(16).padStart(8, "0")).join(",");
}

/**
 * /proc/<pid>/status: Name, the Vm and Rss lines (task_mem), the threads
 * of its process when known (Threads:), and the nodes the task may allocate
 * from (cpuset_task_status_allowed: every node with memory, as a bitmap and
 * as a list).
 */
export function procStatus(comm: string, mm: MmInfo, memoryNodes: number[] = [0], threads?: number): string {
  const total_rss = mm.rss.anon + mm.rss.file + mm.rss.shmem;
  const hiwater_rss = Math.max(mm.hiwater_rss, total_rss);
  const hiwater_vm = Math.max(mm.hiwater_vm, mm.total_vm);
  const pageAlign = (a: number) => Math.ceil(a / PAGE_SIZE) * PAGE_SIZE;
  const text = Math.min(pageAlign(mm.end_code) - (mm.start_code - (mm.start_code % PAGE_SIZE)), mm.exec_vm * PAGE_SIZE);
  const lib = mm.exec_vm * PAGE_SIZE - text;
  return `Name:\t${comm.slice(0, 15)}\n`
    + kB("VmPeak", pagesKB(hiwater_vm))
    + kB("VmSize", pagesKB(mm.total_vm))
    + kB("VmLck", pagesKB(mm.locked_vm))
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
    + (threads === undefined ? "" : `Threads:\t${threads}\n`)
    + `Mems_allowed:\t${nodemaskBitmap(memoryNodes)}\n`
    + `Mems_allowed_list:\t${nodeList(memoryNodes)}\n`;
}

/** struct mem_size_stats, the parts this kernel can have (bytes; pss in bytes, fractional). */
export interface MemSizeStats {
  resident: number; pss: number; pss_dirty: number; pss_anon: number; pss_file: number;
  shared_clean: number; shared_dirty: number; private_clean: number; private_dirty: number;
  referenced: number; anonymous: number; anonymous_thp: number; locked: number;
}

/** smaps_account over every mapped page of the VMAs. */
export function smapsAccount(vmas: VmArea[], pagesOf: (vma: VmArea) => Iterable<PteInfo>): MemSizeStats {
  const mss: MemSizeStats = {
    resident: 0, pss: 0, pss_dirty: 0, pss_anon: 0, pss_file: 0, shared_clean: 0, shared_dirty: 0,
    private_clean: 0, private_dirty: 0, referenced: 0, anonymous: 0, anonymous_thp: 0, locked: 0,
  };
  for (const vma of vmas) {
    for (const pte of pagesOf(vma)) {
      // vm_normal_page() is NULL for the zero page: smaps does not count it.
      if (!pte.page) continue;
      const size = pte.size;
      mss.resident += size;
      if (pte.page.anon) {
        mss.anonymous += size;
        if (size > PAGE_SIZE) mss.anonymous_thp += size;
      }
      if (pte.young) mss.referenced += size;
      const shared = pte.page.mapcount >= 2;
      const pss = shared ? size / pte.page.mapcount : size;
      mss.pss += pss;
      if (pte.dirty) mss.pss_dirty += pss;
      if (pte.page.anon) mss.pss_anon += pss; else mss.pss_file += pss;
      if (shared) { if (pte.dirty) mss.shared_dirty += size; else mss.shared_clean += size; }
      else if (pte.dirty) mss.private_dirty += size; else mss.private_clean += size;
      if (vma.flags & VM_LOCKED) mss.locked += pss;
    }
  }
  return mss;
}

/** "Name:" padded to 16, then %8lu kB (SEQ_PUT_DEC in __show_smap). */
const smapLine = (name: string, bytes: number) => `${(name + ":").padEnd(16)}${String(Math.floor(bytes / 1024)).padStart(8)} kB\n`;

/**
 * /proc/self/smaps_rollup. Left out because nothing here has them: Pss_Shmem,
 * KSM, LazyFree, ShmemPmdMapped, FilePmdMapped, Shared/Private_Hugetlb,
 * Swap and SwapPss (no shmem, KSM, MADV_FREE, file THP, hugetlbfs or swap).
 */
export function procSmapsRollup(vmas: VmArea[], mss: MemSizeStats): string {
  if (!vmas.length) return "";
  const head = mapsLine(vmas[0].start, vmas[vmas.length - 1].end, "---p", 0, [0, 0], 0, "[rollup]");
  return head
    + smapLine("Rss", mss.resident)
    + smapLine("Pss", mss.pss)
    + smapLine("Pss_Dirty", mss.pss_dirty)
    + smapLine("Pss_Anon", mss.pss_anon)
    + smapLine("Pss_File", mss.pss_file)
    + smapLine("Shared_Clean", mss.shared_clean)
    + smapLine("Shared_Dirty", mss.shared_dirty)
    + smapLine("Private_Clean", mss.private_clean)
    + smapLine("Private_Dirty", mss.private_dirty)
    + smapLine("Referenced", mss.referenced)
    + smapLine("Anonymous", mss.anonymous)
    + smapLine("AnonHugePages", mss.anonymous_thp)
    + smapLine("Locked", mss.locked);
}

// /proc/pid/pagemap bits (Documentation/admin-guide/mm/pagemap.rst)
export const PM_PFRAME_MASK = (1n << 55n) - 1n;
export const PM_SOFT_DIRTY = 1n << 55n;
export const PM_MMAP_EXCLUSIVE = 1n << 56n;
export const PM_FILE = 1n << 61n;
export const PM_SWAP = 1n << 62n;
export const PM_PRESENT = 1n << 63n;

/**
 * The 64-bit pagemap entry for a virtual page (pte_to_pagemap_entry): the
 * pfn and present bit, exclusive when mapped once, file when not anonymous.
 * Soft-dirty is never set: this kernel's PTEs carry no soft-dirty bit
 * (hardware bits only), so the clear_refs/soft-dirty protocol is absent.
 * Nothing is swapped, so a non-present page reads 0.
 */
export function pagemapEntry(pte: PteInfo | null, va: number): bigint {
  if (!pte) return 0n;
  const frame = BigInt(pte.pfn + Math.floor((va % pte.size) / PAGE_SIZE));
  let entry = PM_PRESENT | (frame & PM_PFRAME_MASK);
  if (pte.page && !pte.page.anon) entry |= PM_FILE;
  if (pte.page && pte.page.mapcount === 1) entry |= PM_MMAP_EXCLUSIVE;
  return entry;
}

/** One `--pagemap` line: the address, the raw entry and its fields. */
export function pagemapLine(va: number, entry: bigint): string {
  const bit = (b: bigint) => ((entry & b) ? 1 : 0);
  const fields = (entry & PM_PRESENT)
    ? `present=1 pfn=0x${(entry & PM_PFRAME_MASK).toString(16)} soft-dirty=${bit(PM_SOFT_DIRTY)} exclusive=${bit(PM_MMAP_EXCLUSIVE)} file/shared-anon=${bit(PM_FILE)} swapped=${bit(PM_SWAP)}`
    : "present=0";
  return `${hex(va - (va % PAGE_SIZE), 12)} ${entry.toString(16).padStart(16, "0")} ${fields}\n`;
}
