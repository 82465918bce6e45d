// kernel/exit.c's part of the machine: a thread ends (do_exit), every
// thread of its process with it (do_group_exit), their resources go back,
// and the last thread's end makes the process a zombie its parent is told
// of (exit_notify). Browser-safe.

import type { Machine, RunEnd } from "../machine.js";
import { SIGKILL, killedLine } from "../syscalls/index.js";
import { exit_pi_state_list, exit_robust_list, futex_unqueue, futex_wake } from "./futex.js";
import { KILLED_WITH_INIT } from "./sched.js";
import { exit_itimers } from "./timers.js";
import { type Task, type TaskEnd, int32Bytes } from "./task.js";

/**
 * do_group_exit: exit_group, or a fatal signal: every other thread of the
 * caller's process ends with it (zap_other_threads), then the caller.
 * @return the run's end when the process was pid 1
 */
export function do_group_exit(m: Machine, t: Task, end: TaskEnd): RunEnd | null {
  const g = t.group;
  g.groupExit ??= end;
  for (const other of g.threads.filter((x) => x !== t)) {
    // strace -f's last lines for each of them: the call it slept in, unfinished, and its end.
    if (other.state === "sleeping") other.sys.traceUnfinished((r) => other.regs.H[r] * 0x1_0000_0000 + (other.regs.L[r] >>> 0));
    other.signals.trace?.(end.kind === "exit" ? `+++ exited with ${end.status & 0xff} +++` : killedLine(end.signal.signo));
    release(m, other, end);
  }
  return do_exit(m, t, end);
}

/**
 * do_exit: one thread ends; when it was its process's last, the process
 * ends (the leader's own end, or the group's when exit_group or a signal
 * ended it). @return the run's end when that process was pid 1
 */
export function do_exit(m: Machine, t: Task, end: TaskEnd): RunEnd | null {
  if (end.kind === "signal") t.signals.trace?.(killedLine(end.signal.signo));
  const g = t.group;
  // pid 1's last thread: the exit-time views (beforeExit) see its mm before it goes.
  if (g.leader.pid === 1 && g.threads.length === 1) m.options.beforeExit?.(m);
  release(m, t, end);
  if (g.threads.length > 0) return null;
  return exit_notify(m, g.leader, g.groupExit ?? g.leader.end ?? end);
}

/**
 * The process of `leader` has no thread left: its children go to pid 1,
 * and it stays a zombie until reaped. When pid 1 ends, the run ends and
 * every other process is killed.
 */
function exit_notify(m: Machine, leader: Task, end: TaskEnd): RunEnd | null {
  leader.retired += leader.group.exitedRetired;
  const init = leader.pid === 1;
  const reaper = m.sched.byPid(1);
  if (!init) {
    m.sched.exit(leader, end, reaper && reaper.group.threads.length > 0 ? reaper : null);
    return null;
  }
  // strace -f's last line for each process, while every one still counts for "[pid N] ".
  const others = m.sched.tasks.filter((x) => x.group !== leader.group && x.state !== "zombie");
  for (const other of others) other.signals.trace?.(killedLine(SIGKILL));
  m.sched.exit(leader, end, null);
  for (const other of others) release(m, other, KILLED_WITH_INIT);
  m.sched.tasks.length = 0;
  m.sched.current = null;
  return end.kind === "exit" ? end : { kind: "signal", status: 128 + end.signal.signo, signal: end.signal };
}

/**
 * One thread's resources go back (exit_mm, exit_files): the robust
 * futexes it holds are marked dead and the PI futexes it owns handed on
 * (futex_exit_release), its CLONE_CHILD_CLEARTID word is cleared and a
 * waiter woken (mm_release), the mm and the fd table lose a user, and it
 * leaves its process. A thread other than the leader is gone at once (it
 * reaps itself); the leader stays a zombie while its process lives.
 */
export function release(m: Machine, t: Task, end: TaskEnd): void {
  const g = t.group;
  m.accountFaults(t);
  if (t.futex) futex_unqueue(m, t.futex);
  t.futex = null;
  // A timed sleep ends with the task: its timer no longer wakes anything.
  t.sys.sleeper.cancel();
  if (t.mm) {
    const mm = t.mm;
    // Both write the thread's memory: only when its mm is the current one.
    const current = m.running?.mm === mm;
    if (t.sys.robustList && current) exit_robust_list(m, t, t.sys.robustList);
    exit_pi_state_list(m, t);
    // mm_release: only when another task still uses the mm (pthread_join's wait).
    const sharers = m.sched.tasks.filter((x) => x.mm === mm).length;
    if (t.clearChildTid && sharers > 1 && current && m.user.copyToUser(t.clearChildTid, int32Bytes(0)) === 0) {
      futex_wake(m, t, t.clearChildTid, 1, -1);
    }
    if (g.threads.length === 1) {
      const info = m.mmReader().mm(mm);
      g.leader.minflt = info.min_flt;
      g.leader.majflt = info.maj_flt;
    }
    t.mm = 0;
    m.kernel.call(() => m.k.mm_exit(mm));
    m.mmu.flushAll();
  }
  const fds = t.sys.files.fds;
  fds.users--;
  if (!m.sched.tasks.some((x) => x !== t && x.state !== "zombie" && x.sys.files.fds === fds)) fds.closeAll();
  // A vfork parent's line ends as the child exits (strace shows it before the child's end).
  t.completeVforkDone()?.sys.returned();
  if (m.running === t) m.running = null;
  g.threads.splice(g.threads.indexOf(t), 1);
  if (g.threads.length === 0) exit_itimers(m, g);
  if (t !== g.leader) {
    g.exitedRetired += t.retired;
    m.sched.exit(t, end, null);
    return;
  }
  t.end = end;
  t.state = "zombie";
  t.waitFor = null;
}
