// The SSE/SSE2 floating-point family: arithmetic, compares, logic, shuffles
// and conversions of the ss/sd/ps/pd instructions, SSE3's horizontal and
// alternating add and subtract (lanes in
// sse_float_lanes.ts, element semantics in sse_float.ts). A legacy-SSE
// 16-byte memory operand must be 16-byte aligned (#GP).

import { type Exec, type Op, STOP_GP, STOP_XM } from "./exec.js";
import { define, defineLater, FEAT_SSE, FEAT_SSE2, FEAT_SSE3, type Feature, type Insn, type ImmOp, type MemOp, type Operand, type RegOp } from "./insn.js";
import { comisLanes, cvt2si, cvtsi2, floatLanes, raised } from "./sse_float_lanes.js";
import { ADD, DIV, fast64, fastComis64, hot32Source, hot64Source, MUL, res64, res64i, scratchD, scratchF, scratchI, SUB } from "./sse_float.js";
import { type Jit, jitHelper } from "./jit.js";
import { isMm, mmSource, mmxOp, setMm } from "./mmx.js";
import { source, translatePacked } from "./sse.js";
import { zeroHigh } from "./ymm.js";
import { PACKED_JS } from "./sse_int.js";
import { K_EXPL } from "./state.js";

/** The invalid, denormal-operand and divide-by-zero exceptions, found before computing. */
const PRE_COMPUTATION = 0x07;

/**
 * After an instruction computed with MXCSR `mx`: true (#XM) when it raised an
 * unmasked exception. The caller then leaves the destination as it was; MXCSR
 * gets the pre-computation flags alone when one of those is unmasked (the
 * computation is abandoned), else every flag raised (SDM vol. 1, 11.5.1).
 */
export function simdException(x: Exec, mx: number): boolean {
  const f = raised.flags, unmasked = f & ~(mx >> 7) & 0x3f;
  if (unmasked === 0) return false;
  x.st.mxcsr = mx | (unmasked & PRE_COMPUTATION ? f & PRE_COMPUTATION : f);
  return true;
}

/** An instruction of floatLanes, by its mnemonic: the source, then the lanes under MXCSR; #XM leaves the destination as it was. */
export function compileLanes(x: Exec, insn: Insn): Op {
  const lanes = floatLanes()[insn.op];
  const d = (insn.ops[0] as RegOp).r, S = new Uint32Array(4), get = source(x, insn.ops[1], S);
  const imm = insn.ops[2]?.k === "i" ? insn.ops[2].lo & 0xff : 0;
  const st = x.st, X = st.xmm, o = d * 4;
  return () => {
    const k = get();
    if (k) return k;
    const mx = st.mxcsr;
    // the destination as it was, for #XM (no subarray: an allocation per instruction)
    const d0 = X[o], d1 = X[o + 1], d2 = X[o + 2], d3 = X[o + 3];
    raised.flags = 0;
    st.mxcsr = lanes(X, d, S, imm, mx);
    if (simdException(x, mx)) { X[o] = d0; X[o + 1] = d1; X[o + 2] = d2; X[o + 3] = d3; return STOP_XM; }
    return 0;
  };
}

// The block translator's scalar arithmetic and compares: the fast paths of sse_float.ts
// inline, and the instruction's Op (the exact way, or #XM) for every other case.
const FAST64 = jitHelper("FAST64", fast64), RES64 = jitHelper("RES64", res64i), COMIS64 = jitHelper("COMIS64", fastComis64);
/** The scratch of generated code (sse_float.ts's scratchD and its int32 and float views), by name. */
export const SCRATCHD = jitHelper("SCRATCHD", scratchD), SCRATCHI = jitHelper("SCRATCHI", scratchI), SCRATCHF = jitHelper("SCRATCHF", scratchF);

/**
 * The low dword or qword (`bytes` 4 or 8) of an xmm register or a memory source as two int32
 * expressions (the high one unused for 4), around `body`; null for forms left to the Op.
 */
export function withLow(j: Jit, s: Operand, bytes: number, body: (lo: string, hi: string) => string): string | null {
  if (s.k === "r") return body(`XMM[${s.r * 4}]`, `XMM[${s.r * 4 + 1}]`);
  const ea = j.ea(s as MemOp);
  if (ea === null) return null;
  return `{${ea} ${j.load(bytes, "b", "bh", false)} ${body("b", "bh")}}`;
}

/**
 * The VEX form (vaddsd xmm1, xmm2, xmm3/m64: three operands) of a scalar op: `compute` works
 * on the locals r0, r1 (the first source's low dwords, then the result), setting rs where the
 * Op must run instead; the destination then gets them, the first source's other dwords and a
 * zeroed high half (VEX.128). Nothing is written before that, so the Op sees the state as it was.
 */
