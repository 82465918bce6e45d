// Architectural state of one x86-64 CPU, without BigInt: every 64-bit
// register is two int32 halves in typed arrays (L = low, H = high). Only
// the x87's 80-bit registers, rarely used, are bigints (x87_state.ts).

import type { X87Image } from "./sse_state.js";
import { x87Image, X87State } from "./x87_state.js";

/** The first of the two scratch XMM registers (not architectural). */
export const XMM_SCRATCH = 16;

export const RAX = 0, RCX = 1, RDX = 2, RBX = 3, RSP = 4, RBP = 5, RSI = 6, RDI = 7;
export const R8 = 8, R9 = 9, R10 = 10, R11 = 11, R12 = 12, R13 = 13, R14 = 14, R15 = 15;
export const REG_NAMES = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"];

/** RFLAGS bits. */
export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, DF = 0x400, OF = 0x800;
/** The arithmetic flags a user program can change with popfq (plus DF). */
export const FLAGS_ARITH = CF | PF | AF | ZF | SF | OF;

/**
 * Lazy flags: the last flag-setting operation's kind and operands, from which
 * each flag is computed only when something reads it.
 *   F[0] = kind << 2 | size index (0..3 = 8, 16, 32, 64 bits)
 *   F[1], F[2] = first operand (lo, hi)     F[3], F[4] = second operand
 *   F[5], F[6] = result                     F[7] = explicit flag bits (kinds RES, EXPL)
 * 8- and 16-bit values are stored zero-extended; 32-bit ones as int32; the
 * high halves matter only at 64 bits.
 */
export const K_EXPL = 0; // F[7] holds all six flags
export const K_ADD = 1;
export const K_ADC = 2; // add with carry-in 1
export const K_SUB = 3;
export const K_SBB = 4; // subtract with borrow-in 1
export const K_LOGIC = 5; // CF = OF = 0, AF = 0 (undefined on hardware)
export const K_RES = 6; // ZF, SF, PF from the result; CF, OF, AF from F[7]

export class CpuState {
  /** 20 slots: byte registers ah..bh are numbered 16..19, so H[16..19] must read as 0. */
  readonly L = new Int32Array(20);
  readonly H = new Int32Array(20);
  readonly F = new Int32Array(8);
  /** rip as a number: hi * 2^32 + lo, hi signed (exact for canonical addresses). */
  readonly rip = new Float64Array(1);
  /** fs_base and gs_base halves: [fs lo, fs hi, gs lo, gs hi]. */
  readonly seg = new Int32Array(4);
  /** [0] = DF (0 or 1). */
  readonly misc = new Int32Array(2);
  /**
   * XMM0..15: register i's dword j at index i * 4 + j (little-endian); then
   * two scratch registers (XMM_SCRATCH, XMM_SCRATCH + 1) through which the
   * VEX forms run the legacy SSE lane operations (avx.ts).
   */
  readonly xmm = new Uint32Array(72);
  /** The upper halves of YMM0..15 (bits 128..255): register i's dword 4 + j at index i * 4 + j. */
  readonly ymmh = new Uint32Array(64);
  /** MXCSR: all exceptions masked, round to nearest. */
  mxcsr = 0x1f80;
  /** The x87 FPU. */
  readonly fpu = new X87State();
  /** The x87 part of the fxsave image (sse_state.ts), over the x87 FPU's state. */
  x87Image: X87Image = x87Image(this.fpu);
  /** Instructions retired (the deterministic rdtsc reads it). */
  retired = 0;
}
