// SSE2 integer SIMD (the packed-integer instructions libc's string functions
// and compilers use), as functions over three 128-bit lane sets:
//
//   A = the destination's old value (or, for the by-immediate shifts, the one operand)
//   B = the source operand (a register or the 16 bytes loaded from memory)
//   R = the result, written back to the destination whole
//
// xmmOp() copies the operands in and the result out, so a destination that is
// also the source (pxor %xmm0, %xmm0) needs no care in the operations.

/** One 128-bit value seen as lanes of every width. */
export class Lanes {
  readonly buf = new ArrayBuffer(16);
  readonly d = new Uint32Array(this.buf);
  readonly sd = new Int32Array(this.buf);
  readonly w = new Uint16Array(this.buf);
  readonly sw = new Int16Array(this.buf);
  readonly b = new Uint8Array(this.buf);
  readonly sb = new Int8Array(this.buf);
}

export const A = new Lanes(), B = new Lanes(), R = new Lanes();
/** A third operand: the implicit mask of pblendvb, blendvps and blendvpd (xmm0), set by the caller. */
export const C = new Lanes();

/** A packed operation: reads A and B (and imm), writes all of R. */
export type PackedOp = (imm: number) => void;

/**
 * Runs op with A = x[d..d+4) and B = s[so..so+4) (dword offsets: register i is at 4 * i),
 * then stores R into x[d..d+4).
 */
export function xmmOp(op: PackedOp, x: Uint32Array, d: number, s: Uint32Array, so: number, imm: number): void {
  const ad = A.d, bd = B.d, rd = R.d;
  ad[0] = x[d]; ad[1] = x[d + 1]; ad[2] = x[d + 2]; ad[3] = x[d + 3];
  bd[0] = s[so]; bd[1] = s[so + 1]; bd[2] = s[so + 2]; bd[3] = s[so + 3];
  op(imm);
  x[d] = rd[0]; x[d + 1] = rd[1]; x[d + 2] = rd[2]; x[d + 3] = rd[3];
}

export const satS8 = (v: number): number => (v > 127 ? 127 : v < -128 ? -128 : v);
export const satU8 = (v: number): number => (v > 255 ? 255 : v < 0 ? 0 : v);
export const satS16 = (v: number): number => (v > 32767 ? 32767 : v < -32768 ? -32768 : v);
export const satU16 = (v: number): number => (v > 65535 ? 65535 : v < 0 ? 0 : v);

// ---- bitwise ----
const pand: PackedOp = () => { for (let i = 0; i < 4; i++) R.d[i] = A.d[i] & B.d[i]; };
const pandn: PackedOp = () => { for (let i = 0; i < 4; i++) R.d[i] = ~A.d[i] & B.d[i]; };
const por: PackedOp = () => { for (let i = 0; i < 4; i++) R.d[i] = A.d[i] | B.d[i]; };
const pxor: PackedOp = () => { for (let i = 0; i < 4; i++) R.d[i] = A.d[i] ^ B.d[i]; };

// ---- compares: all ones where true ----
const pcmpeqb: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = A.b[i] === B.b[i] ? 0xff : 0; };
const pcmpeqw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = A.w[i] === B.w[i] ? 0xffff : 0; };
const pcmpeqd: PackedOp = () => { for (let i = 0; i < 4; i++) R.d[i] = A.d[i] === B.d[i] ? -1 : 0; };
const pcmpgtb: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = A.sb[i] > B.sb[i] ? 0xff : 0; };
const pcmpgtw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = A.sw[i] > B.sw[i] ? 0xffff : 0; };
const pcmpgtd: PackedOp = () => { for (let i = 0; i < 4; i++) R.d[i] = A.sd[i] > B.sd[i] ? -1 : 0; };

// ---- minimum, maximum, average ----
const pminub: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = Math.min(A.b[i], B.b[i]); };
const pmaxub: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = Math.max(A.b[i], B.b[i]); };
const pminsw: PackedOp = () => { for (let i = 0; i < 8; i++) R.sw[i] = Math.min(A.sw[i], B.sw[i]); };
const pmaxsw: PackedOp = () => { for (let i = 0; i < 8; i++) R.sw[i] = Math.max(A.sw[i], B.sw[i]); };
const pavgb: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = (A.b[i] + B.b[i] + 1) >> 1; };
const pavgw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = (A.w[i] + B.w[i] + 1) >> 1; };

