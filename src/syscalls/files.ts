// The file syscalls of one process: its fd table, its current directory
// and umask over the machine's namespace (src/fs). Each checks its
// arguments in Linux's order and fails with Linux's errno. Browser-safe.

import {
  FdTable, OpenFile, O_ACCMODE, O_APPEND, O_ASYNC, O_CLOEXEC, O_CREAT, O_DIRECT, O_DIRECTORY, O_EXCL, O_LARGEFILE,
  O_NOATIME, O_NOFOLLOW, O_NONBLOCK, O_PATH, O_RDONLY, O_TMPFILE, O_TRUNC, O_WRONLY,
} from "../fs/fdtable.js";
import { DirInode, Inode, RegularInode, S_IFIFO, S_IFMT, StreamInode, SymlinkInode } from "../fs/inode.js";
import { Namespace, type Found, type Loc } from "../fs/namespace.js";
import { TASK_SIZE, FMODE_READ, FMODE_WRITE } from "../abi.js";
import { PIPE_BUF, PipeInode } from "../fs/pipe.js";
import type { FileData } from "../fs/file_data.js";
import {
  EACCES, EBADF, EFAULT, EINVAL, EISDIR, ELOOP, ENAMETOOLONG, ENODEV, ENOENT, ENOMEM, ENOTDIR, ENOTTY, ERANGE, EROFS, ESPIPE,
  EEXIST, EAGAIN, EPIPE, ERESTARTSYS,
} from "./errno.js";

/** copy_from_user / copy_to_user: 0, or nonzero when the range faults. */
export interface FileUserMemory {
  copyFromUser(dst: Uint8Array, addr: number, len?: number): number;
  copyToUser(addr: number, src: Uint8Array): number;
}

export const AT_FDCWD = -100;
export const AT_SYMLINK_NOFOLLOW = 0x100;
export const AT_REMOVEDIR = 0x200;
export const AT_EACCESS = 0x200;
export const AT_SYMLINK_FOLLOW = 0x400;
export const AT_NO_AUTOMOUNT = 0x800;
export const AT_EMPTY_PATH = 0x1000;
const AT_STATX_SYNC_TYPE = 0x6000;
/** PATH_MAX, the terminating NUL included. */
const PATH_MAX = 4096;
/** MAX_RW_COUNT: the most one read/write moves (INT_MAX rounded down to a page). */
export const MAX_RW_COUNT = 0x7ffff000;
const UIO_MAXIOV = 1024;
/** A write hands the file at most this many bytes at a time. */
const WRITE_BATCH = 65536;
/** The highest offset a file may have (MAX_LFS_FILESIZE). */
const MAX_LFS_FILESIZE = 2 ** 63 - 1;

const F_DUPFD = 0, F_GETFD = 1, F_SETFD = 2, F_GETFL = 3, F_SETFL = 4, F_DUPFD_CLOEXEC = 1030;
const FD_CLOEXEC = 1;
/** The flags F_SETFL may change (SETFL_MASK). */
const SETFL_MASK = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;
/** Every flag open() knows (VALID_OPEN_FLAGS). */
const VALID_OPEN_FLAGS = 0o37777703;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

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
  /** ftruncate: the file's size and the kernel's i_size; 0 or -errno. */
  truncate(file: F, size: number): number;
}

export interface FileIo {
  /** fd 0: at most `max` more bytes, read when the guest reads (null or empty: end of file). */
  stdin(max: number): Uint8Array | null;
  stdout(bytes: Uint8Array): void;
  stderr(bytes: Uint8Array): void;
}

export class FileSyscalls {
  readonly fds: FdTable;
  cwd: Loc;
  umask = 0o022;
  /** Set when a call returned -ERESTARTSYS: true once it can go on (a pipe has bytes, or room). */
  waitFor: (() => boolean) | null = null;
  /** Bytes a blocking pipe write has written so far, across its restarts. */
  private pipeWritten = 0;

  /** Kernel files of the open regular files, by open file (when a page cache is given); fork's copy shares it. */
  private readonly cached: WeakMap<OpenFile, unknown>;

