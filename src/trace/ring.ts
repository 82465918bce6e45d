// The host half of the kernel's trace ring (assembly/kernel/trace.ts):
// reads 16-byte events out of RAM through one DataView. Browser-safe.

import type { KernelExports } from "../abi.js";

export const TRACE_EXIT = 0x80000000;
export const TRACE_NO_PAGE = 0xffffffff;
export const TRACE_EVENT_SIZE = 16;

/** trace_set modes (assembly/kernel/trace.ts). */
export const TRACE_OFF = 0;
export const TRACE_CLOCK_COUNTER = 1;
export const TRACE_CLOCK_HOST = 2;

/**
 * The trace clock. `counter`: Linux's counter trace_clock, the event's
 * sequence number: a count of trace events, not time, identical run to run.
 * `host`: host nanoseconds from env.trace_clock (measured; varies).
 */
export type TraceClock = "counter" | "host";

/** One function entry or return, as the kernel wrote it. */
export interface TraceEvent {
  fn: number;       // index into the kernel's function-name table
  exit: boolean;
  arg: number;      // enter: the argument; exit: the return value (u32)
  ts: number;       // the trace clock (counts, or ns with the host clock)
}

/**
 * Tracing needs a kernel built with its tracers (CONFIG_FTRACE): build/kernel.wasm
 * has none, so that its allocator and fault path carry no trace test. Asking it to
 * trace is this error (docs/abi.md, "Builds").
 */
export function ftraceMissing(what: string): Error {
  return new Error(`${what} needs the traced kernel build: this kernel is build/kernel.wasm, built without tracing; ` +
    `load build/kernel.trace.wasm (faultline/kernel.trace.wasm) instead`);
}

/** The kernel exports the ring needs (docs/abi.md, "Tracing"). */
export type TraceKernel = Pick<KernelExports, "trace_set" | "trace_ring_ptr" | "trace_ring_next" | "trace_ring_events" | "trace_fn_names">;

/** The kernel's function names, in id order (a NUL-separated UTF-16LE string). */
export function readFnNames(memory: WebAssembly.Memory, ptr: number): string[] {
  const bytes = new DataView(memory.buffer).getUint32(ptr - 4, true);
  const units = new Uint16Array(memory.buffer, ptr, bytes >>> 1);
  let text = "";
  for (let i = 0; i < units.length; i++) text += String.fromCharCode(units[i]);
  const names = text.split("\0");
  names.pop(); // the table ends in a NUL
  return names;
}

/** A host clock for env.trace_clock: nanoseconds, from performance.now(). */
export function hostTraceClock(): number {
  return Math.round(performance.now() * 1e6);
}

/**
 * Consumes the ring. drain() returns the events written since the last
 * drain; if the kernel lapped the reader, the oldest are gone and `lost`
 * counts them (Linux prints such a gap as "[LOST n EVENTS]").
 */
export class TraceRing {
  readonly names: string[];
  lost = 0;
  private readonly view: DataView;
  private readonly base: number;
  private readonly size: number;
  private read: number;

  constructor(private readonly kernel: TraceKernel, memory: WebAssembly.Memory) {
    this.view = new DataView(memory.buffer);
    this.base = kernel.trace_ring_ptr() >>> 0;
    this.size = kernel.trace_ring_events() >>> 0;
    this.names = readFnNames(memory, kernel.trace_fn_names() >>> 0);
    this.read = kernel.trace_ring_next() >>> 0;
  }

  /** Starts recording with the given clock; throws on a kernel built without tracing. */
  start(clock: TraceClock): void {
    const mode = clock === "host" ? TRACE_CLOCK_HOST : TRACE_CLOCK_COUNTER;
    if (this.kernel.trace_set(mode) !== mode) throw ftraceMissing("tracing");
  }

  stop(): void {
    this.kernel.trace_set(TRACE_OFF);
  }

  /** The ring's write position (events ever written, mod 2^32). */
  position(): number {
    return this.kernel.trace_ring_next() >>> 0;
  }

  drain(): TraceEvent[] {
    const next = this.position();
    let pending = (next - this.read) >>> 0;
    if (pending > this.size) {
      const gone = pending - this.size;
      this.lost += gone;
      this.read = (this.read + gone) >>> 0;
      pending = this.size;
    }
    const events: TraceEvent[] = new Array(pending);
    for (let i = 0; i < pending; i++) {
      const at = this.base + ((this.read + i) % this.size) * TRACE_EVENT_SIZE;
      const word0 = this.view.getUint32(at, true);
      events[i] = {
        fn: (word0 & ~TRACE_EXIT) >>> 0,
        exit: (word0 & TRACE_EXIT) !== 0,
        arg: this.view.getUint32(at + 4, true),
        ts: this.view.getFloat64(at + 8, true),
      };
    }
    this.read = next;
    return events;
  }
}
