// fs/timerfd.c: timerfd_create, timerfd_settime and timerfd_gettime, a
// timer on the virtual clock read through a file: a read gives the number of
// expirations since the last one (8 bytes) and waits for one when there is
// none (EAGAIN with O_NONBLOCK); poll, select and epoll see it readable once
// it has expired. Browser-safe.

import { O_CLOEXEC, O_NONBLOCK, O_RDWR, OpenFile } from "../fs/fdtable.js";
import { ANON_INODE_FS, OpsInode } from "../fs/anon.js";
import type { Machine } from "../machine.js";
import { Hrtimer, type HrtimerBase, hrtimer_forward } from "../task/hrtimer.js";
import type { Task } from "../task/task.js";
import { itimerspec, readItimerspec } from "../task/timers.js";
import { EAGAIN, EBADF, EFAULT, EINVAL } from "./errno.js";
import { POLLIN } from "./poll.js";

const TFD_TIMER_ABSTIME = 1, TFD_TIMER_CANCEL_ON_SET = 2;
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7, CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9;

class TimerfdInode extends OpsInode {
  /** Expirations not yet read. */
  private ticks = 0;
  /** It has expired since it was set or last forwarded (a periodic timer then waits for a read to go on). */
  private expired = false;
  private interval = 0;
  readonly timer = new Hrtimer(() => this.tmrproc());
  override readonly anonName = "[timerfd]";
  /** The last timerfd_settime's flags (settime_flags). */
  settimeFlags = 0;

  constructor(ino: number, readonly clockid: number, readonly base: HrtimerBase, readonly now: () => number,
    /** Where an absolute time of its clock is on the virtual clock (CLOCK_REALTIME's epoch away). */
    readonly abs: (ns: number) => number) {
    super(ino, 0o600, ANON_INODE_FS, 0);
  }

  /** timerfd_tmrproc: one more expiration, and readers wake; the timer waits for them to go on. */
  private tmrproc(): null {
    this.expired = true;
    this.ticks++;
    this.events++;
    return null;
  }

  /** A periodic timer that expired goes on after now, its missed periods counted as expirations. */
  private forward(): void {
    if (!this.expired || !this.interval) return;
    const f = hrtimer_forward(this.timer.expires, this.now(), this.interval);
    this.ticks += f.overruns - 1;
    this.base.start(this.timer, f.expires);
    this.expired = false;
  }

  read(_f: OpenFile, len: number): Uint8Array | number {
    if (len < 8) return -EINVAL;
    if (this.ticks === 0) return -EAGAIN;
    this.forward();
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, BigInt(this.ticks), true);
    this.ticks = 0;
    this.expired = false;
    this.events++;
    return out;
  }

  write(): number {
    return -EINVAL;
  }

  poll(): number {
    return this.ticks > 0 ? POLLIN : 0;
  }

  /** timerfd_show: the clock, unread expirations, settime flags and the time left (timerfd_get_remaining: not forwarded) and period. */
  override showFdinfo(): string {
    const ts = (ns: number) => `(${Math.floor(ns / 1e9)}, ${ns % 1e9})`;
    const left = this.timer.expires ? Math.max(0, this.timer.expires - this.now()) : 0;
    return `clockid: ${this.clockid}\nticks: ${this.ticks}\nsettime flags: 0${this.settimeFlags.toString(8)}\n`
      + `it_value: ${ts(left)}\nit_interval: ${ts(this.interval)}\n`;
  }

  /** timerfd_gettime's [value, interval]: the time to the next expiry (0 when disarmed or past). */
  get(): [number, number] {
    this.forward();
    return [Math.max(0, this.timer.expires - this.now()), this.interval];
  }

  /** do_timerfd_settime: the old setting; then no expirations, and armed to `value` (absolute with TFD_TIMER_ABSTIME) unless 0. */
  set(value: number, interval: number, absolute: boolean): [number, number] {
    const old = this.get();
    this.base.cancel(this.timer);
    this.expired = false;
    this.ticks = 0;
    this.interval = interval;
    this.timer.expires = 0;
    if (value) this.base.start(this.timer, absolute ? this.abs(value) : this.now() + value);
    return old;
  }
}

/** timerfd_create(clockid, flags). */
export function timerfd_create(m: Machine, t: Task, clock: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  if (![CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_REALTIME_ALARM, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM].includes(clock)) return -EINVAL;
  const files = t.sys.files;
  const epoch = clock === CLOCK_REALTIME || clock === CLOCK_REALTIME_ALARM ? t.sys.realtimeEpoch * 1e9 : 0;
  const inode = new TimerfdInode(files.ns.ino(), clock, m.sched.timers, () => m.clock.now(), (ns) => ns - epoch);
  const f = new OpenFile(inode, O_RDWR | (flags & O_NONBLOCK), null, null);
  f.release = () => inode.base.cancel(inode.timer);
  return files.fds.install(f, (flags & O_CLOEXEC) !== 0);
}

/** The timerfd behind `fd`, or -EBADF, or -EINVAL for another file. */
function timerfdGet(t: Task, fd: number): TimerfdInode | number {
  const f = t.sys.files.fds.get(fd);
  if (!f) return -EBADF;
  return f.inode instanceof TimerfdInode ? f.inode : -EINVAL;
}

/** timerfd_settime(fd, flags, new_value, old_value). */
export function timerfd_settime(m: Machine, t: Task, fd: number, flags: number, newAddr: number, oldAddr: number): number {
  const spec = readItimerspec(m, newAddr);
  if (spec === -EFAULT) return spec;
  if (flags & ~(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) || typeof spec === "number") return -EINVAL;
  const inode = timerfdGet(t, fd);
  if (typeof inode === "number") return inode;
  const old = inode.set(spec[0], spec[1], (flags & TFD_TIMER_ABSTIME) !== 0);
  inode.settimeFlags = flags;
  return oldAddr === 0 || m.user.copyToUser(oldAddr, itimerspec(...old)) === 0 ? 0 : -EFAULT;
}

/** timerfd_gettime(fd, curr_value). */
export function timerfd_gettime(m: Machine, t: Task, fd: number, addr: number): number {
  const inode = timerfdGet(t, fd);
  if (typeof inode === "number") return inode;
  return m.user.copyToUser(addr, itimerspec(...inode.get())) === 0 ? 0 : -EFAULT;
}
