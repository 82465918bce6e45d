// The function_graph and trace-event renderings, on fixed event sequences
// written into the kernel's real trace ring layout.
import { readFileSync } from "node:fs";
import { SwapDevice } from "../../src/mm/swap_device.js";
import { PageCache } from "../../src/fs/pagecache.js";
import { beforeAll, describe, expect, it } from "vitest";
import {
  FUNCTION_GRAPH_HEADER, FaultTracer, TraceRing, analyseFault, chromeTrace, decodeErrorCode,
  Observer, functionGraph, functionGraphHeader, graphDuration, parseTraceFilter, renderComment, renderEvents, renderFault,
  TRACE_EXIT, TRACE_NO_PAGE, type TraceKernel, type TraceEvent,
} from "../../src/trace/index.js";

let module: WebAssembly.Module;
beforeAll(() => { module = new WebAssembly.Module(readFileSync("build/kernel.wasm")); });

/**
 * The real kernel's ring size and name table, with a ring and the kernel's
 * writes done here: these tests fix the host half on known sequences.
 */
function ringWithWriter() {
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 64 });
  const env = { memory, trace_clock: () => 0, flush_tlb_page() {}, flush_tlb_all() {}, ...new PageCache().imports(), ...new SwapDevice(0).imports() };
  const exports = new WebAssembly.Instance(module, { env }).exports as unknown as TraceKernel;
  let next = 0, mode = 0;
  const base = 1 << 20;
  const kernel: TraceKernel = {
    trace_set: (m) => (mode = m),
    trace_ring_ptr: () => base,
    trace_ring_next: () => next,
    trace_ring_events: () => exports.trace_ring_events(),
    trace_fn_names: () => exports.trace_fn_names(),
  };
  const view = new DataView(memory.buffer);
  const size = exports.trace_ring_events();
  const ring = new TraceRing(kernel, memory);
  const id = (name: string) => { const i = ring.names.indexOf(name); if (i < 0) throw new Error(name); return i; };
  const write = (fn: string, exit: boolean, arg = 0) => {
    if (!mode) return;
    const at = base + (next % size) * 16;
    view.setUint32(at, (id(fn) | (exit ? TRACE_EXIT : 0)) >>> 0, true);
    view.setUint32(at + 4, arg >>> 0, true);
    view.setFloat64(at + 8, next, true);
    next++;
  };
  const call = (fn: string, arg: number, body: () => number | void) => {
    write(fn, false, arg);
    const ret = body() ?? 0;
    write(fn, true, ret);
    return ret;
  };
  return { ring, call, write, size, id };
}

/** A first write to an anonymous page whose page table exists, in the seed's order of calls. */
function firstWriteFault(call: ReturnType<typeof ringWithWriter>["call"], address: number, pfn: number) {
  call("do_user_addr_fault", address, () => {
    call("find_vma", address, () => 0x1000);
    call("access_error", 6, () => 0);
    call("handle_mm_fault", address, () => call("__handle_mm_fault", address, () =>
      call("handle_pte_fault", address, () => call("do_anonymous_page", address, () => {
        call("alloc_zeroed_user_highpage_movable", 0, () => call("alloc_pages_vma", 0, () =>
          call("__alloc_pages", 0, () => call("get_page_from_freelist", 0, () =>
            call("rmqueue", 0, () => call("__rmqueue", 0, () => call("__rmqueue_smallest", 0, () => {
              call("get_page_from_free_area", 2, () => pfn);
              call("expand", 2, () => 0);
              return pfn;
            })))))));
        call("set_pte_at", address, () => 0);
        return 0;
      }))));
    return 0;
  });
}

describe("function_graph durations", () => {
  it("prints trace_print_graph_duration's columns and markers", () => {
    expect(graphDuration(43)).toBe("  0.043 us    |  ");
    expect(graphDuration(22275)).toBe("+ 22.275 us   |  ");
    expect(graphDuration(100001)).toBe("! 100.001 us  |  ");
    expect(graphDuration(1234567)).toBe("# 1234.567 us |  ");
    expect(graphDuration(12345678)).toBe("* 12345.67 us |  ");
    expect(graphDuration(123456789)).toBe("@ 123456.7 us |  ");
    expect(graphDuration(1234567890)).toBe("$ 1234567 us  |  ");
    expect(graphDuration(10000)).toBe("  10.000 us   |  "); // the mark needs more than 10 us
  });
});

