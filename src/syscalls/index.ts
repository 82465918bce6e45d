// Linux x86-64 syscalls for one guest process: numbers, argument checks and
// errno values as Linux has them. Browser-safe.
//
// Wiring (src/task/fork.ts makes one per task; src/machine.ts dispatches
// when the Cpu stops with STOP_SYSCALL):
//   const sys = new Syscalls({
//     regs: cpu,                                   // getReg/setReg/fsBase/gsBase/retired
//     mem: uaccess(cpu.mmu, (cr2, err) => k.handle_page_fault(cr2, err)),
//     kernel: k,                                   // sys_brk, sys_mmap, sys_munmap, sys_mprotect, sys_mremap, sys_madvise
//     io: { stdin, stdout, stderr, trace },       // trace only with --trace syscalls
//     random,                                      // the machine's SeededRandom (also AT_RANDOM)
//   });
//   if (sys.dispatch()) exit with sys.exitStatus  // else run the Cpu on
//
// Implemented: the file syscalls (files.ts: an fd table over the machine's
// namespace, fds 0-2 on io.stdin/stdout/stderr; each call in the file named
// after its Linux source: namei.ts, open.ts, read_write.ts, pipe.ts,
// stat.ts, readdir.ts, fcntl.ts, ioctl.ts, utimes.ts, sync.ts, locks.ts,
// eventfd.ts, eventpoll.ts, socket.ts and af_unix.ts: AF_UNIX sockets,
// the only family), exit, exit_group, brk,
// mmap, munmap, mprotect, madvise (the kernel's), getpid and gettid (1 without `tasks`),
// getppid (0), the uid and gid calls (root's; with `tasks` each task's
// credentials: src/task/cred.ts, sys.ts), set_tid_address,
// set_robust_list, uname, sysinfo, getrlimit/setrlimit/prlimit64,
// sched_getaffinity (one CPU), getcpu (CPU 0 on its node), sched_yield, arch_prctl (FS/GS base),
// clock_gettime, clock_getres, gettimeofday, time, nanosleep and
// clock_nanosleep (a virtual clock: one retired instruction is one
// nanosecond, and a sleep moves it on), getrandom (seeded), the signal
// calls (rt_sigaction, rt_sigprocmask, rt_sigreturn, rt_sigpending,
// sigaltstack, kill, tkill, tgkill: src/task/signal.ts), rt_sigtimedwait, pause,
// rt_sigsuspend, poll, ppoll, select, pselect6 (poll.ts), epoll_wait,
// epoll_pwait, epoll_pwait2 (eventpoll.ts), getgroups (none), times,
// getpriority and setpriority (the task's nice value; with `tasks` any
// task's), and, given
// `tasks`, the process calls (fork, vfork, clone, execve, wait4, waitid,
// getpid, gettid, getppid, kill to other pids, rt_sigqueueinfo and
// rt_tgsigqueueinfo, process_vm_readv and process_vm_writev
// (src/task/process_vm_access.ts), process groups, futex,
// set_tid_address, sched_yield, unshare, the pidfd calls and process_madvise: src/task/ and src/machine.ts;
// alarm, getitimer, setitimer and the POSIX timers: src/task/timers.ts;
// timerfd: timerfd.ts), and, given
// `mempolicy`, the NUMA policy calls (mbind, set_mempolicy, get_mempolicy,
// migrate_pages, move_pages, set_mempolicy_home_node: mempolicy.ts), and, given `mlock`, msync, mincore and the
// mlock calls (mlock.ts). A call that must wait returns -ERESTARTSYS with
// `waitFor` set; the machine puts the task to sleep. rseq is ENOSYS
// without a word, as glibc expects. Anything else returns -ENOSYS and is
// named once on stderr: "faultline: syscall N (name) not implemented".
// endings.ts turns a fatal signal into the exit status and messages.

import { TASK_SIZE } from "../loader/elf.js";
import { SI_USER, SIGSTOP, type SignalCpu, Signals, siginfoBytes } from "../task/signal.js";
import { SIGKILL, SIGSEGV, SI_KERNEL } from "./endings.js";
import { Namespace } from "../fs/namespace.js";
import { NR_OPEN_DEFAULT } from "../fs/fdtable.js";
import { EACCES, EAGAIN, EFAULT, EINTR, EINVAL, ENOSYS, EOPNOTSUPP, EPERM, EPIPE, ERESTARTSYS, ESRCH } from "./errno.js";
import { priorityBound, SchedPolicy } from "./sched.js";
import { unsigned } from "./args.js";
import { FileSyscalls, type FileCache } from "./files.js";
import { MAX_RW_COUNT } from "./iov_iter.js";
import { syscallName } from "./names.js";
import type { SeededRandom } from "./random.js";
import { formatEntry, formatSyscall } from "./trace.js";
import type { KernelExports } from "../abi.js";
import { PollState, readTimeout } from "./poll.js";
import { HrtimerBase, HrtimerSleeper } from "../task/hrtimer.js";
import { epollWait } from "./eventpoll.js";
import { epipeSignals } from "./socket.js";
import type { Mempolicy } from "./mempolicy.js";
import type { MlockCalls } from "./mlock.js";
import { TICK_NSEC } from "../task/jiffies.js";
import { CAP_SYS_ADMIN, CAP_SYS_NICE, CAP_SYS_RESOURCE, INIT_CRED, type Cred } from "../task/cred.js";

export * from "./endings.js";
export * from "./errno.js";
export { Mempolicy, type NumaState } from "./mempolicy.js";
export { MlockCalls } from "./mlock.js";
export { FileSyscalls } from "./files.js";
export * from "./names.js";
export * from "./random.js";
export * from "./trace.js";

/** Register numbers as the x86 encoding (and src/cpu/state.ts) has them. */
const RAX = 0, RDX = 2, RSP = 4, RSI = 6, RDI = 7, R8 = 8, R9 = 9, R10 = 10;
const ARG_REGS = [RDI, RSI, RDX, R10, R8, R9];

/** What the dispatcher needs of the CPU; a Cpu satisfies it. */
export interface SyscallRegs {
  /** Register r as a signed number (exact below 2^53 in magnitude). */
  getReg(r: number): number;
  setReg(r: number, v: number): void;
  fsBase: number;
  gsBase: number;
  /** Instructions retired: the virtual clock. */
  readonly retired: number;
}

/**
 * A machine's virtual clock, in nanoseconds since boot: one retired
 * instruction is one nanosecond, plus the time the CPU idled (every process
 * asleep: the clock jumps to the first deadline).
 */
export class VirtualClock {
  private idle = 0;

  /** `update` (update_vsyscall) hears each new idle time, so that the vDSO's time data follows the clock. */
  constructor(private readonly regs: { readonly retired: number }, private readonly update?: (idleNs: number) => void) {
    update?.(0);
  }

  now(): number {
    return this.regs.retired + this.idle;
  }

  /** The CPU idles until `ns`, if that is later. */
  idleUntil(ns: number): void {
    if (ns <= this.now()) return;
    this.idle = ns - this.regs.retired;
    this.update?.(this.idle);
  }
}

/** copy_from_user / copy_to_user into the current mm: 0, or negative (the dispatcher returns -EFAULT). */
export interface UserMemory {
  copyFromUser(dst: Uint8Array, addr: number, len?: number): number;
  copyToUser(addr: number, src: Uint8Array): number;
}

