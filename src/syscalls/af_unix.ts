// net/unix/af_unix.c: the AF_UNIX socket (SOCK_STREAM, SOCK_SEQPACKET,
// SOCK_DGRAM) and its operations: bind (a path, which gets an S_IFSOCK
// inode, an abstract name with a leading NUL, or autobind's "\0xxxxx"),
// listen, connect (a stream's lands in the listener's queue as an embryo
// socket at once; accept takes it), datagrams to a named socket, the
// receive queue of messages (sk_buff: bytes, sender, credentials, files in
// flight), shutdown, release and the poll masks. The syscalls around it
// are socket.ts's. Browser-safe.

import { current } from "./current.js";
import type { OpenFile } from "../fs/fdtable.js";
import { OpsInode, SOCKFS } from "../fs/anon.js";
import { Inode, S_IFSOCK, type Mount } from "../fs/inode.js";
import type { Found, Namespace } from "../fs/namespace.js";
import {
  EADDRINUSE, EAGAIN, ECONNREFUSED, ECONNRESET, EINVAL, EISCONN, EMSGSIZE, ENOTCONN, EOPNOTSUPP, EPERM, EPIPE, EPROTOTYPE,
} from "./errno.js";

export const AF_UNIX = 1;
export const SOCK_STREAM = 1, SOCK_DGRAM = 2, SOCK_SEQPACKET = 5;
export const RCV_SHUTDOWN = 1, SEND_SHUTDOWN = 2, SHUTDOWN_MASK = 3;
export const MSG_PEEK = 2, MSG_TRUNC = 0x20, MSG_WAITALL = 0x100;
/** offsetof(struct sockaddr_un, sun_path), and sizeof(struct sockaddr_un). */
export const SUN_PATH = 2, SOCKADDR_UN = 110;
/** net.core.wmem_default and rmem_default: a socket's SO_SNDBUF and SO_RCVBUF at creation. */
export const SK_WMEM_DEFAULT = 212992;
/** net.unix.max_dgram_qlen: a datagram socket's sk_max_ack_backlog. */
const MAX_DGRAM_QLEN = 10;
const POLLIN = 0x1, POLLOUT = 0x4, POLLERR = 0x8, POLLHUP = 0x10, POLLRDNORM = 0x40, POLLWRNORM = 0x100, POLLWRBAND = 0x200, POLLRDHUP = 0x2000;

/** struct ucred: a sender's or a peer's pid, uid and gid. */
export interface Ucred { pid: number; uid: number; gid: number }

/** One queued message (sk_buff and UNIXCB): its bytes, its sender, the credentials and files it carries. */
/** What a send carries besides bytes (struct scm_cookie): the caller's credentials, those SCM_CREDENTIALS gave, the files SCM_RIGHTS gave. */
export interface Scm { cred: Ucred; explicit: Ucred | null; fds: OpenFile[] | null }

export interface Skb { data: Uint8Array; from: UnixSocket; cred: Ucred | null; fds: OpenFile[] | null }

/** What a receive gives: the bytes, the message's whole length, its sender, and what it carried. */
export interface Received { data: Uint8Array; len: number; from: UnixSocket | null; cred: Ucred | null; fds: OpenFile[] | null }

/** A socket's name in the file system (the inode unix_bind_bsd makes): connect finds the socket through it. */
export class SockName extends Inode {
  socket: UnixSocket | null = null;
  constructor(ino: number, mode: number, mount: Mount, mtime: number) {
    super(ino, mode, mount, mtime);
  }
}

/** What a message carries of its sender (scm_set_cred): its process's pid, its real uid and gid. */
export function currentCred(): Ucred {
  return { pid: current.pid, uid: current.cred.uid, gid: current.cred.gid };
}

/** Each namespace's abstract names, by type and name (unix_abstract_hash mixes the type in). */
const abstractNames = new WeakMap<Namespace, Map<string, UnixSocket>>();
/** Autobind's next name, per namespace (Linux starts from a random number). */
const autobindNext = new WeakMap<Namespace, number>();

function abstractTable(ns: Namespace): Map<string, UnixSocket> {
  let t = abstractNames.get(ns);
  if (!t) abstractNames.set(ns, (t = new Map()));
  return t;
}

function abstractKey(type: number, addr: Uint8Array): string {
  return `${type}:${Array.from(addr.subarray(SUN_PATH)).join(",")}`;
}

