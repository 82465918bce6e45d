// net/socket.c, net/core/scm.c and net/core/sock.c's socket options: the
// socket syscalls (socket, socketpair, bind, listen, accept, accept4,
// connect, getsockname, getpeername, sendto, recvfrom, sendmsg, recvmsg,
// sendmmsg, recvmmsg, shutdown, getsockopt, setsockopt), each checking its
// arguments in Linux's order, copying addresses, msghdrs, iovecs and
// control messages (SCM_RIGHTS, SCM_CREDENTIALS) between user memory and
// the AF_UNIX sockets of af_unix.ts. A call that must wait returns
// -ERESTARTSYS with `waitFor` set, as pipe.ts's do.
//
// AF_UNIX is the only family: faultline answers as a kernel built without
// CONFIG_INET and the other families would, EAFNOSUPPORT for socket(2)
// and socketpair(2) of AF_INET, AF_INET6 or any other, as this machine's
// kernel answers for a family it has no module for. Browser-safe.

import { O_CLOEXEC, O_NONBLOCK, O_RDWR, OpenFile } from "../fs/fdtable.js";
import {
  EAFNOSUPPORT, EAGAIN, EBADF, EDOM, EFAULT, EINVAL, EMSGSIZE, ENOBUFS, ENOPROTOOPT, ENOTCONN, ENOTSOCK, EOPNOTSUPP, EPERM,
  EPROTONOSUPPORT, ERESTARTSYS, ESOCKTNOSUPPORT,
} from "./errno.js";
import { CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN } from "../task/cred.js";
import type { FileSyscalls } from "./files.js";
import { HZ, TICK_NSEC } from "../task/jiffies.js";
import { MAX_RW_COUNT, UIO_MAXIOV, access_ok, copy_from_iter, copy_to_iter, import_iovec, iov_iter_count, type Iovec } from "./iov_iter.js";
import {
  AF_UNIX, MSG_PEEK, MSG_TRUNC, MSG_WAITALL, RCV_SHUTDOWN, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, SUN_PATH,
  UnixSocket, currentCred, dropFiles, mknameBsd, validateAddr, type Received, type Scm, type Ucred,
} from "./af_unix.js";

const AF_MAX = 46, SOCK_RAW = 3, SOCK_MAX = 11, SOCK_TYPE_MASK = 0xf;
const MSG_OOB = 1, MSG_CTRUNC = 8, MSG_DONTWAIT = 0x40, MSG_WAITFORONE = 0x10000, MSG_CMSG_CLOEXEC = 0x40000000, MSG_CMSG_COMPAT = 0x80000000;
/** sizeof(struct sockaddr_storage): the most an address copies in or out. */
const SOCKADDR_STORAGE = 128;
/** net.core.somaxconn: listen's backlog is at most this. */
const SOMAXCONN = 4096;
/** net.core.optmem_max: the most control data a sendmsg copies in. */
const OPTMEM_MAX = 131072;
/** struct msghdr and struct cmsghdr sizes. */
const MSGHDR = 56, CMSGHDR = 16;
const SOL_SOCKET = 1, SCM_RIGHTS = 1, SCM_CREDENTIALS = 2;
/** SCM_MAX_FD: the most files one message carries. */
const SCM_MAX_FD = 253;
/** overflowuid: a credential no one gave reads as this uid and gid. */
const OVERFLOWUID = 65534;
/** net.core.wmem_max, rmem_max (Linux's defaults), and the least a socket's buffers may be (SOCK_MIN_SNDBUF, SOCK_MIN_RCVBUF). */
const WMEM_MAX = 212992, RMEM_MAX = 212992, SOCK_MIN_SNDBUF = 4608, SOCK_MIN_RCVBUF = 2304;
const SO_TYPE = 3, SO_ERROR = 4, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_PASSCRED = 16, SO_PEERCRED = 17, SO_ACCEPTCONN = 30;
const SO_PROTOCOL = 38, SO_DOMAIN = 39;
/** SO_RCVTIMEO and SO_SNDTIMEO: the old names and the new (the same struct timeval of two longs on x86-64). */
const SO_RCVTIMEO_OLD = 20, SO_SNDTIMEO_OLD = 21, SO_RCVTIMEO_NEW = 66, SO_SNDTIMEO_NEW = 67;
/** MAX_SCHEDULE_TIMEOUT (LONG_MAX jiffies) in whole seconds: a longer timeout is none. */
const MAX_TIMEOUT_SEC = Math.floor(2 ** 63 / HZ) - 1;

/** A socket's peer credentials, taken at socketpair, listen and connect (sk_peer_cred): the process's pid, its effective uid and gid. */
function peerCredOf(files: FileSyscalls): Ucred {
  const c = files.cred();
  return { pid: files.pid(), uid: c.euid, gid: c.egid };
}

/** A new socket's open file, installed: -EMFILE when the table is full. */
function installSocket(files: FileSyscalls, sock: UnixSocket, flags: number): number {
  const f = new OpenFile(sock, O_RDWR | (flags & O_NONBLOCK), null, null);
  f.release = () => sock.release();
  const fd = files.fds.install(f, (flags & O_CLOEXEC) !== 0);
  if (fd < 0) sock.release();
  return fd;
}

