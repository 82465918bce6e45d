// The file syscalls of one process: its fd table, its current directory
// and umask over the machine's namespace (src/fs), and the dispatch by
// syscall number to the files that mirror Linux's fs/: namei.ts (path
// lookup, mkdir, unlink, rename, link, symlink, mknod), open.ts (and chmod,
// chown), utimes.ts, sync.ts, read_write.ts, pipe.ts, stat.ts,
// readdir.ts, fcntl.ts (and dup), ioctl.ts, memfd.ts, fadvise.ts (and readahead), splice.ts (vmsplice), eventfd.ts, signalfd.ts, eventpoll.ts
// (epoll_wait is index.ts's, with the other waits), socket.ts and locks.ts (flock). Each call checks its
// arguments in Linux's order and fails with Linux's errno. A new file
// syscall goes in the file named after its Linux source and gets a case in
// call(). Browser-safe.

import { INIT_CRED, type Cred } from "../task/cred.js";
import { FdTable, OpenFile, O_CREAT, O_PATH, O_RDONLY, O_TRUNC, O_WRONLY } from "../fs/fdtable.js";
import { S_IFIFO, StreamInode, type Mount } from "../fs/inode.js";
import type { Namespace, Loc } from "../fs/namespace.js";
import type { FileData } from "../fs/file_data.js";
import { EACCES, EBADF, EINVAL, ENODEV } from "./errno.js";
import { MAP_ANONYMOUS, MAP_HUGETLB, MAP_SHARED, MAP_TYPE } from "../abi.js";
import { unsigned } from "./args.js";
import { AT_FDCWD, AT_REMOVEDIR, AT_SYMLINK_NOFOLLOW, linkat, mkdirat, mknodat, renameat2, symlinkat, unlinkat } from "./namei.js";
import { chdir, faccessat, fallocate, fchdir, fchmod, fchmodat, fchown, fchownat, ftruncate, getcwd, openat, openat2, truncate } from "./open.js";
import { memfdCreate } from "./memfd.js";
import { fadvise64, readahead } from "./fadvise.js";
import { futimesat, utime, utimensat } from "./utimes.js";
import { fsync, syncFileRange } from "./sync.js";
import { flock, releasePosixLocks } from "./locks.js";
import { getxattr, listxattr, removexattr, setxattr, type XattrTarget } from "./xattr.js";
import { eventfd2 } from "./eventfd.js";
import { signalfd4 } from "./signalfd.js";
import { epollCreate1, epollCtl } from "./eventpoll.js";
import {
  accept4, bind, connect, getsockname, getsockopt, listen, recvfrom, recvmmsg, recvmsg, sendmmsg, sendmsg, sendto, setsockopt, shutdown, socket,
  socketpair,
} from "./socket.js";
import { current, type PendingSignals } from "./current.js";
import { copyFileRange, lseek, read, sendfile, vector, write } from "./read_write.js";
import { fstat, fstatat, fstatfs, readlinkat, statfs, statx } from "./stat.js";
import { getdents64 } from "./readdir.js";
import { dup, dup3, fcntl } from "./fcntl.js";
import { ioctl } from "./ioctl.js";
import { pipe2 } from "./pipe.js";
import { vmsplice } from "./splice.js";
import { PIPEFS_MAGIC, type PipeInode } from "../fs/pipe.js";
import type { HrtimerSleeper } from "../task/hrtimer.js";

/** The pipes the machine's stdin, stdout and stderr are: st_dev as a shell's pipe shows it. */
const STDIO_PIPEFS: Mount = { dev: 0xe, readonly: false, type: "pipefs", magic: PIPEFS_MAGIC };

/** copy_from_user / copy_to_user: 0, or nonzero when the range faults. */
export interface FileUserMemory {
  copyFromUser(dst: Uint8Array, addr: number, len?: number): number;
  copyToUser(addr: number, src: Uint8Array): number;
}

/**
 * The kernel's page cache as the fd table uses it (src/fs/pagecache.ts):
 * each open of a regular file is a kernel file, its reads and writes go
 * through the cache (so a MAP_SHARED mapping and write() see each other),
 * and mmap maps it.
 */
