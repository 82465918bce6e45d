// AVX and AVX2: the VEX-encoded instructions (decode.ts reads the VEX prefix;
// their encodings sit in insn.ts's maps VEX_MAP + 1..3) over the YMM state:
// the XMM registers are the low halves, CpuState.ymmh the high ones. A VEX.128
// instruction zeroes the high half of its destination; a legacy SSE one keeps it.
//
// Most VEX instructions are a legacy SSE instruction's lane operation with a
// non-destructive first source (VEX.vvvv) and, at VEX.256, done on each
// 128-bit lane alone. Those are derived from the legacy descriptors
// (deriveVex): the legacy Op runs on two scratch registers, once per lane.
// The moves and zeroing are defined here, what else has no legacy
// counterpart in avx2.ts; the YMM helpers are in ymm.ts.
//
// A VEX memory operand need not be aligned, except in the aligned moves
// (vmovaps, vmovdqa, vmovntdq …: 16 bytes at VEX.128, 32 at VEX.256, else #GP).
//
// Their descriptors carry no feature bit: they run on every CPU model, and
// the model says what cpuid announces (model.ts: x86-64-v3 announces AVX,
// AVX2, FMA, F16C, BMI1 and BMI2; v2 none, and a program built for
// x86-64-v3 does not ask).

import { type Exec, type Op, STOP_XM } from "./exec.js";
import type { Jit } from "./jit.js";
import { cmpPredicate, F32, F64, fe } from "./sse_float.js";
import { BITWISE_AS_INTEGER, PREDICATE, simdException } from "./sse_float_insns.js";
import { raised } from "./sse_float_lanes.js";
import { DEFS, define, defineLater, type Insn, type InsnDef, type MemOp, type Operand, type RegOp, VEX_MAP } from "./insn.js";
import { defineAvxLanes, defineAvxWhole, defineConversions, defineF16c } from "./avx2.js";
import { gprMove, type MoveShape, translateShortMove, zeroingMove } from "./sse.js";
import { PACKED_JS } from "./sse_int.js";
import { compileLanes, getYmm, load, SA, SB, setYmm, type Shape, source, store, translateLanes, translateMove, zeroHigh } from "./ymm.js";

/** The legacy SSE instructions whose VEX form is their lane operation (by mnemonic); the rest are defined below or not at all. */
const DERIVED = new Set([
  // SSE2 integer (sse_int.ts)
  "pand", "pandn", "por", "pxor", "pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd",
  "pminub", "pmaxub", "pminsw", "pmaxsw", "pavgb", "pavgw", "paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq",
  "paddsb", "paddsw", "paddusb", "paddusw", "psubsb", "psubsw", "psubusb", "psubusw",
  "pmullw", "pmulhw", "pmulhuw", "pmaddwd", "pmuludq", "psadbw", "packsswb", "packuswb", "packssdw",
  "punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd", "punpckhdq", "punpckhqdq",
  "pshufd", "pshuflw", "pshufhw", "psrlw", "psraw", "psllw", "psrld", "psrad", "pslld", "psrlq", "psllq", "psrldq", "pslldq",
  "pextrw", "pinsrw", "pmovmskb", "movmskps", "movmskpd", "ldmxcsr", "stmxcsr",
  // SSE/SSE2 floating point (sse_float_insns.ts)
  ...["sqrt", "add", "mul", "sub", "min", "div", "max", "cmp"].flatMap((n) => [n + "ps", n + "ss", n + "pd", n + "sd"]),
  "shufps", "shufpd", "unpcklps", "unpcklpd", "unpckhps", "unpckhpd", "andps", "andpd", "andnps", "andnpd", "orps", "orpd", "xorps", "xorpd",
  "cvtps2pd", "cvtpd2ps", "cvtss2sd", "cvtsd2ss", "cvtdq2ps", "cvtps2dq", "cvttps2dq", "cvttpd2dq", "cvtpd2dq", "cvtdq2pd",
  "ucomiss", "comiss", "ucomisd", "comisd", "cvtsi2ss", "cvtsi2sd", "cvttss2si", "cvtss2si", "cvttsd2si", "cvtsd2si",
  // SSSE3, SSE4.1, SSE4.2, where defined (pblendvb, blendvps/pd, the widening moves and ptest have VEX forms of their own)
  "pshufb", "phaddw", "phaddd", "phaddsw", "pmaddubsw", "phsubw", "phsubd", "phsubsw", "psignb", "psignw", "psignd", "pmulhrsw",
  "pabsb", "pabsw", "pabsd", "palignr", "pmuldq", "pcmpeqq", "packusdw", "pcmpgtq", "pminsb", "pminsd", "pminuw", "pminud",
  "pmaxsb", "pmaxsd", "pmaxuw", "pmaxud", "pmulld", "phminposuw", "blendps", "blendpd", "pblendw", "insertps", "mpsadbw",
  "roundps", "roundpd", "roundss", "roundsd", "dpps", "dppd", "pextrb", "pextrd", "pextrq", "extractps", "pinsrb", "pinsrd", "pinsrq",
  "pcmpestri", "pcmpistri",
]);
/** Those whose VEX form has no vvvv source (vvvv must be 1111). */
const UNARY = new Set(["pshufd", "pshuflw", "pshufhw", "sqrtps", "sqrtpd", "cvtps2pd", "cvtpd2ps", "cvtdq2ps", "cvtps2dq", "cvttps2dq",
  "cvttpd2dq", "cvtpd2dq", "cvtdq2pd", "pabsb", "pabsw", "pabsd", "phminposuw", "roundps", "roundpd"]);