function vexScalar(j: Jit, insn: Insn, dwords: number, compute: (r: string[], slow: string) => string): string {
  const d = (insn.ops[0] as RegOp).r * 4, v = (insn.ops[1] as RegOp).r * 4;
  const r = ["r0", "r1"].slice(0, dwords);
  return `{let ${r.map((x, k) => `${x} = XMM[${v + k}]`).join(", ")}, rs = false; ${compute(r, "rs = true;")}` +
    `if (rs) ${j.toOps()} else { ${[0, 1, 2, 3].map((k) => `XMM[${d + k}] = ${k < dwords ? r[k] : `XMM[${v + k}]`};`).join(" ")} ${zeroHigh(d / 4)} }}`;
}

/** addsd, subsd, mulsd, divsd and their VEX forms: MXCSR gets the fast path's flags (PE or none). */
function translateArith64(j: Jit, insn: Insn, op: number): string | null {
  const vex = insn.ops.length === 3, d = (insn.ops[0] as RegOp).r * 4;
  const arith = (a: string, ah: string, lo: string, hi: string, slow: string): string => hot64Source(op, a, ah, lo, hi, "ST.mxcsr", SCRATCHD, SCRATCHI,
    `{const f = ${FAST64}(${op}, ${a}, ${ah}, ${lo}, ${hi}, ST.mxcsr); ` +
    `if (f >= 0) { ${a} = ${RES64}[0]; ${ah} = ${RES64}[1]; if (f !== 0) ST.mxcsr |= f; } else ${slow}}`);
  return withLow(j, insn.ops[vex ? 2 : 1], 8, (lo, hi) => vex
    ? vexScalar(j, insn, 2, ([a, ah], slow) => arith(a, ah, lo, hi, slow))
    : arith(`XMM[${d}]`, `XMM[${d + 1}]`, lo, hi, j.toOps()));
}

/** addss, subss, mulss, divss and their VEX forms: the inline fast path, else the Op. */
function translateArith32(j: Jit, insn: Insn, op: number): string | null {
  const vex = insn.ops.length === 3, d = (insn.ops[0] as RegOp).r * 4;
  return withLow(j, insn.ops[vex ? 2 : 1], 4, (b) => vex
    ? vexScalar(j, insn, 1, ([a], slow) => hot32Source(op, a, b, "ST.mxcsr", SCRATCHF, SCRATCHI, slow))
    : hot32Source(op, `XMM[${d}]`, b, "ST.mxcsr", SCRATCHF, SCRATCHI, j.toOps()));
}

/** comisd, ucomisd: ZF, PF, CF as explicit flags. */
function translateComis64(j: Jit, insn: Insn): string | null {
  const d = (insn.ops[0] as RegOp).r * 4;
  const code = withLow(j, insn.ops[1], 8, (lo, hi) =>
    `{const z = ${COMIS64}(XMM[${d}], XMM[${d + 1}], ${lo}, ${hi}); if (z >= 0) { F[0] = ${K_EXPL << 2}; F[7] = z; } else ${j.toOps()}}`);
  if (code !== null) j.known = K_EXPL << 2;
  return code;
}

/**
 * cvtsi2sd and vcvtsi2sd: an integer below 2^53 in magnitude converts exactly (no flag); a wider one
 * runs the Op. The VEX form's other dwords come from its first source, its high half zeroed.
 */
function translateCvtsi2sd(j: Jit, insn: Insn): string | null {
  const vex = insn.ops.length === 3, d = (insn.ops[0] as RegOp).r * 4, s = insn.ops[vex ? 2 : 1], is64 = (s as RegOp | MemOp).sz === 8;
  const v = vex ? (insn.ops[1] as RegOp).r * 4 : -1;
  const put = `XMM[${d}] = ${SCRATCHI}[0]; XMM[${d + 1}] = ${SCRATCHI}[1];` +
    (vex ? ` XMM[${d + 2}] = XMM[${v + 2}]; XMM[${d + 3}] = XMM[${v + 3}]; ${zeroHigh(d / 4)}` : "");
  const convert = (lo: string, hi: string): string => is64
    ? `{const iv = ${hi} * 4294967296 + (${lo} >>> 0); if (Math.abs(iv) < 9007199254740992) { ${SCRATCHD}[0] = iv; ${put} } else ${j.toOps()}}`
    : `{${SCRATCHD}[0] = ${lo} | 0; ${put}}`;
  if (s.k === "r") return convert(j.l(s.r), j.h(s.r));
  const ea = j.ea(s as MemOp);
  if (ea === null) return null;
  return `{${ea} ${j.load(is64 ? 8 : 4, "v", "vh", false)} ${convert("v", "vh")}}`;
}