export interface FileCache<F = unknown> {
  open(data: FileData, mode: number): F | null;
  close(file: F): void;
  read(file: F, pos: number, dst: Uint8Array): number;
  write(file: F, pos: number, src: Uint8Array): number;
  mmap(file: F, addr: number, len: number, prot: number, flags: number, offset: number): number;
  /** mmap(2) of shared anonymous memory (shmem_zero_setup's unlinked tmpfs file). */
  mmapSharedAnon(addr: number, len: number, prot: number, flags: number): number;
  /** ftruncate: the file's size and the kernel's i_size; 0 or -errno. */
  truncate(file: F, size: number): number;
  /** The path and device (st_dev) /proc/<pid>/maps names an opened inode by, by inode number. */
  readonly names?: Map<number, { path: string; dev: number }>;
  /** fadvise DONTNEED: drops the unused clean cached pages of indices [start, end]; @return how many. */
  invalidate?(file: F, start: number, end: number): number;
  /** fadvise WILLNEED, readahead(2): reads pages [index, index + nr) into the cache (at most a read-ahead window). */
  readahead?(file: F, index: number, nr: number): void;
  /** fadvise RANDOM (true), NORMAL or SEQUENTIAL (false): whether read() reads ahead. */
  fadviseRandom?(file: F, random: boolean): void;
  /** fallocate of a tmpfs file once the VFS checked the call, `newsizeOk` the task's size limit: 0 or -errno. */
  fallocate?(file: F, mode: number, offset: number, len: number, newsizeOk: (size: number) => number): number;
  /** Whether a shared mapping may write the file (mapping_writably_mapped). */
  writablyMapped?(file: F): boolean;
}

export interface FileIo {
  /** fd 0: at most `max` more bytes, read when the guest reads (null or empty: end of file). */
  stdin(max: number): Uint8Array | null;
  stdout(bytes: Uint8Array): void;
  stderr(bytes: Uint8Array): void;
}

/** fs_struct: the current directory and umask, which CLONE_FS shares. */
export interface FsStruct {
  cwd: Loc;
  umask: number;
}

export class FileSyscalls {
  /** The fd table: shared with the threads of CLONE_FILES until close_range(CLOSE_RANGE_UNSHARE) copies it. */
  fds: FdTable;
  fsStruct: FsStruct;
  /** Set when a call returned -ERESTARTSYS: true once it can go on (a pipe has bytes, or room). */
  waitFor: (() => boolean) | null = null;
  /** Bytes a blocking pipe write has written so far, across its restarts. */
  pipeWritten = 0;
  /** The calling process's pid (l_pid of its locks): the task's, set by src/syscalls/index.ts. */
  pid: () => number = () => 1;
  /** The caller's credentials (root's unless told). */
  cred: () => Cred = () => INIT_CRED;
  /** The task's pending signals (a signalfd's), set by src/syscalls/index.ts. */
  signals: () => PendingSignals | null = () => null;
  /** The virtual clock (ns), set by src/syscalls/index.ts. */
  now: () => number = () => 0;
  /** RLIMIT_FSIZE's soft limit (Infinity for none), set by src/syscalls/index.ts. */
  fileSizeLimit: () => number = () => Infinity;
  /** send_sig(SIGXFSZ, current): a file would grow past RLIMIT_FSIZE; set by src/syscalls/index.ts. */
  sigxfsz: () => void = () => {};
  /** The task's sleeper, timing out `ns` after the call first slept (a socket's SO_RCVTIMEO, SO_SNDTIMEO), set by src/syscalls/index.ts. */
  timeout: (ns: number) => HrtimerSleeper = () => {
    throw new Error("no sleeper");
  };
  /** A sleeping sendmmsg's or recvmmsg's datagrams so far and recvmmsg's end time, across its waits. */
  mmsg: { done: number; end: number | null } | null = null;
  /** A FIFO open waiting for the other end, counted on the pipe across its restarts: the partner's counter it saw, and how to take the count back. */
  fifoOpening: { pipe: PipeInode; seen: number; undo: () => void } | null = null;

