// strace's decoding of the timer syscalls (its itimer.c, time.c, timerfd.c
// and signal.c's rt_sigtimedwait): struct itimerval and itimerspec, the
// sigevent timer_create reads, and the siginfo rt_sigtimedwait fills. What a
// call fills shows as an address when it failed, as strace shows it.

import { siginfoText } from "./endings.js";
import { CLOCK_NAMES, flagsOrUnknown, intAt, named, pointer, sigsetAt, signalName, timespecAt, udec, type Peek } from "./trace.js";

const ITIMERS: Record<number, string> = { 0: "ITIMER_REAL", 1: "ITIMER_VIRTUAL", 2: "ITIMER_PROF" };
const SIGEV: Record<number, string> = { 0: "SIGEV_SIGNAL", 1: "SIGEV_NONE", 2: "SIGEV_THREAD", 4: "SIGEV_THREAD_ID" };
const TFD_CREATE: [number, string][] = [[0o2000000, "TFD_CLOEXEC"], [0o4000, "TFD_NONBLOCK"]];
const TFD_SETTIME: [number, string][] = [[1, "TFD_TIMER_ABSTIME"], [2, "TFD_TIMER_CANCEL_ON_SET"]];

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** struct itimerval: seconds signed, microseconds as strace's %llu. */
function itimervalAt(peek: Peek, addr: number): string {
  if (addr === 0) return "NULL";
  const b = peek(addr, 32);
  if (!b) return pointer(addr);
  const v = view(b);
  const tv = (at: number) => `{tv_sec=${v.getBigInt64(at, true)}, tv_usec=${v.getBigUint64(at + 8, true)}}`;
  return `{it_interval=${tv(0)}, it_value=${tv(16)}}`;
}

function itimerspecAt(peek: Peek, addr: number): string {
  if (addr === 0) return "NULL";
  return peek(addr, 32) ? `{it_interval=${timespecAt(peek, addr)}, it_value=${timespecAt(peek, addr + 16)}}` : pointer(addr);
}

/** struct sigevent as timer_create reads it: the value only when set, the thread only for SIGEV_THREAD_ID. */
function sigeventAt(peek: Peek, addr: number): string {
  if (addr === 0) return "NULL";
  const b = peek(addr, 64);
  if (!b) return pointer(addr);
  const v = view(b);
  const value = Number(v.getBigUint64(0, true)), signo = v.getInt32(8, true), notify = v.getInt32(12, true);
  const fields = value ? [`sigev_value={sival_int=${v.getInt32(0, true)}, sival_ptr=${pointer(value)}}`] : [];
  // The signal by name only for an event that sends one.
  const sends = notify === 0 || notify === 2 || notify === 4;
  fields.push(`sigev_signo=${sends && signo >= 1 && signo <= 64 ? signalName(signo) : signo}`, `sigev_notify=${named(notify, SIGEV, "SIGEV")}`);
  if (notify === 4) fields.push(`sigev_notify_thread_id=${v.getInt32(16, true)}`);
  return `{${fields.join(", ")}}`;
}

/** A siginfo the kernel wrote (copy_siginfo_to_user's layout). */
function siginfoAt(peek: Peek, addr: number): string {
  const b = peek(addr, 128);
  if (!b) return pointer(addr);
  const v = view(b);
  return siginfoText({
    signo: v.getInt32(0, true), code: v.getInt32(8, true), pid: v.getInt32(16, true), addr: Number(v.getBigUint64(16, true)),
    status: v.getInt32(24, true), timerid: v.getInt32(16, true), overrun: v.getInt32(20, true), value: Number(v.getBigInt64(24, true)),
  });
}

/** The arguments of a timer call as strace prints them, or undefined for another call. */
export function formatTimerArgs(nr: number, a: readonly number[], ret: number, peek: Peek): string | undefined {
  const ok = ret >= 0;
  // An int argument: unknown values as 32-bit hex.
  const int = (v: number, names: Record<number, string>, prefix: string) => names[v | 0] ?? named(v >>> 0, names, prefix);
  const clock = (c: number) => int(c, CLOCK_NAMES, "CLOCK");
  const out = (fill: (peek: Peek, addr: number) => string, addr: number) => (ok ? fill(peek, addr) : pointer(addr));
  switch (nr) {
    case 37: // alarm
      return `${a[0] >>> 0}`;
    case 36: // getitimer
      return `${int(a[0], ITIMERS, "ITIMER")}, ${out(itimervalAt, a[1])}`;
    case 38: // setitimer
      return `${int(a[0], ITIMERS, "ITIMER")}, ${itimervalAt(peek, a[1])}, ${out(itimervalAt, a[2])}`;
    case 222: { // timer_create
      return `${clock(a[0])}, ${sigeventAt(peek, a[1])}, ${ok ? intAt(peek, a[2]) : pointer(a[2])}`;
    }
    case 223: // timer_settime
      return `${a[0] | 0}, ${flagsOrUnknown(a[1] >>> 0, [[1, "TIMER_ABSTIME"]], "0", "TIMER")}, ${itimerspecAt(peek, a[2])}, ${out(itimerspecAt, a[3])}`;
    case 224: // timer_gettime
      return `${a[0] | 0}, ${out(itimerspecAt, a[1])}`;
    case 225: // timer_getoverrun
    case 226: // timer_delete
      return `${a[0] | 0}`;
    case 283: // timerfd_create
      return `${clock(a[0])}, ${flagsOrUnknown(a[1] >>> 0, TFD_CREATE, "0", "TFD")}`;
    case 286: // timerfd_settime
      return `${a[0] | 0}, ${flagsOrUnknown(a[1] >>> 0, TFD_SETTIME, "0", "TFD")}, ${itimerspecAt(peek, a[2])}, ${out(itimerspecAt, a[3])}`;
    case 287: // timerfd_gettime
      return `${a[0] | 0}, ${out(itimerspecAt, a[1])}`;
    case 128: // rt_sigtimedwait
      return `${sigsetAt(peek, a[0], a[3])}, ${ok && a[1] !== 0 ? siginfoAt(peek, a[1]) : pointer(a[1])}, ${timespecAt(peek, a[2])}, ${udec(a[3])}`;
    default:
      return undefined;
  }
}
