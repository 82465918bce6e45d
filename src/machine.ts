// A faultline machine: the kernel (Wasm), the CPU and its MMU front, the
// ELF loader and the syscall layer, wired together. This is the embeddable
// API (Node and browser): no node: imports here.
//
//   const m = new Machine(kernelModule, { mem: "256M" });
//   m.exec(elfBytes, ["./touch_write", "256"]);
//   const end = m.run();          // { kind: "exit", status } or { kind: "signal", … }
//
// exec starts pid 1; it may fork, exec and wait as Linux's processes do
// (src/task/: a Task per process, the Scheduler's round robin in retired
// instructions). A run ends when pid 1 ends; the processes left then are
// killed, as a PID namespace's are when its init dies. Guest faults never
// become host exceptions: a #PF goes to the kernel's handle_page_fault and
// the instruction restarts, or the process gets the signal Linux would
// send (src/task/signal.ts: a handler runs on a signal frame, or the
// process ends). When a process ends, its mm is torn down (every page and
// page table back to the buddy once no other process shares them).

import {
  Cpu, Mmu, STOP_BP, STOP_BUDGET, STOP_DE, STOP_GP, STOP_MF, STOP_NAMES, STOP_PAGE_FAULT, STOP_SYSCALL, STOP_UD, STOP_XM,
} from "./cpu/index.js";
import { type Found, Namespace } from "./fs/namespace.js";
import { RegularInode } from "./fs/inode.js";
import { d_path } from "./syscalls/namei.js";
import { Kernel } from "./kernel.js";
import type { KernelExports } from "./abi.js";
import { argTypeError, withCode } from "./errors.js";
import type { ExecImage } from "./loader/index.js";
import { updateVsyscall } from "./loader/vdso.js";
import type { FileData } from "./fs/file_data.js";
import { SHM_DEV, bytesFile } from "./fs/pagecache.js";
import { THP_MODES, checkBudget, checkStrings, validateOptions, type MachineOptions, type RunAsyncOptions } from "./machine_options.js";
import { PROC_FILES, NUMA_PROC_FILES, procStores } from "./proc/index.js";
import { sysNodeFiles } from "./proc/node.js";
import { MmReader } from "./proc/mm_reader.js";
import { MM_AT_OPEN, SELF_FILES, SELF_READS, pagemap, type TaskView } from "./proc/self.js";
import { PAGE_READS } from "./proc/page.js";
import { syscallIn } from "./proc/base.js";
import { readFaultStats, runStats, type RunStats, type StatsInput } from "./proc/stats.js";
import { vmaPerms, vmaName } from "./proc/task_mmu.js";
import { Signals } from "./task/signal.js";
import { writeSysctl } from "./proc/sysctl.js";
import { EINVAL, ESRCH } from "./syscalls/errno.js";
import { sysKernelMm } from "./proc/sysfs_mm.js";
import { LoadAvg, procCpuinfo, procLoadavg, procMountinfo, procMounts, procStat, procUptime, procVersion, type SystemView } from "./proc/system.js";
import { cpuModel } from "./cpu/model.js";
import { absolute, execve, load, setComm } from "./task/exec.js";
import { do_exit, do_group_exit, release } from "./task/exit.js";
import { process_madvise } from "./task/madvise.js";
import { unsigned } from "./syscalls/args.js";
import { RLIMIT_NPROC, clone, clone3, fork, maxThreads, newTask, unshare, vfork } from "./task/fork.js";
import { pidfd_getfd, pidfd_open, pidfd_send_signal, waitid_pidfd } from "./task/pidfd.js";

/** waitid's idtype for a pidfd. */
const P_PIDFD = 3;
import { futex, futex_unqueue, get_robust_list } from "./task/futex.js";
import { KILLED_WITH_INIT, Scheduler } from "./task/sched.js";
import { KernelThreads } from "./task/kthread.js";
import { credCall, getpriority, getrusage, prlimit64, setpriority } from "./task/sys.js";
import { alarm, cpu_nanosleep, getitimer, setitimer, timer_create, timer_delete, timer_getoverrun, timer_gettime, timer_settime } from "./task/timers.js";
import { timerfd_create, timerfd_gettime, timerfd_settime } from "./syscalls/timerfd.js";
import { process_vm_rw } from "./task/process_vm_access.js";
import { emulate_vsyscall, is_vsyscall_vaddr } from "./syscalls/vsyscall.js";
import { Task, copyRegisters, int32Bytes, waitStatus } from "./task/task.js";
import type { VmaInfo } from "./trace/fault.js";
import { Observer, TraceRing, EventTracer, ftraceMissing, type ObserverOptions, type TraceSystem } from "./trace/index.js";
import {
  DEFAULT_EPOCH, SeededRandom, UTSNAME, faultSignal, fpu__exception_code, trapSignal, uaccess, type FatalSignal,
  ILL_ILLOPN, SIGILL, SIGKILL, SI_KERNEL, type UserMemory, ENOSYS, StraceLines, VirtualClock, EINTR,
  ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS, ERESTART_RESTARTBLOCK, RLIMIT_SIGPENDING,
} from "./syscalls/index.js";

export { bytesReader, type MachineOptions, type RunAsyncOptions, type StdinReader, type THPMode } from "./machine_options.js";

export interface FaultHook {
  beforeFault(address: number, errorCode: number): void;
  afterFault(result: number): void;
}

/** How a run ended: pid 1's exit or fatal signal, the budget used up, or every process asleep for ever. */
export type RunEnd =
  | { kind: "exit"; status: number }
  | { kind: "signal"; status: number; signal: FatalSignal }
  | { kind: "budget"; retired: number }
  | { kind: "stalled"; sleeping: number[] };


/** Whether `f` has FileData's shape (the page cache reads the program through it). */
function isFileData(f: unknown): f is FileData {
  const d = f as FileData | null;
  return typeof d === "object" && d !== null && Number.isInteger(d.ino) && d.ino > 0
    && typeof d.size === "function" && typeof d.read === "function";
}

/** One line of the process list (ps's columns: RSS in pages). */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** R running or runnable, S sleeping in a syscall, Z zombie. */
  state: "R" | "S" | "Z";
  comm: string;
  rss: number;
  /** The task on the CPU. */
  current: boolean;
}

/** The syscall instruction's length: a sleeping task's rip goes back over it. */
const SYSCALL_INSN = 2;
/** pause, rt_sigsuspend, poll, select, ppoll, pselect6, rt_sigtimedwait: interrupted by a handler, they answer EINTR even under SA_RESTART (-ERESTARTNOHAND). */
const RESTARTNOHAND = [34, 130, 7, 23, 270, 271, 128];
/** nanosleep, clock_nanosleep: the same, and restarted through restart_syscall when no handler runs (-ERESTART_RESTARTBLOCK). */
const RESTARTBLOCK = [35, 230];

