// SSE3's duplicating loads, SSSE3, SSE4.1 and SSE4.2 integer SIMD as lane functions over sse_int.ts's
// lane sets: A = the destination's old value, B = the source, R = the result
// (C = the implicit xmm0 mask of the variable blends), run by xmmOp. The
// string compares (pcmpestri and kin) and ptest compute flags and an index
// or mask instead: functions of A and B of their own. crc32's CRC-32C step
// is here too.

import { A, B, C, type PackedOp, R, satS16, satU16, umulhi } from "./sse_int.js";

// ---- SSE3: the loads that duplicate lanes of B ----
export const SSE3_DUP: Record<string, PackedOp> = {
  movddup: () => { R.d[0] = R.d[2] = B.d[0]; R.d[1] = R.d[3] = B.d[1]; },
  movsldup: () => { R.d[0] = R.d[1] = B.d[0]; R.d[2] = R.d[3] = B.d[2]; },
  movshdup: () => { R.d[0] = R.d[1] = B.d[1]; R.d[2] = R.d[3] = B.d[3]; },
};

// ---- SSSE3 ----
const pshufb: PackedOp = () => { for (let i = 0; i < 16; i++) { const s = B.b[i]; R.b[i] = s & 0x80 ? 0 : A.b[s & 15]; } };
/** The horizontal ops: the pairs of A's lanes, then B's, combined by f. */
function horizontal(lanes: "sw" | "sd", n: number, f: (x: number, y: number) => number): PackedOp {
  return () => {
    const a = A[lanes], b = B[lanes], r = R[lanes], h = n / 2;
    for (let i = 0; i < h; i++) {
      const x = f(a[2 * i], a[2 * i + 1]), y = f(b[2 * i], b[2 * i + 1]);
      r[i] = x;
      r[i + h] = y;
    }
  };
}
const pmaddubsw: PackedOp = () => {
  // A's bytes unsigned, B's signed
  for (let i = 0; i < 8; i++) R.sw[i] = satS16(A.b[2 * i] * B.sb[2 * i] + A.b[2 * i + 1] * B.sb[2 * i + 1]);
};
const pmulhrsw: PackedOp = () => { for (let i = 0; i < 8; i++) R.sw[i] = (((A.sw[i] * B.sw[i]) >> 14) + 1) >> 1; };
function psign(lanes: "sb" | "sw" | "sd", n: number): PackedOp {
  return () => {
    const a = A[lanes], b = B[lanes], r = R[lanes];
    for (let i = 0; i < n; i++) r[i] = b[i] < 0 ? -a[i] : b[i] === 0 ? 0 : a[i];
  };
}
function pabs(lanes: "sb" | "sw" | "sd", n: number): PackedOp {
  return () => { const b = B[lanes], r = R[lanes]; for (let i = 0; i < n; i++) r[i] = b[i] < 0 ? -b[i] : b[i]; };
}
/** palignr: A:B (A high) shifted right by imm bytes, the low 16. */
const palignr: PackedOp = (imm) => {
  for (let i = 0; i < 16; i++) {
    const k = i + imm;
    R.b[i] = k < 16 ? B.b[k] : k < 32 ? A.b[k - 16] : 0;
  }
};

