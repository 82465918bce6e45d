// The machine's NUMA shape, as the CLI and the API give it: how many nodes
// and how much RAM each has (`--numa 2`, `--numa 96M,160M`), the SLIT
// (`--numa-distance 10,20;20,10`) and the CPU's node (`--cpu-node 1`).
// Checked here, then described to the kernel before boot as firmware
// would (arch/x86/mm/numa.c: numa_add_memblk, numa_set_distance). Browser-safe.

import { MAX_NUMNODES } from "../abi.js";
import { parseSize } from "../ram.js";

/** The ACPI SLIT's local distance, and its largest reachable one (255 is "unreachable"). */
export const LOCAL_DISTANCE = 10;
export const REMOTE_DISTANCE = 20;
const MAX_DISTANCE = 254;
/** Node boundaries fall on pageblocks (2 MiB), so no pageblock straddles two nodes. */
const NODE_ALIGN = 2 << 20;
/** arch/x86/mm/numa.c's NODE_MIN_SIZE: a smaller node is refused. */
const NODE_MIN_SIZE = 4 << 20;

export interface NumaOptions {
  /**
   * The nodes: a count of equal nodes sharing `mem` (2, or "2"), or each
   * node's size ("96M,160M" or ["96M", "160M"]), whose sum is the RAM.
   * Default: one node.
   */
  numa?: number | string | Array<string | number>;
  /**
   * The SLIT: distance[from][to], 10 on the diagonal and 11..254 elsewhere
   * ("10,20;20,10", numactl --hardware's "node distances" table, or rows of
   * numbers). Default: 10 local, 20 remote.
   */
  numaDistance?: string | number[][];
  /** The node the CPU sits on (default 0). */
  cpuNode?: number;
}

/** What the kernel is told before boot: each node's size in bytes, the SLIT, the CPU's node. */
export interface NumaLayout {
  sizes: number[];
  distance: number[][];
  cpuNode: number;
}

const mib = (bytes: number) => (bytes % (1 << 20) === 0 ? `${bytes / (1 << 20)}M` : `${bytes}`);

/**
 * Checks the options and gives the RAM size and the node layout (null for
 * an ordinary one-node machine). @raise Error naming the option at fault.
 */
export function numaLayout(mem: string | number | undefined, o: NumaOptions, defaultMem: string): { ram: number; layout: NumaLayout | null } {
  let sizes: number[];
  if (o.numa === undefined) {
    if (o.numaDistance !== undefined || o.cpuNode !== undefined) {
      sizes = [parseSize(mem ?? defaultMem)];
    } else {
      return { ram: parseSize(mem ?? defaultMem), layout: null };
    }
  } else if (typeof o.numa === "number" || (typeof o.numa === "string" && /^\s*\d+\s*$/.test(o.numa))) {
    sizes = equalNodes(parseSize(mem ?? defaultMem), Number(o.numa));
  } else {
    const words = typeof o.numa === "string" ? o.numa.split(",") : o.numa;
    sizes = words.map((w) => {
      try {
        return parseSize(typeof w === "string" ? w.trim() : w);
      } catch (e) {
        throw new Error(`numa: node size ${String(w).trim()}: ${(e as Error).message}`);
      }
    });
    sizes.forEach((s, nid) => {
      if (s % NODE_ALIGN) throw new Error(`numa: node ${nid}'s size ${mib(s)} is not a multiple of 2M (a pageblock)`);
    });
    const sum = sizes.reduce((a, b) => a + b, 0);
    if (mem !== undefined && parseSize(mem) !== sum) {
      throw new Error(`numa: the nodes' sizes add up to ${mib(sum)} of RAM, but mem is ${String(mem)}: give one or the other, or make them agree`);
    }
    parseSize(sum); // at most 4G in all
  }
  if (sizes.length > MAX_NUMNODES) throw new Error(`numa: ${sizes.length} nodes: at most ${MAX_NUMNODES}`);
  sizes.forEach((s, nid) => {
    if (s < NODE_MIN_SIZE) throw new Error(`numa: node ${nid} has ${mib(s)}: a node needs at least 4M`);
  });
  const n = sizes.length;
  const distance = o.numaDistance === undefined
    ? Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? LOCAL_DISTANCE : REMOTE_DISTANCE)))
    : parseDistance(o.numaDistance, n);
  const cpuNode = o.cpuNode ?? 0;
  if (!Number.isInteger(cpuNode) || cpuNode < 0 || cpuNode >= n) {
    throw new Error(`cpu node ${String(o.cpuNode)}: the machine has node${n === 1 ? " 0" : `s 0-${n - 1}`}`);
  }
  return { ram: sizes.reduce((a, b) => a + b, 0), layout: { sizes, distance, cpuNode } };
}

