// A faultline machine: the kernel (Wasm), the CPU and its MMU front, the
// ELF loader and the syscall layer, wired together. This is the embeddable
// API (Node and browser): no node: imports here.
//
//   const m = new Machine(kernelModule, { mem: "256M" });
//   m.exec(elfBytes, ["./touch_write", "256"]);
//   const end = m.run();          // { kind: "exit", status } or { kind: "signal", … }
//
// One process at a time. Guest faults never become host exceptions: a #PF
// goes to the kernel's handle_page_fault and the instruction restarts, or
// the process gets the signal Linux would send (src/task/signal.ts: a
// handler runs on a signal frame, or the process ends). When the process
// ends, its mm is torn down (every page and page table back to the buddy).

import {
  Cpu, Mmu, STOP_BP, STOP_BUDGET, STOP_DE, STOP_GP, STOP_NAMES, STOP_PAGE_FAULT, STOP_SYSCALL, STOP_UD,
} from "./cpu/index.js";
import type { HostFs } from "./fs/host.js";
import { Namespace } from "./fs/namespace.js";
import { Kernel, type KernelOptions } from "./kernel.js";
import { argRangeError, argTypeError, withCode } from "./errors.js";
import { exec, type ExecImage, type ExecKernel } from "./loader/index.js";
import type { FileData } from "./fs/file_data.js";
import { bytesFile } from "./fs/pagecache.js";
import { PROC_FILES } from "./proc/index.js";
import { MmReader, type MmKernel } from "./proc/mm_reader.js";
import { SELF_FILES, pagemap, type TaskView } from "./proc/self.js";
import { readFaultStats, runStats, type RunStats, type StatsInput } from "./proc/stats.js";
import { vmaPerms, vmaName } from "./proc/task_mmu.js";
import { Signals } from "./task/signal.js";
import type { VmaInfo } from "./trace/fault.js";
import { Observer, TraceRing, type ObserverOptions } from "./trace/index.js";
import {
  DEFAULT_EPOCH, SeededRandom, Syscalls, faultSignal, trapSignal, uaccess, type FatalSignal, type SyscallKernel,
  ILL_ILLOPN, SIGILL,
} from "./syscalls/index.js";

export type THPMode = "never" | "madvise" | "always";
const THP_MODES: readonly THPMode[] = ["never", "madvise", "always"];

/** The kernel's options, but for its Wasm imports, which the machine supplies itself. */
export interface MachineOptions extends Omit<KernelOptions, "env"> {
  /** Transparent huge pages: never | madvise | always (default madvise, Linux's usual). */
  thp?: THPMode;
  /** Instructions a run may retire before it is stopped (default: no limit). */
  maxInsns?: number;
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

/** How a run ended. */
export type RunEnd =
  | { kind: "exit"; status: number }
  | { kind: "signal"; status: number; signal: FatalSignal }
  | { kind: "budget"; retired: number };

/** The kernel exports the machine drives beyond the Kernel class's own (docs/abi.md). */
interface ProcessExports extends ExecKernel, SyscallKernel, MmKernel {
  fault_stats_ptr(): number;
  mm_create(): number;
  mm_switch(mm: number): void;
  mm_exit(mm: number): void;
  mmu_walk(va: number, access: number): number;
  handle_page_fault(cr2: number, errorCode: number): number;
  set_task(mm: number, pid: number, uid: number, comm0: number, comm1: number, comm2: number, comm3: number): void;
  thp_set_enabled(mode: number): number;
  kcompactd(): number;
}

/**
 * Guest instructions between two turns of the kernel threads (kcompactd):
 * they run when a process's retired count reaches a multiple of it, so the
 * same program meets them at the same points however run() is sliced.
 */
export const KTHREAD_QUANTUM = 1 << 20;

const encoder = new TextEncoder();

/** Whether `f` has FileData's shape (the page cache reads the program through it). */
function isFileData(f: unknown): f is FileData {
  const d = f as FileData | null;
  return typeof d === "object" && d !== null && Number.isInteger(d.ino) && d.ino > 0
    && typeof d.size === "function" && typeof d.read === "function";
}
/** The one process's pid, as getpid() answers too. */
const PID = 1;

export class Machine {
  readonly kernel: Kernel;
  readonly mmu: Mmu;
  /** The current process's CPU (a fresh one per exec: registers, clock and decode cache start clean). */
  cpu: Cpu;
  /** The current process's mm_struct (0 when none). */
  mm = 0;
  /** The loaded image of the current process. */
  image: ExecImage | null = null;
  /** Page faults the kernel handled for the current process since its exec (its syscalls' copies included). */
  faults = 0;
  /** Called around every page fault the kernel handles (tracing, sampling); see observe(). */
  faultHook: FaultHook | null = null;
  private observer: Observer | null = null;
  /** The retired count at the kernel threads' last turn. */
  private kthreadsAt = 0;
  private syscalls: Syscalls | null = null;
  /** The current process's signal state. */
  signals: Signals | null = null;
  private comm = "";
  private execPath = "";
  /** The kernel's event counters at exec: --stats reports what the run added to them. */
  private statsSince: StatsInput["since"];
  private reader: MmReader | null = null;
  private readonly k: ProcessExports;
  private readonly random: SeededRandom;
  /** The file-system namespace: the same for every process of this machine (its tmpfs outlives them). */
  readonly fs: Namespace;
  private exe: { path: string; data: FileData } | null = null;

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
    this.k = this.kernel.exports as unknown as ProcessExports;
    validateOptions(options);
    const thp = options.thp ?? "madvise";
    this.k.thp_set_enabled(THP_MODES.indexOf(thp));
    const k = this.k;
    mmu = this.mmu = new Mmu(this.kernel.memory, (va, access) => k.mmu_walk(va, access));
    this.cpu = new Cpu(this.mmu);
    this.random = new SeededRandom(options.seed ?? 1);
    const procNames = [...Object.keys(PROC_FILES), ...Object.keys(SELF_FILES)];
    this.fs = new Namespace({
      host: options.fs ?? null,
      random: (n) => this.random.bytes(n),
      now: () => this.syscalls?.realtimeSeconds() ?? DEFAULT_EPOCH,
      proc: (name) => (name in PROC_FILES || this.mm ? this.proc(name) : null),
      procNames,
      exe: () => (this.mm ? this.exe : null),
    });
  }

