// /proc/self/*: the views of the running program's address space, by name,
// and the --pagemap lookups. Browser-safe.

import { PAGE_SIZE, PMD_SHIFT, TASK_SIZE } from "../abi.js";
import { EINVAL } from "../syscalls/errno.js";
import { nodemaskBitmap, pagemapLine, procMaps, procSmaps, procSmapsRollup, taskMem } from "./task_mmu.js";
import { nodeList } from "./node.js";
import type { MmCounters, MmReader } from "./mm_reader.js";
import type { FdTable } from "../fs/fdtable.js";
import { procSyscall, procWchan, type SyscallInfo } from "./base.js";
import { procNumaMaps } from "./numa_maps.js";

/** The task whose address space the views show (its mm must be current for the walks). */
export interface TaskView {
  mm: MmReader;
  handle: number;   // the mm_struct handle (mm_create)
  comm: string;     // the program's name, as /proc/self/status's Name:
  task?: TaskStat;  // the process's own fields, for stat
  memoryNodes?: number[];  // the nodes with memory, numa_maps' N<node>= columns (default: node 0)
  /** The auxiliary vector exec laid out (mm->saved_auxv), AT_NULL last: what /proc/<pid>/auxv's open found. */
  auxv?: readonly (readonly [number, number])[];
  /** Reads the process's memory (access_remote_vm): the bytes, or null where nothing is mapped. */
  read?: (addr: number, len: number) => Uint8Array | null;
}

/** What /proc/<pid>/stat and status show beyond the mm (do_task_stat's and proc_pid_status's fields). */
export interface TaskStat {
  pid: number;
  tgid: number;
  ppid: number;
  pgrp: number;
  session: number;
  /** R (running or runnable), S (asleep in a syscall), Z (zombie). */
  state: string;
  /** Its nice value, scheduling policy (SCHED_*) and real-time priority (sched_setscheduler's). */
  nice: number;
  policy: number;
  rtPriority: number;
  /** Its reaped children's minor and major faults. */
  cminflt: number;
  cmajflt: number;
  /** User time of it and of its reaped children, in instructions (one is a nanosecond). */
  retired: number;
  childRetired: number;
  /** Signal bitmasks: pending, blocked, ignored, caught. */
  signals: [bigint, bigint, bigint, bigint];
  /** The process's shared pending signals (ShdPnd:). */
  sharedPending: bigint;
  /** SigQ: signals queued to its user's tasks. */
  sigQueued: number;
  /** Its credentials (task->cred): the ids, real, effective, saved, fs; the groups; the capability sets. */
  cred: {
    uid: number; euid: number; suid: number; fsuid: number; gid: number; egid: number; sgid: number; fsgid: number;
    groups: readonly number[]; capInheritable: bigint; capPermitted: bigint; capEffective: bigint;
  };
  /** Its resource limits, [soft, hard] by RLIMIT_* number (Infinity: RLIM_INFINITY). */
  rlimits: readonly (readonly number[])[];
  /** The fs_struct's umask; null once the task has exited. */
  umask: number | null;
  /** Its fd table's size (FDSize:). */
  fdSize: number;
  /** Voluntary and involuntary context switches. */
  nvcsw: number;
  nivcsw: number;
  exitSignal: number;
  /** Threads in its process (num_threads, Threads:). */
  threads: number;
  /** task->exit_code: its wait status once it has exited (stat's last field), else 0. */
  exitCode: number;
  /** A zombie's own minor and major faults (the mm that counted them is gone). */
  endFaults?: { min_flt: number; maj_flt: number };
  /** A thread's own minor and major faults (task/<tid>/stat); a process's are its mm's. */
  ownFaults?: { min_flt: number; maj_flt: number };
  /** The syscall it is in, for syscall and wchan. */
  syscall?: SyscallInfo;
  /** Its fd table (null once it has exited): what kind of file a sleeping read waits on. */
  files?: FdTable | null;
}

/** A view of the address space: nothing for a task that has none (a zombie: exit_mm), as Linux's files show it. */
const withMm = (view: (t: TaskView) => string) => (t: TaskView) => (t.handle === 0 ? "" : view(t));

