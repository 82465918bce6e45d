// The host's half of the page cache: the block driver the kernel calls to
// fill a page (read_file_page) or write one back (write_file_page), the
// registry from inode number to FileData those calls serve, and the one
// way the rest of the host opens, maps, reads and writes a file so that
// it sees what the cache holds.
//
// For the fd table: open(data, mode) gives an OpenFile (the kernel's
// struct file: keep it in the open file description, never show its
// handle to the guest); mmap(file, …) is mmap(2) of it; read/write go
// through the cache, so a write through a MAP_SHARED mapping is seen at
// once; close(file) when the description goes (mappings keep the file
// alive in the kernel until they go too).

import type { FileData } from "./file_data.js";
import { F_SEAL_FUTURE_WRITE, F_SEAL_WRITE, ShmemData, type ShmemKernel } from "./shmem.js";
import { FMODE_READ, FMODE_WRITE, MAP_ANONYMOUS, MAP_SHARED, MAP_TYPE, PAGE_SIZE, PROT_WRITE, type KernelExports } from "../abi.js";

export { FMODE_READ, FMODE_WRITE };
const EPERM = 1;
const EIO = 5;
const ENOMEM = 12;
const EOPNOTSUPP = 95;
const MAP_SHARED_VALIDATE = 0x03;

/** The device of the internal tmpfs mount shared anonymous memory lives on (shm_mnt; /proc shows 00:01). */
export const SHM_DEV: [number, number] = [0, 1];

/** The kernel exports the page cache drives (docs/abi.md). */
export type PageCacheKernel = Pick<KernelExports, "file_open" | "file_set_size" | "file_page" | "filemap_get_pages" | "file_fsync" | "file_put"
  | "sys_mmap" | "mapping_try_invalidate" | "force_page_cache_readahead" | "file_fadvise_random" | "mapping_writably_mapped"> & ShmemKernel;

/** One open of a file in the kernel (its struct file). */
export interface OpenFile {
  readonly data: FileData;
  /** The kernel's file handle: for kernel calls only, never a guest fd. */
  readonly handle: number;
  readonly mode: number;
}

let lastIno = 0;
/** A fresh inode number, unique in this host process (every FileData takes its ino from here). */
export function allocIno(): number {
  return ++lastIno;
}

/** A read-only file over bytes the host already has (a program image, a test's data). */
export function bytesFile(bytes: Uint8Array, ino = allocIno()): FileData {
  return {
    ino,
    size: () => bytes.length,
    read(pos, dst) {
      const src = bytes.subarray(Math.min(pos, bytes.length), Math.min(pos + dst.length, bytes.length));
      dst.set(src);
      return src.length;
    },
  };
}

export class PageCache {
  private readonly inodes = new Map<number, FileData>();
  private kernel: PageCacheKernel | null = null;
  private ram: Uint8Array | null = null;

  /** Wires the kernel once it is instantiated (the imports exist before it does). */
  attach(kernel: PageCacheKernel, memory: WebAssembly.Memory): void {
    this.kernel = kernel;
    this.ram = new Uint8Array(memory.buffer);
  }

  /** The kernel's env imports: the block driver. */
  imports(): Record<string, (...args: number[]) => number | void> {
    return {
      read_file_page: (ino, index, pa) => {
        const data = this.inodes.get(ino);
        if (!data) return -EIO;
        return data.read(index * PAGE_SIZE, this.ram!.subarray(pa, pa + PAGE_SIZE));
      },
      write_file_page: (ino, index, pa, bytes) => {
        this.inodes.get(ino)?.write?.(index * PAGE_SIZE, this.ram!.subarray(pa, pa + bytes));
      },
      evict_inode: (ino) => {
        this.inodes.delete(ino);
        this.zeroInodes.delete(ino);
        this.names.delete(ino);
      },
    };
  }

  /** The live unlinked tmpfs inodes behind shared anonymous mappings (/proc: "/dev/zero (deleted)"). */
  readonly zeroInodes = new Set<number>();

  /** The path and device (st_dev) /proc/<pid>/maps names a mapped file by, from its open (the dentry a struct file holds), by inode number. */
  readonly names = new Map<number, { path: string; dev: number }>();

