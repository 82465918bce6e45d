// ftrace's function_graph output (kernel/trace/trace_functions_graph.c), as
// `cat /sys/kernel/tracing/trace` prints it with the default options
// (funcgraph-cpu, -overhead, -duration), for one CPU; with funcgraph-proc,
// each line also names its process. When the process changes, verif_pid's
// context-switch lines say so, whatever the options. Browser-safe.

import { OUTCOME_TEXT, decodeErrorCode, type FaultRecord, type TaskName, type VmaInfo } from "./fault.js";
import type { TraceEvent } from "./ring.js";

const INDENT = 2;  // TRACE_GRAPH_INDENT
const CPU = " 0) ";
const FILL_FULL = "              |  ";  // the duration column of a line without one

export const FUNCTION_GRAPH_HEADER = functionGraphHeader(false);

/** print_graph_headers_flags: the columns' names, TASK/PID among them with funcgraph-proc. */
export function functionGraphHeader(proc: boolean): string {
  return "# tracer: function_graph\n#\n" +
    "# CPU" + (proc ? "  TASK/PID       " : "") + "  DURATION   " + "               FUNCTION CALLS\n" +
    "# |  " + (proc ? "   |    |        " : "") + "   |   |      " + "               |   |   |   |\n";
}

/**
 * What the printer keeps from line to line: the depth comments indent to,
 * the process of the last line (verif_pid's last_pid), and whether lines
 * name their process (the funcgraph-proc option).
 */
export interface GraphState { depth: number; last?: TaskName; proc?: boolean }

/** print_graph_proc: "comm-pid" (comm cut to 7 characters) centred in 14 columns. */
export function graphProc(t: TaskName): string {
  const text = `${t.comm.slice(0, 7)}-${t.pid}`;
  const spaces = Math.max(0, 14 - text.length);
  return " ".repeat(spaces >> 1) + text + " ".repeat(spaces - (spaces >> 1));
}

/** The start of every line: the CPU, and the process with funcgraph-proc. */
function lead(state: GraphState): string {
  return state.proc && state.last ? CPU + graphProc(state.last) + " | " : CPU;
}

/** verif_pid: the context-switch lines when this line's process is not the last one's. */
function switchTo(task: TaskName | undefined, state: GraphState): string {
  const prev = state.last;
  if (!task) return "";
  state.last = task;
  if (!prev || prev.pid === task.pid) return "";
  const rule = " ------------------------------------------\n";
  return rule + CPU + graphProc(prev) + " => " + graphProc(task) + "\n" + rule + "\n";
}

/** trace_find_mark: the overhead marker for a duration in clock units (ns). */
export function durationMark(d: number): string {
  if (d > 1e9) return "$";
  if (d > 1e8) return "@";
  if (d > 1e7) return "*";
  if (d > 1e6) return "#";
  if (d > 1e5) return "!";
  if (d > 1e4) return "+";
  return " ";
}

/**
 * trace_print_graph_duration plus its marker: "+ 22.275 us   |  ".
 * At most 7 digits before the unit; the row is 8 characters wide.
 */
export function graphDuration(d: number): string {
  d = Math.max(0, Math.floor(d));
  const usecs = String(Math.floor(d / 1000));
  let text = usecs;
  let len = usecs.length;
  if (len < 7) {
    // snprintf(nsecs_str, min(sizeof(nsecs_str), 8 - len), "%03lu", …)
    const nsecs = String(d % 1000).padStart(3, "0").slice(0, Math.min(5, 8 - len) - 1);
    text += "." + nsecs;
    len += nsecs.length + 1;
  }
  return `${durationMark(d)} ${text} us ${" ".repeat(Math.max(0, 8 - len))}|  `;
}

function vmaText(vma: VmaInfo | null): string {
  if (!vma) return "vma=none";
  return `vma=${vma.start.toString(16)}-${vma.end.toString(16)} ${vma.perms}${vma.name ? " " + vma.name : ""}`;
}

/** The trace_printk-style lines that open and close a fault's call tree. */
export function faultComments(r: FaultRecord): { before: string; after: string } {
  const before = `fault ${r.seq}: address=0x${r.address.toString(16)} error_code=0x${r.errorCode.toString(16)} (${decodeErrorCode(r.errorCode)}) ${vmaText(r.vma)}`;
  const pages = r.pages.length
    ? r.pages.map((p) => `pfn 0x${p.pfn.toString(16)} order ${p.order}`).join(", ")
    : "none";
  const after = `fault ${r.seq}: ${OUTCOME_TEXT[r.outcome]} handler=${r.handler} pages: ${pages}`;
  return { before, after };
}

/**
 * Renders events as function_graph lines. `state.depth` is ftrace's
 * per-CPU depth, which indents comments; it carries over between calls.
 */
export function renderEvents(events: TraceEvent[], names: string[], state: GraphState = { depth: 0 }): string {
  const name = (fn: number) => names[fn] ?? `fn${fn}`;
  const start = lead(state);
  const stack: TraceEvent[] = [];
  let out = "";
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (!e.exit) {
      const depth = stack.length;
      const next = events[i + 1];
      if (next && next.exit && next.fn === e.fn) {
        // A leaf: its entry and return print as one line.
        out += start + graphDuration(next.ts - e.ts) + " ".repeat(depth * INDENT) + name(e.fn) + "();\n";
        state.depth = depth - 1;
        i++;
      } else {
        out += start + FILL_FULL + " ".repeat(depth * INDENT) + name(e.fn) + "() {\n";
        state.depth = depth;
        stack.push(e);
      }
    } else {
      const open = stack[stack.length - 1];
      const matched = open !== undefined && open.fn === e.fn;
      if (matched) stack.pop();
      const depth = stack.length;
      const duration = matched ? e.ts - open.ts : 0;
      out += start + graphDuration(duration) + " ".repeat(depth * INDENT) + "}" + (matched ? "" : ` /* ${name(e.fn)} */`) + "\n";
      state.depth = depth - 1;
    }
  }
  return out;
}

/** print_graph_comment: a trace_printk line, indented by the current depth. */
export function renderComment(text: string, state: GraphState = { depth: 0 }): string {
  const indent = state.depth > 0 ? (state.depth + 1) * INDENT : 0;
  return lead(state) + FILL_FULL + " ".repeat(indent) + `/* ${text} */\n`;
}

/** One fault: its comments and call tree. */
export function renderFault(r: FaultRecord, names: string[], state: GraphState = { depth: 0 }): string {
  const { before, after } = faultComments(r);
  let out = r.lost ? `CPU:0 [LOST ${r.lost} EVENTS]\n` : "";
  out += switchTo(r.task, state);
  out += renderComment(before, state);
  out += renderEvents(r.events, names, state);
  out += renderComment(after, state);
  return out;
}

/** A whole trace file: the header, then each fault. */
export function functionGraph(records: FaultRecord[], names: string[], proc = false): string {
  const state: GraphState = { depth: 0, proc };
  return functionGraphHeader(proc) + records.map((r) => renderFault(r, names, state)).join("");
}
