// fs/eventfd.c: eventfd and eventfd2, a 64-bit counter that write adds to
// and read takes (all of it, or one with EFD_SEMAPHORE). Browser-safe.

import { O_CLOEXEC, O_NONBLOCK, O_RDWR, OpenFile } from "../fs/fdtable.js";
import { ANON_INODE_FS, OpsInode } from "../fs/anon.js";
import { EAGAIN, EINVAL } from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { POLLERR, POLLIN, POLLOUT } from "./poll.js";

const EFD_SEMAPHORE = 1;
const ULLONG_MAX = 2n ** 64n - 1n;

class EventfdInode extends OpsInode {
  override readonly anonName = "[eventfd]";
  constructor(ino: number, private count: bigint, private readonly semaphore: boolean, readonly id: number) {
    super(ino, 0o600, ANON_INODE_FS, 0);
  }

  /** eventfd_show_fdinfo. */
  override showFdinfo(): string {
    return `eventfd-count: ${this.count.toString(16).padStart(16)}\neventfd-id: ${this.id}\neventfd-semaphore: ${this.semaphore ? 1 : 0}\n`;
  }

  read(_f: OpenFile, len: number): Uint8Array | number {
    if (len < 8) return -EINVAL;
    if (this.count === 0n) return -EAGAIN;
    const taken = this.semaphore ? 1n : this.count;
    this.count -= taken;
    this.events++;
    const out = new Uint8Array(8);
    new DataView(out.buffer).setBigUint64(0, taken, true);
    return out;
  }

  write(_f: OpenFile, src: Uint8Array): number {
    if (src.length < 8) return -EINVAL;
    const add = new DataView(src.buffer, src.byteOffset, 8).getBigUint64(0, true);
    if (add === ULLONG_MAX) return -EINVAL;
    if (ULLONG_MAX - this.count <= add) return -EAGAIN;
    this.count += add;
    this.events++;
    return 8;
  }

  poll(): number {
    let mask = 0;
    if (this.count > 0n) mask |= POLLIN;
    if (this.count === ULLONG_MAX) mask |= POLLERR;
    if (ULLONG_MAX - 1n > this.count) mask |= POLLOUT;
    return mask;
  }
}

/** eventfd2 (eventfd is it with no flags). */
export function eventfd2(files: FileSyscalls, initval: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | EFD_SEMAPHORE)) return -EINVAL;
  const id = files.ns.eventfdIda.alloc();
  const inode = new EventfdInode(files.ns.ino(), BigInt(initval >>> 0), (flags & EFD_SEMAPHORE) !== 0, id);
  const f = new OpenFile(inode, O_RDWR | (flags & O_NONBLOCK), null, null);
  // eventfd_free_ctx: the id goes back when the file does.
  f.release = () => files.ns.eventfdIda.free(id);
  const fd = files.fds.install(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) f.release();
  return fd;
}
