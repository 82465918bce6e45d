// AVX2's (and AVX's) instructions of their own, with no legacy SSE form to
// derive from (avx.ts): per-element shifts, blends and in-lane permutes; the
// broadcasts, 128-bit inserts and extracts, cross-lane permutes, widening
// moves, sign masks and vptest over whole YMM registers; the VEX.256 width
// conversions; F16C.

import { STOP_XM } from "./exec.js";
import { FE_DENORMAL, type Format } from "./fpu/softfloat.js";
import { define, type Insn, type MemOp, type Operand, type RegOp } from "./insn.js";
import type { Jit } from "./jit.js";
import { K_EXPL } from "./state.js";
import { convert, F32, fe } from "./sse_float.js";
import { simdException } from "./sse_float_insns.js";
import { floatLanes, raised } from "./sse_float_lanes.js";
import { defineLaneOp, dword, getYmm, laneDwords, NDS, setYmm, source, store, translateAccess, UNARY_SHAPE, zeroHigh } from "./ymm.js";

/** A qword's shift by a 64-bit count (lo, hi): 0 past 63 (the arithmetic one fills with the sign). */
function shiftQ(R: Uint32Array, A: Uint32Array, i: number, clo: number, chi: number, kind: "l" | "r"): void {
  const n = chi !== 0 || clo >>> 0 > 63 ? 64 : clo;
  const lo = A[i], hi = A[i + 1];
  if (n >= 64) { R[i] = 0; R[i + 1] = 0; }
  else if (n === 0) { R[i] = lo; R[i + 1] = hi; }
  else if (kind === "l") {
    R[i] = n < 32 ? lo << n : 0;
    R[i + 1] = n < 32 ? (hi << n) | (lo >>> (32 - n)) : lo << (n - 32);
  } else {
    R[i] = n < 32 ? (lo >>> n) | (hi << (32 - n)) : hi >>> (n - 32);
    R[i + 1] = n < 32 ? hi >>> n : 0;
  }
}

export function defineAvxLanes(): void {
  // the shifts by a count per element
  const D = "VEX 66 0F 38";
  defineLaneOp("vpsllvd", [`${D} 47 W0 /r: Vx,Hx,Wx`], NDS, (A, B, R) => { for (let i = 0; i < 4; i++) R[i] = B[i] >>> 0 > 31 ? 0 : A[i] << B[i]; });
  defineLaneOp("vpsrlvd", [`${D} 45 W0 /r: Vx,Hx,Wx`], NDS, (A, B, R) => { for (let i = 0; i < 4; i++) R[i] = B[i] >>> 0 > 31 ? 0 : A[i] >>> B[i]; });
  defineLaneOp("vpsravd", [`${D} 46 W0 /r: Vx,Hx,Wx`], NDS, (A, B, R) => { for (let i = 0; i < 4; i++) R[i] = (A[i] | 0) >> Math.min(B[i] >>> 0, 31); });
  defineLaneOp("vpsllvq", [`${D} 47 W1 /r: Vx,Hx,Wx`], NDS, (A, B, R) => { for (let i = 0; i < 4; i += 2) shiftQ(R, A, i, B[i], B[i + 1], "l"); });
  defineLaneOp("vpsrlvq", [`${D} 45 W1 /r: Vx,Hx,Wx`], NDS, (A, B, R) => { for (let i = 0; i < 4; i += 2) shiftQ(R, A, i, B[i], B[i + 1], "r"); });
  // vpblendd: dword i from the second source where imm bit i is set (lane 1: bits 4..7)
  defineLaneOp("vpblendd", ["VEX 66 0F 3A 02 W0 /r: Vx,Hx,Wx,Ib"], { ...NDS, immShift: 4 }, (A, B, R, imm) => {
    for (let i = 0; i < 4; i++) R[i] = (imm >> i) & 1 ? B[i] : A[i];
  });
  // duplications: vmovddup's VEX.128 source is m64
  defineLaneOp("vmovddup", ["VEX F2 0F 12 L0 /r: V,Wq", "VEX F2 0F 12 L1 /r: Vqq,Wqq"], UNARY_SHAPE, (_A, B, R) => { R[0] = R[2] = B[0]; R[1] = R[3] = B[1]; });
  defineLaneOp("vmovsldup", ["VEX F3 0F 12 /r: Vx,Wx"], UNARY_SHAPE, (_A, B, R) => { R[0] = R[1] = B[0]; R[2] = R[3] = B[2]; });
  defineLaneOp("vmovshdup", ["VEX F3 0F 16 /r: Vx,Wx"], UNARY_SHAPE, (_A, B, R) => { R[0] = R[1] = B[1]; R[2] = R[3] = B[3]; });
  // vpermilps/vpermilpd: within each lane, by an immediate or by the second source's selectors
  defineLaneOp("vpermilps", ["VEX 66 0F 3A 04 W0 /r: Vx,Wx,Ib"], UNARY_SHAPE, (_A, B, R, imm) => { for (let i = 0; i < 4; i++) R[i] = B[(imm >> (2 * i)) & 3]; });
  defineLaneOp("vpermilpd", ["VEX 66 0F 3A 05 W0 /r: Vx,Wx,Ib"], { ...UNARY_SHAPE, immShift: 2 }, (_A, B, R, imm) => {
    for (let j = 0; j < 2; j++) { const k = ((imm >> j) & 1) * 2; R[2 * j] = B[k]; R[2 * j + 1] = B[k + 1]; }
  });
  defineLaneOp("vpermilps", ["VEX 66 0F 38 0C W0 /r: Vx,Hx,Wx"], NDS, (A, B, R) => { for (let i = 0; i < 4; i++) R[i] = A[B[i] & 3]; });
  defineLaneOp("vpermilpd", ["VEX 66 0F 38 0D W0 /r: Vx,Hx,Wx"], NDS, (A, B, R) => {
    for (let j = 0; j < 2; j++) { const k = ((B[2 * j] >> 1) & 1) * 2; R[2 * j] = A[k]; R[2 * j + 1] = A[k + 1]; }
  });
}

