// fs/read_write.c: read, write, pread64, pwrite64, readv, writev, preadv,
// pwritev, preadv2, pwritev2, lseek, sendfile and copy_file_range; regular files through the page cache,
// devices and FIFOs as streams, pipes through pipe.ts. Browser-safe.

import { O_APPEND, O_NONBLOCK, O_PATH, type OpenFile } from "../fs/fdtable.js";
import { DirInode, RegularInode, S_IFIFO, S_IFSOCK, StreamInode } from "../fs/inode.js";
import { TASK_SIZE } from "../abi.js";
import { PipeInode } from "../fs/pipe.js";
import { EAGAIN, EBADF, EFAULT, EFBIG, EINVAL, EISDIR, ENOMEM, EOPNOTSUPP, EOVERFLOW, ERESTARTSYS, ESPIPE, EXDEV } from "./errno.js";
import { MAX_RW_COUNT, import_iovec, iov_iter_count } from "./iov_iter.js";
import { OpsInode } from "../fs/anon.js";
import { POLLERR, POLLHUP, POLLIN, POLLOUT } from "./poll.js";
import type { FileSyscalls } from "./files.js";
import { pipeRead, pipeWrite } from "./pipe.js";

/** A write hands the file at most this many bytes at a time. */
const WRITE_BATCH = 65536;
/** The most a /proc knob's write copies in (KMALLOC_MAX_SIZE). */
const KMALLOC_MAX_SIZE = 4 << 20;
/** The highest offset a file may have (MAX_LFS_FILESIZE), and as a bigint for copy_file_range's loff_t arithmetic. */
const MAX_LFS_FILESIZE = 2 ** 63 - 1, MAX_LFS_FILESIZE_N = 2n ** 63n - 1n;

/** A readable open file, or -EBADF/-EISDIR/-EINVAL. */
function readable(files: FileSyscalls, fd: number): OpenFile | number {
  const f = files.fds.get(fd);
  if (!f || !f.readable) return -EBADF;
  if (f.inode instanceof DirInode) return -EISDIR;
  return f;
}

/** read (at null: the file offset) and pread64. */
export function read(files: FileSyscalls, fd: number, buf: number, count: number, at: number | null): number {
  const f = readable(files, fd);
  if (typeof f === "number") return f;
  return readFile(files, f, buf, count, at);
}

/** Copies up to `count` bytes of `f` to user memory page by page: the count before the first fault, or -EFAULT. */
function readFile(files: FileSyscalls, f: OpenFile, buf: number, count: number, at: number | null): number {
  const bad = rwCheck(f, buf, count, at);
  if (bad !== 0) return bad;
  const len = Math.min(count, MAX_RW_COUNT);
  if (f.inode instanceof PipeInode) return pipeRead(files, f, f.inode, buf, len);
  if (f.inode instanceof OpsInode) return opsRead(files, f, f.inode, buf, len);
  if (!f.data) return readStream(files, f.inode as StreamInode, buf, len);
  if (f.data.readOp) return readOpFile(files, f, f.data.readOp.bind(f.data), buf, len, at);
  const kfile = files.cached.get(f);
  let pos = at ?? f.pos;
  let done = 0;
  let faulted = false;
  while (done < len) {
    const chunk = new Uint8Array(Math.min(len - done, 4096 - ((buf + done) % 4096)));
    const got = kfile !== undefined ? files.cache!.read(kfile, pos, chunk) : f.data.read(pos, chunk);
    if (got === 0) break;
    if (files.mem.copyToUser(buf + done, chunk.subarray(0, got)) !== 0) {
      faulted = true;
      break;
    }
    done += got;
    pos += got;
    if (got < chunk.length) break;
  }
  if (at === null) f.pos = pos;
  return done === 0 && faulted ? -EFAULT : done;
}

/**
 * A file with a read op of its own (a /proc file such as pagemap): chunk by
 * chunk as it hands them, each copied out, until it ends or a copy faults.
 * It is asked even for 0 bytes: it checks the position and count.
 */
function readOpFile(files: FileSyscalls, f: OpenFile, op: (pos: number, count: number) => Uint8Array | number, buf: number, len: number, at: number | null): number {
  let pos = at ?? f.pos;
  let done = 0;
  do {
    const got = op(pos, len - done);
    if (typeof got === "number") return done || got;
    if (got.length === 0) break;
    if (files.mem.copyToUser(buf + done, got) !== 0) return done || -EFAULT;
    done += got.length;
    pos += got.length;
    if (at === null) f.pos = pos;
  } while (done < len);
  return done;
}

