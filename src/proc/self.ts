// /proc/self/*: the views of the running program's address space, by name,
// and the --pagemap lookups. Browser-safe.

import { pagemapEntry, pagemapLine, procMaps, procSmapsRollup, procStatus, smapsAccount } from "./task_mmu.js";
import type { MmReader } from "./mm_reader.js";

/** The task whose address space the views show (its mm must be current for the walks). */
export interface TaskView {
  mm: MmReader;
  handle: number;   // the mm_struct handle (mm_create)
  comm: string;     // the program's name, as /proc/self/status's Name:
}

export const SELF_FILES: Record<string, (t: TaskView) => string> = {
  "self/maps": (t) => procMaps(t.mm.vmas(t.handle), t.mm.mm(t.handle)),
  "self/status": (t) => procStatus(t.comm, t.mm.mm(t.handle)),
  "self/smaps_rollup": (t) => {
    const vmas = t.mm.vmas(t.handle);
    return procSmapsRollup(vmas, smapsAccount(vmas, (v) => t.mm.pagesOf(v)));
  },
};

/** `--pagemap ADDR,...`: one line per address (pagemap entry and its fields). */
export function pagemap(t: TaskView, addresses: number[]): string {
  return addresses.map((va) => pagemapLine(va, pagemapEntry(t.mm.pte(va), va))).join("");
}
