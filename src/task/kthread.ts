// Kernel threads: kthreadd, and per node a kcompactd and a kswapd. Their
// work is the kernel's (kswapd(nid, timed_out) and kcompactd(nid), one turn
// of each thread's loop); the scheduler decides when they run: when a
// wakeup preempted the current task (the kernel's resched_curr, acted on at
// its next return to user mode) and at the point between guest quanta. Then
// each thread that can run gets one turn, in pid order, and one woken
// during the round (kcompactd, by kswapd going to sleep) gets its turn in
// the same round. Their work takes no virtual time (docs/scheduling.md).
// A run where every process sleeps
// ends only once no kernel thread can run; kswapd's nap (HZ/10 on the
// virtual clock) is a deadline the idle clock moves to, as a timer's.
// kcompactd's wait times out every HPAGE_FRAG_CHECK_INTERVAL_MSEC for
// proactive compaction: the idle clock stops at those timeouts on its way
// to a process's or kswapd's deadline, but they alone keep no run going.
//
// They are tasks as Linux shows them: kthreadd is pid 2 (ppid 0), its
// children are created at boot in initcall order (kcompactd_init is a
// subsys_initcall, kswapd_init a module_init), so kcompactd0 is pid 3 and
// kswapd0 pid 4 on one node; processes forked later get the pids after
// them. Browser-safe.

import type { Kernel } from "../kernel.js";
import type { EventTracer } from "../trace/events.js";

/** kthreadd's pid: the parent of every kernel thread. */
export const KTHREADD_PID = 2;
/** kswapd_try_to_sleep's nap, schedule_timeout(HZ/10), in nanoseconds of the virtual clock. */
export const KSWAPD_NAP_NS = 100_000_000;

// Where kswapd blocked (the kernel's KSWAPD_*).
const KSWAPD_RUNNABLE = 0, KSWAPD_NAPPING = 1, KSWAPD_SLEEPING = 2;

// task->flags (include/linux/sched.h), as /proc/<pid>/stat shows them.
const PF_FORKNOEXEC = 0x40, PF_MEMALLOC = 0x800, PF_NOFREEZE = 0x8000, PF_KCOMPACTD = 0x10000, PF_KSWAPD = 0x20000, PF_KTHREAD = 0x200000;

/** The counters a turn of each thread moves, shown on its trace slice. */
const KSWAPD_COUNTERS = ["pgscan_kswapd", "pgsteal_kswapd", "pswpout", "kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly", "pageoutrun"];
const KCOMPACTD_COUNTERS = ["compact_daemon_wake", "compact_daemon_migrate_scanned", "compact_daemon_free_scanned", "pgmigrate_success"];

export interface KthreadInfo {
  pid: number;
  ppid: number;
  comm: string;
  /** R runnable, S sleeping (Linux's I for an idle kthreadd is S here: one letter per process state we have). */
  state: "R" | "S";
  /** Times a wakeup ended its sleep, and turns it worked (kswapd: balance_pgdat runs; kcompactd: turns that compacted). */
  wakeups: number;
  runs: number;
}

/** Runs a thread's turn, traced when the machine traces (Observer.kthread). */
export type KthreadTracer = (name: string, run: () => number, args: () => Record<string, number>) => number;

class Kthread implements KthreadInfo {
  ppid = KTHREADD_PID;
  state: "R" | "S" = "S";
  wakeups = 0;
  runs = 0;
  /** kswapd's nap ends then (virtual ns), or null. */
  napUntil: number | null = null;
  /** kcompactd's wait times out then (virtual ns), or null. */
  timeoutAt: number | null = null;
  constructor(readonly pid: number, readonly comm: string, readonly flags: number, readonly nid: number,
              readonly kind: "kthreadd" | "kswapd" | "kcompactd") {}
}

export class KernelThreads {
  readonly threads: Kthread[] = [];
  /** Traces each turn when set (the machine's observer). */
  tracer: KthreadTracer | null = null;
  /** Prints the tracepoints each turn fires, when set. */
  events: EventTracer | null = null;

  /** `now`: the virtual clock (ns), for kswapd's nap. */
  constructor(private readonly kernel: Kernel, private readonly now: () => number, nodes = 1) {
    const kthreadd = new Kthread(KTHREADD_PID, "kthreadd", PF_KTHREAD | PF_NOFREEZE | PF_FORKNOEXEC, -1, "kthreadd");
    kthreadd.ppid = 0;
    this.threads.push(kthreadd);
    let pid = KTHREADD_PID;
    for (let nid = 0; nid < nodes; nid++) this.threads.push(new Kthread(++pid, `kcompactd${nid}`, PF_KTHREAD | PF_KCOMPACTD | PF_FORKNOEXEC, nid, "kcompactd"));
    for (let nid = 0; nid < nodes; nid++) this.threads.push(new Kthread(++pid, `kswapd${nid}`, PF_KTHREAD | PF_KSWAPD | PF_MEMALLOC | PF_FORKNOEXEC, nid, "kswapd"));
    // kcompactd waits from boot (virtual time 0).
    for (const t of this.threads) if (t.kind === "kcompactd") this.waitTimeout(t, 0);
  }

