// A thread (Linux's task_struct): its pid (the tid) and family, its thread
// group (the process: tgid, the threads that share its mm, files and signal
// handlers), its saved registers while another task has the CPU, its mm,
// its syscall state (fd table, cwd, limits: a Syscalls), its signals, and
// how it ended once it is a zombie. Browser-safe.

import { CpuState } from "../cpu/state.js";
import type { ExecImage } from "../loader/index.js";
import type { FileData } from "../fs/file_data.js";
import type { Syscalls, FatalSignal } from "../syscalls/index.js";
import type { Signals } from "./signal.js";
import type { FutexWaiter } from "./futex.js";
import { ERESTARTSYS } from "../syscalls/errno.js";
import { ProcessTimers } from "./timers.js";
import { HrtimerBase } from "./hrtimer.js";
import { Cred } from "./cred.js";

/** How a process ended: exit(status), or a fatal signal. */
export type TaskEnd = { kind: "exit"; status: number } | { kind: "signal"; signal: FatalSignal };

/**
 * A process as its threads share it (the kernel's signal_struct): the
 * leader, whose pid is the tgid, and the threads that have not exited yet.
 */
export class ThreadGroup {
  /** Threads not yet exited, leader first while it lives. */
  readonly threads: Task[] = [];
  /** SIGNAL_GROUP_EXIT: exit_group or a fatal signal ended every thread, and wait4 reports this. */
  groupExit: TaskEnd | null = null;
  /** Instructions of the threads that have exited (signal->utime): RUSAGE_SELF adds them. */
  exitedRetired = 0;
  /** Its interval timers and POSIX timers (src/task/timers.ts). */
  readonly timers = new ProcessTimers();
  constructor(public leader: Task) {}
}

export class Task {
  /** The registers (x87 and SSE included) while the task is off the CPU. */
  readonly regs = new CpuState();
  readonly children: Task[] = [];
  /** Runnable, sleeping in a syscall (until `waitFor` says it can go on), or a zombie waiting for its parent. */
  state: "runnable" | "sleeping" | "zombie" = "runnable";
  waitFor: (() => boolean) | null = null;
  /** What a signal does to the sleeping call: the -ERESTART* code Linux's call returns (ERESTARTSYS: SA_RESTART decides). */
  restart = ERESTARTSYS;
  /** The wait status its parent reaps (zombies). */
  end: TaskEnd | null = null;
  /** Process group and session (setpgid, setsid): the process's, its leader keeps them; a child starts in its parent's. */
  private ownPgid: number;
  private ownSid: number;
  /** A vfork child's parent, asleep in vfork until the child execs or exits (vfork_done). */
  vforkParent: Task | null = null;
  /** The sleep is a syscall to run again (rip back on it); false for vfork's parent, whose clone is done. */
  restartable = true;
  /** The signal its parent gets when it ends (clone's CSIGNAL bits; fork's SIGCHLD), 0 for none. */
  exitSignal = 17;
  /** Where it sleeps in futex(FUTEX_WAIT), while it does. */
  futex: FutexWaiter | null = null;
  /** CLONE_CHILD_SETTID: its pid is written there when it first runs; CLONE_CHILD_CLEARTID's (and set_tid_address's) address. */
  setChildTid = 0;
  clearChildTid = 0;
  /** task->comm (15 bytes at most). */
  comm = "";
  /** Its credentials (task->cred): each thread's own; a task starts as root, a clone with its parent's. */
  cred = new Cred();
  /** PF_NPROC_EXCEEDED: its real uid changed to a user past RLIMIT_NPROC; its next execve fails while that user still is. */
  nprocExceeded = false;
  /** argv[0] of its exec, which /proc shows for the program's mapping. */
  execPath = "";
  /** /proc/<pid>/exe's target and bytes. */
  exe: { path: string; data: FileData } | null = null;
  image: ExecImage | null = null;
  /** Page faults the kernel handled for it since its exec. */
  faults = 0;
  /** Its own minor and major faults (task->min_flt, maj_flt), for RUSAGE_THREAD: its mm counts every thread's. */
  ownMinflt = 0;
  ownMajflt = 0;
  /** The process it is a thread of. */
  readonly group: ThreadGroup;
  /** Instructions it retired, and its mm's fault counts when it ended (getrusage, wait4's rusage). */
  retired = 0;
  /** The timers of its own CPU-time clock (CLOCK_THREAD_CPUTIME_ID's), run when it has run. */
  readonly cpuTimers = new HrtimerBase();
  minflt = 0;
  majflt = 0;
  /** Context switches (nvcsw, nivcsw): it slept in a call, or its quantum ended with another task to run. */
  nvcsw = 0;
  nivcsw = 0;
  /** Figures of its reaped children (RUSAGE_CHILDREN). */
  childRetired = 0;
  childMinflt = 0;
  childMajflt = 0;

