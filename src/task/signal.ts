// Signals of one task, as kernel/signal.c and arch/x86/kernel/signal*.c
// keep and deliver them: the actions (struct sigaction as the guest wrote
// it; a process's threads share them, as sighand_struct), the blocked mask
// and the pending queue (each thread's own), the process's shared pending
// queue (kill's), the alternate stack, and the x86-64 rt_sigframe a
// handler runs on. Browser-safe.
//
// The frame Linux's x64_setup_rt_frame writes below the interrupted rsp
// (after the 128-byte red zone, or at the top of the alternate stack):
//   fpstate  64-aligned: the fxsave image (512 bytes) on a CPU without XSAVE;
//            with XSAVE (x86-64-v3) the XSAVE image (832 bytes), its
//            _fpx_sw_bytes in the fxsave part's bytes 464..511 and
//            FP_XSTATE_MAGIC2 after it, as arch/x86/kernel/fpu/signal.c writes them
//   frame    rt_sigframe: pretcode (sa_restorer), ucontext, siginfo;
//            its address is 16-aligned minus 8, as after a call
// The handler gets rdi = signo, rsi = &siginfo, rdx = &ucontext, rax = 0;
// rt_sigreturn reads the ucontext back from rsp - 8.

import type { UserMemory } from "../syscalls/index.js";
import { E2BIG, EAGAIN, EFAULT, EINVAL, ENOMEM, EPERM, ERESTARTNOINTR, ERESTARTSYS, ESRCH } from "../syscalls/errno.js";
import { SIGCHLD, SIGKILL, SIGSEGV, SI_KERNEL, SI_TIMER, arrivalLine, type FatalSignal } from "../syscalls/endings.js";

export { SIGCHLD, SI_TIMER };
import { TASK_SIZE } from "../loader/elf.js";
import { PF_PROT, PF_USER } from "../cpu/mmu.js";
import { MXCSR_MASK, fxrstorImage, fxsaveImage } from "../cpu/sse_state.js";
import { type CpuModel, XCR0, XSAVE_AVX_OFFSET, XSAVE_SIZE } from "../cpu/model.js";
import { xrstorHeaderValid, xrstorImage, xrstorNeedsAvx, xsaveImage, xstateInit } from "../cpu/xsave.js";
import type { CpuState } from "../cpu/state.js";

export const SIGSTOP = 19;
const SIGCONT = 18, SIGTSTP = 20, SIGTTIN = 21, SIGTTOU = 22, SIGURG = 23, SIGWINCH = 28;
/** si_code of kill() and of tkill()/tgkill(). */
export const SI_USER = 0;
/** The first real-time signal, as the kernel numbers them. */
const SIGRTMIN = 32;
export const SI_TKILL = -6;

/** sa_flags bits (include/uapi/asm-generic/signal-defs.h, x86's SA_RESTORER). */
export const SA_SIGINFO = 0x4, SA_ONSTACK = 0x0800_0000, SA_RESTART = 0x1000_0000;
export const SA_NODEFER = 0x4000_0000, SA_RESETHAND = 0x8000_0000, SA_RESTORER = 0x0400_0000;
const SIG_DFL = 0, SIG_IGN = 1;
const SS_ONSTACK = 1, SS_DISABLE = 2, SS_AUTODISARM = 0x8000_0000;
const MINSIGSTKSZ = 2048;

/** Sizes and offsets of the frame (arch/x86/include/uapi/asm/{ucontext,sigcontext}.h). */
const UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
const UC_STACK = 16, UC_MCONTEXT = 40, UC_SIGMASK = 296, UCONTEXT_SIZE = 304;
const SIGINFO_SIZE = 128;
const FRAME_UC = 8, FRAME_INFO = FRAME_UC + UCONTEXT_SIZE, FRAME_SIZE = FRAME_INFO + SIGINFO_SIZE;
/** struct sigcontext_64 up to fpstate; reserved1[8] after it is left as the stack had it, as Linux does. */
const SC_WRITTEN = 192;
export const FPSTATE_SIZE = 512;
/**
 * struct _fpx_sw_bytes, in the fxsave image's software-reserved bytes:
 * magic1, extended_size (the XSAVE image and MAGIC2), xfeatures, xstate_size;
 * then FP_XSTATE_MAGIC2 right after the XSAVE image.
 */
const SW_BYTES = 464, FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2 = 0x46505845, FP_XSTATE_MAGIC2_SIZE = 4;
const XSTATE_BV = 512, XFEATURE_MASK_FPSSE = 3;

/** The largest frame a kernel with IA32 emulation sizes for: sizeof(struct sigframe_ia32). */
const SIGFRAME_IA32_SIZE = 732;
/** struct fregs_state, the legacy fsave header that 32-bit frames carry before the fxsave image. */
const FREGS_STATE_SIZE = 112;
const FRAME_ALIGNMENT = 16, MAX_FRAME_PADDING = FRAME_ALIGNMENT - 1, MAX_XSAVE_PADDING = 63;

/** The frame's fpstate (xstate_sigframe_size): the fxsave image, or with XSAVE its image and MAGIC2. */
function fpstateSize(model: CpuModel | undefined): number {
  return model?.xsave ? XSAVE_SIZE + FP_XSTATE_MAGIC2_SIZE : FPSTATE_SIZE;
}

/**
 * AT_MINSIGSTKSZ, as init_sigframe_size (arch/x86/kernel/signal.c) computes
 * it on a kernel built with CONFIG_IA32_EMULATION (Debian's, and this
 * machine's): the worst-case frame, sigframe_ia32, plus its padding, plus
 * fpu__get_fpstate_size — the fxsave image, or the XSAVE image and MAGIC2,
 * and the fsave header — plus the XSAVE alignment padding, rounded up to 16.
 */
