// One object for a machine to drive: it traces the faults it is asked to,
// samples free memory and RSS after each fault, and renders the results
// (function_graph text as it goes, trace-event JSON and the plot at the
// end). The machine calls beforeFault/afterFault around handle_page_fault.
// Browser-safe.

import type { ZoneFreeArea } from "../proc/extfrag.js";
import { chromeTrace, type ChromeTrace, type KthreadRecord } from "./chrome.js";
import { FaultTracer, type FaultRecord, type FaultTracerOptions, type TaskName, type VmaInfo } from "./fault.js";
import { functionGraphHeader, renderFault, type GraphState } from "./function_graph.js";
import { plotSvg } from "./plot.js";
import { hostTraceClock, type TraceRing } from "./ring.js";
import type { Sample } from "./samples.js";

/** Where the samples come from (the machine's views of the kernel). */
export interface SampleSources {
  zones(): ZoneFreeArea[];
  rss(): { anon: number; file: number };
}

export interface ObserverOptions extends FaultTracerOptions {
  trace?: boolean;                   // trace faults (function_graph / JSON)
  keepRecords?: boolean;             // keep FaultRecords for chromeTrace()
  sample?: boolean;                  // sample after each fault (plot, JSON counters)
  onText?: (chunk: string) => void;  // function_graph text, streamed fault by fault
  proc?: boolean;                     // ftrace's funcgraph-proc: each line names its process
}

/** An Observer whose `tracer` is known to exist when `Traced` is true (options.trace was true). */
export class Observer<Traced extends boolean = boolean> {
  readonly tracer: Traced extends true ? FaultTracer : FaultTracer | null;
  readonly records: FaultRecord[] = [];
  readonly samples: Sample[] = [];
  /** Traced turns of kernel threads that did work (kept with keepRecords). */
  readonly kthreads: KthreadRecord[] = [];
  private faults = 0;
  private readonly graphState: GraphState;

  constructor(private readonly ring: TraceRing, private readonly sources: SampleSources, private readonly options: ObserverOptions = {}) {
    this.tracer = (options.trace ? new FaultTracer(ring, options) : null) as this["tracer"];
    this.graphState = { depth: 0, proc: options.proc ?? false };
    if (this.tracer && options.onText) {
      const write = options.onText;
      write(functionGraphHeader(this.graphState.proc!));
      this.tracer.subscribe((r) => write(renderFault(r, ring.names, this.graphState)));
    }
    if (this.tracer && options.keepRecords) this.tracer.subscribe((r) => this.records.push(r));
    if (options.sample) this.takeSample();
  }

  /** Before handle_page_fault. */
  beforeFault(address: number, errorCode: number, vma: VmaInfo | null, task?: TaskName): void {
    this.tracer?.beginFault(address, errorCode, vma, task);
  }

  /** After handle_page_fault returned `result`. */
  afterFault(result: number): void {
    this.faults++;
    this.tracer?.endFault(result);
    if (this.options.sample) this.takeSample();
  }

  /**
   * Runs a kernel thread's turn (`run` returns non-zero if it worked),
   * traced when faults are: its calls become a record on its own track,
   * with `args()` (read after the turn: the counters it moved) on its slice.
   */
  kthread(name: string, run: () => number, args: () => Record<string, number> = () => ({})): number {
    if (!this.tracer || this.tracer.full || !this.options.keepRecords) return run();
    this.ring.drain();
    this.ring.start(this.tracer.clock);
    const worked = run();
    this.ring.stop();
    const events = this.ring.drain();
    if (worked) this.kthreads.push({ name, events, args: args() });
    return worked;
  }

  /** The clock the samples share with the events: trace events so far, or host ns. */
  private now(): number {
    if (this.tracer?.clock === "host") return hostTraceClock();
    return this.tracer ? this.ring.position() : this.faults;
  }

  private takeSample(): void {
    this.samples.push({ ts: this.now(), fault: this.faults, zones: this.sources.zones(), rss: this.sources.rss() });
  }

  chromeTrace(program: string): ChromeTrace {
    return chromeTrace(this.records, this.ring.names, this.samples, this.tracer?.clock ?? "counter", program, this.kthreads);
  }

  plot(title: string): string {
    return plotSvg(this.samples, title);
  }

  /** The run is over: stop tracing, end the record streams. */
  close(): void {
    this.tracer?.close();
  }
}