// ---- SSE4.1 ----
/** pmovsx / pmovzx: B's low lanes widened (from: signed or unsigned lanes of B, into R's lanes). */
function widen(from: "b" | "sb" | "w" | "sw" | "d" | "sd", to: "w" | "d", n: number): PackedOp {
  return () => { const b = B[from], r = R[to]; for (let i = 0; i < n; i++) r[i] = b[i]; };
}
/** To quadwords: each of B's low n lanes sign- or zero-extended to 64 bits. */
function widenQ(from: "b" | "sb" | "w" | "sw" | "d" | "sd"): PackedOp {
  return () => { const b = B[from]; for (let i = 0; i < 2; i++) { R.d[2 * i] = b[i]; R.d[2 * i + 1] = b[i] < 0 ? -1 : 0; } };
}
function lanewise(lanes: "b" | "sb" | "w" | "sw" | "d" | "sd", n: number, f: (x: number, y: number) => number): PackedOp {
  return () => { const a = A[lanes], b = B[lanes], r = R[lanes]; for (let i = 0; i < n; i++) r[i] = f(a[i], b[i]); };
}
const min = (x: number, y: number): number => (x < y ? x : y);
const max = (x: number, y: number): number => (x > y ? x : y);
const pmuldq: PackedOp = () => {
  for (let i = 0; i < 4; i += 2) {
    const a = A.sd[i], b = B.sd[i];
    R.d[i] = Math.imul(a, b);
    // the signed high half from the unsigned one
    R.d[i + 1] = umulhi(a >>> 0, b >>> 0) - (a < 0 ? b >>> 0 : 0) - (b < 0 ? a >>> 0 : 0);
  }
};
const pcmpeqq: PackedOp = () => {
  for (let i = 0; i < 4; i += 2) R.d[i] = R.d[i + 1] = A.d[i] === B.d[i] && A.d[i + 1] === B.d[i + 1] ? -1 : 0;
};
const pcmpgtq: PackedOp = () => {
  for (let i = 0; i < 4; i += 2) {
    const gt = A.sd[i + 1] > B.sd[i + 1] || (A.sd[i + 1] === B.sd[i + 1] && A.d[i] > B.d[i]);
    R.d[i] = R.d[i + 1] = gt ? -1 : 0;
  }
};
const packusdw: PackedOp = () => { for (let i = 0; i < 4; i++) { R.w[i] = satU16(A.sd[i]); R.w[i + 4] = satU16(B.sd[i]); } };
/** phminposuw: B's smallest word and its (lowest) index; the rest zero. */
const phminposuw: PackedOp = () => {
  let at = 0;
  for (let i = 1; i < 8; i++) if (B.w[i] < B.w[at]) at = i;
  R.d[0] = B.w[at] | (at << 16);
  R.d[1] = R.d[2] = R.d[3] = 0;
};
/** The blends: lane i from B where selected, else from A. */
function blend(lanes: "w" | "d", n: number, pick: (imm: number, i: number) => boolean): PackedOp {
  return (imm) => { const a = A[lanes], b = B[lanes], r = R[lanes]; for (let i = 0; i < n; i++) r[i] = pick(imm, i) ? b[i] : a[i]; };
}
const pblendvb: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = C.b[i] & 0x80 ? B.b[i] : A.b[i]; };
/** insertps: A with B's dword imm[7:6] at imm[5:4], then the dwords of imm[3:0] zeroed. */
const insertps: PackedOp = (imm) => {
  for (let i = 0; i < 4; i++) R.d[i] = A.d[i];
  R.d[(imm >> 4) & 3] = B.d[imm >> 6];
  for (let i = 0; i < 4; i++) if (imm & (1 << i)) R.d[i] = 0;
};
/** mpsadbw: eight sums of absolute differences of four bytes of A (from byte imm[2] * 4 + i) and B's block imm[1:0]. */
const mpsadbw: PackedOp = (imm) => {
  const a0 = (imm & 4), b0 = (imm & 3) * 4;
  for (let i = 0; i < 8; i++) {
    let s = 0;
    for (let k = 0; k < 4; k++) s += Math.abs(A.b[a0 + i + k] - B.b[b0 + k]);
    R.w[i] = s;
  }
};

/** ptest's flags: ZF when A & B is zero, CF when ~A & B is zero (the others cleared). */
export function ptest(a: Uint32Array, ao: number, b: Uint32Array, bo: number): number {
  let and = 0, andn = 0;
  for (let i = 0; i < 4; i++) { and |= a[ao + i] & b[bo + i]; andn |= ~a[ao + i] & b[bo + i]; }
  return (and === 0 ? 0x40 : 0) | (andn === 0 ? 0x01 : 0);
}

// ---- SSE4.2: the string compares ----

/**
 * pcmpestri, pcmpestrm, pcmpistri, pcmpistrm (SDM vol. 2B, 4.1): compares the
 * string in A (the register operand) with the string in B under imm's element
 * format (imm[1:0]: unsigned bytes, unsigned words, signed bytes, signed
 * words), aggregation (imm[3:2]: equal any, ranges, equal each, equal
 * ordered) and polarity (imm[5:4]). `la` and `lb` are the explicit lengths
 * (the absolute values of rax and rdx, saturated), or -1 for the implicit
 * ones (up to the first zero element).
 * @return IntRes2 (a bit per element of B) | the flags (CF ZF SF OF) << 16
 */
