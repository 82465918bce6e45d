// fs/locks.c: byte-range locks (fcntl's F_GETLK, F_SETLK, F_SETLKW and their
// open-file-description forms F_OFD_*) and flock. A POSIX lock's owner is
// the process's fd table (fl_owner = current->files): any close of the
// file by it drops them; an OFD or flock lock's owner is the open file,
// dropped when its last descriptor goes. Conflicts are between owners; a
// blocking request sleeps (-ERESTARTSYS) until none is left. Browser-safe.

import { O_PATH, type OpenFile } from "../fs/fdtable.js";
import type { Inode } from "../fs/inode.js";
import { EAGAIN, EBADF, EFAULT, EINVAL, ERESTARTSYS } from "./errno.js";
import type { FileSyscalls } from "./files.js";

export const F_GETLK = 5, F_SETLK = 6, F_SETLKW = 7, F_OFD_GETLK = 36, F_OFD_SETLK = 37, F_OFD_SETLKW = 38;
const F_RDLCK = 0, F_WRLCK = 1, F_UNLCK = 2;
const LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4, LOCK_UN = 8;
const OFFSET_MAX = 2 ** 63 - 1;

interface Lock {
  owner: object;
  /** Byte-range locks (fcntl) or whole-file ones (flock): they never conflict with each other. */
  flock: boolean;
  type: number;
  start: number;
  /** Inclusive; OFFSET_MAX: to the end, however far it grows. */
  end: number;
  /** l_pid as F_GETLK reports it: the locking process, -1 for an OFD lock. */
  pid: number;
}

const locks = new WeakMap<Inode, Lock[]>();
/** The open files whose release drops their OFD and flock locks. */
const hooked = new WeakSet<OpenFile>();

function listOf(inode: Inode): Lock[] {
  let list = locks.get(inode);
  if (!list) locks.set(inode, (list = []));
  return list;
}

function conflict(inode: Inode, want: Lock): Lock | undefined {
  return locks.get(inode)?.find((l) => l.owner !== want.owner && l.flock === want.flock && l.start <= want.end && want.start <= l.end &&
    (l.type === F_WRLCK || want.type === F_WRLCK));
}

/** Takes `owner`'s locks of the kind off [start, end]; the parts outside stay. */
function unlock(inode: Inode, owner: object, flock: boolean, start: number, end: number): void {
  const list = locks.get(inode);
  if (!list) return;
  const kept: Lock[] = [];
  for (const l of list) {
    if (l.owner !== owner || l.flock !== flock || l.end < start || end < l.start) {
      kept.push(l);
      continue;
    }
    if (l.start < start) kept.push({ ...l, end: start - 1 });
    if (end < l.end) kept.push({ ...l, start: end + 1 });
  }
  locks.set(inode, kept);
}

/** Puts `want` in, merged with the owner's touching locks of the same type (posix_lock_inode). */
function insert(inode: Inode, want: Lock): void {
  const list = listOf(inode);
  let { start, end } = want;
  for (const l of list) {
    if (l.owner === want.owner && l.flock === want.flock && l.type === want.type && l.start <= end + 1 && start <= l.end + 1) {
      start = Math.min(start, l.start);
      end = Math.max(end, l.end);
    }
  }
  unlock(inode, want.owner, want.flock, start, end);
  listOf(inode).push({ ...want, start, end });
}

/** A POSIX-lock owner closed a descriptor of `inode`: all its locks there go (locks_remove_posix). */
export function releasePosixLocks(owner: object, inode: Inode): void {
  const list = locks.get(inode);
  if (list) locks.set(inode, list.filter((l) => l.owner !== owner));
}

/** The open file's OFD and flock locks go with its last descriptor (locks_remove_file). */
function releaseWithFile(f: OpenFile): void {
  if (hooked.has(f)) return;
  hooked.add(f);
  const before = f.release;
  f.release = () => {
    releasePosixLocks(f, f.inode);
    before?.();
  };
}