/** connect, accept, sendto, recvfrom, sendmsg, recvmsg, accept4, recvmmsg, sendmmsg: the socket calls that wait SO_SNDTIMEO or SO_RCVTIMEO. */
const SOCKET_WAITS = [42, 43, 44, 45, 46, 47, 288, 299, 307];

/** The -ERESTART* code a sleeping call `nr` of `t` returns to a signal (`flags`: clock_nanosleep's). */
function restartCode(nr: number, t: Task, flags: number): number {
  // A sleep to an absolute time has no time left to restart with.
  if (RESTARTNOHAND.includes(nr) || (nr === 230 && flags & 1)) return ERESTARTNOHAND;
  // A futex wait with a timeout restarts only when no handler ran; a PI lock always restarts (futex_lock_pi's -ERESTARTNOINTR).
  const timed = t.sys.sleeper.expires !== null;
  if (RESTARTBLOCK.includes(nr) || (t.futex && !t.futex.pi && timed)) return ERESTART_RESTARTBLOCK;
  // A socket call waiting out SO_RCVTIMEO or SO_SNDTIMEO ends with EINTR whatever the handler asks (sock_intr_errno).
  if (SOCKET_WAITS.includes(nr) && timed) return EINTR;
  return t.futex?.pi ? ERESTARTNOINTR : ERESTARTSYS;
}

/** A /proc/<pid>/NAME or /proc/<pid>/task/<tid>/NAME as its "self/NAME" entry in the tables of src/proc/self.ts. */
const selfName = (name: string) => name.replace(/^\d+\/(task\/\d+\/)?/, "self/");

/** Each process's view of the mount table (the same for all: one namespace). */
const MOUNT_FILES = ["self/mounts", "self/mountinfo"];

export class Machine {
  readonly kernel: Kernel;
  readonly mmu: Mmu;
  /** The CPU: the running task's registers are in it (each task's are saved in its Task while another runs). */
  readonly cpu: Cpu;
  /** Page faults the kernel handled since the last exec() (every process's, its syscalls' copies included). */
  faults = 0;
  /** Called around every page fault the kernel handles (tracing, sampling); see observe(). */
  faultHook: FaultHook | null = null;
  /** The virtual clock every process and kernel thread reads (ns since boot). */
  readonly clock: VirtualClock;
  /** Every process's strace lines, interleaved as strace -f shows them (with traceSyscalls). @internal (src/task/) */
  readonly strace: StraceLines | null;
  /** kthreadd, kcompactd0 and kswapd0: the scheduler runs them between quanta. */
  readonly kthreads: KernelThreads;
  /** The processes. */
  sched = new Scheduler();
  /** Whose registers the CPU holds. @internal (src/task/) */
  running: Task | null = null;
  /** Processes when the syscall being traced began: strace decides on "[pid N] " at entry (a fork's own line has none). @internal (src/task/) */
  liveAtEntry: number | null = null;
  /** The running task's mm fault counts when it got the CPU: what it faults from then on is its own (task->min_flt). */
  private faultBase = { mm: 0, min_flt: 0, maj_flt: 0 };
  /** The kernel's event counters at exec (Kernel.vmstatValues): --stats reports what the run added to them. */
  private statsSince: { vmstat: number[]; faultStats: StatsInput["faultStats"] } | undefined;
  private reader: MmReader | null = null;
  /** The tracepoints' printer, once traceEvents started it. */
  private events: EventTracer | null = null;
  /** The kernel-wide /proc files this machine has (the NUMA sysctls on several nodes). */
  private readonly procFiles: typeof PROC_FILES;
  /** The kernel's exports, the syscalls' seeded randomness and user memory through the MMU. @internal (src/task/) */
  readonly k: KernelExports;
  readonly random: SeededRandom;
  readonly user: UserMemory;
  /** The file-system namespace: the same for every process of this machine (its tmpfs outlives them). */
  readonly fs: Namespace;

