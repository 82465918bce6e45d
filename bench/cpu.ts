// CPU benchmark: guest MIPS on the register-only compute loop and on the
// load-heavy memory sum, run on the CPU alone (a flat page map), against the
// same binaries run natively; then glibc's SSE2 string functions in a real
// program on the whole machine (bench/sse.ts). Each figure comes from the difference between
// two run lengths, so start-up (decoding, process creation) cancels out.
// Then the same two programs as whole processes, `faultline run` net of
// `faultline run hello` (a user's view: exec, the JIT's warm-up, exit),
// beside qemu-user net of its own hello when qemu-x86_64 is installed. Last,
// the JIT's warm-up where it weighs most: a busybox shell loop, a flat
// profile of some 800 blocks each run a few thousand times.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { loadElf } from "../test/cpu/flat.js";
import { best, type Reporter } from "./report.js";
import { hasQemu, sseRows, wholeProcess } from "./sse.js";

interface CpuBenchResult {
  name: string;
  guestMips: number;
  nativeMips: number | null;
  /** Instructions retired at argument n: measured at two arguments, linear in between and beyond. */
  insnsAt: (n: number) => number;
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
  // the large run's own rate, its translation and V8's warm-up included: the difference of the two runs' times
  // swung with V8's tiering of the small one (one run read 58,856 MIPS, another a negative rate)
  const guestMips = b.insns / (b.ms * 1000);
  let nativeMips: number | null = null;
  if (process.platform === "linux" && process.arch === "x64") {
    const na = best(5, () => ({ ms: native(program, small) }));
    const nb = best(5, () => ({ ms: native(program, large * 20) }));
    // the native run does 20x the large workload so that it outlasts process start-up
    const nInsns = (b.insns - a.insns) * ((large * 20 - small) / (large - small));
    nativeMips = nInsns / ((nb.ms - na.ms) * 1000);
  }
  const insnsAt = (n: number): number => a.insns + (b.insns - a.insns) * ((n - small) / (large - small));
  return { name, guestMips, nativeMips, insnsAt };
}

const CLI = new URL("../cli/faultline.js", import.meta.url).pathname;

/** Best-of-3 milliseconds of `cmd ... argv` as a whole process (its stdout `expected`, when given), net of the same for hello. */
function netOfHello(cmd: string[], argv: string[], expected?: string): number {
  const run = (args: string[], out?: string) => wholeProcess(cmd[0], [...cmd.slice(1), ...args], out);
  const hello = best(3, () => ({ ms: run([new URL("hello", BIN).pathname]) }));
  const prog = best(3, () => ({ ms: run(argv, expected) }));
  return prog.ms - hello.ms;
}

/** Guest MIPS of whole processes, net of hello: faultline, and qemu-user beside it when installed. */
function wholeProcessRows(r: Reporter, res: CpuBenchResult, program: string, arg: number): void {
  const insns = res.insnsAt(arg);
  const argv = [new URL(program, BIN).pathname, String(arg)];
  const ours = insns / (netOfHello([process.execPath, CLI, "run"], argv) * 1000);
  if (!hasQemu()) {
    r.row(`${program} ${arg}, whole process net of hello`, `${ours.toFixed(1)} MIPS`, undefined, "qemu-x86_64 not installed");
    return;
  }
  const qemu = insns / (netOfHello(["qemu-x86_64"], argv) * 1000);
  r.row(`${program} ${arg}, whole process net of hello`, `${ours.toFixed(1)} MIPS`, undefined,
    `qemu-user ${qemu.toFixed(0)} MIPS: faultline at ${(ours / qemu).toFixed(2)}x qemu-user's speed`);
}

/** busybox's sh counting to 3,000: 38 M instructions of a shell's parsing and arithmetic, no syscall in the loop. */
const SH_LOOP = ["sh", "-c", "i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done; echo $i"];
const BUSYBOX = "/bin/busybox";

/**
 * The shell loop as a whole process net of hello: with the JIT (the
 * default), with every block left to the Ops (a threshold no block
 * reaches), and under qemu-user when installed.
 */
function warmUpRows(r: Reporter): void {
  const what = "busybox sh, a loop of 3,000 passes (a flat profile), whole process net of hello";
  if (!existsSync(BUSYBOX)) {
    r.row(what, "not run", undefined, `needs ${BUSYBOX} (busybox-static)`);
    return;
  }
  const net = (cmd: string[]): number => netOfHello(cmd, [BUSYBOX, ...SH_LOOP], "3000\n");
  const ours = net([process.execPath, CLI, "run"]);
  const ops = net([process.execPath, CLI, "run", "--jit-threshold", String(2 ** 31)]);
  const qemu = hasQemu() ? net(["qemu-x86_64"]) : null;
  r.row(what, `${ours.toFixed(0)} ms`, undefined,
    `without translation ${ops.toFixed(0)} ms (the JIT takes ${(ours / ops).toFixed(2)}x that time)` +
    (qemu === null ? "; qemu-x86_64 not installed" : `; qemu-x86_64 ${qemu.toFixed(0)} ms: faultline takes ${(ours / qemu).toFixed(1)}x qemu-user's time`));
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
  wholeProcessRows(r, results[0], "compute_loop", 100_000_000);
  wholeProcessRows(r, results[1], "mem_sum", 640);
  sseRows(r, results[0].guestMips);
  warmUpRows(r);
}
