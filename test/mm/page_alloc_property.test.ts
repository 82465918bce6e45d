// Property tests: random allocations and frees of mixed orders and
// migratetypes against a reference model of what is held, with the
// invariant checker (debug build) after every step.

import { describe, it, expect } from "vitest";
import fc from "fast-check";
import { GFP, type Kernel } from "../../src/kernel.js";
import { buddyinfo } from "../../src/proc/buddyinfo.js";
import { machine } from "../helpers/machine.js";

const GFPS = [
  GFP.GFP_KERNEL,                          // MIGRATE_UNMOVABLE, up to ZONE_NORMAL
  GFP.GFP_HIGHUSER_MOVABLE,                // MIGRATE_MOVABLE, up to ZONE_MOVABLE
  GFP.GFP_KERNEL | GFP.__GFP_RECLAIMABLE,  // MIGRATE_RECLAIMABLE
  GFP.GFP_ATOMIC,                          // dips below min
  GFP.GFP_DMA | GFP.GFP_KERNEL,            // ZONE_DMA only
];

type Op = { kind: "alloc"; order: number; gfp: number } | { kind: "free"; index: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("alloc" as const), order: fc.integer({ min: 0, max: 10 }), gfp: fc.constantFrom(...GFPS) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("free" as const), index: fc.nat() }) },
);

/** The model: the blocks the caller holds, as [pfn, order]. */
class Model {
  held: Array<[number, number]> = [];
  pages = 0;

  add(pfn: number, order: number): void {
    for (const [p, o] of this.held) {
      const overlap = pfn < p + (1 << o) && p < pfn + (1 << order);
      expect(overlap, `block ${pfn}/${order} overlaps held ${p}/${o}`).toBe(false);
    }
    this.held.push([pfn, order]);
    this.pages += 1 << order;
  }

  remove(index: number): [number, number] {
    const [b] = this.held.splice(index % this.held.length, 1);
    this.pages -= 1 << b[1];
    return b;
  }
}

/** Checks what the model can say about the machine. */
function agree(k: Kernel, m: Model, managed: number): void {
  expect(k.checkInvariants()).toBe(0);
  const pcp = k.zones().reduce((n, z) => n + z.pcp.count, 0);
  expect(k.counter("nr_free_pages") + pcp + m.pages).toBe(managed);
}

describe("buddy allocator against a reference model", () => {
  it("random mixed orders and migratetypes keep every invariant, and freeing all restores boot buddyinfo", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 80 }), (ops) => {
        const k = machine("16M", "debug");
        const managed = k.totalramPages;
        const boot = buddyinfo(k);
        const m = new Model();
        for (const o of ops) {
          if (o.kind === "alloc") {
            const pfn = k.allocPages(o.gfp | GFP.__GFP_NOWARN, o.order);
            if (pfn >= 0) {
              expect(pfn % (1 << o.order)).toBe(0);
              if (o.gfp & GFP.__GFP_DMA) expect(pfn + (1 << o.order)).toBeLessThanOrEqual(4096);
              // Stamp the block; the stamp must survive until it is freed.
              new Uint32Array(k.memory.buffer, pfn * 4096, 1)[0] = pfn;
              m.add(pfn, o.order);
            }
          } else if (m.held.length) {
            const [pfn, order] = m.remove(o.index);
            expect(new Uint32Array(k.memory.buffer, pfn * 4096, 1)[0]).toBe(pfn);
            k.freePages(pfn, order);
          }
          agree(k, m, managed);
        }
        while (m.held.length) {
          const [pfn, order] = m.remove(0);
          k.freePages(pfn, order);
        }
        k.drainAllPages();
        agree(k, m, managed);
        expect(buddyinfo(k)).toBe(boot);
      }),
      { numRuns: 150 },
    );
  });
});