  constructor(kernelModule: WebAssembly.Module, /** @internal (src/task/) */ readonly options: MachineOptions = {}) {
    // The kernel's TLB shootdowns reach the MMU, which exists only after the kernel does.
    let mmu: Mmu | null = null;
    this.kernel = new Kernel(kernelModule, {
      ...options,
      env: {
        flush_tlb_page: (va: number) => mmu?.flushPage(va),
        flush_tlb_all: () => mmu?.flushAll(),
      },
    });
    this.k = this.kernel.exports;
    this.kthreads = new KernelThreads(this.kernel, () => this.clock.now(), this.kernel.nrNodeIds);
    validateOptions(options);
    const thp = options.thp ?? "madvise";
    this.k.thp_set_enabled(THP_MODES.indexOf(thp));
    for (const [name, value] of Object.entries(options.sysctl ?? {})) {
      try {
        writeSysctl(this.kernel.exports, name, String(value));
      } catch (e) {
        throw withCode(new RangeError(`options.sysctl: ${(e as Error).message}`), "ERR_OUT_OF_RANGE");
      }
    }
    const k = this.k;
    mmu = this.mmu = new Mmu(this.kernel.memory, (va, access) => k.mmu_walk(va, access));
    this.cpu = new Cpu(this.mmu, cpuModel(options.cpu));
    this.clock = new VirtualClock(this.cpu, (idle) => updateVsyscall(this.kernel.vdsoTimeData, idle, DEFAULT_EPOCH, this.kernel.numaNodeId));
    // The kernel threads answer the boot-time sysctls at once (a nonzero vm.compaction_proactiveness wakes kcompactd).
    this.kthreads.turn();
    this.strace = options.traceSyscalls ? new StraceLines(options.traceSyscalls) : null;
    if (options.jitThreshold !== undefined) this.cpu.jitThreshold = options.jitThreshold;
    this.user = uaccess(this.mmu, (cr2, err) => this.pageFault(cr2, err));
    this.random = new SeededRandom(options.seed ?? 1);
    this.procFiles = this.kernel.nodes().length > 1 ? NUMA_PROC_FILES : PROC_FILES;
    const procNames = [...Object.keys(this.procFiles), ...Object.keys(this.systemFiles), ...Object.keys(SELF_FILES), ...MOUNT_FILES,
      ...Object.keys(PAGE_READS), ...Object.keys(SELF_READS)];
    this.fs = new Namespace({
      host: options.fs ?? null,
      random: (n) => this.random.bytes(n),
      now: () => this.current?.sys.realtimeSeconds() ?? DEFAULT_EPOCH,
      proc: (name) => (name in this.procFiles || name in this.systemFiles || this.procSubject(name) || this.kthreads.proc(name) !== null ? this.proc(name) : null),
      procRead: (name) => this.procRead(name),
      procOpen: (name) => (!MM_AT_OPEN.has(selfName(name)) || this.procSubject(name)?.mm ? 0 : -ESRCH),
      procNames,
      procStores: Object.fromEntries(Object.entries(procStores(this.procFiles)).map(([n, store]) => [n, (pos: number, bytes: Uint8Array) => store(this.kernel, pos, bytes)])),
      shmem: (ino) => this.kernel.pageCache.shmemFile(ino),
      totalramPages: () => this.kernel.totalramPages,
      // get_task_exe_file: none once the task has given up its mm.
      exe: (pid) => { const t = pid === undefined ? this.current : this.sched.byPid(pid); return t && t.state !== "zombie" ? t.exe : null; },
      // comm_write: at most 15 bytes, newline and all; only a task of the writer's own process.
      setComm: (tid, name) => {
        const t = this.sched.byPid(tid);
        if (!t || t.state === "zombie") return -ESRCH;
        if (t.group !== this.current?.group) return -EINVAL;
        t.comm = setComm(this, t, name.subarray(0, 15));
        return name.length;
      },
      // Every process not yet reaped, zombies too.
      pids: () => [...this.sched.tasks.filter((t) => t === t.group.leader).map((t) => t.pid), ...this.kthreads.threads.map((t) => t.pid)].sort((a, b) => a - b),
      selfPid: () => this.current?.tgid ?? 1,
      selfTid: () => this.current?.pid ?? 1,
      // A zombie process's task directory holds its leader until it is reaped.
      tids: (pid) => { const t = this.procTask(`${pid}/`); return !t ? [] : t.group.threads.length ? t.group.threads.map((x) => x.pid) : [t.pid]; },
      isThread: (tid) => { const t = this.sched.byPid(tid); return !!t && t !== t.group.leader && t.state !== "zombie"; },
      // exit_files: a task that has exited has no descriptors.
      files: (tid) => { const t = this.sched.byPid(tid); return t && t.state !== "zombie" ? t.sys.files.fds : null; },
      sys: () => ({
        "devices/system/node": Object.fromEntries(Object.entries(sysNodeFiles(this.kernel)).map(([n, show]) => [n, { show }])),
        ...sysKernelMm(this.kernel),
      }),
    });
  }

  /** Creates a fresh machine, compiling the kernel if given bytes. */
  static async create(kernel: BufferSource | WebAssembly.Module, options: MachineOptions = {}): Promise<Machine> {
    const mod = kernel instanceof WebAssembly.Module ? kernel : await WebAssembly.compile(kernel);
    return new Machine(mod, options);
  }

  /** The task on the CPU (null when none runs). */
  get current(): Task | null {
    return this.sched.current;
  }
  /** The current process's mm_struct (0 when none). */
  get mm(): number {
    return this.current?.mm ?? 0;
  }
  /** The loaded image of the current process. */
  get image(): ExecImage | null {
    return this.current?.image ?? null;
  }
  /** The current process's signal state. */
  get signals(): Signals | null {
    return this.current?.signals ?? null;
  }

  /**
   * execve for pid 1: a new mm holding the program (bytes, or a FileData
   * read through the page cache as the program faults), its stack and its
   * brk; every process of an earlier run is ended first. Throws an Error
   * ("exec format error: …") for a file Linux would refuse. `path` is the
   * program's absolute path, the target of /proc/self/exe (default: argv[0]
   * from the starting directory).
   */
  exec(file: Uint8Array | FileData, argv: string[], envp: string[] = this.options.envp ?? [], path?: string): void {
    if (!(file instanceof Uint8Array) && !isFileData(file)) throw argTypeError("file", "a Uint8Array or a FileData", file);
    checkStrings("argv", argv);
    checkStrings("envp", envp);
    if (this.sched.tasks.length) this.exit();
    const data = file instanceof Uint8Array ? bytesFile(file) : file;
    // The program's path as d_path gives it where the namespace has it (where its links lead); when `file` is
    // that file's own data, /proc/<pid>/maps names it so, with its device.
    const where = path ?? absolute(this.options.cwd ?? "/", argv[0] ?? "");
    const found = this.fs.walk(this.fs.rootLoc, where, true);
    const node = typeof found === "number" ? null : found.node;
    const exePath = node instanceof RegularInode ? d_path(this.fs, found as Found) : where;
    if (node instanceof RegularInode && node.ino === data.ino) this.kernel.pageCache.names.set(data.ino, { path: exePath, dev: node.mount.dev });
    this.statsSince = { vmstat: this.kernel.vmstatValues(), faultStats: readFaultStats(this.kernel.memory, this.k.fault_stats_ptr()) };
    const mm = this.kernel.call(() => this.k.mm_create());
    if (mm === 0) throw withCode(new Error("exec failed: out of memory for a new address space"), "ENOMEM");
    this.kernel.call(() => this.k.mm_switch(mm));
    this.mmu.flushAll();
    this.faults = 0;
    this.sched = new Scheduler(this.kthreads);
    const init = newTask(this, null, mm, null);
    this.sched.current = this.running = init;
    // fork_init: RLIMIT_NPROC and RLIMIT_SIGPENDING start at half of max_threads, which Linux sizes from RAM (set_max_threads).
    for (const resource of [RLIMIT_NPROC, RLIMIT_SIGPENDING]) init.sys.setRlimit(resource, Math.floor(maxThreads(this) / 2), Math.floor(maxThreads(this) / 2));
    try {
      load(this, init, data, argv, envp, exePath, argv[0] ?? "");
    } catch (e) {
      this.exit();
      throw e;
    }
  }

  // ─── the process syscalls ──────────────────────────────────────────────────

