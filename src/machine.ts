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
import type { HostFs } from "./fs/host.js";
import { Namespace } from "./fs/namespace.js";
import { Kernel, type KernelOptions } from "./kernel.js";
import type { KernelExports } from "./abi.js";
import { argRangeError, argTypeError, withCode } from "./errors.js";
import { exec, type ExecImage, type ExecKernel } from "./loader/index.js";
import type { FileData } from "./fs/file_data.js";
import { bytesFile } from "./fs/pagecache.js";
import { PROC_FILES } from "./proc/index.js";
import { MmReader, type MmKernel } from "./proc/mm_reader.js";
import { SELF_FILES, pagemap, type TaskView } from "./proc/self.js";
import { readFaultStats, runStats, type RunStats, type StatsInput } from "./proc/stats.js";
import { vmaPerms, vmaName } from "./proc/task_mmu.js";
import { SIGCHLD, Signals } from "./task/signal.js";
import { writeSysctl } from "./proc/sysctl.js";
import { KILLED_WITH_INIT, Scheduler, rusage } from "./task/sched.js";
import { Task, copyRegisters, type TaskEnd } from "./task/task.js";
import { CpuState } from "./cpu/state.js";
import { RegularInode } from "./fs/inode.js";
import type { VmaInfo } from "./trace/fault.js";
import { Observer, TraceRing, type ObserverOptions } from "./trace/index.js";
import {
  DEFAULT_EPOCH, SeededRandom, Syscalls, faultSignal, fpu__exception_code, trapSignal, uaccess, type FatalSignal, type SyscallKernel,
  ILL_ILLOPN, SIGILL, SIGKILL, killedLine, withPidPrefix, SIGSEGV, SI_KERNEL, type TaskCalls, type UserMemory, oomKill,
  EACCES, EAGAIN, EFAULT, EINTR, EINVAL, ENOMEM, ENOSYS, E2BIG, ENOEXEC,
} from "./syscalls/index.js";

export type THPMode = "never" | "madvise" | "always";
const THP_MODES: readonly THPMode[] = ["never", "madvise", "always"];

/** The kernel's options, but for its Wasm imports, which the machine supplies itself. */
export interface MachineOptions extends Omit<KernelOptions, "env"> {
  /** Transparent huge pages: never | madvise | always (default madvise, Linux's usual). */
  thp?: THPMode;
  /**
   * Sysctls to set at boot, by sysctl(8)'s names: vm.swappiness,
   * vm.min_free_kbytes, vm.watermark_scale_factor, vm.overcommit_memory,
   * vm.overcommit_ratio, vm.page-cluster, transparent_hugepage.enabled,
   * transparent_hugepage.defrag (src/proc/sysctl.ts). Applied after thp.
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
  /** Stops the run: runAsync rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Instructions the run may retire (default: the machine's maxInsns, else no limit). */
  budget?: number;
  /** Instructions between two turns of the event loop (default 4M). */
  yieldEvery?: number;
}

/** Reads at most `max` bytes of the guest's stdin; null or empty at end of file. */
export type StdinReader = (max: number) => Uint8Array | null;

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

/**
 * Guest instructions between two turns of the kernel threads (kcompactd):
 * they run when a process's retired count reaches a multiple of it, so the
 * same program meets them at the same points however run() is sliced.
 */
export const KTHREAD_QUANTUM = 1 << 20;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

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

/** clone's flags (include/uapi/linux/sched.h). */
const CSIGNAL = 0xff, CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800;
const CLONE_VFORK = 0x4000, CLONE_THREAD = 0x10000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000;
const CLONE_CHILD_CLEARTID = 0x200000, CLONE_CHILD_SETTID = 0x1000000;
const RLIMIT_NPROC = 6;
/** The syscall instruction's length: a sleeping task's rip goes back over it. */
const SYSCALL_INSN = 2;
/** pause, rt_sigsuspend, poll, select, ppoll, pselect6, nanosleep, clock_nanosleep: interrupted by a handler, they answer EINTR even under SA_RESTART (-ERESTARTNOHAND, -ERESTART_RESTARTBLOCK). */
const NO_RESTART = [34, 130, 7, 23, 270, 271, 35, 230];

