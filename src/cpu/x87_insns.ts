// The x87 family: the escape opcodes D8..DF and wait. x87Form says what
// each escape byte and ModRM byte decode as and what the instruction does,
// over the semantics of x87.ts; from that one table come the descriptors
// (insn.ts), one per mnemonic and escape byte. Mnemonics are iced-x86's. The undocumented aliases that every processor
// runs (DC D0 fcom, DD C8 fxch, DF D0 fstp...) decode as what they alias.

import {
  BCD, f2xm1, FABS, farith, farithMem, FCHS, fcmov, fcom, fcomi, ffree, fincstp, fld, fldConst, fldSt, fnclex, fpatan, fprem, FPTAN, FRNDINT, fscale, FCOS, FSIN, FSINCOS, FSQRT, fst, fstSt,
  ftrig, ftst, funary, fxam, fxch, fxtract, fyl2x, I16, I32, I64, M32, M64, M80, pop, SW_ES, x87Pending, type X87Saved, x87Save, X87State, x87Unmasked,
} from "./x87.js";
import { loadEnv, restoreState, saveState, storeEnv } from "./x87_state.js";
import { ALL_FLAGS, CC_USE, type Exec, type Op, STOP_MF } from "./exec.js";
import { define, defineLater, FEAT_CMOV, FEAT_FPU, type Insn, type MemOp, type Prefixes } from "./insn.js";
import { K_EXPL } from "./state.js";

/**
 * A decoded x87 instruction. `mem`: bytes of the memory operand (0 for the
 * register forms); `i`: the st(i) of register forms; the rest is how it runs.
 */
export interface X87Form {
  op: string;
  /** Memory operand size in bytes, or 0 for a register form. */
  msz: number;
  /** Operands as iced-x86 lists them: "m", "st0,sti", "sti,st0", "sti", "ax", "". */
  shape: string;
  run: X87Run;
  /** Control instructions leave FOP alone (fninit, fnclex, fldcw, fnstcw, fnstenv, fldenv, fnstsw, wait). */
  control?: boolean;
}

/** The CPU side an x87 instruction uses: its memory operand, RFLAGS, AX and the condition of fcmov. */
export interface X87Port {
  /** Loads the memory operand (`msz` bytes, little-endian); null on a fault. */
  load(): bigint | null;
  /** Stores the memory operand; false on a fault (then nothing changed). */
  store(v: bigint): boolean;
  /** fcomi: sets ZF, PF, CF to `zpc` and clears OF, SF, AF. */
  setFlags(zpc: number): void;
  setAx(v: number): void;
  /** fcmovcc: the condition (cc as in jcc) on RFLAGS. */
  test(cc: number): boolean;
}

/** Runs one instruction: false when its memory access faulted (the x87 state is then unchanged). */
export type X87Run = (x: X87State, i: number, p: X87Port) => boolean;

const ARITH_NAMES = ["fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr"];

/** A load, then `f` with the value (nothing changes on a fault). */
const withLoad = (f: (x: X87State, v: bigint, i: number, p: X87Port) => void): X87Run => (x, i, p) => {
  const v = p.load();
  if (v === null) return false;
  f(x, v, i, p);
  return true;
};
/** A store of `k` (fst, fist, fisttp), popping after when `popAfter`. */
const storeOf = (k: number, popAfter: boolean, truncate = false): X87Run => (x, _i, p) => {
  const sw = x.sw;
  const v = fst(x, k, truncate);
  // an unmasked exception stores nothing
  if (x.sw & ~sw & ~x.cw & 0x3f) return true;
  if (!p.store(v)) { x.sw = sw; return false; }
  if (popAfter) pop(x);
  return true;
};
const reg = (f: (x: X87State, i: number, p: X87Port) => void): X87Run => (x, i, p) => { f(x, i, p); return true; };

/** D8/DC/DA/DE memory forms: the arithmetic and compares with a real or integer operand. */
function memArith(r: number, k: number): X87Run {
  if (r === 2 || r === 3) return withLoad((x, v) => { fcom(x, 0, false, { bits: v, k }); if (r === 3) pop(x); });
  return withLoad((x, v) => farithMem(x, r, v, k));
}