export function get_sigframe_size(model?: CpuModel): number {
  const fpstate = fpstateSize(model) + FREGS_STATE_SIZE;
  const max = SIGFRAME_IA32_SIZE + MAX_FRAME_PADDING + fpstate + MAX_XSAVE_PADDING;
  return Math.ceil(max / FRAME_ALIGNMENT) * FRAME_ALIGNMENT;
}
/** sigcontext order of the general registers: r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp (x86 numbers). */
const SC_REGS = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];
/** The rflags bits rt_sigreturn takes from the frame (FIX_EFLAGS): AC OF DF TF SF ZF AF PF CF RF. */
const FIX_EFLAGS = 0x40000 | 0x800 | 0x400 | 0x100 | 0x80 | 0x40 | 0x10 | 0x4 | 0x1 | 0x10000;
const USER_CS = 0x33, USER_DS = 0x2b;

/** Trap numbers (arch/x86/include/asm/trapnr.h), as a frame reports them. */
const TRAP_NR = { DE: 0, BP: 3, UD: 6, GP: 13, PF: 14, MF: 16, XM: 19 };

/** Signals the kernel raises for the instruction that ran: dequeued first (SYNCHRONOUS_MASK). */
const SYNCHRONOUS = [11, 7, 4, 5, 8, 31];

/** A queued signal: kernel_siginfo's fields that faultline fills. */
export interface SigInfo {
  signo: number;
  code: number;
  /** si_addr for faults; si_pid, si_uid for kill. */
  addr?: number;
  pid?: number;
  uid?: number;
  /** SIGCHLD's si_status: the exit code, or the signal that ended the child. */
  status?: number;
  /** SI_TIMER's si_timerid, si_overrun and si_value (src/task/timers.ts). */
  timerid?: number;
  overrun?: number;
  value?: number;
  /** The kernel_siginfo a sender gave (rt_sigqueueinfo, rt_tgsigqueueinfo): its 48 bytes go out as they came, si_signo set. */
  fields?: Uint8Array;
  /** Pending with no sigqueue of its own (the user's queue was full): not counted against RLIMIT_SIGPENDING. */
  unqueued?: boolean;
  /** A live POSIX timer's own sigqueue (SIGQUEUE_PREALLOC): counted once, as the timer, queued or not. */
  preallocated?: boolean;
  /** Runs as the signal is dequeued: a timer waiting for its signal to be taken restarts (posixtimer_rearm, ITIMER_REAL's rearm); false: the signal is dropped (its timer was set again or deleted). */
  dequeued?: () => boolean;
}

/** The CPU as signal delivery needs it: a Cpu satisfies it. */
export interface SignalCpu {
  getReg(r: number): number;
  setReg(r: number, v: number): void;
  rip: number;
  rflags: number;
  /** The x87, SSE and AVX registers (absent for a CPU without them). */
  state?: CpuState;
  /** Its model: with XSAVE, the frame holds the XSAVE image (default: without). */
  model?: CpuModel;
}

/**
 * The FPU part of the frame, as the CPU's own fxsave64 writes it, or with
 * XSAVE as copy_fpstate_to_sigframe writes it: a cleared header, xsave64 of
 * every component XCR0 enables, then save_xstate_epilog's _fpx_sw_bytes,
 * XSTATE_BV with x87 and SSE always set (a legacy program's changes to them
 * are restored), and MAGIC2.
 */
export function saveFpstate(cpu: SignalCpu): Uint8Array {
  const fx = initFpstate(fpstateSize(cpu.model));
  const s = cpu.state, v = new DataView(fx.buffer);
  if (!s) return fx;
  if (!cpu.model?.xsave) {
    fxsaveImage(v, s.xmm, s.mxcsr, s.x87Image, true);
    return fx;
  }
  xsaveImage(s, v, XCR0, true);
  v.setUint32(SW_BYTES, FP_XSTATE_MAGIC1, true);
  v.setUint32(SW_BYTES + 4, XSAVE_SIZE + FP_XSTATE_MAGIC2_SIZE, true); // extended_size
  v.setUint32(SW_BYTES + 8, XCR0, true); // xfeatures (64 bits)
  v.setUint32(SW_BYTES + 16, XSAVE_SIZE, true); // xstate_size
  v.setUint32(XSTATE_BV, v.getUint32(XSTATE_BV, true) | XFEATURE_MASK_FPSSE, true);
  v.setUint32(XSAVE_SIZE, FP_XSTATE_MAGIC2, true);
  return fx;
}

/** The state a process starts with (fpu's init_fpstate): fcw 0x37f, mxcsr 0x1f80, registers zero. */
function initFpstate(size = FPSTATE_SIZE): Uint8Array {
  const fx = new Uint8Array(size);
  const v = new DataView(fx.buffer);
  v.setUint16(0, 0x37f, true); // fcw
  v.setUint32(24, 0x1f80, true); // mxcsr
  v.setUint32(28, MXCSR_MASK, true);
  return fx;
}

/** fxrstor from the frame. @return false when it would fault (reserved mxcsr bits), as Linux's restore then does. */
export function restoreFpstate(cpu: SignalCpu, fx: Uint8Array): boolean {
  const s = cpu.state;
  if (!s) return (new DataView(fx.buffer, fx.byteOffset).getUint32(24, true) & ~MXCSR_MASK) === 0;
  const mxcsr = fxrstorImage(new DataView(fx.buffer, fx.byteOffset, fx.byteLength), s.xmm, s.x87Image, true);
  if (mxcsr < 0) return false;
  s.mxcsr = mxcsr;
  return true;
}

/**
 * __fpu_restore_sig on a CPU with XSAVE, from the frame's fpstate at
 * `addr`: check_xstate_in_sigframe reads _fpx_sw_bytes, and when magic1,
 * xstate_size and MAGIC2 are as a frame has them, xrstor64 of the
 * xfeatures they name; else (a program that copied only the legacy image)
 * fxrstor64. The components not restored go to their init state.
 * @return false when the frame is unreadable or xrstor/fxrstor would fault
 */
