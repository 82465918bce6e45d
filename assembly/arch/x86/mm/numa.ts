// arch/x86/mm/numa.c: the machine's NUMA topology, as firmware (SRAT and
// SLIT) would describe it, given by the host before boot: each node's
// range of RAM (numa_add_memblk), the distance table (numa_set_distance)
// and the CPU's node (numa_set_node). With none of them the machine is one
// node holding all RAM (dummy_numa_init).
//
// Node ranges are pfns, must tile RAM in node order, and start on a
// MAX_ORDER block boundary (4 MiB) so no buddy block spans two nodes.

import { MAX_NUMNODES, MAX_ORDER } from "../../../mm/mmzone";
import { EINVAL } from "../../../include/errno";

@inline export const LOCAL_DISTANCE: u32 = 10;
@inline export const REMOTE_DISTANCE: u32 = 20;
@inline export const NUMA_NO_NODE: i32 = -1;
// NODE_MIN_SIZE: smaller nodes are refused.
@inline const NODE_MIN_PAGES: u32 = (4 << 20) >> 12;

// numa_meminfo: one [start, end) pfn range per node; end == 0 for none.
const memblk_start = memory.data(<i32>MAX_NUMNODES << 2, 4);
const memblk_end = memory.data(<i32>MAX_NUMNODES << 2, 4);
/** numa_distance[from * MAX_NUMNODES + to]: the SLIT, u8 each; 0 = not set (default). */
export const numa_distance = memory.data(<i32>(MAX_NUMNODES * MAX_NUMNODES), 1);

/** Nodes with memory (node_states[N_MEMORY]). */
export let node_states_memory: u64 = 1;
/** Highest possible node id + 1. */
export let nr_node_ids: u32 = 1;
/** The CPU's node (per_cpu(numa_node, 0)). */
let cpu_node: u32 = 0;

@inline export function numa_node_id(): u32 { return cpu_node; }
@inline export function node_memblk_start(nid: u32): u32 { return load<u32>(memblk_start + (<usize>nid << 2)); }
@inline export function node_memblk_end(nid: u32): u32 { return load<u32>(memblk_end + (<usize>nid << 2)); }
@inline export function node_state_memory(nid: u32): bool {
  return nid < MAX_NUMNODES && ((node_states_memory >> nid) & 1) != 0;
}

/** Adds [start, end) pfns to node nid. @return 0 or -EINVAL. */
export function numa_add_memblk(nid: u32, start: u32, end: u32): i32 {
  if (nid >= MAX_NUMNODES || start >= end || node_memblk_end(nid)) return -EINVAL;
  for (let n: u32 = 0; n < MAX_NUMNODES; n++) {
    const e = node_memblk_end(n);
    if (e && start < e && node_memblk_start(n) < end) return -EINVAL;
  }
  store<u32>(memblk_start + (<usize>nid << 2), start);
  store<u32>(memblk_end + (<usize>nid << 2), end);
  return 0;
}

/**
 * One SLIT entry. Refused as Linux and ACPI's slit_valid refuse them: a
 * distance that does not fit a u8, a node's distance to itself other than
 * LOCAL_DISTANCE, or to another node at or below it. @return 0 or -EINVAL
 */
export function numa_set_distance(from: u32, to: u32, distance: u32): i32 {
  if (from >= MAX_NUMNODES || to >= MAX_NUMNODES || distance > 255) return -EINVAL;
  if (from == to ? distance != LOCAL_DISTANCE : distance <= LOCAL_DISTANCE) return -EINVAL;
  store<u8>(numa_distance + <usize>from * MAX_NUMNODES + to, <u8>distance);
  return 0;
}

/** The CPU's node; one CPU. @return 0 or -EINVAL */
export function numa_set_node(cpu: u32, nid: u32): i32 {
  if (cpu != 0 || nid >= MAX_NUMNODES) return -EINVAL;
  cpu_node = nid;
  return 0;
}

/** node_distance(from, to): the SLIT's entry, or 10 / 20 when none was given. */
export function __node_distance(from: u32, to: u32): u32 {
  const d = <u32>load<u8>(numa_distance + <usize>from * MAX_NUMNODES + to);
  if (d) return d;
  return from == to ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

/**
 * x86_numa_init at boot: checks the node ranges tile [0, ram_pages) in
 * node order, each 4 MiB-aligned and at least 4 MiB, and the CPU's node
 * has memory; with no ranges, one node holds all RAM. Fills the default
 * distances into the table. @return the node count, or -EINVAL
 */
export function numa_init(ram_pages: u32): i32 {
  let nodes: u32 = 0;
  while (nodes < MAX_NUMNODES && node_memblk_end(nodes)) nodes++;
  for (let n = nodes; n < MAX_NUMNODES; n++) if (node_memblk_end(n)) return -EINVAL;
  if (!nodes) {
    store<u32>(memblk_start, 0);
    store<u32>(memblk_end, ram_pages);
    nodes = 1;
  }
  let expect: u32 = 0;
  for (let n: u32 = 0; n < nodes; n++) {
    const s = node_memblk_start(n);
    const e = node_memblk_end(n);
    if (s != expect || (s & ((1 << (MAX_ORDER - 1)) - 1)) || e - s < NODE_MIN_PAGES && nodes > 1) return -EINVAL;
    expect = e;
  }
  if (expect != ram_pages || cpu_node >= nodes) return -EINVAL;
  nr_node_ids = nodes;
  node_states_memory = (<u64>1 << nodes) - 1;
  for (let a: u32 = 0; a < nodes; a++) {
    for (let b: u32 = 0; b < nodes; b++) {
      store<u8>(numa_distance + <usize>a * MAX_NUMNODES + b, <u8>__node_distance(a, b));
    }
  }
  return <i32>nodes;
}
