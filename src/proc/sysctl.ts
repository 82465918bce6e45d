// The sysctls faultline's kernel has (kernel/sysctl.c's vm table and the
// THP knobs of /sys/kernel/mm/transparent_hugepage), by the names sysctl(8)
// uses: read as /proc/sys/vm/NAME reads, written by a guest's write() to that
// file (proc_sys_write), by --sysctl NAME=VALUE or by the API's sysctl
// option. The kernel checks each value (sysctl_set).

import { EINVAL } from "../syscalls/errno.js";

/** The kernel exports behind the table (docs/abi.md). */
export interface SysctlKernel {
  sysctl_get(id: number): number;
  sysctl_set(id: number, value: number): number;
}

interface Sysctl {
  id: number;
  /** CONFIG_NUMA's: only a machine of several nodes has it. */
  numa?: true;
  /** The file's text for a value. */
  show(v: number): string;
  /** The value for a written text, or null when it is not one. */
  parse(text: string): number | null;
}

/**
 * proc_dointvec's reading of one written integer: spaces (isspace) before
 * it, an optional sign, base-10 digits, then only spaces. A negative or
 * non-integer value is null here; the kernel's range check does the rest.
 */
function parseInt10(t: string): number | null {
  const m = /^[ \t\n\v\f\r]*(-?)(\d+)[ \t\n\v\f\r]*$/.exec(t);
  if (!m) return null;
  const v = Number(m[2]);
  return m[1] && v !== 0 ? null : v;
}

const integer: Pick<Sysctl, "show" | "parse"> = {
  show: (v) => `${v}\n`,
  parse: parseInt10,
};

/** A sysfs choice file: every mode, the current one in brackets. */
function choice(modes: string[]): Pick<Sysctl, "show" | "parse"> {
  return {
    show: (v) => modes.map((m, i) => (i === v ? `[${m}]` : m)).join(" ") + "\n",
    parse: (t) => {
      const i = modes.indexOf(t.trim());
      return i < 0 ? null : i;
    },
  };
}

// The enabled file lists always madvise never; the kernel numbers them never = 0, madvise = 1, always = 2.
const THP_ENABLED = ["always", "madvise", "never"];

export const SYSCTLS: Record<string, Sysctl> = {
  "vm.swappiness": { id: 0, ...integer },
  "vm.min_free_kbytes": { id: 1, ...integer },
  "vm.watermark_scale_factor": { id: 2, ...integer },
  "vm.overcommit_memory": { id: 3, ...integer },
  "vm.overcommit_ratio": { id: 4, ...integer },
  "vm.page-cluster": { id: 5, ...integer },
  "transparent_hugepage.enabled": {
    id: 6,
    show: (v) => choice(THP_ENABLED).show(2 - v),
    parse: (t) => {
      const i = choice(THP_ENABLED).parse(t);
      return i === null ? null : 2 - i;
    },
  },
  "transparent_hugepage.defrag": { id: 7, ...choice(["always", "defer", "defer+madvise", "madvise", "never"]) },
  // The kernel reads -1 for these on one node.
  "vm.zone_reclaim_mode": { id: 8, numa: true, ...integer },
  "vm.min_unmapped_ratio": { id: 9, numa: true, ...integer },
  "vm.compaction_proactiveness": { id: 10, ...integer },
};

/** Whether the kernel has the sysctl (the NUMA ones only on several nodes). */
export function hasSysctl(k: SysctlKernel, name: string): boolean {
  const s = SYSCTLS[name];
  return s !== undefined && k.sysctl_get(s.id) >= 0;
}

/** The text of a sysctl's file. */
export function readSysctl(k: SysctlKernel, name: string): string {
  const s = SYSCTLS[name];
  return s.show(k.sysctl_get(s.id));
}

/** Writes a sysctl by name (vm.swappiness or vm/swappiness). Throws with the reason the write fails. */
export function writeSysctl(k: SysctlKernel, name: string, text: string): void {
  const key = name.replace(/\//g, ".");
  const s = SYSCTLS[key];
  if (!s || !hasSysctl(k, key)) throw new Error(`sysctl: cannot stat /proc/sys/${name.replace(/\./g, "/")}: No such file or directory; this kernel has ${Object.keys(SYSCTLS).filter((n) => hasSysctl(k, n)).join(", ")}`);
  const v = s.parse(text);
  if (v === null || k.sysctl_set(s.id, v) !== 0) throw new Error(`sysctl: setting key "${key}": Invalid argument`);
}

/**
 * A guest's write() of `bytes` at `pos` to /proc/sys/vm/NAME
 * (proc_sys_call_handler, then the table's proc_dointvec_minmax): a write
 * past the start is ignored (sysctl_writes_strict), an empty one changes
 * nothing. @return the bytes taken, or -EINVAL
 */
export function storeSysctl(k: SysctlKernel, name: string, pos: number, bytes: Uint8Array): number {
  if (pos > 0 || bytes.length === 0) return 0;
  const s = SYSCTLS[name];
  const v = s.parse(new TextDecoder().decode(bytes));
  return v !== null && k.sysctl_set(s.id, v) === 0 ? bytes.length : -EINVAL;
}