  /** `from`: fork's copy of a process's files (the same open files, cwd and umask); else fds 0-2 on `io`. */
  constructor(private readonly mem: FileUserMemory, readonly ns: Namespace, io: FileIo, cwd = "/", private readonly cache: FileCache | null = null,
    from?: FileSyscalls) {
    if (from) {
      this.fds = from.fds.clone();
      this.cwd = from.cwd;
      this.umask = from.umask;
      this.cached = from.cached;
      return;
    }
    this.fds = new FdTable();
    this.cached = new WeakMap();
    this.cwd = ns.startDir(cwd);
    // fds 0-2: the machine's stdin, stdout and stderr, as pipes (never terminals).
    // Bytes the reader gave that the guest has not taken yet; what a fault left unread stays for the next read.
    let rest: Uint8Array = new Uint8Array(0);
    let taken = 0;
    const stdin = new StreamInode(ns.ino(), S_IFIFO | 0o600, { dev: 0xe, readonly: false }, 0, (dst) => {
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
      new StreamInode(ns.ino(), S_IFIFO | 0o600, { dev: 0xe, readonly: false }, 0, () => 0, (src) => (out(src), src.length));
    this.fds.install(new OpenFile(stdin, O_RDONLY, null, null), false);
    this.fds.install(new OpenFile(sink(io.stdout), O_WRONLY, null, null), false);
    this.fds.install(new OpenFile(sink(io.stderr), O_WRONLY, null, null), false);
  }

  /** The syscall numbers handled here; each returns its result or -errno. */
  call(nr: number, a: number[]): number | undefined {
    const fd = a[0] | 0;
    switch (nr) {
      case 0: return this.read(fd, a[1], unsigned(a[2]), null);
      case 1: return this.write(fd, a[1], unsigned(a[2]), null);
      case 17: return this.read(fd, a[1], unsigned(a[2]), a[3]);   // pread64
      case 18: return this.write(fd, a[1], unsigned(a[2]), a[3]);  // pwrite64
      case 19: return this.vector(fd, a[1], a[2] | 0, null, false);  // readv
      case 20: return this.vector(fd, a[1], a[2] | 0, null, true);   // writev
      case 295: return this.vector(fd, a[1], a[2] | 0, a[3], false); // preadv
      case 296: return this.vector(fd, a[1], a[2] | 0, a[3], true);  // pwritev
      case 2: return this.openat(AT_FDCWD, a[0], a[1] | 0, a[2]);   // open
      case 85: return this.openat(AT_FDCWD, a[0], O_CREAT | O_WRONLY | O_TRUNC, a[1]); // creat
      case 257: return this.openat(fd, a[1], a[2] | 0, a[3]);
      case 3: return this.fds.close(fd) ? 0 : -EBADF;
      case 8: return this.lseek(fd, a[1], a[2] | 0);
      case 4: return this.fstatat(AT_FDCWD, a[0], a[1], 0);                     // stat
      case 6: return this.fstatat(AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW);   // lstat
      case 5: return this.fstat(fd, a[1]);
      case 262: return this.fstatat(fd, a[1], a[2], a[3] | 0);                    // newfstatat
      case 332: return this.statx(fd, a[1], a[2] | 0, a[3] >>> 0, a[4]);
      case 217: return this.getdents64(fd, a[1], a[2] >>> 0);
      case 89: return this.readlinkat(AT_FDCWD, a[0], a[1], a[2] | 0);
      case 267: return this.readlinkat(fd, a[1], a[2], a[3] | 0);
      case 21: return this.faccessat(AT_FDCWD, a[0], a[1] | 0, 0);
      case 269: return this.faccessat(fd, a[1], a[2] | 0, 0);
      case 439: return this.faccessat(fd, a[1], a[2] | 0, a[3] | 0);
      case 72: return this.fcntl(fd, a[1] | 0, a[2]);
      case 32: return this.dup(fd);
      case 33: return this.dup3(fd, a[1] | 0, 0, true);
      case 292: return this.dup3(fd, a[1] | 0, a[2] | 0, false);
      case 16: return this.ioctl(fd);
      case 79: return this.getcwd(a[0], unsigned(a[1]));
      case 80: return this.chdir(a[0]);
      case 81: return this.fchdir(fd);
      case 95: { const old = this.umask; this.umask = a[0] & 0o777; return old; }
      case 83: return this.mkdirat(AT_FDCWD, a[0], a[1]);
      case 258: return this.mkdirat(fd, a[1], a[2]);
      case 87: return this.unlinkat(AT_FDCWD, a[0], 0);
      case 84: return this.unlinkat(AT_FDCWD, a[0], AT_REMOVEDIR);
      case 263: return this.unlinkat(fd, a[1], a[2] | 0);
      case 82: return this.renameat2(AT_FDCWD, a[0], AT_FDCWD, a[1], 0);
      case 264: return this.renameat2(fd, a[1], a[2] | 0, a[3], 0);
      case 316: return this.renameat2(fd, a[1], a[2] | 0, a[3], a[4] >>> 0);
      case 77: return this.ftruncate(fd, a[1]);
      case 76: return this.truncate(a[0], a[1]);
      case 40: return this.sendfile(fd, a[1] | 0, a[2], unsigned(a[3]));
      case 22: return this.pipe2(a[0], 0);
      case 293: return this.pipe2(a[0], a[1] | 0);
      default: return undefined;
    }
  }

  // ─── names ─────────────────────────────────────────────────────────────────

  /** getname: the NUL-terminated path at `addr`, or -EFAULT / -ENAMETOOLONG / -ENOENT (empty, unless allowed). */
  getname(addr: number, allowEmpty = false): string | number {
    const bytes = new Uint8Array(PATH_MAX);
    let len = 0;
    while (len < PATH_MAX) {
      const n = Math.min(PATH_MAX - len, 4096 - ((addr + len) % 4096));
      const chunk = bytes.subarray(len, len + n);
      if (this.mem.copyFromUser(chunk, addr + len, n) !== 0) return -EFAULT;
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        len += nul;
        if (len === 0 && !allowEmpty) return -ENOENT;
        return decoder.decode(bytes.subarray(0, len));
      }
      len += n;
    }
    return -ENAMETOOLONG;
  }

  /** Where a relative path starts: the cwd or dirfd's directory (EBADF, ENOTDIR). */
  private base(dirfd: number, path: string): Loc | number {
    if (path.startsWith("/") || dirfd === AT_FDCWD) return this.cwd;
    const f = this.fds.get(dirfd);
    if (!f) return -EBADF;
    if (!f.loc) return -ENOTDIR;
    return f.loc;
  }

  /** getname + the walk, for the *at calls. */
  private lookup(dirfd: number, addr: number, follow: boolean): Found | number {
    const path = this.getname(addr);
    if (typeof path === "number") return path;
    const base = this.base(dirfd, path);
    if (typeof base === "number") return base;
    return this.ns.walk(base, path, follow);
  }

  /** An existing inode by path, or by dirfd alone with AT_EMPTY_PATH and "". */
  private lookupAt(dirfd: number, addr: number, flags: number): Inode | number {
    if (flags & AT_EMPTY_PATH) {
      const path = this.getname(addr, true);
      if (path === "") {
        if (dirfd === AT_FDCWD) return this.cwd[this.cwd.length - 1].dir;
        return this.fds.get(dirfd)?.inode ?? -EBADF;
      }
    }
    const f = this.lookup(dirfd, addr, !(flags & AT_SYMLINK_NOFOLLOW));
    if (typeof f === "number") return f;
    return f.node ?? -ENOENT;
  }

  // ─── open, close, dup, fcntl ─────────────────────────────────────────────

  private openat(dirfd: number, pathAddr: number, flags: number, mode: number): number {
    const path = this.getname(pathAddr);
    if (typeof path === "number") return path;
    // build_open_flags: unknown bits are ignored by open(); these combinations are not.
    flags &= VALID_OPEN_FLAGS;
    if ((flags & O_TMPFILE) === O_TMPFILE && (flags & O_CREAT)) return -EINVAL;
    if (flags & O_PATH) flags &= O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;
    if ((flags & O_CREAT) && (flags & O_DIRECTORY)) return -EINVAL;
    const base = this.base(dirfd, path);
    if (typeof base === "number") return base;
    const found = this.ns.walk(base, path, !(flags & O_NOFOLLOW) && !(flags & O_EXCL && flags & O_CREAT));
    if (typeof found === "number") return found;
    if (flags & O_TMPFILE & ~O_DIRECTORY) return found.node?.mount.readonly ? -EROFS : -EISDIR;
    let node = found.node;
    const acc = flags & O_ACCMODE;
    const wantsWrite = acc !== O_RDONLY || (flags & O_TRUNC) !== 0;
    if (!node) {
      if (!(flags & O_CREAT)) return -ENOENT;
      const made = this.ns.create(found, (mode & 0o7777) & ~this.umask);
      if (typeof made === "number") return made;
      node = made;
    } else {
      if ((flags & O_CREAT) && (flags & O_EXCL)) return -EEXIST;
      if (node instanceof SymlinkInode) return flags & O_PATH ? this.installNew(node, flags, null) : -ELOOP;
      if (node instanceof DirInode && ((flags & O_CREAT) || (!(flags & O_PATH) && acc !== O_RDONLY))) return -EISDIR;
      if ((flags & O_DIRECTORY) && !(node instanceof DirInode)) return -ENOTDIR;
      if (!(flags & O_PATH)) {
        // may_open: a read-only mount refuses writing its files (devices excepted); root passes permission bits.
        if (wantsWrite && node.mount.readonly && !(node instanceof StreamInode)) return node.mount.dev === 0x16 ? -EACCES : -EROFS;
        if (acc === 3) return -EINVAL;
      }
    }
    const fd = this.installNew(node, flags, found.loc);
    const file = this.fds.get(fd);
    if (file?.data?.truncate && flags & O_TRUNC && !(flags & O_PATH)) this.truncateFile(file, 0);
    return fd;
  }

  /** Sets a writable regular file's size, through the page cache when there is one (i_size follows). */
  private truncateFile(f: OpenFile, size: number): number {
    const kfile = this.cached.get(f);
    if (kfile !== undefined) return this.cache!.truncate(kfile, size);
    return f.data!.truncate!(size);
  }

  private installNew(node: Inode, flags: number, loc: Loc | null): number {
    const data = node instanceof RegularInode && !(flags & O_PATH) ? node.open() : null;
    const file = new OpenFile(node, (flags & ~O_CLOEXEC & ~O_CREAT & ~O_EXCL & ~O_TRUNC & ~0o400) | O_LARGEFILE, data,
      node instanceof DirInode ? loc : null);
    if (data && this.cache) {
      const mode = (file.readable ? FMODE_READ : 0) | (file.writable && data.write ? FMODE_WRITE : 0);
      const kfile = this.cache.open(data, mode);
      if (kfile === null) return -ENOMEM;
      this.cached.set(file, kfile);
      file.release = () => this.cache!.close(kfile);
    }
    const fd = this.fds.install(file, (flags & O_CLOEXEC) !== 0);
    if (fd < 0) file.release?.();
    return fd;
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
    if (f.inode instanceof StreamInode && f.inode.rdev === 0x105) return noFile(flags | 0x20);
    const kfile = this.cached.get(f);
    if (!this.cache) return noFile(flags);
    if (!f.data || kfile === undefined) return -ENODEV;
    // do_mmap: every file mapping needs the file open for reading.
    if (!f.readable) return -EACCES;
    return this.cache.mmap(kfile, addr, len, prot, flags, offset);
  }

  private dup(fd: number): number {
    const f = this.fds.get(fd);
    return f ? this.fds.install(f, false) : -EBADF;
  }

  private dup3(oldfd: number, newfd: number, flags: number, isDup2: boolean): number {
    if (!isDup2 && (flags & ~O_CLOEXEC)) return -EINVAL;
    if (!isDup2 && oldfd === newfd) return -EINVAL;
    const f = this.fds.get(oldfd);
    if (newfd < 0 || newfd >= 1024) return -EBADF;
    if (!f) return -EBADF;
    if (oldfd === newfd) return newfd;
    this.fds.installAt(newfd, f, (flags & O_CLOEXEC) !== 0);
    return newfd;
  }

  private fcntl(fd: number, cmd: number, arg: number): number {
    const f = this.fds.get(fd);
    if (!f) return -EBADF;
    switch (cmd) {
      case F_DUPFD:
      case F_DUPFD_CLOEXEC: {
        const min = unsigned(arg);
        if (min >= 1024) return -EINVAL;
        return this.fds.install(f, cmd === F_DUPFD_CLOEXEC, min);
      }
      case F_GETFD: return this.fds.isCloexec(fd) ? FD_CLOEXEC : 0;
      case F_SETFD: this.fds.setCloexec(fd, (arg & FD_CLOEXEC) !== 0); return 0;
      case F_GETFL: return f.flags;
      case F_SETFL:
        if (f.flags & O_PATH) return -EBADF;
        f.flags = (f.flags & ~SETFL_MASK) | (arg & SETFL_MASK);
        return 0;
      default: return -EINVAL;
    }
  }

  private ioctl(fd: number): number {
    const f = this.fds.get(fd);
    if (!f || f.flags & O_PATH) return -EBADF;
    return -ENOTTY; // no file here is a terminal
  }

  // ─── read and write ───────────────────────────────────────────────────────

  /** A readable open file, or -EBADF/-EISDIR/-EINVAL. */
  private readable(fd: number): OpenFile | number {
    const f = this.fds.get(fd);
    if (!f || !f.readable) return -EBADF;
    if (f.inode instanceof DirInode) return -EISDIR;
    return f;
  }

  /** read (at null: the file offset) and pread64. */
  private read(fd: number, buf: number, count: number, at: number | null): number {
    const f = this.readable(fd);
    if (typeof f === "number") return f;
    return this.readFile(f, buf, count, at);
  }

  /** Copies up to `count` bytes of `f` to user memory page by page: the count before the first fault, or -EFAULT. */
  private readFile(f: OpenFile, buf: number, count: number, at: number | null): number {
    const bad = rwCheck(f, buf, count, at);
    if (bad !== 0) return bad;
    const len = Math.min(count, MAX_RW_COUNT);
    if (f.inode instanceof PipeInode) return this.pipeRead(f, f.inode, buf, len);
    if (!f.data) return this.readStream(f.inode as StreamInode, buf, len);
    const kfile = this.cached.get(f);
    let pos = at ?? f.pos;
    let done = 0;
    let faulted = false;
    while (done < len) {
      const chunk = new Uint8Array(Math.min(len - done, 4096 - ((buf + done) % 4096)));
      const got = kfile !== undefined ? this.cache!.read(kfile, pos, chunk) : f.data.read(pos, chunk);
      if (got === 0) break;
      if (this.mem.copyToUser(buf + done, chunk.subarray(0, got)) !== 0) {
        faulted = true;
        break;
      }
      done += got;
      pos += got;
      if (got < chunk.length) break;
    }
    if (at === null) f.pos = pos;
    return done === 0 && faulted ? -EFAULT : done;
  }

  /**
   * A device or FIFO read: a FIFO (stdin) is asked once, for what it has
   * (it may be a terminal: asking again would wait); a memory device fills
   * the whole count. What a fault leaves uncopied goes back to the stream.
   */
  private readStream(inode: StreamInode, buf: number, len: number): number {
    let done = 0;
    while (done < len) {
      const chunk = new Uint8Array(Math.min(len - done, WRITE_BATCH));
      const got = inode.read(chunk);
      if (got <= 0) return done || got;
      let copied = 0;
      while (copied < got) {
        const n = Math.min(got - copied, 4096 - ((buf + done + copied) % 4096));
        if (this.mem.copyToUser(buf + done + copied, chunk.subarray(copied, copied + n)) !== 0) break;
        copied += n;
      }
      done += copied;
      if (copied < got) {
        inode.unread?.(got - copied);
        return done || -EFAULT;
      }
      if (inode.type === S_IFIFO) break;
    }
    return done;
  }

  private write(fd: number, buf: number, count: number, at: number | null): number {
    const f = this.fds.get(fd);
    if (!f || !f.writable) return -EBADF;
    return this.writeFile(f, buf, count, at);
  }

  /** Hands the file fresh buffers of at most WRITE_BATCH bytes (a stream's sink may keep them). */
  private writeFile(f: OpenFile, buf: number, count: number, at: number | null): number {
    const bad = rwCheck(f, buf, count, at);
    if (bad !== 0) return bad;
    const len = Math.min(count, MAX_RW_COUNT);
    if (f.inode instanceof PipeInode) return this.pipeWrite(f, f.inode, buf, len);
    const data = f.data;
    if (data && !data.write) return -EINVAL;
    let pos = at ?? (data && f.flags & O_APPEND ? data.size() : f.pos);
    let done = 0;
    while (done < len) {
      const batch = new Uint8Array(Math.min(len - done, WRITE_BATCH));
      let got = 0;
      while (got < batch.length) {
        const n = Math.min(batch.length - got, 4096 - ((buf + done + got) % 4096));
        if (this.mem.copyFromUser(batch.subarray(got, got + n), buf + done + got, n) !== 0) break;
        got += n;
      }
      if (got > 0) {
        const r = this.writeBytes(f, pos, batch.subarray(0, got));
        if (r < 0) return done || r;
        pos += r;
      }
      done += got;
      if (got < batch.length) break;
    }
    if (at === null && data) f.pos = pos;
    return done === 0 && len > 0 ? -EFAULT : done;
  }

  // ─── pipes ─────────────────────────────────────────────────────────────────

  /** pipe2: a read end and a write end, each an open file counted by the pipe. */
  private pipe2(fdsAddr: number, flags: number): number {
    if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -EINVAL;
    const pipe = new PipeInode(this.ns.ino());
    const end = (acc: number, count: "readers" | "writers") => {
      const f = new OpenFile(pipe, acc | (flags & (O_NONBLOCK | O_DIRECT)), null, null);
      pipe[count]++;
      f.release = () => void pipe[count]--;
      return f;
    };
    const r = end(O_RDONLY, "readers"), w = end(O_WRONLY, "writers");
    const rfd = this.fds.install(r, (flags & O_CLOEXEC) !== 0);
    if (rfd < 0) {
      r.release!(), w.release!();
      return rfd;
    }
    const wfd = this.fds.install(w, (flags & O_CLOEXEC) !== 0);
    if (wfd < 0) {
      this.fds.close(rfd), w.release!();
      return wfd;
    }
    const out = new Uint8Array(8);
    const v = new DataView(out.buffer);
    v.setInt32(0, rfd, true);
    v.setInt32(4, wfd, true);
    if (this.mem.copyToUser(fdsAddr, out) !== 0) {
      this.fds.close(rfd), this.fds.close(wfd);
      return -EFAULT;
    }
    return 0;
  }

  /** pipe_read: what the pipe holds, up to `len`; 0 once no writer is left; else -EAGAIN or a wait. */
  private pipeRead(f: OpenFile, pipe: PipeInode, buf: number, len: number): number {
    if (len === 0) return 0;
    if (pipe.used === 0) {
      if (pipe.writers === 0) return 0;
      if (f.flags & O_NONBLOCK) return -EAGAIN;
      return this.wait(() => pipe.used > 0 || pipe.writers === 0);
    }
    const bytes = new Uint8Array(Math.min(len, pipe.used));
    pipe.peek(bytes);
    let done = 0;
    while (done < bytes.length) {
      const n = Math.min(bytes.length - done, 4096 - ((buf + done) % 4096));
      if (this.mem.copyToUser(buf + done, bytes.subarray(done, done + n)) !== 0) break;
      done += n;
    }
    pipe.consume(done);
    return done || -EFAULT;
  }

  /**
   * pipe_write: a write of at most PIPE_BUF bytes goes in whole or waits;
   * a longer one fills what room there is and waits for more. No reader
   * left: -EPIPE (the caller sends SIGPIPE), or the count written before.
   */
  private pipeWrite(f: OpenFile, pipe: PipeInode, buf: number, len: number): number {
    let done = this.pipeWritten;
    this.pipeWritten = 0;
    for (;;) {
      if (pipe.readers === 0) return done || -EPIPE;
      const left = len - done;
      if (left === 0) return done;
      const room = pipe.space;
      if (room === 0 || (left <= PIPE_BUF && room < left)) {
        if (f.flags & O_NONBLOCK) return done || -EAGAIN;
        this.pipeWritten = done;
        return this.wait(() => pipe.space >= Math.min(left, PIPE_BUF) || pipe.readers === 0);
      }
      const bytes = new Uint8Array(Math.min(left, room));
      let got = 0;
      while (got < bytes.length) {
        const n = Math.min(bytes.length - got, 4096 - ((buf + done + got) % 4096));
        if (this.mem.copyFromUser(bytes.subarray(got, got + n), buf + done + got, n) !== 0) break;
        got += n;
      }
      pipe.write(bytes.subarray(0, got));
      done += got;
      if (got < bytes.length) return done || -EFAULT;
    }
  }

  /** The task sleeps until `ready` (the syscall then runs again). */
  private wait(ready: () => boolean): number {
    this.waitFor = ready;
    return -ERESTARTSYS;
  }

  /** Bytes from the kernel side to `f` at `pos` (a stream ignores it): through the page cache when the file is in it. */
  private writeBytes(f: OpenFile, pos: number, bytes: Uint8Array): number {
    const kfile = this.cached.get(f);
    if (kfile !== undefined) return this.cache!.write(kfile, pos, bytes);
    return f.data ? f.data.write!(pos, bytes) : (f.inode as StreamInode).write(bytes);
  }

  /**
   * sendfile: do_sendfile's checks in Linux's order, then the bytes go from
   * `in`'s page cache to `out` without passing through user memory.
   */
  private sendfile(outFd: number, inFd: number, offsetAddr: number, count: number): number {
    const src = this.fds.get(inFd);
    if (!src || !src.readable) return -EBADF;
    let pos = src.pos;
    const offset = new Uint8Array(8);
    if (offsetAddr !== 0) {
      if (this.mem.copyFromUser(offset, offsetAddr, 8) !== 0) return -EFAULT;
      pos = Number(new DataView(offset.buffer).getBigInt64(0, true));
      if (!src.data) return -ESPIPE;
      if (pos < 0) return -EINVAL;
    }
    const dst = this.fds.get(outFd);
    if (!dst || !dst.writable) return -EBADF;
    if (dst.flags & O_APPEND) return -EINVAL;
    if (dst.data && !dst.data.write) return -EINVAL;
    if (!src.data || src.inode instanceof DirInode) return -EINVAL;   // only a file's pages can be spliced here
    const len = Math.min(count, MAX_RW_COUNT);
    const kfile = this.cached.get(src);
    let done = 0;
    while (done < len) {
      const chunk = new Uint8Array(Math.min(len - done, WRITE_BATCH));
      const got = kfile !== undefined ? this.cache!.read(kfile, pos, chunk) : src.data.read(pos, chunk);
      if (got === 0) break;
      const r = this.writeBytes(dst, dst.pos, chunk.subarray(0, got));
      if (r < 0) {
        if (done === 0) return r;
        break;
      }
      if (dst.data) dst.pos += r;
      done += r;
      pos += r;
      if (r < got) break;
    }
    if (offsetAddr !== 0) {
      new DataView(offset.buffer).setBigInt64(0, BigInt(pos), true);
      if (this.mem.copyToUser(offsetAddr, offset) !== 0) return -EFAULT;
    } else src.pos = pos;
    return done;
  }

  /** readv/writev/preadv/pwritev: rw_copy_check_uvector, then each piece in turn. */
  private vector(fd: number, iov: number, iovcnt: number, pos: number | null, writing: boolean): number {
    const f = writing ? this.fds.get(fd) : this.readable(fd);
    if (typeof f === "number") return f;
    if (!f || (writing && !f.writable)) return -EBADF;
    if (iovcnt < 0 || iovcnt > UIO_MAXIOV) return -EINVAL;
    const vec = new Uint8Array(16 * iovcnt);
    if (this.mem.copyFromUser(vec, iov, vec.length) !== 0) return -EFAULT;
    const v = new DataView(vec.buffer);
    const parts: [number, number][] = [];
    let total = 0;
    for (let i = 0; i < iovcnt; i++) {
      const base = v.getUint32(16 * i + 4, true) * 0x1_0000_0000 + v.getUint32(16 * i, true);
      const len = v.getUint32(16 * i + 12, true) * 0x1_0000_0000 + v.getUint32(16 * i + 8, true);
      // A negative ssize_t length or a total past it is EINVAL.
      if (len >= 2 ** 63 || (total += len) >= 2 ** 63) return -EINVAL;
      parts.push([base, len]);
    }
    if (pos !== null && pos < 0) return -EINVAL;
    let done = 0;
    for (const [base, len] of parts) {
      if (len === 0) continue;
      const n = Math.min(len, MAX_RW_COUNT - done);
      const at = pos === null ? null : pos + done;
      const r = writing ? this.writeFile(f, base, n, at) : this.readFile(f, base, n, at);
      if (r < 0) return done > 0 ? done : r;
      done += r;
      if (r < len || done >= MAX_RW_COUNT) break;
    }
    return done;
  }

  private lseek(fd: number, offset: number, whence: number): number {
    const f = this.fds.get(fd);
    if (!f || f.flags & O_PATH) return -EBADF;
    if (f.inode.type === S_IFIFO) return -ESPIPE;
    if (f.inode instanceof StreamInode) return 0; // the memory devices: noop_llseek at 0
    let next: number;
    const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
    const size = f.data ? f.data.size() : 0;
    switch (whence) {
      case SEEK_SET: next = offset; break;
      case SEEK_CUR: next = f.pos + offset; break;
      case SEEK_END: next = size + offset; break;
      case SEEK_DATA:
      case SEEK_HOLE:
        if (!f.data) return -EINVAL;
        if (offset < 0 || offset >= size) return -6; // ENXIO
        next = whence === SEEK_DATA ? offset : size;
        break;
      default: return -EINVAL;
    }
    if (next < 0 || next > MAX_LFS_FILESIZE) return -EINVAL;
    f.pos = next;
    return next;
  }

  // ─── stat ─────────────────────────────────────────────────────────────────

  private fstat(fd: number, buf: number): number {
    const f = this.fds.get(fd);
    if (!f) return -EBADF;
    return this.mem.copyToUser(buf, statBytes(f.inode)) === 0 ? 0 : -EFAULT;
  }

  private fstatat(dirfd: number, pathAddr: number, buf: number, flags: number): number {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH)) return -EINVAL;
    const node = this.lookupAt(dirfd, pathAddr, flags);
    if (typeof node === "number") return node;
    return this.mem.copyToUser(buf, statBytes(node)) === 0 ? 0 : -EFAULT;
  }

  private statx(dirfd: number, pathAddr: number, flags: number, mask: number, buf: number): number {
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) return -EINVAL;
    if ((flags & AT_STATX_SYNC_TYPE) === AT_STATX_SYNC_TYPE) return -EINVAL;
    if (mask & 0x80000000) return -EINVAL; // STATX__RESERVED
    const node = this.lookupAt(dirfd, pathAddr, flags);
    if (typeof node === "number") return node;
    return this.mem.copyToUser(buf, statxBytes(node)) === 0 ? 0 : -EFAULT;
  }

  private getdents64(fd: number, buf: number, count: number): number {
    const f = this.fds.get(fd);
    if (!f || f.flags & O_PATH) return -EBADF;
    if (!(f.inode instanceof DirInode) || !f.loc) return -ENOTDIR;
    const dir = f.inode;
    const loc = f.loc;
    const names = [".", "..", ...dir.names()];
    const parent = loc.length > 1 ? loc[loc.length - 2].dir : dir;
    const out = new Uint8Array(Math.min(count, 1 << 20));
    const view = new DataView(out.buffer);
    let used = 0;
    let i = f.pos;
    for (; i < names.length; i++) {
      const name = encoder.encode(names[i]);
      const node = i === 0 ? dir : i === 1 ? parent : dir.lookup(names[i]);
      if (!node) continue;
      const reclen = (19 + name.length + 1 + 7) & ~7;
      if (used + reclen > out.length) {
        if (used === 0) return -EINVAL;
        break;
      }
      view.setUint32(used, node.ino, true);
      view.setUint32(used + 8, i + 1, true);
      view.setUint16(used + 16, reclen, true);
      out[used + 18] = DT[(node.mode & S_IFMT) >> 12] ?? 0;
      out.set(name, used + 19);
      used += reclen;
    }
    if (used && this.mem.copyToUser(buf, out.subarray(0, used)) !== 0) return -EFAULT;
    f.pos = i;
    return used;
  }

  private readlinkat(dirfd: number, pathAddr: number, buf: number, size: number): number {
    const path = this.getname(pathAddr, true);
    if (typeof path === "number") return path;
    if (size <= 0) return -EINVAL;
    const node = path === "" ? (dirfd === AT_FDCWD ? -ENOENT : this.fds.get(dirfd)?.inode ?? -EBADF) : this.lookupAt(dirfd, pathAddr, AT_SYMLINK_NOFOLLOW);
    if (typeof node === "number") return node;
    if (!(node instanceof SymlinkInode)) return path === "" ? -ENOENT : -EINVAL;
    const target = encoder.encode(node.target()).subarray(0, size);
    return this.mem.copyToUser(buf, target) === 0 ? target.length : -EFAULT;
  }

  private faccessat(dirfd: number, pathAddr: number, mode: number, flags: number): number {
    if (mode & ~7) return -EINVAL;
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH)) return -EINVAL;
    const node = this.lookupAt(dirfd, pathAddr, flags);
    if (typeof node === "number") return node;
    const W_OK = 2, X_OK = 1;
    // Root: any bit but execute passes; execute needs one x bit on a non-directory.
    if (mode & X_OK && !(node instanceof DirInode) && !(node.mode & 0o111)) return -EACCES;
    if (mode & W_OK && node.mount.readonly && !(node instanceof StreamInode)) return -EROFS;
    return 0;
  }

  // ─── the current directory ───────────────────────────────────────────────

  private getcwd(buf: number, size: number): number {
    const path = encoder.encode(Namespace.path(this.cwd) + "\0");
    if (size < path.length) return -ERANGE;
    return this.mem.copyToUser(buf, path) === 0 ? path.length : -EFAULT;
  }

  private chdir(pathAddr: number): number {
    const f = this.lookup(AT_FDCWD, pathAddr, true);
    if (typeof f === "number") return f;
    if (!f.node) return -ENOENT;
    if (!f.loc) return -ENOTDIR;
    this.cwd = f.loc;
    return 0;
  }

  private fchdir(fd: number): number {
    const f = this.fds.get(fd);
    if (!f) return -EBADF;
    if (!f.loc) return -ENOTDIR;
    this.cwd = f.loc;
    return 0;
  }

  // ─── changing the namespace (tmpfs) ───────────────────────────────────────

  private mkdirat(dirfd: number, pathAddr: number, mode: number): number {
    const f = this.lookup(dirfd, pathAddr, false);
    if (typeof f === "number") return f;
    return this.ns.mkdir(f, (mode & 0o7777) & ~this.umask);
  }

  private unlinkat(dirfd: number, pathAddr: number, flags: number): number {
    if (flags & ~AT_REMOVEDIR) return -EINVAL;
    const f = this.lookup(dirfd, pathAddr, false);
    if (typeof f === "number") return f;
    return this.ns.remove(f, (flags & AT_REMOVEDIR) !== 0);
  }

  private renameat2(olddirfd: number, oldAddr: number, newdirfd: number, newAddr: number, flags: number): number {
    const RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
    if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL;
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) return -EINVAL;
    if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT)) return -EINVAL; // not offered by this tmpfs
    const from = this.lookup(olddirfd, oldAddr, false);
    if (typeof from === "number") return from;
    const to = this.lookup(newdirfd, newAddr, false);
    if (typeof to === "number") return to;
    return this.ns.rename(from, to, (flags & RENAME_NOREPLACE) !== 0);
  }

  private ftruncate(fd: number, length: number): number {
    const f = this.fds.get(fd);
    if (!f || f.flags & O_PATH) return -EBADF;
    if (length < 0) return -EINVAL;
    if (!(f.inode instanceof RegularInode) || !f.writable) return -EINVAL;
    if (!f.data?.truncate) return -EROFS;
    return this.truncateFile(f, length);
  }

  private truncate(pathAddr: number, length: number): number {
    const f = this.lookup(AT_FDCWD, pathAddr, true);
    if (typeof f === "number") return f;
    if (length < 0) return -EINVAL;
    const node = f.node;
    if (!node) return -ENOENT;
    if (node instanceof DirInode) return -EISDIR;
    if (!(node instanceof RegularInode)) return -EINVAL;
    if (node.mount.readonly) return -EROFS;
    // As an open for writing, ftruncate and close.
    const file = new OpenFile(node, O_WRONLY, node.open(), null);
    const kfile = this.cache?.open(file.data!, FMODE_WRITE);
    if (kfile === null) return -ENOMEM;
    if (kfile !== undefined) this.cached.set(file, kfile);
    const err = this.truncateFile(file, length);
    if (kfile !== undefined) this.cache!.close(kfile);
    return err;
  }
}

