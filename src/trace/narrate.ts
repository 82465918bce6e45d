// One fault told in words, for a reader who does not yet read call trees:
//   fault 14 at 0x7ffff7a0b00b: write to an empty PTE in an anonymous rw-p
//   mapping → do_anonymous_page → pfn 0x1234 from the per-cpu list, which
//   rmqueue_bulk refilled with 15 pages (an order-3 block that expand() split)
// Everything is read off the fault's record and its trace events. Browser-safe.

import { OUTCOME_TEXT, type FaultHandler, type FaultRecord } from "./fault.js";
import { TRACE_NO_PAGE } from "./ring.js";

const HANDLER_FN: Record<FaultHandler, string> = {
  anon: "do_anonymous_page", zero: "do_anonymous_page (the shared zero page)", cow: "do_wp_page (copy on write)",
  file: "do_read_fault (the page cache)", thp: "do_huge_pmd_anonymous_page (a 2 MiB huge page)",
  swap: "do_swap_page (back from swap)", none: "",
};

const hex = (n: number) => "0x" + n.toString(16);

function mapping(r: FaultRecord): string {
  if (!r.vma) return "no mapping";
  const { name, perms } = r.vma;
  const kind = name === "" ? "an anonymous" : name === "[heap]" ? "the heap's" : name === "[stack]" ? "the stack's" : `${name}'s`;
  return `${kind} ${perms} mapping`;
}

/** What the first buddy allocation of the fault did: the order of the block it found, and whether it split it. */
function buddyWork(r: FaultRecord, names: string[]): { bulk: number; found: number | null; split: boolean } {
  const id = (n: string) => names.indexOf(n);
  const [bulkFn, rmqueueFn, smallestFn, areaFn, expandFn] =
    ["rmqueue_bulk", "__rmqueue", "__rmqueue_smallest", "get_page_from_free_area", "expand"].map(id);
  let bulk = 0, found: number | null = null, split = false, inBulk = false, inSmallest = false, tried = 0;
  for (const e of r.events) {
    if (e.fn === bulkFn) inBulk = !e.exit;
    else if (e.fn === rmqueueFn && !e.exit && inBulk) bulk++;
    else if (e.fn === smallestFn && found === null) {
      inSmallest = !e.exit;
      tried = 0;
    } else if (inSmallest && e.fn === areaFn && e.exit) {
      if (e.arg !== TRACE_NO_PAGE && found === null) found = (r.pages[r.pages.length - 1]?.order ?? 0) + tried;
      tried++;
    } else if (inSmallest && e.fn === expandFn && !e.exit) split = true;
  }
  return { bulk, found, split };
}

/** The fault in one sentence. `names` is the trace ring's function-name table. */
export function narrateFault(r: FaultRecord, names: string[]): string {
  const access = r.errorCode & 16 ? "instruction fetch" : r.errorCode & 2 ? "write" : "read";
  const who = r.errorCode & 4 ? "" : " by the kernel (a syscall's copy)";
  const pte = r.errorCode & 1 ? "a present PTE that forbids it" : r.handler === "swap" ? "a swap entry" : "an empty PTE";
  const head = `fault ${r.seq} at ${hex(r.address)}: ${access}${who} to ${pte} in ${mapping(r)}`;
  if (r.outcome !== "minor" && r.outcome !== "major") return `${head} → ${OUTCOME_TEXT[r.outcome]}`;
  const parts = [head];
  if (r.outcome === "major") parts.push("a major fault");
  if (r.handler !== "none") parts.push(HANDLER_FN[r.handler]);
  const page = r.pages[r.pages.length - 1];  // the user's page comes last (page tables first)
  if (page) {
    const { bulk, found, split } = buddyWork(r, names);
    const block = found === null ? "" : `an order-${found} block${split ? " that expand() split" : ""}`;
    const size = page.order ? `an order-${page.order} block at ` : "";
    if (bulk) parts.push(`${size}pfn ${hex(page.pfn)} from the per-cpu list, which rmqueue_bulk refilled with ${bulk} pages${block ? ` (the first from ${block})` : ""}`);
    else if (block) parts.push(`${size}pfn ${hex(page.pfn)} from ${block}`);
    else parts.push(`${size}pfn ${hex(page.pfn)} from the per-cpu list`);
  } else if (r.handler === "none") {
    parts.push("the page was already there (another path fixed it)");
  }
  return parts.join(" → ");
}
