// MMX (SDM vol. 1, ch. 9): the eight 64-bit registers mm0..mm7 are the x87
// registers' significands, by physical number (R0..R7, not relative to TOP).
// Every MMX instruction but emms sets TOP to 0 and every tag to valid; one
// that writes an mm register sets that register's sign and exponent (bits
// 64..79) to all ones; emms marks every register empty (and sets TOP to 0 on
// AMD's processors, whose vendor cpuid names: system.ts). An unmasked x87
// exception still pending is raised first (#MF), and a faulting memory
// operand changes nothing, the x87 state included.
//
// The packed operations are SSE2's (sse_int.ts), run on the low halves of
// their lane sets. The descriptors are made with SSE's (sse.ts's defineSse),
// whose opcode slots they share.

import { type Exec, type Op, STOP_MF } from "./exec.js";
import { define, FEAT_MMX, FEAT_SSE, FEAT_SSE2, type Feature, type Insn, type MemOp, MM, type Operand, type RegOp } from "./insn.js";
import { PACKED, PACKED_OPCODES, type PackedOp, pextrw, pinsrw, pmovmskb, SHIFT_IMM, xmmOp } from "./sse_int.js";
import { SW_ES } from "./x87.js";
import type { X87State } from "./x87_state.js";

const MASK32 = 0xffffffffn;
/** Sign and exponent all ones: what an MMX write leaves in bits 64..79. */
const EXP_ONES = 0xffffn << 64n;

/** mm i's low and high halves into out[at], out[at + 1]. */
export function getMm(f: X87State, i: number, out: Uint32Array, at: number): void {
  const v = f.regs[i];
  out[at] = Number(v & MASK32);
  out[at + 1] = Number((v >> 32n) & MASK32);
}

