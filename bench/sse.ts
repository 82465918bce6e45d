// The CPU suite's real workloads, built here with glibc's `gcc -O2 -static`:
// bench/native/sse_string.c spends its time in glibc's memset, memcpy,
// strlen and memchr, bench/native/libm_loop.c in exp, log, sin and pow. Each
// runs on both CPU models, as glibc picks other variants on each: AVX2
// string functions and FMA libm on x86-64-v3 (the default), SSE ones on
// x86-64-v2. Guest MIPS under faultline (the whole machine: kernel,
// syscalls, CPU) from the difference between two pass counts, so start-up
// cancels out, beside compute_loop's MIPS in the same run; the time against
// the native run (AVX2, or AVX-512 where the host has it); and the whole
// process against qemu-user when qemu-x86_64 is installed. Every run's
// stdout must equal the native run's where glibc takes the same variants
// (libm's SSE2 and FMA variants differ in the last bit).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CpuModelName } from "../src/cpu/model.js";
import { loadKernelModule, packageRoot } from "../src/cli/load.js";
import { Machine } from "../src/machine.js";
import { best, type Reporter } from "./report.js";

/** A workload: its program in bench/native, the pass counts of the small and large runs, what it runs. */
interface Workload { name: string; small: number; large: number; what: string; sameAsNative: (cpu: CpuModelName) => boolean }
const WORKLOADS: Workload[] = [
  { name: "sse_string", small: 20, large: 1000, what: "glibc's string functions", sameAsNative: () => true },
  { name: "libm_loop", small: 2, large: 22, what: "exp, log, sin, pow", sameAsNative: (cpu) => cpu === "x86-64-v3" },
];
const CPUS: CpuModelName[] = ["x86-64-v3", "x86-64-v2"];

/** Builds bench/native/`name`.c with the host's glibc, or null when gcc -static cannot here. */
export function buildWorkload(name: string): string | null {
  if (process.platform !== "linux" || process.arch !== "x64") return null;
  const exe = join(mkdtempSync(join(tmpdir(), "faultline-bench-")), name);
  try {
    execFileSync("gcc", ["-O2", "-static", "-o", exe, join(packageRoot(), `bench/native/${name}.c`), "-lm"], { stdio: "ignore" });
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

/**
 * One run of `exe PASSES` under faultline on a CPU of `cpu` (default: the
 * machine's): its stdout, instructions retired and milliseconds. Its stdout
 * must be the native run's, unless `native` is false.
 */
export function runWorkload(exe: string, passes: number, cpu?: CpuModelName, native = true): { stdout: string; insns: number; ms: number } {
  const elf = new Uint8Array(readFileSync(exe));
  const chunks: Uint8Array[] = [];
  const m = new Machine(loadKernelModule(), { mem: "64M", cpu, stdout: (b) => chunks.push(b.slice()) });
  const name = exe.slice(exe.lastIndexOf("/") + 1);
  const { value: end, ms } = time(() => {
    m.exec(elf, [`./${name}`, String(passes)]);
    return m.run();
  });
  if (end.kind !== "exit" || end.status !== 0) throw new Error(`${name} ${passes} under faultline: ${JSON.stringify(end)}`);
  const stdout = Buffer.concat(chunks).toString();
  const theirs = native ? execFileSync(exe, [String(passes)], { encoding: "utf8" }) : stdout;
  if (stdout !== theirs) throw new Error(`${name} ${passes}: faultline printed ${JSON.stringify(stdout)}, natively ${JSON.stringify(theirs)}`);
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
  for (const w of WORKLOADS) {
    const exe = buildWorkload(w.name);
    if (exe === null) {
      r.row(w.name, "not run", undefined, "needs x86-64 Linux and gcc -static");
      continue;
    }
    // natively 20x the passes, so that the run outlasts process start-up
    const na = best(5, () => ({ ms: wholeProcess(exe, [String(w.small)]) }));
    const nb = best(5, () => ({ ms: wholeProcess(exe, [String(w.large * 20)]) }));
    const nativeMsPerPass = (nb.ms - na.ms) / (w.large * 20 - w.small);
    const perPass: number[] = [];
    let large = { stdout: "", ms: 0 };
    for (const cpu of CPUS) {
      const same = w.sameAsNative(cpu);
      runWorkload(exe, w.small, cpu, same); // warm up the JIT
      const a = best(3, () => runWorkload(exe, w.small, cpu, same));
      const b = best(3, () => runWorkload(exe, w.large, cpu, same));
      if (cpu === CPUS[0]) large = b;
      const guestMips = (b.insns - a.insns) / ((b.ms - a.ms) * 1000);
      perPass.push((b.ms - a.ms) / (w.large - w.small));
      // no ratio column: natively glibc picks its own forms (AVX2 or AVX-512), other instructions
      r.row(`${w.name} (${w.what}) on ${cpu}, whole machine`, `${guestMips.toFixed(1)} MIPS`, undefined,
        `${(guestMips / computeMips).toFixed(2)}x compute_loop's MIPS; a pass ${(perPass.at(-1)! * 1e3).toFixed(0)} us, natively ${(nativeMsPerPass * 1e3).toFixed(1)} us` +
        (perPass.length > 1 ? `; ${CPUS[0]} takes ${(perPass[0] / perPass.at(-1)!).toFixed(2)}x this time` : ""));
    }
    if (hasQemu()) {
      const q = best(3, () => ({ ms: wholeProcess("qemu-x86_64", [exe, String(w.large)], large.stdout) }));
      r.row(`${w.name} ${w.large}, exec to exit under faultline (${CPUS[0]})`, `${large.ms.toFixed(1)} ms`, undefined,
        `qemu-x86_64 ${q.ms.toFixed(1)} ms: faultline takes ${(large.ms / q.ms).toFixed(2)}x qemu-user's time`);
    }
  }
}
