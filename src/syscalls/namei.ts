// fs/namei.c: getname and the path walk from the cwd or a dirfd (the *at
// calls' AT_ flags), and the calls that change the namespace: mkdirat,
// unlinkat (rmdir), renameat2, symlinkat, linkat and mknodat. Browser-safe.

import { type Inode, SymlinkInode } from "../fs/inode.js";
import { type Found, type Loc, Namespace, type Resolve } from "../fs/namespace.js";
import { EBADF, EFAULT, EINVAL, ENAMETOOLONG, ENOENT, ENOTDIR, EPERM } from "./errno.js";
import type { FileSyscalls } from "./files.js";

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_EACCESS = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;
/** PATH_MAX, the terminating NUL included. */
const PATH_MAX = 4096;

const decoder = new TextDecoder();

/**
 * d_path of what a walk found: with `follow`, where its last component's
 * symbolic links lead (the file's own name; a magic link's file's own
 * path), from the root; a directory's own location. `how`: the walk's
 * RESOLVE_* flags (IN_ROOT's links lead within its root).
 */
export function d_path(ns: Namespace, found: Found, follow = true, how?: Resolve): string {
  let f = found;
  for (let n = 0; follow && n < 40; n++) {
    const link = f.parent[f.parent.length - 1].dir.lookup(f.name);
    if (!(link instanceof SymlinkInode)) break;
    if (link.jump) return link.target();
    const r = ns.walk(f.parent, link.target(), false, undefined, how);
    if (typeof r === "number") break;
    f = r;
  }
  if (f.loc) return Namespace.path(f.loc);
  return f.parent.slice(1).map((e) => "/" + e.name).join("") + "/" + f.name;
}

/**
 * strncpy_from_user: the bytes before the NUL of the string at `addr`, read a page at a time (a read never
 * reaches a page past the NUL's); null when no NUL comes within `max` bytes; -EFAULT.
 */
export function strncpyFromUser(files: FileSyscalls, addr: number, max: number): Uint8Array | null | number {
  const bytes = new Uint8Array(max);
  for (let len = 0; len < max;) {
    const n = Math.min(max - len, 4096 - ((addr + len) % 4096));
    const chunk = bytes.subarray(len, len + n);
    if (files.mem.copyFromUser(chunk, addr + len, n) !== 0) return -EFAULT;
    const nul = chunk.indexOf(0);
    if (nul >= 0) return bytes.subarray(0, len + nul);
    len += n;
  }
  return null;
}

/** getname: the NUL-terminated path at `addr`, or -EFAULT / -ENAMETOOLONG / -ENOENT (empty, unless allowed). */
export function getname(files: FileSyscalls, addr: number, allowEmpty = false): string | number {
  const bytes = strncpyFromUser(files, addr, PATH_MAX);
  if (bytes === null) return -ENAMETOOLONG;
  if (typeof bytes === "number") return bytes;
  return bytes.length === 0 && !allowEmpty ? -ENOENT : decoder.decode(bytes);
}

/** path_init: where a relative path starts: the cwd or dirfd's directory (EBADF, ENOTDIR). */
export function pathInit(files: FileSyscalls, dirfd: number, path: string): Loc | number {
  if (path.startsWith("/") || dirfd === AT_FDCWD) return files.cwd;
  const f = files.fds.get(dirfd);
  if (!f) return -EBADF;
  if (!f.loc) return -ENOTDIR;
  return f.loc;
}

/** getname + the walk, for the *at calls. */
export function lookup(files: FileSyscalls, dirfd: number, addr: number, follow: boolean): Found | number {
  const path = getname(files, addr);
  if (typeof path === "number") return path;
  const base = pathInit(files, dirfd, path);
  if (typeof base === "number") return base;
  return files.ns.walk(base, path, follow);
}

