// strace's decoding of the pidfd calls and of waitid (its pidfd.c and
// wait.c): pidfd_open's flags, pidfd_send_signal's signal, waitid's
// idtype (P_PIDFD among them), options and the siginfo it filled ("{}"
// when no child was ready).

import { siCodeName } from "./endings.js";
import { flags, flagsOrUnknown, hex, named, pointer, signalName, type Peek } from "./trace.js";

const P_TYPES: Record<number, string> = { 0: "P_ALL", 1: "P_PID", 2: "P_PGID", 3: "P_PIDFD" };
const WAITID_OPTIONS: [number, string][] = [
  [1, "WNOHANG"], [2, "WSTOPPED"], [4, "WEXITED"], [8, "WCONTINUED"], [0x1000000, "WNOWAIT"], [0x20000000, "__WNOTHREAD"],
  [0x40000000, "__WALL"], [0x80000000, "__WCLONE"],
];
const SIGCHLD = 17, CLD_EXITED = 1;

/** The siginfo waitid wrote: a child's end, or {} when none was ready. */
function waitidInfo(peek: Peek, addr: number): string {
  const b = peek(addr, 128);
  if (!b) return hex(addr);
  const v = new DataView(b.buffer, b.byteOffset, 128);
  const signo = v.getInt32(0, true), code = v.getInt32(8, true);
  if (signo === 0) return "{}";
  const status = v.getInt32(24, true);
  return `{si_signo=${signalName(signo)}, si_code=${siCodeName(signo, code)}, si_pid=${v.getInt32(16, true)}, si_uid=${v.getUint32(20, true)}, ` +
    `si_status=${signo === SIGCHLD && code !== CLD_EXITED ? signalName(status) : status}, si_utime=0, si_stime=0}`;
}

/** The arguments of pidfd_open, pidfd_send_signal, pidfd_getfd and waitid, or undefined for another syscall. */
export function formatPidfdArgs(nr: number, a: readonly number[], ret: number, peek: Peek): string | undefined {
  switch (nr) {
    case 434: // pidfd_open
      return `${a[0] | 0}, ${flagsOrUnknown(a[1] >>> 0, [[0o4000, "PIDFD_NONBLOCK"], [0o200, "PIDFD_THREAD"]], "0", "PIDFD")}`;
    case 424: // pidfd_send_signal
      return `${a[0] | 0}, ${signalName(a[1] | 0)}, ${pointer(a[2])}, ${hex(a[3] >>> 0)}`;
    case 438: // pidfd_getfd
      return `${a[0] | 0}, ${a[1] | 0}, ${hex(a[2] >>> 0)}`;
    case 247: // waitid
      return `${named(a[0] >>> 0, P_TYPES, "P")}, ${a[1] | 0}, ${ret >= 0 && a[2] !== 0 ? waitidInfo(peek, a[2]) : pointer(a[2])}, ` +
        `${flags(a[3] >>> 0, WAITID_OPTIONS)}, ${pointer(a[4])}`;
    default:
      return undefined;
  }
}
