// fs/open.c: openat (open, creat), faccessat, truncate, ftruncate and fallocate,
// chdir and fchdir, the chmod and chown calls; and getcwd (fs/d_path.c). Browser-safe.

import { O_ACCMODE, O_CLOEXEC, O_CREAT, O_DIRECTORY, O_EXCL, O_LARGEFILE, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_TMPFILE, O_TRUNC, O_WRONLY, OpenFile } from "../fs/fdtable.js";
import { DirInode, type Inode, RegularInode, S_IFIFO, S_IFMT, S_IFSOCK, StreamInode, SymlinkInode } from "../fs/inode.js";
import { type Loc, Namespace, RESOLVE_BENEATH, RESOLVE_CACHED, RESOLVE_IN_ROOT } from "../fs/namespace.js";
import { PIPEFS_MAGIC, PipeInode } from "../fs/pipe.js";
import { OpsInode } from "../fs/anon.js";
import { F_SEAL_EXEC, ShmemData } from "../fs/shmem.js";
import { FMODE_READ, FMODE_WRITE } from "../abi.js";
import {
  E2BIG, EACCES, EAGAIN, EBADF, EEXIST, EFAULT, EFBIG, EINVAL, EISDIR, ELOOP, ENODEV, ENOENT, ENOMEM, ENOTDIR, ENXIO, EOPNOTSUPP, EPERM, ERANGE, ERESTARTSYS, EROFS, ESPIPE,
} from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { AT_EACCESS, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, d_path, getname, lookup, lookupAt, pathInit } from "./namei.js";

/** Every flag open() knows (VALID_OPEN_FLAGS); those O_PATH goes with (O_PATH_FLAGS); every RESOLVE_* flag. */
const VALID_OPEN_FLAGS = 0o37777703, O_PATH_FLAGS = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC, VALID_RESOLVE_FLAGS = 0x3f;
/** The permission bits a created file's mode may have (S_IALLUGO). */
const S_IALLUGO = 0o7777;

const encoder = new TextEncoder();

/** openat (open, creat): build_open_how, which drops what openat2 would refuse: unknown flags, O_PATH's others, a mode not creating. */
export function openat(files: FileSyscalls, dirfd: number, pathAddr: number, flags: number, mode: number): number {
  flags &= VALID_OPEN_FLAGS;
  if (flags & O_PATH) flags &= O_PATH_FLAGS;
  return do_sys_openat2(files, dirfd, pathAddr, { flags, mode: flags & (O_CREAT | O_TMPFILE) ? mode & S_IALLUGO : 0, resolve: 0 });
}

/** struct open_how: the first version's size, and the most copy_struct_from_user takes (a page). */
const OPEN_HOW_SIZE_VER0 = 24, OPEN_HOW_SIZE_MAX = 4096;

/**
 * openat2(dirfd, path, how, size): struct open_how as copy_struct_from_user
 * reads it (a larger struct's tail must be zero, E2BIG), every bit checked.
 */
export function openat2(files: FileSyscalls, dirfd: number, pathAddr: number, howAddr: number, size: number): number {
  if (size < OPEN_HOW_SIZE_VER0) return -EINVAL;
  if (size > OPEN_HOW_SIZE_MAX) return -E2BIG;
  if (size > OPEN_HOW_SIZE_VER0) {
    const tail = new Uint8Array(size - OPEN_HOW_SIZE_VER0);
    if (files.mem.copyFromUser(tail, howAddr + OPEN_HOW_SIZE_VER0, tail.length) !== 0) return -EFAULT;
    if (tail.some((b) => b !== 0)) return -E2BIG;
  }
  const b = new Uint8Array(OPEN_HOW_SIZE_VER0);
  if (files.mem.copyFromUser(b, howAddr, b.length) !== 0) return -EFAULT;
  const v = new DataView(b.buffer);
  // each field is a u64: a high bit is unknown to every one of them
  if (v.getUint32(4, true) !== 0 || v.getUint32(12, true) !== 0 || v.getUint32(20, true) !== 0) return -EINVAL;
  return do_sys_openat2(files, dirfd, pathAddr, { flags: v.getUint32(0, true), mode: v.getUint32(8, true), resolve: v.getUint32(16, true) });
}

/** struct open_how: open's flags, the mode of a file it creates, and the RESOLVE_* flags of its walk. */
interface OpenHow {
  flags: number;
  mode: number;
  resolve: number;
}