const CONST_NAMES = ["fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz"];
const FCMOV = [["fcmovb", 2], ["fcmove", 4], ["fcmovbe", 6], ["fcmovu", 10]] as const;
/** fcmov's condition, as a jcc condition code. */
const FCMOV_CC: Record<string, number> = Object.fromEntries(FCMOV.flatMap(([op, cc]) => [[op, cc], [op.replace("fcmov", "fcmovn"), cc ^ 1]]));

/** Decodes D8..DF with its ModRM byte; undefined is #UD. */
export function x87Form(b0: number, modrm: number): X87Form | undefined {
  const mod = modrm >> 6, r = (modrm >> 3) & 7, rm = modrm & 7;
  if (mod !== 3) {
    switch (b0) {
      case 0xd8: return { op: ARITH_NAMES[r], msz: 4, shape: "m", run: memArith(r, M32) };
      case 0xdc: return { op: ARITH_NAMES[r], msz: 8, shape: "m", run: memArith(r, M64) };
      case 0xda: return { op: "fi" + ARITH_NAMES[r].slice(1), msz: 4, shape: "m", run: memArith(r, I32) };
      case 0xde: return { op: "fi" + ARITH_NAMES[r].slice(1), msz: 2, shape: "m", run: memArith(r, I16) };
      case 0xd9:
        switch (r) {
          case 0: return { op: "fld", msz: 4, shape: "m", run: withLoad((x, v) => fld(x, v, M32)) };
          case 2: return { op: "fst", msz: 4, shape: "m", run: storeOf(M32, false) };
          case 3: return { op: "fstp", msz: 4, shape: "m", run: storeOf(M32, true) };
          case 4: return { op: "fldenv", msz: 28, shape: "m", control: true, run: withLoad((x, v) => loadEnv(x, bytesOf(v, 28))) };
          case 5: return { op: "fldcw", msz: 2, shape: "m", control: true, run: withLoad((x, v) => { x.cw = Number(v); }) };
          case 6: return {
            op: "fnstenv", msz: 28, shape: "m", control: true,
            run: (x, _i, p) => {
              if (!p.store(bigOf(storeEnv(x)))) return false;
              x.cw |= 0x3f; // fnstenv masks every exception
              return true;
            },
          };
          case 7: return { op: "fnstcw", msz: 2, shape: "m", control: true, run: (x, _i, p) => p.store(BigInt(x.cw)) };
        }
        return undefined;
      case 0xdb:
        switch (r) {
          case 0: return { op: "fild", msz: 4, shape: "m", run: withLoad((x, v) => fld(x, v, I32)) };
          case 1: return { op: "fisttp", msz: 4, shape: "m", run: storeOf(I32, true, true) };
          case 2: return { op: "fist", msz: 4, shape: "m", run: storeOf(I32, false) };
          case 3: return { op: "fistp", msz: 4, shape: "m", run: storeOf(I32, true) };
          case 5: return { op: "fld", msz: 10, shape: "m", run: withLoad((x, v) => fld(x, v, M80)) };
          case 7: return { op: "fstp", msz: 10, shape: "m", run: storeOf(M80, true) };
        }
        return undefined;
      case 0xdd:
        switch (r) {
          case 0: return { op: "fld", msz: 8, shape: "m", run: withLoad((x, v) => fld(x, v, M64)) };
          case 1: return { op: "fisttp", msz: 8, shape: "m", run: storeOf(I64, true, true) };
          case 2: return { op: "fst", msz: 8, shape: "m", run: storeOf(M64, false) };
          case 3: return { op: "fstp", msz: 8, shape: "m", run: storeOf(M64, true) };
          case 4: return { op: "frstor", msz: 108, shape: "m", control: true, run: withLoad((x, v) => restoreState(x, bytesOf(v, 108))) };
          case 6: return {
            op: "fnsave", msz: 108, shape: "m", control: true,
            run: (x, _i, p) => {
              if (!p.store(bigOf(saveState(x)))) return false;
              x.reset(); // fnsave leaves the unit as fninit does
              return true;
            },
          };
          case 7: return { op: "fnstsw", msz: 2, shape: "m", control: true, run: (x, _i, p) => p.store(BigInt(x.sw)) };
        }
        return undefined;
      default: // 0xdf
        switch (r) {
          case 0: return { op: "fild", msz: 2, shape: "m", run: withLoad((x, v) => fld(x, v, I16)) };
          case 1: return { op: "fisttp", msz: 2, shape: "m", run: storeOf(I16, true, true) };
          case 2: return { op: "fist", msz: 2, shape: "m", run: storeOf(I16, false) };
          case 3: return { op: "fistp", msz: 2, shape: "m", run: storeOf(I16, true) };
          case 4: return { op: "fbld", msz: 10, shape: "m", run: withLoad((x, v) => fld(x, v, BCD)) };
          case 5: return { op: "fild", msz: 8, shape: "m", run: withLoad((x, v) => fld(x, v, I64)) };
          case 6: return { op: "fbstp", msz: 10, shape: "m", run: storeOf(BCD, true) };
          case 7: return { op: "fistp", msz: 8, shape: "m", run: storeOf(I64, true) };
        }
        return undefined;
    }
  }
  switch (b0) {
    case 0xd8:
      if (r === 2 || r === 3) return { op: ARITH_NAMES[r], msz: 0, shape: "st0,sti", run: reg((x, i) => { fcom(x, i, false); if (r === 3) pop(x); }) };
      return { op: ARITH_NAMES[r], msz: 0, shape: "st0,sti", run: reg((x, i) => farith(x, r, 0, i)) };
    case 0xdc:
    case 0xde: {
      if (r === 2 || r === 3) {
        if (b0 === 0xde && r === 3) return rm === 1 ? { op: "fcompp", msz: 0, shape: "", run: reg((x) => { fcom(x, 1, false); pop(x); pop(x); }) } : undefined;
        // aliases of fcom and fcomp st(i): DC D0+i, DC D8+i, DE D0+i
        const popAfter = r === 3 || b0 === 0xde;
        return { op: popAfter ? "fcomp" : "fcom", msz: 0, shape: "st0,sti", run: reg((x, i) => { fcom(x, i, false); if (popAfter) pop(x); }) };
      }
      // with st(i) as the destination, the reverse ops swap encodings: DC E0+i is fsubr st(i), st(0)
      const op = r >= 4 ? r ^ 1 : r;
      const p = b0 === 0xde;
      return { op: ARITH_NAMES[op] + (p ? "p" : ""), msz: 0, shape: "sti,st0", run: reg((x, i) => farith(x, op, i, 0, p)) };
    }
    case 0xd9:
      switch (r) {
        case 0: return { op: "fld", msz: 0, shape: "sti", run: reg((x, i) => fldSt(x, i)) };
        case 1: return { op: "fxch", msz: 0, shape: "st0,sti", run: reg((x, i) => fxch(x, i)) };
        case 2: return rm === 0 ? { op: "fnop", msz: 0, shape: "", run: reg(() => {}) } : undefined;
        case 3: return { op: "fstpnce", msz: 0, shape: "sti", run: reg((x, i) => { fstSt(x, i); pop(x); }) }; // alias of fstp st(i)
        case 4:
          switch (rm) {
            case 0: return { op: "fchs", msz: 0, shape: "", run: reg((x) => funary(x, FCHS)) };
            case 1: return { op: "fabs", msz: 0, shape: "", run: reg((x) => funary(x, FABS)) };
            case 4: return { op: "ftst", msz: 0, shape: "", run: reg((x) => ftst(x)) };
            case 5: return { op: "fxam", msz: 0, shape: "", run: reg((x) => fxam(x)) };
          }
          return undefined;
        case 5: return rm < 7 ? { op: CONST_NAMES[rm], msz: 0, shape: "", run: reg((x) => fldConst(x, rm)) } : undefined;
        case 6:
          switch (rm) {
            case 0: return { op: "f2xm1", msz: 0, shape: "", run: reg((x) => f2xm1(x)) };
            case 1: return { op: "fyl2x", msz: 0, shape: "", run: reg((x) => fyl2x(x, false)) };
            case 2: return { op: "fptan", msz: 0, shape: "", run: reg((x) => ftrig(x, FPTAN)) };
            case 3: return { op: "fpatan", msz: 0, shape: "", run: reg((x) => fpatan(x)) };
            case 4: return { op: "fxtract", msz: 0, shape: "", run: reg((x) => fxtract(x)) };
            case 5: return { op: "fprem1", msz: 0, shape: "", run: reg((x) => fprem(x, true)) };
            case 6: return { op: "fdecstp", msz: 0, shape: "", run: reg((x) => fincstp(x, -1)) };
            case 7: return { op: "fincstp", msz: 0, shape: "", run: reg((x) => fincstp(x, 1)) };
          }
          return undefined;
        case 7:
          switch (rm) {
            case 0: return { op: "fprem", msz: 0, shape: "", run: reg((x) => fprem(x, false)) };
            case 1: return { op: "fyl2xp1", msz: 0, shape: "", run: reg((x) => fyl2x(x, true)) };
            case 2: return { op: "fsqrt", msz: 0, shape: "", run: reg((x) => funary(x, FSQRT)) };
            case 3: return { op: "fsincos", msz: 0, shape: "", run: reg((x) => ftrig(x, FSINCOS)) };
            case 4: return { op: "frndint", msz: 0, shape: "", run: reg((x) => funary(x, FRNDINT)) };
            case 5: return { op: "fscale", msz: 0, shape: "", run: reg((x) => fscale(x)) };
            case 6: return { op: "fsin", msz: 0, shape: "", run: reg((x) => ftrig(x, FSIN)) };
            default: return { op: "fcos", msz: 0, shape: "", run: reg((x) => ftrig(x, FCOS)) };
          }
      }
      return undefined;
    case 0xda:
      if (r < 4) {
        const [op, cc] = FCMOV[r];
        return { op, msz: 0, shape: "st0,sti", run: reg((x, i, p) => fcmov(x, i, p.test(cc))) };
      }
      if (r === 5 && rm === 1) return { op: "fucompp", msz: 0, shape: "", run: reg((x) => { fcom(x, 1, true); pop(x); pop(x); }) };
      return undefined;
    case 0xdb:
      if (r < 4) {
        const [op, cc] = FCMOV[r];
        // the negated conditions: cc ^ 1
        return { op: op.replace("fcmov", "fcmovn"), msz: 0, shape: "st0,sti", run: reg((x, i, p) => fcmov(x, i, p.test(cc ^ 1))) };
      }
      // the 8087/287 control instructions run as no-ops
      if (r === 4 && rm === 0) return { op: "fneni", msz: 0, shape: "", control: true, run: reg(() => {}) };
      if (r === 4 && rm === 1) return { op: "fndisi", msz: 0, shape: "", control: true, run: reg(() => {}) };
      if (r === 4 && rm === 4) return { op: "fnsetpm", msz: 0, shape: "", control: true, run: reg(() => {}) };
      if (r === 4 && rm === 2) return { op: "fnclex", msz: 0, shape: "", control: true, run: reg((x) => fnclex(x)) };
      if (r === 4 && rm === 3) return { op: "fninit", msz: 0, shape: "", control: true, run: reg((x) => x.reset()) };
      if (r === 5 || r === 6) {
        const quiet = r === 5;
        return { op: quiet ? "fucomi" : "fcomi", msz: 0, shape: "st0,sti", run: reg((x, i, p) => p.setFlags(fcomi(x, i, quiet))) };
      }
      return undefined;
    case 0xdd:
      switch (r) {
        case 0: return { op: "ffree", msz: 0, shape: "sti", run: reg((x, i) => ffree(x, i)) };
        case 1: return { op: "fxch", msz: 0, shape: "st0,sti", run: reg((x, i) => fxch(x, i)) }; // alias
        case 2: return { op: "fst", msz: 0, shape: "sti", run: reg((x, i) => fstSt(x, i)) };
        case 3: return { op: "fstp", msz: 0, shape: "sti", run: reg((x, i) => { fstSt(x, i); pop(x); }) };
        case 4: return { op: "fucom", msz: 0, shape: "st0,sti", run: reg((x, i) => fcom(x, i, true)) };
        case 5: return { op: "fucomp", msz: 0, shape: "st0,sti", run: reg((x, i) => { fcom(x, i, true); pop(x); }) };
      }
      return undefined;
    default: // 0xdf
      if (r === 0) return { op: "ffreep", msz: 0, shape: "sti", run: reg((x, i) => { ffree(x, i); pop(x); }) };
      if (r === 1) return { op: "fxch", msz: 0, shape: "st0,sti", run: reg((x, i) => fxch(x, i)) }; // alias
      if (r === 2 || r === 3) return { op: "fstp", msz: 0, shape: "sti", run: reg((x, i) => { fstSt(x, i); pop(x); }) }; // aliases
      if (r === 4 && rm === 0) return { op: "fnstsw", msz: 0, shape: "ax", control: true, run: reg((x, _i, p) => p.setAx(x.sw)) };
      if (r === 5 || r === 6) {
        const quiet = r === 5;
        return { op: quiet ? "fucomip" : "fcomip", msz: 0, shape: "st0,sti", run: reg((x, i, p) => { p.setFlags(fcomi(x, i, quiet)); pop(x); }) };
      }
      return undefined;
  }
}

