// The trace ring as the real kernel fills it: golden function_graph traces
// of allocator calls (counter clock), in the seed's order of calls.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { GFP, Kernel } from "../../src/kernel.js";
import { FUNCTION_GRAPH_HEADER, FaultTracer, TraceRing, functionGraph, renderEvents, type TraceKernel } from "../../src/trace/index.js";

let mod: WebAssembly.Module;
beforeAll(() => { mod = new WebAssembly.Module(readFileSync("build/kernel.trace.wasm")); });

function traced(env?: Record<string, unknown>) {
  const k = new Kernel(mod, { mem: "16M", env });
  const ring = new TraceRing(k.exports, k.memory);
  return { k, ring };
}

describe("the kernel's trace ring", () => {
  it("records nothing until tracing is switched on", () => {
    const { k, ring } = traced();
    k.allocPages(GFP.GFP_KERNEL, 2);
    expect(ring.drain()).toEqual([]);
  });

  it("traces an order-4 allocation down the seed's path, byte for byte", () => {
    const { k, ring } = traced();
    k.allocPages(GFP.GFP_KERNEL, 0);  // the first unmovable allocation steals a pageblock (__rmqueue_fallback)
    ring.start("counter");
    const pfn = k.allocPages(GFP.GFP_KERNEL, 4);
    ring.stop();
    const events = ring.drain();
    // The seed, items 8-13: __alloc_pages → get_page_from_freelist → rmqueue →
    // __rmqueue → __rmqueue_smallest → get_page_from_free_area, then expand.
    expect(events.filter((e) => !e.exit).map((e) => ring.names[e.fn])).toEqual([
      "__alloc_pages", "get_page_from_freelist", "rmqueue", "__rmqueue", "__rmqueue_smallest",
      "get_page_from_free_area", "expand", "prep_new_page",
    ]);
    expect(events[0].arg).toBe(4);                        // the order
    expect(events[events.length - 1].arg).toBe(pfn);      // __alloc_pages returns the pfn
    expect(FUNCTION_GRAPH_HEADER + renderEvents(events, ring.names)).toBe([
      "# tracer: function_graph",
      "#",
      "# CPU  DURATION                  FUNCTION CALLS",
      "# |     |   |                     |   |   |   |",
      " 0)               |  __alloc_pages() {",
      " 0)               |    get_page_from_freelist() {",
      " 0)               |      rmqueue() {",
      " 0)               |        __rmqueue() {",
      " 0)               |          __rmqueue_smallest() {",
      " 0)   0.001 us    |            get_page_from_free_area();",
      " 0)   0.001 us    |            expand();",
      " 0)   0.005 us    |          }",
      " 0)   0.007 us    |        }",
      " 0)   0.009 us    |      }",
      " 0)   0.001 us    |      prep_new_page();",
      " 0)   0.013 us    |    }",
      " 0)   0.015 us    |  }",
      "",
    ].join("\n"));
  });

  it("gives the same events on every fresh machine (deterministic clock)", () => {
    const run = () => {
      const { k, ring } = traced();
      ring.start("counter");
      const pfns = [0, 1, 0, 3, 0].map((o) => k.allocPages(GFP.GFP_KERNEL, o));
      k.freePages(pfns[3], 3);
      return renderEvents(ring.drain(), ring.names);
    };
    const a = run();
    expect(a).toBe(run());
    expect(a).toContain("__free_pages() {");
  });

  it("stamps measured host nanoseconds with the host clock", () => {
    let now = 1000;
    const { k, ring } = traced({ trace_clock: () => (now += 250) });
    k.allocPages(GFP.GFP_KERNEL, 0);
    ring.start("host");
    k.allocPages(GFP.GFP_KERNEL, 4);
    const events = ring.drain();
    expect(events.map((e) => e.ts)).toEqual(events.map((_, i) => 1250 + 250 * i));
    expect(renderEvents(events, ring.names).split("\n").at(-2)).toBe(" 0)   3.750 us    |  }");
  });

  it("counts events lost when the kernel laps the reader", () => {
    const { k, ring } = traced();
    ring.start("counter");
    let written = 0;
    while (written <= 70000) {
      const before = ring.position();
      k.freePages(k.allocPages(GFP.GFP_KERNEL, 4), 4);
      written += ring.position() - before;
    }
    const got = ring.drain();
    expect(got.length).toBe(65536);
    expect(ring.lost).toBe(written - 65536);
    expect(got[got.length - 1].ts).toBe(written - 1);   // the counter: each event's sequence number
  });
});

