// `--trace syscalls`: one line per syscall in strace's format, e.g.
//   write(1, "Hello, world!\n", 14)         = 14
//   mmap(NULL, 4096, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7ffff7ff9000
//   mprotect(0x7ffff7ff3000, 4096, PROT_READ) = -1 ENOMEM (Cannot allocate memory)
// Like strace (default -s 32, column 40 for the result), decoding the
// arguments of the syscalls faultline implements; any other syscall shows
// its six raw arguments. Lines are built after the call, so buffers the
// kernel filled (read, uname, clock_gettime...) show what it wrote.

import { ERRNO } from "./errno.js";
import { syscallName } from "./names.js";

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
  if (sig >= 32 && sig <= 64) return `SIGRT_${sig - 32}`;
  return String(sig);
}

/** A 64-bit register value (signed number) in hex, as strace's %#lx: "0" or "0x...". */
export function hex(v: number): string {
  if (v === 0) return "0";
  return "0x" + (v < 0 ? (BigInt(2) ** BigInt(64) + BigInt(v)).toString(16) : v.toString(16));
}

/** A register as unsigned decimal, as strace's %lu. */
function udec(v: number): string {
  return v < 0 ? (BigInt(2) ** BigInt(64) + BigInt(v)).toString() : String(v);
}

function pointer(v: number): string {
  return v === 0 ? "NULL" : hex(v);
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

function buffer(peek: Peek, addr: number, len: number, forceHex = false): string {
  const shown = Math.min(len, STRING_LIMIT);
  const bytes = len >= 0 ? peek(addr, shown) : null;
  return bytes ? quote(bytes, len > shown, forceHex) : hex(addr);
}

/** Flag names joined with "|", unknown bits as hex, like strace's printflags. */
function flags(v: number, names: [number, string][], zero = "0"): string {
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
function named(v: number, names: Record<number, string>, prefix: string): string {
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

function u64At(b: Uint8Array, at: number): number {
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

function sigsetAt(peek: Peek, addr: number, size: number): string {
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

/** The decoded argument list of one call (without the name and parentheses). */
function formatArgs(nr: number, a: readonly number[], ret: number, peek: Peek, sp: number): string {
  const ok = ret >= 0;
  switch (nr) {
    case 0: // read
      return `${a[0] | 0}, ${ok ? buffer(peek, a[1], ret) : hex(a[1])}, ${udec(a[2])}`;
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
      return `${hex(a[0])}, ${udec(a[1])}, ${flagsOrUnknown(a[2] >>> 0, PROT, "PROT_NONE", "PROT")}`;
    case 28: // madvise
      return `${hex(a[0])}, ${udec(a[1])}, ${named(a[2] | 0, MADV, "MADV")}`;
    case 39: // getpid
    case 186: // gettid
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
    default:
      return a.map(hex).join(", ");
  }
}

/** Known flags by name; a value with unknown bits only, as "0x100 /* PROT_??? *\/" like strace. */
function flagsOrUnknown(v: number, names: [number, string][], zero: string, prefix: string): string {
  const known = names.reduce((m, [bit]) => m | bit, 0);
  if (v !== 0 && (v & known) === 0) return `${hex(v)} /* ${prefix}_??? */`;
  return flags(v, names, zero);
}

/** The result as strace shows it: a number, an address, or "-1 ENAME (message)". */
function formatResult(nr: number, ret: number | undefined): string {
  if (ret === undefined) return "?";
  if (ret < 0 && ret >= -4095) {
    const e = ERRNO[-ret];
    return e ? `-1 ${e[0]} (${e[1]})` : `-1 errno ${-ret}`;
  }
  return nr === 9 || nr === 12 ? hex(ret) : String(ret);
}

/**
 * One strace line (no newline). `args` are the six argument registers as
 * signed numbers; `ret` is the value returned in rax, or undefined for a
 * call that does not return (exit, exit_group). `sp` is rsp at the call
 * (rt_sigreturn's frame is there).
 */
export function formatSyscall(nr: number, args: readonly number[], ret: number | undefined, peek: Peek, sp = 0): string {
  const name = syscallName(nr);
  const call = name && name !== "syscall" ? `${name}(${formatArgs(nr, args, ret ?? 0, peek, sp)})` : `syscall_${hex(nr)}(${args.map(hex).join(", ")})`;
  return `${(call + " ").padEnd(RESULT_COLUMN)}= ${formatResult(nr, ret)}`;
}
