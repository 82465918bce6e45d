// kernel/sys.c's calls beyond the task: getrusage, over the machine's
// counters; getpriority, setpriority and prlimit64 over the task table;
// the credential calls (set*id, getres*id, setfs*id, kernel/groups.c's
// getgroups and setgroups, kernel/capability.c's capget and capset) on
// the caller's struct cred (cred.ts). Browser-safe.

import type { Machine } from "../machine.js";
import { EFAULT, EINVAL, EPERM, ESRCH } from "../syscalls/index.js";
import { CAP_FULL_SET, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_RESOURCE, type Cred, cap_emulate_setxuid, cap_fix_setfsuid } from "./cred.js";
import { setComm } from "./exec.js";
import { RLIMIT_NPROC } from "./fork.js";
import { rusage } from "./sched.js";
import type { Task } from "./task.js";
import { get_user, put_user } from "./uaccess.js";

/**
 * getrusage: RUSAGE_SELF (0) the process's, its faults from the mm's
 * counters (every thread's), its time every thread's; RUSAGE_THREAD (1) the
 * caller's own; RUSAGE_CHILDREN (-1) from the reaped children's.
 */
export function getrusage(m: Machine, t: Task, who: number, addr: number): number {
  let bytes: Uint8Array;
  const running = m.cpu.retired - m.sched.sliceStart;
  if (who === 0) {
    const mm = m.mmReader().mm(t.mm);
    const g = t.group;
    bytes = rusage(g.threads.reduce((n, x) => n + x.retired, g.exitedRetired) + running, mm.min_flt, mm.maj_flt);
  } else if (who === 1) {
    m.accountFaults(t);
    bytes = rusage(t.retired + running, t.ownMinflt, t.ownMajflt);
  } else if (who === -1) {
    const p = t.group.leader;
    bytes = rusage(p.childRetired, p.childMinflt, p.childMajflt);
  }
  else return -EINVAL;
  return m.user.copyToUser(addr, bytes) === 0 ? 0 : -EFAULT;
}

const PRIO_PROCESS = 0, PRIO_PGRP = 1, PRIO_USER = 2;

/** The tasks `which` and `who` name: a task by pid (0: the caller), a process group's (0: the caller's), a real uid's (0: the caller's). */
function prioTasks(m: Machine, t: Task, which: number, who: number): Task[] {
  if (which === PRIO_PROCESS) {
    const x = who === 0 ? t : m.sched.byPid(who);
    return x ? [x] : [];
  }
  if (which === PRIO_PGRP) return m.sched.tasks.filter((x) => x.pgid === (who === 0 ? t.pgid : who));
  const uid = who === 0 ? t.cred.uid : who >>> 0;
  return m.sched.tasks.filter((x) => x.cred.uid === uid);
}

/** getpriority: the highest priority (20 - nice, so that none is negative) of the tasks named, or -ESRCH. */
export function getpriority(m: Machine, t: Task, which: number, who: number): number {
  if (which < PRIO_PROCESS || which > PRIO_USER) return -EINVAL;
  return prioTasks(m, t, which, who).reduce((ret, x) => Math.max(ret, 20 - x.sys.nice), -ESRCH);
}

/** setpriority: each task named takes the nice value it may (set_one_prio); -ESRCH for none, else the last refusal or 0. */
export function setpriority(m: Machine, t: Task, which: number, who: number, nice: number): number {
  if (which < PRIO_PROCESS || which > PRIO_USER) return -EINVAL;
  return prioTasks(m, t, which, who).reduce((error, x) => x.sys.set_one_prio(nice, t.cred, error), -ESRCH);
}

/**
 * prlimit64: the limits of task `pid` (0: the caller's). Another's only
 * when its real, effective and saved ids are all the caller's real ones
 * (check_prlimit_permission), or with CAP_SYS_RESOURCE; else -EPERM.
 */