export const SELF_FILES: Record<string, (t: TaskView) => string> = {
  "self/maps": withMm((t) => procMaps(t.mm.vmas(t.handle), t.mm.mm(t.handle))),
  "self/comm": (t) => `${t.comm.slice(0, 15)}\n`,
  "self/status": (t) => procStatus(t),
  "self/stat": (t) => procStat(t),
  "self/cmdline": withMm((t) => procCmdline(t)),
  "self/environ": withMm((t) => {
    const mm = t.mm.mm(t.handle);
    return mm.env_end > mm.env_start ? text(t.read?.(mm.env_start, mm.env_end - mm.env_start)) : "";
  }),
  "self/limits": (t) => procLimits(t),
  "self/wchan": (t) => procWchan(t.task?.syscall ?? null, t.task?.state === "S", t.task?.files ?? null),
  "self/statm": (t) => procStatm(t.handle ? t.mm.mm(t.handle) : NO_MM),
  "self/numa_maps": withMm((t) => procNumaMaps(t)),
  "self/smaps": withMm((t) => procSmaps(t.mm.vmas(t.handle), t.mm.mm(t.handle), (v) => t.mm.smaps(t.handle, v.start, v.end))),
  "self/smaps_rollup": withMm((t) => {
    const vmas = t.mm.vmas(t.handle);
    return procSmapsRollup(vmas, t.mm.smaps(t.handle, 0, vmas.length ? vmas[vmas.length - 1].end : 0));
  }),
};

/** The files whose open takes the task's mm (proc_mem_open) and fails without one (a zombie's): ESRCH. */
export const MM_AT_OPEN = new Set(["self/environ", "self/smaps_rollup", "self/pagemap", "self/auxv"]);

/** `--pagemap ADDR,...`: one line per address (pagemap entry and its fields). */
export function pagemap(t: TaskView, addresses: number[]): string {
  return addresses.map((va) => pagemapLine(va, t.mm.pagemap(va, 1)[0])).join("");
}

/** A /proc file's read op (FileData.readOp): the first bytes of [pos, pos + count), none at the end, or -errno. */
export type ProcRead<T> = (of: T, pos: number, count: number) => Uint8Array | number;

/** PM_ENTRY_BYTES: one pagemap entry, one page. */
const PM_ENTRY_BYTES = 8;
/** PAGEMAP_WALK_SIZE: a read walks a pmd's worth of pages at a time. */
const PAGEMAP_WALK_SIZE = 2 ** PMD_SHIFT;

/**
 * pagemap_read: the entries of the pages from pos / 8 on, up to the end of
 * the pmd's worth the first one is in; none at or past TASK_SIZE; EINVAL
 * unless pos and count are whole entries.
 */
const pagemapRead: ProcRead<TaskView> = (t, pos, count) => {
  if (!t.handle) return NOTHING;
  if (pos % PM_ENTRY_BYTES || count % PM_ENTRY_BYTES) return -EINVAL;
  const va = (pos / PM_ENTRY_BYTES) * PAGE_SIZE;
  if (va >= TASK_SIZE) return NOTHING;
  const end = Math.min(TASK_SIZE, (Math.floor(va / PAGEMAP_WALK_SIZE) + 1) * PAGEMAP_WALK_SIZE, va + (count / PM_ENTRY_BYTES) * PAGE_SIZE);
  return new Uint8Array(t.mm.pagemap(va, (end - va) / PAGE_SIZE).buffer);
};

/** What a read past the end, or of a task with no mm left, gets. */
const NOTHING = new Uint8Array(0);

/** [pos, pos + count) of `bytes` (simple_read_from_buffer). */
const slice = (bytes: Uint8Array, pos: number, count: number) => bytes.subarray(Math.min(pos, bytes.length), Math.min(pos + count, bytes.length));

/** auxv_read: the saved auxiliary vector of the mm the open found (an exec or an exit since leave it), AT_NULL's pair included, as 64-bit words. */
const auxvRead: ProcRead<TaskView> = (t, pos, count) => {
  const words = new BigUint64Array((t.auxv ?? []).flatMap(([type, value]) => [BigInt(type), BigInt(value)]));
  return slice(new Uint8Array(words.buffer), pos, count);
};

/**
 * The /proc/<pid> files with a read op of their own, by "self/" name: each
 * reads the task anew (its mm current, for the walks). syscall is one: its
 * text is made at the read, as seq_file's show runs then, so the reader's
 * own is the read it is in.
 */
export const SELF_READS: Record<string, ProcRead<TaskView>> = {
  "self/pagemap": pagemapRead,
  "self/auxv": auxvRead,
  "self/syscall": (t, pos, count) => slice(new TextEncoder().encode(procSyscall(t.task?.syscall ?? null)), pos, count),
};

const decoder = new TextDecoder();
const text = (bytes: Uint8Array | null | undefined) => (bytes ? decoder.decode(bytes) : "");

/**
 * /proc/<pid>/cmdline (get_mm_cmdline): the argument strings as exec left
 * them; when the last one no longer ends in NUL (setproctitle wrote over
 * it), the area, on into the environment, is one string: up to its first NUL.
 */
