// CPU benchmark: guest MIPS on the register-only compute loop and on the
// load-heavy memory sum, run on the CPU alone (a flat page map), against the
// same binaries run natively; then glibc's SSE2 string functions in a real
// program on the whole machine (bench/sse.ts). Each figure comes from the difference between
// two run lengths, so start-up (decoding, process creation) cancels out.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadElf } from "../test/cpu/flat.js";
import { best, type Reporter } from "./report.js";
import { sseRows } from "./sse.js";

interface CpuBenchResult {
  name: string;
  guestMips: number;
  nativeMips: number | null;
}

const BIN = new URL("../../programs/bin/", import.meta.url);

function emulate(program: string, arg: number): { insns: number; ms: number } {
  const file = new Uint8Array(readFileSync(new URL(program, BIN)));
  const m = loadElf(file, ["./" + program, String(arg)]);
  const t0 = performance.now();
  m.runProgram(1e12);
  const ms = performance.now() - t0;
  return { insns: m.cpu.retired, ms };
}

function native(program: string, arg: number): number {
  const t0 = performance.now();
  execFileSync(new URL(program, BIN).pathname, [String(arg)]);
  return performance.now() - t0;
}

function measure(name: string, program: string, small: number, large: number): CpuBenchResult {
  emulate(program, small); // warm up the JIT
  const a = best(3, () => emulate(program, small));
  const b = best(3, () => emulate(program, large));
  const insns = b.insns - a.insns;
  const guestMips = insns / ((b.ms - a.ms) * 1000);
  let nativeMips: number | null = null;
  if (process.platform === "linux" && process.arch === "x64") {
    const na = best(5, () => ({ ms: native(program, small) }));
    const nb = best(5, () => ({ ms: native(program, large * 20) }));
    // the native run does 20x the large workload so that it outlasts process start-up
    const nInsns = (b.insns - a.insns) * ((large * 20 - small) / (large - small));
    nativeMips = nInsns / ((nb.ms - na.ms) * 1000);
  }
  return { name, guestMips, nativeMips };
}

/** The suite for bench/main.ts. */
export async function cpuBench(r: Reporter): Promise<void> {
  r.section("CPU: guest MIPS on the CPU alone (flat page map), translated blocks");
  const results = [
    measure("compute_loop (register-only)", "compute_loop", 100_000, 3_000_000),
    measure("mem_sum (load-heavy)", "mem_sum", 1, 64),
  ];
  for (const res of results) {
    const ratio = res.nativeMips === null ? undefined : res.guestMips / res.nativeMips;
    r.row(res.name, `${res.guestMips.toFixed(1)} MIPS`, ratio, res.nativeMips === null ? "no native run here" : `native ${res.nativeMips.toFixed(0)} MIPS`);
  }
  sseRows(r, results[0].guestMips);
}
