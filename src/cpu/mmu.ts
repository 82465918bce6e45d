// The MMU front: a direct-mapped software TLB over the kernel's page-table walk.
//
// A guest virtual address travels as two int32 halves (lo, hi). Only canonical
// user addresses (hi in [0, 0x7fff]) are ever walked or cached; any other
// address faults on the slow path, so a TLB hit needs no canonical check.
//
//   TLB slot i = (va >>> 12) & 255
//   ┌────────────┬────────────┬──────────────────────┐
//   │ tagLo[i]   │ tagHi[i]   │ pa[i]                │  read hit:  both tags equal
//   │ va & ~fff  │ va >>> 32  │ frame physical addr  │  write hit: wtagLo/wtagHi equal
//   └────────────┴────────────┴──────────────────────┘
// A write tag is set only when the walk granted TLB_W and the frame holds no
// decoded code, so a store to a code page always takes the slow path, which
// drops the decoded instructions first (self-modifying code stays correct).
//
// Faults are values: a slow path that faults records (kind, cr2, error code)
// in `fault` and returns; callers test `fault.kind` before changing any state.

/** The kernel's walk: a TLB entry (frame pa | TLB_W | TLB_X, at least 4096) or a #PF error code (below 4096). */
export type WalkFn = (va: number, access: number) => number;

/** A walk result below this is a fault's error code: frame 0 is never mapped, so no TLB entry is smaller. */
export const WALK_FAULT_BELOW = 4096;

/** The walk's TLB entry bits and the x86 #PF error-code bits (arch/x86/include/asm/trap_pf.h), from the seam. */
import { TLB_X, TLB_W, X86_PF_PROT as PF_PROT, X86_PF_WRITE as PF_WRITE, X86_PF_USER as PF_USER,
  X86_PF_RSVD as PF_RSVD, X86_PF_INSTR as PF_INSTR } from "../abi.js";
export { TLB_X, TLB_W, PF_PROT, PF_WRITE, PF_USER, PF_RSVD, PF_INSTR };

/** What went wrong on the last access; kind 0 = nothing. */
export const FAULT_NONE = 0;
export const FAULT_PF = 1;
export const FAULT_GP = 2;

export const TLB_SIZE = 256;
export const TLB_MASK = TLB_SIZE - 1;
const NO_TAG = 1; // never equal to a page-aligned address
const TWO32 = 4294967296;

/** Invalidation hooks for the decoded-instruction cache (set by the Cpu). */
export interface CodeCacheHooks {
  /** Code was decoded from these frames; a store to one must call dropFrame first. */
  dropFrame(pfn: number): void;
  dropPage(vpn: number): void;
  dropAll(): void;
}

export class Fault {
  kind = FAULT_NONE;
  /** cr2 as two halves and as a number (exact for user addresses). */
  addrLo = 0;
  addrHi = 0;
  errorCode = 0;
  get addr(): number {
    return this.addrHi * TWO32 + (this.addrLo >>> 0);
  }
}

export class Mmu {
  readonly ram: Uint8Array;
  readonly dv: DataView;
  readonly fault = new Fault();
  /** Walk access bits for this CPU's accesses: PF_USER for the guest. */
  // the TLB; translated blocks (jit.ts) read it to do hits inline
  readonly tagLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  readonly tagHi = new Int32Array(TLB_SIZE);
  readonly wtagLo = new Int32Array(TLB_SIZE).fill(NO_TAG);
  readonly wtagHi = new Int32Array(TLB_SIZE);
  readonly pa = new Int32Array(TLB_SIZE);
  private readonly entry = new Int32Array(TLB_SIZE);
  /** One flag per frame: decoded instructions came from it. */
  readonly codeFrame: Uint8Array;
  hooks: CodeCacheHooks | null = null;
  /** Second result (the high half) of the 64-bit loads. */
  hi = 0;
  /** Counters for the curious (tests, benchmarks, /proc). */
  walks = 0;

  constructor(memory: WebAssembly.Memory | ArrayBuffer, readonly walk: WalkFn) {
    const buf = memory instanceof ArrayBuffer ? memory : memory.buffer;
    this.ram = new Uint8Array(buf);
    this.dv = new DataView(buf);
    this.codeFrame = new Uint8Array(Math.ceil(buf.byteLength / 4096));
  }

  // ---- invalidation (the kernel's flush_tlb_page / flush_tlb_mm) ----

