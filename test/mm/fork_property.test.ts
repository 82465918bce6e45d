// Random fork/write/read/munmap/mprotect/exit sequences over several
// processes, against a reference model of copy-on-write: each process's
// pages hold a byte and a frame identity; fork shares every identity;
// a write keeps its frame when no other live process maps it (reuse) and
// takes a new one otherwise (copy); a read of an untouched page maps the
// zero page (or nothing yet, in a child whose VMA had no anonymous page
// to copy). After every step: each byte read is the model's, frames are
// equal exactly where identities are, and the invariant checker (rmap
// included) finds nothing. After every sequence: nothing leaked.

import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { withLeakCheck } from "../helpers/machine.js";
import { sig, SIGSEGV, SEGV_MAPERR, SEGV_ACCERR } from "../helpers/fault_cpu.js";
import { bootProcs, expectInvariants, Proc, slabActive, PAGE } from "../helpers/processes.js";

const NPAGES = 6;
const MAX_PROCS = 5;

interface ModelPage {
  mapped: boolean;
  writable: boolean;
  value: number;
  /** null: not present; 0: the zero page; else a frame identity. */
  frame: number | null;
}
interface ModelProc { proc: Proc; pages: ModelPage[] }

const who = fc.nat(MAX_PROCS - 1);
const pg = fc.nat(NPAGES - 1);
const op = fc.oneof(
  fc.record({ op: fc.constant("fork" as const), who }),
  fc.record({ op: fc.constant("write" as const), who, pg, value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant("write" as const), who, pg, value: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ op: fc.constant("read" as const), who, pg }),
  fc.record({ op: fc.constant("exit" as const), who }),
  fc.record({ op: fc.constant("munmap" as const), who, pg }),
  fc.record({ op: fc.constant("mprotect" as const), who, pg, writable: fc.boolean() }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

describe("fork, copy-on-write and exit against a reference model", () => {
  it("agrees after every step of random fork/write/read/munmap/mprotect/exit sequences", () => {
    const p = bootProcs("32M");
    let nextPid = 100;
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 30 }), (ops: Op[]) => {
        withLeakCheck(p.k, () => {
          const first = Proc.create(p, nextPid++);
          const base = first.mmap(NPAGES * PAGE);
          const procs: ModelProc[] = [{
            proc: first,
            pages: Array.from({ length: NPAGES }, () => ({ mapped: true, writable: true, value: 0, frame: null })),
          }];
          let nextFrame = 1;
          const frameOf = new Map<number, number>();  // identity -> physical address
          const sharers = (i: number, id: number) => procs.filter((m) => m.pages[i].frame === id).length;

          for (const o of ops) {
            if (procs.length === 0) break;
            const m = procs[o.who % procs.length];
            const va = "pg" in o ? base + o.pg * PAGE : 0;
            switch (o.op) {
              case "fork":
                if (procs.length < MAX_PROCS) {
                  procs.push({ proc: m.proc.fork(nextPid++), pages: m.pages.map((x) => ({ ...x })) });
                }
                break;
              case "write": {
                const page = m.pages[o.pg];
                m.proc.run();
                const r = p.cpu.access(va, "w");
                if (!page.mapped) { expect(r.signal).toBe(sig(SIGSEGV, SEGV_MAPERR)); break; }
                if (!page.writable) { expect(r.signal).toBe(sig(SIGSEGV, SEGV_ACCERR)); break; }
                expect(r.signal).toBe(0);
                if (page.frame !== null && page.frame !== 0 && sharers(o.pg, page.frame) === 1) {
                  expect(r.pa).toBe(frameOf.get(page.frame));  // reused in place
                } else {
                  page.frame = nextFrame++;
                  frameOf.set(page.frame, r.pa);
                }
                p.view.setUint8(r.pa, o.value);
                page.value = o.value;
                break;
              }
              case "read": {
                const page = m.pages[o.pg];
                m.proc.run();
                const r = p.cpu.access(va, "r");
                if (!page.mapped) { expect(r.signal).toBe(sig(SIGSEGV, SEGV_MAPERR)); break; }
                expect(r.signal).toBe(0);
                expect(p.view.getUint8(r.pa)).toBe(page.value);
                if (page.frame === null) page.frame = 0;
                break;
              }
              case "exit":
                m.proc.exit();
                procs.splice(procs.indexOf(m), 1);
                break;
              case "munmap":
                m.proc.run();
                expect(p.x.sys_munmap(va, PAGE)).toBe(0);
                m.pages[o.pg] = { mapped: false, writable: false, value: 0, frame: null };
                break;
              case "mprotect":
                m.proc.run();
                expect(p.x.sys_mprotect(va, PAGE, o.writable ? 3 : 1)).toBe(m.pages[o.pg].mapped ? 0 : -12);
                if (m.pages[o.pg].mapped) m.pages[o.pg].writable = o.writable;
                break;
            }
            // Frames are equal exactly where the model's identities are.
            for (const q of procs) {
              for (let i = 0; i < NPAGES; i++) {
                const f = q.proc.frame(base + i * PAGE);
                const id = q.pages[i].frame;
                if (id === null) expect(f).toBe(0);
                // A VMA without anonymous pages (no anon_vma) is not copied: the zero page refaults.
                else if (id === 0) expect([0, p.k.zeroPfn * PAGE]).toContain(f);
                else expect(f).toBe(frameOf.get(id));
              }
            }
            expectInvariants(p);
          }
          for (const q of procs) q.proc.exit();
        });
        expect(slabActive(p, "anon_vma")).toBe(0);
        expect(slabActive(p, "anon_vma_chain")).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
