// kernel/futex/'s part of the machine: futex(2) as pthread's mutexes,
// condition variables and joins use it. A waiter sleeps on a key (its
// mm and address for a private futex or a private mapping; the physical
// word for a shared mapping, as get_futex_key keys a shmem page) in one
// queue, oldest first; a wake takes the oldest waiters whose bitset
// matches. The sleep is the scheduler's: the task sleeps on the syscall
// and runs it again once woken, and the call then answers 0 (woken),
// ETIMEDOUT (its deadline passed on the virtual clock) or waits anew (a
// signal came and its handler, if any, asked for a restart). Browser-safe.

import type { Machine } from "../machine.js";
import { EAGAIN, EFAULT, EINVAL, ENOSYS, ERESTARTSYS, ESRCH, ETIMEDOUT } from "../syscalls/index.js";
import { readTimeout } from "../syscalls/poll.js";
import type { Task } from "./task.js";

const FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAIT_BITSET = 9, FUTEX_WAKE_BITSET = 10;
const FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
const FUTEX_BITSET_MATCH_ANY = 0xffffffff;
/** VM_SHARED (include/linux/mm.h): a shared mapping's futex is keyed by its page, not its address. */
const VM_SHARED = 0x8;

/** One sleeper (struct futex_q). */
export interface FutexWaiter {
  task: Task;
  key: string;
  bitset: number;
  woken: boolean;
  /** When it gives up (virtual ns, CLOCK_MONOTONIC), or null. */
  deadline: number | null;
}

/** futex(uaddr, op, val, timeout or val2, uaddr2, val3). */
export function futex(m: Machine, t: Task, uaddr: number, op: number, val: number, utime: number, uaddr2: number, val3: number): number {
  const cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
  const shared = (op & FUTEX_PRIVATE_FLAG) === 0;
  // A task back on its call after sleeping: woken, timed out, or interrupted (then it waits anew, keeping its deadline).
  const was = t.futex;
  if (was) {
    t.futex = null;
    if (was.woken) return 0;
    futex_unqueue(m, was);
    if (was.deadline !== null && t.sys.nowNs() >= was.deadline) return -ETIMEDOUT;
  }
  const waits = cmd === FUTEX_WAIT || cmd === FUTEX_WAIT_BITSET;
  let deadline: number | null = was?.deadline ?? null;
  if (waits && utime !== 0 && !was) {
    const ns = readTimeout(m.user, utime, 1)!;
    if (ns < 0) return ns;
    // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's absolute, on CLOCK_MONOTONIC or (FUTEX_CLOCK_REALTIME) CLOCK_REALTIME.
    if (cmd === FUTEX_WAIT) deadline = t.sys.nowNs() + ns;
    else deadline = ns - (op & FUTEX_CLOCK_REALTIME ? t.sys.realtimeEpoch * 1e9 : 0);
  }
  if (op & FUTEX_CLOCK_REALTIME && cmd !== FUTEX_WAIT_BITSET) return -ENOSYS;
  switch (cmd) {
    case FUTEX_WAIT:
      return futex_wait(m, t, uaddr, shared, val, deadline, FUTEX_BITSET_MATCH_ANY);
    case FUTEX_WAIT_BITSET:
      return futex_wait(m, t, uaddr, shared, val, deadline, val3 >>> 0);
    case FUTEX_WAKE:
      return futex_wake(m, t, uaddr, val | 0, shared ? -1 : 0);
    case FUTEX_WAKE_BITSET:
      if ((val3 >>> 0) === 0) return -EINVAL;
      return futex_wake(m, t, uaddr, val | 0, shared ? -1 : 0, val3 >>> 0);
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
      return futex_requeue(m, t, uaddr, shared, uaddr2, val | 0, utime | 0, cmd === FUTEX_CMP_REQUEUE ? val3 >>> 0 : null);
    default:
      // The PI and WAKE_OP operations are not offered.
      return -ENOSYS;
  }
}

/** futex_wait: sleeps while *uaddr is `val` (EAGAIN when it is not), until woken or its deadline. */
function futex_wait(m: Machine, t: Task, uaddr: number, shared: boolean, val: number, deadline: number | null, bitset: number): number {
  if (bitset === 0) return -EINVAL;
  const key = get_futex_key(m, t, uaddr, shared);
  if (typeof key === "number") return key;
  const word = new Uint8Array(4);
  if (m.user.copyFromUser(word, uaddr, 4) !== 0) return -EFAULT;
  if (new DataView(word.buffer).getUint32(0, true) !== val >>> 0) return -EAGAIN;
  if (deadline !== null && t.sys.nowNs() >= deadline) return -ETIMEDOUT;
  const w: FutexWaiter = { task: t, key, bitset, woken: false, deadline };
  m.sched.futexQueue.push(w);
  t.futex = w;
  t.waitFor = () => w.woken || (w.deadline !== null && t.sys.nowNs() >= w.deadline);
  return -ERESTARTSYS;
}

