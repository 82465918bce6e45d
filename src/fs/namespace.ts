// The guest's file-system namespace: the host's files read-only at /, a
// writable tmpfs at /tmp (with the host's /tmp entries bind-mounted on it
// read-only), /dev (null, zero, full, urandom, and a tmpfs at /dev/shm)
// and /proc (faultline's own files). Path walks follow Linux's namei:
// symbolic links (at most 40), "." and "..", ENOTDIR/ENOENT/ENAMETOOLONG/ELOOP.
// Browser-safe.

import { BytesData, type HostFs } from "./host.js";
import { allocIno, bytesFile } from "./pagecache.js";
import type { FileData } from "./file_data.js";
import {
  DirInode, MapDir, Inode, RegularInode, S_IFCHR, S_IFIFO, S_IFMT, StreamInode, SymlinkInode, TmpfsDir, type Mount,
} from "./inode.js";
import { PipeInode } from "./pipe.js";
import type { FdTable } from "./fdtable.js";
import { procFdDirs } from "../proc/fd.js";
import { EAGAIN, EBUSY, EEXIST, EPERM, EINVAL, EIO, EISDIR, ELOOP, ENAMETOOLONG, ENOENT, ENOMEM, ENOSPC, ENOTDIR, ENOTEMPTY, EROFS, EXDEV } from "../syscalls/errno.js";

/** openat2's struct open_how resolve flags (RESOLVE_*). */
export const RESOLVE_NO_XDEV = 0x01, RESOLVE_NO_MAGICLINKS = 0x02, RESOLVE_NO_SYMLINKS = 0x04, RESOLVE_BENEATH = 0x08, RESOLVE_IN_ROOT = 0x10,
  RESOLVE_CACHED = 0x20;

/** How a walk may go (openat2's RESOLVE_* flags), and the directory a scoped one (BENEATH, IN_ROOT) stays in. */
export interface Resolve {
  flags: number;
  root: Loc;
}

/** NAME_MAX. */
export const NAME_MAX = 255;
/** TMPFS_MAGIC: statfs's f_type of tmpfs (and devtmpfs, a tmpfs). */
export const TMPFS_MAGIC = 0x01021994;
/** MAXSYMLINKS. */
const MAXSYMLINKS = 40;

/** A directory and the names that reached it from the root (for "..", getcwd and /proc/self/cwd). */
export type Loc = readonly { name: string; dir: DirInode }[];

/** Where a walk ended: the last component's directory and name, and the inode if it exists. */
export interface Found {
  parent: Loc;
  name: string;
  node: Inode | null;
  /** When node is a directory: its location. */
  loc: Loc | null;
  /** The path ended in "/". */
  trailingSlash: boolean;
}

export interface NamespaceOptions {
  /** The host's files (null: / holds only /tmp, /dev and /proc). */
  host: HostFs | null;
  /** /dev/urandom's bytes (the machine's seeded generator). */
  random(n: number): Uint8Array;
  /** The virtual clock, seconds since the epoch: tmpfs times. */
  now(): number;
  /** /proc/NAME's text now, or null when it has none (no process). */
  proc(name: string): string | null;
  /**
   * When /proc/NAME has a read op of its own (pagemap, kpageflags:
   * FileData.readOp), what gives each open its read op (which may hold what
   * the open found: pagemap's mm); else null: its text, read at open.
   */
  procRead?(name: string): (() => (pos: number, count: number) => Uint8Array | number) | null;
  /** What opening /proc/NAME returns first: 0, or -errno (a zombie's environ: ESRCH); default: 0. */
  procOpen?(name: string): number;
  /** The /proc names (kernel-wide ones and "self/…" ones). */
  procNames: string[];
  /** The /proc files a write() reaches, by name, with their handlers; one not in procNames is write-only (0200). */
  procStores?: Record<string, (pos: number, bytes: Uint8Array) => number>;
  /** A write to /proc/<pid>/comm or task/<tid>/comm (comm_write): that task's new name; @return the bytes taken or -errno. */
  setComm?(tid: number, name: Uint8Array): number;
  /** The running program: /proc/self/exe's target and bytes; with a pid, that process's. */
  exe(pid?: number): { path: string; data: FileData } | null;
  /** A new tmpfs file's data, kept by the kernel (null: out of memory); default: bytes on the host. */
  shmem?(ino: number): (FileData & { release(): void; blocks(): number }) | null;
  /** totalram_pages: tmpfs's default size and inode limit are half of it; default: none (no limits). */
  totalramPages?(): number;
  /** The live pids (/proc/<pid>) and the caller's (/proc/self); default: pid 1 alone. */
  pids?(): number[];
  /** A process's threads' tids (/proc/<pid>/task/<tid>); default: the pid alone. */
  tids?(pid: number): number[];
  /** A live thread that does not lead its process: Linux serves /proc/<tid>, though readdir of /proc lists only processes. */
  isThread?(tid: number): boolean;
  selfPid?(): number;
  /** The calling thread's tid (/proc/thread-self); default: the pid. */
  selfTid?(): number;
  /** A task's fd table (/proc/<pid>/fd, fdinfo), by its tid; null once it has none (a zombie). Default: none. */
  files?(tid: number): FdTable | null;
  /**
   * The sysfs directories faultline owns, by path below /sys (e.g.
   * "devices/system/node"): each one's attributes by path below it, or
   * null to hide the host's. The host's other /sys entries stay as they
   * are; asked for at the first lookup of /sys. Default: none.
   */
  sys?(): Record<string, Record<string, SysAttr> | null>;
}

