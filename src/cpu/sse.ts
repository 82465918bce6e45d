// SSE and SSE2: the 0F opcodes of the register moves, the packed-integer
// instructions, MXCSR, fxsave/fxrstor, fences and prefetches. One table
// (SSE_OPCODES) says how each decodes; compileSse turns a decoded
// instruction into an Op with the lane functions of sse_int.ts.
//
// Operand shapes, in the manual's notation, destination first:
//   V xmm (ModRM.reg)   W xmm or memory (ModRM.rm)   U xmm (rm, register form only)
//   M memory only       G general register (reg)      E general register or memory (rm)
//   R general register (rm, register form only)      I imm8
// A legacy-SSE memory operand of 16 bytes must be 16-byte aligned (#GP) except
// in the unaligned moves (movups, movupd, movdqu).

import type { Insn, MemOp, Operand } from "./decode.js";
import { FAULT_GP, type Mmu } from "./mmu.js";
import { movmskpd, movmskps, PACKED, pextrw, pinsrw, pmovmskb, SHIFT_IMM, xmmOp } from "./sse_int.js";
import { FXSAVE_SIZE, FXSAVE_WRITTEN, fxrstorImage, fxsaveImage, MXCSR_MASK, type X87Image } from "./sse_state.js";
import type { CpuState } from "./state.js";

export interface SseForm {
  /** iced-x86's mnemonic. */
  op: string;
  /** Operand shapes for the memory form (ModRM.mod < 3) and the register form; "" = #UD. */
  mem: string;
  reg: string;
  /** Bytes a memory operand covers. */
  msz: number;
  /** A memory operand must be 16-byte aligned. */
  align?: boolean;
  /** The mnemonic with REX.W (movd becomes movq). */
  opW?: string;
  /** Moves: dwords copied (n) from dword `from` of the source to dword `to` of the destination; `zero` clears the rest of an xmm destination. */
  n?: number;
  from?: number;
  to?: number;
  zero?: boolean;
  /** movss/movsd: the register-to-register form merges instead. */
  regMerge?: boolean;
  /** The mnemonic of the register form, where it differs (movhlps, movlhps). */
  opR?: string;
}

/** Mandatory prefix classes. */
const NP = 0, P66 = 0x66, PF3 = 0xf3, PF2 = 0xf2;

/** Key: prefix class << 16 | opcode << 3 | ModRM.reg for the group opcodes (71, 72, 73, 18, AE), else 0. */
const TABLE = new Map<number, SseForm>();
const GROUPS = new Set([0x18, 0x71, 0x72, 0x73, 0xae]);
function def(pfx: number, opc: number, f: SseForm, reg = 0): void {
  TABLE.set((pfx << 16) | (opc << 3) | reg, f);
}
const move = (op: string, mem: string, reg: string, msz: number, n: number, from: number, to: number, zero: boolean, align = false): SseForm =>
  ({ op, mem, reg, msz, n, from, to, zero, align });