/** unix_mkname_bsd: a path address ends at its first NUL; its length counts that NUL. */
export function mknameBsd(addr: Uint8Array): Uint8Array {
  const nul = addr.indexOf(0, SUN_PATH);
  const end = nul < 0 ? addr.length : nul;
  const out = new Uint8Array(end + 1);
  out.set(addr.subarray(0, end));
  return out;
}

/** unix_validate_addr: a family and at most sun_path's 108 bytes. */
export function validateAddr(addr: Uint8Array): number {
  if (addr.length <= SUN_PATH || addr.length > SOCKADDR_UN) return -EINVAL;
  return (addr[0] | (addr[1] << 8)) === AF_UNIX ? 0 : -EINVAL;
}

export class UnixSocket extends OpsInode {
  override readonly stream: boolean;
  state: "close" | "listen" | "established" = "close";
  peer: UnixSocket | null = null;
  /** The receive queue: messages, oldest first. */
  readonly queue: Skb[] = [];
  /** A listener's connections not yet accepted (embryo sockets, in its receive queue in Linux). */
  readonly pending: UnixSocket[] = [];
  /** sk_max_ack_backlog: listen's backlog, or a datagram socket's queue length. */
  backlog = MAX_DGRAM_QLEN;
  /** Bytes in the receive queue. */
  queued = 0;
  /** Bytes this socket sent that are still queued somewhere (sk_wmem_alloc). */
  wmem = 0;
  shutdown = 0;
  dead = false;
  /** sk_err: a pending error, reported once. */
  err = 0;
  /** The bound address (a struct sockaddr_un of addr->len bytes), or null. */
  addr: Uint8Array | null = null;
  private name: SockName | null = null;
  passcred = false;
  /** sk_rcvtimeo and sk_sndtimeo, in jiffies (Infinity: MAX_SCHEDULE_TIMEOUT, no limit). */
  rcvtimeo = Infinity;
  sndtimeo = Infinity;
  sndbuf = SK_WMEM_DEFAULT;
  rcvbuf = SK_WMEM_DEFAULT;
  /** SO_PEERCRED: the peer's credentials when it connected (a listener's own, from listen). */
  peerCred: Ucred | null = null;

  constructor(ino: number, readonly kind: number, readonly ns: Namespace) {
    super(ino, S_IFSOCK | 0o777, SOCKFS, 0);
    this.stream = kind === SOCK_STREAM;
  }

  get connectionless(): boolean {
    return this.kind === SOCK_DGRAM;
  }

  /** unix_show_fdinfo: the descriptors in flight in its receive queue (a listener's: in its embryos' queues). */
  override showFdinfo(): string {
    const fds = (q: Skb[]) => q.reduce((n, skb) => n + (skb.fds?.length ?? 0), 0);
    const n = this.state === "listen" ? this.pending.reduce((k, s) => k + fds(s.queue), 0) : this.connectionless || this.state === "established" ? fds(this.queue) : 0;
    return `scm_fds: ${n}\n`;
  }

  // ─── bind ──────────────────────────────────────────────────────────────────

  /** unix_bind: `addr` as the caller gave it (at most 110 bytes); a bare family autobinds. */
  bind(addr: Uint8Array, lookup: (path: string) => Found | number, umask: number): number {
    if (addr.length === SUN_PATH && (addr[0] | (addr[1] << 8)) === AF_UNIX) return this.autobind();
    const bad = validateAddr(addr);
    if (bad) return bad;
    if (addr[SUN_PATH] !== 0) return this.bindBsd(mknameBsd(addr), lookup, umask);
    if (this.addr) return -EINVAL;
    const table = abstractTable(this.ns), key = abstractKey(this.kind, addr);
    if (table.has(key)) return -EADDRINUSE;
    table.set(key, this);
    this.addr = addr.slice();
    return 0;
  }

  /** unix_bind_bsd: the name is made first (EADDRINUSE when it exists), and goes again if the socket is already bound. */
  private bindBsd(addr: Uint8Array, lookup: (path: string) => Found | number, umask: number): number {
    const path = new TextDecoder().decode(addr.subarray(SUN_PATH, addr.length - 1));
    const f = lookup(path);
    if (typeof f === "number") return f;
    const node = this.ns.mksock(f, (ino, mount, mtime) => new SockName(ino, S_IFSOCK | (0o777 & ~umask), mount, mtime));
    if (typeof node === "number") return node === -17 ? -EADDRINUSE : node;
    if (this.addr) {
      this.ns.remove({ ...f, node }, false);
      return -EINVAL;
    }
    (node as SockName).socket = this;
    this.name = node as SockName;
    this.addr = addr;
    return 0;
  }