/** __sock_create's checks and unix_create's: the family, type and protocol; the kind of socket, or -errno. */
function createCheck(family: number, type: number, protocol: number): number {
  if (family < 0 || family >= AF_MAX) return -EAFNOSUPPORT;
  if (type < 0 || type >= SOCK_MAX) return -EINVAL;
  if (family !== AF_UNIX) return -EAFNOSUPPORT;
  if (protocol !== 0 && protocol !== AF_UNIX) return -EPROTONOSUPPORT;
  if (type === SOCK_RAW) return SOCK_DGRAM;
  return type === SOCK_STREAM || type === SOCK_DGRAM || type === SOCK_SEQPACKET ? type : -ESOCKTNOSUPPORT;
}

/** socket: __sys_socket's order (flags, then the family, type and protocol). */
export function socket(files: FileSyscalls, family: number, type: number, protocol: number): number {
  const flags = type & ~SOCK_TYPE_MASK;
  if (flags & ~(O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  const kind = createCheck(family, type & SOCK_TYPE_MASK, protocol);
  if (kind < 0) return kind;
  return installSocket(files, new UnixSocket(files.ns.ino(), kind, files.ns), flags);
}

/** socketpair: __sys_socketpair's order (flags, the fds written out, then the family, type and protocol). */
export function socketpair(files: FileSyscalls, family: number, type: number, protocol: number, sv: number): number {
  const flags = type & ~SOCK_TYPE_MASK;
  if (flags & ~(O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  type &= SOCK_TYPE_MASK;
  const kind = type === SOCK_RAW ? SOCK_DGRAM : type;
  const ends = [new UnixSocket(files.ns.ino(), kind, files.ns), new UnixSocket(files.ns.ino(), kind, files.ns)];
  const fds: number[] = [];
  for (const end of ends) {
    const fd = installSocket(files, end, flags);
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
  if (err === 0) err = Math.min(0, createCheck(family, type, protocol));
  if (err !== 0) {
    fds.forEach((d) => files.fds.close(d));
    return err;
  }
  const cred = peerCredOf(files);
  for (const [a, b] of [[0, 1], [1, 0]]) {
    ends[a].peer = ends[b];
    ends[a].state = "established";
    ends[a].peerCred = cred;
  }
  return 0;
}

/** Whether a write's EPIPE on fd comes with SIGPIPE: a pipe's and a stream socket's do, a datagram or packet socket's not (unix_dgram_sendmsg sends none). */
export function epipeSignals(files: FileSyscalls, fd: number): boolean {
  const inode = files.fds.get(fd)?.inode;
  return !(inode instanceof UnixSocket) || inode.stream;
}

/** sockfd_lookup: the socket behind fd, or -EBADF / -ENOTSOCK. */
function socketOf(files: FileSyscalls, fd: number): [OpenFile, UnixSocket] | number {
  const f = files.fds.get(fd);
  if (!f) return -EBADF;
  return f.inode instanceof UnixSocket ? [f, f.inode] : -ENOTSOCK;
}

/** move_addr_to_kernel: `len` bytes of address (at most sockaddr_storage's), or -EINVAL / -EFAULT. */
function addrIn(files: FileSyscalls, addr: number, len: number): Uint8Array | number {
  if (len < 0 || len > SOCKADDR_STORAGE) return -EINVAL;
  const b = new Uint8Array(len);
  if (len > 0 && files.mem.copyFromUser(b, addr, len) !== 0) return -EFAULT;
  return b;
}

/** The last address length a call read before writing its own (strace shows both: "[110 => 2]"). */
export const addrLenIn = { value: 0 };

/** move_addr_to_user: the address cut to *ulen, and its whole length written back to *ulen. */
function addrOut(files: FileSyscalls, kaddr: Uint8Array, uaddr: number, ulenAddr: number): number {
  const lb = new Uint8Array(4);
  if (files.mem.copyFromUser(lb, ulenAddr, 4) !== 0) return -EFAULT;
  let len = new DataView(lb.buffer).getInt32(0, true);
  addrLenIn.value = len;
  if (len > kaddr.length) len = kaddr.length;
  if (len < 0) return -EINVAL;
  if (len > 0 && files.mem.copyToUser(uaddr, kaddr.subarray(0, len)) !== 0) return -EFAULT;
  new DataView(lb.buffer).setInt32(0, kaddr.length, true);
  return files.mem.copyToUser(ulenAddr, lb) !== 0 ? -EFAULT : 0;
}

/** unix_getname: the socket's own address or (peer) its peer's; an unbound one is the family alone. */
function getname(sock: UnixSocket, peer: boolean): Uint8Array | number {
  const s = peer ? sock.peer : sock;
  if (!s) return -ENOTCONN;
  return s.addr ?? new Uint8Array([AF_UNIX, 0]);
}

/** The path walk bind and connect do, from the cwd: bind does not follow a last symbolic link, connect does. */
function walker(files: FileSyscalls, follow: boolean): (path: string) => ReturnType<FileSyscalls["ns"]["walk"]> {
  return (path) => files.ns.walk(files.cwd, path, follow);
}

/**
 * The task sleeps until `ready` (the call then runs again), for at most
 * `timeo` jiffies (SO_RCVTIMEO, SO_SNDTIMEO; Infinity: no limit) counted
 * from the call's first wait: -EAGAIN once they have passed.
 */
function wait(files: FileSyscalls, ready: () => boolean, timeo = Infinity): number {
  if (timeo === Infinity) {
    files.waitFor = ready;
    return -ERESTARTSYS;
  }
  const sleeper = files.timeout(timeo * TICK_NSEC);
  if (sleeper.expired()) return -EAGAIN;
  files.waitFor = () => ready() || sleeper.expired();
  return -ERESTARTSYS;
}

export function bind(files: FileSyscalls, fd: number, addr: number, len: number): number {
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  const a = addrIn(files, addr, len);
  if (typeof a === "number") return a;
  return s[1].bind(a, walker(files, false), files.umask);
}

/** listen: the backlog as an unsigned number, at most somaxconn. */
export function listen(files: FileSyscalls, fd: number, backlog: number): number {
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  return s[1].listen((backlog >>> 0) > SOMAXCONN ? SOMAXCONN : backlog, peerCredOf(files));
}

/** The socket an address names (unix_validate_addr, unix_mkname_bsd, then unix_find_other), after autobind for SO_PASSCRED. */
function resolve(files: FileSyscalls, sock: UnixSocket, a: Uint8Array): UnixSocket | number {
  const bad = validateAddr(a);
  if (bad) return bad;
  const addr = a[SUN_PATH] !== 0 ? mknameBsd(a) : a;
  if (sock.passcred && !sock.addr) sock.autobind();
  return UnixSocket.findOther(files.ns, addr, sock.kind, walker(files, true));
}

/** connect: a stream or packet socket to a listener (waiting while its queue is full), a datagram socket to its peer (AF_UNSPEC: none). */
export function connect(files: FileSyscalls, fd: number, addr: number, len: number): number {
  const f = files.fds.get(fd);
  if (!f) return -EBADF;
  const a = addrIn(files, addr, len);
  if (typeof a === "number") return a;
  if (!(f.inode instanceof UnixSocket)) return -ENOTSOCK;
  const sock = f.inode;
  if (sock.connectionless) {
    if (a.length < SUN_PATH) return -EINVAL;
    if ((a[0] | (a[1] << 8)) === 0) return sock.connectDgram(null);
    const other = resolve(files, sock, a);
    return typeof other === "number" ? other : sock.connectDgram(other);
  }
  const other = resolve(files, sock, a);
  if (typeof other === "number") return other;
  const r = sock.connect(other, files.ns.ino(), peerCredOf(files));
  if (r === -EAGAIN && !(f.flags & O_NONBLOCK)) return wait(files, () => other.dead || other.state !== "listen" || other.pending.length <= other.backlog, sock.sndtimeo);
  return r;
}

/** accept4 (accept: no flags): the flags first, then the socket, a connection (or a wait), and the peer's address. */
export function accept4(files: FileSyscalls, fd: number, addr: number, lenAddr: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK)) return -EINVAL;
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  const [f, sock] = s;
  const got = sock.accept();
  if (got === -EAGAIN && !(f.flags & O_NONBLOCK)) return wait(files, () => sock.pending.length > 0 || sock.state !== "listen", sock.rcvtimeo);
  if (typeof got === "number") return got;
  const nfd = installSocket(files, got, flags);
  if (nfd < 0) return nfd;
  if (addr !== 0) {
    const err = addrOut(files, getname(got, true) as Uint8Array, addr, lenAddr);
    if (err < 0) {
      files.fds.close(nfd);
      return err;
    }
  }
  return nfd;
}

export function getsockname(files: FileSyscalls, fd: number, addr: number, lenAddr: number, peer: boolean): number {
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  const name = getname(s[1], peer);
  return typeof name === "number" ? name : addrOut(files, name, addr, lenAddr);
}

/** A msghdr's iovecs: more than UIO_MAXIOV is EMSGSIZE (copy_msghdr_from_user), then import_iovec's checks. */
function msgIovec(files: FileSyscalls, uvec: number, count: number): Iovec[] | number {
  return count > UIO_MAXIOV ? -EMSGSIZE : import_iovec(files.mem, uvec, count);
}

/** One message to send: its bytes' pieces, address (empty: none), control data, flags. */
interface SendMsg { parts: Iovec[]; name: Uint8Array; control: Uint8Array; flags: number }

/**
 * __scm_send: each SOL_SOCKET control message, SCM_RIGHTS's files held
 * and SCM_CREDENTIALS's credentials checked; another level is passed
 * over, another type or a bad length is EINVAL.
 */
function scmSend(files: FileSyscalls, control: Uint8Array): Scm | number {
  const scm: Scm = { cred: currentCred(), explicit: null, fds: null };
  const v = new DataView(control.buffer, control.byteOffset, control.length);
  for (let off = 0; off + CMSGHDR <= control.length;) {
    const len = v.getUint32(off + 4, true) * 0x1_0000_0000 + v.getUint32(off, true);
    if (len < CMSGHDR || len > control.length - off) return -EINVAL;
    if (v.getInt32(off + 8, true) === SOL_SOCKET) {
      const type = v.getInt32(off + 12, true);
      if (type === SCM_RIGHTS) {
        const n = Math.floor((len - CMSGHDR) / 4);
        if (n > 0) {
          scm.fds ??= [];
          if (n > SCM_MAX_FD || scm.fds.length + n > SCM_MAX_FD) return -EINVAL;
          for (let i = 0; i < n; i++) {
            const f = files.fds.get(v.getInt32(off + CMSGHDR + 4 * i, true));
            if (!f) return -EBADF;
            scm.fds.push(f);
          }
        }
      } else if (type === SCM_CREDENTIALS) {
        if (len !== CMSGHDR + 12) return -EINVAL;
        // scm_check_creds: no -1; its own pid (any, with CAP_SYS_ADMIN), one of its uids and gids (any, with CAP_SETUID, CAP_SETGID).
        const pid = v.getInt32(off + 16, true), uid = v.getUint32(off + 20, true), gid = v.getUint32(off + 24, true);
        if (uid === 0xffffffff || gid === 0xffffffff) return -EINVAL;
        const c = files.cred();
        if ((pid !== files.pid() && !c.capable(CAP_SYS_ADMIN)) || (![c.uid, c.euid, c.suid].includes(uid) && !c.capable(CAP_SETUID))
          || (![c.gid, c.egid, c.sgid].includes(gid) && !c.capable(CAP_SETGID))) return -EPERM;
        scm.explicit = { pid, uid, gid };
      } else return -EINVAL;
    }
    off += Math.ceil(len / 8) * 8;
  }
  return scm;
}

/**
 * sock_sendmsg for one message: the control messages, the destination,
 * then the bytes; a stream's long send goes in pieces, waiting for room
 * while it blocks, its count so far in files.pipeWritten across the waits.
 */
function sendmsgOne(files: FileSyscalls, f: OpenFile, sock: UnixSocket, m: SendMsg): number {
  const nonblock = (m.flags & MSG_DONTWAIT) !== 0 || (f.flags & O_NONBLOCK) !== 0;
  let done = files.pipeWritten;
  files.pipeWritten = 0;
  const scm = done === 0 ? scmSend(files, m.control) : { cred: currentCred(), explicit: null, fds: null };
  if (typeof scm === "number") return scm;
  if (m.flags & MSG_OOB) return -EOPNOTSUPP;
  const named = m.name.length > 0 && sock.kind !== SOCK_SEQPACKET;
  let to: UnixSocket | null = null;
  if (named && sock.connectionless) {
    const other = resolve(files, sock, m.name);
    if (typeof other === "number") return other;
    to = other;
  } else if (sock.connectionless && sock.passcred && !sock.addr) sock.autobind();
  const total = iov_iter_count(m.parts);
  for (;;) {
    const r = sock.send(total - done, (n) => copy_from_iter(files.mem, m.parts, done, n), to, named, scm);
    if (r === -EAGAIN && !nonblock) {
      const w = wait(files, () => sock.sendReady(to), sock.sndtimeo);
      if (w === -ERESTARTSYS) files.pipeWritten = done;
      return w === -ERESTARTSYS ? w : done || w;
    }
    if (r < 0) return done || r;
    done += r;
    if (!sock.stream || done >= total) return done;
  }
}

/** sendto (send is it with no address): the buffer, the socket, then the address, as __sys_sendto takes them. */
export function sendto(files: FileSyscalls, fd: number, buf: number, len: number, flags: number, addr: number, addrlen: number): number {
  len = Math.min(len, MAX_RW_COUNT);
  if (!access_ok(buf, len)) return -EFAULT;
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  let name: Uint8Array = new Uint8Array(0);
  if (addr !== 0) {
    const a = addrIn(files, addr, addrlen);
    if (typeof a === "number") return a;
    name = a;
  }
  return sendmsgOne(files, s[0], s[1], { parts: [[buf, len]], name, control: new Uint8Array(0), flags });
}

/** copy_msghdr_from_user for a send: the address, the iovecs and the control data copied in. */
function sendMsghdr(files: FileSyscalls, msg: number, flags: number): SendMsg | number {
  const h = new Uint8Array(MSGHDR);
  if (files.mem.copyFromUser(h, msg, MSGHDR) !== 0) return -EFAULT;
  const v = new DataView(h.buffer);
  const u64 = (at: number) => v.getUint32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true);
  const nameAddr = u64(0);
  let namelen = nameAddr === 0 ? 0 : v.getInt32(8, true);
  if (namelen < 0) return -EINVAL;
  namelen = Math.min(namelen, SOCKADDR_STORAGE);
  let name: Uint8Array = new Uint8Array(0);
  if (namelen > 0) {
    const a = addrIn(files, nameAddr, namelen);
    if (typeof a === "number") return a;
    name = a;
  }
  const parts = msgIovec(files, u64(16), u64(24));
  if (typeof parts === "number") return parts;
  const ctlLen = u64(40);
  if (ctlLen > 0x7fffffff || ctlLen > OPTMEM_MAX) return -ENOBUFS;
  const control = new Uint8Array(ctlLen);
  if (ctlLen > 0 && files.mem.copyFromUser(control, u64(32), ctlLen) !== 0) return -EFAULT;
  return { parts, name, control, flags };
}

export function sendmsg(files: FileSyscalls, fd: number, msg: number, flags: number): number {
  if (flags & MSG_CMSG_COMPAT) return -EINVAL;
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  return ___sys_sendmsg(files, s[0], s[1], msg, flags).n;
}

/** ___sys_sendmsg: one msghdr's message sent; the count, and whether the message went whole (msg_data_left). */
function ___sys_sendmsg(files: FileSyscalls, f: OpenFile, sock: UnixSocket, msg: number, flags: number): { n: number; whole: boolean } {
  const m = sendMsghdr(files, msg, flags);
  if (typeof m === "number") return { n: m, whole: false };
  const n = sendmsgOne(files, f, sock, m);
  return { n, whole: n >= iov_iter_count(m.parts) };
}

/** struct mmsghdr: a msghdr and the count its message moved (msg_len). */
const MMSGHDR = 64;

/**
 * A sendmmsg or recvmmsg that sleeps keeps what it did across its waits in
 * files.mmsg (the datagrams done, recvmmsg's end time), which a signal's
 * interruption reads; the call's end drops it.
 */
function mmsgEnd(files: FileSyscalls, ret: number): number {
  if (ret !== -ERESTARTSYS) files.mmsg = null;
  return ret;
}

/** Writes an entry's msg_len: -EFAULT when it cannot. */
function putMsgLen(files: FileSyscalls, entry: number, n: number): number {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n, true);
  return files.mem.copyToUser(entry + MSGHDR, b) !== 0 ? -EFAULT : 0;
}

/**
 * sendmmsg (__sys_sendmmsg): up to UIO_MAXIOV messages in turn, each one's
 * count in its msg_len, until one fails or goes in part; the datagrams
 * sent, or the first one's error.
 */
export function sendmmsg(files: FileSyscalls, fd: number, mmsg: number, vlen: number, flags: number): number {
  if (flags & MSG_CMSG_COMPAT) return -EINVAL;
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  vlen = Math.min(vlen, UIO_MAXIOV);
  const state = (files.mmsg ??= { done: 0, end: null });
  let err = 0;
  while (state.done < vlen) {
    const entry = mmsg + MMSGHDR * state.done;
    const r = ___sys_sendmsg(files, s[0], s[1], entry, flags);
    if (r.n === -ERESTARTSYS) return r.n;
    err = r.n < 0 ? r.n : putMsgLen(files, entry, r.n);
    if (err < 0) break;
    state.done++;
    if (!r.whole) break;
  }
  return mmsgEnd(files, state.done || err);
}

/** Where a receive puts what it got: the pieces, whether it wants the address, the control buffer. */
interface RecvMsg { parts: Iovec[]; wantName: boolean; control: number; controlLen: number }

/** What a receive leaves for the msghdr: the bytes' count, the sender's address, the flags, the control bytes used. */
interface RecvDone { n: number; name: Uint8Array; flags: number; controlUsed: number }

/**
 * sock_recvmsg for one message, then scm_recv: the bytes scattered to the
 * pieces, SCM_CREDENTIALS (SO_PASSCRED) and SCM_RIGHTS (the files
 * installed as new descriptors) put in the control buffer as far as it
 * holds them (MSG_CTRUNC when not). A stream's MSG_WAITALL waits for the
 * whole length, its count so far in files.pipeWritten across the waits.
 */
function recvmsgOne(files: FileSyscalls, f: OpenFile, sock: UnixSocket, m: RecvMsg, flags: number): RecvDone | number {
  if (flags & MSG_OOB) return -EOPNOTSUPP;
  const nonblock = (flags & MSG_DONTWAIT) !== 0 || (f.flags & O_NONBLOCK) !== 0;
  const total = iov_iter_count(m.parts);
  const done = files.pipeWritten;
  files.pipeWritten = 0;
  const r = sock.recv(total - done, flags, !nonblock);
  if (r === -EAGAIN && !nonblock && done === 0) {
    return wait(files, () => sock.queue.length > 0 || (sock.shutdown & RCV_SHUTDOWN) !== 0 || sock.err !== 0 || sock.dead, sock.rcvtimeo);
  }
  if (typeof r === "number") return done || r;
  const copied = copy_to_iter(files.mem, m.parts, done, r.data);
  if (copied < r.data.length && done + copied === 0) {
    if (r.fds && !(flags & MSG_PEEK)) dropFiles(r.fds);
    return -EFAULT;
  }
  const n = done + copied;
  const waitall = sock.stream && flags & MSG_WAITALL && !(flags & MSG_PEEK);
  if (waitall && n < total && r.data.length > 0 && !r.fds && !nonblock) {
    // Once SO_RCVTIMEO has passed, what came so far is the answer.
    const w = wait(files, () => sock.queue.length > 0 || (sock.shutdown & RCV_SHUTDOWN) !== 0 || sock.err !== 0, sock.rcvtimeo);
    if (w === -ERESTARTSYS) {
      files.pipeWritten = n;
      return w;
    }
  }
  let msgFlags = flags & MSG_CMSG_CLOEXEC;
  if (!sock.stream && r.len > r.data.length) msgFlags |= MSG_TRUNC;
  const ctl = { addr: m.control, len: m.controlLen, used: 0 };
  msgFlags |= scmRecv(files, sock, r, ctl, flags);
  const ret = !sock.stream && flags & MSG_TRUNC ? r.len : n;
  return { n: ret, name: m.wantName && r.from?.addr ? r.from.addr : new Uint8Array(0), flags: msgFlags, controlUsed: ctl.used };
}

/** scm_recv: the credentials, then the files, as control messages; the MSG_CTRUNC flag when they did not fit. */
function scmRecv(files: FileSyscalls, sock: UnixSocket, r: Received, ctl: { addr: number; len: number; used: number }, flags: number): number {
  const peek = (flags & MSG_PEEK) !== 0;
  let trunc = 0;
  if (ctl.addr === 0) {
    if (r.fds && !peek) dropFiles(r.fds);
    return sock.passcred || r.fds ? MSG_CTRUNC : 0;
  }
  const put = (type: number, data: Uint8Array) => {
    if (ctl.len < CMSGHDR) {
      trunc = MSG_CTRUNC;
      return;
    }
    let cmlen = CMSGHDR + data.length;
    if (ctl.len < cmlen) {
      trunc = MSG_CTRUNC;
      cmlen = ctl.len;
    }
    const out = new Uint8Array(cmlen);
    const v = new DataView(out.buffer);
    v.setUint32(0, cmlen, true);
    v.setInt32(8, SOL_SOCKET, true);
    v.setInt32(12, type, true);
    out.set(data.subarray(0, cmlen - CMSGHDR), CMSGHDR);
    files.mem.copyToUser(ctl.addr, out);
    const space = Math.min(CMSGHDR + Math.ceil(data.length / 8) * 8, ctl.len);
    ctl.addr += space;
    ctl.len -= space;
    ctl.used += space;
  };
  if (sock.passcred) {
    const c = r.cred ?? { pid: 0, uid: OVERFLOWUID, gid: OVERFLOWUID };
    const b = new Uint8Array(12);
    const v = new DataView(b.buffer);
    v.setInt32(0, c.pid, true);
    v.setUint32(4, c.uid, true);
    v.setUint32(8, c.gid, true);
    put(SCM_CREDENTIALS, b);
  }
  if (r.fds) {
    // scm_detach_fds: as many new descriptors as the buffer has room for; the rest are closed.
    const max = Math.min(ctl.len > CMSGHDR ? Math.floor((ctl.len - CMSGHDR) / 4) : 0, r.fds.length);
    const got: number[] = [];
    for (let i = 0; i < max; i++) {
      const fd = files.fds.install(r.fds[i], (flags & MSG_CMSG_CLOEXEC) !== 0);
      if (fd < 0) break;
      got.push(fd);
    }
    if (got.length > 0) {
      const b = new Uint8Array(4 * got.length);
      got.forEach((fd, i) => new DataView(b.buffer).setInt32(4 * i, fd, true));
      put(SCM_RIGHTS, b);
    }
    if (got.length < r.fds.length || (r.fds.length > 0 && max <= 0)) trunc = MSG_CTRUNC;
    if (!peek) dropFiles(r.fds);
  }
  return trunc;
}

/** recvfrom (recv is it with no address): the buffer, the socket, then the message and its sender's address. */
export function recvfrom(files: FileSyscalls, fd: number, buf: number, len: number, flags: number, addr: number, addrlenAddr: number): number {
  len = Math.min(len, MAX_RW_COUNT);
  if (!access_ok(buf, len)) return -EFAULT;
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  const r = recvmsgOne(files, s[0], s[1], { parts: [[buf, len]], wantName: addr !== 0, control: 0, controlLen: 0 }, flags);
  if (typeof r === "number") return r;
  if (addr !== 0 && addrlenAddr !== 0) {
    const err = addrOut(files, r.name, addr, addrlenAddr);
    if (err < 0) return err;
  }
  return r.n;
}

/** recvmsg: the msghdr read, the message taken, then msg_namelen, msg_flags and msg_controllen written back. */
export function recvmsg(files: FileSyscalls, fd: number, msg: number, flags: number): number {
  if (flags & MSG_CMSG_COMPAT) return -EINVAL;
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  return ___sys_recvmsg(files, s[0], s[1], msg, flags).n;
}

/** ___sys_recvmsg: one msghdr's message taken; the count and the message's flags. */
function ___sys_recvmsg(files: FileSyscalls, f: OpenFile, sock: UnixSocket, msg: number, flags: number): { n: number; flags: number } {
  const h = new Uint8Array(MSGHDR);
  if (files.mem.copyFromUser(h, msg, MSGHDR) !== 0) return { n: -EFAULT, flags: 0 };
  const v = new DataView(h.buffer);
  const u64 = (at: number) => v.getUint32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true);
  const nameAddr = u64(0);
  if (nameAddr !== 0 && v.getInt32(8, true) < 0) return { n: -EINVAL, flags: 0 };
  const parts = msgIovec(files, u64(16), u64(24));
  if (typeof parts === "number") return { n: parts, flags: 0 };
  const r = recvmsgOne(files, f, sock, { parts, wantName: nameAddr !== 0, control: u64(32), controlLen: u64(40) }, flags);
  if (typeof r === "number") return { n: r, flags: 0 };
  if (nameAddr !== 0) {
    const err = addrOut(files, r.name, nameAddr, msg + 8);
    if (err < 0) return { n: err, flags: 0 };
  }
  const out = new Uint8Array(8);
  new DataView(out.buffer).setUint32(0, r.flags >>> 0, true);
  if (files.mem.copyToUser(msg + 48, out.subarray(0, 4)) !== 0) return { n: -EFAULT, flags: 0 };
  new DataView(out.buffer).setUint32(0, r.controlUsed, true);
  if (files.mem.copyToUser(msg + 40, out) !== 0) return { n: -EFAULT, flags: 0 };
  return { n: r.n, flags: r.flags };
}

