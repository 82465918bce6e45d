// faultline run [options] PROGRAM [ARGS...]: run a static x86-64 Linux
// program on the kernel, with the guest's stdout and stderr on ours and its
// exit status as ours (128+signo when a signal ended it, as a shell says).

import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { buildC } from "./build_c.js";
import { nodeHostFs } from "./host_fs.js";
import { formatStats, type RunStats } from "../proc/stats.js";
import { OBSERVE_USAGE, parseObserveArgs, type ObserveOptions } from "./observe_args.js";
import { DEFAULT_MEM } from "../kernel.js";
import { Machine, type MachineOptions, type THPMode } from "../machine.js";
import { budgetExceeded, signalEnding } from "../syscalls/index.js";
import { loadKernelModule } from "./load.js";

export const RUN_USAGE = `usage: faultline run [--mem SIZE] [--thp never|madvise|always] [--max-insns N]
                     [--trace syscalls] [--debug] [--cc CC] PROGRAM [ARGS...]
  PROGRAM           a static x86-64 Linux executable, or a C file (NAME.c),
                    built first with CC -O2 -static and kept in a cache
  --cc CC           the C compiler for a .c PROGRAM (default gcc; musl-gcc for musl)
  --mem SIZE        RAM (default ${DEFAULT_MEM})
  --thp MODE        transparent huge pages (default: this machine's
                    /sys/kernel/mm/transparent_hugepage/enabled, else madvise)
  --max-insns N     stop the guest after N instructions
  --trace syscalls  print each syscall as strace does, on stderr
  --debug           use the kernel built with CONFIG_DEBUG_VM (invariant checks)
The guest's stdout and stderr are faultline's; every report (traces, /proc
views, statistics, the ending) goes to stderr, after the guest's own.
${OBSERVE_USAGE}`;

export interface RunArgs {
  machine: MachineOptions;
  traceSyscalls: boolean;
  debug: boolean;
  /** The C compiler for a .c program. */
  cc: string;
  program: string;
  args: string[];
  /** Options this parser does not know, for the observability parser. */
  rest: string[];
}

/** Parses run's own options up to PROGRAM; what follows PROGRAM is the guest's. */
export function parseRunArgs(argv: string[]): RunArgs {
  const out: RunArgs = { machine: {}, traceSyscalls: false, debug: false, cc: "gcc", program: "", args: [], rest: [] };
  let i = 0;
  for (; i < argv.length && argv[i].startsWith("-"); i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (eq > 0) return arg.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    switch (flag) {
      case "--mem": out.machine.mem = value(); break;
      case "--thp": {
        const mode = value();
        if (mode !== "never" && mode !== "madvise" && mode !== "always") throw new Error(`--thp: '${mode}' is not never, madvise or always`);
        out.machine.thp = mode as THPMode;
        break;
      }
      case "--max-insns": {
        const n = value();
        if (!/^\d+$/.test(n) || Number(n) < 1) throw new Error(`--max-insns: '${n}' is not a positive count`);
        out.machine.maxInsns = Number(n);
        break;
      }
      case "--debug": out.debug = true; break;
      case "--cc": out.cc = value(); break;
      case "--trace": {
        const what = value();
        if (what === "syscalls") out.traceSyscalls = true;
        else out.rest.push("--trace", what);
        break;
      }
      default:
        // Options of other parsers; those taking a value take the next word unless inline.
        out.rest.push(arg);
        if (eq < 0 && i + 1 < argv.length && !argv[i + 1].startsWith("-") && takesValue(flag)) out.rest.push(argv[++i]);
    }
  }
  if (i >= argv.length) throw new Error(`no program to run\n${RUN_USAGE}`);
  out.program = argv[i];
  out.args = argv.slice(i + 1);
  return out;
}

/** Observability flags that take a value (see observe_args.ts); the rest are switches. */
function takesValue(flag: string): boolean {
  return flag !== "--stats";
}

/** Runs the program; returns the exit status a shell would see. */
export function run(argv: string[]): number {
  const a = parseRunArgs(argv);
  const observe = parseObserveArgs(a.rest);
  if (observe.rest.length) throw new Error(`unknown option ${observe.rest[0]}\n${RUN_USAGE}`);
  const o = observe.options;
  const report = (text: string) => process.stderr.write(text);
  // A C file runs as the program the host's compiler makes of it, named without its .c.
  let binary = a.program;
  let argv0 = a.program;
  if (a.program.endsWith(".c")) {
    const built = buildC(a.program, a.cc, report);
    if (!built.ok) return built.status;
    binary = built.path;
    argv0 = a.program.slice(0, -2);
  }
  let file: Buffer;
  try {
    file = readFileSync(binary);
  } catch (e) {
    // As a shell says it: 127 for a program that is not there, 126 for one it cannot read.
    const err = e as NodeJS.ErrnoException;
    report(`faultline: ${a.program}: ${err.code === "ENOENT" ? "No such file or directory" : err.message}\n`);
    return err.code === "ENOENT" ? 127 : 126;
  }
  let stats: RunStats | null = null;
  let started = 0;
  const m = new Machine(loadKernelModule(a.debug ? "debug" : "release"), {
    ...a.machine,
    thp: a.machine.thp ?? hostThpMode(),
    stdout: (b) => process.stdout.write(b),
    stderr: (b) => process.stderr.write(b),
    traceSyscalls: a.traceSyscalls ? (line) => report(line + "\n") : undefined,
    stdin: process.stdin.isTTY ? undefined : readStdin(),
    fs: nodeHostFs(),
    cwd: process.cwd(),
    env: Object.entries(process.env).map(([k, v]) => `${k}=${v}`),
    beforeExit: (machine) => {
      for (const name of o.proc) report(machine.proc(name));
      if (o.pagemap.length) report(machine.pagemap(o.pagemap));
      if (o.stats) stats = machine.stats((performance.now() - started) / 1000);
    },
  });
  const observer = wantsObserver(o)
    ? m.observe({
        trace: o.trace || o.traceOut !== null,
        clock: o.traceClock,
        filter: o.traceFilter,
        maxFaults: o.traceMax,
        keepRecords: o.traceOut !== null,
        sample: o.plot !== null || o.traceOut !== null,
        onText: o.trace ? report : undefined,
      })
    : null;
  try {
    m.exec(new Uint8Array(file.buffer, file.byteOffset, file.byteLength), [argv0, ...a.args], undefined, resolve(binary));
  } catch (e) {
    report(`faultline: ${a.program}: ${(e as Error).message}\n`);
    return 126; // bash: "cannot execute binary file: Exec format error"
  }
  started = performance.now();
  const end = m.run();
  if (end.kind === "budget") {
    report(`faultline: the guest used its budget of ${end.retired} instructions (--max-insns)\n`);
    m.exit(end);
  }
  observer?.close();
  if (observer && o.traceOut) writeFileSync(o.traceOut, JSON.stringify(observer.chromeTrace(a.program)));
  if (observer && o.plot) writeFileSync(o.plot, observer.plot(a.program));
  if (stats) report(formatStats(stats));
  if (end.kind === "exit") return end.status;
  const ending = signalEnding(end.kind === "signal" ? end.signal : budgetExceeded(m.cpu.rip));
  if (a.traceSyscalls) for (const line of ending.trace) report(line + "\n");
  report(ending.stderr);
  return ending.status;
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

function wantsObserver(o: ObserveOptions): boolean {
  return o.trace || o.traceOut !== null || o.plot !== null;
}

function readStdin(): Uint8Array {
  try {
    return new Uint8Array(readFileSync(0));
  } catch {
    return new Uint8Array(0);
  }
}
