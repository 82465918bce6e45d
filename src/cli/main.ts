// The faultline command.
//   faultline boot [--mem SIZE] [--proc NAME]...   boot and print /proc files
//   faultline run [options] PROGRAM [ARGS...]       run a static x86-64 Linux program (see run.ts)
//   faultline demo                                   a guest touching memory, and what the kernel did
//   faultline bench [--json] [SUITE...]              the benchmark suites, from a source checkout (see bench.ts)
// Exit status: the guest's for run; 2 for a usage error, 1 for any other failure.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Kernel, DEFAULT_MEM } from "../kernel.js";
import { PROC_FILES } from "../proc/index.js";
import { parse, UsageError } from "./args.js";
import { loadKernelModule, packageRoot } from "./load.js";
import { run } from "./run.js";

const USAGE = `usage: faultline boot [--mem SIZE] [--proc NAME]...
       faultline run [options] PROGRAM [ARGS...]   (faultline run --help)
       faultline demo
       faultline bench [--json] [SUITE...]        (faultline bench --help)
       faultline --version | --help
SIZE: bytes or a number with K, M or G (default ${DEFAULT_MEM}), a multiple of 64K, at most 4G
NAME: ${Object.keys(PROC_FILES).join(", ")}
`;

const BOOT_OPTIONS = {
  mem: { type: "string" },
  proc: { type: "string", multiple: true },
  help: { type: "boolean", short: "h" },
} as const;

function boot(args: string[]): string {
  const { values } = parse(args, BOOT_OPTIONS, false);
  if (values.help) return USAGE;
  const procs = values.proc ?? [];
  for (const p of procs) {
    if (!(p in PROC_FILES)) throw new UsageError(`no /proc/${p} here; try ${Object.keys(PROC_FILES).join(", ")}`);
  }
  const k = new Kernel(loadKernelModule(), { mem: values.mem ?? DEFAULT_MEM });
  if (procs.length === 0) return k.dmesg();
  return procs.map((p) => PROC_FILES[p](k)).join("");
}

/** faultline bench: the suites live in bench/, built in a source checkout only (npm run bench). */
async function benchCommand(args: string[]): Promise<number> {
  // Loaded here, as demo is below: a plain run need not parse them.
  const { bench, BENCH_USAGE, importSuites } = await import("./bench.js");
  if (args[0] === "--help" || args[0] === "-h") {
    process.stdout.write(BENCH_USAGE + "\n");
    return 0;
  }
  const suites = join(packageRoot(), "dist", "bench", "suites.js");
  if (!existsSync(suites)) {
    process.stderr.write("faultline: bench runs from a source checkout (git clone, then npm run bench); the installed package has no benchmarks\n");
    return 1;
  }
  return bench(args, await importSuites(suites), (s) => process.stdout.write(s), (s) => process.stderr.write(s));
}

function version(): string {
  return `faultline ${(JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version}\n`;
}

async function command(cmd: string | undefined, rest: string[]): Promise<number> {
  switch (cmd) {
    case "run": return run(rest);
    case "bench": return benchCommand(rest);
    case "boot": process.stdout.write(boot(rest)); return 0;
    case "demo": process.stdout.write((await import("./demo.js")).demo()); return 0;
    case "--version": case "-V": process.stdout.write(version()); return 0;
    case "--help": case "-h": process.stdout.write(USAGE); return 0;
    case undefined: process.stderr.write(USAGE); return 2;
    default: throw new UsageError(`unknown command ${cmd}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    return await command(cmd, rest);
  } catch (e) {
    const err = e as Error;
    if (err instanceof UsageError) {
      process.stderr.write(`faultline: ${err.message}\nTry 'faultline ${cmd === "run" || cmd === "boot" ? cmd + " " : ""}--help'.\n`);
      return 2;
    }
    process.stderr.write(`faultline: ${err.message}\n`);
    return 1;
  }
}

void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
