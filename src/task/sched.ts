// The task table and the scheduler: pids (a thread's is its tid), parents
// and children (a process's, kept by its leader), the deterministic
// round-robin choice of the next task, the futex queue, and the syscalls
// that only look at the table (getppid, wait4, waitid, kill, tgkill,
// setpgid, setsid, sched_yield). fork and execve, which build address
// spaces, are src/task/fork.ts's and exec.ts's. Browser-safe.
//
// Scheduling: the running task keeps the CPU until it has retired QUANTUM
// instructions, sleeps in a syscall, or ends; then the next runnable task
// in pid order after it runs. A sleeping task is woken (checked) only at
// that point — between two quanta — when its wait can go on or a signal
// it does not block is pending. The kernel threads (src/task/kthread.ts)
// get their turn at that point too, before the next task is chosen, and
// when a wakeup of one preempted the running task (wakeup preemption: at
// its next return to user mode, after which it goes on with its quantum).
// No clock, no host time: the same program gives the same interleaving every run.

import { EAGAIN, ECHILD, EINVAL, EPERM, ESRCH, EFAULT, ERESTARTSYS } from "../syscalls/errno.js";
import type { UserMemory } from "../syscalls/index.js";
import { SIGKILL } from "../syscalls/endings.js";
import { SIGCHLD, SI_TKILL, SI_USER, copy_siginfo_from_user, siginfoBytes, type SigInfo } from "./signal.js";
import { Task, childInfo, int32Bytes, waitStatus, type TaskEnd } from "./task.js";
import type { KernelThreads } from "./kthread.js";
import type { FutexWaiter } from "./futex.js";
import { HrtimerBase } from "./hrtimer.js";
import { run_timers, until_timer } from "./timers.js";
import { check_kill_permission } from "./cred.js";

/** Instructions a task runs before the next runnable one gets the CPU. */
export const QUANTUM = 1 << 20;
/** pid_max's default: pids wrap below it, skipping those in use. */
export const PID_MAX = 32768;
/** Pids a wrap starts again from (RESERVED_PIDS: the low ones are the kernel threads'). */
const RESERVED_PIDS = 300;

const WNOHANG = 1, WEXITED = 4, WNOWAIT = 0x0100_0000;
const P_ALL = 0, P_PID = 1, P_PGID = 2;

export class Scheduler {
  /** Every task not yet reaped, in the order they were made (pid order until pids wrap). */
  readonly tasks: Task[] = [];
  current: Task | null = null;
  /** cpu.retired when `current` got the CPU. */
  sliceStart = 0;
  /** Tasks asleep in FUTEX_WAIT, oldest first (the futex hash's queues, in one). */
  readonly futexQueue: FutexWaiter[] = [];
  /** The timers on the virtual clock (ITIMER_REAL, POSIX timers, timerfds): they expire at the point between quanta. */
  readonly timers = new HrtimerBase();
  /** The last pid given (/proc/loadavg), tasks made (total_forks: /proc/stat's processes) and context switches (nr_switches). */
  lastPid = 0;
  forks = 0;
  nr_switches = 0;

  /** `kthreads`: the kernel threads, which run between quanta and hold the pids after init's. */
  constructor(readonly kthreads: KernelThreads | null = null) {}

  byPid(pid: number): Task | undefined {
    return this.tasks.find((t) => t.pid === pid);
  }

  /** alloc_pid: the next free pid after the last one given. */
  allocPid(): number {
    for (let pid = this.lastPid + 1; ; pid++) {
      if (pid >= PID_MAX) pid = RESERVED_PIDS;
      if (!this.byPid(pid) && !this.kthreads?.byPid(pid)) {
        this.forks++;
        return (this.lastPid = pid);
      }
    }
  }

  /** Tasks that are not zombies, threads included (nr_threads, which max_threads bounds). */
  get live(): number {
    let n = 0;
    for (const t of this.tasks) if (t.state !== "zombie") n++;
    return n;
  }