  /** unix_autobind: an abstract name "\0" and five hex digits; nothing when already bound. */
  autobind(): number {
    if (this.addr) return 0;
    const table = abstractTable(this.ns);
    for (let n = autobindNext.get(this.ns) ?? 0; ; n = (n + 1) & 0xfffff) {
      const addr = new Uint8Array(SUN_PATH + 6);
      addr[0] = AF_UNIX;
      addr.set(new TextEncoder().encode(n.toString(16).padStart(5, "0")), SUN_PATH + 1);
      const key = abstractKey(this.kind, addr);
      if (table.has(key)) continue;
      autobindNext.set(this.ns, (n + 1) & 0xfffff);
      table.set(key, this);
      this.addr = addr;
      return 0;
    }
  }

  /** unix_find_other: the socket of a path (ECONNREFUSED when none is bound there, EPROTOTYPE for another type) or abstract name. */
  static findOther(ns: Namespace, addr: Uint8Array, type: number, lookup: (path: string) => Found | number): UnixSocket | number {
    if (addr[SUN_PATH] === 0) return abstractTable(ns).get(abstractKey(type, addr)) ?? -ECONNREFUSED;
    const path = new TextDecoder().decode(addr.subarray(SUN_PATH, addr.length - 1));
    const f = lookup(path);
    if (typeof f === "number") return f;
    if (!f.node) return -2; // ENOENT
    if (!(f.node instanceof SockName) || !f.node.socket) return -ECONNREFUSED;
    return f.node.socket.kind === type ? f.node.socket : -EPROTOTYPE;
  }

  // ─── connections ───────────────────────────────────────────────────────────

  /** unix_listen: a bound stream or packet socket not yet connected. */
  listen(backlog: number, cred: Ucred): number {
    if (this.connectionless) return -EOPNOTSUPP;
    if (!this.addr) return -EINVAL;
    if (this.state === "established") return -EINVAL;
    this.backlog = backlog;
    this.state = "listen";
    this.peerCred = cred;
    this.wake();
    return 0;
  }

  /**
   * unix_stream_connect: the listener found, a new socket (the embryo)
   * joins its queue connected to this one, and connect is done; a full
   * queue is -EAGAIN (the caller waits when it blocks).
   */
  connect(other: UnixSocket, ino: number, cred: Ucred): number {
    if (other.state !== "listen" || other.shutdown & RCV_SHUTDOWN) return -ECONNREFUSED;
    if (other.pending.length > other.backlog) return -EAGAIN;
    if (this.state === "established") return -EISCONN;
    if (this.state !== "close") return -EINVAL;
    const embryo = new UnixSocket(ino, this.kind, this.ns);
    embryo.state = "established";
    embryo.peer = this;
    embryo.addr = other.addr;
    embryo.peerCred = cred;
    this.peer = embryo;
    this.state = "established";
    this.peerCred = other.peerCred;
    other.pending.push(embryo);
    other.wake();
    return 0;
  }

  /** unix_dgram_connect: the peer datagrams go to (null: AF_UNSPEC, disconnect). */
  connectDgram(other: UnixSocket | null): number {
    if (other && other.peer && other.peer !== this) return -EPERM;
    const old = this.peer;
    this.peer = other;
    this.state = other ? "established" : "close";
    if (other) other.state = "established";
    // unix_dgram_disconnected: what was queued is lost; an old peer connected back is told (ECONNRESET).
    if (old && old !== other && this.queue.length > 0) {
      this.dropQueue();
      if (!old.dead && old.peer === this) {
        old.err = ECONNRESET;
        old.wake();
      }
    }
    this.wake();
    return 0;
  }

  /** unix_accept's queue: the oldest connection, or -EAGAIN. */
  accept(): UnixSocket | number {
    if (this.connectionless) return -EOPNOTSUPP;
    if (this.state !== "listen") return -EINVAL;
    const embryo = this.pending.shift();
    if (!embryo) return -EAGAIN;
    embryo.passcred = this.passcred;
    this.wake();
    return embryo;
  }

  // ─── sending ───────────────────────────────────────────────────────────────