/**
 * A device or FIFO read: a FIFO (stdin) is asked once, for what it has
 * (it may be a terminal: asking again would wait); a memory device fills
 * the whole count. What a fault leaves uncopied goes back to the stream.
 */
function readStream(files: FileSyscalls, inode: StreamInode, buf: number, len: number): number {
  let done = 0;
  while (done < len) {
    const chunk = new Uint8Array(Math.min(len - done, WRITE_BATCH));
    const got = inode.read(chunk);
    if (got <= 0) return done || got;
    let copied = 0;
    while (copied < got) {
      const n = Math.min(got - copied, 4096 - ((buf + done + copied) % 4096));
      if (files.mem.copyToUser(buf + done + copied, chunk.subarray(copied, copied + n)) !== 0) break;
      copied += n;
    }
    done += copied;
    if (copied < got) {
      inode.unread?.(got - copied);
      return done || -EFAULT;
    }
    if (inode.type === S_IFIFO) break;
  }
  return done;
}

export function write(files: FileSyscalls, fd: number, buf: number, count: number, at: number | null): number {
  const f = files.fds.get(fd);
  if (!f || !f.writable) return -EBADF;
  return writeFile(files, f, buf, count, at);
}

/** Hands the file fresh buffers of at most WRITE_BATCH bytes (a stream's sink may keep them). */
function writeFile(files: FileSyscalls, f: OpenFile, buf: number, count: number, at: number | null): number {
  const bad = rwCheck(f, buf, count, at);
  if (bad !== 0) return bad;
  let len = Math.min(count, MAX_RW_COUNT);
  if (f.inode instanceof PipeInode) return pipeWrite(files, f, f.inode, buf, len);
  if (f.inode instanceof OpsInode) return opsWrite(files, f, f.inode, buf, len);
  if (f.inode instanceof RegularInode && f.inode.store) return storeWrite(files, f, f.inode.store, buf, len, at);
  const data = f.data;
  if (data && !data.write) return -EINVAL;
  let pos = at ?? (data && f.flags & O_APPEND ? data.size() : f.pos);
  if (f.inode instanceof RegularInode && len > 0) {
    len = writeLimit(files, pos, len);
    if (len < 0) return len;
  }
  let done = 0;
  while (done < len) {
    const batch = new Uint8Array(Math.min(len - done, WRITE_BATCH));
    let got = 0;
    while (got < batch.length) {
      const n = Math.min(batch.length - got, 4096 - ((buf + done + got) % 4096));
      if (files.mem.copyFromUser(batch.subarray(got, got + n), buf + done + got, n) !== 0) break;
      got += n;
    }
    if (got > 0) {
      const r = writeBytes(files, f, pos, batch.subarray(0, got));
      if (r < 0) return done || r;
      pos += r;
      done += r;
      // A short write (a seal against growing, memory short) ends the call.
      if (r < got) break;
    }
    if (got < batch.length) break;
  }
  if (at === null && data) f.pos = pos;
  return done === 0 && len > 0 ? -EFAULT : done;
}

/** A file of its own operations (fs/anon.ts): what it gives, copied out; a blocking file with nothing waits until it polls readable. */
export function opsRead(files: FileSyscalls, f: OpenFile, inode: Pick<OpsInode, "read" | "poll">, buf: number, len: number,
  nonblock = (f.flags & O_NONBLOCK) !== 0): number {
  const r = inode.read(f, len);
  if (r === -EAGAIN && !nonblock) {
    files.waitFor = () => (inode.poll(f) & (POLLIN | POLLHUP | POLLERR)) !== 0;
    return -ERESTARTSYS;
  }
  if (typeof r === "number") return r;
  let done = 0;
  while (done < r.length) {
    const n = Math.min(r.length - done, 4096 - ((buf + done) % 4096));
    if (files.mem.copyToUser(buf + done, r.subarray(done, done + n)) !== 0) break;
    done += n;
  }
  return done || (r.length ? -EFAULT : 0);
}

/**
 * A write to a file of its own operations: a stream takes the bytes in
 * pieces, a blocking one waiting for room until all are taken (the count so
 * far in files.pipeWritten across the waits, as pipe_write keeps it).
 */
