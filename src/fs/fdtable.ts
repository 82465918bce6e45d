// A process's file descriptors: each refers to an open file (an inode, its
// access flags, its offset), which dup and (later) fork share, as Linux's
// struct file is shared. Close-on-exec is per descriptor. Browser-safe.

import type { FileData } from "./file_data.js";
import type { Inode } from "./inode.js";
import type { Loc } from "./namespace.js";

export const O_ACCMODE = 3;
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_NOCTTY = 0o400;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_DSYNC = 0o10000;
export const O_ASYNC = 0o20000;
export const O_DIRECT = 0o40000;
export const O_LARGEFILE = 0o100000;
export const O_DIRECTORY = 0o200000;
export const O_NOFOLLOW = 0o400000;
export const O_NOATIME = 0o1000000;
export const O_CLOEXEC = 0o2000000;
export const O_PATH = 0o10000000;
export const O_TMPFILE = 0o20000000;

/** RLIMIT_NOFILE's soft limit a process starts with. */
export const NR_OPEN_DEFAULT = 1024;

/** One open file (Linux's struct file). */
export class OpenFile {
  /** The file offset (f_pos); for a directory, the next entry getdents64 gives. */
  pos = 0;
  /** Descriptors referring to it (dup and fork share it); at 0, `release` runs. */
  refs = 0;
  /** Runs when the last descriptor goes (the kernel's file is put). */
  release: (() => void) | null = null;
  /** The path it was opened by (f_path, as d_path prints it); null for a file with no name (a pipe, a socket…). */
  path: string | null = null;
  constructor(
    readonly inode: Inode,
    /** The open flags, O_CLOEXEC excluded (f_flags). */
    public flags: number,
    /** A regular file's bytes; null for other kinds. */
    readonly data: FileData | null,
    /** A directory's location (fchdir, getdents64's ".."). */
    readonly loc: Loc | null,
  ) {}
  get readable(): boolean {
    return (this.flags & O_PATH) === 0 && (this.flags & O_ACCMODE) !== O_WRONLY;
  }
  get writable(): boolean {
    const acc = this.flags & O_ACCMODE;
    return (this.flags & O_PATH) === 0 && (acc === O_WRONLY || acc === O_RDWR);
  }
}

export class FdTable {
  private readonly files: (OpenFile | undefined)[] = [];
  private readonly cloexec: boolean[] = [];
  /** Runs at every close of a descriptor (filp_close: the table's POSIX locks on its file go). */
  onClose: ((file: OpenFile) => void) | null = null;
  /** The caller's RLIMIT_NOFILE soft limit: descriptors are below it. */
  nofile: () => number = () => NR_OPEN_DEFAULT;
  /**
   * fdt->max_fds, /proc/<pid>/status's FDSize: the table starts with
   * BITS_PER_LONG slots and grows to the power of two holding a descriptor
   * put past its end (expand_fdtable); it never shrinks.
   */
  maxFds = 64;
  /** The tasks using this table (CLONE_FILES shares it; exit and close_range's unshare leave it). */
  users = 1;

  get(fd: number): OpenFile | undefined {
    return fd >= 0 ? this.files[fd] : undefined;
  }

  /** The lowest free descriptor at or above `min`, or -EMFILE. */
  install(file: OpenFile, cloexec: boolean, min = 0): number {
    let fd = min;
    while (this.files[fd]) fd++;
    if (fd >= this.nofile()) return -24; // EMFILE
    this.installAt(fd, file, cloexec);
    return fd;
  }

  /** Puts `file` at `fd`, closing what was there (dup2). */
  installAt(fd: number, file: OpenFile, cloexec: boolean): void {
    if (fd >= this.maxFds) this.maxFds = 2 ** Math.ceil(Math.log2(fd + 1));
    file.refs++;
    this.close(fd);
    this.files[fd] = file;
    this.cloexec[fd] = cloexec;
  }

  /** @return false when fd was not open. */
  close(fd: number): boolean {
    const file = this.get(fd);
    if (!file) return false;
    this.files[fd] = undefined;
    this.cloexec[fd] = false;
    this.onClose?.(file);
    if (--file.refs === 0) file.release?.();
    return true;
  }

  /** The process ends: every descriptor closes. */
  closeAll(): void {
    this.files.forEach((_, fd) => this.close(fd));
  }

  /** The open descriptors, lowest first (/proc/<pid>/fd lists them so). */
  open(): number[] {
    const fds: number[] = [];
    this.files.forEach((f, fd) => f && fds.push(fd));
    return fds;
  }

  isCloexec(fd: number): boolean {
    return this.cloexec[fd] === true;
  }

  setCloexec(fd: number, on: boolean): void {
    this.cloexec[fd] = on;
  }

  /** fork's copy (dup_fd): the same open files (shared offsets and flags), the same close-on-exec bits, a table just big enough for them. */
  clone(): FdTable {
    const t = new FdTable();
    this.files.forEach((f, fd) => f && t.installAt(fd, f, this.cloexec[fd]));
    return t;
  }

  /** execve: descriptors marked close-on-exec go. */
  closeOnExec(): void {
    this.files.forEach((_, fd) => this.cloexec[fd] && this.close(fd));
  }
}
