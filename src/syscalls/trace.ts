// `--trace syscalls`: one line per syscall in strace's format, e.g.
//   write(1, "Hello, world!\n", 14)         = 14
//   mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ff9000
//   mprotect(0x7ffff7ff3000, 4096, PROT_READ) = -1 ENOMEM (Cannot allocate memory)
// Like strace (default -s 32, column 40 for the result), decoding the
// arguments of the syscalls faultline implements; any other syscall shows
// its six raw arguments. Lines are built after the call, so buffers the
// kernel filled (read, uname, clock_gettime...) show what it wrote.

import { ERRNO } from "./errno.js";
import { formatMempolicyArgs } from "./mempolicy_trace.js";
import { formatSocketArgs } from "./socket_trace.js";
import { formatPidfdArgs } from "./pidfd_trace.js";
import { formatSchedArgs, formatSchedResult } from "./sched_trace.js";
import { formatXattrArgs } from "./xattr_trace.js";
import { formatTimerArgs } from "./timers_trace.js";
import { formatFileSpaceArgs, SEALS } from "./memfd_trace.js";
import { formatCredArgs } from "./cred_trace.js";
import { syscallName } from "./names.js";
import { unsigned } from "./args.js";

/** Reads user memory for display; null when it is not readable. */
export type Peek = (addr: number, len: number) => Uint8Array | null;

/** strace -s: how many bytes of a buffer are shown. */
export const STRING_LIMIT = 32;
/** The column strace aligns "= result" to. */
const RESULT_COLUMN = 40;

export const SIGNAL_NAMES = [
  "", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1",
  "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP",
  "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS",
];

export function signalName(sig: number): string {
  if (sig >= 1 && sig < 32) return SIGNAL_NAMES[sig];
  // strace's signal table ends with SIGRTMIN (32); its names go on from SIGRT_1
  if (sig === 32) return "SIGRTMIN";
  if (sig > 32 && sig <= 64) return `SIGRT_${sig - 32}`;
  return String(sig);
}

/** A 64-bit register value (signed number) in hex, as strace's %#lx: "0" or "0x...". */
export function hex(v: number): string {
  if (v === 0) return "0";
  return "0x" + (v < 0 ? (BigInt(2) ** BigInt(64) + BigInt(v)).toString(16) : v.toString(16));
}

/** A register as unsigned decimal, as strace's %lu. */
export function udec(v: number): string {
  // BigInt: String() would round a word past 2^53 to its shortest form.
  return (v < 0 ? BigInt(2) ** BigInt(64) + BigInt(v) : BigInt(v)).toString();
}

export function pointer(v: number): string {
  return v === 0 ? "NULL" : hex(v);
}

/** The int at `addr` as strace's printnum_int: "[n]" (the int32 through `show`), or the address when it cannot be read. */
export function intAt(peek: Peek, addr: number, show: (v: number) => string = String): string {
  const b = addr === 0 ? null : peek(addr, 4);
  return b ? `[${show(new DataView(b.buffer, b.byteOffset, 4).getInt32(0, true))}]` : pointer(addr);
}

/** strace's string quoting: C escapes, octal for other bytes (hex for all when forceHex). */
export function quote(bytes: Uint8Array, truncated: boolean, forceHex = false): string {
  let s = '"';
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (forceHex) {
      s += "\\x" + c.toString(16).padStart(2, "0");
      continue;
    }
    switch (c) {
      case 0x22: s += '\\"'; break;
      case 0x5c: s += "\\\\"; break;
      case 0x09: s += "\\t"; break;
      case 0x0a: s += "\\n"; break;
      case 0x0b: s += "\\v"; break;
      case 0x0c: s += "\\f"; break;
      case 0x0d: s += "\\r"; break;
      default:
        if (c >= 0x20 && c < 0x7f) s += String.fromCharCode(c);
        else {
          // Shortest octal, unless a digit follows and would be read as part of it.
          const next = bytes[i + 1];
          const digitFollows = i + 1 < bytes.length && next >= 0x30 && next <= 0x37;
          s += "\\" + (digitFollows ? c.toString(8).padStart(3, "0") : c.toString(8));
        }
    }
  }
  return s + '"' + (truncated ? "..." : "");
}

export function buffer(peek: Peek, addr: number, len: number, forceHex = false): string {
  if (addr === 0) return "NULL";
  const shown = Math.min(len, STRING_LIMIT);
  const bytes = len >= 0 ? peek(addr, shown) : null;
  return bytes ? quote(bytes, len > shown, forceHex) : hex(addr);
}

