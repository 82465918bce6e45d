// The initial process stack, laid out byte for byte as Linux lays it out
// (fs/exec.c copies the strings, fs/binfmt_elf.c create_elf_tables builds
// the tables), with randomization off. A pure function: bytes and rsp.
//
//   stack top (STACK_TOP)          0x7ffffffff000
//     8 bytes of zero               (bprm->p starts one pointer below the top)
//     execfn string                 AT_EXECFN
//     envp strings, argv strings    (argv[0] lowest)
//     ... down to a 16-byte boundary (arch_align_stack)
//     "x86_64\0"                    AT_PLATFORM
//     16 random bytes               AT_RANDOM
//     ... down so that rsp is 16-byte aligned (STACK_ROUND)
//     auxv pairs, AT_NULL last
//     NULL, envp[] pointers
//     NULL, argv[] pointers
//   rsp ─▶ argc

import { withCode } from "../errors.js";
import { type CpuModel, DEFAULT_CPU, hwcap } from "../cpu/index.js";
import { get_sigframe_size } from "../task/signal.js";

export const AT_NULL = 0;
export const AT_PHDR = 3;
export const AT_PHENT = 4;
export const AT_PHNUM = 5;
export const AT_PAGESZ = 6;
export const AT_BASE = 7;
export const AT_FLAGS = 8;
export const AT_ENTRY = 9;
export const AT_UID = 11;
export const AT_EUID = 12;
export const AT_GID = 13;
export const AT_EGID = 14;
export const AT_PLATFORM = 15;
export const AT_HWCAP = 16;
export const AT_CLKTCK = 17;
export const AT_SECURE = 23;
export const AT_RANDOM = 25;
export const AT_HWCAP2 = 26;
export const AT_EXECFN = 31;
export const AT_SYSINFO_EHDR = 33;
export const AT_MINSIGSTKSZ = 51;

/** Linux's setup_arg_pages grows the new stack VMA by this much below the strings. */
export const STACK_EXPAND = 128 * 1024;
/** MAX_ARG_STRLEN: one argument or environment string, NUL included. */
export const MAX_ARG_STRLEN = 32 * 4096;
/** The strings may take at most a quarter of the 8 MiB stack rlimit (fs/exec.c bprm_stack_limits). */
export const MAX_ARG_BYTES = (8 * 1024 * 1024) / 4;

/** The auxv values that do not point into the stack. */
export interface AuxvValues {
  /** AT_SYSINFO_EHDR: the vDSO's address (0: none mapped, no entry). */
  sysinfoEhdr: number;
  /** AT_MINSIGSTKSZ: the worst-case signal frame with the CPU model's fxsave or XSAVE image (task/signal.ts get_sigframe_size). */
  minsigstksz: number;
  /** AT_HWCAP: CPUID.1:EDX of the emulated CPU, as its cpuid reports it. */
  hwcap: number;
  /** AT_HWCAP2: 0 (no FSGSBASE instructions; arch_prctl is the way to set FS). */
  hwcap2: number;
  pagesz: number;
  clktck: number;
  phdr: number;
  phent: number;
  phnum: number;
  /** AT_BASE: the interpreter's base, 0 for a static program. */
  base: number;
  flags: number;
  entry: number;
  uid: number;
  euid: number;
  gid: number;
  egid: number;
  secure: number;
}

/** faultline's auxv for a loaded program (its interpreter at `base`, 0 for none): root, 100 Hz ticks, 4 KiB pages. */
export function auxvValues(plan: { phdr: number; phent: number; phnum: number; entry: number }, base = 0, sysinfoEhdr = 0, cpu: CpuModel = DEFAULT_CPU): AuxvValues {
  return {
    sysinfoEhdr,
    minsigstksz: get_sigframe_size(cpu),
    hwcap: hwcap(cpu),
    hwcap2: 0,
    pagesz: 4096,
    clktck: 100,
    phdr: plan.phdr,
    phent: plan.phent,
    phnum: plan.phnum,
    base,
    flags: 0,
    entry: plan.entry,
    uid: 0,
    euid: 0,
    gid: 0,
    egid: 0,
    secure: 0,
  };
}