/** Packed ones whose VEX.256 form is not two 128-bit lanes (the conversions between widths): VEX.128 only here. */
const NARROW = new Set(["cvtps2pd", "cvtpd2ps", "cvttpd2dq", "cvtpd2dq", "cvtdq2pd", "pextrw", "pinsrw", "pmovmskb", "movmskps", "movmskpd",
  "phminposuw", "dppd"]);
/** The shifts by an XMM count: at VEX.256 both lanes shift by the same count, from an XMM register or m128. */
const COUNT = new Set(["psrlw", "psraw", "psllw", "psrld", "psrad", "pslld", "psrlq", "psllq"]);
/** The scalar instructions whose legacy translation (sse_float_insns.ts) takes the VEX form's three operands too. */
const SCALAR_VEX = /^((add|sub|mul|div)s[sd]|cmpsd|cvtsi2sd)$/;
/** Those that write RFLAGS, not their first operand. */
const COMPARE = new Set(["ucomiss", "comiss", "ucomisd", "comisd", "pcmpestri", "pcmpistri"]);
/** Lane 1's immediate bits at VEX.256 start at this bit (shufpd: two bits a lane). */
const IMM_SHIFT: Record<string, number> = { shufpd: 2, blendps: 4, blendpd: 2, mpsadbw: 3 };

/** The VEX encoding (text for define) and shape of a legacy SSE encoding, or null for one with no VEX form here (MMX). */
function vexForm(name: string, text: string): { enc: string; shape: Shape | null } | null {
  const [head, tail = ""] = text.split(":");
  const ops = tail.split(",").map((s) => s.trim());
  if (!/^(66|F2|F3|NP) /.test(head) || ops.some((o) => /^[PQN]/.test(o))) return null;
  // the scalar forms ignore VEX.L; the rest without a 256-bit form here are VEX.128 only
  const lig = /(ss|sd|2si)$/.test(name);
  // no XMM destination (to a general register or memory, the compares to RFLAGS): the legacy Op as it is
  if ((ops[0][0] !== "V" && ops[0] !== "U") || COMPARE.has(name)) return { enc: `VEX ${head}${lig ? "" : " L0"}: ${ops.join(",")}`, shape: null };
  const wide = ops[0] === "U" || (ops[1] === "Wdq" && !NARROW.has(name));
  const count = wide && COUNT.has(name) && ops[1] === "Wdq";
  const x = wide ? "x" : "";
  const L = wide || lig ? "" : " L0";
  const immShift = IMM_SHIFT[name] ?? 0;
  if (ops[0] === "U") return { enc: `VEX ${head}${L}: Hx,Ux,${ops.slice(1).join(",")}`, shape: { kind: "vdest", vec: true, count: false, immShift } };
  const src = ops[1] === "Wdq" && wide && !count ? "Wx" : ops[1];
  const more = ops.slice(2);
  const vec = ops[1][0] === "W";
  if (UNARY.has(name)) return { enc: `VEX ${head}${L}: V${x},${[src, ...more].join(",")}`, shape: { kind: "unary", vec, count, immShift } };
  return { enc: `VEX ${head}${L}: V${x},H${x},${[src, ...more].join(",")}`, shape: { kind: "nds", vec, count, immShift } };
}

/** The predicates (imm8 & 15, as bits) that signal invalid on a QNaN too; 16..31 the other way round. */
const SIGNALING = 0x6666;

