// include/linux/numa.h: how many nodes a per-node table has room for
// (CONFIG_NODES_SHIFT's x86-64 default).

@inline export const NODES_SHIFT: u32 = 6;
@inline export const MAX_NUMNODES: u32 = 1 << NODES_SHIFT;
