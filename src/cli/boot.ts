// faultline boot [--mem SIZE] [--proc NAME]...: boot and print /proc files;
// and the command's usage, which names them. Loaded only for these (main.ts).

import { Kernel, DEFAULT_MEM } from "../kernel.js";
import { PROC_FILES } from "../proc/index.js";
import { parse, UsageError } from "./args.js";
import { loadKernelModule } from "./load.js";

export const USAGE = `usage: faultline boot [--mem SIZE] [--proc NAME]...
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

export function boot(args: string[]): string {
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