  /** The tasks of real uid `uid` not yet reaped, threads included: its user's count against RLIMIT_NPROC (ucounts). */
  userTasks(uid: number): number {
    let n = 0;
    for (const t of this.tasks) if (t.cred.uid === uid) n++;
    return n;
  }

  add(t: Task): void {
    this.tasks.push(t);
    t.parent?.children.push(t);
  }

  /** release_task: a reaped zombie leaves the table and its parent's children. */
  release(t: Task): void {
    this.tasks.splice(this.tasks.indexOf(t), 1);
    const siblings = t.parent?.children;
    if (siblings) siblings.splice(siblings.indexOf(t), 1);
    if (this.current === t) this.current = null;
  }

  /** A sleeping task can go on: its wait is over, or a signal it does not block is pending (vfork's parent waits for its child whatever comes). */
  private wakes(t: Task): boolean {
    return t.state === "sleeping" && ((t.restartable && t.signals.hasDeliverable()) || t.waitFor!());
  }

  /**
   * The task to run now, on its way (back) to user mode, after the timers
   * due at `now` (the virtual clock) have run: the current one while its
   * quantum lasts, after the kernel threads a wakeup preempted it for; else
   * the next runnable one after it (the point between quanta, where sleepers
   * are woken). null when every task sleeps and none can wake.
   */
  next(retired: number, now = retired): Task | null {
    const cur = this.current;
    run_timers(this.timers, now, cur);
    if (cur && cur.state === "runnable" && retired - this.sliceStart < QUANTUM) {
      if (this.kthreads?.needResched) this.kthreads.turn();
      return cur;
    }
    this.kthreads?.turn();
    const n = this.tasks.length;
    const at = cur ? this.tasks.indexOf(cur) : -1;
    for (let i = 1; i <= n; i++) {
      const t = this.tasks[(at + i + n) % n];
      if (t.state === "sleeping" && this.wakes(t)) t.state = "runnable";
      if (t.state === "runnable") {
        if (cur && cur !== t && cur.state === "runnable") cur.nivcsw++;
        this.sliceStart = retired;
        return (this.current = t);
      }
    }
    return null;
  }

  /** Instructions left in the current task's quantum. */
  sliceLeft(retired: number): number {
    return Math.max(1, QUANTUM - (retired - this.sliceStart));
  }

  /** Instructions `t` may run before a timer is due at `now`: it stops there, and the timer runs at the next point between instructions. */
  untilTimer(t: Task, now: number): number {
    return until_timer(this.timers, now, t);
  }

  /**
   * A task has ended (its mm and files are already gone): its children go
   * to `reaper` (pid 1), and it becomes a zombie its parent is told of with
   * SIGCHLD, or is released at once when the parent reaps nothing (or, a
   * thread, has no parent: it reaps itself).
   */
  exit(t: Task, end: TaskEnd, reaper: Task | null): void {
    t.end = end;
    t.state = "zombie";
    t.waitFor = null;
    for (const c of t.children.splice(0)) {
      c.parent = reaper;
      if (reaper && reaper !== t) {
        reaper.children.push(c);
        if (ended(c)) this.notifyParent(c);
      }
    }
    this.notifyParent(t);
  }

  /** do_notify_parent: SIGCHLD to the parent process with the child's status; an auto-reaping parent releases it now. */
  private notifyParent(t: Task): void {
    const p = t.parent;
    if (!p || p.group.threads.length === 0) {
      if (!p) this.release(t);
      return;
    }
    const { code, status } = childInfo(t.end!);
    if (t.exitSignal) p.signals.send({ signo: t.exitSignal, code, pid: t.pid, uid: t.cred.uid, status }, true);
    if (t.exitSignal === SIGCHLD && p.signals.reapsChildren()) this.reap(p, t);
  }