/** Flag names joined with "|", unknown bits as hex, like strace's printflags. */
export function flags(v: number, names: [number, string][], zero = "0"): string {
  if (v === 0) return zero;
  const out: string[] = [];
  let rest = v >>> 0;
  for (const [bit, name] of names)
    if ((rest & bit) >>> 0 === bit && bit !== 0) {
      out.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  if (rest) out.push(hex(rest));
  return out.join("|");
}

/** A value from a table, or strace's "0x64 /* CLOCK_??? *\/". */
export function named(v: number, names: Record<number, string>, prefix: string): string {
  return names[v] ?? `${hex(v)} /* ${prefix}_??? */`;
}

const PROT: [number, string][] = [[1, "PROT_READ"], [2, "PROT_WRITE"], [4, "PROT_EXEC"], [0x1000000, "PROT_GROWSDOWN"], [0x2000000, "PROT_GROWSUP"]];
const MAP_TYPE = ["MAP_FILE", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"];
const MAP: [number, string][] = [
  [0x10, "MAP_FIXED"], [0x20, "MAP_ANONYMOUS"], [0x40, "MAP_32BIT"], [0x100, "MAP_GROWSDOWN"], [0x800, "MAP_DENYWRITE"],
  [0x1000, "MAP_EXECUTABLE"], [0x2000, "MAP_LOCKED"], [0x4000, "MAP_NORESERVE"], [0x8000, "MAP_POPULATE"],
  [0x10000, "MAP_NONBLOCK"], [0x20000, "MAP_STACK"], [0x40000, "MAP_HUGETLB"], [0x80000, "MAP_SYNC"],
  [0x100000, "MAP_FIXED_NOREPLACE"], [0x4000000, "MAP_UNINITIALIZED"],
];
const MREMAP: [number, string][] = [[1, "MREMAP_MAYMOVE"], [2, "MREMAP_FIXED"], [4, "MREMAP_DONTUNMAP"]];
const MS: [number, string][] = [[4, "MS_SYNC"], [1, "MS_ASYNC"], [2, "MS_INVALIDATE"]];
const MCL: [number, string][] = [[1, "MCL_CURRENT"], [2, "MCL_FUTURE"], [4, "MCL_ONFAULT"]];

/** mincore's vector as strace prints it: each page 1 or 0, the first STRING_LIMIT, then "...". */
function mincoreVec(peek: Peek, addr: number, len: number): string {
  const pages = Math.ceil(len / 4096);
  const bytes = peek(addr, Math.min(pages, STRING_LIMIT));
  if (!bytes) return hex(addr);
  const items = [...bytes].map((b) => String(b & 1));
  return `[${items.join(", ")}${pages > STRING_LIMIT ? ", ..." : ""}]`;
}

const MADV: Record<number, string> = {
  0: "MADV_NORMAL", 1: "MADV_RANDOM", 2: "MADV_SEQUENTIAL", 3: "MADV_WILLNEED", 4: "MADV_DONTNEED", 8: "MADV_FREE",
  9: "MADV_REMOVE", 10: "MADV_DONTFORK", 11: "MADV_DOFORK", 12: "MADV_MERGEABLE", 13: "MADV_UNMERGEABLE",
  14: "MADV_HUGEPAGE", 15: "MADV_NOHUGEPAGE", 16: "MADV_DONTDUMP", 17: "MADV_DODUMP", 18: "MADV_WIPEONFORK",
  19: "MADV_KEEPONFORK", 20: "MADV_COLD", 21: "MADV_PAGEOUT", 22: "MADV_POPULATE_READ", 23: "MADV_POPULATE_WRITE",
  24: "MADV_DONTNEED_LOCKED", 25: "MADV_COLLAPSE",
};
export const CLOCK_NAMES: Record<number, string> = {
  0: "CLOCK_REALTIME", 1: "CLOCK_MONOTONIC", 2: "CLOCK_PROCESS_CPUTIME_ID", 3: "CLOCK_THREAD_CPUTIME_ID",
  4: "CLOCK_MONOTONIC_RAW", 5: "CLOCK_REALTIME_COARSE", 6: "CLOCK_MONOTONIC_COARSE", 7: "CLOCK_BOOTTIME",
  8: "CLOCK_REALTIME_ALARM", 9: "CLOCK_BOOTTIME_ALARM", 11: "CLOCK_TAI",
};
const ARCH_PRCTL: Record<number, string> = { 0x1001: "ARCH_SET_GS", 0x1002: "ARCH_SET_FS", 0x1003: "ARCH_GET_FS", 0x1004: "ARCH_GET_GS" };
const GRND: [number, string][] = [[1, "GRND_NONBLOCK"], [2, "GRND_RANDOM"], [4, "GRND_INSECURE"]];
const SIG_HOW: Record<number, string> = { 0: "SIG_BLOCK", 1: "SIG_UNBLOCK", 2: "SIG_SETMASK" };
// In strace's order (xlat/sigact_flags.in).
const SA: [number, string][] = [
  [0x04000000, "SA_RESTORER"], [0x08000000, "SA_ONSTACK"], [0x10000000, "SA_RESTART"], [0x40000000, "SA_NODEFER"],
  [0x80000000, "SA_RESETHAND"], [4, "SA_SIGINFO"], [1, "SA_NOCLDSTOP"], [2, "SA_NOCLDWAIT"],
];
const IOCTL: Record<number, string> = { 0x5401: "TCGETS", 0x5402: "TCSETS", 0x5413: "TIOCGWINSZ", 0x540f: "TIOCGPGRP", 0x541b: "FIONREAD" };

const SEEK: Record<number, string> = { 0: "SEEK_SET", 1: "SEEK_CUR", 2: "SEEK_END", 3: "SEEK_DATA", 4: "SEEK_HOLE" };
// In strace's order (xlat/open_mode_flags.in).
const OPEN: [number, string][] = [
  [0o100, "O_CREAT"], [0o200, "O_EXCL"], [0o400, "O_NOCTTY"], [0o1000, "O_TRUNC"], [0o2000, "O_APPEND"], [0o4000, "O_NONBLOCK"],
  [0o4010000, "O_SYNC"], [0o10000, "O_DSYNC"], [0o20000, "O_ASYNC"], [0o40000, "O_DIRECT"], [0o100000, "O_LARGEFILE"],
  [0o400000, "O_NOFOLLOW"], [0o1000000, "O_NOATIME"], [0o2000000, "O_CLOEXEC"], [0o10000000, "O_PATH"],
  [0o20200000, "O_TMPFILE"], [0o200000, "O_DIRECTORY"],
];
const ACCMODE = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"];
const AT: [number, string][] = [
  [0x100, "AT_SYMLINK_NOFOLLOW"], [0x200, "AT_REMOVEDIR"], [0x400, "AT_SYMLINK_FOLLOW"], [0x800, "AT_NO_AUTOMOUNT"], [0x1000, "AT_EMPTY_PATH"], [0x8000, "AT_RECURSIVE"],
];
const ACCESS_AT: [number, string][] = [[0x100, "AT_SYMLINK_NOFOLLOW"], [0x200, "AT_EACCESS"], [0x1000, "AT_EMPTY_PATH"]];
const ACCESS: [number, string][] = [[4, "R_OK"], [2, "W_OK"], [1, "X_OK"]];
const RENAME: [number, string][] = [[1, "RENAME_NOREPLACE"], [2, "RENAME_EXCHANGE"], [4, "RENAME_WHITEOUT"]];
const FCNTL: Record<number, string> = { 0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 1030: "F_DUPFD_CLOEXEC" };
const FD_FLAGS: [number, string][] = [[1, "FD_CLOEXEC"]];
const FCNTL_LOCK: Record<number, string> = { 5: "F_GETLK", 6: "F_SETLK", 7: "F_SETLKW", 36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW" };
const RLIMIT = [
  "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE", "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE",
  "RLIMIT_MEMLOCK", "RLIMIT_AS", "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO", "RLIMIT_RTTIME",
];
const FILE_TYPES: Record<number, string> = {
  0o140000: "S_IFSOCK", 0o120000: "S_IFLNK", 0o100000: "S_IFREG", 0o060000: "S_IFBLK", 0o040000: "S_IFDIR", 0o020000: "S_IFCHR", 0o010000: "S_IFIFO",
};
const AT_FDCWD = -100;

function dirfd(v: number): string {
  return (v | 0) === AT_FDCWD ? "AT_FDCWD" : String(v | 0);
}

/** A path argument: the whole string (strace shows up to PATH_MAX - 1 bytes), or the address when unreadable. */
export function path(peek: Peek, addr: number): string {
  const parts: Uint8Array[] = [];
  let len = 0;
  while (len < 4096) {
    const n = Math.min(4096 - len, 4096 - ((addr + len) % 4096));
    const b = peek(addr + len, n);
    if (!b) return hex(addr);
    const nul = b.indexOf(0);
    parts.push(nul >= 0 ? b.subarray(0, nul) : b);
    len += nul >= 0 ? nul : n;
    if (nul >= 0) break;
  }
  const all = new Uint8Array(len);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return len >= 4096 ? quote(all.subarray(0, 4095), true) : quote(all, false);
}

const EFD: [number, string][] = [[1, "EFD_SEMAPHORE"], [0o2000000, "EFD_CLOEXEC"], [0o4000, "EFD_NONBLOCK"]];
const EPOLL_CTL: Record<number, string> = { 1: "EPOLL_CTL_ADD", 2: "EPOLL_CTL_DEL", 3: "EPOLL_CTL_MOD" };
const EPOLL: [number, string][] = [
  [0x1, "EPOLLIN"], [0x2, "EPOLLPRI"], [0x4, "EPOLLOUT"], [0x8, "EPOLLERR"], [0x10, "EPOLLHUP"], [0x20, "EPOLLNVAL"],
  [0x40, "EPOLLRDNORM"], [0x80, "EPOLLRDBAND"], [0x100, "EPOLLWRNORM"], [0x200, "EPOLLWRBAND"], [0x400, "EPOLLMSG"],
  [0x2000, "EPOLLRDHUP"], [1 << 28, "EPOLLEXCLUSIVE"], [1 << 29, "EPOLLWAKEUP"], [1 << 30, "EPOLLONESHOT"], [2 ** 31, "EPOLLET"],
];
const PRIO: Record<number, string> = { 0: "PRIO_PROCESS", 1: "PRIO_PGRP", 2: "PRIO_USER" };

/** `count` struct epoll_event (12 bytes, packed) at addr: [{events=EPOLLIN, data={u32=5, u64=5}}]; one alone without brackets (epoll_ctl's). */
function epollEvents(peek: Peek, addr: number, count: number, single = false): string {
  if (addr === 0) return "NULL";
  const b = peek(addr, 12 * count);
  if (!b) return hex(addr);
  const v = new DataView(b.buffer, b.byteOffset);
  const items = [];
  for (let i = 0; i < count; i++) {
    const lo = v.getUint32(12 * i + 4, true), hi = v.getUint32(12 * i + 8, true);
    items.push(`{events=${flags(v.getUint32(12 * i, true), EPOLL)}, data={u32=${lo}, u64=${((BigInt(hi) << 32n) | BigInt(lo)).toString()}}}`);
  }
  return single ? items[0] : `[${items.join(", ")}]`;
}

/** A path that may be NULL (utimensat's on dirfd itself). */
function pathOrNull(peek: Peek, addr: number): string {
  return addr === 0 ? "NULL" : path(peek, addr);
}

/** A time as strace's comment shows it (TZ unset: UTC): 2020-01-02T03:04:05+0000, with the fraction when there is one. */
function isoTime(sec: number, frac: number, digits: number): string {
  const d = new Date(sec * 1000);
  if (Number.isNaN(d.getTime())) return String(sec);
  const fraction = frac ? "." + String(frac).padStart(digits, "0") : "";
  return `${d.toISOString().slice(0, 19)}${fraction}+0000`;
}

/** utimensat's two struct timespec (`scale` 1) or utimes' two struct timeval (1000): UTIME_NOW and UTIME_OMIT by name. */
function timesAt(peek: Peek, addr: number, scale: number): string {
  if (addr === 0) return "NULL";
  const b = peek(addr, 32);
  if (!b) return hex(addr);
  const one = (at: number) => {
    const sec = u64At(b, at), frac = u64At(b, at + 8);
    if (scale === 1 && frac === 0x3fffffff) return "UTIME_NOW";
    if (scale === 1 && frac === 0x3ffffffe) return "UTIME_OMIT";
    const field = scale === 1 ? "tv_nsec" : "tv_usec";
    // An out-of-range fraction gets no date.
    const date = frac < 1e9 / scale ? ` /* ${isoTime(sec, frac, scale === 1 ? 9 : 6)} */` : "";
    return `{tv_sec=${sec}, ${field}=${frac}}${date}`;
  };
  return `[${one(0)}, ${one(16)}]`;
}

/** mknod's mode (a type of 0 shows as the bits alone) and, for a device, its number. */
function mknodMode(mode: number, dev: number): string {
  const type = mode & 0o170000;
  // No type, or one Linux does not have: the bits in octal.
  const text = type && FILE_TYPES[type] ? fileMode(mode) : octal(mode);
  return type === 0o020000 || type === 0o060000 ? `${text}, makedev(${hex((dev >> 8) & 0xfff)}, ${hex(dev & 0xff)})` : text;
}

/** Octal as strace's %#03o: "022", "0755", "000". */
function octal(v: number): string {
  return "0" + v.toString(8).padStart(2, "0");
}

function openFlags(v: number): string {
  const rest = flags(v & ~3, OPEN, "");
  return rest ? `${ACCMODE[v & 3]}|${rest}` : ACCMODE[v & 3];
}

const RESOLVE: [number, string][] = [
  [1, "RESOLVE_NO_XDEV"], [2, "RESOLVE_NO_MAGICLINKS"], [4, "RESOLVE_NO_SYMLINKS"], [8, "RESOLVE_BENEATH"], [0x10, "RESOLVE_IN_ROOT"],
  [0x20, "RESOLVE_CACHED"],
];

/** A 64-bit flags word as strace prints it: the `known` names, then the bits it has no name for, low and high, in one hex number. */
function withRest(known: string, rest: bigint, prefix: string): string {
  if (rest === 0n) return known || "0";
  return known ? `${known}|0x${rest.toString(16)}` : `0x${rest.toString(16)} /* ${prefix}_??? */`;
}

/**
 * struct open_how as strace prints it: the u64 fields (bits past 32 as
 * unknown ones), the mode when creating or set, then the nonzero bytes of a
 * larger struct's tail, or "???" when they cannot be read.
 */
function openHow(peek: Peek, addr: number, size: number): string {
  const b = size >= 24 ? peek(addr, 24) : null;
  if (!b) return hex(addr);
  const v = new DataView(b.buffer, b.byteOffset);
  const lo = (at: number) => v.getUint32(at, true), high = (at: number) => BigInt(v.getUint32(at + 4, true)) << 32n;
  const openKnown = OPEN.reduce((m, [bit]) => m | bit, 3), mode = high(8) | BigInt(lo(8));
  const fields = [`flags=${withRest(openFlags(lo(0) & openKnown), BigInt((lo(0) & ~openKnown) >>> 0) | high(0), "O")}`];
  if (lo(0) & 0o20000100 || mode) fields.push(`mode=0${mode.toString(8).padStart(2, "0")}`);
  fields.push(`resolve=${withRest(flags(lo(16) & 0x3f, RESOLVE, ""), BigInt((lo(16) & ~0x3f) >>> 0) | high(16), "RESOLVE")}`);
  if (size > 24) {
    const tail = peek(addr + 24, size - 24);
    if (!tail) fields.push("???");
    else if (tail.some((x) => x !== 0)) {
      const shown = tail.subarray(0, STRING_LIMIT);
      fields.push(`/* bytes 24..${size - 1} */ ${quote(shown, tail.length > shown.length, true)}`);
    }
  }
  return `{${fields.join(", ")}}`;
}

/** A file mode as strace prints st_mode: S_IFREG|0644, S_IFDIR|S_ISVTX|0777. */
function fileMode(m: number): string {
  const type = FILE_TYPES[m & 0o170000];
  const special = [[0o4000, "S_ISUID"], [0o2000, "S_ISGID"], [0o1000, "S_ISVTX"]].filter(([bit]) => m & (bit as number)).map(([, n]) => n);
  return [type ?? hex(m & 0o170000), ...special, octal(m & 0o777)].join("|");
}

function statStruct(peek: Peek, addr: number): string {
  const b = peek(addr, 144);
  if (!b) return hex(addr);
  const mode = new DataView(b.buffer, b.byteOffset).getUint32(24, true);
  const type = mode & 0o170000;
  const rdev = u64At(b, 40);
  const middle = type === 0o020000 || type === 0o060000 ? `st_rdev=makedev(${hex(rdev >> 8) || "0"}, ${hex(rdev & 0xff) || "0"})` : `st_size=${u64At(b, 48)}`;
  return `{st_mode=${fileMode(mode)}, ${middle}, ...}`;
}

/** statfs's f_type names as strace prints them. */
const FS_MAGIC: Record<number, string> = {
  0xef53: "EXT2_SUPER_MAGIC", 0x01021994: "TMPFS_MAGIC", 0x9fa0: "PROC_SUPER_MAGIC", 0x62656572: "SYSFS_MAGIC",
  0x858458f6: "RAMFS_MAGIC", 0x50495045: "PIPEFS_MAGIC", 0x534f434b: "SOCKFS_MAGIC", 0x09041934: "ANON_INODE_FS_MAGIC",
};
const ST_FLAGS: [number, string][] = [[0x1, "ST_RDONLY"], [0x2, "ST_NOSUID"], [0x4, "ST_NODEV"], [0x8, "ST_NOEXEC"], [0x10, "ST_SYNCHRONOUS"], [0x20, "ST_VALID"], [0x40, "ST_MANDLOCK"], [0x400, "ST_NOATIME"], [0x800, "ST_NODIRATIME"], [0x1000, "ST_RELATIME"]];

/** struct statfs as strace prints it, every field. */
function statfsStruct(peek: Peek, addr: number): string {
  const b = peek(addr, 120);
  if (!b) return hex(addr);
  const v = new DataView(b.buffer, b.byteOffset);
  const type = u64At(b, 0);
  const f = ["f_bsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree"].map((n, i) => `${n}=${u64At(b, 8 + 8 * i)}`).join(", ");
  const fsid = [v.getUint32(56, true), v.getUint32(60, true)].map((x) => hex(x)).join(", ");
  return `{f_type=${FS_MAGIC[type] ?? hex(type)}, ${f}, f_fsid={val=[${fsid}]}, f_namelen=${u64At(b, 64)}, f_frsize=${u64At(b, 72)}, f_flags=${flags(u64At(b, 80), ST_FLAGS, "0")}}`;
}

function statxStruct(peek: Peek, addr: number): string {
  const b = peek(addr, 256);
  if (!b) return hex(addr);
  const v = new DataView(b.buffer, b.byteOffset);
  const mask = v.getUint32(0, true);
  const maskText = flags(mask & ~0x7ff, [[0x1000, "STATX_MNT_ID"]], "");
  return `{stx_mask=STATX_BASIC_STATS${maskText ? "|" + maskText : ""}, stx_attributes=${hex(u64At(b, 8))}, stx_mode=${fileMode(v.getUint16(28, true))}, stx_size=${u64At(b, 40)}, ...}`;
}

function statxFlags(v: number): string {
  const sync = v & 0x6000;
  const syncText = sync === 0 ? "AT_STATX_SYNC_AS_STAT" : [[0x2000, "AT_STATX_FORCE_SYNC"], [0x4000, "AT_STATX_DONT_SYNC"]].filter(([bit]) => sync & (bit as number)).map(([, n]) => n).join("|");
  const rest = flags(v & ~0x6000, AT, "");
  return rest ? `${syncText}|${rest}` : syncText;
}

/** struct iovec[] as addresses and lengths, the first 32 (strace -s), or the vector's address. */
function iovecAddrs(peek: Peek, addr: number, count: number): string {
  const shown = Math.min(count, STRING_LIMIT);
  const vec = peek(addr, 16 * shown);
  if (!vec) return hex(addr);
  const items = [];
  for (let i = 0; i < shown; i++) items.push(`{iov_base=${pointer(u64At(vec, 16 * i))}, iov_len=${udec(u64At(vec, 16 * i + 8))}}`);
  return `[${items.join(", ")}${count > shown ? ", ..." : ""}]`;
}

/** struct iovec[] with the bytes each holds, `limit` bytes in all (a read's result), or the address. */
export function iovec(peek: Peek, addr: number, count: number, limit: number): string {
  const vec = count >= 0 && count <= 1024 ? peek(addr, 16 * count) : null;
  if (!vec) return hex(addr);
  const items = [];
  for (let i = 0; i < count; i++) {
    const len = u64At(vec, 16 * i + 8);
    items.push(`{iov_base=${buffer(peek, u64At(vec, 16 * i), Math.max(0, Math.min(len, limit)))}, iov_len=${len}}`);
    limit -= len;
  }
  return `[${items.join(", ")}]`;
}

/** struct timespec at addr, or the address (NULL for 0). */
export function timespecAt(peek: Peek, addr: number): string {
  if (addr === 0) return "NULL";
  const b = peek(addr, 16);
  return b ? `{tv_sec=${u64At(b, 0)}, tv_nsec=${u64At(b, 8)}}` : hex(addr);
}

function rlimValue(v: number): string {
  if (v >= 2 ** 64 - 1) return "RLIM64_INFINITY";
  return v > 1024 && v % 1024 === 0 ? `${v / 1024}*1024` : String(v);
}

function rlimit(peek: Peek, addr: number): string {
  if (addr === 0) return "NULL";
  const b = peek(addr, 16);
  if (!b) return hex(addr);
  const word = (at: number) => (b[at + 7] === 0xff && b[at] === 0xff ? 2 ** 64 : u64At(b, at));
  return `{rlim_cur=${rlimValue(word(0))}, rlim_max=${rlimValue(word(8))}}`;
}

export function u64At(b: Uint8Array, at: number): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return v.getUint32(at + 4, true) * 0x1_0000_0000 + v.getUint32(at, true);
}

/** A sigset as strace shows it: [SEGV USR1], or ~[...] when most signals are in it. */
function sigset(lo: number, hi: number): string {
  const members: number[] = [];
  for (let sig = 1; sig <= 64; sig++) {
    const bit = sig - 1;
    if ((bit < 32 ? lo >>> bit : hi >>> (bit - 32)) & 1) members.push(sig);
  }
  const name = (s: number) => signalName(s).replace(/^SIG/, "");
  if (members.length > 32) {
    const missing = [];
    for (let sig = 1; sig <= 64; sig++) if (!members.includes(sig)) missing.push(name(sig));
    return `~[${missing.join(" ")}]`;
  }
  return `[${members.map(name).join(" ")}]`;
}

export function sigsetAt(peek: Peek, addr: number, size: number): string {
  if (addr === 0) return "NULL";
  const b = size === 8 ? peek(addr, 8) : null;
  if (!b) return hex(addr);
  const v = new DataView(b.buffer, b.byteOffset, 8);
  return sigset(v.getUint32(0, true), v.getUint32(4, true));
}

function sigaction(peek: Peek, addr: number): string {
  if (addr === 0) return "NULL";
  const b = peek(addr, 32);
  if (!b) return hex(addr);
  const handler = u64At(b, 0);
  const saFlags = u64At(b, 8);
  const v = new DataView(b.buffer, b.byteOffset, 32);
  let s = `{sa_handler=${handler === 0 ? "SIG_DFL" : handler === 1 ? "SIG_IGN" : hex(handler)}, `;
  s += `sa_mask=${sigset(v.getUint32(24, true), v.getUint32(28, true))}, sa_flags=${flags(saFlags, SA)}`;
  if (saFlags & 0x04000000) s += `, sa_restorer=${hex(u64At(b, 16))}`;
  return s + "}";
}

const SS: [number, string][] = [[1, "SS_ONSTACK"], [2, "SS_DISABLE"], [0x80000000, "SS_AUTODISARM"]];

/** A stack_t: {ss_sp=0x404290, ss_flags=0, ss_size=16384}. */
function stackT(peek: Peek, addr: number): string {
  if (addr === 0) return "NULL";
  const b = peek(addr, 24);
  if (!b) return hex(addr);
  const sp = u64At(b, 0);
  const ssFlags = new DataView(b.buffer, b.byteOffset, 24).getUint32(8, true);
  return `{ss_sp=${sp === 0 ? "NULL" : hex(sp)}, ss_flags=${flags(ssFlags, SS, "0")}, ss_size=${u64At(b, 16)}}`;
}

/** A signal by name, or its number when it has none (kill(pid, 65)). */
function signalOrNumber(sig: number): string {
  return sig >= 1 && sig <= 64 ? signalName(sig) : String(sig);
}

function cString(b: Uint8Array, at: number, max: number): string {
  let end = at;
  while (end < at + max && b[end] !== 0) end++;
  return quote(b.subarray(at, end), false);
}

/** A CPU mask of `len` bytes as the CPUs' numbers, "[0]" ("[]" for none); the address when it cannot be read. */
function cpuMask(peek: Peek, addr: number, len: number): string {
  const b = peek(addr, len);
  if (!b) return hex(addr);
  const cpus: number[] = [];
  b.forEach((byte, i) => { for (let bit = 0; bit < 8; bit++) if (byte & (1 << bit)) cpus.push(8 * i + bit); });
  return `[${cpus.join(" ")}]`;
}

/** The decoded argument list of one call (without the name and parentheses). */
const CLONE_FLAGS: [number, string][] = [
  [0x100, "CLONE_VM"], [0x200, "CLONE_FS"], [0x400, "CLONE_FILES"], [0x800, "CLONE_SIGHAND"], [0x1000, "CLONE_PIDFD"],
  [0x2000, "CLONE_PTRACE"], [0x4000, "CLONE_VFORK"], [0x8000, "CLONE_PARENT"], [0x10000, "CLONE_THREAD"],
  [0x20000, "CLONE_NEWNS"], [0x40000, "CLONE_SYSVSEM"], [0x80000, "CLONE_SETTLS"], [0x100000, "CLONE_PARENT_SETTID"],
  [0x200000, "CLONE_CHILD_CLEARTID"], [0x400000, "CLONE_DETACHED"], [0x800000, "CLONE_UNTRACED"], [0x1000000, "CLONE_CHILD_SETTID"],
];

/** The flags unshare takes, as strace names them. */
const UNSHARE_FLAGS: [number, string][] = [
  [0x80, "CLONE_NEWTIME"], [0x100, "CLONE_VM"], [0x200, "CLONE_FS"], [0x400, "CLONE_FILES"], [0x800, "CLONE_SIGHAND"],
  [0x10000, "CLONE_THREAD"], [0x20000, "CLONE_NEWNS"], [0x40000, "CLONE_SYSVSEM"], [0x2000000, "CLONE_NEWCGROUP"],
  [0x4000000, "CLONE_NEWUTS"], [0x8000000, "CLONE_NEWIPC"], [0x10000000, "CLONE_NEWUSER"], [0x20000000, "CLONE_NEWPID"],
  [0x40000000, "CLONE_NEWNET"],
];

/** FUTEX_WAKE_OP's encoded operation as strace spells it: op<<28|oparg<<12|cmp<<24|cmparg. */
function futexWakeOp(v: number): string {
  const ops = ["FUTEX_OP_SET", "FUTEX_OP_ADD", "FUTEX_OP_OR", "FUTEX_OP_ANDN", "FUTEX_OP_XOR"];
  const cmps = ["FUTEX_OP_CMP_EQ", "FUTEX_OP_CMP_NE", "FUTEX_OP_CMP_LT", "FUTEX_OP_CMP_LE", "FUTEX_OP_CMP_GT", "FUTEX_OP_CMP_GE"];
  const op = (v >>> 28) & 7, cmp = (v >>> 24) & 15;
  const shift = v >>> 31 ? "FUTEX_OP_OPARG_SHIFT<<28|" : "";
  const opText = ops[op] ? `${ops[op]}<<28` : `${hex(op)}<<28 /* FUTEX_OP_??? */`;
  const cmpText = cmps[cmp] ? `${cmps[cmp]}<<24` : `${hex(cmp)}<<24 /* FUTEX_OP_CMP_??? */`;
  return `${shift}${opText}|${hex((v >>> 12) & 0xfff)}<<12|${cmpText}|${hex(v & 0xfff)}`;
}

/** futex's operations by number (include/uapi/linux/futex.h). */
const FUTEX_CMDS: Record<number, string> = {
  0: "FUTEX_WAIT", 1: "FUTEX_WAKE", 2: "FUTEX_FD", 3: "FUTEX_REQUEUE", 4: "FUTEX_CMP_REQUEUE", 5: "FUTEX_WAKE_OP",
  6: "FUTEX_LOCK_PI", 7: "FUTEX_UNLOCK_PI", 8: "FUTEX_TRYLOCK_PI", 9: "FUTEX_WAIT_BITSET", 10: "FUTEX_WAKE_BITSET",
  11: "FUTEX_WAIT_REQUEUE_PI", 12: "FUTEX_CMP_REQUEUE_PI", 13: "FUTEX_LOCK_PI2",
};

/** A pointer read from user memory (8 bytes), or null. */
function pointerAt(peek: Peek, addr: number): number | null {
  const b = peek(addr, 8);
  return b ? u64At(b, 0) : null;
}

/** execve's argv: every string, each as strace prints a string (-s 32). */
function stringArray(peek: Peek, addr: number): string {
  if (addr === 0) return "NULL";
  const out: string[] = [];
  for (let i = 0; ; i++) {
    const p = pointerAt(peek, addr + 8 * i);
    if (p === null) return hex(addr);
    if (p === 0) return `[${out.join(", ")}]`;
    const s = userString(peek, p);
    if (s === null) return hex(addr);
    out.push(s);
  }
}

/** A NUL-terminated string as strace prints one (-s 32), or null when it is not readable. */
export function userString(peek: Peek, addr: number): string | null {
  const b = peek(addr, STRING_LIMIT + 1) ?? peek(addr, 1);
  if (!b) return null;
  const nul = b.indexOf(0);
  return quote(b.subarray(0, nul >= 0 ? nul : Math.min(b.length, STRING_LIMIT)), nul < 0);
}

/** execve's envp as strace abbreviates it: the address and how many strings. */
function envCount(peek: Peek, addr: number): string {
  if (addr === 0) return "NULL";
  let n = 0;
  for (;;) {
    const p = pointerAt(peek, addr + 8 * n);
    if (p === null) return hex(addr);
    if (p === 0) return `${hex(addr)} /* ${n} var${n === 1 ? "" : "s"} */`;
    n++;
  }
}

/** A wait status as strace decodes it: {WIFEXITED(s) && WEXITSTATUS(s) == N} or {WIFSIGNALED(s) && WTERMSIG(s) == SIG…}. */
function waitStatusText(st: number): string {
  if ((st & 0x7f) === 0) return `{WIFEXITED(s) && WEXITSTATUS(s) == ${(st >> 8) & 0xff}}`;
  return `{WIFSIGNALED(s) && WTERMSIG(s) == ${signalOrNumber(st & 0x7f)}${st & 0x80 ? " && WCOREDUMP(s)" : ""}}`;
}

function formatArgs(nr: number, a: readonly number[], ret: number, peek: Peek, sp: number): string {
  const ok = ret >= 0;
  switch (nr) {
    case 0: // read
      return `${a[0] | 0}, ${ok ? buffer(peek, a[1], ret) : hex(a[1])}, ${udec(a[2])}`;
    case 17: // pread64
      return `${a[0] | 0}, ${ok ? buffer(peek, a[1], ret) : hex(a[1])}, ${udec(a[2])}, ${a[3]}`;
    case 18: // pwrite64
      return `${a[0] | 0}, ${buffer(peek, a[1], a[2])}, ${udec(a[2])}, ${a[3]}`;
    case 19: // readv
    case 295: // preadv
      return `${a[0] | 0}, ${ok ? iovec(peek, a[1], a[2] | 0, ret) : hex(a[1])}, ${udec(a[2])}${nr === 295 ? `, ${a[3]}` : ""}`;
    case 296: // pwritev
      return `${a[0] | 0}, ${iovec(peek, a[1], a[2] | 0, Infinity)}, ${udec(a[2])}, ${a[3]}`;
    case 2: // open
      return `${path(peek, a[0])}, ${openFlags(a[1] >>> 0)}${openMode(a[1], a[2])}`;
    case 257: // openat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${openFlags(a[2] >>> 0)}${openMode(a[2], a[3])}`;
    case 272: { // unshare
      const lo = a[0] >>> 0, known = lo & UNSHARE_FLAGS.reduce((m, [bit]) => m | bit, 0);
      return withRest(flags(known, UNSHARE_FLAGS, ""), (BigInt(Math.floor(unsigned(a[0]) / 2 ** 32)) << 32n) | BigInt((lo & ~known) >>> 0), "CLONE");
    }
    case 437: // openat2
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${openHow(peek, a[2], unsigned(a[3]))}, ${udec(a[3])}`;
    case 85: // creat
      return `${path(peek, a[0])}, ${octal(a[1] >>> 0)}`;
    case 3: // close
    case 32: // dup
    case 81: // fchdir
      return `${a[0] | 0}`;
    case 33: // dup2
      return `${a[0] | 0}, ${a[1] | 0}`;
    case 292: // dup3
      return `${a[0] | 0}, ${a[1] | 0}, ${flagsOrUnknown(a[2] >>> 0, [[0o2000000, "O_CLOEXEC"]], "0", "O")}`;
    case 8: // lseek
      return `${a[0] | 0}, ${a[1]}, ${named(a[2] >>> 0, SEEK, "SEEK")}`;
    case 4: // stat
    case 6: // lstat
      return `${path(peek, a[0])}, ${ok ? statStruct(peek, a[1]) : hex(a[1])}`;
    case 5: // fstat
      return `${a[0] | 0}, ${ok ? statStruct(peek, a[1]) : hex(a[1])}`;
    case 137: // statfs
      return `${pathOrNull(peek, a[0])}, ${ok ? statfsStruct(peek, a[1]) : pointer(a[1])}`;
    case 138: // fstatfs
      return `${a[0] | 0}, ${ok ? statfsStruct(peek, a[1]) : pointer(a[1])}`;
    case 262: // newfstatat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${ok ? statStruct(peek, a[2]) : hex(a[2])}, ${flagsOrUnknown(a[3] >>> 0, AT, "0", "AT")}`;
    case 332: { // statx
      const mask = a[3] >>> 0;
      const maskText = mask === 0x7ff ? "STATX_BASIC_STATS" : flagsOrUnknown(mask, [[0x7ff, "STATX_BASIC_STATS"], [0x1000, "STATX_MNT_ID"]], "0", "STATX");
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${statxFlags(a[2] >>> 0)}, ${maskText}, ${ok ? statxStruct(peek, a[4]) : hex(a[4])}`;
    }
    case 217: { // getdents64
      if (!ok) return `${a[0] | 0}, ${hex(a[1])}, ${udec(a[2] >>> 0)}`;
      const b = peek(a[1], ret);
      let n = 0;
      for (let at = 0; b && at < ret; n++) at += b[at + 16] | (b[at + 17] << 8);
      return `${a[0] | 0}, ${hex(a[1])} /* ${n} entries */, ${udec(a[2] >>> 0)}`;
    }
    case 89: // readlink
      return `${path(peek, a[0])}, ${ok ? buffer(peek, a[1], ret) : hex(a[1])}, ${a[2] | 0}`;
    case 267: // readlinkat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${ok ? buffer(peek, a[2], ret) : hex(a[2])}, ${a[3] | 0}`;
    case 21: // access
      return `${path(peek, a[0])}, ${accessMode(a[1] >>> 0)}`;
    case 269: // faccessat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${accessMode(a[2] >>> 0)}`;
    case 439: // faccessat2
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${accessMode(a[2] >>> 0)}, ${flagsOrUnknown(a[3] >>> 0, ACCESS_AT, "0", "AT")}`;
    case 72: { // fcntl
      const cmd = a[1] | 0;
      const fd = a[0] | 0;
      if (cmd === 1 || cmd === 3) return `${fd}, ${FCNTL[cmd]}`;
      if (cmd === 2) return `${fd}, F_SETFD, ${flags(a[2] >>> 0, FD_FLAGS)}`;
      if (cmd === 4) return `${fd}, F_SETFL, ${openFlags(a[2] >>> 0)}`;
      if (cmd === 0 || cmd === 1030) return `${fd}, ${FCNTL[cmd]}, ${a[2] | 0}`;
      if (cmd === 1033) return `${fd}, F_ADD_SEALS, ${flagsOrUnknown(a[2] >>> 0, SEALS, "0", "F_SEAL")}`;
      if (cmd === 1034) return `${fd}, F_GET_SEALS`;
      if (FCNTL_LOCK[cmd]) {
        // The struct as it is after the call: a GETLK's answer, with l_pid; none when the call failed on it.
        const getlk = cmd === 5 || cmd === 36;
        const b = getlk && !ok ? null : peek(a[2], 32);
        if (!b) return `${fd}, ${FCNTL_LOCK[cmd]}, ${hex(a[2])}`;
        const v = new DataView(b.buffer, b.byteOffset);
        const lType = v.getInt16(0, true), lWhence = v.getInt16(2, true);
        const typeText = ["F_RDLCK", "F_WRLCK", "F_UNLCK"][lType] ?? `${hex(lType)} /* F_??? */`;
        const lock = `l_type=${typeText}, l_whence=${named(lWhence, SEEK, "SEEK")}, l_start=${v.getBigInt64(8, true)}, l_len=${v.getBigInt64(16, true)}`;
        return `${fd}, ${FCNTL_LOCK[cmd]}, {${lock}${getlk ? `, l_pid=${v.getInt32(24, true)}` : ""}}`;
      }
      return `${fd}, ${hex(cmd >>> 0)} /* F_??? */, ${hex(a[2])}`;
    }
    case 79: // getcwd
      return `${ok ? buffer(peek, a[0], ret - 1) : hex(a[0])}, ${udec(a[1])}`;
    case 80: // chdir
    case 84: // rmdir
    case 87: // unlink
      return path(peek, a[0]);
    case 95: // umask
      return octal(a[0] >>> 0);
    case 83: // mkdir
      return `${path(peek, a[0])}, ${octal(a[1] >>> 0)}`;
    case 258: // mkdirat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${octal(a[2] >>> 0)}`;
    case 263: // unlinkat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${flagsOrUnknown(a[2] >>> 0, [[0x200, "AT_REMOVEDIR"]], "0", "AT")}`;
    case 82: // rename
      return `${path(peek, a[0])}, ${path(peek, a[1])}`;
    case 264: // renameat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${dirfd(a[2])}, ${path(peek, a[3])}`;
    case 316: // renameat2 (strace's "RENAME_??" has two marks)
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${dirfd(a[2])}, ${path(peek, a[3])}, ${flagsOrUnknown(a[4] >>> 0, RENAME, "0", "RENAME").replace("RENAME_???", "RENAME_??")}`;
    case 90: // chmod
      return `${path(peek, a[0])}, ${octal(a[1] >>> 0)}`;
    case 91: // fchmod
      return `${a[0] | 0}, ${octal(a[1] >>> 0)}`;
    case 268: // fchmodat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${octal(a[2] >>> 0)}`;
    case 452: // fchmodat2
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${octal(a[2] >>> 0)}, ${flagsOrUnknown(a[3] >>> 0, AT, "0", "AT")}`;
    case 92: // chown
    case 94: // lchown
      return `${path(peek, a[0])}, ${a[1] | 0}, ${a[2] | 0}`;
    case 93: // fchown
      return `${a[0] | 0}, ${a[1] | 0}, ${a[2] | 0}`;
    case 260: // fchownat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${a[2] | 0}, ${a[3] | 0}, ${flagsOrUnknown(a[4] >>> 0, AT, "0", "AT")}`;
    case 280: // utimensat
      return `${dirfd(a[0])}, ${pathOrNull(peek, a[1])}, ${timesAt(peek, a[2], 1)}, ${flagsOrUnknown(a[3] >>> 0, AT, "0", "AT")}`;
    case 235: // utimes
      return `${path(peek, a[0])}, ${timesAt(peek, a[1], 1000)}`;
    case 261: // futimesat
      return `${dirfd(a[0])}, ${pathOrNull(peek, a[1])}, ${timesAt(peek, a[2], 1000)}`;
    case 132: { // utime
      const b = a[1] === 0 ? null : peek(a[1], 16);
      const buf = b ? `{actime=${u64At(b, 0)} /* ${isoTime(u64At(b, 0), 0, 0)} */, modtime=${u64At(b, 8)} /* ${isoTime(u64At(b, 8), 0, 0)} */}` : pointer(a[1]);
      return `${path(peek, a[0])}, ${buf}`;
    }
    case 88: // symlink
    case 86: // link
      return `${path(peek, a[0])}, ${path(peek, a[1])}`;
    case 266: // symlinkat
      return `${path(peek, a[0])}, ${dirfd(a[1])}, ${path(peek, a[2])}`;
    case 265: // linkat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${dirfd(a[2])}, ${path(peek, a[3])}, ${flagsOrUnknown(a[4] >>> 0, AT, "0", "AT")}`;
    case 133: // mknod
      return `${path(peek, a[0])}, ${mknodMode(a[1] >>> 0, a[2])}`;
    case 259: // mknodat
      return `${dirfd(a[0])}, ${path(peek, a[1])}, ${mknodMode(a[2] >>> 0, a[3])}`;
    case 162: // sync
      return "";
    case 74: // fsync
    case 75: // fdatasync
    case 306: // syncfs
      return `${a[0] | 0}`;
    case 100: { // times
      const b = ok && a[0] !== 0 ? peek(a[0], 32) : null;
      return b ? `{tms_utime=${u64At(b, 0)}, tms_stime=${u64At(b, 8)}, tms_cutime=${u64At(b, 16)}, tms_cstime=${u64At(b, 24)}}` : pointer(a[0]);
    }
    case 140: // getpriority
      return `${named(a[0] >>> 0, PRIO, "PRIO")}, ${a[1] >>> 0}`;
    case 141: // setpriority
      return `${named(a[0] >>> 0, PRIO, "PRIO")}, ${a[1] >>> 0}, ${a[2] | 0}`;
    case 73: // flock
      return `${a[0] | 0}, ${flagsOrUnknown(a[1] >>> 0, [[1, "LOCK_SH"], [2, "LOCK_EX"], [4, "LOCK_NB"], [8, "LOCK_UN"]], "0", "LOCK")}`;
    case 284: // eventfd
      return `${a[0] >>> 0}`;
    case 290: // eventfd2
      return `${a[0] >>> 0}, ${flagsOrUnknown(a[1] >>> 0, EFD, "0", "EFD")}`;
    case 213: // epoll_create
      return `${a[0] | 0}`;
    case 291: // epoll_create1
      return flagsOrUnknown(a[0] >>> 0, [[0o2000000, "EPOLL_CLOEXEC"]], "0", "EPOLL");
    case 233: // epoll_ctl
      return `${a[0] | 0}, ${named(a[1] >>> 0, EPOLL_CTL, "EPOLL_CTL")}, ${a[2] | 0}, ${epollEvents(peek, a[3], 1, true)}`;
    case 232: // epoll_wait
    case 281: // epoll_pwait
    case 441: { // epoll_pwait2
      const timeout = nr === 441 ? timespecAt(peek, a[3]) : String(a[3] | 0);
      const mask = nr === 232 ? "" : `, ${sigsetAt(peek, a[4], a[5])}, ${udec(a[5])}`;
      return `${a[0] | 0}, ${ok ? epollEvents(peek, a[1], ret) : hex(a[1])}, ${a[2] | 0}, ${timeout}${mask}`;
    }
    case 77: // ftruncate
      return `${a[0] | 0}, ${udec(a[1])}`;
    case 76: // truncate
      return `${path(peek, a[0])}, ${udec(a[1])}`;
    case 102: // getuid
    case 104: // getgid
    case 107: // geteuid
    case 108: // getegid
    case 110: // getppid
    case 24: // sched_yield
      return "";
    case 99: { // sysinfo
      const b = ok ? peek(a[0], 112) : null;
      if (!b) return hex(a[0]);
      const w = (at: number) => u64At(b, at);
      const v = new DataView(b.buffer, b.byteOffset);
      return `{uptime=${w(0)}, loads=[${w(8)}, ${w(16)}, ${w(24)}], totalram=${w(32)}, freeram=${w(40)}, sharedram=${w(48)}, ` +
        `bufferram=${w(56)}, totalswap=${w(64)}, freeswap=${w(72)}, procs=${v.getUint16(80, true)}, totalhigh=${w(88)}, ` +
        `freehigh=${w(96)}, mem_unit=${v.getUint32(104, true)}}`;
    }
    case 302: { // prlimit64
      const res = RLIMIT[a[1] >>> 0] ?? `${hex(a[1] >>> 0)} /* RLIMIT_??? */`;
      return `${a[0] | 0}, ${res}, ${rlimit(peek, a[2])}, ${ok ? rlimit(peek, a[3]) : pointer(a[3])}`;
    }
    case 97: // getrlimit
    case 160: { // setrlimit
      const res = RLIMIT[a[0] >>> 0] ?? `${hex(a[0] >>> 0)} /* RLIMIT_??? */`;
      return `${res}, ${nr === 160 || ok ? rlimit(peek, a[1]) : hex(a[1])}`;
    }
    case 273: // set_robust_list
      return `${hex(a[0])}, ${udec(a[1])}`;
    case 309: { // getcpu: printnum_int each pointer, the cache as an address
      const num = (at: number) => (ok ? intAt(peek, at, (v) => String(v >>> 0)) : pointer(at));
      return `${num(a[0])}, ${num(a[1])}, ${pointer(a[2])}`;
    }
    case 203: // sched_setaffinity: the mask given
    case 204: // sched_getaffinity: the mask written
      return `${a[0] | 0}, ${udec(a[1])}, ${nr === 203 || ok ? cpuMask(peek, a[2], nr === 203 ? Math.min(a[1] >>> 0, 4096) : ret) : hex(a[2])}`;
    case 35: // nanosleep: the time left, written when a signal cut it short
      return `${timespecAt(peek, a[0])}, ${RESTARTS[-ret] ? timespecAt(peek, a[1]) : pointer(a[1])}`;
    case 230: { // clock_nanosleep: the same, for a relative sleep
      const left = RESTARTS[-ret] && !(a[1] & 1) ? timespecAt(peek, a[3]) : pointer(a[3]);
      return `${named(a[0] | 0, CLOCK_NAMES, "CLOCK")}, ${flagsOrUnknown(a[1] >>> 0, [[1, "TIMER_ABSTIME"]], "0", "TIMER")}, ${timespecAt(peek, a[2])}, ${left}`;
    }
    case 229: // clock_getres
      return `${named(a[0] | 0, CLOCK_NAMES, "CLOCK")}, ${ok ? timespecAt(peek, a[1]) : pointer(a[1])}`;
    case 96: { // gettimeofday
      const b = ok && a[0] !== 0 ? peek(a[0], 16) : null;
      const tv = b ? `{tv_sec=${u64At(b, 0)}, tv_usec=${u64At(b, 8)}}` : pointer(a[0]);
      return `${tv}, ${pointer(a[1])}`;
    }
    case 201: // time
      return pointer(a[0]);
    case 1: // write
      return `${a[0] | 0}, ${buffer(peek, a[1], a[2])}, ${udec(a[2])}`;
    case 20: { // writev
      const count = a[2] | 0;
      const vec = count >= 0 && count <= 1024 ? peek(a[1], 16 * count) : null;
      if (!vec) return `${a[0] | 0}, ${hex(a[1])}, ${udec(a[2])}`;
      const items = [];
      for (let i = 0; i < count; i++)
        items.push(`{iov_base=${buffer(peek, u64At(vec, 16 * i), u64At(vec, 16 * i + 8))}, iov_len=${u64At(vec, 16 * i + 8)}}`);
      return `${a[0] | 0}, [${items.join(", ")}], ${count}`;
    }
    case 60: // exit
    case 231: // exit_group
      return `${a[0] | 0}`;
    case 12: // brk
      return pointer(a[0]);
    case 9: { // mmap
      const f = a[3] >>> 0;
      const mapFlags = MAP_TYPE[f & 0xf] !== undefined ? [MAP_TYPE[f & 0xf], flags(f & ~0xf, MAP, "")].filter(Boolean).join("|") : flags(f, MAP);
      return `${pointer(a[0])}, ${udec(a[1])}, ${flags(a[2] >>> 0, PROT, "PROT_NONE")}, ${mapFlags}, ${a[4] | 0}, ${hex(a[5])}`;
    }
    case 11: // munmap
      return `${hex(a[0])}, ${udec(a[1])}`;
    case 10: // mprotect
    case 329: // pkey_mprotect: and the key
      return `${hex(a[0])}, ${udec(a[1])}, ${flagsOrUnknown(a[2] >>> 0, PROT, "PROT_NONE", "PROT")}${nr === 329 ? `, ${a[3] | 0}` : ""}`;
    case 25: { // mremap: new_address only with MREMAP_MAYMOVE|MREMAP_FIXED, as strace's
      const f = a[3] >>> 0;
      const head = `${pointer(a[0])}, ${udec(a[1])}, ${udec(a[2])}, ${flagsOrUnknown(f, MREMAP, "0", "MREMAP")}`;
      return (f & 3) === 3 ? `${head}, ${pointer(a[4])}` : head;
    }
    case 28: // madvise
      return `${hex(a[0])}, ${udec(a[1])}, ${named(a[2] | 0, MADV, "MADV")}`;
    case 440: // process_madvise: the pieces' addresses, not their bytes
      return `${a[0] | 0}, ${iovecAddrs(peek, a[1], unsigned(a[2]))}, ${udec(a[2])}, ${named(a[3] | 0, MADV, "MADV")}, ${hex(a[4] >>> 0)}`;
    case 26: // msync
      return `${hex(a[0])}, ${udec(a[1])}, ${flagsOrUnknown(a[2] >>> 0, MS, "0", "MS")}`;
    case 27: // mincore: the vector on success, a page a byte, the first 32
      return `${hex(a[0])}, ${udec(a[1])}, ${ok && a[2] !== 0 ? mincoreVec(peek, a[2], unsigned(a[1])) : pointer(a[2])}`;
    case 149: // mlock
    case 150: // munlock
      return `${hex(a[0])}, ${udec(a[1])}`;
    case 325: // mlock2
      return `${hex(a[0])}, ${udec(a[1])}, ${flagsOrUnknown(a[2] >>> 0, [[1, "MLOCK_ONFAULT"]], "0", "MLOCK")}`;
    case 151: // mlockall
      return flagsOrUnknown(a[0] >>> 0, MCL, "0", "MCL");
    case 152: // munlockall
      return "";
    case 39: // getpid
    case 186: // gettid
    case 34: // pause
      return "";
    case 218: // set_tid_address
      return hex(a[0]);
    case 63: { // uname
      const b = ok ? peek(a[0], 65 * 2) : null;
      return b ? `{sysname=${cString(b, 0, 65)}, nodename=${cString(b, 65, 65)}, ...}` : hex(a[0]);
    }
    case 158: { // arch_prctl
      const code = a[0] | 0;
      if (ok && (code === 0x1003 || code === 0x1004)) {
        const b = peek(a[1], 8);
        return `${ARCH_PRCTL[code]}, ${b ? `[${hex(u64At(b, 0))}]` : hex(a[1])}`;
      }
      return `${named(code, ARCH_PRCTL, "ARCH")}, ${hex(a[1])}`;
    }
    case 228: { // clock_gettime
      const b = ok ? peek(a[1], 16) : null;
      const tp = b ? `{tv_sec=${u64At(b, 0)}, tv_nsec=${u64At(b, 8)}}` : hex(a[1]);
      return `${named(a[0] | 0, CLOCK_NAMES, "CLOCK")}, ${tp}`;
    }
    case 318: // getrandom
      return `${ok ? buffer(peek, a[0], ret, true) : hex(a[0])}, ${udec(a[1])}, ${flagsOrUnknown(a[2] >>> 0, GRND, "0", "GRND")}`;
    case 13: // rt_sigaction
      return `${signalName(a[0] | 0)}, ${sigaction(peek, a[1])}, ${ok ? sigaction(peek, a[2]) : pointer(a[2])}, ${udec(a[3])}`;
    case 289: // signalfd4
    case 282: { // signalfd: no flags
      const head = `${a[0] | 0}, ${sigsetAt(peek, a[1], unsigned(a[2]))}, ${udec(a[2])}`;
      return nr === 282 ? head : `${head}, ${flagsOrUnknown(a[3] >>> 0, [[0o2000000, "SFD_CLOEXEC"], [0o4000, "SFD_NONBLOCK"]], "0", "SFD")}`;
    }
    case 14: // rt_sigprocmask
      return `${named(a[0] | 0, SIG_HOW, "SIG")}, ${sigsetAt(peek, a[1], a[3])}, ${ok ? sigsetAt(peek, a[2], a[3]) : pointer(a[2])}, ${udec(a[3])}`;
    case 15: // rt_sigreturn: the mask of the ucontext at the entry rsp (uc_sigmask is at 296)
      return `{mask=${sigsetAt(peek, sp + 296, 8)}}`;
    case 127: // rt_sigpending
      return `${ok ? sigsetAt(peek, a[0], a[1]) : pointer(a[0])}, ${udec(a[1])}`;
    case 131: // sigaltstack
      return `${stackT(peek, a[0])}, ${ok ? stackT(peek, a[1]) : pointer(a[1])}`;
    case 62: // kill
      return `${a[0] | 0}, ${signalOrNumber(a[1] | 0)}`;
    case 200: // tkill
      return `${a[0] | 0}, ${signalOrNumber(a[1] | 0)}`;
    case 234: // tgkill
      return `${a[0] | 0}, ${a[1] | 0}, ${signalOrNumber(a[2] | 0)}`;
    case 16: // ioctl
      return `${a[0] | 0}, ${IOCTL[a[1] >>> 0] ?? hex(a[1] >>> 0)}, ${hex(a[2])}`;
    case 22: // pipe
    case 293: { // pipe2
      const fds = ok ? peek(a[0], 8) : null;
      const v = fds && new DataView(fds.buffer, fds.byteOffset);
      const shown = v ? `[${v.getInt32(0, true)}, ${v.getInt32(4, true)}]` : pointer(a[0]);
      return nr === 22 ? shown : `${shown}, ${flags(a[1] >>> 0, [[0o2000000, "O_CLOEXEC"], [0o4000, "O_NONBLOCK"], [0o40000, "O_DIRECT"]])}`;
    }
    case 57: // fork
    case 58: // vfork
      return "";
    case 56: { // clone(flags, newsp, parent_tid, child_tid, tls)
      const f = a[0] >>> 0;
      const exit = f & 0xff;
      let text = `child_stack=${pointer(a[1])}, flags=${flags(f & ~0xff, CLONE_FLAGS, "")}`;
      if (exit) text += `${f & ~0xff ? "|" : ""}${signalOrNumber(exit)}`;
      if (f & 0x100000) text += `, parent_tid=${ok ? `[${ret}]` : pointer(a[2])}`;
      if (f & 0x1200000) text += `, child_tidptr=${pointer(a[3])}`;
      if (f & 0x80000) text += `, tls=${pointer(a[4])}`;
      return text;
    }
    case 435: { // clone3(args, size): the fields set, and parent_tid's value once written
      const b = peek(a[0], 88);
      if (!b || !(a[1] >= 64)) return `${pointer(a[0])}, ${udec(a[1])}`;
      const f = u64At(b, 0);
      const fields = [`flags=${flags(f, CLONE_FLAGS, "0")}`];
      if (f & 0x1200000) fields.push(`child_tid=${pointer(u64At(b, 16))}`);
      if (f & 0x100000) fields.push(`parent_tid=${pointer(u64At(b, 24))}`);
      fields.push(`exit_signal=${signalOrNumber(u64At(b, 32))}`);
      for (const [at, name] of [[40, "stack"], [48, "stack_size"]] as const) if (u64At(b, at)) fields.push(`${name}=${hex(u64At(b, at))}`);
      if (f & 0x80000) fields.push(`tls=${pointer(u64At(b, 56))}`);
      const written = ok && f & 0x100000 ? ` => {parent_tid=[${ret}]}` : "";
      return `{${fields.join(", ")}}${written}, ${udec(a[1])}`;
    }
    case 202: { // futex(uaddr, op, val, timeout or val2, uaddr2, val3), the arguments its op reads
      const op = a[1] >>> 0, cmd = op & 0x7f;
      const name = FUTEX_CMDS[cmd];
      // strace names FUTEX_CLOCK_REALTIME only with the operations that take it.
      const named = name !== undefined && (!(op & 256) || cmd === 0 || cmd === 9 || cmd === 11) && !(op & ~0x1ff);
      const opText = named ? `${name}${op & 128 ? "_PRIVATE" : ""}${op & 256 ? "|FUTEX_CLOCK_REALTIME" : ""}` : `${hex(op)} /* FUTEX_??? */`;
      const head = `${pointer(a[0])}, ${opText}`, val = `${head}, ${a[2] >>> 0}`;
      const bitset = (v: number) => ((v >>> 0) === 0xffffffff ? "FUTEX_BITSET_MATCH_ANY" : hex(v >>> 0));
      switch (cmd) {
        case 0: return `${val}, ${timespecAt(peek, a[3])}`;
        case 1: return val;
        case 9: return `${val}, ${timespecAt(peek, a[3])}, ${bitset(a[5])}`;
        case 10: return `${val}, ${bitset(a[5])}`;
        case 3: return `${val}, ${a[3] >>> 0}, ${pointer(a[4])}`;
        case 4: return `${val}, ${a[3] >>> 0}, ${pointer(a[4])}, ${a[5] >>> 0}`;
        case 5: return `${val}, ${a[3] >>> 0}, ${pointer(a[4])}, ${futexWakeOp(a[5] >>> 0)}`;
        case 6: case 13: return `${head}, ${timespecAt(peek, a[3])}`;
        case 7: case 8: return head;
        case 11: return `${val}, ${timespecAt(peek, a[3])}, ${pointer(a[4])}`;
        case 12: return `${val}, ${a[3] >>> 0}, ${pointer(a[4])}, ${a[5] >>> 0}`;
        default: return `${val}, ${pointer(a[3])}, ${pointer(a[4])}, ${hex(a[5] >>> 0)}`;
      }
    }
    case 59: // execve: read before the call (the caller formats it then)
      return `${path(peek, a[0])}, ${stringArray(peek, a[1])}, ${envCount(peek, a[2])}`;
    case 61: { // wait4(pid, status, options, rusage)
      const st = ok && ret > 0 && a[1] !== 0 ? peek(a[1], 4) : null;
      const status = st ? `[${waitStatusText(new DataView(st.buffer, st.byteOffset).getInt32(0, true))}]` : pointer(a[1]);
      return `${a[0] | 0}, ${status}, ${flags(a[2] >>> 0, [[1, "WNOHANG"], [2, "WSTOPPED"], [8, "WCONTINUED"], [0x40000000, "__WALL"], [0x80000000, "__WCLONE"]])}, ${pointer(a[3])}`;
    }
    default:
      return formatMempolicyArgs(nr, a, ret, peek) ?? formatTimerArgs(nr, a, ret, peek) ?? formatSocketArgs(nr, a, ret, peek) ??
        formatPidfdArgs(nr, a, ret, peek) ?? formatFileSpaceArgs(nr, a, ret, peek) ?? formatSchedArgs(nr, a, ret, peek) ??
        formatCredArgs(nr, a, ret, peek) ?? formatXattrArgs(nr, a, ret, peek) ?? a.map(hex).join(", ");
  }
}

function openMode(flagsArg: number, mode: number): string {
  const f = flagsArg >>> 0;
  return f & 0o100 || (f & 0o20200000) === 0o20200000 ? `, ${octal(mode >>> 0)}` : "";
}

function accessMode(v: number): string {
  if (v === 0) return "F_OK";
  return flagsOrUnknown(v, ACCESS, "F_OK", "?").replace("/* ?_??? */", "/* ?_OK */");
}

/** Known flags by name; a value with unknown bits only, as "0x100 /* PROT_??? *\/" like strace. */
export function flagsOrUnknown(v: number, names: [number, string][], zero: string, prefix: string): string {
  const known = names.reduce((m, [bit]) => m | bit, 0);
  if (v !== 0 && (v & known) === 0) return `${hex(v)} /* ${prefix}_??? */`;
  return flags(v, names, zero);
}

/** The result as strace shows it: a number, an address, or "-1 ENAME (message)". */
/** What strace says of a call a signal interrupted, by its -ERESTART* code. */
const RESTARTS: Record<number, string> = {
  512: "ERESTARTSYS (To be restarted if SA_RESTART is set)", 513: "ERESTARTNOINTR (To be restarted)",
  514: "ERESTARTNOHAND (To be restarted if no handler)", 516: "ERESTART_RESTARTBLOCK (Interrupted by signal)",
};

function formatResult(nr: number, args: readonly number[], ret: number | undefined): string {
  if (ret === undefined) return "?";
  if (RESTARTS[-ret]) return `? ${RESTARTS[-ret]}`;
  if (ret < 0 && ret >= -4095) {
    const e = ERRNO[-ret];
    return e ? `-1 ${e[0]} (${e[1]})` : `-1 errno ${-ret}`;
  }
  if (nr === 95) return octal(ret); // umask
  if (nr === 128) return `${ret} (${signalName(ret)})`; // rt_sigtimedwait
  if (nr === 201) return `${ret} (${new Date(ret * 1000).toISOString().slice(0, 19)}+0000)`; // time
  if (nr === 72 && (args[1] | 0) === 3) return `${hex(ret)} (flags ${openFlags(ret)})`; // F_GETFL
  if (nr === 72 && (args[1] | 0) === 1034 && ret !== 0) return `${hex(ret)} (seals ${flags(ret, SEALS)})`; // F_GET_SEALS
  if (nr === 72 && (args[1] | 0) === 1 && ret !== 0) return `${hex(ret)} (flags ${flags(ret, FD_FLAGS)})`; // F_GETFD
  return formatSchedResult(nr, args, ret) ?? (nr === 9 || nr === 12 || nr === 25 ? hex(ret) : String(ret));
}

/**
 * strace -f's "[pid N] " before a line: a syscall's result is still aligned
 * to column 40 of the whole row, so the prefix takes its width from the
 * padding (a result holds no ") =": the last one ends the call).
 */
export function withPidPrefix(pid: number, line: string): string {
  const prefix = `[pid ${String(pid).padStart(5)}] `;
  const m = /^(.*\)) +(= .*)$/.exec(line);
  return prefix + (m ? `${(m[1] + " ").padEnd(RESULT_COLUMN - prefix.length)}${m[2]}` : line);
}

/**
 * One strace line (no newline). `args` are the six argument registers as
 * signed numbers; `ret` is the value returned in rax, or undefined for a
 * call that does not return (exit, exit_group). `sp` is rsp at the call
 * (rt_sigreturn's frame is there). `resumedAfter`: the length of the entry
 * strace printed when the call went to sleep (formatEntry); the line then
 * is the rest, after "<... name resumed>".
 */
export function formatSyscall(nr: number, args: readonly number[], ret: number | undefined, peek: Peek, sp = 0, resumedAfter?: number): string {
  const call = formatCall(nr, args, ret, peek, sp);
  const shown = resumedAfter === undefined ? call : `<... ${syscallName(nr) ?? `syscall_${hex(nr)}`} resumed>${call.slice(resumedAfter)}`;
  return `${(shown + " ").padEnd(RESULT_COLUMN)}= ${formatResult(nr, args, ret)}`;
}

function formatCall(nr: number, args: readonly number[], ret: number | undefined, peek: Peek, sp: number): string {
  const name = syscallName(nr);
  return name && name !== "syscall" ? `${name}(${formatArgs(nr, args, ret ?? 0, peek, sp)})` : `syscall_${hex(nr)}(${args.map(hex).join(", ")})`;
}

/**
 * How many arguments strace prints when a call enters, for the calls that
 * can sleep and print some only when they return (read's buffer, wait4's
 * status, nanosleep's remainder); other calls print all at entry.
 */
const ENTRY_ARGS: Record<number, number> = {
  0: 1, 17: 1, 19: 1, 295: 1, // read, pread64, readv, preadv
  61: 1, 247: 2, // wait4, waitid
  43: 1, 288: 1, 45: 1, 47: 1, // accept, accept4, recvfrom, recvmsg
  35: 1, 230: 3, // nanosleep, clock_nanosleep
  128: 1, // rt_sigtimedwait
};

/**
 * What strace prints when a call enters that then sleeps: the line up to
 * its first arguments, "read(3, " (the space kept) or "write(4, \"hi\", 2".
 */
export function formatEntry(nr: number, args: readonly number[], peek: Peek, sp = 0): string {
  const call = formatCall(nr, args, 0, peek, sp);
  const n = ENTRY_ARGS[nr];
  let depth = 0, quoted = false, commas = 0;
  for (let i = call.indexOf("(") + 1; n !== undefined && i < call.length - 1; i++) {
    const c = call[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0 && ++commas === n) return call.slice(0, i + 2);
  }
  return call.slice(0, -1);
}

/**
 * strace -f's lines from several processes: a call that sleeps shows whole
 * when it returns, unless another process's line comes first; then its
 * entry is cut off with " <unfinished ...>", and the rest of it comes as
 * "<... name resumed>…" when it returns.
 */
export class StraceLines {
  /** Each sleeping call's entry (its "[pid N] " already on), by pid, in the order they slept; and whether it was cut off. */
  private readonly asleep = new Map<number, { entry: string; cut: boolean }>();

  constructor(private readonly out: (line: string) => void) {}

  /** A line of `pid`'s; a call of its that slept is over unseen (a signal or its death ended it). */
  line(pid: number, line: string): void {
    this.cutOthers(pid);
    this.asleep.delete(pid);
    this.out(line);
  }

  /** `pid`'s call sleeps, `entry` printed (a call that sleeps again keeps its first entry). */
  sleep(pid: number, entry: string): void {
    if (!this.asleep.has(pid)) this.asleep.set(pid, { entry, cut: false });
  }

  /** `pid`'s sleeping call returned: `line`, or `resumed` if it was cut off. */
  wake(pid: number, line: string, resumed: string): void {
    this.cutOthers(pid);
    const cut = this.asleep.get(pid)?.cut ?? false;
    this.asleep.delete(pid);
    this.out(cut ? resumed : line);
  }

  private cutOthers(pid: number): void {
    for (const [other, call] of this.asleep) {
      if (other === pid || call.cut) continue;
      this.out(`${call.entry} <unfinished ...>`);
      call.cut = true;
    }
  }
}
