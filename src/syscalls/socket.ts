// net/socket.c and net/unix/af_unix.c: socketpair of AF_UNIX sockets
// (SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM), their reads and writes
// (read_write.ts through fs/anon.ts), sendto, recvfrom and shutdown. Each
// end queues what its peer sent; a stream's bytes run together, a
// datagram's or packet's stay one message. A named socket (socket, bind,
// connect) is not offered. Browser-safe.

import { O_CLOEXEC, O_NONBLOCK, O_RDWR, OpenFile } from "../fs/fdtable.js";
import { OpsInode, SOCKFS } from "../fs/anon.js";
import { S_IFSOCK } from "../fs/inode.js";
import {
  EAFNOSUPPORT, EAGAIN, EBADF, ECONNREFUSED, EFAULT, EINVAL, EISCONN, EMSGSIZE, ENOTCONN, ENOTSOCK, EOPNOTSUPP, EPIPE,
  EPROTONOSUPPORT, ESOCKTNOSUPPORT,
} from "./errno.js";
import type { FileSyscalls } from "./files.js";
import { POLLHUP, POLLIN } from "./poll.js";
import { opsRead, opsWrite } from "./read_write.js";

const AF_UNIX = 1, AF_MAX = 46;
const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_RAW = 3, SOCK_SEQPACKET = 5, SOCK_MAX = 11;
const SOCK_TYPE_MASK = 0xf;
const RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;
const MSG_PEEK = 2, MSG_DONTWAIT = 0x40;
/** net.core.wmem_default: what one end may have sent and its peer not yet read. */
const SK_SNDBUF = 212992;
const POLLOUT = 0x4, POLLRDNORM = 0x40, POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLRDHUP = 0x2000;

class UnixSocket extends OpsInode {
  override readonly stream: boolean;
  peer: UnixSocket | null = null;
  /** What the peer sent, oldest first: a stream's pieces or one message each. */
  private readonly queue: Uint8Array[] = [];
  queued = 0;
  shutdown = 0;
  dead = false;

  constructor(ino: number, readonly kind: number) {
    super(ino, S_IFSOCK | 0o777, SOCKFS, 0);
    this.stream = kind === SOCK_STREAM;
  }

  read(_f: OpenFile, len: number, peek = false): Uint8Array | number {
    if (this.queue.length === 0) return this.shutdown & RCV_SHUTDOWN && this.kind !== SOCK_DGRAM ? new Uint8Array(0) : -EAGAIN;
    let out: Uint8Array;
    if (!this.stream) {
      // One message; what does not fit is lost (unix_dgram_recvmsg).
      const msg = peek ? this.queue[0] : this.queue.shift()!;
      out = msg.subarray(0, len);
      if (!peek) this.queued -= msg.length;
    } else {
      out = new Uint8Array(Math.min(len, this.queued));
      let at = 0, i = 0;
      while (at < out.length) {
        const piece = this.queue[i];
        const n = Math.min(piece.length, out.length - at);
        out.set(piece.subarray(0, n), at);
        at += n;
        if (peek) i++;
        else if (n === piece.length) this.queue.shift();
        else this.queue[0] = piece.subarray(n);
      }
      if (!peek) this.queued -= out.length;
    }
    if (!peek) this.wake();
    return out;
  }

  write(_f: OpenFile, src: Uint8Array): number {
    if (this.shutdown & SEND_SHUTDOWN) return -EPIPE;
    if (this.stream && src.length === 0) return 0;
    const peer = this.peer;
    if (!peer || peer.dead) {
      if (this.kind !== SOCK_DGRAM) return -EPIPE;
      // The first send after the peer went finds it dead; then there is no peer.
      if (!peer) return -ENOTCONN;
      this.peer = null;
      return -ECONNREFUSED;
    }
    if (!this.stream && src.length > SK_SNDBUF - 32) return -EMSGSIZE;
    const room = SK_SNDBUF - peer.queued;
    if (room <= 0 || (!this.stream && room < src.length)) return -EAGAIN;
    const taken = src.slice(0, Math.min(room, src.length));
    peer.queue.push(taken);
    peer.queued += taken.length;
    peer.wake();
    return taken.length;
  }

  /** unix_poll and unix_dgram_poll: unix_writable while what this end sent and the peer has not read is at most a quarter of the buffer. */
  poll(): number {
    let mask = 0;
    if (this.shutdown === SHUTDOWN_MASK) mask |= POLLHUP;
    if (this.shutdown & RCV_SHUTDOWN) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.queue.length > 0) mask |= POLLIN | POLLRDNORM;
    const unread = this.peer && !this.peer.dead ? this.peer.queued : 0;
    if (unread * 4 <= SK_SNDBUF) mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return mask;
  }

  wake(): void {
    this.events++;
    if (this.peer) this.peer.events++;
  }

  /** unix_release_sock: the peer of a stream or packet socket sees both directions shut. */
  release(): void {
    this.dead = true;
    this.queue.length = 0;
    this.queued = 0;
    const peer = this.peer;
    if (peer && this.kind !== SOCK_DGRAM) peer.shutdown = SHUTDOWN_MASK;
    this.peer = null;
    this.wake();
    if (peer) peer.events++;
  }
}

