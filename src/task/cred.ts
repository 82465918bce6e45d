// A task's credentials (include/linux/cred.h's struct cred: the real,
// effective, saved and filesystem user and group ids, the supplementary
// groups, the permitted and effective capabilities), how the capabilities
// follow the ids (security/commoncap.c), and the permission to signal
// another task. Each thread has its own (glibc and musl make setuid every
// thread's by signalling each one to make the call itself); fork copies
// them, exec keeps the ids (there are no set-user-ID programs) and
// recomputes the capabilities. A task holds every capability while its
// euid is 0 (unless capset dropped some), none once no id of it is 0. The
// calls that read and change them (kernel/sys.c's, groups.c's,
// capability.c's) are in sys.ts. The kernel's own checks (mlock's
// CAP_IPC_LOCK, mbind's CAP_SYS_NICE) read the leader's euid. Nothing checks
// file permissions: every file stays accessible. Browser-safe.

import { EPERM } from "../syscalls/errno.js";
import type { Task } from "./task.js";

/** The capabilities this kernel gates on (include/uapi/linux/capability.h). */
export const CAP_KILL = 5, CAP_SETGID = 6, CAP_SETUID = 7, CAP_SETPCAP = 8, CAP_SYS_ADMIN = 21, CAP_SYS_NICE = 23, CAP_SYS_RESOURCE = 24;
/** CAP_LAST_CAP 40: every capability. */
export const CAP_FULL_SET = (1n << 41n) - 1n;
/** CAP_FS_SET: what an fsuid of 0 adds (CHOWN, DAC_OVERRIDE, DAC_READ_SEARCH, FOWNER, FSETID, LINUX_IMMUTABLE, MKNOD, MAC_OVERRIDE). */
const CAP_FS_SET = 0x1fn | 1n << 9n | 1n << 27n | 1n << 32n;

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
  capInheritable = 0n;
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

/** init_cred: root's, which pid 1 starts with (and a process without a task table keeps). */
export const INIT_CRED = new Cred();

/**
 * cap_task_fix_setuid (LSM_SETID_ID, _RE, _RES): losing every uid 0 loses
 * every capability, leaving euid 0 loses the effective ones, coming back
 * to it regains the permitted ones.
 */
export function cap_emulate_setxuid(c: Cred, old: Cred): void {
  const root = (x: Cred) => x.uid === 0 || x.euid === 0 || x.suid === 0;
  if (root(old) && !root(c)) c.capPermitted = c.capEffective = 0n;
  if (old.euid === 0 && c.euid !== 0) c.capEffective = 0n;
  if (old.euid !== 0 && c.euid === 0) c.capEffective = c.capPermitted;
}

/** cap_task_fix_setuid (LSM_SETID_FS): an fsuid of 0 holds the file-system capabilities in effect, another drops them. */
export function cap_fix_setfsuid(c: Cred, old: Cred): void {
  if (old.fsuid === 0 && c.fsuid !== 0) c.capEffective &= ~CAP_FS_SET;
  if (old.fsuid !== 0 && c.fsuid === 0) c.capEffective |= c.capPermitted & CAP_FS_SET;
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
