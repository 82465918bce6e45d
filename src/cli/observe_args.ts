// The observability options of `faultline run`: parsed here, in one place,
// with a clear error for each bad value. The run command passes its argv
// through parseObserveArgs and keeps what it does not recognise.

import { parseTraceFilter, type TraceFilter } from "../trace/fault.js";
import type { TraceClock } from "../trace/ring.js";

/** The views --proc can show, as their paths under /proc (or debugfs). */
export const PROC_VIEWS = [
  "buddyinfo", "zoneinfo", "pagetypeinfo", "vmstat",
  "self/maps", "self/status", "self/smaps_rollup",
  "extfrag/extfrag_index", "extfrag/unusable_index",
] as const;
export type ProcView = (typeof PROC_VIEWS)[number];

export interface ObserveOptions {
  trace: boolean;              // --trace faults
  traceClock: TraceClock;      // --trace-clock counter|host
  traceFilter: TraceFilter;    // --trace-filter addr=A-B,outcome=X|Y
  traceMax: number;            // --trace-max N: faults traced at most
  traceOut: string | null;     // --trace-out FILE.json
  stats: boolean;              // --stats
  proc: ProcView[];            // --proc NAME (repeatable)
  pagemap: number[];           // --pagemap ADDR,...
  plot: string | null;         // --plot FILE.svg
}

export const OBSERVE_USAGE = `observability options:
  --trace faults            print each fault as an ftrace function_graph call tree
  --trace-clock counter|host  durations in trace events (default, deterministic) or measured host time
  --trace-filter SPEC       addr=START-END and/or outcome=NAME|NAME (minor, maperr, accerr,
                            pkuerr, sigbus, oom, anon, zero, cow, file, thp, none), comma-separated
  --trace-max N             trace at most N faults
  --trace-out FILE.json     write the trace as Chrome/Perfetto trace-event JSON
  --stats                   print fault, allocator and speed figures after the run
  --proc NAME               print a view at exit (repeatable): ${PROC_VIEWS.join(", ")}
  --pagemap ADDR,...        print /proc/self/pagemap entries for these addresses at exit
  --plot FILE.svg           draw free pages per order and RSS over the run
`;

function parseAddress(text: string, flag: string): number {
  if (!/^(0x[0-9a-f]+|\d+)$/i.test(text)) throw new Error(`${flag}: '${text}' is not an address (decimal or 0x hex)`);
  const value = Number(text);
  if (value >= 2 ** 47) throw new Error(`${flag}: ${text} is not a user address (below 0x800000000000)`);
  return value;
}

/** Takes the observability options out of argv; returns them and the rest. */
export function parseObserveArgs(argv: string[]): { options: ObserveOptions; rest: string[] } {
  const options: ObserveOptions = {
    trace: false, traceClock: "counter", traceFilter: {}, traceMax: Infinity, traceOut: null,
    stats: false, proc: [], pagemap: [], plot: null,
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = () => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "--trace": {
        const what = value();
        if (what !== "faults") throw new Error(`--trace: unknown tracer '${what}' (only 'faults')`);
        options.trace = true;
        break;
      }
      case "--trace-clock": {
        const clock = value();
        if (clock !== "counter" && clock !== "host") throw new Error(`--trace-clock: '${clock}' is neither 'counter' nor 'host'`);
        options.traceClock = clock;
        break;
      }
      case "--trace-filter": options.traceFilter = parseTraceFilter(value()); break;
      case "--trace-max": {
        const n = value();
        if (!/^\d+$/.test(n) || Number(n) < 1) throw new Error(`--trace-max: '${n}' is not a positive count`);
        options.traceMax = Number(n);
        break;
      }
      case "--trace-out": options.traceOut = value(); break;
      case "--stats": options.stats = true; break;
      case "--proc": {
        const name = value().replace(/^\/proc\//, "").replace(/^\/sys\/kernel\/debug\//, "");
        if (!(PROC_VIEWS as readonly string[]).includes(name)) throw new Error(`--proc: no view '${name}' (one of ${PROC_VIEWS.join(", ")})`);
        options.proc.push(name as ProcView);
        break;
      }
      case "--pagemap": options.pagemap.push(...value().split(",").map((a) => parseAddress(a.trim(), "--pagemap"))); break;
      case "--plot": options.plot = value(); break;
      default: rest.push(arg);
    }
  }
  return { options, rest };
}
