// faultline's x86-64 CPU: a user-mode interpreter over a software MMU.
//
// Constructing one (RAM is the kernel's WebAssembly.Memory; walk is its mmu_walk):
//
//   const mmu = new Mmu(memory, (va, access) => kernel.mmu_walk(va, access));
//   const cpu = new Cpu(mmu);
//   cpu.rip = entry; cpu.rsp = stackTop;          // plus cpu.setReg(RDI, …) etc.
//   for (;;) {
//     const stop = cpu.run(budget);                 // a STOP_* code
//     if (stop === STOP_SYSCALL) { … cpu.getReg(RAX), RDI, RSI, RDX, R10, R8, R9 …; cpu.setReg(RAX, result); }
//     else if (stop === STOP_PAGE_FAULT) { kernel.handle_page_fault(cpu.cr2, cpu.errorCode) … } // then run again
//     else …                                        // GP, UD, DE, BP: deliver the signal; BUDGET: out of time
//   }
//
// run(budget) returns:
//   STOP_SYSCALL     the syscall instruction retired (rcx = next rip, r11 = rflags); rip is after it
//   STOP_PAGE_FAULT  cr2 and errorCode (x86 #PF bits P W U RSVD I; U always set, I on a fetch);
//                    the instruction changed nothing and runs again from rip once the fault is fixed
//   STOP_GP          non-canonical address, hlt, a jump to a non-canonical target (rip at the instruction)
//   STOP_UD          an instruction outside the subset, ud2 (rip at the instruction)
//   STOP_DE          division by zero or a quotient too large (rip at the instruction)
//   STOP_BP          int3 (rip after it, as Linux reports SIGTRAP)
//   STOP_MF          an unmasked x87 exception pending at a waiting x87 instruction (rip at that instruction)
//   STOP_XM          an unmasked SSE floating-point exception (rip at the instruction, its destination unchanged)
//   STOP_BUDGET      `budget` instructions retired (cpu.lastRetired says how many ran in this call)
//
// Instructions: one descriptor each (insn.ts says how to write one), in a file per family
// (alu, bits, muldiv, move, branch, string, system; families.ts lists them), shared by the
// decoder (decode.ts), the Ops (exec.ts) and the block translator (jit.ts).
//
// Speed: a block that has run cpu.jitThreshold times (default 40) is translated into one
// JavaScript function (jit.ts); Infinity keeps every block on its per-instruction closures.
// A block ending in a jump to its own start loops inside its function. Flags that the code
// overwrites before reading (within a block, and after it when its successors lie in its
// page) are not computed; at a fault they are exact, but after a BUDGET stop RFLAGS may
// still hold such a dead flag's older value.
//
// Registers: getReg(r) (signed number), getRegU(r), setReg(r, v) for r = RAX..R15 (state.ts);
// rip, rsp, fsBase, gsBase, rflags as properties; cpu.state.L / cpu.state.H are the raw halves.
//
// The Mmu: flushPage(va) and flushAll() are the kernel's flush_tlb_page and flush_tlb_mm (they
// drop translations and decoded instructions); copyFromUser/copyToUser are
// the syscall layer's user-memory accessors (kernel-mode accesses, no U bit; a fault returns
// -1, with mmu.fault holding the address and error code, for the kernel to fix or EFAULT).

export {
  Cpu, STOP_BP, STOP_BUDGET, STOP_DE, STOP_GP, STOP_MF, STOP_NAMES, STOP_PAGE_FAULT, STOP_SYSCALL, STOP_UD, STOP_XM,
} from "./cpu.js";
export { Mmu, PF_INSTR, PF_PROT, PF_RSVD, PF_USER, PF_WRITE, TLB_W, TLB_X, WALK_FAULT_BELOW, type WalkFn } from "./mmu.js";
export { decode, type Insn, type Operand } from "./decode.js";
export * from "./state.js";
export { CPU_MODELS, type CpuModel, type CpuModelName, cpuModel, DEFAULT_CPU, hwcap, X86_64_V2, X86_64_V3 } from "./model.js";