/**
 * recvmmsg (__sys_recvmmsg, do_recvmmsg): the timeout read and checked,
 * the socket's pending error taken first, then up to `vlen` messages, each
 * one's count in its msg_len (MSG_WAITFORONE: no waiting after the first).
 * The timeout is looked at only between messages, and what is left of it
 * written back. An error after some datagrams stays on the socket for the
 * next call (sk_err) unless it is EAGAIN.
 */
export function recvmmsg(files: FileSyscalls, fd: number, mmsg: number, vlen: number, flags: number, timeoutAddr: number): number {
  if (flags & MSG_CMSG_COMPAT) return -EINVAL;
  let timeout: number | null = null;
  if (timeoutAddr !== 0) {
    const b = new Uint8Array(16);
    if (files.mem.copyFromUser(b, timeoutAddr, 16) !== 0) return -EFAULT;
    const v = new DataView(b.buffer);
    const sec = v.getInt32(4, true) * 0x1_0000_0000 + v.getUint32(0, true), nsec = v.getInt32(12, true) * 0x1_0000_0000 + v.getUint32(8, true);
    if (sec < 0 || nsec < 0 || nsec >= 1e9) return -EINVAL;
    timeout = sec * 1e9 + nsec;
  }
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  const state = (files.mmsg ??= { done: 0, end: timeout === null ? null : files.now() + timeout });
  if (state.done === 0 && s[1].err) return mmsgEnd(files, -s[1].takeErr());
  let err = 0;
  while (state.done < vlen) {
    const entry = mmsg + MMSGHDR * state.done;
    const waitOne = flags & MSG_WAITFORONE && state.done > 0 ? MSG_DONTWAIT : 0;
    const r = ___sys_recvmsg(files, s[0], s[1], entry, (flags & ~MSG_WAITFORONE) | waitOne);
    if (r.n === -ERESTARTSYS) return r.n;
    err = r.n < 0 ? r.n : putMsgLen(files, entry, r.n);
    if (err < 0) break;
    state.done++;
    if (state.end !== null && files.now() >= state.end) break;
    if (r.flags & MSG_OOB) break;
  }
  const datagrams = state.done;
  if (datagrams > 0 && err < 0 && err !== -EAGAIN) s[1].err = -err;
  if (datagrams > 0 && timeoutAddr !== 0 && state.end !== null) {
    const left = Math.max(0, state.end - files.now());
    const b = new Uint8Array(16), v = new DataView(b.buffer);
    v.setUint32(0, Math.floor(left / 1e9), true);
    v.setUint32(8, left % 1e9, true);
    if (files.mem.copyToUser(timeoutAddr, b) !== 0) return mmsgEnd(files, -EFAULT);
  }
  return mmsgEnd(files, datagrams || err);
}

