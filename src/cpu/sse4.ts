// SSSE3, SSE4.1 and SSE4.2 (the legacy encodings of the 0F 38 and 0F 3A
// maps): the packed-integer instructions and blends (their lanes in
// sse4_int.ts), the rounding and dot products (sse_float_lanes.ts), the
// inserts and extracts, ptest, the string compares, crc32, and SSSE3's MMX
// forms. Made on the decoder's first use of each map (insn.ts's defineLater).
// A 16-byte memory operand must be aligned, except in the string compares.

import { ALL_FLAGS, type Exec, type Op } from "./exec.js";
import { bswap32 } from "./bits.js";
import { define, defineLater, FEAT_MOVBE, FEAT_SSE41, FEAT_SSE42, FEAT_SSSE3, type Insn, type MemOp, type Prefixes, type Operand, type RegOp } from "./insn.js";
import { ALIGN, defineMmxPacked, DUP, LOW, PACK } from "./mmx.js";
import { defineMove, definePacked, source } from "./sse.js";
import { compileLanes } from "./sse_float_insns.js";
import { A, B } from "./sse_int.js";
import {
  blendvpd, blendvps, crc32c, explicitLength, pcmpstr, pcmpstrIndex, pcmpstrMask, ptest, sse4Ops0F38, sse4Ops0F3A, SSSE3, SSSE3_OPCODES,
} from "./sse4_int.js";
import { RAX, RCX, RDX } from "./state.js";

const S = new Uint32Array(4);
const hex2 = (b: number): string => b.toString(16).toUpperCase().padStart(2, "0");
const immOf = (insn: Insn): number => (insn.ops[insn.ops.length - 1] as { lo: number }).lo & 0xff;
const xr = (o: Operand): number => (o as RegOp).r * 4;

/** Lane k of `bytes` bytes (1, 2, 4; 8 leaves the high half in hi) of XMM dwords X[s..s+4). */
function lane(X: Uint32Array, s: number, k: number, bytes: number, out: { hi: number }): number {
  if (bytes === 8) { out.hi = X[s + 2 * k + 1]; return X[s + 2 * k]; }
  out.hi = 0;
  const at = k * bytes;
  return bytes === 4 ? X[s + (at >> 2)] : (X[s + (at >> 2)] >>> ((at & 3) * 8)) & (bytes === 1 ? 0xff : 0xffff);
}

/** pextrb, pextrw (0F 3A 15), pextrd/q, extractps: lane imm of an XMM register to a general register (zero-extended) or memory. */
function defineExtract(name: string | ((insn: Insn) => string), enc: string[], bytes: number | null): void {
  define({
    name,
    enc,
    feature: FEAT_SSE41,
    compile: (x, insn) => {
      const X = x.st.xmm, d = insn.ops[0], s = xr(insn.ops[1]), n = bytes ?? (insn.osz === 8 ? 8 : 4);
      const k = immOf(insn) & (16 / n - 1), out = { hi: 0 };
      if (d.k === "r") {
        const r = d.r, sz = d.sz;
        return () => { const v = lane(X, s, k, n, out); x.rset(r, sz, v, out.hi); return 0; };
      }
      const m = d as MemOp;
      return () => {
        x.ea(m);
        const v = lane(X, s, k, n, out);
        return x.stm(n, v, out.hi) ? 0 : x.FLT.kind;
      };
    },
  });
}

/** pinsrb, pinsrd/q: a general register's low bytes or memory into lane imm of an XMM register. */
function defineInsert(name: string | ((insn: Insn) => string), enc: string[], bytes: number | null): void {
  define({
    name,
    enc,
    feature: FEAT_SSE41,
    compile: (x, insn) => {
      const X = x.st.xmm, d = xr(insn.ops[0]), s = insn.ops[1], n = bytes ?? (insn.osz === 8 ? 8 : 4);
      const k = immOf(insn) & (16 / n - 1);
      return () => {
        const v = x.get(s, n);
        if (x.FLT.kind) return x.FLT.kind;
        if (n === 8) { X[d + 2 * k] = v; X[d + 2 * k + 1] = x.T[0]; return 0; }
        const at = k * n, i = d + (at >> 2), sh = (at & 3) * 8, mask = n === 4 ? -1 : (n === 1 ? 0xff : 0xffff) << sh;
        X[i] = (X[i] & ~mask) | ((v << sh) & mask);
        return 0;
      };
    },
  });
}

