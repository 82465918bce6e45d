// A kernel booted on a NUMA machine, driven through its exports: the node
// ranges, distances and CPU node go in before boot (numa_add_memblk,
// numa_set_distance, numa_set_node), as firmware tables would.

import { loadKernelModule } from "../../src/cli/load.js";
import { readLayout, type Layout } from "../../src/abi.js";
import { FaultCpu } from "./fault_cpu.js";

export const MPOL = { DEFAULT: 0, PREFERRED: 1, BIND: 2, INTERLEAVE: 3, LOCAL: 4, PREFERRED_MANY: 5, WEIGHTED_INTERLEAVE: 6 } as const;
export const MPOL_F = { STATIC_NODES: 1 << 15, RELATIVE_NODES: 1 << 14, NUMA_BALANCING: 1 << 13, NODE: 1, ADDR: 2, MEMS_ALLOWED: 4 } as const;
export const MPOL_MF = { STRICT: 1, MOVE: 2, MOVE_ALL: 4 } as const;
const NR_FREE_PAGES = 0;

export interface NumaMachine {
  x: any;
  memory: WebAssembly.Memory;
  cpu: FaultCpu;
  layout: Layout;
  u32: Uint32Array;
  /** Node of a pfn, from the ranges given at boot. */
  nodeOfPfn(pfn: number): number;
  /** Free pages of node nid (its zones' NR_FREE_PAGES). */
  nodeFree(nid: number): number;
  /** A zone's address -> [nid, zid]. */
  zoneId(addr: number): [number, number];
  /** Node nid's FALLBACK zonelist as [nid, zid] pairs. */
  zonelist(nid: number): [number, number][];
  /** The kernel log. */
  dmesg(): string;
  /** A zone's vm_numa_event[item] (numa_hit 0, miss 1, foreign 2, interleave_hit 3, local 4, other 5). */
  numaEvent(nid: number, zid: number, item: number): number;
}

export interface NumaOptions {
  /** Each node's size in MiB, in node order. */
  nodesMiB: number[];
  /** distance[a][b], the SLIT; default 10/20. */
  distance?: number[][];
  cpuNode?: number;
  build?: "release" | "debug";
}

/** Instantiates the kernel and boots it with these nodes. @throws on a boot error */
export function bootNuma(o: NumaOptions): NumaMachine {
  const mod = loadKernelModule(o.build ?? "debug");
  const ramMiB = o.nodesMiB.reduce((a, b) => a + b, 0);
  const memory = new WebAssembly.Memory({ initial: ramMiB * 16, maximum: ramMiB * 16 });
  const cpu = new FaultCpu();
  const env: Record<string, unknown> = {};
  for (const i of WebAssembly.Module.imports(mod)) if (i.kind === "function") env[i.name] = () => 0;
  Object.assign(env, { memory, trace_clock: () => 0, ...cpu.imports });
  const x = new WebAssembly.Instance(mod, { env: env as WebAssembly.ModuleImports }).exports as any;
  cpu.kernel = x;
  const starts: number[] = [];
  let pfn = 0;
  o.nodesMiB.forEach((mib, nid) => {
    starts.push(pfn);
    if (x.numa_add_memblk(nid, pfn, pfn + mib * 256) !== 0) throw new Error(`numa_add_memblk ${nid}`);
    pfn += mib * 256;
  });
  o.distance?.forEach((row, a) => row.forEach((d, b) => {
    if (x.numa_set_distance(a, b, d) !== 0) throw new Error(`numa_set_distance ${a} ${b} ${d}`);
  }));
  if (o.cpuNode !== undefined && x.numa_set_node(0, o.cpuNode) !== 0) throw new Error("numa_set_node");
  const rc = x.boot(pfn);
  if (rc !== 0) throw new Error(`boot: ${rc}`);
  const u32 = new Uint32Array(memory.buffer);
  const layout = readLayout(u32, x.kernel_layout() >>> 0);
  const pgdat = (nid: number) => u32[(layout.node_data >>> 2) + nid];
  const zoneAddr = (nid: number, zid: number) => pgdat(nid) + layout.node_zones + zid * layout.sizeof_zone;
  const m: NumaMachine = {
    x, memory, cpu, layout, u32,
    nodeOfPfn: (p) => {
      let n = 0;
      while (n + 1 < starts.length && p >= starts[n + 1]) n++;
      return n;
    },
    nodeFree: (nid) => {
      let sum = 0;
      for (let zid = 0; zid < layout.max_nr_zones; zid++) sum += u32[(zoneAddr(nid, zid) + layout.zone_vm_stat + NR_FREE_PAGES * 8) >>> 2];
      return sum;
    },
    zoneId: (addr) => {
      for (let nid = 0; nid < layout.nr_node_ids; nid++) {
        const zid = (addr - zoneAddr(nid, 0)) / layout.sizeof_zone;
        if (Number.isInteger(zid) && zid >= 0 && zid < layout.max_nr_zones) return [nid, zid];
      }
      throw new Error(`no zone at ${addr}`);
    },
    zonelist: (nid) => {
      const out: [number, number][] = [];
      for (let z = u32[(pgdat(nid) + layout.pgdat_zonelist) >>> 2]; u32[z >>> 2]; z += 8) out.push(m.zoneId(u32[z >>> 2]));
      return out;
    },
    dmesg: () => Buffer.from(new Uint8Array(memory.buffer, x.log_buf_ptr(), x.log_buf_next())).toString(),
    numaEvent: (nid, zid, item) => {
      const p = u32[(zoneAddr(nid, zid) + layout.zone_numa_event) >>> 2];
      return p ? u32[(p + item * 8) >>> 2] + u32[(p + item * 8 + 4) >>> 2] * 2 ** 32 : 0;
    },
  };
  return m;
}

/** A new address space made current, with a uid (0: root). @return its handle */
export function newTask(m: NumaMachine, uid = 1000): number {
  const mm = m.x.mm_create();
  m.x.mm_switch(mm);
  m.x.set_task(mm, 100, uid, 0x74736574, 0, 0, 0);
  return mm;
}

/** Puts a syscall's nodemask (longs, nodes 0-63 first) where the kernel reads it, the rest of its 1024 bits clear. */
export function putNodemask(m: NumaMachine, ...longs: bigint[]): void {
  const at = m.x.user_nodemask_ptr() >>> 0;
  const v = new DataView(m.memory.buffer, at, 128);
  for (let i = 0; i < 16; i++) v.setBigUint64(i * 8, longs[i] ?? 0n, true);
}

const long = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

/** set_mempolicy after get_nodes: nodes 0-31 in lo, 32-63 in hi. */
export function setMempolicy(m: NumaMachine, mode: number, lo: number, hi: number): number {
  putNodemask(m, long(lo, hi));
  return m.x.kernel_set_mempolicy(mode);
}

/** mbind after get_nodes: nodes 0-31 in lo, 32-63 in hi. */
export function mbind(m: NumaMachine, start: number, len: number, mode: number, lo: number, hi: number, flags: number): number {
  putNodemask(m, long(lo, hi));
  return m.x.kernel_mbind(start, len, mode, flags);
}