function restoreXstate(cpu: SignalCpu, mem: UserMemory, addr: number): boolean {
  const s = cpu.state!;
  const img = new Uint8Array(XSAVE_SIZE), v = new DataView(img.buffer);
  if (mem.copyFromUser(img.subarray(0, FPSTATE_SIZE), addr, FPSTATE_SIZE) !== 0) return false;
  const magic1 = v.getUint32(SW_BYTES, true), extended = v.getUint32(SW_BYTES + 4, true);
  const xstateSize = v.getUint32(SW_BYTES + 16, true);
  let fxOnly = true;
  if (magic1 === FP_XSTATE_MAGIC1 && xstateSize >= XSAVE_AVX_OFFSET && xstateSize <= XSAVE_SIZE && xstateSize <= extended) {
    const m2 = new Uint8Array(4);
    if (mem.copyFromUser(m2, addr + xstateSize, 4) !== 0) return false;
    fxOnly = new DataView(m2.buffer).getUint32(0, true) !== FP_XSTATE_MAGIC2;
  }
  if (fxOnly) {
    if (!restoreFpstate(cpu, img.subarray(0, FPSTATE_SIZE))) return false;
    xstateInit(s, XCR0 & ~XFEATURE_MASK_FPSSE);
    return true;
  }
  const xfeatures = v.getUint32(SW_BYTES + 8, true) & XCR0;
  // xrstor64 with the frame as its image: the header first (64-aligned, reserved bytes zero)
  if (addr % 64 !== 0 || mem.copyFromUser(img.subarray(FPSTATE_SIZE, XSAVE_AVX_OFFSET), addr + FPSTATE_SIZE, XSAVE_AVX_OFFSET - FPSTATE_SIZE) !== 0) return false;
  if (!xrstorHeaderValid(v)) return false;
  if (xrstorNeedsAvx(v, xfeatures) && mem.copyFromUser(img.subarray(XSAVE_AVX_OFFSET), addr + XSAVE_AVX_OFFSET, XSAVE_SIZE - XSAVE_AVX_OFFSET) !== 0) return false;
  if (!xrstorImage(s, v, xfeatures, true)) return false;
  xstateInit(s, XCR0 & ~xfeatures);
  return true;
}

export type DefaultAction = "term" | "core" | "ignore" | "stop";

/** What SIG_DFL does (the table in kernel/signal.c). */
export function defaultAction(sig: number): DefaultAction {
  if (sig === SIGCHLD || sig === SIGCONT || sig === SIGURG || sig === SIGWINCH) return "ignore";
  if (sig === SIGSTOP || sig === SIGTSTP || sig === SIGTTIN || sig === SIGTTOU) return "stop";
  // SIGQUIT ILL TRAP ABRT BUS FPE SEGV XCPU XFSZ SYS
  if ([3, 4, 5, 6, 7, 8, 11, 24, 25, 31].includes(sig)) return "core";
  return "term";
}

const bit = (sig: number) => 1 << ((sig - 1) & 31);
const word = (sig: number) => (sig - 1) >> 5;

export class Signals {
  /** struct sigaction (handler, flags, restorer, mask: 8 bytes each) per signal 1-64, as the guest set it (CLONE_SIGHAND shares it). */
  readonly actions: Uint8Array<ArrayBuffer>;
  /** Blocked signals, bits 0-31 and 32-63. */
  readonly blocked = new Uint32Array(2);
  /** Queued signals for this thread (tgkill's, faults'), oldest first; a standard signal is queued at most once. */
  readonly pending: SigInfo[] = [];
  /** The process's queue (shared_pending: kill's, SIGCHLD's), which any of its threads that does not block the signal takes. */
  readonly shared: SigInfo[];
  altSp = 0;
  altSize = 0;
  altFlags = SS_DISABLE;
  /** The last trap's number, error code and cr2 (thread_struct's), which a frame reports. */
  trapNr = 0;
  errorCode = 0;
  cr2 = 0;
  /** Receives strace's line for each signal delivered. */
  trace?: (line: string) => void;
  /** The signals queued by this task's user have reached its RLIMIT_SIGPENDING (__sigqueue_alloc's test; the machine sets it). */
  queueFull?: () => boolean;
  /** The signals of every thread of its process (for_each_thread), itself included. */
  threadGroup: () => Signals[] = () => [this];
  /**
   * Signals sent while ignored, kept only when traced: strace shows them
   * arrive on the task's next way back to user mode, though nothing else
   * sees them (they wake no sleeper, so a traced run is the same run).
   */
  private readonly ignoredArrivals: SigInfo[] = [];
  /** The mask rt_sigsuspend replaced: the first handler's frame saves it, else delivery puts it back (restore_saved_sigmask). */
  private savedMask: Uint32Array | null = null;
  private readonly av: DataView;

  /** `actions` and `shared`: another thread's, for a thread that shares them (CLONE_SIGHAND, CLONE_THREAD). */
  constructor(private readonly cpu: SignalCpu, private readonly mem: UserMemory, readonly pid = 1,
    actions: Uint8Array<ArrayBuffer> = new Uint8Array(65 * 32), shared: SigInfo[] = []) {
    this.actions = actions;
    this.shared = shared;
    this.av = new DataView(this.actions.buffer);
  }

  private handler(sig: number): number {
    return u64(this.av, 32 * sig);
  }
  private flags(sig: number): number {
    return this.av.getUint32(32 * sig + 8, true);
  }
  private isBlocked(sig: number): boolean {
    return (this.blocked[word(sig)] & bit(sig)) !== 0;
  }