export function prlimit64(m: Machine, t: Task, pid: number, resource: number, newAddr: number, oldAddr: number): number {
  const x = pid === 0 ? t : m.sched.byPid(pid);
  if (!x) return -ESRCH;
  const c = t.cred, xc = x.cred;
  const same = [xc.uid, xc.euid, xc.suid].every((id) => id === c.uid) && [xc.gid, xc.egid, xc.sgid].every((id) => id === c.gid);
  if (x !== t && !same && !c.capable(CAP_SYS_RESOURCE)) return -EPERM;
  // A zombie has no mm left to tell.
  return t.sys.prlimit(resource, newAddr, oldAddr, x.sys, (fn) => void (x.mm && m.withMm(x, fn)));
}

/** NGROUPS_MAX: the most supplementary groups a task may have. */
const NGROUPS_MAX = 65536;
/** (uid_t)-1: no id (make_kuid fails), or "leave it" where a call takes that. */
const NO_ID = 0xffffffff;

/**
 * commit_creds: `c` becomes the task's. The kernel's capability checks
 * (mlock's CAP_IPC_LOCK, mbind's CAP_SYS_NICE) read the uid set_task gave
 * the mm: the process's leader's euid (one uid per mm, where Linux asks the
 * thread that calls).
 */
function commit_creds(m: Machine, t: Task, c: Cred): number {
  const { euid, uid } = t.cred;
  // flag_nproc_exceeded: set*uid does not fail past RLIMIT_NPROC (programs do not check); the next execve will.
  if (c.uid !== uid) t.nprocExceeded = c.uid !== 0 && m.sched.userTasks(c.uid) > t.sys.rlimit(RLIMIT_NPROC);
  t.cred = c;
  if (c.euid !== euid && t === t.group.leader) setComm(m, t, new TextEncoder().encode(t.comm));
  return 0;
}

/**
 * One kind of id, user or group: its four fields in struct cred, the
 * capability that sets them at will, and how the capabilities follow a
 * change of the ids (cap_task_fix_setuid; nothing follows the gids).
 */
interface IdKind {
  r: "uid" | "gid";
  e: "euid" | "egid";
  s: "suid" | "sgid";
  fs: "fsuid" | "fsgid";
  cap: number;
  fixup(c: Cred, old: Cred): void;
  fixupFs(c: Cred, old: Cred): void;
}

const UIDS: IdKind = { r: "uid", e: "euid", s: "suid", fs: "fsuid", cap: CAP_SETUID, fixup: cap_emulate_setxuid, fixupFs: cap_fix_setfsuid };
const GIDS: IdKind = { r: "gid", e: "egid", s: "sgid", fs: "fsgid", cap: CAP_SETGID, fixup: () => {}, fixupFs: () => {} };

/** The credential calls (their numbers), or undefined for another syscall. */
export function credCall(m: Machine, t: Task, nr: number, a: number[]): number | undefined {
  const c = t.cred;
  switch (nr) {
    case 102: return c.uid; // getuid
    case 104: return c.gid; // getgid
    case 107: return c.euid; // geteuid
    case 108: return c.egid; // getegid
    case 105: return setid(m, t, UIDS, a[0] >>> 0); // setuid
    case 106: return setid(m, t, GIDS, a[0] >>> 0); // setgid
    case 113: return setreid(m, t, UIDS, a[0] >>> 0, a[1] >>> 0); // setreuid
    case 114: return setreid(m, t, GIDS, a[0] >>> 0, a[1] >>> 0); // setregid
    case 117: return setresid(m, t, UIDS, a[0] >>> 0, a[1] >>> 0, a[2] >>> 0); // setresuid
    case 119: return setresid(m, t, GIDS, a[0] >>> 0, a[1] >>> 0, a[2] >>> 0); // setresgid
    case 118: return getresid(m, c, UIDS, [a[0], a[1], a[2]]); // getresuid
    case 120: return getresid(m, c, GIDS, [a[0], a[1], a[2]]); // getresgid
    case 122: return setfsid(m, t, UIDS, a[0] >>> 0); // setfsuid
    case 123: return setfsid(m, t, GIDS, a[0] >>> 0); // setfsgid
    case 115: return getgroups(m, t, a[0] | 0, a[1]);
    case 116: return setgroups(m, t, a[0] | 0, a[1]);
    case 125: return capget(m, t, a[0], a[1]);
    case 126: return capset(m, t, a[0], a[1]);
    default: return undefined;
  }
}