/** socketpair: __sys_socketpair's order (flags, the fds written out, then the family, type and protocol). */
export function socketpair(files: FileSyscalls, family: number, type: number, protocol: number, sv: number): number {
  const flags = type & ~SOCK_TYPE_MASK;
  if (flags & ~(O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  type &= SOCK_TYPE_MASK;
  const kind = type === SOCK_RAW ? SOCK_DGRAM : type;
  const ends = [new UnixSocket(files.ns.ino(), kind), new UnixSocket(files.ns.ino(), kind)];
  const fds: number[] = [];
  for (const end of ends) {
    const f = new OpenFile(end, O_RDWR | (flags & O_NONBLOCK), null, null);
    f.release = () => end.release();
    const fd = files.fds.install(f, (flags & O_CLOEXEC) !== 0);
    if (fd < 0) {
      fds.forEach((d) => files.fds.close(d));
      return fd;
    }
    fds.push(fd);
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setInt32(0, fds[0], true);
  new DataView(out.buffer).setInt32(4, fds[1], true);
  let err = files.mem.copyToUser(sv, out) !== 0 ? -EFAULT : 0;
  if (err === 0) {
    if (family < 0 || family >= AF_MAX) err = -EAFNOSUPPORT;
    else if (type < 0 || type >= SOCK_MAX) err = -EINVAL;
    else if (family !== AF_UNIX) err = -EOPNOTSUPP; // the families faultline has no sockets of; Linux's own give EOPNOTSUPP or EAFNOSUPPORT
    else if (protocol !== 0 && protocol !== AF_UNIX) err = -EPROTONOSUPPORT;
    else if (type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_RAW && type !== SOCK_SEQPACKET) err = -ESOCKTNOSUPPORT;
  }
  if (err !== 0) {
    fds.forEach((d) => files.fds.close(d));
    return err;
  }
  ends[0].peer = ends[1];
  ends[1].peer = ends[0];
  return 0;
}

/** sockfd_lookup: the socket behind fd, or -EBADF / -ENOTSOCK. */
function socketOf(files: FileSyscalls, fd: number): [OpenFile, UnixSocket] | number {
  const f = files.fds.get(fd);
  if (!f) return -EBADF;
  return f.inode instanceof UnixSocket ? [f, f.inode] : -ENOTSOCK;
}

/** sendto (send is it with no address): on a connected socket an address is EISCONN. */
export function sendto(files: FileSyscalls, fd: number, buf: number, len: number, flags: number, addr: number, addrlen: number): number {
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  if (addr !== 0 && addrlen !== 0) return s[1].kind === SOCK_DGRAM ? -EISCONN : s[1].peer ? -EISCONN : -EOPNOTSUPP;
  return opsWrite(files, s[0], s[1], buf, len, (flags & MSG_DONTWAIT) !== 0 || (s[0].flags & O_NONBLOCK) !== 0);
}

/** recvfrom (recv is it with no address): the peer of a socketpair is unnamed, so *addrlen becomes 0. */
export function recvfrom(files: FileSyscalls, fd: number, buf: number, len: number, flags: number, addr: number, addrlenAddr: number): number {
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  const peek = (flags & MSG_PEEK) !== 0;
  const sock = s[1];
  const reader = { read: (f: OpenFile, n: number) => sock.read(f, n, peek), poll: () => sock.poll() };
  const r = opsRead(files, s[0], reader, buf, len, (flags & MSG_DONTWAIT) !== 0 || (s[0].flags & O_NONBLOCK) !== 0);
  if (r >= 0 && addr !== 0 && addrlenAddr !== 0 && files.mem.copyToUser(addrlenAddr, new Uint8Array(4)) !== 0) return -EFAULT;
  return r;
}

/** shutdown: SHUT_RD, SHUT_WR, SHUT_RDWR (how + 1 as the shutdown bits); a stream's or packet's peer gets the mirror. */
export function shutdown(files: FileSyscalls, fd: number, how: number): number {
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  if (how < 0 || how > 2) return -EINVAL;
  const sock = s[1];
  const mode = how + 1;
  sock.shutdown |= mode;
  const peer = sock.peer;
  if (peer && !peer.dead && sock.kind !== SOCK_DGRAM) peer.shutdown |= ((mode & RCV_SHUTDOWN) << 1) | ((mode & SEND_SHUTDOWN) >> 1);
  sock.wake();
  return 0;
}

