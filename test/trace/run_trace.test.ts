// `faultline run --trace syscalls` against strace: every program case,
// run by the Machine (the Wasm kernel, the CPU, the loader and the syscall
// layer), traces the syscalls strace shows for its native run, with the
// same arguments and results (brk values, errno, ...), but for what
// differs by design (test/helpers/strace.ts). The compute cases, whose traces are
// only their writes, are left to test/programs/programs_model.test.ts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeHostFs } from "../../src/cli/host_fs.js";
import { describe, expect, it } from "vitest";
import { loadKernelModule } from "../../src/cli/load.js";
import { Machine } from "../../src/machine.js";
import { programArgv, programCases, programEnv, programPath, programsDir } from "../helpers/program_cases.js";
import { nativeTrace, normalizeFileTrace, normalizeTrace, straceHere } from "../helpers/strace.js";

const COMPUTE = ["compute_loop", "mem_sum", "sort", "hashtable", "sha256", "matmul", "sieve"];
/**
 * Not compared here: native strace without -f shows the parent only, with
 * the SIGCHLD that ptrace makes visible although its default action ignores
 * it; faultline traces every process. Their stdout and status are checked by
 * test/programs/run_programs.test.ts.
 */
const FORKS = ["fork_cow"];

describe.runIf(straceHere())("--trace syscalls under faultline prints what strace prints natively", () => {
  const kernel = loadKernelModule("release");
  for (const c of programCases.filter((c) => !COMPUTE.includes(c.program) && !FORKS.includes(c.program))) {
    it(c.name, () => {
      const trace: string[] = [];
      const m = new Machine(kernel, {
        stdin: c.stdin ?? "",
        traceSyscalls: (line) => trace.push(line),
        fs: nodeHostFs(),
        cwd: join(programsDir, "bin"),
      });
      m.exec(new Uint8Array(readFileSync(programPath(c))), programArgv(c), programEnv, programPath(c));
      // A fatal signal's arrival and "+++ killed by" lines are the machine's own.
      m.run(2e9);
      expect(normalizeFileTrace(trace.map(normalizeTrace))).toEqual(normalizeFileTrace(nativeTrace(c).map(normalizeTrace)));
    });
  }
});