/** The checks read and write share: a position only on a file that has one; access_ok on the buffer. */
function rwCheck(f: OpenFile, buf: number, count: number, at: number | null): number {
  if (at !== null) {
    if (at < 0) return -EINVAL;
    if (!f.data) return -ESPIPE;
  }
  if (count > 0 && (buf < 0 || buf + count > TASK_SIZE)) return -EFAULT;
  return 0;
}

/** d_type by the mode's S_IFMT >> 12 (DT_FIFO 1, DT_CHR 2, DT_DIR 4, DT_REG 8, DT_LNK 10). */
const DT: Record<number, number> = { 1: 1, 2: 2, 4: 4, 8: 8, 10: 10 };

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
  u64(40, node.rdev);
  u64(48, size);
  u64(56, 4096);
  u64(64, Math.ceil(size / 4096) * 8);
  u64(72, node.mtime);
  u64(88, node.mtime);
  u64(104, node.mtime);
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
  v.setUint16(28, node.mode, true);
  for (const [to, from] of [[32, 8], [40, 48], [48, 64]]) {
    v.setUint32(to, st.getUint32(from, true), true);
    v.setUint32(to + 4, st.getUint32(from + 4, true), true);
  }
  for (const at of [64, 96, 112]) v.setUint32(at, node.mtime >>> 0, true);
  v.setUint32(128, node.rdev >> 8, true);
  v.setUint32(132, node.rdev & 0xff, true);
  v.setUint32(136, node.mount.dev >> 8, true);
  v.setUint32(140, node.mount.dev & 0xff, true);
  v.setUint32(144, node.mount.dev, true); // stx_mnt_id: one mount per file system here
  return out;
}

/** A register's signed value read as unsigned (exact below 2^53). */
export function unsigned(v: number): number {
  return v < 0 ? v + 2 ** 64 : v;
}
