// kernel/exit.c's part of the machine: a task ends (do_exit), and its
// resources go back. Browser-safe.

import type { Machine, RunEnd } from "../machine.js";
import { SIGKILL, killedLine } from "../syscalls/index.js";
import { KILLED_WITH_INIT } from "./sched.js";
import type { Task, TaskEnd } from "./task.js";

/**
 * do_exit: the task's files close, it leaves its mm (exit_mmap when it was
 * the last user), its children go to pid 1, and it stays a zombie until
 * reaped. When pid 1 ends, the run ends (after beforeExit) and every
 * other process is killed. @return the run's end when it was pid 1
 */
export function taskExit(m: Machine, t: Task, end: TaskEnd): RunEnd | null {
  const init = t.pid === 1;
  if (init) m.options.beforeExit?.(m);
  // strace -f's last line for each process (exit_group's "+++ exited with" is the dispatcher's), while every one still counts for "[pid N] ".
  const others = init ? m.sched.tasks.filter((x) => x !== t && x.state !== "zombie") : [];
  if (end.kind === "signal") t.signals.trace?.(killedLine(end.signal.signo));
  for (const other of others) other.signals.trace?.(killedLine(SIGKILL));
  release(m, t, end);
  if (!init) return null;
  for (const other of others) release(m, other, KILLED_WITH_INIT);
  m.sched.tasks.length = 0;
  m.sched.current = null;
  return end.kind === "exit" ? end : { kind: "signal", status: 128 + end.signal.signo, signal: end.signal };
}

/** A task's resources go back; it becomes a zombie. */
export function release(m: Machine, t: Task, end: TaskEnd): void {
  if (t.mm) {
    const info = m.mmReader().mm(t.mm);
    t.minflt = info.min_flt;
    t.majflt = info.maj_flt;
    const mm = t.mm;
    t.mm = 0;
    m.kernel.call(() => m.k.mm_exit(mm));
    m.mmu.flushAll();
  }
  t.sys.files.fds.closeAll();
  t.vforkDone = true;
  if (m.running === t) m.running = null;
  const init = m.sched.byPid(1);
  m.sched.exit(t, end, init && init !== t && init.state !== "zombie" ? init : null);
}