export function opsWrite(files: FileSyscalls, f: OpenFile, inode: OpsInode, buf: number, len: number, nonblock = (f.flags & O_NONBLOCK) !== 0): number {
  let done = files.pipeWritten;
  files.pipeWritten = 0;
  do {
    const bytes = new Uint8Array(Math.min(len - done, WRITE_BATCH));
    if (bytes.length > 0 && files.mem.copyFromUser(bytes, buf + done, bytes.length) !== 0) return done || -EFAULT;
    const r = inode.write(f, bytes);
    if (r === -EAGAIN && !nonblock) {
      files.pipeWritten = done;
      files.waitFor = () => (inode.poll(f) & (POLLOUT | POLLHUP | POLLERR)) !== 0;
      return -ERESTARTSYS;
    }
    if (r < 0) return done || r;
    if (!inode.stream) return r;
    done += r;
  } while (done < len);
  return done;
}

/**
 * A write to a /proc knob (proc_sys_call_handler): the whole buffer
 * copied in, then handed to the file's handler at once, not to the page cache.
 */
function storeWrite(files: FileSyscalls, f: OpenFile, store: (pos: number, bytes: Uint8Array) => number, buf: number, len: number, at: number | null): number {
  if (len > KMALLOC_MAX_SIZE) return -ENOMEM;
  const bytes = new Uint8Array(len);
  if (len > 0 && files.mem.copyFromUser(bytes, buf, len) !== 0) return -EFAULT;
  const r = store(at ?? f.pos, bytes);
  if (r > 0 && at === null) f.pos += r;
  return r;
}

/**
 * generic_write_check_limits' RLIMIT_FSIZE part: how many of `count` bytes a
 * write at `pos` may put in a regular file; one at or past the limit none,
 * and it sends SIGXFSZ. @return the count, or -EFBIG
 */
function writeLimit(files: FileSyscalls, pos: number, count: number): number {
  const limit = files.fileSizeLimit();
  if (pos >= limit) {
    files.sigxfsz();
    return -EFBIG;
  }
  return Math.min(count, limit - pos);
}

/** Bytes from the kernel side to `f` at `pos` (a stream ignores it): through the page cache when the file is in it. */
function writeBytes(files: FileSyscalls, f: OpenFile, pos: number, bytes: Uint8Array): number {
  const kfile = files.cached.get(f);
  if (kfile !== undefined) return files.cache!.write(kfile, pos, bytes);
  return f.data ? f.data.write!(pos, bytes) : (f.inode as StreamInode).write(bytes);
}

/**
 * sendfile: do_sendfile's checks in Linux's order, then the bytes go from
 * `in`'s page cache to `out` without passing through user memory.
 */
export function sendfile(files: FileSyscalls, outFd: number, inFd: number, offsetAddr: number, count: number): number {
  const src = files.fds.get(inFd);
  if (!src || !src.readable) return -EBADF;
  let pos = src.pos;
  const offset = new Uint8Array(8);
  if (offsetAddr !== 0) {
    if (files.mem.copyFromUser(offset, offsetAddr, 8) !== 0) return -EFAULT;
    pos = Number(new DataView(offset.buffer).getBigInt64(0, true));
    if (!src.data) return -ESPIPE;
    if (pos < 0) return -EINVAL;
  }
  const dst = files.fds.get(outFd);
  if (!dst || !dst.writable) return -EBADF;
  if (dst.flags & O_APPEND) return -EINVAL;
  if (dst.data && !dst.data.write) return -EINVAL;
  if (!src.data || src.inode instanceof DirInode) return -EINVAL;   // only a file's pages can be spliced here
  if (src.data.noSplice) return -EINVAL;
  const done = spliceDirect(files, src, pos, dst, null, Math.min(count, MAX_RW_COUNT));
  if (done < 0) return done;
  pos += done;
  if (offsetAddr !== 0) {
    new DataView(offset.buffer).setBigInt64(0, BigInt(pos), true);
    if (files.mem.copyToUser(offsetAddr, offset) !== 0) return -EFAULT;
  } else src.pos = pos;
  return done;
}

/**
 * do_splice_direct: up to `len` bytes of `src` from `pos` to `dst` at `out`
 * (null: at its offset, which moves on; a stream's none), through the page
 * cache and never through user memory. @return the count, or -errno when
 * nothing moved.
 */