/** An existing inode by path, or by dirfd alone with AT_EMPTY_PATH and "". */
export function lookupAt(files: FileSyscalls, dirfd: number, addr: number, flags: number): Inode | number {
  if (flags & AT_EMPTY_PATH) {
    const path = getname(files, addr, true);
    if (path === "") {
      if (dirfd === AT_FDCWD) return files.cwd[files.cwd.length - 1].dir;
      return files.fds.get(dirfd)?.inode ?? -EBADF;
    }
  }
  const f = lookup(files, dirfd, addr, !(flags & AT_SYMLINK_NOFOLLOW));
  if (typeof f === "number") return f;
  return f.node ?? -ENOENT;
}

export function mkdirat(files: FileSyscalls, dirfd: number, pathAddr: number, mode: number): number {
  const f = lookup(files, dirfd, pathAddr, false);
  if (typeof f === "number") return f;
  return files.ns.mkdir(f, (mode & 0o7777) & ~files.umask);
}

export function unlinkat(files: FileSyscalls, dirfd: number, pathAddr: number, flags: number): number {
  if (flags & ~AT_REMOVEDIR) return -EINVAL;
  const f = lookup(files, dirfd, pathAddr, false);
  if (typeof f === "number") return f;
  return files.ns.remove(f, (flags & AT_REMOVEDIR) !== 0);
}

export function renameat2(files: FileSyscalls, olddirfd: number, oldAddr: number, newdirfd: number, newAddr: number, flags: number): number {
  const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL;
  if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) return -EINVAL;
  if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL; // not offered by this tmpfs
  const from = lookup(files, olddirfd, oldAddr, false);
  if (typeof from === "number") return from;
  const to = lookup(files, newdirfd, newAddr, false);
  if (typeof to === "number") return to;
  return files.ns.rename(from, to, (flags & RENAME_NOREPLACE) !== 0);
}

/** symlinkat: the target is any non-empty string (getname), not looked up. */
export function symlinkat(files: FileSyscalls, targetAddr: number, dirfd: number, pathAddr: number): number {
  const target = getname(files, targetAddr);
  if (typeof target === "number") return target;
  const f = lookup(files, dirfd, pathAddr, false);
  if (typeof f === "number") return f;
  return files.ns.symlink(f, target);
}

/** linkat: AT_SYMLINK_FOLLOW links what a final symbolic link names, else the link itself. */
export function linkat(files: FileSyscalls, olddirfd: number, oldAddr: number, newdirfd: number, newAddr: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const old = lookupAt(files, olddirfd, oldAddr, (flags & AT_EMPTY_PATH) | (flags & AT_SYMLINK_FOLLOW ? 0 : AT_SYMLINK_NOFOLLOW));
  if (typeof old === "number") return old;
  const to = lookup(files, newdirfd, newAddr, false);
  if (typeof to === "number") return to;
  return files.ns.link(old, to);
}

/** mknodat: FIFOs and regular files (a type of 0 is S_IFREG); devices are not made here (EPERM), other types EINVAL. */
export function mknodat(files: FileSyscalls, dirfd: number, pathAddr: number, mode: number): number {
  const S_IFMT = 0o170000, S_IFREG = 0o100000, S_IFCHR = 0o020000, S_IFBLK = 0o060000, S_IFIFO = 0o010000, S_IFSOCK = 0o140000, S_IFDIR = 0o040000;
  const type = mode & S_IFMT;
  // may_mknod: a directory is EPERM, an unknown type EINVAL, before the name is looked at.
  if (type === S_IFDIR) return -EPERM;
  if (type !== 0 && type !== S_IFREG && type !== S_IFCHR && type !== S_IFBLK && type !== S_IFIFO && type !== S_IFSOCK) return -EINVAL;
  const f = lookup(files, dirfd, pathAddr, false);
  if (typeof f === "number") return f;
  if (type !== 0 && type !== S_IFREG && type !== S_IFIFO) return -EPERM;
  return files.ns.mknod(f, (type || S_IFREG) | ((mode & 0o7777) & ~files.umask));
}