/** The kernel's mm syscalls (docs/abi.md): Linux's results, address or -errno. */
export type SyscallKernel = Pick<KernelExports, "sys_brk" | "sys_mmap" | "sys_munmap" | "sys_mprotect" | "sys_mremap" | "sys_madvise">
  & Partial<Pick<KernelExports, "mm_set_rlimit">>;

export interface SyscallIo {
  /** fd 0: at most `max` more bytes, read when the guest reads (null or empty: end of file). */
  stdin(max: number): Uint8Array | null;
  stdout(bytes: Uint8Array): void;
  stderr(bytes: Uint8Array): void;
  /** Receives one strace-format line per syscall when set. */
  trace?(line: string): void;
  /** With trace: the call sleeps, and strace has printed `entry` (formatEntry); its line comes with traceWake. */
  traceSleep?(entry: string): void;
  /** The sleeping call returned: its whole `line`, or `resumed` ("<... name resumed>" and the rest) once another process's line cut it off. */
  traceWake?(line: string, resumed: string): void;
}

export interface SyscallOptions {
  regs: SyscallRegs;
  mem: UserMemory;
  kernel: SyscallKernel;
  io: SyscallIo;
  random: SeededRandom;
  /** The task's signals (a fresh set when absent). */
  signals?: Signals;
  /** CLOCK_REALTIME at instruction 0, in seconds since the epoch (default 2026-01-01T00:00:00Z). */
  realtimeEpoch?: number;
  /** The machine's clock (default: fork's parent's, else one of its own over `regs`). */
  clock?: VirtualClock;
  /** The files the process sees (default: a namespace with no host files). */
  fs?: Namespace;
  /** The starting directory, absolute (default "/"). */
  cwd?: string;
  /** The kernel's page cache: regular files' reads, writes and mmap go through it (default: none; mmap of a file then fails). */
  cache?: FileCache;
  /** sysinfo's memory figures, in bytes (default: none). */
  meminfo?(): { totalram: number; freeram: number };
  /** task->comm, read and set by prctl's PR_GET_NAME and PR_SET_NAME (default: a name of its own). */
  comm?: { get(): string; set(name: Uint8Array): void };
  /** The process calls (fork, execve, wait4, kill…: src/task/sched.ts); without it, one process of pid 1. */
  tasks?: TaskCalls;
  /** The machine's hrtimer base on the virtual clock, which the scheduler runs (default: one of its own). */
  timers?: HrtimerBase;
  /** The memory-policy calls (mempolicy.ts); without them, ENOSYS. */
  mempolicy?: Mempolicy;
  /** msync, mincore and the mlock calls (mlock.ts); without them, ENOSYS. */
  mlock?: MlockCalls;
  /** The node of the one CPU (cpu_to_node(0), --cpu-node), for getcpu (default 0). */
  cpuNode?: number;
}

/** The syscalls that reach other processes, for one task. */
export interface TaskCalls {
  readonly pid: number;
  /** Its result or -errno (-ERESTARTSYS with `waitFor` set: the task sleeps), or undefined when `nr` is not one of them. */
  call(nr: number, a: number[], sys: Syscalls): number | undefined;
  waitFor: (() => boolean) | null;
  /** The call is done but the task sleeps before it returns (vfork's parent, until the child execs or exits). */
  readonly asleep?: boolean;
  /** A CPU-time clock's reading in ns, or null for an id naming no thread or process. */
  cpuClock(clock: number): number | null;
  /** The task's credentials (root's without). */
  readonly cred?: Cred;
}

/** CLOCK_REALTIME at instruction 0 unless told: 2026-01-01T00:00:00Z. */
export const DEFAULT_EPOCH = 1767225600;

/** The Mmu side of uaccess(): the Cpu's Mmu has these. */
export interface UaccessMmu {
  copyFromUser(dst: Uint8Array, va: number, len: number): number;
  copyToUser(va: number, src: Uint8Array): number;
  /** The refused walk; kind is cleared here once handled (0 = FAULT_NONE), or the CPU would see it as its own. */
  readonly fault: { kind: number; addrLo: number; addrHi: number; errorCode: number };
}

/**
 * UserMemory over the Cpu's Mmu: a walk that fails goes to the kernel's
 * fault handler (a kernel-mode access to user memory, as Linux's uaccess
 * faults do) and the copy is retried; when the kernel cannot fix it, -EFAULT.
 */
export function uaccess(mmu: UaccessMmu, handlePageFault: (cr2: number, errorCode: number) => number): UserMemory {
  const retrying = (len: number, copy: () => number): number => {
    // Each retry fixes at least one page; a kernel that "fixes" nothing must not loop us forever.
    for (let tries = Math.ceil(len / 4096) * 2 + 4; tries > 0; tries--) {
      const r = copy();
      if (r >= 0) return 0;
      const f = mmu.fault;
      f.kind = 0;
      if (handlePageFault(f.addrHi * 0x1_0000_0000 + (f.addrLo >>> 0), f.errorCode) !== 0) return -EFAULT;
    }
    return -EFAULT;
  };
  return {
    copyFromUser: (dst, addr, len = dst.length) => retrying(len, () => mmu.copyFromUser(dst, addr, len)),
    copyToUser: (addr, src) => retrying(src.length, () => mmu.copyToUser(addr, src)),
  };
}

const encoder = new TextEncoder();

/** uname's answers. The release names faultline; the rest is what a Linux x86-64 system shows. */
export const UTSNAME = {
  sysname: "Linux",
  nodename: "faultline",
  release: "6.18.0-faultline",
  version: "#1 SMP PREEMPT_DYNAMIC faultline",
  machine: "x86_64",
  domainname: "(none)",
};

export class Syscalls {
  /** exit_group's status (0-255) once the guest has exited. */
  exitStatus: number | undefined;
  /** clear_child_tid from set_tid_address without `tasks` (with them, the task keeps it: src/task/exit.ts clears it). */
  clearChildTid = 0;
  /** The robust futex list head set_robust_list recorded, per thread (nothing walks it when the thread dies). */
  robustList = 0;
  readonly files: FileSyscalls;
  private readonly args = [0, 0, 0, 0, 0, 0];
  private readonly clock: VirtualClock;
  /** Set when the last call must wait (-ERESTARTSYS): true once it can go on. */
  waitFor: (() => boolean) | null = null;
  /** pause's, rt_sigsuspend's and poll's waits. */
  private sleeping: (() => boolean) | null = null;
  private readonly polls: PollState;
  /** The length of the entry strace printed for the sleeping call (formatEntry), across its restarts; null when none sleeps. */
  private sleptEntry: number | null = null;
  /** The line of a call done but not yet returned (TaskCalls.asleep): strace shows it cut until the task runs again. */
  private heldLine: (() => void) | null = null;
  /** The timer of the task's timed sleep (nanosleep, poll, select, epoll_wait, rt_sigtimedwait, futex, a socket's timeout). */
  readonly sleeper = new HrtimerSleeper();
  /** The hrtimer base of the virtual clock. */
  readonly timers: HrtimerBase;
  /** The mask rt_sigtimedwait's wait lifted its signals from (real_blocked), back when the wait ends. */
  private sigwaitBlocked: Uint32Array | null = null;
  /** Soft and hard limit per resource (RLIM_INFINITY as Infinity): the process's, its threads share them. */
  /** [soft, hard] by RLIMIT_* number (Infinity: RLIM_INFINITY); a thread shares its process's. */
  readonly rlimits: number[][] = RLIMITS.map(([cur, max]) => [cur, max]);
  private readonly warned = new Set<number>();
  /** The task's nice value (getpriority, setpriority), which clone's child keeps. */
  nice = 0;
  /** The task's scheduling policy and real-time priority (sched_setscheduler). */
  private sched = new SchedPolicy();

