// arch/x86/mm/fault.c: the #PF handler for user addresses (seed item 1).
//
// The host's CPU raises #PF with CR2 and the error code and calls
// handle_page_fault; the answer is 0 (fixed: restart the instruction) or
// the signal Linux would send, as signo << 16 | si_code. A kernel-mode
// access (U clear: the syscall layer's copy_from_user/copy_to_user) that
// cannot be fixed answers the same way, and the syscall layer turns it
// into -EFAULT as Linux's exception-table fixup does.

import { mm_struct, vm_area_struct, VM_READ, VM_WRITE, VM_EXEC, VM_GROWSDOWN } from "../../../mm/mm_types";
import { find_vma } from "../../../mm/vma";
import { expand_stack, current_mm } from "../../../mm/mmap";
import {
  handle_mm_fault, FAULT_FLAG_DEFAULT, FAULT_FLAG_USER, FAULT_FLAG_WRITE, FAULT_FLAG_INSTRUCTION,
  FAULT_FLAG_ALLOW_RETRY, FAULT_FLAG_TRIED, VM_FAULT_RETRY, VM_FAULT_ERROR, VM_FAULT_OOM,
  VM_FAULT_SIGBUS, VM_FAULT_HWPOISON, VM_FAULT_HWPOISON_LARGE, VM_FAULT_SIGSEGV,
} from "../../../mm/memory";
import { pagefault_out_of_memory, fatal_signal_pending, printk_comm, oom_reap_deferred } from "../../../mm/oom_kill";
import { mmu_walk_inspect, walk_mailbox_ptr } from "../mmu";
import { X86_PF_PROT, X86_PF_WRITE, X86_PF_USER, X86_PF_RSVD, X86_PF_INSTR, X86_PF_PK } from "../../../mm/pgtable";
import { printk, printk_u64, printk_hex_width, panic } from "../../../kernel/panic";
import {
  trace_enter, trace_exit, FN_do_user_addr_fault, FN_find_vma, FN_expand_stack, FN_access_error,
  FN_bad_area, FN_do_sigbus, FN_pgtable_bad,
} from "../../../kernel/trace";

// include/uapi/asm-generic/signal.h, siginfo.h
@inline export const SIGBUS: u32 = 7;
@inline export const SIGKILL: u32 = 9;
@inline export const SIGSEGV: u32 = 11;
@inline export const SEGV_MAPERR: u32 = 1;
@inline export const SEGV_ACCERR: u32 = 2;
@inline export const SEGV_PKUERR: u32 = 4;
@inline export const BUS_ADRERR: u32 = 2;
@inline export const SI_KERNEL: u32 = 0x80;

/** The signal this fault sends (force_sig_fault), as signo << 16 | si_code. */
let fault_signal: u32 = 0;

@inline function force_sig_fault(sig: u32, code: u32): void { fault_signal = sig << 16 | code; }

@inline function user_mode(error_code: u32): bool { return (error_code & X86_PF_USER) != 0; }

/** The oops header (show_fault_oops + __die): what the kernel did wrong. */
function show_fault_oops(error_code: u32, address: u64, die: string): void {
  printk("BUG: unable to handle page fault for address: ");
  printk_hex_width(address, 16);
  printk("\n#PF: ");
  printk(error_code & X86_PF_USER ? "user" : "supervisor");
  printk(error_code & X86_PF_INSTR ? " instruction fetch" : error_code & X86_PF_WRITE ? " write access" : " read access");
  printk(user_mode(error_code) ? " in user mode\n" : " in kernel mode\n");
  printk("#PF: error_code(0x");
  printk_hex_width(error_code, 4);
  printk(!(error_code & X86_PF_PROT) ? ") - not-present page\n"
    : error_code & X86_PF_RSVD ? ") - reserved bit violation\n"
    : error_code & X86_PF_PK ? ") - protection keys violation\n" : ") - permissions violation\n");
  dump_pagetable(address);
  printk(die);
  printk(": ");
  printk_hex_width(error_code & 0xffff, 4);
  printk(" [#");
  printk_u64(++die_counter);
  printk("]\n");
}

