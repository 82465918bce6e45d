// kernel/time/itimer.c, alarm and posix-timers.c's part of the machine: a
// process's interval timers (ITIMER_REAL on the virtual clock, ITIMER_VIRTUAL
// and ITIMER_PROF on its CPU time, which faultline counts as user time
// only: every retired instruction is a nanosecond of it) and its POSIX
// timers (timer_create and the rest). A process keeps them in its
// signal_struct (ThreadGroup.timers): fork's child starts with none, exec
// keeps the interval timers and deletes the POSIX ones, and they go when the
// process ends. Timers on the virtual clock sit on the scheduler's
// hrtimer base; those on CPU time on the process's own or (a thread's clock)
// the thread's. clock_nanosleep on a CPU-time clock sleeps on those too. Browser-safe.

import type { Machine } from "../machine.js";
import { SI_KERNEL } from "../syscalls/endings.js";
import { EAGAIN, EFAULT, EINVAL, EOPNOTSUPP, ERESTARTSYS } from "../syscalls/errno.js";
import { Hrtimer, HrtimerBase, hrtimer_forward } from "./hrtimer.js";
// the CPU-time itimers are a tick late at most, and start one tick later (set_cpu_itimer)
import { TICK_NSEC } from "./jiffies.js";
import { SI_TIMER, type SigInfo } from "./signal.js";
import type { Task, ThreadGroup } from "./task.js";

const ITIMER_REAL = 0, ITIMER_VIRTUAL = 1, ITIMER_PROF = 2;
const SIGALRM = 14, SIGVTALRM = 26, SIGPROF = 27;
const SIGEV_SIGNAL = 0, SIGEV_NONE = 1, SIGEV_THREAD = 2, SIGEV_THREAD_ID = 4;
const TIMER_ABSTIME = 1;
const INT_MAX = 0x7fff_ffff;
/** The clocks a POSIX timer can be on: the CLOCK_REALTIME family sits a constant away from CLOCK_MONOTONIC. */
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_PROCESS_CPUTIME_ID = 2, CLOCK_THREAD_CPUTIME_ID = 3, CLOCK_BOOTTIME = 7;
const CLOCK_REALTIME_ALARM = 8, CLOCK_BOOTTIME_ALARM = 9, CLOCK_TAI = 11;

/** A process's timers (signal_struct's real_timer, it[], posix_timers). */
export class ProcessTimers {
  /** ITIMER_REAL's expiry and interval (it_real_incr). */
  real: Hrtimer | null = null;
  realIncr = 0;
  /** ITIMER_VIRTUAL's and ITIMER_PROF's, on the process's CPU time (signal->it[]): a timer, queued while armed, and its interval. */
  readonly cpuIt: { timer: Hrtimer; incr: number }[] = [];
  /** The timers of the process's CPU-time clock, run when it has run. */
  readonly cpu = new HrtimerBase();
  readonly posix = new Map<number, PosixTimer>();
  /** The next POSIX timer id (posix_timer_id): ids are not reused until they wrap. */
  nextId = 0;
}

/** A POSIX timer (struct k_itimer). */
class PosixTimer {
  interval = 0;
  /** Armed and queued (it_active); a timer whose signal waits to be taken is not. */
  active = false;
  /** Its signal is queued and the timer restarts once it is taken (it_requeue_pending). */
  requeuePending = false;
  /** Moves on with every timer_settime and at timer_delete: a signal queued before then is dropped (it_signal_seq). */
  seq = 0;
  overrun = -1;
  overrunLast = 0;
  readonly timer: Hrtimer;
  /** Its signal (struct sigqueue, made with the timer), and the setting it was last queued for. */
  private readonly info: SigInfo;
  private infoSeq = -1;
  constructor(readonly id: number, readonly clock: TimerClock, readonly notify: number,
    readonly signo: number, readonly value: number, readonly target: Task, readonly group: ThreadGroup) {
    this.timer = new Hrtimer(() => this.expire());
    this.info = { signo, code: SI_TIMER, timerid: id, overrun: 0, value, dequeued: () => this.dequeued(), preallocated: true };
  }

  get base(): HrtimerBase {
    return this.clock.base;
  }
  now(): number {
    return this.clock.now();
  }

  get sigNone(): boolean {
    return this.notify === SIGEV_NONE;
  }