  /** What /proc/<pid>/stat shows of the task's scheduling: its nice value, policy and real-time priority. */
  get scheduling(): { nice: number; policy: number; rtPriority: number } {
    return { nice: this.nice, policy: this.sched.policy, rtPriority: this.sched.priority };
  }
  /** personality(2)'s persona: PER_LINUX and its flags, kept for the asking (ADDR_NO_RANDOMIZE changes nothing: nothing here is random). */
  private persona = 0;
  /** ioprio_set's I/O priority (IOPRIO_PRIO_VALUE), 0 for "none": the block layer is the host's. */
  private ioprio = 0;
  /** membarrier's registrations (MEMBARRIER_CMD_REGISTER_*), as the commands' bits. */
  private membarriers = 0;
  /** task->comm when the machine keeps none. */
  private comm = "";
  /** The task's signal state: actions, mask, pending signals, alternate stack. */
  readonly signals: Signals;
  /** CLOCK_REALTIME at instruction 0, in seconds since the epoch. */
  readonly realtimeEpoch: number;

  /**
   * `parent`: clone's copy of its files, limits, name and clock (the options
   * give the child's own signals and tasks); `share` says what a thread
   * shares instead of copying: the fd table, the fs_struct, and (CLONE_THREAD) the limits.
   */
  constructor(private readonly o: SyscallOptions, parent?: Syscalls, share: { files: boolean; fs: boolean; thread: boolean } = { files: false, fs: false, thread: false }) {
    this.realtimeEpoch = o.realtimeEpoch ?? DEFAULT_EPOCH;
    this.clock = o.clock ?? parent?.clock ?? new VirtualClock(o.regs);
    this.signals = o.signals ?? new Signals(o.regs as unknown as SignalCpu, o.mem);
    this.signals.trace ??= o.io.trace?.bind(o.io);
    const fs = o.fs ?? new Namespace({
      host: null, random: (n) => o.random.bytes(n), now: () => this.realtimeSeconds(), proc: () => null, procNames: [], exe: () => null,
    });
    this.files = new FileSyscalls(o.mem, fs, o.io, o.cwd, o.cache, parent?.files, share);
    this.files.pid = () => this.pid;
    this.files.cred = () => this.cred;
    this.files.signals = () => this.signals;
    this.files.now = () => this.nowNs();
    this.files.fileSizeLimit = () => this.rlimit(RLIMIT_FSIZE);
    this.files.sigxfsz = () => this.signals.send({ signo: SIGXFSZ, code: SI_USER, pid: this.pid, uid: this.cred.uid });
    this.timers = o.timers ?? new HrtimerBase();
    this.files.timeout = (ns) => this.timeout(ns);
    this.polls = new PollState({
      mem: o.mem,
      file: (fd) => this.files.fds.get(fd),
      maxFds: () => this.files.fds.maxFds,
      now: () => this.nowNs(),
      timeout: (ns) => this.timeout(ns),
      sleep: (ready) => {
        this.sleeping = ready;
        return -ERESTARTSYS;
      },
      signalPending: () => this.signals.hasDeliverable(),
      nofile: () => this.rlimit(RLIMIT_NOFILE),
    });
    if (parent) {
      this.rlimits = share.thread ? parent.rlimits : parent.rlimits.map(([cur, max]) => [cur, max]);
      this.comm = parent.comm;
      // SCHED_RESET_ON_FORK: a real-time parent's child is SCHED_OTHER at nice 0; a negative nice goes back to 0
      this.nice = parent.sched.resetOnFork && (parent.sched.priority !== 0 || parent.nice < 0) ? 0 : parent.nice;
      this.sched = parent.sched.fork();
      this.persona = parent.persona;
      this.ioprio = parent.ioprio;
      this.membarriers = parent.membarriers;
    }
    this.files.fds.nofile = () => this.rlimit(RLIMIT_NOFILE);
  }

  /** Sets a resource's soft limit, and its hard one when given. */
  setRlimit(resource: number, cur: number, max = this.rlimits[resource][1]): void {
    this.rlimits[resource][1] = max;
    this.rlimits[resource][0] = Math.min(cur, max);
  }

  /** The task's sleep times out `ns` after the call first slept (schedule_hrtimeout): the sleeper, started once for the call. */
  timeout(ns: number): HrtimerSleeper {
    return this.timeoutAt(this.nowNs() + ns);
  }

  /** The task's sleep times out at `expires` on the virtual clock: the sleeper, started once for the call. */
  timeoutAt(expires: number): HrtimerSleeper {
    this.sleeper.start(this.timers, expires, () => this.nowNs());
    return this.sleeper;
  }

  /**
   * A signal woke the sleeping call: what it returns now, or null when it
   * runs again once the signal is dealt with. A pipe write that moved bytes
   * before it slept returns their count (pipe_write), whatever the signal
   * does; else the call answers -EINTR when `eintr` (a handler runs that
   * does not restart it). A call that ends here takes its deadline with it.
   * When a handler runs, strace shows the call return `restart` (the
   * -ERESTART* code it had for the signal), and a call run again anew.
   */
  interrupted(eintr: boolean, restart: number | null): number | null {
    // A sendmmsg or recvmmsg returns the datagrams it moved before the signal.
    const written = this.files.mmsg ? this.files.mmsg.done : this.files.pipeWritten;
    this.files.pipeWritten = 0;
    this.files.mmsg = null;
    const nr = this.o.regs.getReg(RAX) >>> 0, sp = this.o.regs.getReg(RSP);
    this.endSigwait();
    if (written === 0) this.nanosleepRemainder(nr, this.readArgs());
    if (written === 0 && restart !== null) this.traceReturn(nr, this.readArgs(), -restart, sp);
    // A handler runs: the call ends, or starts anew after it (a PI futex's absolute timeout reads the same).
    if (restart !== null) this.sleeper.cancel();
    if (eintr) {
      this.files.fifoOpening?.undo();
      this.files.fifoOpening = null;
    }
    if (written === 0 && !eintr) return null;
    if (written === 0) {
      this.sleeper.cancel();
      this.sleptEntry = null;
      return -EINTR;
    }
    this.sleeper.cancel();
    this.traceReturn(nr, this.readArgs(), written, sp);
    return written;
  }

  /** A resource's soft limit (RLIM_INFINITY as Infinity). */
  rlimit(resource: number): number {
    return this.rlimits[resource][0];
  }

  /** The virtual clock (ns). */
  nowNs(): number {
    return this.clock.now();
  }

  /** CLOCK_REALTIME in whole seconds. */
  realtimeSeconds(): number {
    return this.realtimeEpoch + Math.floor(this.nowNs() / 1e9);
  }

