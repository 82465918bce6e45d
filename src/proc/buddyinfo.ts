// /proc/buddyinfo (mm/vmstat.c frag_show_print): for each node's populated zone,
// "Node %d, zone %8s " then "%6lu " per order, then "\n".

import type { Kernel } from "../kernel.js";
import { padStart } from "./format.js";

export function buddyinfo(k: Kernel): string {
  let out = "";
  for (const nid of k.nodes()) {
    for (const z of k.zones(nid)) {
      if (!z.present) continue;
      out += `Node ${nid}, zone ${padStart(z.name, 8)} `;
      for (const n of z.nrFree) out += `${padStart(n, 6)} `;
      out += "\n";
    }
  }
  return out;
}