  /** Its signal is in the target's queues (the one preallocated sigqueue: it is never queued twice). */
  private queued(): boolean {
    const s = this.target.signals;
    return s.pending.includes(this.info) || s.shared.includes(this.info);
  }

  /** posix_timer_fn: the signal goes (once: an expiry while it waits counts as an overrun of it); a periodic timer waits for it to be taken. */
  private expire(): null {
    this.active = false;
    if (this.queued()) {
      // Queued for an earlier setting, it now stands for this one.
      this.info.overrun = this.infoSeq === this.seq ? Math.min(INT_MAX, (this.info.overrun ?? 0) + 1) : 0;
      this.infoSeq = this.seq;
      this.requeuePending = this.interval !== 0;
      return null;
    }
    this.info.overrun = 0;
    this.infoSeq = this.seq;
    const thread = (this.notify & SIGEV_THREAD_ID) !== 0;
    // An ignored signal is dropped and the timer stops (Linux parks it until the signal is no longer ignored).
    const sent = this.target.state !== "zombie" && this.target.signals.send(this.info, !thread) === true;
    this.requeuePending = sent && this.interval !== 0;
    return null;
  }

  /**
   * posixtimer_deliver_signal: its signal is taken. One queued before the
   * timer was set again or deleted is dropped; else a periodic timer goes
   * on after now, counting the periods it missed (si_overrun).
   */
  private dequeued(): boolean {
    if (this.infoSeq !== this.seq || !this.group.timers.posix.has(this.id)) return false;
    if (!this.interval || !this.requeuePending) return true;
    const f = hrtimer_forward(this.timer.expires, this.now(), this.interval);
    this.overrun += f.overruns;
    this.base.start(this.timer, f.expires);
    this.active = true;
    this.requeuePending = false;
    this.overrunLast = this.overrun;
    this.overrun = -1;
    this.info.overrun = Math.min(INT_MAX, this.overrunLast + (this.info.overrun ?? 0));
    return true;
  }

  /** common_timer_get: the time to the next expiry (a periodic timer's after now) and the interval. */
  get(): [value: number, interval: number] {
    if (!this.interval && !this.active && !this.sigNone) return [0, 0];
    const now = this.now();
    if (this.interval && (this.requeuePending || this.sigNone)) {
      const f = hrtimer_forward(this.timer.expires, now, this.interval);
      this.timer.expires = f.expires;
      this.overrun += f.overruns;
    }
    const remaining = this.timer.expires - now;
    return [remaining > 0 ? remaining : this.sigNone ? 0 : 1, this.interval];
  }

  /** common_timer_set: disarmed, then armed to `expires` (absolute on its clock, or 0 for none) every `interval`. */
  set(expires: number, interval: number): void {
    this.base.cancel(this.timer);
    this.seq++;
    this.requeuePending = false;
    this.overrunLast = 0;
    this.overrun = -1;
    this.active = false;
    this.interval = 0;
    if (expires === 0) return;
    this.interval = interval;
    this.timer.expires = expires;
    if (this.sigNone) return;
    this.active = true;
    this.base.start(this.timer, expires);
  }

  /** timer_delete: disarmed; a signal it queued stays pending (its sigqueue counted until then), and is dropped when taken. */
  delete(): void {
    this.base.cancel(this.timer);
    this.seq++;
    this.info.preallocated = false;
    this.group.timers.posix.delete(this.id);
  }
}

/** The process's CPU time (ns): every thread's retired instructions, the exited ones' too. */
export function cpuTime(g: ThreadGroup): number {
  return g.threads.reduce((n, x) => n + x.retired, g.exitedRetired);
}

/**
 * The task whose CPU time a CPU-time clock reads (pid_for_clock), and
 * whether the clock is that thread's alone or its whole process's: the
 * caller's, or one named by id, (~pid << 3) | type, as
 * clock_getcpuclockid and pthread_getcpuclockid make them; a thread's only
 * within the caller's process. null for an id naming none.
 */
function cpu_clock_task(m: Machine, t: Task, clock: number): { x: Task; thread: boolean } | null {
  if (clock === CLOCK_PROCESS_CPUTIME_ID) return { x: t, thread: false };
  if (clock === CLOCK_THREAD_CPUTIME_ID) return { x: t, thread: true };
  // CPUCLOCK_PROF, CPUCLOCK_VIRT and CPUCLOCK_SCHED; 3 is no type
  if (clock >= 0 || (clock & 3) === 3) return null;
  const id = ~clock >> 3;
  const x = id === 0 ? t : m.sched.byPid(id);
  if (!x || x.state === "zombie") return null;
  const thread = (clock & 4) !== 0;
  if (thread ? x.group !== t.group : id !== 0 && x.pid !== x.tgid) return null;
  return { x, thread };
}

