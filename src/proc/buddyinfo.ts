// /proc/buddyinfo (mm/vmstat.c frag_show_print): for each populated zone,
// "Node %d, zone %8s " then "%6lu " per order, then "\n".

import type { Kernel } from "../kernel.js";
import { padStart } from "./format.js";

export function buddyinfo(k: Kernel): string {
  let out = "";
  for (const z of k.zones()) {
    if (!z.present) continue;
    out += `Node 0, zone ${padStart(z.name, 8)} `;
    for (const n of z.nrFree) out += `${padStart(n, 6)} `;
    out += "\n";
  }
  return out;
}