/** getresuid, getresgid: put_user of the real, effective and saved id in turn; -EFAULT at the first that fails. */
function getresid(m: Machine, c: Cred, k: IdKind, addrs: number[]): number {
  const ids = [c[k.r], c[k.e], c[k.s]];
  return ids.every((id, i) => put_user(m, addrs[i], id)) ? 0 : -EFAULT;
}

/** setuid, setgid: with the capability every id, else the effective ones to the real or saved id. */
function setid(m: Machine, t: Task, k: IdKind, id: number): number {
  if (id === NO_ID) return -EINVAL;
  const old = t.cred, c = old.copy();
  if (old.capable(k.cap)) c[k.r] = c[k.s] = id;
  else if (id !== old[k.r] && id !== old[k.s]) return -EPERM;
  c[k.e] = c[k.fs] = id;
  k.fixup(c, old);
  return commit_creds(m, t, c);
}

/**
 * setreuid, setregid (-1 leaves an id): the real id to the real or
 * effective one, the effective to any of the three, unless the capability;
 * the saved id follows the effective one when the real changes or the
 * effective leaves it.
 */
function setreid(m: Machine, t: Task, k: IdKind, r: number, e: number): number {
  const old = t.cred, c = old.copy(), cap = old.capable(k.cap);
  if (r !== NO_ID) {
    if (r !== old[k.r] && r !== old[k.e] && !cap) return -EPERM;
    c[k.r] = r;
  }
  if (e !== NO_ID) {
    if (e !== old[k.r] && e !== old[k.e] && e !== old[k.s] && !cap) return -EPERM;
    c[k.e] = e;
  }
  if (r !== NO_ID || (e !== NO_ID && e !== old[k.r])) c[k.s] = c[k.e];
  c[k.fs] = c[k.e];
  k.fixup(c, old);
  return commit_creds(m, t, c);
}

/** setresuid, setresgid (-1 leaves an id): each new id one of the three old ones, unless the capability. */
function setresid(m: Machine, t: Task, k: IdKind, r: number, e: number, s: number): number {
  const old = t.cred;
  const mayBe = (id: number) => id === NO_ID || id === old[k.r] || id === old[k.e] || id === old[k.s];
  if (!old.capable(k.cap) && ![r, e, s].every(mayBe)) return -EPERM;
  const c = old.copy();
  if (r !== NO_ID) c[k.r] = r;
  if (e !== NO_ID) c[k.e] = e;
  if (s !== NO_ID) c[k.s] = s;
  c[k.fs] = c[k.e];
  k.fixup(c, old);
  return commit_creds(m, t, c);
}

/** setfsuid, setfsgid: the fs id to any of the other three (any, with the capability); never fails, and returns the old one. */
function setfsid(m: Machine, t: Task, k: IdKind, id: number): number {
  const old = t.cred;
  const may = id === old[k.r] || id === old[k.e] || id === old[k.s] || old.capable(k.cap);
  if (id !== NO_ID && may && id !== old[k.fs]) {
    const c = old.copy();
    c[k.fs] = id;
    k.fixupFs(c, old);
    commit_creds(m, t, c);
  }
  return old[k.fs];
}

/** getgroups: how many supplementary groups there are; with `size` (at least that many) they are written too. */
function getgroups(m: Machine, t: Task, size: number, list: number): number {
  const groups = t.cred.groups;
  if (size < 0) return -EINVAL;
  if (size === 0) return groups.length;
  if (groups.length > size) return -EINVAL;
  const b = new Uint8Array(4 * groups.length), v = new DataView(b.buffer);
  groups.forEach((g, i) => v.setUint32(4 * i, g, true));
  return m.user.copyToUser(list, b) === 0 ? groups.length : -EFAULT;
}