  /** Handle the syscall the CPU stopped at: rax = its result. @return true when the guest exited. */
  dispatch(): boolean {
    const { regs } = this.o;
    const nr = regs.getReg(RAX) >>> 0;
    const a = this.readArgs();
    if (nr === 60 || nr === 231) {
      this.exitStatus = a[0] & 0xff;
      this.o.io.trace?.(formatSyscall(nr, a, undefined, this.peek));
      this.o.io.trace?.(`+++ exited with ${this.exitStatus} +++`);
      return true;
    }
    const sp = regs.getReg(RSP);
    this.waitFor = null;
    // execve's arguments are in the memory it replaces: strace's line is made before.
    const execLine = nr === 59 && this.o.io.trace ? formatSyscall(nr, a, 0, this.peek, sp) : null;
    const ret = this.call(nr, a);
    if (ret === -ERESTARTSYS) {
      // The caller puts rip back on the syscall; strace shows its entry now, and the rest when it completes.
      // the wake condition is asked as this task (a signalfd's poll reads current's signals)
      const wait = this.files.waitFor ?? this.o.tasks?.waitFor ?? this.sleeping;
      this.waitFor = wait && (() => (this.files.enter(), wait()));
      this.files.waitFor = this.sleeping = null;
      if (this.o.tasks) this.o.tasks.waitFor = null;
      if (this.o.io.trace) {
        const entry = formatEntry(nr, a, this.peek, sp);
        this.sleptEntry ??= entry.length;
        this.o.io.traceSleep?.(entry);
      }
      return false;
    }
    this.sleeper.cancel();
    // pipe_write and unix_stream_sendmsg: a write no one will read sends SIGPIPE to the writer.
    if (ret === -EPIPE && (WRITES.includes(nr) || (nr === SENDTO && !(a[3] & MSG_NOSIGNAL)) || (nr === SENDMSG && !(a[2] & MSG_NOSIGNAL)) || (nr === SENDMMSG && !(a[3] & MSG_NOSIGNAL))) && epipeSignals(this.files, a[0] | 0)) this.signals.send({ signo: SIGPIPE, code: SI_USER, pid: this.pid, uid: this.cred.uid });
    regs.setReg(RAX, ret);
    if (execLine !== null && ret === 0) this.o.io.trace?.(execLine);
    else if (this.o.tasks?.asleep && this.o.io.trace) {
      const entry = formatEntry(nr, a, this.peek, sp), args = [...a];
      this.sleptEntry = entry.length;
      this.o.io.traceSleep?.(entry);
      this.heldLine = () => this.traceReturn(nr, args, ret, sp);
    } else this.traceReturn(nr, a, ret, sp);
    return false;
  }

  /** A call the vsyscall page's emulation makes (emulate_vsyscall): no syscall entry ran, so strace shows none. */
  emulated(nr: number, a: number[]): number {
    return this.call(nr, a);
  }

  /** The call that slept once done (TaskCalls.asleep) returns: strace's line for it ends now. */
  returned(): void {
    this.heldLine?.();
    this.heldLine = null;
  }

  /** strace's line for a call that returned `ret` (undefined: "= ?"): after a sleep, traceWake's pair of lines. */
  private traceReturn(nr: number, a: number[], ret: number | undefined, sp: number): void {
    const { io } = this.o;
    if (!io.trace) return;
    const line = formatSyscall(nr, a, ret, this.peek, sp);
    const after = this.sleptEntry;
    this.sleptEntry = null;
    if (after === null || !io.traceWake) io.trace(line);
    else io.traceWake(line, formatSyscall(nr, a, ret, this.peek, sp, after));
  }

  /** The syscall's six arguments, from their registers. */
  private readArgs(): number[] {
    for (let i = 0; i < 6; i++) this.args[i] = this.o.regs.getReg(ARG_REGS[i]);
    return this.args;
  }

  /**
   * strace's line for a call the task sleeps in when its process ends
   * under it ("= ?"), from its saved registers (`reg`: rax and the argument
   * registers); after a sleep strace printed as unfinished, its resumed line.
   */
  traceUnfinished(reg: (r: number) => number): void {
    this.traceReturn(reg(RAX) >>> 0, ARG_REGS.map(reg), undefined, 0);
  }

  /** The caller's pid. */
  get pid(): number {
    return this.o.tasks?.pid ?? 1;
  }

  /** The caller's credentials. */
  get cred(): Cred {
    return this.o.tasks?.cred ?? INIT_CRED;
  }

