// How a guest ends when a signal kills it: the exit status a shell reports
// (128 + signo), what faultline prints on stderr, and strace's lines.
//
// stderr gets two lines, e.g. for a store through a null pointer:
//   faultline: SIGSEGV (SEGV_MAPERR) at address 0x0, rip 0x401005
//   Segmentation fault
// The first is faultline's (the siginfo a handler would see, and where the
// program was); the second is what bash prints for a job killed by that
// signal (strsignal's text; no "(core dumped)": faultline writes no core).
//
// Wiring: a #PF the kernel cannot fix returns `signo << 16 | si_code` from
// handle_page_fault: faultSignal(packed, cr2, rip). A CPU trap (Cpu stop
// GP, UD, DE, BP): trapSignal("UD", rip). The OOM killer: oomKill(rip).
// Then signalEnding(signal) gives the status, the stderr text and, with
// --trace syscalls, the strace lines.

import { signalName } from "./trace.js";

export const SIGILL = 4;
export const SIGTRAP = 5;
export const SIGBUS = 7;
export const SIGFPE = 8;
export const SIGKILL = 9;
export const SIGSEGV = 11;
export const SIGCHLD = 17;
export const SIGXCPU = 24;

/** si_code values (include/uapi/asm-generic/siginfo.h). */
export const SI_KERNEL = 0x80;
/** si_code of a POSIX timer's signal. */
export const SI_TIMER = -2;
export const SEGV_MAPERR = 1;
export const SEGV_ACCERR = 2;
export const SEGV_PKUERR = 4;
export const BUS_ADRERR = 2;
export const ILL_ILLOPN = 2;
export const FPE_INTDIV = 1;
export const FPE_FLTDIV = 3, FPE_FLTOVF = 4, FPE_FLTUND = 5, FPE_FLTRES = 6, FPE_FLTINV = 7;

export interface FatalSignal {
  signo: number;
  code: number;
  /** si_addr: the faulting address (#PF), the instruction (SIGILL, SIGFPE), else 0. */
  addr: number;
  /** si_pid of a signal sent by kill() or tgkill() (si_code <= 0). */
  pid?: number;
  /** Where the program was. */
  rip: number;
  /** SIGILL: the bytes of the instruction the CPU refused. */
  insn?: Uint8Array;
}

export interface Ending {
  /** The exit status a shell reports: 128 + signo. */
  status: number;
  /** The text for stderr, newline-terminated lines. */
  stderr: string;
  /** strace's lines for the death (without newlines). */
  trace: string[];
}

/** strsignal()'s descriptions, which bash prints for a killed job. */
const DESCRIPTIONS: Record<number, string> = {
  1: "Hangup",
  2: "Interrupt",
  3: "Quit",
  6: "Aborted",
  10: "User defined signal 1",
  12: "User defined signal 2",
  13: "Broken pipe",
  14: "Alarm clock",
  15: "Terminated",
  [SIGILL]: "Illegal instruction",
  [SIGTRAP]: "Trace/breakpoint trap",
  [SIGBUS]: "Bus error",
  [SIGFPE]: "Floating point exception",
  [SIGKILL]: "Killed",
  [SIGSEGV]: "Segmentation fault",
  [SIGXCPU]: "CPU time limit exceeded",
};

const CODE_NAMES: Record<number, Record<number, string>> = {
  [SIGSEGV]: { [SEGV_MAPERR]: "SEGV_MAPERR", [SEGV_ACCERR]: "SEGV_ACCERR", 3: "SEGV_BNDERR", [SEGV_PKUERR]: "SEGV_PKUERR" },
  [SIGBUS]: { 1: "BUS_ADRALN", [BUS_ADRERR]: "BUS_ADRERR", 3: "BUS_OBJERR" },
  [SIGILL]: { 1: "ILL_ILLOPC", [ILL_ILLOPN]: "ILL_ILLOPN", 3: "ILL_ILLADR", 4: "ILL_ILLTRP" },
  [SIGFPE]: {
    [FPE_INTDIV]: "FPE_INTDIV", 2: "FPE_INTOVF", [FPE_FLTDIV]: "FPE_FLTDIV", [FPE_FLTOVF]: "FPE_FLTOVF",
    [FPE_FLTUND]: "FPE_FLTUND", [FPE_FLTRES]: "FPE_FLTRES", [FPE_FLTINV]: "FPE_FLTINV", 8: "FPE_FLTSUB",
  },
  [SIGTRAP]: { 1: "TRAP_BRKPT", 2: "TRAP_TRACE" },
  [SIGCHLD]: { 1: "CLD_EXITED", 2: "CLD_KILLED", 3: "CLD_DUMPED", 4: "CLD_TRAPPED", 5: "CLD_STOPPED", 6: "CLD_CONTINUED" },
};

export function siCodeName(signo: number, code: number): string {
  if (code === SI_KERNEL) return "SI_KERNEL";
  if (code === 0) return "SI_USER";
  if (code === -6) return "SI_TKILL";
  if (code === SI_TIMER) return "SI_TIMER";
  return CODE_NAMES[signo]?.[code] ?? String(code);
}

/** An address as the kernel prints it: unsigned (the CPU hands over the kernel half as negative numbers). */
const hex = (v: number) => "0x" + (v < 0 ? BigInt.asUintN(64, BigInt(v)) : v).toString(16);

/** A #PF the kernel refused: handle_page_fault's `signo << 16 | si_code`, si_addr = cr2. */
export function faultSignal(packed: number, cr2: number, rip: number): FatalSignal {
  return { signo: packed >>> 16, code: packed & 0xffff, addr: cr2, rip };
}

