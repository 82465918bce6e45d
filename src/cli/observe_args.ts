// The observability options of `faultline run`: declared for parseArgs
// and turned into ObserveOptions here, in one place, with a clear error for
// each bad value and for an option that needs another.

import { parseTraceFilter, type TraceFilter } from "../trace/fault.js";
import type { TraceClock } from "../trace/ring.js";
import { parse, UsageError } from "./args.js";

/** The views --proc can show, as their paths under /proc (or debugfs). */
export const PROC_VIEWS = [
  "buddyinfo", "zoneinfo", "pagetypeinfo", "vmstat", "meminfo", "swaps",
  "self/maps", "self/status", "self/smaps_rollup", "self/numa_maps",
  "extfrag/extfrag_index", "extfrag/unusable_index",
] as const;
export type ProcView = (typeof PROC_VIEWS)[number];

export interface ObserveOptions {
  trace: boolean;              // --trace faults
  traceClock: TraceClock;      // --trace-clock counter|host
  traceFilter: TraceFilter;    // --trace-filter addr=A-B,outcome=X|Y
  traceMax: number;            // --trace-max N: faults traced at most
  traceOut: string | null;     // --trace-out FILE.json
  traceProc: boolean;          // --trace-proc: ftrace's funcgraph-proc
  stats: boolean;              // --stats
  proc: ProcView[];            // --proc NAME (repeatable)
  pagemap: number[];           // --pagemap ADDR,...
  plot: string | null;         // --plot FILE.svg
}

/** The options for parseArgs (`--trace` is shared with run's `--trace syscalls`). */
export const OBSERVE_OPTIONS = {
  trace: { type: "string", multiple: true },
  "trace-clock": { type: "string" },
  "trace-filter": { type: "string" },
  "trace-max": { type: "string" },
  "trace-out": { type: "string" },
  "trace-proc": { type: "boolean" },
  stats: { type: "boolean" },
  proc: { type: "string", multiple: true },
  pagemap: { type: "string", multiple: true },
  plot: { type: "string" },
} as const;

export const OBSERVE_USAGE = `observability options:
  --trace faults            print each fault as an ftrace function_graph call tree
  --trace-clock counter|host  durations in trace events (default, deterministic) or measured host time
  --trace-filter SPEC       addr=START-END and/or outcome=NAME|NAME (minor, maperr, accerr,
                            pkuerr, sigbus, oom, anon, zero, cow, file, thp, none), comma-separated
  --trace-max N             trace at most N faults
  --trace-proc              name each line's process (comm-pid), as ftrace's funcgraph-proc
  --trace-out FILE.json     write the trace as Chrome/Perfetto trace-event JSON
                            (--trace-clock, --trace-filter and --trace-max need
                            --trace faults or --trace-out)
  --stats                   print fault, allocator and speed figures after the run
  --proc NAME               print a view at exit (repeatable): ${PROC_VIEWS.join(", ")}
  --pagemap ADDR,...        print /proc/self/pagemap entries for these addresses at exit
  --plot FILE.svg           draw free pages per order and RSS over the run
`;

function parseAddress(text: string, flag: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) throw new UsageError(`${flag}: '${text}' is not an address (decimal or 0x hex)`);
  const value = Number(text);
  if (value >= 2 ** 47) throw new UsageError(`${flag}: ${text} is not a user address (below 0x800000000000)`);
  return value;
}

type ObserveValues = { [K in keyof typeof OBSERVE_OPTIONS]?: (typeof OBSERVE_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof OBSERVE_OPTIONS)[K] extends { type: "boolean" } ? boolean : string };

/** ObserveOptions from parseArgs's values; `trace` holds the tracers asked for besides syscalls. */
export function observeOptions(v: ObserveValues): ObserveOptions {
  const options: ObserveOptions = {
    trace: false, traceClock: "counter", traceFilter: {}, traceMax: Infinity, traceOut: v["trace-out"] ?? null,
    traceProc: v["trace-proc"] ?? false, stats: v.stats ?? false, proc: [], pagemap: [], plot: v.plot ?? null,
  };
  for (const what of v.trace ?? []) {
    if (what !== "faults") throw new UsageError(`--trace: unknown tracer '${what}' (syscalls, faults or compaction)`);
    options.trace = true;
  }
  const clock = v["trace-clock"];
  if (clock !== undefined) {
    if (clock !== "counter" && clock !== "host") throw new UsageError(`--trace-clock: '${clock}' is neither 'counter' nor 'host'`);
    options.traceClock = clock;
  }
  if (v["trace-filter"] !== undefined) {
    try {
      options.traceFilter = parseTraceFilter(v["trace-filter"]);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const max = v["trace-max"];
  if (max !== undefined) {
    if (!/^\d+$/.test(max) || Number(max) < 1) throw new UsageError(`--trace-max: '${max}' is not a positive count`);
    options.traceMax = Number(max);
  }
  if (options.traceProc && !options.trace) throw new UsageError("--trace-proc needs --trace faults");
  for (const flag of ["trace-clock", "trace-filter", "trace-max"] as const) {
    if (v[flag] !== undefined && !options.trace && options.traceOut === null) throw new UsageError(`--${flag} needs --trace faults or --trace-out`);
  }
  for (const p of v.proc ?? []) {
    const name = p.replace(/^\/proc\//, "").replace(/^\/sys\/kernel\/debug\//, "");
    if (!(PROC_VIEWS as readonly string[]).includes(name)) throw new UsageError(`--proc: no view '${name}' (one of ${PROC_VIEWS.join(", ")})`);
    options.proc.push(name as ProcView);
  }
  for (const list of v.pagemap ?? []) options.pagemap.push(...list.split(",").map((a) => parseAddress(a.trim(), "--pagemap")));
  return options;
}

/** The observability options alone from argv (positionals are returned as `rest`). */
export function parseObserveArgs(argv: string[]): { options: ObserveOptions; rest: string[] } {
  const { values, positionals } = parse(argv, OBSERVE_OPTIONS);
  return { options: observeOptions(values), rest: positionals };
}
