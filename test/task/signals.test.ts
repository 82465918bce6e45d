// Signal delivery against Linux: programs/src/signals.c's stdout and exit
// status are checked against their native runs in run_programs.test.ts;
// here the signals that arrive (strace's "--- SIG... ---" lines) are
// compared with strace's on the same binary, and a run is repeated to show
// it gives the same bytes.
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { binDir } from "../../programs/native.mjs";
import { loadKernelModule } from "../../src/cli/load.js";
import { Machine, type RunEnd } from "../../src/machine.js";
import { signalEnding } from "../../src/syscalls/index.js";
import { programPath } from "../helpers/program_cases.js";

const decoder = new TextDecoder();
const hasTool = (tool: string) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
const kernel = loadKernelModule("debug");

/** pids differ between runs; mmap-area addresses differ by the [vvar]/[vdso] pages faultline does not map. */
function normalize(line: string): string {
  return line
    .replace(/si_pid=\d+/, "si_pid=PID")
    .replace(/si_uid=\d+/, "si_uid=UID")
    .replace(/si_addr=0x7ff[0-9a-f]{9}/, "si_addr=MMAP");
}

function runFaultline(mode: string): { stdout: string; trace: string[]; end: RunEnd } {
  let stdout = "";
  const trace: string[] = [];
  const m = new Machine(kernel, { stdout: (b) => (stdout += decoder.decode(b)), traceSyscalls: (l) => trace.push(l) });
  m.exec(new Uint8Array(readFileSync(programPath({ program: "signals" }))), ["./signals", mode]);
  const end = m.run(1e8);
  // A fatal signal's arrival and "+++ killed by" lines are the machine's own.
  expect(m.kernel.checkInvariants(), m.kernel.dmesg()).toBe(0);
  return { stdout, trace, end };
}

function arrivals(lines: string[]): string[] {
  return lines.filter((l) => /^(---|\+\+\+)/.test(l)).map(normalize);
}

describe.runIf(process.platform === "linux" && process.arch === "x64" && hasTool("strace") && hasTool("setarch"))(
  "signals arrive as strace sees them natively",
  () => {
    for (const mode of ["catch", "term", "badstack", "norestorer"]) {
      it(mode, () => {
        const tool = (name: string) => execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).trim();
        const r = spawnSync(tool("setarch"), ["-R", tool("strace"), "-q", "-e", "trace=none", "-e", "signal=all", "./signals", mode], {
          cwd: binDir,
          env: {},
          encoding: "utf8",
        });
        const native = arrivals(r.stderr.split("\n"));
        expect(native.length).toBeGreaterThan(0);
        expect(arrivals(runFaultline(mode).trace)).toEqual(native);
      });
    }
  },
);

describe("signal delivery", () => {
  it("is deterministic: the same run twice gives the same bytes", () => {
    const a = runFaultline("catch");
    const b = runFaultline("catch");
    expect(a.end).toEqual({ kind: "exit", status: 0 });
    expect(b.stdout).toBe(a.stdout);
    expect(b.trace).toEqual(a.trace);
  });

  it("a frame that cannot be written forces SIGSEGV with SI_KERNEL, as Linux's force_sigsegv", () => {
    const { end } = runFaultline("badstack");
    expect(end.kind === "signal" && end.signal).toMatchObject({ signo: 11, code: 0x80, addr: 0 });
    expect(signalEnding((end as Extract<RunEnd, { kind: "signal" }>).signal).stderr).toMatch(/^faultline: SIGSEGV \(SI_KERNEL\)/);
  });
});
