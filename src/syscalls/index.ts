// Linux x86-64 syscalls for one guest process: numbers, argument checks and
// errno values as Linux has them. Browser-safe.
//
// Wiring (the lead's machine.ts), when the Cpu stops with STOP_SYSCALL:
//   const sys = new Syscalls({
//     regs: cpu,                                   // getReg/setReg/fsBase/gsBase/retired
//     mem: uaccess(cpu.mmu, (cr2, err) => k.handle_page_fault(cr2, err)),
//     kernel: k,                                   // sys_brk, sys_mmap, sys_munmap, sys_mprotect, sys_madvise
//     io: { stdin, stdout, stderr, trace },       // trace only with --trace syscalls
//     random,                                      // the machine's SeededRandom (also AT_RANDOM)
//   });
//   if (sys.dispatch()) exit with sys.exitStatus  // else run the Cpu on
//
// Implemented: read (fd 0, from io.stdin; EOF at its end), write and writev
// (fds 1 and 2), exit, exit_group, brk, mmap, munmap, mprotect, madvise
// (the kernel's), getpid and gettid (1), set_tid_address, uname,
// arch_prctl (FS/GS base), clock_gettime (a virtual clock: one retired
// instruction is one nanosecond), getrandom (seeded), the signal calls
// (rt_sigaction, rt_sigprocmask, rt_sigreturn, rt_sigpending, sigaltstack,
// kill, tkill, tgkill: src/task/signal.ts), ioctl
// (ENOTTY on 0-2). Anything else returns -ENOSYS and is named once on
// stderr: "faultline: syscall N (name) not implemented".
// endings.ts turns a fatal signal into the exit status and messages.

import { TASK_SIZE } from "../loader/elf.js";
import { type SignalCpu, Signals } from "../task/signal.js";
import { SIGSEGV, SI_KERNEL } from "./endings.js";
import { EBADF, EFAULT, EINVAL, ENOSYS, ENOTTY, EPERM } from "./errno.js";
import { syscallName } from "./names.js";
import type { SeededRandom } from "./random.js";
import { formatSyscall } from "./trace.js";

export * from "./endings.js";
export * from "./errno.js";
export * from "./names.js";
export * from "./random.js";
export * from "./trace.js";

/** Register numbers as the x86 encoding (and src/cpu/state.ts) has them. */
const RAX = 0, RDX = 2, RSP = 4, RSI = 6, RDI = 7, R8 = 8, R9 = 9, R10 = 10;
const ARG_REGS = [RDI, RSI, RDX, R10, R8, R9];

/** What the dispatcher needs of the CPU; a Cpu satisfies it. */
export interface SyscallRegs {
  /** Register r as a signed number (exact below 2^53 in magnitude). */
  getReg(r: number): number;
  setReg(r: number, v: number): void;
  fsBase: number;
  gsBase: number;
  /** Instructions retired: the virtual clock. */
  readonly retired: number;
}

/** copy_from_user / copy_to_user into the current mm: 0, or negative (the dispatcher returns -EFAULT). */
export interface UserMemory {
  copyFromUser(dst: Uint8Array, addr: number, len?: number): number;
  copyToUser(addr: number, src: Uint8Array): number;
}

/** The kernel's mm syscalls (docs/abi.md): Linux's results, address or -errno. */
export interface SyscallKernel {
  sys_brk(addr: number): number;
  sys_mmap(addr: number, len: number, prot: number, flags: number, fd: number, off: number): number;
  sys_munmap(addr: number, len: number): number;
  sys_mprotect(addr: number, len: number, prot: number): number;
  sys_madvise(addr: number, len: number, advice: number): number;
}

export interface SyscallIo {
  /** fd 0: at most `max` more bytes, read when the guest reads (null or empty: end of file). */
  stdin(max: number): Uint8Array | null;
  stdout(bytes: Uint8Array): void;
  stderr(bytes: Uint8Array): void;
  /** Receives one strace-format line per syscall when set. */
  trace?(line: string): void;
}

export interface SyscallOptions {
  regs: SyscallRegs;
  mem: UserMemory;
  kernel: SyscallKernel;
  io: SyscallIo;
  random: SeededRandom;
  /** The task's signals (a fresh set when absent). */
  signals?: Signals;
  /** CLOCK_REALTIME at instruction 0, in seconds since the epoch (default 2026-01-01T00:00:00Z). */
  realtimeEpoch?: number;
}

