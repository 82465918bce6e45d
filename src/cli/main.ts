// The faultline command.
//   faultline boot [--mem SIZE] [--proc NAME]...   boot and print /proc files
//   faultline run [options] PROGRAM [ARGS...]       run a static x86-64 Linux program (see run.ts)
//   faultline demo                                   a guest touching memory, and what the kernel did
//   faultline bench [--json] [SUITE...]              the benchmark suites, from a source checkout (see bench.ts)
// Exit status: the guest's for run; 2 for a usage error, 1 for any other failure.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { UsageError } from "./args.js";
import { packageRoot } from "./load.js";
import { err, out } from "./output.js";
import { run } from "./run.js";

// boot, demo, bench and the usage text are loaded when asked for: a run
// loads the machine's code only after it has started the kernel (run.ts).
const usage = async () => (await import("./boot.js")).USAGE;

/** faultline bench: the suites live in bench/, built in a source checkout only (npm run bench). */
async function benchCommand(args: string[]): Promise<number> {
  // Loaded here, as demo is below: a plain run need not parse them.
  const { bench, BENCH_USAGE, importSuites } = await import("./bench.js");
  if (args[0] === "--help" || args[0] === "-h") {
    out(BENCH_USAGE + "\n");
    return 0;
  }
  const suites = join(packageRoot(), "dist", "bench", "suites.js");
  if (!existsSync(suites)) {
    err("faultline: bench runs from a source checkout (git clone, then npm run bench); the installed package has no benchmarks\n");
    return 1;
  }
  return bench(args, await importSuites(suites), out, err);
}

function version(): string {
  return `faultline ${(JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version}\n`;
}

async function command(cmd: string | undefined, rest: string[]): Promise<number> {
  switch (cmd) {
    case "run": return run(rest);
    case "bench": return benchCommand(rest);
    case "boot": out((await import("./boot.js")).boot(rest)); return 0;
    case "demo": out((await import("./demo.js")).demo()); return 0;
    case "--version": case "-V": out(version()); return 0;
    case "--help": case "-h": out(await usage()); return 0;
    case undefined: err(await usage()); return 2;
    default: throw new UsageError(`unknown command ${cmd}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    return await command(cmd, rest);
  } catch (e) {
    const { message } = e as Error;
    if (e instanceof UsageError) {
      err(`faultline: ${message}\nTry 'faultline ${cmd === "run" || cmd === "boot" ? cmd + " " : ""}--help'.\n`);
      return 2;
    }
    err(`faultline: ${message}\n`);
    return 1;
  }
}

// Everything printed is written already (output.ts): exit at once.
void main(process.argv.slice(2)).then((code) => process.exit(code));