/**
 * build_open_flags' checks in Linux's order, then the name, the walk (as
 * `how.resolve` allows) and the open. @return the new fd, or -errno.
 */
function do_sys_openat2(files: FileSyscalls, dirfd: number, pathAddr: number, how: OpenHow): number {
  const flags = how.flags & ~O_CLOEXEC, resolve = how.resolve;
  if (flags & ~VALID_OPEN_FLAGS || resolve & ~VALID_RESOLVE_FLAGS) return -EINVAL;
  if (resolve & RESOLVE_BENEATH && resolve & RESOLVE_IN_ROOT) return -EINVAL;
  if (flags & (O_CREAT | O_TMPFILE) ? how.mode & ~S_IALLUGO : how.mode !== 0) return -EINVAL;
  if (flags & O_CREAT && flags & O_DIRECTORY) return -EINVAL;
  // O_TMPFILE: with O_DIRECTORY, and for writing
  if (flags & O_TMPFILE && (!(flags & O_DIRECTORY) || (flags & O_ACCMODE) === O_RDONLY)) return -EINVAL;
  if (flags & O_PATH && flags & ~O_PATH_FLAGS) return -EINVAL;
  if (resolve & RESOLVE_CACHED && flags & (O_TRUNC | O_CREAT | O_TMPFILE)) return -EAGAIN;
  return openPath(files, dirfd, pathAddr, how.flags, how.mode, resolve);
}

/** do_filp_open: the walk from dirfd (a scoped walk's root), then the open of what it found or made. */
function openPath(files: FileSyscalls, dirfd: number, pathAddr: number, flags: number, mode: number, resolve: number): number {
  const path = getname(files, pathAddr);
  if (typeof path === "number") return path;
  // path_init: IN_ROOT starts even an absolute path at dirfd
  const base = pathInit(files, dirfd, resolve & RESOLVE_IN_ROOT ? "" : path);
  if (typeof base === "number") return base;
  const how = resolve ? { flags: resolve, root: base } : undefined;
  const found = files.ns.walk(base, path, !(flags & O_NOFOLLOW) && !(flags & O_EXCL && flags & O_CREAT), undefined, how);
  if (typeof found === "number") return found;
  if (flags & O_TMPFILE & ~O_DIRECTORY) return found.node?.mount.readonly ? -EROFS : -EISDIR;
  let node = found.node;
  const acc = flags & O_ACCMODE;
  const wantsWrite = acc !== O_RDONLY || (flags & O_TRUNC) !== 0;
  if (!node) {
    if (!(flags & O_CREAT)) return -ENOENT;
    const made = files.ns.create(found, (mode & 0o7777) & ~files.umask);
    if (typeof made === "number") return made;
    node = made;
  } else {
    if ((flags & O_CREAT) && (flags & O_EXCL)) return -EEXIST;
    if (node instanceof SymlinkInode) return flags & O_PATH ? installNew(files, node, flags, null, d_path(files.ns, found, false)) : -ELOOP;
    if (node instanceof DirInode && ((flags & O_CREAT) || (!(flags & O_PATH) && acc !== O_RDONLY))) return -EISDIR;
    if ((flags & O_DIRECTORY) && !(node instanceof DirInode)) return -ENOTDIR;
    if (!(flags & O_PATH)) {
      // may_open: a read-only mount refuses writing its files (devices and /proc's files excepted); root passes permission bits.
      // A /proc/sys or sysfs file's own mode decides (proc_sys_permission: root gets the owner's bits, so 0200 cannot be read).
      if (node instanceof RegularInode && node.strictMode) {
        if ((acc !== O_WRONLY && !(node.mode & 0o400)) || (wantsWrite && !(node.mode & 0o200))) return -EACCES;
      } else if (wantsWrite && node.mount.readonly && !(node instanceof StreamInode) && !(node instanceof RegularInode && node.store)) {
        return node.mount.dev === 0x16 ? -EACCES : -EROFS;
      }
      if (acc === 3) return -EINVAL;
      const err = node instanceof RegularInode ? node.openError?.() ?? 0 : 0;
      if (err) return err;
    }
  }
  // sock_no_open: a socket's name cannot be opened; nor (through /proc/<pid>/fd) an anon_inodefs file but a pidfd.
  if (node.type === S_IFSOCK && !(flags & O_PATH)) return -ENXIO;
  if (node instanceof OpsInode && !node.reopens && !(flags & O_PATH)) return -ENXIO;
  if (node instanceof PipeInode && !(flags & O_PATH)) {
    const err = fifoOpen(files, node, flags);
    if (err !== 0) return err;
  }
  const name = d_path(files.ns, found, true, how);
  const fd = installNew(files, node, flags, found.loc, name);
  const file = files.fds.get(fd);
  // The name /proc/<pid>/maps gives the file once mapped: the path the walk ended at.
  if (file?.data) files.cache?.names?.set(file.data.ino, { path: name, dev: node.mount.dev });
  if (node instanceof PipeInode && file) file.release = fifoRelease(node, flags);
  if (file?.data?.truncate && flags & O_TRUNC && !(flags & O_PATH)) truncateFile(files, file, 0);
  return fd;
}

