// The ELF loader: execve for one static x86-64 program into a fresh mm.
//
// Wiring (the lead's machine.ts):
//   const mm = k.mm_create(); k.mm_switch(mm);
//   const image = exec(
//     { kernel: k /* the Wasm exports below */, ram, copyToUser },
//     elfBytes, { argv, envp, execfn, random /* 16 seeded bytes */ });
//   cpu.rip = image.entry; cpu.rsp = image.rsp; (every other register 0)
// On an Error the mm is half built: mm_exit it. Messages start with
// "exec format error:" for a file faultline refuses (ENOEXEC), "argument
// list too long:" (E2BIG), or "exec failed:" when the kernel refused a
// mapping (e.g. ENOMEM).
//
// File contents are copied once, at load, into the page cache of an inode
// (file_create/file_page), the way a real exec finds the file's pages in
// the page cache; the PT_LOAD segments are MAP_PRIVATE mappings of that
// inode, so a page reaches the program's page tables only when it first
// faults (filemap fault on a read or fetch, a private copy on a write),
// which is exactly the path faultline exists to show.

import { MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, parseElf, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, STACK_TOP, type LoadPlan } from "./elf.js";
import { auxvValues, buildInitialStack, type InitialStack } from "./stack.js";
import { withCode, errnoName } from "../errors.js";

export * from "./elf.js";
export * from "./stack.js";


/** The kernel exports exec needs (docs/abi.md); numbers only. */
export interface ExecKernel {
  file_create(size: number): number;
  file_page(file: number, index: number): number;
  file_put(file: number): void;
  vm_mmap(addr: number, len: number, prot: number, flags: number, file: number, pgoff: number): number;
  mm_set_brk(start: number): void;
  mm_set_code(startCode: number, endCode: number, startData: number, endData: number): void;
  mm_set_args(startStack: number, argStart: number, argEnd: number, envStart: number, envEnd: number): void;
  mm_set_stack(start: number, end: number, prot: number): number;
}

export interface ExecEnv {
  kernel: ExecKernel;
  /** The machine's RAM (the kernel's linear memory). */
  ram: Uint8Array;
  /** copy_to_user into the current mm; false on a fault it cannot resolve (EFAULT). */
  copyToUser(addr: number, bytes: Uint8Array): boolean;
}

export interface ExecOptions {
  argv: string[];
  envp: string[];
  /** The path as given to execve (AT_EXECFN); usually argv[0]. */
  execfn: string;
  /** AT_RANDOM's 16 bytes, from the machine's seeded generator. */
  random: Uint8Array;
}

export interface ExecImage {
  plan: LoadPlan;
  stack: InitialStack;
  /** Initial rip and rsp. */
  entry: number;
  rsp: number;
  brk: number;
}

function failed(what: string, errno: number): Error {
  return withCode(new Error(`exec failed: ${what} (errno ${-errno})`), errnoName(-errno));
}

/**
 * The mm's layout fields as load_elf_binary sets them: start_code/end_code
 * span the executable segments' file contents, start_data is the highest
 * segment start and end_data the highest end of file contents; the argument
 * and environment strings lie back to back from arg_start, and start_stack
 * is where argc sits. /proc/self/maps names [stack] and [heap] from these.
 */
function setLayout(kernel: ExecKernel, plan: LoadPlan, stack: InitialStack): void {
  let startCode = Infinity, endCode = 0, startData = 0, endData = 0;
  for (const s of plan.segments) {
    if (s.prot & PROT_EXEC) startCode = Math.min(startCode, s.vaddr);
    startData = Math.max(startData, s.vaddr);
    if (s.prot & PROT_EXEC) endCode = Math.max(endCode, s.vaddr + s.filesz);
    endData = Math.max(endData, s.vaddr + s.filesz);
  }
  kernel.mm_set_code(startCode === Infinity ? 0 : startCode, endCode, startData, endData);
  kernel.mm_set_args(stack.rsp, stack.argStart, stack.argEnd, stack.argEnd, stack.envEnd);
}

/** Load `file` into the current mm and build its stack. @raise Error as described above. */
export function exec(env: ExecEnv, file: Uint8Array, options: ExecOptions): ExecImage {
  const plan = parseElf(file);
  const stack = buildInitialStack({
    stackTop: STACK_TOP,
    argv: options.argv,
    envp: options.envp,
    execfn: options.execfn,
    auxv: auxvValues(plan),
    random: options.random,
    platform: "x86_64",
  });
  const { kernel } = env;

  const inode = kernel.file_create(file.length);
  if (inode === 0) throw failed("no memory for the file's page cache", -12);
  try {
    for (let index = 0; index * PAGE_SIZE < file.length; index++)
      env.ram.set(file.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE), kernel.file_page(inode, index));

    for (const s of plan.segments) {
      if (s.mapEnd > s.mapStart) {
        const r = kernel.vm_mmap(s.mapStart, s.mapEnd - s.mapStart, s.prot, MAP_PRIVATE | MAP_FIXED, inode, s.mapOffset / PAGE_SIZE);
        if (r < 0) throw failed(`mapping the segment at 0x${s.vaddr.toString(16)}`, r);
      }
      // padzero; Linux ignores a failure when the segment is not writable.
      const zeroed = env.copyToUser(s.zeroStart, new Uint8Array(s.zeroEnd - s.zeroStart));
      if (!zeroed && s.prot & PROT_WRITE) throw failed(`clearing the bss at 0x${s.zeroStart.toString(16)}`, -14);
      if (s.bssEnd > s.bssStart) {
        const prot = PROT_READ | PROT_WRITE | (s.prot & PROT_EXEC);
        const r = kernel.vm_mmap(s.bssStart, s.bssEnd - s.bssStart, prot, MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, 0, 0);
        if (r < 0) throw failed(`mapping the bss at 0x${s.bssStart.toString(16)}`, r);
      }
    }
  } finally {
    kernel.file_put(inode);
  }

  kernel.mm_set_brk(plan.brk);
  const stackProt = PROT_READ | PROT_WRITE | (plan.execStack ? PROT_EXEC : 0);
  const r = kernel.mm_set_stack(stack.vmStart, STACK_TOP, stackProt);
  if (r < 0) throw failed("setting up the stack", r);
  if (!env.copyToUser(stack.rsp, stack.bytes)) throw failed("writing the initial stack", -14);
  setLayout(kernel, plan, stack);
  return { plan, stack, entry: plan.entry, rsp: stack.rsp, brk: plan.brk };
}