/** A CPU-time clock's reading in ns (posix_cpu_clock_get): CPUCLOCK_PROF and CPUCLOCK_VIRT sample in ticks, CPUCLOCK_SCHED to the ns. null for an id naming none. */
export function cpu_clock_get(m: Machine, t: Task, clock: number): number | null {
  const c = cpu_clock_task(m, t, clock);
  if (!c) return null;
  const ns = c.thread ? c.x.retired : cpuTime(c.x.group);
  return clock >= 0 || (clock & 3) === 2 ? ns : Math.floor(ns / TICK_NSEC) * TICK_NSEC;
}

/** The process's user time as ITIMER_VIRTUAL and ITIMER_PROF read it: in whole ticks, as tick-based accounting adds it. */
function cpuTicks(g: ThreadGroup): number {
  return Math.floor(cpuTime(g) / TICK_NSEC) * TICK_NSEC;
}

/** The timers due now run: the machine's, then the CPU-time ones of `ran`'s process and of `ran` itself, which has just had the CPU. */
export function run_timers(base: HrtimerBase, now: number, ran: Task | null): void {
  base.run(now);
  const g = ran?.group;
  if (g && g.threads.length) g.timers.cpu.run(cpuTime(g));
  if (ran && ran.state !== "zombie") ran.cpuTimers.run(ran.retired);
}

/** Instructions `t` may run before a timer is due (the machine's, or one on its process's or its own CPU time): at least 1. */
export function until_timer(base: HrtimerBase, now: number, t: Task): number {
  const real = base.next(), cpu = t.group.timers.cpu.next(), own = t.cpuTimers.next();
  let left = Infinity;
  if (real !== null) left = real - now;
  if (cpu !== null) left = Math.min(left, cpu - cpuTime(t.group));
  if (own !== null) left = Math.min(left, own - t.retired);
  return Math.max(1, left);
}

/** exit_itimers and the itimers' end: the process is gone. */
export function exit_itimers(m: Machine, g: ThreadGroup): void {
  const pt = g.timers;
  if (pt.real) m.sched.timers.cancel(pt.real);
  for (const it of pt.cpuIt) pt.cpu.cancel(it.timer);
  exec_itimers(g);
}

/** begin_new_exec's exit_itimers: the POSIX timers go; the interval timers stay. */
export function exec_itimers(g: ThreadGroup): void {
  for (const timer of [...g.timers.posix.values()]) timer.delete();
}

// ─── alarm, getitimer, setitimer ─────────────────────────────────────────────

/** SIGALRM to the process, and ITIMER_REAL goes on once it is taken (dequeue_signal's rearm). */
function it_real_fn(m: Machine, g: ThreadGroup): null {
  const pt = g.timers;
  const info: SigInfo = { signo: SIGALRM, code: SI_KERNEL };
  info.dequeued = () => {
    if (pt.real && !pt.real.queued && pt.realIncr !== 0 && g.threads.length) {
      m.sched.timers.start(pt.real, hrtimer_forward(pt.real.expires, m.clock.now(), pt.realIncr).expires);
    }
    return true;
  };
  g.threads[0]?.signals.send(info, true);
  return null;
}

/** The CPU-time itimer `which` (1 or 2) of the process. */
function cpuItimer(g: ThreadGroup, which: number): { timer: Hrtimer; incr: number } {
  const pt = g.timers;
  return (pt.cpuIt[which - 1] ??= {
    incr: 0,
    timer: new Hrtimer((expired) => {
      const it = pt.cpuIt[which - 1];
      g.threads[0]?.signals.send({ signo: which === ITIMER_VIRTUAL ? SIGVTALRM : SIGPROF, code: SI_KERNEL }, true);
      return it.incr ? expired + it.incr : null;
    }),
  });
}

