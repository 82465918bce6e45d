// The CPU suite's SSE-heavy real workload: bench/native/sse_string.c, built
// here with glibc's `gcc -O2 -static`, spends its time in glibc's SSE2
// memset, memcpy, strlen and memchr. Guest MIPS under faultline (the whole
// machine: kernel, syscalls, CPU) from the difference between two pass
// counts, so start-up cancels out, beside compute_loop's MIPS in the same
// run; the time against the native run (which picks its own, AVX, string
// functions); and the whole process against qemu-user when qemu-x86_64 is
// installed. Every run's stdout must equal the native run's.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadKernelModule, packageRoot } from "../src/cli/load.js";
import { Machine } from "../src/machine.js";
import { best, type Reporter } from "./report.js";

const SMALL = 20, LARGE = 1000;

/** Builds sse_string with the host's glibc, or null when gcc -static cannot here. */
export function buildSseString(): string | null {
  if (process.platform !== "linux" || process.arch !== "x64") return null;
  const exe = join(mkdtempSync(join(tmpdir(), "faultline-bench-")), "sse_string");
  try {
    execFileSync("gcc", ["-O2", "-static", "-o", exe, join(packageRoot(), "bench/native/sse_string.c")], { stdio: "ignore" });
  } catch {
    return null;
  }
  return exe;
}

const time = <T>(f: () => T): { value: T; ms: number } => {
  const t0 = performance.now();
  const value = f();
  return { value, ms: performance.now() - t0 };
};

/** One run of `exe PASSES` under faultline: its stdout, instructions retired and milliseconds. */
export function runSseString(exe: string, passes: number): { stdout: string; insns: number; ms: number } {
  const elf = new Uint8Array(readFileSync(exe));
  const chunks: Uint8Array[] = [];
  const m = new Machine(loadKernelModule(), { mem: "64M", stdout: (b) => chunks.push(b.slice()) });
  const { value: end, ms } = time(() => {
    m.exec(elf, ["./sse_string", String(passes)]);
    return m.run();
  });
  if (end.kind !== "exit" || end.status !== 0) throw new Error(`sse_string ${passes} under faultline: ${JSON.stringify(end)}`);
  const stdout = Buffer.concat(chunks).toString();
  const native = execFileSync(exe, [String(passes)], { encoding: "utf8" });
  if (stdout !== native) throw new Error(`sse_string ${passes}: faultline printed ${JSON.stringify(stdout)}, natively ${JSON.stringify(native)}`);
  return { stdout, insns: m.cpu.retired, ms };
}

/** Milliseconds of `cmd args` as a whole process, its stdout checked against `expected` when given. */
export function wholeProcess(cmd: string, args: string[], expected?: string): number {
  const { value, ms } = time(() => execFileSync(cmd, args, { encoding: "utf8" }));
  if (expected !== undefined && value !== expected) throw new Error(`${cmd} ${args.join(" ")} printed ${JSON.stringify(value)}, natively ${JSON.stringify(expected)}`);
  return ms;
}

export function hasQemu(): boolean {
  try {
    execFileSync("qemu-x86_64", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** The rows for bench/cpu.ts, `computeMips` being compute_loop's MIPS in the same run. */
export function sseRows(r: Reporter, computeMips: number): void {
  const exe = buildSseString();
  if (exe === null) {
    r.row("sse_string", "not run", undefined, "needs x86-64 Linux and gcc -static");
    return;
  }
  runSseString(exe, SMALL); // warm up the JIT
  const a = best(3, () => runSseString(exe, SMALL));
  const b = best(3, () => runSseString(exe, LARGE));
  const guestMips = (b.insns - a.insns) / ((b.ms - a.ms) * 1000);
  const msPerPass = (b.ms - a.ms) / (LARGE - SMALL);
  // natively 20x the passes, so that the run outlasts process start-up
  const na = best(5, () => ({ ms: wholeProcess(exe, [String(SMALL)], a.stdout) }));
  const nb = best(5, () => ({ ms: wholeProcess(exe, [String(LARGE * 20)]) }));
  const nativeMsPerPass = (nb.ms - na.ms) / (LARGE * 20 - SMALL);
  // no ratio column: natively glibc picks its AVX forms, other instructions
  r.row("sse_string (glibc SSE2, whole machine)", `${guestMips.toFixed(1)} MIPS`, undefined,
    `${(guestMips / computeMips).toFixed(2)}x compute_loop's MIPS; a pass ${(msPerPass * 1e3).toFixed(0)} us, natively ${(nativeMsPerPass * 1e3).toFixed(1)} us with AVX`);
  if (hasQemu()) {
    const q = best(3, () => ({ ms: wholeProcess("qemu-x86_64", [exe, String(LARGE)], b.stdout) }));
    r.row(`sse_string ${LARGE}, exec to exit under faultline`, `${b.ms.toFixed(1)} ms`, undefined,
      `qemu-x86_64 ${q.ms.toFixed(1)} ms: faultline takes ${(b.ms / q.ms).toFixed(2)}x qemu-user's time`);
  }
}