// ---- across the lanes ----

/** Defines an instruction over whole registers: fn(ops' values, result, imm); the destination is ops[0], zero-extended at VEX.128. */
function defineWhole(name: string, enc: string[], fn: (S: Uint32Array[], R: Uint32Array, imm: number, wide: boolean) => void,
  translate?: (j: Jit, insn: Insn) => string | null): void {
  define({
    name,
    enc,
    translate,
    compile: (x, insn) => {
      const d = insn.ops[0] as RegOp, wide = d.sz === 32;
      const srcs = insn.ops.slice(1).filter((o) => o.k !== "i");
      const imm = insn.ops.find((o) => o.k === "i")?.lo ?? 0;
      const S = srcs.map(() => new Uint32Array(8)), R = new Uint32Array(8);
      const gets = srcs.map((o, i) => source(x, o, o.k === "m" ? o.sz : 32, S[i]));
      return () => {
        for (const g of gets) { const k = g(); if (k) return k; }
        fn(S, R, imm & 0xff, wide);
        setYmm(x, d.r, R, wide);
        return 0;
      };
    },
  });
}

/**
 * vblendvps and vblendvpd for the block: every dword is chosen (by the sign of its element's top dword
 * in the mask) into a temporary first, as the destination may be any of the sources.
 */
function translateBlendv(j: Jit, insn: Insn, size: number): string | null {
  const [dst, first, src, is4] = insn.ops as [RegOp, RegOp, Operand, RegOp];
  const sign = (lane: number, k: number): string => `(${dword(is4.r, lane, size === 8 ? k | 1 : k)} | 0) < 0`;
  const blend = (from: (lane: number, k: number) => string): string =>
    `{${laneDwords(dst.sz, (lane, k) => `const b${lane}${k} = ${sign(lane, k)} ? ${from(lane, k)} : ${dword(first.r, lane, k)};`)}` +
    `${laneDwords(dst.sz, (lane, k) => `${dword(dst.r, lane, k)} = b${lane}${k};`)}${dst.sz === 16 ? zeroHigh(dst.r) : ""}}`;
  if (src.k === "r") return blend((lane, k) => dword((src as RegOp).r, lane, k));
  return translateAccess(j, src as MemOp, dst.sz, false, false, (p) => blend((lane, k) => `DV.getInt32(${p} + ${16 * lane + 4 * k}, true)`));
}