export function pcmpstr(imm: number, la: number, lb: number): number {
  const words = (imm & 1) !== 0, n = words ? 8 : 16;
  const a = imm & 2 ? (words ? A.sw : A.sb) : words ? A.w : A.b;
  const b = imm & 2 ? (words ? B.sw : B.sb) : words ? B.w : B.b;
  const len = (v: Int8Array | Uint8Array | Int16Array | Uint16Array, l: number): number => {
    if (l >= 0) return l > n ? n : l;
    let i = 0;
    while (i < n && v[i] !== 0) i++;
    return i;
  };
  la = len(a, la);
  lb = len(b, lb);
  let res = 0;
  switch ((imm >> 2) & 3) {
    case 0: // equal any: b[j] is one of a's elements
      for (let j = 0; j < lb; j++) for (let i = 0; i < la; i++) if (a[i] === b[j]) { res |= 1 << j; break; }
      break;
    case 1: // ranges: a[i] <= b[j] <= a[i + 1] for a pair of a's elements
      for (let j = 0; j < lb; j++) for (let i = 0; i + 1 < la; i += 2) if (a[i] <= b[j] && b[j] <= a[i + 1]) { res |= 1 << j; break; }
      break;
    case 2: // equal each: past both ends true, past one false
      for (let j = 0; j < n; j++) if (j < la && j < lb ? a[j] === b[j] : j >= la && j >= lb) res |= 1 << j;
      break;
    default: // equal ordered: a occurs in b at j (past a's end anything matches, past b's nothing)
      for (let j = 0; j < n; j++) {
        let k = 0;
        while (k < n - j && (k >= la || (j + k < lb && a[k] === b[j + k]))) k++;
        if (k === n - j) res |= 1 << j;
      }
  }
  const all = (1 << n) - 1;
  switch ((imm >> 4) & 3) {
    case 1: res ^= all; break;
    case 3: res ^= (1 << lb) - 1; break; // negated where b is valid
  }
  const flags = (res !== 0 ? 0x01 : 0) | (lb < n ? 0x40 : 0) | (la < n ? 0x80 : 0) | ((res & 1) !== 0 ? 0x800 : 0);
  return res | (flags << 16);
}

/** pcmpestri/pcmpistri's index of IntRes2 (res's low 16 bits): its lowest or (imm[6]) highest set bit, else the element count. */
export function pcmpstrIndex(imm: number, res: number): number {
  const r = res & 0xffff;
  if (r === 0) return imm & 1 ? 8 : 16;
  return imm & 0x40 ? 31 - Math.clz32(r) : 31 - Math.clz32(r & -r);
}

/** pcmpestrm/pcmpistrm's mask of IntRes2 into out[at..at+4): the bits, or (imm[6]) each element all ones where set. */
export function pcmpstrMask(imm: number, res: number, out: Uint32Array, at: number): void {
  out[at] = out[at + 1] = out[at + 2] = out[at + 3] = 0;
  if (!(imm & 0x40)) { out[at] = res & 0xffff; return; }
  const words = (imm & 1) !== 0;
  for (let j = 0; j < (words ? 8 : 16); j++) {
    if (!(res & (1 << j))) continue;
    if (words) out[at + (j >> 1)] |= 0xffff << ((j & 1) * 16);
    else out[at + (j >> 2)] |= 0xff << ((j & 3) * 8);
  }
}

/** The length register of pcmpestri/pcmpestrm (rax or rdx, hi:lo, or its low half without REX.W): |value|, saturated to n. */
export function explicitLength(lo: number, hi: number, wide: boolean, n: number): number {
  const v = wide ? hi * 4294967296 + (lo >>> 0) : lo;
  const m = Math.abs(v);
  return m > n ? n : m;
}

/** crc32: the CRC-32C (Castagnoli, reflected) of `bytes` bytes of v (little-endian; hi for the upper four) on crc, without inversion. */
let CRC32C: Int32Array | null = null;
export function crc32c(crc: number, lo: number, hi: number, bytes: number): number {
  const table = (CRC32C ??= crcTable());
  for (let i = 0; i < bytes; i++) {
    const b = i < 4 ? lo >>> (8 * i) : hi >>> (8 * (i - 4));
    crc = table[(crc ^ b) & 0xff] ^ (crc >>> 8);
  }
  return crc;
}

/** The CRC-32C of each byte value (made on the first crc32: nothing at load). */
function crcTable(): Int32Array {
  const t = new Int32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[i] = c;
  }
  return t;
}