  private call(nr: number, a: number[]): number {
    const { kernel } = this.o;
    const file = this.files.call(nr, a);
    if (file !== undefined) return file;
    const task = this.o.tasks?.call(nr, a, this);
    if (task !== undefined) return task;
    const policy = this.o.mempolicy?.call(nr, a);
    if (policy !== undefined) return policy;
    const locking = this.o.mlock?.call(nr, a);
    if (locking !== undefined) return locking;
    switch (nr) {
      case 9: {
        // arch/x86/kernel/sys_x86_64.c: the byte offset must be page aligned.
        if (unsigned(a[5]) % 4096 !== 0) return -EINVAL;
        // The kernel sees a file handle (a struct file), never the guest's fd: 0 is no file.
        const map = (flags: number) => kernel.sys_mmap(unsigned(a[0]), unsigned(a[1]), a[2] >>> 0, flags >>> 0, 0, unsigned(a[5]));
        const MAP_ANONYMOUS = 0x20;
        if (a[3] & MAP_ANONYMOUS) return this.files.mmapAnon(unsigned(a[0]), unsigned(a[1]), a[2] >>> 0, a[3] >>> 0, map);
        return this.files.mmap(a[4] | 0, unsigned(a[0]), unsigned(a[1]), a[2] >>> 0, a[3] >>> 0, unsigned(a[5]), map);
      }
      case 10:
        return kernel.sys_mprotect(unsigned(a[0]), unsigned(a[1]), a[2] >>> 0);
      case 11:
        return kernel.sys_munmap(unsigned(a[0]), unsigned(a[1]));
      case 25:
        return kernel.sys_mremap(unsigned(a[0]), unsigned(a[1]), unsigned(a[2]), a[3] >>> 0, unsigned(a[4]));
      case 12:
        return kernel.sys_brk(unsigned(a[0]));
      case 28:
        return kernel.sys_madvise(unsigned(a[0]), unsigned(a[1]), a[2] | 0);
      case 13:
        return this.signals.rtSigaction(a[0] | 0, a[1], a[2], unsigned(a[3]));
      case 14:
        return this.signals.rtSigprocmask(a[0] | 0, a[1], a[2], unsigned(a[3]));
      case 15: {
        // A frame that cannot be read back ends in SIGSEGV (signal_fault).
        const rax = this.signals.rtSigreturn();
        if (rax === null) this.signals.force({ signo: SIGSEGV, code: SI_KERNEL });
        return rax ?? 0;
      }
      case 127:
        return this.signals.rtSigpending(a[0], unsigned(a[1]));
      case 34: // pause
        return this.untilSignal();
      case 7: // poll: a timeout in ms, negative for none
        return this.polls.poll(a[0], a[1] >>> 0, (a[2] | 0) < 0 ? null : (a[2] | 0) * 1e6);
      case 271: { // ppoll
        const t = readTimeout(this.o.mem, a[2], 1);
        return t !== null && t < 0 ? t : this.withSigmask(a[3], unsigned(a[4]), () => this.polls.poll(a[0], a[1] >>> 0, t));
      }
      case 232: // epoll_wait: a timeout in ms, negative for none
        return epollWait(this.files, this.polls, a[0] | 0, a[1], a[2] | 0, (a[3] | 0) < 0 ? null : (a[3] | 0) * 1e6);
      case 281: // epoll_pwait
        return this.withSigmask(a[4], unsigned(a[5]), () => epollWait(this.files, this.polls, a[0] | 0, a[1], a[2] | 0, (a[3] | 0) < 0 ? null : (a[3] | 0) * 1e6));
      case 441: { // epoll_pwait2: a struct timespec
        const t = readTimeout(this.o.mem, a[3], 1);
        return t !== null && t < 0 ? t : this.withSigmask(a[4], unsigned(a[5]), () => epollWait(this.files, this.polls, a[0] | 0, a[1], a[2] | 0, t));
      }
      case 23: { // select: a struct timeval
        const t = readTimeout(this.o.mem, a[4], 1000);
        return t !== null && t < 0 ? t : this.polls.select(a[0] | 0, [a[1], a[2], a[3]], t);
      }
      case 270: { // pselect6: a struct timespec, and the mask's address and size in a struct sigset_argpack
        const pack = new Uint8Array(16);
        if (a[5] !== 0 && this.o.mem.copyFromUser(pack, a[5], 16) !== 0) return -EFAULT;
        const t = readTimeout(this.o.mem, a[4], 1);
        if (t !== null && t < 0) return t;
        const v = new DataView(pack.buffer);
        return this.withSigmask(Number(v.getBigInt64(0, true)), Number(v.getBigUint64(8, true)), () => this.polls.select(a[0] | 0, [a[1], a[2], a[3]], t));
      }
      case 128:
        return this.sigtimedwait(a[0], a[1], a[2], unsigned(a[3]));
      case 130: {
        const r = this.signals.setUserSigmask(a[0], unsigned(a[1]));
        return r === 0 ? this.untilSignal() : r;
      }
      case 131:
        return this.signals.sigaltstack(a[0], a[1], this.o.regs.getReg(RSP));
      case 62:
        return this.signals.kill(a[0] | 0, a[1] | 0);
      case 200:
        return this.signals.tgkill(-1, a[0] | 0, a[1] | 0);
      case 234:
        return this.signals.tgkill(a[0] | 0, a[1] | 0, a[2] | 0);
      case 39: // getpid
      case 186: // gettid
        return 1;
      case 110: // getppid: started by no process
        return 0;
      case 102: // getuid
      case 104: // getgid
      case 107: // geteuid
      case 108: // getegid
        return 0;
      case 100:
        return this.times(a[0]);
      case 140: // getpriority: 20 - nice, so that no answer is negative
        return this.priorityTarget(a[0] | 0, a[1] | 0) ?? 20 - this.nice;
      case 141: // setpriority
        return this.priorityTarget(a[0] | 0, a[1] | 0) ?? this.set_one_prio(a[2] | 0, this.cred, -ESRCH);
      case 115: // getgroups: root in no supplementary group
        return (a[0] | 0) < 0 ? -EINVAL : 0;
      case 24: // sched_yield
        return 0;
      case 273: // set_robust_list
        if (unsigned(a[1]) !== 24) return -EINVAL;
        this.robustList = a[0];
        return 0;
      case 334: // rseq: glibc tries it and goes on without
        return -ENOSYS;
      case 99:
        return this.sysinfo(a[0]);
      case 97: // getrlimit
        return this.prlimit(a[0] >>> 0, 0, a[1]);
      case 160: // setrlimit
        return this.prlimit(a[0] >>> 0, a[1], 0);
      case 302: // prlimit64 without `tasks`: the one process's own
        return (a[0] | 0) !== 0 && (a[0] | 0) !== this.pid ? -ESRCH : this.prlimit(a[1] >>> 0, a[2], a[3]);
      case 204:
        return this.schedGetaffinity(a[0] | 0, unsigned(a[1]), a[2]);
      case 203:
        return this.schedSetaffinity(a[0] | 0, unsigned(a[1]), a[2]);
      case 144: // sched_setscheduler
      case 142: // sched_setparam
        return this.schedSet(a[0] | 0, nr === 144 ? a[1] | 0 : -1, a[nr === 144 ? 2 : 1]);
      case 145: // sched_getscheduler
        return (a[0] | 0) < 0 ? -EINVAL : this.schedTarget(a[0] | 0) ?? this.sched.get();
      case 143: // sched_getparam
        if ((a[0] | 0) < 0 || a[1] === 0) return -EINVAL;
        return this.schedTarget(a[0] | 0) ?? (this.o.mem.copyToUser(a[1], new Uint8Array(new Int32Array([this.sched.priority]).buffer)) === 0 ? 0 : -EFAULT);
      case 146: // sched_get_priority_max
      case 147: // sched_get_priority_min
        return priorityBound(a[0] | 0, nr === 146);
      case 148: { // sched_rr_get_interval
        if ((a[0] | 0) < 0) return -EINVAL;
        const ns = this.sched.interval();
        return this.schedTarget(a[0] | 0) ?? (this.o.mem.copyToUser(a[1], timespec(Math.floor(ns / 1e9), ns % 1e9)) === 0 ? 0 : -EFAULT);
      }
      case 135: { // personality: 0xffffffff asks without setting
        const old = this.persona;
        if ((a[0] >>> 0) !== 0xffffffff) this.persona = a[0] >>> 0;
        return old;
      }
      case 251:
        return this.ioprioSet(a[0] | 0, a[1] | 0, a[2] | 0);
      case 252: // ioprio_get
        return this.ioprioTarget(a[0] | 0, a[1] | 0) ?? this.ioprio;
      case 324:
        return this.membarrier(a[0] | 0, a[1] >>> 0);
      case 330: // pkey_alloc: the CPU has no protection keys (no PKU in CPUID)
      case 331: // pkey_free
        return -EINVAL;
      case 329: // pkey_mprotect: the default key (-1) is mprotect; no other key can have been allocated
        return (a[3] | 0) === -1 ? kernel.sys_mprotect(unsigned(a[0]), unsigned(a[1]), a[2] >>> 0) : -EINVAL;
      case 309:
        return this.getcpu(a[0], a[1]);
      case 96:
        return this.gettimeofday(a[0], a[1]);
      case 201:
        return this.time(a[0]);
      case 229:
        return this.clockGetres(a[0] | 0, a[1]);
      case 35:
        return this.nanosleep(0, 0, a[0]);
      case 230:
        return this.nanosleep(a[0] | 0, a[1] | 0, a[2]);
      case 218:
        this.clearChildTid = a[0];
        return 1;
      case 63:
        return this.uname(a[0]);
      case 157:
        return this.prctl(a[0] | 0, a[1]);
      case 158:
        return this.archPrctl(a[0] | 0, a[1]);
      case 228:
        return this.clockGettime(a[0] | 0, a[1]);
      case 318:
        return this.getrandom(a[0], unsigned(a[1]), a[2] >>> 0);
      default:
        return this.notImplemented(nr);
    }
  }

  /**
   * ppoll's and pselect6's wait under `set` (NULL: the mask in force), which
   * ends with the call (poll_select_finish); a call a signal interrupts
   * leaves it to the handler's frame, as rt_sigsuspend does.
   */
  private withSigmask(set: number, sigsetsize: number, wait: () => number): number {
    if (set === 0) return wait();
    const r = this.signals.setUserSigmask(set, sigsetsize);
    if (r !== 0) return r;
    const ret = wait();
    if (ret !== -ERESTARTSYS) this.signals.restoreSavedSigmask();
    return ret;
  }