/** do_getitimer: [value, interval] in ns. */
function do_getitimer(m: Machine, g: ThreadGroup, which: number): [number, number] {
  const pt = g.timers;
  if (which === ITIMER_REAL) {
    // itimer_get_remtime: an armed timer never reads 0 (that is "disarmed").
    if (!pt.real?.queued) return [0, pt.realIncr];
    return [Math.max(1000, pt.real.expires - m.clock.now()), pt.realIncr];
  }
  const it = cpuItimer(g, which);
  if (!it.timer.queued) return [0, it.incr];
  const left = it.timer.expires - cpuTicks(g);
  return [left > 0 ? left : TICK_NSEC, it.incr];
}

/** do_setitimer: the old [value, interval], or -EINVAL for an unknown timer. */
function do_setitimer(m: Machine, g: ThreadGroup, which: number, value: number, interval: number): [number, number] | number {
  if (which < ITIMER_REAL || which > ITIMER_PROF) return -EINVAL;
  const old = do_getitimer(m, g, which);
  const pt = g.timers;
  if (which === ITIMER_REAL) {
    pt.real ??= new Hrtimer(() => it_real_fn(m, g));
    m.sched.timers.cancel(pt.real);
    pt.realIncr = value ? interval : 0;
    if (value) m.sched.timers.start(pt.real, m.clock.now() + value);
    return old;
  }
  const it = cpuItimer(g, which);
  pt.cpu.cancel(it.timer);
  it.incr = interval;
  if (value) pt.cpu.start(it.timer, cpuTicks(g) + value + TICK_NSEC);
  return old;
}

/** getitimer(which, curr_value). */
export function getitimer(m: Machine, t: Task, which: number, addr: number): number {
  if (which < ITIMER_REAL || which > ITIMER_PROF) return -EINVAL;
  return m.user.copyToUser(addr, itimerval(...do_getitimer(m, t.group, which))) === 0 ? 0 : -EFAULT;
}

/** setitimer(which, new_value, old_value): a NULL new value disarms. */
export function setitimer(m: Machine, t: Task, which: number, newAddr: number, oldAddr: number): number {
  let value = 0, interval = 0;
  if (newAddr !== 0) {
    const b = new Uint8Array(32);
    if (m.user.copyFromUser(b, newAddr, 32) !== 0) return -EFAULT;
    const v = new DataView(b.buffer);
    const iv = timeval(v, 0), val = timeval(v, 16);
    if (iv === null || val === null) return -EINVAL;
    [value, interval] = [val, iv];
  }
  const old = do_setitimer(m, t.group, which, value, interval);
  if (typeof old === "number") return old;
  return oldAddr === 0 || m.user.copyToUser(oldAddr, itimerval(...old)) === 0 ? 0 : -EFAULT;
}

/** alarm(seconds): ITIMER_REAL once; the seconds the last one had left, rounded to the nearest (and never 0 while one was armed). */
export function alarm(m: Machine, t: Task, seconds: number): number {
  const [left] = do_setitimer(m, t.group, ITIMER_REAL, seconds * 1e9, 0) as [number, number];
  const sec = Math.floor(left / 1e9), nsec = left % 1e9;
  return (sec === 0 && nsec !== 0) || nsec >= 5e8 ? sec + 1 : sec;
}

// ─── POSIX timers ────────────────────────────────────────────────────────────

/** A clock as its timers see it: the base they sit on, its reading there, and where an absolute time of the clock is on that base. */
interface TimerClock { base: HrtimerBase; now: () => number; abs: (ns: number) => number }

/** A clock's timers, or -errno for a clock with none. */
function timerClock(m: Machine, t: Task, clock: number): TimerClock | number {
  if (clock < 0 || clock === CLOCK_PROCESS_CPUTIME_ID || clock === CLOCK_THREAD_CPUTIME_ID) {
    // Timers run on CPUCLOCK_SCHED, of the caller's own process or one of its threads.
    const c = cpu_clock_task(m, t, clock);
    if (!c || (clock < 0 && (clock & 3) !== 2) || c.x.group !== t.group) return -EINVAL;
    const { x, thread } = c;
    if (thread) return { base: x.cpuTimers, now: () => x.retired, abs: (ns) => ns };
    return { base: x.group.timers.cpu, now: () => cpuTime(x.group), abs: (ns) => ns };
  }
  if (clock === CLOCK_MONOTONIC || clock === CLOCK_BOOTTIME || clock === CLOCK_BOOTTIME_ALARM) {
    return { base: m.sched.timers, now: () => m.clock.now(), abs: (ns) => ns };
  }
  if (clock === CLOCK_REALTIME || clock === CLOCK_REALTIME_ALARM || clock === CLOCK_TAI) {
    const epoch = t.sys.realtimeEpoch * 1e9 + (clock === CLOCK_TAI ? 37e9 : 0);
    return { base: m.sched.timers, now: () => m.clock.now(), abs: (ns) => ns - epoch };
  }
  // The raw and coarse clocks have no timers.
  return clock === 4 || clock === 5 || clock === 6 ? -EOPNOTSUPP : -EINVAL;
}

