// The /proc (and debugfs) files a booted kernel provides, by name.

import type { Kernel } from "../kernel.js";
import { buddyinfo } from "./buddyinfo.js";
import { extfrag_index, unusable_index } from "./extfrag.js";
import { pagetypeinfo } from "./pagetypeinfo.js";
import { vmstat } from "./vmstat.js";
import { zoneinfo } from "./zoneinfo.js";

export { buddyinfo, pagetypeinfo, vmstat, zoneinfo };

export const PROC_FILES: Record<string, (k: Kernel) => string> = {
  buddyinfo, pagetypeinfo, vmstat, zoneinfo,
  // debugfs, /sys/kernel/debug/extfrag/ (observability issue 5)
  "extfrag/extfrag_index": extfrag_index, "extfrag/unusable_index": unusable_index,
};