  /** Inodes the kernel still caches (0 once every file and mapping is gone). */
  get liveInodes(): number {
    return this.inodes.size;
  }

  /**
   * Opens `data` in the kernel with FMODE_* `mode` (FMODE_WRITE only for a
   * writable FileData). @return the open file, or null when the kernel is
   * out of memory.
   */
  open(data: FileData, mode = FMODE_READ): OpenFile | null {
    const k = this.kernelOrThrow();
    if (!Number.isInteger(data.ino) || data.ino <= 0 || data.ino > 0xffffffff) throw new RangeError(`bad inode number ${data.ino}`);
    if (mode & FMODE_WRITE && !data.write) throw new TypeError(`inode ${data.ino} is read-only: no FMODE_WRITE`);
    const known = this.inodes.get(data.ino);
    if (known && known !== data) throw new Error(`two files share inode number ${data.ino}`);
    this.inodes.set(data.ino, data);
    const handle = k.file_open(data.ino, data.size(), mode) >>> 0;
    if (handle === 0) {
      if (!known) this.inodes.delete(data.ino);
      return null;
    }
    if (data instanceof ShmemData) data.hold();
    return { data, handle, mode };
  }

  /** Drops the open (fput): the cache goes when the last file and mapping of the inode do. */
  close(file: OpenFile): void {
    this.kernelOrThrow().file_put(file.handle);
    if (file.data instanceof ShmemData) file.data.release();
  }

