// The x87 FPU's architectural state, and its part of the 512-byte
// fxsave/fxrstor image and of the fnstenv/fldenv environment.
//
// Registers are kept by physical number R0..R7 as 80-bit bigints (sign,
// 15-bit exponent, 64-bit significand with its integer bit); ST(i) is
// R[(TOP + i) & 7], TOP being status word bits 11..13. The tag word is kept
// abridged (bit i set when R[i] is in use), as fxsave stores it; the full
// two-bit tags are derived from the contents when fnstenv asks.

export const FPU_CW_RESET = 0x37f;

export class X87State {
  readonly regs: bigint[] = [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n];
  cw = FPU_CW_RESET;
  sw = 0;
  /** Abridged tags: bit i set when physical register i is not empty. */
  tags = 0;
  /** Last instruction's opcode (11 bits), instruction and data pointers. */
  fop = 0;
  fip = 0;
  fdp = 0;
  /** The code selector saved with FIP: a 64-bit process's (0x33) once an instruction set it, 0 after fninit. */
  fcs = 0;

  reset(): void {
    this.cw = FPU_CW_RESET;
    this.sw = 0;
    this.tags = 0;
    this.fop = 0;
    this.fip = 0;
    this.fdp = 0;
    this.fcs = 0;
  }
}

/** The full two-bit tag of a register's contents: 0 valid, 1 zero, 2 special (NaN, infinity, denormal, unsupported). */
export function fullTag(v: bigint): number {
  const e = Number(v >> 64n) & 0x7fff, m = v & ((1n << 64n) - 1n);
  if (e === 0) return m === 0n ? 1 : 2;
  if (e === 0x7fff || !(m >> 63n)) return 2;
  return 0;
}

/** The full tag word (two bits per physical register, 3 = empty). */
export function fullTagWord(x: X87State): number {
  let tw = 0;
  for (let i = 0; i < 8; i++) tw |= (x.tags & (1 << i) ? fullTag(x.regs[i]) : 3) << (2 * i);
  return tw;
}

/**
 * The x87 part of the fxsave/fxrstor image (SDM vol. 1 table 10-2): bytes
 * 0..23 (FCW, FSW, abridged FTW, FOP, FIP, FDP) and the registers at 32..159,
 * in stack order (ST(0) first); MXCSR and the XMM registers are the SSE
 * unit's. `wide` (fxsave64/fxrstor64) has FIP and FDP as 64-bit offsets,
 * otherwise 32-bit offsets followed by the (zero) FCS and FDS selectors.
 * FOP, FIP and FDP are saved as zero, as an AMD processor saves them when no
 * exception is pending (fnstenv stores them).
 */
export function x87Image(x: X87State): { save(img: DataView, wide: boolean): void; restore(img: DataView, wide: boolean): void } {
  return {
    save(img: DataView): void {
      img.setUint16(0, x.cw, true);
      img.setUint16(2, x.sw, true);
      img.setUint8(4, x.tags);
      img.setUint8(5, 0);
      for (let k = 6; k < 24; k++) img.setUint8(k, 0);
      const top = (x.sw >> 11) & 7;
      for (let i = 0; i < 8; i++) {
        const v = x.regs[(top + i) & 7];
        img.setBigUint64(32 + i * 16, v & 0xffffffffffffffffn, true);
        img.setUint16(40 + i * 16, Number(v >> 64n) & 0xffff, true);
        for (let k = 42; k < 48; k++) img.setUint8(k + i * 16, 0);
      }
    },
    restore(img: DataView, wide: boolean): void {
      x.cw = img.getUint16(0, true);
      x.sw = img.getUint16(2, true);
      x.tags = img.getUint8(4);
      x.fop = img.getUint16(6, true) & 0x7ff;
      x.fip = wide ? Number(img.getBigUint64(8, true) & 0xffffffffffffn) : img.getUint32(8, true);
      x.fdp = wide ? Number(img.getBigUint64(16, true) & 0xffffffffffffn) : img.getUint32(16, true);
      x.fcs = wide ? 0 : img.getUint16(12, true);
      const top = (x.sw >> 11) & 7;
      for (let i = 0; i < 8; i++) {
        x.regs[(top + i) & 7] = img.getBigUint64(32 + i * 16, true) | (BigInt(img.getUint16(40 + i * 16, true)) << 64n);
      }
    },
  };
}

/** The 28-byte environment fnstenv stores (32-bit format; CS and DS selectors as a 64-bit Linux process has them). */
export function storeEnv(x: X87State): Uint8Array {
  const b = new Uint8Array(28);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, 0xffff0000 | x.cw, true);
  dv.setUint32(4, 0xffff0000 | x.sw, true);
  dv.setUint32(8, 0xffff0000 | fullTagWord(x), true);
  dv.setUint32(12, x.fip >>> 0, true);
  dv.setUint32(16, ((x.fop & 0x7ff) << 16) | x.fcs, true);
  dv.setUint32(20, x.fdp >>> 0, true);
  dv.setUint32(24, 0xffff0000, true);
  return b;
}

/** fldenv: the control, status and tag words from a 28-byte environment. */
export function loadEnv(x: X87State, b: Uint8Array): void {
  const dv = new DataView(b.buffer, b.byteOffset, 28);
  x.cw = dv.getUint16(0, true);
  x.sw = dv.getUint16(4, true);
  const tw = dv.getUint16(8, true);
  x.tags = 0;
  for (let i = 0; i < 8; i++) if (((tw >> (2 * i)) & 3) !== 3) x.tags |= 1 << i;
  x.fip = dv.getUint32(12, true);
  x.fop = (dv.getUint32(16, true) >>> 16) & 0x7ff;
  x.fcs = dv.getUint16(16, true);
  x.fdp = dv.getUint32(20, true);
}

/** The 108-byte image fnsave stores: the 28-byte environment, then ST(0)..ST(7), 10 bytes each. */
export function saveState(x: X87State): Uint8Array {
  const b = new Uint8Array(108);
  b.set(storeEnv(x));
  const top = (x.sw >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    const v = x.regs[(top + i) & 7];
    for (let k = 0; k < 10; k++) b[28 + 10 * i + k] = Number((v >> BigInt(8 * k)) & 0xffn);
  }
  return b;
}

/** frstor: the environment and the registers from a 108-byte image. */
export function restoreState(x: X87State, b: Uint8Array): void {
  loadEnv(x, b);
  const top = (x.sw >> 11) & 7;
  for (let i = 0; i < 8; i++) {
    let v = 0n;
    for (let k = 9; k >= 0; k--) v = (v << 8n) | BigInt(b[28 + 10 * i + k]);
    x.regs[(top + i) & 7] = v;
  }
}