/** A mount (struct mount): its id and its parent's, what is mounted (source, the file system and the directory of it shown), and where. */
export interface MountPoint {
  id: number;
  parent: number;
  source: string;
  point: string;
  root: string;
  mount: Mount;
}

/** struct kstatfs, in pages of PAGE_SIZE (f_bavail is f_bfree, f_frsize f_bsize). */
export interface StatFs {
  type: number;
  bsize: number;
  blocks: number;
  bfree: number;
  files: number;
  ffree: number;
  fsid: number;
  namelen: number;
  flags: number;
}

/** statfs's f_flags: ST_RDONLY, ST_VALID (the field is filled), ST_RELATIME. */
export const ST_RDONLY = 0x1, ST_VALID = 0x20, ST_RELATIME = 0x1000;
const PAGE_SIZE = 4096;

/** A sysfs attribute: its text, read anew at each open, and its store when root may write it (0644, else 0444). */
export interface SysAttr {
  show(): string;
  /** The written bytes (never empty); @return the bytes taken, or -errno. */
  store?(bytes: Uint8Array): number;
}

const encoder = new TextEncoder();

/** An ID allocator (lib/idr.c's ida_alloc, ida_free): the lowest free id. */
export class Ida {
  private readonly used = new Set<number>();
  alloc(): number {
    let id = 0;
    while (this.used.has(id)) id++;
    this.used.add(id);
    return id;
  }
  free(id: number): void {
    this.used.delete(id);
  }
}

export class Namespace {
  /** eventfd_ida: eventfd's ids (/proc/<pid>/fdinfo's eventfd-id). */
  readonly eventfdIda = new Ida();
  readonly root: DirInode;
  /** The host's tree (an ext4 disk's, as its st_dev says), or without one the initial rootfs. */
  private readonly rootfs: Mount;
  private readonly tmpfs: Mount = { dev: 0x1a, readonly: false, type: "tmpfs", magic: TMPFS_MAGIC };
  private readonly devfs: Mount = { dev: 0x5, readonly: true, type: "devtmpfs", magic: TMPFS_MAGIC };
  /** /dev/shm, the tmpfs POSIX shared memory and named semaphores live on (shm_open, sem_open). */
  private readonly devShm: Mount = { dev: 0x18, readonly: false, type: "tmpfs", magic: TMPFS_MAGIC };
  private readonly procfs: Mount = { dev: 0x16, readonly: true, type: "proc", magic: 0x9fa0 };
  /** The internal tmpfs mount (shm_mnt, st_dev 00:01) unnamed tmpfs files live on: memfd_create's. */
  private readonly shm: Mount = { dev: 0x1, readonly: false, type: "tmpfs", magic: TMPFS_MAGIC };
  private readonly sysfs: Mount = { dev: 0x15, readonly: true, type: "sysfs", magic: 0x62656572 };
  private readonly hostInodes = new Map<string, Inode>();
  /** The directories put over the host's at /, each built at its first lookup: a run that never looks in /proc or /sys does not pay for them. */
  private readonly overlay = new Map<string, DirInode | (() => DirInode)>();

  constructor(private readonly o: NamespaceOptions) {
    this.rootfs = o.host ? { dev: 0x801, readonly: true, type: "ext4", magic: 0xef53 } : { dev: 0x1, readonly: true, type: "rootfs", magic: 0x858458f6 };
    const tmp = this.buildTmp();
    this.tmpfs.root = tmp;
    this.overlay.set("tmp", tmp);
    this.overlay.set("dev", () => this.buildDev());
    this.overlay.set("proc", () => this.buildProc());
    const sys = o.sys;
    if (sys) this.overlay.set("sys", () => this.buildSys(sys()));
    const top = o.host?.lstat("/");
    this.root = o.host ? this.hostDir("/", top?.perm ?? 0o755, top?.mtime ?? 0, top?.size ?? 0) : this.fixedRoot();
  }

  /**
   * The host's /tmp entries bound on the guest's /tmp, read once: the host's
   * /tmp may change while the guest runs, its mount table (and so every
   * mnt_id after the binds) does not.
   */
  private tmpBinds: string[] | null = null;

  /** The mount table (/proc/mounts, statfs): the root, /tmp and the host's /tmp entries bound on it, /dev and /dev/shm, /proc, /sys. */
  mounts(): MountPoint[] {
    const host = !!this.o.host;
    const binds = (this.tmpBinds ??= (this.o.host?.readdir("/tmp") ?? []).filter((n) => this.isBindMount(n)));
    const list: Omit<MountPoint, "id">[] = [
      { parent: 1, source: host ? "/dev/root" : "rootfs", point: "/", root: "/", mount: this.rootfs },
      { parent: 1, source: "tmpfs", point: "/tmp", root: "/", mount: this.tmpfs },
      ...binds.map((n) => ({ parent: 2, source: "/dev/root", point: `/tmp/${n}`, root: `/tmp/${n}`, mount: this.rootfs })),
      { parent: 1, source: "devtmpfs", point: "/dev", root: "/", mount: this.devfs },
      { parent: binds.length + 3, source: "tmpfs", point: "/dev/shm", root: "/", mount: this.devShm },
      { parent: 1, source: "proc", point: "/proc", root: "/", mount: this.procfs },
      ...(this.o.sys ? [{ parent: 1, source: "sysfs", point: "/sys", root: "/", mount: this.sysfs }] : []),
    ];
    return list.map((m, i) => ({ id: i + 1, ...m }));
  }