/** fcntl's lock commands: struct flock { short l_type, l_whence; off_t l_start, l_len; pid_t l_pid; }. */
export function fcntlLock(files: FileSyscalls, f: OpenFile, cmd: number, arg: number): number {
  const b = new Uint8Array(32);
  if (files.mem.copyFromUser(b, arg, 32) !== 0) return -EFAULT;
  const v = new DataView(b.buffer);
  const type = v.getInt16(0, true), whence = v.getInt16(2, true);
  const lStart = Number(v.getBigInt64(8, true)), lLen = Number(v.getBigInt64(16, true));
  const ofd = cmd >= F_OFD_GETLK;
  if (ofd && v.getInt32(24, true) !== 0) return -EINVAL;
  if (f.flags & O_PATH) return -EBADF;
  // flock_to_posix_lock: the range from whence, start and len.
  const base = whence === 0 ? 0 : whence === 1 ? f.pos : whence === 2 ? f.data?.size() ?? 0 : NaN;
  if (Number.isNaN(base)) return -EINVAL;
  let start = base + lStart, end = lLen > 0 ? start + lLen - 1 : OFFSET_MAX;
  if (lLen < 0) {
    end = start - 1;
    start += lLen;
  }
  if (start < 0 || end < start - 1) return -EINVAL;
  if (type !== F_RDLCK && type !== F_WRLCK && type !== F_UNLCK) return -EINVAL;
  const owner: object = ofd ? f : files.fds;
  const want: Lock = { owner, flock: false, type, start, end, pid: ofd ? -1 : files.pid() };
  if (cmd === F_GETLK || cmd === F_OFD_GETLK) {
    if (type === F_UNLCK) return -EINVAL;
    const other = conflict(f.inode, want);
    if (!other) v.setInt16(0, F_UNLCK, true);
    else {
      v.setInt16(0, other.type, true);
      v.setInt16(2, 0, true);
      v.setBigInt64(8, BigInt(other.start), true);
      v.setBigInt64(16, BigInt(other.end === OFFSET_MAX ? 0 : other.end - other.start + 1), true);
      v.setInt32(24, other.pid, true);
    }
    return files.mem.copyToUser(arg, b) === 0 ? 0 : -EFAULT;
  }
  if ((type === F_RDLCK && !f.readable) || (type === F_WRLCK && !f.writable)) return -EBADF;
  if (type === F_UNLCK) {
    unlock(f.inode, owner, false, start, end);
    return 0;
  }
  if (conflict(f.inode, want)) {
    if (cmd === F_SETLK || cmd === F_OFD_SETLK) return -EAGAIN;
    files.waitFor = () => !conflict(f.inode, want);
    return -ERESTARTSYS;
  }
  if (ofd) releaseWithFile(f);
  insert(f.inode, want);
  return 0;
}

/** flock: a shared or exclusive lock on the whole file, owned by the open file. */
export function flock(files: FileSyscalls, fd: number, op: number): number {
  const f = files.fds.get(fd);
  if (!f || f.flags & O_PATH) return -EBADF;
  const kind = op & ~LOCK_NB;
  if (kind !== LOCK_SH && kind !== LOCK_EX && kind !== LOCK_UN) return -EINVAL;
  // A conversion gives up the old lock first (flock_lock_inode).
  unlock(f.inode, f, true, 0, OFFSET_MAX);
  if (kind === LOCK_UN) return 0;
  const want: Lock = { owner: f, flock: true, type: kind === LOCK_EX ? F_WRLCK : F_RDLCK, start: 0, end: OFFSET_MAX, pid: files.pid() };
  if (conflict(f.inode, want)) {
    if (op & LOCK_NB) return -EAGAIN;
    files.waitFor = () => !conflict(f.inode, want);
    return -ERESTARTSYS;
  }
  releaseWithFile(f);
  insert(f.inode, want);
  return 0;
}