  /**
   * unix_stream_sendmsg and unix_dgram_sendmsg (a packet socket's is the
   * datagram one, connected), for `len` bytes that `fetch` copies in
   * (-EFAULT): `to` is where a datagram's address led (`named`), null
   * for the peer. How many bytes were taken, or -errno (-EAGAIN: no room now).
   */
  send(len: number, fetch: (n: number) => Uint8Array | number, to: UnixSocket | null, named: boolean, scm: Scm): number {
    if (this.stream) {
      if (named) return this.state === "established" ? -EISCONN : -EOPNOTSUPP;
      const other = this.peer;
      if (!other) return -ENOTCONN;
      if (this.shutdown & SEND_SHUTDOWN) return -EPIPE;
      if (len === 0) return 0;
      if (other.dead || other.shutdown & RCV_SHUTDOWN) return -EPIPE;
      const room = this.sndbuf - this.wmem;
      if (room <= 0) return -EAGAIN;
      const taken = fetch(Math.min(room, len));
      if (typeof taken === "number") return taken;
      this.queueTo(other, taken, scm);
      return taken.length;
    }
    if (this.kind === SOCK_SEQPACKET) {
      if (this.err) return -this.takeErr();
      if (this.state !== "established") return -ENOTCONN;
    }
    const other = this.kind === SOCK_SEQPACKET || !named ? this.peer : to;
    if (!other) return -ENOTCONN;
    if (len > this.sndbuf - 32) return -EMSGSIZE;
    if (this.wmem + len > this.sndbuf) return -EAGAIN;
    if (other.dead) {
      if (this.kind === SOCK_SEQPACKET) return -EPIPE;
      // The first send after the peer went finds it dead; then there is no peer.
      if (this.peer !== other) return -ECONNREFUSED;
      this.peer = null;
      this.state = "close";
      return -ECONNREFUSED;
    }
    if (other.peer && other.peer !== this) return -EPERM;
    if (other.shutdown & RCV_SHUTDOWN) return -EPIPE;
    if (other !== this && other.peer !== this && other.queue.length > other.backlog) return -EAGAIN;
    const bytes = fetch(len);
    if (typeof bytes === "number") return bytes;
    this.queueTo(other, bytes, scm);
    return len;
  }

  /** Whether a send that had no room can go on (the caller's wait). */
  sendReady(to: UnixSocket | null): boolean {
    const other = to ?? this.peer;
    if (!other || other.dead || this.shutdown & SEND_SHUTDOWN || other.shutdown & RCV_SHUTDOWN) return true;
    if (this.wmem >= this.sndbuf) return false;
    return this.stream || other === this || other.peer === this || other.queue.length <= other.backlog;
  }

  /** maybe_add_creds: the sender's credentials travel when given (SCM_CREDENTIALS), or when either end asks for them (SO_PASSCRED). */
  private queueTo(other: UnixSocket, data: Uint8Array, scm: Scm): void {
    const cred = scm.explicit ?? (this.passcred || other.passcred ? scm.cred : null);
    // The files travel held by the message (its first piece, for a stream).
    if (scm.fds) for (const f of scm.fds) f.refs++;
    other.queue.push({ data, from: this, cred, fds: scm.fds });
    scm.fds = null;
    other.queued += data.length;
    this.wmem += data.length;
    other.wake();
  }

  // ─── receiving ─────────────────────────────────────────────────────────────

  /**
   * unix_stream_read_generic's and unix_dgram_recvmsg's take from the
   * queue: a stream's bytes run together up to a message that carried
   * files, or (SO_PASSCRED) one from another writer; a datagram is one
   * message, cut to `len`. `block`: a datagram socket shut for reading
   * then reads end of file, as a wait would find. -EAGAIN: nothing now.
   */
  recv(len: number, flags: number, block: boolean): Received | number {
    const peek = (flags & MSG_PEEK) !== 0;
    if (this.stream) {
      if (this.state !== "established") return -EINVAL;
    } else if (this.kind === SOCK_SEQPACKET && this.state !== "established") return -ENOTCONN;
    if (!this.stream && this.err) return -this.takeErr();
    if (this.queue.length === 0) {
      if (this.stream && this.err) return -this.takeErr();
      if (this.shutdown & RCV_SHUTDOWN && (this.kind !== SOCK_DGRAM || block)) return { data: new Uint8Array(0), len: 0, from: null, cred: null, fds: null };
      return -EAGAIN;
    }
    const first = this.queue[0];
    if (!this.stream) {
      const data = first.data.subarray(0, len);
      if (!peek) this.unqueue(1);
      return { data, len: first.data.length, from: first.from, cred: first.cred, fds: first.fds };
    }
    const out = new Uint8Array(Math.min(len, this.queued));
    let at = 0, i = 0, fds: OpenFile[] | null = null;
    while (at < out.length && i < this.queue.length) {
      const skb = this.queue[i];
      if (this.passcred && !sameCred(skb.cred, first.cred)) break;
      const n = Math.min(skb.data.length, out.length - at);
      out.set(skb.data.subarray(0, n), at);
      at += n;
      if (skb.fds) {
        fds = skb.fds;
        if (!peek) skb.fds = null;
      }
      if (peek) i++;
      else if (n === skb.data.length) this.unqueue(1);
      else {
        skb.data = skb.data.subarray(n);
        this.queued -= n;
        skb.from.wmem -= n;
      }
      if (fds) break;
    }
    if (!peek) this.wake();
    return { data: out.subarray(0, at), len: at, from: first.from, cred: first.cred, fds };
  }