function spliceDirect(files: FileSyscalls, src: OpenFile, pos: number, dst: OpenFile, out: number | null, len: number): number {
  const kfile = files.cached.get(src);
  let done = 0;
  while (done < len) {
    const chunk = new Uint8Array(Math.min(len - done, WRITE_BATCH));
    const got = kfile !== undefined ? files.cache!.read(kfile, pos + done, chunk) : src.data!.read(pos + done, chunk);
    if (got === 0) break;
    // iter_file_splice_write: a short write is tried again with the rest, whose error (SIGXFSZ's) ends the call
    for (let at = 0; at < got;) {
      const where = out === null ? dst.pos : out + done;
      const n = dst.inode instanceof RegularInode ? writeLimit(files, where, got - at) : got - at;
      const r = n < 0 ? n : writeBytes(files, dst, where, chunk.subarray(at, at + n));
      if (r <= 0) return done || r;
      if (out === null && dst.data) dst.pos += r;
      done += r;
      at += r;
    }
  }
  return done;
}

/**
 * copy_file_range(fd_in, off_in, fd_out, off_out, len, flags): the checks of
 * the syscall, generic_copy_file_checks and rw_verify_area in Linux's order
 * (loff_t offsets and a size_t count, their sums wrapping as C's do), then,
 * no file system here having a copy_file_range or a reflink of its own, the
 * splice fallback Linux takes within one file system; across two, EXDEV.
 * Each offset given moves on by the count, else the file's. `len` is the
 * register, signed.
 */