  /**
   * clone's copy (copy_sighand, copy_signal): the same mask; the actions
   * copied, or shared with CLONE_SIGHAND; the shared queue a new one, or
   * this process's with CLONE_THREAD; nothing pending of its own. A child
   * sharing the caller's memory (but not vfork's) starts with no
   * alternate stack, which is the caller's.
   */
  fork(cpu: SignalCpu, pid: number, sighand = false, thread = false, vm = false): Signals {
    const c = new Signals(cpu, this.mem, pid, sighand ? this.actions : this.actions.slice(), thread ? this.shared : []);
    c.blocked.set(this.blocked);
    if (!vm) {
      c.altSp = this.altSp;
      c.altSize = this.altSize;
      c.altFlags = this.altFlags;
    }
    return c;
  }

  /** execve (flush_signal_handlers): handled signals go back to SIG_DFL, ignored ones stay; no alternate stack. */
  exec(): void {
    for (let sig = 1; sig <= 64; sig++) {
      if (this.handler(sig) === SIG_IGN) continue;
      this.actions.fill(0, 32 * sig, 32 * sig + 32);
    }
    this.altSp = this.altSize = 0;
    this.altFlags = SS_DISABLE;
  }

  /** /proc/<pid>/stat's signal masks: pending, blocked, ignored, caught (bit sig-1 each). */
  masks(): [bigint, bigint, bigint, bigint] {
    const b = (sig: number) => 1n << BigInt(sig - 1);
    let pending = 0n, ignored = 0n, caught = 0n;
    for (const p of this.pending) pending |= b(p.signo);
    for (let sig = 1; sig <= 64; sig++) {
      const h = this.handler(sig);
      if (h === SIG_IGN) ignored |= b(sig);
      else if (h !== SIG_DFL) caught |= b(sig);
    }
    return [pending, BigInt(this.blocked[0]) | (BigInt(this.blocked[1]) << 32n), ignored, caught];
  }

  /** A signal is pending (its own or the process's) and not blocked: a sleeping task wakes for it. */
  hasDeliverable(): boolean {
    return this.pending.some((p) => !this.isBlocked(p.signo)) || this.shared.some((p) => !this.isBlocked(p.signo));
  }

  /**
   * What an interrupted wait becomes (handle_signal's restart rules for the
   * call's -ERESTART* code `restart`) when the signal that comes first runs
   * a handler: "eintr" for ERESTARTNOHAND and ERESTART_RESTARTBLOCK, and
   * for ERESTARTSYS without SA_RESTART; else "restart" (ERESTARTNOINTR
   * always is). "unhandled" when no handler runs: the call runs again,
   * unless the signal ends the task.
   */
  interruption(restart: number): "eintr" | "restart" | "unhandled" {
    const first = [...this.pending, ...this.shared].filter((p) => !this.isBlocked(p.signo)).map((p) => p.signo).sort((a, b) => a - b)[0];
    if (first === undefined) return "unhandled";
    const h = this.handler(first);
    if (h === SIG_DFL || h === SIG_IGN || first === SIGKILL) return "unhandled";
    if (restart === ERESTARTNOINTR) return "restart";
    return restart !== ERESTARTSYS || !(this.flags(first) & SA_RESTART) ? "eintr" : "restart";
  }

  /** A child's exit is reaped at once, with no zombie: SIGCHLD ignored, or SA_NOCLDWAIT (do_notify_parent). */
  reapsChildren(): boolean {
    const SA_NOCLDWAIT = 2;
    return this.handler(SIGCHLD) === SIG_IGN || (this.flags(SIGCHLD) & SA_NOCLDWAIT) !== 0;
  }

  // ---- syscalls ----

  rtSigaction(sig: number, act: number, oact: number, sigsetsize: number): number {
    if (sigsetsize !== 8) return -EINVAL;
    let next: Uint8Array | undefined;
    if (act !== 0) {
      next = new Uint8Array(32);
      if (this.mem.copyFromUser(next, act, 32) !== 0) return -EFAULT;
    }
    // do_sigaction: SIGKILL's and SIGSTOP's actions cannot change.
    if (sig < 1 || sig > 64 || (next && (sig === SIGKILL || sig === SIGSTOP))) return -EINVAL;
    const slot = this.actions.subarray(32 * sig, 32 * sig + 32);
    const old = slot.slice();
    if (next) {
      // sa_mask never blocks SIGKILL or SIGSTOP.
      const m = new DataView(next.buffer);
      m.setUint32(24, m.getUint32(24, true) & ~(bit(SIGKILL) | bit(SIGSTOP)), true);
      slot.set(next);
      // A signal now ignored is discarded even while pending, by every thread (flush_sigqueue_mask).
      if (this.ignored(sig)) for (const x of this.threadGroup()) x.discard(sig);
    }
    if (oact !== 0 && this.mem.copyToUser(oact, old) !== 0) return -EFAULT;
    return 0;
  }

  rtSigprocmask(how: number, set: number, oset: number, sigsetsize: number): number {
    if (sigsetsize !== 8) return -EINVAL;
    const old = new Uint8Array(this.blocked.slice().buffer);
    if (set !== 0) {
      const b = new Uint8Array(8);
      if (this.mem.copyFromUser(b, set, 8) !== 0) return -EFAULT;
      const v = new DataView(b.buffer);
      const lo = v.getUint32(0, true) & ~(bit(SIGKILL) | bit(SIGSTOP));
      const hi = v.getUint32(4, true);
      const m = this.blocked;
      if (how === 0) { m[0] |= lo; m[1] |= hi; } // SIG_BLOCK
      else if (how === 1) { m[0] &= ~lo; m[1] &= ~hi; } // SIG_UNBLOCK
      else if (how === 2) { m[0] = lo; m[1] = hi; } // SIG_SETMASK
      else return -EINVAL;
    }
    if (oset !== 0 && this.mem.copyToUser(oset, old) !== 0) return -EFAULT;
    return 0;
  }