  /** The syscalls that reach beyond the task (TaskCalls): undefined for the others. @internal (src/task/) */
  taskCall(t: Task, nr: number, a: number[]): number | undefined {
    const s = this.sched;
    switch (nr) {
      case 39: return t.tgid; // getpid
      case 186: return t.pid; // gettid
      case 218: // set_tid_address
        t.clearChildTid = a[0];
        return t.pid;
      case 202: return futex(this, t, a[0], a[1] | 0, a[2] | 0, a[3], a[4], a[5] | 0);
      case 274: return get_robust_list(this, t, a[0] | 0, a[1], a[2]);
      case 24: return s.yield(); // sched_yield
      case 110: return s.getppid(t);
      case 56: return clone(this, t, a[0] >>> 0, a[1], a[2], a[3], a[4]);
      case 435: return clone3(this, t, a[0], a[1]);
      case 57: return fork(this, t);
      case 58: return vfork(this, t);
      case 272: return unshare(this, t, a[0]);
      case 59: return execve(this, t, a[0], a[1], a[2]);
      case 61: return s.wait4(t, this.user, a[0] | 0, a[1], a[2] | 0, a[3]);
      case 247: return (a[0] | 0) === P_PIDFD ? waitid_pidfd(this, t, a[1] | 0, a[2], a[3] | 0, a[4]) : s.waitid(t, this.user, a[0] | 0, a[1] | 0, a[2], a[3] | 0, a[4]);
      case 434: return pidfd_open(this, t, a[0] | 0, a[1] >>> 0);
      case 440: return process_madvise(this, t, a[0] | 0, a[1], unsigned(a[2]), a[3] | 0, a[4] >>> 0);
      case 424: return pidfd_send_signal(this, t, a[0] | 0, a[1] | 0, a[2], a[3] >>> 0);
      case 438: return pidfd_getfd(this, t, a[0] | 0, a[1] | 0, a[2] >>> 0);
      case 62: return s.kill(t, a[0] | 0, a[1] | 0);
      case 200: return s.tgkill(t, -1, a[0] | 0, a[1] | 0);
      case 234: return s.tgkill(t, a[0] | 0, a[1] | 0, a[2] | 0);
      case 129: return s.sigqueueinfo(t, this.user, a[0] | 0, a[1] | 0, a[2]); // rt_sigqueueinfo
      case 310: return process_vm_rw(this, a[0] | 0, a[1], a[2], a[3], a[4], a[5], false); // process_vm_readv
      case 311: return process_vm_rw(this, a[0] | 0, a[1], a[2], a[3], a[4], a[5], true);  // process_vm_writev
      case 297: return s.tgsigqueueinfo(t, this.user, a[0] | 0, a[1] | 0, a[2] | 0, a[3]); // rt_tgsigqueueinfo
      case 109: return s.setpgid(t, a[0] | 0, a[1] | 0);
      case 121: return s.getpgid(t, a[0] | 0);
      case 111: return t.pgid; // getpgrp
      case 112: return s.setsid(t);
      case 124: return s.getsid(t, a[0] | 0);
      case 98: return getrusage(this, t, a[0] | 0, a[1]);
      case 140: return getpriority(this, t, a[0] | 0, a[1] | 0);
      case 141: return setpriority(this, t, a[0] | 0, a[1] | 0, a[2] | 0);
      case 302: return prlimit64(this, t, a[0] | 0, a[1] >>> 0, a[2], a[3]);
      case 37: return alarm(this, t, a[0] >>> 0);
      case 36: return getitimer(this, t, a[0] | 0, a[1]);
      case 38: return setitimer(this, t, a[0] | 0, a[1], a[2]);
      case 230: return cpu_nanosleep(this, t, a[0] | 0, a[1] | 0, a[2]); // clock_nanosleep on a CPU-time clock
      case 222: return timer_create(this, t, a[0] | 0, a[1], a[2]);
      case 223: return timer_settime(this, t, a[0] | 0, a[1] | 0, a[2], a[3]);
      case 224: return timer_gettime(this, t, a[0] | 0, a[1]);
      case 225: return timer_getoverrun(t, a[0] | 0);
      case 226: return timer_delete(t, a[0] | 0);
      case 283: return timerfd_create(this, t, a[0] | 0, a[1] | 0);
      case 286: return timerfd_settime(this, t, a[0] | 0, a[1] | 0, a[2], a[3]);
      case 287: return timerfd_gettime(this, t, a[0] | 0, a[1]);
      default: return credCall(this, t, nr, a);
    }
  }

  // ─── views ─────────────────────────────────────────────────────────────────

  /** The current process's address space as the /proc/self views read it (null when none). */
  task(): TaskView | null {
    const t = this.current;
    if (!t || !t.mm) return null;
    return this.view(t);
  }

  /**
   * The views of `t`'s process (the identity of `who`, its leader or the
   * thread /proc/<tid> names; every thread's time), or with `thread` of `t`
   * alone (/proc/<pid>/task/<tid>: its own time and faults). `t` has the mm.
   */
  private view(t: Task, who = t.group.leader, thread = false): TaskView {
    const s = this.sched, g = t.group;
    const state = who.state === "zombie" ? "Z" : who.state === "sleeping" ? "S" : "R";
    if (thread) this.accountFaults(t);
    return {
      mm: this.mmReader(), handle: t.mm, comm: who.comm, memoryNodes: this.kernel.nodesWithMemory(),
      read: (addr, len) => {
        const bytes = new Uint8Array(len);
        return this.user.copyFromUser(bytes, addr, len) === 0 ? bytes : null;
      },
      task: {
        pid: who.pid, tgid: t.tgid, ppid: s.getppid(t), pgrp: t.pgid, session: t.sid, state, cminflt: g.leader.childMinflt, cmajflt: g.leader.childMajflt,
        retired: thread ? t.retired : g.threads.reduce((n, x) => n + x.retired, g.exitedRetired),
        childRetired: g.leader.childRetired, signals: who.signals.masks(), exitSignal: who.exitSignal,
        // signal->nr_threads: a zombie leader counts until it is reaped.
        threads: g.threads.length + (g.leader.state === "zombie" ? 1 : 0),
        exitCode: who.state === "zombie" && who.end ? waitStatus(who.end) : 0,
        endFaults: t.mm ? undefined : { min_flt: t.minflt, maj_flt: t.majflt },
        ownFaults: thread ? { min_flt: t.ownMinflt, maj_flt: t.ownMajflt } : undefined,
        sharedPending: who.signals.shared.reduce((m, p) => m | (1n << BigInt(p.signo - 1)), 0n),
        sigQueued: s.queuedSignals(who.cred.uid),
        cred: who.cred, rlimits: who.sys.rlimits, nvcsw: who.nvcsw, nivcsw: who.nivcsw, ...who.sys.scheduling,
        // An exited leader has given up its fs_struct and fd table (exit_fs, exit_files).
        umask: state === "Z" ? null : who.sys.files.umask, fdSize: state === "Z" ? 0 : who.sys.files.fds.maxFds,
        // The reader's own registers are the CPU's; a sleeping task's rip is back on its syscall instruction.
        syscall: state === "Z" ? null : who === this.current ? syscallIn(this.cpu.state, false) : state === "S" ? syscallIn(who.regs, who.restartable) : "running",
        files: state === "Z" ? null : who.sys.files.fds,
      },
    };
  }