export interface StackInput {
  /** Address just past the stack (STACK_TOP). */
  stackTop: number;
  argv: string[];
  envp: string[];
  /** The path given to execve (bprm->filename): AT_EXECFN. */
  execfn: string;
  auxv: AuxvValues;
  /** AT_RANDOM's 16 bytes. */
  random: Uint8Array;
  /** AT_PLATFORM's string. */
  platform: string;
}

export interface InitialStack {
  /** rsp at the entry point: it points at argc and is 16-byte aligned. */
  rsp: number;
  /** The stack's contents from rsp up to stackTop. */
  bytes: Uint8Array;
  /** The auxv pairs in the order written, AT_NULL last (what /proc/<pid>/auxv shows). */
  auxv: [type: number, value: number][];
  /** Lowest byte of the argument strings (mm->arg_start). */
  argStart: number;
  /** End of the argument strings, where the environment strings start (mm->arg_end, mm->env_start). */
  argEnd: number;
  /** End of the environment strings (mm->env_end); the program path follows. */
  envEnd: number;
  /** The stack VMA after setup_arg_pages: [vmStart, stackTop). */
  vmStart: number;
}

const encoder = new TextEncoder();
/** How many auxv entries buildInitialStack writes at most, AT_NULL included. */
const AUXV_ENTRIES = 21;

/** E2BIG, as execve reports a too-long argument list. */
function e2big(reason: string): Error {
  return withCode(new Error(`argument list too long: ${reason}`), "E2BIG");
}

function cString(s: string, what: string): Uint8Array {
  if (s.includes("\0")) throw withCode(new Error(`invalid argument: ${what} contains a NUL byte`), "EINVAL");
  const bytes = encoder.encode(s + "\0");
  if (bytes.length > MAX_ARG_STRLEN) throw e2big(`${what} is longer than ${MAX_ARG_STRLEN} bytes`);
  return bytes;
}

/** The strings execve copies to the new stack, NUL-terminated, checked as it checks them (copy_strings, bprm_stack_limits). */
export interface ArgStrings {
  execfn: Uint8Array;
  argv: Uint8Array[];
  envp: Uint8Array[];
  /** Their bytes, NULs included. */
  stringBytes: number;
}

/** The program path, arguments and environment as execve copies them. @raise Error for strings execve would refuse (E2BIG, embedded NUL). */
export function argStrings(input: Pick<StackInput, "argv" | "envp" | "execfn">): ArgStrings {
  const execfn = cString(input.execfn, "the program path");
  // fs/exec.c: a program started with no arguments gets argv[0] = "".
  const argv = (input.argv.length ? input.argv : [""]).map((s, i) => cString(s, `argv[${i}]`));
  const envp = input.envp.map((s, i) => cString(s, `envp[${i}]`));
  const stringBytes = [execfn, ...argv, ...envp].reduce((n, b) => n + b.length, 0);
  // bprm_stack_limits: the argv and envp pointers count against the limit too.
  const pointerBytes = (argv.length + envp.length) * 8;
  if (stringBytes + pointerBytes > MAX_ARG_BYTES) throw e2big(`${stringBytes} bytes of strings and ${pointerBytes} of pointers`);
  return { execfn, argv, envp, stringBytes };
}