/** setgroups: with CAP_SETGID, `size` groups (at most NGROUPS_MAX) read one by one; (gid_t)-1 is none. */
function setgroups(m: Machine, t: Task, size: number, list: number): number {
  if (!t.cred.capable(CAP_SETGID)) return -EPERM;
  if (size < 0 || size > NGROUPS_MAX) return -EINVAL;
  const groups: number[] = [];
  for (let i = 0; i < size; i++) {
    const g = get_user(m, list + 4 * i);
    if (g === null) return -EFAULT;
    if (g === NO_ID) return -EINVAL;
    groups.push(g);
  }
  const c = t.cred.copy();
  c.groups = groups.sort((x, y) => x - y);
  return commit_creds(m, t, c);
}


/** The capability ABI versions (linux/capability.h): 1 with one 32-bit word per set, 2 and 3 with two. */
const CAP_VERSION_1 = 0x19980330, CAP_VERSION_2 = 0x20071026, CAP_VERSION_3 = 0x20080522;

/**
 * cap_validate_magic: how many 32-bit words of each set the header's
 * version takes; an unknown version is -EINVAL, the version the kernel
 * prefers written back.
 */
function cap_validate_magic(m: Machine, header: number): number {
  const version = get_user(m, header);
  if (version === null) return -EFAULT;
  if (version === CAP_VERSION_1) return 1;
  if (version === CAP_VERSION_2 || version === CAP_VERSION_3) return 2;
  return put_user(m, header, CAP_VERSION_3) ? -EINVAL : -EFAULT;
}

/** The header's pid, or -EFAULT. */
function capPid(m: Machine, header: number): number {
  const pid = get_user(m, header + 4);
  return pid === null ? -EFAULT : pid | 0;
}

/** capget: the effective, permitted and inheritable sets of task `pid` (0: the caller's); a NULL data pointer only asks the version. */
function capget(m: Machine, t: Task, header: number, data: number): number {
  const words = cap_validate_magic(m, header);
  if (data === 0 || words < 0) return data === 0 && words === -EINVAL ? 0 : Math.min(words, 0);
  const pid = capPid(m, header);
  if (pid === -EFAULT) return pid;
  if (pid < 0) return -EINVAL;
  const x = pid === 0 ? t : m.sched.byPid(pid);
  if (!x) return -ESRCH;
  const c = x.cred, b = new Uint8Array(12 * words), v = new DataView(b.buffer);
  for (let w = 0; w < words; w++) {
    [c.capEffective, c.capPermitted, c.capInheritable].forEach((set, i) => v.setUint32(12 * w + 4 * i, Number((set >> BigInt(32 * w)) & 0xffffffffn), true));
  }
  return m.user.copyToUser(data, b) === 0 ? 0 : -EFAULT;
}

/**
 * capset: the caller's own sets (cap_capset): the permitted only shrink,
 * the effective within the new permitted, the inheritable within the old
 * inheritable and permitted (within the bounding set, with CAP_SETPCAP).
 */
function capset(m: Machine, t: Task, header: number, data: number): number {
  const words = cap_validate_magic(m, header);
  if (words < 0) return words;
  const pid = capPid(m, header);
  if (pid === -EFAULT) return pid;
  if (pid !== 0 && pid !== t.pid) return -EPERM;
  const b = new Uint8Array(12 * words), v = new DataView(b.buffer);
  if (m.user.copyFromUser(b, data, b.length) !== 0) return -EFAULT;
  const set = (i: number) => Array.from({ length: words }, (_, w) => BigInt(v.getUint32(12 * w + 4 * i, true)) << BigInt(32 * w)).reduce((x, y) => x | y);
  const [effective, permitted, inheritable] = [set(0), set(1), set(2)];
  const old = t.cred;
  const within = (x: bigint, y: bigint) => (x & ~y) === 0n;
  if (!old.capable(CAP_SETPCAP) && !within(inheritable, old.capInheritable | old.capPermitted)) return -EPERM;
  if (!within(inheritable, old.capInheritable | CAP_FULL_SET)) return -EPERM; // the bounding set: every capability
  if (!within(permitted, old.capPermitted) || !within(effective, permitted)) return -EPERM;
  const c = old.copy();
  c.capEffective = effective;
  c.capPermitted = permitted;
  c.capInheritable = inheritable;
  return commit_creds(m, t, c);
}
