// poll, ppoll, select and pselect6 (fs/select.c): which descriptors are
// ready, from each open file's poll mask; when none is and the caller
// gives time, the task sleeps until one is or its timer (an hrtimer
// sleeper) fires, or a signal ends the wait. ppoll's and pselect6's signal masks
// are the caller's (index.ts). Browser-safe.

import { NR_OPEN_DEFAULT, OpenFile } from "../fs/fdtable.js";
import { PIPE_BUF, PipeInode } from "../fs/pipe.js";
import { OpsInode } from "../fs/anon.js";
import { EBADF, EFAULT, EINVAL } from "./errno.js";
import type { UserMemory } from "./index.js";
import type { HrtimerSleeper } from "../task/hrtimer.js";

export const POLLIN = 0x1, POLLPRI = 0x2, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLNVAL = 0x20;
const POLLRDNORM = 0x40, POLLWRNORM = 0x100;
/** What a file that cannot wait says (DEFAULT_POLLMASK): always readable and writable. */
const DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;
/** select's sets, as poll bits (POLLIN_SET, POLLOUT_SET, POLLEX_SET). */
const IN_SET = POLLIN | POLLRDNORM | POLLHUP | POLLERR, OUT_SET = POLLOUT | POLLWRNORM | POLLERR, EX_SET = POLLPRI;

/** pipe_poll, a file's own poll (fs/anon.ts), or DEFAULT_POLLMASK for every other file. */
export function pollMask(f: OpenFile): number {
  const pipe = f.inode;
  if (pipe instanceof OpsInode) return pipe.poll(f);
  if (!(pipe instanceof PipeInode)) return DEFAULT_POLLMASK;
  let mask = 0;
  if (f.readable) {
    if (pipe.used > 0) mask |= POLLIN | POLLRDNORM;
    if (pipe.writers === 0) mask |= POLLHUP;
  }
  if (f.writable) {
    if (pipe.space >= PIPE_BUF) mask |= POLLOUT | POLLWRNORM;
    if (pipe.readers === 0) mask |= POLLERR;
  }
  return mask;
}

export interface PollContext {
  mem: UserMemory;
  file(fd: number): OpenFile | undefined;
  /** The fd table's size (fdt->max_fds): select looks no further. */
  maxFds(): number;
  /** The virtual clock, in ns. */
  now(): number;
  /** The task's sleeper, timing out `ns` after the call first slept (it survives the call's restarts; the call's end cancels it). */
  timeout(ns: number): HrtimerSleeper;
  /** The task sleeps until `ready` (the call then runs again), or a signal it does not block comes. */
  sleep(ready: () => boolean): number;
  /** signal_pending: a signal the task does not block is pending. */
  signalPending(): boolean;
  /** RLIMIT_NOFILE's soft limit: poll's nfds beyond it is EINVAL (default: NR_OPEN_DEFAULT). */
  nofile?(): number;
}

/** poll, select and epoll_wait (do_poll, do_select, ep_poll): the scans and the timed wait. */
export class PollState {
  constructor(private readonly c: PollContext) {}

  /** Ready now, or after a sleep, or -ERESTARTSYS: `scan` returns how many are ready (it writes nothing while none is). */
  wait(timeoutNs: number | null, scan: (write: boolean) => number): number {
    // schedule_hrtimeout_range: the sleeper, started once for the call (null: no timeout).
    const sleeper = timeoutNs === null ? null : this.c.timeout(timeoutNs);
    const ready = scan(false);
    // do_poll and do_select: with nothing ready, a pending signal ends the wait (-ERESTARTNOHAND), even one of no time.
    if (ready === 0 && this.c.signalPending()) return this.c.sleep(() => false);
    if (ready !== 0 || sleeper?.expired()) return scan(true);
    return this.c.sleep(() => scan(false) !== 0 || sleeper?.expired() === true);
  }

  /** poll and ppoll: struct pollfd { int fd; short events, revents; }. */
  poll(fdsAddr: number, nfds: number, timeoutNs: number | null): number {
    if (nfds > (this.c.nofile?.() ?? NR_OPEN_DEFAULT)) return -EINVAL;
    const buf = new Uint8Array(8 * nfds);
    if (nfds > 0 && this.c.mem.copyFromUser(buf, fdsAddr, buf.length) !== 0) return -EFAULT;
    const v = new DataView(buf.buffer);
    return this.wait(timeoutNs, (write) => {
      let n = 0;
      for (let i = 0; i < nfds; i++) {
        const fd = v.getInt32(8 * i, true);
        const events = v.getUint16(8 * i + 4, true);
        let revents = 0;
        if (fd >= 0) {
          const f = this.c.file(fd);
          revents = f ? pollMask(f) & (events | POLLERR | POLLHUP) : POLLNVAL;
        }
        if (revents) n++;
        v.setUint16(8 * i + 6, revents, true);
      }
      if (write && nfds > 0 && this.c.mem.copyToUser(fdsAddr, buf) !== 0) return -EFAULT;
      return n;
    });
  }

  /**
   * select and pselect6: three fd_set bitmaps of nfds bits, cut to the fd
   * table's size (core_sys_select: bits past it are never read, so a large
   * nfds is no error); a closed descriptor set below it is EBADF.
   */
  select(nfds: number, sets: [number, number, number], timeoutNs: number | null): number {
    if (nfds < 0) return -EINVAL;
    nfds = Math.min(nfds, this.c.maxFds());
    const bytes = Math.ceil(nfds / 64) * 8;
    const ins = sets.map((addr) => {
      const b = new Uint8Array(bytes);
      if (addr !== 0 && bytes > 0 && this.c.mem.copyFromUser(b, addr, bytes) !== 0) return null;
      return b;
    });
    if (ins.some((b) => b === null)) return -EFAULT;
    const want = ins as Uint8Array[];
    for (let fd = 0; fd < nfds; fd++) {
      const asked = want.some((b) => b[fd >> 3] & (1 << (fd & 7)));
      if (asked && !this.c.file(fd)) return -EBADF;
    }
    const masks = [IN_SET, OUT_SET, EX_SET];
    return this.wait(timeoutNs, (write) => {
      const outs = want.map(() => new Uint8Array(bytes));
      let n = 0;
      for (let fd = 0; fd < nfds; fd++) {
        const f = this.c.file(fd);
        if (!f) continue;
        const mask = pollMask(f);
        for (let s = 0; s < 3; s++) {
          if (want[s][fd >> 3] & (1 << (fd & 7)) && mask & masks[s]) {
            outs[s][fd >> 3] |= 1 << (fd & 7);
            n++;
          }
        }
      }
      if (write) for (let s = 0; s < 3; s++) if (sets[s] !== 0 && bytes > 0 && this.c.mem.copyToUser(sets[s], outs[s]) !== 0) return -EFAULT;
      return n;
    });
  }
}

/** A struct timespec (or timeval, `unit` 1000) at `addr` in ns; null for a NULL pointer; -EFAULT/-EINVAL as a negative number. */
export function readTimeout(mem: UserMemory, addr: number, unit: number): number | null {
  if (addr === 0) return null;
  const b = new Uint8Array(16);
  if (mem.copyFromUser(b, addr, 16) !== 0) return -EFAULT;
  const v = new DataView(b.buffer);
  const sec = Number(v.getBigInt64(0, true)), frac = Number(v.getBigInt64(8, true));
  if (sec < 0 || frac < 0 || frac >= 1e9 / unit) return -EINVAL;
  return sec * 1e9 + frac * unit;
}

