// System and flags: syscall, cpuid, rdtsc, int3, hlt, the nops (nop, pause,
// endbr64); clc, stc, cmc, cld, std, pushfq, popfq.

import { ALL_FLAGS, STOP_BP, STOP_GP, STOP_SYSCALL, TWO32 } from "./exec.js";
import { define, FEAT_LM, FEAT_NX, FEAT_SYSCALL, FEAT_TSC, featureBits } from "./insn.js";
import { CF, R11, RAX, RBX, RCX, RDX, RSP } from "./state.js";

define({
  name: "syscall",
  enc: ["0F 05"],
  ends: true,
  use: ALL_FLAGS,
  feature: FEAT_SYSCALL,
  compile: (x, insn, ip) => {
    const { L, H, rflags } = x;
    const next = ip + insn.len, nlo = next % TWO32 | 0, nhi = Math.floor(next / TWO32) | 0;
    return () => { L[RCX] = nlo; H[RCX] = nhi; L[R11] = rflags(); H[R11] = 0; return STOP_SYSCALL; };
  },
});

const VENDOR = "FaultlineCPU";
/** Features of the machine rather than of one instruction: long mode, and NX (the kernel honours PROT_EXEC). */
const MACHINE: readonly (readonly [number, number, number])[] = [FEAT_LM, FEAT_NX];

/** CPUID.1:EDX, which Linux hands a program as AT_HWCAP. */
export function hwcap(): number {
  return featureBits(1, MACHINE)[3] >>> 0;
}

define({
  name: "cpuid",
  enc: ["0F A2"],
  compile: (x) => {
    const { L, H } = x;
    const str = (i: number): number => VENDOR.charCodeAt(i) | (VENDOR.charCodeAt(i + 1) << 8) | (VENDOR.charCodeAt(i + 2) << 16) | (VENDOR.charCodeAt(i + 3) << 24);
    return () => {
      const leaf = L[RAX] >>> 0;
      let r = [0, 0, 0, 0];
      if (leaf === 0) r = [1, str(0), str(8), str(4)];
      else if (leaf === 1) r = featureBits(1, MACHINE);
      else if (leaf === 0x80000000) r = [0x80000001, 0, 0, 0];
      else if (leaf === 0x80000001) r = featureBits(0x80000001, MACHINE);
      [L[RAX], L[RBX], L[RCX], L[RDX]] = r;
      H[RAX] = H[RBX] = H[RCX] = H[RDX] = 0;
      return 0;
    };
  },
});

define({
  name: "rdtsc",
  enc: ["0F 31"],
  feature: FEAT_TSC,
  compile: (x) => {
    const { L, H, st } = x;
    // a deterministic counter: the instructions retired
    return () => {
      const t = st.retired;
      L[RAX] = t % TWO32 | 0; H[RAX] = 0; L[RDX] = Math.floor(t / TWO32) | 0; H[RDX] = 0;
      return 0;
    };
  },
});

define({ name: "int3", enc: ["CC"], ends: true, faults: true, compile: () => () => STOP_BP });
// privileged: #GP(0) in user mode
define({ name: "hlt", enc: ["F4"], ends: true, faults: true, compile: () => () => STOP_GP });

const nop = { compile: () => () => 0, translate: (): string => "" };
define({ name: "nop", enc: ["90", "0F 1F /0: Ev"], noAccess: true, ...nop });
define({ name: "pause", enc: ["F3 90"], ...nop });
define({ name: "endbr64", enc: ["F3 0F 1E FA"], ...nop });

define({ name: "clc", enc: ["F8"], def: CF, compile: (x) => () => { x.setArith(x.arith() & ~CF); return 0; } });
define({ name: "stc", enc: ["F9"], def: CF, compile: (x) => () => { x.setArith(x.arith() | CF); return 0; } });
define({ name: "cmc", enc: ["F5"], use: CF, def: CF, compile: (x) => () => { x.setArith(x.arith() ^ CF); return 0; } });
define({ name: "cld", enc: ["FC"], compile: (x) => () => { x.MISC[0] = 0; return 0; } });
define({ name: "std", enc: ["FD"], compile: (x) => () => { x.MISC[0] = 1; return 0; } });

define({
  name: "pushfq",
  enc: ["9C d64"],
  use: ALL_FLAGS,
  faults: true,
  compile: (x) => () => (x.push(x.rflags(), 0) ? 0 : x.FLT.kind),
});
define({
  name: "popfq",
  enc: ["9D d64"],
  def: ALL_FLAGS,
  faults: true,
  compile: (x) => {
    const { FLT, addReg, top, setRflags } = x;
    return () => {
      const lo = top();
      if (FLT.kind) return FLT.kind;
      addReg(RSP, 8);
      setRflags(lo);
      return 0;
    };
  },
});
