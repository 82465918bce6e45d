// The /proc files the kernel core provides, by name.

import type { Kernel } from "../kernel.js";
import { buddyinfo } from "./buddyinfo.js";
import { pagetypeinfo } from "./pagetypeinfo.js";
import { vmstat } from "./vmstat.js";
import { zoneinfo } from "./zoneinfo.js";

export { buddyinfo, pagetypeinfo, vmstat, zoneinfo };

export const PROC_FILES: Record<string, (k: Kernel) => string> = { buddyinfo, pagetypeinfo, vmstat, zoneinfo };