export function copyFileRange(files: FileSyscalls, fdIn: number, offIn: number, fdOut: number, offOut: number, len: number, flags: number): number {
  const src = files.fds.get(fdIn), dst = files.fds.get(fdOut);
  if (!src || src.flags & O_PATH || !dst || dst.flags & O_PATH) return -EBADF;
  const pos = [BigInt(src.pos), BigInt(dst.pos)];
  const loff = [new Uint8Array(8), new Uint8Array(8)];
  for (const [i, addr] of [offIn, offOut].entries()) {
    if (addr === 0) continue;
    if (files.mem.copyFromUser(loff[i], addr, 8) !== 0) return -EFAULT;
    pos[i] = new DataView(loff[i].buffer).getBigInt64(0, true);
  }
  if (flags !== 0) return -EINVAL;
  // generic_file_rw_checks
  const inIn = src.inode, inOut = dst.inode;
  if (inIn instanceof DirInode || inOut instanceof DirInode) return -EISDIR;
  if (!(inIn instanceof RegularInode) || !(inOut instanceof RegularInode)) return -EINVAL;
  if (!src.readable || !dst.writable || dst.flags & O_APPEND) return -EBADF;
  if (inIn.mount !== inOut.mount) return -EXDEV;
  const u64 = (v: bigint) => BigInt.asUintN(64, v), s64 = (v: bigint) => BigInt.asIntN(64, v);
  const [posIn, posOut] = pos;
  let count = u64(BigInt(len));
  if (u64(posIn + count) < u64(posIn) || u64(posOut + count) < u64(posOut)) return -EOVERFLOW;
  const sizeIn = BigInt(inIn.size());
  count = s64(posIn) >= sizeIn ? 0n : min(count, u64(sizeIn - u64(posIn)));
  // generic_write_check_limits (writeLimit's in loff_t): RLIMIT_FSIZE, then tmpfs's s_maxbytes (a host file is never open for writing)
  const limit = files.fileSizeLimit();
  if (limit !== Infinity) {
    if (posOut >= BigInt(limit)) {
      files.sigxfsz();
      return -EFBIG;
    }
    count = u64(min(s64(count), BigInt(limit) - posOut));
  }
  if (posOut >= MAX_LFS_FILESIZE_N) return -EFBIG;
  count = u64(min(s64(count), MAX_LFS_FILESIZE_N - posOut));
  if (inIn === inOut && u64(posOut + count) > u64(posIn) && u64(posOut) < u64(posIn + count)) return -EINVAL;
  // rw_verify_area, for reading then writing
  for (const p of pos) if (s64(count) < 0n || p < 0n || s64(p + count) < 0n) return -EINVAL;
  if (count === 0n) return 0;
  const done = spliceDirect(files, src, Number(posIn), dst, Number(posOut), Math.min(Number(count), MAX_RW_COUNT));
  if (done <= 0) return done;
  let ret = done;
  for (const [i, addr] of [offIn, offOut].entries()) {
    const next = pos[i] + BigInt(done);
    if (addr === 0) (i === 0 ? src : dst).pos = Number(next);
    else {
      new DataView(loff[i].buffer).setBigInt64(0, next, true);
      if (files.mem.copyToUser(addr, loff[i]) !== 0) ret = -EFAULT;
    }
  }
  return ret;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

/** preadv2/pwritev2's flags: every RWF_* Linux knows; those a file here takes (RWF_NOWAIT, RWF_ATOMIC and RWF_DONTCACHE it offers none). */
const RWF_SUPPORTED = 0xff, RWF_HIPRI = 1, RWF_DSYNC = 2, RWF_SYNC = 4, RWF_APPEND = 0x10, RWF_NOAPPEND = 0x20;
const RWF_TAKEN = RWF_HIPRI | RWF_DSYNC | RWF_SYNC | RWF_APPEND | RWF_NOAPPEND;

/**
 * readv, writev, preadv, pwritev, preadv2 and pwritev2 (do_preadv and
 * vfs_readv's order): a position (null: the file's) below 0, the fd, a
 * position on a file without one, the file's mode, import_iovec, then
 * each piece in turn. A blocking write keeps its count so far across its
 * waits in files.pipeWritten, as pipe_write does.
 */
export function vector(files: FileSyscalls, fd: number, uvec: number, vlen: number, pos: number | null, writing: boolean, flags = 0): number {
  if (pos !== null && pos < 0) return -EINVAL;
  const f = files.fds.get(fd);
  if (!f) return -EBADF;
  if (pos !== null && !f.data) return -ESPIPE;
  if (!(writing ? f.writable : f.readable)) return -EBADF;
  const iov = import_iovec(files.mem, uvec, vlen);
  if (typeof iov === "number") return iov;
  if (iov_iter_count(iov) === 0) return 0;
  if (!writing && f.inode instanceof DirInode) return -EISDIR;
  // kiocb_set_rw_flags
  if (flags & ~RWF_SUPPORTED) return -EOPNOTSUPP;
  if ((flags & (RWF_APPEND | RWF_NOAPPEND)) === (RWF_APPEND | RWF_NOAPPEND)) return -EINVAL;
  if (flags & ~RWF_TAKEN) return -EOPNOTSUPP;
  const append = writing && f.data !== null && (flags & RWF_APPEND || (pos === null && f.flags & O_APPEND && !(flags & RWF_NOAPPEND)));
  let done = files.pipeWritten;
  files.pipeWritten = 0;
  let skip = done;
  for (const [base, len] of iov) {
    if (skip >= len) {
      skip -= len;
      continue;
    }
    // A piece a wait cut short goes on where it stopped.
    files.pipeWritten = skip;
    const at = append ? f.data!.size() : pos === null ? (writing && f.data ? f.pos : null) : pos + done - skip;
    const r = writing ? writeFile(files, f, base, len, at) : readFile(files, f, base, len, at);
    if (r === -ERESTARTSYS && writing) {
      files.pipeWritten += done - skip;
      return r;
    }
    files.pipeWritten = 0;
    if (r < 0) {
      if (done === 0) return r;
      files.waitFor = null;
      break;
    }
    if (writing && pos === null && f.data) f.pos = at! + r - skip;
    done += r - skip;
    skip = 0;
    if (r < len) break;
  }
  return done;
}

export function lseek(files: FileSyscalls, fd: number, offset: number, whence: number): number {
  const f = files.fds.get(fd);
  if (!f || f.flags & O_PATH) return -EBADF;
  if (f.inode.type === S_IFIFO || f.inode.type === S_IFSOCK) return -ESPIPE;
  if (f.inode instanceof StreamInode || f.inode instanceof OpsInode) return 0; // eventfd and epoll too: noop_llseek // the memory devices: noop_llseek at 0
  let next: number;
  const SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
  const size = f.data ? f.data.size() : 0;
  if (f.data?.readOp && whence !== SEEK_SET && whence !== SEEK_CUR) return -EINVAL;  // mem_lseek
  switch (whence) {
    case SEEK_SET: next = offset; break;
    case SEEK_CUR: next = f.pos + offset; break;
    case SEEK_END: next = size + offset; break;
    case SEEK_DATA:
    case SEEK_HOLE:
      if (!f.data) return -EINVAL;
      if (offset < 0 || offset >= size) return -6; // ENXIO
      next = whence === SEEK_DATA ? offset : size;
      break;
    default: return -EINVAL;
  }
  if (next < 0 || next > MAX_LFS_FILESIZE) return -EINVAL;
  f.pos = next;
  return next;
}

/** The checks read and write share: a position only on a file that has one; access_ok on the buffer. */
function rwCheck(f: OpenFile, buf: number, count: number, at: number | null): number {
  if (at !== null) {
    if (at < 0) return -EINVAL;
    if (!f.data) return -ESPIPE;
  }
  if (count > 0 && (buf < 0 || buf + count > TASK_SIZE)) return -EFAULT;
  return 0;
}
