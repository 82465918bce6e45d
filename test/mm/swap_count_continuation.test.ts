// A swap slot shared by more processes than its swap_map byte counts
// (SWAP_MAP_MAX, 62): fork goes on as Linux's does, the count carrying
// into a continuation page (add_swap_count_continuation), and comes back
// down as the sharers exit; the checker compares the full count with the
// swap ptes at every step.
import { describe, expect, it } from "vitest";
import { bootProcs, expectInvariants, Proc, PAGE } from "../helpers/processes.js";

const MiB = 1 << 20;

describe("swap count continuations", () => {
  it("let more than SWAP_MAP_MAX forked processes share a swapped-out page, each reading it back", () => {
    const q = bootProcs("16M", "64M");
    const parent = Proc.create(q, 10);
    const n = 16;
    const a = parent.mmap(n * PAGE);
    for (let i = 0; i < n; i++) parent.write(a + i * PAGE, 0x40 + i);
    // Another process pushes the parent's pages out to swap.
    const hog = Proc.create(q, 11);
    const h = hog.mmap(16 * MiB);
    for (let i = 0; i < 16 * MiB / PAGE; i++) hog.write(h + i * PAGE, 1);
    hog.exit();
    const swapents = (pr: Proc) => pr.counters()[2];  // MM_SWAPENTS
    expect(swapents(parent)).toBeGreaterThan(0);
    // 150 children: each swapped slot has 151 references, past the 62 swap_map holds.
    const children: Proc[] = [];
    for (let k = 0; k < 150; k++) children.push(parent.fork(100 + k));
    expect(swapents(children[149])).toBe(swapents(parent));
    expectInvariants(q);
    for (const c of [children[0], children[70], children[149]]) {
      for (let i = 0; i < n; i++) expect(c.read(a + i * PAGE).byte).toBe(0x40 + i);
    }
    expectInvariants(q);
    // Down again: the counts borrow back from the continuation as the sharers go.
    for (const c of children.slice(0, 100)) c.exit();
    expectInvariants(q);
    for (const c of children.slice(100)) c.exit();
    expectInvariants(q);
    for (let i = 0; i < n; i++) expect(parent.read(a + i * PAGE).byte).toBe(0x40 + i);
    parent.exit();
    expectInvariants(q);
    expect(q.k.swapInfo().used).toBe(q.k.counter("nr_swapcached"));
  });
});
