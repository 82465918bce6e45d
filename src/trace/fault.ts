// Per-fault tracing: the host turns the kernel's tracer on around each
// handle_page_fault it chooses to trace, and turns the events in between
// into a FaultRecord. Filters by address run before the fault (the kernel
// is not even traced); filters by outcome run after. Browser-safe.

import { TRACE_NO_PAGE, TraceRing, type TraceClock, type TraceEvent } from "./ring.js";

/** x86 #PF error code bits (arch/x86/include/asm/trap_pf.h). */
const PF_BITS: Array<[number, string]> = [
  [1 << 0, "P"], [1 << 1, "W"], [1 << 2, "U"], [1 << 3, "RSVD"],
  [1 << 4, "I"], [1 << 5, "PK"], [1 << 6, "SS"], [1 << 15, "SGX"],
];

/** "W|U", "P|W|U", "I|U"…; "-" for 0 (a kernel read of a not-present page). */
export function decodeErrorCode(code: number): string {
  const names = PF_BITS.filter(([bit]) => code & bit).map(([, name]) => name);
  return names.length ? names.join("|") : "-";
}

/** How a fault ended: handle_page_fault's result (docs/abi.md). */
export type FaultOutcome = "minor" | "major" | "maperr" | "accerr" | "pkuerr" | "sigbus" | "oom";

const SIGBUS = 7, SIGKILL = 9, SIGSEGV = 11;

export function faultOutcome(result: number): FaultOutcome {
  if (result === 0) return "minor";
  const signo = result >>> 16, code = result & 0xffff;
  if (signo === SIGSEGV) return code === 2 ? "accerr" : code === 4 ? "pkuerr" : "maperr";
  if (signo === SIGBUS) return "sigbus";
  if (signo === SIGKILL) return "oom";
  throw new Error(`faultOutcome: unknown handle_page_fault result 0x${result.toString(16)}`);
}

export const OUTCOME_TEXT: Record<FaultOutcome, string> = {
  minor: "fixed (minor fault)",
  major: "fixed (major fault)",
  maperr: "SIGSEGV (SEGV_MAPERR)",
  accerr: "SIGSEGV (SEGV_ACCERR)",
  pkuerr: "SIGSEGV (SEGV_PKUERR)",
  sigbus: "SIGBUS (BUS_ADRERR)",
  oom: "SIGKILL (out of memory)",
};

/** Which handler resolved the fault, read off the call tree. */
export type FaultHandler = "anon" | "zero" | "cow" | "file" | "thp" | "swap" | "none";

/** The VMA a fault hit, as the host sees it (one /proc/self/maps line's fields). */
export interface VmaInfo {
  start: number;
  end: number;
  perms: string;    // "rw-p"
  name: string;     // "[heap]", "[stack]", a path, or ""
}

/** One traced fault. */
export interface FaultRecord {
  seq: number;            // 1 for the run's first fault (traced or not)
  address: number;        // CR2
  errorCode: number;
  vma: VmaInfo | null;    // null: no VMA covers the address
  result: number;         // handle_page_fault's value
  outcome: FaultOutcome;
  handler: FaultHandler;
  pages: Array<{ pfn: number; order: number }>;  // blocks __alloc_pages returned
  events: TraceEvent[];
  lost: number;           // events the ring dropped during this fault
  task?: TaskName;        // the process that faulted
}

/** A process as ftrace names it: its pid and comm. */
export interface TaskName { pid: number; comm: string }

export interface TraceFilter {
  /** Trace only faults whose address lies in one of these [start, end) ranges. */
  ranges?: Array<[number, number]>;
  /** Keep only faults with one of these outcomes or handlers. */
  outcomes?: Array<FaultOutcome | FaultHandler>;
}

export interface FaultTracerOptions {
  clock?: TraceClock;
  filter?: TraceFilter;
  /** Stop tracing after this many faults were kept. */
  maxFaults?: number;
}

/** Parses `--trace-filter`: "addr=0x1000-0x2000,outcome=minor|accerr" (either part optional). */
export function parseTraceFilter(text: string): TraceFilter {
  const filter: TraceFilter = {};
  for (const part of text.split(",").map((s) => s.trim()).filter(Boolean)) {
    const [key, value = ""] = part.split("=", 2);
    if (key === "addr") {
      const m = /^(0x[0-9a-f]+|\d+)-(0x[0-9a-f]+|\d+)$/i.exec(value);
      if (!m) throw new Error(`--trace-filter: bad address range '${value}' (want START-END, e.g. 0x400000-0x500000)`);
      const range: [number, number] = [Number(m[1]), Number(m[2])];
      if (!(range[0] < range[1])) throw new Error(`--trace-filter: empty address range '${value}'`);
      (filter.ranges ??= []).push(range);
    } else if (key === "outcome") {
      for (const name of value.split("|")) {
        if (!(name in OUTCOME_TEXT) && !HANDLERS.includes(name as FaultHandler))
          throw new Error(`--trace-filter: unknown outcome '${name}' (one of ${[...Object.keys(OUTCOME_TEXT), ...HANDLERS].join(", ")})`);
        (filter.outcomes ??= []).push(name as FaultOutcome | FaultHandler);
      }
    } else {
      throw new Error(`--trace-filter: unknown key '${key}' (addr=START-END or outcome=NAME|NAME)`);
    }
  }
  return filter;
}

const HANDLERS: FaultHandler[] = ["anon", "zero", "cow", "file", "thp", "swap", "none"];