  /** mmap(2) of an open file into the current mm. @return the address, or -errno. */
  mmap(file: OpenFile, addr: number, len: number, prot: number, flags: number, offset: number): number {
    const k = this.kernelOrThrow();
    const shared = (flags & MAP_TYPE) === MAP_SHARED || (flags & MAP_TYPE) === MAP_SHARED_VALIDATE;
    if (!(file.data instanceof ShmemData && file.data.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) && shared && file.mode & FMODE_WRITE)) {
      return k.sys_mmap(addr, len, prot, flags, file.handle, offset);
    }
    // check_write_seal: no new writable shared mapping; a read-only one may never become writable (no VM_MAYWRITE,
    // as a mapping through a read-only open has none).
    if (prot & PROT_WRITE) return -EPERM;
    const ro = this.open(file.data, FMODE_READ);
    if (!ro) return -ENOMEM;
    const ret = k.sys_mmap(addr, len, prot, flags, ro.handle, offset);
    this.close(ro);
    return ret;
  }

  /**
   * read at `pos`: through the cache, which reads ahead (filemap_read); from
   * the file where a page could not come in (memory short). tmpfs: the
   * kernel's shmem pages. @return bytes read.
   */
  read(file: OpenFile, pos: number, dst: Uint8Array): number {
    if (file.data instanceof ShmemData) return file.data.read(pos, dst);
    const n = Math.max(0, Math.min(dst.length, file.data.size() - pos));
    if (n > 0) this.kernelOrThrow().filemap_get_pages(file.handle, pos, n);
    this.eachPage(file, pos, n, (pa, from, at, len) => {
      if (pa) dst.set(this.ram!.subarray(pa + from, pa + from + len), at);
      else file.data.read(pos + at, dst.subarray(at, at + len));
    });
    return n;
  }

  /** write at `pos`: to the file and to its cached pages, which stay current (tmpfs: to the kernel's pages). @return bytes written or -errno. */
  write(file: OpenFile, pos: number, src: Uint8Array): number {
    if (!(file.mode & FMODE_WRITE) || !file.data.write) throw new Error(`inode ${file.data.ino} is not open for writing`);
    const n = file.data.write(pos, src);
    if (file.data instanceof ShmemData || n < 0) return n;
    this.kernelOrThrow().file_set_size(file.handle, file.data.size());
    this.eachPage(file, pos, n, (pa, from, at, len) => {
      if (pa) this.ram!.set(src.subarray(at, at + len), pa + from);
    });
    return n;
  }

  /** ftruncate: the file's size, and i_size with it (tmpfs: the kernel's shmem_setattr). @return 0 or -errno. */
  truncate(file: OpenFile, size: number): number {
    if (!(file.mode & FMODE_WRITE) || !file.data.truncate) throw new Error(`inode ${file.data.ino} is not open for writing`);
    const err = file.data.truncate(size);
    if (err < 0 || file.data instanceof ShmemData) return err;
    this.kernelOrThrow().file_set_size(file.handle, size);
    return 0;
  }

  /** fadvise DONTNEED: the unused clean cached pages of indices [start, end] go (mapping_try_invalidate). @return how many. */
  invalidate(file: OpenFile, start: number, end: number): number {
    return this.kernelOrThrow().mapping_try_invalidate(file.handle, start, end);
  }

  /** fadvise WILLNEED, readahead(2): pages [index, index + nr) come into the cache (force_page_cache_readahead; tmpfs: nothing). */
  readahead(file: OpenFile, index: number, nr: number): void {
    this.kernelOrThrow().force_page_cache_readahead(file.handle, index, nr);
  }

  /** fadvise RANDOM (true), NORMAL or SEQUENTIAL (false): whether read() reads ahead (FMODE_RANDOM). */
  fadviseRandom(file: OpenFile, random: boolean): void {
    this.kernelOrThrow().file_fadvise_random(file.handle, random);
  }

  /** fallocate once the VFS checked the call: tmpfs's (shmem_fallocate); no other file here has one. @return 0 or -errno. */
  fallocate(file: OpenFile, mode: number, offset: number, len: number, newsizeOk: (size: number) => number): number {
    return file.data instanceof ShmemData ? file.data.fallocate(mode, offset, len, newsizeOk) : -EOPNOTSUPP;
  }

  /** Whether a shared mapping may write the file (mapping_writably_mapped), which F_SEAL_WRITE refuses. */
  writablyMapped(file: OpenFile): boolean {
    return this.kernelOrThrow().mapping_writably_mapped(file.handle);
  }

  /** A new tmpfs file's data, in the kernel (null: out of memory). */
  shmemFile(ino: number): ShmemData | null {
    return ShmemData.create(ino, this.kernelOrThrow(), this.ram!);
  }

  /**
   * mmap(2) of shared anonymous memory (MAP_SHARED|MAP_ANONYMOUS, or of
   * /dev/zero): as shmem_zero_setup, an unlinked tmpfs file of the
   * mapping's size that only the mapping holds, so its pages are shmem
   * pages, shared across fork and swappable. @return the address, or -errno.
   */
  mmapSharedAnon(addr: number, len: number, prot: number, flags: number): number {
    const data = this.shmemFile(allocIno());
    if (!data) return -ENOMEM;
    // Sized first: MAP_POPULATE faults the pages in during the mmap. Past
    // tmpfs's largest file the mapping could not be backed: ENOMEM.
    const ret = data.truncate(Math.ceil(len / PAGE_SIZE) * PAGE_SIZE) < 0 ? -ENOMEM
      : this.kernelOrThrow().sys_mmap(addr, len, prot, flags & ~MAP_ANONYMOUS, data.handle, 0);
    if (ret >= 0) this.zeroInodes.add(data.ino);
    data.release();
    return ret;
  }

  /** fsync: the file's dirty cached pages go back to the FileData. */
  fsync(file: OpenFile): void {
    this.kernelOrThrow().file_fsync(file.handle);
  }

  /** Calls fn(pa or 0, offset in the page, offset in the range, length) for each page of [pos, pos + n). */
  private eachPage(file: OpenFile, pos: number, n: number, fn: (pa: number, from: number, at: number, len: number) => void): void {
    const k = this.kernelOrThrow();
    for (let at = 0; at < n;) {
      const from = (pos + at) % PAGE_SIZE;
      const len = Math.min(PAGE_SIZE - from, n - at);
      fn(k.file_page(file.handle, Math.floor((pos + at) / PAGE_SIZE)), from, at, len);
      at += len;
    }
  }

  private kernelOrThrow(): PageCacheKernel {
    if (!this.kernel) throw new Error("page cache: no kernel attached");
    return this.kernel;
  }
}