  /** The parent takes a zombie's figures and the zombie is gone. */
  private reap(parent: Task, z: Task): void {
    parent.childRetired += z.retired + z.childRetired;
    parent.childMinflt += z.minflt + z.childMinflt;
    parent.childMajflt += z.majflt + z.childMajflt;
    this.release(z);
  }

  // ─── syscalls ──────────────────────────────────────────────────────────────

  /** getppid: the parent process's tgid. */
  getppid(t: Task): number {
    return t.group.leader.parent?.pid ?? 0;
  }

  /** sched_yield: the caller's quantum ends now, and the next runnable task gets the CPU. */
  yield(): number {
    this.sliceStart = -Infinity;
    return 0;
  }

  /**
   * Children of the caller's process that `pid` selects as wait4 reads it:
   * > 0 that one, -1 any, 0 the caller's group, < -1 group -pid.
   */
  private selected(t: Task, pid: number): Task[] {
    const children = t.group.leader.children;
    if (pid > 0) return children.filter((c) => c.pid === pid);
    if (pid === -1) return children;
    const group = pid === 0 ? t.pgid : -pid;
    return children.filter((c) => c.pgid === group);
  }

  /**
   * wait4: a zombie child's pid, its status at `statusAddr` and its usage at
   * `rusageAddr`; 0 with WNOHANG when none has ended; ECHILD when there is
   * no such child. Otherwise the task sleeps until one ends.
   */
  wait4(t: Task, mem: UserMemory, pid: number, statusAddr: number, options: number, rusageAddr: number): number {
    if (options & ~(WNOHANG | 2 | 8 | 0x2000_0000 | 0x4000_0000 | 0x8000_0000)) return -EINVAL;
    const chosen = this.selected(t, pid);
    if (chosen.length === 0) return -ECHILD;
    const z = chosen.find(ended);
    if (!z) {
      if (options & WNOHANG) return 0;
      t.waitFor = () => this.selected(t, pid).some(ended) || this.selected(t, pid).length === 0;
      return -ERESTARTSYS;
    }
    if (statusAddr !== 0 && mem.copyToUser(statusAddr, int32Bytes(waitStatus(z.end!))) !== 0) return -EFAULT;
    if (rusageAddr !== 0 && mem.copyToUser(rusageAddr, rusage(z.retired + z.childRetired, z.minflt + z.childMinflt, z.majflt + z.childMajflt)) !== 0) return -EFAULT;
    this.reap(t.group.leader, z);
    return z.pid;
  }

  /** waitid(idtype, id, infop, options, rusage): WEXITED only (no stopped or continued children: no job control). */
  waitid(t: Task, mem: UserMemory, idtype: number, id: number, infop: number, options: number, rusageAddr: number): number {
    if (options & ~(WNOHANG | 2 | WEXITED | 8 | WNOWAIT | 0x2000_0000 | 0x4000_0000 | 0x8000_0000)) return -EINVAL;
    if (!(options & (WEXITED | 2 | 8))) return -EINVAL;
    let pid: number;
    if (idtype === P_ALL) pid = -1;
    else if (idtype === P_PID) { if (id <= 0) return -EINVAL; pid = id; }
    else if (idtype === P_PGID) { if (id < 0) return -EINVAL; pid = id === 0 ? 0 : -id; }
    else return -EINVAL;
    const chosen = this.selected(t, pid);
    if (chosen.length === 0) return -ECHILD;
    const z = options & WEXITED ? chosen.find(ended) : undefined;
    if (!z) {
      if (options & WNOHANG) {
        // No child ready: the siginfo reads as zeroes.
        if (infop !== 0 && mem.copyToUser(infop, new Uint8Array(128)) !== 0) return -EFAULT;
        return 0;
      }
      t.waitFor = () => this.selected(t, pid).some(ended) || this.selected(t, pid).length === 0;
      return -ERESTARTSYS;
    }
    const { code, status } = childInfo(z.end!);
    if (infop !== 0 && mem.copyToUser(infop, siginfoBytes({ signo: SIGCHLD, code, pid: z.pid, uid: z.cred.uid, status })) !== 0) return -EFAULT;
    if (rusageAddr !== 0 && mem.copyToUser(rusageAddr, rusage(z.retired + z.childRetired, z.minflt + z.childMinflt, z.majflt + z.childMajflt)) !== 0) return -EFAULT;
    if (!(options & WNOWAIT)) this.reap(t.group.leader, z);
    return 0;
  }