  /**
   * rt_sigtimedwait(set, info, timeout, sigsetsize): takes a pending signal
   * of `set`, blocked or not; else waits, those signals unblocked, until one
   * comes (its number), the timeout passes (EAGAIN), or another signal's
   * handler runs (EINTR).
   */
  private sigtimedwait(setAddr: number, infoAddr: number, uts: number, sigsetsize: number): number {
    if (sigsetsize !== 8) return -EINVAL;
    const set = new Uint32Array(2);
    if (this.o.mem.copyFromUser(new Uint8Array(set.buffer), setAddr, 8) !== 0) return -EFAULT;
    set[0] &= ~((1 << (SIGKILL - 1)) | (1 << (SIGSTOP - 1)));
    let timeout: number | null = null;
    if (uts !== 0) {
      const t = readTimeout(this.o.mem, uts, 1);
      if (t !== null && t < 0) return t;
      timeout = t;
    }
    this.endSigwait();
    const info = this.signals.dequeue(set);
    if (info) return infoAddr === 0 || this.o.mem.copyToUser(infoAddr, siginfoBytes(info)) === 0 ? info.signo : -EFAULT;
    const sleeper = timeout === null ? null : this.timeout(timeout);
    if (sleeper?.expired()) return -EAGAIN;
    const s = this.signals;
    this.sigwaitBlocked = s.blocked.slice();
    s.blocked[0] &= ~set[0];
    s.blocked[1] &= ~set[1];
    this.sleeping = () => s.pendingIn(set) || sleeper?.expired() === true;
    return -ERESTARTSYS;
  }

  /** rt_sigtimedwait's wait is over: the mask is the caller's again. */
  private endSigwait(): void {
    if (this.sigwaitBlocked) this.signals.blocked.set(this.sigwaitBlocked);
    this.sigwaitBlocked = null;
  }

  /** A relative nanosleep a signal interrupts writes the time it had left to its rmtp (nanosleep_copyout). */
  private nanosleepRemainder(nr: number, a: number[]): void {
    const TIMER_ABSTIME = 1;
    const rmtp = nr === 35 ? a[1] : nr === 230 && !(a[1] & TIMER_ABSTIME) ? a[3] : 0;
    const left = this.sleeper.remaining();
    if (rmtp === 0 || left === null) return;
    this.o.mem.copyToUser(rmtp, timespec(Math.floor(left / 1e9), left % 1e9));
  }

  /** Sleeps until a signal: the caller answers EINTR once a handler has run. */
  private untilSignal(): number {
    this.sleeping = () => false;
    return -ERESTARTSYS;
  }

  private notImplemented(nr: number): number {
    if (!this.warned.has(nr)) {
      this.warned.add(nr);
      this.o.io.stderr(encoder.encode(`faultline: syscall ${nr} (${syscallName(nr) ?? "unassigned"}) not implemented\n`));
    }
    return -ENOSYS;
  }

  /** Reads user memory for the trace; null when unreadable. */
  private readonly peek = (addr: number, len: number): Uint8Array | null => {
    const buf = new Uint8Array(len);
    return this.o.mem.copyFromUser(buf, addr, len) === 0 ? buf : null;
  };

  /**
   * Copy `len` bytes, made by `source(offset, n)`, out page by page as
   * Linux's copy loops do: the count that made it before the first fault,
   * or -EFAULT if none did. Nothing the size of `len` is allocated up front.
   */
  private copyOut(addr: number, len: number, source: (offset: number, n: number) => Uint8Array): number {
    let done = 0;
    while (done < len) {
      const n = Math.min(len - done, 4096 - ((addr + done) % 4096));
      if (this.o.mem.copyToUser(addr + done, source(done, n)) !== 0) break;
      done += n;
    }
    return done === 0 && len > 0 ? -EFAULT : done;
  }

  /** getpriority's and setpriority's `which` and `who` without `tasks` (one root process): null for it, else -EINVAL or -ESRCH. */
  private priorityTarget(which: number, who: number): number | null {
    const PRIO_PROCESS = 0, PRIO_USER = 2;
    if (which < PRIO_PROCESS || which > PRIO_USER) return -EINVAL;
    return who === 0 || (which === PRIO_PROCESS && who === this.pid) ? null : -ESRCH;
  }

  /**
   * set_one_prio: `caller` sets this task's nice value, clamped to
   * [-20, 19]: a task whose real uid is the caller's real or effective
   * one, or any with CAP_SYS_NICE, else -EPERM; below the current value
   * only within the task's RLIMIT_NICE (20 - nice) or with CAP_SYS_NICE,
   * else -EACCES. @return that refusal, or `error` (the call's so far:
   * -ESRCH until a task has taken the value, 0 after)
   */
  set_one_prio(nice: number, caller: Cred, error: number): number {
    nice = Math.max(-20, Math.min(19, nice));
    const uid = this.cred.uid, cap = caller.capable(CAP_SYS_NICE);
    if (uid !== caller.uid && uid !== caller.euid && !cap) return -EPERM;
    if (nice < this.nice && 20 - nice > this.rlimit(RLIMIT_NICE) && !cap) return -EACCES;
    this.nice = nice;
    return error === -ESRCH ? 0 : error;
  }

  /** The task sched_* names: null for the caller (pid 0 or its own), else ESRCH (unlike getpriority and prlimit, no other task is looked for). */
  private schedTarget(pid: number): number | null {
    return pid === 0 || pid === this.pid ? null : -ESRCH;
  }

  /** sched_setscheduler (policy) and sched_setparam (policy -1): every policy and priority with CAP_SYS_NICE, else within the limits. */
  private schedSet(pid: number, policy: number, param: number): number {
    if (pid < 0 || param === 0) return -EINVAL;
    const b = new Uint8Array(4);
    if (this.o.mem.copyFromUser(b, param, 4) !== 0) return -EFAULT;
    const user = this.cred.capable(CAP_SYS_NICE) ? null : { rtprio: this.rlimit(RLIMIT_RTPRIO), canNice: 20 - this.nice <= this.rlimit(RLIMIT_NICE) };
    return this.schedTarget(pid) ?? this.sched.set(policy, new DataView(b.buffer).getInt32(0, true), user);
  }

  /** sched_setaffinity: the mask must hold CPU 0, the only one (EINVAL otherwise, as for a mask of no online CPU). */
  private schedSetaffinity(pid: number, len: number, mask: number): number {
    if (pid < 0) return -EINVAL;
    const b = new Uint8Array(Math.min(len, CPUMASK_SIZE));
    if (this.o.mem.copyFromUser(b, mask, b.length) !== 0) return -EFAULT;
    return this.schedTarget(pid) ?? (b.length > 0 && (b[0] & 1) !== 0 ? 0 : -EINVAL);
  }