function procCmdline(t: TaskView): string {
  const mm = t.mm.mm(t.handle);
  if (mm.arg_start >= mm.arg_end || !t.read) return "";
  const last = t.read(mm.arg_end - 1, 1);
  if (!last || last[0] === 0) return text(t.read(mm.arg_start, mm.arg_end - mm.arg_start));
  const end = mm.env_start === mm.arg_end && mm.env_end >= mm.env_start ? mm.env_end : mm.arg_end;
  const all = t.read(mm.arg_start, end - mm.arg_start);
  if (!all) return "";
  const nul = all.indexOf(0);
  return text(nul < 0 ? all : all.subarray(0, nul + 1));
}

/** USER_HZ: /proc's clock ticks per second. */
const USER_HZ = 100;

/** /proc/<pid>/stat (fs/proc/array.c, do_task_stat): 52 fields; those faultline has no source for are 0, as for a kernel thread. */
export function procStat(t: TaskView): string {
  const mm = t.handle ? t.mm.mm(t.handle) : NO_MM;
  const s = t.task;
  if (!s) throw new Error("stat: no task");
  const { min_flt, maj_flt } = s.ownFaults ?? s.endFaults ?? mm;
  const ticks = (ns: number) => Math.floor(ns / (1e9 / USER_HZ));
  const rss = mm.rss.anon + mm.rss.file + mm.rss.shmem;
  return [
    s.pid, `(${t.comm})`, s.state, s.ppid, s.pgrp, s.session, 0, -1, 0, min_flt, s.cminflt, maj_flt, s.cmajflt,
    ticks(s.retired), 0, ticks(s.childRetired), 0, priority(s), s.nice, s.threads, 0, 0, mm.total_vm * 4096, rss, "18446744073709551615",
    mm.start_code, mm.end_code, mm.start_stack, 0, 0, ...s.signals, 0, 0, 0, s.exitSignal, 0, s.rtPriority, s.policy, 0, 0, 0,
    mm.start_data, mm.end_data, mm.start_brk, mm.arg_start, mm.arg_end, mm.env_start, mm.env_end, s.exitCode,
  ].join(" ") + "\n";
}

/** task_prio: 20 + nice for a fair task, -1 - its real-time priority under SCHED_FIFO or SCHED_RR. */
function priority(s: TaskStat): number {
  return s.rtPriority !== 0 ? -1 - s.rtPriority : 20 + s.nice;
}

/**
 * /proc/<pid>/statm (proc_pid_statm, task_statm), in pages: the size, the
 * resident set, its shared part (file and shmem pages), the text, 0 (lib),
 * the data and stack, 0 (dirty pages, unused since 2.6).
 */
export function procStatm(mm: MmCounters): string {
  const shared = mm.rss.file + mm.rss.shmem;
  const text = Math.ceil(mm.end_code / PAGE_SIZE) - Math.floor(mm.start_code / PAGE_SIZE);
  return `${mm.total_vm} ${shared + mm.rss.anon} ${shared} ${text} 0 ${mm.data_vm + mm.stack_vm} 0\n`;
}

/** What stat and statm show of a task with no mm: every field 0. */
const NO_MM: MmCounters = {
  rss: { file: 0, anon: 0, swapents: 0, shmem: 0 }, hiwater_rss: 0, hiwater_vm: 0, total_vm: 0, locked_vm: 0, data_vm: 0, exec_vm: 0,
  stack_vm: 0, pgtables_bytes: 0, min_flt: 0, maj_flt: 0, map_count: 0, start_code: 0, end_code: 0, start_data: 0, end_data: 0,
  start_brk: 0, brk: 0, start_stack: 0, arg_start: 0, arg_end: 0, env_start: 0, env_end: 0,
};

/** fs/proc/array.c's task_state_array: the letter and word of each state. */
const STATE_NAMES: Record<string, string> = { R: "R (running)", S: "S (sleeping)", Z: "Z (zombie)" };

/** A full capability set: CAP_LAST_CAP is 40 (CAP_CHECKPOINT_RESTORE). */
const CAP_FULL_SET = "000001ffffffffff";
/** A capability set as render_cap_t prints it. */
const capSet = (set: bigint) => set.toString(16).padStart(16, "0");

/** render_sigset_t: 64 signals as 16 hex digits. */
const sigset = (name: string, set: bigint) => `${name}:\t${set.toString(16).padStart(16, "0")}\n`;

/** An rlimit as an unsigned long: RLIM_INFINITY is ~0UL. */
const rlim = (v: number) => (v === Infinity ? "18446744073709551615" : String(v));

const RLIMIT_SIGPENDING = 11;