/**
 * fifo_open: each end counts on the pipe; O_RDWR never waits, a blocking
 * open for one end waits until the other end has been opened (its counter
 * moves), O_WRONLY|O_NONBLOCK with no reader is ENXIO. A waiting open stays
 * counted across its restarts (files.fifoOpening); a signal that ends it takes its count back.
 */
function fifoOpen(files: FileSyscalls, pipe: PipeInode, flags: number): number {
  const acc = flags & O_ACCMODE;
  const pending = files.fifoOpening?.pipe === pipe ? files.fifoOpening : null;
  // is_pipe: a pipe2 pipe opened again (by /proc/<pid>/fd/N) waits for no partner.
  const isPipe = pipe.mount.magic === PIPEFS_MAGIC;
  files.fifoOpening = null;
  if (!pending) {
    if (acc === O_WRONLY && flags & O_NONBLOCK && pipe.readers === 0 && !isPipe) return -ENXIO;
    if (acc !== O_WRONLY) pipe.readers++, pipe.rCounter++;
    if (acc !== O_RDONLY) pipe.writers++, pipe.wCounter++;
  }
  if (acc === O_RDWR || flags & O_NONBLOCK || isPipe) return 0;
  const partner = () => (acc === O_RDONLY ? pipe.wCounter : pipe.rCounter);
  const seen = pending?.seen ?? partner();
  if ((acc === O_RDONLY ? pipe.writers : pipe.readers) > 0 || partner() !== seen) return 0;
  files.fifoOpening = { pipe, seen, undo: fifoRelease(pipe, flags) };
  files.waitFor = () => partner() !== seen;
  return -ERESTARTSYS;
}

/** The FIFO end an open counted goes. */
function fifoRelease(pipe: PipeInode, flags: number): () => void {
  const acc = flags & O_ACCMODE;
  return () => {
    if (acc !== O_WRONLY) pipe.readers--;
    if (acc !== O_RDONLY) pipe.writers--;
    pipe.events++;
  };
}

/** Sets a writable regular file's size, through the page cache when there is one (i_size follows). */
function truncateFile(files: FileSyscalls, f: OpenFile, size: number): number {
  const bad = newsizeOk(files, f.data!.size(), size);
  if (bad !== 0) return bad;
  const kfile = files.cached.get(f);
  if (kfile !== undefined) return files.cache!.truncate(kfile, size);
  return f.data!.truncate!(size);
}

/**
 * inode_newsize_ok: a file may grow to `size` only up to RLIMIT_FSIZE (past
 * it, SIGXFSZ); shrinking is not limited (nor is any size by tmpfs's
 * s_maxbytes, the largest loff_t). @return 0 or -EFBIG
 */
function newsizeOk(files: FileSyscalls, old: number, size: number): number {
  if (size <= old || size <= files.fileSizeLimit()) return 0;
  files.sigxfsz();
  return -EFBIG;
}

export function installNew(files: FileSyscalls, node: Inode, flags: number, loc: Loc | null, path: string): number {
  const data = node instanceof RegularInode && !(flags & O_PATH) ? node.open() : null;
  // force_o_largefile, which O_PATH's flags leave out.
  const file = new OpenFile(node, (flags & ~O_CLOEXEC & ~O_CREAT & ~O_EXCL & ~O_TRUNC & ~0o400) | (flags & O_PATH ? 0 : O_LARGEFILE), data,
    node instanceof DirInode ? loc : null);
  file.path = path;
  if (data && files.cache && !data.readOp) {
    const mode = (file.readable ? FMODE_READ : 0) | (file.writable && data.write ? FMODE_WRITE : 0);
    const kfile = files.cache.open(data, mode);
    if (kfile === null) return -ENOMEM;
    files.cached.set(file, kfile);
    file.release = () => files.cache!.close(kfile);
  }
  const fd = files.fds.install(file, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) file.release?.();
  return fd;
}

