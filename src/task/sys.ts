// kernel/sys.c's getrusage, over the machine's counters. Browser-safe.

import type { Machine } from "../machine.js";
import { EFAULT, EINVAL } from "../syscalls/index.js";
import { rusage } from "./sched.js";
import type { Task } from "./task.js";

/** getrusage: RUSAGE_SELF (0) and RUSAGE_THREAD (1, one thread) from the mm's counters, RUSAGE_CHILDREN (-1) from the reaped children's. */
export function getrusage(m: Machine, t: Task, who: number, addr: number): number {
  let bytes: Uint8Array;
  if (who === 0 || who === 1) {
    const mm = m.mmReader().mm(t.mm);
    bytes = rusage(t.retired + (m.cpu.retired - m.sched.sliceStart), mm.min_flt, mm.maj_flt);
  } else if (who === -1) bytes = rusage(t.childRetired, t.childMinflt, t.childMajflt);
  else return -EINVAL;
  return m.user.copyToUser(addr, bytes) === 0 ? 0 : -EFAULT;
}
