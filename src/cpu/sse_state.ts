// MXCSR and the FXSAVE image (SDM vol. 1, 10.5.1, table 10-2, 64-bit format):
//
//   0  FCW  2 FSW  4 FTW (abridged)  5 -  6 FOP  8 FIP  16 FDP     } the x87 unit's part
//   24 MXCSR  28 MXCSR_MASK                                         } ours
//   32 ST0/MM0 .. ST7/MM7, 16 bytes each (10 used)                  } the x87 unit's part
//   160 XMM0 .. XMM15, 16 bytes each                                } ours
//   416..511 reserved and available: fxsave leaves them alone
//
// The x87 part goes through an X87Image (the x87 unit's state): until the
// x87 unit supplies one, X87Bytes keeps those bytes.

import type { Exec } from "./exec.js";

/** The MXCSR bits ldmxcsr and fxrstor accept (flags, masks, DAZ, RC, FZ); any other set bit is #GP. */
export const MXCSR_MASK = 0xffff;
export const FXSAVE_SIZE = 512;
/** The bytes fxsave writes (the rest of the 512 are left as they were). */
export const FXSAVE_WRITTEN = 416;

/**
 * The x87 unit's side of fxsave and fxrstor: bytes 0..23 and 32..159 of the
 * image; `wide` (fxsave64, fxrstor64) stores FIP and FDP as 64-bit offsets
 * instead of 32-bit offsets with FCS and FDS.
 */
export interface X87Image {
  save(img: DataView, wide: boolean): void;
  restore(img: DataView, wide: boolean): void;
}

/**
 * The x87 part as bytes: the state after fninit (FCW 0x037f, every register
 * empty) until fxrstor loads another. It serves until the x87 unit supplies
 * its own X87Image; fxsave writes bytes 10..15 of each register slot as zero.
 */
export class X87Bytes implements X87Image {
  private readonly b = new Uint8Array(160);
  constructor() {
    this.b[0] = 0x7f;
    this.b[1] = 0x03;
  }
  save(img: DataView): void {
    for (let i = 0; i < 160; i++) if (i < 24 || i >= 32) img.setUint8(i, (i >= 32 && (i & 15) >= 10) ? 0 : this.b[i]);
  }
  restore(img: DataView): void {
    for (let i = 0; i < 160; i++) if (i < 24 || i >= 32) this.b[i] = img.getUint8(i);
  }
}

/** Fills img (FXSAVE_WRITTEN bytes at least) from the state. */
export function fxsaveImage(img: DataView, xmm: Uint32Array, mxcsr: number, x87: X87Image, wide: boolean): void {
  x87.save(img, wide);
  img.setUint32(24, mxcsr, true);
  img.setUint32(28, MXCSR_MASK, true);
  for (let i = 0; i < 64; i++) img.setUint32(160 + 4 * i, xmm[i], true);
}

/**
 * Loads the state from img.
 * @return the new MXCSR, or -1 (#GP, nothing changed) if the image's MXCSR sets a reserved bit
 */
export function fxrstorImage(img: DataView, xmm: Uint32Array, x87: X87Image, wide: boolean): number {
  const mxcsr = img.getUint32(24, true);
  if (mxcsr & ~MXCSR_MASK) return -1;
  x87.restore(img, wide);
  for (let i = 0; i < 64; i++) xmm[i] = img.getUint32(160 + 4 * i, true);
  return mxcsr;
}

/**
 * Copies bytes [from, to) of an fxsave or xsave image between `img` and
 * memory at EA, 8 at a time (the address carries into its high half): to
 * memory when `store` (the caller probed it), else from it. @return false at
 * a load's fault (FLT set)
 */
export function copyImage(x: Exec, img: DataView, from: number, to: number, store: boolean): boolean {
  const { EA, FLT, mmu } = x;
  for (let i = from; i < to; i += 8) {
    const s = (EA[0] >>> 0) + i;
    const lo = s | 0, hi = s > 0xffffffff ? (EA[1] + 1) | 0 : EA[1];
    if (store) {
      mmu.st64(lo, hi, img.getInt32(i, true), img.getInt32(i + 4, true));
    } else {
      const v = mmu.ld64(lo, hi);
      if (FLT.kind) return false;
      img.setInt32(i, v, true);
      img.setInt32(i + 4, mmu.hi, true);
    }
  }
  return true;
}