export function defineAvxWhole(): void {
  // the variable blends: each element from the second source where the mask register's element (named by an
  // immediate byte's high nibble, the is4 operand Lx) has its sign bit set, else from the first
  for (const [name, opc, size] of [["vblendvps", "4A", 4], ["vblendvpd", "4B", 8], ["vpblendvb", "4C", 1]] as const) {
    define({
      name,
      enc: [`VEX 66 0F 3A ${opc} W0 /r: Vx,Hx,Wx,Lx`],
      compile: (x, insn) => {
        const [dst, first, src, is4] = insn.ops as [RegOp, RegOp, Operand, RegOp];
        const wide = dst.sz === 32, mask = is4.r;
        const A = new Uint32Array(8), S = new Uint32Array(8), M = new Uint32Array(8), R = new Uint32Array(8);
        const a = new Uint8Array(A.buffer), s = new Uint8Array(S.buffer), m = new Uint8Array(M.buffer), r = new Uint8Array(R.buffer);
        const get = source(x, src, src.k === "m" ? src.sz : 32, S);
        return () => {
          const k = get();
          if (k) return k;
          getYmm(x, first.r, A);
          getYmm(x, mask, M);
          for (let e = 0; e < 32; e += size) {
            const from = m[e + size - 1] & 0x80 ? s : a;
            for (let b = e; b < e + size; b++) r[b] = from[b];
          }
          setYmm(x, dst.r, R, wide);
          return 0;
        };
      },
      translate: size === 1 ? undefined : (j, insn) => translateBlendv(j, insn, size),
    });
  }
  // broadcasts: the source's low element (a register's, or memory's) to every element
  for (const [name, enc, bytes] of [
    ["vpbroadcastb", "VEX 66 0F 38 78 W0 /r: Vx,Wb", 1], ["vpbroadcastw", "VEX 66 0F 38 79 W0 /r: Vx,Ww", 2],
    ["vpbroadcastd", "VEX 66 0F 38 58 W0 /r: Vx,Wd", 4], ["vpbroadcastq", "VEX 66 0F 38 59 W0 /r: Vx,Wq", 8],
    ["vbroadcastss", "VEX 66 0F 38 18 W0 /r: Vx,Wd", 4], ["vbroadcastsd", "VEX 66 0F 38 19 W0 L1 /r: Vqq,Wq", 8],
    ["vbroadcasti128", "VEX 66 0F 38 5A W0 L1 /r: Vqq,Mdq", 16], ["vbroadcastf128", "VEX 66 0F 38 1A W0 L1 /r: Vqq,Mdq", 16],
  ] as const) {
    defineWhole(name, [enc], ([S], R) => {
      const b = new Uint8Array(S.buffer, S.byteOffset, 32), r = new Uint8Array(R.buffer, R.byteOffset, 32);
      for (let i = 0; i < 32; i++) r[i] = b[i % bytes];
    }, bytes === 16 ? undefined : (j, insn) => translateBroadcast(j, insn, bytes));
  }
  // 128-bit halves: insert into, extract from, permute two registers' lanes
  for (const [name, opc] of [["vinsertf128", "18"], ["vinserti128", "38"]] as const) {
    defineWhole(name, [`VEX 66 0F 3A ${opc} W0 L1 /r: Vqq,Hqq,Wdq,Ib`], ([H, W], R, imm) => {
      R.set(H);
      R.set(W.subarray(0, 4), (imm & 1) * 4);
    });
  }
  for (const [name, opc] of [["vextractf128", "19"], ["vextracti128", "39"]] as const) {
    define({
      name,
      enc: [`VEX 66 0F 3A ${opc} W0 L1 /r: Wdq,Vqq,Ib`],
      compile: (x, insn) => {
        const [d, s, i] = insn.ops, from = ((i as { lo: number }).lo & 1) * 4, V = new Uint32Array(8), r = (s as RegOp).r;
        if (d.k === "r") return () => { getYmm(x, r, V); V.copyWithin(0, from, from + 4); setYmm(x, d.r, V, false); return 0; };
        const m = d as MemOp;
        return () => { getYmm(x, r, V); return store(x, m, V.subarray(from), 16, 0); };
      },
    });
  }
  for (const [name, opc] of [["vperm2f128", "06"], ["vperm2i128", "46"]] as const) {
    defineWhole(name, [`VEX 66 0F 3A ${opc} W0 L1 /r: Vqq,Hqq,Wqq,Ib`], ([H, W], R, imm) => {
      for (let lane = 0; lane < 2; lane++) {
        const sel = imm >> (4 * lane);
        for (let i = 0; i < 4; i++) R[lane * 4 + i] = sel & 8 ? 0 : (sel & 2 ? W : H)[(sel & 1) * 4 + i];
      }
    });
  }
  // full permutes: qwords by an immediate, dwords by the first source's indexes
  for (const [name, opc] of [["vpermq", "00"], ["vpermpd", "01"]] as const) {
    defineWhole(name, [`VEX 66 0F 3A ${opc} W1 L1 /r: Vqq,Wqq,Ib`], ([W], R, imm) => {
      for (let i = 0; i < 4; i++) { const k = ((imm >> (2 * i)) & 3) * 2; R[2 * i] = W[k]; R[2 * i + 1] = W[k + 1]; }
    });
  }
  for (const [name, opc] of [["vpermd", "36"], ["vpermps", "16"]] as const) {
    defineWhole(name, [`VEX 66 0F 38 ${opc} W0 L1 /r: Vqq,Hqq,Wqq`], ([H, W], R) => { for (let i = 0; i < 8; i++) R[i] = W[H[i] & 7]; });
  }
  // sign and zero extensions: each element of the source's low part widened
  const EXT = [["bw", 1, 2], ["bd", 1, 4], ["bq", 1, 8], ["wd", 2, 4], ["wq", 2, 8], ["dq", 4, 8]] as const;
  EXT.forEach(([suffix, from, to], i) => {
    for (const [kind, base] of [["sx", 0x20], ["zx", 0x30]] as const) {
      const opc = (base + i).toString(16).toUpperCase(), ratio = to / from;
      const small = ({ 2: "q", 4: "d", 8: "w" } as const)[ratio], big = ({ 2: "dq", 4: "q", 8: "d" } as const)[ratio];
      defineWhole(`vpmov${kind}${suffix}`, [`VEX 66 0F 38 ${opc} L0 /r: V,W${small}`, `VEX 66 0F 38 ${opc} L1 /r: Vqq,W${big}`], ([S], R, _imm, wide) => {
        const n = (wide ? 32 : 16) / to, dv = new DataView(S.buffer, S.byteOffset, 32), rv = new DataView(R.buffer, R.byteOffset, 32);
        for (let e = 0; e < n; e++) {
          const bits = BigInt(from * 8);
          const raw = BigInt(from === 1 ? dv.getUint8(e) : from === 2 ? dv.getUint16(e * 2, true) : dv.getUint32(e * 4, true));
          const v = kind === "sx" ? BigInt.asIntN(Number(bits), raw) : raw;
          const w = BigInt.asUintN(to * 8, v);
          if (to === 2) rv.setUint16(e * 2, Number(w), true);
          else if (to === 4) rv.setUint32(e * 4, Number(w), true);
          else rv.setBigUint64(e * 8, w, true);
        }
      });
    }
  });
  // the sign masks of whole YMM registers
  for (const [name, pre, size] of [["vpmovmskb", "66", 1], ["vmovmskps", "NP", 4], ["vmovmskpd", "66", 8]] as const) {
    const opc = name === "vpmovmskb" ? "D7" : "50";
    define({
      name,
      enc: [`VEX ${pre} 0F ${opc} L1 /r: Gy,Uqq`],
      compile: (x, insn) => {
        const d = insn.ops[0] as RegOp, s = (insn.ops[1] as RegOp).r, V = new Uint32Array(8), b = new Uint8Array(V.buffer);
        return () => {
          getYmm(x, s, V);
          let m = 0;
          for (let e = 0; e < 32 / size; e++) m |= (b[e * size + size - 1] >>> 7) << e;
          x.rset(d.r, d.sz, m, 0);
          return 0;
        };
      },
      translate: size !== 1 ? undefined : (j, insn) => {
        // each dword's four byte sign bits, then the dwords side by side
        const d = insn.ops[0] as RegOp, s = (insn.ops[1] as RegOp).r;
        const bits = [0, 1].flatMap((lane) => [0, 1, 2, 3].map((k) =>
          `(((v = ${dword(s, lane, k)}) >>> 7 & 1) | (v >>> 14 & 2) | (v >>> 21 & 4) | (v >>> 28 & 8)) << ${16 * lane + 4 * k}`));
        return `{let v; const m = ${bits.join(" | ")}; ${j.rw(d.r, d.sz, "m", "0")}}`;
      },
    });
  }
  // vptest: ZF when first & second is all zero, CF when ~first & second is; the other flags cleared
  define({
    name: "vptest",
    enc: ["VEX 66 0F 38 17 /r: Vx,Wx"],
    def: 0x8d5,
    compile: (x, insn) => {
      const d = insn.ops[0] as RegOp, A = new Uint32Array(8), B = new Uint32Array(8), wide = d.sz === 32;
      const get = source(x, insn.ops[1], wide ? 32 : 16, B);
      return () => {
        const k = get();
        if (k) return k;
        getYmm(x, d.r, A);
        let and = 0, andn = 0;
        for (let i = 0; i < (wide ? 8 : 4); i++) { and |= A[i] & B[i]; andn |= ~A[i] & B[i]; }
        x.setArith((and === 0 ? 0x40 : 0) | (andn === 0 ? 1 : 0));
        return 0;
      };
    },
    translate: (j, insn) => {
      const d = insn.ops[0] as RegOp, s = insn.ops[1];
      const flags = (b: (lane: number, k: number) => string): string =>
        `{let and = 0, andn = 0; ${laneDwords(d.sz, (lane, k) => `{const a = ${dword(d.r, lane, k)}, b = ${b(lane, k)}; and |= a & b; andn |= ~a & b;}`)} ` +
        `F[0] = ${K_EXPL << 2}; F[7] = (and === 0 ? 0x40 : 0) | (andn === 0 ? 1 : 0);}`;
      j.known = K_EXPL << 2;
      if (s.k === "r") return flags((lane, k) => dword(s.r, lane, k));
      return translateAccess(j, s as MemOp, d.sz, false, false, (p) => flags((lane, k) => `DV.getInt32(${p} + ${16 * lane + 4 * k}, true)`));
    },
  });
}

