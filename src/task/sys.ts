// kernel/sys.c's getrusage, over the machine's counters, and getpriority,
// setpriority and prlimit64 over the task table. Browser-safe.

import type { Machine } from "../machine.js";
import { EFAULT, EINVAL, EPERM, ESRCH } from "../syscalls/index.js";
import { CAP_SYS_RESOURCE } from "./cred.js";
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

const PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;

/** The tasks `which` and `who` name: a task by pid (0: the caller), a process group's (0: the caller's), a real uid's (0: the caller's). */
function prioTasks(m: Machine, t: Task, which: number, who: number): Task[] {
  if (which === PRIO_PROCESS) {
    const x = who === 0 ? t : m.sched.byPid(who);
    return x ? [x] : [];
  }
  if (which === PRIO_PGRP) return m.sched.tasks.filter((x) => x.pgid === (who === 0 ? t.pgid : who));
  const uid = who === 0 ? t.cred.uid : who >>> 0;
  return m.sched.tasks.filter((x) => x.cred.uid === uid);
}

/** getpriority: the highest priority (20 - nice, so that none is negative) of the tasks named, or -ESRCH. */
export function getpriority(m: Machine, t: Task, which: number, who: number): number {
  if (which < PRIO_PROCESS || which > PRIO_USER) return -EINVAL;
  return prioTasks(m, t, which, who).reduce((ret, x) => Math.max(ret, 20 - x.sys.nice), -ESRCH);
}

/** setpriority: each task named takes the nice value it may (set_one_prio); -ESRCH for none, else the last refusal or 0. */
export function setpriority(m: Machine, t: Task, which: number, who: number, nice: number): number {
  if (which < PRIO_PROCESS || which > PRIO_USER) return -EINVAL;
  return prioTasks(m, t, which, who).reduce((error, x) => x.sys.set_one_prio(nice, t.cred, error), -ESRCH);
}

/**
 * prlimit64: the limits of task `pid` (0: the caller's). Another's only
 * when its real, effective and saved ids are all the caller's real ones
 * (check_prlimit_permission), or with CAP_SYS_RESOURCE; else -EPERM.
 */
export function prlimit64(m: Machine, t: Task, pid: number, resource: number, newAddr: number, oldAddr: number): number {
  const x = pid === 0 ? t : m.sched.byPid(pid);
  if (!x) return -ESRCH;
  const c = t.cred, xc = x.cred;
  const same = [xc.uid, xc.euid, xc.suid].every((id) => id === c.uid) && [xc.gid, xc.egid, xc.sgid].every((id) => id === c.gid);
  if (x !== t && !same && !c.capable(CAP_SYS_RESOURCE)) return -EPERM;
  // A zombie has no mm left to tell.
  return t.sys.prlimit(resource, newAddr, oldAddr, x.sys, (fn) => void (x.mm && m.withMm(x, fn)));
}