/** A VEX compare with a predicate of 8..31, on the scratch registers (the lane operation compileLanes runs). */
function compileCompare(x: Exec, name: string, p: number): Op {
  const st = x.st, X = st.xmm, double = name.endsWith("d"), f = double ? F64 : F32;
  const n = name.endsWith("s") && name[name.length - 2] === "s" ? 1 : name.endsWith("ps") ? 4 : name.endsWith("pd") ? 2 : 1;
  const signaling = ((SIGNALING >> (p & 15)) & 1) !== (p >> 4);
  const el = (o: number, i: number): bigint => (double ? (BigInt(X[o + 2 * i + 1]) << 32n) | BigInt(X[o + 2 * i]) : BigInt(X[o + i]));
  return () => {
    const mx = st.mxcsr;
    fe.flags = 0;
    const R: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = el(SA, i), b = el(SB, i);
      // the outcome from the legacy predicates, then the flags of one with this one's signalling
      const saved = fe.flags;
      const outcome = cmpPredicate(3, a, b, f, mx) ? 3 : cmpPredicate(1, a, b, f, mx) ? 0 : cmpPredicate(0, a, b, f, mx) ? 1 : 2;
      fe.flags = saved;
      cmpPredicate(signaling ? 1 : 0, a, b, f, mx);
      R.push((PREDICATE[p & 15] >> outcome) & 1 ? -1 : 0);
    }
    raised.flags = fe.flags;
    fe.flags = 0;
    if (simdException(x, mx)) return STOP_XM;
    st.mxcsr = mx | raised.flags;
    R.forEach((m, i) => { if (double) X[SA + 2 * i] = X[SA + 2 * i + 1] = m; else X[SA + i] = m; });
    return 0;
  };
}

/** A descriptor's mnemonics: its name, or what its name function gives at each operand size (pinsrd, pinsrq). */
function mnemonics(def: InsnDef): string[] {
  const n = def.name;
  return typeof n === "string" ? [n] : [4, 8].map((osz) => n({ def, op: "", len: 0, osz, ops: [], cc: 0, rep: 0 }));
}

/** Defines "v" + name for every legacy descriptor of DERIVED (those defined when the VEX maps are first used). */
function deriveVex(): void {
  for (const legacy of DEFS.slice()) {
    const names = mnemonics(legacy);
    if (!names.every((n) => DERIVED.has(n))) continue;
    const name = names[0], named = legacy.name;
    const forms = legacy.enc.flatMap((e) => (typeof e === "string" ? [vexForm(name, e)] : [])).filter((f) => f !== null);
    if (forms.length === 0) continue;
    const shape = forms[0].shape, form = PACKED_JS[BITWISE_AS_INTEGER[name] ?? name];
    define({
      name: typeof named === "string" ? "v" + named : (insn) => "v" + named(insn),
      enc: forms.map((f) => f.enc),
      use: legacy.use, def: legacy.def, flags: legacy.flags, faults: legacy.faults, implicitRegs: legacy.implicitRegs,
      // the forms with no XMM destination have the legacy operands (vpmovmskb) and translation;
      // the lane operations VEX's; the scalar arithmetic's and cvtsi2sd's translations take both forms
      translate: shape === null || SCALAR_VEX.test(name) ? legacy.translate
        : form !== undefined && shape.kind === "nds" && shape.vec && !shape.count ? (j, insn) => translateLanes(j, insn, shape, form) : undefined,
      compile: (x, insn, ip, live) => {
        const inner = (ops: Operand[]): Op => {
          // VEX's compares take 32 predicates, the legacy ones 8
          const imm = ops.find((o) => o.k === "i");
          if (name.startsWith("cmp") && imm !== undefined && (imm.lo & 0xff) >= 8) return compileCompare(x, name, imm.lo & 31);
          return legacy.compile(x, { ...insn, op: insn.op.slice(1), ops }, ip, live);
        };
        return shape === null ? inner(insn.ops) : compileLanes(x, insn, shape, inner);
      },
    });
  }
}

// ---- moves ----

/**
 * vmovd, vmovq, and vmovss/vmovsd to and from memory: the legacy move's translation (the low
 * dwords, the rest of the XMM register zeroed), then, to an XMM register, its high half.
 */
function translateShort(j: Jit, insn: Insn, shape: MoveShape): string | null {
  const [d, s] = insn.ops;
  const code = translateShortMove(j, shape, d, s);
  return code === null || d.k !== "r" || d.sz !== 16 ? code : code + zeroHigh(d.r);
}