/**
 * A broadcast of `bytes` (1, 2, 4, 8) for the block translator: the source's low element (an XMM register's,
 * or memory's) repeated through one dword (a qword: two), then to every dword of the destination.
 */
function translateBroadcast(j: Jit, insn: Insn, bytes: number): string | null {
  const d = insn.ops[0] as RegOp, s = insn.ops[1];
  const fill = (lo: string, hi: string): string => {
    const v = bytes === 1 ? `(${lo} & 255) * 0x01010101` : bytes === 2 ? `(${lo} & 65535) * 0x10001` : lo;
    return `{const v = ${v} | 0, vh = ${bytes === 8 ? hi : "v"} | 0; ` +
      laneDwords(d.sz, (lane, k) => `${dword(d.r, lane, k)} = ${k & 1 ? "vh" : "v"};`) + (d.sz === 16 ? zeroHigh(d.r) : "") + "}";
  };
  if (s.k === "r") return fill(dword(s.r, 0, 0), dword(s.r, 0, 1));
  const ea = j.ea(s as MemOp);
  return ea === null ? null : `{${ea} ${j.load(bytes, "e", "eh", false)} ${fill("e", "eh")}}`;
}

// ---- conversions between widths at VEX.256 ----

/**
 * The 256-bit forms of the conversions between 32- and 64-bit elements, from
 * the legacy lane operations run on each half: widening takes a 128-bit source
 * to a YMM register, narrowing a 256-bit source to an XMM register.
 */