/** shutdown: SHUT_RD, SHUT_WR, SHUT_RDWR (how + 1 as the shutdown bits). */
export function shutdown(files: FileSyscalls, fd: number, how: number): number {
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  if (how < 0 || how > 2) return -EINVAL;
  s[1].shutdownBits(how + 1);
  return 0;
}

/** getsockopt at SOL_SOCKET (sk_getsockopt): an int cut to *optlen, or SO_PEERCRED's struct ucred; another level is EOPNOTSUPP. */
export function getsockopt(files: FileSyscalls, fd: number, level: number, name: number, optval: number, optlenAddr: number): number {
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  const sock = s[1];
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  const lb = new Uint8Array(4);
  if (files.mem.copyFromUser(lb, optlenAddr, 4) !== 0) return -EFAULT;
  let len = new DataView(lb.buffer).getInt32(0, true);
  if (len < 0) return -EINVAL;
  const val = new Uint8Array(16);
  const v = new DataView(val.buffer);
  let size = 4;
  switch (name) {
    case SO_TYPE: v.setInt32(0, sock.kind, true); break;
    case SO_PROTOCOL: break;
    case SO_DOMAIN: v.setInt32(0, AF_UNIX, true); break;
    case SO_ERROR: v.setInt32(0, sock.takeErr(), true); break;
    case SO_SNDBUF: v.setInt32(0, sock.sndbuf, true); break;
    case SO_RCVBUF: v.setInt32(0, sock.rcvbuf, true); break;
    case SO_PASSCRED: v.setInt32(0, sock.passcred ? 1 : 0, true); break;
    case SO_ACCEPTCONN: v.setInt32(0, sock.state === "listen" ? 1 : 0, true); break;
    case SO_RCVTIMEO_OLD: case SO_RCVTIMEO_NEW: case SO_SNDTIMEO_OLD: case SO_SNDTIMEO_NEW: {
      // sock_get_timeout: whole seconds and the rest of a second, from jiffies; no limit reads as 0.
      const timeo = name === SO_RCVTIMEO_OLD || name === SO_RCVTIMEO_NEW ? sock.rcvtimeo : sock.sndtimeo;
      const jiffies = timeo === Infinity ? 0 : timeo;
      v.setUint32(0, Math.floor(jiffies / HZ), true);
      v.setUint32(8, Math.floor(((jiffies % HZ) * 1e6) / HZ), true);
      size = 16;
      break;
    }
    case SO_PEERCRED: {
      const c = sock.peerCred;
      v.setInt32(0, c?.pid ?? 0, true);
      v.setInt32(4, c ? c.uid : -1, true);
      v.setInt32(8, c ? c.gid : -1, true);
      size = 12;
      break;
    }
    default: return -ENOPROTOOPT;
  }
  len = Math.min(len, size);
  if (len > 0 && files.mem.copyToUser(optval, val.subarray(0, len)) !== 0) return -EFAULT;
  new DataView(lb.buffer).setInt32(0, len, true);
  return files.mem.copyToUser(optlenAddr, lb) !== 0 ? -EFAULT : 0;
}

