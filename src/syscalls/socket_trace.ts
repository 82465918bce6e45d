// strace's decoding of the socket syscalls (its net.c, sockaddr.c and
// msghdr.c): families, types and flags by name, struct sockaddr_un as
// {sa_family=AF_UNIX, sun_path="…"} (an abstract name after "@"), address
// lengths as [in => out], struct msghdr with its iovecs and control
// messages (SCM_RIGHTS' descriptors, SCM_CREDENTIALS' ucred), and the
// SOL_SOCKET options. Buffers the kernel fills show only after success.

import { addrLenIn } from "./socket.js";
import { buffer, flags, flagsOrUnknown, hex, iovec, named, pointer, quote, u64At, udec, type Peek } from "./trace.js";

const AF: Record<number, string> = { 0: "AF_UNSPEC", 1: "AF_UNIX", 2: "AF_INET", 4: "AF_IPX", 10: "AF_INET6", 16: "AF_NETLINK", 17: "AF_PACKET" };
const SOCK_TYPES: Record<number, string> = { 1: "SOCK_STREAM", 2: "SOCK_DGRAM", 3: "SOCK_RAW", 4: "SOCK_RDM", 5: "SOCK_SEQPACKET", 6: "SOCK_DCCP", 10: "SOCK_PACKET" };
const SOCK_FLAGS: [number, string][] = [[0o2000000, "SOCK_CLOEXEC"], [0o4000, "SOCK_NONBLOCK"]];
const MSG: [number, string][] = [
  [0x1, "MSG_OOB"], [0x2, "MSG_PEEK"], [0x4, "MSG_DONTROUTE"], [0x8, "MSG_CTRUNC"], [0x10, "MSG_PROBE"], [0x20, "MSG_TRUNC"],
  [0x40, "MSG_DONTWAIT"], [0x80, "MSG_EOR"], [0x100, "MSG_WAITALL"], [0x200, "MSG_FIN"], [0x400, "MSG_SYN"], [0x800, "MSG_CONFIRM"],
  [0x1000, "MSG_RST"], [0x2000, "MSG_ERRQUEUE"], [0x4000, "MSG_NOSIGNAL"], [0x8000, "MSG_MORE"], [0x10000, "MSG_WAITFORONE"],
  [0x40000000, "MSG_CMSG_CLOEXEC"], [0x80000000, "MSG_CMSG_COMPAT"],
];
const SHUT: Record<number, string> = { 0: "SHUT_RD", 1: "SHUT_WR", 2: "SHUT_RDWR" };
const SOL: Record<number, string> = { 1: "SOL_SOCKET", 6: "SOL_TCP", 0: "SOL_IP", 17: "SOL_UDP", 41: "SOL_IPV6" };
const SO: Record<number, string> = {
  1: "SO_DEBUG", 2: "SO_REUSEADDR", 3: "SO_TYPE", 4: "SO_ERROR", 5: "SO_DONTROUTE", 6: "SO_BROADCAST", 7: "SO_SNDBUF", 8: "SO_RCVBUF",
  9: "SO_KEEPALIVE", 10: "SO_OOBINLINE", 15: "SO_REUSEPORT", 16: "SO_PASSCRED", 17: "SO_PEERCRED", 18: "SO_RCVLOWAT", 19: "SO_SNDLOWAT",
  20: "SO_RCVTIMEO_OLD", 21: "SO_SNDTIMEO_OLD", 66: "SO_RCVTIMEO_NEW", 67: "SO_SNDTIMEO_NEW", 30: "SO_ACCEPTCONN", 32: "SO_SNDBUFFORCE", 33: "SO_RCVBUFFORCE", 38: "SO_PROTOCOL", 39: "SO_DOMAIN",
};
const TCP: Record<number, string> = { 1: "TCP_NODELAY", 2: "TCP_MAXSEG", 3: "TCP_CORK" };
const SCM: Record<number, string> = { 1: "SCM_RIGHTS", 2: "SCM_CREDENTIALS" };

function sockType(type: number): string {
  const unknown = type & ~0xf & ~SOCK_FLAGS.reduce((m, [bit]) => m | bit, 0);
  return [SOCK_TYPES[type & 0xf] ?? `${hex(type & 0xf)} /* SOCK_??? */`, flags(type & ~0xf, SOCK_FLAGS, "")].filter(Boolean).join("|") + (unknown ? " /* SOCK_??? */" : "");
}

function int32At(b: Uint8Array, at: number): number {
  return new DataView(b.buffer, b.byteOffset, b.byteLength).getInt32(at, true);
}