// ---- add and subtract: wrapping, signed-saturating, unsigned-saturating ----
const paddb: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = A.b[i] + B.b[i]; };
const paddw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = A.w[i] + B.w[i]; };
const paddd: PackedOp = () => { for (let i = 0; i < 4; i++) R.d[i] = A.d[i] + B.d[i]; };
const psubb: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = A.b[i] - B.b[i]; };
const psubw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = A.w[i] - B.w[i]; };
const psubd: PackedOp = () => { for (let i = 0; i < 4; i++) R.d[i] = A.d[i] - B.d[i]; };
const paddq: PackedOp = () => {
  for (let i = 0; i < 4; i += 2) {
    const lo = A.d[i] + B.d[i];
    R.d[i] = lo;
    R.d[i + 1] = A.d[i + 1] + B.d[i + 1] + (lo > 0xffffffff ? 1 : 0);
  }
};
const psubq: PackedOp = () => {
  for (let i = 0; i < 4; i += 2) {
    const lo = A.d[i] - B.d[i];
    R.d[i] = lo;
    R.d[i + 1] = A.d[i + 1] - B.d[i + 1] - (lo < 0 ? 1 : 0);
  }
};
const paddsb: PackedOp = () => { for (let i = 0; i < 16; i++) R.sb[i] = satS8(A.sb[i] + B.sb[i]); };
const paddsw: PackedOp = () => { for (let i = 0; i < 8; i++) R.sw[i] = satS16(A.sw[i] + B.sw[i]); };
const paddusb: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = satU8(A.b[i] + B.b[i]); };
const paddusw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = satU16(A.w[i] + B.w[i]); };
const psubsb: PackedOp = () => { for (let i = 0; i < 16; i++) R.sb[i] = satS8(A.sb[i] - B.sb[i]); };
const psubsw: PackedOp = () => { for (let i = 0; i < 8; i++) R.sw[i] = satS16(A.sw[i] - B.sw[i]); };
const psubusb: PackedOp = () => { for (let i = 0; i < 16; i++) R.b[i] = satU8(A.b[i] - B.b[i]); };
const psubusw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = satU16(A.w[i] - B.w[i]); };