export function defineConversions(): void {
  for (const [name, enc, widen] of [
    ["cvtdq2pd", "VEX F3 0F E6 L1 /r: Vqq,Wdq", true], ["cvtps2pd", "VEX NP 0F 5A L1 /r: Vqq,Wdq", true],
    ["cvtpd2ps", "VEX 66 0F 5A L1 /r: V,Wqq", false], ["cvtpd2dq", "VEX F2 0F E6 L1 /r: V,Wqq", false], ["cvttpd2dq", "VEX 66 0F E6 L1 /r: V,Wqq", false],
  ] as const) {
    const lanes = floatLanes()[name];
    define({
      name: "v" + name,
      enc: [enc],
      compile: (x, insn) => {
        const d = insn.ops[0] as RegOp, S = new Uint32Array(8), H = new Uint32Array(4), out = new Uint32Array(4), R = new Uint32Array(8), st = x.st;
        const get = source(x, insn.ops[1], widen ? 16 : 32, S);
        return () => {
          const k = get();
          if (k) return k;
          const mx = st.mxcsr;
          let flags = 0;
          for (let half = 0; half < 2; half++) {
            // widening reads two elements of the half's 64 bits, narrowing writes two of 64
            for (let i = 0; i < 4; i++) H[i] = widen ? (i < 2 ? S[half * 2 + i] : 0) : S[half * 4 + i];
            raised.flags = 0;
            lanes(out, 0, H, 0, mx);
            flags |= raised.flags;
            if (widen) R.set(out, half * 4);
            else { R[half * 2] = out[0]; R[half * 2 + 1] = out[1]; }
          }
          raised.flags = flags;
          if (simdException(x, mx)) return STOP_XM;
          st.mxcsr = mx | flags;
          setYmm(x, d.r, R, widen);
          return 0;
        };
      },
    });
  }
}

