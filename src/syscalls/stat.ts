// fs/stat.c: fstat, stat, lstat, newfstatat, statx and readlinkat; struct
// stat and struct statx as x86-64 lays them out. Browser-safe.

import { type Inode, SymlinkInode } from "../fs/inode.js";
import type { StatFs } from "../fs/namespace.js";
import { EBADF, EFAULT, EINVAL, ENOENT } from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { AT_EMPTY_PATH, AT_FDCWD, AT_NO_AUTOMOUNT, AT_SYMLINK_NOFOLLOW, getname, lookupAt } from "./namei.js";

const AT_STATX_SYNC_TYPE = 0x6000;

const encoder = new TextEncoder();

export function fstat(files: FileSyscalls, fd: number, buf: number): number {
  const f = files.fds.get(fd);
  if (!f) return -EBADF;
  return files.mem.copyToUser(buf, statBytes(f.inode)) === 0 ? 0 : -EFAULT;
}

export function fstatat(files: FileSyscalls, dirfd: number, pathAddr: number, buf: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) return -EINVAL;
  const node = lookupAt(files, dirfd, pathAddr, flags);
  if (typeof node === "number") return node;
  return files.mem.copyToUser(buf, statBytes(node)) === 0 ? 0 : -EFAULT;
}

export function statx(files: FileSyscalls, dirfd: number, pathAddr: number, flags: number, mask: number, buf: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -EINVAL;
  if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
  if (mask & 0x80000000) return -EINVAL; // STATX__RESERVED
  const node = lookupAt(files, dirfd, pathAddr, flags);
  if (typeof node === "number") return node;
  return files.mem.copyToUser(buf, statxBytes(node)) === 0 ? 0 : -EFAULT;
}

export function readlinkat(files: FileSyscalls, dirfd: number, pathAddr: number, buf: number, size: number): number {
  const path = getname(files, pathAddr, true);
  if (typeof path === "number") return path;
  if (size <= 0) return -EINVAL;
  const node = path === "" ? (dirfd === AT_FDCWD ? -ENOENT : files.fds.get(dirfd)?.inode ?? -EBADF) : lookupAt(files, dirfd, pathAddr, AT_SYMLINK_NOFOLLOW);
  if (typeof node === "number") return node;
  if (!(node instanceof SymlinkInode)) return path === "" ? -ENOENT : -EINVAL;
  // proc_pid_readlink: a magic link to nothing (a zombie's exe) is ENOENT.
  if (node.jump && !node.jump()) return -ENOENT;
  const target = encoder.encode(node.target()).subarray(0, size);
  return files.mem.copyToUser(buf, target) === 0 ? target.length : -EFAULT;
}

/** struct stat (x86-64, 144 bytes). */
export function statBytes(node: Inode): Uint8Array {
  const size = node.size();
  const out = new Uint8Array(144);
  const v = new DataView(out.buffer);
  const u64 = (at: number, x: number) => {
    v.setUint32(at, x >>> 0, true);
    v.setUint32(at + 4, Math.floor(x / 0x1_0000_0000) >>> 0, true);
  };
  u64(0, node.mount.dev);
  u64(8, node.ino);
  u64(16, node.nlink);
  v.setUint32(24, node.mode, true);
  v.setUint32(28, node.uid, true);
  v.setUint32(32, node.gid, true);
  u64(40, node.rdev);
  u64(48, size);
  u64(56, 4096);
  u64(64, node.blocks());
  [node.atime, node.mtime, node.ctime].forEach((t, i) => {
    u64(72 + 16 * i, t);
    u64(80 + 16 * i, node.nsec[i]);
  });
  return out;
}

/** struct statx (256 bytes), STATX_BASIC_STATS filled. */
export function statxBytes(node: Inode): Uint8Array {
  const st = new DataView(statBytes(node).buffer);
  const out = new Uint8Array(256);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x17ff, true); // STATX_BASIC_STATS | STATX_MNT_ID
  v.setUint32(4, 4096, true);
  v.setUint32(16, st.getUint32(16, true), true);
  v.setUint32(20, node.uid, true);
  v.setUint32(24, node.gid, true);
  v.setUint16(28, node.mode, true);
  for (const [to, from] of [[32, 8], [40, 48], [48, 64]]) {
    v.setUint32(to, st.getUint32(from, true), true);
    v.setUint32(to + 4, st.getUint32(from + 4, true), true);
  }
  // stx_atime, stx_ctime, stx_mtime: from struct stat's atime, mtime, ctime.
  for (const [to, from] of [[64, 72], [96, 104], [112, 88]]) {
    v.setUint32(to, st.getUint32(from, true), true);
    v.setUint32(to + 4, st.getUint32(from + 4, true), true);
    v.setUint32(to + 8, st.getUint32(from + 8, true), true);
  }
  v.setUint32(128, node.rdev >> 8, true);
  v.setUint32(132, node.rdev & 0xff, true);
  v.setUint32(136, node.mount.dev >> 8, true);
  v.setUint32(140, node.mount.dev & 0xff, true);
  v.setUint32(144, node.mount.dev, true); // stx_mnt_id: one mount per file system here
  return out;
}

/** struct statfs as x86-64 lays it out: eleven 64-bit fields (f_fsid two ints), four spare. */
function statfsBytes(st: StatFs): Uint8Array {
  const b = new Uint8Array(120);
  const v = new DataView(b.buffer);
  [st.type, st.bsize, st.blocks, st.bfree, st.bfree, st.files, st.ffree].forEach((x, i) => v.setBigUint64(8 * i, BigInt(x), true));
  v.setUint32(56, st.fsid, true);
  [st.namelen, st.bsize, st.flags].forEach((x, i) => v.setBigUint64(64 + 8 * i, BigInt(x), true));
  return b;
}

/** statfs (user_statfs): the file system the path (followed) is on. */
export function statfs(files: FileSyscalls, pathAddr: number, buf: number): number {
  const node = lookupAt(files, AT_FDCWD, pathAddr, 0);
  if (typeof node === "number") return node;
  return files.mem.copyToUser(buf, statfsBytes(files.ns.statfs(node.mount))) === 0 ? 0 : -EFAULT;
}

/** fstatfs: the file system an open file is on. */
export function fstatfs(files: FileSyscalls, fd: number, buf: number): number {
  const f = files.fds.get(fd);
  if (!f) return -EBADF;
  return files.mem.copyToUser(buf, statfsBytes(files.ns.statfs(f.inode.mount))) === 0 ? 0 : -EFAULT;
}
