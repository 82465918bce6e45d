// A pipe (fs/pipe.c): a 64 KiB ring of bytes between the open files of its
// two ends. Its readers and writers are counted per open file, as Linux's
// pipe->readers and pipe->writers are: EOF once the last writer is
// released, EPIPE once the last reader is. Blocking is the syscall layer's
// (src/syscalls/pipe.ts). Browser-safe.

import { S_IFIFO, StreamInode, type Mount } from "./inode.js";

/** PIPE_DEF_BUFFERS pages: a pipe holds this many bytes before a writer waits. */
export const PIPE_SIZE = 16 * 4096;
/** Writes of at most PIPE_BUF bytes are atomic: never split between readers' reads. */
export const PIPE_BUF = 4096;

/** pipefs: st_dev as this machine's Linux reports it for a pipe. */
/** pipefs's magic (statfs's f_type). */
export const PIPEFS_MAGIC = 0x50495045;
const PIPEFS: Mount = { dev: 0xf, readonly: false, type: "pipefs", magic: PIPEFS_MAGIC };

export class PipeInode extends StreamInode {
  private readonly ring = new Uint8Array(PIPE_SIZE);
  private head = 0;
  /** Bytes in the ring. */
  used = 0;
  readers = 0;
  writers = 0;
  /** Opens of each end so far (r_counter, w_counter): a FIFO's blocking open waits for the other's to move. */
  rCounter = 0;
  wCounter = 0;
  /** Moves on with each read, write and end that goes (the pipe's wakeups): epoll's edge-triggered items watch it. */
  events = 0;

  /** A named FIFO (mknod) sits on its file system with its own permissions; pipe2's pipes on pipefs. */
  constructor(ino: number, perm = 0o600, mount = PIPEFS, mtime = 0) {
    super(ino, S_IFIFO | perm, mount, 0, (dst) => this.take(dst), (src) => this.put(src));
    this.mtime = this.atime = this.ctime = mtime;
  }

  get space(): number {
    return PIPE_SIZE - this.used;
  }

  /** Up to dst.length bytes out of the ring (0 when empty). */
  private take(dst: Uint8Array): number {
    const n = this.peek(dst);
    this.consume(n);
    return n;
  }

  /** Copies the oldest bytes to `dst` without taking them. */
  peek(dst: Uint8Array): number {
    const n = Math.min(dst.length, this.used);
    for (let i = 0; i < n; i++) dst[i] = this.ring[(this.head + i) % PIPE_SIZE];
    return n;
  }

  consume(n: number): void {
    this.head = (this.head + n) % PIPE_SIZE;
    this.used -= n;
    this.events++;
  }

  /** As much of `src` as fits. */
  private put(src: Uint8Array): number {
    const n = Math.min(src.length, this.space);
    const tail = this.head + this.used;
    for (let i = 0; i < n; i++) this.ring[(tail + i) % PIPE_SIZE] = src[i];
    this.used += n;
    this.events++;
    return n;
  }
}