describe("error codes and filters", () => {
  it("decodes #PF error codes", () => {
    expect(decodeErrorCode(0x6)).toBe("W|U");
    expect(decodeErrorCode(0x14)).toBe("U|I");
    expect(decodeErrorCode(0x7)).toBe("P|W|U");
    expect(decodeErrorCode(0)).toBe("-");
  });
  it("parses --trace-filter and rejects nonsense clearly", () => {
    expect(parseTraceFilter("addr=0x1000-0x2000,outcome=minor|accerr|zero")).toEqual({
      ranges: [[0x1000, 0x2000]], outcomes: ["minor", "accerr", "zero"],
    });
    expect(() => parseTraceFilter("addr=0x2000-0x1000")).toThrow(/empty address range/);
    expect(() => parseTraceFilter("outcome=crash")).toThrow(/unknown outcome 'crash'/);
    expect(() => parseTraceFilter("pid=1")).toThrow(/unknown key 'pid'/);
  });
});

describe("a first-write fault", () => {
  it("renders as ftrace prints it, byte for byte (counter clock)", () => {
    const { ring, call } = ringWithWriter();
    const tracer = new FaultTracer(ring);
    tracer.beginFault(0x4000a8, 0x6, { start: 0x400000, end: 0x401000, perms: "rw-p", name: "" });
    firstWriteFault(call, 0x4000a8, 0x1234);
    const record = tracer.endFault(0)!;
    expect(record.outcome).toBe("minor");
    expect(record.handler).toBe("anon");
    expect(record.pages).toEqual([{ pfn: 0x1234, order: 0 }]);
    expect(functionGraph([record], ring.names)).toBe(FUNCTION_GRAPH_HEADER + [
      " 0)               |  /* fault 1: address=0x4000a8 error_code=0x6 (W|U) vma=400000-401000 rw-p */",
      " 0)               |  do_user_addr_fault() {",
      " 0)   0.001 us    |    find_vma();",
      " 0)   0.001 us    |    access_error();",
      " 0)               |    handle_mm_fault() {",
      " 0)               |      __handle_mm_fault() {",
      " 0)               |        handle_pte_fault() {",
      " 0)               |          do_anonymous_page() {",
      " 0)               |            alloc_zeroed_user_highpage_movable() {",
      " 0)               |              alloc_pages_vma() {",
      " 0)               |                __alloc_pages() {",
      " 0)               |                  get_page_from_freelist() {",
      " 0)               |                    rmqueue() {",
      " 0)               |                      __rmqueue() {",
      " 0)               |                        __rmqueue_smallest() {",
      " 0)   0.001 us    |                          get_page_from_free_area();",
      " 0)   0.001 us    |                          expand();",
      " 0)   0.005 us    |                        }",
      " 0)   0.007 us    |                      }",
      " 0)   0.009 us    |                    }",
      " 0)   0.011 us    |                  }",
      " 0)   0.013 us    |                }",
      " 0)   0.015 us    |              }",
      " 0)   0.017 us    |            }",
      " 0)   0.001 us    |            set_pte_at();",
      " 0)   0.021 us    |          }",
      " 0)   0.023 us    |        }",
      " 0)   0.025 us    |      }",
      " 0)   0.027 us    |    }",
      " 0)   0.033 us    |  }",
      " 0)               |  /* fault 1: fixed (minor fault) handler=anon pages: pfn 0x1234 order 0 */",
      "",
    ].join("\n"));
  });

  it("yields the same trace byte for byte when run again", () => {
    const once = () => {
      const { ring, call } = ringWithWriter();
      const tracer = new FaultTracer(ring);
      const records = [0x4000a8, 0x4010f0].map((a, i) => {
        tracer.beginFault(a, 6, null);
        firstWriteFault(call, a, 0x100 + i);
        return tracer.endFault(0)!;
      });
      return functionGraph(records, ring.names);
    };
    expect(once()).toBe(once());
  });

  it("turns tracing on only for faults the address filter selects, up to the cap", () => {
    const { ring, call } = ringWithWriter();
    const tracer = new FaultTracer(ring, { filter: { ranges: [[0x10000, 0x20000]] }, maxFaults: 2 });
    const seen: number[] = [];
    tracer.subscribe((r) => seen.push(r.seq));
    for (const [i, a] of [0x1000, 0x10000, 0x1ffff, 0x20000, 0x10008].entries()) {
      tracer.beginFault(a, 6, null);
      firstWriteFault(call, a, 0x200 + i);
      tracer.endFault(0);
    }
    expect(seen).toEqual([2, 3]);   // fault 5 matches but the cap is 2
    expect(tracer.full).toBe(true);
  });

  it("keeps only the outcomes asked for, and streams records to async iterators", async () => {
    const { ring, call } = ringWithWriter();
    const tracer = new FaultTracer(ring, { filter: { outcomes: ["maperr"] } });
    const stream = tracer.records();
    tracer.beginFault(0x1000, 6, null);
    firstWriteFault(call, 0x1000, 1);
    expect(tracer.endFault(0)).toBeNull();
    tracer.beginFault(0x0, 4, null);
    call("do_user_addr_fault", 0, () => { call("find_vma", 0, () => 0); call("bad_area", 0, () => 0); return 0; });
    expect(tracer.endFault((11 << 16) | 1)?.outcome).toBe("maperr");
    tracer.close();
    const got = [];
    for await (const r of stream) got.push([r.seq, r.outcome, r.handler]);
    expect(got).toEqual([[2, "maperr", "none"]]);
  });
});

