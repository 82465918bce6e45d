// AVX and AVX2: the VEX-encoded instructions (decode.ts reads the VEX prefix;
// their encodings sit in insn.ts's maps VEX_MAP + 1..3) over the YMM state:
// the XMM registers are the low halves, CpuState.ymmh the high ones. A VEX.128
// instruction zeroes the high half of its destination; a legacy SSE one keeps it.
//
// Most VEX instructions are a legacy SSE instruction's lane operation with a
// non-destructive first source (VEX.vvvv) and, at VEX.256, done on each
// 128-bit lane alone. Those are derived from the legacy descriptors
// (deriveVex): the legacy Op runs on two scratch registers, once per lane.
// What has no legacy counterpart (moves, broadcasts, cross-lane permutes,
// variable shifts, zeroing) is defined here by hand.
//
// A VEX memory operand need not be aligned, except in the aligned moves
// (vmovaps, vmovdqa, vmovntdq …: 16 bytes at VEX.128, 32 at VEX.256, else #GP).
//
// CPUID does not announce AVX, AVX2 or OSXSAVE (their descriptors carry no
// feature bit): glibc would then pick its AVX2 string functions, which need
// instructions not all here yet. A program built for x86-64-v3 does not ask.

import { type Exec, type Op, STOP_GP, STOP_XM } from "./exec.js";
import { FLOAT_LANES, raised } from "./sse_float_lanes.js";
import { cmpPredicate, convert, F32, F64, fe } from "./sse_float.js";
import { FE_DENORMAL, type Format } from "./fpu/softfloat.js";
import { simdException } from "./sse_float_insns.js";
import { DEFS, define, defineLater, type Insn, type InsnDef, MAPS, type MemOp, type Operand, type RegOp, VEX_MAP } from "./insn.js";
import { XMM_SCRATCH } from "./state.js";

/** Scratch registers' first dwords in st.xmm: the lane operation's destination (first operand) and source. */
const SA = XMM_SCRATCH * 4, SB = SA + 4;
const scratch = (r: number): RegOp => ({ k: "r", r, sz: 16 });

/** A memory operand's bytes (up to 32, zero-padded), read before anything is written. */
const MEMV = new Uint32Array(8);

/** EA + i as [lo, hi] into AT (the address carries into the high half). */
const AT = new Int32Array(2);
function at(x: Exec, i: number): Int32Array {
  const s = (x.EA[0] >>> 0) + i;
  AT[0] = s | 0;
  AT[1] = s > 0xffffffff ? (x.EA[1] + 1) | 0 : x.EA[1];
  return AT;
}

/**
 * Loads `bytes` (1, 2, 4, 8, 16 or 32) at m into out, zero-padded to 8 dwords.
 * @param align the alignment required (0: none; else #GP when EA is not a multiple)
 * @return 0, or the stop code (a fault, #GP)
 */
function load(x: Exec, m: MemOp, bytes: number, out: Uint32Array, align: number): number {
  const { mmu, EA, FLT } = x;
  x.ea(m);
  if (align && EA[0] & (align - 1)) return STOP_GP;
  out.fill(0);
  if (bytes < 8) {
    out[0] = bytes === 1 ? mmu.ld8(EA[0], EA[1]) : bytes === 2 ? mmu.ld16(EA[0], EA[1]) : mmu.ld32(EA[0], EA[1]);
    return FLT.kind;
  }
  for (let i = 0; i < bytes; i += 8) {
    const a = at(x, i);
    out[i >> 2] = mmu.ld64(a[0], a[1]);
    out[(i >> 2) + 1] = mmu.hi;
    if (FLT.kind) return FLT.kind;
  }
  return 0;
}

