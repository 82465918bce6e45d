// faultline run [options] PROGRAM [ARGS...]: run a static x86-64 Linux
// program on the kernel, with the guest's stdout and stderr on ours and its
// exit status as ours (128+signo when a signal ended it, as a shell says).

import { readFileSync } from "node:fs";
import { DEFAULT_MEM } from "../kernel.js";
import { Machine, type MachineOptions, type THPMode } from "../machine.js";
import { budgetExceeded, signalEnding } from "../syscalls/index.js";
import { loadKernelModule } from "./load.js";

export const RUN_USAGE = `usage: faultline run [--mem SIZE] [--thp never|madvise|always] [--max-insns N]
                     [--trace syscalls] [--debug] PROGRAM [ARGS...]
  --mem SIZE        RAM (default ${DEFAULT_MEM})
  --thp MODE        transparent huge pages (default madvise)
  --max-insns N     stop the guest after N instructions
  --trace syscalls  print each syscall as strace does, on stderr
  --debug           use the kernel built with CONFIG_DEBUG_VM (invariant checks)`;

export interface RunArgs {
  machine: MachineOptions;
  traceSyscalls: boolean;
  debug: boolean;
  program: string;
  args: string[];
  /** Options this parser does not know, for the observability parser. */
  rest: string[];
}

/** Parses run's own options up to PROGRAM; what follows PROGRAM is the guest's. */
export function parseRunArgs(argv: string[]): RunArgs {
  const out: RunArgs = { machine: {}, traceSyscalls: false, debug: false, program: "", args: [], rest: [] };
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
  const file = readFileSync(a.program);
  const m = new Machine(loadKernelModule(a.debug ? "debug" : "release"), {
    ...a.machine,
    stdout: (b) => process.stdout.write(b),
    stderr: (b) => process.stderr.write(b),
    traceSyscalls: a.traceSyscalls ? (line) => process.stderr.write(line + "\n") : undefined,
    stdin: process.stdin.isTTY ? undefined : readStdin(),
  });
  m.exec(new Uint8Array(file.buffer, file.byteOffset, file.byteLength), [a.program, ...a.args]);
  const end = m.run();
  if (end.kind === "exit") return end.status;
  const signal = end.kind === "signal" ? end.signal : budgetExceeded(m.cpu.rip);
  if (end.kind === "budget") {
    process.stderr.write(`faultline: the guest used its budget of ${end.retired} instructions (--max-insns)\n`);
    m.exit();
  }
  const ending = signalEnding(signal);
  if (a.traceSyscalls) for (const line of ending.trace) process.stderr.write(line + "\n");
  process.stderr.write(ending.stderr);
  return ending.status;
}

function readStdin(): Uint8Array {
  try {
    return new Uint8Array(readFileSync(0));
  } catch {
    return new Uint8Array(0);
  }
}