export class Machine {
  readonly kernel: Kernel;
  readonly mmu: Mmu;
  /** The CPU: the running task's registers are in it (each task's are saved in its Task while another runs). */
  readonly cpu: Cpu;
  /** Page faults the kernel handled since the last exec() (every process's, its syscalls' copies included). */
  faults = 0;
  /** Called around every page fault the kernel handles (tracing, sampling); see observe(). */
  faultHook: FaultHook | null = null;
  private observer: Observer | null = null;
  /** The retired count at the kernel threads' last turn. */
  private kthreadsAt = 0;
  /** The processes. */
  sched = new Scheduler();
  /** Whose registers the CPU holds. */
  private running: Task | null = null;
  /** Processes when the syscall being traced began: strace decides on "[pid N] " at entry (a fork's own line has none). */
  private liveAtEntry: number | null = null;
  /** The kernel's event counters at exec: --stats reports what the run added to them. */
  private statsSince: StatsInput["since"];
  private reader: MmReader | null = null;
  private readonly k: KernelExports;
  private readonly random: SeededRandom;
  private readonly user: UserMemory;
  /** The file-system namespace: the same for every process of this machine (its tmpfs outlives them). */
  readonly fs: Namespace;

  constructor(kernelModule: WebAssembly.Module, private readonly options: MachineOptions = {}) {
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
    this.cpu = new Cpu(this.mmu);
    if (options.jitThreshold !== undefined) this.cpu.jitThreshold = options.jitThreshold;
    this.user = uaccess(this.mmu, (cr2, err) => this.pageFault(cr2, err));
    this.random = new SeededRandom(options.seed ?? 1);
    const procNames = [...Object.keys(PROC_FILES), ...Object.keys(SELF_FILES)];
    this.fs = new Namespace({
      host: options.fs ?? null,
      random: (n) => this.random.bytes(n),
      now: () => this.current?.sys.realtimeSeconds() ?? DEFAULT_EPOCH,
      proc: (name) => (name in PROC_FILES || this.procTask(name) ? this.proc(name) : null),
      procNames,
      exe: (pid) => (pid === undefined ? this.current : this.sched.byPid(pid))?.exe ?? null,
      // Zombies hold no mm: only live processes have /proc views here.
      pids: () => this.sched.tasks.filter((t) => t.mm).map((t) => t.pid),
      selfPid: () => this.current?.pid ?? 1,
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
    this.statsSince = { vmstat: Object.fromEntries(this.kernel.vmstat()), faultStats: readFaultStats(this.kernel.memory, this.k.fault_stats_ptr()) };
    const mm = this.kernel.call(() => this.k.mm_create());
    if (mm === 0) throw withCode(new Error("exec failed: out of memory for a new address space"), "ENOMEM");
    this.kernel.call(() => this.k.mm_switch(mm));
    this.mmu.flushAll();
    this.faults = 0;
    this.kthreadsAt = 0;
    this.sched = new Scheduler();
    const init = this.newTask(null, mm, null);
    this.sched.current = this.running = init;
    // RLIMIT_NPROC starts at half of max_threads, which Linux sizes from RAM (set_max_threads).
    init.sys.setRlimit(RLIMIT_NPROC, Math.floor(this.maxThreads() / 2));
    try {
      this.load(init, data, argv, envp, path ?? absolute(this.options.cwd ?? "/", argv[0] ?? ""), argv[0] ?? "");
    } catch (e) {
      this.exit();
      throw e;
    }
  }

  /** max_threads: RAM pages over 8 kernel stacks' pages (THREAD_SIZE 16 KiB), at least 20. */
  private maxThreads(): number {
    return Math.max(20, Math.floor(this.kernel.totalramPages / 32));
  }

  /** A task: pid 1 (no parent), or fork's child of `from`, sharing its open files and copying its signal actions. */
  private newTask(parent: Task | null, mm: number, from: Task | null): Task {
    const o = this.options;
    const pid = this.sched.allocPid();
    const signals = from ? from.signals.fork(this.cpu, pid) : new Signals(this.cpu, this.user, pid);
    // The wait a process call asks for is the task's own (wait4 sets it).
    const calls: TaskCalls = {
      pid,
      get waitFor() { return task.waitFor; },
      set waitFor(ready) { task.waitFor = ready; },
      call: (nr, a) => this.taskCall(task, nr, a),
    };
    const trace = o.traceSyscalls;
    const stdin = typeof o.stdin === "function" ? o.stdin : bytesReader(typeof o.stdin === "string" ? encoder.encode(o.stdin) : o.stdin);
    const sys = new Syscalls({
      regs: this.cpu,
      mem: this.user,
      signals,
      kernel: this.k,
      io: {
        stdin,
        stdout: o.stdout ?? (() => {}),
        stderr: o.stderr ?? (() => {}),
        // strace -f: "[pid N] " once more than one process is traced.
        trace: trace && ((line) => trace((this.liveAtEntry ?? this.sched.live) > 1 ? withPidPrefix(pid, line) : line)),
      },
      random: this.random,
      fs: this.fs,
      cwd: o.cwd,
      cache: this.kernel.pageCache,
      comm: {
        get: () => task.comm,
        set: (name) => void (task.comm = this.setComm(task, name)),
      },
      meminfo: () => ({ totalram: this.kernel.totalramPages * 4096, freeram: this.kernel.counter("nr_free_pages") * 4096 }),
      tasks: calls,
    }, from?.sys);
    const task: Task = new Task(pid, parent, mm, sys, signals);
    if (from) {
      task.comm = from.comm;
      task.execPath = from.execPath;
      task.exe = from.exe;
      task.image = from.image;
    }
    this.sched.add(task);
    return task;
  }

  /**
   * The loader's part of execve, into the task's (current) mm: its image,
   * registers, name and /proc/self/exe. @raise Error as exec() describes
   */
  private load(task: Task, data: FileData, argv: string[], envp: string[], path: string, execfn: string, beginNewExec?: () => void): void {
    const image = exec(
      {
        kernel: this.k,
        files: this.kernel.pageCache,
        copyToUser: (addr, bytes) => this.user.copyToUser(addr, bytes) === 0,
        // begin_new_exec names the task before the new image is mapped: the loader's faults are already its.
        beginNewExec: () => {
          beginNewExec?.();
          task.comm = this.setComm(task, encoder.encode(execfn.slice(execfn.lastIndexOf("/") + 1)));
        },
      },
      data,
      { argv, envp, execfn, random: this.random.bytes(16) },
    );
    task.image = image;
    task.exe = { path, data };
    task.execPath = argv[0] ?? "";
    task.faults = 0;
    // start_thread: every register zero but rip and rsp, a fresh FPU.
    copyRegisters(new CpuState(), this.cpu.state);
    this.cpu.rip = image.entry;
    this.cpu.rsp = image.rsp;
  }

  /** task->comm: the first 15 bytes of `name` (exec's basename, or prctl's PR_SET_NAME), told to the kernel with the pid. */
  private setComm(task: Task, name: Uint8Array): string {
    const comm = new Uint8Array(16);
    const end = name.indexOf(0);
    comm.set(name.subarray(0, Math.min(15, end < 0 ? name.length : end)));
    const w = new Uint32Array(comm.buffer);
    if (task.mm) this.k.set_task(task.mm, task.pid, 0, w[0], w[1], w[2], w[3]);
    return decoder.decode(comm.subarray(0, comm.indexOf(0)));
  }

  // ─── the process syscalls ──────────────────────────────────────────────────

  /** The syscalls that reach beyond the task (TaskCalls): undefined for the others. */
  private taskCall(t: Task, nr: number, a: number[]): number | undefined {
    const s = this.sched;
    switch (nr) {
      case 39: // getpid
      case 186: // gettid: one thread per process
        return t.pid;
      case 110: return s.getppid(t);
      case 56: return this.clone(t, a[0] >>> 0, a[1], a[2], a[3], a[4]);
      case 57: return this.clone(t, SIGCHLD, 0, 0, 0, 0); // fork
      case 58: return this.clone(t, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0); // vfork
      case 435: return -ENOSYS; // clone3: glibc falls back to clone
      case 59: return this.execve(t, a[0], a[1], a[2]);
      case 61: return s.wait4(t, this.user, a[0] | 0, a[1], a[2] | 0, a[3]);
      case 247: return s.waitid(t, this.user, a[0] | 0, a[1] | 0, a[2], a[3] | 0, a[4]);
      case 62: return s.kill(t, a[0] | 0, a[1] | 0);
      case 200: return s.tgkill(t, -1, a[0] | 0, a[1] | 0);
      case 234: return s.tgkill(t, a[0] | 0, a[1] | 0, a[2] | 0);
      case 109: return s.setpgid(t, a[0] | 0, a[1] | 0);
      case 121: return s.getpgid(t, a[0] | 0);
      case 111: return t.pgid; // getpgrp
      case 112: return s.setsid(t);
      case 124: return s.getsid(t, a[0] | 0);
      case 98: return this.getrusage(t, a[0] | 0, a[1]);
      default: return undefined;
    }
  }

  /**
   * clone (fork, vfork, posix_spawn's CLONE_VM|CLONE_VFORK): a child with a
   * copy of the registers (rax 0), its own mm (COW, mm_fork) or the same one
   * (CLONE_VM), the same open files, a copy of the signal actions.
   * Threads (CLONE_THREAD, shared files or handlers) are not offered: ENOSYS.
   */
  private clone(t: Task, flags: number, newsp: number, parentTid: number, childTid: number, tls: number): number {
    if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_FILES | CLONE_FS)) return -ENOSYS;
    const exitSignal = flags & CSIGNAL;
    if (exitSignal > 64) return -EINVAL;
    // copy_process: max_threads binds everyone; RLIMIT_NPROC the caller's user (root included here: the guest is always root).
    if (this.sched.live >= this.maxThreads() || this.sched.live >= t.sys.rlimit(RLIMIT_NPROC)) return -EAGAIN;
    const mm = flags & CLONE_VM ? (this.k.mm_get(t.mm) === 0 ? t.mm : 0) : this.kernel.call(() => this.k.mm_fork(t.mm));
    if (mm === 0) return -ENOMEM;
    const child = this.newTask(t, mm, t);
    child.exitSignal = exitSignal;
    // The kernel names an mm by its task: a CLONE_VM child leaves the shared one its parent's name.
    if (!(flags & CLONE_VM)) this.setComm(child, encoder.encode(t.comm));
    copyRegisters(this.cpu.state, child.regs);
    child.regs.L[0] = child.regs.H[0] = 0; // the child's clone returns 0
    if (newsp !== 0) setReg(child.regs, 4, newsp);
    if (flags & CLONE_SETTLS) {
      child.regs.seg[0] = tls % 0x1_0000_0000 | 0;
      child.regs.seg[1] = Math.floor(tls / 0x1_0000_0000) | 0;
    }
    if (flags & CLONE_PARENT_SETTID) this.user.copyToUser(parentTid, int32Bytes(child.pid));
    if (flags & CLONE_CHILD_SETTID) child.setChildTid = childTid;
    if (flags & CLONE_CHILD_CLEARTID) child.clearChildTid = childTid;
    if (flags & CLONE_VFORK) {
      // The parent sleeps, its clone done, until the child execs or exits (wait_for_vfork_done).
      child.vforkDone = false;
      t.state = "sleeping";
      t.waitFor = () => child.vforkDone;
      t.restartable = false;
    }
    return child.pid;
  }

