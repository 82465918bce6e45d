#!/usr/bin/env node
// The faultline command.
//   faultline boot [--mem SIZE] [--proc NAME]...   boot and print /proc files
//   faultline run [options] PROGRAM [ARGS...]       run a static x86-64 Linux program (see run.ts)
//   faultline demo                                   a guest touching memory, and what the kernel did
//   faultline bench [--json] [SUITE...]              the benchmark suites, with a summary table (see bench.ts)

import { Kernel, DEFAULT_MEM } from "../kernel.js";
import { PROC_FILES } from "../proc/index.js";
import { loadKernelModule } from "./load.js";
import { run, RUN_USAGE } from "./run.js";
import { demo } from "./demo.js";
import { bench, BENCH_USAGE } from "./bench.js";

const USAGE = `usage: faultline boot [--mem SIZE] [--proc NAME]...
       faultline run [options] PROGRAM [ARGS...]   (faultline run --help)
       faultline demo
       faultline bench [--json] [SUITE...]        (faultline bench --help)
SIZE: bytes or a number with K, M or G (default ${DEFAULT_MEM}), a multiple of 64K, at most 4G
NAME: ${Object.keys(PROC_FILES).join(", ")}`;

function boot(args: string[]): string {
  let mem: string = DEFAULT_MEM;
  const procs: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      if (i + 1 >= args.length) throw new Error(`${a} needs a value\n${USAGE}`);
      return args[++i];
    };
    if (a === "--mem") mem = value();
    else if (a.startsWith("--mem=")) mem = a.slice(6);
    else if (a === "--proc") procs.push(value());
    else if (a.startsWith("--proc=")) procs.push(a.slice(7));
    else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  for (const p of procs) {
    if (!(p in PROC_FILES)) throw new Error(`no /proc/${p} here; try ${Object.keys(PROC_FILES).join(", ")}`);
  }
  const k = new Kernel(loadKernelModule(), { mem });
  if (procs.length === 0) return k.dmesg();
  return procs.map((p) => PROC_FILES[p](k)).join("");
}

/** faultline bench: the suites live in bench/, loaded only for this command. */
async function benchCommand(args: string[]): Promise<number> {
  if (args[0] === "--help" || args[0] === "-h") {
    process.stdout.write(BENCH_USAGE + "\n");
    return 0;
  }
  try {
    const { SUITES } = await import("../../bench/suites.js");
    return await bench(args, SUITES, (s) => process.stdout.write(s), (s) => process.stderr.write(s));
  } catch (e) {
    process.stderr.write(`faultline: ${(e as Error).message}\n`);
    return 1;
  }
}

export function main(argv: string[]): number | Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === "bench") return benchCommand(rest);
  try {
    let out: string;
    if (cmd === "run") {
      if (rest[0] === "--help" || rest[0] === "-h") out = RUN_USAGE + "\n";
      else return run(rest);
    } else if (cmd === "boot") out = boot(rest);
    else if (cmd === "demo") out = demo();
    else if (cmd === undefined || cmd === "--help" || cmd === "-h") {
      process.stdout.write(USAGE + "\n");
      return cmd === undefined ? 2 : 0;
    } else throw new Error(`unknown command ${cmd}\n${USAGE}`);
    process.stdout.write(out);
    return 0;
  } catch (e) {
    process.stderr.write(`faultline: ${(e as Error).message}\n`);
    return 1;
  }
}

void Promise.resolve(main(process.argv.slice(2))).then((code) => { process.exitCode = code; });
