// Several address spaces on one debug kernel, driven as a task layer
// would drive them (docs/abi.md "Processes"): fork, exec, exit in any
// order, each access through the fault path of the process that runs
// (mm_switch flushes the CPU's TLB, as a CR3 load does).

import { expect } from "vitest";
import type { Kernel } from "../../src/kernel.js";
import type { KernelExports } from "../../src/abi.js";
import { readSmaps, type SmapsCounts } from "../../src/kernel.js";
import { machine } from "./machine.js";
import { FaultCpu, commWords } from "./fault_cpu.js";

export const PAGE = 4096;

export interface Procs {
  k: Kernel;
  x: KernelExports;
  cpu: FaultCpu;
  view: DataView;
}

export function bootProcs(mem = "64M", swap?: string): Procs {
  const cpu = new FaultCpu();
  const k = machine(mem, "debug", { env: cpu.imports, swap });
  const x = k.exports;
  cpu.kernel = x as any;
  return { k, x, cpu, view: new DataView(k.memory.buffer) };
}

/** The invariant checker (allocator, VMAs, page tables, rmap) finds nothing, or the test fails with its log. */
export function expectInvariants(p: Procs): void {
  const before = p.k.dmesg().length;
  const n = p.k.checkInvariants();
  if (n !== 0) throw new Error(`check_invariants: ${n} violation(s)\n${p.k.dmesg().slice(before)}`);
}

/** One process: its mm, as the task layer holds it. */
export class Proc {
  constructor(readonly p: Procs, public mm: number, readonly pid: number) {
    p.x.set_task(mm, pid, 1000, ...commWords(`proc${pid}`));
  }

  static create(p: Procs, pid: number): Proc {
    const mm = p.x.mm_create();
    expect(mm).not.toBe(0);
    return new Proc(p, mm, pid);
  }

  /** Runs this process (switch_mm). */
  run(): this {
    this.p.x.mm_switch(this.mm);
    return this;
  }

  mmap(len: number, prot = 3, flags = 0x22): number {
    this.run();
    const a = this.p.x.sys_mmap(0, len, prot, flags, 0, 0);
    expect(a, `mmap: ${-a}`).toBeGreaterThan(0);
    return a;
  }

  fork(pid: number): Proc {
    const child = this.p.x.mm_fork(this.mm);
    expect(child).not.toBe(0);
    return new Proc(this.p, child, pid);
  }

  /** A user write of one byte. @return the physical address written. */
  write(va: number, byte: number): number {
    this.run();
    const r = this.p.cpu.access(va, "w");
    expect(r.signal).toBe(0);
    this.p.view.setUint8(r.pa, byte);
    return r.pa;
  }

  /** A user read of one byte. */
  read(va: number): { byte: number; pa: number } {
    this.run();
    const r = this.p.cpu.access(va, "r");
    expect(r.signal).toBe(0);
    return { byte: this.p.view.getUint8(r.pa), pa: r.pa };
  }

  /** The frame mapping va now, without faulting it in (0: none). */
  frame(va: number): number {
    this.run();
    const e = this.p.x.mmu_walk_inspect(va, 0);
    return e >= 4096 ? e - (e % PAGE) : 0;  // below 4096: a #PF error code
  }

  smaps(start = 0, end = 0x7ffffffff000): SmapsCounts {
    return readSmaps(this.p.k.memory, this.p.x, this.mm, start, end)!;
  }

  counters(): Float64Array {
    return new Float64Array(this.p.k.memory.buffer, this.p.x.proc_mm_counters(this.mm), 29).slice();
  }

  exit(): void {
    this.p.x.mm_exit(this.mm);
  }
}

/** _mapcount + 1 of the anonymous page at a physical address, and what rmap_walk finds. */
export function mapcount(p: Procs, pa: number): { mapcount: number; rmap: number } {
  const v = p.x.rmap_page_mapcount(Math.floor(pa / PAGE));
  return v < 0 ? { mapcount: 0, rmap: 0 } : { mapcount: v & 0xffff, rmap: v >>> 16 };
}

/** _refcount of the page at a physical address. */
export function refcount(p: Procs, pa: number): number {
  return p.k.pages.refcount(Math.floor(pa / PAGE));
}

/** Active objects of the named slab cache. */
export function slabActive(p: Procs, name: string): number {
  const base = (p.x.kmem_caches_ptr() as number) >>> 0;
  const n = (p.x.kmem_caches_count() as number) >>> 0;
  const u = new Uint32Array(p.k.memory.buffer, base, n * 6);
  for (let i = 0; i < n; i++) {
    const at = u[i * 6 + 5];
    const len = new Uint32Array(p.k.memory.buffer, at - 4, 1)[0];
    if (new TextDecoder("utf-16le").decode(new Uint8Array(p.k.memory.buffer, at, len)) === name) return u[i * 6 + 4];
  }
  throw new Error(`no slab cache ${name}`);
}
