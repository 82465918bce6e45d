// strace's decoding of the scheduling calls (its sched.c, ioprio.c,
// membarrier.c, personality.c) and of pkey_alloc, pkey_free and
// close_range: policies, priorities as "[n]", I/O priorities as
// IOPRIO_PRIO_VALUE(class, data), and the results a few of them name.
// (sched_setaffinity's mask and pkey_mprotect are trace.ts's, beside
// sched_getaffinity and mprotect.)

import { flags, flagsOrUnknown, hex, intAt, named, pointer, timespecAt, type Peek } from "./trace.js";

const POLICIES: Record<number, string> = {
  0: "SCHED_OTHER", 1: "SCHED_FIFO", 2: "SCHED_RR", 3: "SCHED_BATCH", 4: "SCHED_ISO", 5: "SCHED_IDLE", 6: "SCHED_DEADLINE",
};
const PERSONALITY_FLAGS: [number, string][] = [
  [0x0020000, "UNAME26"], [0x0040000, "ADDR_NO_RANDOMIZE"], [0x0080000, "FDPIC_FUNCPTRS"], [0x0100000, "MMAP_PAGE_ZERO"],
  [0x0200000, "ADDR_COMPAT_LAYOUT"], [0x0400000, "READ_IMPLIES_EXEC"], [0x0800000, "ADDR_LIMIT_32BIT"], [0x1000000, "SHORT_INODE"],
  [0x2000000, "WHOLE_SECONDS"], [0x4000000, "STICKY_TIMEOUTS"], [0x8000000, "ADDR_LIMIT_3GB"],
];
const IOPRIO_WHO: Record<number, string> = { 1: "IOPRIO_WHO_PROCESS", 2: "IOPRIO_WHO_PGRP", 3: "IOPRIO_WHO_USER" };
const IOPRIO_CLASS: Record<number, string> = { 0: "IOPRIO_CLASS_NONE", 1: "IOPRIO_CLASS_RT", 2: "IOPRIO_CLASS_BE", 3: "IOPRIO_CLASS_IDLE" };
const MEMBARRIER: [number, string][] = [
  [1, "MEMBARRIER_CMD_GLOBAL"], [2, "MEMBARRIER_CMD_GLOBAL_EXPEDITED"], [4, "MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED"],
  [8, "MEMBARRIER_CMD_PRIVATE_EXPEDITED"], [16, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED"],
  [32, "MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE"], [64, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE"],
  [128, "MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ"], [256, "MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ"],
];
const MEMBARRIER_CMD_FLAG_CPU = 1;
const CLOSE_RANGE: [number, string][] = [[2, "CLOSE_RANGE_UNSHARE"], [4, "CLOSE_RANGE_CLOEXEC"]];


/** A persona: PER_LINUX (the only one here) and its flags. */
function persona(v: number): string {
  const base = v & 0xff;
  return `${base === 0 ? "PER_LINUX" : hex(base)}${(v & ~0xff) !== 0 ? `|${flags(v & ~0xff, PERSONALITY_FLAGS)}` : ""}`;
}

/** An I/O priority as IOPRIO_PRIO_VALUE(class, data): the class is what lies above bit 13. */
function ioprio(v: number): string {
  return `IOPRIO_PRIO_VALUE(${named(v >>> 13, IOPRIO_CLASS, "IOPRIO_CLASS")}, ${v & 0x1fff})`;
}

/** The arguments of the scheduling calls, pkey_* and close_range, or undefined for another syscall. */
export function formatSchedArgs(nr: number, a: readonly number[], ret: number, peek: Peek): string | undefined {
  const ok = ret >= 0;
  switch (nr) {
    case 142: return `${a[0] | 0}, ${intAt(peek, a[1])}`; // sched_setparam
    case 143: return `${a[0] | 0}, ${ok ? intAt(peek, a[1]) : pointer(a[1])}`; // sched_getparam
    case 144: return `${a[0] | 0}, ${named(a[1] >>> 0, POLICIES, "SCHED")}, ${intAt(peek, a[2])}`; // sched_setscheduler
    case 145: return `${a[0] | 0}`; // sched_getscheduler
    case 146: case 147: return named(a[0] >>> 0, POLICIES, "SCHED"); // sched_get_priority_max, _min
    case 148: return `${a[0] | 0}, ${ok ? timespecAt(peek, a[1]) : hex(a[1])}`; // sched_rr_get_interval
    case 135: return (a[0] >>> 0) === 0xffffffff ? hex(a[0] >>> 0) : persona(a[0] >>> 0); // personality
    case 251: return `${named(a[0] >>> 0, IOPRIO_WHO, "IOPRIO_WHO")}, ${a[1] | 0}, ${ioprio(a[2] >>> 0)}`; // ioprio_set
    case 252: return `${named(a[0] >>> 0, IOPRIO_WHO, "IOPRIO_WHO")}, ${a[1] | 0}`; // ioprio_get
    case 324: { // membarrier(cmd, flags, cpu_id): cpu_id only with MEMBARRIER_CMD_FLAG_CPU
      const c = a[0] >>> 0;
      const cmd = c === 0 ? "MEMBARRIER_CMD_QUERY" : MEMBARRIER.find(([bit]) => bit === c)?.[1] ?? `${hex(c)} /* MEMBARRIER_CMD_??? */`;
      const f = a[1] >>> 0;
      return f & MEMBARRIER_CMD_FLAG_CPU ? `${cmd}, ${flags(f, [[1, "MEMBARRIER_CMD_FLAG_CPU"]])}, ${a[2] | 0}` : `${cmd}, ${hex(f)}`;
    }
    case 330: return `${hex(a[0] >>> 0)}, ${hex(a[1] >>> 0)}`; // pkey_alloc
    case 331: return `${a[0] | 0}`; // pkey_free
    case 436: return `${a[0] >>> 0}, ${a[1] >>> 0}, ${flagsOrUnknown(a[2] >>> 0, CLOSE_RANGE, "0", "CLOSE_RANGE")}`; // close_range
    default: return undefined;
  }
}

/** The result as strace names it for sched_getscheduler, personality, ioprio_get and membarrier's query; undefined otherwise. */
export function formatSchedResult(nr: number, a: readonly number[], ret: number): string | undefined {
  if (nr === 145 && POLICIES[ret] !== undefined) return `${ret} (${POLICIES[ret]})`;
  if (nr === 135) return `${ret === 0 ? "0" : hex(ret)} (${persona(ret)})`;
  if (nr === 252) return `${ret} (${ioprio(ret)})`;
  if (nr === 324 && (a[0] >>> 0) === 0) return `${hex(ret)} (${flags(ret, MEMBARRIER)})`;
  return undefined;
}