  /** The oldest `n` messages leave the queue (their files already taken or dropped with them). */
  private unqueue(n: number): void {
    for (const skb of this.queue.splice(0, n)) {
      this.queued -= skb.data.length;
      skb.from.wmem -= skb.data.length;
      skb.from.wake();
    }
    this.wake();
  }

  takeErr(): number {
    const e = this.err;
    this.err = 0;
    return e;
  }

  // ─── the file's own operations ─────────────────────────────────────────────

  read(_f: OpenFile, len: number): Uint8Array | number {
    const r = this.recv(len, 0, false);
    if (typeof r === "number") return r;
    if (r.fds) dropFiles(r.fds);
    return r.data;
  }

  write(_f: OpenFile, src: Uint8Array): number {
    return this.send(src.length, (n) => src.slice(0, n), null, false, { cred: currentCred(), explicit: null, fds: null });
  }

  /** unix_poll and unix_dgram_poll. */
  poll(): number {
    let mask = 0;
    if (this.err) mask |= POLLERR;
    if (this.shutdown === SHUTDOWN_MASK) mask |= POLLHUP;
    if (this.shutdown & RCV_SHUTDOWN) mask |= POLLRDHUP | POLLIN | POLLRDNORM;
    if (this.queue.length > 0 || this.pending.length > 0) mask |= POLLIN | POLLRDNORM;
    if (!this.connectionless && this.state === "close") mask |= POLLHUP;
    let writable = this.state !== "listen" && this.wmem * 4 <= this.sndbuf;
    const other = this.peer;
    if (writable && this.connectionless && other && other.peer !== this && other.queue.length > other.backlog) writable = false;
    if (writable) mask |= POLLOUT | POLLWRNORM | POLLWRBAND;
    return mask;
  }

  wake(): void {
    this.events++;
    if (this.peer) this.peer.events++;
  }

  // ─── shutdown and release ──────────────────────────────────────────────────

  /** unix_shutdown: `mode` as shutdown bits; a connected stream's or packet's peer gets the mirror. */
  shutdownBits(mode: number): void {
    this.shutdown |= mode;
    const peer = this.peer;
    if (peer && !peer.dead && !this.connectionless) {
      peer.shutdown |= ((mode & RCV_SHUTDOWN) << 1) | ((mode & SEND_SHUTDOWN) >> 1);
      peer.wake();
    }
    this.wake();
  }

  /**
   * unix_release_sock: the name goes, the peer of a stream or packet
   * socket sees both directions shut (and ECONNRESET when this one left
   * data unread, or was never accepted), connections not accepted go, and
   * what was queued goes with the files it carried.
   */
  release(embryo = false): void {
    this.dead = true;
    this.state = "close";
    if (this.addr && this.addr[SUN_PATH] === 0) {
      const table = abstractTable(this.ns), key = abstractKey(this.kind, this.addr);
      if (table.get(key) === this) table.delete(key);
    }
    if (this.name) this.name.socket = null;
    const peer = this.peer;
    this.peer = null;
    if (peer && !this.connectionless) {
      peer.shutdown = SHUTDOWN_MASK;
      if (this.queue.length > 0 || embryo) peer.err = ECONNRESET;
      peer.wake();
    }
    for (const e of this.pending.splice(0)) e.release(true);
    this.dropQueue();
    this.wake();
  }

  /** The queue emptied: each message's files lose the hold the message had on them. */
  private dropQueue(): void {
    const skbs = this.queue.splice(0);
    for (const skb of skbs) {
      this.queued -= skb.data.length;
      skb.from.wmem -= skb.data.length;
      skb.from.wake();
      if (skb.fds) dropFiles(skb.fds);
    }
  }
}

function sameCred(a: Ucred | null, b: Ucred | null): boolean {
  return a === b || (a !== null && b !== null && a.pid === b.pid && a.uid === b.uid && a.gid === b.gid);
}

/** Files in flight lose a message's hold (fput): the last one releases the file. */
export function dropFiles(fds: OpenFile[]): void {
  for (const f of fds) if (--f.refs === 0) f.release?.();
}
