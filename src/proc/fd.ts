// fs/proc/fd.c: /proc/<pid>/fd, a magic link per open descriptor named as
// d_path names its file, which opens that file again; and
// /proc/<pid>/fdinfo, each descriptor's position, flags, mount and inode
// and what its file's show_fdinfo adds. Browser-safe.

import { OpsInode } from "../fs/anon.js";
import { O_ACCMODE, O_CLOEXEC, O_PATH, O_RDONLY, O_WRONLY, type FdTable, type OpenFile } from "../fs/fdtable.js";
import { DirInode, type Inode, type Mount, RegularInode, S_IFLNK, SymlinkInode } from "../fs/inode.js";
import { bytesFile } from "../fs/pagecache.js";

/** What the fd directories need of the namespace. */
export interface ProcFdOptions {
  procfs: Mount;
  ino(): number;
  now(): number;
  /** The task's fd table, or null once it has none (exit_files: a zombie). */
  files(): FdTable | null;
  /** A mount's id (mnt_id). */
  mountId(mount: Mount): number;
}

/** d_path of an open file: its file system's name for it (a pipe, a socket, an anon inode), else its path, " (deleted)" once that name is gone. */
export function fileDPath(f: OpenFile): string {
  const name = f.inode.dname();
  if (name !== null) return name;
  const loc = f.loc;
  const gone = loc ? loc.length > 1 && loc[loc.length - 2].dir.lookup(loc[loc.length - 1].name) !== f.inode : f.inode.links === 0;
  return (f.path ?? "") + (gone ? " (deleted)" : "");
}

/** seq_show: /proc/<pid>/fdinfo/N. */
export function seq_show(f: OpenFile, cloexec: boolean, mntId: number): string {
  const flags = f.flags | (cloexec ? O_CLOEXEC : 0);
  return `pos:\t${f.pos}\nflags:\t0${flags.toString(8)}\nmnt_id:\t${mntId}\nino:\t${f.inode.ino}\n`
    + (f.inode instanceof OpsInode ? f.inode.showFdinfo(f) : "");
}

/** A descriptor's link: its mode says how the file is open (tid_fd_update_inode), its size is 64 and it takes no blocks, as Linux's. */
class FdLink extends SymlinkInode {
  override size(): number {
    return 64;
  }
  override blocks(): number {
    return 0;
  }
}

/**
 * A directory of one entry per open descriptor (proc_readfd_common): each
 * entry stays the same inode while its descriptor names the same file
 * (tid_fd_revalidate), and is made anew once it names another.
 */
abstract class FdDir extends DirInode {
  private readonly entries = new Map<number, { file: OpenFile; node: Inode }>();
  constructor(protected readonly o: ProcFdOptions, perm: number) {
    super(o.ino(), perm, o.procfs, o.now());
  }
  protected abstract make(fd: number, file: OpenFile): Inode;
  lookup(name: string): Inode | null {
    if (!/^(0|[1-9]\d*)$/.test(name)) return null;
    const fd = Number(name);
    const file = this.o.files()?.get(fd);
    if (!file) return null;
    const known = this.entries.get(fd);
    if (known?.file === file) return known.node;
    const node = this.make(fd, file);
    this.entries.set(fd, { file, node });
    return node;
  }
  names(): string[] {
    return (this.o.files()?.open() ?? []).map(String);
  }
}

/** /proc/<pid>/fd: dr-x------, its size the number of open descriptors (proc_fd_getattr). */
class ProcFdDir extends FdDir {
  constructor(o: ProcFdOptions) {
    super(o, 0o500);
  }
  protected make(fd: number, file: OpenFile): Inode {
    // proc_fd_link: the file the descriptor names now; ENOENT once it is closed.
    const now = () => this.o.files()?.get(fd) ?? null;
    const link = new FdLink(this.o.ino(), this.o.procfs, this.o.now(), () => {
      const f = now();
      return f ? fileDPath(f) : "";
    }, () => {
      const f = now();
      return f ? { node: f.inode, loc: f.loc } : null;
    });
    const acc = file.flags & O_ACCMODE;
    const read = !(file.flags & O_PATH) && acc !== O_WRONLY, write = !(file.flags & O_PATH) && acc !== O_RDONLY;
    link.mode = S_IFLNK | (read ? 0o500 : 0) | (write ? 0o300 : 0);
    return link;
  }
  override size(): number {
    return this.names().length;
  }
}

/** /proc/<pid>/fdinfo: dr-xr-xr-x, a file of each descriptor's seq_show, read anew at each open. */
class ProcFdinfoDir extends FdDir {
  constructor(o: ProcFdOptions) {
    super(o, 0o555);
  }
  protected make(fd: number): Inode {
    const text = () => {
      const t = this.o.files(), f = t?.get(fd);
      return f ? seq_show(f, t!.isCloexec(fd), this.o.mountId(f.inode.mount)) : "";
    };
    return new RegularInode(this.o.ino(), 0o444, this.o.procfs, this.o.now(), () => ({ ...bytesFile(new TextEncoder().encode(text())), noSplice: true }), () => 0);
  }
  override size(): number {
    return 0;
  }
}

/** A task's fd and fdinfo directories. */
export function procFdDirs(o: ProcFdOptions): { fd: DirInode; fdinfo: DirInode } {
  return { fd: new ProcFdDir(o), fdinfo: new ProcFdinfoDir(o) };
}