/** mm i = hi:lo, its sign and exponent all ones. */
export function setMm(f: X87State, i: number, lo: number, hi: number): void {
  f.regs[i] = EXP_ONES | (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

export const isMm = (o: Operand): boolean => o.k === "r" && o.sz === MM;

/**
 * An MMX instruction's Op: a pending unmasked x87 exception first (#MF), then
 * `run` (0, or the stop of a fault that changed nothing), then the x87 unit
 * enters MMX state: TOP = 0, every tag valid.
 */
export function mmxOp(x: Exec, run: () => number): Op {
  const f = x.st.fpu;
  return () => {
    if (f.sw & SW_ES) return STOP_MF;
    const k = run();
    if (k !== 0) return k;
    f.sw &= ~0x3800;
    f.tags = 0xff;
    return 0;
  };
}

/**
 * Reads an operand of 4 or 8 bytes into out[at], out[at + 1] (zero-extended):
 * an mm register, a general register or memory; 0 or the fault's stop.
 */
export function mmSource(x: Exec, o: Operand, out: Uint32Array, at: number): () => number {
  const { mmu, EA, FLT, H, rget } = x;
  const f = x.st.fpu;
  if (o.k === "r") {
    const r = o.r;
    if (o.sz === MM) return () => { getMm(f, r, out, at); return 0; };
    const wide = o.sz === 8;
    return () => { out[at] = rget(r, 4); out[at + 1] = wide ? H[r] : 0; return 0; };
  }
  const m = o as MemOp, wide = m.sz === 8;
  const load16 = m.sz === 2;
  return () => {
    x.ea(m);
    if (wide) {
      out[at] = mmu.ld64(EA[0], EA[1]);
      out[at + 1] = mmu.hi;
    } else {
      out[at] = load16 ? mmu.ld16(EA[0], EA[1]) : mmu.ld32(EA[0], EA[1]);
      out[at + 1] = 0;
    }
    return FLT.kind;
  };
}

/** Writes lo, hi (4 or 8 bytes) to an operand: an mm register, a general register or memory; 0 or the fault's stop. */
function mmStore(x: Exec, o: Operand): (lo: number, hi: number) => number {
  const { mmu, EA, FLT, rset } = x;
  const f = x.st.fpu;
  if (o.k === "r") {
    const r = o.r, sz = o.sz;
    if (sz === MM) return (lo, hi) => { setMm(f, r, lo, hi); return 0; };
    return (lo, hi) => { rset(r, sz, lo, hi); return 0; };
  }
  const m = o as MemOp, wide = m.sz === 8;
  return (lo, hi) => {
    x.ea(m);
    return (wide ? mmu.st64(EA[0], EA[1], lo, hi) : mmu.st32(EA[0], EA[1], lo)) ? 0 : FLT.kind;
  };
}

/** Operands and results in flight: the destination's lanes at 0..3, the source's at 4..7. */
const T = new Uint32Array(8);
const S = new Uint32Array(2);

/**
 * How an MMX form feeds its 128-bit SSE2 operation: LOW puts each operand in
 * its lane set's low half; PACK puts both in the destination's (the packs
 * narrow the destination's lanes, then the source's, as the horizontal adds
 * pair them); HIGH puts the operands' high dwords where the low unpacks read
 * (punpckh* is punpckl* of the high halves); DUP puts the destination in both
 * halves (pshufb's indices, 0..15, then pick its bytes modulo 8); ALIGN puts
 * the destination above the source in the source's lanes, the destination's
 * zero (palignr shifts the pair).
 */
export const LOW = 0, PACK = 1, HIGH = 2, DUP = 3, ALIGN = 4;

/** Defines the MMX form of a 128-bit packed operation (fn, by shape). */
export function defineMmxPacked(name: string, enc: string, feature: Feature, fn: PackedOp, shape = LOW): void {
  define({
    name,
    enc: [enc],
    feature,
    faults: true,
    compile: (x, insn) => {
      const f = x.st.fpu, d = (insn.ops[0] as RegOp).r, get = mmSource(x, insn.ops[1], S, 0);
      const imm = insn.ops[2]?.k === "i" ? insn.ops[2].lo & 0xff : 0;
      return mmxOp(x, () => {
        const k = get();
        if (k) return k;
        T.fill(0);
        getMm(f, d, T, 0);
        if (shape === PACK) { T[2] = S[0]; T[3] = S[1]; }
        else if (shape === HIGH) { T[0] = T[1]; T[1] = 0; T[4] = S[1]; }
        else if (shape === DUP) { T[2] = T[0]; T[3] = T[1]; T[4] = S[0]; T[5] = S[1]; }
        else if (shape === ALIGN) { T[6] = T[0]; T[7] = T[1]; T[0] = T[1] = 0; T[4] = S[0]; T[5] = S[1]; }
        else { T[4] = S[0]; T[5] = S[1]; }
        xmmOp(fn, T, 0, T, 4, imm);
        setMm(f, d, T[0], T[1]);
        return 0;
      });
    },
  });
}

/** The MMX forms of the integer instructions, the moves and emms; called by defineSse. */
export function defineMmx(): void {
  const hex2 = (b: number): string => b.toString(16).toUpperCase().padStart(2, "0");
  const SSE_ADDED = new Set(["pminub", "pmaxub", "pminsw", "pmaxsw", "pavgb", "pavgw", "pmulhuw", "psadbw"]);
  const SSE2_ADDED = new Set(["paddq", "psubq", "pmuludq"]);
  const featureOf = (name: string): Feature => (SSE2_ADDED.has(name) ? FEAT_SSE2 : SSE_ADDED.has(name) ? FEAT_SSE : FEAT_MMX);
  for (const [opc, name] of PACKED_OPCODES) {
    const enc = `NP 0F ${hex2(opc)} /r: P,Q`;
    // no MMX form of the quadword unpacks; the low unpacks read 32 bits of memory, the high ones 64
    if (name.endsWith("qdq")) continue;
    if (name.startsWith("punpckl")) defineMmxPacked(name, enc + "d", FEAT_MMX, PACKED[name]);
    else if (name.startsWith("punpckh")) defineMmxPacked(name, enc + "q", FEAT_MMX, PACKED[name.replace("punpckh", "punpckl")], HIGH);
    else defineMmxPacked(name, enc + "q", featureOf(name), PACKED[name], name.startsWith("pack") ? PACK : LOW);
  }
  // pshufw: pshuflw's low half
  defineMmxPacked("pshufw", "NP 0F 70 /r: P,Qq,Ib", FEAT_SSE, PACKED.pshuflw);

  // shifts by an immediate: NP 0F 71/72/73 /n ib
  for (const [opc, reg, name] of [[0x71, 2, "psrlw"], [0x71, 4, "psraw"], [0x71, 6, "psllw"], [0x72, 2, "psrld"], [0x72, 4, "psrad"],
    [0x72, 6, "pslld"], [0x73, 2, "psrlq"], [0x73, 6, "psllq"]] as const) {
    const fn = SHIFT_IMM[name];
    define({
      name,
      enc: [`NP 0F ${hex2(opc)} /${reg}: N,Ib`],
      feature: FEAT_MMX,
      faults: true,
      compile: (x, insn) => {
        const f = x.st.fpu, d = (insn.ops[0] as RegOp).r, imm = (insn.ops[1] as { lo: number }).lo & 0xff;
        return mmxOp(x, () => {
          T.fill(0);
          getMm(f, d, T, 0);
          xmmOp(fn, T, 0, T, 0, imm);
          setMm(f, d, T[0], T[1]);
          return 0;
        });
      },
    });
  }

  // moves: a load finishes before the store, so a fault changes nothing
  const move = (name: string | ((insn: Insn) => string), enc: string[], feature: Feature): void => {
    define({
      name,
      enc,
      feature,
      faults: true,
      compile: (x, insn) => {
        const get = mmSource(x, insn.ops[1], S, 0), put = mmStore(x, insn.ops[0]);
        return mmxOp(x, () => get() || put(S[0], S[1]));
      },
    });
  };
  const wide = (insn: Insn): boolean => insn.ops.some((o) => !isMm(o) && (o as { sz: number }).sz === 8);
  move((insn) => (wide(insn) ? "movq" : "movd"), ["NP 0F 6E /r: P,Ey", "NP 0F 7E /r: Ey,P"], FEAT_MMX);
  move("movq", ["NP 0F 6F /r: P,Qq", "NP 0F 7F /r: Qq,P"], FEAT_MMX);
  move("movntq", ["NP 0F E7 /r: Mq,P"], FEAT_SSE);
  // between an xmm register's low quadword and an mm register (movq2dq zeroes the high quadword)
  define({
    name: "movdq2q",
    enc: ["F2 0F D6 /r: P,U"],
    feature: FEAT_SSE2,
    faults: true,
    compile: (x, insn) => {
      const f = x.st.fpu, X = x.st.xmm, d = (insn.ops[0] as RegOp).r, s = (insn.ops[1] as RegOp).r * 4;
      return mmxOp(x, () => { setMm(f, d, X[s], X[s + 1]); return 0; });
    },
  });
  define({
    name: "movq2dq",
    enc: ["F3 0F D6 /r: V,N"],
    feature: FEAT_SSE2,
    faults: true,
    compile: (x, insn) => {
      const f = x.st.fpu, X = x.st.xmm, d = (insn.ops[0] as RegOp).r * 4, s = (insn.ops[1] as RegOp).r;
      return mmxOp(x, () => { getMm(f, s, X, d); X[d + 2] = X[d + 3] = 0; return 0; });
    },
  });

  define({
    name: "emms",
    enc: ["NP 0F 77"],
    feature: FEAT_MMX,
    faults: true,
    compile: (x) => {
      const f = x.st.fpu;
      // TOP = 0 as well, as AMD's processors leave it
      return () => {
        if (f.sw & SW_ES) return STOP_MF;
        f.sw &= ~0x3800;
        f.tags = 0;
        return 0;
      };
    },
  });

  // ---- SSE's MMX forms to and from general registers ----
  define({
    name: "pmovmskb",
    enc: ["NP 0F D7 /r: Gy,N"],
    feature: FEAT_SSE,
    faults: true,
    compile: (x, insn) => {
      const f = x.st.fpu, r = (insn.ops[0] as RegOp).r, s = (insn.ops[1] as RegOp).r;
      return mmxOp(x, () => { T.fill(0); getMm(f, s, T, 0); x.rset(r, 4, pmovmskb(T, 0), 0); return 0; });
    },
  });
  define({
    name: "pextrw",
    enc: ["NP 0F C5 /r: Gy,N,Ib"],
    feature: FEAT_SSE,
    faults: true,
    compile: (x, insn) => {
      const f = x.st.fpu, r = (insn.ops[0] as RegOp).r, s = (insn.ops[1] as RegOp).r, imm = (insn.ops[2] as { lo: number }).lo & 3;
      return mmxOp(x, () => { getMm(f, s, T, 0); x.rset(r, 4, pextrw(T, 0, imm), 0); return 0; });
    },
  });
  define({
    name: "pinsrw",
    enc: ["NP 0F C4 /r: P,Ry,Ib", "NP 0F C4 /r: P,Mw,Ib"],
    feature: FEAT_SSE,
    faults: true,
    compile: (x, insn) => {
      const f = x.st.fpu, d = (insn.ops[0] as RegOp).r, imm = (insn.ops[2] as { lo: number }).lo & 3;
      const get = mmSource(x, insn.ops[1], S, 0);
      return mmxOp(x, () => {
        const k = get();
        if (k) return k;
        getMm(f, d, T, 0);
        pinsrw(T, 0, S[0], imm);
        setMm(f, d, T[0], T[1]);
        return 0;
      });
    },
  });

  // maskmovq: the bytes of mm1 whose mask byte (in mm2) has its top bit set, to ds:rdi
  define({
    name: "maskmovq",
    enc: ["NP 0F F7 /r: Dq,P,N"],
    feature: FEAT_SSE,
    faults: true,
    compile: (x, insn) => {
      const { mmu, EA, FLT } = x;
      const f = x.st.fpu, m = insn.ops[0] as MemOp, s = (insn.ops[1] as RegOp).r, mask = (insn.ops[2] as RegOp).r;
      const V = new Uint32Array(2), K = new Uint32Array(2);
      return mmxOp(x, () => {
        getMm(f, s, V, 0);
        getMm(f, mask, K, 0);
        if ((K[0] | K[1]) & 0x80808080) {
          x.ea(m);
          // all eight bytes probed, so that a fault writes none
          if (!mmu.probeWrite(EA[0], EA[1], 8)) return FLT.kind;
          for (let i = 0; i < 8; i++) {
            if (!((K[i >> 2] >>> (8 * (i & 3) + 7)) & 1)) continue;
            const a = (EA[0] >>> 0) + i;
            mmu.st8(a | 0, a > 0xffffffff ? (EA[1] + 1) | 0 : EA[1], V[i >> 2] >>> (8 * (i & 3)));
          }
        }
        return 0;
      });
    },
  });
}
