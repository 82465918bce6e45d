// kernel/fork.c's part of the machine: a new task (copy_process) and the
// clone, clone3, fork and vfork calls that make one: a process, or a thread
// of the caller's process (CLONE_THREAD). Browser-safe.

import type { Machine } from "../machine.js";
import { bytesReader } from "../machine_options.js";
import type { CpuState } from "../cpu/state.js";
import { Mempolicy, MlockCalls, RLIMIT_SIGPENDING, Syscalls, withPidPrefix, type TaskCalls, E2BIG, EAGAIN, EEXIST, EFAULT, EINVAL, ENOMEM, EPERM } from "../syscalls/index.js";
import { PID_MAX } from "./sched.js";
import { setComm } from "./exec.js";
import { SIGCHLD, Signals } from "./signal.js";
import { Task, copyRegisters, int32Bytes } from "./task.js";
import { clonePidfd } from "./pidfd.js";
import { cpu_clock_get } from "./timers.js";
import { CAP_SYS_ADMIN, CAP_SYS_RESOURCE } from "./cred.js";

const encoder = new TextEncoder();

/** clone's flags (include/uapi/linux/sched.h). */
const CSIGNAL = 0xff, CLONE_VM = 0x100, CLONE_FS = 0x200, CLONE_FILES = 0x400, CLONE_SIGHAND = 0x800;
const CLONE_VFORK = 0x4000, CLONE_THREAD = 0x10000, CLONE_NEWNS = 0x20000, CLONE_SETTLS = 0x80000, CLONE_PARENT_SETTID = 0x100000;
const CLONE_CHILD_CLEARTID = 0x200000, CLONE_DETACHED = 0x400000, CLONE_CHILD_SETTID = 0x1000000, CLONE_NEWUSER = 0x10000000;
const CLONE_PIDFD = 0x1000, CLONE_SYSVSEM = 0x40000;
/** The namespaces a task may have of its own: mount, cgroup, UTS, IPC, PID, network, time; and the user namespace. */
const CLONE_NEWNSES = CLONE_NEWNS | 0x2000000 | 0x4000000 | 0x8000000 | 0x20000000 | 0x40000000 | 0x80;
export const RLIMIT_NPROC = 6;
/** MAX_PID_NS_LEVEL: clone3's set_tid has a pid for at most this many namespace levels. */
const MAX_PID_NS_LEVEL = 32;

/** max_threads: RAM pages over 8 kernel stacks' pages (THREAD_SIZE 16 KiB), at least 20. */
export function maxThreads(m: Machine): number {
  return Math.max(20, Math.floor(m.kernel.totalramPages / 32));
}

/**
 * A task: pid 1 (no parent), or clone's child of `from` with `flags`
 * (CLONE_FILES, CLONE_FS, CLONE_SIGHAND, CLONE_THREAD say what it shares
 * rather than copies), with the next free pid or `setTid`.
 */