/**
 * The predicates of the compares (cmpsd's 0..7, vcmpsd's 0..31 by imm8 & 15): for each, the outcomes
 * (bit 0 less, 1 equal, 2 greater, 3 unordered) where it holds.
 */
export const PREDICATE = [0x2, 0x1, 0x3, 0x8, 0xd, 0xe, 0xc, 0x7, 0xa, 0x9, 0xb, 0x0, 0x5, 0x6, 0x4, 0xf];

/**
 * cmpsd and vcmpsd: two numbers neither NaN, infinite nor denormal (which raise or may raise a flag)
 * compare on the host, the mask the predicate gives for the outcome; anything else runs the Op.
 */
function translateCmpsd(j: Jit, insn: Insn): string | null {
  const vex = insn.ops.length === 4, d = (insn.ops[0] as RegOp).r * 4, a = vex ? (insn.ops[1] as RegOp).r * 4 : d;
  const p = (insn.ops[vex ? 3 : 2] as ImmOp).lo & 0xff;
  if (p >= (vex ? 32 : 8)) return null;
  const [lt, eq, gt] = [0, 1, 2].map((o) => ((PREDICATE[p & 15] >> o) & 1 ? -1 : 0));
  // a biased exponent of 1..2046, or a zero
  const plain = (hi: string, lo: string): string => `((((${hi} >>> 20) & 2047) - 1) >>> 0 < 2046 || ((${hi} & 0x7fffffff) | ${lo}) === 0)`;
  return withLow(j, insn.ops[vex ? 2 : 1], 8, (lo, hi) => `{const ca = XMM[${a}], cah = XMM[${a + 1}], cb = ${lo}, cbh = ${hi};` +
    `if (${plain("cah", "ca")} && ${plain("cbh", "cb")}) {` +
    `${SCRATCHI}[0] = ca; ${SCRATCHI}[1] = cah; const fa = ${SCRATCHD}[0]; ${SCRATCHI}[0] = cb; ${SCRATCHI}[1] = cbh; const fb = ${SCRATCHD}[0];` +
    `const m = fa < fb ? ${lt} : fa === fb ? ${eq} : ${gt}; XMM[${d}] = m; XMM[${d + 1}] = m;` +
    (vex ? ` XMM[${d + 2}] = XMM[${a + 2}]; XMM[${d + 3}] = XMM[${a + 3}]; ${zeroHigh(d / 4)}` : "") +
    `} else ${j.toOps()}}`);
}

const SCALAR: Record<string, number> = { add: ADD, sub: SUB, mul: MUL, div: DIV };
/** The bitwise ops, translated as the integer ones (pand …) of the same lanes. */
const BITWISE: Record<string, string> = { and: "pand", andn: "pandn", or: "por", xor: "pxor" };
/** The integer op (sse_int.ts's PACKED_JS) each bitwise float op is, for avx.ts's translation of their VEX forms. */
export const BITWISE_AS_INTEGER: Record<string, string> = Object.fromEntries(
  Object.entries(BITWISE).flatMap(([n, int]) => [[n + "ps", int], [n + "pd", int]]));