// 128-bit moves
for (const [pfx, name, align] of [[NP, "movups", false], [P66, "movupd", false]] as const) {
  def(pfx, 0x10, move(name, "V,W", "V,W", 16, 4, 0, 0, true, align));
  def(pfx, 0x11, move(name, "W,V", "W,V", 16, 4, 0, 0, true, align));
}
for (const [pfx, name] of [[NP, "movaps"], [P66, "movapd"]] as const) {
  def(pfx, 0x28, move(name, "V,W", "V,W", 16, 4, 0, 0, true, true));
  def(pfx, 0x29, move(name, "W,V", "W,V", 16, 4, 0, 0, true, true));
}
def(P66, 0x6f, move("movdqa", "V,W", "V,W", 16, 4, 0, 0, true, true));
def(P66, 0x7f, move("movdqa", "W,V", "W,V", 16, 4, 0, 0, true, true));
def(PF3, 0x6f, move("movdqu", "V,W", "V,W", 16, 4, 0, 0, true));
def(PF3, 0x7f, move("movdqu", "W,V", "W,V", 16, 4, 0, 0, true));
def(NP, 0x2b, move("movntps", "M,V", "", 16, 4, 0, 0, true, true));
def(P66, 0x2b, move("movntpd", "M,V", "", 16, 4, 0, 0, true, true));
def(P66, 0xe7, move("movntdq", "M,V", "", 16, 4, 0, 0, true, true));
// scalar moves: a load from memory zeroes the rest, a register move merges
def(PF3, 0x10, { ...move("movss", "V,W", "V,W", 4, 1, 0, 0, true), regMerge: true });
def(PF3, 0x11, move("movss", "W,V", "W,V", 4, 1, 0, 0, false));
def(PF2, 0x10, { ...move("movsd", "V,W", "V,W", 8, 2, 0, 0, true), regMerge: true });
def(PF2, 0x11, move("movsd", "W,V", "W,V", 8, 2, 0, 0, false));
// half moves
for (const [pfx, lo, hi] of [[NP, "movlps", "movhps"], [P66, "movlpd", "movhpd"]] as const) {
  def(pfx, 0x12, { ...move(lo, "V,M", "", 8, 2, 0, 0, false), ...(pfx === NP ? { reg: "V,U", opR: "movhlps" } : {}) });
  def(pfx, 0x13, move(lo, "M,V", "", 8, 2, 0, 0, false));
  def(pfx, 0x16, { ...move(hi, "V,M", "", 8, 2, 0, 2, false), ...(pfx === NP ? { reg: "V,U", opR: "movlhps" } : {}) });
  def(pfx, 0x17, move(hi, "M,V", "", 8, 2, 2, 0, false));
}
// to and from general registers and 64-bit moves
def(P66, 0x6e, { ...move("movd", "V,E", "V,E", 4, 1, 0, 0, true), opW: "movq" });
def(P66, 0x7e, { ...move("movd", "E,V", "E,V", 4, 1, 0, 0, true), opW: "movq" });
def(PF3, 0x7e, move("movq", "V,W", "V,W", 8, 2, 0, 0, true));
def(P66, 0xd6, move("movq", "W,V", "W,V", 8, 2, 0, 0, true));
def(NP, 0xc3, { op: "movnti", mem: "M,G", reg: "", msz: 4 });
def(NP, 0x50, { op: "movmskps", mem: "", reg: "G,U", msz: 0 });
def(P66, 0x50, { op: "movmskpd", mem: "", reg: "G,U", msz: 0 });
def(P66, 0xd7, { op: "pmovmskb", mem: "", reg: "G,U", msz: 0 });
def(P66, 0xc5, { op: "pextrw", mem: "", reg: "G,U,I", msz: 0 });
def(P66, 0xc4, { op: "pinsrw", mem: "V,E,I", reg: "V,E,I", msz: 2 });