/**
 * futex_wake: wakes up to `n` of the oldest waiters on uaddr's key whose
 * bitset meets `bitset`. `shared` -1 keys it as a shared futex (the kernel's
 * own wakes, clear_child_tid's, are). @return how many it woke, or -errno
 */
export function futex_wake(m: Machine, t: Task, uaddr: number, n: number, shared: number, bitset = FUTEX_BITSET_MATCH_ANY): number {
  const key = get_futex_key(m, t, uaddr, shared !== 0);
  if (typeof key === "number") return key;
  let woken = 0;
  const q = m.sched.futexQueue;
  for (let i = 0; i < q.length && woken < n; i++) {
    const w = q[i];
    if (w.key !== key || !(w.bitset & bitset)) continue;
    q.splice(i--, 1);
    w.woken = true;
    woken++;
  }
  return woken;
}

/** futex_requeue: wakes `nWake` waiters of uaddr and moves up to `nRequeue` more to uaddr2 (CMP_REQUEUE: only while *uaddr is `cmp`). */
function futex_requeue(m: Machine, t: Task, uaddr: number, shared: boolean, uaddr2: number, nWake: number, nRequeue: number, cmp: number | null): number {
  if (nWake < 0 || nRequeue < 0) return -EINVAL;
  const key1 = get_futex_key(m, t, uaddr, shared);
  if (typeof key1 === "number") return key1;
  const key2 = get_futex_key(m, t, uaddr2, shared);
  if (typeof key2 === "number") return key2;
  if (cmp !== null) {
    const word = new Uint8Array(4);
    if (m.user.copyFromUser(word, uaddr, 4) !== 0) return -EFAULT;
    if (new DataView(word.buffer).getUint32(0, true) !== cmp) return -EAGAIN;
  }
  let done = 0;
  for (const w of m.sched.futexQueue) {
    if (w.key !== key1) continue;
    if (done < nWake) w.woken = true;
    else if (done < nWake + nRequeue) w.key = key2;
    else break;
    done++;
  }
  m.sched.futexQueue.splice(0, Infinity, ...m.sched.futexQueue.filter((w) => !w.woken));
  return done;
}

/** A waiter leaves its queue (its task was interrupted, timed out or ended). */
export function futex_unqueue(m: Machine, w: FutexWaiter): void {
  const q = m.sched.futexQueue;
  const i = q.indexOf(w);
  if (i >= 0) q.splice(i, 1);
}

/**
 * get_futex_key: EINVAL for a word not 4-aligned; a private futex is its
 * mm and address, with no access; a shared one needs its page (EFAULT
 * when there is none) and, in a shared mapping, is keyed by the page.
 */
function get_futex_key(m: Machine, t: Task, uaddr: number, shared: boolean): string | number {
  if (uaddr % 4 !== 0) return -EINVAL;
  if (!shared) return `${t.mm}:${uaddr}`;
  const word = new Uint8Array(4);
  if (m.user.copyFromUser(word, uaddr, 4) !== 0) return -EFAULT;
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

const FUTEX_WAITERS = 0x8000_0000, FUTEX_OWNER_DIED = 0x4000_0000, FUTEX_TID_MASK = 0x3fff_ffff;
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
  // Bit 0 of each pointer marks a PI futex, which this kernel does not have: those are left alone.
  let entry = next, limit = ROBUST_LIST_LIMIT;
  while (entry !== head) {
    const after = u64(entry - (entry & 1));
    if (entry !== pending) handle_futex_death(m, t, entry - (entry & 1) + offset, (entry & 1) !== 0, false);
    if (after === null || --limit === 0) break;
    entry = after;
  }
  if (pending !== 0) handle_futex_death(m, t, pending - (pending & 1) + offset, (pending & 1) !== 0, true);
}

/** handle_futex_death: the word, if the dying thread owns it, becomes FUTEX_OWNER_DIED (waiters bit kept), and a waiter wakes. */
function handle_futex_death(m: Machine, t: Task, uaddr: number, pi: boolean, pendingOp: boolean): void {
  if (uaddr % 4 !== 0) return;
  const b = new Uint8Array(4);
  if (m.user.copyFromUser(b, uaddr, 4) !== 0) return;
  const uval = new DataView(b.buffer).getUint32(0, true);
  // Died between taking the lock and setting its tid in it: a waiter may be owed the wake.
  if (pendingOp && !pi && uval === 0) {
    futex_wake(m, t, uaddr, 1, -1);
    return;
  }
  if ((uval & FUTEX_TID_MASK) !== t.pid || pi) return;
  new DataView(b.buffer).setUint32(0, ((uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED) >>> 0, true);
  if (m.user.copyToUser(uaddr, b) !== 0) return;
  if (uval & FUTEX_WAITERS) futex_wake(m, t, uaddr, 1, -1);
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
