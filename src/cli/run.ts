// faultline run [options] PROGRAM [ARGS...]: run a static x86-64 Linux
// program on the kernel, with the guest's stdout and stderr on ours, our
// environment as its environment, our stdin read as it reads, and its exit
// status as ours (128+signo when a signal ended it, as a shell says).
// Ctrl-C stops the guest and still prints what was gathered (exit 130).

import { fstatSync, readFileSync, readSync, statSync, writeFileSync, writeSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULT_MEM } from "../kernel.js";
import { numaLayout } from "../mm/numa.js";
import { RegularInode } from "../fs/inode.js";
import { Machine, type MachineOptions, type RunEnd, type THPMode } from "../machine.js";
import { formatStats, type RunStats } from "../proc/stats.js";
import { budgetExceeded, signalEnding } from "../syscalls/index.js";
import { parse, splitAtProgram, UsageError } from "./args.js";
import { nodeHostFs } from "./host_fs.js";
import { loadKernelModule } from "./load.js";
import { OBSERVE_OPTIONS, OBSERVE_USAGE, observeOptions, type ObserveOptions } from "./observe_args.js";
import { Terminal, type Stream } from "./terminal.js";
import { TRACE_SYSTEMS, type TraceSystem } from "../trace/events.js";

export const RUN_USAGE = `usage: faultline run [--mem SIZE] [--swap SIZE] [--numa N|SIZE,SIZE...] [--numa-distance SLIT] [--cpu-node N]
                     [--sysctl NAME=VALUE]... [--thp never|madvise|always]
                     [--max-insns N] [--jit-threshold N] [--trace syscalls] [--compact] [--debug] [--cc CC] [--] PROGRAM [ARGS...]
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

/** Runs the program; resolves to the exit status a shell would see. */
export async function run(argv: string[]): Promise<number> {
  const a = parseRunArgs(argv);
  if (a.help) {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  const o = a.observe;
  const term = new Terminal(lazyStderr());
  const report = (text: string) => term.write(text);
  // A C file runs as the program the host's compiler makes of it, named without its .c.
  let binary = a.program;
  let argv0 = a.program;
  if (a.program.endsWith(".c")) {
    // Loaded only here: the compiler's child_process and crypto cost every other run their start-up.
    const { buildC } = await import("./build_c.js");
    const built = buildC(a.program, a.cc, report);
    if (!built.ok) return built.status;
    binary = built.path;
    argv0 = a.program.slice(0, -2);
  }
  const file = readProgram(binary, report);
  if (typeof file === "number") return file;
  // Ctrl-C, from here on, aborts the run between two slices of instructions.
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.on("SIGINT", onSigint);
  let stats: RunStats | null = null;
  let started = 0n;
  // The kernel's tracers are in its traced build only: the plain one runs without a trace test on its hot paths.
  const traced = a.traceEvents.length > 0 || o.trace || o.traceOut !== null;
  const m = new Machine(loadKernelModule(a.debug ? "debug" : traced ? "trace" : "release"), {
    ...a.machine,
    thp: a.machine.thp ?? hostThpMode(),
    stdout: (b) => term.clearProgress() && writeAll(1, b),
    stderr: (b) => term.write(b),
    traceSyscalls: a.traceSyscalls ? (line) => report(line + "\n") : undefined,
    stdin: stdinReader(),
    envp: Object.entries(process.env).map(([k, v]) => `${k}=${v}`),
    fs: nodeHostFs(),
    cwd: process.cwd(),
    beforeExit: (machine) => {
      if (a.compact) machine.compactMemory();
      for (const name of o.proc) report(machine.proc(name));
      if (o.pagemap.length) report(machine.pagemap(o.pagemap));
      if (o.stats) stats = machine.stats(Number(process.hrtime.bigint() - started) / 1e9);
    },
  });
  if (a.traceEvents.length) m.traceEvents(a.traceEvents, (line) => report(line + "\n"));
  const observer = o.trace || o.traceOut !== null || o.plot !== null
    ? m.observe({
        trace: o.trace || o.traceOut !== null,
        clock: o.traceClock,
        filter: o.traceFilter,
        maxFaults: o.traceMax,
        keepRecords: o.traceOut !== null,
        sample: o.plot !== null || o.traceOut !== null,
        onText: o.trace ? report : undefined,
        proc: o.traceProc,
      })
    : null;
  try {
    // The program as the guest's namespace has it (the host's files are its /), so that /proc shows its device and inode.
    const found = m.fs.walk(m.fs.rootLoc, resolve(binary), true);
    m.exec(typeof found !== "number" && found.node instanceof RegularInode ? found.node.open() : file, [argv0, ...a.args], undefined, resolve(binary));
  } catch (e) {
    const err = e as Error & { code?: string };
    report(`faultline: ${a.program}: ${err.code === "E2BIG" ? "Argument list too long" : err.message}\n`);
    process.off("SIGINT", onSigint);
    // bash: "cannot execute binary file: Exec format error" (126); a missing interpreter is "required file not found" (127)
    return err.code === "ENOENT" ? 127 : 126;
  }

  const progress = term.startProgress(() => {
    const t = m.task();
    const rss = t ? t.mm.mm(t.handle).rss : { anon: 0, file: 0 };
    return `${count(m.cpu.retired)} instructions, ${count(m.faults)} faults, RSS ${(rss.anon + rss.file) * 4} kB`;
  });
  started = process.hrtime.bigint();
  let end: RunEnd | null = null;
  try {
    end = await m.runAsync({ signal: interrupt.signal, yieldEvery: 1 << 20 });
  } catch (e) {
    if (!interrupt.signal.aborted) throw e;
  } finally {
    progress.stop();
    process.off("SIGINT", onSigint);
  }
  if (end === null) {
    report(`\nfaultline: interrupted after ${m.cpu.retired} instructions (SIGINT)\n`);
    m.exit({ kind: "budget", retired: m.cpu.retired });
  } else if (end.kind === "budget") {
    report(`faultline: the guest used its budget of ${end.retired} instructions (--max-insns)\n`);
    m.exit(end);
  } else if (end.kind === "stalled") {
    // Linux would leave them asleep for ever; the run ends instead, as a timeout's SIGKILL would end it.
    report(`faultline: every process is asleep and none can wake (pids ${end.sleeping.join(", ")}): killed\n`);
    m.exit(end);
    return 128 + 9;
  }
  observer?.close();
  if (observer && o.traceOut) writeFileSync(o.traceOut, JSON.stringify(observer.chromeTrace(a.program)));
  if (observer && o.plot) writeFileSync(o.plot, observer.plot(a.program));
  if (stats) report(formatStats(stats));
  if (end === null) return 130;
  if (end.kind === "exit") return end.status;
  const ending = signalEnding(end.kind === "signal" ? end.signal : budgetExceeded(m.cpu.rip));
  // A signal's arrival and "+++ killed by" are the machine's lines; the budget's SIGXCPU is not delivered through it.
  if (a.traceSyscalls && end.kind !== "signal") for (const line of ending.trace) report(line + "\n");
  report(term.red(ending.stderr));
  return ending.status;
}

/**
 * The program's bytes, read only when it is a regular file (execve says
 * EACCES for a device, a FIFO or a directory, without reading it); else
 * the status a shell gives: 127 when it is not there, 126 otherwise.
 */
function readProgram(path: string, report: (text: string) => void): Uint8Array | number {
  try {
    if (!statSync(path).isFile()) {
      report(`faultline: ${path}: Permission denied\n`);
      return 126;
    }
    const file = readFileSync(path);
    return new Uint8Array(file.buffer, file.byteOffset, file.byteLength);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    report(`faultline: ${path}: ${err.code === "ENOENT" ? "No such file or directory" : err.code === "EACCES" ? "Permission denied" : err.message}\n`);
    return err.code === "ENOENT" ? 127 : 126;
  }
}

/**
 * process.stderr, made only when written to or when it may be a terminal
 * (a character device): Node builds it as a stream over the pipe, file or
 * terminal, a cost a run that writes nothing to stderr need not pay.
 */
function lazyStderr(): Stream {
  let tty = false;
  try {
    tty = fstatSync(2).isCharacterDevice() && process.stderr.isTTY === true;
  } catch {
    // no fd 2: not a terminal
  }
  return { isTTY: tty, write: (chunk) => process.stderr.write(chunk) };
}

/** fd 0, read as the guest reads it: nothing is taken before the guest asks. */
function stdinReader(): (max: number) => Uint8Array | null {
  return (max) => {
    const buf = new Uint8Array(Math.min(max, 1 << 16));
    for (;;) {
      try {
        const n = readSync(0, buf, 0, buf.length, null);
        return n > 0 ? buf.subarray(0, n) : null;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);  // non-blocking fd: wait for data
        else return null;  // closed or unreadable stdin reads as end of file
      }
    }
  };
}

/**
 * The guest's stdout, written synchronously as a process's write(2) is. A
 * closed pipe (`| head`) ends the guest as Linux's SIGPIPE would: quietly,
 * exit status 128 + 13.
 */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "EPIPE") process.exit(128 + 13);
      if (code !== "EAGAIN") throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);  // a non-blocking pipe is full
    }
  }
}

const count = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)}G` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : String(n));

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