/** The source into B and the destination register into A, for the operations that are not PackedOps (ptest, the string compares). */
function operands(x: Exec, insn: Insn, align: boolean): () => number {
  const X = x.st.xmm, d = xr(insn.ops[0]), get = source(x, insn.ops[1], S, align);
  return () => {
    const k = get();
    if (k) return k;
    for (let i = 0; i < 4; i++) { A.d[i] = X[d + i]; B.d[i] = S[i]; }
    return 0;
  };
}

/** pcmpestri, pcmpestrm, pcmpistri, pcmpistrm (REX.W: the 64-bit lengths in rax and rdx). */
function defineStringCompare(opc: number, base: string): void {
  const explicit = base[4] === "e", index = base.endsWith("i");
  define({
    name: (insn) => (explicit && insn.osz === 8 ? base + "64" : base),
    enc: [`66 0F 3A ${hex2(opc)} /r: V,Wdq,Ib`],
    feature: FEAT_SSE42,
    def: ALL_FLAGS,
    implicitRegs: true,
    compile: (x, insn): Op => {
      const { L, H } = x, X = x.st.xmm, get = operands(x, insn, false), imm = immOf(insn), wide = insn.osz === 8, n = imm & 1 ? 8 : 16;
      return () => {
        const k = get();
        if (k) return k;
        const la = explicit ? explicitLength(L[RAX], H[RAX], wide, n) : -1, lb = explicit ? explicitLength(L[RDX], H[RDX], wide, n) : -1;
        const res = pcmpstr(imm, la, lb);
        if (index) x.rset(RCX, 4, pcmpstrIndex(imm, res), 0);
        else pcmpstrMask(imm, res, X, 0);
        x.setArith(res >>> 16);
        return 0;
      };
    },
  });
}

/** The 0F 38 map: SSSE3 (and its MMX forms), SSE4.1's packed integers, blends, ptest and movntdqa, SSE4.2's pcmpgtq and crc32; movbe. */
function define0F38(): void {
  for (const [opc, name] of SSSE3_OPCODES) {
    definePacked(name, `66 0F 38 ${hex2(opc)} /r: V,Wdq`, FEAT_SSSE3, SSSE3[name]);
    defineMmxPacked(name, `NP 0F 38 ${hex2(opc)} /r: P,Qq`, FEAT_SSSE3, SSSE3[name], name === "pshufb" ? DUP : /^ph/.test(name) ? PACK : LOW);
  }
  for (const [opc, name, fn, bytes] of sse4Ops0F38()) {
    const w = bytes === 16 ? "Wdq" : bytes === 8 ? "Wq" : bytes === 4 ? "Wd" : "Ww";
    definePacked(name, `66 0F 38 ${hex2(opc)} /r: V,${w}`, name === "pcmpgtq" ? FEAT_SSE42 : FEAT_SSE41, fn, name === "pblendvb");
  }
  definePacked("blendvps", "66 0F 38 14 /r: V,Wdq", FEAT_SSE41, blendvps, true);
  definePacked("blendvpd", "66 0F 38 15 /r: V,Wdq", FEAT_SSE41, blendvpd, true);
  defineMove("movntdqa", ["66 0F 38 2A /r: V,Mdq"], FEAT_SSE41, { n: 4, align: true });
  define({
    name: "ptest",
    enc: ["66 0F 38 17 /r: V,Wdq"],
    feature: FEAT_SSE41,
    def: ALL_FLAGS,
    compile: (x, insn) => {
      const get = operands(x, insn, true);
      return () => {
        const k = get();
        if (k) return k;
        x.setArith(ptest(A.d, 0, B.d, 0));
        return 0;
      };
    },
  });
  // movbe: a load or store with its bytes reversed (no F2 or F3: crc32's slots; 66 is the operand size, REX.W over it)
  const noRep = (p: Prefixes): boolean => p.rep === 0;
  define({
    name: "movbe",
    enc: [{ enc: "0F 38 F0 /r: Gv,Mv", when: noRep }, { enc: "0F 38 F1 /r: Mv,Gv", when: noRep }],
    feature: FEAT_MOVBE,
    compile: (x, insn) => {
      const [d, s] = insn.ops as [RegOp | MemOp, RegOp | MemOp];
      const sz = d.sz, { L, H, T, FLT } = x;
      // the value's bytes reversed: low half returned, high half in T[0] (64 bits)
      const swap = (lo: number, hi: number): number => {
        if (sz === 2) return ((lo & 0xff) << 8) | ((lo >>> 8) & 0xff);
        if (sz === 4) return bswap32(lo);
        T[0] = bswap32(lo);
        return bswap32(hi);
      };
      if (d.k === "r") {
        return () => {
          const lo = x.get(s, sz);
          if (FLT.kind) return FLT.kind;
          const v = swap(lo, T[0]);
          x.rset(d.r, sz, v, T[0]);
          return 0;
        };
      }
      const r = (s as RegOp).r;
      return () => {
        const v = swap(L[r], H[r]);
        x.ea(d as MemOp);
        return x.stm(sz, v, T[0]) ? 0 : FLT.kind;
      };
    },
  });
  // crc32 of a byte, word, dword or qword (66: word; REX.W: a 64-bit destination, zero-extended)
  define({
    name: "crc32",
    enc: ["F2 0F 38 F0 /r: Gy,Eb", "F2 0F 38 F1 /r: Gy,Ev"],
    feature: FEAT_SSE42,
    compile: (x, insn) => {
      const d = insn.ops[0] as RegOp, s = insn.ops[1], n = s.k === "r" ? s.sz : (s as MemOp).sz;
      const { L, T, FLT } = x;
      return () => {
        const v = x.get(s, n);
        if (FLT.kind) return FLT.kind;
        x.rset(d.r, d.sz, crc32c(L[d.r], v, n === 8 ? T[0] : 0, n), 0);
        return 0;
      };
    },
  });
}