/** setsockopt at SOL_SOCKET (sk_setsockopt): an int of at least 4 bytes; the buffers take twice what is asked, within their limits. */
export function setsockopt(files: FileSyscalls, fd: number, level: number, name: number, optval: number, optlen: number): number {
  const s = socketOf(files, fd);
  if (typeof s === "number") return s;
  const sock = s[1];
  if (level !== SOL_SOCKET) return -EOPNOTSUPP;
  if (optlen < 4) return -EINVAL;
  const b = new Uint8Array(4);
  if (files.mem.copyFromUser(b, optval, 4) !== 0) return -EFAULT;
  const val = new DataView(b.buffer).getInt32(0, true);
  switch (name) {
    case SO_SNDBUF:
      sock.sndbuf = Math.max(Math.min(val >>> 0, WMEM_MAX) * 2, SOCK_MIN_SNDBUF);
      sock.wake();
      return 0;
    case SO_RCVBUF:
      sock.rcvbuf = Math.max(Math.min(val >>> 0, RMEM_MAX) * 2, SOCK_MIN_RCVBUF);
      return 0;
    case SO_PASSCRED:
      sock.passcred = val !== 0;
      return 0;
    case SO_RCVTIMEO_OLD: case SO_RCVTIMEO_NEW: case SO_SNDTIMEO_OLD: case SO_SNDTIMEO_NEW: {
      const timeo = sock_set_timeout(files, optval, optlen);
      if (timeo < 0) return timeo;
      if (name === SO_RCVTIMEO_OLD || name === SO_RCVTIMEO_NEW) sock.rcvtimeo = timeo;
      else sock.sndtimeo = timeo;
      return 0;
    }
    default:
      return -ENOPROTOOPT;
  }
}

/**
 * sock_set_timeout: a struct timeval as jiffies, rounded up (0 s and 0 us,
 * or more than MAX_SCHEDULE_TIMEOUT: no limit; a negative time: no wait);
 * -EINVAL when shorter than a timeval, -EDOM for microseconds out of range.
 */
function sock_set_timeout(files: FileSyscalls, optval: number, optlen: number): number {
  if (optlen < 16) return -EINVAL;
  const b = new Uint8Array(16);
  if (files.mem.copyFromUser(b, optval, 16) !== 0) return -EFAULT;
  const v = new DataView(b.buffer);
  const sec = v.getInt32(4, true) * 0x1_0000_0000 + v.getUint32(0, true);
  const usec = v.getInt32(12, true) * 0x1_0000_0000 + v.getUint32(8, true);
  if (usec < 0 || usec >= 1e6) return -EDOM;
  if (sec < 0) return 0;
  if ((sec === 0 && usec === 0) || sec >= MAX_TIMEOUT_SEC) return Infinity;
  return sec * HZ + Math.ceil(usec / (1e6 / HZ));
}
