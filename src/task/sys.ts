// kernel/sys.c's getrusage, over the machine's counters. Browser-safe.

import type { Machine } from "../machine.js";
import { EFAULT, EINVAL } from "../syscalls/index.js";
import { rusage } from "./sched.js";
import type { Task } from "./task.js";

/**
 * getrusage: RUSAGE_SELF (0) the process's, its faults from the mm's
 * counters (every thread's), its time every thread's; RUSAGE_THREAD (1) the
 * caller's own; RUSAGE_CHILDREN (-1) from the reaped children's.
 */
export function getrusage(m: Machine, t: Task, who: number, addr: number): number {
  let bytes: Uint8Array;
  const running = m.cpu.retired - m.sched.sliceStart;
  if (who === 0) {
    const mm = m.mmReader().mm(t.mm);
    const g = t.group;
    bytes = rusage(g.threads.reduce((n, x) => n + x.retired, g.exitedRetired) + running, mm.min_flt, mm.maj_flt);
  } else if (who === 1) {
    m.accountFaults(t);
    bytes = rusage(t.retired + running, t.ownMinflt, t.ownMajflt);
  } else if (who === -1) {
    const p = t.group.leader;
    bytes = rusage(p.childRetired, p.childMinflt, p.childMajflt);
  }
  else return -EINVAL;
  return m.user.copyToUser(addr, bytes) === 0 ? 0 : -EFAULT;
}
