// A task's credentials (include/linux/cred.h's struct cred: the real,
// effective, saved and filesystem user and group ids, the supplementary
// groups, the permitted and effective capabilities) and the calls of
// kernel/sys.c and kernel/groups.c that read and change them. Each thread
// has its own (glibc and musl make setuid every thread's by signalling
// each one to make the call itself); fork copies them, exec keeps the ids
// (there are no set-user-ID programs) and recomputes the capabilities.
// Capabilities follow the ids as commoncap.c moves them: a task holds every
// capability while its euid is 0, none once no id of it is 0. Nothing here
// checks file permissions: every file stays accessible. Browser-safe.

import type { Machine } from "../machine.js";
import { EFAULT, EINVAL, EPERM } from "../syscalls/errno.js";
import { setComm } from "./exec.js";
import type { Task } from "./task.js";

/** The capabilities this kernel gates on (include/uapi/linux/capability.h). */
export const CAP_KILL = 5, CAP_SETGID = 6, CAP_SETUID = 7, CAP_IPC_LOCK = 14, CAP_SYS_ADMIN = 21, CAP_SYS_NICE = 23, CAP_SYS_RESOURCE = 24;
/** CAP_LAST_CAP 40: every capability. */
export const CAP_FULL_SET = (1n << 41n) - 1n;
/** CAP_FS_SET: what an fsuid of 0 adds (CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, LINUX_IMMUTABLE, MKNOD, MAC_OVERRIDE). */
const CAP_FS_SET = 0x1fn | 1n << 9n | 1n << 27n | 1n << 32n;
/** NGROUPS_MAX: the most supplementary groups a task may have. */
const NGROUPS_MAX = 65536;
/** (uid_t)-1: no id (make_kuid fails), or "leave it" where a call takes that. */
const NO_ID = 0xffffffff;

export class Cred {
  uid = 0;
  euid = 0;
  suid = 0;
  fsuid = 0;
  gid = 0;
  egid = 0;
  sgid = 0;
  fsgid = 0;
  /** The supplementary groups, sorted (groups_sort), duplicates kept. */
  groups: readonly number[] = [];
  capPermitted = CAP_FULL_SET;
  capEffective = CAP_FULL_SET;

  copy(): Cred {
    return Object.assign(new Cred(), this);
  }

  capable(cap: number): boolean {
    return ((this.capEffective >> BigInt(cap)) & 1n) === 1n;
  }

  /**
   * The credentials exec gives (bprm_fill_uid, cap_bprm_creds_from_file,
   * no set-ID bits, no file capabilities): the saved and filesystem ids
   * become the effective ones; root (real or effective uid 0) is permitted
   * everything, and holds it in effect when its euid is 0.
   */
  execed(): Cred {
    const c = this.copy();
    c.suid = c.fsuid = c.euid;
    c.sgid = c.fsgid = c.egid;
    c.capPermitted = c.uid === 0 || c.euid === 0 ? CAP_FULL_SET : 0n;
    c.capEffective = c.euid === 0 ? c.capPermitted : 0n;
    return c;
  }
}

/**
 * cap_task_fix_setuid (LSM_SETID_ID, _RE, _RES): losing every uid 0 loses
 * every capability, leaving euid 0 loses the effective ones, coming back
 * to it regains the permitted ones.
 */
function cap_emulate_setxuid(c: Cred, old: Cred): void {
  const root = (x: Cred) => x.uid === 0 || x.euid === 0 || x.suid === 0;
  if (root(old) && !root(c)) c.capPermitted = c.capEffective = 0n;
  if (old.euid === 0 && c.euid !== 0) c.capEffective = 0n;
  if (old.euid !== 0 && c.euid === 0) c.capEffective = c.capPermitted;
}

/**
 * commit_creds: `c` becomes the task's. The kernel's capability checks
 * (mlock's CAP_IPC_LOCK, mbind's CAP_SYS_NICE) read the uid set_task gave
 * the mm: the process's leader's euid (one uid per mm, where Linux asks the
 * thread that calls).
 */
function commit_creds(m: Machine, t: Task, c: Cred): number {
  const euid = t.cred.euid;
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

/** cap_task_fix_setuid (LSM_SETID_FS): an fsuid of 0 holds the file-system capabilities in effect, another drops them. */
function cap_fix_setfsuid(c: Cred, old: Cred): void {
  if (old.fsuid === 0 && c.fsuid !== 0) c.capEffective &= ~CAP_FS_SET;
  if (old.fsuid !== 0 && c.fsuid === 0) c.capEffective |= c.capPermitted & CAP_FS_SET;
}

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
    default: return undefined;
  }
}

/** getresuid, getresgid: put_user of the real, effective and saved id in turn; -EFAULT at the first that fails. */
function getresid(m: Machine, c: Cred, k: IdKind, addrs: number[]): number {
  const ids = [c[k.r], c[k.e], c[k.s]];
  for (let i = 0; i < ids.length; i++) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, ids[i], true);
    if (m.user.copyToUser(addrs[i], b) !== 0) return -EFAULT;
  }
  return 0;
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
  const groups: number[] = [], b = new Uint8Array(4), v = new DataView(b.buffer);
  for (let i = 0; i < size; i++) {
    if (m.user.copyFromUser(b, list + 4 * i, 4) !== 0) return -EFAULT;
    if (v.getUint32(0, true) === NO_ID) return -EINVAL;
    groups.push(v.getUint32(0, true));
  }
  const c = t.cred.copy();
  c.groups = groups.sort((x, y) => x - y);
  return commit_creds(m, t, c);
}

/**
 * kill_ok_by_cred: the sender's real or effective uid is the target's real
 * or saved one, or the sender has CAP_KILL.
 */
function kill_ok_by_cred(from: Cred, to: Cred): boolean {
  return from.euid === to.suid || from.euid === to.uid || from.uid === to.suid || from.uid === to.uid || from.capable(CAP_KILL);
}

/**
 * check_kill_permission for a signal a user sends: to its own process, to
 * a task its ids allow, or SIGCONT within its session; else -EPERM.
 */
export function check_kill_permission(t: Task, target: Task, sig: number): number {
  const SIGCONT = 18;
  if (target.group === t.group || kill_ok_by_cred(t.cred, target.cred)) return 0;
  return sig === SIGCONT && target.sid === t.sid ? 0 : -EPERM;
}