  /** Kernel files of the open regular files, by open file (when a page cache is given); fork's copy shares it. */
  readonly cached: WeakMap<OpenFile, unknown>;

  /**
   * `from`: clone's copy of a process's files (the same open files, cwd and
   * umask), or with `share` the same fd table (CLONE_FILES) and the same
   * fs_struct (CLONE_FS); else fds 0-2 on `io`.
   */
  constructor(readonly mem: FileUserMemory, readonly ns: Namespace, io: FileIo, cwd = "/", readonly cache: FileCache | null = null,
    from?: FileSyscalls, share: { files: boolean; fs: boolean } = { files: false, fs: false }) {
    if (from) {
      this.fds = share.files ? from.fds : from.fds.clone();
      if (share.files) this.fds.users++;
      this.fsStruct = share.fs ? from.fsStruct : { ...from.fsStruct };
      this.cached = from.cached;
      this.fds.onClose ??= closeLocks(this.fds);
      return;
    }
    this.fds = new FdTable();
    this.fds.onClose = closeLocks(this.fds);
    this.cached = new WeakMap();
    this.fsStruct = { cwd: ns.startDir(cwd), umask: 0o022 };
    // fds 0-2: the machine's stdin, stdout and stderr, as pipes (never terminals).
    // Bytes the reader gave that the guest has not taken yet; what a fault left unread stays for the next read.
    let rest: Uint8Array = new Uint8Array(0);
    let taken = 0;
    const stdin = new StreamInode(ns.ino(), S_IFIFO | 0o600, STDIO_PIPEFS, 0, (dst) => {
      if (taken === rest.length) {
        rest = io.stdin(dst.length) ?? new Uint8Array(0);
        taken = 0;
      }
      const n = Math.min(dst.length, rest.length - taken);
      dst.set(rest.subarray(taken, taken + n));
      taken += n;
      return n;
    }, () => -EBADF);
    stdin.unread = (n) => { taken -= n; };
    const sink = (out: (b: Uint8Array) => void) =>
      new StreamInode(ns.ino(), S_IFIFO | 0o600, STDIO_PIPEFS, 0, () => 0, (src) => (out(src), src.length));
    this.fds.install(new OpenFile(stdin, O_RDONLY, null, null), false);
    this.fds.install(new OpenFile(sink(io.stdout), O_WRONLY, null, null), false);
    this.fds.install(new OpenFile(sink(io.stderr), O_WRONLY, null, null), false);
  }

  get cwd(): Loc {
    return this.fsStruct.cwd;
  }
  set cwd(loc: Loc) {
    this.fsStruct.cwd = loc;
  }
  get umask(): number {
    return this.fsStruct.umask;
  }
  set umask(mask: number) {
    this.fsStruct.umask = mask;
  }

  /** unshare_fd: a table of the caller's own, a copy of the one it shares (CLONE_FILES), if it does. */
  unshareFiles(): void {
    if (this.fds.users <= 1) return;
    this.fds.users--;
    const own = this.fds.clone();
    own.nofile = this.fds.nofile;
    own.onClose = closeLocks(own);
    this.fds = own;
  }

  /** unshare_fs: a cwd and umask of the caller's own, a copy of those it may share (CLONE_FS). */
  unshareFs(): void {
    this.fsStruct = { ...this.fsStruct };
  }