  constructor(
    /** Its tid; a thread that execs takes its leader's (de_thread). */
    public pid: number,
    public parent: Task | null,
    /** Its mm_struct handle (0 for a zombie: it holds none). */
    public mm: number,
    public sys: Syscalls,
    public signals: Signals,
    /** CLONE_THREAD: the caller's process, which it joins. */
    group?: ThreadGroup,
  ) {
    this.group = group ?? new ThreadGroup(this);
    this.group.threads.push(this);
    this.ownPgid = parent?.pgid ?? pid;
    this.ownSid = parent?.sid ?? pid;
  }

  get pgid(): number {
    return this.group.leader === this ? this.ownPgid : this.group.leader.pgid;
  }
  set pgid(pgid: number) {
    this.group.leader.ownPgid = pgid;
  }
  get sid(): number {
    return this.group.leader === this ? this.ownSid : this.group.leader.sid;
  }
  set sid(sid: number) {
    this.group.leader.ownSid = sid;
  }

  /** complete_vfork_done: this child execs or exits, and its parent's vfork returns. @return that parent, if any */
  completeVforkDone(): Task | null {
    const parent = this.vforkParent;
    this.vforkParent = null;
    return parent;
  }

  /** getpid: the thread group's id, its leader's pid. */
  get tgid(): number {
    return this.group.leader.pid;
  }
}

/** Copies every architectural register (general, rip, flags, segment bases, SSE and AVX, x87) from one state to another. */
export function copyRegisters(from: CpuState, to: CpuState): void {
  to.L.set(from.L);
  to.H.set(from.H);
  to.F.set(from.F);
  to.rip.set(from.rip);
  to.seg.set(from.seg);
  to.misc.set(from.misc);
  to.xmm.set(from.xmm);
  to.ymmh.set(from.ymmh);
  to.mxcsr = from.mxcsr;
  const a = from.fpu, b = to.fpu;
  for (let i = 0; i < 8; i++) b.regs[i] = a.regs[i];
  b.cw = a.cw;
  b.sw = a.sw;
  b.tags = a.tags;
  b.fop = a.fop;
  b.fip = a.fip;
  b.fdp = a.fdp;
  b.fcs = a.fcs;
}

/** wait4's status word (include/uapi/linux/wait.h's layout): exit code << 8, or the signal (0x80: core dumped). */
export function waitStatus(end: TaskEnd): number {
  return end.kind === "exit" ? (end.status & 0xff) << 8 : end.signal.signo;
}

/** SIGCHLD's si_code and si_status: CLD_EXITED (1) with the code, or CLD_KILLED (2) with the signal. */
export function childInfo(end: TaskEnd): { code: number; status: number } {
  return end.kind === "exit" ? { code: 1, status: end.status & 0xff } : { code: 2, status: end.signal.signo };
}

/** A 32-bit value as the guest stores it (a pid, a status word). */
export function int32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}