/** The Mmu side of uaccess(): the Cpu's Mmu has these. */
export interface UaccessMmu {
  copyFromUser(dst: Uint8Array, va: number, len: number): number;
  copyToUser(va: number, src: Uint8Array): number;
  /** The refused walk; kind is cleared here once handled (0 = FAULT_NONE), or the CPU would see it as its own. */
  readonly fault: { kind: number; addrLo: number; addrHi: number; errorCode: number };
}

/**
 * UserMemory over the Cpu's Mmu: a walk that fails goes to the kernel's
 * fault handler (a kernel-mode access to user memory, as Linux's uaccess
 * faults do) and the copy is retried; when the kernel cannot fix it, -EFAULT.
 */
export function uaccess(mmu: UaccessMmu, handlePageFault: (cr2: number, errorCode: number) => number): UserMemory {
  const retrying = (len: number, copy: () => number): number => {
    // Each retry fixes at least one page; a kernel that "fixes" nothing must not loop us forever.
    for (let tries = Math.ceil(len / 4096) * 2 + 4; tries > 0; tries--) {
      const r = copy();
      if (r >= 0) return 0;
      const f = mmu.fault;
      f.kind = 0;
      if (handlePageFault(f.addrHi * 0x1_0000_0000 + (f.addrLo >>> 0), f.errorCode) !== 0) return -EFAULT;
    }
    return -EFAULT;
  };
  return {
    copyFromUser: (dst, addr, len = dst.length) => retrying(len, () => mmu.copyFromUser(dst, addr, len)),
    copyToUser: (addr, src) => retrying(src.length, () => mmu.copyToUser(addr, src)),
  };
}

/** MAX_RW_COUNT: the most one read/write moves (INT_MAX rounded down to a page). */
const MAX_RW_COUNT = 0x7ffff000;
const UIO_MAXIOV = 1024;
/** write() passes the output on in pieces of at most this many bytes. */
const WRITE_BATCH = 65536;
const encoder = new TextEncoder();

/** uname's answers. The release names faultline; the rest is what a Linux x86-64 system shows. */
export const UTSNAME = {
  sysname: "Linux",
  nodename: "faultline",
  release: "6.18.0-faultline",
  version: "#1 SMP PREEMPT_DYNAMIC faultline",
  machine: "x86_64",
  domainname: "(none)",
};

export class Syscalls {
  /** exit_group's status (0-255) once the guest has exited. */
  exitStatus: number | undefined;
  /** clear_child_tid from set_tid_address (nothing clears it: one thread, no exit futex). */
  clearChildTid = 0;
  private readonly args = [0, 0, 0, 0, 0, 0];
  /** Bytes the stdin reader gave that the guest has not taken yet. */
  private stdinRest: Uint8Array = new Uint8Array(0);
  private readonly warned = new Set<number>();
  /** The task's signal state: actions, mask, pending signals, alternate stack. */
  readonly signals: Signals;
  private readonly realtimeEpoch: number;

  constructor(private readonly o: SyscallOptions) {
    this.realtimeEpoch = o.realtimeEpoch ?? 1767225600;
    this.signals = o.signals ?? new Signals(o.regs as unknown as SignalCpu, o.mem);
    this.signals.trace ??= o.io.trace?.bind(o.io);
  }

  /** Handle the syscall the CPU stopped at: rax = its result. @return true when the guest exited. */
  dispatch(): boolean {
    const { regs } = this.o;
    const nr = regs.getReg(RAX) >>> 0;
    const a = this.args;
    for (let i = 0; i < 6; i++) a[i] = regs.getReg(ARG_REGS[i]);
    if (nr === 60 || nr === 231) {
      this.exitStatus = a[0] & 0xff;
      this.o.io.trace?.(formatSyscall(nr, a, undefined, this.peek));
      this.o.io.trace?.(`+++ exited with ${this.exitStatus} +++`);
      return true;
    }
    const sp = regs.getReg(RSP);
    const ret = this.call(nr, a);
    regs.setReg(RAX, ret);
    this.o.io.trace?.(formatSyscall(nr, a, ret, this.peek, sp));
    return false;
  }