export function newTask(m: Machine, parent: Task | null, mm: number, from: Task | null, flags = 0, setTid = 0): Task {
  const o = m.options;
  const pid = setTid || m.sched.allocPid();
  const signals = from
    ? from.signals.fork(m.cpu, pid, (flags & CLONE_SIGHAND) !== 0, (flags & CLONE_THREAD) !== 0, (flags & (CLONE_VM | CLONE_VFORK)) === CLONE_VM)
    : new Signals(m.cpu, m.user, pid);
  // __sigqueue_alloc: the receiving task's user's count, against its limit.
  signals.queueFull = () => m.sched.queuedSignals(task.cred.uid) >= task.sys.rlimit(RLIMIT_SIGPENDING);
  // The wait a process call asks for is the task's own (wait4 sets it).
  const calls: TaskCalls = {
    get pid() { return task.tgid; },
    get waitFor() { return task.waitFor; },
    set waitFor(ready) { task.waitFor = ready; },
    get asleep() { return task.state === "sleeping"; },
    get cred() { return task.cred; },
    call: (nr, a) => m.taskCall(task, nr, a),
    cpuClock: (clock) => cpu_clock_get(m, task, clock),
  };
  const strace = m.strace;
  // strace -f: "[pid N] " once more than one process is traced.
  const prefixed = (line: string) => ((m.liveAtEntry ?? m.sched.live) > 1 ? withPidPrefix(pid, line) : line);
  const stdin = typeof o.stdin === "function" ? o.stdin : bytesReader(typeof o.stdin === "string" ? encoder.encode(o.stdin) : o.stdin);
  const sys = new Syscalls({
    regs: m.cpu,
    mem: m.user,
    signals,
    kernel: m.k,
    io: {
      stdin,
      stdout: o.stdout ?? (() => {}),
      stderr: o.stderr ?? (() => {}),
      trace: strace ? (line) => strace.line(pid, prefixed(line)) : undefined,
      traceSleep: strace ? (entry) => strace.sleep(pid, prefixed(entry)) : undefined,
      traceWake: strace ? (line, resumed) => strace.wake(pid, prefixed(line), prefixed(resumed)) : undefined,
    },
    random: m.random,
    clock: m.clock,
    timers: m.sched.timers,
    fs: m.fs,
    cwd: o.cwd,
    cache: m.kernel.pageCache,
    comm: {
      get: () => task.comm,
      set: (name) => void (task.comm = setComm(m, task, name)),
    },
    meminfo: () => ({ totalram: m.kernel.totalramPages * 4096, freeram: m.kernel.counter("nr_free_pages") * 4096 }),
    tasks: calls,
    mempolicy: new Mempolicy(m.user, m.k, m.kernel.memory, {
      mmOf: (p) => (p === 0 ? task : m.sched.byPid(p))?.mm,
      nrNodeIds: () => m.kernel.nrNodeIds,
      memoryNodes: () => m.kernel.memoryNodes(),
    }),
    mlock: new MlockCalls(m.user, m.k, m.kernel.memory),
    cpuNode: m.kernel.numaNodeId,
  }, from?.sys, { files: (flags & CLONE_FILES) !== 0, fs: (flags & CLONE_FS) !== 0, thread: (flags & CLONE_THREAD) !== 0 });
  const task: Task = new Task(pid, parent, mm, sys, signals, from && flags & CLONE_THREAD ? from.group : undefined);
  signals.threadGroup = () => task.group.threads.map((x) => x.signals);
  if (from) {
    task.comm = from.comm;
    task.cred = from.cred.copy();
    task.execPath = from.execPath;
    task.exe = from.exe;
    task.image = from.image;
  }
  m.sched.add(task);
  return task;
}

/**
 * clone (fork, vfork, posix_spawn's CLONE_VM|CLONE_VFORK, pthread_create's
 * CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|…): a child with
 * a copy of the registers (rax 0), its own mm (COW, mm_fork) or the same
 * one (CLONE_VM), the open files copied or shared, the signal actions
 * copied or shared. A thread (CLONE_THREAD) joins the caller's process: the
 * same tgid and parent, no exit signal; a process's parent is the caller's
 * process (its leader), which getppid and wait4 see.
 */
