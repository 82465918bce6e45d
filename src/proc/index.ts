// The /proc (and debugfs) files a booted kernel provides, by name.

import type { Kernel } from "../kernel.js";
import { buddyinfo } from "./buddyinfo.js";
import { extfrag_index, unusable_index } from "./extfrag.js";
import { pagetypeinfo } from "./pagetypeinfo.js";
import { vmstat } from "./vmstat.js";
import { zoneinfo } from "./zoneinfo.js";
import { meminfo, swaps } from "./meminfo.js";
import { SYSCTLS, readSysctl, storeSysctl } from "./sysctl.js";

export { buddyinfo, meminfo, pagetypeinfo, swaps, vmstat, zoneinfo };

/** /proc/sys/vm/NAME for each vm sysctl, the NUMA ones or the others. */
function sysVmFiles(numa: boolean): Record<string, (k: Kernel) => string> {
  return Object.fromEntries(Object.keys(SYSCTLS).filter((n) => n.startsWith("vm.") && !!SYSCTLS[n].numa === numa)
    .map((n) => [`sys/vm/${n.slice(3)}`, (k: Kernel) => readSysctl(k.exports, n)]));
}

/** The files every machine has. */
export const PROC_FILES: Record<string, (k: Kernel) => string> = {
  buddyinfo, meminfo, pagetypeinfo, swaps, vmstat, zoneinfo,
  ...sysVmFiles(false),
  // debugfs, /sys/kernel/debug/extfrag/ (observability issue 5)
  "extfrag/extfrag_index": extfrag_index, "extfrag/unusable_index": unusable_index,
};

/** The files of a machine of several nodes (CONFIG_NUMA's sysctls too). */
export const NUMA_PROC_FILES: Record<string, (k: Kernel) => string> = { ...PROC_FILES, ...sysVmFiles(true) };

/** A /proc file's write handler: the bytes written at a position; @return the bytes taken, or -errno. */
export type ProcStore = (k: Kernel, pos: number, bytes: Uint8Array) => number;

/** sysctl_compaction_handler: any write compacts every node. */
const compact_memory: ProcStore = (k, pos, bytes) => {
  if (bytes.length > 0) k.compactMemory();
  return bytes.length;
};

/** drop_caches_sysctl_handler: 1 drops the unused page cache, 2 the slab shrinkers' objects. */
const drop_caches: ProcStore = (k, pos, bytes) => storeSysctl((v) => k.exports.drop_caches_sysctl_handler(v), pos, bytes);

/** The /proc files a write() reaches (proc_sys_write): each sysctl of `files`, and the write-only compact_memory and drop_caches (0200). */
export function procStores(files: Record<string, unknown>): Record<string, ProcStore> {
  const stores: Record<string, ProcStore> = { "sys/vm/compact_memory": compact_memory, "sys/vm/drop_caches": drop_caches };
  for (const n of Object.keys(SYSCTLS)) {
    if (n.startsWith("vm.") && `sys/vm/${n.slice(3)}` in files) stores[`sys/vm/${n.slice(3)}`] = (k, pos, bytes) => storeSysctl((v) => k.exports.sysctl_set(SYSCTLS[n].id, v), pos, bytes);
  }
  return stores;
}
