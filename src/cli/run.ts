// faultline run [options] PROGRAM [ARGS...]: run a static x86-64 Linux
// program on the kernel, with the guest's stdout and stderr on ours, our
// environment as its environment, our stdin read as it reads, and its exit
// status as ours (128+signo when a signal ended it, as a shell says).
// Ctrl-C stops the guest and still prints what was gathered (exit 130).
// Here: the options, and the kernel started (its compile, its RAM) before
// run_machine.ts, the machine's code and most of a run's, is loaded.

import { readFileSync } from "node:fs";
import type { MachineOptions, THPMode } from "../machine.js";
import { numaLayout } from "../mm/numa.js";
import { DEFAULT_MEM, newRam } from "../ram.js";
import { TRACE_SYSTEMS, type TraceSystem } from "../trace/events.js";
import { parse, splitAtProgram, UsageError } from "./args.js";
import { compileKernelModule, type KernelBuild } from "./load.js";
import { out } from "./output.js";
import { CPU_MODELS, type CpuModelName } from "../cpu/model.js";
import { OBSERVE_OPTIONS, OBSERVE_USAGE, observeOptions, type ObserveOptions } from "./observe_args.js";

export const RUN_USAGE = `usage: faultline run [--mem SIZE] [--swap SIZE] [--numa N|SIZE,SIZE...] [--numa-distance SLIT] [--cpu-node N]
                     [--sysctl NAME=VALUE]... [--thp never|madvise|always]
                     [--zero-page yes|no] [--cpu x86-64-v3|x86-64-v2] [--max-insns N] [--jit-threshold N] [--trace syscalls] [--compact] [--debug] [--cc CC] [--] PROGRAM [ARGS...]
  PROGRAM           a static x86-64 Linux executable, or a C file (NAME.c),
                    built first with CC -O2 -static and kept in a cache
  --cc CC           the C compiler for a .c PROGRAM (default gcc; musl-gcc for musl)
  --mem SIZE        RAM (default ${DEFAULT_MEM})
  --swap SIZE       a swap device of SIZE (default: none)
  --numa N          N NUMA nodes sharing the RAM equally (default: one node)
  --numa SIZE,...   a node of each SIZE (e.g. 96M,160M): their sum is the RAM
                    (--mem, if given, must agree)
  --numa-distance D the SLIT: one row per node, rows split by ';', e.g.
                    10,20;20,10 (10 on the diagonal, 11..254 elsewhere;
                    numactl --hardware's table reads too). Default 10/20
  --cpu-node N      the node the CPU is on (default 0)
  --sysctl N=V      set a sysctl at boot: vm.swappiness, vm.min_free_kbytes,
                    vm.watermark_scale_factor, vm.overcommit_memory,
                    vm.overcommit_ratio, vm.page-cluster,
                    vm.compaction_proactiveness, transparent_hugepage.enabled,
                    transparent_hugepage.defrag
  --thp MODE        transparent huge pages (default: this machine's
                    /sys/kernel/mm/transparent_hugepage/enabled, else madvise)
  --zero-page yes|no  whether a read of untouched anonymous memory maps the
                    shared zero page (default yes, as Linux does; no as a
                    kernel booted with pvm_no_zero_page=1)
  --cpu MODEL       the CPU cpuid announces: x86-64-v3 (default: AVX2, FMA,
                    BMI1/2, F16C, XSAVE; libc picks its AVX2 string functions
                    and FMA libm) or x86-64-v2 (SSE4.2, POPCNT)
  --max-insns N     stop the guest after N instructions
  --jit-threshold N translate a block of guest code to JavaScript after N runs
                    (default 40; 0: before its first run)
  --trace syscalls  print each syscall as strace does, on stderr
  --trace compaction  print the compaction tracepoints (kcompactd, compact_zone)
                    as /sys/kernel/tracing/trace_pipe does, on stderr
  --compact         compact memory when the program ends, before the views
                    (echo 1 > /proc/sys/vm/compact_memory)
  --debug           use the kernel built with CONFIG_DEBUG_VM (invariant checks)
                    and its tracers; --trace faults, --trace compaction and
                    --trace-out use the traced build (build/kernel.trace.wasm),
                    any other run the kernel without tracers (build/kernel.wasm)
  -h, --help        this text
The guest gets faultline's environment and stdin, and sees this machine's
files read-only from the current directory (with its own /tmp, /dev and
/proc); its stdout and stderr are faultline's. Every report (traces, /proc views, statistics, the ending) goes
to stderr, after the guest's own. Ctrl-C stops the guest and prints what was
gathered (exit status 130). On a terminal, stderr shows a progress line once
a second, and colours (unless NO_COLOR is set).
${OBSERVE_USAGE}`;