describe("function_graph edge cases", () => {
  const names = ["a", "b", "c"];
  const ev = (fn: number, exit: boolean, ts: number): TraceEvent => ({ fn, exit, arg: 0, ts });

  it("closes a return without its entry as `} /* func */`", () => {
    const text = renderEvents([ev(1, true, 5), ev(0, false, 6), ev(0, true, 9)], names);
    expect(text).toBe(" 0)   0.000 us    |  } /* b */\n 0)   0.003 us    |  a();\n");
  });

  it("indents comments as print_graph_comment does", () => {
    const state = { depth: 0 };
    renderEvents([ev(0, false, 0), ev(1, false, 1)], names, state);
    expect(state.depth).toBe(1);
    expect(renderComment("x", state)).toBe(" 0)               |      /* x */\n");
    expect(renderComment("y", { depth: 0 })).toBe(" 0)               |  /* y */\n");
  });

  it("names the process with funcgraph-proc as Documentation/trace/ftrace.rst shows it", () => {
    // ftrace.rst: "0)    sh-4802     |   0.616 us    |  rcu_process_gp_end();" (comm-pid centred in 14 columns)
    const state = { depth: 0, proc: true, last: { pid: 4802, comm: "sh" } };
    expect(renderEvents([ev(0, false, 0), ev(0, true, 616)], names, state)).toBe(" 0)    sh-4802     |   0.616 us    |  a();\n");
    // comm is cut to 7 characters
    expect(renderComment("x", { depth: 0, proc: true, last: { pid: 12, comm: "touch_write" } })).toBe(" 0)   touch_w-12   |               |  /* x */\n");
    // print_graph_headers_flags with funcgraph-proc
    expect(functionGraphHeader(true).split("\n").slice(2, 4)).toEqual([
      "# CPU  TASK/PID         DURATION                  FUNCTION CALLS",
      "# |     |    |           |   |                     |   |   |   |",
    ]);
    expect(functionGraphHeader(false)).toBe(FUNCTION_GRAPH_HEADER);
  });

  it("marks a change of process with verif_pid's context-switch lines, with or without funcgraph-proc", () => {
    const fault = (seq: number, pid: number) => ({
      seq, address: 0x1000, errorCode: 6, vma: null, result: 0, outcome: "minor" as const, handler: "anon" as const,
      pages: [], events: [], lost: 0, task: { pid, comm: "sh" },
    });
    const state = { depth: 0 };
    const first = renderFault(fault(1, 1), names, state);
    expect(first).not.toContain("----");
    expect(renderFault(fault(2, 1), names, state)).not.toContain("----");
    expect(renderFault(fault(3, 2), names, state).split("\n").slice(0, 4)).toEqual([
      " ------------------------------------------",
      " 0)      sh-1      =>      sh-2     ", // print_graph_proc: 5 spaces each side of "sh-1"
      " ------------------------------------------",
      "",
    ]);
  });

  it("reports events lost to a lapped ring", () => {
    const { ring, call, size } = ringWithWriter();
    ring.start("counter");
    for (let i = 0; i < size / 2 + 3; i++) call("expand", 0, () => 0);
    expect(ring.drain().length).toBe(size);
    expect(ring.lost).toBe(6);
  });
});

describe("analyseFault", () => {
  it("tells a zero-page read (only a page table allocated) from an anonymous write", () => {
    const { ring, call } = ringWithWriter();
    ring.start("counter");
    call("do_user_addr_fault", 0, () => call("handle_mm_fault", 0, () => {
      call("pte_alloc", 0, () => call("__alloc_pages", 0, () => 0x77));
      return call("do_anonymous_page", 0, () => call("set_pte_at", 0, () => 0));
    }));
    const a = analyseFault(ring.drain(), ring.names);
    expect(a).toEqual({ handler: "zero", major: false, pages: [{ pfn: 0x77, order: 0 }] });
    call("__alloc_pages", 3, () => TRACE_NO_PAGE);
    expect(analyseFault(ring.drain(), ring.names).pages).toEqual([]);
  });
});