let die_counter: u32 = 0;

/** "PGD … P4D … PUD … PMD … PTE …": the entries the walk reads for address. */
function dump_pagetable(address: u64): void {
  mmu_walk_inspect(<f64>address, 0);
  const box = walk_mailbox_ptr();
  const levels = load<u32>(box);
  for (let i: u32 = 0; i < levels; i++) {
    printk(i == 0 ? "PGD " : i == 1 ? "PUD " : i == 2 ? "PMD " : "PTE ");
    printk_hex_width(load<u64>(box + 8 + i * 16), 1);
    if (i == 0) {
      printk(" P4D ");  // folded: the pgd entry again
      printk_hex_width(load<u64>(box + 8), 1);
    }
    printk(i + 1 < levels ? " " : "\n");
  }
}

/**
 * The kernel itself did something no fixup covers: print the oops and
 * kill the task (oops_end -> make_task_dead(SIGKILL)); the kernel goes on.
 */
function page_fault_oops(error_code: u32, address: u64): void {
  show_fault_oops(error_code, address, "Oops");
  force_sig_fault(SIGKILL, SI_KERNEL);
}

/** A kernel access to user memory failed: the uaccess fixup makes it -EFAULT. */
function kernelmode_fixup_or_oops(sig: u32, code: u32): void {
  force_sig_fault(sig, code);
}

/** Reserved bits in a user page table: the tables are corrupt. */
function pgtable_bad(error_code: u32, address: u64): void {
  trace_enter(FN_pgtable_bad, <u32>address);
  const mm = current_mm();
  if (mm !== null) printk_comm(mm);
  printk(": Corrupted page table at address ");
  printk_hex_width(address, 1);
  printk("\n");
  show_fault_oops(error_code, address, "Bad pagetable");
  force_sig_fault(SIGKILL, SI_KERNEL);
  trace_exit(FN_pgtable_bad);
}

function __bad_area_nosemaphore(error_code: u32, si_code: u32): void {
  if (!user_mode(error_code)) kernelmode_fixup_or_oops(SIGSEGV, si_code);
  else force_sig_fault(SIGSEGV, si_code);
}

function bad_area(error_code: u32, si_code: u32): void {
  trace_enter(FN_bad_area, si_code);
  __bad_area_nosemaphore(error_code, si_code);
  trace_exit(FN_bad_area);
}

function bad_area_access_error(error_code: u32): void {
  bad_area(error_code, error_code & X86_PF_PK ? SEGV_PKUERR : SEGV_ACCERR);
}

function do_sigbus(error_code: u32): void {
  trace_enter(FN_do_sigbus);
  if (!user_mode(error_code)) kernelmode_fixup_or_oops(SIGBUS, BUS_ADRERR);
  else force_sig_fault(SIGBUS, BUS_ADRERR);
  trace_exit(FN_do_sigbus);
}

/** Whether the VMA forbids this access. @return true to refuse it. */
function access_error(error_code: u32, vma: vm_area_struct): bool {
  trace_enter(FN_access_error, error_code);
  let refuse: bool;
  if (error_code & X86_PF_PK) refuse = true;
  else if (error_code & X86_PF_WRITE) refuse = !(vma.vm_flags & VM_WRITE);
  else if (error_code & X86_PF_PROT) refuse = true;  // read, present: NX or a permission
  else refuse = !(vma.vm_flags & (VM_READ | VM_WRITE | VM_EXEC));  // read, not present
  trace_exit(FN_access_error, <u32>refuse);
  return refuse;
}

/**
 * The VMA covering `address`, a stack VMA grown down to it if need be
 * (lock_mm_and_find_vma, Linux 6.5+, without the lock). @return null when
 * none covers it or the stack may not grow there.
 */