/** decode_sockaddr: `len` bytes at addr; fewer than a family's two, or unreadable: the address. */
function sockaddr(peek: Peek, addr: number, len: number): string {
  if (addr === 0) return "NULL";
  len = Math.min(len, 128);
  const b = len >= 2 ? peek(addr, len) : null;
  if (!b) return hex(addr);
  const family = b[0] | (b[1] << 8);
  const head = `{sa_family=${named(family, AF, "AF")}`;
  if (len === 2) return head + "}";
  if (family === 1) {
    const path = b.subarray(2, Math.min(len, 110));
    if (path[0] !== 0) {
      const nul = path.indexOf(0);
      return `${head}, sun_path=${quote(nul < 0 ? path : path.subarray(0, nul), false)}}`;
    }
    return `${head}, sun_path=@${quote(path.subarray(1), false)}}`;
  }
  if (family === 2 && len >= 8) {
    return `${head}, sin_port=htons(${(b[2] << 8) | b[3]}), sin_addr=inet_addr("${b[4]}.${b[5]}.${b[6]}.${b[7]}")}`;
  }
  return `${head}, sa_data=${quote(b.subarray(2, Math.min(len, 16)), false)}}`;
}

/** An address the kernel writes with its length's int: `{…}, [in => out]` once written, else the address and [in]. */
function sockname(peek: Peek, addr: number, lenAddr: number, ok: boolean): string {
  if (addr === 0) return `NULL, ${pointer(lenAddr)}`;
  const lb = lenAddr !== 0 ? peek(lenAddr, 4) : null;
  if (!lb) return `${hex(addr)}, ${hex(lenAddr)}`;
  const now = int32At(lb, 0);
  const before = ok ? addrLenIn.value : now;
  if (!ok) return `${hex(addr)}, [${before}]`;
  return `${sockaddr(peek, addr, Math.min(before, now))}, [${before === now ? now : `${before} => ${now}`}]`;
}

/** The control messages of a msghdr, as strace's decode_msg_control prints them: [{cmsg_len=20, cmsg_level=SOL_SOCKET, cmsg_type=SCM_RIGHTS, cmsg_data=[3]}]. */
function cmsgs(peek: Peek, addr: number, len: number): string {
  const b = len > 0 ? peek(addr, Math.min(len, 4096)) : null;
  if (!b) return hex(addr);
  const out: string[] = [];
  let at = 0, left = b.length;
  while (left >= 16) {
    const clen = u64At(b, at), level = int32At(b, at + 8), type = int32At(b, at + 12);
    let text = `{cmsg_len=${clen}, cmsg_level=${named(level, SOL, "SOL")}, cmsg_type=${level === 1 ? named(type, SCM, "SCM") : hex(type)}`;
    const n = Math.min(clen, left);
    const data = b.subarray(at + 16, at + Math.max(n, 16));
    if (level === 1 && type === 1 && data.length > 0) {
      const fds = [];
      for (let i = 0; i + 4 <= data.length; i += 4) fds.push(int32At(data, i));
      text += `, cmsg_data=[${fds.join(", ")}]`;
    } else if (level === 1 && type === 2 && data.length >= 12) {
      text += `, cmsg_data={pid=${int32At(data, 0)}, uid=${int32At(data, 4) >>> 0}, gid=${int32At(data, 8) >>> 0}}`;
    }
    out.push(text + "}");
    if (n < 16) {
      left -= 16;
      break;
    }
    const step = Math.ceil(clen / 8) * 8;
    if (step >= left) {
      left = 0;
      break;
    }
    at += step;
    left -= step;
  }
  if (left > 0) out.push(`... /* ${hex(addr + b.length - left)} */`);
  return `[${out.join(", ")}]`;
}

/** struct msghdr: the name, the iovecs (`limit` bytes: a receive's result), the control messages and flags. */
function msghdr(peek: Peek, addr: number, limit: number, recv: boolean): string {
  const h = peek(addr, 56);
  if (!h) return hex(addr);
  const nameAddr = u64At(h, 0), namelen = int32At(h, 8), ctl = u64At(h, 32), ctllen = u64At(h, 40);
  const name = nameAddr === 0 ? "NULL" : sockaddr(peek, nameAddr, namelen);
  const control = ctllen > 0 && ctl !== 0 ? `msg_control=${cmsgs(peek, ctl, ctllen)}, ` : "";
  const msgFlags = int32At(h, 48) >>> 0;
  return `{msg_name=${name}, msg_namelen=${recv && nameAddr !== 0 && addrLenIn.value !== namelen ? `${addrLenIn.value} => ${namelen}` : namelen}, msg_iov=${u64At(h, 16) === 0 ? "NULL" : iovec(peek, u64At(h, 16), u64At(h, 24), limit)}, ` +
    `msg_iovlen=${u64At(h, 24)}, ${control}msg_controllen=${ctllen}, msg_flags=${flags(msgFlags, MSG)}}`;
}