  /**
   * set_user_sigmask: rt_sigsuspend's, ppoll's and pselect6's mask, in
   * force until the call ends. The first handler's frame saves the old one,
   * so it is back once that handler returns; else delivery, or
   * restoreSavedSigmask when the call ends with no signal, puts it back.
   * 0 or -errno.
   */
  setUserSigmask(set: number, sigsetsize: number): number {
    if (sigsetsize !== 8) return -EINVAL;
    const b = new Uint8Array(8);
    if (this.mem.copyFromUser(b, set, 8) !== 0) return -EFAULT;
    const v = new DataView(b.buffer);
    // Run again after a signal that did nothing (a stop signal), or after a wait, it keeps the mask it first saved.
    this.savedMask ??= this.blocked.slice();
    this.blocked[0] = v.getUint32(0, true) & ~(bit(SIGKILL) | bit(SIGSTOP));
    this.blocked[1] = v.getUint32(4, true);
    return 0;
  }

  /** restore_saved_sigmask: a call that set a mask for its wait ended without a signal to handle. */
  restoreSavedSigmask(): void {
    if (this.savedMask) this.blocked.set(this.savedMask);
    this.savedMask = null;
  }

  rtSigpending(set: number, sigsetsize: number): number {
    if (sigsetsize > 8) return -EINVAL;
    const out = new Uint32Array(2);
    for (const p of [...this.pending, ...this.shared]) if (this.isBlocked(p.signo)) out[word(p.signo)] |= bit(p.signo);
    return this.mem.copyToUser(set, new Uint8Array(out.buffer).subarray(0, sigsetsize)) === 0 ? 0 : -EFAULT;
  }

  /** sigaltstack(uss, uoss) at the task's current rsp (do_sigaltstack). */
  sigaltstack(uss: number, uoss: number, sp: number): number {
    let next: DataView | undefined;
    if (uss !== 0) {
      const b = new Uint8Array(24);
      if (this.mem.copyFromUser(b, uss, 24) !== 0) return -EFAULT;
      next = new DataView(b.buffer);
    }
    const old = new Uint8Array(24);
    const ov = new DataView(old.buffer);
    setU64(ov, 0, this.altSp);
    ov.setUint32(8, this.ssFlags(sp) | (this.altFlags & SS_AUTODISARM), true);
    setU64(ov, 16, this.altSize);
    if (next) {
      if (this.onSigStack(sp)) return -EPERM;
      const flags = next.getUint32(8, true);
      const mode = flags & ~SS_AUTODISARM;
      if (mode !== SS_DISABLE && mode !== SS_ONSTACK && mode !== 0) return -EINVAL;
      let ssSp = u64(next, 0), ssSize = u64(next, 16);
      if (mode === SS_DISABLE) ssSp = ssSize = 0;
      else if (ssSize < MINSIGSTKSZ) return -ENOMEM;
      this.altSp = ssSp;
      this.altSize = ssSize;
      this.altFlags = flags;
    }
    if (uoss !== 0 && this.mem.copyToUser(uoss, old) !== 0) return -EFAULT;
    return 0;
  }

  /** kill(pid, sig): this task is the only one; pid 0 (its group) and its own pid reach it. */
  kill(pid: number, sig: number): number {
    if (pid !== 0 && pid !== this.pid) return -ESRCH;
    return this.sendFromSelf(sig, SI_USER);
  }

  /** tgkill(tgid, tid, sig) and tkill(tid, sig) (tgid -1). */
  tgkill(tgid: number, tid: number, sig: number): number {
    if (tid <= 0 || (tgid !== -1 && tgid <= 0)) return -EINVAL;
    if (tid !== this.pid || (tgid !== -1 && tgid !== this.pid)) return -ESRCH;
    return this.sendFromSelf(sig, SI_TKILL);
  }

  private sendFromSelf(sig: number, code: number): number {
    if (sig < 0 || sig > 64) return -EINVAL;
    return sig !== 0 && this.send({ signo: sig, code, pid: this.pid, uid: 0 }) === -EAGAIN ? -EAGAIN : 0;
  }

  // ---- sending ----

  private ignored(sig: number): boolean {
    const h = this.handler(sig);
    return h === SIG_IGN || (h === SIG_DFL && defaultAction(sig) === "ignore");
  }

  private discard(sig: number): void {
    for (const q of [this.pending, this.shared]) for (let i = q.length - 1; i >= 0; i--) if (q[i].signo === sig) q.splice(i, 1);
  }

  /**
   * send_signal to this thread, or (`group`) to its process's shared queue:
   * dropped when ignored and not blocked; a standard signal already pending
   * there is not queued twice. @return false when it was dropped, -EAGAIN when
   * the user's queue is full
   */
  send(info: SigInfo, group = false): boolean | number {
    const sig = info.signo;
    if (!this.isBlocked(sig) && this.ignored(sig) && sig !== SIGKILL) {
      // A traced task is shown even the signals it ignores (sig_ignored lets them through to the tracer).
      if (this.trace && !(sig < 32 && this.ignoredArrivals.some((p) => p.signo === sig))) this.ignoredArrivals.push(info);
      return false;
    }
    const queue = group ? this.shared : this.pending;
    if (sig < 32 && queue.some((p) => p.signo === sig)) return true;
    // __sigqueue_alloc: a standard signal from kill or the kernel (si_code >= 0), and a timer's preallocated one, are queued past RLIMIT_SIGPENDING.
    if (!(info.code === SI_TIMER || (sig < SIGRTMIN && info.code >= 0)) && this.queueFull?.()) {
      // A real-time signal not from kill cannot be sent: the queue overflows.
      if (sig >= SIGRTMIN && info.code !== SI_USER) return -EAGAIN;
      // Otherwise it is pending with no siginfo of its own (collect_signal then gives SI_USER, no sender); one already queued absorbs it.
      if (queue.some((p) => p.signo === sig)) return true;
      queue.push({ signo: sig, code: SI_USER, pid: 0, uid: 0, unqueued: true });
      return true;
    }
    queue.push(info);
    return true;
  }