  /** Creates a fresh machine, compiling the kernel if given bytes. */
  static async create(kernel: BufferSource | WebAssembly.Module, options: MachineOptions = {}): Promise<Machine> {
    const mod = kernel instanceof WebAssembly.Module ? kernel : await WebAssembly.compile(kernel);
    return new Machine(mod, options);
  }

  /**
   * execve: a new mm holding the program (bytes, or a FileData read through
   * the page cache as the program faults), its stack and its brk. Throws an
   * Error ("exec format error: …") for a file Linux would refuse; the
   * machine is left as it was. `path` is the program's absolute path, the
   * target of /proc/self/exe (default: argv[0] from the starting directory).
   */
  exec(file: Uint8Array | FileData, argv: string[], envp: string[] = this.options.envp ?? [], path?: string): void {
    if (!(file instanceof Uint8Array) && !isFileData(file)) throw argTypeError("file", "a Uint8Array or a FileData", file);
    checkStrings("argv", argv);
    checkStrings("envp", envp);
    if (this.mm) this.exit();
    const data = file instanceof Uint8Array ? bytesFile(file) : file;
    this.statsSince = { vmstat: Object.fromEntries(this.kernel.vmstat()), faultStats: readFaultStats(this.kernel.memory, this.k.fault_stats_ptr()) };
    const mm = this.kernel.call(() => this.k.mm_create());
    if (mm === 0) throw withCode(new Error("exec failed: out of memory for a new address space"), "ENOMEM");
    this.kernel.call(() => this.k.mm_switch(mm));
    this.mmu.flushAll();
    this.mm = mm;
    this.execPath = argv[0] ?? "";
    this.comm = this.setTask(mm, this.execPath);
    this.faults = 0;
    this.kthreadsAt = 0;
    const user = uaccess(this.mmu, (cr2, err) => this.pageFault(cr2, err));
    try {
      this.image = exec(
        {
          kernel: this.k,
          files: this.kernel.pageCache,
          copyToUser: (addr, bytes) => user.copyToUser(addr, bytes) === 0,
        },
        data,
        { argv, envp, execfn: argv[0] ?? "", random: this.random.bytes(16) },
      );
    } catch (e) {
      this.exit();
      throw e;
    }
    this.exe = { path: path ?? absolute(this.options.cwd ?? "/", argv[0] ?? ""), data };
    const cpu = (this.cpu = new Cpu(this.mmu));
    cpu.rip = this.image.entry;
    cpu.rsp = this.image.rsp;
    const o = this.options;
    const stdin = typeof o.stdin === "function" ? o.stdin : bytesReader(typeof o.stdin === "string" ? encoder.encode(o.stdin) : o.stdin);
    this.signals = new Signals(cpu, user, PID);
    this.syscalls = new Syscalls({
      regs: cpu,
      mem: user,
      signals: this.signals,
      kernel: this.k,
      io: {
        stdin,
        stdout: o.stdout ?? (() => {}),
        stderr: o.stderr ?? (() => {}),
        trace: o.traceSyscalls,
      },
      random: this.random,
      fs: this.fs,
      cwd: o.cwd,
      cache: this.kernel.pageCache,
      comm: {
        get: () => this.comm,
        set: (name) => void (this.comm = this.setComm(this.mm, name)),
      },
      meminfo: () => ({ totalram: this.kernel.totalramPages * 4096, freeram: this.kernel.counter("nr_free_pages") * 4096 }),
    });
  }