  /**
   * statfs of the file system `mount` is (vfs_statfs): tmpfs's size and
   * inode limits (half of RAM each, shmem_default_max_blocks and
   * _max_inodes) and what its files take; the others say no sizes, as
   * simple_statfs does (faultline does not know the host disk's).
   */
  statfs(mount: Mount): StatFs {
    const st: StatFs = { type: mount.magic, bsize: PAGE_SIZE, blocks: 0, bfree: 0, files: 0, ffree: 0, fsid: mount.magic === TMPFS_MAGIC ? 0 : mount.dev,
      namelen: NAME_MAX, flags: ST_VALID | (mount.readonly ? ST_RDONLY : 0) | ([this.rootfs, this.tmpfs, this.devShm, this.devfs, this.procfs, this.sysfs].includes(mount) ? ST_RELATIME : 0) };
    const ram = this.o.totalramPages?.() ?? 0;
    if ((mount === this.tmpfs || mount === this.devShm) && ram) {
      let pages = 0, inodes = 1;
      const walk = (dir: MapDir) => {
        for (const e of dir.entries.values()) {
          inodes++;
          if (e instanceof MapDir) walk(e);
          else if (e instanceof RegularInode) pages += Math.ceil(e.size() / PAGE_SIZE);
        }
      };
      walk(mount.root as MapDir);
      st.blocks = Math.floor(ram / 2);
      st.bfree = Math.max(0, st.blocks - pages);
      st.files = Math.floor(ram / 2);
      st.ffree = Math.max(0, st.files - inodes);
    }
    return st;
  }

  /**
   * A mount's id (mnt_id): its line's in the mount table; the kernel's
   * internal mounts, which the table does not show (pipefs, sockfs,
   * anon_inodefs), the ids after it, in that order.
   */
  mountId(mount: Mount): number {
    const table = this.mounts();
    const m = table.find((x) => x.mount === mount);
    return m ? m.id : table.length + 1 + Math.max(0, ["pipefs", "sockfs", "anon_inodefs"].indexOf(mount.type));
  }

  /** A fresh inode number (FileData's ino: unique among live files, never 0). */
  ino(): number {
    return allocIno();
  }

  /** The clock files' times come from, in seconds since the epoch. */
  now(): number {
    return this.o.now();
  }

  get rootLoc(): Loc {
    return [{ name: "", dir: this.root }];
  }

  /** The absolute path of a location. */
  static path(loc: Loc): string {
    return loc.length === 1 ? "/" : loc.slice(1).map((e) => "/" + e.name).join("");
  }