  /**
   * execve: the file from the task's namespace, argv and envp from its
   * memory; past the checks (begin_new_exec) a fresh mm replaces the old,
   * close-on-exec files close and handled signals go back to SIG_DFL. A
   * failure after that point kills the task with SIGSEGV, as Linux does.
   */
  private execve(t: Task, pathAddr: number, argvAddr: number, envpAddr: number): number {
    const files = t.sys.files;
    const path = files.getname(pathAddr);
    if (typeof path === "number") return path;
    const argv = this.strings(argvAddr);
    if (typeof argv === "number") return argv;
    const envp = this.strings(envpAddr);
    if (typeof envp === "number") return envp;
    const found = this.fs.walk(files.cwd, path, true);
    if (typeof found === "number") return found;
    const node = found.node;
    if (!node) return -2; // ENOENT
    if (!(node instanceof RegularInode) || (node.mode & 0o111) === 0) return -EACCES;
    const data = node.open();
    let committed = false;
    const old = t.mm;
    try {
      // Through /proc/self/exe (a magic link), the program is the caller's own: its path is the caller's.
      const exePath = data === t.exe?.data ? t.exe.path : absolute(Namespace.path(files.cwd), path);
      this.load(t, data, argv, envp, exePath, path, () => {
        const fresh = this.kernel.call(() => this.k.mm_exec(old));
        if (fresh === 0) throw withCode(new Error("exec failed: out of memory for a new address space"), "ENOMEM");
        committed = true;
        t.mm = fresh;
        this.mmu.flushAll();
        t.vforkDone = true;
        files.fds.closeOnExec();
        t.signals.exec();
      });
    } catch (e) {
      if (!committed) {
        const code = (e as { code?: string }).code;
        return code === "E2BIG" ? -E2BIG : code === "ENOMEM" ? -ENOMEM : -ENOEXEC;
      }
      t.signals.force({ signo: SIGSEGV, code: SI_KERNEL });
    }
    return 0;
  }