  flushPage(va: number): void {
    const lo = va % TWO32 | 0;
    const hi = Math.floor(va / TWO32) | 0;
    const i = (lo >>> 12) & TLB_MASK;
    if (this.tagHi[i] === hi && this.tagLo[i] === (lo & -4096)) this.tagLo[i] = NO_TAG;
    if (this.wtagHi[i] === hi && this.wtagLo[i] === (lo & -4096)) this.wtagLo[i] = NO_TAG;
    this.hooks?.dropPage(Math.floor(va / 4096));
  }

  flushAll(): void {
    this.tagLo.fill(NO_TAG);
    this.wtagLo.fill(NO_TAG);
    this.hooks?.dropAll();
  }

  /** Called when code is decoded from a frame: revoke cached write permission to it. */
  markCode(pfn: number): void {
    if (this.codeFrame[pfn]) return;
    this.codeFrame[pfn] = 1;
    for (let i = 0; i < TLB_SIZE; i++) if (this.pa[i] >>> 12 === pfn) this.wtagLo[i] = NO_TAG;
  }

  // ---- translation (slow path) ----

  /**
   * Translates the page of (lo, hi) for `access` (PF_WRITE and/or PF_INSTR,
   * plus PF_USER for guest accesses), filling the TLB.
   * @return the frame's physical address, or -1 with `fault` set.
   */
  translate(lo: number, hi: number, access: number): number {
    if (hi >>> 15 !== 0) return this.badAddress(lo, hi, access);
    const i = (lo >>> 12) & TLB_MASK;
    const page = lo & -4096;
    if (access & PF_USER) {
      if (access & PF_WRITE) {
        if (this.wtagLo[i] === page && this.wtagHi[i] === hi) return this.pa[i] >>> 0;
      } else if (this.tagLo[i] === page && this.tagHi[i] === hi) {
        if (!(access & PF_INSTR) || this.entry[i] & TLB_X) return this.pa[i] >>> 0;
      }
    }
    this.walks++;
    const e = this.walk(hi * TWO32 + (page >>> 0), access);
    if (e < WALK_FAULT_BELOW) {
      const f = this.fault;
      f.kind = FAULT_PF;
      f.addrLo = lo;
      f.addrHi = hi;
      f.errorCode = e;
      return -1;
    }
    const frame = e - (e % 4096);
    if (!(access & PF_USER)) return frame; // kernel copies are not cached
    if ((access & PF_WRITE) && this.codeFrame[frame / 4096]) {
      this.codeFrame[frame / 4096] = 0;
      this.hooks?.dropFrame(frame / 4096);
    }
    this.tagLo[i] = page;
    this.tagHi[i] = hi;
    this.pa[i] = frame | 0;
    this.entry[i] = e | 0;
    if (e & TLB_W && !this.codeFrame[frame / 4096]) {
      this.wtagLo[i] = page;
      this.wtagHi[i] = hi;
    } else {
      this.wtagLo[i] = NO_TAG;
    }
    return frame;
  }

  /** Non-canonical: #GP. Canonical kernel half: #PF, not present for a user access. */
  private badAddress(lo: number, hi: number, access: number): number {
    const f = this.fault;
    f.addrLo = lo;
    f.addrHi = hi;
    if (hi >> 15 === -1) {
      f.kind = FAULT_PF;
      f.errorCode = access & (PF_WRITE | PF_USER | PF_INSTR);
    } else {
      f.kind = FAULT_GP;
      f.errorCode = 0;
    }
    return -1;
  }

  // ---- guest loads: value, or 0 with fault.kind set ----

