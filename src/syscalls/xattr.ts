// Extended attributes (fs/xattr.c): getxattr, setxattr, listxattr and
// removexattr, by path (l- not following a last symlink) or by fd. A name
// is looked for among its file system's handlers: the host's files (ext4,
// read-only here) and tmpfs know user., trusted., security. and the two
// POSIX ACL names; proc, sysfs, pipes and sockets have none (EOPNOTSUPP).
// Only tmpfs keeps attributes, on the inode; the host's files have none.
// ACLs are not kept: setting one is EOPNOTSUPP.

import { O_PATH } from "../fs/fdtable.js";
import { type Inode, S_IFDIR, S_IFREG } from "../fs/inode.js";
import { E2BIG, EBADF, EEXIST, EFAULT, EINVAL, ENODATA, EOPNOTSUPP, EPERM, ERANGE, EROFS } from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { AT_FDCWD, AT_SYMLINK_NOFOLLOW, lookupAt, strncpyFromUser } from "./namei.js";

const XATTR_NAME_MAX = 255, XATTR_SIZE_MAX = 65536, XATTR_LIST_MAX = 65536;
const XATTR_CREATE = 1, XATTR_REPLACE = 2;
const PREFIXES = ["security.", "system.posix_acl_access", "system.posix_acl_default", "trusted.", "user."];
/** The file systems with xattr handlers (IOP_XATTR): the rest refuse every name. */
const WITH_XATTRS = new Set(["ext4", "tmpfs", "devtmpfs", "rootfs"]);
/** Mounted read-write natively, though nothing is written to them here: EROFS is not theirs to give. */
const NATIVELY_WRITABLE = new Set(["proc", "sysfs", "devtmpfs", "pipefs", "sockfs"]);

const decoder = new TextDecoder("latin1"), encoder = new TextEncoder();

/** Where a call's file is: a path (following a last symlink or not) or an open fd. */
export type XattrTarget = { path: number; follow: boolean } | { fd: number };

/** The attribute name (strncpy_from_user of XATTR_NAME_MAX + 1 bytes): ERANGE when empty or too long. */
function importName(files: FileSyscalls, addr: number): string | number {
  const bytes = strncpyFromUser(files, addr, XATTR_NAME_MAX + 1);
  if (typeof bytes === "number") return bytes;
  return bytes === null || bytes.length === 0 ? -ERANGE : decoder.decode(bytes);
}

function target(files: FileSyscalls, t: XattrTarget): Inode | number {
  if ("fd" in t) {
    const f = files.fds.get(t.fd);
    return !f || f.flags & O_PATH ? -EBADF : f.inode;
  }
  return lookupAt(files, AT_FDCWD, t.path, t.follow ? 0 : AT_SYMLINK_NOFOLLOW);
}

/**
 * The file whose attribute `name` a call reads or (`write`) changes: for a change, EROFS on a read-only mount
 * (mnt_want_write) before the name is looked at; then xattr_permission (user. attributes are for regular files
 * and directories: ENODATA to read, EPERM to write) and xattr_resolve_name (a name no handler takes is
 * EOPNOTSUPP, a bare prefix EINVAL).
 */
function fileFor(files: FileSyscalls, t: XattrTarget, name: string, write: boolean): Inode | number {
  const node = target(files, t);
  if (typeof node === "number") return node;
  if (write && node.mount.readonly && !NATIVELY_WRITABLE.has(node.mount.type)) return -EROFS;
  if (name.startsWith("user.") && node.type !== S_IFREG && node.type !== S_IFDIR) return write ? -EPERM : -ENODATA;
  if (!WITH_XATTRS.has(node.mount.type)) return -EOPNOTSUPP;
  const prefix = PREFIXES.find((p) => (p.endsWith(".") ? name.startsWith(p) : name === p));
  if (prefix === undefined) return -EOPNOTSUPP;
  return prefix.endsWith(".") && name.length === prefix.length ? -EINVAL : node;
}

/** A value or a list copied out: its length, or ERANGE when `size` (not 0) is too small for it. */
function copyOut(files: FileSyscalls, bytes: Uint8Array, addr: number, size: number): number {
  if (size === 0) return bytes.length;
  if (size < bytes.length) return -ERANGE;
  return files.mem.copyToUser(addr, bytes) === 0 ? bytes.length : -EFAULT;
}

export function getxattr(files: FileSyscalls, t: XattrTarget, nameAddr: number, value: number, size: number): number {
  const name = importName(files, nameAddr);
  if (typeof name === "number") return name;
  const node = fileFor(files, t, name, false);
  if (typeof node === "number") return node;
  const v = node.xattrs?.get(name);
  return v ? copyOut(files, v, value, Math.min(size, XATTR_SIZE_MAX)) : -ENODATA;
}

export function listxattr(files: FileSyscalls, t: XattrTarget, list: number, size: number): number {
  const node = target(files, t);
  if (typeof node === "number") return node;
  // simple_xattr_list: in name order (the rbtree's)
  const names = [...(node.xattrs?.keys() ?? [])].sort().map((n) => `${n}\0`).join("");
  return copyOut(files, encoder.encode(names), list, Math.min(size, XATTR_LIST_MAX));
}

export function setxattr(files: FileSyscalls, t: XattrTarget, nameAddr: number, valueAddr: number, size: number, flags: number): number {
  if (flags & ~(XATTR_CREATE | XATTR_REPLACE)) return -EINVAL;
  const name = importName(files, nameAddr);
  if (typeof name === "number") return name;
  if (size > XATTR_SIZE_MAX) return -E2BIG;
  const value = new Uint8Array(size);
  if (size > 0 && files.mem.copyFromUser(value, valueAddr, size) !== 0) return -EFAULT;
  const node = fileFor(files, t, name, true);
  if (typeof node === "number") return node;
  if (name.startsWith("system.")) return -EOPNOTSUPP;
  const had = node.xattrs?.has(name) ?? false;
  if (flags & XATTR_CREATE && had) return -EEXIST;
  if (flags & XATTR_REPLACE && !had) return -ENODATA;
  (node.xattrs ??= new Map()).set(name, value);
  return 0;
}

export function removexattr(files: FileSyscalls, t: XattrTarget, nameAddr: number): number {
  const name = importName(files, nameAddr);
  if (typeof name === "number") return name;
  const node = fileFor(files, t, name, true);
  if (typeof node === "number") return node;
  return node.xattrs?.delete(name) ? 0 : -ENODATA;
}