  /**
   * The signals queued to the tasks of real uid `uid` (its ucounts'
   * sigpending, which RLIMIT_SIGPENDING bounds): every thread's queue,
   * every process's shared one, and its POSIX timers'.
   */
  queuedSignals(uid: number): number {
    const queued = (q: SigInfo[]) => q.reduce((n, p) => n + (p.unqueued || p.preallocated ? 0 : 1), 0);
    // Each POSIX timer holds its sigqueue from timer_create to timer_delete.
    return this.tasks.reduce((n, x) => n + (x.cred.uid !== uid ? 0 : queued(x.signals.pending)
      + (x === x.group.leader ? queued(x.signals.shared) + x.group.timers.posix.size : 0)), 0);
  }

  /**
   * kill: pid > 0 one process (any of its threads' tids names it), 0 the
   * caller's group, -1 every process but init and the caller's, < -1 group
   * -pid. The signal goes to each process's shared queue, where a thread
   * that does not block it takes it.
   */
  kill(t: Task, pid: number, sig: number): number {
    if (sig < 0 || sig > 64) return -EINVAL;
    const info: SigInfo = { signo: sig, code: SI_USER, pid: t.tgid, uid: t.cred.uid };
    // group_send_sig_info: the permission to signal the task named, then the signal to its process.
    const send = (x: Task) => {
      const err = check_kill_permission(t, x, sig);
      if (err === 0 && sig !== 0) x.group.threads[0]?.signals.send({ ...info }, true);
      return err;
    };
    const leaders = this.tasks.filter((x) => x === x.group.leader);
    if (pid > 0) {
      const x = this.byPid(pid);
      return x ? send(x) : -ESRCH;
    }
    if (pid === -1) {
      // Every process it may signal; those it may not do not count against it.
      const targets = leaders.filter((x) => x.pid !== 1 && x.group !== t.group);
      return targets.length === 0 ? -ESRCH : targets.map(send).reduce((ret, err) => (err === -EPERM ? ret : err), 0);
    }
    // __kill_pgrp_info: success if any of the group's processes got it, else the last refusal.
    const group = pid === 0 ? t.pgid : -pid;
    const errs = leaders.filter((x) => x.pgid === group).map(send);
    return errs.length === 0 ? -ESRCH : errs.includes(0) ? 0 : errs[errs.length - 1];
  }

  /** tgkill(tgid, tid, sig) and tkill (tgid -1): to that one thread, of that process. */
  tgkill(t: Task, tgid: number, tid: number, sig: number): number {
    if (tid <= 0 || (tgid !== -1 && tgid <= 0)) return -EINVAL;
    if (sig < 0 || sig > 64) return -EINVAL;
    const x = this.byPid(tid);
    if (!x || x.state === "zombie" || (tgid !== -1 && tgid !== x.tgid)) return -ESRCH;
    const err = check_kill_permission(t, x, sig);
    if (err !== 0) return err;
    return sig !== 0 && x.signals.send({ signo: sig, code: SI_TKILL, pid: t.tgid, uid: t.cred.uid }) === -EAGAIN ? -EAGAIN : 0;
  }