  /** A NULL-terminated array of string pointers (argv, envp) from the current mm, or -EFAULT/-E2BIG. */
  private strings(addr: number): string[] | number {
    const out: string[] = [];
    if (addr === 0) return out;
    const ptr = new Uint8Array(8);
    const files = this.current!.sys.files;
    for (;;) {
      if (out.length >= 0x7fffffff) return -E2BIG;
      if (this.user.copyFromUser(ptr, addr + 8 * out.length, 8) !== 0) return -EFAULT;
      const v = new DataView(ptr.buffer);
      const p = v.getUint32(4, true) * 0x1_0000_0000 + v.getUint32(0, true);
      if (p === 0) return out;
      const s = files.getname(p, true);
      if (typeof s === "number") return s === -EFAULT ? s : -E2BIG;
      out.push(s);
    }
  }

  /** getrusage: RUSAGE_SELF (0) and RUSAGE_THREAD (1, one thread) from the mm's counters, RUSAGE_CHILDREN (-1) from the reaped children's. */
  private getrusage(t: Task, who: number, addr: number): number {
    let bytes: Uint8Array;
    if (who === 0 || who === 1) {
      const mm = this.mmReader().mm(t.mm);
      bytes = rusage(t.retired + (this.cpu.retired - this.sched.sliceStart), mm.min_flt, mm.maj_flt);
    } else if (who === -1) bytes = rusage(t.childRetired, t.childMinflt, t.childMajflt);
    else return -EINVAL;
    return this.user.copyToUser(addr, bytes) === 0 ? 0 : -EFAULT;
  }

