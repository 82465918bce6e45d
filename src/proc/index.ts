// The /proc (and debugfs) files a booted kernel provides, by name.

import type { Kernel } from "../kernel.js";
import { buddyinfo } from "./buddyinfo.js";
import { extfrag_index, unusable_index } from "./extfrag.js";
import { pagetypeinfo } from "./pagetypeinfo.js";
import { vmstat } from "./vmstat.js";
import { zoneinfo } from "./zoneinfo.js";
import { meminfo, swaps } from "./meminfo.js";
import { SYSCTLS, readSysctl } from "./sysctl.js";

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