export function faccessat(files: FileSyscalls, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if (mode & ~7) return -EINVAL;
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) return -EINVAL;
  const node = lookupAt(files, dirfd, pathAddr, flags);
  if (typeof node === "number") return node;
  const W_OK = 2, X_OK = 1;
  // Root: any bit but execute passes; execute needs one x bit on a non-directory.
  if (mode & X_OK && !(node instanceof DirInode) && !(node.mode & 0o111)) return -EACCES;
  if (mode & W_OK && node.mount.readonly && !(node instanceof StreamInode)) return -EROFS;
  return 0;
}

export function getcwd(files: FileSyscalls, buf: number, size: number): number {
  const path = encoder.encode(Namespace.path(files.cwd) + "\0");
  if (size < path.length) return -ERANGE;
  return files.mem.copyToUser(buf, path) === 0 ? path.length : -EFAULT;
}

export function chdir(files: FileSyscalls, pathAddr: number): number {
  const f = lookup(files, AT_FDCWD, pathAddr, true);
  if (typeof f === "number") return f;
  if (!f.node) return -ENOENT;
  if (!f.loc) return -ENOTDIR;
  files.cwd = f.loc;
  return 0;
}

export function fchdir(files: FileSyscalls, fd: number): number {
  const f = files.fds.get(fd);
  if (!f) return -EBADF;
  if (!f.loc) return -ENOTDIR;
  files.cwd = f.loc;
  return 0;
}

export function ftruncate(files: FileSyscalls, fd: number, length: number): number {
  const f = files.fds.get(fd);
  if (!f || f.flags & O_PATH) return -EBADF;
  if (length < 0) return -EINVAL;
  if (!(f.inode instanceof RegularInode) || !f.writable) return -EINVAL;
  if (!f.data?.truncate) return -EROFS;
  return truncateFile(files, f, length);
}

const FALLOC_FL_KEEP_SIZE = 0x1, FALLOC_FL_PUNCH_HOLE = 0x2, FALLOC_FL_COLLAPSE_RANGE = 0x8, FALLOC_FL_ZERO_RANGE = 0x10,
  FALLOC_FL_INSERT_RANGE = 0x20, FALLOC_FL_UNSHARE_RANGE = 0x40, FALLOC_FL_WRITE_ZEROES = 0x80;
/** The modes, one at a time (FALLOC_FL_MODE_MASK; FALLOC_FL_ALLOCATE_RANGE is 0). */
const FALLOC_FL_MODE_MASK = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_INSERT_RANGE
  | FALLOC_FL_UNSHARE_RANGE | FALLOC_FL_WRITE_ZEROES;

/** fallocate(fd, mode, offset, len) (vfs_fallocate's checks in their order; then tmpfs's shmem_fallocate). */
export function fallocate(files: FileSyscalls, fd: number, mode: number, offset: number, len: number): number {
  const f = files.fds.get(fd);
  if (!f || f.flags & O_PATH) return -EBADF;
  if (offset < 0 || len <= 0) return -EINVAL;
  if (mode & ~(FALLOC_FL_MODE_MASK | FALLOC_FL_KEEP_SIZE)) return -EOPNOTSUPP;
  switch (mode & FALLOC_FL_MODE_MASK) {
    case 0: case FALLOC_FL_UNSHARE_RANGE: case FALLOC_FL_ZERO_RANGE: break;
    case FALLOC_FL_PUNCH_HOLE: if (!(mode & FALLOC_FL_KEEP_SIZE)) return -EOPNOTSUPP; break;
    case FALLOC_FL_COLLAPSE_RANGE: case FALLOC_FL_INSERT_RANGE: case FALLOC_FL_WRITE_ZEROES:
      if (mode & FALLOC_FL_KEEP_SIZE) return -EOPNOTSUPP;
      break;
    default: return -EOPNOTSUPP;
  }
  if (!f.writable) return -EBADF;
  const type = f.inode.type;
  if (type === S_IFIFO) return -ESPIPE;
  if (f.inode instanceof DirInode) return -EISDIR;
  if (!(f.inode instanceof RegularInode)) return -ENODEV;
  if (offset + len > 2 ** 63 - 1) return -EFBIG;
  const kfile = files.cached.get(f);
  // Only tmpfs has a fallocate here (a /proc file has none; the host's files are never open for writing).
  return kfile !== undefined && files.cache?.fallocate ? files.cache.fallocate(kfile, mode, offset, len, (size) => newsizeOk(files, f.data!.size(), size)) : -EOPNOTSUPP;
}