  /** The load averages, moved on between quanta. */
  private readonly loadavg = new LoadAvg();

  /** The system-wide /proc files: what the clock, the tasks, the CPU and the mount table say now. */
  private readonly systemFiles: Record<string, () => string> = {
    stat: () => procStat(this.systemView()),
    uptime: () => procUptime(this.systemView()),
    loadavg: () => procLoadavg(this.systemView()),
    version: () => procVersion(UTSNAME),
    cpuinfo: () => procCpuinfo((leaf) => this.cpu.model.cpuid(leaf, 0)),
    mounts: () => procMounts(this.fs.mounts()),
    mountinfo: () => procMountinfo(this.fs.mounts()),
  };

  /** Runnable tasks (nr_running), kernel threads at work included. */
  private nrRunning(): number {
    return this.sched.tasks.filter((t) => t.state === "runnable").length + this.kthreads.threads.filter((t) => t.state === "R").length;
  }

  private systemView(): SystemView {
    const now = this.clock.now();
    return {
      nowNs: now, idleNs: now - this.cpu.retired, bootEpoch: this.current?.sys.realtimeEpoch ?? DEFAULT_EPOCH,
      forks: this.kthreads.threads.length + this.sched.forks, ctxt: this.sched.nr_switches, running: this.nrRunning(),
      threads: this.sched.tasks.length + this.kthreads.threads.length, lastPid: Math.max(this.sched.lastPid, this.kthreads.lastPid),
      avenrun: this.loadavg.avenrun,
    };
  }

  /** The task a /proc/<pid|self>/… name is about: its thread under task/<tid>/, else its process's (procTask). */
  private procSubject(name: string): Task | null {
    return name.includes("/task/") ? this.procThread(name) : this.procTask(name);
  }

  /** The thread a /proc/<pid|self>/task/<tid>/… name is about, if it lives. */
  private procThread(name: string): Task | null {
    const m = /^(self|\d+)\/task\/(\d+)\//.exec(name);
    const t = m && this.procTask(name);
    return t?.group.threads.find((x) => x.pid === Number(m![2])) ?? null;
  }

  /**
   * The task a /proc/<pid|self>/… name is about, if its process has a thread
   * left: the process's leader, or a live thread by its tid (proc_pid_lookup
   * finds any task, though readdir of /proc lists only processes).
   */
  private procNamed(name: string): Task | null {
    const m = /^(self|\d+)\//.exec(name);
    const t = !m ? null : m[1] === "self" ? this.current?.group.leader : this.sched.byPid(Number(m[1]));
    if (!t) return null;
    return t === t.group.leader || t.state !== "zombie" ? t : null;
  }

  /** The task whose mm a /proc/<pid|self>/… view reads: the named one, or a live thread when the leader has exited; a zombie process's leader, which has none. */
  private procTask(name: string): Task | null {
    const t = this.procNamed(name);
    return !t ? null : t.mm ? t : t.group.threads[0] ?? t;
  }

  /** Reads any mm's fields, VMAs and page tables out of the kernel's memory. @internal (src/task/) */
  mmReader(): MmReader {
    // Shared anonymous memory is an unlinked tmpfs file (shmem_zero_setup); a file opened
    // by name (open, the interpreter) has that name, its device and inode; any other
    // file a process maps here is its program: /proc shows the path it was exec'd by.
    const cache = this.kernel.pageCache;
    return this.reader ??= new MmReader(this.k, this.kernel.memory, this.kernel.layout, (_, ino) => {
      if (cache.zeroInodes.has(ino)) return { path: "/dev/zero (deleted)", dev: SHM_DEV, ino };
      const named = cache.names.get(ino);
      return named ? { path: named.path, dev: [named.dev >> 8, named.dev & 0xff], ino } : { path: this.current?.execPath ?? "" };
    });
  }