/** A whole-register move: load, store or between registers; `align` the aligned forms. */
function defineFullMove(name: string, load: string[], storeEnc: string[], align: boolean): void {
  define({
    name,
    enc: [...load.map((e) => `VEX ${e} /r: Vx,Wx`), ...storeEnc.map((e) => `VEX ${e} /r: Wx,Vx`)],
    compile: (x, insn) => {
      const [d, s] = insn.ops;
      const V = new Uint32Array(8), wide = (d.k === "r" ? d.sz : (s as RegOp).sz) === 32, bytes = wide ? 32 : 16;
      if (d.k === "r") {
        const get = source(x, s, bytes, V, align ? bytes : 0), r = d.r;
        return () => { const k = get(); if (k) return k; setYmm(x, r, V, wide); return 0; };
      }
      const m = d as MemOp, r = (s as RegOp).r;
      return () => { getYmm(x, r, V); return store(x, m, V, bytes, align ? bytes : 0); };
    },
    translate: (j, insn) => translateMove(j, insn, align),
  });
}

function defineMoves(): void {
  defineFullMove("vmovups", ["NP 0F 10"], ["NP 0F 11"], false);
  defineFullMove("vmovupd", ["66 0F 10"], ["66 0F 11"], false);
  defineFullMove("vmovdqu", ["F3 0F 6F"], ["F3 0F 7F"], false);
  defineFullMove("vmovaps", ["NP 0F 28"], ["NP 0F 29"], true);
  defineFullMove("vmovapd", ["66 0F 28"], ["66 0F 29"], true);
  defineFullMove("vmovdqa", ["66 0F 6F"], ["66 0F 7F"], true);
  for (const [name, enc] of [["vmovntps", "NP 0F 2B"], ["vmovntpd", "66 0F 2B"], ["vmovntdq", "66 0F E7"]]) {
    define({
      name, enc: [`VEX ${enc} /r: Mx,Vx`],
      compile: (x, insn) => {
        const m = insn.ops[0] as MemOp, s = insn.ops[1] as RegOp, V = new Uint32Array(8), bytes = s.sz;
        return () => { getYmm(x, s.r, V); return store(x, m, V, bytes, bytes); };
      },
    });
  }
  // vmovd, vmovq: to and from general registers and m32/m64 (VEX.W: 64 bits), and vmovq between XMM and m64; the rest zeroed
  const V = new Uint32Array(8);
  const movq = (x: Exec, insn: Insn): Op => {
    const [d, s] = insn.ops as (RegOp | MemOp)[];
    // the bytes moved: the general register's or memory's size; 8 between XMM registers
    const other = d.k === "r" && d.sz === 16 ? s : d, n = other.sz === 16 ? 8 : other.sz;
    if (d.k === "r" && d.sz === 16) {
      const r = d.r;
      if (s.k === "r" && s.sz === 16) { const sr = s.r; return () => { getYmm(x, sr, V); V.fill(0, 2); setYmm(x, r, V, false); return 0; }; }
      if (s.k === "r") { const sr = s.r; return () => { V.fill(0); V[0] = x.L[sr]; V[1] = n === 8 ? x.H[sr] : 0; setYmm(x, r, V, false); return 0; }; }
      const m = s as MemOp;
      return () => { const k = load(x, m, n, V, 0); if (k) return k; setYmm(x, r, V, false); return 0; };
    }
    const sr = (s as RegOp).r;
    if (d.k === "r") { const r = d.r; return () => { getYmm(x, sr, V); x.rset(r, n, V[0], V[1]); return 0; }; }
    const m = d as MemOp;
    return () => { getYmm(x, sr, V); return store(x, m, V, n, 0); };
  };
  define({
    name: (insn) => (insn.osz === 8 ? "vmovq" : "vmovd"),
    enc: ["VEX 66 0F 6E L0 /r: V,Ey", "VEX 66 0F 7E L0 /r: Ey,V"],
    compile: movq,
    translate: (j, insn) => translateShort(j, insn, gprMove(insn)),
  });
  define({ name: "vmovq", enc: ["VEX F3 0F 7E L0 /r: V,Wq", "VEX 66 0F D6 L0 /r: Wq,V"], compile: movq, translate: (j, insn) => translateShort(j, insn, zeroingMove(2)) });
  // vmovss, vmovsd: a load zeroes the rest; between registers the rest comes from vvvv
  for (const [name, pre, n] of [["vmovss", "F3", 1], ["vmovsd", "F2", 2]] as const) {
    const sz = n === 1 ? "d" : "q";
    define({
      name,
      enc: [`VEX ${pre} 0F 10 /r: V,M${sz}`, `VEX ${pre} 0F 11 /r: M${sz},V`, `VEX ${pre} 0F 10 /r: V,H,U`, `VEX ${pre} 0F 11 /r: U,H,V`],
      compile: (x, insn) => {
        const ops = insn.ops, A = new Uint32Array(8), B = new Uint32Array(8);
        if (ops.length === 3) {
          // the low element from the third operand (the reg field in the 11 form), the rest from vvvv
          const [d, h, s] = ops as RegOp[];
          return () => {
            getYmm(x, h.r, A); getYmm(x, s.r, B);
            for (let i = 0; i < n; i++) A[i] = B[i];
            setYmm(x, d.r, A, false);
            return 0;
          };
        }
        const [d, s] = ops;
        if (d.k === "r") { const m = s as MemOp; return () => { const k = load(x, m, n * 4, A, 0); if (k) return k; setYmm(x, d.r, A, false); return 0; }; }
        const m = d as MemOp, r = (s as RegOp).r;
        return () => { getYmm(x, r, A); return store(x, m, A, n * 4, 0); };
      },
      translate: (j, insn) => {
        if (insn.ops.length === 2) return translateShort(j, insn, zeroingMove(n));
        const [d, h, s] = (insn.ops as RegOp[]).map((o) => o.r * 4);
        const t = [0, 1, 2, 3].map((k) => `XMM[${k < n ? s + k : h + k}]`);
        return `{${t.map((e, k) => `const t${k} = ${e};`).join(" ")} ${t.map((_, k) => `XMM[${d + k}] = t${k};`).join(" ")} ${zeroHigh(d / 4)}}`;
      },
    });
  }
  // the half moves: a load merges m64 with vvvv's other quadword; movhlps/movlhps between registers
  for (const [name, pre, ld, st, low] of [["vmovlps", "NP", "12", "13", true], ["vmovlpd", "66", "12", "13", true],
    ["vmovhps", "NP", "16", "17", false], ["vmovhpd", "66", "16", "17", false]] as const) {
    define({
      name,
      enc: [`VEX ${pre} 0F ${ld} L0 /r: V,H,Mq`, `VEX ${pre} 0F ${st} L0 /r: Mq,V`],
      compile: (x, insn) => {
        const A = new Uint32Array(8), B = new Uint32Array(8);
        if (insn.ops.length === 3) {
          const [d, h, m] = insn.ops as [RegOp, RegOp, MemOp], to = low ? 0 : 2;
          return () => {
            const k = load(x, m, 8, B, 0);
            if (k) return k;
            getYmm(x, h.r, A);
            A[to] = B[0]; A[to + 1] = B[1];
            setYmm(x, d.r, A, false);
            return 0;
          };
        }
        const m = insn.ops[0] as MemOp, r = (insn.ops[1] as RegOp).r, from = low ? 0 : 2;
        return () => { getYmm(x, r, A); return store(x, m, A.subarray(from), 8, 0); };
      },
    });
  }
  // result dword i: pick[i] < 4 from the r/m register, else from vvvv, dword pick[i] & 3
  for (const [name, opc, pick] of [["vmovhlps", "12", [2, 3, 6, 7]], ["vmovlhps", "16", [4, 5, 0, 1]]] as const) {
    define({
      name,
      enc: [`VEX NP 0F ${opc} L0 /r: V,H,U`],
      compile: (x, insn) => {
        const [d, h, u] = insn.ops as RegOp[], A = new Uint32Array(8), B = new Uint32Array(8), R = new Uint32Array(8);
        return () => {
          getYmm(x, u.r, A); getYmm(x, h.r, B);
          for (let i = 0; i < 4; i++) R[i] = pick[i] < 4 ? A[pick[i]] : B[pick[i] & 3];
          setYmm(x, d.r, R, false);
          return 0;
        };
      },
    });
  }
}

function defineAvx(): void {
  deriveVex();
  defineMoves();
  defineAvxLanes();
  defineAvxWhole();
  defineConversions();
  defineF16c();
  define({
    name: "vzeroupper",
    enc: ["VEX NP 0F 77 L0"],
    compile: (x) => () => { x.st.ymmh.fill(0); return 0; },
    translate: () => "YMMH.fill(0);",
  });
  define({
    name: "vzeroall",
    enc: ["VEX NP 0F 77 L1"],
    compile: (x) => () => { x.st.xmm.fill(0, 0, 64); x.st.ymmh.fill(0); return 0; },
    // XMM as a whole: the block's XMM locals are written back around it
    translate: () => "XMM.fill(0, 0, 64); YMMH.fill(0);",
  });
}
defineLater([VEX_MAP + 1, VEX_MAP + 2, VEX_MAP + 3], [], defineAvx);
