// A fault told in words: each claim of the sentence checked against the
// fault's own record and its function_graph rendering, on a real run.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadKernelModule } from "../../src/cli/load.js";
import { Machine } from "../../src/machine.js";
import { narrateFault, renderFault } from "../../src/trace/index.js";

const root = join(import.meta.dirname, "../..");

describe("narrateFault", () => {
  const m = new Machine(loadKernelModule("trace"), { mem: "256M" });
  const o = m.observe({ trace: true, keepRecords: true });
  m.exec(readFileSync(join(root, "programs", "bin", "touch_write")), ["./touch_write", "64"]);
  m.run();
  const names = o.tracer.ring.names;

  it("tells a refill of the per-cpu list from the buddy lists as the call tree shows it", () => {
    const r = o.records.find((x) => renderFault(x, names).includes("rmqueue_bulk() {") && x.handler === "anon" && (x.errorCode & 4) !== 0)!;
    const tree = renderFault(r, names).split("\n");
    const bulk = tree.filter((l) => l.endsWith("__rmqueue() {")).length;
    const firstSmallest = tree.findIndex((l) => l.endsWith("__rmqueue_smallest() {"));
    const tries = tree.slice(firstSmallest).findIndex((l) => /expand\(\)|^\s*0\)\s+\S+ us\s+\|\s+}$/.test(l));
    const order = tree.slice(firstSmallest, firstSmallest + tries).filter((l) => l.includes("get_page_from_free_area")).length - 1;
    const pfn = r.pages[r.pages.length - 1].pfn;
    expect(narrateFault(r, names)).toBe(
      `fault ${r.seq} at 0x${r.address.toString(16)}: write to an empty PTE in an anonymous rw-p mapping → do_anonymous_page → ` +
      `pfn 0x${pfn.toString(16)} from the per-cpu list, which rmqueue_bulk refilled with ${bulk} pages (the first from an order-${order} block that expand() split)`);
  });

  it("tells a fetch from the program's file and a kernel copy apart", () => {
    const said = o.records.map((r) => narrateFault(r, names));
    expect(said.some((s) => / by the kernel \(a syscall's copy\) to an empty PTE/.test(s))).toBe(true);
    expect(said.some((s) => /instruction fetch to an empty PTE in \.\/touch_write's r-xp mapping → a major fault → do_read_fault/.test(s))).toBe(true);
  });
});