  /**
   * rt_sigqueueinfo: a signal with the caller's own siginfo to process
   * `pid` (kill_proc_info). Only to itself may a caller claim a kernel's or
   * kill's or tkill's si_code (a code >= 0, or SI_TKILL): to another, EPERM.
   */
  sigqueueinfo(t: Task, mem: UserMemory, pid: number, sig: number, uinfo: number): number {
    const info = copy_siginfo_from_user(mem, uinfo, sig);
    if (typeof info === "number") return info;
    if ((info.code >= 0 || info.code === SI_TKILL) && t.pid !== pid) return -EPERM;
    const x = pid > 0 ? this.tasks.find((y) => y.pid === pid)?.group.leader : undefined;
    if (!x) return -ESRCH;
    if (sig < 0 || sig > 64) return -EINVAL;
    if (info.code < 0 && check_kill_permission(t, x, sig) !== 0) return -EPERM;
    return sig !== 0 && x.group.threads[0]?.signals.send(info, true) === -EAGAIN ? -EAGAIN : 0;
  }

  /** rt_tgsigqueueinfo: rt_sigqueueinfo to one thread `tid` of process `tgid` (do_send_specific). */
  tgsigqueueinfo(t: Task, mem: UserMemory, tgid: number, tid: number, sig: number, uinfo: number): number {
    const info = copy_siginfo_from_user(mem, uinfo, sig);
    if (typeof info === "number") return info;
    if (tid <= 0 || tgid <= 0) return -EINVAL;
    if ((info.code >= 0 || info.code === SI_TKILL) && t.pid !== tid) return -EPERM;
    const x = this.byPid(tid);
    if (!x || x.state === "zombie" || tgid !== x.tgid) return -ESRCH;
    if (sig < 0 || sig > 64) return -EINVAL;
    if (info.code < 0 && check_kill_permission(t, x, sig) !== 0) return -EPERM;
    return sig !== 0 && x.signals.send(info) === -EAGAIN ? -EAGAIN : 0;
  }

  /** setpgid: the caller or one of its children, into a group of its session (or a new one named by its pid). */
  setpgid(t: Task, pid: number, pgid: number): number {
    if (pgid < 0) return -EINVAL;
    const x = (pid === 0 ? t : this.byPid(pid))?.group.leader;
    if (!x || (x.group !== t.group && x.parent !== t.group.leader)) return -ESRCH;
    if (x.sid === x.pid) return -EPERM;
    const group = pgid === 0 ? x.pid : pgid;
    if (group !== x.pid && !this.tasks.some((y) => y.pgid === group && y.sid === t.sid)) return -EPERM;
    x.pgid = group;
    return 0;
  }

  getpgid(t: Task, pid: number): number {
    const x = pid === 0 ? t : this.byPid(pid);
    return x ? x.pgid : -ESRCH;
  }

  getsid(t: Task, pid: number): number {
    const x = pid === 0 ? t : this.byPid(pid);
    return x ? x.sid : -ESRCH;
  }

  /** setsid: a new session and group named by the caller's process, unless that already leads a group. */
  setsid(t: Task): number {
    if (this.tasks.some((y) => y.pgid === t.tgid)) return -EPERM;
    t.sid = t.pgid = t.tgid;
    return t.tgid;
  }
}

/** A child process wait4 can reap: a zombie whose threads have all ended (a leader that exited first waits for them). */
function ended(c: Task): boolean {
  return c.state === "zombie" && c.group.threads.length === 0;
}

/** SIGKILL, for what the machine ends: init's end takes every other process with it (zap_pid_ns_processes). */
export const KILLED_WITH_INIT: TaskEnd = { kind: "signal", signal: { signo: SIGKILL, code: SI_USER, addr: 0, rip: 0 } };

/** struct rusage (144 bytes): user time (one instruction is a nanosecond, as the virtual clock has it), minor and major faults. */
export function rusage(retired: number, minflt: number, majflt: number): Uint8Array {
  const b = new Uint8Array(144);
  const v = new DataView(b.buffer);
  const us = Math.floor(retired / 1000);
  v.setUint32(0, Math.floor(us / 1e6), true);
  v.setUint32(8, us % 1e6, true);
  v.setUint32(64, minflt, true); // ru_minflt
  v.setUint32(72, majflt, true); // ru_majflt
  return b;
}