function bytesOf(v: bigint, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = Number((v >> BigInt(8 * i)) & 0xffn);
  return b;
}
function bigOf(b: Uint8Array): bigint {
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  return v;
}

// ---- the descriptors ----

const HEX = (b: number): string => b.toString(16).toUpperCase().padStart(2, "0");
const OPERANDS: Record<string, string> = { "": "", "st0,sti": "ST0,STi", "sti,st0": "STi,ST0", sti: "STi", ax: "AX" };
const MSIZE: Record<number, string> = { 2: "w", 4: "d", 8: "q", 10: "t", 28: "28", 108: "108" };

/** The code segment selector of a 64-bit user process, which fnstenv and fnsave store with FIP. */
const USER_CS = 0x33;

/** The Op of an x87 instruction with escape byte b0. */
function compileX87(x: Exec, insn: Insn, ip: number, b0: number): Op {
  const modrm = insn.modrm!;
  const form = x87Form(b0, modrm)!;
  const m = insn.ops.find((o) => o.k === "m") as MemOp | undefined;
  const { mmu, EA, FLT, F } = x;
  const fpu = x.st.fpu;
  const msz = form.msz;
  const port: X87Port = {
    load(): bigint | null {
      let v = 0n;
      for (let k = 0; k < msz; k += 4) {
        const s = (EA[0] >>> 0) + k;
        const lo = s | 0, hi = s > 0xffffffff ? (EA[1] + 1) | 0 : EA[1];
        const w = msz - k === 2 ? mmu.ld16(lo, hi) : mmu.ld32(lo, hi);
        if (FLT.kind) return null;
        v |= BigInt(w >>> 0) << BigInt(8 * k);
      }
      return v;
    },
    store(v: bigint): boolean {
      if (!mmu.probeWrite(EA[0], EA[1], msz)) return false;
      for (let k = 0; k < msz; k += 4) {
        const s = (EA[0] >>> 0) + k;
        const lo = s | 0, hi = s > 0xffffffff ? (EA[1] + 1) | 0 : EA[1];
        const w = Number((v >> BigInt(8 * k)) & 0xffffffffn) | 0;
        if (msz - k === 2) mmu.st16(lo, hi, w);
        else mmu.st32(lo, hi, w);
      }
      return true;
    },
    setFlags(zpc: number): void { F[0] = K_EXPL << 2; F[7] = zpc; },
    setAx(v: number): void { x.rset(0, 2, v, 0); },
    test: x.test,
  };
  const run = form.run, i = modrm & 7;
  const fop = ((b0 & 7) << 8) | modrm;
  if (form.control) {
    // fldcw, fldenv and frstor wait (a pending exception is raised first); the fn- forms do not
    const waits = form.op === "fldcw" || form.op === "fldenv" || form.op === "frstor";
    return () => {
      if (waits && fpu.sw & SW_ES) return STOP_MF;
      if (m) x.ea(m);
      if (!run(fpu, i, port)) return FLT.kind;
      x87Pending(fpu);
      return 0;
    };
  }
  const saved: X87Saved = { regs: [], tags: 0, sw: 0 };
  return () => {
    if (fpu.sw & SW_ES) return STOP_MF;
    if (m) x.ea(m);
    const unmasked = (~fpu.cw & 0x3f) !== 0;
    if (unmasked) x87Save(fpu, saved);
    if (!run(fpu, i, port)) return FLT.kind;
    if (unmasked) x87Unmasked(fpu, saved);
    // the last non-control instruction, for fnstenv
    fpu.fop = fop;
    fpu.fip = ip;
    fpu.fcs = USER_CS;
    if (m) fpu.fdp = EA[0];
    return 0;
  };
}

