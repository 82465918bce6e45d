// include/linux/numa.h: how many nodes a per-node table has room for;
// and include/linux/topology.h's RECLAIM_DISTANCE.
// NODES_SHIFT 3: Linux's x86-64 default is 6 (64 nodes), but each node
// costs the kernel image zonelist room and a distance-table row, and a
// wasm32 machine of at most 4 GiB has little use for more than 8.

@inline export const NODES_SHIFT: u32 = 3;
@inline export const MAX_NUMNODES: u32 = 1 << NODES_SHIFT;

// A nodemask as the syscalls see it: Linux's MAX_NUMNODES of a kernel built
// with CONFIG_NODES_SHIFT 10 (1024 bits), so a user mask may name any node
// below 1024 as Linux allows; nodes past MAX_NUMNODES have no memory here
// and drop out where Linux drops offline nodes.
@inline export const NODEMASK_BITS: u32 = 1024;
@inline export const NODEMASK_LONGS: u32 = NODEMASK_BITS / 64;

/** Nodes farther apart than this are not reclaimed for each other's allocations (include/linux/topology.h). */
@inline export const RECLAIM_DISTANCE: u32 = 30;
