// The guest's files: one Inode class per kind Linux's VFS tells apart
// (regular, directory, symbolic link, character device, FIFO), each on a
// mount that says whether it can be written. Browser-safe.

import type { FileData } from "./file_data.js";

export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

/** A file system instance: st_dev, its type (/proc/mounts) and magic (statfs's f_type), and whether it is mounted read-only. */
export interface Mount {
  readonly dev: number;
  readonly readonly: boolean;
  readonly type: string;
  readonly magic: number;
  /** Its root directory: rmdir and rename refuse it (EBUSY). */
  root?: DirInode;
}

export abstract class Inode {
  /** st_atime and st_ctime in seconds (st_mtime is mtime); nsec: the three times' nanoseconds [atime, mtime, ctime]. */
  atime: number;
  ctime: number;
  readonly nsec = [0, 0, 0];
  uid = 0;
  gid = 0;
  /** A non-directory's names (link adds one, unlink takes one away). */
  links = 1;
  /** Its extended attributes, by name: a tmpfs inode's (simple_xattrs); the other file systems here keep none. */
  xattrs?: Map<string, Uint8Array>;
  constructor(readonly ino: number, public mode: number, readonly mount: Mount, public mtime: number) {
    this.atime = this.ctime = mtime;
  }
  get type(): number {
    return this.mode & S_IFMT;
  }
  /** st_rdev: major << 8 | minor (small numbers, as the old encoding has them). */
  get rdev(): number {
    return 0;
  }
  get nlink(): number {
    return this.links;
  }
  size(): number {
    return 0;
  }
  /** st_blocks, in 512-byte units: the pages its size takes. */
  blocks(): number {
    return Math.ceil(this.size() / 4096) * 8;
  }
  /**
   * The name d_path gives a file with no path of its own (its file
   * system's d_dname): a pipe's "pipe:[ino]", a socket's "socket:[ino]";
   * null for a file found by path.
   */
  dname(): string | null {
    if (this.mount.type === "pipefs") return `pipe:[${this.ino}]`;
    if (this.mount.type === "sockfs") return `socket:[${this.ino}]`;
    return null;
  }
}

/** A regular file. `open` gives the bytes an open file reads: the same FileData each time, or (/proc) a fresh snapshot. */
export class RegularInode extends Inode {
  /** A tmpfs file: its last name went (unlink, rename over it); its data go once no open file or mapping holds it. */
  unlinked?: () => void;
  /** A /proc or sysfs knob: its write handler, called at write time with the bytes and position (proc_sys_write, kernfs's store). */
  store?: (pos: number, bytes: Uint8Array) => number;
  /** Root too is held to its mode's owner bits at open (proc_sys_permission, kernfs_fop_open): a /proc/sys or sysfs file. */
  strictMode?: boolean;
  /** st_blocks when it is not the pages its size takes (tmpfs: the pages it holds). */
  statBlocks?: () => number;
  /** A /proc file whose open can fail (proc_mem_open): 0, or the -errno the open returns. */
  openError?: () => number;
  constructor(ino: number, perm: number, mount: Mount, mtime: number, readonly open: () => FileData, private readonly statSize: () => number) {
    super(ino, S_IFREG | perm, mount, mtime);
  }
  override size(): number {
    return this.statSize();
  }
  override blocks(): number {
    return this.statBlocks?.() ?? super.blocks();
  }
}

export abstract class DirInode extends Inode {
  constructor(ino: number, perm: number, mount: Mount, mtime: number) {
    super(ino, S_IFDIR | perm, mount, mtime);
  }
  abstract lookup(name: string): Inode | null;
  /**
   * Whether a lookup of `name` finds its dentry in the dentry cache, as RESOLVE_CACHED asks (a miss
   * would go to the file system): yes for the trees held in memory, tmpfs aside.
   */
  cached(_name: string): boolean {
    return true;
  }
  /** The entries in the order getdents64 lists them ("." and ".." come first, from the caller). */
  abstract names(): string[];
  override get nlink(): number {
    return 2;
  }
}

/** A directory holding its entries in a map, listed in insertion order (/dev, /proc, and tmpfs's below). */
export class MapDir extends DirInode {
  readonly entries = new Map<string, Inode>();
  lookup(name: string): Inode | null {
    return this.entries.get(name) ?? null;
  }
  names(): string[] {
    return [...this.entries.keys()];
  }
}

/** A tmpfs directory: entries listed in creation order, as Linux 6.6+ tmpfs (simple_offset) lists them. */
export class TmpfsDir extends MapDir {
  override get nlink(): number {
    let n = 2;
    for (const e of this.entries.values()) if (e instanceof DirInode) n++;
    return n;
  }
  /** tmpfs keeps no negative dentries (simple_lookup's always_delete_dentry): a name it has not is a miss. */
  override cached(name: string): boolean {
    return this.entries.has(name);
  }
  /** shmem's BOGO_DIRENT_SIZE (20) per entry, "." and ".." included. */
  override size(): number {
    return 20 * (this.entries.size + 2);
  }
}

/** Where a magic link leads: the inode, and for a directory its location (a Loc: src/fs/namespace.ts). */
export interface Jump {
  node: Inode;
  loc?: readonly { name: string; dir: DirInode }[] | null;
}

export class SymlinkInode extends Inode {
  /** `jump`: a magic link (/proc/self/exe, /proc/self/fd/N), which reaches its inode directly rather than by its target's path. */
  constructor(ino: number, mount: Mount, mtime: number, readonly target: () => string, readonly jump?: () => Jump | null) {
    super(ino, S_IFLNK | 0o777, mount, mtime);
  }
  override size(): number {
    return new TextEncoder().encode(this.target()).length;
  }
}

/** A byte stream: a character device (/dev/null…) or a FIFO (the machine's stdin, stdout, stderr). */
export class StreamInode extends Inode {
  constructor(
    ino: number,
    mode: number,
    mount: Mount,
    private readonly device: number,
    /** Fills `dst`; returns how many (0: end of file) or -errno. */
    readonly read: (dst: Uint8Array) => number,
    /** Takes `src`; returns how many or -errno. */
    readonly write: (src: Uint8Array) => number,
  ) {
    super(ino, mode, mount, 0);
  }
  /** Gives back the last `n` bytes read, which the reader could not take (a fault copying them out). */
  unread?: (n: number) => void;
  override get rdev(): number {
    return this.device;
  }
}