// packed integer: 66 0F xx /r, every memory operand aligned
const PACKED_OPCODES: [number, string][] = [
  [0x60, "punpcklbw"], [0x61, "punpcklwd"], [0x62, "punpckldq"], [0x63, "packsswb"], [0x64, "pcmpgtb"], [0x65, "pcmpgtw"],
  [0x66, "pcmpgtd"], [0x67, "packuswb"], [0x68, "punpckhbw"], [0x69, "punpckhwd"], [0x6a, "punpckhdq"], [0x6b, "packssdw"],
  [0x6c, "punpcklqdq"], [0x6d, "punpckhqdq"], [0x74, "pcmpeqb"], [0x75, "pcmpeqw"], [0x76, "pcmpeqd"],
  [0xd1, "psrlw"], [0xd2, "psrld"], [0xd3, "psrlq"], [0xd4, "paddq"], [0xd5, "pmullw"], [0xd8, "psubusb"], [0xd9, "psubusw"],
  [0xda, "pminub"], [0xdb, "pand"], [0xdc, "paddusb"], [0xdd, "paddusw"], [0xde, "pmaxub"], [0xdf, "pandn"],
  [0xe0, "pavgb"], [0xe1, "psraw"], [0xe2, "psrad"], [0xe3, "pavgw"], [0xe4, "pmulhuw"], [0xe5, "pmulhw"],
  [0xe8, "psubsb"], [0xe9, "psubsw"], [0xea, "pminsw"], [0xeb, "por"], [0xec, "paddsb"], [0xed, "paddsw"], [0xee, "pmaxsw"], [0xef, "pxor"],
  [0xf1, "psllw"], [0xf2, "pslld"], [0xf3, "psllq"], [0xf4, "pmuludq"], [0xf5, "pmaddwd"], [0xf6, "psadbw"],
  [0xf8, "psubb"], [0xf9, "psubw"], [0xfa, "psubd"], [0xfb, "psubq"], [0xfc, "paddb"], [0xfd, "paddw"], [0xfe, "paddd"],
];
for (const [opc, op] of PACKED_OPCODES) def(P66, opc, { op, mem: "V,W", reg: "V,W", msz: 16, align: true });
def(P66, 0x70, { op: "pshufd", mem: "V,W,I", reg: "V,W,I", msz: 16, align: true });
def(PF3, 0x70, { op: "pshufhw", mem: "V,W,I", reg: "V,W,I", msz: 16, align: true });
def(PF2, 0x70, { op: "pshuflw", mem: "V,W,I", reg: "V,W,I", msz: 16, align: true });
// shifts by an immediate: 66 0F 71/72/73 /r ib, register form only
for (const [opc, reg, op] of [[0x71, 2, "psrlw"], [0x71, 4, "psraw"], [0x71, 6, "psllw"], [0x72, 2, "psrld"], [0x72, 4, "psrad"],
  [0x72, 6, "pslld"], [0x73, 2, "psrlq"], [0x73, 3, "psrldq"], [0x73, 6, "psllq"], [0x73, 7, "pslldq"]] as const) {
  def(P66, opc, { op, mem: "", reg: "U,I", msz: 0 }, reg);
}
// state, ordering and hints
// with REX.W the x87 instruction and operand pointers are saved as 64-bit offsets
def(NP, 0xae, { op: "fxsave", mem: "M", reg: "", msz: FXSAVE_SIZE, align: true, opW: "fxsave64" }, 0);
def(NP, 0xae, { op: "fxrstor", mem: "M", reg: "", msz: FXSAVE_SIZE, align: true, opW: "fxrstor64" }, 1);
def(NP, 0xae, { op: "ldmxcsr", mem: "M", reg: "", msz: 4 }, 2);
def(NP, 0xae, { op: "stmxcsr", mem: "M", reg: "", msz: 4 }, 3);
def(NP, 0xae, { op: "lfence", mem: "", reg: "-", msz: 0 }, 5);
def(NP, 0xae, { op: "mfence", mem: "", reg: "-", msz: 0 }, 6);
def(NP, 0xae, { op: "sfence", mem: "", reg: "-", msz: 0 }, 7);
for (const [reg, op] of ["prefetchnta", "prefetcht0", "prefetcht1", "prefetcht2"].entries()) def(NP, 0x18, { op, mem: "M", reg: "", msz: 1 }, reg);

/** The form of 0F `opc` under mandatory prefix class `pfx` (0, 0x66, 0xf3, 0xf2), or undefined; `reg` is ModRM.reg & 7. */
export function sseForm(pfx: number, opc: number, reg: number): SseForm | undefined {
  if (opc === 0x18) pfx = NP; // the prefetches ignore prefixes
  return TABLE.get((pfx << 16) | (opc << 3) | (GROUPS.has(opc) ? reg : 0));
}
/** True when 0F `opc` needs ModRM.reg to pick its form (read the ModRM byte first). */
export function sseGroup(opc: number): boolean {
  return GROUPS.has(opc);
}

/** What compileSse needs from the executor. */
export interface SseEnv {
  st: CpuState;
  mmu: Mmu;
  FLT: { kind: number };
  /** The effective address of m into EA. */
  ea(m: MemOp): void;
  EA: Int32Array;
  rget(r: number, sz: number): number;
  rset(r: number, sz: number, lo: number, hi: number): void;
  H: Int32Array;
  /** The x87 part of the fxsave image. */
  x87: X87Image;
}

/** The xmm operand's dword offset in st.xmm. */
const xo = (o: Operand): number => (o as { r: number }).r * 4;

