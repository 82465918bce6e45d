// fs/pipe.c: pipe2 and the pipe's read and write, which sleep (-ERESTARTSYS
// with `waitFor` set) until the pipe has bytes or room. Browser-safe.

import { O_CLOEXEC, O_DIRECT, O_NONBLOCK, O_RDONLY, O_WRONLY, OpenFile } from "../fs/fdtable.js";
import { PIPE_BUF, PipeInode } from "../fs/pipe.js";
import { EAGAIN, EFAULT, EINVAL, EPIPE, ERESTARTSYS } from "./errno.js";
import type { FileSyscalls } from "./files.js";

/** pipe2: a read end and a write end, each an open file counted by the pipe. */
export function pipe2(files: FileSyscalls, fdsAddr: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return -EINVAL;
  const pipe = new PipeInode(files.ns.ino());
  const end = (acc: number, count: "readers" | "writers") => {
    const f = new OpenFile(pipe, acc | (flags & (O_NONBLOCK | O_DIRECT)), null, null);
    pipe[count]++;
    f.release = () => {
      pipe[count]--;
      pipe.events++;
    };
    return f;
  };
  const r = end(O_RDONLY, "readers"), w = end(O_WRONLY, "writers");
  const rfd = files.fds.install(r, (flags & O_CLOEXEC) !== 0);
  if (rfd < 0) {
    r.release!(), w.release!();
    return rfd;
  }
  const wfd = files.fds.install(w, (flags & O_CLOEXEC) !== 0);
  if (wfd < 0) {
    files.fds.close(rfd), w.release!();
    return wfd;
  }
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setInt32(0, rfd, true);
  v.setInt32(4, wfd, true);
  if (files.mem.copyToUser(fdsAddr, out) !== 0) {
    files.fds.close(rfd), files.fds.close(wfd);
    return -EFAULT;
  }
  return 0;
}

/** pipe_read: what the pipe holds, up to `len`; 0 once no writer is left; else -EAGAIN or a wait. */
export function pipeRead(files: FileSyscalls, f: OpenFile, pipe: PipeInode, buf: number, len: number): number {
  if (len === 0) return 0;
  if (pipe.used === 0) {
    if (pipe.writers === 0) return 0;
    if (f.flags & O_NONBLOCK) return -EAGAIN;
    return wait(files, () => pipe.used > 0 || pipe.writers === 0);
  }
  const bytes = new Uint8Array(Math.min(len, pipe.used));
  pipe.peek(bytes);
  let done = 0;
  while (done < bytes.length) {
    const n = Math.min(bytes.length - done, 4096 - ((buf + done) % 4096));
    if (files.mem.copyToUser(buf + done, bytes.subarray(done, done + n)) !== 0) break;
    done += n;
  }
  pipe.consume(done);
  return done || -EFAULT;
}

/**
 * pipe_write: a write of at most PIPE_BUF bytes goes in whole or waits;
 * a longer one fills what room there is and waits for more, its count so
 * far kept in files.pipeWritten: a signal ends the wait with that count
 * (Syscalls.interrupted). No reader left: -EPIPE (the caller sends
 * SIGPIPE), or the count written before.
 */
export function pipeWrite(files: FileSyscalls, f: OpenFile, pipe: PipeInode, buf: number, len: number): number {
  let done = files.pipeWritten;
  files.pipeWritten = 0;
  for (;;) {
    if (pipe.readers === 0) return done || -EPIPE;
    const left = len - done;
    if (left === 0) return done;
    const room = pipe.space;
    if (room === 0 || (left <= PIPE_BUF && room < left)) {
      if (f.flags & O_NONBLOCK) return done || -EAGAIN;
      files.pipeWritten = done;
      return wait(files, () => pipe.space >= Math.min(left, PIPE_BUF) || pipe.readers === 0);
    }
    const bytes = new Uint8Array(Math.min(left, room));
    let got = 0;
    while (got < bytes.length) {
      const n = Math.min(bytes.length - got, 4096 - ((buf + done + got) % 4096));
      if (files.mem.copyFromUser(bytes.subarray(got, got + n), buf + done + got, n) !== 0) break;
      got += n;
    }
    pipe.write(bytes.subarray(0, got));
    done += got;
    if (got < bytes.length) return done || -EFAULT;
  }
}

/** The task sleeps until `ready` (the syscall then runs again). */
function wait(files: FileSyscalls, ready: () => boolean): number {
  files.waitFor = ready;
  return -ERESTARTSYS;
}