  /**
   * Walks `path` from `base` (absolute paths from the root). The last
   * component's symbolic link is followed when `follow` is set (always when
   * the path ends in "/"). `how` restricts the walk as openat2's RESOLVE_*
   * flags do (a scoped walk's root is how.root). @return where it ended, or -errno.
   */
  walk(base: Loc, path: string, follow: boolean, links = { n: 0 }, how?: Resolve): Found | number {
    if (path === "") return -ENOENT;
    const scoped = how ? how.flags & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) : 0;
    // nd_jump_root: BENEATH refuses an absolute path, IN_ROOT starts it at its own root
    if (path.startsWith("/") && scoped & RESOLVE_BENEATH) return -EXDEV;
    let loc: { name: string; dir: DirInode }[] = !path.startsWith("/") ? [...base] : scoped ? [...how!.root] : [...this.rootLoc];
    const top = scoped ? how!.root[how!.root.length - 1].dir : this.root;
    const parts = path.split("/").filter((p) => p !== "");
    const trailingSlash = path.endsWith("/");
    if (parts.length === 0) return { parent: loc, name: "/", node: loc[loc.length - 1].dir, loc, trailingSlash };
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      const last = i === parts.length - 1;
      if (encoder.encode(part).length > NAME_MAX) return -ENAMETOOLONG;
      const dir = loc[loc.length - 1].dir;
      if (part === "." || part === "..") {
        // follow_dotdot: ".." at the walk's root stays there (BENEATH: EXDEV); NO_XDEV refuses leaving a mount
        if (part === ".." && dir === top && scoped & RESOLVE_BENEATH) return -EXDEV;
        if (part === ".." && dir !== top && loc.length > 1) {
          if (how && how.flags & RESOLVE_NO_XDEV && loc[loc.length - 2].dir.mount !== dir.mount) return -EXDEV;
          loc.pop();
        }
        if (last) return { parent: loc, name: part, node: loc[loc.length - 1].dir, loc, trailingSlash };
        continue;
      }
      if (how && how.flags & RESOLVE_CACHED && !dir.cached(part)) return -EAGAIN;
      let child = dir.lookup(part);
      let childLoc: { name: string; dir: DirInode }[] | null = null;
      if (child instanceof SymlinkInode && (!last || follow || trailingSlash)) {
        if (how && how.flags & RESOLVE_NO_SYMLINKS) return -ELOOP;
        if (++links.n > MAXSYMLINKS) return -ELOOP;
        if (child.jump) {
          // a magic link's get_link cannot run in RCU mode, then nd_jump_link's checks
          if (how && how.flags & RESOLVE_CACHED) return -EAGAIN;
          if (how && how.flags & RESOLVE_NO_MAGICLINKS) return -ELOOP;
          const j = child.jump();
          if (!j) return -ENOENT;
          if (how && ((how.flags & RESOLVE_NO_XDEV && j.node.mount !== dir.mount) || scoped)) return -EXDEV;
          child = j.node;
          childLoc = j.loc ? [...j.loc] : null;
        } else {
          const target = child.target();
          // nd_jump_root of an absolute target: NO_XDEV refuses it from another mount than the root's
          if (how && how.flags & RESOLVE_NO_XDEV && target.startsWith("/") && dir.mount !== top.mount) return -EXDEV;
          const r = this.walk(loc, target, true, links, how);
          if (typeof r === "number") return r;
          if (!r.node) return -ENOENT;
          child = r.node;
          childLoc = r.loc ? [...r.loc] : null;
        }
      } else if (how && how.flags & RESOLVE_NO_XDEV && child instanceof DirInode && child.mount !== dir.mount) return -EXDEV;
      if (last) {
        if (child && trailingSlash && !(child instanceof DirInode)) return -ENOTDIR;
        const found = child instanceof DirInode ? childLoc ?? [...loc, { name: part, dir: child }] : null;
        return { parent: loc, name: part, node: child, loc: found, trailingSlash };
      }
      if (!child) return -ENOENT;
      if (!(child instanceof DirInode)) return -ENOTDIR;
      loc = childLoc ?? [...loc, { name: part, dir: child }];
    }
    throw new Error("unreachable");
  }

  /**
   * The starting directory: the host's directory of that path, even where
   * /dev or /proc hide it from paths. Falls back to the root when the host
   * has no such directory.
   */
  startDir(path: string): Loc {
    if (!this.o.host) {
      const f = this.walk(this.rootLoc, path, true);
      return typeof f !== "number" && f.loc ? f.loc : this.rootLoc;
    }
    const loc = [...this.rootLoc];
    let at = "";
    for (const name of path.split("/").filter((p) => p && p !== ".")) {
      if (name === "..") {
        if (loc.length > 1) loc.pop();
        at = at.slice(0, at.lastIndexOf("/"));
        continue;
      }
      at += "/" + name;
      const dir = this.hostInode(at);
      if (!(dir instanceof DirInode)) return this.rootLoc;
      loc.push({ name, dir });
    }
    return loc;
  }

  /** A new regular file in f.parent (O_CREAT). @return it, or -errno. */
  create(f: Found, perm: number): Inode | number {
    const dir = this.writableParent(f);
    if (typeof dir === "number") return dir;
    if (f.trailingSlash) return -EISDIR;
    const ino = this.ino();
    const shmem = this.o.shmem?.(ino);
    if (shmem === null) return -ENOMEM;
    const data = shmem ?? new BytesData(ino);
    const node = new RegularInode(ino, perm & 0o7777, dir.mount, this.o.now(), () => data, () => data.size());
    if (shmem) {
      node.unlinked = () => shmem.release();
      node.statBlocks = () => shmem.blocks();
    }
    dir.entries.set(f.name, node);
    dir.mtime = this.o.now();
    return node;
  }

  /**
   * A tmpfs file no name holds (shmem_file_setup): its data go with the
   * last open file or mapping of it. The caller opens it, then calls
   * `release` to drop the hold a name would have. @return it, or -ENOMEM.
   */
  unnamedFile(perm: number): { node: RegularInode; release(): void } | number {
    const ino = this.ino();
    const shmem = this.o.shmem?.(ino);
    if (shmem === null) return -ENOMEM;
    const data = shmem ?? new BytesData(ino);
    const node = new RegularInode(ino, perm, this.shm, this.o.now(), () => data, () => data.size());
    node.links = 0;
    if (shmem) node.statBlocks = () => shmem.blocks();
    return { node, release: () => shmem?.release() };
  }

  /** mkdir: @return 0 or -errno, in Linux's order (an existing name is EEXIST even on a read-only mount). */
  mkdir(f: Found, perm: number): number {
    if (f.node) return -EEXIST;
    const dir = this.writableParent(f);
    if (typeof dir === "number") return dir;
    dir.entries.set(f.name, new TmpfsDir(this.ino(), perm & 0o7777, dir.mount, this.o.now()));
    dir.mtime = this.o.now();
    return 0;
  }

  /** symlink: a link to `target` at f (filename_create's checks). @return 0 or -errno. */
  symlink(f: Found, target: string): number {
    const dir = this.newName(f);
    if (typeof dir === "number") return dir;
    this.addEntry(dir, f.name, new SymlinkInode(this.ino(), dir.mount, this.o.now(), () => target));
    return 0;
  }

  /** link: one more name, f, for `node` (vfs_link's checks). @return 0 or -errno. */
  link(node: Inode, f: Found): number {
    const dir = this.newName(f);
    if (typeof dir === "number") return dir;
    if (node.mount !== dir.mount) return -EXDEV;
    if (node instanceof DirInode) return -EPERM;
    node.links++;
    node.ctime = this.o.now();
    this.addEntry(dir, f.name, node);
    return 0;
  }

  /** mknod of a FIFO (a pipe of its own, opened by name) or a regular file. @return 0 or -errno. */
  mknod(f: Found, mode: number): number {
    const dir = this.newName(f);
    if (typeof dir === "number") return dir;
    if ((mode & S_IFMT) === S_IFIFO) {
      this.addEntry(dir, f.name, new PipeInode(this.ino(), mode & 0o7777, dir.mount, this.o.now()));
      return 0;
    }
    const made = this.create(f, mode);
    return typeof made === "number" ? made : 0;
  }

  /** A bound socket's name (unix_bind_bsd's vfs_mknod of S_IFSOCK): the inode `make` gives, at f. @return it, or -errno. */
  mksock(f: Found, make: (ino: number, mount: Mount, mtime: number) => Inode): Inode | number {
    const dir = this.newName(f);
    if (typeof dir === "number") return dir;
    const node = make(this.ino(), dir.mount, this.o.now());
    this.addEntry(dir, f.name, node);
    return node;
  }

  /** filename_create: the parent of a name to make, in its order: EEXIST, a trailing slash's ENOENT, EROFS. */
  private newName(f: Found): TmpfsDir | number {
    if (f.node || f.name === "/" || f.name === "." || f.name === "..") return -EEXIST;
    if (f.trailingSlash) return -ENOENT;
    return this.writableParent(f);
  }

  private addEntry(dir: TmpfsDir, name: string, node: Inode): void {
    dir.entries.set(name, node);
    dir.mtime = dir.ctime = this.o.now();
  }

  /** A name went: the inode's data go with its last name. */
  private dropLink(node: Inode): void {
    node.ctime = this.o.now();
    if (node instanceof DirInode || --node.links > 0) return;
    if (node instanceof RegularInode) node.unlinked?.();
  }

  /** unlink (dir false) or rmdir (dir true), with do_unlinkat's and do_rmdir's checks. */
  remove(f: Found, rmdir: boolean): number {
    if (f.name === "/") return rmdir ? -EBUSY : -EISDIR;
    if (f.name === "." || f.name === "..") return rmdir ? (f.name === "." ? -EINVAL : -ENOTEMPTY) : -EISDIR;
    const parent = f.parent[f.parent.length - 1].dir;
    if (parent.mount.readonly || !(parent instanceof TmpfsDir)) return -EROFS;
    const node = f.node;
    if (!node) return -ENOENT;
    if (this.isMountpoint(f)) return -EBUSY;
    if (rmdir) {
      if (!(node instanceof DirInode)) return -ENOTDIR;
      if (node === this.tmpfs.root) return -EBUSY;
      if (node.names().length) return -ENOTEMPTY;
    } else if (node instanceof DirInode) {
      return -EISDIR;
    }
    parent.entries.delete(f.name);
    parent.mtime = parent.ctime = this.o.now();
    this.dropLink(node);
    return 0;
  }

  /** rename/renameat2 (RENAME_NOREPLACE only): do_renameat2's checks in its order. */
  rename(from: Found, to: Found, noReplace: boolean): number {
    const special = (f: Found) => f.name === "/" || f.name === "." || f.name === "..";
    if (special(from) || special(to)) return -EBUSY;
    const oldDir = from.parent[from.parent.length - 1].dir;
    const newDir = to.parent[to.parent.length - 1].dir;
    if (oldDir.mount !== newDir.mount) return -EXDEV;
    if (oldDir.mount.readonly || !(oldDir instanceof TmpfsDir) || !(newDir instanceof TmpfsDir)) return -EROFS;
    const node = from.node;
    if (!node) return -ENOENT;
    if (to.node && noReplace) return -EEXIST;
    if (this.isMountpoint(from) || this.isMountpoint(to)) return -EBUSY;
    if (node instanceof DirInode) {
      // Not into itself or its own subtree.
      if (to.parent.some((e) => e.dir === node)) return -EINVAL;
      if (to.node && to.node !== node) {
        if (!(to.node instanceof DirInode)) return -ENOTDIR;
        if (to.node.names().length) return -ENOTEMPTY;
      }
    } else {
      if (to.trailingSlash || from.trailingSlash) return -ENOTDIR;
      if (to.node instanceof DirInode) return -EISDIR;
    }
    if (to.node === node) return 0;
    const replaced = to.node;
    oldDir.entries.delete(from.name);
    newDir.entries.set(to.name, node);
    if (replaced) this.dropLink(replaced);
    oldDir.mtime = newDir.mtime = oldDir.ctime = newDir.ctime = node.ctime = this.o.now();
    return 0;
  }

  /** The host's /tmp entry `name` is a mount in the table: not hidden by the guest's own, and there (a symbolic link's target stays outside it). */
  private isBindMount(name: string): boolean {
    const node = (this.tmpfs.root as TmpfsDir).entries.has(name) ? null : this.hostInode(`/tmp/${name}`);
    return node !== null && !(node instanceof SymlinkInode);
  }

  /** A name the host's /tmp entry is bind-mounted on (is_local_mountpoint): not to be removed or renamed. */
  private isMountpoint(f: Found): boolean {
    const parent = f.parent[f.parent.length - 1].dir;
    return parent === this.tmpfs.root && f.node !== null && !(parent as TmpfsDir).entries.has(f.name);
  }

  private writableParent(f: Found): TmpfsDir | number {
    if (f.name === "/" || f.name === "." || f.name === "..") return -EEXIST;
    const parent = f.parent[f.parent.length - 1].dir;
    if (parent.mount.readonly || !(parent instanceof TmpfsDir)) return -EROFS;
    return parent;
  }

  // ─── the trees ────────────────────────────────────────────────────────────

  /** The directory overlaid at /`name`, built now if not yet; undefined when none is. */
  private overlaid(name: string): DirInode | undefined {
    let dir = this.overlay.get(name);
    if (typeof dir === "function") this.overlay.set(name, (dir = dir()));
    return dir;
  }

  private fixedRoot(): DirInode {
    const root = new MapDir(this.ino(), 0o755, this.rootfs, 0);
    for (const name of this.overlay.keys()) root.entries.set(name, this.overlaid(name)!);
    return root;
  }

  /** The host's directory at `path`; / also holds the overlaid tmp, dev and proc. */
  private hostDir(path: string, perm: number, mtime: number, size: number): DirInode {
    const host = this.o.host!;
    const ns = this;
    const atRoot = path === "/";
    const join = (name: string) => (atRoot ? `/${name}` : `${path}/${name}`);
    class HostDir extends DirInode {
      lookup(name: string): Inode | null {
        if (atRoot && ns.overlay.has(name)) return ns.overlaid(name)!;
        return ns.hostInode(join(name));
      }
      /** The dentry cache: a name once looked up (its inode kept), or one put over the host's. */
      override cached(name: string): boolean {
        return (atRoot && ns.overlay.has(name)) || ns.hostInodes.has(join(name));
      }
      names(): string[] {
        const names = host.readdir(path) ?? [];
        if (!atRoot) return names;
        return [...names.filter((n) => !ns.overlay.has(n)), ...[...ns.overlay.keys()].filter((n) => !names.includes(n))];
      }
      override size(): number {
        return size;
      }
    }
    return new HostDir(this.ino(), perm, this.rootfs, mtime);
  }

  /** The inode for a host path (the same one each time, so its ino and FileData stay). */
  private hostInode(path: string): Inode | null {
    const known = this.hostInodes.get(path);
    if (known) return known;
    const host = this.o.host!;
    const st = host.lstat(path);
    if (!st) return null;
    let node: Inode;
    if (st.type === "dir") node = this.hostDir(path, st.perm, st.mtime, st.size);
    else if (st.type === "link") node = new SymlinkInode(this.ino(), this.rootfs, st.mtime, () => host.readlink(path) ?? "");
    else if (st.type === "file") {
      const data: FileData = { ino: this.ino(), size: () => st.size, read: (pos, dst) => host.read(path, pos, dst) };
      node = new RegularInode(data.ino, st.perm, this.rootfs, st.mtime, () => data, () => st.size);
    } else return null; // sockets, FIFOs and devices of the host are not the guest's
    this.hostInodes.set(path, node);
    return node;
  }

  /**
   * /tmp: the guest's own tmpfs, on which each entry of the host's /tmp is
   * bind-mounted read-only, as a container runtime binds host paths into
   * its tmpfs. A program or data under the host's /tmp keeps its absolute
   * path, and the host's files stay read-only (EROFS; EBUSY to remove or
   * rename a mount point), while what the guest creates stays in memory.
   */
  private buildTmp(): TmpfsDir {
    const ns = this, host = this.o.host;
    const hostNames = (): string[] => host?.readdir("/tmp") ?? [];
    class TmpRoot extends TmpfsDir {
      override lookup(name: string): Inode | null {
        return this.entries.get(name) ?? (host ? ns.hostInode(`/tmp/${name}`) : null);
      }
      override cached(name: string): boolean {
        return this.entries.has(name) || ns.hostInodes.has(`/tmp/${name}`);
      }
      /** The mount points (there when the guest started), then the guest's own entries. */
      override names(): string[] {
        return [...hostNames().filter((n) => !this.entries.has(n)), ...this.entries.keys()];
      }
      override get nlink(): number {
        return 2 + this.names().filter((n) => this.lookup(n) instanceof DirInode).length;
      }
      override size(): number {
        return 20 * (this.names().length + 2);
      }
    }
    return new TmpRoot(this.ino(), 0o1777, this.tmpfs, this.o.now());
  }

  private buildDev(): DirInode {
    const dev = new MapDir(this.ino(), 0o755, this.devfs, 0);
    const chr = (minor: number, read: (dst: Uint8Array) => number, write: (src: Uint8Array) => number) =>
      new StreamInode(this.ino(), S_IFCHR | 0o666, this.devfs, (1 << 8) | minor, read, write);
    dev.entries.set("null", chr(3, () => 0, (src) => src.length));
    dev.entries.set("zero", chr(5, (dst) => (dst.fill(0), dst.length), (src) => src.length));
    dev.entries.set("full", chr(7, (dst) => (dst.fill(0), dst.length), () => -ENOSPC));
    dev.entries.set("urandom", chr(9, (dst) => (dst.set(this.o.random(dst.length)), dst.length), (src) => src.length));
    const shm = new TmpfsDir(this.ino(), 0o1777, this.devShm, this.o.now());
    this.devShm.root = shm;
    dev.entries.set("shm", shm);
    // The links udev's static nodes make: the caller's own descriptors.
    const link = (target: string) => new SymlinkInode(this.ino(), this.devfs, 0, () => target);
    dev.entries.set("fd", link("/proc/self/fd"));
    ["stdin", "stdout", "stderr"].forEach((name, fd) => dev.entries.set(name, link(`/proc/self/fd/${fd}`)));
    return dev;
  }

  /**
   * /sys: the directories faultline owns, every directory above them the
   * host's (when there is one) with those entries put over it.
   */
  private buildSys(sys: ReturnType<NonNullable<NamespaceOptions["sys"]>>): DirInode {
    interface Over { own?: DirInode | null; kids: Map<string, Over> }
    const top: Over = { kids: new Map() };
    for (const [dir, attrs] of Object.entries(sys)) {
      let at = top;
      for (const part of dir.split("/")) {
        let next = at.kids.get(part);
        if (!next) at.kids.set(part, (next = { kids: new Map() }));
        at = next;
      }
      at.own = attrs && this.sysDir(attrs);
    }
    const ns = this;
    const over = (path: string, o: Over): DirInode | null => {
      if (o.own !== undefined) return o.own;
      const kids = new Map([...o.kids].map(([n, k]) => [n, over(`${path}/${n}`, k)]));
      class OverDir extends DirInode {
        lookup(n: string): Inode | null {
          return kids.has(n) ? kids.get(n)! : ns.o.host ? ns.hostInode(`${path}/${n}`) : null;
        }
        names(): string[] {
          const names = (ns.o.host?.readdir(path) ?? []).filter((n) => kids.get(n) !== null);
          return [...names, ...[...kids].filter(([n, d]) => d && !names.includes(n)).map(([n]) => n)];
        }
      }
      return new OverDir(this.ino(), 0o755, this.sysfs, 0);
    };
    return over("/sys", top)!;
  }

  /** A directory of sysfs attributes: kernfs refuses at open what the mode lacks, even to root; sysfs_kf_write hands the store at most a page, and an empty write is 0. */
  private sysDir(attrs: Record<string, SysAttr>): MapDir {
    const own = new MapDir(this.ino(), 0o755, this.sysfs, 0);
    for (const [name, attr] of Object.entries(attrs)) {
      const parts = name.split("/");
      let dir = own;
      for (const part of parts.slice(0, -1)) {
        let next = dir.entries.get(part);
        if (!next) dir.entries.set(part, (next = new MapDir(this.ino(), 0o755, this.sysfs, 0)));
        dir = next as MapDir;
      }
      const store = attr.store?.bind(attr);
      const node = new RegularInode(this.ino(), store ? 0o644 : 0o444, this.sysfs, 0, () => bytesFile(encoder.encode(attr.show())), () => 4096);
      node.strictMode = true;
      if (store) node.store = (_pos, bytes) => (bytes.length ? store(bytes.subarray(0, 4096)) : 0);
      dir.entries.set(parts[parts.length - 1], node);
    }
    return own;
  }

  private buildProc(): DirInode {
    const proc = new ProcDir(this.ino(), 0o555, this.procfs, 0);
    // Each open reads the text anew (as seq_file does); stat says 0 bytes, as Linux's /proc does.
    const stores = this.o.procStores ?? {};
    const text = (name: string) => {
      const ino = this.ino();
      const store = stores[name] as ((pos: number, bytes: Uint8Array) => number) | undefined;
      const comm = /^(\d+)\/(?:task\/(\d+)\/)?comm$/.exec(name);
      const setComm = this.o.setComm;
      const opener = this.o.procRead?.(name);
      // A file with a read op of its own is its owner's alone (pagemap, kpageflags: S_IRUSR).
      const perm = store ? (this.o.procNames.includes(name) ? 0o644 : 0o200) : comm && setComm ? 0o644 : opener ? 0o400 : 0o444;
      // Each open's snapshot is a file of its own for the page cache: its own inode number.
      // A /proc/<pid> file cannot be spliced from, but mounts and mountinfo (proc_mounts_operations has a splice_read).
      const noSplice = /^\d+\//.test(name) && !/\/mount(s|info)$/.test(name);
      const node = new RegularInode(ino, perm, this.procfs, 0,
        opener ? () => opFile(opener()) : () => ({ ...bytesFile(encoder.encode(this.o.proc(name) ?? "")), noSplice }), () => 0);
      node.strictMode = name.startsWith("sys/");
      const procOpen = this.o.procOpen;
      if (procOpen) node.openError = () => procOpen(name);
      // Root opens the others for writing too; a write fails as proc_reg_write fails without a proc_write (EIO), and a /proc/<pid> file as one without write (EINVAL).
      node.store = store ?? (comm && setComm ? (_pos, bytes) => setComm(Number(comm[2] ?? comm[1]), bytes)
        : () => (name.includes("/") ? -EINVAL : -EIO));
      return node;
    };
    const vm = new MapDir(this.ino(), 0o555, this.procfs, 0);
    for (const name of new Set([...this.o.procNames, ...Object.keys(stores)])) {
      if (name.startsWith("sys/vm/")) vm.entries.set(name.slice(7), text(name));
      else if (!name.includes("/")) proc.entries.set(name, text(name));
    }
    const sys = new MapDir(this.ino(), 0o555, this.procfs, 0);
    sys.entries.set("vm", vm);
    proc.entries.set("sys", sys);
    // /proc/<pid>: the same files for every live process, made when first looked up.
    const dirs = new Map<number, MapDir>();
    proc.pidDir = (pid) => {
      let dir = dirs.get(pid);
      if (!dir) {
        dir = new MapDir(this.ino(), 0o555, this.procfs, 0);
        for (const name of this.o.procNames) if (name.startsWith("self/")) dir.entries.set(name.slice(5), text(`${pid}/${name.slice(5)}`));
        // A magic link, as Linux's: opening it opens the program itself (its own inode where its path shows it), whether or not its path is visible.
        const exe = new RegularInode(this.ino(), 0o755, this.procfs, 0, () => this.o.exe(pid)?.data ?? bytesFile(new Uint8Array(0)),
          () => this.o.exe(pid)?.data.size() ?? 0);
        dir.entries.set("exe", new ProcLink(this.ino(), this.procfs, 0, () => this.o.exe(pid)?.path ?? "", () => {
          const prog = this.o.exe(pid);
          if (!prog) return null;
          const there = this.walk(this.rootLoc, prog.path, true);
          return { node: typeof there !== "number" && there.node instanceof RegularInode && there.node.ino === prog.data.ino ? there.node : exe };
        }));
        this.addFdDirs(dir, pid);
        // /proc/<pid>/task/<tid>: the same files, of each thread.
        const task = new ProcDir(this.ino(), 0o555, this.procfs, 0);
        const tidDirs = new Map<number, MapDir>();
        task.pids = () => this.o.tids?.(pid) ?? [pid];
        task.pidDir = (tid) => {
          let t = tidDirs.get(tid);
          if (!t) {
            t = new MapDir(this.ino(), 0o555, this.procfs, 0);
            for (const name of this.o.procNames) if (name.startsWith("self/")) t.entries.set(name.slice(5), text(`${pid}/task/${tid}/${name.slice(5)}`));
            this.addFdDirs(t, tid);
            tidDirs.set(tid, t);
          }
          return t;
        };
        dir.entries.set("task", task);
        dirs.set(pid, dir);
      }
      return dir;
    };
    proc.pids = () => this.o.pids?.() ?? [1];
    proc.hidden = (tid) => this.o.isThread?.(tid) ?? false;
    proc.entries.set("self", new SymlinkInode(this.ino(), this.procfs, 0, () => String(this.o.selfPid?.() ?? 1)));
    proc.entries.set("thread-self", new SymlinkInode(this.ino(), this.procfs, 0,
      () => `${this.o.selfPid?.() ?? 1}/task/${this.o.selfTid?.() ?? this.o.selfPid?.() ?? 1}`));
    return proc;
  }

  /** A task's fd and fdinfo directories, in its /proc directory. */
  private addFdDirs(dir: MapDir, tid: number): void {
    const files = this.o.files;
    if (!files) return;
    const { fd, fdinfo } = procFdDirs({
      procfs: this.procfs, ino: () => this.ino(), now: () => this.o.now(), files: () => files(tid), mountId: (m) => this.mountId(m),
    });
    dir.entries.set("fd", fd);
    dir.entries.set("fdinfo", fdinfo);
  }
}

