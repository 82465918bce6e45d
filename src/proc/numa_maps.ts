// /proc/<pid>/numa_maps (fs/proc/task_mmu.c show_numa_map): per VMA its
// start, its policy (mpol_to_str; the task's when the VMA has none), file=
// heap or stack, then what gather_stats counted over its present pages:
// anon=, dirty=, mapped=, mapmax=, swapcache=, active=, N<node>=, and
// kernelpagesize_kB. The zero page is not counted (it is reserved).

import { MPOL_DEFAULT, MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES, MPOL_LOCAL, PG_active, PG_dirty, PG_swapcache,
  PAGE_SIZE } from "../abi.js";
import type { PolicyInfo } from "./mm_reader.js";
import type { TaskView } from "./self.js";
import { nodeList } from "./node.js";

/** policy_modes[] */
const POLICY_MODES = ["default", "prefer", "bind", "interleave", "local", "prefer (many)", "weighted interleave"];

/** mpol_to_str: "interleave:0-1", "bind=static:1", "prefer:0", "default". */
export function mpolToStr(pol: PolicyInfo): string {
  let s = POLICY_MODES[pol.mode] ?? "unknown";
  const f: string[] = [];
  if (pol.flags & MPOL_F_STATIC_NODES) f.push("static");
  else if (pol.flags & MPOL_F_RELATIVE_NODES) f.push("relative");
  if (pol.flags & MPOL_F_NUMA_BALANCING) f.push("balancing");
  if (f.length) s += "=" + f.join("|");
  if (pol.mode !== MPOL_DEFAULT && pol.mode !== MPOL_LOCAL && pol.nodes.length) s += ":" + nodeList(pol.nodes);
  return s;
}

export function procNumaMaps(t: TaskView): string {
  const memoryNodes = t.memoryNodes ?? [0];
  const mm = t.mm.mm(t.handle);
  const task = t.mm.policy(null);
  let out = "";
  for (const vma of t.mm.vmas(t.handle)) {
    const own = t.mm.policy(vma.start);
    out += `${vma.start.toString(16).padStart(8, "0")} ${mpolToStr(own.mode === MPOL_DEFAULT ? task : own)}`;
    if (vma.file) out += ` file=${vma.file.path}`;
    else if (vma.start <= mm.brk && vma.end >= mm.start_brk) out += " heap";
    else if (vma.start <= mm.start_stack && vma.end >= mm.start_stack) out += " stack";
    const md = { pages: 0, anon: 0, dirty: 0, swapcache: 0, active: 0, mapmax: 0, node: new Map<number, number>() };
    for (const pte of t.mm.pagesOf(vma)) {
      const page = pte.page;
      if (!page) continue;
      const flags = page.flags ?? 0, nid = page.nid ?? 0;
      const n = pte.size / PAGE_SIZE;
      md.pages += n;
      if (pte.dirty || flags & PG_dirty) md.dirty += n;
      if (flags & PG_swapcache) md.swapcache += n;
      if (flags & PG_active) md.active += n;
      if (page.anon) md.anon += n;
      md.mapmax = Math.max(md.mapmax, page.mapcount);
      md.node.set(nid, (md.node.get(nid) ?? 0) + n);
    }
    if (md.pages) {
      if (md.anon) out += ` anon=${md.anon}`;
      if (md.dirty) out += ` dirty=${md.dirty}`;
      if (md.pages !== md.anon && md.pages !== md.dirty) out += ` mapped=${md.pages}`;
      if (md.mapmax > 1) out += ` mapmax=${md.mapmax}`;
      if (md.swapcache) out += ` swapcache=${md.swapcache}`;
      if (md.active < md.pages) out += ` active=${md.active}`;
      for (const nid of memoryNodes) if (md.node.get(nid)) out += ` N${nid}=${md.node.get(nid)}`;
      out += ` kernelpagesize_kB=${PAGE_SIZE >> 10}`;
    }
    out += "\n";
  }
  return out;
}