  /**
   * ioprio_set: the 16-bit value's class (its top 3 bits) NONE, RT, BE or IDLE, its level the low 3 bits (none for
   * NONE), the hint bits between free; RT needs CAP_SYS_NICE or CAP_SYS_ADMIN.
   */
  private ioprioSet(which: number, who: number, prio: number): number {
    const cls = (prio >> 13) & 7, IOPRIO_CLASS_RT = 1;
    // a bad `which` before the value, the value before the task
    const refused = this.ioprioTarget(which, who);
    if (refused === -EINVAL) return refused;
    if (cls > 3 || (cls === 0 && (prio & 7) !== 0)) return -EINVAL;
    if (cls === IOPRIO_CLASS_RT && !this.cred.capable(CAP_SYS_NICE) && !this.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
    if (refused !== null) return refused;
    this.ioprio = prio & 0xffff;
    return 0;
  }

  /** ioprio_get's and ioprio_set's `which` and `who`: null for this task, else -EINVAL or -ESRCH (no other task is looked for). */
  private ioprioTarget(which: number, who: number): number | null {
    if (which < IOPRIO_WHO_PROCESS || which > IOPRIO_WHO_USER) return -EINVAL;
    return who === 0 || (which !== IOPRIO_WHO_USER && who === this.pid) ? null : -ESRCH;
  }

  /**
   * membarrier on one CPU: every barrier is already had; the private expedited ones need their registration first.
   * QUERY lists the commands (GET_REGISTRATIONS included).
   */
  private membarrier(cmd: number, flags: number): number {
    const QUERY = 0, GLOBAL = 1, GLOBAL_EXPEDITED = 2, GET_REGISTRATIONS = 512, ALL = 1023;
    if (cmd === QUERY) return flags === 0 ? ALL : -EINVAL;
    if (cmd === GET_REGISTRATIONS) return flags === 0 ? this.membarriers : -EINVAL;
    if ((cmd & (cmd - 1)) !== 0 || (cmd & ALL) === 0 || flags !== 0) return -EINVAL;
    // the registrations are the even bits from 4 (REGISTER_GLOBAL_EXPEDITED), each after its command
    const register = cmd >= 4 && (Math.log2(cmd) % 2) === 0;
    if (register) this.membarriers |= cmd;
    else if (cmd !== GLOBAL && cmd !== GLOBAL_EXPEDITED && (this.membarriers & (cmd << 1)) === 0) return -EPERM;
    return 0;
  }

  /** times: the process's CPU time (the CPU-time clock) in clock ticks (USER_HZ 100), none for children or the kernel; ticks since boot. */
  private times(buf: number): number {
    if (buf !== 0) {
      const out = new Uint8Array(32);
      out.set(u64Bytes(Math.floor(this.o.regs.retired / 1e7)), 0);
      if (this.o.mem.copyToUser(buf, out) !== 0) return -EFAULT;
    }
    return Math.floor(this.nowNs() / 1e7);
  }

  /** prctl: the task's name (PR_SET_NAME, PR_GET_NAME); any other option is EINVAL, as for one Linux does not know. */
  private prctl(option: number, arg: number): number {
    const PR_SET_NAME = 15, PR_GET_NAME = 16;
    if (option === PR_GET_NAME) {
      const comm = new Uint8Array(16);
      comm.set(encoder.encode(this.o.comm?.get() ?? this.comm).subarray(0, 15));
      return this.o.mem.copyToUser(arg, comm) === 0 ? 0 : -EFAULT;
    }
    if (option === PR_SET_NAME) {
      // strncpy_from_user of 16 bytes: the name may end before an unmapped byte.
      const name = new Uint8Array(16);
      let n = 0;
      for (; n < 15; n++) {
        if (this.o.mem.copyFromUser(name.subarray(n, n + 1), arg + n, 1) !== 0) return -EFAULT;
        if (name[n] === 0) break;
      }
      const bytes = name.subarray(0, n);
      if (this.o.comm) this.o.comm.set(bytes);
      else this.comm = new TextDecoder().decode(bytes);
      return 0;
    }
    return -EINVAL;
  }

  private uname(buf: number): number {
    const out = new Uint8Array(6 * 65);
    Object.values(UTSNAME).forEach((s, i) => out.set(encoder.encode(s), 65 * i));
    return this.o.mem.copyToUser(buf, out) === 0 ? 0 : -EFAULT;
  }

  private archPrctl(code: number, addr: number): number {
    const { regs } = this.o;
    switch (code) {
      case 0x1001: // ARCH_SET_GS
      case 0x1002: // ARCH_SET_FS
        if (unsigned(addr) >= TASK_SIZE) return -EPERM;
        if (code === 0x1002) regs.fsBase = addr;
        else regs.gsBase = addr;
        return 0;
      case 0x1003: // ARCH_GET_FS
      case 0x1004: // ARCH_GET_GS
        return this.o.mem.copyToUser(addr, u64Bytes(code === 0x1003 ? regs.fsBase : regs.gsBase)) === 0 ? 0 : -EFAULT;
      default:
        return -EINVAL;
    }
  }

  /** A clock's reading as [seconds, nanoseconds], or null for a clock id Linux does not have. */
  private clockRead(clock: number): [number, number] | null {
    // The CPU-time clocks, the caller's or by id (negative): the instructions the process or thread ran.
    if (clock === 2 || clock === 3 || clock < 0) {
      const cpu = this.o.tasks ? this.o.tasks.cpuClock(clock) : clock < 0 ? null : this.o.regs.retired;
      return cpu === null ? null : [Math.floor(cpu / 1e9), cpu % 1e9];
    }
    // CLOCK_REALTIME..CLOCK_BOOTTIME_ALARM and CLOCK_TAI; 10 (SGI_CYCLE) is gone.
    if (clock > 11 || clock === 10) return null;
    const ns = this.nowNs();
    const realtime = clock === 0 || clock === 5 || clock === 8 || clock === 11;
    return [Math.floor(ns / 1e9) + (realtime ? this.realtimeEpoch : 0), ns % 1e9];
  }

  private clockGettime(clock: number, tp: number): number {
    const t = this.clockRead(clock);
    if (t === null) return -EINVAL;
    return this.o.mem.copyToUser(tp, timespec(t[0], t[1])) === 0 ? 0 : -EFAULT;
  }

  private clockGetres(clock: number, tp: number): number {
    if (this.clockRead(clock) === null) return -EINVAL;
    // The coarse clocks move once a tick; the rest in ns.
    const res = clock === 5 || clock === 6 ? TICK_NSEC : 1;
    return tp === 0 || this.o.mem.copyToUser(tp, timespec(0, res)) === 0 ? 0 : -EFAULT;
  }

  private gettimeofday(tv: number, tz: number): number {
    const [sec, nsec] = this.clockRead(0)!;
    if (tv !== 0) {
      const out = new Uint8Array(16);
      out.set(u64Bytes(sec), 0);
      out.set(u64Bytes(Math.floor(nsec / 1000)), 8);
      if (this.o.mem.copyToUser(tv, out) !== 0) return -EFAULT;
    }
    if (tz !== 0 && this.o.mem.copyToUser(tz, new Uint8Array(8)) !== 0) return -EFAULT;
    return 0;
  }

  private time(tloc: number): number {
    const sec = this.clockRead(0)![0];
    if (tloc !== 0 && this.o.mem.copyToUser(tloc, u64Bytes(sec)) !== 0) return -EFAULT;
    return sec;
  }

  /** nanosleep and clock_nanosleep: the virtual clock moves on by the time asked (to it, with TIMER_ABSTIME). */
  private nanosleep(clock: number, flags: number, req: number): number {
    const now = clock < 0 ? null : this.clockRead(clock);
    if (now === null) return -EINVAL;
    // The thread's CPU clock, the raw and the coarse clocks have no nsleep.
    if (clock === 3 || clock === 4 || clock === 5 || clock === 6) return -EOPNOTSUPP;
    const b = new Uint8Array(16);
    if (this.o.mem.copyFromUser(b, req, 16) !== 0) return -EFAULT;
    const v = new DataView(b.buffer);
    const secHi = v.getInt32(4, true);
    const sec = secHi * 0x1_0000_0000 + v.getUint32(0, true);
    const nsec = v.getInt32(12, true) * 0x1_0000_0000 + v.getUint32(8, true);
    if (sec < 0 || nsec < 0 || nsec >= 1e9) return -EINVAL;
    const TIMER_ABSTIME = 1;
    const delta = flags & TIMER_ABSTIME ? (sec - now[0]) * 1e9 + (nsec - now[1]) : sec * 1e9 + nsec;
    if (!this.o.tasks) {
      // No scheduler: the clock moves on at once.
      this.clock.idleUntil(this.nowNs() + delta);
      return 0;
    }
    // do_nanosleep: the task sleeps until its timer fires (other processes' instructions, or an idle jump).
    const sleeper = this.timeout(Math.max(0, delta));
    if (sleeper.expired()) return 0;
    this.sleeping = () => sleeper.expired();
    return -ERESTARTSYS;
  }

  private sysinfo(info: number): number {
    const out = new Uint8Array(112);
    const v = new DataView(out.buffer);
    const put = (at: number, x: number) => {
      v.setUint32(at, x >>> 0, true);
      v.setUint32(at + 4, Math.floor(x / 0x1_0000_0000) >>> 0, true);
    };
    const mem = this.o.meminfo?.() ?? { totalram: 0, freeram: 0 };
    put(0, Math.floor(this.nowNs() / 1e9));
    put(32, mem.totalram);
    put(40, mem.freeram);
    v.setUint16(80, 1, true); // procs
    v.setUint32(104, 1, true); // mem_unit
    return this.o.mem.copyToUser(info, out) === 0 ? 0 : -EFAULT;
  }

  /**
   * do_prlimit: `target`'s limits (the caller's by default; a thread
   * shares its process's) read and set through the caller's memory, the
   * caller's capabilities deciding; `inTargetMm` runs the kernel's part
   * with the target's mm current. The new limit holds even when the old
   * one cannot be written (-EFAULT).
   */
  prlimit(resource: number, newAddr: number, oldAddr: number, target: Syscalls = this, inTargetMm = (fn: () => void) => fn()): number {
    if (resource >= RLIMITS.length) return -EINVAL;
    const lim = target.rlimits[resource];
    const old = [...lim];
    if (newAddr !== 0) {
      const b = new Uint8Array(16);
      if (this.o.mem.copyFromUser(b, newAddr, 16) !== 0) return -EFAULT;
      const v = new DataView(b.buffer);
      const read = (at: number) => (v.getUint32(at + 4, true) === 0xffffffff && v.getUint32(at, true) === 0xffffffff
        ? Infinity : v.getUint32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true));
      const next = [read(0), read(8)];
      if (next[0] > next[1]) return -EINVAL;
      // RLIMIT_NOFILE cannot go past fs.nr_open (1048576); a hard limit goes up only with CAP_SYS_RESOURCE.
      if (resource === RLIMIT_NOFILE && next[1] > 1048576) return -EPERM;
      if (next[1] > lim[1] && !this.cred.capable(CAP_SYS_RESOURCE)) return -EPERM;
      [lim[0], lim[1]] = next;
      // the limits mm reads (RLIMIT_DATA, RLIMIT_STACK, RLIMIT_AS, RLIMIT_MEMLOCK) go to the target's mm
      if (MM_RLIMITS.includes(resource)) inTargetMm(() => this.o.kernel.mm_set_rlimit?.(resource, next[0]));
    }
    if (oldAddr !== 0) {
      const out = new Uint8Array(16);
      out.set(limitBytes(old[0]), 0);
      out.set(limitBytes(old[1]), 8);
      if (this.o.mem.copyToUser(oldAddr, out) !== 0) return -EFAULT;
    }
    return 0;
  }

