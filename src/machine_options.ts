// The options a Machine takes, and the checks of their types and ranges
// (a wrong option is a TypeError or RangeError with Node's codes).

import type { HostFs } from "./fs/host.js";
import type { KernelOptions } from "./kernel.js";
import type { Machine } from "./machine.js";
import { argRangeError, argTypeError, withCode } from "./errors.js";
import { CPU_MODELS, type CpuModelName } from "./cpu/model.js";

export type THPMode = "never" | "madvise" | "always";
export const THP_MODES: readonly THPMode[] = ["never", "madvise", "always"];

/** The kernel's options, but for its Wasm imports, which the machine supplies itself. */
export interface MachineOptions extends Omit<KernelOptions, "env"> {
  /** Transparent huge pages: never | madvise | always (default madvise, Linux's usual). */
  thp?: THPMode;
  /**
   * Sysctls to set at boot, by sysctl(8)'s names: vm.swappiness,
   * vm.min_free_kbytes, vm.watermark_scale_factor, vm.overcommit_memory,
   * vm.overcommit_ratio, vm.page-cluster, vm.compaction_proactiveness,
   * transparent_hugepage.enabled, transparent_hugepage.defrag
   * (src/proc/sysctl.ts). Applied after thp.
   */
  sysctl?: Record<string, string | number>;
  /** Instructions a run may retire before it is stopped (default: no limit). */
  maxInsns?: number;
  /**
   * Runs of a block before it is translated to JavaScript (default 40; 0
   * translates every block before its first run, which tests use to check
   * the translation against the interpreter). Same results either way.
   */
  jitThreshold?: number;
  /**
   * The CPU model: x86-64-v3 (the default: AVX2, FMA, BMI1/2, F16C, XSAVE;
   * the signal frame carries the YMM state) or x86-64-v2 (SSE4.2, POPCNT).
   * What cpuid announces, and so what libc picks.
   */
  cpu?: CpuModelName;
  /**
   * What the guest reads from fd 0: all of it at once, or a reader asked for
   * at most `max` bytes each time the guest reads, called only then
   * (null or an empty array: end of file).
   */
  stdin?: Uint8Array | string | StdinReader;
  /** The environment exec gives the program when it is not given one (default: empty). */
  envp?: string[];
  stdout?: (bytes: Uint8Array) => void;
  stderr?: (bytes: Uint8Array) => void;
  /** Receives one strace-format line per syscall. */
  traceSyscalls?: (line: string) => void;
  /** Seeds getrandom, /dev/urandom and AT_RANDOM (default 1): same seed, same run. */
  seed?: number;
  /** The host's files, seen read-only at / (Node: src/cli's nodeHostFs; a page: a MemoryHostFs). Default: none. */
  fs?: HostFs;
  /** The guest's starting directory, absolute (default "/"). */
  cwd?: string;
  /** Called when the process has ended, before its mm is torn down (exit-time /proc views). */
  beforeExit?: (m: Machine) => void;
}

export interface RunAsyncOptions {
  /** Stops the run: runAsync rejects with the signal's reason. An AbortSignal, or any object whose throwIfAborted throws once the run is to stop. */
  signal?: Pick<AbortSignal, "throwIfAborted">;
  /** Instructions the run may retire (default: the machine's maxInsns, else no limit). */
  budget?: number;
  /** Instructions between two turns of the event loop (default 4M). */
  yieldEvery?: number;
}

/** Reads at most `max` bytes of the guest's stdin; null or empty at end of file. */
export type StdinReader = (max: number) => Uint8Array | null;

/** An instruction budget: a whole number of at least 1, or Infinity. */
export function checkBudget(name: string, n: unknown): void {
  if (typeof n !== "number") throw argTypeError(name, "a number", n);
  if (!(n >= 1 && (Number.isInteger(n) || n === Infinity))) throw argRangeError(name, "a whole number of at least 1, or Infinity", n);
}

export function checkStrings(name: string, list: unknown): void {
  if (!Array.isArray(list)) throw argTypeError(name, "an array of strings", list);
  list.forEach((s, i) => {
    if (typeof s !== "string") throw argTypeError(`${name}[${i}]`, "a string", s);
  });
}

/** The options' types and ranges (mem is the Kernel's to check). */
export function validateOptions(o: MachineOptions): void {
  if (typeof o !== "object" || o === null) throw argTypeError("options", "an object", o);
  if (o.thp !== undefined && !THP_MODES.includes(o.thp)) throw withCode(new TypeError(`options.thp must be never, madvise or always; got ${JSON.stringify(o.thp)}`), "ERR_INVALID_ARG_VALUE");
  if (o.zeroPage !== undefined && typeof o.zeroPage !== "boolean") throw argTypeError("options.zeroPage", "a boolean", o.zeroPage);
  if (o.cpu !== undefined && !CPU_MODELS.includes(o.cpu)) throw withCode(new TypeError(`options.cpu must be ${CPU_MODELS.join(" or ")}; got ${JSON.stringify(o.cpu)}`), "ERR_INVALID_ARG_VALUE");
  if (o.maxInsns !== undefined) checkBudget("options.maxInsns", o.maxInsns);
  if (o.jitThreshold !== undefined) {
    if (typeof o.jitThreshold !== "number") throw argTypeError("options.jitThreshold", "a number", o.jitThreshold);
    if (!(o.jitThreshold >= 0)) throw argRangeError("options.jitThreshold", "0 or more", o.jitThreshold);
  }
  if (o.seed !== undefined) {
    if (typeof o.seed !== "number") throw argTypeError("options.seed", "a number", o.seed);
    if (!Number.isSafeInteger(o.seed)) throw argRangeError("options.seed", "a whole number", o.seed);
  }
  if (o.envp !== undefined) checkStrings("options.envp", o.envp);
  if (o.sysctl !== undefined && (typeof o.sysctl !== "object" || o.sysctl === null)) throw argTypeError("options.sysctl", "an object", o.sysctl);
  const s = o.stdin;
  if (s !== undefined && typeof s !== "string" && typeof s !== "function" && !(s instanceof Uint8Array))
    throw argTypeError("options.stdin", "a string, a Uint8Array or a function", s);
  for (const name of ["stdout", "stderr", "traceSyscalls", "beforeExit"] as const) {
    if (o[name] !== undefined && typeof o[name] !== "function") throw argTypeError(`options.${name}`, "a function", o[name]);
  }
}

/** A stdin reader over bytes given up front. */
export function bytesReader(bytes: Uint8Array = new Uint8Array(0)): StdinReader {
  let at = 0;
  return (max) => {
    const chunk = bytes.subarray(at, at + max);
    at += chunk.length;
    return chunk;
  };
}