function lock_mm_and_find_vma(mm: mm_struct, address: u64): vm_area_struct | null {
  trace_enter(FN_find_vma, <u32>address);
  const vma = find_vma(mm, address);
  trace_exit(FN_find_vma);
  if (vma === null || vma.vm_start <= address) return vma;
  if (!(vma.vm_flags & VM_GROWSDOWN)) return null;
  trace_enter(FN_expand_stack, <u32>address);
  const err = expand_stack(vma, address);
  trace_exit(FN_expand_stack, <u32>err);
  return err ? null : vma;
}

/**
 * Handles a fault in the user portion of the address space, in the
 * order Linux does (seed item 1). Locks, kprobes, SMAP and perf events
 * have no counterpart here; the host emulates vsyscalls before it calls.
 */
function do_user_addr_fault(error_code: u32, address: u64): void {
  trace_enter(FN_do_user_addr_fault, <u32>address);
  const mm = current_mm();
  let fault: u32 = 0;

  if ((error_code & (X86_PF_USER | X86_PF_INSTR)) == X86_PF_INSTR) {
    // Kernel mode code trying to execute from user memory.
    page_fault_oops(error_code, address);
  } else if (error_code & X86_PF_RSVD) {
    // Reserved bits are never expected to be set in user page tables.
    pgtable_bad(error_code, address);
  } else if (mm === null) {
    __bad_area_nosemaphore(error_code, SEGV_MAPERR);
  } else {
    let flags = FAULT_FLAG_DEFAULT;
    if (user_mode(error_code)) flags |= FAULT_FLAG_USER;
    if (error_code & X86_PF_WRITE) flags |= FAULT_FLAG_WRITE;
    if (error_code & X86_PF_INSTR) flags |= FAULT_FLAG_INSTRUCTION;
    while (true) {  // retry:
      const vma = lock_mm_and_find_vma(mm, address);
      if (vma === null) {
        bad_area(error_code, SEGV_MAPERR);
        break;
      }
      // good_area:
      if (access_error(error_code, vma)) {
        bad_area_access_error(error_code);
        break;
      }
      const ret = handle_mm_fault(vma, address, flags);
      if ((ret & VM_FAULT_RETRY) && (flags & FAULT_FLAG_ALLOW_RETRY)) {
        flags |= FAULT_FLAG_TRIED;
        continue;
      }
      fault = ret;
      break;
    }
  }

  if (fault & VM_FAULT_ERROR) {
    if (fault & VM_FAULT_OOM) {
      if (!user_mode(error_code)) kernelmode_fixup_or_oops(SIGSEGV, SEGV_MAPERR);
      // Out of memory: call the OOM killer; the task retries or dies.
      else pagefault_out_of_memory();
    } else if (fault & (VM_FAULT_SIGBUS | VM_FAULT_HWPOISON | VM_FAULT_HWPOISON_LARGE)) {
      do_sigbus(error_code);
    } else if (fault & VM_FAULT_SIGSEGV) {
      __bad_area_nosemaphore(error_code, SEGV_MAPERR);
    } else {
      panic("do_user_addr_fault: unexpected fault code");
    }
  }
  trace_exit(FN_do_user_addr_fault, fault);
}

/**
 * The #PF entry (exc_page_fault) for a user address: CR2 and the error
 * code from the CPU. @return 0 to restart the instruction, or the signal
 * the task gets as signo << 16 | si_code (SIGKILL when the OOM killer
 * chose it).
 */
export function handle_page_fault(cr2: f64, error_code: u32): u32 {
  fault_signal = 0;
  do_user_addr_fault(error_code, <u64>cr2);
  const mm = current_mm();
  if (!fault_signal && mm !== null && fatal_signal_pending(mm)) force_sig_fault(SIGKILL, SI_KERNEL);
  oom_reap_deferred();
  return fault_signal;
}