/** Stores `bytes` (4, 8, 16 or 32) of src at m; nothing is written if any byte faults. */
function store(x: Exec, m: MemOp, src: Uint32Array, bytes: number, align: number): number {
  const { mmu, EA, FLT } = x;
  x.ea(m);
  if (align && EA[0] & (align - 1)) return STOP_GP;
  if (bytes === 4) return mmu.st32(EA[0], EA[1], src[0]) ? 0 : FLT.kind;
  if (bytes > 8 && !mmu.probeWrite(EA[0], EA[1], bytes)) return FLT.kind;
  for (let i = 0; i < bytes; i += 8) {
    const a = at(x, i);
    if (!mmu.st64(a[0], a[1], src[i >> 2], src[(i >> 2) + 1])) return FLT.kind;
  }
  return 0;
}

/** A register's 256 bits into out[0..8) (the high half zero for an XMM operand of a VEX.128 form is the caller's business). */
function getYmm(x: Exec, r: number, out: Uint32Array): void {
  const X = x.st.xmm, Y = x.st.ymmh, o = r * 4;
  for (let i = 0; i < 4; i++) { out[i] = X[o + i]; out[i + 4] = Y[o + i]; }
}
/** Writes v[0..8) to register r; a 128-bit write (wide false) zeroes the high half. */
function setYmm(x: Exec, r: number, v: Uint32Array, wide: boolean): void {
  const X = x.st.xmm, Y = x.st.ymmh, o = r * 4;
  for (let i = 0; i < 4; i++) { X[o + i] = v[i]; Y[o + i] = wide ? v[i + 4] : 0; }
}

/**
 * The source operand (an XMM/YMM register or memory of `bytes`) into out[0..8):
 * a function returning 0 or a stop code.
 */
function source(x: Exec, o: Operand, bytes: number, out: Uint32Array, align = 0): () => number {
  if (o.k === "r") {
    const r = o.r;
    return () => { getYmm(x, r, out); return 0; };
  }
  const m = o as MemOp;
  return () => load(x, m, bytes, out, align);
}

// ---- the VEX forms of the legacy lane operations ----

/**
 * How a VEX form runs its lane operation. nds: dest = op(vvvv, r/m); unary: dest = op(r/m), vvvv
 * unused; vdest (the shifts by an immediate): vvvv = op(r/m). `vec`: the r/m source is XMM/YMM or
 * memory of its size (else a general register or memory the lane operation reads itself). At
 * VEX.256 each 128-bit lane runs alone, except that `count` gives both lanes the source's low
 * 128 bits (the shift count), and lane 1 takes the immediate shifted right by `immShift`.
 */
interface Shape {
  kind: "nds" | "unary" | "vdest";
  vec: boolean;
  count: boolean;
  immShift: number;
}

/**
 * Compiles a VEX lane-operation instruction: `lane` compiles the operation
 * for given operands (scratch registers SA, SB as destination and source),
 * once per lane.
 */
function compileLanes(x: Exec, insn: Insn, sh: Shape, lane: (ops: Operand[]) => Op): Op {
  const X = x.st.xmm, Y = x.st.ymmh, ops = insn.ops;
  const dst = ops[0] as RegOp, d = dst.r, wide = dst.sz === 32;
  const v = sh.kind === "nds" ? (ops[1] as RegOp).r * 4 : -1;
  const src = ops[sh.kind === "nds" ? 2 : 1];
  const rest = ops.slice(sh.kind === "nds" ? 3 : 2);
  const S = new Uint32Array(8), R0 = new Uint32Array(8);
  const bytes = src.k === "m" ? src.sz : 32;
  const get = sh.vec ? source(x, src, bytes, S) : () => 0;
  const laneOps = (shift: number): Operand[] => {
    const imm = rest.map((o) => (o.k === "i" ? { ...o, lo: (o.lo & 0xff) >> shift } : o));
    return sh.kind === "vdest" ? [scratch(XMM_SCRATCH), ...imm] : [scratch(XMM_SCRATCH), sh.vec ? scratch(XMM_SCRATCH + 1) : src, ...imm];
  };
  const op0 = lane(laneOps(0)), op1 = wide ? lane(laneOps(sh.immShift)) : null;
  const hiOf = sh.count ? 0 : 4;
  return () => {
    let k = get();
    if (k) return k;
    // lane 0: every source read before the destination is written
    for (let i = 0; i < 4; i++) {
      X[SA + i] = sh.kind === "nds" ? X[v + i] : sh.kind === "vdest" ? S[i] : 0;
      X[SB + i] = S[i];
    }
    k = op0();
    if (k) return k;
    for (let i = 0; i < 4; i++) R0[i] = X[SA + i];
    if (op1 !== null) {
      for (let i = 0; i < 4; i++) {
        X[SA + i] = sh.kind === "nds" ? Y[v + i] : sh.kind === "vdest" ? S[i + 4] : 0;
        X[SB + i] = S[i + hiOf];
      }
      k = op1();
      if (k) return k;
      for (let i = 0; i < 4; i++) R0[i + 4] = X[SA + i];
    }
    setYmm(x, d, R0, wide);
    return 0;
  };
}

