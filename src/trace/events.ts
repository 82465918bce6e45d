// The event tracer, Linux's tracepoints as /sys/kernel/tracing/trace_pipe
// shows them: drains the kernel's event records (assembly/kernel/trace.ts)
// and prints each as ftrace does, the task, CPU, flags and timestamp, then
// the event's name and its TP_printk text (include/trace/events/*.h, by
// the kernel's TP_* ids). Timestamps are the virtual clock's, so the same
// run prints the same lines. Browser-safe.

import type { KernelExports } from "../abi.js";
import type { TaskName } from "./fault.js";
import { ftraceMissing } from "./ring.js";

/** The kernel exports the event tracer needs (docs/abi.md, "Tracing"). */
export type EventKernel = Pick<KernelExports, "trace_events_set" | "trace_events_ptr" | "trace_events_next" | "trace_events_records">;

/** The subsystems that have events here, and their enable bits (TRACE_SYSTEM_*). */
export const TRACE_SYSTEMS = { compaction: 1 } as const;
export type TraceSystem = keyof typeof TRACE_SYSTEMS;

const RECORD_SIZE = 32;

/** __print_symbolic: the name of `v`, or its value in hex when the table has none. */
function symbolic(names: readonly string[], v: number): string {
  return names[v] ?? `0x${(v >>> 0).toString(16)}`;
}
const hex = (v: number) => `0x${(v >>> 0).toString(16)}`;
// ZONE_TYPE and COMPACTION_STATUS of include/trace/events/mmflags.h and compaction.h.
const ZONE_TYPE = ["DMA", "DMA32", "Normal", "Movable"];
const COMPACTION_STATUS = ["not_suitable_zone", "skipped", "deferred", "no_suitable_page", "continue", "complete", "partial_skipped", "contended", "success"];

const scanners = (f: Int32Array) => `zone_start=${hex(f[0])} migrate_pfn=${hex(f[1])} free_pfn=${hex(f[2])} zone_end=${hex(f[3])}, mode=${f[4] ? "sync" : "async"}`;
const kcompactd = (f: Int32Array) => `nid=${f[0]} order=${f[1]} classzone_idx=${symbolic(ZONE_TYPE, f[2]).padEnd(8)}`;

/** Each event's name and TP_printk, in the kernel's TP_* order (assembly/include/trace/events/). */
const EVENTS: ReadonlyArray<{ name: string; print: (f: Int32Array) => string }> = [
  { name: "mm_compaction_begin", print: scanners },
  { name: "mm_compaction_end", print: (f) => `${scanners(f)} status=${symbolic(COMPACTION_STATUS, f[5])}` },
  { name: "mm_compaction_wakeup_kcompactd", print: kcompactd },
  { name: "mm_compaction_kcompactd_wake", print: kcompactd },
  { name: "mm_compaction_kcompactd_sleep", print: (f) => `nid=${f[0]}` },
];

/** One trace_pipe line: the task, CPU 0, no irq/preempt flags, the timestamp (virtual ns), the event. */
export function eventLine(task: TaskName, ns: number, event: string): string {
  const us = Math.floor(ns / 1000);
  return `${task.comm.padStart(16)}-${String(task.pid).padEnd(7)} [000] ..... ${String(Math.floor(us / 1e6)).padStart(5)}.${String(us % 1e6).padStart(6, "0")}: ${event}`;
}

/** Prints the events the kernel records for the subsystems enabled, each with the task and time given at its drain. */
export class EventTracer {
  private read: number;
  private readonly size: number;

  constructor(private readonly kernel: EventKernel, private readonly memory: WebAssembly.Memory, systems: TraceSystem[],
              private readonly onLine: (line: string) => void) {
    this.size = kernel.trace_events_records() >>> 0;
    this.read = kernel.trace_events_next() >>> 0;
    const mask = systems.reduce((mask, s) => mask | TRACE_SYSTEMS[s], 0);
    if (kernel.trace_events_set(mask) !== mask) throw ftraceMissing("trace events");
  }

  /** Prints the events written since the last drain, as fired by `task` at `ns` (virtual). */
  drain(task: TaskName, ns: number): void {
    const next = this.kernel.trace_events_next() >>> 0;
    if (next === this.read) return;
    // The ring was lapped: the oldest records are gone, as trace_pipe says.
    if (next - this.read > this.size) {
      this.onLine(`CPU:0 [LOST ${next - this.read - this.size} EVENTS]`);
      this.read = next - this.size;
    }
    const base = this.kernel.trace_events_ptr() >>> 0;
    for (; this.read !== next; this.read = (this.read + 1) >>> 0) {
      const at = base + (this.read % this.size) * RECORD_SIZE;
      const id = new Uint32Array(this.memory.buffer, at, 1)[0];
      const fields = new Int32Array(this.memory.buffer, at + 4, 7);
      const event = EVENTS[id];
      this.onLine(eventLine(task, ns, `${event.name}: ${event.print(fields)}`));
    }
  }

  stop(): void {
    this.kernel.trace_events_set(0);
  }
}
