// /sys/kernel/mm (mm/huge_memory.c's and mm/mempolicy.c's kobjects): the
// THP policy files, and on a machine of several nodes the weighted-
// interleave weights, read and written as root reads and writes them.
// Browser-safe.

import type { Kernel } from "../kernel.js";
import type { SysAttr } from "../fs/namespace.js";
import { EINVAL } from "../syscalls/errno.js";
import { SYSCTLS, readSysctl, writtenText } from "./sysctl.js";

/** A THP choice file: the sysctl table's text, its parse (sysfs_streq) on write. */
function thpChoice(k: Kernel, name: string): SysAttr {
  const s = SYSCTLS[name];
  return {
    show: () => readSysctl(k.exports, name),
    store: (bytes) => {
      const v = s.parse(writtenText(bytes));
      return v !== null && k.exports.sysctl_set(s.id, v) === 0 ? bytes.length : -EINVAL;
    },
  };
}

/**
 * kstrtoull's reading of a whole written number (base 0, an optional "+",
 * one newline at the end), as kstrtou8 takes it. @return the value, or null
 */
export function kstrtoull(t: string): number | null {
  const m = /^\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)\n?$/.exec(t.split("\0")[0]);
  if (!m) return null;
  const d = m[1];
  return /^0[xX]/.test(d) ? parseInt(d.slice(2), 16) : d[0] === "0" ? parseInt(d, 8) : Number(d);
}

/** kstrtobool: by the first character (1 y t e, 0 n f d, "on", "off"). @return the value, or null */
export function kstrtobool(t: string): boolean | null {
  const c = t[0]?.toLowerCase();
  if (c === "1" || c === "y" || c === "t" || c === "e") return true;
  if (c === "0" || c === "n" || c === "f" || c === "d") return false;
  if (c === "o") {
    const d = t[1]?.toLowerCase();
    if (d === "n") return true;
    if (d === "f") return false;
  }
  return null;
}

/** The sysfs directories faultline owns below /sys/kernel/mm (null: a one-node kernel has no mempolicy directory). */
export function sysKernelMm(k: Kernel): Record<string, Record<string, SysAttr> | null> {
  const x = k.exports;
  const nodes = k.nodes().length > 1 ? k.nodesWithMemory() : [];
  const wi: Record<string, SysAttr> = {};
  for (const nid of nodes) {
    wi[`weighted_interleave/node${nid}`] = {
      show: () => `${x.get_il_weight(nid)}\n`,
      // node_store: 1..255 (kstrtou8, 0 refused).
      store: (bytes) => {
        const v = kstrtoull(writtenText(bytes));
        return v !== null && v <= 255 && x.set_iw_weight(nid, v) === 0 ? bytes.length : -EINVAL;
      },
    };
  }
  if (nodes.length) {
    wi["weighted_interleave/auto"] = {
      show: () => (x.weighted_interleave_auto() ? "true\n" : "false\n"),
      store: (bytes) => {
        const v = kstrtobool(writtenText(bytes));
        if (v === null) return -EINVAL;
        const err = x.weighted_interleave_auto_store(v ? 1 : 0);
        return err < 0 ? err : bytes.length;
      },
    };
  }
  return {
    "kernel/mm/transparent_hugepage": {
      enabled: thpChoice(k, "transparent_hugepage.enabled"),
      defrag: thpChoice(k, "transparent_hugepage.defrag"),
      hpage_pmd_size: { show: () => "2097152\n" },
    },
    "kernel/mm/mempolicy": nodes.length ? wi : null,
  };
}