describe("a real first-write fault", () => {
  it("is traced from do_user_addr_fault down to expand in the seed's order, byte for byte", () => {
    const { k, ring } = traced();
    const x = k.exports as unknown as Record<string, (...a: number[]) => number>;
    x.mm_switch(x.mm_create());
    const a = x.vm_mmap(0, 16 * 4096, 3, 0x22, 0, 0);  // PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS
    x.handle_page_fault(a, 6);                          // the first builds the page tables
    const tracer = new FaultTracer(ring);
    tracer.beginFault(a + 4096, 6, { start: a, end: a + 16 * 4096, perms: "rw-p", name: "" });
    const record = tracer.endFault(x.handle_page_fault(a + 4096, 6))!;
    const seed = ["do_user_addr_fault", "handle_mm_fault", "__handle_mm_fault", "handle_pte_fault", "do_anonymous_page",
      "alloc_zeroed_user_highpage_movable", "alloc_pages_vma", "__alloc_pages", "get_page_from_freelist", "rmqueue",
      "__rmqueue", "__rmqueue_smallest", "get_page_from_free_area", "expand"];
    const entered = record.events.filter((e) => !e.exit).map((e) => ring.names[e.fn]);
    // __rmqueue_smallest looks at each order up from the one asked for until a list has a block.
    expect(entered.filter((n, i) => seed.includes(n) && !(n === "get_page_from_free_area" && entered[i + 1] === n))).toEqual(seed);
    expect(a).toBe(0x7ffff7fef000);
    // Each table level was there or allocated: Linux's pte_alloc returns 0 then
    // (nonzero when out of memory), and pud_alloc and pmd_alloc exit the same way.
    const exits = (n: string) => record.events.filter((e) => e.exit && ring.names[e.fn] === n).map((e) => e.arg);
    for (const n of ["pud_alloc", "pmd_alloc", "pte_alloc"]) expect(exits(n), n).toEqual([0]);
    expect(functionGraph([record], ring.names)).toBe([
      "# tracer: function_graph",
      "#",
      "# CPU  DURATION                  FUNCTION CALLS",
      "# |     |   |                     |   |   |   |",
      " 0)               |  /* fault 1: address=0x7ffff7ff0000 error_code=0x6 (W|U) vma=7ffff7fef000-7ffff7fff000 rw-p */",
      " 0)               |  do_user_addr_fault() {",
      " 0)   0.001 us    |    find_vma();",
      " 0)   0.001 us    |    access_error();",
      " 0)               |    handle_mm_fault() {",
      " 0)               |      __handle_mm_fault() {",
      " 0)   0.001 us    |        pud_alloc();",
      " 0)   0.001 us    |        pmd_alloc();",
      " 0)               |        handle_pte_fault() {",
      " 0)               |          do_anonymous_page() {",
      " 0)   0.001 us    |            pte_alloc();",
      " 0)               |            alloc_zeroed_user_highpage_movable() {",
      " 0)               |              alloc_pages_vma() {",
      " 0)               |                __alloc_pages() {",
      " 0)               |                  get_page_from_freelist() {",
      " 0)               |                    rmqueue() {",
      " 0)               |                      rmqueue_pcplist() {",
      " 0)               |                        rmqueue_bulk() {",
      " 0)               |                          __rmqueue() {",
      " 0)               |                            __rmqueue_smallest() {",
      " 0)   0.001 us    |                              get_page_from_free_area();",
      " 0)   0.001 us    |                              get_page_from_free_area();",
      " 0)   0.001 us    |                              expand();",
      " 0)   0.007 us    |                            }",
      " 0)   0.009 us    |                          }",
      " 0)   0.011 us    |                        }",
      " 0)   0.013 us    |                      }",
      " 0)   0.015 us    |                    }",
      " 0)   0.001 us    |                    prep_new_page();",
      " 0)   0.019 us    |                  }",
      " 0)   0.021 us    |                }",
      " 0)   0.023 us    |              }",
      " 0)   0.001 us    |              clear_page();",
      " 0)   0.027 us    |            }",
      " 0)   0.001 us    |            set_pte_at();",
      " 0)   0.033 us    |          }",
      " 0)   0.035 us    |        }",
      " 0)   0.041 us    |      }",
      " 0)   0.043 us    |    }",
      " 0)   0.049 us    |  }",
      " 0)               |  /* fault 1: fixed (minor fault) handler=anon pages: pfn 0x12 order 0 */",
      "",
    ].join("\n"));
  });

  it("past the last mapping goes find_vma, then bad_area, each call returning before the next", () => {
    const { k, ring } = traced();
    const x = k.exports as unknown as Record<string, (...a: number[]) => number>;
    x.mm_switch(x.mm_create());
    const a = x.vm_mmap(0, 4096, 3, 0x22, 0, 0);
    ring.start("counter");
    // find_vma finds no VMA ending above the address: bad_area, SIGSEGV with SEGV_MAPERR.
    expect(x.handle_page_fault(a + 4096, 6)).toBe(11 << 16 | 1);
    ring.stop();
    expect(ring.drain().map((e) => (e.exit ? "} " : "") + ring.names[e.fn])).toEqual([
      "do_user_addr_fault", "find_vma", "} find_vma", "bad_area", "} bad_area", "} do_user_addr_fault",
    ]);
  });
});
