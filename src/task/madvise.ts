// mm/madvise.c's process_madvise: madvise over the pieces of an iovec in
// the address space of the process a pidfd names, by the kernel's own
// madvise run with that mm current (Machine.withMm). Browser-safe.

import type { Machine } from "../machine.js";
import { EINVAL, ESRCH, EPERM } from "../syscalls/errno.js";
import { import_iovec, iov_iter_count } from "../syscalls/iov_iter.js";
import { CAP_SYS_NICE } from "./cred.js";
import { pidfdTask } from "./pidfd.js";
import type { Task } from "./task.js";

/** The advice another process's memory may take (process_madvise_remote_valid): MADV_WILLNEED, MADV_COLD, MADV_PAGEOUT, MADV_COLLAPSE. */
const REMOTE_ADVICE = [3, 20, 21, 25];

/**
 * process_madvise(pidfd, vec, vlen, advice, flags): the flags, the pieces
 * (import_iovec), the task (EBADF, ESRCH once it has no mm); any advice
 * on the caller's own memory, on another's only the non-destructive ones
 * (EINVAL) and with CAP_SYS_NICE (EPERM). Then vector_madvise: each piece
 * in turn, the first that fails ends it. @return the bytes advised before
 * that, or its error when none were
 */
export function process_madvise(m: Machine, t: Task, pidfd: number, vec: number, vlen: number, advice: number, flags: number): number {
  if (flags !== 0) return -EINVAL;
  const iov = import_iovec(m.user, vec, vlen);
  if (typeof iov === "number") return iov;
  const p = pidfdTask(t, pidfd);
  if (typeof p === "number") return p;
  const x = p.task;
  if (!p.alive || !x.mm) return -ESRCH;
  if (x.mm !== t.mm && !REMOTE_ADVICE.includes(advice)) return -EINVAL;
  if (x.mm !== t.mm && !t.cred.capable(CAP_SYS_NICE)) return -EPERM;
  const total = iov_iter_count(iov);
  let done = 0, ret = 0;
  m.withMm(x, () => {
    // the iterator stops on no empty piece but a leading one
    for (const [i, [start, len]] of iov.entries()) {
      if (done === total || (len === 0 && i > 0)) continue;
      ret = m.k.sys_madvise(start, len, advice);
      if (ret < 0) return;
      done += len;
    }
  });
  return done || ret;
}
