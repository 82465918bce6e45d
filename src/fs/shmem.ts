// A tmpfs file's data as the host reaches them: in the kernel's page cache
// (assembly/mm/shmem.ts), never in host memory. The host keeps the name
// and metadata; read, write and ftruncate call the kernel, which swaps
// pages in as needed, and copy one page at a time as copy_page_to_iter /
// copy_page_from_iter would.

import type { FileData } from "./file_data.js";
import { PAGE_SIZE, type KernelExports } from "../abi.js";
import { EOPNOTSUPP, EPERM } from "../syscalls/errno.js";

/** The kernel exports tmpfs data need (docs/abi.md). */
export type ShmemKernel = Pick<KernelExports, "shmem_get_inode" | "shmem_i_size" | "shmem_i_blocks" | "shmem_read_folio" | "shmem_write_begin"
  | "shmem_write_end" | "shmem_setattr" | "shmem_fallocate" | "file_put">;

/** The seals (fcntl F_ADD_SEALS): what no one may do to the file any more. */
export const F_SEAL_SEAL = 0x1, F_SEAL_SHRINK = 0x2, F_SEAL_GROW = 0x4, F_SEAL_WRITE = 0x8, F_SEAL_FUTURE_WRITE = 0x10, F_SEAL_EXEC = 0x20;
const FALLOC_FL_KEEP_SIZE = 0x1, FALLOC_FL_PUNCH_HOLE = 0x2;

export class ShmemData implements FileData {
  /** shmem_inode_info.seals: a tmpfs file is sealed against sealing; memfd_create's may start open to seals. */
  seals = F_SEAL_SEAL;
  /** The host's holds on `handle`: the name, and each open file, which reads and writes through it after an unlink. */
  private holds = 1;

  private constructor(readonly ino: number, readonly handle: number, private readonly k: ShmemKernel,
    private readonly ram: Uint8Array) {}

  /** A new, empty tmpfs inode in the kernel, or null when it is out of memory. */
  static create(ino: number, k: ShmemKernel, ram: Uint8Array): ShmemData | null {
    const handle = k.shmem_get_inode(ino) >>> 0;
    return handle ? new ShmemData(ino, handle, k, ram) : null;
  }

  size(): number {
    return this.k.shmem_i_size(this.handle);
  }

  /** st_blocks: 512-byte blocks of the pages it holds, swapped out or not (a hole takes none). */
  blocks(): number {
    return this.k.shmem_i_blocks(this.handle) * 8;
  }

  read(pos: number, dst: Uint8Array): number {
    const n = Math.max(0, Math.min(dst.length, this.size() - pos));
    for (let at = 0; at < n;) {
      const from = (pos + at) % PAGE_SIZE;
      const len = Math.min(PAGE_SIZE - from, n - at);
      const pa = this.k.shmem_read_folio(this.handle, Math.floor((pos + at) / PAGE_SIZE));
      if (pa < 0) return at;   // a swap-in without memory: a short read
      if (pa === 0) dst.fill(0, at, at + len);
      else dst.set(this.ram.subarray(pa + from, pa + from + len), at);
      at += len;
    }
    return n;
  }

  write(pos: number, src: Uint8Array): number {
    for (let at = 0; at < src.length;) {
      const from = (pos + at) % PAGE_SIZE;
      const len = Math.min(PAGE_SIZE - from, src.length - at);
      // shmem_write_begin's seal checks, page by page: growing may stop a write part way.
      if (this.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE) || (this.seals & F_SEAL_GROW && pos + at + len > this.size())) return at || -EPERM;
      const pa = this.k.shmem_write_begin(this.handle, pos + at, len);
      if (pa < 0) return at || pa;
      this.ram.set(src.subarray(at, at + len), pa + from);
      this.k.shmem_write_end(this.handle, pos + at, len);
      at += len;
    }
    return src.length;
  }

  truncate(size: number): number {
    const old = this.size();
    if ((size < old && this.seals & F_SEAL_SHRINK) || (size > old && this.seals & F_SEAL_GROW)) return -EPERM;
    return this.k.shmem_setattr(this.handle, size);
  }

  /**
   * fallocate once the VFS checked the call (shmem_fallocate): the modes
   * tmpfs takes; a hole's seals; else the task's file size limit
   * (`newsizeOk`, inode_newsize_ok), even keeping the size, then the seal
   * against growing. @return 0 or -errno.
   */
  fallocate(mode: number, offset: number, len: number, newsizeOk: (size: number) => number): number {
    if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE)) return -EOPNOTSUPP;
    if (mode & FALLOC_FL_PUNCH_HOLE) {
      if (this.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE)) return -EPERM;
    } else {
      const bad = newsizeOk(offset + len);
      if (bad !== 0) return bad;
      if (this.seals & F_SEAL_GROW && offset + len > this.size()) return -EPERM;
    }
    return this.k.shmem_fallocate(this.handle, mode, offset, len);
  }

  /** An open file holds the data (PageCache.open). */
  hold(): void {
    this.holds++;
  }

  /**
   * The name went (unlink, rename over it) or an open file closed: with the
   * last of them the handle goes, and the kernel frees the data once no
   * mapping holds the inode either.
   */
  release(): void {
    if (--this.holds === 0) this.k.file_put(this.handle);
  }
}
