// Chrome / Perfetto trace-event JSON (the Trace Event Format): one complete
// (ph "X") event per traced call, nested exactly as the calls were, the
// fault's details on its do_user_addr_fault slice, and counters (ph "C")
// for free pages per zone and RSS. Browser-safe.

import { OUTCOME_TEXT, decodeErrorCode, type FaultRecord } from "./fault.js";
import type { TraceClock, TraceEvent } from "./ring.js";
import { zoneFreePages, type Sample } from "./samples.js";

export interface ChromeEvent {
  name: string;
  ph: "X" | "C" | "M";
  ts?: number;
  dur?: number;
  pid: number;
  tid?: number;
  cat?: string;
  args?: Record<string, unknown>;
}

export interface ChromeTrace {
  traceEvents: ChromeEvent[];
  displayTimeUnit: "ns";
  otherData: Record<string, string>;
}

const PID = 1, TID = 1;

/** A kernel thread's turn between guest quanta, traced: its calls, and the counters it moved. */
export interface KthreadRecord {
  name: string;
  events: TraceEvent[];
  args?: Record<string, number>;
}

/**
 * ts and dur are microseconds in the format. With the host clock (ns) we
 * divide by 1000; with the counter clock one count is shown as one µs —
 * said so in otherData, since it is not time.
 */
function toMicros(clock: TraceClock): (t: number) => number {
  return clock === "host" ? (t) => t / 1000 : (t) => t;
}

/** One complete slice per call in `events`, nested as the calls were, on thread `tid`. */
function callSlices(events: TraceEvent[], names: string[], us: (t: number) => number, tid: number): ChromeEvent[] {
  const stack: Array<{ fn: number; ts: number; arg: number; index: number }> = [];
  const last = events.length ? events[events.length - 1].ts : 0;
  const slices: ChromeEvent[] = [];
  for (const e of events) {
    if (!e.exit) {
      stack.push({ fn: e.fn, ts: e.ts, arg: e.arg, index: slices.length });
      slices.push({ name: names[e.fn] ?? `fn${e.fn}`, cat: "mm", ph: "X", ts: us(e.ts), dur: 0, pid: PID, tid, args: { arg: e.arg } });
    } else if (stack.length && stack[stack.length - 1].fn === e.fn) {
      const open = stack.pop()!;
      const slice = slices[open.index];
      slice.dur = us(e.ts) - us(open.ts);
      slice.args = { arg: open.arg, ret: e.arg };
    }
    // An unmatched return has no opening to pair with: it makes no slice.
  }
  // Calls still open when the events end last until then.
  for (const open of stack) slices[open.index].dur = us(last) - us(open.ts);
  return slices;
}

export function chromeTrace(records: FaultRecord[], names: string[], samples: Sample[], clock: TraceClock, program = "guest",
                            kthreads: KthreadRecord[] = []): ChromeTrace {
  const us = toMicros(clock);
  const events: ChromeEvent[] = [
    { name: "process_name", ph: "M", pid: PID, args: { name: `faultline: ${program}` } },
    { name: "thread_name", ph: "M", pid: PID, tid: TID, args: { name: "cpu0" } },
  ];
  // Each kernel thread (kswapd0, kcompactd0) is a track of its own, after cpu0, named as Linux names it.
  const tids = new Map<string, number>();
  for (const k of kthreads) {
    if (!tids.has(k.name)) {
      tids.set(k.name, TID + 1 + tids.size);
      events.push({ name: "thread_name", ph: "M", pid: PID, tid: tids.get(k.name)!, args: { name: k.name } });
    }
  }
  for (const k of kthreads) {
    const slices = callSlices(k.events, names, us, tids.get(k.name)!);
    if (slices[0]) slices[0].args = { ...slices[0].args, ...k.args };
    events.push(...slices);
  }
  for (const r of records) {
    const slices = callSlices(r.events, names, us, TID);
    const root = slices[0];
    if (root) {
      root.args = {
        ...root.args,
        fault: r.seq,
        address: "0x" + r.address.toString(16),
        error_code: `0x${r.errorCode.toString(16)} (${decodeErrorCode(r.errorCode)})`,
        vma: r.vma ? `${r.vma.start.toString(16)}-${r.vma.end.toString(16)} ${r.vma.perms} ${r.vma.name}`.trimEnd() : "none",
        outcome: OUTCOME_TEXT[r.outcome],
        handler: r.handler,
        pages: r.pages.map((p) => `pfn 0x${p.pfn.toString(16)} order ${p.order}`),
      };
    }
    events.push(...slices);
  }
  for (const s of samples) {
    const free: Record<string, number> = {};
    for (const z of s.zones) free[z.name] = zoneFreePages(z.nr_free);
    events.push({ name: "nr_free_pages", ph: "C", ts: us(s.ts), pid: PID, args: free });
    events.push({ name: "rss_pages", ph: "C", ts: us(s.ts), pid: PID, args: { anon: s.rss.anon, file: s.rss.file } });
  }
  return {
    traceEvents: events,
    displayTimeUnit: "ns",
    otherData: {
      clock: clock === "host"
        ? "host: measured host time (ts, dur in microseconds)"
        : "counter: ts and dur count trace events (Linux's counter trace_clock), shown as microseconds; not time",
    },
  };
}