  private call(nr: number, a: number[]): number {
    const { kernel } = this.o;
    switch (nr) {
      case 0:
        return this.read(a[0] | 0, a[1], unsigned(a[2]));
      case 1:
        return this.write(a[0] | 0, a[1], unsigned(a[2]));
      case 20:
        return this.writev(a[0] | 0, a[1], a[2] | 0);
      case 9:
        // arch/x86/kernel/sys_x86_64.c: the byte offset must be page aligned.
        if (unsigned(a[5]) % 4096 !== 0) return -EINVAL;
        return kernel.sys_mmap(unsigned(a[0]), unsigned(a[1]), a[2] >>> 0, a[3] >>> 0, a[4] | 0, unsigned(a[5]));
      case 10:
        return kernel.sys_mprotect(unsigned(a[0]), unsigned(a[1]), a[2] >>> 0);
      case 11:
        return kernel.sys_munmap(unsigned(a[0]), unsigned(a[1]));
      case 12:
        return kernel.sys_brk(unsigned(a[0]));
      case 28:
        return kernel.sys_madvise(unsigned(a[0]), unsigned(a[1]), a[2] | 0);
      case 13:
        return this.signals.rtSigaction(a[0] | 0, a[1], a[2], unsigned(a[3]));
      case 14:
        return this.signals.rtSigprocmask(a[0] | 0, a[1], a[2], unsigned(a[3]));
      case 15: {
        // A frame that cannot be read back ends in SIGSEGV (signal_fault).
        const rax = this.signals.rtSigreturn();
        if (rax === null) this.signals.force({ signo: SIGSEGV, code: SI_KERNEL });
        return rax ?? 0;
      }
      case 127:
        return this.signals.rtSigpending(a[0], unsigned(a[1]));
      case 131:
        return this.signals.sigaltstack(a[0], a[1], this.o.regs.getReg(RSP));
      case 62:
        return this.signals.kill(a[0] | 0, a[1] | 0);
      case 200:
        return this.signals.tgkill(-1, a[0] | 0, a[1] | 0);
      case 234:
        return this.signals.tgkill(a[0] | 0, a[1] | 0, a[2] | 0);
      case 16:
        return (a[0] | 0) >= 0 && (a[0] | 0) <= 2 ? -ENOTTY : -EBADF;
      case 39: // getpid
      case 186: // gettid
        return 1;
      case 218:
        this.clearChildTid = a[0];
        return 1;
      case 63:
        return this.uname(a[0]);
      case 158:
        return this.archPrctl(a[0] | 0, a[1]);
      case 228:
        return this.clockGettime(a[0] | 0, a[1]);
      case 318:
        return this.getrandom(a[0], unsigned(a[1]), a[2] >>> 0);
      default:
        return this.notImplemented(nr);
    }
  }

  private notImplemented(nr: number): number {
    if (!this.warned.has(nr)) {
      this.warned.add(nr);
      this.o.io.stderr(encoder.encode(`faultline: syscall ${nr} (${syscallName(nr) ?? "unassigned"}) not implemented\n`));
    }
    return -ENOSYS;
  }

  /** Reads user memory for the trace; null when unreadable. */
  private readonly peek = (addr: number, len: number): Uint8Array | null => {
    const buf = new Uint8Array(len);
    return this.o.mem.copyFromUser(buf, addr, len) === 0 ? buf : null;
  };

  /**
   * Copy `len` bytes, made by `source(offset, n)`, out page by page as
   * Linux's copy loops do: the count that made it before the first fault,
   * or -EFAULT if none did. Nothing the size of `len` is allocated up front.
   */
  private copyOut(addr: number, len: number, source: (offset: number, n: number) => Uint8Array): number {
    let done = 0;
    while (done < len) {
      const n = Math.min(len - done, 4096 - ((addr + done) % 4096));
      if (this.o.mem.copyToUser(addr + done, source(done, n)) !== 0) break;
      done += n;
    }
    return done === 0 && len > 0 ? -EFAULT : done;
  }

  /** Fill `into` from user memory page by page: how many bytes came before the first fault. */
  private copyIn(addr: number, into: Uint8Array): number {
    let done = 0;
    while (done < into.length) {
      const n = Math.min(into.length - done, 4096 - ((addr + done) % 4096));
      if (this.o.mem.copyFromUser(into.subarray(done, done + n), addr + done, n) !== 0) break;
      done += n;
    }
    return done;
  }

  private read(fd: number, buf: number, count: number): number {
    if (fd !== 0) return -EBADF;
    if (buf + count > TASK_SIZE) return -EFAULT; // access_ok
    const want = Math.min(count, MAX_RW_COUNT);
    if (want === 0) return 0;
    const data = this.stdinRest.length ? this.stdinRest : this.o.io.stdin(want) ?? this.stdinRest;
    const r = this.copyOut(buf, Math.min(want, data.length), (off, n) => data.subarray(off, off + n));
    this.stdinRest = data.subarray(Math.max(r, 0));  // what a fault left unread stays for the next read
    return r;
  }

