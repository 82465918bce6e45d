// fs/proc/base.c's views of where a task is: /proc/<pid>/syscall
// (proc_pid_syscall) and /proc/<pid>/wchan (proc_pid_wchan). Browser-safe.

import { OpsInode } from "../fs/anon.js";
import type { FdTable } from "../fs/fdtable.js";
import { S_IFSOCK } from "../fs/inode.js";
import { PipeInode } from "../fs/pipe.js";
import type { CpuState } from "../cpu/state.js";

/**
 * Where a task is in a syscall (task_current_syscall): its number, its six
 * arguments, sp and pc (the instruction after `syscall`); "running" for a
 * runnable task other than the reader; null once it has exited (its stack
 * is gone: collect_syscall's -1).
 */
export type SyscallInfo = { nr: number; args: bigint[]; sp: bigint; pc: bigint } | "running" | null;

const u64 = (s: CpuState, r: number) => (BigInt(s.H[r] >>> 0) << 32n) | BigInt(s.L[r] >>> 0);
// rdi, rsi, rdx, r10, r8, r9: the syscall ABI's argument registers.
const ARG_REGS = [7, 6, 2, 10, 8, 9];
const RAX = 0, RSP = 4;

/** The syscall `regs` hold (rax its number); `rewound`: rip was moved back onto the `syscall` instruction, to run it again when woken. */
export function syscallIn(regs: CpuState, rewound: boolean): SyscallInfo {
  return {
    nr: regs.L[RAX], args: ARG_REGS.map((r) => u64(regs, r)), sp: u64(regs, RSP),
    pc: BigInt.asUintN(64, BigInt(regs.rip[0] + (rewound ? 2 : 0))),
  };
}

/** /proc/<pid>/syscall: "running", or the number, the arguments, sp and pc in hex. */
export function procSyscall(s: SyscallInfo): string {
  const hex = (v: bigint) => `0x${v.toString(16)}`;
  if (s === "running") return "running\n";
  if (!s) return "-1 0x0 0x0\n";
  return `${s.nr} ${[...s.args, s.sp, s.pc].map(hex).join(" ")}\n`;
}

// Where a sleeping call waits, by syscall number, as this machine's Linux
// 6.18 names it (the suffixes are its compiler's): see procWchan.
const POLL_WAIT = "poll_schedule_timeout.constprop.0";
const WAITS: Record<number, string> = {
  7: POLL_WAIT, 23: POLL_WAIT, 270: POLL_WAIT, 271: POLL_WAIT,  // poll, select, pselect6, ppoll
  34: "__do_sys_pause",
  35: "hrtimer_nanosleep", 230: "hrtimer_nanosleep",             // nanosleep, clock_nanosleep
  61: "do_wait", 247: "do_wait",                                 // wait4, waitid
  128: "do_sigtimedwait.isra.0",                                 // rt_sigtimedwait
  130: "sigsuspend.isra.0",                                      // rt_sigsuspend
  232: "do_epoll_wait", 281: "do_epoll_wait", 441: "do_epoll_wait",
  2: "wait_for_partner", 257: "wait_for_partner",                // open, openat: a FIFO's other end
};
/** A read or write sleeps where the file's own op waits. */
const FILE_WAITS: Record<string, [read: string, write: string]> = {
  pipe: ["anon_pipe_read", "anon_pipe_write"],
  socket: ["unix_stream_read_generic", ""],
  eventfd: ["do_wait_intr_irq", ""],
};
const FUTEX_WAIT = 0, FUTEX_WAIT_BITSET = 9, FUTEX_CMD_MASK = 0x7f;

/** The kind of file a descriptor is open on, for FILE_WAITS. */
function fileKind(files: FdTable | null, fd: bigint): string {
  const f = fd < 1n << 31n ? files?.get(Number(fd)) : undefined;
  if (!f) return "";
  if (f.inode instanceof PipeInode) return "pipe";
  if (f.inode.type === S_IFSOCK) return "socket";
  return f.inode instanceof OpsInode && f.inode.anonName === "[eventfd]" ? "eventfd" : "";
}

/**
 * /proc/<pid>/wchan: the function a sleeping task waits in, "0" for one
 * that runs or has exited (get_wchan finds none). faultline knows the
 * call a task sleeps in, not a kernel stack: the function is the one this
 * machine's Linux shows for that call (on that kind of file, for read and
 * write); a wait the table does not know shows 0 too.
 */
export function procWchan(s: SyscallInfo, sleeping: boolean, files: FdTable | null): string {
  if (!sleeping || !s || s === "running") return "0";
  const { nr, args } = s;
  if (nr === 0 || nr === 1) return FILE_WAITS[fileKind(files, args[0])]?.[nr] || "0";
  if (nr === 202) return [FUTEX_WAIT, FUTEX_WAIT_BITSET].includes(Number(args[1]) & FUTEX_CMD_MASK) ? "futex_do_wait" : "0";
  return WAITS[nr] ?? "0";
}