  // ─── views ─────────────────────────────────────────────────────────────────

  /** The current process's address space as the /proc/self views read it (null when none). */
  task(): TaskView | null {
    const t = this.current;
    if (!t || !t.mm) return null;
    return this.view(t);
  }

  private view(t: Task): TaskView {
    const s = this.sched;
    const state = t.state === "zombie" ? "Z" : t.state === "sleeping" ? "S" : "R";
    return {
      mm: this.mmReader(), handle: t.mm, comm: t.comm,
      task: {
        pid: t.pid, ppid: s.getppid(t), pgrp: t.pgid, session: t.sid, state, cminflt: t.childMinflt, cmajflt: t.childMajflt,
        retired: t.retired, childRetired: t.childRetired, signals: t.signals.masks(), exitSignal: t.exitSignal,
      },
    };
  }

  /** The process a /proc/<pid|self>/… name is about, if it has an mm. */
  private procTask(name: string): Task | null {
    const m = /^(self|\d+)\//.exec(name);
    const t = !m ? null : m[1] === "self" ? this.current : this.sched.byPid(Number(m[1])) ?? null;
    return t && t.mm ? t : null;
  }

  /** Reads any mm's fields, VMAs and page tables out of the kernel's memory. */
  private mmReader(): MmReader {
    // The only file a process maps here is its program: /proc shows the path it was exec'd by.
    return this.reader ??= new MmReader(this.k, this.kernel.memory, this.kernel.layout,
      () => this.current?.execPath ?? "");
  }

