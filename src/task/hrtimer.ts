// kernel/time/hrtimer.c's part of the machine: timers that expire at a
// time of one clock, run in order of expiry (ties in the order they were
// started). The scheduler runs the machine's base, on the virtual clock
// (CLOCK_MONOTONIC's nanoseconds; CLOCK_REALTIME and CLOCK_BOOTTIME are it
// moved by a constant), at the point between quanta, and the CPU-time bases
// of a process and of a thread (src/task/timers.ts) when it has run. The
// timed sleeps are timers too (HrtimerSleeper): the first expiry of the
// machine's base is what wakes next. Browser-safe.

/** A timer: its callback gets the time it expired at and gives the next expiry (HRTIMER_RESTART), or null (HRTIMER_NORESTART). */
export class Hrtimer {
  /** When it expires (ns of its base's clock); kept once it has expired or been cancelled, as hrtimer_get_expires reads it. */
  expires = 0;
  /** Queued on its base. */
  queued = false;
  /** The order it was started in, among timers that expire at the same time. */
  seq = 0;
  constructor(readonly fn: (expired: number) => number | null) {}
}

export class HrtimerBase {
  private readonly queue: Hrtimer[] = [];
  private started = 0;

  /** hrtimer_start (HRTIMER_MODE_ABS): queued to expire at `expires`, requeued if it was. */
  start(t: Hrtimer, expires: number): void {
    this.cancel(t);
    t.expires = expires;
    t.seq = this.started++;
    t.queued = true;
    this.queue.push(t);
  }

  /** hrtimer_cancel: off the queue, if it was on it. */
  cancel(t: Hrtimer): void {
    if (!t.queued) return;
    this.queue.splice(this.queue.indexOf(t), 1);
    t.queued = false;
  }

  /** The first expiry, or null when none is queued. */
  next(): number | null {
    let first: number | null = null;
    for (const t of this.queue) if (first === null || t.expires < first) first = t.expires;
    return first;
  }

  /** __hrtimer_run_queues: every timer due at `now` runs, the earliest first; a callback that restarts it sets the next expiry after `now`. */
  run(now: number): void {
    for (;;) {
      let due: Hrtimer | null = null;
      for (const t of this.queue) if (t.expires <= now && (!due || t.expires < due.expires || (t.expires === due.expires && t.seq < due.seq))) due = t;
      if (!due) return;
      this.cancel(due);
      const again = due.fn(due.expires);
      if (again !== null && !due.queued) this.start(due, again);
    }
  }
}

/**
 * hrtimer_sleeper: the timer of a task's timed sleep (do_nanosleep,
 * schedule_hrtimeout_range's poll, select, epoll_wait and
 * rt_sigtimedwait, futex_wait's timeout, a socket's SO_RCVTIMEO).
 * Started once for a call, it keeps its expiry across the call's restarts;
 * its expiry (hrtimer_wakeup) wakes the task, which the scheduler's scan
 * between quanta then finds; the call's end cancels it.
 */
export class HrtimerSleeper {
  /** The base it was started on; null while no call sleeps with it. */
  private base: HrtimerBase | null = null;
  /** Its clock's reading. */
  private now: () => number = () => 0;
  /** hrtimer_wakeup ran (the sleeper's task pointer cleared). */
  private woken = false;
  private readonly timer = new Hrtimer(() => {
    this.woken = true;
    return null;
  });

  /** hrtimer_sleeper_start_expires on `base` (whose clock `now` reads), unless the call already started it: a restart keeps its expiry. */
  start(base: HrtimerBase, expires: number, now: () => number): void {
    if (this.base) return;
    this.base = base;
    this.now = now;
    this.woken = false;
    base.start(this.timer, expires);
  }

  /** When it expires (ns of its clock), or null when not started. */
  get expires(): number | null {
    return this.base ? this.timer.expires : null;
  }

  /** The sleep's time is up: it fired, or is due and fires at the next point between instructions. */
  expired(): boolean {
    return this.base !== null && (this.woken || this.now() >= this.timer.expires);
  }

  /** The time it has left (hrtimer_get_remaining), at least 0; null when not started. */
  remaining(): number | null {
    return this.base ? Math.max(0, this.timer.expires - this.now()) : null;
  }

  /** hrtimer_cancel, at the call's end. */
  cancel(): void {
    this.base?.cancel(this.timer);
    this.base = null;
    this.woken = false;
  }
}

/**
 * hrtimer_forward: moves `expires` on by whole `interval`s until it is after
 * `now`. @return the new expiry and how many intervals it moved (0 when it was already after `now`)
 */
export function hrtimer_forward(expires: number, now: number, interval: number): { expires: number; overruns: number } {
  if (now < expires) return { expires, overruns: 0 };
  const overruns = Math.floor((now - expires) / interval) + 1;
  return { expires: expires + overruns * interval, overruns };
}