export function clone(m: Machine, t: Task, flags: number, newsp: number, parentTid: number, childTid: number, tls: number, exitSignal = flags & CSIGNAL, setTid: number | null = null,
  pidfdAddr = parentTid): number {
  // clone(2) writes CLONE_PIDFD's pidfd where CLONE_PARENT_SETTID's tid goes: not both.
  if (flags & CLONE_PIDFD && flags & CLONE_PARENT_SETTID && pidfdAddr === parentTid) return -EINVAL;
  // copy_process's checks of the flags.
  if (flags & CLONE_PIDFD && flags & CLONE_DETACHED) return -EINVAL;
  if ((flags & (CLONE_NEWNS | CLONE_FS)) === (CLONE_NEWNS | CLONE_FS)) return -EINVAL;
  if ((flags & (CLONE_NEWUSER | CLONE_FS)) === (CLONE_NEWUSER | CLONE_FS)) return -EINVAL;
  if (flags & CLONE_THREAD && !(flags & CLONE_SIGHAND)) return -EINVAL;
  if (flags & CLONE_SIGHAND && !(flags & CLONE_VM)) return -EINVAL;
  if (exitSignal > 64) return -EINVAL;
  // copy_process: max_threads binds everyone; RLIMIT_NPROC the tasks of the caller's real uid not yet reaped, threads
  // included, unless that uid is root's or the caller has CAP_SYS_RESOURCE or CAP_SYS_ADMIN.
  if (m.sched.live >= maxThreads(m)) return -EAGAIN;
  const c = t.cred;
  if (c.uid !== 0 && !c.capable(CAP_SYS_RESOURCE) && !c.capable(CAP_SYS_ADMIN)
    && m.sched.userTasks(c.uid) >= t.sys.rlimit(RLIMIT_NPROC)) return -EAGAIN;
  // alloc_pid: a chosen pid within pid_max (the guest, root, may choose), EEXIST when it is taken.
  if (setTid !== null && (setTid < 1 || setTid >= PID_MAX)) return -EINVAL;
  if (setTid !== null && (m.sched.byPid(setTid) || m.sched.kthreads?.byPid(setTid))) return -EEXIST;
  const mm = flags & CLONE_VM ? (m.k.mm_get(t.mm) === 0 ? t.mm : 0) : m.kernel.call(() => m.k.mm_fork(t.mm));
  if (mm === 0) return -ENOMEM;
  const thread = (flags & CLONE_THREAD) !== 0;
  const child = newTask(m, thread ? null : t.group.leader, mm, t, flags, setTid ?? 0);
  child.exitSignal = thread ? 0 : exitSignal;
  // The kernel names an mm by its task: a CLONE_VM child leaves the shared one its parent's name.
  if (!(flags & CLONE_VM)) setComm(m, child, encoder.encode(t.comm));
  copyRegisters(m.cpu.state, child.regs);
  child.regs.L[0] = child.regs.H[0] = 0; // the child's clone returns 0
  if (newsp !== 0) setReg(child.regs, 4, newsp);
  if (flags & CLONE_SETTLS) {
    child.regs.seg[0] = tls % 0x1_0000_0000 | 0;
    child.regs.seg[1] = Math.floor(tls / 0x1_0000_0000) | 0;
  }
  if (flags & CLONE_PIDFD) m.user.copyToUser(pidfdAddr, int32Bytes(clonePidfd(m, t, child, thread)));
  if (flags & CLONE_PARENT_SETTID) m.user.copyToUser(parentTid, int32Bytes(child.pid));
  if (flags & CLONE_CHILD_SETTID) child.setChildTid = childTid;
  if (flags & CLONE_CHILD_CLEARTID) child.clearChildTid = childTid;
  if (flags & CLONE_VFORK) {
    // The parent sleeps, its clone done, until the child execs or exits (wait_for_vfork_done).
    child.vforkParent = t;
    t.state = "sleeping";
    t.nvcsw++;
    t.waitFor = () => child.vforkParent === null;
    t.restartable = false;
  }
  return child.pid;
}

/**
 * clone3(args, size): struct clone_args (flags, pidfd, child_tid,
 * parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size,
 * cgroup), checked as copy_clone_args_from_user does; the child's stack
 * pointer is stack + stack_size, its pid set_tid's when given.
 */
