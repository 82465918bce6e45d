// A stand-in for the CPU's memory front, for the fault-path suites: each
// access goes TLB -> mmu_walk -> #PF (CR2, error code) -> handle_page_fault
// -> retry, as src/cpu will, and the TLB obeys the kernel's flush calls.

import { WALK_FAULT_BELOW } from "../../src/cpu/mmu.js";
import { machine } from "./machine.js";
import type { Kernel, KernelOptions } from "../../src/kernel.js";

/** The #PF error-code bits (arch/x86/include/asm/trap_pf.h). */
export const PF = { P: 1, W: 2, U: 4, RSVD: 8, I: 16, PK: 32 } as const;
export const TLB_X = 1, TLB_W = 2;
export const SIGBUS = 7, SIGKILL = 9, SIGSEGV = 11;
export const SEGV_MAPERR = 1, SEGV_ACCERR = 2, BUS_ADRERR = 2, SI_KERNEL = 0x80;
export const sig = (signo: number, code: number) => (signo << 16) | code;

export interface WalkKernel {
  mmu_walk(va: number, access: number): number;
  handle_page_fault(cr2: number, error_code: number): number;
}

export type Access = "r" | "w" | "x";

export interface AccessResult {
  /** 0, or signo << 16 | si_code */
  signal: number;
  /** The error codes of the #PFs taken, in order. */
  faults: number[];
  /** Physical address of the byte, or -1 when a signal ended the access. */
  pa: number;
}

export class FaultCpu {
  /** Page number -> the walk's TLB entry. */
  readonly tlb = new Map<number, number>();
  /** Pages the kernel asked to flush, in order; flushAll counts full flushes. */
  readonly flushed: number[] = [];
  flushAll = 0;
  kernel!: WalkKernel;

  /** The env imports the kernel needs for its TLB shootdown. */
  readonly imports = {
    flush_tlb_page: (va: number) => { this.flushed.push(va); this.tlb.delete(Math.floor(va / 4096)); },
    flush_tlb_all: () => { this.flushAll++; this.tlb.clear(); },
  };

  /** One access by the CPU (user mode unless `user` is false). */
  access(va: number, kind: Access, user = true): AccessResult {
    const need = kind === "w" ? TLB_W : kind === "x" ? TLB_X : 0;
    const access = (user ? PF.U : 0) | (kind === "w" ? PF.W : 0) | (kind === "x" ? PF.I : 0);
    const vpn = Math.floor(va / 4096);
    const faults: number[] = [];
    for (;;) {
      const hit = this.tlb.get(vpn);
      if (hit !== undefined && (hit & need) === need) return { signal: 0, faults, pa: frame(hit) + (va % 4096) };
      const r = this.kernel.mmu_walk(va, access);
      if (r >= WALK_FAULT_BELOW) {
        this.tlb.set(vpn, r);
        return { signal: 0, faults, pa: frame(r) + (va % 4096) };
      }
      const error_code = r;
      faults.push(error_code);
      if (faults.length > 3) throw new Error(`fault loop at ${va.toString(16)}: ${faults}`);
      const signal = this.kernel.handle_page_fault(va, error_code);
      if (signal) return { signal, faults, pa: -1 };
    }
  }
}

const frame = (entry: number) => entry - (entry % 4096);

/** set_task's comm argument: up to 15 ASCII bytes as four little-endian u32 words. */
export function commWords(comm: string): [number, number, number, number] {
  const b = new Uint8Array(16);
  for (let i = 0; i < Math.min(comm.length, 15); i++) b[i] = comm.charCodeAt(i) & 0x7f;
  const w = new Uint32Array(b.buffer);
  return [w[0], w[1], w[2], w[3]];
}

/** A machine (debug unless asked) whose TLB shootdowns reach a FaultCpu: the kernel, its untyped exports, the CPU and a view of RAM. */
export interface FaultEnv { k: Kernel; x: any; cpu: FaultCpu; view: DataView }

export function bootFaultEnv(mem = "64M", build: "release" | "debug" = "debug", options: Omit<KernelOptions, "env"> = {}): FaultEnv {
  const cpu = new FaultCpu();
  const k = machine(mem, build, { ...options, env: cpu.imports });
  const x = k.exports as any;
  cpu.kernel = x;
  return { k, x, cpu, view: new DataView(k.memory.buffer) };
}