  ld8(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.tagLo[i] === (lo & -4096) && this.tagHi[i] === hi) return this.ram[(this.pa[i] | (lo & 4095)) >>> 0];
    const f = this.translate(lo, hi, PF_USER);
    return f < 0 ? 0 : this.ram[f + (lo & 4095)];
  }

  ld16(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.tagLo[i] === (lo & -4096) && this.tagHi[i] === hi && (lo & 4095) <= 4094)
      return this.dv.getUint16((this.pa[i] | (lo & 4095)) >>> 0, true);
    return this.ldSlow(lo, hi, 2, PF_USER);
  }

  ld32(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.tagLo[i] === (lo & -4096) && this.tagHi[i] === hi && (lo & 4095) <= 4092)
      return this.dv.getInt32((this.pa[i] | (lo & 4095)) >>> 0, true);
    return this.ldSlow(lo, hi, 4, PF_USER);
  }

  /** Returns the low half; the high half is left in `this.hi`. */
  ld64(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.tagLo[i] === (lo & -4096) && this.tagHi[i] === hi && (lo & 4095) <= 4088) {
      const p = (this.pa[i] | (lo & 4095)) >>> 0;
      this.hi = this.dv.getInt32(p + 4, true);
      return this.dv.getInt32(p, true);
    }
    const l = this.ldSlow(lo, hi, 4, PF_USER);
    if (this.fault.kind) return 0;
    const nlo = (lo + 4) | 0;
    const h = this.ldSlow(nlo, nlo >>> 0 < lo >>> 0 ? (hi + 1) | 0 : hi, 4, PF_USER);
    this.hi = h;
    return l;
  }

  /** Loads with write intent (the read of a read-modify-write: x86 checks W first). */
  ld8w(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wtagLo[i] === (lo & -4096) && this.wtagHi[i] === hi) return this.ram[(this.pa[i] | (lo & 4095)) >>> 0];
    return this.ldSlow(lo, hi, 1, PF_USER | PF_WRITE);
  }

  ld16w(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wtagLo[i] === (lo & -4096) && this.wtagHi[i] === hi && (lo & 4095) <= 4094)
      return this.dv.getUint16((this.pa[i] | (lo & 4095)) >>> 0, true);
    return this.ldSlow(lo, hi, 2, PF_USER | PF_WRITE);
  }

  ld32w(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wtagLo[i] === (lo & -4096) && this.wtagHi[i] === hi && (lo & 4095) <= 4092)
      return this.dv.getInt32((this.pa[i] | (lo & 4095)) >>> 0, true);
    return this.ldSlow(lo, hi, 4, PF_USER | PF_WRITE);
  }

  ld64w(lo: number, hi: number): number {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wtagLo[i] === (lo & -4096) && this.wtagHi[i] === hi && (lo & 4095) <= 4088) {
      const p = (this.pa[i] | (lo & 4095)) >>> 0;
      this.hi = this.dv.getInt32(p + 4, true);
      return this.dv.getInt32(p, true);
    }
    if (!this.probeWrite(lo, hi, 8)) return 0;
    return this.ld64(lo, hi);
  }

  /** Byte-wise load of `size` (1, 2 or 4) bytes, both pages translated before any read. */
  private ldSlow(lo: number, hi: number, size: number, access: number): number {
    const p0 = this.translate(lo, hi, access);
    if (p0 < 0) return 0;
    const off = lo & 4095;
    if (off + size <= 4096) {
      const p = p0 + off;
      return size === 1 ? this.ram[p] : size === 2 ? this.dv.getUint16(p, true) : this.dv.getInt32(p, true);
    }
    const nlo = (lo | 4095) + 1;
    const p1 = this.translate(nlo | 0, (nlo >>> 0) === 0 ? (hi + 1) | 0 : hi, access);
    if (p1 < 0) return 0;
    let v = 0;
    for (let k = size - 1; k >= 0; k--) {
      const o = off + k;
      v = (v << 8) | this.ram[o < 4096 ? p0 + o : p1 + o - 4096];
    }
    return size === 4 ? v | 0 : v;
  }

  // ---- guest stores: false with fault.kind set, memory untouched ----

  st8(lo: number, hi: number, v: number): boolean {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wtagLo[i] === (lo & -4096) && this.wtagHi[i] === hi) {
      this.ram[(this.pa[i] | (lo & 4095)) >>> 0] = v;
      return true;
    }
    return this.stSlow(lo, hi, 1, v, 0);
  }

  st16(lo: number, hi: number, v: number): boolean {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wtagLo[i] === (lo & -4096) && this.wtagHi[i] === hi && (lo & 4095) <= 4094) {
      this.dv.setUint16((this.pa[i] | (lo & 4095)) >>> 0, v, true);
      return true;
    }
    return this.stSlow(lo, hi, 2, v, 0);
  }

  st32(lo: number, hi: number, v: number): boolean {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wtagLo[i] === (lo & -4096) && this.wtagHi[i] === hi && (lo & 4095) <= 4092) {
      this.dv.setInt32((this.pa[i] | (lo & 4095)) >>> 0, v, true);
      return true;
    }
    return this.stSlow(lo, hi, 4, v, 0);
  }

  st64(lo: number, hi: number, vlo: number, vhi: number): boolean {
    const i = (lo >>> 12) & TLB_MASK;
    if (this.wtagLo[i] === (lo & -4096) && this.wtagHi[i] === hi && (lo & 4095) <= 4088) {
      const p = (this.pa[i] | (lo & 4095)) >>> 0;
      this.dv.setInt32(p, vlo, true);
      this.dv.setInt32(p + 4, vhi, true);
      return true;
    }
    return this.stSlow(lo, hi, 8, vlo, vhi);
  }

  /** Checks that `size` bytes at (lo, hi) are writable (translating both pages). */
  probeWrite(lo: number, hi: number, size: number): boolean {
    if (this.translate(lo, hi, PF_USER | PF_WRITE) < 0) return false;
    if ((lo & 4095) + size <= 4096) return true;
    const nlo = (lo | 4095) + 1;
    return this.translate(nlo | 0, (nlo >>> 0) === 0 ? (hi + 1) | 0 : hi, PF_USER | PF_WRITE) >= 0;
  }

  private stSlow(lo: number, hi: number, size: number, vlo: number, vhi: number): boolean {
    const p0 = this.translate(lo, hi, PF_USER | PF_WRITE);
    if (p0 < 0) return false;
    const off = lo & 4095;
    let p1 = 0;
    if (off + size > 4096) {
      const nlo = (lo | 4095) + 1;
      p1 = this.translate(nlo | 0, (nlo >>> 0) === 0 ? (hi + 1) | 0 : hi, PF_USER | PF_WRITE);
      if (p1 < 0) return false;
      // the first translation may have been evicted by the second only if they share a slot: they cannot
    }
    for (let k = 0; k < size; k++) {
      const o = off + k;
      const b = k < 4 ? vlo >>> (8 * k) : vhi >>> (8 * (k - 4));
      this.ram[o < 4096 ? p0 + o : p1 + o - 4096] = b;
    }
    return true;
  }

  // ---- the syscall layer's copy_from_user / copy_to_user (no U bit) ----

  /**
   * Copies `len` bytes from user address `va` into `dst`.
   * @return 0, or -1 when the walk refused a page, with `fault` holding its
   * address and error code (never -0, which a `>= 0` test would take for
   * success): the caller lets the kernel handle that fault
   * (handle_page_fault without PF_USER, as Linux fixes up a uaccess fault) and
   * retries, or returns -EFAULT.
   */
  copyFromUser(dst: Uint8Array, va: number, len: number = dst.length): number {
    return this.copyUser(va, len, 0, (pa, n, done) => dst.set(this.ram.subarray(pa, pa + n), done));
  }

  /** Copies `src` to user address `va`. @return 0, or -1 as copyFromUser; nothing is written on failure. */
  copyToUser(va: number, src: Uint8Array): number {
    const check = this.copyUser(va, src.length, PF_WRITE, () => {});
    if (check !== 0) return check;
    return this.copyUser(va, src.length, PF_WRITE, (pa, n, done) => {
      this.ram.set(src.subarray(done, done + n), pa);
      if (this.codeFrame[pa >>> 12]) {
        this.codeFrame[pa >>> 12] = 0;
        this.hooks?.dropFrame(pa >>> 12);
      }
    });
  }

  /** A kernel-mode walk (no U bit): the frame, or -1 with the fault left in `fault`. */
  private kernelWalk(va: number, access: number): number {
    const e = va >= 0 && va < 2 ** 47 ? this.walk(va - (va % 4096), access) : access | PF_PROT;
    if (e >= WALK_FAULT_BELOW) return e - (e % 4096);
    const f = this.fault;
    f.kind = FAULT_PF;
    f.addrLo = va % TWO32 | 0;
    f.addrHi = Math.floor(va / TWO32) | 0;
    f.errorCode = e;
    return -1;
  }

  private copyUser(va: number, len: number, access: number, each: (pa: number, n: number, done: number) => void): number {
    let done = 0;
    while (done < len) {
      const a = va + done;
      const frame = this.kernelWalk(a, access);
      if (frame < 0) return frame;
      const off = a % 4096;
      const n = Math.min(len - done, 4096 - off);
      each(frame + off, n, done);
      done += n;
    }
    return 0;
  }
}