export function clone3(m: Machine, t: Task, addr: number, size: number): number {
  const VER0 = 64, KNOWN = 88;
  if (size < VER0) return -EINVAL;
  if (size > 4096) return -E2BIG;
  const b = new Uint8Array(size);
  if (m.user.copyFromUser(b, addr, size) !== 0) return -EFAULT;
  // A newer struct may be passed if its extra fields are zero.
  if (b.subarray(KNOWN).some((x) => x !== 0)) return -E2BIG;
  const v = new DataView(b.buffer);
  const u64 = (at: number) => at + 8 > size ? 0 : v.getUint32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true);
  const flagsHi = v.getUint32(4, true), flags = v.getUint32(0, true);
  const exitSignal = u64(32), stack = u64(40), stackSize = u64(48), setTid = u64(64), setTidSize = u64(72);
  if (setTidSize > MAX_PID_NS_LEVEL || (setTid === 0) !== (setTidSize === 0)) return -EINVAL;
  let tid: number | null = null;
  if (setTidSize) {
    const tids = new Uint8Array(4 * setTidSize);
    if (m.user.copyFromUser(tids, setTid, tids.length) !== 0) return -EFAULT;
    tid = new DataView(tids.buffer).getInt32(0, true);
  }
  if (exitSignal > CSIGNAL || flags & CSIGNAL) return -EINVAL;
  // What this kernel does not have (CLONE_INTO_CGROUP, the flags above 32 bits) is refused.
  if (flagsHi !== 0) return -EINVAL;
  if (stack === 0 ? stackSize !== 0 : stackSize === 0) return -EINVAL;
  // One pid namespace: a pid for each level below it is one too many.
  if (setTidSize > 1) return -EINVAL;
  return clone(m, t, flags, stack === 0 ? 0 : stack + stackSize, u64(24), u64(16), u64(56), exitSignal, tid, u64(8));
}

/**
 * unshare (ksys_unshare): the flags each implies, then check_unshare_flags
 * (CLONE_THREAD, CLONE_SIGHAND and CLONE_VM only for what no other task
 * shares, else EINVAL); then a fd table (CLONE_FILES) and a cwd and umask
 * (CLONE_FS) of the caller's own. CLONE_SYSVSEM has no semaphore undo list
 * to leave. A namespace but a user one needs CAP_SYS_ADMIN (EPERM); this
 * kernel has none to make: undefined, the call unimplemented, for a
 * caller that may. `flags`: the register (an unsigned long), signed.
 */
export function unshare(m: Machine, t: Task, flags: number): number | undefined {
  if (flags < 0 || flags > 0xffffffff) return -EINVAL;
  if (flags & CLONE_NEWUSER) flags |= CLONE_THREAD | CLONE_FS;
  if (flags & CLONE_VM) flags |= CLONE_SIGHAND;
  if (flags & CLONE_SIGHAND) flags |= CLONE_THREAD;
  if (flags & CLONE_NEWNS) flags |= CLONE_FS;
  if (flags & ~(CLONE_THREAD | CLONE_FS | CLONE_SIGHAND | CLONE_VM | CLONE_FILES | CLONE_SYSVSEM | CLONE_NEWUSER | CLONE_NEWNSES)) return -EINVAL;
  if (flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM) && t.group.threads.length > 1) return -EINVAL;
  if (flags & (CLONE_SIGHAND | CLONE_VM) && m.sched.tasks.some((x) => x !== t && x.signals.actions === t.signals.actions)) return -EINVAL;
  if (flags & CLONE_VM && m.sched.tasks.some((x) => x !== t && x.state !== "zombie" && x.mm === t.mm)) return -EINVAL;
  if (flags & CLONE_NEWNSES && !(flags & CLONE_NEWUSER) && !t.cred.capable(CAP_SYS_ADMIN)) return -EPERM;
  if (flags & (CLONE_NEWUSER | CLONE_NEWNSES)) return undefined;
  if (flags & CLONE_FILES) t.sys.files.unshareFiles();
  if (flags & CLONE_FS) t.sys.files.unshareFs();
  return 0;
}

/** fork: clone with SIGCHLD as the exit signal, nothing shared. */
export function fork(m: Machine, t: Task): number {
  return clone(m, t, SIGCHLD, 0, 0, 0, 0);
}

/** vfork: the child shares the mm and the parent sleeps until it execs or exits. */
export function vfork(m: Machine, t: Task): number {
  return clone(m, t, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}

/** Register r of a saved state (0..15), from a signed number. */
function setReg(s: CpuState, r: number, v: number): void {
  s.L[r] = v % 0x1_0000_0000 | 0;
  s.H[r] = Math.floor(v / 0x1_0000_0000) | 0;
}
