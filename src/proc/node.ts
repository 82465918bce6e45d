// /sys/devices/system/node (drivers/base/node.c): the node lists (online,
// possible, has_memory, has_normal_memory, has_cpu) and, per node,
// meminfo, numastat, vmstat, distance and cpulist, in Linux's formats.
// Browser-safe.

import { NUMA_EVENT_NAMES, type Kernel } from "../kernel.js";
import { lruLines } from "./meminfo.js";
import { HPAGE_PMD_NR, PRINT_IN_THP } from "./vmstat.js";

/** A node set as "%*pbl" prints it: ranges joined by commas ("0-1", "0,2-3"). */
export function nodeList(nodes: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < nodes.length; ) {
    let j = i;
    while (j + 1 < nodes.length && nodes[j + 1] === nodes[j] + 1) j++;
    out.push(i === j ? `${nodes[i]}` : `${nodes[i]}-${nodes[j]}`);
    i = j + 1;
  }
  return out.join(",");
}

/** node_read_meminfo: "Node N Name:" in 20 columns, then %8lu kB. */
export function nodeMeminfo(k: Kernel, nid: number): string {
  const zones = k.zones(nid);
  const st = k.nodeStat(nid);
  const s = (name: string) => st.get(name) ?? 0;
  const total = zones.reduce((sum, z) => sum + z.managed, 0);
  const free = zones.reduce((sum, z) => sum + (z.stat.get("nr_free_pages") ?? 0), 0);
  const line = (name: string, pages: number) => `Node ${nid} ${(name + ":").padEnd(15)} ${String(pages * 4).padStart(8)} kB\n`;
  const count = (name: string, n: number) => `Node ${nid} ${(name + ":").padEnd(17)}${String(n).padStart(5)}\n`;
  return line("MemTotal", total)
    + line("MemFree", free)
    + line("MemUsed", total - free)
    + line("SwapCached", s("nr_swapcached"))
    + lruLines((name) => (name === "nr_mlock" ? zones.reduce((sum, z) => sum + (z.stat.get(name) ?? 0), 0) : s(name)))
      .map(([name, pages]) => line(name, pages)).join("")
    + line("Dirty", s("nr_dirty"))
    + line("Writeback", s("nr_writeback"))
    + line("FilePages", s("nr_file_pages"))
    + line("Mapped", s("nr_mapped"))
    + line("AnonPages", s("nr_anon_pages"))
    + line("Shmem", s("nr_shmem"))
    + line("KernelStack", 0)
    + line("PageTables", s("nr_page_table_pages"))
    + line("SecPageTables", 0)
    + line("NFS_Unstable", 0)
    + line("Bounce", 0)
    + line("WritebackTmp", 0)
    + line("KReclaimable", 0)
    + line("Slab", 0)
    + line("SReclaimable", 0)
    + line("SUnreclaim", 0)
    + line("AnonHugePages", s("nr_anon_transparent_hugepages"))
    + line("ShmemHugePages", 0)
    + line("ShmemPmdMapped", 0)
    + line("FileHugePages", 0)
    + line("FilePmdMapped", 0)
    + count("HugePages_Total", 0)
    + count("HugePages_Free", 0)
    + count("HugePages_Surp", 0);
}

/** The node's NUMA events: its zones' sums. */
function nodeEvents(k: Kernel, nid: number): number[] {
  const sums = NUMA_EVENT_NAMES.map(() => 0);
  for (const z of k.zones(nid)) if (z.present) k.numaEvents({ nid, idx: z.idx }).forEach((v, i) => (sums[i] += v));
  return sums;
}

/** node_read_numastat: the events under their older names. */
export function nodeNumastat(k: Kernel, nid: number): string {
  const [hit, miss, foreign, interleave, local, other] = nodeEvents(k, nid);
  return `numa_hit ${hit}\nnuma_miss ${miss}\nnuma_foreign ${foreign}\ninterleave_hit ${interleave}\nlocal_node ${local}\nother_node ${other}\n`;
}

/** node_read_vmstat: the node's zone counters summed, its NUMA events, then its node counters. */
export function nodeVmstat(k: Kernel, nid: number): string {
  const zones = k.zones(nid);
  let out = "";
  for (const name of k.zoneStatNames) out += `${name} ${zones.reduce((sum, z) => sum + (z.stat.get(name) ?? 0), 0)}\n`;
  nodeEvents(k, nid).forEach((v, i) => (out += `${NUMA_EVENT_NAMES[i]} ${v}\n`));
  for (const [name, v] of k.nodeStat(nid)) out += `${name} ${PRINT_IN_THP.has(name) ? Math.floor(v / HPAGE_PMD_NR) : v}\n`;
  return out;
}

/** The files of /sys/devices/system/node, by path below it, and how each reads. */
export function sysNodeFiles(k: Kernel): Record<string, () => string> {
  const online = () => nodeList(k.nodes()) + "\n";
  const files: Record<string, () => string> = {
    possible: online,
    online,
    has_normal_memory: () => nodeList(k.nodesWithMemory()) + "\n",
    has_memory: () => nodeList(k.nodesWithMemory()) + "\n",
    has_cpu: () => `${k.numaNodeId}\n`,
  };
  for (const nid of k.nodes()) {
    files[`node${nid}/cpulist`] = () => (nid === k.numaNodeId ? "0\n" : "\n");
    files[`node${nid}/distance`] = () => k.nodes().map((to) => k.distance(nid, to)).join(" ") + "\n";
    files[`node${nid}/meminfo`] = () => nodeMeminfo(k, nid);
    files[`node${nid}/numastat`] = () => nodeNumastat(k, nid);
    files[`node${nid}/vmstat`] = () => nodeVmstat(k, nid);
  }
  return files;
}