/** `count` nodes sharing `ram`, each a whole number of 2M; the last takes what is left. */
function equalNodes(ram: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_NUMNODES) throw new Error(`numa: ${count} nodes: give 1 to ${MAX_NUMNODES}, or each node's size`);
  const each = Math.floor(ram / count / NODE_ALIGN) * NODE_ALIGN;
  if (each < NODE_MIN_SIZE) throw new Error(`numa: ${mib(ram)} of RAM cannot make ${count} nodes of at least 4M`);
  return Array.from({ length: count }, (_, i) => (i < count - 1 ? each : ram - each * (count - 1)));
}

/**
 * The SLIT from its text or rows, checked as Linux's slit_valid checks the
 * ACPI table: n rows of n, 10 on the diagonal, 11..254 elsewhere (it need
 * not be symmetric). The text is rows split by ";" or new lines, numbers
 * by "," or blanks; numactl --hardware's table (a "node 0 1" header, rows
 * led by "0:") reads too.
 */
export function parseDistance(spec: string | number[][], nodes: number): number[][] {
  const rows: Array<Array<number | string>> = typeof spec !== "string" ? spec : spec.split(/[;\n]/)
    .map((line) => line.replace(/^\s*node distances:\s*$/i, "").replace(/^\s*node(\s+\d+)+\s*$/i, "").replace(/^\s*\d+:/, "").trim())
    .filter((line) => line !== "")
    .map((line) => line.split(/[\s,]+/).map((w) => (/^\d+$/.test(w) ? Number(w) : w)));
  if (rows.length !== nodes || rows.some((r) => r.length !== nodes)) {
    const given = rows.length === 1 ? `1 row of ${rows[0].length}` : `${rows.length} rows of ${rows.map((r) => r.length).join("/")}`;
    throw new Error(`numa distance: ${given}; the machine has ${nodes} node${nodes === 1 ? "" : "s"}: give ${nodes} rows of ${nodes} numbers (e.g. ${example(nodes)})`);
  }
  return rows.map((row, i) => row.map((d, j) => {
    if (typeof d !== "number" || !Number.isInteger(d)) throw new Error(`numa distance: row ${i}, column ${j}: '${String(d)}' is not a number`);
    if (i === j && d !== LOCAL_DISTANCE) throw new Error(`numa distance: node ${i} to itself is ${d}; it must be ${LOCAL_DISTANCE} (the SLIT's local distance)`);
    if (i !== j && (d <= LOCAL_DISTANCE || d > MAX_DISTANCE)) throw new Error(`numa distance: node ${i} to node ${j} is ${d}; a remote distance is 11 to ${MAX_DISTANCE}`);
    return d;
  }));
}

function example(n: number): string {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 10 : 20)).join(",")).join(";");
}

/** The kernel's boot-time NUMA exports (NUMA_API: called before boot). */
export interface NumaBootExports {
  numa_add_memblk(nid: number, startPfn: number, endPfn: number): number;
  numa_set_distance(from: number, to: number, distance: number): number;
  numa_set_node(cpu: number, nid: number): number;
}

/** Describes the nodes to the kernel, as the firmware's SRAT and SLIT do. @raise Error when the kernel refuses one. */
export function describeNuma(x: NumaBootExports, layout: NumaLayout): void {
  let pfn = 0;
  layout.sizes.forEach((bytes, nid) => {
    const end = pfn + bytes / 4096;
    if (x.numa_add_memblk(nid, pfn, end) !== 0) throw new Error(`numa: the kernel refused node ${nid} [pfn ${pfn}, ${end})`);
    pfn = end;
  });
  layout.distance.forEach((row, i) => row.forEach((d, j) => {
    if (x.numa_set_distance(i, j, d) !== 0) throw new Error(`numa distance: the kernel refused ${i} to ${j} = ${d}`);
  }));
  if (x.numa_set_node(0, layout.cpuNode) !== 0) throw new Error(`cpu node ${layout.cpuNode}: refused by the kernel`);
}