  /**
   * A /proc view by name: the kernel-wide files (buddyinfo, zoneinfo,
   * pagetypeinfo, vmstat, extfrag/…) and, for the current process ("self/")
   * or any live one ("<pid>/"), maps, status, stat, smaps_rollup, numa_maps, cmdline and environ.
   */
  proc(name: string): string {
    const kernelWide = this.procFiles[name];
    if (kernelWide) return kernelWide(this.kernel);
    const system = this.systemFiles[name];
    if (system) return system();
    const kthread = this.kthreads.proc(name);
    if (kthread !== null) return kthread;
    if (/^(self|\d+)\/task\//.test(name)) {
      const file = SELF_FILES[name.replace(/^(self|\d+)\/task\/\d+\//, "self/")];
      const t = this.procThread(name);
      if (!file || !t) throw new Error(`/proc/${name}: no such thread`);
      return this.withMm(t, () => file(this.view(t, t, true)));
    }
    const mounts = /^(self|\d+)\/(mounts|mountinfo)$/.exec(name);
    if (mounts && this.procTask(name)) return this.systemFiles[mounts[2]]();
    const file = SELF_FILES[name.replace(/^\d+\//, "self/")];
    if (!file) throw new Error(`no /proc/${name} here; try ${[...Object.keys(this.procFiles), ...Object.keys(SELF_FILES)].join(", ")}`);
    const t = this.procTask(name);
    if (!t) throw new Error(`/proc/${name}: no process`);
    return this.withMm(t, () => file(this.view(t, this.procNamed(name)!)));
  }

  /**
   * What each open of a /proc file with a read op of its own reads with:
   * kpageflags and kpagecount, and a task's pagemap, auxv and syscall,
   * each read finding the task anew.
   */
  private procRead(name: string): (() => (pos: number, count: number) => Uint8Array | number) | null {
    const kernelWide = PAGE_READS[name];
    if (kernelWide) return () => (pos, count) => kernelWide(this.kernel, pos, count);
    const read = SELF_READS[selfName(name)];
    if (!read) return null;
    const thread = name.includes("/task/");
    return () => {
      // proc_mem_open: an open holds the mm it found, its saved auxv with it; once the task has another (exec) or none, there is no pagemap to read.
      const opened = this.procSubject(name);
      const mm = opened?.mm ?? 0, auxv = opened?.image?.stack.auxv;
      return (pos, count) => {
        const t = this.procSubject(name);
        if (!t) return read({ mm: this.mmReader(), handle: 0, comm: "", auxv }, pos, count);
        return this.withMm(t, () => read({ ...this.view(t, thread ? t : this.procNamed(name)!, thread), handle: t.mm === mm ? mm : 0, auxv }, pos, count));
      };
    };
  }

  /** Every process (its threads are one line, its leader's), in pid order: its family, state, comm and RSS in pages (a zombie's is 0). */
  processes(): ProcessInfo[] {
    const s = this.sched;
    return s.tasks.filter((t) => t === t.group.leader).map((t) => {
      const mm = t.mm || (t.group.threads[0]?.mm ?? 0);
      const rss = mm ? this.mmReader().mm(mm).rss : null;
      return {
        pid: t.pid, ppid: s.getppid(t), comm: t.comm, current: t.group === this.current?.group,
        state: t.state === "zombie" ? "Z" : t.state === "sleeping" ? "S" : "R",
        rss: rss ? rss.anon + rss.file + rss.shmem : 0,
      } satisfies ProcessInfo;
    }).concat(this.kthreads.threads.map((t) => ({ pid: t.pid, ppid: t.ppid, comm: t.comm, current: false, state: t.state, rss: 0 })))
      .sort((a, b) => a.pid - b.pid);
  }

  /**
   * `fn` with process `pid`'s mm as the current one, for the side-effect-free
   * walks (mmu_walk_inspect), which read the current mm. Null when `pid` has no mm.
   */
  inProcess<T>(pid: number, fn: () => T): T | null {
    const t = this.procTask(`${pid}/`);
    return t?.mm ? this.withMm(t, fn) : null;
  }

  /**
   * access_remote_vm as process_vm_readv and process_vm_writev use it
   * (pin_user_pages_remote, no FOLL_FORCE): `buf` from (`write`: to) `t`'s
   * memory at `addr`, page by page through its page tables, each page
   * faulted in as needed; it stops at the first page the task itself could
   * not read (write). @return the bytes moved @internal (src/task/)
   */
  accessRemoteVm(t: Task, addr: number, buf: Uint8Array, write: boolean): number {
    return this.withMm(t, () => {
      let done = 0;
      while (done < buf.length) {
        const n = Math.min(buf.length - done, 4096 - ((addr + done) % 4096));
        const piece = buf.subarray(done, done + n);
        if ((write ? this.user.copyToUser(addr + done, piece) : this.user.copyFromUser(piece, addr + done, n)) !== 0) break;
        done += n;
      }
      return done;
    });
  }

  /** `fn` with `t`'s mm switched in, and the current one back after: the faults `fn` takes are the current task's. @internal (src/task/) */
  withMm<T>(t: Task, fn: () => T): T {
    if (t.mm === this.current?.mm || !t.mm) return fn();
    const back = this.current?.mm ?? 0;
    this.kernel.call(() => this.k.mm_switch_remote(t.mm));
    this.mmu.flushAll();
    try {
      return fn();
    } finally {
      this.kernel.call(() => this.k.mm_switch(back));
      this.mmu.flushAll();
    }
  }

  /** /proc/self/pagemap entries for these addresses, one line each (the side-effect-free walk). */
  pagemap(addresses: number[]): string {
    const t = this.task();
    if (!t) throw new Error("pagemap: no process");
    return pagemap(t, addresses);
  }

  /** The VMA covering `address` in the current mm, as the fault tracer shows it. */
  vmaAt(address: number): VmaInfo | null {
    const t = this.task();
    if (!t) return null;
    const vma = t.mm.vmaAt(t.handle, address);
    return vma ? { start: vma.start, end: vma.end, perms: vmaPerms(vma.flags), name: vmaName(vma, t.mm.mm(t.handle)) } : null;
  }

  /**
   * Watches the faults from now on: traces them (function_graph text, records
   * for the trace-event JSON) and samples free memory and RSS after each, as
   * `options` ask. Replaces any earlier observer. Tracing (options.trace)
   * needs the traced kernel build (build/kernel.trace.wasm): on the release
   * build it throws, and nothing changes.
   */
  observe<const O extends ObserverOptions>(options: O): Observer<O["trace"] extends true ? true : boolean> {
    // Said now, not at the first fault.
    if (options.trace && !this.kernel.ftrace) throw ftraceMissing("observe({ trace: true })");
    const observer = new Observer<O["trace"] extends true ? true : boolean>(new TraceRing(this.k, this.kernel.memory), {
      zones: () => this.kernel.nodes().flatMap((nid) => this.kernel.freeAreas(nid)),
      rss: () => {
        const t = this.task();
        const rss = t ? t.mm.mm(t.handle).rss : { anon: 0, file: 0 };
        return { anon: rss.anon, file: rss.file };
      },
    }, options);
    this.kthreads.tracer = (name, run, args) => observer.kthread(name, run, args);
    this.faultHook = {
      beforeFault: (address, errorCode) => {
        const t = this.current;
        observer.beforeFault(address, errorCode, options.trace ? this.vmaAt(address) : null, t ? { pid: t.pid, comm: t.comm } : undefined);
      },
      afterFault: (result) => observer.afterFault(result),
    };
    return observer;
  }

  /** The run's figures (--stats) so far; `seconds` is the host time the caller measured. */
  stats(seconds: number): RunStats {
    const t = this.task();
    const mm = t ? t.mm.mm(t.handle) : null;
    return runStats({
      vmstat: Object.fromEntries(this.kernel.vmstat()),
      mm: mm
        ? { min_flt: mm.min_flt, maj_flt: mm.maj_flt, hiwater_rss: mm.hiwater_rss, pgtables_bytes: mm.pgtables_bytes, rss: mm.rss }
        : { min_flt: 0, maj_flt: 0, hiwater_rss: 0, pgtables_bytes: 0, rss: { anon: 0, file: 0, shmem: 0 } },
      faultStats: readFaultStats(this.kernel.memory, this.k.fault_stats_ptr()),
      instructions: this.cpu.retired,
      seconds,
      since: this.statsSince && { vmstat: Object.fromEntries(this.kernel.vmstat(this.statsSince.vmstat)), faultStats: this.statsSince.faultStats },
    });
  }

  // ─── running ───────────────────────────────────────────────────────────────

  /**
   * Runs the processes until pid 1 ends (the others are then killed), every
   * process sleeps with nothing to wake one, or they have retired `budget`
   * more instructions between them (default: the machine's maxInsns, else no limit).
   */
  run(budget = this.options.maxInsns ?? Infinity): RunEnd {
    this.checkRunnable(budget);
    const cpu = this.cpu;
    const start = cpu.retired;
    const CHUNK = 1 << 24;
    for (;;) {
      const left = budget - (cpu.retired - start);
      if (left <= 0) return { kind: "budget", retired: cpu.retired - start };
      const t = this.schedule();
      if (!t) {
        const end = this.stalled();
        if (end) return end;
        continue;
      }
      if (t.state !== "runnable") continue; // it died of a signal on its way back to user mode
      const stop = this.runTask(t, Math.min(left, CHUNK, this.sched.sliceLeft(cpu.retired), this.sched.untilTimer(t, this.clock.now())));
      const end = this.handleStop(t, stop);
      if (end) return end;
    }
  }

  /**
   * Prints the tracepoints of `systems` (events/SYSTEM/enable), a line each
   * as trace_pipe shows it, with the task that fired it and the virtual
   * time, until the tracer returned is stopped. Needs the traced kernel
   * build, as observe({ trace: true }) does.
   */
  traceEvents(systems: TraceSystem[], onLine: (line: string) => void): EventTracer {
    this.events = this.kthreads.events = new EventTracer(this.k, this.kernel.memory, systems, onLine);
    return this.events;
  }

  /** A write of 1 to /proc/sys/vm/compact_memory: compacts every zone whole. */
  compactMemory(): void {
    this.kernel.compactMemory();
  }

  /**
   * run(), giving the event loop a turn every `yieldEvery` instructions
   * (default 4M) so that a page stays responsive and `signal` can stop it.
   * Resolves as run() does; rejects with `signal.reason` when aborted,
   * leaving the processes where they stopped (exit() tears them down,
   * running beforeExit). Same program, same options: the same run as run().
   */
  async runAsync(options: RunAsyncOptions = {}): Promise<RunEnd> {
    const { signal, budget = this.options.maxInsns ?? Infinity, yieldEvery = 1 << 22 } = options;
    checkBudget("options.yieldEvery", yieldEvery);
    this.checkRunnable(budget);
    const start = this.cpu.retired;
    for (;;) {
      signal?.throwIfAborted();
      const left = budget - (this.cpu.retired - start);
      if (left <= 0) return { kind: "budget", retired: this.cpu.retired - start };
      const end = this.run(Math.min(left, yieldEvery));
      if (end.kind !== "budget") return end;
      await yieldToEventLoop();
    }
  }

  /** Executes one instruction of the task the scheduler chooses (and the kernel work it causes). */
  step(): RunEnd | null {
    this.checkRunnable(1);
    for (;;) {
      const t = this.schedule();
      if (!t) {
        const end = this.stalled();
        if (end) return end;
        continue;
      }
      if (t.state !== "runnable") continue;
      const stop = this.runTask(t, 1);
      if (stop === STOP_BUDGET) return null;
      const end = this.handleStop(t, stop);
      if (end) return end;
      if (stop !== STOP_PAGE_FAULT) return null; // a fixed fault restarts the same instruction
    }
  }

  /** Runs until the kernel has handled one more page fault (or pid 1 ends). */
  runToNextFault(budget = this.options.maxInsns ?? Infinity): RunEnd | null {
    this.checkRunnable(budget);
    const before = this.faults;
    const start = this.cpu.retired;
    while (this.faults === before) {
      if (this.cpu.retired - start >= budget) return { kind: "budget", retired: this.cpu.retired - start };
      const end = this.step();
      if (end) return end;
    }
    return null;
  }

  /** A run needs a process and a budget of at least one whole instruction. */
  private checkRunnable(budget: unknown): void {
    checkBudget("budget", budget);
    if (!this.sched.byPid(1)?.group.threads.length) throw withCode(new Error("no process: exec a program first"), "ERR_NO_PROCESS");
  }

  /**
   * The point between two quanta: the scheduler picks the task to run, and
   * it gets the CPU (its registers, its mm: mm_switch flushes the TLB as a
   * CR3 load does). A task woken by a signal has its wait interrupted;
   * pending signals are delivered on its way back to user mode.
   */
  private schedule(): Task | null {
    this.loadavg.calc_global_load(this.clock.now(), () => this.nrRunning());
    const t = this.sched.next(this.cpu.retired, this.clock.now());
    if (!t) return null;
    if (t !== this.running) {
      this.sched.nr_switches++;
      const was = this.running;
      if (was && was.state !== "zombie" && this.sched.tasks.includes(was)) {
        this.accountFaults(was);
        copyRegisters(this.cpu.state, was.regs);
      }
      copyRegisters(t.regs, this.cpu.state);
      // Threads of one process share the mm: no switch, no TLB flush between them.
      if (!was || was.mm !== t.mm) {
        this.kernel.call(() => this.k.mm_switch(t.mm));
        this.mmu.flushAll();
      }
      this.running = t;
      const f = this.mmReader().faults(t.mm);
      this.faultBase = { mm: t.mm, min_flt: f.min_flt, maj_flt: f.maj_flt };
      // schedule_tail: CLONE_CHILD_SETTID's write, in the child's memory.
      if (t.setChildTid) {
        this.user.copyToUser(t.setChildTid, int32Bytes(t.pid));
        t.setChildTid = 0;
      }
    }
    let ready = false;
    if (t.waitFor) {
      ready = t.waitFor();
      t.waitFor = null;
      // Woken by a signal: the call ends (EINTR when a handler without SA_RESTART runs first), or runs again after it.
      if (!ready && t.restartable) {
        const how = t.signals.interruption(t.restart);
        const ret = t.sys.interrupted(how === "eintr", how === "unhandled" ? null : t.restart);
        if (ret !== null) {
          this.cpu.rip += SYSCALL_INSN;
          this.cpu.setReg(0, ret);
          // The call is over: a futex sleeper leaves its queue (a restarted futex call finds its old place itself).
          if (t.futex) futex_unqueue(this, t.futex);
          t.futex = null;
        }
      }
    }
    // A call whose wait is over completes first (as a woken sleeper returns from it); its signals come after it.
    if (!(ready && t.restartable) && t.signals.hasDeliverable()) this.deliverSignals(t);
    return t;
  }

  /** The CPU runs `t` for at most `budget` instructions. */
  private runTask(t: Task, budget: number): number {
    const before = this.cpu.retired;
    const stop = this.cpu.run(budget);
    t.retired += this.cpu.retired - before;
    return stop;
  }

  /**
   * Every process sleeps. When one waits with a timeout, the clock moves to
   * the first deadline (an idle CPU; kcompactd's timeouts on the way count)
   * and the run goes on (null); when none does, Linux would wait for ever:
   * the run ends.
   */
  private stalled(): RunEnd | null {
    if (this.kthreads.runnable) return null;
    const sleeping = this.sched.tasks.filter((t) => t.state === "sleeping");
    const times = [this.kthreads.deadline, this.sched.timers.next()].filter((x): x is number => x !== null);
    if (times.length) {
      this.clock.idleUntil(Math.min(...times, this.kthreads.timeout ?? Infinity));
      return null;
    }
    return { kind: "stalled", sleeping: sleeping.map((t) => t.pid) };
  }

  /** Turns a CPU stop into kernel work; returns how pid 1 ended, if it did. */
  private handleStop(t: Task, stop: number): RunEnd | null {
    const cpu = this.cpu;
    switch (stop) {
      case STOP_BUDGET:
        return null;
      case STOP_SYSCALL: {
        const nr = cpu.getReg(0) >>> 0;
        this.liveAtEntry = this.sched.live;
        const vforkParent = t.vforkParent;
        const exited = t.sys.dispatch();
        this.events?.drain(t, this.clock.now());
        this.liveAtEntry = null;
        // A vfork child's execve let its parent's vfork return: strace shows that after the execve's line.
        if (vforkParent && !t.vforkParent) vforkParent.sys.returned();
        // exit ends the thread, exit_group every thread of the process.
        if (exited) return (nr === 60 ? do_exit : do_group_exit)(this, t, { kind: "exit", status: t.sys.exitStatus! });
        if (t.sys.waitFor) {
          // The task sleeps on the syscall instruction, rax still its number: it runs again once woken.
          t.state = "sleeping";
          t.nvcsw++;
          t.waitFor = t.sys.waitFor;
          t.restartable = true;
          t.restart = restartCode(nr, t, cpu.getReg(6));
          cpu.rip -= SYSCALL_INSN;
          return null;
        }
        if (t.state !== "runnable") return null; // vfork's parent
        return this.deliverSignals(t);
      }
      case STOP_PAGE_FAULT: {
        if (is_vsyscall_vaddr(cpu.cr2) && emulate_vsyscall(t, cpu, this.user, cpu.errorCode, cpu.cr2)) return this.deliverSignals(t);
        const r = this.pageFault(cpu.cr2, cpu.errorCode);
        this.events?.drain(t, this.clock.now());
        if (r === 0) return null;
        t.signals.trap(faultSignal(r, cpu.cr2, cpu.rip), "PF", cpu.errorCode);
        return this.deliverSignals(t);
      }
      case STOP_UD: {
        // An unhandled #UD names the bytes the CPU refused.
        const insn = cpu.insnBytes(cpu.rip);
        t.signals.trap(trapSignal("UD", cpu.rip), "UD");
        return this.deliverSignals(t, insn);
      }
      case STOP_GP:
      case STOP_DE:
      case STOP_BP: {
        const trap = STOP_NAMES[stop] as "GP" | "DE" | "BP";
        t.signals.trap(trapSignal(trap, cpu.rip), trap);
        return this.deliverSignals(t);
      }
      case STOP_MF:
      case STOP_XM: {
        // math_error: the CPU stops only for an unmasked exception, so the code is never 0 (spurious)
        const trap = STOP_NAMES[stop] as "MF" | "XM", st = cpu.state;
        t.signals.trap(trapSignal(trap, cpu.rip, fpu__exception_code(trap, st.fpu.cw, st.fpu.sw, st.mxcsr)), trap);
        return this.deliverSignals(t);
      }
      default:
        throw new Error(`cpu: unknown stop reason ${stop}`);
    }
  }

  /**
   * A #PF for the kernel: the CPU's (U set), or a syscall's copy to or from
   * user memory (U clear). Every one is counted and watched alike. When the
   * OOM killer chose a victim, every other task using its mm gets SIGKILL.
   * @return handle_page_fault's answer: 0, or signo << 16 | si_code
   */
  private pageFault(cr2: number, errorCode: number): number {
    this.faultHook?.beforeFault(cr2, errorCode);
    const r = this.kernel.call(() => this.k.handle_page_fault(cr2, errorCode));
    this.faults++;
    if (this.current) this.current.faults++;
    this.faultHook?.afterFault(r);
    const victim = this.k.oom_take_victim();
    // SIGKILL to a thread kills its whole process, so every user of the mm goes.
    if (victim) for (const t of this.sched.tasks) if (t.mm === victim && t !== this.current) t.signals.send({ signo: SIGKILL, code: SI_KERNEL });
    return r;
  }

  /** On the way back to user mode: pending signals run their handlers, or end the task's whole process. */
  private deliverSignals(t: Task, insn?: Uint8Array): RunEnd | null {
    const fatal = t.signals.deliver();
    if (!fatal) return null;
    const signal = insn && fatal.code === ILL_ILLOPN && fatal.signo === SIGILL ? { ...fatal, insn } : fatal;
    return do_group_exit(this, t, { kind: "signal", signal });
  }

  /** The faults the running task `t` took since it got the CPU become its own (task->min_flt, maj_flt). @internal (src/task/) */
  accountFaults(t: Task): void {
    if (t !== this.running || !t.mm) return;
    const f = this.mmReader().faults(t.mm);
    // A new mm since (execve's) counted from zero.
    const base = this.faultBase.mm === t.mm ? this.faultBase : { min_flt: 0, maj_flt: 0 };
    t.ownMinflt += f.min_flt - base.min_flt;
    t.ownMajflt += f.maj_flt - base.maj_flt;
    this.faultBase = { mm: t.mm, min_flt: f.min_flt, maj_flt: f.maj_flt };
  }

  /** Ends every process (pid 1's beforeExit first, when `end` is given): exit_mmap gives back every page they held. */
  exit<T extends RunEnd | undefined>(end?: T): T {
    const init = this.sched.byPid(1);
    if (init && init.state !== "zombie" && end) {
      this.sched.current = init;
      if (this.running !== init) {
        this.kernel.call(() => this.k.mm_switch(init.mm));
        this.mmu.flushAll();
      }
      this.options.beforeExit?.(this);
    }
    for (const t of [...this.sched.tasks]) if (t.state !== "zombie") release(this, t, KILLED_WITH_INIT);
    this.sched = new Scheduler(this.kthreads);
    this.running = null;
    return end as T;
  }
}

/**
 * A turn of the event loop without a timer's delay: setTimeout(0) waits at
 * least 1 ms in Node (4 ms in a browser once nested), longer than the slice of
 * guest work between two turns. setImmediate where there is one (Node), else
 * a message to ourselves.
 */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (f: () => void) => unknown }).setImmediate;
  if (immediate !== undefined) return new Promise((resolve) => immediate(resolve));
  if (typeof MessageChannel === "function") {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => { ch.port1.close(); resolve(); };
      ch.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}