/** timer_create(clockid, sevp, timerid): the sigevent is read, the clock checked, an id taken, then the event checked. */
export function timer_create(m: Machine, t: Task, clock: number, sevp: number, idAddr: number): number {
  let event: DataView | null = null;
  if (sevp !== 0) {
    const b = new Uint8Array(64);
    if (m.user.copyFromUser(b, sevp, 64) !== 0) return -EFAULT;
    event = new DataView(b.buffer);
  }
  const c = timerClock(m, t, clock);
  if (typeof c === "number") return c;
  // alloc_posix_timer: every timer's sigqueue is taken now, against RLIMIT_SIGPENDING (its signal then goes past the limit).
  if (t.signals.queueFull?.()) return -EAGAIN;
  // posix_timer_add: the id is taken before the event is checked, and stays taken when it is refused.
  const pt = t.group.timers;
  const id = pt.nextId;
  pt.nextId = pt.nextId === INT_MAX ? 0 : pt.nextId + 1;
  // No sigevent: SIGALRM to the process, with the timer's id as si_value.
  let notify = SIGEV_SIGNAL, signo = SIGALRM, value: number | null = null, target = t.group.leader;
  if (event) {
    value = event.getInt32(4, true) * 0x1_0000_0000 + event.getUint32(0, true);
    signo = event.getInt32(8, true);
    notify = event.getInt32(12, true);
    // good_sigevent
    if (notify === SIGEV_THREAD_ID) {
      const x = m.sched.byPid(event.getInt32(16, true));
      if (!x || x.state === "zombie" || x.group !== t.group) return -EINVAL;
      target = x;
    }
    if (notify !== SIGEV_NONE && notify !== SIGEV_SIGNAL && notify !== SIGEV_THREAD && notify !== SIGEV_THREAD_ID) return -EINVAL;
    if (notify !== SIGEV_NONE && (signo <= 0 || signo > 64)) return -EINVAL;
  }
  const idBytes = new Uint8Array(4);
  new DataView(idBytes.buffer).setInt32(0, id, true);
  if (m.user.copyToUser(idAddr, idBytes) !== 0) return -EFAULT;
  pt.posix.set(id, new PosixTimer(id, c, notify, signo, value ?? id, target, t.group));
  return 0;
}

/** timer_settime(timerid, flags, new_value, old_value). */
export function timer_settime(m: Machine, t: Task, id: number, flags: number, newAddr: number, oldAddr: number): number {
  if (newAddr === 0) return -EINVAL;
  const spec = readItimerspec(m, newAddr);
  if (typeof spec === "number") return spec;
  const timer = t.group.timers.posix.get(id);
  if (!timer) return -EINVAL;
  const old = oldAddr !== 0 ? timer.get() : null;
  const [value, interval] = spec;
  let expires = 0;
  if (value) expires = flags & TIMER_ABSTIME ? timer.clock.abs(value) : timer.now() + value;
  // An absolute time already past expires at once (never 0, which is "disarmed").
  timer.set(value ? Math.max(expires, 1) : 0, interval);
  if (old && m.user.copyToUser(oldAddr, itimerspec(...old)) !== 0) return -EFAULT;
  return 0;
}

/** timer_gettime(timerid, curr_value). */
export function timer_gettime(m: Machine, t: Task, id: number, addr: number): number {
  const timer = t.group.timers.posix.get(id);
  if (!timer) return -EINVAL;
  return m.user.copyToUser(addr, itimerspec(...timer.get())) === 0 ? 0 : -EFAULT;
}

/** timer_getoverrun(timerid): the overruns its last signal counted. */
export function timer_getoverrun(t: Task, id: number): number {
  const timer = t.group.timers.posix.get(id);
  return timer ? Math.min(INT_MAX, timer.overrunLast) : -EINVAL;
}

/** timer_delete(timerid). */
export function timer_delete(t: Task, id: number): number {
  const timer = t.group.timers.posix.get(id);
  if (!timer) return -EINVAL;
  timer.delete();
  return 0;
}