/**
 * fpu__exception_code (arch/x86/kernel/fpu/core.c): the si_code of a #MF
 * (the x87 flags not masked by the control word) or #XM (MXCSR's flags not
 * masked by its mask bits), the first of invalid, divide-by-zero, overflow,
 * denormal or underflow, precision; 0 for a spurious one.
 */
export function fpu__exception_code(trap: "MF" | "XM", cwd: number, swd: number, mxcsr: number): number {
  const err = trap === "MF" ? swd & ~cwd : ~(mxcsr >> 7) & mxcsr;
  if (err & 0x001) return FPE_FLTINV;
  if (err & 0x004) return FPE_FLTDIV;
  if (err & 0x008) return FPE_FLTOVF;
  if (err & 0x012) return FPE_FLTUND;
  if (err & 0x020) return FPE_FLTRES;
  return 0;
}

/**
 * A CPU exception in user mode, as arch/x86/kernel/traps.c signals it:
 * #UD SIGILL/ILL_ILLOPN and #DE SIGFPE/FPE_INTDIV at the instruction;
 * #MF and #XM (math_error) SIGFPE with fpu__exception_code's si_code
 * (`fpeCode`) at the instruction; #GP (a non-canonical address, a
 * privileged instruction) SIGSEGV and int3 SIGTRAP, both forced with
 * SI_KERNEL and no address.
 */
export function trapSignal(trap: "UD" | "DE" | "GP" | "BP" | "MF" | "XM", rip: number, fpeCode = 0): FatalSignal {
  switch (trap) {
    case "MF":
    case "XM":
      return { signo: SIGFPE, code: fpeCode, addr: rip, rip };
    case "UD":
      return { signo: SIGILL, code: ILL_ILLOPN, addr: rip, rip };
    case "DE":
      return { signo: SIGFPE, code: FPE_INTDIV, addr: rip, rip };
    case "GP":
      return { signo: SIGSEGV, code: SI_KERNEL, addr: 0, rip };
    case "BP":
      return { signo: SIGTRAP, code: SI_KERNEL, addr: 0, rip };
  }
}

/** The OOM killer's SIGKILL (sent with SEND_SIG_PRIV: SI_KERNEL). */
export function oomKill(rip: number): FatalSignal {
  return { signo: SIGKILL, code: SI_KERNEL, addr: 0, rip };
}

/**
 * The instruction budget (--max-insns) ran out: the guest is stopped the way
 * RLIMIT_CPU stops a process on Linux, with SIGXCPU (SI_KERNEL).
 */
export function budgetExceeded(rip: number): FatalSignal {
  return { signo: SIGXCPU, code: SI_KERNEL, addr: 0, rip };
}

/** The siginfo fields strace names: what a kill sent, a child's end, a timer's, a fault's address (none for the kernel's other signals). */
export interface SiginfoShown { signo: number; code: number; addr?: number; pid?: number; status?: number; timerid?: number; overrun?: number; value?: number }

/** A siginfo as strace prints it: {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} */
export function siginfoText(s: SiginfoShown): string {
  const name = signalName(s.signo);
  const value = s.value ?? 0;
  const rest = s.signo === SIGCHLD && s.code > 0
    // The child's CPU times: faultline counts none for a process (getrusage and wait4 give instructions as user time).
    ? `si_pid=${s.pid ?? 0}, si_uid=0, si_status=${s.code === 1 ? s.status ?? 0 : signalName(s.status ?? 0)}, si_utime=0, si_stime=0`
    : s.code === SI_TIMER ? `si_timerid=${s.timerid ? hex(s.timerid) : 0}, si_overrun=${s.overrun ?? 0}, si_int=${value | 0}, si_ptr=${value ? hex(value) : "NULL"}`
    : s.code <= 0 ? `si_pid=${s.pid ?? 0}, si_uid=0`
    : FAULTS.includes(s.signo) ? `si_addr=${!s.addr ? "NULL" : hex(s.addr)}` : null;
  return `{si_signo=${name}, si_code=${siCodeName(s.signo, s.code)}${rest === null ? "" : `, ${rest}`}}`;
}

/** The signals whose siginfo carries an address. */
const FAULTS = [SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV];

/** strace's line for a signal arriving: --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} --- */
export function arrivalLine(s: SiginfoShown): string {
  return `--- ${signalName(s.signo)} ${siginfoText(s)} ---`;
}

/** strace's line for a process a signal killed (faultline writes no core: RLIMIT_CORE starts at 0, so Linux writes none either). */
export function killedLine(signo: number): string {
  return `+++ killed by ${signalName(signo)} +++`;
}

export function signalEnding(s: FatalSignal): Ending {
  const name = signalName(s.signo);
  const code = siCodeName(s.signo, s.code);
  const sent = s.code <= 0;
  const first =
    s.signo === SIGKILL && !sent
      ? `faultline: SIGKILL: out of memory (the OOM killer chose this process), rip ${hex(s.rip)}`
      : sent
        ? `faultline: ${name} (${code}) sent by pid ${s.pid ?? 0}, rip ${hex(s.rip)}`
        : `faultline: ${name} (${code}) at address ${hex(s.addr)}, rip ${hex(s.rip)}` +
          (s.insn ? `: instruction bytes ${Array.from(s.insn, (b) => b.toString(16).padStart(2, "0")).join(" ")}` : "");
  const trace = [killedLine(s.signo)];
  // strace sees every signal but SIGKILL arrive.
  if (s.signo !== SIGKILL) trace.unshift(arrivalLine(s));
  return {
    status: 128 + s.signo,
    stderr: `${first}\n${DESCRIPTIONS[s.signo] ?? name}\n`,
    trace,
  };
}