  /**
   * close_range: closes (or with CLOSE_RANGE_CLOEXEC marks close-on-exec) the open descriptors in
   * [first, last]; CLOSE_RANGE_UNSHARE first gives the caller a table of its own, as unshare(CLONE_FILES).
   */
  private closeRange(first: number, last: number, flags: number): number {
    const CLOSE_RANGE_UNSHARE = 2, CLOSE_RANGE_CLOEXEC = 4;
    if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) !== 0 || first > last) return -EINVAL;
    if (flags & CLOSE_RANGE_UNSHARE) this.unshareFiles();
    for (const fd of this.fds.open()) {
      if (fd < first || fd > last) continue;
      if (flags & CLOSE_RANGE_CLOEXEC) this.fds.setCloexec(fd, true);
      else this.fds.close(fd);
    }
    return 0;
  }

  /** This task becomes `current`: its syscall enters, or its wake condition is asked. */
  enter(): void {
    current.pid = this.pid();
    current.cred = this.cred();
    current.signals = this.signals();
  }

  /** The syscall numbers handled here; each returns its result or -errno. */
  call(nr: number, a: number[]): number | undefined {
    const fd = a[0] | 0;
    this.enter();
    switch (nr) {
      case 0: return read(this, fd, a[1], unsigned(a[2]), null);
      case 1: return write(this, fd, a[1], unsigned(a[2]), null);
      case 17: return read(this, fd, a[1], unsigned(a[2]), a[3]);   // pread64
      case 18: return write(this, fd, a[1], unsigned(a[2]), a[3]);  // pwrite64
      case 19: return vector(this, fd, a[1], a[2] >>> 0, null, false);  // readv
      case 20: return vector(this, fd, a[1], a[2] >>> 0, null, true);   // writev
      case 295: return vector(this, fd, a[1], a[2] >>> 0, a[3], false); // preadv
      case 296: return vector(this, fd, a[1], a[2] >>> 0, a[3], true);  // pwritev
      case 327: return vector(this, fd, a[1], a[2] >>> 0, a[3] === -1 ? null : a[3], false, a[5] >>> 0); // preadv2
      case 328: return vector(this, fd, a[1], a[2] >>> 0, a[3] === -1 ? null : a[3], true, a[5] >>> 0);  // pwritev2
      case 2: return openat(this, AT_FDCWD, a[0], a[1] | 0, a[2]);   // open
      case 85: return openat(this, AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1]); // creat
      case 257: return openat(this, fd, a[1], a[2] | 0, a[3]);
      case 437: return openat2(this, fd, a[1], a[2], unsigned(a[3]));
      case 3: return this.fds.close(fd) ? 0 : -EBADF;
      case 8: return lseek(this, fd, a[1], a[2] | 0);
      case 4: return fstatat(this, AT_FDCWD, a[0], a[1], 0);                     // stat
      case 6: return fstatat(this, AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);   // lstat
      case 5: return fstat(this, fd, a[1]);
      case 262: return fstatat(this, fd, a[1], a[2], a[3] | 0);                    // newfstatat
      case 137: return statfs(this, a[0], a[1]);
      case 138: return fstatfs(this, fd, a[1]);
      case 332: return statx(this, fd, a[1], a[2] | 0, a[3] >>> 0, a[4]);
      case 217: return getdents64(this, fd, a[1], a[2] >>> 0);
      case 89: return readlinkat(this, AT_FDCWD, a[0], a[1], a[2] | 0);
      case 267: return readlinkat(this, fd, a[1], a[2], a[3] | 0);
      case 21: return faccessat(this, AT_FDCWD, a[0], a[1] | 0, 0);
      case 269: return faccessat(this, fd, a[1], a[2] | 0, 0);
      case 439: return faccessat(this, fd, a[1], a[2] | 0, a[3] | 0);
      case 72: return fcntl(this, fd, a[1] | 0, a[2]);
      case 32: return dup(this, fd);
      case 33: return dup3(this, fd, a[1] | 0, 0, true);
      case 292: return dup3(this, fd, a[1] | 0, a[2] | 0, false);
      case 436: return this.closeRange(a[0] >>> 0, a[1] >>> 0, a[2] >>> 0);
      case 188: case 189: case 190: // setxattr, lsetxattr, fsetxattr
        return setxattr(this, xattrTarget(nr - 188, a[0]), a[1], a[2], unsigned(a[3]), a[4] | 0);
      case 191: case 192: case 193: // getxattr, lgetxattr, fgetxattr
        return getxattr(this, xattrTarget(nr - 191, a[0]), a[1], a[2], unsigned(a[3]));
      case 194: case 195: case 196: // listxattr, llistxattr, flistxattr
        return listxattr(this, xattrTarget(nr - 194, a[0]), a[1], unsigned(a[2]));
      case 197: case 198: case 199: // removexattr, lremovexattr, fremovexattr
        return removexattr(this, xattrTarget(nr - 197, a[0]), a[1]);
      case 16: return ioctl(this, fd);
      case 79: return getcwd(this, a[0], unsigned(a[1]));
      case 80: return chdir(this, a[0]);
      case 81: return fchdir(this, fd);
      case 95: { const old = this.umask; this.umask = a[0] & 0o777; return old; }
      case 83: return mkdirat(this, AT_FDCWD, a[0], a[1]);
      case 258: return mkdirat(this, fd, a[1], a[2]);
      case 87: return unlinkat(this, AT_FDCWD, a[0], 0);
      case 84: return unlinkat(this, AT_FDCWD, a[0], AT_REMOVEDIR);
      case 263: return unlinkat(this, fd, a[1], a[2] | 0);
      case 82: return renameat2(this, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
      case 264: return renameat2(this, fd, a[1], a[2] | 0, a[3], 0);
      case 316: return renameat2(this, fd, a[1], a[2] | 0, a[3], a[4] >>> 0);
      case 77: return ftruncate(this, fd, a[1]);
      case 76: return truncate(this, a[0], a[1]);
      case 285: return fallocate(this, fd, a[1] | 0, a[2], a[3]);
      case 221: return fadvise64(this, fd, a[1], a[2], a[3] | 0);
      case 187: return readahead(this, fd, a[1], unsigned(a[2]));
      case 319: return memfdCreate(this, a[0], a[1]);
      case 40: return sendfile(this, fd, a[1] | 0, a[2], unsigned(a[3]));
      case 326: return copyFileRange(this, fd, a[1], a[2] | 0, a[3], a[4], a[5] >>> 0);
      case 90: return fchmodat(this, AT_FDCWD, a[0], a[1], 0);          // chmod
      case 91: return fchmod(this, fd, a[1]);
      case 268: return fchmodat(this, fd, a[1], a[2], 0);
      case 452: return fchmodat(this, fd, a[1], a[2], a[3] | 0);        // fchmodat2
      case 92: return fchownat(this, AT_FDCWD, a[0], a[1] | 0, a[2] | 0, 0);                   // chown
      case 94: return fchownat(this, AT_FDCWD, a[0], a[1] | 0, a[2] | 0, AT_SYMLINK_NOFOLLOW); // lchown
      case 93: return fchown(this, fd, a[1] | 0, a[2] | 0);
      case 260: return fchownat(this, fd, a[1], a[2] | 0, a[3] | 0, a[4] | 0);
      case 280: return utimensat(this, fd, a[1], a[2], a[3] | 0);
      case 235: return futimesat(this, AT_FDCWD, a[0], a[1]);            // utimes
      case 261: return futimesat(this, fd, a[1], a[2]);
      case 132: return utime(this, a[0], a[1]);
      case 88: return symlinkat(this, a[0], AT_FDCWD, a[1]);            // symlink
      case 266: return symlinkat(this, a[0], a[1] | 0, a[2]);
      case 86: return linkat(this, AT_FDCWD, a[0], AT_FDCWD, a[1], 0);  // link
      case 265: return linkat(this, fd, a[1], a[2] | 0, a[3], a[4] | 0);
      case 133: return mknodat(this, AT_FDCWD, a[0], a[1]);             // mknod
      case 259: return mknodat(this, fd, a[1], a[2]);
      case 162: return 0;                                                // sync: nothing is dirty for a device
      case 74: case 75: return fsync(this, fd);                          // fsync, fdatasync
      case 306: return this.fds.get(fd) ? 0 : -EBADF;                    // syncfs
      case 277: return syncFileRange(this, fd, a[1], a[2], a[3] >>> 0);
      case 282: return signalfd4(this, fd, a[1], unsigned(a[2]), 0);    // signalfd
      case 289: return signalfd4(this, fd, a[1], unsigned(a[2]), a[3] | 0);
      case 284: return eventfd2(this, a[0], 0);                          // eventfd
      case 290: return eventfd2(this, a[0], a[1] | 0);
      case 213: return (a[0] | 0) <= 0 ? -EINVAL : epollCreate1(this, 0); // epoll_create
      case 291: return epollCreate1(this, a[0] | 0);
      case 233: return epollCtl(this, fd, a[1] | 0, a[2] | 0, a[3]);
      case 41: return socket(this, fd, a[1] | 0, a[2] | 0);
      case 53: return socketpair(this, fd, a[1] | 0, a[2] | 0, a[3]);
      case 49: return bind(this, fd, a[1], a[2] | 0);
      case 50: return listen(this, fd, a[1] | 0);
      case 43: return accept4(this, fd, a[1], a[2], 0);
      case 288: return accept4(this, fd, a[1], a[2], a[3] | 0);
      case 42: return connect(this, fd, a[1], a[2] | 0);
      case 51: return getsockname(this, fd, a[1], a[2], false);
      case 52: return getsockname(this, fd, a[1], a[2], true);
      case 44: return sendto(this, fd, a[1], unsigned(a[2]), a[3] >>> 0, a[4], a[5] | 0);
      case 45: return recvfrom(this, fd, a[1], unsigned(a[2]), a[3] >>> 0, a[4], a[5]);
      case 46: return sendmsg(this, fd, a[1], a[2] >>> 0);
      case 47: return recvmsg(this, fd, a[1], a[2] >>> 0);
      case 307: return sendmmsg(this, fd, a[1], a[2] >>> 0, a[3] >>> 0);
      case 299: return recvmmsg(this, fd, a[1], a[2] >>> 0, a[3] >>> 0, a[4]);
      case 48: return shutdown(this, fd, a[1] | 0);
      case 54: return setsockopt(this, fd, a[1] | 0, a[2] | 0, a[3], a[4] | 0);
      case 55: return getsockopt(this, fd, a[1] | 0, a[2] | 0, a[3], a[4]);
      case 73: return flock(this, fd, a[1] | 0);
      case 278: return vmsplice(this, fd, a[1], a[2], a[3] >>> 0);
      case 22: return pipe2(this, a[0], 0);
      case 293: return pipe2(this, a[0], a[1] | 0);
      default: return undefined;
    }
  }

  /**
   * Anonymous mmap(2): private memory by `noFile`; MAP_SHARED memory is an
   * unlinked tmpfs file (shmem_zero_setup), when there is a page cache.
   * @return the address or -errno.
   */
  mmapAnon(addr: number, len: number, prot: number, flags: number, noFile: (flags: number) => number): number {
    if ((flags & MAP_TYPE) !== MAP_SHARED || flags & MAP_HUGETLB || !this.cache) return noFile(flags);
    return this.cache.mmapSharedAnon(addr, len, prot, flags);
  }

  /**
   * mmap(2) of a descriptor: a regular file through the page cache,
   * /dev/zero as anonymous memory (as its mmap op makes it), anything else
   * ENODEV. `noFile` asks the kernel with no file (without a page cache,
   * a file's mapping too: EBADF). @return the address or -errno.
   */
  mmap(fd: number, addr: number, len: number, prot: number, flags: number, offset: number,
    noFile: (flags: number) => number): number {
    const f = this.fds.get(fd);
    if (!f || f.flags & O_PATH) return -EBADF;
    if (f.inode instanceof StreamInode && f.inode.rdev === 0x105) return this.mmapAnon(addr, len, prot, flags | MAP_ANONYMOUS, noFile);
    const kfile = this.cached.get(f);
    if (!this.cache) return noFile(flags);
    if (!f.data || kfile === undefined) return -ENODEV;
    // do_mmap: every file mapping needs the file open for reading.
    if (!f.readable) return -EACCES;
    return this.cache.mmap(kfile, addr, len, prot, flags, offset);
  }
}

/** filp_close: a close by `table` drops its POSIX locks on the file. */
/** The file of an xattr call: form 0 by path, 1 by path without following a last symlink (l-), 2 by fd (f-). */
function xattrTarget(form: number, arg: number): XattrTarget {
  return form === 2 ? { fd: arg | 0 } : { path: arg, follow: form === 0 };
}

function closeLocks(table: FdTable): (file: OpenFile) => void {
  return (file) => releasePosixLocks(table, file.inode);
}