  /**
   * A /proc view by name: the kernel-wide files (buddyinfo, zoneinfo,
   * pagetypeinfo, vmstat, extfrag/…) and, for the current process ("self/")
   * or any live one ("<pid>/"), maps, status, stat and smaps_rollup.
   */
  proc(name: string): string {
    const kernelWide = PROC_FILES[name];
    if (kernelWide) return kernelWide(this.kernel);
    const file = SELF_FILES[name.replace(/^\d+\//, "self/")];
    if (!file) throw new Error(`no /proc/${name} here; try ${[...Object.keys(PROC_FILES), ...Object.keys(SELF_FILES)].join(", ")}`);
    const t = this.procTask(name);
    if (!t) throw new Error(`/proc/${name}: no process`);
    return this.withMm(t, () => file(this.view(t)));
  }

  /** Every process, in pid order: its family, state, comm and RSS in pages (a zombie's is 0). */
  processes(): ProcessInfo[] {
    const s = this.sched;
    return s.tasks.map((t) => {
      const rss = t.mm ? this.mmReader().mm(t.mm).rss : null;
      return {
        pid: t.pid, ppid: s.getppid(t), comm: t.comm, current: t === this.current,
        state: t.state === "zombie" ? "Z" : t.state === "sleeping" ? "S" : "R",
        rss: rss ? rss.anon + rss.file + rss.shmem : 0,
      } satisfies ProcessInfo;
    }).sort((a, b) => a.pid - b.pid);
  }

  /**
   * `fn` with process `pid`'s mm as the current one, for the side-effect-free
   * walks (mmu_walk_inspect), which read the current mm. Null when `pid` has no mm.
   */
  inProcess<T>(pid: number, fn: () => T): T | null {
    const t = this.sched.byPid(pid);
    return t && t.mm ? this.withMm(t, fn) : null;
  }

  /** `fn` with `t`'s mm switched in, and the current one back after. */
  private withMm<T>(t: Task, fn: () => T): T {
    if (t === this.current) return fn();
    const back = this.current?.mm ?? 0;
    this.kernel.call(() => this.k.mm_switch(t.mm));
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
   * `options` ask. Replaces any earlier observer.
   */
  observe<const O extends ObserverOptions>(options: O): Observer<O["trace"] extends true ? true : boolean> {
    const observer = new Observer<O["trace"] extends true ? true : boolean>(new TraceRing(this.k, this.kernel.memory), {
      zones: () => this.kernel.freeAreas(),
      rss: () => {
        const t = this.task();
        const rss = t ? t.mm.mm(t.handle).rss : { anon: 0, file: 0 };
        return { anon: rss.anon, file: rss.file };
      },
    }, options);
    this.observer = observer;
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
      since: this.statsSince,
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
      const stop = this.runTask(t, Math.min(left, CHUNK, KTHREAD_QUANTUM - (cpu.retired % KTHREAD_QUANTUM)));
      const end = this.handleStop(t, stop);
      if (end) return end;
      if (cpu.retired % KTHREAD_QUANTUM === 0 && cpu.retired !== this.kthreadsAt) this.kernelThreads();
    }
  }

  /** The kernel threads' turn between guest quanta: the timer ticks (jiffies follow the virtual clock), kcompactd runs if it was woken (traced on its own track). */
  private kernelThreads(): void {
    this.kthreadsAt = this.cpu.retired;
    this.kernel.tick(this.running?.sys.nowNs() ?? this.cpu.retired);
    const turn = () => this.kernel.call(() => this.k.kcompactd());
    if (this.observer) this.observer.kthread("kcompactd0", turn);
    else turn();
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
      await new Promise((resolve) => setTimeout(resolve, 0));
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
    if (!this.sched.tasks.some((t) => t.pid === 1 && t.state !== "zombie")) throw withCode(new Error("no process: exec a program first"), "ERR_NO_PROCESS");
  }

  /**
   * The point between two quanta: the scheduler picks the task to run, and
   * it gets the CPU (its registers, its mm: mm_switch flushes the TLB as a
   * CR3 load does). A task woken by a signal has its wait interrupted;
   * pending signals are delivered on its way back to user mode.
   */
  private schedule(): Task | null {
    const t = this.sched.next(this.cpu.retired);
    if (!t) return null;
    if (t !== this.running) {
      if (this.running && this.running.state !== "zombie" && this.sched.tasks.includes(this.running)) copyRegisters(this.cpu.state, this.running.regs);
      copyRegisters(t.regs, this.cpu.state);
      this.kernel.call(() => this.k.mm_switch(t.mm));
      this.mmu.flushAll();
      this.running = t;
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
      // Woken by a signal: the restarted call answers EINTR when a handler without SA_RESTART runs first.
      if (!ready && t.restartable && t.signals.interruption(t.waitNoRestart) === "eintr") {
        this.cpu.rip += SYSCALL_INSN;
        this.cpu.setReg(0, -EINTR);
        t.sys.interrupted();
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
   * the first deadline (an idle CPU) and the run goes on (null); when none
   * does, Linux would wait for ever: the run ends.
   */
  private stalled(): RunEnd | null {
    const sleeping = this.sched.tasks.filter((t) => t.state === "sleeping");
    const times = sleeping.map((t) => t.sys.wakeTime).filter((x): x is number => x !== null);
    if (times.length) {
      sleeping[0].sys.idleUntil(Math.min(...times));
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
        const exited = t.sys.dispatch();
        this.liveAtEntry = null;
        if (exited) return this.taskExit(t, { kind: "exit", status: t.sys.exitStatus! });
        this.kswapd();
        if (t.sys.waitFor) {
          // The task sleeps on the syscall instruction, rax still its number: it runs again once woken.
          t.state = "sleeping";
          t.waitFor = t.sys.waitFor;
          t.restartable = true;
          t.waitNoRestart = NO_RESTART.includes(nr);
          cpu.rip -= SYSCALL_INSN;
          return null;
        }
        if (t.state !== "runnable") return null; // vfork's parent
        return this.deliverSignals(t);
      }
      case STOP_PAGE_FAULT: {
        const r = this.pageFault(cpu.cr2, cpu.errorCode);
        this.kswapd();
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
    if (victim) for (const t of this.sched.tasks) if (t.mm === victim && t !== this.current) t.signals.send({ signo: SIGKILL, code: SI_KERNEL });
    return r;
  }

  /**
   * Runs kswapd if an allocation woke it: the kernel thread's turn, at a
   * deterministic point (after each syscall and each page fault).
   */
  private kswapd(): void {
    this.kernel.kswapd();
  }

  /** On the way back to user mode: pending signals run their handlers, or end the task. */
  private deliverSignals(t: Task, insn?: Uint8Array): RunEnd | null {
    const fatal = t.signals.deliver();
    if (!fatal) return null;
    const signal = insn && fatal.code === ILL_ILLOPN && fatal.signo === SIGILL ? { ...fatal, insn } : fatal;
    return this.taskExit(t, { kind: "signal", signal });
  }

  /**
   * do_exit: the task's files close, it leaves its mm (exit_mmap when it was
   * the last user), its children go to pid 1, and it stays a zombie until
   * reaped. When pid 1 ends, the run ends (after beforeExit) and every
   * other process is killed. @return the run's end when it was pid 1
   */
  private taskExit(t: Task, end: TaskEnd): RunEnd | null {
    const init = t.pid === 1;
    if (init) this.options.beforeExit?.(this);
    // strace -f's last line for each process (exit_group's "+++ exited with" is the dispatcher's), while every one still counts for "[pid N] ".
    const others = init ? this.sched.tasks.filter((x) => x !== t && x.state !== "zombie") : [];
    if (end.kind === "signal") t.signals.trace?.(killedLine(end.signal.signo));
    for (const other of others) other.signals.trace?.(killedLine(SIGKILL));
    this.release(t, end);
    if (!init) return null;
    for (const other of others) this.release(other, KILLED_WITH_INIT);
    this.sched.tasks.length = 0;
    this.sched.current = null;
    return end.kind === "exit" ? end : { kind: "signal", status: 128 + end.signal.signo, signal: end.signal };
  }

  /** A task's resources go back; it becomes a zombie. */
  private release(t: Task, end: TaskEnd): void {
    if (t.mm) {
      const info = this.mmReader().mm(t.mm);
      t.minflt = info.min_flt;
      t.majflt = info.maj_flt;
      const mm = t.mm;
      t.mm = 0;
      this.kernel.call(() => this.k.mm_exit(mm));
      this.mmu.flushAll();
    }
    t.sys.files.fds.closeAll();
    t.vforkDone = true;
    if (this.running === t) this.running = null;
    const init = this.sched.byPid(1);
    this.sched.exit(t, end, init && init !== t && init.state !== "zombie" ? init : null);
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
    for (const t of [...this.sched.tasks]) if (t.state !== "zombie") this.release(t, KILLED_WITH_INIT);
    this.sched = new Scheduler();
    this.running = null;
    return end as T;
  }
}

function int32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, v, true);
  return b;
}

/** Register r of a saved state (0..15), from a signed number. */
function setReg(s: CpuState, r: number, v: number): void {
  s.L[r] = v % 0x1_0000_0000 | 0;
  s.H[r] = Math.floor(v / 0x1_0000_0000) | 0;
}

/** `path` from `cwd`, with "." and ".." taken away, as the kernel's d_path would print it. */
function absolute(cwd: string, path: string): string {
  const out: string[] = [];
  for (const part of (path.startsWith("/") ? path : `${cwd}/${path}`).split("/")) {
    if (part === "..") out.pop();
    else if (part && part !== ".") out.push(part);
  }
  return "/" + out.join("/");
}

/** An instruction budget: a whole number of at least 1, or Infinity. */
function checkBudget(name: string, n: unknown): void {
  if (typeof n !== "number") throw argTypeError(name, "a number", n);
  if (!(n >= 1 && (Number.isInteger(n) || n === Infinity))) throw argRangeError(name, "a whole number of at least 1, or Infinity", n);
}

function checkStrings(name: string, list: unknown): void {
  if (!Array.isArray(list)) throw argTypeError(name, "an array of strings", list);
  list.forEach((s, i) => {
    if (typeof s !== "string") throw argTypeError(`${name}[${i}]`, "a string", s);
  });
}

/** The options' types and ranges (mem is the Kernel's to check). */
function validateOptions(o: MachineOptions): void {
  if (typeof o !== "object" || o === null) throw argTypeError("options", "an object", o);
  if (o.thp !== undefined && !THP_MODES.includes(o.thp)) throw withCode(new TypeError(`options.thp must be never, madvise or always; got ${JSON.stringify(o.thp)}`), "ERR_INVALID_ARG_VALUE");
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
