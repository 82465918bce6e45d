// kernel/futex/'s part of the machine: futex(2) as pthread's mutexes,
// condition variables and joins use it. A waiter sleeps on a key (its
// mm and address for a private futex or a private mapping; the physical
// word for a shared mapping, as get_futex_key keys a shmem page) in one
// queue, oldest first; a wake takes the oldest waiters whose bitset
// matches. The sleep is the scheduler's: the task sleeps on the syscall
// and runs it again once woken, and the call then answers 0 (woken),
// ETIMEDOUT (its hrtimer sleeper fired on the virtual clock) or waits anew (a
// signal came and its handler, if any, asked for a restart).
//
// PI futexes (kernel/futex/pi.c): the word holds its owner's tid, with
// FUTEX_WAITERS while a locker waits in the kernel and FUTEX_OWNER_DIED
// once an owner died holding it. A locker that must wait sets
// FUTEX_WAITERS and joins the futex's pi_state (its owner and the waiters
// its rt_mutex hands the lock to, oldest first: every task here has the
// same priority); FUTEX_UNLOCK_PI, or the owner's exit, hands it to the
// first. Browser-safe.

import type { Machine } from "../machine.js";
import { get_user, put_user } from "./uaccess.js";
import { EAGAIN, EDEADLK, EFAULT, EINVAL, ENOSYS, EPERM, ERESTARTSYS, ESRCH, ETIMEDOUT } from "../syscalls/index.js";
import { readTimeout } from "../syscalls/poll.js";
import type { Task } from "./task.js";
import type { HrtimerSleeper } from "./hrtimer.js";

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAKE_OP = 5;
const FUTEX_LOCK_PI = 6, FUTEX_UNLOCK_PI = 7, FUTEX_TRYLOCK_PI = 8, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10, FUTEX_LOCK_PI2 = 13;
const FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
const FUTEX_BITSET_MATCH_ANY = 0xffffffff;
const FUTEX_WAITERS = 0x8000_0000, FUTEX_OWNER_DIED = 0x4000_0000, FUTEX_TID_MASK = 0x3fff_ffff;
/** VM_SHARED (include/linux/mm.h): a shared mapping's futex is keyed by its page, not its address. */
const VM_SHARED = 0x8;

/** One sleeper (struct futex_q). */
export interface FutexWaiter {
  task: Task;
  key: string;
  bitset: number;
  woken: boolean;
  /** A FUTEX_LOCK_PI waiter's pi_state; `ownerDied`: its owner died and handed it on (fixup_pi_state_owner marks the word). */
  pi?: PiState;
  ownerDied?: boolean;
}

/** struct futex_pi_state: a PI futex's owner and its rt_mutex's waiters, while any waiter queued on the futex refers to it. */
export interface PiState {
  owner: Task | null;
  waiters: FutexWaiter[];
}