/** A file read through its own read op (FileData.readOp); its size is 0, as a /proc file's. */
function opFile(readOp: (pos: number, count: number) => Uint8Array | number): FileData {
  return {
    ino: allocIno(),
    size: () => 0,
    read(pos, dst) {
      const got = readOp(pos, dst.length);
      if (typeof got === "number") return 0;
      dst.set(got);
      return got.length;
    },
    readOp,
    noSplice: true,
  };
}

/** A /proc/<pid> link (exe): its size and blocks are 0, as Linux's. */
class ProcLink extends SymlinkInode {
  override size(): number {
    return 0;
  }
}

/** /proc: its own files, and a directory per live pid (and /proc/<pid>/task: one per thread). */
class ProcDir extends MapDir {
  pids: () => number[] = () => [];
  /** Pids a lookup finds though readdir does not list them (proc_pid_lookup finds any task; proc_pid_readdir lists leaders). */
  hidden: (pid: number) => boolean = () => false;
  pidDir: (pid: number) => MapDir = () => { throw new Error("no pids"); };
  override lookup(name: string): Inode | null {
    const pid = /^[1-9]\d*$/.test(name) ? Number(name) : 0;
    if (pid && (this.pids().includes(pid) || this.hidden(pid))) return this.pidDir(pid);
    return super.lookup(name);
  }
  override names(): string[] {
    return [...super.names(), ...this.pids().map(String)];
  }
}