/** The SSSE3 instructions with an MMX form too (0F 38 xx and palignr, 0F 3A 0F), by mnemonic. */
export const SSSE3: Record<string, PackedOp> = {
  pshufb,
  phaddw: horizontal("sw", 8, (x, y) => x + y),
  phaddd: horizontal("sd", 4, (x, y) => x + y),
  phaddsw: horizontal("sw", 8, (x, y) => satS16(x + y)),
  pmaddubsw,
  phsubw: horizontal("sw", 8, (x, y) => x - y),
  phsubd: horizontal("sd", 4, (x, y) => x - y),
  phsubsw: horizontal("sw", 8, (x, y) => satS16(x - y)),
  psignb: psign("sb", 16), psignw: psign("sw", 8), psignd: psign("sd", 4),
  pmulhrsw,
  pabsb: pabs("sb", 16), pabsw: pabs("sw", 8), pabsd: pabs("sd", 4),
  palignr,
};
/** Their 0F 38 opcodes (palignr is 0F 3A 0F). */
export const SSSE3_OPCODES: [number, string][] = [
  [0x00, "pshufb"], [0x01, "phaddw"], [0x02, "phaddd"], [0x03, "phaddsw"], [0x04, "pmaddubsw"], [0x05, "phsubw"], [0x06, "phsubd"],
  [0x07, "phsubsw"], [0x08, "psignb"], [0x09, "psignw"], [0x0a, "psignd"], [0x0b, "pmulhrsw"], [0x1c, "pabsb"], [0x1d, "pabsw"], [0x1e, "pabsd"],
];

/** The SSE4.1 and SSE4.2 packed-integer instructions of the 0F 38 map (66 0F 38 xx /r), by mnemonic, with their opcodes and memory operand sizes
 * (made when the family is defined, not at load). */
export const sse4Ops0F38 = (): [number, string, PackedOp, number][] => [
  [0x10, "pblendvb", pblendvb, 16],
  [0x20, "pmovsxbw", widen("sb", "w", 8), 8], [0x21, "pmovsxbd", widen("sb", "d", 4), 4], [0x22, "pmovsxbq", widenQ("sb"), 2],
  [0x23, "pmovsxwd", widen("sw", "d", 4), 8], [0x24, "pmovsxwq", widenQ("sw"), 4], [0x25, "pmovsxdq", widenQ("sd"), 8],
  [0x28, "pmuldq", pmuldq, 16], [0x29, "pcmpeqq", pcmpeqq, 16], [0x2b, "packusdw", packusdw, 16],
  [0x30, "pmovzxbw", widen("b", "w", 8), 8], [0x31, "pmovzxbd", widen("b", "d", 4), 4], [0x32, "pmovzxbq", widenQ("b"), 2],
  [0x33, "pmovzxwd", widen("w", "d", 4), 8], [0x34, "pmovzxwq", widenQ("w"), 4], [0x35, "pmovzxdq", widenQ("d"), 8],
  [0x37, "pcmpgtq", pcmpgtq, 16],
  [0x38, "pminsb", lanewise("sb", 16, min), 16], [0x39, "pminsd", lanewise("sd", 4, min), 16],
  [0x3a, "pminuw", lanewise("w", 8, min), 16], [0x3b, "pminud", lanewise("d", 4, min), 16],
  [0x3c, "pmaxsb", lanewise("sb", 16, max), 16], [0x3d, "pmaxsd", lanewise("sd", 4, max), 16],
  [0x3e, "pmaxuw", lanewise("w", 8, max), 16], [0x3f, "pmaxud", lanewise("d", 4, max), 16],
  [0x40, "pmulld", lanewise("d", 4, Math.imul), 16], [0x41, "phminposuw", phminposuw, 16],
];

/** The variable blends of floats: by the sign of each dword (blendvps) or quadword (blendvpd) of C. */
export const blendvps: PackedOp = () => { for (let i = 0; i < 4; i++) R.d[i] = C.sd[i] < 0 ? B.d[i] : A.d[i]; };
export const blendvpd: PackedOp = () => {
  for (let i = 0; i < 4; i += 2) {
    const b = C.sd[i + 1] < 0;
    R.d[i] = b ? B.d[i] : A.d[i];
    R.d[i + 1] = b ? B.d[i + 1] : A.d[i + 1];
  }
};

/** The SSE4.1 instructions of the 0F 3A map with an immediate that move integer or float lanes bit for bit (66 0F 3A xx /r ib)
 * (made when the family is defined, not at load). */
export const sse4Ops0F3A = (): [number, string, PackedOp][] => [
  [0x0c, "blendps", blend("d", 4, (imm, i) => ((imm >> i) & 1) !== 0)],
  [0x0d, "blendpd", blend("d", 4, (imm, i) => ((imm >> (i >> 1)) & 1) !== 0)],
  [0x0e, "pblendw", blend("w", 8, (imm, i) => ((imm >> i) & 1) !== 0)],
  [0x21, "insertps", insertps],
  [0x42, "mpsadbw", mpsadbw],
];