export function truncate(files: FileSyscalls, pathAddr: number, length: number): number {
  const f = lookup(files, AT_FDCWD, pathAddr, true);
  if (typeof f === "number") return f;
  if (length < 0) return -EINVAL;
  const node = f.node;
  if (!node) return -ENOENT;
  if (node instanceof DirInode) return -EISDIR;
  if (!(node instanceof RegularInode)) return -EINVAL;
  if (node.mount.readonly) return -EROFS;
  // As an open for writing, ftruncate and close.
  const file = new OpenFile(node, O_WRONLY, node.open(), null);
  const kfile = files.cache?.open(file.data!, FMODE_WRITE);
  if (kfile === null) return -ENOMEM;
  if (kfile !== undefined) files.cached.set(file, kfile);
  const err = truncateFile(files, file, length);
  if (kfile !== undefined) files.cache!.close(kfile);
  return err;
}

/** An inode by path or by fd for the attribute calls (chmod, chown): -errno when none, EROFS when its mount is read-only. */
function setattrTarget(node: Inode | number): Inode | number {
  if (typeof node === "number") return node;
  // mnt_want_write: a read-only mount refuses; the devices' nodes sit on devtmpfs, which would take it, but faultline's /dev is fixed.
  return node.mount.readonly ? -EROFS : node;
}

/** An open file's inode for fchmod and fchown: O_PATH descriptors do not count (fdget). */
function fdInode(files: FileSyscalls, fd: number): Inode | number {
  const f = files.fds.get(fd);
  return !f || f.flags & O_PATH ? -EBADF : f.inode;
}

/** chmod_common: the permission bits (S_IALLUGO) change, the type stays; the inode's ctime moves. */
function chmodCommon(files: FileSyscalls, node: Inode | number, mode: number): number {
  const target = setattrTarget(node);
  if (typeof target === "number") return target;
  // shmem_setattr: a tmpfs file sealed with F_SEAL_EXEC keeps its execute bits.
  const data = target instanceof RegularInode && target.mount.type === "tmpfs" ? target.open() : null;
  if (data instanceof ShmemData && data.seals & F_SEAL_EXEC && (target.mode ^ mode) & 0o111) return -EPERM;
  target.mode = (target.mode & S_IFMT) | (mode & 0o7777);
  target.ctime = files.ns.now();
  return 0;
}

/** chmod, fchmodat and fchmodat2 (AT_SYMLINK_NOFOLLOW on a link: EOPNOTSUPP, as Linux's links have no mode of their own). */
export function fchmodat(files: FileSyscalls, dirfd: number, pathAddr: number, mode: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  const node = setattrTarget(lookupAt(files, dirfd, pathAddr, flags));
  if (node instanceof SymlinkInode) return -EOPNOTSUPP;
  return chmodCommon(files, node, mode);
}

export function fchmod(files: FileSyscalls, fd: number, mode: number): number {
  return chmodCommon(files, fdInode(files, fd), mode);
}

/**
 * chown_common: -1 leaves an id as it is; on a non-directory the set-user-ID
 * bit goes, and the set-group-ID bit with group execute (ATTR_KILL_SUID, ATTR_KILL_SGID).
 */
function chownCommon(files: FileSyscalls, node: Inode | number, uid: number, gid: number): number {
  const target = setattrTarget(node);
  if (typeof target === "number") return target;
  if (uid !== -1) target.uid = uid >>> 0;
  if (gid !== -1) target.gid = gid >>> 0;
  if (!(target instanceof DirInode)) target.mode &= target.mode & 0o010 ? ~0o6000 : ~0o4000;
  target.ctime = files.ns.now();
  return 0;
}

/** chown, lchown and fchownat. */
export function fchownat(files: FileSyscalls, dirfd: number, pathAddr: number, uid: number, gid: number, flags: number): number {
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return -EINVAL;
  return chownCommon(files, lookupAt(files, dirfd, pathAddr, flags), uid, gid);
}

export function fchown(files: FileSyscalls, fd: number, uid: number, gid: number): number {
  return chownCommon(files, fdInode(files, fd), uid, gid);
}