/** The descriptors, made with SSE's (sse.ts) on the first 0F opcode no other family claims. */
function defineSseFloat(): void {
  const PS = "NP 0F", PD = "66 0F", SS = "F3 0F", SD = "F2 0F";
  /** Defines an instruction from its encodings; SSE2 unless `sse1` (or the feature given). */
  const lanes = (name: string, enc: string, sse1: boolean | Feature, translate?: (j: Jit, insn: Insn) => string | null): void => {
    const feature = sse1 === true ? FEAT_SSE : sse1 === false ? FEAT_SSE2 : sse1;
    define({ name, enc: [enc], feature, compile: (x, insn) => compileLanes(x, insn), translate });
  };
  for (const [opc, n] of [["51", "sqrt"], ["58", "add"], ["59", "mul"], ["5C", "sub"], ["5D", "min"], ["5E", "div"], ["5F", "max"]]) {
    lanes(n + "ps", `${PS} ${opc} /r: V,Wdq`, true);
    const op = SCALAR[n];
    lanes(n + "ss", `${SS} ${opc} /r: V,Wd`, true, op === undefined ? undefined : (j, insn) => translateArith32(j, insn, op));
    lanes(n + "pd", `${PD} ${opc} /r: V,Wdq`, false);
    lanes(n + "sd", `${SD} ${opc} /r: V,Wq`, false, op === undefined ? undefined : (j, insn) => translateArith64(j, insn, op));
  }
  lanes("cmpps", `${PS} C2 /r: V,Wdq,Ib`, true);
  lanes("cmpss", `${SS} C2 /r: V,Wd,Ib`, true);
  lanes("cmppd", `${PD} C2 /r: V,Wdq,Ib`, false);
  lanes("cmpsd", `${SD} C2 /r: V,Wq,Ib`, false, translateCmpsd);
  lanes("shufps", `${PS} C6 /r: V,Wdq,Ib`, true);
  lanes("shufpd", `${PD} C6 /r: V,Wdq,Ib`, false);
  for (const [opc, n] of [["14", "unpckl"], ["15", "unpckh"], ["54", "and"], ["55", "andn"], ["56", "or"], ["57", "xor"]]) {
    const form = PACKED_JS[BITWISE[n]];
    const translate = form === undefined ? undefined : (j: Jit, insn: Insn) => translatePacked(j, insn, form);
    lanes(n + "ps", `${PS} ${opc} /r: V,Wdq`, true, translate);
    lanes(n + "pd", `${PD} ${opc} /r: V,Wdq`, false, translate);
  }
  // SSE3: horizontal and alternating add and subtract
  for (const [opc, n] of [["7C", "hadd"], ["7D", "hsub"], ["D0", "addsub"]]) {
    lanes(n + "ps", `${SD} ${opc} /r: V,Wdq`, FEAT_SSE3);
    lanes(n + "pd", `${PD} ${opc} /r: V,Wdq`, FEAT_SSE3);
  }
  lanes("cvtps2pd", `${PS} 5A /r: V,Wq`, false);
  lanes("cvtpd2ps", `${PD} 5A /r: V,Wdq`, false);
  lanes("cvtss2sd", `${SS} 5A /r: V,Wd`, false);
  lanes("cvtsd2ss", `${SD} 5A /r: V,Wq`, false);
  lanes("cvtdq2ps", `${PS} 5B /r: V,Wdq`, false);
  lanes("cvtps2dq", `${PD} 5B /r: V,Wdq`, false);
  lanes("cvttps2dq", `${SS} 5B /r: V,Wdq`, false);
  lanes("cvttpd2dq", `${PD} E6 /r: V,Wdq`, false);
  lanes("cvtpd2dq", `${SD} E6 /r: V,Wdq`, false);
  lanes("cvtdq2pd", `${SS} E6 /r: V,Wq`, false);

  // comiss/comisd/ucomiss/ucomisd: ZF, PF, CF from the compare; OF, SF, AF cleared
  for (const [name, enc, sse1] of [["ucomiss", `${PS} 2E /r: V,Wd`, true], ["comiss", `${PS} 2F /r: V,Wd`, true],
    ["ucomisd", `${PD} 2E /r: V,Wq`, false], ["comisd", `${PD} 2F /r: V,Wq`, false]] as const) {
    define({
      name, enc: [enc], feature: sse1 ? FEAT_SSE : FEAT_SSE2, def: 0x8d5,
      translate: sse1 ? undefined : translateComis64,
      compile: (x, insn) => {
        const d = (insn.ops[0] as RegOp).r, S = new Uint32Array(4), get = source(x, insn.ops[1], S);
        const { st, F } = x, out = { mx: 0 };
        return () => {
          const k = get();
          if (k) return k;
          const mx = st.mxcsr, zpc = comisLanes(name, st.xmm, d, S, mx, out);
          if (simdException(x, mx)) return STOP_XM;
          st.mxcsr = out.mx;
          F[0] = K_EXPL << 2;
          F[7] = zpc;
          return 0;
        };
      },
    });
  }

  // cvtsi2ss/cvtsi2sd: a 32- or 64-bit integer (REX.W) from a register or memory
  for (const [name, enc, sse1] of [["cvtsi2ss", `${SS} 2A /r: V,Ey`, true], ["cvtsi2sd", `${SD} 2A /r: V,Ey`, false]] as const) {
    define({
      name, enc: [enc], feature: sse1 ? FEAT_SSE : FEAT_SSE2,
      translate: sse1 ? undefined : translateCvtsi2sd,
      compile: (x, insn) => {
        const d = (insn.ops[0] as RegOp).r, s = insn.ops[1], is64 = s.k === "r" ? s.sz === 8 : (s as MemOp).sz === 8;
        const { st, T, FLT } = x;
        return () => {
          const lo = x.get(s, is64 ? 8 : 4);
          if (FLT.kind) return FLT.kind;
          const mx = st.mxcsr, a = st.xmm[d * 4], b = st.xmm[d * 4 + 1];
          st.mxcsr = cvtsi2(name, st.xmm, d, lo, is64 ? T[0] : 0, is64, mx);
          if (simdException(x, mx)) { st.xmm[d * 4] = a; st.xmm[d * 4 + 1] = b; return STOP_XM; }
          return 0;
        };
      },
    });
  }

  // cvt(t)ss2si/cvt(t)sd2si: to a 32- or 64-bit register (REX.W)
  for (const [name, enc, sse1] of [["cvttss2si", `${SS} 2C /r: Gy,Wd`, true], ["cvtss2si", `${SS} 2D /r: Gy,Wd`, true],
    ["cvttsd2si", `${SD} 2C /r: Gy,Wq`, false], ["cvtsd2si", `${SD} 2D /r: Gy,Wq`, false]] as const) {
    define({
      name, enc: [enc], feature: sse1 ? FEAT_SSE : FEAT_SSE2,
      compile: (x, insn) => {
        const r = insn.ops[0] as RegOp, S = new Uint32Array(4), get = source(x, insn.ops[1], S), st = x.st;
        return () => {
          const k = get();
          if (k) return k;
          const mx = st.mxcsr;
          st.mxcsr = cvt2si(name, S, r.sz * 8, mx);
          if (simdException(x, mx)) return STOP_XM;
          x.rset(r.r, r.sz, res64[0], res64[1]);
          return 0;
        };
      },
    });
  }

  // the MMX conversions: two int32 lanes of an mm register or m64 to floats (cvtpi2ps keeps the high quadword) ...
  for (const [name, enc, sse1] of [["cvtpi2ps", `${PS} 2A /r: V,Qq`, true], ["cvtpi2pd", `${PD} 2A /r: V,Qq`, false]] as const) {
    const lanes = floatLanes()[name === "cvtpi2ps" ? "cvtdq2ps" : "cvtdq2pd"];
    define({
      name, enc: [enc], feature: sse1 ? FEAT_SSE : FEAT_SSE2, faults: true,
      compile: (x, insn) => {
        const d = (insn.ops[0] as RegOp).r, S = new Uint32Array(4), get = mmSource(x, insn.ops[1], S, 0);
        const st = x.st, X = st.xmm, old = new Uint32Array(4);
        const run = (): number => {
          const k = get();
          if (k) return k;
          S[2] = S[3] = 0;
          const mx = st.mxcsr;
          old.set(X.subarray(d * 4, d * 4 + 4));
          raised.flags = 0;
          st.mxcsr = lanes(X, d, S, 0, mx);
          if (name === "cvtpi2ps") { X[d * 4 + 2] = old[2]; X[d * 4 + 3] = old[3]; }
          if (simdException(x, mx)) { X.set(old, d * 4); return STOP_XM; }
          return 0;
        };
        // a memory source makes no transition to MMX state
        return isMm(insn.ops[1]) ? mmxOp(x, run) : run;
      },
    });
  }
  // ... and two floats of an xmm register or memory (m64, or an aligned m128 of doubles) to int32 lanes of an mm register
  for (const [name, enc, of, sse1] of [["cvtps2pi", `${PS} 2D /r: P,Wq`, "cvtps2dq", true], ["cvttps2pi", `${PS} 2C /r: P,Wq`, "cvttps2dq", true],
    ["cvtpd2pi", `${PD} 2D /r: P,Wdq`, "cvtpd2dq", false], ["cvttpd2pi", `${PD} 2C /r: P,Wdq`, "cvttpd2dq", false]] as const) {
    const lanes = floatLanes()[of];
    define({
      name, enc: [enc], feature: sse1 ? FEAT_SSE : FEAT_SSE2, faults: true,
      compile: (x, insn) => {
        const d = (insn.ops[0] as RegOp).r, S = new Uint32Array(4), get = source(x, insn.ops[1], S), Y = new Uint32Array(4), st = x.st;
        return mmxOp(x, () => {
          const k = get();
          if (k) return k;
          if (sse1) S[2] = S[3] = 0;
          const mx = st.mxcsr;
          raised.flags = 0;
          st.mxcsr = lanes(Y, 0, S, 0, mx);
          if (simdException(x, mx)) return STOP_XM;
          setMm(st.fpu, d, Y[0], Y[1]);
          return 0;
        });
      },
    });
  }
}
defineLater(1, [FEAT_SSE, FEAT_SSE2, FEAT_SSE3], defineSseFloat);
