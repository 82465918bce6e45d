// Files whose reads, writes and poll mask are their own, as Linux's
// file_operations make them: eventfd (anon_inodefs), epoll, and a Unix
// socket's end (sockfs). The syscall layer (src/syscalls/read_write.ts)
// copies the bytes and waits while one answers -EAGAIN on a blocking file.
// Browser-safe.

import type { OpenFile } from "./fdtable.js";
import { Inode, type Mount } from "./inode.js";

/** anon_inodefs: st_dev of eventfd and epoll files. */
export const ANON_INODE_FS: Mount = { dev: 0x10, readonly: false, type: "anon_inodefs", magic: 0x09041934 };
/** sockfs: st_dev of a socket. */
export const SOCKFS: Mount = { dev: 0x8, readonly: false, type: "sockfs", magic: 0x534f434b };

export abstract class OpsInode extends Inode {
  /** Moves on with every change of state (Linux's wakeups): epoll's edge-triggered items watch it. */
  events = 0;
  /** A stream takes a long write in several pieces (each call of write); other files answer once. */
  readonly stream: boolean = false;
  /** The bytes a read of at most `len` gives, or -errno (-EAGAIN: none now). */
  abstract read(f: OpenFile, len: number): Uint8Array | number;
  /** How many of `src` it took, or -errno (-EAGAIN: no room now). */
  abstract write(f: OpenFile, src: Uint8Array): number;
  /** The poll mask (POLLIN…) as f sees it. */
  abstract poll(f: OpenFile): number;
  /** An anon_inodefs file's name, as anon_inode_getfile gave it ("[eventfd]"…). */
  readonly anonName: string = "";
  /** Opening it again by /proc/<pid>/fd/N gives a new file of it (a pidfd); else ENXIO, as anon_inodefs and sockfs refuse. */
  readonly reopens: boolean = false;
  /** The lines its file_operations' show_fdinfo adds to /proc/<pid>/fdinfo/N. */
  showFdinfo(_f: OpenFile): string {
    return "";
  }
  override dname(): string | null {
    return this.mount === ANON_INODE_FS ? `anon_inode:${this.anonName}` : super.dname();
  }
}
