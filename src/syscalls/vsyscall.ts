// The vsyscall page (arch/x86/entry/vsyscall/vsyscall_64.c) in Linux's
// default mode, vsyscall=xonly: the fixed page at 0xffffffffff600000 that
// programs linked before the vDSO existed call for gettimeofday, time and
// getcpu. Nothing is mapped there: an instruction fetch from one of its
// three entry points faults, and the #PF handler makes the call and a `ret`
// for the program (emulate_vsyscall). Any other access to the page faults as
// any unmapped address does. /proc/<pid>/maps and smaps show it last, as the
// gate VMA, `--xp`.
import { X86_PF_INSTR, X86_PF_USER, X86_PF_WRITE } from "../abi.js";
import { TASK_SIZE } from "../loader/elf.js";
import type { Task } from "../task/task.js";
import { SEGV_MAPERR, SIGBUS, SIGSEGV, SI_KERNEL } from "./endings.js";
import { EFAULT } from "./errno.js";
import type { UserMemory } from "./index.js";

/** 0xffffffffff600000: the CPU hands over the kernel half as negative numbers. */
export const VSYSCALL_ADDR = -0xa0_0000;

const RAX = 0, RDX = 2, RSP = 4, RSI = 6, RDI = 7;
const SYS_gettimeofday = 96, SYS_time = 201, SYS_getcpu = 309;

/** The registers emulate_vsyscall reads and writes: the CPU's. */
export interface VsyscallRegs {
  getReg(r: number): number;
  setReg(r: number, v: number): void;
  rip: number;
}

/** The address is in the vsyscall page. */
export function is_vsyscall_vaddr(address: number): boolean {
  return address >= VSYSCALL_ADDR && address < VSYSCALL_ADDR + 4096;
}

/** The entry point at `address`: 0 gettimeofday, 1 time, 2 getcpu; -1 for any other address in the page. */
function addr_to_vsyscall_nr(address: number): number {
  const offset = address - VSYSCALL_ADDR;
  return offset & 0x3ff || offset >= 3 << 10 ? -1 : offset >> 10;
}

/**
 * A #PF in the vsyscall page (do_user_addr_fault asks before it looks for a
 * VMA). @return false when it is not a vsyscall (a read or write of the
 * page: the fault goes on, and finds no VMA); true when it was handled: the
 * call made and returned from, or a SIGSEGV forced.
 */
export function emulate_vsyscall(t: Task, regs: VsyscallRegs, mem: UserMemory, errorCode: number, address: number): boolean {
  // Write faults and kernel accesses are not vsyscalls; nor is a read of the page ("vsyscall read attempt denied").
  if ((errorCode & (X86_PF_WRITE | X86_PF_USER)) !== X86_PF_USER || !(errorCode & X86_PF_INSTR)) return false;
  const nr = addr_to_vsyscall_nr(address);
  const caller = new Uint8Array(8);
  // A misaligned vsyscall, or one whose return address cannot be read: SIGSEGV.
  if (nr < 0 || mem.copyFromUser(caller, regs.getReg(RSP), 8) !== 0) return sigsegv(t);
  const arg = (r: number) => regs.getReg(r);
  let ret: number;
  if (nr === 0) {
    ret = write_ok_or_segv(t, arg(RDI), 16) && write_ok_or_segv(t, arg(RSI), 8) ? t.sys.emulated(SYS_gettimeofday, [arg(RDI), arg(RSI)]) : -EFAULT;
  } else if (nr === 1) {
    ret = write_ok_or_segv(t, arg(RDI), 8) ? t.sys.emulated(SYS_time, [arg(RDI)]) : -EFAULT;
  } else {
    ret = write_ok_or_segv(t, arg(RDI), 4) && write_ok_or_segv(t, arg(RSI), 4) ? t.sys.emulated(SYS_getcpu, [arg(RDI), arg(RSI), arg(RDX)]) : -EFAULT;
  }
  if (ret === -EFAULT) {
    // A bad pointer: write_ok_or_segv's SIGSEGV, or for one the call itself could not write, SIGSEGV now. No ret is emulated.
    const pending = new Uint32Array(2);
    pending[0] = (1 << (SIGSEGV - 1)) | (1 << (SIGBUS - 1));
    return t.signals.pendingIn(pending) || sigsegv(t);
  }
  // The call's result, and a `ret` to its caller.
  regs.setReg(RAX, ret);
  const v = new DataView(caller.buffer);
  regs.rip = v.getInt32(4, true) * 0x1_0000_0000 + v.getUint32(0, true);
  regs.setReg(RSP, regs.getReg(RSP) + 8);
  return true;
}

/** force_sig(SIGSEGV): si_code SI_KERNEL, no address. */
function sigsegv(t: Task): true {
  t.signals.force({ signo: SIGSEGV, code: SI_KERNEL, addr: 0 });
  return true;
}

/** A pointer the call may write: below TASK_SIZE, or a SIGSEGV at it as a user write fault would give. */
function write_ok_or_segv(t: Task, ptr: number, size: number): boolean {
  if (ptr >= 0 && ptr + size <= TASK_SIZE) return true;
  const s = t.signals;
  s.force({ signo: SIGSEGV, code: SEGV_MAPERR, addr: ptr });
  s.trapNr = 14;
  s.errorCode = X86_PF_USER | X86_PF_WRITE;
  s.cr2 = ptr;
  return false;
}