// ---- F16C: half precision ----

const F16: Format = { ebits: 5, p: 11, explicit: false, bias: 15 };

/**
 * vcvtph2ps widens 4 or 8 halves (exactly; DAZ does not apply to them, nor does DE);
 * vcvtps2ph narrows 4 or 8 singles, rounding as imm8 bits 1..0 say unless bit
 * 2 defers to MXCSR.RC (FTZ does not apply), into an XMM register or memory.
 */
export function defineF16c(): void {
  define({
    name: "vcvtph2ps",
    enc: ["VEX 66 0F 38 13 W0 L0 /r: V,Wq", "VEX 66 0F 38 13 W0 L1 /r: Vqq,Wdq"],
    compile: (x, insn) => {
      const d = insn.ops[0] as RegOp, wide = d.sz === 32, S = new Uint32Array(8), R = new Uint32Array(8), st = x.st;
      const get = source(x, insn.ops[1], wide ? 16 : 8, S);
      return () => {
        const k = get();
        if (k) return k;
        const mx = st.mxcsr;
        fe.flags = 0;
        for (let i = 0; i < (wide ? 8 : 4); i++) R[i] = Number(convert(BigInt((S[i >> 1] >>> ((i & 1) * 16)) & 0xffff), F16, F32, mx & ~0x40));
        // a denormal half is no denormal operand here: only invalid (a signalling NaN) is raised
        raised.flags = fe.flags & ~FE_DENORMAL;
        fe.flags = 0;
        if (simdException(x, mx)) return STOP_XM;
        st.mxcsr = mx | raised.flags;
        setYmm(x, d.r, R, wide);
        return 0;
      };
    },
  });
  define({
    name: "vcvtps2ph",
    enc: ["VEX 66 0F 3A 1D W0 L0 /r: Wq,V,Ib", "VEX 66 0F 3A 1D W0 L1 /r: Wdq,Vqq,Ib"],
    compile: (x, insn) => {
      const [d, s, i] = insn.ops as [Operand, RegOp, { lo: number }], wide = s.sz === 32, n = wide ? 8 : 4, st = x.st;
      const imm = i.lo & 7, S = new Uint32Array(8), R = new Uint32Array(8);
      return () => {
        getYmm(x, s.r, S);
        const mx = st.mxcsr, rc = imm & 4 ? mx : (mx & ~0x6000) | ((imm & 3) << 13);
        fe.flags = 0;
        R.fill(0);
        for (let e = 0; e < n; e++) R[e >> 1] |= Number(convert(BigInt(S[e]), F32, F16, rc & ~0x8000)) << ((e & 1) * 16);
        raised.flags = fe.flags;
        fe.flags = 0;
        if (simdException(x, mx)) return STOP_XM;
        if (d.k === "m") {
          const k = store(x, d as MemOp, R, n * 2, 0);
          if (k) return k;
        } else setYmm(x, (d as RegOp).r, R, false);
        st.mxcsr = mx | raised.flags;
        return 0;
      };
    },
  });
}

/** The descriptors, made on the first VEX instruction (insn.ts's defineLater): the derived forms first. */