const RUN_OPTIONS = {
  ...OBSERVE_OPTIONS,
  mem: { type: "string" },
  swap: { type: "string" },
  numa: { type: "string" },
  "numa-distance": { type: "string" },
  "cpu-node": { type: "string" },
  sysctl: { type: "string", multiple: true },
  thp: { type: "string" },
  "zero-page": { type: "string" },
  cpu: { type: "string" },
  "max-insns": { type: "string" },
  "jit-threshold": { type: "string" },
  debug: { type: "boolean" },
  compact: { type: "boolean" },
  cc: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export interface RunArgs {
  machine: MachineOptions;
  traceSyscalls: boolean;
  traceEvents: TraceSystem[];
  debug: boolean;
  /** Compact memory when the program ends (before the --proc views). */
  compact: boolean;
  /** The C compiler for a .c program. */
  cc: string;
  help: boolean;
  observe: ObserveOptions;
  program: string;
  args: string[];
}

/** Parses run's options up to PROGRAM (or `--`); what follows PROGRAM is the guest's. */
export function parseRunArgs(argv: string[]): RunArgs {
  const [optionWords, command] = splitAtProgram(argv, RUN_OPTIONS);
  const { values: v } = parse(optionWords, RUN_OPTIONS, false);
  const machine: MachineOptions = {};
  if (v.mem !== undefined) machine.mem = v.mem;
  if (v.swap !== undefined) machine.swap = v.swap;
  if (v.numa !== undefined) machine.numa = v.numa;
  if (v["numa-distance"] !== undefined) machine.numaDistance = v["numa-distance"];
  const cpuNode = v["cpu-node"];
  if (cpuNode !== undefined) {
    if (!/^\d+$/.test(cpuNode)) throw new UsageError(`--cpu-node: '${cpuNode}' is not a node number`);
    machine.cpuNode = Number(cpuNode);
  }
  if (machine.numa !== undefined || machine.numaDistance !== undefined || machine.cpuNode !== undefined) {
    try {
      numaLayout(machine.mem, machine, DEFAULT_MEM);
    } catch (e) {
      const said = (e as Error).message;
      const flag = /^(numa distance|cpu node|numa)/.exec(said)?.[1];
      if (!flag) throw e;
      throw new UsageError(`--${flag.replace(" ", "-")}${said.slice(flag.length).replace(" but mem is ", " but --mem is ")}`);
    }
  }
  for (const kv of v.sysctl ?? []) {
    const eq = kv.indexOf("=");
    if (eq <= 0) throw new UsageError(`--sysctl: '${kv}' is not NAME=VALUE`);
    (machine.sysctl ??= {})[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
  }
  if (v.thp !== undefined) {
    if (v.thp !== "never" && v.thp !== "madvise" && v.thp !== "always") throw new UsageError(`--thp: '${v.thp}' is not never, madvise or always`);
    machine.thp = v.thp as THPMode;
  }
  const zp = v["zero-page"];
  if (zp !== undefined) {
    if (zp !== "yes" && zp !== "no") throw new UsageError(`--zero-page: '${zp}' is not yes or no`);
    machine.zeroPage = zp === "yes";
  }
  if (v.cpu !== undefined) {
    if (!CPU_MODELS.includes(v.cpu as CpuModelName)) throw new UsageError(`--cpu: '${v.cpu}' is not ${CPU_MODELS.join(" or ")}`);
    machine.cpu = v.cpu as CpuModelName;
  }
  const n = v["max-insns"];
  if (n !== undefined) {
    if (!/^\d+$/.test(n) || Number(n) < 1) throw new UsageError(`--max-insns: '${n}' is not a positive count`);
    machine.maxInsns = Number(n);
  }
  const jt = v["jit-threshold"];
  if (jt !== undefined) {
    if (!/^\d+$/.test(jt)) throw new UsageError(`--jit-threshold: '${jt}' is not a count`);
    machine.jitThreshold = Number(jt);
  }
  const traces = v.trace ?? [];
  const events = traces.filter((t): t is TraceSystem => t in TRACE_SYSTEMS);
  const observe = observeOptions({ ...v, trace: traces.filter((t) => t !== "syscalls" && !events.includes(t as TraceSystem)) });
  const help = v.help ?? false;
  if (!help && command.length === 0) throw new UsageError("no program to run");
  return { machine, traceSyscalls: traces.includes("syscalls"), traceEvents: events, debug: v.debug ?? false, compact: v.compact ?? false, cc: v.cc ?? "gcc", help, observe, program: command[0] ?? "", args: command.slice(1) };
}

/** The kernel build a run uses: its tracers are in the traced build only, so that the plain one runs without a trace test on its hot paths. */
function kernelBuild(a: RunArgs): KernelBuild {
  return a.debug ? "debug" : a.traceEvents.length > 0 || a.observe.trace || a.observe.traceOut !== null ? "trace" : "release";
}

/** The kernel a run boots, started early: its module compiling on V8's background threads, and its RAM (none for a size the machine will refuse). */
export interface KernelStart {
  module: Promise<WebAssembly.Module>;
  memory: WebAssembly.Memory | undefined;
}

/** Runs the program; resolves to the exit status a shell would see. */
export async function run(argv: string[]): Promise<number> {
  const a = parseRunArgs(argv);
  if (a.help) {
    out(RUN_USAGE);
    return 0;
  }
  const module = compileKernelModule(kernelBuild(a));
  // Its error (no kernel built) is the machine's to report, after the program's own.
  module.catch(() => {});
  let memory: WebAssembly.Memory | undefined;
  try {
    // Made while the heap is small, the RAM's garbage collection (see newRam) costs less.
    memory = newRam(numaLayout(a.machine.mem, a.machine, DEFAULT_MEM).ram);
  } catch {
    // a bad size: the machine says so, after the program's own errors
  }
  const { runMachine } = await import("./run_machine.js");
  return runMachine(a, { module, memory });
}

/** The THP mode this machine's Linux runs ("always [madvise] never": the bracketed one), or madvise. */
export function hostThpMode(path = "/sys/kernel/mm/transparent_hugepage/enabled"): THPMode {
  try {
    const m = /\[(never|madvise|always)\]/.exec(readFileSync(path, "utf8"));
    if (m) return m[1] as THPMode;
  } catch {
    // not Linux, or a kernel without THP
  }
  return "madvise";
}