/** Trace Event Format checks: required fields, and slices that nest perfectly. */
function validateChrome(trace: ReturnType<typeof chromeTrace>) {
  const slices = trace.traceEvents.filter((e) => e.ph === "X");
  for (const e of trace.traceEvents) {
    expect(typeof e.name).toBe("string");
    expect(["X", "C", "M"]).toContain(e.ph);
    expect(typeof e.pid).toBe("number");
    if (e.ph !== "M") expect(Number.isFinite(e.ts)).toBe(true);
    if (e.ph === "X") { expect(e.dur).toBeGreaterThanOrEqual(0); expect(typeof e.tid).toBe("number"); }
    if (e.ph === "C") expect(Object.values(e.args!).every((v) => typeof v === "number")).toBe(true);
  }
  // Sorted by start (longer first on ties), each slice must lie inside the enclosing open one.
  const sorted = [...slices].sort((a, b) => a.ts! - b.ts! || b.dur! - a.dur!);
  const open: typeof slices = [];
  for (const s of sorted) {
    while (open.length && open[open.length - 1].ts! + open[open.length - 1].dur! <= s.ts!) open.pop();
    const parent = open[open.length - 1];
    if (parent) expect(s.ts! + s.dur!).toBeLessThanOrEqual(parent.ts! + parent.dur!);
    open.push(s);
  }
  return slices;
}

describe("Chrome trace-event JSON", () => {
  it("has one nested X event per call, the fault's details, counters and names", () => {
    const { ring, call } = ringWithWriter();
    const tracer = new FaultTracer(ring);
    const records = [0x4000a8, 0x4010f0].map((a, i) => {
      tracer.beginFault(a, 6, null);
      firstWriteFault(call, a, 0x300 + i);
      return tracer.endFault(0)!;
    });
    const samples = records.map((r, i) => ({
      ts: r.events[r.events.length - 1].ts, fault: r.seq,
      zones: [{ name: "Normal", nr_free: [3 - i, 1, 0] }], rss: { anon: i + 1, file: 0 },
    }));
    const trace = chromeTrace(records, ring.names, samples, "counter", "hello");
    const json = JSON.parse(JSON.stringify(trace));
    const slices = validateChrome(json);
    expect(slices.length).toBe(2 * 17);
    const root = slices.find((s) => s.name === "do_user_addr_fault")!;
    expect(root.args).toMatchObject({ fault: 1, address: "0x4000a8", error_code: "0x6 (W|U)", handler: "anon", pages: ["pfn 0x300 order 0"] });
    expect(json.traceEvents.filter((e: { ph: string }) => e.ph === "C").map((e: { args: unknown }) => e.args))
      .toEqual([{ Normal: 5 }, { anon: 1, file: 0 }, { Normal: 4 }, { anon: 2, file: 0 }]);
    expect(json.traceEvents.filter((e: { ph: string }) => e.ph === "M").map((e: { name: string }) => e.name)).toEqual(["process_name", "thread_name"]);
    expect(json.otherData.clock).toMatch(/^counter: .*not time/);
  });
});

describe("Observer", () => {
  it("streams the function_graph text, keeps records and samples after every fault", () => {
    const { ring, call } = ringWithWriter();
    let text = "";
    let free = 10;
    const sources = { zones: () => [{ name: "Normal", nr_free: [free, 0] }], rss: () => ({ anon: 10 - free, file: 0 }) };
    const observer = new Observer(ring, sources, { trace: true, keepRecords: true, sample: true, filter: { ranges: [[0x4000, 0x5000]] }, onText: (t) => (text += t) });
    for (const a of [0x4000, 0x9000, 0x4008]) {
      observer.beforeFault(a, 6, null);
      firstWriteFault(call, a, free);
      free--;
      observer.afterFault(0);
    }
    observer.close();
    expect(observer.records.map((r) => r.seq)).toEqual([1, 3]);
    expect(text).toBe(functionGraph(observer.records, ring.names));
    expect(observer.samples.map((s) => [s.fault, s.rss.anon])).toEqual([[0, 0], [1, 1], [2, 2], [3, 3]]);
    // Counter clock: a sample's ts is the ring position, which only traced faults advance.
    expect(observer.samples.map((s) => s.ts)).toEqual([0, 34, 34, 68]);
    const json = observer.chromeTrace("t");
    expect(json.traceEvents.filter((e) => e.ph === "C").length).toBe(8);
  });
});
