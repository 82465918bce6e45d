// System and flags: syscall, cpuid, rdtsc, int3, hlt, the nops (nop, pause,
// endbr64); clc, stc, cmc, cld, std, pushfq, popfq, lahf, sahf.

import { ALL_FLAGS, STOP_BP, STOP_GP, STOP_SYSCALL, TWO32 } from "./exec.js";
import { define, FEAT_LAHF, FEAT_LM, FEAT_NX, FEAT_SYSCALL, FEAT_TSC, featureBits } from "./insn.js";
import { AF, CF, OF, PF, R11, RAX, RBX, RCX, RDX, RSP, SF, ZF } from "./state.js";

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

/**
 * The vendor is AMD's, because libc tunes itself by vendor. glibc (2.36's
 * init_cpu_features) reads the feature leaves 1 and 0x80000001 only for a
 * vendor it knows, Intel, AMD or Zhaoxin; for any other it sees no SSE2, no
 * MMX, and its loader refuses the x86-64 baseline. It then sizes its caches
 * from the vendor's own leaves: AMD's 0x80000005 and 0x80000006 state one
 * geometry directly, where Intel's leaf 2 descriptors and leaf 4 would also
 * ask for thread and core topology. The x87 unit already behaves as AMD's
 * (fxsave's FOP, FIP and FDP are zero when no exception is pending).
 */
const VENDOR = "AuthenticAMD";
/** The highest extended leaf: the cache leaves. */
const MAX_EXTENDED = 0x80000006;
/**
 * The cache geometry cpuid declares (faultline models no cache; libc sizes
 * its copies by these): L1 data and instruction caches of 32 KiB, 8-way, 64-byte
 * lines (0x80000005 ECX, EDX: KiB, ways, lines per tag, line size); a unified
 * L2 of 512 KiB, 8-way (code 6), 64-byte lines (0x80000006 ECX); no L3 (EDX 0);
 * no TLB described (EAX, EBX 0).
 */
const L1_CACHE = (32 << 24) | (8 << 16) | (1 << 8) | 64;
const L2_CACHE = (512 << 16) | (6 << 12) | (1 << 8) | 64;
/** Features of the machine rather than of one instruction: long mode, and NX (the kernel honours PROT_EXEC). */
const MACHINE: readonly (readonly [number, number, number])[] = [FEAT_LM, FEAT_NX];

/** CPUID.1:EDX, which Linux hands a program as AT_HWCAP. */
export function hwcap(): number {
  return featureBits(1, MACHINE)[3] >>> 0;
}

/** The leaves cpuid answers; any other reads as zeros. */
export function cpuidLeaf(leaf: number): number[] {
  const str = (i: number): number => VENDOR.charCodeAt(i) | (VENDOR.charCodeAt(i + 1) << 8) | (VENDOR.charCodeAt(i + 2) << 16) | (VENDOR.charCodeAt(i + 3) << 24);
  switch (leaf) {
    case 0: return [1, str(0), str(8), str(4)];
    case 1: return featureBits(1, MACHINE);
    case 0x80000000: return [MAX_EXTENDED, str(0), str(8), str(4)];
    case 0x80000001: return featureBits(0x80000001, MACHINE);
    case 0x80000005: return [0, 0, L1_CACHE, L1_CACHE];
    case 0x80000006: return [0, 0, L2_CACHE, 0];
    default: return [0, 0, 0, 0];
  }
}

define({
  name: "cpuid",
  enc: ["0F A2"],
  compile: (x) => {
    const { L, H } = x;
    return () => {
      [L[RAX], L[RBX], L[RCX], L[RDX]] = cpuidLeaf(L[RAX] >>> 0);
      H[RAX] = H[RBX] = H[RCX] = H[RDX] = 0;
      return 0;
    };
  },
});

define({
  name: "rdtsc",
  enc: ["0F 31"],
  alone: true,
  ends: true,
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

// ah to and from SF ZF AF PF CF (bit 1 reads as one); OF is kept
const AH_FLAGS = SF | ZF | AF | PF | CF;
define({
  name: "lahf",
  enc: ["9F"],
  use: AH_FLAGS,
  feature: FEAT_LAHF,
  compile: (x) => () => { x.L[RAX] = (x.L[RAX] & ~0xff00) | (((x.arith() & AH_FLAGS) | 2) << 8); return 0; },
});
define({
  name: "sahf",
  enc: ["9E"],
  use: OF,
  def: AH_FLAGS,
  feature: FEAT_LAHF,
  compile: (x) => () => { x.setArith((x.arith() & OF) | ((x.L[RAX] >> 8) & AH_FLAGS)); return 0; },
});

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
