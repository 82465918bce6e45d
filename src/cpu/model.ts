// The CPU models a machine may have (MachineOptions.cpu): what cpuid
// announces, as a real CPU of that ISA level would, and the XSAVE state the
// OS then enables. The instructions are the same on every model (an AVX
// instruction runs on v2 too: programs built for v3 do not ask cpuid), but
// for xsave's family (xsave.ts), #UD where the model has no XSAVE.

import {
  FEAT_AVX, FEAT_AVX2, FEAT_BMI1, FEAT_BMI2, FEAT_ERMS, FEAT_F16C, FEAT_FMA, FEAT_LM, FEAT_MOVBE, FEAT_NX, FEAT_OSXSAVE, FEAT_XSAVE, type Feature,
  featureBits,
} from "./insn.js";

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
const MACHINE: readonly Feature[] = [FEAT_LM, FEAT_NX];

export type CpuModelName = "x86-64-v2" | "x86-64-v3";
export const CPU_MODELS: readonly CpuModelName[] = ["x86-64-v2", "x86-64-v3"];

/**
 * What x86-64-v3 adds to v2's announcement: AVX, AVX2, FMA, F16C, BMI1,
 * BMI2 (avx.ts, avx2.ts, fma.ts, bmi.ts; they run on v2 too, unannounced,
 * for programs built for v3, which do not ask), XSAVE with the OS's
 * OSXSAVE (xsave.ts), MOVBE (sse4.ts, from the instruction's descriptor),
 * and ERMS (rep movsb and stosb are one operation for any length and
 * alignment: string.ts).
 */
const V3: readonly Feature[] = [FEAT_FMA, FEAT_OSXSAVE, FEAT_AVX, FEAT_F16C, FEAT_BMI1, FEAT_AVX2, FEAT_BMI2, FEAT_ERMS];
/**
 * XCR0, the state components the OS enables and XSAVE covers: x87, SSE and
 * AVX (bits 0..2). The standard XSAVE area: the 512-byte legacy region, the
 * 64-byte header, then AVX's 256 bytes (YMM0..15's high halves) at 576.
 */
export const XCR0 = 7;
export const XSAVE_AVX_OFFSET = 576, XSAVE_AVX_SIZE = 256;
export const XSAVE_SIZE = XSAVE_AVX_OFFSET + XSAVE_AVX_SIZE;

/** A CPU model: what cpuid announces, and what the kernel's FPU code then does (the signal frame's XSAVE image). */
export interface CpuModel {
  readonly name: CpuModelName;
  /** XSAVE, XRSTOR and XGETBV run (else #UD), and XCR0 enables x87, SSE and AVX. */
  readonly xsave: boolean;
  /** [eax, ebx, ecx, edx] of cpuid leaf eax, subleaf ecx. */
  cpuid(leaf: number, subleaf: number): number[];
}

const str = (i: number): number => VENDOR.charCodeAt(i) | (VENDOR.charCodeAt(i + 1) << 8) | (VENDOR.charCodeAt(i + 2) << 16) | (VENDOR.charCodeAt(i + 3) << 24);

/** The leaves cpuid answers; any other (above the highest, or a subleaf not listed) reads as zeros. */
function cpuidOf(v3: boolean): (leaf: number, subleaf: number) => number[] {
  const extra = v3 ? [...MACHINE, ...V3] : MACHINE;
  // the instructions that only v3 announces are withheld from v2 (movbe runs there, xsave's family is #UD)
  const withheld = v3 ? [] : [FEAT_XSAVE, FEAT_MOVBE];
  return (leaf, subleaf) => {
    switch (leaf) {
      case 0: return [v3 ? 0xd : 1, str(0), str(8), str(4)];
      case 1: return featureBits(1, extra, withheld);
      case 0x80000000: return [MAX_EXTENDED, str(0), str(8), str(4)];
      case 0x80000001: return featureBits(0x80000001, extra, withheld);
      case 0x80000005: return [0, 0, L1_CACHE, L1_CACHE];
      case 0x80000006: return [0, 0, L2_CACHE, 0];
    }
    if (!v3) return [0, 0, 0, 0];
    switch (leaf) {
      // subleaf 0: the highest subleaf (0), the features
      case 7: return subleaf === 0 ? featureBits(7, extra, withheld) : [0, 0, 0, 0];
      // XSAVE: subleaf 0 the components XCR0 may enable and the area's size (for XCR0 as set, and for all);
      // subleaf 1 no XSAVEOPT, XSAVEC, XGETBV with ecx 1 or XSAVES; subleaf 2 AVX's size and offset
      case 0xd:
        if (subleaf === 0) return [XCR0, XSAVE_SIZE, XSAVE_SIZE, 0];
        if (subleaf === 2) return [XSAVE_AVX_SIZE, XSAVE_AVX_OFFSET, 0, 0];
        return [0, 0, 0, 0];
    }
    return [0, 0, 0, 0];
  };
}

function model(name: CpuModelName): CpuModel {
  return { name, xsave: name === "x86-64-v3", cpuid: cpuidOf(name === "x86-64-v3") };
}
/** The x86-64-v2 ISA level (SSE4.2, POPCNT), no XSAVE. */
export const X86_64_V2: CpuModel = model("x86-64-v2");
/** An AVX2 machine: the x86-64-v3 ISA level. */
export const X86_64_V3: CpuModel = model("x86-64-v3");
/**
 * The default, x86-64-v3: what x86-64 CPUs have been since 2013, so that
 * glibc takes the variants it takes natively (its AVX2 string functions, and
 * libm's FMA ones, whose results differ from SSE2's in the last bit).
 */
export const DEFAULT_CPU: CpuModel = X86_64_V3;
/** The model named, or the default. */
export function cpuModel(name?: CpuModelName): CpuModel {
  return name === undefined ? DEFAULT_CPU : name === "x86-64-v3" ? X86_64_V3 : X86_64_V2;
}

/** CPUID.1:EDX, which Linux hands a program as AT_HWCAP. */
export function hwcap(m: CpuModel = DEFAULT_CPU): number {
  return m.cpuid(1, 0)[3] >>> 0;
}

