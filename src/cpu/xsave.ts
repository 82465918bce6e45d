// XSAVE, XRSTOR (and their REX.W forms) and XGETBV, in the standard
// (non-compacted) format of the XSAVE area (SDM vol. 1, 13.4):
//
//   0    the legacy region, as fxsave writes it (sse_state.ts): x87 at 0..23
//        and 32..159, MXCSR and MXCSR_MASK at 24, XMM0..15 at 160; 416..511
//        are never written
//   512  the header: XSTATE_BV (which components hold state, the rest are in
//        their init configuration), XCOMP_BV (0: the standard format), reserved
//   576  the AVX component: the high halves of YMM0..15, 16 bytes each
//
// Only a model with XSAVE (model.ts) runs them; elsewhere they are #UD, as
// on a CPU without XSAVE. The components are those XCR0 enables, x87, SSE and
// AVX; the requested-feature bitmap is EDX:EAX & XCR0. The kernel's signal
// frame is this image too (src/task/signal.ts).

import { type Exec, type Op, STOP_GP, STOP_UD } from "./exec.js";
import { define, FEAT_XSAVE, type MemOp } from "./insn.js";
import { XCR0, XSAVE_AVX_OFFSET, XSAVE_SIZE } from "./model.js";
import { copyImage, MXCSR_MASK } from "./sse_state.js";
import type { CpuState } from "./state.js";
import { RAX, RCX, RDX } from "./state.js";

export const XFEATURE_X87 = 1, XFEATURE_SSE = 2, XFEATURE_AVX = 4;
const XSTATE_BV = 512;
/** MXCSR as it is after reset (all exceptions masked, round to nearest): SSE's init configuration. */
const MXCSR_INIT = 0x1f80;

/** The x87 part of the init configuration (fninit's FCW 0x037f; everything else zero, every register empty). */
const X87_INIT = new DataView(new ArrayBuffer(160));
X87_INIT.setUint16(0, 0x37f, true);

/** Whether the x87 part of img (bytes 0..23, 32..159) is the init configuration. */
function x87Init(img: DataView): boolean {
  for (let i = 0; i < 160; i += 4) if (i !== 24 && i !== 28 && img.getInt32(i, true) !== X87_INIT.getInt32(i, true)) return false;
  return true;
}

/**
 * XINUSE: the components `rfbm` asks for that are not in their init
 * configuration (the x87's is read from img, which holds its part). A CPU
 * may call a component in use whenever it likes; this one says so exactly
 * when its state differs from the init configuration. SSE's is the XMM
 * registers': XINUSE[1] says nothing of MXCSR (SDM vol. 1, 13.6; the
 * hardware here calls SSE unused after an xrstor that inits it and loads
 * another MXCSR, though in use after an ldmxcsr, which this CPU does not track).
 */
function inUse(st: CpuState, img: DataView, rfbm: number): number {
  let u = 0;
  if (rfbm & XFEATURE_X87 && !x87Init(img)) u |= XFEATURE_X87;
  if (rfbm & XFEATURE_SSE && st.xmm.subarray(0, 64).some((d) => d !== 0)) u |= XFEATURE_SSE;
  if (rfbm & XFEATURE_AVX && st.ymmh.some((d) => d !== 0)) u |= XFEATURE_AVX;
  return u;
}

/**
 * XSAVE into img (XSAVE_SIZE bytes): the components of `rfbm`, MXCSR when
 * SSE or AVX is asked for, and XSTATE_BV's bits of rfbm (its others as img had them).
 * @return the ranges written, as [start, end) pairs
 */
export function xsaveImage(st: CpuState, img: DataView, rfbm: number, wide: boolean): number[] {
  const ranges = [XSTATE_BV, XSTATE_BV + 8];
  if (rfbm & XFEATURE_X87) {
    st.x87Image.save(img, wide);
    ranges.push(0, 24, 32, 160);
  }
  if (rfbm & (XFEATURE_SSE | XFEATURE_AVX)) {
    img.setUint32(24, st.mxcsr, true);
    img.setUint32(28, MXCSR_MASK, true);
    ranges.push(24, 32);
  }
  if (rfbm & XFEATURE_SSE) {
    for (let i = 0; i < 64; i++) img.setUint32(160 + 4 * i, st.xmm[i], true);
    ranges.push(160, 416);
  }
  if (rfbm & XFEATURE_AVX) {
    for (let i = 0; i < 64; i++) img.setUint32(XSAVE_AVX_OFFSET + 4 * i, st.ymmh[i], true);
    ranges.push(XSAVE_AVX_OFFSET, XSAVE_SIZE);
  }
  img.setUint32(XSTATE_BV, (img.getUint32(XSTATE_BV, true) & ~rfbm) | inUse(st, img, rfbm), true);
  return ranges;
}

/**
 * Whether XRSTOR takes the header at img: XSTATE_BV names only components
 * XCR0 enables, and XCOMP_BV and the next 8 bytes are zero (the standard
 * format; bytes 24..63 are not looked at, as on the hardware here).
 */
export function xrstorHeaderValid(img: DataView): boolean {
  if (img.getUint32(XSTATE_BV, true) & ~XCR0 || img.getUint32(XSTATE_BV + 4, true) !== 0) return false;
  for (let i = 8; i < 24; i += 4) if (img.getUint32(XSTATE_BV + i, true) !== 0) return false;
  return true;
}