/** futex(uaddr, op, val, timeout or val2, uaddr2, val3). */
export function futex(m: Machine, t: Task, uaddr: number, op: number, val: number, utime: number, uaddr2: number, val3: number): number {
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const shared = (op & FUTEX_PRIVATE_FLAG) === 0;
  // A task back on its call after sleeping: woken, timed out, or interrupted (then it waits anew, its timer going on).
  const was = t.futex;
  const sleeper = t.sys.sleeper;
  if (was) {
    t.futex = null;
    if (was.woken) return was.pi ? futex_lock_pi_woken(m, t, uaddr, was) : 0;
    futex_unqueue(m, was);
    if (sleeper.expired()) return -ETIMEDOUT;
  }
  const timed = cmd === FUTEX_WAIT || cmd === FUTEX_WAIT_BITSET || cmd === FUTEX_LOCK_PI || cmd === FUTEX_LOCK_PI2;
  let timeout: HrtimerSleeper | null = sleeper.expires !== null ? sleeper : null;
  if (timed && utime !== 0 && !timeout) {
    const ns = readTimeout(m.user, utime, 1)!;
    if (ns < 0) return ns;
    // futex_setup_timer: FUTEX_WAIT's timeout is relative; the others' absolute, on CLOCK_MONOTONIC or (FUTEX_LOCK_PI, FUTEX_CLOCK_REALTIME) CLOCK_REALTIME.
    const expires = cmd === FUTEX_WAIT ? t.sys.nowNs() + ns : ns - (op & FUTEX_CLOCK_REALTIME || cmd === FUTEX_LOCK_PI ? t.sys.realtimeEpoch * 1e9 : 0);
    timeout = t.sys.timeoutAt(expires);
  }
  if (op & FUTEX_CLOCK_REALTIME && cmd !== FUTEX_WAIT_BITSET && cmd !== FUTEX_LOCK_PI2) return -ENOSYS;
  switch (cmd) {
    case FUTEX_WAIT:
      return futex_wait(m, t, uaddr, shared, val, timeout, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET:
      return futex_wait(m, t, uaddr, shared, val, timeout, val3 >>> 0);
    case FUTEX_WAKE:
      return futex_wake(m, t, uaddr, val | 0, shared ? -1 : 0);
    case FUTEX_WAKE_BITSET:
      if ((val3 >>> 0) === 0) return -EINVAL;
      return futex_wake(m, t, uaddr, val | 0, shared ? -1 : 0, val3 >>> 0);
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
      return futex_requeue(m, t, uaddr, shared, uaddr2, val | 0, utime | 0, cmd === FUTEX_CMP_REQUEUE ? val3 >>> 0 : null);
    case FUTEX_WAKE_OP:
      return futex_wake_op(m, t, uaddr, shared, uaddr2, val | 0, utime | 0, val3 >>> 0);
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
      return futex_lock_pi(m, t, uaddr, shared, timeout, false);
    case FUTEX_TRYLOCK_PI:
      return futex_lock_pi(m, t, uaddr, shared, null, true);
    case FUTEX_UNLOCK_PI:
      return futex_unlock_pi(m, t, uaddr, shared);
    default:
      // FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI (glibc no longer uses them) are not offered.
      return -ENOSYS;
  }
}

/** futex_wait: sleeps while *uaddr is `val` (EAGAIN when it is not), until woken or its timer fires. */
function futex_wait(m: Machine, t: Task, uaddr: number, shared: boolean, val: number, timeout: HrtimerSleeper | null, bitset: number): number {
  if (bitset === 0) return -EINVAL;
  const key = get_futex_key(m, t, uaddr, shared);
  if (typeof key === "number") return key;
  const uval = get_user(m, uaddr);
  if (uval === null) return -EFAULT;
  if (uval !== val >>> 0) return -EAGAIN;
  if (timeout?.expired()) return -ETIMEDOUT;
  const w: FutexWaiter = { task: t, key, bitset, woken: false };
  m.sched.futexQueue.push(w);
  t.futex = w;
  t.waitFor = () => w.woken || timeout?.expired() === true;
  return -ERESTARTSYS;
}

/**
 * futex_wake: wakes up to `n` of the oldest waiters on uaddr's key whose
 * bitset meets `bitset` (Linux counts after each wake: a wake of 0 wakes
 * one). `shared` -1 keys it as a shared futex (the kernel's own wakes,
 * clear_child_tid's, are). @return how many it woke, or -errno
 */
export function futex_wake(m: Machine, t: Task, uaddr: number, n: number, shared: number, bitset = FUTEX_BITSET_MATCH_ANY): number {
  const key = get_futex_key(m, t, uaddr, shared !== 0);
  if (typeof key === "number") return key;
  return wake_key(m, key, n, bitset);
}

/** Wakes waiters of `key` as futex_wake's loop does; EINVAL on meeting a PI waiter (no plain wake is for it). */
function wake_key(m: Machine, key: string, n: number, bitset: number): number {
  let woken = 0;
  const q = m.sched.futexQueue;
  for (let i = 0; i < q.length; i++) {
    const w = q[i];
    if (w.key !== key) continue;
    if (w.pi) return -EINVAL;
    if (!(w.bitset & bitset)) continue;
    q.splice(i--, 1);
    w.woken = true;
    if (++woken >= n) break;
  }
  return woken;
}

/**
 * futex_wake_op: the operation `encoded` names is done on the word at
 * uaddr2 (futex_atomic_op_inuser), then up to `nWake` waiters of uaddr
 * wake, and up to `nWake2` of uaddr2's when the word's old value passed
 * the comparison. @return how many woke, or -errno
 */
function futex_wake_op(m: Machine, t: Task, uaddr: number, shared: boolean, uaddr2: number, nWake: number, nWake2: number, encoded: number): number {
  const key1 = get_futex_key(m, t, uaddr, shared);
  if (typeof key1 === "number") return key1;
  const key2 = get_futex_key(m, t, uaddr2, shared);
  if (typeof key2 === "number") return key2;
  const passed = futex_atomic_op_inuser(m, encoded, uaddr2);
  if (passed < 0) return passed;
  let woken = wake_key(m, key1, nWake, FUTEX_BITSET_MATCH_ANY);
  if (woken < 0 || !passed) return woken;
  const woken2 = wake_key(m, key2, nWake2, FUTEX_BITSET_MATCH_ANY);
  return woken2 < 0 ? woken2 : woken + woken2;
}

const FUTEX_OP_SET = 0, FUTEX_OP_ADD = 1, FUTEX_OP_OR = 2, FUTEX_OP_ANDN = 3, FUTEX_OP_XOR = 4, FUTEX_OP_OPARG_SHIFT = 8;

/**
 * futex_atomic_op_inuser: op (bits 28-30; bit 31 FUTEX_OP_OPARG_SHIFT:
 * the operand is 1 << oparg, a shift taken mod 32), cmp (24-27), oparg
 * (12-23) and cmparg (0-11), both signed. An unknown op changes nothing
 * (ENOSYS); an unknown cmp comes after the op is done (ENOSYS too).
 * @return 1 or 0 as the old value passed the comparison, or -errno
 */
function futex_atomic_op_inuser(m: Machine, encoded: number, uaddr: number): number {
  const op = (encoded >>> 28) & 7, cmp = (encoded >>> 24) & 15;
  let oparg = ((encoded >>> 12) & 0xfff) << 20 >> 20;
  const cmparg = (encoded & 0xfff) << 20 >> 20;
  if ((encoded >>> 28) & FUTEX_OP_OPARG_SHIFT) oparg = 1 << (oparg & 31);
  const old = get_user(m, uaddr);
  if (old === null) return -EFAULT;
  let next: number;
  switch (op) {
    case FUTEX_OP_SET: next = oparg; break;
    case FUTEX_OP_ADD: next = old + oparg; break;
    case FUTEX_OP_OR: next = old | oparg; break;
    case FUTEX_OP_ANDN: next = old & ~oparg; break;
    case FUTEX_OP_XOR: next = old ^ oparg; break;
    default: return -ENOSYS;
  }
  if (!put_user(m, uaddr, next)) return -EFAULT;
  const oldval = old | 0;
  switch (cmp) {
    case 0: return Number(oldval === cmparg); // FUTEX_OP_CMP_EQ
    case 1: return Number(oldval !== cmparg); // NE
    case 2: return Number(oldval < cmparg); // LT
    case 3: return Number(oldval <= cmparg); // LE
    case 4: return Number(oldval > cmparg); // GT
    case 5: return Number(oldval >= cmparg); // GE
    default: return -ENOSYS;
  }
}

/** futex_requeue: wakes `nWake` waiters of uaddr and moves up to `nRequeue` more to uaddr2 (CMP_REQUEUE: only while *uaddr is `cmp`). */
function futex_requeue(m: Machine, t: Task, uaddr: number, shared: boolean, uaddr2: number, nWake: number, nRequeue: number, cmp: number | null): number {
  if (nWake < 0 || nRequeue < 0) return -EINVAL;
  const key1 = get_futex_key(m, t, uaddr, shared);
  if (typeof key1 === "number") return key1;
  const key2 = get_futex_key(m, t, uaddr2, shared);
  if (typeof key2 === "number") return key2;
  if (cmp !== null) {
    const uval = get_user(m, uaddr);
    if (uval === null) return -EFAULT;
    if (uval !== cmp) return -EAGAIN;
  }
  let done = 0;
  for (const w of m.sched.futexQueue) {
    if (w.key !== key1) continue;
    // A PI waiter is no plain futex's: EINVAL, what was done before it stays done.
    if (w.pi) {
      done = -EINVAL;
      break;
    }
    if (done < nWake) w.woken = true;
    else if (done < nWake + nRequeue) w.key = key2;
    else break;
    done++;
  }
  m.sched.futexQueue.splice(0, Infinity, ...m.sched.futexQueue.filter((w) => !w.woken || w.pi));
  return done;
}

/** futex_top_waiter: the oldest waiter queued on `key`. */
function futex_top_waiter(m: Machine, key: string): FutexWaiter | undefined {
  return m.sched.futexQueue.find((w) => w.key === key);
}

/**
 * futex_lock_pi (and, `trylock`, FUTEX_TRYLOCK_PI): a free word (no tid)
 * becomes the caller's, keeping FUTEX_OWNER_DIED; the caller's own is
 * EDEADLK; else FUTEX_WAITERS is set and the caller waits on the futex's
 * pi_state (attach_to_pi_state checks the word against it; a first waiter
 * makes it, for the owner the tid names: ESRCH when that task is gone, EPERM
 * for a kernel thread), until the lock is handed to it or its timer fires.
 */
function futex_lock_pi(m: Machine, t: Task, uaddr: number, shared: boolean, timeout: HrtimerSleeper | null, trylock: boolean): number {
  const key = get_futex_key(m, t, uaddr, shared);
  if (typeof key === "number") return key;
  const uval = get_user(m, uaddr);
  if (uval === null) return -EFAULT;
  if ((uval & FUTEX_TID_MASK) === t.pid) return -EDEADLK;
  const top = futex_top_waiter(m, key);
  let pi: PiState;
  if (top) {
    const err = attach_to_pi_state(uval, top.pi);
    if (err) return err;
    pi = top.pi!;
  } else {
    // No waiter and no owner: the caller takes it.
    if ((uval & FUTEX_TID_MASK) === 0) return put_user(m, uaddr, (uval & FUTEX_OWNER_DIED) | t.pid) ? 0 : -EFAULT;
    if (!put_user(m, uaddr, uval | FUTEX_WAITERS)) return -EFAULT;
    // attach_to_pi_owner: a task by that tid, in any process.
    const tid = uval & FUTEX_TID_MASK;
    if (m.sched.kthreads?.byPid(tid)) return -EPERM;
    const owner = m.sched.byPid(tid);
    if (!owner || owner.state === "zombie") return -ESRCH;
    pi = { owner, waiters: [] };
  }
  // rt_mutex_futex_trylock: the lock has an owner.
  if (trylock) return -EAGAIN;
  if (timeout?.expired()) return -ETIMEDOUT;
  const w: FutexWaiter = { task: t, key, bitset: FUTEX_BITSET_MATCH_ANY, woken: false, pi };
  m.sched.futexQueue.push(w);
  pi.waiters.push(w);
  t.futex = w;
  t.waitFor = () => w.woken || timeout?.expired() === true;
  return -ERESTARTSYS;
}

/** attach_to_pi_state: the word must agree with the pi_state (its owner's tid, or none once FUTEX_OWNER_DIED), else EINVAL. */
function attach_to_pi_state(uval: number, pi: PiState | undefined): number {
  // A plain futex's waiter: the word is no PI futex.
  if (!pi) return -EINVAL;
  const tid = uval & FUTEX_TID_MASK;
  if (uval & FUTEX_OWNER_DIED) {
    if (!pi.owner) return tid ? -EINVAL : 0;
    if (!tid) return 0;
  } else if (!pi.owner) return -EINVAL;
  return tid === pi.owner.pid ? 0 : -EINVAL;
}

/**
 * A PI waiter the lock was handed to leaves the queue (futex_unqueue_pi),
 * the owner now; when its owner died (fixup_pi_state_owner) it marks the
 * word with its tid, FUTEX_WAITERS and FUTEX_OWNER_DIED.
 */
function futex_lock_pi_woken(m: Machine, t: Task, uaddr: number, w: FutexWaiter): number {
  futex_unqueue(m, w);
  if (!w.ownerDied) return 0;
  const uval = get_user(m, uaddr);
  if (uval === null || !put_user(m, uaddr, (uval & FUTEX_OWNER_DIED) | FUTEX_OWNER_DIED | FUTEX_WAITERS | t.pid)) return -EFAULT;
  return 0;
}

/**
 * futex_unlock_pi: only the owner the word names may (EPERM); with waiters,
 * the first is handed the lock, its tid and FUTEX_WAITERS in the word
 * (wake_futex_pi); without, the word becomes 0.
 */
function futex_unlock_pi(m: Machine, t: Task, uaddr: number, shared: boolean): number {
  const uval = get_user(m, uaddr);
  if (uval === null) return -EFAULT;
  if ((uval & FUTEX_TID_MASK) !== t.pid) return -EPERM;
  const key = get_futex_key(m, t, uaddr, shared);
  if (typeof key === "number") return key;
  const top = futex_top_waiter(m, key);
  if (top) {
    const pi = top.pi;
    if (!pi || pi.owner !== t) return -EINVAL;
    const next = pi.waiters[0];
    if (next) {
      if (!put_user(m, uaddr, FUTEX_WAITERS | next.task.pid)) return -EFAULT;
      pi.waiters.shift();
      pi.owner = next.task;
      next.woken = true;
      return 0;
    }
  }
  return put_user(m, uaddr, 0) ? 0 : -EFAULT;
}

/** exit_pi_state_list: each PI futex a dying task owns with waiters goes to its first waiter, which marks the owner dead in the word. */
export function exit_pi_state_list(m: Machine, t: Task): void {
  for (const pi of new Set(m.sched.futexQueue.flatMap((w) => w.pi?.owner === t ? [w.pi] : []))) {
    const next = pi.waiters.shift();
    pi.owner = next?.task ?? null;
    if (!next) continue;
    next.woken = true;
    next.ownerDied = true;
  }
}

/** A waiter leaves its queue (its task was interrupted, timed out or ended), and its pi_state's waiters. */
export function futex_unqueue(m: Machine, w: FutexWaiter): void {
  const q = m.sched.futexQueue;
  const i = q.indexOf(w);
  if (i >= 0) q.splice(i, 1);
  const pw = w.pi?.waiters;
  if (pw?.includes(w)) pw.splice(pw.indexOf(w), 1);
}

/**
 * get_futex_key: EINVAL for a word not 4-aligned; a private futex is its
 * mm and address, with no access; a shared one needs its page (EFAULT
 * when there is none) and, in a shared mapping, is keyed by the page.
 */
function get_futex_key(m: Machine, t: Task, uaddr: number, shared: boolean): string | number {
  if (uaddr % 4 !== 0) return -EINVAL;
  if (!shared) return `${t.mm}:${uaddr}`;
  if (get_user(m, uaddr) === null) return -EFAULT;
  const vma = m.mmReader().vmaAt(t.mm, uaddr);
  // An anonymous page's shared key is its mm and address too, told apart from the private one (FUT_OFF_MMSHARED).
  if (!vma || !(vma.flags & VM_SHARED)) return `shared:${t.mm}:${uaddr}`;
  const frame = m.mmu.translate(uaddr % 0x1_0000_0000 | 0, Math.floor(uaddr / 0x1_0000_0000), 0);
  if (frame < 0) {
    m.mmu.fault.kind = 0;
    return -EFAULT;
  }
  return `page:${frame + (uaddr % 4096)}`;
}

/** ROBUST_LIST_LIMIT: a list longer than this (or circular) is walked no further. */
const ROBUST_LIST_LIMIT = 2048;

/**
 * exit_robust_list: a dying thread's robust futexes (set_robust_list's
 * list of the mutexes it holds, and the one it was taking or dropping)
 * are marked FUTEX_OWNER_DIED and one waiter of each is woken, so the next
 * locker gets EOWNERDEAD. Reads the thread's memory: its mm is current.
 */
export function exit_robust_list(m: Machine, t: Task, head: number): void {
  const u64 = (addr: number): number | null => {
    const b = new Uint8Array(8);
    if (m.user.copyFromUser(b, addr, 8) !== 0) return null;
    const v = new DataView(b.buffer);
    return v.getInt32(4, true) * 0x1_0000_0000 + v.getUint32(0, true);
  };
  const next = u64(head), offset = u64(head + 8), pending = u64(head + 16);
  if (next === null || offset === null || pending === null) return;
  // Bit 0 of each pointer marks a PI futex.
  let entry = next, limit = ROBUST_LIST_LIMIT;
  while (entry !== head) {
    const after = u64(entry - (entry & 1));
    if (entry !== pending) handle_futex_death(m, t, entry - (entry & 1) + offset, (entry & 1) !== 0, false);
    if (after === null || --limit === 0) break;
    entry = after;
  }
  if (pending !== 0) handle_futex_death(m, t, pending - (pending & 1) + offset, (pending & 1) !== 0, true);
}

/**
 * handle_futex_death: the word, if the dying thread owns it, becomes
 * FUTEX_OWNER_DIED (waiters bit kept), and a waiter wakes (a PI futex's is
 * handed the lock by exit_pi_state_list instead).
 */
function handle_futex_death(m: Machine, t: Task, uaddr: number, pi: boolean, pendingOp: boolean): void {
  if (uaddr % 4 !== 0) return;
  const uval = get_user(m, uaddr);
  if (uval === null) return;
  // Died between taking the lock and setting its tid in it: a waiter may be owed the wake.
  if (pendingOp && !pi && uval === 0) {
    futex_wake(m, t, uaddr, 1, -1);
    return;
  }
  if ((uval & FUTEX_TID_MASK) !== t.pid) return;
  if (!put_user(m, uaddr, (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED)) return;
  if (!pi && uval & FUTEX_WAITERS) futex_wake(m, t, uaddr, 1, -1);
}

/** get_robust_list(pid, head_ptr, len_ptr): a thread's (0: the caller's) list head, and its size (24). */
export function get_robust_list(m: Machine, t: Task, pid: number, headPtr: number, lenPtr: number): number {
  const x = pid === 0 ? t : m.sched.byPid(pid);
  if (!x || x.state === "zombie") return -ESRCH;
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, 24, true);
  if (m.user.copyToUser(lenPtr, b) !== 0) return -EFAULT;
  v.setUint32(0, x.sys.robustList % 0x1_0000_0000 >>> 0, true);
  v.setUint32(4, Math.floor(x.sys.robustList / 0x1_0000_0000) >>> 0, true);
  return m.user.copyToUser(headPtr, b) === 0 ? 0 : -EFAULT;
}
