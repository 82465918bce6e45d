// fs/utimes.c: utimensat, and the older utimes, futimesat and utime, which
// set a file's access and modification times (UTIME_NOW: the clock's now;
// UTIME_OMIT: left as it is). Browser-safe.

import type { Inode } from "../fs/inode.js";
import { O_PATH } from "../fs/fdtable.js";
import { EBADF, EFAULT, EINVAL, EROFS } from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, lookupAt } from "./namei.js";

const UTIME_NOW = 0x3fffffff;
const UTIME_OMIT = 0x3ffffffe;

/** [seconds, nanoseconds] for atime and mtime; null: both now. */
type Times = [[number, number], [number, number]] | null;

/** Two {seconds, fraction} pairs of 64-bit words at `addr` (timespec or timeval); null: a fault. */
function readTimePairs(files: FileSyscalls, addr: number): [[number, number], [number, number]] | null {
  const b = new Uint8Array(32);
  if (files.mem.copyFromUser(b, addr, 32) !== 0) return null;
  const v = new DataView(b.buffer);
  const at = (i: number): [number, number] => [Number(v.getBigInt64(16 * i, true)), Number(v.getBigInt64(16 * i + 8, true))];
  return [at(0), at(1)];
}

/** utimensat: two struct timespec at `timesAddr` (NULL: now). */
export function utimensat(files: FileSyscalls, dirfd: number, pathAddr: number, timesAddr: number, flags: number): number {
  let times: Times = null;
  if (timesAddr !== 0) {
    times = readTimePairs(files, timesAddr);
    if (times === null) return -EFAULT;
    if (times[0][1] === UTIME_OMIT && times[1][1] === UTIME_OMIT) return 0;
  }
  return doUtimes(files, dirfd, pathAddr, times, flags);
}

/** utimes and futimesat: two struct timeval (microseconds), each checked as a timespec once multiplied. */
export function futimesat(files: FileSyscalls, dirfd: number, pathAddr: number, tvAddr: number): number {
  let times: Times = null;
  if (tvAddr !== 0) {
    const tv = readTimePairs(files, tvAddr);
    if (tv === null) return -EFAULT;
    if (tv.some(([, usec]) => usec < 0 || usec >= 1_000_000)) return -EINVAL;
    times = [[tv[0][0], tv[0][1] * 1000], [tv[1][0], tv[1][1] * 1000]];
  }
  return doUtimes(files, dirfd, pathAddr, times, 0);
}

/** utime: a struct utimbuf of two whole seconds. */
export function utime(files: FileSyscalls, pathAddr: number, bufAddr: number): number {
  let times: Times = null;
  if (bufAddr !== 0) {
    const b = new Uint8Array(16);
    if (files.mem.copyFromUser(b, bufAddr, 16) !== 0) return -EFAULT;
    const v = new DataView(b.buffer);
    times = [[Number(v.getBigInt64(0, true)), 0], [Number(v.getBigInt64(8, true)), 0]];
  }
  return doUtimes(files, AT_FDCWD, pathAddr, times, 0);
}

function nsecValid(nsec: number): boolean {
  return nsec === UTIME_OMIT || nsec === UTIME_NOW || (nsec >= 0 && nsec <= 999_999_999);
}

/** do_utimes: a NULL path sets dirfd's own file's times. */
function doUtimes(files: FileSyscalls, dirfd: number, pathAddr: number, times: Times, flags: number): number {
  if (times && (!nsecValid(times[0][1]) || !nsecValid(times[1][1]))) return -EINVAL;
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  let node: Inode | number;
  if (pathAddr === 0 && dirfd !== AT_FDCWD) {
    if (flags) return -EINVAL;
    const f = files.fds.get(dirfd);
    node = !f || f.flags & O_PATH ? -EBADF : f.inode;
  } else {
    node = lookupAt(files, dirfd, pathAddr, flags);
  }
  if (typeof node === "number") return node;
  if (node.mount.readonly) return -EROFS;
  const now = files.ns.now();
  // vfs_utimes: each time given, or now; OMIT keeps it. The change itself is now.
  const set = (i: 0 | 1, t: [number, number] | undefined) => {
    if (t?.[1] === UTIME_OMIT) return;
    const [sec, nsec] = t && t[1] !== UTIME_NOW ? t : [now, 0];
    if (i === 0) node.atime = sec;
    else node.mtime = sec;
    node.nsec[i] = nsec;
  };
  set(0, times?.[0]);
  set(1, times?.[1]);
  node.ctime = now;
  node.nsec[2] = 0;
  return 0;
}