/** The bytes of img XRSTOR of `rfbm` reads beyond the legacy region and the header: the AVX component's, when there is state for it. */
export function xrstorNeedsAvx(img: DataView, rfbm: number): boolean {
  return (rfbm & img.getUint32(XSTATE_BV, true) & XFEATURE_AVX) !== 0;
}

/**
 * XRSTOR from img, whose header xrstorHeaderValid took: each component of
 * `rfbm` from img when XSTATE_BV says it holds state, else to its init
 * configuration; MXCSR from img whenever SSE or AVX is asked for.
 * @return false (#GP, nothing changed) when that MXCSR sets a reserved bit
 */
export function xrstorImage(st: CpuState, img: DataView, rfbm: number, wide: boolean): boolean {
  const bv = img.getUint32(XSTATE_BV, true) & rfbm;
  const mxcsr = img.getUint32(24, true);
  if (rfbm & (XFEATURE_SSE | XFEATURE_AVX) && mxcsr & ~MXCSR_MASK) return false;
  if (rfbm & XFEATURE_X87) st.x87Image.restore(bv & XFEATURE_X87 ? img : X87_INIT, wide);
  if (rfbm & (XFEATURE_SSE | XFEATURE_AVX)) st.mxcsr = mxcsr;
  if (rfbm & XFEATURE_SSE) for (let i = 0; i < 64; i++) st.xmm[i] = bv & XFEATURE_SSE ? img.getUint32(160 + 4 * i, true) : 0;
  if (rfbm & XFEATURE_AVX) for (let i = 0; i < 64; i++) st.ymmh[i] = bv & XFEATURE_AVX ? img.getUint32(XSAVE_AVX_OFFSET + 4 * i, true) : 0;
  return true;
}

/** Sets the components of `rfbm` to their init configuration (XRSTOR of an image whose XSTATE_BV is clear), MXCSR to 0x1f80 with SSE. */
export function xstateInit(st: CpuState, rfbm: number): void {
  if (rfbm & XFEATURE_X87) st.x87Image.restore(X87_INIT, true);
  if (rfbm & XFEATURE_SSE) { st.xmm.fill(0, 0, 64); st.mxcsr = MXCSR_INIT; }
  if (rfbm & XFEATURE_AVX) st.ymmh.fill(0);
}

const IMG = new DataView(new ArrayBuffer(XSAVE_SIZE));

/** The requested-feature bitmap: EDX:EAX & XCR0 (XCR0 has no bit above 31). */
const rfbmOf = (x: Exec): number => x.L[RAX] & XCR0;

/** The descriptors, in the SSE family's 0F map (sse.ts calls this: 0F AE is its slot). */
export function defineXsave(): void {
  const ud: Op = () => STOP_UD;
  define({
    name: (insn) => (insn.osz === 8 ? "xsave64" : "xsave"),
    enc: ["NP 0F AE /4: M512"],
    feature: FEAT_XSAVE,
    compile: (x, insn) => {
      if (!x.model.xsave) return ud;
      const { st, EA, FLT, mmu, ea } = x;
      const m = insn.ops[0] as MemOp, wide = insn.osz === 8;
      return () => {
        const rfbm = rfbmOf(x);
        ea(m);
        if (EA[0] & 63) return STOP_GP;
        if (!mmu.probeWrite(EA[0], EA[1], rfbm & XFEATURE_AVX ? XSAVE_SIZE : XSTATE_BV + 8)) return FLT.kind;
        if (!copyImage(x, IMG, XSTATE_BV, XSTATE_BV + 8, false)) return FLT.kind;
        const ranges = xsaveImage(st, IMG, rfbm, wide);
        for (let r = 0; r < ranges.length; r += 2) copyImage(x, IMG, ranges[r], ranges[r + 1], true);
        return 0;
      };
    },
  });
  define({
    name: (insn) => (insn.osz === 8 ? "xrstor64" : "xrstor"),
    enc: ["NP 0F AE /5: M512"],
    feature: FEAT_XSAVE,
    compile: (x, insn) => {
      if (!x.model.xsave) return ud;
      const { st, EA, FLT, ea } = x;
      const m = insn.ops[0] as MemOp, wide = insn.osz === 8;
      return () => {
        const rfbm = rfbmOf(x);
        ea(m);
        if (EA[0] & 63) return STOP_GP;
        // every byte is read before any register changes
        if (!copyImage(x, IMG, XSTATE_BV, XSAVE_AVX_OFFSET, false)) return FLT.kind;
        if (!xrstorHeaderValid(IMG)) return STOP_GP;
        if (rfbm && !copyImage(x, IMG, 0, 512, false)) return FLT.kind;
        if (xrstorNeedsAvx(IMG, rfbm) && !copyImage(x, IMG, XSAVE_AVX_OFFSET, XSAVE_SIZE, false)) return FLT.kind;
        return xrstorImage(st, IMG, rfbm, wide) ? 0 : STOP_GP;
      };
    },
  });
  define({
    name: "xgetbv",
    enc: ["NP 0F 01 D0"],
    feature: FEAT_XSAVE,
    faults: true,
    compile: (x) => {
      if (!x.model.xsave) return ud;
      const { L, H } = x;
      // XCR0 is the only register (XGETBV with ecx 1 is not announced)
      return () => {
        if (L[RCX] !== 0) return STOP_GP;
        L[RAX] = XCR0; H[RAX] = 0; L[RDX] = 0; H[RDX] = 0;
        return 0;
      };
    },
  });
}