  /**
   * force_sig_info: a signal the task cannot refuse (a fault): if blocked or
   * ignored, it is unblocked and its action reset to SIG_DFL.
   */
  force(info: SigInfo): void {
    const sig = info.signo;
    if (this.isBlocked(sig) || this.handler(sig) === SIG_IGN) {
      this.av.setUint32(32 * sig, 0, true);
      this.av.setUint32(32 * sig + 4, 0, true);
      this.blocked[word(sig)] &= ~bit(sig);
    }
    this.send(info);
  }

  /**
   * A CPU exception in user mode (a #PF the kernel refused, #GP, #UD, #DE,
   * #MF, #XM, int3): its signal is forced, and the trap number, error code and cr2
   * recorded for the frame (a #PF's as set_signal_archinfo sets them).
   */
  trap(s: FatalSignal, trap: "PF" | "GP" | "UD" | "DE" | "BP" | "MF" | "XM", pfErrorCode = 0): void {
    this.trapNr = TRAP_NR[trap];
    // __bad_area_nosemaphore: a user access to a kernel address is always a protection fault (the kernel half comes as negative numbers).
    this.errorCode = trap === "PF" ? pfErrorCode | PF_USER | (s.addr >= TASK_SIZE || s.addr < 0 ? PF_PROT : 0) : 0;
    if (trap === "PF") this.cr2 = s.addr;
    this.force({ signo: s.signo, code: s.code, addr: s.addr });
  }

  // ---- delivery ----

  /** dequeue_signal: from the thread's own queue first, then the process's; `wanted` (sigtimedwait's set) takes blocked signals too. */
  dequeue(wanted?: Uint32Array): SigInfo | undefined {
    for (;;) {
      const info = this.dequeueFrom(this.pending, wanted) ?? this.dequeueFrom(this.shared, wanted);
      if (!info?.dequeued || info.dequeued()) return info;
    }
  }

  /** A signal of `set` is pending, blocked or not (sigtimedwait's wait is over). */
  pendingIn(set: Uint32Array): boolean {
    return [...this.pending, ...this.shared].some((p) => (set[word(p.signo)] & bit(p.signo)) !== 0);
  }

  private dequeueFrom(queue: SigInfo[], wanted?: Uint32Array): SigInfo | undefined {
    let best = -1;
    for (let i = 0; i < queue.length; i++) {
      const s = queue[i].signo;
      if (wanted ? (wanted[word(s)] & bit(s)) === 0 : this.isBlocked(s)) continue;
      if (best < 0) { best = i; continue; }
      const b = queue[best].signo;
      const rank = (x: number) => (SYNCHRONOUS.includes(x) ? 0 : 1);
      if (rank(s) < rank(b) || (rank(s) === rank(b) && s < b)) best = i;
    }
    return best < 0 ? undefined : queue.splice(best, 1)[0];
  }

  /**
   * get_signal + handle_signal, on the way back to user mode: every pending
   * unblocked signal is acted on; each handler gets a frame (nested, the last
   * one set up runs first). @return the signal that kills the task, if one does
   */
  deliver(): FatalSignal | null {
    for (const info of this.ignoredArrivals.splice(0)) this.trace?.(arrivalLine(info));
    for (;;) {
      const info = this.dequeue();
      if (!info) {
        this.restoreSavedSigmask();
        return null;
      }
      const sig = info.signo;
      // strace sees every signal but SIGKILL arrive, the fatal ones too.
      if (sig !== SIGKILL) this.trace?.(arrivalLine(info));
      const handler = this.handler(sig);
      if (handler === SIG_IGN) continue;
      if (handler === SIG_DFL || sig === SIGKILL) {
        const action = defaultAction(sig);
        // No job control: a stop signal is traced but stops nothing.
        if (action === "ignore" || action === "stop") continue;
        return { signo: sig, code: info.code, addr: info.addr ?? 0, pid: info.pid, rip: this.cpu.rip };
      }
      const flags = this.flags(sig);
      const mask = new Uint32Array(this.actions.buffer.slice(32 * sig + 24, 32 * sig + 32));
      if (flags & SA_RESETHAND) {
        this.av.setUint32(32 * sig, 0, true);
        this.av.setUint32(32 * sig + 4, 0, true);
      }
      if (!this.setupRtFrame(info, handler, flags)) {
        // force_sigsegv: a SIGSEGV whose own frame fails is fatal.
        if (sig === SIGSEGV) {
          this.av.setUint32(32 * sig, 0, true);
          this.av.setUint32(32 * sig + 4, 0, true);
        }
        this.force({ signo: SIGSEGV, code: SI_KERNEL, addr: 0 });
        continue;
      }
      // signal_delivered: sa_mask, and the signal itself unless SA_NODEFER, are blocked while it runs.
      this.blocked[0] |= mask[0];
      this.blocked[1] |= mask[1];
      if (!(flags & SA_NODEFER)) this.blocked[word(sig)] |= bit(sig);
      this.blocked[0] &= ~(bit(SIGKILL) | bit(SIGSTOP));
    }
  }

  private onSigStack(sp: number): boolean {
    return sp > this.altSp && sp - this.altSp <= this.altSize;
  }
  private ssFlags(sp: number): number {
    if (this.altSize === 0) return SS_DISABLE;
    return this.onSigStack(sp) ? SS_ONSTACK : 0;
  }