/** Lay out the initial stack as Linux does, with `strings` (else input's, checked now). @raise Error for strings execve would refuse (E2BIG, embedded NUL). */
export function buildInitialStack(input: StackInput, strings = argStrings(input)): InitialStack {
  const { stackTop } = input;
  if (input.random.length !== 16) throw new Error("AT_RANDOM needs 16 bytes");
  const { execfn, argv, envp, stringBytes } = strings;
  const platform = encoder.encode(input.platform + "\0");

  // An upper bound of what is written: strings, the gap at the top, the
  // platform and random bytes, the words below, and two 16-byte roundings.
  const pointerWords = 1 + argv.length + 1 + envp.length + 1 + 2 * AUXV_ENTRIES;
  const span = 8 + stringBytes + platform.length + 16 + 8 * pointerWords + 32;
  const base = stackTop - span;
  const buf = new Uint8Array(span);
  const view = new DataView(buf.buffer);
  const put = (addr: number, bytes: Uint8Array) => buf.set(bytes, addr - base);
  const putWord = (addr: number, value: number) => {
    view.setUint32(addr - base, value >>> 0, true);
    view.setUint32(addr - base + 4, Math.floor(value / 0x1_0000_0000), true);
  };

  // fs/exec.c: bprm->p = vm_end - sizeof(void *); then the filename, the
  // environment and the arguments, each copied last string first.
  let p = stackTop - 8;
  p -= execfn.length;
  put(p, execfn);
  const execfnAddr = p;
  const copyStrings = (strings: Uint8Array[]) => {
    const addrs: number[] = new Array(strings.length);
    for (let i = strings.length - 1; i >= 0; i--) {
      p -= strings[i].length;
      put(p, strings[i]);
      addrs[i] = p;
    }
    return addrs;
  };
  const envAddrs = copyStrings(envp);
  const argAddrs = copyStrings(argv);
  const argStart = p;

  // create_elf_tables: align, the platform string, the random bytes.
  p -= p % 16;
  p -= platform.length;
  put(p, platform);
  const platformAddr = p;
  p -= 16;
  put(p, input.random);
  const randomAddr = p;

  const a = input.auxv;
  // Linux's order, ARCH_DLINFO's AT_SYSINFO_EHDR first when a vDSO is
  // mapped. No AT_RSEQ_FEATURE_SIZE/AT_RSEQ_ALIGN: no rseq syscall.
  const auxv: [number, number][] = [
    ...(a.sysinfoEhdr ? [[AT_SYSINFO_EHDR, a.sysinfoEhdr] as [number, number]] : []),
    [AT_MINSIGSTKSZ, a.minsigstksz],
    [AT_HWCAP, a.hwcap],
    [AT_PAGESZ, a.pagesz],
    [AT_CLKTCK, a.clktck],
    [AT_PHDR, a.phdr],
    [AT_PHENT, a.phent],
    [AT_PHNUM, a.phnum],
    [AT_BASE, a.base],
    [AT_FLAGS, a.flags],
    [AT_ENTRY, a.entry],
    [AT_UID, a.uid],
    [AT_EUID, a.euid],
    [AT_GID, a.gid],
    [AT_EGID, a.egid],
    [AT_SECURE, a.secure],
    [AT_RANDOM, randomAddr],
    [AT_HWCAP2, a.hwcap2],
    [AT_EXECFN, execfnAddr],
    [AT_PLATFORM, platformAddr],
    [AT_NULL, 0],
  ];
  const sp = p - 8 * 2 * auxv.length;
  const items = argv.length + 1 + (envp.length + 1) + 1;
  const rsp = sp - 8 * items - ((sp - 8 * items) % 16);

  let at = rsp;
  const word = (v: number) => {
    putWord(at, v);
    at += 8;
  };
  word(argv.length);
  for (const addr of argAddrs) word(addr);
  word(0);
  for (const addr of envAddrs) word(addr);
  word(0);
  for (const [type, value] of auxv) {
    word(type);
    word(value);
  }

  return {
    rsp,
    bytes: buf.subarray(rsp - base),
    auxv,
    argStart,
    argEnd: envAddrs.length ? envAddrs[0] : execfnAddr,
    envEnd: execfnAddr,
    vmStart: argStart - (argStart % 4096) - STACK_EXPAND,
  };
}