export function createSse(env: SseEnv): (insn: Insn) => (() => number) {
  const { st, mmu, FLT, EA, ea, rget, rset, H } = env;
  const X = st.xmm;
  /** A memory operand's bytes, zero-extended to 128 bits. */
  const S = new Uint32Array(4);
  const TMP = new Uint32Array(4);
  const IMG = new DataView(new ArrayBuffer(FXSAVE_SIZE));

  /** Loads n dwords at EA into S (the rest zero); false on a fault (FLT set). */
  function load(n: number): boolean {
    S[0] = S[1] = S[2] = S[3] = 0;
    let lo = EA[0], hi = EA[1];
    for (let i = 0; i < n; i += 2) {
      if (n === 1) S[0] = mmu.ld32(lo, hi);
      else {
        S[i] = mmu.ld64(lo, hi);
        S[i + 1] = mmu.hi;
      }
      if (FLT.kind) return false;
      const s = (lo >>> 0) + 8;
      lo = s | 0;
      if (s > 0xffffffff) hi = (hi + 1) | 0;
    }
    return true;
  }
  /** Stores n dwords of src from dword `from` at EA; nothing is written if any byte faults. */
  function store(src: Uint32Array, from: number, n: number): boolean {
    if (n === 1) return mmu.st32(EA[0], EA[1], src[from]);
    if (n === 2) return mmu.st64(EA[0], EA[1], src[from], src[from + 1]);
    if (!mmu.probeWrite(EA[0], EA[1], 16)) return false;
    mmu.st64(EA[0], EA[1], src[from], src[from + 1]);
    const s = (EA[0] >>> 0) + 8;
    return mmu.st64(s | 0, s > 0xffffffff ? (EA[1] + 1) | 0 : EA[1], src[from + 2], src[from + 3]);
  }
  /** The address of m into EA; false (#GP) when it must be aligned and is not. */
  function addr(m: MemOp, align: boolean | undefined): boolean {
    ea(m);
    return !(align && EA[0] & 15);
  }

  function compileMove(f: SseForm, d: Operand, s: Operand): () => number {
    const n = f.n!, from = f.from!, to = f.to!;
    const zero = f.zero! && !(f.regMerge && s.k === "x");
    /** Copies n dwords of src from so + from (through TMP: src may be the destination) to dword `to` of the destination. */
    const write = (src: Uint32Array, so: number, dx: number): void => {
      for (let i = 0; i < n; i++) TMP[i] = src[so + from + i];
      if (zero) { X[dx] = X[dx + 1] = X[dx + 2] = X[dx + 3] = 0; }
      for (let i = 0; i < n; i++) X[dx + to + i] = TMP[i];
    };
    if (d.k === "x") {
      const dx = xo(d);
      if (s.k === "x") { const sx = xo(s); return () => { write(X, sx, dx); return 0; }; }
      if (s.k === "r") {
        const r = s.r;
        return () => { S[0] = rget(r, 4); S[1] = n === 2 ? H[r] : 0; write(S, 0, dx); return 0; };
      }
      const m = s as MemOp;
      // a memory source is read whole from its start (movhps loads into the high half)
      return () => {
        if (!addr(m, f.align)) return FAULT_GP;
        if (!load(n)) return FLT.kind;
        write(S, 0, dx);
        return 0;
      };
    }
    const sx = xo(s);
    if (d.k === "r") {
      const r = d.r;
      if (n === 1) return () => { rset(r, 4, X[sx], 0); return 0; };
      return () => { rset(r, 8, X[sx], X[sx + 1]); return 0; };
    }
    const m = d as MemOp;
    return () => {
      if (!addr(m, f.align)) return FAULT_GP;
      return store(X, sx + from, n) ? 0 : FLT.kind;
    };
  }

  return (insn: Insn) => {
    const f = insn.sse!;
    const [o0, o1, o2] = insn.ops;
    const op = insn.op;
    const imm = o2?.k === "i" ? o2.lo & 0xff : o1?.k === "i" ? o1.lo & 0xff : 0;
    if (f.n !== undefined && op !== "movhlps" && op !== "movlhps") return compileMove(f, o0, o1);
    switch (op) {
      case "movhlps": case "movlhps": {
        const d = xo(o0), s = xo(o1), from = op === "movhlps" ? 2 : 0, to = 2 - from;
        return () => { X[d + to] = X[s + from]; X[d + to + 1] = X[s + from + 1]; return 0; };
      }
      case "movnti": {
        const m = o0 as MemOp, r = (o1 as { r: number }).r, sz = (o1 as { sz: number }).sz;
        return () => {
          ea(m);
          const ok = sz === 8 ? mmu.st64(EA[0], EA[1], rget(r, 4), H[r]) : mmu.st32(EA[0], EA[1], rget(r, 4));
          return ok ? 0 : FLT.kind;
        };
      }
      case "movmskps": case "movmskpd": case "pmovmskb": case "pextrw": {
        const r = (o0 as { r: number }).r, sz = (o0 as { sz: number }).sz, s = xo(o1);
        const fn = op === "movmskps" ? movmskps : op === "movmskpd" ? movmskpd : op === "pmovmskb" ? pmovmskb : null;
        if (fn) return () => { rset(r, sz, fn(X, s), 0); return 0; };
        return () => { rset(r, sz, pextrw(X, s, imm), 0); return 0; };
      }
      case "pinsrw": {
        const d = xo(o0);
        if (o1.k === "r") { const r = o1.r; return () => { pinsrw(X, d, rget(r, 4), imm); return 0; }; }
        const m = o1 as MemOp;
        return () => { ea(m); const v = mmu.ld16(EA[0], EA[1]); if (FLT.kind) return FLT.kind; pinsrw(X, d, v, imm); return 0; };
      }
      case "ldmxcsr": {
        const m = o0 as MemOp;
        return () => {
          ea(m);
          const v = mmu.ld32(EA[0], EA[1]);
          if (FLT.kind) return FLT.kind;
          if (v & ~MXCSR_MASK) return FAULT_GP;
          st.mxcsr = v;
          return 0;
        };
      }
      case "stmxcsr": {
        const m = o0 as MemOp;
        return () => { ea(m); return mmu.st32(EA[0], EA[1], st.mxcsr) ? 0 : FLT.kind; };
      }
      case "fxsave": case "fxsave64": {
        const m = o0 as MemOp, wide = op === "fxsave64";
        return () => {
          if (!addr(m, true)) return FAULT_GP;
          if (!mmu.probeWrite(EA[0], EA[1], FXSAVE_WRITTEN)) return FLT.kind;
          fxsaveImage(IMG, X, st.mxcsr, env.x87, wide);
          for (let i = 0; i < FXSAVE_WRITTEN; i += 8) {
            const s = (EA[0] >>> 0) + i;
            mmu.st64(s | 0, s > 0xffffffff ? (EA[1] + 1) | 0 : EA[1], IMG.getInt32(i, true), IMG.getInt32(i + 4, true));
          }
          return 0;
        };
      }
      case "fxrstor": case "fxrstor64": {
        const m = o0 as MemOp, wide = op === "fxrstor64";
        return () => {
          if (!addr(m, true)) return FAULT_GP;
          const base = EA[0], bhi = EA[1];
          for (let i = 0; i < FXSAVE_SIZE; i += 8) {
            const s = (base >>> 0) + i;
            const lo = mmu.ld64(s | 0, s > 0xffffffff ? (bhi + 1) | 0 : bhi);
            if (FLT.kind) return FLT.kind;
            IMG.setInt32(i, lo, true);
            IMG.setInt32(i + 4, mmu.hi, true);
          }
          const mx = fxrstorImage(IMG, X, env.x87, wide);
          if (mx < 0) return FAULT_GP;
          st.mxcsr = mx;
          return 0;
        };
      }
      case "lfence": case "mfence": case "sfence":
      case "prefetchnta": case "prefetcht0": case "prefetcht1": case "prefetcht2":
        return () => 0;
    }
    const shift = SHIFT_IMM[op];
    if (shift !== undefined && o0.k === "x" && o1.k === "i") {
      const d = xo(o0);
      return () => { xmmOp(shift, X, d, X, d, imm); return 0; };
    }
    const fn = PACKED[op];
    const d = xo(o0);
    if (o1.k === "x") { const s = xo(o1); return () => { xmmOp(fn, X, d, X, s, imm); return 0; }; }
    const m = o1 as MemOp;
    return () => {
      if (!addr(m, f.align)) return FAULT_GP;
      if (!load(4)) return FLT.kind;
      xmmOp(fn, X, d, S, 0, imm);
      return 0;
    };
  };
}