  /** x64_setup_rt_frame with get_sigframe. @return false when the frame cannot be written. */
  private setupRtFrame(info: SigInfo, handler: number, flags: number): boolean {
    const cpu = this.cpu;
    // x86-64 has no kernel-provided return stub: a handler without SA_RESTORER cannot return.
    if (!(flags & SA_RESTORER)) return false;
    const rsp = cpu.getReg(4);
    const nested = this.onSigStack(rsp);
    let sp = rsp - 128; // the red zone
    let entering = false;
    if (flags & SA_ONSTACK && this.ssFlags(sp) === 0) {
      sp = this.altSp + this.altSize;
      entering = true;
    }
    const fpAddr = Math.floor((sp - fpstateSize(cpu.model)) / 64) * 64;
    const frame = Math.floor((fpAddr - FRAME_SIZE) / 16) * 16 - 8;
    if ((nested || entering) && !this.onSigStack(frame)) return false;
    if (fpAddr <= 0 || frame + FRAME_SIZE > TASK_SIZE) return false;
    if (this.mem.copyToUser(fpAddr, saveFpstate(cpu)) !== 0) return false;

    const head = new Uint8Array(FRAME_UC + UC_MCONTEXT + SC_WRITTEN);
    const v = new DataView(head.buffer);
    setU64(v, 0, u64(this.av, 32 * info.signo + 16)); // pretcode = sa_restorer
    // frame_uc_flags
    setU64(v, FRAME_UC, (cpu.model?.xsave ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS);
    // uc_link 0; uc_stack: the alternate stack as seen from the interrupted rsp.
    setU64(v, FRAME_UC + UC_STACK, this.altSp);
    v.setUint32(FRAME_UC + UC_STACK + 8, this.ssFlags(rsp) | (this.altFlags & SS_AUTODISARM), true);
    setU64(v, FRAME_UC + UC_STACK + 16, this.altSize);
    const sc = FRAME_UC + UC_MCONTEXT;
    SC_REGS.forEach((r, i) => setU64(v, sc + 8 * i, cpu.getReg(r)));
    setU64(v, sc + 128, cpu.rip);
    setU64(v, sc + 136, cpu.rflags);
    v.setUint16(sc + 144, USER_CS, true); // cs; gs, fs 0
    v.setUint16(sc + 150, USER_DS, true); // ss
    setU64(v, sc + 152, this.errorCode);
    setU64(v, sc + 160, this.trapNr);
    // The mask to return to: sigsuspend's saved one, if it is waiting.
    const saved = this.savedMask ?? this.blocked;
    this.savedMask = null;
    v.setUint32(sc + 168, saved[0], true); // oldmask
    setU64(v, sc + 176, this.cr2);
    setU64(v, sc + 184, fpAddr);
    if (this.mem.copyToUser(frame, head) !== 0) return false;
    const sigmask = new Uint8Array(saved.slice().buffer);
    if (this.mem.copyToUser(frame + FRAME_UC + UC_SIGMASK, sigmask) !== 0) return false;
    if (flags & SA_SIGINFO && this.mem.copyToUser(frame + FRAME_INFO, siginfoBytes(info)) !== 0) return false;

    cpu.setReg(7, info.signo); // rdi
    cpu.setReg(0, 0); // rax, for handlers declared without a prototype
    cpu.setReg(6, frame + FRAME_INFO); // rsi
    cpu.setReg(2, frame + FRAME_UC); // rdx
    cpu.rip = handler;
    cpu.setReg(4, frame);
    // Handlers start with DF and TF clear (the ABI's direction flag; no single-step)
    // and a fresh FPU (fpu__clear_user_states): the interrupted state is in the frame.
    cpu.rflags = cpu.rflags & ~(0x400 | 0x100);
    this.initFpu();
    return true;
  }

  /** fpu__clear_user_states: the x87 and SSE state (and with XSAVE every component XCR0 enables) as a process starts. */
  private initFpu(): void {
    restoreFpstate(this.cpu, initFpstate());
    if (this.cpu.model?.xsave && this.cpu.state) xstateInit(this.cpu.state, XCR0 & ~XFEATURE_MASK_FPSSE);
  }

  /**
   * rt_sigreturn: the registers, mask, fpstate and alternate stack from the
   * frame at rsp - 8. @return rax as restored, or null when the frame is bad
   * (the caller then forces SIGSEGV, as signal_fault does).
   */
  rtSigreturn(): number | null {
    const cpu = this.cpu;
    const frame = cpu.getReg(4) - 8;
    if (frame < 0 || frame + FRAME_SIZE > TASK_SIZE) return null;
    const uc = new Uint8Array(UCONTEXT_SIZE);
    if (this.mem.copyFromUser(uc, frame + FRAME_UC, UCONTEXT_SIZE) !== 0) return null;
    const v = new DataView(uc.buffer);
    this.blocked[0] = v.getUint32(UC_SIGMASK, true) & ~(bit(SIGKILL) | bit(SIGSTOP));
    this.blocked[1] = v.getUint32(UC_SIGMASK + 4, true);
    const sc = UC_MCONTEXT;
    const fpAddr = u64(v, sc + 184);
    if (fpAddr !== 0) {
      if (cpu.model?.xsave && cpu.state) {
        if (fpAddr % 16 !== 0 || !restoreXstate(cpu, this.mem, fpAddr)) return null;
      } else {
        const fx = new Uint8Array(FPSTATE_SIZE);
        if (fpAddr % 16 !== 0 || this.mem.copyFromUser(fx, fpAddr, FPSTATE_SIZE) !== 0) return null;
        if (!restoreFpstate(cpu, fx)) return null;
      }
    } else this.initFpu(); // no fpstate: the FPU starts afresh, as fpu__clear_user_states
    SC_REGS.forEach((r, i) => cpu.setReg(r, u64(v, sc + 8 * i)));
    cpu.rip = u64(v, sc + 128);
    cpu.rflags = (cpu.rflags & ~FIX_EFLAGS) | (v.getUint32(sc + 136, true) & FIX_EFLAGS);
    // restore_altstack: its errors (EPERM while still on the stack) are ignored.
    const ss = new Uint8Array(uc.subarray(UC_STACK, UC_STACK + 24));
    const sp = cpu.getReg(4);
    if (!this.onSigStack(sp)) {
      const sv = new DataView(ss.buffer);
      const flags = sv.getUint32(8, true), mode = flags & ~SS_AUTODISARM;
      const size = u64(sv, 16);
      if (mode === SS_DISABLE) { this.altSp = this.altSize = 0; this.altFlags = flags; }
      else if ((mode === 0 || mode === SS_ONSTACK) && size >= MINSIGSTKSZ) {
        this.altSp = u64(sv, 0); this.altSize = size; this.altFlags = flags;
      }
    }
    return cpu.getReg(0);
  }
}

/** copy_siginfo_to_user: the 128 bytes, the fields of this si_code's layout filled. */
export function siginfoBytes(info: SigInfo): Uint8Array {
  const b = new Uint8Array(SIGINFO_SIZE);
  const v = new DataView(b.buffer);
  if (info.fields) {
    b.set(info.fields);
    v.setInt32(0, info.signo, true);
    return b;
  }
  v.setInt32(0, info.signo, true);
  v.setInt32(8, info.code, true);
  if (info.signo === SIGCHLD && info.code > 0) { // _sigchld: si_pid, si_uid, si_status
    v.setInt32(16, info.pid ?? 0, true);
    v.setUint32(20, info.uid ?? 0, true);
    v.setInt32(24, info.status ?? 0, true);
  } else if (info.code === SI_TIMER) { // _timer: si_tid, si_overrun, si_value
    v.setInt32(16, info.timerid ?? 0, true);
    v.setInt32(20, info.overrun ?? 0, true);
    setU64(v, 24, info.value ?? 0);
  } else if (info.code > 0 && info.code !== SI_KERNEL) setU64(v, 16, info.addr ?? 0); // _sigfault: si_addr
  else if (info.code <= 0) { // _kill: si_pid, si_uid
    v.setInt32(16, info.pid ?? 0, true);
    v.setUint32(20, info.uid ?? 0, true);
  }
  return b;
}

/** sizeof(struct kernel_siginfo): the preamble and the union's known fields; the rest of siginfo_t (SI_EXPANSION_SIZE) is for codes no layout knows. */
const KERNEL_SIGINFO_SIZE = 48;
const SI_DETHREAD = -7, SI_ASYNCNL = -60, NSIGPOLL = 6;
/** The signals whose positive si_codes are their own (sig_specific_sicodes), with the last one known: SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV, SIGCHLD, SIGPOLL, SIGSYS. */
const SIG_SICODES_LIMIT: Record<number, number> = { 4: 11, 5: 6, 7: 5, 8: 15, 11: 10, 17: 6, 29: 6, 31: 2 };

/** siginfo_layout's answers: which of the union's members a signal of this code fills. */
export type SiginfoLayout = "kill" | "timer" | "poll" | "fault" | "chld" | "rt" | "sys";

/** siginfo_layout: a kernel code of the signal's own is its layout (x86 has no trap numbers), SI_TIMER and SI_SIGIO theirs, another sender's negative code SIL_RT. */
export function siginfo_layout(sig: number, code: number): SiginfoLayout {
  const SI_SIGIO = -5;
  if (code > SI_USER && code < SI_KERNEL) {
    if (sig < 32 && sig in SIG_SICODES_LIMIT && code <= SIG_SICODES_LIMIT[sig]) return sig === 17 ? "chld" : sig === 29 ? "poll" : sig === 31 ? "sys" : "fault";
    return code <= NSIGPOLL ? "poll" : "kill";
  }
  if (code === SI_TIMER) return "timer";
  if (code === SI_SIGIO) return "poll";
  return code < 0 ? "rt" : "kill";
}

/** known_siginfo_layout: copy_siginfo_to_user gives back all a sender's siginfo of such a code holds. */
function known_siginfo_layout(sig: number, code: number): boolean {
  if (code === SI_KERNEL) return true;
  if (code > SI_USER) return code <= (sig < 32 && sig in SIG_SICODES_LIMIT ? SIG_SICODES_LIMIT[sig] : NSIGPOLL);
  return code >= SI_DETHREAD || code === SI_ASYNCNL;
}

/**
 * __copy_siginfo_from_user: a sender's siginfo_t for signal `sig`; for a
 * code of no known layout its bytes past kernel_siginfo must be zero
 * (post_copy_siginfo_from_user). @return it, or -EFAULT, -E2BIG
 */
export function copy_siginfo_from_user(mem: UserMemory, addr: number, sig: number): SigInfo | number {
  const fields = new Uint8Array(KERNEL_SIGINFO_SIZE);
  if (mem.copyFromUser(fields, addr, fields.length) !== 0) return -EFAULT;
  const v = new DataView(fields.buffer);
  const code = v.getInt32(8, true);
  if (!known_siginfo_layout(sig, code)) {
    const rest = new Uint8Array(SIGINFO_SIZE - KERNEL_SIGINFO_SIZE);
    if (mem.copyFromUser(rest, addr + KERNEL_SIGINFO_SIZE, rest.length) !== 0) return -EFAULT;
    if (rest.some((x) => x !== 0)) return -E2BIG;
  }
  return { signo: sig, code, pid: v.getInt32(16, true), uid: v.getUint32(20, true), fields };
}

function u64(v: DataView, off: number): number {
  return v.getInt32(off + 4, true) * 0x1_0000_0000 + v.getUint32(off, true);
}
function setU64(v: DataView, off: number, x: number): void {
  v.setUint32(off, x % 0x1_0000_0000 >>> 0, true);
  v.setUint32(off + 4, Math.floor(x / 0x1_0000_0000) >>> 0, true);
}