// ─── clock_nanosleep on a CPU-time clock ─────────────────────────────────────

/**
 * clock_nanosleep on a CPU-time clock (posix_cpu_nsleep): the caller sleeps
 * until that clock gets to the time asked (relative: from its reading now),
 * on a timer of the clock's base, which only that process's (or thread's)
 * running moves on. CLOCK_THREAD_CPUTIME_ID has no nsleep (EOPNOTSUPP); the
 * caller's own thread clock by id is EINVAL (it would never wake).
 * @return undefined for the other clocks (src/syscalls/index.ts's)
 */
export function cpu_nanosleep(m: Machine, t: Task, clock: number, flags: number, req: number): number | undefined {
  if (clock !== CLOCK_PROCESS_CPUTIME_ID && clock !== CLOCK_THREAD_CPUTIME_ID && clock >= 0) return undefined;
  if (clock === CLOCK_THREAD_CPUTIME_ID || (clock < 0 && (clock & 3) === 3)) return clock === CLOCK_THREAD_CPUTIME_ID ? -EOPNOTSUPP : -EINVAL;
  const sleeper = t.sys.sleeper;
  if (sleeper.expires === null) {
    const b = new Uint8Array(16);
    if (m.user.copyFromUser(b, req, 16) !== 0) return -EFAULT;
    const ns = timespecNs(new DataView(b.buffer), 0);
    if (ns === null) return -EINVAL;
    const tid = ~clock >> 3;
    if (clock < 0 && clock & 4 && (tid === 0 || tid === t.pid)) return -EINVAL;
    const c = timerClock(m, t, clock);
    if (typeof c === "number") return -EINVAL;
    sleeper.start(c.base, flags & TIMER_ABSTIME ? ns : c.now() + ns, c.now);
  }
  if (sleeper.expired()) return 0;
  t.waitFor = () => sleeper.expired();
  return -ERESTARTSYS;
}

// ─── struct timeval, timespec, itimerval, itimerspec ─────────────────────────

/** A struct timeval as ns, or null when its microseconds or seconds are out of range. */
function timeval(v: DataView, at: number): number | null {
  const sec = v.getInt32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true);
  const usec = v.getInt32(at + 12, true) * 0x1_0000_0000 + v.getUint32(at + 8, true);
  return sec < 0 || usec < 0 || usec >= 1e6 ? null : sec * 1e9 + usec * 1000;
}

/** A struct timespec as ns, or null when invalid (timespec64_valid). */
export function timespecNs(v: DataView, at: number): number | null {
  const sec = v.getInt32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true);
  const nsec = v.getInt32(at + 12, true) * 0x1_0000_0000 + v.getUint32(at + 8, true);
  return sec < 0 || nsec < 0 || nsec >= 1e9 ? null : sec * 1e9 + nsec;
}

/** A struct itimerspec from user memory: [value, interval] in ns, or -EFAULT, or -EINVAL when a field is out of range. */
export function readItimerspec(m: Machine, addr: number): [number, number] | number {
  const b = new Uint8Array(32);
  if (m.user.copyFromUser(b, addr, 32) !== 0) return -EFAULT;
  const v = new DataView(b.buffer);
  const interval = timespecNs(v, 0), value = timespecNs(v, 16);
  return interval === null || value === null ? -EINVAL : [value, interval];
}

function put(v: DataView, at: number, x: number): void {
  v.setUint32(at, x >>> 0, true);
  v.setUint32(at + 4, Math.floor(x / 0x1_0000_0000) >>> 0, true);
}

/** struct itimerval { it_interval, it_value } from ns (microseconds truncated). */
function itimerval(value: number, interval: number): Uint8Array {
  const b = new Uint8Array(32), v = new DataView(b.buffer);
  for (const [at, ns] of [[0, interval], [16, value]]) {
    put(v, at, Math.floor(ns / 1e9));
    put(v, at + 8, Math.floor((ns % 1e9) / 1000));
  }
  return b;
}

/** struct itimerspec { it_interval, it_value } from ns. */
export function itimerspec(value: number, interval: number): Uint8Array {
  const b = new Uint8Array(32), v = new DataView(b.buffer);
  for (const [at, ns] of [[0, interval], [16, value]]) {
    put(v, at, Math.floor(ns / 1e9));
    put(v, at + 8, ns % 1e9);
  }
  return b;
}