/** The arguments of a socket syscall, or undefined for another syscall. */
export function formatSocketArgs(nr: number, a: readonly number[], ret: number, peek: Peek): string | undefined {
  const ok = ret >= 0;
  switch (nr) {
    case 41: // socket
      return `${named(a[0] >>> 0, AF, "AF")}, ${sockType(a[1] >>> 0)}, ${a[2] | 0}`;
    case 53: { // socketpair
      const fds = ok ? peek(a[3], 8) : null;
      return `${named(a[0] >>> 0, AF, "AF")}, ${sockType(a[1] >>> 0)}, ${a[2] | 0}, ${fds ? `[${int32At(fds, 0)}, ${int32At(fds, 4)}]` : hex(a[3])}`;
    }
    case 49: // bind
    case 42: // connect
      return `${a[0] | 0}, ${sockaddr(peek, a[1], a[2] | 0)}, ${a[2] | 0}`;
    case 50: // listen
      return `${a[0] | 0}, ${a[1] | 0}`;
    case 43: // accept
    case 288: // accept4
    case 51: // getsockname
    case 52: { // getpeername
      const name = sockname(peek, a[1], a[2], ok);
      return `${a[0] | 0}, ${name}${nr === 288 ? `, ${flagsOrUnknown(a[3] >>> 0, SOCK_FLAGS, "0", "SOCK")}` : ""}`;
    }
    case 44: // sendto
      return `${a[0] | 0}, ${buffer(peek, a[1], a[2])}, ${udec(a[2])}, ${flags(a[3] >>> 0, MSG)}, ${sockaddr(peek, a[4], a[5] | 0)}, ${a[5] | 0}`;
    case 45: // recvfrom
      return `${a[0] | 0}, ${ok ? buffer(peek, a[1], ret) : hex(a[1])}, ${udec(a[2])}, ${flags(a[3] >>> 0, MSG)}, ${sockname(peek, a[4], a[5], ok)}`;
    case 46: // sendmsg
      return `${a[0] | 0}, ${msghdr(peek, a[1], Infinity, false)}, ${flags(a[2] >>> 0, MSG)}`;
    case 47: // recvmsg
      return `${a[0] | 0}, ${ok ? msghdr(peek, a[1], ret, true) : hex(a[1])}, ${flags(a[2] >>> 0, MSG)}`;
    case 48: // shutdown
      return `${a[0] | 0}, ${named(a[1] >>> 0, SHUT, "SHUT")}`;
    case 54: // setsockopt
    case 55: { // getsockopt
      const level = a[1] | 0, opt = a[2] | 0;
      const name = level === 1 ? named(opt, SO, "SO") : level === 6 ? named(opt, TCP, "TCP") : String(opt);
      // The timeouts' struct timeval strace shows as its bytes.
      const raw = level === 1 && [20, 21, 66, 67].includes(opt);
      let val: string;
      if (nr === 54) {
        const b = (a[4] | 0) >= 4 ? peek(a[3], 4) : null;
        val = raw ? buffer(peek, a[3], a[4] | 0) : b ? `[${int32At(b, 0)}]` : hex(a[3]);
        return `${a[0] | 0}, ${named(level, SOL, "SOL")}, ${name}, ${val}, ${a[4] | 0}`;
      }
      const lb = a[4] !== 0 ? peek(a[4], 4) : null;
      const len = lb ? int32At(lb, 0) : 0;
      const b = ok && len > 0 ? peek(a[3], len) : null;
      if (!b) val = pointer(a[3]);
      else if (raw) val = quote(b, false);
      else if (level === 1 && opt === 17 && len >= 12) val = `{pid=${int32At(b, 0)}, uid=${int32At(b, 4)}, gid=${int32At(b, 8)}}`;
      else if (len >= 4) val = `[${int32At(b, 0)}]`;
      else val = quote(b, false);
      return `${a[0] | 0}, ${named(level, SOL, "SOL")}, ${name}, ${val}, ${lb ? `[${len}]` : hex(a[4])}`;
    }
    default:
      return undefined;
  }
}