/** proc_pid_limits' names and units, by RLIMIT_* number. */
const LIMIT_NAMES: readonly (readonly [string, string?])[] = [
  ["Max cpu time", "seconds"], ["Max file size", "bytes"], ["Max data size", "bytes"], ["Max stack size", "bytes"],
  ["Max core file size", "bytes"], ["Max resident set", "bytes"], ["Max processes", "processes"], ["Max open files", "files"],
  ["Max locked memory", "bytes"], ["Max address space", "bytes"], ["Max file locks", "locks"], ["Max pending signals", "signals"],
  ["Max msgqueue size", "bytes"], ["Max nice priority"], ["Max realtime priority"], ["Max realtime timeout", "us"],
];

/** /proc/<pid>/limits (proc_pid_limits): each limit's soft and hard value, "unlimited" for RLIM_INFINITY, and its unit. */
export function procLimits(t: TaskView): string {
  const s = t.task;
  if (!s) throw new Error("limits: no task");
  const value = (v: number) => (v === Infinity ? "unlimited" : String(v)).padEnd(20) + " ";
  return "Limit                     Soft Limit           Hard Limit           Units     \n"
    + LIMIT_NAMES.map(([name, unit], i) => name.padEnd(25) + " " + value(s.rlimits[i][0]) + value(s.rlimits[i][1])
      + (unit ? unit.padEnd(10) : "") + "\n").join("");
}

/**
 * /proc/<pid>/status (proc_pid_status): task_name, task_state, task_mem,
 * task_sig, task_cap, task_seccomp, task_cpus_allowed, cpuset's Mems_allowed
 * and the context switches, in Linux's order and formats. What faultline
 * has no source for is what Linux shows for the same state: the bounding
 * set is full and no capability inheritable or ambient; nothing traces, numa-balances or
 * filters it (TracerPid, Ngid, Seccomp 0); THP is not disabled (no
 * PR_SET_THP_DISABLE); the CPU, which does not speculate, is "not
 * affected"; there is one CPU and one pid namespace.
 */
export function procStatus(t: TaskView): string {
  const s = t.task;
  if (!s) throw new Error("status: no task");
  const [pending, blocked, ignored, caught] = s.signals;
  const c = s.cred;
  const nodes = t.memoryNodes ?? [0];
  return `Name:\t${t.comm.slice(0, 15)}\n`
    + (s.umask === null ? "" : `Umask:\t${s.umask.toString(8).padStart(4, "0")}\n`)
    + `State:\t${STATE_NAMES[s.state]}\n`
    + `Tgid:\t${s.tgid}\nNgid:\t0\nPid:\t${s.pid}\nPPid:\t${s.ppid}\nTracerPid:\t0\n`
    + `Uid:\t${c.uid}\t${c.euid}\t${c.suid}\t${c.fsuid}\nGid:\t${c.gid}\t${c.egid}\t${c.sgid}\t${c.fsgid}\n`
    + `FDSize:\t${s.fdSize}\nGroups:\t${c.groups.join(" ")} \n`
    + `NStgid:\t${s.tgid}\nNSpid:\t${s.pid}\nNSpgid:\t${s.pgrp}\nNSsid:\t${s.session}\nKthread:\t0\n`
    // A task without an mm (exit_mm) has no memory lines.
    + (t.handle === 0 ? "" : taskMem(t.mm.mm(t.handle)) + "CoreDumping:\t0\nTHP_enabled:\t1\nuntag_mask:\t0xffffffffffffffff\n")
    + `Threads:\t${s.threads}\nSigQ:\t${s.sigQueued}/${rlim(s.rlimits[RLIMIT_SIGPENDING][0])}\n`
    + sigset("SigPnd", pending) + sigset("ShdPnd", s.sharedPending) + sigset("SigBlk", blocked)
    + sigset("SigIgn", ignored) + sigset("SigCgt", caught)
    + `CapInh:\t${capSet(c.capInheritable)}\nCapPrm:\t${capSet(c.capPermitted)}\nCapEff:\t${capSet(c.capEffective)}\nCapBnd:\t${CAP_FULL_SET}\nCapAmb:\t${"0".repeat(16)}\n`
    + "NoNewPrivs:\t0\nSeccomp:\t0\nSeccomp_filters:\t0\n"
    + "Speculation_Store_Bypass:\tnot vulnerable\nSpeculationIndirectBranch:\tnot affected\n"
    + "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n"
    + `Mems_allowed:\t${nodemaskBitmap(nodes)}\nMems_allowed_list:\t${nodeList(nodes)}\n`
    + `voluntary_ctxt_switches:\t${s.nvcsw}\nnonvoluntary_ctxt_switches:\t${s.nivcsw}\n`;
}