type Enc = string | { enc: string; when: (p: Prefixes) => boolean };

/** The descriptors: one per mnemonic and escape byte, its encodings gathered from the forms; and wait. Made on the first x87 opcode (insn.ts's defineLater). */
function defineX87(): void {
  const defs = new Map<string, { name: string; b0: number; enc: Enc[] }>();
  const add = (name: string, b0: number, enc: Enc): void => {
    const key = `${name} ${b0}`;
    if (!defs.has(key)) defs.set(key, { name, b0, enc: [] });
    defs.get(key)!.enc.push(enc);
  };
  for (let b0 = 0xd8; b0 <= 0xdf; b0++) {
    for (let reg = 0; reg < 8; reg++) {
      const mf = x87Form(b0, reg << 3);
      // with a 66 prefix (and no REX.W, which overrides it) the environment and state are the 16-bit formats
      // (14 and 94 bytes), which faultline leaves out (#UD)
      const env = mf?.msz === 28 || mf?.msz === 108;
      if (mf) add(mf.op, b0, env ? { enc: `${HEX(b0)} /${reg}: M${mf.msz}`, when: (p) => !p.opsz || (p.rex & 8) !== 0 } : `${HEX(b0)} /${reg}: M${MSIZE[mf.msz]}`);
      const rf = [0, 1, 2, 3, 4, 5, 6, 7].map((rm) => x87Form(b0, 0xc0 | (reg << 3) | rm));
      const first = rf[0];
      if (first && first.shape.includes("sti") && rf.every((f) => f && f.op === first.op && f.shape === first.shape)) {
        add(first.op, b0, `${HEX(b0)} /${reg}: ${OPERANDS[first.shape]}`);
      } else {
        rf.forEach((f, rm) => {
          if (!f) return;
          const ops = OPERANDS[f.shape];
          add(f.op, b0, `${HEX(b0)} ${HEX(0xc0 | (reg << 3) | rm)}${ops ? ": " + ops : ""}`);
        });
      }
    }
  }
  for (const { name, b0, enc } of defs.values()) {
    const fcomi = name.endsWith("comi") || name.endsWith("comip");
    const cc = FCMOV_CC[name];
    define({
      name,
      enc,
      feature: cc !== undefined ? FEAT_CMOV : FEAT_FPU,
      // fcomi sets ZF, PF, CF and clears OF, SF, AF; fcmov reads its condition
      use: cc !== undefined ? CC_USE[cc] : 0,
      def: fcomi ? ALL_FLAGS : 0,
      // a pending unmasked exception stops it (#MF)
      faults: true,
      compile: (x, insn, ip) => compileX87(x, insn, ip, b0),
      // fnstcw (glibc's conversions read the control word): the store alone, as the Op does it
      translate: name === "fnstcw" ? (j, insn) => {
        const ea = j.ea(insn.ops[0] as MemOp);
        return ea === null ? null : `{${ea} ${j.store(2, "ST.fpu.cw", "0")}}`;
      } : undefined,
    });
  }

  // wait raises a pending unmasked x87 exception
  define({
    name: "wait",
    enc: ["9B"],
    feature: FEAT_FPU,
    faults: true,
    compile: (x) => {
      const fpu = x.st.fpu;
      return () => (fpu.sw & SW_ES ? STOP_MF : 0);
    },
  });
}
defineLater(0, [FEAT_FPU, FEAT_CMOV], defineX87);