  /** The task's pid (always 1: one process) and comm (the program's basename, 15 bytes at most), for the kernel's messages. */
  private setTask(mm: number, path: string): string {
    return this.setComm(mm, encoder.encode(path.slice(path.lastIndexOf("/") + 1)));
  }

  /** task->comm: the first 15 bytes of `name` (exec's basename, or prctl's PR_SET_NAME). */
  private setComm(mm: number, name: Uint8Array): string {
    const comm = new Uint8Array(16);
    const end = name.indexOf(0);
    comm.set(name.subarray(0, Math.min(15, end < 0 ? name.length : end)));
    const w = new Uint32Array(comm.buffer);
    this.k.set_task(mm, PID, 0, w[0], w[1], w[2], w[3]);
    return new TextDecoder().decode(comm.subarray(0, comm.indexOf(0)));
  }

  /** The current process's address space as the /proc/self views read it (null when none). */
  task(): TaskView | null {
    if (!this.mm) return null;
    // The only file a process maps here is its program: /proc shows the path it was exec'd by.
    this.reader ??= new MmReader(this.k, this.kernel.memory, { mem_map: this.kernel.memMap, zero_pfn: this.kernel.zeroPfn },
      () => this.execPath);
    return { mm: this.reader, handle: this.mm, comm: this.comm };
  }

  /**
   * A /proc view by name: the kernel-wide files (buddyinfo, zoneinfo,
   * pagetypeinfo, vmstat, extfrag/…) and, while a process runs or in
   * beforeExit, self/maps, self/status and self/smaps_rollup.
   */
  proc(name: string): string {
    const kernelWide = PROC_FILES[name];
    if (kernelWide) return kernelWide(this.kernel);
    const self = SELF_FILES[name];
    if (!self) throw new Error(`no /proc/${name} here; try ${[...Object.keys(PROC_FILES), ...Object.keys(SELF_FILES)].join(", ")}`);
    const t = this.task();
    if (!t) throw new Error(`/proc/${name}: no process`);
    return self(t);
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
    const info = t.mm.mm(t.handle);
    const vma = t.mm.vmas(t.handle).find((v) => v.start <= address && address < v.end);
    return vma ? { start: vma.start, end: vma.end, perms: vmaPerms(vma.flags), name: vmaName(vma, info) } : null;
  }