  private schedGetaffinity(pid: number, len: number, mask: number): number {
    if (len % 8 !== 0) return -EINVAL;
    if (pid < 0) return -EINVAL;
    if (pid !== 0 && pid !== this.pid) return -ESRCH;
    // One CPU, in a mask of cpumask_size() bytes: 32 (NR_CPUS 256), as the reference kernel has it.
    const out = new Uint8Array(Math.min(len, CPUMASK_SIZE));
    out[0] = 1;
    return this.o.mem.copyToUser(mask, out) === 0 ? out.length : -EFAULT;
  }

  /** getcpu (kernel/sys.c): CPU 0 and its node; each pointer given is written, either failing is -EFAULT. */
  private getcpu(cpup: number, nodep: number): number {
    const put = (at: number, v: number) => {
      const b = new Uint8Array(4);
      new DataView(b.buffer).setUint32(0, v, true);
      return this.o.mem.copyToUser(at, b) < 0;
    };
    let fault = false;
    if (cpup) fault = put(cpup, 0) || fault;
    if (nodep) fault = put(nodep, this.o.cpuNode ?? 0) || fault;
    return fault ? -EFAULT : 0;
  }

  private getrandom(buf: number, count: number, flags: number): number {
    const GRND_RANDOM = 2, GRND_INSECURE = 4;
    if (flags & ~7 || (flags & (GRND_RANDOM | GRND_INSECURE)) === (GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
    return this.copyOut(buf, Math.min(count, MAX_RW_COUNT), (_, n) => this.o.random.bytes(n));
  }
}

const CPUMASK_SIZE = 32;
const SIGPIPE = 13, SIGXFSZ = 25;
/** write, pwrite64, writev, pwritev, pwritev2, sendfile, vmsplice: the calls that can meet a pipe with no reader. */
const WRITES = [1, 18, 20, 296, 328, 40, 278];
/** sendto, sendmsg and sendmmsg: SIGPIPE too, unless MSG_NOSIGNAL. */
const SENDTO = 44, SENDMSG = 46, SENDMMSG = 307, MSG_NOSIGNAL = 0x4000;
const RLIMIT_FSIZE = 1, RLIMIT_NOFILE = 7, RLIMIT_NICE = 13, RLIMIT_RTPRIO = 14;
/** ioprio's `which`: a process (its pid) and, past IOPRIO_WHO_PGRP, a user. */
const IOPRIO_WHO_PROCESS = 1, IOPRIO_WHO_USER = 3;
export const RLIMIT_SIGPENDING = 11;
/** RLIMIT_DATA, RLIMIT_STACK, RLIMIT_MEMLOCK, RLIMIT_AS: the kernel's mm reads them (mm_set_rlimit). */
const MM_RLIMITS = [2, 3, 8, 9];
/**
 * The resource limits a process starts with, as Linux's INIT_RLIMITS and a
 * systemd-less boot set them (8 MiB stack, 1024 descriptors, 8 MiB locked memory).
 */
const RLIMITS: readonly (readonly [cur: number, max: number])[] = [
  [Infinity, Infinity], // CPU
  [Infinity, Infinity], // FSIZE
  [Infinity, Infinity], // DATA
  [8 << 20, Infinity], // STACK
  [0, Infinity], // CORE
  [Infinity, Infinity], // RSS
  [Infinity, Infinity], // NPROC
  [NR_OPEN_DEFAULT, 4096], // NOFILE
  [8 << 20, 8 << 20], // MEMLOCK
  [Infinity, Infinity], // AS
  [Infinity, Infinity], // LOCKS
  [Infinity, Infinity], // SIGPENDING
  [819200, 819200], // MSGQUEUE
  [0, 0], // NICE
  [0, 0], // RTPRIO
  [Infinity, Infinity], // RTTIME
];

function limitBytes(v: number): Uint8Array {
  return v === Infinity ? new Uint8Array(8).fill(0xff) : u64Bytes(v);
}

function timespec(sec: number, nsec: number): Uint8Array {
  const out = new Uint8Array(16);
  out.set(u64Bytes(sec), 0);
  out.set(u64Bytes(nsec), 8);
  return out;
}

function u64Bytes(v: number): Uint8Array {
  const out = new Uint8Array(8);
  const d = new DataView(out.buffer);
  d.setUint32(0, v >>> 0, true);
  d.setUint32(4, Math.floor(v / 0x1_0000_0000) >>> 0, true);
  return out;
}
