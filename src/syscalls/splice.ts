// fs/splice.c's vmsplice: a user's buffers into a pipe (vmsplice_to_pipe)
// or out of it (vmsplice_to_user). The pipe takes a copy of the bytes,
// SPLICE_F_GIFT's too, where Linux's holds the user's pages: a change to
// the buffer before the reader takes it is not seen, and the pipe counts
// bytes, where Linux's counts each page piece as one of its 16 buffers.
// Browser-safe.

import { PipeInode } from "../fs/pipe.js";
import { EAGAIN, EBADF, EFAULT, EINVAL, EPIPE, ERESTARTSYS } from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { type Iovec, copy_to_iter, import_iovec, iov_iter_count } from "./iov_iter.js";

const SPLICE_F_NONBLOCK = 2;
/** SPLICE_F_MOVE, SPLICE_F_NONBLOCK, SPLICE_F_MORE, SPLICE_F_GIFT. */
const SPLICE_F_ALL = 0xf;

/** vmsplice(fd, iov, nr_segs, flags): into the pipe when fd is open for writing (vmsplice_type), else out of it. */
export function vmsplice(files: FileSyscalls, fd: number, uiov: number, nr_segs: number, flags: number): number {
  if (flags & ~SPLICE_F_ALL) return -EINVAL;
  const f = files.fds.get(fd);
  if (!f || !(f.writable || f.readable)) return -EBADF;
  const iov = import_iovec(files.mem, uiov, nr_segs);
  if (typeof iov === "number") return iov;
  const total = iov_iter_count(iov);
  if (total === 0) return 0;
  // get_pipe_info: a pipe or a FIFO.
  if (!(f.inode instanceof PipeInode)) return -EBADF;
  return f.writable ? vmsplice_to_pipe(files, f.inode, iov, total, flags) : vmsplice_to_user(files, f.inode, iov, total, flags);
}

/** wait_for_space, then iter_to_pipe: what fits of the pieces, up to the first page that cannot be read; no reader is EPIPE (SIGPIPE). */
function vmsplice_to_pipe(files: FileSyscalls, pipe: PipeInode, iov: Iovec[], total: number, flags: number): number {
  if (pipe.readers === 0) return -EPIPE;
  if (pipe.space === 0) {
    if (flags & SPLICE_F_NONBLOCK) return -EAGAIN;
    files.waitFor = () => pipe.space > 0 || pipe.readers === 0;
    return -ERESTARTSYS;
  }
  const bytes = new Uint8Array(Math.min(total, pipe.space));
  let got = 0;
  for (const [base, len] of iov) {
    for (let off = 0; off < len && got < bytes.length;) {
      const n = Math.min(len - off, bytes.length - got, 4096 - ((base + off) % 4096));
      if (files.mem.copyFromUser(bytes.subarray(got, got + n), base + off, n) !== 0) return got ? (pipe.write(bytes.subarray(0, got)), got) : -EFAULT;
      got += n;
      off += n;
    }
  }
  pipe.write(bytes);
  return got;
}

/** __splice_from_pipe with pipe_to_user: what the pipe holds, up to the pieces' room; an empty pipe waits (EAGAIN with SPLICE_F_NONBLOCK) unless no writer is left (0). */
function vmsplice_to_user(files: FileSyscalls, pipe: PipeInode, iov: Iovec[], total: number, flags: number): number {
  if (pipe.used === 0) {
    if (pipe.writers === 0) return 0;
    if (flags & SPLICE_F_NONBLOCK) return -EAGAIN;
    files.waitFor = () => pipe.used > 0 || pipe.writers === 0;
    return -ERESTARTSYS;
  }
  const bytes = new Uint8Array(Math.min(total, pipe.used));
  pipe.peek(bytes);
  const n = copy_to_iter(files.mem, iov, 0, bytes);
  pipe.consume(n);
  return n || -EFAULT;
}