  /**
   * Watches the faults from now on: traces them (function_graph text, records
   * for the trace-event JSON) and samples free memory and RSS after each, as
   * `options` ask. Replaces any earlier observer.
   */
  observe<const O extends ObserverOptions>(options: O): Observer<O["trace"] extends true ? true : boolean> {
    const observer = new Observer<O["trace"] extends true ? true : boolean>(new TraceRing(this.kernel.exports as never, this.kernel.memory), {
      zones: () => this.kernel.freeAreas(),
      rss: () => {
        const t = this.task();
        const rss = t ? t.mm.mm(t.handle).rss : { anon: 0, file: 0 };
        return { anon: rss.anon, file: rss.file };
      },
    }, options);
    this.observer = observer;
    this.faultHook = {
      beforeFault: (address, errorCode) => observer.beforeFault(address, errorCode, options.trace ? this.vmaAt(address) : null),
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

  /**
   * Runs the current process until it exits, is killed, or has retired
   * `budget` more instructions (default: the machine's maxInsns, else no limit).
   */
  run(budget = this.options.maxInsns ?? Infinity): RunEnd {
    this.checkRunnable(budget);
    const cpu = this.cpu;
    const start = cpu.retired;
    const CHUNK = 1 << 24;
    for (;;) {
      const left = budget - (cpu.retired - start);
      if (left <= 0) return { kind: "budget", retired: cpu.retired - start };
      const stop = cpu.run(Math.min(left, CHUNK, KTHREAD_QUANTUM - (cpu.retired % KTHREAD_QUANTUM)));
      const end = this.handleStop(stop);
      if (end) return end;
      if (cpu.retired % KTHREAD_QUANTUM === 0 && cpu.retired !== this.kthreadsAt) this.kernelThreads();
    }
  }

  /** The kernel threads' turn between guest quanta: kcompactd runs if it was woken (traced on its own track). */
  private kernelThreads(): void {
    this.kthreadsAt = this.cpu.retired;
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
   * leaving the process where it stopped (exit() tears it down, running
   * beforeExit). Same program, same options: the same run as run().
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

  /** Executes one instruction (and the kernel work it causes). */
  step(): RunEnd | null {
    this.checkRunnable(1);
    for (;;) {
      const stop = this.cpu.run(1);
      if (stop === STOP_BUDGET) return null;
      const end = this.handleStop(stop);
      if (end) return end;
      if (stop !== STOP_PAGE_FAULT) return null; // a fixed fault restarts the same instruction
    }
  }

  /** Runs until the kernel has handled one more page fault (or the process ends). */
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
    if (!this.mm || !this.syscalls) throw withCode(new Error("no process: exec a program first"), "ERR_NO_PROCESS");
  }

  /** Turns a CPU stop into kernel work; returns how the process ended, if it did. */
  private handleStop(stop: number): RunEnd | null {
    const cpu = this.cpu;
    switch (stop) {
      case STOP_BUDGET:
        return null;
      case STOP_SYSCALL:
        if (this.syscalls!.dispatch()) return this.exit({ kind: "exit", status: this.syscalls!.exitStatus! });
        return this.deliverSignals();
      case STOP_PAGE_FAULT: {
        const r = this.pageFault(cpu.cr2, cpu.errorCode);
        if (r === 0) return null;
        this.signals!.trap(faultSignal(r, cpu.cr2, cpu.rip), "PF", cpu.errorCode);
        return this.deliverSignals();
      }
      case STOP_UD: {
        // An unhandled #UD names the bytes the CPU refused.
        const insn = cpu.insnBytes(cpu.rip);
        this.signals!.trap(trapSignal("UD", cpu.rip), "UD");
        return this.deliverSignals(insn);
      }
      case STOP_GP:
      case STOP_DE:
      case STOP_BP: {
        const trap = STOP_NAMES[stop] as "GP" | "DE" | "BP";
        this.signals!.trap(trapSignal(trap, cpu.rip), trap);
        return this.deliverSignals();
      }
      default:
        throw new Error(`cpu: unknown stop reason ${stop}`);
    }
  }

  /**
   * A #PF for the kernel: the CPU's (U set), or a syscall's copy to or from
   * user memory (U clear). Every one is counted and watched alike.
   * @return handle_page_fault's answer: 0, or signo << 16 | si_code
   */
  private pageFault(cr2: number, errorCode: number): number {
    this.faultHook?.beforeFault(cr2, errorCode);
    const r = this.kernel.call(() => this.k.handle_page_fault(cr2, errorCode));
    this.faults++;
    this.faultHook?.afterFault(r);
    return r;
  }

  /** On the way back to user mode: pending signals run their handlers, or end the process. */
  private deliverSignals(insn?: Uint8Array): RunEnd | null {
    const fatal = this.signals!.deliver();
    if (!fatal) return null;
    return this.kill(insn && fatal.code === ILL_ILLOPN && fatal.signo === SIGILL ? { ...fatal, insn } : fatal);
  }

  /** A fatal signal: the process ends with it. */
  private kill(signal: FatalSignal): RunEnd {
    return this.exit({ kind: "signal", status: 128 + signal.signo, signal });
  }

  /** Tears the current process down: exit_mmap gives back every page it held. */
  exit<T extends RunEnd | undefined>(end?: T): T {
    if (this.mm && end) this.options.beforeExit?.(this);
    if (this.mm) {
      const mm = this.mm;
      this.mm = 0;
      this.kernel.call(() => this.k.mm_exit(mm));
      this.mmu.flushAll();
    }
    this.syscalls?.files.fds.closeAll();
    this.syscalls = null;
    this.signals = null;
    return end as T;
  }
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
  if (o.seed !== undefined) {
    if (typeof o.seed !== "number") throw argTypeError("options.seed", "a number", o.seed);
    if (!Number.isSafeInteger(o.seed)) throw argRangeError("options.seed", "a whole number", o.seed);
  }
  if (o.envp !== undefined) checkStrings("options.envp", o.envp);
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