/** The 0F 3A map: palignr (and its MMX form), SSE4.1's rounding, blends, dot products, inserts and extracts, mpsadbw, SSE4.2's string compares. */
function define0F3A(): void {
  definePacked("palignr", "66 0F 3A 0F /r: V,Wdq,Ib", FEAT_SSSE3, SSSE3.palignr);
  defineMmxPacked("palignr", "NP 0F 3A 0F /r: P,Qq,Ib", FEAT_SSSE3, SSSE3.palignr, ALIGN);
  for (const [opc, name, fn] of sse4Ops0F3A()) {
    // insertps from memory takes the m32 itself: the source is its dword 0 whatever imm[7:6] says
    if (name === "insertps") {
      definePacked(name, `66 0F 3A ${hex2(opc)} /r: V,Ud,Ib`, FEAT_SSE41, fn);
      definePacked(name, `66 0F 3A ${hex2(opc)} /r: V,Md,Ib`, FEAT_SSE41, (imm) => fn(imm & 0x3f));
    } else definePacked(name, `66 0F 3A ${hex2(opc)} /r: V,Wdq,Ib`, FEAT_SSE41, fn);
  }
  for (const [opc, name, w] of [[0x08, "roundps", "Wdq"], [0x09, "roundpd", "Wdq"], [0x0a, "roundss", "Wd"], [0x0b, "roundsd", "Wq"],
    [0x40, "dpps", "Wdq"], [0x41, "dppd", "Wdq"]] as const) {
    define({ name, enc: [`66 0F 3A ${hex2(opc)} /r: V,${w},Ib`], feature: FEAT_SSE41, compile: (x, insn) => compileLanes(x, insn) });
  }
  defineExtract("pextrb", ["66 0F 3A 14 /r: Ry,V,Ib", "66 0F 3A 14 /r: Mb,V,Ib"], 1);
  defineExtract("pextrw", ["66 0F 3A 15 /r: Ry,V,Ib", "66 0F 3A 15 /r: Mw,V,Ib"], 2);
  defineExtract((insn) => (insn.osz === 8 ? "pextrq" : "pextrd"), ["66 0F 3A 16 /r: Ey,V,Ib"], null);
  defineExtract("extractps", ["66 0F 3A 17 /r: Ry,V,Ib", "66 0F 3A 17 /r: Md,V,Ib"], 4);
  defineInsert("pinsrb", ["66 0F 3A 20 /r: V,Ry,Ib", "66 0F 3A 20 /r: V,Mb,Ib"], 1);
  defineInsert((insn) => (insn.osz === 8 ? "pinsrq" : "pinsrd"), ["66 0F 3A 22 /r: V,Ey,Ib"], null);
  for (const [opc, name] of [[0x60, "pcmpestrm"], [0x61, "pcmpestri"], [0x62, "pcmpistrm"], [0x63, "pcmpistri"]] as const) defineStringCompare(opc, name);
}

defineLater(2, [FEAT_SSSE3, FEAT_SSE41, FEAT_SSE42, FEAT_MOVBE], define0F38);
defineLater(3, [FEAT_SSSE3, FEAT_SSE41, FEAT_SSE42], define0F3A);
