// System and flags: syscall, cpuid, rdtsc, int3, hlt, the nops (nop, pause,
// endbr64); clc, stc, cmc, cld, std, pushfq, popfq, lahf, sahf.

import { ALL_FLAGS, STOP_BP, STOP_GP, STOP_SYSCALL, TWO32 } from "./exec.js";
import { define, FEAT_LAHF, FEAT_SYSCALL, FEAT_TSC } from "./insn.js";
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

// the model's answer (model.ts), for subleaf ecx where a leaf has subleaves
define({
  name: "cpuid",
  enc: ["0F A2"],
  compile: (x) => {
    const { L, H, model } = x;
    return () => {
      [L[RAX], L[RBX], L[RCX], L[RDX]] = model.cpuid(L[RAX] >>> 0, L[RCX] >>> 0);
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