  /** The last kernel thread's pid: processes take the pids after it. */
  get lastPid(): number {
    return this.threads[this.threads.length - 1].pid;
  }

  byPid(pid: number): KthreadInfo | undefined {
    return this.threads.find((t) => t.pid === pid);
  }

  /** Some thread is runnable without waiting for anything (kswapd on a node it could not balance). */
  get runnable(): boolean {
    return this.threads.some((t) => t.state === "R");
  }

  /** The earliest nap deadline (virtual ns), or null. */
  get deadline(): number | null {
    const naps = this.threads.map((t) => t.napUntil).filter((x): x is number => x !== null);
    return naps.length ? Math.min(...naps) : null;
  }

  /** The earliest kcompactd timeout (virtual ns), or null. */
  get timeout(): number | null {
    const timeouts = this.threads.map((t) => t.timeoutAt).filter((x): x is number => x !== null);
    return timeouts.length ? Math.min(...timeouts) : null;
  }

  /** kcompactd waits again from `now`, with the timeout the kernel set. */
  private waitTimeout(t: Kthread, now: number): void {
    const ms = this.kernel.kcompactdTimeout(t.nid);
    t.timeoutAt = ms === null ? null : now + ms * 1e6;
  }

  /** A wakeup asked to preempt the current task (TIF_NEED_RESCHED): the woken thread runs at its return to user mode. */
  get needResched(): boolean {
    return this.kernel.needResched;
  }

  /**
   * The kernel threads' turn (a schedule() to them): each that can run runs
   * once, in pid order, until none that has not run can; the wakeups they
   * answered preempt nothing more. @return whether any ran
   */
  turn(): boolean {
    this.kernel.tick(this.now());
    const ran = new Set<Kthread>();
    for (let again = true; again;) {
      again = false;
      for (const t of this.threads) {
        if (ran.has(t) || !this.runOnce(t)) continue;
        this.events?.drain(t, this.now());
        ran.add(t);
        again = true;
      }
    }
    this.kernel.clearNeedResched();
    return ran.size > 0;
  }

  /** One turn of `t` if it can run. @return whether it ran */
  private runOnce(t: Kthread): boolean {
    if (t.kind === "kcompactd") {
      const timedOut = t.timeoutAt !== null && this.now() >= t.timeoutAt;
      let ran = 0;
      // Only a turn that compacted is a traced slice.
      this.traced(t, KCOMPACTD_COUNTERS, () => ((ran = this.kernel.kcompactd(t.nid, timedOut)) === 2 ? 1 : 0));
      if (!ran) return false;
      t.wakeups++;
      if (ran === 2) t.runs++;
      this.waitTimeout(t, this.now());
      return true;
    }
    if (t.kind !== "kswapd") return false;
    const napping = t.napUntil !== null;
    // A wakeup first; only a nap that nobody cut short times out.
    let blocked = this.traced(t, KSWAPD_COUNTERS, () => this.kernel.kswapd(t.nid, false));
    if (blocked) {
      if (t.state === "S") t.wakeups++;
    } else if (napping && this.now() >= t.napUntil!) {
      blocked = this.traced(t, KSWAPD_COUNTERS, () => this.kernel.kswapd(t.nid, true));
    }
    if (!blocked) return false;
    const where = blocked - 1;
    // Every turn balances the node but one: a whole nap on a node still balanced, which ends in sleep.
    if (where !== KSWAPD_SLEEPING) t.runs++;
    t.state = where === KSWAPD_RUNNABLE ? "R" : "S";
    t.napUntil = where === KSWAPD_NAPPING ? this.now() + KSWAPD_NAP_NS : null;
    return true;
  }

  /** `run` as a traced turn of `t`, with the deltas of `counters` as its slice's arguments. */
  private traced(t: Kthread, counters: string[], run: () => number): number {
    if (!this.tracer) return run();
    const before = counters.map((c) => this.kernel.counter(c));
    return this.tracer(t.comm, run, () => Object.fromEntries(counters.map((c, i) => [c, this.kernel.counter(c) - before[i]])));
  }

  /** /proc/<pid>/… of a kernel thread, or null when `name` names none: no mm, so no maps or memory lines. */
  proc(name: string): string | null {
    const m = /^(\d+)\/(.+)$/.exec(name);
    const t = m ? this.threads.find((x) => x.pid === Number(m[1])) : undefined;
    if (!t) return null;
    switch (m![2]) {
      case "comm": return `${t.comm}\n`;
      case "status": return `Name:\t${t.comm}\n`;
      case "stat": return kthreadStat(t);
      default: return "";
    }
  }
}

/** /proc/<pid>/stat of a kernel thread (do_task_stat): no mm, every signal ignored, asleep in the kernel (wchan 1). */
function kthreadStat(t: Kthread): string {
  return [
    t.pid, `(${t.comm})`, t.state, t.ppid, 0, 0, 0, -1, t.flags, 0, 0, 0, 0,
    0, 0, 0, 0, 20, 0, 1, 0, 0, 0, 0, "18446744073709551615",
    0, 0, 0, 0, 0, 0, 0, 2147483647, 0, t.state === "S" ? 1 : 0, 0, 0, t.ppid ? 17 : 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0,
  ].join(" ") + "\n";
}
