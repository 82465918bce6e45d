// kernel/pid.c's and kernel/signal.c's pidfds: pidfd_open, the pidfd
// clone and clone3 give with CLONE_PIDFD, pidfd_send_signal, pidfd_getfd,
// and waitid(P_PIDFD). A pidfd names its task (its process, or with
// PIDFD_THREAD the thread): it polls readable once that has exited, and
// hung up too once it is reaped (pidfd_poll). Browser-safe.

import { check_kill_permission } from "./cred.js";
import type { Machine } from "../machine.js";
import { O_EXCL, O_NONBLOCK, O_RDWR, OpenFile } from "../fs/fdtable.js";
import { ANON_INODE_FS, OpsInode } from "../fs/anon.js";
import { EAGAIN, EBADF, EINVAL, ESRCH } from "../syscalls/errno.js";
import { SI_USER } from "./signal.js";
import type { Task } from "./task.js";

const PIDFD_NONBLOCK = O_NONBLOCK, PIDFD_THREAD = O_EXCL;
const POLLIN = 0x1, POLLHUP = 0x10, POLLRDNORM = 0x40;
const P_PID = 1, WNOHANG = 1;

export class PidfdInode extends OpsInode {
  /** The poll mask last seen: each change moves `events` on, for edge-triggered epoll. */
  private last = 0;
  override readonly anonName = "[pidfd]";
  override readonly reopens = true;

  constructor(ino: number, readonly m: Machine, readonly task: Task, readonly thread: boolean) {
    super(ino, 0o600, ANON_INODE_FS, 0);
  }

  /** Not yet reaped (the pid still names it). */
  get alive(): boolean {
    return this.m.sched.tasks.includes(this.task);
  }

  read(): number {
    return -EINVAL;
  }
  write(): number {
    return -EINVAL;
  }

  /** pidfd_show_fdinfo: its pid while the task is not reaped (pid_has_task), else -1; one pid namespace. */
  override showFdinfo(): string {
    const nr = this.alive ? this.task.pid : -1;
    return `Pid:\t${nr}\nNSpid:\t${nr}\n`;
  }

  poll(): number {
    let mask = 0;
    if (!this.alive) mask = POLLIN | POLLRDNORM | POLLHUP;
    else if (this.thread ? this.task.state === "zombie" : this.task.group.threads.length === 0) mask = POLLIN | POLLRDNORM;
    if (mask !== this.last) {
      this.last = mask;
      this.events++;
    }
    return mask;
  }
}

/** A pidfd of `task` in t's table (always close-on-exec). @return the fd or -errno */
function install(m: Machine, t: Task, task: Task, flags: number): number {
  const inode = new PidfdInode(m.fs.ino(), m, task, (flags & PIDFD_THREAD) !== 0);
  return t.sys.files.fds.install(new OpenFile(inode, O_RDWR | (flags & PIDFD_NONBLOCK), null, null), true);
}

/** The task a pidfd names, or -EBADF (no such fd, or not a pidfd). */
export function pidfdTask(t: Task, fd: number): PidfdInode | number {
  const f = t.sys.files.fds.get(fd);
  return f && f.inode instanceof PidfdInode ? f.inode : -EBADF;
}

/** pidfd_open(pid, flags): a process by its pid (with PIDFD_THREAD, any thread by its tid). */
export function pidfd_open(m: Machine, t: Task, pid: number, flags: number): number {
  if (flags & ~(PIDFD_NONBLOCK | PIDFD_THREAD)) return -EINVAL;
  if (pid <= 0) return -EINVAL;
  const task = m.sched.byPid(pid);
  if (!task) return -ESRCH;
  // A thread that does not lead its process has no process pidfd (pidfd_prepare's ENOENT).
  if (!(flags & PIDFD_THREAD) && task.group.leader !== task) return -2;
  return install(m, t, task, flags);
}

/** CLONE_PIDFD: the new child's pidfd in its parent's table (a thread's with CLONE_THREAD). */
export function clonePidfd(m: Machine, t: Task, child: Task, thread: boolean): number {
  return install(m, t, child, thread ? PIDFD_THREAD : 0);
}

/** pidfd_send_signal(pidfd, sig, info, flags): kill(2) to the process the pidfd names; a siginfo of the caller's own is not taken. */
export function pidfd_send_signal(m: Machine, t: Task, fd: number, sig: number, info: number, flags: number): number {
  if (flags !== 0) return -EINVAL;
  const p = pidfdTask(t, fd);
  if (typeof p === "number") return p;
  if (info !== 0) return -EINVAL;
  if (!p.alive) return -ESRCH;
  if (sig < 0 || sig > 64) return -EINVAL;
  const err = check_kill_permission(t, p.task, sig);
  if (err !== 0) return err;
  if (sig === 0 || p.task.group.threads.length === 0) return 0;
  const target = p.thread ? p.task : p.task.group.threads[0];
  target.signals.send({ signo: sig, code: SI_USER, pid: t.tgid, uid: t.cred.uid }, !p.thread);
  return 0;
}

/** pidfd_getfd(pidfd, targetfd, flags): a copy of the named process's descriptor, close-on-exec. */
export function pidfd_getfd(m: Machine, t: Task, fd: number, target: number, flags: number): number {
  if (flags !== 0) return -EINVAL;
  const p = pidfdTask(t, fd);
  if (typeof p === "number") return p;
  if (!p.alive || p.task.group.threads.length === 0) return -ESRCH;
  const f = p.task.group.threads[0].sys.files.fds.get(target);
  if (!f) return -EBADF;
  return t.sys.files.fds.install(f, true);
}

/** waitid(P_PIDFD, pidfd, …): waitid of that pid; a nonblocking pidfd waits as WNOHANG. */
export function waitid_pidfd(m: Machine, t: Task, fd: number, infop: number, options: number, rusage: number): number {
  if (fd < 0) return -EINVAL;
  const f = t.sys.files.fds.get(fd);
  if (!f) return -EBADF;
  if (!(f.inode instanceof PidfdInode)) return -EBADF;
  const task = f.inode.task;
  const ended = task.state === "zombie" && task.group.threads.length === 0;
  const r = m.sched.waitid(t, m.user, P_PID, task.pid, infop, f.flags & O_NONBLOCK ? options | WNOHANG : options, rusage);
  // A nonblocking pidfd's wait that found nothing is EAGAIN, unless the caller asked for WNOHANG itself.
  return r === 0 && !ended && f.flags & O_NONBLOCK && !(options & WNOHANG) ? -EAGAIN : r;
}