/** The legacy SSE instructions whose VEX form is their lane operation (by mnemonic); the rest are defined below or not at all. */
const DERIVED = new Set([
  // SSE2 integer (sse_int.ts)
  "pand", "pandn", "por", "pxor", "pcmpeqb", "pcmpeqw", "pcmpeqd", "pcmpgtb", "pcmpgtw", "pcmpgtd",
  "pminub", "pmaxub", "pminsw", "pmaxsw", "pavgb", "pavgw", "paddb", "paddw", "paddd", "paddq", "psubb", "psubw", "psubd", "psubq",
  "paddsb", "paddsw", "paddusb", "paddusw", "psubsb", "psubsw", "psubusb", "psubusw",
  "pmullw", "pmulhw", "pmulhuw", "pmaddwd", "pmuludq", "psadbw", "packsswb", "packuswb", "packssdw",
  "punpcklbw", "punpcklwd", "punpckldq", "punpcklqdq", "punpckhbw", "punpckhwd", "punpckhdq", "punpckhqdq",
  "pshufd", "pshuflw", "pshufhw", "psrlw", "psraw", "psllw", "psrld", "psrad", "pslld", "psrlq", "psllq", "psrldq", "pslldq",
  "pextrw", "pinsrw", "pmovmskb", "movmskps", "movmskpd",
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

/**
 * The predicates of vcmpps/pd/ss/sd: for each of imm8 & 15, the outcomes (bit 0 less, 1 equal, 2 greater,
 * 3 unordered) where it holds; those of SIGNALING signal invalid on a QNaN too (16..31: the other way round).
 */
const PREDICATE = [0x2, 0x1, 0x3, 0x8, 0xd, 0xe, 0xc, 0x7, 0xa, 0x9, 0xb, 0x0, 0x5, 0x6, 0x4, 0xf];
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
    const shape = forms[0].shape;
    define({
      name: typeof named === "string" ? "v" + named : (insn) => "v" + named(insn),
      enc: forms.map((f) => f.enc),
      use: legacy.use, def: legacy.def, flags: legacy.flags, faults: legacy.faults,
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
  });
  define({ name: "vmovq", enc: ["VEX F3 0F 7E L0 /r: V,Wq", "VEX 66 0F D6 L0 /r: Wq,V"], compile: movq });
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

// ---- lane operations of AVX's own ----

/** Defines a lane operation with no legacy form: fn reads A (the first source) and B (the second), writes R; 4 dwords each. */
function defineLaneOp(name: string, enc: string[], sh: Shape, fn: (A: Uint32Array, B: Uint32Array, R: Uint32Array, imm: number) => void): void {
  define({
    name,
    enc,
    compile: (x, insn) => {
      const X = x.st.xmm, A = X.subarray(SA, SA + 4), B = X.subarray(SB, SB + 4), R = new Uint32Array(4);
      return compileLanes(x, insn, sh, (ops) => {
        const imm = ops[2]?.k === "i" ? ops[2].lo & 0xff : 0;
        return () => { fn(A, B, R, imm); A.set(R); return 0; };
      });
    },
  });
}
const NDS: Shape = { kind: "nds", vec: true, count: false, immShift: 0 };
const UNARY_SHAPE: Shape = { kind: "unary", vec: true, count: false, immShift: 0 };

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

function defineAvxLanes(): void {
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
function defineWhole(name: string, enc: string[], fn: (S: Uint32Array[], R: Uint32Array, imm: number, wide: boolean) => void): void {
  define({
    name,
    enc,
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

function defineAvxWhole(): void {
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
    });
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
  });
}

// ---- SSE4.1 forms while their legacy descriptors are missing ----

/**
 * The VEX forms of a few SSE4.1 instructions that compilers emit in common
 * code, defined here only where no legacy descriptor exists to derive them
 * from (deriveVex): once it does, the derived form is the one.
 */
function defineSse41Fallbacks(): void {
  /** Whether the legacy 66 0F 38/3A opcode has no descriptor to derive from. */
  const missing = (map: number, opc: string): boolean => MAPS[map][parseInt(opc, 16)].length === 0;
  const lanes = (name: string, opc: string, fn: (A: Uint32Array, B: Uint32Array, R: Uint32Array) => void): void => {
    if (missing(2, opc)) defineLaneOp("v" + name, [`VEX 66 0F 38 ${opc} /r: Vx,Hx,Wx`], NDS, fn);
  };
  const sd = (v: number): number => v | 0;
  lanes("pmaxsd", "3D", (A, B, R) => { for (let i = 0; i < 4; i++) R[i] = Math.max(sd(A[i]), sd(B[i])); });
  lanes("pminsd", "39", (A, B, R) => { for (let i = 0; i < 4; i++) R[i] = Math.min(sd(A[i]), sd(B[i])); });
  lanes("pmaxud", "3F", (A, B, R) => { for (let i = 0; i < 4; i++) R[i] = Math.max(A[i], B[i]); });
  lanes("pminud", "3B", (A, B, R) => { for (let i = 0; i < 4; i++) R[i] = Math.min(A[i], B[i]); });
  lanes("pmuldq", "28", (A, B, R) => {
    for (let i = 0; i < 4; i += 2) {
      const p = BigInt.asUintN(64, BigInt(sd(A[i])) * BigInt(sd(B[i])));
      R[i] = Number(p & 0xffffffffn);
      R[i + 1] = Number(p >> 32n);
    }
  });
  lanes("pmulld", "40", (A, B, R) => { for (let i = 0; i < 4; i++) R[i] = Math.imul(A[i], B[i]); });
  lanes("packusdw", "2B", (A, B, R) => {
    const sat = (v: number): number => (v < 0 ? 0 : v > 0xffff ? 0xffff : v);
    for (let i = 0; i < 2; i++) {
      R[i] = sat(sd(A[2 * i])) | (sat(sd(A[2 * i + 1])) << 16);
      R[i + 2] = sat(sd(B[2 * i])) | (sat(sd(B[2 * i + 1])) << 16);
    }
  });
  lanes("pshufb", "00", (A, B, R) => {
    const a = new Uint8Array(A.buffer, A.byteOffset, 16), b = new Uint8Array(B.buffer, B.byteOffset, 16), r = new Uint8Array(R.buffer, R.byteOffset, 16);
    for (let i = 0; i < 16; i++) r[i] = b[i] & 0x80 ? 0 : a[b[i] & 15];
  });
  // inserts and extracts of a byte, dword or qword (VEX.W: qword), VEX.128 only
  for (const [opc, bytes] of [["20", 1], ["22", 4]] as const) {
    if (!missing(3, opc)) continue;
    const ops = bytes === 1 ? ["V,H,Ry,Ib", "V,H,Mb,Ib"] : ["V,H,Ey,Ib"];
    define({
      name: bytes === 1 ? "vpinsrb" : (insn) => (insn.osz === 8 ? "vpinsrq" : "vpinsrd"),
      enc: ops.map((o) => `VEX 66 0F 3A ${opc} L0 /r: ${o}`),
      compile: (x, insn) => {
        const [d, h, s, i] = insn.ops as [RegOp, RegOp, Operand, { lo: number }];
        const n = bytes === 1 ? 1 : insn.osz, V = new Uint32Array(8), b = new Uint8Array(V.buffer), k = i.lo & (16 / n - 1);
        return () => {
          const lo = x.get(s, n), hi = x.T[0];
          if (x.FLT.kind) return x.FLT.kind;
          getYmm(x, h.r, V);
          if (n === 1) b[k] = lo;
          else if (n === 4) V[k] = lo;
          else { V[2 * k] = lo; V[2 * k + 1] = hi; }
          setYmm(x, d.r, V, false);
          return 0;
        };
      },
    });
  }
  for (const [opc, bytes, name, ops] of [["14", 1, "vpextrb", ["Ry,V,Ib", "Mb,V,Ib"]], ["15", 2, "vpextrw", ["Ry,V,Ib", "Mw,V,Ib"]],
    ["16", 0, "", ["Ey,V,Ib"]], ["17", 4, "vextractps", ["Ry,V,Ib", "Md,V,Ib"]]] as const) {
    if (!missing(3, opc)) continue;
    define({
      // 0 bytes: a dword or, with VEX.W, a qword (vpextrd, vpextrq)
      name: bytes ? name : (insn) => (insn.osz === 8 ? "vpextrq" : "vpextrd"),
      enc: ops.map((o) => `VEX 66 0F 3A ${opc} L0 /r: ${o}`),
      compile: (x, insn) => {
        const [d, s, i] = insn.ops as [Operand, RegOp, { lo: number }];
        const n = bytes || insn.osz, V = new Uint32Array(8), b = new Uint8Array(V.buffer), k = i.lo & (16 / n - 1);
        return () => {
          getYmm(x, s.r, V);
          const lo = n === 1 ? b[k] : n === 2 ? b[2 * k] | (b[2 * k + 1] << 8) : n === 4 ? V[k] : V[2 * k], hi = n === 8 ? V[2 * k + 1] : 0;
          if (d.k === "r") { x.rset(d.r, n === 8 ? 8 : 4, lo, hi); return 0; }
          x.ea(d as MemOp);
          return x.stm(n, lo, hi) ? 0 : x.FLT.kind;
        };
      },
    });
  }
}

// ---- conversions between widths at VEX.256 ----

/**
 * The 256-bit forms of the conversions between 32- and 64-bit elements, from
 * the legacy lane operations run on each half: widening takes a 128-bit source
 * to a YMM register, narrowing a 256-bit source to an XMM register.
 */
function defineConversions(): void {
  for (const [name, enc, widen] of [
    ["cvtdq2pd", "VEX F3 0F E6 L1 /r: Vqq,Wdq", true], ["cvtps2pd", "VEX NP 0F 5A L1 /r: Vqq,Wdq", true],
    ["cvtpd2ps", "VEX 66 0F 5A L1 /r: V,Wqq", false], ["cvtpd2dq", "VEX F2 0F E6 L1 /r: V,Wqq", false], ["cvttpd2dq", "VEX 66 0F E6 L1 /r: V,Wqq", false],
  ] as const) {
    const lanes = FLOAT_LANES[name];
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
function defineF16c(): void {
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
function defineAvx(): void {
  deriveVex();
  defineSse41Fallbacks();
  defineMoves();
  defineAvxLanes();
  defineAvxWhole();
  defineConversions();
  defineF16c();
  define({
    name: "vzeroupper",
    enc: ["VEX NP 0F 77 L0"],
    compile: (x) => () => { x.st.ymmh.fill(0); return 0; },
  });
  define({
    name: "vzeroall",
    enc: ["VEX NP 0F 77 L1"],
    compile: (x) => () => { x.st.xmm.fill(0, 0, 64); x.st.ymmh.fill(0); return 0; },
  });
}
defineLater([VEX_MAP + 1, VEX_MAP + 2, VEX_MAP + 3], [], defineAvx);