// ---- multiply ----
const pmullw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = Math.imul(A.w[i], B.w[i]); };
const pmulhw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = (A.sw[i] * B.sw[i]) >> 16; };
const pmulhuw: PackedOp = () => { for (let i = 0; i < 8; i++) R.w[i] = (A.w[i] * B.w[i]) >>> 16; };
const pmaddwd: PackedOp = () => {
  // 0x8000 * 0x8000 * 2 wraps to 0x80000000, as on hardware
  for (let i = 0; i < 4; i++) R.sd[i] = (A.sw[2 * i] * B.sw[2 * i] + A.sw[2 * i + 1] * B.sw[2 * i + 1]) | 0;
};
const pmuludq: PackedOp = () => {
  for (let i = 0; i < 4; i += 2) {
    const a = A.d[i], b = B.d[i];
    R.d[i] = Math.imul(a, b);
    R.d[i + 1] = umulhi(a, b);
  }
};
/** High 32 bits of the unsigned product of two uint32. */
export function umulhi(a: number, b: number): number {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  const p01 = a0 * b1, p10 = a1 * b0;
  const mid = ((a0 * b0) >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  return a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
}
const psadbw: PackedOp = () => {
  for (let h = 0; h < 2; h++) {
    let s = 0;
    for (let i = 8 * h; i < 8 * h + 8; i++) s += Math.abs(A.b[i] - B.b[i]);
    R.d[2 * h] = s;
    R.d[2 * h + 1] = 0;
  }
};

// ---- packs: A's lanes narrowed into the low half, B's into the high half ----
const packsswb: PackedOp = () => { for (let i = 0; i < 8; i++) { R.sb[i] = satS8(A.sw[i]); R.sb[i + 8] = satS8(B.sw[i]); } };
const packuswb: PackedOp = () => { for (let i = 0; i < 8; i++) { R.b[i] = satU8(A.sw[i]); R.b[i + 8] = satU8(B.sw[i]); } };
const packssdw: PackedOp = () => { for (let i = 0; i < 4; i++) { R.sw[i] = satS16(A.sd[i]); R.sw[i + 4] = satS16(B.sd[i]); } };

// ---- unpacks: interleave the low (or high) halves, A's lane first ----
function unpack(lanes: "b" | "w" | "d", n: number, high: boolean): PackedOp {
  return () => {
    const a = A[lanes], b = B[lanes], r = R[lanes];
    const base = high ? n / 2 : 0;
    for (let i = 0; i < n / 2; i++) {
      r[2 * i] = a[base + i];
      r[2 * i + 1] = b[base + i];
    }
  };
}
const punpcklqdq: PackedOp = () => { R.d[0] = A.d[0]; R.d[1] = A.d[1]; R.d[2] = B.d[0]; R.d[3] = B.d[1]; };
const punpckhqdq: PackedOp = () => { R.d[0] = A.d[2]; R.d[1] = A.d[3]; R.d[2] = B.d[2]; R.d[3] = B.d[3]; };

// ---- shuffles (of B, by the immediate) ----
const pshufd: PackedOp = (imm) => { for (let i = 0; i < 4; i++) R.d[i] = B.d[(imm >> (2 * i)) & 3]; };
const pshuflw: PackedOp = (imm) => {
  for (let i = 0; i < 4; i++) R.w[i] = B.w[(imm >> (2 * i)) & 3];
  R.d[2] = B.d[2]; R.d[3] = B.d[3];
};
const pshufhw: PackedOp = (imm) => {
  R.d[0] = B.d[0]; R.d[1] = B.d[1];
  for (let i = 0; i < 4; i++) R.w[4 + i] = B.w[4 + ((imm >> (2 * i)) & 3)];
};

// ---- shifts: of A; by imm (the immediate forms) or by B's low quadword ----
/** The count of a by-register shift: B's low 64 bits, clamped (any count above 63 empties the lanes). */
function countOf(): number {
  return B.d[1] !== 0 || B.d[0] > 255 ? 255 : B.d[0];
}
const pslldq: PackedOp = (imm) => { for (let i = 0; i < 16; i++) R.b[i] = i >= imm ? A.b[i - imm] : 0; };
const psrldq: PackedOp = (imm) => { for (let i = 0; i < 16; i++) R.b[i] = i + imm < 16 ? A.b[i + imm] : 0; };
function shiftW(n: number, kind: number): void {
  for (let i = 0; i < 8; i++) {
    if (kind === 2) R.sw[i] = A.sw[i] >> Math.min(n, 15);
    else R.w[i] = n > 15 ? 0 : kind === 0 ? A.w[i] << n : A.w[i] >>> n;
  }
}
function shiftD(n: number, kind: number): void {
  for (let i = 0; i < 4; i++) {
    if (kind === 2) R.sd[i] = A.sd[i] >> Math.min(n, 31);
    else R.d[i] = n > 31 ? 0 : kind === 0 ? A.d[i] << n : A.d[i] >>> n;
  }
}
function shiftQ(n: number, left: boolean): void {
  for (let i = 0; i < 4; i += 2) {
    const lo = A.d[i], hi = A.d[i + 1];
    if (n > 63) { R.d[i] = 0; R.d[i + 1] = 0; }
    else if (n === 0) { R.d[i] = lo; R.d[i + 1] = hi; }
    else if (n < 32) {
      if (left) { R.d[i] = lo << n; R.d[i + 1] = (hi << n) | (lo >>> (32 - n)); }
      else { R.d[i] = (lo >>> n) | (hi << (32 - n)); R.d[i + 1] = hi >>> n; }
    } else if (left) { R.d[i] = 0; R.d[i + 1] = lo << (n - 32); }
    else { R.d[i] = hi >>> (n - 32); R.d[i + 1] = 0; }
  }
}

/** The shifts by an immediate (66 0F 71/72/73 /r ib), by their mnemonic. */
export const SHIFT_IMM: Record<string, PackedOp> = {
  psrlw: (n) => shiftW(n, 1), psraw: (n) => shiftW(n, 2), psllw: (n) => shiftW(n, 0),
  psrld: (n) => shiftD(n, 1), psrad: (n) => shiftD(n, 2), pslld: (n) => shiftD(n, 0),
  psrlq: (n) => shiftQ(n, false), psllq: (n) => shiftQ(n, true), psrldq, pslldq,
};

/** The two-operand packed-integer instructions (66 0F xx /r, some with an immediate), by mnemonic. */
export const PACKED: Record<string, PackedOp> = {
  pand, pandn, por, pxor, pcmpeqb, pcmpeqw, pcmpeqd, pcmpgtb, pcmpgtw, pcmpgtd,
  pminub, pmaxub, pminsw, pmaxsw, pavgb, pavgw,
  paddb, paddw, paddd, paddq, psubb, psubw, psubd, psubq,
  paddsb, paddsw, paddusb, paddusw, psubsb, psubsw, psubusb, psubusw,
  pmullw, pmulhw, pmulhuw, pmaddwd, pmuludq, psadbw, packsswb, packuswb, packssdw,
  punpcklbw: unpack("b", 16, false), punpcklwd: unpack("w", 8, false), punpckldq: unpack("d", 4, false), punpcklqdq,
  punpckhbw: unpack("b", 16, true), punpckhwd: unpack("w", 8, true), punpckhdq: unpack("d", 4, true), punpckhqdq,
  pshufd, pshuflw, pshufhw,
  psrlw: () => shiftW(countOf(), 1), psraw: () => shiftW(countOf(), 2), psllw: () => shiftW(countOf(), 0),
  psrld: () => shiftD(countOf(), 1), psrad: () => shiftD(countOf(), 2), pslld: () => shiftD(countOf(), 0),
  psrlq: () => shiftQ(countOf(), false), psllq: () => shiftQ(countOf(), true),
};

/** The opcodes (0F xx /r) of the two-operand instructions of PACKED that take no immediate. */
export const PACKED_OPCODES: [number, string][] = [
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

/**
 * The block translator's forms of the bitwise, compare, add and subtract,
 * unsigned-byte min/max instructions, pshufb and palignr (those of libc's string and copy
 * functions and of compilers' byte loops): statements that declare r as result dword k from a, the
 * destination's dword, and b, the source's, the byte lanes done a dword at a
 * time. A form that crosses dwords (palignr) names the others: a0..a3 and
 * b0..b3 hold every dword of the two operands. sel(m) widens the 0x80
 * bits of m (one per byte lane) to whole bytes; ge(a, b) has 0x80 set in each
 * byte lane where a's byte >= b's (unsigned): the top bits decide where they
 * differ, else the low seven bits' difference, which cannot borrow across lanes.
 */
const sel = (m: string): string => `((${m}) - ((${m}) >>> 7) | (${m}))`;
const ge = (a: string, b: string): string =>
  `(((${a} & ~${b}) | (~(${a} ^ ${b}) & ((${a} | 0x80808080) - (${b} & 0x7f7f7f7f)))) & 0x80808080)`;
const zeroBytes = (x: string): string => `(~(((${x} & 0x7f7f7f7f) + 0x7f7f7f7f) | ${x}) & 0x80808080)`;
export const PACKED_JS: Record<string, (r: string, a: string, b: string, k: number, imm: number, konst: (v: number) => string) => string> = {
  pand: (r, a, b) => `const ${r} = ${a} & ${b};`,
  pandn: (r, a, b) => `const ${r} = ~${a} & ${b};`,
  por: (r, a, b) => `const ${r} = ${a} | ${b};`,
  pxor: (r, a, b) => `const ${r} = ${a} ^ ${b};`,
  pcmpeqd: (r, a, b) => `const ${r} = ${a} === ${b} ? -1 : 0;`,
  pcmpeqb: (r, a, b) => `const ${r}x = ${a} ^ ${b}, ${r}m = ${zeroBytes(`${r}x`)}, ${r} = ${sel(`${r}m`)};`,
  pminub: (r, a, b) => `const ${r}g = ${ge(a, b)}, ${r}m = ${sel(`${r}g`)}, ${r} = (${b} & ${r}m) | (${a} & ~${r}m);`,
  pmaxub: (r, a, b) => `const ${r}g = ${ge(a, b)}, ${r}m = ${sel(`${r}g`)}, ${r} = (${a} & ${r}m) | (${b} & ~${r}m);`,
  // signed: a > b where b's byte is not >= a's once the sign bits are flipped
  pcmpgtb: (r, a, b) => `const ${r}p = ${a} ^ 0x80808080, ${r}q = ${b} ^ 0x80808080, ${r}g = ${ge(`${r}q`, `${r}p`)} ^ 0x80808080, ${r} = ${sel(`${r}g`)};`,
  pcmpeqw: (r, a, b) => `const ${r}x = ${a} ^ ${b}, ${r} = ((${r}x & 65535) === 0 ? 65535 : 0) | ((${r}x >>> 16) === 0 ? -65536 : 0);`,
  // the lanes' low bits added (or subtracted) apart, so that no carry crosses a lane, then their top bits
  paddb: (r, a, b) => `const ${r} = ((${a} & 0x7f7f7f7f) + (${b} & 0x7f7f7f7f)) ^ ((${a} ^ ${b}) & 0x80808080);`,
  psubb: (r, a, b) => `const ${r} = ((${a} | 0x80808080) - (${b} & 0x7f7f7f7f)) ^ ((${a} ^ ~${b}) & 0x80808080);`,
  paddw: (r, a, b) => `const ${r} = ((${a} & 0x7fff7fff) + (${b} & 0x7fff7fff)) ^ ((${a} ^ ${b}) & 0x80008000);`,
  psubw: (r, a, b) => `const ${r} = ((${a} | 0x80008000) - (${b} & 0x7fff7fff)) ^ ((${a} ^ ~${b}) & 0x80008000);`,
  paddd: (r, a, b) => `const ${r} = (${a} + ${b}) | 0;`,
  psubd: (r, a, b) => `const ${r} = (${a} - ${b}) | 0;`,
  // a qword's high dword takes the low one's carry (its sum below an addend) or borrow
  paddq: (r, a, b, k) => k & 1 ? `const ${r} = (${a} + ${b} + ((r${k - 1} >>> 0) < (a${k - 1} >>> 0) ? 1 : 0)) | 0;` : `const ${r} = (${a} + ${b}) | 0;`,
  psubq: (r, a, b, k) => k & 1 ? `const ${r} = (${a} - ${b} - ((a${k - 1} >>> 0) < (b${k - 1} >>> 0) ? 1 : 0)) | 0;` : `const ${r} = (${a} - ${b}) | 0;`,
  // each byte of b picks a byte of a0..a3 by its low four bits, or is 0 with its top bit set
  pshufb: (r, _a, b) => `const ${r} = ` + [0, 1, 2, 3].map((i) => {
    const n = `((${b} >>> ${8 * i}) & 0x8f)`;
    return `(${n} > 15 ? 0 : (((${n} & 8 ? (${n} & 4 ? a3 : a2) : (${n} & 4 ? a1 : a0)) >>> ((${n} & 3) << 3)) & 255) << ${8 * i})`;
  }).join(" | ") + ";",
  // bytes imm.. of the pair a:b (b the low half), from the two dwords that hold them
  // (the bit shifts named: the copies of a loop that differ only in them share a translation)
  palignr: (r, _a, _b, k, imm, konst) => {
    const at = 4 * k + imm, q = at >> 2, shift = 8 * (at & 3);
    const dword = (n: number): string => (n < 4 ? `b${n}` : n < 8 ? `a${n - 4}` : "0");
    return shift === 0 ? `const ${r} = ${dword(q)};` : `const ${r} = (${dword(q)} >>> ${konst(shift)}) | (${dword(q + 1)} << ${konst(32 - shift)});`;
  },
};

// ---- to and from general registers ----

/** pmovmskb: the sign bit of each byte of s[so..so+4). */
export function pmovmskb(s: Uint32Array, so: number): number {
  let m = 0;
  for (let i = 0; i < 4; i++) {
    const v = s[so + i];
    m |= (((v >>> 7) & 1) | ((v >>> 14) & 2) | ((v >>> 21) & 4) | ((v >>> 28) & 8)) << (4 * i);
  }
  return m;
}
/** movmskps: the sign bit of each dword. */
export function movmskps(s: Uint32Array, so: number): number {
  return (s[so] >>> 31) | ((s[so + 1] >>> 31) << 1) | ((s[so + 2] >>> 31) << 2) | ((s[so + 3] >>> 31) << 3);
}
/** movmskpd: the sign bit of each qword. */
export function movmskpd(s: Uint32Array, so: number): number {
  return (s[so + 1] >>> 31) | ((s[so + 3] >>> 31) << 1);
}
/** pextrw: word imm & 7, zero-extended. */
export function pextrw(s: Uint32Array, so: number, imm: number): number {
  const k = imm & 7;
  return (s[so + (k >> 1)] >>> ((k & 1) * 16)) & 0xffff;
}
/** pinsrw: word imm & 7 of x[d..d+4) = v's low 16 bits. */
export function pinsrw(x: Uint32Array, d: number, v: number, imm: number): void {
  const k = imm & 7, i = d + (k >> 1), sh = (k & 1) * 16;
  x[i] = (x[i] & ~(0xffff << sh)) | ((v & 0xffff) << sh);
}
