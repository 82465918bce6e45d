// mm/process_vm_access.c: process_vm_readv and process_vm_writev, bytes
// between the caller's buffers and another process's memory, through that
// process's page tables (Machine.accessRemoteVm). A transfer that stops at a
// page one side cannot reach returns the bytes moved so far, or -EFAULT when
// none were. Browser-safe.

import type { Machine } from "../machine.js";
import { EFAULT, EINVAL, ESRCH } from "../syscalls/errno.js";
import { type Iovec, import_iovec, iov_iter_count, iovec_from_user } from "../syscalls/iov_iter.js";

const PAGE_SIZE = 4096;

/**
 * process_vm_rw: the local pieces (import_iovec) and the remote ones
 * (iovec_from_user, as given), in Linux's order of checks; nothing to move
 * is 0 before the pid is looked at; a task without an mm is ESRCH.
 */
export function process_vm_rw(m: Machine, pid: number, lvec: number, liovcnt: number, rvec: number, riovcnt: number, flags: number, write: boolean): number {
  if (flags !== 0) return -EINVAL;
  const local = import_iovec(m.user, lvec, liovcnt >>> 0);
  if (typeof local === "number") return local;
  if (iov_iter_count(local) === 0) return 0;
  const remote = iovec_from_user(m.user, rvec, riovcnt >>> 0);
  if (typeof remote === "number") return remote;
  if (remote.every(([, len]) => len === 0)) return 0;
  const task = pid > 0 ? m.sched.byPid(pid) : null;
  if (!task || !task.mm) return -ESRCH;
  return process_vm_rw_core(m, local, remote, (addr, buf) => m.accessRemoteVm(task, addr, buf, write), write);
}

/**
 * process_vm_rw_core: each remote piece in turn while the local ones have
 * room, a page at a time on both sides; the first page either side cannot
 * reach ends it. @return the bytes moved, or -EFAULT when none were
 */
function process_vm_rw_core(m: Machine, local: Iovec[], remote: Iovec[], access: (addr: number, buf: Uint8Array) => number, write: boolean): number {
  const room = iov_iter_count(local);
  let moved = 0;
  let li = 0, loff = 0;
  for (const [base, len] of remote) {
    for (let off = 0; off < len && moved < room;) {
      while (loff === local[li][1]) li++, loff = 0;
      const [lbase, llen] = local[li];
      const n = Math.min(len - off, PAGE_SIZE - ((base + off) % PAGE_SIZE), llen - loff, PAGE_SIZE - ((lbase + loff) % PAGE_SIZE));
      const buf = new Uint8Array(n);
      const ok = write
        ? m.user.copyFromUser(buf, lbase + loff, n) === 0 && access(base + off, buf) === n
        : access(base + off, buf) === n && m.user.copyToUser(lbase + loff, buf) === 0;
      if (!ok) return moved || -EFAULT;
      moved += n;
      off += n;
      loff += n;
    }
    if (moved === room) break;
  }
  return moved;
}
