// The ELF loader: execve for one static x86-64 program into a fresh mm.
//
// Wiring (src/machine.ts, src/task/exec.ts):
//   const mm = k.mm_create(); k.mm_switch(mm);
//   const image = exec(
//     { kernel: k /* the Wasm exports below */, files: kernel.pageCache, copyToUser },
//     fileData, { argv, envp, execfn, random /* 16 seeded bytes */ });
//   cpu.rip = image.entry; cpu.rsp = image.rsp; (every other register 0)
// On an Error the mm is half built: mm_exit it. Messages start with
// "exec format error:" for a file faultline refuses (ENOEXEC), "argument
// list too long:" (E2BIG), or "exec failed:" when the kernel refused a
// mapping (e.g. ENOMEM) or the interpreter could not be used (its code:
// ENOENT, EACCES, EIO, ELIBBAD, as execve returns them).
//
// Only the ELF headers are read here. The PT_LOAD segments are MAP_PRIVATE
// mappings of the file opened in the page cache, so a page of the program
// is read from the file only when it first faults (filemap_fault on a
// read or fetch, with read-around and fault-around; a private copy on a
// write): a program far larger than RAM runs if it touches little of it.

import { checkInterpreter, MAP_ANONYMOUS, MAP_FIXED, MAP_PRIVATE, parseElf, MMAP_BASE, PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE, STACK_TOP, type LoadPlan } from "./elf.js";
import { argStrings, auxvValues, buildInitialStack, type AuxvValues, type InitialStack } from "./stack.js";
import { withCode, errnoName } from "../errors.js";
import type { FileData } from "../fs/file_data.js";
import { bytesFile, type OpenFile } from "../fs/pagecache.js";
import type { KernelExports } from "../abi.js";
import type { CpuModel } from "../cpu/model.js";

export * from "./elf.js";
export * from "./stack.js";


/** The kernel exports exec needs (docs/abi.md); numbers only. */
export type ExecKernel = Pick<KernelExports, "vm_mmap" | "mm_set_brk" | "mm_set_code" | "mm_set_args" | "mm_set_stack" | "arch_setup_additional_pages">;

export interface ExecEnv {
  kernel: ExecKernel;
  /** The page cache: exec opens the program read-only through it (the kernel's Kernel.pageCache). */
  files: { open(data: FileData): OpenFile | null; close(file: OpenFile): void };
  /** copy_to_user into the current mm; false on a fault it cannot resolve (EFAULT). */
  copyToUser(addr: number, bytes: Uint8Array): boolean;
  /**
   * begin_new_exec: called once the program and its arguments have passed
   * every check, before anything is mapped (execve's point of no return:
   * the task's mm is replaced here).
   */
  beginNewExec?(): void;
  /**
   * open_exec of the interpreter a PT_INTERP names, in the task's file
   * system: its bytes, or -errno (ENOENT, EACCES, ...). Without it a
   * dynamically linked program cannot run (ENOENT).
   */
  openInterpreter?(path: string): FileData | number;
}

export interface ExecOptions {
  argv: string[];
  envp: string[];
  /** The path as given to execve (AT_EXECFN); usually argv[0]. */
  execfn: string;
  /** AT_RANDOM's 16 bytes, from the machine's seeded generator. */
  random: Uint8Array;
  /** AT_UID, AT_EUID, AT_GID, AT_EGID and AT_SECURE: the task's ids, and whether they differ (default root's). */
  ids?: Pick<AuxvValues, "uid" | "euid" | "gid" | "egid" | "secure">;
  /** The CPU model, for AT_HWCAP and AT_MINSIGSTKSZ (default DEFAULT_CPU, x86-64-v3). */
  cpu?: CpuModel;
}

export interface ExecImage {
  plan: LoadPlan;
  /** The dynamic loader's plan (AT_BASE is its loadBias), null for a static program. */
  interp: LoadPlan | null;
  stack: InitialStack;
  /** Initial rip (the interpreter's entry when there is one) and rsp. */
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

/** The interpreter's file: open_exec, then load_elf_binary's checks before the point of no return. */
function openInterpreter(env: ExecEnv, path: string): FileData {
  const data = env.openInterpreter?.(path) ?? -2;
  if (typeof data === "number") throw withCode(new Error(`exec failed: interpreter ${path}: ${errnoName(-data)}`), errnoName(-data));
  checkInterpreter(data);
  return data;
}

/** elf_load for each PT_LOAD of `plan`: the file part MAP_PRIVATE from the page cache, padzero, the anonymous rest. */
function mapSegments(env: ExecEnv, file: FileData, plan: LoadPlan): void {
  const { kernel } = env;
  const opened = env.files.open(file);
  if (opened === null) throw failed("no memory for the file", -12);
  try {
    for (const s of plan.segments) {
      if (s.mapEnd > s.mapStart) {
        const r = kernel.vm_mmap(s.mapStart, s.mapEnd - s.mapStart, s.prot, MAP_PRIVATE | MAP_FIXED, opened.handle, s.mapOffset / PAGE_SIZE);
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
    env.files.close(opened);
  }
}

/** Load `program` (bytes, or a file read through the page cache) into the current mm and build its stack. @raise Error as described above. */
export function exec(env: ExecEnv, program: FileData | Uint8Array, options: ExecOptions): ExecImage {
  const file = program instanceof Uint8Array ? bytesFile(program) : program;
  const plan = parseElf(file);
  const interpFile = plan.interp === null ? null : openInterpreter(env, plan.interp);
  // load_elf_interp runs past the point of no return: a bad interpreter
  // found there kills the new image (SIGSEGV), so its error waits.
  let interp: LoadPlan | null = null;
  let interpError: unknown = null;
  if (interpFile) {
    try {
      interp = parseElf(interpFile, MMAP_BASE, "interpreter");
    } catch (e) {
      interpError = e;
    }
  }
  // The strings are checked before the point of no return (E2BIG); the
  // stack is laid out once the vDSO's address is known.
  const strings = argStrings(options);
  const { kernel } = env;
  env.beginNewExec?.();

  mapSegments(env, file, plan);
  kernel.mm_set_brk(plan.brk);
  if (interpError) throw interpError;
  if (interp && interpFile) mapSegments(env, interpFile, interp);
  // arch_setup_additional_pages: [vvar], [vvar_vclock] and [vdso] (0: a kernel without one).
  const vdso = kernel.arch_setup_additional_pages();
  if (vdso < 0) throw failed("mapping the vDSO", vdso);
  const stack = buildInitialStack({
    stackTop: STACK_TOP,
    argv: options.argv,
    envp: options.envp,
    execfn: options.execfn,
    auxv: { ...auxvValues(plan, interp?.loadBias ?? 0, vdso, options.cpu), ...options.ids },
    random: options.random,
    platform: "x86_64",
  }, strings);
  const stackProt = PROT_READ | PROT_WRITE | (plan.execStack ? PROT_EXEC : 0);
  const r = kernel.mm_set_stack(stack.vmStart, STACK_TOP, stackProt);
  if (r < 0) throw failed("setting up the stack", r);
  if (!env.copyToUser(stack.rsp, stack.bytes)) throw failed("writing the initial stack", -14);
  setLayout(kernel, plan, stack);
  const entry = interp ? interp.entry : plan.entry;
  return { plan, interp, stack, entry, rsp: stack.rsp, brk: plan.brk };
}
