// kernel/sysctl.c: the vm sysctls (/proc/sys/vm) and the THP knobs
// (/sys/kernel/mm/transparent_hugepage), by number. The host's table
// (src/proc/sysctl.ts) names them and formats them; each write goes to
// the handler Linux runs for it, which checks the value and recomputes
// what depends on it.

import {
  vm_swappiness, set_vm_swappiness, node_reclaim_mode, set_node_reclaim_mode, sysctl_min_unmapped_ratio, set_min_unmapped_ratio,
} from "../mm/vmscan";
import { nr_online_nodes } from "../mm/mmzone";
import { min_free_kbytes, set_min_free_kbytes, watermark_scale_factor, set_watermark_scale_factor } from "../mm/mm_init";
import { sysctl_overcommit_memory, sysctl_overcommit_ratio, set_overcommit_memory, set_overcommit_ratio } from "../mm/util";
import { page_cluster, set_page_cluster } from "../mm/swap";
import { thp_get_enabled, thp_set_enabled, thp_get_defrag, thp_set_defrag } from "../mm/huge_memory";
import { sysctl_compaction_proactiveness, set_compaction_proactiveness } from "../mm/compaction";

@inline const VM_SWAPPINESS: u32 = 0;
@inline const VM_MIN_FREE_KBYTES: u32 = 1;
@inline const VM_WATERMARK_SCALE_FACTOR: u32 = 2;
@inline const VM_OVERCOMMIT_MEMORY: u32 = 3;
@inline const VM_OVERCOMMIT_RATIO: u32 = 4;
@inline const VM_PAGE_CLUSTER: u32 = 5;
@inline const THP_ENABLED: u32 = 6;
@inline const THP_DEFRAG: u32 = 7;
// CONFIG_NUMA's: a machine of one node is a UMA kernel's, without them.
@inline const VM_ZONE_RECLAIM_MODE: u32 = 8;
@inline const VM_MIN_UNMAPPED_RATIO: u32 = 9;
@inline const VM_COMPACTION_PROACTIVENESS: u32 = 10;

/** The value of sysctl `id`, or -1 for an unknown one (or a NUMA one on one node). */
export function sysctl_get(id: u32): f64 {
  if (nr_online_nodes > 1) {
    if (id == VM_ZONE_RECLAIM_MODE) return node_reclaim_mode;
    if (id == VM_MIN_UNMAPPED_RATIO) return sysctl_min_unmapped_ratio;
  }
  switch (id) {
    case VM_SWAPPINESS: return vm_swappiness;
    case VM_MIN_FREE_KBYTES: return min_free_kbytes;
    case VM_WATERMARK_SCALE_FACTOR: return watermark_scale_factor;
    case VM_OVERCOMMIT_MEMORY: return sysctl_overcommit_memory;
    case VM_OVERCOMMIT_RATIO: return sysctl_overcommit_ratio;
    case VM_PAGE_CLUSTER: return page_cluster;
    case THP_ENABLED: return thp_get_enabled();
    case THP_DEFRAG: return thp_get_defrag();
    case VM_COMPACTION_PROACTIVENESS: return sysctl_compaction_proactiveness;
  }
  return -1;
}

/** Writes sysctl `id`. @return 0, or -EINVAL for an unknown id or a value its handler refuses. */
export function sysctl_set(id: u32, value: f64): i32 {
  if (!(value >= 0) || value > 4294967295 || value != Math.floor(value)) return -22;
  const v = <u32>value;
  if (nr_online_nodes > 1) {
    if (id == VM_ZONE_RECLAIM_MODE) return set_node_reclaim_mode(v);
    if (id == VM_MIN_UNMAPPED_RATIO) return set_min_unmapped_ratio(v);
  }
  switch (id) {
    case VM_SWAPPINESS: return set_vm_swappiness(v);
    case VM_MIN_FREE_KBYTES: return set_min_free_kbytes(v);
    case VM_WATERMARK_SCALE_FACTOR: return set_watermark_scale_factor(v);
    case VM_OVERCOMMIT_MEMORY: return set_overcommit_memory(v);
    case VM_OVERCOMMIT_RATIO: return set_overcommit_ratio(v);
    case VM_PAGE_CLUSTER: return set_page_cluster(v);
    case THP_ENABLED: return thp_set_enabled(v);
    case THP_DEFRAG: return thp_set_defrag(v);
    case VM_COMPACTION_PROACTIVENESS: return set_compaction_proactiveness(v);
  }
  return -22;
}