  /** Hands the sink fresh buffers of at most WRITE_BATCH bytes (it may keep them). */
  private write(fd: number, buf: number, count: number): number {
    if (fd !== 1 && fd !== 2) return -EBADF;
    if (buf + count > TASK_SIZE) return -EFAULT; // access_ok
    const sink = fd === 1 ? this.o.io.stdout : this.o.io.stderr;
    const len = Math.min(count, MAX_RW_COUNT);
    let done = 0;
    while (done < len) {
      const batch = new Uint8Array(Math.min(len - done, WRITE_BATCH));
      const got = this.copyIn(buf + done, batch);
      if (got > 0) sink(batch.subarray(0, got));
      done += got;
      if (got < batch.length) break;
    }
    return done === 0 && len > 0 ? -EFAULT : done;
  }

  private writev(fd: number, iov: number, iovcnt: number): number {
    if (fd !== 1 && fd !== 2) return -EBADF;
    if (iovcnt < 0 || iovcnt > UIO_MAXIOV) return -EINVAL;
    const vec = new Uint8Array(16 * iovcnt);
    if (this.o.mem.copyFromUser(vec, iov, vec.length) !== 0) return -EFAULT;
    const v = new DataView(vec.buffer);
    const parts: [number, number][] = [];
    let total = 0;
    for (let i = 0; i < iovcnt; i++) {
      const base = v.getUint32(16 * i + 4, true) * 0x1_0000_0000 + v.getUint32(16 * i, true);
      const len = v.getUint32(16 * i + 12, true) * 0x1_0000_0000 + v.getUint32(16 * i + 8, true);
      // rw_copy_check_uvector: a negative ssize_t length or a total past it is EINVAL.
      if (len >= 2 ** 63 || (total += len) >= 2 ** 63) return -EINVAL;
      parts.push([base, len]);
    }
    let written = 0;
    for (const [base, len] of parts) {
      if (len === 0) continue;
      const r = this.write(fd, base, Math.min(len, MAX_RW_COUNT - written));
      if (r < 0) return written > 0 ? written : r;
      written += r;
      if (r < len || written >= MAX_RW_COUNT) break;
    }
    return written;
  }

  private uname(buf: number): number {
    const out = new Uint8Array(6 * 65);
    Object.values(UTSNAME).forEach((s, i) => out.set(encoder.encode(s), 65 * i));
    return this.o.mem.copyToUser(buf, out) === 0 ? 0 : -EFAULT;
  }

  private archPrctl(code: number, addr: number): number {
    const { regs } = this.o;
    switch (code) {
      case 0x1001: // ARCH_SET_GS
      case 0x1002: // ARCH_SET_FS
        if (unsigned(addr) >= TASK_SIZE) return -EPERM;
        if (code === 0x1002) regs.fsBase = addr;
        else regs.gsBase = addr;
        return 0;
      case 0x1003: // ARCH_GET_FS
      case 0x1004: // ARCH_GET_GS
        return this.o.mem.copyToUser(addr, u64Bytes(code === 0x1003 ? regs.fsBase : regs.gsBase)) === 0 ? 0 : -EFAULT;
      default:
        return -EINVAL;
    }
  }

  private clockGettime(clock: number, tp: number): number {
    // CLOCK_REALTIME..CLOCK_BOOTTIME_ALARM and CLOCK_TAI; 10 (SGI_CYCLE) is gone.
    // Negative ids (per-process CPU clocks by pid) are not offered.
    if (clock < 0 || clock > 11 || clock === 10) return -EINVAL;
    const ns = this.o.regs.retired;
    const realtime = clock === 0 || clock === 5 || clock === 8 || clock === 11;
    const sec = Math.floor(ns / 1e9) + (realtime ? this.realtimeEpoch : 0);
    const out = new Uint8Array(16);
    out.set(u64Bytes(sec), 0);
    out.set(u64Bytes(ns % 1e9), 8);
    return this.o.mem.copyToUser(tp, out) === 0 ? 0 : -EFAULT;
  }

  private getrandom(buf: number, count: number, flags: number): number {
    const GRND_RANDOM = 2, GRND_INSECURE = 4;
    if (flags & ~7 || (flags & (GRND_RANDOM | GRND_INSECURE)) === (GRND_RANDOM | GRND_INSECURE)) return -EINVAL;
    return this.copyOut(buf, Math.min(count, MAX_RW_COUNT), (_, n) => this.o.random.bytes(n));
  }
}

/** A register's signed value read as unsigned (exact below 2^53; larger values only compare as large). */
function unsigned(v: number): number {
  return v < 0 ? v + 2 ** 64 : v;
}

function u64Bytes(v: number): Uint8Array {
  const out = new Uint8Array(8);
  const d = new DataView(out.buffer);
  d.setUint32(0, v >>> 0, true);
  d.setUint32(4, Math.floor(v / 0x1_0000_0000) >>> 0, true);
  return out;
}