/** VM_FAULT_MAJOR (include/linux/mm_types.h): the page had to be read from a file or swap. */
const VM_FAULT_MAJOR = 0x4;

/** The handler that resolved the fault and the blocks it allocated, from the events. */
export function analyseFault(events: TraceEvent[], names: string[]): { handler: FaultHandler; major: boolean; pages: Array<{ pfn: number; order: number }> } {
  const id = (name: string) => names.indexOf(name);
  const handleMmFault = id("handle_mm_fault");
  let major = false;
  const allocPages = id("__alloc_pages");
  const allocUserPage = id("alloc_zeroed_user_highpage_movable");
  const handlers = new Map<number, FaultHandler>([
    [id("do_anonymous_page"), "anon"], [id("do_wp_page"), "cow"], [id("do_cow_fault"), "cow"],
    [id("do_read_fault"), "file"], [id("create_huge_pmd"), "thp"], [id("do_swap_page"), "swap"],
  ]);
  let handler: FaultHandler = "none";
  let userPage = false;
  const pages: Array<{ pfn: number; order: number }> = [];
  const orders: number[] = [];
  for (const e of events) {
    if (!e.exit) {
      if (handler === "none" && handlers.has(e.fn)) handler = handlers.get(e.fn)!;
      if (e.fn === allocUserPage) userPage = true;
      if (e.fn === allocPages) orders.push(e.arg);
    } else if (e.fn === handleMmFault) {
      // handle_mm_fault returns the vm_fault_t: VM_FAULT_MAJOR marks a major fault.
      if (e.arg & VM_FAULT_MAJOR) major = true;
    } else if (e.fn === allocPages) {
      const order = orders.pop();
      if (order !== undefined && e.arg !== TRACE_NO_PAGE) pages.push({ pfn: e.arg, order });
    }
  }
  // A read fault on anonymous memory maps the shared zero page: no user page is allocated.
  if (handler === "anon" && !userPage) handler = "zero";
  return { handler, major, pages };
}

type Listener = (record: FaultRecord) => void;

/**
 * Drives the kernel tracer fault by fault. The machine calls beginFault
 * before handle_page_fault and endFault after it; records go to
 * subscribers (and to the async iterator `records()`).
 */
export class FaultTracer {
  readonly clock: TraceClock;
  private readonly filter: TraceFilter;
  private readonly maxFaults: number;
  private readonly listeners = new Set<Listener>();
  private seq = 0;
  private kept = 0;
  private pending: { address: number; errorCode: number; vma: VmaInfo | null; task?: TaskName; lostBefore: number } | null = null;
  private readonly closers = new Set<() => void>();

  constructor(readonly ring: TraceRing, options: FaultTracerOptions = {}) {
    this.clock = options.clock ?? "counter";
    this.filter = options.filter ?? {};
    this.maxFaults = options.maxFaults ?? Infinity;
  }

  /** Faults kept so far. */
  get traced(): number { return this.kept; }

  /** True once the cap was reached: nothing more will be traced. */
  get full(): boolean { return this.kept >= this.maxFaults; }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every kept fault from now on, as an async iterator; ends at close(). */
  records(): AsyncIterableIterator<FaultRecord> {
    const queue: FaultRecord[] = [];
    let wake: (() => void) | null = null;
    let done = false;
    const unsubscribe = this.subscribe((r) => { queue.push(r); wake?.(); });
    this.closers.add(() => { done = true; wake?.(); });
    const iterator: AsyncIterableIterator<FaultRecord> = {
      [Symbol.asyncIterator]: () => iterator,
      next: async () => {
        while (!queue.length && !done) await new Promise<void>((r) => (wake = r));
        wake = null;
        if (queue.length) return { value: queue.shift()!, done: false };
        unsubscribe();
        return { value: undefined, done: true };
      },
      return: async () => { unsubscribe(); done = true; return { value: undefined, done: true }; },
    };
    return iterator;
  }

  /** Ends every records() iterator (the run is over). */
  close(): void {
    this.ring.stop();
    for (const close of this.closers) close();
    this.closers.clear();
  }

  /** Before handle_page_fault(address, errorCode). */
  beginFault(address: number, errorCode: number, vma: VmaInfo | null, task?: TaskName): void {
    this.seq++;
    const ranges = this.filter.ranges;
    const wanted = !this.full && (!ranges || ranges.some(([lo, hi]) => address >= lo && address < hi));
    if (!wanted) return;
    this.ring.drain(); // what came before this fault is not part of it
    this.pending = { address, errorCode, vma, task, lostBefore: this.ring.lost };
    this.ring.start(this.clock);
  }

  /** After handle_page_fault returned `result`. Returns the record, if kept. */
  endFault(result: number): FaultRecord | null {
    if (!this.pending) return null;
    this.ring.stop();
    const events = this.ring.drain();
    const { address, errorCode, vma, task, lostBefore } = this.pending;
    this.pending = null;
    const { handler, major, pages } = analyseFault(events, this.ring.names);
    const outcome = faultOutcome(result) === "minor" && major ? "major" : faultOutcome(result);
    const outcomes = this.filter.outcomes;
    if (outcomes && !outcomes.includes(outcome) && !outcomes.includes(handler)) return null;
    const record: FaultRecord = {
      seq: this.seq, address, errorCode, vma, result, outcome, handler, pages, events,
      lost: this.ring.lost - lostBefore,
      ...(task ? { task } : {}),
    };
    this.kept++;
    for (const listener of this.listeners) listener(record);
    return record;
  }
}
