// A tmpfs file's data as the host reaches them: in the kernel's page cache
// (assembly/mm/shmem.ts), never in host memory. The host keeps the name
// and metadata; read, write and ftruncate call the kernel, which swaps
// pages in as needed, and copy one page at a time as copy_page_to_iter /
// copy_page_from_iter would.

import type { FileData } from "./file_data.js";
import { PAGE_SIZE, type KernelExports } from "../abi.js";

/** The kernel exports tmpfs data need (docs/abi.md). */
export type ShmemKernel = Pick<KernelExports, "shmem_get_inode" | "shmem_i_size" | "shmem_read_folio" | "shmem_write_begin"
  | "shmem_write_end" | "shmem_setattr" | "file_put">;

export class ShmemData implements FileData {
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
      const pa = this.k.shmem_write_begin(this.handle, pos + at, len);
      if (pa < 0) return at || pa;
      this.ram.set(src.subarray(at, at + len), pa + from);
      this.k.shmem_write_end(this.handle, pos + at, len);
      at += len;
    }
    return src.length;
  }

  truncate(size: number): number {
    return this.k.shmem_setattr(this.handle, size);
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
