// /proc/meminfo (fs/proc/meminfo.c meminfo_proc_show) and /proc/swaps
// (mm/swapfile.c swap_show), in Linux 6.x's fields, order and widths.
// What this kernel has no such thing for (buffers, slab reclaim, kernel
// stacks, vmalloc, hugetlb, zswap) prints 0, as a kernel without it does.

import type { Kernel } from "../kernel.js";

/** "Name:" padded to 16 columns, the value in kB right-aligned in 8 (show_val_kb). */
const kb = (name: string, pages: number) => `${(name + ":").padEnd(16)}${String(pages * 4).padStart(8)} kB\n`;
const count = (name: string, n: number) => `${(name + ":").padEnd(16)}${String(n).padStart(8)}\n`;

/** Pages the allocator keeps from userspace: each zone's high watermark plus its largest lowmem reserve (calculate_totalreserve_pages). */
function totalreservePages(k: Kernel): number {
  let reserve = 0;
  for (const z of k.nodes().flatMap((nid) => k.zones(nid))) {
    if (!z.managed) continue;
    const max = Math.max(0, ...z.protection) + z.watermark[2];
    reserve += Math.min(max, z.managed);
  }
  return reserve;
}

/** The LRU lines meminfo and a node's meminfo both print, in pages, from the counters by name. */
export function lruLines(s: (name: string) => number): Array<[string, number]> {
  return [
    ["Active", s("nr_active_anon") + s("nr_active_file")],
    ["Inactive", s("nr_inactive_anon") + s("nr_inactive_file")],
    ["Active(anon)", s("nr_active_anon")],
    ["Inactive(anon)", s("nr_inactive_anon")],
    ["Active(file)", s("nr_active_file")],
    ["Inactive(file)", s("nr_inactive_file")],
    ["Unevictable", s("nr_unevictable")],
    ["Mlocked", s("nr_mlock")],
  ];
}

export function meminfo(k: Kernel): string {
  const v = new Map(k.vmstat());
  const s = (name: string) => v.get(name) ?? 0;
  const zones = k.nodes().flatMap((nid) => k.zones(nid));
  const free = s("nr_free_pages");
  const wmarkLow = zones.reduce((sum, z) => sum + z.watermark[1], 0);
  // si_mem_available: free beyond the reserves, plus the half of the page cache that can go.
  let pagecache = s("nr_active_file") + s("nr_inactive_file");
  pagecache -= Math.min(Math.floor(pagecache / 2), wmarkLow);
  const available = Math.max(0, free - totalreservePages(k) + pagecache);
  const swap = k.swapInfo();
  const x = k.exports;
  const ram = k.totalramPages;
  return kb("MemTotal", ram)
    + kb("MemFree", free)
    + kb("MemAvailable", available)
    + kb("Buffers", 0)
    + kb("Cached", s("nr_file_pages") - s("nr_swapcached"))
    + kb("SwapCached", s("nr_swapcached"))
    + lruLines(s).map(([name, pages]) => kb(name, pages)).join("")
    + kb("SwapTotal", swap.total)
    + kb("SwapFree", swap.free)
    + kb("Zswap", 0)
    + kb("Zswapped", 0)
    + kb("Dirty", 0)
    + kb("Writeback", 0)
    + kb("AnonPages", s("nr_anon_pages"))
    + kb("Mapped", s("nr_mapped"))
    + kb("Shmem", s("nr_shmem"))
    + kb("KReclaimable", 0)
    + kb("Slab", 0)
    + kb("SReclaimable", 0)
    + kb("SUnreclaim", 0)
    + kb("KernelStack", 0)
    + kb("PageTables", s("nr_page_table_pages"))
    + kb("SecPageTables", 0)
    + kb("NFS_Unstable", 0)
    + kb("Bounce", 0)
    + kb("WritebackTmp", 0)
    + kb("CommitLimit", x.vm_commit_info(0))
    + kb("Committed_AS", x.vm_commit_info(1))
    + `${"VmallocTotal:".padEnd(16)}${String(34359738367).padStart(8)} kB\n`
    + kb("VmallocUsed", 0)
    + kb("VmallocChunk", 0)
    + kb("Percpu", 0)
    + kb("AnonHugePages", s("nr_anon_transparent_hugepages"))
    + kb("ShmemHugePages", 0)
    + kb("ShmemPmdMapped", 0)
    + kb("FileHugePages", 0)
    + kb("FilePmdMapped", 0)
    + kb("Balloon", 0)
    + count("HugePages_Total", 0)
    + count("HugePages_Free", 0)
    + count("HugePages_Rsvd", 0)
    + count("HugePages_Surp", 0)
    + kb("Hugepagesize", 512)
    + kb("Hugetlb", 0)
    + kb("DirectMap4k", k.ramBytes / 4096)
    + kb("DirectMap2M", 0);
}

/** The swap device's name in /proc/swaps and the boot log. */
export const SWAP_DEVICE_NAME = "/dev/vdb";

export function swaps(k: Kernel): string {
  let out = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";
  const swap = k.swapInfo();
  if (!swap.total) return out;
  const bytes = swap.total * 4;
  const inuse = swap.used * 4;
  const name = SWAP_DEVICE_NAME;
  out += `${name}${" ".repeat(name.length < 40 ? 40 - name.length : 1)}partition\t${bytes}\t${bytes < 10000000 ? "\t" : ""}${inuse}\t${inuse < 10000000 ? "\t" : ""}-2\n`;
  return out;
}
