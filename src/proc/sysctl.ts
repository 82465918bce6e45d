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

/** proc_wspace_sep: what may follow a number. */
const WSPACE_SEP = " \t\n";
/** isspace: what proc_skip_spaces skips (the kernel's ctype counts Latin-1's no-break space). */
const isspace = (c: string) => c === " " || (c >= "\t" && c <= "\r") || c === "\xa0";
/** TMPBUFLEN: a number of 21 characters or more is refused. */
const TMPBUFLEN = 22;

/**
 * proc_dointvec's reading of a write to a one-int sysctl
 * (__do_proc_dointvec): spaces, one number as strtoul reads it with base
 * 0 ("0x10" is 16, "010" is 8) and an optional minus, a space, tab or
 * newline or the end after it, then spaces. What follows is left: "5 6"
 * sets 5 and takes 2 bytes. A value outside int is refused, as
 * do_proc_dointvec_conv refuses it; a negative one here too, since no
 * sysctl of this table goes below 0 ("-0" is 0).
 * @return the value and the bytes taken, or null (EINVAL)
 */
export function proc_dointvec(t: string): { value: number; taken: number } | null {
  // At most a page is looked at; the rest counts as taken.
  const len = t.length;
  let p = 0;
  const end = Math.min(len, 4095);
  while (p < end && isspace(t[p])) p++;
  if (p === end) return null;
  const m = /^(-?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(t.slice(p, Math.min(end, p + TMPBUFLEN - 1)));
  if (!m || m[0].length >= TMPBUFLEN - 1) return null;
  // "0x" without a hex digit is the octal 0, and the "x" ends it.
  const digits = m[2];
  const value = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === "0" ? parseInt(digits, 8) : Number(digits);
  p += m[0].length;
  if (p < end && !WSPACE_SEP.includes(t[p])) return null;
  if (value > 0x7fffffff || (m[1] && value !== 0)) return null;
  while (p < end && isspace(t[p])) p++;
  return { value, taken: len - (end - p) };
}

const integer: Pick<Sysctl, "show" | "parse"> = {
  show: (v) => `${v}\n`,
  parse: (t) => proc_dointvec(t)?.value ?? null,
};

/** sysfs_streq: the same text, but for one newline at the end of the written one (and nothing past a NUL). */
export function sysfs_streq(written: string, word: string): boolean {
  const t = written.split("\0")[0];
  return t === word || t === word + "\n";
}

/** A sysfs choice file: every mode, the current one in brackets. */
function choice(modes: string[]): Pick<Sysctl, "show" | "parse"> {
  return {
    show: (v) => modes.map((m, i) => (i === v ? `[${m}]` : m)).join(" ") + "\n",
    parse: (t) => {
      const i = modes.findIndex((m) => sysfs_streq(t, m));
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

let latin1: TextDecoder | null = null;
/** The text a guest wrote to a sysctl or sysfs file, a byte a character (made when first asked for: Node makes an ICU converter for it). */
export function writtenText(bytes: Uint8Array): string {
  return (latin1 ??= new TextDecoder("latin1")).decode(bytes);
}

/**
 * A guest's write() of `bytes` at `pos` to a /proc/sys/vm file
 * (proc_sys_call_handler, then proc_dointvec_minmax and the sysctl's
 * handler, `set`: 0 or -errno): a write past the start is ignored but
 * counted (sysctl_writes_strict), an empty one changes nothing.
 * @return the bytes taken, or -EINVAL
 */
export function storeSysctl(set: (value: number) => number, pos: number, bytes: Uint8Array): number {
  if (pos > 0 || bytes.length === 0) return bytes.length;
  const r = proc_dointvec(writtenText(bytes));
  return r !== null && set(r.value) === 0 ? r.taken : -EINVAL;
}
