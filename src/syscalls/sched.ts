// A task's scheduling policy and real-time priority (kernel/sched/syscalls.c):
// sched_setscheduler, sched_setparam and their getters, the priority range
// of each policy, sched_rr_get_interval. One CPU runs every task in turn
// whatever its policy, so the policy changes nothing but what these report
// (and fork's SCHED_RESET_ON_FORK).

import { EINVAL, EPERM } from "./errno.js";

export const SCHED_OTHER = 0, SCHED_FIFO = 1, SCHED_RR = 2, SCHED_BATCH = 3, SCHED_IDLE = 5, SCHED_DEADLINE = 6, SCHED_EXT = 7;
export const SCHED_RESET_ON_FORK = 0x40000000;
const MAX_RT_PRIO = 100;
/** RR_TIMESLICE: 100 ms. */
const RR_TIMESLICE_NS = 100_000_000;

const rtPolicy = (p: number): boolean => p === SCHED_FIFO || p === SCHED_RR;
/** The policies this kernel knows: fair (OTHER, BATCH, EXT), IDLE, the real-time two and DEADLINE. */
const validPolicy = (p: number): boolean => p >= 0 && p <= SCHED_EXT && p !== 4;

export class SchedPolicy {
  policy = SCHED_OTHER;
  /** rt_priority: 1..99 under FIFO and RR, else 0. */
  priority = 0;
  resetOnFork = false;

  /** A forked child's: the parent's, or back to SCHED_OTHER when the parent asked for SCHED_RESET_ON_FORK. */
  fork(): SchedPolicy {
    const child = new SchedPolicy();
    if (!this.resetOnFork) {
      child.policy = this.policy;
      child.priority = this.priority;
    } else if (!rtPolicy(this.policy) && this.policy !== SCHED_DEADLINE) child.policy = this.policy;
    return child;
  }

  /** sched_getscheduler's answer. */
  get(): number {
    return this.policy | (this.resetOnFork ? SCHED_RESET_ON_FORK : 0);
  }

  /**
   * __sched_setscheduler: `policy` -1 keeps the policy (sched_setparam).
   * FIFO and RR take priorities 1..99, the others 0; DEADLINE needs sched_setattr's parameters, so it is EINVAL here.
   * A caller without CAP_SYS_NICE (`user`: its task's RLIMIT_RTPRIO, and whether RLIMIT_NICE lets it keep its nice)
   * may not take a real-time policy or priority past RLIMIT_RTPRIO, leave SCHED_IDLE past RLIMIT_NICE, or drop
   * SCHED_RESET_ON_FORK: EPERM.
   */
  set(policy: number, priority: number, user: { rtprio: number; canNice: boolean } | null = null): number {
    let reset = this.resetOnFork;
    if (policy !== -1) {
      reset = (policy & SCHED_RESET_ON_FORK) !== 0;
      policy &= ~SCHED_RESET_ON_FORK;
      if (!validPolicy(policy)) return -EINVAL;
    } else policy = this.policy;
    if (priority < 0 || priority > MAX_RT_PRIO - 1 || policy === SCHED_DEADLINE || rtPolicy(policy) !== (priority !== 0)) return -EINVAL;
    if (user && rtPolicy(policy) && ((policy !== this.policy && user.rtprio === 0) || (priority > this.priority && priority > user.rtprio))) return -EPERM;
    if (user && ((this.policy === SCHED_IDLE && policy !== SCHED_IDLE && !user.canNice) || (this.resetOnFork && !reset))) return -EPERM;
    this.policy = policy;
    this.priority = priority;
    this.resetOnFork = reset;
    return 0;
  }

  /** sched_rr_get_interval's time slice in ns: RR's, none for FIFO; a fair task's slice is under one tick (4 ms), and Linux rounds it down to 0. */
  interval(): number {
    return this.policy === SCHED_RR ? RR_TIMESLICE_NS : 0;
  }
}

/** sched_get_priority_max (max) or sched_get_priority_min. */
export function priorityBound(policy: number, max: boolean): number {
  if (!validPolicy(policy)) return -EINVAL;
  return rtPolicy(policy) ? (max ? MAX_RT_PRIO - 1 : 1) : 0;
}
